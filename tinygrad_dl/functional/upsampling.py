"""Resampling: F.interpolate and F.upsample (nearest, linear and bilinear: compositions of
index_select, multiply and add) and torch's deprecated F.upsample_nearest and
F.upsample_bilinear."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor
from .methods import as_tensor_of

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


def _nearest_index(n_in: int, n_out: int, scale: float | None, dtype: Any,
                   two_d: bool = False) -> np.ndarray:
    """torch's nearest rule: floor(i * in / out) (1 / scale_factor where one was given), capped
    at in - 1, rounded as torch's kernel rounds: the product in the input's float type, then
    floorf (a float32 floor), so 26 / 1.7333333333333336 reads 15, not 14.999999999999996.
    torch's 2-D kernel (nearest_idx) reads out == in as i and out == 2 in as i // 2 before
    any scale: scale_factor=2.25 of a width of 2 (out 4) reads [0, 0, 1, 1], not the scale's
    [0, 0, 0, 1] (its 1-D kernel has no such shortcut), and its scale is a float32 whatever
    the input's type (a float64 width of 14 to 46: output 23 reads 6, not 7)."""
    if two_d and n_out in (n_in, 2 * n_in):
        return np.arange(n_out, dtype=np.intp) // (n_out // n_in)
    dtype = np.float32 if two_d else dtype if np.dtype(dtype).kind == "f" else np.float64
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
    if mode != "nearest" and x.data.dtype.kind not in "fc":
        # its weights cast to the input's integer type would be 0 or 1 (a silently wrong
        # result); torch refuses integers too (bar its uint8 bilinear, which rounds)
        raise TypeError(f"interpolate: mode {mode!r} needs a floating-point input, got "
                        f"{x.data.dtype}; cast it first (x.double())")
    if recompute_scale_factor and size is not None:  # torch's error
        raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                         "explicit size")
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
            x = x.index_select(axis, _nearest_index(n_in, n_out, scale, x.data.dtype,
                                                    len(spatial) == 2))
            continue
        if n_out == n_in:  # torch's linear kernels copy such an axis, whatever the scale
            # (scale_factor=1.01 of a width of 4 reads [0, 1, 2, 3], not its [0, 0.985, ...])
            x = x.index_select(axis, np.arange(n_in))
            continue
        i0, i1, w1 = _linear_weights(n_in, n_out, scale, bool(align_corners))
        shape = (n_out,) + (1,) * (x.ndim - axis - 1)
        w0 = Tensor((1.0 - w1).reshape(shape).astype(x.data.dtype))
        w1 = Tensor(w1.reshape(shape).astype(x.data.dtype))
        x = x.index_select(axis, i0) * w0 + x.index_select(axis, i1) * w1
    return x.contiguous()  # (C-contiguous, as torch's: `.view(N, -1)` after it works)


def upsample(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """PyTorch's deprecated F.upsample: F.interpolate, with torch's UserWarning that says so."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


# ---- deprecated resampling names ------------------------------------------------------------
def upsample_nearest(input: Any, size: Any = None, scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated F.upsample_nearest: F.interpolate(mode="nearest"), with torch's
    warning."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Any, size: Any = None, scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated F.upsample_bilinear: F.interpolate(mode="bilinear",
    align_corners=True), with torch's warning."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
