"""PyTorch's nn.FractionalMaxPool2d and nn.FractionalMaxPool3d over F.fractional_max_pool2d /
3d: samples drawn afresh each call (inside a Draw op) from the module's `rng=` (or the default
generator), or the fixed _random_samples buffer (in state_dict, as torch's) when given."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functional.fractional_pool import fractional_max_pool2d, fractional_max_pool3d
from ..random import as_rng
from ..tensor import Tensor
from .module import Module


class _FractionalMaxPool(Module):
    dims = 2

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Any = None, *,
                 rng: Any = None) -> None:
        super().__init__()
        name, d = type(self).__name__, self.dims
        self.kernel_size = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (
            kernel_size,) * d
        self.return_indices = return_indices
        self.output_size = None if output_size is None else (
            tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * d)
        self.output_ratio = None if output_ratio is None else (
            tuple(output_ratio) if isinstance(output_ratio, (tuple, list))
            else (output_ratio,) * d)
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling "
                             "ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")
        self.rng = as_rng(rng, name)
        if _random_samples is None:
            self.__dict__["_random_samples"] = None
        else:
            samples = _random_samples.data if isinstance(_random_samples, Tensor) else (
                np.asarray(_random_samples))
            self.register_buffer("_random_samples", samples)

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        fn = fractional_max_pool2d if self.dims == 2 else fractional_max_pool3d
        return fn(input, self.kernel_size, self.output_size, self.output_ratio,
                  self.return_indices, self.__dict__["_random_samples"], rng=self.rng)


class FractionalMaxPool2d(_FractionalMaxPool):
    """`FractionalMaxPool2d(kernel_size, output_size=None, output_ratio=None,
    return_indices=False, _random_samples=None, *, rng=None)`, torch's: one of output_size or
    output_ratio (in (0, 1)); (N, C, H, W) or (C, H, W)."""

    dims = 2


class FractionalMaxPool3d(_FractionalMaxPool):
    """`FractionalMaxPool3d(...)`, as FractionalMaxPool2d over (N, C, T, H, W) or
    (C, T, H, W)."""

    dims = 3
