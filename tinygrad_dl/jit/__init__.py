"""Capture and replay a training step: `tinygrad_dl.jit`.

`step = jit(fn)` wraps a step function of NumPy arrays (and Tensors without grad, numbers,
None) that builds a graph and calls `backward()`, e.g.

    @jit
    def step(X, y):
        model.loss(X, y).backward()

The first two calls with given argument shapes and dtypes run eagerly while a
`record.Recording`, attached to the engine's hook (`hooks.attach(recorder=...)`), records every
op applied (its Function class, parameters, where each input came from: an earlier op, an
argument by position, a parameter Tensor or a constant) and the order backward visited them.
Later calls replay the recorded ops from one straight-line function compiled once per
recording (`plan.Plan`, `compiled`): the same NumPy calls and the engine's accumulation rule
in the same order, so the same numbers, bit for bit, without running the step's Python.

A step is replayed only when replaying it is the same computation; otherwise it runs eagerly
with one warning (or `JitError` with strict=True). It is NOT replayed when, while recorded:
- its Python read a value: float(t), int(t), bool(t) (an `if` on a tensor), t.item(),
  t.tolist(), t.numpy(), np.asarray(t), format(t), repr(t), t as an index; or the same of a
  NumPy argument or of anything NumPy computed from one (`if X.mean() > 0`,
  `int((X[:, 0] > 0).sum())`, `if not np.isfinite(X).all()`): see `watch`;
- an op read an array made inside the step that is not a literal (`Tensor(X[:, :2])`,
  `Tensor(X.astype(np.float32))`, weights built with NumPy from the labels, np.random), even
  when its value was equal in both recordings: see `record`;
- the two recordings differ (ops, parameters, constants, backward, return value);
- it ran optimizer.step(), zero_grad(), load_state_dict(), clip_grad_*_, manual_seed(), an
  LR scheduler's step() or set an optimizer's lr (replay would leave the rate), entered
  detect_anomaly() or np.errstate() for its ops, assigned a module attribute, switched
  train/eval, wrote into an argument or into a parameter's .grad (`p.grad *= 0.5`,
  `p.grad.zero_()`), returned an array its Python computed (`logits.data.argmax(1)`) or a
  float that is not one of its arguments (an accuracy from `.data`), an
  object replay cannot rebuild or a graph backward() could still go through, or indexed with
  a boolean mask (an output shape set by values).
Before every replay the guards (`guards.Guards`) are checked: each parameter still requires
grad and has its dtype and shape, constant tensors kept their arrays, the step's modules kept
their attributes and mode, .grad is None where it was when recorded, arguments recorded as
one array still are, and an argument the step's NumPy made contiguous or reshaped
(np.ascontiguousarray(X): a copy or not by the layout) keeps its strides (its strides are part
of the signature: one recording per layout). When
one fails the call runs eagerly and the step is recorded afresh (three failures in a row before
any replay give up, as above); so does a change between a signature's two recorded calls, and
a step refused for a module's or parameter's hook (registered before the call, not by the
step) is recorded again once the hook is removed.
Under detect_anomaly() or no_grad() calls always run eagerly.

Also guarded: each name the step's code reads (closure variables and globals: a number by
value, any other object by identity) and the entries of dicts and plain objects they hold
that its code names (`cfg["lam"]`, `self.scale`), its defaults and a partial's keywords
(`bindings.bindings`).

What replay cannot see (the user's job, docs): Python state the step reads or changes other
than through the above (a list it appends to, a counter, a list item or a Module's dict
attribute changed in place, another module's globals), writes by the step's Python into
arrays made before the step (`buf[:] = X`),
`.data` of a tensor read by the step's Python, and NumPy arguments copied out of the watch
(`np.array(X)`, `np.asarray(X)`, `X.view(np.ndarray)`) before being read.
"""

from __future__ import annotations

import threading
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import engine, grad_mode, hooks
from ..grad import GradArray
from ..tensor import Tensor
from .compare import borrowed_arrays, difference, frozen_tensors
from .compiled import BUSY  # a plan's answer while another thread replays it
from .plan import Plan
from .record import Recording, float_bits
from .record_hooks import HookOwners

__all__ = ["JitError", "jit"]

STRIKES = 3  # recordings in a row invalidated before any replay: give up on the signature
# array types whose ops are plain ndarray's (their results are plain arrays): replayed
_PLAIN = (np.ndarray, GradArray, np.memmap)
MISS: Any = object()  # what an entry returns when the call is not its plan's (never a result)


