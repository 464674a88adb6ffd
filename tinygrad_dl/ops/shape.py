"""Ops that move data without arithmetic (reshape, transpose, concatenate, stack,
broadcast_to, repeat, tile, flip, roll, pad), and the shape arithmetic of the Tensor methods
that are compositions of reshape and transpose (squeeze, expand_dims, flatten, moveaxis);
ops that pass x through as it is, for a side effect (Tap) or a gradient rule of their own
(LookupGradScale: an embedding's padding_idx and scale_grad_by_freq). The ops that pick
entries by an index (indexing, take_along_axis, scatter) are in ops/indexing.py (their names
importable from here too, as before)."""

from __future__ import annotations

import math
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import Function, unbroadcast
from ..write_guard import private
from .allocation import check_count
from .dims import dim_ints, dim_value, dims_arg
from .indexing import (  # noqa: F401 (ops.shape's names, as before)
    GatherCheck,
    GetItem,
    Scatter,
    Sparse,
    TakeAlongAxis,
    brief_index,
    brief_values,
    check_gather,
    check_scatter,
)
from .loss import outside

__all__ = ["BroadcastTo", "Clone", "Compare", "Concatenate", "ConstantCast", "Flip",
           "LookupGradScale", "Pad", "Repeat", "Reshape", "Roll", "Stack", "Tap", "Tile",
           "Transpose"]


_INT_TYPES = frozenset({int, *(t for t in np.sctypeDict.values() if issubclass(t, np.integer))})


class Reshape(Function):
    """forward(x, shape, view=False): x.reshape(shape); with view=True (Tensor.view), where x's
    strides cannot express the new shape (torch's view raises), a warning that the result is
    a copy: writes into it miss x. (A warning, not torch's error: some of our ops lay out a
    result another way than torch's, conv2d's channel-major for its pooling's fast path, and
    `F.relu(conv(x)).view(N, -1)` must not break for that.)"""

    def forward(ctx, x, shape=(), view=False):
        ctx.in_shape = x.shape
        # (items of exactly int or a NumPy integer type pass in C, no generator: a replayed
        # RNN step reshapes its h0 every call)
        if not _INT_TYPES.issuperset(map(type, shape)) and not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
            raise TypeError(f"reshape: the new shape must be integers, got {shape!r:.80}")
        if view and not x.flags.c_contiguous:
            _check_view(x, shape)
        return x.reshape(shape)

    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


def _view_strides(shape: tuple[int, ...], strides: tuple[int, ...], new: tuple[int, ...]
                 ) -> tuple[int, ...] | None:
    """The strides of a view of a (shape, strides) layout as shape `new`, or None where no
    view can express it: PyTorch's computeStride (ATen's TensorUtils.cpp), line for line."""
    if not shape:
        return (1,) * len(new)
    if 0 in shape:  # (strides of an empty tensor are arbitrary: torch's)
        if tuple(shape) == tuple(new):
            return tuple(strides)
        out, acc = [0] * len(new), 1
        for d in range(len(new) - 1, -1, -1):
            out[d], acc = acc, acc * max(new[d], 1)
        return tuple(out)
    out = [0] * len(new)
    view_d, chunk, tensor_n, view_n = len(new) - 1, strides[-1], 1, 1
    for d in range(len(shape) - 1, -1, -1):
        tensor_n *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != tensor_n * chunk):
            while view_d >= 0 and (view_n < tensor_n or new[view_d] == 1):
                out[view_d] = view_n * chunk
                view_n *= new[view_d]
                view_d -= 1
            if view_n != tensor_n:
                return None
            if d > 0:
                chunk, tensor_n, view_n = strides[d - 1], 1, 1
    return tuple(out) if view_d == -1 else None


