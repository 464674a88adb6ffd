"""Where a PyTorch habit would read a NumPy spelling's result wrong, without a word: softmax
without an axis on 3-D and wider input (`last_axis` warns), and iterating NumPy's values-only
max/min/sort result where PyTorch's same call gives (values, indices) (`values_only_iterated`
raises on unpacking, warns on a loop), each said at the caller's line (`caller_level`, as the casts'
warnings are).
"""

from __future__ import annotations

import dis
import sys
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ..grad import masked_error, masked_within
from ..ops.dims import dims_arg
from ..ops.shape import caller_level, int_cast

if TYPE_CHECKING:
    from . import Tensor


def last_axis(t: Tensor, axis: int | None, who: str) -> int:
    """softmax's axis: the last one when none is given. For 3-D and wider input PyTorch's
    F.softmax(x) without dim takes dim 0 (3-D) or 1 (4-D and up), so a ported call would
    normalise other numbers here without a word: it warns there (torch warns too)."""
    if axis is not None:  # (a bool refused: NumPy's max took True as axis 1)
        return axis if type(axis) is int else dims_arg(who, axis)
    if t.data.ndim >= 3:
        warnings.warn(f"{who}: no axis given for a {t.data.ndim}-D tensor: the last axis is "
                      f"used (PyTorch's F.{who}(x) without dim would take dim "
                      f"{0 if t.data.ndim == 3 else 1}); give dim= (or axis=) to choose",
                      stacklevel=caller_level())
    return -1


def array_in(values: Any, dt: np.dtype, op: str) -> np.ndarray:
    """np.array(values, dtype=dt), a float array into an integer dt through `int_cast` (the
    constructors' tensor(a, dtype=int64), Tensor(a, dtype=), new_tensor). A masked array, or
    one in a list, is refused (np.array read the values under its mask)."""
    if isinstance(values, np.ma.MaskedArray) or (
            isinstance(values, (list, tuple)) and masked_within(values)):
        raise masked_error(f"{op}()'s data" if isinstance(values, np.ndarray)
                           else f"an item of {op}()'s data")
    if isinstance(values, np.ndarray) and values.dtype.kind in "fc" and dt.kind in "iu":
        return int_cast(values, dt, op)
    try:
        return np.array(values, dtype=dt)
    except (ValueError, OverflowError) as e:  # (NumPy's "cannot convert float NaN to integer"
        kind = OverflowError if isinstance(e, OverflowError) else ValueError  # named no call)
        raise kind(f"{op}(): cannot make an array of dtype {dt} from "
                   f"{str(values)[:60]!r}: {str(e).splitlines()[0]}") from None


# the opcodes that call __iter__ for `a, b = t` and `a, *b = t` (a `for` is GET_ITER)
_UNPACK = {dis.opmap["UNPACK_SEQUENCE"], dis.opmap["UNPACK_EX"]}


def values_only_iterated(op: str, axis: int) -> None:
    """Iterating NumPy's values-only result of max/min(axis) or tg.sort(x, axis), where
    PyTorch's same call gives (values, indices): `_, pred = tg.max(out, 1)` assigned the
    second row's maximum to pred for a batch of 2 and failed with Python's bare "too many
    values to unpack" for others. Unpacking raises naming the spellings; any other iteration
    (a loop over the row maxima: legal, rare) warns at the caller's line."""
    if op == "sort":
        call, pair = f"tg.sort(x, {axis})", f"tg.sort(x, dim={axis}) or x.sort({axis})"
        index, rows = f"x.argsort({axis})", f"x.sort({axis}).values"
    else:
        call, pair = f"x.{op}({axis})", f"x.{op}(dim={axis})"
        index, rows = f"x.arg{op}({axis})", f"x.a{op}({axis})"
    said = (f"{call}: it is NumPy's values alone, not torch.{op}(x, {axis})'s (values, "
            f"indices); write {pair} for the pair, {index} for the indices")
    level = caller_level()
    frame = sys._getframe(level - 1)  # (stacklevel n is the frame n - 1 up from here)
    code, at = frame.f_code.co_code, frame.f_lasti
    if 0 <= at < len(code) and code[at] in _UNPACK:
        raise TypeError(f"unpacking {said}; unpack {rows} for the values' rows")
    warnings.warn(f"iterating {said}; iterate {rows} for the values' rows without this "
                  "warning", stacklevel=level)
