"""PyTorch's 3-D pools over volumes (N, C, D, H, W) or (C, D, H, W): F.max_pool3d (and
max_pool3d_with_indices), F.avg_pool3d, F.adaptive_avg_pool3d, F.adaptive_max_pool3d,
F.lp_pool3d and F.max_unpool3d, composed of ops that have their own gradients (no op of their
own; nn.MaxPool3d and its kin call these).

F.max_pool3d is two MaxPool2d ops ((H, W), then depth), which find torch's first maximum of
each window in row-major order (the last NaN where a window holds one) from their data, so a
jit replays it; with indices or dilation, and the adaptive max pool, torch's indices are found
first (pooling_indices.window_argmax) and the values read there. Either way the gradient goes
where torch's does. avg_pool3d sums the KD*KH*KW strided views of
the zero-padded input and divides by torch's divisor per output position (count_include_pad,
ceil_mode's clipped last windows, divisor_override)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import MaxPool2d
from ..tensor import Tensor
from .avg_pool_modes import divisor_override_arg, window_mean
from .joins import pad
from .methods import as_tensor_of, bool_arg
from .pooling import adaptive_avg, adaptive_pool, adaptive_sizes
from .pooling_indices import (
    adaptive_max_with_indices,
    pool_args,
    pool_windows,
    pool_with_indices,
    unpool,
)
from .volumetric_conv import triple

_EXPECTS = "(N, C, D, H, W) or (C, D, H, W)"


def _volume(who: str, x: Tensor) -> tuple[int, ...]:
    shape = tuple(x.shape)
    if len(shape) not in (4, 5):
        raise ValueError(f"{who}: expected input {_EXPECTS}, got {shape}")
    if 0 in shape[-3:]:
        raise ValueError(f"{who}: the input {shape} has no positions to pool")
    return shape


def max_pool3d_with_indices(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = True) -> tuple[Tensor, Tensor]:
    """PyTorch's F.max_pool3d_with_indices: (values, indices) of the max over windows of
    (N, C, D, H, W) or (C, D, H, W); an index is the flat position (d * H + h) * W + w in its
    volume (int64), as F.max_unpool3d takes."""
    return pool_with_indices("max_pool3d", 3, input, kernel_size, stride, padding, dilation,
                             ceil_mode)


def max_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """PyTorch's F.max_pool3d: the max over kernel_size windows (an int or a triple; spaced
    by dilation) every `stride` (default kernel_size) positions, after padding each side with
    `padding` (at most half the kernel) of -inf; ceil_mode as torch's. A window's gradient goes
    to its first maximum. return_indices=True: (values, indices)."""
    return max_pool3d_of("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode,
                         return_indices)


def max_pool3d_of(who: str, input: Any, kernel_size: Any, stride: Any, padding: Any,
                  dilation: Any, ceil_mode: Any, return_indices: Any) -> Any:
    """F.max_pool3d with its messages naming `who` (lp_pool3d's infinite norms too)."""
    k, s, p, d = pool_args(who, 3, kernel_size, stride, padding, dilation)
    ceil_mode = bool_arg(who, "ceil_mode", ceil_mode)  # (torch refuses 1, "yes", None)
    if return_indices or d != (1, 1, 1):
        pair = pool_with_indices(who, 3, input, k, s, p, d, ceil_mode)
        return pair if return_indices else pair[0]
    x = as_tensor_of(input)
    spatial, axes = pool_windows(who, x, 3, k, s, p, d, ceil_mode)
    return _max_pool3d_ops(x, spatial, tuple(pos.shape[0] for pos, _ in axes), k, s, p)


def _max_pool3d_ops(x: Tensor, spatial: tuple[int, ...], out: tuple[int, ...],
                    k: tuple[int, ...], s: tuple[int, ...], p: tuple[int, ...]) -> Tensor:
    """max_pool3d without indices or dilation as two MaxPool2d ops, whose forward finds the
    maxima from the data it is given: a jit replay recomputes them (indices found in NumPy
    first would be a per-step constant, and a step with a MaxPool3d never replayed). The
    (H, W) windows of every depth plane first (their first maximum in row-major order, the
    last NaN), then the depth windows of those (the first plane on ties, the last NaN): torch's
    first maximum in (d, h, w) order and its last NaN. Each side is padded with the lowest
    value, ceil_mode's last windows by more after; the op, told the padding before, sends a
    window of real values all at the lowest to its first real position, as torch's."""
    shape = tuple(x.shape)
    n, c = (shape[0] if len(shape) == 5 else 1), shape[-4]
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    after = tuple(max(pi, (o - 1) * si + ki - pi - m)
                  for o, si, ki, pi, m in zip(out, s, k, p, spatial))
    (dd, hh, ww), (oh, ow) = spatial, out[1:]
    planes = x.reshape((n, c * dd, hh, ww))
    if p[1] or p[2] or after[1] or after[2]:
        planes = pad(planes, ((0, 0), (0, 0), (p[1], after[1]), (p[2], after[2])),
                     constant_values=low)
    planes = MaxPool2d.apply(planes, kernel=k[1:], stride=s[1:], pad=p[1:])
    depth = planes.reshape((n * c, 1, dd, oh * ow))
    if p[0] or after[0]:
        depth = pad(depth, ((0, 0), (0, 0), (p[0], after[0]), (0, 0)), constant_values=low)
    depth = MaxPool2d.apply(depth, kernel=(k[0], 1), stride=(s[0], 1), pad=(p[0], 0))
    return depth.reshape(shape[:-3] + out)


def avg_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Any = None) -> Tensor:
    """PyTorch's F.avg_pool3d: the mean over kernel_size windows every `stride` (default
    kernel_size) positions of (N, C, D, H, W) or (C, D, H, W), after zero-padding each side
    with `padding` (at most half the kernel). count_include_pad: the zeros count in the
    divisor; ceil_mode: a last partial window (its divisor clipped as torch's);
    divisor_override: that divisor everywhere. Float inputs only."""
    return avg_pool3d_of("avg_pool3d", input, kernel_size, stride, padding, ceil_mode,
                         count_include_pad, divisor_override)


