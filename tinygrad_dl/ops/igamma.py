"""torch.igamma and torch.igammac: the regularized incomplete gamma functions P(a, x) and
Q(a, x) = 1 - P(a, x), in float64 (float32 rounded once), with torch's special values and its
gradient (wrt x only: torch has none wrt a).

Method: Cephes' (SciPy's, which torch 2.13 follows), each region its own: for a large and x
near a (where the series and the continued fraction need ~sqrt(a) terms and x^a e^-x /
Gamma(a) through logs loses digits) Temme's uniform asymptotic expansion; else P by its power
series, Q by the continued fraction (x > 1.1, x >= a) or, for small a, Q's own series (DLMF
8.7.3: no 1 - P, which cancels to nothing, even below 0, for a near 0); the other one as 1
minus it, never the small one of the two. The prefactor x^a e^-x / Gamma(a) through the
Lanczos sum where x is near a.
"""

from __future__ import annotations

import numpy as np

from ..engine import Function
from .erf import erfc
from .igamma_table import TEMME_D
from .special_math import lgamma

__all__ = ["Igamma"]

_EPS = 1.11022302462515654042e-16  # (Cephes' MACHEP)
_TINY = 1e-300
_MAX_TERMS = 2000  # (each region converges well within this: Cephes' bound)
_LANCZOS_G = 6.024680040776729583740234375
_LANCZOS_NUM = (  # (Boost's lanczos13m53, exp(g)-scaled: highest power first)
    0.006061842346248906525783753964555936883222, 0.5098416655656676188125178644804694509993,
    19.51992788247617482847860966235652136208, 449.9445569063168119446858607650988409623,
    6955.999602515376140356310115515198987526, 75999.29304014542649875303443598909137092,
    601859.6171681098786670226533699352302507, 3481712.15498064590882071018964774556468,
    14605578.08768506808414169982791359218571, 43338889.32467613834773723740590533316085,
    86363131.28813859145546927288977868422342, 103794043.1163445451906271053616070238554,
    56906521.91347156388090791033559122686859)
_LANCZOS_DEN = (1.0, 66.0, 1925.0, 32670.0, 357423.0, 2637558.0, 13339535.0, 45995730.0,
                105258076.0, 150917976.0, 120543840.0, 39916800.0, 0.0)
# lgamma(1 + a) = -gamma a + sum_k (-1)^k zeta(k) a^k / k, for a < 0.01 (1 + a rounds a away)
_ZETA = (1.6449340668482264, 1.2020569031595943, 1.0823232337111382, 1.0369277551433699,
         1.0173430619844491, 1.0083492773819228, 1.0040773561979443)
_EULER = 0.5772156649015329


def _lanczos_sum_expg_scaled(a: np.ndarray) -> np.ndarray:
    big = a > 1  # (in 1/a there: no overflow, as Cephes' ratevl)
    y = np.where(big, 1 / a, a)
    num = np.zeros(a.shape)
    den = np.zeros_like(num)
    for i in range(13):
        cn = np.where(big, _LANCZOS_NUM[12 - i], _LANCZOS_NUM[i])
        cd = np.where(big, _LANCZOS_DEN[12 - i], _LANCZOS_DEN[i])
        num, den = num * y + cn, den * y + cd
    return num / den


def _prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x^a e^-x / Gamma(a): through logs where x is far from a, else through the Lanczos sum
    with a log1p of (x - a) / a (Cephes' igam_fac: a log x - x - lgamma(a) cancels there)."""
    far = np.abs(a - x) > 0.4 * np.abs(a)
    logs = np.exp(a * np.log(x) - x - lgamma(a))
    fac = a + _LANCZOS_G - 0.5
    res = np.sqrt(fac / np.e) / _lanczos_sum_expg_scaled(a)
    small = (a < 200) & (x < 200)
    num = x - a - _LANCZOS_G + 0.5
    near_small = np.exp(a - x) * (x / fac) ** a
    near_big = np.exp(a * (np.log1p(num / fac) - num / fac) + x * (0.5 - _LANCZOS_G) / fac)
    return np.where(far, logs, res * np.where(small, near_small, near_big))


def _series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) by its power series (DLMF 8.11.4)."""
    r, c, total = a.copy(), np.ones(a.shape), np.ones(a.shape)
    live = np.ones(a.shape, bool)
    for _ in range(_MAX_TERMS):
        r = r + 1
        c = np.where(live, c * x / r, 0.0)
        total = total + c
        live &= c > _EPS * total
        if not live.any():
            break
    return total * _prefactor(a, x) / a


def _lgamma1p(a: np.ndarray) -> np.ndarray:
    """lgamma(1 + a), a >= 0: its Taylor series below 0.01, where 1 + a would round a off."""
    h = np.zeros(a.shape)
    for k in range(len(_ZETA) + 1, 1, -1):  # (Horner: zeta(2)/2 a^2 - zeta(3)/3 a^3 + ...)
        h = h * a + (-1) ** k * _ZETA[k - 2] / k
    return np.where(a < 0.01, -_EULER * a + h * a * a, lgamma(1 + a))


def _upper_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by DLMF 8.7.3, for small a and x <= 1.1: 1 - x^a / Gamma(1 + a) (an expm1)
    minus x^a / Gamma(a) sum_n (-x)^n / (n! (a + n)), no 1 - P."""
    fac, total = np.ones(a.shape), np.zeros(a.shape)
    live = np.ones(a.shape, bool)
    for n in range(1, _MAX_TERMS):
        fac = fac * -x / n
        term = np.where(live, fac / (a + n), 0.0)
        total = total + term
        live &= np.abs(term) > _EPS * np.abs(total)
        if not live.any():
            break
    logx = np.log(x)
    return -np.expm1(a * logx - _lgamma1p(a)) - np.exp(a * logx - lgamma(a)) * total


