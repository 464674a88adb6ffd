"""The ops of torch.special: lgamma, digamma, polygamma, erfinv, the Bessel functions i0, i0e,
i1, i1e, the normal distribution's ndtr, ndtri, log_ndtr, erfcx, xlog1py, entr and sinc.

Values come from ops/special_math.py and ops/bessel.py (NumPy, float64; see there for the
methods and their measured accuracy); float32 inputs are computed in float64 and rounded once,
integers and bools give float64 (as NumPy's ufuncs and this library's other unary ops; PyTorch
gives float32).
Each backward computes its derivative in float64 (from the float64 output where it needs it,
never the rounded float32 one: erfcx's slope lost 74 float32 ulps) and rounds it to the
gradient's dtype.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import Function
from . import bessel
from . import special_math as sm
from .binary import XLogY
from .erf import exp_neg_square, normal_cdf

__all__ = ["Digamma", "Entr", "Erfcx", "Erfinv", "I0", "I0e", "I1", "I1e", "Lgamma", "LogNdtr",
           "Ndtr", "Ndtri", "Polygamma", "Sinc", "Xlog1py"]

_SQRT_PI_2 = math.sqrt(math.pi) / 2
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi / 2)


def _f64(x: np.ndarray, op: str = "") -> np.ndarray:
    if x.dtype.kind == "c":
        raise TypeError(f"{op}: complex input is not supported (as in PyTorch)")
    return x.astype(np.float64, copy=False)


def _like(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """y in x's float dtype (float64 for integers and bools); past float32's range inf, without
    NumPy's cast warning (lgamma(1e38) in float32, i0(100))."""
    with np.errstate(over="ignore"):
        return y.astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)


class _Unary(Function):
    """An elementwise special function f (float64 in, rounded once) whose backward needs its
    input x (and `saves_out`: its float64 output too, the same array for float64 input)."""

    saves_out = False

    def forward(ctx, x):
        y = ctx.f(_f64(x, type(ctx).__name__.lower()))
        if ctx.saves_out:
            ctx.save_for_backward(x, y)
        else:
            ctx.save_for_backward(x)
        return _like(y, x)

    def backward(ctx, g):
        d = ctx.derivative(_f64(ctx.saved[0]), *(_f64(s) for s in ctx.saved[1:]))
        with np.errstate(invalid="ignore", over="ignore"):
            return g * d.astype(g.dtype, copy=False)


class Lgamma(_Unary):
    """log|Gamma(x)| (fdlibm's method): inf at the poles 0, -1, -2, ...; d/dx = digamma."""

    f = staticmethod(sm.lgamma)

    def derivative(ctx, x):
        return sm.digamma(x)


class Digamma(_Unary):
    """psi(x) = lgamma'(x); d/dx = polygamma(1, x)."""

    f = staticmethod(sm.digamma)

    def derivative(ctx, x):
        return sm.polygamma(1, x)


class Polygamma(Function):
    """psi^(n)(x), 0 <= n <= 170 an int (x.polygamma(n) refuses more: n! overflows float64);
    d/dx = psi^(n+1)(x) (special_math.polygamma takes n = 171 for it)."""

    def forward(ctx, x, n=1):
        ctx.save_for_backward(x)
        ctx.n = n
        return _like(sm.polygamma(n, _f64(x, "polygamma")), x)

    def backward(ctx, g):
        with np.errstate(invalid="ignore", over="ignore"):
            return g * sm.polygamma(ctx.n + 1, _f64(ctx.saved[0])).astype(g.dtype, copy=False)


class Erfinv(_Unary):
    """The inverse of erf; d/dx = sqrt(pi)/2 exp(y^2), y = erfinv(x) (inf at +-1). Past
    |x| = 1/2 as sqrt(pi)/2 erfcx(|y|) / (1 - |x|) (1 - |x| = erfc(|y|), exact there): exp(y^2)
    of the rounded y would be off by 2 y^2 times y's error (40 ulps next to -1)."""

    f = staticmethod(sm.erfinv)
    saves_out = True

    def derivative(ctx, x, y):
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            q = 1.0 - np.abs(x)
            tail = np.where(q == 0, np.inf, sm.erfcx(np.abs(y)) / q)
            return _SQRT_PI_2 * np.where(np.abs(x) > 0.5, tail, np.exp(y * y))


class I0(_Unary):
    """I0(x), Cephes' expansions; d/dx = I1(x)."""

    f = staticmethod(bessel.i0)

    def derivative(ctx, x):
        return bessel.i1(x)


class I0e(_Unary):
    """exp(-|x|) I0(x); d/dx = i1e(x) - sign(x) i0e(x) (0 at 0, PyTorch's), the difference
    without cancellation for large |x| (bessel.i1e_minus_i0e)."""

    f = staticmethod(bessel.i0e)

    def derivative(ctx, x):
        return np.sign(x) * bessel.i1e_minus_i0e(x)


class I1(_Unary):
    """I1(x); d/dx = I0(x) - I1(x)/x = exp(|x|) (i0e(x) - i1e(x)/x) (1/2 at 0; I1(x)/x from its
    series, so that a tiny or subnormal x loses nothing; inf past |x| = 713.99, where inf - inf
    was NaN)."""

    f = staticmethod(bessel.i1)

    def derivative(ctx, x):
        with np.errstate(invalid="ignore", over="ignore"):
            d = bessel.i0e(x) - bessel.i1e_over_x(x)
            h = np.exp(np.minimum(np.abs(x), 1e4) / 2)  # (exp(|x|) in halves: I1(713) is finite)
            return h * d * h


