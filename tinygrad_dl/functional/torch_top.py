"""PyTorch's everyday torch.* utilities that are not ops on a tensor's values: the default
dtype, finfo/iinfo, type promotion questions, broadcast_shapes, BLAS threads, the determinism
and anomaly switches, and the default generator's state; and torch's top-level spellings of
torch.nn.functional's ops: torch_spellings.py.

Type promotion here is NumPy's (what every tinygrad_dl op does), so result_type and
promote_types answer what tinygrad_dl computes, which is not always torch's answer (an int64
with a float32 tensor is float64 here, float32 in torch); the default float dtype is float64.
"""

from __future__ import annotations

import builtins
import math
import threading
from typing import Any

import numpy as np

from .. import hooks
from ..anomaly import Checks
from ..random import default_generator
from ..tensor import Tensor, as_tensor, scaled_by_alpha
from ..tensor.printing import PRINT_OPTIONS
from .joins import vstack

__all__ = [
    "are_deterministic_algorithms_enabled", "broadcast_shapes", "can_cast", "finfo",
    "get_default_dtype", "get_num_threads", "get_rng_state", "iinfo", "is_anomaly_enabled",
    "is_deterministic_algorithms_warn_only_enabled", "promote_types", "result_type",
    "set_anomaly_enabled", "set_default_dtype", "set_num_threads", "set_printoptions",
    "set_rng_state",
    "use_deterministic_algorithms",
]


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
    """torch.finfo: a float dtype's limits under torch's names (bits, eps, max, min, tiny,
    smallest_normal, resolution) as Python floats, and dtype (its name). No argument: the
    default dtype's (float64 here)."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type: Any = None) -> None:
        dt = np.dtype(get_default_dtype()) if type is None else _dtype("finfo", type)
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


# ---- promotion and shapes -----------------------------------------------------------------------
def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """torch.broadcast_shapes: the shape tensors of these shapes broadcast to (an int is a
    1-d shape, as torch's)."""
    shs = []
    for s in shapes:
        s = (s,) if isinstance(s, (int, np.integer)) and not isinstance(s, bool) else s
        if not isinstance(s, (tuple, list)) or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in s):
            raise TypeError(f"broadcast_shapes: each shape must be an int or a tuple of ints, "
                            f"got {s!r}")
        if any(n < 0 for n in s):
            raise RuntimeError(f"broadcast_shapes: trying to create a tensor with negative "
                               f"dimension in shape {tuple(int(n) for n in s)}")
        shs.append(tuple(int(n) for n in s))
    try:
        return tuple(np.broadcast_shapes(*shs))  # (a tensor's .shape is a tuple here too)
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {', '.join(map(str, shs))} cannot be "
                           f"broadcast to a single shape") from None


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
    up it (bool < int < float), never down (float to int, int to bool)."""
    a, b = _dtype("can_cast", from_), _dtype("can_cast", to)
    rank = {"b": 0, "u": 1, "i": 1, "f": 2}
    if a.kind not in rank or b.kind not in rank:
        raise TypeError(f"can_cast: unsupported dtypes {a}, {b}")
    return rank[a.kind] <= rank[b.kind]


# ---- small ops (exported through the op table, tinygrad_dl/optable/rows_more.py) ----------------
def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """torch.rsub: other - alpha * input (sub with its operands swapped)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"rsub: input must be a Tensor, got {type(input).__name__}")
    if input.dtype == np.bool_ or (isinstance(other, Tensor) and other.dtype == np.bool_):
        raise TypeError("rsub: subtraction with bool tensors is not supported (as torch's); "
                        "use logical_xor")
    o = other if isinstance(other, Tensor) else as_tensor(other, input)
    return o - scaled_by_alpha("rsub", o, input, alpha)  # (alpha * input in the
    # result's dtype, a float alpha refused for an integer one: as torch's, and add's)


def row_stack(tensors: Any) -> Tensor:
    """torch.row_stack: vstack's other name (1-D tensors become rows)."""
    return vstack(tensors)


