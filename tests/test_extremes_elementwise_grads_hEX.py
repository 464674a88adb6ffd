"""Elementwise ops and loss building blocks at extreme inputs (near support edges, huge and
tiny magnitudes, the overflow edges), values AND gradients against exact math: mpmath at 50
digits, rounded once to the dtype, within a few ulps wherever the exact result is a normal
representable number. Named regressions first (each failed before its fix), then a seeded
sweep of the ops that were already right there, so they stay right."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F

mp = pytest.importorskip("mpmath")


@pytest.fixture(autouse=True)
def _fifty_digits():
    """mpmath at 50 digits in each test here, and back after it (set at import, the 50 digits
    stayed on for every later test file of the worker)."""
    with mp.workdps(50):
        yield


def _ulps(actual, exact, dtype) -> np.ndarray:
    """|actual - exact| in units of the dtype's spacing at exact (inf where one is not finite
    and they differ)."""
    a, e = np.asarray(actual, np.float64), np.asarray(exact, np.float64)
    sp = np.spacing(np.abs(e).astype(dtype)).astype(np.float64)
    with np.errstate(invalid="ignore"):
        u = np.abs(a - e) / sp
    return np.where(a == e, 0.0, np.where(np.isfinite(u), u, np.inf))


def _exact(f, xs, dtype) -> np.ndarray:
    """f at each x, rounded once to dtype (NaN where f is undefined there)."""
    out = []
    for x in xs:
        try:
            out.append(float(f(mp.mpf(float(x)))))
        except (ZeroDivisionError, ValueError):
            out.append(np.nan)
    with np.errstate(over="ignore", under="ignore"):
        return np.array(out).astype(dtype)


def _value_and_grad(fn, xs, dtype):
    t = tg.Tensor(np.array(xs, dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = fn(t)
        y.sum().backward()
    return np.asarray(y.data), np.asarray(t.grad)


def _near_one(rng, n, lo=1, hi=15):
    """±(1 - 10^-k), k uniform in [lo, hi]: next to the support edge +-1."""
    return np.sign(rng.uniform(-1, 1, n)) * (1 - 10.0 ** -rng.uniform(lo, hi, n))


# ---- asin / acos / atanh: the gradient's 1 - x^2 rounded x^2 near |x| = 1 -----------------
_EDGE_ONE = {
    "asin": (lambda t: t.asin(), lambda x: 1 / mp.sqrt(1 - x * x)),
    "acos": (lambda t: t.acos(), lambda x: -1 / mp.sqrt(1 - x * x)),
    "atanh": (lambda t: t.atanh(), lambda x: 1 / (1 - x * x)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(_EDGE_ONE))
def test_inverse_trig_gradient_next_to_plus_minus_one(name, dtype):
    # asin at 0.999999: 707.1069579492319, exact 707.1069579531425 (3.4e4 ulps); atanh at
    # 0.999999999999: 4.1e3 ulps off; float32 at 0.99: 6 and 11 ulps (PyTorch's too)
    rng = np.random.default_rng(20261207)
    limit = 12 if dtype == np.float64 else 6
    xs = np.concatenate([_near_one(rng, 24, 1, limit), [0.5, -0.5, 1e-20, 0.9, -0.99]])
    xs = xs.astype(dtype)
    fn, deriv = _EDGE_ONE[name]
    _, grad = _value_and_grad(fn, xs, dtype)
    assert _ulps(grad, _exact(deriv, xs, dtype), dtype).max() <= 3, name


# ---- log10 / log2: x ln 10 overflowed from x = 7.8e307 --------------------------------------
@pytest.mark.parametrize("name", ["log10", "log2"])
def test_log10_log2_gradient_at_the_largest_and_subnormal_inputs(name):
    base = 10 if name == "log10" else 2
    xs = np.array([1.7e308, 8e307, 1e300, 1.5e-308, 1e-300, 3.0, 0.1])
    _, grad = _value_and_grad(lambda t: getattr(t, name)(), xs, np.float64)
    exact = _exact(lambda x: 1 / (x * mp.log(base)), xs, np.float64)
    assert grad[0] > 0  # (was 0 for log10: 1 / inf)
    assert _ulps(grad, exact, np.float64).max() <= 2


# ---- softsign: its own op, gradient 1 / (1 + |x|)^2 -----------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softsign_gradient_in_the_tails(dtype):
    # the composition's quotient rule 1/d - |x|/d^2 cancelled: at 1e10 9.99999322e-21 (exact
    # 9.999999998e-21), 0 at 1e20 where 1e-40 is the exact; float32 at 746: 921 ulps
    rng = np.random.default_rng(7)
    big = 38 if dtype == np.float32 else 150
    xs = np.concatenate([10.0 ** rng.uniform(-5, big, 20), [0.0, 1e-20, 0.5, 700.0, 746.0]])
    xs = (xs * np.where(rng.uniform(size=xs.size) < 0.5, -1, 1)).astype(dtype)
    value, grad = _value_and_grad(F.softsign, xs, dtype)
    ok = np.abs(_exact(lambda x: 1 / (1 + abs(x)) ** 2, xs, np.float64)) >= np.finfo(dtype).tiny
    assert _ulps(grad, _exact(lambda x: 1 / (1 + abs(x)) ** 2, xs, dtype), dtype)[ok].max() <= 2
    assert _ulps(value, _exact(lambda x: x / (1 + abs(x)), xs, dtype), dtype).max() <= 2


def test_softsign_keeps_torchs_values_at_inf_and_nan_and_dtypes():
    value, grad = _value_and_grad(F.softsign, [np.inf, -np.inf, np.nan, 0.0], np.float64)
    assert np.isnan(value[:3]).all() and np.isnan(grad[:3]).all()  # (torch 2.13's: inf / inf)
    assert value[3] == 0 and grad[3] == 1
    assert F.softsign(tg.tensor(np.array([1, 3], np.int8))).data.tolist() == [0.5, 0.75]
    assert F.softsign(tg.Tensor(np.ones(2, np.float32))).data.dtype == np.float32


# ---- gelu(approximate="tanh"): 0 * inf in the gradient at huge |x| ---------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gelu_tanh_gradient_is_finite_at_huge_inputs(dtype):
    big = [1e300, -1e300, 1e160, -1e160] if dtype == np.float64 else [1e20, -1e20, 3e38, -3e38]
    xs = np.array(big + [30.0, -30.0, 100.0, -100.0], dtype)
    _, grad = _value_and_grad(lambda t: F.gelu(t, approximate="tanh"), xs, dtype)
    np.testing.assert_array_equal(grad, np.array([1, 0, 1, 0, 1, 0, 1, 0], dtype))  # (was NaN)


def test_gelu_tanh_gradient_keeps_its_tail_digits():
    # the x^2 cap must not reach the last nonzero gradients (x = -21 in float64)
    xs = np.array([-21.0, -10.0, -3.0, 3.0])
    _, grad = _value_and_grad(lambda t: F.gelu(t, approximate="tanh"), xs, np.float64)
    c, k = mp.sqrt(2 / mp.pi), mp.mpf("0.044715")

    def deriv(x):  # x sigmoid(2u), u = c (x + k x^3): no 1 + tanh(u) to cancel
        e = mp.exp(-2 * c * (x + k * x ** 3))
        return 1 / (1 + e) + x * 2 * e / (1 + e) ** 2 * c * (1 + 3 * k * x * x)

    exact = _exact(deriv, xs, np.float64)
    # (the function is ill-conditioned there, x d/dx log f ~ 2000 at -21: relative 1e-12)
    assert grad[0] != 0
    np.testing.assert_allclose(grad, exact, rtol=1e-12)


# ---- hypot: x / out where out overflowed or is subnormal -------------------------------------
def test_hypot_gradient_where_the_value_overflows_or_is_subnormal():
    x = tg.Tensor(np.array([1.7e308, 1e308, 5e-324, 3e-310, 3.0]), requires_grad=True)
    y = tg.Tensor(np.array([1.7e308, -1e308, 5e-324, 4e-310, 4.0]), requires_grad=True)
    tg.hypot(x, y).sum().backward()
    s = np.sqrt(0.5)
    # (was 0 and 0 where the value is inf, 1 at (5e-324, 5e-324))
    np.testing.assert_allclose(x.grad, [s, s, s, 0.6, 0.6], rtol=1e-15)
    np.testing.assert_allclose(y.grad, [s, -s, s, 0.8, 0.8], rtol=1e-15)


# ---- round(decimals=d) where 10^d overflows the dtype: gradient 0, not 0 * inf ---------------
@pytest.mark.parametrize("dtype,d", [(np.float32, 39), (np.float32, 300), (np.float32, -50),
                                     (np.float64, 309), (np.float64, -400)])
def test_round_decimals_past_the_dtype_has_gradient_zero(dtype, d):
    value, grad = _value_and_grad(lambda t: t.round(decimals=d), [1.25, 0.0, -3.0], dtype)
    assert np.isnan(value).all()  # (torch's: x * inf / inf)
    assert grad.dtype == dtype and (grad == 0).all()  # (was NaN)


# ---- huber / smooth_l1: the gradient d (d / beta) at tiny d ----------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss", ["huber", "smooth_l1"])
def test_huber_and_smooth_l1_gradients_at_tiny_differences(loss, dtype):
    # |d| - m gave 1 - 1 + d / beta: 0 at d = 1e-300 (float32: 1e-30), not d / beta
    tiny = 1e-300 if dtype == np.float64 else 1e-30
    d = np.array([tiny, -tiny, 1e-20, 0.5, 1.0, 2.0, -3.0, np.inf], dtype)
    scale = 2.0
    fn = ((lambda t: F.huber_loss(t, tg.Tensor(np.zeros_like(d)), reduction="sum", delta=scale))
          if loss == "huber" else
          (lambda t: F.smooth_l1_loss(t, tg.Tensor(np.zeros_like(d)), reduction="sum",
                                      beta=scale)))
    _, grad = _value_and_grad(fn, d, dtype)
    inside = d / scale if loss == "smooth_l1" else d
    outside = np.sign(d) * (1.0 if loss == "smooth_l1" else scale)
    want = np.where(np.abs(d) < scale, inside, outside)  # (1 at |d| = beta: PyTorch's)
    np.testing.assert_allclose(grad, want.astype(dtype), rtol=1e-6 if dtype == np.float32
                               else 1e-15)


def test_smooth_l1_keeps_nan_and_torchs_gradient_at_beta():
    d = np.array([np.nan, 1.0, -1.0, 0.0])
    _, grad = _value_and_grad(lambda t: F.smooth_l1_loss(t, tg.Tensor(np.zeros(4)),
                                                         reduction="sum", beta=1.0), d,
                              np.float64)
    assert np.isnan(grad[0]) and grad[1:].tolist() == [1.0, -1.0, 0.0]


def test_smooth_l1_float32_value_with_a_large_beta_does_not_overflow():
    # 0.5 m^2 / beta squared m = 1e20 to inf in float32 (the loss is 5e19)
    x = tg.Tensor(np.array([1e20, 3.0], np.float32), requires_grad=True)
    loss = F.smooth_l1_loss(x, tg.Tensor(np.zeros(2, np.float32)), reduction="none", beta=1e20)
    np.testing.assert_allclose(loss.data, [5e19, 4.5e-20], rtol=1e-6)


# ---- a seeded sweep: these were right at their extremes; they stay right ----------------------
def _sig(x):
    return 1 / (1 + mp.exp(-x))


_SWEEP = {  # name: (ours, value, derivative, draw(rng, L) -> points); L: the dtype's limits
    "exp": (lambda t: t.exp(), mp.exp, mp.exp, lambda r, L: r.uniform(L.under, L.over, 12)),
    "expm1": (lambda t: t.expm1(), mp.expm1, mp.exp,
              lambda r, L: np.concatenate([r.uniform(-50, L.over, 8), L.tiny_pow(r, 6)])),
    "log": (lambda t: t.log(), mp.log, lambda x: 1 / x, lambda r, L: L.any_pow(r, 12)),
    "log1p": (lambda t: t.log1p(), mp.log1p, lambda x: 1 / (1 + x),
              lambda r, L: np.concatenate([-1 + L.near_one(r, 6), L.any_pow(r, 8)])),
    "sqrt": (lambda t: t.sqrt(), mp.sqrt, lambda x: 1 / (2 * mp.sqrt(x)),
             lambda r, L: L.any_pow(r, 12)),
    "rsqrt": (lambda t: t.rsqrt(), lambda x: 1 / mp.sqrt(x), lambda x: -x ** -1.5 / 2,
              lambda r, L: L.any_pow(r, 12) ** (2 / 3)),
    "sigmoid": (lambda t: t.sigmoid(), _sig, lambda x: _sig(x) * _sig(-x),
                lambda r, L: r.uniform(L.under / 2, -L.under / 2, 12)),
    "logsigmoid": (F.logsigmoid, lambda x: -mp.log1p(mp.exp(-x)), lambda x: _sig(-x),
                   lambda r, L: r.uniform(L.under, -L.under, 12)),
    "softplus": (F.softplus, lambda x: mp.log1p(mp.exp(x)), _sig,
                 lambda r, L: r.uniform(L.under, 20, 12)),
    "asinh": (lambda t: t.asinh(), mp.asinh, lambda x: 1 / mp.sqrt(1 + x * x),
              lambda r, L: r.choice([-1, 1], 12) * L.any_pow(r, 12)),
    "acosh": (lambda t: t.acosh(), mp.acosh, lambda x: 1 / mp.sqrt(x * x - 1),
              lambda r, L: np.concatenate([1 + L.near_one(r, 6), 1 + L.any_pow(r, 6) ** 2])),
    "elu": (F.elu, mp.expm1, mp.exp, lambda r, L: -L.any_pow(r, 12) ** 0.1),
    "erfc": (lambda t: t.erfc(), mp.erfc, lambda x: -2 / mp.sqrt(mp.pi) * mp.exp(-x * x),
             lambda r, L: r.uniform(-5, 26, 12)),
    "logit": (lambda t: t.logit(), lambda x: mp.log(x / (1 - x)), lambda x: 1 / (x * (1 - x)),
              lambda r, L: np.concatenate([L.tiny_pow(r, 6), 1 - L.near_one(r, 6)])),
}


class _Limits:
    """The draw ranges of a dtype: decimal exponents, exp's overflow and underflow points."""

    def __init__(self, dtype):
        f64 = dtype == np.float64
        self.exp10, self.digits = (300, 15) if f64 else (37, 7)
        self.over, self.under = (709.0, -740.0) if f64 else (88.0, -100.0)

    def any_pow(self, r, n):
        return 10.0 ** r.uniform(-self.exp10, self.exp10, n)

    def tiny_pow(self, r, n):
        return 10.0 ** -r.uniform(1, self.exp10, n)

    def near_one(self, r, n):
        return 10.0 ** -r.uniform(1, self.digits, n)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(_SWEEP))
