"""Linear algebra: einsum and its relatives (inner, outer, tensordot, diag, kron, cross),
compositions of the Einsum op (ops/linalg.py); the distances (cdist, dist, pdist), bilinear,
and chain_matmul (a product of matrices, left to right).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import literal
from ..ops import (
    BlockedCdist,
    BlockedPdist,
    Diag,
    Einsum,
    VectorNorm,
    distance,
)
from ..ops.allocation import check_alloc, check_count
from ..ops.linalg import sublist_subscripts
from ..ops.spelling import one_name, torch_keywords
from ..tensor import Tensor
from ..tensor.linalg import cross_dtypes
from .constructors import as_tensor
from .joins import stack
from .methods import as_tensor_of, as_tensors, takes_out


# ---- linear algebra (einsum and compositions of it; ops/linalg.py) --------------------------
def einsum(subscripts: Any, *operands: Any, optimize: Any = False) -> Tensor:
    """np.einsum: "ij,jk->ik", "ii->", "bij,bjk->bik", "...ij,...jk->...ik", implicit output;
    NumPy's sublist form einsum(a, [0, 1], b, [1, 2], [0, 2]) and torch's list of operands
    einsum("ij,jk", [a, b]) too. An axis of length 1 broadcasts against its letter's length
    elsewhere ("..." ones too), and an explicit output without "..." sums the axes it stands
    for, as torch's. NumPy's `optimize=` is taken and changes nothing: the op contracts in its
    own order, forward and backward alike (a large one that reads entries more than once as
    one matmul or NumPy's optimized order); float16 in float32, rounded once, as torch's."""
    if not isinstance(subscripts, str) and operands and isinstance(operands[0], (list, tuple)):
        subscripts, operands = sublist_subscripts((subscripts, *operands))
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: the subscripts must be a str such as 'ij,jk->ik' (or NumPy's "
                        f"sublists), got {type(subscripts).__name__} {subscripts!r:.40}")
    if not subscripts.isascii() or any(not (c.isalpha() or c in ",.-> ") for c in subscripts):
        bad = next(c for c in subscripts if not (c.isascii() and (c.isalpha() or c in ",.-> ")))
        raise ValueError(f"einsum: subscript {bad!r} in {subscripts!r:.60}: use ASCII letters, "
                         "',', '->' and '...'")
    if not operands:
        raise ValueError("einsum needs at least one operand")
    if not (isinstance(optimize, bool) or optimize in ("greedy", "optimal") or (
            isinstance(optimize, list) and optimize[:1] == ["einsum_path"])):
        raise ValueError(f"einsum: optimize must be True, False, 'greedy', 'optimal' or an "
                         f"einsum_path list (NumPy's), got {optimize!r:.40}")
    return Einsum.apply(*as_tensors(operands), subscripts=subscripts, broadcast=True)


_L = "abcdefghijklmnopqrstuvwxyz"


@takes_out
@torch_keywords(input="x", other="y")
def inner(x: Any, y: Any) -> Tensor:
    """np.inner: the sum over the last axes of x and y."""
    x, y = as_tensors([x, y])
    return x.inner(y)


def matrix_transpose(x: Any) -> Tensor:
    """np.matrix_transpose: the last two axes exchanged (x.mT)."""
    return as_tensor(x).mT


@takes_out
@torch_keywords(input="x", vec2="y")
def outer(x: Any, y: Any) -> Tensor:
    """np.outer: x and y flattened, out[i, j] = x[i] y[j]."""
    x, y = as_tensors([x, y])
    return x.outer(y)


@torch_keywords(a="x", b="y")
def tensordot(x: Any, y: Any, axes: Any = None, *, dims: Any = None) -> Tensor:
    """np.tensordot: sum over the last `axes` axes of x and the first of y (2 by default), or
    over the axes listed in the pair `axes` = (x's axes, y's axes). torch's dims= is axes,
    bar a pair of two ints (dims=(1, 0)), which torch refuses and NumPy reads as axes=([1],
    [0]): refused in one line (axes=(1, 0) and the positional (1, 0) keep NumPy's reading)."""
    if dims is not None:
        if axes is not None:
            raise TypeError("tensordot() got both axes= and dims=: this package's and "
                            "PyTorch's names for one argument")
        if isinstance(dims, (tuple, list)) and len(dims) == 2 and all(
                isinstance(d, (int, np.integer)) for d in dims):
            raise TypeError(f"tensordot: dims={dims!r} is two ints, which torch 2.13 refuses; "
                            f"write dims=([{dims[0]}], [{dims[1]}]) (x's axes, y's axes) or "
                            f"dims={dims[0]} if you meant a count")
        axes = dims
    x, y = as_tensors([x, y])
    axes = 2 if axes is None else axes
    if isinstance(axes, Tensor):  # (torch's dims as a tensor: a count, or 2 rows of axes)
        d = axes.data
        if d.dtype.kind not in "iuf" or (d.dtype.kind == "f" and not np.all(d == np.trunc(
                d))) or not (d.size == 1 and d.ndim <= 1 or d.ndim == 2 and len(d) == 2):
            raise TypeError(f"tensordot: dims as a tensor must be an integer count or 2 rows "
                            f"of axes, got {d.dtype} of shape {d.shape}")
        axes = int(d.reshape(-1)[0]) if d.ndim < 2 else d.astype(np.int64).tolist()
    if isinstance(axes, (int, np.integer)):
        if axes < 0:  # (range(-1) is empty: an outer product, silently; torch refuses)
            raise ValueError(f"tensordot: dims={int(axes)} is a negative count of axes to sum "
                             f"over (shapes {x.shape} and {y.shape}); give 0 or more")
        ax, ay = list(range(x.ndim - int(axes), x.ndim)), list(range(int(axes)))
    else:
        if not hasattr(axes, "__len__") or len(axes) != 2:
            raise ValueError(f"tensordot: axes must be an int or a pair (x's axes, y's axes), "
                             f"got {axes!r}")
        ax, ay = (np.atleast_1d(a).tolist() for a in axes)
    try:
        ax = [a % x.ndim if -x.ndim <= a < x.ndim else _bad(a) for a in ax]
        ay = [a % y.ndim if -y.ndim <= a < y.ndim else _bad(a) for a in ay]
        if len(ax) != len(ay) or any(x.shape[i] != y.shape[j] for i, j in zip(ax, ay)):
            raise ValueError(f"axes {ax} and {ay} do not match in length or size")
        if len(set(ax)) != len(ax) or len(set(ay)) != len(ay):  # (a repeat summed a diagonal
            raise ValueError(f"axes {ax} and {ay} name one dim twice; give each once")  # silently)
    except ValueError as e:
        raise ValueError(f"tensordot: shapes {x.shape} and {y.shape}: {e}") from None
    a, b = list(_L[:x.ndim]), list(_L[13:13 + y.ndim])
    for i, j in zip(ax, ay):
        b[j] = a[i]
    out = [c for k, c in enumerate(a) if k not in ax] + [c for k, c in enumerate(b) if k not in ay]
    return Einsum.apply(x, y, subscripts=f"{''.join(a)},{''.join(b)}->{''.join(out)}")


def _bad(axis: int) -> int:
    raise ValueError(f"axis {axis} is out of bounds")



@takes_out
@torch_keywords(input="x", diagonal="k")
def diag(x: Any, k: int = 0) -> Tensor:
    """np.diag: a 1-D x -> a matrix with x on diagonal k; a 2-D x -> its diagonal k."""
    return Diag.apply(as_tensor_of(x), k=k)


@takes_out
@torch_keywords(input="x", other="y")
def kron(x: Any, y: Any) -> Tensor:
    """np.kron / torch.kron: every x[i] times all of y, blocks laid out like x (a product of
    reshaped, broadcast copies, then a reshape)."""
    x, y = as_tensors([x, y])
    return x.kron(y)


@takes_out
@torch_keywords(input="x", other="y")
def cross(x: Any, y: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """np.cross / torch.linalg.cross of 3-vectors along axis (default the last); the other axes
    broadcast. Each component is a difference of two products."""
    x, y = as_tensors([x, y])
    axis = one_name("cross", axis, "axis", dim, "dim", -1)
    cross_dtypes("cross", x, y)
    a, b = x.moveaxis(axis, -1), y.moveaxis(axis, -1)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ValueError(f"cross: vectors of length 3 only, along axis {axis}; got shapes "
                         f"{x.shape} and {y.shape}")
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return out.moveaxis(-1, axis)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


def cdist(x1: Any, x2: Any, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """torch.cdist: the p-norm distance between every row of x1 (..., P, M) and every row of x2
    (..., R, M), shape (..., P, R), from the differences themselves whatever compute_mode
    says (torch's three values are taken and checked): torch's matmul form (p = 2, its default
    above 25 rows) sqrt(|x|^2 + |y|^2 - 2 x.y) loses every digit for points far from the
    origin (float32 rows near 1000 a 1e-3 apart: off by up to 800 times the distance), the
    differences keep them (a block of rows at a time, ops.BlockedCdist, where all of them
    would be large); gradient 0 at a distance of 0, as PyTorch's."""
    if not (isinstance(compute_mode, str) and compute_mode in _CDIST_MODES):
        raise ValueError(f"cdist: {compute_mode!r} is not a valid value for compute_mode "
                         f"(one of {', '.join(_CDIST_MODES)}; each computes the differences)")
    a, b = as_tensors([x1, x2])
    _floating("cdist", a, b)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist: x1 (..., P, M) and x2 (..., R, M) with one M, got shapes "
                         f"{a.shape} and {b.shape}")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or not p >= 0:  # (torch's refusal: a negative p gave a number)
        raise ValueError(f"cdist: p must be a number >= 0, got {p!r}")
    try:  # (the subtraction's message named Sub and the unsqueezed shapes, not cdist)
        lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"cdist: the batch dims {a.shape[:-2]} of x1 {a.shape} and "
                         f"{b.shape[:-2]} of x2 {b.shape} do not broadcast") from None
    (n, m), r = a.shape[-2:], b.shape[-2]
    if _blocked(a, b) and math.prod(lead) * n * r * m > distance.BLOCK_ENTRIES:
        # (the differences a block at a time: all of them took n r m entries, 5.9 GB at the
        # peak for (2000, 64) and (2000, 64) in float64; a mixed pair cast first, as NumPy's
        # subtraction casts it: float32 data against float64 centroids held them all)
        if a.dtype != b.dtype:
            a, b = (t.to(np.result_type(a.dtype, b.dtype)) for t in (a, b))
        check_alloc(lambda: f"cdist of {a.shape} and {b.shape}", (*lead, n, r), a.dtype,
                    what="the distances")
        return BlockedCdist.apply(a.broadcast_to((*lead, n, m)), b.broadcast_to((*lead, r, m)),
                                  p=float(p))
    check_alloc(lambda: f"cdist of {a.shape} and {b.shape}", (*lead, a.shape[-2], b.shape[-2],
                a.shape[-1]), np.result_type(a.data, b.data), what="the differences")
    diff = a.unsqueeze(-2) - b.unsqueeze(-3)
    return VectorNorm.apply(diff, ord=_distance_ord(p, a.shape[-1]), axis=-1, keepdims=False)


@torch_keywords(input="x", other="y")
def dist(x: Any, y: Any, p: float = 2.0) -> Tensor:
    """torch.dist: the p-norm of x - y over all entries (broadcast together)."""
    a, b = as_tensors([x, y])
    return VectorNorm.apply(a - b, ord=float(p), axis=None, keepdims=False)



def pdist(input: Any, p: float = 2.0) -> Tensor:
    """torch's F.pdist: the p-norm distance between every pair of rows i < j of input (N, M),
    in row-major order of the pairs (N (N - 1) / 2 of them): the rows gathered by
    index_select and one vector norm of their differences, so the gradient is those ops'
    (0 at a distance of 0, as PyTorch's); a run of rows' pairs at a time (ops.BlockedPdist)
    where all of them would be large."""
    x = as_tensor_of(input)
    _floating("pdist", x)
    if x.ndim != 2:
        raise ValueError(f"pdist: expected input (N, M), got shape {tuple(x.shape)}")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or not p >= 0:
        raise ValueError(f"pdist: p must be a number >= 0, got {p!r}")
    n, m = x.shape
    if _blocked(x, x) and n * (n - 1) // 2 * m > distance.BLOCK_ENTRIES:
        # (the pairs' differences a run of rows at a time, as cdist's)
        check_alloc(lambda: f"pdist of {(n, m)}", (n * (n - 1) // 2,), x.dtype,
                    what="the distances")
        return BlockedPdist.apply(x, p=float(p))
    # (the pairs' differences and indices, and NumPy's n x n mask)
    check_count("pdist", n * (n - 1) // 2 * (m * x.data.itemsize + 16) + n * n, 1,
                lambda: f"the {n * (n - 1) // 2} pairs of rows of {(n, m)}",
                "use fewer rows, or compute the distances in blocks (cdist)")
    i, j = np.triu_indices(x.shape[0], 1)  # (from the shape only: a jitted step replays)
    diff = x.index_select(0, literal(i)) - x.index_select(0, literal(j))
    return VectorNorm.apply(diff, ord=_distance_ord(p, x.shape[1]), axis=-1, keepdims=False)


def _floating(op: str, *ts: Tensor) -> None:
    """cdist's and pdist's inputs: integers and bools refused, as torch's ("only supports
    floating-point dtypes"); they held all n r m differences, outside the blocked ops."""
    for t in ts:
        if t.dtype.kind in "biu":
            raise TypeError(f"{op} only supports floating-point (and complex) dtypes, got "
                            f"{t.dtype} of shape {t.shape}: cast it first (x.double())")


def _blocked(a: Tensor, b: Tensor) -> bool:
    """May cdist / pdist take the blocked ops (ops.distance)? For float dtypes (a mixed pair
    cast to its promotion first; complex keeps the one subtraction's arithmetic) and rows
    of m > 0 entries (m = 0: the 0-norm, below)."""
    floats = (np.float16, np.float32, np.float64)
    return a.dtype in floats and b.dtype in floats and a.shape[-1] > 0


def _distance_ord(p: Any, m: int) -> float:
    """cdist's and pdist's p (>= 0) for rows of m entries: with m = 0 every distance is 0, as
    torch's (p = inf too, whose max over no entries vector_norm refuses), so the 0-norm."""
    return float(p) if m else 0.0


def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Tensor:
    """torch's F.bilinear: y_o = x1^T W_o x2 + b_o for x1 (..., in1), x2 (..., in2) with the
    same leading shape, weight (out, in1, in2), bias (out,): one einsum (and an add)."""
    ts = as_tensors([input1, input2, weight] + ([] if bias is None else [bias]))
    a, b, w = ts[:3]
    if (w.ndim != 3 or a.ndim < 1 or b.ndim < 1 or a.shape[:-1] != b.shape[:-1]
            or a.shape[-1] != w.shape[1] or b.shape[-1] != w.shape[2]):
        raise ValueError(f"bilinear: expected input1 (..., in1), input2 (..., in2) with one "
                         f"leading shape and weight (out, in1, in2), got {tuple(a.shape)}, "
                         f"{tuple(b.shape)} and {tuple(w.shape)}")
    y = einsum("...i,oij,...j->...o", a, w, b)
    if bias is None:
        return y
    if tuple(ts[3].shape) != (w.shape[0],):
        raise ValueError(f"bilinear: bias must have shape ({w.shape[0]},) for weight "
                         f"{tuple(w.shape)}, got {tuple(ts[3].shape)}")
    return y + ts[3]


def matrix_chain(who: str, ts: list[Tensor], shown: list[Any], error: type[Exception],
                 hint: str = "") -> Tensor:
    """ts[0] @ ts[1] @ ..., each a 2-D tensor (torch.linalg.multi_dot's and
    torch.chain_matmul's product; `shown`: what the caller was given, for the message), in
    torch's order: the cheapest parenthesization (fewest multiplications; a tie: the first
    split), so the round-off, the speed and any NaN met (0 * NaN) are torch's. Left to right
    ran (1000, 1000) @ (1000, 1000) @ (1000, 1) as 10^9 products, not 2 10^6."""
    for i, t in enumerate(ts):
        if t.ndim != 2:
            raise error(f"{who}: tensor {i} must be 2-D{hint}, got shape "
                        f"{tuple(shown[i].shape)}")
    for a, b in zip(ts, ts[1:]):
        if a.shape[1] != b.shape[0]:
            raise error(f"{who}: shapes {a.shape} and {b.shape} cannot be multiplied")
    n = len(ts)
    if n < 3:
        return ts[0] if n == 1 else ts[0] @ ts[1]
    p = [t.shape[0] for t in ts] + [ts[-1].shape[1]]
    if n == 3:  # (torch's own rule for three: (AB)C unless A(BC) is strictly cheaper)
        cheaper = p[1] * p[3] * (p[0] + p[2]) < p[0] * p[2] * (p[1] + p[3])
        return ts[0] @ (ts[1] @ ts[2]) if cheaper else (ts[0] @ ts[1]) @ ts[2]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for span in range(1, n):  # (the textbook dynamic program, torch's matrix_chain_order)
        for i in range(n - span):
            j = i + span
            cost[i][j], split[i][j] = min((cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] *
                                           p[j + 1], k) for k in range(i, j))

    def product(i: int, j: int) -> Tensor:
        return ts[i] if i == j else product(i, split[i][j]) @ product(split[i][j] + 1, j)
    return product(0, n - 1)


def chain_matmul(*matrices: Any) -> Tensor:
    """torch.chain_matmul (deprecated for linalg.multi_dot): the product of 2-D tensors, left
    to right; one matrix is itself."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    ts = [as_tensor_of(m) for m in matrices]
    out = matrix_chain("chain_matmul", ts, ts, RuntimeError)
    return out if len(ts) > 1 else out * 1
