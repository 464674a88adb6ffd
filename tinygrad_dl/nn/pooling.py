"""PyTorch's 1-D pools, adaptive pools and ZeroPad2d, composed of functional.max_pool2d,
avg_pool2d, pad, reshape, slicing, mean and stack: their values and gradients are those ops',
with no op of their own.

MaxPool1d / AvgPool1d pool (N, C, L) as an image of height 1. The adaptive pools split each
axis of n positions into `out` bins, bin i spanning [floor(i n / out), ceil((i + 1) n / out))
(PyTorch's; neighbouring bins overlap when out does not divide n): one reshape and one
reduction when every axis divides evenly, else one slice per bin."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..functional import avg_pool2d, interpolate, max_pool2d, pad, stack
from ..functional.methods import as_tensor_of
from ..tensor import Tensor
from .conv1d import one_int
from .module import Module


def _refuse(layer: str, **given: tuple[Any, Any]) -> None:
    """PyTorch's options that are not implemented, allowed only at their defaults."""
    for name, (value, default) in given.items():
        if value != default:
            raise ValueError(f"{layer}: {name}={value!r} is not supported (only {default!r})")


def _shape_of(layer: str, x: Tensor, dims: int, expects: str) -> tuple[int, ...]:
    """x's shape, which must be (N, C, *spatial) or unbatched (C, *spatial)."""
    shape = tuple(x.shape)
    if len(shape) not in (dims + 1, dims + 2):
        raise ValueError(f"{layer}: expected input {expects}, got {shape}")
    return shape


