"""Activations whose composition of ops rounds their gradient away: an op each, with the
closed-form derivative (softsign, mish, tanhshrink)."""

from __future__ import annotations

import numpy as np

from ..engine import Function
from .elementwise import as_float, real_only

__all__ = ["Mish", "Softsign", "Tanhshrink"]


def float_only(who: str, x: np.ndarray) -> np.ndarray:
    """x, refused in one line unless of a real float dtype: torch's kernels of hardshrink,
    softshrink and celu exist for floats only (an integer or bool tensor raises there; here
    hardshrink kept the integers, softshrink and celu gave float64). Complex: real_only's."""
    if real_only(who, x).dtype.kind != "f":
        raise NotImplementedError(f"{who}: not implemented for dtype {x.dtype} (as torch's); "
                                  "cast first, x.float()")
    return x


class Softsign(Function):
    """x / (1 + |x|), with the gradient 1 / (1 + |x|)^2 (the composition's quotient rule,
    1/d - |x|/d^2, cancelled: 4.5e9 ulps off at |x| = 1e10, 0 from 1e16 where 1/x^2 is a
    normal number; PyTorch's). The value is the composition's: NaN at +-inf, as torch's, and
    so is the gradient there."""

    def forward(ctx, x):
        if x.dtype.kind == "b":  # (as_float took bools: torch's abs has no bool kernel)
            raise NotImplementedError("softsign: not implemented for dtype bool (as torch's); "
                                      "cast first, x.float()")
        x = as_float(x)
        d = 1 + np.abs(x)
        ctx.save_for_backward(d)
        with np.errstate(invalid="ignore"):  # (inf / inf: torch's NaN)
            return x / d

    def backward(ctx, g):
        d = ctx.saved[0]
        gx = g / d / d  # (not g / d^2: d^2 overflows from |x| = 1.8e19 in float32)
        if np.isinf(d).any():  # NaN at +-inf, as the value there (torch's)
            gx = np.where(np.isinf(d), np.nan, gx).astype(gx.dtype, copy=False)
        return gx


def _sigmoid_pair(x):
    """sigmoid(x) and sigmoid(-x), each without cancellation or overflow."""
    e = np.exp(-np.abs(x))
    d = 1 / (1 + e)
    pos = x >= 0
    return np.where(pos, d, e * d), np.where(pos, e * d, d)


def _mish_tanh(p, q):
    """tanh(softplus(x)) from p = sigmoid(x), q = sigmoid(-x): e^-softplus(x) = q, so it is
    (1 - q^2) / (1 + q^2) = p (1 + q) / (1 + q^2), and 1 - tanh^2 = 4 q^2 / (1 + q^2)^2."""
    w = 1 + q * q
    return p * (1 + q) / w, 4 * (q * q) / (w * w)


class Mish(Function):
    """x tanh(softplus(x)), from sigmoid(x) and sigmoid(-x) (_mish_tanh): the composition's
    gradient, tanh(s) + x sigmoid(x) (1 - tanh(s)^2), lost digits to 1 - tanh^2 rounded near
    1 and to its cancelling terms (float32: 13 ulps at x = -1, float64: 10); float32 is computed
    in float64 and rounded once. torch's values at +-inf and NaN (inf; NaN, NaN) and its
    gradients there (NaN)."""

    def forward(ctx, x):
        x = as_float(real_only("mish", x))
        ctx.save_for_backward(x)
        x64 = x.astype(np.float64, copy=False)  # (float32 in float64, rounded once)
        t, _ = _mish_tanh(*_sigmoid_pair(x64))
        with np.errstate(invalid="ignore"):  # (-inf * 0: torch's NaN)
            return (x64 * t).astype(x.dtype, copy=False)

    def backward(ctx, g):
        x = ctx.saved[0].astype(np.float64, copy=False)
        p, q = _sigmoid_pair(x)
        t, sech2 = _mish_tanh(p, q)
        with np.errstate(invalid="ignore"):  # (+-inf * 0: torch's NaN)
            return g * (t + x * p * sech2).astype(g.dtype, copy=False)


class Tanhshrink(Function):
    """x - tanh(x), with the gradient tanh(x)^2: the composition's 1 - (1 - tanh^2) cancelled
    (0 at x = 1e-10, where 1e-20 is exact; 8e-8 relative at 1e-5; PyTorch's composition
    too). The value is the composition's (torch's, its digits for small |x| too); a bool
    input refused, as torch's subtraction."""

    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise NotImplementedError("tanhshrink: not implemented for dtype bool (as torch's "
                                      "x - tanh(x)); cast first, x.float()")
        x = as_float(x)
        t = np.tanh(x)
        ctx.save_for_backward(t)
        return x - t

    def backward(ctx, g):
        t = ctx.saved[0]
        return g * (t * t)
