"""Arguments to arrays and tensors: `as_tensor` (a constant beside a tensor, in its dtype),
`as_data` (what `Tensor(...)` makes an array of), `data_of` and `plain_array` (arrays read for
the library, seen by a jit recording), `filled`, and the readers of shape and index arguments.

Each function that needs the class reads it from the package, `tensor.Tensor`, when called: the
package imports this module before it defines Tensor.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import engine, hooks, tensor
from ..grad import masked_error, masked_within
from ..ops import Cast, ConstantCast, Tap
from ..ops.allocation import check_alloc
from ..ops.indexing import brief_index, check_masked
from ..ops.shape import axis_of, int_cast

if TYPE_CHECKING:
    from . import Tensor

Axis = int | Sequence[int] | None

# The dtypes a tensor holds, torch's: bool, the integers, float16/32/64 and complex64/128, in
# the machine's byte order. Refused (by Tensor(), tensor(), as_tensor(), from_numpy()): strings,
# bytes, objects (Fractions, Decimals, big ints), dates, records, long double (ops would run
# in an extended precision nobody asked for) and big-endian arrays (`t.dtype == np.float64`
# was False). Op results skip the check (Tensor.from_result): an op of these makes these.
NUMERIC = frozenset(np.dtype(c) for c in "?bBhHiIlLqQefdFD")


def refused_dtype(who: str, a: np.ndarray, given: Any) -> Exception:
    """The one-line refusal of an array `a` whose dtype is not in NUMERIC, made of `given`
    (`a` itself, or the list, string, None... NumPy read), to raise: torch's TypeError, and
    its ValueError for a byte order not the machine's."""
    dt = a.dtype
    if dt.kind in "biufc" and not dt.isnative:
        return ValueError(f"{who}: an array in non-native byte order (dtype {dt.str!r}), "
                          "which tensors do not hold (torch refuses it too); convert it "
                          "first: a.astype(a.dtype.newbyteorder('='))")
    if dt.kind in "fc":  # (np.longdouble / np.clongdouble, the one other float)
        to = "np.float64" if dt.kind == "f" else "np.complex128"
        return TypeError(f"{who}: a long double array (dtype {dt}), which tensors do not hold "
                         "(torch refuses it too; ops would run in an extended precision); "
                         f"convert it first: a.astype({to})")
    what = "an object array" if dt.kind == "O" else f"a {dt} array"
    if isinstance(given, np.ndarray):
        return TypeError(f"{who}: cannot make a numeric tensor of {what} (torch refuses it "
                         "too); convert it to numbers first, e.g. a.astype(np.float64)")
    return TypeError(f"{who}: cannot make a numeric array from {type(given).__name__} "
                     f"{str(given)[:60]!r} (NumPy would give {what})")


def numeric_array(who: str, arr: np.ndarray, given: Any, dtype: Any) -> np.ndarray:
    """`arr`, which NumPy made of `given` (dtype=`dtype`) and whose dtype is not in NUMERIC, in
    the native byte order where `given` was a list or tuple of non-native arrays and no dtype
    was asked for (torch.tensor([a]) of a '>f8' `a` reads its values: the caller never held a
    big-endian array of its own); else refused (refused_dtype)."""
    dt = arr.dtype
    if (dtype is None and isinstance(given, (list, tuple)) and not dt.isnative
            and dt.newbyteorder("=") in NUMERIC):
        return arr.astype(dt.newbyteorder("="))
    raise refused_dtype(who, arr, given)


