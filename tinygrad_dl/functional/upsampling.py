"""Resampling: F.interpolate and F.upsample (nearest, nearest-exact, linear, bilinear,
trilinear and bicubic: compositions of index_select, multiply and add, one spatial axis at a
time; area: the adaptive average pool) and torch's deprecated F.upsample_nearest and
F.upsample_bilinear. The index and weight rules are torch 2.13's CPU kernels', arithmetic
included: the scale and source position in the input's float type (float32 for float32 and
float16 input, float64 for float64), floored as a float32 (ATen's floorf)."""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

import numpy as np

from ..hooks import literal
from ..ops.allocation import check_alloc
from ..ops.fma import fma
from ..tensor import Tensor
from .methods import as_tensor_of
from .pooling import adaptive_avg

# ---- resampling (compositions of index_select, multiply and add) ----------------------------
# each mode and the input ranks it takes (N, C and 1, 2 or 3 spatial axes)
_INTERP_MODES = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "area": (3, 4, 5),
                 "linear": (3,), "bilinear": (4,), "trilinear": (5,), "bicubic": (4,)}
INTERPOLATE_MODES = tuple(_INTERP_MODES)  # (nn.Upsample checks its mode against these)
_INDEX_MODES = ("nearest", "nearest-exact", "area")  # (no align_corners)
_A = -0.75  # the cubic convolution's parameter (torch's bicubic)
# each tap: (its source index per output, None: the axis as it is; its weight, None: 1)
Taps = list[tuple["np.ndarray | None", "np.ndarray | None"]]


def _out_sizes(size: Any, scale_factor: Any, spatial: tuple[int, ...], recompute: Any,
               empty_ok: bool = False) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """torch's output sizes and the scales its index rules use (None: in / out). empty_ok:
    an output size of 0 is taken (mode 'area', torch's adaptive pool: an empty result)."""
    k = len(spatial)
    least = 0 if empty_ok else 1
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * k
        if len(sizes) != k or not all(isinstance(s, (int, np.integer)) and not isinstance(
                s, bool) and s >= least for s in sizes):
            what = "non-negative" if empty_ok else "positive"
            raise ValueError(f"interpolate: size must be {k} {what} integers for an input "
                             f"with {k} spatial dims, got {size!r}")
        return tuple(int(s) for s in sizes), (None,) * k
    scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else \
        (scale_factor,) * k
    if len(scales) != k or not all(isinstance(s, (int, float, np.number)) and not isinstance(
            s, bool) and 0 < s < np.inf for s in scales):
        raise ValueError(f"interpolate: scale_factor must be {k} positive finite numbers for an "
                         f"input with {k} spatial dims, got {scale_factor!r}")
    sizes = tuple(int(np.floor(n * float(s))) for n, s in zip(spatial, scales))
    if min(sizes) < least:
        raise ValueError(f"interpolate: scale_factor {scale_factor!r} gives an empty output "
                         f"for spatial size {spatial}")
    return sizes, (None,) * k if recompute else tuple(float(s) for s in scales)


def _opmath(dtype: Any) -> type:
    """The float type torch's kernels compute indices and weights in for this input: float32
    for float16 and float32 (complex64 too), float64 otherwise."""
    return np.float32 if np.dtype(dtype) in (np.float16, np.float32, np.complex64) else \
        np.float64


def _inverse_scale(n_in: int, n_out: int, scale: float | None, op: type) -> Any:
    """torch's compute_scales_value: 1 / scale_factor (in float64, then `op`) where one was
    given, else in / out in `op`."""
    return op(1.0 / scale) if scale is not None else op(n_in) / op(n_out)


def _half_pixel(s: Any, n_out: int, op: type) -> np.ndarray:
    """s (i + 0.5) - 0.5 for the outputs i, rounded once, in `op`: the fused multiply-add that
    torch's AVX2 / AVX512 kernels compute (its scalar default kernel rounds twice, a last-bit
    difference that matters only on a node beside an inf or NaN entry: a weight of 0, or of
    2.8e-17 times inf); `ops.fma`."""
    return fma(s, np.arange(n_out) + 0.5, -0.5, op)


