"""Edge rows of sorting, counting and searching (tensor/counting.py): sort, topk, argsort,
nonzero, argwhere, count_nonzero, unique, unique_consecutive, bincount, histc, histogram,
searchsorted, bucketize: constants read off the values (no gradient). `T` in a `torch=` lambda
is the torch module."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_dl as tg

from .edge_table import E2, INF, NAN, E, rows
from .edge_table import a64 as _a

X23 = np.arange(6.0).reshape(2, 3) / 4
_X = np.ones((2, 3))  # a bad dim names the op and the shape

rows("count_nonzero", lambda x: tg.count_nonzero(x, dim=(0, 5)), {"dim out of range": (_X,)},
     raises="count_nonzero: axis 5 is out of bounds")


rows("sort", lambda x: tg.sort(x), {
    "empty": (E,), "one element!": (_a(0.7),), "ties": (_a(2.0, 1.0, 2.0),),
    "nan and inf": (_a(NAN, INF, 1.0, -INF),)}, numpy=np.sort,
    torch=lambda T, x: T.sort(x).values)
rows("sort", lambda x: x.sort(descending=True).values, {
    "descending, nan first": (_a(1.0, NAN, 3.0),)},
    numpy=lambda x: np.concatenate([x[np.isnan(x)], -np.sort(-x[~np.isnan(x)])]),
    torch=lambda T, x: T.sort(x, descending=True).values)
rows("topk", lambda x: x.topk(2).values, {"ties: the first ones": (_a(2.0, 1.0, 2.0, 2.0),)},
     numpy=lambda x: x[[0, 2]], grad=(_a(1.0, 0.0, 1.0, 0.0),),
     note="a stable sort: the first of tied values; PyTorch's order among ties is unspecified "
     "(it gave another pair here)")
rows("topk", lambda x: x.topk(2).values, {
    "nan the largest": (_a(1.0, NAN, 3.0),), "distinct!": (_a(0.5, 2.5, 1.5),)},
    numpy=lambda x: np.concatenate([x[np.isnan(x)], -np.sort(-x[~np.isnan(x)])])[:2],
    torch=lambda T, x: x.topk(2).values)
rows("topk", lambda x: x.topk(0).values, {"k = 0": (_a(1.0, 2.0),)},
     numpy=lambda x: x[:0], torch=lambda T, x: x.topk(0).values)
rows("topk", lambda x: x.topk(3), {"k above the length": (_a(1.0, 2.0),)}, raises="topk")
rows("argsort", tg.argsort, {"empty": (E,), "ties: stable": (_a(2.0, 1.0, 2.0),),
                             "nan last": (_a(NAN, 1.0),)},
     numpy=lambda x: np.argsort(x, kind="stable"))


# ---- counting and searching: constants read off the values (tensor/counting.py) ----------------
def _i(*v: Any) -> np.ndarray:
    return np.array(v, dtype=np.int64)


EI = np.zeros(0, dtype=np.int64)  # the empty integer array
rows("nonzero", lambda x: x.nonzero(), {
    "empty": (E2,), "0-d": (np.float64(2.0),), "0-d zero": (np.float64(0.0),),
    "nan is nonzero": (_a(0.0, NAN, -0.0),), "matrix": (X23,)}, numpy=np.argwhere)
rows("nonzero", lambda x: tg.nonzero(x, as_tuple=True)[0], {
    "as_tuple, 0-d as 1-D": (np.float64(2.0),), "as_tuple": (X23,)},
    numpy=lambda x: np.nonzero(np.atleast_1d(x))[0])
rows("argwhere", tg.argwhere, {"empty": (E2,), "0-d": (np.float64(2.0),),
                               "nan is nonzero": (_a(NAN, 0.0),)}, numpy=np.argwhere)
rows("count_nonzero", tg.count_nonzero, {
    "empty": (E,), "0-d": (np.float64(0.0),), "nan is nonzero": (_a(NAN, 0.0, -0.0),)},
    numpy=np.count_nonzero)
rows("count_nonzero", lambda x: tg.count_nonzero(x, dim=(0, 1)), {"dims as a tuple": (X23,)},
     numpy=lambda x: np.count_nonzero(x, axis=(0, 1)))
rows("unique", tg.unique, {
    "empty": (E,), "0-d": (np.float64(2.0),), "ties": (_a(2.0, 1.0, 2.0),),
    "nan: one value": (_a(NAN, 1.0, NAN),), "-0.0 equals 0.0": (_a(0.0, -0.0),),
    "ints stay ints": (_i(3, 1, 3),)}, numpy=np.unique,
    note="NaNs are one value, NumPy 2's; torch.unique keeps each apart")
rows("unique", lambda x: tg.unique(x, equal_nan=False), {"equal_nan=False": (_a(NAN, NAN),)},
     numpy=lambda x: np.unique(x, equal_nan=False))
rows("unique", lambda x: x.unique(return_counts=True)[1], {"counts of the empty": (E,)},
     numpy=lambda x: np.unique(x, return_counts=True)[1])
rows("unique", lambda x: x.unique(dim=2), {"dim out of range": (X23,)}, raises="unique")
rows("unique", lambda x: x.unique(dim=0), {"dim of a 0-d tensor": (np.float64(1.0),)},
     raises="unique")
rows("unique_consecutive", tg.unique_consecutive, {
    "empty": (E,), "runs": (_a(1.0, 1.0, 2.0, 1.0),), "nan: never equal": (_a(NAN, NAN),)},
    numpy=lambda x: np.array([v for k, v in enumerate(x.reshape(-1))
                              if k == 0 or not v == x.reshape(-1)[k - 1]]))
rows("unique_consecutive", lambda x: x.unique_consecutive(dim=3), {"dim out of range": (X23,)},
     raises="unique_consecutive")
rows("bincount", tg.bincount, {
    "empty": (EI,), "one value": (_i(3),), "zeros": (_i(0, 0),)}, numpy=np.bincount)
rows("bincount", lambda x: tg.bincount(x, minlength=5), {
    "minlength beyond max": (_i(1, 1),), "minlength, empty": (EI,)},
    numpy=lambda x: np.bincount(x, minlength=5))
rows("bincount", lambda x, w: tg.bincount(x, w), {
    "weights": (_i(0, 2, 2), _a(0.5, 1.0, 2.0)), "nan weight": (_i(1, 1), _a(NAN, 1.0))},
    numpy=np.bincount, wrt=())
rows("bincount", tg.bincount, {
    "negative values": (_i(1, -1),), "float input": (_a(1.0, 2.0),),
    "bool input": (np.array([True, False]),), "2-D input": (_i(1, 2).reshape(1, 2),),
    "0-d input": (np.int64(2),)}, raises="bincount: needs")
rows("bincount", lambda x: tg.bincount(x, minlength=10**12), {
    "huge minlength": (_i(1),)}, raises="bincount: minlength=.* more than 2\\*\\*31")
rows("bincount", tg.bincount, {"huge value": (_i(10**12),)},
     raises="bincount: the largest value")
rows("bincount", lambda x: tg.bincount(x, minlength=-1), {"negative minlength": (_i(1),)},
     raises="bincount: minlength must be >= 0")
rows("bincount", lambda x, w: tg.bincount(x, w), {
    "weights that require grad": (_i(0, 1), _a(1.0, 2.0))}, raises="bincount: the weights")
rows("bincount", lambda x, w: tg.bincount(x, w), {
    "weights of another length": (_i(0, 1), _a(1.0, 2.0, 3.0))}, wrt=(),
    raises="bincount: weights of shape")
rows("histc", lambda x: tg.histc(x, bins=4), {
    "empty: the range [-1, 1]": (E,), "one value: widened by 1": (_a(2.0, 2.0),),
    "0-d": (np.float64(2.0),)},
    numpy=lambda x: np.histogram(x, 4, (-1, 1) if not x.size else (x.min() - 1, x.max() + 1)
                                 if np.ptp(x) == 0 else None)[0].astype(np.float64))
rows("histc", lambda x: tg.histc(x, bins=4, min=0, max=4), {
    "nan left out": (_a(1.0, NAN, 2.0),), "outside left out, max in the last bin": (
        _a(-1.0, 0.0, 4.0, 5.0, INF),)},
    numpy=lambda x: np.histogram(x[np.isfinite(x)], 4, (0, 4))[0].astype(np.float64),
    numpy_warns=False)
rows("histc", lambda x: tg.histc(x, bins=4), {"nan, no range": (_a(1.0, NAN),),
                                              "inf, no range": (_a(1.0, INF),)},
     raises="histc: the range .* is not finite")
rows("histc", lambda x: tg.histc(x, bins=0), {"bins 0": (_a(1.0),)}, raises="histc: bins")
rows("histc", lambda x: tg.histc(x, bins=2, min=3, max=1), {"min > max": (_a(1.0),)},
     raises="histc: max must be larger than min")
rows("histc", tg.histc, {"integer input": (_i(1, 2),)}, raises="histc: needs a floating")
rows("histogram", lambda x: tg.histogram(x, bins=3)[0], {
    "empty": (E,), "one value": (_a(2.0),)}, numpy=lambda x: np.histogram(x, 3)[0])
rows("histogram", lambda x: tg.histogram(x)[0], {"nan, no range": (_a(1.0, NAN),)},
     raises="histogram: autodetected range")
rows("histogram", lambda x: tg.histogram(x, bins=0)[0], {"bins 0": (_a(1.0),)},
     raises="histogram: `bins` must be positive")
rows("histogram", lambda x, w: tg.histogram(x, weights=w)[0], {
    "weights that require grad": (_a(1.0), _a(2.0))}, raises="histogram: the weights")
rows("searchsorted", tg.searchsorted, {
    "empty sequence": (E, _a(1.0, 2.0)), "empty values": (_a(1.0, 2.0), E),
    "ties: the first place": (_a(1.0, 2.0, 2.0, 3.0), _a(2.0)),
    "nan sorts last": (_a(1.0, 3.0, NAN), _a(NAN, 4.0)),
    "0-d value": (_a(1.0, 3.0), np.float64(2.0))}, numpy=np.searchsorted,
    note="a NaN sorts last, NumPy's; torch's binary search gives 3, 3 in the nan row")
rows("searchsorted", lambda s, v: tg.searchsorted(s, v, right=True), {
    "ties: right=True, the last place": (_a(1.0, 2.0, 2.0, 3.0), _a(2.0))},
    numpy=lambda s, v: np.searchsorted(s, v, "right"))
rows("searchsorted", tg.searchsorted, {
    "0-d sequence": (np.float64(1.0), _a(1.0)),
    "batch dims that differ": (X23, _a(1.0, 2.0))}, raises="searchsorted: ")
rows("searchsorted", lambda s, v: tg.searchsorted(s, v, side="left", right=True), {
    "side='left' with right=True": (_a(1.0), _a(1.0))}, raises="searchsorted: side='left'")
rows("bucketize", tg.bucketize, {
    "empty boundaries": (_a(1.0, 2.0), E), "empty input": (E, _a(1.0, 2.0)),
    "on a boundary: the left bucket": (_a(2.0), _a(1.0, 2.0, 3.0)),
    "nan: past the end": (_a(NAN), _a(1.0, 2.0))},
    numpy=lambda x, b: np.searchsorted(b, x))
rows("bucketize", tg.bucketize, {"2-D boundaries": (_a(1.0), X23)},
     raises="bucketize: boundaries must be 1-D")
