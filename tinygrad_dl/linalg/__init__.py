"""torch.linalg: norms, inverses and determinants, solvers and decompositions, batched over
leading axes (`import tinygrad_dl as torch` then `torch.linalg.svd(A)`). The decompositions
are ops (ops/linalg_decomp.py); everything else composes them and Tensor's methods, so the
gradients are the ops' (PyTorch's formulas)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .. import functional as F
from ..functional.constructors import as_tensor
from ..ops import QR, SVD, Eigh, Pinv, Solve, VectorNorm
from ..tensor import Tensor
from ..tensor.linalg import QRResult, SignLogAbsDet, square_matrices

__all__ = ["cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "lstsq", "matrix_exp",
           "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr",
           "slogdet", "solve", "svd", "svdvals", "vecdot", "vector_norm"]


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


class LstsqResult(NamedTuple):
    """torch.linalg.lstsq's result: only the solution is computed here; residuals, rank and
    singular_values are empty tensors (as torch's default driver 'gelsy' leaves two of them)."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def _float(who: str, x: Any) -> Tensor:
    t = as_tensor(x)
    if t.data.dtype.kind != "f":
        raise TypeError(f"linalg.{who}: expects a floating-point tensor, got dtype "
                        f"{t.data.dtype}")
    return t


def _matrices(who: str, x: Any) -> Tensor:
    t = _float(who, x)
    if t.ndim < 2:
        raise ValueError(f"linalg.{who}: expects matrices (*, m, n), got shape {t.shape}")
    return t


# ---- norms ----------------------------------------------------------------------------------
def vector_norm(x: Any, ord: float = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """torch.linalg.vector_norm: (sum |x|^ord)^(1/ord) over dim (all entries when None);
    ord inf/-inf: max/min |x|, 0: the count of nonzeros. The gradient is PyTorch's."""
    t = _float("vector_norm", x)
    if dtype is not None:
        t = t.astype(dtype)
    if isinstance(ord, bool) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if isinstance(dim, list):
        dim = tuple(dim)
    return VectorNorm.apply(t, ord=float(ord), axis=dim, keepdims=bool(keepdim))


def _two_dims(who: str, t: Tensor, dim: Any) -> tuple[int, int]:
    try:
        d0, d1 = (int(d) for d in dim)
    except (TypeError, ValueError):
        raise ValueError(f"linalg.{who}: dim must be a pair of axes, got {dim!r}") from None
    nd = t.ndim
    if not (-nd <= d0 < nd and -nd <= d1 < nd) or d0 % nd == d1 % nd:
        raise ValueError(f"linalg.{who}: dim {dim!r} must be two different axes of a tensor "
                         f"of shape {t.shape}")
    return d0 % nd, d1 % nd


def matrix_norm(A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """torch.linalg.matrix_norm over the two axes dim: 'fro', 'nuc' (sum of singular values),
    2 / -2 (largest / smallest singular value), 1 / -1 (max / min column sum of |A|),
    inf / -inf (max / min row sum)."""
    t = _matrices("matrix_norm", A)
    if dtype is not None:
        t = t.astype(dtype)
    d0, d1 = _two_dims("matrix_norm", t, dim)
    if ord == "fro":
        return VectorNorm.apply(t, ord=2.0, axis=(d0, d1), keepdims=bool(keepdim))
    if ord not in ("nuc", 1, -1, 2, -2, math.inf, -math.inf) or isinstance(ord, bool):
        raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or "
                         f"-inf, got {ord!r}")
    if 0 in (t.shape[d0], t.shape[d1]) and ord != "nuc":
        if ord in (-2, -1, -math.inf):  # (torch's amin refuses it too)
            raise ValueError(f"linalg.matrix_norm: ord={ord} of an empty matrix (shape "
                             f"{t.shape}) is undefined (a minimum over nothing)")
        return t.abs().sum((d0, d1), keepdims=bool(keepdim))  # 0, as torch's max over nothing
    if ord in ("nuc", 2, -2):
        s = svdvals(t.moveaxis((d0, d1), (-2, -1)))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
    else:
        summed, kept = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = t.abs().sum(summed, keepdims=True)
        out = sums.amax(kept, keepdims=True) if ord > 0 else sums.amin(kept, keepdims=True)
        return out if keepdim else out.squeeze((d0, d1))
    if keepdim:
        out = out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
    return out


def norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """torch.linalg.norm: a matrix norm when ord is a string or dim a pair (or ord is given for
    a 2-D A with dim None); a vector norm otherwise (of all entries when ord and dim are
    None)."""
    t = _float("norm", A)
    if isinstance(dim, int) or (isinstance(dim, (tuple, list)) and len(dim) == 1):
        return vector_norm(t, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is None and ord is not None:
        if t.ndim not in (1, 2):
            raise ValueError(f"linalg.norm: with ord={ord!r} and dim=None the input must be "
                             f"1-D or 2-D, got shape {t.shape}")
        dim = (-2, -1) if t.ndim == 2 else None
    if dim is None:
        return vector_norm(t, 2 if ord is None else ord, None, keepdim, dtype=dtype)
    return matrix_norm(t, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)


# ---- inverses, determinants, solvers ----------------------------------------------------------
def inv(A: Any) -> Tensor:
    """torch.linalg.inv: the inverse of each square matrix (a singular one refused)."""
    return _matrices("inv", A).inverse()


def det(A: Any) -> Tensor:
    """torch.linalg.det: the determinant of each square matrix."""
    return _matrices("det", A).det()


def slogdet(A: Any) -> SignLogAbsDet:
    """torch.linalg.slogdet: (sign, logabsdet) of each square matrix."""
    return _matrices("slogdet", A).slogdet()


def _is_vector_rhs(a: Tensor, b: Tensor) -> bool:
    """torch's rule: B is a (batch of) vector(s) when 1-D, or when B.shape == A.shape[:-1]."""
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """torch.linalg.solve: X with A X = B (left=False: X A = B); batch axes broadcast; B of
    shape (n,) or A.shape[:-1] is a vector. A singular A is refused."""
    a, b = _matrices("solve", A), _float("solve", B)
    square_matrices("linalg.solve", a)
    if _is_vector_rhs(a, b):
        if not left:
            raise ValueError("linalg.solve: left=False needs B as matrices (*, k, n)")
        return Solve.apply(a, b.unsqueeze(-1)).squeeze(-1)
    if left:
        return Solve.apply(a, b)
    return Solve.apply(a.mT, b.mT).mT


def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    """torch.linalg.cholesky: L with A = L L^T (upper=True: U = L^T)."""
    return _matrices("cholesky", A).cholesky(upper=upper)


def qr(A: Any, mode: str = "reduced") -> QRResult:
    """torch.linalg.qr: (Q, R) with A = Q R; mode 'reduced', 'complete' or 'r' (Q empty and R
    without a gradient, torch refusing it)."""
    a = _matrices("qr", A)
    if mode == "r":
        r = QR.apply(a.detach(), part=1, mode="reduced")
        return QRResult(Tensor(np.zeros(0, a.data.dtype)), r)
    return QRResult(QR.apply(a, part=0, mode=mode), QR.apply(a, part=1, mode=mode))


def eigh(A: Any, UPLO: str = "L") -> EighResult:
    """torch.linalg.eigh: (eigenvalues ascending, eigenvectors as columns) of each symmetric
    matrix, read from its lower (UPLO='L') or upper triangle."""
    a = _matrices("eigh", A)
    return EighResult(Eigh.apply(a, part=0, UPLO=UPLO), Eigh.apply(a, part=1, UPLO=UPLO))


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """torch.linalg.eigvalsh: the eigenvalues (ascending) of each symmetric matrix."""
    return Eigh.apply(_matrices("eigvalsh", A), part=0, UPLO=UPLO)


def svd(A: Any, full_matrices: bool = True) -> SVDResult:
    """torch.linalg.svd: (U, S, Vh) with A = U diag(S) Vh, S descending."""
    a = _matrices("svd", A)
    fm = bool(full_matrices)
    return SVDResult(SVD.apply(a, part=0, full_matrices=fm), SVD.apply(a, part=1),
                     SVD.apply(a, part=2, full_matrices=fm))


def svdvals(A: Any) -> Tensor:
    """torch.linalg.svdvals: the singular values, descending (gradient U diag(g) Vh)."""
    return SVD.apply(_matrices("svdvals", A), part=1)


def pinv(A: Any, *, atol: float | None = None, rtol: float | None = None,
         hermitian: bool = False) -> Tensor:
    """torch.linalg.pinv: the pseudoinverse, singular values <= max(atol, rtol * s_max)
    dropped (rtol default eps * max(m, n) when atol is unset). hermitian=True: the same values
    (from the SVD) for a symmetric A; a non-symmetric one is refused (torch reads one
    triangle)."""
    a = _matrices("pinv", A)
    _symmetric_if("pinv", a, hermitian)
    return Pinv.apply(a, atol=atol, rtol=rtol)


def _symmetric_if(who: str, a: Tensor, hermitian: bool) -> None:
    if hermitian and not (a.shape[-1] == a.shape[-2]
                          and np.array_equal(a.data, np.swapaxes(a.data, -1, -2),
                                             equal_nan=True)):
        raise ValueError(f"linalg.{who}: hermitian=True needs symmetric matrices (torch reads "
                         f"only the lower triangle), got a non-symmetric one of shape {a.shape}")


def matrix_power(A: Any, n: int) -> Tensor:
    """torch.linalg.matrix_power: A^n for an int n (negative: of the inverse)."""
    return as_tensor(A).matrix_power(n)


def matrix_exp(A: Any) -> Tensor:
    """torch.linalg.matrix_exp: exp of each square matrix; gradient PyTorch's."""
    return _matrices("matrix_exp", A).matrix_exp()


def matrix_rank(A: Any, *, atol: float | None = None, rtol: float | None = None,
                hermitian: bool = False) -> Tensor:
    """torch.linalg.matrix_rank: the count (int64) of singular values above
    max(atol, rtol * s_max); rtol default eps * max(m, n) when atol is unset. hermitian=True:
    symmetric A only, as pinv."""
    t = _matrices("matrix_rank", A)
    _symmetric_if("matrix_rank", t, hermitian)
    a = t.data
    m, n = a.shape[-2:]
    if rtol is None:
        rtol = np.finfo(a.dtype).eps * max(m, n) if not atol else 0.0
    if not np.isfinite(a).all():
        raise ValueError(f"linalg.matrix_rank: the input (shape {a.shape}) has NaN or inf "
                         "entries")
    s = np.linalg.svd(a, compute_uv=False)
    smax = s.max(-1, keepdims=True, initial=0.0)
    return Tensor(np.asarray((s > np.maximum(atol or 0.0, rtol * smax)).sum(-1), np.int64))


def cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:
    """torch.linalg.cross: the cross product of 3-vectors along dim (the other axes
    broadcast; both inputs of one number of dimensions, as torch's)."""
    x, y = as_tensor(input), as_tensor(other)
    if x.ndim != y.ndim:
        raise ValueError(f"linalg.cross: inputs must have the same number of dimensions, got "
                         f"shapes {x.shape} and {y.shape}")
    return F.cross(x, y, dim=dim)


def multi_dot(tensors: Any) -> Tensor:
    """torch.linalg.multi_dot: the product of 2 or more matrices, left to right; the first may
    be 1-D (a row) and the last 1-D (a column), as torch's."""
    ts = [as_tensor(t) for t in tensors]
    if len(ts) < 2:
        raise ValueError(f"linalg.multi_dot: expects at least 2 tensors, got {len(ts)}")
    first, last = ts[0].ndim == 1, ts[-1].ndim == 1
    if first:
        ts[0] = ts[0].unsqueeze(0)
    if last:
        ts[-1] = ts[-1].unsqueeze(-1)
    for i, t in enumerate(ts):
        if t.ndim != 2:
            raise ValueError(f"linalg.multi_dot: tensor {i} must be 2-D (the first and last "
                             f"may be 1-D), got shape {tensors[i].shape}")
    out = ts[0]
    for t in ts[1:]:
        if out.shape[1] != t.shape[0]:
            raise ValueError(f"linalg.multi_dot: shapes {out.shape} and {t.shape} cannot be "
                             "multiplied")
        out = out @ t
    if last:
        out = out.squeeze(-1)
    if first:
        out = out.squeeze(0)
    return out


def lstsq(A: Any, B: Any, rcond: float | None = None, *, driver: str | None = None
          ) -> LstsqResult:
    """torch.linalg.lstsq's solution, pinv(A) @ B (B: (*, m, k), or (*, m) a vector): the
    gradient is torch's (which differentiates it the same way). Only the solution is
    computed."""
    a, b = _matrices("lstsq", A), _float("lstsq", B)
    vec = b.ndim == a.ndim - 1
    bb = b.unsqueeze(-1) if vec else b
    if bb.shape[-2] != a.shape[-2]:
        raise ValueError(f"linalg.lstsq: A of shape {a.shape} and B of shape {b.shape} do not "
                         "fit (B: (*, m, k) with m = A's rows)")
    x = Pinv.apply(a, atol=None, rtol=rcond) @ bb
    empty = Tensor(np.zeros(0, a.data.dtype))
    return LstsqResult(x.squeeze(-1) if vec else x, empty, Tensor(np.zeros(0, np.int64)),
                       empty)


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """torch.linalg.vecdot: sum of x * y along dim (broadcast; real tensors)."""
    return (as_tensor(x) * as_tensor(y)).sum(dim)


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """torch.linalg.diagonal: the diagonal of the (dim1, dim2) planes, as the last axis."""
    return as_tensor(A).diagonal(offset, dim1, dim2)
