"""PyTorch's dtype utilities: the default dtype (get/set_default_dtype), finfo and iinfo,
the type promotion questions (result_type, promote_types, can_cast) and typename.

Type promotion here is NumPy's (what every tinygrad_dl op does), so result_type and
promote_types answer what tinygrad_dl computes, which is not always torch's answer (an int64
with a float32 tensor is float64 here, float32 in torch); the default float dtype is float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ..tensor.casts import LEGACY_TYPES

__all__ = [
    "can_cast", "finfo", "get_default_dtype", "iinfo", "promote_types", "result_type",
    "set_default_dtype", "typename",
]  # tinygrad_dl.<name> (tinygrad_dl/__init__.py)


def _dtype(who: str, d: Any) -> np.dtype:
    """`d` (a tinygrad_dl/NumPy dtype) as a NumPy dtype, or one line refusing anything else
    (a string or a tensor is not a dtype in torch either)."""
    if isinstance(d, (str, Tensor, np.ndarray)) or d is None:
        raise TypeError(f"{who}: expects a dtype (tinygrad_dl.float32, ...), got "
                        f"{type(d).__name__} {d!r}")
    try:
        return np.dtype(d)
    except TypeError:
        raise TypeError(f"{who}: expects a dtype (tinygrad_dl.float32, ...), got "
                        f"{type(d).__name__} {d!r}") from None


# ---- the default dtype ------------------------------------------------------------------------
def get_default_dtype() -> Any:
    """torch.get_default_dtype: the float dtype constructors make from Python floats here,
    float64 (NumPy's; torch's is float32)."""
    return np.float64


def set_default_dtype(d: Any) -> None:
    """torch.set_default_dtype: only float64, the one default here (every constructor and op
    follows NumPy's float64); any other is refused in one line rather than silently ignored."""
    dt = _dtype("set_default_dtype", d)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes are supported as the "
                        f"default type, got {dt}")
    if dt != np.float64:
        raise ValueError(f"set_default_dtype: tinygrad_dl's default float dtype is float64 "
                         f"(NumPy's) and cannot be changed, got {dt}; pass dtype={dt} to the "
                         f"constructors instead")


# ---- finfo / iinfo -----------------------------------------------------------------------------
class finfo:
    """torch.finfo: a float (or complex: its parts') dtype's limits under torch's names (bits,
    eps, max, min, tiny, smallest_normal, resolution) as Python floats, and dtype (its name).
    No argument: the default dtype's (float64 here)."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type: Any = None) -> None:
        dt = np.dtype(get_default_dtype()) if type is None else _dtype("finfo", type)
        if dt.kind == "c":  # a complex dtype: its parts' float dtype's (torch's)
            dt = np.dtype(np.finfo(dt).dtype)
        if dt.kind != "f":
            raise TypeError(f"finfo: requires a floating point input type, got {dt}; use "
                            f"iinfo for integer types")
        fi = np.finfo(dt)
        self.bits = int(fi.bits)
        self.eps, self.max, self.min = float(fi.eps), float(fi.max), float(fi.min)
        self.tiny = self.smallest_normal = float(fi.smallest_normal)
        self.resolution = 10.0 ** -int(fi.precision)  # (torch's: NumPy's float16 one is rounded)
        self.dtype = dt.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """torch.iinfo: an integer dtype's limits (bits, max, min as Python ints) and dtype (its
    name)."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type: Any) -> None:
        dt = _dtype("iinfo", type)
        if dt.kind not in "iu":
            raise TypeError(f"iinfo: requires an integer input type, got {dt}"
                            + ("; use finfo for float types" if dt.kind == "f" else ""))
        ii = np.iinfo(dt)
        self.bits, self.max, self.min = int(ii.bits), int(ii.max), int(ii.min)
        self.dtype = dt.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


# ---- promotion ---------------------------------------------------------------------------------
def _operand(who: str, x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, (bool, int, float)):
        return x  # a Python number: weak, as in NumPy's (NEP 50) and torch's promotion
    raise TypeError(f"{who}: expects a Tensor or a Python number, got {type(x).__name__}")


def result_type(tensor1: Any, tensor2: Any) -> Any:
    """torch.result_type: the dtype an arithmetic op on these two gives here (NumPy's
    promotion: Python numbers are weak, tensors of any shape are not)."""
    a, b = _operand("result_type", tensor1), _operand("result_type", tensor2)
    if not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):
        raise TypeError("result_type: at least one argument must be a Tensor")
    return np.result_type(a, b).type


def promote_types(type1: Any, type2: Any) -> Any:
    """torch.promote_types: the smallest dtype both cast to safely (NumPy's rule, which
    tinygrad_dl's ops follow)."""
    return np.promote_types(_dtype("promote_types", type1),
                            _dtype("promote_types", type2)).type


def can_cast(from_: Any, to: Any) -> bool:
    """torch.can_cast: whether torch's casting rules allow `from_` to `to`: within a kind or
    up it (bool < int < float < complex), never down (complex to float, float to int, int to
    bool)."""
    a, b = _dtype("can_cast", from_), _dtype("can_cast", to)
    rank = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    if a.kind not in rank or b.kind not in rank:
        raise TypeError(f"can_cast: unsupported dtypes {a}, {b}")
    return rank[a.kind] <= rank[b.kind]


# ---- torch's type names -----------------------------------------------------------------------
_TYPENAMES = {np.dtype(dt).name: name for name, dt in LEGACY_TYPES.items()}  # (x.type()'s)


def typename(obj: Any) -> str:
    """torch.typename: 'torch.DoubleTensor' and the like for a tensor (by its dtype), else the
    object's type's module and name (a builtin's name alone)."""
    if isinstance(obj, Tensor):
        name = _TYPENAMES.get(obj.data.dtype.name)
        if name is None:
            raise TypeError(f"typename: no torch type name for dtype {obj.data.dtype}")
        return f"torch.{name}"
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