def _fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by Lentz's continued fraction (x > 1.1, x >= a)."""
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


def _asymptotic(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """P (or Q) by Temme's uniform expansion in 1/a (DLMF 8.12.3/8.12.4), a large, x near a:
    erfc of eta sqrt(a/2) plus e^(-a eta^2/2) / sqrt(2 pi a) sum_k c_k(eta) a^-k, stopped
    where the terms stop shrinking (an asymptotic series)."""
    sgn = 1.0 if upper else -1.0
    sigma = (x - a) / a
    eta = np.sign(sigma) * np.sqrt(np.maximum(-2 * (np.log1p(sigma) - sigma), 0.0))
    res = 0.5 * erfc(sgn * eta * np.sqrt(a / 2))
    total, afac = np.zeros(a.shape), np.ones(a.shape)
    old = np.full(a.shape, np.inf)
    live = np.ones(a.shape, bool)
    for row in TEMME_D:
        ck = np.zeros(a.shape)
        for coef in reversed(row):
            ck = ck * eta + coef
        term = ck * afac
        live &= np.abs(term) <= old
        total = total + np.where(live, term, 0.0)
        live &= np.abs(term) >= _EPS * np.abs(total)
        if not live.any():
            break
        old, afac = np.abs(term), afac / a
    return res + sgn * np.exp(-0.5 * a * eta * eta) * total / np.sqrt(2 * np.pi * a)


def _regions(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """P or Q for a, x > 0 finite: Cephes' choice of method (torch's calc_igamma(c))."""
    out = np.empty(a.shape)
    r = np.abs(x - a) / a
    asym = ((a > 20) & (a < 200) & (r < 0.3)) | ((a > 200) & (r < 4.5 / np.sqrt(a)))
    # Q's own region (else P's series, and 1 - it): the fraction, or Q's series for small a
    frac = ~asym & (x > 1.1) & (x >= a)
    with np.errstate(divide="ignore"):
        low_q = ~asym & (x <= 1.1) & np.where(x <= 0.5, -0.4 / np.log(x) >= a, x * 1.1 >= a)
    ser = ~(asym | frac | low_q)

    def fill(mask: np.ndarray, fn, is_upper: bool) -> None:
        if mask.any():
            v = fn(a[mask], x[mask])
            out[mask] = v if is_upper == upper else 1 - v

    fill(asym, lambda aa, xx: _asymptotic(aa, xx, upper), upper)
    fill(frac, _fraction, True)
    fill(low_q, _upper_series, True)
    fill(ser, _series, False)
    return out


def incomplete_gamma(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """P(a, x) (or Q where `upper`) in float64, elementwise, with torch's special values in
    torch's order of tests: NaN for a < 0 or x < 0; at a = 0, P = 1 for x > 0 else NaN; then
    P = 0 at x = 0 (a NaN too); at a = inf, NaN for x = inf else 0; P = 1 at x = inf (a NaN
    too); NaN for any other NaN."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    with np.errstate(all="ignore"):
        ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        out = np.full(a.shape, np.nan)
        if ok.any():
            out[ok] = _regions(a[ok], x[ok], upper)
        one, zero = (0.0, 1.0) if upper else (1.0, 0.0)  # (P's 1 is Q's 0)
        return np.select(
            [(a < 0) | (x < 0), a == 0, x == 0, np.isinf(a), np.isinf(x)],
            [np.nan, np.where(x > 0, one, np.nan), zero, np.where(np.isinf(x), np.nan, zero),
             one], out)


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
