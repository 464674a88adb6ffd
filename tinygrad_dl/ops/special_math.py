"""The special functions behind torch.special, in NumPy (SciPy is no dependency), vectorised:
every branch is evaluated on the whole array (on inputs clamped or masked into its interval,
under np.errstate) and the right one picked with np.where, as ops/erf.py does.

- lgamma: Sun's fdlibm e_lgamma_r.c (its method and coefficients; the notice below), with the
  reflection lgamma(x) = log(pi / |x sin(pi x)|) - lgamma(-x) for x < 0.
- digamma: a Taylor series about its positive root x0 = 1.4616... on [1, 2] (the root in
  double-double, so psi keeps its relative accuracy there), the recurrence
  psi(x + 1) = psi(x) + 1/x into [1, 2] below 10, the asymptotic series from 10 on, and the
  reflection psi(1 - x) - psi(x) = pi cot(pi x) for x < 0.
- polygamma(n >= 1): (-1)^(n+1) n! zeta(n+1, x), Hurwitz's zeta by Euler-Maclaurin summation
  (Cephes' zeta.c method), its terms summed from x itself for -4096 < x < 0, and below that the
  n-th derivative of the reflection formula.
- erfinv, erfcinv: Giles' single-precision rational first guess ("Approximating the erfinv
  function", GPU Computing Gems, 2011) or an asymptotic one in the far tail, then Halley steps
  on erf / erfc (ops/erf.py), each where it keeps relative accuracy.
- erfcx = exp(x^2) erfc(x): exp(x^2) (x^2 split) times erfc below 26, its asymptotic series
  above. (i0, i0e, i1, i1e: ops/bessel.py.)
- sinc = sin(pi x) / (pi x) and its derivative: sin(pi x), cos(pi x) with the argument reduced
  exactly (never pi x rounded), the derivative's series near 0.

All in float64; callers round float32 once. Measured errors (tests/test_special.py, against
mpmath at 50 digits) are in each function's docstring.

    lgamma: Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
    Developed at SunPro, a Sun Microsystems, Inc. business.
    Permission to use, copy, modify, and distribute this software is freely granted,
    provided that this notice is preserved.
"""

from __future__ import annotations

import math

import numpy as np

from .erf import erf, erfc, exp_neg_square, normal_cdf

__all__ = ["digamma", "erfcinv", "erfcx", "erfinv", "hurwitz_zeta", "lgamma", "log_ndtr", "ndtri",
           "polygamma", "sinc", "sinc_derivative", "sinpi_cospi"]

_PI = math.pi
_SQRT_PI = math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _poly(c: tuple[float, ...], z: np.ndarray) -> np.ndarray:
    """c[0] + c[1] z + ... by Horner's rule."""
    out = np.full_like(z, c[-1])
    for k in c[-2::-1]:
        out = out * z + k
    return out


def _sinpi_abs(a: np.ndarray) -> np.ndarray:
    """|sin(pi a)| for a >= 0 finite, the argument reduced exactly (0 at the integers)."""
    f = a - np.floor(a)  # exact
    return np.sin(_PI * np.minimum(f, 1.0 - f))


def _cotpi(a: np.ndarray) -> np.ndarray:
    """cot(pi a), the argument reduced exactly to [-1/2, 1/2] (inf at the integers, 0 at the
    half-integers, where 1/tan(pi/2) would be 6e-17: polygamma(6, -4096.5) is 3e-20)."""
    r = a - np.round(a)
    return np.where(np.abs(r) == 0.5, 0.0, 1.0 / np.tan(_PI * r))


# ---- lgamma: fdlibm ---------------------------------------------------------------------------
_A = (7.72156649015328655494e-02, 3.22467033424113591611e-01, 6.73523010531292681824e-02,
      2.05808084325167332806e-02, 7.38555086081402883957e-03, 2.89051383673415629091e-03,
      1.19270763183362067845e-03, 5.10069792153511336608e-04, 2.20862790713908385557e-04,
      1.08011567247583939954e-04, 2.52144565451257326939e-05, 4.48640949618915160150e-05)
