"""The value-read functions under NumPy's and PyTorch's names: nonzero/argwhere, count_nonzero,
unique (NumPy's return_index too), unique_consecutive, bincount, histc, histogram,
histogramdd, searchsorted, bucketize and unravel_index. Constants: no gradient
(tensor/counting.py says why).

An argument that is not a Tensor is read as NumPy reads it (`tg.bincount([0, 1, 1])`: integers
stay integers, where `Tensor([0, 1, 1])` would make float64 of them).
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from ..grad_mode import is_grad_enabled
from ..ops.allocation import check_alloc
from ..ops.spelling import one_name, torch_keywords
from ..tensor import Tensor, plain_array
from ..tensor.conversions import Axis, no_grad_result
from ..tensor.counting import torch_linspace, unique_values
from .methods import takes_out, tensor_arg


def _tensor(x: Any) -> Tensor:
    """A Tensor as it is; an array as a Tensor of its dtype (a jit step's argument through
    Tensor(), which a recording sees); anything else as np.asarray reads it."""
    if isinstance(x, Tensor):
        return x
    return Tensor(x if isinstance(x, np.ndarray) else np.asarray(x))


def _array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else plain_array(x, who="searchsorted: an argument")


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:  # noqa: A002
    """torch.nonzero: the (n, ndim) int64 indices of the nonzero entries; as_tuple=True gives
    NumPy's np.nonzero (one index tensor per axis)."""
    return _tensor(input).nonzero(as_tuple=as_tuple)


def argwhere(input: Any) -> Tensor:  # noqa: A002
    """np.argwhere / torch.argwhere: the (n, ndim) int64 indices of the nonzero entries."""
    return _tensor(input).argwhere()


def count_nonzero(input: Any, axis: Axis = None, **kwargs: Any) -> Tensor:  # noqa: A002
    """np.count_nonzero / torch.count_nonzero: the number of nonzero entries over axis (dim=,
    a tuple too), an int64 tensor; keepdims= (keepdim=) as NumPy's."""
    t = _tensor(input)
    return t.count_nonzero(**kwargs) if axis is None else t.count_nonzero(axis, **kwargs)


def unique(input: Any, *, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None, return_index: bool = False,
           axis: int | None = None, equal_nan: bool = True) -> Any:
    """np.unique / torch.unique: the sorted distinct values (distinct slices along dim/axis),
    then, as asked, NumPy's return_index (where each first appears), the inverse and the
    counts, in NumPy's order (torch's: values, inverse, counts). Options by keyword only:
    the second positional argument is torch's sorted= but NumPy's return_index=. NaNs count
    as one value (NumPy 2's equal_nan=True); equal_nan=False keeps each apart, as torch."""
    return unique_values(_tensor(input), "unique", return_inverse=return_inverse,
                         return_counts=return_counts, return_index=return_index,
                         axis=one_name("unique", axis, "axis", dim, "dim"), equal_nan=equal_nan)


def unique_consecutive(input: Any, return_inverse: bool = False,  # noqa: A002
                       return_counts: bool = False, dim: int | None = None) -> Any:
    """torch.unique_consecutive: each run of equal values (or slices along dim) once."""
    return _tensor(input).unique_consecutive(return_inverse, return_counts, dim)


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """np.bincount / torch.bincount: how many times each of 0..max(x) occurs in a 1-D tensor
    of non-negative integers (or the sum of the weights there); see Tensor.bincount."""
    return _tensor(input).bincount(weights, minlength)


