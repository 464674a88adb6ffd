"""cdist's Euclidean distances computed in blocks of rows: the exact differences, never all of
them at once. cdist of (2000, 64) and (2000, 64) float64 held the (2000, 2000, 64) differences
(2 GB) plus the norm's temporaries: 5.9 GB at its peak where torch's matmul form needs the
(2000, 2000) distances (that form loses every digit far from the origin; this keeps them)."""

from __future__ import annotations

import numpy as np

from ..engine import Function
from .moments import norm_of_sum

__all__ = ["BlockedEuclidCdist"]

# (rows of x1 taken at once: as many as keep one block of differences within this many
# entries, 32 MB of float64; read at each call, so that a test may lower it)
BLOCK_ENTRIES = 1 << 22


def _rows_per_block(r: int, m: int, lead: int) -> int:
    """How many of x1's rows one block takes (x2's r rows of m entries, lead batches)."""
    return max(1, BLOCK_ENTRIES // max(1, r * m * lead))


class BlockedEuclidCdist(Function):
    """||x1_i - x2_j||_2 for x1 (..., P, M) and x2 (..., R, M) of one float dtype and one
    batch shape: forward and backward each recompute one block of rows' differences at a time
    (the norm rescaled where its squares over- or underflow, as VectorNorm's). The gradient is
    VectorNorm's, (x1_i - x2_j) / d_ij, 0 where d_ij is 0 (torch's)."""

    def forward(ctx, a, b):
        *lead, p, m = a.shape
        r = b.shape[-2]
        out = np.empty((*lead, p, r), dtype=a.dtype)
        ctx.step = _rows_per_block(r, m, int(np.prod(lead, dtype=np.int64)))
        for s in range(0, p, ctx.step):
            d = a[..., s:s + ctx.step, None, :] - b[..., None, :, :]
            out[..., s:s + ctx.step, :] = norm_of_sum(d, 2.0, (d.ndim - 1,), False)
        ctx.save_for_backward(a, b, out)
        return out

    def backward(ctx, g):
        a, b, out = ctx.saved
        acc = np.float64  # (float32's sums over 1500 rows one by one were 1.5e-6 off, torch's
        # 1.7e-7: summed in float64, rounded once)
        ga = np.zeros(a.shape, dtype=acc) if ctx.needs_input_grad[0] else None
        gb = np.zeros(b.shape, dtype=acc) if ctx.needs_input_grad[1] else None
        for s in range(0, a.shape[-2], ctx.step):
            w = a[..., s:s + ctx.step, None, :] - b[..., None, :, :]
            o = out[..., s:s + ctx.step, :]  # (a distance of 0 divides its zeros by inf: 0)
            with np.errstate(invalid="ignore"):
                w /= np.where(o == 0, np.inf, o)[..., None]  # (the unit vectors, at most 1:
            w *= g[..., s:s + ctx.step, :, None]  # g / o first overflowed for a subnormal o)
            if ga is not None:
                ga[..., s:s + ctx.step, :] = w.sum(axis=-2, dtype=acc)
            if gb is not None:
                gb -= w.sum(axis=-3, dtype=acc)
        return tuple(None if r is None else r.astype(a.dtype, copy=False) for r in (ga, gb))
