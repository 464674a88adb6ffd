"""Reductions over axis=None | int | tuple, with keepdims. Backward broadcasts the
gradient back over the reduced axes. Sums, products and cumsums of bool and integer tensors
are int64 (PyTorch's rule; uint64 stays uint64), with or without an axis."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..engine import Function
from .binary import complex_logaddexp
from .dims import dim_value
from .elementwise import as_float, real_only
from .moments import deviations, exact_offsets, norm_of_sum, scaled_std, scaled_var, squared
from .scan_recurrences import DIRECT_MAX, logcumsumexp_grad_long
from .shape import caller_level

__all__ = ["CumProd", "CumSum", "LogCumSumExp", "LogSumExp", "Max", "Mean", "Median", "Min",
           "NanSum", "Norm", "Prod", "Std", "Sum", "Var", "VectorNorm"]


def _axes(axis, ndim: int, ctx: Function, shape: tuple[int, ...]) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            a = dim_value(a)  # (a 0-d integer tensor or array: its int, as torch's)
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
                raise TypeError(f"{ctx.name}: axis must be an integer or a tuple of them, "
                                f"got {axis!r}")  # (True is an int to Python: axis 1)
        if not -max(ndim, 1) <= a < max(ndim, 1):  # (the op's name: a Tensor method calls this)
            raise ValueError(f"{ctx.name}: axis {a} is out of bounds for an input of shape "
                             f"{shape}")
        if ndim:  # a 0-d input takes dim 0 or -1, as torch's, and reduces over no axis
            out.append(a % ndim)
    if not ndim and len(axes) > 1:  # (NumPy refuses a repeat only where ndim > 0)
        raise ValueError(f"{ctx.name}: dims {tuple(axes)} name one dim twice (a 0-D tensor); "
                         "give each dim once")
    return tuple(out)


def int_sum_dtype(dtype: np.dtype) -> Any:
    """The dtype a sum, product or cumsum of `dtype` is made in: PyTorch's int64 for bool and
    every integer dtype int64 holds (NumPy made uint8/16/32 sums uint64, and int32 ones the
    platform's int), None (the input's own dtype) for floats, complex and uint64, whose values
    int64 cannot hold (PyTorch 2.13 wraps a uint64 sum into int64: silently wrong above 2**63)."""
    if dtype.kind in "bi" or (dtype.kind == "u" and dtype.itemsize < 8):
        return np.int64
    return None


# The dtype= of np.cumsum and np.cumprod for each input dtype (absent: None, its own): as
# int_sum_dtype for bool and the integers; float16 in float32, float32 in float64, complex64
# in complex128 (torch's CPU accumulate types), each entry rounded back once (_NARROW): a
# float16 running sum of 0.1s stuck at 256 (torch's 500 after 5000); a float32 one of 10**6
# uniforms was 2e-5 off, its products too, torch's 6e-8. A dict: one lookup, not a call.
_SCAN_DTYPE = {np.dtype(c): int_sum_dtype(np.dtype(c)) for c in "?" + np.typecodes["AllInteger"]}
_SCAN_DTYPE.update({np.dtype(np.float16): np.float32, np.dtype(np.float32): np.float64,
                    np.dtype(np.complex64): np.complex128})
_NARROW = frozenset(np.dtype(c) for c in (np.float16, np.float32, np.complex64))


def _scan(fn: Any, x: np.ndarray, axis: int | None) -> np.ndarray:
    """fn (np.cumsum, np.cumprod) along axis in x's _SCAN_DTYPE; a narrow float is cast first
    and scanned in place (dtype= cast it buffer by buffer: 3x slower), then rounded back."""
    if x.dtype not in _NARROW:
        return fn(x, axis=axis, dtype=_SCAN_DTYPE.get(x.dtype))
    w = x.astype(_SCAN_DTYPE[x.dtype])
    w = w.reshape(-1) if axis is None else w
    return fn(w, axis=axis, out=w).astype(x.dtype)


def _expand(g: np.ndarray, axes: tuple[int, ...], keepdims: bool, ndim: int) -> np.ndarray:
    """Give g back the reduced axes (as size 1) so it broadcasts against the input."""
    if keepdims or not axes or g.ndim == ndim:
        return g
    return np.expand_dims(g, axes)


class Sum(Function):
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim, ctx, x.shape), keepdims
        return x.sum(axis=ctx.axes, keepdims=keepdims, dtype=int_sum_dtype(x.dtype))

    def backward(ctx, g):
        g = _expand(g, ctx.axes, ctx.keepdims, len(ctx.shape))
        return np.broadcast_to(g, ctx.shape)


class Mean(Function):
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim, ctx, x.shape), keepdims
        ctx.count = count = math.prod([x.shape[a] for a in ctx.axes]) if x.ndim else 1
        if count > 2048 and x.dtype == np.float16:  # (backward's g / count: see _HalfCount)
            ctx.count = _HalfCount(count)
        return x.mean(axis=ctx.axes, keepdims=keepdims)

    def backward(ctx, g):
        g = _expand(g, ctx.axes, ctx.keepdims, len(ctx.shape))
        return np.broadcast_to(g / ctx.count, ctx.shape)


class _HalfCount:
    """A float16 mean's count past 2048, which float16 does not hold (2049 is 2048 there, past
    65504 inf: the mean's gradient of 70000 halves was 0): `g / count` divides in float32 and
    rounds back (torch's value). Only such a mean pays for it: the others divide by an int."""

    __array_ufunc__ = None  # (ndarray's `/` defers to __rtruediv__)

    def __init__(self, n: int) -> None:
        self.n = n

    def __rtruediv__(self, g: Any) -> Any:
        return (np.asarray(g, np.float32) / self.n).astype(np.float16)


class Var(Function):
    """Variance with `ddof` (0: the population variance batch norm uses); ddof >= n gives inf
    (NumPy's value and warning).

    As NumPy, the divisor is max(n - ddof, 0): with no degrees of freedom left (ddof >= n, or
    an empty slice) the value is inf (or nan for 0/0) with NumPy's RuntimeWarning, and the
    gradient is the same formula's limit (+-inf, nan where x is at the mean)."""

    def forward(ctx, x, axis=None, keepdims=False, ddof=0):
        ctx.axes, ctx.keepdims = _axes(axis, x.ndim, ctx, x.shape), keepdims
        count = math.prod([x.shape[a] for a in ctx.axes]) if x.ndim else 1
        ctx.denom = denom = max(count - ddof, 0)
        if x.dtype.kind in "iu":  # int64: exact past 2**53 (and its sum had wrapped)
            x = exact_offsets(x, ctx.axes)
        if denom and count:
            centered, ss, finite = deviations(x, ctx.axes, count, keepdims)
            ctx.save_for_backward(centered)
            if finite or ss.dtype.kind != "f":
                return ss / denom
            # a sum of squares overflowed (or NaN, inf): rescaled where the variance fits
            return scaled_var(centered, ctx.axes, keepdims, denom, ss / denom)
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning,  # (at the
                      stacklevel=caller_level())  # user's line: 4 was tg.var's methods.py)
        with np.errstate(divide="ignore", invalid="ignore"):
            centered = x - x.sum(axis=ctx.axes, keepdims=True) / count
            ctx.save_for_backward(centered)
            return squared(centered).sum(axis=ctx.axes, keepdims=keepdims) / denom

    def backward(ctx, g):
        centered = ctx.saved[0]
        g = _expand(g, ctx.axes, ctx.keepdims, centered.ndim)
        if ctx.denom:
            return g * (2.0 / ctx.denom) * centered
        with np.errstate(invalid="ignore"):  # 0 * inf where x is at the mean: nan
            return g * math.inf * centered


