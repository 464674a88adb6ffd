"""Review of the extreme-input gradients (102e1bd): x ** p's choice between p x^(p-1) and
p x^p / x must not depend on the other entries of a tensor exponent nor miss a p - 1 that
rounds back (1e20), a NaN x^p keeps a NaN slope, softsign refuses bools as torch's abs, and
log10's gradient constant is 1 / ln 10 correctly rounded."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F


def _pow_grads(x, p, dtype=np.float64, tensor_p=True):
    X = tg.Tensor(np.array(x, dtype), requires_grad=True)
    P = tg.Tensor(np.array(p, dtype)) if tensor_p else p
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (X ** P).sum().backward()
    return np.asarray(X.grad)


@pytest.mark.parametrize("how", ["python", "0-d", "1-d", "beside 0.3"])
@pytest.mark.parametrize("p", [1e20, -1e20, 2.0 ** 53 + 2])
def test_pow_slope_where_p_minus_one_rounds_back_to_p(p, how):
    # 1e20 - 1 rounds to 1e20 and 1e20 + 1 back to it: the exactness test passed, and the
    # slope at -1 took (-1) ** 1e20 = +1 (p x^(p-1) is -p: p - 1 is odd); only a neighbour
    # whose p - 1 rounded (0.3) gave -p
    if how == "python":
        got = _pow_grads([-1.0], p, tensor_p=False)
    elif how == "0-d":
        got = _pow_grads([-1.0], np.float64(p))
    elif how == "1-d":
        got = _pow_grads([-1.0], [p])
    else:
        got = _pow_grads([-1.0, 2.0], [p, 0.3])[:1]
    assert got[0] == -p


def test_pow_slope_float32_huge_even_exponent():
    p = np.float32(1e10)  # (float32 p - 1 rounds to p from 2^25)
    assert _pow_grads([-1.0], p, np.float32)[0] == -p


@pytest.mark.parametrize("seed", range(6))
def test_pow_slope_of_an_entry_does_not_depend_on_its_neighbours(seed):
    # a tensor exponent took one formula for all its entries: an inf or 1e20 exponent beside
    # 0.3 got another slope (sign, inf) than alone
    rng = np.random.default_rng(seed)
    vals = [0.3, 1e-8, 2.0, 0.5, -0.7, 1e20, -1e20, np.inf, -np.inf, 0.0, 3.0, np.nan, 1 / 3]
    xs = rng.choice([-1.0, -2.0, 0.0, 0.5, 2.0, 1e-300, 1.0, np.inf, -0.5], 12)
    ps = rng.choice(vals, 12)
    together = _pow_grads(xs, ps)
    alone = np.array([_pow_grads([x], [p])[0] for x, p in zip(xs, ps)])
    np.testing.assert_allclose(together, alone, rtol=1e-15, equal_nan=True)


@pytest.mark.parametrize("tensor_p", [False, True])
def test_pow_slope_is_nan_where_the_value_is(tensor_p):
    # float32 1e-8 - 1 rounds to -1: p x^(p-1) at x = -2 was a number beside the NaN value
    # (torch's NaN for a Python exponent; its float32 tensor exponent gives the number)
    p = 1e-8 if not tensor_p else np.float32(1e-8)
    got = _pow_grads([-2.0, 3.0], p, np.float32, tensor_p=tensor_p)
    assert np.isnan(got[0]) and np.isfinite(got[1])


def test_softsign_refuses_bool_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(NotImplementedError):
        torch.nn.functional.softsign(torch.tensor([True, False]))
    with pytest.raises(NotImplementedError, match="softsign.*bool"):
        F.softsign(tg.Tensor(np.array([True, False])))


@pytest.mark.parametrize(("name", "want"), [("log10", 0.4342944819032518),
                                            ("log2", 1.4426950408889634)])
def test_log_gradient_at_one_is_the_correctly_rounded_constant(name, want):
    # 1 / ln 10 = 0.43429448190325182765...; float(1 / np.log(10.0)) is 0.43429448190325176
    x = tg.Tensor(np.array([1.0, 10.0, 1e300]), requires_grad=True)
    getattr(x, name)().sum().backward()
    assert x.grad[0] == want
    np.testing.assert_allclose(x.grad[1:], want / np.array([10.0, 1e300]), rtol=2.3e-16)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanhshrink_gradient_for_small_inputs(dtype):
    # x - tanh(x)'s gradient is tanh(x)^2; the composition's 1 - (1 - tanh^2) gave 0 at 1e-10
    # (float32: from 1e-4) and 1.00000008e-10 at 1e-5 (torch's composition too)
    xs = np.array([1e-10, 1e-5, 1e-3, 0.5, -3.0, 30.0, np.inf, -np.inf], dtype)
    x = tg.Tensor(xs, requires_grad=True)
    F.tanhshrink(x).sum().backward()
    want = np.tanh(xs.astype(np.float64)) ** 2
    np.testing.assert_allclose(x.grad, want.astype(dtype), rtol=4 * np.finfo(dtype).eps)
    assert x.grad.dtype == dtype


def test_tanhshrink_keeps_torchs_values_and_refusals():
    torch = pytest.importorskip("torch")
    xs = np.array([-2.0, -0.1, 0.0, 1e-3, 0.7, 25.0, np.inf, -np.inf, np.nan])
    got = F.tanhshrink(tg.Tensor(xs)).data
    want = torch.nn.functional.tanhshrink(torch.tensor(xs)).numpy()
    fin = np.isfinite(xs)  # (the two tanh an ulp apart: an ulp of x)
    assert (np.abs(got - want)[fin] <= 2 * np.spacing(np.abs(xs[fin]))).all()
    np.testing.assert_array_equal(got[~fin], want[~fin])
    with pytest.raises(NotImplementedError, match="tanhshrink.*bool"):
        F.tanhshrink(tg.Tensor(np.array([True, False])))
    assert F.tanhshrink(tg.Tensor(np.array([1, 2]))).dtype == np.float64


@pytest.mark.parametrize("decimals", [39, -39, 45, 400])
def test_round_decimals_past_float32_range_is_quiet(decimals):
    # the range check compared the Python 1e39 with float32's max: NumPy cast it to float32,
    # warning "overflow encountered in cast" on every such call (torch is quiet)
    x = tg.Tensor(np.array([1.5, 0.0, -2.0], np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.round(decimals=decimals)
        y.sum().backward()
    assert np.isnan(y.data).all() and (x.grad == 0).all()
