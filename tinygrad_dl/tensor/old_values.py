"""The old value of a recorded in-place write (tensor/rebase.py, tensor/copy_slices.py) kept
only while backward needs it.

A write `h[:, 0] += b` (or `h += b`, `h[:, t] = v`, `v = h[0]; v.add_(1)`) rebases h onto a new
tensor `old` holding a copy of h's values, from which the write's ops are made out of place.
Once they are made, the copy is read again only by an op that SAVED it (or a view of it) for its
backward, which only an op that took it (or a view of it) as an input can have done: `h *= w`
(Mul keeps its inputs), `h.pow_(2)`. Backward needs of
`old` itself only its shape and dtype (the gradient's checks, unbroadcast, the hooks moved onto
it), as of any op's input. So where none of the write's ops holds the copy, it is released:
`old` (and each view of it the write made, `old.reshape(-1)` of a gather) keeps its shape and
dtype over one NaN, a read-only zero-stride array: a value read of it (printing
`h.grad_fn.parents[0]`, a `values=True` graph drawing) shows NaN, never a plausible number.
Twenty such writes into a 1000 x 1000 float64 h held 160 MB until backward, now the regions
(and, for whole writes, one copy the next write reuses: `copy_of`).

A write through a view (CopySlices) reads of the old value only the region (a gather) and,
in IndexPut's forward, the rest: no op of it saves the old value, so it takes no copy at all
but reads the base's own array until the write, and is released before it.

Kept as it was during a jit recording (which knows `old` by its array's id, an id a freed
array would hand to the next one) and inside a tinygrad_dl.func transform.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

import numpy as np

from .. import hooks


def _sole_count() -> int:
    """What sys.getrefcount gives, in this Python, for an array a local alone holds (`a` in
    release); not a constant: 3.14 borrows references on its stack (grad._calibrate's rule)."""
    a = np.empty(1)
    return sys.getrefcount(a)


_SOLE = _sole_count()

# the copy the last write released, for the next write's copy (see copy_of): one array in all,
# with a weak reference to the tensor written, which lets it go when that tensor goes
_spare: list[tuple[np.ndarray, Any]] = []

# what an op keeps on its ctx besides arrays: numbers, names, shapes, dtypes, index parts
_PLAIN = (type(None), bool, int, float, complex, str, bytes, slice, type(Ellipsis), type,
          np.generic, np.dtype)


def releasable(a: np.ndarray) -> bool:
    """May the old value whose values are `a` be released (a float or complex array, not
    empty, no jit recording nor func transform listening)?"""
    return a.dtype.kind in "fc" and a.size > 0 and not (hooks.active and (
        hooks.attached.recorder is not None or hooks.attached.transform is not None))


def copy_of(a: np.ndarray) -> np.ndarray:
    """a.copy() (C order), written into the copy the last write released where it has a's
    shape and dtype. A copy of h's size made and freed per write was faulted in again each time
    (freed memory goes back to the system): 16 `h += b` on 400 x 400 took 40% longer than
    keeping every copy, 5 times as long as reusing one."""
    try:
        s = _spare.pop()[0]  # (one list op: another thread may have taken it since)
    except IndexError:
        return a.copy()
    if s.shape == a.shape and s.dtype == a.dtype:
        np.copyto(s, a)
        return s
    return a.copy()


def _drop(ref: Any) -> None:
    """The tensor whose write released the spare is gone: so is the spare."""
    for entry in _spare[:]:
        if entry[1] is ref:
            _spare.clear()


def release(old: Any, tops: tuple[Any, ...], first: int, keep: Any = None) -> bool:
    """Give `old` (the written tensor's old value, read by the write's ops: those made from
    `first` on, below `tops`) a stand-in of its shape and dtype, unless one of those ops keeps
    its array (or a view of it) for backward; views of it the write made go alike. Returns
    whether it did. keep: the tensor written, while it lives old's array (a copy_of) is kept
    for the next write's copy, where nothing else holds it."""
    a = old.data
    if not releasable(a):
        return False
    views = []
    for x in made_since(tops, first):
        ctx = x._ctx
        if _reads(ctx, a):  # (an op that read none of a's memory cannot have kept it)
            for k, v in ctx.__dict__.items():
                if k != "graph" and _holds(v, a, 0):  # (graph: the write guard's Graph of
                    return False  # saved arrays, a saved one is in `saved` too)
            if _holds(ctx.params, a, 0):
                return False
        if x.data is not a and np.may_share_memory(x.data, a):
            views.append(x)
    old.data = stand_in(a)
    for x in views:
        x.data = stand_in(x.data)
    if keep is not None and a.base is None and a.flags.c_contiguous and a.flags.writeable and (
            sys.getrefcount(a) == _SOLE):  # (no view, no op, no user holds it)
        _spare[:] = [(a, weakref.ref(keep, _drop))]  # (the ref replaced: its callback is off)
    return True


def made_since(tops: Any, first: int) -> list[Any]:
    """The op results below `tops` (through their inputs) whose ops are numbered `first` or
    later: a write's own ops (and those of its operand since the written tensor's op)."""
    todo, seen, found = list(tops), set(), []
    while todo:
        x = todo.pop()
        ctx = x._ctx
        if ctx is None or ctx.made < first or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        found.append(x)
        todo.extend(ctx.parents)
    return found


def _reads(ctx: Any, a: np.ndarray) -> bool:
    """Did the op take an input sharing a's memory (old itself, a view of it)?"""
    for p in ctx.parents:
        if np.may_share_memory(p.data, a):
            return True
    return False


# dtype -> the one read-only NaN every stand-in of that dtype shows (refuse_released knows it)
_NAN: dict[np.dtype, np.ndarray] = {}


def stand_in(a: np.ndarray) -> np.ndarray:
    """A read-only array of a's shape and dtype, every element one NaN (no memory of a's size)."""
    nan = _NAN.get(a.dtype)
    if nan is None:
        nan = _NAN[a.dtype] = np.full((), np.nan, a.dtype)
        nan.flags.writeable = False
    return np.broadcast_to(nan, a.shape)


def refuse_released(t: Any, op: str) -> None:
    """One line for a write into a released old value (`h.grad_fn.parents[0].add_(1)`, or
    into a view of it), whose array is a stand-in: NumPy's "assignment destination is
    read-only" said neither the op nor why."""
    nan = _NAN.get(t.data.dtype)
    if nan is not None and np.shares_memory(t.data, nan):
        raise RuntimeError(f"{op}: this tensor is the old value of an in-place write (an input "
                           "of its grad_fn), whose values were released after that write (it "
                           "reads NaN; tensor/old_values.py); write into the tensor written, "
                           "or a clone() made before the write")


def _holds(v: Any, a: np.ndarray, depth: int) -> bool:
    """May `v` (something an op kept) reach a's memory? True also where it cannot tell (an
    object of another kind, a container nested deep): the copy is then kept, the safe path."""
    kind = type(v)
    if kind is np.ndarray:
        return np.may_share_memory(v, a)
    if isinstance(v, _PLAIN):
        return False
    if depth > 3:
        return True
    if kind is tuple or kind is list:
        for x in v:
            if _holds(x, a, depth + 1):
                return True
        return False
    if kind is dict:
        return _holds(tuple(v.values()), a, depth)
    if isinstance(v, np.ndarray):  # (a subclass: a jit's watched array)
        return np.may_share_memory(v, a)
    data = getattr(v, "data", None)  # (a Tensor an op kept)
    if isinstance(data, np.ndarray) and hasattr(v, "_ctx"):
        return np.may_share_memory(data, a)
    return True
