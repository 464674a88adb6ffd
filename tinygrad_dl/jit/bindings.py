"""What a jitted step's Python reads by name, for replay's guards (`guards.Guards.bindings`).

Eager reads a name afresh at every call (`loss * SCALE`, `net.loss(...)`, `cfg["lam"]`); a
replay keeps what the recorded call computed from it. `bindings(fn)` lists the places the
step's code reads (closure cells, globals, the entries and attributes of what these hold that
the code names, found in its bytecode by `attribute_reads`, its defaults, a partial's
keywords) with the object each held, so that each replay first checks that each still holds
it (a number, string or None by value). What it cannot list is the user's job (docs/jit.md).
"""

from __future__ import annotations

import dis
import functools
import io
import random
import sysconfig
import types
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .contents import contents, is_container, nested_in, plain_list
from .guards import ABSENT, ITEMS, LENGTH, Attr, Item, is_module, is_scalar


def bindings(fn: Callable[..., Any]) -> list[tuple[Any, Any, Any, str]]:
    """(box, key, obj, what) per name the step's Python reads, with the object it held
    (`guards.Guards.bindings`): eager reads the name afresh at every call, replay keeps what
    the recorded call computed from it, so replay's guards check that each still holds that
    object (a number, string or None: that value). The names: each closure variable and
    global the step's code reads (`loss * SCALE`, `if USE_L2:`, `net` rebound to another
    model, a helper redefined in a notebook), and those of the functions of its module it
    calls or its closure holds (a script's or a notebook's helpers, the step a decorator
    wraps); the entries of a dict and the attributes of a plain object one of these holds
    that the code takes of it (`cfg["lam"]`, `cfg.lr`, a bound method's `self.scale` or
    `self.model`: `attribute_reads`), and further in (`self.cfg.lr`, up to `DEPTH`); its
    default arguments; a partial's keywords. Also each
    global of a Module or Tensor its code assigns (`global W; W = Tensor(...)`)."""
    out: list[tuple[Any, Any, Any, str]] = []
    args: list[Any] = []  # a partial's positional arguments, in the order the call gets them
    keywords: dict[str, Any] = {}
    while isinstance(fn, functools.partial):
        kw = fn.keywords  # (a dict: `step.keywords["s"] = 5.0` changes the call)
        if type(kw) is dict:
            out.extend((kw, k, v, f"keyword {k} of the step's partial") for k, v in kw.items())
            keywords = {**kw, **keywords}
        args[:0] = fn.args
        fn = fn.func
    self_ = getattr(fn, "__self__", None)
    fn = getattr(fn, "__func__", fn)
    call = next((vars(c)["__call__"] for c in type(fn).__mro__ if "__call__" in vars(c)), None)
    if (getattr(fn, "__code__", None) is None and type(call) is types.FunctionType
            and not is_module(fn) and getattr(type(fn), "__module__", None) != __package__):
        self_, fn = fn, call  # an object with a __call__ of its own: a bound method's case
    code = getattr(fn, "__code__", None)
    if code is None:
        return out
    g = getattr(fn, "__globals__", {})
    # (by the instructions, not co_names, which also holds attribute names: a script's
    # `loss = step(X, y)` rebinds a global Tensor `loss` every call, which `model.loss(...)`
    # does not read; guarded, it made every call record again, then run eagerly)
    out.extend((g, name, g[name], f"the global {name} of the step")
               for name in sorted(read_globals(code, _GLOBAL_OPS))
               if name in g and (is_module(g[name]) or isinstance(g[name], Tensor)))
    # what its parameters are bound to before the call: self (a bound method's), a partial's
    # arguments; what the code reads of each (`self.scale`, `cfg.lr` of a partial's `cfg`)
    bound = [] if self_ is None else [(self_, "self")]
    bound += [(v, f"argument {i} of the step's partial") for i, v in enumerate(args)]
    reads = attribute_reads(code)
    for (obj, label), param in zip(bound, code.co_varnames[:code.co_argcount]):
        out.extend(entries(obj, reads.get(("l", param), ()), label, fn))
    for k, v in keywords.items():
        out.extend(entries(v, reads.get(("l", k), ()), f"keyword {k} of the step's partial", fn))
    out.extend(_read_values(fn, g, set()))
    seen: set[tuple[int, Any]] = set()  # one guard per place
    kept = []
    for b in out:
        place = (id(b[0]), b[1])
        if place not in seen:
            seen.add(place)
            kept.append(b)
    return kept


