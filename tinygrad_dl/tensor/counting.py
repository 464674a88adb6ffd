"""Tensor's methods whose results are read off the values: nonzero/argwhere, count_nonzero,
unique/unique_consecutive, bincount, histc, histogram. Their results are constants (no
gradient, as argmax's): indices and counts, or values picked by a rule that a small change
of the input does not move smoothly. Each is made by `no_grad_result` from the input's
array, so a jit recording sees an array made inside the step and does not replay a stale
result. Those whose shape is set by the values (nonzero, argwhere, unique,
unique_consecutive, bincount) also report a read (engine.notify_read), as float(t) does: a
step's Python that reads only their shape (`len(y.nonzero())`, `len(y.unique())` as a count)
decided on the values, which a replay froze without a word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import engine, tensor
from ..grad_mode import is_grad_enabled
from ..ops.shape import axis_of, reduced_axes
from ..ops.spelling import spellings
from .conversions import Axis, no_grad_result

if TYPE_CHECKING:
    from . import Tensor

# The most entries bincount and histc make (2**31: 16 GiB of int64): a minlength of 10**12, or
# one huge value in the input, would otherwise end in a MemoryError or swap, not one line
MAX_BINS = 2**31


class CountingMethods:
    """Indices, counts and distinct values (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """torch's x.nonzero(): the (n, ndim) int64 indices of the nonzero entries, in C
        order; as_tuple=True gives NumPy's np.nonzero, one 1-D index tensor per axis (a 0-d
        tensor counts as 1-D, as torch's)."""
        engine.notify_read(self, ".nonzero()")  # (its shape: read off the values)
        if as_tuple:
            return tuple(no_grad_result(i.astype(np.int64))
                         for i in np.nonzero(np.atleast_1d(self.data)))
        return no_grad_result(np.argwhere(self.data).astype(np.int64))

    def argwhere(self) -> Tensor:
        """np.argwhere / torch.argwhere: x.nonzero(), the (n, ndim) int64 indices."""
        engine.notify_read(self, ".argwhere()")  # (its shape: read off the values)
        return no_grad_result(np.argwhere(self.data).astype(np.int64))

    @spellings()
    def count_nonzero(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """How many entries are nonzero over axis (None: all; a tuple of axes too), int64.
        NaN counts as nonzero, as in both libraries."""
        axis = reduced_axes("count_nonzero", axis, self.ndim)  # (NumPy's message names no op)
        return no_grad_result(np.asarray(np.count_nonzero(self.data, axis=axis,
                                                          keepdims=keepdims), dtype=np.int64))

    def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
               return_counts: bool = False, dim: int | None = None) -> Any:
        """torch's x.unique(): the distinct values, sorted (sorted=False too: any order is
        allowed, and torch's CPU one sorts as well); dim: distinct slices along it. With
        return_inverse / return_counts, (values, inverse, counts) as asked: the inverse maps
        each entry (each slice along dim) to its value's place. NaNs are one value, as
        NumPy 2's (torch keeps each NaN apart: tg.unique(x, equal_nan=False))."""
        return unique_values(self, "unique", return_inverse=return_inverse,
                             return_counts=return_counts, axis=dim)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False,
                           dim: int | None = None) -> Any:
        """torch's unique_consecutive: each run of equal values (slices along dim) kept once,
        in order; the inverse and counts as unique's. A NaN never equals the one before it."""
        engine.notify_read(self, ".unique_consecutive()")  # (its shape: read off the values)
        return _consecutive(self.data, return_inverse, return_counts, dim)

    def bincount(self, weights: Any = None, minlength: int = 0) -> Tensor:
        """np.bincount / torch.bincount of a 1-D tensor of non-negative integers: out[k] is
        how many entries equal k (or the sum of their weights), max(x) + 1 or minlength long.
        int64 counts; with weights, the weights' float dtype (float64 for integer weights,
        NumPy's always). No gradient, as torch's, whose backward raises: weights that require
        grad are refused."""
        engine.notify_read(self, ".bincount()")  # (its shape: read off the values)
        return no_grad_result(bincount_of(self.data, weights, minlength))

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
        """torch.histc: counts in `bins` equal bins over [min, max], in x's float dtype;
        min == max takes the data's range (and a range of one value is widened by 1 each side);
        values outside the range and NaN are left out, a value equal to max goes in the last
        bin. torch's rules and its arithmetic in x's dtype, so the same counts at bin edges."""
        a = self.data
        if a.dtype.kind != "f":
            raise TypeError(f"histc: needs a floating tensor, got dtype {a.dtype} (torch's "
                            "histc refuses integers too): cast with .double()")
        nbins = count_arg("histc", "bins", bins, low=1)
        for name, v in (("min", min), ("max", max)):
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise TypeError(f"histc: {name} must be a number, got {type(v).__name__}")
        lo, hi = float(min), float(max)
        if lo == hi and a.size:
            lo, hi = float(np.min(a)), float(np.max(a))  # (NaN in the data: NaN, refused below)
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError(f"histc: the range [{lo}, {hi}] is not finite (NaN or inf in the "
                             "data, or in min/max)")
        if lo > hi:
            raise ValueError(f"histc: max must be larger than min, got min={min}, max={max}")
        t = a.dtype.type
        with np.errstate(over="ignore"):
            lo_t, hi_t = t(lo), t(hi)
        for name, v, v_t in (("min", lo, lo_t), ("max", hi, hi_t)):
            if not np.isfinite(v_t):  # (as torch's refusal: an infinite edge counts nothing)
                raise ValueError(f"histc: {name}={v} does not fit in {a.dtype}")
        with np.errstate(invalid="ignore"):  # (NaN: not in range, dropped just below)
            x = a.reshape(-1)[(a.reshape(-1) >= lo_t) & (a.reshape(-1) <= hi_t)]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            pos = (x - lo_t) * t(nbins) / (hi_t - lo_t)  # torch's, in x's dtype
            bad = ~((pos >= 0) & (pos <= nbins))
            idx = np.where(bad, 0, pos).astype(np.int64)
        if bad.any():  # x's dtype overflowed, or the range rounded to one value in it (torch's
            # counts are then wrong): those positions in float64, halved if the span overflows
            xb, span = x[bad].astype(np.float64), hi - lo
            idx[bad] = np.clip(((xb - lo) / span if np.isfinite(span) else
                                (xb * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5)) * nbins, 0, nbins)
        idx[idx == nbins] = nbins - 1
        return no_grad_result(np.bincount(idx, minlength=nbins).astype(a.dtype))

    # ---- histogram ---------------------------------------------------------------------------
    def histogram(self, bins: Any = 100, *, range: Any = None, weight: Any = None,  # noqa: A002
                  density: bool = False) -> Histogram:
        """torch.histogram: (hist, bin_edges) of a float tensor, `bins` equal bins over range
        (default: the data's) or the given increasing edges (a 1-D tensor); the last bin holds
        its right edge; values outside and NaN are left out. weight: one weight a value;
        density: hist / (total * bin width). Constants (no gradient), in x's dtype."""
        a = self.data
        if a.dtype.kind != "f":
            raise TypeError(f"histogram: expects a float tensor, got dtype {a.dtype} (torch's "
                            "histogram refuses integers too)")
        if isinstance(bins, tensor.Tensor) or isinstance(bins, (list, tuple, np.ndarray)):
            if range is not None:
                raise TypeError("histogram: range= goes with a number of bins, not with edges")
            edges = np.asarray(bins.data if isinstance(bins, tensor.Tensor) else bins, a.dtype)
            if edges.ndim != 1 or edges.size < 2:  # (one edge is 0 bins: torch refuses)
                raise ValueError(f"histogram: bins must be a 1-D tensor of 2 or more edges, "
                                 f"got shape {edges.shape}")
            if np.any(edges[1:] < edges[:-1]):  # (np.diff: inf - inf warned)
                raise ValueError("histogram: the bin edges must increase")
            if np.isnan(edges).any():  # (no order: the counts were torch 2.13's only by chance)
                raise ValueError("histogram: the bin edges hold NaN; give numbers")
        else:
            if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
                raise ValueError(f"histogram: bins must be a positive int, got {bins!r}")
            lo, hi = _range_of(a, range, int(bins))
            edges = torch_linspace(lo, hi, int(bins) + 1, a.dtype)
        w = None
        if weight is not None:
            if isinstance(weight, tensor.Tensor) and weight.requires_grad and is_grad_enabled():
                raise TypeError("histogram: the weight requires grad, and a histogram has no "
                                "gradient (torch's backward raises): pass weight.detach()")
            w = np.asarray(weight.data if isinstance(weight, tensor.Tensor) else weight)
            if w.shape != a.shape or w.dtype != a.dtype:
                raise ValueError(f"histogram: weight must have the input's shape {a.shape} and "
                                 f"dtype {a.dtype}, got {w.shape} {w.dtype}")
            w = w.reshape(-1)
        v = a.reshape(-1)
        nb = edges.size - 1
        with np.errstate(invalid="ignore"):
            inside = (v >= edges[0]) & (v <= edges[-1]) if nb else np.zeros(v.shape, bool)
        pos = np.minimum(np.searchsorted(edges, v[inside], side="right") - 1, nb - 1)
        hist = np.bincount(pos, None if w is None else w[inside], minlength=nb)[:nb]
        hist = hist.astype(a.dtype)
        if density:
            with np.errstate(invalid="ignore", divide="ignore"):
                hist = hist / (hist.sum() * np.diff(edges))
        return Histogram(no_grad_result(hist.astype(a.dtype)), no_grad_result(edges))