class JitError(RuntimeError):
    """A step that cannot be replayed (raised with strict=True, else it runs eagerly)."""


def _signature(args: tuple[Any, ...], kwargs: dict[str, Any]
               ) -> tuple[Any, list[np.ndarray]] | tuple[None, None]:
    """(cache key, input arrays): shapes and dtypes of arrays, values of plain scalars."""
    if not kwargs:  # the common case: arrays only
        for v in args:
            if type(v) is not np.ndarray:
                break
        else:
            return tuple([(v.shape, v.dtype) for v in args]), args
    key: list[Any] = []
    arrays: list[np.ndarray] = []
    for v in (*args, *(kwargs[k] for k in sorted(kwargs))):
        if isinstance(v, Tensor):
            if v.requires_grad:
                return None, None
            v = v.data
        if isinstance(v, np.ndarray):
            if type(v) not in _PLAIN:  # np.matrix, a masked array: their own `*`, mask or
                return None, None  # indexing must not enter a replay (eager views them plain)
            key.append((v.shape, v.dtype))
            arrays.append(v)
        elif type(v) is float:  # keyed by its bits: -0.0 == 0.0 are two keys (the step's
            # numbers may differ), and a NaN, never == itself (a fresh NaN each call was a new
            # signature each call, then "more than 8" for good), one key per bit pattern
            key.append(("v", "float", v if v == v else "nan", float_bits(v)))
        elif v is None or type(v) in (bool, int, str):
            key.append(("v", type(v).__name__, v))
        else:
            return None, None
    return (tuple(key), tuple(sorted(kwargs))) if kwargs else tuple(key), arrays


class WeakBound:
    """`fn` bound to `obj` weakly: the step of @jit on a method of an object without a
    `__dict__` (`__slots__`), whose jit the class's weak table keeps. A bound method there
    held the object: the table's value kept its own key, and no such object was ever freed.
    Called, it runs `fn` on the object itself; the jit's guards read `self.scale` through
    `__self__`, a weak proxy. Called after the object is gone, it raises one line."""

    __slots__ = ("__func__", "__self__", "_ref", "__name__", "__qualname__", "__weakref__")

    def __init__(self, fn: Callable[..., Any], obj: Any) -> None:
        self.__func__, self._ref, self.__self__ = fn, weakref.ref(obj), weakref.proxy(obj)
        self.__name__ = getattr(fn, "__name__", "step")
        self.__qualname__ = getattr(fn, "__qualname__", self.__name__)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        obj = self._ref()
        if obj is None:
            raise ReferenceError(f"jit: the object of the @jit method {self.__qualname__} was "
                                 "freed; call the method on a live object")
        return self.__func__(obj, *args, **kwargs)


_BINDING = threading.Lock()  # the class's table of jits of __slots__ objects' methods
_BOUND = "__tinygrad_dl_jits__"  # an instance's __dict__ key: its @jit methods' jits


class BoundJits(dict):
    """An instance's jits of its @jit methods (the class-level jit -> the jit of the bound
    method), in its __dict__, with the id of the instance they belong to (alive while they
    are: each holds it): copies and pickles of the instance start without them (a copy
    records its own; a jit holds recordings of the original's arrays)."""

    __slots__ = ("owner",)

    def __init__(self, owner: int = 0) -> None:
        super().__init__()
        self.owner = owner

    def __copy__(self) -> BoundJits: return BoundJits()
    def __deepcopy__(self, memo: Any) -> BoundJits: return BoundJits()
    def __reduce__(self) -> Any: return (BoundJits, ())


OVERFLOW = "more than max_signatures"  # the `fallbacks` key of every signature past the cap


def _miss(arrays: tuple[Any, ...]) -> Any:
    return MISS


