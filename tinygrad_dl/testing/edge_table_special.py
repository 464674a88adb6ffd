"""Edge rows of torch.special and the special functions: poles, NaN, +-inf, signed zeros,
negative, huge and tiny arguments, empty and integer inputs. `T` in a `torch=` lambda is the
torch module. Rows whose values PyTorch gets wrong (i0(inf) = NaN, trigamma(-1) = 6.6e32, ...)
give the right value explicitly and say so in their note.
"""

from __future__ import annotations

import math

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import special

from .edge_table import E2, INF, NAN, E, rows


def _a(*v: float) -> np.ndarray:
    return np.array(v, dtype=np.float64)


def _is(*v: float) -> object:
    """A numpy= reference that is the literal values (math's or mpmath's, written out)."""
    return lambda *_: _a(*v)


_COMMON = {"empty": (E2,), "scalar!": (np.float64(0.3),), "one element!": (_a(0.7),),
           "+inf": (_a(INF),), "nan": (_a(NAN),)}

# ---- lgamma, digamma, polygamma, mvlgamma ----------------------------------------------------
rows("lgamma", tg.lgamma, {
    **_COMMON, "-inf": (_a(-INF),), "poles": (_a(0.0, -0.0, -1.0, -2.0),),
    "negative!": (_a(-0.5, -2.5, -3.7),), "huge": (_a(1e300, 1e17),),
    "tiny": (_a(1e-300, -1e-300, 5e-324),), "near the zeros 1 and 2!": (_a(1.0, 2.0, 1.5),)},
    torch=lambda T, x: T.lgamma(x))
rows("lgamma", lambda x: x.lgamma(), {"int input": (np.array([1, 2, 5, 0, -3]),)},
     numpy=_is(0.0, 0.0, math.log(24.0), INF, INF), numpy_warns=False, grad=(None,),
     note="integers give float64 (NumPy's rule, as the other unary ops); PyTorch float32")
rows("lgamma", tg.lgamma, {"huge negative: a pole": (_a(-1e300, -2.0**60),)},
     numpy=_is(INF, INF), numpy_warns=False, grad=(_a(NAN, NAN),),
     note="every float this large is an integer, a pole: digamma NaN (PyTorch's gives 1e300)")

rows("digamma", tg.digamma, {
    **_COMMON, "-inf": (_a(-INF),), "signed zeros": (_a(0.0, -0.0),),
    "negative!": (_a(-0.5, -2.5, -3.7),), "huge": (_a(1e300, 1e17),),
    "tiny": (_a(1e-300, -1e-300),), "near its root!": (_a(1.4616321449683622, 1.46),)},
    torch=lambda T, x: T.digamma(x))
rows("digamma", tg.digamma, {"negative integers": (_a(-1.0, -2.0, -1e300),)},
     numpy=_is(NAN, NAN, NAN), numpy_warns=False, grad=(_a(INF, INF, INF),),
     note="poles: NaN values (PyTorch's at -1, -2) and inf gradients (PyTorch's trigamma "
     "gives 6.6e32 at -1; its digamma(-1e300) = 1e300)")

for _n in (1, 2, 3):
    rows("polygamma", lambda x, n=_n: tg.polygamma(n, x), {
        f"n={_n}: {k}": v for k, v in {
            "empty": (E2,), "one element!": (_a(0.7),), "negative!": (_a(-0.5, -2.7),),
            "zero": (_a(0.0, -0.0),), "tiny": (_a(1e-300, -1e-300),), "nan": (_a(NAN),),
            "huge": (_a(1e10),)}.items()},
        torch=lambda T, x, n=_n: T.polygamma(n, x))
rows("polygamma", lambda x: x.polygamma(1), {"n=1: poles and infinities": (_a(-1.0, INF,
                                                                                -INF),)},
     numpy=_is(INF, 0.0, NAN), numpy_warns=False, grad=(_a(-INF, -0.0, NAN),),
     note="PyTorch's trigamma gives 6.6e32 at -1 (a pole)")
