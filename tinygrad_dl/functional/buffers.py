"""torch.frombuffer: a Tensor on the memory of a Python buffer (bytes, bytearray, memoryview,
array.array, mmap), shared, not copied."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ..tensor.casts import dtype_of
from .constructors import from_numpy

__all__ = ["frombuffer"]


def frombuffer(buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """torch.frombuffer: `count` entries of `dtype` (-1: all that follow) read from `buffer`
    starting `offset` bytes in, sharing its memory as torch's does: a write into a bytearray
    shows in the tensor, and an in-place op on the tensor writes the bytearray.

    The write guard (which keeps what a live graph saved for backward unchanged) sees only writes
    made through tensors: one made through the buffer itself while a graph that read the tensor
    lives is not seen (as torch's version counter does not see it), so the gradient would use
    the new bytes. A read-only buffer (bytes) gives a tensor that in-place ops refuse (torch
    warns and leaves a write undefined); copy it with `.clone()` to write."""
    dt = dtype_of(dtype, "frombuffer")
    view = memoryview(buffer)  # (TypeError for what is not a buffer, as torch's)
    length = view.nbytes
    if length == 0 or count == 0:
        raise ValueError(f"frombuffer: both buffer length ({length}) and count ({count}) must "
                         "not be 0")
    if not 0 <= offset < length:
        raise ValueError(f"frombuffer: offset ({offset} bytes) must be non-negative and no "
                         f"greater than buffer length ({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % dt.itemsize:
            raise ValueError(f"frombuffer: buffer length ({length - offset} bytes) after offset "
                             f"({offset} bytes) must be a multiple of element size "
                             f"({dt.itemsize})")
        count = (length - offset) // dt.itemsize
    elif offset + count * dt.itemsize > length:
        raise ValueError(f"frombuffer: requested buffer length ({count} * {dt.itemsize} bytes) "
                         f"after offset ({offset} bytes) must not be greater than actual buffer "
                         f"length ({length} bytes)")
    t = from_numpy(np.frombuffer(view, dtype=dt, count=count, offset=offset))
    return t.requires_grad_(requires_grad) if requires_grad else t
