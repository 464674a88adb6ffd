"""The in-place forms of Tensor's out-of-place methods (sin_, pow_, eq_, lerp_, addcmul_,
sinc_, addmv_, renorm_, ..., generated from the tables INPLACE_FORMS and INPLACE_FORMS3;
cumsum_, cumprod_, scatter_add_, addmm_, fill_diagonal_, float_power_, swapaxes_/swapdims_
written out), each under the rules of inplace.py: the values written into x, refused where
the write would not be recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import tensor
from ..grad import masked_error
from ..ops.shape import axis_of
from ..ops.spelling import torch_keywords
from .casts import np_dtype
from .conversions import number_fits
from .inplace import recompute, reshaped, write

if TYPE_CHECKING:
    from . import Tensor


def _running(t: Tensor, method: str, dim: int, dtype: Any = None) -> Tensor:
    """t.cumsum_(dim) / t.cumprod_(dim): a 0-d t is its own running sum (torch's; NumPy's
    cumsum makes it 1-D), written under the in-place rules all the same; `dtype` only t's own
    (torch's: an in-place result keeps t's dtype)."""
    if dtype is not None and np_dtype(dtype, f"Tensor.{method}_") != t.data.dtype:
        raise RuntimeError(f"Tensor.{method}_: dtype={np.dtype(np_dtype(dtype, method))} is "
                           f"not the tensor's {t.data.dtype}: an in-place result keeps its "
                           f"dtype (as torch); use t.{method}(dim, dtype=...) instead")
    kind = t.data.dtype.kind
    if kind == "b" and t.size and t.ndim:  # (torch refuses it, but computes a 0-d or empty
        # one: nothing to add; the same_kind cast of the int64 result failed first)
        raise TypeError(f"Tensor.{method}_: not supported for a bool tensor (its running "
                        f"{method[3:]} is an int64 count, as torch refuses it); write "
                        f"`x = x.{method}(dim)` for the int64 result")
    if t.ndim == 0:
        axis_of(f"Tensor.{method}_", dim, 1)
        return write(t, f"Tensor.{method}_", None, lambda a, _: None)
    if kind in "iub":  # in t's own dtype, wrapping around, as torch's (uint8's int64 running
        return recompute(t, method, dim, dtype=t.data.dtype)  # sum was refused: no same_kind
    return recompute(t, method, dim)


class InPlaceFormMethods:
    """The in-place forms (a base of Tensor; the generated ones are set on it below)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    def cumsum_(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
        """x = x.cumsum(dim), in place (dtype=: x's own only, as torch's)."""
        return _running(self, "cumsum", dim, dtype)

    def cumprod_(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
        """x = x.cumprod(dim), in place (dtype=: x's own only, as torch's)."""
        return _running(self, "cumprod", dim, dtype)

    def scatter_add_(self: Tensor, dim: int, index: Any, src: Any) -> Tensor:
        """x = x.scatter_add(dim, index, src), in place."""
        return recompute(self, "scatter_add", dim, index, src, operand=src)

    def addmm_(self: Tensor, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """x = x.addmm(mat1, mat2, beta=, alpha=), in place (the product must have x's shape)."""
        s1, s2 = (np.shape(m.data if isinstance(m, tensor.Tensor) else m) for m in (mat1, mat2))
        if len(s1) == len(s2) == 2 and (s1[0], s2[1]) != self.shape:  # (x.addmm broadcasts x
            raise RuntimeError(f"Tensor.addmm_: the result's shape {(s1[0], s2[1])} is not "
                               f"this tensor's {self.shape} (mat1 @ mat2's)")  # torch's no)
        operand = next((m for m in (mat1, mat2) if isinstance(m, tensor.Tensor)
                        and m.requires_grad), mat1)
        return recompute(self, "addmm", mat1, mat2, beta=beta, alpha=alpha, operand=operand)

    def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
        """torch's x.fill_diagonal_(value, wrap=False): the main diagonal (all dims of one
        length beyond 2-D) set to value; a tall matrix with wrap=True starts again every
        n + 1 rows (NumPy's and torch's wrap)."""
        if self.ndim < 2:
            raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1 (got "
                               f"{self.ndim}-D)")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal "
                               f"length, got shape {self.shape}")
        value = fill_value.data if isinstance(fill_value, tensor.Tensor) else fill_value
        if isinstance(value, np.ma.MaskedArray):  # (np.fill_diagonal wrote the value under it)
            raise masked_error("Tensor.fill_diagonal_'s value")
        if np.ndim(value) != 0:  # (np.fill_diagonal would cycle a sequence along the diagonal)
            raise TypeError(f"fill_diagonal_: fill_value must be a number (or a 0-d tensor), "
                            f"got shape {np.shape(value)}")

        def put(a: np.ndarray, _: Any) -> None:  # (a Python int or bool cast by value, as fill_)
            number_fits("Tensor.fill_diagonal_", value, a.dtype)
            np.fill_diagonal(a, value if type(value) is int or type(value) is bool else
                             np.asarray(value).astype(a.dtype, casting="same_kind"),
                             wrap=bool(wrap))

        return write(self, "Tensor.fill_diagonal_", fill_value if isinstance(
            fill_value, tensor.Tensor) else None, put)

    def float_power_(self, exponent: Any) -> Tensor:
        """x = x.float_power(exponent) in place: x must be float64 or complex128 (as torch's)."""
        if self.data.dtype != np.float64 and self.data.dtype != np.complex128:
            raise TypeError(f"Tensor.float_power_: the result is float64, this tensor "
                            f"{self.data.dtype} (as torch's: cast it with .double() first)")
        return recompute(self, "float_power", exponent, operand=exponent)

    def swapaxes_(self, axis0: int, axis1: int) -> Tensor:
        """x = x.swapaxes(axis0, axis1), in place (torch's swapaxes_, swapdims_)."""
        return reshaped(self, "swapaxes", axis0, axis1, op="Tensor.swapaxes_")

    swapdims_ = torch_keywords(dim0="axis0", dim1="axis1")(swapaxes_)


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
# more of them (each method's own arguments)
INPLACE_FORMS3 = (
    "sinc", "lgamma", "digamma", "erfinv", "i0", "polygamma", "mvlgamma", "arccosh",
    "arcsinh", "arctanh", "addbmm", "addmv", "addr", "baddbmm", "floor_divide", "renorm",
    "bitwise_left_shift", "bitwise_right_shift", "igamma", "igammac", "conj_physical",
)
for _m in (*INPLACE_FORMS, *INPLACE_FORMS3):
    setattr(InPlaceFormMethods, f"{_m}_", _inplace_form(_m))
