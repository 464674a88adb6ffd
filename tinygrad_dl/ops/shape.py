"""Ops that move data without arithmetic: reshape, transpose, indexing, concatenate, stack."""

from __future__ import annotations

import numpy as np

from ..engine import Function


class Reshape(Function):
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


class Transpose(Function):
    def forward(ctx, x, axes=None):
        ctx.axes = None if axes is None else tuple(a % x.ndim for a in axes)
        return np.transpose(x, axes)

    def backward(ctx, g):
        if ctx.axes is None:
            return np.transpose(g)
        return np.transpose(g, np.argsort(ctx.axes))


def _is_basic(index) -> bool:
    """Basic indexing (slices, ints, None, ...) never selects an element twice."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (slice, int, np.integer, type(None), type(Ellipsis))) for i in items)


class GetItem(Function):
    """x[index]; with integer-array indices, duplicates accumulate their gradients."""

    def forward(ctx, x, index=None):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return x[index]

    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=ctx.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = g
        else:
            np.add.at(out, ctx.index, g)
        return out


class Concatenate(Function):
    def forward(ctx, *xs, axis=0):
        out = np.concatenate(xs, axis=axis)
        ctx.axis = axis % out.ndim
        ctx.sizes = [x.shape[axis] for x in xs]
        return out

    def backward(ctx, g):
        # plain slices, not np.split: this runs once per RNN sequence on 25+ pieces
        lead, start, parts = (slice(None),) * ctx.axis, 0, []
        for n in ctx.sizes:
            parts.append(g[lead + (slice(start, start + n),)])
            start += n
        return tuple(parts)


class Stack(Function):
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    def backward(ctx, g):
        return tuple(np.moveaxis(g, ctx.axis, 0))


class Tap(Function):
    """x itself, after calling `fn(x)`: a side effect that reads a value (CharRNN keeps its last
    hidden state this way), recorded as an op so a replayed step (tinygrad_dl.jit) runs it too."""

    def forward(ctx, x, fn=None):
        fn(x)
        return x

    def backward(ctx, g):
        return g
