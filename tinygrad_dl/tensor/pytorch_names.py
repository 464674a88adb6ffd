"""PyTorch's spellings for what NumPy spells otherwise: numel, dim, device, cpu/cuda, view,
view_as, t, clone, requires_grad_, grad_fn.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import engine
from ..device import CPU, check_device
from ..ops import Clone, Reshape, Transpose
from ..ops.spelling import torch_keywords
from .conversions import shape_arg

if TYPE_CHECKING:
    from . import Tensor


class PyTorchMethods:
    """PyTorch's names (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- PyTorch's spellings for what NumPy spells otherwise ---------------------------------
    device = property(lambda self: CPU)  # always the CPU (tinygrad_dl.device)
    is_cuda = property(lambda self: False)

    def numel(self) -> int: return int(self.data.size)
    def nelement(self) -> int: return int(self.data.size)
    def dim(self) -> int: return self.data.ndim
    def ndimension(self) -> int: return self.data.ndim
    def cpu(self) -> Tensor: return self

    def contiguous(self) -> Tensor:
        """PyTorch's `out.contiguous().view(-1, H)`: the tensor itself where its array is
        C-contiguous, else a copy on the graph (a Clone), as torch's: `y = x.T.contiguous()`
        then `y.add_(1)` or `y[0] = 0` changed x without a word when it was x.T itself."""
        return self if self.data.flags.c_contiguous else Clone.apply(self)

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        check_device("cuda", "Tensor.cuda()")
        return self  # not reached: check_device raised

    @torch_keywords(size="shape")
    def view(self, *shape: Any) -> Tensor:
        """PyTorch's view: same values, new shape, x's memory; where x's strides cannot
        express the shape (torch raises), a copy and a RuntimeWarning saying so (use reshape)."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, Iterable)):
            raise TypeError(f"view({shape[0]!r}): reinterpreting the bytes as another dtype is "
                            "not supported; view takes a shape (x.view(2, 3)); to convert the "
                            "values use x.astype(dtype)")
        # (view=True: the op checks the layout, so a jit replay with another layout does too)
        return Reshape.apply(self, shape=shape_arg(shape), view=True)

    def view_as(self, other: Tensor) -> Tensor: return self.view(other.shape)
    def reshape_as(self, other: Tensor) -> Tensor: return self.reshape(other.shape)

    def t(self) -> Tensor:
        """The transpose of a matrix (PyTorch's `t()`: 0-d and 1-d tensors are returned as is)."""
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape "
                             f"{self.shape}; use transpose(...) or permute(...)")
        return self if self.ndim < 2 else Transpose.apply(self, axes=None)

    def clone(self) -> Tensor:
        """A copy of the values that keeps the gradient flowing (the op Clone)."""
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
