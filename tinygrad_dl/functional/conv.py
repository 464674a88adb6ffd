"""Convolution, transposed convolution, unfold / fold, pixel and channel shuffle and pooling
(NCHW) with their argument checks (the ops: ops/conv.py); interpolate is in upsampling.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import (
    AvgPool2d,
    Conv2d,
    ConvTranspose2d,
    Fold,
    MaxPool2d,
    Unfold,
)
from ..ops.allocation import check_alloc
from ..ops.spelling import torch_keywords
from ..tensor import Tensor
from .avg_pool_modes import divisor_override_arg, window_mean
from .joins import pad
from .methods import as_tensor_of, as_tensors, bool_arg

# The most entries conv2d pads its input to (2**31: 16 GiB of float64): torch pads as asked,
# and a padding of 10**6 would otherwise end in NumPy's MemoryError, not one line
MAX_PADDED = 2**31


# ---- convolution and pooling (NCHW; ops/conv.py) --------------------------------------------
def _pos_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def pair_of_ints(name: str, value: Any, minimum: int = 1, one: bool = False
                 ) -> tuple[int, int]:
    """One int for both axes, or a pair (rows, columns): PyTorch's two spellings; `one`: a
    1-tuple too (torch's native ops spread one value over the axes; its Python ones do not)."""
    if one and isinstance(value, (tuple, list)):
        value = spread_one(value)
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an integer or a pair (rows, columns) of "
                             f"integers >= {minimum}, got {value!r}")
        return _pos_int(name, value[0], minimum), _pos_int(name, value[1], minimum)
    v = _pos_int(name, value, minimum)
    return v, v


def spread_one(value: Any) -> Any:
    """A 1-tuple (2,) of a number read as 2, as torch's native ops spread it over the axes; a
    1-tuple of a tuple (((1, 1),)) stays one (torch refuses it)."""
    if isinstance(value, (tuple, list)) and len(value) == 1 \
            and not isinstance(value[0], (tuple, list)):
        return value[0]
    return value


def refuse_empty_sides(who: str, shape: tuple[int, ...], k: int) -> None:
    """torch's rule for a convolution's input (N, C, *k sides): a side of 0 positions is
    refused unless the batch or the channels are empty too (its output would be the bias)."""
    if 0 in shape[-k:] and 0 not in shape[:-k]:
        raise ValueError(f"{who}: input {shape} has an empty spatial side; as in PyTorch, "
                         "only an empty batch or channel dimension is supported: drop the "
                         "empty input")


def empty_of(shape: tuple[int, ...], x: Tensor) -> Tensor:
    """An empty result of `shape` in x's graph (x's gradient from it: zeros), as torch's pools
    give for an output side of 0."""
    return x.reshape(-1)[:0].reshape(shape)


