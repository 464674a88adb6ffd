"""Resumable training state: everything a run needs to continue exactly where it stopped.

A training state is one `.npz` (no pickles: read with allow_pickle=False) holding the model's
state_dict, the optimizer's state, the training loop's position (step, epoch, the epoch's data
order or the char-RNN's text position and hidden state, the best weights so far), every random
generator's state (data shuffling, text sampling, the dropout masks) and the History so far.
Arrays are members of the project's one container (`tinygrad_dl.container`: an .npz plus a JSON
`__meta__`), written atomically (a kill leaves the previous state or the new one) and read back
by its hostile-file reader with this file's schema.

`StopFlag` turns SIGINT/SIGTERM into a request the loops poll after every update, so an
interrupt never lands halfway through an update: the loop saves a state and raises
`TrainingInterrupted`, and a resumed run replays the rest bit for bit.
"""

from __future__ import annotations

import math
import numbers
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl import container
from tinygrad_dl.models import MODELS

from .history import History

__all__ = ["STATE_FILE", "StopFlag", "TrainingInterrupted", "load_train_state",
           "lowest", "restore_generators", "save_train_state", "unstorable"]

FORMAT = "tinygrad_dl.train_state"
KIND = "train_state"
_OLD_LAYOUT = ("written by a tinygrad_dl whose Linear.W was (in, out), before it became (out, in):"
               " resuming would mix the layouts; start the run afresh")
VERSION = 2  # 2: Linear.W (and its optimizer state) is (out, in); version 1 held (in, out)
STATE_FILE = "train_state.npz"


class TrainingInterrupted(Exception):  # noqa: N818  (an outcome, not an error)
    """A run stopped on request (Ctrl-C / SIGTERM) after saving its state."""

    def __init__(self, epoch: int, step: int) -> None:
        super().__init__(f"interrupted at epoch {epoch} step {step}")
        self.epoch, self.step = epoch, step


