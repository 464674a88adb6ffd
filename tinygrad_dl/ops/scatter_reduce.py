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

    with np.errstate(over="ignore", invalid="ignore"):
        rest_x, rest_v = prod / px, prod[t] / pv  # (body: 1 for a zero or NaN, the sign for inf)
    bad = hit & ~(np.isfinite(prod) & (np.abs(prod) >= np.finfo(prod.dtype).tiny))
    if bad.any():  # the group's product over- or underflowed: total / body is not the others'
        if flat is None:
            flat = np.ravel_multi_index(np.broadcast_arrays(*t), x.shape).ravel()
        fix_x, at_x, fix_v, at_v = _exact_others(px, pv, flat, bad)
        rest_x.flat[at_x], rest_v.flat[at_v] = fix_x, fix_v

    def others(rest: np.ndarray, mine: list[np.ndarray], totals: list[np.ndarray]) -> np.ndarray:
        zero, nan, inf = (tot - m for tot, m in zip(totals, mine))  # among the others
        out = np.where(inf > 0, np.copysign(np.inf, rest),
                       np.where(zero > 0, np.copysign(0.0, rest), rest))
        return np.where((nan > 0) | ((zero > 0) & (inf > 0)), np.nan, out)

    gx = np.where(own, np.where(hit, g * others(rest_x, cx, counts), g), 0)  # (not * own:
    # a left-out x's inf or NaN other-product times 0 was NaN)
    return gx, g[t] * others(rest_v, cv, [c[t] for c in counts])


def _exact_others(px: np.ndarray, pv: np.ndarray, flat: np.ndarray,
                  bad: np.ndarray) -> tuple[np.ndarray, ...]:
    """The product of the other members' bodies in each group of `bad` (whose product over- or
    underflowed), as Prod's gradient: (product of those before) * (product of those after), no
    division, mantissas and exponents apart (exact to round-off in any order: x.prod()'s
    over/underflows midway); groups padded with ones into rows, by size class (at most twice
    the members; a row past ~1000 members can still underflow its mantissas).
    Returns the values and flat positions for x's members, then for src's."""
    at_x = np.flatnonzero(bad)
    at_v = np.flatnonzero(bad.ravel()[flat])
    gid = np.concatenate([at_x, flat[at_v]])
    vals = np.concatenate([px.ravel()[at_x], pv.ravel()[at_v]])
    order = np.argsort(gid, kind="stable")  # (x's own member first, then src in order)
    gid, vals = gid[order], vals[order]
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    sizes = np.diff(np.r_[starts, len(gid)])
    group = np.repeat(np.arange(len(starts)), sizes)
    pos = np.arange(len(gid)) - starts[group]
    size_class = np.ceil(np.log2(sizes)).astype(np.int64)
    out = np.empty_like(vals)
    for c in np.unique(size_class):
        rows = np.flatnonzero(size_class == c)
        row_of = np.zeros(len(starts), np.int64)
        row_of[rows] = np.arange(len(rows))
        sel = size_class[group] == c
        r, k = row_of[group[sel]], pos[sel]
        m = np.ones((len(rows), int(sizes[rows].max()) + 2))  # (ones before and after)
        e = np.zeros(m.shape, np.int64)  # (mantissa and exponent apart: no order over/underflows)
        m[r, k + 1], e[r, k + 1] = np.frexp(vals[sel].astype(np.float64))
        cm, ce = np.cumprod(m, axis=1), np.cumsum(e, axis=1)
        rm, re = np.cumprod(m[:, ::-1], axis=1)[:, ::-1], np.cumsum(e[:, ::-1], axis=1)[:, ::-1]
        with np.errstate(over="ignore", under="ignore"):
            out[sel] = np.ldexp(cm[r, k] * rm[r, k + 2], ce[r, k] + re[r, k + 2])
    back = np.empty_like(out)
    back[order] = out
    return back[:len(at_x)], at_x, back[len(at_x):], at_v
