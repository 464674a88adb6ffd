"""PyTorch's LayerNorm (each sample normalized over its last dimensions) and BatchNorm2d (each
channel of an image batch over the batch and the pixels, BatchNorm1d's statistics per channel;
BatchNorm1d, the course's, is in layers.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..functional import layer_norm
from ..tensor import Tensor, np_dtype
from .layers import BatchNorm1d, Module, size_arg


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


class BatchNorm2d(BatchNorm1d):
    """`BatchNorm2d(num_features)` for images (N, C, H, W): BatchNorm1d over the N*H*W pixels
    of each channel (the statistics, gamma and beta are per channel), with BatchNorm1d's
    conventions, the course's: the running variance averages the biased batch variance, the
    first training batch sets the averages, eps defaults to 1e-8 (PyTorch's 1e-5: pass
    eps=1e-5 for its training outputs), `momentum=` is taken as alpha = 1 - momentum."""

    def forward(self, x: Tensor) -> Tensor:
        shape = x.data.shape if isinstance(x, Tensor) else np.shape(x)
        if len(shape) != 4 or shape[1] != self.d:
            raise ValueError(f"BatchNorm2d({self.d}): expected input (N, {self.d}, H, W), got "
                             f"{tuple(shape)}")
        n, c, h, w = shape
        rows = x.permute(0, 2, 3, 1).reshape(n * h * w, c)  # one row per pixel
        return super().forward(rows).reshape(n, h, w, c).permute(0, 3, 1, 2)
