"""More binary elementwise ops (minimum, arctan2, hypot, logaddexp, mod). They broadcast like
NumPy; backward sums each gradient back to its input's shape with `unbroadcast`."""

from __future__ import annotations

import numpy as np

from ..engine import Function, unbroadcast
from .elementwise import split_ties


def _grads(ctx, gx, gy):
    """(gx, gy) unbroadcast to the input shapes, None for inputs that need no gradient."""
    sx, sy = ctx.shapes
    nx, ny = ctx.needs_input_grad
    return (unbroadcast(gx, sx) if nx else None), (unbroadcast(gy, sy) if ny else None)


class Minimum(Function):
    """Elementwise min; at ties the gradient is split evenly, and NaNs as for Maximum."""

    def forward(ctx, x, y):
        out = np.minimum(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved
        return split_ties(ctx, g, x, y, x < y, np.isnan(out).any())


class Arctan2(Function):
    """arctan2(y, x), the angle of the point (x, y); undefined gradient at the origin."""

    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        ctx.shapes = y.shape, x.shape
        return np.arctan2(y, x)

    def backward(ctx, g):
        y, x = ctx.saved
        r2 = x * x + y * y
        return _grads(ctx, g * x / r2, -g * y / r2)


class Hypot(Function):
    """sqrt(x^2 + y^2) without overflow; undefined gradient at the origin."""

    def forward(ctx, x, y):
        out = np.hypot(x, y)
        ctx.save_for_backward(x, y, out)
        ctx.shapes = x.shape, y.shape
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved
        q = g / out
        return _grads(ctx, q * x, q * y)


class LogAddExp(Function):
    """log(e^x + e^y), stably; the gradients are the softmax weights of (x, y)."""

    def forward(ctx, x, y):
        out = np.logaddexp(x, y)
        ctx.save_for_backward(x, y, out)
        ctx.shapes = x.shape, y.shape
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved
        return _grads(ctx, g * np.exp(x - out), g * np.exp(y - out))


class Mod(Function):
    """x mod y with the sign of y (np.mod, Python's %, torch.remainder).

    x - floor(x / y) y: d/dx = 1, d/dy = -floor(x / y); undefined where x / y is an integer.
    """

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        ctx.shapes = x.shape, y.shape
        return np.mod(x, y)

    def backward(ctx, g):
        x, y = ctx.saved
        gy = -g * np.floor(x / y) if ctx.needs_input_grad[1] else None
        return _grads(ctx, g, gy)
