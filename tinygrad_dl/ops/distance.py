"""cdist's and pdist's p-norm distances computed in blocks: the exact differences, never all of
them at once. cdist of (2000, 64) and (2000, 64) float64 held the (2000, 2000, 64) differences
(2 GB) plus the norm's temporaries: 5.9 GB at its peak where torch's matmul form needs the
(2000, 2000) distances (that form loses every digit far from the origin; this keeps them).
Each block's norm and its gradient are ops.VectorNorm's own forward and backward (one home for
every p's formula and its conventions at ties and zeros), run on the block and dropped."""

from __future__ import annotations

import math

import numpy as np

from ..engine import Function
from .moments import norm_of_sum
from .reduce import VectorNorm

__all__ = ["BlockedCdist", "BlockedPdist"]

# (the differences held at once: as many rows as keep one block within this many entries,
# 32 MB of float64; read at each call, so that a test may lower it)
BLOCK_ENTRIES = 1 << 22

_ACC = np.float64  # (the gradients' sums over 1500 rows: float32's one by one were 1.5e-6 off,
# torch's 1.7e-7: summed in float64, rounded once)


def _norms(d: np.ndarray, p: float, g: np.ndarray | None = None) -> np.ndarray:
    """The p-norms of d's last axis (VectorNorm's forward; p = 2 its norm_of_sum without the
    |d| pass, see _euclid), or with g their gradient with respect to d (VectorNorm's backward,
    its forward rerun to set it up)."""
    if g is None and _euclid(p, d.shape[-1], d.dtype):
        return norm_of_sum(d, 2.0, (d.ndim - 1,), False)
    vn = VectorNorm()
    out = vn.forward(d, ord=p, axis=-1)
    return out if g is None else vn.backward(g)


def _euclid(p: float, m: int, dtype: np.dtype) -> bool:
    """May p = 2 skip VectorNorm (its |d| pass in forward, its rerun in backward)? For rows of
    m > 1 entries (one entry's norm is VectorNorm's |d|, exact) in float32 and float64 (float16's
    norm is float32's), where norm_of_sum of d is VectorNorm's to the bit."""
    return p == 2 and m > 1 and dtype != np.float16


def _unit_grad(d: np.ndarray, o: np.ndarray, g: np.ndarray) -> np.ndarray:
    """p = 2's gradient g (d / o), 0 where o is 0: VectorNorm's, to the bit, from the saved
    distances o (float32 and float64: no rerun of the norm), in place of d."""
    with np.errstate(invalid="ignore"):  # (a distance of 0 divides its zeros by inf: 0;
        d /= np.where(o == 0, np.inf, o)[..., None]  # the unit vectors, at most 1:
    d *= g[..., None]  # g / o first overflowed for a subnormal o)
    return d


