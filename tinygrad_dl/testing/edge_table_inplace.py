"""Edge rows of the in-place operators (add_, ..., clamp_, setitem) and forms (x.sin_(),
x.add_(y), ...; tinygrad_dl/tensor/inplace.py's rules): the op's values written into x; the
in-place shape forms (squeeze_, unsqueeze_, transpose_, t_). `T` in a `torch=` lambda is the
torch module; where a row has no `numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from ..tensor.inplace_forms import INPLACE_FORMS, INPLACE_FORMS3
from .edge_table import E2, INF, NAN, E, a64, inplace_call, rows
from .edge_table import a64 as _a
from .edge_table import inplace_call as _inplace

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])


# ---- in-place operators (on constants, or under no_grad) --------------------------------------
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


# ---- in-place forms: the op's values written into x (inplace.py's rules) -------------------
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
    _V.copy(), _V.copy())}, numpy=lambda x, y: x ** y, wrt=(1,))  # (into a constant:
# recorded, as torch's; it was refused, "the operand requires grad")
rows("lerp_", lambda x, w: _inplace("lerp_", Tensor(_V), w)(x), {
    "a weight that requires grad": (_V.copy(), _V.copy())}, wrt=(1,),
     numpy=lambda x, w: x + w * (_V - x))  # (recorded, as torch's)
rows("pow_", _inplace("pow_", Tensor(np.ones((2, 3)))), {"a result larger than x": (_V.copy(),)},
     wrt=(), raises="Tensor.pow_: the result's shape \\(2, 3\\) is not this tensor's")
rows("cos_", lambda x: (x * 2).cos_(), {"an op's result (recorded, as torch's)!": (_V.copy(),)},
     numpy=lambda x: np.cos(2 * x), wrt=(0,))
rows("float_power_", _inplace("float_power_", 2), {"float64": (_V.copy(),)},
     numpy=lambda x: x ** 2.0, wrt=(), grad=(None,))
rows("float_power_", _inplace("float_power_", 2), {"float32": (_V.astype(np.float32),)},
     raises="Tensor.float_power_: the result is float64, this tensor float32")
rows("swapaxes_", lambda x: (x.swapaxes_(0, 1), x)[1], {"matrix": (X23.copy(),)},
     numpy=lambda x: x.T, wrt=(), grad=(None,))
rows("swapaxes_", lambda x: (x.swapdims_(0, 2), x)[1], {"dim out of range": (X23.copy(),)},
     wrt=(), raises="Tensor.swapaxes_: swapaxes")

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
rows("cumsum_", lambda x: (x * 2).cumsum_(0), {"an op's result (recorded, as torch's)!": (
    _V.copy(),)}, numpy=lambda x: np.cumsum(2 * x), wrt=(0,))
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

# ---- in place (inplace.py's rules; values as the out-of-place op's) ---------------------------
_M22 = np.array([[0.5, -1.0], [2.0, 0.25]])
_B = np.arange(8.0).reshape(2, 2, 2) / 5
_ARGS: dict[str, tuple[Any, ...]] = {
    "polygamma": (1,), "mvlgamma": (2,), "addbmm": (_B, _B), "baddbmm": (_B, _B),
    "addmv": (_M22, _a(1.0, -2.0)), "addr": (_a(1.0, 2.0), _a(0.5, -1.0)),
    "floor_divide": (_a(0.4, -0.3),), "renorm": (2, 0, 0.5),
    "igamma": (_a(0.5, 3.0),), "igammac": (_a(0.5, 3.0),)}
_X0 = {"polygamma": _a(0.7, 2.5), "mvlgamma": _a(1.7, 3.0), "arccosh": _a(1.5, 3.0),
       "addbmm": _M22, "baddbmm": _B, "addr": _M22, "renorm": _M22,
       "igamma": _a(0.5, 2.0), "igammac": _a(0.5, 2.0)}
_INTS = {"bitwise_left_shift": (np.array([3, -4]), (np.array([2, 1]),)),
         "bitwise_right_shift": (np.array([3, -4]), (np.array([1, 70]),))}
for _m in INPLACE_FORMS3:
    _x0, _raw = _INTS.get(_m, (_X0.get(_m, _a(0.3, -0.6)), _ARGS.get(_m, ())))
    _args = tuple(Tensor(a) if isinstance(a, np.ndarray) else a for a in _raw)
    if _m in ("igamma", "igammac"):  # (igamma's a is x itself: its second argument is x)
        _args = (Tensor(_a(0.5, 3.0)),)
    rows(f"{_m}_", _inplace(f"{_m}_", *_args), {"values": (_x0.copy(),)},
         numpy=lambda x, m=_m, a=_args: getattr(Tensor(x), m)(*a).data.astype(x.dtype),
         wrt=(), grad=(None,), numpy_warns=False)
    if _m not in _INTS:
        rows(f"{_m}_", _inplace(f"{_m}_", *_args), {"a leaf that requires grad": (
            _x0.copy(),)}, wrt=(0,), raises=f"Tensor.{_m}_.*a leaf Variable that requires grad")
for _m in ("sinc", "lgamma", "digamma", "erfinv", "i0"):
    rows(f"{_m}_", _inplace(f"{_m}_"), {"an integer tensor": (np.array([1, 2]),)},
         raises=f"Tensor.{_m}_.*same_kind")
rows("sinc_", tg.sinc_, {"torch.sinc_ (0, inf: NaN)": (_a(0.0, 0.5, INF),)},
     numpy=lambda a: np.array([1.0, np.sinc(0.5), NAN]), wrt=(),
     grad=(None,), numpy_warns=False)
rows("i0_", tg.i0_, {"torch.i0_": (_a(0.0, 1.0),)},
     numpy=lambda a: Tensor(a).i0().data, wrt=(), grad=(None,))
for _m in ("arccosh", "arcsinh", "arctanh"):
    rows(f"{_m}_", getattr(tg, f"{_m}_"), {f"torch.{_m}_": (_a(1.5, 0.5) if _m != "arctanh"
                                                             else _a(0.5, -0.25),)},
         numpy=lambda a, m=_m: getattr(np, m)(a), wrt=(), grad=(None,))
rows("addmv_", lambda x: tg.addmv_(x, Tensor(_M22), Tensor(_a(1.0, 1.0)), beta=2),
     {"torch.addmv_, beta": (_a(1.0, 2.0),)}, numpy=lambda a: 2 * a + _M22 @ _a(1.0, 1.0),
     wrt=(), grad=(None,))
rows("floor_divide_", _inplace("floor_divide_", 2), {"ints": (np.array([7, -7]),)},
     numpy=lambda a: np.array([3, -4]))
rows("addr_", _inplace("addr_", Tensor(_a(1.0, 2.0, 3.0)), Tensor(_a(1.0, 2.0))), {
    "a result larger than x": (np.zeros((1, 2)),)}, wrt=(),
     raises="Tensor.addr_: the result's shape \\(3, 2\\) is not this tensor's")
rows("index_reduce_", lambda x: (x.index_reduce_(0, np.array([1, 1]), Tensor(_a(5.0, -2.0)),
                                                 "amax"), x)[1],
     {"amax": (_a(1.0, 3.0, 0.0),)}, numpy=lambda a: _a(1.0, 5.0, 0.0), wrt=(), grad=(None,))
rows("index_reduce_", lambda x: x.index_reduce_(0, np.array([0]), Tensor(_a(5.0)), "amax"),
     {"a leaf that requires grad": (_a(1.0),)}, wrt=(0,),
     raises="Tensor.index_reduce_.*a leaf Variable that requires grad")

# ---- in-place forms: the op's values written back (rules: tinygrad_dl/tensor/inplace.py) -----

_IP = {"empty": (E,), "one element": (_a(0.7),), "inf and nan": (_a(INF, -INF, NAN, -0.5),)}
for _name, _args, _np in (
        ("relu_", (), lambda x: np.maximum(x, 0)), ("sigmoid_", (), lambda x: 1 / (1 + np.exp(-x))),
        ("tanh_", (), np.tanh), ("exp_", (), np.exp), ("sqrt_", (), np.sqrt),
        ("abs_", (), np.abs), ("neg_", (), np.negative), ("sign_", (), np.sign),
        ("clip_", (-1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0))):
    rows(_name, _inplace(_name, *_args), _IP, numpy=_np, wrt=(), grad=(None,),
         numpy_warns=False)
    rows(_name, _inplace(_name, *_args), {"a leaf that requires grad": (_a(1.0),)},
         wrt=(0,), raises=f"Tensor.{_name}.*a leaf Variable that requires grad")
rows("sigmoid_", _inplace("sigmoid_"), {"an integer tensor": (np.array([1, 2]),)},
     raises="Tensor.sigmoid_.*same_kind")
rows("relu_", lambda x: (x * 2).relu_(), {"an op's result (recorded, as torch's)!": (
    _a(1.0),)}, numpy=lambda x: np.maximum(2 * x, 0), wrt=(0,))
for _name in ("tril_", "triu_"):
    rows(_name, _inplace(_name, -1), {"matrix": (X34.copy(),), "empty": (E2,)},
         numpy=lambda x, n=_name: getattr(np, n[:-1])(x, -1), wrt=(), grad=(None,))
rows("masked_fill_", _inplace("masked_fill_", np.array([True, False, True]), -INF), {
    "rows": (X23.copy(),)}, numpy=lambda x: np.where([True, False, True], -INF, x), wrt=(),
     grad=(None,))
rows("masked_fill_", lambda x, v: (x.masked_fill_(np.array([True]), v), x)[1],
     {"a value that requires grad": (_a(1.0), _a(2.0))}, wrt=(1,),
     numpy=lambda x, v: np.broadcast_to(v, x.shape).copy())  # (recorded, as torch's)
rows("index_add_", _inplace("index_add_", 0, np.array([1, 1]), np.ones((2, 3)), 0.5), {
    "repeats add up": (X23.copy(),)}, numpy=lambda x: x + np.array([[0.0], [1.0]]), wrt=(),
     grad=(None,))
rows("index_add_", _inplace("index_add_", 0, np.array([1]), np.ones((2, 3))), {
    "source of another shape": (X23.copy(),)}, wrt=(), raises="index_add: source of shape")
rows("scatter_", _inplace("scatter_", 1, np.array([[2], [0]]), np.array([[9.0], [8.0]])), {
    "rows": (X23.copy(),)}, numpy=lambda x: np.array([[x[0, 0], x[0, 1], 9.0],
                                                      [8.0, x[1, 1], x[1, 2]]]), wrt=(),
     grad=(None,))

# ---- the in-place shape forms (squeeze_, unsqueeze_, transpose_, t_) -------------------------
for _name, _args, _np in (("squeeze_", (), np.squeeze), ("squeeze_", (0,), np.squeeze),
                          ("unsqueeze_", (-1,), lambda x: x[..., None]),
                          ("transpose_", (0, 1), lambda x: np.swapaxes(x, 0, 1)),
                          ("t_", (), lambda x: x.T)):
    rows(_name, _inplace(_name, *_args), {f"{_args}": (X23[None] if _name == "squeeze_" else
                                                        X23,)},
         numpy=_np, wrt=(), grad=(None,))
    rows(_name, _inplace(_name, *_args), {"a leaf that requires grad": (X23.copy(),)},
         wrt=(0,), raises=f"Tensor.{_name}.*a leaf Variable that requires grad")
rows("unsqueeze_", _inplace("unsqueeze_", 3), {"dim out of range": (X23,)}, wrt=(),
     raises="Tensor.unsqueeze_: ")
rows("t_", _inplace("t_"), {"3-d": (np.zeros((2, 2, 2)),)}, wrt=(),
     raises="Tensor.t_: t\\(\\) expects")
