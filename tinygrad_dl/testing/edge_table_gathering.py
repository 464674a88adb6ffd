"""Edge rows of indexed reads and writes: masked_select, take_along_axis, gather, scatter /
scatter_add, index_add; index_fill / index_copy / the *_scatter writes / masked_scatter,
index_put, put, scatter_reduce and their in-place forms, unravel_index, index_reduce, fill,
constant_pad_nd, take. `T` in a `torch=` lambda is the torch module; where a row has no
`numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

import re

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from .edge_table import E2, INF, NAN, E, rows
from .edge_table import a64 as _a
from .edge_table import inplace_call as _inplace
from .edge_table import joined as _joined

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])
X234 = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.0


Q23 = np.arange(6.0).reshape(2, 3) / 4  # 0, 0.25, ..., 1.25 (X23 here is shifted by -0.3)
_I0 = np.zeros(0, dtype=np.int64)

rows("masked_select", lambda x: x.masked_select(np.array([True, False, True])), {
    "one of three!": (_a(0.5, 1.5, 2.5),), "inf and nan": (_a(INF, 1.0, NAN),)},
     numpy=lambda x: x[np.array([True, False, True])],
     torch=lambda T, x: x.masked_select(T.tensor([True, False, True])))
rows("masked_select", lambda x: x.masked_select(np.array([1, 0, 1])),
     {"an integer mask": (_a(0.5, 1.5, 2.5),)}, raises="masked_select")


_IDX = {"duplicate indices!": (_a(0.5, 1.5, 2.5), np.array([0, 0, 2])),
        "empty index": (_a(0.5, 1.5), np.zeros(0, dtype=np.int64)),
        "negative index!": (_a(0.5, 1.5), np.array([-1]))}
rows("take_along_axis", lambda x, i: tg.take_along_axis(x, i, 0), _IDX,
     numpy=lambda x, i: np.take_along_axis(x, i, 0),
     torch=lambda T, x, i: T.take_along_dim(x, i % x.shape[0], 0))
rows("gather", lambda x, i: x.gather(1, i), {
    "duplicate indices!": (Q23, np.array([[0, 0], [2, 1]])),
    "empty index": (Q23, np.zeros((2, 0), dtype=np.int64))},
    numpy=lambda x, i: np.take_along_axis(x[:i.shape[0]], i, 1),
    torch=lambda T, x, i: x.gather(1, i))


rows("take_along_axis", lambda x, i: tg.take_along_axis(x, i, 1), {
    "input broadcast against the index!": (np.array([[0.5, 1.5, 2.5]]),
                                           np.array([[0, 1], [2, 1]]))},
     numpy=lambda x, i: np.take_along_axis(x, i, 1), grad=(np.array([[1.0, 2.0, 1.0]]), None))


_SC_X = np.array([[0.5, 1.5, -2.0], [1.0, -0.5, 2.5]])
_SC_S = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
_SPECIAL = (np.array([[INF, 1.0, NAN]]), np.array([[NAN, -INF, 2.0]]))
for _op in ("scatter_add", "scatter"):
    _add = _op == "scatter_add"

    def _np_scatter(x: np.ndarray, s: np.ndarray, i: np.ndarray, add: bool = _add) -> np.ndarray:
        out = x.copy()
        for p in np.ndindex(i.shape):
            q = (int(i[p]), p[1])
            out[q] = (out[q] if add else 0.0) + s[p]
        return out

    rows(_op, lambda x, s, i, m=_op: getattr(x, m)(0, i, s), {
        "empty index": (_SC_X, np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64)),
        "one element!": (_a(0.5).reshape(1, 1), _a(2.0).reshape(1, 1), np.array([[0]])),
        "inf and nan": (*_SPECIAL, np.array([[0, 0, 0]])),
        **({"duplicate indices add up!": (_SC_X, _SC_S, np.array([[1, 1, 0], [1, 0, 0]]))} if _add
           else {"distinct indices!": (_SC_X, _SC_S, np.array([[1, 0, 0], [0, 1, 1]]))})},
        numpy=_np_scatter, torch=lambda T, x, s, i, m=_op: getattr(x, m)(0, i, s))
    rows(_op, lambda x, s, i, m=_op: getattr(x, m)(0, i, s), {
        "index out of range": (_SC_X, _SC_S, np.array([[2, 0, 0]])),
        "negative index": (_SC_X, _SC_S, np.array([[-1, 0, 0]]))}, raises="out of bounds for dim 0")
rows("scatter", lambda x, s, i: x.scatter(0, i, s), {
    "a position written twice": (_SC_X, _SC_S, np.array([[1, 0, 0], [1, 1, 0]]))},
    raises="names one position twice")

rows("index_add", lambda x, s, i: x.index_add(1, i, s), {
    "empty index": (_SC_X, np.zeros((2, 0)), _I0),
    "one element!": (_a(0.5).reshape(1, 1), _a(2.0).reshape(1, 1), np.array([0])),
    "inf and nan": (np.array([[INF, 1.0, NAN]]), np.array([[NAN, -INF]]), np.array([2, 0])),
    "duplicate indices add up!": (_SC_X, _SC_S, np.array([2, 2, 0]))},
    numpy=lambda x, s, i: index_add_np(x, s, i),
    torch=lambda T, x, s, i: x.index_add(1, i, s))
rows("index_add", lambda x, s, i: x.index_add(1, i, s), {
    "index out of range": (_SC_X, _SC_S, np.array([0, 1, 3]))}, raises="out of bounds for dim 1")


def index_add_np(x: np.ndarray, s: np.ndarray, i: np.ndarray) -> np.ndarray:
    out = x.reshape(1, -1).copy() if x.ndim < 2 else x.copy()
    np.add.at(out, (slice(None), i), s.reshape(out.shape[0], -1))
    return out.reshape(x.shape)


# ---- writes, out of place --------------------------------------------------------------------
_I = np.array([2, 0])
rows("index_fill", lambda x: x.index_fill(1, np.array([-1, 0, 0]), NAN), {
    "nan, negative and repeated indices": (X34,)},
     torch=lambda T, x: x.index_fill(1, T.tensor([-1, 0, 0]), NAN))
rows("index_fill", lambda x, v: x.index_fill(0, _I, v), {"a 0-d tensor value": (
    X34, np.float64(2.5))}, torch=lambda T, x, v: x.index_fill(0, T.tensor(_I), v))
rows("index_fill", lambda x: x.index_fill(0, np.array([], np.int64), 1.0), {"empty index": (X23,)},
     torch=lambda T, x: x.index_fill(0, T.tensor([], dtype=T.long), 1.0))
rows("index_fill", lambda x: x.index_fill(0, np.array([3]), 1.0), {"index out of range": (X34,)},
     raises="index_fill: index 3 is out of bounds for a dim of length 3")
rows("index_copy", lambda x, s: x.index_copy(0, _I, s), {"rows": (X34, X34[:2] * 10)},
     torch=lambda T, x, s: x.index_copy(0, T.tensor(_I), s))
rows("index_copy", lambda x, s: x.index_copy(0, np.array([0]), s), {"0-d": (
    np.float64(1.0), _a(5.0))}, torch=lambda T, x, s: x.index_copy(0, T.tensor([0]), s))
rows("index_copy", lambda x, s: x.index_copy(0, np.array([1, 1]), s), {"repeated index": (
    X34, X34[:2])}, raises="index_copy: the index \\[1, 1\\] names a slice twice")
rows("index_copy", lambda x, s: x.index_copy(0, np.array([-1]), s), {"negative index": (
    X34, X34[:1])}, raises="index_copy: index -1 is out of bounds")
rows("index_copy", lambda x, s: x.index_copy(0, _I, s), {"source of another shape": (
    X34, X23)}, raises="index_copy: source of shape \\(2, 3\\) does not fit")
rows("select_scatter", lambda x, s: x.select_scatter(s, 1, -1), {"last column!": (
    X34, _a(7, 8, 9))},
     torch=lambda T, x, s: x.select_scatter(s, 1, -1))
rows("select_scatter", lambda x, s: x.select_scatter(s, 0, 3), {"index out of range": (
    X34, _a(1, 2, 3, 4))}, raises="select_scatter: index 3 is out of range for dim 0")
rows("select_scatter", lambda x, s: x.select_scatter(s, 0, 0), {"src of another shape": (
    X34, _a(1, 2, 3))}, raises="select_scatter: src of shape \\(3,\\) is not the selected")
rows("slice_scatter", lambda x, s: x.slice_scatter(s, 1, 1, None, 2), {"every other!": (
    X34, X34[:, :2] + 5)}, torch=lambda T, x, s: x.slice_scatter(s, 1, 1, None, 2))
rows("slice_scatter", lambda x, s: x.slice_scatter(s, 0, 5, 9), {"an empty slice": (
    X34, np.zeros((0, 4)))}, torch=lambda T, x, s: x.slice_scatter(s, 0, 5, 9))
rows("slice_scatter", lambda x, s: x.slice_scatter(s, 0, 0, 2, 0), {"step 0": (X34, X34[:2])},
     raises="slice_scatter: step must be positive")
rows("diagonal_scatter", lambda x, s: x.diagonal_scatter(s, 1), {"offset 1!": (
    X34, _a(7, 8, 9))}, torch=lambda T, x, s: x.diagonal_scatter(s, 1))
rows("diagonal_scatter", lambda x, s: x.diagonal_scatter(s, -1, 2, 0), {"batched!": (
    X234, np.ones((3, 2)))}, torch=lambda T, x, s: x.diagonal_scatter(s, -1, 2, 0))
rows("diagonal_scatter", lambda x, s: x.diagonal_scatter(s, 5), {"offset past the matrix": (
    X34, E)}, torch=lambda T, x, s: x.diagonal_scatter(s, 5))
rows("diagonal_scatter", lambda x, s: x.diagonal_scatter(s), {"src of another shape": (
    X34, _a(1, 2))}, raises="diagonal_scatter: src of shape \\(2,\\) is not the diagonal's")
_M = np.array([[True, False, True, False], [False, False, False, True], [True] * 4])
rows("masked_scatter", lambda x, s: x.masked_scatter(_M, s), {"rows!": (X34, np.arange(9.0))},
     torch=lambda T, x, s: x.masked_scatter(T.tensor(_M), s))
rows("masked_scatter", lambda x, s: x.masked_scatter(_M[0], s), {"a broadcast mask": (
    X34, np.arange(6.0))}, torch=lambda T, x, s: x.masked_scatter(T.tensor(_M[0]), s))
rows("masked_scatter", lambda x, s: x.masked_scatter(np.zeros(4, bool), s), {
    "nothing masked, empty source": (X34, E)},
     torch=lambda T, x, s: x.masked_scatter(T.zeros(4, dtype=T.bool), s))
rows("masked_scatter", lambda x, s: x.masked_scatter(_M, s), {"source too short": (X34, _a(1))},
     raises="masked_scatter: the mask has 7 True entries, source only 1 values")
rows("masked_scatter", lambda x, s: x.masked_scatter(_M.astype(int), s), {"an int mask": (
    X34, X34)}, raises="masked_scatter: the mask must be bool")

# ---- index_put, scatter_reduce and the in-place writes -----------------------------------------
_R, _C = np.array([0, 2, 0]), np.array([1, -1, 1])
rows("index_put", lambda x, v: x.index_put((_R, _C), v, accumulate=True), {
    "accumulate: repeats add up!": (X34, _a(1.0, 2.0, 3.0))},
     torch=lambda T, x, v: x.index_put((T.tensor(_R), T.tensor(_C)), v, accumulate=True))
rows("index_put", lambda x, v: x.index_put((X34 > 1,), v), {"a bool mask, a 0-d value": (
    X34, np.float64(NAN))}, torch=lambda T, x, v: x.index_put((T.tensor(X34 > 1),), v))
rows("index_put", lambda x, v: x.index_put((np.array([1]),), v), {"a row, broadcast!": (
    X34, _a(1.0, 2.0, 3.0, 4.0))}, torch=lambda T, x, v: x.index_put((T.tensor([1]),), v))
rows("index_put", lambda x, v: x.index_put((_R, _C), v), {"a repeated place": (X34, _a(1, 2, 3))},
     raises="index_put: the indices name one position twice")
rows("index_put", lambda x, v: x.index_put((np.array([3]),), v), {"out of range": (
    X34, _a(1.0))}, raises="index_put: index 3 is out of bounds")
rows("index_put", lambda x, v: x.index_put((np.array([0]),), v), {"values too long": (
    X34, _a(1.0, 2.0))}, raises="index_put: values of shape \\(2,\\) do not broadcast")
rows("index_put", lambda x, v: x.index_put(np.array([0]), v), {"indices not a tuple": (
    X34, _a(1.0))}, raises="index_put: indices must be a tuple of index tensors")
rows("put", lambda x, s: x.put(np.array([[0, -1]]), s), {"a 2-D index, negative!": (
    X23, _a(9.0, 8.0))}, torch=lambda T, x, s: x.put(T.tensor([[0, -1]]), s))
rows("put", lambda x, s: x.put(np.array([1, 1]), s, accumulate=True), {"accumulate!": (
    X23, _a(1.0, 2.0))}, torch=lambda T, x, s: x.put(T.tensor([1, 1]), s, accumulate=True))
rows("put", lambda x, s: x.put(np.array(0), s), {"0-d": (np.float64(1.0), np.float64(5.0))},
     torch=lambda T, x, s: x.put(T.tensor(0), s))
rows("put", lambda x, s: x.put(np.array([6]), s), {"out of range": (X23, _a(1.0))},
     raises="^put: index 6 is out of bounds .*\\(a tensor of shape \\(2, 3\\), flattened\\)")
rows("put", lambda x, s: x.put(np.array([0, 1]), s), {"sizes differ": (X23, _a(1.0))},
     raises="put: index and source must have the same number of elements, got 2 and 1")
_SI = np.array([[0, 0, 1], [0, 0, 1]])
for _red in ("sum", "prod", "mean", "amax", "amin"):
    for _inc in (True, False) if _red not in ("amax", "amin") else (True,):  # (and below)
        rows("scatter_reduce", lambda x, s, r=_red, i=_inc: x.scatter_reduce(0, _SI, s, r, i), {
            f"{_red}, include_self={_inc}: ties, zeros!": (np.array([[0.0, 2.0, 3.0],
                                                                    [1.0, 0.0, 1.0]]),
                                                          np.array([[0.0, 5.0, 3.0],
                                                                    [2.0, 0.0, 1.0]]))},
             torch=lambda T, x, s, r=_red, i=_inc: x.scatter_reduce(0, T.tensor(_SI), s, r,
                                                                   include_self=i))
rows("scatter_reduce", lambda x, s: x.scatter_reduce(0, _SI, s, "amax", False), {
    "amax ties without x": (np.array([[3.0, 5.0, 1.0], [1.0, 0.0, 1.0]]),
                            np.array([[3.0, 5.0, 1.0], [2.0, 5.0, 1.0]]))},
     numpy=lambda x, s: np.array([[3.0, 5.0, 1.0], [1.0, 0.0, 1.0]]),
     grad=(np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]),
           np.array([[1.0, 0.5, 0.5], [0.0, 0.5, 0.5]])),
     note="g shared by the src entries reduced (torch 2.13 counts x's own too: 1/3, 1/2)")
rows("scatter_reduce", lambda x, s: x.scatter_reduce(0, _SI, s, "amax"), {"nan": (
    np.array([[NAN, 1.0, 1.0], [1.0, 1.0, 1.0]]), np.array([[1.0, NAN, 1.0], [1.0, 1.0, 1.0]]))},
     numpy=lambda x, s: np.array([[NAN, NAN, 1.0], [1.0, 1.0, 1.0]]),
     grad=(np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1 / 3]]),
           np.array([[0.0, 1.0, 1 / 3], [0.0, 0.0, 1 / 3]])),
     note="the NaNs share g (torch 2.13 gives NaN there)")
rows("scatter_reduce", lambda x, s: x.scatter_reduce(0, _SI, s, "max"), {"reduce max": (X23, X23)},
     raises="scatter_reduce: reduce must be one of sum, prod, mean, amax, amin")
rows("scatter_reduce", lambda x, s: x.scatter_reduce(0, _SI + 1, s, "sum"), {
    "index out of range": (X23, X23)}, raises="scatter_reduce: index 2 is out of bounds")
rows("scatter_reduce", lambda x, s: x.scatter_reduce(0, _SI, s, "mean"), {"int mean": (
    np.array([[1, 2, 3], [4, 5, 6]]), np.array([[1, 2, 3], [4, 5, 6]]))},
     raises="scatter_reduce: reduce='mean' on a int64 tensor is not supported")
for _name, _call, _np in (
        ("index_fill_", _inplace("index_fill_", 1, np.array([0]), -1.0),
         lambda x: np.where(np.arange(3) == 0, -1.0, x)),
        ("index_copy_", _inplace("index_copy_", 0, np.array([1]), Tensor(np.ones((1, 3)))),
         lambda x: np.where(np.arange(2)[:, None] == 1, 1.0, x)),
        ("masked_scatter_", _inplace("masked_scatter_", X23 > 0, Tensor(np.arange(6.0))),
         lambda x: np.where(X23 > 0, np.cumsum(X23 > 0).reshape(2, 3) - 1.0, x)),
        ("index_put_", _inplace("index_put_", (np.array([0, 0]),), Tensor(_a(1, 2, 3)), True),
         lambda x: x + np.array([[3.0], [0.0]]) * np.array([1, 2, 3]) / 3 * 2),
        ("scatter_reduce_", _inplace("scatter_reduce_", 0, _SI, Tensor(np.ones((2, 3))), "sum"),
         lambda x: x + np.array([[2.0, 2.0, 0.0], [0.0, 0.0, 2.0]])),
        ("put_", _inplace("put_", np.array([5]), Tensor(_a(7.0))),
         lambda x: np.where(np.arange(6).reshape(2, 3) == 5, 7.0, x))):
    rows(_name, _call, {"values": (X23.copy(),)}, numpy=_np, wrt=(), grad=(None,))
    rows(_name, _call, {"a leaf that requires grad": (X23.copy(),)}, wrt=(0,),
         raises=f"Tensor.{_name}.*a leaf Variable that requires grad")

rows("unravel_index", lambda i: _joined(tg.unravel_index(i, (2, 3))), {
    "a few": (np.array([4, 1, 0, 5]),), "0-d": (np.array(5),), "int32": (np.array([3], np.int32),),
    "repeats": (np.array([[2, 2], [0, 1]]),)},
     torch=lambda T, i: _joined(T.unravel_index(i, (2, 3))))
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 3))[0], {"empty": (np.zeros(0, np.int64),)},
     torch=lambda T, i: T.unravel_index(i, (2, 3))[0])
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 3)), {"past the end": (np.array([6]),)},
     raises=re.escape("unravel_index: index 6 is out of bounds for shape (2, 3) (6 entries)"))
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 3)), {"negative": (np.array([-1]),)},
     raises="unravel_index: index -1 is out of bounds")
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 3)), {"floats": (_a(1.0),)},
     raises="unravel_index: expected 'indices' to be integer dtype, but got float64")
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 3)), {"bool": (np.array([True]),)},
     raises="unravel_index: expected 'indices' to be integer dtype, but got bool")
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 0)), {"an empty shape": (np.array([0]),)},
     raises="unravel_index: index 0 is out of bounds for shape \\(2, 0\\)")

# ---- index_reduce ------------------------------------------------------------------------------
_IDX = np.array([0, 2, 0, 2])
_SRC = np.array([[1.0, -2.0], [3.0, 0.5], [1.0, 4.0], [-1.0, 0.5]])
for _red, _self in (("amax", True), ("amin", False), ("prod", True), ("mean", False),
                    ("mean", True), ("prod", False)):
    rows("index_reduce", lambda x, s, r=_red, i=_self: x.index_reduce(
        0, _IDX, s, r, include_self=i), {f"{_red}, include_self={_self}, ties": (
            np.array([[1.5, 1.2], [2.0, 2.0], [0.7, -3.0]]), _SRC)},
         torch=lambda T, x, s, r=_red, i=_self: x.index_reduce(0, T.tensor(_IDX), s, r,
                                                               include_self=i))
rows("index_reduce", lambda x, s: x.index_reduce(0, [0, 0], s, "amin", include_self=False),
     {"x ties with source, include_self=False": (_a(1.0), _a(1.0, 1.0))},
     grad=(_a(0.0), _a(0.5, 0.5)),
     note="torch 2.13 counts x's own tied value in the share even where include_self=False "
     "leaves it out (1/3 each here, the gradients adding up to 2/3); the sources' shares add "
     "up to 1 here, as scatter_reduce's")
rows("index_reduce", lambda x, s: tg.index_reduce(x, -1, [1, 2], s, "amax"), {
    "negative dim": (X23.copy(), np.array([[7.0, -1.0], [0.0, 9.0]]))},
     torch=lambda T, x, s: T.index_reduce(x, -1, T.tensor([1, 2]), s, "amax"))
rows("index_reduce", lambda x, s: tg.index_reduce(x, -1, [1, -1], s, "amax"), {
    "negative index": (X23.copy(), np.array([[7.0, -1.0], [0.0, 9.0]]))},
     raises="index_reduce: index -1 is out of range",
     note="torch refuses a negative index (index out of range in self); it wrapped here")
rows("index_reduce", lambda x, s: x.index_reduce(0, [0], s, "sum"), {"sum": (_a(1.0),
                                                                            _a(2.0))},
     raises="index_reduce: reduce must be one of prod, mean, amax, amin")
rows("index_reduce", lambda x, s: x.index_reduce(0, [3], s, "amax"), {"index past the end": (
    _a(1.0), _a(2.0))}, raises="index_reduce: index 3 is out of range")

# ---- fill, put, constant_pad_nd ----------------------------------------------------------------
rows("fill", lambda x: tg.fill(x, 2.5), {"float": (X23,), "empty": (E2,)},
     numpy=lambda a: np.full(a.shape, 2.5), grad=(None,))
rows("fill", lambda x: tg.fill(x, 2.7), {"int truncates": (np.array([1, 2]),)},
     numpy=lambda a: np.array([2, 2]))
rows("fill", lambda x: tg.fill(x, Tensor(_a(1.0, 2.0))), {"a 1-D value": (X23,)},
     raises="fill: only supports 0-dimension value tensor")
rows("constant_pad_nd", lambda x: tg.constant_pad_nd(x, (-1, 1, 1, 0), 5.0),
     {"crop and pad!": (X34,)}, torch=lambda T, x: T.constant_pad_nd(x, (-1, 1, 1, 0), 5.0))
rows("constant_pad_nd", lambda x: tg.constant_pad_nd(x, (2, 1)), {"last dim of 2-D": (X23,),
                                                                  "1-D": (_a(1.0, 2.0),)},
     torch=lambda T, x: T.constant_pad_nd(x, (2, 1)))
rows("constant_pad_nd", lambda x: tg.constant_pad_nd(x, (1,)), {"odd": (X23,)},
     raises="constant_pad_nd: the padding length 1 must be even")

# ---- take ------------------------------------------------------------------------------------
rows("take", lambda x: x.take(Tensor(np.array([[0, -1], [5, 5]]))), {"repeats add up!": (X34,)},
     numpy=lambda x: x.ravel()[[[0, -1], [5, 5]]],
     torch=lambda T, x: T.take(x, T.tensor([[0, -1], [5, 5]])))
rows("take", lambda x: tg.take(x, np.array([12])), {"out of range": (X34,)},
     raises="take: index 12 is out of bounds for the flattened input of size 12")
