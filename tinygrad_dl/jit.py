"""Capture and replay a training step: `tinygrad_dl.jit`.

`step = jit(fn)` wraps a step function of NumPy arrays (and Tensors without grad, numbers,
None) that builds a graph and calls `backward()`, e.g.

    @jit
    def step(X, y):
        model.loss(X, y).backward()

The first two calls with given input shapes and dtypes run eagerly while the engine's hook
(`engine._state.recorder`) records every op applied (its Function class, parameters, where each
input came from: an earlier op, a step input, a parameter Tensor or a constant) and the order
backward visited them. If the two recordings agree (a constant that differs between them is
per-step data the step does not take as an input: replaying it would be wrong), later calls
replay the recorded ops straight from the list: forward, then backward in the recorded order,
with the same NumPy calls, so the numbers are bit-identical to eager execution; no Tensor,
Function, graph or toposort is made. Values nothing reads are not computed: the loss when the
step does not return it (ops with a `prepare` set up their backward without their value).

Replay runs no Python of `fn`: anything it reads other than its arguments and the parameter
Tensors is frozen at recording (model.lam, train/eval mode). Keep `optimizer.zero_grad()` and
`optimizer.step()` outside the step; after changing such settings call `step.reset()`.
Side effects that must happen every step live inside ops (BatchNorm1d's running statistics,
Dropout's mask draw, CharRNN.h_last via `ops.Tap`), so replay runs them too.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import numpy as np

from . import engine
from .engine import _only_once, store_grad
from .ops import GetItem, MatMul
from .ops.shape import _is_basic
from .tensor import Tensor

__all__ = ["JitError", "jit"]

OUT, IN, PARAM, CONST = 0, 1, 2, 3  # where an op's input comes from
FULL, PREP, SKIP = 0, 1, 2  # how replay runs an op: forward / prepare (no value) / not at all


class JitError(RuntimeError):
    """A step that cannot be replayed (raised with strict=True, else it runs eagerly)."""


class _Spec:
    """Stands in for an array whose value replay does not compute: only its shape is read."""

    __slots__ = ("shape", "dtype", "ndim")

    def __init__(self, a: np.ndarray) -> None:
        self.shape, self.dtype, self.ndim = a.shape, a.dtype, a.ndim


class _Recording:
    """What the engine reports while the step runs once eagerly: the engine's `recorder`."""

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.inputs = {id(a): i for i, a in enumerate(arrays)}
        self.shapes = [a.shape for a in arrays]
        self.ops: list[tuple[Any, ...]] = []  # (cls, sources, params, grad needs or None, out)
        self.events: list[tuple[Any, ...]] = []  # ("op", i) and ("bwd", ...) in call order
        self.slot: dict[int, int] = {}  # id(output Tensor) -> op index
        self.keep: list[Any] = []  # the Tensors seen, so their ids stay unique meanwhile
        self.error: str | None = None
        self.outputs: Any = None

    def fail(self, reason: str) -> None:
        if self.error is None:
            self.error = reason

    def source(self, t: Any) -> tuple[int, Any]:
        i = self.slot.get(id(t))
        if i is not None:
            return OUT, i
        j = self.inputs.get(id(t.data))
        if j is not None:
            return IN, j
        if t.requires_grad:
            if t._ctx is not None:
                self.fail("it uses a tensor computed with grad before the step began")
            return PARAM, t
        return CONST, t.data

    def param(self, v: Any) -> Any:
        """A parameter with step inputs (targets, index arrays) replaced by ("in", j)."""
        if isinstance(v, np.ndarray):
            j = self.inputs.get(id(v))
            return v if j is None else _Input(j)
        if type(v) is tuple and any(isinstance(x, np.ndarray) for x in v):
            return tuple(self.param(x) for x in v)
        return v

    # ---- the engine's hooks ---------------------------------------------------------------
    def on_apply(self, cls: type, inputs: tuple[Any, ...], params: dict[str, Any],
                 out: Any) -> None:
        i = len(self.ops)
        sources = tuple(self.source(t) for t in inputs)
        ctx = out._ctx
        needs = None if ctx is None else tuple(ctx.needs_input_grad)
        params = {k: self.param(v) for k, v in params.items()}
        self.ops.append((cls, sources, params, needs, out))
        self.slot[id(out)] = i
        self.keep.append(inputs)
        self.events.append(("op", i))

    def on_backward(self, root: Any, grad: np.ndarray, ops: list[Any], leaves: list[Any],
                    retain_graph: bool) -> None:
        slot, n = self.slot, len(self.ops)
        keys = {id(t): slot.get(id(t), -1) for t in ops}
        if -1 in keys.values():
            self.fail("backward() reaches ops recorded before the step began")
            return
        if any(t._retain for t in ops):
            self.fail("retain_grad() on a tensor inside the step")
        for k, t in enumerate(leaves):
            if t._ctx is not None or id(t.data) in self.inputs:
                self.fail("a step input requires grad (only parameters may)")
            keys[id(t)] = n + k
        order = []
        for t in ops:
            ctx = t._ctx
            parents = tuple((pos, keys[id(p)]) for pos, p in enumerate(ctx.parents)
                            if p.requires_grad)
            order.append((keys[id(t)], parents))
        j = self.inputs.get(id(grad))
        seed = (IN, j) if j is not None else (CONST, grad)
        leaf_info = tuple((n + k, t, t.grad is None) for k, t in enumerate(leaves))
        self.events.append(("bwd", keys[id(root)], seed, tuple(order), leaf_info, retain_graph))

    def finish(self, result: Any) -> None:
        self.outputs = self.output(result)
        self.ops = [op[:4] + (_Spec(op[4].data),) for op in self.ops]  # drop the Tensors
        self.keep = []
        self.slot = {}

    def output(self, r: Any) -> Any:
        if isinstance(r, Tensor):
            return ("t",) + self.source(r)
        if type(r) in (tuple, list):
            return (type(r),) + tuple(self.output(x) for x in r)
        if isinstance(r, np.ndarray):
            j = self.inputs.get(id(r))
            return ("in", j) if j is not None else ("py", r)
        return ("py", r)


