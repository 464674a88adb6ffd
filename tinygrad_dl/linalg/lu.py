"""torch.linalg's LU functions and triangular solve: lu_factor, lu_factor_ex, lu, lu_solve,
solve_triangular (ops/linalg_lu.py's LUFactor and SolveTriangular, composed in
tensor/linalg_lu.py), and torch.lu_unpack. Gradients are torch's: linalg.lu's P, L, U and
lu_factor's LU with respect to A (square, wide and tall), lu_solve's with respect to LU and
B, solve_triangular's with respect to A and B."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..functional.methods import write_out
from ..ops.linalg_lu import LinAlgError
from ..tensor import Tensor
from ..tensor import linalg_lu as tlu
from ..tensor.linalg_lu import LUInfoResult, LUResult, PLUResult

__all__ = ["LinAlgError", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "lu_unpack",
           "solve_triangular"]


def with_out(f: Any) -> Any:
    """torch.linalg's out= of a function with one Tensor result: the result copied into an
    existing Tensor (same shape, not while a gradient is recorded, as torch)."""
    @functools.wraps(f)
    def function(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Tensor:
        result = f(*args, **kwargs)
        return result if out is None else write_out(f"linalg.{f.__name__}", result, out)
    return function


@with_out
def solve_triangular(A: Any, B: Any, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """torch.linalg.solve_triangular: X with A X = B (left=False: X A = B), only A's upper
    (upper=True) or lower triangle read, its diagonal taken as ones when unitriangular; batch
    axes broadcast. A zero on the diagonal gives inf/NaN entries, as torch's (no error)."""
    return tlu.solve_triangular("linalg.solve_triangular", A, B, upper, left, unitriangular)


def lu_factor_ex(A: Any, *, pivot: bool = True, check_errors: bool = False) -> LUInfoResult:
    """torch.linalg.lu_factor_ex: (LU, pivots, info) of each (m, n) matrix, P A = L U with
    partial pivoting (LAPACK getrf's); pivots int32, 1-based; info int32, > 0 where U has a
    zero on its diagonal (check_errors=True raises LinAlgError there)."""
    r = tlu.lu_factor_ex("linalg.lu_factor_ex", A, bool(pivot))
    if check_errors:
        tlu.check_info("linalg.lu_factor_ex", r.info)
    return r


def lu_factor(A: Any, *, pivot: bool = True) -> LUResult:
    """torch.linalg.lu_factor: (LU, pivots) of each matrix; a singular one (a zero on U's
    diagonal) is refused with LinAlgError, as torch's (lu_factor_ex factors it)."""
    r = tlu.lu_factor_ex("linalg.lu_factor", A, bool(pivot))
    bad = np.flatnonzero(r.info.data.reshape(-1) > 0)
    if bad.size:
        i = int(r.info.data.reshape(-1)[bad[0]])
        at = f" (batch element {bad[0]})" if r.info.ndim else ""
        raise LinAlgError(f"linalg.lu_factor{at}: U[{i},{i}] is zero: the matrix is singular "
                          "(linalg.lu or linalg.lu_factor_ex factor it anyway)")
    return LUResult(r.LU, r.pivots)


def lu(A: Any, *, pivot: bool = True) -> PLUResult:
    """torch.linalg.lu: (P, L, U) with A = P L U: P (*, m, m) a permutation, L (*, m, k) unit
    lower triangular, U (*, k, n) upper triangular, k = min(m, n); singular A included."""
    r = tlu.lu_factor_ex("linalg.lu", A, bool(pivot))
    return tlu.lu_unpack("linalg.lu", r.LU, r.pivots)


def lu_unpack(LU_data: Any, LU_pivots: Any, unpack_data: bool = True,
              unpack_pivots: bool = True) -> PLUResult:
    """torch.lu_unpack: (P, L, U) from (LU, pivots); the parts not asked for are empty."""
    return tlu.lu_unpack("lu_unpack", LU_data, LU_pivots, bool(unpack_data),
                         bool(unpack_pivots))


@with_out
def lu_solve(LU: Any, pivots: Any, B: Any, *, left: bool = True, adjoint: bool = False
             ) -> Tensor:
    """torch.linalg.lu_solve: X with A X = B (left=False: X A = B; adjoint=True: A^T for
    A), A given by lu_factor's (LU, pivots); B as matrices (*, n, k)."""
    return tlu.lu_solve("linalg.lu_solve", LU, pivots, B, bool(left), bool(adjoint))
