"""`backward(inputs=...)`: gradients into the `.grad` of the named tensors only (PyTorch's
`inputs=`), and the walk it shares with `autograd.grad`: only the ops between the output and
those tensors run (`toward`); the rest of the graph is neither run nor freed.

A named tensor that is an op's result gets its gradient in `.grad` as `retain_grad()` keeps
it (after its hooks: torch implements `inputs=` so); a leaf as backward fills it (its hooks,
then its post-accumulate-grad hooks). A named tensor the output does not reach keeps its
`.grad` (None), as in torch.
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
    """`inputs=` as a list of tensors that require grad (a tensor or a sequence of them)."""
    Tensor = tensor.Tensor  # (defined after this module is imported)
    ins = ([inputs] if isinstance(inputs, Tensor) else list(inputs)
           if isinstance(inputs, (list, tuple)) else None)
    if ins is None:
        raise TypeError(f"{who}: inputs= takes a tensor or a list or tuple of tensors, got "
                        f"{type(inputs).__name__}")
    if not ins:
        raise RuntimeError(f"{who}: inputs= is empty: name the tensors whose .grad to fill, or "
                           "leave it out (every leaf)")
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"{who}: inputs[{i}] ({type(t).__name__}) does not require grad: "
                               "it has no gradient to fill")
    return ins


def backward_to(root: Any, grad: np.ndarray, retain_graph: bool, ins: list[Any]) -> None:
    """engine.backward of `root` with the gradients kept for `ins` alone (see the module)."""
    if hooks.active and hooks.attached.recorder is not None:  # a jit recording: its replay
        hooks.attached.recorder.fail("backward(inputs=...) inside the step")  # keeps all
    ops, leaves = engine.toposort(root)
    ops, ends = toward(ops, ins)
    if write_guard.watching:  # a watched parameter written since the forward: raise
        write_guard.check_views(ops)
    wanted = {id(t) for t in ins}
    kept = [t for t in ins if t._ctx is not None and not tensor_hooks.retains(t)]
    for t in kept:  # (their .grad filled by the accumulator as it fills a retained one's)
        tensor_hooks.retain(t)
    pending = engine.Pending(root, grad)
    try:
        pending.run(ops, retain_graph)
        for t in ends:  # named op results whose own op need not run: hooks, then .grad
            g = pending.pop(t)
            if g is not None:
                tensor_hooks.arrived(pending, t, g)
    finally:
        for t in kept:
            tensor_hooks.unretain(t)
    for t in leaves:
        if id(t) in wanted:
            tensor_hooks.leaf(pending, t) if t._retain else pending.store(t, t)
