"""LU with partial pivoting and triangular solves (torch.linalg.lu_factor's and
solve_triangular's), batched over the leading axes, and LinAlgError, torch.linalg's error.
The LU is LAPACK getrf's algorithm (the row of largest |value| as pivot, the first on ties;
a zero pivot column is left unscaled and counted in `info`), written in NumPy: the same
factors and pivots as torch's, without SciPy."""

from __future__ import annotations

import numpy as np

from ..engine import Function

__all__ = ["LUFactor", "SolveTriangular"]  # (ops only: LinAlgError is imported by name)


class LinAlgError(RuntimeError, ValueError):
    """torch.linalg.LinAlgError: a singular matrix, or one that is not positive-definite,
    where the op needs otherwise. A RuntimeError, as torch's; a ValueError too, which this
    library raised for these before (an `except ValueError` still catches it)."""


def _mT(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def lapack_dtype(who: str, dtype: np.dtype, shape: tuple[int, ...], name: str = "the input"
                 ) -> None:
    """Refuse, in one line naming the op, a floating dtype NumPy's LAPACK has no routines for
    (float16, longdouble): NumPy's own "array type float16 is unsupported in linalg" named
    neither the op nor the shape (torch's CPU refuses these dtypes too). name: which operand
    (a solve's B goes to LAPACK too, float16 beside a float32 A included)."""
    if dtype.kind == "f" and dtype not in (np.float32, np.float64):
        raise TypeError(f"{who}: dtype {dtype} is not supported (LAPACK works in float32 and "
                        f"float64: cast {name} of shape {shape} first)")


def rhs_dtype(who: str, dtype: np.dtype, shape: tuple[int, ...], name: str = "B") -> None:
    """A solve's right-hand side B (every solve's one check, one message): float32 or float64,
    else one line naming the op, B and its shape. An integer B was refused by most solves with
    a line not naming B, and taken as float64 by cholesky_solve (whatever the factor's
    dtype); torch 2.13 refuses it in all but solve_triangular. (float32 beside float64 is
    NumPy's promotion here, the wider dtype: documented in docs/pytorch.md.)"""
    if dtype.kind != "f":
        raise TypeError(f"{who}: {name} has dtype {dtype}; expects a floating-point tensor "
                        f"(float32 or float64): cast {name} of shape {shape} first")
    lapack_dtype(who, dtype, shape, name)


def lu_factor_array(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LU packed, pivots int32 1-based, info int32) of each (m, n) matrix of a (*, m, n):
    L's strict lower part (its unit diagonal implied) and U's upper part in one matrix, row i
    exchanged with row pivots[i] - 1 in turn; info: the first i (1-based) with U[i-1, i-1] = 0,
    0 when none."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    lu = np.array(a, copy=True).reshape((int(np.prod(batch, dtype=np.int64)), m, n))
    piv = np.zeros((lu.shape[0], k), np.int32)
    info = np.zeros(lu.shape[0], np.int32)
    rows = np.arange(lu.shape[0])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for j in range(k):
            col = np.abs(lu[:, j:, j])
            # LAPACK's idamax: the first largest, NaNs skipped unless the first entry is one
            p = np.argmax(np.where(np.isnan(col), -1.0, col), axis=1)
            p = j + np.where(np.isnan(col[:, 0]), 0, p)
            piv[:, j] = p + 1
            top = lu[rows, j].copy()
            lu[rows, j] = lu[rows, p]
            lu[rows, p] = top
            d = lu[:, j, j]
            zero = d == 0
            info[zero & (info == 0)] = j + 1
            # (getrf scales by the reciprocal; a zero column is all zeros already: unscaled)
            lu[:, j + 1:, j] *= np.where(zero, 1.0, 1.0 / np.where(zero, 1.0, d))[:, None]
            lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return lu.reshape(batch + (m, n)), piv.reshape(batch + (k,)), info.reshape(batch)


def permutation(pivots: np.ndarray, m: int) -> np.ndarray:
    """The row order perm (int64, (*, m)) with A[perm] = L U, from getrf's pivots (1-based
    row exchanges applied in turn)."""
    k = pivots.shape[-1]
    flat = pivots.reshape(int(np.prod(pivots.shape[:-1], dtype=np.int64)), k).astype(
        np.int64) - 1
    perm = np.broadcast_to(np.arange(m), (flat.shape[0], m)).copy()
    rows = np.arange(flat.shape[0])
    for i in range(k):
        p = flat[:, i]
        top = perm[rows, i].copy()
        perm[rows, i] = perm[rows, p]
        perm[rows, p] = top
    return perm.reshape(pivots.shape[:-1] + (m,))


def triangular_solve_array(a: np.ndarray, b: np.ndarray, upper: bool, left: bool = True,
                           unit: bool = False) -> np.ndarray:
    """X with A X = B (left=False: X A = B), A's upper (lower) triangle read, batch axes
    broadcast. Substitution row by row, as LAPACK's trsm: a zero on the diagonal gives inf
    and NaN, not an error (torch's)."""
    if not left:  # X A = B <=> A^T X^T = B^T
        return _mT(triangular_solve_array(_mT(a), _mT(b), not upper, True, unit))
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    n = a.shape[-1]
    x = np.zeros(b.shape, np.result_type(a, b))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            done = slice(i + 1, n) if upper else slice(0, i)
            s = b[..., i:i + 1, :] - a[..., i:i + 1, done] @ x[..., done, :]
            x[..., i:i + 1, :] = s if unit else s / a[..., i:i + 1, i:i + 1]
    return x


def lu_solve_array(a: np.ndarray, b: np.ndarray, transposed: bool = False
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(X, info) with A X = B for (*, n, n) a and (*, n, k) b of the same batch shape: getrf
    then getrs, torch's path for inv and solve; transposed: the LU is A^T's and getrs solves
    with it transposed (torch's solve(left=False), given A^T). Used for matrices with NaN or
    inf entries, where NumPy's LAPACK spreads them differently (inv([[nan, 1], [2, 3]]) had a
    finite row; torch's is all NaN)."""
    lu, piv, info = lu_factor_array(_mT(a) if transposed else a)
    perm = permutation(piv, a.shape[-1])
    if not transposed:  # U^-1 L^-1 P^T B
        y = triangular_solve_array(lu, np.take_along_axis(b, perm[..., :, None], -2),
                                   upper=False, unit=True)
        return triangular_solve_array(lu, y, upper=True), info
    lt = _mT(lu)  # A = (P L U)^T: X = P L^-T U^-T B
    y = triangular_solve_array(lt, triangular_solve_array(lt, b, upper=False), upper=True,
                               unit=True)
    return np.take_along_axis(y, np.argsort(perm, -1)[..., :, None], -2), info


def lapack_solve(a: np.ndarray, b: np.ndarray, transposed: bool = False) -> np.ndarray | None:
    """np.linalg.solve(a, b), or where NumPy's LAPACK kernel met an exact zero pivot that
    getrf's order (torch's, lu_factor_array's, which inv_ex and solve_ex decide on) may miss
    at round-off ([[1,2,3],[4,5,6],[7,8,9]]: torch's inverse and solve are finite), the LU path
    (transposed as lu_solve_array's); None where a matrix is singular by that path too."""
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        x, info = lu_solve_array(a, np.broadcast_to(b, a.shape[:-1] + b.shape[-1:]), transposed)
        return None if (info > 0).any() else x


def lu_det_array(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(det, sign, log|det|) of each (n, n) matrix from the LU of its transpose, as torch's
    det and slogdet (which factor A's row-major memory read as column-major: A^T): for
    matrices with NaN or inf entries, where NumPy's LAPACK gives other NaN/inf/0 values.
    A NaN sign is 0, torch's sgn."""
    lu, piv, _ = lu_factor_array(_mT(a))
    d = np.diagonal(lu, 0, -2, -1)
    parity = np.where((piv != np.arange(1, piv.shape[-1] + 1)).sum(-1) % 2 == 1, -1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        det = (np.prod(d, -1) * parity).astype(a.dtype)
        sign = (np.prod(np.nan_to_num(np.sign(d), nan=0.0), -1) * parity).astype(a.dtype)
        return det, sign, np.sum(np.log(np.abs(d)), -1).astype(a.dtype)


def _sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """g summed over the batch axes broadcasting added (or stretched from 1)."""
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(tuple(range(lead)))
    axes = tuple(i for i, (s, t) in enumerate(zip(shape, g.shape)) if s == 1 and t != 1)
    return g.sum(axes, keepdims=True) if axes else g


class SolveTriangular(Function):
    """torch.linalg.solve_triangular: X with A X = B (left=False: X A = B), only A's upper
    (lower) triangle read (unitriangular: its diagonal taken as ones). Backward: torch's,
    gB = solve_triangular(A^T, g), gA = -gB X^T (left; -X^T gB right) on A's triangle."""

    def forward(ctx, a, b, upper=False, left=True, unitriangular=False):
        x = triangular_solve_array(a, b, upper, left, unitriangular)
        ctx.flags = upper, left, unitriangular
        ctx.save_for_backward(a, x)
        ctx.shapes = a.shape, b.shape
        return x

    def backward(ctx, g):
        (a, x), (upper, left, unit) = ctx.saved, ctx.flags
        gb = triangular_solve_array(_mT(a), g, not upper, left, unit)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -(gb @ _mT(x)) if left else -(_mT(x) @ gb)
            ga = np.triu(ga, int(unit)) if upper else np.tril(ga, -int(unit))
            ga = _sum_to(ga, ctx.shapes[0])
        return ga, (_sum_to(gb, ctx.shapes[1]) if ctx.needs_input_grad[1] else None)


class LUFactor(Function):
    """torch.linalg.lu_factor's LU (packed: L's strict lower part, U's upper part) of each
    (m, n) matrix; `factors` = (LU, pivots) from lu_factor_array, computed once by the caller
    (which also needs the pivots). Backward: torch's linalg_lu_backward, square, wide and
    tall, with gL = tril(g, -1), gU = triu(g)."""

    def forward(ctx, a, factors=None):
        lu, piv = factors
        ctx.save_for_backward(lu, piv)
        return lu.copy()

    def backward(ctx, g):
        lu, piv = ctx.saved
        m, n = lu.shape[-2:]
        k = min(m, n)
        low = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=lu.dtype)
        up = np.triu(lu[..., :k, :])
        gl, gu = np.tril(g[..., :, :k], -1), np.triu(g[..., :k, :])
        lh, uh = _mT(low), _mT(up)
        if m == n:
            ga = np.tril(lh @ gl, -1) + np.triu(gu @ uh)
            ga = triangular_solve_array(uh, ga, upper=False, left=False)
            ga = triangular_solve_array(lh, ga, upper=True, unit=True)
        elif m < n:  # wide: U = [U1 | U2], U1 square
            ga = np.tril(lh @ gl - gu @ uh, -1)
            ga = triangular_solve_array(_mT(up[..., :, :k]), ga, upper=False, left=False)
            ga = np.concatenate([ga + gu[..., :, :k], gu[..., :, k:]], -1)
            ga = triangular_solve_array(lh, ga, upper=True, unit=True)
        else:  # tall: L = [L1; L2], L1 square
            ga = np.triu(gu @ uh - lh @ gl)
            ga = triangular_solve_array(_mT(low[..., :k, :]), ga, upper=True, unit=True)
            ga = np.concatenate([ga + gl[..., :k, :], gl[..., k:, :]], -2)
            ga = triangular_solve_array(uh, ga, upper=False, left=False)
        perm = permutation(piv, m)  # P ga: row i of ga goes to row perm[i]
        out = np.empty_like(ga)
        np.put_along_axis(out, np.broadcast_to(perm[..., :, None], ga.shape), ga, axis=-2)
        return out
