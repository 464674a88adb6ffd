"""IndexPut: a copy of x with one region replaced by v's entries, the recording of a write into
an op's result (`h[idx] = v` in tensor/rebase.py, `h[:, 0] += b` through a view in
tensor/copy_slices.py), keeping for backward the region's positions alone."""

from __future__ import annotations

import numpy as np

from ..engine import Function
from ..write_guard import private

__all__ = ["IndexPut"]


class IndexPut(Function):
    """x with the entries at the flat (C-order) positions `index` replaced by v's: v's flat
    entries `which` (one per position: NumPy's broadcasting of v, a repeated index's last
    write), or, with which None, v's entries in order (v has one per position). The gradient
    to x is g with the region zeroed, to v g at the region, summed over the positions each
    entry of v landed in. Saves only index and which (a `where` over the whole x kept a mask,
    an index and a gathered copy of x's size per write: an RNN's `out[:, t] = h` grew with
    the square of the steps)."""

    def forward(ctx, x, v, index=None, which=None):
        ctx.index = private(index, "index_put: the positions")
        ctx.which = private(which, "index_put: the value's entries")
        ctx.vshape = v.shape
        out = np.array(x, copy=True, order="C")  # (C order: its reshape(-1) is a view)
        flat = v.reshape(-1)
        out.reshape(-1)[ctx.index] = flat if ctx.which is None else flat[ctx.which]
        return out

    def backward(ctx, g):
        nx, nv = ctx.needs_input_grad
        gx = gv = None
        if nx:
            gx = np.array(g, copy=True, order="C")
            gx.reshape(-1)[ctx.index] = 0
        if nv:
            at = g.reshape(-1)[ctx.index]
            if ctx.which is None:
                gv = at.reshape(ctx.vshape)
            else:  # (an entry of v broadcast over several positions: their sum)
                gv = np.zeros(int(np.prod(ctx.vshape)), g.dtype)
                np.add.at(gv, ctx.which, at)
                gv = gv.reshape(ctx.vshape)
        return gx, gv
