"""Tensor's elementwise methods: the math functions (exp, log, sin, ..., their NumPy and
PyTorch names), clip/clamp, lerp, the arithmetic beyond +-*/ (mod, minimum, fmax, hypot,
logaddexp, ..., torch's xlogy, logit, copysign, signbit, floor_divide and //, heaviside,
float_power, sgn, positive, trunc/fix/frac, fmod, ldexp, nextafter, frexp), the activations
(relu, gelu, prelu, softmax, hardshrink, ...): one-liners over the ops of ops/unary.py,
ops/binary.py, ops/elementwise.py (clip) and ops/loss.py (softmax).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import tensor
from ..ops import (
    ELU,
    GELU,
    Abs,
    Arccos,
    Arccosh,
    Arcsin,
    Arcsinh,
    Arctan,
    Arctan2,
    Arctanh,
    Ceil,
    Clip,
    ClipBounds,
    CopySign,
    Cos,
    Cosh,
    Erf,
    Erfc,
    Exp,
    Exp2,
    Expm1,
    Floor,
    FloorDivide,
    Fmax,
    Fmin,
    Fmod,
    FrexpMantissa,
    GELUTanh,
    Hardshrink,
    Heaviside,
    Hypot,
    Ldexp,
    LeakyReLU,
    Log,
    Log1p,
    Log2,
    Log10,
    LogAddExp,
    LogAddExp2,
    Logit,
    LogSoftmax,
    Minimum,
    Mod,
    NanToNum,
    NextAfter,
    PReLU,
    Reciprocal,
    ReLU,
    Round,
    Sigmoid,
    Sign,
    SiLU,
    Sin,
    Sinc,
    Sinh,
    Softmax,
    Softplus,
    Sqrt,
    Square,
    Tan,
    Tanh,
    Trunc,
    XLogY,
)
from ..ops.spelling import numpy_keywords, spellings, torch_keywords
from .complex_numbers import complex_constant
from .conversions import as_tensor, constant_number, data_of, no_grad_result, number_fits
from .habits import last_axis

if TYPE_CHECKING:
    from . import Tensor


class ElementwiseMethods:
    """Elementwise math and activations (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- elementwise functions --------------------------------------------------------------
    def exp(self) -> Tensor: return Exp.apply(self)
    def log(self) -> Tensor: return Log.apply(self)
    def sqrt(self) -> Tensor: return Sqrt.apply(self)
    def rsqrt(self) -> Tensor: return Reciprocal.apply(Sqrt.apply(self))  # PyTorch's 1/sqrt(x)
    def abs(self) -> Tensor: return Abs.apply(self)
    def relu(self) -> Tensor: return ReLU.apply(self)
    def tanh(self) -> Tensor: return Tanh.apply(self)
    def sigmoid(self) -> Tensor: return Sigmoid.apply(self)
    absolute = abs

    @spellings(a_min="lo", a_max="hi", min="lo", max="hi")
    def clip(self, lo: Any = None, hi: Any = None) -> Tensor:
        return _clipped(self, lo, hi)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (torch's names)
        return _clipped(self, min, max)

    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002 (PyTorch's clamp_min)
        return _clipped(self, min, None)

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002 (PyTorch's clamp_max)
        return _clipped(self, None, max)

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """PyTorch's x.lerp(end, weight) = x + weight (end - x). A number weight takes
        PyTorch's two forms: from x below 0.5, from end at and above it (each exact at its own
        end); a tensor weight the first form everywhere, which no decision on its values
        picks, so a jit replay of the step stays valid (at weight 1 it may miss end by an ulp).
        x and end in the result's dtype first: an int8 end - x wrapped around (torch refuses
        integer x and end)."""
        end = as_tensor(end, self)
        number = isinstance(weight, (int, float, np.integer, np.floating))
        w = float(weight) if number else as_tensor(weight, self)
        x = self
        if x.dtype != end.dtype or x.dtype.kind != "f" or not number and w.dtype != x.dtype:
            dt = np.result_type(x.dtype, end.dtype, w if number else w.dtype)
            x, end = (t if t.dtype == dt else t.astype(dt) for t in (x, end))
        if number:
            return x + w * (end - x) if abs(w) < 0.5 else end - (end - x) * (1.0 - w)
        return x + w * (end - x)

    # ---- more arithmetic and elementwise math (ops/binary.py, ops/unary.py) -----------------
    def __mod__(self, other: Any) -> Tensor: return Mod.apply(self, as_tensor(other, self))
    def __rmod__(self, other: Any) -> Tensor: return Mod.apply(as_tensor(other, self), self)
    def mod(self, other: Any) -> Tensor: return Mod.apply(self, as_tensor(other, self))
    def remainder(self, other: Any) -> Tensor: return Mod.apply(self, as_tensor(other, self))
    def minimum(self, other: Any) -> Tensor: return Minimum.apply(self, as_tensor(other, self))
    def fmax(self, other: Any) -> Tensor: return Fmax.apply(self, as_tensor(other, self))
    def fmin(self, other: Any) -> Tensor: return Fmin.apply(self, as_tensor(other, self))
    @torch_keywords(other="x")
    def arctan2(self, x: Any) -> Tensor: return Arctan2.apply(self, as_tensor(x, self))
    def hypot(self, other: Any) -> Tensor: return Hypot.apply(self, as_tensor(other, self))
    def logaddexp(self, other: Any) -> Tensor: return LogAddExp.apply(self, as_tensor(other, self))
    def logaddexp2(self, other: Any) -> Tensor:
        return LogAddExp2.apply(self, as_tensor(other, self))
    def sin(self) -> Tensor: return Sin.apply(self)
    def cos(self) -> Tensor: return Cos.apply(self)
    def tan(self) -> Tensor: return Tan.apply(self)
    def arcsin(self) -> Tensor: return Arcsin.apply(self)
    def arccos(self) -> Tensor: return Arccos.apply(self)
    def arctan(self) -> Tensor: return Arctan.apply(self)
    def sinh(self) -> Tensor: return Sinh.apply(self)
    def cosh(self) -> Tensor: return Cosh.apply(self)
    def arcsinh(self) -> Tensor: return Arcsinh.apply(self)
    def arccosh(self) -> Tensor: return Arccosh.apply(self)
    def arctanh(self) -> Tensor: return Arctanh.apply(self)
    def log1p(self) -> Tensor: return Log1p.apply(self)
    def expm1(self) -> Tensor: return Expm1.apply(self)
    def erf(self) -> Tensor: return Erf.apply(self)
    def erfc(self) -> Tensor: return Erfc.apply(self)
    def log2(self) -> Tensor: return Log2.apply(self)
    def log10(self) -> Tensor: return Log10.apply(self)
    def exp2(self) -> Tensor: return Exp2.apply(self)
    def square(self) -> Tensor: return Square.apply(self)
    def reciprocal(self) -> Tensor: return Reciprocal.apply(self)
    def sign(self) -> Tensor: return Sign.apply(self)
    def floor(self) -> Tensor: return Floor.apply(self)
    def ceil(self) -> Tensor: return Ceil.apply(self)
    def round(self, decimals: int = 0, out: Any = None) -> Tensor:
        """Round half to even (NumPy's and PyTorch's); decimals=d as NumPy computes it: times
        10**d, rounded, divided by 10**d (d < 0: the other way round)."""
        if out is not None:  # np.round(t, out=buf) (np.round(t) passes out=None)
            numpy_keywords("round", self, out)
        if type(decimals) is not int:  # (torch refuses decimals=1.5 and True)
            if isinstance(decimals, bool) or not isinstance(decimals, np.integer):
                raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
            decimals = int(decimals)
        kind = self.data.dtype.kind  # (bool: NumPy's float16; ints and decimals: float64)
        if kind == "b" or (decimals and kind in "iu"):  # torch's NotImplementedError
            raise NotImplementedError(f"round: not implemented for dtype {self.data.dtype}"
                                      + (f" with decimals={decimals}" if kind != "b" else "")
                                      + " (as torch's); cast to a float dtype first")
        if decimals == 0:
            return Round.apply(self)
        if self.data.dtype == np.float16:  # in float32, as torch's (700 * 100 overflowed)
            return self.astype(np.float32).round(decimals).astype(np.float16)
        d = abs(decimals)  # (> 308: 10**d is inf, NaNs as torch's; no errstate: 1 us a call)
        f = 10.0 ** d if d <= 308 else np.inf
        if f > float(np.finfo(self.data.dtype).max):  # (float: NumPy cast f, warning)
            return (self * 0.0 + np.nan).round()  # NaN everywhere, gradient 0 (times f: 0 *
            # inf was NaN), torch's
        return (self * f).round() / f if decimals > 0 else (self / f).round() * f
    def sinc(self) -> Tensor: return Sinc.apply(self)
    def deg2rad(self) -> Tensor: return self * (np.pi / 180)
    def rad2deg(self) -> Tensor: return self * (180 / np.pi)
    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Tensor:
        return NanToNum.apply(self, nan=nan, posinf=posinf, neginf=neginf)
    def softplus(self) -> Tensor: return Softplus.apply(self)
    @spellings(negative_slope="slope")
    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        return LeakyReLU.apply(self, slope=constant_number("leaky_relu", "negative_slope", slope))
    def elu(self, alpha: float = 1.0) -> Tensor:
        return ELU.apply(self, alpha=constant_number("elu", "alpha", alpha))
    def gelu(self, approximate: str = "none") -> Tensor:
        """PyTorch's gelu: x Phi(x) exactly (approximate="none", its default) or its tanh
        approximation (approximate="tanh", up to 4.7e-4 away)."""
        if approximate == "none":
            return GELU.apply(self)
        if approximate == "tanh":
            return GELUTanh.apply(self)
        if not isinstance(approximate, str):
            raise TypeError(f"gelu(): argument 'approximate' must be str, not "
                            f"{type(approximate).__name__}")
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh, not "
                           f"{approximate!r}")
    def silu(self) -> Tensor: return SiLU.apply(self)
    def prelu(self, weight: Any) -> Tensor:
        """PyTorch's x.prelu(weight): x where x > 0, else weight * x; weight is one slope (a
        scalar or one element) or one per channel, the channels being dim 1 of x. The gradient
        at 0 is the slope (PyTorch's)."""
        w = as_tensor(weight, self)
        n, xs = w.data.size, self.data.shape
        if w.data.ndim > 1:
            raise ValueError(f"prelu: weight must be a scalar or a 1-D tensor, got shape "
                             f"{w.shape}")
        if n != 1:
            channels = xs[1] if len(xs) >= 2 else 1
            if n != channels:
                raise ValueError(f"prelu: weight has {n} parameters but the input has "
                                 f"{channels} channels (dim 1 of shape {self.shape})")
            w = w.reshape((n,) + (1,) * (len(xs) - 2))  # one slope per channel
        elif w.data.ndim:
            w = w.reshape(())  # one slope for every element, whatever x's shape
        return PReLU.apply(self, w)
    @spellings()
    def softmax(self, axis: int | None = None) -> Tensor:
        return Softmax.apply(self, axis=last_axis(self, axis, "softmax"))
    @spellings()
    def log_softmax(self, axis: int | None = None) -> Tensor:
        return LogSoftmax.apply(self, axis=last_axis(self, axis, "log_softmax"))
    asin, acos, atan, asinh, acosh, atanh = arcsin, arccos, arctan, arcsinh, arccosh, arctanh
    atan2 = arctan2

    # ---- more of torch's arithmetic: floor division, powers, signs, steps --------------------
    def xlogy(self, other: Any) -> Tensor:
        """x log y, 0 where x = 0 (unless y is NaN), as torch.xlogy."""
        return XLogY.apply(self, as_tensor(other, self))

    def logit(self, eps: float | None = None) -> Tensor:
        """log(x / (1 - x)); eps clamps x to [eps, 1 - eps] first (gradient 0 outside, as
        torch's); without eps, values outside [0, 1] give NaN."""
        return Logit.apply(self, eps=None if eps is None else float(eps))

    def copysign(self, other: Any) -> Tensor:
        """|x| with the sign of other (its sign bit: -0.0 counts as negative)."""
        return CopySign.apply(self, as_tensor(other, self))

    def signbit(self) -> Tensor: return no_grad_result(np.signbit(self.data))

    def floor_divide(self, other: Any) -> Tensor:
        """floor(x / y), Python's // (torch.floor_divide); gradient 0, as floor's."""
        return FloorDivide.apply(self, as_tensor(other, self))

    def __floordiv__(self, other: Any) -> Tensor:
        return FloorDivide.apply(self, as_tensor(other, self))

    def __rfloordiv__(self, other: Any) -> Tensor:
        return FloorDivide.apply(as_tensor(other, self), self)

    def heaviside(self, values: Any) -> Tensor:
        """0 where x < 0, values where x == 0, 1 where x > 0; gradient 0."""
        return Heaviside.apply(self, as_tensor(values, self))

    def float_power(self, exponent: Any) -> Tensor:
        """x ** exponent in float64 (torch.float_power): the result is float64, or complex128
        where either is complex, as torch's (a complex one was cast to float64: its imaginary
        part dropped with only NumPy's ComplexWarning)."""
        tensor_e = isinstance(exponent, tensor.Tensor)
        complex_ = "c" in (self.dtype.kind, tensor_e and exponent.dtype.kind)
        dt = np.complex128 if complex_ else np.float64
        return self.astype(dt) ** (exponent.astype(dt) if tensor_e else exponent)

    float_power.numbers_dtype = np.float64  # type: ignore[attr-defined]  # (method_function)

    def sgn(self) -> Tensor:
        """torch.sgn: the sign of a real tensor, 0 at NaN (torch's; NumPy's sign gives NaN); a
        bool tensor's is itself (a copy, as torch's: NumPy has no sign for bool)."""
        if self.data.dtype == bool:
            return no_grad_result(self.data.copy())
        if self.data.dtype.kind == "c":  # z / |z| (0 at 0), a constant: NumPy's complex sign
            return no_grad_result(np.sign(complex_constant("sgn", self)))
        s = self.sign()
        # 0 at NaN by an op, per call: a branch on np.isnan(s.data) here was frozen by a jit
        # replay (recorded without NaN, a later NaN came out NaN); sign is never infinite
        return s if s.dtype.kind != "f" else s.nan_to_num(0.0)

    def positive(self) -> Tensor:
        """torch.positive: x itself (a bool tensor is refused, as torch's)."""
        if self.data.dtype == bool:
            raise TypeError("positive: not supported on a bool tensor (as torch's)")
        return self

    def __pos__(self) -> Tensor: return self.positive()

    # ---- rounding toward zero ----------------------------------------------------------------
    def trunc(self) -> Tensor: return Trunc.apply(self)
    def fix(self) -> Tensor: return Trunc.apply(self)

    def frac(self) -> Tensor:
        """x - trunc(x), with x's sign (torch.frac): gradient 1."""
        if (dt := self.data.dtype).kind not in "fc":  # (torch has no integer or bool kernel:
            # an integer's was 0, a bool's NumPy's subtract error)
            raise NotImplementedError(f"frac: not implemented for dtype {dt} (as torch's); "
                                      "cast first, x.float()")
        return self - Trunc.apply(self)

    def fmod(self, other: Any) -> Tensor:
        """x mod y with the sign of x (np.fmod, torch.fmod; mod/remainder take y's sign)."""
        return Fmod.apply(self, as_tensor(other, self))

    # ---- a float's mantissa and exponent -----------------------------------------------------
    def ldexp(self, other: Any) -> Tensor:
        """torch.ldexp: x * 2 ** other (an integer x is made float32, torch's default dtype);
        gradients to both, as that product's (an integer exponent gets none)."""
        x = self if self.dtype.kind in "fc" else self.astype(np.float32)
        # An integer exponent (a Python int too): np.ldexp, as torch's; x * 2.0 ** e is not
        # exact where 2.0 ** e alone over- or underflows (0 * 2 ** 2000 gave NaN)
        e = as_tensor(np.asarray(other) if type(other) is int else other, x)
        if e.dtype.kind in "iub":
            if x.dtype.kind == "f":
                return Ldexp.apply(x, exponent=e.data)
            e = e.astype(np.finfo(x.dtype).dtype)  # a complex x: z * 2 ** e (no np.ldexp)
        if x.dtype.kind == "c" or e.dtype.kind == "c":  # promoted, as torch's (a cast to a
            return x * 2.0 ** e  # real dtype dropped z's or e's imaginary part, unsaid)
        return x * 2.0 ** (e if e.dtype == x.dtype else e.astype(x.dtype))

    def nextafter(self, other: Any) -> Tensor:
        """torch.nextafter: the next float after x toward other, in the two's promoted dtype
        (NumPy's promotion: float32 x toward a float64 or int64 other steps in float64), which
        must be a float one (two integer tensors are refused, as torch's); torch's gradient:
        g to x, none to other."""
        y = as_tensor(other, self)
        dt = np.result_type(self.dtype, y.dtype)
        if dt.kind != "f":
            raise TypeError(f"nextafter: expects float tensors (or one float, one integer), got "
                            f"{self.dtype} and {y.dtype}")
        return NextAfter.apply(self.astype(dt, copy=False), y.astype(dt, copy=False))

    def frexp(self) -> MantissaExponent:
        """torch.frexp: (mantissa, exponent) with x = mantissa * 2 ** exponent, the mantissa
        in [0.5, 1) in size (x itself at 0, inf, NaN), the exponent int32; the mantissa's
        gradient is 2 ** -exponent (torch's)."""
        if self.dtype.kind != "f":
            raise TypeError(f"frexp: expects a float tensor, got dtype {self.dtype}")
        return MantissaExponent(FrexpMantissa.apply(self),
                                no_grad_result(np.frexp(self.data)[1].astype(np.int32)))

    # ---- more activations --------------------------------------------------------------------
    def hardshrink(self: Tensor, lambd: float = 0.5) -> Tensor:
        """torch's x.hardshrink(lambd): F.hardshrink's op, x where |x| > lambd, else 0."""
        if isinstance(lambd, bool) or not isinstance(lambd, (int, float, np.integer,
                                                             np.floating)):
            raise TypeError(f"hardshrink: lambd must be a number, got {type(lambd).__name__}")
        return Hardshrink.apply(self, lambd=float(lambd))


def _clipped(x: Tensor, lo: Any, hi: Any) -> Tensor:
    """clip/clamp: Clip with constant bounds; a Tensor bound that requires grad makes the
    bounds inputs of ClipBounds, which gives them torch's gradients. A number bound past the
    result's range (float32, float16, an integer dtype) is refused, as torch refuses it
    (clamp(1e300) gave inf; x8.clip_(np.int64(300)) wrapped around to 44)."""
    dt = x.data.dtype
    if dt.kind in "biu":  # (the result's dtype, whose range a number bound must fit: a tensor
        # or a NumPy float bound promotes it, a Python float makes it float64; a NumPy integer
        # is read as torch reads it, a number, so a clip_ of it cannot wrap around)
        strong = (tensor.Tensor, np.floating)
        if isinstance(lo, strong) or isinstance(hi, strong):
            dt = np.result_type(dt, *(data_of(v).dtype if isinstance(v, tensor.Tensor) else
                                      v.dtype for v in (lo, hi) if isinstance(v, strong)))
        if dt.kind in "biu" and (type(lo) is float or type(hi) is float):
            dt = np.dtype(np.float64)
    number_fits("clamp", lo, dt, "min")
    number_fits("clamp", hi, dt, "max")
    if not any(isinstance(v, tensor.Tensor) and v.requires_grad for v in (lo, hi)):
        return Clip.apply(x, lo=_bound(lo, x), hi=_bound(hi, x))
    bounds = [as_tensor(v, x) for v in (lo, hi) if v is not None]
    return ClipBounds.apply(x, *bounds, lo=lo is not None, hi=hi is not None)


def _bound(v: Any, x: Tensor) -> Any:
    """A clip bound: None, a number, or an array (a Tensor bound that needs no gradient is a
    constant). A NumPy scalar beside a float x is read as the Python number of its kind, as
    in arithmetic (as_tensor): np.clip would promote float32 x to float64 for an np.float64
    bound."""
    if isinstance(v, tensor.Tensor):
        return data_of(v)
    if isinstance(v, np.generic) and v.dtype.kind in "biuf" and x.data.dtype.kind == "f":
        return np.asarray(v, dtype=x.data.dtype)
    return v


class MantissaExponent(NamedTuple):
    """What torch.frexp returns: (mantissa, exponent)."""

    mantissa: Tensor
    exponent: Tensor
