"""Op-table rows of shape ops (tinygrad_dl/tensor/shape.py, layout.py,
functional/combinations.py): unflatten, Tensor.unfold (sliding windows), adjoint, mH, H,
narrow_copy and combinations."""

from __future__ import annotations

import itertools

import numpy as np

from .. import ops
from ..functional import combinations
from .refs import case, narrow_ref
from .spec import Cases, OpInfo

SHAPE = "Shape"


def _unfold_ref(a: np.ndarray, dimension: int, size: int, step: int) -> np.ndarray:
    d = dimension % a.ndim  # (the windows' axis comes last: -1 would name it)
    w = np.lib.stride_tricks.sliding_window_view(a, size, axis=d)
    return np.take(w, np.arange(0, a.shape[d] - size + 1, step), axis=d)


def _combinations_ref(a: np.ndarray, r: int = 2, with_replacement: bool = False) -> np.ndarray:
    make = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    return np.array(list(make(list(a), r))).reshape(-1, r)


ROWS: tuple[OpInfo, ...] = (
    OpInfo("unflatten", "reshape", "torch's unflatten(dim, sizes): one axis reshaped to sizes "
           "(one may be -1)", SHAPE, methods=("unflatten",), torch=("unflatten",),
           call=lambda t, dim=0, sizes=(): t.unflatten(dim, sizes),
           ref=lambda a, dim=0, sizes=(): a.reshape(  # (NumPy's reshape takes the -1 too)
               a.shape[:dim % a.ndim] + tuple(sizes) + a.shape[dim % a.ndim + 1:]),
           sample=Cases((case((2, 6), dim=1, sizes=(2, 3)), case((6, 1), dim=0, sizes=(-1, 2))))),
    OpInfo("Tensor.unfold", "getitem and moveaxis", "torch's Tensor.unfold(dimension, size, step): "
           "sliding windows along a dim, as a new last axis", SHAPE, methods=("unfold",),
           call=lambda t, **kw: t.unfold(**kw), ref=_unfold_ref,
           grad="overlapping windows add up their gradients",
           sample=Cases((case((2, 6), dimension=1, size=3, step=1),
                         case((5, 2), dimension=0, size=2, step=2),
                         case((4,), dimension=-1, size=4, step=3)))),
    *(OpInfo(name, ops.Transpose, f"torch's x.{name}: the last two dims swapped (conjugated "
             "if complex)", SHAPE, methods=(name,), call=call,
             torch=(name,) if name == "adjoint" else (),
             ref=lambda a: np.swapaxes(a, -2, -1),
             sample=Cases((case((2, 3)), case((2, 3, 4)), case((1, 2, 2, 1)))))
      for name, call in (("adjoint", lambda t: t.adjoint()), ("mH", lambda t: t.mH))),
    OpInfo("combinations", "getitem", "torch.combinations(x, r=2, with_replacement=False): "
           "the r-element combinations of a 1-D x as rows", SHAPE, torch=("combinations",),
           function=combinations.combinations, ref=_combinations_ref,
           sample=Cases((case((4,)), case((3,), r=3, with_replacement=True), case((3,), r=1)))),
    OpInfo("H", ops.Transpose, "torch's x.H: a matrix's conjugate transpose (x.T: real); "
           "other ndims refused (a 0-d x is itself, with torch's warning)", SHAPE,
           methods=("H",), call=lambda t: t.H, ref=lambda a: a.T,
           sample=Cases((case((2, 3)), case((1, 4)), case((3, 3))))),
    OpInfo("narrow_copy", "narrow and clone", "torch.narrow_copy(x, dim, start, length): "
           "x.narrow's entries as a new tensor", SHAPE, methods=("narrow_copy",),
           torch=("narrow_copy",), ref=narrow_ref,
           sample=Cases((case((3, 4), dim=1, start=1, length=2),
                         case((5,), dim=0, start=-3, length=3)))),
)
