"""PyTorch's LayerNorm: each sample normalized over its last dimensions (BatchNorm1d, the
course's, normalizes each feature over the batch: layers.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..functional import layer_norm
from ..tensor import Tensor, np_dtype
from .layers import Module, size_arg


class LayerNorm(Module):
    """`LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)`: over the
    input's last dimensions (`normalized_shape`, an int or a tuple), (x - mean) / sqrt(var +
    eps) with the biased variance, then times `weight` (ones) plus `bias` (zeros), both of
    `normalized_shape`; the same in training and evaluation (no running statistics)."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "LayerNorm")
        dims = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else \
            tuple(normalized_shape)
        if not dims:
            raise ValueError("LayerNorm: normalized_shape must name at least one dimension")
        self.normalized_shape = tuple(size_arg("LayerNorm", "normalized_shape", n) for n in dims)
        if not eps > 0:
            raise ValueError(f"LayerNorm: eps must be > 0, got {eps}")
        self.eps, self.elementwise_affine = float(eps), bool(elementwise_affine)
        dtype = np.float64 if dtype is None else np_dtype(dtype, "LayerNorm")
        self.weight = self.bias = None
        if self.elementwise_affine:
            self.weight = Tensor(np.ones(self.normalized_shape, dtype), requires_grad=True)
            if bias:
                self.bias = Tensor(np.zeros(self.normalized_shape, dtype), requires_grad=True)

    def forward(self, x: Any) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