rows("polygamma", lambda x: x.polygamma(2), {"n=2: poles and infinities": (_a(-1.0, INF,
                                                                                -INF),)},
     numpy=_is(-INF, -0.0, NAN), numpy_warns=False, grad=(_a(INF, 0.0, NAN),),
     note="psi''(inf) is -0 (PyTorch: NaN); at -inf poles without end: NaN (PyTorch: -inf)")
rows("polygamma", lambda x: tg.polygamma(0, x), {"n=0 is digamma!": (_a(0.5, -0.5),)},
     torch=lambda T, x: T.polygamma(0, x))
rows("polygamma", lambda x: tg.polygamma(-1, x), {"negative n": (_a(1.0),)},
     raises="polygamma: n must be >= 0, got -1")
rows("polygamma", lambda x: tg.polygamma(1.5, x), {"float n": (_a(1.0),)},
     raises="polygamma: n must be an int, got float")

rows("mvlgamma", lambda x: x.mvlgamma(2), {
    "empty": (E2,), "one element!": (_a(2.5),), "nan": (_a(NAN),), "+inf": (_a(INF),),
    "at or below (p-1)/2: computed, as PyTorch 2.13!": (_a(0.4, 0.3),)},
    torch=lambda T, x: T.mvlgamma(x, 2))
rows("mvlgamma", lambda x: tg.mvlgamma(x, 3), {"p=3!": (_a(1.7, 4.0),)},
     torch=lambda T, x: T.mvlgamma(x, 3))
rows("mvlgamma", lambda x: x.mvlgamma(0), {"p=0": (_a(1.0),)},
     raises="mvlgamma: p must be >= 1, got 0")
rows("mvlgamma", lambda x: x.mvlgamma(1.5), {"float p": (_a(1.0),)},
     raises="mvlgamma: p must be an int, got float")

# ---- erfinv, the normal distribution, erfcx ----------------------------------------------------
rows("erfinv", tg.erfinv, {
    **_COMMON, "-inf": (_a(-INF),), "edge of domain": (_a(1.0, -1.0),),
    "out of domain": (_a(1.5, -1.0000001),), "signed zero": (_a(0.0, -0.0),),
    "near 1": (_a(1 - 2.0**-40, -0.999999),), "tiny": (_a(1e-300, -5e-324),)},
    torch=lambda T, x: T.erfinv(x))
rows("ndtr", special.ndtr, {
    **_COMMON, "-inf": (_a(-INF),), "far left tail!": (_a(-30.0, -38.0),),
    "signed zero": (_a(0.0, -0.0),)}, torch=lambda T, x: T.special.ndtr(x))
rows("ndtri", special.ndtri, {
    **_COMMON, "-inf": (_a(-INF),), "edge of domain": (_a(0.0, 1.0),),
    "out of domain": (_a(-0.1, 1.1),), "half!": (_a(0.5),), "far tail": (_a(1e-300, 1e-20),),
    "subnormal": (_a(5e-324),)}, torch=lambda T, x: T.special.ndtri(x))
rows("log_ndtr", special.log_ndtr, {
    **_COMMON, "far left!": (_a(-40.0, -1e3),),
    "far right!": (_a(8.0, 40.0),)},
    torch=lambda T, x: T.special.log_ndtr(x))
rows("log_ndtr", special.log_ndtr, {"-inf and huge": (_a(-INF, -1e200, 1e200),)},
     numpy=_is(-INF, -INF, -0.0), numpy_warns=False, grad=(_a(INF, 1e200, 0.0),),
     note="the slope phi/Phi ~ -x far left, inf at -inf (PyTorch: NaN for both)")
rows("erfcx", special.erfcx, {
    **{k: v for k, v in _COMMON.items() if k != "+inf"}, "-inf": (_a(-INF),),
    "large!": (_a(30.0, 1e5),), "overflow": (_a(-30.0),),
    "negative!": (_a(-2.5, -10.0),), "huge": (_a(1e300),), "signed zero": (_a(0.0, -0.0),)},
    torch=lambda T, x: T.special.erfcx(x))