def _read_values(fn: Any, g: dict[str, Any], seen: set[int]) -> list[tuple[Any, Any, Any, str]]:
    """The bindings `fn` reads (`_bindings`): its defaults, its closure cells and the globals
    of `g` its code loads, the entries of these its code names, and the same of the
    functions of the same module (the same globals) it names."""
    seen.add(id(fn))
    code = fn.__code__
    reads = attribute_reads(code)
    out: list[tuple[Any, Any, Any, str]] = []
    n = code.co_argcount
    for attr in ("__defaults__", "__kwdefaults__"):  # step.__defaults__ = (10.0,)
        v = getattr(fn, attr, None)
        if v is not None:
            out.append((fn, Attr(attr), v, f"{fn.__name__}.{attr}"))
            if type(v) is dict:  # step.__kwdefaults__["s"] = 5.0
                out.extend((v, k, x, f"{fn.__name__}.{attr}[{k!r}]") for k, x in v.items())
            # (def step(X, cfg=CFG): cfg.lr; positional defaults are the last parameters')
            named = (v.items() if type(v) is dict else
                     zip(code.co_varnames[n - len(v):n], v) if type(v) is tuple else ())
            for param, x in named:
                out.extend(entries(x, reads.get(("l", param), ()),
                                    f"the default {param} of {fn.__name__}", fn))
    for var, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or ()):
        try:
            obj = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        out.append((cell, None, obj, f"the closure variable {var} of {fn.__name__}"))
        out.extend(entries(obj, reads.get(("l", var), ()), var, fn))
        if (type(obj) is types.FunctionType and id(obj) not in seen and (
                obj.__globals__ is g or obj is getattr(fn, "__wrapped__", None))):
            # a helper passed in (`make(act)`), or the step a decorator wraps (`@timed`:
            # its wrapper holds it, and it reads its own module's globals)
            out.extend(_read_values(obj, obj.__globals__, seen))
    for name in sorted(read_globals(code)):
        obj = g.get(name, _ABSENT)
        if obj is _ABSENT:  # (a builtin)
            continue
        if type(obj) is types.ModuleType:  # (np, F, `import config`: not rebound; what the
            out.extend(entries(obj, reads.get(("g", name), ()), name, fn))  # code reads of
            continue  # a user's module is: `config.LR`)
        out.append((g, name, obj, f"the global {name} of the step"))
        out.extend(entries(obj, reads.get(("g", name), ()), name, fn))
        if (type(obj) is types.FunctionType and obj.__globals__ is g
                and id(obj) not in seen):  # a helper beside the step (a script's, a notebook's)
            out.extend(_read_values(obj, g, seen))
    return out


def through(proxy: Any, found: list[tuple[Any, Any, Any, str]]
            ) -> list[tuple[Any, Any, Any, str]]:
    """`found` with each entry of the object behind `proxy` (a weak proxy: the `self` of @jit
    on a `__slots__` object's method, jit.WeakBound) read through the proxy, which does not
    keep the object alive (its bound method's __getattribute__'s __self__: the object)."""
    real = proxy.__getattribute__.__self__
    return [(proxy if b[0] is real else b[0], *b[1:]) for b in found]


