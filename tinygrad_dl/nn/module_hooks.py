"""nn.Module's hooks, PyTorch's: `register_forward_pre_hook`, `register_forward_hook`,
`register_full_backward_pre_hook` and `register_full_backward_hook`, each returning a handle
whose `remove()` unregisters it (tensor_hooks.RemovableHandle).

A module with no hook pays one attribute read per call (`_hooks`, None on the class). With
forward hooks, `call` runs them around `forward`; with backward hooks it puts an identity op
(`HookIn`) on each positional input that requires grad and one (`HookOut`) on each output, as
PyTorch's BackwardHook does. Their backward sends a deferred gradient term (`HookTerm`) to the
tensor they wrap: the engine sums a key's deferred terms only when every op that sends it a
gradient has run, and by then every identity of the call has reported, so the hooks see all of
grad_output, then all of grad_input, at once, and what they return is what flows on.
A jit recording refuses a module with hooks (a replay runs no Python of the step).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import numpy as np

from ..engine import Function, is_grad_enabled
from ..tensor import Tensor
from ..tensor_hooks import RemovableHandle


class ModuleHooks:
    """A module's hooks by kind: handle id -> (function, with_kwargs, always_call)."""

    __slots__ = ("forward_pre", "forward", "backward_pre", "backward")

    def __init__(self) -> None:
        self.forward_pre: dict[int, tuple[Callable[..., Any], bool, bool]] = {}
        self.forward: dict[int, tuple[Callable[..., Any], bool, bool]] = {}
        self.backward_pre: dict[int, tuple[Callable[..., Any], bool, bool]] = {}
        self.backward: dict[int, tuple[Callable[..., Any], bool, bool]] = {}

    def __bool__(self) -> bool:
        return bool(self.forward_pre or self.forward or self.backward_pre or self.backward)


class HookMethods:
    """The registration methods of nn.Module (a mixin: Module's own file stays its core)."""

    _hooks: ModuleHooks | None = None  # (set on the instance by the first registration)

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """`hook(module, args)` before forward; it may return new args (a tuple, or one
        value). With with_kwargs: `hook(module, args, kwargs)` returning None or (args,
        kwargs)."""
        return _register(self, "forward_pre", hook, prepend, with_kwargs, False)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """`hook(module, args, output)` after forward; it may return a new output. With
        with_kwargs: `hook(module, args, kwargs, output)`; always_call: it also runs (with
        output None) when forward raises."""
        return _register(self, "forward", hook, prepend, with_kwargs, always_call)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False
                                        ) -> RemovableHandle:
        """`hook(module, grad_output)` when the gradients of the outputs are complete; it may
        return a new grad_output (a tuple, one entry per output tensor)."""
        return _register(self, "backward_pre", hook, prepend, False, False)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False
                                    ) -> RemovableHandle:
        """`hook(module, grad_input, grad_output)` when the gradients of the positional
        inputs are complete (None for an input that needs none); it may return a new
        grad_input."""
        return _register(self, "backward", hook, prepend, False, False)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        raise RuntimeError(f"{type(self).__name__}.register_backward_hook (deprecated in "
                           "PyTorch: its grad_input is that of forward's last op) is not "
                           "provided: use register_full_backward_hook")


def _register(m: Any, kind: str, hook: Any, prepend: bool, with_kwargs: bool,
              always_call: bool) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"{type(m).__name__}.register_{kind}_hook: the hook must be callable, "
                        f"got {type(hook).__name__}")
    d = m.__dict__
    hooks = d.get("_hooks")
    if hooks is None:
        hooks = d["_hooks"] = ModuleHooks()
    table = getattr(hooks, kind)
    handle = RemovableHandle(table, lambda: _changed(m))
    entry = (hook, bool(with_kwargs), bool(always_call))
    if prepend:
        rest = list(table.items())
        table.clear()
        table[handle.id] = entry
        table.update(rest)
    else:
        table[handle.id] = entry
    _changed(m)
    return handle


def _changed(m: Any) -> None:
    m.__dict__["_version"] += 1  # a jit step recorded with the old hooks is out of date


