"""The project's rows of the edge-case table (tinygrad_dl.testing.edges): every public op on
empty arrays, one element, ties, +-inf, NaN and arguments outside its domain.

Rows come from a few generators (one per kind of op: elementwise, binary, reductions, shape
ops) plus rows written out for the rest. `T` in a `torch=` lambda is the torch module.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.optable.refs import erf_ref, erfc_ref, sdpa_ref

from .edges import Edge, add_edge

INF, NAN = np.inf, np.nan
E = np.zeros(0)  # the empty array
E2 = np.zeros((2, 0))


def _a(*v: Any) -> np.ndarray:
    return np.array(v, dtype=np.float64)


def rows(op: str, call: Any, cases: dict[str, tuple[Any, ...]], **kw: Any) -> None:
    """One row per case (name -> inputs), all with the same call and references; a case
    name ending in "!" is also checked against finite differences."""
    for case, inputs in cases.items():
        fd = case.endswith("!")
        add_edge(Edge(op, case.rstrip("!"), call, tuple(inputs), fd=fd, **kw))


# helpers of the topic modules' rows (edge_table_<topic>.py)
def a64(*v: float) -> np.ndarray:
    return np.array(v, dtype=np.float64)


def joined(pieces: Any) -> Any:
    """Pieces weighted by their place and joined (tg's or torch's: both have cat)."""
    mod = tg if isinstance(pieces[0], Tensor) else __import__("torch")
    return mod.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)])


def inplace_call(method: str, *args: Any, **kwargs: Any) -> Any:
    """A call that runs x.<method>(*args, **kwargs) (an in-place form) and returns x."""
    def call(x: Tensor) -> Tensor:
        getattr(x, method)(*args, **kwargs)
        return x
    return call


# ---- elementwise functions -------------------------------------------------------------------
# (name, tinygrad call, NumPy reference, is that NumPy's own function, torch reference, extra
# cases: out-of-domain values and kinks)
_UNARY: list[tuple[str, Any, Any, bool, Any, dict[str, Any]]] = [
    ("exp", Tensor.exp, np.exp, True, lambda T, x: T.exp(x), {"overflow": _a(800.0)}),
    ("log", Tensor.log, np.log, True, lambda T, x: T.log(x),
     {"out of domain": _a(-1.0), "zero": _a(0.0)}),
    ("sqrt", Tensor.sqrt, np.sqrt, True, lambda T, x: T.sqrt(x),
     {"out of domain": _a(-1.0), "zero": _a(0.0)}),
    ("abs", abs, np.abs, True, lambda T, x: T.abs(x), {"kink": _a(0.0, -0.0)}),
    ("neg", lambda x: -x, np.negative, True, lambda T, x: -x, {}),
    ("relu", F.relu, lambda x: np.maximum(x, 0), True, lambda T, x: T.relu(x),
     {"kink": _a(0.0)}),
    ("tanh", F.tanh, np.tanh, True, lambda T, x: T.tanh(x), {"large": _a(-30.0, 30.0)}),
    ("sigmoid", F.sigmoid, lambda x: 0.5 * (1 + np.tanh(x / 2)), False,
     lambda T, x: T.sigmoid(x), {"large": _a(-800.0, 800.0)}),
    ("sin", tg.sin, np.sin, True, lambda T, x: T.sin(x), {}),
    ("cos", tg.cos, np.cos, True, lambda T, x: T.cos(x), {}),
    ("tan", tg.tan, np.tan, True, lambda T, x: T.tan(x), {"pole": _a(np.pi / 2)}),
    ("arcsin", tg.arcsin, np.arcsin, True, lambda T, x: T.asin(x),
     {"out of domain": _a(1.5, -2.0), "edge of domain": _a(1.0, -1.0)}),
    ("arccos", tg.arccos, np.arccos, True, lambda T, x: T.acos(x),
     {"out of domain": _a(1.5, -2.0), "edge of domain": _a(1.0, -1.0)}),
    ("arctan", tg.arctan, np.arctan, True, lambda T, x: T.atan(x), {}),
    ("sinh", tg.sinh, np.sinh, True, lambda T, x: T.sinh(x), {"overflow": _a(800.0)}),
    ("cosh", tg.cosh, np.cosh, True, lambda T, x: T.cosh(x), {"overflow": _a(-800.0)}),
    ("log1p", tg.log1p, np.log1p, True, lambda T, x: T.log1p(x),
     {"out of domain": _a(-2.0), "edge of domain": _a(-1.0)}),
    ("expm1", tg.expm1, np.expm1, True, lambda T, x: T.expm1(x), {"overflow": _a(800.0)}),
    ("log2", tg.log2, np.log2, True, lambda T, x: T.log2(x),
     {"out of domain": _a(-1.0), "zero": _a(0.0)}),
    ("log10", tg.log10, np.log10, True, lambda T, x: T.log10(x),
     {"out of domain": _a(-1.0), "zero": _a(0.0)}),
    ("exp2", tg.exp2, np.exp2, True, lambda T, x: T.exp2(x), {"overflow": _a(2000.0)}),
    ("square", tg.square, np.square, True, lambda T, x: T.square(x), {"overflow": _a(1e200)}),
    ("rsqrt", tg.rsqrt, lambda x: 1 / np.sqrt(x), False, lambda T, x: T.rsqrt(x),
     {"out of domain": _a(-1.0), "zero": _a(0.0), "small": _a(1e-300)}),
    ("reciprocal", tg.reciprocal, np.reciprocal, True, lambda T, x: T.reciprocal(x),
     {"zero": _a(0.0)}),
    ("sign", tg.sign, np.sign, True, lambda T, x: T.sign(x), {"kink": _a(0.0)}),
    ("floor", tg.floor, np.floor, True, lambda T, x: T.floor(x), {"jump": _a(1.0, -2.0)}),
    ("ceil", tg.ceil, np.ceil, True, lambda T, x: T.ceil(x), {"jump": _a(1.0, -2.0)}),
    ("round", tg.round, np.round, True, lambda T, x: T.round(x),
     {"half to even": _a(0.5, 1.5, -2.5)}),
    ("softplus", F.softplus, lambda x: np.logaddexp(x, 0), False,
     lambda T, x: T.nn.functional.softplus(x), {"large": _a(-800.0, 800.0)}),
    ("leaky_relu", F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), False,
     lambda T, x: T.nn.functional.leaky_relu(x, 0.01), {"kink": _a(0.0)}),
    ("elu", F.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), False,
     lambda T, x: T.nn.functional.elu(x), {"kink": _a(0.0)}),
    ("gelu", F.gelu, None, False, lambda T, x: T.nn.functional.gelu(x),
     {"negative tail": _a(-10.0, -30.0), "signed zero": _a(-0.0, 0.0)}),
    ("erf", tg.erf, erf_ref, False, lambda T, x: T.erf(x),
     {"large": _a(-30.0, 6.0, 30.0), "signed zero": _a(0.0, -0.0),
      "subnormal": _a(5e-324, -1e-310)}),
    ("erfc", tg.erfc, erfc_ref, False, lambda T, x: T.erfc(x),
     {"large": _a(-30.0, 10.0, 27.0, 30.0), "signed zero": _a(0.0, -0.0)}),
    ("silu", F.silu, None, False, lambda T, x: T.nn.functional.silu(x),
     {"large": _a(-800.0, 800.0)}),
]

for _name, _call, _np, _own, _torch, _extra in _UNARY:
    rows(_name, _call, {
        "empty": (E2,), "scalar!": (np.float64(0.3),), "one element!": (_a(0.7),),
        "+inf": (_a(INF),), "-inf": (_a(-INF),), "nan": (_a(NAN),),
        **{k: (v,) for k, v in _extra.items()},
    }, numpy=_np, numpy_warns=_own, torch=_torch)

rows("gelu", lambda x: F.gelu(x, approximate="tanh"), {
    "tanh: one element!": (_a(0.7),), "tanh: +-inf": (_a(INF, -INF),), "tanh: nan": (_a(NAN),),
}, torch=lambda T, x: T.nn.functional.gelu(x, approximate="tanh"))
rows("gelu", lambda x: F.gelu(x, approximate="sigmoid"), {"unknown approximate": (_a(1.0),)},
     raises="approximate argument must be either none or tanh")

rows("clip", lambda x: x.clip(-1.0, 1.0), {
    "empty": (E,), "one element!": (_a(0.5),), "on the bounds": (_a(-1.0, 1.0),),
    "+-inf": (_a(INF, -INF),), "nan": (_a(NAN),),
}, numpy=lambda x: np.clip(x, -1.0, 1.0), torch=lambda T, x: T.clamp(x, -1.0, 1.0))
rows("clip", lambda x: x.clip(None, None), {"no bounds": (_a(1.0, NAN),)},
     numpy=lambda x: np.clip(x, None, None), grad=(_a(1.0, 1.0),),
     note="NumPy 2's clip accepts no bounds (PyTorch's clamp refuses): the identity")


# ---- binary arithmetic ------------------------------------------------------------------------
_BINARY: list[tuple[str, Any, Any, bool, Any, dict[str, Any]]] = [
    ("add", lambda x, y: x + y, np.add, True, lambda T, x, y: x + y,
     {"inf - inf": (_a(INF), _a(-INF))}),
    ("sub", lambda x, y: x - y, np.subtract, True, lambda T, x, y: x - y,
     {"inf - inf": (_a(INF), _a(INF))}),
    ("mul", lambda x, y: x * y, np.multiply, True, lambda T, x, y: x * y,
     {"inf * 0": (_a(INF), _a(0.0))}),
    ("div", lambda x, y: x / y, np.true_divide, True, lambda T, x, y: x / y,
     {"by zero": (_a(1.0, -1.0), _a(0.0, 0.0)), "0 / 0": (_a(0.0), _a(0.0))}),
    ("pow", lambda x, y: x**y, np.power, True, lambda T, x, y: x**y,
     {"out of domain": (_a(-2.0), _a(0.5)), "zero base": (_a(0.0, 0.0), _a(2.0, 0.0)),
      "zero to a negative power": (_a(0.0), _a(-1.0))}),
    ("maximum", tg.maximum, np.maximum, True, lambda T, x, y: T.maximum(x, y),
     {"ties": (_a(1.0, 2.0), _a(1.0, 3.0)), "nan on either side": (_a(NAN, 1.0), _a(1.0, NAN))}),
    ("minimum", tg.minimum, np.minimum, True, lambda T, x, y: T.minimum(x, y),
     {"ties": (_a(1.0, 2.0), _a(1.0, 3.0)), "nan on either side": (_a(NAN, 1.0), _a(1.0, NAN))}),
    ("mod", lambda x, y: x % y, np.mod, True, lambda T, x, y: T.remainder(x, y),
     {"by zero": (_a(1.0), _a(0.0)), "negative divisor!": (_a(5.5), _a(-2.0))}),
    ("arctan2", tg.arctan2, np.arctan2, True, lambda T, y, x: T.atan2(y, x),
     {"origin": (_a(0.0), _a(0.0))}),
    ("hypot", tg.hypot, np.hypot, True, lambda T, x, y: T.hypot(x, y),
     {"origin": (_a(0.0), _a(0.0))}),
    ("logaddexp", tg.logaddexp, np.logaddexp, True, lambda T, x, y: T.logaddexp(x, y),
     {"both -inf": (_a(-INF), _a(-INF)), "both +inf": (_a(INF), _a(INF)),
      "one -inf!": (_a(-INF), _a(0.5))}),
    ("lerp", lambda x, y: tg.lerp(x, y, 0.25), lambda x, y: x + 0.25 * (y - x), False,
     lambda T, x, y: T.lerp(x, y, 0.25), {"inf to inf": (_a(INF), _a(INF))}),
]

for _name, _call, _np, _own, _torch, _extra in _BINARY:
    rows(_name, _call, {
        "empty": (E, E), "one element!": (_a(0.7), _a(1.3)),
        "broadcast!": (_a(0.3, 1.2, 2.1), _a(1.7)),
        "+inf": (_a(INF), _a(2.0)), "-inf": (_a(-INF), _a(2.0)),
        "nan": (_a(NAN), _a(2.0)),
        **_extra,
    }, numpy=_np, numpy_warns=_own, torch=_torch)

# the reflected and method spellings of the same ops
rows("sub", lambda x: 2.0 - x, {"reflected!": (_a(0.5, 1.5),)}, numpy=lambda x: 2.0 - x,
     torch=lambda T, x: 2.0 - x)
rows("div", lambda x: 1.0 / x, {"reflected by zero": (_a(0.0, -0.0),)},
     numpy=lambda x: 1.0 / x, torch=lambda T, x: 1.0 / x)
rows("pow", lambda x: 2.0**x, {"reflected!": (_a(0.5, -1.0),)}, numpy=lambda x: 2.0**x,
     torch=lambda T, x: 2.0**x)
rows("pow", lambda x, y: x.pow(y), {"method!": (_a(1.5), _a(2.0))}, numpy=np.power,
     torch=lambda T, x, y: x.pow(y))
rows("remainder", tg.remainder, {"one element!": (_a(7.5), _a(2.0)),
                                 "by zero": (_a(1.0), _a(0.0))},
     numpy=np.remainder, torch=lambda T, x, y: T.remainder(x, y))
rows("add", lambda x, y: x + y, {"shapes that do not broadcast": (_a(1, 2), _a(1, 2, 3))},
     raises="Add")


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
     numpy=lambda x: np.std(x, ddof=3), grad=(_a(NAN, NAN),))
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
rows("masked_select", lambda x: x.masked_select(np.array([True, False, True])), {
    "one of three!": (_a(0.5, 1.5, 2.5),), "inf and nan": (_a(INF, 1.0, NAN),)},
     numpy=lambda x: x[np.array([True, False, True])],
     torch=lambda T, x: x.masked_select(T.tensor([True, False, True])))
rows("masked_select", lambda x: x.masked_select(np.array([1, 0, 1])),
     {"an integer mask": (_a(0.5, 1.5, 2.5),)}, raises="masked_select")
rows("broadcast_tensors", lambda x, y: tg.stack(tg.broadcast_tensors(x, y)),
     {"row and column!": (np.array([[0.5], [1.5]]), _a(1.0, 2.0, 3.0)),
      "empty": (E, _a(1.0))},
     numpy=lambda x, y: np.stack(np.broadcast_arrays(x, y)),
     torch=lambda T, x, y: T.stack(T.broadcast_tensors(x, y)))
rows("meshgrid", lambda x, y: tg.stack(tg.meshgrid(x, y, indexing="ij")),
     {"two vectors!": (_a(0.5, 1.5), _a(1.0, 2.0, 3.0)), "empty": (E, _a(1.0))},
     numpy=lambda x, y: np.stack(np.meshgrid(x, y, indexing="ij")),
     torch=lambda T, x, y: T.stack(T.meshgrid(x, y, indexing="ij")))
rows("meshgrid", lambda x, y: tg.stack(tg.meshgrid(x, y)),
     {"no indexing=": (_a(0.5), _a(1.0))}, raises="meshgrid")
rows("cdist", lambda x, y: tg.cdist(x, y), {
    "a zero distance": (np.array([[0.5, 1.0]]), np.array([[0.5, 1.0], [1.5, 3.0]])),
    "inf": (np.array([[INF, 1.0]]), np.array([[0.5, 1.0]]))},
     numpy=lambda x, y: np.linalg.norm(x[:, None, :] - y[None, :, :], axis=-1),
     torch=lambda T, x, y: T.cdist(x, y))
rows("dist", lambda x, y: tg.dist(x, y), {
    "equal!": (_a(0.5, 1.5), _a(0.5, 1.5)), "inf": (_a(INF), _a(1.0))},
     numpy=lambda x, y: np.linalg.norm(x - y), torch=lambda T, x, y: T.dist(x, y))
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
rows("count_nonzero", lambda x: tg.count_nonzero(x, dim=(0, 5)), {"dim out of range": (_X,)},
     raises="count_nonzero: axis 5 is out of bounds")


# ---- shape ops: values move, gradients move back ------------------------------------------------
X23 = np.arange(6.0).reshape(2, 3) / 4
_SHAPE: list[tuple[str, Any, Any, Any, Any]] = [
    # (name, call, NumPy reference, torch reference, an input for the "empty" case)
    ("reshape", lambda x: x.reshape(-1), lambda x: x.reshape(-1), lambda T, x: x.reshape(-1), E2),
    ("transpose", lambda x: x.transpose(), np.transpose, lambda T, x: x.permute(*range(x.ndim)
                                                                              [::-1]), E2),
    ("T", lambda x: x.T, np.transpose, lambda T, x: x.permute(*range(x.ndim)[::-1]), E2),
    ("permute", lambda x: x.permute(1, 0), lambda x: x.transpose(1, 0),
     lambda T, x: x.permute(1, 0), E2),
    ("swapaxes", lambda x: tg.swapaxes(x, 0, -1), lambda x: np.swapaxes(x, 0, -1),
     lambda T, x: x.transpose(0, -1), E2),
    ("moveaxis", lambda x: tg.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1),
     lambda T, x: T.movedim(x, 0, -1), E2),
    ("squeeze", lambda x: tg.squeeze(x[None]), lambda x: np.squeeze(x[None]),
     lambda T, x: x[None].squeeze(), E2),
    ("expand_dims", lambda x: tg.expand_dims(x, 0), lambda x: np.expand_dims(x, 0),
     lambda T, x: x.unsqueeze(0), E2),
    ("unsqueeze", lambda x: x.unsqueeze(-1), lambda x: np.expand_dims(x, -1),
     lambda T, x: x.unsqueeze(-1), E2),
    ("flatten", lambda x: tg.flatten(x), lambda x: x.reshape(-1), lambda T, x: x.flatten(), E2),
    ("broadcast_to", lambda x: tg.broadcast_to(x, (2,) + x.shape),
     lambda x: np.broadcast_to(x, (2,) + x.shape), lambda T, x: x.expand((2,) + x.shape), E2),
    ("repeat", lambda x: tg.repeat(x, 2, axis=-1), lambda x: np.repeat(x, 2, axis=-1),
     lambda T, x: x.repeat_interleave(2, dim=-1), E2),
    ("tile", lambda x: tg.tile(x, (2, 1)), lambda x: np.tile(x, (2, 1)),
     lambda T, x: x.tile((2, 1)), E2),
    ("flip", lambda x: tg.flip(x, 0), lambda x: np.flip(x, 0), lambda T, x: x.flip(0), E2),
    ("roll", lambda x: tg.roll(x, 1, 0), lambda x: np.roll(x, 1, 0),
     lambda T, x: x.roll(1, 0), E2),
    ("pad", lambda x: tg.pad(x, 1), lambda x: np.pad(x, 1),
     lambda T, x: T.nn.functional.pad(x, (1, 1) * x.ndim), E2),
    ("getitem", lambda x: x[..., ::-1], lambda x: x[..., ::-1], lambda T, x: x.flip(-1), E2),
    ("tril", lambda x: tg.tril(x), np.tril, lambda T, x: x.tril(), E2),
    ("triu", lambda x: x.triu(1), lambda x: np.triu(x, 1), lambda T, x: x.triu(1), E2),
    ("detach", lambda x: x.detach() * 1.0, lambda x: x, lambda T, x: x.detach() * 1.0, E2),
    ("clone", lambda x: x.clone(), lambda x: x.copy(), lambda T, x: x.clone(), E2),
    # (view warns of a copy where its strides cannot express the shape, where torch's
    # raises: check_grad's strided layouts go through contiguous())
    ("view", lambda x: x.contiguous().view(-1), lambda x: x.reshape(-1),
     lambda T, x: x.view(-1), E2),
    ("view_as", lambda x: x.contiguous().view_as(x.T), lambda x: x.reshape(x.T.shape),
     lambda T, x: x.view_as(x.T), E2),
    ("reshape_as", lambda x: x.reshape_as(x.T), lambda x: x.reshape(x.T.shape),
     lambda T, x: x.reshape_as(x.T), E2),
    ("t", lambda x: x.t(), np.transpose, lambda T, x: x.t(), E2),
    ("mT", lambda x: x.mT, lambda x: np.swapaxes(x, -2, -1), lambda T, x: x.mT, E2),
]
for _name, _call, _np, _torch, _empty in _SHAPE:
    rows(_name, _call, {"empty": (_empty,), "one element!": (np.array([[0.7]]),),
                        "2x3!": (X23,), "inf and nan": (np.array([[INF, NAN, -INF]]),)},
         numpy=_np, torch=_torch)

rows("reshape", lambda x: x.reshape(4), {"wrong size": (X23,)}, raises="Reshape|reshape")
rows("repeat", lambda x: x.repeat(np.array([2, 0, 1])), {
    "counts with a zero!": (_a(0.5, 1.5, 2.5),)}, numpy=lambda x: np.repeat(x, [2, 0, 1]),
     torch=lambda T, x: x.repeat_interleave(T.tensor([2, 0, 1])))
rows("repeat", lambda x: x.repeat(-1), {"negative count": (_a(1.0),)}, raises="Repeat|repeat")
rows("pad", lambda x: tg.pad(x, -1), {"negative width": (_a(1.0, 2.0),)}, raises="pad|Pad")
rows("pad", lambda x: tg.pad(x, 1, mode="edge"), {"np.pad's edge mode": (_a(1.0),)},
     numpy=lambda x: np.pad(x, 1, mode="edge"))
rows("pad", lambda x: tg.pad(x, 1, mode="symmetric"), {"other modes": (_a(1.0),)}, raises="pad")
rows("getitem", lambda x: x[np.array([0, 0, 2])], {"duplicate indices!": (_a(0.5, 1.5, 2.5),)},
     numpy=lambda x: x[np.array([0, 0, 2])], torch=lambda T, x: x[T.tensor([0, 0, 2])])
rows("getitem", lambda x: x[np.array([], dtype=np.int64)], {"empty index": (_a(1.0, 2.0),)},
     numpy=lambda x: x[np.array([], dtype=np.int64)],
     torch=lambda T, x: x[T.tensor([], dtype=T.int64)])
rows("getitem", lambda x: x[-1], {"negative index!": (_a(0.5, 1.5),)}, numpy=lambda x: x[-1],
     torch=lambda T, x: x[-1])
rows("getitem", lambda x: x[np.array([True, False, True])], {"bool mask!": (_a(0.5, 1.5, 2.5),)},
     numpy=lambda x: x[np.array([True, False, True])],
     torch=lambda T, x: x[T.tensor([True, False, True])])
rows("getitem", lambda x: x[5], {"out of range": (_a(1.0, 2.0),)}, raises="GetItem|index")
rows("getitem", lambda x: x[1.5], {"float index": (_a(1.0, 2.0),)},
     raises="GetItem|getitem|indices")  # NumPy's IndexError (naming the op: issue "hostile")

_JOIN = {"empty pieces": (E2, E2), "one element each!": (_a(0.3), _a(0.6)),
         "inf and nan": (_a(INF, NAN), _a(-INF, 1.0))}
rows("concatenate", lambda x, y: tg.concatenate([x, y], axis=-1), _JOIN,
     numpy=lambda x, y: np.concatenate([x, y], axis=-1), torch=lambda T, x, y: T.cat([x, y], -1))
rows("stack", lambda x, y: tg.stack([x, y]), _JOIN, numpy=lambda x, y: np.stack([x, y]),
     torch=lambda T, x, y: T.stack([x, y]))
rows("vstack", lambda x, y: tg.vstack([x, y]), _JOIN, numpy=lambda x, y: np.vstack([x, y]),
     torch=lambda T, x, y: T.vstack([x, y]))
rows("hstack", lambda x, y: tg.hstack([x, y]), _JOIN, numpy=lambda x, y: np.hstack([x, y]),
     torch=lambda T, x, y: T.hstack([x, y]))
rows("concatenate", lambda: tg.concatenate([]), {"nothing to join": ()}, raises="concatenate")
rows("stack", lambda: tg.stack([]), {"nothing to join": ()}, raises="stack")
rows("stack", lambda x, y: tg.stack([x, y]), {"unequal shapes": (_a(1.0), _a(1.0, 2.0))},
     raises="Stack")
rows("split", lambda x: tg.split(x, [1, 1], axis=-1)[1] * 1.0,
     {"an empty piece": (X23,), "inf and nan": (np.array([[INF, NAN, 1.0]]),)},
     numpy=lambda x: np.split(x, [1, 1], axis=-1)[1] * 1.0,
     torch=lambda T, x: T.tensor_split(x, [1, 1], dim=-1)[1] * 1.0)
rows("split", lambda x: tg.split(x, 2, axis=-1)[0], {"unequal sections": (X23,)},
     raises="split")
rows("split", lambda x: x.split(2, dim=-1)[1] * 1.0, {"a short last piece": (X23,)},
     numpy=lambda x: x[:, 2:] * 1.0, torch=lambda T, x: x.split(2, dim=-1)[1] * 1.0)
rows("chunk", lambda x: x.chunk(3, dim=0)[-1] * 1.0, {
    "fewer pieces than asked": (_a(1.0, 2.0, 3.0, 4.0),), "empty": (E,),
    "inf and nan": (_a(INF, NAN, 1.0),)},
    numpy=lambda x: x[(len(x) - 1) // -(-len(x) // 3) * -(-len(x) // 3):] * 1.0 if x.size
    else x * 1.0,
    torch=lambda T, x: x.chunk(3, dim=0)[-1] * 1.0)
rows("chunk", lambda x: x.chunk(0), {"zero chunks": (_a(1.0),)}, raises="chunk")
rows("unbind", lambda x: x.unbind(1)[0] * 1.0, {"empty rows": (np.zeros((0, 2)),),
                                               "inf and nan": (np.array([[INF], [NAN]]),)},
     numpy=lambda x: x[:, 0] * 1.0, torch=lambda T, x: x.unbind(1)[0] * 1.0)
rows("index_select", lambda x: x.index_select(0, np.array([1, 1, 0])), {
    "repeated!": (_a(0.5, 2.0),), "inf and nan": (_a(INF, NAN),)},
    numpy=lambda x: x[np.array([1, 1, 0])],
    torch=lambda T, x: x.index_select(0, T.tensor([1, 1, 0])))
rows("index_select", lambda x: x.index_select(0, np.zeros(0, dtype=np.int64)),
     {"empty index": (_a(1.0),)},
     numpy=lambda x: x[np.zeros(0, dtype=np.int64)],
     torch=lambda T, x: x.index_select(0, T.zeros(0, dtype=T.int64)))
rows("index_select", lambda x: x.index_select(0, np.array([[0]])), {"a 2-D index": (_a(1.0),)},
     raises="index_select")
rows("masked_fill", lambda x: x.masked_fill(np.array([True, False]), 2.0), {
    "one filled!": (np.array([[0.5, -1.0], [3.0, 2.0]]),)},
    numpy=lambda x: np.where(np.array([True, False]), 2.0, x),
    torch=lambda T, x: x.masked_fill(T.tensor([True, False]), 2.0))
rows("masked_fill", lambda x: x.masked_fill(np.array([True, False]), NAN), {
    "fill with nan": (_a(0.5, 2.0),), "empty": (np.zeros((0, 2)),)},
    numpy=lambda x: np.where(np.array([True, False]), NAN, x),
    torch=lambda T, x: x.masked_fill(T.tensor([True, False]), float("nan")))
rows("masked_fill", lambda x: x.masked_fill(np.array([True, False, True]), 0.0),
     {"a mask that does not broadcast": (_a(1.0, 2.0),)}, raises="masked_fill")


# ---- linear algebra ---------------------------------------------------------------------------
M = np.array([[0.5, -1.0], [2.0, 0.25]])
_MM = {"empty inner dimension": (np.zeros((2, 0)), np.zeros((0, 3))),
       "empty outer dimension": (np.zeros((0, 2)), M),
       "one element!": (np.array([[0.7]]), np.array([[1.3]])),
       "inf times zero": (np.array([[INF, 1.0]]), np.array([[0.0], [1.0]])),
       "nan": (np.array([[NAN, 1.0]]), M)}


def _dot_warns() -> bool:
    """Whether this NumPy's ndarray.dot, which MatMul.forward multiplies with, warns of inf * 0
    as np.matmul does: NumPy 2.4's does, 2.2's reports no floating-point errors (its product
    is NaN all the same, as np.matmul's and torch's)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(invalid="warn"):
        warnings.simplefilter("always")
        np.array([INF]).dot(np.array([0.0]))
    return bool(caught)