class _Input:
    """A parameter that is the step's j-th input array (cross-entropy targets, indices)."""

    __slots__ = ("j",)

    def __init__(self, j: int) -> None:
        self.j = j

    def __eq__(self, other: object) -> bool:
        return type(other) is _Input and other.j == self.j

    __hash__ = None  # type: ignore[assignment]


def _same(a: Any, b: Any) -> bool:
    """Equal values: identical objects, equal arrays (shape, dtype, entries), equal scalars."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if type(a) in (tuple, list) or type(b) in (tuple, list):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, _Spec) or isinstance(b, _Spec):
        return (isinstance(a, _Spec) and isinstance(b, _Spec) and a.shape == b.shape
                and a.dtype == b.dtype)
    try:
        return bool(a == b) or (a != a and b != b)  # nan == nan here
    except Exception:  # noqa: BLE001 - anything that cannot even be compared differs
        return False


def _difference(a: _Recording, b: _Recording) -> str | None:
    """Why two recordings of one signature differ (per-step data baked in), or None."""
    if len(a.ops) != len(b.ops) or [e[0] for e in a.events] != [e[0] for e in b.events]:
        return "the two recorded calls ran different ops (Python control flow on the data?)"
    for i, (x, y) in enumerate(zip(a.ops, b.ops)):
        if x[0] is not y[0] or x[3] != y[3] or not _same(x[4], y[4]):
            return f"op {i} ({x[0].__name__}) differs between the two recorded calls"
        for (k1, r1), (k2, r2) in zip(x[1], y[1]):
            if k1 != k2 or not _same(r1, r2):
                return (f"an input of op {i} ({x[0].__name__}) is a constant that changed "
                        "between calls: per-step data the step does not take as an argument")
        if not _same(x[2], y[2]):
            return (f"a parameter of op {i} ({x[0].__name__}) changed between calls: "
                    "per-step data the step does not take as an argument")
    for x, y in zip(a.events, b.events):
        if x[0] == "bwd":  # .grad None or set may differ (gradients accumulated from call 2 on)
            x = x[:4] + (tuple(leaf[:2] for leaf in x[4]),) + x[5:]
            y = y[:4] + (tuple(leaf[:2] for leaf in y[4]),) + y[5:]
        if not _same(x, y):
            return "backward() differs between the two recorded calls"
    if not _same(a.outputs, b.outputs):
        return "the step's return value is not made of the step's tensors"
    return None


class _Plan:
    """A recording compiled for replay: per op its mode, argument sources and the slots to
    free after it; per backward the order, the parents' keys and the leaves."""

    def __init__(self, rec: _Recording, exact: bool = False) -> None:
        ops, n = rec.ops, len(rec.ops)
        in_bwd: set[int] = set()
        for ev in rec.events:
            if ev[0] == "bwd":
                in_bwd.update(k for k, _ in ev[3])
        needed: set[int] = set()
        _needed_outputs(rec.outputs, needed)
        modes = [SKIP] * n
        srcs: list[tuple[tuple[int, Any], ...]] = [()] * n
        for i in range(n - 1, -1, -1):
            cls, sources, params, _, _ = ops[i]
            effects = any(callable(v) for v in params.values())
            if i in needed or effects or (i in in_bwd and cls.prepare is None):
                modes[i], reads = FULL, True
            elif i in in_bwd:
                modes[i], reads = PREP, cls.prepare_reads_values
            else:
                continue
            if reads:
                needed.update(r for k, r in sources if k == OUT)
                srcs[i] = sources
            else:  # shapes are all it reads: the recorded ones
                srcs[i] = tuple((CONST, ops[r][4]) if k == OUT else (k, r)
                                for k, r in sources)
        last = list(range(n))  # after which op a value can be let go
        for i in range(n):
            for k, r in srcs[i]:
                if k == OUT:
                    last[r] = i
        keep = set()
        _needed_outputs(rec.outputs, keep)
        free: list[list[int]] = [[] for _ in range(n)]
        for r in range(n):
            if r not in keep:
                free[last[r]].append(r)
        self.ctxs = []
        for i, (cls, _, _, needs, _) in enumerate(ops):
            ctx = cls()
            ctx.needs_input_grad = list(needs) if needs else [False] * len(srcs[i])
            self.ctxs.append(ctx)
        # one register file per run: op outputs, then the step's inputs, then the parameter
        # Tensors' arrays (read afresh every run: optimizers may rebind .data), then constants
        n_in = len(rec.inputs)
        template: list[Any] = [None] * (n + n_in)
        self.params: list[tuple[int, Any]] = []
        reg: dict[Any, int] = {}

        def register(k: int, r: Any) -> int:
            if k == OUT:
                return r
            if k == IN:
                return n + r
            key = (k, id(r))
            if key not in reg:
                reg[key] = len(template)
                template.append(None if k == PARAM else r)
                if k == PARAM:
                    self.params.append((reg[key], r))
            return reg[key]

        self.n, self.template = n, template
        self.steps: list[tuple[Any, ...]] = []
        for ev in rec.events:
            if ev[0] == "op":
                i = ev[1]
                if modes[i] == SKIP:
                    continue
                cls, _, params, _, _ = ops[i]
                ins = tuple((k, v.j) for k, v in params.items() if isinstance(v, _Input))
                nested = tuple(k for k, v in params.items()
                               if type(v) is tuple and any(isinstance(x, _Input) for x in v))
                fn = self.ctxs[i].forward if modes[i] == FULL else self.ctxs[i].prepare
                idx = tuple(register(k, r) for k, r in srcs[i])
                get = idx[0] if len(idx) == 1 else itemgetter(*idx)
                self.steps.append((True, i, fn, len(idx) == 1, get, params,
                                   (ins, nested) if ins or nested else None,
                                   tuple(free[i]) or None, i not in in_bwd))
            else:
                _, root, seed, order, leaves, retain = ev
                special = _special_backwards(ops, order, n, rec.shapes, exact)
                order = tuple((k, parents, self.ctxs[k].backward, self.ctxs[k], special.get(k))
                              for k, parents in order)
                seed = (n + seed[1]) if seed[0] == IN else register(CONST, seed[1])
                self.steps.append((False, root, seed, order, leaves, retain))
        self.outputs = None if rec.outputs == ("py", None) else rec.outputs

    def run(self, arrays: list[np.ndarray]) -> Any:
        regs = self.template.copy()
        n = self.n
        regs[n:n + len(arrays)] = arrays
        for r, t in self.params:
            regs[r] = t.data
        for step in self.steps:
            if step[0]:
                _, i, fn, single, get, params, subs, free, done = step
                if subs is not None:  # parameters that are step inputs (targets, indices)
                    ins, nested = subs
                    params = dict(params)
                    for key, j in ins:
                        params[key] = arrays[j]
                    for key in nested:
                        params[key] = tuple(arrays[x.j] if isinstance(x, _Input) else x
                                            for x in params[key])
                if params:
                    regs[i] = fn(regs[get], **params) if single else fn(*get(regs), **params)
                else:
                    regs[i] = fn(regs[get]) if single else fn(*get(regs))
                if free is not None:
                    for r in free:
                        regs[r] = None
                if done:  # no backward will read what forward saved
                    self.ctxs[i].__dict__ = {}
            else:
                _backward(step, regs)
        return None if self.outputs is None else _build(self.outputs, regs, n)


