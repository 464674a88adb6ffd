"""LU factors and triangular solves on tensors (ops/linalg_lu.py's LUFactor and
SolveTriangular): what Tensor.lu, Tensor.lu_solve, Tensor.triangular_solve, tg.lu_unpack and
tinygrad_dl.linalg's lu_factor, lu, lu_solve and solve_triangular share. lu_solve and
lu_unpack are compositions (triangular solves that read LU's triangles, a row gather by the
pivots' permutation), so their gradients are those ops'."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..ops import LUFactor, SolveTriangular
from ..ops.linalg_lu import LinAlgError, lu_factor_array, permutation, rhs_dtype
from .conversions import as_tensor

if TYPE_CHECKING:
    from . import Tensor


class LUResult(NamedTuple):
    """torch.lu's (A_LU, pivots) and torch.linalg.lu_factor's (LU, pivots)."""

    LU: Tensor
    pivots: Tensor


class LUInfoResult(NamedTuple):
    """torch.linalg.lu_factor_ex's (LU, pivots, info) and torch.lu's with get_infos=True."""

    LU: Tensor
    pivots: Tensor
    info: Tensor


class PLUResult(NamedTuple):
    """torch.linalg.lu's and torch.lu_unpack's (P, L, U): A = P L U."""

    P: Tensor
    L: Tensor
    U: Tensor


class TriangularSolveResult(NamedTuple):
    """torch.triangular_solve's (solution, cloned_coefficient)."""

    solution: Tensor
    cloned_coefficient: Tensor


def float_matrices(who: str, x: Any, square: bool = False) -> Tensor:
    """x as a tensor of float (*, m, n) matrices (square: m = n), or one line saying why not."""
    t = as_tensor(x)
    if t.data.dtype.kind != "f":
        raise TypeError(f"{who}: expects a floating-point tensor, got dtype {t.data.dtype}")
    if t.ndim < 2 or (square and t.shape[-1] != t.shape[-2]):
        raise ValueError(f"{who}: expects {'square ' if square else ''}matrices "
                         f"(*, {'n, n' if square else 'm, n'}), got shape {t.shape}")
    return t


def _rhs(who: str, B: Any) -> Tensor:
    """A solve's B as float matrices, its dtype checked as every solve's (ops' rhs_dtype)."""
    b = as_tensor(B)
    rhs_dtype(who, b.data.dtype, b.shape)
    return float_matrices(who, b)


def lu_factor_ex(who: str, A: Any, pivot: bool = True) -> LUInfoResult:
    """(LU, pivots int32 1-based, info int32) of each matrix; info > 0 marks a zero on U's
    diagonal (no error: the caller decides). pivot=False is refused, as torch's CPU does."""
    a = float_matrices(who, A)
    if not pivot:
        raise LinAlgError(f"{who}: LU without pivoting is not implemented on the CPU "
                          "(torch's CPU refuses it too)")
    lu, piv, info = lu_factor_array(a.data)
    return LUInfoResult(LUFactor.apply(a, factors=(lu, piv)), type(a)(piv), type(a)(info))


def check_info(who: str, info: Tensor, what: str = "is singular") -> None:
    """Refuse (LinAlgError, one line) when some matrix's info is > 0."""
    bad = np.flatnonzero(info.data.reshape(-1) > 0)
    if bad.size:
        at = f" (batch element {bad[0]})" if info.ndim else ""
        raise LinAlgError(f"{who}: the input{at} {what} (info = "
                          f"{int(info.data.reshape(-1)[bad[0]])})")


def _perm(who: str, pivots: Any, lu: Tensor) -> np.ndarray:
    """The row order from LU's pivots, after torch's checks of their dtype, shape and range."""
    p = as_tensor(pivots).data
    m, n = lu.shape[-2:]
    k = min(m, n)
    if p.dtype.kind not in "iu":
        raise TypeError(f"{who}: pivots must be an int tensor (int32, as lu_factor gives), "
                        f"got dtype {p.dtype}")
    if p.shape != lu.shape[:-2] + (k,):
        raise ValueError(f"{who}: pivots of shape {p.shape} do not fit LU of shape {lu.shape} "
                         f"(expected {lu.shape[:-2] + (k,)})")
    if p.size and (p.min() < 1 or p.max() > m):
        raise ValueError(f"{who}: pivots must lie in [1, {m}] (1-based rows), got values in "
                         f"[{p.min()}, {p.max()}]")
    return permutation(p, m)


