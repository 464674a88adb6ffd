"""FractionalMaxPool: torch's fractional max pooling (Graham's pseudo-random windows) over the
last 2 or 3 axes of (N, C, *spatial), the windows placed by one random sample per plane and
axis, a tensor input, so a jitted step replays with the samples drawn afresh (by a Draw op).
fractional_argmax is the index arithmetic it shares with F.fractional_max_pool*d's indices."""

from __future__ import annotations

import numpy as np

from ..engine import Function

__all__ = ["FractionalMaxPool"]


def fractional_starts(sample: np.ndarray, n_in: int, n_out: int, k: int) -> np.ndarray:
    """torch's generate_intervals for samples (...): each window's first position (..., n_out),
    computed in the samples' dtype as torch's kernel does (float32 rounds as torch's)."""
    seq = np.empty(sample.shape + (n_out,), dtype=np.int64)
    if n_out > 1:
        t = sample.dtype.type
        alpha = t(n_in - k) / t(n_out - 1)
        i = np.arange(n_out - 1).astype(sample.dtype)
        seq[..., :-1] = (((i + sample[..., None]) * alpha).astype(np.int64)
                         - (sample * alpha).astype(np.int64)[..., None])
    if n_out > 0:
        seq[..., -1] = n_in - k
    return seq


def fractional_argmax(x: np.ndarray, samples: np.ndarray, kernel: tuple[int, ...],
                      out: tuple[int, ...]) -> np.ndarray:
    """Flat indices (N, C, *out) into each plane of x (N, C, *spatial) of every window's
    maximum: torch's first in row-major order, its last NaN where a window holds one. Sample
    j of a plane places the windows of spatial axis j, except in 2-D, where torch reads the
    width's sample first."""
    dims = len(kernel)
    spatial = x.shape[2:]
    order = (1, 0) if dims == 2 else tuple(range(dims))
    lead = x.shape[:2]
    idx = np.zeros(lead + out + kernel, dtype=np.int64)
    stride = 1
    for j in reversed(range(dims)):
        pos = (fractional_starts(samples[..., order[j]], spatial[j], out[j], kernel[j])[..., None]
               + np.arange(kernel[j]))  # (N, C, out_j, k_j)
        shape = lead + tuple(out[j] if i == j else 1 for i in range(dims)) + tuple(
            kernel[j] if i == j else 1 for i in range(dims))
        idx = idx + pos.reshape(shape) * stride
        stride *= spatial[j]
    idx = idx.reshape(lead + out + (int(np.prod(kernel)),))  # (not -1: an empty output)
    flat = x.reshape(lead + (int(np.prod(spatial)),))
    per_plane = int(np.prod(out)) * int(np.prod(kernel))
    win = np.take_along_axis(flat, idx.reshape(lead + (per_plane,)), axis=-1).reshape(idx.shape)
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    with np.errstate(invalid="ignore"):
        j = (win == np.max(np.where(np.isnan(win), low, win), axis=-1, keepdims=True)).argmax(
            axis=-1)
    nan = np.isnan(win)
    j = np.where(nan.any(axis=-1), nan.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1), j)
    return np.take_along_axis(idx, j[..., None], axis=-1)[..., 0]


class FractionalMaxPool(Function):
    """The max of x (N, C, *spatial) over the windows of `kernel` that samples (N, C, dims)
    place (torch's), giving (N, C, *out). The gradient goes to each window's chosen maximum
    (overlapping windows that chose one position add up); none to the samples."""

    def forward(ctx, x, samples, kernel=(), out=()):
        idx = fractional_argmax(x, samples, kernel, out)
        lead = x.shape[:2]
        flat = idx.reshape(lead + (int(np.prod(out)),))
        ctx.shape, ctx.flat = x.shape, flat
        planes = x.reshape(lead + (int(np.prod(x.shape[2:])),))
        return np.take_along_axis(planes, flat, axis=-1).reshape(idx.shape)

    def backward(ctx, g):
        if not ctx.needs_input_grad[0]:
            return None, None
        n, c = ctx.shape[:2]
        dx = np.zeros((n, c, int(np.prod(ctx.shape[2:]))), dtype=g.dtype)
        rows = np.arange(n)[:, None, None]
        chans = np.arange(c)[None, :, None]
        np.add.at(dx, (rows, chans, ctx.flat), g.reshape(ctx.flat.shape))
        return dx.reshape(ctx.shape), None
