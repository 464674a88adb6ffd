"""Edge rows of matrix products, norms and distances: cosine_similarity, normalize,
pairwise_distance; vdot, chain_matmul, frobenius_norm, nuclear_norm, matrix_rank, bilinear,
pdist, the fused products and sums (addmm, mv, baddbmm, addcmul, addcdiv), det, inverse. `T` in
a `torch=` lambda is the torch module; where a row has no `numpy=`, PyTorch's value is the
reference."""

from __future__ import annotations

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import functional as F

from .edge_table import E2, INF, NAN, E, a64, rows
from .edge_table import a64 as _a

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])


_V = np.array([[0.5, -1.0, 2.0]])
_U3 = np.array([[1.5, 0.5, -0.5]])
rows("cosine_similarity", F.cosine_similarity, {
    "one pair!": (_V, _U3), "parallel!": (_V, 2 * _V), "a zero vector": (np.zeros((1, 3)), _U3),
    "empty batch": (np.zeros((0, 3)), np.zeros((0, 3))),
    "broadcast!": (_V[0], np.array([[1.5, 0.5, -0.5], [0.2, 0.3, 0.4]])),
    "inf": (np.array([[INF, 0.0, 1.0]]), _U3), "nan": (np.array([[NAN, 0.0, 1.0]]), _U3)},
     numpy=lambda a, b: (a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-8) * (
         b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-8))).sum(-1),
     numpy_warns=False, torch=lambda T, a, b: T.nn.functional.cosine_similarity(a, b))
rows("cosine_similarity", lambda a, b: F.cosine_similarity(a, b, dim=0), {
    "vectors, dim 0!": (_V[0], _U3[0])},
     numpy=lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b), numpy_warns=False,
     torch=lambda T, a, b: T.nn.functional.cosine_similarity(a, b, dim=0))
rows("cosine_similarity", F.cosine_similarity, {"vectors, the default dim 1": (_V[0], _U3[0]),
                                                "shapes that do not broadcast": (_V, np.ones(2))},
     raises="cosine_similarity: (dim 1 is out of range|x1 of shape)")

rows("normalize", F.normalize, {
    "one row!": (_V,), "a zero row": (np.zeros((1, 3)),), "empty batch": (np.zeros((0, 3)),),
    "inf": (np.array([[INF, 0.0, 1.0]]),), "nan": (np.array([[NAN, 0.0, 1.0]]),)},
     numpy=lambda x: x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12),
     numpy_warns=False, torch=lambda T, x: T.nn.functional.normalize(x))
for _p, _case, _x in ((1.0, "p 1, a zero entry", _a(0.0, 1.0, -2.0)),
                      (INF, "p inf, tied maxima", _a(2.0, -2.0, 1.0)),
                      (3.0, "p 3!", _a(0.5, -1.0, 2.0)), (0.5, "p 0.5, a zero entry",
                                                         _a(0.0, 1.0, -2.0)),
                      (-1.0, "p -1!", _a(0.5, -1.0, 2.0)), (0.0, "p 0", _a(0.0, 1.0, -2.0)),
                      (3.0, "p 3, a zero row", _a(0.0, 0.0))):
    rows("normalize", lambda x, p=_p: F.normalize(x, p, dim=0), {_case: (_x,)},
         numpy_warns=False, torch=lambda T, x, p=_p: T.nn.functional.normalize(x, p, dim=0))
rows("normalize", F.normalize, {"a vector, the default dim 1": (_a(1.0, 2.0),)},
     raises="normalize: dim 1 is out of range")

rows("pairwise_distance", F.pairwise_distance, {
    "one pair!": (_V, _U3), "equal rows": (_V, _V), "empty batch": (np.zeros((0, 3)),
                                                                     np.zeros((0, 3))),
    "broadcast!": (_V[0], np.array([[1.5, 0.5, -0.5], [0.2, 0.3, 0.4]])),
    "0-d!": (np.float64(1.0), np.float64(0.25)), "inf": (np.array([[INF, 0.0, 1.0]]), _U3),
    "nan": (np.array([[NAN, 0.0, 1.0]]), _U3)},
     numpy_warns=False, torch=lambda T, a, b: T.nn.functional.pairwise_distance(a, b))
for _p, _case, _x, _y in ((1.0, "p 1!", _V, _U3), (INF, "p inf, tied maxima", _a(1.0, 3.0),
                                                  _a(0.0, 2.0)),
                          (3.0, "p 3!", _V, _U3), (0.5, "p 0.5!", _V, _U3),
                          (-1.0, "p -1!", _V, _U3), (0.0, "p 0", _V, _U3)):
    rows("pairwise_distance", lambda a, b, p=_p: F.pairwise_distance(a, b, p, keepdim=True),
         {_case: (_x, _y)}, numpy_warns=False,
         torch=lambda T, a, b, p=_p: T.nn.functional.pairwise_distance(a, b, p, keepdim=True))
rows("pairwise_distance", F.pairwise_distance, {"shapes that do not broadcast": (
    _V, np.ones(2))}, raises="pairwise_distance: x1 of shape")