def as_data(x: Any, dtype: Any = None, what: str = "Tensor()'s data") -> np.ndarray:
    """`x` as an array (`what`: where it came in, named by the masked-array refusal)."""
    if isinstance(x, np.ndarray):
        if type(x) is not np.ndarray:  # a subclass (np.matrix, a jit-watched step input)
            if isinstance(x, np.ma.MaskedArray):
                raise masked_error(what)
            x = x.view(np.ndarray)  # ops compute on plain arrays: same memory, same numbers
        if dtype is None or x.dtype == dtype:
            return x
        if hooks.active and hooks.attached.recorder is not None:  # (a jit recording)
            return _cast_while_recording(x, dtype)
        if x.dtype.kind in "fc" and np.dtype(dtype).kind in "iu":  # (a NaN into int64: said
            return int_cast(x, np.dtype(dtype), "Tensor")  # at the caller's line)
        return x.astype(dtype)
    if isinstance(x, tensor.Tensor):
        return as_data(data_of(x), dtype)
    if isinstance(x, (list, tuple)):
        if any(isinstance(v, tensor.Tensor) for v in x):
            raise TypeError(
                "Tensor(): got a list of Tensors; use tinygrad_dl.stack(tensors) to join them "
                "and keep their gradients (or [t.item() for t in tensors] for constants)"
            )
        if x and type(x[0]) is not float and type(x[0]) is not int and masked_within(x):
            raise masked_error(f"an item of {what}")  # (NumPy read the values under its mask)
    try:
        arr = np.asarray(x, dtype=dtype)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"Tensor(): cannot make an array from {str(x)[:60]!r}: {e}") from None
    if arr.dtype not in NUMERIC:  # (strings and dates too: `Tensor("abc")` was a '<U3'
        arr = numeric_array("Tensor()", arr, x, dtype)  # tensor that failed in some op)
    if dtype is None and arr.dtype.kind in "biu" and not isinstance(x, np.generic):
        arr = arr.astype(np.float64)  # Python numbers and lists default to float64
    if engine.recording() and is_literal(x):  # jit: a constant written in the step's code
        engine.literal(arr)
    return arr


def _cast_while_recording(x: np.ndarray, dtype: Any) -> np.ndarray:
    """`x.astype(dtype)` inside a jit recording. A step argument (or a plain view of one) is
    cast by a recorded Cast op, so a replay casts each call's argument again: a float32 model
    fed float64 batches (`Tensor(X, dtype=np.float32)`, the course models' conversion) is
    replayed, and after `model.float()` the step is recorded afresh for the new dtype where
    it used to run eagerly for good. Any other array is cast as eagerly (a copy made inside
    the step, which the recording judges). An integer or bool dtype gives eager's values
    (torch's: int_cast, its warnings said while recording; an argument's by a recorded
    ConstantCast): NumPy's astype put -2**31 - 1 into uint8 as 0 in a jitted step, 255 eagerly."""
    dt = np.dtype(dtype)
    if hooks.attached.recorder.is_argument(x):  # (Cast's forward: the same astype)
        if dt.kind in "iub":
            return ConstantCast.apply(tensor.Tensor(x), dtype=dt, op="Tensor").data
        return Cast.apply(tensor.Tensor(x), dtype=dt).data
    if x.dtype.kind in "fc" and dt.kind in "iu":
        return int_cast(x, dt, "Tensor")
    return x.astype(dt)


def data_of(t: Tensor) -> np.ndarray:
    """`t.data`, read by the library for an op parameter (a mask, an index, a bound) or for a
    new tensor on the same array (`Tensor(t)`, `t.detach()`). A jit recording is told which
    tensor the array is (`on_tensor_data`), so that `t.data = new` between replays is guarded
    wherever the step found t (a plain object's attribute, a dict entry). When nothing
    records: one read of a module global."""
    if hooks.active and hooks.attached.recorder is not None:
        hooks.attached.recorder.on_tensor_data(t)
    return t.data


def plain_array(x: Any, dtype: Any = None, who: str = "an array argument") -> np.ndarray:
    """`np.asarray(x, dtype)`, with an ndarray subclass's plain view taken by
    `x.view(np.ndarray)` (the array np.asarray makes): a jit recording sees that call on its
    watched arguments and takes the view for the argument as it is, where a conversion in
    NumPy's C (np.asarray, np.ascontiguousarray) is unseen and may have depended on the
    layout (jit.watch). A masked array is refused (`who` names it): its view, as np.asarray,
    held the values under its mask."""
    if not isinstance(x, np.ndarray):
        if isinstance(x, (list, tuple)) and masked_within(x):  # (one in a list: the same)
            raise masked_error(f"{who} (an item)")
        return np.asarray(x, dtype=dtype)
    if type(x) is not np.ndarray:
        if isinstance(x, np.ma.MaskedArray):
            raise masked_error(who)
        x = x.view(np.ndarray)
    return x if dtype is None else x.astype(dtype, copy=False)  # (order "K", as np.asarray)


