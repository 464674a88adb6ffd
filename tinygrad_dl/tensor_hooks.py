"""Tensor hooks: PyTorch's `t.register_hook(fn)`, `t.retain_grad()` and
`p.register_post_accumulate_grad_hook(fn)`, what runs when a tensor's gradient is complete.

A tensor's `_retain` slot is False (nothing to do: the engine's one check per op), True
(`retain_grad()` alone) or a `GradHooks` (hooks, and whether to keep `.grad`). When backward
has the whole gradient of such a tensor, the engine calls `arrived` (an op's result: before its
op's backward, which gets what the hooks return) or `leaf` (a leaf: before the gradient is added
into `.grad`). A hook gets the gradient as a Tensor whose array is read-only (it may be another
tensor's gradient too: an add hands one array to both inputs) and returns None or the gradient
to use instead, of the same shape and dtype, as in PyTorch. `RemovableHandle` is what every
`register_*_hook` returns, here and in `nn.Module`.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

_ids = itertools.count()
# a tensor's slot is read, then changed, by add and a handle's removal: two threads doing either
# on one tensor (two autograd.grad calls through a shared op result) lost a hook without it
_slot = threading.RLock()  # (reentrant: a finalizer run inside one may remove a hook)


class RemovableHandle:
    """PyTorch's torch.utils.hooks.RemovableHandle: `remove()` unregisters the hook (twice is
    harmless); as a context manager it removes the hook on leaving the block."""

    __slots__ = ("hooks", "id", "on_remove")

    def __init__(self, hooks: dict[int, Any], on_remove: Callable[[], None] | None = None
                 ) -> None:
        self.hooks, self.id, self.on_remove = hooks, next(_ids), on_remove

    def remove(self) -> None:
        with _slot:  # (add's first=True empties and refills the table)
            fn = self.hooks.pop(self.id, None)
        if fn is not None and self.on_remove is not None:
            self.on_remove()

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class GradHooks:
    """One tensor's hooks (id -> function, in the order registered) and its retain_grad()."""

    __slots__ = ("retain", "hooks", "post")

    def __init__(self, retain: bool) -> None:
        self.retain = retain
        self.hooks: dict[int, Callable[[Any], Any]] = {}
        self.post: dict[int, Callable[[Any], Any]] = {}

    def copy(self) -> GradHooks:
        h = GradHooks(self.retain)
        h.hooks, h.post = dict(self.hooks), dict(self.post)
        return h


def add(t: Any, fn: Any, post: bool = False, first: bool = False) -> RemovableHandle:
    """Register `fn` on tensor `t` (post: after its `.grad` is accumulated; first: before
    the hooks it has, as autograd.grad's capture of an op result is); the handle."""
    who = "register_post_accumulate_grad_hook" if post else "register_hook"
    if not callable(fn):
        raise TypeError(f"{who}: the hook must be callable, got {type(fn).__name__}")
    if not t.requires_grad:
        raise RuntimeError(f"{who}: cannot register a hook on a tensor that does not require "
                           f"grad (shape {tuple(t.data.shape)})")
    if post and t._ctx is not None:
        raise RuntimeError(f"{who}: post-accumulate-grad hooks are for leaf tensors (a "
                           f"{t._ctx.name} result has no .grad to accumulate): use register_hook")
    with _slot:
        h = t._retain
        if type(h) is not GradHooks:
            t._retain = h = GradHooks(h is True)
        table = h.post if post else h.hooks
        ref = weakref.ref(t)  # (not t: a kept handle would keep the tensor, its graph and
        handle = RemovableHandle(table, lambda: _settle(ref(), h))  # parameters' locks alive)
        rest = []
        if first:
            rest = list(table.items())
            table.clear()
        table[handle.id] = fn
        table.update(rest)
    return handle


def _settle(t: Any, h: GradHooks) -> None:
    """After a removal: a tensor left with no hook gets its one-check slot back."""
    with _slot:
        if t is not None and t._retain is h and not h.hooks and not h.post:
            t._retain = h.retain


class Capture:
    """autograd.grad's hook on an op result it was asked for: keeps the gradient as item `i`
    of `into`, for the backward of `pending` alone. A plain hook on the shared tensor also
    heard another thread's autograd.grad through it (a graph kept with retain_graph=True),
    which then returned that thread's gradient."""

    __slots__ = ("i", "into", "pending")

    def __init__(self, pending: Any, into: dict[int, np.ndarray], i: int) -> None:
        self.pending, self.into, self.i = pending, into, i

    def __call__(self, g: Any) -> None:
        self.into[self.i] = np.array(g.data)


def mark() -> int:
    """An id above that of every hook registered so far, here and on modules (jit tells a
    hook its step found from one the step's own Python registered)."""
    return next(_ids)