def entries(obj: Any, paths: Any, label: str, fn: Any) -> list[tuple[Any, Any, Any, str]]:
    """The entries of `obj` (a dict, a plain object's attributes, a class's of the step's own
    module) on the `paths` the code takes into it (`attribute_reads`): `cfg["lam"]`,
    `cfg.lr`, `self.model`, a classmethod's `cls.S`, and further in, `self.cfg.lr` (each
    object on the way by identity); an attribute behind a slot, a property or __getattr__
    as the object itself and an `Attr` (the guard reads it as eager does). A Module's
    attributes have its version, a Tensor's its guards."""
    if not paths:
        return []
    if type(obj) in weakref.ProxyTypes:  # the `self` of @jit on a `__slots__` object's method
        # (jit.WeakBound); a callable object's proxy is a CallableProxyType (missed: no
        # guard of `self.scale`, replays stale)
        try:
            real = obj.__getattribute__.__self__
        except ReferenceError:  # (weakref's own words named neither the step nor the fix)
            raise ReferenceError(f"jit: {label}, which {getattr(fn, '__qualname__', 'the step')} "
                                 "reads through a weak proxy, was freed (an @jit method's "
                                 "object); call the method on a live object") from None
        return through(obj, entries(real, paths, label, fn))
    if _advanced(obj, paths):  # `next(IT)`, `for b in batches:` of an iterator: an item
        # taken by the step's Python, which replay would keep (and not advance it): refused
        return [(DRAWS, None, obj, f"next({label})")]
    if type(obj) not in (list, tuple) and not plain_list(obj) and any(
            p[0] is EACH for p in paths):  # `for k in D:`, `for v in S:`: each, in order
        paths = [(WHOLE,) if p[0] is EACH else p for p in paths]
    if any(p[0] is WHOLE for p in paths):  # `x[IDX]`, `f(**KW)`: a list's or a dict's items
        paths = [p for p in paths if p[0] is not WHOLE]  # as they are, `IDX[0] = 1` seen;
        # not those of one the code changes itself (`calls.append(1)`, then `len(calls)`:
        # every call would record again; what replay does not redo is the user's, docs/jit.md)
        kept = [] if any(p[0] in MUTATORS for p in paths) else contents(obj, label, MANY)
        return [*kept, *entries(obj, paths, label, fn)]
    if isinstance(obj, STREAMS):  # `rng.random()` in the step's Python: a draw that replay
        # would not make (its decision frozen, the stream not advanced): DRAWS says so
        named = sorted(p[0] for p in paths if type(p[0]) is str and not p[0].startswith("__"))
        return [(DRAWS, None, obj, f"{label}.{named[0]}")] if named else []
    if type(obj) in (list, tuple) or plain_list(obj):  # `S[0]`, `nets[-1]`, `cfg.opts[0].lr`
        return _items(obj, paths, label, fn)  # (a list subclass's items too: replayed stale)
    mapping = type(obj) is dict or isinstance(obj, dict) and type(obj).get is dict.get
    if mapping:  # (an OrderedDict, a defaultdict, a dict subclass: the guard's d.get is dict's)
        d: Any = obj
    elif isinstance(obj, type):
        if obj.__module__ != getattr(fn, "__module__", None):  # (library classes: not ours)
            return []
        d = obj.__dict__  # (a live view of the class's attributes)
    elif is_module(obj):  # its own attributes have its version; what they hold does not
        return _module_entries(obj, paths, label, fn)  # (self.cfg.lr = 5.0 of a Module)
    elif type(obj) is types.ModuleType:  # `config.LR` with `import config`: a user's module
        if not user_code(getattr(obj, "__file__", None) or "<>", obj.__name__):
            return []  # (np.pi, F.relu: a library's, not changed by a training loop)
        d = obj.__dict__
    elif (isinstance(obj, (Tensor, np.ndarray, functools.partial))
          or type(obj) in (types.FunctionType, types.MethodType)
          or getattr(type(obj), "__module__", None) == __package__):  # (a jit: its counters)
        return []
    else:
        try:
            d = obj.__dict__
        except Exception:  # noqa: BLE001 - none (slots only), or a property that raises
            d = None
        if d is not None and type(d) is not dict:
            return []
    further: dict[Any, set[tuple[Any, ...]]] = {}  # first key -> the rest of each path
    for path in paths:
        further.setdefault(path[0], set()).update([path[1:]] if len(path) > 1 else [])
    out: list[tuple[Any, Any, Any, str]] = []
    mro = () if mapping else obj.__mro__[1:] if isinstance(obj, type) else type(obj).__mro__
    for k in sorted(further, key=repr):
        if mapping:
            if not dict.__contains__(d, k):  # `cfg.get("m", 1.0)` with no "m": one set
                out.append((d, k, ABSENT, f"{label}[{k!r}]"))  # later is read by eager
                continue
            where, now = f"{label}[{k!r}]", dict.__getitem__(d, k)
            out.append((d, k, now, where))
        elif type(k) is not str:  # (an int subscript of an object: `obj[0]`, not an attribute)
            continue
        else:
            where, now = f"{label}.{k}", _attribute(obj, d, k, mro, where=f"{label}.{k}",
                                                    out=out, further=bool(further[k]))
            if now is _ABSENT:
                continue
        if further[k] and not is_scalar(now):  # `self.cfg` of `self.cfg.lr`: the same
            out.extend(entries(now, further[k], where, fn))  # object holds `lr` still?
    return out


