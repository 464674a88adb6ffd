"""torch.linalg's cond, inv_ex, cholesky_ex, solve_ex, tensorinv, tensorsolve, vander, matmul
and householder_product: compositions of tinygrad_dl.linalg's functions and Tensor's methods,
so their gradients are those ops'. The *_ex functions return (result, info) and, with
check_errors=False (the default), give info > 0 for a singular (not positive-definite)
matrix instead of raising; that matrix's result is NaN here (torch's holds what LAPACK left
half done, unspecified in its docs), as is cholesky_ex's of a matrix with NaN or inf
entries."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .. import functional as F
from .. import hooks
from ..functional.constructors import as_tensor
from ..ops import QuietDiv
from ..ops.linalg_lu import lapack_dtype, lu_factor_array, rhs_dtype
from ..tensor import Tensor
from ..tensor.linalg_lu import check_info, float_matrices
from . import cholesky, inv, matrix_norm, solve, svdvals
from .lu import with_out

__all__ = ["cholesky_ex", "cond", "householder_product", "inv_ex", "matmul", "solve_ex",
           "tensorinv", "tensorsolve", "vander"]


class InvExResult(NamedTuple):
    inverse: Tensor
    info: Tensor


class CholeskyExResult(NamedTuple):
    L: Tensor
    info: Tensor


class SolveExResult(NamedTuple):
    result: Tensor
    info: Tensor


def _read(a: Tensor, who: str) -> None:
    """Tell a jit recording that Python reads A's values here (the info and the matrices set
    to NaN are decided on them): replay would freeze them (a singular matrix in a later call
    then raised, or kept LAPACK's numbers, instead of NaN/inf), so such a step runs eagerly."""
    hooks.notify_read(a, f"linalg.{who}")


def _safe(a: Tensor, bad: np.ndarray) -> Tensor:
    """a with the matrices marked bad replaced by the identity (so that the op runs on the
    others; their results are then set to NaN)."""
    if not bad.any():
        return a
    eye = Tensor(np.eye(a.shape[-1], dtype=a.data.dtype))
    return a.where(Tensor(~bad[..., None, None]), eye)


def _nan_where(x: Tensor, bad: np.ndarray, core: int) -> Tensor:
    """x with NaN where bad (the batch shape, broadcast against x's batch axes; `core`: how
    many trailing axes are the matrix or vector)."""
    if not bad.any():
        return x
    return x.where(Tensor(~bad.reshape(bad.shape + (1,) * core)), np.nan)


def inv_ex(A: Any, *, check_errors: bool = False) -> InvExResult:
    """torch.linalg.inv_ex: (inverse, info int32), info > 0 for a singular matrix (the first
    zero on U's diagonal of its LU; check_errors=True raises LinAlgError there)."""
    a = float_matrices("linalg.inv_ex", A, square=True)
    _read(a, "inv_ex")
    info = Tensor(lu_factor_array(a.data)[2])
    if check_errors:
        check_info("linalg.inv_ex", info)
    bad = info.data > 0
    return InvExResult(_nan_where(inv(_safe(a, bad)), bad, 2), info)


def solve_ex(A: Any, B: Any, *, left: bool = True, check_errors: bool = False
             ) -> SolveExResult:
    """torch.linalg.solve_ex: (X, info int32) with A X = B (left=False: X A = B); info as
    inv_ex's."""
    a = float_matrices("linalg.solve_ex", A, square=True)
    b = as_tensor(B)
    lapack_dtype("linalg.solve_ex", a.data.dtype, a.shape, "A")
    rhs_dtype("linalg.solve_ex", b.data.dtype, b.shape)
    _read(a, "solve_ex")
    info = Tensor(lu_factor_array(a.data)[2])
    if check_errors:
        check_info("linalg.solve_ex", info)
    bad = info.data > 0
    x = solve(_safe(a, bad), b, left=left)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])  # (solve's)
    return SolveExResult(_nan_where(x, bad, 1 if vector else 2), info)


def _cholesky_info(a: np.ndarray) -> np.ndarray:
    """LAPACK potf2's info of each matrix's lower triangle: the first j (1-based) whose
    pivot a[j, j] - |L[j, :j]|^2 is <= 0 or NaN, 0 when none."""
    n = a.shape[-1]
    low = np.tril(a).reshape((math.prod(a.shape[:-2]), n, n)).copy()
    info = np.zeros(low.shape[0], np.int32)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for j in range(n):
            d = low[:, j, j] - np.einsum("bk,bk->b", low[:, j, :j], low[:, j, :j])
            fail = ~(d > 0) & (info == 0)
            info[fail] = j + 1
            r = np.sqrt(np.where(d > 0, d, 1.0))
            low[:, j, j] = r
            low[:, j + 1:, j] = (low[:, j + 1:, j] - np.einsum(
                "brk,bk->br", low[:, j + 1:, :j], low[:, j, :j])) / r[:, None]
    return info.reshape(a.shape[:-2])


