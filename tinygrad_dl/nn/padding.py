"""PyTorch's padding layers: ZeroPad1d / 2d, ConstantPad1d / 2d, ReflectionPad1d / 2d,
ReplicationPad1d / 2d and CircularPad1d / 2d (the 3-D ones: volumetric.py), each F.pad's mode
over the last one or two dims."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functional import pad
from ..functional.methods import as_tensor_of
from ..tensor import Tensor
from .module import Module


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
        # constant modes pad the last k axes of any rank >= k, as torch's (F.pad's rule)
        if len(shape) not in (k + 1, k + 2) and (self.mode != "constant" or len(shape) < k):
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
        self.value = value  # (as given, torch's: its repr shows value=2 for 2)

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


# ---- padding --------------------------------------------------------------------------------
class ZeroPad1d(ConstantPad1d):
    """`ZeroPad1d(padding)`: zeros at both ends of the last axis of (N, C, W) or (C, W);
    padding an int or (left, right); a negative width crops that end, as torch."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class CircularPad1d(ReflectionPad1d):
    """`CircularPad1d(padding)`: the last axis of (N, C, W) or (C, W) wrapped around (F.pad's
    mode "circular"); padding an int or (left, right), each at most the axis's length."""

    mode = "circular"


class CircularPad2d(CircularPad1d):
    """`CircularPad2d(padding)`: CircularPad1d over the last two axes, (left, right, top,
    bottom)."""

    dims = 2