def _cdist_blocks(lead: tuple[int, ...], n: int, r: int, m: int):
    """The blocks: (an index over lead's first t dims, a slice of x1's rows), the rest of lead
    whole, t the fewest dims that let one row of x1 against x2 fit in BLOCK_ENTRIES (a huge
    batch of few rows is cut along the batch too, in runs of dim t - 1 where all the rows
    fit); at least one row a block."""
    t = 0
    while t < len(lead) and math.prod(lead[t:]) * r * m > BLOCK_ENTRIES:
        t += 1
    inner = max(1, math.prod(lead[t:]) * r * m)
    step = max(1, BLOCK_ENTRIES // inner)
    if t and step >= n:  # (runs of dim t - 1, every row)
        run = max(1, BLOCK_ENTRIES // (inner * n))
        for outer in np.ndindex(*lead[:t - 1]):
            for k in range(0, lead[t - 1], run):
                yield (*outer, slice(k, k + run)), slice(0, n)
        return
    for outer in np.ndindex(*lead[:t]):
        for s in range(0, n, step):
            yield outer, slice(s, s + step)


class BlockedCdist(Function):
    """||x1_i - x2_j||_p for x1 (..., P, M) and x2 (..., R, M) of one float dtype and one
    batch shape: forward and backward each recompute one block's differences at a time (see
    _cdist_blocks), their norms and gradients VectorNorm's (so every p, its rescaling where the
    powers over- or underflow, its conventions at ties and zeros); the gradients summed in
    float64 and rounded once."""

    def forward(ctx, a, b, p=2.0):
        *lead, n, m = a.shape
        ctx.p, ctx.blocks = float(p), (tuple(lead), n, b.shape[-2], m)
        out = np.empty((*lead, n, b.shape[-2]), dtype=a.dtype)
        for outer, rows in _cdist_blocks(*ctx.blocks):
            d = a[outer][..., rows, None, :] - b[outer][..., None, :, :]
            out[outer][..., rows, :] = _norms(d, ctx.p)
        ctx.save_for_backward(a, b, out)
        return out

    def backward(ctx, g):
        a, b, out = ctx.saved
        ga = np.zeros(a.shape, dtype=_ACC) if ctx.needs_input_grad[0] else None
        gb = np.zeros(b.shape, dtype=_ACC) if ctx.needs_input_grad[1] else None
        if ctx.p != 0:  # (the 0-norm's gradient is 0)
            for outer, rows in _cdist_blocks(*ctx.blocks):
                d = a[outer][..., rows, None, :] - b[outer][..., None, :, :]
                gs = g[outer][..., rows, :]
                if _euclid(ctx.p, a.shape[-1], a.dtype):
                    w = _unit_grad(d, out[outer][..., rows, :], gs)
                else:
                    w = _norms(d, ctx.p, gs)
                if ga is not None:
                    ga[outer][..., rows, :] = w.sum(axis=-2, dtype=_ACC)
                if gb is not None:
                    gb[outer] -= w.sum(axis=-3, dtype=_ACC)
        return tuple(None if r is None else r.astype(a.dtype, copy=False) for r in (ga, gb))


def _pdist_blocks(n: int, m: int):
    """The blocks of pairs (i, j), i < j, row-major: rows i of x in runs [s, e) whose pairs' m
    differences fit in BLOCK_ENTRIES (at least one row a run): (first pair, s, e, i's, j's)."""
    first, s = 0, 0
    while s < n - 1:
        e, count = s + 1, n - 1 - s
        while e < n - 1 and (count + n - 1 - e) * m <= BLOCK_ENTRIES:
            count, e = count + n - 1 - e, e + 1
        rows = np.arange(s, e)
        i = np.repeat(rows, n - 1 - rows)
        starts = np.repeat(np.cumsum(n - 1 - rows) - (n - 1 - rows), n - 1 - rows)
        yield first, s, e, i, np.arange(count) - starts + i + 1
        first, s = first + count, e


class BlockedPdist(Function):
    """pdist's ||x_i - x_j||_p over the pairs i < j of x (N, M), row-major, a run of rows'
    pairs at a time (see _pdist_blocks), as BlockedCdist: VectorNorm's norms and gradients,
    the gradients summed in float64 and rounded once."""

    def forward(ctx, x, p=2.0):
        n, m = x.shape
        ctx.p = float(p)
        out = np.empty(n * (n - 1) // 2, dtype=x.dtype)
        for first, _, _, i, j in _pdist_blocks(n, m):
            out[first:first + len(i)] = _norms(x[i] - x[j], ctx.p)
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, g):
        x, out = ctx.saved
        n = x.shape[0]
        gx = np.zeros(x.shape, dtype=_ACC)
        if ctx.p != 0:  # (the 0-norm's gradient is 0)
            for first, s, e, i, j in _pdist_blocks(*x.shape):
                d, part = x[i] - x[j], slice(first, first + len(i))
                if _euclid(ctx.p, x.shape[1], x.dtype):
                    w = _unit_grad(d, out[part], g[part]).astype(_ACC, copy=False)
                else:
                    w = _norms(d, ctx.p, g[part]).astype(_ACC, copy=False)
                at = 0  # (row i's pairs are w[at:at + n - 1 - i], with j = i + 1 ... n - 1)
                for r in range(s, e):
                    gx[r] += w[at:at + n - 1 - r].sum(axis=0)
                    gx[r + 1:] -= w[at:at + n - 1 - r]
                    at += n - 1 - r
        return gx.astype(x.dtype, copy=False)
