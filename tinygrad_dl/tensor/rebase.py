"""In-place operators on an op's result, recorded as PyTorch records them (`out += identity`,
`h.relu_()`, `y[mask] = 0` on a tensor that requires grad, in grad mode).

The tensor's history is "rebased" onto a new node: a new tensor `old` takes over the tensor's
op (and a copy of its values), the in-place op is applied out of place through the ordinary
ops (`old.relu()`, `old + other`, an IndexPut for `t[i] = v`), cast back to the tensor's dtype
(NumPy's same_kind rule, checked before), the values are written into the tensor's own array
(NumPy aliases of `t.data` see them, as torch's storage does) and the tensor takes the new op.
Ops made after the write use the new values and send their gradient through it. An op made
BEFORE the write that used the tensor still holds it as an input: backward gives it `old`, the
version it read (`detached.redirect`, as torch's edge to the old grad_fn), or refuses in one
line where that op saved the tensor's array (the write guard, as torch) or is a view of it.
A write through a view of another tensor's array (`v = h[0]; v += 1`, `h[i] += v`) is
recorded on that tensor as torch's CopySlices (tensor/copy_slices.py).
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import detached, engine, hooks, tensor, tensor_hooks, write_guard
from ..ops.index_put import IndexPut
from . import old_values

Rebuild = Callable[[Any, np.ndarray], Any]  # (old, the values a scratch write gave) -> new
_made = operator.attrgetter("_ctx.made")

# the ops whose results are views of their input in torch (GetItem: slicing, select, narrow,
# split; Reshape: view, squeeze, flatten; Transpose: permute, T; BroadcastTo: expand); a write
# through one that shares its input's memory is recorded as CopySlices (tensor/copy_slices.py)
VIEWS = frozenset({"GetItem", "Reshape", "Transpose", "BroadcastTo", "Diagonal"})



def refuse_view(t: Any, op: str, copies_only: bool = False) -> None:
    """One line for an op's result that is a view of its input in torch but a read-only copy
    here (diagonal(), unfold(), as_strided(): the write would not reach the input, as
    torch's does), or whose array shares memory with an input other than through a view op
    (copy_slices records the views whose memory it can follow; copies_only: only the
    former, for a view of such a copy, unfold()'s transpose)."""
    ctx = t._ctx
    copied = (ctx.name in VIEWS and not t.data.flags.writeable
              and write_guard.writable(t, op, check_only=True) is t.data)
    if copied or not copies_only and any(np.may_share_memory(t.data, p.data)
                                         for p in ctx.parents):
        tip = " (for a diagonal: `x = x + eps * tg.eye(n)`)" if ctx.name == "Diagonal" else ""
        raise RuntimeError(
            f"{op}: in-place on the result of {ctx.name}, a view of its input in torch (whose "
            "write reaches that input) but not one this library's write can follow, is not "
            "supported; write the new value out of place, `v = h[0] + 1`, or "
            f"`x[i] = x[i] + v` for `x[i] += v`{tip}")


def refuse_shared(t: Any, op: str) -> None:
    """One line where another tensor shares t's array and the write would leave one of them
    wrong without a word: a `copy.copy` (the same history: its values would change under its
    graph), or a constant (`t.detach()`, a view taken under no_grad) while t's graph holds the
    array, so that t gets a copy the constant would not see (torch's write reaches it)."""
    others = write_guard.sharing(t)
    if not others:
        return
    if any(s._ctx is not None and (s is not t or id(t) not in detached.rebased) for s in others):
        # (t itself: a copy.copy of an op's result; a constant alias, `from_numpy(a)` or
        # `h.detach()`, that a recorded write gave a history is rebased, and written as torch)
        raise RuntimeError(f"{op}: this tensor shares its array and history with a copy.copy() "
                           "of it (or is one), whose values would change under its graph; "
                           "write the update out of place (`y = y + x`, `y = y.relu()`)")
    if write_guard.writable(t, op, check_only=True) is None:
        raise RuntimeError(f"{op}: this tensor's array is shared with a constant made from it "
                           "(`y.detach()`, a view of it or of y taken under no_grad(), or "
                           "`nn.Parameter(y)`) while y's graph "
                           "holds it for backward, so the write would go to a copy that constant "
                           "would not see (torch's write reaches it); write the update out of "
                           "place (`y = y + x`, `y = y.relu()`), or detach after the write")


def record(t: Any, op: str, values: np.ndarray, rebuild: Rebuild) -> None:
    """Rebase t (an op's result that requires grad) onto `rebuild(old, values)`: `values` is
    what the in-place write gave on a copy of t's array (its checks passed: dtypes, shapes)."""
    old = type(t).from_result(old_values.copy_of(t.data))  # (a copy: the new op may
    old.requires_grad, old._ctx = t.requires_grad, t._ctx  # save it, and t's array is written)
    hooks.notify_rebase(old, t, op)  # (a jitted step: old is the output of t's op, ...)
    first = next(engine.made_count)  # (the ops rebuild makes are numbered after it)
    new = rebuilt(t, op, old, values, rebuild, first)
    rebind(new, {id(t): (t, old)}, old._ctx.made if old._ctx else first, first, t.data, t.data,
           op)  # (a constant t, constant_writes': no op before)
    old_values.release(old, (new,), first, t)  # (the copy, unless an op saved it: `h *= w`;
    # kept for the next write's copy while t lives)
    np.copyto(write_guard.writable(t, op), new.data)  # (a live graph saved t's array: t gets
    t._ctx, t.requires_grad = new._ctx, True  # a copy, and that graph's backward raises naming
    # `op`, as torch's; a constant t requires grad now, as torch's)
    hooks.notify_rebase(t, new, op)  # (... and t of the new op's: replay follows the write)
    move_hooks(t, old)
    detached.note_rebased(t, old, first)  # an op that used t before reads old (backward)


def rebuilt(t: Any, op: str, old: Any, values: np.ndarray, rebuild: Rebuild, first: int
            ) -> Any:
    """`rebuild(old, values)`, the write out of place, in t's dtype and shape, an op's result
    (ops numbered from `first` on are the write's own: t must not be their input)."""
    new = rebuild(old, values)
    _refuse_self(t, op, new, first)
    if new.data.dtype != t.data.dtype:  # (`t32 += t64`: float32, as torch's)
        new = new.astype(t.data.dtype)
    if new._ctx is None:  # (`y.eq_(1)`: a comparison records nothing; t must stay an op's
        new = constant(old, new.data)  # result made now, or t became a leaf and an op that
        # used it before the write lost its inputs' gradients without a word)
    if new.data.shape != t.data.shape:  # (the scratch write refused a broadcast already)
        raise ValueError(f"{op}: the result's shape {new.data.shape} is not this tensor's "
                         f"{t.data.shape} (an in-place op cannot broadcast it)")
    return new


def move_hooks(t: Any, old: Any) -> None:
    """As PyTorch 2.13: a hook registered on t before the write hears the old value's
    gradient (it moves to `old`), retain_grad() the new one's."""
    h = t._retain
    if type(h) is tensor_hooks.GradHooks and h.hooks:
        moved = tensor_hooks.GradHooks(False)
        moved.hooks = h.hooks
        old._retain, t._retain = moved, h.retain


def rebind(new: Any, swaps: dict[int, tuple[Any, Any]], since: int, first: int,
           base: np.ndarray, written: np.ndarray, op: str) -> list[Any]:
    """The operand's ops made before the write (from `since`, the written tensor's old op)
    that read a written tensor (`tmp = h[mask]` of `h[mask] += 1`, `s = y.sum()` of
    `y += s`) read its old value, as torch's edges do: their input becomes `old` (swaps: id
    -> (tensor, old)), or their gradient would flow through the write. An op whose result is
    a view of the `base` array (`y = h[1:]` of `h[0] += y.mean()`, `h[1]` of `h[1] -=
    h[1].mean()`), whose values this write or a later one changes, is not rewritten: its
    readers here take a copy of it whose history reads `old`. Returns the views of base's
    array this write leaves as they were (`y = h[1:]` of `h[0] += ...`: copy_slices gives
    them their region of the new base); one it changed (of the `written` array) keeps its
    history, and backward through an op that read it after raises (detached.redirect)."""
    found = old_values.made_since((new,), since)
    forks: dict[int, Any] = {}  # id(a view of base) -> the copy its readers here take
    untouched = []
    for x in sorted(found, key=_made) if len(found) > 1 else found:  # (inputs first)
        ctx = x._ctx
        parents = ctx.parents
        for p in parents:
            if id(p) in swaps and swaps[id(p)][0] is p or id(p) in forks:
                break
        else:
            continue
        parents = tuple(swaps[id(p)][1] if id(p) in swaps and swaps[id(p)][0] is p
                        else forks.get(id(p), p) for p in parents)
        if ctx.made >= first or not np.shares_memory(x.data, base):
            ctx.parents = parents  # (its values are the old value's op's, for every reader)
            continue
        fork = copy.copy(ctx)  # (the same op, numbered as it: backward's order holds)
        fork.parents = parents
        forks[id(x)] = y = type(x).from_result(x.data.copy())
        y.requires_grad, y._ctx = True, fork
        hooks.notify_rebase(y, x, op)  # (a jitted step: y stands for x's op's output)
        if not np.shares_memory(x.data, written):
            untouched.append(x)
    return untouched


def _refuse_self(t: Any, op: str, new: Any, first: int) -> None:
    """One line where t itself is an operand of its own write (`y += y`, `y.addcmul_(y, y)`,
    `y[:] = y`): an op rebuild made would take t, about to be that op's result, as its input,
    a cycle whose gradient backward dropped without a word (half of `y += y`'s)."""
    todo = [new]
    while todo:
        ctx = todo.pop()._ctx
        if ctx is None or ctx.made < first:
            continue
        for p in ctx.parents:
            if p is t:
                raise RuntimeError(f"{op}: the operand is this tensor itself (`y += y`), whose "
                                   "recorded write would take it as its own input; write it "
                                   "out of place (`y = y + y`, `y = y * 2`)")
            todo.append(p)


def constant(old: Any, values: np.ndarray) -> Any:
    """The values alone (zero_, a constant fill_ / copy_ / t[i] = v): no gradient to old."""
    return old.where(np.zeros(old.data.shape, bool), tensor.Tensor.from_result(values))


def put_values(old: Any, values: np.ndarray, value: Any, put: Callable[..., None]) -> Any:
    """`t[idx] = value` out of place: `value` where the write landed, old elsewhere. Which
    entry of `value` lands where comes from the same write `put` of their positions (NumPy's
    broadcasting, a mask, a repeated index's last write): its gradient gathers them back.
    Recorded as IndexPut, which keeps only the region's positions (a `where` over t's shape
    kept three arrays of t's size per write); a value of another dtype as that `where`."""
    if not (isinstance(value, tensor.Tensor) and value.requires_grad):
        return constant_where(old, values, value, put)
    src = np.full(old.data.shape, -1, np.int64)
    put(src, np.arange(value.data.size, dtype=np.int64).reshape(value.data.shape))
    index = np.flatnonzero(src >= 0)
    if value.data.size == 0 or not index.size:  # (nothing written: t's values)
        return old.clone()
    if value.data.dtype != old.data.dtype:  # (NumPy's promotion, then rebuilt's cast)
        return value.reshape(-1)[np.maximum(src, 0)].where(src >= 0, old)
    which = src.reshape(-1)[index]
    if which.size == value.data.size and (which == np.arange(which.size)).all():
        which = None  # (each entry of value lands once, in order: backward gathers alone)
    return IndexPut.apply(old, value, index=index, which=which)


def constant_where(old: Any, values: np.ndarray, value: Any, put: Callable[..., None]) -> Any:
    """`t[idx] = constant`: the written values, old's gradient only where nothing landed."""
    src = np.full(old.data.shape, -1, np.int64)
    shape = np.shape(value.data if isinstance(value, tensor.Tensor) else value)
    put(src, np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape))
    return old.where(src < 0, tensor.Tensor.from_result(values))
