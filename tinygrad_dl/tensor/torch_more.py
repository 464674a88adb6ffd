"""PyTorch's fused and less common Tensor methods: addmm, mv, baddbmm, addcmul, addcdiv, xlogy,
logit, copysign, signbit, float_power, floor_divide (//), heaviside, take, cummax/cummin,
logcumsumexp, fliplr/flipud, diagflat, diag_embed, det, inverse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import tensor
from ..ops import (
    CopySign,
    Det,
    Diag,
    FloorDivide,
    Heaviside,
    Inverse,
    LogCumSumExp,
    Logit,
    Pad,
    TakeAlongAxis,
    XLogY,
)
from ..ops.shape import axis_of
from .conversions import as_tensor, index_arg, no_grad_result
from .results import ValuesIndices

if TYPE_CHECKING:
    from . import Tensor


def _dims(who: str, name: str, t: Tensor, ndim: int) -> None:
    if t.ndim != ndim:
        raise ValueError(f"{who}: {name} must be {ndim}-D, got shape {t.shape}")


def _scaled_sum(who: str, x: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """beta x + alpha product; beta = 0 ignores x (its NaNs too), as torch's."""
    for name, v in (("beta", beta), ("alpha", alpha)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"{who}: {name} must be a number, got {v!r}")
    out = product if alpha == 1 else product * float(alpha)
    if beta == 0:  # x's values unread (a zero gradient, as torch's), its shape broadcast
        return out + x.where(tensor.Tensor(np.zeros(x.shape, bool)), 0.0)
    return out + (x if beta == 1 else x * float(beta))


def _running(x: Tensor, dim: Any, who: str, better: Any) -> ValuesIndices:
    """cummax/cummin: the running extreme along dim and the index it came from (the latest
    of equal ones, and a NaN once one is met, as torch's); the gradient goes to that index."""
    x1 = x.reshape(1) if x.ndim == 0 else x
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


class TorchMoreMethods:
    """PyTorch's fused and less common methods (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- fused products and sums ------------------------------------------------------------
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
        """torch.addcmul: x + value tensor1 tensor2."""
        return self + as_tensor(tensor1, self) * as_tensor(tensor2, self) * float(value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """torch.addcdiv: x + value tensor1 / tensor2."""
        return self + as_tensor(tensor1, self) / as_tensor(tensor2, self) * float(value)

    # ---- elementwise ----------------------------------------------------------------------------
    def xlogy(self, other: Any) -> Tensor:
        """x log y, 0 where x = 0 (unless y is NaN), as torch.xlogy."""
        return XLogY.apply(self, as_tensor(other, self))

    def logit(self, eps: float | None = None) -> Tensor:
        """log(x / (1 - x)); eps clamps x to [eps, 1 - eps] first (gradient 0 outside, as
        torch's); without eps, values outside [0, 1] give NaN."""
        return Logit.apply(self, eps=None if eps is None else float(eps))

    def copysign(self, other: Any) -> Tensor:
        """|x| with the sign of other (its sign bit: -0.0 counts as negative)."""
        return CopySign.apply(self, as_tensor(other, self))

    def signbit(self) -> Tensor: return no_grad_result(np.signbit(self.data))

    def floor_divide(self, other: Any) -> Tensor:
        """floor(x / y), Python's // (torch.floor_divide); gradient 0, as floor's."""
        return FloorDivide.apply(self, as_tensor(other, self))

    def __floordiv__(self, other: Any) -> Tensor:
        return FloorDivide.apply(self, as_tensor(other, self))

    def __rfloordiv__(self, other: Any) -> Tensor:
        return FloorDivide.apply(as_tensor(other, self), self)

    def heaviside(self, values: Any) -> Tensor:
        """0 where x < 0, values where x == 0, 1 where x > 0; gradient 0."""
        return Heaviside.apply(self, as_tensor(values, self))

    def float_power(self, exponent: Any) -> Tensor:
        """x ** exponent in float64 (torch.float_power): the result is float64."""
        e = exponent.astype(np.float64) if isinstance(exponent, tensor.Tensor) else exponent
        return self.astype(np.float64) ** e

    def take(self, index: Any) -> Tensor:
        """torch.take: entries of x flattened at index (any shape; negative from the end)."""
        idx = np.asarray(index_arg(index))
        if idx.size and idx.dtype.kind not in "iu":
            raise IndexError(f"take: index must be integers, got dtype {idx.dtype}")
        n = self.data.size
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"take: an index is out of range for {n} entries (shape "
                             f"{self.shape})")
        return self.reshape(-1)[idx % max(n, 1)]

    # ---- running reductions ---------------------------------------------------------------------
    def cummax(self, dim: int) -> ValuesIndices:
        return _running(self, dim, "cummax", np.greater_equal)

    def cummin(self, dim: int) -> ValuesIndices:
        return _running(self, dim, "cummin", np.less_equal)

    def logcumsumexp(self, dim: int) -> Tensor:
        """log(cumsum(exp(x))) along dim, stably."""
        x = self.reshape(1) if self.ndim == 0 else self
        out = LogCumSumExp.apply(x, axis=axis_of("logcumsumexp", dim, x.ndim))
        return out.reshape(()) if self.ndim == 0 else out

    # ---- flips and diagonals ---------------------------------------------------------------
    def fliplr(self) -> Tensor:
        if self.ndim < 2:
            raise ValueError(f"fliplr: expects at least 2 dims, got shape {self.shape}")
        return self.flip(1)

    def flipud(self) -> Tensor:
        if self.ndim < 1:
            raise ValueError("flipud: expects at least 1 dim, got a 0-d tensor")
        return self.flip(0)

    def diagflat(self, offset: int = 0) -> Tensor:
        """x flattened, on diagonal `offset` of a square matrix."""
        return Diag.apply(self.reshape(-1), k=int(offset))

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """The last axis of x on diagonal `offset` of the (dim1, dim2) planes of a new tensor
        with one more dim (torch.diag_embed); zeros elsewhere, never 0 * inf."""
        x = self.reshape(1) if self.ndim == 0 else self
        n, k, lead = x.shape[-1], int(offset), x.shape[:-1]
        # rows [v_i, 0 ... 0] of length n + 1, read flat as n x n: v on the diagonal
        rows = Pad.apply(x.unsqueeze(-1), pad_width=[(0, 0)] * x.ndim + [(0, n)])
        d = rows.reshape(lead + (n * (n + 1),))[..., :n * n].reshape(lead + (n, n))
        if k:
            shift = [(0, k), (k, 0)] if k > 0 else [(-k, 0), (0, -k)]
            d = Pad.apply(d, pad_width=[(0, 0)] * len(lead) + shift)
        nd = d.ndim
        a1, a2 = axis_of("diag_embed", dim1, nd), axis_of("diag_embed", dim2, nd)
        if a1 == a2:
            raise ValueError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
        return d.moveaxis((nd - 2, nd - 1), (a1, a2))

    # ---- determinants and inverses -------------------------------------------------------
    def det(self) -> Tensor:
        """The determinant of each (n, n) matrix of (*, n, n); its gradient is the cofactor
        matrix, singular matrices too."""
        return Det.apply(self)

    def inverse(self) -> Tensor:
        """The inverse of each (n, n) matrix of (*, n, n); a singular one is refused."""
        return Inverse.apply(self)
