"""ScatterReduce: torch's scatter_reduce (sum, prod, mean, amax, amin; include_self); NextAfter,
FrexpMantissa and Ldexp: torch's nextafter, frexp and ldexp (an integer exponent), with their
gradients."""

from __future__ import annotations

import numpy as np

from ..engine import Function, unbroadcast
from ..write_guard import private

__all__ = ["FrexpMantissa", "Ldexp", "NextAfter", "ScatterReduce"]

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
        idx = private(index)
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


class NextAfter(Function):
    """np.nextafter(x, y): the next float after x toward y. torch's gradient: g to x where
    x != y (the step is a constant; where x == y the result is y), 0 to y."""

    def forward(ctx, x, y):
        ctx.x_shape, ctx.y_shape, ctx.moved = x.shape, y.shape, x != y
        return np.nextafter(x, y)

    def backward(ctx, g):
        gx = unbroadcast(g * ctx.moved, ctx.x_shape) if ctx.needs_input_grad[0] else None
        return gx, np.zeros(ctx.y_shape, g.dtype) if ctx.needs_input_grad[1] else None


class FrexpMantissa(Function):
    """The mantissa of np.frexp(x) (in [0.5, 1) in size; x itself at 0, inf and NaN), x times
    2 ** -exponent: torch's gradient g * 2 ** -exponent (np.ldexp: no overflow for
    subnormals' large scale)."""

    def forward(ctx, x):
        mantissa, ctx.exponent = np.frexp(x)
        return mantissa

    def backward(ctx, g):
        with np.errstate(over="ignore"):  # (a subnormal x's 2 ** 1060: inf, as torch's)
            return np.ldexp(g, -ctx.exponent)


class Ldexp(Function):
    """np.ldexp(x, exponent) for an integer exponent (a constant), as torch's: exact where
    x * 2.0 ** exponent is not, 2.0 ** exponent alone over- or underflowing (0 * 2 ** 2000 is
    0, not NaN; inf * 2 ** -1100 is inf; 1e308 * 2 ** -2000 is 8.7e-295, not 0). The gradient
    to x is g * 2 ** exponent (np.ldexp too)."""

    def forward(ctx, x, exponent=None):
        # (past +-4096 every float saturates: the clip keeps np.ldexp's int32 exponent)
        ctx.e, ctx.x_shape = np.clip(exponent, -4096, 4096).astype(np.int32), x.shape
        with np.errstate(over="ignore"):  # (inf past the dtype's range, as torch's, unsaid)
            return np.ldexp(x, ctx.e)

    def backward(ctx, g):
        with np.errstate(over="ignore"):
            return unbroadcast(np.ldexp(g, ctx.e), ctx.x_shape)
