"""Edge rows of elementwise functions: the unary functions (exp, log, ..., erf, silu; +-inf, NaN
and out-of-domain values), gelu's approximations, clip, where, the comparisons, isclose /
allclose, isnan / isinf / isfinite, any / all, arcsinh ... nan_to_num, clamp, clone; ldexp,
nextafter, frexp, gcd, lcm, the predicates (isposinf, isneginf, isreal), the comparison aliases,
sgn, positive, the bitwise ops and shifts, rsub, angle, igamma / igammac, hardshrink /
softshrink, the comparison methods (x.lt(y), ...), the logical ops, trunc / frac / fmod, xlogy,
logit, copysign, signbit, float_power, floor_divide, div's rounding modes, heaviside, isin. `T`
in a `torch=` lambda is the torch module; where a row has no `numpy=`, PyTorch's value is the
reference."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.optable.refs import erf_ref, erfc_ref

from .edge_table import E2, INF, NAN, E, rows
from .edge_table import a64 as _a

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3


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
):
    rows(_name, _call, {
        "empty": (E2,), "one element!": (_a(0.7),), "+inf": (_a(INF),), "-inf": (_a(-INF),),
        "nan": (_a(NAN),), **{k: (v,) for k, v in _extra.items()},
    }, numpy=_np, numpy_warns=_np not in (np.copy,) and _name not in ("clamp", "clamp_min",
                                                                     "clamp_max", "sinc"),
        torch=_torch)  # (sinc: sin(pi x) reduced exactly, no sin(inf) warning, NaN still)


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
     raises="nextafter: expects float tensors")
rows("nextafter", lambda x, y: x.nextafter(y), {
    "float64 toward float32: float64": (_a(1.0, 2.0), np.array([2.0, 1.0], np.float32))},
     torch=lambda T, x, y: x.nextafter(y), note="promoted, as torch's (it was refused)")
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

# ---- rsub, angle -----------------------------------------------------------------------------
rows("rsub", lambda x, y: tg.rsub(x, y, alpha=2.0), {
    "inf and nan": (_a(1.0, INF, NAN), _a(2.0, 3.0, 1.0)), "empty": (E, E),
    "0-d with 1-d!": (np.float64(1.5), _a(1.0, -2.0)), "broadcast!": (X23, _a(1.0, 2.0, 3.0))},
     torch=lambda T, x, y: T.rsub(x, y, alpha=2.0))
rows("rsub", lambda x: tg.rsub(x, 5), {"a Python number": (_a(1.0, 2.0),),
                                       "ints": (np.array([1, 2]),)},
     torch=lambda T, x: T.rsub(x, 5))
rows("rsub", lambda x: tg.rsub(x, 1), {"bool": (np.array([True]),)},
     raises=r"rsub: subtraction \(-\) with a bool operand is not supported")

rows("angle", tg.angle, {"signs, nan, inf, -0.0": (_a(-1.0, 0.0, 2.0, NAN, -0.0, INF, -INF),),
                         "empty": (E,), "0-d": (np.float64(-2.0),)},
     torch=lambda T, x: T.angle(x))
rows("angle", tg.angle, {"ints: float32": (np.array([-3, 0, 4]),)},
     numpy=lambda a: np.where(a < 0, np.pi, 0.0).astype(np.float32))

# ---- the shifts (torch 2.13's values, written out) ---------------------------------------------
_I8, _S8 = np.array([-5, 5, -128, 100], np.int8), np.array([1, -1, 8, 2], np.int8)
rows("bitwise_left_shift", tg.bitwise_left_shift, {"int8: wrap, < 0, >= 8": (_I8, _S8)},
     numpy=lambda a, b: np.array([-10, 0, 0, -112], np.int8))
rows("bitwise_right_shift", tg.bitwise_right_shift, {"int8: sign fill": (_I8, _S8)},
     numpy=lambda a, b: np.array([-3, 0, -1, 25], np.int8))
_U8, _T8 = np.array([250, 5, 128, 1], np.uint8), np.array([7, 200, 8, 1], np.uint8)
rows("bitwise_left_shift", tg.bitwise_left_shift, {"uint8": (_U8, _T8)},
     numpy=lambda a, b: np.array([0, 0, 0, 2], np.uint8))
rows("bitwise_right_shift", tg.bitwise_right_shift, {"uint8": (_U8, _T8)},
     numpy=lambda a, b: np.array([1, 0, 0, 0], np.uint8))
rows("bitwise_left_shift", lambda x: x.bitwise_left_shift(63), {"int64 by 63": (
    np.array([1, 2, 0]),)}, numpy=lambda a: np.array([-2 ** 63, 0, 0]))
rows("bitwise_right_shift", lambda x: x >> 64, {"int64 by 64": (np.array([-7, 7]),)},
     numpy=lambda a: np.array([-1, 0]))
rows("bitwise_left_shift", lambda x: x << 1, {"empty": (np.zeros(0, np.int32),)},
     numpy=lambda a: a)
rows("bitwise_left_shift", lambda x: x.bitwise_left_shift(1), {"float": (_a(1.0),)},
     raises="bitwise_left_shift: expects integer tensors, got dtype float64")
rows("bitwise_right_shift", lambda x, y: x.bitwise_right_shift(y), {"two bools": (
    np.array([True]), np.array([False]))},
     raises="bitwise_right_shift: expects integer tensors, got dtype bool")
rows("bitwise_left_shift", lambda x: x << 2, {"bool and an int: int64": (
    np.array([True, False]),)}, numpy=lambda a: np.array([4, 0]))

# ---- igamma, igammac ----------------------------------------------------------------------------
_A = _a(0.0, 0.0, 1.0, 2.0, -1.0, INF, NAN, 0.5, 3.0, 0.001, 12.0)
_XS = _a(0.0, 1.0, INF, 0.0, 1.0, 1.0, 1.0, 0.0, 2.5, 0.001, 30.0)
for _name in ("igamma", "igammac"):
    rows(_name, lambda a, x, n=_name: getattr(tg, n)(a, x), {
        "special values": (_A, _XS), "empty": (E, E)}, wrt=(1,),
         torch=lambda T, a, x, n=_name: getattr(T, n)(a, x))
    rows(_name, lambda a, x, n=_name: getattr(a, n)(x), {"broadcast!": (
        _a(1.5, 4.0), np.array([[0.5], [2.0], [7.0]]))}, wrt=(1,),
         torch=lambda T, a, x, n=_name: getattr(a, n)(x))
    rows(_name, lambda a, x, n=_name: getattr(a, n)(x), {"a requires grad": (_a(1.0),
                                                                               _a(2.0))},
         raises=f"{_name}: the derivative for 'self' \\(a\\) is not implemented")
    rows(_name, lambda a, x, n=_name: getattr(a, n)(x), {"ints": (np.array([1]),
                                                                   np.array([2]))},
         raises=f"{_name}: expects float tensors")

_NOTE = "compared with torch (NumPy has none)"

# ---- hardshrink, softshrink ---------------------------------------------------------------------
_SHRINK = {"on the bounds and inside": (_a(-0.5, 0.5, 0.0, -0.2, 0.3),),
           "outside!": (_a(-2.0, 0.7, 1.5, -0.6),), "inf and nan": (_a(INF, -INF, NAN),),
           "empty": (E,), "0-d": (np.float64(-0.75),)}
for _name in ("hardshrink", "softshrink"):
    rows(_name, getattr(F, _name), _SHRINK,
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x), note=_NOTE)
    rows(_name, lambda x, n=_name: getattr(F, n)(x, 1.0), {"lambd 1, on the bounds": (
        _a(1.0, -1.0, 1.5, -0.25),)},
        torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 1.0), note=_NOTE)
    rows(_name, lambda x, n=_name: getattr(F, n)(x, "a"), {"a string lambd": (_a(1.0),)},
         raises=f"{_name}: lambd must be a number")
rows("softshrink", lambda x: F.softshrink(x, -1.0), {"negative lambd": (_a(1.0),)},
     raises="softshrink: lambd must be >= 0")
rows("hardshrink", lambda x: F.hardshrink(x, 0.0), {"lambd 0: kink at 0": (_a(0.0, -1.0),)},
     torch=lambda T, x: T.nn.functional.hardshrink(x, 0.0), note=_NOTE)

# ---- the comparison methods (x.eq(y): the operators' rows cover their values) -------------------
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    rows(_name, lambda x, y, n=_name: getattr(x, n)(y), {
        "method: ties and nan": (_a(1.0, NAN, 2.0), _a(1.0, NAN, 3.0)), "method: empty": (E, E)},
         numpy=lambda x, y, n=_name: getattr(x, f"__{n}__")(y),
         torch=None, grad=(None, None))
    rows(_name, lambda x, n=_name: getattr(x, n)(1.0), {"method: a number": (_a(1.0, 2.0),)},
         numpy=lambda x, n=_name: getattr(x, f"__{n}__")(1.0), grad=(None,))

# ---- logical ops: constant bool tensors -------------------------------------------------------
for _name in ("logical_and", "logical_or", "logical_xor"):
    rows(_name, getattr(tg, _name), {
        "empty": (E, E), "nan is true, -0.0 false": (_a(NAN, -0.0, 1.0, 0.0),
                                                     _a(1.0, 1.0, INF, 0.0)),
        "broadcast": (X23, _a(0.0, 1.0, 0.0))},
         numpy=getattr(np, _name), torch=None, grad=(None, None))
rows("logical_not", tg.logical_not, {"empty": (E,), "nan is true, -0.0 false":
                                     (_a(NAN, -0.0, 1.0, 0.0, INF),)},
     numpy=np.logical_not, grad=(None,))

# ---- trunc, frac, fmod ------------------------------------------------------------------------
_ROUNDING = {"empty": (E2,), "scalar!": (np.float64(0.3),), "one element!": (_a(0.7),),
             "+inf": (_a(INF),), "-inf": (_a(-INF),), "nan": (_a(NAN),),
             "integers": (_a(1.0, -2.0, 0.0),), "toward zero": (_a(-0.5, -1.7, 1.7),)}
rows("trunc", tg.trunc, _ROUNDING, numpy=np.trunc, torch=lambda T, x: T.trunc(x))
rows("trunc", lambda x: x.fix(), {"fix": (_a(-1.5, 2.5),)}, numpy=np.fix,
     torch=lambda T, x: T.fix(x))
rows("frac", tg.frac, _ROUNDING, numpy=lambda x: x - np.trunc(x),
     torch=lambda T, x: T.frac(x))
rows("fmod", tg.fmod, {
    "empty": (E, E), "one element!": (_a(0.7), _a(1.3)), "broadcast!": (_a(0.3, 1.2, 2.1),
                                                                         _a(1.7)),
    "negative dividend: x's sign!": (_a(-5.5, 5.5), _a(2.0, -2.0)),
    "+inf": (_a(INF), _a(2.0)), "by +inf": (_a(1.5), _a(INF)), "nan": (_a(NAN), _a(2.0)),
    "by zero": (_a(1.0), _a(0.0))}, numpy=np.fmod, torch=lambda T, x, y: T.fmod(x, y))
rows("fmod", lambda x: x.fmod(2), {"a number!": (_a(-5.5, 3.25),)},
     numpy=lambda x: np.fmod(x, 2.0), torch=lambda T, x: T.fmod(x, 2))

# ---- xlogy, logit, copysign, signbit, float_power --------------------------------------------
rows("xlogy", tg.xlogy, {
    "x = 0: 0, whatever y": (_a(0.0, 0.0, 0.0, 0.0), _a(0.0, 2.0, INF, -1.0)),
    "y nan": (_a(0.0, 1.0), _a(NAN, NAN)), "y = 0": (_a(2.0), _a(0.0)),
    "y < 0": (_a(2.0), _a(-1.0)), "spread!": (_a(0.5, -1.5), _a(0.3, 2.0)), "empty": (E, E)},
     numpy=lambda x, y: np.where((x == 0) & ~np.isnan(y), 0.0, x * np.log(y)),
     numpy_warns=False, torch=lambda T, x, y: T.xlogy(x, y))
rows("xlogy", lambda x: x.xlogy(2.0), {"a number!": (_a(0.0, 1.5),)},
     numpy=lambda x: x * np.log(2.0), torch=lambda T, x: T.xlogy(x, 2.0))
rows("logit", tg.logit, {
    "0 and 1": (_a(0.0, 1.0),), "outside [0, 1]": (_a(-0.5, 1.5),), "nan": (_a(NAN),),
    "spread!": (_a(0.1, 0.5, 0.8),), "empty": (E,)},
     numpy=lambda x: np.log(x / (1 - x)), torch=lambda T, x: T.logit(x))
rows("logit", lambda x: x.logit(eps=0.1), {
    "eps clamps, the bounds included": (_a(0.0, 0.1, 0.5, 0.9, 1.0, -3.0),)},
     numpy=lambda x: np.log(np.clip(x, 0.1, 0.9) / (1 - np.clip(x, 0.1, 0.9))),
     torch=lambda T, x: T.logit(x, eps=0.1))
rows("copysign", tg.copysign, {
    "signed zeros": (_a(1.0, -2.0, 0.0, -0.0), _a(-0.0, 0.0, -1.0, 1.0)),
    "nan and inf": (_a(NAN, INF, 2.0), _a(-1.0, -1.0, -INF)), "spread!": (_a(0.5, -1.5),
                                                                          _a(-2.0, 3.0)),
    "empty": (E, E)}, numpy=np.copysign, torch=lambda T, x, y: T.copysign(x, y))
rows("signbit", tg.signbit, {"signed zeros, nan, inf": (_a(-0.0, 0.0, NAN, -INF, -1.0),),
                             "empty": (E,)}, numpy=np.signbit, grad=(None,))
rows("float_power", tg.float_power, {
    "float32 in, float64 out!": (np.array([1.5, 2.0], np.float32), np.array([2.5], np.float32)),
    "zero base": (_a(0.0, 0.0), _a(2.0, 0.0)), "out of domain": (_a(-2.0), _a(0.5)),
    "empty": (E, E)}, numpy=np.float_power, torch=lambda T, x, y: T.float_power(x, y))

# ---- floor_divide, div's rounding modes, heaviside, isin -------------------------------------
_STEP = "gradient 0, floor's rule (torch's backward of floor_divide and heaviside raises)"
for _case, _x, _y in (("by zero", _a(5.0, -5.0, 0.0), _a(0.0, 0.0, 0.0)),
                      ("signs: Python's //", _a(7.5, -7.5, 7.5), _a(2.0, 2.0, -2.0)),
                      ("1 // 0.1", _a(1.0), _a(0.1)),
                      ("nan and inf", _a(NAN, INF, 1.0), _a(2.0, 2.0, INF)), ("empty", E, E)):
    rows("floor_divide", lambda x, y: x // y, {_case: (_x, _y)}, numpy=np.floor_divide,
         grad=(np.zeros_like(_x), np.zeros_like(_y)), note=_STEP)
rows("floor_divide", lambda x: 10 // x, {"reflected": (_a(3.0, -4.0),)},
     numpy=lambda x: 10 // x, grad=(_a(0.0, 0.0),), note=_STEP)
# div(rounding_mode=): torch's values; a zero gradient, torch's own (not floor_divide's raise)
for _mode, _ref in (("trunc", lambda x, y: np.trunc(np.true_divide(x, y))),
                    ("floor", np.floor_divide)):
    for _case, _x, _y in (("by zero", _a(5.0, -5.0, 0.0), _a(0.0, 0.0, 0.0)),
                          ("signs", _a(7.5, -7.5, 7.5, -0.0), _a(2.0, 2.0, -2.0, 3.0)),
                          ("nan and inf", _a(NAN, INF, 1.0, 5.0), _a(2.0, 2.0, INF, -INF)),
                          ("empty", E, E)):
        rows("div", lambda x, y, m=_mode: x.div(y, rounding_mode=m),
             {f"rounding_mode={_mode}: {_case}": (_x, _y)}, numpy=_ref,
             torch=lambda T, x, y, m=_mode: T.div(x, y, rounding_mode=m))
    rows("div", lambda x, y, m=_mode: tg.div(x, y, rounding_mode=m),
         {f"rounding_mode={_mode}: int64 past 2**53": (np.array([2**62 + 1, -(2**53) - 1]),
                                                       np.array([3, 2]))},
         numpy=_ref if _mode == "floor" else lambda x, y: np.array([(2**62 + 1) // 3,
                                                                   -(2**52)]),
         grad=(None, None))
    rows("div", lambda x, y, m=_mode: x.div(y, rounding_mode=m),
         {f"rounding_mode={_mode}: integer by zero": (np.array([7, -7]), np.array([1, 0]))},
         raises="integer division by zero")
for _case, _x, _y in (("at 0: values", _a(-1.0, 0.0, -0.0, 2.0), _a(0.5, 0.5, 0.25, 0.5)),
                      ("nan: 0, torch's", _a(NAN), _a(0.5)), ("empty", E, E)):
    rows("heaviside", tg.heaviside, {_case: (_x, _y)},
         numpy=lambda x, v: np.where(x == 0, v, x > 0).astype(float), numpy_warns=False,
         grad=(np.zeros_like(_x), np.zeros_like(_y)), note=_STEP)
rows("isin", tg.isin, {"nan is in nothing, -0.0 is 0": (_a(NAN, -0.0, 1.0, 2.0),
                                                          _a(NAN, 0.0, 2.0)),
                       "empty": (E, _a(1.0)), "nothing to test": (_a(1.0), E)},
     numpy=np.isin, grad=(None, None))