def test_sweep_values_and_gradients_against_mpmath(name, dtype):
    fn, f, df = _SWEEP[name][:3]
    rng = np.random.default_rng(sum(map(ord, name)) * 7919)  # (seeded per op)
    xs = _SWEEP[name][3](rng, _Limits(dtype))
    info = np.finfo(dtype)
    with np.errstate(over="ignore", under="ignore"):
        xs = xs.astype(dtype)
    xs = xs[np.isfinite(xs)]
    ev, eg = _exact(f, xs, np.float64), _exact(df, xs, np.float64)
    # normal, finite exact results only (subnormal results keep fewer digits; documented)
    keep = ((np.abs(ev) >= info.tiny) | (ev == 0)) & (np.abs(ev) <= info.max) & (xs != 0)
    keep &= (np.abs(eg) >= info.tiny) & (np.abs(eg) <= info.max)
    value, grad = _value_and_grad(fn, xs[keep], dtype)
    assert _ulps(value, ev[keep].astype(dtype), dtype).max() <= 4, name
    assert _ulps(grad, eg[keep].astype(dtype), dtype).max() <= 4, name


# ---- mish: its own op (the composition's gradient lost digits); silu: 1 - s ------------------
def _mish_exact(x):
    s = mp.log1p(mp.exp(x))
    return x * mp.tanh(s)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mish_value_and_gradient_to_round_off(dtype):
    # float32 at x = -1: gradient 0.059216708, exact 0.059216756 (13 ulps; float64: 10 ulps)
    rng = np.random.default_rng(11)
    xs = np.concatenate([rng.uniform(-8, 8, 40), [-1.0, -1.5, 10.0, -20.0, 1e-20]]).astype(dtype)
    xs = xs[np.abs(xs + 1.19) > 0.05]  # (not next to the gradient's zero: ill-conditioned)
    value, grad = _value_and_grad(F.mish, xs, dtype)
    tol = 1 if dtype == np.float32 else 8
    assert _ulps(value, _exact(_mish_exact, xs, dtype), dtype).max() <= tol
    assert _ulps(grad, _exact(lambda x: mp.diff(_mish_exact, x), xs, dtype), dtype).max() <= tol


