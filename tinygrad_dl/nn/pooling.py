"""PyTorch's 1-D pools and adaptive pools as modules, MaxPool1d / MaxPool2d with torch's
dilation, ceil_mode and return_indices, MaxUnpool1d / 2d and LPPool1d / 2d: the 1-D and
adaptive pools call functional/pooling.py (F.max_pool1d's and F.adaptive_avg_pool2d's one
home), whose values and gradients are those of max_pool2d, avg_pool2d, reshape, slicing, mean
and stack, with no op of their own."""

from __future__ import annotations

from typing import Any

from ..functional import (
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool2d,
    lp_pool1d,
    lp_pool2d,
    max_pool2d,
    max_unpool1d,
    max_unpool2d,
)
from ..functional.methods import bool_arg
from ..functional.pooling import (
    adaptive_avg,
    adaptive_max,
    adaptive_pool,
    adaptive_sizes,
    bins,  # noqa: F401 (nn.pooling.bins, as before)
    pool1d,
    pool_sizes,
    refuse,
)
from ..functional.pooling_indices import pool_args, pool_with_indices, sizes_of
from ..tensor import Tensor
from . import layers
from .module import Module


# ---- MaxPool1d, AvgPool1d ------------------------------------------------------------------
class _Pool1d(Module):
    pool = staticmethod(max_pool2d)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = pool_sizes(
            type(self).__name__, kernel_size, stride, padding)

    ceil_mode, count_include_pad = False, True

    def forward(self, x: Any) -> Tensor:
        return pool1d(type(self).__name__, self.pool, x, self.kernel_size, self.stride,
                      self.padding, self.ceil_mode, self.count_include_pad)


class _MaxPool1d(_Pool1d):  # (MaxPool1d's fast path: torch's options below)
    """Max over windows of kernel_size positions every `stride` (default kernel_size) of
    (N, C, L) or (C, L), after padding each end with `padding` (at most kernel_size // 2)
    positions of -inf (F.max_pool1d). dilation, return_indices and ceil_mode only at
    PyTorch's defaults."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        refuse("MaxPool1d", dilation=(dilation, 1), return_indices=(return_indices, False),
               ceil_mode=(ceil_mode, False))
        super().__init__(kernel_size, stride, padding)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                "dilation=1, ceil_mode=False")


class AvgPool1d(_Pool1d):
    """Mean over windows of kernel_size positions every `stride` (default kernel_size) of
    (N, C, L) or (C, L), after padding each end with `padding` zeros that count in the mean
    (count_include_pad=True; False: the mean of the real positions); ceil_mode: a last
    partial window, as torch's (F.avg_pool1d)."""

    pool = staticmethod(avg_pool2d)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding)
        self.ceil_mode = bool_arg("AvgPool1d", "ceil_mode", ceil_mode)
        self.count_include_pad = bool_arg("AvgPool1d", "count_include_pad", count_include_pad)

    def extra_repr(self) -> str:
        return (f"kernel_size=({self.kernel_size},), stride=({self.stride},), "
                f"padding=({self.padding},)")


# ---- adaptive pools ------------------------------------------------------------------------
class _AdaptivePool(Module):
    dims = 2
    reduce = staticmethod(adaptive_avg)

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.sizes = adaptive_sizes(type(self).__name__, self.dims, output_size)
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return adaptive_pool(type(self).__name__, self.dims, self.reduce, x, self.sizes)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePool):
    """`AdaptiveAvgPool2d(output_size)`: (N, C, H, W) or (C, H, W) to (..., oh, ow) (an int
    for both; None keeps that axis), the mean over PyTorch's bins (F.adaptive_avg_pool2d)."""


class AdaptiveAvgPool1d(_AdaptivePool):
    """`AdaptiveAvgPool1d(output_size)`: (N, C, L) or (C, L) to (..., output_size), the mean
    over PyTorch's bins (F.adaptive_avg_pool1d)."""

    dims = 1