def _needed_outputs(out: Any, acc: set[int]) -> None:
    if out[0] == "t" and out[1] == OUT:
        acc.add(out[2])
    elif out[0] in (tuple, list):
        for x in out[1:]:
            _needed_outputs(x, acc)


def _build(out: Any, regs: list[Any], n: int) -> Any:
    kind = out[0]
    if kind == "t":
        k, r = out[1], out[2]
        return Tensor(regs[r] if k == OUT else regs[n + r] if k == IN
                      else r.data if k == PARAM else r)
    if kind in (tuple, list):
        return kind(_build(x, regs, n) for x in out[1:])
    if kind == "in":
        return regs[n + out[1]]
    return out[1]


def _backward(step: tuple[Any, ...], regs: list[Any]) -> None:
    """engine.backward's loop over the recorded order, with engine._Pending's ownership rule
    (keyed by slot, not by Tensor), so every sum happens in the same order: bit-identical."""
    _, root, seed, order, leaves, retain = step
    for _, t, was_none in leaves:
        if was_none and t.grad is not None:
            raise JitError(
                f"jit: parameter {t.name or tuple(t.data.shape)} had .grad None when the step "
                "was recorded but not now: call optimizer.zero_grad() outside the jitted step "
                "(replay runs no Python of it), or accumulate from the first call on"
            )
    grads: dict[int, Any] = {root: regs[seed]}
    owned: set[int] = set()
    pop, get, own, disown = grads.pop, grads.get, owned.add, owned.discard
    ndarray = np.ndarray
    deferred: dict[int, tuple[list[Any], list[Any]]] = {}
    for key, parents, backward, ctx, special in order:
        g = pop(key, None)
        if g is None:
            continue
        if special is not None:
            in_grads = special[0](special, ctx, g, grads, owned, deferred)
        else:
            in_grads = backward(g)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
        for pos, pkey in parents:
            gi = in_grads[pos]
            if gi is None:
                continue
            if type(gi) is not ndarray:
                gi = np.asarray(gi)
            prev = get(pkey)
            if prev is None:
                grads[pkey] = gi
                if (gi is not g and gi.base is None and gi.flags.writeable
                        and (len(in_grads) == 1 or _only_once(gi, in_grads))):
                    own(pkey)
                else:
                    disown(pkey)
            elif pkey in owned:
                prev += gi
            else:
                total = prev + gi
                grads[pkey] = total if type(total) is ndarray else np.asarray(total)
                own(pkey)
        if not retain:
            ctx.__dict__ = {}
    for pkey, (xs, gs) in deferred.items():  # sum_t x_t^T g_t as one matrix product
        _add_fresh(grads, owned, pkey, np.concatenate(xs).T @ np.concatenate(gs))
    for key, t, _ in leaves:
        g = pop(key, None)
        if g is not None:
            store_grad(t, g, key in owned)