def call(m: Any, run: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
         ) -> Any:
    """Module.__call__ of a module with hooks: `run(*args, **kwargs)` is its forward. As
    torch's: when a pre-hook, forward or a forward hook raises, the always_call forward hooks
    not run yet run (with the output so far, None if forward raised), then the error goes on."""
    hooks = m._hooks
    out, called = None, set()
    # (the backward hooks of this call are those there before its pre-hooks ran: torch's)
    bw_hooks = [fn for fn, _, _ in hooks.backward_pre.values()], [
        fn for fn, _, _ in hooks.backward.values()]
    try:
        for fn, with_kwargs, _ in list(hooks.forward_pre.values()):
            if with_kwargs:
                new = fn(m, args, kwargs)
                if new is not None:
                    if not (isinstance(new, tuple) and len(new) == 2
                            and isinstance(new[1], dict)):
                        raise RuntimeError(f"forward pre-hook {_name(fn)} with with_kwargs=True "
                                           "must return None or (args, kwargs), got "
                                           f"{type(new).__name__}")
                    # (a list of args is unpacked, as torch's; one value is the one arg)
                    args = tuple(new[0]) if isinstance(new[0], (tuple, list)) else (new[0],)
                    kwargs = new[1]
            else:
                new = fn(m, args)
                if new is not None:
                    args = new if isinstance(new, tuple) else (new,)
        backward = None
        if (bw_hooks[0] or bw_hooks[1]) and is_grad_enabled():
            backward = BackwardCall(m, *bw_hooks)
            args = backward.wrap_inputs(args)
        out = run(*args, **kwargs)
        for key, (fn, with_kwargs, always) in list(hooks.forward.items()):
            if always:
                called.add(key)
            new = fn(m, args, kwargs, out) if with_kwargs else fn(m, args, out)
            if new is not None:
                out = new
    except Exception:
        for key, (fn, with_kwargs, always) in list(hooks.forward.items()):
            if always and key not in called:  # (torch's: an error of its own only warned)
                try:
                    new = fn(m, args, kwargs, out) if with_kwargs else fn(m, args, out)
                    if new is not None:
                        out = new
                except Exception as e:  # noqa: BLE001 - the first error is the one raised
                    warnings.warn(f"forward hook {_name(fn)} (always_call) raised {e!r} after "
                                  "another error in the module's call", RuntimeWarning,
                                  stacklevel=3)
        raise
    return out if backward is None else backward.wrap_outputs(out)


def _name(fn: Any) -> str:
    return repr(getattr(fn, "__qualname__", None) or type(fn).__name__)


# ---- full backward hooks ----------------------------------------------------------------
class BackwardCall:
    """One call of a module with backward hooks: the gradients its identities report. Its
    hooks are those registered when the call began (torch's: one removed later still runs)."""

    def __init__(self, m: Any, pre: list[Any], post: list[Any]) -> None:
        self.module, self.pre, self.post = m, pre, post
        self.n_in = self.n_out = 0
        self.wrapped_in = self.skip = False
        self.hooked: dict[str, set[int]] = {"in": set(), "out": set()}  # (wrapped positions)
        self.zeros: dict[int, tuple[tuple[int, ...], Any]] = {}  # tensor inputs: shape, dtype
        self.reset()

    def reset(self) -> None:
        self.grad_in: dict[int, np.ndarray] = {}
        self.grad_out: dict[int, np.ndarray] = {}
        self.given_in: tuple[Any, ...] | None = None  # what flows on, once the hooks ran
        self.given_out: tuple[Any, ...] | None = None

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        self.n_in = len(args)
        out = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):  # (its zeros, if it gets no gradient: torch's)
                self.zeros[i] = (a.data.shape, a.data.dtype)
                if a.requires_grad:
                    a = HookIn.apply(a, call=self, index=i)
                    self.wrapped_in = True
                    self.hooked["in"].add(i)
            out.append(a)
        return tuple(out)

    def wrap_outputs(self, out: Any) -> Any:
        single = isinstance(out, Tensor)
        items = [out] if single else list(out) if isinstance(out, (tuple, list)) else None
        if items is None:  # (a dict, a custom object): torch's hooks do not run, it warns
            warnings.warn(f"{type(self.module).__name__}: its full backward hooks run only when "
                          "forward returns a Tensor or a tuple of them, got "
                          f"{type(out).__name__}: they will not run for this call (as torch's)",
                          UserWarning, stacklevel=4)
            self.skip = True  # (the inputs' gradients flow on as they come)
            return out
        for k, t in enumerate(items):  # grad_output by position, None at a non-tensor (an
            if isinstance(t, Tensor) and t.requires_grad:  # LSTM's (h, c)): torch's
                items[k] = HookOut.apply(t, call=self, index=k)
                self.hooked["out"].add(k)
        self.n_out = len(items)
        if single:
            return items[0]
        # (a namedtuple, as torch keeps it, is made from its fields, not from one list)
        return type(out)(*items) if hasattr(out, "_fields") else type(out)(items)

    def _hooked(self, grads: tuple[Any, ...], new: Any, fn: Any, what: str) -> tuple[Any, ...]:
        """A hook's returned tuple in place of `grads`, checked entry by entry."""
        if not isinstance(new, (tuple, list)) or len(new) != len(grads):
            raise RuntimeError(f"backward hook {_name(fn)} of {type(self.module).__name__} "
                               f"returned {type(new).__name__} for {what}: return None or a "
                               f"tuple of {len(grads)} (Tensors or None)")
        out = []
        side, reached = ("in", self.grad_in) if what == "grad_input" else ("out", self.grad_out)
        for i, (g, n) in enumerate(zip(grads, new)):
            a = n.data if isinstance(n, Tensor) else n
            if (i in self.hooked[side] and i not in reached and isinstance(a, np.ndarray)
                    and np.any(a != 0)):  # (it was dropped without a word: torch's flows on)
                raise RuntimeError(
                    f"backward hook {_name(fn)} of {type(self.module).__name__} returned a "
                    f"nonzero {what}[{i}], but no gradient reached that {side}put in this "
                    "backward, so it cannot flow on from here: return None or zeros there, "
                    "or add that gradient in a hook of a tensor the loss depends on")
            if a is not None and g is not None and (not isinstance(a, np.ndarray)
                                                     or a.shape != g.shape):
                raise RuntimeError(f"backward hook {_name(fn)} of {type(self.module).__name__} "
                                   f"returned a {what} entry of shape "
                                   f"{getattr(a, 'shape', type(a).__name__)} for one of shape "
                                   f"{g.shape}")
            out.append(None if a is None else np.array(a, dtype=None if g is None else g.dtype))
        return tuple(out)

    def outputs(self) -> tuple[Any, ...]:
        """grad_output after the backward pre-hooks (they run once, at the first request);
        where no input needs a gradient, the backward hooks run here too, as torch's."""
        if self.given_out is None:
            grads = tuple(self.grad_out.get(j) for j in range(self.n_out))
            try:
                for fn in self.pre:
                    new = fn(self.module, _seen(grads))
                    if new is not None:
                        grads = self._hooked(grads, new, fn, "grad_output")
            except Exception:  # a hook raised: this round's gradients must not be seen by
                self.reset()  # the next backward (retain_graph) as if they were its own
                raise
            self.given_out = grads
            if not self.wrapped_in:
                none = (None,) * self.n_in
                for fn in self.post:
                    new = fn(self.module, none, _seen(grads))
                    if new is not None and not (isinstance(new, tuple)
                                                and all(n is None for n in new)):
                        raise RuntimeError(f"backward hook {_name(fn)}: no input of "
                                           f"{type(self.module).__name__} needs a gradient, so "
                                           "it must return None (or all None, as torch)")
        return self.given_out

    def inputs(self) -> tuple[Any, ...]:
        """grad_input after the backward hooks (they run once, at the first request)."""
        if self.skip or (self.given_out is None and not self.grad_out):  # (none came through
            # an output this backward, a dict's tensor, a side path: torch's hooks do not run)
            return tuple(self.grad_in.get(i) for i in range(self.n_in))
        if self.given_in is None:  # (every tensor input has one, zeros if none came: torch's)
            zeros = self.zeros
            grads = tuple(self.grad_in[i] if i in self.grad_in else
                          np.zeros(*zeros[i]) if i in zeros else None for i in range(self.n_in))
            for fn in self.post:
                new = fn(self.module, _seen(grads), _seen(self.outputs()))
                if new is not None:
                    grads = self._hooked(grads, new, fn, "grad_input")
            self.given_in = grads
        return self.given_in


