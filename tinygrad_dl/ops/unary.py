"""More elementwise math beyond the core (elementwise.py): trigonometric and hyperbolic
functions, log/exp variants, the usual activations, and the piecewise-constant ops
(sign, floor, ceil, round) whose gradient is zero wherever it exists.

Each op saves what its backward needs and nothing more (often its own output); constants are
made in the input's dtype, so float32 stays float32.
"""

from __future__ import annotations

import numpy as np

from ..engine import Function
from ..grad import passed
from . import erf
from .activations import float_only
from .elementwise import as_float, complex_log1p, real_only

__all__ = ["Arccos", "Arccosh", "Arcsin", "Arcsinh", "Arctan", "Arctanh", "Cast", "CELU", "Ceil",
    "Cos", "Cosh", "ELU", "Erf", "Erfc", "Exp2", "Expm1", "Floor", "GELU", "GELUTanh", "Hardshrink",
    "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "Log10", "Log1p", "Log2", "NanToNum",
    "Reciprocal", "Round", "SiLU", "Sign", "Sin", "Sinh", "Softplus", "Softshrink",
    "Square", "Tan", "Threshold", "Trunc", "Logit"]

_BOOL = np.bool_  # (by dtype.type: an unpickled array's bool dtype is another object)
_LN2 = float(np.log(2.0))
_INV_LN2, _INV_LN10 = 1.4426950408889634, 0.4342944819032518  # (mpmath's; not 1 / np.log(10))


class _Saves(Function):
    """Unary op whose backward needs only its input x: a float function of it (integer and
    bool input in float64: as_float), unless `keeps_dtype` (square: int stays int)."""

    keeps_dtype = False

    def forward(ctx, x):
        if not ctx.keeps_dtype:
            x = as_float(x)
        ctx.save_for_backward(x)
        return ctx.f(x)


class Sin(_Saves):
    f = staticmethod(np.sin)

    def backward(ctx, g):
        return g * np.cos(ctx.saved[0])


class Cos(_Saves):
    f = staticmethod(np.cos)

    def backward(ctx, g):
        return -g * np.sin(ctx.saved[0])


