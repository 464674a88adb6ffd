"""What a replay assumes about the world outside the step's arguments, checked before every
replay. When any of it changed since the step was recorded, the call runs eagerly and the step
is recorded afresh (eager and replay then agree again). Each check is a few attribute reads.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from itertools import chain
from typing import Any

import numpy as np

# the Python values a step's code may read by name (a closure variable, a global, an entry of
# a dict or a plain object it names) and act on without jit seeing it (`loss * SCALE`,
# `if USE_L2:`, `mode == "fast"`): when the name holds another object than when recorded,
# one of these is compared by value (`same_scalar`: a value recomputed equal keeps the
# recording); any other object must be the very one recorded (an IntEnum, an Enum member, a
# str subclass, a list: identity)
SCALAR_TYPES = frozenset({type(None), bool, int, float, complex, str, bytes, Fraction, Decimal})
_bits = struct.Struct("<d").pack


def is_scalar(obj: Any) -> bool:
    """A number, string, bytes, None, NumPy scalar or a tuple of these: a value a step reads
    by name, compared by value (`same_scalar`)."""
    t = type(obj)
    if t is tuple:
        return all(is_scalar(x) for x in obj)
    return t in SCALAR_TYPES or isinstance(obj, np.generic)


def same_scalar(a: Any, b: Any) -> bool:
    """`a` is the value `b` (`is_scalar`) was: the same type and value, a float by its bits
    (-0.0 is not 0.0, as `x * -0.0` is not `x * 0.0`; a NaN is itself), a Decimal by its
    digits and sign (float(Decimal("-0")) is -0.0), a NumPy scalar by dtype and bytes, a
    tuple item by item."""
    if type(a) is not type(b):
        return False
    t = type(a)
    if t is float:
        return _bits(a) == _bits(b)
    if t is complex:
        return _bits(a.real) == _bits(b.real) and _bits(a.imag) == _bits(b.imag)
    if t is tuple:
        return len(a) == len(b) and all(map(same_scalar, a, b))
    if t is Decimal:
        return a.as_tuple() == b.as_tuple()
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    return bool(a == b)


class Attr(str):
    """A binding's key read as an attribute of its box (`fn.__defaults__`), not a dict key."""


class Item(int):
    """A binding's key read as an item of its box, a list (`S[0]`, `nets[-1]`)."""


LENGTH: Any = type("Length", (), {"__repr__": lambda self: "LENGTH"})()  # a key: len(box)
# a key: all of a long list's items, by identity (its obj the tuple of them when recorded)
ITEMS: Any = type("Items", (), {"__repr__": lambda self: "ITEMS"})()


def same_items(box: Any, items: tuple[Any, ...]) -> bool:
    """Does list `box` hold `items`, the same objects in the same order (in C: a number
    replaced by an equal one records again, which is safe)? A set or a deque likewise, in
    the order it iterates (`list(S)`: equal members in another order are another index); a
    dict: `items` is (its keys, their values), the same keys in the same order (`list(D)`,
    an OrderedDict moved to its end), each value the same object."""
    if type(items) is Nested:  # (the containers inside a long nested list: all at once)
        boxes, lengths, flat, maps, values = items
        return (tuple(map(len, boxes)) == lengths
                and all(map(operator.is_, chain.from_iterable(boxes), flat))
                and all(map(operator.is_, chain.from_iterable(map(_VALUES, maps)), values)))
    if isinstance(box, dict):
        keys, values = items
        return (len(box) == len(keys) and all(map(operator.is_, box, keys))
                and all(map(operator.is_, box.values(), values)))
    return len(box) == len(items) and all(map(operator.is_, box, items))


class Nested(tuple):
    """The lists, dicts and sets inside a container the step reads whole, past the count
    guarded one term each (`contents.contents`), as `nested` makes it: a binding's box and
    object both (`same_items(deep, deep)`, in C)."""


def nested(boxes: Sequence[Any]) -> Nested:
    """(the containers, their lengths, their items (a dict's keys) in a row, the dicts, their
    values in a row): what `same_items` compares of them."""
    maps = tuple(b for b in boxes if isinstance(b, dict))
    return Nested((tuple(boxes), tuple(map(len, boxes)), tuple(chain.from_iterable(boxes)),
                   maps, tuple(chain.from_iterable(map(_VALUES, maps)))))


_VALUES = operator.methodcaller("values")


def items_of(box: Any) -> Any:
    """What `same_items` compares `box` with: its items (a dict's keys and values) now."""
    return (tuple(box), tuple(box.values())) if isinstance(box, dict) else tuple(box)


def unsized(m: Any) -> bool:
    """A module (is_module) that is a lazy layer not yet sized (nn.LazyLinear, LazyConv2d...):
    its parameter registry is no plain dict until its first call builds the layer, and
    listing it raises."""
    return type(m.__dict__.get("_parameters")) is not dict


def sized_parameters(m: Any) -> list[Any]:
    """m.parameters(), less those of the lazy layers in it not yet sized (they have none:
    listing theirs raises)."""
    subs = m.modules()
    if not any(unsized(s) for s in subs):
        return m.parameters()
    seen: dict[int, Any] = {}  # (each parameter once, in parameters()'s order)
    for s in subs:
        if not unsized(s):
            seen.update((id(p), p) for p in s.__dict__["_parameters"].values() if p is not None)
    return list(seen.values())


ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "nothing (deleted)"})()


