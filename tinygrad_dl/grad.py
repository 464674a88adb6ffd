"""`GradArray`: the array type backward stores in `.grad`.

A gradient here is data, not part of a graph, so `.grad` is a NumPy array and every NumPy
spelling works on it. PyTorch code zeroes it with `p.grad.zero_()`; this subclass adds exactly
that method (in place, returning the array, as torch does), and `p.grad.data` is the array
itself (NumPy's would be a memoryview); a Tensor method it lacks raises one line saying so.
Arithmetic on it gives plain arrays, and its repr is a plain array's, so it never leaks into
results.
"""

from __future__ import annotations

import linecache
import sys
from typing import Any

import numpy as np


class GradArray(np.ndarray):
    """A NumPy array holding a parameter's gradient, plus PyTorch's `zero_()`."""

    def zero_(self) -> GradArray:
        """Set every element to 0 in place (PyTorch's `p.grad.zero_()`); returns the array."""
        self.fill(0)
        return self

    @property
    def data(self) -> GradArray:  # type: ignore[override]
        """The gradient itself, as PyTorch's `p.grad.data` (NumPy's `.data` is a memoryview, on
        which `p.grad.data.clamp_(-1, 1)` or `np.clip(p.grad.data, ...)` went wrong)."""
        return self

    def __getattr__(self, name: str) -> Any:
        # only reached when NumPy has no such attribute (no cost to the ones it has): PyTorch's
        # Tensor methods on a gradient (`p.grad.norm()`, `p.grad.clamp_(-1, 1)`) said
        # "'GradArray' object has no attribute 'norm'", naming neither cause nor spelling
        if name.startswith("_"):
            raise AttributeError(f"'GradArray' object has no attribute {name!r}")
        if hasattr(memoryview, name):  # `g.data.readonly`, `.cast("B")`: NumPy's memoryview's
            raise AttributeError(
                f"'GradArray' object has no attribute {name!r}: a gradient's .data is the "
                f"array itself here (as PyTorch's p.grad.data), not NumPy's memoryview; "
                f"write memoryview(g).{name} for that")
        raise AttributeError(
            f"'GradArray' object has no attribute {name!r}: .grad is a NumPy array here, not a "
            f"Tensor, so PyTorch's .{name}() is not there; use NumPy on it (np.linalg.norm(g), "
            "np.clip(g, lo, hi, out=g), g *= s) or tinygrad_dl.tensor(g) for a Tensor")

    def __array_wrap__(self, obj: Any, context: Any = None, return_scalar: bool = False) -> Any:
        # NumPy hands a ufunc's or reduction's fresh result here as a plain array: keep it
        # plain (arithmetic on a gradient gives plain arrays); an out= buffer (`g += x`) comes
        # back as itself
        return obj[()] if return_scalar else obj

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))


def masked_error(what: str) -> TypeError:
    """The one refusal of a NumPy masked array where data enters (Tensor(), tensor(),
    backward's gradient, a .grad set by hand, a loaded optimizer state): NumPy's conversions
    and every op here read the values under the mask as if it were not there (torch's too),
    so the mask would be dropped without a word. `what` names where it came in."""
    return TypeError(f"{what} is a masked array, whose mask no op would honour; pass "
                     "x.filled(value) or x.compressed()")


def masked_within(seq: list[Any] | tuple[Any, ...]) -> bool:
    """Is a NumPy masked array an item of the list or tuple `seq`, or of a list or tuple in it?
    NumPy (and torch, as NaN) reads such an array's values in a nested list: `tensor([m, m])`
    gave the values under the mask without a word, where `tensor(m)` is refused (masked_error).
    The first items, followed down, tell what the lists hold: only lists of arrays are looked
    through to the arrays; lists of rows of numbers down to the rows, not the numbers in them
    (a list that mixes rows of numbers with arrays, `[[1., 2.], m]`, is refused; a flat list
    of numbers costs one step, and a masked 0-d item among numbers is NumPy's NaN with its
    warning)."""
    probe, depth = seq, 0
    while isinstance(probe, (list, tuple)) and probe and depth <= 64:
        probe, depth = probe[0], depth + 1
    if not isinstance(probe, np.ndarray):  # (numbers: the rows are one level up)
        depth -= 1
    if depth == 1 and _PLAIN_ROWS.issuperset(map(type, seq)):  # (rows, arrays: the common
        return False  # case, without a call)
    return depth > 0 and _holds_masked(seq, depth)


