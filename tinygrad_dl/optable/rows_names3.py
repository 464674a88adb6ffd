"""Op-table rows of more of PyTorch's Tensor names (tinygrad_dl/tensor/): x.H,
angle, the bit shifts, narrow_copy, the unsafe_ splits, index_reduce, igamma and
igammac, and the in-place forms generated there (sinc_, lgamma_, addmv_, ...). x.histogram
is a method of table.py's histogram row (tg.histogram is NumPy's there)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..functional import torch_names3 as N
from ..tensor import Tensor
from ..tensor.inplace_forms import INPLACE_FORMS3
from .refs import case, joined, narrow_ref, ref_joined
from .spec import DISTINCT, KINK0, POSITIVE, Cases, Elementwise, OpInfo

SHAPE, JOIN, MATH, INPLACE, SORT = ("Shape", "Joins and splits", "Elementwise math",
                                    "In place (no graph)", "Sorting and indexing")
_INPLACE_NOTE = ("writes in place: no graph (refused where a gradient needs the old values; "
                 "see Trustworthy gradients)")
_INTS = "a constant: integer tensors only"


def _split_at(a: np.ndarray, sizes: list[int], dim: int) -> list[np.ndarray]:
    return np.split(a, np.cumsum(sizes)[:-1], axis=dim)


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


def _with_a(a: float, upper: bool) -> Any:
    """igamma(a, x) (or igammac) at a fixed a: the gradient tests' x is the one input."""
    name = "igammac" if upper else "igamma"
    return lambda x: getattr(Tensor(np.full(x.shape, a, x.dtype)), name)(x)


ROWS: tuple[OpInfo, ...] = (
    OpInfo("H", ops.Transpose, "torch's x.H: a matrix's conjugate transpose (x.T: real); "
           "other ndims refused (a 0-d x is itself, with torch's warning)", SHAPE,
           methods=("H",), call=lambda t: t.H, ref=lambda a: a.T,
           sample=Cases((case((2, 3)), case((1, 4)), case((3, 3))))),
    OpInfo("angle", "sign, lt and mul", "torch.angle of a real tensor: pi where x < 0, else 0 "
           "(NaN stays NaN; integers give float32)", MATH, methods=("angle",),
           torch=("angle",), ref=lambda a: np.where(a < 0, np.pi, 0.0).astype(a.dtype),
           sample=Elementwise((KINK0,)), grad="0 (torch's)"),
    *(OpInfo(name, "NumPy's shifts (no graph)", doc, "Binary elementwise", methods=(name,),
             torch=(name,), function=fn, tensors=2, sample=None, no_grad=_INTS, float32=False)
      for name, fn, doc in (
          ("bitwise_left_shift", N.bitwise_left_shift, "x << y, wrapping in x's dtype; a shift "
           "< 0 or of the dtype's bits or more gives 0 (torch's)"),
          ("bitwise_right_shift", N.bitwise_right_shift, "x >> y (arithmetic when signed); a "
           "shift < 0 or of the dtype's bits or more gives the sign fill (torch's)"))),
    OpInfo("narrow_copy", "narrow and clone", "torch.narrow_copy(x, dim, start, length): "
           "x.narrow's entries as a new tensor", SHAPE, methods=("narrow_copy",),
           torch=("narrow_copy",), ref=narrow_ref,
           sample=Cases((case((3, 4), dim=1, start=1, length=2),
                         case((5,), dim=0, start=-3, length=3)))),
    OpInfo("unsafe_chunk", "getitem", "torch's unsafe_chunk: chunk (no views here: as safe)",
           JOIN, methods=("unsafe_chunk",), torch=("unsafe_chunk",),
           call=joined(lambda t, chunks=1, dim=0: t.unsafe_chunk(chunks, dim)),
           ref=ref_joined(lambda a, chunks=1, dim=0: np.array_split(a, chunks, axis=dim)),
           sample=Cases((case((2, 4), chunks=2, dim=1), case((6, 2), chunks=3)))),
    OpInfo("unsafe_split", "getitem", "torch's unsafe_split: split (no views here: as safe)",
           JOIN, methods=("unsafe_split",), torch=("unsafe_split",),
           call=joined(lambda t, split_size=1, dim=0: t.unsafe_split(split_size, dim)),
           ref=ref_joined(lambda a, split_size=1, dim=0: np.split(
               a, range(split_size, a.shape[dim], split_size), axis=dim)),
           sample=Cases((case((2, 5), split_size=2, dim=1), case((4,), split_size=2)))),
    OpInfo("unsafe_split_with_sizes", "getitem", "torch's unsafe_split_with_sizes: "
           "split_with_sizes (no views here: as safe)", JOIN,
           methods=("unsafe_split_with_sizes",), torch=("unsafe_split_with_sizes",),
           call=joined(lambda t, split_sizes=(), dim=0: t.unsafe_split_with_sizes(
               split_sizes, dim)),
           ref=ref_joined(lambda a, split_sizes=(), dim=0: _split_at(a, split_sizes, dim)),
           sample=Cases((case((2, 5), split_sizes=[2, 0, 3], dim=1),
                         case((3,), split_sizes=[1, 2])))),
    OpInfo("index_reduce", ops.ScatterReduce, "torch's index_reduce(dim, index, source, "
           "reduce, include_self=True): x's slices at index reduced with source's (prod, "
           "mean, amax, amin)", SORT, methods=("index_reduce",), torch=("index_reduce",),
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
    *(OpInfo(name, ops.Igamma, doc, MATH, methods=(name,), torch=(name,), tensors=2,
             call=_with_a(2.0, upper), ref=ref, sample=Elementwise((POSITIVE,)),
             grad="wrt x: +-x^(a-1) e^-x / Gamma(a); none wrt a (torch's backward raises)",
             differs="for a of 20 or more with x near a, torch 2.13's value is off by up to "
             "about 1e-9 relative (mpmath); this one's agrees with mpmath to about 1e-13")
      for name, upper, doc, ref in (
          ("igamma", False, "torch.igamma(a, x): the regularized lower incomplete gamma "
           "P(a, x) (tests: a = 2, P = 1 - e^-x (1 + x))",
           lambda x: 1 - np.exp(-x) * (1 + x)),
          ("igammac", True, "torch.igammac(a, x): the regularized upper incomplete gamma "
           "Q(a, x) = 1 - P(a, x) (tests: a = 2, Q = e^-x (1 + x))",
           lambda x: np.exp(-x) * (1 + x)))),
    # ---- in place: the op's values written into x (inplace.py's rules) -------------------------
    *(OpInfo(f"{m}_", "a write into the array", f"x = x.{m}(...)", INPLACE, methods=(f"{m}_",),
             sample=None, no_grad=_INPLACE_NOTE, float32=False)
      for m in (*INPLACE_FORMS3, "index_reduce")),
)
