"""Resumable training state: everything a run needs to continue exactly where it stopped.

A training state is one `.npz` (no pickles: read with allow_pickle=False) holding the model's
state_dict, the optimizer's state, the training loop's position (step, epoch, the epoch's data
order or the char-RNN's text position and hidden state, the best weights so far), every random
generator's state (data shuffling, text sampling, the dropout masks) and the History so far.
Arrays are npz members; everything else is one JSON string (`__meta__`). It is written with the
one atomic write (`tinygrad_dl.files.atomic_write`), so a kill leaves the previous state or the
new one.

`StopFlag` turns SIGINT/SIGTERM into a request the loops poll after every update, so an
interrupt never lands halfway through an update: the loop saves a state and raises
`TrainingInterrupted`, and a resumed run replays the rest bit for bit.
"""

from __future__ import annotations

import json
import math
import os
import signal
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl.files import atomic_write, jsonable

from .history import History

__all__ = ["STATE_FILE", "StopFlag", "TrainingInterrupted", "load_train_state",
           "restore_generators", "save_train_state"]

FORMAT = "tinygrad_dl.train_state"
VERSION = 2  # 2: Linear.W (and its optimizer state) is (out, in); version 1 held (in, out)
STATE_FILE = "train_state.npz"


class TrainingInterrupted(Exception):  # noqa: N818  (an outcome, not an error)
    """A run stopped on request (Ctrl-C / SIGTERM) after saving its state."""

    def __init__(self, epoch: int, step: int) -> None:
        super().__init__(f"interrupted at epoch {epoch} step {step}")
        self.epoch, self.step = epoch, step


class StopFlag:
    """A stop request the training loops poll after each update (`bool(flag)`).

    `catch_signals()` makes SIGINT and SIGTERM set it instead of raising KeyboardInterrupt in the
    middle of an update (only possible in the main thread; elsewhere it is a no-op).
    """

    def __init__(self) -> None:
        self.signum: int | None = None

    def __bool__(self) -> bool:
        return self.signum is not None

    def request(self, signum: int = signal.SIGINT) -> None:
        self.signum = signum

    @contextmanager
    def catch_signals(self) -> Iterator[StopFlag]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        handler = lambda signum, frame: self.request(signum)  # noqa: E731
        old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for s, h in old.items():
                signal.signal(s, h)


# ---- random generators inside a model (dropout masks) ---------------------------------------
def _generators(model: Any) -> list[np.random.Generator]:
    """Every distinct np.random.Generator a module of `model` holds, in module order."""
    seen: dict[int, np.random.Generator] = {}
    for mod in model.modules():
        for v in vars(mod).values():
            if isinstance(v, np.random.Generator):
                seen.setdefault(id(v), v)
    return list(seen.values())


def restore_generators(model: Any, states: list[dict[str, Any]]) -> None:
    gens = _generators(model)
    if len(gens) != len(states):
        raise ValueError(f"training state has {len(states)} model generator(s), the model "
                         f"has {len(gens)}")
    for g, s in zip(gens, states):
        g.bit_generator.state = s


# ---- save / load ----------------------------------------------------------------------------
def save_train_state(path: str | os.PathLike[str], *, run: dict[str, Any], model: Any,
                     optimizer: Any, history: History, loop: dict[str, Any]) -> Path:
    """Write the whole training state to `path` atomically. `run` holds what identifies the
    run (model name, params, seed, data source); `loop` is the loop's snapshot (arrays and
    JSON-able values; `best_state` a state_dict or None)."""
    arrays: dict[str, np.ndarray] = {}
    for k, v in model.state_dict().items():
        arrays[f"model/{k}"] = np.asarray(v)
    opt = optimizer.state_dict()
    opt_scalars = []
    for i, s in enumerate(opt.pop("state")):
        scalars = {}
        for k, v in s.items():
            if isinstance(v, np.ndarray):
                arrays[f"optim/{i}/{k}"] = v
            else:
                scalars[k] = v
        opt_scalars.append(scalars)
    loop = dict(loop)
    best = loop.pop("best_state", None)
    for k, v in (best or {}).items():
        arrays[f"best/{k}"] = np.asarray(v)
    loop_json = {}
    for k, v in loop.items():
        if isinstance(v, np.ndarray):
            arrays[f"loop/{k}"] = v
        else:
            loop_json[k] = v
    for name, col in history.columns.items():
        arrays[f"history/{name}"] = np.asarray(col, dtype=np.float64)
    meta = {
        "format": FORMAT, "version": VERSION, "run": run,
        "optim": {**opt, "scalars": opt_scalars}, "loop": loop_json, "has_best": best is not None,
        "history_meta": history.meta, "history_columns": list(history.columns),
        "generators": [g.bit_generator.state for g in _generators(model)],
    }
    arrays["__meta__"] = np.array(json.dumps(jsonable(meta)))
    return atomic_write(path, lambda f: np.savez(f, **arrays))


def load_train_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The state saved by save_train_state, as a dict with keys run, model (state_dict),
    optim (for Optimizer.load_state_dict), loop (its snapshot, best_state included), history
    (a History) and generators. A missing or damaged file is a ValueError naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no training state to resume: {path} does not exist")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a training state (truncated or corrupt?)")
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["__meta__"]))
            arrays = {k: z[k] for k in z.files if k != "__meta__"}
        if meta.get("format") == FORMAT and meta.get("version") == 1:
            raise ValueError("written by a tinygrad_dl whose Linear.W was (in, out), before it "
                             "became (out, in): resuming would mix the layouts; start the run "
                             "afresh")
        if meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise ValueError(f"format {meta.get('format')!r} version {meta.get('version')!r}")
        part = _split(arrays)
        opt = dict(meta["optim"])
        scalars = opt.pop("scalars")
        opt["state"] = [{**s, **part["optim"].get(str(i), {})} for i, s in enumerate(scalars)]
        loop = {**meta["loop"], **part["loop"]}
        loop["best_state"] = part["best"] if meta["has_best"] else None
        hist = History(meta["history_meta"])
        hist.columns = {c: part["history"][c].tolist() for c in meta["history_columns"]}
        hist._rows = max((len(c) for c in hist.columns.values()), default=0)
        return {"run": meta["run"], "model": part["model"], "optim": opt, "loop": loop,
                "history": hist, "generators": meta["generators"]}
    except (KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path}: not a usable training state ({type(e).__name__}: {e})") from None


def _split(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """{"model/layers.0.W": a, "optim/0/v": b} -> {"model": {"layers.0.W": a}, "optim":
    {"0": {"v": b}}, ...}."""
    part: dict[str, dict[str, Any]] = {"model": {}, "optim": {}, "loop": {}, "best": {},
                                       "history": {}}
    for key, a in arrays.items():
        group, _, name = key.partition("/")
        if group == "optim":
            i, _, k = name.partition("/")
            part["optim"].setdefault(i, {})[k] = a
        else:
            part[group][name] = a
    return part


def number(v: Any, default: float) -> float:
    """A float read back from JSON, where NaN/inf were stored as None."""
    return default if v is None else float(v)


def nan_if_none(v: Any) -> float:
    return number(v, math.nan)
