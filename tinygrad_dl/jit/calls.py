"""What the step's Python runs beyond its own function, heard while a call is recorded.

`bindings.bindings` reads the step's own code (and its module's helpers it names). The step
also calls code `bindings` cannot name: a Module's `forward` of a notebook's class that reads
a notebook global (`LAMBDA`) or `self.cfg["lam"]`, a helper of another module of the user's
(`other.f` reading `other.K`). `StepCalls` is a profile hook (`sys.setprofile`) on the
recording thread during the recorded call: each function of the user's own code that runs
(not this package's, the standard library's or an installed package's: `bindings.user_code`)
is noted with its globals and, for a method, its object (not a user's op's: replay runs
those), so that the globals it reads and
the paths it takes into its object are guarded as the step's own are (`bindings`). It also
notes a draw from a random stream by the user's Python (Python's `random`, NumPy's global
stream `np.random.rand`; a NumPy `Generator`'s methods run unheard), whose decision a replay
would freeze and whose stream it would not advance: such a step is refused (runs eagerly with
a warning). A profiler already set (a cProfile run) is called on as before.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from ..engine import Function
from .bindings import STREAMS, attribute_reads, entries, read_globals, user_code


class StepCalls:
    """The profile hook of one recorded call (see the module's docstring)."""

    __slots__ = ("step", "prev", "user", "calls", "drew", "legacy", "ops")

    def __init__(self, step: Any, prev: Any) -> None:
        self.step = step  # the step's own code object (bindings reads it already)
        self.prev = prev  # a profiler that was set: called on
        self.user: dict[Any, bool] = {}  # code -> is it the user's
        self.calls: dict[tuple[Any, int], tuple[Any, dict[str, Any], Any]] = {}
        self.drew: str | None = None  # the first draw by the user's Python, named
        # NumPy's global stream (np.random.rand, np.random.seed): its methods run in C
        # unheard (as a Generator's do), but this package never draws from it, so a change
        # over the call is a draw (or a seed) by the step's Python
        self.legacy = _legacy_state()
        self.ops: set[Any] = set()  # the code of a user's op's methods (replay runs them)

    def finish(self) -> None:
        """After the call, or before an op's method: did NumPy's global stream move since
        the call began or since the last op's method returned?"""
        if self.drew is None and _legacy_state() != self.legacy:
            self.drew = "NumPy's global stream, np.random.*"

    def __call__(self, frame: Any, event: str, arg: Any) -> None:
        if self.prev is not None:
            self.prev(frame, event, arg)
        if event == "call":
            code = frame.f_code
            user = self.user.get(code)
            if user is None:
                user = self.user[code] = code is not self.step and user_code(
                    code.co_filename, frame.f_globals.get("__name__"))
                if user and code.co_argcount and isinstance(
                        frame.f_locals.get(code.co_varnames[0]), Function):  # a user's op:
                    self.user[code] = user = False  # replay runs its methods too
                    self.ops.add(code)
            if code in self.ops:  # its draws from NumPy's global stream are replayed: the
                self.finish()  # stream as it is when it returns is the one to compare with
            elif user:
                obj = _method_self(code, frame)
                key = (code, id(obj))
                if key not in self.calls:
                    self.calls[key] = (code, frame.f_globals, obj)
        elif event == "return" and frame.f_code in self.ops:
            self.legacy = _legacy_state()
        elif event == "c_call" and self.drew is None:
            owner = getattr(arg, "__self__", None)
            if isinstance(owner, STREAMS) and not str(frame.f_globals.get(
                    "__name__")).startswith("tinygrad_dl"):
                self.drew = f"{type(owner).__name__}.{getattr(arg, '__name__', '?')}"

    def bindings(self) -> list[tuple[Any, Any, Any, str]]:
        """(box, key, obj, what) of what the user's functions that ran read: each global
        they load (a module's entries on the paths they take), each path into a method's
        object (`self.cfg["lam"]`, a number `self.scale` its class holds)."""
        out: list[tuple[Any, Any, Any, str]] = []
        for code, g, obj in self.calls.values():
            where = getattr(code, "co_qualname", code.co_name)  # (3.10: no co_qualname)
            owner = types.SimpleNamespace(__module__=g.get("__name__"))
            reads = attribute_reads(code)
            for name in sorted(read_globals(code)):
                if name not in g:  # (a builtin)
                    continue
                v = g[name]
                if type(v) is not types.ModuleType:
                    out.append((g, name, v, f"the global {name} read by {where}"))
                out.extend(entries(v, reads.get(("g", name), ()), name, owner))
            if obj is not None:
                out.extend(entries(obj, reads.get(("l", code.co_varnames[0]), ()),
                                   f"{where}'s {code.co_varnames[0]}", owner))
        return out


def _legacy_state() -> tuple[Any, ...]:
    name, key, pos, has_gauss, gauss = np.random.get_state()
    return name, key.tobytes(), pos, has_gauss, gauss


def _method_self(code: Any, frame: Any) -> Any:
    """The object a method runs on (its first argument, when the function with this code is
    found on that object's class: `self` of `forward`), else None."""
    if not code.co_argcount:
        return None
    obj = frame.f_locals.get(code.co_varnames[0])
    if obj is None:
        return None
    for c in obj.__mro__ if isinstance(obj, type) else type(obj).__mro__:
        f = c.__dict__.get(code.co_name)
        f = getattr(f, "__func__", getattr(f, "fget", f))  # (a classmethod's, a property's)
        if getattr(f, "__code__", None) is code:
            return obj
    return None
