"""What the step's Python runs beyond its own function, heard while a call is recorded.

`bindings.bindings` reads the step's own code (and its module's helpers it names). The step
also calls code `bindings` cannot name: a Module's `forward` of a notebook's class that reads
a notebook global (`LAMBDA`) or `self.cfg["lam"]`, a helper of another module of the user's
(`other.f` reading `other.K`). `StepCalls` is a profile hook (`sys.setprofile`) on the
recording thread during the recorded call: each function of the user's own code that runs
(not this package's, the standard library's or an installed package's: `bindings.user_code`)
is noted with its globals and what its parameters and free variables hold (not a user's
op's, nor what an op's method calls: replay runs those), so that the globals it reads and
the paths it takes into those (`self.cfg["lam"]`, `cfg["lam"]` of a helper passed `self.cfg`)
are guarded as the step's own are (`bindings`). It also notes a draw from a random stream
by the user's Python (Python's `random`, NumPy's global stream `np.random.rand`; a NumPy
`Generator`'s methods run unheard), whose decision a replay would freeze and whose stream it
would not advance, and a write by the step's Python, between ops, into an array made before
the step (`Yoh[rows, y] = 1`, then `Tensor(Yoh)`), which replay would not redo: the recording
refuses such a step (it runs eagerly with a warning). An op's own work (`Function.apply`, a
user's op's methods, and what they call: BatchNorm's running means) is replayed, so not
counted. A profiler already set is called on as before (a C profiler, cProfile's before
3.12, is paused over the call instead: `Recording.call`).
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from ..autograd import FunctionCtx
from ..engine import Function
from ..tensor import Tensor
from .bindings import STREAMS, attribute_reads, entries, read_globals, user_code
from .opcodes import unread

_ABSENT = object()


class StepCalls:
    """The profile hook of one recorded call (see the module's docstring)."""

    __slots__ = ("step", "prev", "user", "codes", "calls", "unread", "drew", "legacy", "ops",
                 "inside", "buffers", "written", "user_ops", "exact", "params")

    def __init__(self, step: Any, prev: Any,
                 buffers: dict[int, tuple[np.ndarray, bytes]] | None = None,
                 exact: bool = False,
                 params: dict[int, tuple[np.ndarray, bytes]] | None = None) -> None:
        self.step = step  # the step's own code object (bindings reads it already)
        self.prev = prev  # a profiler that was set: called on
        self.user: dict[Any, bool] = {}  # code -> is it the user's
        # code of the user's that ran -> (its globals, its parameters and free variables the
        # code reads into, the paths it takes: `attribute_reads`); (code, name, id) -> what
        # such a name held
        self.codes: dict[Any, tuple[dict[str, Any], tuple[str, ...], Any]] = {}
        self.calls: dict[tuple[Any, str, int], Any] = {}
        self.unread: str | None = None  # an instruction of theirs the guards cannot read
        self.drew: str | None = None  # the first draw by the user's Python, named
        # NumPy's global stream (np.random.rand, np.random.seed): its methods run in C
        # unheard (as a Generator's do), but this package never draws from it, so a change
        # over the call is a draw (or a seed) by the step's Python
        self.legacy = _legacy_state()
        # the code of ops' methods, whose work replay redoes: Function.apply (an op's forward,
        # from the step's Python), a user's op's forward and backward
        self.ops: set[Any] = {_APPLY}
        self.inside = 0  # how many of those are running: what they run, replay runs too
        # arrays made before the step (a buffer it names, the last recording's constants):
        # id -> (the array, its values as last seen between ops); `written`: the ids of those
        # the step's Python changed (between ops, not inside one: BatchNorm's running means)
        self.buffers = {} if buffers is None else buffers
        self.written: set[int] = set()
        # a parameter's array (a Tensor with grad it reaches): its values as the call began,
        # compared once, at the end (`Recording.finish`), not between ops: replay redoes no
        # write into a parameter, whoever makes it (param_arrays refuses one after an op's read)
        self.params = {} if params is None else params
        self.user_ops = False  # did a user's op's method run (it may draw from the stream)
        self.exact = exact  # compare the stream op by op (the last recording ran a user's op)

    def finish(self, end: bool = False) -> None:
        """Before an op's method, or at the `end` of the call: did a buffer, or NumPy's global
        stream, change since the call began or since the last op's method returned? The
        stream is compared op by op only where the last recording saw a user's op run
        (`exact`: its forward may draw from it, which replay redoes; this package's ops never
        do), else over the whole call, judged where no user's op ran (a second recording
        then judges op by op: a step replays only after two)."""
        if self.drew is None and (self.exact or end and not self.user_ops) and (
                _legacy_state() != self.legacy):
            self.drew = "NumPy's global stream, np.random.*"
        for k, (a, seen) in self.buffers.items():
            now = fingerprint(a)
            if now != seen:
                self.written.add(k)
                self.buffers[k] = (a, now)

    def resume(self) -> None:
        """After an op's method returned: what it changed, replay changes too."""
        if self.exact:
            self.legacy = _legacy_state()
        for k, (a, _) in self.buffers.items():
            self.buffers[k] = (a, fingerprint(a))

    def __call__(self, frame: Any, event: str, arg: Any) -> None:
        if self.prev is not None:
            self.prev(frame, event, arg)
        if event == "call":
            code = frame.f_code
            user = self.user.get(code)
            if user is None:
                user = self.user[code] = code is not self.step and user_code(
                    code.co_filename, frame.f_globals.get("__name__"))
                if user and code.co_argcount and isinstance(frame.f_locals.get(
                        code.co_varnames[0]), (Function, FunctionCtx)):  # a user's op (an
                    self.user[code] = user = False  # autograd.Function's `ctx` too): replay
                    self.ops.add(code)  # runs its methods
            if code in self.ops:  # an op's method: what it does (draws, writes), replay does
                if code is not _APPLY:
                    self.user_ops = True
                if not self.inside:  # what the step's Python did since the last op returned
                    self.finish()
                self.inside += 1
            elif user and not self.inside:  # (a helper an op's forward calls: replayed too)
                seen = self.codes.get(code)
                if seen is None:
                    if self.unread is None:  # (an untested Python's: see opcodes)
                        self.unread = unread(code)
                    reads = attribute_reads(code)
                    n = code.co_argcount + code.co_kwonlyargcount
                    seen = self.codes[code] = (frame.f_globals, tuple(
                        v for v in (*code.co_varnames[:n], *code.co_freevars)
                        if ("l", v) in reads), reads)
                    g = frame.f_globals
                    for name in read_globals(code):  # (a builtin: absent)
                        self.watch(g.get(name), reads.get(("g", name), ()), top=True)
                if seen[1]:  # what each such name holds at this call: `self` of a method
                    # (one a decorator wraps, or bound under another name), `cfg` of a helper
                    # it is passed to (`pen(self.w, self.cfg)`, a partial's), a lambda's cell
                    local = frame.f_locals
                    for v in seen[1]:
                        obj = local.get(v, _ABSENT)
                        if obj is not _ABSENT and (code, v, id(obj)) not in self.calls:
                            self.calls[(code, v, id(obj))] = obj
                            self.watch(obj, seen[2][("l", v)])
        elif event == "return" and frame.f_code in self.ops:
            self.inside -= 1
            if not self.inside:
                self.resume()
        elif event == "c_call" and self.drew is None and not self.inside:
            owner = getattr(arg, "__self__", None)
            if isinstance(owner, STREAMS) and not str(frame.f_globals.get(
                    "__name__")).startswith("tinygrad_dl"):
                self.drew = f"{type(owner).__name__}.{getattr(arg, '__name__', '?')}"

    def watch(self, obj: Any, paths: Any, top: bool = False) -> None:
        """Note the values of the arrays a user's function reaches on the `paths` it takes
        into `obj` (`self.Yoh` of a Module's method; `obj` itself, a `top` global: a helper
        module's `BUF`) as it is called, before it runs: `bindings` names them only after
        the call, so a write into one by the first recorded call went unheard, and a second
        call writing the same values (the same labels in a one-hot buffer) changed nothing
        to hear: replay read them stale. Plain dicts, lists and `__dict__`s only (no
        property or `__getattr__` runs)."""
        found = [obj] if top else []
        for path in paths:
            at = obj
            for k in path:
                at = _peek(at, k)
                if type(at) is np.ndarray or isinstance(at, Tensor):  # (a Tensor: its array)
                    found.append(at)
                    break
        note(found, self.buffers, self.params)

    @staticmethod
    def _globals(code: Any, g: dict[str, Any], reads: Any) -> list[tuple[Any, Any, Any, str]]:
        """(box, key, obj, what) of each global `code` loads and the paths it takes into it."""
        out: list[tuple[Any, Any, Any, str]] = []
        where = getattr(code, "co_qualname", code.co_name)  # (3.10: no co_qualname)
        for name in sorted(read_globals(code)):
            if name not in g:  # (a builtin)
                continue
            v = g[name]
            if type(v) is not types.ModuleType:
                out.append((g, name, v, f"the global {name} read by {where}"))
            out.extend(entries(v, reads.get(("g", name), ()), name, _owner(g)))
        return out

    def bindings(self) -> list[tuple[Any, Any, Any, str]]:
        """(box, key, obj, what) of what the user's functions that ran read: each global
        they load (a module's entries on the paths they take), each path into what their
        parameters and free variables held (`self.cfg["lam"]`, a number `self.scale` its
        class holds, `cfg["lam"]` of a helper passed `self.cfg`)."""
        out: list[tuple[Any, Any, Any, str]] = []
        for code, (g, _, reads) in self.codes.items():
            out.extend(self._globals(code, g, reads))
        for (code, name, _), obj in self.calls.items():
            if hasattr(type(obj), "__next__"):  # an iterator the step may have made itself
                continue  # (`f(zip(a, b))`, a generator expression's `.0`: not refused)
            where = getattr(code, "co_qualname", code.co_name)
            g, _, reads = self.codes[code]
            out.extend(entries(obj, reads[("l", name)], f"{where}'s {name}", _owner(g)))
        return out


_APPLY = Function.__dict__["apply"].__func__.__code__
WATCHED = 1 << 20  # (bytes: a larger buffer is not compared between ops; see docs/jit.md)


def _peek(obj: Any, k: Any) -> Any:
    """obj[k] of a dict or a list, obj.k of its `__dict__`, without running the user's code;
    None where there is none."""
    if isinstance(obj, dict):
        return dict.get(obj, k) if type(obj).get is dict.get else None
    if isinstance(obj, (list, tuple)):  # (list's own: a subclass's __getitem__ not run)
        kind = list if isinstance(obj, list) else tuple
        n = kind.__len__(obj)
        return kind.__getitem__(obj, k) if type(k) is int and -n <= k < n else None
    try:
        d = object.__getattribute__(obj, "__dict__") if type(k) is str else None
    except Exception:  # noqa: BLE001 - slots only, a __dict__ property that raises
        return None
    return d.get(k) if type(d) is dict else None


def _owner(g: dict[str, Any]) -> Any:
    """What `entries` takes for the module of a function with globals `g`."""
    return types.SimpleNamespace(__module__=g.get("__name__"))


def note(arrays: Any, buffers: dict[int, tuple[np.ndarray, bytes]],
         params: dict[int, tuple[np.ndarray, bytes]]) -> None:
    """Note the values of these arrays (made before the step) in `buffers`, compared between
    ops; a Tensor's array too (read from its slot: no property of a subclass runs), in
    `params` where the Tensor requires grad (a parameter: compared at the end alone; between
    ops, a model's weights would be copied at every op of a recording)."""
    for a in arrays:
        box = buffers
        if isinstance(a, Tensor):
            box = params if _GRAD(a) else buffers
            a = _DATA(a)
        if type(a) is np.ndarray and id(a) not in box and a.nbytes <= WATCHED:
            box[id(a)] = (a, fingerprint(a))


_DATA = Tensor.data.__get__  # (Tensor's slots: plain reads)
_GRAD = Tensor.requires_grad.__get__


def fingerprint(a: np.ndarray) -> bytes:
    """A's values as bytes (compared within one call)."""
    return a.tobytes()


def _legacy_state() -> tuple[Any, ...]:
    name, key, pos, has_gauss, gauss = np.random.get_state()
    return name, key.tobytes(), pos, has_gauss, gauss
