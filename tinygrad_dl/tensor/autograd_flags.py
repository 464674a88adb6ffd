"""A tensor's place on the autograd graph, in PyTorch's words: requires_grad_, grad_fn,
clone (a copy that keeps the gradient flowing), detach_ and is_inference. (detach,
backward and retain_grad are the class core's.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import detached, engine
from ..ops import Clone
from .layout import c_order

if TYPE_CHECKING:
    from . import Tensor


class AutogradMethods:
    """Graph flags (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    def clone(self, memory_format: Any = None) -> Tensor:
        """A copy of the values that keeps the gradient flowing (the op Clone)."""
        c_order(memory_format, "clone")
        return Clone.apply(self)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad on this leaf, in place; returns the tensor."""
        if self._ctx is not None:
            if requires_grad:
                return self
            raise RuntimeError("requires_grad_(False) on a tensor computed by an op: only a "
                               "leaf's flag can change; use x.detach() for a constant copy")
        if requires_grad and self.data.dtype.kind != "f":  # as __init__: complex too
            raise TypeError(f"requires_grad_: only real floating-point tensors can require "
                            f"grad, got dtype {self.data.dtype}; cast with .astype(np.float64)")
        self.requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self) -> engine.Function | None:
        """The op that made this tensor (None for a leaf): its `.name`, and `next_functions`
        (the ops that made its inputs)."""
        return self._ctx

    def detach_(self: Tensor) -> Tensor:
        """torch's x.detach_(): x cut from its graph in place, a leaf that requires no grad.
        An op that used x before stays on x's graph in torch; here its backward is refused in
        one line (it would stop at x without a word)."""
        detached.detach_in_place(self, next(engine.made_count))
        return self

    def is_inference(self: Tensor) -> bool:
        """torch's x.is_inference(): False (inference_mode here is no_grad: its tensors are
        ordinary ones)."""
        return False
