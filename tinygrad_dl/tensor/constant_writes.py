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
An op made before the write that read the constant or such a view (`x + c[0]` of
`c[1] = x + c[0]`, `r = c[0]; y = w + r` before `c.add_(x)`) is given a constant of its shape
in its place at backward (detached.redirect: a version of each, held while it lives), so no
gradient goes through it, as torch's edge; the write does not walk the written value's graph
(a loop writing into a fresh constant each step stays linear in its length).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import detached, engine, view_bases, write_guard
from . import copy_slices, old_values, rebase


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
        if write_guard.writable(t, op, check_only=True) is not t.data and view_bases.views_below(t):
            raise RuntimeError(  # (t would get a copy of its array: its views would not see it)
                f"{op}: this constant's array (shape {t.data.shape}) is held by a live graph for "
                "backward, so the write would go to a copy that its views taken before would "
                "not see (torch's write reaches them); write out of place (`c = c + x`), or "
                "take the views after the write")


def record(t: Any, base: Any, op: str, values: np.ndarray, rebuild: rebase.Rebuild) -> None:
    """Record the write that gave `values` on a copy of the constant t's array: on t itself
    (base None), or on `base`, the constant t is a view of (CopySlices)."""
    root = t if base is None else base
    stale = view_bases.views_below(root)
    made = next(engine.made_count)  # (every op that read root or a view of it: made before)
    for v in [root, *stale]:  # an op made before the write that read it (`x + c[0]` of
        detached.note_rebased(v, _constant(v), made, keep=True)  # `c[1] = x + c[0]`, or any
        # other) is given a constant at backward (detached.redirect): torch's edge sent it no
        # gradient; no walk of the value's graph (an RNN's: each write O(T))
    for v in stale:  # (refresh, at the end of either record, gives them their region)
        copy_slices.follow(v, root, None)
    if base is None:
        rebase.record(t, op, values, rebuild)
        copy_slices.refresh(t)
    else:
        copy_slices.record(t, base, op, values, rebuild)


def _constant(v: Any) -> Any:
    """A constant of v's shape and dtype standing for its old value (read for its shape alone:
    an op that saved v's array kept the array itself; write_guard)."""
    a = v.data
    return type(v).from_result(old_values.stand_in(a) if a.dtype.kind in "fc" else a.copy())
