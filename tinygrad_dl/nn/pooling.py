"""PyTorch's 1-D pools, adaptive pools, padding layers and Upsample as modules: the 1-D and
adaptive pools call functional/pooling.py (F.max_pool1d's and F.adaptive_avg_pool2d's one
home), whose values and gradients are those of max_pool2d, avg_pool2d, reshape, slicing, mean
and stack, with no op of their own."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functional import (
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool2d,
    interpolate,
    max_pool2d,
    pad,
)
from ..functional.methods import as_tensor_of
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
from ..tensor import Tensor
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


class MaxPool1d(_Pool1d):
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
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)

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


# ---- padding -------------------------------------------------------------------------------
class ZeroPad2d(Module):
    """`ZeroPad2d(padding)`: zeros around the last two axes, `padding` an int (every side) or
    (left, right, top, bottom), PyTorch's order; a negative width crops that side, as torch."""

    def __init__(self, padding: Any) -> None:
        super().__init__()
        widths = (padding,) * 4 if isinstance(padding, (int, np.integer)) else padding
        if not (isinstance(widths, (tuple, list)) and len(widths) == 4 and all(
                isinstance(w, (int, np.integer)) and not isinstance(w, bool) for w in widths)):
            raise ValueError(f"ZeroPad2d: padding must be an integer or (left, right, top, "
                             f"bottom) integers, got {padding!r}")
        self.padding = tuple(int(w) for w in widths)

    def forward(self, x: Any) -> Tensor:
        x = as_tensor_of(x)
        shape = tuple(x.shape)
        if len(shape) < 2:
            raise ValueError(f"ZeroPad2d: expected input (N, C, H, W) or (C, H, W), got {shape}")
        left, right, top, bottom = self.padding
        h, w = shape[-2:]
        if max(-top, 0) + max(-bottom, 0) > h or max(-left, 0) + max(-right, 0) > w:
            raise ValueError(f"ZeroPad2d: padding {self.padding} crops more than the input's "
                             f"{h} x {w} (input {shape})")
        if min(self.padding) < 0:  # crop first: slices of the negative sides
            x = x[(slice(None),) * (len(shape) - 2) + (slice(max(-top, 0), h - max(-bottom, 0)),
                                                       slice(max(-left, 0), w - max(-right, 0)))]
        # always through pad: a new tensor (never x or a view of it), as torch's
        widths = ((0, 0),) * (len(shape) - 2) + ((max(top, 0), max(bottom, 0)),
                                                 (max(left, 0), max(right, 0)))
        return pad(x, widths)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _Pad(Module):
    """PyTorch's ConstantPad / ReflectionPad / ReplicationPad 1d and 2d: `padding` an int
    (every side) or (left, right) / (left, right, top, bottom), torch's order, over F.pad's
    modes."""

    dims, mode = 1, "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        who, k = type(self).__name__, 2 * self.dims
        widths = (padding,) * k if isinstance(padding, (int, np.integer)) else padding
        if not (isinstance(widths, (tuple, list)) and len(widths) == k and all(
                isinstance(w, (int, np.integer)) and not isinstance(w, bool) for w in widths)):
            sides = {2: "(left, right)", 4: "(left, right, top, bottom)"}.get(
                k, "(left, right, top, bottom, front, back)")
            raise ValueError(f"{who}: padding must be an integer or {sides} integers, got "
                             f"{padding!r}")
        self.padding = tuple(int(w) for w in widths)

    def forward(self, x: Any) -> Tensor:
        who, k = type(self).__name__, self.dims
        x = as_tensor_of(x)
        shape = tuple(x.shape)
        ranks = (k + 1, k + 2)
        if len(shape) not in ranks:
            axes = {1: "W", 2: "H, W"}.get(k, "D, H, W")
            raise ValueError(f"{who}: expected input (N, C, {axes}) or (C, {axes}), got {shape}")
        if self.mode != "constant":  # (F.pad's: a negative width crops, as torch's)
            try:
                return pad(x, pad=self.padding, mode=self.mode)
            except ValueError as e:  # F.pad's words, under the layer's name
                raise ValueError(f"{who}: {str(e).removeprefix('pad: ')} (padding "
                                 f"{self.padding}, input {shape})") from None
        pairs = [tuple(self.padding[2 * j:2 * j + 2]) for j in range(k)][::-1]  # first axis 1st
        if min(self.padding) < 0:  # constant mode's crops: slices of the negative sides
            cut = tuple(slice(max(-a, 0), n - max(-b, 0))
                        for (a, b), n in zip(pairs, shape[-k:]))
            if any(c.start > c.stop for c in cut):
                raise ValueError(f"{who}: padding {self.padding} crops more than the input "
                                 f"{shape}")
            x = x[(slice(None),) * (len(shape) - k) + cut]
            pairs = [(max(a, 0), max(b, 0)) for a, b in pairs]
        widths = ((0, 0),) * (len(shape) - k) + tuple(pairs)
        return pad(x, widths, value=self.value)  # (a new tensor, never x or a view of it)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer,
                                                             np.floating)):
            raise TypeError(f"{type(self).__name__}: value must be a number, got {value!r}")
        self.value = float(value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """`ConstantPad1d(padding, value)`: `value` at both ends of the last axis of (N, C, W) or
    (C, W); padding an int or (left, right); a negative width crops that end, as torch."""


class ConstantPad2d(_ConstantPad):
    """`ConstantPad2d(padding, value)`: `value` around the last two axes of (N, C, H, W) or
    (C, H, W); padding an int or (left, right, top, bottom); negative widths crop."""

    dims = 2


class ReflectionPad1d(_Pad):
    """`ReflectionPad1d(padding)`: the last axis of (N, C, W) or (C, W) mirrored at each end,
    the edge not repeated (F.pad's mode "reflect"); each width below the axis's length; a
    negative width crops that end (F.pad's rule, as torch's)."""

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """`ReflectionPad2d(padding)`: ReflectionPad1d over the last two axes, (left, right,
    top, bottom)."""

    dims = 2


class ReplicationPad1d(_Pad):
    """`ReplicationPad1d(padding)`: the edge value repeated at each end of the last axis of
    (N, C, W) or (C, W) (F.pad's mode "replicate"); the gradient of the edge adds up; a
    negative width crops that end (F.pad's rule, as torch's)."""

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """`ReplicationPad2d(padding)`: ReplicationPad1d over the last two axes, (left, right,
    top, bottom)."""

    dims = 2


class Upsample(Module):
    """`Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None)`: PyTorch's
    module of F.interpolate (modes "nearest", "linear" for (N, C, L), "bilinear" for
    (N, C, H, W)); no parameters."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor
        if mode not in ("nearest", "linear", "bilinear"):
            raise ValueError(f"Upsample: mode {mode!r} is not supported (only 'nearest', "
                             "'linear' and 'bilinear')")

    def forward(self, x: Any) -> Tensor:
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = (f"size={self.size}" if self.size is not None
                else f"scale_factor={self.scale_factor}")
        return f"{what}, mode={self.mode!r}"
