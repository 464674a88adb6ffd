"""Review of torch.special (tinygrad_dl.special, ops/special_math.py): polygamma's order n
bounded and its values for large n, large x and negative x (against mpmath at 300 digits,
written out), NumPy warnings kept from the user, and mvlgamma for a large p."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.special as S
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit


def _ulps(got: float, exact: float) -> float:
    return abs(got - exact) / np.spacing(abs(exact))


def test_polygamma_refuses_huge_n_at_once():
    """n = 10**9 hung (a billion-digit n! and a loop of n/2 array passes); n >= 165 raised
    OverflowError from float(n!) or the reflection's coefficients."""
    t = time.perf_counter()
    for n in (171, 10**9):
        with pytest.raises(ValueError, match=r"polygamma: n must be <= 170 \(n! overflows "
                                             rf"float64 beyond\), got {n}"):
            tg.polygamma(n, Tensor([1.5]))
    assert time.perf_counter() - t < 10.0  # (it takes ~0.1 ms; a stall on a loaded machine is
    # no hang)
    with pytest.raises(TypeError, match="polygamma: n must be an int, got Tensor"):
        tg.polygamma(Tensor([1.5]), 2)  # the arguments swapped: one line naming the op


@pytest.mark.parametrize("n", [165, 170])
def test_polygamma_large_n_is_finite_where_the_value_is(n):
    x = Tensor(np.array([1075.452950751706, 0.5, -4096.5, -3.3]), requires_grad=True)
    out = tg.polygamma(n, x)
    out.backward(np.ones(4))  # (n = 170's gradient is polygamma(171))
    assert np.isfinite(out.data[0]) and np.isinf(out.data[1])
    if n == 170:
        assert _ulps(out.data[0], -1.9663933066587476e-211) <= 8
        assert np.isfinite(x.grad[0]) and x.grad[0] > 0


@pytest.mark.parametrize("n, x, exact, bound", [
    (100, 9232.176713601984, -2.7665770446270646e-241, 6),  # was -0.0: 100! x^-101 underflowed
    (30, 2045.6550213148419, -4.2145170243060576e-69, 4),  # was 25 ulps: q + k's rounding
    (100, -2.5, -1.0450358166692752e+103, 4),  # was -0.0 (PyTorch: -1.5e140)
    (100, -0.5, -1.5303349262176004e+140, 4),  # was -0.0
    (2, -20.50050650431768, -0.10094276417666583, 4),  # was 85 ulps: the sum cancelled
    (4, -1.4997403681873125, 3.6798167737074903, 6),
    (20, -9.04514285095946, 4.3627062438698376e+46, 4),
    (100, -3.1069363626733293, 1.0674252005107466e+256, 4),
    (6, -4096.5, -2.53737944308385e-20, 4),  # the reflection: cot(pi x) is 0 there, not 6e-17
])
def test_polygamma_against_mpmath(n, x, exact, bound):
    assert _ulps(tg.polygamma(n, np.array([x])).item(), exact) <= bound


def test_polygamma_negative_sweep_against_mpmath():
    mp = pytest.importorskip("mpmath")
    with mp.workdps(300):  # (psi^(n) at negative x cancels to 100 digits: 50 would be no oracle)
        rng = np.random.default_rng(3)
        x = np.concatenate([-rng.uniform(0, 30, 20), -np.round(rng.uniform(0, 30, 10)) - 0.5
                            + rng.uniform(-1e-3, 1e-3, 10)])
        for n in (2, 5, 10, 40):
            exact = np.array([float(mp.polygamma(n, mp.mpf(float(v)))) for v in x])
            got = tg.polygamma(n, x).data
            assert np.max(np.abs(got - exact) / np.spacing(np.abs(exact))) <= 8, n


def test_no_numpy_warnings_leak():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = np.array([1e38, 100.0], dtype=np.float32)
        assert np.isinf(tg.lgamma(big).data[0]) and np.isinf(tg.i0(big).data[0])
        assert np.isinf(S.i1(big).data[0])
        x = Tensor([-np.inf, -3.0], requires_grad=True)
        S.log_ndtr(x).sum().backward()  # (1 / erfcx(inf) = 1/0)
        assert x.grad[0] == np.inf


def test_mvlgamma_large_p_is_one_op_and_jit_replays():
    p = 20000
    x = Tensor(np.array([p / 2 + 1.0, p / 2 + 7.25]), requires_grad=True)
    t = time.perf_counter()
    out = x.mvlgamma(p)
    out.sum().backward()
    assert time.perf_counter() - t < 5.0  # (was a chain of 20000 ops)
    shifts = x.data[:, None] - np.arange(p) / 2
    ref = tg.lgamma(shifts).data.sum(1) + p * (p - 1) / 4 * np.log(np.pi)
    np.testing.assert_allclose(out.data, ref, rtol=1e-14)
    np.testing.assert_allclose(x.grad, tg.digamma(shifts).data.sum(1), rtol=1e-13)
    assert Tensor(np.float32([3.0])).mvlgamma(3).dtype == np.float32

    @jit
    def f(x):
        return x.mvlgamma(3)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a replay refused would warn)
        for v in (3.5, 4.5, 6.0):
            np.testing.assert_array_equal(f(Tensor([v])).data, Tensor([v]).mvlgamma(3).data)


def test_xlog1py_gradient_is_zero_where_the_upstream_gradient_is_zero_as_torch():
    # before: x * log1p(-1) with g = 0 gave 0 * -inf = NaN for x's gradient; torch's backward
    # is xlog1py(g, y), 0 where g = 0 (xlogy's already was)
    torch = pytest.importorskip("torch")
    X, Y, G = np.array([2.0, 0.0, 1.5]), np.array([-1.0, -1.0, 0.5]), np.array([0.0, 1.0, 2.0])
    x, y = tg.Tensor(X, requires_grad=True), tg.Tensor(Y, requires_grad=True)
    tg.special.xlog1py(x, y).backward(G)
    tx = torch.tensor(X, requires_grad=True)
    ty = torch.tensor(Y, requires_grad=True)
    torch.special.xlog1py(tx, ty).backward(torch.tensor(G))
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    np.testing.assert_array_equal(y.grad, ty.grad.numpy())
