"""ScatterReduce: torch's scatter_reduce (sum, prod, mean, amax, amin; include_self), out of
place, with its gradients."""

from __future__ import annotations

import numpy as np

from ..engine import Function
from ..write_guard import private

__all__ = ["ScatterReduce"]

_AT = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
       "amin": np.minimum}
_IDENTITY = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}


class ScatterReduce(Function):
    """torch's scatter_reduce, out of place: each position that `index` names along `dim`
    (every other coordinate kept) reduced with the src entries sent there, and with x's own
    value unless include_self is False; positions nothing is sent to keep x's value. The
    caller checks torch's rules (check_scatter). Gradients, torch's: sum passes g; mean g / the
    count; prod g times the product of the others (exact at zeros); amax/amin g shared equally
    by the entries equal to the result (NaN counts as equal to a NaN result)."""

    def forward(ctx, x, src, index=None, dim=0, reduce="sum", include_self=True):
        idx = private(index, "scatter_reduce: the index")
        grid = list(np.indices(idx.shape, sparse=True))
        grid[dim] = idx
        corner = tuple(slice(0, n) for n in idx.shape)
        target, vals = tuple(grid), src[corner]
        hit = np.zeros(x.shape, bool)
        hit[target] = True
        count = np.zeros(x.shape, np.int64)
        np.add.at(count, target, 1)
        out = np.array(x, copy=True)
        if not include_self:  # (an integer tensor's amax/amin start from its dtype's bounds)
            ident = _IDENTITY[reduce]
            if x.dtype.kind in "iu" and reduce in ("amax", "amin"):
                info = np.iinfo(x.dtype)
                ident = info.min if reduce == "amax" else info.max
            out[hit] = ident
        with np.errstate(invalid="ignore"):  # (a NaN reduced with amax/amin: NaN, unsaid)
            _AT[reduce].at(out, target, vals)
        if reduce == "mean":
            total = np.maximum(count + bool(include_self), 1)
            out = np.where(hit, out / total, x).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, src, out)
        ctx.target, ctx.corner, ctx.hit, ctx.count = target, corner, hit, count
        ctx.reduce, ctx.include_self = reduce, include_self
        return out

    def backward(ctx, g):
        x, src, out = ctx.saved
        t, c, hit, reduce = ctx.target, ctx.corner, ctx.hit, ctx.reduce
        own = np.ones(x.shape, bool) if ctx.include_self else ~hit  # x's entry is in its group
        if reduce == "sum":
            gx, gv = g * own, g[t]
        elif reduce == "mean":
            share = g / np.maximum(ctx.count + own, 1)
            gx, gv = np.where(hit, share, g) * own, share[t]
        elif reduce == "prod":
            gx, gv = _prod_grads(g, x, src[c], t, hit, own)
        else:  # amax / amin: the entries equal to the result share g
            with np.errstate(invalid="ignore"):
                tie_x = own & _same(x, out)
                tie_v = _same(src[c], out[t])
            n = tie_x.astype(np.int64)
            np.add.at(n, t, tie_v)
            share = g / np.maximum(n, 1)
            gx, gv = share * tie_x, share[t] * tie_v
        gs = np.zeros(src.shape, dtype=g.dtype)
        gs[c] = gv
        return gx.astype(g.dtype, copy=False), gs


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) | (np.isnan(a) & np.isnan(b))


def _prod_grads(g: np.ndarray, x: np.ndarray, v: np.ndarray, t: tuple, hit: np.ndarray,
                own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d out / d each member of a group: the product of the others, from the product of the
    nonzero members and the count of zeros (no division by a zero)."""
    xs = np.where(own, x, 1)
    nonzero = np.where(xs == 0, 1, xs).astype(g.dtype)
    zeros = (xs == 0).astype(np.int64)
    np.multiply.at(nonzero, t, np.where(v == 0, 1, v))
    np.add.at(zeros, t, v == 0)

    def others(val: np.ndarray, nz: np.ndarray, z: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(val == 0, np.where(z == 1, nz, 0),
                            np.where(z == 0, nz / np.where(val == 0, 1, val), 0))

    gx = np.where(hit, g * others(xs, nonzero, zeros), g) * own
    return gx, g[t] * others(v, nonzero[t], zeros[t])