rows("vdot", lambda x, y: x.vdot(y), {
    "inf and nan": (_a(1.0, INF), _a(NAN, 2.0)), "empty": (E, E), "one each!": (_a(2.0), _a(-3.0)),
    "ints": (np.array([1, 2]), np.array([3, 4]))}, torch=lambda T, x, y: x.vdot(y))
rows("vdot", lambda x, y: x.vdot(y), {"lengths differ": (_a(1.0, 2.0), _a(1.0))},
     raises="vdot: expected both vectors to have the same number of elements, got 2 and 1")
rows("vdot", lambda x, y: x.vdot(y), {"2-D": (X23, X23)},
     raises="vdot: 1D tensors expected, but got 2D and 2D tensors")
rows("vdot", lambda x, y: x.vdot(y), {"dtypes differ": (_a(1.0), np.ones(1, np.float32))},
     raises="vdot: expected both vectors to have same dtype, but found float64 and float32")
rows("vdot", lambda x, y: x.vdot(y), {"bool": (np.array([True]), np.array([True]))},
     raises="vdot: not implemented for bool tensors")

rows("chain_matmul", tg.chain_matmul, {"two!": (X23, X23.T), "empty inner": (E2.T, E2),
                                       "nan": (a64(NAN, 1.0).reshape(1, 2), X23)},
     torch=lambda T, a, b: T.linalg.multi_dot([a, b]))
rows("chain_matmul", tg.chain_matmul, {"one matrix": (X23,)}, numpy=lambda a: a)
rows("chain_matmul", lambda: tg.chain_matmul(), {"none": ()},
     raises="chain_matmul\\(\\): Expected one or more matrices")
rows("chain_matmul", tg.chain_matmul, {"1-D": (a64(1.0, 2.0), X23)},
     raises=r"chain_matmul: tensor 0 must be 2-D, got shape \(2,\)")

# ---- norms ---------------------------------------------------------------------------------------
rows("frobenius_norm", lambda x: tg.frobenius_norm(x, (0, 1)), {"matrix!": (X34,)},
     torch=lambda T, x: T.frobenius_norm(x, (0, 1)))
rows("frobenius_norm", lambda x: tg.frobenius_norm(x, -1, True), {"one dim, keepdim!": (X34,)},
     torch=lambda T, x: T.frobenius_norm(x, [-1], True))
rows("frobenius_norm", lambda x: tg.frobenius_norm(x, (0, 1, 2)), {"three dims": (
    np.ones((2, 2, 2)),)}, raises="frobenius_norm: expected one or two dims")
rows("nuclear_norm", tg.nuclear_norm, {"matrix!": (X34,)}, torch=lambda T, x: T.nuclear_norm(x))
rows("nuclear_norm", lambda x: tg.nuclear_norm(x, (1, 2), True), {"batch, keepdim!": (
    np.arange(12.0).reshape(2, 3, 2) ** 1.3,)},
     torch=lambda T, x: T.nuclear_norm(x, (1, 2), True))
rows("nuclear_norm", tg.nuclear_norm, {"1-D": (_a(1.0),)},
     raises="nuclear_norm: expected a 2-D tensor")
rows("matrix_rank", tg.matrix_rank, {"removed from torch": (np.eye(2),)},
     raises="matrix_rank: this function was deprecated since version 1.9 and is now removed")

_NOTE = "compared with torch (NumPy has none)"

# ---- bilinear, pdist ----------------------------------------------------------------------------
_B1, _B2 = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]), np.array([[1.0, -2.0], [0.25, 0.75]])
_BW = np.linspace(-1, 1, 24).reshape(4, 3, 2)
rows("bilinear", F.bilinear, {
    "with bias!": (_B1, _B2, _BW, _a(0.1, -0.2, 0.3, 0.0)),
    "inf": (np.where(_B1 > 1.8, INF, _B1), _B2, _BW, _a(0, 0, 0, 0.0)),
    "empty batch": (np.zeros((0, 3)), np.zeros((0, 2)), _BW, _a(0, 0, 0, 0.0))},
     torch=lambda T, a, b, w, c: T.nn.functional.bilinear(a, b, w, c), note=_NOTE)
rows("bilinear", F.bilinear, {"no bias, one sample!": (_B1[0], _B2[0], _BW)},
     torch=lambda T, a, b, w: T.nn.functional.bilinear(a, b, w), note=_NOTE)
rows("bilinear", F.bilinear, {"leading shapes differ": (_B1, _B2[:1], _BW),
                              "in1 differs": (_B1[:, :2], _B2, _BW)},
     raises="bilinear: expected input1")
