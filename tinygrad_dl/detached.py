"""In-place detach (`y.detach_()`) beside the engine, hooked in as the write guard is.

A graph here runs through the tensor objects themselves: `y.detach_()` on an op's result makes
y a constant, so an op made before it, which still has y as an input, would stop its gradient at
y without a word (torch's graph keeps going to y's old inputs). So each tensor detached in place
while its graph is live is remembered (weakly, with the op count then), and backward refuses an
op made before the detach that reaches it (`engine.toposort`'s one check, on constant inputs
only). Ops made after take y as the constant it now is; `h.detach_()` after backward (the RNN
idiom: the graph is freed) is not remembered.

An in-place op recorded on an op's result (`y.relu_()`: tensor/rebase.py) moves y onto a new op
made after every op before it; an op made before the write that used y would send its gradient
through the write, and too late: while a tensor so written lives (`rebased`), backward checks
each edge (`check_order`), one comparison each.
"""

from __future__ import annotations

import weakref
from typing import Any

# id -> (a weak reference, the op count then) of each tensor cut from a live graph in place
cut: dict[int, tuple[Any, int]] = {}
# id -> a weak reference of each live tensor an in-place op was recorded on (tensor/rebase.py):
# an op that used it before the write holds it as an input, so the check costs nothing once
# they are gone (a process that once wrote `h.relu_()` does not pay it at every backward)
rebased: dict[int, Any] = {}


def note_rebased(t: Any) -> None:
    """Remember `t`, just rebased onto a newer op, while it lives (backward checks then)."""
    key = id(t)
    rebased[key] = weakref.ref(t, lambda _, k=key: rebased.pop(k, None))


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


def check_order(ops: list[Any]) -> None:
    """Refuse backward through an op whose input was written in place (rebased onto a newer op)
    after this op used it: its gradient would flow through the write (torch raises where the
    op saved that input, "modified by an inplace operation"; here always: the safe path)."""
    for t in ops:
        made = t._ctx.made
        for p in t._ctx.parents:
            c = p._ctx
            if c is not None and c.made > made:
                raise RuntimeError(
                    f"backward through {t._ctx.describe()}: its input of shape {p.data.shape} "
                    f"was modified by an in-place operation (now the result of {c.name}) after "
                    "this op used it; write that update out of place (`y = y.relu()`, "
                    "`y = y + x`), or do it before y is used")
