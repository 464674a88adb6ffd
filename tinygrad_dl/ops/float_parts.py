"""The parts of a floating-point number, with torch's gradients: NextAfter (np.nextafter),
FrexpMantissa (np.frexp's mantissa) and Ldexp (np.ldexp with an integer exponent)."""

from __future__ import annotations

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
