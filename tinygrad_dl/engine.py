"""The engine: grad mode, name scopes, the `Function` base class and reverse-mode backprop.

Every op is a `Function` subclass with `forward(ctx, *arrays, **params)` and
`backward(ctx, grad)` side by side. `Function.apply` runs the forward on NumPy arrays and,
when a gradient is needed, records the op as the output's `_ctx` with its parent tensors.
`backward` walks that DAG in reverse topological order (found without recursion, so graphs of
millions of ops are fine) and hands each op the gradient of its output.

This module does not import the Tensor class: `apply` makes its output with the class of its
first input, and reads nothing of a tensor but `data`, `requires_grad`, `_ctx`, `_retain` and
`grad`. Grad mode and the name scope are per thread, as in PyTorch, so trainings may run in
several threads of one process (a Dask worker's default).
"""

from __future__ import annotations

import contextlib
import functools
import linecache
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np


def _own(e: BaseException) -> bool:
    """Whether an op raised `e` itself (a `raise` statement in an op's Python code: its message
    names the op already), rather than NumPy under it (broadcasting, reshape, matmul, stack
    errors: Function.apply adds the op and the input shapes to those)."""
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("numpy"):
        return False  # NumPy's Python code (np.stack's "all input arrays must have ...")
    line = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno).lstrip()
    return line.startswith("raise ")


class _ThreadState(threading.local):
    grad_enabled = True  # record ops for backward?
    scope: str | None = None  # innermost name_scope, "layers.0/t=3"; recorded on each op
    recorder: Any = None  # a tinygrad_dl.jit recording in progress (None: zero cost)
    anomaly = False  # detect_anomaly() is on: check every output and gradient for NaN/inf


_state = _ThreadState()


def is_grad_enabled() -> bool:
    return _state.grad_enabled


# ---- what the step's Python does, reported to a jit recording ----------------------------------
# tinygrad_dl.jit replays a step without running its Python, so while it records one it must
# hear of everything the Python does that replay would not redo. Each hook costs one
# thread-local read when nothing records. Library code inside ops reads `.data` directly: its
# reads are not the step's and are not reported.
def notify_read(t: Any, how: str) -> None:
    """A tensor's (or watched array's) value handed to Python: float(t), t.item(), format."""
    r = _state.recorder
    if r is not None:
        r.on_read(t, how)


def notify_write(who: str) -> None:
    """One of the project's writers runs (optimizer.step(), load_state_dict, zero_grad)."""
    r = _state.recorder
    if r is not None:
        r.on_write(who)


def notify_module(m: Any) -> None:
    """A Module is called: the recording guards its attributes and mode at replay."""
    r = _state.recorder
    if r is not None:
        r.on_module(m)


def literal(a: np.ndarray) -> np.ndarray:
    """Mark `a` as made from Python constants and shapes only (`x * 2.0`, `Tensor([1, 2])`,
    a zero initial state): a recording may keep it, where any other array made inside the
    step would be per-step data. Returns `a`."""
    r = _state.recorder
    if r is not None:
        r.on_literal(a)
    return a


def recording() -> bool:
    """Is a jit recording in progress on this thread?"""
    return _state.recorder is not None


class no_grad(contextlib.ContextDecorator):
    """Record nothing inside: `with no_grad(): ...`, `@no_grad()` or bare `@no_grad`."""

    _mode = False

    def __init__(self, func: Callable[..., Any] | None = None) -> None:
        # a stack, not one slot: a decorated function may recurse, and an instance be re-entered
        self._prev: list[bool] = []
        self._func = func
        if func is not None:  # used as a bare decorator: this object is the wrapper
            functools.update_wrapper(self, func)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._func is None:  # @no_grad(): wrap the function
            return super().__call__(*args)
        with self:
            return self._func(*args, **kwargs)

    def __enter__(self) -> no_grad:
        self._prev.append(_state.grad_enabled)
        _state.grad_enabled = self._mode
        return self

    def __exit__(self, *exc: object) -> None:
        _state.grad_enabled = self._prev.pop()


class enable_grad(no_grad):
    """Turn recording back on inside a `no_grad` block."""

    _mode = True