def conv2d_padding(who: str, padding: Any, stride: tuple[int, int],
                   dilation: tuple[int, int], kernel: tuple[int, ...] | None
                   ) -> tuple[tuple[int, int], ...]:
    """((top, bottom), (left, right)) from conv2d's padding: an int, (rows, columns), per side
    pairs, "valid" or "same" (stride 1; PyTorch's split: the odd pixel of d (k - 1) goes to
    the bottom / right; no kernel: zeros)."""
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"{who}: padding must be 'valid', 'same', an integer or pairs, "
                             f"got {padding!r}")
        if padding == "same" and stride != (1, 1):
            raise ValueError(f"{who}: padding='same' needs stride 1 (as in PyTorch), got "
                             f"stride {stride}")
        if padding == "valid" or kernel is None:
            return ((0, 0), (0, 0))
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return tuple((t // 2, t - t // 2) for t in total)
    if (isinstance(padding, (tuple, list)) and len(padding) == 2
            and all(isinstance(p, (tuple, list)) for p in padding)):
        return tuple(pair_of_ints(f"{who}: padding", p, 0) for p in padding)
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        raise ValueError(f"{who}: padding {tuple(padding)!r} is ambiguous: write "
                         "((top, bottom), (left, right)) per side (F.pad's (left, right, top, "
                         f"bottom) is (({padding[2]}, {padding[3]}), ({padding[0]}, "
                         f"{padding[1]})))")
    ph, pw = pair_of_ints(f"{who}: padding", padding, 0, one=True)
    return ((ph, ph), (pw, pw))


def _conv2d_args(x: Tensor, w: Tensor, stride: Any, padding: Any, dilation: Any, groups: Any
                 ) -> dict[str, Any]:
    """conv2d's options checked and spelled out for the op: stride (sh, sw), padding
    ((top, bottom), (left, right)), dilation (dh, dw), groups. Every argument check of conv2d's
    options lives here, before anything is allocated (the shapes are checked by the op,
    ops/conv.py ConvGeometry)."""
    if w.ndim == 4 and w.shape[0] == 0:
        raise ValueError(f"conv2d: the weight {w.shape} has 0 filters; it needs at least one")
    stride = pair_of_ints("conv2d: stride", stride, one=True)
    dilation = pair_of_ints("conv2d: dilation", dilation, one=True)
    groups = _pos_int("conv2d: groups", groups)
    # (a bad w: the op names its shape)
    pads = conv2d_padding("conv2d", padding, stride, dilation,
                          w.shape[2:] if w.ndim == 4 else None)
    if x.ndim == 4:  # (torch pads as asked; a padding of 10**6 asked NumPy for 58 TiB)
        refuse_empty_sides("conv2d", tuple(x.shape), 2)
        padded = (*x.shape[:2], *(n + a + b for n, (a, b) in zip(x.shape[2:], pads)))
        if math.prod(padded) > MAX_PADDED:
            raise ValueError(f"conv2d: padding={padding} is larger than the memory allows: the "
                             f"padded input {padded} of {x.shape} would hold over 2**31 "
                             f"entries; pad less")
    return dict(stride=stride, padding=pads, dilation=dilation, groups=groups)


@torch_keywords(input="x", weight="w", bias="b")
def conv2d(x: Any, w: Any, b: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: Any = 1) -> Tensor:
    """2-D cross-correlation of x (N, C, H, W) (or unbatched (C, H, W)) with filters w (F,
    C/groups, KH, KW) (+ bias b (F,)) -> (N, F, OH, OW),
    OH = (H + top + bottom - dh (KH - 1) - 1) // sh + 1, as PyTorch's F.conv2d (same argument
    order). stride and dilation: an int or (rows, columns); padding: an
    int, (rows, columns), per side ((top, bottom), (left, right)), "valid" or "same"; groups:
    C and F split into that many groups, group g's filters seeing only group g's channels."""
    ts = as_tensors([x, w] if b is None else [x, w, b])
    if ts[0].ndim == 3 and ts[1].ndim == 4:  # unbatched (C, H, W), as torch's: a batch of one
        refuse_empty_sides("conv2d", tuple(ts[0].shape), 2)  # (naming the shape given)
        x4 = ts[0].reshape((1,) + tuple(ts[0].shape))
        y = Conv2d.apply(x4, *ts[1:], **_conv2d_args(x4, ts[1], stride, padding, dilation,
                                                     groups))
        return y.reshape(tuple(y.shape[1:]))
    return Conv2d.apply(*ts, **_conv2d_args(ts[0], ts[1], stride, padding, dilation, groups))


# ---- transposed convolution, unfold, fold (ops/conv.py: the adjoints of conv2d's parts) -----
def ints_of(name: str, value: Any, k: int, minimum: int = 1, one: bool = False
            ) -> tuple[int, ...]:
    """k ints >= minimum from one int or a k-tuple (PyTorch's spellings; `one`: a 1-tuple too,
    as pair_of_ints)."""
    if k == 2:
        return pair_of_ints(name, value, minimum, one)
    if k > 2:  # (conv_transpose3d's module: an int or a k-tuple)
        if one and isinstance(value, (tuple, list)):
            value = spread_one(value)
        vals = tuple(value) if isinstance(value, (tuple, list)) else (value,) * k
        if len(vals) != k:
            raise ValueError(f"{name} must be an integer or {k} integers >= {minimum}, got "
                             f"{value!r}")
        return tuple(_pos_int(name, v, minimum) for v in vals)
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{name} must be an integer or a 1-tuple of integers >= "
                             f"{minimum}, got {value!r}")
        value = value[0]
    return (_pos_int(name, value, minimum),)


def _shape(t: Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def _conv_transpose(op: str, k: int, x: Any, w: Any, b: Any, stride: Any, padding: Any,
                    output_padding: Any, groups: Any, dilation: Any) -> Tensor:
    """conv_transpose1d (k = 1: over a height of 1) and conv_transpose2d: every check of the
    shapes and options, naming `op` and the shapes as given, then one ConvTranspose2d."""
    ts = as_tensors([x, w] if b is None else [x, w, b])
    x, w = ts[0], ts[1]
    sides = "L" if k == 1 else "H, W"
    ks = "K" if k == 1 else "KH, KW"
    if x.ndim not in (k + 1, k + 2) or w.ndim != k + 2:
        raise ValueError(f"{op} expects input (N, C_in, {sides}) or (C_in, {sides}) and weight "
                         f"(C_in, C_out / groups, {ks}), got input {_shape(x)} and weight "
                         f"{_shape(w)}")
    stride = ints_of(f"{op}: stride", stride, k, 1, one=True)
    dilation = ints_of(f"{op}: dilation", dilation, k, 1, one=True)
    padding = ints_of(f"{op}: padding", padding, k, 0, one=True)
    output_padding = ints_of(f"{op}: output_padding", output_padding, k, 0, one=True)
    groups = _pos_int(f"{op}: groups", groups)
    for o, s, d in zip(output_padding, stride, dilation):
        if o >= s and o >= d:  # PyTorch's rule: such rows would be a second copy of nothing
            raise ValueError(f"{op}: output_padding {output_padding} must be smaller than "
                             f"either stride {stride} or dilation {dilation} on each axis")
    batched = x.ndim == k + 2
    c_in = x.shape[1 if batched else 0]
    if w.shape[0] != c_in:
        raise ValueError(f"{op}: input {_shape(x)} has {c_in} channels but weight {_shape(w)} "
                         f"(C_in, C_out / groups, {ks}) expects {w.shape[0]}")
    if c_in % groups:
        raise ValueError(f"{op}: groups={groups} does not divide the {c_in} input channels "
                         f"(weight {_shape(w)})")
    if min(w.shape) < 1:
        raise ValueError(f"{op}: the weight {_shape(w)} must have at least one input and one "
                         "output channel and a kernel of at least one pixel per axis")
    c_out = w.shape[1] * groups
    if b is not None and _shape(ts[2]) != (c_out,):
        raise ValueError(f"{op}: bias must have shape ({c_out},) for weight {_shape(w)} and "
                         f"groups={groups}, got {_shape(ts[2])}")
    size = x.shape[-k:]
    out = tuple((i - 1) * s - 2 * p + d * (kk - 1) + o + 1 for i, s, p, d, kk, o in zip(
        size, stride, padding, dilation, w.shape[2:], output_padding))
    if min(size) < 1:  # (torch's empty batch of it is empty: its checks skipped)
        raise ValueError(f"{op}: input {_shape(x)} has an empty spatial side: no input position "
                         "reaches the output; drop the empty input")
    if min(out) < 1:
        raise ValueError(f"{op}: input {_shape(x)} with weight {_shape(w)}, stride {stride}, "
                         f"padding {padding}, dilation {dilation} gives output size {out}; "
                         "every side must be at least 1")
    lead = x.shape[:-k - 1] if batched else (1,)
    check_alloc(lambda: f"{op}: stride {stride}, padding {padding}, dilation {dilation}, "
                f"output_padding {output_padding} of {_shape(x)}", lead + (c_out,) + out,
                x.data.dtype)
    # 1-D: a height of 1 (its stride and dilation 1, its padding 0)
    x4 = x.reshape(lead + (c_in,) + (1,) * (2 - k) + size)
    w4 = w.reshape(w.shape[:2] + (1,) * (2 - k) + w.shape[2:])
    one = (1,) * (2 - k)
    y = ConvTranspose2d.apply(x4, w4, *ts[2:], stride=one + stride,
                              padding=(0,) * (2 - k) + padding,
                              output_padding=(0,) * (2 - k) + output_padding,
                              dilation=one + dilation, groups=groups)
    return y.reshape((x.shape[:-k - 1] if batched else ()) + (c_out,) + out)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: Any = 1,
                     dilation: Any = 1) -> Tensor:
    """PyTorch's F.conv_transpose2d (same argument order): x (N, C_in, H, W) or (C_in, H, W),
    weight (C_in, C_out / groups, KH, KW), bias (C_out,) -> (N, C_out, OH, OW), OH = (H - 1)
    sh - 2 ph + dh (KH - 1) + oph + 1: the gradient of conv2d with respect to its input.
    stride, padding, output_padding, dilation: an int or (rows, columns); output_padding (rows
    added at the bottom, columns at the right) must be smaller than the stride or the dilation
    on its axis."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: Any = 1,
                     dilation: Any = 1) -> Tensor:
    """PyTorch's F.conv_transpose1d: x (N, C_in, L) or (C_in, L), weight (C_in, C_out /
    groups, K) -> (N, C_out, (L - 1) s - 2 p + d (K - 1) + output_padding + 1); the options are
    ints (or 1-tuples). conv_transpose2d over a height of 1."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def _patch_args(op: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any
                ) -> dict[str, tuple[int, int]]:
    return dict(kernel=pair_of_ints(f"{op}: kernel_size", kernel_size),
                dilation=pair_of_ints(f"{op}: dilation", dilation),
                padding=pair_of_ints(f"{op}: padding", padding, 0),
                stride=pair_of_ints(f"{op}: stride", stride))