def is_literal(x: Any) -> bool:
    """Python numbers, or (nested) lists and tuples of them: a literal in the code."""
    if type(x) in (list, tuple):
        return all(is_literal(v) for v in x)
    return type(x) in (int, float, bool, complex)


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """`x` itself if a Tensor, else a constant Tensor; Python numbers take `like`'s float dtype
    (so `0.5 * x` keeps float32 float32), and with an integer or bool `like` NumPy's dtype for
    a Python number beside that array (`int_t + 1` stays int64, `uint8_t + 10` uint8, `int_t *
    0.5` float64): it was float64 whatever the tensor, so `t + 1` and `t += 1` disagreed and an
    int64 beyond 2**53 lost its last digits."""
    if isinstance(x, tensor.Tensor):
        return x
    if like is not None and isinstance(x, (int, float)):
        kind = like.data.dtype.kind
        if kind == "f":
            dtype = like.data.dtype
        elif kind in "iub" and type(x) in (int, float, bool):  # NumPy 2's weak Python scalars
            dtype = np.result_type(like.data.dtype, x)
        elif kind == "c":  # (complex64 + 1.5 was complex128; torch's and NumPy's complex64)
            dtype = like.data.dtype
        else:
            return tensor.Tensor(x)
        try:
            a = np.asarray(x, dtype=dtype)
        except OverflowError as e:  # (uint8_t // -2: torch wraps -2 to 254 without a word)
            if kind not in "iu":
                raise
            raise OverflowError(f"{e} (a Python number beside a {dtype} tensor takes its "
                                f"dtype, NumPy 2's rule, where torch wraps it into range "
                                f"silently: cast the tensor first, x.astype(np.int64))") from None
        # (from_result: `a` is in like's dtype or NumPy's of it and x, one of NUMERIC)
        return tensor.Tensor.from_result(engine.literal(a) if type(x) in (int, float, bool)
                                         else a)
    if type(x) is complex and like is not None and like.data.dtype.kind in "biufc":
        # a Python complex is weak too (torch's and NumPy 2's): float32 or complex64 + 1j is
        # complex64 (it was complex128), float64 and the integers' complex128
        # (a literal, as Tensor(1j) was: a jit step of `t * 1j` replays)
        return tensor.Tensor(engine.literal(np.asarray(x, dtype=np.result_type(
            like.data.dtype, x))))
    if like is not None and isinstance(x, np.generic) and like.data.dtype.kind == "f":
        # np.int64(3), np.float32(.5), np.bool_ beside a float tensor: read as the Python
        # number of its kind (torch's rule, and np.float64's, a float subclass, above), so
        # `x32 / np.int64(3)` stays float32; beside an integer tensor NumPy's rule stays
        if x.dtype.kind in "biuf":
            return tensor.Tensor(np.asarray(x, dtype=like.data.dtype))
    return tensor.Tensor(x)


def true_divisor(x: Any, like: Tensor) -> Tensor:
    """as_tensor for a true division, which is never computed in an integer dtype: a Python
    int outside an integer tensor's dtype is the float64 it is divided as (`uint8_t / -2`
    raised NumPy 2's OverflowError; NumPy's own uint8 array / -2 and torch's are -3.5). Only
    called once as_tensor has refused the number (the rare path)."""
    if type(x) is int and like.data.dtype.kind in "biu":  # (bool_t / 2**63 too: NumPy's)
        return tensor.Tensor(engine.literal(np.asarray(float(x))))
    return as_tensor(x, like)