def cholesky_ex(A: Any, *, upper: bool = False, check_errors: bool = False
                ) -> CholeskyExResult:
    """torch.linalg.cholesky_ex: (L, info int32), info > 0 (the order of the first leading
    minor that is not positive-definite) instead of an error (check_errors=True raises
    LinAlgError); upper=True: U = L^T, read from A's upper triangle."""
    a = float_matrices("linalg.cholesky_ex", A, square=True)
    _read(a, "cholesky_ex")
    info = Tensor(_cholesky_info(np.swapaxes(a.data, -1, -2) if upper else a.data))
    if check_errors:
        check_info("linalg.cholesky_ex", info, "is not positive-definite")
    bad = (info.data > 0) | ~np.isfinite(a.data).all((-2, -1))
    return CholeskyExResult(_nan_where(cholesky(_safe(a, bad), upper=upper), bad, 2), info)


@with_out
def cond(A: Any, p: Any = None) -> Tensor:
    """torch.linalg.cond: the condition number of each matrix. p None, 2, -2: from the
    singular values (any (m, n)); 'nuc' too, as torch's: sum(s) sum(1/s) of square matrices (a
    numerically singular one a big number, an exactly singular one inf, a zero one NaN, one
    with NaN or inf entries NaN); 'fro', inf, -inf, 1, -1: norm(A) norm(A^-1) of square
    matrices, inf for a singular one (as torch's)."""
    a = float_matrices("linalg.cond", A)
    svd_p = p is None or (p in (2, -2) and not isinstance(p, bool))
    if not svd_p and (isinstance(p, bool) or p not in ("fro", "nuc", math.inf, -math.inf, 1,
                                                       -1)):
        raise ValueError(f"linalg.cond: p must be None, 2, -2, 'fro', 'nuc', inf, -inf, 1 or "
                         f"-1, got {p!r}")
    if p in ("fro", "nuc") and a.shape[-1] != a.shape[-2]:  # (torch checks these first)
        raise ValueError(f"linalg.cond(p={p!r}): expects square matrices (*, n, n), got "
                         f"shape {a.shape}")
    if 0 in a.shape:  # 0 for an empty matrix, as torch's (for the number p even when not
        # square; an empty batch of non-square ones too: an empty result)
        return a.sum((-2, -1))
    if not svd_p and a.shape[-1] != a.shape[-2]:
        raise ValueError(f"linalg.cond(p={p!r}): expects square matrices (*, n, n), got "
                         f"shape {a.shape}")
    if svd_p:
        s = svdvals(a)
        # (quiet inside the op, not under np.errstate here: a jitted step replays it)
        top, bottom = (s[..., 0], s[..., -1]) if p != -2 else (s[..., -1], s[..., 0])
        return QuietDiv.apply(top, bottom)
    _read(a, f"cond(p={p!r})")
    if p == "nuc":  # (torch's: norm(A) norm(A^-1) gave inf for a numerically singular A
        # where torch's is big but finite, and inf for a zero one where torch's is NaN)
        bad = ~np.isfinite(a.data).all((-2, -1))  # (SVD refuses those: NaN, torch's for inf)
        s = svdvals(_safe(a, bad))
        with np.errstate(divide="ignore", invalid="ignore"):
            return _nan_where(s.sum(-1) * s.reciprocal().sum(-1), bad, 0)
    bad = lu_factor_array(a.data)[2] > 0
    out = matrix_norm(a, p) * matrix_norm(inv(_safe(a, bad)), p)
    # torch's nan_to_num(nan=inf) of the product: a NaN (a matrix with NaN or inf entries, or
    # 0 * inf) is inf, never NaN
    bad = bad | np.isnan(out.data)
    return out.where(Tensor(~bad), math.inf) if bad.any() else out


@with_out
def tensorinv(A: Any, ind: int = 2) -> Tensor:
    """torch.linalg.tensorinv: the inverse of A seen as a matrix (prod of A.shape[:ind]) x
    (prod of the rest), shaped A.shape[ind:] + A.shape[:ind]."""
    a = as_tensor(A)
    if isinstance(ind, bool) or not isinstance(ind, (int, np.integer)) or ind <= 0:
        raise ValueError(f"linalg.tensorinv: ind must be a positive int, got {ind!r}")
    rows, cols = math.prod(a.shape[:ind]), math.prod(a.shape[ind:])
    if ind > a.ndim or rows != cols:
        raise ValueError(f"linalg.tensorinv: the product of the first ind={ind} axes of A "
                         f"{a.shape} must equal the product of the others")
    return inv(a.reshape(rows, cols)).reshape(a.shape[ind:] + a.shape[:ind])