def unravel_index(indices: Tensor, shape: Any) -> tuple[Tensor, ...]:
    """torch.unravel_index: the coordinates in `shape` of flat indices into it, one int64
    tensor per dim of shape, each of indices' shape. Indices outside [0, numel) are refused
    (torch wraps them around)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index: indices must be a Tensor, got {type(indices).__name__}")
    if indices.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be integer dtype, but got "
                        f"{indices.dtype}")
    shape = (shape,) if isinstance(shape, (builtins.int, np.integer)) else shape
    if not isinstance(shape, (tuple, list)) or not all(
            isinstance(n, (builtins.int, np.integer)) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"unravel_index: shape must be an int or a sequence of ints, got "
                        f"{shape!r}")
    shape = tuple(builtins.int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, but got {shape}")
    n = math.prod(shape)  # (Python ints: np.prod in int64 wrapped past 2**63, so valid
    # indices were refused against a 0 or negative entry count)
    if n > np.iinfo(np.int64).max:
        raise ValueError(f"unravel_index: shape {shape} has {n} entries, more than int64 "
                         f"holds (NumPy's unravel_index cannot take it)")
    idx = indices.data.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = builtins.int(idx.min() if idx.min() < 0 else idx.max())
        raise IndexError(f"unravel_index: index {bad} is out of bounds for shape {shape} "
                         f"({n} entries)")
    if not shape:
        return ()
    return tuple(Tensor(c.astype(np.int64)) for c in np.unravel_index(idx, shape))


# ---- printing ----------------------------------------------------------------------------------
_PROFILES = {"default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": None},
             "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": None},
             "full": {"precision": 4, "threshold": np.inf, "edgeitems": 3, "linewidth": None}}


def set_printoptions(precision: Any = None, threshold: Any = None, edgeitems: Any = None,
                     linewidth: Any = None, profile: Any = None, sci_mode: Any = None) -> None:
    """torch.set_printoptions: how Tensor's repr prints values. `profile` ("default", "short",
    "full") first, then each option given; sci_mode None lets NumPy choose, True forces
    scientific notation, False never (NumPy's suppress_small); linewidth None is NumPy's (75)."""
    new = dict(PRINT_OPTIONS)
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of "
                             f"{', '.join(map(repr, _PROFILES))}, got {profile!r}")
        new.update(_PROFILES[profile])
    for name, v in (("precision", precision), ("threshold", threshold),
                    ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if v is None:
            continue
        ok = (isinstance(v, (builtins.int, np.integer)) or (name == "threshold" and v == np.inf)
              ) and not isinstance(v, bool) and v >= 0
        if not ok:
            raise ValueError(f"set_printoptions: {name} must be an int >= 0, got {v!r}")
        new[name] = v
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise TypeError(f"set_printoptions: sci_mode must be None or a bool, got {sci_mode!r}")
    new["sci_mode"] = sci_mode  # (torch's: every call sets it, None back to automatic)
    PRINT_OPTIONS.update(new)


# ---- threads, determinism, anomaly --------------------------------------------------------------
def get_num_threads() -> int:
    """torch.get_num_threads: the threads NumPy's BLAS uses (threadpoolctl's answer; 1 when no
    threaded BLAS is loaded): the only thread pool tinygrad_dl's ops run on."""
    from threadpoolctl import threadpool_info  # (a dependency; loaded only when asked)

    counts = [int(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(counts, default=1)


def set_num_threads(int: Any) -> None:
    """torch.set_num_threads: limit NumPy's BLAS to this many threads, process-wide
    (threadpoolctl)."""
    n = int  # (torch's parameter name)
    if isinstance(n, bool) or not isinstance(n, (builtins.int, np.integer)):
        raise TypeError(f"set_num_threads: expects an int, got {type(n).__name__} {n!r}")
    if n <= 0:
        raise RuntimeError(f"set_num_threads: number of threads must be positive, got {n}")
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n, user_api="blas")


_DETERMINISTIC = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """torch.use_deterministic_algorithms: every op here is deterministic already (NumPy on the
    CPU), so this only records the flag that are_deterministic_algorithms_enabled reports."""
    if not isinstance(mode, bool) or not isinstance(warn_only, bool):
        raise TypeError(f"use_deterministic_algorithms: mode and warn_only must be bools, got "
                        f"{mode!r}, {warn_only!r}")
    _DETERMINISTIC.update(mode=mode, warn_only=warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """torch.are_deterministic_algorithms_enabled: the last use_deterministic_algorithms
    mode (False at start, as torch's)."""
    return _DETERMINISTIC["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """torch.is_deterministic_algorithms_warn_only_enabled: the last warn_only."""
    return _DETERMINISTIC["warn_only"]


# the switch's own checks object (detect_anomaly's checks, a second instance): the slot holds
# it only while the switch, not a `with detect_anomaly():` block inside it, turned them on
_SWITCH_CHECKS = Checks()
_SWITCHED = threading.local()  # .cm: this thread's attach(...) block entered by the switch


def is_anomaly_enabled() -> bool:
    """torch.is_anomaly_enabled: whether detect_anomaly's checks are on, on this thread."""
    return hooks.attached.anomaly is not None


def set_anomaly_enabled(mode: bool, check_nan: bool = True) -> None:
    """torch.set_anomaly_enabled: detect_anomaly's checks on or off, on this thread (where a
    `with detect_anomaly():` block holds them on, only that block's end turns them off)."""
    if not isinstance(mode, bool):
        raise TypeError(f"set_anomaly_enabled: mode must be a bool, got {mode!r}")
    if check_nan is not True:
        raise ValueError("set_anomaly_enabled: check_nan=False is not supported (the checks "
                         "always look for NaN and inf)")
    if mode and not is_anomaly_enabled():
        hooks.notify_write("set_anomaly_enabled()")
        cm = hooks.attach(anomaly=_SWITCH_CHECKS)
        cm.__enter__()
        _SWITCHED.cm = cm
    elif not mode and is_anomaly_enabled():
        if hooks.attached.anomaly is not _SWITCH_CHECKS:
            raise RuntimeError("set_anomaly_enabled(False): the checks are on from a "
                               "`with detect_anomaly():` block; they end with it")
        hooks.notify_write("set_anomaly_enabled()")
        _SWITCHED.cm.__exit__(None, None, None)
        del _SWITCHED.cm


# ---- the default generator's state ------------------------------------------------------------
def get_rng_state() -> dict[str, Any]:
    """torch.get_rng_state: the default generator's state, a dict for set_rng_state (torch's is
    a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state: dict[str, Any]) -> None:
    """torch.set_rng_state: restore a get_rng_state() to the default generator."""
    default_generator.set_state(new_state)
