"""`torch.autograd.function`'s names, so that `from torch.autograd.function import
once_differentiable` (and `Function`, `FunctionCtx`) port as they are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import Function, FunctionCtx

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


def once_differentiable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """torch's decorator for a custom backward whose own ops need no graph: every backward
    here runs so (on constants, recording off; create_graph=True is refused), so it returns
    `fn` as it is."""
    return fn