def bool_sub_refused(op: str, *operands: Any) -> None:
    """Subtraction with a bool operand (a bool array: a tensor's data) refused in one line, as
    torch's (ops.Sub refuses them; this is for the paths that cast first: `x.sub(b,
    alpha=2)`, `x.sub_(b)`); a Python bool too (`x - True`, torch's refusal: it gave x - 1),
    a NumPy np.True_ is the float 1.0 (sub_number: torch's)."""
    for v in operands:
        if type(v) is bool:
            raise TypeError(f"{op}: subtraction (-) with a Python bool ({v}) is not supported, "
                            "as torch's; write the number, 1 or 0")
        if isinstance(v, np.ndarray) and v.dtype.type is np.bool_:  # (np.True_: True's 1)
            raise TypeError(f"{op}: subtraction (-) with a bool operand is not supported, as "
                            "torch's; ~ or logical_not inverts a mask, ^ or logical_xor for "
                            "two, or cast it first: mask.float()")


def constant_number(op: str, name: str, v: Any) -> Any:
    """A number argument an op reads as a constant (leaky_relu's slope, elu's alpha): a
    Tensor that requires grad refused in one line, as torch refuses it (its gradient would
    be lost without a word); anything else as given, for the op."""
    if isinstance(v, tensor.Tensor) and v.requires_grad:
        raise TypeError(f"{op}: {name} is read as a number, and a tensor that requires grad "
                        f"would lose its gradient (torch refuses it too); pass {name}.item(), "
                        "or write the formula with tensor ops to learn it")
    return v


def sub_number(x: Any) -> Any:
    """A subtraction's operand (-, -=, sub, sub_, rsub) with a NumPy bool scalar read as torch
    reads it, the float 1.0 or 0.0: `int_t - np.True_` is float and `int_t -= np.True_`
    refused by the in-place cast, as torch's (as a bool it was refused by `-` and x - 1 by
    `-=`); anything else as given (a bool array stays one: bool_sub_refused refuses it)."""
    return float(x) if type(x) is np.bool_ else x


def sub_operand(x: Any, like: Tensor, op: str = "x - y") -> Tensor:
    """as_tensor(x, like) for a subtraction (`-`, sub): a Python bool refused (as_tensor read
    True as 1), as torch's; a NumPy bool scalar the float it is to torch (sub_number)."""
    if isinstance(x, tensor.Tensor):  # (the common case first: as cheap as as_tensor)
        return x
    kind = type(x)
    if kind is bool:
        bool_sub_refused(op, x)
    if kind is np.bool_:  # (sub_number's rule, inline: `x - 1.0` pays no call for it)
        x = float(x)
    return as_tensor(x, like)


def alpha_number(op: str, alpha: Any, dt: np.dtype, *operands: Any) -> Any:
    """add/sub's alpha= (and add_'s, sub_'s) as a Python number, for a result of dtype `dt`: a
    number (a Tensor refused; a bool only for a bool result, as torch), and no float where the
    result is an integer or bool (1.0 and 2.0 too, as torch); sub's `operands` (before alpha
    casts them) refused where one is bool."""
    if operands and op in ("sub", "rsub"):
        bool_sub_refused(op, *operands)
    if type(alpha) is not int and type(alpha) is not float:  # (a Python number: the usual)
        if isinstance(alpha, (bool, np.bool_)):  # torch's bool alpha: of a bool result
            if dt == np.bool_:
                return bool(alpha)
            raise TypeError(f"{op}(alpha={alpha}): a bool alpha is for a bool result only (as "
                            f"torch), this one is {dt}; pass an int")
        if not isinstance(alpha, _NUMBERS):
            raise TypeError(f"{op}(alpha=...): alpha must be a number, got "
                            f"{type(alpha).__name__}")
        alpha = alpha.item() if isinstance(alpha, np.generic) else alpha  # (no NumPy promotion)
    if dt.kind in "biu" and isinstance(alpha, float):
        raise TypeError(f"{op}(alpha={alpha}): a float (fractional alpha or not, as torch) with "
                        f"an integer or bool result ({dt}); pass an int or cast to a float dtype")
    if dt.kind == "f":  # (f16.add_(y, alpha=1e5) gave inf; torch refuses)
        number_fits(op, alpha, dt, "alpha")
    elif dt.kind == "u" and type(alpha) is int:  # (uint8 x.add(y, alpha=-1) is x - y)
        alpha = unsigned_wrapped(alpha, dt)  # (past the range, NumPy's OverflowError)
    return alpha