class inference_mode(no_grad):
    """PyTorch's `inference_mode()`: here the same as no_grad (record nothing inside);
    `inference_mode(False)` leaves grad mode as it is."""

    def __init__(self, mode: Any = True) -> None:
        if callable(mode) and not isinstance(mode, bool):  # used as a bare decorator
            super().__init__(mode)
            self._on = True
        else:
            super().__init__()
            self._on = bool(mode)

    def __enter__(self) -> inference_mode:
        self._prev.append(_state.grad_enabled)
        if self._on:
            _state.grad_enabled = False
        return self


class name_scope(contextlib.ContextDecorator):
    """Tag the ops recorded inside with a scope name ("layers.0", "t=3"), nested with "/".

    Modules enter their own scope when called; draw_graph clusters ops by scope.
    """

    __slots__ = ("name", "_outer")

    def __init__(self, name: str) -> None:
        self.name = name
        self._outer: list[str | None] = []

    def __enter__(self) -> None:
        outer = _state.scope
        self._outer.append(outer)
        _state.scope = self.name if outer is None else f"{outer}/{self.name}"

    def __exit__(self, *exc: object) -> None:
        _state.scope = self._outer.pop()


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`: the adjoint of NumPy broadcasting (every elementwise op)."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:  # leading dims that broadcasting added (axis=0 is the bias of a Linear)
        grad = grad.sum(axis=0 if extra == 1 else tuple(range(extra)))
        if grad.shape == shape:
            return grad
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if kept:
        grad = grad.sum(axis=kept, keepdims=True)
    return grad


class Function:
    """One primitive op. Subclasses define forward(ctx, *arrays) and backward(ctx, grad).

    `ctx` is the Function instance itself: forward stores what backward needs on it
    (via `ctx.save_for_backward(...)` or plain attributes). backward returns one gradient per
    tensor input (None where an input needs none); `ctx.needs_input_grad[i]` says which.
    Backward may return `grad` itself or views of it (the engine never writes into those), but
    no other pre-existing array: anything else it returns is taken as freshly allocated.
    If it saves anything, its leaf inputs' arrays are read-only until its graph is freed, so
    a write into one between forward and backward raises instead of corrupting the gradient.

    A recorded op's graph fields are its slots; whatever forward saved lives in its __dict__,
    which `release()` drops after backward.
    """

    __slots__ = ("parents", "params", "needs_input_grad", "scope", "released", "graph",
                 "__dict__")
    saved: tuple[Any, ...] = ()
    # Optional, for tinygrad_dl.jit replay: `prepare(ctx, *arrays, **params)` sets up exactly
    # what backward reads without computing the output, for when nothing reads that value
    # (the L2 sum, the loss itself). If it reads only its inputs' shapes, not their values,
    # `prepare_reads_values = False` lets replay skip computing those inputs too.
    prepare: Callable[..., None] | None = None
    prepare_reads_values = True
    # Optional, for jit too: `shape_arrays(**params)` lists the parameter arrays whose VALUES
    # set the output's shape (a boolean mask index, per-element repeat counts): replay, which
    # trusts recorded shapes, refuses a step where such an array is not a literal.
    shape_arrays: Callable[..., list[np.ndarray]] | None = None

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved = arrays

    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no backward")

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[Function | None, int], ...]:
        """PyTorch's grad_fn.next_functions: (the op that made each input, 0); None for an
        input that is a leaf."""
        return tuple((p._ctx, 0) for p in self.parents)

    def __repr__(self) -> str:
        return f"<{self.name} op>"

    def release(self) -> None:
        """Free what forward saved (the graph's structure stays, for drawing)."""
        self.__dict__ = {}
        self.released = True
        self.graph = None  # the last op of a graph to let go unlocks what it read

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run forward on the inputs' arrays; record the op if any input needs a gradient."""
        ctx = cls()
        try:  # unary and binary ops (nearly all) skip building two lists
            if len(inputs) == 1:
                x = inputs[0]
                ctx.needs_input_grad = needs = [x.requires_grad]
                data = ctx.forward(x.data, **params)
            elif len(inputs) == 2:
                x, y = inputs
                ctx.needs_input_grad = needs = [x.requires_grad, y.requires_grad]
                data = ctx.forward(x.data, y.data, **params)
            else:
                ctx.needs_input_grad = needs = [t.requires_grad for t in inputs]
                data = ctx.forward(*[t.data for t in inputs], **params)
        except ValueError as e:
            if _own(e):  # the op's own message ("cross_entropy: labels must be ..."): as is
                raise
            shapes = " and ".join(str(t.data.shape) for t in inputs)  # NumPy's, e.g. broadcasting
            raise ValueError(f"{cls.__name__}: cannot apply to shapes {shapes}: {e}") from None
        out = type(inputs[0])(data)
        if _state.anomaly:  # off: this one flag read is the whole cost
            _anomaly_forward(ctx, inputs, data)
        if True in needs and _state.grad_enabled:
            ctx.parents = inputs
            ctx.params = params
            ctx.scope = _state.scope
            ctx.released = False
            out.requires_grad = True
            out._ctx = ctx
            ctx.graph = _join(ctx, inputs)  # what it read stays read-only while it lives
        if _state.recorder is not None:  # tinygrad_dl.jit is tracing a step
            _state.recorder.on_apply(cls, inputs, params, out)
        return out

    def input_grads(self, grad: np.ndarray) -> tuple[Any, ...]:
        """backward(grad) as a tuple with one entry per input, checked against the inputs."""
        if self.released:
            raise RuntimeError(
                f"backward through {self.name} a second time: its saved arrays were freed by "
                "the first backward(); call backward(retain_graph=True) the first time"
            )
        if _replaced:  # some saved array was given up by a writer (rarely: nothing to check)
            _check_saved(self)
        grads = self.backward(grad)
        if type(grads) is not tuple:
            grads = (grads,)
        if _state.anomaly:
            _anomaly_backward(self, grad, grads)
        if len(grads) != len(self.parents):
            raise RuntimeError(
                f"{self.name}.backward returned {len(grads)} gradients for "
                f"{len(self.parents)} inputs"
            )
        return grads


# ---- what a live graph read is read-only ----------------------------------------------------
# The arrays of the leaf tensors (parameters, inputs) that a recorded op saved for backward
# (x and W of a matmul, or W through the view W.T) must not change before that backward runs,
# or its gradient is silently wrong. NumPy cannot report a write, so such an array is made
# read-only (a write raises NumPy's "assignment destination is read-only") while any graph
# that read it lives, and writable again when backward frees the graph or the graph is
# dropped. Intermediate results are not locked: they are ours, not the user's, and locking
# each would cost more per op than the rest of the engine's bookkeeping. The locks belong to
# one `_Graph` object per forward computation, which its ops reference: one object per graph,
# not per op, keeps this to a few attribute reads per op. Our own writers
# (optimizer steps, load_state_dict) call `writable`, which gives the tensor a copy instead,
# and a backward through a graph that still holds the old array then raises (as PyTorch's
# version counters do).
_setflags = np.ndarray.setflags
_locks: dict[int, int] = {}  # id(array we made read-only) -> how many live graphs hold it
_replaced: dict[int, str] = {}  # id(locked array) -> who took a copy to write
# id(owner) -> views of it whose last lock ended while the owner was still locked (parameters
# that are views of one flat buffer, held by two graphs): made writable with their owner
_waiting: dict[int, list[np.ndarray]] = {}
_watching = 0  # live graphs that keep copies of parameters to compare (_Graph.watch)
_suspect: set[int] = set()  # id(locked parameter array) that may have views we cannot lock
_guard = threading.RLock()  # counts are shared by threads (a Dask worker's batches share X)
_acquire, _release = _guard.acquire, _guard.release


class _Graph:
    """The leaf arrays one forward computation locked, unlocked when no op of it is left.

    An op takes the graph of its first parent that has one. It need not merge the graphs of
    its other parents: their ops are its ancestors, which it keeps alive anyway.
    """

    __slots__ = ("held", "copies")

    def __init__(self) -> None:
        self.held: dict[int, np.ndarray] = {}
        # (array, copy at the forward) of parameters that are views of another array (see
        # `watch`); None for the usual graph, which has none
        self.copies: list[tuple[np.ndarray, np.ndarray]] | None = None

    def watch(self, a: np.ndarray) -> None:
        """Keep a copy of `a`, a parameter's array that other NumPy views may share (it is a
        view itself, or has references the engine cannot account for), to compare at
        backward: locking `a` (and its owner) cannot reach views made before the forward
        (`v = w.data[:]`, a flat buffer's, `big` of `Tensor(big[:, :2],
        requires_grad=True)`), which NumPy has no way to list, so a write through one of
        those is found by comparison."""
        global _watching
        if self.copies is None:
            self.copies = []
            with _guard:
                _watching += 1
        elif any(a is w for w, _ in self.copies):
            return
        self.copies.append((a, a.copy()))

    def hold(self, arrays: list[np.ndarray]) -> None:
        """Lock `arrays` (a view with the array owning its memory) while this graph lives;
        an array several graphs hold unlocks with the last of them."""
        held = self.held
        for a in arrays:
            if id(a) not in held:
                break
        else:  # all held already: the common case for an op inside a graph
            return
        _acquire()
        try:
            for a in arrays:
                if id(a) in held:
                    continue
                base = a.base
                if base is not None and type(base) is np.ndarray:
                    _lock(base, held)  # the owner first: a view unlocks only after it
                _lock(a, held)
        finally:
            _release()

    def __del__(self) -> None:
        global _watching
        _acquire()
        try:
            if self.copies is not None:
                _watching -= 1
            for key, a in self.held.items():
                n = _locks[key] - 1
                if n:
                    _locks[key] = n
                    continue
                del _locks[key]
                if _replaced:
                    _replaced.pop(key, None)
                if _suspect:
                    _suspect.discard(key)
                _unlock(a, key)
        finally:
            _release()


def _unlock(a: np.ndarray, key: int) -> None:
    """Make `a` writable again, and the views of it that had to wait for it (below)."""
    try:
        _setflags(a, True)
    except ValueError:  # a view whose owner another live graph still holds: NumPy refuses
        if id(a.base) in _locks:  # (else the owner is read-only of its own: so is the view)
            _waiting.setdefault(id(a.base), []).append(a)  # writable when the owner is
        return
    if _waiting:
        for view in _waiting.pop(key, ()):
            if id(view) not in _locks:  # not locked again meanwhile
                _setflags(view, True)


def _lock(a: np.ndarray, held: dict[int, np.ndarray]) -> None:
    key = id(a)
    if key in held:
        return
    n = _locks.get(key)
    if n is None:
        if not a.flags.writeable:  # read-only of its own (or a view of a locked array)
            return
        _setflags(a, False)
        _locks[key] = 1
    else:
        _locks[key] = n + 1
    held[key] = a


def _join(ctx: Function, inputs: tuple[Any, ...]) -> _Graph | None:
    """The graph a newly recorded op belongs to, holding, if the op saved anything (an add
    saves nothing: its inputs stay free), the arrays of the leaves it read and of the views
    it read (`x @ W.T` locks W's array)."""
    graph = reads = params = None
    saved = ctx.saved
    for p in inputs:
        c = p._ctx
        if c is not None:
            if graph is None:
                graph = c.graph
            if not saved or p.data.base is None:  # an op's own result: not locked
                continue
        elif not saved:
            continue
        elif p.requires_grad:  # a parameter
            params = [p.data] if params is None else [*params, p.data]
        reads = [p.data] if reads is None else [*reads, p.data]
    if reads is not None:
        if graph is None:
            graph = _Graph()
        watch = None
        if params is not None:  # before hold(): its dict would add a reference
            held = graph.held
            for a in params:
                key = id(a)
                if key in held:  # checked when this graph first read it
                    continue
                if key in _locks:  # read-only since a live graph's first lock: that check
                    if key in _suspect:  # stands (views made since are read-only too)
                        watch = [a] if watch is None else [*watch, a]
                elif a.base is not None or _refs(a) > _known(a, saved, reads, params):
                    if a.flags.writeable:
                        _suspect.add(key)  # for the other graphs of this lock's life
                    watch = [a] if watch is None else [*watch, a]
        graph.hold(reads)
        if watch is not None:
            for a in watch:
                graph.watch(a)
    return graph


# A parameter's array may have NumPy views the user made before the forward (`v = w.data[:]`),
# which no lock reaches. A view holds a reference to its array, so the array then has more
# references than the engine accounts for at its first lock: its tensor's slot, what the op
# saved, _join's lists, and the call's own (measured below, per Python version). Only then is
# a copy kept and compared before backward (_Graph.watch); other references (a variable
# `W = lin.W.data`, an op's saved view `W.T`) cost that copy too, never a missed write.
_refs = sys.getrefcount


def _known(a: np.ndarray, *holders: tuple[Any, ...] | list[Any]) -> int:
    n = 1 + _EXTRA  # the tensor's slot, and the call's own references
    for h in holders:
        for x in h:
            if x is a:
                n += 1
    return n


def _calibrate() -> int:
    """The references _join's check sees beyond the slot and its lists, in this Python."""
    class Slot:
        __slots__ = ("data",)

    s = Slot()
    s.data = np.empty(1)
    lists = ((s.data,), [s.data], [s.data])  # saved, reads, params, as _join holds them
    n = 0
    for a in lists[2]:
        n = _refs(a)
    return n - 1 - len(lists)


_EXTRA = _calibrate()


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """a and b hold the same bytes (NaN equals NaN): one pass, unlike array_equal(equal_nan)."""
    if a.itemsize in (1, 2, 4, 8) and a.dtype.kind in "fiub":
        bits = np.dtype(f"u{a.itemsize}")
        return bool((a.view(bits) == b.view(bits)).all())
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def _check_views(ops: list[Any]) -> None:
    """Before a backward: has a watched parameter changed since its graph's forward (through
    a view of its memory made before the forward, which no lock reaches)? Then raise."""
    seen: set[int] = set()
    for t in ops:
        g = t._ctx.graph
        if g is None or g.copies is None or id(g) in seen:
            continue
        seen.add(id(g))
        for a, copy in g.copies:
            if not _same_bits(a, copy):
                raise RuntimeError(
                    f"backward: a parameter's array of shape {a.shape}, a view of another "
                    "array or shared with one, was written after the forward through another "
                    "view of that memory, so this graph's gradient would be for other values; "
                    "write between backward and the next forward (or give the parameter an "
                    "array of its own: Tensor(a.copy(), requires_grad=True))"
                )


def writable(t: Any, who: str) -> np.ndarray:
    """`t.data`, safe to write in place. If a live graph read that array, `t` gets a copy
    first: the graph keeps the values it used, and a backward through it raises naming `who`."""
    a = t.data
    if a.flags.writeable:
        return a
    with _guard:
        held = [id(x) for x in (a, a.base) if x is not None and id(x) in _locks]
        for key in held:
            _replaced[key] = who
    if held:
        t.data = a = a.copy()
    return a  # read-only for a reason of its own: NumPy will say so at the write


def private(value: Any) -> Any:
    """A copy of an array-valued op parameter that backward reads (a where condition, an
    index array, class labels, repeat counts): the caller may rewrite its buffer before
    backward without changing the gradient. Tuples are copied item by item, lists become
    arrays, anything else (ints, slices, None) is returned as it is."""
    if isinstance(value, np.ndarray):
        return np.array(value)
    if isinstance(value, list):
        return np.array(value)
    if type(value) is tuple:
        return tuple(private(v) for v in value)
    return value


def hold_result(t: Any) -> None:
    """Lock the array of `t`, an op's result, while its graph lives: `detach()` hands that
    array to a constant tensor, whose writes must not reach what the graph saved."""
    ctx = t._ctx
    if ctx.released:  # its backward ran: what it saved is gone
        return
    graph = ctx.graph
    if graph is None:
        ctx.graph = graph = _Graph()
    graph.hold([t.data])


def _check_saved(ctx: Function) -> None:
    for a in ctx.saved:
        if isinstance(a, np.ndarray):
            who = _replaced.get(id(a)) or _replaced.get(id(a.base))
            if who is not None:
                raise RuntimeError(
                    f"backward through {_describe(ctx, ctx.parents)}: an array of shape "
                    f"{a.shape} it saved was replaced by {who} after the forward, so this "
                    f"graph's gradient would be for the old values; run the forward again "
                    f"after {who}"
                )


# ---- anomaly detection ------------------------------------------------------------------------
class AnomalyError(FloatingPointError):
    """Raised inside detect_anomaly() by the first op whose forward or backward made NaN/inf."""


class detect_anomaly(contextlib.ContextDecorator):
    """Inside, the first op whose forward output or backward gradient holds NaN or inf (from
    finite inputs) raises AnomalyError naming the op, its name scope, its input shapes and the
    line of user code that created it (PyTorch's torch.autograd.detect_anomaly).

    It costs a finiteness check per op and a stack walk per recorded op, so use it to debug;
    outside it the engine does nothing more than read one thread-local flag.
    """

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> detect_anomaly:
        self._prev.append(_state.anomaly)
        _state.anomaly = True
        return self

    def __exit__(self, *exc: object) -> None:
        _state.anomaly = self._prev.pop()


def _user_line() -> str:
    """file:line: code of the innermost frame outside tinygrad_dl (where the op was made)."""
    f = sys._getframe(1)
    while f is not None and f.f_globals.get("__name__", "").startswith("tinygrad_dl"):
        f = f.f_back
    if f is None:
        return "inside tinygrad_dl"
    code = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    return f"{f.f_code.co_filename}:{f.f_lineno}: {code}"


def _finite(a: Any) -> bool:
    a = np.asarray(a)
    return a.dtype.kind not in "fc" or bool(np.isfinite(a).all())


def _describe(ctx: Function, inputs: Any) -> str:
    scope = getattr(ctx, "scope", None) or _state.scope
    shapes = ", ".join(str(t.data.shape) for t in inputs)
    return f"{ctx.name} (scope {scope or '<top level>'}, inputs {shapes})"


def _anomaly_forward(ctx: Function, inputs: tuple[Any, ...], data: np.ndarray) -> None:
    ctx.origin = _user_line()  # kept for the backward check (a __dict__ entry: freed with it)
    if not _finite(data) and all(_finite(t.data) for t in inputs):
        bad = "nan" if np.isnan(data).any() else "inf"
        raise AnomalyError(f"detect_anomaly: the forward of {_describe(ctx, inputs)} produced "
                           f"{bad}; the op was created at {ctx.origin}")


def _anomaly_backward(ctx: Function, grad: np.ndarray, grads: tuple[Any, ...]) -> None:
    for i, g in enumerate(grads):
        if g is not None and not _finite(g) and _finite(grad):
            bad = "nan" if np.isnan(g).any() else "inf"
            origin = ctx.__dict__.get("origin", "an unknown line (made outside detect_anomaly)")
            raise AnomalyError(
                f"detect_anomaly: the backward of {_describe(ctx, ctx.parents)} produced {bad} "
                f"in the gradient of input {i}; the op was created at {origin}"
            )


# ---- reverse mode ---------------------------------------------------------------------------
def backward(root: Any, grad: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) . grad into the `.grad` of every leaf below root."""
    ops, leaves = toposort(root)
    if _watching:  # some live graph keeps copies of parameters to compare (rare)
        _check_views(ops)
    if _state.recorder is not None:  # tinygrad_dl.jit: remember this exact order for replay
        _state.recorder.on_backward(root, grad, ops, leaves, retain_graph)
    pending = _Pending(root, grad)
    for t in ops:  # every op's output, each before the ops that made its inputs
        g = pending.pop(t)
        if g is None:  # nothing downstream sent it a gradient
            continue
        if t._retain:
            store_grad(t, g, pending.owns(t))
        ctx = t._ctx
        pending.add(ctx, ctx.input_grads(g), g)
        if not retain_graph:
            ctx.release()
    for t in leaves:  # all their gradient has arrived: add it into .grad
        g = pending.pop(t)
        if g is not None:
            store_grad(t, g, pending.owns(t))


class _Pending:
    """The gradients not yet passed on, one per tensor, and which of their arrays are ours.

    Summing gradients is where backprop allocates: a tensor used by k ops receives k arrays.
    The first is kept as is; the second is added to it in place when that array is ours (a
    fresh result of some backward), else into a new array that is then ours (HIPS autograd's
    `add_outgrads`). Never written into: the upstream gradient, views, and an array handed to
    two inputs of one op.
    """

    __slots__ = ("grads", "owned")

    def __init__(self, root: Any, grad: np.ndarray) -> None:
        self.grads = {id(root): grad}
        self.owned: set[int] = set()

    def pop(self, t: Any) -> np.ndarray | None:
        return self.grads.pop(id(t), None)

    def owns(self, t: Any) -> bool:
        return id(t) in self.owned

    def add(self, ctx: Function, in_grads: tuple[Any, ...], upstream: np.ndarray) -> None:
        """Add the gradients an op's backward returned to its inputs' pending ones."""
        grads, owned = self.grads, self.owned
        for p, g in zip(ctx.parents, in_grads):
            if g is None or not p.requires_grad:
                continue
            if type(g) is not np.ndarray:  # a NumPy scalar (a full reduction) can't be
                g = np.asarray(g)  # accumulated into in place: make it a 0-d array
            if g.shape != p.data.shape:
                raise RuntimeError(
                    f"{ctx.name}.backward returned a gradient of shape {g.shape} for an "
                    f"input of shape {p.data.shape}"
                )
            key = id(p)
            prev = grads.get(key)
            if prev is None:
                grads[key] = g
                if (g is not upstream and g.base is None and g.flags.writeable
                        and (len(in_grads) == 1 or _only_once(g, in_grads))):
                    owned.add(key)
                else:
                    owned.discard(key)
            elif key in owned:
                prev += g
            else:
                total = prev + g
                grads[key] = total if type(total) is np.ndarray else np.asarray(total)
                owned.add(key)


def store_grad(t: Any, g: np.ndarray, ours: bool) -> None:
    """Add a finished gradient into `t.grad`, in `t`'s dtype; keep `g` itself only if ours."""
    if g.dtype != t.data.dtype:  # e.g. a float32 parameter used with a float64 input
        g, ours = g.astype(t.data.dtype), True
    if t.grad is None:
        t.grad = g if ours else g.copy()
    elif t.grad.flags.writeable:
        t.grad += g
    else:  # a live graph read this .grad array (or it came read-only): leave it be
        t.grad = t.grad + g


def _only_once(a: np.ndarray, arrays: tuple[Any, ...]) -> bool:
    n = 0
    for s in arrays:
        if s is a:
            n += 1
    return n == 1


_DONE = object()  # stack marker: the node below it has had all its parents finished


def toposort(root: Any) -> tuple[list[Any], list[Any]]:
    """(ops, leaves) of the graph below root, restricted to tensors that need a gradient.

    ops: the non-leaf tensors, root first, each before all of its parents (iterative DFS,
    so deep graphs need no recursion). leaves: the leaves, in the order first reached. Leaves
    are kept apart because backward only has to add their finished gradient into .grad, after
    every op has run; this also spares the DFS two stack operations per leaf.
    """
    order: list[Any] = []
    leaves: list[Any] = []
    if root._ctx is None:
        return order, [root]
    visited: set[int] = set()
    stack: list[Any] = [root]
    push, pop, finish, seen, leaf, mark = (
        stack.append, stack.pop, order.append, visited.add, leaves.append, _DONE)
    while stack:
        node = pop()
        if node is mark:
            finish(pop())
            continue
        # mark on expansion, not on push: a node pushed early via one path but reached again
        # via a deeper one must still finish after every node that uses it
        key = id(node)
        if key in visited:
            continue
        seen(key)
        push(node)
        push(mark)
        for p in node._ctx.parents:
            if p.requires_grad:
                key = id(p)
                if key in visited:
                    continue
                if p._ctx is None:  # a leaf is done as soon as it is found
                    seen(key)
                    leaf(p)
                else:
                    push(p)
    order.reverse()
    return order, leaves
