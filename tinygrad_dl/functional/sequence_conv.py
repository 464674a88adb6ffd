"""PyTorch's F.conv1d: conv2d over a height of 1, with its argument checks (nn.Conv1d's
forward is `conv1d_of` here: one home)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .conv import conv2d, ints_of, refuse_empty_sides
from .methods import as_tensors


def _shp(t: Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: Any = 1) -> Tensor:
    """PyTorch's F.conv1d (same argument order): x (N, C_in, L) or (C_in, L), weight (C_out,
    C_in / groups, K), bias (C_out,) -> (N, C_out, (L + 2 p - d (K - 1) - 1) // s + 1).
    stride, dilation: an int (or 1-tuple); padding: an int (zeros at both ends), "valid" or
    "same" (stride 1; an odd total's extra zero at the end, as PyTorch). conv2d over a height
    of 1: its values and gradients are conv2d's (nn.Conv1d calls this too)."""
    return conv1d_of("conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv1d_of(who: str, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
              dilation: Any, groups: Any) -> Tensor:
    """F.conv1d with its messages naming `who` (nn.Conv1d's forward is this: one home)."""
    ts = as_tensors([input, weight] if bias is None else [input, weight, bias])
    x, w = ts[0], ts[1]
    if w.ndim != 3 or min(w.shape) < 1:
        raise ValueError(f"{who}: weight must be (C_out, C_in / groups, K) with no empty side, "
                         f"got {_shp(w)}")
    stride, = ints_of(f"{who}: stride", stride, 1)
    dilation, = ints_of(f"{who}: dilation", dilation, 1)
    if isinstance(groups, (tuple, list)):  # (torch's groups is one int)
        raise ValueError(f"{who}: groups must be an integer >= 1, got {groups!r}")
    groups, = ints_of(f"{who}: groups", groups, 1)
    c_out, k = w.shape[0], w.shape[2]
    c_in = w.shape[1] * groups
    shape = _shp(x)
    if len(shape) not in (2, 3) or shape[-2] != c_in:
        raise ValueError(f"{who}: expected input (N, {c_in}, L) or ({c_in}, L), got {shape} "
                         f"(weight {_shp(w)}, groups={groups})")
    if c_out % groups:
        raise ValueError(f"{who}: groups={groups} does not divide the weight {_shp(w)}'s "
                         f"{c_out} output channels")
    if bias is not None and _shp(ts[2]) != (c_out,):
        raise ValueError(f"{who}: bias must have shape ({c_out},) for weight {_shp(w)}, got "
                         f"{_shp(ts[2])}")
    refuse_empty_sides(who, shape, 1)
    length, span = shape[-1], dilation * (k - 1) + 1
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"{who}: padding must be 'valid', 'same' or an integer, got "
                             f"{padding!r}")
        if padding == "same" and stride != 1:
            raise ValueError(f"{who}: padding='same' needs stride 1 (as in PyTorch), got "
                             f"stride {stride}")
        p = 0
        pads: Any = "same" if padding == "same" else ((0, 0), (0, 0))
    else:
        p, = ints_of(f"{who}: padding", padding, 1, 0)
        pads = ((0, 0), (p, p))
    if pads != "same" and length + 2 * p < span:
        raise ValueError(f"{who}: the kernel spans {span} positions (dilation {dilation} * "
                         f"(kernel_size {k} - 1) + 1), more than the input's length {length}"
                         + (f" + 2 * padding {p}" if p else ""))
    lead = shape[:-2] if len(shape) == 3 else (1,)
    out = conv2d(x.reshape(lead + (c_in, 1, length)), w.reshape(c_out, c_in // groups, 1, k),
                 ts[2] if bias is not None else None, stride=(1, stride), padding=pads,
                 dilation=(1, dilation), groups=groups)
    return out.reshape(shape[:-2] + (c_out, out.shape[-1]))
