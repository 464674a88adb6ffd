"""Linear algebra beyond matmul: einsum (which dot, inner, outer, tensordot and trace are
written with, in tinygrad_dl.functional), diag, tril, triu."""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np

from ..engine import Function
from .allocation import check_alloc
from .linalg_lu import LinAlgError, lapack_dtype, lapack_solve, lu_det_array, lu_solve_array
from .reduce import int_sum_dtype

__all__ = ["Det", "Diag", "Diagonal", "Einsum", "Inverse", "Tril", "Triu"]


def parse_subscripts(subscripts: str, ndims: list[int]) -> tuple[list[str], str]:
    """("ij,jk->ik", [2, 2]) -> (["ij", "jk"], "ik"). Implicit output: the letters used once,
    sorted. "..." becomes letters of its own, right-aligned across the operands (NumPy's rule)
    and first in an implicit output; an explicit output without "..." sums those axes
    (torch's; NumPy refuses it)."""
    spec = subscripts.replace(" ", "")
    lhs, arrow, out = spec.partition("->")
    if spec.count("-") + spec.count(">") != len(arrow) or "," in out:
        raise ValueError(f"einsum: {subscripts!r}: '-' and '>' only as the one '->' before the "
                         "output, and ',' only between the inputs' terms")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise ValueError(f"einsum: {subscripts!r} names {len(ins)} operands, got {len(ndims)}")
    ell = ""
    if "." in spec:
        if any(t.count("...") > 1 or t.replace("...", "").count(".") for t in ins + [out]):
            raise ValueError(f"einsum: {subscripts!r}: a '.' outside the one '...' a term may "
                             "have")
        widths = [max(nd - len(t.replace("...", "")), 0) if "..." in t else 0
                  for t, nd in zip(ins, ndims)]
        ell = "".join([c for c in string.ascii_letters if c not in spec][:max(widths)])
        ins = [t.replace("...", ell[len(ell) - w:]) for t, w in zip(ins, widths)]
        out = out.replace("...", ell)
    if not arrow:
        letters = "".join(ins)
        out = ell + "".join(sorted(c for c in set(letters) - set(ell) if letters.count(c) == 1))
    if len(set(out)) < len(out) or not set(out) <= set("".join(ins)):
        _bad_output(subscripts, ins, out, ell)
    return ins, out


def _bad_output(subscripts: str, ins: list[str], out: str, ell: str) -> None:
    """Refuse an output letter given twice or in no input, naming it (NumPy's refusal said
    "Einsum: cannot apply to shapes ...")."""
    for c in out:
        if out.count(c) > 1 or not any(c in t for t in ins):
            what = "'...'" if c in ell else repr(c)
            raise ValueError(f"einsum: {subscripts!r}: output subscript {what} " + (
                "appears more than once in the output (a diagonal is written 'ii->i')"
                if out.count(c) > 1 else "is in no input's subscripts"))


_BLAS_FROM = 1 << 15  # products in a contraction from which NumPy's optimized path pays
_HALF = np.dtype(np.float16)


def _pays(ins: list[str], out: str, sizes: dict[str, int]) -> bool:
    """Whether _contract's fast path beats np.einsum's one loop over all P products (Einsum's
    forward decides once, for its backward too: those contractions hold the same arrays). Two
    operands: a matmul pays where P is at least twice the largest operand or output (each
    entry read twice or more: 'ij,jk->ik', 'bqd,bkd->bqk'); without that reuse (an outer or
    elementwise product 'i,j->ij', 'ij,ij->ij', row dots 'bi,bi->b', a matrix-vector product)
    the loop was up to 3x faster. Three or more: NumPy's optimized order pays where its first
    pair contracted, then the rest in one loop, costs a quarter of P or less (chains
    'ij,jk,kl->il'); the bilinear 'ni,oij,nj->no' gains nothing by an order and paid 40%
    for the einsum_path planning, elementwise products up to 2x."""
    p = math.prod(sizes.values())
    if p < _BLAS_FROM:
        return False

    def n(cs: Any) -> int:  # (a term names each letter once here: Einsum's `plain`)
        return math.prod(map(sizes.__getitem__, cs))

    if len(ins) == 2:
        return p >= 2 * max(n(ins[0]), n(ins[1]), n(out))
    best = p
    for i in range(len(ins)):
        for j in range(i + 1, len(ins)):
            later = set(out).union(*[t for k, t in enumerate(ins) if k not in (i, j)])
            best = min(best, n(set(ins[i] + ins[j])) + n(later))
    return p >= 2 * _BLAS_FROM and 4 * best <= p