class I1e(_Unary):
    """exp(-|x|) I1(x); d/dx = i0e(x) - i1e(x) (sign(x) + 1/x) (1/2 at 0), i0e(x) - |i1e(x)|
    without cancellation (bessel.i1e_minus_i0e: it was twice the slope past |x| = 1e16)."""

    f = staticmethod(bessel.i1e)

    def derivative(ctx, x):
        return -bessel.i1e_minus_i0e(x) - bessel.i1e_over_x(x)


class Ndtr(_Unary):
    """The standard normal CDF Phi(x) (ops/erf.py's normal_cdf); d/dx = exp(-x^2/2)/sqrt(2pi)."""

    f = staticmethod(normal_cdf)

    def derivative(ctx, x):
        return _INV_SQRT_2PI * exp_neg_square(x, 0.5)


class Ndtri(_Unary):
    """The standard normal quantile; d/dp = 1/phi(y) = sqrt(2 pi) exp(y^2 / 2), y = ndtri(p)
    (inf at 0 and 1). Past |y| = 1 as sqrt(pi/2) erfcx(|y|/sqrt 2) / min(p, 1 - p) (the Mills
    ratio over the tail's exact probability): exp(y^2/2) of the rounded y was off by y^2 times
    y's error (2e3 ulps at p = 2.2e-308)."""

    f = staticmethod(sm.ndtri)
    saves_out = True

    def derivative(ctx, p, y):
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            tail_p = np.minimum(p, 1.0 - p)  # (1 - p exact for p >= 1/2)
            ay = np.abs(y)
            tail = np.where(tail_p == 0, np.inf, sm.erfcx(ay / math.sqrt(2)) / tail_p)
            return np.where(ay > 1.0, _SQRT_PI_OVER_2 * tail, _SQRT_2PI * np.exp(0.5 * (y * y)))


class LogNdtr(_Unary):
    """log Phi(x) without underflow; d/dx = phi(x)/Phi(x): for x <= 0 sqrt(2/pi) /
    erfcx(-x/sqrt 2) (no 0/0: -x far left, inf at -inf), for x > 0 phi(x) / Phi(x) itself
    (erfcx of the negative argument overflowed past x = 37.7, flushing the subnormal slope to
    0, and lost 74 ulps at 9.5)."""

    f = staticmethod(sm.log_ndtr)

    def derivative(ctx, x):
        with np.errstate(divide="ignore", over="ignore"):  # (inf at -inf: erfcx(inf) = 0)
            left = _SQRT_2_OVER_PI / sm.erfcx(-np.minimum(x, 0.0) / math.sqrt(2))
        right = _INV_SQRT_2PI * exp_neg_square(x, 0.5) / normal_cdf(np.maximum(x, 0.0))
        return np.where(x > 0, right, left)


class Erfcx(_Unary):
    """exp(x^2) erfc(x); d/dx = 2x erfcx(x) - 2/sqrt(pi) (-2/sqrt(pi) at 0), within 5e-14
    of mpmath (its cancellation, 2x^2 round-offs, is worst just below 10)."""

    f = staticmethod(sm.erfcx)
    saves_out = True

    def derivative(ctx, x, y):
        with np.errstate(invalid="ignore"):
            d = 2.0 * x * y - 2.0 / math.sqrt(math.pi)
        # for large x, 2x erfcx(x) - 2/sqrt(pi) cancels (2x^2 times the round-off): past 10,
        # 2/sqrt(pi) sum_(k>=1) (-1)^k (2k-1)!! / (2x^2)^k instead (erfcx's asymptotic series
        # times 2x, its 1 dropped; 40 terms, far before its smallest, at k ~ x^2)
        z = (0.5 / np.maximum(x, 10.0)) / np.maximum(x, 10.0)
        term, far = np.ones_like(z), np.zeros_like(z)
        for k in range(1, 41):
            term = -term * (2 * k - 1) * z
            far = far + term
        return np.where(x > 10.0, 2.0 / math.sqrt(math.pi) * far, d)


class Sinc(_Unary):
    """The normalized sinc sin(pi x) / (pi x), 1 at 0 (torch.sinc), sin(pi x) reduced exactly
    (special_math.sinc: np.sinc's sin(pi * x) was 1e-6 off at 3 + 1e-10); d/dx = (cos(pi x) -
    sinc(x)) / x, its series near 0 (0 at 0). Complex input: np.sinc's values (no gradient
    for complex tensors here)."""

    f = staticmethod(sm.sinc)

    def forward(ctx, x):
        if x.dtype.kind == "c":
            return np.sinc(x)
        return super().forward(x)

    def derivative(ctx, x):
        return sm.sinc_derivative(x)


class Entr(_Unary):
    """-x log x for x > 0, 0 at 0, -inf below 0 (torch.special.entr); d/dx = -(1 + log x)
    (inf at 0, NaN below, PyTorch's)."""

    @staticmethod
    def f(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)), 0.0)
        return np.where(x < 0, -np.inf, np.where(np.isnan(x), x, out))

    def derivative(ctx, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(1.0 + np.log(x))


class Xlog1py(XLogY):
    """x log1p(y), 0 where x = 0 unless y is NaN (torch.special.xlog1py). d/dx = log1p(y) (0
    where g = 0, and where x = 0 and y <= -1, PyTorch's xlog1py(g, y) rule), d/dy = x / (1 + y):
    XLogY's forward and backward with log1p."""

    log = staticmethod(np.log1p)
    pole = -1.0
