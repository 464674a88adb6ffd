"""erf and erfc (NumPy has none: ops/erf.py computes them) against Python's math.erf/erfc, and
the exact GELU, PyTorch's default, against PyTorch and against an mpmath oracle: values,
gradients, float32, the negative tail, and the refusal of an unknown `approximate=`."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.ops import erf as kernels
from tinygrad_dl.testing import check_float32, check_grad

try:
    import torch
except ImportError:  # the PyTorch comparisons skip
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

R = np.random.default_rng(0)
_ERF = np.vectorize(math.erf, otypes=[np.float64])
_ERFC = np.vectorize(math.erfc, otypes=[np.float64])


def _points() -> np.ndarray:
    """Many float64 points: the core, each of the method's intervals and their ends, the
    tails, tiny and subnormal values, both signs."""
    ends = np.array([2.0**-28, 0.25, 0.84375, 1.25, 1 / 0.35, 6.0, 26.5, 27.0, 28.0])
    edges = np.concatenate([ends, np.nextafter(ends, 0), np.nextafter(ends, np.inf)])
    mags = np.concatenate([
        R.uniform(0, 7, 60000), R.uniform(0, 30, 20000), R.uniform(0.8, 1.3, 10000),
        np.exp(R.uniform(np.log(1e-300), 0, 10000)), R.uniform(0, 1e-8, 2000),
        np.array([5e-324, 1e-320, 2.2250738585072014e-308, 1e-310]), edges])
    return np.concatenate([mags, -mags])


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """|got - want| in units of the last place of want (the subnormal spacing below 2^-1022)."""
    return np.abs(got - want) / np.spacing(np.abs(want))


# ---- erf and erfc ---------------------------------------------------------------------------
def test_erf_is_within_one_ulp_of_math_erf():
    x = _points()
    err = _ulps(kernels.erf(x), _ERF(x))
    worst = float(err.max())
    print(f"erf: max error {worst} ulp over {x.size} points (worst at x = {x[err.argmax()]!r})")
    assert worst <= 1.0, f"erf: {worst} ulp at x = {x[err.argmax()]!r}"
    assert np.mean(err == 0) > 0.8  # most are correctly rounded


def test_erfc_is_within_a_few_ulps_of_math_erfc_in_both_tails():
    x = _points()
    want = _ERFC(x)
    err = _ulps(kernels.erfc(x), want)
    worst = float(err.max())
    print(f"erfc: max error {worst} ulp over {x.size} points (worst at x = {x[err.argmax()]!r})")
    # fdlibm's erfc: exp(-x^2) as two exps (so that x^2 is exact) and a product, ~4 ulp
    assert worst <= 4.0, f"erfc: {worst} ulp at x = {x[err.argmax()]!r}"
    assert kernels.erfc(10.0) == pytest.approx(2.088487583762545e-45, rel=1e-15)  # 1 - erf: 0


def test_erf_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-310, 40.0, -40.0])
    e, c = kernels.erf(x), kernels.erfc(x)
    np.testing.assert_array_equal(e[:4], [0.0, -0.0, 1.0, -1.0])
    assert np.signbit(e[1]) and not np.signbit(e[0])  # erf(-0.0) is -0.0, as math.erf's
    assert np.isnan(e[4]) and np.isnan(c[4])
    np.testing.assert_array_equal(e[5:], [math.erf(v) for v in x[5:]])  # subnormals too
    np.testing.assert_array_equal(c[[0, 1, 2, 3, 8, 9]], [1.0, 1.0, 0.0, 2.0, 0.0, 2.0])


@pytest.mark.parametrize("fn, ref", [(kernels.erf, math.erf), (kernels.erfc, math.erfc)])
def test_float32_is_rounded_once_from_float64(fn, ref):
    x = np.concatenate([R.uniform(-6, 6, 20000), R.uniform(-10, 10, 2000)]).astype(np.float32)
    got = fn(x)
    assert got.dtype == np.float32
    want = np.array([ref(float(v)) for v in x]).astype(np.float32)  # correctly rounded
    off = np.abs(got.view(np.int32).astype(np.int64) - want.view(np.int32))  # float32 ulps
    assert off.max() <= 1 and np.mean(off == 0) > 0.999, (off.max(), np.mean(off == 0))


def test_erf_of_integers_is_float64_and_shapes_are_kept():
    assert tg.erf(Tensor(np.array([0, 1, 2]))).dtype == np.float64
    assert tg.erf(Tensor(np.ones((2, 3, 4))[:, ::2])).shape == (2, 2, 4)
    assert Tensor(np.float64(0.5)).erf().shape == ()


def test_erf_gradients_keep_their_digits_in_the_tail():
    x = np.array([-26.0, -5.0, -0.3, 0.0, 1e-300, 2.0, 9.0])
    t = Tensor(x, requires_grad=True)
    (t.erf() + 2 * t.erfc()).sum().backward()
    # d/dx erf = 2/sqrt(pi) e^(-x^2); x^2 kept exact (e^(-676) rounded from 676.0 is exact here)
    want = -2 / math.sqrt(math.pi) * np.exp(-x * x)
    np.testing.assert_allclose(t.grad, want, rtol=4e-16, atol=0)
    check_grad(lambda a: a.erf() * a.erfc(), R.uniform(-2.5, 2.5, (3, 4)))
    check_float32(lambda a: a.erf() + a.erfc(), R.uniform(-3, 3, (5,)))


@needs_torch
def test_erf_and_erfc_match_torch_values_and_gradients():
    x = np.concatenate([R.uniform(-6, 6, 200), [-27.0, -0.0, 0.0, 1e-310, 27.0, np.inf]])
    for name in ("erf", "erfc"):
        t = Tensor(x, requires_grad=True)
        tt = torch.tensor(x, requires_grad=True)
        out, tout = getattr(tg, name)(t), getattr(torch, name)(tt)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-15, atol=0)
        out.backward(np.ones(x.shape))
        tout.backward(torch.ones(x.shape, dtype=torch.float64))
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12, atol=0)


def test_erf_refuses_complex_in_one_line():
    with pytest.raises(TypeError, match="erf, erfc, gelu: complex input is not supported") as e:
        kernels.erf(np.array([1j]))
    assert "\n" not in str(e.value)


# ---- gelu, exact (PyTorch's default) and tanh --------------------------------------------------
def _gelu_oracle(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x Phi(x) and Phi(x) + x phi(x) with mpmath at 40 digits."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(40):
        val = [float(mpmath.mpf(v) * mpmath.ncdf(v)) for v in x]
        der = [float(mpmath.ncdf(v) + mpmath.mpf(v) * mpmath.npdf(v)) for v in x]
    return np.array(val), np.array(der)


def test_exact_gelu_to_a_few_ulps_down_to_minus_38():
    rng = np.random.default_rng(38)  # its own draws: the module's R depends on test order
    x = np.concatenate([rng.uniform(-38, 8, 3000), -np.geomspace(1e-8, 38, 200),
                        np.geomspace(1e-8, 8, 100), [-30.0, -8.0, -0.0, 0.0]])
    t = Tensor(x, requires_grad=True)
    y = F.gelu(t)
    y.sum().backward()
    val, der = _gelu_oracle(x)
    # x Phi(x): where Phi(x) itself is subnormal (below x = -37.5, and just above it where
    # |x Phi| < |x| tiny) its last bits are lost before the product; those are checked
    # absolutely below
    normal = np.abs(val) >= np.finfo(np.float64).tiny * np.maximum(1.0, np.abs(x))
    err = _ulps(y.data[normal], val[normal])
    print(f"gelu: max error {err.max()} ulp (worst at x = {x[normal][err.argmax()]!r})")
    assert err.max() <= 8, x[normal][err.argmax()]
    # there Phi's last bits, times |x| <= 38, absolutely
    np.testing.assert_allclose(y.data[~normal], val[~normal], rtol=0, atol=64 * 38 * 5e-324)
    # the derivative crosses 0 at x = -0.75179: relative error there is cancellation's
    np.testing.assert_allclose(t.grad, der, rtol=1e-14, atol=1e-16)
    assert F.gelu(Tensor(np.array([-30.0]))).data[0] == pytest.approx(-1.4720141783e-196,
                                                                         rel=1e-10)


@needs_torch
def test_exact_gelu_matches_torch_where_torch_keeps_its_digits():
    """PyTorch computes 0.5 x (1 + erf(x/sqrt 2)): for x << 0 that cancels (its gelu(-8) is
    2% off, its gelu(-10) is -0.0). Relative agreement where it does not, absolute (1e-15)
    in the tail, down to x = -30."""
    for lo, hi, rtol, atol in ((-3.0, 10.0, 1e-12, 0.0), (-30.0, -3.0, 0.0, 1e-15)):
        x = np.concatenate([R.uniform(lo, hi, 500), [lo, hi]])
        t = Tensor(x, requires_grad=True)
        tt = torch.tensor(x, requires_grad=True)
        out, tout = F.gelu(t), torch.nn.functional.gelu(tt)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
        g = R.standard_normal(x.shape)
        out.backward(g)
        tout.backward(torch.tensor(g))
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=rtol, atol=atol)
    # in the tail ours is the right one
    x = np.array([-8.0, -6.0])
    ours = F.gelu(Tensor(x)).data
    theirs = torch.nn.functional.gelu(torch.tensor(x)).numpy()
    want, _ = _gelu_oracle(x)
    assert np.all(np.abs(ours - want) < np.abs(theirs - want))


@needs_torch
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_modes_match_torch_and_nn_gelu(approximate):
    # its own draws, above -3: below, torch's exact form cancels (see the test above)
    x = np.random.default_rng(6).uniform(-3, 6, (4, 6))
    for ours_fn, theirs_fn in (
            (lambda a: F.gelu(a, approximate=approximate),
             lambda a: torch.nn.functional.gelu(a, approximate=approximate)),
            (nn.GELU(approximate), torch.nn.GELU(approximate)),
            (lambda a: a.gelu(approximate),
             lambda a: torch.nn.functional.gelu(a, approximate=approximate))):
        t = Tensor(x, requires_grad=True)
        tt = torch.tensor(x, requires_grad=True)
        out, tout = ours_fn(t), theirs_fn(tt)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-15)
        out.backward(np.arange(24.0).reshape(4, 6))
        tout.backward(torch.arange(24.0, dtype=torch.float64).reshape(4, 6))
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert repr(nn.GELU(approximate)) == repr(torch.nn.GELU(approximate))


def test_the_default_is_exact_and_the_modes_differ_by_up_to_4_7e_4():
    x = Tensor(np.linspace(-6, 6, 2001))
    exact, tanh = F.gelu(x), F.gelu(x, approximate="tanh")
    np.testing.assert_array_equal(x.gelu().data, exact.data)
    np.testing.assert_array_equal(nn.GELU()(x).data, exact.data)
    gap = np.abs(exact.data - tanh.data).max()
    assert 4.5e-4 < gap < 4.8e-4, gap


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_float32_stays_float32_and_gradients_check(approximate):
    a = R.uniform(-5, 5, (3, 4)).astype(np.float32)
    t = Tensor(a, requires_grad=True)
    y = F.gelu(t, approximate=approximate)
    y.sum().backward()
    assert y.dtype == np.float32 and t.grad.dtype == np.float32
    check_float32(lambda u: F.gelu(u, approximate=approximate), R.uniform(-5, 5, (6,)))
    check_grad(lambda u: F.gelu(u, approximate=approximate), R.uniform(-6, 4, (2, 5)))
    for dtype in (np.float32, np.float64):  # erf/erfc too
        u = Tensor(np.array([0.5, -3.0], dtype=dtype), requires_grad=True)
        (u.erf() + u.erfc()).sum().backward()
        assert u.grad.dtype == dtype


@needs_torch
def test_exact_gelu_float32_is_at_least_as_close_as_torchs():
    x = np.concatenate([R.uniform(-10, 5, 2000)]).astype(np.float32)
    ours = F.gelu(Tensor(x)).data
    theirs = torch.nn.functional.gelu(torch.tensor(x)).numpy()
    want, _ = _gelu_oracle(x.astype(np.float64))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, want, rtol=6e-8, atol=1e-44)  # rounded once
    # PyTorch's float32 kernel cancels in 1 + erf: 1e-4 relative already at x = -2.5
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=2e-6)
    assert np.abs(ours - want).sum() < np.abs(theirs - want).sum()


@pytest.mark.parametrize("call", [
    lambda: F.gelu(Tensor(np.ones(2)), approximate="sigmoid"),
    lambda: Tensor(np.ones(2)).gelu("exact"),
    lambda: nn.GELU("erf"),
])
def test_an_unknown_approximate_is_refused_in_one_line(call):
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh") \
            as e:
        call()
    assert "\n" not in str(e.value)


def test_a_non_string_approximate_is_a_type_error():
    with pytest.raises(TypeError, match="approximate' must be str, not NoneType"):
        F.gelu(Tensor(np.ones(2)), approximate=None)
    with pytest.raises(TypeError, match="GELU: approximate must be a str, not bool"):
        nn.GELU(True)


def test_transformer_gelu_is_the_exact_one():
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation="gelu")
    x = Tensor(np.linspace(-4, 4, 9))
    np.testing.assert_array_equal(layer.activation(x).data, F.gelu(x).data)