def _contract(spec: str, arrays: list, sizes: dict[str, int] | None) -> np.ndarray:
    """np.einsum(spec, *arrays) over explicit subscripts. With `sizes` (Einsum's where _pays:
    2 or more operands, no letter twice in one operand, no length 1 stretched) through a
    matmul (two operands) or NumPy's optimized path (tensordot, BLAS): the plain C loop took
    4 ms for "ij,jk->ik" of (100, 3072) and (3072, 10), matmul 0.8 ms. The operands are cast
    to their common dtype first, as the loop does (a float16 or bool operand summed alone in
    its own dtype overflowed to inf, or counted True once, beside a float32 / int64 one).
    Like the loop, neither warns of inf * 0 (BLAS would). float16 is contracted in float32
    and rounded once, as torch's: NumPy's loop added float16 products into a float16 output
    ("ij,jk->ik" of 5000 0.1 * 0.1 gave 32, not 50; "ij->j" of 5000 0.1s 256)."""
    dtype = np.result_type(*arrays)
    if not all(a.size for a in arrays):  # a sum over no products, or an empty output
        return np.zeros(_out_shape(spec, arrays), dtype)
    if dtype == _HALF:
        return _contract(spec, [a.astype(np.float32) for a in arrays], sizes).astype(dtype)
    if sizes is None or len(arrays) < 2:
        return np.einsum(spec, *arrays)
    arrays = [a.astype(dtype, copy=False) for a in arrays]
    ins, _, out = spec.partition("->")
    with np.errstate(all="ignore"):
        if len(arrays) == 2:
            return _pair(ins.split(","), out, *arrays, sizes)
        return np.einsum(spec, *arrays, optimize=True)


def _out_shape(spec: str, arrays: list) -> tuple[int, ...]:
    """The output shape of np.einsum(spec, *arrays) over explicit subscripts (a letter's
    length 1 stretched as NumPy's: to 0 as well). _contract answers an empty operand with
    zeros of it itself: NumPy's loop (2.4) reads one entry at an empty operand's data pointer
    (a fresh empty array's 1-byte allocation, never written) and adds it times the empty sum
    0, so a NaN or inf found there made the result NaN ('ij,i->j' of (0, 3) and (0,):
    outer's gradient was [nan, nan, nan] once in CI for torch's zeros)."""
    ins, _, out = spec.partition("->")
    sizes: dict[str, int] = {}
    for term, a in zip(ins.split(","), arrays):
        for c, n in zip(term, a.shape):
            m = sizes.setdefault(c, n)
            sizes[c] = 0 if 0 in (m, n) else max(m, n)
    return tuple(sizes[c] for c in out)


def _pair(terms: list[str], out: str, a: np.ndarray, b: np.ndarray,
          sizes: dict[str, int]) -> np.ndarray:
    """Two operands as one (batched) matmul, torch's way: the letters of one operand only that
    the output drops summed first, then (batch, left, summed) @ (batch, summed, right)."""
    xs, ts = [a, b], list(terms)
    for k in (0, 1):  # (a letter twice in one operand never comes here)
        alone = [i for i, c in enumerate(ts[k]) if c not in ts[1 - k] and c not in out]
        if alone:  # (dtype kept: einsum's bool stays bool, int32 int32)
            xs[k] = xs[k].sum(tuple(alone), dtype=xs[k].dtype)
            ts[k] = "".join(c for i, c in enumerate(ts[k]) if i not in alone)
    (a, b), (ta, tb) = xs, ts
    batch = [c for c in ta if c in tb and c in out]
    summed = [c for c in ta if c in tb and c not in out]
    left, right = [c for c in ta if c not in tb], [c for c in tb if c not in ta]

    def n(cs: list[str]) -> int:
        return math.prod(sizes[c] for c in cs)

    lead = [sizes[c] for c in batch]
    x = a.transpose([ta.index(c) for c in batch + left + summed]).reshape(
        lead + [n(left), n(summed)])
    y = b.transpose([tb.index(c) for c in batch + summed + right]).reshape(
        lead + [n(summed), n(right)])
    z = np.matmul(x, y).reshape(lead + [sizes[c] for c in left + right])
    order = batch + left + right
    return z.transpose([order.index(c) for c in out])


