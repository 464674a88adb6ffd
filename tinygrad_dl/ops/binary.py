"""More binary elementwise ops (minimum, arctan2, hypot, logaddexp, logaddexp2, mod, fmax,
fmin). They broadcast like NumPy; backward sums each gradient back to its input's shape with
`unbroadcast`."""

from __future__ import annotations

import numpy as np

from ..engine import Function, unbroadcast

__all__ = ["Arctan2", "Fmax", "Fmin", "Hypot", "LogAddExp", "LogAddExp2", "Minimum", "Mod"]


def _grads(ctx, gx, gy):
    """(gx, gy) unbroadcast to the input shapes, None for inputs that need no gradient."""
    sx, sy = ctx.shapes
    nx, ny = ctx.needs_input_grad
    return (unbroadcast(gx, sx) if nx else None), (unbroadcast(gy, sy) if ny else None)


class Minimum(Function):
    """Elementwise min; at ties the gradient is split evenly (like Maximum)."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        ctx.shapes = x.shape, y.shape
        return np.minimum(x, y)

    def backward(ctx, g):
        x, y = ctx.saved
        wx = ((x < y) + 0.5 * (x == y)).astype(g.dtype, copy=False)
        return _grads(ctx, g * wx, g * (1.0 - wx))


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


class _NanAware(Function):
    """fmax / fmin: like maximum / minimum, but a NaN loses to a number. The gradient goes to
    the input that was picked (a number over a NaN); ties are split evenly."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        ctx.shapes = x.shape, y.shape
        return ctx.f(x, y)

    def backward(ctx, g):
        x, y = ctx.saved
        wins = ctx.beats(x, y) + 0.5 * (x == y)
        wx = np.where(np.isnan(y), 1.0, np.where(np.isnan(x), 0.0, wins)).astype(g.dtype)
        return _grads(ctx, g * wx, g * (1.0 - wx))


class Fmax(_NanAware):
    f = staticmethod(np.fmax)
    beats = staticmethod(np.greater)


class Fmin(_NanAware):
    f = staticmethod(np.fmin)
    beats = staticmethod(np.less)


class LogAddExp2(Function):
    """log2(2^x + 2^y), stably; d/dx = 2^(x - out), d/dy = 2^(y - out)."""

    def forward(ctx, x, y):
        out = np.logaddexp2(x, y)
        ctx.save_for_backward(x, y, out)
        ctx.shapes = x.shape, y.shape
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved
        return _grads(ctx, g * np.exp2(x - out), g * np.exp2(y - out))
