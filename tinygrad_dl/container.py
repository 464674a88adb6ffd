"""The one container of every arrays-plus-metadata file the project writes (checkpoints,
training states), and its one reader, which treats every file as hostile.

A container is an uncompressed `.npz` (a zip of `.npy` members; no pickles, so loading runs no
code) plus one member `__meta__`: a JSON object whose "format" names the family of file
(e.g. "tinygrad_dl.checkpoint") and whose "kind" says what it holds. Public API:

    container.save(path, arrays, meta, format=..., kind=...)   # atomic (files.atomic_write)
    meta, arrays = container.read(path, format=..., schemas={kind: schema}, what="checkpoint")

`read` checks, BEFORE anything is inflated or allocated: every member's npy header (shape x
dtype must equal the member's size: a forged header is refused), each member's inflate ratio (a
deflate bomb), the total of the arrays (`max_bytes`), the metadata's size (`MAX_META_BYTES`) and
JSON nesting depth (`MAX_DEPTH`), then the metadata against the schema of its kind. Every failure
is one ValueError naming the file; callers range-check config values against the (checked)
array shapes before building anything from them.

Schemas are plain values: a type or a tuple of types (`(str, type(None))`), `[schema]` (a list
of such items), or a dict `{key: schema}` (required keys; a key ending in "?" is optional; the
extra key `"*"` gives the schema of any other key, else other keys are refused).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import zipfile
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npy

from .files import atomic_write, jsonable

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_META_BYTES", "Refused", "check_schema", "check_sizes",
           "no_nan", "number_list_array", "read", "read_arrays", "save"]

MAX_BYTES = 4 << 30  # the most array bytes a file may ask us to allocate
MAX_RATIO = 100  # a member may inflate to at most 100x its compressed size (beyond 16 MiB)
MAX_META_BYTES = 4 << 20  # the JSON metadata: a training state's is a few KB
MAX_DEPTH = 32  # JSON nesting: ours is at most 5 deep
META = "__meta__"


class Refused(ValueError):
    """A check failed; `read` reports it as 'PATH: refused: ...'."""


def number_list_array(x: list[Any]) -> np.ndarray | None:
    """A list of Python floats alone, bools alone or 64-bit ints alone as one array (tolist()
    gives it back exactly: each float's bits, -0.0 and NaN too), else None (checkpoint's
    trees keep a long list of numbers so: a node each was 10 MB of JSON for 10**5 floats)."""
    kinds = set(map(type, x))
    if kinds == {int}:  # (past int64: uint64 where none is negative; past 64 bits: nodes)
        lo, hi = min(x), max(x)
        return (np.array(x, dtype=np.int64 if hi < 2**63 else np.uint64)
                if -2**63 <= lo and hi < 2**64 and (hi < 2**63 or lo >= 0) else None)
    return (np.array(x, dtype=np.float64 if kinds == {float} else np.bool_)
            if kinds in ({float}, {bool}) else None)


# ---- writing ---------------------------------------------------------------------------------
def save(path: str | os.PathLike[str], arrays: Mapping[str, Any], meta: Mapping[str, Any], *,
         format: str, kind: str) -> Path:
    """Write `arrays` (str name -> numeric array) and JSON-able `meta` atomically; the metadata
    gets "format" and "kind". Names may hold "/" (groups); `__meta__` is reserved."""
    path = Path(path)
    doc = {**meta, "format": format, "kind": kind}
    try:
        meta_json = json.dumps(jsonable(doc), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{path}: the metadata must be JSON-able ({e})") from None
    out = {}
    for k, v in arrays.items():
        a = np.asarray(v)
        if not isinstance(k, str) or k == META or a.dtype.kind not in "biuf":
            raise TypeError(f"{path}: entry {k!r} must be a str name with a numeric array, "
                            f"got {a.dtype}")
        out[k] = a
    out[META] = np.array(meta_json)
    # what read refuses is not written (a module's extra state in a checkpoint can be large)
    header = io.BytesIO()
    npy.write_array_header_1_0(header, npy.header_data_from_array_1_0(out[META]))
    size = out[META].nbytes + len(header.getvalue())  # (the member's size, as read checks it)
    if size > MAX_META_BYTES:
        raise ValueError(f"{path}: refused: its metadata would be {size} bytes, over the "
                         f"{MAX_META_BYTES}-byte limit read takes (keep large values in arrays)")
    if _depth(meta_json) > MAX_DEPTH:
        raise ValueError(f"{path}: refused: its metadata would nest deeper than the "
                         f"{MAX_DEPTH} levels read takes")
    return atomic_write(path, lambda f: np.savez(f, **out))


# ---- reading ---------------------------------------------------------------------------------
def read(path: str | os.PathLike[str], *, format: str | tuple[str, ...],
         schemas: Mapping[str, Any], what: str = "file", default_kind: str | None = None,
         refused_versions: Mapping[int, str] | None = None,
         max_bytes: int = MAX_BYTES, max_meta_bytes: int = MAX_META_BYTES
         ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, arrays) of a container, every check applied (module docstring). `schemas` maps each
    kind this caller accepts to its schema; `default_kind` is the kind of files written before
    "kind" existed; `what` names the file in messages ("checkpoint", "training state");
    `refused_versions` maps an old version this caller no longer reads to the reason, given
    before the schema (an old file's keys may differ)."""
    path = _regular_file(path, what)
    formats = (format,) if isinstance(format, str) else format
    with _one_line(path, f"tinygrad_dl {what}"):
        if not zipfile.is_zipfile(path):
            kind = _pickle_kind(path) or "not an .npz/zip file: truncated or corrupt?"
            raise ValueError(f"not a tinygrad_dl {what} ({kind})")
        with zipfile.ZipFile(path) as z:
            if any(n.rpartition("/")[2] == "data.pkl" for n in z.namelist()):  # (torch >= 1.6)
                raise ValueError(f"not a tinygrad_dl {what} ({TORCH_FILE})")
            infos = _check_members(z, max_bytes, max_meta_bytes, path.stat().st_size)
            meta = _parse_meta(_read_member(z, infos[META]))
            if meta.get("format") not in formats:
                got = meta.get("format")
                raise ValueError(f"not a tinygrad_dl {what} (format={got!r:.60})")
            version = meta.get("version")
            if refused_versions and type(version) is int and version in refused_versions:
                raise Refused(f"version {version}: {refused_versions[version]}")
            kind = meta.setdefault("kind", default_kind)
            if kind not in schemas:
                raise Refused(f"meta 'kind' must be one of {tuple(schemas)}, got {kind!r:.60}")
            check_schema(meta, schemas[kind])
            arrays = {name: _read_member(z, info) for name, info in infos.items()
                      if name != META}
    return meta, arrays