rows("matmul", lambda x, y: x @ y, _MM, numpy=np.matmul, torch=lambda T, x, y: x @ y,
     numpy_warns=_dot_warns())
rows("matmul", lambda x, y: x.matmul(y), {"vectors!": (_a(0.5, 1.5), _a(2.0, -1.0)),
                                          "empty vectors": (E, E)},
     numpy=np.matmul, torch=lambda T, x, y: x @ y)
rows("matmul", lambda x, y: x @ y, {"inner sizes differ": (M, _a(1.0, 2.0, 3.0))},
     raises="MatMul")
# dot, inner, outer and tensordot are einsums: the values agree with NumPy's functions, but
# np.einsum does not warn about inf * 0 where np.dot does (numpy_warns=False)
_EIN = {"numpy_warns": False}
rows("dot", tg.dot, _MM, numpy=np.dot, torch=lambda T, x, y: x @ y, **_EIN)
rows("inner", tg.inner, {"empty": (E, E), "one element!": (_a(0.7), _a(1.3)),
                         "inf times zero": (_a(INF), _a(0.0))},
     numpy=np.inner, torch=lambda T, x, y: T.inner(x, y), **_EIN)
rows("outer", tg.outer, {"empty": (E, _a(1.0)), "one element!": (_a(0.7), _a(1.3)),
                         "inf times zero": (_a(INF), _a(0.0))},
     numpy=np.outer, torch=lambda T, x, y: T.outer(x, y), **_EIN)
