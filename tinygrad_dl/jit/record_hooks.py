"""The engine's hooks of a `record.Recording` (a mixin of it): what the engine reports while
the step runs once (`hooks.attach(recorder=...)`): each op applied (`on_apply`), each backward
(`on_backward`), and what the step's Python does that replay would not redo (reads of values,
writes, hooks, .grad writes, np.errstate), which fails the recording (`fail`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import tensor_hooks
from .guards import ModuleGuard, unsized
from .record_types import BackwardRecord, OpRecord, Visit


class EngineHooks:
    """The `recorder` methods the engine calls (hooks.py), mixed into Recording."""

    def on_apply(self, cls: type, inputs: tuple[Any, ...], params: dict[str, Any],
                 out: Any) -> None:
        i = len(self.ops)
        self.check_errstate()
        sources = tuple(self.source(t) for t in inputs)
        ctx = out._ctx
        needs = None if ctx is None else tuple(ctx.needs_input_grad)
        shape_arrays = getattr(cls, "shape_arrays", None)  # the op's own list (a mask index)
        if shape_arrays is not None and self.error is None:
            for a in shape_arrays(**params):
                if not self.is_literal(a):
                    self.fail(f"op {i} ({cls.__name__}) has an output whose shape depends on "
                              "the values of an array (a boolean mask, repeat counts), and "
                              "replay trusts the recorded shapes")
        params = {k: self.param(v) for k, v in params.items()}
        self.ops.append(OpRecord(cls, sources, params, needs, out))
        self.slot[id(out)] = i
        self.out_arrays[id(out.data)] = i
        if getattr(cls, "constant_result", False):  # (Compare: a mask the step may write)
            self.masks.append((i, out.data, out.data.tobytes()))
        self.keep.append(inputs)
        self.events.append(i)

    def on_backward(self, root: Any, grad: np.ndarray, ops: list[Any], leaves: list[Any],
                    retain_graph: bool) -> None:
        slot, n = self.slot, len(self.ops)
        keys = {id(t): slot.get(id(t), -1) for t in ops}
        if -1 in keys.values():
            self.fail("backward() reaches ops recorded before the step began")
            return
        if any(t._retain for t in ops):
            self.fail("retain_grad() or register_hook() on a tensor inside the step")
        for k, t in enumerate(leaves):
            if t._retain:  # (a leaf's slot is set only by its hooks: see tensor_hooks)
                self.found_hooks(tensor_hooks.ids(t._retain), t)
                self.fail(f"parameter {t.name or tuple(t.data.shape)} has a hook "
                          "(register_hook), whose Python a replay would not run")
            if t._ctx is not None or self.input_index(t.data) is not None:
                self.fail("a step input requires grad (only parameters may)")
            keys[id(t)] = n + k
            if id(t) not in self.leaves_seen:  # .grad as the step found it
                self.leaves_seen.add(id(t))
                if t.grad is None:
                    self.grad_none[id(t)] = t
        self.check_errstate()
        self.check_grads(self.grads.before_backward(leaves))
        order = tuple(Visit(keys[id(t)], tuple(keys[id(p)] if p.requires_grad else None
                                               for p in t._ctx.parents)) for t in ops)
        self.events.append(BackwardRecord(keys[id(root)], self.array_source(grad), order,
                                          tuple((n + k, t) for k, t in enumerate(leaves)),
                                          retain_graph))

    def on_backward_done(self) -> None:
        """A backward stored its gradients: .grad must stay so until the next one or the end."""
        self.grads.after_backward()

    def check_grads(self, written: Any) -> None:
        """Fail if `written` (a tensor whose .grad the step's Python wrote) is not None."""
        if written is not None:
            self.fail(f"its Python writes the .grad of parameter {_name(written)} (p.grad *= s, "
                      "p.grad.zero_(), clipping by hand, p.grad = None) while it runs: "
                      "replay redoes backward's writes, no other; scale the loss, or clip "
                      "and zero outside the step (clip_grad_norm_, optimizer.zero_grad())")

    def check_errstate(self) -> None:
        """Fail if the step's Python changed NumPy's error handling (np.errstate, np.seterr)
        for its ops: replay runs them under the caller's, so an error would not be raised."""
        if self.error is None and np.geterr() != self.errstate:
            self.fail("its ops run under np.errstate() or np.seterr() set inside the step: "
                      "replay runs no Python of the step, so they would run under the caller's "
                      "settings; set them around the jitted call")

    def on_read(self, t: Any, how: str) -> None:
        self.fail(f"its Python reads a value with {how} while it runs (a decision or a "
                  "number taken from the data would be frozen by replay)")

    def on_write(self, who: str) -> None:
        self.fail(f"{who} runs inside the step (replay runs no Python of the step, so it "
                  "would not); call it outside the jitted function")

    def on_rebase(self, t: Any, src: Any, op: str) -> None:
        """A recorded in-place write on an op's result (`h.relu_()`, `out += identity`,
        tensor/rebase.py): `t` now stands for the output of `src`'s op, so the ops that read
        t afterwards (and the result, and backward's order) take that op's output in replay."""
        i = self.slot.get(id(src))
        if i is None:
            self.fail(f"{op} writes in place on an op's result the step did not compute (made "
                      "before it began), which replay cannot follow; write it out of place")
            return
        if id(t) in self.slot:  # (t: the written tensor, its array written already)
            self.refuse_views(t, op)
        self.slot[id(t)] = i
        self.out_arrays[id(t.data)] = i
        self.keep.append((t,))  # (its id stays its own while the step records)

    def refuse_views(self, t: Any, op: str) -> None:
        """Fail if an op's result recorded before the write shares t's array (`v = h[0]`, `h.T`,
        `h.reshape(-1)` before `h.relu_()`): eagerly it shows the written values, but replay
        would compute it from t's old value (its recorded op reads that)."""
        a = t.data
        for k, r in enumerate(self.ops):
            o = getattr(r.out, "data", None)
            if (r.out is not t and isinstance(o, np.ndarray) and np.may_share_memory(o, a)
                    and np.shares_memory(o, a)):
                self.fail(f"{op} writes in place on a tensor that the result of op {k} "
                          f"({r.fn.__name__}) made before the write is a view of (`v = h[0]` "
                          "before `h.relu_()`): eagerly that view shows the written values, "
                          "replay would give it the old ones; take the view after the write")
                return

    def on_module(self, m: Any) -> None:
        h = getattr(m, "_hooks", None)
        if h:  # (nn.module_hooks: Python a replay would not run)
            self.found_hooks((*h.forward_pre, *h.forward, *h.backward_pre, *h.backward))
            self.fail(f"{type(m).__name__} has hooks (register_forward_hook, ...), whose Python "
                      "a replay would not run")
        if id(m) not in self.modules:
            for sub in m.modules():
                if id(sub) not in self.modules:
                    self.modules[id(sub)] = ModuleGuard(sub)
                    if unsized(sub) and id(sub) not in self.made:  # (`sized_lazy`)
                        self.unsized.append(sub)

    def on_module_change(self, m: Any, made: bool) -> None:
        """An attribute of `m` is about to change: guarded as it is now, so that `finish`
        fails the step. A module the step reaches only through a dict entry or an object's
        attribute (`cfg["net"].cache = h`) was guarded at its first call, after the change,
        and replayed without it; one the step builds (`made`) is not guarded here."""
        if made:
            self.made[id(m)] = m  # (kept: its id stays its own while the step records)
        elif id(m) not in self.made and id(m) not in self.modules:
            self.modules[id(m)] = ModuleGuard(m)  # (once: not one guard per assignment)

    def found_hooks(self, ids: tuple[int, ...], leaf: Any = None) -> None:
        """A module (among `modules`) or `leaf` has hooks: the step is refused. jit records it
        again once they are gone (`hooked`, `hook_owners`) if that is the first reason and
        the user registered them before the call; not if the step registers them itself."""
        if self.error is None and all(i < self.hook_mark for i in ids):
            self.hooked = True
            if leaf is not None:  # (a parameter, or a leaf no op read as one: W as X)
                self.hooked_leaves.append(leaf)

    def on_view(self, of: np.ndarray, view: np.ndarray) -> None:
        """A plain view of a watched array (Tensor(X), X.view(np.ndarray)): when `of` is an
        argument's watched view, the view is that argument as it is, in any layout."""
        if id(of) in self.inputs:
            self.as_is[id(view)] = view

    def on_layout(self, a: np.ndarray) -> None:
        """`a` came out of a call that copies or not by the layout without copying: the
        arguments whose memory it may be have their strides guarded."""
        self.layout.update(j for j, x in enumerate(self.arrays) if np.may_share_memory(a, x))

    def on_literal(self, a: np.ndarray) -> None:
        self.literals[id(a)] = (a, a.tobytes())

    def is_literal(self, a: np.ndarray) -> bool:
        """`a` was marked a literal and still holds the values it was made with (bit for bit:
        not filled since through `.data`, which replay would not redo with new data)."""
        marked = self.literals.get(id(a))
        return marked is not None and marked[0] is a and a.tobytes() == marked[1]

    def is_argument(self, a: np.ndarray) -> bool:
        """Is `a` a step argument, or a plain view of one? (tensor/ casts one by a recorded
        Cast op, which replay redoes, rather than by a copy made inside the step.)"""
        return self.input_index(a) is not None

    def on_tensor_data(self, t: Any) -> None:
        """The library reads `t.data` for an op parameter or a new tensor (tensor/'s
        `data_of`): t may own a constant replay reads, so `t.data = new` is guarded."""
        self.reported.append(t)


class HookOwners:
    """What a recording refused for a hook (`Recording.hooked`) used: its modules, the
    parameters it read and the hooked leaves, held by jit instead of the recording itself
    (which keeps the call's arrays: one batch per signature, for as long as the hook stays)
    until `gone`."""

    __slots__ = ("modules", "params")

    def __init__(self, modules: Any, params: Any) -> None:
        self.modules, self.params = tuple(modules), tuple(params)

    def gone(self) -> bool:
        """Whether none of them has a hook left (jit then records the step again)."""
        return not (any(getattr(m, "_hooks", None) for m in self.modules)
                    or any(t._retain for t in self.params))


def _name(t: Any) -> str:
    return t.name or f"of shape {tuple(t.data.shape)}"
