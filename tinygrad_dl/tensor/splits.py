"""Tensor's splits into pieces along one dim (views through getitem, so each piece's gradient
flows back): split, chunk, unbind (`split_at`, which tg.split shares), tensor_split,
hsplit/vsplit/dsplit, split_with_sizes and the unsafe_ spellings unsafe_chunk, unsafe_split,
unsafe_split_with_sizes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import engine, tensor
from ..ops.shape import axis_of
from ..ops.spelling import torch_keywords
from .conversions import int_arg, zero_d_int

if TYPE_CHECKING:
    from . import Tensor


class SplitMethods:
    """Pieces along a dim (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """torch's x.split(size, dim): pieces of `size` along dim (the last may be smaller),
        or of the listed sizes. (NumPy has no ndarray.split; tg.split(x, n) is np.split's n
        equal sections unless dim= is given.)"""
        axis = axis_of("split", dim, self.ndim)
        if type(split_size) in (list, tuple) and not split_size and not self.shape[axis]:
            return ()  # (no sizes for an empty dim: no pieces, torch's; the cuts give one)
        return tuple(split_at(self, axis, _sized_cuts("split", self.shape[axis], split_size, dim)))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """torch's chunk: `chunks` pieces along dim of ceil(n / chunks) each (the last may be
        smaller, and fewer pieces where n is too short: 6 in 4 chunks is 2, 2, 2)."""
        if type(chunks) is not int:  # (torch's: a 0-d int tensor counts)
            chunks = zero_d_int("chunk", "chunks", chunks)
        if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks < 1:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        axis = axis_of("chunk", dim, self.ndim)
        n = self.shape[axis]
        if n == 0:  # (torch: `chunks` empty pieces)
            return tuple(self[(slice(None),) * axis + (slice(0, 0),)] for _ in range(int(chunks)))
        return tuple(split_at(self, axis, _sized_cuts("chunk", n, -(-n // int(chunks)), dim)))

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """torch's unbind: the slices along dim, each without that axis."""
        axis = axis_of("unbind", dim, self.ndim)
        lead = (slice(None),) * axis
        return tuple(self[lead + (i,)] for i in range(self.shape[axis]))

    @torch_keywords(sections="indices_or_sections", indices="indices_or_sections",
                    tensor_indices_or_sections="indices_or_sections")  # (torch's three)
    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """torch.tensor_split: n pieces as equal as can be (np.array_split's), or cut at the
        listed indices; views through getitem, so each piece's gradient flows back."""
        return _cuts("tensor_split", self, indices_or_sections, dim)

    @torch_keywords(sections="indices_or_sections", indices="indices_or_sections")
    def hsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """torch.hsplit: tensor_split along dim 1 (dim 0 of a 1-D tensor); a number of pieces
        must divide the length."""
        return _cuts("hsplit", self, indices_or_sections, 0 if self.ndim == 1 else 1, even=True)

    @torch_keywords(sections="indices_or_sections", indices="indices_or_sections")
    def vsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """torch.vsplit: tensor_split along dim 0 of a tensor of 2 or more dims."""
        if self.ndim < 2:
            raise ValueError(f"vsplit: expects a tensor of 2 or more dims, got shape {self.shape}")
        return _cuts("vsplit", self, indices_or_sections, 0, even=True)

    @torch_keywords(sections="indices_or_sections", indices="indices_or_sections")
    def dsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """torch.dsplit: tensor_split along dim 2 of a tensor of 3 or more dims."""
        if self.ndim < 3:
            raise ValueError(f"dsplit: expects a tensor of 3 or more dims, got shape {self.shape}")
        return _cuts("dsplit", self, indices_or_sections, 2, even=True)

    def split_with_sizes(self, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """torch's split_with_sizes: pieces of the listed sizes, which add up to dim's length."""
        sizes = [int_arg("split_with_sizes", "a size", s) for s in split_sizes]
        axis = axis_of("split_with_sizes", dim, max(self.ndim, 1))
        n = self.shape[axis] if self.ndim else 1
        if sum(sizes) != n or min(sizes, default=0) < 0:
            raise ValueError(f"split_with_sizes: sizes {sizes} do not add up to the length {n} "
                             f"of dim {dim} (shape {self.shape})")
        if not sizes:  # (an empty dim in no pieces: torch's (); the cuts would give one)
            return ()
        return _cuts("split_with_sizes", self, np.cumsum(sizes)[:-1].tolist(), dim)

    # ---- the unsafe_ spellings ---------------------------------------------------------------
    def unsafe_chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """torch's unsafe_chunk: x.chunk (views, as torch's; unlike torch's, a write into one
        whose base a live graph saved is refused, as any view's)."""
        return tuple(self.chunk(chunks, dim))

    def unsafe_split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """torch's unsafe_split: x.split(split_size, dim)."""
        return tuple(self.split(split_size, dim))

    def unsafe_split_with_sizes(self, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """torch's unsafe_split_with_sizes: x.split_with_sizes(split_sizes, dim)."""
        return tuple(self.split_with_sizes(split_sizes, dim))


def split_at(x: Tensor, axis: int, cuts: list[int]) -> list[Tensor]:
    """x cut along axis at `cuts` (views via getitem): np.split's and torch.split's pieces."""
    lead, bounds = (slice(None),) * axis, [0, *cuts, x.shape[axis]]
    return [x[lead + (slice(a, max(a, b)),)] for a, b in zip(bounds, bounds[1:])]


def _sized_cuts(op: str, n: int, size: Any, dim: Any) -> list[int]:
    """torch.split's cut positions on a length n: pieces of `size` (the last may be
    smaller; 0 only on an empty dim: one empty piece, torch's), or of the listed sizes,
    which must add up to n."""
    if type(size) is not int:  # (a 0-d int tensor as its int; a plain int as it is: fast)
        size = zero_d_int(op, "the piece size", size)
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        if size < 0 or size == 0 and n:
            raise ValueError(f"{op}: the piece size must be positive (0 only on an empty "
                             f"dim), got {size} for dim {dim} of length {n}")
        return list(range(int(size), n, int(size))) if size else []
    if isinstance(size, tensor.Tensor):  # (1-D: its values; a jit recording is told)
        engine.notify_read(size, f"{op}(x, a tensor of sizes)")
        size = size.data.tolist()
    if not isinstance(size, (list, tuple, np.ndarray)):
        raise TypeError(f"{op}: the split size must be an int or a list of ints, got "
                        f"{type(size).__name__} {size!r:.40}")
    sizes = [int_arg(op, "a size", v) for v in size]
    if sum(sizes) != n or min(sizes, default=0) < 0:
        raise ValueError(f"{op}: sizes {sizes} do not add up to the length {n} of dim {dim}")
    return np.cumsum(sizes)[:-1].tolist()


def _cuts(who: str, x: Tensor, sections: Any, dim: Any, even: bool = False) -> tuple[Tensor, ...]:
    """torch.tensor_split's pieces of x along dim: `sections` equal-as-can-be pieces (the
    first n % sections one longer), or cut at the listed indices with Python's slicing (an
    index past the end, or one below the previous, gives an empty piece, as torch's)."""
    if x.ndim == 0:
        raise ValueError(f"{who}: expects a tensor of 1 or more dims, got a 0-d tensor")
    axis = axis_of(who, dim, x.ndim)
    n = x.shape[axis]
    if isinstance(sections, (tensor.Tensor, np.ndarray)):  # torch: a 0-d int tensor
        # counts, a 1-D one cuts (a NumPy array alike: torch reads np.array(2) as 2)
        if sections.dtype.kind not in "iu" or sections.ndim > 1:
            raise TypeError(f"{who}: a tensor of sections or indices must be a 0-d or 1-D "
                            f"integer tensor, got shape {sections.shape} dtype {sections.dtype}")
        if isinstance(sections, tensor.Tensor):
            engine.notify_read(sections, f"{who}(x, a tensor of indices)")  # (Python's cuts)
            sections = sections.data
        sections = sections.tolist()
    if isinstance(sections, (list, tuple, range)):  # (a range too: np.hsplit(x, range(1, 3)))
        bounds = [0, *(int_arg(who, "an index", i) for i in sections), None]
    else:
        k = int_arg(who, "sections", sections)
        if k < 1:
            raise ValueError(f"{who}: sections must be positive, got {k}")
        if even and n % k:
            raise ValueError(f"{who}: dim {dim} of length {n} (shape {x.shape}) does not split "
                             f"into {k} equal pieces")
        q, r = divmod(n, k)
        bounds = [i * q + min(i, r) for i in range(k + 1)]
    lead = (slice(None),) * axis
    return tuple(x[lead + (slice(a, b),)] for a, b in zip(bounds, bounds[1:]))
