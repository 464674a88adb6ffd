"""More binary elementwise ops (minimum, arctan2, hypot, logaddexp, logaddexp2, mod, fmax,
fmin, prelu, the floor and trunc quotients). They broadcast like NumPy; backward sums each
gradient back to its input's shape with `unbroadcast`."""

from __future__ import annotations

import numpy as np

from ..engine import Function, unbroadcast
from .elementwise import as_floats, real_only, split_ties

__all__ = ["Arctan2", "CopySign", "FloorDivide", "Fmax", "Fmin", "Fmod", "Heaviside", "Hypot",
           "LogAddExp", "LogAddExp2", "Minimum", "Mod", "PReLU", "TruncDivide", "XLogY"]


def _grads(ctx, gx, gy):
    """(gx, gy) unbroadcast to the input shapes, None for inputs that need no gradient."""
    sx, sy = ctx.shapes
    nx, ny = ctx.needs_input_grad
    return (unbroadcast(gx, sx) if nx else None), (unbroadcast(gy, sy) if ny else None)


class Minimum(Function):
    """Elementwise min; at ties the gradient is split evenly, and NaNs as for Maximum."""

    def forward(ctx, x, y):
        if x.dtype.kind == "c" or y.dtype.kind == "c":  # (inline: the real path pays no call)
            real_only("minimum", x if x.dtype.kind == "c" else y)
        out = np.minimum(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved
        return split_ties(ctx, g, x, y, x < y, np.isnan(out).any())


class Arctan2(Function):
    """arctan2(y, x), the angle of the point (x, y); undefined gradient at the origin."""

    def forward(ctx, y, x):
        y, x = as_floats(y, x)  # (int8 input: float64, not NumPy's float16)
        ctx.save_for_backward(y, x)
        ctx.shapes = y.shape, x.shape
        return np.arctan2(y, x)

    def backward(ctx, g):
        y, x = ctx.saved
        with np.errstate(over="ignore"):
            r2 = x * x + y * y
        if np.isfinite(r2).all() and (r2 >= np.finfo(r2.dtype).tiny).all():
            return _grads(ctx, g * x / r2, -g * y / r2)
        # else x / (x^2 + y^2) as (x / r) / r, r = hypot(x, y): x^2 + y^2 overflowed past
        # 1.3e154 (a 0 gradient where it is 1/x) and underflowed below 1.5e-154 (0, or inf);
        # r = 1 at the origin: 0 there (torch's), and no 0 * (1 / r) = 0 * inf beside it
        r = np.hypot(x, y)
        r = np.where(r == 0, 1.0, r).astype(r.dtype, copy=False)
        with np.errstate(over="ignore", invalid="ignore"):  # (1 / subnormal: inf; inf / inf)
            return _grads(ctx, g * (x / r) / r, -g * (y / r) / r)


class Hypot(Function):
    """sqrt(x^2 + y^2) without overflow; undefined gradient at the origin."""

    def forward(ctx, x, y):
        x, y = as_floats(x, y)
        out = np.hypot(x, y)
        ctx.save_for_backward(x, y, out)
        ctx.shapes = x.shape, y.shape
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved
        # x / out and y / out are at most 1: g / out first overflows for a subnormal out, and
        # (g / out) * 0 was nan where the gradient is 0
        if not (np.isfinite(out).all() and (out >= np.finfo(out.dtype).tiny).all()):
            return _grads(ctx, *(g * u for u in _unit(x, y, out)))  # (rare)
        return _grads(ctx, g * (x / out), g * (y / out))


def _unit(x, y, out):
    """(x, y) / hypot(x, y) where out overflowed or is subnormal: from (x, y) / max(|x|, |y|),
    whose hypot is in [1, sqrt 2] (x / out was 0 for x = y = 1.7e308, where it is 0.707, and
    1 for x = y = 5e-324, out rounded); x / out itself at the origin and at inf and NaN."""
    m = np.maximum(np.abs(x), np.abs(y))
    ok = np.isfinite(m) & (m > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        xs, ys = x / np.where(ok, m, 1), y / np.where(ok, m, 1)
        h = np.hypot(xs, ys)
        return np.where(ok, xs / h, x / out), np.where(ok, ys / h, y / out)


def _softmax_pair(x, y, exp):
    """The weights (e^x, e^y) / (e^x + e^y) of logaddexp's gradient (exp2: logaddexp2's), as
    (1, e) / (1 + e) for x >= y, e = exp(-|x - y|): exact to round-off for every pair. exp(x -
    out) gave 1 + 1 where out rounds to max(x, y) (logaddexp(1e17, 1e17)'s slopes (1, 1), not
    (1/2, 1/2)), and 1 / (1 + e^(y - x)) flushed a subnormal weight to 0. NaN where x - y is
    (inf - inf, as torch's), 1 and 0 beside an infinite result."""
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.asarray(x - y)  # (a 0-d difference: an array, for out=)
        x_wins = d >= 0
        e = exp(np.negative(np.abs(d, out=d), out=d), out=d)  # (in place: 3 ms -> 2.4)
        inv = np.reciprocal(1 + e)
        ew = np.multiply(e, inv, out=e)
        return np.where(x_wins, inv, ew), np.where(x_wins, ew, inv)


class LogAddExp(Function):
    """log(e^x + e^y), stably; the gradients are the softmax weights of (x, y)."""

    def forward(ctx, x, y):
        x, y = as_floats(x, y)
        out = np.logaddexp(x, y) if x.dtype.kind != "c" else complex_logaddexp(x, y)
        ctx.save_for_backward(x, y, out)
        ctx.shapes = x.shape, y.shape
        return out

    def backward(ctx, g):
        x, y, _ = ctx.saved
        wx, wy = _softmax_pair(x, y, np.exp)
        return _grads(ctx, g * wx, g * wy)


def complex_logaddexp(x, y):
    """torch's complex logaddexp (NumPy has none): a + log1p(e^(b - a)), a the one of larger
    real part, so the imaginary part continues a's (not the principal Arg of the sum)."""
    a, b = np.broadcast_arrays(x, y)
    swap = b.real > a.real
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    with np.errstate(over="ignore", invalid="ignore"):  # (both real parts -inf: a, as torch's)
        return np.asarray(np.where(np.isneginf(a.real), a, a + np.log1p(np.exp(b - a))))


class Mod(Function):
    """x mod y with the sign of y (np.mod, Python's %, torch.remainder).

    x - floor(x / y) y: d/dx = 1, d/dy = -floor(x / y) (NumPy's floor_divide, as np.mod); undefined
    where x / y is an integer.
    """

    def forward(ctx, x, y):
        integer_divisor_checked("remainder (%)", x, y)
        if ctx.needs_input_grad[1]:  # (read by y's gradient only: torch's, as x's is g)
            ctx.save_for_backward(x, y)
        ctx.shapes = x.shape, y.shape
        out = np.mod(x, y)
        if out.dtype.kind == "f":  # a zero takes x's sign, torch's (fmod's), not y's (NumPy's)
            zero = out == 0
            if zero.any():
                out = np.where(zero, np.copysign(np.zeros_like(out), x), out)
        return out

    def backward(ctx, g):
        gy = None
        if ctx.needs_input_grad[1]:  # floor_divide: the quotient np.mod itself uses
            x, y = ctx.saved
            with np.errstate(invalid="ignore", divide="ignore"):
                gy = -g * np.floor_divide(x, y)
        return _grads(ctx, g, gy)


class Fmod(Function):
    """x mod y with the sign of x (np.fmod, torch.fmod, C's fmod): x - trunc(x / y) y.

    d/dx = 1, d/dy = -trunc(x / y) (torch's formula); undefined where x / y is an integer.
    """

    def forward(ctx, x, y):
        integer_divisor_checked("fmod", x, y)
        if ctx.needs_input_grad[1]:  # (read by y's gradient only, as Mod's)
            ctx.save_for_backward(x, y)
        ctx.shapes = x.shape, y.shape
        return np.fmod(x, y)

    def backward(ctx, g):
        gy = None
        if ctx.needs_input_grad[1]:
            x, y = ctx.saved
            with np.errstate(invalid="ignore", divide="ignore"):
                gy = -g * np.trunc(x / y)
        return _grads(ctx, g, gy)


class _StepBinary(Function):
    """Piecewise constant in both inputs: the gradient is 0 wherever it exists (floor's rule
    here; torch's backward of these raises "not implemented")."""

    def forward(ctx, x, y):
        ctx.shapes = x.shape, y.shape
        return ctx.f(x, y)

    def backward(ctx, g):
        return _grads(ctx, np.zeros_like(g), np.zeros_like(g))


class IntegerDivisionByZero(ZeroDivisionError, RuntimeError):
    """Python's ZeroDivisionError that is also torch's RuntimeError ("ZeroDivisionError"), so
    either `except` catches it."""


def integer_quotient_checked(name: str, x: np.ndarray, y: np.ndarray, trunc: bool = False
                             ) -> None:
    """Refuse, in one line, the integer quotients torch refuses or crashes on: a bool one
    (torch: not implemented), division by zero (torch raises), and int64's (int32's, trunc)
    MIN / -1, whose overflow kills torch with SIGFPE (int8/int16 wrap to MIN, as torch's)."""
    dt = np.result_type(x, y)
    if dt.kind not in "biu":
        return
    if dt == np.bool_:
        raise TypeError(f"{name}: not implemented for bool tensors (as torch); cast one first")
    if np.size(x) and (np.asarray(y) == 0).any():  # (an empty result divides nothing)
        raise IntegerDivisionByZero(f"{name}: integer division by zero (torch raises too)")
    if dt.kind == "i" and dt.itemsize >= (4 if trunc else 8):
        low = np.iinfo(dt).min
        if ((np.asarray(x) == low) & (np.asarray(y) == -1)).any():
            raise OverflowError(f"{name}: {low} / -1 overflows {dt} (torch crashes on it)")


def integer_divisor_checked(name: str, x: np.ndarray, y: np.ndarray) -> None:
    """Refuse an integer remainder by zero in one line, as torch (and floor_divide here):
    NumPy gives 0 with only a RuntimeWarning. (MIN % -1 is 0 in both libraries: no check.)
    Two bools are refused, as torch's (NumPy's int8 0 or 1 for True % True)."""
    dt = np.result_type(x, y)
    if dt == np.bool_:
        raise TypeError(f"{name}: not implemented for bool tensors (as torch); cast one first")
    if dt.kind in "biu" and np.size(x) and (np.asarray(y) == 0).any():  # (an empty result
        # divides nothing: torch returns it)
        raise IntegerDivisionByZero(f"{name}: integer division by zero (torch raises too)")


def _floor_quotient(x, y):
    if np.result_type(x, y).kind in "iu":  # (MIN // -1 wraps to MIN, torch's int8/16 value)
        with np.errstate(over="ignore"):
            return np.floor_divide(x, y)
    return np.floor_divide(x, y)  # (floats: NumPy's warnings at 0 / 0, as x / y's)


def _trunc_quotient(x, y):
    """x / y rounded toward 0; integers exactly (no float round trip, which lost int64's
    last digits): the floor quotient, plus 1 where a remainder has the other sign."""
    if np.result_type(x, y).kind in "iu":
        q = _floor_quotient(x, y)
        off = (np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0))
        return q + off.astype(q.dtype) if off.any() else q
    return np.trunc(np.true_divide(x, y))


class FloorDivide(_StepBinary):
    """floor(x / y) as Python's // and NumPy's (torch.floor_divide's values, and those of
    torch.div(rounding_mode='floor')); integers exactly, division by zero refused."""

    def forward(ctx, x, y):
        integer_quotient_checked("floor_divide (div rounding_mode='floor')", x, y)
        ctx.shapes = x.shape, y.shape
        return _floor_quotient(x, y)


class TruncDivide(_StepBinary):
    """x / y rounded toward 0 (torch.div(rounding_mode='trunc')); integers exactly, in
    their dtype; gradient 0, as torch's."""

    def forward(ctx, x, y):
        integer_quotient_checked("div(rounding_mode='trunc')", x, y, trunc=True)
        ctx.shapes = x.shape, y.shape
        return _trunc_quotient(x, y)


class Heaviside(_StepBinary):
    """0 below 0, `values` at 0, 1 above; NaN gives 0, torch.heaviside's (np.heaviside's
    NaN)."""

    @staticmethod
    def f(x, values):
        real_only("heaviside", x)  # (complex is not ordered: torch refuses too)
        return np.where(x == 0, values, x > 0).astype(np.result_type(x, values), copy=False)


class XLogY(Function):
    """x log y, 0 where x = 0 unless y is NaN (torch.xlogy, scipy's). d/dx = log y (torch's
    xlogy(g, y): 0 where g = 0; 0 where x = 0 and y <= 0), d/dy = x / y. special.Xlog1py is
    this with log1p (`log`, `pole`: where log's argument reaches 0)."""

    log = staticmethod(np.log)
    pole = 0.0

    def forward(ctx, x, y):
        x, y = as_floats(x, y)
        # both in the result's dtype first: log of a float32 y beside a float64 x was a float64
        # result to float32's digits (xlogy(7.0, y32) 8e-9 off)
        dt = np.result_type(x, y)
        x, y = x.astype(dt, copy=False), y.astype(dt, copy=False)
        ctx.save_for_backward(x, y)
        ctx.shapes = x.shape, y.shape
        with np.errstate(divide="ignore", invalid="ignore"):
            out = x * ctx.log(y)
        return np.where((x == 0) & ~np.isnan(y), 0.0, out).astype(out.dtype, copy=False)

    def backward(ctx, g):
        x, y = ctx.saved
        with np.errstate(divide="ignore", invalid="ignore"):
            gx = np.where((g == 0) & ~np.isnan(y), 0.0, g * ctx.log(y))
            gx = np.where((x == 0) & (y <= ctx.pole), 0.0, gx)
            gy = (g * x / (y if not ctx.pole else 1 + y)) if ctx.needs_input_grad[1] else None
        return _grads(ctx, gx, gy)


class CopySign(Function):
    """|x| with the sign of y (np.copysign, torch.copysign). d/dx = copysign(1, x) * sign
    bit of y, 0 at x = 0 (torch's result / x); no gradient to y (torch's zero)."""

    def forward(ctx, x, y):
        x, y = as_floats(x, y)
        out = np.copysign(x, y)
        if ctx.needs_input_grad[0]:  # (read by x's gradient only: y's is 0, torch's)
            ctx.save_for_backward(x, out)
        ctx.shapes = x.shape, y.shape
        return out

    def backward(ctx, g):
        gx = None
        if ctx.needs_input_grad[0]:
            x, out = ctx.saved
            with np.errstate(divide="ignore", invalid="ignore"):
                gx = g * np.where(x == 0, 0.0, out / np.where(x == 0, 1.0, x))
        return _grads(ctx, gx, np.zeros_like(g))


class _NanAware(Function):
    """fmax / fmin: like maximum / minimum, but a NaN loses to a number. The gradient goes to
    the input that was picked (a number over a NaN); ties are split evenly (as maximum's;
    torch's fmax gives a tie all to x: the edge table's note)."""

    def forward(ctx, x, y):
        ctx.save_for_backward(real_only(ctx.f.__name__, x), real_only(ctx.f.__name__, y))
        ctx.shapes = x.shape, y.shape
        out = np.asarray(ctx.f(x, y))
        # x at a 0.0, -0.0 tie, torch's (NumPy's fmax gives its first below 4 elements, its
        # second from there: its SIMD loop)
        if out.dtype.kind == "f" and (zero := out == 0).any():
            np.copyto(out, x, where=zero & (x == y))
        return out

    def backward(ctx, g):
        x, y = ctx.saved
        x_wins = ctx.beats(x, y) | np.isnan(y)  # (x NaN, y not: all to y)
        tie = x == y
        shared = np.where(tie, g * 0.5, 0)
        # the loser gets an exact 0 (torch's masked_fill), not g * 0: NaN for an inf g
        return _grads(ctx, np.where(x_wins, g, shared), np.where(x_wins | tie, shared, g))


class Fmax(_NanAware):
    f = staticmethod(np.fmax)
    beats = staticmethod(np.greater)


class Fmin(_NanAware):
    f = staticmethod(np.fmin)
    beats = staticmethod(np.less)


class LogAddExp2(Function):
    """log2(2^x + 2^y), stably; d/dx = 2^(x - out), d/dy = 2^(y - out)."""

    def forward(ctx, x, y):
        x, y = as_floats(x, y)
        out = np.logaddexp2(x, y)
        ctx.save_for_backward(x, y, out)
        ctx.shapes = x.shape, y.shape
        return out

    def backward(ctx, g):
        x, y, _ = ctx.saved
        wx, wy = _softmax_pair(x, y, np.exp2)
        return _grads(ctx, g * wx, g * wy)


class PReLU(Function):
    """PyTorch's prelu: x where x > 0, else w x, w a learnable slope broadcast against x
    (Tensor.prelu shapes it per channel). d/dx is 1 where x > 0 and w elsewhere (w at 0 and at
    NaN, PyTorch's); d/dw is x where x <= 0 (NaN at NaN), summed back to w's shape."""

    def forward(ctx, x, w):
        ctx.save_for_backward(real_only("prelu", x), w)  # (complex: not ordered, as torch)
        ctx.shapes = x.shape, w.shape
        return np.where(x > 0, x, w * x)

    def backward(ctx, g):
        x, w = ctx.saved
        positive = x > 0
        nx, nw = ctx.needs_input_grad
        return _grads(ctx, np.where(positive, g, w * g) if nx else None,
                      np.where(positive, 0, x * g) if nw else None)