def avg_pool3d_of(who: str, input: Any, kernel_size: Any, stride: Any, padding: Any,
                  ceil_mode: Any, count_include_pad: Any, divisor_override: Any) -> Tensor:
    """F.avg_pool3d with its messages naming `who` (lp_pool3d's too)."""
    k = triple(who, "kernel_size", kernel_size, one=True)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        triple(who, "stride", stride, one=True)
    p = triple(who, "padding", padding, 0, one=True)
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"{who}: padding must be at most half the kernel_size, got padding {p} "
                         f"for kernel_size {k}")
    divisor_override = divisor_override_arg(who, divisor_override)
    ceil_mode = bool_arg(who, "ceil_mode", ceil_mode)  # (torch refuses 1, "yes", None)
    count_include_pad = bool_arg(who, "count_include_pad", count_include_pad)
    x = as_tensor_of(input)
    shape = _volume(who, x)
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: expected a float input, got {x.dtype} (torch truncates an "
                        "integer mean; cast first)")
    if any(n < ki for n, ki in zip(shape[-3:], k)):  # (torch's avg_pool3d, unlike its 2-D one)
        raise ValueError(f"{who}: kernel_size {k} is larger than the input {shape} (refused "
                         "whatever the padding, as PyTorch's avg_pool3d)")
    return window_mean(who, x, k, s, p, ceil_mode, count_include_pad, divisor_override)


def adaptive_avg_pool3d(input: Any, output_size: Any) -> Tensor:
    """PyTorch's F.adaptive_avg_pool3d: (N, C, D, H, W) or (C, D, H, W) to (..., od, oh, ow)
    (an int for all three; None keeps that axis), the mean over PyTorch's bins."""
    who = "adaptive_avg_pool3d"
    return adaptive_pool(who, 3, adaptive_avg, input, adaptive_sizes(who, 3, output_size))


def adaptive_max_pool3d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """PyTorch's F.adaptive_max_pool3d: the max over PyTorch's bins of (N, C, D, H, W) or
    (C, D, H, W); a bin's gradient goes to its first maximum (the last NaN where it holds one).
    return_indices=True: (values, int64 flat indices per volume), as max_pool3d's."""
    who = "adaptive_max_pool3d"
    sizes = adaptive_sizes(who, 3, output_size)
    x = as_tensor_of(input)
    shape = _volume(who, x)
    values, idx = adaptive_max_with_indices(who, x, shape[-3:], sizes)
    return (values, idx) if return_indices else values


def adaptive_max_pool3d_with_indices(input: Any, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """torch's F.adaptive_max_pool3d_with_indices: (values, indices), whatever return_indices
    says (torch ignores it too)."""
    return adaptive_max_pool3d(input, output_size, True)


def lp_pool3d(input: Any, norm_type: Any, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """PyTorch's F.lp_pool3d: (sum of x^p over each window)^(1/p) of (N, C, D, H, W) or
    (C, D, H, W), torch's composition (avg_pool3d of x^p times the window's size; p = +-inf:
    the max of +-|x|), so its NaN for a negative sum."""
    who = "lp_pool3d"
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float, np.integer,
                                                                 np.floating)):
        raise TypeError(f"{who}: norm_type must be a number, got {norm_type!r}")
    k = triple(who, "kernel_size", kernel_size)
    x = as_tensor_of(input)
    if np.isinf(norm_type):
        sign = 1.0 if norm_type > 0 else -1.0
        pooled = max_pool3d_of(who, x.abs() * sign, k, stride, 0, 1, ceil_mode, False)
        return pooled * sign
    out = avg_pool3d_of(who, x ** float(norm_type), k, stride, 0, ceil_mode, True, None)
    return (out.sgn() * out.abs().relu() * float(np.prod(k))) ** (1.0 / float(norm_type))


def max_unpool3d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """PyTorch's F.max_unpool3d: max_pool3d's partial inverse, each value of (N, C, D, H, W)
    or (C, D, H, W) written at its flat index into zeros of torch's default size
    ((D - 1) * stride + kernel_size - 2 * padding per axis, or output_size); the gradient is
    read back at the indices."""
    return unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