# ---- two backward patterns replay runs without the per-op cost ------------------------------
_NONE2 = (None, None)


def _special_backwards(ops: list[tuple[Any, ...]], order: tuple[Any, ...], n: int,
                       shapes: list[tuple[int, ...]], exact: bool) -> dict[int, tuple[Any, ...]]:
    """Ops whose backward replay does itself, by op index:
    - GetItem with a basic index (x[t:t+1], one RNN step's row): its gradient is added into
      the input's pending gradient at the index, not as a full array of zeros (eager's
      O(T) zeros per step made an unfused RNN's backward O(T^2)). Same sums: bit-identical.
    - (unless exact) MatMul of a one-row x by a parameter W used so by several ops (an
      unfused RNN's h_{t-1} W): dW = sum_t h_{t-1}^T g_t is formed as ONE matrix product
      H^T G at the end, as the hand-written BPTT does, instead of T outer products and T
      additions. Equal to rounding, not bit for bit.
    """
    def shape_of(k: int, r: Any) -> tuple[int, ...]:
        return (ops[r][4].shape if k == OUT else shapes[r] if k == IN
                else r.data.shape if k == PARAM else np.shape(r))

    special: dict[int, tuple[Any, ...]] = {}
    users: dict[int, list[int]] = {}
    for k, parents in order:
        cls, sources, params, needs, _ = ops[k]
        if cls is GetItem and _is_basic(params["index"]) and len(parents) == 1:
            special[k] = (_scatter, parents[0][1], params["index"])
        elif (cls is MatMul and not exact and needs[1] and parents[-1][0] == 1
              and parents[-1][1] >= n and len(shape_of(*sources[0])) == 2
              and shape_of(*sources[0])[0] == 1 and len(shape_of(*sources[1])) == 2):
            users.setdefault(parents[-1][1], []).append(k)
    for pkey, ks in users.items():
        if len(ks) > 1:
            for k in ks:
                special[k] = (_defer, pkey, ops[k][3][0])
    return special


