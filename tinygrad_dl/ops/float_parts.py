"""The parts of a floating-point number, with torch's gradients: NextAfter (np.nextafter),
FrexpMantissa (np.frexp's mantissa) and Ldexp (np.ldexp with an integer exponent); and the
sign of a zero that clamp keeps (clip_keeping_x, Clip's and clamp_'s)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Function, unbroadcast

__all__ = ["FrexpMantissa", "Ldexp", "NextAfter"]


class NextAfter(Function):
    """np.nextafter(x, y): the next float after x toward y. torch's gradient: g to x where
    x != y (the step is a constant; where x == y the result is y), 0 to y."""

    def forward(ctx, x, y):
        ctx.x_shape, ctx.y_shape, ctx.moved = x.shape, y.shape, x != y
        return np.nextafter(x, y)

    def backward(ctx, g):
        gx = unbroadcast(g * ctx.moved, ctx.x_shape) if ctx.needs_input_grad[0] else None
        return gx, np.zeros(ctx.y_shape, g.dtype) if ctx.needs_input_grad[1] else None


class FrexpMantissa(Function):
    """The mantissa of np.frexp(x) (in [0.5, 1) in size; x itself at 0, inf and NaN), x times
    2 ** -exponent: torch's gradient g * 2 ** -exponent (np.ldexp: no overflow for
    subnormals' large scale)."""

    def forward(ctx, x):
        mantissa, ctx.exponent = np.frexp(x)
        return mantissa

    def backward(ctx, g):
        with np.errstate(over="ignore"):  # (a subnormal x's 2 ** 1060: inf, as torch's)
            return np.ldexp(g, -ctx.exponent)


class Ldexp(Function):
    """np.ldexp(x, exponent) for an integer exponent (a constant), as torch's: exact where
    x * 2.0 ** exponent is not, 2.0 ** exponent alone over- or underflowing (0 * 2 ** 2000 is
    0, not NaN; inf * 2 ** -1100 is inf; 1e308 * 2 ** -2000 is 8.7e-295, not 0). The gradient
    to x is g * 2 ** exponent (np.ldexp too)."""

    def forward(ctx, x, exponent=None):
        # (past +-4096 every float saturates: the clip keeps np.ldexp's int32 exponent)
        ctx.e, ctx.x_shape = np.clip(exponent, -4096, 4096).astype(np.int32), x.shape
        with np.errstate(over="ignore"):  # (inf past the dtype's range, as torch's, unsaid)
            return np.ldexp(x, ctx.e)

    def backward(ctx, g):
        with np.errstate(over="ignore"):
            return unbroadcast(np.ldexp(g, ctx.e), ctx.x_shape)


def _keeps_second(dt: np.dtype) -> bool:
    """Whether NumPy's maximum and minimum give their second operand at a 0.0, -0.0 tie in dt
    (x86's SIMD loops, float32 and float64: then np.maximum(lo, x) is torch's clamp, and faster
    than np.clip), probed once in the forms used (a Python number, a 0-d array or an array
    first; into out=, or into the second) over the loops' lengths and a strided view."""
    z = np.zeros(140, dt)
    forms = ((lambda f, a, b: f(a, b)), (lambda f, a, b: f(float(a[0]), b)),
             (lambda f, a, b: f(a[:1].reshape(()), b)),
             (lambda f, a, b: f(a, b, out=np.empty_like(b))),
             (lambda f, a, b: (lambda c: f(float(a[0]), c, out=c))(b.copy())))
    return all(np.signbit(use(f, z[:n:s], -z[:n:s])).all()
               and not np.signbit(use(f, -z[:n:s], z[:n:s])).any()
               for f in (np.maximum, np.minimum) for use in forms
               for n in (1, 5, 17, 140) for s in (1, 2))


# the float dtypes (by dtype.char) where that was not found: float16 on x86 (its loop keeps
# its first operand), any on a machine whose loops differ; a tie there takes a slower path
TIE_UNSURE = "".join(c for c in "efdg" if not _keeps_second(np.dtype(c)))


def _zero_number(b: Any, dt: np.dtype) -> bool:
    """b is a number bound of 0 in dt (a Python number, -1e-300 too in float32, or a NumPy
    scalar made a 0-d array)."""
    if type(b) in (int, float):
        return abs(b) < 1 and dt.type(b) == 0
    return type(b) is np.ndarray and not b.ndim and b == 0


def clip_keeping_x(x: np.ndarray, lo: Any, hi: Any, out: np.ndarray | None = None) -> Any:
    """np.clip(x, lo, hi, out=out), x kept where it equals a number bound of 0 (and is not
    below lo), torch's: np.clip gives the bound at a tie, so clamp(-0.0, min=0) was 0.0,
    torch's -0.0 (torch keeps x at a tie; only a zero's sign can tell)."""
    dt = x.dtype
    if dt.kind != "f" or not (_zero_number(lo, dt) or _zero_number(hi, dt)):
        return np.clip(x, lo, hi) if out is None else np.clip(  # (keywords cost np.clip a
            x, lo, hi, out=out, casting="same_kind")  # microsecond: none where not needed)
    if dt.char not in TIE_UNSURE:  # torch's min(max(x, lo), hi), x kept at a tie: one pass
        kw = {} if out is None else {"out": out, "casting": "same_kind"}  # per bound, no mask
        if lo is not None:  # (a masked copy of x's zeros cost 10x np.clip)
            x = np.maximum(lo, x, **kw)
            if out is None and type(hi) in (int, float) and x.ndim:
                kw = {"out": x}  # (a number hi keeps x's dtype: the second pass in place)
        if hi is None:
            return x
        if type(hi) in (int, float) and not _zero_number(hi, dt):  # (no zero tie: NumPy's
            return np.minimum(x, hi, **kw)  # faster order, 2.5x in place)
        return np.minimum(hi, x, **kw)
    res, zero = np.asarray(np.clip(x, lo, hi)), x == 0
    if zero.any():  # (one pass more where x holds no zero)
        np.copyto(res, x, where=zero & (res == 0) & (True if lo is None else ~(x < lo)))
    return res if out is None else np.copyto(out, res, casting="same_kind") or out
