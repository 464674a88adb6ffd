"""In-place on a VIEW of an op's result, recorded as PyTorch's CopySlices (`h[i] += v`,
`h[:, 0] *= 2`, `v = h[0]; v.add_(1)`, `h.T.mul_(2)`, `h.view(-1).relu_()`, `h[1:].zero_()`).

A view here is a result of one of PyTorch's view ops (basic indexing, reshape / view / flatten /
squeeze, transpose / permute / T, expand) whose NumPy array shares memory with its input's:
the chain of such views is walked to its root, the base `b` (an op's result that requires
grad; a leaf that requires grad keeps today's rule: only under no_grad). A write through the
view `w` is recorded on the base: `b` is rebased onto `b_old` with the view's region replaced by
op(view of b_old) (a gather of the region, the op out of place, an IndexPut that puts it back:
each gradient exact, only the region's positions kept), the values are written into b's array
(which w's array aliases), and w is rebased onto "the region of b_new". Which element of b
each element of w is comes from the arrays' memory (`positions`), not from the op names: a
reshape that copied (of a transposed array) is no view, and a write into it stays its own, as
torch's reshape copy.

Other live views of b (`y = h[0]` taken before `h[0] += 1`) see the new values (they alias the
array, as torch's); their histories still read b through an op made before the write, so a
backward through them raises one line (detached.redirect), where torch regenerates their
grad_fn from its version counter: the safe path, not the recomputation.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import detached, engine, tensor, tensor_hooks, view_bases, write_guard
from ..grad import self_overlapping
from ..ops.index_put import IndexPut
from . import old_values, rebase

# id(view) -> (view, its base, the base's op) for the views `record` rebased, while they live
current: dict[int, tuple[Any, Any, Any]] = {}

# the ops whose results are views of their input in torch and NumPy alike (a Diagonal, an
# unfold, an as_strided result is a read-only copy here: refused by rebase.refuse_view)
THROUGH = frozenset({"GetItem", "Reshape", "Transpose", "BroadcastTo"})


def base_of(t: Any) -> Any:
    """The root tensor whose array t's array is a view of, through a chain of view ops (None
    where t's array is its own: an advanced index's or a copying reshape's result)."""
    cur = t
    while (p := _up(cur)) is not None:
        cur = p
    return None if cur is t else cur


def _up(t: Any) -> Any:
    """The tensor t is a view of, one step up (None where t's array is not a view of its
    op's input, or of its base's for a view a write rebased: a gather of that base)."""
    seen = current.get(id(t)) if current else None
    if seen is not None and seen[0]() is t:
        p = seen[1]()
    elif t._ctx is None:  # (a view of a constant, taken unrecorded: constant_writes)
        p = view_bases.parent(t)
    elif t._ctx.name not in THROUGH:
        return None
    else:
        p = t._ctx.parents[0]
    return p if p is not None and _views(t.data, p.data) else None


def _views(a: np.ndarray, b: np.ndarray) -> bool:
    """Is a a view of b's memory (the same dtype)?"""
    return a.dtype == b.dtype and np.may_share_memory(a, b) and np.shares_memory(a, b)


def is_current_view(value: Any, t: Any) -> bool:
    """Is `value` a view of t's root base made (or rebased) since that base's op: its history
    is "the base's region", so `t[idx] = value` over the same memory changes nothing (the end
    of Python's `t[i] += v`)?"""
    root = base_of(t)
    root = t if root is None else root
    seen = current.get(id(value))
    if seen is not None and seen[0]() is value and seen[1]() is root and seen[2] is root._ctx:
        return True  # (rebased by `record` below)
    if root._ctx is None or base_of(value) is not root:
        return False
    made, cur = root._ctx.made, value
    while cur is not root:
        if cur._ctx.made < made:
            return False
        cur = _up(cur)
    return True