class Std(Var):
    """sqrt(var): one op, so that where the spread is 0 (an axis of length 1, a constant
    slice, a scalar) the gradient is 0, as PyTorch's, not 0/0; ddof >= n gives inf with
    NumPy's warning."""

    def forward(ctx, x, axis=None, keepdims=False, ddof=0):
        with np.errstate(over="ignore", under="ignore"):  # (x - mean)^2 out of range: below
            var = Var.forward(ctx, x, axis, keepdims, ddof)
        out = np.sqrt(var)
        if (ctx.denom and var.size and var.dtype.kind == "f"
                and not (np.isfinite(var).all() and var.min() >= np.finfo(var.dtype).tiny)):
            out = scaled_std(ctx.saved[0], ctx.axes, keepdims, ctx.denom, out, var)
        ctx.saved = (*ctx.saved, out)  # (saved: the write guard holds what backward reads)
        return out

    def backward(ctx, g):
        out = ctx.saved[-1]
        if not ctx.denom:  # no degrees of freedom: the limit of (x - mean) / sqrt(denom S),
            # +-inf (nan at the mean), Var's (g / (2 inf) was 0, times Var's inf: NaN everywhere)
            return Var.backward(ctx, g)
        # g (x - mean) / (denom std), with (x - mean) / std (at most sqrt(denom)) formed first:
        # g / std overflows where the std is subnormal, and 2 std where it is above max / 2
        centered = ctx.saved[0]
        o = _expand(out, ctx.axes, ctx.keepdims, centered.ndim)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = centered / o
        if not np.all(out):  # a zero spread: PyTorch's gradient there is 0
            r = np.where(o == 0, 0, r).astype(centered.dtype, copy=False)
        return _expand(g, ctx.axes, ctx.keepdims, centered.ndim) * r / ctx.denom


