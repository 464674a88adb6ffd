"""Op-table rows of elementwise math (ops/elementwise.py, unary.py; tensor/elementwise.py): exp,
log, the trigonometric and hyperbolic functions, erf, rounding (floor, ceil, round, trunc,
frac), xlogy, logit, copysign, heaviside, signbit, sinc, nan_to_num, clip and the clamps, lerp."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import ops
from .refs import case, erf_ref, erfc_ref
from .spec import (
    BIN,
    CMP,
    INTEGERS,
    KINK0,
    MATH,
    NONZERO,
    POSITIVE,
    REAL,
    UNIT,
    Cases,
    Domain,
    Elementwise,
    OpInfo,
)
from .spec import binary as _binary
from .spec import unary as _unary

_FLOORING = Domain(avoid=INTEGERS)
_ROUNDING = Domain(avoid=tuple(k + 0.5 for k in INTEGERS))


ROWS: tuple[OpInfo, ...] = (
    # ---- elementwise math ---------------------------------------------------------------------
    _unary("exp", ops.Exp, np.exp, "e^x", ("exp",)),
    _unary("log", ops.Log, np.log, "natural log", ("log",), POSITIVE, grad="needs x > 0"),
    _unary("sqrt", ops.Sqrt, np.sqrt, "square root", ("sqrt",), POSITIVE, grad="needs x > 0"),
    _unary("sin", ops.Sin, np.sin, "sine", ("sin",)),
    _unary("cos", ops.Cos, np.cos, "cosine", ("cos",)),
    _unary("tan", ops.Tan, np.tan, "tangent", ("tan",), Domain(-1.2, 1.2)),
    _unary("arcsin", ops.Arcsin, np.arcsin, "inverse sine", ("asin", "arcsin"), UNIT,
           methods=("arcsin", "asin"), grad="needs |x| < 1"),
    _unary("arccos", ops.Arccos, np.arccos, "inverse cosine", ("acos", "arccos"), UNIT,
           methods=("arccos", "acos"), grad="needs |x| < 1"),
    _unary("arctan", ops.Arctan, np.arctan, "inverse tangent", ("atan", "arctan"),
           methods=("arctan", "atan")),
    _unary("sinh", ops.Sinh, np.sinh, "hyperbolic sine", ("sinh",)),
    _unary("cosh", ops.Cosh, np.cosh, "hyperbolic cosine", ("cosh",)),
    _unary("tanh", ops.Tanh, np.tanh, "hyperbolic tangent", ("tanh",), F=("tanh",),
           function=F.tanh),
    _unary("arcsinh", ops.Arcsinh, np.arcsinh, "inverse hyperbolic sine", ("asinh", "arcsinh"),
           methods=("arcsinh", "asinh")),
    _unary("arccosh", ops.Arccosh, np.arccosh, "inverse hyperbolic cosine",
           ("acosh", "arccosh"), Domain(1.2, 4.0), methods=("arccosh", "acosh"),
           grad="needs x > 1"),
    _unary("arctanh", ops.Arctanh, np.arctanh, "inverse hyperbolic tangent",
           ("atanh", "arctanh"), UNIT, methods=("arctanh", "atanh"), grad="needs |x| < 1"),
    _unary("log1p", ops.Log1p, np.log1p, "log(1 + x), exact for tiny x", ("log1p",),
           Domain(-0.8, 3.0), grad="needs x > -1"),
    _unary("expm1", ops.Expm1, np.expm1, "e^x - 1, exact for tiny x", ("expm1",)),
    _unary("erf", ops.Erf, erf_ref, "the error function 2/sqrt(pi) int_0^x e^(-t^2) dt "
           "(NumPy has none: computed here to float64 round-off, fdlibm's method)", ("erf",),
           Domain(-4.0, 4.0), numpy=(), grad="2/sqrt(pi) e^(-x^2)"),
    _unary("erfc", ops.Erfc, erfc_ref, "1 - erf(x) without the cancellation (erfc(10) = "
           "2.1e-45, not 0)", ("erfc",), Domain(-4.0, 4.0), numpy=(),
           grad="-2/sqrt(pi) e^(-x^2)"),
    _unary("log2", ops.Log2, np.log2, "base-2 log", ("log2",), POSITIVE, grad="needs x > 0"),
    _unary("log10", ops.Log10, np.log10, "base-10 log", ("log10",), POSITIVE,
           grad="needs x > 0"),
    _unary("exp2", ops.Exp2, np.exp2, "2^x", ("exp2",)),
    _unary("square", ops.Square, np.square, "x * x", ("square",)),
    _unary("rsqrt", "reciprocal of sqrt", lambda a: 1 / np.sqrt(a), "1 / sqrt(x) (PyTorch's)",
           ("rsqrt",), POSITIVE, numpy=(), grad="needs x > 0"),
    _unary("reciprocal", ops.Reciprocal, np.reciprocal, "1 / x", ("reciprocal",), NONZERO,
           grad="needs x != 0"),
    _unary("sign", ops.Sign, np.sign, "-1, 0 or 1", ("sign",), KINK0,
           grad="**zero** everywhere (as PyTorch, also at the jump)"),
    _unary("floor", ops.Floor, np.floor, "round down", ("floor",), _FLOORING,
           grad="**zero** everywhere"),
    _unary("ceil", ops.Ceil, np.ceil, "round up", ("ceil",), _FLOORING,
           grad="**zero** everywhere"),
    _unary("round", ops.Round, np.round, "round half to even", ("round",), _ROUNDING,
           numpy=("round", "around"), grad="**zero** everywhere"),
    _unary("trunc", ops.Trunc, np.trunc, "round toward zero", ("trunc", "fix"), _FLOORING,
           numpy=("trunc", "fix"), methods=("trunc", "fix"), grad="**zero** everywhere"),
    _unary("frac", "sub of trunc", lambda a: a - np.trunc(a), "x - trunc(x): the fractional "
           "part, with x's sign (PyTorch's)", ("frac",), _FLOORING, numpy=(),
           grad="1 (the value jumps at the integers)"),
    _binary("xlogy", ops.XLogY, lambda x, y: np.where(x == 0, 0.0, x * np.log(y)),
            "x log y, 0 where x = 0 (unless y is NaN)", ("xlogy",), (KINK0, POSITIVE),
            group=MATH, numpy=(), grad="d/dx = log y (0 where x = 0), d/dy = x / y"),
    _unary("logit", ops.Logit, lambda a: np.log(a / (1 - a)), "log(x / (1 - x)); "
           "eps= clamps x to [eps, 1 - eps] first", ("logit",), Domain(0.05, 0.95), numpy=(),
           grad="1 / (x (1 - x)); 0 outside [eps, 1 - eps]"),
    _binary("copysign", ops.CopySign, np.copysign, "|x| with the sign (bit) of y",
            ("copysign",), (KINK0, NONZERO), group=MATH,
            grad="d/dx = +-1 (0 at x = 0, torch's); none to y"),
    _binary("heaviside", ops.Heaviside, np.heaviside, "0 below 0, values at 0, 1 above",
            ("heaviside",), (KINK0, REAL), group=MATH,
            grad="**zero** everywhere (torch's backward raises)",
            differs="a NaN x gives 0 (torch's); np.heaviside gives NaN"),
    OpInfo("signbit", "NumPy's signbit (no graph)", "is the sign bit set (-0.0 too)", CMP,
           methods=("signbit",), numpy=("signbit",), torch=("signbit",), ref=np.signbit,
           sample=Elementwise(), no_grad="a constant bool tensor", float32=False),
    _unary("sinc", ops.Sinc, np.sinc, "sin(pi x) / (pi x), 1 at 0 (normalized, as NumPy and "
           "PyTorch), pi x never rounded: 0 at the integers", ("sinc",),
           grad="a series near 0, where the formula cancels"),
    _unary("deg2rad", "mul by pi/180", np.deg2rad, "degrees to radians", ("deg2rad",),
           numpy=("deg2rad", "radians")),
    _unary("rad2deg", "mul by 180/pi", np.rad2deg, "radians to degrees", ("rad2deg",),
           numpy=("rad2deg", "degrees")),
    _unary("nan_to_num", ops.NanToNum, np.nan_to_num, "NaN -> nan, ±inf -> posinf/neginf "
           "(default 0 and the dtype's extremes)", ("nan_to_num",),
           grad="1 where x is finite, 0 where it was replaced"),
    OpInfo("clip", ops.Clip, "x limited to [lo, hi] (either may be None)", MATH,
           methods=("clip",), numpy=("clip",), torch=("clip",),
           ref=lambda a, lo=None, hi=None: np.clip(a, lo, hi),
           sample=Cases((case((2, 3), domain=Domain(avoid=(-1.0, 1.0)), lo=-1.0, hi=1.0),
                         case((4,), domain=Domain(avoid=(0.5,)), lo=None, hi=0.5),
                         case((3, 1), domain=Domain(avoid=(-0.5,)), lo=-0.5, hi=None))),
           grad="0 outside [lo, hi], 1 on the bounds; NumPy's a_min=/a_max= and min=/max= "
           "spell lo/hi too"),
    OpInfo("clamp", (ops.Clip, ops.ClipBounds), "PyTorch's clip: x.clamp(min=None, max=None)"
           " (a tensor bound that requires grad: ClipBounds, torch's gradient to it)", MATH,
           methods=("clamp",), torch=("clamp",), ref=lambda a, min=None, max=None: np.clip(
               a, min, max), sample=Cases((case((2, 3), domain=Domain(avoid=(0.0,)), min=0.0),
                                           case((3,), domain=Domain(avoid=(-1.0, 1.0)),
                                              min=-1.0, max=1.0))),
           grad="as clip"),
    OpInfo("clamp_min", ops.Clip, "PyTorch's x.clamp_min(min): x.clamp(min=min)", MATH,
           methods=("clamp_min",), torch=("clamp_min",),
           ref=lambda a, min: np.maximum(a, min),
           sample=Cases((case((2, 3), domain=Domain(avoid=(0.0,)), min=0.0),)), grad="as clip"),
    OpInfo("clamp_max", ops.Clip, "PyTorch's x.clamp_max(max): x.clamp(max=max)", MATH,
           methods=("clamp_max",), torch=("clamp_max",),
           ref=lambda a, max: np.minimum(a, max),
           sample=Cases((case((3,), domain=Domain(avoid=(0.5,)), max=0.5),)), grad="as clip"),
    OpInfo("lerp", "add, sub and mul", "PyTorch's lerp(x, end, weight) = x + weight (end - x),"
           " weight a number or a tensor", BIN, methods=("lerp",), torch=("lerp",), tensors=2,
           ref=lambda a, b, weight: a + weight * (b - a),
           sample=Cases((case((2, 3), (2, 3), weight=0.3), case((3,), (2, 3), weight=0.75),
                         case((2, 1), (3,), weight=-1.5))),
           grad="1 - weight, weight; a tensor weight gets end - x"),
)