def _holds_masked(seq: Any, depth: int) -> bool:
    """masked_within's look through lists of arrays, `depth` levels down at most (the types of
    a list's items first, in one pass: rows of lists or of plain arrays are let through)."""
    if isinstance(seq, np.ma.MaskedArray):
        return True
    if depth <= 0 or not isinstance(seq, (list, tuple)):
        return False
    if (_PLAIN_ROWS if depth == 1 else _PLAIN_LEAVES).issuperset(map(type, seq)):
        return False
    return any(_holds_masked(v, depth - 1) for v in seq)


# item types that are no masked array: lists too at the last level looked at (not looked into)
_PLAIN_LEAVES = frozenset((float, int, bool, complex, np.ndarray))
_PLAIN_ROWS = _PLAIN_LEAVES | {list, tuple}


def complex_grad_error(what: str, gd: np.dtype, dt: np.dtype) -> TypeError:
    """The one refusal of a complex gradient `what` (a .grad set by hand, of dtype `gd`) for a
    real tensor (of dtype `dt`): a cast drops the imaginary part with only NumPy's
    ComplexWarning, and clip's np.clip compared complex numbers by their real parts (torch
    refuses it at `p.grad = g`; .grad is a plain slot here, so each reader refuses it)."""
    return TypeError(f"{what} is {gd}, the parameter {dt}: a complex gradient for a real "
                     "parameter; set p.grad = g.real if meant")


def apply_error(op: str, inputs: tuple[Any, ...], e: Exception) -> Exception:
    """What `Function.apply` raises for `e`, raised by `op`'s forward on `inputs` (or by
    reading them): the op's own message as it is ("cross_entropy: labels must ..."); an input
    that is no Tensor (a NumPy array or a number: `nn.Linear(3, 2)(x_numpy)`, `Cube.apply(x,
    2.0)`) named in a TypeError (it was "AttributeError: 'numpy.ndarray' object has no
    attribute 'requires_grad'", naming neither the op nor the input); NumPy's ValueError
    (broadcasting, matmul) with the op and the shapes; anything else as it is (an
    AttributeError of a user's own forward)."""
    if _raised_by_op(e):
        return e
    for i, t in enumerate(inputs):
        if not hasattr(t, "requires_grad"):
            kind = type(t).__name__ if type(t).__module__ == "builtins" else (
                f"{type(t).__module__}.{type(t).__qualname__}")
            shape = f" of shape {t.shape}" if isinstance(t, np.ndarray) else ""
            return TypeError(f"{op}: input {i} is a {kind}{shape}, not a Tensor: wrap it, "
                             f"Tensor(x) (a setting that is no input goes as a keyword: "
                             f"{op}.apply(x, name=value))")
    if isinstance(e, ValueError):
        shapes = " and ".join(str(t.data.shape) for t in inputs)
        return ValueError(f"{op}: cannot apply to shapes {shapes}: {e}")
    return e


def _raised_by_op(e: BaseException) -> bool:
    """Did an op's own `raise` make `e` (its message names the op), not NumPy under it?"""
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame if tb is not None else None
    return (frame is not None and not str(frame.f_globals.get("__name__")).startswith("numpy")
            and linecache.getline(frame.f_code.co_filename, tb.tb_lineno).lstrip()[:6] == "raise ")


def check_hand_grad(what: str, g: Any, dt: np.dtype) -> None:
    """A reader's check of `g`, a .grad that may have been set by hand, for a tensor of dtype
    `dt` (clip_grad_*, LBFGS, backward's accumulation; Optimizer.step has its own pass): no
    array (a number, a list, a Tensor: clip_grad_norm_ left an np.float64 unscaled, and a
    float raised "'float' object has no attribute 'dtype'"), a masked array or a complex
    gradient for a real tensor raises one line naming `what`."""
    if not isinstance(g, np.ndarray):
        raise TypeError(f"{what} is a {type(g).__name__}; .grad holds a NumPy array of the "
                        "tensor's shape (p.grad = t.data), or None")
    if isinstance(g, np.ma.MaskedArray):
        raise masked_error(what)
    if g.dtype.kind == "c" and dt.kind != "c":
        raise complex_grad_error(what, g.dtype, dt)


