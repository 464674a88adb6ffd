"""Edge rows of reductions, scans and statistics: aminmax, nanmedian, renorm, cov / corrcoef,
msort, sum_to_size, mode, nanquantile, gradient, cumulative_trapezoid, histogram, histogramdd.
`T` in a `torch=` lambda is the torch module; where a row has no `numpy=`, PyTorch's value is
the reference."""

from __future__ import annotations

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