rows("tensordot", lambda x, y: tg.tensordot(x, y, 1), _MM,
     numpy=lambda x, y: np.tensordot(x, y, 1), torch=lambda T, x, y: T.tensordot(x, y, 1),
     **_EIN)
rows("einsum", lambda x, y: tg.einsum("ij,jk->ik", x, y), _MM,
     numpy=lambda x, y: np.einsum("ij,jk->ik", x, y),
     torch=lambda T, x, y: T.einsum("ij,jk->ik", x, y))
rows("einsum", lambda x: tg.einsum("ii->", x), {"trace of 1x1!": (np.array([[0.7]]),),
                                                "trace of 0x0": (np.zeros((0, 0)),)},
     numpy=lambda x: np.einsum("ii->", x), torch=lambda T, x: T.einsum("ii->", x))
rows("einsum", lambda x: tg.einsum("ij->k", x), {"unknown output letter": (M,)},
     raises="einsum|Einsum")
rows("trace", tg.trace, {"1x1!": (np.array([[0.7]]),), "empty": (np.zeros((0, 3)),),
                         "inf and nan": (np.array([[INF, 1.0], [2.0, NAN]]),)},
     numpy=np.trace, torch=lambda T, x: x.trace())
rows("diag", tg.diag, {"empty vector": (E,), "one element!": (_a(0.7),),
                       "1x1 matrix!": (np.array([[0.7]]),), "0x0 matrix": (np.zeros((0, 0)),),
                       "inf and nan": (_a(INF, NAN),)},
     numpy=np.diag, torch=lambda T, x: T.diag(x))
rows("diag", tg.diag, {"3-d": (np.zeros((1, 1, 1)),)}, raises="diag|Diag")
rows("diagonal", lambda x: x.diagonal(1), {"offset past the edge": (M,),
                                           "rectangular!": (X23,)},
     numpy=lambda x: np.diagonal(x, 1), torch=lambda T, x: x.diagonal(1))
rows("diagonal", lambda x: x.diagonal(), {"1-d": (_a(1.0),)}, raises="diagonal")


# ---- losses, activations over rows, normalisation ------------------------------------------
Z = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 1.0]])
Y = np.array([2, 0])


def _np_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    s = z - z.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


_ROWS = {"empty rows": (np.zeros((0, 3)),), "one class!": (np.array([[0.7], [-0.2]]),),
         "ties!": (np.ones((2, 3)),), "large logits!": (np.array([[1000.0, 999.0, -1000.0]]),),
         "-inf logit": (np.array([[-INF, 0.0, 1.0]]),), "nan": (np.array([[NAN, 0.0, 1.0]]),)}
rows("softmax", F.softmax, _ROWS, numpy=_np_softmax, numpy_warns=False,
     torch=lambda T, z: T.softmax(z, -1))
rows("log_softmax", F.log_softmax, _ROWS, numpy=_np_log_softmax, numpy_warns=False,
     torch=lambda T, z: T.log_softmax(z, -1))
rows("softmax", F.softmax, {"+inf logit": (np.array([[INF, 0.0]]),)},
     numpy=lambda z: _a(NAN, NAN)[None], numpy_warns=False,
     torch=lambda T, z: T.softmax(z, -1))


def _np_ce(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -_np_log_softmax(z)[np.arange(len(y)), y].mean()


rows("cross_entropy", F.cross_entropy, {
    "one class!": (np.array([[0.7], [-0.2]]), np.array([0, 0])),
    "ties!": (np.ones((2, 3)), Y), "large logits!": (np.array([[1000.0, -1000.0]]),
                                                      np.array([1])),
    "-inf logit of another class": (np.array([[-INF, 0.0, 1.0]]), np.array([2])),
    "nan": (np.array([[NAN, 0.0, 1.0]]), np.array([1])),
}, numpy=_np_ce, numpy_warns=False,
     torch=lambda T, z, y: T.nn.functional.cross_entropy(z, y))
rows("cross_entropy", F.cross_entropy, {
    "-inf logit of the target": (np.array([[-INF, 0.0]]), np.array([0]))},
     numpy=_np_ce, numpy_warns=False, grad=(np.array([[-1.0, 1.0]]), None),
     note="the loss is inf; d/dz = softmax - onehot, finite (PyTorch: nan for the target)")
rows("cross_entropy", F.cross_entropy, {
    "empty batch": (np.zeros((0, 3)), np.zeros(0, dtype=np.int64)),
    "label -1": (Z, np.array([-1, 0])), "label = K": (Z, np.array([3, 0])),
    "float labels": (Z, _a(1.0, 0.0)), "wrong count": (Z, np.array([0])),
}, raises="cross_entropy|CrossEntropy")
rows("cross_entropy", lambda z, t: F.cross_entropy(z, t), {
    "soft targets that require grad": (Z, np.full((2, 3), 1 / 3))},
     raises="cross_entropy: the targets require grad")
rows("nll_loss", F.nll_loss, {
    "one class!": (np.array([[-0.7], [-0.2]]), np.array([0, 0])),
    "ties!": (np.full((2, 3), -1.0), Y), "-inf at another class!": (np.array([[-INF, -0.5]]),
                                                                    np.array([1])),
    "-inf at the target": (np.array([[-INF, -0.5]]), np.array([0])),
    "nan": (np.array([[NAN, -1.0]]), np.array([1])),
}, numpy=lambda x, y: -x[np.arange(len(y)), y].mean(), numpy_warns=False,
     torch=lambda T, x, y: T.nn.functional.nll_loss(x, y))
rows("nll_loss", F.nll_loss, {
    "empty batch": (np.zeros((0, 3)), np.zeros(0, dtype=np.int64)),
    "label -1": (-np.ones((2, 3)), np.array([-1, 0])), "label = K": (-np.ones((2, 3)),
                                                                   np.array([3, 0])),
    "float labels": (-np.ones((2, 3)), _a(1.0, 0.0)), "wrong count": (-np.ones((2, 3)),
                                                                      np.array([0])),
    "logits (a value above 0)": (np.ones((2, 3)), np.array([0, 1])),
}, raises="nll_loss")
rows("one_hot", lambda y: Tensor(F.one_hot(y.data, 3)), {
    "empty": (np.zeros(0, dtype=np.int64),), "one label": (np.array([2]),)},
     numpy=lambda y: np.eye(3)[y])
rows("one_hot", lambda y: F.one_hot(y.data, 3), {
    "label -1": (np.array([-1]),), "label = K": (np.array([3]),),
    "float labels": (_a(1.0),)}, raises="one_hot")

_X = np.array([[0.5, -1.0], [1.5, 2.0], [-0.5, 0.0]])
_G, _B = _a(1.5, 0.5), _a(0.1, -0.2)
rows("batch_norm", F.batch_norm, {
    "three rows!": (_X, _G, _B), "constant feature": (np.array([[1.0, 2.0], [1.0, 3.0]]), _G, _B),
    "nan": (np.array([[NAN, 2.0], [1.0, 3.0]]), _G, _B),
}, numpy=lambda x, g, b: g * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-8) + b, numpy_warns=False,
     torch=lambda T, x, g, b: T.nn.functional.batch_norm(x, None, None, g, b, True, 0.0, 1e-8))
rows("batch_norm", F.batch_norm, {"issue: one row in training": (np.ones((1, 2)), _G, _B)},
     raises="batch_norm: expected more than 1 row")
rows("batch_norm", F.batch_norm, {"no rows (torch's: empty)": (np.zeros((0, 2)), _G, _B)},
     numpy=lambda x, g, b: x * g + b, numpy_warns=False,
     torch=lambda T, x, g, b: T.nn.functional.batch_norm(x, None, None, g, b, True, 0.0, 1e-8))
rows("batch_norm", lambda x, g, b: F.batch_norm(x, g, b, training=False, mean=_a(0.0, 1.0),
                                                var=_a(1.0, 4.0)),
     {"evaluation, one row!": (np.array([[0.5, -1.0]]), _G, _B)},
     numpy=lambda x, g, b: g * (x - _a(0.0, 1.0)) / np.sqrt(_a(1.0, 4.0) + 1e-8) + b,
     numpy_warns=False)

_U, _W, _b = np.array([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2]]), np.eye(2) * 0.5, _a(0.1, -0.1)


def _np_rnn(x: np.ndarray, U: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    h, out = np.zeros(W.shape[0]), []
    for t in range(len(x)):
        a = U[x[t]] if x.dtype.kind in "iu" else x[t] @ U
        h = np.tanh(a + h @ W + b)
        out.append(h)
    return np.array(out).reshape(len(x), W.shape[0])


rows("rnn", tg.rnn, {
    "one step!": (np.array([[0.3, -0.7, 0.2]]), _U, _W, _b),
    "indices": (np.array([2, 0, 2]), _U, _W, _b),
    "nan input": (np.array([[NAN, 0.0, 0.0]]), _U, _W, _b),
}, numpy=_np_rnn, numpy_warns=False,
     torch=lambda T, x, U, W, b: _torch_rnn(T, x, U, W, b))
rows("rnn", tg.rnn, {"issue: negative index": (np.array([-1, 0]), _U, _W, _b),
                     "index = d": (np.array([3]), _U, _W, _b)},
     raises="rnn: indices must be in")
rows("rnn", tg.rnn, {"no steps": (np.zeros((0, 3)), _U, _W, _b)},
     numpy=lambda x, U, W, b: np.zeros((0, 2)), numpy_warns=False,
     grad=(np.zeros((0, 3)), np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2)))


