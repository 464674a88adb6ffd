"""Reductions over axis=None | int | tuple, with keepdims. Backward broadcasts the
gradient back over the reduced axes."""

from __future__ import annotations

import math

import numpy as np

from ..engine import Function

__all__ = ["CumSum", "LogSumExp", "Max", "Mean", "Min", "Prod", "Sum", "Var"]


def _axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a % ndim if ndim else 0)
    return tuple(out)


def _expand(g: np.ndarray, axes: tuple[int, ...], keepdims: bool, ndim: int) -> np.ndarray:
    """Give g back the reduced axes (as size 1) so it broadcasts against the input."""
    if keepdims or not axes or g.ndim == ndim:
        return g
    return np.expand_dims(g, axes)


class Sum(Function):
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim), keepdims
        return x.sum(axis=axis, keepdims=keepdims)

    def backward(ctx, g):
        g = _expand(g, ctx.axes, ctx.keepdims, len(ctx.shape))
        return np.broadcast_to(g, ctx.shape)


class Mean(Function):
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim), keepdims
        ctx.count = math.prod([x.shape[a] for a in ctx.axes]) if x.ndim else 1
        return x.mean(axis=axis, keepdims=keepdims)

    def backward(ctx, g):
        g = _expand(g, ctx.axes, ctx.keepdims, len(ctx.shape))
        return np.broadcast_to(g / ctx.count, ctx.shape)


class Var(Function):
    """Variance with `ddof` (0: the population variance batch norm uses)."""

    def forward(ctx, x, axis=None, keepdims=False, ddof=0):
        ctx.axes, ctx.keepdims = _axes(axis, x.ndim), keepdims
        count = math.prod([x.shape[a] for a in ctx.axes]) if x.ndim else 1
        ctx.denom = count - ddof
        centered = x - x.mean(axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(centered)
        return (centered * centered).sum(axis=ctx.axes, keepdims=keepdims) / ctx.denom

    def backward(ctx, g):
        centered = ctx.saved[0]
        g = _expand(g, ctx.axes, ctx.keepdims, centered.ndim)
        return g * (2.0 / ctx.denom) * centered


class Max(Function):
    """Max over axes; ties share the gradient equally (a subgradient)."""

    _reduce = staticmethod(np.max)  # Min shares everything else

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes, ctx.keepdims = _axes(axis, x.ndim), keepdims
        out = ctx._reduce(x, axis=axis, keepdims=True)
        ctx.save_for_backward(x, out)
        return out if keepdims else out.reshape([n for i, n in enumerate(x.shape)
                                                  if i not in ctx.axes])

    def backward(ctx, g):
        x, out = ctx.saved
        g = _expand(g, ctx.axes, ctx.keepdims, x.ndim)
        mask = x == out
        # count in g's dtype: an integer count array would promote float32 to float64
        return g * mask / mask.sum(axis=ctx.axes, keepdims=True, dtype=g.dtype)


class Min(Max):
    """Min over axes; ties share the gradient equally (a subgradient), as for Max."""

    _reduce = staticmethod(np.min)


class Prod(Function):
    """Product over axes. d/dx_i is the product of the others, formed as (product of those
    before i) * (product of those after i) with no division: zeros are exact (one zero in a
    slice gets the product of the rest, two zeros give 0 everywhere) and nothing underflows
    that the forward did not."""

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes, ctx.keepdims = _axes(axis, x.ndim), keepdims
        ctx.save_for_backward(x)
        return x.prod(axis=axis, keepdims=keepdims)

    def backward(ctx, g):
        x, axes = ctx.saved[0], ctx.axes
        g = _expand(g, axes, ctx.keepdims, x.ndim)
        k = len(axes)
        moved = np.moveaxis(x, axes, range(x.ndim - k, x.ndim))  # reduced axes last, then one
        flat = moved.reshape(moved.shape[:x.ndim - k] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = np.moveaxis((before * after).reshape(moved.shape),
                             range(x.ndim - k, x.ndim), axes)
        return g * others


class LogSumExp(Function):
    """log(sum(exp(x))) over axes, max-shifted: finite for any finite x. d/dx = softmax(x)."""

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes, ctx.keepdims = _axes(axis, x.ndim), keepdims
        m = x.max(axis=ctx.axes, keepdims=True) if x.size else np.zeros((), x.dtype)
        out = np.log(np.exp(x - m).sum(axis=ctx.axes, keepdims=True)) + m
        ctx.save_for_backward(x, out)
        return out if keepdims else out.reshape([n for i, n in enumerate(x.shape)
                                                  if i not in ctx.axes])

    def backward(ctx, g):
        x, out = ctx.saved
        g = _expand(g, ctx.axes, ctx.keepdims, x.ndim)
        return g * np.exp(x - out)


class CumSum(Function):
    """Cumulative sum along `axis` (None: over the flattened array, as np.cumsum).
    Backward is the reversed cumulative sum of the gradient."""

    def forward(ctx, x, axis=None):
        ctx.shape, ctx.axis = x.shape, axis
        return np.cumsum(x, axis=axis)

    def backward(ctx, g):
        axis = 0 if ctx.axis is None else ctx.axis
        out = np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)
        return out.reshape(ctx.shape)
