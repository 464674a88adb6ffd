"""What Tensor's methods return besides a Tensor: `ValuesIndices`, PyTorch's (values,
indices) of max/min(dim=...), sort and topk, and `Size`, `x.size` (NumPy's element count, and
PyTorch's shape when called).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from ..ops.shape import axis_of

if TYPE_CHECKING:
    from . import Tensor


class ValuesIndices(NamedTuple):
    """What PyTorch's max/min(dim=...) and sort return: the values and their int64 indices."""

    values: Tensor
    indices: Tensor


class Size(int):
    """`x.size`: NumPy's element count, an int; called, PyTorch's shape: `x.size()` is
    `x.shape`, `x.size(d)` is `x.shape[d]`.

    Both habits give their own right answer. Indexing or unpacking it (`x.size[0]`,
    `n, d = x.size`: a forgotten call) raises, naming `x.size()` and `x.shape`, rather than
    reading an element count as a shape.
    """

    shape: tuple[int, ...]

    def __new__(cls, n: int, shape: tuple[int, ...]) -> Size:
        self = super().__new__(cls, n)
        self.shape = shape
        return self

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        return self.shape[axis_of("size", dim, len(self.shape))]

    def _no_shape(self, *args: Any) -> Any:
        raise TypeError(f"x.size is the element count ({int(self)}), NumPy's meaning; for the "
                        f"shape write x.size() or x.shape ({self.shape})")

    __getitem__ = __iter__ = __len__ = _no_shape

    def __reduce__(self) -> Any:  # pickles, copies and JSON see the plain int
        return (int, (int(self),))
