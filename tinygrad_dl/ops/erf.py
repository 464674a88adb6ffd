"""The error function in NumPy, which has none (and SciPy is no dependency): erf, erfc and the
standard normal CDF behind the exact GELU, to float64 round-off, vectorised.

The method and the coefficients are those of Sun's fdlibm s_erf.c (the erf of FreeBSD's, musl's
and many other libm's), rewritten for arrays: every branch is evaluated on the whole array, on
inputs clamped into its interval, and the right one is picked with np.where. Against Python's
math.erf/erfc (tests/test_erf_gelu.py): erf within 1 ulp, erfc within 4 (its tail is a product
of two exps), normal_cdf within a few.

    Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
    Developed at SunPro, a Sun Microsystems, Inc. business.
    Permission to use, copy, modify, and distribute this software is freely granted,
    provided that this notice is preserved.

float32 (and float16) inputs are computed in float64 and rounded once: within one float32 ulp,
nearly always the correctly rounded value. Integers and bools give float64, as NumPy's ufuncs do.
"""

from __future__ import annotations

import numpy as np

__all__ = ["erf", "erfc", "exp_neg_square", "normal_cdf"]

TWO_OVER_SQRT_PI = 1.1283791670955126  # 2/sqrt(pi), the derivative of erf at 0
_SQRT1_2 = 0.7071067811865476
_SQRT1_2_LO = -4.833646656726457e-17  # 1/sqrt(2) - _SQRT1_2
_ERX = 8.45062911510467529297e-01  # erf(1) rounded to float32, so that erx + P/Q keeps digits
# [0, 0.84375]: erf(x) = x + x R(x^2), R = pp/qq
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02,
       5.08130628187576562776e-03, 1.32494738004321644526e-04, -3.96022827877536812320e-06)
# [0.84375, 1.25]: erf(1 + s) = erx + pa(s)/qa(s)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
# [1.25, 1/0.35] and [1/0.35, 28]: erfc(x) = exp(-x^2 - 0.5625 + r(1/x^2)/s(1/x^2)) / x
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)


def _poly(c: tuple[float, ...], z: np.ndarray) -> np.ndarray:
    """c[0] + c[1] z + c[2] z^2 + ... by Horner's rule."""
    out = np.full_like(z, c[-1])
    for k in c[-2::-1]:
        out = out * z + k
    return out


def _as64(x: object) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind == "c":
        raise TypeError("erf, erfc, gelu: complex input is not supported (as in PyTorch)")
    return a.astype(np.float64)


def _out(y: np.ndarray, x: object) -> np.ndarray:
    """The result in x's float dtype (float64 for integers and bools), shaped as x."""
    dtype = np.asarray(x).dtype
    return y.astype(dtype if dtype.kind == "f" else np.float64, copy=False)


