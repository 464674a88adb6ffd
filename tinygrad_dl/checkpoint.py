"""Checkpoints: one .npz of arrays plus a JSON `__meta__`; no pickles, so loading runs no code.

Two kinds, the PyTorch habits:
- a state dict of ANY Module: `save(model.state_dict(), path)` then
  `model.load_state_dict(load(path))` (`load` returns the dict of arrays);
- a course model in one call: `save_model(model, path, **extra)` / `load_model(path)` rebuild it
  from its registry name and config (`save(model, ...)` / `load(path) -> (model, extra)` are the
  same thing under the older names). `normalization=(mean, std)` stores the training data's
  statistics with a classifier, so new images can be classified without the training data.

Linear's weight is (out, in) since version 3 (PyTorch's layout, the course's K x d); before, it
was (in, out). A version 1-2 course model loads correctly (each Linear's W is transposed as it is
read); a version 1-2 state dict holding a 2-D array named W is refused by `load` (it cannot tell
a Linear's W from another matrix), and `read` hands out its arrays as saved.

Layout: every state entry is the array `state/<name>`, the normalisation `data/mean`, `data/std`;
`__meta__` is a JSON string {"format", "version", "kind", "model", "config", "extra"}.

Reading is defensive (checkpoints get shared): the metadata is schema-checked, every member's npy
header is parsed and its shape x dtype checked against the member's size and against limits
BEFORE anything is inflated or allocated (a forged header, a config asking for GiBs, a deflate
bomb), and NaN/inf weights are refused (`allow_nonfinite=True` to inspect such a file). Every
failure is one ValueError naming the file. Saving is atomic (`files.atomic_write`).
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npy

from .files import atomic_write, jsonable
from .models import MODELS, registry_name
from .nn import Linear

__all__ = ["MAX_BYTES", "load", "load_model", "read", "save", "save_model"]

FORMAT = "tinygrad_dl.checkpoint"
# 2 added "kind" and the data/ arrays; 3: Linear.W is (out, in), was (in, out) (see _upgrade)
VERSION = 3
MAX_BYTES = 4 << 30  # the most array bytes a checkpoint may ask us to allocate
MAX_RATIO = 100  # a member may inflate to at most 100x its compressed size (beyond 16 MiB)
_PREFIX, _DATA = "state/", "data/"
_KINDS = ("model", "state_dict")


# ---- saving ------------------------------------------------------------------------------------
def save(obj: Any, path: str | os.PathLike[str], **extra: Any) -> Path:
    """Save a state dict (`model.state_dict()`, any Module) or a course model (= save_model)."""
    if isinstance(obj, Mapping):
        return _write(Path(path), "state_dict", dict(obj), None, None, extra, None)
    if hasattr(obj, "state_dict") and type(obj) not in MODELS.values():
        raise ValueError(f"cannot checkpoint a {type(obj).__name__} as a model: it is not one of "
                         f"the registered models {sorted(MODELS)}; save its state dict "
                         "instead: checkpoint.save(model.state_dict(), path)")
    return save_model(obj, path, **extra)


def save_model(model: Any, path: str | os.PathLike[str], *,
               normalization: tuple[np.ndarray, np.ndarray] | None = None, **extra: Any) -> Path:
    """A course model + its config + JSON-able `extra` (+ the data mean/std), atomically."""
    name = registry_name(model)
    return _write(Path(path), "model", model.state_dict(), name, model.config(), extra,
                  normalization)


def _write(path: Path, kind: str, state: dict[str, Any], name: str | None,
           config: dict[str, Any] | None, extra: dict[str, Any],
           normalization: tuple[np.ndarray, np.ndarray] | None) -> Path:
    meta = {"format": FORMAT, "version": VERSION, "kind": kind, "model": name,
            "config": config, "extra": extra}
    try:
        meta_json = json.dumps(jsonable(meta), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError(f"checkpoint {path}: config/extra must be JSON-able ({e})") from None
    arrays = {}
    for k, v in state.items():
        a = np.asarray(v)
        if not isinstance(k, str) or a.dtype.kind not in "biuf":
            raise TypeError(f"checkpoint {path}: state entry {k!r} must be a str name with a "
                            f"numeric array, got {a.dtype}")
        arrays[_PREFIX + k] = a
    if normalization is not None:
        mean, std = (np.asarray(a, dtype=np.float64) for a in normalization)
        arrays[_DATA + "mean"], arrays[_DATA + "std"] = mean, std
    arrays["__meta__"] = np.array(meta_json)
    return atomic_write(path, lambda f: np.savez(f, **arrays))


# ---- reading -----------------------------------------------------------------------------------
def read(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES,
         allow_nonfinite: bool = False) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, state_dict) of a checkpoint, checked, without building any model.

    `meta["extra"]` holds the extras; for a classifier saved with `normalization`, also
    `meta["extra"]["mean"]` / `["std"]` as arrays.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a tinygrad_dl checkpoint (not an .npz/zip file: truncated "
                         "or corrupt?)")
    try:
        with zipfile.ZipFile(path) as z:
            _check_members(z, path.stat().st_size, max_bytes)
            with np.load(path, allow_pickle=False) as f:
                if "__meta__" not in f.files:
                    raise ValueError("no __meta__ entry")
                meta = _check_meta(json.loads(str(f["__meta__"]), parse_constant=_no_nan))
                arrays = {k: f[k] for k in f.files if k != "__meta__"}
    except _Refused as e:
        raise ValueError(f"{path}: refused: {e}") from None
    except (ValueError, OSError, EOFError, KeyError, TypeError, zipfile.BadZipFile,
            NotImplementedError, RuntimeError) as e:
        raise ValueError(f"{path}: not a readable tinygrad_dl checkpoint ({e})") from None
    state = {k[len(_PREFIX):]: a for k, a in arrays.items() if k.startswith(_PREFIX)}
    if not allow_nonfinite:
        bad = [k for k, a in state.items() if a.dtype.kind == "f" and not np.isfinite(a).all()]
        if bad:
            raise ValueError(f"{path}: refused: NaN/inf in {', '.join(bad[:5])} (a diverged "
                             "run?); read(path, allow_nonfinite=True) to inspect it anyway")
    for k in ("mean", "std"):
        if _DATA + k in arrays:
            meta["extra"][k] = arrays[_DATA + k]
    return meta, state


def _no_nan(name: str) -> Any:
    raise _Refused(f"meta holds {name}, which is not JSON")


class _Refused(Exception):
    """A limit or a check failed: reported as 'PATH: refused: ...'."""


def _check_members(z: zipfile.ZipFile, file_size: int, max_bytes: int) -> None:
    """Parse every member's npy header: shape x dtype must match its size, within the limits."""
    total = 0
    for info in z.infolist():
        if not info.filename.endswith(".npy"):
            raise _Refused(f"unexpected member {info.filename!r}")
        if info.file_size > max(MAX_RATIO * info.compress_size, 16 << 20):
            raise _Refused(f"member {info.filename} would inflate {info.compress_size} bytes "
                           f"to {info.file_size} (a deflate bomb?)")
        total += info.file_size
        if total > max_bytes:
            raise _Refused(f"its arrays need more than the {max_bytes}-byte limit "
                           "(read(..., max_bytes=...) to raise it)")
        with z.open(info) as f:
            version = npy.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = npy.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = npy.read_array_header_2_0(f)
            else:
                raise _Refused(f"member {info.filename}: npy format {version}")
            header = f.tell()
        kind = "U" if info.filename == "__meta__.npy" else "biuf"
        if dtype.kind not in kind or dtype.fields is not None or dtype.subdtype is not None:
            raise _Refused(f"member {info.filename} has dtype {dtype}")
        need = math.prod(shape) * dtype.itemsize
        if header + need != info.file_size:
            raise _Refused(f"member {info.filename} claims shape {shape} {dtype} "
                           f"({need} bytes) but holds {info.file_size - header}")


