"""In-place writes of a value that requires grad into a CONSTANT (a tensor with no history that
requires no grad), recorded as PyTorch records them: `out = tg.zeros(3, 3); out[0] = x[0] * 2`,
`out[1] += x[1]`, `c.add_(x)`, `c.copy_(x)`, `c[mask] = v`, `w = out[1]; w.add_(v)`.

The constant is a base with no history: `old` is a constant holding its values, the write is
rebuilt out of place on it and recorded (tensor/rebase.py for the tensor itself,
tensor/copy_slices.py for a view of it: CopySlices), the values go into its array (aliases see
them), and it takes the new op and requires grad (`is_leaf` False), as torch's. A view of a
constant keeps no history (its op was not recorded): view_bases remembers which tensor each
such view was taken of, so a write through it reaches that tensor, and the other live views of
it (`r = c[0:2]` taken before `c.add_(x)`) read "their region of the new values" afterwards.
An op made before the write that read the constant or such a view keeps reading the old values
as a constant when it is part of the written value's own graph (`c[1] = x + c[0]`); any other
such op (`y = w + c * 2` before `c.add_(x)`) is given the old constant at backward
(detached.redirect), so no gradient goes through it, as torch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import tensor, view_bases, write_guard
from . import copy_slices, rebase


def target(t: Any, op: str, other: Any) -> None:
    """Checks before a write of `other` (requiring grad, in grad mode) into the constant t is
    recorded: one line where it cannot be (a view taken under no_grad of a tensor that requires
    grad, as torch refuses it; a broadcast view; an array a live graph saved)."""
    base = copy_slices.base_of(t)
    root = t if base is None else base
    cur: Any = t
    while cur is not None and not view_bases.of_grad(cur):
        cur = view_bases.parent(cur)
    if cur is not None or root.requires_grad or root._ctx is not None:  # (`with no_grad():
        # v = w[0:2]`)
        raise RuntimeError(
            f"{op}: this tensor is a view taken under no_grad() of a tensor that requires grad, "
            "and is written with a value that requires grad in grad mode (torch refuses it: "
            "ambiguous); take the view in grad mode, or write the update out of place")
    if base is not None:
        copy_slices.check(t, base, op, other)
    else:
        rebase.refuse_shared(t, op)
        if write_guard.writable(t, op, check_only=True) is not t.data and _views(t):
            raise RuntimeError(  # (t would get a copy of its array: its views would not see it)
                f"{op}: this constant's array (shape {t.data.shape}) is held by a live graph for "
                "backward, so the write would go to a copy that its views taken before would "
                "not see (torch's write reaches them); write out of place (`c = c + x`), or "
                "take the views after the write")


def record(t: Any, base: Any, op: str, other: Any, values: np.ndarray,
           rebuild: rebase.Rebuild) -> None:
    """Record the write that gave `values` on a copy of the constant t's array: on t itself
    (base None), or on `base`, the constant t is a view of (CopySlices)."""
    root = t if base is None else base
    stale = _views(root)
    _fork(other, {id(x): x for x in stale + [root]})
    for v in stale:  # (refresh, at the end of either record, gives them their region)
        copy_slices.follow(v, root, None)
    if base is None:
        rebase.record(t, op, values, rebuild)
        copy_slices.refresh(t)
    else:
        copy_slices.record(t, base, op, values, rebuild)


def _views(root: Any) -> list[Any]:
    """The live views of root taken without a record (and views of them)."""
    found: list[Any] = []
    ids = {id(root)}
    while more := [v for v in view_bases.views_of(ids) if id(v) not in ids]:
        found += more
        ids.update(id(v) for v in more)
    return found


def _fork(value: Any, swaps: dict[int, Any]) -> None:
    """The ops of the written value's graph that read the constant or one of its views (made
    before the write, `x + c[0]` of `c[1] = x + c[0]`) read a constant copy of it instead: they
    used its old values, and torch's edges sent it no gradient (the write's new history would
    otherwise reach them)."""
    if not isinstance(value, tensor.Tensor) or value._ctx is None:
        return
    copies: dict[int, Any] = {}
    todo, seen = [value], set()
    while todo:
        ctx = todo.pop()._ctx
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        parents = ctx.parents
        if any(swaps.get(id(p)) is p for p in parents):
            ctx.parents = tuple(_copy(p, copies) if swaps.get(id(p)) is p else p
                                for p in parents)
        todo.extend(parents)


def _copy(p: Any, copies: dict[int, Any]) -> Any:
    """A constant holding p's values now (one per tensor)."""
    if id(p) not in copies:
        copies[id(p)] = type(p).from_result(p.data.copy())
    return copies[id(p)]