def _nearest_index(n_in: int, n_out: int, scale: float | None, dtype: Any,
                   two_d: bool = False) -> np.ndarray:
    """torch's nearest rule: floor(i * in / out) (1 / scale_factor where one was given), capped
    at in - 1, rounded as torch's kernel rounds: the product in the input's float type, then
    floorf (a float32 floor), so 26 / 1.7333333333333336 reads 15, not 14.999999999999996.
    torch's 2-D kernel (nearest_idx) reads out == in as i and out == 2 in as i // 2 before
    any scale: scale_factor=2.25 of a width of 2 (out 4) reads [0, 0, 1, 1], not the scale's
    [0, 0, 0, 1] (its 1-D and 3-D kernel has no such shortcut), and its scale is a float32
    whatever the input's type (a float64 width of 14 to 46: output 23 reads 6, not 7)."""
    if two_d and n_out in (n_in, 2 * n_in):
        return np.arange(n_out, dtype=np.intp) // (n_out // n_in)
    dtype = np.float32 if two_d else dtype if np.dtype(dtype).kind == "f" else np.float64
    s = np.asarray(1.0 / scale if scale is not None else n_in / n_out).astype(dtype)
    src = np.floor((np.arange(n_out, dtype=dtype) * s).astype(np.float32)).astype(np.intp)
    return np.minimum(src, n_in - 1)


def _nearest_exact_index(n_in: int, n_out: int, scale: float | None, dtype: Any,
                         two_d: bool = False) -> np.ndarray:
    """torch's nearest-exact rule: floor((i + 0.5) * in / out), capped at in - 1. Its 2-D
    kernel: a float32 scale times the float64 i + 0.5, floorf; its 1-D and 3-D kernel: the
    half-pixel source (i + 0.5) * scale - 0.5 in the input's float type (clamped at 0), plus
    0.5 in float64, floorf."""
    if two_d:
        src = (np.arange(n_out) + 0.5) * np.float64(_inverse_scale(n_in, n_out, scale,
                                                                    np.float32))
    else:
        op = _opmath(dtype)
        real = _half_pixel(_inverse_scale(n_in, n_out, scale, op), n_out, op)
        src = np.maximum(real, 0).astype(np.float64) + 0.5
    return np.minimum(np.floor(src.astype(np.float32)).astype(np.intp), n_in - 1)


def _source_positions(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                      cubic: bool, op: type) -> tuple[np.ndarray, np.ndarray]:
    """torch's area_pixel_compute_source_index and guard_index_and_lambda, in `op`: each
    output's source position's floor (floorf of it, capped at in - 1) and the fraction past
    it (clamped to [0, 1]). align_corners: i (in - 1) / (out - 1); else the half-pixel centre
    (i + 0.5) / scale - 0.5, clamped at 0 unless cubic."""
    if align_corners:
        s = op(n_in - 1) / op(n_out - 1) if n_out > 1 else op(0)
        real = (s * np.arange(n_out).astype(op)).astype(op)
    else:
        real = _half_pixel(_inverse_scale(n_in, n_out, scale, op), n_out, op)
        if not cubic:
            real = np.maximum(real, op(0))
    i0 = np.minimum(np.floor(real.astype(np.float32)).astype(np.intp), n_in - 1)
    lam = np.clip(real - i0.astype(op), op(0), op(1)).astype(op)
    return i0, lam


def _cubic_weights(t: np.ndarray, op: type) -> tuple[np.ndarray, ...]:
    """torch's get_cubic_upsample_coefficients: the cubic convolution (A = -0.75) at the four
    taps' distances t + 1, t, 1 - t and 2 - t, in `op`."""
    a = op(_A)

    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((a + op(2)) * x - (a + op(3))) * x * x + op(1)

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((a * x - op(5) * a) * x + op(8) * a) * x - op(4) * a

    u = (op(1) - t).astype(op)
    return far((t + op(1)).astype(op)), near(t), near(u), far((u + op(1)).astype(op))


@lru_cache(maxsize=256)
def _axis_taps(mode: str, n_in: int, n_out: int, scale: float | None, align_corners: bool,
               dtype: Any, two_d: bool, antialias: bool = False) -> tuple[tuple[Any, ...], ...]:
    """One spatial axis's resampling: the source indices and weights its outputs sum, and the
    mask of the outputs a tap adds to (None: all), made once per axis (a training step
    resamples the same shapes each call: the index and weight arithmetic cost ~4% of a small
    bilinear forward + backward) and read-only (shared)."""
    if antialias:
        index, weight, mask = _aa_taps(mode, n_in, n_out, scale, align_corners, _opmath(dtype))
        taps: list[tuple[Any, ...]] = [
            (index[:, j], weight[:, j], None if j == 0 or mask[:, j].all() else mask[:, j])
            for j in range(index.shape[1]) if j == 0 or mask[:, j].any()]
    else:
        taps = [tap + (None,) for tap in _make_taps(mode, n_in, n_out, scale, align_corners,
                                                    dtype, two_d)]
    for tap in taps:
        for a in tap:
            if a is not None:
                a.setflags(write=False)
    return tuple(taps)