def _torch_rnn(T: Any, x: Any, U: Any, W: Any, b: Any) -> Any:
    h, out = T.zeros(W.shape[0], dtype=U.dtype), []
    for t in range(len(x)):
        a = U[x[t]] if not x.is_floating_point() else x[t] @ U
        h = T.tanh(a + h @ W + b)
        out.append(h)
    return T.stack(out)


_IMG = np.arange(16.0).reshape(1, 1, 4, 4) / 8
_K = np.array([[[[0.5, -1.0], [0.25, 2.0]]]])
rows("conv2d", F.conv2d, {"1x1 image and kernel!": (np.array([[[[0.7]]]]), np.array([[[[1.3]]]])),
                          "2x2 kernel!": (_IMG, _K),
                          "inf and nan pixels": (np.array([[[[INF, 0.0], [NAN, 1.0]]]]), _K),
                          "empty batch": (np.zeros((0, 1, 4, 4)), _K)},
     numpy=None, torch=lambda T, x, w: T.nn.functional.conv2d(x, w))
rows("conv2d", F.conv2d, {"issue: 0x0 kernel": (_IMG, np.zeros((1, 1, 0, 0))),
                          "kernel larger than the image": (np.ones((1, 1, 1, 1)), _K)},
     raises="conv2d")
rows("max_pool2d", F.max_pool2d, {"2x2!": (_IMG,), "ties": (np.ones((1, 1, 2, 2)),),
                                  "nan": (np.array([[[[NAN, 0.0], [1.0, 2.0]]]]),),
                                  "-inf": (np.full((1, 1, 2, 2), -INF),)},
     torch=lambda T, x: T.nn.functional.max_pool2d(x, 2))
rows("avg_pool2d", F.avg_pool2d, {"2x2!": (_IMG,),
                                  "inf and nan": (np.array([[[[INF, 0.0], [NAN, 2.0]]]]),)},
     torch=lambda T, x: T.nn.functional.avg_pool2d(x, 2))
rows("max_pool2d", lambda x: F.max_pool2d(x, 3),
     {"kernel larger than the image": (_IMG[..., :2, :2],)}, raises="max_pool2d|MaxPool2d")
rows("avg_pool2d", lambda x: F.avg_pool2d(x, 0), {"zero kernel": (_IMG,)}, raises="avg_pool2d")

# ---- transposed convolution, unfold, fold, pixel shuffle (against torch: NumPy has none) -----
_CT_W = np.array([[[[0.5, -1.0], [0.25, 2.0]], [[1.5, 0.5], [-0.5, 1.0]]]])  # (1, 2, 2, 2)
_CT_BAD = {  # case -> (call, inputs): each refused as torch refuses it
    "stride 0": (lambda x, w: F.conv_transpose2d(x, w, stride=0), (_IMG, _CT_W)),
    "groups not dividing the channels": (lambda x, w: F.conv_transpose2d(x, w, groups=2),
                                         (np.ones((1, 3, 2, 2)), np.ones((3, 1, 2, 2)))),
    "output_padding not below stride or dilation": (
        lambda x, w: F.conv_transpose2d(x, w, stride=2, output_padding=2), (_IMG, _CT_W)),
    "channels differ from the weight's": (F.conv_transpose2d, (np.ones((1, 2, 2, 2)), _CT_W)),
    "output too small": (lambda x, w: F.conv_transpose2d(x, w, padding=3), (_IMG, _CT_W)),
    "bias of the wrong size": (F.conv_transpose2d, (_IMG, _CT_W, np.ones(3))),
    "input not 3-D or 4-D": (F.conv_transpose2d, (_IMG[0, 0], _CT_W)),
    "weight without channels": (F.conv_transpose2d, (_IMG, np.ones((1, 0, 2, 2)))),
}
for _case, (_call, _inputs) in _CT_BAD.items():
    rows("conv_transpose2d", _call, {_case: _inputs}, raises="^conv_transpose2d")
rows("conv_transpose2d", F.conv_transpose2d, {
    "1x1 image and kernel!": (np.array([[[[0.7]]]]), np.array([[[[1.3]]]])),
    "2x2 kernel!": (_IMG, _CT_W), "with a bias!": (_IMG, _CT_W, _a(0.5, -2.0)),
    "inf and nan pixels": (np.array([[[[INF, 0.0], [NAN, 1.0]]]]), _CT_W),
    # (an inf weight reaches only the pixels its offset reaches: 0 * inf was NaN elsewhere)
    "an inf weight": (_IMG, np.where(_CT_W == 0.25, INF, _CT_W)),
    "empty batch": (np.zeros((0, 1, 4, 4)), _CT_W), "one image (C, H, W)!": (_IMG[0], _CT_W)},
    torch=lambda T, *a: T.nn.functional.conv_transpose2d(*a))
rows("conv_transpose2d", lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1,
                                                         output_padding=1), {
    "strided, cropped, output_padding!": (_IMG, _CT_W)},
    torch=lambda T, x, w: T.nn.functional.conv_transpose2d(x, w, stride=2, padding=1,
                                                           output_padding=1))
_SEQ, _CT_W1 = np.array([[[0.5, -1.0, 2.0, 0.25]]]), np.array([[[1.5, -0.5], [0.5, 2.0]]])
rows("conv_transpose1d", lambda x, w: F.conv_transpose1d(x, w, stride=2, output_padding=1), {
    "one element!": (np.array([[[0.7]]]), np.array([[[1.3]]])), "strided!": (_SEQ, _CT_W1),
    "one sequence (C, L)!": (_SEQ[0], _CT_W1), "empty batch": (np.zeros((0, 1, 4)), _CT_W1),
    "inf and nan": (np.array([[[INF, 0.0, NAN]]]), _CT_W1)},
    torch=lambda T, x, w: T.nn.functional.conv_transpose1d(x, w, stride=2, output_padding=1))
for _case, _call, _inputs in (
        ("stride 0", lambda x, w: F.conv_transpose1d(x, w, stride=0), (_SEQ, _CT_W1)),
        ("groups not dividing the channels", lambda x, w: F.conv_transpose1d(x, w, groups=2),
         (np.ones((1, 3, 4)), np.ones((3, 1, 2)))),
        ("output_padding not below stride or dilation",
         lambda x, w: F.conv_transpose1d(x, w, output_padding=1), (_SEQ, _CT_W1)),
        ("a 2-D weight", F.conv_transpose1d, (_SEQ, _CT_W1[0]))):
    rows("conv_transpose1d", _call, {_case: _inputs}, raises="^conv_transpose1d")

_UNF_X = np.arange(24.0).reshape(1, 2, 3, 4) / 8
rows("unfold", lambda x: F.unfold(x, 2, padding=1, stride=(2, 1)), {
    "one pixel!": (_a(0.7).reshape(1, 1, 1, 1),), "2x2 blocks, padded, strided!": (_UNF_X,),
    "one image (C, H, W)!": (_UNF_X[0],), "empty batch": (np.zeros((0, 2, 3, 4)),),
    "inf and nan": (np.where(_UNF_X > 2.5, INF, np.where(_UNF_X < 0.1, NAN, _UNF_X)),)},
    torch=lambda T, x: T.nn.functional.unfold(x, 2, padding=1, stride=(2, 1)))
for _case, _call, _inputs in (
        ("kernel larger than the image", lambda x: F.unfold(x, 4), (_UNF_X,)),
        ("stride 0", lambda x: F.unfold(x, 2, stride=0), (_UNF_X,)),
        ("a 2-D input", lambda x: F.unfold(x, 1), (_UNF_X[0, 0],))):
    rows("unfold", _call, {_case: _inputs}, raises="^unfold")
_FOLD_X = np.arange(48.0).reshape(1, 8, 6) / 16  # 2 channels of 2x2 blocks, 2 x 3 of them
rows("fold", lambda x: F.fold(x, (3, 4), 2), {
    "overlapping blocks add up!": (_FOLD_X,), "one image (C*KH*KW, L)!": (_FOLD_X[0],),
    "empty batch": (np.zeros((0, 8, 6)),),
    "inf and nan": (np.where(_FOLD_X > 2.5, INF, np.where(_FOLD_X < 0.1, NAN, _FOLD_X)),)},
    torch=lambda T, x: T.nn.functional.fold(x, (3, 4), 2))
rows("fold", lambda x: F.fold(x, 1, 1), {"one pixel!": (_a(0.7).reshape(1, 1, 1),)},
     torch=lambda T, x: T.nn.functional.fold(x, 1, 1))
for _case, _call, _inputs in (
        ("blocks not matching output_size", lambda x: F.fold(x, (4, 4), 2), (_FOLD_X,)),
        ("rows not a multiple of the kernel", lambda x: F.fold(x, (3, 4), 2),
         (_FOLD_X[:, :7],)),
        ("stride 0", lambda x: F.fold(x, (3, 4), 2, stride=0), (_FOLD_X,)),
        ("a 4-D input", lambda x: F.fold(x, (3, 4), 2), (_FOLD_X[None],))):
    rows("fold", _call, {_case: _inputs}, raises="^fold")

_PS_X = np.arange(16.0).reshape(1, 4, 2, 2) / 4
for _op, _f, _r, _x, _out in (
        ("pixel_shuffle", F.pixel_shuffle, 2, _PS_X, (0, 1, 4, 4)),
        ("pixel_unshuffle", F.pixel_unshuffle, 2, _PS_X.reshape(1, 1, 4, 4), (0, 4, 2, 2))):
    rows(_op, lambda x, f=_f, r=_r: f(x, r), {
        "2x2 blocks!": (_x,), "no batch axis!": (_x[0],), "extra batch axes!": (_x[None],),
        "inf and nan": (np.where(_x > 3.5, INF, np.where(_x < 0.1, NAN, _x)),)},
        torch=lambda T, x, o=_op, r=_r: getattr(T.nn.functional, o)(x, r))
    rows(_op, lambda x, f=_f: f(x, 1), {"factor 1: the identity!": (_x,)},
         numpy=lambda x: x, numpy_warns=False)
    _e = np.zeros((0,) + _x.shape[1:])
    rows(_op, lambda x, f=_f, r=_r: f(x, r), {"empty batch": (_e,)}, numpy_warns=False,
         numpy=lambda x, o=_out: np.zeros(o), grad=(_e,),
         note="torch 2.13's pixel_unshuffle returns an empty input as it is (and "
         "pixel_shuffle's backward, which calls it, fails): the shape here is the rule's")
    rows(_op, lambda x, f=_f: f(x, 0), {"factor 0": (_x,)}, raises=f"^{_op}")
    rows(_op, lambda x, f=_f: f(x, 2), {"a 2-D input": (_x[0, 0],)}, raises=f"^{_op}")
rows("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), {
    "channels not a multiple of r^2": (_PS_X[:, :3],)}, raises="^pixel_shuffle")
rows("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), {
    "height not a multiple of r": (_PS_X[..., :1, :],)}, raises="^pixel_unshuffle")
rows("sum_of_squares", tg.functional.sum_of_squares, {
    "empty": (E,), "one element!": (_a(0.7),), "inf and nan": (_a(INF, NAN),),
    "overflow": (_a(1e200),)}, numpy=lambda x: np.sum(x * x), numpy_warns=False,
     torch=lambda T, x: (x * x).sum())
rows("sum_of_squares", lambda: tg.functional.sum_of_squares(), {"no tensors": ()},
     raises="sum_of_squares")


# ---- where, comparisons: constants that select --------------------------------------------
rows("where", lambda x, y: tg.where(np.array([True, False]), x, y), {
    "one of each!": (_a(0.5, 1.5), _a(2.5, 3.5)), "nan in the branch not taken": (
        _a(1.0, NAN), _a(NAN, 2.0)), "inf": (_a(INF, 0.0), _a(0.0, -INF))},
     numpy=lambda x, y: np.where([True, False], x, y),
     torch=lambda T, x, y: T.where(T.tensor([True, False]), x, y))
rows("where", lambda x, y: tg.where(np.zeros(0, dtype=bool), x, y), {"empty": (E, E)},
     numpy=lambda x, y: np.where(np.zeros(0, dtype=bool), x, y),
     torch=lambda T, x, y: T.where(T.zeros(0, dtype=T.bool), x, y))
rows("where", lambda x, y: tg.where(np.array([True, False, True]), x, y),
     {"condition of another shape": (_a(1.0, 2.0), _a(1.0, 2.0))}, raises="Where")
