"""torch.testing.make_tensor for tinygrad_dl: a random tensor of a shape and dtype for a test,
with the values torch's documentation promises (uniform on [low, high), dtype-dependent
defaults), drawn from tinygrad_dl's own generator (tg.manual_seed), not torch's bits."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..device import check_device
from ..random import integers, uniform
from ..tensor import Tensor

__all__ = ["make_tensor"]


def _range(dt: np.dtype, low: float | None, high: float | None) -> tuple[float, float]:
    """[low, high) after torch's checks, defaults and clamping to what dt holds."""
    if dt.kind == "b":
        lowest, highest, default = 0, 2, (0, 2)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        lowest, highest = int(info.min), int(info.max) + (1 if dt != np.int64 else 0)
        default = (0, 10) if dt.kind == "u" else (-9, 10)
    else:
        fmax = float(np.finfo(dt).max)
        lowest, highest, default = -fmax, fmax, (-9, 9)
    low = default[0] if low is None else low
    high = default[1] if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dt.kind in "fc":
        warnings.warn("make_tensor: low == high gives every entry that value; torch deprecates "
                      "it for floating dtypes: use tinygrad_dl.full(...)", FutureWarning,
                      stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dt} only supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if dt.kind in "biu":
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(
    *shape: int | Sequence[int],
    dtype: Any,
    device: Any = None,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """torch.testing.make_tensor: a tensor of `shape` and `dtype` with values drawn uniformly
    from [low, high) by tinygrad_dl's default generator (seed it with tg.manual_seed).

    Defaults of low / high: bool 0 / 2, unsigned integers 0 / 10, signed integers -9 / 10,
    floating and complex -9 / 9 (each part of a complex). Integer bounds are rounded up (`ceil`)
    and all bounds are clamped to what the dtype holds; low >= high or a NaN bound is a
    ValueError. `exclude_zero` replaces zeros by 1 (integers, bool) or by the dtype's smallest
    normal number (`finfo(dtype).tiny`; both parts of a complex). `noncontiguous` gives a
    strided view (every other entry of a wider array) when there are 2 or more entries: here it
    only exercises NumPy's strided paths (`is_contiguous()` stays True). `requires_grad` only
    for floating dtypes (ValueError for integer and bool ones). `device` is optional here (the
    CPU); `memory_format` other than None is refused.
    """
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    size = tuple(int(n) for n in shape)  # type: ignore[arg-type]
    check_device(device, "make_tensor")
    if memory_format is not None:
        raise ValueError("make_tensor: memory_format is not supported (tensors have one "
                         "layout here); leave it out")
    dt = np.dtype(dtype)
    if dt.kind not in "biufc":
        raise TypeError(f"The requested dtype '{dt}' is not supported by make_tensor()")
    if requires_grad and dt.kind in "biu":
        raise ValueError("`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dt}")
    noncontiguous = noncontiguous and math.prod(size) > 1
    drawn = (*size[:-1], 2 * size[-1]) if noncontiguous else size
    low, high = _range(dt, low, high)
    if dt.kind in "biu":
        data = integers(low, high, drawn, dt, who="make_tensor")
    else:
        real = np.finfo(dt).dtype
        parts = (*drawn, 2) if dt.kind == "c" else drawn
        if high - low >= np.finfo(real).max:  # (the width overflows: draw half, double)
            values = uniform(parts, low / 2, high / 2, real, who="make_tensor") * real.type(2)
        else:
            values = uniform(parts, low, high, real, who="make_tensor")
        data = values[..., 0] + 1j * values[..., 1] if dt.kind == "c" else values
        data = np.asarray(data, dt)
    if noncontiguous:
        data = data[..., 1::2]
    if exclude_zero:
        data[data == 0] = 1 if dt.kind in "biu" else (
            np.finfo(dt).tiny * (1 + 1j) if dt.kind == "c" else np.finfo(dt).tiny)
    return Tensor(data, requires_grad=requires_grad)  # (complex: Tensor refuses, one line)