def is_module(obj: Any) -> bool:
    """A tinygrad_dl.nn.Module (told by its version counter: jit does not import nn)."""
    try:
        d = getattr(obj, "__dict__", None)
    except Exception:  # noqa: BLE001 - a global whose __getattr__ raises KeyError (a proxy
        return False  # with slots), a __dict__ property that raises: eager never asked
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
        self.frozen = tuple(frozen)  # constant tensors (record_types.Const): same array, no grad
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
        # (box, key, obj, what): a name the step's code reads and what it held when recorded,
        # `what` saying where (the global SCALE). `box` is a closure cell (key None), a dict
        # (the step's globals, a dict it reads, a plain object's or class's __dict__, a
        # partial's keywords: key an entry) or a function (key an `Attr`: __defaults__); a
        # scalar is compared by value, any other object by identity (`net` rebound)
        self.bindings = tuple(bindings)

    def compiled(self) -> Callable[[Any], bool]:
        """`why_stale(arrays) is not None` as one generated boolean expression, so that the
        check costs a replay a few attribute reads and no loops (`why_stale` then says why)."""
        env: dict[str, Any] = {}
        body = self.expression(env)
        if self.may_raise():  # an emptied closure cell, a property's getter: stale
            src = (f"def stale(arrays):\n    try:\n        return {body}\n"
                   "    except Exception:\n        return True\n")
        else:
            src = f"def stale(arrays):\n    return {body}\n"
        exec(compile(src, "<jit guards>", "exec"), env)
        return env["stale"]

    def expression(self, env: dict[str, Any]) -> str:
        """The guards as one Python expression, True when one fails, over `arrays` (the
        step's arguments) and the objects it names, which it adds to `env` (as `GN`: no
        local of the compiled plan, which jit's entry writes after it, is named so). The
        source holds only those names and the repr of ints and bools: jit's call path writes
        it inline into its own generated entry (`jit.entry_checks`)."""
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
        for box, key, obj, _ in self.bindings:
            if key is ITEMS:
                terms.append(f"not {name(same_items)}({name(box)}, {name(obj)})")
                continue
            if key is None:
                where = f"{name(box)}.cell_contents"  # (ValueError when emptied: may_raise)
            elif type(key) is Attr:
                assert key.isidentifier(), key
                where = f"{name(box)}.{key}"
            elif type(key) is Item:  # (IndexError once the list is shorter: may_raise)
                where = f"{name(box)}[{int(key)}]"
            elif key is LENGTH:  # (a list a for loop walks: as many items as recorded)
                where = f"len({name(box)})"
            else:
                where = f"{name(box)}.get({name(key)}, {name(ABSENT)})"
            o = name(obj)
            if type(key) is Attr and is_scalar(obj):  # a getter's number (a property's),
                # read once into a local: a getter runs once per replay, not twice
                v = f"G_a{len(terms)}"
                terms.append(f"({v} := {where}) is not {o} and not {name(same_scalar)}({v}, {o})")
                continue
            # (a value: the same object unless rebound, compared by value only then)
            terms.append(f"{where} is not {o} and not {name(same_scalar)}({where}, {o})"
                         if is_scalar(obj) else f"{where} is not {o}")
        return " or ".join(f"({term})" for term in terms) or "False"

    def may_raise(self) -> bool:
        """Whether a guard's read may raise: a closure cell's once emptied (`del s` in the
        enclosing function, ValueError), an object's attribute read through a slot (emptied:
        `del cfg.lr`) or a property (its getter, whatever it raises), a list's item (the
        list shortened); `stale` is then True and the call runs eagerly, which raises what
        eager raises."""
        return any(key is None or type(key) in (Attr, Item) for _, key, _, _ in self.bindings)

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
        for box, key, obj, what in self.bindings:
            if key is ITEMS:
                if not same_items(box, obj):
                    return f"{what} changed (replay would keep the recorded ones)"
                continue
            try:
                now = (box.cell_contents if key is None else getattr(box, key)
                       if type(key) is Attr else box[key] if type(key) is Item
                       else len(box) if key is LENGTH else box.get(key, ABSENT))
            except Exception:  # noqa: BLE001 - an emptied cell (`del s`) or slot, a getter
                now = ABSENT  # that raises
            if now is obj or (is_scalar(obj) and same_scalar(now, obj)):
                continue
            if is_scalar(obj):
                return (f"{what} held {obj!r:.40} when recorded, now {now!r:.40} (replay "
                        "would keep the recorded value)")
            if now is ABSENT:
                return f"{what} held a {type(obj).__name__} when recorded, now nothing (deleted)"
            return (f"{what} holds another {type(now).__name__} than the "
                    f"{type(obj).__name__} it held when recorded (eager would use the new one; "
                    "or the step rebinds it, which a replay would not)")
        return None


def _name(t: Any) -> str:
    return t.name or f"of shape {tuple(t.data.shape)}"
