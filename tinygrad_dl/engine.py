"""The engine: name scopes, `Function`, and reverse-mode backprop with its one gradient
accumulator, `Pending` (a jit replay uses it too); grad mode (`no_grad`) is read from
`grad_mode`, re-exported here.

`Function.apply` runs an op's forward on NumPy arrays and, when a gradient is needed, records
the op as the output's `_ctx` with its parents. `backward` walks that DAG in reverse topological
order, hands each op the gradient of its output and sums what it sends back to each input.
Beside it, one line away each: `write_guard` keeps what a live graph saved unchanged; `hooks`
let a jit recording and `anomaly` mode hear every op; `tensor_hooks` runs a tensor's own hooks.
"""

from __future__ import annotations

import itertools
import operator
from threading import get_ident
from typing import Any

import numpy as np

from . import detached, grad_mode, hooks, tensor_hooks, write_guard
from .grad import (
    FRESH,
    FRESH_TUPLE,
    add_terms,
    apply_error,
    as_grad,
    check_hand_grad,
    in_dtype,
    own_array,
    refs,
)
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, pop_own, state  # noqa: F401
from .hooks import attached, literal, notify_module, notify_read, notify_write, recording  # noqa: F401

_state = state  # (grad_mode.state: the hot path reads it by this module-level name)
made_count = itertools.count()  # numbers the recorded ops in the order they are made
_made = operator.attrgetter("_ctx.made")


# ---- name scopes (grad mode: grad_mode.py) ------------------------------------------------
class name_scope:
    """Tag the ops recorded inside with a scope name ("layers.0", "t=3"), nested with "/";
    draw_graph clusters ops by it. Each module call enters one (a class: cheaper than yield)."""

    __slots__ = ("name", "outer")

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):  # or draw_graph fails on it long after
            raise TypeError(f"name_scope: name must be a str, got {type(name).__name__} {name!r}")
        # thread id -> a stack: one object may be entered again inside, and by two threads
        # at once (a shared stack left a thread in the other's scope for good)
        self.name, self.outer = name, {}

    def __enter__(self) -> None:
        outer = _state.scope
        self.outer.setdefault(get_ident(), []).append(outer)
        _state.scope = self.name if outer is None else f"{outer}/{self.name}"

    def __exit__(self, *exc: object) -> None:
        _state.scope = pop_own(self.outer, "name_scope")


# ---- ops ----------------------------------------------------------------------------------
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
    return grad.sum(axis=kept, keepdims=True) if kept else grad