def test_mish_keeps_torchs_values_at_inf_nan_and_the_tails():
    value, grad = _value_and_grad(F.mish, [np.inf, -np.inf, np.nan, 0.0, 1e20, -1e20, -1000.0],
                                  np.float64)
    np.testing.assert_array_equal(value, [np.inf, np.nan, np.nan, 0.0, 1e20, -0.0, -0.0])
    np.testing.assert_array_equal(grad, [np.nan, np.nan, np.nan, 0.6, 1.0, 0.0, 0.0])
    assert F.mish(tg.Tensor(np.ones(2, np.float32))).data.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_silu_gradient_for_large_positive_inputs(dtype):
    # s (1 + x (1 - s)): 1 - s rounded s; at x = 30, 1.000000000002711 (exact ...27136: 12 ulps)
    xs = np.array([15.0, 20.0, 25.0, 30.0, 35.0, -30.0, 3.0], dtype)
    _, grad = _value_and_grad(F.silu, xs, dtype)
    exact = _exact(lambda x: mp.diff(lambda u: u / (1 + mp.exp(-u)), x), xs, dtype)
    assert _ulps(grad, exact, dtype).max() <= 2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_atan_gradient_past_the_overflow_of_x_squared(dtype):
    # 1 / (1 + x^2): x^2 overflowed from 1.3e154 (float32: 1.8e19), 0 where 1/x^2 is subnormal
    xs = np.array([1e155, -2e160, 1e20, 3.0] if dtype == np.float64 else [1e20, -3e20, 3.0],
                  dtype)
    _, grad = _value_and_grad(lambda t: t.atan(), xs, dtype)
    exact = _exact(lambda x: 1 / (1 + x * x), xs, dtype)
    assert (grad > 0).all()
    np.testing.assert_allclose(grad, exact, rtol=1e-3)  # (subnormal: fewer digits)
    _, grad = _value_and_grad(lambda t: t.atan(), [np.inf, -np.inf, np.nan], dtype)
    assert grad[:2].tolist() == [0.0, 0.0] and np.isnan(grad[2])