def _items(seq: list[Any] | tuple[Any, ...], paths: Any, label: str, fn: Any
           ) -> list[tuple[Any, Any, Any, str]]:
    """The items of a list (by value or identity, as an entry: `S[0] = 5.0` in place) or a
    tuple (fixed: only followed further) at the constant indices the code takes."""
    out: list[tuple[Any, Any, Any, str]] = []
    for path in sorted(paths, key=repr):
        k = path[0]
        if k is EACH:  # `for o in cfg.opts:` reads every item, as many as there are
            if isinstance(seq, list) and len(seq) > MANY:  # (one term per item made a
                # replay over 10,000 numbers 35 ms: the items by identity at once, in C)
                out.append((seq, ITEMS, tuple(seq), f"the items of {label}"))
            elif isinstance(seq, list):
                out.append((seq, LENGTH, len(seq), f"len({label})"))
            for i in range(len(seq)):
                if isinstance(seq, list) and len(seq) > MANY:  # (what each item holds
                    if len(path) > 1 and path[1] is not WHOLE and not is_scalar(seq[i]):  # whole:
                        # `inner`, below)
                        out.extend(entries(seq[i], [path[1:]], f"{label}[{i}]", fn))
                else:
                    out.extend(_items(seq, [(i, *path[1:])], label, fn))
            inner = [v for v in seq if is_container(v)] if path[1:2] == (WHOLE,) and isinstance(
                seq, list) and len(seq) > MANY else []
            if inner:  # (`for row in ROWS: Tensor(row)`: what each row holds, by one term)
                deep = nested_in(inner)  # (its own box: one guard per place)
                out.append((deep, ITEMS, deep, f"the items inside {label}"))
            continue
        if type(k) is not int or not -len(seq) <= k < len(seq):
            continue
        now, where = seq[k], f"{label}[{k}]"
        if isinstance(seq, list):
            out.append((seq, Item(k), now, where))
        if len(path) > 1 and not is_scalar(now):
            out.extend(entries(now, [path[1:]], where, fn))
    return out


def _advanced(obj: Any, paths: Any) -> bool:
    """Does the code take items of iterator `obj` (a generator, `iter(...)`, a
    `itertools.cycle`): hand it whole to a call (`next(IT)`), walk it or call its `__next__`?"""
    t = type(obj)  # (not a file: `print(..., file=log)`)
    return hasattr(t, "__next__") and hasattr(t, "__iter__") and not isinstance(
        obj, io.IOBase) and any(p[0] is WHOLE or p[0] is EACH or p[0] in ("__next__", "send")
                                for p in paths)


def _module_entries(m: Any, paths: Any, label: str, fn: Any) -> list[tuple[Any, Any, Any, str]]:
    """What the code reads into a Module's plain attributes (`self.cfg.lr` in a Module's
    method, `model.cfg["lam"]`): `model.cfg.lr = 5.0` leaves the module's version as it is.
    The attribute itself is guarded by identity only where something in it is (a layer, a
    tensor, an activation the step keeps, `self.out = ...`, are not followed)."""
    d = m.__dict__
    out: list[tuple[Any, Any, Any, str]] = []
    for path in sorted(paths, key=repr):
        k = path[0]
        if type(k) is not str:
            continue
        if k == "__class__":  # `self.__class__.scale`: what the code reads of its class
            out.extend(entries(type(m), [path[1:]] if len(path) > 1 else [], label, fn))
            continue
        if k not in d:  # a number its class holds (`scale = 2.0` in the class body, read as
            # `self.scale` in forward): `Net.scale = 5.0` leaves the module's version as it is
            klass = next((c for c in type(m).__mro__ if k in c.__dict__), None)
            if (klass is not None and getattr(klass, "__module__", "").split(".")[0] !=
                    "tinygrad_dl" and is_scalar(klass.__dict__[k])):
                out.append((d, k, ABSENT, f"{label}.{k}"))
                out.append((klass.__dict__, k, klass.__dict__[k], f"{klass.__name__}.{k}"))
            continue
        if len(path) < 2:
            continue
        sub = entries(d[k], [path[1:]], f"{label}.{k}", fn)
        if sub:
            out.append((d, k, d[k], f"{label}.{k}"))
            out.extend(sub)
    return out