for _name, _op in (("lt", "__lt__"), ("le", "__le__"), ("gt", "__gt__"), ("ge", "__ge__"),
                   ("eq", "__eq__"), ("ne", "__ne__")):
    rows(_name, lambda x, y, o=_op: getattr(x, o)(y), {
        "empty": (E, E), "ties": (_a(1.0), _a(1.0)), "nan": (_a(NAN, NAN), _a(NAN, 1.0)),
        "inf": (_a(INF, -INF), _a(INF, INF))},
         numpy=lambda x, y, o=_op: getattr(x, o)(y), grad=(None, None))


rows("isclose", lambda x, y: x.isclose(y), {
    "empty": (E, E), "nan": (_a(NAN, NAN), _a(NAN, 1.0)), "inf": (_a(INF, -INF), _a(INF, INF)),
    "tolerance edge": (_a(1.0, 1e-9), _a(1.0 + 1e-5, 0.0))},
     numpy=np.isclose, torch=lambda T, x, y: T.isclose(x, y), grad=(None, None))
rows("allclose", lambda x, y: Tensor(np.asarray(tg.allclose(x, y))), {
    "empty": (E, E), "nan": (_a(NAN), _a(NAN)), "inf": (_a(INF), _a(INF)),
    "one differs": (_a(1.0, 2.0), _a(1.0, 2.1))},
     numpy=lambda x, y: np.asarray(np.allclose(x, y)),
     torch=lambda T, x, y: T.tensor(T.allclose(x, y)), grad=(None, None))
for _name in ("isnan", "isinf", "isfinite"):
    rows(_name, lambda x, n=_name: getattr(x, n)(), {
        "empty": (E,), "nan, +-inf, -0.0": (_a(NAN, INF, -INF, -0.0, 1.0),)},
         numpy=getattr(np, _name), torch=None, grad=(None,))
for _name in ("any", "all"):
    rows(_name, lambda x, n=_name: getattr(x, n)(), {
        "empty": (E,), "nan is nonzero": (_a(NAN, 0.0),), "-0.0 is zero": (_a(-0.0, 0.0),)},
         numpy=getattr(np, _name), grad=(None,))
    rows(_name, lambda x, n=_name: getattr(x, n)(axis=1), {"empty rows": (np.zeros((2, 0)),)},
         numpy=lambda x, n=_name: getattr(np, n)(x, axis=1), grad=(None,))


# ---- casts -----------------------------------------------------------------------------------
_CAST = {"empty": (E2,), "one element": (_a(0.7),), "inf and nan": (_a(INF, -INF, NAN),)}
for _name, _call, _dt, _tdt in (
        ("astype", lambda x: x.astype(np.float32), np.float32, "float32"),
        ("to", lambda x: x.to(np.float32), np.float32, "float32"),
        ("float", lambda x: x.float(), np.float32, "float32"),
        ("half", lambda x: x.half(), np.float16, "float16"),
        ("type", lambda x: x.type(np.float32), np.float32, "float32"),
        ("double", lambda x: x.astype(np.float32).double(), np.float64, "float64")):
    rows(_name, _call, _CAST,
         numpy=lambda x, d=_dt, n=_name: x.astype(np.float32).astype(d) if n == "double"
         else x.astype(d),
         torch=lambda T, x, d=_tdt, n=_name: (x.float() if n == "double" else x).to(
             getattr(T, d)))
rows("astype", lambda x: x.astype(np.float32), {"overflow": (_a(1e300, -1e300),)},
     numpy=lambda x: x.astype(np.float32), grad=(_a(1.0, 1.0),),
     note="the float32 value is inf; the gradient is cast back (1, as PyTorch's to())")
rows("astype", lambda x: x.astype(np.float64), {"same dtype: a recorded copy!": (_a(0.7),)},
     numpy=lambda x: x.astype(np.float64), torch=lambda T, x: x.clone())
for _name, _call, _dt in (("long", Tensor.long, np.int64), ("int", Tensor.int, np.int32),
                          ("bool", Tensor.bool, np.bool_)):
    rows(_name, _call, {"empty": (E,), "one element": (_a(-1.7),), "zero and ties": (
        _a(0.0, -0.0, 0.5),)},
         numpy=lambda x, d=_dt: x.astype(d), grad=(None,),
         note="integer and bool results carry no gradient (PyTorch's .long(), .bool())")
rows("bool", Tensor.bool, {"inf and nan": (_a(INF, NAN),)}, numpy=lambda x: x.astype(bool),
     grad=(None,))
rows("long", Tensor.long, {"inf and nan": (_a(INF, NAN),)},
     numpy=lambda x: x.astype(np.int64), grad=(None,), note="NumPy's value, and its warning")
rows("astype", lambda x: x.astype(np.complex128), {"complex of a grad tensor": (_a(1.0),)},
     raises="astype: cannot cast a tensor that requires grad to complex128")
rows("to", lambda x: x.to("cuda"), {"another device": (_a(1.0),)},
     raises="to: device 'cuda' is not available: tinygrad_dl runs on the CPU")
rows("astype", lambda x: x.astype("float33"), {"no such dtype": (_a(1.0),)},
     raises="astype: 'float33' is not a dtype")


# ---- in-place operators (on constants, or under no_grad) --------------------------------------
def _inplace(method: str, *args: Any) -> Any:
    def call(x: Tensor) -> Tensor:
        getattr(x, method)(*args)
        return x
    return call


_IP = {"empty": (E,), "one element": (_a(0.7),), "inf and nan": (_a(INF, -INF, NAN),)}
for _name, _args, _np in (
        ("add_", (1.5,), lambda x: x + 1.5), ("sub_", (1.5,), lambda x: x - 1.5),
        ("mul_", (0.0,), lambda x: x * 0.0), ("div_", (0.0,), lambda x: x / 0.0),
        ("zero_", (), np.zeros_like), ("fill_", (NAN,), lambda x: np.full_like(x, NAN)),
        ("copy_", (INF,), lambda x: np.full_like(x, INF)),
        ("clamp_", (-1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0))):
    rows(_name, _inplace(_name, *_args), _IP, numpy=_np, wrt=(), grad=(None,))
    rows(_name, _inplace(_name, *_args), {"a leaf that requires grad": (_a(1.0),)},
         wrt=(0,), raises=f"Tensor.{_name}.*a leaf Variable that requires grad")
for _name in ("add_", "sub_", "mul_"):
    rows(_name, _inplace(_name, 0.5), {"an integer tensor": (np.array([1, 2]),)},
         raises=f"Tensor.{_name}.*same_kind")
rows("div_", _inplace("div_", 2), {"an integer tensor": (np.array([1, 2]),)},
     raises="Tensor.div_.*same_kind")
rows("add_", _inplace("add_", np.ones((2, 2))), {"a result that does not fit": (_a(1.0, 2.0),)},
     wrt=(), raises="Tensor.add_.*broadcast")
rows("setitem", lambda x: (x.__setitem__(slice(0, 1), NAN), x)[1],
     {"one element": (_a(1.0, 2.0),), "empty slice of empty": (E,)},
     numpy=lambda x: np.concatenate([np.full(min(1, x.size), NAN), x[1:]]), wrt=(), grad=(None,))
rows("setitem", lambda x: (x.__setitem__(0, 2.5), x)[1], {"float into int": (np.array([1, 2]),)},
     raises="setitem.*same_kind")
rows("setitem", lambda x: (x.__setitem__(0, 2.5), x)[1], {"a leaf that requires grad": (
    _a(1.0),)}, raises="setitem.*a leaf Variable")


# ---- the ops and spellings issue 21 added (the op table's rows: tinygrad_dl.optable) ----------
for _name, _call, _np, _torch, _extra in (
        ("arcsinh", tg.arcsinh, np.arcsinh, lambda T, x: T.asinh(x), {}),
        # arccosh(0.7) is NaN: its finite-difference row compared NaN with NaN and "passed"
        ("arccosh", tg.arccosh, np.arccosh, lambda T, x: T.acosh(x),
         {"one element!": _a(1.7), "out of domain": _a(0.5), "edge of domain": _a(1.0)}),
        ("arctanh", tg.arctanh, np.arctanh, lambda T, x: T.atanh(x),
         {"out of domain": _a(1.5), "edge of domain": _a(1.0, -1.0)}),
        ("sinc", tg.sinc, np.sinc, lambda T, x: T.sinc(x), {"zero!": _a(0.0)}),
        ("deg2rad", tg.deg2rad, np.deg2rad, lambda T, x: T.deg2rad(x), {}),
        ("rad2deg", tg.rad2deg, np.rad2deg, lambda T, x: T.rad2deg(x), {}),
        ("nan_to_num", tg.nan_to_num, np.nan_to_num, lambda T, x: T.nan_to_num(x),
         {"all three": _a(NAN, INF, -INF, 1.0)}),
        ("clamp", lambda x: x.clamp(-1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0),
         lambda T, x: T.clamp(x, -1.0, 1.0), {"on the bounds": _a(-1.0, 1.0)}),
        ("clamp_min", lambda x: x.clamp_min(0.0), lambda x: np.clip(x, 0.0, None),
         lambda T, x: T.clamp_min(x, 0.0), {"on the bound": _a(0.0)}),
        ("clamp_max", lambda x: x.clamp_max(0.5), lambda x: np.clip(x, None, 0.5),
         lambda T, x: T.clamp_max(x, 0.5), {"on the bound": _a(0.5)}),
        ("clone", Tensor.clone, np.copy, lambda T, x: x.clone(), {}),
        ("dropout", lambda x: F.dropout(x, 0.5, training=False), lambda x: x,
         lambda T, x: T.nn.functional.dropout(x, 0.5, training=False), {}),
):
    rows(_name, _call, {
        "empty": (E2,), "one element!": (_a(0.7),), "+inf": (_a(INF),), "-inf": (_a(-INF),),
        "nan": (_a(NAN),), **{k: (v,) for k, v in _extra.items()},
    }, numpy=_np, numpy_warns=_np not in (np.copy,) and _name not in ("clamp", "clamp_min",
                                                                     "clamp_max", "dropout"),
        torch=_torch)
rows("dropout", lambda x: F.dropout(x, 1.0), {"p = 1": (_a(0.5, INF, NAN),)},
     numpy=lambda x: x * 0.0, torch=lambda T, x: T.nn.functional.dropout(x, 1.0))

_TIES_NAN = {"ties": (_a(1.0, 2.0), _a(1.0, 3.0)), "nan on either side": (_a(NAN, 1.0),
                                                                         _a(1.0, NAN)),
             "nan on both": (_a(NAN), _a(NAN))}
for _name, _call, _np, _torch in (
        ("fmax", tg.fmax, np.fmax, lambda T, x, y: T.fmax(x, y)),
        ("fmin", tg.fmin, np.fmin, lambda T, x, y: T.fmin(x, y))):
    rows(_name, _call, {"empty": (E, E), "one element!": (_a(0.7), _a(1.3)),
                        "+inf": (_a(INF), _a(2.0)), "nan on either side": _TIES_NAN[
                            "nan on either side"], "nan on both": _TIES_NAN["nan on both"]},
         numpy=_np, torch=_torch)
    rows(_name, _call, {"ties": _TIES_NAN["ties"]}, numpy=_np, grad=(_a(0.5, 0.0 if _name ==
         "fmax" else 1.0), _a(0.5, 1.0 if _name == "fmax" else 0.0)),
         note="ties split the gradient 1/2, 1/2 as maximum's do (PyTorch's fmax gives it all "
         "to the first input)")
rows("logaddexp2", tg.logaddexp2, {
    "empty": (E, E), "one element!": (_a(0.7), _a(1.3)), "both -inf": (_a(-INF), _a(-INF)),
    "both +inf": (_a(INF), _a(INF)), "one -inf!": (_a(-INF), _a(0.5)), "nan": (_a(NAN),
                                                                              _a(2.0)),
}, numpy=np.logaddexp2, torch=lambda T, x, y: T.logaddexp2(x, y))

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
_IDX = {"duplicate indices!": (_a(0.5, 1.5, 2.5), np.array([0, 0, 2])),
        "empty index": (_a(0.5, 1.5), np.zeros(0, dtype=np.int64)),
        "negative index!": (_a(0.5, 1.5), np.array([-1]))}
rows("take_along_axis", lambda x, i: tg.take_along_axis(x, i, 0), _IDX,
     numpy=lambda x, i: np.take_along_axis(x, i, 0),
     torch=lambda T, x, i: T.take_along_dim(x, i % x.shape[0], 0))
rows("gather", lambda x, i: x.gather(1, i), {
    "duplicate indices!": (X23, np.array([[0, 0], [2, 1]])),
    "empty index": (X23, np.zeros((2, 0), dtype=np.int64))},
    numpy=lambda x, i: np.take_along_axis(x[:i.shape[0]], i, 1),
    torch=lambda T, x, i: x.gather(1, i))

