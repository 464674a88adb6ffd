"""Checkpoints: one .npz holding a model's state_dict, its config, its registry name and extras.

Layout: every state_dict entry is stored as the array `state/<name>`; `__meta__` is a JSON
string {"format", "version", "model", "config", "extra"}. No pickles: `np.load` runs with
allow_pickle=False, so loading a checkpoint never executes code.

Saving is atomic: the file is written to a temp file in the same directory, fsynced, then
os.replace'd over the target, so a crash or Ctrl-C mid-save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .files import atomic_write, jsonable
from .models import MODELS, registry_name

FORMAT = "tinygrad_dl.checkpoint"
VERSION = 1
_PREFIX = "state/"


def save(model: Any, path: str | os.PathLike[str], **extra: Any) -> Path:
    """Write model state + config + registry name + JSON-able `extra` to `path` atomically."""
    path = Path(path)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "model": registry_name(model),
        "config": model.config(),
        "extra": extra,
    }
    try:
        meta_json = json.dumps(jsonable(meta))
    except TypeError as e:
        raise TypeError(f"checkpoint {path}: config/extra must be JSON-able ({e})") from None
    arrays = {_PREFIX + k: np.asarray(v) for k, v in model.state_dict().items()}
    arrays["__meta__"] = np.array(meta_json)
    return atomic_write(path, lambda f: np.savez(f, **arrays))


def read(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, state_dict) of a checkpoint, without building the model."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a tinygrad_dl checkpoint (not an .npz/zip file: truncated "
                         "or corrupt?)")
    try:
        with np.load(path, allow_pickle=False) as z:
            if "__meta__" not in z.files:
                raise ValueError("no __meta__ entry")
            meta = json.loads(str(z["__meta__"]))
            state = {k[len(_PREFIX):]: z[k] for k in z.files if k.startswith(_PREFIX)}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a readable tinygrad_dl checkpoint ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not a tinygrad_dl checkpoint (format={meta.get('format')!r})")
    if meta.get("version", 0) > VERSION:
        raise ValueError(
            f"{path}: checkpoint version {meta['version']} is newer than this tinygrad_dl "
            f"understands ({VERSION})"
        )
    return meta, state


def load(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any]]:
    """Rebuild the model from its registry name + config, load its state: (model, extra)."""
    meta, state = read(path)
    name = meta.get("model")
    if name not in MODELS:
        raise ValueError(f"{path}: unknown model {name!r}; known models: {sorted(MODELS)}")
    try:
        model = MODELS[name](**meta.get("config", {}))
        model.load_state_dict(state)
    except (TypeError, KeyError, ValueError) as e:
        raise ValueError(f"{path}: cannot rebuild {name} from the checkpoint ({e})") from None
    return model, meta.get("extra", {})