def _attribute(obj: Any, d: dict[str, Any] | None, k: str, mro: Any, where: str,
               out: list[tuple[Any, Any, Any, str]], further: bool) -> Any:
    """Guard attribute `k` of `obj` (its __dict__ `d`, None with slots only) as eager reads
    it (into `out`); what it holds, or _ABSENT where nothing is guarded."""
    klass = next((c for c in mro if k in c.__dict__), None)
    if not isinstance(obj, type) and (
            _data_descriptor(klass.__dict__[k]) if klass is not None else
            (d is None or k not in d) and hasattr(type(obj), "__getattr__")):
        # a slot (`@dataclass(slots=True)`'s `cfg.lr`), a property (`self.scale`, computed;
        # a data descriptor wins over the instance's __dict__) or what the class's
        # __getattr__ gives (an attribute-style config over a dict): read as eager reads it,
        # by the guard per replay
        try:
            now = getattr(obj, k)
        except Exception:  # noqa: BLE001 - an empty slot, a getter that raises: a replay
            return _ABSENT  # can keep nothing read from it (the recorded call read none)
        out.append((obj, Attr(k), now, where))
        return now
    if d is not None and k in d:
        out.append((d, k, d[k], where))
        return d[k]
    # a number its class holds (`scale = 2.0` in the class body): `o.scale = 5.0` on the
    # object, or `Obj.scale = 5.0` on the class, changes what the step reads; an object it
    # holds that the code reads into (`self.cfg.lr` with `cfg = Cfg()` in the class body)
    if klass is not None and (is_scalar(klass.__dict__[k]) or further and not callable(
            klass.__dict__[k]) and not hasattr(type(klass.__dict__[k]), "__get__")):
        if d is not None:  # (slots only: nothing of the object's can shadow it)
            out.append((d, k, ABSENT, where))
        out.append((klass.__dict__, k, klass.__dict__[k], f"{klass.__name__}.{k}"))
        return klass.__dict__[k]
    return _ABSENT


_ABSENT = object()
# random streams: a method of one taken by the user's Python draws (or seeds) it; marked in
# `entries`' result by a binding whose box is DRAWS (the recording refuses the step); an
# iterator whose items the step's Python takes likewise (`_advanced`)
STREAMS = (np.random.Generator, np.random.RandomState, np.random.BitGenerator, random.Random)
DRAWS: Any = type("Draws", (), {"__repr__": lambda self: "DRAWS"})()
# where the standard library and installed packages live: code there is not the user's
_LIBRARY = tuple(sorted({p for k in ("stdlib", "platstdlib", "purelib", "platlib")
                         if (p := sysconfig.get_paths().get(k))}))


def user_code(filename: str, module: str | None) -> bool:
    """Is code of this file and module the user's (a script's, a notebook's, a package of
    their own), not this package's, the standard library's or an installed package's?"""
    if module is not None and (module == "tinygrad_dl" or module.startswith("tinygrad_dl.")):
        return False
    if filename.startswith("<"):  # no file: a script's exec'd code (in __main__) is; a
        return module == "__main__"  # namedtuple's generated __new__, a jit plan are not
    return not filename.startswith(_LIBRARY)


def _data_descriptor(attr: Any) -> bool:
    """A class attribute that decides what `obj.name` reads over the instance's __dict__: a
    slot, a property, any descriptor with __set__ or __delete__ (not a method or a number)."""
    t = type(attr)
    return hasattr(t, "__get__") and (hasattr(t, "__set__") or hasattr(t, "__delete__"))