# ---- pow: p x^(p-1) where p - 1 rounds ---------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("p", [0.3, 1e-8, -1e-8, 1 / 3, 2.2, -0.7])
def test_pow_gradient_where_p_minus_one_rounds(dtype, p):
    # x ** 1e-8 at 1e-300: 9.999930922685449e+291, exact ...5794e+291 (156 ulps; float32 at
    # 1e-20: 7 ulps; float32 x ** 0.3 at 1e-20: p - 1 lost p's last bit)
    rng = np.random.default_rng(3)
    e10 = 300 if dtype == np.float64 else 37
    xs = (10.0 ** rng.uniform(-e10, e10, 16)).astype(dtype)
    pd = dtype(p)
    _, grad = _value_and_grad(lambda t: t ** p, xs, dtype)
    exact = _exact(lambda x: mp.mpf(float(pd)) * x ** (mp.mpf(float(pd)) - 1), xs, np.float64)
    ok = (np.abs(exact) >= np.finfo(dtype).tiny) & (np.abs(exact) <= np.finfo(dtype).max)
    assert _ulps(grad, exact.astype(dtype), dtype)[ok].max() <= 3


def test_pow_gradient_of_tensor_exponents_and_its_special_points():
    x = tg.Tensor(np.array([5e-324, 1e-300, 0.0, 0.0, 0.0, -1.0, -2.0, 4.0]), requires_grad=True)
    p = tg.Tensor(np.array([1e-20, 1e-8, 0.3, 2.2, 0.0, 1e20, 0.5, 0.0]), requires_grad=True)
    (x ** p).sum().backward()
    # 1e-20 * 5e-324^(1e-20 - 1): 2.0e303 (x^(p-1) overflowed: inf); (-1)^(1e20 - 1) = -1
    # (1e20 - 1 rounds to the even 1e20: +1e20 was the old sign); 0 ** 0.3: inf (torch's)
    want = [1e-20 / 5e-324, 9.999930922685794e+291, np.inf, 0.0, 0.0, -1e20, np.nan, 0.0]
    np.testing.assert_allclose(x.grad, want, rtol=1e-14)
    assert np.isfinite(p.grad[[0, 1, 3, 4, 7]]).all()
