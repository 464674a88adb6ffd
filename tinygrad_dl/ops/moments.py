"""Moments' building blocks for Var and Std (ops.reduce): deviations from the mean, the
corrected two-pass, and |c|^2 of real and complex deviations."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["deviations", "squared"]


def deviations(x: np.ndarray, axes: tuple[int, ...], n: int, keepdims: bool) -> tuple:
    """(c, ss): x - mean and the sum of |c|^2, less c's own mean r (the corrected two-pass: the
    mean's rounding biased each c, float32 var of 2000 1e8s was 64, not 0) in each slice where
    n r^2 > (16 eps)^2 ss (elsewhere r is round-off of the spread: NumPy's numbers, bit for bit,
    without the extra pass); slices whose ss is NaN or inf decide on their own data."""
    m = (np.add.reduce(x, axis=axes, keepdims=True) / n if x.dtype.char in "fd" else
         x.mean(axis=axes, keepdims=True))  # (np.mean's value, without its Python wrapper)
    c = x - m
    ss = squared(c).sum(axis=axes, keepdims=keepdims)
    if c.dtype.kind not in "fc" or not c.size:
        return c, ss
    tol, q = n * (16 * np.finfo(c.dtype).eps) ** 2, ss if keepdims else ss.reshape(m.shape)
    if ss.max() < math.inf:  # (every |c| < sqrt(max): their sum cannot overflow)
        s = np.add.reduce(c, axis=axes, keepdims=True)
        keep = squared(s) <= tol * q
        if keep.all():
            return c, ss
        c -= np.where(keep, 0, s / n)
        return c, squared(c).sum(axis=axes, keepdims=keepdims)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN, inf or an overflowed ss
        s = np.add.reduce(c, axis=axes, keepdims=True)
        c -= np.where((squared(s) <= tol * q) & (q < math.inf) | ~np.isfinite(s), 0, s / n)
        return c, squared(c).sum(axis=axes, keepdims=keepdims)


def squared(c: np.ndarray) -> np.ndarray:
    """|c|^2: c * c, or for complex c its real c * conj(c) (c * c made var([1+2j, 3-1j, -2+.5j])
    4.08-3j; NumPy's and torch's are 8.58, real)."""
    return c * c if c.dtype.kind != "c" else (c * c.conj()).real