_PD = np.array([[0.5, -1.0, 2.0], [0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [-2.0, 1.0, 0.0]])
for _p in (2.0, 1.0, 0.5, 3.0):
    rows("pdist", lambda x, p=_p: F.pdist(x, p), {
        f"p={_p}, a repeated row (distance 0)": (_PD,), f"p={_p}, one row": (_PD[:1],)},
        torch=lambda T, x, p=_p: T.nn.functional.pdist(x, p), note=_NOTE)
rows("pdist", F.pdist, {"empty rows": (np.zeros((3, 0)),), "inf": (
    np.array([[INF, 1.0], [0.0, 1.0], [1.0, 2.0]]),)},
     torch=lambda T, x: T.nn.functional.pdist(x), note=_NOTE)
rows("pdist", lambda x: F.pdist(x, np.inf), {"p=inf, no ties!": (_PD[2:],)},
     torch=lambda T, x: T.nn.functional.pdist(x, float("inf")), note=_NOTE)
rows("pdist", F.pdist, {"a 3-D input": (np.ones((2, 2, 2)),)}, raises="pdist: expected input")
rows("pdist", lambda x: F.pdist(x, -1.0), {"negative p": (_PD,)}, raises="pdist: p must be")

# ---- fused products and sums ---------------------------------------------------------------
_A, _B = X34[:, :3], X34.T[:3]  # (3, 3) each
rows("addmm", lambda c, a, b: c.addmm(a, b, beta=0.5, alpha=2.0), {
    "broadcast x!": (_a(0.5, -1.0, 2.0), _A, _B), "empty inner dim": (np.zeros((3, 2)),
                                                                     np.zeros((3, 0)),
                                                                     np.zeros((0, 2)))},
     numpy=lambda c, a, b: 0.5 * c + 2.0 * a @ b,
     torch=lambda T, c, a, b: T.addmm(c, a, b, beta=0.5, alpha=2.0))
rows("addmm", lambda c, a, b: tg.addmm(c, a, b, beta=0), {"beta=0 ignores a nan x":
                                                         (_a(NAN, 1.0, INF), _A, _B)},
     numpy=lambda c, a, b: a @ b, torch=lambda T, c, a, b: T.addmm(c, a, b, beta=0))
rows("addmm", lambda c, a, b: c.addmm(a, b), {"a 1-D mat1": (_a(1.0), _a(1.0, 2.0), _B)},
     raises="addmm: mat1 must be 2-D")
rows("mv", tg.mv, {"matrix-vector!": (_A, _a(0.5, -1.0, 2.0)), "empty": (np.zeros((2, 0)), E)},
     numpy=np.matmul, torch=lambda T, m, v: T.mv(m, v))
rows("mv", tg.mv, {"lengths differ": (_A, _a(1.0, 2.0))}, raises="mv: a matrix of shape")
rows("mv", tg.mv, {"a matrix for vec": (_A, _A)}, raises="mv: vec must be 1-D")
rows("baddbmm", lambda c, a, b: c.baddbmm(a, b, alpha=-1.0), {
    "batches!": (np.zeros((2, 3, 3)) + 0.5, np.stack([_A, _B]), np.stack([_B, _A]))},
     numpy=lambda c, a, b: c - a @ b, torch=lambda T, c, a, b: T.baddbmm(c, a, b, alpha=-1.0))
rows("baddbmm", lambda c, a, b: c.baddbmm(a, b), {"batch sizes differ":
                                                  (_a(0.0), np.zeros((2, 3, 3)),
                                                   np.zeros((1, 3, 3)))},
     raises="baddbmm: batch sizes differ")
rows("addcmul", lambda c, a, b: tg.addcmul(c, a, b, value=0.5), {
    "broadcast!": (_a(1.0, 2.0, 3.0), X34[:, :3], _a(2.0)), "inf * 0": (_a(1.0), _a(INF),
                                                                      _a(0.0))},
     numpy=lambda c, a, b: c + 0.5 * a * b,
     torch=lambda T, c, a, b: T.addcmul(c, a, b, value=0.5))
rows("addcdiv", lambda c, a, b: tg.addcdiv(c, a, b, value=0.5), {
    "broadcast!": (_a(1.0, 2.0, 3.0), X34[:, :3], _a(2.0)), "by zero": (_a(1.0), _a(1.0),
                                                                       _a(0.0))},
     numpy=lambda c, a, b: c + 0.5 * a / b,
     torch=lambda T, c, a, b: T.addcdiv(c, a, b, value=0.5))

# ---- determinants, inverses ------------------------------------------------------------------
_SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
rows("det", tg.det, {"spread!": (_A,), "batch!": (np.stack([_A, _B]),), "1 x 1!": (_a(2.5)
                                                                                 .reshape(1, 1),),
                     "0 x 0": (np.zeros((0, 0)),)},
     numpy=np.linalg.det, torch=lambda T, x: T.det(x))
rows("det", tg.det, {"singular!": (_SINGULAR,)}, numpy=np.linalg.det,
     grad=(np.array([[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]]),),
     note="the cofactor matrix, as finite differences (torch 2.13's CPU gives zeros here)")
rows("det", tg.det, {"not square": (X23,)}, raises="det: expects square matrices")
rows("inverse", tg.inverse, {"spread!": (_A,), "batch!": (np.stack([_A, _B]),)},
     numpy=np.linalg.inv, torch=lambda T, x: T.inverse(x))
rows("inverse", tg.inverse, {"singular": (_SINGULAR,)}, raises="inverse: a matrix of the input")
rows("inverse", tg.inverse, {"not square": (X23,)}, raises="inverse: expects square matrices")
