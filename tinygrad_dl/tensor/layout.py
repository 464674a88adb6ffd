"""What a tensor is and where it lives, in PyTorch's words: numel/nelement, dim/ndimension,
nbytes, itemsize, element_size, stride, is_contiguous/contiguous, and the device: device,
is_cpu, is_cuda, get_device, cpu(), cuda() (the CPU, the only one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..device import CPU, check_device
from ..ops import Clone
from ..ops.shape import axis_of

if TYPE_CHECKING:
    from . import Tensor


def c_order(memory_format: Any, who: str) -> None:
    """torch's memory_format= of clone and contiguous: its contiguous_format and
    preserve_format are this library's one layout; channels_last is refused."""
    if memory_format is not None and str(memory_format) not in (
            "torch.contiguous_format", "torch.preserve_format"):
        raise ValueError(f"{who}: memory_format={memory_format} is not supported (C order only "
                         "here: no channels_last layout); leave it out")


class LayoutMethods:
    """Sizes, layout and device (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- PyTorch's spellings for what NumPy spells otherwise ---------------------------------
    device = property(lambda self: CPU)  # always the CPU (tinygrad_dl.device)
    is_cuda = property(lambda self: False)

    def numel(self) -> int: return int(self.data.size)
    def nelement(self) -> int: return int(self.data.size)
    def dim(self) -> int: return self.data.ndim
    def ndimension(self) -> int: return self.data.ndim
    def cpu(self) -> Tensor: return self

    def contiguous(self, memory_format: Any = None) -> Tensor:
        """PyTorch's `out.contiguous().view(-1, H)`: the tensor itself where its array is
        C-contiguous, else a copy on the graph (a Clone), as torch's: `y = x.T.contiguous()`
        then `y.add_(1)` or `y[0] = 0` changed x without a word when it was x.T itself."""
        c_order(memory_format, "contiguous")
        return self if self.data.flags.c_contiguous else Clone.apply(self)

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        check_device("cuda", "Tensor.cuda()")
        return self  # not reached: check_device raised

    @property
    def is_cpu(self) -> bool:
        """torch's Tensor.is_cpu: True (every tensor here is on the CPU)."""
        return True

    def get_device(self) -> int:
        """torch's Tensor.get_device: -1, the CPU's number."""
        return -1

    # ---- sizes and layout questions ----------------------------------------------------------
    @property
    def nbytes(self) -> int:
        """The bytes the values take (numel * itemsize)."""
        return int(self.data.nbytes)

    @property
    def itemsize(self) -> int:
        """The bytes one value takes."""
        return int(self.data.itemsize)

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Always True: every op here reads the values in C order whatever NumPy's layout, so
        no result depends on it (x.contiguous() still copies a non-C-order array, as torch's,
        so that a write into it leaves x as it was)."""
        c_order(memory_format, "is_contiguous")
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
