"""The tensor each unrecorded view was taken of, while the view lives.

An op on constants records nothing (engine.Function.apply), so `r = c[0]` of a constant `c`
keeps no history that leads back to `c`; a write that requires grad through `r` (`r.add_(x)`,
Python's `c[0] += x`) must still be recorded on `c`, as torch's view of a constant is
(tensor/constant_writes.py). write_guard.hold_viewed notes each such view here: the view's
`_view_of` slot names the constant (the view keeps it alive, as torch's view keeps its base),
and a weak reference of the view goes into a list that `views_below` reads (pruned of dead ones
as it grows), for a constant's views only (a view under no_grad() of a parameter needs none).
About 0.1 us per unrecorded view op.
"""

from __future__ import annotations

import weakref
from typing import Any

_live: list[Any] = []  # weak references of the views noted (some dead: pruned as it grows)
_prune_at = [256]


def note(view: Any, parent: Any) -> None:
    """Remember that `view`'s array was made as a view of `parent`'s (while `view` lives): the
    constant itself, or False where parent requires grad or is an op's result (`v = w[0:2]`
    under no_grad(): its graph is not kept alive by it)."""
    if parent._ctx is not None or parent.requires_grad:  # (never written through: no
        view._view_of = False  # weak reference, which views_below would only skip)
        return
    view._view_of = parent
    _live.append(weakref.ref(view))
    if len(_live) > _prune_at[0]:
        _live[:] = [r for r in _live if r() is not None]
        _prune_at[0] = 2 * len(_live) + 256


def parent(view: Any) -> Any:
    """The constant `view` was taken of by an unrecorded view op, or None."""
    p = getattr(view, "_view_of", None)
    return None if p is None or p is False else p


def of_grad(view: Any) -> bool:
    """Was `view` taken, unrecorded (under no_grad()), of a tensor that requires grad or of an
    op's result?"""
    return getattr(view, "_view_of", None) is False


def views_below(root: Any) -> list[Any]:
    """The live noted views taken of `root`, and views of them: one pass, as the list is in
    the order of making (a view is noted after the view it was taken of)."""
    ids, found = {id(root)}, []
    for r in _live:
        if (v := r()) is not None and id(v._view_of) in ids:  # (a noted view's: a constant)
            ids.add(id(v))
            found.append(v)
    return found
