"""Reading NumPy arrays out of an untrusted pickle without handing its bytes to NumPy's C code.

The CIFAR-10 python batches are pickles of dicts holding numpy arrays. The obvious restricted
unpickler (allow `numpy.ndarray`, `numpy.dtype`, `_reconstruct`) is not safe: those globals pass
state read from the file to NumPy's C-level `__setstate__`, and a forged dtype state such as
`(3, '|', 20046, -1, -1, 0)` crashes the interpreter. So no NumPy global is ever called here:
each one is replaced by a plain stand-in that records (shape, dtype string, raw bytes); the
stand-ins are checked (known integer dtypes only, byte count == shape) and only then turned
into arrays with `np.frombuffer`, which copies nothing and so never allocates more than the
file's own bytes.

The pure-Python unpickler is used on purpose: CPython's C unpickler allocates the length that a
BINBYTES8/BINUNICODE8 header claims before reading it, so a 20-byte file could ask for GiBs.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import struct
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MAX_PICKLE_BYTES", "UnsafePickleError", "load_array_pickle", "materialize"]

MAX_PICKLE_BYTES = 1 << 30  # a full CIFAR-10 batch is 31 MB; refuse to even read a 1 GiB one
# the dtypes the CIFAR files (and numpy re-saves of their labels) use: plain integers only
_DTYPES = {"u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "b1"}
_BYTEORDERS = {"<", ">", "|", "="}
_MAX_NDIM = 32
MAX_DEPTH = 16  # a CIFAR batch is a dict of lists and arrays: 2 levels
# Opcodes run, and containers made, per file. A 10 MB file of MARK (one byte each, a new list
# each) took 650 MB and 30 s, so a 1 GiB one 65 GiB. A CIFAR batch of 10,000 images runs
# 30,000 to 120,000 opcodes (protocol 4 to 0), one in 6 a container (a tuple per file name);
# these bounds allow some 350,000 images and cost at most about 150 MB and 15 s.
MAX_OPS = 1 << 22
MAX_CONTAINERS = 1 << 17  # ... plus one per 4 opcodes run
# (LIST, DICT and TUPLE are not counted: each turns the list its MARK made, counted there,
# into its result; counted twice, a protocol 0/1 batch of 50,000 images whose labels are NumPy
# integers, two MARK ... TUPLE each, was refused)
_CONTAINER_OPS = frozenset(op[0] for op in (
    pickle.MARK, pickle.EMPTY_LIST, pickle.EMPTY_DICT, pickle.TUPLE1, pickle.TUPLE2,
    pickle.TUPLE3, pickle.INST, pickle.OBJ, pickle.NEWOBJ, pickle.NEWOBJ_EX, pickle.REDUCE))


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle asks for something this reader does not build."""


class _NdarrayMarker:
    """Stands for `numpy.ndarray` in `_reconstruct(ndarray, (0,), b'b')`; never instantiated."""


class _Dtype:
    """Stand-in for `numpy.dtype(name, align, copy)` + its BUILD state: records the name only."""

    __slots__ = ("name", "byteorder")

    def __init__(self, name: Any = None, *_: Any) -> None:
        name = _ascii(name)  # Python 2 pickles (the official CIFAR files) hold bytes here
        if not isinstance(name, str) or name not in _DTYPES:
            raise UnsafePickleError(f"dtype {_brief(name)} is not one of the allowed integer "
                                    "dtypes")
        self.name = name
        self.byteorder = "|"

    def __setstate__(self, state: Any) -> None:
        # (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata]):
        # a plain integer dtype has no subarray, names or fields
        if not (isinstance(state, tuple) and 2 <= len(state) <= 9
                and _ascii(state[1]) in _BYTEORDERS
                and all(v is None for v in state[2:5])):
            raise UnsafePickleError(f"malformed dtype state {_brief(state)}")
        self.byteorder = _ascii(state[1])

    def dtype(self) -> np.dtype:
        dt = np.dtype(self.name)
        return dt.newbyteorder(self.byteorder) if self.byteorder in "<>" else dt


def _brief(v: Any) -> str:
    """repr(v) for a message, at most 80 characters; containers by their flat items only (the
    repr of one nested 10**5 deep would recurse)."""
    if isinstance(v, (tuple, list)):
        inner = ", ".join(type(x).__name__ if isinstance(x, (tuple, list, dict)) else repr(x)[:20]
                          for x in v[:8])
        return f"{type(v).__name__}({inner}{', ...' if len(v) > 8 else ''})"[:80]
    if isinstance(v, dict):
        return f"dict of {len(v)}"
    return repr(v)[:80]