def unsigned_wrapped(v: int, dt: np.dtype) -> int:
    """A negative int factor (alpha=, beta=, value=) for an unsigned dtype `dt`, as torch
    reads it: -max..-1 as its wrapped value, the same product mod 2**bits (uint8 -1 is 255;
    NumPy 2 refused -1 beside uint8); any other v as it is (past the range: refused by the
    caller, as torch)."""
    if v < 0 and -v <= int(np.iinfo(dt).max):
        return v + (1 << (8 * dt.itemsize))
    return v


def number_fits(op: str, v: Any, dt: np.dtype, what: str = "value") -> None:
    """Refuse a number (Python's or a NumPy scalar: np.float64 is a float) past the largest
    finite value of a float32 or float16 dtype `dt` (`x32[0] = 1e300`, `x16.fill_(100000)`,
    alpha=1e39): NumPy's cast gave inf, torch refuses it. inf and nan pass, as torch's. An
    integer past an integer dtype's range is refused too (OverflowError): NumPy's same_kind
    cast wrapped a NumPy one around (`x8.fill_(np.int64(300))`, `x8.clamp_(np.int64(300))`
    gave 44) and a Python one raised NumPy's words; torch refuses both."""
    top = _FITS.get(dt)
    if top is None or v is None:
        return
    if type(top) is float:
        if type(v) is not float and type(v) is not int:
            if not isinstance(v, _NUMBERS):
                return
            v = float(v) if isinstance(v, np.floating) else v  # (in float64: np.float16
            # beside float32's 3.4e38 warned "overflow encountered in cast")
        if top < abs(v) < np.inf:
            raise ValueError(f"{op}: {what} {v} does not fit the tensor's dtype {dt} (NumPy's "
                             "cast would give inf; torch refuses it too)")
        return
    lo, hi = top
    if isinstance(v, (int, np.integer)) and not lo <= int(v) <= hi:
        if type(v) is int:  # (NumPy's own words, the op and the argument named)
            raise OverflowError(f"{op}: Python integer {v} out of bounds for {dt} (the {what})")
        raise OverflowError(f"{op}: {what} {type(v).__name__} {v} out of bounds for {dt} "
                            "(NumPy's cast would wrap it around; torch refuses it too)")


# the float dtypes' largest finite values; the integer dtypes' ranges (as Python numbers)
_FITS: dict[np.dtype, Any] = {np.dtype(t): float(np.finfo(t).max)
                              for t in (np.float32, np.float16)}
_FITS.update({np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max)) for t in (
    np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)})
_NUMBERS = (int, float, np.integer, np.floating)


def fill_value(who: str, value: Any, like: Tensor) -> Tensor:
    """A fill value (a number, an array or a Tensor) in `like`'s dtype, which torch's
    masked_fill, index_fill and scatter(value=) keep; a fraction into an integer dtype
    truncates, as torch's (7.5 -> 7). NaN, inf or a number outside the dtype's range is
    refused in one line, as torch refuses it (NumPy's cast gave -2**63 for NaN into int64, 44
    for 300 into uint8, inf for 1e300 or the int 100000 into float16). A Tensor keeps its
    graph (a Cast), its check a Tap op, so that a jit replay checks each call's value."""
    dt = like.data.dtype
    a = value.data if isinstance(value, tensor.Tensor) else np.asarray(value)
    if a.dtype == object and type(value) is int:  # (beyond int64: NumPy's object array)
        a = np.asarray(float(value) if dt.kind == "f" else np.inf)
    if a.dtype == dt:
        return value if isinstance(value, tensor.Tensor) else as_tensor(value, like)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{who}: the value must be a real number, got dtype {a.dtype}")
    fits = FillFits(who, dt.str)
    if isinstance(value, tensor.Tensor):
        return Tap.apply(value, fn=fits).astype(dt)
    fits(a)
    out = a.astype(dt)
    return tensor.Tensor(engine.literal(out) if is_literal(value) else out)


@dataclass(frozen=True)
class FillFits:
    """A `Tap` check that fill values fit `dtype` (torch's checked cast of a fill value: NaN,
    inf and numbers past the ends are refused, into a float dtype only finite ones past its
    largest); a bool dtype takes anything. Equal by value, as ops.shape.InRange."""

    what: str
    dtype: str

    def __call__(self, a: np.ndarray) -> None:
        dt = np.dtype(self.dtype)
        if not a.size or a.dtype == dt or dt.kind == "b" or a.dtype.kind == "b":
            return
        if dt.kind == "f":
            v = np.abs(a.astype(np.float64))
            with np.errstate(invalid="ignore"):
                bad = np.isfinite(v) & (v > np.finfo(dt).max)
        elif a.dtype.kind == "f":  # (exact ends: int64's 2**63 - 1 is 2.0**63 as a float)
            lo, hi, f = np.iinfo(dt).min, np.iinfo(dt).max, a.astype(np.float64)
            with np.errstate(invalid="ignore"):
                above = f > hi if hi < 2**53 else f >= float(hi + 1)
                bad = ~np.isfinite(f) | (f < lo) | above
        else:
            info = np.iinfo(dt)
            if int(a.min()) >= info.min and int(a.max()) <= info.max:
                return
            bad = (a < info.min) | (a > info.max)
        if bad.any():
            v = a[bad].reshape(-1)[0]
            wrap = (" (torch 2.13 wraps a negative integer into an unsigned dtype around; give "
                    "the wrapped number)" if dt.kind == "u" and a.dtype.kind == "i" and v < 0
                    else " (NumPy's cast would give another number; torch refuses it too)")
            raise ValueError(f"{self.what}: value {v} does not fit the input's dtype {dt}{wrap}")


_INT_ENDS: dict[np.dtype, tuple[int, int]] = {}  # an integer dtype -> (its min, its max)


def _fits_plainly(value: Any, dt: np.dtype) -> bool:
    """A Python number that `dt` plainly holds (the usual fill value: 0, 1.0, -inf): FillFits's
    NumPy passes (tens of us) are then not needed; False sends the rest to them."""
    kind = type(value)
    if kind is bool or dt.kind == "b":
        return True
    if kind is int and dt.kind in "iu":
        ends = _INT_ENDS.get(dt)
        if ends is None:
            info = np.iinfo(dt)
            ends = _INT_ENDS[dt] = (int(info.min), int(info.max))
        return ends[0] <= value <= ends[1]
    if (kind is int or kind is float) and dt.kind in "fc":  # (65504: float16's largest)
        return abs(value) <= 65504.0 or value != value or abs(value) == float("inf")
    return False


def filled(shape: Any, value: Any, dtype: Any, who: str) -> np.ndarray:
    """np.full, refusing a value `dtype` cannot hold (NaN or 1e20 into int64, 1e300 into
    float32): NumPy casts it with a warning into another number (-2**63, inf), or without one
    (1000.0 into uint8 was 232), or raises naming no call (300 into uint8); PyTorch raises.
    A masked array is refused (np.full filled in the values under its mask)."""
    if isinstance(value, np.ma.MaskedArray) or (
            isinstance(value, (list, tuple)) and masked_within(value)):
        raise masked_error(f"{who}: the fill value")
    if dtype is not None and isinstance(value, (int, float, complex, np.number, np.bool_)):
        a, dt = np.asarray(value), np.dtype(dtype)
        if a.dtype.kind == "c" and dt.kind in "iuf":  # (NumPy dropped 1+2j's 2j with a warning)
            if a.imag != 0:
                raise ValueError(f"{who}: fill value {value!r} does not fit {dt} (its imaginary "
                                 "part would be dropped; torch refuses it too)")
            value = a.real.item()
            a = np.asarray(value)
        if a.dtype.kind in "biuf" and dt.kind != "c" and not _fits_plainly(value, dt):
            try:
                FillFits(who, dt.str)(a)
            except ValueError as e:  # (its message names "the input's dtype": none here)
                raise ValueError(f"{who}: fill value {value!r} does not fit {dt} "
                                 f"{str(e)[str(e).index('('):]}") from None
    check_alloc(who, (shape,) if isinstance(shape, (int, np.integer)) else shape,
                np.result_type(np.asarray(value)) if dtype is None else dtype)
    try:
        with np.errstate(over="raise", invalid="raise"):
            return np.full(shape, value, dtype=dtype)
    except FloatingPointError:
        dt = np.result_type(np.asarray(value)) if dtype is None else np.dtype(dtype)
        raise ValueError(f"{who}: fill value {value!r} does not fit {dt} (NumPy would cast it "
                         "to another number)") from None


def shape_arg(shape: Sequence[Any], who: str | None = None,
              dtype: Any = np.float64) -> tuple[int, ...]:
    """zeros(2, 3), zeros((2, 3)), zeros([2, 3]); a 0-d integer tensor is one size, as torch's
    zeros(torch.tensor(2)) (iterating it raised). With `who` (a constructor), an array of that
    shape and dtype larger than memory is refused in one line (check_alloc) before NumPy tries."""
    if len(shape) == 1 and isinstance(shape[0], Iterable) and getattr(shape[0], "ndim", 1):
        shape = tuple(shape[0])
    if who is not None:
        check_alloc(who, shape, dtype)
    return tuple(shape)


def index_arg(index: Any, who: str = "an index") -> Any:
    """An index with its Tensors read as arrays (lists as integer/boolean arrays). A NumPy
    masked array (alone or in a tuple) is refused (`who` names it): NumPy's indexing reads the
    values under its mask (x[np.ma.array([0, 1], mask=[0, 1])] is x[[0, 1]])."""
    check_masked(who, index)
    return _index_values(index)


def _index_values(index: Any) -> Any:
    """index_arg without the masked-array check: t[index] (item_index), whose basic indexing
    pays for nothing; GetItem's check_layout refuses a masked array on the advanced path."""
    if isinstance(index, tensor.Tensor):  # (data_of only while a hook is attached: no call eagerly)
        return index.data if not hooks.active else data_of(index)
    if isinstance(index, tuple):
        if hooks.active:
            return tuple(data_of(i) if isinstance(i, tensor.Tensor) else _empty_list(i)
                         if type(i) is list else i for i in index)
        return tuple(i.data if isinstance(i, tensor.Tensor) else _empty_list(i)
                     if type(i) is list else i for i in index)
    if isinstance(index, list):
        a = np.asarray(index)
        if not a.size and a.dtype.kind == "f":  # `[]` reads as float64, which NumPy refuses
            a = a.astype(np.intp)  # as an index: an empty integer index, as NumPy's x[[]]
        return engine.literal(a) if is_literal(index) else a
    return index


def item_index(who: str, index: Any) -> Any:
    """index_arg for `t[index]` and `t[index] = v`, refusing a uint8 Tensor in it: torch 2.13
    reads one as a mask (deprecated, with a warning), NumPy as positions, so `x[m.byte()]`
    picked rows 0 and 1 without a word (a uint8 NumPy array stays NumPy's positions); also
    inside a list (`x[[m]]`, which torch reads as `x[m]`: a mask, NumPy as positions)."""
    if type(index) is int or type(index) is slice:  # x[i], x[a:b]: nothing to read or check
        return index  # (the per-op path of indexing: ~125 ns of calls saved per op)
    if _holds_uint8(index):
        raise IndexError(f"{who}: a uint8 index tensor is a mask in torch (deprecated there) "
                         "and positions in NumPy; give .bool() for a mask or .long() for "
                         "positions")
    if type(index) is list:
        # NumPy reads a list as one index array; one holding a slice, None, `...` or lists of
        # different lengths makes none (NumPy's error named no op, or an object array), where
        # torch 2.13 reads the list as a tuple of indices (deprecated)
        try:
            arr = _index_values(index)
        except ValueError:
            arr = None
        if arr is None or arr.dtype == object or (arr.ndim == 1 and any(
                issubclass(k, (tensor.Tensor, np.ndarray)) for k in set(map(type, index)))):
            # (a list holding a Tensor or array, x[[t0, t1]] of 0-d ones: torch's x[t0, t1],
            # NumPy's x[[0, 1]]; a 1-D one's lists go to the nested refusal below)
            raise IndexError(f"{who}: the list {brief_index(index)} is not one index array "
                             "(NumPy's reading of a list); torch 2.13 reads it as a tuple of "
                             "indices: write x[tuple(seq)]")
        if arr.ndim > 1:  # a nested list: one (k, m) index array (or mask) to NumPy, a tuple
            # of k indices to torch 2.13 (x[[[0, 1], [1, 2]]]: (2, 2, n) there, (2,) here):
            # neither reading taken without a word
            raise IndexError(f"{who}: the nested list {brief_index(index)} is one index array "
                             f"of shape {arr.shape} to NumPy, a tuple of indices to torch 2.13: "
                             "write x[tuple(seq)] for torch's reading, x[np.array(seq)] or "
                             "x[tinygrad_dl.tensor(seq)] for NumPy's")
        return arr
    return _index_values(index)