class Function:
    """One primitive op: forward(ctx, *arrays) and backward(ctx, grad) side by side. `ctx` is
    the instance: forward keeps what backward needs on it (its __dict__, which `release()` drops).
    backward returns one gradient per input (None where `ctx.needs_input_grad[i]` is False): an
    array (`grad`, a view, a fresh one, or one it keeps: never added into), or a term with a
    `shape` that adds itself to Pending."""

    __slots__ = ("parents", "params", "needs_input_grad", "scope", "made", "__dict__")
    saved: tuple[Any, ...] = ()  # (a jit replay reads `prepare` and `shape_arrays`: see jit)
    released = True  # recorded: False in __dict__, so that release() is one dict.clear()
    graph: Any = None  # recorded: in __dict__ likewise, the write guard's Graph of its reads
    freed_by = ""  # released by another than backward (utils.checkpoint): the error to raise

    def save_for_backward(self, *arrays: Any) -> None: self.saved = arrays
    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray: raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no backward")

    name = property(lambda self: type(self).__name__)
    __init_subclass__ = write_guard.user_op  # a user's op: its arrays read-only while it runs

    @property
    def next_functions(self) -> tuple[tuple[Function | None, int], ...]:
        """PyTorch's grad_fn.next_functions: (the op that made each input or None, 0)."""
        return tuple((p._ctx, 0) for p in self.parents)

    def __repr__(self) -> str: return f"<{self.name} op>"

    def describe(self, inputs: Any = None) -> str:
        """The op in an error message: "MatMul (scope layers.0, inputs (4, 3), (3, 2))"."""
        scope = getattr(self, "scope", None) or _state.scope
        shapes = ", ".join(str(t.data.shape) for t in (inputs or self.parents))
        return f"{self.name} (scope {scope or '<top level>'}, inputs {shapes})"

    def release(self) -> None:
        """Free what forward saved for good (the graph's structure stays, for drawing); with
        it go `released = False` and the `graph` (the last op of a graph to let go unlocks)."""
        self.__dict__.clear()

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run forward on the inputs' arrays; record the op if any input needs a gradient."""
        ctx = cls()
        try:  # unary and binary ops (nearly all) skip building two lists
            if len(inputs) == 1:
                ctx.needs_input_grad = needs = [inputs[0].requires_grad]
                data = ctx.forward(inputs[0].data, **params)
            elif len(inputs) == 2:
                x, y = inputs
                ctx.needs_input_grad = needs = [x.requires_grad, y.requires_grad]
                data = ctx.forward(x.data, y.data, **params)
            else:
                ctx.needs_input_grad = needs = [t.requires_grad for t in inputs]
                data = ctx.forward(*[t.data for t in inputs], **params)
        except (ValueError, AttributeError) as e:  # NumPy's (broadcasting...), a non-Tensor
            if (why := apply_error(cls.__name__, inputs, e)) is e:  # (the op's own: as it is)
                raise
            raise why from None
        out = (type(inputs[0]).from_result(data) if type(data) is np.ndarray  # (no Tensor()
               else _output(cls, data, inputs))  # checks: an op of tensors makes numbers)
        if hooks.active and attached.anomaly is not None:  # detect_anomaly(): check the output
            attached.anomaly.forward(ctx, inputs, data, params)
        if True in needs and (grad_mode.off == 0 or _state._on):  # (off: no thread-local read)
            ctx.parents, ctx.params, ctx.scope, ctx.released = inputs, params, _state.scope, False
            ctx.made = next(made_count)
            out.requires_grad, out._ctx = True, ctx
            ctx.graph = write_guard.join(ctx, inputs, data)  # what it saved: read-only
        else:  # not recorded
            for p in inputs:  # an op's result recorded, then set `h.requires_grad = False`
                if p._ctx is not None and not p.requires_grad:  # by hand: its inputs' grads
                    _cut(p)  # would be cut without a word (torch refuses the assignment)
            if type(data) is np.ndarray and data.base is not None:  # a view, not recorded
                write_guard.hold_viewed(inputs, out)  # (no_grad: `v = h[0:2]` of a live graph's h)
        if hooks.active and attached.recorder is not None:  # a jit recording
            attached.recorder.on_apply(cls, inputs, params, out)
        return out


_release = Function.release


def _wrong_count(ctx: Function, in_grads: tuple[Any, ...]) -> None:
    """A backward's result that is not one gradient per input. A list (`return [gx, gy]`)
    came as one gradient: "returned 1 gradients for 2 inputs", or a (1, n) array for one."""
    if len(in_grads) == 1 and type(in_grads[0]) is list:
        raise RuntimeError(f"{ctx.name}.backward returned a list of {len(in_grads[0])}: return "
                           "one array per input, several as a tuple (return gx, gy)")
    raise RuntimeError(f"{ctx.name}.backward returned {len(in_grads)} gradients for "
                       f"{len(ctx.parents)} inputs")


def _cut(t: Any) -> None:
    raise RuntimeError(f"the result of {t._ctx.name} was set requires_grad = False, which would "
                       "cut its inputs' gradients without a word; use .detach() to cut a graph")


def _output(cls: type, data: Any, inputs: tuple[Any, ...]) -> Any:
    """The tensor of a forward's result that is not an array: a NumPy scalar (a full
    reduction) on a 0-d array; several outputs are refused (Tensor() stacked them into one)."""
    if isinstance(data, np.generic):
        return type(inputs[0]).from_result(np.asarray(data))
    if isinstance(data, (tuple, list)):
        raise TypeError(f"{cls.__name__}.forward returned {len(data)} outputs: a Function has "
                        "one (return one array; concatenate them, or write one op per output)")
    return type(inputs[0])(data)  # (anything else: Tensor()'s conversion, as ever)