# ---- MaxPool1d, AvgPool1d ------------------------------------------------------------------
class _Pool1d(Module):
    pool = staticmethod(max_pool2d)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        who = type(self).__name__
        self.kernel_size = one_int(who, "kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else one_int(who, "stride", stride)
        self.padding = one_int(who, "padding", padding, 0)
        if self.padding > self.kernel_size // 2:
            raise ValueError(f"{who}: padding must be at most kernel_size // 2 = "
                             f"{self.kernel_size // 2}, got {self.padding}")

    def forward(self, x: Any) -> Tensor:
        who = type(self).__name__
        x = as_tensor_of(x)
        shape = _shape_of(who, x, 1, "(N, C, L) or (C, L)")
        n, k, p = shape[-1], self.kernel_size, self.padding
        if n + 2 * p < k:
            raise ValueError(f"{who}: kernel_size {k} is larger than the input's length {n}"
                             + (f" + 2 * padding {p}" if p else "") + f" (input {shape})")
        rows = x.reshape((1,) * (3 - len(shape)) + shape[:-1] + (1, n))  # (N, C, 1, L)
        out = self.pool(rows, (1, k), (1, self.stride), (0, p))
        return out.reshape(shape[:-1] + (out.shape[-1],))


class MaxPool1d(_Pool1d):
    """Max over windows of kernel_size positions every `stride` (default kernel_size) of
    (N, C, L) or (C, L), after padding each end with `padding` (at most kernel_size // 2)
    positions of -inf. dilation, return_indices and ceil_mode only at PyTorch's defaults."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        _refuse("MaxPool1d", dilation=(dilation, 1), return_indices=(return_indices, False),
                ceil_mode=(ceil_mode, False))
        super().__init__(kernel_size, stride, padding)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                "dilation=1, ceil_mode=False")


class AvgPool1d(_Pool1d):
    """Mean over windows of kernel_size positions every `stride` (default kernel_size) of
    (N, C, L) or (C, L), after padding each end with `padding` zeros that count in the mean
    (PyTorch's count_include_pad=True). ceil_mode and count_include_pad only at defaults."""

    pool = staticmethod(avg_pool2d)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        _refuse("AvgPool1d", ceil_mode=(ceil_mode, False),
                count_include_pad=(count_include_pad, True))
        super().__init__(kernel_size, stride, padding)

    def extra_repr(self) -> str:
        return (f"kernel_size=({self.kernel_size},), stride=({self.stride},), "
                f"padding=({self.padding},)")


# ---- adaptive pools ------------------------------------------------------------------------
def bins(n: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive bins of n positions: [floor(i n / out), ceil((i + 1) n / out))."""
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


def adaptive_avg(x: Tensor, out: tuple[int, ...]) -> Tensor:
    """The mean over each bin of x's last len(out) axes (separable: a mean of bin means)."""
    k = len(out)
    lead, sizes = tuple(x.shape[:-k]), tuple(x.shape[-k:])
    if all(n % o == 0 for n, o in zip(sizes, out)):  # one reshape, one mean
        split = sum(((o, n // o) for n, o in zip(sizes, out)), ())
        return x.reshape(lead + split).mean(axis=tuple(len(lead) + 2 * j + 1 for j in range(k)))
    for j, (n, o) in enumerate(zip(sizes, out)):
        axis = len(lead) + j
        if n % o == 0:
            x = x.reshape(tuple(x.shape[:axis]) + (o, n // o) + tuple(x.shape[axis + 1:]))
            x = x.mean(axis=axis + 1)
        else:
            before = (slice(None),) * axis
            x = stack([x[before + (slice(s, e),)].mean(axis=axis) for s, e in bins(n, o)],
                      axis=axis)
    return x


def adaptive_max(x: Tensor, out: tuple[int, ...]) -> Tensor:
    """The max over each bin of x's last len(out) axes, by functional.max_pool2d with a window
    of the whole bin: its gradient goes to the first maximum of the bin, as PyTorch's (a
    reshape and one pool when every axis divides evenly, else one pool per bin)."""
    k = len(out)
    lead, sizes = tuple(x.shape[:-k]), tuple(x.shape[-k:])
    rows = x.reshape((1, int(np.prod(lead))) + (1,) * (2 - k) + sizes)  # (1, N C, H, W)
    sizes, out2 = rows.shape[2:], (1,) * (2 - k) + out
    if all(n % o == 0 for n, o in zip(sizes, out2)):
        pooled = max_pool2d(rows, tuple(n // o for n, o in zip(sizes, out2)))
    else:
        cells = [max_pool2d(rows[:, :, hs:he, ws:we], (he - hs, we - ws))
                 for (hs, he), (ws, we) in itertools.product(*(bins(n, o) for n, o
                                                               in zip(sizes, out2)))]
        pooled = stack(cells, axis=-1)
    return pooled.reshape(lead + out)


class _AdaptivePool(Module):
    dims = 2
    reduce = staticmethod(adaptive_avg)

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        who = type(self).__name__
        sizes = output_size if isinstance(output_size, (tuple, list)) else \
            (output_size,) * self.dims
        if len(sizes) != self.dims or not all(
                (s is None and self.dims > 1) or (isinstance(s, (int, np.integer))
                                                  and not isinstance(s, bool) and s >= 1)
                for s in sizes):
            raise ValueError(f"{who}: output_size must be " + (
                "an integer >= 1 (or a 1-tuple)" if self.dims == 1 else
                "an integer >= 1 or a pair of them (None: that axis's input size)")
                + f", got {output_size!r}")
        self.output_size = output_size
        self.sizes = tuple(None if s is None else int(s) for s in sizes)

    def forward(self, x: Any) -> Tensor:
        who = type(self).__name__
        x = as_tensor_of(x)
        axes = "L" if self.dims == 1 else "H, W"
        shape = _shape_of(who, x, self.dims, f"(N, C, {axes}) or (C, {axes})")
        spatial = shape[-self.dims:]
        if 0 in spatial:
            raise ValueError(f"{who}: the input {shape} has no positions to pool")
        out = tuple(n if s is None else s for n, s in zip(spatial, self.sizes))
        return self.reduce(x, out)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePool):
    """`AdaptiveAvgPool2d(output_size)`: (N, C, H, W) or (C, H, W) to (..., oh, ow) (an int
    for both; None keeps that axis), the mean over PyTorch's bins."""


class AdaptiveAvgPool1d(_AdaptivePool):
    """`AdaptiveAvgPool1d(output_size)`: (N, C, L) or (C, L) to (..., output_size), the mean
    over PyTorch's bins."""

    dims = 1


class AdaptiveMaxPool2d(_AdaptivePool):
    """`AdaptiveMaxPool2d(output_size)`: the max over PyTorch's bins of (N, C, H, W) or
    (C, H, W); the gradient of a bin goes to its first maximum (row by row), as PyTorch's.
    return_indices only False."""

    reduce = staticmethod(adaptive_max)

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        _refuse(type(self).__name__, return_indices=(return_indices, False))
        super().__init__(output_size)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """`AdaptiveMaxPool1d(output_size)` on (N, C, L) or (C, L), as AdaptiveMaxPool2d."""

    dims = 1


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
        if max(self.padding) > 0:
            widths = ((0, 0),) * (len(shape) - 2) + ((max(top, 0), max(bottom, 0)),
                                                     (max(left, 0), max(right, 0)))
            x = pad(x, widths)
        return x

    def extra_repr(self) -> str:
        return f"{self.padding}"


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