_TC = 1.46163214496836224576e+00
_TF = -1.21486290535849611461e-01
_TT = -3.63867699703950536541e-18  # -(tail of tf)
_T = (4.83836122723810047042e-01, -1.47587722994593911752e-01, 6.46249402391333854778e-02,
      -3.27885410759859649565e-02, 1.79706750811820387126e-02, -1.03142241298341437450e-02,
      6.10053870246291332635e-03, -3.68452016781138256760e-03, 2.25964780900612472250e-03,
      -1.40346469989232843813e-03, 8.81081882437654011382e-04, -5.38595305356740546715e-04,
      3.15632070903625950361e-04, -3.12754168375120860518e-04, 3.35529192635519073543e-04)
_U = (-7.72156649015328655494e-02, 6.32827064025093366517e-01, 1.45492250137234768737e+00,
      9.77717527963372745603e-01, 2.28963728064692451092e-01, 1.33810918536787660377e-02)
_V = (1.0, 2.45597793713041134822e+00, 2.12848976379893395361e+00, 7.69285150456672783825e-01,
      1.04222645593369134254e-01, 3.21709242282423911810e-03)
_S = (-7.72156649015328655494e-02, 2.14982415960608852501e-01, 3.25778796408930981787e-01,
      1.46350472652464452805e-01, 2.66422703033638609560e-02, 1.84028451407337715652e-03,
      3.19475326584100867617e-05)
_R = (1.0, 1.39200533467621045958e+00, 7.21935547567138069525e-01, 1.71933865632803078993e-01,
      1.86459191715652901344e-02, 7.77942496381893596434e-04, 7.32668430744625636189e-06)
_W = (4.18938533204672725052e-01, 8.33333333333329678849e-02, -2.77777777728775536470e-03,
      7.93650558643019558500e-04, -5.95187557450339963135e-04, 8.36339918996282139126e-04,
      -1.63092934096575273989e-03)


def _lgamma_below2(y: np.ndarray) -> np.ndarray:
    """lgamma(y) for 0 < y < 2: fdlibm's three approximations, about 1 and 2 (_A), about the
    minimum tc (_T) and a rational one (_U/_V), each on its intervals."""
    low = y <= 0.9
    r0 = np.where(low, -np.log(np.where(low, y, 1.0)), 0.0)
    ya = np.where(low, 1.0 - y, 2.0 - y)
    z = ya * ya
    p1 = _A[0] + z * (_A[2] + z * (_A[4] + z * (_A[6] + z * (_A[8] + z * _A[10]))))
    p2 = z * (_A[1] + z * (_A[3] + z * (_A[5] + z * (_A[7] + z * (_A[9] + z * _A[11])))))
    ra = ya * p1 + p2 - 0.5 * ya
    yt = np.where(low, y - (_TC - 1.0), y - _TC)
    z = yt * yt
    w = z * yt
    p1 = _T[0] + w * (_T[3] + w * (_T[6] + w * (_T[9] + w * _T[12])))
    p2 = _T[1] + w * (_T[4] + w * (_T[7] + w * (_T[10] + w * _T[13])))
    p3 = _T[2] + w * (_T[5] + w * (_T[8] + w * (_T[11] + w * _T[14])))
    rt = _TF + (z * p1 - (_TT - w * (p2 + yt * p3)))
    yu = np.where(low, y, y - 1.0)
    ru = -0.5 * yu + yu * _poly(_U, yu) / _poly(_V, yu)
    in_a = ((y >= 0.7316) & low) | (y >= 1.7316)
    in_t = ((y >= 0.23164) & (y < 0.7316)) | ((y >= 1.23164) & (y < 1.7316))
    r = r0 + np.where(in_a, ra, np.where(in_t, rt, ru))
    return np.where((y == 1.0) | (y == 2.0), 0.0, r)


def _lgamma_pos(y: np.ndarray) -> np.ndarray:
    """lgamma(y) for y > 0 (inf at inf)."""
    small = _lgamma_below2(np.clip(y, 2.0**-70, 2.0))
    # [2, 8): lgamma(2 + f) + log((2 + f)(3 + f)...) with f = y - floor(y)
    ym = np.where((y >= 2.0) & (y < 8.0), y, 2.0)
    i = np.floor(ym)
    f = ym - i
    mid = 0.5 * f + f * _poly(_S, f) / _poly(_R, f)  # (_S[0] carries the first factor f)
    z = np.ones_like(f)
    for k in range(2, 7):
        z = z * np.where(i > k, f + k, 1.0)
    mid = mid + np.log(z)
    # [8, 2^58): Stirling's series; above: y (log y - 1)
    yb = np.clip(y, 8.0, np.inf)
    t = np.log(yb)
    zz = 1.0 / yb
    w = _W[0] + zz * _poly(_W[1:], zz * zz)
    big = np.where(yb < 2.0**58, (yb - 0.5) * (t - 1.0) + w, yb * (t - 1.0))
    return np.where(y < 2.0, small, np.where(y < 8.0, mid, big))


