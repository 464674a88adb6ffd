"""What a recording checks of `.grad`: the step's Python must leave each parameter's `.grad` as
the step found it (before its first backward()) and as each backward() left it, since a replay
redoes backward's writes into `.grad` and no other (`p.grad *= 0.5`, clipping by hand with
`np.clip(p.grad, -1, 1, out=p.grad)`, `p.grad.zero_()`, `p.grad = None`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


class GradWatch:
    """Per tensor known, its .grad as the step must leave it: (tensor, the .grad object, a copy
    of it). Known: the tensors that require grad the step holds (from its start) and the
    leaves of each backward() once it is done (`Tensor.backward` says so)."""

    __slots__ = ("known", "pending")

    def __init__(self, tensors: Iterable[Any] = ()) -> None:
        self.known: dict[int, tuple[Any, Any, Any]] = {
            id(t): _state(t) for t in tensors if t.requires_grad}
        self.pending: list[Any] = []  # the leaves of the backward running now

    def before_backward(self, leaves: list[Any]) -> Any:
        """A backward starts: the first of its leaves whose .grad the step wrote, or None.
        Backward writes them now: they are known again once it is done (a backward through
        engine.backward itself never tells, so they stay unknown)."""
        written = self.written(leaves)
        for t in leaves:
            self.known.pop(id(t), None)
        self.pending = leaves
        return written

    def after_backward(self) -> None:
        for t in self.pending:
            self.known[id(t)] = _state(t)
        self.pending = []

    def written(self, tensors: Iterable[Any] | None = None) -> Any:
        """The first of `tensors` (default: all known) whose .grad is not as known, or None."""
        for t in ([k[0] for k in self.known.values()] if tensors is None else tensors):
            known = self.known.get(id(t))
            if known is not None and not _same(t.grad, known):
                return t
        return None


def _state(t: Any) -> tuple[Any, Any, Any]:
    g = t.grad
    return (t, g, None if g is None else np.array(g, copy=True))


def _same(g: Any, known: tuple[Any, Any, Any]) -> bool:
    """t.grad is the object it was, with the same bits."""
    _, obj, copy = known
    if g is not obj:
        return False
    return g is None or (g.shape == copy.shape and g.dtype == copy.dtype
                         and g.tobytes() == copy.tobytes())