def _scatter(special: tuple[Any, ...], ctx: Any, g: np.ndarray, grads: dict[int, Any],
             owned: set[int], deferred: dict[int, Any]) -> tuple[Any, ...]:
    """A basic-index GetItem's backward, added into the input's pending gradient in place."""
    _, pkey, index = special
    prev = grads.get(pkey)
    if prev is None:
        buf = np.zeros(ctx.shape, dtype=ctx.dtype)
        buf[index] = g
        grads[pkey] = buf
        owned.add(pkey)
    elif pkey in owned:
        prev[index] += g
    else:
        buf = prev.copy()
        buf[index] += g
        grads[pkey] = buf
        owned.add(pkey)
    return _NONE2


def _defer(special: tuple[Any, ...], ctx: Any, g: np.ndarray, grads: dict[int, Any],
           owned: set[int], deferred: dict[int, Any]) -> tuple[Any, ...]:
    """A one-row matmul by a shared parameter: x's gradient now, W's later in one product."""
    x, y = ctx.saved
    pending = deferred.get(special[1])
    if pending is None:
        pending = deferred[special[1]] = ([], [])
    pending[0].append(x)
    pending[1].append(g)
    return (g @ y.T if special[2] else None), None


def _add_fresh(grads: dict[int, Any], owned: set[int], key: int, g: np.ndarray) -> None:
    """Add a freshly allocated gradient (ours) into the pending one."""
    prev = grads.get(key)
    if prev is None:
        grads[key] = g
        owned.add(key)
    elif key in owned:
        prev += g
    else:
        grads[key] = prev + g
        owned.add(key)


