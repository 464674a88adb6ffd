"""torch.linalg: norms, inverses and determinants, solvers and decompositions, batched over
leading axes (`import tinygrad_dl as torch` then `torch.linalg.svd(A)`). The decompositions
are ops (ops/linalg_decomp.py); everything else composes them and Tensor's methods, so the
gradients are the ops' (PyTorch's formulas)."""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import numpy as np

from .. import functional as F
from .. import hooks
from ..functional.constructors import as_tensor
from ..functional.linalg import matrix_chain
from ..functional.methods import write_out
from ..ops import QR, SVD, Eigh, Pinv, Solve, VectorNorm
from ..ops.dims import dim_value
from ..ops.linalg_decomp import cutoff
from ..ops.linalg_lu import lapack_dtype, rhs_dtype
from ..ops.spelling import torch_keywords
from ..tensor import Tensor
from ..tensor.casts import dtype_of
from ..tensor.linalg import QRResult, SignLogAbsDet, cross_dtypes, square_matrices

__all__ = ["cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "lstsq", "matrix_exp",
           "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr",
           "slogdet", "solve", "svd", "svdvals", "vecdot", "vector_norm",
           # linalg/lu.py, linalg/compositions.py (imported at the end: they use the above)
           "LinAlgError", "cholesky_ex", "cond", "householder_product", "inv_ex", "lu",
           "lu_factor", "lu_factor_ex",
           "lu_solve", "matmul", "solve_ex", "solve_triangular", "tensorinv", "tensorsolve",
           "vander"]


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


class LstsqResult(NamedTuple):
    """torch.linalg.lstsq's result (fields empty where torch's driver leaves them so)."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def _out(f: Any) -> Any:
    """torch.linalg's out= of a function with one Tensor result: the result copied into an
    existing Tensor (F.write_out: same shape, not while a gradient is recorded, as torch).
    The functions with several results (slogdet, qr, eigh, svd, lstsq) take no out=."""
    @functools.wraps(f)
    def function(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Tensor:
        result = f(*args, **kwargs)
        return result if out is None else write_out(f"linalg.{f.__name__}", result, out)
    return function


def _float(who: str, x: Any, complex_ok: bool = False) -> Tensor:
    """x as a float tensor; complex_ok: a complex one too (the norms: real results)."""
    t = as_tensor(x)
    if t.data.dtype.kind != "f" and not (complex_ok and t.data.dtype.kind == "c"):
        raise TypeError(f"linalg.{who}: expects a floating-point tensor, got dtype "
                        f"{t.data.dtype}")
    return t


def _matrices(who: str, x: Any, complex_ok: bool = False) -> Tensor:
    t = _float(who, x, complex_ok)
    if t.ndim < 2:
        raise ValueError(f"linalg.{who}: expects matrices (*, m, n), got shape {t.shape}")
    return t


# ---- norms ----------------------------------------------------------------------------------
@_out
def vector_norm(x: Any, ord: float = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """torch.linalg.vector_norm: (sum |x|^ord)^(1/ord) over dim (all entries when None);
    ord inf/-inf: max/min |x|, 0: the count of nonzeros. The gradient is PyTorch's."""
    t = _cast_to("vector_norm", _float("vector_norm", x, complex_ok=True), dtype)
    if isinstance(ord, bool) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if isinstance(dim, list):
        dim = tuple(dim)
    if isinstance(dim, tuple) and not dim:  # torch's: no dims means all of them (NumPy's
        # axis=() reduces none)
        dim = None
    if t.ndim == 0 and dim is not None:  # torch takes dim 0 or -1 of a 0-d tensor (NumPy not)
        dims = dim if isinstance(dim, tuple) else (dim,)
        for d in dims:
            if d not in (0, -1):
                raise ValueError(f"linalg.vector_norm: dim {d} out of range for a 0-d tensor")
        if len(dims) > 1:
            raise ValueError(f"linalg.vector_norm: dim {dim} names the one axis of a 0-d "
                             "tensor twice")
        dim = None
    return VectorNorm.apply(t, ord=float(ord), axis=dim, keepdims=bool(keepdim))


def _cast_to(who: str, t: Tensor, dtype: Any) -> Tensor:
    """dtype=: a floating dtype to compute in (an int one would truncate the values first:
    torch refuses it)."""
    if dtype is None:
        return t
    if t.data.dtype.kind == "c":  # (a float dtype would drop the imaginary part)
        raise TypeError(f"linalg.{who}: dtype= of a complex input ({t.data.dtype}) is not "
                        "supported; leave it out (the norm is real) or cast the input")
    dt = np.dtype(dtype_of(dtype, f"linalg.{who}"))
    if dt.kind != "f":
        raise TypeError(f"linalg.{who}: dtype must be a floating-point dtype, got {dt}")
    return t.astype(dt)


