"""Elementwise ops and matmul. Binary ops broadcast like NumPy; their backward sums each
gradient back to its input's shape with the one `unbroadcast` helper."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import numpy as np

from ..engine import Function, unbroadcast
from ..grad import passed
from ..write_guard import private
from .float_parts import TIE_UNSURE, clip_keeping_x
from .pow_grad import minus_one_exact, negative_int_power, power_slope

_BOOL = np.bool_  # (by dtype.type: an unpickled array's bool dtype is another object)

__all__ = ["Abs", "Add", "Clip", "ClipBounds", "Div", "Draw", "Dropout", "Exp", "Log", "MatMul",
    "Maximum", "Mul", "Neg", "Pow", "QuietDiv", "ReLU", "Sigmoid", "Sqrt", "Sub", "Tanh", "Where"]


def real_only(who: str, x: np.ndarray) -> np.ndarray:
    """x, refused in one line if complex: an op torch refuses for complex dtypes whose NumPy
    call here would drop the imaginary part or order complex numbers (lexicographically)."""
    if x.dtype.kind == "c":
        raise TypeError(f"{who}: not supported for complex tensors (got {x.dtype}, shape "
                        f"{x.shape}), as torch's; apply it to x.real and x.imag or x.abs()")
    return x


def complex_log1p(z: np.ndarray) -> np.ndarray:
    """log1p of complex z, torch's formula: NumPy's is log(1 + z), whose real part lost every
    digit for small z (log1p(1e-10+1e-10j)'s was 8e-8 off in complex128, 0 in complex64). Real
    part 0.5 log1p(x (2 + x) + y^2) for |z| < 0.5, else log|1 + z|; imaginary atan2(y, 1 + x);
    complex64 in float64, rounded once."""
    w = z.astype(np.complex128)
    x, y = w.real, w.imag
    with np.errstate(all="ignore"):
        r = x * (2 + x) + y * y
        re = np.where(np.abs(w) < 0.5, np.where(r == 0, x, 0.5 * np.log1p(r)),
                      np.log(np.hypot(x + 1, y)))
        out = np.empty(w.shape, np.complex128)
        out.real, out.imag = re, np.arctan2(y, x + 1)
    return out.astype(z.dtype)


def as_float(x: np.ndarray) -> np.ndarray:
    """Integer and bool input in float64, the default float dtype here, before a float op:
    NumPy's ufuncs give float16 for int8, uint8 and bool (exp of an int8 to 3 digits) and
    float32 for int16, and an int32 z - max(z) wraps around. Float input as it is."""
    return x.astype(np.float64) if x.dtype.kind in "biu" else x


def as_floats(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """as_float for a binary float op (arctan2, hypot, xlogy, ...): two integer or bool inputs
    in float64, where NumPy gives float16 for int8/uint8/bool pairs (atan2 to 3 digits) and
    float32 for int16; otherwise two dtypes are both cast to NumPy's promoted one (the
    result's), as torch's: an integer saved as such wrapped in the backward's y * y (atan2's
    gradient at an int8 16 beside a float was -16 / x^2, torch 2.13's wrong value too), and a
    float32 one beside float64 was squared in float32 (1e-8 off)."""
    if x.dtype == y.dtype and x.dtype.kind not in "biu":
        return x, y
    if x.dtype.kind in "biu" and y.dtype.kind in "biu":
        return x.astype(np.float64), y.astype(np.float64)
    dt = np.result_type(x, y)
    return x.astype(dt, copy=False), y.astype(dt, copy=False)


# ---- binary ------------------------------------------------------------------------------
class Add(Function):
    prepare_reads_values = False
    same_shape_backward = ("g", "g")  # (see Mul's)
    same_shape_forward = "{0} + {1}"

    @staticmethod
    def shaped_forward(shapes: tuple[tuple[int, ...], ...]) -> str | None:
        """For a replay (jit.plan), forward on inputs of these shapes (a broadcast: `x + b`)
        as an expression over them: the same call."""
        return "{0} + {1}"

    @staticmethod
    def shaped_backward(shapes: tuple[tuple[int, ...], ...]) -> tuple[str, ...] | None:
        """For a replay, backward on inputs of these shapes as one expression per input: g,
        or g summed down to the input's shape, `unbroadcast`'s calls (a bias row of `x + b`:
        the ufunc reduction `g.sum(axis=0)` calls, without the method's Python; jit.plan
        checks them against backward, bit for bit)."""
        out = np.broadcast_shapes(*shapes)
        return tuple("g" if s == out else "np.add.reduce(g, 0)" if s == out[1:] else
                     f"unbroadcast(g, {tuple(int(n) for n in s)!r})" for s in shapes)

    def forward(ctx, x, y):
        ctx.shapes = x.shape, y.shape
        return x + y

    def prepare(ctx, x, y):
        ctx.shapes = x.shape, y.shape

    def backward(ctx, g):
        sx, sy = ctx.shapes  # (compared here: equal shapes, the common case, skip the calls)
        s = g.shape
        return g if s == sx else unbroadcast(g, sx), g if s == sy else unbroadcast(g, sy)


class Sub(Function):
    prepare_reads_values = False

    def forward(ctx, x, y):  # (a bool operand refused, torch's: NumPy's bool - float is a number;
        # checked where the dtypes differ, `is` being cheap, as NumPy refuses bool - bool itself)
        if x.dtype is not y.dtype and (x.dtype.type is _BOOL or y.dtype.type is _BOOL):
            raise TypeError(f"subtraction (-) with a bool tensor ({x.dtype} - {y.dtype}) is not "
                            "supported, as torch's; ~ or logical_not inverts a mask, ^ or "
                            "logical_xor for two, or cast it first: mask.float()")
        ctx.shapes = x.shape, y.shape
        return x - y

    def prepare(ctx, x, y):
        ctx.shapes = x.shape, y.shape

    def backward(ctx, g):
        sx, sy = ctx.shapes
        gy = unbroadcast(-g, sy) if ctx.needs_input_grad[1] else None
        return g if g.shape == sx else unbroadcast(g, sx), gy


class Mul(Function):
    # backward when x, y and the gradient all have the product's shape, per input over what
    # forward saved (x, y): a replay writes it out in place of the call
    # (jit.plan_choices.inline_backward)
    same_shape_backward = ("g * {1}", "g * {0}")
    # and the value, where replay writes the backward out wherever it runs: the forward as
    # this expression over the inputs, what it saved read from their registers (jit.plan)
    same_shape_forward = "{0} * {1}"

    def forward(ctx, x, y):  # each gradient reads the other input: saved where that one is
        nx, ny = ctx.needs_input_grad  # needed (torch's), a later write into it then no error
        if nx and ny:
            ctx.saved = x, y
        else:  # (shapes for unbroadcast: None where an array is not kept)
            ctx.saved, ctx.shapes = (x if ny else None, y if nx else None), (x.shape, y.shape)
        return x * y

    def prepare(ctx, x, y):  # (a replay whose product nothing reads: backward's state only)
        ctx.saved = x, y  # (save_for_backward's one line, without its call)

    def backward(ctx, g):
        x, y = ctx.saved
        nx, ny = ctx.needs_input_grad
        sx, sy = ctx.shapes if x is None or y is None else (x.shape, y.shape)
        s = g.shape  # the product's: g * y has it too, so it is x's exactly when g's is
        # (shapes compared here: the per-op call to unbroadcast is most of the cost)
        gx = (g * y if s == sx else unbroadcast(g * y, sx)) if nx else None
        gy = (g * x if s == sy else unbroadcast(g * x, sy)) if ny else None
        return gx, gy


class Div(Function):
    def forward(ctx, x, y):
        out = x / y  # y's gradient reads out (torch's x: kept too, a write refused as there),
        ny = ctx.needs_input_grad[1]  # x's only y: x and out kept where y needs a gradient
        ctx.save_for_backward(x if ny else None, y, out if ny else None)
        ctx.x_shape = x.shape
        return out

    def backward(ctx, g):
        _, y, out = ctx.saved
        nx, ny = ctx.needs_input_grad
        # d/dy = -g x / y^2 as PyTorch forms it, -g ((x / y) / y): (g / y) (x / y) was
        # inf * 0 = nan where x = 0 and g / y overflows (a subnormal y), where it is 0
        return (
            unbroadcast(g / y, ctx.x_shape) if nx else None,
            unbroadcast(-g * (out / y), y.shape) if ny else None,
        )


class QuietDiv(Div):
    """x / y without NumPy's divide-by-zero and invalid-value warnings (torch's quiet inf and
    NaN), for the library's own compositions whose inf or NaN is the answer (linalg.cond's
    s_max / s_min of a singular or zero matrix). Quiet inside the op, so that a jitted step
    calling them replays (np.errstate around Tensor ops fails its recording). Backward: Div's,
    unchanged (its warnings too)."""

    def forward(ctx, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return super().forward(x, y)


class Pow(Function):
    """x ** p for a tensor or constant exponent p; d/dp = x**p * log(x) needs x > 0, except
    that it is 0 where x = 0 and p >= 0 (as in PyTorch)."""

    def forward(ctx, x, p):
        pk = p.dtype.kind
        if pk in "iu" and x.dtype.kind in "biu" and (p < 0).any():
            out = negative_int_power(x, p)
        else:
            out = x**p
            if pk == "b" and x.dtype == np.bool_:  # NumPy's int8 for bool ** bool; torch's
                out = out.astype(np.bool_)  # bool (x ** True is x)
        ctx.save_for_backward(x, p, out)
        return out

    def backward(ctx, g):
        x, p, out = ctx.saved
        nx, np_ = ctx.needs_input_grad
        # both in the result's dtype, as torch's: NumPy's log of an int8 or uint8 base is
        # float16 (the exponent's gradient of 2 ** p to 3 digits), of a float32 base beside a
        # float64 exponent float32 (to 1e-8), and an int8 p - 1 wraps
        if x.dtype != out.dtype:  # (two ifs: a generator cost every backward ~0.5 us)
            x = x.astype(out.dtype)
        if p.dtype != out.dtype:
            p = p.astype(out.dtype)
        gx = None
        if nx:
            q = p - 1  # (rounded: x ** 0.3's gradient from x^p / x, pow_grad)
            exact = minus_one_exact(p, q)
            if np.all(p):
                dx = p * x ** q if exact else power_slope(x, p, q, out)
            else:  # x**0 is constant: its gradient is 0 even at x = 0 (not 0 * 0**-1 = nan)
                x1 = np.where(p == 0, 1, x)
                dx = np.where(p == 0, 0, p * x1 ** q if exact else power_slope(x1, p, q, out))
            gx = unbroadcast(g * dx, x.shape)
        gp = None
        if np_:
            # d/dp x**p = x**p log x; at x = 0 with p > 0 that is 0 * -inf = nan, but x**p is
            # identically 0 near such p, so the limit is 0 (PyTorch's convention): a single
            # zero base (a ReLU output) must not poison the exponent's whole gradient
            with np.errstate(divide="ignore", invalid="ignore"):
                dp = out * np.log(x)
            if not np.all(x):
                dp = np.where((x == 0) & (p >= 0), 0, dp)
            gp = unbroadcast(g * dp, p.shape)
        return gx, gp


def int_exponent_checked(dtype: np.dtype, p: Any) -> Any:
    """`p` itself, or torch's refusal of an integer or bool tensor to a negative Python integer
    power (a tensor exponent is computed: Pow's 0, 1 or -1)."""
    if isinstance(p, (int, np.integer)) and p < 0 and np.dtype(dtype).kind in "biu":
        raise RuntimeError(f"pow: integers to negative integer powers are not allowed ({dtype}"
                           f" tensor ** {p}, as torch); cast to a float first (x.double() ** {p})")
    return p


class Maximum(Function):
    """Elementwise max; at ties the gradient is split evenly between the two inputs, and
    where either is NaN both get it whole (PyTorch's rule)."""

    def forward(ctx, x, y):
        if x.dtype.kind == "c" or y.dtype.kind == "c":  # (inline: the real path pays no call)
            real_only("maximum", x if x.dtype.kind == "c" else y)
        out = np.maximum(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    def backward(ctx, g):
        x, y, out = ctx.saved
        return split_ties(ctx, g, x, y, x > y, np.isnan(out).any())


def split_ties(ctx, g, x, y, wins, nan) -> tuple:
    """The gradients of max/min(x, y) given `wins` (where x is picked): 1/2 each at ties, and
    the whole of g to both where either is NaN (PyTorch: neither loses). The loser gets an
    exact 0, as torch's masked_fill, where g is inf or NaN too (g * 0 would be NaN there)."""
    tie = x == y
    wx = np.asarray(wins, dtype=g.dtype)  # (a copy: 0s and 1s; a tie's 1/2 where one is)
    if tie.any():
        np.putmask(wx, tie, 0.5)
    wy = 1 - wx
    if nan:
        both = np.isnan(x) | np.isnan(y)
        wx, wy = np.where(both, 1, wx), np.where(both, 1, wy)
    nx, ny = ctx.needs_input_grad
    if np.isfinite(g).all():
        gx, gy = g * wx if nx else None, g * wy if ny else None
    else:  # (rare) an inf or NaN g: 0 where a side loses, and no "invalid value" warning
        with np.errstate(invalid="ignore"):
            gx = np.where(wx == 0, 0, g * wx) if nx else None
            gy = np.where(wy == 0, 0, g * wy) if ny else None
    return (
        None if gx is None else unbroadcast(gx, x.shape),
        None if gy is None else unbroadcast(gy, y.shape),
    )


class Dropout(Function):
    """x * mask with a mask drawn by forward: `sample(shape, dtype)` (a Dropout module's, so a
    replayed step draws from the same random stream as an eager one)."""

    def forward(ctx, x, sample=None):
        # integer (or bool) input is scaled by 1 / (1 - p) in float64, as `x * 0.5` is here; a
        # mask in x's integer dtype cannot hold that scale (NumPy's cast error)
        mask = sample(x.shape, x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64))
        ctx.save_for_backward(mask)
        return x * mask

    def backward(ctx, g):
        return g * ctx.saved[0]


class Draw(Function):
    """Random draws made by forward: `sample(x)` (a distribution's sampler, reading x's shape,
    dtype or probabilities), so a replayed jitted step draws afresh, as Dropout's mask does; or
    a constant computed from x's values (a comparison's mask, an argmax), so a replay computes
    it afresh. The draws are constants: no gradient reaches x (rsample builds loc + eps * scale
    on top)."""

    def forward(ctx, x, sample=None):
        return sample(x)

    def backward(ctx, g):
        return (None,)


class Where(Function):
    """where(cond, x, y) with a constant boolean condition."""

    def forward(ctx, x, y, cond):
        # the caller may reuse its mask buffer before backward
        ctx.cond = private(cond, "where: the condition")
        ctx.shapes = x.shape, y.shape
        return np.where(cond, x, y)

    def backward(ctx, g):
        sx, sy = ctx.shapes
        zero = np.zeros((), dtype=g.dtype)
        nx, ny = ctx.needs_input_grad
        return (
            unbroadcast(np.where(ctx.cond, g, zero), sx) if nx else None,
            unbroadcast(np.where(ctx.cond, zero, g), sy) if ny else None,
        )


# ---- unary -------------------------------------------------------------------------------
class Neg(Function):
    def forward(ctx, x):
        return -x

    def backward(ctx, g):
        return -g


class Exp(Function):
    def forward(ctx, x):
        x = as_float(x)
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        return g * ctx.saved[0]


class Log(Function):
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return np.log(x)

    def backward(ctx, g):
        return g / ctx.saved[0]


class Sqrt(Function):
    def forward(ctx, x):
        x = as_float(x)
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        return g / (2.0 * ctx.saved[0])


class Abs(Function):
    def forward(ctx, x):
        if x.dtype.type is _BOOL:  # (NumPy's abs returned the bools; torch has no bool kernel)
            raise NotImplementedError("abs: not implemented for dtype bool (as torch's); cast "
                                      "first, x.int() or x.float()")
        ctx.save_for_backward(x)
        return np.abs(x)

    def backward(ctx, g):
        s = np.sign(ctx.saved[0])
        if s.size and np.isnan(s).any():  # sign(nan): PyTorch's gradient there is 0
            s = np.nan_to_num(s, nan=0.0)
        return g * s


class ReLU(Function):
    def forward(ctx, x):
        if x.dtype.type is _BOOL:  # (np.maximum gave int64 0/1; torch's message)
            raise RuntimeError("relu: Boolean inputs not supported for relu")
        if x.dtype.kind == "c":  # (inline: the real path pays no call)
            real_only("relu", x)
        # (NumPy's maximum keeps its second at a tie: relu(-0.0) is -0.0, torch's; where it
        # may not, float16's, the same by a mask)
        out = np.maximum(0, x) if x.dtype.char not in TIE_UNSURE else np.where(x < 0, 0, x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        return passed(g, ctx.saved[0] != 0)  # out > 0, except a NaN passes g on (PyTorch's)


class Tanh(Function):
    # its backward is g times this elementwise function of its value ({0}): a replay may
    # compute it once over a concatenation of many tanh values (an RNN's hidden states,
    # jit/declared.py `factor_agrees`) and read each op's rows of it
    rowwise_factor = "_ONE[{0}.dtype] - {0} * {0}"
    same_shape_backward = (f"g * ({rowwise_factor})",)  # (see Mul's)
    same_shape_forward = "np.tanh({0})"

    def forward(ctx, x):
        x = as_float(x)
        out = np.tanh(x)
        ctx.saved = (out,)  # (save_for_backward, inline: once per RNN step)
        return out

    def backward(ctx, g):
        out = ctx.saved[0]
        return g * (_ONE[out.dtype] - out * out)  # (1 - out²: the same bits, see _ONE)


class _Ones(dict):
    """1 as a 0-d array per dtype (read-only), `_ONE[dtype]`: `one - x` gives the bits and the
    dtype `1 - x` does, without NumPy converting a Python 1 on every call, a quarter of the
    time of a 100-element op (tanh's backward, once per RNN step). A dict, so that a hit is
    one C-level lookup, not a Python call; a miss makes the dtype's."""

    def __missing__(self, dtype: Any) -> np.ndarray:
        one = self[dtype] = np.ones((), dtype)
        one.flags.writeable = False
        return one


_ONE = _Ones()


class Sigmoid(Function):
    def forward(ctx, x):
        x = as_float(x)
        if x.dtype.kind == "c":  # 1 / (1 + e^-z), torch's (|x| and x >= 0 dropped the imag part)
            ctx.save_for_backward(np.exp(-x))
            return 1 / (1 + ctx.saved[0])
        # exp of a non-positive number only: no overflow for large |x|
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(e)
        return out

    def backward(ctx, g):
        # s (1 - s) = e / (1 + e)^2 with e = e^-|x|: out (1 - out) rounds 1 - out to 0 for
        # large x (float32 from x = 17, where the gradient is 4e-8), and loses digits before
        e = ctx.saved[0]
        return g * (e / ((1 + e) * (1 + e)))


class Clip(Function):
    """clip(x, lo, hi); the gradient is zero where x was clipped. An array bound may
    broadcast x to a larger shape (x.clamp(min=lo) with x (2,), lo (3, 2)): x's gradient is
    then summed back (backward raised NumPy's "non-broadcastable output operand")."""

    def forward(ctx, x, lo=None, hi=None):
        out = clip_keeping_x(x, lo, hi)
        if out.dtype.kind == "c":  # (x or a bound complex: NumPy ordered them lexicographically,
            real_only("clamp", out)  # x.clamp(min=1j) was [1j, 0.5]; torch refuses)
        ctx.save_for_backward(x)
        # array bounds: backward reads them
        ctx.lo, ctx.hi = private(lo, "clip: min"), private(hi, "clip: max")
        return out

    def backward(ctx, g):
        x = ctx.saved[0]
        inside = np.ones(g.shape, dtype=bool)  # (g's shape: the bounds' broadcast too)
        if ctx.lo is not None:
            inside &= x >= ctx.lo
        if ctx.hi is not None:
            inside &= x <= ctx.hi
        return unbroadcast(passed(g, inside), x.shape)


class ClipBounds(Function):
    """clamp(x, min, max) with tensor bounds given as inputs (`lo`/`hi`: which of them are),
    for a bound that requires grad: torch's gradients (clamp_backward_min_max). x gets g
    where min <= x <= max; min where x < min (and min < max, when both are given); max where
    x > max (or max < min: the result is max there, as np.clip's)."""

    def forward(ctx, x, *bounds, lo=True, hi=True):
        out = np.clip(x, bounds[0] if lo else None, bounds[-1] if hi else None)
        if out.dtype.kind == "c":  # (x or a bound complex: not ordered, as Clip's)
            real_only("clamp", out)
        ctx.save_for_backward(x, *bounds)
        ctx.lo, ctx.hi = lo, hi
        return out

    def backward(ctx, g):
        x, *bounds = ctx.saved
        lo, hi = bounds[0] if ctx.lo else None, bounds[-1] if ctx.hi else None
        inside = np.ones(g.shape, dtype=bool)  # (g's shape: the broadcast of all three)
        grads = []
        if lo is not None:
            inside &= x >= lo
            below = x < lo if hi is None else (x < lo) & (lo < hi)
            grads.append(unbroadcast(passed(g, below), lo.shape).astype(lo.dtype, copy=False))
        if hi is not None:
            inside &= x <= hi
            above = x > hi if lo is None else (x > hi) | (hi < lo)
            grads.append(unbroadcast(passed(g, above), hi.shape).astype(hi.dtype, copy=False))
        return (unbroadcast(passed(g, inside), x.shape), *grads)


# ---- matmul ------------------------------------------------------------------------------
class Outer(tuple):
    """MatMul's gradient x^T g for its right operand when x is one row (an RNN step's h @ W),
    left to the accumulator: all such terms sent to one tensor become ONE matrix product when
    its gradient is complete (dW = H^T G, as hand-written BPTT computes it), not T outer
    products and T additions. Made as `Outer((x, g, shape))` (shape: the right operand's), a
    tuple with named fields: one is made per RNN step in a replay's inner loop, where a Python
    __init__ would cost more than the rest of the term."""

    __slots__ = ()
    x = property(itemgetter(0))
    g = property(itemgetter(1))
    shape = property(itemgetter(2))  # the engine checks it against the input's, per step
    defers = True  # engine.Pending keeps it until the key's gradient is complete: `total`

    def add_to(self, pending: Any, key: Any) -> None:
        pending.deferred.setdefault(key, []).append(self)  # (what `defers` asks the engine)

    @staticmethod
    def total(terms: list[Outer]) -> np.ndarray:
        if len(terms) == 1:
            return terms[0].x.T * terms[0].g  # an outer product: cheaper than a GEMM
        xs, gs, _ = zip(*terms)  # (the x's and the g's, without a property call per term)
        return np.concatenate(xs).T @ np.concatenate(gs)


class MatMul(Function):
    """x @ y with NumPy's rules: 1-D operands are promoted and batch dims broadcast."""

    multilinear = True  # sums of products of its inputs' entries: testing.check_grad's floor

    @staticmethod
    def shaped_forward(shapes: tuple[tuple[int, ...], ...]) -> str | None:
        """For a replay (jit.plan), forward on inputs of these shapes as an expression over
        them: the 2-D case's own call."""
        return "{0}.dot({1})" if [len(s) for s in shapes] == [2, 2] else None

    @staticmethod
    def shaped_backward(shapes: tuple[tuple[int, ...], ...]) -> tuple[str, ...] | None:
        """For a replay, backward on inputs of these shapes as one expression per input over
        g and what forward saved (x, y): the 2-D case's calls, written out per RNN step
        without a method call (jit.plan checks them against backward, bit for bit)."""
        if [len(s) for s in shapes] != [2, 2]:
            return None
        y_shape = tuple(int(n) for n in shapes[1])
        return ("g.dot({1}.T)",
                f"Outer(({{0}}, g, {y_shape!r}))" if shapes[0][0] == 1 else "{0}.T.dot(g)")

    def forward(ctx, x, y):  # each gradient reads the other input: saved where needed
        nx, ny = ctx.needs_input_grad  # (torch's; `data @ W` keeps no W)
        if nx and ny:  # (save_for_backward's one line, without its call: hot in an RNN)
            ctx.saved = x, y
        else:
            ctx.saved, ctx.shapes = (x if ny else None, y if nx else None), (x.shape, y.shape)
        if x.ndim == 2 and y.ndim == 2:  # ndarray.dot: as backward's products (see there),
            return x.dot(y)  # 1.3 us where @ takes 2.3 for an RNN step's h @ W
        return x @ y

    def backward(ctx, g):
        x, y = ctx.saved
        nx, ny = ctx.needs_input_grad
        sx, sy = ctx.shapes if x is None or y is None else (x.shape, y.shape)
        if len(sx) == 2 and len(sy) == 2:  # the common case, no reshaping
            gy = None
            # (ndarray.dot: the BLAS product @ makes, bit for bit wherever @ calls BLAS, with
            # less dispatch, 0.3 us of a 1.3 us RNN step's g Wᵀ; where @ would not (strided
            # views), dot copies and calls BLAS: a valid sum too, and replay calls this same code)
            if ny:  # one row (an RNN step): summed over the steps as one product (Outer)
                gy = Outer((x, g, sy)) if sx[0] == 1 else x.T.dot(g)
            return (g.dot(y.T) if nx else None), gy
        if len(sx) == 1 and len(sy) == 1:
            return (g * y if nx else None), (g * x if ny else None)
        g2 = g if len(sx) > 1 else np.expand_dims(g, -2)
        g2 = g2 if len(sy) > 1 else np.expand_dims(g2, -1)
        gx = gy = None  # (1-D operands promoted: x a row, y a column)
        if nx:
            y2 = y[:, None] if y.ndim == 1 else y
            gx = unbroadcast(g2 @ np.swapaxes(y2, -1, -2), sx if len(sx) > 1 else (1, *sx))
        if ny:
            x2 = x[None, :] if x.ndim == 1 else x
            gy = unbroadcast(np.swapaxes(x2, -1, -2) @ g2, sy if len(sy) > 1 else (*sy, 1))
        return None if gx is None else gx.reshape(sx), None if gy is None else gy.reshape(sy)
