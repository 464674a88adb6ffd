"""PyTorch's predicates (isposinf, is_nonzero, is_signed, nbytes, ...), aliases (greater,
less, not_equal, positive, sgn), the bitwise ops, swapdims_, and the in-place forms of the
elementwise methods (sin_, pow_, eq_, lerp_, addcmul_, ...), generated from one table under
the rules of inplace.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import engine, tensor
from ..ops import FrexpMantissa, Ldexp, NextAfter
from ..ops.spelling import torch_keywords
from .conversions import as_tensor, no_grad_result
from .inplace import recompute, reshaped

if TYPE_CHECKING:
    from . import Tensor


class MantissaExponent(NamedTuple):
    """What torch.frexp returns: (mantissa, exponent)."""

    mantissa: Tensor
    exponent: Tensor


def _bitwise(who: str, x: Tensor, other: Any, fn: Any, kinds: str = "iub") -> Tensor:
    """fn on integer (or bool) tensors (a constant: no gradient), torch's dtype rules (a
    Python int keeps x's dtype)."""
    b = other.data if isinstance(other, tensor.Tensor) else other
    for v in (x.data, b):
        if type(v) is float or np.asarray(v).dtype.kind not in kinds:
            what = "integer or bool" if "b" in kinds else "integer"
            raise TypeError(f"{who}: expects {what} tensors, got dtype {np.asarray(v).dtype}")
    if type(b) is int and x.data.dtype.kind in "iu":  # (a Python int keeps x's dtype)
        try:
            b = np.asarray(b, x.data.dtype)
        except OverflowError:
            raise OverflowError(f"{who}: {b} is out of the range of this tensor's dtype "
                                f"{x.data.dtype} (torch wraps it around)") from None
    return no_grad_result(np.asarray(fn(x.data, b)))