# what a file from torch.save, or another pickle, is told (it is never unpickled: a pickle's
# __reduce__ runs any code); torch's state dict loads as it is into load_state_dict
TORCH_FILE = ("a PyTorch torch.save file: a pickle, which tinygrad_dl never unpickles, as it "
              "could run code; read it with torch.load and pass that state dict to "
              "model.load_state_dict, which takes torch tensors, or tinygrad_dl.save it")


def _pickle_kind(path: Path) -> str | None:
    """What a file that is no zip is, where its first bytes say it is a pickle (protocol 2-5:
    torch.save before 1.6, pickle.dump): else None."""
    with open(path, "rb") as f:
        head = f.read(4)
    if len(head) < 2 or head[0] != 0x80 or not 2 <= head[1] <= 5:
        return None
    if head[2:4] == b"\x8a\x0a":  # torch's legacy format opens with its magic number, a long
        return TORCH_FILE
    return "a Python pickle, which tinygrad_dl never unpickles (unpickling can run code)"


_READ_ERRORS = (ValueError, OSError, EOFError, KeyError, TypeError, zipfile.BadZipFile,
                NotImplementedError, RuntimeError, OverflowError, MemoryError)


def read_arrays(path: str | os.PathLike[str], *, what: str, kinds: str = "biuf",
                max_bytes: int = MAX_BYTES, names: Collection[str] | None = None
                ) -> dict[str, np.ndarray]:
    """The arrays of a plain `.npz` another program wrote (no `__meta__`: e.g. the CIFAR-10
    sample), with `read`'s member checks made before anything is inflated or allocated: a
    header claiming more than its member holds, a deflate bomb, more than `max_bytes`, a dtype
    kind outside `kinds` (object arrays: never). One ValueError naming the file otherwise.
    `names`: read only these members; others are neither checked nor read (as np.load's lazy
    keys: an extra pickled entry or a zip tool's __MACOSX/ file in a user's file is no error)."""
    path = _regular_file(path, what)
    with _one_line(path, f".npz {what}"):
        if not zipfile.is_zipfile(path):
            raise ValueError(f"not an .npz {what} (not a zip file: truncated or corrupt?)")
        with zipfile.ZipFile(path) as z:
            infos = _check_members(z, max_bytes, 0, path.stat().st_size, meta=False,
                                   kinds=kinds, names=names)
            return {name: _read_member(z, info) for name, info in infos.items()}


