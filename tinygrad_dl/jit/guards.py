"""What a replay assumes about the world outside the step's arguments, checked before every
replay. When any of it changed since the step was recorded, the call runs eagerly and the step
is recorded afresh (eager and replay then agree again). Each check is a few attribute reads.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# the Python values a step's code may read from a closure variable or global and act on
# without jit seeing it (`loss * SCALE`, `if USE_L2:`, `mode == "fast"`): their recorded
# value is guarded (`same_scalar`); a subclass (an IntEnum) is not one of them
SCALAR_TYPES = frozenset({type(None), bool, int, float, complex, str, bytes})
_bits = struct.Struct("<d").pack


def is_scalar(obj: Any) -> bool:
    """A number, string, bytes, None or NumPy scalar: a value a step reads by name."""
    return type(obj) in SCALAR_TYPES or isinstance(obj, np.generic)


def same_scalar(a: Any, b: Any) -> bool:
    """`a` is the value `b` was: the same type and value, a float by its bits (-0.0 is not
    0.0, as `x * -0.0` is not `x * 0.0`; a NaN is itself), a NumPy scalar by dtype and bytes."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return _bits(a) == _bits(b)
    if type(a) is complex:
        return _bits(a.real) == _bits(b.real) and _bits(a.imag) == _bits(b.imag)
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    return bool(a == b)


def is_module(obj: Any) -> bool:
    """A tinygrad_dl.nn.Module (told by its version counter: jit does not import nn)."""
    d = getattr(obj, "__dict__", None)
    return type(d) is dict and "_version" in d and "_modules" in d


class ModuleGuard:
    """A module as the recording found it: its attribute version and train/eval mode.

    The version changes with every attribute assignment (`model.W = Tensor(...)`,
    `model.lam = 0.5`, a replaced layer); the mode is compared by value, so an evaluation
    that switches to eval() and back to train() between steps leaves the recording valid.
    """

    __slots__ = ("module", "version", "training")

    def __init__(self, m: Any) -> None:
        self.module, self.version, self.training = m, m._version, m.training

    def changed(self) -> bool:
        m = self.module
        return m._version != self.version or m.training != self.training


