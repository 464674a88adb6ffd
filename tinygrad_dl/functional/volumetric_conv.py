"""PyTorch's F.conv3d and F.conv_transpose3d over volumes (N, C, D, H, W), composed of conv2d /
conv_transpose2d, pad, slicing, stack, reshape and permute: their values and gradients are
those ops', with no op of their own (nn.Conv3d and nn.ConvTranspose3d call these).

conv3d is ONE conv2d: output depth od of tap kd reads input depth od * sd + kd * dd, so the KD
strided depth slices of the padded input are stacked into the channels, (N * OD, G * KD * C/G,
H, W), group-major to match the weight permuted to (F, KD * C/G, KH, KW).
conv_transpose3d is ONE conv_transpose2d with the KD taps as extra output channels; tap kd's
result is spread along depth (input depth i lands at i * sd + kd * dd) and the taps summed,
then torch's padding is cropped off (output_padding's extra planes are zeros plus the bias)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from .conv import MAX_PADDED, conv2d, conv_transpose2d, refuse_empty_sides, spread_one
from .joins import pad, stack
from .methods import as_tensors


def _shp(t: Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def triple(who: str, name: str, value: Any, minimum: int = 1, one: bool = False
           ) -> tuple[int, int, int]:
    """One int for all three axes, or a triple (depth, rows, columns): torch's _triple (`one`:
    a 1-tuple too, spread over the axes as torch's native ops do)."""
    if one and isinstance(value, (tuple, list)):
        value = spread_one(value)
    vals = tuple(value) if isinstance(value, (tuple, list)) else (value,) * 3
    if len(vals) != 3 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
            and v >= minimum for v in vals):
        raise ValueError(f"{who}: {name} must be an integer or a triple of integers >= "
                         f"{minimum}, got {value!r}")
    return int(vals[0]), int(vals[1]), int(vals[2])