def _make_taps(mode: str, n_in: int, n_out: int, scale: float | None, align_corners: bool,
               dtype: Any, two_d: bool) -> Taps:
    """`_axis_taps`'s arrays, made afresh."""
    if mode == "nearest":
        return [(_nearest_index(n_in, n_out, scale, dtype, two_d), None)]
    if mode == "nearest-exact":
        return [(_nearest_exact_index(n_in, n_out, scale, dtype, two_d), None)]
    op = _opmath(dtype)
    if mode == "bicubic":  # 4 taps about the floor, clamped to the border
        i0, t = _source_positions(n_in, n_out, scale, align_corners, True, op)
        return [(np.clip(i0 + j - 1, 0, n_in - 1), w)
                for j, w in enumerate(_cubic_weights(t, op))]
    if n_out == n_in:  # torch's linear kernels read such an axis as 1 x_i + 0 x_i, whatever
        # the scale (scale_factor=1.01 of a width of 4 reads [0, 1, 2, 3], not its [0, 0.985,
        # ...]); the 0 x_i term too: an inf or NaN entry gives NaN there, as torch's. 1 x_i is
        # x_i, bit for bit (its gradient g too): no multiply
        return [(None, None), (None, np.zeros(n_in, op))]
    i0, w1 = _source_positions(n_in, n_out, scale, align_corners, False, op)
    return [(i0, (op(1) - w1).astype(op)), (i0 + (i0 < n_in - 1), w1)]


def _aa_filter(mode: str, x: np.ndarray, op: type) -> np.ndarray:
    """torch's antialias filters at the distances x, in `op`: the triangle 1 - |x| (bilinear)
    or the cubic convolution with A = -0.5 (bicubic: Pillow's, not the plain mode's -0.75),
    its products and sums fused as torch's compiled kernel fuses them (`ops.fma`: at the
    support's edge a weight of exactly 0 or a last-bit one decides NaN or inf beside an inf)."""
    x = np.abs(x).astype(op)
    if mode == "bilinear":
        return np.where(x < 1, (1.0 - x.astype(np.float64)).astype(op), op(0)).astype(op)
    a = op(-0.5)
    near = fma(fma(a + op(2), x, -(a + op(3)), op) * x, x, op(1), op)
    far = fma(fma(fma(a, x, -op(5) * a, op), x, op(8) * a, op), x, -op(4) * a, op)
    return np.where(x < 1, near, np.where(x < 2, far, op(0))).astype(op)


