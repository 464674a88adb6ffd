"""Op-table rows of reductions (tinygrad_dl/tensor/reductions.py, statistics.py,
functional/statistics.py): the core ones (CORE: sum, mean, var, std, norm, max, min, prod,
logsumexp, the nan- forms, median, kthvalue, quantile, cumsum, cumprod, argmax, ...), and
aminmax, nanmedian, Tensor.cov, Tensor.corrcoef, renorm, sum_to_size, mode, nanquantile,
gradient and cumulative_trapezoid."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .. import ops
from ..functional import statistics
from .refs import case, joined, kthvalue_ref, median_ref, quantile_ref, ref_joined
from .spec import DISTINCT, KINK0, NONZERO, RED, SPREAD, Cases, OpInfo, Reduction
from .spec import reduction as _reduction


def _nanmedian_ref(a: np.ndarray, dim: int) -> np.ndarray:
    return np.take(np.sort(a, axis=dim), (a.shape[dim] - 1) // 2, axis=dim)


def _renorm_ref(a: np.ndarray, p: float, dim: int, maxnorm: float) -> np.ndarray:
    others = tuple(i for i in range(a.ndim) if i != dim % a.ndim)
    norm = (np.abs(a) ** p).sum(others, keepdims=True) ** (1 / p)
    return a * np.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)


def _sum_to_size_ref(a: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    lead = a.ndim - len(size)
    out = a.sum(axis=tuple(range(lead))) if lead else a
    axes = tuple(i for i, (d, m) in enumerate(zip(size, out.shape)) if d == 1 and m != 1)
    return out.sum(axis=axes, keepdims=True) if axes else out


def _cumulative_trapezoid_ref(y: np.ndarray, dx: float = 1.0, dim: int = -1) -> np.ndarray:
    n = y.shape[dim]
    pair = np.take(y, range(n - 1), axis=dim) + np.take(y, range(1, n), axis=dim)
    return np.cumsum(pair * dx / 2, axis=dim)


def _gradient_ref(a: np.ndarray, spacing: Any = 1, dim: Any = None,
                  edge_order: int = 1) -> list[np.ndarray]:
    axes = list(range(a.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    h = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(axes)
    g = np.gradient(a, *h, axis=axes, edge_order=edge_order)
    return list(g) if isinstance(g, (list, tuple)) else [g]


# (the topic's first rows, before ROWS on the ops page: table.py keeps the table's order)
CORE: tuple[OpInfo, ...] = (
    # ---- reductions ---------------------------------------------------------------------------
    _reduction("sum", ops.Sum, np.sum, "sum over axis (None, an int or a tuple)", ("sum",)),
    _reduction("mean", ops.Mean, np.mean, "mean over axis", ("mean",)),
    _reduction("var", ops.Var, np.var, "variance (ddof=0: the population variance)", ("var",),
               differs="with dim=/correction=/unbiased=, PyTorch's default correction=1 "
               "(unbiased)"),
    _reduction("std", ops.Std, np.std, "standard deviation, sqrt(var), one op", ("std",),
               Reduction(DISTINCT, min_count=2), grad="needs a nonzero spread",
               differs="as var"),
    _reduction("norm", ops.Norm, lambda a, axis=None, keepdims=False: np.sqrt(
                   np.sum(np.square(a), axis=axis, keepdims=keepdims)),
               "2-norm over axis, sqrt(sum x^2) (all axes: the flattened tensor's; a matrix's "
               "Frobenius norm), one op", ("norm",), Reduction(NONZERO), numpy=(),
               grad="x / norm; 0 where the norm is 0 (PyTorch's)",
               differs="PyTorch's x.norm(p, dim, keepdim): p='fro', 2 or None only; NumPy's "
               "np.linalg.norm(x, axis=...) for ord None"),
    _reduction("max", ops.Max, np.max, "max over axis", ("max",), Reduction(DISTINCT),
               grad="tied maxima share the gradient equally; with dim=, all to the index "
               "returned (PyTorch's)",
               differs="x.max(dim=1) gives PyTorch's (values, indices); x.max(1) is NumPy's "
               "values; x.max(other) is maximum"),
    _reduction("min", ops.Min, np.min, "min over axis", ("min",), Reduction(DISTINCT),
               grad="tied minima share the gradient equally; with dim=, all to the index "
               "returned (PyTorch's)", differs="as max"),
    _reduction("amax", ops.Max, np.amax, "max over axis (values only, any spelling)",
               ("amax",), Reduction(DISTINCT), grad="tied maxima share the gradient equally "
               "(PyTorch's amax too)"),
    _reduction("amin", ops.Min, np.amin, "min over axis (values only, any spelling)",
               ("amin",), Reduction(DISTINCT), grad="as amax"),
    _reduction("prod", ops.Prod, np.prod, "product over axis", ("prod",),
               grad="no division: exact with zeros"),
    _reduction("logsumexp", ops.LogSumExp, lambda a, axis=None, keepdims=False: np.log(
        np.exp(a).sum(axis, keepdims=keepdims)), "log sum exp over axis, max-shifted",
               ("logsumexp",), numpy=(), grad="softmax(x)"),
    _reduction("nansum", ops.NanSum, np.nansum, "sum over axis, NaNs counted as 0",
               ("nansum",), grad="0 at the NaNs"),
    _reduction("nanmean", "nansum / count", np.nanmean, "mean over axis of the values that are "
               "not NaN", ("nanmean",), grad="1/count, 0 at the NaNs"),
    OpInfo("median", (ops.Median, ops.TakeAlongAxis), "PyTorch's median: the lower of the two "
           "middle values (NumPy's averages them); with dim, (values, indices)", RED,
           methods=("median",), torch=("median",),
           call=lambda x, **kw: x.median(**kw) if not kw else x.median(**kw).values,
           ref=median_ref,
           sample=Cases((case((5,), domain=DISTINCT), case((2, 4), domain=DISTINCT),
                         case((3, 4), domain=DISTINCT, dim=1),
                         case((4, 3), domain=DISTINCT, dim=0, keepdim=True))),
           grad="ties share it (median()); with dim, to the index picked (a stable sort's)",
           differs="np.median averages the two middle values"),
    OpInfo("kthvalue", "take_along_axis of the stable argsort", "torch.kthvalue(x, k, dim=-1): "
           "(values, indices) of the k-th smallest along dim", RED, methods=("kthvalue",),
           torch=("kthvalue",), call=lambda x, **kw: x.kthvalue(**kw).values, ref=kthvalue_ref,
           sample=Cases((case((5,), domain=DISTINCT, k=2), case((3, 4), domain=DISTINCT, k=4),
                         case((4, 3), domain=DISTINCT, k=1, dim=0, keepdim=True))),
           grad="to the index picked (a stable sort's at ties)"),
    OpInfo("quantile", "sort, take_along_axis and lerp", "torch.quantile(x, q, dim=None): "
           "between the sorted values at q (n - 1), by interpolation= (linear, lower, higher, "
           "midpoint, nearest)", RED, methods=("quantile",), torch=("quantile",),
           ref=quantile_ref,
           sample=Cases((case((5,), domain=DISTINCT, q=0.3), case((3, 4), domain=DISTINCT,
                                                                  q=0.75, dim=1),
                         case((4, 3), domain=DISTINCT, q=(0.1, 0.5, 1.0), dim=0,
                              keepdim=True),
                         case((2, 5), domain=DISTINCT, q=0.4, interpolation="midpoint"))),
           grad="1 - w and w to the two sorted values interpolated",
           differs="np.quantile's keywords are axis= and method="),
    OpInfo("var_mean", "var and mean", "torch.var_mean(x, dim=None, correction=1, keepdim="
           "False): (var, mean)", RED, torch=("var_mean",), function=F.var_mean,
           call=lambda x, **kw: sum(F.var_mean(x, **kw)),
           ref=lambda a, dim=None, correction=1, keepdim=False: np.var(
               a, axis=dim, ddof=correction, keepdims=keepdim) + a.mean(dim, keepdims=keepdim),
           sample=Cases((case((5,)), case((3, 4), dim=1), case((3, 4), dim=0, correction=0),
                         case((2, 3), dim=(0, 1), keepdim=True)))),
    OpInfo("std_mean", "std and mean", "torch.std_mean(x, dim=None, correction=1, keepdim="
           "False): (std, mean)", RED, torch=("std_mean",), function=F.std_mean,
           call=lambda x, **kw: sum(F.std_mean(x, **kw)),
           ref=lambda a, dim=None, correction=1, keepdim=False: np.std(
               a, axis=dim, ddof=correction, keepdims=keepdim) + a.mean(dim, keepdims=keepdim),
           sample=Cases((case((5,), domain=DISTINCT), case((3, 4), domain=DISTINCT, dim=1),
                         case((3, 4), domain=DISTINCT, dim=0, correction=0),
                         case((2, 3), domain=DISTINCT, dim=(0, 1), keepdim=True))),
           grad="std's: needs a nonzero spread"),
    *(OpInfo(name, "take_along_axis of the running arg-extreme", f"torch.{name}(x, dim): "
             f"(values, indices) of the running {word} along dim (equal ones: the latest)", RED,
             methods=(name,), torch=(name,), call=lambda x, dim, n=name: getattr(x, n)(dim)
             .values, ref=lambda a, dim, f=f: f.accumulate(a, axis=dim),
             sample=Cases((case((5,), domain=DISTINCT, dim=0),
                           case((3, 4), domain=DISTINCT, dim=1),
                           case((3, 4), domain=DISTINCT, dim=-2))),
             grad="to the index picked")
      for name, word, f in (("cummax", "max", np.maximum), ("cummin", "min", np.minimum))),
    OpInfo("logcumsumexp", ops.LogCumSumExp, "torch.logcumsumexp(x, dim): log of the running sum"
           " of e^x along dim, stably", RED, methods=("logcumsumexp",), torch=("logcumsumexp",),
           ref=lambda a, dim: np.logaddexp.accumulate(a, axis=dim),
           sample=Cases((case((5,), dim=0), case((3, 4), dim=1), case((3, 4), dim=-2))),
           grad="sum over i >= j of g_i e^(x_j - out_i)"),
    OpInfo("cov", "mean, sub, matmul and div", "torch.cov(x, correction=1): the covariance "
           "matrix of the rows (variables) over the columns (observations)", RED,
           torch=("cov",), function=F.cov, ref=lambda a, correction=1: np.cov(a, ddof=correction),
           sample=Cases((case((3, 5)), case((6,)), case((2, 4), correction=0)))),
    OpInfo("corrcoef", "cov, sqrt, div and clip", "torch.corrcoef(x): Pearson's correlation "
           "coefficients of the rows, clipped to [-1, 1]", RED, torch=("corrcoef",),
           function=F.corrcoef, ref=np.corrcoef,
           sample=Cases((case((3, 5), domain=SPREAD), case((2, 4), domain=SPREAD))),
           grad="needs a nonzero spread in each row"),
    OpInfo("trapezoid", "narrow, add, mul and sum", "torch.trapezoid(y, x=None, dx=None, dim=-1):"
           " the trapezoid rule along dim", RED, torch=("trapezoid",), function=F.trapezoid,
           call=lambda y, *x, **kw: F.trapezoid(y, *x, **kw),
           ref=lambda a, *x, dx=1.0, dim=-1: np.trapezoid(a, *x, dx=dx, axis=dim),
           sample=Cases((case((3, 4)), case((5,), dx=0.5), case((3, 4), dim=0),
                         case((2, 4), (4,))))),
    _reduction("cumsum", ops.CumSum, np.cumsum, "running sum along axis (None: flattened)",
               ("cumsum",), Reduction(tuple_axes=False, keepdims=False),
               grad="the reversed running sum"),
    _reduction("cumprod", ops.CumProd, np.cumprod, "running product along axis (None: "
               "flattened)", ("cumprod",), Reduction(tuple_axes=False, keepdims=False),
               grad="no division: exact where x has zeros"),
    _reduction("argmax", "NumPy's argmax (no graph)", np.argmax, "index of the max",
               ("argmax",), Reduction(DISTINCT, tuple_axes=False), no_grad="int64 indices",
               float32=False),
    _reduction("argmin", "NumPy's argmin (no graph)", np.argmin, "index of the min",
               ("argmin",), Reduction(DISTINCT, tuple_axes=False), no_grad="int64 indices",
               float32=False),
)


ROWS: tuple[OpInfo, ...] = (
    OpInfo("aminmax", "amin and amax", "torch.aminmax: (min, max) over dim (None: all)", RED,
           methods=("aminmax",), torch=("aminmax",),
           call=joined(lambda t, **kw: t.aminmax(**kw)),
           ref=lambda a, dim=None, keepdim=False: np.concatenate([
               np.reshape(a.min(dim, keepdims=keepdim), -1),
               2 * np.reshape(a.max(dim, keepdims=keepdim), -1)]),
           sample=Cases((case((3, 4), dim=1, domain=DISTINCT), case((5,), domain=DISTINCT),
                         case((2, 3), dim=0, keepdim=True, domain=DISTINCT))),
           grad="ties share the gradient, as amin's and amax's"),
    OpInfo("nanmedian", "sort and take_along_axis", "torch.nanmedian: the lower middle value "
           "ignoring NaNs (NaN where all are NaN); with dim, (values, indices)", RED,
           methods=("nanmedian",), torch=("nanmedian",),
           call=lambda t, dim=0: t.nanmedian(dim).values, ref=_nanmedian_ref,
           sample=Cases((case((3, 4), dim=1, domain=DISTINCT), case((5,), dim=0,
                                                                    domain=DISTINCT))),
           grad="to the picked entry", differs="an all-NaN slice's index is its first entry "
           "(torch's depends on its selection algorithm); the value NaN agrees"),
    OpInfo("Tensor.cov", "mean, sub, matmul and div", "x.cov(correction=1, fweights=None, "
           "aweights=None): torch's covariance of the rows, with its frequency and observation "
           "weights", RED, methods=("cov",), call=lambda t, **kw: t.cov(**kw),
           ref=lambda a, correction=1, fweights=None, aweights=None: np.cov(
               a, ddof=correction, fweights=fweights,
               aweights=None if aweights is None else np.array(aweights)),
           sample=Cases((case((3, 5)), case((4,), correction=0),
                         case((2, 4), fweights=np.array([1, 0, 3, 2])),
                         case((2, 4), correction=2, fweights=np.array([1, 2, 3, 2]),
                              aweights=(0.5, 1.0, 0.25, 2.0))))),
    OpInfo("Tensor.corrcoef", "cov, sqrt, div and clip", "x.corrcoef(): torch's Pearson "
           "correlation coefficients of the rows, clipped to [-1, 1]", RED,
           methods=("corrcoef",), ref=np.corrcoef,
           sample=Cases((case((3, 5), domain=SPREAD), case((2, 4), domain=SPREAD))),
           grad="needs a nonzero spread in each row"),
    OpInfo("renorm", "abs, sum, pow and where", "torch.renorm(p, dim, maxnorm): slices along "
           "dim whose p-norm exceeds maxnorm scaled to it (by maxnorm / (norm + 1e-7))", RED,
           methods=("renorm",), torch=("renorm",), call=lambda t, **kw: t.renorm(**kw),
           ref=_renorm_ref,  # (|x|'s kink at 0 kept out of the finite differences)
           # maxnorm below every slice's smallest norm (|x| >= 0.1: 0.2 for p=2 over 4, 0.6 for
           # p=1 over 6) or above its largest: a norm drawn near maxnorm, where the scale has
           # its kink, made the finite differences disagree (hypothesis found one at 0.70698)
           sample=Cases((case((3, 4), p=2.0, dim=0, maxnorm=0.15, domain=KINK0),
                         case((3, 4), p=2.0, dim=0, maxnorm=7.0, domain=KINK0),
                         case((2, 3, 2), p=1.0, dim=-1, maxnorm=0.5, domain=KINK0))),
           grad="through the norm where a slice is scaled (torch's)"),
    OpInfo("sum_to_size", "sum", "torch's x.sum_to_size(*size): summed down to a shape x "
           "broadcasts from", RED, methods=("sum_to_size",),
           call=lambda x, size: x.sum_to_size(size), ref=_sum_to_size_ref,
           sample=Cases((case((2, 3), size=(3,)), case((2, 3), size=(2, 1)),
                         case((2, 3, 4), size=(1, 1, 4)), case((3,), size=())))),
    OpInfo("mode", "take_along_axis", "torch.mode(x, dim=-1): (values, indices) of the most "
           "frequent value, the smallest of equally frequent ones, at its last occurrence", RED,
           methods=("mode",), torch=("mode",), call=lambda x, **kw: x.mode(**kw).values,
           ref=lambda a, dim=-1, keepdim=False: a.min(axis=dim, keepdims=keepdim),
           sample=Cases((case((5,), domain=DISTINCT), case((3, 4), domain=DISTINCT, dim=0),
                         case((2, 3), domain=DISTINCT, dim=1, keepdim=True))),
           grad="to the index picked (distinct values: the mode is the minimum)",
           differs="NaNs count as one value here; torch's CPU order of NaN is unspecified"),
    OpInfo("nanquantile", "sort, take_along_axis and lerp", "torch.nanquantile(x, q, dim="
           "None): quantile with each slice's NaNs left out (all NaN: NaN)", RED,
           methods=("nanquantile",), torch=("nanquantile",),
           ref=lambda a, q, dim=None, keepdim=False: np.nanquantile(a, q, axis=dim,
                                                                    keepdims=keepdim),
           sample=Cases((case((5,), domain=DISTINCT, q=0.3),
                         case((3, 4), domain=DISTINCT, q=0.75, dim=1),
                         case((4, 3), domain=DISTINCT, q=(0.1, 0.5), dim=0, keepdim=True))),
           grad="1 - w and w to the two sorted values interpolated"),
    OpInfo("gradient", "narrow, sub, div and cat", "torch.gradient(y, spacing=1, dim=None, "
           "edge_order=1): a tuple of derivative estimates, one per dim (central differences, "
           "one-sided at the ends)", RED, torch=("gradient",), function=statistics.gradient,
           call=joined(statistics.gradient), ref=ref_joined(_gradient_ref),
           sample=Cases((case((5,)), case((3, 4)), case((4, 3), spacing=2.0, dim=0),
                         case((3, 4), spacing=(0.5, 2.0), edge_order=2),
                         case((2, 3), dim=-1, edge_order=2)))),
    OpInfo("cumulative_trapezoid", "narrow, add, mul and cumsum", "torch.cumulative_trapezoid("
           "y, x=None, dx=None, dim=-1): the running trapezoid rule", RED,
           torch=("cumulative_trapezoid",), function=statistics.cumulative_trapezoid,
           ref=_cumulative_trapezoid_ref,
           sample=Cases((case((5,)), case((3, 4), dx=0.5), case((4, 3), dim=0)))),
)
