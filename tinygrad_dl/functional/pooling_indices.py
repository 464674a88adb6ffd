"""PyTorch's max pools with their indices (F.max_pool1d/2d(..., return_indices=True),
F.max_pool1d_with_indices / max_pool2d_with_indices, dilation and ceil_mode), their inverse
F.max_unpool1d / max_unpool2d, and F.lp_pool1d / lp_pool2d.

The indices are torch's: per (sample, channel) plane, the flat position `h * W + w` (1-D: the
position along L) of the window's maximum, chosen by torch's CPU kernel's rule (the first
maximum, but the last NaN when the window holds one; a window of -inf names its first real
position). The values are then the input read at those indices (take_along_dim), so the
gradient goes exactly where torch's backward sends it (added up where windows overlap).
max_unpool writes each value at its index into zeros (ops.Scatter: the gradient is the output's
gradient read back at the indices, as torch's)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import Scatter
from ..ops.allocation import check_alloc
from ..ops.spelling import torch_keywords
from ..tensor import Tensor
from . import conv, pooling
from .avg_pool_modes import pool_out_size
from .conv import avg_pool2d, empty_of, pair_of_ints
from .methods import as_tensor_of, bool_arg
from .volumetric_conv import triple

_AXES = {1: "L", 2: "H, W", 3: "D, H, W"}


def sizes_of(who: str, dims: int, name: str, value: Any, minimum: int = 1, one: bool = False
             ) -> tuple[int, ...]:
    """An int or `dims` ints (each >= minimum), as torch's _single / _pair (`one`: a 1-tuple
    too, spread over the axes as torch's native ops do)."""
    if dims == 1:
        return (pooling.one_int(who, name, value, minimum),)
    if dims == 3:
        return triple(who, name, value, minimum, one)
    return pair_of_ints(f"{who}: {name}", value, minimum, one)


def pool_args(who: str, dims: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any
              ) -> tuple[tuple[int, ...], ...]:
    """(kernel, stride, padding, dilation) of a max pool: stride None (or []) is the kernel,
    padding at most half the kernel on each axis (torch's rule)."""
    d = sizes_of(who, dims, "dilation", dilation, one=True)
    if dims == 1:  # (F.max_pool1d's own checks and words)
        k1, s1, p1 = pooling.pool_sizes(who, kernel_size, stride, padding)
        return (k1,), (s1,), (p1,), d
    k = sizes_of(who, dims, "kernel_size", kernel_size, one=True)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        sizes_of(who, dims, "stride", stride, one=True)
    p = sizes_of(who, dims, "padding", padding, 0, one=True)
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"{who}: padding must be at most half the kernel_size, got padding "
                         f"{p} for kernel_size {k}")
    return k, s, p, d


def windows(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool
            ) -> tuple[np.ndarray, np.ndarray]:
    """Each output position's window along one axis of n: (positions (out, k), valid), torch's
    output size (ceil_mode: a last window may start in the right padding, never past it)."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    pos = np.arange(max(out, 0))[:, None] * s - p + np.arange(k)[None, :] * d
    return pos, (pos >= 0) & (pos < n)


def argmax_indices(who: str, x: Tensor, dims: int, k: tuple[int, ...], s: tuple[int, ...],
                   p: tuple[int, ...], d: tuple[int, ...], ceil_mode: bool) -> np.ndarray:
    """torch's indices of max_pool{dims}d over x (..., *spatial): int64, shape (..., *out)."""
    return window_argmax(x, *pool_windows(who, x, dims, k, s, p, d, ceil_mode))


