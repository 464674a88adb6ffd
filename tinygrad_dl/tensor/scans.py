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


def _running(x: Tensor, dim: Any, who: str, better: Any) -> ValuesIndices:
    """cummax/cummin: the running extreme along dim and the index it came from (the latest
    of equal ones, and a NaN once one is met, as torch's); the gradient goes to that index."""
    x1 = x.reshape(1) if x.ndim == 0 else x
    real_only(who, x1.data)  # (complex is not ordered: torch refuses too)
    axis = axis_of(who, dim, x1.ndim)
    a = np.moveaxis(x1.data, axis, -1)
    idx = np.zeros(a.shape, np.int64)
    if a.shape[-1]:
        best, at = a[..., 0].copy(), np.zeros(a.shape[:-1], np.int64)
        for i in range(a.shape[-1]):
            v = a[..., i]
            take = np.isnan(v) | (~np.isnan(best) & better(v, best))
            best, at = np.where(take, v, best), np.where(take, i, at)
            idx[..., i] = at
    idx = np.moveaxis(idx, -1, axis)
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
        return _running(self, dim, "cummax", np.greater_equal)

    def cummin(self, dim: int) -> ValuesIndices:
        return _running(self, dim, "cummin", np.less_equal)

    def logcumsumexp(self, dim: int) -> Tensor:
        """log(cumsum(exp(x))) along dim, stably."""
        x = self.reshape(1) if self.ndim == 0 else self
        out = LogCumSumExp.apply(x, axis=axis_of("logcumsumexp", dim, x.ndim),
                                 scalar=not self.ndim)
        return out.reshape(()) if self.ndim == 0 else out
