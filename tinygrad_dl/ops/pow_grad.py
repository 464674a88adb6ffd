"""Pow's slope p x^(p-1) where p - 1 rounds (ops.elementwise.Pow's backward): whether it
rounded, and the slope from x^p / x then; and its forward's integers to negative powers."""

from __future__ import annotations

import math

import numpy as np


def minus_one_exact(p: np.ndarray, q: np.ndarray) -> bool:
    """Whether q = p - 1 is exact for every entry: q + 1 == p alone passed p = 1e20 (p - 1
    rounds to p, and back), whose slope at x = -1 then took (-1) ** 1e20's sign. By Fast2Sum
    the rounding error is p - (q + 1) for |p| <= 1 and (p - q) - 1 for |p| >= 1, each computed
    exactly, so both are 0 iff q is exact (a float32 0-d p in float64: exact too). An inf or
    NaN p counts as rounded (power_slope keeps p x^(p-1) there)."""
    if q.ndim == 0 and q.dtype.kind == "f":
        fp, fq = float(p), float(q)
        return fq + 1.0 == fp and fp - fq == 1.0
    if not np.all(q + 1 == p):
        return False
    with np.errstate(invalid="ignore"):  # (inf - inf)
        return bool(np.all(p - q == 1))


def power_slope(x: np.ndarray, p: np.ndarray, q: np.ndarray, out: np.ndarray) -> np.ndarray:
    """p x^(p-1) where p - 1 rounded (x ** 1e-8 at 1e-300: 156 ulps off): p x^p / x, but
    x^(p-1) where x^p is 0, subnormal or inf (x = 0 makes it 0 or inf) and where p is inf
    (torch's values there); a NaN x^p stays NaN (float32 x ** 1e-8 at x < 0: p - 1 rounded to
    -1, x^(p-1) was a number). Entries whose p - 1 was exact beside a rounded one (a tensor
    p) get p x^p / x too: the same to round-off, and the same whatever their neighbours."""
    fi, a = np.finfo(out.dtype), np.abs(out)
    if (a.size and a.min() >= fi.tiny and a.max() <= fi.max  # (a NaN fails both)
            and (math.isfinite(p) if p.ndim == 0 and p.dtype.kind == "f"
                 else np.isfinite(p).all())):
        return p * out / x  # (no errstate: x^p normal, only an overflowing slope warns)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        slope = p * x ** q
        keep = ~((a < fi.tiny) | (a > fi.max) | np.isinf(p))
        return np.where(keep, p * out / x, slope)


def negative_int_power(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Integers to integer powers some of them negative, as torch's kernel (NumPy raises):
    1 ** -n = 1, (-1) ** -n = -1 for odd n and 1 for even n, any other base 0 (0 ** -1 too).
    Both in the result's dtype first (a uint8 255 beside int8 is 255, not -1, as torch's)."""
    dt = np.result_type(x, p)
    x, p = x.astype(dt, copy=False), p.astype(dt, copy=False)
    neg = p < 0
    with np.errstate(over="ignore"):  # (integer powers wrap, as torch's)
        out = np.asarray(x ** np.where(neg, 0, p))
    odd = (p % 2).astype(bool)
    at_neg = np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0)).astype(dt)
    return np.where(neg, at_neg, out)