@with_out
def tensorsolve(A: Any, B: Any, dims: Any = None) -> Tensor:
    """torch.linalg.tensorsolve: X with tensordot(A, X, X.ndim) = B, X of shape
    A.shape[B.ndim:] (after moving the axes `dims` of A to the end)."""
    a, b = as_tensor(A), as_tensor(B)
    lapack_dtype("linalg.tensorsolve", a.data.dtype, a.shape, "A")
    rhs_dtype("linalg.tensorsolve", b.data.dtype, b.shape)
    if dims is not None:
        d = [int(i) % max(a.ndim, 1) for i in (dims if isinstance(dims, (tuple, list))
                                                else [dims])]
        a = a.moveaxis(d, list(range(a.ndim - len(d), a.ndim)))
    shape = a.shape[b.ndim:]
    if a.shape[:b.ndim] != b.shape or math.prod(shape) != b.numel():
        raise ValueError(f"linalg.tensorsolve: A of shape {a.shape} and B of shape {b.shape} "
                         "do not fit (A.shape[:B.ndim] == B.shape, the rest of A's axes as "
                         "many entries)")
    return solve(a.reshape(b.numel(), -1), b.reshape(-1)).reshape(shape)


@with_out
def vander(x: Any, *, N: int | None = None) -> Tensor:
    """torch.linalg.vander: (*, n) -> (*, n, N), columns x^0, x^1, ..., x^(N-1) (increasing
    powers, unlike np.vander), as repeated products (torch's cumprod)."""
    t = as_tensor(x)
    n = t.shape[-1] if t.ndim else 1
    count = n if N is None else N
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count <= 1:
        raise ValueError(f"linalg.vander: N must be an int greater than 1, got {count!r}")
    t = t.reshape(1) if t.ndim == 0 else t  # (torch's: a 0-d x is one point)
    if t.data.dtype == bool:
        raise TypeError("linalg.vander: x of dtype bool has no powers; cast it first")
    cols = [Tensor(np.ones(t.shape, t.data.dtype)), t]
    for _ in range(count - 2):
        cols.append(cols[-1] * t)
    return F.stack(cols, -1)


@with_out
def matmul(input: Any, other: Any) -> Tensor:
    """torch.linalg.matmul: torch.matmul (input @ other)."""
    return as_tensor(input) @ other



@with_out
def householder_product(A: Any, tau: Any) -> Tensor:
    """torch.linalg.householder_product (LAPACK's orgqr): the first n columns of H_1 ... H_k,
    H_i = I - tau_i v_i v_i^T, v_i = (0, ..., 0, 1, A[i+1:, i]) (geqrf's reflectors, read from
    below A's diagonal). A (*, m, n) with m >= n, tau (*, k) with k <= n and A's batch axes.
    A product of Tensor ops, so the gradients (to A's strict lower triangle and tau) are
    those of the formula, as torch's."""
    who = "linalg.householder_product"
    a, t = float_matrices(who, A), as_tensor(tau)
    m, n = a.shape[-2:]
    if t.data.dtype != a.data.dtype:
        raise TypeError(f"{who}: tau has dtype {t.data.dtype}, A {a.data.dtype}: give both one "
                        "floating-point dtype (as torch)")
    if t.ndim != a.ndim - 1 or t.shape[:-1] != a.shape[:-2] or not t.shape[-1] <= n <= m:
        raise ValueError(f"{who}: expects A (*, m, n) with m >= n and tau (*, k) with k <= n "
                         f"and A's batch axes, got A {a.shape} and tau {t.shape}")
    k = t.shape[-1]
    eye = np.eye(m, dtype=a.data.dtype)
    # the reflectors as columns: A's strict lower triangle, ones on the diagonal, zeros above
    # (where, not a product: what A holds above its diagonal is never read, inf included)
    v = a[..., :, :k].where(Tensor(np.tril(np.ones((m, k), bool), -1)), eye[:, :k])
    # I's first n columns, on the graph (k = 0: the result still takes a gradient, 0, as
    # torch's)
    q = a.where(Tensor(np.zeros(a.shape, bool)), eye[:, :n])
    for i in reversed(range(k)):  # H_i (H_i+1 ... H_k I): each reflector applied once
        vi = v[..., :, i:i + 1]
        q = q - t[..., i:i + 1, None] * (vi @ (vi.mT @ q))
    return q