_SKIP = frozenset({"EXTENDED_ARG", "CACHE", "NOP"})  # (no instruction of the step's own)
_ON = frozenset({"LOAD_ATTR", "LOAD_METHOD", "STORE_ATTR", "DELETE_ATTR"})
_SUBSCRIPT = frozenset({"BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR"})
_KEY = frozenset({"LOAD_CONST", "LOAD_SMALL_INT"})  # (3.14 loads an int 0..255 by the latter)
# a closure variable; in a class body (`class A: v = cfg.lr` in the step) 3.12 spells
# LOAD_CLASSDEREF as LOAD_FROM_DICT_OR_DEREF (its read was lost: a replay kept the old lr)
_CELL = frozenset({"LOAD_DEREF", "LOAD_CLASSDEREF", "LOAD_FROM_DICT_OR_DEREF"})
# 3.13's superinstructions (3.14's borrowing loads too) -> the two instructions each is
_PAIRS = {"LOAD_FAST_LOAD_FAST": ("LOAD_FAST", "LOAD_FAST"),
          "STORE_FAST_LOAD_FAST": ("STORE_FAST", "LOAD_FAST"),
          "STORE_FAST_STORE_FAST": ("STORE_FAST", "STORE_FAST"),
          "LOAD_FAST_BORROW_LOAD_FAST_BORROW": ("LOAD_FAST_BORROW", "LOAD_FAST_BORROW")}


def attribute_reads(code: Any) -> dict[tuple[str, str], set[tuple[Any, ...]]]:
    """What `code` (and its nested code) reads or writes into a name, by the name: ("g",
    name) for a global, ("l", name) for a local, argument or closure variable, mapped to the
    paths of attributes and constant subscripts it takes of it, up to `DEPTH` deep
    (`cfg.lr`: ("lr",); `self.cfg.lr`: ("cfg",) and ("cfg", "lr"); `cfg["opt"]["lam"]`;
    `self.model.loss(...)`: ("model",) and ("model", "loss"), a method call ending the path).
    A local the code binds to a name or a path of it (`c = self.cfg`, then `c.lr`) reads
    into it: ("cfg", "lr") of `self`. From the bytecode: an unknown instruction sequence
    (another Python) names nothing, so guards nothing."""
    reads: dict[tuple[str, str], set[tuple[Any, ...]]] = {}
    aliases: dict[tuple[str, str], set[tuple[tuple[str, str], tuple[Any, ...]]]] = {}
    _reads(code, reads, aliases)
    for _ in range(DEPTH):  # (`c = self.cfg; o = c.opt; o.lr`: one alias of another)
        grown = False
        for local, origins in aliases.items():
            for src, path in origins:
                for p in list(reads.get(local, ())):
                    if len(path) + len(p) <= DEPTH and (*path, *p) not in reads.get(src, ()):
                        reads.setdefault(src, set()).add((*path, *p))
                        grown = True
        if not grown:
            break
    return reads


