"""Edge rows of PyTorch's small names (tensor/, functional/;
tests/test_torch_names11.py): empty, 0-d, NaN and inf, integer dtypes, negative dims and bad
arguments. `T` in a `torch=` lambda is the torch module; where a row has no `numpy=`,
PyTorch's value is the reference (float64 asked of torch's constructors: its default is
float32, this library's float64)."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from .edge_table import E2, INF, NAN, E, rows


def a64(*v: float) -> np.ndarray:
    return np.array(v, dtype=np.float64)


def joined(pieces: Any) -> Any:
    mod = tg if isinstance(pieces[0], Tensor) else __import__("torch")
    return mod.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)])


def inplace_call(method: str, *args: Any, **kwargs: Any) -> Any:
    def call(x: Tensor) -> Tensor:
        getattr(x, method)(*args, **kwargs)
        return x
    return call


X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
_I = np.array([[1, 2, 2, 3, 1], [4, 4, 0, 0, 7]])

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

# ---- vander, combinations, gradient, cumulative_trapezoid, chain_matmul ------------------------
rows("vander", tg.vander, {"3!": (a64(1.5, -2.0, 0.5),), "empty": (E,),
                           "zeros": (a64(0.0, 0.0),)},
     numpy=np.vander, note="torch 2.13's vander backward raises: finite differences")
rows("vander", lambda x: tg.vander(x, N=3, increasing=True), {"ints": (np.array([2, 3]),)},
     numpy=lambda a: np.vander(a, 3, True))
rows("vander", lambda x: tg.vander(x), {"nan and inf": (a64(NAN, INF, 2.0),)},
     numpy=lambda a: np.array([[NAN, NAN, 1.0], [INF, INF, 1.0], [4.0, 2.0, 1.0]]),
     numpy_warns=False, grad=(a64(NAN, INF, 5.0),),
     note="torch 2.13's vander backward raises (an in-place error): the gradient written out")
rows("vander", tg.vander, {"2-D": (X23,)}, raises="vander: x must be a one-dimensional tensor")
rows("vander", lambda x: tg.vander(x, N=-1), {"N < 0": (a64(1.0),)},
     raises="vander: N must be non-negative")
rows("combinations", tg.combinations, {"4!": (a64(1.0, -2.0, 3.0, 0.5),),
                                       "nan and inf": (a64(1.0, NAN, 3.0, INF),)},
     torch=lambda T, x: T.combinations(x))
rows("combinations", tg.combinations, {"one": (a64(2.0),)},
     numpy=lambda a: np.zeros((0, 2)), grad=(np.zeros(1),))
rows("combinations", tg.combinations, {"empty": (E,)},
     numpy=lambda a: np.zeros((0, 2)), grad=(np.zeros(0),))
rows("combinations", tg.combinations, {"ints": (np.array([1, 2, 3]),)},
     numpy=lambda a: np.array([[1, 2], [1, 3], [2, 3]]), grad=(None,))
rows("combinations", lambda x: tg.combinations(x, 3, True), {"with replacement": (
    a64(1.0, 2.0, 3.0),)}, torch=lambda T, x: T.combinations(x, 3, True))
rows("combinations", lambda x: tg.combinations(x, 0), {"r = 0": (a64(1.0, 2.0),)},
     numpy=lambda a: np.zeros(0), grad=(np.zeros(2),), note="torch's empty 1-D result")
rows("combinations", tg.combinations, {"0-d": (np.float64(1.0),)},
     raises="combinations: Expect a 1D vector, but got shape \\[\\]")
rows("combinations", lambda x: tg.combinations(x, -1), {"r < 0": (a64(1.0),)},
     raises="combinations: Expect a non-negative number, but got -1")
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
rows("chain_matmul", tg.chain_matmul, {"two!": (X23, X23.T), "empty inner": (E2.T, E2),
                                       "nan": (a64(NAN, 1.0).reshape(1, 2), X23)},
     torch=lambda T, a, b: T.linalg.multi_dot([a, b]))
rows("chain_matmul", tg.chain_matmul, {"one matrix": (X23,)}, numpy=lambda a: a)
rows("chain_matmul", lambda: tg.chain_matmul(), {"none": ()},
     raises="chain_matmul\\(\\): Expected one or more matrices")
rows("chain_matmul", tg.chain_matmul, {"1-D": (a64(1.0, 2.0), X23)},
     raises=r"chain_matmul: tensor 0 must be 2-D, got shape \(2,\)")

# ---- in-place forms (inplace.py's rules) -----------------------------------------------------
_V = a64(0.25, 0.5, 0.75)
for _m, _args, _ref in (
        ("cumsum_", (0,), np.cumsum), ("cumprod_", (-1,), np.cumprod),
        ("scatter_add_", (0, Tensor(np.array([0, 0, 2])), Tensor(_V)),
         lambda x: x + np.array([0.75, 0.0, 0.75])),
        ("addmm_", (Tensor(np.ones((3, 1))), Tensor(np.ones((1, 1)))), lambda x: x + 1)):
    _x0 = _V.reshape(3, 1).copy() if _m == "addmm_" else _V.copy()
    rows(_m, inplace_call(_m, *_args), {"values": (_x0,)}, numpy=_ref, wrt=(), grad=(None,))
    rows(_m, inplace_call(_m, *_args), {"a leaf that requires grad": (_x0.copy(),)}, wrt=(0,),
         raises=f"Tensor.{_m}.*a leaf Variable that requires grad")
rows("cumsum_", inplace_call("cumsum_", 0), {"int32 stays int32": (np.array([1, 2, 3], np.int32),)},
     numpy=lambda x: np.cumsum(x).astype(np.int32), grad=(None,))
rows("cumsum_", lambda x: (x * 2).cumsum_(0), {"an op's result": (_V.copy(),)}, wrt=(0,),
     raises="Tensor.cumsum_: in-place on the result of Mul")
rows("addmm_", inplace_call("addmm_", Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2)))),
     {"a larger product": (np.ones((1, 2)),)}, wrt=(),
     raises="Tensor.addmm_: the result's shape \\(2, 2\\) is not this tensor's")
rows("fill_diagonal_", inplace_call("fill_diagonal_", 2.0), {"3x5": (np.zeros((3, 5)),),
                                                         "2x2x2": (np.zeros((2, 2, 2)),),
                                                         "empty": (np.zeros((0, 0)),)},
     torch=lambda T, x: x.detach().clone().fill_diagonal_(2.0), wrt=(), grad=(None,))
rows("fill_diagonal_", inplace_call("fill_diagonal_", NAN, wrap=True), {"wrap, tall": (
    np.zeros((7, 3)),)}, torch=lambda T, x: x.detach().clone().fill_diagonal_(NAN, wrap=True),
    wrt=(), grad=(None,))
rows("fill_diagonal_", inplace_call("fill_diagonal_", 1), {"1-D": (np.zeros(3),)}, wrt=(),
     raises="fill_diagonal_: dimensions must larger than 1")
rows("fill_diagonal_", inplace_call("fill_diagonal_", 1), {"unequal dims": (np.zeros((2, 3, 2)),)},
     wrt=(), raises="fill_diagonal_: all dimensions of input must be of equal length")
rows("fill_diagonal_", inplace_call("fill_diagonal_", 1.5), {"a float into ints": (
    np.zeros((2, 2), np.int64),)}, raises="Tensor.fill_diagonal_.*same_kind",
     note="torch truncates 1.5 to 1; the library's in-place rule (same_kind) refuses it")
rows("bernoulli_", inplace_call("bernoulli_", Tensor(a64(0.0, 1.0, 1.0))), {
    "p 0 and 1": (np.full(3, 0.5),)}, numpy=lambda x: a64(0.0, 1.0, 1.0), wrt=(), grad=(None,))
rows("bernoulli_", inplace_call("bernoulli_", 1.0), {"ints": (np.zeros(2, np.int64),),
                                                 "empty": (E,)},
     numpy=lambda x: np.ones_like(x), wrt=(), grad=(None,))
rows("bernoulli_", inplace_call("bernoulli_", 2.0), {"p > 1": (_V.copy(),)}, wrt=(),
     raises="Tensor.bernoulli_: probabilities must lie in \\[0, 1\\]")
rows("bernoulli_", inplace_call("bernoulli_", Tensor(np.ones(3))), {"p too long": (np.zeros(2),)},
     wrt=(), raises="Tensor.bernoulli_: p of shape \\(3,\\) does not broadcast")

# ---- the constant makers (their values against torch's: tests/test_torch_names11.py) ----------
rows("logspace", lambda: tg.logspace(0, 2, 3), {"3": ()}, numpy=lambda: a64(1.0, 10.0, 100.0))
rows("logspace", lambda: tg.logspace(-1, 1, 3, base=0.0), {"base 0": ()},
     numpy=lambda: a64(INF, 1.0, 0.0), numpy_warns=False)
rows("logspace", lambda: tg.logspace(0, 1, 3, base=-2.0), {"negative base": ()},
     numpy=lambda: a64(1.0, NAN, -2.0), numpy_warns=False)
rows("logspace", lambda: tg.logspace(0, 1, 5, 3, dtype=tg.int64), {"ints truncate": ()},
     numpy=lambda: np.array([1, 1, 1, 2, 3]))
rows("logspace", lambda: tg.logspace(0, 2, 0), {"0 steps": ()}, numpy=lambda: E)
rows("logspace", lambda: tg.logspace(0, 2, -1), {"negative steps": ()},
     raises="logspace requires non-negative steps")
for _w in ("hann", "hamming", "blackman", "bartlett", "kaiser"):
    _name = f"{_w}_window"
    rows(_name, lambda n=_name: getattr(tg, n)(1), {"one": ()}, numpy=lambda: a64(1.0))
    rows(_name, lambda n=_name: getattr(tg, n)(0), {"empty": ()}, numpy=lambda: E)
    rows(_name, lambda n=_name: getattr(tg, n)(-1), {"negative": ()},
         raises=f"{_name} requires non-negative window_length")
    rows(_name, lambda n=_name: getattr(tg, n)(2.5), {"a float length": ()},
         raises=f"{_name}: window_length must be an int")
    rows(_name, lambda n=_name: getattr(tg, n)(3, dtype=tg.int64), {"int dtype": ()},
         raises=f"{_name}: expects a floating point dtype")
rows("hann_window", lambda: tg.hann_window(4), {"periodic by default!": ()},
     numpy=lambda: a64(0.0, 0.5, 1.0, 0.5))
rows("scalar_tensor", lambda: tg.scalar_tensor(3), {"an int": ()}, numpy=lambda: np.float64(3))
rows("scalar_tensor", lambda: tg.scalar_tensor(NAN, dtype=tg.float32), {"nan": ()},
     numpy=lambda: np.float32(NAN))
rows("scalar_tensor", lambda: tg.scalar_tensor([1.0]), {"a list": ()},
     raises="scalar_tensor: s must be a real number")
rows("randint_like", lambda x: tg.randint_like(x, 1), {"high 1: zeros": (np.ones((2, 3)),),
                                                        "ints": (np.ones(2, np.int32),),
                                                        "empty": (E,)},
     numpy=np.zeros_like, grad=(None,))
rows("randint_like", lambda x: tg.randint_like(x, 5, 5), {"empty range": (a64(1.0),)},
     raises="randint_like: low=5 >= high=5")
rows("randint_like", lambda x: tg.randint_like(x, 300), {"uint8": (np.zeros(2, np.uint8),)},
     raises="randint_like: .* does not fit dtype uint8")
