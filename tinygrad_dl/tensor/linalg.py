"""Tensor's linear algebra: dot, outer, diagonal, trace, tril/triu (ops/linalg.py; dot and trace
compose einsum and diagonal). The matrix product, @, is arithmetic: the class core's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..ops import Diagonal, Einsum, Tril, Triu
from ..ops.linalg import dot_subscripts
from ..ops.spelling import spellings
from .conversions import as_data, as_tensor

if TYPE_CHECKING:
    from . import Tensor


class LinalgMethods:
    """Linear algebra (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- linear algebra (ops/linalg.py; dot/trace compose einsum and diagonal) --------------
    def dot(self, other: Any) -> Tensor:
        return Einsum.apply(self, as_tensor(other, self),
                            subscripts=dot_subscripts(self.ndim, np.ndim(as_data(other))))

    def outer(self, other: Any) -> Tensor:
        """x[i] y[j] of x and y flattened (np.outer, PyTorch's x.outer(y))."""
        return Einsum.apply(self.reshape(-1), as_tensor(other, self).reshape(-1),
                            subscripts="i,j->ij")

    @spellings(dim1="axis1", dim2="axis2", k="offset")
    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        if self.ndim < 2:
            raise ValueError(f"diagonal needs a tensor of 2 or more dimensions, got shape "
                             f"{self.shape}")
        return Diagonal.apply(self, offset=offset, axis1=axis1, axis2=axis2)

    @spellings(dim1="axis1", dim2="axis2", k="offset")
    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        return self.diagonal(offset, axis1, axis2).sum(-1)

    def tril(self, k: int = 0) -> Tensor: return Tril.apply(self, k=k)
    def triu(self, k: int = 0) -> Tensor: return Triu.apply(self, k=k)
