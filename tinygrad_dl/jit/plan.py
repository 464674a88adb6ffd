"""Replaying a recording: the plan compiled once from it, run straight from a list.

Forward, then backward in the recorded order, with the same NumPy calls as eager execution,
so the numbers are bit-identical; no Tensor, Function, graph or toposort is made. Values
nothing reads are not computed: the loss when the step does not return it (ops with a
`prepare` set up their backward without their value).
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import numpy as np

from ..engine import _only_once, store_grad
from ..ops import GetItem, MatMul
from ..ops.shape import _is_basic
from ..tensor import Tensor
from .guards import Guards
from .record import CONST, IN, OUT, PARAM, Const, Input, Out, Recording

FULL, PREP, SKIP = 0, 1, 2  # how replay runs an op: forward / prepare (no value) / not at all


class Plan:
    """A recording compiled for replay: per op its mode, argument sources, parameters and the
    slots to free after it; per backward the order, the parents' keys and the leaves; and the
    guards checked before each run."""

    def __init__(self, rec: Recording, frozen: list[Const], exact: bool = False) -> None:
        ops, n = rec.ops, len(rec.ops)
        in_bwd: set[int] = set()
        for ev in rec.events:
            if ev[0] == "bwd":
                in_bwd.update(k for k, _ in ev[3])
        needed: set[int] = set()
        _needed_outputs(rec.outputs, needed)
        for ev in rec.events:  # a backward seeded with an op's array (rare) reads that value
            if ev[0] == "bwd" and ev[2][0] == OUT:
                needed.add(ev[2][1])
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
            needed.update(_param_outs(params))
            if reads:
                needed.update(r for k, r in sources if k == OUT)
                srcs[i] = sources
            else:  # shapes are all it reads: the recorded ones
                srcs[i] = tuple((CONST, Const(None, ops[r][4], True)) if k == OUT else (k, r)
                                for k, r in sources)
        last = list(range(n))  # after which op a value can be let go
        for i in range(n):
            if modes[i] == SKIP:
                continue
            for r in [r for k, r in srcs[i] if k == OUT] + _param_outs(ops[i][2]):
                last[r] = i
        keep = set()
        _needed_outputs(rec.outputs, keep)
        for ev in rec.events:
            if ev[0] == "bwd" and ev[2][0] == OUT:
                keep.add(ev[2][1])
        free: list[list[int]] = [[] for _ in range(n)]
        for r in range(n):
            if r not in keep:
                free[last[r]].append(r)
        self.ctxs = []
        for i, (cls, _, _, needs, _) in enumerate(ops):
            ctx = cls()
            ctx.needs_input_grad = list(needs) if needs else [False] * len(srcs[i])
            self.ctxs.append(ctx)
        # one register file per run: op outputs, then the step's arguments (by position),
        # then the parameter Tensors' arrays (read afresh every run: optimizers may rebind
        # .data), then constants
        template: list[Any] = [None] * (n + len(rec.arrays))
        self.params: list[tuple[int, Any]] = []
        reg: dict[Any, int] = {}

        def register(k: int, r: Any) -> int:
            if k == OUT:
                return r
            if k == IN:
                return n + r
            obj = r if k == PARAM else r.array
            key = (k, id(obj))
            if key not in reg:
                reg[key] = len(template)
                template.append(None if k == PARAM else obj)
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
                params = {k: _static(v) for k, v in ops[i][2].items()}
                dynamic = tuple(k for k, v in params.items() if _is_dynamic(v))
                fn = self.ctxs[i].forward if modes[i] == FULL else self.ctxs[i].prepare
                idx = tuple(register(k, r) for k, r in srcs[i])
                get = idx[0] if len(idx) == 1 else itemgetter(*idx)
                self.steps.append((True, i, fn, len(idx) == 1, get, params, dynamic or None,
                                   tuple(free[i]) or None, i not in in_bwd))
            else:
                _, root, seed, order, leaves, retain = ev
                special = _special_backwards(ops, order, n, rec.shapes, exact)
                order = tuple((k, parents, self.ctxs[k].backward, self.ctxs[k], special.get(k))
                              for k, parents in order)
                self.steps.append((False, root, register(*seed), order, leaves, retain))
        self.outputs = None if rec.outputs == ("py", None) else rec.outputs
        self.guards = Guards(trainable=[t for _, t in self.params], frozen=frozen,
                             modules=list(rec.modules.values()),
                             grad_none=list(rec.grad_none.values()), aliases=rec.aliases)
        self.stale = self.guards.compiled()  # True when a guard fails: then guards.why_stale

    def run(self, arrays: list[np.ndarray]) -> Any:
        regs = self.template.copy()
        n = self.n
        regs[n:n + len(arrays)] = arrays
        for r, t in self.params:
            regs[r] = t.data
        for step in self.steps:
            if step[0]:
                _, i, fn, single, get, params, dynamic, free, done = step
                if dynamic is not None:  # parameters that are arguments or op outputs
                    params = dict(params)
                    for key in dynamic:
                        params[key] = _resolve(params[key], arrays, regs)
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


# ---- op parameters: constants baked in, arguments and op outputs looked up per run ------------
def _static(v: Any) -> Any:
    if isinstance(v, Const):
        return v.array
    if type(v) in (tuple, list):
        return type(v)(_static(x) for x in v)
    return v


def _is_dynamic(v: Any) -> bool:
    if type(v) in (Input, Out):
        return True
    return type(v) in (tuple, list) and any(_is_dynamic(x) for x in v)


def _resolve(v: Any, arrays: list[np.ndarray], regs: list[Any]) -> Any:
    t = type(v)
    if t is Input:
        return arrays[v.j]
    if t is Out:
        return regs[v.i]
    if t in (tuple, list):
        return t(_resolve(x, arrays, regs) for x in v)
    return v


def _param_outs(params: dict[str, Any]) -> list[int]:
    """The ops whose outputs these parameters are."""
    out: list[int] = []

    def visit(v: Any) -> None:
        if type(v) is Out:
            out.append(v.i)
        elif type(v) in (tuple, list):
            for x in v:
                visit(x)

    for v in params.values():
        visit(v)
    return out


# ---- the step's return value -----------------------------------------------------------------
def _needed_outputs(out: Any, acc: set[int]) -> None:
    kind = out[0]
    if kind in ("t", "a") and out[1] == OUT:
        acc.add(out[2])
    elif kind in (tuple, list):
        for x in out[1:]:
            _needed_outputs(x, acc)
    elif kind is dict:
        for x in out[2]:
            _needed_outputs(x, acc)


def _build(out: Any, regs: list[Any], n: int) -> Any:
    kind = out[0]
    if kind == "t":
        k, r = out[1], out[2]
        return Tensor(regs[r] if k == OUT else regs[n + r] if k == IN
                      else r.data if k == PARAM else r.array)
    if kind == "a":  # t.data: an array, also where the op's forward gave a NumPy scalar
        return np.asarray(regs[out[2]])
    if kind in (tuple, list):
        return kind(_build(x, regs, n) for x in out[1:])
    if kind is dict:
        return dict(zip(out[1], (_build(x, regs, n) for x in out[2])))
    if kind == "in":
        return regs[n + out[1]]
    return out[1]


def _backward(step: tuple[Any, ...], regs: list[Any]) -> None:
    """engine.backward's loop over the recorded order, with engine._Pending's ownership rule
    (keyed by slot, not by Tensor), so every sum happens in the same order: bit-identical."""
    _, root, seed, order, leaves, retain = step
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
                else r.data.shape if k == PARAM else getattr(r.array, "shape", ()))

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
