"""The ops of torch.special: lgamma, digamma, polygamma, erfinv, the Bessel functions i0, i0e,
i1, i1e, the normal distribution's ndtr, ndtri, log_ndtr, erfcx, xlog1py and entr.

Values come from ops/special_math.py and ops/bessel.py (NumPy, float64; see there for the
methods and their measured accuracy); float32 inputs are computed in float64 and rounded once,
integers and bools give float64 (as NumPy's ufuncs and this library's other unary ops; PyTorch
gives float32).
Each backward computes its derivative in float64 and rounds it to the gradient's dtype.
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
           "Ndtr", "Ndtri", "Polygamma", "Xlog1py"]

_SQRT_PI_2 = math.sqrt(math.pi) / 2
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)


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
    input x (and `saves_out`: its output too)."""

    saves_out = False

    def forward(ctx, x):
        out = _like(ctx.f(_f64(x, type(ctx).__name__.lower())), x)
        if ctx.saves_out:
            ctx.save_for_backward(x, out)
        else:
            ctx.save_for_backward(x)
        return out

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
    """The inverse of erf; d/dx = sqrt(pi)/2 exp(erfinv(x)^2) (inf at +-1)."""

    f = staticmethod(sm.erfinv)
    saves_out = True

    def derivative(ctx, x, y):
        with np.errstate(over="ignore"):
            return _SQRT_PI_2 * np.exp(y * y)


class I0(_Unary):
    """I0(x), Cephes' expansions; d/dx = I1(x)."""

    f = staticmethod(bessel.i0)

    def derivative(ctx, x):
        return bessel.i1(x)


class I0e(_Unary):
    """exp(-|x|) I0(x); d/dx = i1e(x) - sign(x) i0e(x) (0 at 0, PyTorch's)."""

    f = staticmethod(bessel.i0e)

    def derivative(ctx, x):
        return bessel.i1e(x) - np.sign(x) * bessel.i0e(x)


class I1(_Unary):
    """I1(x); d/dx = I0(x) - I1(x)/x (1/2 at 0; I1(x)/x from its series, so that a tiny or
    subnormal x loses nothing)."""

    f = staticmethod(bessel.i1)

    def derivative(ctx, x):
        with np.errstate(invalid="ignore", over="ignore"):
            ax = np.abs(x)
            h = np.exp(np.minimum(ax, 1e4) / 2)  # (exp(|x|) in halves: I1(713) is finite)
            return bessel.i0(x) - h * bessel.i1e_over_x(x) * h


class I1e(_Unary):
    """exp(-|x|) I1(x); d/dx = i0e(x) - i1e(x) (sign(x) + 1/x) (1/2 at 0)."""

    f = staticmethod(bessel.i1e)

    def derivative(ctx, x):
        return bessel.i0e(x) - np.sign(x) * bessel.i1e(x) - bessel.i1e_over_x(x)


class Ndtr(_Unary):
    """The standard normal CDF Phi(x) (ops/erf.py's normal_cdf); d/dx = exp(-x^2/2)/sqrt(2pi)."""

    f = staticmethod(normal_cdf)

    def derivative(ctx, x):
        return _INV_SQRT_2PI * exp_neg_square(x, 0.5)


class Ndtri(_Unary):
    """The standard normal quantile; d/dp = sqrt(2 pi) exp(ndtri(p)^2 / 2) (inf at 0 and 1)."""

    f = staticmethod(sm.ndtri)
    saves_out = True

    def derivative(ctx, p, y):
        with np.errstate(over="ignore"):
            return _SQRT_2PI * np.exp(0.5 * (y * y))


class LogNdtr(_Unary):
    """log Phi(x) without underflow; d/dx = phi(x)/Phi(x) = sqrt(2/pi) / erfcx(-x/sqrt 2) (no
    0/0 in either tail: -x far left, 0 far right)."""

    f = staticmethod(sm.log_ndtr)

    def derivative(ctx, x):
        with np.errstate(divide="ignore"):  # (inf at -inf: erfcx(inf) = 0)
            return _SQRT_2_OVER_PI / sm.erfcx(-x / math.sqrt(2))


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