def _signature(args: tuple[Any, ...], kwargs: dict[str, Any]
               ) -> tuple[Any, list[np.ndarray]] | tuple[None, None]:
    """(cache key, input arrays): shapes and dtypes of arrays, values of plain scalars."""
    if not kwargs:  # the common case: arrays only
        for v in args:
            if type(v) is not np.ndarray:
                break
        else:
            return tuple([(v.shape, v.dtype) for v in args]), args
    key: list[Any] = []
    arrays: list[np.ndarray] = []
    for v in (*args, *(kwargs[k] for k in sorted(kwargs))):
        if isinstance(v, Tensor):
            if v.requires_grad:
                return None, None
            v = v.data
        if isinstance(v, np.ndarray):
            key.append((v.shape, v.dtype))
            arrays.append(v)
        elif v is None or type(v) in (bool, int, float, str):
            key.append(("v", type(v).__name__, v))
        else:
            return None, None
    return (tuple(key), tuple(sorted(kwargs))) if kwargs else tuple(key), arrays


class jit:
    """Wrap a training step for capture and replay (see the module docstring).

    `jit(fn)` or `@jit`; options: `jit(fn, strict=True)` raises JitError where a step cannot
    be replayed instead of running it eagerly with a warning; `max_signatures` bounds how many
    input shapes get their own recording (more run eagerly). `enabled=False` always runs fn.
    `replays` counts replayed calls; `fallbacks` maps a signature to why it runs eagerly.
    exact=True keeps replay bit-identical to eager everywhere (it is, except that by default
    a parameter used by several one-row matmuls, an unfused RNN's W, gets its gradient as one
    matrix product, as hand-written BPTT does: equal to rounding).
    """

    def __init__(self, fn: Callable[..., Any] | None = None, *, strict: bool = False,
                 max_signatures: int = 8, enabled: bool = True, exact: bool = False) -> None:
        self.fn, self.strict, self.enabled, self.exact = fn, strict, enabled, exact
        self.max_signatures = max_signatures
        self.reset()

    def reset(self) -> None:
        """Forget every recording (after changing what the step reads besides its inputs)."""
        self.cache: dict[Any, Any] = {}
        self.fallbacks: dict[Any, str] = {}
        self.replays = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.fn is None:  # @jit(strict=True): this call wraps the function
            if len(args) != 1 or kwargs or not callable(args[0]):
                raise TypeError("jit(...) as a decorator takes the step function")
            self.fn = args[0]
            return self
        fn = self.fn
        state = engine._state
        # inside another recording, or under no_grad (where eager backward() would refuse)
        if not self.enabled or state.recorder is not None or not state.grad_enabled:
            return fn(*args, **kwargs)
        key, arrays = _signature(args, kwargs)
        if key is None:
            return self._eager(None, "an argument is neither an array, a Tensor without grad "
                               "nor a plain scalar", args, kwargs)
        entry = self.cache.get(key)
        if type(entry) is _Plan:
            self.replays += 1
            return entry.run(arrays)
        if key in self.fallbacks:
            return fn(*args, **kwargs)
        if entry is None and len(self.cache) >= self.max_signatures:
            return self._eager(key, f"more than {self.max_signatures} input signatures",
                               args, kwargs)
        rec = _Recording(arrays)
        state.recorder = rec
        try:
            result = fn(*args, **kwargs)
        finally:
            state.recorder = None
        rec.finish(result)
        if rec.error is not None:
            return self._refuse(key, rec.error, result)
        if entry is None:
            self.cache[key] = rec
        else:
            why = _difference(entry, rec)
            if why is not None:
                return self._refuse(key, why, result)
            self.cache[key] = _Plan(rec, self.exact)
        return result

    def _eager(self, key: Any, why: str, args: Any, kwargs: Any) -> Any:
        self._refuse(key, why, None)
        return self.fn(*args, **kwargs)

    def _refuse(self, key: Any, why: str, result: Any) -> Any:
        name = getattr(self.fn, "__name__", "step")
        msg = f"jit: cannot replay {name}: {why}"
        if self.strict:
            raise JitError(msg)
        if key not in self.fallbacks:
            warnings.warn(msg + "; running it eagerly", RuntimeWarning, stacklevel=3)
        self.fallbacks[key] = why
        self.cache.pop(key, None)
        return result