_MOVE: list[tuple[str, Any, Any, Any]] = [
    ("diff", lambda x: tg.diff(x), lambda x: np.diff(x), lambda T, x: x.diff()),
    ("rot90", lambda x: tg.rot90(x), np.rot90, lambda T, x: T.rot90(x, 1, [0, 1])),
    ("rollaxis", lambda x: tg.rollaxis(x, 1), lambda x: np.rollaxis(x, 1),
     lambda T, x: x.movedim(1, 0)),
    ("atleast_1d", tg.atleast_1d, np.atleast_1d, lambda T, x: T.atleast_1d(x)),
    ("atleast_2d", tg.atleast_2d, np.atleast_2d, lambda T, x: T.atleast_2d(x)),
    ("atleast_3d", tg.atleast_3d, np.atleast_3d, lambda T, x: T.atleast_3d(x)),
    ("expand", lambda x: x.expand(2, -1, -1), lambda x: np.broadcast_to(x, (2,) + x.shape),
     lambda T, x: x.expand(2, -1, -1)),
    ("array_split", lambda x: tg.array_split(x, 2, axis=-1)[1] * 1.0,
     lambda x: np.array_split(x, 2, axis=-1)[1] * 1.0,
     lambda T, x: T.tensor_split(x, 2, dim=-1)[1] * 1.0),
]
for _name, _call, _np, _torch in _MOVE:
    rows(_name, _call, {"empty": (E2,), "one element!": (np.array([[0.7]]),), "2x3!": (X23,),
                        "inf and nan": (np.array([[INF, NAN, -INF]]),)},
         numpy=_np, numpy_warns=False, torch=_torch)
for _name in ("atleast_1d", "atleast_2d", "atleast_3d"):
    rows(_name, getattr(tg, _name), {"scalar!": (np.float64(0.3),)},
         numpy=getattr(np, _name), torch=lambda T, x, n=_name: getattr(T, n)(x))

rows("column_stack", lambda x, y: tg.column_stack([x, y]), _JOIN,
     numpy=lambda x, y: np.column_stack([x, y]), torch=lambda T, x, y: T.column_stack([x, y]))
rows("append", tg.append, _JOIN, numpy=np.append,
     torch=lambda T, x, y: T.cat([x.flatten(), y.flatten()]))
rows("kron", tg.kron, {"empty": (E, _a(1.0)), "one element!": (_a(0.7), _a(1.3)),
                       "2x2 by 1x2!": (M, np.array([[0.5, 2.0]])),
                       "inf times zero": (_a(INF), _a(0.0, 1.0))},
     numpy=np.kron, torch=lambda T, x, y: T.kron(x, y))
_V3 = _a(0.5, -1.0, 2.0)
rows("cross", tg.cross, {"empty batch": (np.zeros((0, 3)), np.zeros((0, 3))),
                         "one pair!": (_V3, _a(1.5, 0.5, -0.5)), "inf": (_a(INF, 0.0, 1.0), _V3),
                         "nan": (_a(NAN, 0.0, 1.0), _V3)},
     numpy=np.cross, torch=lambda T, x, y: T.cross(x, y, dim=-1))
rows("cross", tg.cross, {"vectors of length 2": (_a(1.0, 2.0), _a(3.0, 4.0))},
     raises="cross: vectors of length 3 only")


# ---- PyTorch's losses and F.linear (compositions, or the one Linear op) ------------------------
_W23 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
rows("linear", F.linear, {"one row!": (X23[:1], _W23), "empty batch": (np.zeros((0, 3)), _W23),
                          "inf and nan": (np.array([[INF, 0.0, NAN]]), _W23)},
     numpy=lambda x, w: x @ w.T, numpy_warns=False,
     torch=lambda T, x, w: T.nn.functional.linear(x, w))
rows("linear", F.linear, {"inner sizes differ": (X23, np.ones((2, 2)))}, raises="[Ll]inear")
for _name, _fn, _np_fn in (("mse_loss", F.mse_loss, lambda d: d * d),
                          ("l1_loss", F.l1_loss, np.abs)):
    rows(_name, _fn, {"one element!": (_a(0.7), _a(-0.2)), "2x3!": (X23, X23[::-1]),
                      "inf target": (_a(1.0), _a(INF))},
         numpy=lambda x, y, f=_np_fn: f(x - y).mean(),
         torch=lambda T, x, y, n=_name: getattr(T.nn.functional, n)(x, y))
    rows(_name, _fn, {"empty": (E, E)}, numpy=lambda x, y, f=_np_fn: f(x - y).mean(),
         torch=lambda T, x, y, n=_name: getattr(T.nn.functional, n)(x, y))
    rows(_name, _fn, {"shapes differ": (np.ones((2, 1)), np.ones(2))}, raises=_name)


def _np_bce(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return ((1 - y) * x + np.logaddexp(0, -x)).mean()


rows("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, {
    "one element!": (_a(0.7), _a(1.0)), "large logits!": (_a(800.0, -800.0), _a(0.0, 1.0)),
    "soft targets!": (X23, np.full((2, 3), 0.25))},
     numpy=_np_bce, torch=lambda T, x, y: T.nn.functional.binary_cross_entropy_with_logits(x, y))
rows("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, {
    "shapes differ": (np.ones((2, 1)), np.ones(2))}, raises="binary_cross_entropy_with_logits")


rows("binary_cross_entropy", F.binary_cross_entropy, {
    "one element!": (_a(0.7), _a(1.0)), "soft targets!": (_a(0.2, 0.9), _a(0.25, 0.5)),
    "empty": (E, E)},
     numpy=lambda p, y: (-(y * np.log(p) + (1 - y) * np.log1p(-p))).mean(), numpy_warns=False,
     torch=lambda T, p, y: T.nn.functional.binary_cross_entropy(p, y))
rows("binary_cross_entropy", F.binary_cross_entropy, {
    "probability 0 or 1": (_a(0.0, 1.0, 0.0), _a(1.0, 0.0, 0.0))},
     numpy=lambda p, y: np.float64(200.0 / 3),
     grad=(_a(-1 / 3, 1 / 3, 0.0) / float(np.float32(1e-12)), _a(100 / 3, -100 / 3, 100 / 3)),
     note="each log clamped at -100 (PyTorch's value); p's gradient is PyTorch's (p - y) / "
     "max(p (1 - p), 1e-12): -1e12 at p = 0 for y = 1, and 0 (not the true 1) for y = 0; "
     "y's is the derivative of the clamped value, 100 (PyTorch's -logit(p) is inf there)")
rows("binary_cross_entropy", F.binary_cross_entropy, {
    "a logit": (_a(1.5, 0.2), _a(1.0, 0.0)), "NaN": (_a(NAN), _a(1.0)),
    "shapes differ": (np.full((2, 1), 0.5), np.ones(2))},
     raises="binary_cross_entropy")
_LN = np.array([[0.5, -1.0, 2.0, 0.0], [3.0, 3.0, 3.0, 3.0]])
rows("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), {
    "rows!": (_LN[:1], _a(1.0, 2.0, 0.5, 1.0), _a(0.0, 0.1, 0.0, -0.1)),
    "a constant row": (_LN, np.ones(4), np.zeros(4)),
    "empty batch": (np.zeros((0, 4)), np.ones(4), np.zeros(4)),
    "inf": (np.array([[INF, 0.0, 1.0, 2.0]]), np.ones(4), np.zeros(4))},
     numpy=lambda x, w, b: (x - x.mean(-1, keepdims=True)) / np.sqrt(
         x.var(-1, keepdims=True) + 1e-5) * w + b, numpy_warns=False,
     torch=lambda T, x, w, b: T.nn.functional.layer_norm(x, (4,), w, b))
rows("layer_norm", lambda x: F.layer_norm(x, (3,)), {"not the trailing shape": (_LN,)},
     raises="layer_norm: normalized_shape")


# ---- torch.nn.functional's further activations, losses and distances -------------------------
_SELU_A, _SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
_ACT: list[tuple[str, Any, Any, Any, dict[str, Any]]] = [
    ("relu6", F.relu6, lambda x: np.minimum(np.maximum(x, 0), 6),
     lambda T, x: T.nn.functional.relu6(x), {"kinks: 0 and 6": _a(0.0, 6.0), "above 6!": _a(7.5)}),
    ("hardtanh", F.hardtanh, lambda x: np.clip(x, -1.0, 1.0),
     lambda T, x: T.nn.functional.hardtanh(x), {"on the bounds": _a(-1.0, 1.0)}),
    ("hardswish", F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6,
     lambda T, x: T.nn.functional.hardswish(x), {"kinks: -3 and 3": _a(-3.0, 3.0),
                                                 "beyond!": _a(-4.0, 4.0)}),
    ("mish", F.mish, lambda x: x * np.tanh(np.logaddexp(x, 0)),
     lambda T, x: T.nn.functional.mish(x), {"large": _a(-800.0, 800.0),
                                            "large, finite tails!": _a(-30.0, 30.0)}),
    ("selu", F.selu, lambda x: _SELU_S * np.where(x > 0, x, _SELU_A * np.expm1(
        np.minimum(x, 0))), lambda T, x: T.nn.functional.selu(x),
     {"kink": _a(0.0), "large": _a(-800.0, 800.0)}),
    ("celu", lambda x: F.celu(x, 2.0), lambda x: np.where(x > 0, x, 2.0 * np.expm1(
        np.minimum(x, 0) / 2.0)), lambda T, x: T.nn.functional.celu(x, 2.0),
     {"kink": _a(0.0), "large": _a(-800.0, 800.0)}),
    ("softsign", F.softsign, lambda x: x / (1 + np.abs(x)),
     lambda T, x: T.nn.functional.softsign(x), {"kink": _a(0.0)}),
    ("tanhshrink", F.tanhshrink, lambda x: x - np.tanh(x),
     lambda T, x: T.nn.functional.tanhshrink(x), {"large": _a(-30.0, 30.0)}),
    ("logsigmoid", F.logsigmoid, lambda x: -np.logaddexp(0, -x),
     lambda T, x: T.nn.functional.logsigmoid(x), {"large": _a(-800.0, 800.0)}),
    ("threshold", lambda x: F.threshold(x, 0.5, -2.0), lambda x: np.where(x <= 0.5, -2.0, x),
     lambda T, x: T.nn.functional.threshold(x, 0.5, -2.0), {"at the threshold": _a(0.5)}),
]
for _name, _call, _np, _torch, _extra in _ACT:
    rows(_name, _call, {
        "empty": (E2,), "scalar!": (np.float64(0.3),), "one element!": (_a(0.7),),
        "+inf": (_a(INF),), "-inf": (_a(-INF),), "nan": (_a(NAN),),
        **{k: (v,) for k, v in _extra.items()},
    }, numpy=_np, numpy_warns=False, torch=_torch)
rows("celu", lambda x: F.celu(x, -0.5), {"negative alpha!": (_a(-1.0, 0.5),)},
     numpy=lambda x: np.where(x > 0, x, -0.5 * np.expm1(x / -0.5)),
     torch=lambda T, x: T.nn.functional.celu(x, -0.5))
rows("hardtanh", lambda x: F.hardtanh(x, -0.5, 2.0), {"other bounds": (_a(-0.5, 2.0, 1.0),)},
     numpy=lambda x: np.clip(x, -0.5, 2.0), torch=lambda T, x: T.nn.functional.hardtanh(
         x, -0.5, 2.0))
rows("hardtanh", lambda x: F.hardtanh(x, 1.0, -1.0), {"min_val > max_val": (_a(0.5),)},
     raises="hardtanh: min_val")
for _name in ("relu6", "hardtanh", "hardswish", "mish", "selu", "celu"):
    # inplace=True: written into x where it may be (no gradient), refused on a leaf that
    # requires grad, as torch (tests/test_inplace_flag.py: op results, layers, values)
    rows(_name, lambda x, n=_name: getattr(F, n)(x, inplace=True), {
        "inplace=True on a constant: x itself, written": (_a(-4.0, -0.5, 0.0, 0.5, 7.0),)},
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x.clone(), inplace=True),
         wrt=(), grad=(None,))
    rows(_name, lambda x, n=_name: getattr(F, n)(x, inplace=True), {
        "inplace=True on a leaf that requires grad": (_a(0.5),)}, wrt=(0,),
         raises=fr"F\.{_name}\(inplace=True\): a leaf Variable that requires grad")
rows("celu", lambda x: F.celu(x, 0.0), {"alpha 0": (_a(0.5),)}, raises="celu: alpha cannot be 0")

_HS = lambda x: np.clip(x + 3, 0, 6) / 6  # noqa: E731
_HS_NOTE = ("1/6 inside (-3, 3): PyTorch's float64 kernel multiplies by 1/6 rounded to float32 "
            "(0.1666666716), this one divides by 6")
rows("hardsigmoid", F.hardsigmoid, {"empty": (E2,), "+inf": (_a(INF),), "-inf": (_a(-INF),),
                                    "nan": (_a(NAN),), "kinks: -3 and 3": (_a(-3.0, 3.0),),
                                    "beyond": (_a(-4.0, 4.0),)},
     numpy=_HS, numpy_warns=False, torch=lambda T, x: T.nn.functional.hardsigmoid(x))
rows("hardsigmoid", F.hardsigmoid, {"one element!": (_a(0.7),)}, numpy=_HS,
     numpy_warns=False, grad=(_a(1 / 6),), note=_HS_NOTE)