def _check_meta(meta: Any) -> dict[str, Any]:
    """The schema of __meta__ (it may have been edited by hand)."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ValueError(f"not a tinygrad_dl checkpoint (format={got!r})")
    version = meta.get("version")
    if type(version) is not int or not 1 <= version <= VERSION:
        raise _Refused(f"checkpoint version {version!r} is not one this tinygrad_dl reads "
                       f"(1..{VERSION}); a newer tinygrad_dl may read it")
    kind = meta.setdefault("kind", "model")
    if kind not in _KINDS:
        raise _Refused(f"meta 'kind' must be one of {_KINDS}, got {kind!r}")
    if kind == "model":
        if not isinstance(meta.get("model"), str):
            raise _Refused(f"meta 'model' must be a model name, got {meta.get('model')!r}")
        if not isinstance(meta.get("config"), dict):
            raise _Refused(f"meta 'config' must be an object, got {meta.get('config')!r:.60}")
    if meta.setdefault("extra", {}) is None:
        meta["extra"] = {}
    if not isinstance(meta["extra"], dict):
        raise _Refused(f"meta 'extra' must be an object, got {type(meta['extra']).__name__}")
    return meta


def load(path: str | os.PathLike[str], **limits: Any) -> Any:
    """What was saved: a state dict -> that dict; a course model -> (model, extra)."""
    meta, state = read(path, **limits)
    if meta["kind"] == "state_dict":
        if meta["version"] < 3:
            old = [k for k, a in state.items() if a.ndim == 2 and k.rsplit(".", 1)[-1] == "W"]
            if old:
                raise ValueError(
                    f"{path}: refused: a state dict saved when Linear.W was (in, out) (checkpoint "
                    f"version {meta['version']}); its 2-D {', '.join(old[:3])} may be Linear "
                    "weights in that layout: take the arrays with checkpoint.read(path)[1], "
                    "transpose each Linear's W (.T), then model.load_state_dict(them)")
        return state
    return _build(Path(path), meta, state), meta["extra"]


def load_model(path: str | os.PathLike[str], **limits: Any) -> Any:
    """The course model saved by save_model/save (extras: `read(path)[0]["extra"]`)."""
    meta, state = read(path, **limits)
    if meta["kind"] != "model":
        raise ValueError(f"{path}: holds a state dict, not a course model: build the model, then "
                         "model.load_state_dict(checkpoint.load(path))")
    return _build(Path(path), meta, state)


def _build(path: Path, meta: dict[str, Any], state: dict[str, np.ndarray]) -> Any:
    name, config = meta["model"], meta["config"]
    if name not in MODELS:
        raise ValueError(f"{path}: unknown model {name!r}; known models: {sorted(MODELS)}")
    # Every size in a config is some dimension of a parameter: an integer larger than all of the
    # state's dimensions would make the constructor allocate what the file cannot back.
    largest = max((max(a.shape, default=1) for a in state.values()), default=0)
    for k, v in config.items():
        for n in (v if isinstance(v, list) else [v]):
            if type(n) is int and n > largest:
                raise ValueError(f"{path}: config {k}={n} does not match the saved arrays "
                                 f"(largest dimension {largest})")
        if isinstance(v, list) and len(v) > len(state):
            raise ValueError(f"{path}: config {k} has {len(v)} entries for {len(state)} arrays")
    try:
        model = MODELS[name](**config)
        model.load_state_dict(_upgrade(model, state, meta["version"]))
    except (TypeError, KeyError, ValueError, AttributeError) as e:
        raise ValueError(f"{path}: cannot rebuild {name} from the checkpoint ({e})") from None
    return model


def _upgrade(model: Any, state: dict[str, np.ndarray], version: int) -> dict[str, np.ndarray]:
    """A state read from a checkpoint of `version`, in today's layout for `model`: before
    version 3 every Linear's W was (in, out), so it is transposed (a course model says which of
    its arrays are Linear weights; a square W would otherwise load silently wrong)."""
    if version >= 3:
        return state
    state = dict(state)
    for name, m in model.named_modules():
        key = f"{name}.W" if name else "W"
        if isinstance(m, Linear) and key in state and state[key].ndim == 2:
            state[key] = np.ascontiguousarray(state[key].T)
    return state