def entry_checks(j: jit, plan: Plan, key: tuple[tuple[Any, Any], ...]
                 ) -> tuple[list[str], dict[str, Any]]:
    """The first lines of the generated function for a call whose arguments are all arrays,
    `entry(args)`, and the names they read: the checks that make the call this plan's (the
    arguments' count, types, shapes and dtypes as in `key`; no hook attached on any thread,
    grad mode on) and the plan's guards, before its compiled steps, all inline (`Plan.build`:
    one Python call per replay); MISS as soon as one check fails (the call then takes the
    slow path, which finds out why). The source holds our own names and the repr of ints."""
    env: dict[str, Any] = {"MISS": MISS, "hooks": hooks, "GM": grad_mode, "S": grad_mode.state,
                           "J": j}
    n = len(key)
    lines = [f"if len(arrays) != {n} or hooks.active or GM.off and not S.grad_enabled: "
             "return MISS"]
    a = plan.arguments()
    if n:
        lines.append("".join(f"{r}, " for r in a) + "= arrays")
    for r, (shape, dtype) in zip(a, key):
        dn = env_name(env, "Ad", dtype)
        lines.append(f"if type({r}) is not ndarray or {r}.shape != "
                     f"{tuple(int(n) for n in shape)!r} or {r}.dtype is not {dn}: return MISS")
    if plan.guards.may_raise():  # an emptied closure cell (`del s`), a property's getter:
        lines += ["try:", f"    if {plan.guards.expression(env)}: return MISS",  # the slow
                  "except Exception: return MISS"]  # path then runs it eagerly
    else:
        lines.append(f"if {plan.guards.expression(env)}: return MISS")
    lines.append("J.replays += 1")
    return lines, env


def _replay_note(e: Exception, fn: Any) -> None:
    """Say, under an exception out of a replay, that the step's Python did not run: a
    `try:` of the step around its ops (`loss.backward()` of a bad batch) catches nothing."""
    if not hasattr(e, "add_note"):  # (Python 3.10: no notes; the error itself stands, where
        return  # an AttributeError here replaced it)
    e.add_note(f"(raised while jit replayed {getattr(fn, '__name__', 'the step')}: a replay "
               "runs the recorded ops, not the step's Python, so no try/except of the step "
               "saw it; jit(step, enabled=False) runs it eagerly)")


def env_name(env: dict[str, Any], prefix: str, obj: Any) -> str:
    """A new global name for `obj` in `env`."""
    key = f"{prefix}{len(env)}"
    env[key] = obj
    return key