def _reads(code: Any, reads: dict[tuple[str, str], set[tuple[Any, ...]]],
           aliases: dict[tuple[str, str], set[tuple[tuple[str, str], tuple[Any, ...]]]]
           ) -> None:
    """`attribute_reads` of `code` and its nested code into `reads`, the locals bound to a
    name or a path of it (`c = self.cfg`: ("l", "c") -> (("l", "self"), ("cfg",))) into
    `aliases`."""
    src: tuple[str, str] | None = None
    path: tuple[Any, ...] = ()  # (what was taken of src so far: `self.cfg` -> ("cfg",))
    const: Any = None  # (a LOAD_CONST right after the name: a subscript's key?)
    get = False  # (`.get` just taken of the name: `cfg.get("wd", 0.0)` reads the key "wd")
    unpack: list[tuple[Any, ...]] = []  # (the paths `for a, b in pairs:` stores next)
    # (`a, b = cfg.a, cfg.b`: the names and paths on the stack under the one read now, and
    # after the first STORE_FAST those the STORE_FASTs right after it store; each Python
    # orders them its own way: 3.10 rotates them first, 3.11+ stores the last one first)
    below: list[tuple[tuple[str, str], tuple[Any, ...]]] = []
    stored: list[tuple[tuple[str, str], tuple[Any, ...]]] = []
    last = None  # (the instruction before: a COPY leaves what a STORE_FAST stores on the stack)
    for ins in _instructions(code):
        op = ins.opname
        if op in _SKIP:
            continue
        prev, last = last, op
        if stored:
            if op in ("STORE_FAST", "STORE_DEREF"):
                src, path = stored.pop()
            else:
                stored = []
        if src is not None and const is None and not get and (
                op == "GET_ITER" or op == "FOR_ITER" and path[-1:] == (EACH,)):
            below = []
            if op == "GET_ITER":  # `for o in cfg.opts:`: each item is read, and what the
                path = (*path, EACH)  # loop variable's code takes of it (an alias, below)
                reads.setdefault(src, set()).add(path)
            continue
        if (src is not None and path[-1:] == (EACH,) and const is None and not get
                and op in ("UNPACK_SEQUENCE", "UNPACK_EX")):  # `for a, b in pairs:`: every
            unpack = [(*path, i) for i in range(ins.arg if op == "UNPACK_SEQUENCE" else 0)]
            if len(path) < DEPTH:  # item of each item read (`pairs[0][0] = 5.0` in place)
                reads.setdefault(src, set()).add((*path, EACH))
            continue  # (each name stored next: what its code takes of that item, below)
        if unpack and op == "STORE_FAST" and src is not None:
            if len(unpack[0]) <= DEPTH:
                aliases.setdefault(("l", ins.argval), set()).add((src, unpack[0]))
            unpack = unpack[1:]
            if not unpack:
                src, path = None, ()
            continue
        unpack = []
        if op in ("LOAD_GLOBAL", "LOAD_NAME") or op.startswith("LOAD_FAST") or op in _CELL:
            if src is not None and const is not None and not get:  # `f(IDX, 2 * x)`: the
                _whole(reads, [*below, (src, path)])  # constant was no key: IDX is an operand
            # (right after a name or a path: `cfg.b` of `a, b = cfg.a, cfg.b`)
            below = [*below, (src, path)] if src is not None and const is None and not get else []
            kind = "g" if op in ("LOAD_GLOBAL", "LOAD_NAME") else "l"
            src, path, const, get = (kind, ins.argval), (), None, False
            continue
        if src is not None:
            if op in ("STORE_FAST", "STORE_DEREF") and const is None and not get:
                if ("l", ins.argval) != src:  # `c = self.cfg`: c.lr reads self.cfg.lr
                    aliases.setdefault(("l", ins.argval), set()).add((src, path))
                if prev in ("COPY", "DUP_TOP"):  # `(c := cfg.opt).lr`, `a = b = cfg.opt`:
                    continue  # still on the stack, read further or stored again
                stored, below = [*stored, *below], []  # `a, b = cfg.a, cfg.b`: `a` was
                # missed (3.10, 3.13 missed `b` too), a replay kept the old `a.lr`
            elif op in ("ROT_TWO", "ROT_THREE") and const is None and not get and len(
                    below) >= (1 if op == "ROT_TWO" else 2):  # (3.10's `a, b = ...`)
                stack = [*below, (src, path)]
                if op == "ROT_TWO":
                    stack[-2:] = stack[-1], stack[-2]
                else:
                    stack[-3:] = stack[-1], stack[-3], stack[-2]
                below, (src, path) = stack[:-1], stack[-1]
                continue
            elif get:
                if op in _KEY and type(key := _key(ins)) in (str, int):
                    reads[src].add((*path, key))
            elif (op == "COPY" and ins.arg == (1 if const is None else 2)) or op == (
                    "DUP_TOP" if const is None else "DUP_TOP_TWO"):  # (3.10's spelling)
                continue  # `self.n += 1` (COPY 1), `d["n"] += 1` (COPY 2, twice): the same
                # object (and key) again, read then written (a counter replay would not count)
            elif const is None and op in _ON:
                reads.setdefault(src, set()).add((*path, ins.argval))
                if ins.argval in READERS and op in ("LOAD_ATTR", "LOAD_METHOD"):
                    _whole(reads, [(src, path)])  # `cat([*D.values()])`: every item read
                if ins.argval == "get" and op in ("LOAD_ATTR", "LOAD_METHOD"):
                    get = True
                    continue
                if op == "LOAD_ATTR" and len(path) + 1 < DEPTH:  # `self.cfg` of `self.cfg.lr`
                    path = (*path, ins.argval)
                    continue
            elif const is None and op in _KEY and type(key := _key(ins)) in (str, int):
                const = key
                continue
            elif const is not None and (op in _SUBSCRIPT or (
                    op == "BINARY_OP" and ins.argrepr == "[]")):  # (3.14's subscript)
                reads.setdefault(src, set()).add((*path, const))
                if op != "STORE_SUBSCR" and op != "DELETE_SUBSCR" and len(path) + 1 < DEPTH:
                    path, const = (*path, const), None
                    continue
            elif not get:  # the name or path itself is an operand (`x[IDX]`, `x.reshape(S)`,
                _whole(reads, [*below, (src, path)])  # `f(**cfg["kw"])`, `cat(TS)`): WHOLE
        src, path, const, get, below = None, (), None, False, []
    for c in code.co_consts:
        if hasattr(c, "co_code"):
            _reads(c, reads, aliases)