def _aa_taps(mode: str, n_in: int, n_out: int, scale: float | None, align_corners: bool,
             op: type) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """torch 2.13's antialias weights for one axis (its separable CPU kernel, Pillow's rule):
    output i centred at s (i + 0.5) (s = in / out, 1 / scale_factor, or (in - 1) / (out - 1)
    with align_corners) reads the inputs within the filter's support, widened by s where s > 1
    (downsampling), each weighted by the filter at its distance / s, normalised to sum 1.
    Returns the (out, K) source indices (padding capped in range), weights (padding 0) and
    the mask of the taps each output reads, in torch's arithmetic (C++ float promotions)."""
    f64 = np.float64
    if align_corners:
        s = op(n_in - 1) / op(n_out - 1) if n_out > 1 else op(0)
    else:
        s = _inverse_scale(n_in, n_out, scale, op)
    s = op(s)
    half = 1.0 if mode == "bilinear" else 2.0  # (the filter's support: interp_size / 2)
    support = op(half * f64(s)) if s >= 1 else op(half)
    k = int(np.ceil(f64(support))) * 2 + 1
    invscale = op(1.0 / f64(s)) if s >= 1 else op(1)
    center = (f64(s) * (np.arange(n_out) + 0.5)).astype(op)
    lo = np.maximum(np.trunc((center - support).astype(op).astype(f64) + 0.5), 0).astype(np.intp)
    hi = np.minimum(np.trunc((center + support).astype(op).astype(f64) + 0.5), n_in)
    size = np.clip(hi.astype(np.intp) - lo, 0, k)
    j = np.arange(k)
    mask = j < size[:, None]
    dist = ((lo[:, None] + j).astype(op) - center[:, None]).astype(op)
    w = np.where(mask, _aa_filter(mode, ((dist.astype(f64) + 0.5) * f64(invscale)).astype(op),
                                  op), op(0)).astype(op)
    total = np.zeros(n_out, op)
    for c in range(k):  # (summed in order, as torch's)
        total = (total + w[:, c]).astype(op)
    w = np.where(total[:, None] != 0, w / np.where(total == 0, op(1), total)[:, None],
                 w).astype(op)
    return np.minimum(lo[:, None] + j, n_in - 1), w, mask


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """F.interpolate of (N, C, L), (N, C, H, W) or (N, C, D, H, W) inputs. Modes: "nearest"
    (the source of output i is floor(i * in / out), 1 / scale_factor where one is given,
    torch's rule) and "nearest-exact" (floor((i + 0.5) * in / out)), any rank; "linear" (3-D),
    "bilinear" (4-D), "trilinear" (5-D) and "bicubic" (4-D; torch's cubic convolution, A =
    -0.75, its taps clamped to the border), align_corners False (half-pixel centres) or True
    (the corners' centres meet); "area" (any rank): the adaptive average pool to the output
    size. The output size is `size`, or floor(in * scale_factor). Composed of index_select,
    multiply and add, one spatial axis at a time (area: of sums), so the gradient is those
    ops'. antialias=True (bilinear, bicubic): torch's antialiased resampling (`_aa_taps`)."""
    x = as_tensor_of(input)
    if mode not in _INTERP_MODES:
        raise ValueError(f"interpolate: mode {mode!r} is not supported (only "
                         f"{', '.join(repr(m) for m in INTERPOLATE_MODES)})")
    if x.ndim not in _INTERP_MODES[mode]:
        raise ValueError(f"interpolate: mode {mode!r} takes a "
                         f"{' or '.join(f'{d}-D' for d in _INTERP_MODES[mode])} input (N, C, "
                         f"...), got shape {tuple(x.shape)}")
    if antialias and mode not in ("bilinear", "bicubic"):  # (torch's rule: 4-D checked above)
        raise ValueError(f"interpolate: antialias=True takes mode 'bilinear' or 'bicubic' (a "
                         f"4-D input), got mode {mode!r}")
    if mode not in ("nearest", "nearest-exact") and x.data.dtype.kind not in "fc":
        # its weights cast to the input's integer type would be 0 or 1 (a silently wrong
        # result); torch refuses integers too (bar its uint8 bilinear, which rounds)
        raise TypeError(f"interpolate: mode {mode!r} needs a floating-point input, got "
                        f"{x.data.dtype}; cast it first (x.double())")
    if recompute_scale_factor and size is not None:  # torch's error
        raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                         "explicit size")
    if mode in _INDEX_MODES and align_corners is not None:
        raise ValueError("interpolate: align_corners can only be set with mode 'linear', "
                         "'bilinear', 'bicubic' or 'trilinear'")
    spatial = tuple(x.shape[2:])
    sizes, scales = _out_sizes(size, scale_factor, spatial, recompute_scale_factor,
                               mode == "area")
    if min(spatial) < 1:
        raise ValueError(f"interpolate: the input's spatial dims must be non-empty, got shape "
                         f"{tuple(x.shape)}")
    check_alloc(lambda: f"interpolate: size {sizes} of {tuple(x.shape)}",
                tuple(x.shape[:2]) + sizes, x.data.dtype)
    if mode == "area":  # torch's: adaptive_avg_pool to the output size (scales unused)
        if 0 in sizes:  # (torch's empty result; the other modes refuse, as torch's)
            return x.reshape(-1)[:0].reshape(tuple(x.shape[:2]) + sizes)
        return adaptive_avg(x, sizes).contiguous()
    # the last axis first: torch's sums, h0 * (w0 * x00 + w1 * x01) + h1 * (...), rounded alike
    for k, (n_in, n_out, scale) in reversed(list(enumerate(zip(spatial, sizes, scales)))):
        if antialias and n_in == n_out:  # (torch's separable kernel skips a kept axis)
            continue
        axis = 2 + k
        taps = _axis_taps(mode, n_in, n_out, scale, bool(align_corners), x.data.dtype,
                          len(spatial) == 2, antialias)
        shape = (n_out,) + (1,) * (x.ndim - axis - 1)
        out = None
        for index, weight, mask in taps:  # (literals: made from shapes only, a jitted step
            # replays); a masked tap adds only to the outputs whose support reaches it
            term = x if index is None else x.index_select(axis, literal(index))
            if weight is not None:
                term = term * Tensor(literal(weight.reshape(shape).astype(x.data.dtype)))
            if out is None:
                out = term
            elif mask is None:
                out = out + term
            else:
                out = (out + term).where(literal(mask.reshape(shape)), out)
        x = out
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
