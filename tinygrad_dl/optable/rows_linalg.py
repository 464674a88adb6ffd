"""Op-table rows of torch.linalg and the linear-algebra Tensor methods (CORE: einsum, dot,
outer, tensordot, trace, diagonal, tril, det, inverse, kron, cross, ...).

The decompositions' tests draw well-spread inputs: D + x / 10 with D = diag(k, ..., 1) (m x n)
keeps singular values apart (their gradients divide by differences of them), and plus 0.5
keeps QR's Householder signs from flipping (they do at a triangular matrix); x + 3 I keeps
determinants away from 0. Outputs fixed only up to signs (U, V) enter squared."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .. import linalg, ops
from ..functional import combinations
from ..functional.linalg import chain_matmul
from ..linalg.lu import lu_unpack
from ..tensor import Tensor
from .refs import EINSUMS, SUBLISTS, case, diag_embed_ref, einsum_call, einsum_ref
from .spec import LINALG, UNIT, Case, Cases, Domain, Drawn, OpInfo


def _spread(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    m, n = shape[-2:]
    d = np.zeros((m, n), dtype)
    k = min(m, n)
    d[np.arange(k), np.arange(k)] = np.arange(k, 0, -1)
    return np.broadcast_to(d, shape)


def _eye3(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return np.broadcast_to(3 * np.eye(shape[-1], dtype=dtype), shape)


def _t(x: Tensor, f: Any) -> Tensor:
    """x plus the constant f(shape, dtype)."""
    return x + Tensor(np.array(f(x.shape, x.data.dtype)))


def _weights(n: int) -> np.ndarray:
    return np.arange(1.0, n + 1.0)


def svd_call(x: Tensor) -> Tensor:
    u, s, v = (x / 10 + Tensor(np.array(_spread(x.shape, x.data.dtype)))).svd()
    wu = Tensor(_weights(u.shape[-2]).astype(x.data.dtype)[:, None])
    wv = Tensor(_weights(v.shape[-2]).astype(x.data.dtype)[:, None])
    return s + (u * u * wu).sum(-2) + (v * v * wv).sum(-2)


def svd_ref(a: np.ndarray) -> np.ndarray:
    u, s, vh = np.linalg.svd(a / 10 + _spread(a.shape, a.dtype), full_matrices=False)
    v = np.swapaxes(vh, -1, -2)
    return (s + (u * u * _weights(u.shape[-2])[:, None]).sum(-2)
            + (v * v * _weights(v.shape[-2])[:, None]).sum(-2))


def qr_call(x: Tensor, some: bool = True) -> Tensor:
    q, r = (x / 10 + Tensor(np.array(_spread(x.shape, x.data.dtype) + 0.5))).qr(some=some)
    wq = Tensor(_weights(q.shape[-2]).astype(x.data.dtype)[:, None])
    wr = Tensor(_weights(r.shape[-1]).astype(x.data.dtype))
    return (q * wq).sum(-2)[..., :r.shape[-2]] + (r * wr).sum(-1)


def qr_ref(a: np.ndarray, some: bool = True) -> np.ndarray:
    q, r = np.linalg.qr(a / 10 + _spread(a.shape, a.dtype) + 0.5, mode="reduced" if some else
                        "complete")
    return (q * _weights(q.shape[-2])[:, None]).sum(-2)[..., :r.shape[-2]] + (
        r * _weights(r.shape[-1])).sum(-1)


def eigh_call(x: Tensor, UPLO: str = "L") -> Tensor:
    sym = (x + x.mT) / 20 + Tensor(np.array(_spread(x.shape, x.data.dtype)))
    w, v = linalg.eigh(sym, UPLO)
    return w + (v * v * Tensor(_weights(v.shape[-2]).astype(x.data.dtype)[:, None])).sum(-2)


def eigh_ref(a: np.ndarray, UPLO: str = "L") -> np.ndarray:
    w, v = np.linalg.eigh((a + np.swapaxes(a, -1, -2)) / 20 + _spread(a.shape, a.dtype), UPLO)
    return w + (v * v * _weights(v.shape[-2])[:, None]).sum(-2)


def _expm_ref(a: np.ndarray) -> np.ndarray:
    """exp(A) by its Taylor series in long double after scaling by 2^-8, then 8 squarings (a
    reference apart from the op's: a fixed scaling, 29 terms, long double; the op's scaling
    depends on the norm and it stops at degree 18, in the input's dtype)."""
    m = np.asarray(a, np.longdouble) / 256
    term = np.broadcast_to(np.eye(a.shape[-1], dtype=np.longdouble), a.shape).copy()
    out = term.copy()
    for k in range(1, 30):
        term = term @ m / k
        out = out + term
    for _ in range(8):
        out = out @ out
    return out.astype(a.dtype)


def _spd(x: Tensor) -> Tensor:
    return x @ x.mT + Tensor(np.array(_eye3(x.shape, x.data.dtype)))


def _spd_ref(a: np.ndarray) -> np.ndarray:
    return a @ np.swapaxes(a, -1, -2) + _eye3(a.shape, a.dtype)


def _chol_ref(a: np.ndarray, upper: bool = False) -> np.ndarray:
    low = np.linalg.cholesky(_spd_ref(a))
    return np.swapaxes(low, -1, -2) if upper else low


def _low(x: Tensor) -> Tensor:
    return x.tril() + Tensor(np.array(_eye3(x.shape, x.data.dtype)))


def _low_ref(a: np.ndarray) -> np.ndarray:
    return np.tril(a) + _eye3(a.shape, a.dtype)


def _gram(low: np.ndarray) -> np.ndarray:
    return low @ np.swapaxes(low, -1, -2)


# ---- the LU family and triangular solves (ops/linalg_lu.py): x / 10 + diag(k, ..., 1) keeps
# the pivots on the diagonal (no row exchange flips under finite differences); the reference
# is Doolittle's LU without pivoting, apart from the op's getrf loop
def _lu_ref(a: np.ndarray) -> np.ndarray:
    lu = np.array(a / 10 + _spread(a.shape, a.dtype), copy=True)
    m, n = lu.shape[-2:]
    for j in range(min(m, n)):
        lu[..., j + 1:, j] /= lu[..., j, j, None]
        lu[..., j + 1:, j + 1:] -= lu[..., j + 1:, j:j + 1] * lu[..., j:j + 1, j + 1:]
    return lu


def _dominant(x: Tensor) -> Tensor:
    return x / 10 + Tensor(np.array(_spread(x.shape, x.data.dtype)))


def _pivots(lu: Tensor) -> Tensor:
    """Pivots that exchange row i with the last row in turn (valid for any (m, n))."""
    m, n = lu.shape[-2:]
    return Tensor(np.full(lu.shape[:-2] + (min(m, n),), m, np.int32))


def _unpacked_ref(a: np.ndarray) -> np.ndarray:
    m, n = a.shape[-2:]
    k = min(m, n)
    perm = list(range(m))
    for i in range(k):
        perm[i], perm[m - 1] = perm[m - 1], perm[i]
    p = np.eye(m)[:, np.argsort(perm)].T  # P[perm[j], j] = 1
    low = np.tril(a[..., :, :k], -1) + np.eye(m, k)
    return p @ low @ np.triu(a[..., :k, :])


def _tri(x: Tensor, upper: bool) -> Tensor:
    return (x.triu() if upper else x.tril()) + Tensor(np.array(_eye3(x.shape, x.data.dtype)))


def _tri_ref(a: np.ndarray, upper: bool) -> np.ndarray:
    return (np.triu(a) if upper else np.tril(a)) + _eye3(a.shape, a.dtype)


# det's entries: none within 0.05 of 0 (hypothesis drew 1.7e-11: a cofactor of 1e-11 moves
# det = 27 by less than its rounding at h = 1e-4, so the numeric gradient was 0 and the right
# analytic one failed the relative test)
_UNIT_OFF_ZERO = Domain(-0.9, 0.9, avoid=(0.0,), margin=0.05)


# (the topic's first rows, before ROWS on the ops page: table.py keeps the table's order)
CORE: tuple[OpInfo, ...] = (
    # ---- linear algebra -----------------------------------------------------------------------
    OpInfo("einsum", ops.Einsum, "Einstein summation: subscripts, or NumPy's sublists",
           LINALG, numpy=("einsum",), torch=("einsum",), function=F.einsum, call=einsum_call,
           ref=einsum_ref, sample=Cases(tuple(Case(tuple(s), {"spec": e}) for e, *s in EINSUMS)
                                         + tuple(Case(s, {"subs": u}) for s, u in SUBLISTS)),
           grad="repeated letters (diagonals) handled; a length-1 axis broadcasts (its "
           "gradient summed back); "
           "torch's einsum('ij,jk', [a, b]) list form works too"),
    OpInfo("dot", "einsum", "np.dot: matrix product for 2-D, inner for 1-D, last axis of x with "
           "the second-to-last of y otherwise", LINALG, methods=("dot",), numpy=("dot",),
           torch=("dot",), tensors=2, ref=np.dot, sample=Drawn("dot")),
    OpInfo("inner", "einsum", "sum over the last axes of x and y", LINALG, numpy=("inner",),
           torch=("inner",), methods=("inner",), function=F.inner, tensors=2, ref=np.inner,
           sample=Cases((case((2, 3), (4, 3)), case((3,), (3,)), case((), (2, 2))))),
    OpInfo("outer", "einsum", "x[i] y[j] of x and y flattened", LINALG, methods=("outer", "ger"),
           numpy=("outer",), differs="x and y of other shapes are flattened (NumPy's outer); "
           "PyTorch's outer takes 1-D tensors only",
           torch=("outer", "ger"), function=F.outer, tensors=2, ref=np.outer,
           sample=Cases((case((3,), (2,)), case((2, 2), (3,))))),
    OpInfo("cdist", (ops.VectorNorm, ops.BlockedCdist), "p-norm distances between the "
           "rows of x1 (..., P, M) and of x2 (..., R, M)", LINALG, torch=("cdist",),
           function=F.cdist, tensors=2,
           call=lambda a, b, **kw: F.cdist(a, b + 10.0, **kw),  # (off the kinks)
           ref=lambda a, b, p=2.0: np.linalg.norm(a[..., :, None, :] - (b[..., None, :, :] + 10),
                                                  ord=p, axis=-1),
           sample=Cases((case((4, 3), (5, 3)), case((2, 3, 2), (2, 4, 2), p=1.0))),
           grad="0 at a distance of 0, as PyTorch's; inf: shared by tied coordinates"),
    OpInfo("dist", "VectorNorm", "the p-norm of x - y over all entries", LINALG,
           torch=("dist",), methods=("dist",), function=F.dist, tensors=2,
           call=lambda a, b, **kw: F.dist(a, b + 10.0, **kw),  # (off the kink at x = y)
           ref=lambda a, b, p=2.0: np.linalg.norm(np.ravel(a - (b + 10.0)), ord=p),
           sample=Cases((case((3,), (3,)), case((2, 3), (3,), p=3.0)))),
    OpInfo("tensordot", "einsum", "sum over the last `axes` axes of x and first of y, or the "
           "listed pairs", LINALG, numpy=("tensordot",), torch=("tensordot",),
           function=F.tensordot, tensors=2, ref=np.tensordot,
           sample=Cases((case((2, 3, 4), (3, 4, 2), axes=2), case((2, 3), (3, 2), axes=1),
                         case((2, 3), (4,), axes=0),
                         case((3, 2, 4), (4, 3), axes=([0, 2], [1, 0]))))),
    OpInfo("trace", "sum of diagonal", "sum of a diagonal (offset, axis1, axis2)", LINALG,
           methods=("trace",), numpy=("trace",), torch=("trace",), ref=np.trace,
           sample=Cases((case((3, 4)), case((3, 4), offset=1), case((3, 3), offset=-2),
                         case((2, 3, 3), axis1=1, axis2=2), case((3, 2, 3), offset=1, axis1=0,
                                                             axis2=-1)))),
    OpInfo("diagonal", ops.Diagonal, "a diagonal of the (axis1, axis2) planes, as the last "
           "axis", LINALG, methods=("diagonal",), numpy=("diagonal",), torch=("diagonal",),
           ref=np.diagonal, sample=Cases((case((3, 4)), case((3, 4), offset=-1),
                                          case((2, 3, 3), axis1=1, axis2=2),
                                          case((3, 2, 4), offset=1, axis1=-1, axis2=0))),
           grad="written back onto the diagonal; torch's dim1=/dim2= spell axis1=/axis2="),
    OpInfo("diag", ops.Diag, "a 1-D x -> a matrix with x on diagonal k; a 2-D x -> its "
           "diagonal k", LINALG, methods=("diag",), numpy=("diag",), torch=("diag",),
           function=F.diag, ref=np.diag,
           sample=Cases((case((3,)), case((3,), k=1), case((3, 4), k=-1), case((3, 3))))),
    OpInfo("tril", ops.Tril, "lower triangle of the last two axes", LINALG, methods=("tril",),
           numpy=("tril",), torch=("tril",), ref=np.tril,
           sample=Cases((case((3, 4)), case((2, 3, 3), k=1), case((3, 3), k=-1)))),
    OpInfo("triu", ops.Triu, "upper triangle of the last two axes", LINALG, methods=("triu",),
           numpy=("triu",), torch=("triu",), ref=np.triu,
           sample=Cases((case((3, 4)), case((2, 3, 3), k=1), case((3, 3), k=-1)))),
    OpInfo("diagflat", ops.Diag, "x flattened, on diagonal offset of a square matrix", LINALG,
           methods=("diagflat",), numpy=("diagflat",), torch=("diagflat",),
           ref=lambda a, offset=0: np.diagflat(a, offset),
           sample=Cases((case((2, 3)), case((4,), offset=-1), case((3,), offset=2))),
           differs="NumPy's keyword is k=, torch's offset= (positionally the same)"),
    OpInfo("diag_embed", "pad, reshape and moveaxis", "torch.diag_embed(x, offset=0, dim1=-2, "
           "dim2=-1): the last axis of x on a diagonal of new (dim1, dim2) planes", LINALG,
           methods=("diag_embed",), torch=("diag_embed",), ref=diag_embed_ref,
           sample=Cases((case((2, 3)), case((4,), offset=1), case((2, 3), offset=-1, dim1=0,
                                                                  dim2=2)))),
    OpInfo("det", ops.Det, "the determinant of each (n, n) matrix of (*, n, n)", LINALG,
           methods=("det",), torch=("det",),
           # (drawn away from singular matrices, as inverse: at one with small integer entries
           # a cofactor is exactly 0 and the central difference is rounding noise, ~1e-11,
           # which the relative test cannot tell from an error; singular ones: the edge rows)
           call=lambda x: (x + Tensor(3 * np.eye(x.shape[-1], dtype=x.dtype))).det(),
           ref=lambda a: np.linalg.det(a + 3 * np.eye(a.shape[-1])),
           sample=Cases((case((3, 3), domain=_UNIT_OFF_ZERO),
                         case((2, 2, 2), domain=_UNIT_OFF_ZERO),
                         case((1, 1), domain=_UNIT_OFF_ZERO))),
           grad="the cofactor matrix (from the SVD: singular matrices too)"),
    OpInfo("inverse", ops.Inverse, "the inverse of each (n, n) matrix of (*, n, n) (a "
           "singular one is refused)", LINALG, methods=("inverse",), torch=("inverse",),
           call=lambda x: (x + Tensor(3 * np.eye(x.shape[-1], dtype=x.dtype))).inverse(),
           ref=lambda a: np.linalg.inv(a + 3 * np.eye(a.shape[-1])),
           sample=Cases((case((3, 3), domain=UNIT), case((2, 2, 2), domain=UNIT))),
           grad="-A^-T g A^-T"),
    OpInfo("kron", "reshape, mul, reshape", "Kronecker product: x[i] times all of y", LINALG,
           numpy=("kron",), torch=("kron",), methods=("kron",), function=F.kron, tensors=2,
           ref=np.kron,
           sample=Cases((case((2, 2), (2, 3)), case((3,), (2,)), case((2, 1, 2), (3, 2)),
                         case((), (2,))))),
    OpInfo("cross", "getitem, mul, sub, stack", "cross product of 3-vectors along axis",
           LINALG, numpy=("cross",), torch=("cross",), methods=("cross",), function=F.cross,
           tensors=2, differs="x.cross(y) without dim takes the first axis of length 3 "
           "(PyTorch's rule); tg.cross(x, y) the last (NumPy's)",
           ref=np.cross, sample=Cases((case((3,), (3,)), case((2, 3), (3,)),
                                       case((3, 2), (3, 2), axis=0)))),
)


ROWS: tuple[OpInfo, ...] = (
    OpInfo("svd", (ops.SVD,), "torch.svd(x, some=True): (U, S, V), x = U diag(S) V^T (V, not "
           "torch.linalg.svd's Vh)", LINALG, methods=("svd",), torch=("svd",), call=svd_call,
           ref=svd_ref, sample=Cases((case((3, 3), domain=UNIT), case((4, 2), domain=UNIT),
                                      case((2, 4), domain=UNIT),
                                      case((2, 3, 2), domain=UNIT))),
           grad="PyTorch's svd_backward; repeated singular values: NaN for U and V, as torch's",
           differs="compute_uv=False gives zero U and V, as torch's"),
    OpInfo("qr", (ops.QR,), "torch.qr(x, some=True): (Q, R), x = Q R (LAPACK's signs, as "
           "NumPy's and torch's)", LINALG, methods=("qr",), torch=("qr",), call=qr_call,
           ref=qr_ref, sample=Cases((case((3, 3), domain=UNIT), case((4, 2), domain=UNIT),
                                     case((2, 4), domain=UNIT),
                                     case((2, 3, 2), domain=UNIT))),
           grad="PyTorch's; complete Q of a tall matrix refused, as torch's"),
    OpInfo("eigh", (ops.Eigh,), "torch.linalg.eigh / np.linalg.eigh (also tg.eigh): "
           "(eigenvalues ascending, eigenvectors) of each symmetric matrix", LINALG,
           own=("eigh",), function=linalg.eigh, call=eigh_call, ref=eigh_ref,
           sample=Cases((case((3, 3), domain=UNIT), case((2, 2, 2), domain=UNIT),
                         case((3, 3), domain=UNIT, UPLO="U"))),
           grad="PyTorch's: V (diag(gL) + skew(V^T gV) / 2 / E) V^T, symmetric; repeated "
           "eigenvalues: NaN for the vectors, as torch's"),
    OpInfo("cholesky", ops.Cholesky, "torch.cholesky(x, upper=False): L with x = L L^T (a "
           "matrix that is not positive-definite is refused)", LINALG, methods=("cholesky",),
           torch=("cholesky",), call=lambda x, upper=False: _spd(x).cholesky(upper),
           ref=_chol_ref, sample=Cases((case((3, 3), domain=UNIT),
                                        case((2, 2, 2), domain=UNIT),
                                        case((3, 3), domain=UNIT, upper=True))),
           grad="PyTorch's (Murray 2016): symmetric"),
    OpInfo("slogdet", ops.LogAbsDet, "torch.slogdet: (sign, log|det|) of each square matrix",
           LINALG, methods=("slogdet",), torch=("slogdet",),
           call=lambda x: _t(x, _eye3).slogdet().logabsdet,
           ref=lambda a: np.linalg.slogdet(a + _eye3(a.shape, a.dtype))[1],
           sample=Cases((case((3, 3), domain=UNIT), case((2, 2, 2), domain=UNIT))),
           grad="g A^-T; the sign is a constant; a singular A's gradient is refused"),
    OpInfo("logdet", "slogdet", "torch.logdet: log det of each square matrix (NaN for det < 0)",
           LINALG, methods=("logdet",), torch=("logdet",),
           call=lambda x: _t(x, _eye3).logdet(),
           ref=lambda a: np.log(np.linalg.det(a + _eye3(a.shape, a.dtype))),
           sample=Cases((case((3, 3), domain=UNIT), case((2, 2, 2), domain=UNIT)))),
    OpInfo("pinverse", ops.Pinv, "torch.pinverse(x, rcond=1e-15): the Moore-Penrose "
           "pseudoinverse", LINALG, methods=("pinverse",), torch=("pinverse",),
           call=lambda x: (x / 10 + Tensor(np.array(_spread(x.shape, x.data.dtype)))).pinverse(),
           ref=lambda a: np.linalg.pinv(a / 10 + _spread(a.shape, a.dtype)),
           sample=Cases((case((3, 3), domain=UNIT), case((4, 2), domain=UNIT),
                         case((2, 2, 3), domain=UNIT))),
           grad="PyTorch's pinv_backward"),
    OpInfo("matrix_power", "matmul (by squaring), inverse", "torch.matrix_power(x, n): x @ x "
           "@ ... n times; n = 0 the identity, n < 0 the inverse's", LINALG,
           methods=("matrix_power",), torch=("matrix_power",),
           call=lambda x, n=1: _t(x, _eye3).matrix_power(n),
           ref=lambda a, n=1: np.linalg.matrix_power(a + _eye3(a.shape, a.dtype), n),
           sample=Cases((case((3, 3), domain=UNIT, n=3), case((2, 2, 2), domain=UNIT, n=2),
                         case((3, 3), domain=UNIT, n=-2), case((2, 2), domain=UNIT, n=1)))),
    OpInfo("cholesky_solve", ops.Solve, "torch.cholesky_solve(B, L, upper=False): X with "
           "L L^T X = B", LINALG, methods=("cholesky_solve",), torch=("cholesky_solve",),
           tensors=2, call=lambda b, x, upper=False: b.cholesky_solve(
               _low(x).mT if upper else _low(x), upper),
           ref=lambda b, a, upper=False: np.linalg.solve(_gram(_low_ref(a)), b),
           sample=Cases((case((3, 2), (3, 3), domain=UNIT), case((2, 2, 1), (2, 2, 2),
                                                                 domain=UNIT),
                         case((3, 2), (3, 3), domain=UNIT, upper=True))),
           grad="torch's: that of solve(L L^T, B)"),
    OpInfo("cholesky_inverse", "matmul, inverse", "torch.cholesky_inverse(L, upper=False): "
           "(L L^T)^-1", LINALG, methods=("cholesky_inverse",), torch=("cholesky_inverse",),
           call=lambda x, upper=False: (_low(x).mT if upper else _low(x)).cholesky_inverse(
               upper),
           ref=lambda a, upper=False: np.linalg.inv(_gram(_low_ref(a))),
           sample=Cases((case((3, 3), domain=UNIT), case((2, 2, 2), domain=UNIT),
                         case((3, 3), domain=UNIT, upper=True)))),
    OpInfo("matrix_exp", ops.MatrixExp, "torch.matrix_exp: exp of each square matrix (Taylor 18, "
           "scaling and squaring)", LINALG, methods=("matrix_exp",), torch=("matrix_exp",),
           call=lambda x, scale=1.0: (x * scale).matrix_exp(),
           ref=lambda a, scale=1.0: _expm_ref(a * scale),
           sample=Cases((case((3, 3)), case((2, 2, 2)), case((1, 1)),
                         case((3, 3), scale=4.0))),
           grad="PyTorch's: the upper right block of exp([[A^T, g], [0, A^T]])"),
    OpInfo("addbmm", "matmul, sum, mul, add", "torch.addbmm(x, batch1, batch2, beta=1, "
           "alpha=1): beta x + alpha sum_b batch1[b] @ batch2[b] (beta = 0: x unread)", LINALG,
           methods=("addbmm",), torch=("addbmm",), tensors=3,
           ref=lambda x, a, b, beta=1, alpha=1: (beta * x if beta else 0) + alpha * (a @ b).sum(
               0),
           sample=Cases((case((3, 2), (4, 3, 5), (4, 5, 2)), case((2,), (2, 3, 1), (2, 1, 2),
                                                                   beta=0.5, alpha=-1.5),
                         case((3, 2), (1, 3, 2), (1, 2, 2), beta=0)))),
    OpInfo("addmv", "matmul, mul, add", "torch.addmv(x, mat, vec, beta=1, alpha=1): beta x + "
           "alpha mat @ vec (beta = 0: x unread)", LINALG, methods=("addmv",),
           torch=("addmv",), tensors=3,
           ref=lambda x, m, v, beta=1, alpha=1: (beta * x if beta else 0) + alpha * (m @ v),
           sample=Cases((case((3,), (3, 2), (2,)), case((1,), (3, 2), (2,), beta=0.5,
                                                        alpha=-2.0),
                         case((3,), (3, 4), (4,), beta=0)))),
    OpInfo("addr", "outer, mul, add", "torch.addr(x, vec1, vec2, beta=1, alpha=1): beta x + "
           "alpha outer(vec1, vec2) (beta = 0: x unread)", LINALG, methods=("addr",),
           torch=("addr",), tensors=3,
           ref=lambda x, a, b, beta=1, alpha=1: (beta * x if beta else 0) + alpha * np.outer(
               a, b),
           sample=Cases((case((3, 2), (3,), (2,)), case((2,), (3,), (2,), beta=2.0,
                                                        alpha=0.5),
                         case((3, 2), (3,), (2,), beta=0)))),
    OpInfo("lu", (ops.LUFactor,), "torch.lu(x, pivot=True, get_infos=False): (A_LU, pivots"
           "[, infos]), P x = L U packed in one matrix, pivots int32 1-based (LAPACK getrf's "
           "partial pivoting); a singular x is factored (infos > 0)", LINALG, methods=("lu",),
           torch=("lu",), call=lambda x: _dominant(x).lu()[0], ref=_lu_ref,
           sample=Cases((case((3, 3), domain=UNIT), case((4, 2), domain=UNIT),
                         case((2, 4), domain=UNIT), case((2, 3, 3), domain=UNIT))),
           grad="torch's linalg_lu_backward (square, wide, tall); pivot=False refused, as "
           "torch's CPU"),
    OpInfo("lu_unpack", "tril, triu, take", "torch.lu_unpack(LU_data, LU_pivots, "
           "unpack_data=True, unpack_pivots=True): (P, L, U) from torch.lu's factors", LINALG,
           torch=("lu_unpack",), function=lu_unpack,
           call=lambda x: (lambda r: r.P @ r.L @ r.U)(lu_unpack(x, _pivots(x))),
           ref=_unpacked_ref,
           sample=Cases((case((3, 3)), case((4, 2)), case((2, 4)), case((2, 3, 3)))),
           grad="L's and U's: LU's lower and upper triangles; P is a constant"),
    OpInfo("lu_solve", (ops.SolveTriangular,), "torch.lu_solve(b, LU_data, LU_pivots): X with "
           "A X = b from torch.lu's factors of A", LINALG, methods=("lu_solve",),
           torch=("lu_solve",), tensors=2,
           call=lambda b, x: b.lu_solve(*_dominant(x).lu()),
           ref=lambda b, a: np.linalg.solve(a / 10 + _spread(a.shape, a.dtype), b),
           sample=Cases((case((3, 2), (3, 3), domain=UNIT),
                         case((2, 3, 1), (2, 3, 3), domain=UNIT))),
           grad="torch's (two triangular solves reading LU's triangles, rows by the pivots)"),
    OpInfo("triangular_solve", (ops.SolveTriangular,), "torch.triangular_solve(b, A, "
           "upper=True, transpose=False, unitriangular=False): (X with A X = b, a copy of A), "
           "A's upper (lower) triangle read", LINALG, methods=("triangular_solve",),
           torch=("triangular_solve",), tensors=2,
           call=lambda b, x, upper=True, transpose=False: b.triangular_solve(
               _tri(x, upper), upper, transpose)[0],
           ref=lambda b, a, upper=True, transpose=False: np.linalg.solve(
               np.swapaxes(_tri_ref(a, upper), -1, -2) if transpose else _tri_ref(a, upper), b),
           sample=Cases((case((3, 2), (3, 3), domain=UNIT),
                         case((2, 3, 1), (2, 3, 3), domain=UNIT, upper=False),
                         case((3, 2), (3, 3), domain=UNIT, transpose=True))),
           grad="torch's: gB = A^-T g, gA = -gB X^T on A's triangle; the copy's gradient "
           "goes to A"),
)
# torch.* names of linear algebra (Tensor.vdot, functional/linalg.py, combinations.py)
ROWS += (
    OpInfo("vdot", "mul, sum", "torch.vdot: the dot product of two 1-D tensors", "Linear algebra",
           methods=("vdot",), torch=("vdot",), tensors=2, ref=np.vdot,
           sample=Cases((case((3,), (3,)), case((1,), (1,))))),
    OpInfo("vander", "cumprod, cat and flip", "torch.vander(x, N=None, increasing=False): "
           "the powers x^(N-1) ... 1 as columns (NumPy's order)", LINALG, torch=("vander",),
           function=combinations.vander,
           ref=lambda a, N=None, increasing=False: np.vander(a, N, increasing),
           sample=Cases((case((3,)), case((4,), N=2), case((2,), N=4, increasing=True),
                         case((3,), N=3)))),
    OpInfo("chain_matmul", "matmul", "torch.chain_matmul(*matrices): the product of 2-D "
           "tensors, left to right (deprecated for linalg.multi_dot)", LINALG,
           torch=("chain_matmul",), function=chain_matmul, tensors=3,
           ref=lambda a, b, c: a @ b @ c,
           sample=Cases((case((2, 3), (3, 4), (4, 2)), case((1, 1), (1, 3), (3, 1))))),
)