def _blocks(op: str, size: tuple[int, ...], kw: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """The (rows, columns) of sliding blocks over an image of `size`, at least one each."""
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in zip(
        size, kw["padding"], kw["dilation"], kw["kernel"], kw["stride"]))
    if min(out) < 1 or min(size) < 1:
        raise ValueError(f"{op}: spatial size {size} with kernel_size {kw['kernel']}, dilation "
                         f"{kw['dilation']}, padding {kw['padding']}, stride {kw['stride']} "
                         f"gives {out} sliding blocks; each must be at least 1")
    return out[0], out[1]


def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
           ) -> Tensor:
    """PyTorch's F.unfold (im2col): x (N, C, H, W) or (C, H, W) -> (N, C*KH*KW, L), column
    l = the l-th sliding block in row-major order, row c*KH*KW + i*KW + j its pixel (i, j) of
    channel c. The options: an int or (rows, columns); padding adds zeros on both sides."""
    x = as_tensor_of(input)
    kw = _patch_args("unfold", kernel_size, dilation, padding, stride)
    if x.ndim not in (3, 4):
        raise ValueError(f"unfold expects input (N, C, H, W) or (C, H, W), got {_shape(x)}")
    blocks = _blocks("unfold", _shape(x)[-2:], kw)
    n_c = math.prod(_shape(x)[:-2])  # (N C: its columns, and the padded input it reads)
    check_alloc(lambda: f"unfold: kernel_size {kw['kernel']}, padding {kw['padding']} of "
                f"{_shape(x)}",
                (n_c * max(math.prod(kw["kernel"]) * math.prod(blocks), math.prod(
                    n + 2 * p for n, p in zip(_shape(x)[-2:], kw["padding"]))),),
                x.data.dtype)
    if x.ndim == 3:  # one image: a batch of one, and back
        y = Unfold.apply(x.reshape((1,) + _shape(x)), **kw)
        return y.reshape(_shape(y)[1:])
    return Unfold.apply(x, **kw)


