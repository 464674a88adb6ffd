"""The engine's hooks: how a jit recording and detect_anomaly's checks hear what happens.

Each is an object in a slot of `attached` (per thread, None when off). `active` counts the
slots filled on all threads, so when nothing listens anywhere (the usual case) a hook costs the
engine one read of a module global per op, not a thread-local read. `attach(recorder=...)`
and `attach(anomaly=...)` fill a slot for the duration of a `with` block. The engine calls
`recorder.on_apply` for every op applied, `recorder.on_backward` for every backward (and
`recorder.on_backward_done` when it has stored its gradients), and
`anomaly.forward(ctx, inputs, data, params)` / `anomaly.backward` for every op. tensor/ calls
`recorder.on_tensor_data(t)` when it hands `t.data` to an op as a parameter or to a new
tensor (`tensor.data_of`), and asks `recorder.is_argument(a)` before it casts an array. The
notifications below report what the step's Python does that a replay (which runs no Python
of the step) would not redo. Library
code inside ops reads `.data` directly: its reads are not the step's and are not reported.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np


class _Attached(threading.local):
    recorder: Any = None  # a tinygrad_dl.jit recording in progress
    anomaly: Any = None  # tinygrad_dl.anomaly's checks, inside detect_anomaly()
    transform: str | None = None  # a tinygrad_dl.func transform running its function: its name
    filled: _Filled | None = None  # this thread's count in `active`


class _Filled:
    """A thread's filled slots, counted in `active` while it lives: a thread that ends with a
    slot filled (`set_anomaly_enabled(True)` never switched off) drops its thread-local
    values, this with them, which uncounts them (`active` stayed 1 for good: every op then
    read the thread-local slots and every jit replay took the slow path)."""

    __slots__ = ("__weakref__", "n")

    def __init__(self) -> None:
        self.n = 0

    def __del__(self) -> None:
        global active
        try:
            with _count:
                active -= self.n
        except Exception:  # noqa: BLE001,S110 - at interpreter exit the module's globals may be
            pass  # gone


attached = _Attached()
active = 0  # filled slots, all threads together: 0 means no thread has a hook attached
_count = threading.RLock()  # (reentrant: a thread's _Filled freed while it counts cannot block)


@contextlib.contextmanager
def attach(**hooks: Any) -> Iterator[None]:
    """Inside, on this thread, the engine reports to `recorder=` and/or `anomaly=`, or
    (`transform=` a tinygrad_dl.func transform's name) refuses any backward."""
    unknown = hooks.keys() - {"recorder", "anomaly", "transform"}
    if unknown:
        raise TypeError(f"attach: no hook named {', '.join(sorted(unknown))}")
    before = {k: getattr(attached, k) for k in hooks}
    _fill(hooks)
    mine = weakref.ref(attached.filled)  # (this thread's, not kept alive: see below)
    try:
        yield
    finally:
        # not on another thread: a block left open by a thread that ended (its slots went,
        # uncounted, with it) is closed wherever its generator is freed; that emptied that
        # thread's slots, turning off the checks of a `with detect_anomaly():` open there
        f = mine()
        if f is not None and attached.filled is f:
            _fill(before)


def drop(name: str) -> None:
    """Empty this thread's slot `name`: for a slot that a `with attach(...)` block left
    filled (a KeyboardInterrupt landed in its exit, before its `finally` ran)."""
    _fill({name: None})


def _fill(hooks: dict[str, Any]) -> None:
    """Set the slots, keeping `active` the count of filled ones."""
    global active
    with _count:
        mine = attached.filled
        if mine is None:
            mine = attached.filled = _Filled()
        for k, v in hooks.items():
            n = (v is not None) - (getattr(attached, k) is not None)
            active += n
            mine.n += n
            setattr(attached, k, v)


def refuse_backward() -> None:
    """A backward (Tensor.backward, autograd.grad, autograd.functional.*) inside a function
    that a tinygrad_dl.func transform runs: its gradient would enter the function's result as a
    constant, so the transform's gradient would lack the second-derivative term without a word
    (torch refuses backward() and autograd.functional there; its autograd.grad gives the
    constant unless create_graph=True, which is not here). This thread's only."""
    if active and attached.transform is not None:
        raise RuntimeError(f"backward() or autograd.grad inside a function being transformed by "
                           f"tinygrad_dl.func.{attached.transform}: not supported (no double "
                           "backward here: its gradient would enter as a constant); compute it "
                           "outside the transform")


def recording() -> bool:
    """Is a jit recording in progress on this thread?"""
    return active != 0 and attached.recorder is not None


def notify_read(t: Any, how: str) -> None:
    """A tensor's (or watched array's) value handed to Python: float(t), t.item(), format."""
    if active and attached.recorder is not None:
        attached.recorder.on_read(t, how)


def notify_write(who: str) -> None:
    """One of the project's writers runs (optimizer.step(), load_state_dict, zero_grad)."""
    if active and attached.recorder is not None:
        attached.recorder.on_write(who)


def notify_rebase(t: Any, src: Any, op: str) -> None:
    """A recorded in-place write (tensor/rebase.py) made `t` stand for `src`'s op: the old
    value taking over the written tensor's op, then the written tensor the new op's result."""
    if active and attached.recorder is not None:
        attached.recorder.on_rebase(t, src, op)


def unrecorded() -> contextlib.AbstractContextManager[None]:
    """Inside, a jit recording on this thread hears nothing: the library's scratch work whose
    ops the step's replay needs not (an in-place form's checks on a copy, `h.relu_()`: its
    values come from the recorded write)."""
    return attach(recorder=None) if active and attached.recorder is not None else _NOTHING


_NOTHING = contextlib.nullcontext()


def notify_backward_done() -> None:
    """A backward() has stored its gradients: the step's Python runs again from here (a
    recording checks that it leaves `.grad` as backward left it)."""
    if active and attached.recorder is not None:
        attached.recorder.on_backward_done()


def notify_module(m: Any) -> None:
    """A Module is called: the recording guards its attributes and mode at replay."""
    if active and attached.recorder is not None:
        attached.recorder.on_module(m)


def notify_module_change(m: Any, made: bool = False) -> None:
    """A Module's attribute is about to be assigned or deleted (`model.cache = h`), or, with
    `made`, a Module is being built: a recording fails a step that changes a module made
    before it, also one it reaches only through a dict or an object's attribute."""
    if active and attached.recorder is not None:
        attached.recorder.on_module_change(m, made)


def notify_view(of: np.ndarray, view: np.ndarray) -> None:
    """A plain view of a watched array made by `.view(np.ndarray)` (as `Tensor(X)` does): the
    same memory with the same strides, whatever the layout (jit tells it from a conversion
    such as `np.ascontiguousarray(X)`, which copies or not by the layout)."""
    if active and attached.recorder is not None:
        attached.recorder.on_view(of, view)


def notify_layout(a: np.ndarray) -> None:
    """A call that copies or not by the layout handed back `a`'s memory (`a.astype(dt,
    order="C", copy=False)`): the arguments whose memory it is need their layout guarded."""
    if active and attached.recorder is not None:
        attached.recorder.on_layout(a)


def literal(a: np.ndarray) -> np.ndarray:
    """Mark `a` as made from Python constants and shapes only (`x * 2.0`, `Tensor([1, 2])`, a
    zero initial state): a recording may keep it, where any other array made inside the step
    would be per-step data. Returns `a`."""
    if active and attached.recorder is not None:
        attached.recorder.on_literal(a)
    return a