class Tan(Function):
    def forward(ctx, x):
        x = as_float(x)
        out = np.tan(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        t = ctx.saved[0]
        return g * (1 + t * t)  # sec^2 = 1 + tan^2


class Arcsin(_Saves):
    """Needs |x| < 1 for a finite gradient."""

    f = staticmethod(np.arcsin)

    def backward(ctx, g):
        x = ctx.saved[0]  # ((1 - x)(1 + x): 1 - x*x lost digits near |x| = 1)
        return g / np.sqrt((1 - x) * (1 + x))


class Arccos(_Saves):
    """Needs |x| < 1 for a finite gradient."""

    f = staticmethod(np.arccos)

    def backward(ctx, g):
        x = ctx.saved[0]  # (as Arcsin's)
        return -g / np.sqrt((1 - x) * (1 + x))


class Arctan(_Saves):
    f = staticmethod(np.arctan)

    def backward(ctx, g):
        x = ctx.saved[0]
        with np.errstate(over="ignore"):  # x^2 overflows from |x| = 1.3e154: 0, where 1/x^2 is
            d = 1 + x * x  # subnormal (float32: from 1.8e19)
        return g / d if not np.isinf(d).any() else g * np.where(np.isinf(d), (1 / x) ** 2, 1 / d)


class Sinh(_Saves):
    f = staticmethod(np.sinh)

    def backward(ctx, g):
        return g * np.cosh(ctx.saved[0])


class Cosh(_Saves):
    f = staticmethod(np.cosh)

    def backward(ctx, g):
        return g * np.sinh(ctx.saved[0])


class Log1p(_Saves):
    @staticmethod
    def f(x):
        return np.log1p(x) if x.dtype.kind != "c" else complex_log1p(x)

    def backward(ctx, g):
        return g / (1 + ctx.saved[0])


class Expm1(_Saves):
    f = staticmethod(np.expm1)

    def backward(ctx, g):
        # d/dx (e^x - 1) = e^x, from x: expm1(x) + 1 is -1 + 1 = 0 once e^x is below the
        # rounding of -1 (float32 from x = -17), and loses digits well before (PyTorch's)
        return g * np.exp(ctx.saved[0])


class Log2(_Saves):
    f = staticmethod(np.log2)

    def backward(ctx, g):
        return g * _INV_LN2 / ctx.saved[0]  # (x ln 2 rounded a subnormal x: 1/x is exact)


class Log10(_Saves):
    f = staticmethod(np.log10)

    def backward(ctx, g):
        return g * _INV_LN10 / ctx.saved[0]  # (x ln 10 overflowed from x = 7.8e307)


class Exp2(Function):
    def forward(ctx, x):
        x = as_float(x)
        out = np.exp2(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        return g * ctx.saved[0] * _LN2


class Square(Function):
    """x * x; an int's square is an int (torch's), a bool's int64 (torch's; NumPy's int8)."""

    def forward(ctx, x):
        if x.dtype.type is _BOOL:
            x = x.astype(np.int64)
        ctx.save_for_backward(x)
        return np.square(x)

    def backward(ctx, g):
        return g * (2 * ctx.saved[0])


class Reciprocal(Function):
    def forward(ctx, x):
        # integers: 1 / x in float, as every other unary op here and torch (np.reciprocal of
        # int64 truncates: [2, 4] gave [0, 0]); complex: 1 / x, whose 1 / 0j is inf+nanj as
        # torch's and x ** -1 here (np.reciprocal's was nan+nanj)
        out = np.reciprocal(x) if x.dtype.kind == "f" else np.true_divide(1.0, x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        r = ctx.saved[0]
        return -g * r * r


class _ZeroGrad(Function):
    """Piecewise constant: the gradient is 0 wherever it exists (undefined at the jumps, where
    0 is returned too, as PyTorch does)."""

    def forward(ctx, x):
        return ctx.f(x)

    def backward(ctx, g):
        return np.zeros_like(g)


class Sign(_ZeroGrad):
    def forward(ctx, x):
        if x.dtype.kind == "c":  # (complex: torch refuses sign, its sgn is x / |x|)
            real_only("sign (use sgn)", x)
        try:
            return np.sign(x)
        except TypeError:  # (NumPy has no bool loop: torch's sign of a bool is the bool)
            if x.dtype.kind == "b":
                return x.copy()
            raise


def _no_bool(who: str) -> None:
    """Refuse a bool array in one line, as torch does (its rounding ops have no bool kernel;
    NumPy's returned the bools, round float16). The caller checks the dtype."""
    raise NotImplementedError(f"{who}: not implemented for dtype bool (as torch's); cast first, "
                              f"x.int() or x.float()")


class _Rounding(_ZeroGrad):
    """floor, ceil, round, trunc: integers as they are (torch's), bool refused (torch's)."""

    def forward(ctx, x):
        if x.dtype.type is _BOOL:
            _no_bool(type(ctx).__name__.lower())
        return ctx.f(x)


class Floor(_Rounding):
    f = staticmethod(np.floor)


class Ceil(_Rounding):
    f = staticmethod(np.ceil)


class Round(_Rounding):
    """Rounds half to even (np.round)."""

    f = staticmethod(np.round)


class Trunc(_Rounding):
    """Rounds toward zero (np.trunc, torch.trunc)."""

    f = staticmethod(np.trunc)


# ---- activations -------------------------------------------------------------------------
class Softplus(_Saves):
    """log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|): no overflow for large |x|."""

    @staticmethod
    def f(x):
        real_only("softplus (mish, logsigmoid)", x)  # (|x| dropped the imaginary part)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def backward(ctx, g):
        x = ctx.saved[0]
        e = np.exp(-np.abs(x))  # sigmoid(x), overflow-free
        return g * np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class LeakyReLU(Function):
    """x if x > 0 else slope * x; the gradient at 0 is slope (like PyTorch)."""

    def forward(ctx, x, slope=0.01):
        real_only("leaky_relu", x)  # (complex is not ordered: torch refuses too)
        x = as_float(x)  # (an int x: the slope in its dtype was int(0.01) = 0)
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, x * x.dtype.type(slope))

    def backward(ctx, g):
        return np.where(ctx.saved[0] > 0, g, g * g.dtype.type(ctx.slope))


class ELU(Function):
    """x if x > 0 else alpha (e^x - 1); the gradient at 0 is alpha (like PyTorch)."""

    def forward(ctx, x, alpha=1.0):
        real_only("elu", x)  # (complex is not ordered: torch refuses too)
        x = as_float(x)  # (an int x: alpha in its dtype was int(0.5) = 0)
        a = x.dtype.type(alpha)
        out = np.where(x >= 0, x, a * np.expm1(np.minimum(x, 0)))  # (x at +-0, torch's, any alpha)
        ctx.save_for_backward(x)
        ctx.alpha = a
        return out

    def backward(ctx, g):
        x = ctx.saved[0]
        # alpha e^x, not out + alpha: that is -alpha + alpha = 0 once e^x is below out's
        # rounding (float32 from x = -17), where e^x itself is still representable (PyTorch's)
        d = ctx.alpha * np.exp(np.minimum(x, 0))
        return np.where(x <= 0, g * d, g)  # a NaN passes g on (PyTorch)


class CELU(Function):
    """x if x > 0 else alpha (e^(x/alpha) - 1) (PyTorch's celu; any alpha but 0, a negative one
    too: the branch is chosen by the sign of x). The gradient is e^(x/alpha) for x <= 0, so 1
    at 0 from both sides; a NaN passes g on (PyTorch's)."""

    def forward(ctx, x, alpha=1.0):
        x = float_only("celu", x)  # (integers, bools, complex: torch refuses them too)
        inv = x.dtype.type(1 / alpha)  # PyTorch's: x times 1/alpha
        ctx.save_for_backward(x)
        ctx.inv = inv
        with np.errstate(over="ignore"):  # the branch not taken (x > 0, alpha < 0)
            return np.where(x > 0, x, x.dtype.type(alpha) * np.expm1(x * inv))

    def backward(ctx, g):
        x = ctx.saved[0]
        with np.errstate(over="ignore"):
            return np.where(x <= 0, g * np.exp(x * ctx.inv), g)


class Erf(_Saves):
    """erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt: NumPy has none, so ops/erf.py computes it (fdlibm's
    method, under 1 ulp in float64; float32 is computed in float64 and rounded once)."""

    f = staticmethod(erf.erf)

    def backward(ctx, g):
        # 2/sqrt(pi) e^(-x^2), with x^2 split so that the tail keeps its digits
        return g * (erf.TWO_OVER_SQRT_PI * erf.exp_neg_square(ctx.saved[0])).astype(g.dtype)


class Erfc(_Saves):
    """erfc(x) = 1 - erf(x) without the cancellation (erfc(10) = 2.09e-45, not 0)."""

    f = staticmethod(erf.erfc)

    def backward(ctx, g):
        return g * (-erf.TWO_OVER_SQRT_PI * erf.exp_neg_square(ctx.saved[0])).astype(g.dtype)


_INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2 pi): the normal density at 0


class GELU(Function):
    """x Phi(x), Phi the standard normal CDF: PyTorch's gelu (approximate="none"), the exact one.
    Phi(x) = erfc(-x/sqrt 2)/2 in float64 (ops/erf.py), so the negative tail keeps its digits
    (PyTorch's 0.5 x (1 + erf(x/sqrt 2)) cancels: its gelu(-8) is 2% off, gelu(-10) is 0).
    d/dx = Phi(x) + x phi(x). float32 is computed in float64 and rounded once."""

    def forward(ctx, x):
        ctx.save_for_backward(real_only("gelu", x))
        x64 = x.astype(np.float64)
        with np.errstate(invalid="ignore"):  # -inf * Phi(-inf) = -inf * 0: NaN, PyTorch's
            return (x64 * erf.normal_cdf(x64)).astype(x.dtype if x.dtype.kind == "f"
                                                      else np.float64)

    def backward(ctx, g):
        x = ctx.saved[0].astype(np.float64)
        with np.errstate(invalid="ignore"):  # +-inf: 1 + inf * 0 is NaN, as PyTorch's
            d = erf.normal_cdf(x) + x * (_INV_SQRT_2PI * erf.exp_neg_square(x, 0.5))
        return g * d.astype(g.dtype)


_GELU_C = float(np.sqrt(2.0 / np.pi))


def _gelu_parts(x):
    """sigmoid(2u) and its derivative in u, u = c (x + 0.044715 x^3): 0.5 (1 + tanh(u)) is
    sigmoid(2u), which does not cancel where tanh(u) is near -1 (float32: 30% off at x = -5)."""
    u2 = 2 * _GELU_C * (x + 0.044715 * x**3)
    e = np.exp(-np.abs(u2))
    s = np.where(u2 >= 0, 1 / (1 + e), e / (1 + e))
    return s, 2 * e / ((1 + e) * (1 + e))


class GELUTanh(_Saves):
    """The tanh approximation of GELU, 0.5 x (1 + tanh(c (x + 0.044715 x^3))), c = sqrt(2/pi)
    (PyTorch's gelu(approximate="tanh"); up to 4.7e-4 from the exact GELU), computed as
    x sigmoid(2 c (x + 0.044715 x^3)), its equal that keeps the digits of the negative tail."""

    @staticmethod
    def f(x):
        return real_only("gelu", x) * _gelu_parts(x)[0]

    def backward(ctx, g):
        x = ctx.saved[0]
        s, ds = _gelu_parts(x)  # (x^2 capped: ds is 0 from |x| = 21, and 0 * inf was NaN)
        return g * (s + x * ds * (_GELU_C * (1 + 3 * 0.044715 * np.minimum(x * x, 1e4))))


class SiLU(_Saves):
    """x * sigmoid(x) (swish)."""

    @staticmethod
    def f(x):
        if x.dtype.kind == "c":  # x / (1 + e^-x), torch's (|x| dropped the imaginary part)
            return x / (1 + np.exp(-x))
        e = np.exp(-np.abs(x))
        return x * np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def backward(ctx, g):
        x = ctx.saved[0]
        e = np.exp(-np.abs(x))
        ed = e * (d := 1 / (1 + e))  # sigmoid(-|x|), sigmoid(|x|); s (1 + x (1 - s)) as
        s = np.where(x >= 0, d, ed)  # s + x e d^2: 1 - s lost 12 ulps at x = 30
        return g * (s + x * ed * d)


# ---- PyTorch's piecewise-linear activations: its gradients at the kinks --------------------
# (compositions of clip, where and comparisons would give other values at the kinks, and a
# comparison's mask is a constant that a replayed step (tinygrad_dl.jit) refuses: the masks
# are made inside these ops, from the input, on every call)
def _int_bounds(dtype: np.dtype, lo: float, hi: float) -> tuple[int, int]:
    """hardtanh's bounds on an integer tensor, as torch's: truncated to integers (toLong), then
    an unsigned dtype's checked for a negative one and both kept in its dtype (which they must
    fit); a bool tensor refused, as torch refuses it."""
    if dtype.kind == "b":
        raise RuntimeError("hardtanh: Bool inputs not supported for hardtanh")
    if any(v != v or v in (np.inf, -np.inf) for v in (lo, hi)):  # (torch: toLong overflows)
        raise RuntimeError(f"hardtanh: limits ({lo}, {hi}) cannot be converted to {dtype} "
                           "without overflow")
    ilo, ihi = int(lo), int(hi)  # (toward 0: uint8's -0.5 is 0, taken as torch takes it)
    if dtype.kind == "u" and (ilo < 0 or ihi < 0):
        raise RuntimeError(f"hardtanh: cannot do hardtanh on an unsigned type ({dtype}) with "
                           f"negative limits ({lo}, {hi})")
    info = np.iinfo(dtype)
    if not (info.min <= ilo <= info.max and info.min <= ihi <= info.max):
        raise RuntimeError(f"hardtanh: limits ({lo}, {hi}) cannot be converted to {dtype} "
                           "without overflow")
    return ilo, ihi


class Hardtanh(Function):
    """clip(x, lo, hi) with PyTorch's hardtanh gradient: g strictly inside (lo, hi), 0 on
    the bounds and beyond (Clip's is 1 on the bounds); a NaN passes g on. relu6 is
    Hardtanh(0, 6)."""

    def forward(ctx, x, lo=-1.0, hi=1.0):
        real_only("hardtanh", x)  # (complex is not ordered: torch refuses too)
        if x.dtype.kind in "biu":  # (torch's: np.clip gave float64 here, bool's 0/1 too)
            lo, hi = _int_bounds(x.dtype, lo, hi)
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return np.clip(x, lo, hi)

    def backward(ctx, g):
        x = ctx.saved[0]
        return passed(g, ~((x <= ctx.lo) | (x >= ctx.hi)))


class Hardsigmoid(Function):
    """clip(x + 3, 0, 6) / 6; the gradient is 1/6 strictly inside (-3, 3) and 0 elsewhere,
    on the kinks and at NaN too (PyTorch's; its float64 kernel multiplies by 1/6 rounded to
    float32, this one divides by 6)."""

    def forward(ctx, x):
        real_only("hardsigmoid", x)  # (complex is not ordered: torch refuses too)
        ctx.save_for_backward(x)
        return np.clip(x + 3, 0, 6) / 6

    def backward(ctx, g):
        x = ctx.saved[0]
        return passed(g, (x > -3) & (x < 3)) / 6


class Hardswish(Function):
    """x clip(x + 3, 0, 6) / 6; the gradient is 0 at x <= -3, x/3 + 1/2 inside (-3, 3) and 1
    from 3 on, NaN included (PyTorch's: 0 at -3, 1 at 3)."""

    def forward(ctx, x):
        real_only("hardswish", x)  # (complex is not ordered: torch refuses too)
        ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / 6

    def backward(ctx, g):
        x = ctx.saved[0]
        return np.where(x <= -3, 0, np.where(x < 3, g * (x / 3 + 0.5), g))


class Threshold(Function):
    """x where x > threshold, else value; the gradient is g where x > threshold (and at NaN,
    which is kept), 0 at and below it (PyTorch's)."""

    def forward(ctx, x, threshold=0.0, value=0.0):
        real_only("threshold", x)  # (complex is not ordered: torch refuses too)
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return np.where(x <= threshold, value, x)

    def backward(ctx, g):
        return np.where(ctx.saved[0] <= ctx.threshold, 0, g)


class Hardshrink(Function):
    """x where |x| > lambd, else 0 (a NaN stays NaN); the gradient is g outside [-lambd,
    lambd] and at NaN, 0 on and inside it (PyTorch's formula, its scalar kernel's: torch
    2.13's vectorized one gives 0 at a NaN in full blocks of 8)."""

    def forward(ctx, x, lambd=0.5):
        float_only("hardshrink", x)  # (integers, bools, complex: torch refuses them too)
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return np.where((x >= -lambd) & (x <= lambd), 0, x)

    def backward(ctx, g):
        x, lambd = ctx.saved[0], ctx.lambd
        return np.where((x >= -lambd) & (x <= lambd), 0, g)


class Softshrink(Function):
    """x - lambd sign(x) where |x| > lambd, else 0 (lambd >= 0; a NaN stays NaN): x - clip(x,
    -lambd, lambd); the gradient is g outside [-lambd, lambd] and at NaN, 0 on and inside it
    (as Hardshrink's)."""

    def forward(ctx, x, lambd=0.5):
        float_only("softshrink", x)  # (integers, bools, complex: torch refuses them too)
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return x - np.clip(x, -lambd, lambd)

    def backward(ctx, g):
        x, lambd = ctx.saved[0], ctx.lambd
        return np.where((x >= -lambd) & (x <= lambd), 0, g)


# ---- inverse hyperbolic functions, nan_to_num -----------------------------------------
class Arcsinh(_Saves):
    f = staticmethod(np.arcsinh)

    def backward(ctx, g):
        # 1 / hypot(x, 1): sqrt(x^2 + 1) overflows from |x| = 1.8e19 in float32 (1.3e154 in
        # float64), where the gradient 1 / |x| is still a normal number, not 0
        return g / np.hypot(ctx.saved[0], 1)


class Arccosh(_Saves):
    """Needs x > 1 for a finite gradient."""

    f = staticmethod(np.arccosh)

    def backward(ctx, g):
        # sqrt(x^2 - 1) as sqrt(|x| - 1) sqrt(|x| + 1): no overflow for large x (as Arcsinh's)
        # and no rounding of x^2 near 1; the same value as PyTorch's for x <= -1
        a = np.abs(ctx.saved[0])
        return g / (np.sqrt(a - 1) * np.sqrt(a + 1))


class Arctanh(_Saves):
    """Needs |x| < 1 for a finite gradient."""

    f = staticmethod(np.arctanh)

    def backward(ctx, g):
        x = ctx.saved[0]  # (as Arcsin's: 1 - x*x rounded x*x, 1e5 ulps at x = 0.999999)
        return g / ((1 - x) * (1 + x))


class NanToNum(Function):
    """np.nan_to_num: NaN -> nan, +inf -> posinf, -inf -> neginf (defaults: 0 and the dtype's
    largest finite numbers). The gradient is 1 where x was finite and 0 where it was replaced
    (the replacement is a constant)."""

    def forward(ctx, x, nan=0.0, posinf=None, neginf=None):
        ctx.save_for_backward(x)
        return np.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)

    def backward(ctx, g):
        return g * np.isfinite(ctx.saved[0])