# ---- reverse mode -------------------------------------------------------------------------
def backward(root: Any, grad: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) . grad into the `.grad` of every leaf below root."""
    ops, leaves = toposort(root)
    if write_guard.watching:  # some live graph keeps copies of parameters to compare (rare)
        write_guard.check_views(ops)
    if hooks.active and attached.recorder is not None:  # a jit recording: remember the order
        attached.recorder.on_backward(root, grad, ops, leaves, retain_graph)
    pending = Pending(root, grad)  # keyed by the tensors themselves (hashed by identity)
    pending.run(ops, retain_graph)
    for t in leaves:  # all their gradient has arrived: add it into .grad (after its hooks)
        tensor_hooks.leaf(pending, t) if t._retain else pending.store(t, t)


class Pending:
    """The gradient accumulator, by key (a tensor; a register in a jit replay's `run`). The
    first gradient of a key is kept; the next are added into it in place when it is ours (a
    fresh array, not the upstream one, a view or one given to two inputs), else into a new
    one, then ours (HIPS autograd's `add_outgrads`). A term that is not an array adds itself,
    `g.add_to(pending, key)` (GetItem's rows into `own(key)`), or with `defers` set waits in
    `deferred` until its key is popped (MatMul's x^T g rows: one product for all)."""

    __slots__ = ("grads", "owned", "deferred")

    def __init__(self, key: Any, grad: np.ndarray) -> None:
        if key is not None:  # (None: a jit plan's empty accumulator, made once, no backward)
            hooks.refuse_backward()  # (inside a tinygrad_dl.func transform's function)
        self.grads: dict[Any, np.ndarray] = {key: grad}
        self.owned: set[Any] = set()  # the keys whose pending array is ours to add into
        self.deferred: dict[Any, list[Any]] = {}

    def run(self, ops: list[Any], retain_graph: bool) -> None:
        """Backprop over `ops` (tensors made by recorded ops, outputs first): each one's
        gradient through its op's backward, checked here (not freed, no saved array replaced,
        one gradient per input, of its shape), added to its inputs' gradients."""
        grads, owned, deferred, take = self.grads, self.owned, self.deferred, self.grads.pop
        ndarray = np.ndarray  # (a local: read per input below)
        replaced = write_guard.replaced  # (a dict filled in place: one module read, not per op)
        anomaly = attached.anomaly if hooks.active else None  # detect_anomaly() on this thread
        for t in ops:
            g = self.pop(t) if deferred and t in deferred else take(t, None)
            if g is None:  # nothing downstream sent it a gradient
                continue
            if t._retain:  # retain_grad(), register_hook(): see tensor_hooks
                g = tensor_hooks.arrived(self, t, g)
            ctx = t._ctx
            if ctx.released:
                raise RuntimeError(ctx.freed_by or f"backward through {ctx.name} a second time: "
                                   "its saved arrays were freed by the first backward(); call "
                                   "backward(retain_graph=True)")
            if replaced:  # a writer gave up some saved array: was it one of ours?
                write_guard.check_saved(ctx)
            in_grads = ctx.backward(g)  # one per input (None: no gradient)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if anomaly is not None:
                anomaly.backward(ctx, g, in_grads)
            parents = ctx.parents  # (read once: an attribute of many op classes is a slow read)
            if len(in_grads) != len(parents):
                _wrong_count(ctx, in_grads)
            for k, gi in zip(parents, in_grads):
                if gi is None or not k.requires_grad:  # (an input that needs none: dropped)
                    continue
                if type(gi) is not ndarray:
                    if not hasattr(gi, "add_to"):
                        if type(gi) is list and np.shape(gi) != k.data.shape:  # [g]: not
                            _wrong_count(ctx, (gi,))  # a (1, n) gradient (off the hot path)
                        gi = np.asarray(gi)  # a NumPy scalar (a full reduction): a 0-d array
                    elif gi.shape == k.data.shape:  # a gradient term (ops: GetItem, MatMul)
                        if getattr(gi, "defers", False):  # kept until k is popped (pop)
                            deferred.setdefault(k, []).append(gi)
                        else:
                            gi.add_to(self, k)
                        continue
                if gi.shape != k.data.shape:
                    raise RuntimeError(f"{ctx.name}.backward returned a gradient of shape "
                                       f"{gi.shape} for an input of shape {k.data.shape}")
                prev = grads.get(k)
                if prev is None:  # the first: kept; ours if fresh (nothing else holds it)
                    if (refs(gi) == FRESH and gi.base is None and gi.flags.writeable
                            and refs(in_grads) == FRESH_TUPLE):  # (see grad.py; the count
                        # first: it rules out Add's (g, g) before `flags` makes an object)
                        owned.add(k)  # (else k is not in owned: it has had no gradient yet)
                    grads[k] = gi
                elif k in owned:
                    prev += gi
                else:
                    total = prev + gi
                    grads[k] = total if type(total) is ndarray else np.asarray(total)
                    owned.add(k)
            if not retain_graph:  # release(): Function's without its call (a conv has its own)
                ctx.__dict__.clear() if type(ctx).release is _release else ctx.release()

    def own(self, key: Any, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """The pending array of `key`, ours to write into (zeros if none; a copy if not ours)."""
        prev = self.grads.get(key)
        if prev is not None and key in self.owned:  # (the usual case: ours already)
            return prev
        self.grads[key] = prev = own_array(prev, False, shape, dtype)
        self.owned.add(key)
        return prev

    def pop(self, key: Any) -> np.ndarray | None:
        """The gradient of `key`, complete once every op that sends it one has run."""
        terms = self.deferred.pop(key, None)
        if terms is not None:  # their total added to the pending gradient (the rule a replay's
            self.grads[key], ours = add_terms(terms, self.grads.get(key), key in self.owned)
            if ours:  # local lists use too); the total alone is ours (no zeros + it)
                self.owned.add(key)
        return self.grads.pop(key, None)

    def store(self, key: Any, t: Any, g: np.ndarray | None = None) -> None:
        """Add the finished gradient of `key` (`g`, else popped) into `t.grad`, in t's dtype."""
        if g is None:
            g = self.pop(key) if self.deferred else self.grads.pop(key, None)
        if g is None:
            return
        ours = key in self.owned
        if t.data.dtype.kind != "f":  # `w.requires_grad = True` on integers: truncated
            raise TypeError(f"backward: a {t.data.dtype} tensor requires grad (set by "
                            "attribute?); only floating-point tensors can: cast it first")
        if g.dtype != t.data.dtype:  # e.g. a float32 parameter used with a float64 input
            g, ours = in_dtype(g, t), True
        if t.grad is None:
            t.grad = as_grad(g if ours else g.copy())
        elif not isinstance(t.grad, np.ndarray) or t.grad.shape != g.shape:  # set by hand: a
            raise TypeError(f"backward: .grad was set to a {type(t.grad).__name__} of shape "
                            f"{getattr(t.grad, 'shape', None)}; give an array of the tensor's "
                            f"shape {g.shape}, or None")  # wrong shape would be broadcast into
        elif (t._ctx is None and t.grad.dtype == g.dtype  # a leaf's (torch's too), writable,
              and write_guard.adds_in_place(t.grad)):  # its owner too, no broadcast view
            t.grad += g  # (a GradArray is a view: a live graph may have locked its owner)
        else:  # an op result's (retain_grad: a kept `g = h.grad` keeps its values, as torch's),
            # one a live graph read (read-only, broadcast), in another dtype (the wider); one
            check_hand_grad("backward: the .grad set by hand", t.grad, g.dtype)  # masked (`+=`
            # kept its mask) or complex for a real tensor (its sum stayed complex): refused
            t.grad = as_grad(np.asarray(t.grad + g))  # (asarray: a 0-d sum is a NumPy scalar)


def toposort(root: Any) -> tuple[list[Any], list[Any]]:
    """(ops, leaves) below root that need a gradient. ops: the non-leaf tensors in the reverse
    order of making (topological: checked once an in-place op was recorded); leaves: as met."""
    if root._ctx is None:
        return [], [root]
    ops, leaves, seen = [root], [], {root}
    for t in ops:  # ops grows while it is walked: each op's inputs are looked at once
        for p in t._ctx.parents:
            if not p.requires_grad:  # a constant; an op's result only if set by hand
                if p._ctx is not None:  # (torch refuses: its inputs' gradients were lost)
                    _cut(p)
                elif detached.cut:  # (rare: y.detach_() of a live graph's tensor)
                    detached.check(t, p)
            elif p not in seen:
                seen.add(p)
                if p._ctx is None:  # a leaf
                    leaves.append(p)
                else:
                    ops.append(p)
    ops.sort(key=_made, reverse=True)  # the order of recording
    if detached.rebased and detached.redirect(ops):  # (`z = y * 3; y.relu_()`: z's
        return toposort(root)  # edge now goes to the y it read; walked again)
    return ops, leaves