class Guards:
    """Everything one recording relies on besides the step's arguments."""

    __slots__ = ("trainable", "specs", "frozen", "modules", "grad_none", "aliases", "borrowed",
                 "layouts", "bindings")

    def __init__(self, trainable: list[Any], frozen: list[Any], modules: list[ModuleGuard],
                 grad_none: list[Any], aliases: list[tuple[int, int]],
                 borrowed: Sequence[tuple[Any, Any]] = (),
                 layouts: Sequence[tuple[int, tuple[int, ...]]] = (),
                 bindings: Sequence[tuple[Any, Any, Any]] = ()) -> None:
        self.trainable = tuple(trainable)  # parameters: must still require grad, no hook
        # ... and keep their dtype and shape: a recast W.data = W.data.astype(np.float64) is
        # re-read by the replay, but what was recorded around it (constants cast to the old
        # dtype, a kept gradient buffer) is not, so the numbers would differ from eager's
        self.specs = tuple((t.data.dtype, t.data.shape) for t in self.trainable)
        self.frozen = tuple(frozen)  # constant tensors (record.Const): same array, no grad
        self.modules = tuple(modules)  # the step's modules: same attributes and mode
        self.grad_none = tuple(grad_none)  # leaves whose .grad was None at the step's start
        self.aliases = tuple(aliases)  # argument positions that were one array
        # (tensor, array): an array replay reads (or returns) as a constant that is a tensor's
        # .data, read eagerly through a tensor made inside the step (W.detach(),
        # Tensor(W.data)) or by the library as an op parameter (where(m.keep, ...), x[m.idx])
        self.borrowed = tuple(borrowed)
        # (position, strides): arguments the step's NumPy made contiguous or reshaped
        # (np.ascontiguousarray(X), X.reshape(n, -1)), which copies or not by the layout
        self.layouts = tuple((int(j), tuple(int(s) for s in st)) for j, st in layouts)
        # (cell, None, obj) or (globals, name, obj): a closure cell or global of the step's
        # that held a Module or Tensor (`net` rebound to another model between calls), the
        # very object; or a number, string or None the step's code reads (`SCALE`), its value
        self.bindings = tuple(bindings)

    def compiled(self) -> Callable[[Any], bool]:
        """`why_stale(arrays) is not None` as one generated boolean expression, so that the
        check costs a replay a few attribute reads and no loops (`why_stale` then says why)."""
        env: dict[str, Any] = {}
        body = self.expression(env)
        exec(compile(f"def stale(arrays):\n    return {body}\n", "<jit guards>", "exec"), env)
        return env["stale"]

    def expression(self, env: dict[str, Any]) -> str:
        """The guards as one Python expression, True when one fails, over `arrays` (the
        step's arguments) and the objects it names, which it adds to `env` (as `GN`: no
        local of the compiled plan, which jit's entry writes after it, is named so). The
        source holds only those names and the repr of ints and bools: jit's call path writes
        it inline into its own generated entry (`jit.make_entry`)."""
        terms: list[str] = []
        named: dict[int, str] = {}  # id -> name: a tensor guarded twice is looked up once

        def name(obj: Any) -> str:
            key = named.get(id(obj))
            if key is None or env.get(key) is not obj:
                key = named[id(obj)] = f"G{len(env)}"
                env[key] = obj
            return key

        for i, (t, (dtype, shape)) in enumerate(zip(self.trainable, self.specs)):
            t, d, dt = name(t), f"G_{i}", name(dtype)
            # (.data read once into a local; the dtype compared by identity first, which
            # is what it nearly always is: `!=` decides only when it is another object)
            terms.append(f"not {t}.requires_grad or (({d} := {t}.data).dtype is not {dt} and "
                         f"{d}.dtype != {dt}) or {d}.shape != {tuple(int(n) for n in shape)!r}"
                         f" or {t}._retain")  # (a hook registered since: tensor_hooks)
        for c in self.frozen:
            t = name(c.tensor)
            terms.append(f"{t}.data is not {name(c.array)} or {t}.requires_grad")
        for g in self.modules:
            m = name(g.module)
            terms.append(f"{m}._version != {int(g.version)} or {m}.training != {bool(g.training)}")
        for t in self.grad_none:
            terms.append(f"{name(t)}.grad is not None")
        for i, j in self.aliases:
            terms.append(f"arrays[{int(i)}] is not arrays[{int(j)}]")
        for t, a in self.borrowed:
            terms.append(f"{name(t)}.data is not {name(a)}")
        for j, strides in self.layouts:
            terms.append(f"arrays[{j}].strides != {strides!r}")
        for box, key, obj in self.bindings:
            where = (f"{name(box)}.cell_contents" if key is None
                     else f"{name(box)}.get({name(key)})")
            o = name(obj)
            # (a value: the same object unless rebound, compared by value only then)
            terms.append(f"{where} is not {o} and not {name(same_scalar)}({where}, {o})"
                         if is_scalar(obj) else f"{where} is not {o}")
        return " or ".join(f"({term})" for term in terms) or "False"

    def why_stale(self, arrays: Any) -> str | None:
        """Why the recording no longer describes what the step would do, or None."""
        for t, (dtype, shape) in zip(self.trainable, self.specs):
            if not t.requires_grad:
                return f"parameter {_name(t)} no longer requires grad"
            if t._retain:
                return f"parameter {_name(t)} has a hook now (register_hook)"
            if t.data.dtype != dtype or t.data.shape != shape:
                return (f"parameter {_name(t)} is now {t.data.dtype} {tuple(t.data.shape)}, "
                        f"recorded as {dtype} {tuple(shape)}")
        for c in self.frozen:
            t = c.tensor
            if t.data is not c.array or t.requires_grad:
                return f"constant tensor {_name(t)} was given new .data (or requires grad)"
        for g in self.modules:
            if g.changed():
                return (f"an attribute or the train/eval mode of {type(g.module).__name__} "
                        "changed")
        for t in self.grad_none:
            if t.grad is not None:
                return (f"parameter {_name(t)} had .grad None when the step was recorded but "
                        "not now (is .grad reset inside the step? call optimizer.zero_grad() "
                        "outside the jitted step: replay runs no Python of it)")
        for i, j in self.aliases:
            if arrays[i] is not arrays[j]:
                return f"arguments {i} and {j} were one array when recorded, not now"
        for t, a in self.borrowed:
            if t.data is not a:
                return (f"tensor {_name(t)} was given new .data, which the step reads through "
                        "a tensor it makes (t.detach(), Tensor(t.data)) or as an op parameter "
                        "(a mask, an index)")
        for j, strides in self.layouts:
            if arrays[j].strides != strides:
                return (f"argument {j} has strides {arrays[j].strides}, recorded with "
                        f"{strides}, and the step's NumPy makes it contiguous or reshapes it "
                        "(np.ascontiguousarray, reshape, ravel), which copies or not by the "
                        "layout")
        for box, key, obj in self.bindings:
            try:
                now = box.cell_contents if key is None else box.get(key)
            except ValueError:  # the cell was emptied (`del net`)
                now = None
            where = "the global " + key if key is not None else "a closure variable"
            if is_scalar(obj):
                if now is not obj and not same_scalar(now, obj):
                    return (f"{where} of the step held {obj!r:.40} when recorded, now "
                            f"{now!r:.40} (replay would keep the recorded value)")
            elif now is not obj:
                return f"{where} of the step held another {type(obj).__name__} when recorded"
        return None


def _name(t: Any) -> str:
    return t.name or f"of shape {tuple(t.data.shape)}"
