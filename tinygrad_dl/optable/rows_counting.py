"""Op-table rows of counting and searching (functional/counting.py): nonzero, argwhere,
count_nonzero, unique, unique_consecutive, bincount, histc, histogram, searchsorted and
bucketize: constants read off the values, no gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .refs import case, histc_ref, unique_consecutive_ref
from .spec import Cases, OpInfo, Reduction

COUNT = "Counting and searching"  # results read off the values: constants, no gradient
_COUNTED = "constant int64 indices or counts, read off the values"


def _count(name: str, doc: str, call: Any, ref: Any, sample: Any, **kw: Any) -> OpInfo:
    """A row of the counting group: a function of tinygrad_dl.functional, tested on values
    rounded to integers (repeats to count) by `call`, against NumPy's `ref`."""
    return OpInfo(name, kw.pop("impl", f"NumPy's {name} (no graph)"), doc, COUNT,
                  function=getattr(F, name), call=call, ref=ref, sample=sample,
                  no_grad=kw.pop("no_grad", _COUNTED), float32=False, **kw)


ROWS: tuple[OpInfo, ...] = (
    # ---- counting and searching (constants read off the values) -----------------------------
    _count("nonzero", "torch.nonzero: the (n, ndim) indices of the nonzero entries "
           "(as_tuple=True: NumPy's np.nonzero, one index tensor per axis)",
           lambda t: (t > 0).nonzero(), lambda a: np.argwhere(a > 0),
           Cases((case((3, 4)), case((5,)), case(()))), methods=("nonzero",),
           torch=("nonzero",), differs="tg.nonzero(x) is torch's (n, ndim) indices; NumPy's "
           "tuple is tg.nonzero(x, as_tuple=True) (np.nonzero(t) gives NumPy's own)"),
    _count("argwhere", "the (n, ndim) indices of the nonzero entries",
           lambda t: (t > 0).argwhere(), lambda a: np.argwhere(a > 0),
           Cases((case((3, 4)), case((5,)), case(()))), methods=("argwhere",),
           numpy=("argwhere",), torch=("argwhere",)),
    _count("count_nonzero", "how many entries are nonzero over axis (int64)",
           None, lambda a, axis=None, keepdims=False: np.count_nonzero(a, axis,
                                                                         keepdims=keepdims),
           Reduction(), methods=("count_nonzero",), numpy=("count_nonzero",),
           torch=("count_nonzero",)),
    _count("unique", "the sorted distinct values (dim: distinct slices), with NumPy's "
           "return_index and both libraries' return_inverse, return_counts",
           lambda t, **kw: F.unique(t.round(), **kw)[-1] if kw else F.unique(t.round()),
           lambda a, **kw: np.unique(np.round(a), **kw)[-1] if kw else np.unique(np.round(a)),
           Cases((case((3, 4)), case((6,), return_counts=True), case((2, 3), axis=1,
                                                                     return_inverse=True),
                  case((4,), return_index=True), case(()))),
           methods=("unique",), numpy=("unique",), torch=("unique",),
           differs="NaNs are one value (NumPy 2's); torch keeps each apart "
           "(equal_nan=False); options by keyword (the second positional is torch's sorted= "
           "but NumPy's return_index=)"),
    _count("unique_consecutive", "each run of equal values once (torch.unique_consecutive)",
           lambda t, **kw: F.unique_consecutive(t.round(), **kw)[-1] if kw
           else F.unique_consecutive(t.round()),
           lambda a, **kw: unique_consecutive_ref(np.round(a), **kw),
           Cases((case((7,)), case((5,), return_counts=True), case((3, 2), dim=0,
                                                                         return_inverse=True))),
           methods=("unique_consecutive",), torch=("unique_consecutive",)),
    _count("bincount", "how often each of 0..max(x) occurs in 1-D non-negative integers "
           "(or the sum of their weights)",
           lambda t, **kw: F.bincount(t.detach().abs().round().long(), **kw),
           lambda a, **kw: np.bincount(np.round(np.abs(a)).astype(np.int64), **kw),
           Cases((case((6,)), case((4,), minlength=7), case((0,), minlength=2))),
           methods=("bincount",), numpy=("bincount",), torch=("bincount",),
           no_grad="constant counts (torch's backward raises: weights that require grad are "
           "refused)",
           differs="with float32 weights the sums are float32, as torch's (NumPy's float64)"),
    _count("histc", "torch.histc: counts in equal bins over [min, max] (min == max: the "
           "data's range), in x's dtype",
           lambda t, **kw: F.histc(t, **kw), histc_ref,
           Cases((case((20,), bins=5), case((3, 4), bins=3, min=-1.0, max=1.0))),
           methods=("histc",), torch=("histc",)),
    _count("histogram", "NumPy's (hist, bin_edges) (bins: a count or the edges)",
           lambda t, **kw: F.histogram(t, **kw)[0], lambda a, **kw: np.histogram(a, **kw)[0],
           Cases((case((20,), bins=5), case((3, 4), bins=3, range=(-1.0, 1.0)))),
           numpy=("histogram",), torch=("histogram",), methods=("histogram",),
           differs="x.histogram() is torch's (tensor/counting.py: 100 bins by default, "
           "counts and edges in x's dtype); tg.histogram has NumPy's dtypes: int64 counts, "
           "float64 edges (torch.histogram's are floats "
           "in the input's dtype)"),
    _count("searchsorted", "where each value goes in a sorted sequence (its last axis) to "
           "keep it sorted (side='left'/'right', torch's right=)",
           lambda s, v, **kw: F.searchsorted(F.sort(s.detach()), v, **kw),
           lambda s, v, **kw: np.searchsorted(np.sort(s), v, **kw),
           Cases((case((6,), (3, 2)), case((5,), (4,), side="right"), case((4,), ()))),
           tensors=2, numpy=("searchsorted",), torch=("searchsorted",),
           differs="a NaN sorts last, as np.sort and np.searchsorted; torch's binary search "
           "puts a NaN value after a NaN in the sequence"),
    _count("bucketize", "the bucket of each value among sorted 1-D boundaries "
           "(torch.bucketize; right=True: the bucket's left edge is closed)",
           lambda x, b, **kw: F.bucketize(x, F.sort(b.detach()), **kw),
           lambda x, b, right=False: np.searchsorted(np.sort(b), x,
                                                     "right" if right else "left"),
           Cases((case((3, 2), (5,)), case((4,), (3,), right=True))), tensors=2,
           torch=("bucketize",)),
)
