"""Convolution and pooling (NCHW) with their argument checks (ops/conv.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import (
    AvgPool2d,
    Conv2d,
    MaxPool2d,
)
from ..tensor import Tensor
from .joins import pad
from .methods import as_tensor_of, as_tensors


# ---- convolution and pooling (NCHW; ops/conv.py) --------------------------------------------
def _pos_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def pair_of_ints(name: str, value: Any, minimum: int = 1) -> tuple[int, int]:
    """One int for both axes, or a pair (rows, columns): PyTorch's two spellings."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an integer or a pair (rows, columns) of "
                             f"integers >= {minimum}, got {value!r}")
        return _pos_int(name, value[0], minimum), _pos_int(name, value[1], minimum)
    v = _pos_int(name, value, minimum)
    return v, v


def _conv2d_args(x: Tensor, w: Tensor, stride: Any, padding: Any, dilation: Any, groups: Any
                 ) -> dict[str, Any]:
    """conv2d's options checked and spelled out for the op: stride (sh, sw), padding
    ((top, bottom), (left, right)), dilation (dh, dw), groups. Every argument check of conv2d's
    options lives here, before anything is allocated (the shapes are checked by the op,
    ops/conv.py ConvGeometry)."""
    if w.ndim == 4 and w.shape[0] == 0:
        raise ValueError(f"conv2d: the weight {w.shape} has 0 filters; it needs at least one")
    stride = pair_of_ints("conv2d: stride", stride)
    dilation = pair_of_ints("conv2d: dilation", dilation)
    groups = _pos_int("conv2d: groups", groups)
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"conv2d: padding must be 'valid', 'same', an integer or pairs, "
                             f"got {padding!r}")
        if padding == "same" and stride != (1, 1):
            raise ValueError(f"conv2d: padding='same' needs stride 1 (as in PyTorch), got "
                             f"stride {stride}")
        if padding == "valid" or w.ndim != 4:  # a bad w: the op names its shape
            pads: Any = ((0, 0), (0, 0))
        else:  # PyTorch's split: the odd pixel of d (k - 1) goes to the bottom / right
            total = [d * (k - 1) for d, k in zip(dilation, w.shape[2:])]
            pads = tuple((t // 2, t - t // 2) for t in total)
    elif (isinstance(padding, (tuple, list)) and len(padding) == 2
          and all(isinstance(p, (tuple, list)) for p in padding)):
        pads = tuple(pair_of_ints("conv2d: padding", p, 0) for p in padding)
    elif isinstance(padding, (tuple, list)) and len(padding) == 4:
        raise ValueError(f"conv2d: padding {tuple(padding)!r} is ambiguous: write "
                         "((top, bottom), (left, right)) per side (F.pad's (left, right, top, "
                         f"bottom) is (({padding[2]}, {padding[3]}), ({padding[0]}, "
                         f"{padding[1]})))")
    else:
        ph, pw = pair_of_ints("conv2d: padding", padding, 0)
        pads = ((ph, ph), (pw, pw))
    if x.ndim == 4 and w.ndim == 4:  # beyond this, padding adds nothing but zeros to allocate
        most = max(*x.shape[2:], *w.shape[2:])
        if max(max(p) for p in pads) > most:
            raise ValueError(f"conv2d: padding={padding} is larger than the input's "
                             f"{x.shape[2:]} and the kernel's {w.shape[2:]} sizes; at most "
                             f"{most} adds anything but zeros")
    return dict(stride=stride, padding=pads, dilation=dilation, groups=groups)


def conv2d(x: Any, w: Any, b: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: Any = 1) -> Tensor:
    """2-D cross-correlation of x (N, C, H, W) with filters w (F, C/groups, KH, KW) (+ bias b
    (F,)) -> (N, F, OH, OW), OH = (H + top + bottom - dh (KH - 1) - 1) // sh + 1, as PyTorch's
    F.conv2d (same argument order). stride and dilation: an int or (rows, columns); padding: an
    int, (rows, columns), per side ((top, bottom), (left, right)), "valid" or "same"; groups:
    C and F split into that many groups, group g's filters seeing only group g's channels."""
    ts = as_tensors([x, w] if b is None else [x, w, b])
    return Conv2d.apply(*ts, **_conv2d_args(ts[0], ts[1], stride, padding, dilation, groups))


def _pool_args(op: str, kernel: Any, kernel_size: Any, stride: Any, padding: Any
               ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(kernel, stride, padding) pairs of a pooling call; kernel_size is PyTorch's name."""
    if kernel_size is not None:
        if kernel is not None:
            raise ValueError(f"{op}: give kernel or kernel_size (the same thing), not both")
        kernel = kernel_size
    kernel = pair_of_ints(f"{op}: kernel", 2 if kernel is None else kernel)
    stride = kernel if stride is None else pair_of_ints(f"{op}: stride", stride)
    padding = pair_of_ints(f"{op}: padding", padding, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        half = (kernel[0] // 2, kernel[1] // 2)
        raise ValueError(f"{op}: padding must be at most kernel // 2 = "
                         f"{half[0] if half[0] == half[1] else half} on each side, got "
                         f"{padding[0] if padding[0] == padding[1] else padding}")
    return kernel, stride, padding


def max_pool2d(x: Any, kernel: Any = None, stride: Any = None, padding: Any = 0, *,
               kernel_size: Any = None) -> Tensor:
    """Max over kernel (default 2; an int or (rows, columns); PyTorch's kernel_size) windows
    every `stride` (default: the kernel) pixels of x (N, C, H, W), after padding each side of H
    and W with `padding` (at most half the kernel on that axis) pixels of -inf."""
    kernel, stride, padding = _pool_args("max_pool2d", kernel, kernel_size, stride, padding)
    x = as_tensor_of(x)
    # the pad never wins a window (padding <= kernel // 2 leaves a real pixel in each): -inf
    # for floats, the smallest value for integers (which keep their dtype, as torch's)
    kind = x.dtype.kind
    low = -np.inf if kind in "fc" else (False if kind == "b" else np.iinfo(x.dtype).min)
    x = _pool_pad(x, padding, low, "max_pool2d")
    return MaxPool2d.apply(x, kernel=kernel, stride=stride)


def avg_pool2d(x: Any, kernel: Any = None, stride: Any = None, padding: Any = 0, *,
               kernel_size: Any = None) -> Tensor:
    """Mean over kernel windows every `stride` pixels of x (N, C, H, W), as max_pool2d, after
    zero-padding each side by `padding` (the zeros count: PyTorch's count_include_pad)."""
    kernel, stride, padding = _pool_args("avg_pool2d", kernel, kernel_size, stride, padding)
    x = _pool_pad(as_tensor_of(x), padding, 0.0, "avg_pool2d")
    return AvgPool2d.apply(x, kernel=kernel, stride=stride)


def _pool_pad(x: Tensor, padding: tuple[int, int], value: float, op: str) -> Tensor:
    """x padded for pooling by (rows, columns) pixels of `value` on each side."""
    if padding == (0, 0):
        return x
    if x.ndim != 4:
        raise ValueError(f"{op} expects x (N, C, H, W), got {x.shape}")
    (ph, pw) = padding
    return pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


# ---- resampling (compositions of index_select, multiply and add) ----------------------------
_INTERP_MODES = {"nearest": (3, 4), "linear": (3,), "bilinear": (4,)}


def _out_sizes(size: Any, scale_factor: Any, spatial: tuple[int, ...],
               recompute: Any) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """torch's output sizes and the scales its index rules use (None: in / out)."""
    k = len(spatial)
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * k
        if len(sizes) != k or not all(isinstance(s, (int, np.integer)) and not isinstance(
                s, bool) and s > 0 for s in sizes):
            raise ValueError(f"interpolate: size must be {k} positive integers for an input "
                             f"with {k} spatial dims, got {size!r}")
        return tuple(int(s) for s in sizes), (None,) * k
    scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else \
        (scale_factor,) * k
    if len(scales) != k or not all(isinstance(s, (int, float, np.number)) and not isinstance(
            s, bool) and s > 0 for s in scales):
        raise ValueError(f"interpolate: scale_factor must be {k} positive numbers for an input "
                         f"with {k} spatial dims, got {scale_factor!r}")
    sizes = tuple(int(np.floor(n * float(s))) for n, s in zip(spatial, scales))
    if min(sizes) < 1:
        raise ValueError(f"interpolate: scale_factor {scale_factor!r} gives an empty output "
                         f"for spatial size {spatial}")
    return sizes, (None,) * k if recompute else tuple(float(s) for s in scales)


def _nearest_index(n_in: int, n_out: int, scale: float | None, dtype: Any) -> np.ndarray:
    """torch's nearest rule: floor(i * in / out) (1 / scale_factor where one was given), capped
    at in - 1, rounded as torch's kernel rounds: the product in the input's float type, then
    floorf (a float32 floor), so 26 / 1.7333333333333336 reads 15, not 14.999999999999996."""
    dtype = dtype if np.dtype(dtype).kind == "f" else np.float64
    s = np.asarray(1.0 / scale if scale is not None else n_in / n_out).astype(dtype)
    src = np.floor((np.arange(n_out, dtype=dtype) * s).astype(np.float32)).astype(np.intp)
    return np.minimum(src, n_in - 1)


def _linear_weights(n_in: int, n_out: int, scale: float | None,
                    align_corners: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """torch's linear rule: the two source indices of each output and the second's weight."""
    i = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = i * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        s = 1.0 / scale if scale is not None else n_in / n_out
        src = np.maximum(s * (i + 0.5) - 0.5, 0.0)
    i0 = np.minimum(src.astype(np.intp), n_in - 1)
    i1 = i0 + (i0 < n_in - 1)
    return i0, i1, src - i0


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """F.interpolate of (N, C, L) or (N, C, H, W) inputs: mode "nearest" (the source of
    output i is floor(i * in / out), 1 / scale_factor where one is given, torch's rule), or
    "linear" (3-D) / "bilinear" (4-D), align_corners False (half-pixel centres, clamped at 0)
    or True (the corners' centres meet). The output size is `size`, or floor(in *
    scale_factor). Composed of index_select, multiply and add, one spatial axis at a time, so
    the gradient is those ops'. Other modes refuse."""
    x = as_tensor_of(input)
    if mode not in _INTERP_MODES:
        raise ValueError(f"interpolate: mode {mode!r} is not supported (only 'nearest', "
                         "'linear' for 3-D and 'bilinear' for 4-D inputs)")
    if x.ndim not in _INTERP_MODES[mode]:
        raise ValueError(f"interpolate: mode {mode!r} takes a "
                         f"{' or '.join(f'{d}-D' for d in _INTERP_MODES[mode])} input (N, C, "
                         f"...), got shape {tuple(x.shape)}")
    if antialias:
        raise ValueError("interpolate: antialias=True is not supported")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners can only be set with mode 'linear' or "
                         "'bilinear'")
    spatial = tuple(x.shape[2:])
    sizes, scales = _out_sizes(size, scale_factor, spatial, recompute_scale_factor)
    if min(spatial) < 1:
        raise ValueError(f"interpolate: the input's spatial dims must be non-empty, got shape "
                         f"{tuple(x.shape)}")
    # the last axis first: torch's sums, h0 * (w0 * x00 + w1 * x01) + h1 * (...), rounded alike
    for k, (n_in, n_out, scale) in reversed(list(enumerate(zip(spatial, sizes, scales)))):
        axis = 2 + k
        if mode == "nearest":
            x = x.index_select(axis, _nearest_index(n_in, n_out, scale, x.data.dtype))
            continue
        i0, i1, w1 = _linear_weights(n_in, n_out, scale, bool(align_corners))
        shape = (n_out,) + (1,) * (x.ndim - axis - 1)
        w0 = Tensor((1.0 - w1).reshape(shape).astype(x.data.dtype))
        w1 = Tensor(w1.reshape(shape).astype(x.data.dtype))
        x = x.index_select(axis, i0) * w0 + x.index_select(axis, i1) * w1
    return x