class StopFlag:
    """A stop request the training loops poll after each update (`bool(flag)`).

    `catch_signals()` makes SIGINT, SIGTERM and SIGHUP (a closed terminal) set it instead of
    raising KeyboardInterrupt in the middle of an update or ending the process unsaved (only
    possible in the main thread; elsewhere it is a no-op). A signal the process was started
    ignoring stays ignored: `nohup`'s SIGHUP, a script's background job's SIGINT.
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
        old = {}
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # (no SIGHUP on Windows)
            s = getattr(signal, name, None)
            if s is not None and signal.getsignal(s) is not signal.SIG_IGN:
                old[s] = signal.signal(s, handler)
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
        "version": VERSION, "run": run,
        "optim": {**opt, "scalars": opt_scalars}, "loop": loop_json, "has_best": best is not None,
        "history_meta": history.meta, "history_columns": list(history.columns),
        "generators": [g.bit_generator.state for g in _generators(model)],
    }
    return container.save(path, arrays, meta, format=FORMAT, kind=KIND)


# what a training state's metadata must look like (container.check_schema), before any use
_NUM, _INT = (float, type(None)), (int, type(None))
_LOOPS = {
    "minibatch": {"kind": str, "step": int, "epoch": float, "start": int, "seen": int, "rng": dict,
                  "etas": [float], "guard_first": _NUM, "best_acc": _NUM, "best_step": _INT,
                  "best_epoch": _NUM, "order?": type(None),  # an order array is a member
                  "drop_last?": bool,  # absent in states saved before it: the last batch kept
                  "augment_seed?": _INT},  # the seed of fit's flips and shifts (None: none)
    "sequence": {"kind": str, "step": int, "epoch": int, "e": int, "smooth": _NUM, "rng": dict,
                 "samples": [{"step": int, "smooth_loss": _NUM, "text": str}],
                 "guard_first": _NUM, "best_loss": _NUM, "best_step": _INT},
}
SCHEMA = {
    "format": str, "kind": str, "version": int,
    "run": {"model": str, "params": dict, "seed": int, "data": (str, type(None)),
            "text": (str, type(None)), "sizes?": {"*": int}, "seconds?": float,
            "data_sha256?": (str, type(None)),  # absent in states saved before 2026-12-03
            "data_dir?": (str, type(None)),  # the default data's folder (None: the sample)
            "checkpoint_every?": (int, type(None))},  # absent before 2026-12-03 (the default)
    "optim": {"type": str, "lr": float, "hyper": dict, "param_groups?": [dict],
              "scalars": [dict]},
    "loop": {"kind": str, "*": object}, "has_best": bool, "history_meta": dict,
    "history_columns": [str], "generators": [dict],
}
MAX_SAMPLE = 10**7  # characters of one text sample (a list of that many ints is 80 MB)
# every number a state holds (steps, positions, the seed, the settings) is below this: an int64,
# the top of what --seed takes (2**62 refused a resume of runs that --seed 2**62 and a huge
# --checkpoint-every or --n-updates had started and saved: `unstorable` refuses those now)
_LIMIT = 2**63


def unstorable(run: dict[str, Any]) -> str | None:
    """The name of the first number in a run's record ({"seed", "checkpoint_every", "params"},
    as run_training saves it) that a training state cannot hold (the reader refuses it), or
    None: a run is refused before it starts, not after it saved a state no resume reads."""
    # (a value that is no number is not this check's: the loop or the schema says why)
    for k, v in (("seed", run["seed"]), ("checkpoint_every", run.get("checkpoint_every")),
                 *run["params"].items()):
        nums = v if isinstance(v, (list, tuple)) else [v]
        # (NumPy's numbers too: np.uint64(2**63) is no int, and was saved, then refused)
        # (whole numbers below 2**63, as the CLI's int flags take; a float setting any finite
        # value from its lowest up: eta=1e200, a run meant to diverge, is saved and resumed)
        if any(isinstance(n, numbers.Real) and not isinstance(n, (bool, np.bool_))
               and not lowest(k) <= n < (_LIMIT if isinstance(n, numbers.Integral) else math.inf)
               for n in nums):
            return k
    return None


def lowest(key: str) -> int:
    """The smallest value a state holds for `key` of a run's record: checkpoint_every 1 (fit
    takes 0, "never", but a state saved by a run holds how often it saves), else 0."""
    return 1 if key == "checkpoint_every" else 0


def load_train_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The state saved by save_train_state, as a dict with keys run, model (state_dict),
    optim (for Optimizer.load_state_dict), loop (its snapshot, best_state included), history
    (a History) and generators. It is read as hostile (tinygrad_dl.container: header, size,
    inflate and metadata limits, the schema above; the run's settings are range-checked
    against the saved arrays): a missing file is FileNotFoundError, a damaged or forged one a
    ValueError naming it, before anything is allocated from it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no training state to resume: {path} does not exist")
    meta, arrays = container.read(path, format=FORMAT, schemas={KIND: SCHEMA},
                                  what="training state", default_kind=KIND,
                                  refused_versions={1: _OLD_LAYOUT})
    try:
        return _unpack(meta, arrays)
    except container.Refused as e:
        raise ValueError(f"{path}: refused: {e}") from None
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise ValueError(f"{path}: not a usable training state ({type(e).__name__}: "
                         f"{e})"[:600]) from None


def _unpack(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    if meta["version"] != VERSION:
        raise container.Refused(f"version {meta['version']!r}: this tinygrad_dl reads {VERSION}")
    loop_kind = meta["loop"]["kind"]
    if loop_kind not in _LOOPS:
        raise container.Refused(f"meta.loop.kind must be one of {tuple(_LOOPS)}")
    container.check_schema(meta["loop"], _LOOPS[loop_kind], "meta.loop")
    run = meta["run"]
    cls = MODELS.get(run["model"])
    if cls is None:
        raise container.Refused(f"meta.run.model {run['model']!r:.40} is not a model")
    part = _split(arrays)
    bad = unstorable(run)  # (before the sizes are checked against the arrays: m=-5)
    if bad is not None:
        where = bad if bad in ("seed", "checkpoint_every") else f"params.{bad}"
        raise container.Refused(f"meta.run.{where}={_value(run, bad)!r:.40} is out of range")
    _check_params(run["params"], cls, part["model"])
    if any(not 0 <= v < _LIMIT for v in meta["loop"].values() if type(v) is int):
        raise container.Refused("a step, epoch or position out of range")
    for st in (meta["loop"]["rng"], *meta["generators"]):
        _check_generator(st)
    opt = dict(meta["optim"])
    scalars = opt.pop("scalars")
    opt["state"] = [{**s, **part["optim"].get(str(i), {})} for i, s in enumerate(scalars)]
    loop = {**meta["loop"], **part["loop"]}
    loop["best_state"] = part["best"] if meta["has_best"] else None
    hist = History(meta["history_meta"])
    cols = meta["history_columns"]
    if any(part["history"][c].ndim != 1 for c in cols):
        raise container.Refused("a history column is not one-dimensional")
    hist.columns = {c: part["history"][c].tolist() for c in cols}
    hist._rows = max((len(c) for c in hist.columns.values()), default=0)
    return {"run": run, "model": part["model"], "optim": opt, "loop": loop,
            "history": hist, "generators": meta["generators"]}


def _value(run: dict[str, Any], key: str) -> Any:
    return run[key] if key in ("seed", "checkpoint_every") else run["params"][key]


def _check_params(params: dict[str, Any], cls: Any, model_arrays: dict[str, np.ndarray]) -> None:
    """The saved settings, as the CLI would check them, before any model or data is built: known
    keys, the default's type (their range: `unstorable`, checked first), and model sizes
    backed by the saved arrays (`m: 10**8` would otherwise allocate 76 GiB)."""
    for k, v in params.items():
        if k not in cls.defaults:
            raise container.Refused(f"meta.run.params has an unknown setting {k!r:.40}")
        d = cls.defaults[k]
        want = (type(d),) if d is not None else (int, float, str, bool, list)
        if isinstance(d, float) or k in ("clip", "clip_norm", "n_updates", "n_s", "epochs",
                                         "eval_every", "log_every"):
            want = (int, float, type(None))
        container.check_schema(v, want if not isinstance(d, list) else [int],
                               f"meta.run.params.{k}")
    if params.get("sample_length", 0) > MAX_SAMPLE:
        raise container.Refused(f"meta.run.params.sample_length is over {MAX_SAMPLE}")
    container.check_sizes({k: v for k, v in params.items() if k in ("m", "hidden", "channels")},
                          model_arrays.values())


def _check_generator(state: dict[str, Any]) -> None:
    """A saved bit-generator state must be one NumPy accepts (checked on a throwaway one)."""
    name = state.get("bit_generator")
    if name not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
        raise container.Refused(f"a random generator state names {name!r:.40}")
    try:
        getattr(np.random, name)().state = state
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise container.Refused(f"a random generator state is malformed ({e})"[:200]) from None


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