def pool_windows(who: str, x: Tensor, dims: int, k: tuple[int, ...], s: tuple[int, ...],
                 p: tuple[int, ...], d: tuple[int, ...], ceil_mode: bool
                 ) -> tuple[tuple[int, ...], list[tuple[np.ndarray, np.ndarray]]]:
    """max_pool{dims}d's checks of x and the geometry: (spatial, each axis's windows)."""
    shape = tuple(x.shape)
    if len(shape) not in (dims + 1, dims + 2):
        raise ValueError(f"{who}: expected input (N, C, {_AXES[dims]}) or (C, {_AXES[dims]}), "
                         f"got {shape}")
    if x.dtype.kind not in "fiu":
        raise TypeError(f"{who}: expected a float or integer input, got {x.dtype}")
    spatial = shape[-dims:]
    if 0 in spatial:
        raise ValueError(f"{who}: the input {shape} has no positions to pool")
    axes = [windows(n, *a, ceil_mode) for n, a in zip(spatial, zip(k, s, p, d))]
    out = tuple(pos.shape[0] for pos, _ in axes)
    if min(out) < 1:
        raise ValueError(f"{who}: the output would be {out} for the input {shape} (kernel_size "
                         f"{k}, stride {s}, padding {p}, dilation {d}): too small")
    if not all(ok.any(axis=1).all() for _, ok in axes):  # (dilation or ceil_mode can do it)
        raise ValueError(f"{who}: a window (kernel_size {k}, stride {s}, padding {p}, dilation "
                         f"{d}, ceil_mode {ceil_mode}) holds only padding, no position of the "
                         f"input {shape}: torch's result there is undefined (an index out of "
                         f"range)")
    return spatial, axes


def window_argmax(x: Tensor, spatial: tuple[int, ...], axes: list[tuple[np.ndarray, np.ndarray]]
                  ) -> np.ndarray:
    """torch's indices of the max over windows of x (..., *spatial): axes[j] holds each
    output position's window along spatial axis j, (positions (out_j, k_j), valid)."""
    dims, shape = len(spatial), tuple(x.shape)
    out = tuple(pos.shape[0] for pos, _ in axes)
    flat, valid = axes[0]
    for j, (pos, ok) in enumerate(axes[1:], 1):  # row-major windows: (*out, k_1 * k_2 ...)
        flat = (flat[..., None, :, None] * spatial[j] + pos[:, None, :]).reshape(
            out[:j + 1] + (-1,))
        valid = (valid[..., None, :, None] & ok[:, None, :]).reshape(out[:j + 1] + (-1,))
    lead = shape[:-dims]
    a = x.data.reshape(lead + (int(np.prod(spatial)),))
    win = a[..., np.clip(flat, 0, a.shape[-1] - 1)]  # (..., *out, K)
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    vals = np.where(valid, win, low)
    hit = valid & (vals == vals.max(axis=-1, keepdims=True))
    j = hit.argmax(axis=-1)  # the first maximum (the first real position when all are -inf)
    if x.dtype.kind == "f":
        nan = valid & np.isnan(win)  # torch's kernel takes a NaN over anything, the last one
        j = np.where(nan.any(axis=-1), nan.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1), j)
    full = np.broadcast_to(flat, win.shape)
    return np.take_along_axis(full, j[..., None], axis=-1)[..., 0].astype(np.int64)


def adaptive_max_with_indices(who: str, x: Tensor, spatial: tuple[int, ...],
                              sizes: tuple[int | None, ...]) -> tuple[Tensor, Tensor]:
    """(values, int64 flat indices per map) of an adaptive max pool over x's last
    len(spatial) axes to `sizes` (None: that axis's size): torch's bins, a bin's first
    maximum (the last NaN where it holds one), the values read at the indices."""
    if x.dtype.kind not in "fiu":
        raise TypeError(f"{who}: expected a float or integer input, got {x.dtype}")
    out = tuple(n if o is None else o for n, o in zip(spatial, sizes))
    lead = tuple(x.shape[:-len(spatial)])
    if 0 in out:  # an empty result, as torch's
        return empty_of(lead + out, x), Tensor(np.zeros(lead + out, np.int64))
    axes = []
    for n, o in zip(spatial, out):
        b = np.array(pooling.bins(n, o))
        pos = b[:, :1] + np.arange(int((b[:, 1] - b[:, 0]).max()))[None, :]
        axes.append((pos, pos < b[:, 1:]))
    idx = window_argmax(x, spatial, axes)
    dims = len(spatial)
    lead, out = tuple(x.shape[:-dims]), idx.shape[-dims:]
    values = x.reshape(lead + (int(np.prod(spatial)),)).take_along_dim(
        idx.reshape(lead + (int(np.prod(out)),)), axis=-1).reshape(lead + out)
    return values, Tensor(idx)