class TorchExtraNames:
    """PyTorch's predicates, aliases and in-place forms (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- predicates and what a tensor holds (constants, or Python values) ---------------------
    def isposinf(self) -> Tensor:
        """x is +inf, elementwise (a constant bool tensor)."""
        d = self.data
        return no_grad_result(np.isposinf(d) if d.dtype.kind == "f" else np.zeros(d.shape, bool))

    def isneginf(self) -> Tensor:
        """x is -inf, elementwise (a constant bool tensor)."""
        d = self.data
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

    def is_signed(self) -> bool:
        """torch's is_signed: a signed dtype (floats and signed integers; not uint8, bool)."""
        return self.data.dtype.kind in "fic"

    def is_complex(self) -> bool: return self.data.dtype.kind == "c"
    def is_conj(self) -> bool: return False  # (no lazy conjugation here: always False)
    def is_neg(self) -> bool: return False  # (no lazy negation here: always False)

    @property
    def nbytes(self) -> int:
        """The bytes the values take (numel * itemsize)."""
        return int(self.data.nbytes)

    @property
    def itemsize(self) -> int:
        """The bytes one value takes."""
        return int(self.data.itemsize)

    # ---- aliases --------------------------------------------------------------------------
    def greater(self, other: Any) -> Tensor: return self.gt(other)
    def greater_equal(self, other: Any) -> Tensor: return self.ge(other)
    def less(self, other: Any) -> Tensor: return self.lt(other)
    def less_equal(self, other: Any) -> Tensor: return self.le(other)
    def not_equal(self, other: Any) -> Tensor: return self.ne(other)

    def sgn(self) -> Tensor:
        """torch.sgn: the sign of a real tensor, 0 at NaN (torch's; NumPy's sign gives NaN); a
        bool tensor's is itself (a copy, as torch's: NumPy has no sign for bool)."""
        if self.data.dtype == bool:
            return no_grad_result(self.data.copy())
        s = self.sign()
        # 0 at NaN by an op, per call: a branch on np.isnan(s.data) here was frozen by a jit
        # replay (recorded without NaN, a later NaN came out NaN); sign is never infinite
        return s if s.dtype.kind != "f" else s.nan_to_num(0.0)

    def positive(self) -> Tensor:
        """torch.positive: x itself (a bool tensor is refused, as torch's)."""
        if self.data.dtype == bool:
            raise TypeError("positive: not supported on a bool tensor (as torch's)")
        return self

    # ---- bitwise ops: integer and bool tensors, no gradient ------------------------------------
    def bitwise_and(self, other: Any) -> Tensor:
        return _bitwise("bitwise_and", self, other, np.bitwise_and)

    def bitwise_or(self, other: Any) -> Tensor:
        return _bitwise("bitwise_or", self, other, np.bitwise_or)

    def bitwise_xor(self, other: Any) -> Tensor:
        return _bitwise("bitwise_xor", self, other, np.bitwise_xor)

    def bitwise_not(self) -> Tensor:
        return _bitwise("bitwise_not", self, 0, lambda a, _: np.invert(a))

    # the operators, as torch's (`(x > 0) & (x < 1)`, `x[~mask]`); each op is commutative, so
    # the reflected form (`np_mask & t`, `True | t`) is the same call
    def __and__(self, other: Any) -> Tensor: return self.bitwise_and(other)
    def __or__(self, other: Any) -> Tensor: return self.bitwise_or(other)
    def __xor__(self, other: Any) -> Tensor: return self.bitwise_xor(other)
    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__
    def __invert__(self) -> Tensor: return self.bitwise_not()
    def __iand__(self, other: Any) -> Tensor: return self.bitwise_and_(other)  # type: ignore[attr-defined]
    def __ior__(self, other: Any) -> Tensor: return self.bitwise_or_(other)  # type: ignore[attr-defined]
    def __ixor__(self, other: Any) -> Tensor: return self.bitwise_xor_(other)  # type: ignore[attr-defined]
    # **= and %= in place, as torch's (without them Python rebound x to x ** y: a view, an
    # alias or a parameter kept its old values, and `int_t **= 0.5` became float64 unsaid)
    def __ipow__(self, other: Any) -> Tensor: return self.pow_(other)  # type: ignore[attr-defined]
    def __imod__(self, other: Any) -> Tensor: return self.remainder_(other)  # type: ignore[attr-defined]
    def __pos__(self) -> Tensor: return self.positive()

    # ---- integer and float arithmetic torch has ---------------------------------------------
    def gcd(self, other: Any) -> Tensor:
        """torch.gcd: the greatest common divisor, >= 0 (integer tensors; no gradient)."""
        return _bitwise("gcd", self, other, np.gcd, kinds="iu")

    def lcm(self, other: Any) -> Tensor:
        """torch.lcm: the least common multiple, >= 0 (integer tensors; no gradient)."""
        return _bitwise("lcm", self, other, np.lcm, kinds="iu")

    def ldexp(self, other: Any) -> Tensor:
        """torch.ldexp: x * 2 ** other (an integer x is made float32, torch's default dtype);
        gradients to both, as that product's (an integer exponent gets none)."""
        x = self if self.dtype.kind == "f" else self.astype(np.float32)
        # An integer exponent (a Python int too): np.ldexp, as torch's; x * 2.0 ** e is not
        # exact where 2.0 ** e alone over- or underflows (0 * 2 ** 2000 gave NaN)
        e = as_tensor(np.asarray(other) if type(other) is int else other, x)
        if e.dtype.kind in "iub":
            return Ldexp.apply(x, exponent=e.data)
        return x * 2.0 ** (e if e.dtype == x.dtype else e.astype(x.dtype))

    def nextafter(self, other: Any) -> Tensor:
        """torch.nextafter: the next float after x toward other (float tensors); torch's
        gradient: g to x, none to other."""
        y = as_tensor(other, self)
        if self.dtype.kind != "f" or y.dtype != self.dtype:
            raise TypeError(f"nextafter: expects float tensors of one dtype, got {self.dtype} "
                            f"and {y.dtype}")
        return NextAfter.apply(self, y)

    def frexp(self) -> MantissaExponent:
        """torch.frexp: (mantissa, exponent) with x = mantissa * 2 ** exponent, the mantissa
        in [0.5, 1) in size (x itself at 0, inf, NaN), the exponent int32; the mantissa's
        gradient is 2 ** -exponent (torch's)."""
        if self.dtype.kind != "f":
            raise TypeError(f"frexp: expects a float tensor, got dtype {self.dtype}")
        return MantissaExponent(FrexpMantissa.apply(self),
                                no_grad_result(np.frexp(self.data)[1].astype(np.int32)))

    # ---- in place ---------------------------------------------------------------------------
    def swapaxes_(self, axis0: int, axis1: int) -> Tensor:
        """x = x.swapaxes(axis0, axis1), in place (torch's swapaxes_, swapdims_)."""
        return reshaped(self, "swapaxes", axis0, axis1, op="Tensor.swapaxes_")

    swapdims_ = torch_keywords(dim0="axis0", dim1="axis1")(swapaxes_)

    def float_power_(self, exponent: Any) -> Tensor:
        """x = x.float_power(exponent) in place: x must be float64 (as torch's)."""
        if self.data.dtype != np.float64:
            raise TypeError(f"Tensor.float_power_: the result is float64, this tensor "
                            f"{self.data.dtype} (as torch's: cast it with .double() first)")
        return recompute(self, "float_power", exponent, operand=exponent)


def _inplace_form(method: str) -> Any:
    """x.<method>_(*args): x.<method>(*args)'s values written into x (inplace.py's rules; an
    operand that requires grad is refused while grad mode is on)."""
    def form(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        given = [*args, *kwargs.values()]
        tensors = [a for a in given if isinstance(a, tensor.Tensor)]
        operand = next((a for a in tensors if a.requires_grad), tensors[0] if tensors else None)
        return recompute(self, method, *args, operand=operand, **kwargs)

    form.__name__ = form.__qualname__ = f"{method}_"
    form.__doc__ = f"x = x.{method}(...), in place (torch's {method}_)."
    return form


# the in-place forms generated (each method's own arguments; eq_ ... ge_ write 0/1 in x's dtype)
INPLACE_FORMS = (
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
    "arcsin", "arccos", "arctan", "log", "log2", "log10", "log1p", "expm1", "exp2", "floor",
    "ceil", "round", "trunc", "frac", "fix", "square", "reciprocal", "rsqrt", "negative",
    "absolute", "deg2rad", "rad2deg", "erf", "erfc", "logit", "nan_to_num", "sgn",
    "logical_not", "pow", "fmod", "remainder", "copysign", "xlogy", "heaviside", "multiply",
    "subtract", "divide", "true_divide", "hypot", "atan2", "arctan2", "logical_and",
    "logical_or", "logical_xor", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal",
    "less", "less_equal", "not_equal", "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv",
    "ldexp", "gcd", "lcm", "nextafter", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not",
)
for _m in INPLACE_FORMS:
    setattr(TorchExtraNames, f"{_m}_", _inplace_form(_m))