def in_dtype(g: np.ndarray, t: Any, who: str = "backward") -> np.ndarray:
    """Backward's gradient `g` for the tensor `t`, cast to t's dtype. A complex `g`
    for a real tensor is refused: it came through ops on complex values (`x * 1j`), whose
    backwards do not conjugate (torch's convention does), so even its real part can be wrong
    (`(x * 1j).abs()` gave -1 for torch's +1), and the cast dropped the rest with only NumPy's
    ComplexWarning (autograd.grad's, `who`, the same: jacobian/vjp/jvp of `(x * c).abs()` gave
    wrong real numbers, of `x * c` real parts alone)."""
    dt = t.data.dtype
    if g.dtype.kind == "c" and dt.kind != "c":
        what = f"{t.name!r}" if t.name else f"a tensor of shape {t.data.shape}"
        raise TypeError(f"{who}: a complex gradient ({g.dtype}) reached {what} of dtype {dt}, "
                        "through ops on complex values; their backwards are real-only here: "
                        "keep the real and imaginary parts as two real tensors")
    return g.astype(dt)


def self_overlapping(a: np.ndarray) -> bool:
    """Do elements of `a` share one memory (a 0 stride along an axis of 2 or more: a writable
    `np.broadcast_arrays` or `as_strided` view)? A write through it that differs along that
    axis (`a += g`, a step's `p -= lr * g`) leaves every such element holding the last value
    written, without a word; torch refuses ("more than one element of the written-to tensor
    refers to a single memory location"). Other overlapping strides are not looked for. An
    empty one has no element to share (torch writes a (3, 0) expand too)."""
    return (0 in a.strides and a.size > 0
            and any(s == 0 and n > 1 for s, n in zip(a.strides, a.shape)))


def adds_in_place(g: Any) -> bool:
    """May a `.grad` set by hand (`g`) be written in place (accumulated into, zeroed)? Only
    a plain or GradArray that is writable, its owner too (a live graph may have locked the
    owner of a view), and no broadcast view (`self_overlapping`)."""
    return ((type(g) is GradArray or type(g) is np.ndarray) and g.flags.writeable
            and getattr(g.base, "flags", g.flags).writeable and not self_overlapping(g))


def as_grad(a: np.ndarray) -> GradArray:
    """`a` seen as a GradArray (a view: no copy)."""
    return a if type(a) is GradArray else a.view(GradArray)


def cleared(g: Any, set_to_none: bool) -> Any:
    """What `zero_grad(set_to_none)` leaves in a `.grad` that holds `g`: None, or with
    set_to_none=False PyTorch's zeros in place, so that a reference to the array (`g =
    p.grad`, kept across steps) sees them as in torch. An array we may not write (a live
    graph locked it, having read it as data: see write_guard; or it came read-only) is left
    as it is and a new zero array given instead."""
    if set_to_none or g is None:
        return None
    if adds_in_place(g):
        g.fill(0)
        return as_grad(g)
    return as_grad(np.zeros(np.shape(g), dtype=getattr(g, "dtype", np.float64)))


def own_array(prev: np.ndarray | None, ours: bool, shape: tuple[int, ...], dtype: Any
              ) -> np.ndarray:
    """`Pending.own`'s rule on a pending gradient `prev` (None: none yet) and whether it is
    ours: prev itself when ours, else zeros, or a copy in the dtype both make."""
    if prev is None:
        return np.zeros(shape, dtype)
    return prev if ours else prev.astype(np.result_type(prev, dtype))


# ---- which first gradient the accumulator may add into ------------------------------------
# An op's backward returns the upstream gradient, a view, an array given to two inputs, or a
# fresh array; only the last may be added into in place (HIPS autograd's add_outgrads rule).
# "Fresh" is decided by references: an array the op also keeps (its saved output returned as
# the gradient, an intermediate kept on ctx for a second backward, a module constant) or one
# that is the upstream gradient or sits twice in the returned tuple has more of them, and the
# next input's gradient added into it would change what the op or the caller holds.
refs = sys.getrefcount


def _calibrate() -> tuple[int, int]:
    """The counts `refs` gives, in this Python, for a gradient and its tuple that nothing but
    the accumulator's loop holds (Pending.run: `for k, gi in zip(parents, in_grads)`). Not
    constants: 3.14 borrows references on its stack, so its counts are lower."""
    in_grads = (np.empty(1),)
    for _k, gi in zip((None,), in_grads):
        return refs(gi), refs(in_grads)
    raise AssertionError  # (the loop runs once)


