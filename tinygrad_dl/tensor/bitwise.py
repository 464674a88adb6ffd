"""Tensor's integer ops (no gradient): the bitwise ops bitwise_and/or/xor/not and their
operators & | ^ ~, the shifts bitwise_left_shift/bitwise_right_shift (<< >>, torch's rules
for shifts past the bit width), gcd and lcm. Their in-place operators (&=, <<=, ...) are
inplace.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import tensor
from .conversions import as_tensor, no_grad_result

if TYPE_CHECKING:
    from . import Tensor


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


def _gcd_kinds(x: Tensor, other: Any) -> str:
    """The operand kinds gcd/lcm take: integers, and a bool tensor beside an integer one (its
    0 and 1 in the other's dtype, as torch's promotion); two bools, or a Python bool, not
    (torch: not implemented, and no number)."""
    b = other.data if isinstance(other, tensor.Tensor) else other
    kinds = {x.data.dtype.kind, b.dtype.kind if isinstance(b, np.ndarray) else "-"}
    return "iub" if kinds in ({"b", "i"}, {"b", "u"}) else "iu"


def _shift_operands(who: str, x: Tensor, other: Any) -> tuple[np.ndarray, Any]:
    """x's array and other's (an int tensor or a Python int, which keeps x's dtype; a bool x
    with a Python int is int64), cast to their common integer dtype; float refused, and two
    bools (torch's lshift/rshift are not implemented for them)."""
    b = other.data if isinstance(other, tensor.Tensor) else other
    for v in (x.data, b):
        if type(v) is float or np.asarray(v).dtype.kind not in "iub":
            raise TypeError(f"{who}: expects integer tensors, got dtype {np.asarray(v).dtype} "
                            "(torch's shifts refuse float and bool)")
    a = x.data.astype(np.int64) if x.data.dtype == bool and type(b) is int else x.data
    if type(b) is int:
        try:
            b = np.asarray(b, a.dtype)
        except OverflowError:
            raise OverflowError(f"{who}: {b} is out of the range of this tensor's dtype "
                                f"{a.dtype} (torch wraps it around)") from None
    dt = np.result_type(a, np.asarray(b))
    if dt.kind not in "iu":
        raise TypeError(f"{who}: expects integer tensors, got dtype {dt} (torch's shifts "
                        "refuse float and bool)")
    return np.asarray(a, dt), np.asarray(b, dt)


def _shifted(a: np.ndarray, b: np.ndarray, left: bool) -> np.ndarray:
    """torch's shift rule on one integer dtype of n bits: a shift read as signed that is < 0
    or >= n gives 0 (left) or the sign fill (right: -1 for a negative signed value, else 0);
    a left shift wraps around (as C's on the unsigned bits)."""
    a, b = np.broadcast_arrays(a, b)
    n = a.dtype.itemsize * 8
    signed_b = b.view(np.dtype(f"i{a.dtype.itemsize}"))
    bad = (signed_b < 0) | (signed_b >= n)
    safe = np.where(bad, 0, b).astype(a.dtype)
    if left:
        u = np.dtype(f"u{a.dtype.itemsize}")
        out = np.left_shift(a.view(u), safe.view(u)).view(a.dtype)
        return np.where(bad, np.zeros((), a.dtype), out)
    fill = np.right_shift(a, n - 1) if a.dtype.kind == "i" else np.zeros((), a.dtype)
    return np.where(bad, fill, np.right_shift(a, safe))


def _shift(who: str, x: Tensor, other: Any, left: bool) -> Tensor:
    a, b = _shift_operands(who, x, other)
    return no_grad_result(np.asarray(_shifted(a, b, left)))


class BitwiseMethods:
    """Integer and bool ops (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- bitwise ops: integer and bool tensors, no gradient ----------------------------------
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

    # ---- shifts: integer tensors, no gradient ------------------------------------------------
    def bitwise_left_shift(self, other: Any) -> Tensor:
        """torch.bitwise_left_shift: x << other, wrapping in x's dtype; a shift < 0 or of the
        dtype's bits or more gives 0 (torch's)."""
        return _shift("bitwise_left_shift", self, other, left=True)

    def bitwise_right_shift(self, other: Any) -> Tensor:
        """torch.bitwise_right_shift: x >> other (arithmetic for signed dtypes); a shift < 0
        or of the dtype's bits or more gives the sign fill, -1 or 0 (torch's)."""
        return _shift("bitwise_right_shift", self, other, left=False)

    def __lshift__(self, other: Any) -> Tensor: return self.bitwise_left_shift(other)
    def __rshift__(self, other: Any) -> Tensor: return self.bitwise_right_shift(other)

    def __rlshift__(self, other: Any) -> Tensor:
        return as_tensor(other, self).bitwise_left_shift(self)

    def __rrshift__(self, other: Any) -> Tensor:
        return as_tensor(other, self).bitwise_right_shift(self)

    # ---- integer arithmetic torch has --------------------------------------------------------
    def gcd(self, other: Any) -> Tensor:
        """torch.gcd: the greatest common divisor, >= 0 (integer tensors; no gradient)."""
        return _bitwise("gcd", self, other, np.gcd, kinds=_gcd_kinds(self, other))

    def lcm(self, other: Any) -> Tensor:
        """torch.lcm: the least common multiple, >= 0 (integer tensors; no gradient)."""
        return _bitwise("lcm", self, other, np.lcm, kinds=_gcd_kinds(self, other))
