"""Tensor's reductions: sum, mean, var, std, max/min (NumPy's values, or PyTorch's (values,
indices) with dim=), amax/amin, aminmax, prod, norm, logsumexp, argmax/argmin, sum_to_size,
over the ops of ops/reduce.py. (The running ones, cumsum and kin, are scans.py's.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import tensor
from ..ops import LogSumExp, Max, Mean, Min, Norm, Prod, Std, Sum, Var, VectorNorm
from ..ops.dims import dim_value
from ..ops.elementwise import real_only
from ..ops.shape import axis_of
from ..ops.spelling import NOT_GIVEN, ddof_of, numpy_keywords, one_name, spellings
from .conversions import Axis, no_grad_result, shape_arg
from .results import ValuesIndices

if TYPE_CHECKING:
    from . import Tensor


class ReductionMethods:
    """Reductions over axes (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- reductions -------------------------------------------------------------------------
    @spellings()
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    @spellings()
    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Mean.apply(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Axis = None, *, keepdims: bool = False, ddof: int = 0,
            dim: Any = NOT_GIVEN, keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None, dtype: Any = None, out: Any = None) -> Tensor:
        """NumPy's variance (ddof=0 by default); with any of PyTorch's dim= (None too),
        keepdim=, correction=, unbiased=, PyTorch's (unbiased, correction=1, by default).
        keepdims and ddof are keywords (NumPy's second positional is dtype, PyTorch's
        unbiased: `x.var(1, True)` would mean neither). dtype=, out=: np.var's (see
        numpy_keywords)."""
        if dtype is not None or out is not None:  # np.var(t, axis=0)
            self = numpy_keywords("var", self, out, dtype)
        torch = dim is not NOT_GIVEN or keepdim is not None
        # (torch's dim=() or [] is every dim, as None)
        dim = None if dim is NOT_GIVEN or type(dim) in (tuple, list) and not dim else dim
        ax = one_name("var", axis, "axis", dim, "dim")
        kd = bool(one_name("var", keepdims, "keepdims", keepdim, "keepdim", False))
        ddof = ddof_of("var", ddof, torch, correction, unbiased)
        if self.data.dtype == np.float16:  # (see _in_float32)
            return _in_float32(Var, self, axis=ax, keepdims=kd, ddof=ddof)
        return Var.apply(self, axis=ax, keepdims=kd, ddof=ddof)

    def max(self, axis: Any = None, *, keepdims: bool = False, dim: int | None = None,
            keepdim: bool | None = None, out: Any = None) -> Any:
        """NumPy's max over axis (ties share the gradient); PyTorch's spellings: x.max(dim=1)
        gives (values, indices) (the gradient to the index returned, as torch's), x.max(other)
        the elementwise maximum."""
        if out is not None:  # np.max(t, out=buf) (np.max(t) passes out=None)
            numpy_keywords("max", self, out)
        if isinstance(axis, tensor.Tensor):
            return self.maximum(axis)
        if dim is not None:
            return _values_indices("max", self, Max, axis, dim, keepdims, keepdim)
        out = Max.apply(self, axis=axis, keepdims=one_name("max", keepdims, "keepdims",
                                                           keepdim, "keepdim", False))
        if isinstance(axis, (int, np.integer)):  # torch.max(x, 1) would be (values, indices)
            out._values_only = ("max", int(axis))
        return out

    # ---- more reductions (ops/reduce.py) ----------------------------------------------------
    def min(self, axis: Any = None, *, keepdims: bool = False, dim: int | None = None,
            keepdim: bool | None = None, out: Any = None) -> Any:
        """NumPy's min over axis (ties share the gradient); PyTorch's spellings: x.min(dim=1)
        gives (values, indices) (the gradient to the index returned, as torch's), x.min(other)
        the elementwise minimum."""
        if out is not None:  # np.min(t, out=buf) (np.min(t) passes out=None)
            numpy_keywords("min", self, out)
        if isinstance(axis, tensor.Tensor):
            return self.minimum(axis)
        if dim is not None:
            return _values_indices("min", self, Min, axis, dim, keepdims, keepdim)
        out = Min.apply(self, axis=axis, keepdims=one_name("min", keepdims, "keepdims",
                                                           keepdim, "keepdim", False))
        if isinstance(axis, (int, np.integer)):  # torch.min(x, 1) would be (values, indices)
            out._values_only = ("min", int(axis))
        return out

    @spellings()
    def amax(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Max.apply(self, axis=axis, keepdims=keepdims)

    @spellings()
    def amin(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Min.apply(self, axis=axis, keepdims=keepdims)

    @spellings()
    def prod(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Prod.apply(self, axis=axis, keepdims=keepdims)

    def std(self, axis: Axis = None, *, keepdims: bool = False, ddof: int = 0,
            dim: Any = NOT_GIVEN, keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None, dtype: Any = None, out: Any = None) -> Tensor:
        """sqrt(var(...)) as one op (ops/reduce.py Std), with var's arguments and defaults
        (NumPy's ddof=0, or PyTorch's unbiased default with any of its keywords)."""
        if dtype is not None or out is not None:  # np.std(t, dtype=np.float64)
            self = numpy_keywords("std", self, out, dtype)
        torch = dim is not NOT_GIVEN or keepdim is not None
        # (torch's dim=() or [] is every dim, as None)
        dim = None if dim is NOT_GIVEN or type(dim) in (tuple, list) and not dim else dim
        ax = one_name("std", axis, "axis", dim, "dim")
        kd = bool(one_name("std", keepdims, "keepdims", keepdim, "keepdim", False))
        ddof = ddof_of("std", ddof, torch, correction, unbiased)
        if self.data.dtype == np.float16:  # (see _in_float32)
            return _in_float32(Std, self, axis=ax, keepdims=kd, ddof=ddof)
        return Std.apply(self, axis=ax, keepdims=kd, ddof=ddof)

    @spellings()
    def norm(self, p: Any = "fro", axis: Axis = None, keepdims: bool = False) -> Tensor:
        """PyTorch's x.norm(p="fro", dim=None, keepdim=False): the 2-norm over dim (all: the
        flattened tensor's; a matrix's Frobenius norm), as np.linalg.norm(x, axis=...) for
        ord None; gradient 0 where the norm is 0, as PyTorch's. Another number p: the vector
        p-norm over dim (PyTorch's x.norm(p, dim): inf, -inf and 0 too, VectorNorm's gradient)."""
        if p is None or (isinstance(p, str) and p == "fro") or (
                isinstance(p, (int, float, np.number)) and not isinstance(p, bool) and p == 2):
            return Norm.apply(self, axis=axis, keepdims=keepdims)
        if isinstance(p, (int, float, np.number)) and not isinstance(p, bool) and p == p:
            return VectorNorm.apply(self, ord=float(p), axis=axis, keepdims=keepdims)
        raise ValueError(f"norm(p={p!r}): p must be a number (a vector p-norm over dim; inf, "
                         "-inf, 0 too), 'fro' or None; the nuclear norm is not implemented")

    @spellings()
    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    @spellings()
    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return _arg_extreme(self.data, "argmax", axis, keepdims)

    @spellings()
    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return _arg_extreme(self.data, "argmin", axis, keepdims)

    # ---- torch's aminmax and sum_to_size -----------------------------------------------------
    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
        """torch.aminmax: (amin, amax) over dim (None: all), ties sharing the gradient."""
        if self.data.size == 0 and (dim is None or self.ndim == 0):
            raise ValueError(f"aminmax: an empty tensor (shape {self.shape}) has no min or max")
        if dim is not None:
            axis_of("aminmax", dim, max(self.ndim, 1))
        return MinMax(self.amin(dim, keepdim), self.amax(dim, keepdim))

    def sum_to_size(self: Tensor, *size: Any) -> Tensor:
        """torch's x.sum_to_size(*size): x summed down to `size`, a shape x broadcasts from
        (leading dims summed away, dims of size 1 summed with keepdim)."""
        if not size:  # (x.sum_to_size(()) is the 0-d sum; no argument at all is a slip)
            raise TypeError("sum_to_size() missing 1 required positional argument: 'size'")
        shape = shape_arg(size)
        if any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) for d in shape):
            raise TypeError(f"sum_to_size: size must be ints, got {size!r}")
        lead = self.ndim - len(shape)
        if lead < 0 or any(d not in (1, m) for d, m in zip(shape, self.shape[lead:])):
            raise RuntimeError(f"sum_to_size: size {list(shape)} is not expandable to size "
                               f"{list(self.shape)}")
        axes = tuple(range(lead)) + tuple(lead + i for i, (d, m) in enumerate(
            zip(shape, self.shape[lead:])) if d == 1 and m != 1)
        out = self.sum(axis=axes, keepdims=True) if axes else self
        return out.reshape(shape) if out.shape != tuple(shape) else out


def _arg_extreme(a: np.ndarray, name: str, axis: Any, keepdims: bool) -> Tensor:
    """argmax/argmin: an empty axis has no answer, said naming the op and the shape (NumPy's
    "attempt to get argmax of an empty sequence" names neither), as does a bad axis."""
    real_only(name, a)
    if axis is not None:  # (a 0-d tensor takes dim 0 or -1, as torch's: index 0)
        axis = axis_of(name, axis, max(a.ndim, 1))
        axis = axis if a.ndim else None
    try:
        return no_grad_result(np.asarray(getattr(a, name)(axis=axis, keepdims=keepdims)))
    except ValueError as e:
        if "empty sequence" not in str(e):  # (an axis out of range, on any size)
            raise
        what = "a tensor of shape" if axis is None else f"axis {axis} of a tensor of shape"
        raise ValueError(f"{name}: {what} {a.shape} is empty: there is no index to "
                         "return") from None


def _values_indices(op: str, x: Tensor, fn: type, axis: Any, dim: Any, keepdims: bool,
                    keepdim: bool | None) -> ValuesIndices:
    """PyTorch's max/min(dim=...): (values, indices) over one dim."""
    one_name(op, axis, "axis", dim, "dim")
    keep = bool(one_name(op, keepdims, "keepdims", keepdim, "keepdim", False))
    if not isinstance(dim, (int, np.integer)):
        dim = dim_value(dim)  # (a 0-d integer tensor: its int, as torch's)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(dim=...) takes one dim, as in PyTorch, got {dim!r}; use "
                        f"a{op}(dim=...) for the values over several")
    pick = np.argmax if op == "max" else np.argmin
    return ValuesIndices(fn.apply(x, axis=dim, keepdims=keep, at_index=True),
                         no_grad_result(np.asarray(pick(x.data, axis=dim, keepdims=keep))))


def _in_float32(op: Any, x: Tensor, **params: Any) -> Tensor:
    """A float16 var or std made in float32 and rounded back (torch's value), the gradient
    through the casts: in float16 the sum of squares and n overflow past 65504 (the var of
    70000 halves was nan, their std 0). Here, not in the op: other dtypes pay nothing."""
    return op.apply(x.astype(np.float32), **params).astype(np.float16)


class MinMax(NamedTuple):
    """What torch.aminmax returns: (min, max)."""

    min: Tensor
    max: Tensor
