"""Moments' and norms' building blocks for Var, Std, Norm and VectorNorm (ops.reduce):
deviations from the mean, the corrected two-pass, |c|^2 of real and complex deviations, and
the rescaled std and p-norm where a plain sum of powers over- or underflows."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["deviations", "exact_offsets", "norm_of_sum", "scaled_std", "scaled_var", "squared"]


def deviations(x: np.ndarray, axes: tuple[int, ...], n: int, keepdims: bool) -> tuple:
    """(c, ss, finite): x - mean and the sum of |c|^2, less c's own mean r (the corrected
    two-pass: the mean's rounding biased each c, float32 var of 2000 1e8s was 64, not 0) in each
    slice where n r^2 > (16 eps)^2 ss (elsewhere r is round-off of the spread: NumPy's numbers,
    bit for bit, without the extra pass); slices whose ss is NaN or inf decide on their own
    data. finite: False where some ss was NaN or inf (an overflow among them: scaled_var).
    int64 (uint64) x: pass it through exact_offsets first (Var does)."""
    m = (np.add.reduce(x, axis=axes, keepdims=True) / n if x.dtype.char in "fd" else
         x.mean(axis=axes, keepdims=True))  # (np.mean's value, without its Python wrapper)
    c = x - m
    ss = squared(c).sum(axis=axes, keepdims=keepdims)
    if c.dtype.kind not in "fc" or not c.size:
        return c, ss, True
    tol, q = n * (16 * np.finfo(c.dtype).eps) ** 2, ss if keepdims else ss.reshape(m.shape)
    if ss.max() < math.inf:  # (every |c| < sqrt(max): their sum cannot overflow)
        s = np.add.reduce(c, axis=axes, keepdims=True)
        keep = squared(s) <= tol * q
        if keep.all():
            return c, ss, True
        c -= np.where(keep, 0, s / n)
        return c, squared(c).sum(axis=axes, keepdims=keepdims), True
    with np.errstate(invalid="ignore", over="ignore"):  # NaN, inf or an overflowed ss
        s = np.add.reduce(c, axis=axes, keepdims=True)
        c -= np.where((squared(s) <= tol * q) & (q < math.inf) | ~np.isfinite(s), 0, s / n)
        return c, squared(c).sum(axis=axes, keepdims=keepdims), False


def exact_offsets(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """An int64 (uint64) x as its distances from each slice's least value, exact as uint64,
    then float64 (the same spread, variance and covariance): in float64 past 2**53 x lost its
    last digits (var of [2**53 + 1, 2**53] was 0, not 0.25; cov of [2**62 + 1, 2**62 + 2,
    2**62 + 4] 0, not 7/3: Tensor.cov's rows, shifted alike) and its int64 sum wrapped. Any
    other x as it is."""
    if x.dtype.itemsize != 8 or x.dtype.kind not in "iu" or not x.size:
        return x
    lo = x.min(axis=axes, keepdims=True)
    return (x.astype(np.uint64) - lo.astype(np.uint64)).astype(np.float64)


def squared(c: np.ndarray) -> np.ndarray:
    """|c|^2: c * c, or for complex c its real c * conj(c) (c * c made var([1+2j, 3-1j, -2+.5j])
    4.08-3j; NumPy's and torch's are 8.58, real)."""
    return c * c if c.dtype.kind != "c" else (c * c.conj()).real


def scaled_var(centered: np.ndarray, axes: tuple[int, ...], keepdims: bool, denom: int,
               out: np.ndarray) -> np.ndarray:
    """var as (sum((x - mean)^2 / s^2) / denom) s s, s = max |x - mean|, in the slices whose
    plain sum of squares overflowed though the variance fits (float32 var of six values of
    1e19 was inf; torch's, accumulated in float64, 1.24e38); inf stays where it is the value,
    and NaN and inf data keep the plain sum's NaN / inf."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        scale = np.abs(centered).max(axis=axes, keepdims=True)
        v = squared(centered / scale).sum(axis=axes, keepdims=keepdims) / denom
        scale = scale.reshape(v.shape)
        v = v * scale * scale
    good = np.isinf(out) & np.isfinite(scale) & (scale > 0)
    return np.where(good, v, out).astype(out.dtype, copy=False)


def scaled_std(centered: np.ndarray, axes: tuple[int, ...], keepdims: bool, denom: int,
                out: np.ndarray, plain: np.ndarray, p: float = 2.0) -> np.ndarray:
    """std as s sqrt(sum((x - mean)^2 / s^2) / denom), s = max |x - mean|, where the plain sum
    of squares overflowed or lost digits below the smallest normal number (float32
    std([0, 1e25]) was inf and std([0, 1e-25]) 0, with gradient 0: they are 5e24 and 5e-26);
    only slices whose `plain` sum left the normal range (a NaN, zero or huge slice beside
    others changed them by an ulp), not constant, NaN or inf ones. With denom 1 and p: |x|'s p-norm
    (norm([1e200, 1e200]) was inf, of [1e-200, 1e-200] 0, torch's too: 1.41e200, 1.41e-200)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        scale = np.abs(centered).max(axis=axes, keepdims=True)
        r = centered / scale
        if p != 2.0:
            s = np.add.reduce(np.abs(r) ** p, axis=axes, keepdims=keepdims) ** (1 / p)
        else:
            s = np.sqrt(squared(r).sum(axis=axes, keepdims=keepdims) / denom)
    scale = scale.reshape(s.shape)
    lo, hi = _NORMAL.get(plain.dtype, (math.inf, 0))  # (another dtype: every slice)
    good = np.isfinite(scale) & (scale > 0) & ~((lo <= plain) & (plain <= hi))
    return np.where(good, s * scale, out).astype(out.dtype, copy=False)


def norm_of_sum(a: np.ndarray, p: float, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """(sum a^p)^(1/p), the p-norm (p > 0) of a = |x| (p = 2: a real x), rescaled where the sum
    over- or underflowed (scaled_std; a zero slice pays for it: it cannot tell; empty: 0)."""
    with np.errstate(over="ignore"):
        s = np.add.reduce(a * a if p == 2.0 else a ** p, axis=axes, keepdims=keepdims)
    out = np.sqrt(s) if p == 2.0 else s ** (1 / p)
    lim = _NORMAL.get(s.dtype) if s.size and a.size else None  # (NaN fails both tests)
    lo, hi = (s.min(), s.max()) if lim and s.ndim else (s, s)  # (a number's: no reductions)
    if lim and not (lim[0] <= lo and hi <= lim[1]):
        out = scaled_std(a, axes, keepdims, 1, out, s, p)
    return out


_NORMAL = {np.dtype(t): (np.finfo(t).tiny, np.finfo(t).max)
           for t in (np.float16, np.float32, np.float64)}
