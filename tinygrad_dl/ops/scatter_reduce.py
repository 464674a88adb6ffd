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
    """d out / d each member of a group: the product of the others, as x.prod()'s gradient
    (exact at zeros, inf and NaN: [2, inf] gives [inf, 2], a NaN or 0 * inf among the others
    NaN), from each group's product of its finite nonzero members (an inf counts its sign)
    and its counts of zeros, infs and NaNs (no division by a zero or an inf)."""
    def parts(a: np.ndarray) -> tuple[np.ndarray, ...]:
        zero, nan, inf = a == 0, np.isnan(a), np.isinf(a)
        body = np.where(zero | nan, 1, np.where(inf, np.sign(a), a)).astype(g.dtype)
        return body, zero, nan, inf

    px, *cx = parts(np.where(own, x, 1))
    pv, *cv = parts(v)
    prod = px.copy()
    np.multiply.at(prod, t, pv)
    flat = None  # (each group's counts by bincount over the flat positions: np.add.at is slow)
    counts = []
    for mine, sent in zip(cx, cv):
        total = mine.astype(np.int64)
        if sent.any():
            if flat is None:
                flat = np.ravel_multi_index(np.broadcast_arrays(*t), x.shape).ravel()
            total += np.bincount(flat, sent.ravel(), x.size).astype(np.int64).reshape(x.shape)
        counts.append(total)

    def others(total: np.ndarray, body: np.ndarray, mine: list[np.ndarray],
               totals: list[np.ndarray]) -> np.ndarray:
        zero, nan, inf = (tot - m for tot, m in zip(totals, mine))  # among the others
        with np.errstate(over="ignore"):
            rest = total / body  # (body: 1 for a zero or NaN, the sign for an inf)
        out = np.where(inf > 0, np.copysign(np.inf, rest),
                       np.where(zero > 0, np.copysign(0.0, rest), rest))
        return np.where((nan > 0) | ((zero > 0) & (inf > 0)), np.nan, out)

    gx = np.where(own, np.where(hit, g * others(prod, px, cx, counts), g), 0)  # (not * own:
    # a left-out x's inf or NaN other-product times 0 was NaN)
    return gx, g[t] * others(prod[t], pv, cv, [c[t] for c in counts])