def count_arg(who: str, name: str, value: Any, low: int = 0) -> int:
    """An int argument >= low, at most MAX_BINS, in one line."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{who}: {name} must be an int, got {type(value).__name__} {value!r}")
    if value < low:
        raise ValueError(f"{who}: {name} must be >= {low}, got {value}")
    if value > MAX_BINS:
        raise ValueError(f"{who}: {name}={value} would make more than 2**31 entries: refused "
                         "(it would not fit in memory)")
    return int(value)


def bincount_of(a: np.ndarray, weights: Any, minlength: Any) -> np.ndarray:
    """The bincount array, with torch's checks said in one line."""
    if a.dtype.kind not in "iu":
        raise TypeError(f"bincount: needs a tensor of integers, got dtype {a.dtype} (cast with "
                        ".long() if the values are whole numbers)")
    if a.ndim != 1:
        raise ValueError(f"bincount: needs a 1-D tensor, got shape {a.shape}")
    minlength = count_arg("bincount", "minlength", minlength)
    top = int(a.max()) if a.size else -1
    if a.size and int(a.min()) < 0:
        raise ValueError(f"bincount: needs non-negative integers, got {int(a.min())}")
    if top >= MAX_BINS:
        raise ValueError(f"bincount: the largest value, {top}, would make more than 2**31 "
                         "bins: refused (it would not fit in memory)")
    if weights is None:
        return np.bincount(a.astype(np.intp, copy=False), minlength=minlength).astype(np.int64)
    if isinstance(weights, tensor.Tensor):
        if weights.requires_grad and is_grad_enabled():
            raise TypeError("bincount: the weights require grad, and bincount has no gradient "
                            "(torch's backward raises): for a differentiable sum use "
                            "tg.zeros(n).index_add(0, x, w), else pass w.detach()")
        w = weights.data
    else:
        w = np.asarray(weights)
    if w.shape != a.shape:
        raise ValueError(f"bincount: weights of shape {w.shape} do not match the input's "
                         f"shape {a.shape} (torch: 1-D, of the same length)")
    # float32 stays float32, as torch's; float16 and integers give float64, as in both libraries
    out_dtype = w.dtype if w.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    return np.bincount(a.astype(np.intp, copy=False), w.astype(np.float64),
                       minlength).astype(out_dtype)