class Einsum(Function):
    """np.einsum over explicit subscripts. The gradient of operand i is the einsum of the
    output gradient with the other operands onto i's axes; letters only operand i has (summed
    away) are broadcast back, and a repeated letter (a diagonal, as in "ii->") is written onto
    the diagonal. broadcast=True (torch.einsum's, NumPy's): an axis of length 1 in one operand
    stretches to the length of its letter elsewhere (its gradient summed back); without it
    (dot, inner, tensordot, which torch refuses so) the lengths must agree. who= (dot,
    inner) names the caller in the refusal of lengths that differ."""

    multilinear = True  # sums of products of its inputs' entries: testing.check_grad's floor

    def forward(ctx, *xs, subscripts="", broadcast=False, who=""):
        ins, out = parse_subscripts(subscripts, [x.ndim for x in xs])
        sizes: dict[str, int] = {}
        plain = len(xs) > 1  # (no diagonal, no length 1 stretched: _contract's matmul path)
        for k, (s, x) in enumerate(zip(ins, xs)):
            if len(s) != x.ndim:
                terms = subscripts.replace(" ", "").partition("->")[0].split(",")
                least = "at least " if "..." in terms[k] else ""
                raise ValueError(f"einsum: subscripts {terms[k]!r} name {least}"
                                 f"{len(terms[k].replace('...', ''))} dims, but operand {k} "
                                 f"has shape {x.shape} ({x.ndim} dims)")
            own: dict[str, int] = {}
            plain = plain and len(set(s)) == len(s)
            for c, n in zip(s, x.shape):
                if own.setdefault(c, n) != n:  # (a diagonal: one length, as NumPy and torch)
                    raise ValueError(f"einsum: {subscripts!r}: a letter repeated in an operand "
                                     f"of shape {x.shape} names axes of lengths {own[c]} and "
                                     f"{n}")
                m = sizes.setdefault(c, n)
                if m != n and not (broadcast and 1 in (m, n)):
                    if who:  # (dot, inner: their own subscripts would mean nothing to the user)
                        raise ValueError(f"{who}: shapes {' and '.join(str(y.shape) for y in xs)}"
                                         f": an axis has length {m} in one place and {n} in "
                                         "another")
                    what = f"subscript {c!r}" if c in subscripts else "an axis under '...'"
                    raise ValueError(f"einsum: {subscripts!r}: an axis has length {m} in one "
                                     f"place and {n} in another"
                                     + (" (only length 1 broadcasts)" if broadcast else "")
                                     + f": {what}, operand {k} of shape {x.shape}")
                if m != n:
                    plain = False
                if m == 1:
                    sizes[c] = n
        shape = [sizes.get(c, 0) for c in out]  # (an unknown letter: np.einsum's refusal)
        if math.prod(shape) > 1 << 24:  # (tensordot's, outer's: weighed before NumPy allocates)
            check_alloc(lambda: f"einsum {subscripts!r} of {[x.shape for x in xs]}", shape,
                        np.result_type(*xs))
        ctx.ins, ctx.out = ins, out
        ctx.sizes = sizes if plain and _pays(ins, out, sizes) else None
        need = ctx.needs_input_grad  # operand i is read by the others' gradients only: saved
        n = sum(map(bool, need))  # where one of them is needed (torch's)
        ctx.shapes = [x.shape for x in xs]
        ctx.save_for_backward(*(x if n - bool(k) else None for x, k in zip(xs, need)))
        if len(xs) == 1 and xs[0].dtype.kind in "biu" and set(ins[0]) - set(out) and \
                int_sum_dtype(xs[0].dtype):
            # a sum within one bool or integer operand ("i->", "ij->i", "ii->"): int64, as
            # torch's and this package's sum() (NumPy's einsum kept bool: True, not the count);
            # cast as it reads (an int64 copy of the operand first: 8x a bool mask, 4x slower)
            return np.asarray(np.einsum(f"{ins[0]}->{out}", xs[0],
                                        dtype=int_sum_dtype(xs[0].dtype)))
        return np.asarray(_contract(f"{','.join(ins)}->{out}", xs, ctx.sizes))

    def backward(ctx, g):
        xs, ins, out = ctx.saved, ctx.ins, ctx.out
        grads = []
        for i, (s, shape) in enumerate(zip(ins, ctx.shapes)):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(t, y) for j, (t, y) in enumerate(zip(ins, xs)) if j != i]
            unique = "".join(dict.fromkeys(s))
            seen = out + "".join(t for t, _ in others)
            kept = "".join(c for c in unique if c in seen)
            spec = ",".join([out] + [t for t, _ in others]) + "->" + kept
            part = _contract(spec, [g] + [y for _, y in others], ctx.sizes)
            # letters summed away inside operand i alone: every element got the same gradient
            part = np.expand_dims(part, tuple(k for k, c in enumerate(unique) if c not in kept))
            own = dict(zip(s, shape))
            # an axis of length 1 here that the others stretched: its gradient summed back
            stretched = tuple(k for k, c in enumerate(unique)
                              if own[c] == 1 and part.shape[k] != 1)
            if stretched:
                part = part.sum(stretched, keepdims=True)
            part = np.broadcast_to(part, tuple(own[c] for c in unique))
            if len(unique) == len(s):
                gi = np.transpose(part, [unique.index(c) for c in s]) if unique != s else part
            else:  # a repeated letter: only the diagonal elements were read
                gi = np.zeros(shape, dtype=g.dtype)
                np.einsum(f"{s}->{unique}", gi)[...] = part  # a writeable view (NumPy >= 1.10)
            grads.append(np.array(gi, dtype=g.dtype))  # fresh: the engine may add into it
        return tuple(grads)