rows("erfcx", special.erfcx, {"+inf": (_a(INF),)}, numpy=_is(0.0), numpy_warns=False,
     grad=(_a(0.0),), note="the slope tends to 0 (PyTorch's 2x erfcx(x) - 2/sqrt(pi): NaN)")

# ---- the Bessel functions ------------------------------------------------------------------------
rows("i0", tg.i0, {
    "empty": (E2,), "scalar!": (np.float64(0.3),), "one element!": (_a(-3.7),),
    "nan": (_a(NAN),), "zero": (_a(0.0, -0.0),), "large!": (_a(9.0, -50.0, 700.0),)},
    torch=lambda T, x: T.i0(x))
rows("i0", tg.i0, {"+-inf and past exp's overflow": (_a(INF, -INF, 712.0),)},
     numpy=_is(INF, INF, 2.4684110577627523e+307), numpy_warns=False,
     grad=(_a(INF, -INF, 2.4666770135246153e+307),),
     note="I0(+-inf) = inf (PyTorch's NaN); I0(712) is finite (PyTorch overflows exp(712))")
rows("i0", tg.i0, {"int input": (np.array([0, 2]),)},
     numpy=_is(1.0, 2.2795853023360673), numpy_warns=False, grad=(None,))
rows("i0e", special.i0e, {
    **_COMMON, "-inf": (_a(-INF),), "zero": (_a(0.0, -0.0),), "large!": (_a(9.0, -50.0, 1e4),),
    "huge": (_a(1e300),)}, torch=lambda T, x: T.special.i0e(x))
rows("i1", special.i1, {
    "empty": (E2,), "scalar!": (np.float64(0.3),), "one element!": (_a(-3.7),),
    "zero": (_a(0.0),), "large!": (_a(9.0, -50.0, 700.0),)},
    torch=lambda T, x: T.special.i1(x))
rows("i1", special.i1, {"+-inf": (_a(INF, -INF),)}, numpy=_is(INF, -INF), numpy_warns=False,
     grad=(_a(NAN, NAN),), note="I1(+-inf) = +-inf (PyTorch's NaN); I0 - I1/x: inf - inf")
for _name in ("i1", "i1e"):
    rows(_name, getattr(special, _name), {"nan": (_a(NAN),)}, numpy=_is(NAN),
         numpy_warns=False, grad=(_a(NAN),), note="a NaN slope (PyTorch's: 1/2)")
rows("i1e", special.i1e, {
    **{k: v for k, v in _COMMON.items() if k != "nan"}, "-inf": (_a(-INF),),
    "zero": (_a(0.0),), "large!": (_a(9.0, -50.0, 1e4),)},
    torch=lambda T, x: T.special.i1e(x))

# ---- entr, xlog1py -----------------------------------------------------------------------------
rows("entr", special.entr, {
    **_COMMON, "-inf": (_a(-INF),), "zero": (_a(0.0),), "negative": (_a(-1.0, -1e-300),),
    "tiny": (_a(1e-300),)}, torch=lambda T, x: T.special.entr(x))
rows("xlog1py", special.xlog1py, {
    "empty": (E, E), "one element!": (_a(0.7), _a(1.3)), "broadcast!": (_a(0.3, 1.2, 2.1),
                                                                         _a(1.7)),
    "x = 0": (_a(0.0, 0.0, 0.0), _a(-1.0, INF, NAN)), "y = -1": (_a(1.0, -1.0), _a(-1.0, -1.0)),
    "+inf": (_a(INF), _a(2.0)), "nan": (_a(NAN), _a(2.0)), "tiny y!": (_a(2.0), _a(1e-300))},
    torch=lambda T, x, y: T.special.xlog1py(x, y))
rows("xlog1py", lambda x: special.xlog1py(x, 2.0), {"a number y!": (_a(0.5, -1.5),)},
     torch=lambda T, x: T.special.xlog1py(x, 2.0))
