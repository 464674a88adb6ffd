"""`backward(inputs=...)`: gradients into the `.grad` of the named tensors only (PyTorch's
`inputs=`), and the walk it shares with `autograd.grad`: only the ops between the output and
those tensors run (`toward`); a named op result's own op is freed, not run (torch's engine
runs the node of each named tensor, computing none of its inputs' gradients, none being
wanted); the rest of the graph is neither run nor freed.

A named tensor that is an op's result is retained, for good, as torch's `inputs=` calls
`retain_grad()` on it: its gradient lands in `.grad` after its hooks, and a later backward
through it adds into that `.grad`; a leaf is filled as backward fills it (its hooks, then its
post-accumulate-grad hooks). A named tensor the output does not reach keeps its `.grad`
(None), as in torch. The output's own hooks and retain_grad() run even when nothing named lies
below it (torch's engine starts at its node). `autograd.backward` of several outputs runs here
too, as one pass (`below`): a tensor their graphs share sees its whole gradient once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import engine, hooks, tensor, tensor_hooks, write_guard


def toward(ops: list[Any], ins: list[Any]) -> tuple[list[Any], list[Any]]:
    """The ops (outputs first) whose backward reaches one of `ins`, and the inputs that are
    op results left out (their gradient is wanted, their op's backward is not)."""
    on = {id(t) for t in ins}
    run = set()
    for t in reversed(ops):  # inputs first: each op after what it reads
        if any(id(p) in on for p in t._ctx.parents):
            on.add(id(t))
            run.add(id(t))
    ends = {id(t): t for t in ins if t._ctx is not None and id(t) not in run}
    return [t for t in ops if id(t) in run], list(ends.values())


def named_inputs(inputs: Any, who: str) -> list[Any]:
    """`inputs=` as a list of tensors that require grad (a tensor, or any iterable of them
    as torch takes: a list, a tuple, a generator, a set)."""
    Tensor = tensor.Tensor  # (defined after this module is imported)
    if isinstance(inputs, Tensor):
        ins = [inputs]
    elif isinstance(inputs, (np.ndarray, str, bytes, dict)) or not hasattr(inputs, "__iter__"):
        raise TypeError(f"{who}: inputs= takes a tensor or an iterable of tensors (a list, a "
                        f"tuple), got {type(inputs).__name__}")
    else:
        ins = list(inputs)
    if not ins:
        raise RuntimeError(f"{who}: inputs= is empty: name the tensors whose .grad to fill, or "
                           "leave it out (every leaf)")
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"{who}: inputs[{i}] ({type(t).__name__}) does not require grad: "
                               "it has no gradient to fill")
    return ins


def below(outs: list[Any]) -> tuple[list[Any], list[Any]]:
    """The ops and leaves below several outputs, as engine.toposort gives them for one."""
    ops: dict[int, Any] = {}
    leaves: dict[int, Any] = {}
    for o in outs:
        o_ops, o_leaves = engine.toposort(o)
        for t in o_ops:
            ops.setdefault(id(t), t)
        for t in o_leaves:
            leaves.setdefault(id(t), t)
    return sorted(ops.values(), key=lambda t: t._ctx.made, reverse=True), list(leaves.values())


def backward_to(starts: list[tuple[Any, np.ndarray]], retain_graph: bool,
                ins: list[Any] | None) -> None:
    """One backward pass from several outputs (output, its gradient), as torch's: each
    tensor's hooks see its whole gradient, once; with `ins`, gradients kept for them alone
    (see the module), else every leaf's, as engine.backward does for one output."""
    if hooks.active and hooks.attached.recorder is not None:  # a jit recording: its replay
        hooks.attached.recorder.fail(  # keeps all, from one output
            "backward(inputs=...) inside the step" if ins is not None else
            "autograd.backward() of several tensors with hooks inside the step")
    root = starts[0][0]
    ops, leaves = engine.toposort(root) if len(starts) == 1 else below([o for o, _ in starts])
    run, ends = toward(ops, ins) if ins is not None else (ops, [])
    end = {id(t) for t in ends}
    if end:  # (in the order of the walk: hooks run in torch's order)
        on = end | {id(t) for t in run}
        run = [t for t in ops if id(t) in on]
    if write_guard.watching:  # a watched parameter written since the forward: raise
        write_guard.check_views(run)
    for t in ins or ():  # retain_grad() on each, for good, as torch's (a later backward
        tensor_hooks.retain(t)  # through a named op result adds into its .grad; leaf: no-op)
    pending = engine.Pending(*starts[0])
    for o, g in starts[1:]:  # (the same output twice: its gradients summed)
        prev = pending.grads.get(o)
        pending.grads[o] = g if prev is None else prev + g
    wanted = None if ins is None else {id(t) for t in ins}
    if wanted is not None:
        root_hooks(pending, starts, run, wanted)
    chunk: list[Any] = []
    for t in run:
        if id(t) in end:
            pending.run(chunk, retain_graph)
            chunk = []
            _named_end(pending, t, retain_graph)
        else:
            chunk.append(t)
    pending.run(chunk, retain_graph)  # (a named op result: hooks, .grad, then its op)
    for t in leaves:
        if wanted is None or id(t) in wanted:
            tensor_hooks.leaf(pending, t) if t._retain else pending.store(t, t)


def root_hooks(pending: Any, starts: list[tuple[Any, np.ndarray]], run: list[Any],
               wanted: set[int]) -> None:
    """One output (`starts`) whose op does not run (`run`: nothing named lies below it), not
    named itself: torch's engine starts at it all the same, so its hooks and retain_grad() run
    (a leaf's hooks alone: not named, its .grad is not filled); of several outputs, none."""
    root = starts[0][0]
    if (len(starts) == 1 and root._retain and (not run or run[0] is not root)
            and id(root) not in wanted):
        g = pending.pop(root)
        if root._ctx is not None:
            tensor_hooks.arrived(pending, root, g)
        else:
            tensor_hooks.through(root, g)


def _named_end(pending: Any, t: Any, retain_graph: bool) -> None:
    """A named op result nothing named lies below: its hooks, its `.grad`; then its op, which
    torch's engine runs computing nothing (no input of it wants a gradient) but frees, and
    refuses as freed (its saved arrays are read), as engine's run does an op it runs."""
    g = pending.pop(t)
    if g is None:  # (the output sent it none)
        return
    tensor_hooks.arrived(pending, t, g)
    ctx = t._ctx
    if ctx.released:
        raise RuntimeError(ctx.freed_by or f"backward through {ctx.name} a second time: its "
                           "saved arrays were freed by the first backward(); call "
                           "backward(retain_graph=True)")
    if write_guard.replaced:
        write_guard.check_saved(ctx)
    if not retain_graph:
        ctx.release()
