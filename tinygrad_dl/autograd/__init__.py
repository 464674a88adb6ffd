"""PyTorch's custom-op style: `torch.autograd.Function` with static `forward(ctx, ...)` and
`backward(ctx, ...)` working on Tensors, beside the engine's own style.

    class LegendreP3(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        def backward(ctx, grad_output):
            x, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * x ** 2 - 1)

    y = LegendreP3.apply(x)

The engine's style (tinygrad_dl.Function: `forward(ctx, *arrays)` / `backward(ctx, grad)` on
NumPy arrays, as every built-in op is written) stays as it is; this module adapts the PyTorch
style onto it: each subclass gets one engine op of the same name, which runs the user's
forward on constant Tensors with recording off (what forward computes is one op in the graph),
and hands backward the output's gradient as a Tensor. `ctx` carries `save_for_backward`,
`saved_tensors`, `needs_input_grad` (one flag per forward argument) and any attribute.
Single-output functions only; forward's non-Tensor arguments get None as their gradient.
"""

from __future__ import annotations

import inspect as _inspect
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import engine, hooks, tensor_hooks, write_guard
from ..anomaly import detect_anomaly
from ..device import absent_name as _absent_name
from ..engine import enable_grad, no_grad
from ..grad import in_dtype
from ..grad_mode import inference_mode, set_grad_enabled
from ..tensor import Tensor
from ..tensor.backward_to import backward_to, below, named_inputs, root_hooks, toward

__all__ = ["Function", "FunctionCtx", "backward", "detect_anomaly", "enable_grad", "function",
           "functional", "grad", "inference_mode", "no_grad", "set_grad_enabled"]


class FunctionCtx:
    """What forward leaves for backward: `save_for_backward(*tensors)`, then
    `saved_tensors`; `needs_input_grad`; and any attribute forward sets."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Any, ...] = ()

    def save_for_backward(self, *tensors: Any) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward takes Tensors (or None), got "
                                f"{type(t).__name__}; keep other values as ctx attributes")
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        return self._saved

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """As torch's: the output, if among `tensors`, requires no grad (no gradient flows
        back through it; an integer output has none anyway)."""
        for t in tensors:  # (as torch's: a list `[y]` was no output, so it marked nothing)
            if not isinstance(t, Tensor):
                raise TypeError(f"mark_non_differentiable takes Tensors, got "
                                f"{type(t).__name__}: pass the output itself, "
                                "ctx.mark_non_differentiable(y)")
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch code: backward always gets an array, never None."""