# ---- dtype -------------------------------------------------------------------------------
class Cast(Function):
    """x.astype(dtype), differentiable: the gradient is cast back to x's dtype. Always a new
    array (NumPy's astype copies), so the result never aliases x."""

    prepare_reads_values = False

    def forward(ctx, x, dtype=None):
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    def prepare(ctx, x, dtype=None):
        ctx.in_dtype = x.dtype

    def backward(ctx, g):
        return g.astype(ctx.in_dtype, copy=False)


class Logit(Function):
    """log(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given (torch.logit; an eps
    below 0, or NaN, clamps nothing). The gradient is torch's: g / (x (1 - x)), infinite at 0
    and 1; 0 outside [eps, 1 - eps] with eps, NaN outside [0, 1] without."""

    def forward(ctx, x, eps=None):
        if eps is not None and x.dtype.kind == "c":  # (its clamp ordered complex numbers
            real_only("logit with eps", x)  # lexicographically; torch refuses complex logit)
        x = as_float(x)  # (an int x: 1 - x of a uint8 2 wrapped to 255, logit(2) was -4.85)
        ctx.eps = eps = None if eps is None or not eps >= 0 else eps  # (eps -1 gave a finite
        ctx.save_for_backward(x)  # gradient where the value is NaN: torch's eps < 0 is None)
        # torch's clamp (x < eps: eps, else x > 1 - eps: 1 - eps), not np.clip's (eps > 0.5)
        z = x if eps is None else np.where(x < eps, eps, np.where(x > 1 - eps, 1 - eps, x))
        return np.log(z / (1 - z))  # (NumPy's warnings at 0 and 1, as log's)

    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(divide="ignore", invalid="ignore"):
            # |x (1 - x)|: +inf at -0.0 too, torch's (x (1 - x) >= 0 wherever d is kept)
            d = g / np.abs(x * (1 - x))
        if ctx.eps is None:
            return np.where((x < 0) | (x > 1), np.nan, d)
        return np.where((x < ctx.eps) | (x > 1 - ctx.eps), 0.0, d)
