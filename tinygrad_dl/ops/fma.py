"""A fused multiply-add in NumPy: a b + c rounded once, as torch's compiled CPU kernels compute
it where the compiler fuses a product and a sum (interpolate's source positions and
antialias weights, grid_sample's 2-D unnormalised coordinates). NumPy has no fma; a last-bit
difference there moves a nearest tap or a bilinear floor at a half-pixel or a whole one.

Rounding the exact a b + c through float64 and then to float32 is not enough (twice rounded:
a b on a float32 half-way point plus a tiny c lands on the half-way point, then ties to
even, the wrong way), nor is adding the float64 product's and sum's errors back (the same
in float64). Both paths round to odd first (Boldo and Melquiond, "Emulation of FMA and
correctly rounded sums: proved algorithms using rounding to odd", 2008), which is exact."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["fma", "two_product"]

_ERR_MIN = 2.0 ** -969  # below it a product's rounding error is no float64 (it underflows)


def two_product(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """float64 a b and its rounding error (Dekker's split: halves of 26 bits, whose
    products are exact), so p + err == a b exactly where the split does not overflow
    (|a|, |b| below ~2^997) and the error does not underflow (|a b| past 2^-969)."""
    def split(v: Any) -> tuple[Any, Any]:
        t = 134217729.0 * v  # (2 ** 27 + 1)
        hi = t - (t - v)
        return hi, v - hi

    p = a * b
    (ah, al), (bh, bl) = split(a), split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _two_sum(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """float64 x + y and its rounding error (Knuth's), exact barring overflow."""
    s = x + y
    back = s - x
    return s, (x - (s - back)) + (y - back)


def _odd_sum(x: Any, y: Any) -> np.ndarray:
    """x + y rounded to odd in float64: truncated toward 0, its last bit set where inexact.
    Rounded again to a format of at most 51 bits (float32, float16), that is x + y rounded
    once; in fma's float64 path, the v of Boldo and Melquiond's emulation."""
    s, err = _two_sum(x, y)
    inexact = np.abs(err) > 0  # (err is NaN where s is inf or NaN: left as it is)
    # truncated: s, or one float64 nearer 0 (its bits - 1) where the exact sum is nearer 0;
    # never at 0 (a sum rounding to 0 is exact)
    toward_zero = inexact & (np.signbit(err) != np.signbit(s))
    return ((np.asarray(s).view(np.int64) - toward_zero) | inexact).view(np.float64)


def _exact(a: float, b: float, c: float) -> float:
    """a b + c rounded once by exact fractions (finite a, b, c; a b != 0): an overflow is inf,
    an underflow a zero of the exact sum's sign."""
    v = Fraction(a) * Fraction(b) + Fraction(c)
    try:
        return float(v)
    except OverflowError:
        return float("inf") if v > 0 else float("-inf")


def fma(a: Any, b: Any, c: Any, op: type) -> np.ndarray:
    """a b + c rounded once to `op` (operands exact in `op`), as a compiled fused
    multiply-add. float32 (float16): the product is exact in float64, the sum rounded to odd
    there, then to `op`. float64: the product's exact error (two_product) and the sum's
    (two-sum) added together rounded to odd, then to the sum; where that overflows (a split
    past 2^997) or the product's error underflows (|a b| below 2^-969: never in this
    project's positions and weights) by exact fractions. An inf or NaN operand gives
    a b + c as NumPy rounds it: inf stays inf, not inf - inf."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        if np.dtype(op).itemsize < 8:
            p = np.float64(a) * np.asarray(b, np.float64)
            return _odd_sum(p, np.float64(c)).astype(op)
        a, b, c = np.float64(a), np.asarray(b, np.float64), np.float64(c)
        p, err = two_product(a, b)
        q, tail = _two_sum(c, p)
        v = _odd_sum(tail, err)
        fused = np.where(v == 0, q, q + v)  # v == 0: q is exact, and keeps its sign (-0.0)
        bad = ~np.isfinite(fused)  # an inf or NaN operand (a b + c as rounded), or overflow
        out = np.where(bad, p + c, fused)
        bad |= np.abs(p) < _ERR_MIN  # the product's error underflows (is not exact)
        if bad.any():  # by exact fractions where the operands are finite and a b != 0
            a, b, c = (np.broadcast_to(t, out.shape).reshape(-1) for t in (a, b, c))
            bad = bad.reshape(-1) & np.isfinite(a) & np.isfinite(b) & np.isfinite(c) \
                & (a != 0) & (b != 0)
            flat = out.reshape(-1)
            for i in np.flatnonzero(bad):
                flat[i] = _exact(float(a[i]), float(b[i]), float(c[i]))
            out = flat.reshape(out.shape)
        return out
