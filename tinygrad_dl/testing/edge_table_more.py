"""Edge rows of more of PyTorch's Tensor methods (tinygrad_dl/tensor/splits.py,
writes.py, ...; tests/test_torch_names8.py). `T` in a `torch=` lambda is the torch
module; where a row has no `numpy=`, PyTorch's value is the reference too."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from ..tensor.inplace_forms import INPLACE_FORMS
from .edge_table import E2, INF, NAN, E, rows


def _a(*v: float) -> np.ndarray:
    return np.array(v, dtype=np.float64)


def _joined(pieces: Any) -> Any:
    """Pieces weighted by their place and joined (tg's or torch's: both have cat)."""
    mod = tg if isinstance(pieces[0], Tensor) else __import__("torch")
    return mod.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)])


X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])
X234 = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.0

# ---- splits and reshapes ---------------------------------------------------------------------
for _name, _arg, _x in (("tensor_split", 3, _a(1.0, 2.0, 3.0, 4.0)),
                        ("tensor_split", [-1, 2, 9], _a(1.0, 2.0, 3.0, 4.0, 5.0)),
                        ("tensor_split", [3, 1], X34),
                        ("hsplit", [1, 3], X34), ("hsplit", 2, _a(1.0, 2.0)),
                        ("vsplit", 3, X34), ("dsplit", [2], X234),
                        ("split_with_sizes", [1, 0, 2], X34)):
    rows(_name, lambda x, n=_name, a=_arg: _joined(getattr(x, n)(a)), {
        f"{_arg!r}, shape {_x.shape}": (_x,)},
         torch=lambda T, x, n=_name, a=_arg: _joined(getattr(x, n)(a)))
rows("tensor_split", lambda x: _joined(x.tensor_split(2, dim=1)), {"empty dim": (E2,)},
     torch=lambda T, x: _joined(x.tensor_split(2, dim=1)))
rows("tensor_split", lambda x: x.tensor_split(2), {"0-d": (np.float64(1.0),)},
     raises="tensor_split: expects a tensor of 1 or more dims")
rows("tensor_split", lambda x: x.tensor_split(0), {"0 sections": (_a(1.0),)},
     raises="tensor_split: sections must be positive")
rows("tensor_split", lambda x: x.tensor_split(1.5), {"a float": (_a(1.0),)},
     raises="tensor_split: sections must be an int")
rows("hsplit", lambda x: x.hsplit(3), {"uneven": (X34,)},
     raises="hsplit: dim 1 of length 4 .* does not split into 3 equal pieces")
rows("vsplit", lambda x: x.vsplit(1), {"1-D": (_a(1.0),)},
     raises="vsplit: expects a tensor of 2 or more dims")
rows("dsplit", lambda x: x.dsplit(1), {"2-D": (X23,)},
     raises="dsplit: expects a tensor of 3 or more dims")
rows("split_with_sizes", lambda x: x.split_with_sizes([1, 1]), {"sizes short": (X34,)},
     raises="split_with_sizes: sizes \\[1, 1\\] do not add up to the length 3")
rows("unflatten", lambda x: x.unflatten(-1, (2, -1)), {"-1!": (X34,), "empty": (np.zeros((0, 4)),)},
     torch=lambda T, x: x.unflatten(-1, (2, -1)))
rows("unflatten", lambda x: x.unflatten(1, (3, 2)), {"wrong sizes": (X34,)},
     raises="unflatten: sizes \\[3, 2\\] do not make the length 4")
rows("unflatten", lambda x: x.unflatten(0, ()), {"no sizes": (X34,)},
     raises="unflatten: sizes must be non-empty")
rows("Tensor.unfold", lambda x: x.unfold(1, 2, 1), {"overlapping!": (X34,)},
     torch=lambda T, x: x.unfold(1, 2, 1))
rows("Tensor.unfold", lambda x: x.unfold(0, 2, 2), {"a step past a window": (_a(1, 2, 3, 4, 5),),
                                                    "nan and inf": (_a(NAN, INF, -INF, 1.0),)},
     torch=lambda T, x: x.unfold(0, 2, 2))
rows("Tensor.unfold", lambda x: x.unfold(0, 0, 1), {"size 0": (_a(1.0, 2.0),)},
     torch=lambda T, x: x.unfold(0, 0, 1))
rows("Tensor.unfold", lambda x: x.unfold(0, 1, 1), {"0-d": (np.float64(2.0),)},
     torch=lambda T, x: x.unfold(0, 1, 1))
rows("Tensor.unfold", lambda x: x.unfold(0, 3, 1), {"size past the end": (_a(1.0, 2.0),)},
     raises="unfold: size 3 is not in \\[0, 2\\]")
rows("Tensor.unfold", lambda x: x.unfold(0, 1, 0), {"step 0": (_a(1.0, 2.0),)},
     raises="unfold: step must be positive")

# ---- writes, out of place --------------------------------------------------------------------
_I = np.array([2, 0])
rows("index_fill", lambda x: x.index_fill(1, np.array([-1, 0, 0]), NAN), {
    "nan, negative and repeated indices": (X34,)},
     torch=lambda T, x: x.index_fill(1, T.tensor([-1, 0, 0]), NAN))
rows("index_fill", lambda x, v: x.index_fill(0, _I, v), {"a 0-d tensor value": (
    X34, np.float64(2.5))}, torch=lambda T, x, v: x.index_fill(0, T.tensor(_I), v))
rows("index_fill", lambda x: x.index_fill(0, np.array([], np.int64), 1.0), {"empty index": (X23,)},
     torch=lambda T, x: x.index_fill(0, T.tensor([], dtype=T.long), 1.0))
rows("index_fill", lambda x: x.index_fill(0, np.array([3]), 1.0), {"index out of range": (X34,)},
     raises="index_fill: index 3 is out of bounds for a dim of length 3")
rows("index_copy", lambda x, s: x.index_copy(0, _I, s), {"rows": (X34, X34[:2] * 10)},
     torch=lambda T, x, s: x.index_copy(0, T.tensor(_I), s))
rows("index_copy", lambda x, s: x.index_copy(0, np.array([0]), s), {"0-d": (
    np.float64(1.0), _a(5.0))}, torch=lambda T, x, s: x.index_copy(0, T.tensor([0]), s))
rows("index_copy", lambda x, s: x.index_copy(0, np.array([1, 1]), s), {"repeated index": (
    X34, X34[:2])}, raises="index_copy: the index \\[1, 1\\] names a slice twice")
rows("index_copy", lambda x, s: x.index_copy(0, np.array([-1]), s), {"negative index": (
    X34, X34[:1])}, raises="index_copy: index -1 is out of bounds")
rows("index_copy", lambda x, s: x.index_copy(0, _I, s), {"source of another shape": (
    X34, X23)}, raises="index_copy: source of shape \\(2, 3\\) does not fit")
rows("select_scatter", lambda x, s: x.select_scatter(s, 1, -1), {"last column!": (
    X34, _a(7, 8, 9))},
     torch=lambda T, x, s: x.select_scatter(s, 1, -1))
rows("select_scatter", lambda x, s: x.select_scatter(s, 0, 3), {"index out of range": (
    X34, _a(1, 2, 3, 4))}, raises="select_scatter: index 3 is out of range for dim 0")
rows("select_scatter", lambda x, s: x.select_scatter(s, 0, 0), {"src of another shape": (
    X34, _a(1, 2, 3))}, raises="select_scatter: src of shape \\(3,\\) is not the selected")
rows("slice_scatter", lambda x, s: x.slice_scatter(s, 1, 1, None, 2), {"every other!": (
    X34, X34[:, :2] + 5)}, torch=lambda T, x, s: x.slice_scatter(s, 1, 1, None, 2))
rows("slice_scatter", lambda x, s: x.slice_scatter(s, 0, 5, 9), {"an empty slice": (
    X34, np.zeros((0, 4)))}, torch=lambda T, x, s: x.slice_scatter(s, 0, 5, 9))
rows("slice_scatter", lambda x, s: x.slice_scatter(s, 0, 0, 2, 0), {"step 0": (X34, X34[:2])},
     raises="slice_scatter: step must be positive")
rows("diagonal_scatter", lambda x, s: x.diagonal_scatter(s, 1), {"offset 1!": (
    X34, _a(7, 8, 9))}, torch=lambda T, x, s: x.diagonal_scatter(s, 1))
rows("diagonal_scatter", lambda x, s: x.diagonal_scatter(s, -1, 2, 0), {"batched!": (
    X234, np.ones((3, 2)))}, torch=lambda T, x, s: x.diagonal_scatter(s, -1, 2, 0))
rows("diagonal_scatter", lambda x, s: x.diagonal_scatter(s, 5), {"offset past the matrix": (
    X34, E)}, torch=lambda T, x, s: x.diagonal_scatter(s, 5))
rows("diagonal_scatter", lambda x, s: x.diagonal_scatter(s), {"src of another shape": (
    X34, _a(1, 2))}, raises="diagonal_scatter: src of shape \\(2,\\) is not the diagonal's")
_M = np.array([[True, False, True, False], [False, False, False, True], [True] * 4])
rows("masked_scatter", lambda x, s: x.masked_scatter(_M, s), {"rows!": (X34, np.arange(9.0))},
     torch=lambda T, x, s: x.masked_scatter(T.tensor(_M), s))
rows("masked_scatter", lambda x, s: x.masked_scatter(_M[0], s), {"a broadcast mask": (
    X34, np.arange(6.0))}, torch=lambda T, x, s: x.masked_scatter(T.tensor(_M[0]), s))
rows("masked_scatter", lambda x, s: x.masked_scatter(np.zeros(4, bool), s), {
    "nothing masked, empty source": (X34, E)},
     torch=lambda T, x, s: x.masked_scatter(T.zeros(4, dtype=T.bool), s))
rows("masked_scatter", lambda x, s: x.masked_scatter(_M, s), {"source too short": (X34, _a(1))},
     raises="masked_scatter: the mask has 7 True entries, source only 1 values")
rows("masked_scatter", lambda x, s: x.masked_scatter(_M.astype(int), s), {"an int mask": (
    X34, X34)}, raises="masked_scatter: the mask must be bool")

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

# ---- ldexp, nextafter, frexp, gcd, lcm ----------------------------------------------------------
_E = _a(2.0, -1.0, 0.5, 3.0)
rows("ldexp", lambda x, e: x.ldexp(e), {"inf, nan, 0": (_a(1.5, INF, NAN, 0.0), _E),
                                        "finite!": (_a(1.5, -2.0, 0.25, 3.0), _E)},
     torch=lambda T, x, e: x.ldexp(e))
rows("ldexp", lambda x, e: x.ldexp(e), {"integer exponents": (_a(1.5, -2.0), np.array([3, -1]))},
     numpy=lambda x, e: np.ldexp(x, e), grad=(_a(8.0, 0.5), None),
     note="2 ** other (torch 2.13's integer pow gives 0 for -1)")
rows("ldexp", lambda x, e: x.ldexp(e), {"an integer x: float32": (np.array([3, 1]), _a(1.0, 2.0))},
     numpy=lambda x, e: (x * 2.0 ** e).astype(np.float32), wrt=(1,),
     grad=(None, np.array([6 * np.log(2), 4 * np.log(2)], np.float32)))
rows("nextafter", lambda x, y: x.nextafter(y), {
    "toward, away, equal, inf, nan": (_a(1.0, 1.0, 2.0, INF, NAN, 0.0),
                                      _a(2.0, 0.0, 2.0, 0.0, 1.0, -1.0)), "empty": (E, E)},
     torch=lambda T, x, y: x.nextafter(y))
rows("nextafter", lambda x, y: x.nextafter(y), {"integers": (np.array([1]), np.array([2]))},
     raises="nextafter: expects float tensors of one dtype")
rows("frexp", lambda x: x.frexp().mantissa, {"0, inf, nan, subnormal, powers of 2": (
    _a(0.0, -0.0, INF, -INF, NAN, 5e-320, 1.0, -0.5, 3.0),), "empty": (E,)},
     torch=lambda T, x: x.frexp().mantissa)
rows("frexp", lambda x: Tensor(x.frexp().exponent.data * 1.0), {"exponents": (
    _a(0.0, INF, NAN, 5e-320, 1.0, -0.5, 3.0),)}, wrt=(),
     numpy=lambda x: np.frexp(x)[1] * 1.0)
rows("frexp", lambda x: x.frexp().mantissa, {"integers": (np.array([1, 2]),)},
     raises="frexp: expects a float tensor, got dtype int64")
for _name in ("gcd", "lcm"):
    rows(_name, lambda x, y, n=_name: getattr(x, n)(y), {
        "signs and zeros": (np.array([4, -6, 0, 7, 0]), np.array([6, 4, 0, -3, 5])),
        "empty": (np.zeros(0, np.int64), np.zeros(0, np.int64))},
         numpy=getattr(np, _name), grad=(None, None))
    rows(_name, lambda x, y, n=_name: getattr(x, n)(y), {"bools": (np.array([True]),
                                                                   np.array([True]))},
         raises=f"{_name}: expects integer tensors, got dtype bool")
    rows(_name, lambda x, y, n=_name: getattr(x, n)(y), {"floats": (_a(2.0), _a(4.0))},
         raises=f"{_name}: expects integer tensors, got dtype float64")

# ---- predicates, aliases, bitwise --------------------------------------------------------------
_SPECIAL = {"inf, nan, -0.0": (_a(INF, -INF, NAN, -0.0, 1.0),), "empty": (E,),
            "integers": (np.array([1, -2]),)}
for _name in ("isposinf", "isneginf", "isreal"):
    rows(_name, getattr(Tensor, _name), _SPECIAL, numpy=getattr(np, _name), grad=(None,))
for _name, _np in (("greater", np.greater), ("greater_equal", np.greater_equal),
                   ("less", np.less), ("less_equal", np.less_equal),
                   ("not_equal", np.not_equal)):
    rows(_name, lambda x, y, n=_name: getattr(x, n)(y), {
        "alias: ties and nan": (_a(1.0, NAN, 2.0), _a(1.0, NAN, 3.0))}, numpy=_np,
         grad=(None, None))
for _case, _x in (("zeros, nan, inf", _a(0.0, -0.0, NAN, INF, -2.0)), ("empty", E)):
    rows("sgn", Tensor.sgn, {_case: (_x,)}, numpy=lambda x: np.where(np.isnan(x), 0.0, np.sign(x)),
         grad=(np.zeros_like(_x),), note="torch's: 0 at NaN (torch's gradient: a ZeroTensor)")
rows("positive", Tensor.positive, {"itself": (_a(1.0, NAN),)}, torch=lambda T, x: x.positive())
rows("positive", Tensor.positive, {"bool": (np.array([True]),)},
     raises="positive: not supported on a bool tensor")
_INTS = (np.array([5, -3, 0]), np.array([6, 6, -1]))
for _name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    rows(_name, lambda x, y, n=_name: getattr(x, n)(y), {
        "integers": _INTS, "bools": (np.array([True, False]), np.array([True, True]))},
         numpy=getattr(np, _name), grad=(None, None))
    rows(_name, lambda x, n=_name: getattr(x, n)(255), {"uint8 and an int": (
        np.array([5, 250], np.uint8),)}, numpy=lambda x, n=_name: getattr(np, n)(x, np.uint8(255)),
         grad=(None,))
    rows(_name, lambda x, y, n=_name: getattr(x, n)(y), {"floats": (_a(1.0), _a(2.0))},
         raises=f"{_name}: expects integer or bool tensors, got dtype float64")
rows("bitwise_not", Tensor.bitwise_not, {"integers": (_INTS[0],), "bools": (
    np.array([True, False]),), "uint8": (np.array([0, 255], np.uint8),)}, numpy=np.invert,
     grad=(None,))
rows("bitwise_not", Tensor.bitwise_not, {"floats": (_a(1.0),)},
     raises="bitwise_not: expects integer or bool tensors")


# ---- in-place forms: the op's values written into x (inplace.py's rules) -------------------
def _inplace(method: str, *args: Any, **kwargs: Any) -> Any:
    def call(x: Tensor) -> Tensor:
        getattr(x, method)(*args, **kwargs)
        return x
    return call


_V = _a(0.25, 0.5, 0.75)
# each form's arguments (none for the unary ones); the value is the out-of-place method's
_ARGS: dict[str, tuple[Any, ...]] = {
    **dict.fromkeys(("pow", "fmod", "remainder", "copysign", "xlogy", "heaviside", "multiply",
                     "subtract", "divide", "true_divide", "hypot", "atan2", "arctan2",
                     "logical_and", "logical_or", "logical_xor", "eq", "ne", "lt", "le", "gt",
                     "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
                     "clamp_min", "clamp_max"), (_a(0.5, -0.5, 0.75),)),
    "lerp": (_a(1.0, 2.0, 3.0), 0.25), "addcmul": (_a(1.0, 2.0, 3.0), _V),
    "addcdiv": (_a(1.0, 2.0, 3.0), _V), "round": (1,), "logit": (0.1,),
}
_INT_FORMS = {"gcd": (np.array([4, 6, 9]),), "lcm": (np.array([4, 6, 9]),),
              "bitwise_and": (np.array([5, 3, 1]),), "bitwise_or": (np.array([5, 3, 1]),),
              "bitwise_xor": (np.array([5, 3, 1]),), "bitwise_not": ()}
_ARGS.update({"ldexp": (_a(1.0, -2.0, 3.0),), "nextafter": (_a(0.0, 1.0, 0.5),)})
for _m in INPLACE_FORMS:
    _x0 = np.array([6, -4, 0]) if _m in _INT_FORMS else _V
    _args = tuple(Tensor(a) if isinstance(a, np.ndarray) else a
                  for a in _INT_FORMS.get(_m, _ARGS.get(_m, ())))
    rows(f"{_m}_", _inplace(f"{_m}_", *_args), {"values": (_x0.copy(),)},
         numpy=lambda x, m=_m, a=_args: getattr(Tensor(x), m)(*a).data.astype(x.dtype),
         wrt=(), grad=(None,), numpy_warns=False)
    if _m not in _INT_FORMS:  # (an integer tensor cannot require grad)
        rows(f"{_m}_", _inplace(f"{_m}_", *_args), {"a leaf that requires grad": (_V.copy(),)},
             wrt=(0,), raises=f"Tensor.{_m}_.*a leaf Variable that requires grad")
rows("addcmul_", _inplace("addcmul_", Tensor(_V), Tensor(_V), value=2.0), {
    "value=": (_a(1.0, 1.0, 1.0),)}, numpy=lambda x: x + 2 * _V * _V, wrt=(), grad=(None,))
rows("eq_", _inplace("eq_", 0.5), {"0/1 in x's dtype": (_V.copy(),)},
     numpy=lambda x: (x == 0.5).astype(x.dtype), wrt=(), grad=(None,))
rows("sin_", _inplace("sin_"), {"an integer tensor": (np.array([1, 2]),)},
     raises="Tensor.sin_.*same_kind")
rows("pow_", lambda x, y: _inplace("pow_", y)(x), {"an operand that requires grad": (
    _V.copy(), _V.copy())}, wrt=(1,), raises="Tensor.pow_: the operand requires grad")
rows("lerp_", lambda x, w: _inplace("lerp_", Tensor(_V), w)(x), {
    "a weight that requires grad": (_V.copy(), _V.copy())}, wrt=(1,),
     raises="Tensor.lerp_: the operand requires grad")
rows("pow_", _inplace("pow_", Tensor(np.ones((2, 3)))), {"a result larger than x": (_V.copy(),)},
     wrt=(), raises="Tensor.pow_: the result's shape \\(2, 3\\) is not this tensor's")
rows("cos_", lambda x: (x * 2).cos_(), {"an op's result": (_V.copy(),)}, wrt=(0,),
     raises="Tensor.cos_: in-place on the result of Mul")
rows("float_power_", _inplace("float_power_", 2), {"float64": (_V.copy(),)},
     numpy=lambda x: x ** 2.0, wrt=(), grad=(None,))
rows("float_power_", _inplace("float_power_", 2), {"float32": (_V.astype(np.float32),)},
     raises="Tensor.float_power_: the result is float64, this tensor float32")
rows("swapaxes_", lambda x: (x.swapaxes_(0, 1), x)[1], {"matrix": (X23.copy(),)},
     numpy=lambda x: x.T, wrt=(), grad=(None,))
rows("swapaxes_", lambda x: (x.swapdims_(0, 2), x)[1], {"dim out of range": (X23.copy(),)},
     wrt=(), raises="Tensor.swapaxes_: swapaxes")

# ---- index_put, scatter_reduce and the in-place writes -----------------------------------------
_R, _C = np.array([0, 2, 0]), np.array([1, -1, 1])
rows("index_put", lambda x, v: x.index_put((_R, _C), v, accumulate=True), {
    "accumulate: repeats add up!": (X34, _a(1.0, 2.0, 3.0))},
     torch=lambda T, x, v: x.index_put((T.tensor(_R), T.tensor(_C)), v, accumulate=True))
rows("index_put", lambda x, v: x.index_put((X34 > 1,), v), {"a bool mask, a 0-d value": (
    X34, np.float64(NAN))}, torch=lambda T, x, v: x.index_put((T.tensor(X34 > 1),), v))
rows("index_put", lambda x, v: x.index_put((np.array([1]),), v), {"a row, broadcast!": (
    X34, _a(1.0, 2.0, 3.0, 4.0))}, torch=lambda T, x, v: x.index_put((T.tensor([1]),), v))
rows("index_put", lambda x, v: x.index_put((_R, _C), v), {"a repeated place": (X34, _a(1, 2, 3))},
     raises="index_put: the indices name one position twice")
rows("index_put", lambda x, v: x.index_put((np.array([3]),), v), {"out of range": (
    X34, _a(1.0))}, raises="index_put: index 3 is out of bounds")
rows("index_put", lambda x, v: x.index_put((np.array([0]),), v), {"values too long": (
    X34, _a(1.0, 2.0))}, raises="index_put: values of shape \\(2,\\) do not broadcast")
rows("index_put", lambda x, v: x.index_put(np.array([0]), v), {"indices not a tuple": (
    X34, _a(1.0))}, raises="index_put: indices must be a tuple of index tensors")
rows("put", lambda x, s: x.put(np.array([[0, -1]]), s), {"a 2-D index, negative!": (
    X23, _a(9.0, 8.0))}, torch=lambda T, x, s: x.put(T.tensor([[0, -1]]), s))
rows("put", lambda x, s: x.put(np.array([1, 1]), s, accumulate=True), {"accumulate!": (
    X23, _a(1.0, 2.0))}, torch=lambda T, x, s: x.put(T.tensor([1, 1]), s, accumulate=True))
rows("put", lambda x, s: x.put(np.array(0), s), {"0-d": (np.float64(1.0), np.float64(5.0))},
     torch=lambda T, x, s: x.put(T.tensor(0), s))
rows("put", lambda x, s: x.put(np.array([6]), s), {"out of range": (X23, _a(1.0))},
     raises="^put: index 6 is out of bounds .*\\(a tensor of shape \\(2, 3\\), flattened\\)")
rows("put", lambda x, s: x.put(np.array([0, 1]), s), {"sizes differ": (X23, _a(1.0))},
     raises="put: index and source must have the same number of elements, got 2 and 1")
_SI = np.array([[0, 0, 1], [0, 0, 1]])
for _red in ("sum", "prod", "mean", "amax", "amin"):
    for _inc in (True, False) if _red not in ("amax", "amin") else (True,):  # (and below)
        rows("scatter_reduce", lambda x, s, r=_red, i=_inc: x.scatter_reduce(0, _SI, s, r, i), {
            f"{_red}, include_self={_inc}: ties, zeros!": (np.array([[0.0, 2.0, 3.0],
                                                                    [1.0, 0.0, 1.0]]),
                                                          np.array([[0.0, 5.0, 3.0],
                                                                    [2.0, 0.0, 1.0]]))},
             torch=lambda T, x, s, r=_red, i=_inc: x.scatter_reduce(0, T.tensor(_SI), s, r,
                                                                   include_self=i))
rows("scatter_reduce", lambda x, s: x.scatter_reduce(0, _SI, s, "amax", False), {
    "amax ties without x": (np.array([[3.0, 5.0, 1.0], [1.0, 0.0, 1.0]]),
                            np.array([[3.0, 5.0, 1.0], [2.0, 5.0, 1.0]]))},
     numpy=lambda x, s: np.array([[3.0, 5.0, 1.0], [1.0, 0.0, 1.0]]),
     grad=(np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]),
           np.array([[1.0, 0.5, 0.5], [0.0, 0.5, 0.5]])),
     note="g shared by the src entries reduced (torch 2.13 counts x's own too: 1/3, 1/2)")
rows("scatter_reduce", lambda x, s: x.scatter_reduce(0, _SI, s, "amax"), {"nan": (
    np.array([[NAN, 1.0, 1.0], [1.0, 1.0, 1.0]]), np.array([[1.0, NAN, 1.0], [1.0, 1.0, 1.0]]))},
     numpy=lambda x, s: np.array([[NAN, NAN, 1.0], [1.0, 1.0, 1.0]]),
     grad=(np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1 / 3]]),
           np.array([[0.0, 1.0, 1 / 3], [0.0, 0.0, 1 / 3]])),
     note="the NaNs share g (torch 2.13 gives NaN there)")
rows("scatter_reduce", lambda x, s: x.scatter_reduce(0, _SI, s, "max"), {"reduce max": (X23, X23)},
     raises="scatter_reduce: reduce must be one of sum, prod, mean, amax, amin")
rows("scatter_reduce", lambda x, s: x.scatter_reduce(0, _SI + 1, s, "sum"), {
    "index out of range": (X23, X23)}, raises="scatter_reduce: index 2 is out of bounds")
rows("scatter_reduce", lambda x, s: x.scatter_reduce(0, _SI, s, "mean"), {"int mean": (
    np.array([[1, 2, 3], [4, 5, 6]]), np.array([[1, 2, 3], [4, 5, 6]]))},
     raises="scatter_reduce: reduce='mean' on a int64 tensor is not supported")
for _name, _call, _np in (
        ("index_fill_", _inplace("index_fill_", 1, np.array([0]), -1.0),
         lambda x: np.where(np.arange(3) == 0, -1.0, x)),
        ("index_copy_", _inplace("index_copy_", 0, np.array([1]), Tensor(np.ones((1, 3)))),
         lambda x: np.where(np.arange(2)[:, None] == 1, 1.0, x)),
        ("masked_scatter_", _inplace("masked_scatter_", X23 > 0, Tensor(np.arange(6.0))),
         lambda x: np.where(X23 > 0, np.cumsum(X23 > 0).reshape(2, 3) - 1.0, x)),
        ("index_put_", _inplace("index_put_", (np.array([0, 0]),), Tensor(_a(1, 2, 3)), True),
         lambda x: x + np.array([[3.0], [0.0]]) * np.array([1, 2, 3]) / 3 * 2),
        ("scatter_reduce_", _inplace("scatter_reduce_", 0, _SI, Tensor(np.ones((2, 3))), "sum"),
         lambda x: x + np.array([[2.0, 2.0, 0.0], [0.0, 0.0, 2.0]])),
        ("put_", _inplace("put_", np.array([5]), Tensor(_a(7.0))),
         lambda x: np.where(np.arange(6).reshape(2, 3) == 5, 7.0, x))):
    rows(_name, _call, {"values": (X23.copy(),)}, numpy=_np, wrt=(), grad=(None,))
    rows(_name, _call, {"a leaf that requires grad": (X23.copy(),)}, wrt=(0,),
         raises=f"Tensor.{_name}.*a leaf Variable that requires grad")


# ---- random fills: the draws' range (tests/test_torch_names8.py checks their statistics) -------
def _within(method: str, lo: float, hi: float, *args: Any) -> Any:
    def call(x: Tensor) -> Tensor:
        d = getattr(x, method)(*args).data
        return Tensor(((d >= lo) & (d < hi)).astype(float))
    return call


for _name, _args, _lo, _hi in (("exponential_", (2.0,), 0.0, INF), ("geometric_", (0.3,), 1.0, INF),
                               ("log_normal_", (0.0, 1.0), 0.0, INF),
                               ("cauchy_", (1.0, 2.0), -INF, INF), ("random_", (2, 5), 2.0, 5.0)):
    rows(_name, _within(_name, _lo, _hi, *_args), {"within range": (np.zeros(200),),
                                                   "empty": (E,)},
         numpy=np.ones_like, wrt=(), grad=(None,))
    rows(_name, _inplace(_name, *_args), {"a leaf that requires grad": (np.zeros(2),)},
         wrt=(0,), raises=f"Tensor.{_name}.*a leaf Variable that requires grad")
rows("random_", _within("random_", 0.0, 256.0), {"uint8: all of it": (np.zeros(50, np.uint8),)},
     numpy=np.ones_like, wrt=(), grad=(None,))
rows("random_", _inplace("random_", 300), {"past uint8": (np.zeros(2, np.uint8),)},
     raises="Tensor.random_: \\[0, 300\\) does not fit this tensor's dtype uint8")
rows("random_", _inplace("random_", 3, 3), {"from = to": (np.zeros(2),)},
     raises="Tensor.random_: expects from < to")
rows("exponential_", _inplace("exponential_", 0.0), {"lambd 0": (np.zeros(2),)},
     raises="Tensor.exponential_: lambd must be > 0")
rows("exponential_", _inplace("exponential_"), {"an integer tensor": (np.zeros(2, np.int64),)},
     raises="Tensor.exponential_: this tensor's dtype int64 cannot hold random floats")
rows("geometric_", _inplace("geometric_", 1.0), {"p 1": (np.zeros(2),)},
     raises="Tensor.geometric_: p must be in \\(0, 1\\)")
rows("log_normal_", _inplace("log_normal_", 0.0, 0.0), {"std 0": (np.zeros(2),)},
     raises="Tensor.log_normal_: std must be > 0")
rows("cauchy_", _inplace("cauchy_", 0.0, -1.0), {"negative sigma": (np.zeros(2),)},
     raises="Tensor.cauchy_: sigma must be > 0")

# ---- torch.* small ops (functional/dtypes.py, settings.py, tensor/printing.py) ------------
rows("rsub", lambda x, y: tg.rsub(x, y, alpha=2.0), {
    "inf and nan": (_a(1.0, INF, NAN), _a(2.0, 3.0, 1.0)), "empty": (E, E),
    "0-d with 1-d!": (np.float64(1.5), _a(1.0, -2.0)), "broadcast!": (X23, _a(1.0, 2.0, 3.0))},
     torch=lambda T, x, y: T.rsub(x, y, alpha=2.0))
rows("rsub", lambda x: tg.rsub(x, 5), {"a Python number": (_a(1.0, 2.0),),
                                       "ints": (np.array([1, 2]),)},
     torch=lambda T, x: T.rsub(x, 5))
rows("rsub", lambda x: tg.rsub(x, 1), {"bool": (np.array([True]),)},
     raises="rsub: subtraction with bool tensors is not supported")
rows("row_stack", lambda x, y: tg.row_stack([x, y]), {
    "1-D rows!": (_a(1.0, 2.0), _a(3.0, 4.0)), "nan": (_a(1.0, 2.0), _a(3.0, NAN)),
    "2-D with 1-D": (X23, _a(1.0, 2.0, 3.0)),
    "empty rows": (E2, E2)}, torch=lambda T, x, y: T.row_stack([x, y]))
rows("row_stack", lambda x, y: tg.row_stack([x, y]), {"mismatched": (X23, _a(1.0, 2.0))},
     raises="Concatenate: cannot apply to shapes \\(2, 3\\) and \\(1, 2\\)")
rows("msort", lambda x: x.msort(), {
    "ties": (_a(2.0, 1.0, 2.0),), "nan and inf": (_a(NAN, 1.0, -INF, INF),),
    "0-d": (np.float64(3.0),), "empty": (E2.T,), "2-D columns!": (X34,),
    "ints": (np.array([[3, 1], [2, 5]]),)}, torch=lambda T, x: x.msort())
rows("vdot", lambda x, y: x.vdot(y), {
    "inf and nan": (_a(1.0, INF), _a(NAN, 2.0)), "empty": (E, E), "one each!": (_a(2.0), _a(-3.0)),
    "ints": (np.array([1, 2]), np.array([3, 4]))}, torch=lambda T, x, y: x.vdot(y))
rows("vdot", lambda x, y: x.vdot(y), {"lengths differ": (_a(1.0, 2.0), _a(1.0))},
     raises="vdot: expected both vectors to have the same number of elements, got 2 and 1")
rows("vdot", lambda x, y: x.vdot(y), {"2-D": (X23, X23)},
     raises="vdot: 1D tensors expected, but got 2D and 2D tensors")
rows("vdot", lambda x, y: x.vdot(y), {"dtypes differ": (_a(1.0), np.ones(1, np.float32))},
     raises="vdot: expected both vectors to have same dtype, but found float64 and float32")
rows("vdot", lambda x, y: x.vdot(y), {"bool": (np.array([True]), np.array([True]))},
     raises="vdot: not implemented for bool tensors")
for _name, _dt in (("byte", np.uint8), ("char", np.int8), ("short", np.int16)):
    rows(_name, lambda x, n=_name: getattr(x, n)(), {
        "empty": (E,), "fractions": (_a(0.0, 0.5, 2.9, 100.7),), "bool": (np.array([True, False]),),
        "ints": (np.array([0, 7, 100]),)},
         torch=lambda T, x, n=_name: getattr(x, n)(), grad=(None,),
         note="integer results carry no gradient (torch's)")
for _name, _call in (("conj", lambda x: x.conj()), ("resolve_conj", lambda x: x.resolve_conj()),
                     ("resolve_neg", lambda x: x.resolve_neg()), ("real", lambda x: x.real)):
    rows(_name, _call, {"inf and nan": (_a(INF, NAN, -0.0),), "empty": (E2,),
                        "0-d!": (np.float64(0.5),), "ints": (np.array([1, -2]),)},
         torch=lambda T, x, c=_call: c(x))
for _name, _call in (("adjoint", lambda x: x.adjoint()), ("mH", lambda x: x.mH)):
    rows(_name, _call, {"empty": (E2,), "2x3!": (X23,), "batch!": (X234,),
                        "inf and nan": (np.array([[INF, NAN, -INF]]),)},
         torch=lambda T, x, c=_call: c(x))
    rows(_name, _call, {"1-D": (_a(1.0, 2.0),)},
         raises=re.escape(f"tensor.{'adjoint()' if _name == 'adjoint' else 'mH'} is only "
                          "supported on matrices or batches of matrices. Got 1-D tensor."))
rows("unravel_index", lambda i: _joined(tg.unravel_index(i, (2, 3))), {
    "a few": (np.array([4, 1, 0, 5]),), "0-d": (np.array(5),), "int32": (np.array([3], np.int32),),
    "repeats": (np.array([[2, 2], [0, 1]]),)},
     torch=lambda T, i: _joined(T.unravel_index(i, (2, 3))))
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 3))[0], {"empty": (np.zeros(0, np.int64),)},
     torch=lambda T, i: T.unravel_index(i, (2, 3))[0])
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 3)), {"past the end": (np.array([6]),)},
     raises=re.escape("unravel_index: index 6 is out of bounds for shape (2, 3) (6 entries)"))
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 3)), {"negative": (np.array([-1]),)},
     raises="unravel_index: index -1 is out of bounds")
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 3)), {"floats": (_a(1.0),)},
     raises="unravel_index: expected 'indices' to be integer dtype, but got float64")
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 3)), {"bool": (np.array([True]),)},
     raises="unravel_index: expected 'indices' to be integer dtype, but got bool")
rows("unravel_index", lambda i: tg.unravel_index(i, (2, 0)), {"an empty shape": (np.array([0]),)},
     raises="unravel_index: index 0 is out of bounds for shape \\(2, 0\\)")

# ---- torch's top-level spellings of F's ops (functional/torch_spellings.py) ---------------------
# (the names that are F's function itself have F's rows; these are the wrappers' own signatures)
rows("layer_norm", lambda x: tg.layer_norm(x, (3,), None, None, 1e-5, False), {
    "2x3!": (X23,), "inf and nan": (np.array([[INF, 1.0, 2.0], [NAN, 0.0, 1.0]]),),
    "constant rows": (np.ones((2, 3)),), "empty batch": (np.zeros((0, 3)),)},
     torch=lambda T, x: T.layer_norm(x, (3,), None, None, 1e-5, False))
rows("group_norm", lambda x: tg.group_norm(x, 2, None, None, 1e-5, True), {
    "2 groups!": (X234.reshape(2, 4, 3),), "constant": (np.ones((1, 4, 2)),)},
     torch=lambda T, x: T.group_norm(x, 2, None, None, 1e-5, True))
rows("instance_norm", lambda x: tg.instance_norm(x, None, None, None, None, True, 0.1, 1e-5,
                                                 False),
     {"batch!": (X234,), "constant": (np.ones((1, 2, 3)),)},
     torch=lambda T, x: T.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False))
rows("embedding", lambda w, i: tg.embedding(w, i), {
    "weight first!": (X34, np.array([2, 0, 2])), "0-d index": (X34, np.array(1)),
    "no indices": (X34, np.zeros(0, np.int64))},
     torch=lambda T, w, i: T.embedding(w, i), wrt=(0,))
rows("embedding", lambda w, i: tg.embedding(w, i, 2),
     {"padding row (no gradient)": (X34, np.array([2, 0, 2]))},
     torch=lambda T, w, i: T.embedding(w, i, 2), wrt=(0,))
rows("embedding", lambda w, i: tg.embedding(w, i), {"past the end": (X34, np.array([3]))},
     raises=re.escape("embedding: indices must lie in [0, 3), got 3..3"))
rows("embedding", lambda w, i: tg.embedding(w, i, -3), {"padding_idx -3": (X34, np.array([0]))},
     raises="embedding: padding_idx must be -1 \\(none\\) or a row index >= 0")
for _r in (0, 1, 2):
    rows("kl_div", lambda x, y, r=_r: tg.kl_div(x, y, r), {
        "2x3!": (X23, np.abs(X23) + 0.1), "zero target": (X23, np.zeros((2, 3))),
        "empty": (E, E)},
         torch=lambda T, x, y, r=_r: T.kl_div(x, y, r))
    rows("hinge_embedding_loss", lambda x, y, r=_r: tg.hinge_embedding_loss(x, y, 1.0, r), {
        "2x3!": (X23, np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])),
        "inf": (_a(INF, -INF), _a(-1.0, 1.0))},
         torch=lambda T, x, y, r=_r: T.hinge_embedding_loss(x, y, 1.0, r), wrt=(0,))
    rows("binary_cross_entropy_with_logits",
         lambda x, y, r=_r: tg.binary_cross_entropy_with_logits(x, y, None, None, r),
         {"2x3!": (X23, np.full((2, 3), 0.25)), "large logits": (_a(800.0, -800.0), _a(1.0, 0.0))},
         torch=lambda T, x, y, r=_r: T.binary_cross_entropy_with_logits(x, y, None, None, r))
rows("kl_div", lambda x, y: tg.kl_div(x, y, "mean"), {"a string reduction": (X23, X23)},
     raises="kl_div: reduction must be an int 0 \\(none\\), 1 \\(mean\\) or 2 \\(sum\\)")
rows("margin_ranking_loss", lambda x, y, t: tg.margin_ranking_loss(x, y, t), {
    "default none!": (_a(1.0, 2.0, 0.5), _a(0.3, 2.5, 0.9), _a(1.0, -1.0, 1.0))},
     torch=lambda T, x, y, t: T.margin_ranking_loss(x, y, t), wrt=(0, 1))
rows("poisson_nll_loss", lambda x, y: tg.poisson_nll_loss(x, y, True, True, 1e-8, 1), {
    "full!": (X23, np.array([[0.0, 1.0, 2.0], [3.0, 0.5, 1.0]]))},
     torch=lambda T, x, y: T.poisson_nll_loss(x, y, True, True, 1e-8, 1), wrt=(0,))
rows("dropout", lambda x: tg.dropout(x, 0.5, False), {"not training!": (X23,), "empty": (E2,)},
     torch=lambda T, x: T.dropout(x, 0.5, False))
rows("dropout", lambda x: tg.dropout(x, 0.5, 1), {"train an int": (X23,)},
     raises="dropout: train must be a bool")
rows("trapz", lambda y: tg.trapz(y), {"2x3!": (X23,), "inf and nan": (_a(1.0, INF, NAN),)},
     torch=lambda T, y: T.trapz(y))
rows("trapz", lambda y, x: tg.trapz(y, x), {"sample points!": (_a(1.0, 2.0, 4.0),
                                                               _a(0.0, 0.5, 2.0))},
     torch=lambda T, y, x: T.trapz(y, x))
rows("hardshrink", lambda x: x.hardshrink(0.5), {
    "at +-lambd": (_a(-0.5, 0.5, 0.0),), "away from it!": (_a(-1.0, 0.2, 0.9),),
    "inf": (_a(INF, -INF),), "empty": (E,)}, torch=lambda T, x: x.hardshrink(0.5))
