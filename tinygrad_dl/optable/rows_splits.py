"""Op-table rows of splitting and joining (tinygrad_dl/tensor/splits.py,
functional/joins.py): tensor_split, hsplit, vsplit, dsplit, split_with_sizes, row_stack and
the unsafe_ splits (unsafe_chunk, unsafe_split, unsafe_split_with_sizes). Each piece is a
getitem view: its gradient flows back."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functional.joins import row_stack
from .refs import case, joined, ref_joined
from .spec import Cases, OpInfo

JOIN = "Joining and splitting"
# (the unsafe_ splits' rows carry their group's second spelling; the docs page shows both)
JOINS = "Joins and splits"


def _method(name: str) -> Any:
    """A test call of a method that returns pieces: them weighted and joined."""
    return joined(lambda t, *a, **kw: getattr(t, name)(*a, **kw))


def _cut(shape: tuple[int, ...], at: Any) -> Any:
    return case(shape, indices_or_sections=at)


def _split_at(a: np.ndarray, sizes: list[int], dim: int) -> list[np.ndarray]:
    return np.split(a, np.cumsum(sizes)[:-1], axis=dim)



ROWS: tuple[OpInfo, ...] = (
    OpInfo("tensor_split", "getitem", "torch.tensor_split: n pieces as equal as can be (the "
           "first n % sections one longer), or cut at indices (Python's slicing)", JOIN,
           methods=("tensor_split",), call=_method("tensor_split"),
           ref=ref_joined(lambda a, indices_or_sections, dim=0: np.array_split(
               a, indices_or_sections, axis=dim)),
           sample=Cases((case((2, 5), indices_or_sections=3, dim=1),
                         case((7,), indices_or_sections=[-2, 1, 9]),
                         case((4, 2), indices_or_sections=[3, 1], dim=0)))),
    *(OpInfo(name, "getitem", f"torch.{name}: tensor_split along dim {dim} (a number of "
             "pieces must divide the length)", JOIN, methods=(name,), torch=(name,),
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
    OpInfo("unsafe_chunk", "getitem", "torch's unsafe_chunk: chunk (no views here: as safe)",
           JOINS, methods=("unsafe_chunk",), torch=("unsafe_chunk",),
           call=joined(lambda t, chunks=1, dim=0: t.unsafe_chunk(chunks, dim)),
           ref=ref_joined(lambda a, chunks=1, dim=0: np.array_split(a, chunks, axis=dim)),
           sample=Cases((case((2, 4), chunks=2, dim=1), case((6, 2), chunks=3)))),
    OpInfo("unsafe_split", "getitem", "torch's unsafe_split: split (no views here: as safe)",
           JOINS, methods=("unsafe_split",), torch=("unsafe_split",),
           call=joined(lambda t, split_size=1, dim=0: t.unsafe_split(split_size, dim)),
           ref=ref_joined(lambda a, split_size=1, dim=0: np.split(
               a, range(split_size, a.shape[dim], split_size), axis=dim)),
           sample=Cases((case((2, 5), split_size=2, dim=1), case((4,), split_size=2)))),
    OpInfo("unsafe_split_with_sizes", "getitem", "torch's unsafe_split_with_sizes: "
           "split_with_sizes (no views here: as safe)", JOINS,
           methods=("unsafe_split_with_sizes",), torch=("unsafe_split_with_sizes",),
           call=joined(lambda t, split_sizes=(), dim=0: t.unsafe_split_with_sizes(
               split_sizes, dim)),
           ref=ref_joined(lambda a, split_sizes=(), dim=0: _split_at(a, split_sizes, dim)),
           sample=Cases((case((2, 5), split_sizes=[2, 0, 3], dim=1),
                         case((3,), split_sizes=[1, 2])))),
)
