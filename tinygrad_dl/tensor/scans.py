"""Tensor's scans, the running reductions along one dim: cumsum, cumprod (ops/reduce.py),
cummax/cummin (values and indices) and logcumsumexp. Their in-place forms cumsum_ and
cumprod_ are inplace_forms.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..ops import CumProd, CumSum, LogCumSumExp, TakeAlongAxis
from ..ops.elementwise import real_only
from ..ops.shape import axis_of
from ..ops.spelling import spellings
from .conversions import no_grad_result
from .results import ValuesIndices

if TYPE_CHECKING:
    from . import Tensor


def _running(x: Tensor, dim: Any, who: str, extreme: Any) -> ValuesIndices:
    """cummax/cummin: the running extreme along dim and the index it came from (the latest
    of equal ones, and a NaN once one is met, as torch's); the gradient goes to that index.
    Entry j sets the running extreme where it equals it (a new one, or a tie) or is NaN; each
    index is the latest such j so far (extreme.accumulate keeps a NaN, as torch's; a Python
    step per entry took 1.7 s over 10**5)."""
    x1 = x.reshape(1) if x.ndim == 0 else x
    real_only(who, x1.data)  # (complex is not ordered: torch refuses too)
    axis = axis_of(who, dim, x1.ndim)
    a = x1.data
    if a.dtype == np.bool_:  # (NumPy's maximum of bools is logical_or: the same order)
        a = a.view(np.uint8)
    sets = (a == extreme.accumulate(a, axis=axis)) if a.size else np.zeros(a.shape, bool)
    if a.dtype.kind == "f":
        sets |= np.isnan(a)
    at = np.arange(a.shape[axis], dtype=np.int64).reshape((-1,) + (1,) * (a.ndim - axis - 1))
    idx = np.maximum.accumulate(np.where(sets, at, 0), axis=axis) if a.size else \
        np.zeros(a.shape, np.int64)
    values = TakeAlongAxis.apply(x1, indices=idx, axis=axis)
    if x.ndim == 0:
        return ValuesIndices(values.reshape(()), no_grad_result(idx.reshape(())))
    return ValuesIndices(values, no_grad_result(idx))


class ScanMethods:
    """Running reductions along a dim (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    @spellings()
    def cumsum(self, axis: int | None = None) -> Tensor: return CumSum.apply(self, axis=axis)

    @spellings()
    def cumprod(self, axis: int | None = None) -> Tensor: return CumProd.apply(self, axis=axis)

    def cummax(self, dim: int) -> ValuesIndices:
        return _running(self, dim, "cummax", np.maximum)

    def cummin(self, dim: int) -> ValuesIndices:
        return _running(self, dim, "cummin", np.minimum)

    def logcumsumexp(self, dim: int) -> Tensor:
        """log(cumsum(exp(x))) along dim, stably."""
        x = self.reshape(1) if self.ndim == 0 else self
        out = LogCumSumExp.apply(x, axis=axis_of("logcumsumexp", dim, x.ndim),
                                 scalar=not self.ndim)
        return out.reshape(()) if self.ndim == 0 else out