rows("hardsigmoid", F.hardsigmoid, {"scalar!": (np.float64(0.3),)}, numpy=_HS,
     numpy_warns=False, grad=(np.float64(1 / 6),), note=_HS_NOTE)

_Z3 = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 1.0]])
rows("softmin", lambda z: F.softmin(z, -1), {
    "empty rows": (np.zeros((0, 3)),), "one class!": (np.array([[0.7], [-0.2]]),),
    "ties!": (np.ones((2, 3)),), "large logits!": (np.array([[1000.0, 999.0, -1000.0]]),),
    "+inf logit": (np.array([[INF, 0.0, 1.0]]),), "-inf logit": (np.array([[-INF, 0.0]]),),
    "nan": (np.array([[NAN, 0.0, 1.0]]),), "rows!": (_Z3,)},
     numpy=lambda z: _np_softmax(-z), numpy_warns=False,
     torch=lambda T, z: T.nn.functional.softmin(z, -1))
rows("glu", F.glu, {"one pair!": (_a(0.7, -0.3),), "rows!": (np.array([[0.5, -1.0, 2.0, 0.1]]),),
                    "empty rows": (np.zeros((0, 4)),), "inf and nan": (_a(INF, NAN, 1.0, -INF),)},
     numpy=lambda x: x[..., :x.shape[-1] // 2] * 0.5 * (1 + np.tanh(x[..., x.shape[-1] // 2:] / 2)),
     numpy_warns=False, torch=lambda T, x: T.nn.functional.glu(x))
rows("glu", lambda x: F.glu(x, 0), {"along dim 0!": (np.arange(6.0).reshape(2, 3) / 4,)},
     numpy=lambda x: x[:1] * 0.5 * (1 + np.tanh(x[1:] / 2)), numpy_warns=False,
     torch=lambda T, x: T.nn.functional.glu(x, 0))
rows("glu", F.glu, {"odd length": (np.ones((2, 3)),)}, raises="glu: dimension -1 has odd")
rows("glu", F.glu, {"0-d": (np.float64(1.0),)}, raises="glu: a 0-d input")

_W3 = _a(0.1, -0.2, 0.3)
rows("prelu", F.prelu, {
    "one element!": (_a(-0.7), _a(0.25)), "kink": (_a(0.0, -1.0, 2.0), _a(0.25)),
    "nan": (_a(NAN, -1.0), _a(0.25)), "inf": (_a(INF, -INF), _a(0.25)),
    "per channel!": (np.array([[0.5, -1.0, 2.0], [-0.5, 1.5, -2.5]]), _W3),
    "images per channel!": (np.linspace(-1, 1, 12).reshape(1, 3, 2, 2) + 0.05, _W3),
    "empty batch": (np.zeros((0, 3)), _W3), "scalar weight": (_a(-1.0, 1.0), np.float64(0.25))},
     numpy=lambda x, w: np.where(x > 0, x, (w.reshape(-1, *(1,) * (x.ndim - 2)) if w.size > 1
                                            else w.reshape(())) * x), numpy_warns=False,
     torch=lambda T, x, w: T.nn.functional.prelu(x, w))
rows("prelu", lambda x, w: x.prelu(w), {"the method, a 0-d input!": (np.float64(-0.4), _a(0.3))},
     numpy=lambda x, w: np.where(x > 0, x, w.reshape(()) * x), numpy_warns=False,
     torch=lambda T, x, w: x.prelu(w))
rows("prelu", F.prelu, {"channels differ": (np.ones((2, 3)), _a(0.1, 0.2)),
                        "a 2-D weight": (np.ones((2, 3)), np.ones((3, 1)))}, raises="prelu: weight")


def _np_sl1(beta: float, huber: bool = False) -> Any:
    def ref(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        d = np.abs(x - y)
        if huber:
            return np.where(d < beta, 0.5 * d * d, beta * (d - 0.5 * beta)).mean()
        return (np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta) if beta else d).mean()
    return ref


_LOSS_EDGES = {"one element!": (_a(0.7), _a(-0.2)), "2x3!": (X23, X23[::-1] * 3),
               "kinks: d = +-1 and 0": (_a(1.0, -1.0, 0.0), _a(0.0, 0.0, 0.0)),
               "inf target": (_a(1.0, 1.0), _a(INF, -INF)), "nan": (_a(NAN, 1.0), _a(0.0, 0.0)),
               "empty": (E, E)}
rows("smooth_l1_loss", F.smooth_l1_loss, _LOSS_EDGES, numpy=_np_sl1(1.0), numpy_warns=False,
     torch=lambda T, x, y: T.nn.functional.smooth_l1_loss(x, y))
rows("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y, beta=0.0), {
    "beta 0: l1_loss, kink at 0": (_a(0.0, 0.5), _a(0.0, 0.0))}, numpy=_np_sl1(0.0),
     numpy_warns=False, torch=lambda T, x, y: T.nn.functional.smooth_l1_loss(x, y, beta=0.0))
rows("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y, "sum", beta=0.5), {
    "beta 0.5, on the kink": (_a(0.5, -0.25, 2.0), _a(0.0, 0.0, 0.0))},
     numpy=lambda x, y: 3 * _np_sl1(0.5)(x, y), numpy_warns=False,
     torch=lambda T, x, y: T.nn.functional.smooth_l1_loss(x, y, reduction="sum", beta=0.5))
rows("huber_loss", F.huber_loss, _LOSS_EDGES, numpy=_np_sl1(1.0, huber=True), numpy_warns=False,
     torch=lambda T, x, y: T.nn.functional.huber_loss(x, y))
rows("huber_loss", lambda x, y: F.huber_loss(x, y, delta=2.0), {
    "delta 2, on the kink": (_a(2.0, -3.0, 0.5), _a(0.0, 0.0, 0.0))},
     numpy=_np_sl1(2.0, huber=True), numpy_warns=False,
     torch=lambda T, x, y: T.nn.functional.huber_loss(x, y, delta=2.0))
rows("huber_loss", lambda x, y, w: F.huber_loss(x, y, "sum", weight=w), {
    "weight!": (_a(0.5, -2.0), _a(0.0, 0.0), _a(2.0, 0.5))},
     numpy=lambda x, y, w: (w * np.where(np.abs(x - y) < 1, 0.5 * (x - y) ** 2,
                                         np.abs(x - y) - 0.5)).sum(), numpy_warns=False,
     torch=lambda T, x, y, w: T.nn.functional.huber_loss(x, y, "sum", weight=w))
for _name, _arg in (("smooth_l1_loss", "beta"), ("huber_loss", "delta")):
    _fn = getattr(F, _name)
    rows(_name, lambda x, y, f=_fn, a=_arg: f(x, y, **{a: -1.0}), {
        f"negative {_arg}": (_a(1.0), _a(0.0))}, raises=f"{_name}: {_arg} must be")
    rows(_name, lambda x, y, f=_fn: f(x, y, "batchmean"), {"batchmean": (_a(1.0), _a(0.0))},
         raises=f"{_name}: reduction must be")
    rows(_name, _fn, {"shapes differ": (np.ones((2, 1)), np.ones(2))}, raises=_name)
rows("huber_loss", lambda x, y: F.huber_loss(x, y, delta=0.0), {"delta 0": (_a(1.0), _a(0.0))},
     raises="huber_loss: delta must be > 0")
rows("huber_loss", lambda x, y, w: F.huber_loss(x, y, weight=w), {
    "weight of another shape": (_a(1.0, 2.0), _a(0.0, 0.0), _a(1.0))},
     raises="huber_loss: weight must have")


def _np_kl(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = np.where(t == 0, 0.0, t * np.log(t)) - t * x
    return loss.sum() / x.shape[0]


rows("kl_div", lambda x, t: F.kl_div(x, t, "batchmean"), {
    "one element!": (_a(-0.7), _a(0.4)), "rows!": (np.log(np.array([[0.2, 0.8], [0.5, 0.5]])),
                                                  np.array([[0.3, 0.7], [0.9, 0.1]])),
    "a zero target": (_a(-1.0, -2.0), _a(0.0, 1.0)), "a negative target": (_a(-1.0), _a(-0.1)),
    "-inf input": (_a(-INF, -1.0), _a(0.0, 1.0)), "nan": (_a(NAN, -1.0), _a(0.5, 0.5)),
    "empty batch": (np.zeros((0, 3)), np.zeros((0, 3)))},
     numpy=_np_kl, numpy_warns=False,
     torch=lambda T, x, t: T.nn.functional.kl_div(x, t, reduction="batchmean"))
rows("kl_div", lambda x, t: F.kl_div(x, t, "batchmean"), {"0-d: batchmean is the sum": (
    np.float64(-0.5), np.float64(0.25))}, numpy=lambda x, t: t * (np.log(t) - x),
     numpy_warns=False, torch=lambda T, x, t: T.nn.functional.kl_div(x, t, reduction="batchmean"))
rows("kl_div", lambda x, t: F.kl_div(x, t, "sum", log_target=True), {
    "log target!": (_a(-0.7, -1.2), _a(-0.5, -2.0)), "-inf log target": (_a(-1.0), _a(-INF)),
    "large log target": (_a(-1.0), _a(700.0))},
     numpy=lambda x, t: (np.exp(t) * (t - x)).sum(), numpy_warns=False,
     torch=lambda T, x, t: T.nn.functional.kl_div(x, t, reduction="sum", log_target=True))
rows("kl_div", lambda x, t: F.kl_div(x, t, "none"), {"none!": (_a(-0.7, -1.2), _a(0.5, 0.25))},
     numpy=lambda x, t: t * (np.log(t) - x), numpy_warns=False,
     torch=lambda T, x, t: T.nn.functional.kl_div(x, t, reduction="none"))
rows("kl_div", lambda x, t: F.kl_div(x, t, "average"), {"reduction 'average'": (_a(-1.0),
                                                                             _a(0.5))},
     raises="kl_div: reduction must be")
rows("kl_div", F.kl_div, {"shapes differ": (np.ones((2, 1)), np.ones(2))}, raises="kl_div")

_V = np.array([[0.5, -1.0, 2.0]])
_U3 = np.array([[1.5, 0.5, -0.5]])
rows("cosine_similarity", F.cosine_similarity, {
    "one pair!": (_V, _U3), "parallel!": (_V, 2 * _V), "a zero vector": (np.zeros((1, 3)), _U3),
    "empty batch": (np.zeros((0, 3)), np.zeros((0, 3))),
    "broadcast!": (_V[0], np.array([[1.5, 0.5, -0.5], [0.2, 0.3, 0.4]])),
    "inf": (np.array([[INF, 0.0, 1.0]]), _U3), "nan": (np.array([[NAN, 0.0, 1.0]]), _U3)},
     numpy=lambda a, b: (a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-8) * (
         b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-8))).sum(-1),
     numpy_warns=False, torch=lambda T, a, b: T.nn.functional.cosine_similarity(a, b))
rows("cosine_similarity", lambda a, b: F.cosine_similarity(a, b, dim=0), {
    "vectors, dim 0!": (_V[0], _U3[0])},
     numpy=lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b), numpy_warns=False,
     torch=lambda T, a, b: T.nn.functional.cosine_similarity(a, b, dim=0))
rows("cosine_similarity", F.cosine_similarity, {"vectors, the default dim 1": (_V[0], _U3[0]),
                                                "shapes that do not broadcast": (_V, np.ones(2))},
     raises="cosine_similarity: (dim 1 is out of range|x1 of shape)")

rows("normalize", F.normalize, {
    "one row!": (_V,), "a zero row": (np.zeros((1, 3)),), "empty batch": (np.zeros((0, 3)),),
    "inf": (np.array([[INF, 0.0, 1.0]]),), "nan": (np.array([[NAN, 0.0, 1.0]]),)},
     numpy=lambda x: x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12),
     numpy_warns=False, torch=lambda T, x: T.nn.functional.normalize(x))
for _p, _case, _x in ((1.0, "p 1, a zero entry", _a(0.0, 1.0, -2.0)),
                      (INF, "p inf, tied maxima", _a(2.0, -2.0, 1.0)),
                      (3.0, "p 3!", _a(0.5, -1.0, 2.0)), (0.5, "p 0.5, a zero entry",
                                                         _a(0.0, 1.0, -2.0)),
                      (-1.0, "p -1!", _a(0.5, -1.0, 2.0)), (0.0, "p 0", _a(0.0, 1.0, -2.0)),
                      (3.0, "p 3, a zero row", _a(0.0, 0.0))):
    rows("normalize", lambda x, p=_p: F.normalize(x, p, dim=0), {_case: (_x,)},
         numpy_warns=False, torch=lambda T, x, p=_p: T.nn.functional.normalize(x, p, dim=0))
rows("normalize", F.normalize, {"a vector, the default dim 1": (_a(1.0, 2.0),)},
     raises="normalize: dim 1 is out of range")

