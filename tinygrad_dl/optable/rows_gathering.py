"""Op-table rows of sorting, gathering and writing by index (tinygrad_dl/tensor/writes.py,
gathering.py, functional/counting.py): topk, sort, argsort, gather, scatter, index_add (CORE);
the out-of-place writes (index_fill, index_copy, select_scatter, slice_scatter,
diagonal_scatter, masked_scatter, index_put, put, scatter_reduce, index_reduce), msort and
unravel_index."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .. import ops
from ..functional.counting import unravel_index
from ..tensor.gathering import take_along_axis
from .refs import case, index_add_ref, scatter_ref
from .spec import DISTINCT, SORT, Cases, Drawn, OpInfo, Reduction

# (index_reduce's row carries its group's second spelling; the docs page shows both)
SORT_INDEXING = "Sorting and indexing"


def _put_ref(a: np.ndarray, dim: int, idx: Any, src: Any) -> np.ndarray:
    out = np.array(a, copy=True)
    out[(slice(None),) * (dim % a.ndim) + (idx,)] = src
    return out


def _diag_ref(a: np.ndarray, s: np.ndarray, offset: int = 0, dim1: int = 0, dim2: int = 1
              ) -> np.ndarray:
    out = np.moveaxis(np.array(a, copy=True), (dim1, dim2), (-2, -1))
    n1, n2 = out.shape[-2:]
    r = np.arange(max(0, -offset), min(n1, n2 - offset))
    out[..., r, r + offset] = s
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


def _masked_scatter_ref(a: np.ndarray, s: np.ndarray, mask: Any = ()) -> np.ndarray:
    m = np.broadcast_to(np.asarray(mask, bool), a.shape)
    out = np.array(a, copy=True)
    out[m] = s.reshape(-1)[:int(m.sum())]
    return out


def _index_put_ref(a: np.ndarray, v: np.ndarray, rows: Any = (), cols: Any = (),
                   accumulate: bool = False) -> np.ndarray:
    out = np.array(a, copy=True)
    if accumulate:
        np.add.at(out, (list(rows), list(cols)), v)
    else:
        out[list(rows), list(cols)] = v
    return out


def _put_flat_ref(a: np.ndarray, s: np.ndarray, index: Any = (), accumulate: bool = False
                  ) -> np.ndarray:
    out = np.array(a, copy=True).reshape(-1)
    idx = np.reshape(index, -1)
    if accumulate:
        np.add.at(out, idx, s.reshape(-1))
    else:
        out[idx] = s.reshape(-1)
    return out.reshape(a.shape)


_SR = [[0, 1, 0, 2], [2, 2, 0, 1]]


def _scatter_reduce_ref(a: np.ndarray, s: np.ndarray, dim: int = 0, index: Any = (),
                        reduce: str = "sum", include_self: bool = True) -> np.ndarray:
    """Each position's group (x's own unless include_self=False, and the src entries sent
    there) reduced, loop by loop."""
    idx, out = np.asarray(index), np.array(a, copy=True)
    groups: dict[tuple[int, ...], list[float]] = {}
    for p in np.ndindex(*idx.shape):
        q = list(p)
        q[dim] = int(idx[p])
        groups.setdefault(tuple(q), [a[tuple(q)]] if include_self else []).append(s[p])
    fn = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}
    for q, vals in groups.items():
        out[q] = fn[reduce](vals)
    return out


def _index_reduce_ref(a: np.ndarray, s: np.ndarray, dim: int, index: Any, reduce: str,
                      include_self: bool = True) -> np.ndarray:
    out = np.moveaxis(a.copy(), dim, 0)
    src = np.moveaxis(s, dim, 0)
    for i in set(int(k) for k in index):
        got = [src[j] for j, k in enumerate(index) if k == i]
        vals = ([out[i]] if include_self else []) + got
        fn = {"prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
        out[i] = fn(np.stack(vals), axis=0)
    return np.moveaxis(out, 0, dim)


_MASK = np.array([[True, False, True, True], [False, False, True, False]])

# (the topic's first rows, before ROWS on the ops page: table.py keeps the table's order)
CORE: tuple[OpInfo, ...] = (
    # ---- sorting and gathering ----------------------------------------------------------------
    OpInfo("topk", "take_along_axis of the stable argsort", "PyTorch's topk: the k largest "
           "(largest=False: smallest) along dim, with their indices", SORT, methods=("topk",),
           torch=("topk",),
           call=lambda t, k=1, dim=-1, largest=True: t.topk(k, dim, largest).values,
           ref=lambda a, k=1, dim=-1, largest=True: np.take(
               np.sort(a, axis=dim) if not largest else np.flip(np.sort(a, axis=dim), dim),
               np.arange(k), axis=dim),
           sample=Cases((case((3, 5), domain=DISTINCT, k=2, dim=1),
                         case((4, 2), domain=DISTINCT, k=3, dim=0, largest=False),
                         case((6,), domain=DISTINCT, k=6))),
           grad="to where each value came from"),
    OpInfo("sort", "take_along_axis of the stable argsort", "sorted along axis (None: "
           "flattened)", SORT, methods=("sort",), numpy=("sort",), torch=("sort",),
           function=F.sort, ref=np.sort,
           sample=Reduction(DISTINCT, tuple_axes=False, keepdims=False),
           grad="through the permutation: each value's gradient goes back to its place",
           differs="x.sort() and sort(x, dim=) give PyTorch's (values, indices), descending= "
           "too; sort(x, axis) is NumPy's values"),
    OpInfo("argsort", "NumPy's stable argsort (no graph)", "the order that sorts along axis",
           SORT, methods=("argsort",), numpy=("argsort",), torch=("argsort",), ref=lambda a,
           axis=-1: np.argsort(a, axis, kind="stable"),
           sample=Reduction(DISTINCT, tuple_axes=False, keepdims=False),
           no_grad="int64 indices", float32=False),
    OpInfo("take_along_axis", ops.TakeAlongAxis, "values picked along an axis by an index "
           "array", SORT, methods=("take_along_dim",), numpy=("take_along_axis",),
           torch=("take_along_dim",), ref=np.take_along_axis, sample=Drawn("take_along_axis"),
           grad="scattered back; duplicates add up", numpy_function=take_along_axis,
           differs="without an axis, NumPy's name takes along the last axis (NumPy 2.3's "
           "default) and PyTorch's flattens (dim=None)"),
    OpInfo("gather", "take_along_axis of a corner of x", "torch.gather(x, dim, index)", SORT,
           methods=("gather",), torch=("gather",), sample=Drawn("gather"),
           ref=lambda a, dim=0, index=None: np.take_along_axis(
               a[tuple(slice(None) if d == dim else slice(0, n)
                       for d, n in enumerate(index.shape))], index, dim),
           grad="scattered back; duplicates add up"),
    OpInfo("scatter_add", ops.Scatter, "torch's scatter_add (out of place): src added into a "
           "copy of x at the positions index names along dim", SORT, methods=("scatter_add",),
           torch=("scatter_add",),
           call=lambda t, s, dim=0, index=(): t.scatter_add(dim, np.array(index), s),
           ref=scatter_ref,
           sample=Cases((case((3, 4), (2, 4), dim=0, index=((0, 1, 2, 0), (2, 2, 1, 0))),
                         case((2, 3), (2, 5), dim=1, index=((0, 0), (2, 1))),
                         case((4,), (3,), index=(3, 3, 3)))),
           grad="to x: g; to src: g read at the index (the rest of src: 0); duplicates add up"),
    OpInfo("scatter", ops.Scatter, "torch's scatter (out of place, no reduce): src written "
           "into a copy of x at the positions index names along dim", SORT,
           methods=("scatter",), torch=("scatter",),
           call=lambda t, s, dim=0, index=(): t.scatter(dim, np.array(index), s),
           ref=lambda a, s, dim=0, index=(): scatter_ref(a, s, dim, index, add=False),
           sample=Cases((case((3, 4), (2, 4), dim=0, index=((0, 1, 2, 0), (2, 0, 1, 1))),
                         case((2, 3), (2, 5), dim=1, index=((2, 0), (1,  2))),
                         case((4,), (2,), index=(3, 0)))),
           grad="to x: g, 0 at the written positions; to src: g read at the index",
           differs="an index that names a position twice raises (torch: which write wins is "
           "undefined)"),
    OpInfo("index_add", "scatter_add of the index spread over source", "torch's index_add "
           "(out of place): alpha * source added into the slices of x a 1-D index names "
           "along dim", SORT, methods=("index_add",), torch=("index_add",),
           call=lambda t, s, dim=0, index=(), alpha=1.0: t.index_add(dim, np.array(index), s,
                                                                    alpha=alpha),
           ref=index_add_ref,
           sample=Cases((case((3, 4), (3, 2), dim=1, index=(3, 0)),
                         case((3, 2), (4, 2), dim=0, index=(0, 2, 0, 1), alpha=-1.5),
                         case((5,), (2,), index=(4, 4)))),
           grad="to x: g; to source: alpha * g at the index; repeated indices add up"),
)


ROWS: tuple[OpInfo, ...] = (
    # ---- writes, out of place (where() of the written slices and the source) --------------------
    OpInfo("index_fill", "where", "torch's index_fill: a value in the slices an index names "
           "along dim (negative indices count from the end)", SORT, methods=("index_fill",),
           torch=("index_fill",),
           call=lambda t, dim=0, index=(), value=0.0: t.index_fill(dim, np.array(index), value),
           ref=lambda a, dim=0, index=(), value=0.0: _put_ref(a, dim, list(index), value),
           sample=Cases((case((3, 4), dim=1, index=(-1, 0), value=2.5),
                         case((3,), index=(1, 1), value=-1.0))),
           grad="to x: g outside the filled slices; to a 0-d tensor value: their sum"),
    OpInfo("index_copy", "where and getitem", "torch's index_copy: source's slices written "
           "into those a distinct index names along dim", SORT, methods=("index_copy",),
           torch=("index_copy",),
           call=lambda t, s, dim=0, index=(): t.index_copy(dim, np.array(index), s),
           ref=lambda a, s, dim=0, index=(): _put_ref(a, dim, list(index), s),
           sample=Cases((case((3, 4), (3, 2), dim=1, index=(3, 0)),
                         case((4,), (1,), index=(2,)))),
           grad="to x: g outside the written slices; to source: g read back there"),
    OpInfo("select_scatter", "where and getitem", "torch.select_scatter: x with "
           "x.select(dim, index) replaced by src", SORT, methods=("select_scatter",),
           torch=("select_scatter",), call=lambda t, s, **kw: t.select_scatter(s, **kw),
           ref=lambda a, s, dim=0, index=0: _put_ref(a, dim, index, s),
           sample=Cases((case((3, 4), (3,), dim=1, index=-1), case((2, 3), (3,), dim=0,
                                                                      index=1)))),
    OpInfo("slice_scatter", "where and getitem", "torch.slice_scatter: x with "
           "x[start:end:step] along dim replaced by src", SORT, methods=("slice_scatter",),
           torch=("slice_scatter",), call=lambda t, s, **kw: t.slice_scatter(s, **kw),
           ref=lambda a, s, dim=0, start=None, end=None, step=1: _put_ref(
               a, dim, slice(start, end, step), s),
           sample=Cases((case((3, 5), (3, 2), dim=1, start=1, step=2),
                         case((4,), (2,), start=-3, end=-1)))),
    OpInfo("diagonal_scatter", "where and getitem", "torch.diagonal_scatter: x with "
           "x.diagonal(offset, dim1, dim2) replaced by src", SORT,
           methods=("diagonal_scatter",), torch=("diagonal_scatter",),
           call=lambda t, s, **kw: t.diagonal_scatter(s, **kw), ref=_diag_ref,
           sample=Cases((case((3, 4), (3,), offset=1), case((2, 3, 3), (3, 2), offset=-1,
                                                            dim1=2, dim2=0)))),
    OpInfo("masked_scatter", "where and getitem", "torch's masked_scatter: source's values in "
           "order where the bool mask is True", SORT, methods=("masked_scatter",),
           torch=("masked_scatter",),
           call=lambda t, s, mask=(): t.masked_scatter(np.array(mask, bool), s),
           ref=_masked_scatter_ref,
           sample=Cases((case((2, 4), (9,), mask=_MASK.tolist()),
                         case((2, 4), (4,), mask=[True, False, False, True])))),
    OpInfo("index_put", "index_copy or index_add, flattened", "torch's index_put: x with "
           "x[indices] = values (broadcast), or += with accumulate=True", SORT,
           methods=("index_put",), torch=("index_put",),
           call=lambda t, v, rows=(), cols=(), accumulate=False: t.index_put(
               (np.array(rows), np.array(cols)), v, accumulate),
           ref=_index_put_ref,
           sample=Cases((case((3, 4), (2,), rows=(0, 2), cols=(1, -1)),
                         case((3, 4), (3,), rows=(1, 1, 0), cols=(2, 2, 0), accumulate=True))),
           grad="to x: g outside the written places (all of g with accumulate); to values: g "
           "read back there, summed over the broadcast"),
    OpInfo("put", "index_put of the flattened tensor", "torch's put: source's values at "
           "the flat positions index names (accumulate=True: added)", SORT, methods=("put",),
           call=lambda t, s, index=(), accumulate=False: t.put(np.array(index), s, accumulate),
           ref=_put_flat_ref,
           sample=Cases((case((3, 4), (2,), index=(0, -1)),
                         case((2, 3), (2, 2), index=((1, 1), (5, 0)), accumulate=True)))),
    OpInfo("scatter_reduce", ops.ScatterReduce, "torch's scatter_reduce: the positions index "
           "names along dim reduced (sum, prod, mean, amax, amin) with the src entries sent "
           "there, and x's own unless include_self=False", SORT, methods=("scatter_reduce",),
           torch=("scatter_reduce",),
           call=lambda t, s, dim=0, index=(), **kw: t.scatter_reduce(dim, np.array(index), s,
                                                                     **kw),
           ref=_scatter_reduce_ref,
           sample=Cases(tuple(case((3, 4), (2, 4), dim=0, index=_SR, reduce=r, include_self=i,
                                   domain=DISTINCT)
                              for r in ("sum", "prod", "mean", "amax", "amin")
                              for i in (True, False))),
           grad="torch's: prod's exact at zeros; amax/amin share g among the entries equal "
           "to the result", differs="amax/amin ties: g shared by the entries reduced only "
           "(torch 2.13 also counts x's own value where include_self=False)"),
    OpInfo("msort", "sort", "torch.msort: sorted along dim 0", SORT, methods=("msort",),
           torch=("msort",), ref=lambda a: np.sort(a, axis=0),
           sample=Cases((case((4,), domain=DISTINCT), case((3, 2), domain=DISTINCT))),
           grad="through the permutation, as sort's"),
    OpInfo("unravel_index", "NumPy's unravel_index (no graph)", "torch.unravel_index: the "
           "coordinates of flat indices in shape (int64 tensors)", SORT,
           torch=("unravel_index",), function=unravel_index, sample=None,
           no_grad="a constant: integer coordinates", float32=False,
           differs="indices outside [0, numel) are refused (torch wraps them around)"),
    OpInfo("index_reduce", ops.ScatterReduce, "torch's index_reduce(dim, index, source, "
           "reduce, include_self=True): x's slices at index reduced with source's (prod, "
           "mean, amax, amin)", SORT_INDEXING, methods=("index_reduce",), torch=("index_reduce",),
           call=lambda x, s, dim, index, **kw: x.index_reduce(dim, index, s, **kw),
           ref=lambda a, s, dim, index, reduce, include_self=True: _index_reduce_ref(
               a, s, dim, index, reduce, include_self),
           sample=Cases((case((3, 2), (4, 2), domain=DISTINCT, dim=0, index=[0, 2, 0, 2],
                              reduce="amax"),
                         case((2, 3), (2, 2), domain=DISTINCT, dim=1, index=[1, 1],
                              reduce="mean", include_self=False),
                         case((3,), (3,), domain=DISTINCT, dim=0, index=[2, 0, 2],
                              reduce="prod"),
                         case((2, 3), (2, 2), domain=DISTINCT, dim=-1, index=[0, 2],
                              reduce="amin")))),
)