class AdaptiveMaxPool2d(_AdaptivePool):
    """`AdaptiveMaxPool2d(output_size, return_indices=False)`: the max over PyTorch's bins of
    (N, C, H, W) or (C, H, W); the gradient of a bin goes to its first maximum (row by row), as
    PyTorch's (F.adaptive_max_pool2d); return_indices=True: (values, int64 indices)."""

    reduce = staticmethod(adaptive_max)
    with_indices = staticmethod(adaptive_max_pool2d)

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = bool(return_indices)

    def forward(self, x: Any) -> Any:
        if self.return_indices:
            return self.with_indices(x, self.output_size, True)
        return super().forward(x)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """`AdaptiveMaxPool1d(output_size, return_indices=False)` on (N, C, L) or (C, L), as
    AdaptiveMaxPool2d."""

    dims = 1
    with_indices = staticmethod(adaptive_max_pool1d)


# ---- max pools with torch's options ---------------------------------------------------------
class MaxPool1d(_MaxPool1d):
    """Max over windows of kernel_size positions (spaced by dilation) every `stride` (default
    kernel_size) of (N, C, L) or (C, L), after padding each end with `padding` (at most
    kernel_size // 2) positions of -inf (F.max_pool1d); return_indices=True: (values,
    indices), as MaxUnpool1d takes; ceil_mode as torch's."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        Module.__init__(self)
        (k,), (s,), (p,), (d,) = pool_args("MaxPool1d", 1, kernel_size, stride, padding,
                                           dilation)
        self.kernel_size, self.stride, self.padding, self.dilation = k, s, p, d
        self.return_indices = bool(return_indices)
        self.ceil_mode = bool_arg("MaxPool1d", "ceil_mode", ceil_mode)

    def forward(self, x: Any) -> Any:
        if self.dilation == 1 and not self.ceil_mode and not self.return_indices:
            return super().forward(x)  # (the messages name the layer)
        pair = pool_with_indices("MaxPool1d", 1, x, self.kernel_size, self.stride,
                                 self.padding, self.dilation, self.ceil_mode)
        return pair if self.return_indices else pair[0]

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(layers.MaxPool2d):
    """Max over kernel windows every `stride` (default kernel) pixels of (N, C, H, W) or
    (C, H, W), after padding each side with `padding` pixels of -inf (at most half the kernel);
    dilation and ceil_mode as torch's; return_indices=True: (values, indices) (F.max_pool2d)."""

    def __init__(self, kernel: Any = None, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False, *,
                 kernel_size: Any = None) -> None:
        super().__init__(kernel, stride, padding, kernel_size=kernel_size)
        pool_args("MaxPool2d", 2, self.kernel, stride, padding, dilation)  # (checked now)
        self.dilation, self.return_indices = dilation, bool(return_indices)
        self.ceil_mode = bool_arg("MaxPool2d", "ceil_mode", ceil_mode)

    def forward(self, x: Any) -> Any:
        return max_pool2d(x, self.kernel, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        more = (f", dilation={self.dilation}" if self.dilation != 1 else "") + (
            ", ceil_mode=True" if self.ceil_mode else "")
        return super().extra_repr() + more


class _Unpool(Module):
    dims = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        who = type(self).__name__
        self.kernel_size = sizes_of(who, self.dims, "kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else sizes_of(who, self.dims, "stride",
                                                                       stride)
        self.padding = sizes_of(who, self.dims, "padding", padding, 0)

    def forward(self, input: Any, indices: Any, output_size: Any = None) -> Tensor:
        fn = max_unpool1d if self.dims == 1 else max_unpool2d
        return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(_Unpool):
    """`MaxUnpool2d(kernel_size, stride=None, padding=0)`: MaxPool2d's partial inverse,
    forward(input, indices, output_size=None) (F.max_unpool2d)."""


class MaxUnpool1d(_Unpool):
    """`MaxUnpool1d(kernel_size, stride=None, padding=0)`: MaxPool1d's partial inverse
    (F.max_unpool1d)."""

    dims = 1


class LPPool1d(Module):
    """`LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False)`: (sum of x^p over
    each window)^(1/p) (F.lp_pool1d)."""

    fn = staticmethod(lp_pool1d)

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = ceil_mode

    def forward(self, x: Any) -> Tensor:
        return type(self).fn(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool2d(LPPool1d):
    """`LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False)` (F.lp_pool2d)."""

    fn = staticmethod(lp_pool2d)