@contextmanager
def _one_line(path: Path, what: str) -> Iterator[None]:
    """What reading `path` raised, as one ValueError naming the file (`what`: "tinygrad_dl
    checkpoint", ".npz sample"): a refusal, or whatever the zip or NumPy reader raised."""
    try:
        yield
    except Refused as e:
        raise ValueError(f"{path}: refused: {e}") from None
    except _READ_ERRORS as e:
        msg = str(e) if isinstance(e, ValueError) and str(e).startswith("not a") else \
            f"not a readable {what} ({type(e).__name__}: {e})"
        raise ValueError(f"{path}: {msg}"[:1000]) from None


def _regular_file(path: str | os.PathLike[str], what: str) -> Path:
    path = Path(path)
    if path.is_dir():  # ("checkpoint not found: runs/a" sent the user looking for a folder)
        raise FileNotFoundError(f"{what} {path} is a folder, not a file: name the file in it")
    if not path.is_file():
        if path.exists():  # /dev/null, a FIFO, <(...)'s /dev/fd/N: there, so not "not found"
            raise ValueError(f"{what} {path} is not a regular file (a device or a pipe): "
                             "name a saved .npz file")
        raise FileNotFoundError(f"{what} not found: {path}")
    return path


def _header(f: Any, name: str) -> tuple[tuple[int, ...], np.dtype, bool]:
    version = npy.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = npy.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = npy.read_array_header_2_0(f)
    else:
        raise Refused(f"member {name}: npy format {version}")
    return shape, dtype, fortran


def _check_members(z: zipfile.ZipFile, max_bytes: int, max_meta: int, size: int, *,
                   meta: bool = True, kinds: str = "biuf", names: Collection[str] | None = None
                   ) -> dict[str, zipfile.ZipInfo]:
    """Every member's npy header parsed: shape x dtype must match its size, within the limits;
    its stored bytes must lie inside the file (`size` bytes). `meta`: a `__meta__` is required
    (and no other member may be a string); else members of the dtype `kinds` only. `names`:
    only the members named so (without ".npy") are checked and returned."""
    total, infos = 0, {}
    for info in z.infolist():
        name = info.filename
        if names is not None and name.removesuffix(".npy") not in names:
            continue
        if not name.endswith(".npy") or name[:-4] in infos:
            raise Refused(f"unexpected member {name!r:.80}")
        # zipfile reads a member's stored bytes in one read() of the size its directory claims
        # (Python's buffered read allocates that much first): a 1 KB file claiming a 3 GiB
        # stored member asked for 3 GiB. Stored bytes beyond the end of the file are a forgery.
        if info.header_offset + info.compress_size > size:
            raise Refused(f"member {name} claims {info.compress_size} stored bytes, beyond the "
                          f"end of the {size}-byte file (truncated or forged)")
        # bzip2 and LZMA members inflate each chunk read without a limit (zipfile passes
        # deflate a max_length, not them): 113 bytes of bzip2 are 100 MB of zeros, whatever
        # the directory claims. NumPy writes stored (savez) or deflated (savez_compressed).
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(f"member {name} uses compression method {info.compress_type} (only "
                          "stored or deflated members, as NumPy writes, are read)")
        if info.file_size > max(MAX_RATIO * info.compress_size, 16 << 20):
            raise Refused(f"member {name} would inflate {info.compress_size} bytes to "
                          f"{info.file_size} (a deflate bomb?)")
        is_meta = meta and name == META + ".npy"
        if is_meta and info.file_size > max_meta:
            raise Refused(f"its metadata is {info.file_size} bytes, over the {max_meta}-byte "
                          "limit")
        total += info.file_size
        if total > max_bytes:
            raise Refused(f"its arrays need more than the {max_bytes}-byte limit "
                          "(max_bytes=... to raise it)")
        with z.open(info) as f:
            shape, dtype, _ = _header(f, name)
            header = f.tell()
        if (dtype.kind not in ("U" if is_meta else kinds) or dtype.fields is not None
                or dtype.subdtype is not None):
            raise Refused(f"member {name} has dtype {dtype}")
        if is_meta and shape != ():
            raise Refused(f"member {name} must be one string, has shape {shape}")
        need = math.prod(shape) * dtype.itemsize
        if header + need != info.file_size:
            raise Refused(f"member {name} claims shape {shape} {dtype} ({need} bytes) but holds "
                          f"{info.file_size - header}")
        infos[name[:-4]] = info
    if meta and META not in infos:
        raise ValueError("not a tinygrad_dl file (no __meta__ entry)")
    return infos