def _two_dims(who: str, t: Tensor, dim: Any) -> tuple[int, int]:
    try:
        d0, d1 = (dim_value(d) for d in dim)  # (a 0-d integer tensor: its int, as torch's)
    except (TypeError, ValueError):
        raise ValueError(f"linalg.{who}: dim must be a pair of axes, got {dim!r}") from None
    if any(isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer))
           for d in (d0, d1)):  # (int(d) took (0.9, 1) as (0, 1), True as 1, "0" as 0)
        raise TypeError(f"linalg.{who}: dim must be a pair of integer axes, got {dim!r}")
    d0, d1 = int(d0), int(d1)
    nd = t.ndim
    if not (-nd <= d0 < nd and -nd <= d1 < nd) or d0 % nd == d1 % nd:
        raise ValueError(f"linalg.{who}: dim {dim!r} must be two different axes of a tensor "
                         f"of shape {t.shape}")
    return d0 % nd, d1 % nd


@_out
def matrix_norm(A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """torch.linalg.matrix_norm over the two axes dim: 'fro', 'nuc' (sum of singular values),
    2 / -2 (largest / smallest singular value), 1 / -1 (max / min column sum of |A|),
    inf / -inf (max / min row sum)."""
    t = _cast_to("matrix_norm", _matrices("matrix_norm", A, complex_ok=True), dtype)
    d0, d1 = _two_dims("matrix_norm", t, dim)
    if ord == "fro":
        return VectorNorm.apply(t, ord=2.0, axis=(d0, d1), keepdims=bool(keepdim))
    if ord not in ("nuc", 1, -1, 2, -2, math.inf, -math.inf) or isinstance(ord, bool):
        raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or "
                         f"-inf, got {ord!r}")
    if 0 in (t.shape[d0], t.shape[d1]) and ord != "nuc":
        # a minimum over nothing (torch's amin refuses it too): of the singular values, of the
        # column sums (-1: over the columns, d1) or of the row sums (-inf: over the rows, d0)
        if ord == -2 or (ord == -1 and t.shape[d1] == 0) or (ord == -math.inf
                                                              and t.shape[d0] == 0):
            raise ValueError(f"linalg.matrix_norm: ord={ord} of an empty matrix (shape "
                             f"{t.shape}) is undefined (a minimum over nothing)")
        return t.abs().sum((d0, d1), keepdims=bool(keepdim))  # 0, as torch's
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


@torch_keywords(input="A")  # (torch.linalg.norm documents input, the others A)
@_out
def norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """torch.linalg.norm: a matrix norm when ord is a string or dim a pair (or ord is given for
    a 2-D A with dim None); a vector norm otherwise (of all entries when ord and dim are
    None)."""
    t = _float("norm", A, complex_ok=True)
    if isinstance(dim, (int, np.integer)) or (isinstance(dim, (tuple, list)) and len(dim) == 1):
        return vector_norm(t, _vector_ord(t, ord, dim), dim, keepdim, dtype=dtype)
    if dim is None and ord is not None:
        if t.ndim not in (1, 2):
            raise ValueError(f"linalg.norm: with ord={ord!r} and dim=None the input must be "
                             f"1-D or 2-D, got shape {t.shape}")
        dim = (-2, -1) if t.ndim == 2 else None
    if dim is None:
        return vector_norm(t, _vector_ord(t, ord, dim), None, keepdim, dtype=dtype)
    return matrix_norm(t, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)


def _vector_ord(t: Tensor, ord: Any, dim: Any) -> Any:
    if isinstance(ord, str):  # (vector_norm would say "ord must be a number")
        raise ValueError(f"linalg.norm: ord={ord!r} is a matrix norm: it needs a 2-D input or "
                         f"dim a pair of axes, got shape {t.shape} and dim={dim!r}")
    return 2 if ord is None else ord


# ---- inverses, determinants, solvers ----------------------------------------------------------
@_out
def inv(A: Any) -> Tensor:
    """torch.linalg.inv: the inverse of each square matrix (a singular one refused)."""
    return _matrices("inv", A).inverse()


@_out
def det(A: Any) -> Tensor:
    """torch.linalg.det: the determinant of each square matrix."""
    return _matrices("det", A).det()


def slogdet(A: Any) -> SignLogAbsDet:
    """torch.linalg.slogdet: (sign, logabsdet) of each square matrix."""
    return _matrices("slogdet", A).slogdet()


def _is_vector_rhs(a: Tensor, b: Tensor) -> bool:
    """torch's rule: B is a (batch of) vector(s) when 1-D, or when B.shape == A.shape[:-1]."""
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])