def _whole(reads: dict[tuple[str, str], set[tuple[Any, ...]]],
           values: list[tuple[Any, tuple[Any, ...]]]) -> None:
    """Note each (name, path) of `values` as read whole (`WHOLE`): handed to a call or an
    operator, which may read every item (a list of indices, a shape, a dict of keywords)."""
    for src, path in values:
        if src is not None and len(path) < DEPTH:
            reads.setdefault(src, set()).add((*path, WHOLE))


def _instructions(code: Any) -> Any:
    """`code`'s instructions, each of 3.13's superinstructions (two in one, on one line:
    `for o in cfg.opts: loss = loss * o.lr`, a comprehension's `[self.wd * ... for p in ps]`)
    as the two it stands for: STORE_FAST_LOAD_FAST, read as neither, lost the load (`self.wd`
    unguarded: a replay kept the old number) and the loop variable's alias (`o.lr`)."""
    for ins in dis.get_instructions(code):
        pair = _PAIRS.get(ins.opname)
        if pair is None or type(ins.argval) is not tuple:
            yield ins
            continue
        for op, name in zip(pair, ins.argval):  # (argval: the names in the order run)
            yield ins._replace(opname=op, arg=None, argval=name, argrepr=name)


def _key(ins: Any) -> Any:
    """The constant a LOAD_CONST or LOAD_SMALL_INT instruction loads."""
    return ins.arg if ins.opname == "LOAD_SMALL_INT" and ins.argval is None else ins.argval


DEPTH = 4  # attributes and subscripts followed into a name (`self.trainer.cfg.lr`: 3)
EACH: Any = type("Each", (), {"__repr__": lambda self: "EACH"})()  # every item (a for loop)
# methods by which the code changes a list or a dict it names (its items then not guarded)
MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                      "update", "popitem", "setdefault", "__setitem__", "__delitem__",
                      "__iadd__", "add", "discard"})
# methods by which the code reads every item of a list, a dict or a set it names (as whole)
READERS = frozenset({"values", "items", "keys", "copy", "index", "count", "__iter__",
                     "__contains__", "__reversed__", "issubset", "issuperset", "isdisjoint",
                     "union", "intersection", "difference", "symmetric_difference"})
# the object itself, an operand (`x[IDX]`, `x.reshape(SHAPE)`, `f(**KW)`): every item it holds
WHOLE: Any = type("Whole", (), {"__repr__": lambda self: "WHOLE"})()
MANY = 32  # a for loop's list longer than this: its items guarded by one term (ITEMS)


_GLOBAL_OPS = ("LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL", "DELETE_GLOBAL")


def read_globals(code: Any, ops: tuple[str, ...] = ("LOAD_GLOBAL", "LOAD_NAME")) -> set[str]:
    """The global names `code` loads (or names by `ops`: `_GLOBAL_OPS`, also those it
    assigns, `global W; W = ...`), its nested functions' and comprehensions' too (not
    co_names, which also holds attribute names: `model.lr` reads no global `lr`)."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname in ops}
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            names |= read_globals(const, ops)
    return names