rows("pairwise_distance", F.pairwise_distance, {
    "one pair!": (_V, _U3), "equal rows": (_V, _V), "empty batch": (np.zeros((0, 3)),
                                                                     np.zeros((0, 3))),
    "broadcast!": (_V[0], np.array([[1.5, 0.5, -0.5], [0.2, 0.3, 0.4]])),
    "0-d!": (np.float64(1.0), np.float64(0.25)), "inf": (np.array([[INF, 0.0, 1.0]]), _U3),
    "nan": (np.array([[NAN, 0.0, 1.0]]), _U3)},
     numpy_warns=False, torch=lambda T, a, b: T.nn.functional.pairwise_distance(a, b))
for _p, _case, _x, _y in ((1.0, "p 1!", _V, _U3), (INF, "p inf, tied maxima", _a(1.0, 3.0),
                                                  _a(0.0, 2.0)),
                          (3.0, "p 3!", _V, _U3), (0.5, "p 0.5!", _V, _U3),
                          (-1.0, "p -1!", _V, _U3), (0.0, "p 0", _V, _U3)):
    rows("pairwise_distance", lambda a, b, p=_p: F.pairwise_distance(a, b, p, keepdim=True),
         {_case: (_x, _y)}, numpy_warns=False,
         torch=lambda T, a, b, p=_p: T.nn.functional.pairwise_distance(a, b, p, keepdim=True))
rows("pairwise_distance", F.pairwise_distance, {"shapes that do not broadcast": (
    _V, np.ones(2))}, raises="pairwise_distance: x1 of shape")


# ---- branches one element switches on for the whole array (found 2026-12-03 by mutation
# testing: a wrong sign, a lost mask or a missing broadcast in these branches passed every
# test, because the drawn inputs never reach them and the edge rows above had one element) --
def _arctan2_grads(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d/dy, d/dx of arctan2(y, x): x / r^2 and -y / r^2, 0 at the origin (PyTorch's)."""
    r2 = np.where((x == 0) & (y == 0), 1.0, x * x + y * y)
    return x / r2, -y / r2


_Y3, _X3 = _a(0.0, 1.0, -2.0), _a(0.0, 1.0, 0.5)
rows("arctan2", tg.arctan2, {"origin beside other points": (_Y3, _X3)}, numpy=np.arctan2,
     grad=_arctan2_grads(_Y3, _X3))
_NANROW = np.array([[NAN, 1.0], [2.0, 3.0], [-1.0, -4.0]])
for _name, _np in (("max", np.max), ("min", np.min), ("amax", np.amax), ("amin", np.amin)):
    _pick = np.argmax if _name in ("max", "amax") else np.argmin
    _g = np.zeros_like(_NANROW)
    _g[0, 0] = 1.0  # the NaN row: the NaN gets the gradient (as the 1-D "issue: nan" row)
    _g[1:][np.arange(2), _pick(_NANROW[1:], axis=1)] = 1.0
    rows(_name, lambda x, m=_name: getattr(x, m)(axis=1), {"nan in one row of three": (
        _NANROW,)}, numpy=lambda x, f=_np: f(x, axis=1), grad=(_g,),
        note="rows without a NaN keep their one-hot gradient")
rows("take_along_axis", lambda x, i: tg.take_along_axis(x, i, 1), {
    "input broadcast against the index!": (np.array([[0.5, 1.5, 2.5]]),
                                           np.array([[0, 1], [2, 1]]))},
     numpy=lambda x, i: np.take_along_axis(x, i, 1), grad=(np.array([[1.0, 2.0, 1.0]]), None))


def _sinc_grad(x: np.ndarray) -> np.ndarray:
    """sinc'(x) = (cos(pi x) pi x - sin(pi x)) / (pi x^2), in extended precision: in float64
    the difference cancels near 0 (the op uses a series there, the row checks that series)."""
    p = np.pi * x.astype(np.longdouble)
    return (np.cos(p) * p - np.sin(p)) / (p * x.astype(np.longdouble)).astype(np.float64)


_SMALL = _a(5e-4, -2e-4, 3e-5)
rows("sinc", tg.sinc, {"below 1e-3, where the series is used": (_SMALL,)}, numpy=np.sinc,
     grad=(_sinc_grad(_SMALL),))
rows("elu", lambda x: F.elu(x, alpha=0.5), {"kink, alpha 0.5": (_a(0.0, -1.0),)},
     numpy=lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0))),
     grad=(_a(0.5, 0.5 * np.exp(-1.0)),), note="the gradient at 0 is alpha, as PyTorch's")


# ---- embedding, scatter, scatter_add, index_add, interpolate ---------------------------------
_EMB_W = np.array([[0.5, -1.0], [1.5, 2.0], [-0.25, 3.0]])
_I0 = np.zeros(0, dtype=np.int64)
rows("embedding", lambda w, i: F.embedding(i, w), {
    "empty indices": (_EMB_W, _I0), "one element!": (_a(0.75).reshape(1, 1), np.array([0])),
    "duplicate indices!": (_EMB_W, np.array([[2, 0], [2, 2]])),
    "inf and nan rows": (np.array([[INF, 1.0], [NAN, -INF], [0.5, 0.5]]), np.array([1, 0, 1]))},
    numpy=lambda w, i: w[i], torch=lambda T, w, i: T.nn.functional.embedding(i, w))
rows("embedding", lambda w, i: F.embedding(i, w, padding_idx=1), {
    "padding_idx: read, no gradient": (_EMB_W, np.array([1, 2, 1]))},
    numpy=lambda w, i: w[i], grad=(np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]), None),
    torch=lambda T, w, i: T.nn.functional.embedding(i, w, padding_idx=1))
rows("embedding", lambda w, i: F.embedding(i, w), {
    "index out of range": (_EMB_W, np.array([3])), "negative index": (_EMB_W, np.array([-1]))},
    raises=r"embedding: indices must lie in \[0, 3\)")

_SC_X = np.array([[0.5, 1.5, -2.0], [1.0, -0.5, 2.5]])
_SC_S = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
_SPECIAL = (np.array([[INF, 1.0, NAN]]), np.array([[NAN, -INF, 2.0]]))
for _op in ("scatter_add", "scatter"):
    _add = _op == "scatter_add"

    def _np_scatter(x: np.ndarray, s: np.ndarray, i: np.ndarray, add: bool = _add) -> np.ndarray:
        out = x.copy()
        for p in np.ndindex(i.shape):
            q = (int(i[p]), p[1])
            out[q] = (out[q] if add else 0.0) + s[p]
        return out

    rows(_op, lambda x, s, i, m=_op: getattr(x, m)(0, i, s), {
        "empty index": (_SC_X, np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64)),
        "one element!": (_a(0.5).reshape(1, 1), _a(2.0).reshape(1, 1), np.array([[0]])),
        "inf and nan": (*_SPECIAL, np.array([[0, 0, 0]])),
        **({"duplicate indices add up!": (_SC_X, _SC_S, np.array([[1, 1, 0], [1, 0, 0]]))} if _add
           else {"distinct indices!": (_SC_X, _SC_S, np.array([[1, 0, 0], [0, 1, 1]]))})},
        numpy=_np_scatter, torch=lambda T, x, s, i, m=_op: getattr(x, m)(0, i, s))
    rows(_op, lambda x, s, i, m=_op: getattr(x, m)(0, i, s), {
        "index out of range": (_SC_X, _SC_S, np.array([[2, 0, 0]])),
        "negative index": (_SC_X, _SC_S, np.array([[-1, 0, 0]]))}, raises="out of bounds for dim 0")
rows("scatter", lambda x, s, i: x.scatter(0, i, s), {
    "a position written twice": (_SC_X, _SC_S, np.array([[1, 0, 0], [1, 1, 0]]))},
    raises="names one position twice")

rows("index_add", lambda x, s, i: x.index_add(1, i, s), {
    "empty index": (_SC_X, np.zeros((2, 0)), _I0),
    "one element!": (_a(0.5).reshape(1, 1), _a(2.0).reshape(1, 1), np.array([0])),
    "inf and nan": (np.array([[INF, 1.0, NAN]]), np.array([[NAN, -INF]]), np.array([2, 0])),
    "duplicate indices add up!": (_SC_X, _SC_S, np.array([2, 2, 0]))},
    numpy=lambda x, s, i: index_add_np(x, s, i),
    torch=lambda T, x, s, i: x.index_add(1, i, s))
rows("index_add", lambda x, s, i: x.index_add(1, i, s), {
    "index out of range": (_SC_X, _SC_S, np.array([0, 1, 3]))}, raises="out of bounds for dim 1")


def index_add_np(x: np.ndarray, s: np.ndarray, i: np.ndarray) -> np.ndarray:
    out = x.reshape(1, -1).copy() if x.ndim < 2 else x.copy()
    np.add.at(out, (slice(None), i), s.reshape(out.shape[0], -1))
    return out.reshape(x.shape)


_UP_IMG = np.array([[[[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]]])
for _mode, _ac in (("nearest", None), ("bilinear", False), ("bilinear", True)):
    _kw = {"mode": _mode, "align_corners": _ac}
    rows("interpolate", lambda x, k=_kw: F.interpolate(x, size=(3, 5), **k), {
        "empty batch": (np.zeros((0, 1, 2, 3)),),
        "one element!": (_a(0.75).reshape(1, 1, 1, 1),),
        "inf": (np.where(_UP_IMG > 1.8, INF, _UP_IMG),),
        "nan": (np.where(_UP_IMG < -0.9, NAN, _UP_IMG),),
        "finite!": (_UP_IMG,)},
        torch=lambda T, x, k=_kw: T.nn.functional.interpolate(x, size=(3, 5), **k),
        note="compared with torch (NumPy has no interpolate)")
rows("interpolate", lambda x: F.interpolate(x, scale_factor=2, mode="bicubic"), {
    "another mode": (_UP_IMG,)}, raises="mode 'bicubic' is not supported")
rows("interpolate", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), {
    "bilinear of a 3-D input": (_UP_IMG[0],)}, raises="takes a 4-D input")


# ---- attention ----------------------------------------------------------------------------
_Q, _K, _VV = (np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]),
               np.array([[1.0, 0.5], [-0.5, 1.5], [0.25, -1.0], [2.0, 0.0]]),
               np.array([[0.3, -0.2, 1.0], [1.1, 0.4, -0.6], [-0.9, 0.8, 0.5], [0.2, 0.7, -1.3]]))
_MASK = np.array([[True, False, True, True], [False, False, False, False],
                  [True, True, False, True]])  # row 1: every key masked
rows("scaled_dot_product_attention", F.scaled_dot_product_attention, {
    "finite!": (_Q, _K, _VV), "one query, one key!": (_Q[:1, :1], _K[:1, :1], _VV[:1, :1]),
    "no queries": (np.zeros((0, 2)), _K, _VV), "no keys": (_Q, np.zeros((0, 2)), np.zeros((0, 3))),
    "inf in the query": (np.where(_Q > 1.4, INF, _Q), _K, _VV),
    "nan in the value": (_Q, _K, np.where(_VV > 1.0, NAN, _VV)),
    "batched!": (np.stack([_Q, -_Q]), np.stack([_K, _K[::-1]]), np.stack([_VV, 2 * _VV]))},
    numpy=sdpa_ref, numpy_warns=False,
    torch=lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v))
rows("scaled_dot_product_attention",
     lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), {
         "bool mask, a row with every key masked!": (_Q, _K, _VV, _MASK),
         "float mask, -inf for every key of a row!": (
             _Q, _K, _VV, np.where(_MASK, 0.5, -INF)),
         "float mask, large values": (_Q, _K, _VV, np.where(_MASK, 700.0, -700.0))},
     numpy=sdpa_ref, numpy_warns=False,
     torch=lambda T, q, k, v, m: T.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                               attn_mask=m),
     note="a row with every key masked gives zeros and no gradient, torch 2.13's value")
rows("scaled_dot_product_attention",
     lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), {
         "causal, more keys than queries!": (_Q, _K, _VV),
         "causal, more queries than keys!": (_K, _Q, _VV[:3])},
     numpy=lambda q, k, v: sdpa_ref(q, k, v, is_causal=True),
     numpy_warns=False,
     torch=lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                               is_causal=True))
rows("scaled_dot_product_attention", F.scaled_dot_product_attention, {
    "key and query widths differ": (_Q, np.ones((4, 3)), _VV),
    "key and value lengths differ": (_Q, _K, _VV[:3]),
    "a vector query": (_Q[0], _K, _VV),
    "integer inputs": (_Q.astype(np.int8), _K.astype(np.int8), _VV.astype(np.int8))},
    raises="scaled_dot_product_attention: ")
rows("scaled_dot_product_attention",
     lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), {
         "mask of the wrong shape": (_Q, _K, _VV, _MASK.T),
         "integer mask": (_Q, _K, _VV, _MASK.astype(np.int64))},
     raises="scaled_dot_product_attention: attn_mask")
rows("scaled_dot_product_attention",
     lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=True),
     {"attn_mask with is_causal": (_Q, _K, _VV, _MASK)},
     raises="scaled_dot_product_attention: pass attn_mask or is_causal=True, not both")


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
