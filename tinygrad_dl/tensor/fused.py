"""Tensor's fused products and sums, torch's `beta x + alpha (product)` family: addmm, addmv,
addr, baddbmm, addbmm, and mv, addcmul, addcdiv (compositions of @, outer and the
arithmetic, so their gradients are those ops'). Their in-place forms (addmm_, addmv_, ...)
are inplace_forms.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import tensor
from .conversions import as_tensor, number_fits, unsigned_wrapped

if TYPE_CHECKING:
    from . import Tensor


def _in_result_dtype(x: Tensor, tensor1: Any, tensor2: Any) -> tuple[Tensor, Tensor, np.dtype]:
    """addcmul's and addcdiv's tensor1 and tensor2 in the dtype of the result, as torch's
    (theirs was used: an int32 product wrapped around before a float x was added, an int8
    one times a float16 rounded to float16 before a float32 x)."""
    t1, t2 = as_tensor(tensor1, x), as_tensor(tensor2, x)
    if t1.dtype == t2.dtype == x.dtype:  # (the common case: no np.result_type per call)
        return t1, t2, x.dtype
    dt = np.result_type(x.dtype, t1.dtype, t2.dtype)
    return (t1 if t1.dtype == dt else t1.astype(dt)), (t2 if t2.dtype == dt else t2.astype(dt)), dt


def _dims(who: str, name: str, t: Tensor, ndim: int) -> None:
    if t.ndim != ndim:
        raise ValueError(f"{who}: {name} must be {ndim}-D, got shape {t.shape}")


def _scaled_sum(who: str, x: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """beta x + alpha product; beta = 0 ignores x (its NaNs too), as torch's."""
    for name, v in (("beta", beta), ("alpha", alpha)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"{who}: {name} must be a number, got {v!r}")
    x, product = _common(x, product)
    out = product if alpha == 1 else product * _factor(who, "alpha", product, alpha)
    if beta == 0:  # x's values unread (a zero gradient, as torch's), its shape broadcast
        return out + x.where(tensor.Tensor(np.zeros(x.shape, bool)), _factor(who, "beta", x, 0))
    return out + (x if beta == 1 else x * _factor(who, "beta", x, beta))


def _common(x: Tensor, product: Tensor) -> tuple[Tensor, Tensor]:
    """x and the product in their result dtype, so each is scaled there, as torch's: an int
    beta times a uint8 x beside an int64 or float product wrapped in uint8 (x * 254 for -2)."""
    if x.dtype == product.dtype:  # (the usual case: nothing to do)
        return x, product
    dt = np.result_type(x.dtype, product.dtype)
    return (x if x.dtype == dt else x.astype(dt)), (product if product.dtype == dt
                                                     else product.astype(dt))


def _factor(who: str, name: str, t: Tensor, v: Any) -> int | float:
    """beta or alpha as a Python number for t: an int for an integer t and an integer v, so
    integer tensors stay integers, as torch's (float(v) made them float64); a float otherwise
    (a fractional v with integer tensors: float64, where torch's addmm truncates v). An int
    takes torch's range for t's dtype: an unsigned one takes -max..-1 as its wrapped value
    (uint8 alpha=-3 is 253: the same product mod 256, torch's; NumPy 2 refused -3 beside
    uint8), one past the range is refused naming the op (torch refuses it too)."""
    if t.dtype.kind not in "iu" or not isinstance(v, (int, np.integer)):
        return float(v)
    v = unsigned_wrapped(int(v), t.dtype) if t.dtype.kind == "u" else int(v)
    number_fits(who, v, t.dtype, name)
    return v