class _UserOp(engine.Function):
    """The engine op behind one autograd.Function subclass (`user`)."""

    user: type[Function]

    def forward(self, *arrays: np.ndarray, template: tuple[Any, ...] = (),
                kwargs: dict[str, Any] | None = None) -> np.ndarray:
        it = iter(arrays)
        needs = iter(self.needs_input_grad)
        args, flags = [], []
        for a in template:
            if a is _TENSOR:  # read-only: an in-place write (x.mul_(2)) would reach the array
                args.append(Tensor(_read_only(next(it))))  # another op saved, unseen
                flags.append(next(needs))
            else:
                args.append(a)
                flags.append(False)
        ctx = FunctionCtx(tuple(flags))
        with no_grad():
            if self.user.setup_context is Function.setup_context:
                out = self.user.forward(ctx, *args, **(kwargs or {}))
            else:  # torch 2's style: forward(*args) without ctx, then setup_context
                out = self.user.forward(*args, **(kwargs or {}))
                self.user.setup_context(ctx, tuple(args), out)
        if isinstance(out, (tuple, list)):
            raise NotImplementedError(f"{self.user.__name__}.forward returned {len(out)} "
                                      "outputs: only single-output autograd.Functions are "
                                      "supported; return one Tensor")
        self.ctx = ctx
        self.template = template
        self.non_differentiable = any(t is out for t in getattr(ctx, "_non_differentiable", ()))
        self.shapes = [a.shape for a in arrays]  # (backward sums a broadcast gradient to them)
        # the arrays backward will read, read-only while the graph lives (a write in backward,
        # x.mul_(3) on a saved tensor, or the engine adding into one returned as a gradient,
        # changed them for every later backward)
        for t in ctx.saved_tensors:
            if t is not None and t.data.flags.writeable:
                t.data = _read_only(t.data)
        self.save_for_backward(*[t.data for t in ctx.saved_tensors if t is not None])
        data = out.data if isinstance(out, Tensor) else np.asarray(out)
        if data.base is not None or any(data is a for a in arrays):
            data = data.copy()  # never hand out an input's own array as the output
        return data

    def backward(self, g: np.ndarray) -> Any:
        name = self.user.__name__
        with no_grad():
            grads = self.user.backward(self.ctx, Tensor(g))
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) > len(self.template) and all(g is None for g in
                                                    grads[len(self.template):]):
            grads = grads[:len(self.template)]  # (torch's: extra Nones, a keyword argument's)
        if len(grads) != len(self.template):
            raise RuntimeError(f"{name}.backward returned {len(grads)} gradient(s), but forward "
                               f"took {len(self.template)} argument(s): return one per argument "
                               "(None for the non-Tensor ones)")
        out = []
        shapes = iter(self.shapes)
        for i, (a, gr) in enumerate(zip(self.template, grads)):
            shape = next(shapes) if a is _TENSOR else None
            if a is not _TENSOR:
                if gr is not None:  # (PyTorch raises too: it would be dropped without a word)
                    raise RuntimeError(f"{name}.backward returned a gradient for argument {i}, "
                                       "which is not a Tensor: return None there")
                continue
            if gr is None:
                out.append(None)
            else:
                try:
                    arr = gr.data if isinstance(gr, Tensor) else np.asarray(gr, dtype=g.dtype)
                except (TypeError, ValueError):  # NumPy's "could not convert string to float"
                    raise TypeError(f"{name}.backward returned {type(gr).__name__} {gr!r:.40} "
                                    f"for argument {i}: return a Tensor (or None)") from None
                # not fresh (g itself, a view, a saved or argument array): the engine would add
                # later gradients into it in place
                fresh = arr is not g and arr.base is None and arr.flags.writeable and not any(
                    arr is b for b in self.template if isinstance(b, np.ndarray))
                if arr.shape != shape and _expands(shape, arr.shape):  # torch's sum_to:
                    arr, fresh = engine.unbroadcast(arr, shape), True  # (the input broadcast)
                out.append(arr if fresh else arr.copy())
        return tuple(out)


_TENSOR = object()  # marks a Tensor argument's place in forward's argument list


def _expands(shape: tuple[int, ...], to: tuple[int, ...]) -> bool:
    """Does `shape` broadcast to `to` (torch's is_expandable_to: a backward's gradient of
    shape `to` is summed down to the input's `shape`, as if the input had been broadcast)?"""
    try:
        return len(to) >= len(shape) and np.broadcast_shapes(shape, to) == tuple(to)
    except ValueError:
        return False


def _read_only(a: np.ndarray) -> np.ndarray:
    """A read-only view of `a` (the same memory: no copy)."""
    v = a.view()
    v.flags.writeable = False
    return v


