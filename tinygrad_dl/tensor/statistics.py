"""Tensor's order statistics and NaN-ignoring reductions, PyTorch's: nansum, nanmean,
median (the lower median), nanmedian, mode, kthvalue, quantile, nanquantile; and cov,
corrcoef.

Order statistics pick values by a stable sort: the gradient goes to the entry picked (a tied
value: the one a stable sort puts at that place, where PyTorch's selection leaves which one
unspecified), as take_along_axis's.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import engine, tensor
from ..ops import Median, NanSum, TakeAlongAxis
from ..ops.elementwise import real_only
from ..ops.shape import Pad, axis_of, caller_level
from ..ops.spelling import real_number, sort_order, spellings
from .complex_numbers import complex_constant
from .conversions import Axis, as_tensor, no_grad_result
from .results import ValuesIndices

if TYPE_CHECKING:
    from . import Tensor

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


class StatisticsMethods:
    """nansum, nanmean, median, kthvalue, quantile (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    @spellings()
    def nansum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The sum with NaNs counted as 0 (np.nansum, torch.nansum); their gradient is 0."""
        return NanSum.apply(self, axis=axis, keepdims=keepdims)

    @spellings()
    def nanmean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The mean of the values that are not NaN (NaN where there are none, as both
        libraries): nansum / their count."""
        if self.data.dtype.kind != "f":
            raise TypeError(f"nanmean: expects a floating-point tensor, got dtype "
                            f"{self.data.dtype} (as torch's)")
        total = NanSum.apply(self, axis=axis, keepdims=keepdims)  # (checks axis first)
        count = np.asarray(np.sum(~np.isnan(self.data), axis=axis if self.ndim else None,
                                  keepdims=keepdims))  # (0-d: dim=(0,) is torch's too)
        if self.data.dtype.itemsize < 4:  # float16: a count past 65504 is inf there (the mean
            # of 70000 halves was 0): divided in float32, rounded back (torch's value)
            return (total.astype(np.float32) / tensor.Tensor(count.astype(np.float32))
                    ).astype(self.data.dtype)
        return total / tensor.Tensor(count.astype(self.data.dtype))

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """PyTorch's median: of all the values, the lower of the two middle ones (NumPy's
        np.median averages them); a NaN anywhere gives NaN. Ties share the gradient (torch's
        median()). With dim: (values, indices) along dim, the gradient to the index."""
        if dim is None:
            if keepdim:
                raise ValueError("median: keepdim needs a dim (as torch's median())")
            _no_empty_median("median", self)
            return Median.apply(self)
        x, axis = _along("median", self, dim)
        order = sort_order(x.data, axis, False)
        idx = np.take(order, [(x.shape[axis] - 1) // 2], axis=axis)
        if x.data.dtype.kind == "f":  # a NaN in the slice: the first NaN (torch's median)
            nan = np.isnan(x.data)
            idx = np.where(nan.any(axis, keepdims=True), nan.argmax(axis, keepdims=True), idx)
        return _picked(self, x, axis, idx, keepdim)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        """torch.kthvalue: (values, indices) of the k-th smallest (k from 1) along dim, NaN
        the largest; the gradient goes to the index."""
        x, axis = _along("kthvalue", self, dim)
        n = x.shape[axis]
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
            raise ValueError(f"kthvalue: k must be an int in [1, {n}] (the length of dim {dim} "
                             f"of a tensor of shape {self.shape}), got {k!r}")
        idx = np.take(sort_order(x.data, axis, False), [int(k) - 1], axis=axis)
        return _picked(self, x, axis, idx, keepdim)

    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> Tensor:
        """torch.quantile: the q-th quantiles along dim (None: of all the values), between
        the sorted values at q (n - 1) by `interpolation` (linear, lower, higher, midpoint,
        nearest); a NaN in a slice gives NaN. A 1-D q puts its axis first. The gradient goes
        to the two values interpolated (weights 1 - w and w)."""
        return quantiles(self, q, dim, keepdim, interpolation, "quantile")

    def mode(self: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        """torch's x.mode(dim=-1): (values, indices) of the most frequent value along dim, the
        smallest of equally frequent ones, at its last occurrence (torch's CPU index for dims
        of up to 16: longer ones give one of the occurrences there). The gradient goes to the
        index."""
        axis = axis_of("mode", dim, max(self.ndim, 1))
        x = self.reshape(1) if self.ndim == 0 else self
        if x.shape[axis] == 0:
            raise RuntimeError(f"mode(): Expected reduction dim {axis} to have non-zero size "
                               f"(shape {self.shape})")
        a = np.moveaxis(real_only("mode", x.data), axis, -1)  # (its smallest of ties: complex
        # numbers are not ordered; NumPy's lexicographic order picked one, torch refuses)
        idx = mode_indices(a.reshape(-1, a.shape[-1])).reshape(a.shape[:-1] + (1,))
        idx = np.moveaxis(idx, -1, axis)
        values = x.take_along_dim(idx, axis)
        if not keepdim or self.ndim == 0:
            values, idx = values.squeeze(axis), np.squeeze(idx, axis)
        return ValuesIndices(values, no_grad_result(np.asarray(idx, dtype=np.int64)))

    def nanquantile(self: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                    interpolation: str = "linear") -> Tensor:
        """torch.nanquantile: quantile with each slice's NaNs left out (an all-NaN slice
        gives NaN)."""
        return quantiles(self, q, dim, keepdim, interpolation, "nanquantile", skip_nan=True)

    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """torch.nanmedian: median (the lower middle value) ignoring NaNs, NaN where all are
        NaN; with dim, (values, indices) along dim. The gradient goes to the picked entry."""
        if dim is None:  # (torch's nanmedian(): ties share the gradient, as median()'s)
            if keepdim:
                raise ValueError("nanmedian: keepdim needs a dim (as torch's nanmedian())")
            _no_empty_median("nanmedian", self)
            flat = self.reshape(-1)
            if flat.data.size == 0:  # (NaN, as torch's, on the graph: an empty gradient)
                return flat.sum() + np.nan
            valid = ~np.isnan(flat.data) if flat.dtype.kind == "f" else np.ones(flat.shape, bool)
            # all NaN: Median's NaN, its gradient shared by the NaNs (torch's)
            return Median.apply(flat[valid] if valid.any() else flat)
        x = self.reshape(-1) if self.ndim == 0 else self
        axis = axis_of("nanmedian", dim, x.ndim)
        if x.shape[axis] == 0:
            raise IndexError(f"nanmedian: dim {dim} of a tensor of shape {self.shape} is empty: "
                             "there is no value to pick")
        order = sort_order(x.data, axis, False)  # (NaNs last)
        count = (~np.isnan(x.data)).sum(axis, keepdims=True) if x.dtype.kind == "f" else \
            np.full(x.shape[:axis] + (1,) + x.shape[axis + 1:], x.shape[axis])
        idx = np.take_along_axis(order, np.maximum(count - 1, 0) // 2, axis)
        values = x.take_along_dim(idx, axis)
        if self.ndim == 0:
            return ValuesIndices(values.reshape(()), no_grad_result(idx.reshape(())))
        if not keepdim:
            values, idx = values.squeeze(axis), np.squeeze(idx, axis)
        return ValuesIndices(values, no_grad_result(idx.astype(np.int64)))

    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None
            ) -> Tensor:
        """torch.cov: the covariance matrix of the rows (variables) over the columns
        (observations; a 1-D tensor is one variable, giving a 0-d result), with integer
        frequency weights and float observation weights, divided as torch's (the divisor
        clipped at 0: inf or NaN where nothing is left)."""
        if self.ndim > 2:
            raise ValueError(f"cov: expects a 1-D or 2-D input, got shape {self.shape}")
        real_number("cov", "correction", correction)  # (torch's and np.cov's: an integer;
        if not float(correction).is_integer():  # "1" failed in the arithmetic, 0.5 computed)
            raise TypeError(f"cov(): correction must be an integer, got {correction!r}")
        correction = int(correction)
        x = self.reshape(1, -1) if self.ndim < 2 else self
        if x.dtype.itemsize == 8 and x.dtype.kind in "iu" and x.data.size:
            # each row less its least value, exact mod 2**64, then float64 (its digits past
            # 2**53 were lost: cov([2**62 + 1, 2**62 + 2, 2**62 + 4]) was 0, not 7/3); Var's
            # exact_offsets, as recorded ops (a jitted step replays it)
            d = (x - x.amin(1, keepdims=True)).double()
            x = d + (d < 0) * 2.0**64  # (an int64 distance past 2**63 wrapped below 0)
        n = x.shape[1]
        given = {}
        for name, v in (("fweights", fweights), ("aweights", aweights)):
            if v is None:
                continue
            t = as_tensor(v if name == "aweights" or isinstance(v, tensor.Tensor)
                          else np.asarray(v), x)  # (a list of ints was float64: refused)
            if t.ndim > 1 or t.data.size != n:
                raise ValueError(f"cov: {name} must be 1-D with {n} entries (the observations),"
                                 f" got shape {t.shape}")
            if name == "fweights" and t.dtype.kind not in "iu":
                raise TypeError(f"cov: fweights must be integers, got dtype {t.dtype}")
            # checked on the values in Python (a rare path): a replay would not check them
            engine.notify_read(t, f"cov({name}=)")
            if (t.data < 0).any():
                raise ValueError(f"cov: {name} must be non-negative")
            given[name] = t
        a = given.get("aweights")
        if a is not None and x.dtype.kind in "fc" and a.dtype.kind == "f" and hasattr(
                aweights, "dtype"):  # (a list of Python floats is weak: x's dtype)
            # x and typed aweights promoted, torch's and np.cov's dtype (float32 data with
            # float64 aweights was float32)
            x = x.astype(np.result_type(x.dtype, a.dtype))
        # the weights in the result's real dtype: x's own (an integer x cut aweights 0.5 to
        # 0; a complex one's complex weights made the divisor complex)
        real = np.float64 if x.dtype.kind not in "fc" else np.empty(0, x.dtype).real.dtype
        w, aw, fw, lost = None, None, None, 0
        for name, t in given.items():
            positive = t.data > 0
            top = float(np.max(t.data)) if name == "aweights" and n else 0.0
            if 0.0 < top < np.inf:  # scaled by a power of 2 (exact; cov does not change):
                # w * aw below under- or overflowed (aweights of 1e-300 gave half the
                # covariance, of 1e200 inf)
                t = t * float(np.ldexp(1.0, -int(np.frexp(top)[1])))
            t = t.reshape(-1).astype(real)
            lost += int((positive.reshape(-1) & (t.data == 0)).sum())
            w = t if w is None else w * t
            aw, fw = (t, fw) if name == "aweights" else (aw, t)
        total = float(n) if w is None else w.sum()
        if w is not None and not w.data.sum() > 0:  # (torch's refusal: avg would be 0 / 0)
            raise ValueError("cov: the weights sum to zero, so they cannot be normalized")
        avg = (x.mean(1, keepdims=True) if w is None else
               (x * w).sum(1, keepdims=True) / total)
        if aw is None or not correction:
            factor = total - correction * ((w * aw).sum() / total if aw is not None else 1)
        else:
            factor = _weighted_divisor(w, aw, fw, correction, total)
        value = float(factor.data if isinstance(factor, tensor.Tensor) else factor)
        if value <= 0:  # (a NaN weight's NaN passes through)
            factor = factor.clip(0, None) if isinstance(factor, tensor.Tensor) else 0.0
            warnings.warn(f"cov: degrees of freedom <= 0 (correction={correction} for {n} "
                          f"observations{'' if w is None else ', weighted'}"
                          + (f", {lost} aweights past {np.dtype(real).name}'s range below the "
                             "largest counted as 0" if lost else "") +
                          "): the covariance is inf or NaN", RuntimeWarning,
                          stacklevel=caller_level())
        centered = x - avg
        # less the deviations' own mean (the corrected two-pass): avg's rounding biased each
        # (float32 cov of 2000 copies of 1e8 was 64, torch's too; the exact 0)
        centered = centered - (centered.mean(1, keepdims=True) if w is None else
                               (centered * w).sum(1, keepdims=True) / total)
        right = centered.T.conj() if x.dtype.kind == "c" else centered.T  # (torch's X X^H)
        with np.errstate(**({"divide": "ignore", "invalid": "ignore"} if value <= 0 else {})):
            c = (centered if w is None else centered * w) @ right / factor  # (warned above)
        return c.reshape(()) if x.shape[0] == 1 else c  # one variable: 0-d, torch's squeeze()

    def corrcoef(self) -> Tensor:
        """torch.corrcoef: Pearson's correlation coefficients of the rows, clipped to [-1, 1]."""
        c = self.cov()
        if c.ndim == 0:
            return c / c
        d = c.diagonal().sqrt()
        r = c / d.reshape(-1, 1) / d.reshape(1, -1)
        if r.data.dtype.kind == "c":  # each part clipped, as torch's (complex is not ordered)
            out = complex_constant("corrcoef", r).copy()
            np.clip(out.real, -1.0, 1.0, out=out.real)
            np.clip(out.imag, -1.0, 1.0, out=out.imag)
            return no_grad_result(out)
        return r.clip(-1.0, 1.0)


def _weighted_divisor(w: Tensor, aw: Tensor, fw: Tensor | None, correction: int,
                      total: Tensor) -> Tensor:
    """cov's divisor total - correction sum(w aw) / total, as (sum_i w_i (others_i
    + aw_i (fw_i - correction))) / total with others_i the sum of the other weights (prefix
    and suffix sums): a sum of non-negative terms for correction <= 1, exact to round-off
    (the difference lost up to every digit: aweights [1, 1e-10] gave cov([0, 1]) 0.49999996, [1,
    1e-16] inf, for the exact 0.5). A correction > 1 subtracts; a divisor within the sum's
    round-off of 0 counts as 0 (no degrees of freedom; one observation's a - a a / a)."""
    ends = [(1, 0)], [(0, 1)]
    others = (Pad.apply(w[:-1].cumsum(0), pad_width=ends[0])
              + Pad.apply(w[1:].flip(0).cumsum(0).flip(0), pad_width=ends[1]))
    terms = w * (others + aw * ((1.0 if fw is None else fw) - correction))
    d = terms.sum()
    noise = 4 * w.shape[0] * np.finfo(d.dtype).eps * float(np.abs(terms.data).sum())
    return d.where(tensor.Tensor(~(d.data <= noise)), 0.0) / total  # (an inf weight's NaN kept)


def _no_empty_median(who: str, x: Tensor) -> None:
    """median()/nanmedian() of no values is NaN, which an integer or bool dtype cannot hold:
    refused (torch 2.13 returns an arbitrary value there, -2**63 for int64, 0 for uint8)."""
    if x.data.size == 0 and x.data.dtype.kind not in "fc":
        raise ValueError(f"{who}: an empty {x.data.dtype} tensor (shape {x.shape}) has no "
                         f"median, and its NaN is no {x.data.dtype} value; cast it first: "
                         f"x.double().{who}()")


def _along(who: str, x: Tensor, dim: Any) -> tuple[Tensor, int]:
    """x (a 0-d one as shape (1,), torch's dims -1 and 0) and dim as an axis, checked; an
    empty dim is refused (there is no value to pick)."""
    x1 = x.reshape(1) if x.ndim == 0 else x
    axis = axis_of(who, dim, x1.ndim)
    if x1.shape[axis] == 0:
        raise IndexError(f"{who}: dim {dim} of a tensor of shape {x.shape} is empty: there "
                         "is no value to pick")
    return x1, axis


def _picked(x0: Tensor, x: Tensor, axis: int, idx: np.ndarray, keepdim: bool) -> ValuesIndices:
    """(values, indices) at idx (keepdims-shaped along axis) of x, shaped as torch's."""
    values = TakeAlongAxis.apply(x, indices=idx, axis=axis)
    if x0.ndim == 0:
        return ValuesIndices(values.reshape(()), no_grad_result(idx.reshape(())))
    if not keepdim:
        values, idx = values.squeeze(axis), np.squeeze(idx, axis)
    return ValuesIndices(values, no_grad_result(np.asarray(idx, dtype=np.int64)))


def quantiles(self: Tensor, q: Any, dim: int | None, keepdim: bool, interpolation: str,
              who: str, skip_nan: bool = False) -> Tensor:
    """quantile's and nanquantile's values (skip_nan: the NaNs of a slice left out, its n the
    count of the others; an all-NaN slice gives NaN, as torch's)."""
    if self.data.dtype.kind != "f":
        raise TypeError(f"{who}: expects a float tensor, got dtype {self.data.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{who}: interpolation must be one of {_INTERPOLATIONS}, got "
                         f"{interpolation!r}")
    if isinstance(q, tensor.Tensor) and q.requires_grad and interpolation == "linear":
        # (q is read as constants: torch's gradient to q, (hi - lo) (n - 1), would be 0 here)
        raise ValueError(f"{who}: a q that requires grad would get no gradient here; pass "
                         "q.detach()")
    qs = np.asarray(q.data if isinstance(q, tensor.Tensor) else q, dtype=self.data.dtype)
    if qs.ndim > 1 or qs.dtype.kind != "f" or not ((qs >= 0) & (qs <= 1)).all():
        got = f"shape {qs.shape}" if qs.ndim > 1 else np.array2string(
            qs.ravel(), threshold=8, max_line_width=10**6)
        raise ValueError(f"{who}: q must be a number or a 1-D tensor of numbers in "
                         f"[0, 1], got {got}")  # (one line: not a multi-line repr)
    if self.data.size == 0:
        raise ValueError(f"{who}: the input of shape {self.shape} is empty")
    x = self.reshape(-1) if dim is None else self.reshape(1) if self.ndim == 0 else self
    axis = -1 if dim is None else axis_of(who, dim, x.ndim)
    s = x.sort(axis).values.moveaxis(axis, -1)  # (..., n): the gradient follows the sort
    n = s.shape[-1]
    nan = np.isnan(s.data)
    if skip_nan:  # (NaNs sort last: the first `count` values are the others)
        count = (~nan).sum(-1, keepdims=True)
        ranks = np.maximum(qs.reshape(-1) * (count - 1), 0).astype(qs.dtype)
    else:
        ranks = np.broadcast_to(qs.reshape(-1) * (n - 1), s.shape[:-1] + (qs.size,)).copy()
        ranks[nan.any(-1)] = n - 1  # a NaN (sorted last) makes the quantile NaN
    if interpolation == "nearest":
        ranks = np.round(ranks)
    below, above = np.floor(ranks).astype(np.intp), np.ceil(ranks).astype(np.intp)
    lo, hi = s.take_along_dim(below, -1), s.take_along_dim(above, -1)
    if interpolation in ("lower", "nearest"):
        out = lo
    elif interpolation == "higher":
        out = hi
    else:
        w = ranks - below if interpolation == "linear" else np.full(ranks.shape, 0.5)
        w = w.astype(self.data.dtype)
        small = tensor.Tensor(w < 0.5)  # torch's lerp: from lo below 0.5, from hi above
        with np.errstate(invalid="ignore", over="ignore"):  # (inf - inf, and a difference
            d = hi - lo  # past the float range: patched below)
            out = (lo + d * w).where(small, hi - d * (1 - w))
        out = _inf_ends(out, lo, hi, w)
    out = out.moveaxis(-1, 0)  # (q, ...)
    if keepdim:  # the reduced axes kept, as 1 (all of them for dim=None)
        kept = (1,) * self.ndim if dim is None or self.ndim == 0 else tuple(
            1 if i == axis % x.ndim else m for i, m in enumerate(x.shape))
        out = out.reshape((qs.size,) + kept)
    return out.reshape(out.shape[1:]) if qs.ndim == 0 else out


def _inf_ends(out: Tensor, lo: Tensor, hi: Tensor, w: np.ndarray) -> Tensor:
    """Between two equal infinities, or an infinity and a finite value, the interpolated
    quantile is that infinity (the lerp's inf - inf made it NaN, as torch 2.13's: quantile(x,
    1.0) of a tensor whose maximum is inf was NaN); the gradient of those goes to the infinite
    entry. Between -inf and inf it stays NaN. Between two finite values whose difference
    overflows (-1e308 and 1e308), lo (1 - w) + hi w: the lerp's (and torch's) was +-inf."""
    a, b, o = lo.data, hi.data, out.data  # (where the lerp gave the infinity, as for
    # lo + (inf - lo) w below w = 0.5, its value and gradient are torch's)
    if np.isfinite(o).all():  # (the common case: one check)
        return out
    bad = np.isnan(o)
    to_lo = bad & np.isinf(a) & ((a == b) | np.isfinite(b))
    to_hi = bad & np.isinf(b) & np.isfinite(a)
    wide = ~np.isfinite(o) & np.isfinite(a) & np.isfinite(b)
    if wide.any():  # (a convex sum of two finite values: no overflow)
        out = (lo * (1 - w) + hi * w).where(tensor.Tensor(wide), out)
    if not (to_lo.any() or to_hi.any()):
        return out
    return lo.where(tensor.Tensor(to_lo), hi.where(tensor.Tensor(to_hi), out))


def mode_indices(a: np.ndarray) -> np.ndarray:
    """Per row of a 2-D array, the index of its mode: the most frequent value, the smallest of
    equally frequent ones, at its last occurrence (torch's CPU kernel's index for rows of up to
    16; NaNs count as one value that sorts last)."""
    m, n = a.shape
    order = np.argsort(a, axis=1, kind="stable")
    s = np.take_along_axis(a, order, axis=1)
    new = np.ones((m, n), dtype=bool)
    if s.dtype.kind == "f":
        new[:, 1:] = ~((s[:, 1:] == s[:, :-1]) | (np.isnan(s[:, 1:]) & np.isnan(s[:, :-1])))
    else:
        new[:, 1:] = s[:, 1:] != s[:, :-1]
    pos = np.arange(n)
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    end = np.ones((m, n), dtype=bool)
    end[:, :-1] = new[:, 1:]
    length = np.where(end, pos - start + 1, 0)
    best = np.argmax(length, axis=1)  # (the first longest run: the smallest value)
    return order[np.arange(m), best]