class Max(Function):
    """Max over axes; ties share the gradient equally (a subgradient); a NaN maximum gives the
    gradient to the NaNs (PyTorch's `max()`). at_index=True (torch's max(dim=...), one axis):
    the gradient goes all to np.argmax's index (the first maximum, or the first NaN), the
    index returned, as torch routes it (found in backward: the forward costs no more)."""

    _reduce = staticmethod(np.max)  # Min shares everything else
    who = "max"  # (the name a complex input's refusal gives)
    _pick = staticmethod(np.argmax)

    def forward(ctx, x, axis=None, keepdims=False, at_index=False):
        ctx.axes, ctx.keepdims = _axes(axis, x.ndim, ctx, x.shape), keepdims
        ctx.at_index = at_index and len(ctx.axes) == 1 and x.size > 0
        if x.dtype.kind == "c":  # (inline: the real path pays no call)
            real_only(ctx.who, x)
        out = ctx._reduce(x, axis=ctx.axes, keepdims=True)
        if ctx.at_index and x.dtype.kind == "f" and not out.all():  # (a zero: rare)
            # the value at the index returned, as torch's: np.max of [-0.0, 0.0] is 0.0 but
            # its argmax 0, so the value and x[index] disagreed in the sign of zero
            out = np.take_along_axis(x, ctx._pick(x, axis=ctx.axes[0], keepdims=True),
                                     ctx.axes[0])
        ctx.save_for_backward(x, out)
        return out if keepdims else out.reshape([n for i, n in enumerate(x.shape)
                                                  if i not in ctx.axes])

    def backward(ctx, g):
        x, out = ctx.saved
        g = _expand(g, ctx.axes, ctx.keepdims, x.ndim)
        if getattr(ctx, "at_index", False):  # torch's max(dim): all to the index returned
            grad = np.zeros(x.shape, dtype=g.dtype)
            axis = ctx.axes[0]
            np.put_along_axis(grad, ctx._pick(x, axis=axis, keepdims=True), g, axis)
            return grad
        mask = x == out
        if np.isnan(out).any():  # a NaN maximum: the NaNs get the gradient (PyTorch's max())
            mask |= np.isnan(x) & np.isnan(out)
        # count in g's dtype: an integer count array would promote float32 to float64
        return g * mask / mask.sum(axis=ctx.axes, keepdims=True, dtype=g.dtype)


class Min(Max):
    """Min over axes; ties share the gradient equally (a subgradient), as for Max."""

    _reduce = staticmethod(np.min)
    _pick = staticmethod(np.argmin)
    who = "min"