def fold(input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """PyTorch's F.fold (col2im), unfold's adjoint: x (N, C*KH*KW, L) or (C*KH*KW, L) ->
    (N, C, H, W), (H, W) = output_size, each sliding block added where unfold reads it
    (overlapping blocks add up). L must be the number of blocks the options give."""
    x = as_tensor_of(input)
    kw = _patch_args("fold", kernel_size, dilation, padding, stride)
    size = pair_of_ints("fold: output_size", output_size)
    if x.ndim not in (2, 3):
        raise ValueError(f"fold expects input (N, C*KH*KW, L) or (C*KH*KW, L), got {_shape(x)}")
    kk = kw["kernel"][0] * kw["kernel"][1]
    rows, length = x.shape[-2:]
    if rows % kk:
        raise ValueError(f"fold: input {_shape(x)} has {rows} rows, not a multiple of "
                         f"kernel_size {kw['kernel']}'s {kk} pixels")
    oh, ow = _blocks("fold", size, kw)
    if length != oh * ow:
        raise ValueError(f"fold: input {_shape(x)} has {length} blocks, but output_size "
                         f"{size} with these options has {oh} * {ow} = {oh * ow}")
    check_alloc(lambda: f"fold: output_size {size}, padding {kw['padding']} of {_shape(x)}",
                _shape(x)[:-2] + (rows // kk,) + tuple(n + 2 * p for n, p in zip(
                    size, kw["padding"])), x.data.dtype)  # (the padded output)
    if x.ndim == 2:  # one image: a batch of one, and back
        y = Fold.apply(x.reshape((1,) + _shape(x)), output_size=size, **kw)
        return y.reshape(_shape(y)[1:])
    return Fold.apply(x, output_size=size, **kw)


