"""Edge rows of linear algebra: matmul, dot, inner, outer, tensordot, einsum, trace, diag,
diagonal, cdist, dist, kron, cross; torch.linalg and the linear-algebra Tensor methods:
singular, empty, 0 x 0, batched, NaN, int dtypes, non-square. `T` in a `torch=` lambda is the
torch module.
"""

from __future__ import annotations

import warnings

import numpy as np

import tinygrad_dl as tg

from .edge_table import INF, NAN, E, rows
from .edge_table import a64 as _a

_A = np.array([[4.0, 1.0, -0.5], [1.0, 3.0, 0.2], [-0.5, 0.2, 2.0]])  # symmetric, PD
_B = np.array([[2.5, -1.0, 0.3], [0.7, 1.8, -0.4], [0.1, 0.6, 3.1]])
_SING = np.array([[1.0, 2.0], [2.0, 4.0]])
_TALL = np.array([[3.0, 0.5], [0.2, 2.0], [0.4, -0.3]])
_NAN = np.array([[NAN, 1.0], [1.0, 2.0]])
_INT = np.array([[2, 1], [1, 2]])
_Z00 = np.zeros((0, 0))
_BATCH = np.stack([_A, _B])


X23 = np.arange(6.0).reshape(2, 3) / 4

rows("cdist", lambda x, y: tg.cdist(x, y), {
    "a zero distance": (np.array([[0.5, 1.0]]), np.array([[0.5, 1.0], [1.5, 3.0]])),
    "inf": (np.array([[INF, 1.0]]), np.array([[0.5, 1.0]]))},
     numpy=lambda x, y: np.linalg.norm(x[:, None, :] - y[None, :, :], axis=-1),
     torch=lambda T, x, y: T.cdist(x, y))
rows("dist", lambda x, y: tg.dist(x, y), {
    "equal!": (_a(0.5, 1.5), _a(0.5, 1.5)), "inf": (_a(INF), _a(1.0))},
     numpy=lambda x, y: np.linalg.norm(x - y), torch=lambda T, x, y: T.dist(x, y))


# ---- linear algebra ---------------------------------------------------------------------------
M = np.array([[0.5, -1.0], [2.0, 0.25]])
_MM = {"empty inner dimension": (np.zeros((2, 0)), np.zeros((0, 3))),
       "empty outer dimension": (np.zeros((0, 2)), M),
       "one element!": (np.array([[0.7]]), np.array([[1.3]])),
       "inf times zero": (np.array([[INF, 1.0]]), np.array([[0.0], [1.0]])),
       "nan": (np.array([[NAN, 1.0]]), M)}