class Diag(Function):
    """np.diag: a 1-D x -> the 2-D matrix with x on diagonal k; a 2-D x -> its diagonal k."""

    def forward(ctx, x, k=0):
        if x.ndim not in (1, 2):
            raise ValueError(f"diag needs a 1-D or 2-D input, got shape {x.shape}")
        ctx.shape, ctx.k = x.shape, k
        if x.ndim == 1:  # (the matrix, before NumPy allocates it)
            check_alloc(lambda: f"diag: a vector of {len(x)} on diagonal {k}",
                        (len(x) + abs(k),) * 2, x.dtype)
        return np.diag(x, k).copy()  # np.diag of a matrix is a read-only view

    def backward(ctx, g):
        if len(ctx.shape) == 1:
            return np.diag(g, ctx.k).copy()
        out = np.zeros(ctx.shape, dtype=g.dtype)
        i, k = np.arange(g.shape[0]), ctx.k
        out[i + max(-k, 0), i + max(k, 0)] = g
        return out


class Diagonal(Function):
    """np.diagonal(x, offset, axis1, axis2): the diagonal of the (axis1, axis2) planes as a new
    last axis. The gradient is written back onto that diagonal (zeros elsewhere)."""

    def forward(ctx, x, offset=0, axis1=0, axis2=1):
        out = np.diagonal(x, offset, axis1, axis2).copy()  # np.diagonal is a read-only view
        out.flags.writeable = False  # a copy: a write (torch's `d.add_(eps)`, a view there)
        # would be lost without a word; read-only, it raises, as NumPy's view does
        ctx.shape, ctx.offset = x.shape, offset
        ctx.axes = axis1 % x.ndim, axis2 % x.ndim
        return out

    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        plane = np.moveaxis(out, ctx.axes, (-2, -1))  # a view: writes land in out
        i, k = np.arange(g.shape[-1]), ctx.offset
        plane[..., i + max(-k, 0), i + max(k, 0)] = g
        return out


class Tril(Function):
    """The lower triangle (on and below diagonal k) of the last two axes; the rest is 0."""

    def forward(ctx, x, k=0):
        ctx.k = k
        return np.tril(x, k)

    def backward(ctx, g):
        return np.tril(g, ctx.k)


class Triu(Function):
    """The upper triangle (on and above diagonal k) of the last two axes; the rest is 0."""

    def forward(ctx, x, k=0):
        ctx.k = k
        return np.triu(x, k)

    def backward(ctx, g):
        return np.triu(g, ctx.k)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def dot_subscripts(nx: int, ny: int) -> str:
    """np.dot as einsum: sum over x's last axis and y's second-to-last (its only, if 1-D);
    a 0-d operand multiplies elementwise."""
    if nx == 0 or ny == 0:
        a, b = _LETTERS[:nx], _LETTERS[13:13 + ny]
        return f"{a},{b}->{a}{b}"
    a = _LETTERS[:nx - 1] + "z"
    if ny == 1:
        return f"{a},z->{a[:-1]}"
    b = _LETTERS[13:13 + ny - 2] + "z" + "y"
    return f"{a},{b}->{a[:-1]}{b[:-2]}y"


