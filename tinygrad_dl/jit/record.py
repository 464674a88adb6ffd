"""Recording a step: what the engine reports while the step runs once eagerly (`compare`
holds the rules by which two recordings describe one computation that replay may repeat; the
records it is made of are in record_types.py, the engine's hooks it answers in record_hooks.py).

An array an op reads is one of: an earlier op's output (OUT), a step argument (IN, matched by
position, whether the step got it as is or as a plain view of the same memory), a parameter
Tensor's array (PARAM: read afresh at every replay), or a constant (CONST). A constant is fine
to replay only if it is not per-step data: the very same array object in both recordings (made
before the step, e.g. a buffer; replay reads that object, so in-place updates are seen), or a
literal (`x * 2.0`, `Tensor([1, 2])`, `Tensor.zeros(...)`, marked by `hooks.literal`) equal in
both. Any other array is made inside the step, from the data or not: it is refused even when
its value happens to equal the other recording's, because replay would reuse it for ever.
"""

from __future__ import annotations

import functools
import struct
import sys
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.array_utils import byte_bounds

from .. import tensor_hooks
from ..tensor import Tensor
from .bindings import DRAWS, STREAMS, bindings, through
from .calls import StepCalls, fingerprint, note
from .grads import GradWatch
from .guards import Guards, ModuleGuard, is_module, sized_parameters, unsized
from .opcodes import unread, why
from .record_hooks import EngineHooks, HookOwners
from .record_types import (  # noqa: F401 (jit.record's names, as before)
    ARRAY,
    CONST,
    IN,
    OUT,
    PARAM,
    TENSOR,
    VALUE,
    BackwardRecord,
    Const,
    Input,
    OpRecord,
    Out,
    Returned,
    Source,
    Spec,
    Visit,
    consts,
)
from .watch import Watched, base_of, watch

_REBOUND = ("it rebinds or writes a parameter's .data while it runs (replay reads each "
            "parameter's array once, at its start, and redoes no write): update parameters "
            "outside the step")