class Function:
    """Subclass with `@staticmethod forward(ctx, *args)` and `@staticmethod
    backward(ctx, *grad_outputs)`, then call `MyFunction.apply(*args)`."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("autograd.Function subclasses define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("autograd.Function subclasses define backward(ctx, ...)")

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple[Any, ...], output: Any) -> Any:
        """torch 2's other style: a subclass that defines it has forward(*args) without ctx,
        and fills ctx here from apply's arguments and forward's output."""
        raise NotImplementedError("autograd.Function: setup_context is defined by a subclass")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(f"{type(self).__name__}: an autograd.Function is not instantiated; "
                        f"call {type(self).__name__}.apply(...)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        if not isinstance(cls.__dict__.get("forward", staticmethod(None)), staticmethod):
            raise TypeError(f"{cls.__name__}.forward must be a @staticmethod forward(ctx, ...), "
                            "as in PyTorch")
        op = cls.__dict__.get("_engine_op")
        if op is None:  # one engine op per subclass, named after it (graphs, grad_fn.name)
            op = type(cls.__name__, (_UserOp,), {"user": cls, "__module__": cls.__module__})
            cls._engine_op = op
        if cls.setup_context is not Function.setup_context:  # torch's: its `inputs` are
            bound = _inspect.signature(cls.forward).bind(*args, **kwargs)  # all arguments
            bound.apply_defaults()  # by position, defaults too
            args, kwargs = bound.args, bound.kwargs
        tensors = [a for a in args if isinstance(a, Tensor)]
        if not tensors:
            raise TypeError(f"{cls.__name__}.apply: no Tensor among the arguments")
        by_name = [k for k, v in kwargs.items() if isinstance(v, Tensor)]
        if by_name:  # its gradient would have nowhere to go: it got none, without a word
            raise TypeError(f"{cls.__name__}.apply: Tensor argument {by_name[0]}= passed by "
                            "keyword; pass Tensors by position (backward returns one gradient "
                            "per positional argument)")
        template = tuple(_TENSOR if isinstance(a, Tensor) else a for a in args)
        out = op.apply(*tensors, template=template, kwargs=kwargs)
        if out.requires_grad and (out.data.dtype.kind not in "fc" or out._ctx.non_differentiable):
            return Tensor(out.data)  # an integer output (an argsort) has no gradient to carry,
        return out  # nor one marked non-differentiable


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """`torch.autograd.backward`: the gradients of all `tensors` (each times its gradient)
    added into the leaves' `.grad` (only `inputs`' when given), as one pass: their graphs may
    share ops, whose hooks see the whole gradient once, as torch's."""
    one = (Tensor, np.ndarray, np.generic, int, float)
    ts = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if not ts:  # (torch's: nothing to do)
        return
    gs = ([grad_tensors] if grad_tensors is None or isinstance(grad_tensors, one)
          else list(grad_tensors))
    if len(gs) == 1 and len(ts) > 1 and gs[0] is None:
        gs = gs * len(ts)
    if len(gs) != len(ts):
        raise ValueError(f"autograd.backward: {len(ts)} tensors but {len(gs)} gradients")
    gs = [None if g is None else (g.data if isinstance(g, Tensor) else g) for g in gs]
    if len(ts) == 1:
        ts[0].backward(gs[0], retain_graph=retain_graph, create_graph=create_graph,
                       inputs=inputs)
        return
    if create_graph:
        raise NotImplementedError("autograd.backward: create_graph=True is not supported: "
                                  "backward runs on NumPy arrays, so it records no graph of "
                                  "itself (no second derivatives)")
    for t in ts:
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.backward: tensors holds a {type(t).__name__}")
    ins = None if inputs is None else named_inputs(inputs, "autograd.backward")
    starts = [(t, t._seed(g)) for t, g in zip(ts, gs)]
    rec = hooks.attached.recorder if hooks.active else None
    if ins is None and rec is not None and rec.error is None:  # a jit recording, which
        ops, leaves = below(ts)  # records one output's backward: one each, as one pass
        if not any(t._retain for t in ops + leaves):  # gives without hooks to see it
            for i, (t, g) in enumerate(starts):
                engine.backward(t, g, bool(retain_graph) or i < len(ts) - 1)
                hooks.notify_backward_done()
            return
    backward_to(starts, bool(retain_graph), ins)
    hooks.notify_backward_done()  # (a jit recording checks .grad from here on)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False
         ) -> tuple[Tensor | None, ...] | dict[Any, Tensor | None]:
    """`torch.autograd.grad`: the gradients of `outputs` (each times its grad_output) with
    respect to `inputs`, returned as new tensors; no `.grad` of an input or leaf changes.
    Tensor hooks run and retain_grad() keeps `.grad` on the way, as in torch (an input that
    is an op's result: its gradient as it arrives, before its own hooks, if its op runs on to
    another input; else, and a leaf's, after them). One pass over the ops between outputs
    and inputs (none below: not run, not freed), freed afterwards unless retain_graph.
    is_grads_batched: each grad_output's first axis is a batch (`_batched`)."""
    if create_graph:
        raise NotImplementedError("autograd.grad: create_graph=True is not supported: backward "
                                  "runs on NumPy arrays, so it records no graph of itself (no "
                                  "second derivatives)")
    if materialize_grads and allow_unused is False:  # (torch's check, before any other)
        raise ValueError("autograd.grad: materialize_grads=True gives zeros for unused inputs, "
                         "so allow_unused must be True or not passed, got allow_unused=False")
    if type(inputs) is dict:  # torch 2.13's: the gradients as a dict with the same keys
        got = grad(outputs, tuple(inputs.values()), grad_outputs, retain_graph,
                   allow_unused=allow_unused, is_grads_batched=is_grads_batched,
                   materialize_grads=materialize_grads)
        return dict(zip(inputs.keys(), got))
    if isinstance(inputs, Mapping):  # (torch's: iterating it took its keys as the inputs)
        raise TypeError(f"autograd.grad: `inputs` must be a dict, not {type(inputs).__name__}: "
                        "other Mapping types are not supported (as in torch: give dict(...))")
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not ins:  # (torch's: nothing to differentiate with respect to is a mistake, not ())
        raise RuntimeError("autograd.grad: `inputs` cannot be empty")
    if is_grads_batched:
        return _batched(outs, ins, grad_outputs, retain_graph, allow_unused, materialize_grads)
    # None stands for every output's implicit grad_output; a list [None] for two outputs is one
    # gradient short, as in torch (taking it for both hid the missing one)
    gs = ([None] * len(outs) if grad_outputs is None else [grad_outputs]
          if isinstance(grad_outputs, (Tensor, np.ndarray)) else list(grad_outputs))
    if len(gs) != len(outs):
        raise ValueError(f"autograd.grad: {len(outs)} outputs but {len(gs)} grad_outputs")
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} does not require grad (or is not a "
                               "Tensor): there is no gradient with respect to it")
    starts = []
    for i, (o, g) in enumerate(zip(outs, gs)):
        if not isinstance(o, Tensor) or not o.requires_grad:
            raise RuntimeError(f"autograd.grad: output {i} does not require grad: no input of its "
                               "graph requires grad, or it was built under no_grad()")
        if g is None:
            if o.data.size != 1:
                raise RuntimeError(f"autograd.grad: output {i} has shape {o.shape}: give its "
                                   "grad_output (grad can be made implicitly for scalars only)")
            g = np.ones(o.data.shape, o.data.dtype)
        else:
            g = g.data if isinstance(g, Tensor) else g
            # a complex one for a real output: torch raises; the cast below dropped .imag
            if np.asarray(g).dtype.kind == "c" and o.data.dtype.kind != "c":
                raise RuntimeError(f"autograd.grad: grad_output {i} is complex, its output "
                                   f"{o.data.dtype}: give a real gradient")
            g = np.array(g, dtype=o.data.dtype)
            if g.shape != o.data.shape:
                raise RuntimeError(f"autograd.grad: grad_output {i} has shape {g.shape}, its "
                                   f"output {tuple(o.data.shape)}")
        starts.append((o, g))
    if not starts:  # no outputs (grad([], x)): every input is unused, as in torch
        return _results(ins, {}, allow_unused, materialize_grads)
    if hooks.active and hooks.attached.recorder is not None:  # a jit recording: a replay
        hooks.attached.recorder.fail("autograd.grad() inside the step")  # would not redo it
    ops, leaves = below([o for o, _ in starts])
    ops, ends = toward(ops, ins)  # (only the ops between outputs and inputs run, as
    # torch's: a tensor below an input keeps its hooks unrun, its graph unfreed)
    if write_guard.watching:  # a watched parameter written through an older view since the
        write_guard.check_views(ops)  # forward: raise, as backward does (not a wrong gradient)
    pending = engine.Pending(*starts[0])
    for o, g in starts[1:]:  # (the same output twice: its gradients summed)
        prev = pending.grads.get(o)
        pending.grads[o] = g if prev is None else prev + g
    wanted: dict[int, list[int]] = {}
    for i, t in enumerate(ins):
        wanted.setdefault(id(t), []).append(i)
    root_hooks(pending, starts, ops, set(wanted))  # (one output below no input: as torch's)
    got: dict[int, np.ndarray] = {}
    # torch's order: an op result whose op runs on (it reaches another input) gives its
    # gradient as it arrives, before its hooks; one whose op does not (`ends`), and a leaf,
    # after them (torch's engine runs a node's tensor hooks, then captures, when it skips it)
    off = {id(t) for t in ends}
    handles = [tensor_hooks.add(t, tensor_hooks.Capture(pending, got, i), first=True)
               for i, t in enumerate(ins) if t._ctx is not None and id(t) not in off]
    try:
        pending.run(ops, bool(retain_graph))
        for t in ends:  # its hooks (and retain_grad), its own op not run
            g = pending.pop(t)
            if g is not None:
                g = tensor_hooks.arrived(pending, t, g) if t._retain else g
                for i in wanted[id(t)]:
                    got[i] = in_dtype(np.asarray(g), t, "autograd.grad")  # (complex: refused)
    finally:
        for h in handles:
            h.remove()
    for t in leaves:
        at = wanted.get(id(t))
        g = pending.pop(t) if at is not None else None
        if g is not None:
            g = tensor_hooks.through(t, g)
            for i in at:
                got[i] = in_dtype(np.asarray(g), t, "autograd.grad")  # (complex: refused)
    return _results(ins, got, allow_unused, materialize_grads)