def _shuffle_check(op: str, x: Tensor, name: str, factor: Any) -> int:
    r = _pos_int(f"{op}: {name}", factor)
    if x.ndim < 3:
        raise ValueError(f"{op} expects an input (*, C, H, W) of at least 3 dimensions, got "
                         f"{_shape(x)}")
    return r


def pixel_shuffle(input: Any, upscale_factor: Any) -> Tensor:
    """PyTorch's F.pixel_shuffle: (*, C r^2, H, W) -> (*, C, H r, W r), channel c r^2 + i r + j
    going to pixel (i, j) of each r x r block: a reshape, a permute and a reshape."""
    x = as_tensor_of(input)
    r = _shuffle_check("pixel_shuffle", x, "upscale_factor", upscale_factor)
    *lead, c, h, w = _shape(x)
    if c % (r * r):
        raise ValueError(f"pixel_shuffle: the input {_shape(x)} has {c} channels, not a "
                         f"multiple of upscale_factor^2 = {r * r}")
    k = len(lead)
    y = x.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    y = y.permute(tuple(range(k)) + tuple(k + a for a in (0, 3, 1, 4, 2)))
    return _new_memory(y.reshape(tuple(lead) + (c // (r * r), h * r, w * r)), x)


def pixel_unshuffle(input: Any, downscale_factor: Any) -> Tensor:
    """PyTorch's F.pixel_unshuffle, pixel_shuffle's inverse: (*, C, H r, W r) ->
    (*, C r^2, H, W): a reshape, a permute and a reshape."""
    x = as_tensor_of(input)
    r = _shuffle_check("pixel_unshuffle", x, "downscale_factor", downscale_factor)
    *lead, c, h, w = _shape(x)
    if h % r or w % r:
        raise ValueError(f"pixel_unshuffle: the input {_shape(x)}'s height and width must be "
                         f"multiples of downscale_factor {r}")
    k = len(lead)
    y = x.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    y = y.permute(tuple(range(k)) + tuple(k + a for a in (0, 2, 4, 1, 3)))
    return _new_memory(y.reshape(tuple(lead) + (c * r * r, h // r, w // r)), x)


def channel_shuffle(input: Any, groups: int) -> Tensor:
    """PyTorch's F.channel_shuffle: the C channels of (N, C, ...) read as (groups, C /
    groups) and transposed (ShuffleNet's)."""
    x = as_tensor_of(input)
    shape = tuple(x.shape)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"channel_shuffle: groups must be an integer >= 1, got {groups!r}")
    if len(shape) < 3:
        raise ValueError(f"channel_shuffle: expected an input of 3 or more dims (N, C, ...), "
                         f"got {shape}")
    if shape[1] % groups:
        raise ValueError(f"channel_shuffle: the number of channels ({shape[1]}) must be "
                         f"divisible by groups ({groups})")
    g = int(groups)
    split = x.reshape((shape[0], g, shape[1] // g) + shape[2:])
    y = split.swapaxes(1, 2).reshape(shape)
    # torch's result is new memory; groups 1 or C moves nothing and the reshapes are views
    # of x, where a write into the result (y.add_(1)) changed x without a word
    return _new_memory(y, x)


def _new_memory(y: Tensor, x: Tensor) -> Tensor:
    """y, copied where it is a view of x: torch's pixel_shuffle result is always new memory,
    and the reshapes are views where the permute moves nothing (r = 1, one pixel per
    channel), so a write into the result would change x. An empty y is copied where it is a
    view (NumPy sees no memory shared: a write guard's lock on it reached x, and a later
    write into x made a backward refuse that torch's runs)."""
    a = y.data
    return y.clone() if np.may_share_memory(a, x.data) or (not a.size and a.base is not None) \
        else y


def _pool_args(op: str, kernel: Any, kernel_size: Any, stride: Any, padding: Any
               ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(kernel, stride, padding) pairs of a pooling call; kernel_size is PyTorch's name."""
    if kernel_size is not None:
        if kernel is not None:
            raise ValueError(f"{op}: give kernel or kernel_size (the same thing), not both")
        kernel = kernel_size
    kernel = pair_of_ints(f"{op}: kernel", 2 if kernel is None else kernel, one=True)
    stride = kernel if stride is None else pair_of_ints(f"{op}: stride", stride, one=True)
    padding = pair_of_ints(f"{op}: padding", padding, 0, one=True)
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
    # for floats, the smallest value for integers (which keep their dtype, as torch's); a
    # window of real pixels all at that value ties with the pad: the op, told the padding,
    # sends its gradient to the first real one
    kind = x.dtype.kind
    low = -np.inf if kind in "fc" else (False if kind == "b" else np.iinfo(x.dtype).min)
    if padding == (0, 0):
        return MaxPool2d.apply(x, kernel=kernel, stride=stride)
    x = _pool_pad(x, padding, low, "max_pool2d")
    return MaxPool2d.apply(x, kernel=kernel, stride=stride, pad=padding)


@torch_keywords(input="x")
def avg_pool2d(x: Any, kernel: Any = None, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None, *, kernel_size: Any = None) -> Tensor:
    """Mean over kernel windows every `stride` pixels of x (N, C, H, W), as max_pool2d, after
    zero-padding each side by `padding`. PyTorch's options: count_include_pad (the zeros
    count in the divisor), ceil_mode (a last partial window, none starting in the right
    padding), divisor_override (that divisor everywhere); with any of them not at its
    default. x may also be (C, H, W), as torch's; an integer x gives float64."""
    kernel, stride, padding = _pool_args("avg_pool2d", kernel, kernel_size, stride, padding)
    divisor_override = divisor_override_arg("avg_pool2d", divisor_override)
    ceil_mode = bool_arg("avg_pool2d", "ceil_mode", ceil_mode)  # (torch refuses 1, "yes", None)
    count_include_pad = bool_arg("avg_pool2d", "count_include_pad", count_include_pad)
    x = as_tensor_of(x)
    if ceil_mode or not count_include_pad or divisor_override is not None or x.ndim == 3:
        if x.ndim not in (3, 4) or 0 in x.shape[-2:]:
            raise ValueError(f"avg_pool2d: expected input (N, C, H, W) or (C, H, W) with "
                             f"non-empty H and W, got {x.shape}")
        if x.dtype.kind not in "fc":  # (the op's rule: the mean of integers is float64)
            x = x.astype(np.float64)
        return window_mean("avg_pool2d", x, kernel, stride, padding, bool(ceil_mode),
                           bool(count_include_pad), divisor_override)
    x = _pool_pad(x, padding, 0.0, "avg_pool2d")
    return AvgPool2d.apply(x, kernel=kernel, stride=stride)


def _pool_pad(x: Tensor, padding: tuple[int, int], value: float, op: str) -> Tensor:
    """x padded for pooling by (rows, columns) pixels of `value` on each side."""
    if padding == (0, 0):
        return x
    if x.ndim != 4:
        raise ValueError(f"{op} expects x (N, C, H, W), got {x.shape}")
    (ph, pw) = padding
    return pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)