def lu_unpack(who: str, LU: Any, pivots: Any, unpack_data: bool = True,
              unpack_pivots: bool = True) -> PLUResult:
    """(P, L, U) from lu_factor's (LU, pivots): L (*, m, k) with a unit diagonal, U (*, k, n);
    the parts not asked for are empty tensors (torch's). L and U take LU's gradient."""
    lu = float_matrices(who, LU)
    m, n = lu.shape[-2:]
    k = min(m, n)
    dt = lu.data.dtype
    empty = type(lu)(np.zeros(0, dt))
    p = empty
    if unpack_pivots:
        perm = _perm(who, pivots, lu)
        pm = np.zeros(lu.shape[:-2] + (m, m), dt)  # P[perm[j], j] = 1: A = P L U
        np.put_along_axis(pm, perm[..., None, :], 1, axis=-2)
        p = type(lu)(pm)
    if not unpack_data:
        return PLUResult(p, empty, empty)
    low = lu[..., :, :k].tril(-1) + type(lu)(np.eye(m, k, dtype=dt))
    return PLUResult(p, low, lu[..., :k, :].triu())


def _rows(x: Tensor, order: np.ndarray, axis: int) -> Tensor:
    """x's rows (axis -2) or columns (axis -1) in `order` (*, n), batch axes broadcast."""
    batch = np.broadcast_shapes(x.shape[:-2], order.shape[:-1])
    x = x.broadcast_to(batch + x.shape[-2:]) if x.shape[:-2] != batch else x
    idx = order[..., :, None] if axis == -2 else order[..., None, :]
    return x.take_along_dim(np.broadcast_to(idx, batch + x.shape[-2:]), axis)


def lu_solve(who: str, LU: Any, pivots: Any, B: Any, left: bool = True,
             adjoint: bool = False) -> Tensor:
    """X with A X = B (left=False: X A = B; adjoint: A^T in place of A), A = P L U given by
    lu_factor's (LU, pivots): a row gather and two triangular solves reading LU's triangles."""
    lu, b = float_matrices(who, LU, square=True), _rhs(who, B)
    n = lu.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise ValueError(f"{who}: LU of shape {lu.shape} and B of shape {b.shape} do not fit "
                         f"(B: (*, n, k) for left=True, (*, k, n) for left=False)")
    perm = _perm(who, pivots, lu)
    inv = np.argsort(perm, axis=-1)
    lt = lu.mT
    if left and not adjoint:  # U^-1 L^-1 P^T B
        y = SolveTriangular.apply(lu, _rows(b, perm, -2), upper=False, unitriangular=True)
        return SolveTriangular.apply(lu, y, upper=True)
    if left:  # A^T = U^T L^T P^T: P L^-T U^-T B
        y = SolveTriangular.apply(lt, b, upper=False)
        return _rows(SolveTriangular.apply(lt, y, upper=True, unitriangular=True), inv, -2)
    if not adjoint:  # B U^-1 L^-1 P^T
        y = SolveTriangular.apply(lu, b, upper=True, left=False)
        y = SolveTriangular.apply(lu, y, upper=False, left=False, unitriangular=True)
        return _rows(y, inv, -1)
    y = _rows(b, perm, -1)  # B P L^-T U^-T
    y = SolveTriangular.apply(lt, y, upper=True, left=False, unitriangular=True)
    return SolveTriangular.apply(lt, y, upper=False, left=False)


def solve_triangular(who: str, A: Any, B: Any, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with A X = B (left=False: X A = B), A's upper (lower) triangle read, batch axes
    broadcast; B as matrices (torch's: no vector B)."""
    a, b = float_matrices(who, A, square=True), _rhs(who, B)
    dt = np.result_type(a.data.dtype, b.data.dtype)  # (torch promotes the two)
    a, b = (a if a.data.dtype == dt else a.astype(dt)), (b if b.data.dtype == dt else
                                                           b.astype(dt))
    if (b.shape[-2] if left else b.shape[-1]) != a.shape[-1]:
        raise ValueError(f"{who}: A of shape {a.shape} and B of shape {b.shape} do not fit "
                         f"(B: (*, n, k) for left=True, (*, k, n) for left=False)")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"{who}: the batch axes of A {a.shape} and B {b.shape} do not "
                         "broadcast") from None
    return SolveTriangular.apply(a, b, upper=bool(upper), left=bool(left),
                                 unitriangular=bool(unitriangular))
