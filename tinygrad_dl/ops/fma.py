"""A fused multiply-add in NumPy: a b + c rounded once, as torch's compiled CPU kernels compute
it where the compiler fuses a product and a sum (interpolate's source positions and
antialias weights, grid_sample's 2-D unnormalised coordinates). NumPy has no fma; a last-bit
difference there moves a nearest tap or a bilinear floor at a half-pixel or a whole one."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["fma", "two_product"]


def two_product(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """float64 a b and its rounding error (Dekker's split: halves of 26 bits, whose
    products are exact), so p + err == a b exactly."""
    def split(v: Any) -> tuple[Any, Any]:
        t = 134217729.0 * v  # (2 ** 27 + 1)
        hi = t - (t - v)
        return hi, v - hi

    p = a * b
    (ah, al), (bh, bl) = split(a), split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def fma(a: Any, b: Any, c: Any, op: type) -> np.ndarray:
    """a b + c rounded once to `op`, as a compiled fused multiply-add: float32 (float16)
    through float64 (the product is exact there); float64 by the product's exact error,
    added back after the sum's own (two-sum). Where that is not finite (an inf or NaN
    operand, or a split past 1e300 that overflows), a b + c as NumPy rounds it: inf stays
    inf, not inf - inf."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.dtype(op).itemsize < 8:
            return (np.float64(a) * np.asarray(b, np.float64) + np.float64(c)).astype(op)
        p, err = two_product(np.float64(a), np.asarray(b, np.float64))
        q = p + c
        back = q - p
        out = q + (((p - (q - back)) + (c - back)) + err)
        return np.where(np.isfinite(out), out, q)
