"""torch.igamma and torch.igammac: the regularized incomplete gamma functions P(a, x) and
Q(a, x) = 1 - P(a, x), in float64 (float32 rounded once), with torch's special values and its
gradient (wrt x only: torch has none wrt a).

Method (Numerical Recipes' gser/gcf): for x < a + 1 the series
P = x^a e^-x / Gamma(a) * sum_n x^n / (a (a+1) ... (a+n)); otherwise Q by Lentz's continued
fraction; the other one as 1 minus it (never the small one of the two: no cancellation).
"""

from __future__ import annotations

import numpy as np

from ..engine import Function
from .special_math import lgamma

__all__ = ["Igamma"]

_EPS = 1e-17
_TINY = 1e-300
_MAX_TERMS = 20000  # (the series needs about sqrt(a) terms and a few more; a = 1e6: 8000)


def _prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x^a e^-x / Gamma(a), through logs."""
    return np.exp(a * np.log(x) - x - lgamma(a))


def _series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) by the series (x < a + 1, a > 0, x > 0)."""
    ap, term = a.copy(), 1.0 / a
    total = term.copy()
    live = np.ones(a.shape, bool)
    for _ in range(_MAX_TERMS):
        ap = ap + 1
        term = np.where(live, term * x / ap, 0.0)
        total = total + term
        live &= np.abs(term) > np.abs(total) * _EPS
        if not live.any():
            break
    return total * _prefactor(a, x)


def _fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by Lentz's continued fraction (x >= a + 1, a > 0)."""
    b = x + 1 - a
    c = np.full(a.shape, 1 / _TINY)
    d = 1 / b
    h = d.copy()
    live = np.ones(a.shape, bool)
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1 / d
        delta = np.where(live, d * c, 1.0)
        h = h * delta
        live &= np.abs(delta - 1) > _EPS
        if not live.any():
            break
    return h * _prefactor(a, x)


def incomplete_gamma(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """P(a, x) (or Q where `upper`) in float64, elementwise, with torch's special values:
    NaN for a < 0, x < 0, NaN, a = x = 0 and a = x = inf; P = 1 at a = 0 < x and at x = inf,
    0 at x = 0 and at a = inf > x."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    with np.errstate(all="ignore"):
        ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        aa, xx = np.where(ok, a, 1.0), np.where(ok, x, 1.0)
        low = xx < aa + 1
        p = np.ones(a.shape)
        q = np.ones(a.shape)
        if low.any():
            p[low] = _series(aa[low], xx[low])
            q[low] = 1 - p[low]
        if (~low).any():
            q[~low] = _fraction(aa[~low], xx[~low])
            p[~low] = 1 - q[~low]
        out = q if upper else p
        one, zero = (0.0, 1.0) if upper else (1.0, 0.0)  # (P's 1 is Q's 0)
        out = np.where(np.isinf(x), one, out)
        out = np.where(np.isinf(a), np.where(np.isinf(x), np.nan, zero), out)
        out = np.where(x == 0, zero, out)
        out = np.where(a == 0, np.where(x > 0, one, np.nan), out)
        bad = (a < 0) | (x < 0) | np.isnan(a) | np.isnan(x)
        return np.where(bad, np.nan, out)


class Igamma(Function):
    """P(a, x), or Q(a, x) where `upper`: a and x float arrays of one dtype. d/dx =
    +-x^(a-1) e^-x / Gamma(a) (torch's formula, exp((a-1) log x - x - lgamma(a)), with its
    NaN at a = 1, x = 0); no gradient wrt a: asking for one raises, as torch's backward."""

    def forward(ctx, a, x, upper=False):
        ctx.save_for_backward(a, x)
        ctx.upper = upper
        return incomplete_gamma(a, x, upper).astype(x.dtype)

    def backward(ctx, g):
        if ctx.needs_input_grad[0]:
            name = "igammac" if ctx.upper else "igamma"
            raise RuntimeError(f"{name}: the derivative for 'self' (a) is not implemented (as "
                               "torch's); detach a, or ask for the gradient wrt x only")
        a, x = (s.astype(np.float64) for s in ctx.saved)
        with np.errstate(all="ignore"):
            d = np.exp((a - 1) * np.log(x) - x - lgamma(a))
        d = -d if ctx.upper else d
        return None, g * np.broadcast_to(d, g.shape).astype(g.dtype)