def histc(input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """torch.histc: counts in equal bins over [min, max] (min == max: the data's range)."""
    return _tensor(input).histc(bins, min, max)


@torch_keywords(input="a")
def histogram(a: Any, bins: Any = 10, range: Any = None, density: Any = None,  # noqa: A002
              weights: Any = None, *, weight: Any = None) -> tuple[Tensor, Tensor]:
    """np.histogram: (hist, bin_edges), bins an int or the edges (torch's weight= is NumPy's
    weights=). NumPy's values and dtypes: int64 counts (float64 with weights or density), float64
    edges; torch.histogram's are floats in the input's dtype. No gradient: weights that
    require grad are refused."""
    w = one_name("histogram", weights, "weights", weight, "weight")
    if isinstance(w, Tensor) and w.requires_grad and is_grad_enabled():
        raise TypeError("histogram: the weights require grad, and a histogram has no gradient: "
                        "pass weights.detach()")
    if isinstance(bins, (int, np.integer)) and bins > 0:  # (the edges and counts: 16 bytes a bin)
        check_alloc(lambda: f"histogram: bins={bins}", (bins + 1, 2))
    try:
        hist, edges = np.histogram(_array(a), _array(bins) if isinstance(bins, Tensor) else bins,
                                   range, density, None if w is None else _array(w))
    except ValueError as e:  # (NumPy's messages do not name the function)
        raise ValueError(f"histogram: {e}") from None
    # (np.histogram hands back array bins themselves as the edges: a copy, not their alias)
    return no_grad_result(hist), no_grad_result(np.array(edges))


@takes_out
@torch_keywords(input="values")
def searchsorted(sorted_sequence: Any, values: Any, side: str | None = None,
                 sorter: Any = None, *, right: bool = False, out_int32: bool = False) -> Tensor:
    """torch.searchsorted(sorted_sequence, values, right=) and np.searchsorted(a, v, side=):
    for each value, the index in the sorted sequence (along its last axis) before which it
    goes to keep it sorted: the first such place (side="left"), or the last (side="right",
    right=True). An N-D sequence is searched row by row (torch's batches: its leading axes
    those of the values). int64 (out_int32: int32). NaN sorts last, as in np.sort (torch's
    binary search puts a NaN value after a NaN in the sequence)."""
    seq, v = _array(sorted_sequence), _array(values)
    if side not in (None, "left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise ValueError("searchsorted: side='left' and right=True say opposite things")
    side = side or ("right" if right else "left")
    if seq.ndim == 0:
        raise ValueError("searchsorted: the sorted sequence is 0-d; it needs at least 1 dim")
    if seq.dtype.kind not in "biuf" or v.dtype.kind not in "biuf":
        raise TypeError(f"searchsorted: needs real numbers, got dtypes {seq.dtype} and "
                        f"{v.dtype}")
    if sorter is not None:
        order = _array(sorter)
        if order.shape != seq.shape or order.dtype.kind not in "iu":
            raise ValueError(f"searchsorted: sorter must be integer indices of the sequence's "
                             f"shape {seq.shape}, got shape {order.shape} dtype {order.dtype}")
        if order.size and (order.min() < 0 or order.max() >= seq.shape[-1]):  # (-1 would wrap)
            raise ValueError(f"searchsorted: sorter index out of range: {order.min()} .. "
                             f"{order.max()} for a sequence of {seq.shape[-1]}")
        seq = np.take_along_axis(seq, order.astype(np.intp), -1)
    if out_int32 and seq.shape[-1] > np.iinfo(np.int32).max:
        raise ValueError(f"searchsorted: out_int32=True, but the sequence has {seq.shape[-1]} "
                         "entries, more than int32 can index")
    if seq.ndim == 1:
        out = np.asarray(np.searchsorted(seq, v, side))
    else:
        if v.ndim != seq.ndim or v.shape[:-1] != seq.shape[:-1]:
            raise ValueError(f"searchsorted: a sequence of shape {seq.shape} needs values whose "
                             f"leading dims are {seq.shape[:-1]}, got shape {v.shape}")
        out = np.zeros(v.shape, np.int64)  # (an empty last axis: reshape(-1, 0) is refused)
        if v.size and seq.shape[-1]:
            rows, vals = seq.reshape(-1, seq.shape[-1]), v.reshape(-1, v.shape[-1])
            out = np.stack([np.searchsorted(r, u, side) for r, u in zip(rows, vals)]
                           ).reshape(v.shape)
    return no_grad_result(out.astype(np.int32 if out_int32 else np.int64))


@takes_out
def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False,  # noqa: A002
              right: bool = False) -> Tensor:
    """torch.bucketize: for each value, its bucket among the sorted 1-D boundaries: i with
    boundaries[i-1] < x <= boundaries[i] (right=True: boundaries[i-1] <= x < boundaries[i]);
    searchsorted(boundaries, input, right=right)."""
    b = _array(boundaries)
    if b.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {b.shape}")
    return searchsorted(b, input, right=right, out_int32=out_int32)


def histogramdd(input: Tensor, bins: Any = 10, range: Any = None,  # noqa: A002
                weight: Any = None, density: bool = False) -> tuple[Tensor, list[Tensor]]:
    """torch.histogramdd: (hist, bin_edges) of the points input (..., D) (float), bins an int,
    D ints or D edge tensors, range a flat (min0, max0, min1, max1, ...); the last bin of each
    dim holds its right edge, points outside are left out. Constants, in input's dtype."""
    x = tensor_arg("histogramdd", input)
    a = x.data
    if a.dtype.kind != "f":
        raise TypeError(f"histogramdd: expects a float tensor, got dtype {a.dtype}")
    if a.ndim < 2:  # (a 1-D input read as one point of D dims surprised; torch refuses it)
        raise ValueError(f"histogramdd: input must have at least 2 dims (..., D), got shape "
                         f"{a.shape}; for N values in one dim, pass input.reshape(-1, 1)")
    d = a.shape[-1]
    if d == 0:  # (torch 2.13 gives a 0-d hist of 0, whatever the count of points)
        raise ValueError(f"histogramdd: input of shape {a.shape} has points of 0 dims (D = 0): "
                         "give each point at least one coordinate")
    pts = a.reshape(-1, d)
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        bins = [int(bins)] * d
    if len(bins) != d:
        raise ValueError(f"histogramdd: expected {d} bins (one per dim), got {len(bins)}")
    if range is not None and len(range) != 2 * d:
        raise ValueError(f"histogramdd: range must hold {2 * d} numbers, got {len(range)}")
    edges = []
    for k, b in enumerate(bins):
        if isinstance(b, (Tensor, np.ndarray, list, tuple)):
            e = np.asarray(b.data if isinstance(b, Tensor) else b, a.dtype)
            if e.ndim != 1 or e.size < 2 or np.any(e[1:] < e[:-1]):  # (1 edge: 0 bins)
                raise ValueError(f"histogramdd: the edges of dim {k} must be 1-D, increasing, at "
                                 "least 2 (one bin)")
            if np.isnan(e).any():  # (no order: NumPy's counts and torch 2.13's differed)
                raise ValueError(f"histogramdd: the edges of dim {k} hold NaN; give numbers")
        else:
            col = pts[:, k]
            lo, hi = ((float(range[2 * k]), float(range[2 * k + 1])) if range is not None
                      else (float(col.min()), float(col.max())) if col.size else (0.0, 1.0))
            if lo > hi:
                raise ValueError(f"histogramdd: min should not exceed max, but got min {lo:g} "
                                 f"max {hi:g} for dimension {k}")
            if not (np.isfinite(lo) and np.isfinite(hi)):
                raise ValueError(f"histogramdd: dimension {k}'s range [{lo:g}, {hi:g}] is not "
                                 "finite")
            if lo == hi:
                lo, hi = lo - 0.5, hi + 0.5
            if isinstance(b, bool) or int(b) < 1:
                raise ValueError(f"histogramdd: bins must be positive, got {b!r}")
            e = torch_linspace(lo, hi, int(b) + 1, a.dtype)
        edges.append(e)
    w = None
    if weight is not None:
        if isinstance(weight, Tensor) and weight.requires_grad and is_grad_enabled():
            raise TypeError("histogramdd: the weight requires grad, and a histogram has no "
                            "gradient (torch's backward raises): pass weight.detach()")
        w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
        if w.shape != a.shape[:-1]:
            raise ValueError(f"histogramdd: weight must have shape {a.shape[:-1]}, got {w.shape}")
        w = w.reshape(-1)
    hist = _counts_dd(pts.astype(np.float64, copy=False),
                      [e.astype(np.float64, copy=False) for e in edges], w, a.dtype)
    if density:  # (infinite or equal edges: inf - inf, 0 / 0, as torch's NaN)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            widths = np.ix_(*[np.diff(e) for e in edges])
            vol = np.ones(hist.shape, a.dtype)
            for wd in widths:
                vol = vol * wd
            hist = (hist / (hist.sum() * vol)).astype(a.dtype)
    return Tensor(hist), [Tensor(e) for e in edges]


def _counts_dd(pts: np.ndarray, edges: list[np.ndarray], w: Any, dtype: Any) -> np.ndarray:
    """np.histogramdd's counts in dtype (a point on a last edge in the last bin, NaN and points
    outside left out) without its outlier bins: (bins + 2)**D entries, 1.1 TiB for 16 dims of 3
    bins, where torch's 3**16 take 344 MB. Memory: the counts and O(points), no more (a
    bincount of every bin only where there are at least a quarter as many points)."""
    shape = tuple(len(e) - 1 for e in edges)
    size, itemsize = math.prod(shape), np.dtype(dtype).itemsize
    if size * itemsize > np.iinfo(np.intp).max:  # (torch: "integer multiplication overflow")
        raise ValueError(f"histogramdd: bins {list(shape)} make {size} counts, more than an "
                         "array can hold; use fewer bins or dims")
    try:
        hist = np.zeros(size, dtype)
    except MemoryError:
        raise MemoryError(f"histogramdd: bins {list(shape)} make {size} counts "
                          f"({size * itemsize / 2**30:.3g} GiB), more than memory holds; use "
                          "fewer bins or dims") from None
    flat, out, stride = np.zeros(len(pts), np.int64), np.zeros(len(pts), bool), 1
    for k in builtins.range(len(edges) - 1, -1, -1):  # (C order: the last dim varies fastest)
        e, col = edges[k], pts[:, k]
        i = np.searchsorted(e, col, side="right")
        i[col == e[-1]] -= 1
        out |= (i == 0) | (i == len(e))
        flat += (i - 1) * stride
        stride *= len(e) - 1
    if out.any():
        flat, w = flat[~out], None if w is None else w[~out]
    if size <= 4 * len(flat):
        hist[:] = np.bincount(flat, weights=w, minlength=size)
    elif len(flat):  # (few points in many bins: the bins they fill)
        filled, which = np.unique(flat, return_inverse=True)
        hist[filled] = np.bincount(which, weights=w)
    return hist.reshape(shape)


def unravel_index(indices: Tensor, shape: Any) -> tuple[Tensor, ...]:
    """torch.unravel_index: the coordinates in `shape` of flat indices into it, one int64
    tensor per dim of shape, each of indices' shape. Indices outside [0, numel) are refused
    (torch wraps them around)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index: indices must be a Tensor, got {type(indices).__name__}")
    if indices.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be integer dtype, but got "
                        f"{indices.dtype}")
    shape = (shape,) if isinstance(shape, (builtins.int, np.integer)) else shape
    if not isinstance(shape, (tuple, list)) or not all(
            isinstance(n, (builtins.int, np.integer)) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"unravel_index: shape must be an int or a sequence of ints, got "
                        f"{shape!r}")
    shape = tuple(builtins.int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, but got {shape}")
    n = math.prod(shape)  # (Python ints: np.prod in int64 wrapped past 2**63, so valid
    # indices were refused against a 0 or negative entry count)
    if n > np.iinfo(np.int64).max:
        raise ValueError(f"unravel_index: shape {shape} has {n} entries, more than int64 "
                         f"holds (NumPy's unravel_index cannot take it)")
    idx = indices.data  # (checked as given: a uint64 2**64 - 1 cast to int64 is -1)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = builtins.int(idx.min() if idx.min() < 0 else idx.max())
        raise IndexError(f"unravel_index: index {bad} is out of bounds for shape {shape} "
                         f"({n} entries)")
    idx = idx.astype(np.int64)
    if not shape:
        return ()
    return tuple(Tensor(c.astype(np.int64)) for c in np.unravel_index(idx, shape))