def _dot_warns() -> bool:
    """Whether this NumPy's ndarray.dot, which MatMul.forward multiplies with, warns of inf * 0
    as np.matmul does: NumPy 2.4's does, 2.2's reports no floating-point errors (its product
    is NaN all the same, as np.matmul's and torch's)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(invalid="warn"):
        warnings.simplefilter("always")
        np.array([INF]).dot(np.array([0.0]))
    return bool(caught)


rows("matmul", lambda x, y: x @ y, _MM, numpy=np.matmul, torch=lambda T, x, y: x @ y,
     numpy_warns=_dot_warns())
rows("matmul", lambda x, y: x.matmul(y), {"vectors!": (_a(0.5, 1.5), _a(2.0, -1.0)),
                                          "empty vectors": (E, E)},
     numpy=np.matmul, torch=lambda T, x, y: x @ y)
rows("matmul", lambda x, y: x @ y, {"inner sizes differ": (M, _a(1.0, 2.0, 3.0))},
     raises="MatMul")
# dot, inner, outer and tensordot are einsums: the values agree with NumPy's functions, but
# np.einsum does not warn about inf * 0 where np.dot does (numpy_warns=False)
_EIN = {"numpy_warns": False}
rows("dot", tg.dot, _MM, numpy=np.dot, torch=lambda T, x, y: x @ y, **_EIN)
rows("inner", tg.inner, {"empty": (E, E), "one element!": (_a(0.7), _a(1.3)),
                         "inf times zero": (_a(INF), _a(0.0))},
     numpy=np.inner, torch=lambda T, x, y: T.inner(x, y), **_EIN)
rows("outer", tg.outer, {"empty": (E, _a(1.0)), "one element!": (_a(0.7), _a(1.3)),
                         "inf times zero": (_a(INF), _a(0.0))},
     numpy=np.outer, torch=lambda T, x, y: T.outer(x, y), **_EIN)
rows("tensordot", lambda x, y: tg.tensordot(x, y, 1), _MM,
     numpy=lambda x, y: np.tensordot(x, y, 1), torch=lambda T, x, y: T.tensordot(x, y, 1),
     **_EIN)
rows("einsum", lambda x, y: tg.einsum("ij,jk->ik", x, y), _MM,
     numpy=lambda x, y: np.einsum("ij,jk->ik", x, y),
     torch=lambda T, x, y: T.einsum("ij,jk->ik", x, y))
rows("einsum", lambda x: tg.einsum("ii->", x), {"trace of 1x1!": (np.array([[0.7]]),),
                                                "trace of 0x0": (np.zeros((0, 0)),)},
     numpy=lambda x: np.einsum("ii->", x), torch=lambda T, x: T.einsum("ii->", x))
rows("einsum", lambda x: tg.einsum("ij->k", x), {"unknown output letter": (M,)},
     raises="einsum|Einsum")
rows("trace", tg.trace, {"1x1!": (np.array([[0.7]]),), "empty": (np.zeros((0, 3)),),
                         "inf and nan": (np.array([[INF, 1.0], [2.0, NAN]]),)},
     numpy=np.trace, torch=lambda T, x: x.trace())
rows("diag", tg.diag, {"empty vector": (E,), "one element!": (_a(0.7),),
                       "1x1 matrix!": (np.array([[0.7]]),), "0x0 matrix": (np.zeros((0, 0)),),
                       "inf and nan": (_a(INF, NAN),)},
     numpy=np.diag, torch=lambda T, x: T.diag(x))
rows("diag", tg.diag, {"3-d": (np.zeros((1, 1, 1)),)}, raises="diag|Diag")
rows("diagonal", lambda x: x.diagonal(1), {"offset past the edge": (M,),
                                           "rectangular!": (X23,)},
     numpy=lambda x: np.diagonal(x, 1), torch=lambda T, x: x.diagonal(1))
rows("diagonal", lambda x: x.diagonal(), {"1-d": (_a(1.0),)}, raises="diagonal")


rows("kron", tg.kron, {"empty": (E, _a(1.0)), "one element!": (_a(0.7), _a(1.3)),
                       "2x2 by 1x2!": (M, np.array([[0.5, 2.0]])),
                       "inf times zero": (_a(INF), _a(0.0, 1.0))},
     numpy=np.kron, torch=lambda T, x, y: T.kron(x, y))
_V3 = _a(0.5, -1.0, 2.0)
rows("cross", tg.cross, {"empty batch": (np.zeros((0, 3)), np.zeros((0, 3))),
                         "one pair!": (_V3, _a(1.5, 0.5, -0.5)), "inf": (_a(INF, 0.0, 1.0), _V3),
                         "nan": (_a(NAN, 0.0, 1.0), _V3)},
     numpy=np.cross, torch=lambda T, x, y: T.cross(x, y, dim=-1))
rows("cross", tg.cross, {"vectors of length 2": (_a(1.0, 2.0), _a(3.0, 4.0))},
     raises="cross: vectors of length 3 only")


# ---- svd (torch.svd: U, S, V) -------------------------------------------------------------------
rows("svd", lambda x: x.svd()[1], {"spread!": (_B,), "batch!": (_BATCH,), "tall!": (_TALL,)},
     numpy=lambda a: np.linalg.svd(a, compute_uv=False), torch=lambda T, x: T.svd(x)[1])
rows("svd", lambda x: (lambda r: r[0] @ r[2].mT)(x.svd()), {"U V^T!": (_TALL,)},
     numpy=lambda a: (lambda u, s, vh: u @ vh)(*np.linalg.svd(a, full_matrices=False)),
     torch=lambda T, x: (lambda r: r[0] @ r[2].mT)(T.svd(x)))
rows("svd", lambda x: x.svd()[0].sum(), {"repeated singular values: NaN, as torch":
                                        (np.eye(3),)},
     numpy=lambda a: np.float64(np.linalg.svd(a)[0].sum()),
     torch=lambda T, x: T.svd(x)[0].sum())
rows("svd", lambda x: x.svd()[1], {"0 x 0": (_Z00,), "3 x 0": (np.zeros((3, 0)),)},
     numpy=lambda a: np.zeros(0), torch=lambda T, x: T.svd(x)[1])
rows("svd", lambda x: x.svd()[1], {"nan": (_NAN,)}, raises="svd: the input .* NaN or inf")
rows("svd", lambda x: x.svd()[1], {"int dtype": (_INT,)}, raises="svd: expects a floating")
rows("svd", lambda x: x.svd()[1], {"1-D": (np.ones(3),)}, raises="svd: expects matrices")

# ---- qr ------------------------------------------------------------------------------------------
rows("qr", lambda x: x.qr()[1], {"tall!": (_TALL,), "batch!": (_BATCH,)},
     numpy=lambda a: np.linalg.qr(a)[1], torch=lambda T, x: T.qr(x)[1])
rows("qr", lambda x: x.qr()[0], {"wide!": (_TALL.T.copy(),)},
     numpy=lambda a: np.linalg.qr(a)[0], torch=lambda T, x: T.qr(x)[0])
rows("qr", lambda x: x.qr()[0], {"0 x 0": (_Z00,)}, numpy=lambda a: np.zeros((0, 0)),
     torch=lambda T, x: T.qr(x)[0])
rows("qr", lambda x: x.qr(some=False)[1], {"complete Q of a tall matrix: no gradient":
                                          (_TALL,)},
     raises="qr: the decomposition with mode='complete' and more rows than columns")
rows("qr", lambda x: x.qr()[1], {"int dtype": (_INT,)}, raises="qr: expects a floating")

# ---- eigh (tg.eigh is tinygrad_dl.linalg.eigh) ---------------------------------------------------
# (no finite differences: one triangle is read, the gradient is symmetric, as torch's)
rows("eigh", lambda x: tg.eigh(x).eigenvalues, {"symmetric": (_A,), "batch": (np.stack(
    [_A, _A.T + 1.0]),), "0 x 0": (_Z00,)},
     numpy=lambda a: np.linalg.eigvalsh(a), torch=lambda T, x: T.linalg.eigvalsh(x))
rows("eigh", lambda x: tg.eigh(x, "U").eigenvectors ** 2, {"upper triangle read": (_B,)},
     numpy=lambda a: np.linalg.eigh(a, "U")[1] ** 2,
     torch=lambda T, x: T.linalg.eigh(x, "U")[1] ** 2)
rows("eigh", lambda x: tg.eigh(x).eigenvectors.sum(), {"repeated eigenvalues: NaN, as torch":
                                                      (np.eye(3),)},
     numpy=lambda a: np.float64(np.linalg.eigh(a)[1].sum()),
     torch=lambda T, x: T.linalg.eigh(x)[1].sum())
rows("eigh", tg.eigh, {"nan": (_NAN,)}, raises="eigh: the input .* NaN or inf")
rows("eigh", tg.eigh, {"not square": (_TALL,)}, raises="eigh: expects square matrices")
rows("eigh", tg.eigh, {"int dtype": (_INT,)}, raises="linalg.eigh: expects a floating")

# ---- cholesky, cholesky_solve, cholesky_inverse --------------------------------------------------
# (no finite differences: only one triangle is read, the gradient is symmetric, as torch's)
rows("cholesky", lambda x: x.cholesky(), {"spd": (_A,), "2 x 2 batch": (np.stack(
    [_A[:2, :2], 2 * np.eye(2)]),), "0 x 0": (_Z00,)},
     numpy=np.linalg.cholesky, torch=lambda T, x: T.linalg.cholesky(x))
rows("cholesky", lambda x: x.cholesky(upper=True), {"upper": (_A,)},
     numpy=lambda a: np.linalg.cholesky(a).T, torch=lambda T, x: T.linalg.cholesky(x,
                                                                                  upper=True))
rows("cholesky", lambda x: x.cholesky(), {"not positive-definite": (-np.eye(2),)},
     raises="cholesky: a matrix of the input .* is not positive-definite")
rows("cholesky", lambda x: x.cholesky(), {"nan": (_NAN,)}, raises="cholesky: .* NaN or inf")
rows("cholesky", lambda x: x.cholesky(), {"not square": (_TALL,)},
     raises="cholesky: expects square matrices")
rows("cholesky", lambda x: x.cholesky(), {"int dtype": (_INT,)},
     raises="cholesky: expects a floating")
_L = np.linalg.cholesky(_A)
# (no finite differences for the factor: only one triangle is read, while torch's gradient,
# -(C + C^T) L, reaches the other one too; the gradients are compared with torch's)
rows("cholesky_solve", lambda b, low: b.cholesky_solve(low), {"solve": (_B[:, :2], _L),
                                                              "batch": (_BATCH, _L)},
     numpy=lambda b, low: np.linalg.solve(low @ low.T, b),
     torch=lambda T, b, low: T.cholesky_solve(b, low))
rows("cholesky_solve", lambda b, low: b.cholesky_solve(low), {"upper triangle not read":
                                                              (_B[:, :2], _L + np.triu(_B, 1))},
     numpy=lambda b, low: np.linalg.solve(np.tril(low) @ np.tril(low).T, b), wrt=(0,),
     torch=lambda T, b, low: T.cholesky_solve(b, low))
rows("cholesky_solve", lambda b, low: b.cholesky_solve(low), {"singular factor":
                                                              (_B, np.zeros((3, 3)))},
     raises="solve: a matrix A of the input .* is singular")
rows("cholesky_inverse", lambda low: low.cholesky_inverse(), {"inverse": (_L,),
                                                              "0 x 0": (_Z00,)},
     numpy=lambda low: np.linalg.inv(low @ low.T),
     torch=lambda T, low: T.cholesky_inverse(low))
rows("cholesky_inverse", lambda u: u.cholesky_inverse(upper=True), {"upper": (_L.T.copy(),)},
     numpy=lambda u: np.linalg.inv(u.T @ u),
     torch=lambda T, u: T.cholesky_inverse(u, upper=True))
rows("cholesky_inverse", lambda low: low.cholesky_inverse(), {"non-square": (_TALL,)},
     raises="cholesky_inverse: expects square matrices")

# ---- slogdet, logdet -----------------------------------------------------------------------------
rows("slogdet", lambda x: x.slogdet().logabsdet, {"spread!": (_B,), "batch!": (_BATCH,),
                                                  "negative det!": (-_A,)},
     numpy=lambda a: np.linalg.slogdet(a)[1], torch=lambda T, x: T.slogdet(x)[1])
rows("slogdet", lambda x: x.slogdet().sign, {"sign of a negative det": (-_A,),
                                             "sign of a singular matrix": (_SING,),
                                             "0 x 0: sign 1": (_Z00,),
                                             "nan: sign 0": (_NAN,)},
     numpy=lambda a: np.where(np.isnan(np.linalg.slogdet(a)[1]), 0.0,
                              np.linalg.slogdet(a)[0]), numpy_warns=False, grad=(None,))
rows("slogdet", lambda x: x.slogdet().logabsdet, {"singular: -inf": (_SING,)},
     numpy=lambda a: np.float64(-np.inf), wrt=())
rows("slogdet", lambda x: x.slogdet().logabsdet, {"singular: gradient": (_SING,)},
     raises="slogdet: the gradient of log\\|det A\\| at a singular A")
rows("slogdet", lambda x: x.slogdet(), {"int dtype": (_INT,)}, raises="slogdet: expects a")
rows("logdet", lambda x: x.logdet(), {"spd!": (_A,), "batch of spd!": (np.stack(
    [_A, 2 * _A]),)}, numpy=lambda a: np.log(np.linalg.det(a)),
     torch=lambda T, x: T.logdet(x))
rows("logdet", lambda x: x.logdet(), {"negative det: nan": (-_A,)},
     numpy=lambda a: np.float64(np.nan), wrt=())
rows("logdet", lambda x: x.logdet(), {"not square": (_TALL,)},
     raises="slogdet: expects square matrices")

# ---- pinverse, matrix_power ----------------------------------------------------------------------
rows("pinverse", lambda x: x.pinverse(), {"tall!": (_TALL,), "square!": (_B,),
                                          "batch!": (_BATCH,), "0 x 0": (_Z00,),
                                          "3 x 0": (np.zeros((3, 0)),)},
     numpy=np.linalg.pinv, torch=lambda T, x: T.pinverse(x))
rows("pinverse", lambda x: x.pinverse(), {"singular: drops the zero singular value":
                                          (_SING,)},
     numpy=np.linalg.pinv, torch=lambda T, x: T.pinverse(x))
rows("pinverse", lambda x: x.pinverse(), {"nan": (_NAN,)}, raises="pinv: the input .* NaN")
rows("matrix_power", lambda x: x.matrix_power(3), {"cube!": (_B,), "batch!": (_BATCH,)},
     numpy=lambda a: np.linalg.matrix_power(a, 3), torch=lambda T, x: T.matrix_power(x, 3))
rows("matrix_power", lambda x: x.matrix_power(-2), {"inverse squared!": (_B,)},
     numpy=lambda a: np.linalg.matrix_power(a, -2), torch=lambda T, x: T.matrix_power(x, -2))
rows("matrix_power", lambda x: x.matrix_power(0), {"0: identity": (_B,), "0 x 0": (_Z00,),
                                                   "0 of nan: identity": (_NAN,)},
     numpy=lambda a: np.eye(a.shape[-1]), torch=lambda T, x: T.matrix_power(x, 0))
rows("matrix_power", lambda x: x.matrix_power(-1), {"singular, n < 0": (_SING,)},
     raises="inverse: a matrix of the input .* is singular")
rows("matrix_power", lambda x: x.matrix_power(2.0), {"float n": (_B,)},
     raises="matrix_power: n must be an int")
rows("matrix_power", lambda x: x.matrix_power(2), {"not square": (_TALL,)},
     raises="matrix_power: expects square matrices")

# ---- addmv, addr ---------------------------------------------------------------------------------
_V2, _V3 = np.array([0.5, -1.5]), np.array([1.0, 2.0, -0.5])
rows("addmv", lambda x, m, v: x.addmv(m, v, beta=0.5, alpha=2.0), {"scaled!": (_V3, _TALL,
                                                                              _V2)},
     numpy=lambda x, m, v: 0.5 * x + 2.0 * (m @ v),
     torch=lambda T, x, m, v: T.addmv(x, m, v, beta=0.5, alpha=2.0))
rows("addmv", lambda x, m, v: x.addmv(m, v, beta=0), {"beta 0: nan in x unread": (
    np.array([NAN, 1.0, 2.0]), _TALL, _V2)}, numpy=lambda x, m, v: m @ v,
     torch=lambda T, x, m, v: T.addmv(x, m, v, beta=0))
rows("addmv", lambda x, m, v: x.addmv(m, v), {"mismatch": (_V3, _TALL, _V3)},
     raises="addmv: mat \\(n, m\\) and vec \\(m,\\)")
rows("addr", lambda x, a, b: x.addr(a, b, beta=2.0, alpha=-1.0), {"scaled!": (_TALL, _V3,
                                                                             _V2)},
     numpy=lambda x, a, b: 2.0 * x - np.outer(a, b),
     torch=lambda T, x, a, b: T.addr(x, a, b, beta=2.0, alpha=-1.0))
rows("addr", lambda x, a, b: x.addr(a, b, beta=0), {"beta 0: nan in x unread": (
    np.full((3, 2), NAN), _V3, _V2)}, numpy=lambda x, a, b: np.outer(a, b),
     torch=lambda T, x, a, b: T.addr(x, a, b, beta=0))
rows("addr", lambda x, a, b: x.addr(a, b), {"2-D vec1": (_TALL, _TALL, _V2)},
     raises="addr: vec1 and vec2 must be 1-D")
rows("addbmm", lambda x, a, b: x.addbmm(a, b, beta=0.5, alpha=2.0), {"scaled!": (
    _TALL, np.stack([_TALL, 2 * _TALL]), np.stack([np.eye(2), _SING]))},
     numpy=lambda x, a, b: 0.5 * x + 2.0 * (a @ b).sum(0),
     torch=lambda T, x, a, b: T.addbmm(x, a, b, beta=0.5, alpha=2.0))
rows("addbmm", lambda x, a, b: x.addbmm(a, b, beta=0), {"beta 0: nan in x unread": (
    np.full((3, 2), NAN), np.stack([_TALL]), np.stack([np.eye(2)]))},
     numpy=lambda x, a, b: (a @ b).sum(0), torch=lambda T, x, a, b: T.addbmm(x, a, b, beta=0))
rows("addbmm", lambda x, a, b: x.addbmm(a, b), {"2-D batch": (_TALL, _TALL, np.eye(2))},
     raises="addbmm: batch1 \\(b, n, m\\) and batch2 \\(b, m, p\\)")

# ---- matrix_exp ----------------------------------------------------------------------------------
rows("matrix_exp", lambda x: x.matrix_exp(), {"spread!": (_B,), "batch!": (_BATCH,),
                                              "large norm: squarings!": (4 * _B,),
                                              "0 x 0": (_Z00,)},
     torch=lambda T, x: T.matrix_exp(x))
rows("matrix_exp", lambda x: x.matrix_exp(), {"nan: all nan": (_NAN,)},
     numpy=lambda a: np.full((2, 2), np.nan), wrt=())
rows("matrix_exp", lambda x: x.matrix_exp(), {"not square": (_TALL,)},
     raises="matrix_exp: expects square matrices")
rows("matrix_exp", lambda x: x.matrix_exp(), {"int dtype": (_INT,)},
     raises="matrix_exp: expects a floating")

# ---- the methods x.cross, x.inner, x.kron, x.dist, x.ger (tg.<name>'s rows cover the rest) -------
rows("cross", lambda x, y: x.cross(y), {"method: first axis of length 3 (torch's)!": (_B, _A)},
     torch=lambda T, x, y: T.cross(x, y, dim=0))
rows("cross", lambda x, y: x.cross(y, dim=-1), {"method: dim=-1!": (_B, _A)},
     torch=lambda T, x, y: T.linalg.cross(x, y))
rows("cross", lambda x, y: x.cross(y), {"method: no axis of length 3": (_SING, _SING)},
     raises="cross: no axis of length 3")
rows("cross", lambda x, y: x.cross(y, dim=0, axis=0), {"method: dim and axis": (_B, _A)},
     raises="cross: got both dim= and axis=")
rows("inner", lambda x, y: x.inner(y), {"method!": (_B, _TALL.T.copy())},
     torch=lambda T, x, y: T.inner(x, y))
rows("kron", lambda x, y: x.kron(y), {"method!": (_B, _TALL)},
     torch=lambda T, x, y: T.kron(x, y))
rows("dist", lambda x, y: x.dist(y, 3), {"method, p = 3!": (_B, _A)},
     torch=lambda T, x, y: T.dist(x, y, 3))
rows("outer", lambda x, y: x.ger(y), {"ger!": (_V3, _V2)}, torch=lambda T, x, y: T.ger(x, y))

# (tinygrad_dl.linalg's other functions, no Tensor method nor tg.<name>: tests/test_linalg_torch.py)

# ---- lu, lu_unpack, lu_solve, triangular_solve (torch's old spellings; tinygrad_dl.linalg's LU
# functions: tests/test_linalg_lu.py) ----------------------------------------------------------
_WIDE = _TALL.T.copy()
rows("lu", lambda x: x.lu()[0], {"spread!": (_B,), "batch!": (_BATCH,), "tall!": (_TALL,),
                                 "wide!": (_WIDE,), "0 x 0": (_Z00,)},
     torch=lambda T, x: T.linalg.lu_factor_ex(x).LU)
rows("lu", lambda x: x.lu(get_infos=True)[2], {"singular: factored, infos > 0": (_SING,)},
     numpy=lambda a: np.array(2, np.int32), torch=lambda T, x: T.linalg.lu_factor_ex(x).info)
rows("lu", lambda x: x.lu()[1], {"pivots int32, 1-based": (_BATCH,)},
     torch=lambda T, x: T.linalg.lu_factor(x).pivots)
rows("lu", lambda x: x.lu(pivot=False)[0], {"pivot=False": (_B,)},
     raises="lu: LU without pivoting is not implemented on the CPU")
rows("lu", lambda x: x.lu()[0], {"int dtype": (_INT,)}, raises="lu: expects a floating")
rows("lu", lambda x: x.lu()[0], {"1-D": (np.ones(3),)}, raises="lu: expects matrices")
rows("lu_unpack", lambda x: (lambda r: r.P @ r.L @ r.U)(tg.lu_unpack(*x.lu())),
     {"P L U = A!": (_B,), "tall!": (_TALL,), "wide!": (_WIDE,)},
     numpy=lambda a: a, torch=lambda T, x: x)
rows("lu_unpack", lambda x: (lambda r: r.P @ r.L @ r.U)(tg.lu_unpack(*x.lu())),
     {"singular": (_SING,)}, numpy=lambda a: a, torch=lambda T, x: x, wrt=())
rows("lu_unpack", lambda x: tg.lu_unpack(x, tg.Tensor(np.array([1, 4, 3], np.int32)))[0],
     {"pivot out of range": (_B,)}, raises="lu_unpack: pivots must lie in \\[1, 3\\]")
rows("lu_unpack", lambda x: tg.lu_unpack(x, tg.Tensor(np.ones(3)))[0],
     {"float pivots": (_B,)}, raises="lu_unpack: pivots must be an int tensor")
rows("lu_solve", lambda b, a: b.lu_solve(*a.lu()), {"spread!": (_TALL, _B),
                                                     "batch!": (np.stack([_TALL, _TALL]),
                                                                _BATCH)},
     torch=lambda T, b, a: T.linalg.solve(a, b))
rows("lu_solve", lambda b, a: b.lu_solve(*a.lu()), {"singular: inf/nan, as torch": (
    np.ones((2, 1)), _SING)}, torch=lambda T, b, a: T.lu_solve(b, *T.linalg.lu_factor_ex(a)[:2]),
     wrt=())
rows("lu_solve", lambda b, a: b.lu_solve(*a.lu()), {"mismatch": (np.ones((2, 1)), _B)},
     raises="lu_solve: LU of shape \\(3, 3\\) and B of shape \\(2, 1\\) do not fit")
rows("triangular_solve", lambda b, a: b.triangular_solve(a)[0], {"upper!": (_TALL, _B),
                                                                 "batch!": (np.stack(
                                                                     [_TALL, _TALL]), _BATCH)},
     torch=lambda T, b, a: T.linalg.solve_triangular(a, b, upper=True))
rows("triangular_solve", lambda b, a: b.triangular_solve(a, upper=False, transpose=True)[0],
     {"lower, transposed!": (_TALL, _B)},
     torch=lambda T, b, a: T.linalg.solve_triangular(a.tril().mT, b, upper=True))
rows("triangular_solve", lambda b, a: b.triangular_solve(a)[0], {
    "zero on the diagonal: inf/nan, as torch": (np.ones((2, 2)), np.array([[0.0, 1.0],
                                                                        [0.0, 1.0]]))},
     torch=lambda T, b, a: T.linalg.solve_triangular(a, b, upper=True), wrt=())
rows("triangular_solve", lambda b, a: b.triangular_solve(a)[0], {"vector b": (np.ones(3), _B)},
     raises="triangular_solve: expects matrices")