def _lower_median(x: np.ndarray, axis: Any = None, keepdims: bool = True) -> np.ndarray:
    """torch.median(x) of all the values: the lower of the two middle ones (NumPy's median
    averages them), NaN if any is NaN, NaN for no values; shaped (1,) * ndim (Max's keepdims)."""
    flat = x.reshape(-1)
    k = (flat.size - 1) // 2
    if flat.size == 0 or (x.dtype.kind in "fc" and np.isnan(flat).any()):
        value = np.asarray(np.nan, x.dtype)
    else:
        value = np.partition(flat, k)[k]
    return np.asarray(value, x.dtype).reshape((1,) * x.ndim)


class Median(Max):
    """torch.median(x) without dim: the lower median of all the values; ties share the
    gradient equally and a NaN median gives it to the NaNs (torch's evenly distributed
    gradient, as Max's)."""

    _reduce = staticmethod(_lower_median)
    who = "median"


class NanSum(Function):
    """Sum over axes with NaNs counted as zero (np.nansum, torch.nansum). The gradient is
    g * (x is not NaN): a product, as torch's, so an infinite g gives NaN at the NaNs."""

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim, ctx, x.shape), keepdims
        ctx.save_for_backward(x)
        if x.dtype.kind not in "fc":  # (no NaN in ints and bools: Sum's int64 rule)
            return x.sum(axis=ctx.axes, keepdims=keepdims, dtype=int_sum_dtype(x.dtype))
        return np.asarray(np.nansum(x, axis=ctx.axes, keepdims=keepdims))

    def backward(ctx, g):
        (x,) = ctx.saved
        g = _expand(g, ctx.axes, ctx.keepdims, len(ctx.shape))
        with np.errstate(invalid="ignore"):  # inf * 0 is torch's NaN too
            return np.broadcast_to(g, ctx.shape) * ~np.isnan(x)