def _read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """The member's array (its size was checked against its header: this allocates no more)."""
    with z.open(info) as f:
        shape, dtype, fortran = _header(f, info.filename)
        raw = f.read(info.file_size - f.tell() + 1)  # ZipExtFile never yields past file_size
    a = np.frombuffer(raw, dtype=dtype, count=math.prod(shape))
    return a.reshape(shape, order="F" if fortran else "C").copy()


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def _parse_meta(a: np.ndarray) -> dict[str, Any]:
    text = str(a[()])
    if _depth(text) > MAX_DEPTH:
        raise Refused(f"its metadata is nested deeper than {MAX_DEPTH} levels")
    meta = json.loads(text, parse_constant=no_nan)
    if not isinstance(meta, dict):
        raise ValueError(f"not a tinygrad_dl file (its metadata is a {type(meta).__name__})")
    return meta


def _depth(text: str) -> int:
    """How deep the JSON `text` nests its objects and lists (before it is parsed: a deep one
    made json.loads recurse), brackets inside strings left out."""
    raw = _STRINGS.sub(b'""', text.encode("utf-8", "surrogatepass"))
    b = np.frombuffer(raw, dtype=np.uint8)
    step = np.isin(b, (ord("["), ord("{"))).astype(np.int64) - np.isin(b, (ord("]"), ord("}")))
    return int(np.cumsum(step).max()) if b.size else 0


def no_nan(name: str) -> Any:
    """json.loads's parse_constant for files we read: NaN, Infinity and -Infinity are no JSON
    (ours write null), and a NaN taken in compared false with everything: Refused."""
    raise Refused(f"it holds {name}, which is not JSON (a number that is not finite is null)")


# ---- schemas ---------------------------------------------------------------------------------
def check_schema(value: Any, schema: Any, where: str = "meta") -> None:
    """Refused (naming the key) unless `value` fits `schema` (module docstring)."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            raise Refused(f"{where} must be an object, got {_name(value)}")
        rest = schema.get("*")
        for key, sub in schema.items():
            if key == "*":
                continue
            k = key.rstrip("?")
            if k in value:
                check_schema(value[k], sub, f"{where}.{k}")
            elif not key.endswith("?"):
                raise Refused(f"{where} has no {k!r}")
        for k, v in value.items():
            if k not in schema and f"{k}?" not in schema:
                if rest is None:
                    raise Refused(f"{where} has an unexpected key {k!r:.40}")
                check_schema(v, rest, f"{where}.{k}")
    elif isinstance(schema, list):
        if not isinstance(value, list):
            raise Refused(f"{where} must be a list, got {_name(value)}")
        for i, v in enumerate(value):
            check_schema(v, schema[0], f"{where}[{i}]")
    else:
        types = schema if isinstance(schema, tuple) else (schema,)
        # JSON has one number type: an int is a valid float; a bool is neither
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types
                                                   and object not in types)
        if not ok and float in types and type(value) is int:
            ok = True
        if not ok:
            want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise Refused(f"{where} must be {want}, got {_name(value)}")


def _name(v: Any) -> str:
    return "null" if v is None else f"{type(v).__name__} {v!r:.40}"


def check_sizes(config: Mapping[str, Any], arrays: Any) -> None:
    """Every size in a model config is some dimension of one of its parameters: an integer larger
    than all of the saved arrays' dimensions (or a list longer than there are arrays) would make
    the constructor allocate what the file cannot back. ValueError naming the key."""
    arrays = list(arrays)
    largest = max((max(a.shape, default=1) for a in arrays), default=0)
    for k, v in config.items():
        for n in (v if isinstance(v, list) else [v]):
            if type(n) is int and n > largest:
                raise ValueError(f"config {k}={n} does not match the saved arrays (largest "
                                 f"dimension {largest})")
        if isinstance(v, list) and len(v) > len(arrays):
            raise ValueError(f"config {k} has {len(v)} entries for {len(arrays)} arrays")
