"""The op table's rows: every public op of tinygrad_dl, once. See tinygrad_dl.optable."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import numpy as np

from .. import functional as F
from .. import ops
from ..functional import method_function
from ..tensor import Tensor
from . import (
    rows_3d,
    rows_attention,
    rows_bitwise,
    rows_casts,
    rows_constructors,
    rows_elementwise,
    rows_gathering,
    rows_inplace,
    rows_linalg,
    rows_pooling,
    rows_reductions,
    rows_shape,
    rows_special,
    rows_splits,
)
from .refs import (
    EINSUMS,
    SUBLISTS,
    bce_prob_ref,
    bce_ref,
    block_diag_ref,
    bn_call,
    bn_ref,
    case,
    ce_call,
    ce_ref,
    conv_transpose_ref,
    cosine_similarity_ref,
    diag_embed_ref,
    dropout_call,
    einsum_call,
    einsum_ref,
    erf_ref,
    erfc_ref,
    fold_ref,
    gelu_ref,
    glu_ref,
    histc_ref,
    huber_call,
    huber_ref,
    index_add_ref,
    interpolate_ref,
    joined,
    kl_div_ref,
    kthvalue_ref,
    l1_call,
    l1_ref,
    layer_norm_call,
    layer_norm_ref,
    listed,
    log_softmax_ref,
    median_ref,
    mse_ref,
    narrow_ref,
    nll_call,
    nll_ref,
    normalize_ref,
    pairwise_distance_call,
    pairwise_distance_ref,
    pixel_shuffle_ref,
    pixel_unshuffle_ref,
    prelu_ref,
    quantile_ref,
    ref_joined,
    rnn_ref,
    scatter_ref,
    sdpa_call,
    sdpa_ref,
    sigmoid_ref,
    smooth_l1_call,
    smooth_l1_ref,
    softmax_ref,
    unfold_ref,
    unique_consecutive_ref,
)
from .rows_ctc import ROWS as CTC_ROWS
from .spec import (
    DISTINCT,
    INTEGERS,
    KINK0,
    NONZERO,
    POSITIVE,
    REAL,
    SPREAD,
    UNIT,
    Case,
    Cases,
    Domain,
    Drawn,
    Elementwise,
    OpInfo,
    Reduction,
)

# ---- the table --------------------------------------------------------------------------------
ARITH, MATH, ACT, BIN, RED, SORT, LINALG, SHAPE, JOIN, NN, CMP, COPY, INPLACE, NEW = (
    "Arithmetic", "Elementwise math", "Activations", "Binary elementwise", "Reductions",
    "Sorting and gathering", "Linear algebra", "Shape", "Joining and splitting",
    "Neural-network functions", "Comparisons", "Copies and casts", "In place (no graph)",
    "Constructors")


def _unary(name: str, impl: Any, ref: Any, doc: str, torch: tuple[str, ...] = (),
           domain: Domain = REAL, numpy: tuple[str, ...] | None = None,
           methods: tuple[str, ...] | None = None, **kw: Any) -> OpInfo:
    return OpInfo(name, impl, doc, kw.pop("group", MATH), methods=methods or (name,),
                  numpy=(name,) if numpy is None else numpy, torch=torch, ref=ref,
                  sample=Elementwise((domain,)), **kw)


def _binary(name: str, impl: Any, ref: Any, doc: str, torch: tuple[str, ...] = (),
            domains: tuple[Domain, Domain] = (REAL, REAL), untied: bool = False,
            **kw: Any) -> OpInfo:
    return OpInfo(name, impl, doc, kw.pop("group", BIN), methods=kw.pop("methods", (name,)),
                  numpy=kw.pop("numpy", (name,)), torch=torch, tensors=2, ref=ref,
                  sample=kw.pop("sample", Elementwise(domains, untied)), **kw)


_ANY_AXES = Reduction()


def _reduction(name: str, impl: Any, ref: Any, doc: str, torch: tuple[str, ...] = (),
               sample: Reduction = _ANY_AXES, **kw: Any) -> OpInfo:
    return OpInfo(name, impl, doc, RED, methods=kw.pop("methods", (name,)),
                  numpy=kw.pop("numpy", (name,)), torch=torch, ref=ref, sample=sample, **kw)


def _act(name: str, impl: Any, ref: Any, doc: str, domain: Domain = REAL,
         **kw: Any) -> OpInfo:
    """A torch.nn.functional activation that is no Tensor method (PyTorch has no x.relu6())."""
    return OpInfo(name, impl, doc, ACT, F=(name,), function=getattr(F, name), ref=ref,
                  sample=kw.pop("sample", Elementwise((domain,))), **kw)


_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)


def _compare(name: str, numpy: str, dunder: str, ref: Any, torch: tuple[str, ...],
             sym: str) -> OpInfo:
    return OpInfo(name, "NumPy's comparison (no graph)", f"x {sym} y elementwise: a constant "
                  "bool tensor, for where() and masks", CMP, methods=(dunder, name),
                  numpy=(numpy,),
                  torch=torch, syntax=(f"x {sym} y",), tensors=2, ref=ref,
                  sample=Elementwise((REAL, REAL)), no_grad="a constant bool tensor",
                  float32=False)


COUNT = "Counting and searching"  # results read off the values: constants, no gradient
_COUNTED = "constant int64 indices or counts, read off the values"


def _count(name: str, doc: str, call: Any, ref: Any, sample: Any, **kw: Any) -> OpInfo:
    """A row of the counting group: a function of tinygrad_dl.functional, tested on values
    rounded to integers (repeats to count) by `call`, against NumPy's `ref`."""
    return OpInfo(name, kw.pop("impl", f"NumPy's {name} (no graph)"), doc, COUNT,
                  function=getattr(F, name), call=call, ref=ref, sample=sample,
                  no_grad=kw.pop("no_grad", _COUNTED), float32=False, **kw)


_FLOORING = Domain(avoid=INTEGERS)
# det's entries: none within 0.05 of 0 (hypothesis drew 1.7e-11: a cofactor of 1e-11 moves
# det = 27 by less than its rounding at h = 1e-4, so the numeric gradient was 0 and the right
# analytic one failed the relative test)
_UNIT_OFF_ZERO = Domain(-0.9, 0.9, avoid=(0.0,), margin=0.05)
_ROUNDING = Domain(avoid=tuple(k + 0.5 for k in INTEGERS))