def _seen(grads: tuple[Any, ...]) -> tuple[Any, ...]:
    """Gradients as a hook sees them: Tensors of read-only views (one array may be another
    tensor's gradient too), None where there is none."""
    out = []
    for g in grads:
        if g is not None:
            g = g.view()
            g.flags.writeable = False
            g = Tensor(g)
        out.append(g)
    return tuple(out)


class HookTerm(tuple):
    """A gradient the engine adds in when its key is complete (`defers`): `HookTerm((call,
    side, index, shape, dtype))`, the hooked gradient of input or output `index` of `call`."""

    __slots__ = ()
    shape = property(itemgetter(3))
    defers = True
    passes_on = True  # g as it came (anomaly mode: nothing to check, and no early total)

    def add_to(self, pending: Any, key: Any) -> None:
        pending.deferred.setdefault(key, []).append(self)

    @staticmethod
    def total(terms: list[HookTerm]) -> np.ndarray:
        out = None
        for call, side, index, _, _ in terms:
            g = (call.inputs() if side == "in" else call.outputs())[index]
            if g is not None:
                out = g.copy() if out is None else out + g
        return out  # None: every entry None (a hook returned None for it): no gradient, torch's


class HookIn(Function):
    """Identity on an input of a module with backward hooks: reports its gradient."""

    side = "in"

    def forward(ctx, x, call=None, index=0):
        ctx.call, ctx.index = call, index
        return x.view()

    def backward(ctx, g):
        call = ctx.call
        # a second backward (retain_graph): a new round (an output's identity runs before
        # any input's in a round; an input's after a round's end: none came via an output)
        if call.given_in is not None if ctx.side == "in" else (
                call.given_out is not None or call.grad_in):
            call.reset()
        (call.grad_in if ctx.side == "in" else call.grad_out)[ctx.index] = g
        return HookTerm((call, ctx.side, ctx.index, g.shape, g.dtype))


class HookOut(HookIn):
    """Identity on an output of a module with backward hooks: reports its gradient."""

    side = "out"


def drop_hook(m: Any, kind: str, key: int) -> None:
    """Unregister the hook with handle id `key` of `kind` ("forward_pre", ...): what its
    handle's remove() does, for code that found the hook in the table (torch's `del
    module._forward_pre_hooks[key]`, nn.utils.prune's)."""
    del getattr(m._hooks, kind)[key]
    _changed(m)