def _check_view(x: np.ndarray, shape: tuple[int, ...]) -> None:
    """Warn where x's strides cannot express `shape` without a copy (torch raises there)."""
    new = list(shape)
    if new.count(-1) == 1 and x.size:  # (a bad shape: NumPy's reshape says why)
        rest = int(np.prod([n for n in new if n != -1]))
        if rest and x.size % rest == 0:
            new[new.index(-1)] = x.size // rest
    if -1 in new or int(np.prod(new)) != x.size:
        return
    # (byte strides: the rule compares strides with products of sizes, so any unit does)
    if _view_strides(x.shape, x.strides, tuple(new)) is None:
        st = tuple(s // x.itemsize for s in x.strides)
        warnings.warn(  # (stacklevel: the caller of Tensor.view)
            f"view{tuple(shape)}: a tensor of size {x.shape} and stride {st} cannot be viewed "
            "as that size (torch raises for this layout); returned a copy, which writes do "
            "not reach: use .reshape(...) for a copy, .contiguous().view(...) to view a copy",
            RuntimeWarning, stacklevel=caller_level())


_NUMPY = os.path.dirname(np.__file__)  # (np.var(t)'s dispatch: its warning in fromnumeric.py)


def caller_level() -> int:
    """The stacklevel, for the warn of the function calling this one, of the first frame
    outside this package and the jit's compiled replay: x.view, x.view_as and a replayed step
    reach _check_view at different depths (a fixed level pointed view_as's warning into
    tensor/shape.py, a replay's at sys:1); the casts' and the habits' warnings use it too."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tinygrad_dl/
    frame, level = sys._getframe(2), 2  # (frame k up from here is stacklevel k of the warn)
    while frame is not None and (frame.f_code.co_filename.startswith((here, _NUMPY))
                                 or frame.f_code.co_filename.startswith("<jit")):
        frame, level = frame.f_back, level + 1
    return level


class Transpose(Function):
    def forward(ctx, x, axes=None):
        out = np.transpose(x, axes)  # (first: its error for x.permute(0) of a 0-d x, not
        ctx.axes = None if axes is None else tuple(a % x.ndim for a in axes)  # a % 0's)
        return out

    def backward(ctx, g):
        if ctx.axes is None:
            return np.transpose(g)
        return np.transpose(g, np.argsort(ctx.axes))


class Concatenate(Function):
    # for a jit replay: its value is its inputs joined along this parameter, their values
    # each its rows (jit/declared.py `joins`): Tanh's factor is computed once over them
    joins_along = "axis"

    def forward(ctx, *xs, axis=0):
        out = np.concatenate(xs, axis=axis)
        ctx.axis = axis % out.ndim
        # (along axis 0 each piece's len, in C: an RNN's 25 one-row steps per sequence)
        ctx.sizes = list(map(len, xs)) if ctx.axis == 0 else [x.shape[axis] for x in xs]
        return out

    def backward(ctx, g):
        rows = len(g)
        if ctx.axis == 0 and ctx.sizes.count(1) == len(ctx.sizes) == rows:  # one row each (an
            return tuple(g.reshape(rows, 1, *g.shape[1:]))  # RNN's steps): (1, m) views, in C
        # plain slices, not np.split: this runs once per RNN sequence on 25+ pieces (and
        # along axis 0 without building an index tuple per piece)
        lead, start, parts = (slice(None),) * ctx.axis, 0, []
        for n in ctx.sizes:
            parts.append(g[lead + (slice(start, start + n),)] if lead else g[start:start + n])
            start += n
        return tuple(parts)


class Stack(Function):
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    def backward(ctx, g):
        return tuple(np.moveaxis(g, ctx.axis, 0))


class Tap(Function):
    """x itself, after calling `fn(x)`: a side effect that reads a value (CharRNN keeps its last
    hidden state this way), recorded as an op so a replayed step (tinygrad_dl.jit) runs it too."""

    def forward(ctx, x, fn=None):
        fn(x)
        return x

    def backward(ctx, g):
        return g


class LookupGradScale(Function):
    """rows itself (an embedding's lookups weight[ids], ids.shape + (dim,)), the gradient of
    each lookup scaled as torch's embedding backward scales it: none for padding_idx's lookups
    (exactly 0, whatever the upstream gradient), and, with by_freq (scale_grad_by_freq),
    divided by how often its index appears in ids (a row read k times gets the mean of its
    lookups' gradients, not their sum). ids is an input, so a replayed step (jit) reads each
    batch's; it gets no gradient."""

    def forward(ctx, rows, ids, padding_idx=None, by_freq=False):
        ctx.scale = ctx.skip = None
        if by_freq:
            flat = ids.reshape(-1)
            counts = np.bincount(flat) if flat.size else np.zeros(0, np.intp)
            ctx.scale = np.asarray(1.0 / counts[ids])  # (torch's: g times the float64 1 / k)
        if padding_idx is not None:
            ctx.skip = (ids == padding_idx)[..., None]
        return rows

    def backward(ctx, g):
        if ctx.scale is not None:
            g = g * ctx.scale[..., None].astype(g.dtype, copy=False)
        if ctx.skip is not None:
            g = np.where(ctx.skip, np.zeros((), g.dtype), g)
        return g, None


class Compare(Function):
    """x <fn> y (`operator.gt`, ...): a bool array with no gradient. Tensor's comparisons run
    it only inside a jit recording, on inputs that need no gradient, so that a replayed step
    compares each call's values again (a mask `z * (z > 0)`, `where(x >= t, ...)`); eagerly
    they call NumPy directly (the same call: the same bits)."""

    # eagerly its result was a constant, which the step's Python may write into: a jit
    # recording refuses a step that does (replay would compute it afresh, without the write)
    constant_result = True

    def forward(ctx, x, *y, fn=None, scalar=None):  # (y, or a Python number: `scalar`)
        with np.errstate(over="ignore"):  # (1e300 beside float32 is inf: no warning, as torch)
            return fn(x, y[0] if y else scalar)

    def backward(ctx, g):  # (never recorded for backward: its inputs need no gradient)
        return (None,) * len(ctx.parents)


class ConstantCast(Function):
    """x in an integer or bool dtype (x.long(), x.byte(), x.bool(), ...): a constant, torch's
    values (`integer_values`). Tensor's casts run it only inside a jit recording, as Compare,
    so that a replayed step casts each call's values again (a constant result was refused as
    one that changed between calls); eagerly `int_cast` gives the same bits and
    the same warning of a NaN, inf or number past the dtype (a replay's said it nothing)."""

    constant_result = True  # (as Compare's: a write into it is refused by the recording)

    def forward(ctx, x, dtype=None, op="cast"):  # (a replay warns as eager does: int_cast)
        if dtype.kind in "iu" and x.dtype.kind in "fc":
            return int_cast(x, dtype, op)
        return integer_values(x, dtype)

    def backward(ctx, g):  # (never recorded for backward: its input needs no gradient)
        return (None,)


def integer_values(a: np.ndarray, dt: np.dtype) -> np.ndarray:
    """a in the integer or bool dtype dt, torch's bits on this CPU without NumPy's warnings: a
    complex a's real part (not for bool: nonzero either part), a float64 into uint8 through
    int64 (NumPy's goes through int32: -2**31 - 1 became 0, torch's 255)."""
    if a.dtype.kind == "c" and dt.kind != "b":
        a = real_part(a)
    with np.errstate(invalid="ignore", over="ignore"):
        if a.dtype == np.float64 and dt == np.uint8:
            return a.astype(np.int64).astype(dt)
        return a.astype(dt)


def int_cast(a: np.ndarray, dt: np.dtype, op: str) -> np.ndarray:
    """Float array a in the integer dtype dt, truncated toward 0 as torch's; a NaN or inf (and
    a number past int32's or int64's range) becomes torch's number with a RuntimeWarning at
    the caller's line naming the cast: NumPy's named neither (torch says nothing). A complex
    array's real part is cast (torch's; NumPy's ComplexWarning said at the caller's line)."""
    if a.dtype.kind == "c":  # (NumPy's own cast said nothing of a NaN or 3e9 + 0j into int32)
        warnings.warn("Casting complex values to real discards the imaginary part",
                      np.exceptions.ComplexWarning, stacklevel=caller_level())
        a = real_part(a)  # (torch's complex64 cast of a NaN into uint32 took another loop
        torch_s = "as torch's cast of the real part (its complex one may differ)"  # for the
    else:  # last few entries, by the length: no promise of torch's number there)
        torch_s = "as in torch"
    try:
        with np.errstate(invalid="raise"):
            return a.astype(dt)
    except FloatingPointError:
        out = integer_values(a, dt)  # (torch's bits: float64 -> uint8 through int64)
    flat, info = a.reshape(-1).astype(np.float64), np.iinfo(dt)  # (float64: float16's
    # compare overflowed 2**63 with a warning, float32's rounded -2**31 - 1 to -2**31)
    bad = np.flatnonzero(~((flat > float(info.min) - 1.0) & (flat < float(info.max) + 1.0)))
    i = int(bad[0]) if bad.size else 0
    warnings.warn(f"{op} to {dt}: {flat[i]} (a NaN, inf or number past {dt}'s range) has no "
                  f"{dt} value; it became {out.reshape(-1)[i]}, {torch_s}, which says "
                  "nothing: clean the values first (nan_to_num, clamp, where)",
                  RuntimeWarning, stacklevel=caller_level())
    return out


def real_part(a: np.ndarray) -> np.ndarray:
    """A complex array's real part as torch's integer casts read it: a contiguous array's as a
    contiguous copy (NumPy's cast of the strided view a.real took its other loop: NaN + 0j
    into uint32 gave 0 where torch's gave 2**31), a strided one's as the view (as torch's)."""
    return a.real.copy(order="K") if a.flags.c_contiguous or a.flags.f_contiguous else a.real


@dataclass(frozen=True)
class InRange:
    """A `Tap` check that integer indices lie in [0, n): NumPy's -1 reads the last entry
    without a word. Equal by value, so the two recordings of a jitted step agree (`fn=` is
    compared as a parameter) and each replayed batch is checked."""

    what: str
    n: int

    def __call__(self, idx: np.ndarray) -> None:
        if idx.size and outside(idx, self.n):
            raise ValueError(f"{self.what}: indices must lie in [0, {self.n}), got "
                             f"{idx.min()}..{idx.max()}")


class Clone(Function):
    """A copy of x (PyTorch's clone): writes into either leave the other as it was."""

    def forward(ctx, x):
        if x.base is not None:  # (a broadcast view, x.expand(10**15), holds far more than its
            check_count("clone", x.size, x.itemsize,  # memory: its copy may not fit)
                        lambda: f"a copy of shape {x.shape} {x.dtype}",
                        "copy a smaller slice, or keep the broadcast view")
        return x.copy()

    def backward(ctx, g):
        return g


class BroadcastTo(Function):
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        shape = tuple(shape)
        if shape[len(shape) - x.ndim:] == x.shape and math.prod(shape) == x.size:  # only
            return x.reshape(shape)  # leading 1s added (x.expand(1, 3), expand_as of its own
            # shape): a writable view, as torch's
        return np.broadcast_to(x, shape)  # a read-only view, like NumPy's (its rows share memory)

    def backward(ctx, g):
        return unbroadcast(g, ctx.in_shape)


class Repeat(Function):
    """np.repeat(x, repeats, axis): each element `repeats` times (an int or one count per
    element); the gradient sums each element's copies."""

    def forward(ctx, x, repeats=1, axis=None):
        if (repeats < 0 if type(repeats) is int else np.any(np.less(repeats, 0))):  # (np.repeat
            # let a negative count pass on empty x)
            raise ValueError(f"repeat_interleave (np.repeat): repeats must be >= 0, got "
                             f"{np.asarray(repeats).tolist()}")
        if x.size:  # (the output's size, before NumPy allocates it)
            n = x.size if axis is None else x.shape[axis]
            total = repeats * n if type(repeats) is int else int(np.sum(repeats)) * (
                n if np.ndim(repeats) == 0 else 1)
            check_count("repeat_interleave", total * (x.size // n), x.dtype.itemsize,
                        lambda: f"{total * (x.size // n)} entries ({n} along the axis made "
                        f"{total})",
                        "use smaller repeats")
        out = np.repeat(x, repeats, axis=axis)
        ctx.shape, ctx.repeats = x.shape, private(repeats, "repeat: repeats")
        ctx.axis = None if axis is None else axis % x.ndim
        return out

    @staticmethod
    def shape_arrays(repeats=1, axis=None) -> list[np.ndarray]:
        """Counts given as an array: the output's length is their sum."""
        return [repeats] if isinstance(repeats, np.ndarray) else []

    def backward(ctx, g):
        axis, reps = ctx.axis, np.asarray(ctx.repeats)
        n = int(np.prod(ctx.shape)) if axis is None else ctx.shape[axis]
        if axis is None:
            g, axis = g.reshape(-1), 0
        if reps.size == 1:  # (one count, 0-d or [k]: NumPy broadcasts it to every element)
            # copies are adjacent: fold them into their own axis and sum it
            k = int(reps.reshape(-1)[0])
            out = g.reshape(g.shape[:axis] + (n, k) + g.shape[axis + 1:]).sum(axis + 1)
        else:
            starts = np.concatenate([[0], np.cumsum(reps)[:-1]])
            out = np.zeros(g.shape[:axis] + (n,) + g.shape[axis + 1:], dtype=g.dtype)
            nonempty = reps > 0  # reduceat cannot express an empty group
            out[(slice(None),) * axis + (nonempty,)] = np.add.reduceat(
                g, starts[nonempty], axis=axis)
        return out.reshape(ctx.shape)


class Tile(Function):
    """np.tile(x, reps); the gradient sums the tiles."""

    def forward(ctx, x, reps=()):
        r = (reps,) if type(reps) is int else tuple(reps) if type(reps) in (tuple, list) \
            else tuple(np.reshape(reps, -1).tolist())  # (the output's shape, before np.tile)
        if min(r, default=0) >= 0:  # (a negative rep: np.tile's refusal; NumPy ints' product
            n = x.size * math.prod(map(int, r))  # wraps, (2**32, 2**32) made 0)
            check_count(lambda: f"tile: reps {r} of {x.shape}", n, x.itemsize,
                        lambda: f"an output of {n} entries {x.dtype}", "use smaller reps")
        out = np.tile(x, reps)
        if not out.size:  # (np.tile's empty result is a view of x: a write guard's lock on x
            out = np.empty(out.shape, x.dtype)  # then reached it, a later write refused)
        ctx.shape = (1,) * (out.ndim - x.ndim) + x.shape  # x as np.tile sees it
        ctx.in_shape = x.shape
        return out

    @staticmethod
    def shape_arrays(reps=()) -> list[np.ndarray]:
        """Reps given as an array (a tensor's): the output's shape is read from it."""
        return [reps] if isinstance(reps, np.ndarray) else []

    def backward(ctx, g):
        if not g.size:  # no tiles (a zero rep) or an empty x: nothing flows back
            return np.zeros(ctx.in_shape, dtype=g.dtype)
        split = []
        for n, total in zip(ctx.shape, g.shape):
            split += [total // n, n]
        return g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(ctx.in_shape)


class Flip(Function):
    def forward(ctx, x, axis=None):
        ctx.axis = tuple(axis) if isinstance(axis, (list, np.ndarray)) else axis
        return np.flip(x, axis).copy()  # a copy, as torch.flip (np.flip's view: a write to
        # the flipped batch would change the original, `xa = x.flip(3); xa += noise`)

    def backward(ctx, g):
        return np.flip(g, ctx.axis)


class Roll(Function):
    def forward(ctx, x, shift=0, axis=None):
        ctx.shift = private(shift, "roll: shifts")
        ctx.axis = tuple(axis) if isinstance(axis, (list, np.ndarray)) else axis
        return np.roll(x, shift, axis)

    def backward(ctx, g):
        shift = np.negative(ctx.shift)
        return np.roll(g, shift.tolist() if np.ndim(shift) else int(shift), ctx.axis)


class Pad(Function):
    """np.pad in "constant" mode; the gradient is the unpadded window of the output's."""

    def forward(ctx, x, pad_width=0, value=0.0):
        widths = np.asarray(pad_width, dtype=np.int64)
        if (widths < 0).any():  # (before the broadcast: a 0-d x's (0, 2) widths hold none)
            raise ValueError(f"pad widths must be >= 0, got {pad_width}")
        widths = np.broadcast_to(widths, (x.ndim, 2))
        if x.ndim == 0:  # (no axis to pad: np.pad's copy; np.pad of its (0, 2) widths raised)
            ctx.window = ...
            return x.copy()
        ctx.window = tuple(slice(int(a), int(a) + n) for (a, _), n in zip(widths, x.shape))
        out = [n + a + b for (a, b), n in zip(widths.tolist(), x.shape)]  # (before np.pad)
        check_count(lambda: f"pad: widths {widths.tolist()} of {x.shape}", math.prod(out),
                    x.itemsize, lambda: f"an output of shape {tuple(out)} {x.dtype}",
                    "use smaller widths")
        return np.pad(x, widths, mode="constant", constant_values=value)

    def backward(ctx, g):
        return g[ctx.window]


# ---- shape arithmetic for the Tensor methods that compose reshape / transpose -------------
def _dummy(shape: tuple[int, ...]) -> np.ndarray:
    """A zero-memory array of `shape`: NumPy computes a shape op's result shape on it."""
    return np.broadcast_to(np.empty((), dtype=np.bool_), shape)


def new_shape(op: str, shape: tuple[int, ...], fn: Any) -> tuple[int, ...]:
    """fn(dummy of shape).shape, with NumPy's error for a bad axis named after `op`."""
    try:
        return fn(_dummy(shape)).shape
    except (ValueError, IndexError, TypeError) as e:
        raise ValueError(f"{op}: cannot apply to shape {shape}: {e}") from None


def moved_axes(op: str, ndim: int, source: Any, destination: Any) -> tuple[int, ...]:
    """The transpose permutation np.moveaxis(x, source, destination) performs."""
    try:
        src, dst = dim_ints(op, source), dim_ints(op, destination)
        if len(src) != len(dst):
            raise ValueError("source and destination need the same number of axes")
        n = max(ndim, 1)  # (a 0-d tensor takes dims 0 and -1, as torch's: no change)
        src = [_axis(a, n) for a in src]
        dst = [_axis(a, n) for a in dst]
    except ValueError as e:
        raise ValueError(f"{op}: {e}") from None
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):  # (a repeated destination
        name, given = (("source", source) if len(set(src)) != len(src)  # gave a permutation
                       else ("destination", destination))  # without a word)
        raise ValueError(f"{op}: repeated dim in {name} ({given}); each dim may be moved once")
    if not ndim:
        return ()
    order = [n for n in range(ndim) if n not in src]
    for d, a in sorted(zip(dst, src)):
        order.insert(d, a)
    return tuple(order)


def _axis(a: int, ndim: int) -> int:
    if not -ndim <= a < ndim:
        raise ValueError(f"axis {a} is out of bounds for an array of dimension {ndim}")
    return a % ndim


def unique_dims(op: str, dims: Any, ndim: int) -> list[int]:
    """dims, each checked against ndim (a 0-d tensor takes 0 and -1, as torch's) and made
    non-negative, refused in one line where two name one dim (torch refuses; NumPy's squeeze
    and flip with axes of length != 1 let it pass)."""
    out = [axis_of(op, d, max(ndim, 1)) for d in dims]
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dims {tuple(dims)} name one dim twice (a {ndim}-D tensor); "
                         "give each dim once")
    return out


def reduced_axes(op: str, axis: Any, ndim: int) -> Any:
    """A reduction's dim (None, an int, or a tuple or list of them) as NumPy's axis: checked by
    unique_dims (a 0-d tensor takes 0 and -1, as torch's, and reduces over no axis: None)."""
    if axis is None:
        return None
    many = isinstance(axis, (tuple, list))
    dims = unique_dims(op, axis if many else (axis,), ndim)
    return None if not ndim else tuple(dims) if many else dims[0]


def axis_of(op: str, a: int, ndim: int) -> int:
    if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
        a = dim_value(a)  # (a 0-d integer tensor or array: its int, as torch's)
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            # (True is an int to Python: `x.unique(dim=True)` would have meant dim 1)
            raise TypeError(f"{op}: dim must be an integer, got {a!r}")
    try:
        return _axis(a, ndim)
    except ValueError as e:
        raise ValueError(f"{op}: {e}") from None


def flat_shape(shape: tuple[int, ...], start: int, end: int) -> tuple[int, ...]:
    """The shape with axes start..end (inclusive, as torch.flatten) merged into one."""
    if not shape:  # (a 0-d tensor takes dims 0 and -1, as torch's: flatten(0, 5) ran)
        for d in (start, end):
            axis_of("flatten", d, 1)
        return (1,)
    s, e = axis_of("flatten", start, len(shape)), axis_of("flatten", end, len(shape))
    if s > e:
        raise ValueError(f"flatten: start axis {start} comes after end axis {end}")
    return shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:]



def roll_args(x: Any, shift: Any, axis: Any) -> tuple[Any, Any]:
    """(shift, axis) for np.roll where torch.roll and np.roll agree, refused in one line where
    NumPy's answer would differ from torch's: a non-integer shift (1.5 was rolled by 1), more
    shifts than dims (NumPy summed (1, 2) over dims=0 into a roll by 3) and dims () (torch's
    dims=() and [], made None by `spellings`, roll the flattened tensor; NumPy's axis=() rolled
    nothing). One shift for several dims rolls each by it (NumPy's; torch refuses it)."""
    if type(shift) is int and (axis is None or type(axis) is int):  # (x.roll(1, 0): nothing
        return shift, axis  # to check, and no per-call NumPy work)
    axis = dims_arg("roll", axis)
    s = np.asarray(shift)
    if s.ndim > 1 or (s.size and not (s.dtype.kind in "iu" or s.dtype == object and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in s.flat))):
        raise TypeError(f"roll: shifts must be an int or a sequence of ints, got {shift!r}")
    one = s.size == 1 or s.ndim == 0
    dims = None if axis is None else (axis,) if np.ndim(axis) == 0 else tuple(axis)
    if dims == ():
        if x.size > 1 and one:
            raise ValueError(f"roll: dims {axis!r} of a tensor of shape {x.shape}: torch rolls "
                             "the flattened tensor, NumPy's axis=() rolls nothing; write "
                             "dims=None for the flattened roll")
        dims = axis = None  # (one element or none: the same either way)
    if dims is None:  # (torch: the flattened roll, by its one shift; a 0-d x too)
        if not one:
            raise ValueError(f"roll: {s.size} shifts {shift!r} with dims {axis!r}: the "
                             "flattened roll takes one shift; give dims=, one per shift")
        return shift, None  # (np.roll takes [k] too; shift's own array, not a Python int
        # read from it, which a jitted step's replay would keep when a tensor's value changes)
    if not one and s.size != len(dims):
        raise ValueError(f"roll: shifts {shift!r} and dims {axis!r} must align (one shift per "
                         f"dim, a {x.ndim}-D tensor)")
    return shift, axis