@_out
def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """torch.linalg.solve: X with A X = B (left=False: X A = B); batch axes broadcast; B of
    shape (n,) or A.shape[:-1] is a vector. A singular A is refused."""
    a, b = _matrices("solve", A), as_tensor(B)
    square_matrices("linalg.solve", a, "A")
    rhs_dtype("linalg.solve", b.data.dtype, b.shape)
    if _is_vector_rhs(a, b):
        if not left:
            raise ValueError("linalg.solve: left=False needs B as matrices (*, k, n)")
        return Solve.apply(a, b.unsqueeze(-1)).squeeze(-1)
    if left:
        return Solve.apply(a, b)
    return Solve.apply(a.mT, b.mT, transposed=True).mT  # (torch's LU of A, not of A^T)


@_out
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


@_out
def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """torch.linalg.eigvalsh: the eigenvalues (ascending) of each symmetric matrix."""
    return Eigh.apply(_matrices("eigvalsh", A), part=0, UPLO=UPLO)


def svd(A: Any, full_matrices: bool = True, *, driver: str | None = None) -> SVDResult:
    """torch.linalg.svd: (U, S, Vh) with A = U diag(S) Vh, S descending."""
    a = _matrices("svd", A)
    _no_driver("svd", driver)
    fm = bool(full_matrices)
    return SVDResult(SVD.apply(a, part=0, full_matrices=fm), SVD.apply(a, part=1),
                     SVD.apply(a, part=2, full_matrices=fm))


@_out
def svdvals(A: Any, *, driver: str | None = None) -> Tensor:
    """torch.linalg.svdvals: the singular values, descending (gradient U diag(g) Vh)."""
    _no_driver("svdvals", driver)
    return SVD.apply(_matrices("svdvals", A), part=1)


def _no_driver(who: str, driver: Any) -> None:
    if driver is not None:  # (torch's CPU refuses it too)
        raise ValueError(f"linalg.{who}: driver= picks a cuSOLVER routine (CUDA only), got "
                         f"{driver!r}")


@_out
def pinv(A: Any, *, atol: float | None = None, rtol: float | None = None,
         hermitian: bool = False) -> Tensor:
    """torch.linalg.pinv: the pseudoinverse, singular values <= max(atol, rtol * s_max)
    dropped (rtol default eps * max(m, n) when atol is unset). hermitian=True: the same values
    (from the SVD) for a symmetric A; a non-symmetric one is refused (torch reads one
    triangle)."""
    a = _matrices("pinv", A)
    _symmetric_if("pinv", a, hermitian)
    return Pinv.apply(a, atol=_tol("pinv", "atol", atol), rtol=_tol("pinv", "rtol", rtol))


def _tol(who: str, name: str, v: Any) -> Any:
    """atol= / rtol=: None, a number, or a tensor broadcasting with the batch axes (torch's);
    a tensor's values as a read-only array (a constant: no gradient flows to it)."""
    if v is None:
        return None
    if isinstance(v, Tensor):
        v = v.data
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating,
                                                 np.ndarray)):
        raise TypeError(f"linalg.{who}: {name} must be a number or a tensor, got {v!r}")
    if isinstance(v, np.ndarray):
        if v.dtype.kind not in "iuf":
            raise TypeError(f"linalg.{who}: {name} must be real, got dtype {v.dtype}")
        return v.astype(np.float64)
    return float(v)


def _symmetric_if(who: str, a: Tensor, hermitian: bool) -> None:
    if hermitian:  # checked on the values in Python (a rare path): a jit replay would not
        hooks.notify_read(a, f"linalg.{who}(hermitian=True)")
    if hermitian and not (a.shape[-1] == a.shape[-2]
                          and np.array_equal(a.data, np.swapaxes(a.data, -1, -2),
                                             equal_nan=True)):
        raise ValueError(f"linalg.{who}: hermitian=True needs symmetric matrices (torch reads "
                         f"only the lower triangle), got a non-symmetric one of shape {a.shape}")


@_out
def matrix_power(A: Any, n: int) -> Tensor:
    """torch.linalg.matrix_power: A^n for an int n (negative: of the inverse)."""
    return as_tensor(A).matrix_power(n)


def matrix_exp(A: Any) -> Tensor:
    """torch.linalg.matrix_exp: exp of each square matrix; gradient PyTorch's."""
    return _matrices("matrix_exp", A).matrix_exp()


@_out
def matrix_rank(A: Any, *, atol: float | None = None, rtol: float | None = None,
                hermitian: bool = False) -> Tensor:
    """torch.linalg.matrix_rank: the count (int64) of singular values above
    max(atol, rtol * s_max); rtol default eps * max(m, n) when atol is unset. hermitian=True:
    symmetric A only, as pinv."""
    t = _matrices("matrix_rank", A)
    _symmetric_if("matrix_rank", t, hermitian)
    a = t.data
    lapack_dtype("linalg.matrix_rank", a.dtype, a.shape)
    if not np.isfinite(a).all():
        raise ValueError(f"linalg.matrix_rank: the input (shape {a.shape}) has NaN or inf "
                         "entries")
    s = np.linalg.svd(a, compute_uv=False)
    cut = cutoff(s, _tol("matrix_rank", "atol", atol), _tol("matrix_rank", "rtol", rtol),
                 a.shape)
    return Tensor(np.asarray((s > cut).sum(-1), np.int64))


