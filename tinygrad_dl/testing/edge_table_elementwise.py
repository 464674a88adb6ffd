"""Edge rows of elementwise functions: ldexp, nextafter, frexp, gcd, lcm, the predicates (isposinf,
isneginf, isreal), the comparison aliases, sgn, positive, the bitwise ops and shifts, rsub,
angle, igamma / igammac. `T` in a `torch=` lambda is the torch module; where a row has no
`numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from .edge_table import INF, NAN, E, rows
from .edge_table import a64 as _a

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3


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