class jit:
    """Wrap a training step for capture and replay (see the module docstring).

    `jit(fn)` or `@jit`; options: `jit(fn, strict=True)` raises JitError where a step cannot
    be replayed instead of running it eagerly with a warning; `max_signatures` bounds how many
    input shapes get their own recording (more run eagerly). `enabled=False` always runs fn.
    `replays` counts replayed calls; `fallbacks` maps a signature to why it runs eagerly
    (the signatures past `max_signatures` share one entry, keyed `OVERFLOW`);
    `rerecords` counts recordings dropped because a guard failed.
    """

    def __init__(self, fn: Callable[..., Any] | None = None, *, strict: bool = False,
                 max_signatures: int = 8, enabled: bool = True) -> None:
        self.fn, self.strict, self.enabled = fn, strict, enabled
        self.max_signatures = max_signatures
        self.reset()

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        """`@jit` on a method: each instance gets a jit of its own bound method (its own
        recordings and counts: `model.step.replays`), as `jit(model.step)` would be; the
        step's reads of `self.x` are guarded as any other name's."""
        if obj is None or self.fn is None:
            return self
        own = getattr(obj, "__dict__", None)
        if own is not None:  # kept on the instance, so that it dies with it (a class-level
            # weak table's value, the jit of the bound method, held the instance: none died)
            jits = own.get(_BOUND)
            if type(jits) is not BoundJits or jits.owner != id(obj):  # (copy.copy shares the
                # original's __dict__ values: its jits are the original's; not setattr: a
                # Module would count a change)
                jits = own[_BOUND] = BoundJits(id(obj))
            found = jits.get(self)
            if found is None:
                found = jits.setdefault(self, jit(self.fn.__get__(obj, owner), strict=self.strict,
                                                  max_signatures=self.max_signatures,
                                                  enabled=self.enabled))
            return found
        # an object of __slots__: the class's table, by identity (a WeakKeyDictionary's
        # equality gave an equal object, a frozen dataclass's, the first one's jit: its
        # weights), its jit bound weakly, its entry dropped with the object
        table, key = self._bound, id(obj)
        found = table.get(key)
        if found is not None and found[0]() is obj:
            return found[1]

        def forget(ref: weakref.ref[Any]) -> None:  # (the object freed: its entry, if still
            if table.get(key, (None,))[0] is ref:  # this one's, goes with it)
                del table[key]
        try:
            ref = weakref.ref(obj, forget)
        except TypeError:  # (no weak reference: a cache could not follow it)
            raise TypeError(f"jit: @jit on a method of {type(obj).__name__}, whose objects "
                            "have no __dict__ and are not weakly referable; wrap the bound "
                            "method instead: step = jit(obj.method)") from None
        bound = jit(WeakBound(self.fn, obj), strict=self.strict,
                    max_signatures=self.max_signatures, enabled=self.enabled)
        with _BINDING:  # (two threads' first calls: one jit, the first one's)
            found = table.get(key)
            if found is None or found[0]() is not obj:
                found = table[key] = (ref, bound)
        return found[1]

    def reset(self) -> None:
        """Forget every recording (after changing what the step reads besides its inputs)."""
        self.cache: dict[Any, Any] = {}
        self.fallbacks: dict[Any, str] = {}
        self.replays = 0
        self.rerecords = 0
        self._strikes: dict[Any, int] = {}  # signature -> guard failures before any replay
        self._replays_at_plan: dict[Any, int] = {}
        # the generated `entry` (checks, guards, steps) of the plan replayed last, tried
        # first by every call without keywords (a plan of a signature of arrays only has one)
        # signature -> argument positions whose layout the step's NumPy depends on (a
        # recording saw np.ascontiguousarray(X), X.reshape(n, -1)...): their strides join
        # the cache key, so each layout gets its own recording
        self._layouts: dict[Any, tuple[int, ...]] = {}
        self._fast: Callable[[Any], Any] = _miss
        # signature -> what its recording refused for a hook used (recorded again once
        # none of them has a hook)
        self._hooked: dict[Any, HookOwners] = {}
        # id of an instance without a __dict__ -> (a weak reference to it, the jit of its
        # method bound weakly) (@jit on a method: `__get__`)
        self._bound: dict[int, tuple[weakref.ref[Any], jit]] = {}

    @property
    def enabled(self) -> bool:
        """False: every call runs the step's function (eagerly)."""
        return self._enabled

    @enabled.setter
    def enabled(self, on: bool) -> None:
        self._enabled = on
        self._fast = _miss  # (the fast entry does not read this flag)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs:  # the plan replayed last, if this call is its (see `entry_checks`)
            try:
                out = self._fast(args)
            except Exception as e:
                _replay_note(e, self.fn)
                raise
            if out is not MISS:
                if out is not BUSY:
                    return out
                self.replays -= 1  # (counted by the entry) another thread replays the plan:
                return self.fn(*args)  # eager is the same computation, on a graph of its own
        return self._call(args, kwargs)

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if self.fn is None:  # @jit(strict=True): this call wraps the function
            if len(args) != 1 or kwargs or not callable(args[0]):
                raise TypeError("jit(...) as a decorator takes the step function")
            self.fn = args[0]
            return self
        fn = self.fn
        hooked = hooks.attached  # inside a recording, or detect_anomaly (checks in the ops)?
        old = hooked.recorder  # a Ctrl-C in the exit of a recording's `with` left it attached:
        if old is not None and getattr(old, "closed", False):  # every call ran eagerly for
            hooks.drop("recorder")  # good, and it kept every later op of the thread
        if (not self.enabled or hooked.recorder is not None or hooked.anomaly is not None
                or not engine.is_grad_enabled()):  # (under no_grad, eager backward refuses)
            return fn(*args, **kwargs)
        key, arrays = _signature(args, kwargs)
        if key is None:
            return self._eager(None, "an argument is neither an array (a NumPy subclass "
                               "such as np.matrix or a masked array is not), a Tensor "
                               "without grad nor a plain scalar", args, kwargs)
        base = key  # the shapes and dtypes (the fast entry's checks)
        if self._layouts:  # a step that makes an argument contiguous or reshapes it: each
            at = self._layouts.get(key)  # layout of it is a signature of its own
            if at is not None:
                key = (key, "strides", tuple([arrays[j].strides for j in at]))
        entry = self.cache.get(key)
        if type(entry) is Plan:
            if not entry.stale(arrays):  # the guards, compiled
                self.replays += 1
                self._fast = entry.entry if arrays is args and entry.entry else _miss
                try:
                    out = entry.run(arrays)
                except Exception as e:
                    _replay_note(e, fn)
                    raise
                if out is BUSY:  # another thread replays this plan: eager, as above
                    self.replays -= 1
                    return fn(*args, **kwargs)
                return out
            entry = self._stale(key, entry.guards.why_stale(arrays) or "a guard failed")
        elif type(entry) is Recording and entry.first_guards is not None:  # changed since the
            why = entry.first_guards.why_stale(())  # first call (model.eval(), a frozen layer,
            if why is not None:  # a rebound name): record again, as after a plan's guard failed
                self._replays_at_plan[key] = self.replays  # (no replay since: a strike)
                entry = self._stale(key, why)
        if key in self.fallbacks:  # (refused for a hook: recorded again once it is removed)
            held = self._hooked.get(key)
            if held is None or not held.gone():
                return fn(*args, **kwargs)
            self.fallbacks.pop(key, None)  # (pop: another thread's call may have lifted it)
            self._hooked.pop(key, None)
        if entry is None and len(self.cache) >= self.max_signatures:  # one entry for all of
            # them, not one per signature: a float that changes every call (a decayed rate)
            # grew `fallbacks` by a key each call, without bound (~300 B a call)
            if self.strict or OVERFLOW not in self.fallbacks:
                self._refuse(OVERFLOW, f"more than {self.max_signatures} input signatures",
                             None)
            return fn(*args, **kwargs)
        rec = Recording(arrays)
        if type(entry) is Recording:  # the constants the last recording's ops read: their
            rec.remember(c.array for c in entry.constants())  # values as this call begins
            rec.user_ops = entry.user_ops  # (then NumPy's stream is compared op by op)
        with hooks.attach(recorder=rec):
            try:
                result = rec.call(fn, args, kwargs)
            finally:
                rec.closed = True  # (first: no call before it, where an interrupt could land)
        result = rec.finish(result)
        if rec.sized_lazy:  # a lazy layer sized itself (its parameters made in the step,
            return result  # however the step reached it): as eager's; the next call records
        if rec.error is not None:
            if rec.hooked and not self.strict:  # (strict raised: nothing to lift)
                self._hooked[key] = rec.hook_owners()
            return self._refuse(key, rec.error, result)
        if entry is None:
            if rec.layout and key is base:  # the signature's first recording: from now on
                at = self._layouts[base] = tuple(sorted(rec.layout))  # its strides count
                key = (base, "strides", tuple([arrays[j].strides for j in at]))
            # (what the step's own run changed, a counter it writes and reads, is left to the
            # comparison with the next recording, which refuses it)
            first = rec.guards()
            rec.first_guards = first if first.why_stale(()) is None else None
            self.cache[key] = rec
        else:
            why = difference(entry, rec)
            if why is not None:
                return self._refuse(key, why, result)
            layouts = {*self._layouts.get(base, ()), *entry.layout, *rec.layout}
            try:
                plan = Plan(rec, frozen_tensors(entry, rec), borrowed_arrays(entry, rec),
                            layouts)
                # a signature of arrays only gets the fast entry, whichever arrays recorded it
                # (a Tensor without grad, a memmap: the same key as plain arrays, which the
                # entry then takes; its checks send the others to `run`)
                plan.build(entry_checks(self, plan, base) if not kwargs
                           and all(k[0] != "v" for k in base) else None)
            except Exception as e:  # noqa: BLE001 - a plan we cannot build: say so, run eagerly
                # (this call's result is eager's and stays; without this, the same error would
                # come out of every later call of the step)
                return self._refuse(key, f"its replay could not be built ({type(e).__name__}: "
                                    f"{e})", result)
            self.cache[key] = plan
            self._replays_at_plan[key] = self.replays
        return result

    def _stale(self, key: Any, why: str) -> None:
        """A guard failed: drop the recording (this call records afresh), or give up after
        STRIKES failures in a row with no replay in between."""
        del self.cache[key]
        self._fast = _miss
        self.rerecords += 1
        if self._replays_at_plan.get(key) == self.replays:  # not one replay since recorded
            self._strikes[key] = self._strikes.get(key, 0) + 1
        else:
            self._strikes[key] = 1
        if self._strikes[key] >= STRIKES:
            self._refuse(key, f"{why}, {STRIKES} times in a row", None)
        return None

    def _eager(self, key: Any, why: str, args: Any, kwargs: Any) -> Any:
        self._refuse(key, why, None)
        return self.fn(*args, **kwargs)

    def _refuse(self, key: Any, why: str, result: Any) -> Any:
        name = getattr(self.fn, "__name__", "step")
        msg = f"jit: cannot replay {name}: {why}"
        if self.strict:
            raise JitError(msg)
        if key not in self.fallbacks:
            warnings.warn(msg + "; running it eagerly", RuntimeWarning, stacklevel=3)
        self.fallbacks[key] = why
        self.cache.pop(key, None)
        self._fast = _miss
        return result