def _ascii(v: Any) -> Any:
    if isinstance(v, bytes) and len(v) <= 8:
        try:
            return v.decode("ascii")
        except UnicodeDecodeError:
            return v
    return v


class _Array:
    """Stand-in for `_reconstruct(ndarray, ...)` + BUILD (version, shape, dtype, fortran, raw)."""

    __slots__ = ("array",)

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        if not (isinstance(state, tuple) and len(state) == 5):
            raise UnsafePickleError("malformed ndarray state")
        _, shape, dt, fortran, raw = state
        self.array = _build(raw, dt, shape, "F" if fortran is True or fortran == 1 else "C")


def _build(raw: Any, dt: Any, shape: Any, order: str) -> np.ndarray:
    """np.frombuffer after checking that the bytes are exactly what shape x dtype needs."""
    if isinstance(raw, str):  # protocol 0-2 store the bytes as a latin-1 string
        raw = raw.encode("latin-1")
    if not isinstance(raw, (bytes, bytearray)):
        raise UnsafePickleError(f"array data must be bytes, not {type(raw).__name__}")
    if not isinstance(dt, _Dtype):
        raise UnsafePickleError("array dtype is not an allowed dtype")
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    if not (isinstance(shape, tuple) and len(shape) <= _MAX_NDIM
            and all(type(s) is int and s >= 0 for s in shape)):
        raise UnsafePickleError("array shape must be a tuple of non-negative ints, got "
                                f"{_brief(shape)}")
    dtype = dt.dtype()
    need = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if need != len(raw):
        raise UnsafePickleError(f"array of shape {shape} {dtype} needs {need} bytes, the file "
                                f"holds {len(raw)}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape, order=order)


def _reconstruct(cls: Any, *_: Any) -> _Array:
    if cls is not _NdarrayMarker:
        raise UnsafePickleError("_reconstruct may only build numpy.ndarray")
    return _Array()


def _frombuffer(buf: Any, dt: Any, shape: Any, order: Any = "C") -> np.ndarray:
    return _build(buf, dt, shape, "F" if order == "F" else "C")


def _scalar(dt: Any, raw: Any = b"") -> Any:
    return _build(raw, dt, (), "C")[()]


def _encode(s: Any, encoding: Any = "utf-8", *_: Any) -> bytes:
    """`_codecs.encode(str, 'latin1')`: how protocol 2 stores bytes objects."""
    if not isinstance(s, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError("_codecs.encode is allowed only as (str, 'latin1')")
    return s.encode("latin-1")


def _bytes(*args: Any) -> bytes:
    """`bytes()`: how protocol 2 stores b'' (no arguments); nothing else is allowed."""
    if args:
        raise UnsafePickleError("builtins.bytes is allowed only without arguments (b'')")
    return b""


_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): _NdarrayMarker,
    ("numpy", "dtype"): _Dtype,
    ("_codecs", "encode"): _encode,
    ("__builtin__", "bytes"): _bytes,
    ("builtins", "bytes"): _bytes,
}
for _mod in ("numpy.core", "numpy._core"):  # files pickled by numpy 1.x name numpy.core
    _GLOBALS[(f"{_mod}.multiarray", "_reconstruct")] = _reconstruct
    _GLOBALS[(f"{_mod}.multiarray", "scalar")] = _scalar
    _GLOBALS[(f"{_mod}.numeric", "_frombuffer")] = _frombuffer


def _counted(run: Any, container: bool) -> Any:
    """An opcode's handler that first counts it against MAX_OPS / MAX_CONTAINERS."""
    def op(self: Any) -> None:
        self.ops += 1
        self.containers += container
        if self.ops > MAX_OPS or self.containers > MAX_CONTAINERS + self.ops // 4:
            what = "opcodes" if self.ops > MAX_OPS else "containers"
            raise UnsafePickleError(f"more {what} than a CIFAR-10 batch has (after "
                                    f"{self.ops} opcodes, {self.containers} containers)")
        run(self)
    return op