def _square_parts(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """hi + lo = a*a, hi exact: a's upper 21 bits squared (42 bits fit in 53) and lo the rest,
    (a - hi')(a + hi') with its error far below ulp(a*a). exp(-a*a) rounded once from a*a is
    off by up to a*a ulps (1e-13 at a = 27); exp(-hi) exp(-lo) is off by about two ulps."""
    bits = np.array(a, dtype=np.float64).view(np.uint64)  # (a C-contiguous copy, 0-d too)
    z = (bits & np.uint64(0xFFFFFFFF00000000)).view(np.float64)
    return z * z, (a - z) * (a + z)


def exp_neg_square(x: object, scale: float = 1.0) -> np.ndarray:
    """exp(-scale x^2) in float64 to a few ulps (scale a power of two: 1 or 1/2)."""
    hi, lo = _square_parts(np.minimum(np.abs(_as64(x)), 1e10))  # (0 long before 1e10)
    return np.exp(-scale * hi) * np.exp(-scale * lo)


def _erfc_tail(a: np.ndarray) -> np.ndarray:
    """erfc(a) for 1.25 <= a <= 28: exp(-a^2 - 0.5625 + r/s) / a, a^2 split (_square_parts)."""
    hi, lo = _square_parts(a)
    s = 1.0 / (a * a)
    far = a >= 1 / 0.35
    rs = np.where(far, _poly(_RB, s) / _poly(_SB, s), _poly(_RA, s) / _poly(_SA, s))
    return np.exp(-hi - 0.5625) * np.exp(rs - lo) / a


def _small(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x clamped to 0 outside |x| < 0.84375, R(x^2)): erf(x) = x + x R(x^2) there."""
    xs = np.where(np.abs(x) < 0.84375, x, 0.0)
    z = xs * xs
    return xs, _poly(_PP, z) / _poly(_QQ, z)


def _middle(x: np.ndarray) -> np.ndarray:
    """erf(|x|) - erx for 0.84375 <= |x| < 1.25 (|x| clamped into it)."""
    s = np.clip(np.abs(x), 0.84375, 1.25) - 1.0
    return _poly(_PA, s) / _poly(_QA, s)


def _big(x: np.ndarray) -> np.ndarray:
    """erfc(|x|) for |x| >= 1.25: 0 from 28 on (erfc(28) < 1e-341, as libm's)."""
    ax = np.abs(x)
    at = np.clip(ax, 1.25, 28.0)  # (NaN stays NaN)
    return np.where(ax >= 28.0, 0.0, _erfc_tail(at))


def erf(x: object) -> np.ndarray:
    """erf(x) elementwise, in x's float dtype: odd, ±1 at ±inf, NaN for NaN, -0.0 at -0.0."""
    a = _as64(x)
    ax = np.abs(a)
    xs, r = _small(a)
    # below 2^-28 erf(x) is 2/sqrt(pi) x to round-off: one rounding (x + x R is two)
    small = np.where(np.abs(xs) < 2.0**-28, xs * TWO_OVER_SQRT_PI, xs + xs * r)
    mag = np.where(ax < 1.25, _ERX + _middle(a), 1.0 - _big(a))
    out = np.where(ax < 0.84375, small, np.copysign(mag, a))
    return _out(np.where(np.isnan(a), a, out), x)


def erfc(x: object) -> np.ndarray:
    """1 - erf(x) elementwise without its cancellation: erfc(10) = 2.09e-45, not 0."""
    a = _as64(x)
    ax = np.abs(a)
    xs, r = _small(a)
    # below 1/4 erf(x) < 0.28, 1 - erf loses nothing; above, 1/2 - ((x - 1/2) + x R) does not
    small = np.where(xs < 0.25, 1.0 - (xs + xs * r), 0.5 - ((xs - 0.5) + xs * r))
    mid = _middle(a)  # 1 - erx is exact (erx has 24 bits)
    middle = np.where(a > 0, (1.0 - _ERX) - mid, 1.0 + (_ERX + mid))
    tail = _big(a)
    big = np.where(a > 0, tail, 2.0 - tail)
    out = np.where(ax < 0.84375, small, np.where(ax < 1.25, middle, big))
    return _out(np.where(np.isnan(a), a, out), x)


def normal_cdf(x: object) -> np.ndarray:
    """The standard normal CDF Phi(x) = erfc(u)/2, u = -x/sqrt(2), to a few ulps. u is rounded,
    and erfc magnifies that (by 2u^2 in the tail: 1e-13 at x = -30), so the rounding error d of
    u is computed exactly (Dekker's product) and put back to first order,
    erfc(u + d) = erfc(u) - d 2/sqrt(pi) exp(-u^2)."""
    a = _as64(x)
    u = -a * _SQRT1_2
    ac = np.clip(a, -40.0, 40.0)  # (beyond, exp(-u^2) = 0: no correction, and no overflow)
    uc = -ac * _SQRT1_2
    d = _product_error(-ac, _SQRT1_2, uc) - ac * _SQRT1_2_LO
    return _out(0.5 * (erfc(u) - d * TWO_OVER_SQRT_PI * np.exp(-uc * uc)), x)


def _product_error(a: np.ndarray, b: float, p: np.ndarray) -> np.ndarray:
    """a*b - p exactly, p = fl(a*b) (Dekker's two-product; |a| small enough not to overflow)."""
    split = 134217729.0  # 2^27 + 1
    t = split * a
    ah = t - (t - a)
    al = a - ah
    t = split * b
    bh = t - (t - b)
    bl = b - bh
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl
