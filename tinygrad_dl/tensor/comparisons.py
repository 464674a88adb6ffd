"""Tensor's comparisons (<, <=, ==, ..., torch's greater/less/not_equal...), tests of values
(isnan, isclose, allclose, isinf, isfinite, isposinf, isneginf, isreal, any, all) and the
logical ops (logical_and/or/xor/not): constant bool tensors, no gradient, usable as where's
condition; and the questions answered in Python: is_nonzero, is_same_size, equal.
"""

from __future__ import annotations

import numbers
import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import engine, hooks, tensor
from ..ops.elementwise import real_only
from ..ops.shape import Compare, reduced_axes
from ..ops.spelling import spellings
from .conversions import Axis, as_data, data_of, no_grad_result

if TYPE_CHECKING:
    from . import Tensor


class ComparisonMethods:
    """Comparisons and tests of values (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- comparisons: constant bool tensors (no gradient), usable as where's condition ------
    # an operand that is no array (None, "a", object(), pytest.approx(...)): NotImplemented,
    # as torch's operators, so Python asks the other side, then gives its identity answer to
    # == / != (False / True: `x in [None, x]` works) and a TypeError to the four orderings
    def __lt__(self, other: Any) -> Tensor: return _compared(self, other, operator.lt, "<", True)
    def __le__(self, other: Any) -> Tensor: return _compared(self, other, operator.le, "<=", True)
    def __gt__(self, other: Any) -> Tensor: return _compared(self, other, operator.gt, ">", True)
    def __ge__(self, other: Any) -> Tensor: return _compared(self, other, operator.ge, ">=", True)
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compared(self, other, operator.eq, "==", True)
    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compared(self, other, operator.ne, "!=", True)
    __hash__ = object.__hash__  # identity, as before: tensors stay usable as dict keys
    # PyTorch's method names of the six (`pred.eq(y).sum()`)
    def lt(self, other: Any) -> Tensor: return _compared(self, other, operator.lt, "<")
    def le(self, other: Any) -> Tensor: return _compared(self, other, operator.le, "<=")
    def gt(self, other: Any) -> Tensor: return _compared(self, other, operator.gt, ">")
    def ge(self, other: Any) -> Tensor: return _compared(self, other, operator.ge, ">=")
    def eq(self, other: Any) -> Tensor: return _compared(self, other, operator.eq, "==")
    def ne(self, other: Any) -> Tensor: return _compared(self, other, operator.ne, "!=")
    # tg.eq(x, y) (method_function) hands y to the method as given: the method compares a
    # number as itself anyway, and refuses y = None in its own line (naming eq, not Tensor())
    for _m in (lt, le, gt, ge, eq, ne):
        _m.reads_numbers = True  # type: ignore[attr-defined]
    del _m

    # ---- tests of values: constant bool tensors, as the comparisons (`if x.isnan().any():`)
    def isnan(self) -> Tensor: return no_grad_result(np.isnan(self.data))

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        """|x - y| <= atol + rtol |y| elementwise (NumPy's and PyTorch's defaults): a constant
        bool tensor. Integers are compared exactly (np.isclose reads them as float64)."""
        return no_grad_result(_close("isclose", self.data, _operand(other), rtol, atol,
                                     equal_nan))

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        """Is x.isclose(other) everywhere: a Python bool, the values read (as float(t))."""
        engine.notify_read(self, ".allclose()")
        return bool(np.all(_close("allclose", self.data, _operand(other), rtol, atol,
                                  equal_nan)))
    def isinf(self) -> Tensor: return no_grad_result(np.isinf(self.data))
    def isfinite(self) -> Tensor: return no_grad_result(np.isfinite(self.data))

    @spellings()
    def any(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        axis = reduced_axes("any", axis, self.ndim)  # (x.any(dim=[0]) of a 0-d x, as torch's)
        return no_grad_result(np.asarray(np.any(self.data, axis=axis, keepdims=keepdims)))

    @spellings()
    def all(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        axis = reduced_axes("all", axis, self.ndim)  # (x.all(dim=[0]) of a 0-d x, as torch's)
        return no_grad_result(np.asarray(np.all(self.data, axis=axis, keepdims=keepdims)))

    # ---- torch's aliases ---------------------------------------------------------------------
    def greater(self, other: Any) -> Tensor: return self.gt(other)
    def greater_equal(self, other: Any) -> Tensor: return self.ge(other)
    def less(self, other: Any) -> Tensor: return self.lt(other)
    def less_equal(self, other: Any) -> Tensor: return self.le(other)
    def not_equal(self, other: Any) -> Tensor: return self.ne(other)

    # ---- more tests of values (constants, or Python values) ----------------------------------
    def isposinf(self) -> Tensor:
        """x is +inf, elementwise (a constant bool tensor)."""
        d = real_only("isposinf", self.data)  # (complex: torch refuses; NumPy's too)
        return no_grad_result(np.isposinf(d) if d.dtype.kind == "f" else np.zeros(d.shape, bool))

    def isneginf(self) -> Tensor:
        """x is -inf, elementwise (a constant bool tensor)."""
        d = real_only("isneginf", self.data)  # (complex: torch refuses; NumPy's too)
        return no_grad_result(np.isneginf(d) if d.dtype.kind == "f" else np.zeros(d.shape, bool))

    def isreal(self) -> Tensor:
        """torch.isreal: True everywhere for a real dtype (a complex one: imaginary part 0)."""
        return no_grad_result(np.isreal(self.data))

    def is_nonzero(self) -> bool:
        """torch's is_nonzero: the one value is nonzero (NaN is); more or fewer values raise."""
        n = self.data.size
        if n != 1:
            what = "no values" if n == 0 else "more than one value"
            raise RuntimeError(f"is_nonzero: Boolean value of Tensor with {what} is ambiguous "
                               f"(shape {self.shape})")
        engine.notify_read(self, ".is_nonzero()")  # a value handed to Python, as bool(t)
        return bool(self.data.reshape(-1)[0] != 0)

    def is_same_size(self, other: Tensor) -> bool:
        """torch's is_same_size: the shapes are equal."""
        if not isinstance(other, tensor.Tensor):
            raise TypeError(f"is_same_size: other must be a Tensor, got {type(other).__name__}")
        return self.shape == other.shape

    def equal(self: Tensor, other: Tensor) -> bool:
        """torch's x.equal(y): True when both have one shape and equal values (NaN is not
        equal to NaN; dtypes may differ, as torch's)."""
        if not isinstance(other, tensor.Tensor):
            raise TypeError(f"equal: other must be a Tensor, got {type(other).__name__}")
        engine.notify_read(self, ".equal()")  # a value handed to Python, as bool(t == y)
        return self.shape == other.shape and bool(np.array_equal(self.data, other.data))

    # ---- logical ops: constant bool tensors, as the comparisons ------------------------------
    def logical_and(self, other: Any) -> Tensor:
        return no_grad_result(np.logical_and(self.data, as_data(other)))

    def logical_or(self, other: Any) -> Tensor:
        return no_grad_result(np.logical_or(self.data, as_data(other)))

    def logical_xor(self, other: Any) -> Tensor:
        return no_grad_result(np.logical_xor(self.data, as_data(other)))

    def logical_not(self) -> Tensor: return no_grad_result(np.logical_not(self.data))


def _operand(other: Any) -> Any:
    """isclose's other: a Python int as an integer array where int64 (or past 2**63, uint64)
    holds it (as_data makes float64 of a number), else as_data's array."""
    if type(other) is int and -(2**63) <= other < 2**64:
        return np.asarray(other, dtype=np.int64 if other < 2**63 else np.uint64)
    return as_data(other)


def _close(who: str, a: np.ndarray, b: np.ndarray, rtol: Any, atol: Any,
           equal_nan: bool) -> Any:
    """np.isclose, with torch's refusal of a negative tolerance, and integers (bool too) on both
    sides compared exactly: np.isclose makes float64 of them, so int64 2**60 and 2**60 + 1 were
    close with rtol=atol=0 (torch: not close)."""
    if not (rtol >= 0 and atol >= 0):  # (NaN too, as torch's)
        raise ValueError(f"{who}: rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    b = np.asarray(b)
    if a.dtype.kind not in "biu" or b.dtype.kind not in "biu" or (
            np.result_type(a, b).kind not in "biu"):  # (int64 with uint64: float64, NumPy's)
        return np.isclose(a, b, rtol, atol, equal_nan)
    same = a == b
    if not (rtol or atol):
        return same
    lo, hi = np.minimum(a, b), np.maximum(a, b)  # |a - b| exactly, as uint64 (wraps past 2**63)
    gap = hi.astype(np.uint64) - lo.astype(np.uint64)
    return same | (gap.astype(np.float64) <= atol + rtol * np.abs(b.astype(np.float64)))


# the Python numbers compared as themselves (a complex too: NumPy's weak scalar, so `x32 ==
# 0.1 + 0j` is True, as torch and NumPy say; as a complex128 array it was False)
_NUMBERS = (int, float, bool, complex)
_ARRAYS = (np.ndarray, np.generic, list, tuple)  # (lists: compared elementwise, NumPy's way)


def _foreign(other: Any) -> bool:
    """Is `other` no operand of a comparison: not a number, tensor, array, list or tuple, nor
    an object NumPy reads as an array (__array__); the operators answer NotImplemented."""
    if isinstance(other, (tensor.Tensor, *_ARRAYS)):
        return False
    return not (isinstance(other, numbers.Number) or hasattr(other, "__array__")
                or hasattr(other, "__array_interface__"))
_REAL = np.dtype(np.float64)  # (the dtype of a b that has none: its test is type(b))
_NAMES = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}  # (errors)


def _compared(x: Tensor, other: Any, op: Any, sign: str, dunder: bool = False) -> Tensor:
    """x <op> other as a constant bool tensor; shapes that do not broadcast are said in one
    line naming the comparison (NumPy's "operands could not be broadcast" named none). A
    Python number is compared as itself (NumPy's rule for a Python scalar, and torch's: in x's
    dtype where it fits), so `x32 == 0.1` is True for float32 0.1 and an int64 2**53 + 1 is
    above 2**53; as a float64 array it compared them in float64 (False, and equal)."""
    if type(other) in _NUMBERS:
        b = other
    elif isinstance(other, np.generic) and other.dtype.kind in "biuf" and x.data.dtype.kind == "f":
        # np.float64(0.1), np.int64(3) beside a float tensor: the Python number of its kind, as
        # arithmetic reads it (as_tensor) and torch: as a float64 0-d array `x32 ==
        # np.float64(0.1)` was False where `x32 - np.float64(0.1) == 0` was True
        b = other.item()
    elif isinstance(other, np.generic):  # (NumPy's rule, as a 0-d array: a jit parameter, where
        b = other  # an array made inside the step was refused: `y == np.int64(3)`)
    else:
        try:
            b = as_data(other)
        except (TypeError, ValueError) as e:  # (not on the common path: no cost there)
            # == and != with anything not read as numbers (None, Fraction, Decimal, [None, 1],
            # a ragged list): NotImplemented, so Python's identity answer, False / True, as
            # torch's operators; the orderings with a non-number too (x < None: Python's
            # TypeError, torch's); a masked array keeps its refusal (NumPy's == dropped no
            # mask, but gave a MaskedArray where x < m and x.eq(m) refuse)
            if dunder and (sign in ("==", "!=") and not isinstance(other, np.ma.MaskedArray)
                           or _foreign(other)):
                return NotImplemented
            why = str(e).removeprefix("Tensor(): ").replace("Tensor()'s data", "y")  # (as_data's
            # reason, its hint kept: a list of Tensors stacked, a masked array filled)
            raise type(e)(f"{_NAMES[sign]} (x {sign} y): {why}") from None
    if (x.data.dtype.kind == "c" or getattr(b, "dtype", _REAL).kind == "c"  # (the cheap order:
            or type(b) is complex) and sign[0] in "<>":  # ~0.1 us on every comparison)
        raise TypeError(f"comparison x {sign} y: complex numbers are not ordered (got "
                        f"{x.data.dtype} and {np.asarray(b).dtype}), as torch refuses; compare "
                        "x.real, x.imag or x.abs()")
    try:
        if hooks.active and hooks.attached.recorder is not None:  # a jit recording: an op,
            return _recorded(x, other, b, op)  # so that a replay compares again
        return no_grad_result(Compare.forward(None, x.data, b, fn=op))  # (its NumPy call)
    except ValueError as e:
        if "broadcast" not in str(e):
            raise
        raise ValueError(f"comparison x {sign} y: shapes {x.data.shape} and {np.shape(b)} do "
                         "not broadcast") from None
    except OverflowError:  # a Python int beyond every float (2**1100 beside a float tensor)
        raise OverflowError(f"comparison x {sign} y: {other!r:.40} does not fit {x.data.dtype} "
                            "nor float64 (torch raises too)") from None


def _recorded(x: Tensor, other: Any, b: Any, op: Any) -> Tensor:
    """`op(x.data, b)` as a `Compare` op on constant tensors of the same arrays: the recording
    sees where each comes from (an earlier op, an argument, a literal), and a replay of the
    step computes the mask from that call's values, where a constant result was refused."""
    np.broadcast_shapes(x.data.shape, np.shape(b))  # (NumPy's ValueError: said as eagerly)
    y = data_of(other) if isinstance(other, tensor.Tensor) else b  # (b: eager's very operand)
    # plain Tensors, as eager's result (no_grad_result): a subclass of x's type would be the
    # result's type while recording only, and one whose __init__ takes more failed there
    if type(y) in _NUMBERS or isinstance(y, np.generic):  # a number: a parameter
        return Compare.apply(tensor.Tensor(data_of(x)), fn=op, scalar=y)
    return Compare.apply(tensor.Tensor(data_of(x)), tensor.Tensor(y), fn=op)