def ids(h: Any) -> tuple[int, ...]:
    """The ids of the hooks in a tensor's slot (`_retain`): none for retain_grad() alone."""
    return (*h.hooks, *h.post) if type(h) is GradHooks else ()


def retain(t: Any) -> None:
    """retain_grad(): keep `.grad` on `t`, an op's result (a leaf keeps it anyway)."""
    if not t.requires_grad:  # (torch's: it would never get a gradient to keep)
        raise RuntimeError(f"retain_grad: the tensor (shape {tuple(t.data.shape)}) does not "
                           "require grad, so it never gets a .grad to keep")
    if t._ctx is None:
        return  # (as torch: a no-op; a replayed step's guard reads the slot of parameters)
    h = t._retain
    if type(h) is GradHooks:
        h.retain = True
    else:
        t._retain = True


def retains(t: Any) -> bool:
    """PyTorch's `t.retains_grad`: an op's result whose retain_grad() was called."""
    h = t._retain
    return t._ctx is not None and (h is True or (type(h) is GradHooks and h.retain))


def arrived(pending: Any, t: Any, g: np.ndarray) -> np.ndarray:
    """The complete gradient `g` of `t`, an op's result: its hooks' result, kept in `.grad`
    if retain_grad() asked (as torch, the hooks run first, whatever the order of the calls)."""
    h = t._retain
    if type(h) is GradHooks:  # (read once: the engine's check read the slot before another
        g = _run(t, g, h, pending)  # thread's autograd.grad removed its capture, _settle)
        if not h.retain:
            return g
        pending.store(t, t, g.copy())  # (a hook may have kept the array: `.grad` gets a copy)
        return g
    if h:  # retain_grad() alone (False: the hooks went since the caller's check)
        pending.store(t, t, g)
    return g


def leaf(pending: Any, t: Any) -> None:
    """The complete gradient of leaf `t` through its hooks, into `.grad`, then its
    post-accumulate-grad hooks (only when it got a gradient, as torch)."""
    h = t._retain
    if type(h) is not GradHooks:
        pending.store(t, t)
        return
    g = pending.pop(t)
    if g is None:
        return
    g = _run(t, g, h)  # a hook may have kept the array it saw: `.grad` gets a copy, or the
    pending.store(t, t, g.copy() if h.hooks else g)  # next `.grad += g` would change it
    for fn in list(h.post.values()):
        if fn(t) is not None:  # (torch raises too: a returned gradient would be dropped)
            raise RuntimeError(f"register_post_accumulate_grad_hook: the hook {_name(fn)} "
                               "returned a value; it must return None (change p.grad in "
                               "place, or use register_hook to replace the gradient)")


def through(t: Any, g: np.ndarray) -> np.ndarray:
    """`g` through the hooks of `t` (autograd.grad: a leaf's gradient, returned, not stored)."""
    h = t._retain
    return _run(t, g, h) if type(h) is GradHooks else g


def _run(t: Any, g: np.ndarray, h: GradHooks, pending: Any = None) -> np.ndarray:
    # another backward's captures (a thread's autograd.grad through a shared graph) are not
    # this one's hooks: with them counted, this pass's gradient was cast, its bits then hanging
    # on whether the other thread was inside its grad() at that moment
    fns = [fn for fn in list(h.hooks.values()) if type(fn) is not Capture or fn.pending is pending]
    dtype = t.data.dtype
    if fns and g.dtype != dtype and dtype.kind == "f":  # a float32 tensor used with
        g = g.astype(dtype)  # float64: its gradient in its own dtype, as torch's hooks see it
    for fn in fns:
        seen = g.view()  # (not g: another tensor's gradient may be the same array)
        seen.flags.writeable = False
        try:
            out = fn(type(t).from_result(seen if type(seen) is np.ndarray
                                         else seen.view(np.ndarray)))
        except ValueError as e:
            if "read-only" not in str(e):
                raise
            raise RuntimeError(f"register_hook: the hook {_name(fn)} wrote into the gradient "
                               "it was given, which may be another tensor's gradient too; "
                               "return a new one instead (return grad * 2)") from None
        if out is None:
            continue
        a = out.data if isinstance(out, type(t)) else out
        if not isinstance(a, np.ndarray):
            raise TypeError(f"register_hook: the hook {_name(fn)} returned a "
                            f"{type(out).__name__}; return a Tensor (or None to keep the "
                            "gradient)")
        if a.shape != g.shape or a.dtype != g.dtype:
            raise RuntimeError(f"register_hook: the hook {_name(fn)} returned a gradient of "
                               f"shape {a.shape} {a.dtype} for a tensor of shape "
                               f"{tuple(g.shape)} {g.dtype}; return one of that shape and "
                               "dtype")
        g = np.array(a)  # a copy: the accumulator may add into it; the hook's may be kept
    return g


def _name(fn: Any) -> str:
    return repr(getattr(fn, "__qualname__", None) or type(fn).__name__)