def unique_values(x: Tensor, who: str, *, return_inverse: bool = False,
                  return_counts: bool = False, axis: int | None = None,
                  return_index: bool = False, equal_nan: bool = True) -> Any:
    """unique's results as constant tensors: values, then (as asked) index, inverse, counts
    (NumPy's order; torch's has no index); the values alone when nothing else is asked."""
    engine.notify_read(x, f"{who}()")  # (its shape: read off the values)
    a = x.data
    if axis is not None:
        if a.ndim == 0:
            raise ValueError(f"{who}: dim {axis} given for a 0-d tensor")
        axis = axis_of(who, axis, a.ndim)
    values, index, inverse, counts = np.unique(a, return_index=True, return_inverse=True,
                                               return_counts=True, axis=axis,
                                               equal_nan=equal_nan)
    if axis is None:
        inverse = inverse.reshape(a.shape)  # (each entry's place, in the input's shape)
    picked = [(values, True), (index, return_index), (inverse, return_inverse),
              (counts, return_counts)]
    out = [no_grad_result(r if k == 0 else r.astype(np.int64))
           for k, (r, asked) in enumerate(picked) if asked]
    return out[0] if len(out) == 1 else tuple(out)


def _consecutive(a: np.ndarray, return_inverse: bool, return_counts: bool,
                 dim: int | None) -> Any:
    if dim is None:
        rows = a.reshape(-1, 1)
    else:
        if a.ndim == 0:
            raise ValueError(f"unique_consecutive: dim {dim} given for a 0-d tensor")
        dim = axis_of("unique_consecutive", dim, a.ndim)
        rows = np.moveaxis(a, dim, 0).reshape(a.shape[dim], a.size // max(a.shape[dim], 1))
    n = rows.shape[0]
    with np.errstate(invalid="ignore"):
        new = np.ones(n, dtype=bool)
        new[1:] = (rows[1:] != rows[:-1]).any(axis=1) if rows.shape[1] else False
    starts = np.flatnonzero(new)
    values = a.reshape(-1)[starts] if dim is None else np.take(a, starts, axis=dim)
    out = [no_grad_result(values)]
    if return_inverse:
        inverse = np.cumsum(new) - 1
        out.append(no_grad_result(inverse.reshape(a.shape if dim is None else (n,))
                                  .astype(np.int64)))
    if return_counts:
        out.append(no_grad_result(np.diff(np.append(starts, n)).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


class Histogram(NamedTuple):
    """What torch.histogram returns: (hist, bin_edges)."""

    hist: Tensor
    bin_edges: Tensor


def _range_of(a: np.ndarray, range: Any, bins: int) -> tuple[float, float]:
    """torch.histogram's range: given, or the data's (empty: [0, 1]); equal ends are widened
    by 0.5 each side (torch's); refused where not finite or min > max."""
    if range is not None:
        if len(range) != 2:
            raise ValueError(f"histogram: range must be (min, max), got {range!r}")
        lo, hi = float(range[0]), float(range[1])
    elif a.size:
        lo, hi = float(np.min(a)), float(np.max(a))
    else:
        lo, hi = 0.0, 1.0
    if lo > hi:
        raise ValueError(f"histogram: min should not exceed max, but got min {lo:g} max {hi:g}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"histogram: the range [{lo:g}, {hi:g}] is not finite")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def torch_linspace(lo: float, hi: float, steps: int, dtype: Any) -> np.ndarray:
    """torch.linspace's values in dtype, bit for bit (so histogram edges, and the counts at
    them, are torch's): the step in dtype, the first half lo + step * i and the second
    hi - step * (steps - 1 - i), each with one rounding as torch's fused multiply-add (the
    product and sum in a wider float: float64 for float32, long double for float64)."""
    dt = np.dtype(dtype)
    t = dt.type
    wide = np.float64 if dt.itemsize < 8 else np.longdouble
    start, end = t(lo), t(hi)
    with np.errstate(over="ignore", invalid="ignore"):
        step = (end - start) / t(max(steps - 1, 1))
        i = np.arange(steps)
        up = wide(start) + wide(step) * i.astype(wide)
        down = wide(end) - wide(step) * (steps - 1 - i).astype(wide)
        return np.where(i < steps // 2, up, down).astype(dt)