def lgamma(a: np.ndarray) -> np.ndarray:
    """log|Gamma(x)| in float64: inf at 0, the negative integers and +-inf, NaN for NaN.
    Measured: within 2 ulps of mpmath for x > 0; for x < 0 the reflection's subtraction
    loses digits only next to lgamma's negative zeros (as in fdlibm, glibc and PyTorch)."""
    with np.errstate(all="ignore"):
        ax = np.abs(a)
        pos = _lgamma_pos(np.where(ax > 0, ax, 1.0))
        tiny = -np.log(np.where(ax > 0, ax, 1.0))  # |x| < 2^-70: lgamma(x) = -log|x|
        s = _sinpi_abs(np.where(np.isfinite(ax), ax, 0.5))
        neg = np.log(_PI / (s * ax)) - pos
        out = np.where(ax < 2.0**-70, tiny, np.where(a < 0, neg, pos))
        pole = (ax == 0) | np.isinf(a) | ((a < 0) & (np.floor(a) == a))
        return np.where(pole, np.inf, np.where(np.isnan(a), a, out))


# ---- digamma and polygamma --------------------------------------------------------------------
_X0_HI = 1.4616321449683622  # psi's positive root, in double-double
_X0_LO = 9.549995429965697e-17
# B_2k / 2k: psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k)
_PSI_ASYM = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12, -3617 / 8160,
             43867 / 14364)
# Bernoulli numbers B_2j (j = 1..13), for Euler-Maclaurin's tail
_B2J = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
        -174611 / 330, 854513 / 138, -236364091 / 2730, 8553103 / 6)


def _scaled_power(c: float, q: np.ndarray, e: float) -> np.ndarray:
    """c q^e as (c h) h with h = q^(e/2): c = n! (up to 7e306) times a q^e that underflows
    (or overflows) on its own stays finite wherever the product is (polygamma(100, 2000))."""
    h = np.power(q, e / 2)
    return (c * h) * h