_OPS: tuple[OpInfo, ...] = (
    # ---- arithmetic -------------------------------------------------------------------------
    _binary("add", ops.Add, np.add, "x + y", ("add",), group=ARITH,
            methods=("__add__", "__radd__", "add"), syntax=("a + b", "2 + x", "arr + x")),
    _binary("sub", ops.Sub, np.subtract, "x - y", ("sub", "subtract"), group=ARITH,
            numpy=("subtract",),
            methods=("__sub__", "__rsub__", "sub", "subtract"), syntax=("a - b",)),
    _binary("mul", ops.Mul, np.multiply, "x * y", ("mul", "multiply"), group=ARITH,
            numpy=("multiply",),
            methods=("__mul__", "__rmul__", "mul", "multiply"), syntax=("a * b",)),
    # (rounding_mode="trunc" applies TruncDivide, "floor" FloorDivide: a zero gradient)
    _binary("div", (ops.Div, ops.TruncDivide), np.divide, "x / y", ("div", "divide",
                                                                      "true_divide"),
            (REAL, NONZERO), group=ARITH, numpy=("divide", "true_divide"),
            methods=("__truediv__", "__rtruediv__", "div", "divide", "true_divide"),
            syntax=("a / b",), grad="needs y != 0"),
    _binary("pow", ops.Pow, np.power, "x ** p (p a tensor or a constant)", ("pow",),
            (POSITIVE, Domain(-2.0, 2.0)), group=ARITH, numpy=("power",),
            methods=("__pow__", "__rpow__", "pow"),
            syntax=("x ** 2", "2 ** x"), grad="d/dp = x**p log x needs x > 0; d/dx of x**0 "
            "is 0, even at 0"),
    _binary("mod", ops.Mod, np.mod, "x mod y with the sign of y (Python's %)", ("remainder",),
            group=ARITH, numpy=("mod", "remainder"), methods=("__mod__", "__rmod__", "mod",
                                                              "remainder"),
            syntax=("x % y",), sample=Drawn("mod"), grad="d/dx = 1, d/dy = -floor(x/y); jumps "
            "where x/y is an integer"),
    _binary("fmod", ops.Fmod, np.fmod, "x mod y with the sign of x (C's fmod)", ("fmod",),
            group=ARITH, sample=Drawn("mod"), grad="d/dx = 1, d/dy = -trunc(x/y); jumps where "
            "x/y is an integer"),
    _unary("neg", ops.Neg, np.negative, "-x", ("neg", "negative"), group=ARITH,
           numpy=("negative",), methods=("__neg__", "neg", "negative"), syntax=("-x",)),
    _unary("abs", ops.Abs, np.abs, "|x|", ("abs", "absolute"), KINK0, group=ARITH,
           numpy=("abs", "absolute"), methods=("__abs__", "abs", "absolute"),
           syntax=("abs(x)",), grad="0 at x = 0"),
    OpInfo("matmul", ops.MatMul, "matrix product with NumPy's rules (1-D promoted, batch axes "
           "broadcast)", ARITH, methods=("__matmul__", "__rmatmul__", "matmul", "mm", "bmm"),
           numpy=("matmul",), torch=("matmul", "mm", "bmm"), syntax=("a @ b", "arr @ x"), tensors=2,
           ref=np.matmul, sample=Drawn("matmul")),
    OpInfo("addmm", "matmul, mul and add", "torch.addmm(x, mat1, mat2, beta=1, alpha=1): beta x "
           "+ alpha mat1 @ mat2 (beta = 0 ignores x)", ARITH, methods=("addmm",),
           torch=("addmm",), tensors=3, ref=lambda c, a, b, beta=1, alpha=1: beta * c
           + alpha * a @ b, sample=Cases((case((3, 5), (3, 4), (4, 5)),
                                         case((5,), (2, 3), (3, 5), beta=0.5, alpha=-2.0)))),
    OpInfo("mv", ops.MatMul, "torch.mv(mat, vec): a 2-D matrix times a 1-D vector", ARITH,
           methods=("mv",), torch=("mv",), tensors=2, ref=np.matmul,
           sample=Cases((case((3, 4), (4,)), case((1, 2), (2,))))),
    OpInfo("baddbmm", "matmul, mul and add", "torch.baddbmm(x, b1, b2, beta=1, alpha=1): beta x "
           "+ alpha b1 @ b2 of batches of matrices", ARITH, methods=("baddbmm",),
           torch=("baddbmm",), tensors=3, ref=lambda c, a, b, beta=1, alpha=1: beta * c
           + alpha * a @ b, sample=Cases((case((2, 3, 4), (2, 3, 2), (2, 2, 4)),
                                         case((1, 4), (2, 1, 3), (2, 3, 4), beta=2.0,
                                              alpha=0.5)))),
    OpInfo("addcmul", "mul and add", "torch.addcmul(x, t1, t2, value=1): x + value t1 t2",
           ARITH, methods=("addcmul",), torch=("addcmul",), tensors=3,
           ref=lambda c, a, b, value=1: c + value * a * b,
           sample=Cases((case((2, 3), (2, 3), (3,)), case((3,), (2, 3), (1,), value=-0.5)))),
    OpInfo("addcdiv", "div and add", "torch.addcdiv(x, t1, t2, value=1): x + value t1 / t2",
           ARITH, methods=("addcdiv",), torch=("addcdiv",), tensors=3,
           ref=lambda c, a, b, value=1: c + value * a / b,
           sample=Cases((case((2, 3), (2, 3), (3,), domain=POSITIVE),
                         case((3,), (2, 3), (1,), domain=POSITIVE, value=-0.5))),
           grad="needs t2 != 0"),
    _binary("float_power", "astype float64 and pow", np.float_power, "x ** y computed in "
            "float64 (the result is float64)", ("float_power",), (POSITIVE, Domain(-2.0, 2.0)),
            group=ARITH, call=lambda x, y: x.float_power(y).astype(x.dtype),
            grad="as pow's (tested cast back to x's dtype: float32 in, float32 out)"),
    _binary("floor_divide", ops.FloorDivide, np.floor_divide, "floor(x / y), Python's //",
            ("floor_divide",), group=ARITH, methods=("__floordiv__", "__rfloordiv__",
                                                     "floor_divide"),
            syntax=("x // y",), sample=Drawn("mod"),
            grad="**zero** everywhere (floor's; torch's backward raises)"),
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
           "PyTorch)", ("sinc",), grad="a series near 0, where the formula cancels"),
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
    OpInfo("clamp", ops.Clip, "PyTorch's clip: x.clamp(min=None, max=None)", MATH,
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
    # ---- binary elementwise ------------------------------------------------------------------
    _binary("maximum", ops.Maximum, np.maximum, "elementwise max", ("maximum",),
            untied=True, grad="ties split the gradient 1/2, 1/2"),
    _binary("minimum", ops.Minimum, np.minimum, "elementwise min", ("minimum",),
            untied=True, grad="ties split the gradient 1/2, 1/2"),
    _binary("fmax", ops.Fmax, np.fmax, "elementwise max that ignores NaN", ("fmax",),
            untied=True, grad="to the number over a NaN; ties split 1/2, 1/2"),
    _binary("fmin", ops.Fmin, np.fmin, "elementwise min that ignores NaN", ("fmin",),
            untied=True, grad="to the number over a NaN; ties split 1/2, 1/2"),
    _binary("arctan2", ops.Arctan2, np.arctan2, "the angle of the point (x, y): arctan2(y, x)",
            ("atan2", "arctan2"), (NONZERO, NONZERO), methods=("arctan2", "atan2"),
            grad="undefined at the origin"),
    _binary("hypot", ops.Hypot, np.hypot, "sqrt(x^2 + y^2) without overflow", ("hypot",),
            (NONZERO, NONZERO), grad="undefined at the origin"),
    _binary("logaddexp", ops.LogAddExp, np.logaddexp, "log(e^x + e^y), stably",
            ("logaddexp",), grad="the softmax weights of (x, y)"),
    _binary("logaddexp2", ops.LogAddExp2, np.logaddexp2, "log2(2^x + 2^y), stably",
            ("logaddexp2",), grad="2^(x - out), 2^(y - out)"),
    OpInfo("where", ops.Where, "x where cond else y (cond a constant bool array)", BIN,
           methods=("where",), numpy=("where",), torch=("where",), function=F.where,
           call=lambda x, y, cond=None: F.where(cond, x, y),
           ref=lambda x, y, cond=None: np.where(cond, x, y), sample=Drawn("where"),
           grad="none for cond"),
    # ---- activations (torch.nn.functional) ---------------------------------------------------
    _unary("relu", ops.ReLU, lambda a: np.maximum(a, 0), "max(x, 0)", ("relu",), KINK0,
           numpy=(), F=("relu",), function=F.relu, group=ACT, grad="0 at x = 0"),
    _unary("sigmoid", ops.Sigmoid, sigmoid_ref, "1 / (1 + e^-x), never overflows",
           ("sigmoid",), Domain(-8.0, 8.0), numpy=(), F=("sigmoid",), function=F.sigmoid,
           group=ACT),
    _unary("softplus", ops.Softplus, lambda a: np.logaddexp(a, 0), "log(1 + e^x), never "
           "overflows", numpy=(), F=("softplus",), function=F.softplus, group=ACT,
           domain=Domain(-8.0, 8.0)),
    _unary("leaky_relu", ops.LeakyReLU, lambda a: np.where(a > 0, a, 0.01 * a), "x if x > 0 "
           "else slope x (slope= or PyTorch's negative_slope=, default 0.01)", numpy=(),
           F=("leaky_relu",), function=F.leaky_relu, group=ACT, domain=KINK0,
           grad="slope at 0"),
    _unary("elu", ops.ELU, lambda a: np.where(a > 0, a, np.expm1(a)), "x if x > 0 else "
           "alpha (e^x - 1)", numpy=(), F=("elu",), function=F.elu, group=ACT, domain=KINK0,
           grad="alpha at 0"),
    OpInfo("gelu", (ops.GELU, ops.GELUTanh), "x Phi(x), Phi the normal CDF (PyTorch's "
           "default, approximate='none'), or its tanh approximation (approximate='tanh')",
           ACT, methods=("gelu",), F=("gelu",), function=F.gelu, ref=gelu_ref,
           sample=Cases((case((2, 3)), case((4,), domain=Domain(-8.0, -2.0)),
                         case((3, 2), approximate="tanh"))),
           grad="Phi(x) + x phi(x); the negative tail keeps its digits (PyTorch's 1 + erf "
           "cancels there)"),
    _unary("silu", ops.SiLU, lambda a: a * sigmoid_ref(a), "x sigmoid(x) (swish)", numpy=(),
           F=("silu",), function=F.silu, group=ACT),
    OpInfo("softmax", ops.Softmax, "exp(x) / sum exp(x) along axis (default -1), max-shifted",
           ACT, methods=("softmax",), torch=("softmax",), F=("softmax",), function=F.softmax,
           ref=softmax_ref, sample=Reduction(Domain(-5.0, 5.0), tuple_axes=False,
                                              keepdims=False, none_axis=False)),
    OpInfo("log_softmax", ops.LogSoftmax, "x - logsumexp(x) along axis (default -1): never "
           "the log of an underflowed probability", ACT, methods=("log_softmax",),
           torch=("log_softmax",), F=("log_softmax",), function=F.log_softmax,
           ref=log_softmax_ref, sample=Reduction(Domain(-5.0, 5.0), tuple_axes=False,
                                                  keepdims=False, none_axis=False)),
    OpInfo("dropout", ops.Dropout, "F.dropout(x, p=0.5, training=True): inverted dropout "
           "(zero with probability p, scale the rest by 1/(1-p)); x itself when not training",
           ACT, F=("dropout",), function=F.dropout, call=dropout_call,
           sample=Elementwise(), grad="the mask (a constant)"),
    _act("relu6", ops.Hardtanh, lambda a: np.minimum(np.maximum(a, 0), 6), "min(max(x, 0), 6)",
         Domain(-2.0, 8.0, avoid=(0.0, 6.0)),
         grad="1 strictly inside (0, 6), 0 at 0 and at 6 (PyTorch's); a NaN passes it on"),
    _act("hardtanh", ops.Hardtanh, lambda a, min_val=-1.0, max_val=1.0: np.clip(
             a, min_val, max_val), "x clipped to [min_val, max_val] (default [-1, 1])",
         sample=Cases((case((2, 3), domain=Domain(avoid=(-1.0, 1.0))),
                       case((4,), domain=Domain(avoid=(-0.5, 2.0)), min_val=-0.5,
                            max_val=2.0))),
         grad="1 strictly inside, 0 on the bounds (PyTorch's; clip's is 1 there); a NaN "
         "passes it on"),
    _act("hardsigmoid", ops.Hardsigmoid, lambda a: np.clip(a + 3, 0, 6) / 6,
         "relu6(x + 3) / 6", Domain(-5.0, 5.0, avoid=(-3.0, 3.0)),
         grad="1/6 strictly inside (-3, 3), 0 at -3, at 3 and at NaN (PyTorch's; its float64 "
         "kernel's 1/6 is rounded to float32, 3e-8 off, this one's is exact)"),
    _act("hardswish", ops.Hardswish, lambda a: a * np.clip(a + 3, 0, 6) / 6,
         "x relu6(x + 3) / 6", Domain(-5.0, 5.0, avoid=(-3.0, 3.0)),
         grad="x/3 + 1/2 inside (-3, 3), 0 at -3 and below, 1 at 3 and above and at NaN "
         "(PyTorch's)"),
    _act("mish", "softplus, tanh, mul composition", lambda a: a * np.tanh(np.logaddexp(a, 0)),
         "x tanh(softplus(x)), never overflows"),
    _act("selu", "elu, mul composition", lambda a: _SELU[1] * np.where(
             a > 0, a, _SELU[0] * np.expm1(np.minimum(a, 0))),
         "scale elu(x, alpha), PyTorch's alpha 1.6733 and scale 1.0507", KINK0,
         torch=("selu",), grad="scale alpha at 0 (PyTorch's)"),
    _act("celu", ops.CELU, lambda a, alpha=1.0: np.where(
             a > 0, a, alpha * np.expm1(np.minimum(a, 0) / alpha)),
         "x if x > 0 else alpha (e^(x/alpha) - 1) (alpha=1; not 0)", torch=("celu",),
         sample=Cases((case((2, 3), domain=KINK0), case((4,), domain=KINK0, alpha=2.0),
                       case((3,), domain=KINK0, alpha=-0.5))),
         grad="e^(x/alpha) for x <= 0: 1 at 0 from both sides; a NaN passes it on"),
    _act("softsign", "abs, add, div composition", lambda a: a / (1 + np.abs(a)),
         "x / (1 + |x|)", KINK0),
    _act("tanhshrink", "tanh, sub composition", lambda a: a - np.tanh(a), "x - tanh(x)"),
    _act("logsigmoid", "softplus composition: -softplus(-x)", lambda a: -np.logaddexp(0, -a),
         "log sigmoid(x), never overflows", Domain(-8.0, 8.0)),
    _act("softmin", "softmax of -x", lambda a, axis=-1: softmax_ref(-a, axis),
         "softmax(-x) along dim (default: the last axis)",
         sample=Reduction(Domain(-5.0, 5.0), tuple_axes=False, keepdims=False,
                          none_axis=False)),
    _act("threshold", ops.Threshold, lambda a, threshold, value: np.where(
             a <= threshold, value, a), "x where x > threshold, else value",
         torch=("threshold",),
         sample=Cases((case((2, 3), domain=Domain(avoid=(0.5,)), threshold=0.5, value=-2.0),
                       case((4,), domain=KINK0, threshold=0.0, value=0.0))),
         grad="1 above the threshold (and at NaN), 0 at and below it (PyTorch's)"),
    _act("hardshrink", ops.Hardshrink, lambda a, lambd=0.5: np.where(np.abs(a) > lambd, a, 0),
         "x where |x| > lambd (default 0.5), else 0", methods=("hardshrink",),
         sample=Cases((case((2, 3), domain=Domain(avoid=(-0.5, 0.5))),
                       case((4,), domain=Domain(avoid=(-1.0, 1.0)), lambd=1.0))),
         grad="1 outside [-lambd, lambd] and at NaN, 0 on and inside it (PyTorch's)"),
    _act("softshrink", ops.Softshrink, lambda a, lambd=0.5: a - np.clip(a, -lambd, lambd),
         "x - lambd sign(x) where |x| > lambd (default 0.5), else 0",
         sample=Cases((case((2, 3), domain=Domain(avoid=(-0.5, 0.5))),
                       case((4,), domain=Domain(avoid=(-1.0, 1.0)), lambd=1.0))),
         grad="1 outside [-lambd, lambd] and at NaN, 0 on and inside it (PyTorch's)"),
    _act("glu", "getitem, sigmoid, mul composition", glu_ref,
         "a * sigmoid(b), a and b the halves of x along dim (default -1; even length)",
         sample=Cases((case((2, 4)), case((4, 3), dim=0), case((2, 2, 6), dim=-1),
                       case((6,))))),
    OpInfo("prelu", ops.PReLU, "x if x > 0 else weight x, weight one slope or one per channel "
           "(dim 1 of x)", ACT, methods=("prelu",), torch=("prelu",), F=("prelu",),
           function=F.prelu, tensors=2, ref=prelu_ref,
           sample=Cases((case((2, 3), (3,), domain=KINK0), case((2, 3, 4), (1,), domain=KINK0),
                         case((4,), (), domain=KINK0), case((3, 2, 2), (2,), domain=KINK0))),
           grad="the slope at 0 and at NaN (PyTorch's); d/dweight is x where x <= 0, summed "
           "over the channel's elements"),
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
    # ---- sorting and gathering ----------------------------------------------------------------
    OpInfo("topk", "take_along_axis of the stable argsort", "PyTorch's topk: the k largest "
           "(largest=False: smallest) along dim, with their indices", SORT, methods=("topk",),
           torch=("topk",),
           call=lambda t, k=1, dim=-1, largest=True: t.topk(k, dim, largest).values,
           ref=lambda a, k=1, dim=-1, largest=True: np.take(
               np.sort(a, axis=dim) if not largest else np.flip(np.sort(a, axis=dim), dim),
               np.arange(k), axis=dim),
           sample=Cases((case((3, 5), domain=DISTINCT, k=2, dim=1),
                         case((4, 2), domain=DISTINCT, k=3, dim=0, largest=False),
                         case((6,), domain=DISTINCT, k=6))),
           grad="to where each value came from"),
    OpInfo("sort", "take_along_axis of the stable argsort", "sorted along axis (None: "
           "flattened)", SORT, methods=("sort",), numpy=("sort",), torch=("sort",),
           function=F.sort, ref=np.sort,
           sample=Reduction(DISTINCT, tuple_axes=False, keepdims=False),
           grad="through the permutation: each value's gradient goes back to its place",
           differs="x.sort() and sort(x, dim=) give PyTorch's (values, indices), descending= "
           "too; sort(x, axis) is NumPy's values"),
    OpInfo("argsort", "NumPy's stable argsort (no graph)", "the order that sorts along axis",
           SORT, methods=("argsort",), numpy=("argsort",), torch=("argsort",), ref=lambda a,
           axis=-1: np.argsort(a, axis, kind="stable"),
           sample=Reduction(DISTINCT, tuple_axes=False, keepdims=False),
           no_grad="int64 indices", float32=False),
    OpInfo("take_along_axis", ops.TakeAlongAxis, "values picked along an axis by an index "
           "array", SORT, methods=("take_along_dim",), numpy=("take_along_axis",),
           torch=("take_along_dim",), ref=np.take_along_axis, sample=Drawn("take_along_axis"),
           grad="scattered back; duplicates add up"),
    OpInfo("gather", "take_along_axis of a corner of x", "torch.gather(x, dim, index)", SORT,
           methods=("gather",), torch=("gather",), sample=Drawn("gather"),
           ref=lambda a, dim=0, index=None: np.take_along_axis(
               a[tuple(slice(None) if d == dim else slice(0, n)
                       for d, n in enumerate(index.shape))], index, dim),
           grad="scattered back; duplicates add up"),
    OpInfo("scatter_add", ops.Scatter, "torch's scatter_add (out of place): src added into a "
           "copy of x at the positions index names along dim", SORT, methods=("scatter_add",),
           torch=("scatter_add",),
           call=lambda t, s, dim=0, index=(): t.scatter_add(dim, np.array(index), s),
           ref=scatter_ref,
           sample=Cases((case((3, 4), (2, 4), dim=0, index=((0, 1, 2, 0), (2, 2, 1, 0))),
                         case((2, 3), (2, 5), dim=1, index=((0, 0), (2, 1))),
                         case((4,), (3,), index=(3, 3, 3)))),
           grad="to x: g; to src: g read at the index (the rest of src: 0); duplicates add up"),
    OpInfo("scatter", ops.Scatter, "torch's scatter (out of place, no reduce): src written "
           "into a copy of x at the positions index names along dim", SORT,
           methods=("scatter",), torch=("scatter",),
           call=lambda t, s, dim=0, index=(): t.scatter(dim, np.array(index), s),
           ref=lambda a, s, dim=0, index=(): scatter_ref(a, s, dim, index, add=False),
           sample=Cases((case((3, 4), (2, 4), dim=0, index=((0, 1, 2, 0), (2, 0, 1, 1))),
                         case((2, 3), (2, 5), dim=1, index=((2, 0), (1,  2))),
                         case((4,), (2,), index=(3, 0)))),
           grad="to x: g, 0 at the written positions; to src: g read at the index",
           differs="an index that names a position twice raises (torch: which write wins is "
           "undefined)"),
    OpInfo("index_add", "scatter_add of the index spread over source", "torch's index_add "
           "(out of place): alpha * source added into the slices of x a 1-D index names "
           "along dim", SORT, methods=("index_add",), torch=("index_add",),
           call=lambda t, s, dim=0, index=(), alpha=1.0: t.index_add(dim, np.array(index), s,
                                                                    alpha=alpha),
           ref=index_add_ref,
           sample=Cases((case((3, 4), (3, 2), dim=1, index=(3, 0)),
                         case((3, 2), (4, 2), dim=0, index=(0, 2, 0, 1), alpha=-1.5),
                         case((5,), (2,), index=(4, 4)))),
           grad="to x: g; to source: alpha * g at the index; repeated indices add up"),
    # ---- linear algebra -----------------------------------------------------------------------
    OpInfo("einsum", ops.Einsum, "Einstein summation: subscripts, or NumPy's sublists",
           LINALG, numpy=("einsum",), torch=("einsum",), function=F.einsum, call=einsum_call,
           ref=einsum_ref, sample=Cases(tuple(Case(tuple(s), {"spec": e}) for e, *s in EINSUMS)
                                         + tuple(Case(s, {"subs": u}) for s, u in SUBLISTS)),
           grad="repeated letters (diagonals) handled; '...' axes must match in length; "
           "torch's einsum('ij,jk', [a, b]) list form works too"),
    OpInfo("dot", "einsum", "np.dot: matrix product for 2-D, inner for 1-D, last axis of x with "
           "the second-to-last of y otherwise", LINALG, methods=("dot",), numpy=("dot",),
           torch=("dot",), tensors=2, ref=np.dot, sample=Drawn("dot")),
    OpInfo("inner", "einsum", "sum over the last axes of x and y", LINALG, numpy=("inner",),
           torch=("inner",), methods=("inner",), function=F.inner, tensors=2, ref=np.inner,
           sample=Cases((case((2, 3), (4, 3)), case((3,), (3,)), case((), (2, 2))))),
    OpInfo("outer", "einsum", "x[i] y[j] of x and y flattened", LINALG, methods=("outer", "ger"),
           numpy=("outer",), differs="x and y of other shapes are flattened (NumPy's outer); "
           "PyTorch's outer takes 1-D tensors only",
           torch=("outer", "ger"), function=F.outer, tensors=2, ref=np.outer,
           sample=Cases((case((3,), (2,)), case((2, 2), (3,))))),
    OpInfo("cdist", "VectorNorm of differences", "p-norm distances between the rows of x1 "
           "(..., P, M) and of x2 (..., R, M)", LINALG, torch=("cdist",), function=F.cdist,
           tensors=2, call=lambda a, b, **kw: F.cdist(a, b + 10.0, **kw),  # (off the kinks)
           ref=lambda a, b, p=2.0: np.linalg.norm(a[..., :, None, :] - (b[..., None, :, :] + 10),
                                                  ord=p, axis=-1),
           sample=Cases((case((4, 3), (5, 3)), case((2, 3, 2), (2, 4, 2), p=1.0))),
           grad="0 at a distance of 0, as PyTorch's; inf: shared by tied coordinates"),
    OpInfo("dist", "VectorNorm", "the p-norm of x - y over all entries", LINALG,
           torch=("dist",), methods=("dist",), function=F.dist, tensors=2,
           call=lambda a, b, **kw: F.dist(a, b + 10.0, **kw),  # (off the kink at x = y)
           ref=lambda a, b, p=2.0: np.linalg.norm(np.ravel(a - (b + 10.0)), ord=p),
           sample=Cases((case((3,), (3,)), case((2, 3), (3,), p=3.0)))),
    OpInfo("tensordot", "einsum", "sum over the last `axes` axes of x and first of y, or the "
           "listed pairs", LINALG, numpy=("tensordot",), torch=("tensordot",),
           function=F.tensordot, tensors=2, ref=np.tensordot,
           sample=Cases((case((2, 3, 4), (3, 4, 2), axes=2), case((2, 3), (3, 2), axes=1),
                         case((2, 3), (4,), axes=0),
                         case((3, 2, 4), (4, 3), axes=([0, 2], [1, 0]))))),
    OpInfo("trace", "sum of diagonal", "sum of a diagonal (offset, axis1, axis2)", LINALG,
           methods=("trace",), numpy=("trace",), torch=("trace",), ref=np.trace,
           sample=Cases((case((3, 4)), case((3, 4), offset=1), case((3, 3), offset=-2),
                         case((2, 3, 3), axis1=1, axis2=2), case((3, 2, 3), offset=1, axis1=0,
                                                             axis2=-1)))),
    OpInfo("diagonal", ops.Diagonal, "a diagonal of the (axis1, axis2) planes, as the last "
           "axis", LINALG, methods=("diagonal",), numpy=("diagonal",), torch=("diagonal",),
           ref=np.diagonal, sample=Cases((case((3, 4)), case((3, 4), offset=-1),
                                          case((2, 3, 3), axis1=1, axis2=2),
                                          case((3, 2, 4), offset=1, axis1=-1, axis2=0))),
           grad="written back onto the diagonal; torch's dim1=/dim2= spell axis1=/axis2="),
    OpInfo("diag", ops.Diag, "a 1-D x -> a matrix with x on diagonal k; a 2-D x -> its "
           "diagonal k", LINALG, methods=("diag",), numpy=("diag",), torch=("diag",),
           function=F.diag, ref=np.diag,
           sample=Cases((case((3,)), case((3,), k=1), case((3, 4), k=-1), case((3, 3))))),
    OpInfo("tril", ops.Tril, "lower triangle of the last two axes", LINALG, methods=("tril",),
           numpy=("tril",), torch=("tril",), ref=np.tril,
           sample=Cases((case((3, 4)), case((2, 3, 3), k=1), case((3, 3), k=-1)))),
    OpInfo("triu", ops.Triu, "upper triangle of the last two axes", LINALG, methods=("triu",),
           numpy=("triu",), torch=("triu",), ref=np.triu,
           sample=Cases((case((3, 4)), case((2, 3, 3), k=1), case((3, 3), k=-1)))),
    OpInfo("diagflat", ops.Diag, "x flattened, on diagonal offset of a square matrix", LINALG,
           methods=("diagflat",), numpy=("diagflat",), torch=("diagflat",),
           ref=lambda a, offset=0: np.diagflat(a, offset),
           sample=Cases((case((2, 3)), case((4,), offset=-1), case((3,), offset=2))),
           differs="NumPy's keyword is k=, torch's offset= (positionally the same)"),
    OpInfo("diag_embed", "pad, reshape and moveaxis", "torch.diag_embed(x, offset=0, dim1=-2, "
           "dim2=-1): the last axis of x on a diagonal of new (dim1, dim2) planes", LINALG,
           methods=("diag_embed",), torch=("diag_embed",), ref=diag_embed_ref,
           sample=Cases((case((2, 3)), case((4,), offset=1), case((2, 3), offset=-1, dim1=0,
                                                                  dim2=2)))),
    OpInfo("det", ops.Det, "the determinant of each (n, n) matrix of (*, n, n)", LINALG,
           methods=("det",), torch=("det",),
           # (drawn away from singular matrices, as inverse: at one with small integer entries
           # a cofactor is exactly 0 and the central difference is rounding noise, ~1e-11,
           # which the relative test cannot tell from an error; singular ones: the edge rows)
           call=lambda x: (x + Tensor(3 * np.eye(x.shape[-1], dtype=x.dtype))).det(),
           ref=lambda a: np.linalg.det(a + 3 * np.eye(a.shape[-1])),
           sample=Cases((case((3, 3), domain=_UNIT_OFF_ZERO),
                         case((2, 2, 2), domain=_UNIT_OFF_ZERO),
                         case((1, 1), domain=_UNIT_OFF_ZERO))),
           grad="the cofactor matrix (from the SVD: singular matrices too)"),
    OpInfo("inverse", ops.Inverse, "the inverse of each (n, n) matrix of (*, n, n) (a "
           "singular one is refused)", LINALG, methods=("inverse",), torch=("inverse",),
           call=lambda x: (x + Tensor(3 * np.eye(x.shape[-1], dtype=x.dtype))).inverse(),
           ref=lambda a: np.linalg.inv(a + 3 * np.eye(a.shape[-1])),
           sample=Cases((case((3, 3), domain=UNIT), case((2, 2, 2), domain=UNIT))),
           grad="-A^-T g A^-T"),
    OpInfo("kron", "reshape, mul, reshape", "Kronecker product: x[i] times all of y", LINALG,
           numpy=("kron",), torch=("kron",), methods=("kron",), function=F.kron, tensors=2,
           ref=np.kron,
           sample=Cases((case((2, 2), (2, 3)), case((3,), (2,)), case((2, 1, 2), (3, 2)),
                         case((), (2,))))),
    OpInfo("cross", "getitem, mul, sub, stack", "cross product of 3-vectors along axis",
           LINALG, numpy=("cross",), torch=("cross",), methods=("cross",), function=F.cross,
           tensors=2, differs="x.cross(y) without dim takes the first axis of length 3 "
           "(PyTorch's rule); tg.cross(x, y) the last (NumPy's)",
           ref=np.cross, sample=Cases((case((3,), (3,)), case((2, 3), (3,)),
                                       case((3, 2), (3, 2), axis=0)))),
    # ---- shape ----------------------------------------------------------------------------------
    OpInfo("reshape", ops.Reshape, "the same values in a new shape (-1: inferred)", SHAPE,
           methods=("reshape", "view", "view_as", "reshape_as"), numpy=("reshape",),
           torch=("reshape",),
           call=lambda t, shape=(): t.reshape(shape), ref=lambda a, shape=(): a.reshape(shape),
           sample=Drawn("reshape")),
    OpInfo("transpose", ops.Transpose, "axes permuted (none given: reversed)", SHAPE,
           methods=("transpose", "T"), numpy=("transpose",), torch=("transpose",),
           syntax=("x.T",), call=lambda t, axes=None: t.transpose() if axes is None else
           t.transpose(axes), ref=np.transpose, sample=Drawn("transpose"),
           differs="transpose(dim0, dim1) of a tensor that is not 2-D swaps two axes "
           "(PyTorch's; NumPy would reject it); transpose(0, 1) of a 2-D tensor is an error "
           "naming x.T and x.transpose((0, 1))"),
    OpInfo("permute", ops.Transpose, "axes in the given order", SHAPE, methods=("permute",),
           numpy=("permute_dims",), torch=("permute",),
           call=lambda t, axes=(): t.permute(*axes),
           ref=lambda a, axes=(): np.transpose(a, axes),
           sample=Cases((case((2, 3, 4), axes=(2, 0, 1)), case((2, 3), axes=(0, 1))))),
    OpInfo("t", "transpose (0-d, 1-d: x itself)", "PyTorch's t(): a matrix transposed; 0-d and "
           "1-d tensors as "
           "they are, more dims refused", SHAPE, methods=("t",), torch=("t",),
           ref=lambda a: a.T, sample=Cases((case((2, 3)), case((4,)), case(())))),
    OpInfo("ravel", "reshape", "the values as one axis, in C order (reshape(-1))", SHAPE,
           methods=("ravel",), numpy=("ravel",), torch=("ravel",), ref=np.ravel,
           sample=Cases((case((2, 3, 2)), case(()), case((4,))))),
    OpInfo("narrow", ops.GetItem, "torch.narrow(x, dim, start, length): entries start.."
           "start+length-1 along dim (a negative start counts from the end)", SHAPE,
           methods=("narrow",), torch=("narrow",), ref=narrow_ref,
           sample=Cases((case((3, 4), dim=1, start=1, length=2),
                         case((5,), dim=0, start=-3, length=3),
                         case((2, 3, 2), dim=-1, start=0, length=1)))),
    OpInfo("select", ops.GetItem, "torch.select(x, dim, index): the slice at index along dim, "
           "without that axis (x.select(0, i) is x[i])", SHAPE, methods=("select",),
           torch=("select",), ref=lambda a, dim, index: np.take(a, index, axis=dim),
           sample=Cases((case((3, 4), dim=1, index=2), case((5,), dim=0, index=-1),
                         case((2, 3, 2), dim=-2, index=0)))),
    OpInfo("take", ops.GetItem, "torch.take(x, index): entries of x flattened at index (any "
           "shape; negative from the end)", SORT, methods=("take",), torch=("take",),
           ref=lambda a, index: a.ravel()[index],
           sample=Cases((case((3, 4), index=np.array([[0, -1], [5, 5]])),
                         case((5,), index=np.array(2)))),
           grad="repeated indices add up", differs="np.take(a, i) without axis is the same; "
           "with axis= it is index_select"),
    *(OpInfo(name, ops.Flip, doc, SHAPE, methods=(name,), numpy=(name,), torch=(name,),
             ref=getattr(np, name), sample=Cases((case((3, 4)), case((2, 3, 2)))))
      for name, doc in (("fliplr", "reversed along axis 1 (2 or more dims)"),
                        ("flipud", "reversed along axis 0 (1 or more dims)"))),
    OpInfo("getitem", ops.GetItem, "x[index]: slices, ints, None, ..., integer and boolean "
           "arrays", SHAPE, methods=("__getitem__",), syntax=("x[1:, ::-1]",
                                                             "x[np.arange(n), y]", "x[mask]"),
           call=lambda t, index=(): t[index], ref=lambda a, index=(): a[index],
           sample=Drawn("getitem"), grad="duplicate indices accumulate"),
    OpInfo("squeeze", "reshape", "length-1 axes dropped", SHAPE, methods=("squeeze",),
           numpy=("squeeze",), torch=("squeeze",), ref=np.squeeze,
           sample=Cases((case((1, 3, 1)), case((1, 3, 1), axis=0), case((2, 1), axis=(1,)))),
           differs="with dim=, an axis of another length is left alone (PyTorch's); NumPy's "
           "axis= must name length-1 axes"),
    OpInfo("expand_dims", "reshape", "new length-1 axes", SHAPE, methods=("expand_dims",),
           numpy=("expand_dims",), ref=np.expand_dims,
           sample=Cases((case((2, 3), axis=(0, -1)), case((3,), axis=1)))),
    OpInfo("unsqueeze", "reshape", "one new length-1 axis", SHAPE, methods=("unsqueeze",),
           torch=("unsqueeze",), ref=lambda a, axis=0: np.expand_dims(a, axis),
           sample=Cases((case((2, 3), axis=1), case((3,), axis=-1)))),
    OpInfo("flatten", "reshape", "axes start..end (inclusive) merged into one", SHAPE,
           methods=("flatten",), torch=("flatten",),
           ref=lambda a, start=0, end=-1: a.reshape(
               a.shape[:start] + (-1,) + a.shape[end % a.ndim + 1:]),
           sample=Cases((case((2, 3, 2)), case((2, 3, 2), start=1), case((2, 3, 2, 2), start=1,
                                                                   end=2)))),
    OpInfo("mT", ops.Transpose, "the last two axes exchanged (a batch of matrices "
           "transposed)", SHAPE, methods=("mT",), numpy=("matrix_transpose",),
           function=F.matrix_transpose, call=lambda t: t.mT,
           ref=lambda a: np.swapaxes(a, -2, -1),
           sample=Cases((case((2, 3)), case((2, 3, 4)), case((1, 2, 2, 1)))),
           differs="x.T reverses all axes; x.mT swaps the last two (NumPy 2's and PyTorch's)"),
    OpInfo("swapaxes", ops.Transpose, "two axes exchanged", SHAPE,
           methods=("swapaxes", "swapdims"), numpy=("swapaxes",),
           torch=("swapaxes", "swapdims"), ref=np.swapaxes,
           sample=Cases((case((2, 3, 4), axis1=0, axis2=-1), case((2, 3), axis1=0, axis2=1)))),
    OpInfo("moveaxis", ops.Transpose, "axes moved to new positions", SHAPE,
           methods=("moveaxis", "movedim"), numpy=("moveaxis",), torch=("movedim", "moveaxis"),
           ref=np.moveaxis, sample=Cases((case((2, 3, 4), source=[0, 1], destination=[-1, 0]),
                                          case((2, 3, 4), source=2, destination=0)))),
    OpInfo("rollaxis", ops.Transpose, "np.rollaxis: an axis moved before position start",
           SHAPE, numpy=("rollaxis",), function=F.rollaxis, ref=np.rollaxis,
           sample=Cases((case((2, 3, 4), axis=2), case((2, 3, 4), axis=0, start=2),
                         case((2, 3, 4), axis=1, start=3), case((2, 3, 4), axis=-1, start=-2)))),
    OpInfo("broadcast_to", ops.BroadcastTo, "x broadcast to a shape", SHAPE,
           methods=("broadcast_to",), numpy=("broadcast_to",), torch=("broadcast_to",),
           ref=np.broadcast_to,
           sample=Cases((case((2, 1), shape=(4, 2, 3)), case((3,), shape=(2, 3)))),
           grad="summed back"),
    OpInfo("expand", ops.BroadcastTo, "torch's expand: broadcast_to where -1 keeps an axis",
           SHAPE, methods=("expand", "expand_as"), call=lambda t, sizes=(): t.expand(*sizes),
           ref=lambda a, sizes=(): np.broadcast_to(a, tuple(
               a.shape[i - len(sizes) + a.ndim] if n == -1 else n for i, n in enumerate(sizes))),
           sample=Cases((case((2, 1), sizes=(4, -1, 3)), case((3,), sizes=(2, 3))))),
    OpInfo("repeat", ops.Repeat, "each element `repeats` times (an int or one count each)",
           SHAPE, methods=("repeat_interleave", "repeat"), numpy=("repeat",),
           torch=("repeat_interleave",), ref=np.repeat,
           sample=Cases((case((2, 3), repeats=2, axis=1), case((2, 2), repeats=3),
                         case((2, 3), repeats=[1, 0, 3], axis=-1))),
           grad="the copies' gradients add up",
           differs="PyTorch's x.repeat(*sizes) is tile(x, sizes); this is NumPy's repeat "
           "(torch's repeat_interleave)"),
    OpInfo("tile", ops.Tile, "x tiled reps times along each axis", SHAPE, methods=("tile",),
           numpy=("tile",), torch=("tile",), ref=np.tile,
           sample=Cases((case((2, 3), reps=(2, 1, 3)), case((2, 3), reps=2))),
           grad="the copies' gradients add up"),
    OpInfo("flip", ops.Flip, "reversed along axis (None: all)", SHAPE, methods=("flip",),
           numpy=("flip",), torch=("flip",), ref=np.flip,
           sample=Cases((case((2, 3), axis=1), case((2, 3)), case((2, 3, 2), axis=(0, 2))))),
    OpInfo("roll", ops.Roll, "shifted cyclically along axis (None: flattened)", SHAPE,
           methods=("roll",), numpy=("roll",), torch=("roll",), ref=np.roll,
           sample=Cases((case((2, 3), shift=2, axis=1), case((2, 3), shift=(1, -1), axis=(0, 1)),
                         case((2, 3), shift=4)))),
    OpInfo("rot90", "flip and swapaxes", "k quarter turns in the plane of two axes", SHAPE,
           methods=("rot90",), numpy=("rot90",), torch=("rot90",), ref=np.rot90,
           sample=Cases((case((2, 3)), case((2, 3), k=2), case((2, 3, 2), k=3, axes=(2, 0)),
                         case((2, 3), k=-1), case((2, 3), k=4)))),
    OpInfo("diff", "getitem and sub", "n-th forward difference along axis (with prepend/"
           "append)", SHAPE, methods=("diff",), numpy=("diff",), torch=("diff",), ref=np.diff,
           sample=Cases((case((2, 4)), case((4, 3), n=2, axis=0), case((3,), prepend=0.5),
                         case((2, 3), append=np.ones((2, 1)), axis=1)))),
    OpInfo("pad", (ops.Pad, ops.GetItem), "constant padding: np.pad's pad_width, or "
           "PyTorch's flat (left, right, top, bottom, ...); mode 'reflect', 'replicate' "
           "('edge'), 'circular' ('wrap'): index_select per axis", SHAPE, numpy=("pad",),
           F=("pad",), function=F.pad,
           ref=lambda a, pad_width=0, constant_values=0.0, mode="constant": np.pad(
               a, pad_width, constant_values=constant_values) if mode == "constant" else
           np.pad(a, pad_width, {"replicate": "edge", "circular": "wrap"}.get(mode, mode)),
           sample=Cases((case((2, 3), pad_width=((1, 0), (2, 1)), constant_values=0.5),
                         case((2, 3), pad_width=1), case((4,), pad_width=(2, 1)),
                         case((3, 4), pad_width=((1, 2), (2, 1)), mode="reflect"),
                         case((2, 3), pad_width=((0, 1), (2, 2)), mode="replicate"),
                         case((3,), pad_width=(2, 3), mode="circular"))),
           differs="a flat pair (a, b) on a tensor of 2+ axes pads every axis to NumPy and only "
           "the last to PyTorch: an error naming both; flat tuples of 4, 6, ... are PyTorch's"),
    # ---- joining and splitting ----------------------------------------------------------------
    OpInfo("concatenate", ops.Concatenate, "tensors joined along an existing axis", JOIN,
           numpy=("concatenate", "concat"), torch=("cat", "concat", "concatenate"),
           function=F.concatenate, call=listed(F.concatenate),
           ref=lambda *a, axis=0: np.concatenate(a, axis=axis), sample=Drawn("concatenate")),
    OpInfo("stack", ops.Stack, "tensors joined along a new axis", JOIN, numpy=("stack",),
           torch=("stack",), function=F.stack, call=listed(F.stack),
           ref=lambda *a, axis=0: np.stack(a, axis=axis), sample=Drawn("stack")),
    OpInfo("vstack", "concatenate", "rows joined (1-D inputs become rows)", JOIN,
           numpy=("vstack",), torch=("vstack",), function=F.vstack, call=listed(F.vstack),
           ref=lambda *a: np.vstack(a), sample=Cases((case((2, 3), (3,)), case((1, 2), (3, 2))))),
    OpInfo("hstack", "concatenate", "columns joined (1-D inputs end to end)", JOIN,
           numpy=("hstack",), torch=("hstack",), function=F.hstack, call=listed(F.hstack),
           ref=lambda *a: np.hstack(a), sample=Cases((case((2, 3), (2, 1)), case((2,), (3,))))),
    OpInfo("column_stack", "concatenate", "columns joined (1-D inputs become columns)", JOIN,
           numpy=("column_stack",), torch=("column_stack",), function=F.column_stack,
           call=listed(F.column_stack), ref=lambda *a: np.column_stack(a),
           sample=Cases((case((3,), (3, 2)), case((2,), (2,))))),
    OpInfo("append", "concatenate", "values appended along axis (None: both flattened)", JOIN,
           numpy=("append",), function=F.append, tensors=2, ref=np.append,
           sample=Cases((case((2, 3), (4,)), case((2, 3), (1, 3), axis=0)))),
    OpInfo("split", "getitem", "pieces: n equal sections, or cut at indices", JOIN,
           numpy=("split",), torch=("split",), methods=("split",), function=F.split,
           call=joined(F.split), ref=ref_joined(np.split),
           differs="with dim=, and always as the method x.split(size, dim) (NumPy has none), "
           "PyTorch's: pieces of that size (or of the listed sizes)",
           sample=Cases((case((2, 4), indices_or_sections=2, axis=1),
                         case((2, 4), indices_or_sections=[1, -1], axis=1),
                         case((5, 2), indices_or_sections=[0, 9])))),
    OpInfo("broadcast_tensors", "broadcast_to", "the tensors broadcast to their common shape",
           JOIN, numpy=("broadcast_arrays",), torch=("broadcast_tensors",),
           function=F.broadcast_tensors, tensors=2, call=joined(F.broadcast_tensors),
           ref=ref_joined(np.broadcast_arrays), sample=Elementwise((REAL, REAL))),
    OpInfo("meshgrid", "reshape and broadcast_to", "coordinate grids of 1-D tensors", JOIN,
           numpy=("meshgrid",), torch=("meshgrid",), function=F.meshgrid, tensors=2,
           call=joined(F.meshgrid), ref=ref_joined(np.meshgrid),
           sample=Cases((case((3,), (4,), indexing="ij"), case((2,), (3,), indexing="xy"))),
           differs="indexing= must be given with two or more tensors: NumPy's default 'xy' and "
           "PyTorch's 'ij' give transposed grids"),
    OpInfo("chunk", "getitem", "torch's chunk: pieces of ceil(n / chunks) along dim (fewer "
           "where n is short)", JOIN, torch=("chunk",), methods=("chunk",),
           call=joined(lambda t, chunks=1, dim=0: t.chunk(chunks, dim)),
           ref=ref_joined(lambda a, chunks=1, dim=0: np.split(a, range(
               -(-a.shape[dim] // chunks), a.shape[dim], -(-a.shape[dim] // chunks)), axis=dim)),
           sample=Cases((case((2, 5), chunks=2, dim=1), case((6, 2), chunks=4),
                         case((3,), chunks=5)))),
    OpInfo("unbind", "getitem", "torch's unbind: the slices along dim, without that axis",
           JOIN, torch=("unbind",), methods=("unbind",),
           call=joined(lambda t, dim=0: t.unbind(dim)),
           ref=ref_joined(lambda a, dim=0: [np.take(a, i, axis=dim) for i in range(
               a.shape[dim])]),
           sample=Cases((case((2, 3), dim=1), case((3, 2, 2)), case((4,))))),
    OpInfo("masked_select", "getitem with a bool mask", "the entries where a bool mask is "
           "True, as a 1-D tensor (mask and x broadcast together)", JOIN,
           methods=("masked_select",), torch=("masked_select",),
           call=lambda t, mask=None: t.masked_select(mask),
           ref=lambda a, mask=None: np.broadcast_to(a, np.broadcast_shapes(a.shape, mask.shape))[
               np.broadcast_to(mask, np.broadcast_shapes(a.shape, mask.shape))],
           sample=Cases((case((2, 3), mask=np.array([[True, False, True], [False, False, True]])),
                         case((3,), mask=np.array([[True, False, True], [True, True, False]]))))),
    OpInfo("index_select", "getitem", "torch's index_select: entries at a 1-D index along dim "
           "(np.take with axis)", JOIN, torch=("index_select",), methods=("index_select",),
           call=lambda t, dim=0, index=(): t.index_select(dim, np.array(index)),
           ref=lambda a, dim=0, index=(): np.take(a, np.array(index, dtype=np.intp), axis=dim),
           sample=Cases((case((3, 4), dim=1, index=(3, 0, 3)), case((5,), index=(4, 4)),
                         case((2, 3), dim=0, index=(1,)))),
           grad="repeated indices add up"),
    OpInfo("masked_fill", ops.Where, "torch's masked_fill: value where mask, else x", BIN,
           torch=("masked_fill",), methods=("masked_fill",),
           call=lambda t, mask=(), value=0.0: t.masked_fill(np.array(mask, dtype=bool), value),
           ref=lambda a, mask=(), value=0.0: np.where(np.array(mask, dtype=bool), value, a),
           sample=Cases((case((2, 3), mask=((True, False, True), (False, False, True)),
                              value=2.5),
                         case((2, 3), mask=(False, True, False), value=-1.0))),
           grad="0 where the mask is True"),
    OpInfo("array_split", "getitem", "pieces: n sections as equal as can be, or cut at "
           "indices", JOIN, numpy=("array_split",), torch=("tensor_split",),
           function=F.array_split, call=joined(F.array_split), ref=ref_joined(np.array_split),
           sample=Cases((case((2, 5), indices_or_sections=3, axis=1),
                         case((7,), indices_or_sections=[2, 3])))),
    OpInfo("dstack", "concatenate", "tensors joined along axis 2 (made 3-D first)", JOIN,
           numpy=("dstack",), torch=("dstack",), function=F.dstack,
           call=lambda *ts: F.dstack(ts), ref=lambda *a: np.dstack(a),
           sample=Cases((case((2, 3), (2, 3)), case((3,), (3,)), case((2, 1, 2), (2, 1, 1))))),
    OpInfo("block_diag", "pad and concatenate", "torch.block_diag(*tensors): the tensors as "
           "blocks on a diagonal, zeros elsewhere", JOIN, torch=("block_diag",),
           function=F.block_diag, call=lambda *ts: F.block_diag(*ts), ref=block_diag_ref,
           sample=Cases((case((2, 3), (1, 2)), case((3,), (), (2, 2))))),
    OpInfo("cartesian_prod", "meshgrid, reshape and stack", "torch.cartesian_prod(*tensors): "
           "every combination of the 1-D tensors' entries, one row each", JOIN,
           torch=("cartesian_prod",), function=F.cartesian_prod,
           call=lambda *ts: F.cartesian_prod(*ts),
           ref=lambda *a: np.array(list(itertools.product(*a))).reshape(-1, len(a)),
           sample=Cases((case((3,), (2,)), case((2,), (2,), (3,))))),
    OpInfo("atleast_1d", "reshape", "0-d inputs as (1,)", JOIN, numpy=("atleast_1d",),
           torch=("atleast_1d",), function=F.atleast_1d, ref=np.atleast_1d,
           sample=Cases((case(()), case((2, 3))))),
    OpInfo("atleast_2d", "reshape", "(n,) as (1, n), 0-d as (1, 1)", JOIN,
           numpy=("atleast_2d",), torch=("atleast_2d",), function=F.atleast_2d,
           ref=np.atleast_2d, sample=Cases((case(()), case((3,)), case((2, 3))))),
    OpInfo("atleast_3d", "reshape", "(n,) as (1, n, 1), (m, n) as (m, n, 1)", JOIN,
           numpy=("atleast_3d",), torch=("atleast_3d",), function=F.atleast_3d,
           ref=np.atleast_3d, sample=Cases((case(()), case((3,)), case((2, 3)), case((2, 1, 2))))),
    # ---- neural-network functions (fused primitives among them) --------------------------------
    OpInfo("cross_entropy", ops.CrossEntropy, "cross-entropy of logits (n, K) against class "
           "indices (n,) or one-hot / soft rows; PyTorch's weight, ignore_index, "
           "label_smoothing and (N, K, d1, ...) layout", NN, F=("cross_entropy",),
           function=F.cross_entropy, call=ce_call, ref=ce_ref,
           sample=Cases((case((4, 3)), case((3, 5), reduction="sum"),
                         case((2, 3), reduction="none"),
                         case((5, 3), weight=(0.5, 2.0, 1.0)),
                         case((5, 3), ignored=True, reduction="sum"),
                         case((6, 4), weight=(1.0, 0.3, 2.0, 0.7), ignored=True,
                              label_smoothing=0.2),
                         case((4, 3), label_smoothing=1.0, reduction="none"),
                         case((2, 3, 2, 2), weight=(1.0, 2.0, 0.5), ignored=True),
                         case((2, 3, 2), label_smoothing=0.1, reduction="none"))),
           grad="(softmax(z) sum_k c_k - c) / n, c_i = (1 - eps) w_t onehot(t) + eps/K w "
           "(0 where ignored); the mean's divisor sum of kept w_t"),
    OpInfo("embedding", "getitem (a where for padding_idx)", "F.embedding: the rows of weight "
           "(num_embeddings, dim) at integer indices of any shape", NN, F=("embedding",),
           function=F.embedding,
           call=lambda w, index=(): F.embedding(np.array(index), w),
           ref=lambda w, index=(): w[np.array(index)],
           sample=Cases((case((5, 3), index=((0, 2), (4, 2))), case((4, 2), index=(1, 1, 3)),
                         case((3, 1), index=2))),
           grad="scattered back into the rows looked up, duplicates adding up; padding_idx's "
           "row gets none"),
    OpInfo("interpolate", "index_select, multiply and add", "F.interpolate of (N, C, L) or "
           "(N, C, H, W): modes nearest, linear, bilinear (align_corners False or True)", NN,
           F=("interpolate",), function=F.interpolate,
           call=lambda x, **kw: F.interpolate(x, **kw), ref=interpolate_ref,
           sample=Cases((case((2, 3, 4), scale_factor=2), case((1, 2, 5), size=3),
                         case((2, 1, 3, 4), size=(5, 2)),
                         case((1, 2, 3, 3), scale_factor=2.5),
                         case((2, 2, 4), size=7, mode="linear"),
                         case((1, 1, 3, 4), size=(5, 7), mode="bilinear", align_corners=False),
                         case((1, 2, 4, 3), scale_factor=(0.5, 1.7), mode="bilinear"),
                         case((1, 1, 3, 4), size=(2, 6), mode="bilinear", align_corners=True))),
           grad="the ops': nearest scatters back to the source entries, (bi)linear by the "
           "weights"),
    OpInfo("nll_loss", ops.NLL, "PyTorch's negative log-likelihood of log-probabilities "
           "(n, K) against class indices (n,); weight, ignore_index, (N, K, d1, ...)", NN,
           F=("nll_loss",), function=F.nll_loss,
           call=nll_call, ref=nll_ref,
           sample=Cases((case((4, 3), domain=Domain(-4.0, -0.1)),
                         case((3, 5), domain=Domain(-4.0, -0.1), reduction="sum"),
                         case((2, 3), domain=Domain(-4.0, -0.1), reduction="none"),
                         case((5, 3), domain=Domain(-4.0, -0.1), weight=(0.5, 2.0, 1.0),
                              ignored=True),
                         case((2, 3, 2), domain=Domain(-4.0, -0.1), ignored=True,
                              reduction="none"))),
           grad="-w[t] at each row's target (/ the kept rows' sum of w[t] for the mean; 0 for "
           "an ignored row)",
           differs="input above 0 (logits, not log-probabilities) is refused; PyTorch takes it"),
    OpInfo("one_hot", "NumPy", "class indices (n,) -> one-hot rows (n, K), a NumPy array", NN,
           F=("one_hot",), function=F.one_hot, sample=None,
           no_grad="a NumPy array of constants", float32=False),
    OpInfo("linear", ops.Linear, "x W^T + b (PyTorch's F.linear; W is (out, in)), one op", NN,
           F=("linear",), function=F.linear, tensors=3,
           ref=lambda x, w, b: x @ w.T + b, sample=Cases((case((4, 3), (2, 3), (2,)),
                                                          case((2, 5, 3), (4, 3), (4,))))),
    OpInfo("mse_loss", "sub, square, mean", "(input - target)^2, reduced", NN,
           F=("mse_loss",), function=F.mse_loss, tensors=2, ref=mse_ref,
           sample=Cases((case((3, 2), (3, 2)), case((4,), (4,), reduction="sum"),
                         case((2, 2), (2, 2), reduction="none")))),
    OpInfo("l1_loss", "sub, abs, mean", "|input - target|, reduced", NN, F=("l1_loss",),
           function=F.l1_loss, tensors=2, call=l1_call, ref=l1_ref,
           sample=Cases((case((3, 2), (3, 2)), case((4,), (4,), reduction="sum"))),
           grad="0 where input = target (as abs)"),
    OpInfo("binary_cross_entropy_with_logits", "softplus composition", "binary cross-entropy "
           "from logits and targets in [0, 1] (pos_weight=, weight=)", NN,
           F=("binary_cross_entropy_with_logits",),
           function=F.binary_cross_entropy_with_logits, tensors=2, ref=bce_ref,
           sample=Cases((case((3, 2), (3, 2), domain=Domain(0.05, 0.95)),
                         case((4,), (4,), domain=Domain(0.05, 0.95), reduction="sum")))),
    OpInfo("binary_cross_entropy", ops.BinaryCrossEntropy, "binary cross-entropy of "
           "probabilities in [0, 1] (refused outside; each log at least -100, as PyTorch's)", NN,
           F=("binary_cross_entropy",), function=F.binary_cross_entropy, tensors=2,
           ref=bce_prob_ref,
           # (p >= 0.1: at p = y = 0.055 the stencil's h^4 f^(5) / 30, f^(5) = 24 y / p^5, is
           # 1e-11 for a gradient of 0; the logs' results on the way floored it, not one op's)
           sample=Cases((case((3, 2), (3, 2), domain=Domain(0.1, 0.9)),
                         case((4,), (4,), domain=Domain(0.1, 0.9), reduction="sum"))),
           grad="PyTorch's (p - y)/max(p (1 - p), 1e-12) (-y/p + (1 - y)/(1 - p) away from 0 and "
           "1, finite at 0, 1 and subnormal p); y's: the clamped logs' difference"),
    OpInfo("layer_norm", "mean, sub, mul, sqrt, div composition", "PyTorch's layer "
           "normalization over the trailing dims normalized_shape, then weight and bias", NN,
           F=("layer_norm",), function=F.layer_norm, tensors=3, call=layer_norm_call,
           ref=layer_norm_ref,
           # (eps 1e-3: a row drawn near-constant, var << 1e-5, bends the output on a scale of
           # sqrt(eps), where h = 1e-4 differences miss by 1e-6: not a gradient error)
           sample=Cases((case((3, 4), (4,), (4,), eps=1e-3), case((2, 2, 3), (2, 3), (2, 3),
                                                                 eps=1e-3)))),
    OpInfo("smooth_l1_loss", "abs, clamp, mul, sub composition", "0.5 d^2 / beta where "
           "|d| < beta, else |d| - 0.5 beta (d = input - target; beta=1, 0: l1_loss), reduced",
           NN, F=("smooth_l1_loss",), function=F.smooth_l1_loss, tensors=2,
           call=smooth_l1_call, ref=smooth_l1_ref,
           sample=Cases((case((3, 2), (3, 2), domain=Domain(avoid=(-1.0, 0.0, 1.0))),
                         case((4,), (4,), domain=Domain(avoid=(-0.5, 0.0, 0.5)),
                              reduction="sum", beta=0.5),
                         case((2, 2), (2, 2), domain=Domain(avoid=(-2.0, 0.0, 2.0)),
                              reduction="none", beta=2.0))),
           grad="d / beta inside, sign(d) outside, continuous at |d| = beta; 0 at d = 0 (with "
           "beta = 0 too: l1_loss's); |d| = inf gives sign(d), no inf times 0"),
    OpInfo("huber_loss", "abs, clamp, mul, sub composition", "0.5 d^2 where |d| < delta, else "
           "delta (|d| - 0.5 delta) (delta=1 > 0): delta smooth_l1_loss(beta=delta); weight=, "
           "reduced", NN, F=("huber_loss",), function=F.huber_loss, tensors=2, call=huber_call,
           ref=huber_ref,
           sample=Cases((case((3, 2), (3, 2), domain=Domain(avoid=(-1.0, 0.0, 1.0))),
                         case((4,), (4,), domain=Domain(avoid=(-0.5, 0.0, 0.5)),
                              reduction="sum", delta=0.5),
                         case((2, 2), (2, 2), domain=Domain(avoid=(-2.0, 0.0, 2.0)),
                              reduction="none", delta=2.0))),
           grad="d inside, delta sign(d) outside, continuous at |d| = delta"),
    OpInfo("kl_div", ops.KLDiv, "target (log target - input) per element (log_target=: "
           "e^target (target - input)), input log-probabilities; reduced: mean over every "
           "element (PyTorch's default, which warns so), batchmean, sum, none", NN,
           F=("kl_div",), function=F.kl_div, tensors=2, ref=kl_div_ref,
           sample=Cases((case((3, 4), (3, 4), domain=POSITIVE, reduction="batchmean"),
                         case((4,), (4,), domain=POSITIVE, reduction="sum"),
                         case((2, 3), (2, 3), domain=POSITIVE, reduction="none"),
                         case((2, 3), (2, 3), reduction="sum", log_target=True))),
           grad="-target for the input; log target + 1 - input for the target (NaN at a zero "
           "target, PyTorch's: t log t has no finite derivative there); with log_target "
           "-e^target and e^target (target - input + 1)"),
    OpInfo("cosine_similarity", "norm, clamp, div, mul, sum composition", "x1 . x2 / "
           "(max(||x1||, eps) max(||x2||, eps)) along dim (dim=1, eps=1e-8), x1 and x2 "
           "broadcast", NN, torch=("cosine_similarity",), F=("cosine_similarity",),
           function=F.cosine_similarity, tensors=2, ref=cosine_similarity_ref,
           sample=Cases((case((3, 4), (3, 4), domain=NONZERO),
                         case((2, 3), (3,), domain=NONZERO, dim=1),
                         case((4,), (4,), domain=NONZERO, dim=0),
                         case((2, 1, 3), (4, 3), domain=NONZERO, dim=-1))),
           grad="each input through its own clamped norm; a norm below eps is clamped with "
           "gradient 0 through it (PyTorch clamps outside autograd: the same at a zero vector, "
           "where the norm's gradient is 0, not strictly between 0 and eps)"),
    OpInfo("scaled_dot_product_attention", "matmul, add, clamp, softmax and mul composition",
           "softmax(q kᵀ / sqrt(E) + mask) v for query (..., L, E), key (..., S, E), value "
           "(..., S, Ev), batch dimensions broadcast; a bool attn_mask (True: attend) or a "
           "float one added, is_causal, scale, dropout_p, enable_gqa", NN,
           F=("scaled_dot_product_attention",), function=F.scaled_dot_product_attention,
           tensors=3, call=sdpa_call, ref=sdpa_ref,
           sample=Cases((case((2, 3, 4), (2, 5, 4), (2, 5, 3)),
                         case((3, 4), (2, 5, 4), (5, 2), is_causal=True),
                         case((4, 2), (3, 2), (3, 3), is_causal=True, scale=0.5),
                         case((2, 4, 3, 2), (2, 2, 5, 2), (2, 2, 5, 3), enable_gqa=True),
                         case((3, 2), (4, 2), (4, 3), mask=((True, False, True, True),
                                                            (False, False, False, False),
                                                            (False, True, False, True))))),
           grad="the composition's; a query row whose every key is masked gets zero weights "
           "and no gradient (torch 2.13's value, not softmax's NaN)"),
    OpInfo("normalize", "vector norm, clamp, div composition", "x / max(||x||_p, eps) along "
           "dim (p=2 (any, inf too), dim=1, eps=1e-12)", NN, F=("normalize",),
           function=F.normalize, ref=normalize_ref,
           sample=Cases((case((3, 4), domain=NONZERO),
                         case((2, 3), domain=NONZERO, p=1.0, dim=0),
                         case((4,), domain=NONZERO, dim=0, p=3.0),
                         case((2, 2, 3), domain=NONZERO, p=0.5, dim=-1))),
           grad="the norm's (PyTorch's vector norm's), 0 through it below eps"),
    OpInfo("pairwise_distance", ops.VectorNorm, "||x1 - x2 + eps||_p along the last dim (p=2 "
           "(any, inf too), eps=1e-6, keepdim=False)", NN, torch=("pairwise_distance",),
           F=("pairwise_distance",), function=F.pairwise_distance, tensors=2,
           call=pairwise_distance_call, ref=pairwise_distance_ref,
           sample=Cases((case((3, 4), (3, 4), domain=NONZERO),
                         case((2, 3), (3,), domain=NONZERO, p=1.0),
                         case((4,), (4,), domain=NONZERO, p=3.0, keepdim=True),
                         case((2, 3), (2, 3), domain=NONZERO, p=0.5))),
           grad="PyTorch's vector norm's: sign(d) for p = 1, d |d|^(p-2) / norm^(p-1), 0 "
           "at a zero norm; the entries at the max share it for p = inf"),
    OpInfo("conv2d", ops.Conv2d, "2-D cross-correlation, NCHW (im2col + one matrix product)",
           NN, F=("conv2d",), function=F.conv2d, tensors=3,
           sample=Cases((case((2, 2, 3, 3), (2, 2, 2, 2), (2,), padding=1),
                         case((1, 1, 5, 5), (2, 1, 3, 3), (2,), stride=2)))),
    OpInfo("conv_transpose2d", ops.ConvTranspose2d, "2-D transposed convolution, NCHW: "
           "conv2d's input gradient (col2im of W^T x)", NN, F=("conv_transpose2d",),
           function=F.conv_transpose2d, tensors=3, ref=conv_transpose_ref,
           sample=Cases((case((2, 2, 3, 3), (2, 3, 2, 2), (3,)),
                         case((1, 4, 2, 3), (4, 1, 3, 2), (2,), stride=2, padding=1,
                              output_padding=1, groups=2),
                         case((1, 2, 3, 2), (2, 2, 2, 3), stride=(2, 1), padding=(0, 1),
                              dilation=(1, 2)),
                         case((2, 1, 2, 2), (1, 2, 2, 2), (2,), stride=3, output_padding=2),
                         case((1, 2, 2, 3), (2, 1, 3, 3), dilation=2, output_padding=1))),
           grad="conv2d's forward: im2col of g, then W cols for x and x cols^T for W"),
    OpInfo("conv_transpose1d", ops.ConvTranspose2d, "1-D transposed convolution, (N, C, L): "
           "conv_transpose2d over a height of 1", NN, F=("conv_transpose1d",),
           function=F.conv_transpose1d, tensors=3, ref=conv_transpose_ref,
           sample=Cases((case((2, 2, 4), (2, 3, 3), (3,), stride=2, padding=1,
                              output_padding=1),
                         case((1, 4, 3), (4, 1, 2), groups=2, dilation=2))),
           grad="conv_transpose2d's"),
    OpInfo("unfold", ops.Unfold, "sliding blocks of an NCHW image as columns (N, C*KH*KW, L): "
           "conv2d's im2col", NN, F=("unfold",), function=F.unfold, ref=unfold_ref,
           sample=Cases((case((2, 2, 4, 5), kernel_size=(2, 3)),
                         case((1, 1, 5, 5), kernel_size=3, stride=2, padding=1),
                         case((1, 2, 5, 4), kernel_size=2, dilation=2, padding=(1, 0)))),
           grad="col2im: each block's gradient added back where it was read"),
    OpInfo("fold", ops.Fold, "columns of sliding blocks (N, C*KH*KW, L) added into an NCHW "
           "image: col2im, unfold's adjoint", NN, F=("fold",), function=F.fold, ref=fold_ref,
           sample=Cases((case((2, 12, 9), output_size=(4, 5), kernel_size=(2, 3)),
                         case((1, 9, 9), output_size=5, kernel_size=3, stride=2, padding=1),
                         case((1, 8, 10), output_size=(5, 4), kernel_size=2, dilation=2,
                              padding=(1, 0)))),
           grad="im2col: the gradient read back at each block"),
    OpInfo("pixel_shuffle", "reshape, permute, reshape", "(*, C r^2, H, W) -> (*, C, H r, W r)",
           NN, F=("pixel_shuffle",), function=F.pixel_shuffle, ref=pixel_shuffle_ref,
           sample=Cases((case((2, 8, 2, 3), upscale_factor=2), case((1, 9, 1, 2), upscale_factor=3),
                         case((2, 1, 4, 2, 2), upscale_factor=2))),
           grad="the inverse rearrangement"),
    OpInfo("pixel_unshuffle", "reshape, permute, reshape", "(*, C, H r, W r) -> (*, C r^2, H, "
           "W): pixel_shuffle's inverse", NN, F=("pixel_unshuffle",), function=F.pixel_unshuffle,
           ref=pixel_unshuffle_ref,
           sample=Cases((case((2, 2, 4, 6), downscale_factor=2),
                         case((1, 1, 3, 6), downscale_factor=3),
                         case((2, 1, 1, 4, 2), downscale_factor=2))),
           grad="the inverse rearrangement"),
    OpInfo("max_pool2d", ops.MaxPool2d, "max over windows (NCHW)", NN, F=("max_pool2d",),
           function=F.max_pool2d, sample=Cases((case((1, 2, 4, 4), domain=DISTINCT),
                                                case((1, 1, 5, 5), domain=DISTINCT, kernel=3,
                                                   stride=2, padding=1))),
           grad="to the first maximum of each window"),
    OpInfo("avg_pool2d", ops.AvgPool2d, "mean over windows (NCHW)", NN, F=("avg_pool2d",),
           function=F.avg_pool2d, sample=Cases((case((1, 2, 4, 4)), case((1, 1, 4, 4), kernel=3,
                                                                      stride=1, padding=1)))),
    OpInfo("batch_norm", ops.BatchNorm, "gamma (x - mean) / sqrt(var + eps) + beta over the "
           "rows (one fused node)", NN, F=("batch_norm",), function=F.batch_norm, tensors=3,
           call=bn_call, ref=bn_ref, sample=Cases((case((5, 3), (3,), (3,)),)),
           grad="the course's BatchNormBackPass"),
    OpInfo("rnn", ops.RNN, "all hidden states of h_t = tanh(x_t U + h_{t-1} W + b) (one "
           "fused node)", NN, own=("rnn",), F=("rnn",), function=F.rnn, tensors=4,
           ref=rnn_ref, sample=Cases((Case(((4, 3), (3, 2), (2, 2), (2,)), {},
                                            Domain(-1.0, 1.0)),)),
           grad="hand-written backprop through time"),
    OpInfo("sum_of_squares", ops.SumOfSquares, "scale * sum of x^2 over all the tensors (one "
           "node: the L2 penalty)", NN, F=("sum_of_squares",), function=F.sum_of_squares,
           tensors=2, ref=lambda *a, scale=1.0: scale * sum((x**2).sum() for x in a),
           sample=Cases((case((2, 3), (3,), scale=0.5),)), grad="2 scale x"),
    # ---- copies and casts (ops/shape.py Clone, ops/unary.py Cast) -------------------------------
    OpInfo("clone", ops.Clone, "a copy that keeps the gradient flowing", COPY, methods=("clone",),
           numpy=("copy",), torch=("clone",), ref=np.copy),
    OpInfo("detach", "a constant Tensor on the same array", "the values, cut from the graph",
           COPY, methods=("detach",), torch=("detach",), ref=lambda a: a,
           no_grad="a constant: it cuts the graph", float32=False),
    OpInfo("astype", ops.Cast, "a copy in another dtype, on the graph (float results pass the "
           "gradient back, cast to x's dtype; integer and bool results are constants)", COPY,
           methods=("astype", "to", "type", "type_as", "double", "float", "half", "long", "int",
                    "bool"),
           numpy=("astype",), call=lambda t: t.astype(t.dtype),
           ref=lambda a: a.astype(a.dtype), grad="cast back to the input's dtype",
           differs="x.float() is float32 and x.int() int32, as in PyTorch; x.type() with no "
           "dtype gives the dtype's name"),
    # ---- in place: writes into the tensor's array, no graph (trust-ops' semantics) ---------------
    *(OpInfo(name, "a write into the array", doc, INPLACE, methods=(name,), syntax=syntax,
             sample=None, no_grad="writes in place: no graph (refused where a gradient needs "
             "the old values; see Trustworthy gradients)", float32=False)
      for name, doc, syntax in (
          ("add_", "x += alpha * y", ("x += y",)), ("sub_", "x -= alpha * y", ("x -= y",)),
          ("mul_", "x *= y", ("x *= y",)), ("div_", "x /= y", ("x /= y",)),
          ("zero_", "x = 0", ()), ("fill_", "x = value", ()),
          ("copy_", "x = src (broadcast)", ()), ("clamp_", "x = clamp(x, min, max)", ()),
          *((f"{n}_", f"x = x.{n}()", ()) for n in ("relu", "sigmoid", "tanh", "exp", "sqrt",
                                                     "abs", "neg", "sign")),
          ("clip_", "x = clip(x, min, max)", ()), ("tril_", "x = x.tril(diagonal)", ()),
          ("triu_", "x = x.triu(diagonal)", ()),
          ("masked_fill_", "x = x.masked_fill(mask, value)", ()),
          ("index_add_", "x = x.index_add(dim, index, source, alpha)", ()),
          ("scatter_", "x = x.scatter(dim, index, src)", ()),
          ("uniform_", "uniform draws on [a, b)", ()), ("normal_", "N(mean, std^2) draws", ()),
          ("squeeze_", "x = x.squeeze(dim)", ()), ("unsqueeze_", "x = x.unsqueeze(dim)", ()),
          ("transpose_", "x = x.swapaxes(dim0, dim1)", ()), ("t_", "x = x.t()", ()))),
    OpInfo("setitem", "a write into the array", "x[index] = value", INPLACE,
           methods=("__setitem__",), syntax=("x[i] = v",), sample=None,
           no_grad="writes in place: no graph", float32=False),
    # ---- counting and searching (constants read off the values) -----------------------------
    _count("nonzero", "torch.nonzero: the (n, ndim) indices of the nonzero entries "
           "(as_tuple=True: NumPy's np.nonzero, one index tensor per axis)",
           lambda t: (t > 0).nonzero(), lambda a: np.argwhere(a > 0),
           Cases((case((3, 4)), case((5,)), case(()))), methods=("nonzero",),
           torch=("nonzero",), differs="tg.nonzero(x) is torch's (n, ndim) indices; NumPy's "
           "tuple is tg.nonzero(x, as_tuple=True) (np.nonzero(t) gives NumPy's own)"),
    _count("argwhere", "the (n, ndim) indices of the nonzero entries",
           lambda t: (t > 0).argwhere(), lambda a: np.argwhere(a > 0),
           Cases((case((3, 4)), case((5,)), case(()))), methods=("argwhere",),
           numpy=("argwhere",), torch=("argwhere",)),
    _count("count_nonzero", "how many entries are nonzero over axis (int64)",
           None, lambda a, axis=None, keepdims=False: np.count_nonzero(a, axis,
                                                                         keepdims=keepdims),
           Reduction(), methods=("count_nonzero",), numpy=("count_nonzero",),
           torch=("count_nonzero",)),
    _count("unique", "the sorted distinct values (dim: distinct slices), with NumPy's "
           "return_index and both libraries' return_inverse, return_counts",
           lambda t, **kw: F.unique(t.round(), **kw)[-1] if kw else F.unique(t.round()),
           lambda a, **kw: np.unique(np.round(a), **kw)[-1] if kw else np.unique(np.round(a)),
           Cases((case((3, 4)), case((6,), return_counts=True), case((2, 3), axis=1,
                                                                     return_inverse=True),
                  case((4,), return_index=True), case(()))),
           methods=("unique",), numpy=("unique",), torch=("unique",),
           differs="NaNs are one value (NumPy 2's); torch keeps each apart "
           "(equal_nan=False); options by keyword (the second positional is torch's sorted= "
           "but NumPy's return_index=)"),
    _count("unique_consecutive", "each run of equal values once (torch.unique_consecutive)",
           lambda t, **kw: F.unique_consecutive(t.round(), **kw)[-1] if kw
           else F.unique_consecutive(t.round()),
           lambda a, **kw: unique_consecutive_ref(np.round(a), **kw),
           Cases((case((7,)), case((5,), return_counts=True), case((3, 2), dim=0,
                                                                         return_inverse=True))),
           methods=("unique_consecutive",), torch=("unique_consecutive",)),
    _count("bincount", "how often each of 0..max(x) occurs in 1-D non-negative integers "
           "(or the sum of their weights)",
           lambda t, **kw: F.bincount(t.detach().abs().round().long(), **kw),
           lambda a, **kw: np.bincount(np.round(np.abs(a)).astype(np.int64), **kw),
           Cases((case((6,)), case((4,), minlength=7), case((0,), minlength=2))),
           methods=("bincount",), numpy=("bincount",), torch=("bincount",),
           no_grad="constant counts (torch's backward raises: weights that require grad are "
           "refused)",
           differs="with float32 weights the sums are float32, as torch's (NumPy's float64)"),
    _count("histc", "torch.histc: counts in equal bins over [min, max] (min == max: the "
           "data's range), in x's dtype",
           lambda t, **kw: F.histc(t, **kw), histc_ref,
           Cases((case((20,), bins=5), case((3, 4), bins=3, min=-1.0, max=1.0))),
           methods=("histc",), torch=("histc",)),
    _count("histogram", "NumPy's (hist, bin_edges) (bins: a count or the edges)",
           lambda t, **kw: F.histogram(t, **kw)[0], lambda a, **kw: np.histogram(a, **kw)[0],
           Cases((case((20,), bins=5), case((3, 4), bins=3, range=(-1.0, 1.0)))),
           numpy=("histogram",), torch=("histogram",), methods=("histogram",),
           differs="x.histogram() is torch's (tensor/counting.py: 100 bins by default, "
           "counts and edges in x's dtype); tg.histogram has NumPy's dtypes: int64 counts, "
           "float64 edges (torch.histogram's are floats "
           "in the input's dtype)"),
    _count("searchsorted", "where each value goes in a sorted sequence (its last axis) to "
           "keep it sorted (side='left'/'right', torch's right=)",
           lambda s, v, **kw: F.searchsorted(F.sort(s.detach()), v, **kw),
           lambda s, v, **kw: np.searchsorted(np.sort(s), v, **kw),
           Cases((case((6,), (3, 2)), case((5,), (4,), side="right"), case((4,), ()))),
           tensors=2, numpy=("searchsorted",), torch=("searchsorted",),
           differs="a NaN sorts last, as np.sort and np.searchsorted; torch's binary search "
           "puts a NaN value after a NaN in the sequence"),
    _count("bucketize", "the bucket of each value among sorted 1-D boundaries "
           "(torch.bucketize; right=True: the bucket's left edge is closed)",
           lambda x, b, **kw: F.bucketize(x, F.sort(b.detach()), **kw),
           lambda x, b, right=False: np.searchsorted(np.sort(b), x,
                                                     "right" if right else "left"),
           Cases((case((3, 2), (5,)), case((4,), (3,), right=True))), tensors=2,
           torch=("bucketize",)),
    # ---- comparisons --------------------------------------------------------------------------
    _compare("lt", "less", "__lt__", np.less, ("lt", "less"), "<"),
    _compare("le", "less_equal", "__le__", np.less_equal, ("le", "less_equal"), "<="),
    _compare("gt", "greater", "__gt__", np.greater, ("gt", "greater"), ">"),
    _compare("ge", "greater_equal", "__ge__", np.greater_equal, ("ge", "greater_equal"), ">="),
    _compare("eq", "equal", "__eq__", np.equal, ("eq",), "=="),
    _compare("ne", "not_equal", "__ne__", np.not_equal, ("ne", "not_equal"), "!="),
    *(OpInfo(name, f"NumPy's {name} (no graph)", doc, CMP, methods=(name,), numpy=(name,),
             torch=(name,), tensors=n, ref=getattr(np, name), sample=Elementwise((KINK0,) * n),
             no_grad="a constant bool tensor", float32=False)
      for name, n, doc in (("logical_and", 2, "x and y, elementwise (nonzero is true)"),
                           ("logical_or", 2, "x or y, elementwise (nonzero is true)"),
                           ("logical_xor", 2, "x xor y, elementwise (nonzero is true)"),
                           ("logical_not", 1, "not x, elementwise (zero is true)"))),
    OpInfo("isin", "NumPy's isin (no graph)", "is each entry of x among test_elements",
           CMP, numpy=("isin",), torch=("isin",), function=F.isin, tensors=2,
           call=lambda x, y: F.isin(x.round(), y.round()),
           ref=lambda a, b: np.isin(np.round(a), np.round(b)),
           sample=Cases((case((3, 4), (5,)), case((2,), (3, 2)))),
           no_grad="a constant bool tensor", float32=False),
    OpInfo("isclose", "NumPy's isclose (no graph)", "|x - y| <= atol + rtol |y| elementwise "
           "(rtol=1e-5, atol=1e-8, equal_nan=False: NumPy's and PyTorch's defaults)", CMP,
           methods=("isclose",), numpy=("isclose",), torch=("isclose",), tensors=2,
           ref=np.isclose, sample=Elementwise((REAL, REAL)), no_grad="a constant bool tensor",
           float32=False),
    OpInfo("allclose", "NumPy's allclose (no graph)", "x.isclose(y) everywhere: a Python bool",
           CMP, methods=("allclose",), numpy=("allclose",), torch=("allclose",), tensors=2,
           call=lambda x, y: Tensor(np.asarray(x.allclose(y))),
           ref=lambda x, y: np.asarray(np.allclose(x, y)), sample=Elementwise((REAL, REAL)),
           no_grad="a Python bool", float32=False),
    *(OpInfo(name, f"NumPy's {name} (no graph)", doc, CMP, methods=(name,), numpy=(name,),
             torch=(name,), ref=getattr(np, name), sample=Elementwise(),
             no_grad="a constant bool tensor", float32=False)
      for name, doc in (("isnan", "x is NaN, elementwise: `if x.isnan().any():`"),
                        ("isinf", "x is +inf or -inf, elementwise"),
                        ("isfinite", "x is neither NaN nor infinite, elementwise"))),
    *(_reduction(name, f"NumPy's {name} (no graph)", getattr(np, name), doc, (name,),
                 no_grad="a constant bool tensor", float32=False)
      for name, doc in (("any", "is any element nonzero (True) over axis"),
                        ("all", "are all elements nonzero (True) over axis"))),
)

# ---- constructors: leaves, no inputs to differentiate (tests/test_ops.py checks their values)
_LEAF = "a leaf: nothing to differentiate"
_CONSTRUCTORS: tuple[OpInfo, ...] = tuple(
    OpInfo(name, "NumPy", doc, NEW, numpy=numpy, torch=torch, own=own, function=fn,
           sample=None, no_grad=_LEAF, float32=False)
    for name, fn, numpy, torch, own, doc in (
        ("tensor", F.tensor, ("array",), ("tensor",), (), "a copy of data, dtype inferred as "
         "NumPy does (ints stay int64)"),
        ("from_numpy", F.from_numpy, (), ("from_numpy",), (), "a Tensor on the same array"),
        ("as_tensor", F.as_tensor, ("asarray",), ("as_tensor",), (), "data as a Tensor, "
         "no copy where it can be (dtype inferred as NumPy does)"),
        ("zeros", F.zeros, ("zeros",), ("zeros",), (), "zeros(2, 3) or zeros((2, 3))"),
        ("ones", F.ones, ("ones",), ("ones",), (), "ones"),
        ("empty", F.empty, ("empty",), ("empty",), (), "zeros (no uninitialised memory)"),
        ("full", F.full, ("full",), ("full",), (), "full(shape, fill_value)"),
        ("eye", F.eye, ("eye",), ("eye",), (), "identity matrix eye(n, m=None, k=0)"),
        ("arange", F.arange, ("arange",), ("arange",), (), "start, start + step, ... < stop"),
        ("linspace", F.linspace, ("linspace",), ("linspace",), (), "num (torch: steps) "
         "numbers from start to stop inclusive"),
        ("rand", F.rand, (), ("rand",), (), "uniform in [0, 1)"),
        ("randn", F.randn, (), ("randn",), (), "standard normal"),
        ("randint", F.randint, (), ("randint",), (), "integers in [low, high)"),
        ("randperm", F.randperm, (), ("randperm",), (), "0..n-1 in a random order"),
        ("normal", F.normal, (), ("normal",), (), "N(mean, std^2) draws: elementwise over "
         "tensors of mean and std, or of size= for numbers"),
        ("bernoulli", F.bernoulli, (), ("bernoulli",), (), "1 with probability p, else 0"),
        ("multinomial", F.multinomial, (), ("multinomial",), (), "indices drawn in proportion "
         "to each row's weights (int64), with or without replacement"),
        ("zeros_like", F.zeros_like, ("zeros_like",), ("zeros_like",), (), "zeros of x's shape "
         "and dtype"),
        ("ones_like", F.ones_like, ("ones_like",), ("ones_like",), (), "ones like x"),
        ("empty_like", F.empty_like, ("empty_like",), ("empty_like",), (), "zeros like x"),
        ("full_like", F.full_like, ("full_like",), ("full_like",), (), "fill_value like x"),
        ("rand_like", F.rand_like, (), ("rand_like",), (), "uniform like x (x float, or "
         "dtype=)"),
        ("randn_like", F.randn_like, (), ("randn_like",), (), "standard normal like x"),
        ("tril_indices", F.tril_indices, (), ("tril_indices",), (), "the (2, N) int64 "
         "coordinates of a lower triangle (torch's; NumPy's returns a tuple)"),
        ("triu_indices", F.triu_indices, (), ("triu_indices",), (), "the (2, N) int64 "
         "coordinates of an upper triangle"),
    ))



def _with_function(op: OpInfo) -> OpInfo:
    """The row with its one function: the given one, or methods[0] as a function (for ops
    that have tinygrad_dl.<name> or functional names)."""
    if op.function is not None or not (op.names or op.F):
        return op
    method = next((m for m in op.methods if not m.startswith("__")), op.methods[0])
    return replace(op, function=method_function(getattr(Tensor, method), op.tensors))


# The topic modules' rows after this module's. Their order is the docs page's (render.py: the
# groups in order of first appearance, each group's rows in table order): special functions
# and constructors before the modules whose rows open the "Joins and splits" and "Sorting and
# indexing" groups, and each group's rows in the order they had.
OPS: tuple[OpInfo, ...] = tuple(map(_with_function, _OPS + rows_linalg.ROWS + rows_special.ROWS
                                     + rows_constructors.ROWS + rows_splits.ROWS
                                     + rows_shape.ROWS + rows_gathering.ROWS
                                     + rows_reductions.ROWS + rows_elementwise.ROWS
                                     + rows_bitwise.ROWS + rows_casts.ROWS + rows_inplace.ROWS
                                     + rows_3d.ROWS + CTC_ROWS + rows_pooling.ROWS
                                     + rows_attention.ROWS))
CONSTRUCTORS: tuple[OpInfo, ...] = tuple(map(_with_function,
                                              rows_constructors.constructors(_CONSTRUCTORS)))
ALL: tuple[OpInfo, ...] = OPS + CONSTRUCTORS
BY_NAME: dict[str, OpInfo] = {op.name: op for op in ALL}

# dtype names as PyTorch spells them (torch.float is float32, torch.int int32), and NumPy's
DTYPES: dict[str, Any] = {
    "float16": np.float16, "float32": np.float32, "float64": np.float64, "half": np.float16,
    "float": np.float32, "double": np.float64, "int8": np.int8, "int16": np.int16,
    "int32": np.int32, "int64": np.int64, "short": np.int16, "int": np.int32, "long": np.int64,
    "uint8": np.uint8, "bool": np.bool_,
}

# Tensor's public members that are not ops (introspection, conversion, autograd, constructors)
NOT_OPS = frozenset({
    "data", "grad", "requires_grad", "name", "shape", "dtype", "ndim", "size", "is_leaf",
    "numpy", "item", "tolist", "zero_grad", "retain_grad", "retains_grad", "register_hook",
    "register_post_accumulate_grad_hook", "backward", "draw", "zeros", "ones",
    "randn", "numel", "nelement", "dim", "ndimension", "cpu", "cuda", "device", "is_cuda",
    "grad_fn", "requires_grad_", "contiguous",
    "is_contiguous", "stride", "element_size", "is_floating_point",  # layout and dtype questions
    "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor",  # constants like x
    "is_nonzero", "is_same_size", "is_signed", "is_complex", "is_conj", "is_neg", "nbytes",
    "itemsize",  # Python answers about a tensor (layout.py)
    "is_cpu", "get_device", "equal", "imag",  # where it lives; a bool; refused (layout.py, ...)
    "detach_", "is_inference",  # graph machinery; a bool (tensor/autograd_flags.py)
})




def namespace() -> dict[str, Any]:
    """Every op under each of its NumPy and PyTorch names (and this library's own), and the
    dtype names: what `tinygrad_dl/__init__.py` exports."""
    out: dict[str, Any] = {}
    for op in ALL:
        for n in op.names:
            if n in out and out[n] is not op.fn:
                raise RuntimeError(f"optable: {n!r} names two ops")
            out[n] = op.fn
    return {**out, **DTYPES}

