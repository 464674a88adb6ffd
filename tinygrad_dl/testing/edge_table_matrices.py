"""Edge rows of matrix products and norms: vdot, chain_matmul, frobenius_norm, nuclear_norm,
matrix_rank. `T` in a `torch=` lambda is the torch module; where a row has no `numpy=`,
PyTorch's value is the reference."""

from __future__ import annotations

import numpy as np

import tinygrad_dl as tg

from .edge_table import E2, INF, NAN, E, a64, rows
from .edge_table import a64 as _a

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])


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