@_out
def cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:
    """torch.linalg.cross: the cross product of 3-vectors along dim (the other axes
    broadcast; both inputs of one number of dimensions, as torch's)."""
    x, y = as_tensor(input), as_tensor(other)
    if x.ndim != y.ndim:
        raise ValueError(f"linalg.cross: inputs must have the same number of dimensions, got "
                         f"shapes {x.shape} and {y.shape}")
    cross_dtypes("linalg.cross", x, y)
    return F.cross(x, y, dim=dim)


@_out
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
    out = matrix_chain("linalg.multi_dot", ts, [as_tensor(t) for t in tensors], ValueError,
                       " (the first and last may be 1-D)")
    if last:
        out = out.squeeze(-1)
    if first:
        out = out.squeeze(0)
    return out


def lstsq(A: Any, B: Any, rcond: float | None = None, *, driver: str | None = None
          ) -> LstsqResult:
    """torch.linalg.lstsq: the solution pinv(A) @ B (B: (*, m, k), or (*, m) a vector), its
    gradient torch's (which differentiates it the same way); 'gels' ignores rcond (torch's:
    it assumes full rank). The other fields as torch's CPU drivers fill them: rank (not
    'gels'; from the SVD, where 'gelsy' uses a pivoted QR), singular_values ('gelsd',
    'gelss'), residuals |A X - B|^2 per column when m > n (not 'gelsy'; 'gelsd' and 'gelss'
    only when every A has rank n), else empty."""
    a, b = _matrices("lstsq", A), as_tensor(B)
    lapack_dtype("linalg.lstsq", a.data.dtype, a.shape)
    rhs_dtype("linalg.lstsq", b.data.dtype, b.shape)  # (every solve's: an integer B named)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise ValueError(f"linalg.lstsq: driver must be None, 'gels', 'gelsy', 'gelsd' or "
                         f"'gelss', got {driver!r}")
    vec = b.ndim == a.ndim - 1
    bb = b.unsqueeze(-1) if vec else b
    if bb.shape[-2] != a.shape[-2]:
        raise ValueError(f"linalg.lstsq: A of shape {a.shape} and B of shape {b.shape} do not "
                         "fit (B: (*, m, k) with m = A's rows)")
    driver = driver or "gelsy"
    empty = Tensor(np.zeros(0, a.data.dtype))
    rank, s, usv = Tensor(np.zeros(0, np.int64)), empty, None
    m, n = a.shape[-2:]
    full = driver == "gels"
    rtol = 0.0 if full else _tol("lstsq", "rcond", rcond)
    if rtol is not None and np.any(np.asarray(rtol) < 0):  # LAPACK's: machine precision
        rtol = np.where(np.asarray(rtol) < 0, np.finfo(a.data.dtype).eps / 2, rtol)
    if not full and np.isfinite(a.data).all():  # (else Pinv refuses it)
        hooks.notify_read(a, "linalg.lstsq (its rank; driver='gels' computes none)")
        usv = np.linalg.svd(a.data, full_matrices=False)  # one SVD: the rank's and Pinv's
        count = (usv[1] > cutoff(usv[1], None, rtol, a.shape)).sum(-1)
        rank = Tensor(np.asarray(count, np.int64))
        full = bool((count == min(m, n)).all())
        if driver in ("gelsd", "gelss"):
            s = Tensor(usv[1])
    x = Pinv.apply(a, atol=None, rtol=rtol, svd=usv) @ bb
    res = empty
    if m > n and driver != "gelsy" and full:
        res = ((a @ x - bb) ** 2).sum(-2)
    return LstsqResult(x.squeeze(-1) if vec else x, res, rank, s)


@_out
def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """torch.linalg.vecdot: sum of x * y along dim (broadcast; real floating tensors, as
    torch's)."""
    return (_float("vecdot", x) * _float("vecdot", y)).sum(dim)


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """torch.linalg.diagonal: the diagonal of the (dim1, dim2) planes, as the last axis."""
    return as_tensor(A).diagonal(offset, dim1, dim2)


from .lu import (  # noqa: E402  isort: skip  (the LU family and solve_triangular)
    LinAlgError, lu, lu_factor, lu_factor_ex, lu_solve, solve_triangular)
from .compositions import (  # noqa: E402  isort: skip  (they compose the functions above)
    cholesky_ex, cond, householder_product, inv_ex, matmul, solve_ex, tensorinv, tensorsolve,
    vander)