def _adaptive_max(who: str, dims: int, input: Any, output_size: Any, return_indices: Any
                  ) -> Any:
    sizes = pooling.adaptive_sizes(who, dims, output_size)
    if not return_indices:  # (max_pool2d per bin: its gradient rule, and a replayable step)
        return pooling.adaptive_pool(who, dims, pooling.adaptive_max, input, sizes)
    x = as_tensor_of(input)
    axes = {1: "L", 2: "H, W"}[dims]
    shape = pooling.shape_of(who, x, dims, f"(N, C, {axes}) or (C, {axes})")
    if 0 in shape[-dims:]:
        raise ValueError(f"{who}: the input {shape} has no positions to pool")
    out = tuple(n if s is None else s for n, s in zip(shape[-dims:], sizes))
    check_alloc(lambda: f"{who}: output_size {out}", shape[:-dims] + out, np.int64)
    return adaptive_max_with_indices(who, x, shape[-dims:], sizes)


def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """PyTorch's F.adaptive_max_pool1d: the max over PyTorch's bins of (N, C, L) or (C, L); a
    bin's gradient goes to its first maximum. return_indices=True: (values, int64 indices)."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """PyTorch's F.adaptive_max_pool2d: the max over PyTorch's bins of (N, C, H, W) or
    (C, H, W); a bin's gradient goes to its first maximum (row by row). return_indices=True:
    (values, int64 flat indices per map), as max_pool2d's."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input: Any, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """torch's F.adaptive_max_pool1d_with_indices: (values, indices), whatever return_indices
    says (torch ignores it too)."""
    return _adaptive_max("adaptive_max_pool1d_with_indices", 1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Any, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """torch's F.adaptive_max_pool2d_with_indices: (values, indices), whatever return_indices
    says (torch ignores it too)."""
    return _adaptive_max("adaptive_max_pool2d_with_indices", 2, input, output_size, True)


def pool_with_indices(who: str, dims: int, input: Any, kernel_size: Any, stride: Any,
                      padding: Any, dilation: Any, ceil_mode: Any) -> tuple[Tensor, Tensor]:
    """(values, indices) of a max pool: the values read at the indices."""
    k, s, p, d = pool_args(who, dims, kernel_size, stride, padding, dilation)
    ceil_mode = bool_arg(who, "ceil_mode", ceil_mode)
    x = as_tensor_of(input)
    idx = argmax_indices(who, x, dims, k, s, p, d, ceil_mode)
    lead, out = tuple(x.shape[:-dims]), idx.shape[-dims:]
    flat = (int(np.prod(x.shape[-dims:])),)  # (not -1: an empty batch has no size to infer)
    values = x.reshape(lead + flat).take_along_dim(idx.reshape(lead + (int(np.prod(out)),)),
                                                   axis=-1)
    return values.reshape(lead + out), Tensor(idx)


def max_pool1d_with_indices(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = True) -> tuple[Tensor, Tensor]:
    """PyTorch's F.max_pool1d_with_indices: (values, indices) of the max over windows of
    (N, C, L) or (C, L); indices are positions along L (int64), as F.max_unpool1d takes."""
    return pool_with_indices("max_pool1d", 1, input, kernel_size, stride, padding, dilation,
                             ceil_mode)


def max_pool2d_with_indices(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = True) -> tuple[Tensor, Tensor]:
    """PyTorch's F.max_pool2d_with_indices: (values, indices) of the max over windows of
    (N, C, H, W) or (C, H, W); an index is the flat position h * W + w in its plane (int64)."""
    return pool_with_indices("max_pool2d", 2, input, kernel_size, stride, padding, dilation,
                             ceil_mode)


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False
               ) -> Any:
    """PyTorch's F.max_pool1d: the max over windows of kernel_size positions (spaced by
    dilation) every `stride` (default kernel_size) of (N, C, L) or (C, L), after padding each
    end with `padding` (at most kernel_size // 2) positions of -inf; a window's gradient goes
    to its first maximum. return_indices=True: (values, indices), as max_pool1d_with_indices."""
    ceil_mode = bool_arg("max_pool1d", "ceil_mode", ceil_mode)  # (torch refuses 1, "yes")
    if return_indices or ceil_mode or isinstance(dilation, (bool, np.bool_)) \
            or dilation not in (1, (1,), [1]):
        pair = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
        return pair if return_indices else pair[0]
    return pooling.max_pool1d(input, kernel_size, stride, padding)


@torch_keywords(input="x")
def max_pool2d(x: Any, kernel: Any = None, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False, *,
               kernel_size: Any = None) -> Any:
    """Max over kernel (default 2; an int or (rows, columns); PyTorch's kernel_size) windows
    every `stride` (default: the kernel) pixels of x (N, C, H, W), after padding each side of H
    and W with `padding` (at most half the kernel on that axis) pixels of -inf. dilation,
    ceil_mode and (C, H, W) input as torch's; return_indices=True: (values, indices), as
    max_pool2d_with_indices."""
    ceil_mode = bool_arg("max_pool2d", "ceil_mode", ceil_mode)  # (torch refuses 1, "yes")
    if return_indices or ceil_mode or isinstance(dilation, (bool, np.bool_)) \
            or dilation not in (1, (1,), [1], (1, 1), [1, 1]):
        if kernel_size is not None:
            if kernel is not None:
                raise ValueError("max_pool2d: give kernel or kernel_size (the same thing), "
                                 "not both")
            kernel = kernel_size
        pair = max_pool2d_with_indices(x, 2 if kernel is None else kernel, stride, padding,
                                       dilation, ceil_mode)
        return pair if return_indices else pair[0]
    x = as_tensor_of(x)
    if x.ndim == 3:  # torch's unbatched (C, H, W): the op takes (N, C, H, W)
        return conv.max_pool2d(x.unsqueeze(0), kernel, stride, padding,
                               kernel_size=kernel_size).squeeze(0)
    return conv.max_pool2d(x, kernel, stride, padding, kernel_size=kernel_size)


# ---- max_unpool ----------------------------------------------------------------------------
def unpool(who: str, dims: int, input: Any, indices: Any, kernel_size: Any, stride: Any,
           padding: Any, output_size: Any) -> Tensor:
    """Zeros of the unpooled size with input's values written at `indices` (flat per plane)."""
    k = sizes_of(who, dims, "kernel_size", kernel_size)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        sizes_of(who, dims, "stride", stride)
    p = sizes_of(who, dims, "padding", padding, 0)
    x = as_tensor_of(input)
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    shape = tuple(x.shape)
    if len(shape) not in (dims + 1, dims + 2):
        raise ValueError(f"{who}: expected input (N, C, {_AXES[dims]}) or (C, {_AXES[dims]}), "
                         f"got {shape}")
    if idx.dtype != np.int64:
        raise TypeError(f"{who}: indices must be int64 (as max_pool's return_indices gives), "
                        f"got {idx.dtype}")
    if idx.shape != shape:
        raise ValueError(f"{who}: indices of shape {idx.shape} do not match the input "
                         f"{shape}")
    default = tuple((n - 1) * si + ki - 2 * pi
                    for n, ki, si, pi in zip(shape[-dims:], k, s, p))
    if output_size is None:
        size = default
    else:
        size = tuple(int(v) for v in output_size)
        if len(size) == dims + 2:
            size = size[2:]
        if len(size) != dims or not all(
                d - si < v < d + si for v, d, si in zip(size, default, s)):
            raise ValueError(f"{who}: output_size {tuple(output_size)} must be {dims} sizes "
                             f"within the stride of the default {default}")
    if min(size) < 0:  # (a padding over the default size, or a negative output_size)
        raise ValueError(f"{who}: the output size {size} must not be negative")
    check_alloc(lambda: f"{who}: output size {size} of {shape}", shape[:-dims] + size, x.dtype)
    m = math.prod(size)  # (np.prod wrapped past 2**63)
    if m == 0:  # an empty output, as torch's: no position for any index to name
        return empty_of(shape[:-dims] + size, x)
    if idx.size and (idx.min() < 0 or idx.max() >= m):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{who}: found an invalid max index {bad} (each plane of the output, "
                         f"of size {size}, has {m} positions)")
    lead = shape[:-dims]
    b = int(np.prod(lead))
    zeros = Tensor(np.zeros((b, m), dtype=x.dtype))
    k_in = int(np.prod(shape[-dims:]))
    out = Scatter.apply(zeros, x.reshape(b, k_in), index=idx.reshape(b, k_in).astype(np.intp),
                        dim=1, reduce=None)
    return out.reshape(lead + size)


def max_unpool1d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """PyTorch's F.max_unpool1d: max_pool1d's partial inverse, (N, C, L) or (C, L) values
    written at their indices into zeros of length (L - 1) * stride + kernel_size - 2 * padding
    (or output_size); the gradient is read back at the indices."""
    return unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """PyTorch's F.max_unpool2d: max_pool2d's partial inverse, each value of (N, C, H, W) or
    (C, H, W) written at its flat index into zeros of torch's default size (or output_size);
    the gradient is read back at the indices."""
    return unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


# ---- lp_pool --------------------------------------------------------------------------------
def lp_pool(who: str, dims: int, input: Any, norm_type: Any, kernel_size: Any, stride: Any,
            ceil_mode: Any) -> Tensor:
    """torch's composition: (sum over the window of x^p)^(1/p), from avg_pool and its
    kernel's size (sgn(out) relu(|out|): torch's values and gradients, sign 0 at NaN so a NaN
    window sends no gradient, as torch's). ceil_mode: avg_pool's last partial window, its
    mean times the whole kernel's size (torch's formula, not the partial window's sum)."""
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float, np.integer,
                                                                 np.floating)):
        raise TypeError(f"{who}: norm_type must be a number, got {norm_type!r}")
    ceil_mode = bool_arg(who, "ceil_mode", ceil_mode)
    x = as_tensor_of(input)
    k = sizes_of(who, dims, "kernel_size", kernel_size)
    if np.isinf(norm_type):
        pooled = pool_with_indices(who, dims, x.abs() if norm_type > 0 else -x.abs(),
                                   kernel_size, stride, 0, 1, ceil_mode)[0]
        return pooled if norm_type > 0 else -pooled
    s = k if stride is None else sizes_of(who, dims, "stride", stride, one=True)
    shape = tuple(x.shape)
    if len(shape) not in (dims + 1, dims + 2):
        raise ValueError(f"{who}: expected input (N, C, {_AXES[dims]}) or (C, {_AXES[dims]}), "
                         f"got {shape}")
    if any(pool_out_size(n, ki, si, 0, ceil_mode) < 1
           for n, ki, si in zip(shape[-dims:], k, s)):
        raise ValueError(f"{who}: kernel_size {k} is larger than the input's {shape[-dims:]}")
    powered = x ** float(norm_type)
    if dims == 1:
        out = pooling.pool1d(who, avg_pool2d, powered, k[0], s[0], 0, ceil_mode)
    else:
        rows = powered.reshape((1,) * (4 - len(shape)) + shape)
        out = avg_pool2d(rows, k, s, 0, ceil_mode) if ceil_mode else avg_pool2d(rows, k, s)
        out = out.reshape(shape[:-2] + tuple(out.shape[-2:]))
    return (out.sgn() * out.abs().relu() * float(np.prod(k))) ** (1.0 / float(norm_type))


def lp_pool1d(input: Any, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """PyTorch's F.lp_pool1d: (sum of x^p over each window)^(1/p) of (N, C, L) or (C, L)
    (p = inf: the max of |x|); torch's composition, so its NaN for a negative sum."""
    return lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Any, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """PyTorch's F.lp_pool2d: (sum of x^p over each window)^(1/p) of (N, C, H, W) or
    (C, H, W) (p = inf: the max of |x|); torch's composition."""
    return lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)
