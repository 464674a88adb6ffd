"""Edge rows of more of PyTorch's names (tensor/, functional/tensor_functions.py,
linalg/torch_norms.py; tests/test_torch_names3.py): empty, 0-d, NaN and inf, integer dtypes,
negative dims and bad arguments. `T` in a `torch=` lambda is the torch module; where a row has
no `numpy=`, PyTorch's value is the reference. Integer results (no gradient) carry the values
torch 2.13 gives, written out."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from ..tensor.inplace_forms import INPLACE_FORMS3
from .edge_table import E2, INF, NAN, E, rows
from .edge_table_names import a64 as _a
from .edge_table_names import inplace_call as _inplace
from .edge_table_names import joined as _joined

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])
_V = _a(0.3, 0.5, 0.9)

# ---- H, angle --------------------------------------------------------------------------------
rows("H", lambda x: x.H, {"matrix!": (X23,), "empty rows": (E2,)}, torch=lambda T, x: x.H)
rows("H", lambda x: x.H, {"1-D": (_a(1.0, 2.0),)},
     raises=r"tensor.H is only supported on matrices \(2-D tensors\). Got 1-D tensor")
rows("H", lambda x: x.H, {"3-D": (np.zeros((2, 2, 2)),)}, raises="consider using tensor.mH")
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

# ---- narrow_copy, the unsafe_ splits, the *_copy functions ------------------------------------
rows("narrow_copy", lambda x: x.narrow_copy(1, -2, 2), {"negative start!": (X34,)},
     torch=lambda T, x: x.narrow(1, -2, 2).clone(),
     note="torch 2.13's own narrow_copy backward raises for a negative start: narrow's is "
     "the reference")
rows("narrow_copy", lambda x: x.narrow_copy(0, 1, 2), {"start 1!": (X34,)},
     torch=lambda T, x: x.narrow_copy(0, 1, 2))
rows("narrow_copy", lambda x: tg.narrow_copy(x, 0, 0, 0), {"empty result": (X23,)},
     numpy=lambda a: a[:0], grad=(np.zeros((2, 3)),),
     note="torch 2.13's own backward of an empty narrow_copy raises (a size mismatch)")
rows("narrow_copy", lambda x: x.narrow_copy(0, 1, 5), {"too long": (X23,)}, raises="narrow")
rows("unsafe_chunk", lambda x: _joined(x.unsafe_chunk(2, 1)), {"odd!": (X23,)},
     torch=lambda T, x: _joined(x.unsafe_chunk(2, 1)))
rows("unsafe_split", lambda x: _joined(x.unsafe_split(2, -1)), {"ragged!": (X34,)},
     torch=lambda T, x: _joined(x.unsafe_split(2, -1)))
rows("unsafe_split_with_sizes", lambda x: _joined(x.unsafe_split_with_sizes([1, 0, 2])), {
    "a zero size": (X34,)}, torch=lambda T, x: _joined(x.unsafe_split_with_sizes([1, 0, 2])))
rows("unsafe_split_with_sizes", lambda x: x.unsafe_split_with_sizes([1, 1]), {
    "sizes not adding up": (X34,)}, raises="split_with_sizes")
for _name, _call in (
        ("t_copy", lambda m, x: m.t_copy(x)), ("view_copy", lambda m, x: m.view_copy(x, (3, 2))),
        ("permute_copy", lambda m, x: m.permute_copy(x, (1, 0))),
        ("transpose_copy", lambda m, x: m.transpose_copy(x, 0, -1)),
        ("squeeze_copy", lambda m, x: m.squeeze_copy(x[:1])),
        ("unsqueeze_copy", lambda m, x: m.unsqueeze_copy(x, -1)),
        ("expand_copy", lambda m, x: m.expand_copy(x, (4, 2, 3))),
        ("diagonal_copy", lambda m, x: m.diagonal_copy(x, 1)),
        ("select_copy", lambda m, x: m.select_copy(x, 1, -1)),
        ("slice_copy", lambda m, x: m.slice_copy(x, 1, 0, 9, 2)),
        ("unfold_copy", lambda m, x: m.unfold_copy(x, 1, 2, 1)),
        ("alias_copy", lambda m, x: m.alias_copy(x)),
        ("split_copy", lambda m, x: _joined(m.split_copy(x, 2, 1))),
        ("split_with_sizes_copy", lambda m, x: _joined(m.split_with_sizes_copy(x, [1, 2], 1))),
        ("unbind_copy", lambda m, x: _joined(m.unbind_copy(x, 1)))):
    rows(_name, lambda x, c=_call: c(tg, x), {"2x3!": (X23.copy(),)},
         torch=lambda T, x, c=_call: c(T, x))
rows("detach_copy", tg.detach_copy, {"no gradient": (X23,)}, numpy=lambda a: a, grad=(None,))
rows("slice_copy", lambda x: tg.slice_copy(x, 0, None, None, 0), {"step 0": (X23,)},
     raises="slice_copy: step must be greater than zero")
rows("select_copy", lambda x: tg.select_copy(x, 0, 5), {"out of range": (X23,)},
     raises="select")

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

# ---- index_reduce ------------------------------------------------------------------------------
_IDX = np.array([0, 2, 0, 2])
_SRC = np.array([[1.0, -2.0], [3.0, 0.5], [1.0, 4.0], [-1.0, 0.5]])
for _red, _self in (("amax", True), ("amin", False), ("prod", True), ("mean", False),
                    ("mean", True), ("prod", False)):
    rows("index_reduce", lambda x, s, r=_red, i=_self: x.index_reduce(
        0, _IDX, s, r, include_self=i), {f"{_red}, include_self={_self}, ties": (
            np.array([[1.5, 1.2], [2.0, 2.0], [0.7, -3.0]]), _SRC)},
         torch=lambda T, x, s, r=_red, i=_self: x.index_reduce(0, T.tensor(_IDX), s, r,
                                                               include_self=i))
rows("index_reduce", lambda x, s: x.index_reduce(0, [0, 0], s, "amin", include_self=False),
     {"x ties with source, include_self=False": (_a(1.0), _a(1.0, 1.0))},
     grad=(_a(0.0), _a(0.5, 0.5)),
     note="torch 2.13 counts x's own tied value in the share even where include_self=False "
     "leaves it out (1/3 each here, the gradients adding up to 2/3); the sources' shares add "
     "up to 1 here, as scatter_reduce's")
rows("index_reduce", lambda x, s: tg.index_reduce(x, -1, [1, -1], s, "amax"), {
    "negative dim and index": (X23.copy(), np.array([[7.0, -1.0], [0.0, 9.0]]))},
     torch=lambda T, x, s: T.index_reduce(x, -1, T.tensor([1, 2]), s, "amax"))
rows("index_reduce", lambda x, s: x.index_reduce(0, [0], s, "sum"), {"sum": (_a(1.0),
                                                                            _a(2.0))},
     raises="index_reduce: reduce must be one of prod, mean, amax, amin")
rows("index_reduce", lambda x, s: x.index_reduce(0, [3], s, "amax"), {"index past the end": (
    _a(1.0), _a(2.0))}, raises="index_reduce: index out of range")

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

# ---- fill, put, constant_pad_nd ----------------------------------------------------------------
rows("fill", lambda x: tg.fill(x, 2.5), {"float": (X23,), "empty": (E2,)},
     numpy=lambda a: np.full(a.shape, 2.5), grad=(None,))
rows("fill", lambda x: tg.fill(x, 2.7), {"int truncates": (np.array([1, 2]),)},
     numpy=lambda a: np.array([2, 2]))
rows("fill", lambda x: tg.fill(x, Tensor(_a(1.0, 2.0))), {"a 1-D value": (X23,)},
     raises="fill: only supports 0-dimension value tensor")
rows("constant_pad_nd", lambda x: tg.constant_pad_nd(x, (-1, 1, 1, 0), 5.0),
     {"crop and pad!": (X34,)}, torch=lambda T, x: T.constant_pad_nd(x, (-1, 1, 1, 0), 5.0))
rows("constant_pad_nd", lambda x: tg.constant_pad_nd(x, (2, 1)), {"last dim of 2-D": (X23,),
                                                                  "1-D": (_a(1.0, 2.0),)},
     torch=lambda T, x: T.constant_pad_nd(x, (2, 1)))
rows("constant_pad_nd", lambda x: tg.constant_pad_nd(x, (1,)), {"odd": (X23,)},
     raises="constant_pad_nd: the padding length 1 must be even")

# ---- torch.batch_norm ---------------------------------------------------------------------------
_XB = np.arange(24.0).reshape(3, 2, 4) ** 1.5 / 10
for _train in (True, False):
    rows("batch_norm", lambda x, w, b, t=_train: tg.batch_norm(
        x, w, b, Tensor(_a(0.5, -1.0)), Tensor(_a(2.0, 0.5)), t, 0.1, 1e-5, False),
         {f"training={_train}!": (_XB, _a(1.5, -0.5), _a(0.1, 0.2))},
         torch=lambda T, x, w, b, t=_train: T.batch_norm(
             x, w, b, T.tensor(_a(0.5, -1.0)), T.tensor(_a(2.0, 0.5)), t, 0.1, 1e-5, False))
rows("batch_norm", lambda x: tg.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False),
     {"no affine, no running stats, 2-D!": (X34,)},
     torch=lambda T, x: T.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False))
rows("batch_norm", lambda x: tg.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False),
     {"one value per channel": (np.ones((1, 3)),)},
     raises="batch_norm: expected more than 1 value per channel when training")
rows("batch_norm", lambda x: tg.batch_norm(x, None, None, None, None, False, 0.1, 1e-5, False),
     {"eval without running stats": (X34,)},
     raises="batch_norm: running_mean and running_var must be defined in evaluation mode")

# ---- poisson, binomial (draws: the deterministic cases and refusals) ----------------------------
rows("poisson", tg.poisson, {"rate 0": (np.zeros(3),), "empty": (E,)},
     numpy=lambda a: a * 0, grad=(None,))
rows("poisson", tg.poisson, {"negative rate": (_a(-1.0),), "nan rate": (_a(NAN),)},
     raises="poisson: invalid Poisson rate")
rows("binomial", tg.binomial, {"prob 0 and 1": (_a(5.0, 3.0), _a(0.0, 1.0))},
     numpy=lambda c, p: c * p, grad=(None, None))
rows("binomial", tg.binomial, {"prob > 1": (_a(5.0), _a(1.5)), "count < 0": (_a(-1.0),
                                                                             _a(0.5))},
     raises="binomial: count must hold non-negative whole numbers")
rows("binomial", tg.binomial, {"int count": (np.array([5]), _a(0.5))},
     raises="binomial: expects float count and prob")

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

# ---- RNN cells ----------------------------------------------------------------------------------
_R = np.random.default_rng(3)
_XI, _H = _R.normal(size=(2, 3)), _R.normal(size=(2, 4))
for _name, _g in (("rnn_tanh_cell", 1), ("rnn_relu_cell", 1), ("gru_cell", 3)):
    _W = (_R.normal(size=(_g * 4, 3)), _R.normal(size=(_g * 4, 4)), _R.normal(size=_g * 4),
          _R.normal(size=_g * 4))
    rows(_name, lambda x, h, a, b, c, d, n=_name: getattr(tg, n)(x, h, a, b, c, d),
         {"batch of 2!": (_XI, _H, *_W)},
         torch=lambda T, x, h, a, b, c, d, n=_name: getattr(T, n)(x, h, a, b, c, d))
    rows(_name, lambda x, h, a, b, n=_name: getattr(tg, n)(x, h, a, b),
         {"no biases": (_XI, _H, *_W[:2])},
         torch=lambda T, x, h, a, b, n=_name: getattr(T, n)(x, h, a, b))
_W4 = (_R.normal(size=(16, 3)), _R.normal(size=(16, 4)), _R.normal(size=16),
       _R.normal(size=16))
rows("lstm_cell", lambda x, h, c, *w: _joined(tg.lstm_cell(x, (h, c), *w)), {
    "batch of 2!": (_XI, _H, _H[::-1].copy(), *_W4)},
     torch=lambda T, x, h, c, *w: _joined(T.lstm_cell(x, (h, c), *w)))
rows("lstm_cell", lambda x, h: tg.lstm_cell(x, h, *(Tensor(w) for w in _W4)), {
    "hx not a pair": (_XI, _H)}, raises="lstm_cell: hx must be a pair")

# ---- norms ---------------------------------------------------------------------------------------
rows("frobenius_norm", lambda x: tg.frobenius_norm(x, (0, 1)), {"matrix!": (X34,)},
     torch=lambda T, x: T.frobenius_norm(x, (0, 1)))
rows("frobenius_norm", lambda x: tg.frobenius_norm(x, -1, True), {"one dim, keepdim!": (X34,)},
     torch=lambda T, x: T.frobenius_norm(x, [-1], True))
rows("frobenius_norm", lambda x: tg.frobenius_norm(x, (0, 1, 2)), {"three dims": (
    np.ones((2, 2, 2)),)}, raises="frobenius_norm: expected one or two dims")
rows("nuclear_norm", tg.nuclear_norm, {"matrix!": (X34,)}, torch=lambda T, x: T.nuclear_norm(x))
rows("nuclear_norm", lambda x: tg.nuclear_norm(x, (1, 2), True), {"batch, keepdim!": (
    np.arange(12.0).reshape(2, 3, 2) ** 1.3,)},
     torch=lambda T, x: T.nuclear_norm(x, (1, 2), True))
rows("nuclear_norm", tg.nuclear_norm, {"1-D": (_a(1.0),)},
     raises="nuclear_norm: expected a 2-D tensor")
rows("matrix_rank", tg.matrix_rank, {"removed from torch": (np.eye(2),)},
     raises="matrix_rank: this function was deprecated since version 1.9 and is now removed")
