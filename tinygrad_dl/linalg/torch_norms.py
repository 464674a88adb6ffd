"""torch's top-level norm spellings (torch.frobenius_norm, torch.nuclear_norm) over
torch.linalg's, and torch.matrix_rank (removed from torch: refused with its pointer)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import matrix_norm, vector_norm


def frobenius_norm(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """torch.frobenius_norm(input, dim, keepdim=False): sqrt of the sum of squares over one or
    two dims."""
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not 1 <= len(dims) <= 2:
        raise ValueError(f"frobenius_norm: expected one or two dims, got {dim!r}")
    return vector_norm(input, 2, dims, keepdim)


def nuclear_norm(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """torch.nuclear_norm(input, keepdim=False) of a matrix, or nuclear_norm(input, dim,
    keepdim) over two dims: the sum of the singular values."""
    if isinstance(dim, bool):  # (torch's first form: nuclear_norm(input, keepdim))
        dim, keepdim = None, dim
    if dim is None:
        if input.ndim != 2:
            raise ValueError(f"nuclear_norm: expected a 2-D tensor, got {input.ndim}-D (give "
                             "dim= for a batch)")
        dim = (0, 1)
    if len(tuple(dim)) != 2:
        raise ValueError(f"nuclear_norm: dim must name two dims, got {dim!r}")
    return matrix_norm(input, "nuc", tuple(dim), keepdim)


def matrix_rank(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """torch.matrix_rank: removed from torch (since 1.9): refused with torch's pointer."""
    raise RuntimeError("matrix_rank: this function was deprecated since version 1.9 and is now "
                       "removed; use tinygrad_dl.linalg.matrix_rank (its 'symmetric' is "
                       "'hermitian' there)")


__all__ = ["frobenius_norm", "matrix_rank", "nuclear_norm"]