def _results(ins: list[Tensor], got: dict[int, np.ndarray], allow_unused: bool | None,
             materialize_grads: bool) -> tuple[Tensor | None, ...]:
    """grad()'s answer: input i's gradient `got[i]`; an unused input's is an error, None
    (allow_unused) or zeros (materialize_grads)."""
    out: list[Tensor | None] = []
    for i, t in enumerate(ins):
        if i not in got and not allow_unused and not materialize_grads:
            raise RuntimeError(f"autograd.grad: input {i} (shape {tuple(t.data.shape)}) was not "
                               "used in the graph of the outputs; pass allow_unused=True to get "
                               "None for it (materialize_grads=True: zeros)")
        g = got.get(i)
        out.append(Tensor(np.zeros_like(t.data) if g is None and materialize_grads else g)
                   if g is not None or materialize_grads else None)
    return tuple(out)


def _batched(outs: list[Any], ins: list[Tensor], grad_outputs: Any, retain_graph: bool | None,
             allow_unused: bool | None, materialize_grads: bool) -> tuple[Tensor | None, ...]:
    """grad(is_grads_batched=True): grad_output i has shape (B, *outputs[i].shape), and each
    input's gradient (B, *input.shape), row b from the grad_outputs' rows b (torch's vmap
    over one backward; here one backward per row, the graph kept until the last, so a hook
    runs once per row, torch's once). An unused input: None, or with materialize_grads
    zeros of the input's own shape, as torch 2.13's (no batch axis)."""
    if grad_outputs is None:  # (torch's: vmap's "Got in_dim=0 for ... dimensionality 0")
        raise RuntimeError("autograd.grad: is_grads_batched=True needs grad_outputs, one per "
                           "output, of shape (batch, *output.shape)")
    gs = ([grad_outputs] if isinstance(grad_outputs, (Tensor, np.ndarray))
          else list(grad_outputs))
    if len(gs) != len(outs):
        raise ValueError(f"autograd.grad: {len(outs)} outputs but {len(gs)} grad_outputs")
    rows = []
    for i, (o, g) in enumerate(zip(outs, gs)):
        a = None if g is None else np.asarray(g.data if isinstance(g, Tensor) else g)
        shape = getattr(getattr(o, "data", None), "shape", None)
        if a is None or a.ndim == 0 or a.shape[1:] != shape:
            raise RuntimeError(f"autograd.grad: is_grads_batched=True reads the first axis of "
                               f"each grad_output as the batch; grad_output {i} has shape "
                               f"{None if a is None else a.shape}, its output {shape}: give "
                               "(batch, *output.shape)")
        rows.append(a)
    sizes = sorted({a.shape[0] for a in rows})
    if len(sizes) != 1 or sizes[0] == 0:
        raise ValueError(f"autograd.grad: is_grads_batched=True: the grad_outputs' batch sizes "
                         f"are {sizes}; give one batch size of at least 1 for all")
    n = sizes[0]
    each = [grad(outs, ins, [a[b] for a in rows], retain_graph=bool(retain_graph) or b < n - 1,
                 allow_unused=allow_unused or materialize_grads)
            for b in range(n)]
    out: list[Tensor | None] = []
    for j, t in enumerate(ins):
        if each[0][j] is None:
            out.append(Tensor(np.zeros_like(t.data)) if materialize_grads else None)
        else:
            out.append(Tensor(np.stack([r[j].data for r in each])))
    return tuple(out)


from . import function, functional  # noqa: E402 (torch's submodules; they use the above)


def __getattr__(name: str) -> Any:
    # `torch.autograd.gradcheck(fn, inputs)` of a ported custom-Function script said only
    # "module 'tinygrad_dl.autograd' has no attribute 'gradcheck'"
    if name in ("gradcheck", "gradgradcheck"):
        msg = (f"tinygrad_dl.autograd.{name}: not here; use tinygrad_dl.gradcheck.gradcheck(f, "
               "inputs), which returns a report (`.passed`, where torch's returns True), with "
               "f returning a Tensor (a scalar or not) and inputs a list of Tensors")
        # `from torch.autograd import gradcheck` (torch's docs' spelling): Python would say
        # only "cannot import name 'gradcheck'", so there the line is the ImportError
        _absent_name(__name__, msg)
    raise AttributeError(f"module 'tinygrad_dl.autograd' has no attribute {name!r}")
