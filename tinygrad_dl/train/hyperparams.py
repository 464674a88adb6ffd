"""The training hyperparameters, each described once (as PyTorch's OpInfo describes each op once).

One `Hyper` per setting: its `run_training` key, its command-line flag, its type and valid range or
choices, its help, whether `tinygrad-dl search` may vary it, and (from the model classes' course
`defaults`) which models use it. Everything else is built from `HYPERS`: the flags of `tinygrad-dl
train` and the fixed flags of `tinygrad-dl search` (commands/args.py `add_hyper_flags`), the
search space's parameters (search/space.py `PARAMS`) and the settings checks (`Hyper.check`, used
by `search.space.check_fixed`). A new setting is one new entry here (plus its course default in
the models that use it).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_dl.models import MODELS

__all__ = ["BY_KEY", "BY_NAME", "HYPERS", "Hyper", "flag_names"]


@dataclass(frozen=True)
class Hyper:
    """One training hyperparameter."""

    key: str  # run_training's name for it, e.g. "lam"
    flag: str | None  # its command-line flag, e.g. "--lambda"; None: a run_training/--set key only
    kind: type  # int, float, str, bool or list (a list of positive integers, "50,50")
    help: str = ""
    low: float = -math.inf  # smallest valid value (int and float)
    high: float = math.inf  # largest valid value
    open_low: bool = False  # low itself is invalid (e.g. eta > 0)
    open_high: bool = False
    choices: tuple[str, ...] = ()  # the valid values of a str setting
    search: bool = False  # `tinygrad-dl search --param NAME=...` may vary it
    negatable: bool = False  # bool: --FLAG / --no-FLAG
    off_flag: str | None = None  # bool: the flag that sets it False (--keep-last)
    off_help: str = ""

    @property
    def name(self) -> str:
        """The name users type: the flag without dashes, underscored ("lambda", "n_batch")."""
        return self.flag[2:].replace("-", "_") if self.flag else self.key

    @property
    def shown(self) -> str:
        """How an error names it: "--lambda", "--drop-last/--keep-last", or the key."""
        if self.flag is None:
            return self.key
        return f"{self.flag}/{self.off_flag}" if self.off_flag else self.flag

    @property
    def models(self) -> tuple[str, ...]:
        """The registered models that use it: those whose course defaults set it."""
        return tuple(name for name, cls in MODELS.items() if self.key in cls.defaults)

    @property
    def optional(self) -> bool:
        """None is a valid value (it is a course default: no clipping, a derived n_s, ...)."""
        return any(cls.defaults.get(self.key, 0) is None for cls in MODELS.values())

    def range_text(self) -> str:
        # (an infinite end is open: no flag takes inf, `--eta inf` is "expected a finite number")
        left = "(" if self.open_low or self.low == -math.inf else "["
        right = ")" if self.open_high or self.high == math.inf else "]"
        return f"{left}{self.low:g}, {self.high:g}{right}"

    def in_range(self, v: float) -> bool:
        return not (v < self.low or (self.open_low and v <= self.low) or v > self.high
                    or (self.open_high and v >= self.high))

    def check(self, v: Any) -> None:
        """ValueError (saying why, without the flag: the caller names where it came from) for a
        value every run would reject: a wrong type, a value outside the range or the choices."""
        if v is None and self.optional:
            return
        if self.choices and v not in self.choices:
            raise ValueError(f"{v!r} is not one of {', '.join(self.choices)}")
        if self.kind is bool and not isinstance(v, (bool, np.bool_)):
            raise ValueError(f"{self.key} must be true or false, got {v!r}")
        if self.kind is list and (not isinstance(v, (list, tuple)) or not v or not all(
                _integer(h) and h >= 1 for h in v)):
            raise ValueError(f"{self.key} sizes must be a list of positive integers, got {v!r}")
        if self.kind not in (int, float):
            return
        # NumPy's numbers count (np.int64 is not an int); bool is not a number here
        number = isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
        if self.kind is int and not (number and _integer(v)):
            raise ValueError(f"{self.name} must be an integer, got {v!r}")
        if not number or not math.isfinite(v):
            raise ValueError(f"{self.name} must be a finite number, got {v!r}")
        if not self.in_range(v):
            raise ValueError(f"{self.name}={v!r} is outside its valid range {self.range_text()}")


def _integer(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))

def _positive(kind: type, key: str, flag: str, help: str, **kw: Any) -> Hyper:  # noqa: A002
    """An int >= 1 or a float > 0 (most settings are counts or step sizes)."""
    if kind is int:
        return Hyper(key, flag, int, help, low=1, **kw)
    return Hyper(key, flag, float, help, low=0, open_low=True, **kw)


# In the order `tinygrad-dl train --help` lists them.
HYPERS: tuple[Hyper, ...] = (
    Hyper("lam", "--lambda", float, "L2 weight lambda in J = mean CE + lambda sum ||W||^2", low=0,
          search=True),
    _positive(float, "eta", "--eta", "constant learning rate (AdaGrad's eta for char-rnn)",
              search=True),
    _positive(int, "n_batch", "--n-batch", "mini-batch size", search=True),
    _positive(int, "epochs", "--epochs", "passes through the training data (on a cyclical "
              "schedule: may end mid-cycle, which is noted; --cycles gives whole cycles); not "
              "with --n-updates",
              search=True),
    _positive(int, "cycles", "--cycles",
              "cyclical learning rate: number of cycles (2 n_s updates each); not with "
              "--epochs or --n-updates", search=True),
    _positive(float, "eta_min", "--eta-min", "cyclical learning rate: lowest eta", search=True),
    _positive(float, "eta_max", "--eta-max", "cyclical learning rate: highest eta", search=True),
    _positive(int, "n_s", "--n-s", "cyclical step size n_s (default k * floor(n / n_batch): "
              "k = 2, 5 for k-layer)", search=True),
    Hyper("hidden", "--hidden", list, "k-layer hidden sizes, comma separated, e.g. 50,50"),
    Hyper("channels", "--channels", list, "convnet: channels of each conv stage, e.g. 16,32"),
    Hyper("dropout", "--dropout", float, "k-layer dropout rate", low=0, high=1, open_high=True,
          search=True),
    _positive(int, "m", "--m", "hidden units (two-layer, char-rnn)", search=True),
    Hyper("init", "--init", str, "weight init: gaussian (N(0, std^2)), xavier, he",
          choices=("gaussian", "xavier", "he")),
    _positive(float, "std", "--std", "standard deviation of --init gaussian (default 0.01)",
              search=True),
    Hyper("split", "--split", str, "CIFAR-10 split: batch1 (train 1, val 2) or all",
          choices=("batch1", "all")),
    _positive(int, "val_size", "--val-size", "validation images held out of split=all"),
    _positive(int, "seq_length", "--seq-length", "char-rnn sequence length", search=True),
    _positive(int, "n_updates", "--n-updates", "stop after this many updates (not with --epochs or "
              "--cycles)", search=True),
    _positive(float, "clip", "--clip", "clip each gradient entry to [-clip, clip]", search=True),
    Hyper("optimizer", "--optimizer", str,
          "sgd or adam (classifiers); adagrad, sgd, adam (char-rnn)",
          choices=("sgd", "adam", "adagrad")),
    Hyper("momentum", "--momentum", float, "SGD momentum", low=0, high=1, open_high=True,
          search=True),
    _positive(int, "eval_every", "--eval-every", "log train/val metrics every N updates "
              "(default: about 50 points when the run has fewer than 20 epochs, else once per "
              "epoch)"),
    _positive(int, "sample_every", "--sample-every", "char-rnn: print a sample every N updates"),
    Hyper("temperature", "--temperature", float, "char-rnn: sampling temperature", low=0),
    Hyper("flip", "--flip", float, "classifiers: mirror each training image left-right with this "
          "probability, drawn anew every update (data augmentation; default 0)", low=0, high=1,
          search=True),
    Hyper("translate", "--translate", int, "classifiers: shift each training image by up to this "
          "many pixels along each axis, zero-filled, drawn anew every update (default 0)", low=0,
          high=31, search=True),
    Hyper("dtype", "--dtype", str, "float64 (default) or float32", choices=("float64", "float32")),
    Hyper("batch_norm", "--batch-norm", bool, "k-layer batch normalization (default on)",
          negatable=True),
    Hyper("drop_last", "--drop-last", bool, "form full mini-batches only, as the course's loop "
          "does: the remainder of each shuffled epoch is left out (default for the classifiers); "
          "n_s counts these batches", off_flag="--keep-last",
          off_help="also train on the last, short batch of each epoch (PyTorch DataLoader's "
          "default; the behaviour of releases before --drop-last, reproduced exactly)"),
    Hyper("restore_best", "--restore-best", bool,
          "end with the best-validation (char-rnn: lowest smooth loss) weights"),
    # run_training keys without a flag of their own (search: --set KEY=VALUE)
    Hyper("schedule", None, str, "learning-rate schedule; implied by --eta (constant) or the "
          "cyclical flags", choices=("constant", "cyclic")),
    _positive(float, "clip_norm", None, "clip the gradients' global L2 norm to this"),
    _positive(int, "sample_length", None, "char-rnn: characters per printed sample"),
    _positive(int, "log_every", None, "char-rnn: record the loss every N updates"),
)
BY_KEY: dict[str, Hyper] = {h.key: h for h in HYPERS}
BY_NAME: dict[str, Hyper] = {h.name: h for h in HYPERS}


def flag_names() -> dict[str, str]:
    """key -> how the command line spells it, for errors about the user's flags."""
    return {h.key: h.shown for h in HYPERS if h.flag is not None}
