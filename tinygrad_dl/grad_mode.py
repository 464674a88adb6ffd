"""Grad mode: whether ops are recorded for backward, per thread, and the context managers and
decorators that switch it (`no_grad`, `enable_grad`, `inference_mode`,
`set_grad_enabled`), as PyTorch's
`torch/autograd/grad_mode.py` keeps them beside its engine. The engine reads `state` on every op.

A decorated function switches the mode per call, so the same function used from two threads
or recursively never restores another call's mode; a decorated generator function runs
each step of its body (every `next`, `send`, `throw` and `close`) in the mode, as torch
does: a plain decorator would only cover making the generator object, not its body.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Generator
from threading import get_ident
from typing import Any

import numpy as np

off = 0  # how many threads have grad mode off now (0: every thread records; see ThreadState)
_count = threading.RLock()  # (reentrant: a token freed while its thread counts cannot block)


class _Off:
    """Held by a thread while its grad mode is off: counted in `off` while it lives. A thread
    that ends with grad mode off drops its thread-local values, this with them."""

    __slots__ = ()

    def __init__(self) -> None:
        global off
        with _count:
            off += 1

    def __del__(self) -> None:
        global off
        try:
            with _count:
                off -= 1
        except Exception:  # noqa: BLE001,S110 - at interpreter exit the module's globals may be
            pass  # gone; a count left high only sends readers to the thread's own value


class ThreadState(threading.local):
    """Per thread: whether ops are recorded (`grad_enabled`) and the innermost name_scope.
    Reading a thread-local value costs a tenth of a microsecond, so the hot paths (every
    recorded op, every replay) read the module's `off` first: while it is 0, no thread has
    grad mode off. Every write of `grad_enabled` goes through its setter, which keeps `off`
    counted (over-counted, never under, between two of its lines)."""

    _on = True
    scope: str | None = None  # innermost name_scope, "layers.0/t=3"; recorded on each op
    inference = False  # inside an inference_mode() block (the innermost's mode)

    @property
    def grad_enabled(self) -> bool:  # record ops for backward?
        return self._on

    @grad_enabled.setter
    def grad_enabled(self, mode: bool) -> None:
        mode = bool(mode)
        if mode == self._on:
            return
        if mode:  # on: recorded as on first, then uncounted
            self._on = True
            del self._off
        else:  # off: counted first
            self._off = _Off()
            self._on = False


state = ThreadState()


def is_grad_enabled() -> bool:
    return off == 0 or state._on


class no_grad:
    """Record nothing inside: `with no_grad(): ...`, `@no_grad()` or bare `@no_grad` (on
    functions, methods and generator functions)."""

    _mode: bool | None = False  # None: leave grad mode as it is (inference_mode(False))
    _inference: bool | None = None  # inference_mode's: is_inference_mode_enabled() inside

    def __new__(cls, *args: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not isinstance(args[0], bool):
            return cls()(args[0])  # bare @no_grad: the wrapped function itself (a method too)
        return super().__new__(cls)

    def __init__(self) -> None:
        # thread id -> a stack of saved modes: one object may be entered again inside, and
        # by two threads at once (`NG = no_grad()` at module level); one shared stack gave a
        # thread the other's saved mode at its exit (grad mode left off, or on, for good)
        self._prev: dict[int, list[bool]] = {}

    def __enter__(self) -> no_grad:
        self._prev.setdefault(get_ident(), []).append(state.grad_enabled)
        if self._mode is not None:
            state.grad_enabled = self._mode
        return self

    def __exit__(self, *exc: object) -> None:
        state.grad_enabled = pop_own(self._prev, type(self).__name__)

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """`@no_grad()`: a wrapper that enters a context of its own per call (per step of a
        generator's body), never this object's shared stack."""
        mode, inference = self._mode, self._inference
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
                return (yield from _each_step_in(mode, func(*args, **kwargs), inference))
            return generator

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _Mode(mode, inference):
                return func(*args, **kwargs)
        return wrapper


class enable_grad(no_grad):
    """Turn recording back on inside a `no_grad` block."""

    _mode = True


class inference_mode(no_grad):
    """PyTorch's `inference_mode()`: here no_grad; `inference_mode(False)` leaves grad mode as
    it is. Each sets what is_inference_mode_enabled() answers inside (False for mode False, as
    torch's), as a `with` block, a decorator and around a generator's steps alike."""

    def __init__(self, mode: bool = True) -> None:
        if not isinstance(mode, (bool, np.bool_)):  # (torch's fails on it too: "no" is truthy)
            raise TypeError(f"inference_mode(mode): mode must be a bool, got "
                            f"{type(mode).__name__} {mode!r}")
        super().__init__()
        self._mode = False if mode else None
        self._inference = bool(mode)
        self._prev_inference: dict[int, list[bool]] = {}  # (per thread, as _prev)

    def __enter__(self) -> inference_mode:
        super().__enter__()
        self._prev_inference.setdefault(get_ident(), []).append(state.inference)
        state.inference = self._inference
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        state.inference = pop_own(self._prev_inference, "inference_mode")


def is_inference_mode_enabled() -> bool:
    """torch.is_inference_mode_enabled: inside an inference_mode() block (not no_grad, not
    inference_mode(False))."""
    return state.inference


class set_grad_enabled(no_grad):
    """PyTorch's `set_grad_enabled(mode)`: sets this thread's grad mode at once, so a call on
    its own switches it for good (`set_grad_enabled(False)` before an evaluation loop), while
    `with set_grad_enabled(phase == "train"):` and `@set_grad_enabled(False)` restore the mode
    from before on leaving (the decorator's own call restores it at once: each call of the
    decorated function sets it, as no_grad's)."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"set_grad_enabled(mode): mode must be a bool, got "
                            f"{type(mode).__name__} {mode!r}")
        super().__init__()
        self._mode = bool(mode)
        self._prev.setdefault(get_ident(), []).append(state.grad_enabled)  # (as torch: now)
        state.grad_enabled = self._mode
        # the thread that made it, whose mode from before is saved: its first `with` uses
        # that (another thread's `with` saves and sets its own: it ran with grad on, then
        # raised at its end, and the maker's own block later left grad off for good). The
        # Thread itself, not its id: a thread started after the maker ended may get its id,
        # and its `with` then ran with grad on
        self._made: threading.Thread | None = threading.current_thread()

    def __enter__(self) -> set_grad_enabled:
        if self._made is threading.current_thread():  # set when made, on this thread
            self._made = None
            return self
        return super().__enter__()  # the same object entered again: saved and set anew

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if self._made is threading.current_thread():  # a decorator: the mode from before,
            self._made = None  # now; each call sets its own
            state.grad_enabled = pop_own(self._prev, "set_grad_enabled")
        return super().__call__(func)


def pop_own(stacks: dict[int, list[Any]], who: str) -> Any:
    """The last item this thread pushed on its stack in `stacks` (keyed by thread id), popped;
    an emptied stack is dropped (a dict item only its own thread touches: no lock needed)."""
    me = get_ident()
    stack = stacks.get(me)
    if stack is None:  # the other thread's state would be left as this block set it
        raise RuntimeError(f"{who}: left on a thread that did not enter it (a generator or "
                           "coroutine resumed on another thread, or left twice?); its state "
                           "is per thread: enter and leave the block on one thread")
    value = stack.pop()
    if not stack:
        del stacks[me]
    return value


class _Mode:
    """Grad mode `mode` and inference mode `inference` (None: as it is) inside, the caller's
    restored after."""

    __slots__ = ("inference", "mode", "prev", "prev_inference")

    def __init__(self, mode: bool | None, inference: bool | None = None) -> None:
        self.mode, self.inference = mode, inference

    def __enter__(self) -> None:
        self.prev, self.prev_inference = state.grad_enabled, state.inference
        if self.mode is not None:
            state.grad_enabled = self.mode
        if self.inference is not None:
            state.inference = self.inference

    def __exit__(self, *exc: object) -> None:
        state.grad_enabled, state.inference = self.prev, self.prev_inference


def _each_step_in(mode: bool | None, gen: Generator[Any, Any, Any],
                  inference: bool | None = None) -> Generator[Any, Any, Any]:
    """`yield from gen`, with every resumption of gen's body run in grad mode `mode` (and
    inference mode `inference`) and the caller's modes in between (what the consumer does with
    a yielded value is its own)."""
    try:
        with _Mode(mode, inference):
            value = gen.send(None)
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                with _Mode(mode, inference):
                    gen.close()
                raise
            except BaseException as e:  # thrown in by the consumer: into gen's body
                with _Mode(mode, inference):
                    value = gen.throw(e)
            else:
                with _Mode(mode, inference):
                    value = gen.send(sent)
    except StopIteration as stop:
        return stop.value