class Recording(EngineHooks):
    """The engine's `recorder` while the step runs once: every op applied, every backward,
    and everything the step's Python did that replay would not redo (`error`)."""

    closed = False  # the step's run is over (jit sets it): still attached, it is stale
    first_guards: Guards | None = None  # a first recording's `guards` (set by jit)
    hooked = False  # refused for a module's or a parameter's hook (`hook_owners`)

    def __init__(self, arrays: list[np.ndarray] | tuple[np.ndarray, ...]) -> None:
        self.arrays = list(arrays)
        self.shapes = [a.shape for a in arrays]
        self.inputs: dict[int, int] = {}  # id(argument or its watched view) -> first position
        self.aliases: list[tuple[int, int]] = []  # (first, later) positions of one array
        self.views: dict[int, Watched] = {}  # id(argument array) -> the view the step gets
        for j, a in enumerate(self.arrays):
            first = self.inputs.get(id(a))
            if first is not None:
                self.aliases.append((first, j))
                continue
            self.inputs[id(a)] = j
            if isinstance(a, np.ndarray):  # every array the signature takes (a np.memmap
                v = self.views[id(a)] = watch(a)  # batch, a GradArray too), read or not
                self.inputs[id(v)] = j
        # argument positions whose memory reached the step's ops or result through a call
        # that copies or not by the layout (np.ascontiguousarray(X), X.reshape(n, -1)): their
        # strides are part of the signature and guarded (jit, guards.Guards.layouts)
        self.layout: set[int] = set()
        self.as_is: dict[int, np.ndarray] = {}  # id -> plain view of an argument (Tensor(X))
        self.snapshots = [a.copy() for a in self.arrays]  # to see writes into the arguments
        # the memory bounds of arguments another argument (not the same array) overlaps: a
        # view made of one may be the other's memory (step(X, X.T), then B.T)
        self.bounds = {j: _bounds(a) for j, a in enumerate(self.arrays) for b in self.arrays
                       if a is not b and np.may_share_memory(a, b)}
        # id(parameter) -> (it, its array, a copy): to see the step rebind or write its .data
        self.param_arrays: dict[int, tuple[Any, np.ndarray, np.ndarray]] = {}
        self.ops: list[OpRecord] = []
        self.events: list[int | BackwardRecord] = []  # an op's index, or a backward: in order
        self.slot: dict[int, int] = {}  # id(output Tensor) -> op index
        self.out_arrays: dict[int, int] = {}  # id(output array) -> op index
        # id -> (array, its values when marked), for hooks.literal's marks: a literal the step's
        # NumPy then fills with data (`buf = tg.empty(n); buf.data[:] = X`) is no literal
        self.literals: dict[int, tuple[np.ndarray, bytes]] = {}
        # (op index, its array, its values when made) of each comparison's result: a mask the
        # step's Python then writes (`m.data[0] = False`, `m.data |= M`) is not what replay
        # computes afresh (eagerly such a mask was a constant, which a recording refused)
        self.masks: list[tuple[int, np.ndarray, bytes]] = []
        # tensors whose .data the library handed an op as a parameter or a new tensor wrapped
        # (a mask, an index, Tensor(t), t.detach()), reported by tensor/: possible owners
        # of a constant (`find_owners`), wherever the step found the tensor (a plain object's
        # attribute, a dict entry)
        self.reported: list[Any] = []
        self.modules: dict[int, ModuleGuard] = {}  # the step's modules, as they were
        self.made: dict[int, Any] = {}  # the modules the step builds (`on_module_change`)
        self.unsized: list[Any] = []  # lazy layers made before the step, not yet sized
        # one of them sized itself in the call (its parameters made in the step): the call
        # is no recording (jit returns its result and records the next call)
        self.sized_lazy = False
        self.grad_none: dict[int, Any] = {}  # leaves whose .grad was None when first reached
        self.leaves_seen: set[int] = set()
        self.keep: list[Any] = []  # the Tensors seen, so their ids stay unique meanwhile
        self.error: str | None = None
        self.outputs: Returned | None = None
        self.errstate = np.geterr()  # NumPy's floating-point error handling the call runs under
        # the step's reachable tensors (a module's parameters, tensors it holds), and their
        # .grad as the step must leave it (replay redoes backward's writes, no other)
        self.held: list[Any] = []
        self.bindings: list[tuple[Any, Any, Any, str]] = []  # names it reads: guarded
        self.grads = GradWatch()
        self.numbers: set[bytes] = set()
        # id -> (array, its values at the call's start) of the arrays made before the step
        # that it names (a global buffer `Yoh`) or that the last recording's ops read as
        # constants: one an op reads whose values the call changed was written by the
        # step's Python (`Yoh[:] = 0; Yoh[rows, y] = 1`), which replay would not redo
        self.before: dict[int, tuple[np.ndarray, bytes]] = {}
        self.params: dict[int, tuple[np.ndarray, bytes]] = {}  # (a parameter's: `note`)
        self.calls: StepCalls | None = None  # the profile hook of the call (`call`)
        self.user_ops = False  # a user's op ran (in the last recording, before the call)
        self.hook_mark = tensor_hooks.mark()  # hooks with smaller ids predate the call
        self.hooked_leaves: list[Any] = []  # leaves found with them (`found_hooks`)

    def fail(self, reason: str) -> None:
        if self.error is None:
            self.error = reason

    # ---- running the step --------------------------------------------------------------------
    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
             ) -> Any:
        """fn with its NumPy arguments as watched views; modules it holds are guarded."""
        self.bindings = self._drawn(bindings(fn))
        code = getattr(getattr(fn, "__func__", fn), "__code__", None)
        op = None if code is None else unread(code)
        if op is not None:  # (a Python newer than the guards are tested on: see opcodes)
            self.fail(why(op))
        self.remember(b[2] for b in self.bindings)
        # the bits of its float arguments: a float it returns must be one of them (`output`)
        self.numbers = {float_bits(v) for v in (*args, *kwargs.values()) if type(v) is float}
        for obj in _held_objects(fn):
            if is_module(obj):
                self.on_module(obj)
                self.held.extend(sized_parameters(obj))  # (a lazy layer's raise)
            elif isinstance(obj, Tensor):
                self.held.append(obj)
            elif type(obj) in (list, tuple, dict) or isinstance(obj, list):  # a list of
                # parameters (model.parameters(), a list that next() walks, too)
                self.held.extend(v for v in (obj.values() if type(obj) is dict else obj)
                                 if isinstance(v, Tensor))
        self.grads = GradWatch(self.held)
        views = self.views
        args = tuple(views.get(id(v), v) for v in args)  # (views: keyed by the arrays' ids)
        kwargs = {k: views.get(id(v), v) for k, v in kwargs.items()}
        # what the step's Python runs beyond its own code (a notebook class's forward, a
        # helper of another module of the user's), heard as it runs: guarded likewise
        prev = paused = sys.getprofile()
        if prev is not None and not callable(prev):  # a C profiler's object (cProfile's
            # before 3.12): Python cannot pass events on to it, nor set it back with
            # sys.setprofile; paused over the recorded call instead (its flags kept)
            if not callable(getattr(prev, "disable", None)):
                self.fail("a profiler is set that jit cannot pass the step's calls on to")
                return fn(*args, **kwargs)
            prev.disable()
            prev = None
        calls = self.calls = StepCalls(code, prev, self.before, self.user_ops, self.params)
        sys.setprofile(calls)
        try:
            return fn(*args, **kwargs)
        finally:
            if sys.getprofile() is calls:  # (not a profiler the step's Python set: eager's)
                sys.setprofile(prev)
                if paused is not prev:
                    paused.enable()
            calls.finish(end=True)
            self.user_ops = calls.user_ops
            heard = calls.bindings()
            proxy = getattr(fn, "__self__", None)
            if type(proxy) in weakref.ProxyTypes:  # (jit.WeakBound's: `self.helper(x)` in
                heard = through(proxy, heard)  # the step, its reads of self held self)
            self.bindings += self._drawn(heard, calls.drew)
            if calls.unread is not None:
                self.fail(why(calls.unread))

    def _drawn(self, found: list[tuple[Any, Any, Any, str]], drew: str | None = None
               ) -> list[tuple[Any, Any, Any, str]]:
        """`found` less its DRAWS marks; a draw by the step's Python from a random stream
        (marked, or `drew`) fails the recording: replay would freeze its decision and not
        advance the stream."""
        taken = next((what for box, _, obj, what in found
                      if box is DRAWS and not isinstance(obj, STREAMS)), None)
        if taken is not None:  # (`bindings._advanced`)
            self.fail(f"its Python takes an item of an iterator ({taken}); replay would keep "
                      "the recorded item and not advance it: take it outside the step and "
                      "pass it in")
        drew = next((what for box, _, obj, what in found
                     if box is DRAWS and isinstance(obj, STREAMS)), drew)
        if drew is not None:
            self.fail(f"its Python draws from a random stream ({drew}); draw outside the "
                      "step and pass the result in, or draw in ops (tinygrad_dl's generators, "
                      "F.dropout(rng=...))")
        return [b for b in found if b[0] is not DRAWS]

    def input_index(self, a: np.ndarray) -> int | None:
        """The position of argument `a`, or of the argument `a` is a plain view of (same
        memory, shape, strides, dtype: `Tensor(X)` and `np.asarray(X)` make one)."""
        j = self.inputs.get(id(a))
        # (ndarray's .base: Watched's is a read; not an ndarray: a NumPy scalar, as `w.data =
        # w.data - lr * w.grad` leaves a 0-d parameter's data, is no view of an argument)
        if j is not None or not isinstance(a, np.ndarray) or base_of(a) is None:
            return j
        where = a.__array_interface__["data"][0]
        for x in self.arrays:
            if (a.shape == x.shape and a.dtype == x.dtype and a.strides == x.strides
                    and where == x.__array_interface__["data"][0]):
                j = self.inputs[id(x)]
                # the argument as it is only through `.view(np.ndarray)` of its watched view
                # (Tensor(X)); any other view came through the step's NumPy (X.reshape(n, -1),
                # X.ravel(), np.ascontiguousarray(X), np.asarray(X, order="C")), which may
                # have copied, or made other strides, for another layout of the same shape
                if self.as_is.get(id(a)) is not a:
                    self.layout.add(j)
                # a view the step's NumPy made (its base is watched; Tensor(X) and
                # np.asarray(X) of an argument X are not) of another argument's memory?
                if (self.bounds and type(base_of(a)) is Watched
                        and self.made_from_another(a, x)):
                    self.fail(f"its argument {j} shares memory with another argument and the "
                              f"step makes a view that is argument {j}'s memory (step(X, X.T) "
                              "then B.T, or X[2:] then A[2:]): replay could not tell which "
                              "argument it was made from; pass it as it is used")
                return j
        return None

    def remember(self, arrays: Any) -> None:
        """Note the values of these arrays (made before the step: a buffer the step names, the
        last recording's constants) as the call begins: `StepCalls` compares them between
        ops, `finish` refuses a constant the step's Python wrote."""
        note(arrays, self.before, self.params)  # (a Tensor the step names: its array)

    def made_from_another(self, a: np.ndarray, x: np.ndarray) -> bool:
        """Whether view `a` (argument x's memory) may have been made from another argument:
        one, not x itself, whose memory holds all of a's."""
        lo, hi = _bounds(a)
        return any(b is not x and b is not a and lo >= b_lo and hi <= b_hi
                   for b, (b_lo, b_hi) in ((self.arrays[k], bk) for k, bk in self.bounds.items()))

    def source(self, t: Any) -> Source:
        i = self.slot.get(id(t))
        if i is not None:
            return Source(OUT, i)
        return self.array_source(t.data, t)

    def array_source(self, a: np.ndarray, t: Any = None) -> Source:
        """Where array `a` (of Tensor `t`, or an op parameter or seed gradient) comes from."""
        i = self.out_arrays.get(id(a))
        if i is not None:  # Tensor(h.data), h.detach(): an op's output wrapped again
            return Source(OUT, i)
        j = self.input_index(a)
        if j is not None:
            return Source(IN, j)
        if t is not None and t.requires_grad:
            if t._ctx is not None:
                self.fail("it uses a tensor computed with grad before the step began")
            if id(t) not in self.param_arrays:
                self.param_arrays[id(t)] = (t, a, a.copy())
            elif self.param_arrays[id(t)][1] is not a:
                self.fail(_REBOUND)
            return Source(PARAM, t)
        return Source(CONST, Const(t, a, self.is_literal(a)))

    def param(self, v: Any) -> Any:
        """An op parameter with its arrays as Input, Out or Const."""
        if isinstance(v, np.ndarray):
            kind, ref = self.array_source(v)
            return Out(ref) if kind == OUT else Input(ref) if kind == IN else ref
        if type(v) in (tuple, list) and any(isinstance(x, np.ndarray) for x in v):
            return type(v)(self.param(x) for x in v)
        return v

    # ---- after the step -----------------------------------------------------------------------
    def finish(self, result: Any) -> Any:
        """Close the recording; returns the step's result with our views replaced by the
        caller's arrays."""
        for j, (a, before) in enumerate(zip(self.arrays, self.snapshots)):
            if not same_values(a, before):
                self.fail(f"it writes into its argument {j} (replay would not)")
        for t, a, before in self.param_arrays.values():
            if t.data is not a or not same_values(a, before):
                self.fail(_REBOUND)
        for i, a, before in self.masks:
            if a.tobytes() != before:
                self.fail(f"its Python writes into the mask that op {i} "
                          f"({self.ops[i].fn.__name__}) computed "
                          "(m.data[...] = v): replay computes the mask afresh and would not "
                          "redo the write; build the mask with ops (where, *, comparisons)")
        self.masks = []
        written = set() if self.calls is None else self.calls.written
        read = set()
        for c in self.constants():  # a buffer made before the step, written by its Python
            read.add(id(c.array))
            if id(c.array) in written and not c.literal:
                self.fail("its Python writes into an array made before the step that an op "
                          f"reads ({_shape(c.array)}: buf[:] = X * 2, then Tensor(buf)), "
                          "which replay would not redo; pass it in as an argument, or use "
                          "ops that take what it is made from (F.cross_entropy(z, y))")
        for k in written - read:  # one no op reads: a counter, a log, a module's buffer
            a = self.before[k][0]  # (`hist[i] += 1`, `self.count[0] += 1`, `B.data[:] = v`)
            self.fail(f"its Python writes into an array made before the step that no op "
                      f"reads ({_shape(a)}: hist[0] += 1, self.count[0] += 1 or "
                      "B.data[:] = v), which replay would not redo; write it outside the "
                      "jitted function, or keep it in an op")
        for a, seen in self.params.values():  # a parameter's array, written before (or
            if fingerprint(a) != seen:  # without) an op's read: `W.data[0] += 1`, then W
                self.fail(_REBOUND)
        self.before, self.params, self.calls = {}, {}, None
        self.check_grads(self.grads.written())
        self.grads = GradWatch()
        self.sized_lazy = not all(map(unsized, self.unsized))
        self.unsized = []
        for g in self.modules.values():
            if g.changed():
                self.fail(f"it assigns an attribute of {type(g.module).__name__} or switches "
                          "train/eval while it runs (replay would not)")
        self.snapshots = []
        self.outputs = self.output(result)
        self.find_owners()  # (after `output`: a returned W.detach() has an owner too)
        for c in self.constants():  # a literal written after an op read it (`.data[:] = X`)
            c.literal = c.literal and self.is_literal(c.array)
        self.literals = {}
        self.param_arrays = {}
        self.held = []
        self.reported = []
        self.ops = [op._replace(out=Spec(op.out.data)) for op in self.ops]  # drop the Tensors
        self.keep = []
        self.made = {}  # (the modules the step built: kept alive no longer than the call)
        self.slot = {}
        self.out_arrays = {}
        result = self.originals(result)
        self.as_is = {}
        return result

    def find_owners(self) -> None:
        """Each constant's `owners`: parameters, tensors the step holds, tensor attributes of
        its modules and tensors the library reported reading (`on_tensor_data`: wherever
        the step found them, a plain object's attribute or a dict entry too), whose .data is
        the constant's array: `W.detach()`, `Tensor(W.data)` made inside the step, or an op
        parameter the library read from a Tensor (`where(box.keep, ...)`, `x[:, m.idx]`: the
        op gets m.idx.data, not m.idx)."""
        owners: dict[int, dict[int, Any]] = {}  # id(array) -> {id(tensor): tensor}
        for t in (*(v for g in self.modules.values() for v in vars(g.module).values()
                    if isinstance(v, Tensor)),
                  *self.held, *(t for t, _, _ in self.param_arrays.values()), *self.reported):
            owners.setdefault(id(t.data), {})[id(t)] = t
        for c in self.constants():
            found = owners.get(id(c.array))
            if found:
                c.owners = tuple(t for t in found.values()
                                 if t is not c.tensor and t.data is c.array)

    def parameters(self) -> list[Any]:
        """The parameter Tensors its ops read."""
        params = {id(s.ref): s.ref for op in self.ops for s in op.sources if s.kind == PARAM}
        return list(params.values())

    def hook_owners(self) -> HookOwners:
        """The modules it used and the parameters it read (it was refused for a hook of one,
        `hooked`: jit records the step again once `HookOwners.gone`)."""
        return HookOwners([g.module for g in self.modules.values()],
                          [*self.parameters(), *self.hooked_leaves])

    def guards(self) -> Guards:
        """What a plan's guards would check of this recording alone, as things are now: its
        modules' attributes and train/eval mode, the names its step read, its parameters
        (still requiring grad, no hook, their dtypes and shapes) and constant tensors (their
        arrays, no grad). jit takes them as a signature's first recording ends: a change before
        its second call (`model.eval()`, a frozen layer, `model.float()`, a rebound name) then
        makes that call record afresh, as after a plan's guard failed, instead of comparing
        two recordings that differ for that reason (the signature ran eagerly for good)."""
        frozen = [c for c in self.constants() if c.tensor is not None]
        return Guards(self.parameters(), frozen, list(self.modules.values()), [], [],
                      bindings=self.bindings)

    def constants(self) -> Any:
        """The Consts the ops, the backward seeds (`backward(g)`) and the result read."""
        seeds = [e.seed for e in self.events if type(e) is BackwardRecord]
        return consts(([(op.sources, tuple(op.params.values())) for op in self.ops], seeds,
                       self.outputs))

    def output(self, r: Any) -> Returned:
        if isinstance(r, Tensor):
            if r.requires_grad:
                if r._ctx is None:  # a parameter: eager hands back the Tensor itself
                    return Returned(VALUE, r)
                if not r._ctx.released:
                    self.fail("it returns a tensor whose graph backward() could still go "
                              "through (no backward() in the step did, or only with "
                              "retain_graph=True): replay returns its value without a graph; "
                              "call backward() inside the step, or return t.detach()")
            sub = type(r) if type(r) is not Tensor else None  # (replay's result: the same)
            return Returned(TENSOR, self.source(r), (), sub)
        if type(r) in (tuple, list):
            return Returned(type(r), None, tuple(self.output(x) for x in r))
        if type(r) is dict:
            return Returned(dict, tuple(r), tuple(self.output(x) for x in r.values()))
        if isinstance(r, np.ndarray):
            src = self.array_source(r)  # loss.data: replay returns the new value
            if src.kind in (OUT, IN):
                return Returned(ARRAY, src)
            self.fail("it returns an array computed by its Python (logits.data.argmax(1)?): "
                      "replay would return the recorded one; return the Tensor instead")
        elif type(r) is float and float_bits(r) not in self.numbers:
            # not one of the call's numbers (the signature fixes those): computed by the step's
            # Python from .data or state replay does not see, it would stay the recorded one
            # for ever once both recordings gave the same (an accuracy on the same batch)
            self.fail(f"it returns the Python float {r!r:.40}, not one of its arguments: replay "
                      "would return the recorded one; return a Tensor (W.sum().detach(), not "
                      "float(W.data.sum())), or compute the number outside the step")
        elif r is None or type(r) in (bool, int, float, str):  # (ints: shapes, counts)
            return Returned(VALUE, r)
        else:
            self.fail(f"it returns a {type(r).__name__}: replay can rebuild only Tensors, "
                      "arrays, numbers, None and tuples, lists and dicts of them")
        return Returned(VALUE, None)

    def originals(self, r: Any) -> Any:
        if isinstance(r, Watched):
            j = self.input_index(r)
            return self.arrays[j] if j is not None else r.view(np.ndarray)
        if type(r) in (tuple, list):
            return type(r)(self.originals(x) for x in r)
        if type(r) is dict:
            return {k: self.originals(v) for k, v in r.items()}
        return r


def _held_objects(fn: Callable[..., Any]) -> list[Any]:
    """What fn can reach by name: itself, a partial's arguments, its bound self, closure
    cells, defaults and the globals its code names (one level: enough for `model` in a
    step's closure or module)."""
    objs: list[Any] = [fn]
    while isinstance(fn, functools.partial):
        objs.extend(fn.args)
        objs.extend(fn.keywords.values())
        fn = fn.func
    self_ = getattr(fn, "__self__", None)
    if self_ is not None:
        objs.append(self_)
        fn = getattr(fn, "__func__", fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return objs
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            objs.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    objs.extend(getattr(fn, "__defaults__", None) or ())
    g = getattr(fn, "__globals__", {})
    objs.extend(g[name] for name in code.co_names if name in g)
    return objs


float_bits = struct.Struct("<d").pack  # a float's 8 bytes (the sign of 0.0, a NaN's payload)


def _shape(a: np.ndarray) -> str:
    return f"a {a.dtype} array of shape {tuple(a.shape)}"


def _bounds(a: np.ndarray) -> tuple[int, int]:
    return byte_bounds(a)


def same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shapes and entries, NaN equal to NaN (an argument or parameter left unwritten)."""
    return np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