class Prod(Function):
    """Product over axes. d/dx_i is the product of the others, formed as (product of those
    before i) * (product of those after i) with no division: zeros are exact (one zero in a
    slice gets the product of the rest, two zeros give 0 everywhere) and nothing underflows
    that the forward did not."""

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes, ctx.keepdims = _axes(axis, x.ndim, ctx, x.shape), keepdims
        ctx.save_for_backward(x)
        return x.prod(axis=ctx.axes, keepdims=keepdims, dtype=int_sum_dtype(x.dtype))

    def backward(ctx, g):
        x, axes = ctx.saved[0], ctx.axes
        if not x.size:  # the empty product is 1, a constant: an empty gradient
            return np.zeros(x.shape, dtype=g.dtype)
        g = _expand(g, axes, ctx.keepdims, x.ndim)
        k = len(axes)
        moved = np.moveaxis(x, axes, range(x.ndim - k, x.ndim))  # reduced axes last, then one
        flat = moved.reshape(moved.shape[:x.ndim - k] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = np.moveaxis((before * after).reshape(moved.shape),
                             range(x.ndim - k, x.ndim), axes)
        return g * others


class LogSumExp(Function):
    """log(sum(exp(x))) over axes, max-shifted (by 0 where the max is not finite: all -inf
    gives -inf, +inf gives inf): finite for any finite x. d/dx = softmax(x).

    A slice whose max is not finite is shifted by 0 instead (as SciPy's logsumexp), so all
    -inf gives -inf, a +inf gives inf and a NaN gives nan; the gradient there is PyTorch's
    (nan where x - out is inf - inf)."""

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes, ctx.keepdims = _axes(axis, x.ndim, ctx, x.shape), keepdims
        x = as_float(x)  # (an int32 x - m wraps, a bool one raises)
        # (complex: shifted by the real parts' max, a real m, so that the result's imaginary
        # part is the principal Arg of the sum, torch's; the complex max was 2 pi off)
        m = ((x.real if x.dtype.kind == "c" else x).max(axis=ctx.axes, keepdims=True)
             if x.size else np.zeros((), x.dtype))
        ctx.finite = x.size > 0 and bool(np.isfinite(m).all())
        if not ctx.finite:  # empty, or a slice of -inf / +inf / NaN: shifted by 0 (log(0) = -inf)
            m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
        z = np.asarray(x - m)  # (0-d: x - m is a NumPy scalar)
        if ctx.finite:  # every e^(x - m) <= 1 and their sum s >= 1: out is finite too, and
            e = np.exp(z, out=z)  # the gradient e / s (e^(x - out) read out's rounding: at
            s = e.sum(axis=ctx.axes, keepdims=True)  # |x| ~ 1e15 three equal entries had
            out = np.log(s) + m  # 0.32 each, at 1e17 1 each)
            ctx.save_for_backward(e, s)
        else:  # (per slice: e^((x - m) - log s), so a finite slice beside one of -inf keeps
            # e / s's accuracy, and a number beside +inf gets e^-inf = 0, not inf / inf)
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                ls = np.log(np.exp(z).sum(axis=ctx.axes, keepdims=True))
            out = ls + m
            ctx.save_for_backward(z, ls)
        return out if keepdims else out.reshape([n for i, n in enumerate(x.shape)
                                                  if i not in ctx.axes])

    def backward(ctx, g):
        a, b = ctx.saved
        g = _expand(g, ctx.axes, ctx.keepdims, a.ndim)
        if ctx.finite:
            return a * (g / b)  # e * (g / s): one full-size product
        with np.errstate(invalid="ignore"):  # inf - inf: nan, as PyTorch's
            return g * np.exp(a - b)


class Norm(Function):
    """The 2-norm over axes, sqrt(sum x^2) (a matrix's Frobenius norm; all axes: the
    flattened vector's), one op: d/dx = x / norm, and where the norm is 0 (a zero vector, an
    empty slice) the gradient is 0, PyTorch's, not 0/0 (a zero-initialised bias's norm in a
    penalty would make every gradient NaN). Integers are read as float64, as np.linalg.norm."""

    def forward(ctx, x, axis=None, keepdims=False):
        x, ctx.half = _norm_input(x)
        ctx.axes, ctx.keepdims = _axes(axis, x.ndim, ctx, x.shape), keepdims
        a = np.abs(x) if x.dtype.kind == "c" else x  # (complex: a real norm of the moduli;
        # x kept for the gradient, torch's z / |z|, as Abs's: |z| lost the phase)
        if (1 in x.shape or not ctx.axes) and _one_each(x.shape, ctx.axes):  # |x|, see
            # _one_each (the first test spares the common path a call); gradient x / |x|
            out = np.add.reduce(np.abs(a), axis=ctx.axes, keepdims=keepdims)
        else:
            out = norm_of_sum(a, 2.0, ctx.axes, keepdims)
        ctx.save_for_backward(x, out)
        return out.astype(np.float16) if ctx.half else out

    def backward(ctx, g):
        x, out = ctx.saved
        o = _expand(out, ctx.axes, ctx.keepdims, x.ndim)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = x / o
        if not np.all(out):  # a zero norm: the gradient there is 0
            r = np.where(o == 0, 0, r).astype(r.dtype, copy=False)
        r = _expand(g, ctx.axes, ctx.keepdims, x.ndim) * r
        return r.astype(np.float16) if ctx.half else r


def _norm_input(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """(x as a norm or logcumsumexp computes it, whether it was float16): integers as
    float64 (as np.linalg.norm), float16 in float32 and the result rounded back once, torch's
    value (in float16 the squares overflow from 256: the norm of ten 600s was inf, torch's
    1897, and layer_norm's or cosine_similarity's divisions by it gave 0); complex as it is,
    each norm taking its moduli (x * x made the 2-norm of [1j, 1] 0j, torch's sqrt 2), the
    gradient torch's at z (x * 1j requires grad: abs's sign(z), not |z|'s)."""
    kind = x.dtype.kind
    if kind == "f":
        if x.dtype.itemsize == 2:  # (float16, the one 2-byte float)
            return x.astype(np.float32), True
        return x, False
    if kind == "c":
        return x, False
    return x.astype(np.float64), False


def _one_each(shape: tuple[int, ...], axes: tuple[int, ...]) -> bool:
    """Does each slice a norm reduces hold one entry (every axis reduced of length 1; a 0-d
    input)? Its norm is then |x|, for every p but 0 (torch's value): sqrt(x * x) was 0 from
    |x| < 1.5e-162 (x * x underflows) and inf above 1.3e154 (torch's [1e-200] gave 1e-200, ours
    0), and (|x|^p)^(1/p) an ulp off. Elsewhere sqrt(x * x) is |x| to the bit. (Two entries or
    more: sqrt(sum x^2), rescaled where it overflows or underflows: see ops.moments.norm_of_sum.)"""
    for i in axes:
        if shape[i] != 1:
            return False
    return True


class VectorNorm(Function):
    """The p-norm over axes for any p (PyTorch's linalg.vector_norm(x, ord=p)): (sum |x|^p)^(1/p);
    p = inf: max |x|, -inf: min |x|, 0: the count of nonzeros (gradient 0). The gradient is
    PyTorch's, case by case: sign(x) for p = 1; x / norm for p = 2 and x |x|^(p-2) / norm^(p-1)
    above, 0 where the norm is 0; for p < 1 the terms of zero entries are 0; for +-inf the
    entries equal to the norm (and NaNs) share it. F.normalize and F.pairwise_distance use it."""

    def forward(ctx, x, ord=2.0, axis=None, keepdims=False):
        p = float(ord)
        if p != p:  # (torch: nan over any entry, 0 over an empty axis, refused by matrix_norm,
            # cdist, pdist, renorm; here Tensor.norm, matrix_norm, cdist, ... refused it too)
            raise ValueError("vector_norm (linalg.norm, dist, normalize, "
                             "pairwise_distance): ord=nan is not a norm order (input of shape "
                             f"{np.shape(x)}); pass a number (inf, -inf and 0 too)")
        x, ctx.half = _norm_input(x)
        ctx.axes, ctx.keepdims, ctx.p = _axes(axis, x.ndim, ctx, x.shape), keepdims, p
        red = {"axis": ctx.axes, "keepdims": keepdims}
        a = np.abs(x)
        if (p < 0 or p == math.inf) and any(x.shape[i] == 0 for i in ctx.axes):
            # (torch raises: a negative p is a minimum in the limit, (sum of nothing)^(1/p)
            # gave inf; p >= 0 over nothing is 0, as torch's)
            what = "max of |x|" if p > 0 else f"{p:g}-norm (a minimum in the limit)"
            raise ValueError(f"vector_norm: the {what} over an empty axis is undefined (input "
                             f"of shape {x.shape}, axes {ctx.axes}): reduce over non-empty "
                             "axes or use a finite ord >= 0")
        if math.isinf(p):
            out = (np.max if p > 0 else np.min)(a, **red)
        elif p == 0:
            out = np.add.reduce(x != 0, **red).astype(a.dtype)  # (a: complex's real dtype)
        elif p == 1:
            out = np.add.reduce(a, **red)
        elif (1 in x.shape or not ctx.axes) and _one_each(x.shape, ctx.axes):  # |x| (see
            ctx.p = 2.0  # _one_each), with p = 2's gradient x / |x|: sign(x), nan at +-inf
            out = np.add.reduce(a, **red)  # (torch's; its p = 3 formula gave nan at 1e-200)
        elif p > 0:
            out = norm_of_sum(a, p, ctx.axes, keepdims)
        else:
            with np.errstate(divide="ignore"):  # 0 ** -1: inf, so that the norm is 0
                out = np.add.reduce(a ** p, **red) ** (1 / p)
        ctx.save_for_backward(x, out)
        return out.astype(np.float16) if ctx.half else out

    def backward(ctx, g):
        r = ctx._grad(g)
        return r.astype(np.float16) if ctx.half else r  # (float16's, made in float32)

    def _grad(ctx, g):
        x, out = ctx.saved
        p = ctx.p
        g = _expand(g, ctx.axes, ctx.keepdims, x.ndim)
        norm = _expand(out, ctx.axes, ctx.keepdims, x.ndim)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 0:
                return np.zeros(x.shape, dtype=g.dtype)
            if p == 1:
                return np.sign(x) * g
            if math.isinf(p):
                a = np.abs(x)
                mask = (a == norm) | np.isnan(a)
                return np.sign(x) * (g / mask.sum(axis=ctx.axes, keepdims=True, dtype=g.dtype)
                                     * mask)
            if p < 1:
                scaled = np.sign(x) * np.where(x == 0, 0, np.abs(x) ** (p - 1))
                return scaled * g * norm ** (1 - p)
            if p == 2:
                return g * np.where(norm == 0, 0, x / norm)
            if p < 2:  # (|x|^(p - 1) and norm^(p - 1) stay in range; x / norm lost digits
                scale = np.where(norm == 0, 0, g / norm ** (p - 1))  # where it is subnormal)
                return np.sign(x) * np.abs(x) ** (p - 1) * scale
            r = x / norm  # (|x| / norm)^(p - 1), not |x|^(p - 1) / norm^(p - 1): the norm of
            return np.where(norm == 0, 0, r * np.abs(r) ** (p - 2) * g)  # [1e200] * 2 is
            # finite, its cube not


def _scan_axis(ctx: Function, x: np.ndarray, axis: Any) -> int | None:
    """A scan's axis: a 0-d input takes dim 0 or -1 and stays 0-d, as torch's (NumPy's
    flattened (1,) is for axis=None only); None scans the flattened array."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):  # ((0, 1) scanned axis 0 alone, () the flattened
        # array; NumPy and torch refuse both. ValueError: np.cumsum's TypeError would retry)
        raise ValueError(f"{ctx.name}: axis must be one integer, got {axis!r} (input of shape "
                         f"{x.shape}): a scan runs along one dim; flatten first for all of them")
    ax = _axes(axis, x.ndim, ctx, x.shape)
    return ax[0] if ax else None


class CumProd(Function):
    """Cumulative product along `axis` (None: over the flattened array, as np.cumprod).
    Backward divides by nothing, so it is exact where x has zeros: with P_k the product of the
    entries before k and S_k = g_k + x_(k+1) S_(k+1) (from the last), dx_k = P_k S_k (one
    NumPy step per entry along the axis)."""

    def forward(ctx, x, axis=None):
        ctx.shape, ctx.axis = x.shape, _scan_axis(ctx, x, axis)
        ctx.save_for_backward(x)
        out = _scan(np.cumprod, x, ctx.axis)
        return out.reshape(()) if axis is not None and not x.ndim else out

    def backward(ctx, g):
        x = ctx.saved[0].reshape(-1) if ctx.axis is None else ctx.saved[0]
        g = g.reshape(-1) if ctx.axis is None else g
        if x.dtype in _NARROW:  # float16 in float32, float32 in float64, rounded once
            wide = _SCAN_DTYPE[x.dtype]  # (float16's S_k was 34 ulps off)
            return ctx._grad(x.astype(wide), g.astype(wide)).astype(x.dtype)
        return ctx._grad(x, g)

    def _grad(ctx, x, g):
        axis = 0 if ctx.axis is None else ctx.axis
        xs, gs = np.moveaxis(x, axis, 0), np.moveaxis(g, axis, 0)
        before = np.ones(gs.shape, dtype=g.dtype)  # P_k: the exclusive running product
        np.cumprod(xs[:-1], axis=0, out=before[1:])
        s = np.empty_like(before)
        if len(s):
            s[-1] = gs[-1]
        for k in range(len(s) - 2, -1, -1):
            s[k] = gs[k] + xs[k + 1] * s[k + 1]
        return np.moveaxis(before * s, 0, axis).reshape(ctx.shape)


class CumSum(Function):
    """Cumulative sum along `axis` (None: over the flattened array, as np.cumsum).
    Backward is the reversed cumulative sum of the gradient."""

    def forward(ctx, x, axis=None):
        ctx.shape, ctx.axis = x.shape, _scan_axis(ctx, x, axis)
        out = _scan(np.cumsum, x, ctx.axis)
        if x.ndim and out.dtype.kind in "fc":  # torch's sums start from +0.0: a leading -0.0
            out += 0  # gives +0.0 (a complex one too; a 0-d x is copied, -0.0 kept, as torch's)
        return out.reshape(()) if axis is not None and not x.ndim else out

    def backward(ctx, g):
        g = g.reshape(-1) if ctx.axis is None else g
        axis = 0 if ctx.axis is None else ctx.axis
        return np.flip(_scan(np.cumsum, np.flip(g, axis), axis), axis).reshape(ctx.shape)


class LogCumSumExp(Function):
    """log of the running sum of e^x along axis, stably (np.logaddexp.accumulate). The
    gradient: dx_j = sum over i >= j of g_i e^(x_j - out_i), each weight at most 1 (n^2 of
    them per slice; past DIRECT_MAX in all, scan_recurrences' O(n) recurrences instead)."""

    def forward(ctx, x, axis=0, scalar=False):
        ctx.axis, ctx.scalar = axis, scalar  # (scalar: a 0-d input as (1,), copied: -0.0 kept,
        # torch's)
        x, ctx.half = _norm_input(x)  # (float16 in float32, as torch's: it was 0.6 off)
        if x.dtype == np.float32 and x.size and not ctx.half:  # float32's in float64,
            # rounded once (torch's: 10**6 uniforms' running value was 4.7e-4 off, torch's 6e-8)
            out = np.logaddexp.accumulate(x.astype(np.float64), axis=axis).astype(np.float32)
        elif x.dtype.kind == "c":  # (NumPy's logaddexp has no complex loop: torch's, a step
            out = np.moveaxis(x.copy(), axis, -1)  # each)
            for i in range(1, out.shape[-1]):
                out[..., i] = complex_logaddexp(out[..., i - 1], out[..., i])
            out = np.moveaxis(out, -1, axis)
        else:
            out = np.logaddexp.accumulate(x, axis=axis) if x.size else x.copy()
        if out.dtype.kind == "f" and not scalar:  # (a leading -0.0 is +0.0, torch's: as
            out += 0  # CumSum's)
        ctx.save_for_backward(x, out)
        return out.astype(np.float16) if ctx.half else out

    def backward(ctx, g):
        if ctx.scalar:  # a 0-d x is its own value: the gradient g, at +-inf and NaN too (as
            return g.copy()  # torch's; e^(x - out) made it NaN there)
        if ctx.half:
            return ctx._grad(g.astype(np.float32)).astype(np.float16)
        return ctx._grad(g)

    def _grad(ctx, g):
        x, out = ctx.saved
        xm, om, gm = (np.moveaxis(a, ctx.axis, -1) for a in (x, out, g))
        n = xm.shape[-1]
        if not x.size:  # (no slice, nothing to weigh: a (0, 30000) x's n x n mask took 2.7 GB)
            return np.zeros(x.shape, np.result_type(x.dtype, g.dtype))
        if x.size * n > DIRECT_MAX:  # (the n x n weights would not fit: two recurrences)
            return np.moveaxis(logcumsumexp_grad_long(xm, gm), -1, ctx.axis)
        later = np.triu(np.ones((n, n), bool))  # [j, i]: i >= j
        # [j, i]: e^(x_j - m_i) / s_i, s_i = sum_k<=i e^(x_k - m_i), m_i the running max
        # (s_i >= 1), not e^(x_j - out_i), which reads out_i's rounding (at |x| ~ 1e15 a
        # weight of 1/2 came out 0.78; at 1e17, 1); g_i / s_i divides n numbers, not n^2
        m = np.maximum.accumulate(xm, axis=-1)
        with np.errstate(invalid="ignore", over="ignore"):
            e = xm[..., :, None] - m[..., None, :]
            e = np.where(later, np.exp(e, out=e), 0.0)
            s = e.sum(-2)
            finite = np.isfinite(m)
            if finite.all() and np.isfinite(gm).all():  # (a matrix-vector product per slice:
                # BLAS's, not a sum of n^2; an inf g_i reaches dx_j, j <= i, alone: the zero
                # weights of j > i times it were NaN, the recurrence's and torch's are not)
                return np.moveaxis(np.matmul(e, (gm / s)[..., None])[..., 0], -1, ctx.axis)
            # where m_i is not finite, e^(x_j - out_i): -inf - -inf is NaN, as torch's, where
            # all so far is -inf
            w = np.where(later, np.exp(xm[..., :, None] - om[..., None, :]), 0.0)
            w = np.where(finite[..., None, :], e / s[..., None, :], w)
            w = np.where(later, w * gm[..., None, :], 0.0)
        return np.moveaxis(w.sum(-1), -1, ctx.axis)