def conv3d_padding(who: str, padding: Any, stride: tuple[int, ...], dilation: tuple[int, ...],
                   kernel: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """(before, after) per spatial axis from an int, a triple, "valid" or "same" (stride 1;
    the odd zero of d (k - 1) goes after, as torch)."""
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"{who}: padding must be 'valid', 'same', an integer or a triple, "
                             f"got {padding!r}")
        if padding == "same" and stride != (1, 1, 1):
            raise ValueError(f"{who}: padding='same' needs stride 1 (as in PyTorch), got "
                             f"stride {stride}")
        if padding == "valid":
            return ((0, 0),) * 3
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return tuple((t // 2, t - t // 2) for t in total)
    return tuple((p, p) for p in triple(who, "padding", padding, 0, one=True))


def conv3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: Any = 1) -> Tensor:
    """PyTorch's F.conv3d (same argument order): x (N, C_in, D, H, W) or (C_in, D, H, W),
    weight (C_out, C_in / groups, KD, KH, KW), bias (C_out,) -> (N, C_out, OD, OH, OW),
    OD = (D + 2 pd - dd (KD - 1) - 1) // sd + 1. stride, dilation: an int or a triple;
    padding: an int, a triple, "valid" or "same" (stride 1)."""
    return conv3d_of("conv3d", input, weight, bias, stride, padding, dilation, groups)


def conv3d_of(who: str, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
              dilation: Any, groups: Any, pads: Any = None) -> Tensor:
    """F.conv3d with messages naming `who`; `pads` ((before, after) per axis) replaces
    padding when given (nn.Conv3d's padding_mode pads first)."""
    ts = as_tensors([input, weight] if bias is None else [input, weight, bias])
    x, w = ts[0], ts[1]
    if w.ndim != 5 or min(w.shape) < 1:
        raise ValueError(f"{who}: weight must be (C_out, C_in / groups, KD, KH, KW) with no "
                         f"empty side, got {_shp(w)}")
    stride = triple(who, "stride", stride, one=True)
    dilation = triple(who, "dilation", dilation, one=True)
    if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, (int, np.integer)) \
            or groups < 1:
        raise ValueError(f"{who}: groups must be an integer >= 1, got {groups!r}")
    g = int(groups)
    c_out, cg = w.shape[0], w.shape[1]
    c_in, kernel = cg * g, _shp(w)[2:]
    shape = _shp(x)
    if len(shape) not in (4, 5) or shape[-4] != c_in:
        raise ValueError(f"{who}: expected input (N, {c_in}, D, H, W) or ({c_in}, D, H, W), "
                         f"got {shape} (weight {_shp(w)}, groups={g})")
    if c_out % g:
        raise ValueError(f"{who}: groups={g} does not divide the weight {_shp(w)}'s {c_out} "
                         "output channels")
    if bias is not None and _shp(ts[2]) != (c_out,):
        raise ValueError(f"{who}: bias must have shape ({c_out},) for weight {_shp(w)}, got "
                         f"{_shp(ts[2])}")
    if pads is None:
        pads = conv3d_padding(who, padding, stride, dilation, kernel)
    padded = tuple(n + a + b for n, (a, b) in zip(shape[-3:], pads))
    # (as conv2d's: a padding of 10**6 asked NumPy for exabytes)
    if math.prod(shape[:-3]) * math.prod(padded) > MAX_PADDED:
        raise ValueError(f"{who}: padding={padding} is larger than the memory allows: the "
                         f"padded input {padded} of {shape} would hold over 2**31 entries; "
                         "pad less")
    span = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    refuse_empty_sides(who, shape, 3)
    if any(n < s for n, s in zip(padded, span)):
        raise ValueError(f"{who}: the kernel {kernel} (dilation {dilation}, spanning {span}) "
                         f"is larger than the padded input {padded} (input {shape})")
    x5 = x if len(shape) == 5 else x.reshape((1,) + shape)
    if any(a or b for a, b in pads):
        x5 = pad(x5, ((0, 0), (0, 0)) + tuple(pads))
    n = x5.shape[0]
    (sd, sh, sw), (dd, dh, dw) = stride, dilation
    od = (padded[0] - span[0]) // sd + 1
    hp, wp = padded[1], padded[2]
    taps = [x5[:, :, k * dd:k * dd + sd * (od - 1) + 1:sd] for k in range(kernel[0])]
    cols = taps[0].unsqueeze(1) if len(taps) == 1 else stack(taps, axis=1)  # (N, KD, C, OD..)
    cols = cols.reshape((n, kernel[0], g, c_in // g, od, hp, wp))
    cols = cols.permute(0, 4, 2, 1, 3, 5, 6).reshape((n * od, g * kernel[0] * cg, hp, wp))
    w2 = w.permute(0, 2, 1, 3, 4).reshape((c_out, kernel[0] * cg) + kernel[1:])
    y = conv2d(cols, w2, ts[2] if bias is not None else None, stride=(sh, sw), padding=0,
               dilation=(dh, dw), groups=g)
    y = y.reshape((n, od, c_out) + _shp(y)[2:]).permute(0, 2, 1, 3, 4)
    y = y.contiguous()  # (C-contiguous, as torch's: `.view(N, -1)` after it works)
    return y if len(shape) == 5 else y.reshape(_shp(y)[1:])


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: Any = 1,
                     dilation: Any = 1) -> Tensor:
    """PyTorch's F.conv_transpose3d (same argument order): x (N, C_in, D, H, W) or
    (C_in, D, H, W), weight (C_in, C_out / groups, KD, KH, KW), bias (C_out,) ->
    (N, C_out, OD, OH, OW), OD = (D - 1) sd - 2 pd + dd (KD - 1) + opd + 1: conv3d's input
    gradient. The options: an int or a triple; output_padding below the stride or the
    dilation on its axis."""
    who = "conv_transpose3d"
    ts = as_tensors([input, weight] if bias is None else [input, weight, bias])
    x, w = ts[0], ts[1]
    if x.ndim not in (4, 5) or w.ndim != 5:
        raise ValueError(f"{who} expects input (N, C_in, D, H, W) or (C_in, D, H, W) and weight "
                         f"(C_in, C_out / groups, KD, KH, KW), got input {_shp(x)} and weight "
                         f"{_shp(w)}")
    stride = triple(who, "stride", stride, one=True)
    dilation = triple(who, "dilation", dilation, one=True)
    padding = triple(who, "padding", padding, 0, one=True)
    output_padding = triple(who, "output_padding", output_padding, 0, one=True)
    if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, (int, np.integer)) \
            or groups < 1:
        raise ValueError(f"{who}: groups must be an integer >= 1, got {groups!r}")
    g = int(groups)
    for o, s, d in zip(output_padding, stride, dilation):
        if o >= s and o >= d:
            raise ValueError(f"{who}: output_padding {output_padding} must be smaller than "
                             f"either stride {stride} or dilation {dilation} on each axis")
    shape = _shp(x)
    c_in = shape[-4]
    if w.shape[0] != c_in or c_in % g or min(w.shape) < 1:
        raise ValueError(f"{who}: input {shape} with {c_in} channels does not fit weight "
                         f"{_shp(w)} (C_in, C_out / groups, KD, KH, KW) and groups={g}")
    cog, kernel = w.shape[1], _shp(w)[2:]
    c_out = cog * g
    if bias is not None and _shp(ts[2]) != (c_out,):
        raise ValueError(f"{who}: bias must have shape ({c_out},) for weight {_shp(w)} and "
                         f"groups={g}, got {_shp(ts[2])}")
    size = shape[-3:]
    out = tuple((i - 1) * s - 2 * p + d * (k - 1) + o + 1 for i, s, p, d, k, o in zip(
        size, stride, padding, dilation, kernel, output_padding))
    if min(size) < 1:  # (torch's empty batch of it is empty: its checks skipped)
        raise ValueError(f"{who}: input {shape} has an empty spatial side: no input position "
                         "reaches the output; drop the empty input")
    if min(out) < 1:
        raise ValueError(f"{who}: input {shape} with weight {_shp(w)}, stride {stride}, padding "
                         f"{padding}, dilation {dilation} gives output size {out}; every side "
                         "must be at least 1")
    x5 = x if len(shape) == 5 else x.reshape((1,) + shape)
    n, depth, kd = x5.shape[0], size[0], kernel[0]
    (sd, sh, sw), (pd, ph, pw), (dd, dh, dw) = stride, padding, dilation
    rows = x5.permute(0, 2, 1, 3, 4).reshape((n * depth, c_in) + size[1:])
    w2 = w.permute(0, 2, 1, 3, 4).reshape((c_in, kd * cog) + kernel[1:])
    y = conv_transpose2d(rows, w2, None, (sh, sw), (ph, pw), output_padding[1:], g, (dh, dw))
    oh, ow = _shp(y)[2:]
    y = y.reshape((n, depth, g, kd, cog, oh, ow)).permute(0, 2, 4, 3, 1, 5, 6)
    y = y.reshape((n, c_out, kd, depth, oh, ow))
    if sd > 1:  # input depth i lands at i * sd: sd - 1 planes of zeros after each
        y = pad(y.unsqueeze(4), ((0, 0),) * 4 + ((0, sd - 1), (0, 0), (0, 0)))
        y = y.reshape((n, c_out, kd, depth * sd, oh, ow))[:, :, :, :(depth - 1) * sd + 1]
    full = (depth - 1) * sd + 1 + (kd - 1) * dd
    total = None
    for k in range(kd):  # tap k shifted down by k * dd planes
        part = y[:, :, k]
        if kd > 1:
            part = pad(part, ((0, 0), (0, 0), (k * dd, (kd - 1 - k) * dd), (0, 0), (0, 0)))
        total = part if total is None else total + part
    assert total is not None
    y = total[:, :, pd:min(full, pd + out[0])]
    if pd + out[0] > full:  # output_padding past torch's padding: planes no input reaches
        y = pad(y, ((0, 0), (0, 0), (0, pd + out[0] - full), (0, 0), (0, 0)))
    if bias is not None:
        y = y + ts[2].reshape((c_out, 1, 1, 1))
    y = y.contiguous()  # (C-contiguous, as torch's: `.view(N, -1)` after it works)
    return y if len(shape) == 5 else y.reshape(_shp(y)[1:])