def _empty_list(item: list) -> Any:
    """A list item of a tuple index as given, but one holding no number (`[]`, `[[]]`) as an
    empty intp array: NumPy's indexing reads it so, but its float64 array broke the gradient
    (np.add.at refuses a float index: x[:, []].sum().backward() raised)."""
    try:
        a = np.asarray(item)
    except ValueError:  # (ragged: NumPy's own error in the indexing)
        return item
    # (a literal: a jit replay keeps it as the constant it is, as x[[]] alone)
    return engine.literal(a.astype(np.intp)) if not a.size and a.dtype.kind == "f" else item


def _holds_uint8(index: Any) -> bool:
    """Is `index` a uint8 Tensor, or a tuple or (nested) list holding one?"""
    if isinstance(index, tensor.Tensor):
        return index.data.dtype == np.uint8
    return type(index) in (tuple, list) and any(_holds_uint8(i) for i in index)


def no_grad_result(data: np.ndarray) -> Tensor:
    """A constant (no-gradient) tensor of an array (or a NumPy scalar) made of tensors'
    arrays: comparisons, argmax/argmin, masks, indices (Tensor.from_result: no checks)."""
    return tensor.Tensor.from_result(data if type(data) is np.ndarray else np.asarray(data))


def zero_d_int(op: str, name: str, value: Any) -> Any:
    """A 0-d Tensor or array as its int (torch reads a 0-d integer tensor as a number:
    `x.split(torch.tensor(2))`, `x.chunk(n)` of a 0-d n, `torch.cat(ts, dim=torch.tensor(1))`;
    NumPy a 0-d integer array); anything else as it is (a 0-d float or bool one refused)."""
    if isinstance(value, (tensor.Tensor, np.ndarray)) and value.ndim == 0:
        if value.dtype.kind not in "iu":
            raise TypeError(f"{op}: {name} must be an int, got a 0-d tensor of dtype "
                            f"{value.dtype}")
        return operator.index(value)  # (a Tensor's __index__ tells a jit recording it reads)
    return value


def int_arg(who: str, name: str, value: Any) -> int:
    """An int argument (a bool or a float is refused, as torch does), in one line."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{who}: {name} must be an int, got {value!r}")
    return int(value)


def selected(who: str, x: Tensor, dim: Any, index: Any) -> tuple[int, int]:
    """(axis, index) of torch's select(dim, index) on x: index may count from the end."""
    if x.ndim == 0:
        raise IndexError(f"{who}: a 0-d tensor has no dim to select from")
    axis = axis_of(who, dim, x.ndim)
    n, i = x.shape[axis], int_arg(who, "index", index)
    if not -n <= i < n:
        raise IndexError(f"{who}: index {i} is out of range for dim {dim} of length {n} "
                         f"(shape {x.shape})")
    return axis, i


def bool_mask(who: str, mask: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
    """A bool mask argument (a Tensor or array) and the shape it and `shape` broadcast to (a
    masked array refused: NumPy's conversion read the values under its mask)."""
    check_masked(f"{who}: the mask", mask)
    cond = np.asarray(index_arg(mask) if isinstance(mask, tensor.Tensor) else mask)
    if cond.dtype != bool:
        raise TypeError(f"{who}: the mask must be bool, got dtype {cond.dtype}")
    try:
        return cond, np.broadcast_shapes(cond.shape, shape)
    except ValueError:
        raise ValueError(f"{who}: a mask of shape {cond.shape} and a tensor of shape {shape} "
                         "do not broadcast together") from None

