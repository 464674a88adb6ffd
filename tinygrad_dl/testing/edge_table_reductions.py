"""Edge rows of reductions, scans and statistics: sum, mean, max / min, prod, logsumexp, var /
std, norm, cumprod / cumsum, argmax / argmin, sum_of_squares, amax / amin; aminmax, nanmedian,
renorm, cov / corrcoef, msort, sum_to_size, mode, nanquantile, gradient, cumulative_trapezoid,
histogram, histogramdd, nansum / nanmean, median, kthvalue, quantile, var_mean / std_mean,
cummax / cummin / logcumsumexp, trapezoid. `T` in a `torch=` lambda is the torch module; where a
row has no `numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from .edge_table import E2, INF, NAN, E, a64, joined, rows
from .edge_table import a64 as _a
from .edge_table import joined as _joined

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])
X234 = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.0
_I = np.array([[1, 2, 2, 3, 1], [4, 4, 0, 0, 7]])


# ---- reductions ----------------------------------------------------------------------------
def _red(name: str, method: str, np_fn: Any, torch_fn: Any, extra: dict[str, Any],
         special: bool = True, **kw: Any) -> None:
    inf_nan = {"+inf": (_a(INF, 1.0),), "-inf": (_a(-INF, 1.0),), "nan": (_a(NAN, 1.0),)}
    rows(name, lambda x: getattr(x, method)(), {
        "one element!": (_a(0.7),), "scalar!": (np.float64(0.4),),
        **(inf_nan if special else {}), **extra,
    }, numpy=np_fn, torch=torch_fn, **kw)
    rows(name, lambda x: getattr(x, method)(axis=1), {
        "axis of length 1!": (np.array([[0.5], [1.5]]),),
        "rows of ties": (np.array([[1.0, 1.0], [2.0, 2.0]]),),
        "empty rows": (np.zeros((2, 0)),) if name not in ("max", "min") else (np.zeros((0, 2)),),
    }, numpy=lambda x: np_fn(x, axis=1), torch=lambda T, x: torch_fn(T, x, dim=1), **kw)


_red("sum", "sum", np.sum, lambda T, x, dim=None: x.sum() if dim is None else x.sum(dim),
     {"empty": (E,)})
_red("mean", "mean", np.mean,
     lambda T, x, dim=None: x.mean() if dim is None else x.mean(dim), {"empty": (E,)})
_red("max", "max", np.max,
     lambda T, x, dim=None: x.max() if dim is None else x.amax(dim),
     {"ties": (_a(2.0, 1.0, 2.0),), "+inf ties": (_a(INF, 1.0, INF),),
      "all -inf": (_a(-INF, -INF),), "two nans": (_a(NAN, 1.0, NAN),)},
     numpy_warns=True)
_red("min", "min", np.min,
     lambda T, x, dim=None: x.min() if dim is None else x.amin(dim),
     {"ties": (_a(1.0, 2.0, 1.0),), "issue: nan first": (_a(NAN, 1.0, 2.0),)})
_red("prod", "prod", np.prod,
     lambda T, x, dim=None: x.prod() if dim is None else x.prod(dim),
     {"empty": (E,), "one zero!": (_a(0.0, 2.0, 3.0),), "two zeros": (_a(0.0, 2.0, 0.0),),
      "inf and zero": (_a(INF, 0.0),)}, special=False)
_OTHERS = ("the product of the others, without division: x0's gradient is x1 (PyTorch divides "
           "the product by x0, inf/inf or nan/nan, and gives nan)")
rows("prod", Tensor.prod, {"nan": (_a(NAN, 2.0),)}, numpy=np.prod, grad=(_a(2.0, NAN),),
     note=_OTHERS)
rows("prod", Tensor.prod, {"+inf": (_a(INF, 1.0),)}, numpy=np.prod, grad=(_a(1.0, INF),),
     note=_OTHERS)
rows("prod", Tensor.prod, {"-inf": (_a(-INF, 1.0),)}, numpy=np.prod, grad=(_a(1.0, -INF),),
     note=_OTHERS)
_red("logsumexp", "logsumexp", lambda x, axis=None: np.logaddexp.reduce(x, axis=axis),
     lambda T, x, dim=None: x.logsumexp(tuple(range(x.ndim))) if dim is None
     else x.logsumexp(dim),
     {"empty": (E,), "all -inf": (_a(-INF, -INF),), "+inf and 0": (_a(INF, 0.0),),
      "large!": (_a(1000.0, 1000.5),)}, numpy_warns=False)
rows("logsumexp", Tensor.logsumexp, {"issue: all -inf": (_a(-INF, -INF),),
                                     "issue: +inf and 0": (_a(INF, 0.0),)},
     numpy=lambda x: np.log(np.sum(np.exp(x))), numpy_warns=False,
     torch=lambda T, x: x.logsumexp(0))
for _name, _ddof in (("var", 0), ("var", 1), ("std", 0), ("std", 1)):
    rows(_name, lambda x, m=_name, d=_ddof: getattr(x, m)(axis=-1, ddof=d), {
        f"one element, ddof={_ddof}": (_a(0.7),),
        f"axis of length 1, ddof={_ddof}": (np.array([[0.5], [1.5]]),),
        f"constant, ddof={_ddof}": (_a(2.0, 2.0, 2.0),),
        f"empty, ddof={_ddof}": (E,),
        f"ddof > n, ddof={_ddof}": (_a(1.0, 2.0) if _ddof else _a(3.0),),
        f"+inf, ddof={_ddof}": (_a(INF, 1.0),), f"nan, ddof={_ddof}": (_a(NAN, 1.0),),
        f"spread!, ddof={_ddof}": (_a(0.5, 1.7, -0.4),),
    }, numpy=lambda x, m=_name, d=_ddof: getattr(np, m)(x, axis=-1, ddof=d),
        torch=lambda T, x, m=_name, d=_ddof: getattr(x, m)(dim=-1, correction=d))
rows("var", lambda x: x.var(ddof=3), {"issue: ddof > n": (_a(1.0, 2.0),)},
     numpy=lambda x: np.var(x, ddof=3), warns="Degrees of freedom")
rows("std", lambda x: x.std(ddof=3), {"issue: ddof > n": (_a(1.0, 2.0),)},
     numpy=lambda x: np.std(x, ddof=3), grad=(_a(-INF, INF),), warns="Degrees of freedom")
rows("std", lambda x: x.std(axis=1), {"issue: axis of length 1": (np.array([[1.0], [2.0]]),)},
     numpy=lambda x: np.std(x, axis=1), grad=(np.zeros((2, 1)),))
rows("std", tg.std, {"issue: scalar": (np.float64(3.0),)}, numpy=np.std,
     grad=(np.float64(0.0),))
rows("std", lambda x: x.std(), {"issue: empty": (E,)}, numpy=np.std, grad=(E,),
     warns="Degrees of freedom")
rows("var", lambda x: x.var(), {"issue: empty": (E,)}, numpy=np.var, grad=(E,),
     warns="Degrees of freedom")
rows("norm", lambda x: x.norm(dim=-1), {
    "zero vector": (_a(0.0, 0.0, 0.0),), "one element!": (_a(-0.7),), "empty": (E,),
    "+inf": (_a(INF, 1.0),), "nan": (_a(NAN, 1.0),), "-0.0": (_a(-0.0, 0.0),),
    "spread!": (_a(0.5, -1.7, 0.4),),
}, numpy=lambda x: np.linalg.norm(x, axis=-1),
    torch=lambda T, x: x.norm(dim=-1))
rows("norm", lambda x: x.norm(dim=1), {"issue: one zero row": (np.array([[0.0, 0.0],
                                                                        [3.0, 4.0]]),)},
     numpy=lambda x: np.linalg.norm(x, axis=1), grad=(np.array([[0.0, 0.0], [0.6, 0.8]]),))
rows("max", Tensor.max, {"issue: nan": (_a(NAN, 1.0, 2.0),)}, numpy=np.max,
     grad=(_a(1.0, 0.0, 0.0),))
rows("prod", Tensor.prod, {"issue: empty": (E,)}, numpy=np.prod, grad=(E,))
rows("max", Tensor.max, {"empty": (E,)}, raises="Max")
rows("min", tg.Tensor.min, {"empty": (E,)}, raises="Min")
rows("cumprod", lambda x: x.cumprod(0), {
    "empty": (E,), "zeros!": (_a(2.0, 0.0, 3.0, 0.0, 1.5),), "one element!": (_a(0.7),)},
     numpy=lambda x: np.cumprod(x, 0), torch=lambda T, x: x.cumprod(0))
rows("cumprod", lambda x: x.cumprod(0), {"nan": (_a(1.0, NAN, 2.0),)},
     numpy=lambda x: np.cumprod(x, 0), grad=(_a(NAN, 3.0, NAN),),
     note="d/dx1 of x0 + x0 x1 + x0 x1 x2 is x0 + x0 x2 = 3, whatever x1; PyTorch's backward "
          "divides by x: nan")
rows("cumprod", lambda x: x.cumprod(0), {"inf": (_a(INF, 2.0),)},
     numpy=lambda x: np.cumprod(x, 0), grad=(_a(3.0, INF),),
     note="d(x0 + x0 x1)/dx0 = 1 + x1 = 3 at x0 = inf; PyTorch's backward divides by x0 "
          "(inf / inf): nan")


rows("cumsum", lambda x: x.cumsum(0), {
    "empty": (E,), "one element!": (_a(0.7),), "+inf": (_a(1.0, INF, 1.0),),
    "nan": (_a(1.0, NAN, 1.0),), "inf - inf": (_a(INF, -INF),),
}, numpy=lambda x: np.cumsum(x, 0), torch=lambda T, x: x.cumsum(0))
rows("argmax", lambda x: x.argmax(), {"ties: the first": (_a(2.0, 1.0, 2.0),),
                                      "nan: the first nan": (_a(1.0, NAN, 3.0),)},
     numpy=np.argmax)
rows("argmin", tg.argmin, {"ties: the first": (_a(1.0, 2.0, 1.0),),
                           "-inf": (_a(1.0, -INF),)}, numpy=np.argmin)
rows("argmax", lambda x: x.argmax(), {"empty": (E,)}, raises="argmax")
rows("argmin", lambda x: x.argmin(), {"empty": (E,)}, raises="argmin")
# a bad dim names the op and the shape (NumPy's "axis 2 is out of bounds ..." named neither;
# a float dim failed with "'float' object is not iterable")
_X = np.ones((2, 3))
rows("sum", lambda x: x.sum(dim=2), {"dim out of range": (_X,)},
     raises=r"Sum: axis 2 is out of bounds for an input of shape \(2, 3\)")
rows("mean", lambda x: x.mean(dim=1.5), {"float dim": (_X,)},
     raises="Mean: axis must be an integer")
rows("argmax", lambda x: x.argmax(dim=-3), {"dim out of range": (_X,)},
     raises="argmax: axis -3 is out of bounds")


rows("sum_of_squares", tg.functional.sum_of_squares, {
    "empty": (E,), "one element!": (_a(0.7),), "inf and nan": (_a(INF, NAN),),
    "overflow": (_a(1e200),)}, numpy=lambda x: np.sum(x * x), numpy_warns=False,
     torch=lambda T, x: (x * x).sum())
rows("sum_of_squares", lambda: tg.functional.sum_of_squares(), {"no tensors": ()},
     raises="sum_of_squares")


for _name, _np in (("amax", np.amax), ("amin", np.amin)):
    rows(_name, lambda x, m=_name: getattr(x, m)(), {
        "one element!": (_a(0.7),), "ties": (_a(2.0, 1.0, 2.0) * (1 if _name == "amax" else
                                                                 -1),),
        "+inf": (_a(INF, 1.0),)},
        numpy=_np, torch=lambda T, x, m=_name: getattr(x, m)())
    rows(_name, lambda x, m=_name: getattr(x, m)(), {"nan": (_a(NAN, 1.0),)}, numpy=_np,
         grad=(_a(1.0, 0.0),), note="as max: the NaN gets the gradient (PyTorch's amax gives "
         "NaN gradients everywhere)")
    rows(_name, lambda x, m=_name: getattr(x, m)(dim=1),
         {"axis of length 1!": (np.array([[0.5], [1.5]]),),
          "rows of ties": (np.array([[1.0, 1.0], [2.0, 2.0]]),)},
         numpy=lambda x, f=_np: f(x, axis=1), torch=lambda T, x, m=_name: getattr(x, m)(dim=1))
    rows(_name, lambda x, m=_name: getattr(x, m)(), {"empty": (E,)}, raises=_name[1:].title())


_NANROW = np.array([[NAN, 1.0], [2.0, 3.0], [-1.0, -4.0]])
for _name, _np in (("max", np.max), ("min", np.min), ("amax", np.amax), ("amin", np.amin)):
    _pick = np.argmax if _name in ("max", "amax") else np.argmin
    _g = np.zeros_like(_NANROW)
    _g[0, 0] = 1.0  # the NaN row: the NaN gets the gradient (as the 1-D "issue: nan" row)
    _g[1:][np.arange(2), _pick(_NANROW[1:], axis=1)] = 1.0
    rows(_name, lambda x, m=_name: getattr(x, m)(axis=1), {"nan in one row of three": (
        _NANROW,)}, numpy=lambda x, f=_np: f(x, axis=1), grad=(_g,),
        note="rows without a NaN keep their one-hot gradient")


# ---- reductions --------------------------------------------------------------------------------
rows("aminmax", lambda x: _joined(x.aminmax(dim=1)), {"ties share the gradient": (
    _a(1, 1, 3, 3).reshape(2, 2),)}, torch=lambda T, x: _joined(x.aminmax(dim=1)))
rows("aminmax", lambda x: _joined(x.aminmax(dim=1)), {"nan": (_a(1.0, NAN, 2.0).reshape(1, 3),)},
     torch=None, numpy=lambda x: _a(NAN, 2 * NAN), grad=(_a(0.0, 3.0, 0.0).reshape(1, 3),),
     note="amin's and amax's: the NaN gets the gradient (torch 2.13 gives NaN everywhere)")
rows("aminmax", lambda x: _joined(x.aminmax()), {"all!": (X34,), "0-d": (np.float64(3.0),)},
     torch=lambda T, x: _joined(x.aminmax()))
rows("aminmax", lambda x: x.aminmax(), {"empty": (E,)},
     raises="aminmax: an empty tensor \\(shape \\(0,\\)\\) has no min or max")
_N = np.array([[1.0, NAN, 3.0, 2.0], [NAN, NAN, 4.0, NAN], [5.0, 1.0, 1.0, NAN]])
rows("nanmedian", lambda x: x.nanmedian(1).values, {"nan skipped, ties": (_N,)},
     torch=lambda T, x: x.nanmedian(1).values)
rows("nanmedian", lambda x: Tensor(x.nanmedian(1, keepdim=True).indices.data * 1.0), {
    "indices": (_N,)}, numpy=lambda x: np.array([[3.0], [2.0], [2.0]]), wrt=())
rows("nanmedian", lambda x: x.nanmedian(), {"all!": (_N,), "all nan": (_a(NAN, NAN),),
                                            "empty": (E,)},
     torch=lambda T, x: x.nanmedian())
rows("nanmedian", lambda x: x.nanmedian(0).values, {"an all-nan slice": (_a(NAN, NAN, NAN),)},
     numpy=lambda x: np.array(NAN), grad=(_a(1.0, 0.0, 0.0),),
     note="the first entry's index (torch's depends on its selection algorithm)")
rows("nanmedian", lambda x: x.nanmedian(0), {"empty dim": (E,)},
     raises="nanmedian: dim 0 of a tensor of shape \\(0,\\) is empty")
rows("renorm", lambda x: x.renorm(2, 0, 2.0), {"some rows scaled!": (X34,),
                                               "a zero row": (np.zeros((2, 3)),)},
     torch=lambda T, x: x.renorm(2, 0, 2.0))
rows("renorm", lambda x: x.renorm(float("inf"), 1, 1.0), {"inf norm": (X34,)},
     torch=lambda T, x: x.renorm(float("inf"), 1, 1.0))
rows("renorm", lambda x: x.renorm(0, 0, 1.0), {"p 0": (X34,)}, raises="renorm: needs p > 0")
rows("renorm", lambda x: x.renorm(2, 0, 1.0), {"1-D": (_a(1.0),)},
     raises="renorm: expects a tensor of 2 or more dims")

_FW, _AW = np.array([1, 0, 2, 1]), _a(0.5, 1.0, 2.0, 0.0)
rows("Tensor.cov", lambda x: x.cov(fweights=_FW, aweights=_AW), {"both weights!": (X34,)},
     torch=lambda T, x: x.cov(fweights=T.tensor(_FW), aweights=T.tensor(_AW)))
rows("Tensor.cov", lambda x: x.cov(), {"one variable: 0-d!": (_a(1.0, 2.5, -1.0),)},
     torch=lambda T, x: x.cov())
rows("Tensor.cov", lambda x: x.cov(fweights=_a(1.0, 1.0, 1.0, 1.0)), {"float fweights": (X34,)},
     raises="cov: fweights must be integers")
rows("Tensor.cov", lambda x: x.cov(aweights=_a(1.0, -1.0, 1.0, 1.0)), {"negative aweights": (
    X34,)}, raises="cov: aweights must be non-negative")
rows("Tensor.cov", lambda x: x.cov(aweights=_a(1.0)), {"aweights too short": (X34,)},
     raises="cov: aweights must be 1-D with 4 entries")
rows("Tensor.cov", lambda x: x.cov(), {"3-D": (X234,)}, raises="cov: expects a 1-D or 2-D input")
rows("Tensor.corrcoef", lambda x: x.corrcoef(), {"rows!": (X34,), "one variable": (
    _a(1.0, 2.0, 4.0),)}, torch=lambda T, x: x.corrcoef())

rows("msort", lambda x: x.msort(), {
    "ties": (_a(2.0, 1.0, 2.0),), "nan and inf": (_a(NAN, 1.0, -INF, INF),),
    "0-d": (np.float64(3.0),), "empty": (E2.T,), "2-D columns!": (X34,),
    "ints": (np.array([[3, 1], [2, 5]]),)}, torch=lambda T, x: x.msort())

# ---- sum_to_size, mode, nanquantile ----------------------------------------------------------
rows("sum_to_size", lambda x: x.sum_to_size(3), {"rows summed!": (X23,),
                                                 "nan and inf": (np.array([[NAN, 1, INF]] * 2),),
                                                 "ints": (np.arange(6).reshape(2, 3),)},
     torch=lambda T, x: x.sum_to_size(3))
rows("sum_to_size", lambda x: x.sum_to_size(1, 1), {"to 1x1": (X23,), "empty rows": (E2,)},
     torch=lambda T, x: x.sum_to_size(1, 1))
rows("sum_to_size", lambda x: x.sum_to_size(()), {"0-d": (np.float64(2.5),)},
     torch=lambda T, x: x.sum_to_size(()))
rows("sum_to_size", lambda x: x.sum_to_size(2), {"not expandable": (X23,)},
     raises=r"sum_to_size: size \[2\] is not expandable to size \[2, 3\]")
rows("mode", lambda x: x.mode().values, {
    "ties: the smallest": (_I * 1.0,), "0-d": (np.float64(3.0),),
    "-inf, inf": (a64(INF, -INF, INF),), "empty rows": (E2.T,)},
     torch=lambda T, x: x.mode().values)
rows("mode", lambda x: x.mode(0, keepdim=True).indices, {"ints, dim 0": (_I,),
                                                         "bool": (np.array([[True], [False]]),)},
     torch=lambda T, x: x.mode(0, keepdim=True).indices)
rows("mode", lambda x: x.mode(-1).indices, {"last occurrence!": (_I,)},
     torch=lambda T, x: x.mode(-1).indices)
rows("mode", lambda x: x.mode(1), {"empty dim": (E2,)},
     raises="mode\\(\\): Expected reduction dim 1 to have non-zero size")
rows("mode", lambda x: x.mode(2), {"dim out of range": (X23,)}, raises="mode")
rows("nanquantile", lambda x: x.nanquantile(0.4, dim=1), {
    "nan skipped": (np.array([[1.0, NAN, 3.0, 2.0], [NAN, NAN, NAN, NAN]]),),
    "inf": (np.array([[1.0, INF, NAN, -INF]]),)},
    torch=lambda T, x: x.nanquantile(0.4, dim=1))
rows("nanquantile", lambda x: x.nanquantile(0.5), {"0-d": (np.float64(2.0),),
                                                   "all nan": (a64(NAN, NAN),)},
     torch=lambda T, x: x.nanquantile(0.5))
rows("nanquantile", lambda x: x.nanquantile(0.5, dim=-1, keepdim=True,
                                            interpolation="higher"),
     {"higher, keepdim": (np.array([[4.0, NAN, 1.0]]),)},
     torch=lambda T, x: x.nanquantile(0.5, dim=-1, keepdim=True, interpolation="higher"))
rows("nanquantile", lambda x: x.nanquantile(0.5), {"empty": (E,)},
     raises="nanquantile: the input of shape \\(0,\\) is empty")
rows("nanquantile", lambda x: x.nanquantile(0.5), {"ints": (np.array([1, 2]),)},
     raises="nanquantile: expects a float tensor")
rows("nanquantile", lambda x: x.nanquantile(1.5), {"q > 1": (a64(1.0),)},
     raises="nanquantile: q must be")

rows("gradient", lambda y: joined(tg.gradient(y)), {
    "2-D!": (X23,), "nan and inf": (a64(1.0, NAN, 4.0, INF),), "two points": (a64(1.0, 3.0),),
    "ints": (np.array([1, 2, 4]),)}, torch=lambda T, y: joined(T.gradient(y.double())))
rows("gradient", lambda y: tg.gradient(y, dim=0)[0], {"empty rows, dim 0": (E2,)},
     torch=lambda T, y: T.gradient(y, dim=0)[0])
rows("gradient", lambda y: joined(tg.gradient(y, spacing=2.0, dim=-1, edge_order=2)), {
    "edge_order 2!": (X23,)},
    torch=lambda T, y: joined(T.gradient(y, spacing=2.0, dim=-1, edge_order=2)))
rows("gradient", lambda y, c: joined(tg.gradient(y, spacing=(c,), edge_order=2)), {
    "coordinates!": (a64(1.0, 4.0, 9.0, 16.0), a64(0.0, 1.0, 3.0, 4.0))},
    torch=lambda T, y, c: joined(T.gradient(y, spacing=(c,), edge_order=2)))
rows("gradient", lambda y: tg.gradient(y), {"0-d": (np.float64(1.0),)},
     numpy=lambda a: np.zeros(0), grad=(None,), note="torch's empty tuple, joined: empty")
rows("gradient", lambda y: tg.gradient(y)[0], {"one point": (a64(1.0),)},
     raises="gradient: expected each dimension size to be at least edge_order\\+1")
rows("gradient", lambda y: tg.gradient(y, edge_order=3)[0], {"edge_order 3": (a64(1.0, 2.0),)},
     raises="gradient: only supports edge_order=1 and edge_order=2")
rows("gradient", lambda y: tg.gradient(y, spacing=[1.0, 2.0])[0], {"spacings": (a64(1.0, 2.0),)},
     raises="gradient: expected spacing to be unspecified, a scalar, or a list of length")
rows("gradient", lambda y, c: tg.gradient(y, spacing=(c,))[0], {
    "coordinates too few": (a64(1.0, 2.0, 4.0), a64(1.0, 2.0))},
    raises="gradient: spacing coordinates for dim 0 hold 2 values, the input 3 there",
    note="torch reads the wrong-length coordinates silently")
rows("gradient", lambda y: tg.gradient(y, dim=(0, 0))[0], {"dim twice": (X23,)},
     raises="gradient: dim \\[0, 0\\] names a dim twice")
rows("cumulative_trapezoid", tg.cumulative_trapezoid, {
    "4!": (a64(1.0, 2.0, 4.0, -1.0),), "one point": (a64(1.0),), "empty": (E,),
    "nan and inf": (a64(NAN, 1.0, INF, 2.0),), "ints": (np.array([1, 2, 4]),)},
    torch=lambda T, y: T.cumulative_trapezoid(y.double()))
rows("cumulative_trapezoid", lambda y, x: tg.cumulative_trapezoid(y, x, dim=0), {
    "x along dim 0!": (X23, a64(0.0, 1.5))},
    torch=lambda T, y, x: T.cumulative_trapezoid(y, x, dim=0))
rows("cumulative_trapezoid", tg.cumulative_trapezoid, {"0-d": (np.float64(1.0),)},
     raises="cumulative_trapezoid: expects at least 1 dim")
rows("cumulative_trapezoid", lambda y, x: tg.cumulative_trapezoid(y, x), {
    "x of the wrong length": (a64(1.0, 2.0, 3.0), a64(0.0, 1.0))},
    raises="cumulative_trapezoid: There must be one `x` value for each sample point")

# ---- x.histogram (torch's) -------------------------------------------------------------------
rows("histogram", lambda x: x.histogram(3).hist, {"3 bins": (_a(1.0, 2.0, 1.0, 4.0),),
                                                  "empty: [0, 1]": (E,),
                                                  "one value: widened": (_a(2.0, 2.0),)},
     numpy=lambda a: {4: _a(2, 1, 1), 0: _a(0, 0, 0), 2: _a(0, 2, 0)}[a.size] if a.size != 2
     else _a(0, 2, 0))
rows("histogram", lambda x: x.histogram(2).bin_edges, {"one value: edges": (_a(2.0, 2.0),)},
     numpy=lambda a: _a(1.5, 2.0, 2.5))
rows("histogram", lambda x: x.histogram(3, range=(0.0, 2.0)).hist, {
    "nan and outside left out": (_a(1.0, NAN, 5.0, 2.0),)}, numpy=lambda a: _a(0, 1, 1))
rows("histogram", lambda x, w: x.histogram(Tensor(_a(0.0, 1.5, 5.0)), weight=w,
                                           density=True).hist,
     {"edges, weight, density": (_a(1.0, 2.0, 1.0, 4.0), _a(1.0, 2.0, 3.0, 4.0))},
     wrt=(), numpy=lambda a, w: _a(4 / 15, 6 / 35))
rows("histogram", lambda x: x.histogram(3), {"ints": (np.array([1, 2]),)},
     raises="histogram: expects a float tensor")
rows("histogram", lambda x: x.histogram(2), {"inf": (_a(1.0, INF),)},
     raises="histogram: the range .* is not finite")
rows("histogram", lambda x: x.histogram(2, range=(3.0, 1.0)), {"min > max": (_a(1.0),)},
     raises="histogram: min should not exceed max")

# ---- histogramdd ---------------------------------------------------------------------------------
_P = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.5], [0.5, 0.0]])
rows("histogramdd", lambda x: tg.histogramdd(x, [2, 3])[0], {"2-D points": (_P,)},
     numpy=lambda a: np.histogramdd(a, [2, 3])[0])
rows("histogramdd", lambda x: tg.histogramdd(x, 2, range=[0.0, 1.0, 0.0, 1.0],
                                             density=True)[0],
     {"range, density": (_P,)},
     numpy=lambda a: np.histogramdd(a, 2, range=[(0, 1), (0, 1)], density=True)[0])
rows("histogramdd", lambda x: tg.histogramdd(x, [2])[0], {"wrong bins count": (_P,)},
     raises="histogramdd: expected 2 bins")
rows("histogramdd", lambda x: tg.histogramdd(x, 2)[0], {"ints": (np.array([[1, 2]]),)},
     raises="histogramdd: expects a float tensor")

# ---- nansum, nanmean ------------------------------------------------------------------------
_NANS = {"empty": (E,), "scalar!": (np.float64(0.4),), "one element!": (_a(0.7),),
         "nan": (_a(NAN, 1.0, 2.5),), "all nan": (_a(NAN, NAN),), "+inf": (_a(INF, 1.0),),
         "inf and -inf": (_a(INF, -INF),)}
_ROWS = np.array([[NAN, 1.0, 2.0], [NAN, NAN, NAN], [0.5, -1.0, NAN]])
rows("nansum", tg.nansum, _NANS, numpy=np.nansum, torch=lambda T, x: T.nansum(x))
rows("nansum", lambda x: x.nansum(dim=1, keepdim=True), {"rows with nans": (_ROWS,)},
     numpy=lambda x: np.nansum(x, axis=1, keepdims=True),
     torch=lambda T, x: T.nansum(x, dim=1, keepdim=True))
rows("nansum", tg.nansum, {"integers": (np.array([1, 2, 3]),)}, numpy=np.nansum)
rows("nanmean", tg.nanmean, {k: v for k, v in _NANS.items() if k != "empty"},
     numpy=np.nanmean, torch=lambda T, x: T.nanmean(x))
rows("nanmean", lambda x: x.nanmean(dim=1), {"rows with nans": (_ROWS,)},
     numpy=lambda x: np.nanmean(x, axis=1), torch=lambda T, x: T.nanmean(x, dim=1))
rows("nanmean", tg.nanmean, {"integers": (np.array([1, 2, 3]),)},
     raises="nanmean: expects a floating-point tensor")

# ---- median, kthvalue, quantile ----------------------------------------------------------------
_MEDIAN = "the lower of the two middle values (torch's; np.median averages them)"
rows("median", tg.median, {
    "one element!": (_a(0.7),), "scalar!": (np.float64(0.4),), "even count!": (_a(3.0, 1.0, 2.5,
                                                                                 -1.0),),
    "ties share the gradient": (_a(1.0, 2.0, 2.0, 3.0),), "nan": (_a(1.0, NAN, 0.0),),
    "two nans share it": (_a(NAN, 1.0, NAN),), "+inf": (_a(INF, INF, 1.0),),
    "matrix!": (X34,)}, numpy=lambda x: np.sort(x, axis=None)[(x.size - 1) // 2]
     if not np.isnan(x).any() else np.array(NAN), numpy_warns=False,
     torch=lambda T, x: T.median(x), note=_MEDIAN)
rows("median", tg.median, {"empty": (E,)}, numpy=lambda x: np.array(NAN), grad=(E,),
     note="NaN, as torch's median() of no values")
rows("median", lambda x: x.median(dim=1).values, {
    "dim: ties": (np.array([[1.0, 2.0, 2.0, 2.0, 3.0], [5.0, 4.0, 4.0, 1.0, 1.0]]),),
    "dim: nan, the first one's index": (np.array([[1.0, NAN, 0.0, NAN], [1.0, 2.0, 3.0, 4.0]]),),
    "dim: length 1!": (np.array([[0.5], [1.5]]),)},
     numpy=lambda x: np.where(np.isnan(x).any(1), NAN, np.sort(x, 1)[:, (x.shape[1] - 1) // 2]),
     numpy_warns=False, torch=lambda T, x: T.median(x, dim=1).values, note=_MEDIAN)
rows("median", lambda x: Tensor(x.median(dim=1).indices.data.astype(float)), {
    "dim: indices, ties and nan": (np.array([[1.0, 2.0, 2.0, 2.0, 3.0],
                                             [1.0, NAN, 0.0, NAN, 2.0]]),)},
     numpy=lambda x: np.array([2.0, 1.0]), grad=(None,))
rows("median", lambda x: x.median(dim=0).values, {"0-d with dim!": (np.float64(0.4),)},
     numpy=lambda x: x, torch=lambda T, x: T.median(x, dim=0).values)
rows("median", lambda x: x.median(dim=1), {"dim: empty": (E2,)},
     raises="median: dim 1 of a tensor of shape \\(2, 0\\) is empty")
rows("median", lambda x: x.median(keepdim=True), {"keepdim without dim": (_a(1.0),)},
     raises="median: keepdim needs a dim")
_TIES = ("the second tied value: a stable sort's place for k = 2 (torch's selection gives "
         "index 3 here: which tied entry it picks is unspecified, torch's docs say)")
rows("kthvalue", lambda x: x.kthvalue(2).values, {"ties": (_a(3.0, 1.0, 1.0, 1.0, 2.0),)},
     numpy=lambda x: np.array(1.0), grad=(_a(0.0, 0.0, 1.0, 0.0, 0.0),), note=_TIES)
rows("kthvalue", lambda x: x.kthvalue(5).values, {"nan is the largest": (_a(3.0, NAN, 1.0,
                                                                             1.0, 2.0),)},
     numpy=lambda x: np.array(NAN), numpy_warns=False, torch=lambda T, x: T.kthvalue(x, 5).values)
rows("kthvalue", lambda x: x.kthvalue(2, dim=0, keepdim=True).values, {"dim 0, keepdim!": (X34,)},
     numpy=lambda x: np.sort(x, 0)[1:2], torch=lambda T, x: T.kthvalue(x, 2, 0, True).values)
rows("kthvalue", lambda x: x.kthvalue(1).values, {"0-d!": (np.float64(0.4),)},
     numpy=lambda x: x, torch=lambda T, x: T.kthvalue(x, 1).values)
rows("kthvalue", lambda x: x.kthvalue(4), {"k above the length": (_a(1.0, 2.0, 3.0),)},
     raises="kthvalue: k must be an int in \\[1, 3\\]")
rows("kthvalue", lambda x: x.kthvalue(0), {"k = 0": (_a(1.0, 2.0, 3.0),)},
     raises="kthvalue: k must be an int")
for _how in ("linear", "lower", "higher", "midpoint", "nearest"):
    rows("quantile", lambda x, h=_how: x.quantile(0.4, interpolation=h), {
        f"{_how}!": (_a(0.5, -1.2, 3.0, 2.2),),
        f"{_how}: ties": (_a(1.0, 2.0, 2.0, 2.0, 3.0, 0.0),),
        f"{_how}: nan": (_a(1.0, NAN, 3.0),), f"{_how}: +inf": (_a(1.0, INF, 3.0, -INF),)},
         numpy=lambda x, h=_how: np.array(NAN) if np.isnan(x).any() else
         np.quantile(x, 0.4, method=h), numpy_warns=False,
         torch=lambda T, x, h=_how: T.quantile(x, 0.4, interpolation=h))
rows("quantile", lambda x: x.quantile(0.125, interpolation="nearest"),
     {"nearest: half to even": (_a(4.0, 1.0, 2.0, 3.0, 0.0),)},
     numpy=lambda x: np.array(0.0), torch=lambda T, x: T.quantile(x, 0.125,
                                                                  interpolation="nearest"))
rows("quantile", lambda x: x.quantile(Tensor(_a(0.0, 0.5, 1.0)), dim=1, keepdim=True),
     {"q a tensor, dim, keepdim!": (X34,)},
     numpy=lambda x: np.quantile(x, [0.0, 0.5, 1.0], axis=1, keepdims=True),
     torch=lambda T, x: T.quantile(x, T.tensor([0.0, 0.5, 1.0], dtype=x.dtype), dim=1,
                                   keepdim=True))
rows("quantile", lambda x: x.quantile(0.5, dim=0), {"0-d!": (np.float64(0.4),)},
     numpy=lambda x: x, torch=lambda T, x: T.quantile(x, 0.5, dim=0))
rows("quantile", lambda x: x.quantile(1.5), {"q above 1": (_a(1.0, 2.0),)},
     raises="quantile: q must be")
rows("quantile", lambda x: x.quantile(0.5), {"empty": (E,)}, raises="quantile: the input")
rows("quantile", lambda x: x.quantile(0.5), {"integers": (np.array([1, 2]),)},
     raises="quantile: expects a float tensor")
rows("quantile", lambda x: x.quantile(0.5, interpolation="cubic"), {"unknown interpolation":
                                                                    (_a(1.0, 2.0),)},
     raises="quantile: interpolation must be one of")

# ---- var_mean, std_mean ----------------------------------------------------------------------
for _name, _np in (("var_mean", np.var), ("std_mean", np.std)):
    rows(_name, lambda x, n=_name: tg.stack(list(getattr(tg, n)(x, dim=-1))), {
        "spread!": (_a(0.5, 1.7, -0.4),), "constant": (_a(2.0, 2.0, 2.0),),
        "rows!": (X34,), "nan": (_a(NAN, 1.0),), "+inf": (_a(INF, 1.0),),
        "one element": (_a(0.7),)},
         numpy=lambda x, f=_np: np.stack([f(x, axis=-1, ddof=1), x.mean(-1)]),
         torch=lambda T, x, n=_name: T.stack(getattr(T, n)(x, dim=-1)))
    rows(_name, lambda x, n=_name: tg.stack(list(getattr(tg, n)(x, False))), {
        "unbiased=False positionally!": (_a(0.5, 1.7, -0.4),)},
         numpy=lambda x, f=_np: np.stack([f(x), x.mean()]),
         torch=lambda T, x, n=_name: T.stack(getattr(T, n)(x, False)))
    rows(_name, lambda x, n=_name: tg.stack(list(getattr(tg, n)(x, dim=(0, 1), correction=0,
                                                                   keepdim=True))), {
        "correction=0 over two dims, keepdim!": (X34,)},
         numpy=lambda x, f=_np: np.stack([f(x, axis=(0, 1), keepdims=True),
                                          x.mean((0, 1), keepdims=True)]),
         torch=lambda T, x, n=_name: T.stack(getattr(T, n)(x, dim=(0, 1), correction=0,
                                                           keepdim=True)))
    rows(_name, lambda x, n=_name: getattr(tg, n)(x, dim=2)[0], {"dim out of range":
                                                                 (X34,)},
         raises=f"{_name}: .*axis 2 is out of bounds")

# ---- running reductions ---------------------------------------------------------------------
_RUN = {"ties: the latest": (np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 0.0]]),),
        "nan sticks": (np.array([[1.0, NAN, 3.0, NAN, 0.0], [-INF, INF, 0.0, 1.0, 2.0]]),),
        "spread!": (X34,), "empty": (E2,)}
for _name, _f in (("cummax", np.fmax), ("cummin", np.fmin)):
    rows(_name, lambda x, n=_name: getattr(x, n)(1).values, _RUN,
         numpy=lambda x, f=_f: np.where(np.isnan(x).cumsum(1) > 0, NAN, f.accumulate(x, 1))
         if x.size else x, numpy_warns=False, torch=lambda T, x, n=_name: getattr(T, n)(x, 1)
         .values)
    rows(_name, lambda x, n=_name: Tensor(getattr(x, n)(1).indices.data.astype(float)), {
        "indices": (_RUN["ties: the latest"][0],)}, grad=(None,),
         numpy=lambda x, n=_name: np.array([[0.0, 1, 2, 2, 4], [0, 1, 1, 1, 1]] if n == "cummax"
                                           else [[0.0, 0, 0, 0, 0], [0, 1, 2, 3, 4]]))
    rows(_name, lambda x, n=_name: getattr(x, n)(2), {"dim out of range": (X34,)},
         raises=f"{_name}: ")
rows("logcumsumexp", lambda x: x.logcumsumexp(1), {
    "spread!": (X34,), "-inf first": (np.array([[-INF, -INF, 0.5], [1.0, -INF, 2.0]]),),
    "large!": (np.array([[1000.0, 1000.5, 999.0]]),), "empty": (E2,)},
     numpy=lambda x: np.logaddexp.accumulate(x, 1) if x.size else x,
     torch=lambda T, x: T.logcumsumexp(x, 1))
rows("logcumsumexp", lambda x: x.logcumsumexp(0), {"0-d!": (np.float64(0.3),)},
     numpy=lambda x: x, torch=lambda T, x: T.logcumsumexp(x, 0))

# ---- cov, corrcoef, trapezoid ----------------------------------------------------------------
rows("cov", tg.cov, {"rows!": (X34,), "one variable!": (_a(0.5, 1.5, -1.0),),
                     "one observation": (np.array([[1.0], [2.0]]),), "nan": (_a(NAN, 1.0, 2.0),)},
     numpy=lambda x: np.cov(x), numpy_warns=False, torch=lambda T, x: T.cov(x))
rows("cov", lambda x: tg.cov(x, correction=0), {"correction=0!": (X34,)},
     numpy=lambda x: np.cov(x, ddof=0), torch=lambda T, x: T.cov(x, correction=0))
rows("cov", lambda x: tg.cov(x, fweights=np.array([1, 2, 1, 3])), {"fweights": (X34,)},
     numpy=lambda x: np.cov(x, fweights=np.array([1, 2, 1, 3])),
     torch=lambda T, x: T.cov(x, fweights=T.tensor([1, 2, 1, 3])))
rows("cov", lambda x: tg.cov(x, fweights=np.ones(4)), {"float fweights": (X34,)},
     raises="cov: fweights must be integers")
rows("corrcoef", tg.corrcoef, {"rows!": (X34,), "a constant row": (np.array([[1.0, 1.0, 1.0],
                                                                          [1.0, 2.0, 4.0]]),)},
     numpy=np.corrcoef, numpy_warns=False, torch=lambda T, x: T.corrcoef(x))
rows("trapezoid", tg.trapezoid, {"rows!": (X34,), "inf": (_a(1.0, INF, 2.0),)},
     numpy=np.trapezoid, torch=lambda T, y: T.trapezoid(y))
rows("trapezoid", tg.trapezoid, {"one sample": (_a(2.0),)}, numpy=np.trapezoid,
     grad=(_a(0.0),))
rows("trapezoid", tg.trapezoid, {"empty": (E,)}, numpy=np.trapezoid, grad=(E,))
rows("trapezoid", lambda y, x: tg.trapezoid(y, x), {"at points x!": (X34, _a(0.0, 0.5, 2.0,
                                                                              2.5))},
     numpy=lambda y, x: np.trapezoid(y, x), torch=lambda T, y, x: T.trapezoid(y, x))
rows("trapezoid", lambda y: tg.trapezoid(y, dx=0.25, dim=0), {"dx, dim 0!": (X34,)},
     numpy=lambda y: np.trapezoid(y, dx=0.25, axis=0),
     torch=lambda T, y: T.trapezoid(y, dx=0.25, dim=0))
rows("trapezoid", tg.trapezoid, {"0-d": (np.float64(1.0),)},
     raises="trapezoid: expects at least 1 dim")