class _StandInUnpickler(pickle._Unpickler):  # type: ignore[name-defined,misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ops = self.containers = 0

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(f"refusing to load global {module:.60}.{name:.60}") from None

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError("persistent ids are not allowed")

    def load_bytearray8(self) -> None:
        # pickle.py does bytearray(claimed length) before reading: read first, then copy
        (n,) = struct.unpack("<Q", self.read(8))
        data = self.read(n)
        if len(data) != n:
            raise UnsafePickleError(f"BYTEARRAY8 claims {n} bytes, {len(data)} remain")
        self.append(bytearray(data))

    # Inserting a key hashes it, and CPython hashes a tuple (or frozenset) nested 10**6 deep by
    # recursing in C: a 1 MB file crashed the interpreter. CIFAR's keys are bytes or str, and it
    # has no sets: anything else is refused before it is hashed.
    def load_setitem(self) -> None:
        _key_ok(self.stack[-2])
        super().load_setitem()

    def load_setitems(self) -> None:
        for k in self.stack[::2]:  # after MARK, self.stack holds only the marked items
            _key_ok(k)
        super().load_setitems()

    def load_dict(self) -> None:
        for k in self.stack[::2]:
            _key_ok(k)
        super().load_dict()

    def no_sets(self) -> None:
        raise UnsafePickleError("sets are not allowed in a CIFAR-10 batch")

    # BUILD sets state on the object below it. pickle.py's version falls back to writing
    # `__dict__` / setattr when the object has no __setstate__, so BUILD on one of the allowed
    # stand-in functions or the ndarray marker class rewrote this module's own objects for the
    # rest of the process (`_encode.__defaults__`). Only the two stand-ins whose __setstate__
    # checks the state are BUILD targets.
    def load_build(self) -> None:
        target = self.stack[-2] if len(self.stack) >= 2 else None
        if type(target) not in (_Array, _Dtype):
            raise UnsafePickleError(f"BUILD on a {type(target).__name__} is not allowed (only on "
                                    "an ndarray or a dtype)")
        super().load_build()

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]
    dispatch[pickle.BYTEARRAY8[0]] = load_bytearray8
    dispatch[pickle.SETITEM[0]] = load_setitem
    dispatch[pickle.SETITEMS[0]] = load_setitems
    dispatch[pickle.DICT[0]] = load_dict
    dispatch[pickle.BUILD[0]] = load_build
    for _op in (pickle.EMPTY_SET, pickle.ADDITEMS, pickle.FROZENSET):
        dispatch[_op[0]] = no_sets
    dispatch = {k: _counted(f, k in _CONTAINER_OPS) for k, f in dispatch.items()}


def _key_ok(key: Any) -> None:
    if type(key) not in (bytes, str):
        raise UnsafePickleError(f"a dict key is a {type(key).__name__}; CIFAR-10's keys are "
                                "bytes or str")


def _check_nesting(obj: Any, max_depth: int = MAX_DEPTH) -> None:
    """Walk the unpickled containers without recursion: at most `max_depth` deep, and no
    container reached twice (a shared or self-referencing one), so nothing that later walks
    them (repr, ==, a copy) can recurse without bound."""
    seen: set[int] = set()
    todo = [(obj, 1)]
    while todo:
        v, depth = todo.pop()
        if isinstance(v, dict):
            children: Any = v.values()
        elif isinstance(v, (list, tuple)):
            children = v
        else:
            continue
        if not children:
            continue
        if depth > max_depth:
            raise UnsafePickleError(f"containers nested more than {max_depth} levels deep")
        if id(v) in seen:
            raise UnsafePickleError("a container appears twice (shared or self-referencing)")
        seen.add(id(v))
        todo.extend((c, depth + 1) for c in children)


def materialize(v: Any) -> Any:
    """A stand-in array as the real (read-only) ndarray; anything else unchanged."""
    if isinstance(v, _Array):
        if v.array is None:
            raise UnsafePickleError("an ndarray without its state")
        return v.array
    if isinstance(v, (_Dtype, type)) or v is _NdarrayMarker:
        raise UnsafePickleError(f"unexpected {type(v).__name__} object")
    return v


def load_array_pickle(path: str | os.PathLike[str], max_bytes: int = MAX_PICKLE_BYTES) -> Any:
    """Unpickle `path` (at most `max_bytes`) with array stand-ins; see the module docstring.

    Arrays come back as `_Array` stand-ins inside the unpickled containers: pass each value you
    use through `materialize`. Raises OSError for an unreadable file and UnsafePickleError /
    other exceptions for a bad one (the caller turns them into one message naming the file).
    """
    p = Path(path)
    size = p.stat().st_size
    if size > max_bytes:
        raise UnsafePickleError(f"file of {size} bytes is larger than the {max_bytes}-byte limit")
    with open(p, "rb") as f:  # read(n) allocates n up front: ask for the size we saw, + 1
        raw = f.read(size + 1)
    if len(raw) > size:
        raise UnsafePickleError("file grew while being read")
    obj = _StandInUnpickler(io.BytesIO(raw), encoding="bytes").load()
    _check_nesting(obj)
    return obj