def same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    """Are a and b the same elements of one memory (a view of t's region and t[idx])?"""
    return (a.dtype == b.dtype and a.shape == b.shape and a.strides == b.strides
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def positions(view: np.ndarray, base: np.ndarray) -> np.ndarray | None:
    """For each element of `view`, the flat (C-order) index of the element of `base` at its
    memory; None where some element is not one of base's (a different dtype, a gap)."""
    size = base.itemsize
    if view.dtype != base.dtype or self_overlapping(base):
        return None
    lo_b, hi_b = _bounds(base)
    lo_v, hi_v = _bounds(view)
    if lo_v < lo_b or hi_v > hi_b or any(s % size for s in view.strides + base.strides) or (
            (lo_v - lo_b) % size):
        return None
    if base.flags.c_contiguous:  # (an element's flat index is its byte offset: no scratch of
        return _offsets(view, (view.__array_interface__["data"][0] - lo_b) // size, size)
    buf = np.full((hi_b - lo_b) // size, -1, np.int64)  # base's size, freed and re-faulted

    def laid(a: np.ndarray) -> np.ndarray:  # a's layout over buf (8-byte items)
        start = (a.__array_interface__["data"][0] - lo_b) // size
        return as_strided(buf[start:], a.shape, tuple(s // size * 8 for s in a.strides))

    laid(base)[...] = np.arange(base.size, dtype=np.int64).reshape(base.shape)
    pos = laid(view).copy()
    return None if (pos < 0).any() else pos


def _offsets(view: np.ndarray, start: int, size: int) -> np.ndarray:
    """For each element of `view`, its offset from element `start` in items of `size` bytes."""
    pos = np.full(view.shape, start, np.int64)
    for axis, (n, s) in enumerate(zip(view.shape, view.strides)):
        if n > 1:
            pos += (np.arange(n, dtype=np.int64) * (s // size)).reshape(
                (1,) * axis + (n,) + (1,) * (view.ndim - axis - 1))
    return pos


def _bounds(a: np.ndarray) -> tuple[int, int]:
    """The lowest and one-past-highest byte address of a's elements."""
    p = a.__array_interface__["data"][0]
    lo = p + sum((n - 1) * s for n, s in zip(a.shape, a.strides) if s < 0)
    hi = p + sum((n - 1) * s for n, s in zip(a.shape, a.strides) if s > 0) + a.itemsize
    return lo, hi


def check(t: Any, base: Any, op: str, other: Any = None) -> None:
    """One line where the write through view t into base cannot be recorded: a broadcast
    view whose elements share memory, an operand partly overlapping it (torch's words), or
    an array a live graph saved."""
    if isinstance(other, tensor.Tensor) and np.shares_memory(other.data, t.data) and not (
            same_memory(other.data, t.data)):
        raise RuntimeError(f"{op}: unsupported operation: some elements of the input tensor "
                           "and the written-to tensor refer to a single memory location (as "
                           "torch refuses it); write into a clone() of the input, "
                           "`h[0:3] += h[1:4].clone()`")
    if self_overlapping(t.data):
        raise RuntimeError(f"{op}: unsupported operation: more than one element of the "
                           f"written-to tensor (an expand()/broadcast_to() view of shape "
                           f"{t.data.shape}) refers to a single memory location, as torch "
                           "refuses it; write into its base, or into a clone()")
    rebase.refuse_shared(base, op)
    if t._ctx is not None:  # (a constant's view, constant_writes': taken unrecorded)
        rebase.refuse_view(t, op, copies_only=True)  # (unfold(): a view of a gathered copy)
    cur = t
    while True:
        if write_guard.writable(cur, op, check_only=True) is not cur.data:
            raise RuntimeError(f"{op}: this view's base (shape {base.data.shape}) or the view "
                               "is held by a live graph for backward, which the write would "
                               "change (torch raises at that backward); write out of place, "
                               "`h = h.clone(); h[i] += v`, or before that op used it")
        if cur is base:
            return
        cur = _up(cur)


def record(t: Any, base: Any, op: str, values: np.ndarray, rebuild: rebase.Rebuild) -> None:
    """Record the write that gave `values` on a copy of view t's array as CopySlices on base:
    base becomes `base_old` with t's region replaced by rebuild(region of base_old)."""
    pos = positions(t.data, base.data)
    if pos is None or not _distinct(pos, base.data.size):
        raise RuntimeError(f"{op}: this view's elements (shape {t.data.shape}) are not distinct "
                           f"elements of its base's (shape {base.data.shape}); write into a "
                           "clone()")
    flat = pos.reshape(-1)
    alias = old_values.releasable(base.data)  # (then no copy: old reads base's array until
    old = type(base).from_result(base.data if alias else base.data.copy())  # the write, and
    old.requires_grad, old._ctx = base.requires_grad, base._ctx  # is released before it: no op
    # saves it; a constant base: constant_writes)
    first = next(engine.made_count)
    region = old.reshape(-1)[flat].reshape(t.data.shape)  # (a gather: its gradient exact)
    new = rebase.rebuilt(t, op, region, values, rebuild, first)
    if not base.data.flags.writeable:  # (writable at check(): an op of the write saved a view
        # of it, NumPy's bare "assignment destination is read-only" at the copy below before)
        raise RuntimeError(f"{op}: an op of this write saved a view of its base's array (an "
                           "operand that is a region of it, `h[0] *= h[1]`, `h[0].addcmul_(h[1], "
                           "h[2])`), which the write would change; write with the "
                           "operand's clone(), `h[0] *= h[1].clone()`")
    untouched = rebase.rebind(new, {id(base): (base, old), id(t): (t, region)},
                              old._ctx.made if old._ctx else first, first, base.data, t.data, op)
    put = IndexPut.apply(old, new, index=flat)  # (keeps the region's positions alone)
    if not old_values.release(old, (put,), first) and alias:  # (the rebuild reads the region's
        raise RuntimeError(f"{op}: an op of this write saved its base's old values, which the "
                           "write would change; write out of place")  # gather alone: never)
    np.copyto(base.data, put.data)  # (check() made sure no live graph holds base's array)
    base._ctx, base.requires_grad = put._ctx, True
    rebase.move_hooks(base, old)
    detached.note_rebased(base, old, first)
    _rebase_chain(t, base, pos)
    for v in untouched:  # (`u = h[2]` read by the operand of `h[1] += u`: refresh gives it
        follow(v, base, None)  # its region of the new base, as later writes will)
    refresh(base)


def _distinct(pos: np.ndarray, size: int) -> bool:
    """Are the flat positions `pos` (in a base of `size` elements) distinct? A small region is
    sorted (no scratch of the base's size, freed and faulted in again per write), a large one
    counted (O(n), not np.unique: 0.9 s for 500,000)."""
    if pos.size * 8 < size:
        s = np.sort(pos, axis=None)
        return not (s[1:] == s[:-1]).any()
    src = np.zeros(size, bool)
    src[pos.reshape(-1)] = True
    return np.count_nonzero(src) == pos.size


def _rebase_chain(t: Any, base: Any, pos: np.ndarray) -> None:
    """t, and each view between t and base (`h.T` of `h.T[0] += 1`), takes the history "its
    region of the new base" (a gather), as torch regenerates a view's grad_fn."""
    cur = t
    while cur is not base:
        here = pos if cur is t else positions(cur.data, base.data)
        up = _up(cur)
        if here is not None:
            view = base.reshape(-1)[here.reshape(-1)].reshape(cur.data.shape)
            cur._ctx, cur.requires_grad = view._ctx, True  # (a constant's view too)
            hooks = cur._retain
            if cur is t and type(hooks) is tensor_hooks.GradHooks and hooks.hooks:
                cur._retain = hooks.retain  # (torch never calls a view's hooks registered
                # before its write: CopySlices' path skips the view's old grad_fn)
            detached.note_rebased(cur)
            follow(cur, base, base._ctx)
        cur = up


def follow(v: Any, base: Any, ctx: Any) -> None:
    """Register v, a view of base's array whose history is "its region of base" as of base's
    op `ctx` (None: not yet), for `refresh`, while v lives."""
    key = id(v)
    current[key] = (weakref.ref(v, lambda _, k=key: current.pop(k, None)), weakref.ref(base),
                    ctx)


def refresh(base: Any) -> None:
    """After a write into base (through a view or not), the views an earlier write rebased
    (`a` of `a = h[0]; b = h[1]; a += 1; b += 1`) take "their region of the new base" too,
    as torch regenerates their grad_fn; a view never written keeps its history, and backward
    through it raises (detached.redirect)."""
    for ref, bref, ctx in list(current.values()) if current else ():
        v = ref()
        if v is None or bref() is not base or ctx is base._ctx:
            continue
        pos = positions(v.data, base.data)
        if pos is None:  # (base got a copy of its array: v keeps the old one, and its history)
            continue
        v._ctx = base.reshape(-1)[pos.reshape(-1)].reshape(v.data.shape)._ctx
        v.requires_grad = True  # (a view of a constant: constant_writes)
        detached.note_rebased(v)
        current[id(v)] = (ref, bref, base._ctx)


def skip_set(t: Any, idx: Any, value: Any) -> bool:
    """`t[idx] = value` (a recorded write) where value is a current view of t's own region at
    idx (Python's `t[i] += v` ends with `t[i] = t[i]`): nothing to write, nothing to record,
    as torch's copy of a region onto itself (recorded, t would become its own input)."""
    if not (t.requires_grad and isinstance(value, tensor.Tensor) and engine.is_grad_enabled()
            and value.data.base is not None and is_current_view(value, t)):
        return False  # (elsewhere NumPy writes the values over themselves, unrecorded)
    whole = idx if type(idx) is tuple else (idx,)  # (`...` last: t[0, 0]'s 0-d view, not
    if not any(i is Ellipsis for i in whole):  # NumPy's scalar copy)
        whole = whole + (Ellipsis,)
    try:
        target = t.data[whole]
    except (IndexError, TypeError, ValueError):
        return False
    return type(target) is np.ndarray and same_memory(target, value.data)
