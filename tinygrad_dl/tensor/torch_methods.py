"""More of PyTorch's Tensor methods: type_as, ravel, narrow, select, the logical ops, trunc /
fix / frac / fmod, and the layout questions (is_contiguous, stride, element_size,
is_floating_point).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import tensor
from ..ops import Fmod, Trunc
from ..ops.shape import axis_of
from .conversions import as_data, as_tensor, int_arg, no_grad_result, selected

if TYPE_CHECKING:
    from . import Tensor


class TorchMethods:
    """PyTorch's Tensor methods of this module (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    def type_as(self, other: Tensor) -> Tensor:
        """x cast to other's dtype (on the graph, as x.to(other.dtype)); x itself when the
        dtypes already agree, as PyTorch's."""
        if not isinstance(other, tensor.Tensor):
            raise TypeError(f"type_as: other must be a Tensor, got {type(other).__name__}")
        return self.to(other.dtype)

    def ravel(self) -> Tensor:
        """The values as one axis (torch.ravel, np.ravel in C order): reshape(-1)."""
        return self.reshape(-1)

    def narrow(self, dim: int, start: Any, length: Any) -> Tensor:
        """torch.narrow: entries start..start+length-1 along dim (start may be negative, from
        the end); a slice, so the gradient flows back to those entries."""
        if self.ndim == 0:
            raise IndexError("narrow: a 0-d tensor has no dim to narrow")
        axis = axis_of("narrow", dim, self.ndim)
        n = self.shape[axis]
        s, ln = int_arg("narrow", "start", start), int_arg("narrow", "length", length)
        if not -n <= s <= n:
            raise IndexError(f"narrow: start {s} is out of range for dim {dim} of length {n} "
                             f"(shape {self.shape})")
        s = s + n if s < 0 else s
        if ln < 0 or s + ln > n:
            raise ValueError(f"narrow: start ({s}) + length ({ln}) exceeds dim {dim} of length "
                             f"{n} (shape {self.shape})")
        return self[(slice(None),) * axis + (slice(s, s + ln),)]

    def select(self, dim: int, index: Any) -> Tensor:
        """torch.select: the slice at index along dim, without that axis (x.select(0, i) is
        x[i]); index may be negative, from the end."""
        axis, i = selected("select", self, dim, index)
        return self[(slice(None),) * axis + (i,)]

    # ---- logical ops: constant bool tensors, as the comparisons -----------------------------
    def logical_and(self, other: Any) -> Tensor:
        return no_grad_result(np.logical_and(self.data, as_data(other)))

    def logical_or(self, other: Any) -> Tensor:
        return no_grad_result(np.logical_or(self.data, as_data(other)))

    def logical_xor(self, other: Any) -> Tensor:
        return no_grad_result(np.logical_xor(self.data, as_data(other)))

    def logical_not(self) -> Tensor: return no_grad_result(np.logical_not(self.data))

    # ---- rounding toward zero -----------------------------------------------------------------
    def trunc(self) -> Tensor: return Trunc.apply(self)
    def fix(self) -> Tensor: return Trunc.apply(self)

    def frac(self) -> Tensor:
        """x - trunc(x), with x's sign (torch.frac): gradient 1."""
        if (dt := self.data.dtype).kind not in "fc":  # (torch has no integer or bool kernel:
            # an integer's was 0, a bool's NumPy's subtract error)
            raise NotImplementedError(f"frac: not implemented for dtype {dt} (as torch's); "
                                      "cast first, x.float()")
        return self - Trunc.apply(self)

    def fmod(self, other: Any) -> Tensor:
        """x mod y with the sign of x (np.fmod, torch.fmod; mod/remainder take y's sign)."""
        return Fmod.apply(self, as_tensor(other, self))

    # ---- layout questions ---------------------------------------------------------------------
    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Always True: every op here reads the values in C order whatever NumPy's layout, so
        no result depends on it (x.contiguous() still copies a non-C-order array, as torch's,
        so that a write into it leaves x as it was)."""
        if memory_format is not None:
            raise ValueError("is_contiguous: memory_format is not supported (no channels_last "
                             "layout here)")
        return True

    def stride(self, dim: int | None = None) -> Any:
        """PyTorch's strides in elements of a contiguous tensor of this shape (is_contiguous()
        is always True here): x.stride() a tuple, x.stride(d) one int."""
        out, step = [], 1
        for n in reversed(self.shape):
            out.append(step)
            step *= max(n, 1)
        strides = tuple(reversed(out))
        if dim is None:
            return strides
        if self.ndim == 0:
            raise IndexError("stride: a 0-d tensor has no dims")
        return strides[axis_of("stride", dim, self.ndim)]

    def element_size(self) -> int:
        """Bytes per entry (4 for float32)."""
        return int(self.data.dtype.itemsize)

    def is_floating_point(self) -> bool:
        """Is the dtype a floating-point one (float16/32/64)."""
        return self.data.dtype.kind == "f"