def _shift(q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """q + k rounded, and its rounding error over it, d = (q + k - fl(q + k)) / fl(q + k)
    (Knuth's two-sum): (q + k)^e = fl(q + k)^e (1 + e d), where the rounding alone, raised to
    the power e = -(n+1), would cost polygamma (n+1)/2 ulps (25 for n = 30 at x = 2045.7)."""
    t = q + k
    kk = t - q
    return t, ((q - (t - kk)) + (k - kk)) / t


def hurwitz_zeta(s: float, q: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """scale zeta(s, q) = scale sum_k (q + k)^-s for s > 1, q > 0: the first N terms summed,
    the rest by Euler-Maclaurin with 13 Bernoulli terms at a = q + N, N >= max(9, s/2) so that
    the correction terms shrink like (s / (2 pi a))^2j. Within a few ulps (its terms are all
    positive; the rounding of q + k corrected, _shift). `scale` (polygamma's n!) multiplies
    each term before it can underflow."""
    n_direct = max(9, int(math.ceil(s / 2)) + 9)
    with np.errstate(all="ignore"):
        total = np.zeros_like(q)
        for k in range(n_direct):
            t, d = _shift(q, k)
            total = total + _scaled_power(scale, t, -s) * (1.0 - s * d)
        a, d = _shift(q, n_direct)
        a_s = _scaled_power(scale, a, -s) * (1.0 - s * d)  # scale (q + N)^-s
        tail = _scaled_power(scale, a, 1.0 - s) * (1.0 - (s - 1.0) * d) / (s - 1.0) + 0.5 * a_s
        term = a_s  # scale a^(-s-2j+1) (s)_(2j-1) / (2j)!, built up term by term
        fac = s / (2.0 * a)
        corr = np.zeros_like(q)
        for j, b in enumerate(_B2J, 1):
            term_j = term * fac
            corr = corr + b * term_j
            fac = fac * (s + 2 * j - 1) * (s + 2 * j) / ((2 * j + 1) * (2 * j + 2) * a * a)
        return total + tail + corr


def _taylor_at_root() -> tuple[float, ...]:
    """psi(x0 + t) = sum_k c_k t^k, c_k = psi^(k)(x0) / k! = (-1)^(k+1) zeta(k + 1, x0)."""
    ks = range(1, 41)
    return (0.0, *(float((-1) ** (k + 1) * hurwitz_zeta(k + 1, np.array(_X0_HI))) for k in ks))


_PSI_ROOT = _taylor_at_root()


def _digamma_pos(x: np.ndarray) -> np.ndarray:
    """psi(x) for x > 0 (x finite)."""
    # [1, 2]: the series about the root; x < 1: psi(x) = psi(x + 1) - 1/x
    below = x < 1.0
    xr = np.where(below, x + 1.0, x)
    xm = np.clip(xr, 1.0, 10.0)
    n = np.floor(xm) - 1.0  # recurrence steps down into [1, 2)
    n = np.where(xm >= 10.0, 0.0, np.maximum(n, 0.0))
    f = xm - n
    t = (f - _X0_HI) - _X0_LO
    core = t * _poly(_PSI_ROOT[1:], t)
    for k in range(1, 9):
        core = core + np.where(n >= k, 1.0 / (xm - k), 0.0)
    xa = np.maximum(x, 10.0)
    z = 1.0 / (xa * xa)
    asym = np.log(xa) - 0.5 / xa - z * _poly(_PSI_ASYM, z)
    small = np.where(below, core - 1.0 / np.where(below, x, 1.0), core)
    return np.where(x >= 10.0, asym, small)


def digamma(a: np.ndarray) -> np.ndarray:
    """psi(x) = d/dx lgamma(x) in float64: -inf at +0 and +inf at -0 (PyTorch's), NaN at the
    negative integers and -inf, inf at inf. Measured: within 4 ulps of mpmath for x > 0 (its
    root included); for x < 0 the reflection loses digits next to psi's negative roots."""
    with np.errstate(all="ignore"):
        pos = _digamma_pos(np.where((a > 0) & np.isfinite(a), a, 2.0))
        refl = _digamma_pos(np.where((a < 0) & np.isfinite(a), 1.0 - a, 2.0)) \
            - _PI * _cotpi(np.where(np.isfinite(a), a, 0.5))
        out = np.where(a > 0, pos, refl)
        out = np.where(a == 0, np.copysign(np.inf, -a), out)
        out = np.where(np.isinf(a), np.where(a > 0, np.inf, np.nan), out)
        bad = (a < 0) & (np.floor(a) == a)
        return np.where(bad | np.isnan(a), np.nan, out)


def _cot_derivative(n: int) -> tuple[float, ...]:
    """Coefficients (lowest first) of P_n / n!, with d^n/dz^n cot z = P_n(cot z):
    P_0 = c, P_(k+1) = -(1 + c^2) P_k'(c) (over n!: P_n's own overflow float64 from n = 165)."""
    p = [0, 1]
    for _ in range(n):
        d = [i * p[i] for i in range(1, len(p))] or [0]
        q = [0] * (len(d) + 2)
        for i, v in enumerate(d):
            q[i] -= v
            q[i + 2] -= v
        p = q
    f = math.factorial(n)
    return tuple(v / f for v in p)


_NEAR = 4096  # x < 0 down to -4096: the zeta sum shifted past 0; below: the reflection
POLYGAMMA_MAX_N = 170  # n! is finite in float64 up to 170! = 7.3e306


def polygamma(n: int, a: np.ndarray) -> np.ndarray:
    """psi^(n)(x), 0 <= n <= 171 (171: the gradient of n = 170), in float64: n >= 1 is
    (-1)^(n+1) n! zeta(n+1, x), n! applied to each term (so that n! x^-(n+1) neither
    underflows nor overflows before the product does). For -4096 < x < 0, with f = x + m the
    fractional part (m = ceil(-x)), the negative terms (f - 1 - j)^-s are paired with the
    positive (f + j)^-s, j < m, each pair summed as one, for odd powers where they are within
    a factor e of each other as (f + j)^-s (1 - ((f + j)/(1 - f + j))^s) through log1p/expm1,
    so that no cancellation between the pairs' halves is left: at the half-integers their odd
    powers cancel exactly (psi^(100)(-2.5) = -1.045e103, not the -1.5e140 of PyTorch's
    term-by-term sum); then zeta(s, f + m). Below -4096 the reflection differentiated n times,
    (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x)). At 0 and the negative integers
    (-1)^(n+1) inf; at inf a signed 0; NaN at -inf. Measured (tests/test_special_review.py):
    within 8 ulps of mpmath for x > 0 (n <= 170) and for -4096 < x < 0 (n <= 100), except
    next to psi^(n)'s own zeros there, where the sum cancels; below -4096 the reflection
    loses more near the half-integers for large even n."""
    if n == 0:
        return digamma(a)
    s = n + 1.0
    scale = float(math.factorial(min(n, POLYGAMMA_MAX_N)))  # (n = 171: times 171 at the end)
    extra = float(math.prod(range(POLYGAMMA_MAX_N + 1, n + 1)))
    sign = (-1.0) ** (n + 1)
    with np.errstate(all="ignore"):
        fin = np.isfinite(a)
        xp = np.where((a > 0) & fin, a, 1.0)
        pos = hurwitz_zeta(s, xp, scale)
        near = (a < 0) & (a > -_NEAR)
        xn = np.where(near, a, -0.5)
        m = np.ceil(-xn)
        f = xn + m  # in (0, 1]: rounded where |x| is tiny against m
        head = np.zeros_like(xn)
        for j in reversed(range(int(m.max(initial=0.0)))):  # (the smallest pairs first)
            # the pair's positive term and the negative's magnitude, each rounded once from x
            # (1 - f + j would lose x's digits next to the poles: psi'(-1e-20) is 1e40)
            u, v = xn + (m + j), -(xn + (m - 1.0 - j))
            if n % 2:  # even power: both positive
                pair = _scaled_power(scale, u, -s) + _scaled_power(scale, v, -s)
            else:  # odd: u^-s - v^-s, as -u^-s expm1(z), z = s log1p((u - v)/v), where it
                # would cancel (|z| < 1: u^-s, v^-s within a factor e); beyond, directly (the
                # error of z, |z| ulps, would be the pair's)
                z = s * np.log1p((2.0 * xn + (2.0 * m - 1.0)) / v)
                us, vs = _scaled_power(scale, u, -s), _scaled_power(scale, v, -s)
                pair = np.where(np.abs(z) < 1.0, -us * np.expm1(z), us - vs)
            head = head + np.where(j < m, pair, 0.0)
        shifted = head + hurwitz_zeta(s, f + m, scale)
        out = np.where(a > 0, pos, np.where(near, shifted, 0.0))
        far = (a <= -_NEAR) & fin
        if far.any():
            xr = np.where(far, 1.0 - a, 1.0)
            refl = (-1.0) ** n * hurwitz_zeta(s, xr, scale)
            c = _cotpi(np.where(far, a, 0.5))
            # (pi^(n+1) P_n(c) = n! pi^(n+1) (P_n/n!)(c), and n! = scale extra)
            refl = refl - sign * (scale * _poly(_cot_derivative(n), c)) * _PI ** (n + 1)
            out = np.where(far, refl, out)
        out = sign * (out * extra)
        pole = (a <= 0) & (np.floor(a) == a) & fin
        out = np.where(pole, sign * np.inf, out)
        out = np.where(np.isposinf(a), sign * 0.0, out)
        return np.where(np.isnan(a) | np.isneginf(a), np.nan, out)


# ---- erfinv, erfcinv --------------------------------------------------------------------------
_GILES_MID = (1.50140941, 0.246640727, -0.00417768164, -0.00125372503, 0.00021858087,
              -4.39150654e-06, -3.5233877e-06, 3.43273939e-07, 2.81022636e-08)
_GILES_TAIL = (2.83297682, 1.00167406, 0.00943887047, -0.0076224613, 0.00573950773,
               -0.00367342844, 0.00134934322, 0.000100950558, -0.000200214257)


def _halley(y: np.ndarray, f: np.ndarray, df: np.ndarray) -> np.ndarray:
    """One Halley step for erf(y) = c or erfc(y) = c: f'' / f' = -2y for both."""
    u = f / df
    return y - u / (1.0 + y * u)


def _erfcinv_tail(q: np.ndarray) -> np.ndarray:
    """erfcinv(q) for 0 < q <= 1/2 (y >= 0.47): Giles' guess (an asymptotic one below 1e-12),
    then Halley on erfc(y) - q, its relative error ~ that of q; below 1e-280, where erfc turns
    subnormal, Newton on log erfcx(y) - y^2 - log q instead."""
    w = -np.log(q * (2.0 - q))
    y = (1.0 - q) * np.where(w < 5.0, _poly(_GILES_MID, w - 2.5),
                             _poly(_GILES_TAIL, np.sqrt(np.maximum(w, 5.0)) - 3.0))
    lq = -np.log(q)
    ya = np.sqrt(lq)
    for _ in range(3):  # y^2 = -log q - log(y sqrt(pi)): erfc(y) ~ e^(-y^2) / (y sqrt(pi))
        ya = np.sqrt(np.maximum(lq - np.log(ya * _SQRT_PI), 1.0))
    y = np.where(q < 1e-12, ya, y)
    far = q < 1e-280
    for _ in range(3):
        y = _halley(y, erfc(y) - q, -_TWO_OVER_SQRT_PI * exp_neg_square(y))
        e = erfcx(y)
        y = np.where(far, y + (np.log(e) - y * y + lq) * e * (_SQRT_PI / 2), y)
    return y


def _erfinv_mid(x: np.ndarray) -> np.ndarray:
    """erfinv(x) for |x| <= 1/2: Giles' guess, then Halley on erf(y) - x."""
    w = -np.log((1.0 - x) * (1.0 + x))
    y = x * _poly(_GILES_MID, w - 2.5)
    for _ in range(2):
        y = _halley(y, erf(y) - x, _TWO_OVER_SQRT_PI * exp_neg_square(y))
    return y


def erfinv(a: np.ndarray) -> np.ndarray:
    """The inverse of erf on (-1, 1), +-inf at +-1, NaN outside. Measured: within 2 ulps of
    mpmath over (-1, 1), 1 - 1e-16 and 1e-300 included."""
    with np.errstate(all="ignore"):
        ax = np.abs(a)
        mid = _erfinv_mid(np.where(ax <= 0.5, a, 0.0))
        q = np.where((ax > 0.5) & (ax < 1.0), 1.0 - ax, 0.5)  # (exact)
        tail = np.copysign(_erfcinv_tail(q), a)
        out = np.where(ax <= 0.5, mid, np.where(ax == 1.0, np.copysign(np.inf, a), tail))
        return np.where((ax > 1.0) | np.isnan(a), np.nan, out)


def erfcinv(q: np.ndarray) -> np.ndarray:
    """The inverse of erfc on (0, 2): inf at 0, -inf at 2, NaN outside. Through erfinv(1 - q)
    where 1 - q is exact (1/2 <= q <= 3/2), the tail otherwise."""
    with np.errstate(all="ignore"):
        mid = erfinv(np.where((q >= 0.5) & (q <= 1.5), 1.0 - q, 0.0))
        lo = _erfcinv_tail(np.where((q > 0) & (q < 0.5), q, 0.5))
        hi = -_erfcinv_tail(np.where((q > 1.5) & (q < 2), 2.0 - q, 0.5))
        out = np.where(q < 0.5, lo, np.where(q > 1.5, hi, mid))
        out = np.where(q == 0, np.inf, np.where(q == 2, -np.inf, out))
        return np.where((q < 0) | (q > 2) | np.isnan(q), np.nan, out)


_SQRT2 = math.sqrt(2.0)
_LN2 = math.log(2.0)


def ndtri(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile: -sqrt(2) erfcinv(2p) (2p exact). Measured: within 3
    ulps of mpmath on (0, 1), 1e-300 included; -inf at 0, inf at 1, NaN outside."""
    return -_SQRT2 * erfcinv(2.0 * p) + 0.0  # (+ 0.0: ndtri(1/2) is +0.0, as PyTorch's)


# ---- erfcx, log_ndtr --------------------------------------------------------------------------
def erfcx(a: np.ndarray) -> np.ndarray:
    """exp(x^2) erfc(x): exp(x^2) erfc(x) with x^2 split (ops/erf.py) below 26, the asymptotic
    series 1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k above (where erfc underflows);
    2 exp(x^2) - erfcx(-x) for x < 0 (inf below -26.7). Measured: within 6 ulps of mpmath."""
    with np.errstate(all="ignore"):
        ax = np.abs(a)
        am = np.minimum(ax, 26.0)
        near = erfc(am) / exp_neg_square(am)  # exp(hi) exp(lo) erfc, as a quotient
        ab = np.maximum(ax, 26.0)
        z = (0.5 / ab) / ab
        s = np.ones_like(ab)
        term = np.ones_like(ab)
        for k in range(1, 12):
            term = -term * (2 * k - 1) * z
            s = s + term
        far = np.where(np.isinf(ab), 0.0, s / (ab * _SQRT_PI))
        pos = np.where(ax < 26.0, near, far)
        neg = 2.0 / exp_neg_square(np.minimum(ax, 27.0)) - pos
        out = np.where(a >= 0, pos, np.where(a < -26.7, np.inf, neg))
        return np.where(np.isnan(a), a, out)


def log_ndtr(a: np.ndarray) -> np.ndarray:
    """log Phi(x) without underflow: log1p(-Phi(-x)) for x > 0, log Phi(x) on [-1, 0] and
    log(erfcx(-x/sqrt 2) / 2) - x^2/2 below -1. Measured: within 3 ulps of mpmath on
    [-1e5, 40]; -inf at -inf, -0.0 at inf."""
    with np.errstate(all="ignore"):
        right = np.log1p(-normal_cdf(-np.maximum(a, 0.0)))
        middle = np.log(normal_cdf(np.clip(a, -1.0, 0.0)))
        al = np.minimum(a, -1.0)
        left = np.log(erfcx(-al / _SQRT2)) - 0.5 * (al * al) - _LN2
        out = np.where(a > 0, right, np.where(a >= -1.0, middle, left))
        return np.where(np.isnan(a), a, out)


# ---- sinc -------------------------------------------------------------------------------------
# sinc'(x) = pi^2 x sum_(k>=1) c_k (pi x)^(2k-2), c_k = (-1)^k 2k / (2k+1)! (9 terms: past
# round-off for |x| < 1/4)
_SINC_SLOPE = tuple((-1) ** k * 2 * k / math.factorial(2 * k + 1) for k in range(1, 10))


def sinpi_cospi(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin(pi x) and cos(pi x) with the argument reduced exactly: x = n + r, n = round(x),
    |r| <= 1/2 (both exact), then (-1)^n sin(pi r) and (-1)^n cos(pi r). sin(pi * x) rounds
    pi x first, an error of |x| ulps of pi: sin(pi (3 + 1e-10)) lost 6 digits and sin(pi x) at
    2^52 - 0.5 was -0.56 where it is -1. NaN at +-inf."""
    r, sign = _reduce_half(a)
    with np.errstate(invalid="ignore"):
        # cos(pi r) as sin(pi (1/2 - |r|)) past |r| = 1/4 (1/2 - |r| exact there): cos(pi / 2)
        # would be 6e-17, not 0
        far = np.abs(r) > 0.25
        c = np.where(far, np.sin(_PI * (0.5 - np.abs(r))), np.cos(_PI * r))
        return sign * np.sin(_PI * r), sign * c


def _reduce_half(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(r, (-1)^n) with x = n + r, n = round(x), |r| <= 1/2: both exact (NaN r at +-inf)."""
    with np.errstate(invalid="ignore"):
        n = np.round(a)
        return a - n, np.where(np.fmod(n, 2.0) == 0, 1.0, -1.0)


def sinc(a: np.ndarray) -> np.ndarray:
    """The normalized sinc sin(pi x) / (pi x) (1 at 0, 0 at the other integers, NaN at +-inf)
    in float64, sin(pi x) reduced exactly (_reduce_half): within 2 ulps of mpmath, next to the
    integers and at large |x| too (np.sinc's sin(pi * x): 1e-6 off at 3 + 1e-10, 44% at
    2^52 - 0.5)."""
    r, sign = _reduce_half(a)
    with np.errstate(all="ignore"):
        s = sign * np.sin(_PI * r)
        return np.where(a == 0, 1.0, s / (_PI * a) + 0.0)  # (+ 0.0: no -0.0 at the integers)


def sinc_derivative(a: np.ndarray) -> np.ndarray:
    """d/dx sinc(x) = (cos(pi x) - sinc(x)) / x in float64 (both reduced exactly), and below
    |x| = 1/4, where the difference cancels, its series (0 at 0). NaN at +-inf."""
    with np.errstate(all="ignore"):
        s, c = sinpi_cospi(a)
        direct = (c - s / (_PI * a)) / a
        small = np.abs(a) < 0.25
        am = np.where(small, a, 0.0)
        series = (_PI * _PI) * am * _poly(_SINC_SLOPE, (_PI * am) * (_PI * am))
        return np.where(small, series, direct)
