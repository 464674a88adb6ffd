"""In-place detach (`y.detach_()`) beside the engine, hooked in as the write guard is.

A graph here runs through the tensor objects themselves: `y.detach_()` on an op's result makes
y a constant, so an op made before it, which still has y as an input, would stop its gradient at
y without a word (torch's graph keeps going to y's old inputs). So each tensor detached in place
while its graph is live is remembered (weakly, with the op count then), and backward refuses an
op made before the detach that reaches it (`engine.toposort`'s one check, on constant inputs
only). Ops made after take y as the constant it now is; `h.detach_()` after backward (the RNN
idiom: the graph is freed) is not remembered.

An in-place op recorded on an op's result (`y.relu_()`: tensor/rebase.py) moves y onto a new op
made after every op before it; an op made before the write that used y (`z = y * 3` of
`z = y * 3; y.relu_()`) still has y as its input, and its gradient would flow through the write,
and too late. So each version of y is remembered (`old`, the tensor that took y's op at the
write) while y lives (`rebased`), and backward (`redirect`, one comparison per edge) gives such
an op the version it read, as torch's edge to y's old grad_fn: its values were computed from
it. Where that op saved y's array, the write guard already gives backward its refusal (torch's
"modified by an inplace operation"). A view of y taken before the write (`v = y[0]`) is not
redirected, nor any op's result that shares y's array (`einsum("ij->ji", y)`, a user Function
returning a view): its values changed with the write, so backward through it refuses in one
line (torch regenerates its grad_fn).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

# id -> (a weak reference, the op count then) of each tensor cut from a live graph in place
cut: dict[int, tuple[Any, int]] = {}
# id -> (a weak reference, its versions) of each live tensor an in-place op was recorded on
# (tensor/rebase.py); versions: (the write's op count, a weak reference of the tensor that
# took the op t had then), oldest first. An op that used t before the write holds t as an
# input, so the check costs nothing once they are gone (a process that once wrote
# `h.relu_()` does not pay it at every backward)
rebased: dict[int, tuple[Any, list[tuple[int, Any]]]] = {}


def note_rebased(t: Any, old: Any = None, made: int = 0, keep: bool = False) -> None:
    """Remember `t`, just rebased onto a newer op, while it lives; `old` took t's op at the
    write numbered `made` (None: a view given its region of a new base, no version kept).
    keep: hold `old` while t lives (a constant's stand-in, which no op holds)."""
    key = id(t)
    ref, versions = rebased.get(key, (None, []))
    if ref is None or ref() is not t:
        ref, versions = weakref.ref(t, lambda _, k=key: rebased.pop(k, None)), []
    if old is not None:  # (weak: the new op holds old while its graph lives, and no longer)
        versions.append((made, (lambda o=old: o) if keep else weakref.ref(old)))
    rebased[key] = ref, versions


def detach_in_place(t: Any, count: int) -> None:
    """t._ctx and requires_grad dropped (Tensor.detach_); remembered while its graph is live
    (`count`: the engine's op count now)."""
    if t._ctx is not None and not t._ctx.released:
        key = id(t)
        cut[key] = (weakref.ref(t, lambda _, k=key: cut.pop(k, None)), count)
    t._ctx, t.requires_grad = None, False


def check(t: Any, p: Any) -> None:
    """Refuse backward through t's op when its input p was detached in place after it."""
    ref, count = cut.get(id(p), (None, 0))
    if ref is not None and ref() is p and t._ctx.made < count:
        raise RuntimeError(f"backward through {t._ctx.describe()}: its input of shape "
                           f"{p.data.shape} was detached in place (detach_()) after this op "
                           "used it, which would cut its inputs' gradients without a word; "
                           "use y.detach() (a new tensor) for the ops that should not "
                           "backpropagate")


def redirect(ops: list[Any]) -> bool:
    """Give each op whose input was written in place after the op used it (rebased onto a
    newer op) the version of that input it read (True: an edge changed, walk the graph
    again). Refused in one line where no version is known or the op's result shares the
    input's array (a view, by any name), whose values the write changed."""
    changed = False
    for t in ops:
        ctx = t._ctx
        made = ctx.made
        parents = ctx.parents
        for i, p in enumerate(parents):
            c = p._ctx
            if c is None or c.made <= made:
                continue
            old = _version(p, made)
            # (any op's result on p's array, not only VIEWS': `einsum('ij->ji', y)`, a user
            # Function's `x.T`, took the write's values, not old's)
            if old is None or np.may_share_memory(t.data, p.data):
                raise RuntimeError(
                    f"backward through {ctx.describe()}: its input of shape {p.data.shape} "
                    f"was modified by an in-place operation (now the result of {c.name}) after "
                    "this op used it; write that update out of place (`y = y.relu()`, "
                    "`y = y + x`), or do it before y is used")
            ctx.parents = parents = (*parents[:i], old, *parents[i + 1:])
            changed = True
    return changed


def _version(p: Any, made: int) -> Any:
    """The version of p that an op numbered `made` read: the tensor that took p's op at the
    first write after it (None if not known or gone)."""
    ref, versions = rebased.get(id(p), (None, ()))
    if ref is None or ref() is not p:
        return None
    for when, old in versions:
        if when > made:
            return old()
    return None
