"""Edge rows of torch.nn.functional's further activations (relu6, hardtanh, hardswish, mish,
selu, celu, ..., hardsigmoid, glu, prelu, inplace=True) and its in-place activations (relu_,
elu_, leaky_relu_, hardtanh_, threshold_, selu_, celu_, rrelu_). `T` in a `torch=` lambda is the
torch module; where a row has no `numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import E2, INF, NAN, rows
from .edge_table import a64 as _a

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


# ---- in-place activations ----------------------------------------------------------------------
_V = _a(-2.0, -0.5, 0.0, 0.1, 3.0, INF, -INF, NAN)
_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)
_INPLACE = {  # name: (arguments, torch's values as NumPy formulas)
    "relu_": ((), lambda x: np.maximum(x, 0.0)),
    "elu_": ((0.7,), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    "leaky_relu_": ((0.2,), lambda x: np.where(x > 0, x, 0.2 * x)),
    "hardtanh_": ((-0.5, 0.8), lambda x: np.clip(x, -0.5, 0.8)),
    "threshold_": ((0.1, -2.0), lambda x: np.where(x <= 0.1, -2.0, x)),
    "selu_": ((), lambda x: _SELU[1] * np.where(x > 0, x, _SELU[0] * np.expm1(x))),
    "celu_": ((1.3,), lambda x: np.where(x > 0, x, 1.3 * np.expm1(x / 1.3))),
    "rrelu_": ((0.1, 0.3), lambda x: np.where(x > 0, x, 0.2 * x)),  # (evaluation's slope)
}
for _name, (_args, _ref) in _INPLACE.items():
    rows(_name, lambda x, n=_name, a=_args: getattr(F, n)(x, *a), {
        "edges, written in place": (_V,), "empty": (np.zeros((0, 3)),), "0-d": (_a(-1.5)[0],)},
         wrt=(), numpy=_ref, numpy_warns=False, note="torch's in-place function's values")
    rows(_name, lambda x, n=_name, a=_args: getattr(F, n)(x, *a), {
        "a leaf that requires grad": (_V,)}, raises=f"F.{_name}: a leaf Variable")
    rows(_name, lambda x, n=_name, a=_args: getattr(F, n)(x * 2, *a), {  # (hINF; refused
        "an op's result (recorded, as torch's)": (_a(-1.3, 0.35, 2.0),)},  # before)
         numpy=lambda x, r=_ref: r(2 * x), numpy_warns=False, wrt=(0,))
rows("elu_", F.elu_, {"an integer tensor": (np.array([-1, 2]),)}, raises="F.elu_: ")
rows("threshold_", lambda x: F.threshold_(x, -0.5, 2.9), {  # (torch casts both numbers to
    "an integer tensor, float numbers": (np.array([-3, -1, 0, 1, 5]),)},  # int64: x <= 0 -> 2)
     wrt=(), numpy=lambda x: np.where(x <= 0, 2, x), numpy_warns=False,
     note="torch's cast of both numbers to the tensor's dtype")