def sublist_subscripts(args: tuple) -> tuple[str, list]:
    """np.einsum's sublist form -> its subscripts string and operands:
    (a, [0, 1], b, [1, 2], [0, 2]) -> ("ab,bc->ac", [a, b]). Axis labels are ints in 0..51
    (letters a-z, A-Z) or Ellipsis; the output sublist is optional."""
    ops, subs = list(args[0::2]), list(args[1::2])
    if len(subs) == len(ops):  # no output sublist
        out = None
    else:
        ops, out = ops[:-1], args[-1]
        subs = subs[:len(ops)]
    if not ops or len(subs) != len(ops):
        raise ValueError("einsum: the sublist form is einsum(x, [0, 1], y, [1, 2], [0, 2]): "
                         "operands and their axis lists in turn, then optionally the output's")

    def term(sub: Any) -> str:
        try:
            labels = list(sub)
        except TypeError:
            raise ValueError(f"einsum: {sub!r} is not a list of axis labels") from None
        text = ""
        for s in labels:
            if s is Ellipsis:
                text += "..."
            elif isinstance(s, (int, np.integer)) and 0 <= s < 52:
                text += string.ascii_letters[int(s)]
            else:
                raise ValueError(f"einsum: axis label {s!r} must be an int in [0, 52) or ...")
        return text

    spec = ",".join(term(s) for s in subs)
    if out is not None:
        spec += "->" + term(out)
    return spec, ops


def _square(who: str, a: np.ndarray) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{who}: expects square matrices (*, n, n), got shape {a.shape}")
    lapack_dtype(who, a.dtype, a.shape)


def _cofactors(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix of each matrix (d det / dA), singular ones too: from the SVD
    A = U diag(s) Vh, det(U) det(Vh) U diag(prod of the other s) Vh (no division by s).
    A matrix with a NaN or inf gets NaNs (torch's NaN; NumPy's SVD of it raises), but for a
    1 x 1 one, whose cofactor is 1 whatever its entry (torch's too)."""
    if a.shape[-1] == 1:
        return np.ones_like(a)
    bad = ~np.isfinite(a).all((-2, -1))[..., None, None]
    u, s, vh = np.linalg.svd(np.where(bad, 0.0, a).astype(a.dtype, copy=False))
    n = s.shape[-1]
    ones = np.ones(s.shape[:-1] + (1,), s.dtype)
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)  # prod of s[:i]
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(s, -1)[..., :-1]], -1), -1), -1)
    others = left * right if n else s
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return np.where(bad, np.nan, sign[..., None, None] * (u * others[..., None, :]) @ vh)


class Det(Function):
    """The determinant of each (n, n) matrix (np.linalg.det, torch.det). The gradient is the
    cofactor matrix, computed from the SVD so that singular matrices get theirs too (as
    torch's), not det A^-T."""

    def forward(ctx, a):
        _square("det", a)
        ctx.save_for_backward(a)
        bad = ~np.isfinite(a).all((-2, -1))
        safe = np.where(bad[..., None, None], np.eye(a.shape[-1], dtype=a.dtype), a)
        out = np.asarray(np.linalg.det(safe if bad.any() else a))
        if bad.any():  # torch's LU for matrices with NaN or inf (NumPy's gave 0 for some)
            out[bad] = lu_det_array(a[bad])[0]
        return out

    def backward(ctx, g):
        (a,) = ctx.saved
        return np.asarray(g)[..., None, None] * _cofactors(a)


class Inverse(Function):
    """The inverse of each (n, n) matrix (np.linalg.inv, torch.inverse); a singular one is
    refused, as torch's. The gradient is -A^-T g A^-T."""

    def forward(ctx, a):
        _square("inverse", a)
        bad = ~np.isfinite(a).all((-2, -1))  # matrices with NaN or inf entries
        eye = np.eye(a.shape[-1], dtype=a.dtype)
        safe = np.where(bad[..., None, None], eye, a) if bad.any() else a
        try:  # (np.linalg.inv: the fast path; lapack_solve's fallback where it raised)
            out = np.linalg.inv(safe)
        except np.linalg.LinAlgError:
            out = lapack_solve(safe, np.broadcast_to(eye, a.shape))
            if out is None:
                raise LinAlgError(f"inverse: a matrix of the input (shape {a.shape}) is "
                                  "singular: it has no inverse") from None
        if bad.any():  # torch's LU path for those: NumPy's left finite entries beside NaNs
            x, info = lu_solve_array(a[bad], np.broadcast_to(eye, a[bad].shape))
            if (info > 0).any():
                raise LinAlgError(f"inverse: a matrix of the input (shape {a.shape}) is "
                                  "singular: it has no inverse")
            out[bad] = x
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        (inv,) = ctx.saved
        t = np.swapaxes(inv, -1, -2)
        return -(t @ g @ t)