class FusedMethods:
    """torch's fused products and sums (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """torch.addmm: beta x + alpha (mat1 @ mat2), mat1 and mat2 2-D, x broadcast."""
        m1, m2 = as_tensor(mat1, self), as_tensor(mat2, self)
        _dims("addmm", "mat1", m1, 2)
        _dims("addmm", "mat2", m2, 2)
        return _scaled_sum("addmm", self, m1 @ m2, beta, alpha)

    def mv(self, vec: Any) -> Tensor:
        """torch.mv: the matrix x (2-D) times the vector vec (1-D)."""
        v = as_tensor(vec, self)
        _dims("mv", "the matrix", self, 2)
        _dims("mv", "vec", v, 1)
        if self.shape[1] != v.shape[0]:
            raise ValueError(f"mv: a matrix of shape {self.shape} and a vector of length "
                             f"{v.shape[0]} do not fit")
        return self @ v

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """torch.baddbmm: beta x + alpha (batch1 @ batch2), both 3-D with one batch size."""
        b1, b2 = as_tensor(batch1, self), as_tensor(batch2, self)
        _dims("baddbmm", "batch1", b1, 3)
        _dims("baddbmm", "batch2", b2, 3)
        if b1.shape[0] != b2.shape[0]:
            raise ValueError(f"baddbmm: batch sizes differ: {b1.shape} and {b2.shape}")
        return _scaled_sum("baddbmm", self, b1 @ b2, beta, alpha)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """torch.addcmul: x + value tensor1 tensor2. Integer tensors stay integers, as
        torch's (float(1) made them float64, and addcmul_ refused): a whole float value is
        taken as an int, a fraction refused (torch truncates it, 0.5 to 0)."""
        t1, t2, dt = _in_result_dtype(self, tensor1, tensor2)
        if dt == np.bool_:  # (NumPy's True * 2 is int64)
            raise TypeError("addcmul: not implemented for bool tensors (as torch); cast one first")
        v = value if type(value) is int else float(value)
        if type(v) is float and dt.kind in "biu":
            if not v.is_integer():
                raise TypeError(f"addcmul: value={value} with integer or bool tensors (torch "
                                f"truncates it to {int(v)}); pass an int or cast to a float dtype")
            v = int(v)
        if dt.kind in "iu":  # (uint8 value=-1 is 255, torch's; past the dtype refused)
            v = _factor("addcmul", "value", t1, v)
        return self + t1 * v * t2  # (torch's order: (value t1) t2, so t1 t2 past the
        # dtype's range with a small value fits, as in Adam's (1 - beta2) g g)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """torch.addcdiv: x + value tensor1 / tensor2; integer (or bool) tensor1 and tensor2
        are refused, as torch's (its integer division there was removed)."""
        t1, t2 = as_tensor(tensor1, self), as_tensor(tensor2, self)
        if t1.dtype.kind in "biu" and t2.dtype.kind in "biu":
            raise RuntimeError(f"addcdiv: integer division of {t1.dtype} tensor1 by {t2.dtype} "
                               "tensor2 is not supported (as torch); cast tensor1 to a float "
                               "dtype (tensor1.double())")
        t1, t2, _ = _in_result_dtype(self, t1, t2)
        return self + t1 * float(value) / t2  # (torch's order, as addcmul's: (value t1) / t2,
        # so a t1 / t2 past the dtype's range with a small value fits; torch's bits)

    def addmv(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """torch.addmv: beta x + alpha (mat @ vec), mat 2-D, vec 1-D; beta = 0 ignores x."""
        m, v = as_tensor(mat, self), as_tensor(vec, self)
        if m.ndim != 2 or v.ndim != 1 or m.shape[1] != v.shape[0]:
            raise ValueError(f"addmv: mat (n, m) and vec (m,), got shapes {m.shape} and "
                             f"{v.shape}")
        return _scaled(self, m @ v, beta, alpha, "addmv")

    def addr(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """torch.addr: beta x + alpha outer(vec1, vec2) (1-D vectors); beta = 0 ignores x. The
        outer product in the result's dtype, as torch's (int16 vectors beside a float64 x
        wrapped 300 * 300 to 24464 before x was added)."""
        a, b, _ = _in_result_dtype(self, vec1, vec2)
        if a.ndim != 1 or b.ndim != 1:
            raise ValueError(f"addr: vec1 and vec2 must be 1-D, got shapes {a.shape} and "
                             f"{b.shape}")
        return _scaled(self, a.outer(b), beta, alpha, "addr")

    def addbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """torch.addbmm: beta x + alpha sum_b batch1[b] @ batch2[b]; beta = 0 ignores x."""
        return _addbmm(self, batch1, batch2, beta, alpha)


def _addbmm(x: Tensor, batch1: Any, batch2: Any, beta: Any, alpha: Any) -> Tensor:
    b1, b2 = as_tensor(batch1, x), as_tensor(batch2, x)
    if b1.ndim != 3 or b2.ndim != 3 or b1.shape[0] != b2.shape[0] or b1.shape[2] != b2.shape[1]:
        raise ValueError(f"addbmm: batch1 (b, n, m) and batch2 (b, m, p), got shapes "
                         f"{b1.shape} and {b2.shape}")
    prods = b1 @ b2
    total = prods.sum(0)  # (NumPy sums int32 to int64: back to the batches' dtype, as torch's)
    return _scaled(x, total if total.dtype == prods.dtype else total.astype(prods.dtype), beta,
                   alpha, "addbmm")


def _scaled(x: Tensor, product: Tensor, beta: Any, alpha: Any, who: str) -> Tensor:
    """beta x + alpha product; beta = 0 leaves x's values (NaNs too) unread, as torch's."""
    for name, v in (("beta", beta), ("alpha", alpha)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"{who}: {name} must be a number, got {v!r}")
    x, product = _common(x, product)
    out = product if alpha == 1 else product * _factor(who, "alpha", product, alpha)
    if beta == 0:
        np.broadcast_shapes(x.shape, out.shape)
        return out + x.where(type(x).from_result(np.zeros(x.shape, bool)),
                             _factor(who, "beta", x, 0))
    return out + (x if beta == 1 else x * _factor(who, "beta", x, beta))