FRESH, FRESH_TUPLE = _calibrate()


def passed(g: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """g where `keep` (a bool mask), 0 elsewhere, whatever g holds there: the gradient of a
    clipping op (relu, clamp, hardtanh). g * keep is the fast way (np.where takes several times
    as long on a large array), but gives inf * 0 = NaN where an upstream gradient is infinite
    at a clipped entry (sqrt's at 0, PyTorch's is 0 there): only then are those entries set."""
    out = g * keep
    if not np.isfinite(g).all():  # (rare: one pass to find out; np.where, as a 0-d g * keep
        return np.where(keep, g, np.zeros((), out.dtype))  # is a NumPy scalar, read-only)
    return out


# ---- adding a large product into a gradient without a temporary of its size -----------------
# An array of more than BLOCKED_FROM elements is worked on in blocks, each at most a quarter of
# it and at most BLOCK elements (256 KiB of float64, in L2): a temporary a quarter of the
# parameter at most, not a second parameter-sized array at the step's peak, in few enough
# blocks that each one's Python (two NumPy calls) stays small beside its passes.
BLOCK = 32768
# (smaller: the whole temporary is at most 128 KiB of float64. At 8,192 a char-RNN's W, 10,000
# elements, was stepped in 4 blocks: 13 us where one pass takes 4, and no lower peak)
BLOCKED_FROM = 16384


def block_size(n: int) -> int:
    """The elements per block of an array of n elements (> BLOCKED_FROM)."""
    return min(BLOCK, -(-n // 4))


def add_scaled(out: np.ndarray, factor: Any, x: np.ndarray) -> None:
    """out += factor * x, the product made a block at a time (`block_size`) into one small
    temporary, not into an array of out's size (the L2 term's 2 lam W added into W's
    gradient). Elementwise, so the numbers are those of `out += factor * x`, which it does
    where blocks would not be the same (arrays not C-contiguous, of other shapes, sharing
    memory) or are not worth it (small)."""
    n = x.size
    if (n <= BLOCKED_FROM or out.shape != x.shape or not out.flags.c_contiguous
            or not x.flags.c_contiguous or np.may_share_memory(out, x)):
        out += factor * x
        return
    fo, fx = out.reshape(-1), x.reshape(-1)
    b = block_size(n)
    t = np.empty(b, np.result_type(factor, x))
    mul, full = np.multiply, n - n % b
    for s in range(0, full, b):  # (whole blocks: t as it is, no slice of it per block)
        e = s + b
        mul(factor, fx[s:e], out=t)
        view = fo[s:e]
        view += t
    if full < n:  # the last block, short
        ts = t[:n - full]
        mul(factor, fx[full:], out=ts)
        view = fo[full:]
        view += ts


def sum_terms(terms: list[Any]) -> np.ndarray | None:
    """The sum of the deferred gradient terms of one key, each kind summed its own way
    (`type(term).total`: MatMul's `Outer` rows as one product), the kinds then added; None
    when there is none (a module's backward hook returned None for that input)."""
    kind = type(terms[0])
    for t in terms:
        if type(t) is not kind:  # (a module's backward-hook term beside an Outer: rare)
            break
    else:
        return kind.total(terms)
    kinds: dict[type, list[Any]] = {}
    for t in terms:
        kinds.setdefault(type(t), []).append(t)
    parts = [p for p in (k.total(ts) for k, ts in kinds.items()) if p is not None]
    if len(parts) < 2:
        return parts[0] if parts else None
    out = parts[0] + parts[1]
    for p in parts[2:]:
        out += p
    return out


def add_terms(terms: list[Any], prev: np.ndarray | None, ours: Any) -> tuple[Any, Any]:
    """(gradient, ours) once a key's deferred `terms` are added to its pending gradient
    `prev` (`ours`: may be added into): the one rule, for engine.Pending.pop and for a jit
    replay's local lists: their total is the gradient, or is added into prev (itself where
    ours, else a copy in the dtype both make); no total (a module's backward hook returned
    None for it) leaves prev as it is."""
    total = sum_terms(terms)
    if total is None:
        return prev, prev is not None and bool(ours)
    if prev is None:
        return total, True
    prev = own_array(prev, bool(ours), total.shape, total.dtype)
    prev += total
    return prev, True
