"""Op-table rows of splitting and joining (tinygrad_dl/tensor/splits.py, functional/joins.py):
concatenate, stack, split, chunk, meshgrid, masked_select, index_select and the other core ones
(CORE); tensor_split, hsplit, vsplit, dsplit, split_with_sizes, row_stack and the unsafe_ splits
(unsafe_chunk, unsafe_split, unsafe_split_with_sizes). Each piece is a getitem view: its
gradient flows back."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .. import functional as F
from .. import ops
from ..functional.joins import row_stack
from .refs import block_diag_ref, case, joined, listed, ref_joined
from .spec import BIN, JOIN, REAL, Cases, Drawn, Elementwise, OpInfo

# (the unsafe_ splits' rows carry their group's second spelling; the docs page shows both)
JOINS = "Joins and splits"


def _method(name: str) -> Any:
    """A test call of a method that returns pieces: them weighted and joined."""
    return joined(lambda t, *a, **kw: getattr(t, name)(*a, **kw))


def _cut(shape: tuple[int, ...], at: Any) -> Any:
    return case(shape, indices_or_sections=at)


def _split_at(a: np.ndarray, sizes: list[int], dim: int) -> list[np.ndarray]:
    return np.split(a, np.cumsum(sizes)[:-1], axis=dim)



# (the topic's first rows, before ROWS on the ops page: table.py keeps the table's order)
CORE: tuple[OpInfo, ...] = (
    # ---- joining and splitting ----------------------------------------------------------------
    OpInfo("concatenate", ops.Concatenate, "tensors joined along an existing axis", JOIN,
           numpy=("concatenate", "concat"), torch=("cat", "concat", "concatenate"),
           function=F.concatenate, call=listed(F.concatenate),
           ref=lambda *a, axis=0: np.concatenate(a, axis=axis), sample=Drawn("concatenate")),
    OpInfo("stack", ops.Stack, "tensors joined along a new axis", JOIN, numpy=("stack",),
           torch=("stack",), function=F.stack, call=listed(F.stack),
           ref=lambda *a, axis=0: np.stack(a, axis=axis), sample=Drawn("stack")),
    OpInfo("vstack", "concatenate", "rows joined (1-D inputs become rows)", JOIN,
           numpy=("vstack",), torch=("vstack",), function=F.vstack, call=listed(F.vstack),
           ref=lambda *a: np.vstack(a), sample=Cases((case((2, 3), (3,)), case((1, 2), (3, 2))))),
    OpInfo("hstack", "concatenate", "columns joined (1-D inputs end to end)", JOIN,
           numpy=("hstack",), torch=("hstack",), function=F.hstack, call=listed(F.hstack),
           ref=lambda *a: np.hstack(a), sample=Cases((case((2, 3), (2, 1)), case((2,), (3,))))),
    OpInfo("column_stack", "concatenate", "columns joined (1-D inputs become columns)", JOIN,
           numpy=("column_stack",), torch=("column_stack",), function=F.column_stack,
           call=listed(F.column_stack), ref=lambda *a: np.column_stack(a),
           sample=Cases((case((3,), (3, 2)), case((2,), (2,))))),
    OpInfo("append", "concatenate", "values appended along axis (None: both flattened)", JOIN,
           numpy=("append",), function=F.append, tensors=2, ref=np.append,
           sample=Cases((case((2, 3), (4,)), case((2, 3), (1, 3), axis=0)))),
    OpInfo("split", "getitem", "pieces: n equal sections, or cut at indices", JOIN,
           numpy=("split",), torch=("split",), methods=("split",), function=F.split,
           call=joined(F.split), ref=ref_joined(np.split),
           differs="with dim=, and always as the method x.split(size, dim) (NumPy has none), "
           "PyTorch's: pieces of that size (or of the listed sizes)",
           sample=Cases((case((2, 4), indices_or_sections=2, axis=1),
                         case((2, 4), indices_or_sections=[1, -1], axis=1),
                         case((5, 2), indices_or_sections=[0, 9])))),
    OpInfo("broadcast_tensors", "broadcast_to", "the tensors broadcast to their common shape",
           JOIN, numpy=("broadcast_arrays",), torch=("broadcast_tensors",),
           function=F.broadcast_tensors, tensors=2, call=joined(F.broadcast_tensors),
           ref=ref_joined(np.broadcast_arrays), sample=Elementwise((REAL, REAL))),
    OpInfo("meshgrid", "reshape and broadcast_to", "coordinate grids of 1-D tensors", JOIN,
           numpy=("meshgrid",), torch=("meshgrid",), function=F.meshgrid, tensors=2,
           call=joined(F.meshgrid), ref=ref_joined(np.meshgrid),
           sample=Cases((case((3,), (4,), indexing="ij"), case((2,), (3,), indexing="xy"))),
           differs="indexing= must be given with two or more tensors: NumPy's default 'xy' and "
           "PyTorch's 'ij' give transposed grids"),
    OpInfo("chunk", "getitem", "torch's chunk: pieces of ceil(n / chunks) along dim (fewer "
           "where n is short)", JOIN, torch=("chunk",), methods=("chunk",),
           call=joined(lambda t, chunks=1, dim=0: t.chunk(chunks, dim)),
           ref=ref_joined(lambda a, chunks=1, dim=0: np.split(a, range(
               -(-a.shape[dim] // chunks), a.shape[dim], -(-a.shape[dim] // chunks)), axis=dim)),
           sample=Cases((case((2, 5), chunks=2, dim=1), case((6, 2), chunks=4),
                         case((3,), chunks=5)))),
    OpInfo("unbind", "getitem", "torch's unbind: the slices along dim, without that axis",
           JOIN, torch=("unbind",), methods=("unbind",),
           call=joined(lambda t, dim=0: t.unbind(dim)),
           ref=ref_joined(lambda a, dim=0: [np.take(a, i, axis=dim) for i in range(
               a.shape[dim])]),
           sample=Cases((case((2, 3), dim=1), case((3, 2, 2)), case((4,))))),
    OpInfo("masked_select", "getitem with a bool mask", "the entries where a bool mask is "
           "True, as a 1-D tensor (mask and x broadcast together)", JOIN,
           methods=("masked_select",), torch=("masked_select",),
           call=lambda t, mask=None: t.masked_select(mask),
           ref=lambda a, mask=None: np.broadcast_to(a, np.broadcast_shapes(a.shape, mask.shape))[
               np.broadcast_to(mask, np.broadcast_shapes(a.shape, mask.shape))],
           sample=Cases((case((2, 3), mask=np.array([[True, False, True], [False, False, True]])),
                         case((3,), mask=np.array([[True, False, True], [True, True, False]]))))),
    OpInfo("index_select", "getitem", "torch's index_select: entries at a 1-D index along dim "
           "(np.take with axis)", JOIN, torch=("index_select",), methods=("index_select",),
           call=lambda t, dim=0, index=(): t.index_select(dim, np.array(index)),
           ref=lambda a, dim=0, index=(): np.take(a, np.array(index, dtype=np.intp), axis=dim),
           sample=Cases((case((3, 4), dim=1, index=(3, 0, 3)), case((5,), index=(4, 4)),
                         case((2, 3), dim=0, index=(1,)))),
           grad="repeated indices add up"),
    OpInfo("masked_fill", ops.Where, "torch's masked_fill: value where mask, else x", BIN,
           torch=("masked_fill",), methods=("masked_fill",),
           call=lambda t, mask=(), value=0.0: t.masked_fill(np.array(mask, dtype=bool), value),
           ref=lambda a, mask=(), value=0.0: np.where(np.array(mask, dtype=bool), value, a),
           sample=Cases((case((2, 3), mask=((True, False, True), (False, False, True)),
                              value=2.5),
                         case((2, 3), mask=(False, True, False), value=-1.0))),
           grad="0 where the mask is True"),
    OpInfo("array_split", "getitem", "pieces: n sections as equal as can be, or cut at "
           "indices", JOIN, numpy=("array_split",),  # (tensor_split: its own row's tuple)
           function=F.array_split, call=joined(F.array_split), ref=ref_joined(np.array_split),
           sample=Cases((case((2, 5), indices_or_sections=3, axis=1),
                         case((7,), indices_or_sections=[2, 3])))),
    OpInfo("dstack", "concatenate", "tensors joined along axis 2 (made 3-D first)", JOIN,
           numpy=("dstack",), torch=("dstack",), function=F.dstack,
           call=lambda *ts: F.dstack(ts), ref=lambda *a: np.dstack(a),
           sample=Cases((case((2, 3), (2, 3)), case((3,), (3,)), case((2, 1, 2), (2, 1, 1))))),
    OpInfo("block_diag", "pad and concatenate", "torch.block_diag(*tensors): the tensors as "
           "blocks on a diagonal, zeros elsewhere", JOIN, torch=("block_diag",),
           function=F.block_diag, call=lambda *ts: F.block_diag(*ts), ref=block_diag_ref,
           sample=Cases((case((2, 3), (1, 2)), case((3,), (), (2, 2))))),
    OpInfo("cartesian_prod", "meshgrid, reshape and stack", "torch.cartesian_prod(*tensors): "
           "every combination of the 1-D tensors' entries, one row each", JOIN,
           torch=("cartesian_prod",), function=F.cartesian_prod,
           call=lambda *ts: F.cartesian_prod(*ts),
           ref=lambda *a: np.array(list(itertools.product(*a))).reshape(-1, len(a)),
           sample=Cases((case((3,), (2,)), case((2,), (2,), (3,))))),
    OpInfo("atleast_1d", "reshape", "0-d inputs as (1,)", JOIN, numpy=("atleast_1d",),
           torch=("atleast_1d",), function=F.atleast_1d, ref=np.atleast_1d,
           sample=Cases((case(()), case((2, 3))))),
    OpInfo("atleast_2d", "reshape", "(n,) as (1, n), 0-d as (1, 1)", JOIN,
           numpy=("atleast_2d",), torch=("atleast_2d",), function=F.atleast_2d,
           ref=np.atleast_2d, sample=Cases((case(()), case((3,)), case((2, 3))))),
    OpInfo("atleast_3d", "reshape", "(n,) as (1, n, 1), (m, n) as (m, n, 1)", JOIN,
           numpy=("atleast_3d",), torch=("atleast_3d",), function=F.atleast_3d,
           ref=np.atleast_3d, sample=Cases((case(()), case((3,)), case((2, 3)), case((2, 1, 2))))),
)


ROWS: tuple[OpInfo, ...] = (
    OpInfo("tensor_split", "getitem", "torch.tensor_split: n pieces as equal as can be (the "
           "first n % sections one longer), or cut at indices (Python's slicing)", JOIN,
           methods=("tensor_split",), torch=("tensor_split",), call=_method("tensor_split"),
           ref=ref_joined(lambda a, indices_or_sections, dim=0: np.array_split(
               a, indices_or_sections, axis=dim)),
           sample=Cases((case((2, 5), indices_or_sections=3, dim=1),
                         case((7,), indices_or_sections=[-2, 1, 9]),
                         case((4, 2), indices_or_sections=[3, 1], dim=0)))),
    *(OpInfo(name, "getitem", f"torch.{name}: tensor_split along dim {dim} (a number of "
             "pieces must divide the length)", JOIN, methods=(name,), torch=(name,),
             numpy=(name,),  # (np.hsplit's meaning too: np.hsplit(t, 2) on the graph)
             call=_method(name), ref=ref_joined(getattr(np, name)), sample=Cases(cases))
      for name, dim, cases in (
          ("hsplit", "1 (0 of a 1-D tensor)", (_cut((2, 4), 2), _cut((6,), [1, 4]))),
          ("vsplit", 0, (_cut((4, 3), 2), _cut((3, 2), [2]))),
          ("dsplit", 2, (_cut((1, 2, 4), [1, 3]), _cut((2, 1, 2), 2))))),
    OpInfo("split_with_sizes", "getitem", "torch's split_with_sizes: pieces of the listed "
           "sizes, which add up to dim's length", JOIN, methods=("split_with_sizes",),
           call=_method("split_with_sizes"),
           ref=ref_joined(lambda a, split_sizes, dim=0: np.split(
               a, np.cumsum(split_sizes)[:-1], axis=dim)),
           sample=Cases((case((2, 5), split_sizes=[2, 0, 3], dim=1), case((3,), split_sizes=[3])))),
    OpInfo("row_stack", "concatenate", "torch.row_stack: vstack's other name", JOIN,
           torch=("row_stack",), function=row_stack, call=lambda *ts: row_stack(list(ts)),
           ref=lambda *a: np.vstack(a), sample=Cases((case((2, 3), (3,)), case((1, 2), (3, 2))))),
    OpInfo("unsafe_chunk", "getitem", "torch's unsafe_chunk: chunk (views, their writes guarded "
           "as any view's)",
           JOINS, methods=("unsafe_chunk",), torch=("unsafe_chunk",),
           call=joined(lambda t, chunks=1, dim=0: t.unsafe_chunk(chunks, dim)),
           ref=ref_joined(lambda a, chunks=1, dim=0: np.array_split(a, chunks, axis=dim)),
           sample=Cases((case((2, 4), chunks=2, dim=1), case((6, 2), chunks=3)))),
    OpInfo("unsafe_split", "getitem", "torch's unsafe_split: split (views, their writes guarded "
           "as any view's)",
           JOINS, methods=("unsafe_split",), torch=("unsafe_split",),
           call=joined(lambda t, split_size=1, dim=0: t.unsafe_split(split_size, dim)),
           ref=ref_joined(lambda a, split_size=1, dim=0: np.split(
               a, range(split_size, a.shape[dim], split_size), axis=dim)),
           sample=Cases((case((2, 5), split_size=2, dim=1), case((4,), split_size=2)))),
    OpInfo("unsafe_split_with_sizes", "getitem", "torch's unsafe_split_with_sizes: "
           "split_with_sizes (views, their writes guarded as any view's)", JOINS,
           methods=("unsafe_split_with_sizes",), torch=("unsafe_split_with_sizes",),
           call=joined(lambda t, split_sizes=(), dim=0: t.unsafe_split_with_sizes(
               split_sizes, dim)),
           ref=ref_joined(lambda a, split_sizes=(), dim=0: _split_at(a, split_sizes, dim)),
           sample=Cases((case((2, 5), split_sizes=[2, 0, 3], dim=1),
                         case((3,), split_sizes=[1, 2])))),
)
