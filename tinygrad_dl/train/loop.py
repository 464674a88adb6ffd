"""The skeleton both training loops share (`fit` in minibatch.py, `fit_rnn` in sequence.py),
and `Trainer`, the object through which run_training drives either of them.

A loop owns what is particular to its data (mini-batches of a shuffled epoch; consecutive
chunks of a text) and hands the rest to one `LoopRun`: the update counter and epoch, the
generator that orders the data, the divergence guard, the best state so far (`Best`), the
resume restore, the checkpoint/stop poll after every update, and the end (the best state
restored on request). Its snapshot (what train/state.py saves) is the common part here plus the
loop's own `position()`; resuming from it replays the rest of the run bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl.jupyter import progress_bar
from tinygrad_dl.models.base import integer

from .guard import DivergenceGuard, quiet_numpy
from .state import TrainingInterrupted

__all__ = ["Best", "LoopRun", "Prepared", "Snapshot", "Trainer"]
Snapshot = Callable[[dict[str, Any]], None]


class Best:
    """The best model state so far by a score: validation accuracy (higher is better) for the
    classifiers, smooth loss (lower) for the char-RNN. Saved in a snapshot as best_NAME,
    best_step (best_epoch when `epochs`) and best_state (the weights, when `keep`)."""

    def __init__(self, model: Any, name: str, *, higher: bool, keep: bool = True,
                 epochs: bool = False) -> None:
        self.model, self.name, self.higher = model, name, higher
        self.keep, self.epochs = keep, epochs
        self.value = -math.inf if higher else math.inf
        self.step, self.epoch = 0, 0.0
        self.state: dict[str, np.ndarray] | None = None

    def offer(self, value: float, step: int, epoch: float = 0.0) -> None:
        """Keep the model's state if `value` beats the best so far."""
        if value > self.value if self.higher else value < self.value:
            # (a module's extra state, get_extra_state's value, is kept as a copy of itself:
            # np.array made it a 0-d object array holding the live dict, which changed after)
            state = ({k: np.array(v, copy=True) if isinstance(v, np.ndarray) else deepcopy(v)
                      for k, v in self.model.state_dict().items()} if self.keep else None)
            self.value, self.step, self.epoch, self.state = value, step, epoch, state

    def snapshot(self) -> dict[str, Any]:
        snap = {f"best_{self.name}": self.value, "best_step": self.step}
        if self.epochs:
            snap["best_epoch"] = self.epoch
        return {**snap, "best_state": self.state}

    def restore(self, snap: dict[str, Any]) -> None:
        value = snap[f"best_{self.name}"]  # JSON keeps an infinite start value as None
        self.value = (-math.inf if self.higher else math.inf) if value is None else value
        self.step, self.state = snap["best_step"], snap["best_state"]
        if self.epochs:
            self.epoch = snap["best_epoch"]


class LoopRun:
    """One run of a training loop: what `fit` and `fit_rnn` both do around their updates.

    `position` returns the loop's own part of a snapshot (its place in the data); `kind` names
    the loop in the saved state. After `restore(resume)` (when resuming) the loop restores its
    own position from the same snapshot."""

    def __init__(self, kind: str, model: Any, *, n_updates: int, seed: int, best: Best,
                 guard: DivergenceGuard, position: Callable[[], dict[str, Any]],
                 on_checkpoint: Snapshot | None, checkpoint_every: int | None,
                 stop: Any) -> None:
        self.kind, self.model, self.n_updates = kind, model, n_updates
        if checkpoint_every is not None:  # (2.5 saved every 5 updates, True every update)
            checkpoint_every = integer("fit" if kind == "minibatch" else "fit_rnn",
                                       "checkpoint_every", checkpoint_every, 0)
        self.best, self.guard, self.position = best, guard, position
        self.on_checkpoint, self.checkpoint_every, self.stop = (on_checkpoint, checkpoint_every,
                                                                stop)
        self.rng = np.random.default_rng(seed)  # orders the data (shuffles, samples)
        self.step, self.epoch = 0, 0

    def restore(self, resume: dict[str, Any]) -> None:
        """The common part of a snapshot: counters, generator, guard and best state."""
        self.step, self.epoch = int(resume["step"]), int(resume["epoch"])
        self.rng.bit_generator.state = resume["rng"]
        self.guard.first = resume["guard_first"]
        self.best.restore(resume)

    def snapshot(self) -> dict[str, Any]:
        """Where the run stands: resuming from it replays the rest exactly."""
        return {"kind": self.kind, "step": self.step, "epoch": self.epoch, **self.position(),
                "rng": self.rng.bit_generator.state, "guard_first": self.guard.first,
                **self.best.snapshot()}

    @property
    def done(self) -> bool:
        return self.step >= self.n_updates

    def checkpoint(self) -> None:
        """Hand a snapshot to on_checkpoint (when there is one and the run goes on)."""
        if self.on_checkpoint is not None and not self.done:
            self.on_checkpoint(self.snapshot())

    def poll(self) -> None:
        """After every update: a checkpoint every checkpoint_every updates, and on a stop
        request (polled once per update, never mid-update) a checkpoint and
        TrainingInterrupted."""
        stopping = bool(self.stop)
        if not self.done and (stopping or (
                self.checkpoint_every and self.step % self.checkpoint_every == 0)):
            self.checkpoint()
            if stopping:
                raise TrainingInterrupted(self.epoch, self.step)

    @contextmanager
    def running(self, progress: bool, desc: str) -> Iterator[Any]:
        """The progress bar (at the resumed step) and the loops' NumPy error state."""
        with progress_bar(self.n_updates, progress, desc, leave=False) as bar, quiet_numpy():
            bar.update(self.step)
            yield bar

    def finish(self, restore_best: bool) -> None:
        """The end: with restore_best, the model takes its best state."""
        if restore_best and self.best.state is not None:
            self.model.load_state_dict(self.best.state)


@dataclass
class Prepared:
    """A run set up by a Trainer: the model, its data, optimizer and the loop's own arguments."""

    net: Any
    data: Any  # a data.Dataset or a text.CharData: what the loop reads
    optimizer: Any
    loop_kw: dict[str, Any]
    checkpoint_every: int | None
    sizes: dict[str, int]  # recorded in the history and the state (a resume checks them)
    source: str  # history.meta["data"]


class Trainer:
    """How `run_training` trains the models of one `models.Loop` (a model class names its loop;
    train/run.py maps each Loop to its Trainer): the loop itself (`fit`) and what is particular
    to its data around it. The hooks, in the order a run calls them:

    - `refuse(model, given, name)`, `resolve(model, p, given, name)`: the settings this loop
      refuses or derives;
    - `prepare(cls, p, ...)`: load the data, build the model and optimizer (`Prepared`);
    - `fit(net, data, ...)`: the training loop;
    - `result(prepared, p, history, seed)`: the final numbers (a TrainResult);
    - `unused(p, given, embedded)`: the settings that did not apply, left out of result.json;
    - `embedded(data)`: whether the run reads the embedded CIFAR-10 sample;
    - `write(result, folder, seed, data)`: the outputs (train/outputs.py).
    """

    fit: Callable[..., Any]

    def refuse(self, model: str, given: dict[str, Any], name: Callable[..., str]) -> None:
        """ValueError for a setting this loop never takes (said before 'unknown parameter')."""

    def resolve(self, model: str, p: dict[str, Any], given: dict[str, Any],
                name: Callable[..., str]) -> dict[str, Any]:
        raise NotImplementedError

    def prepare(self, cls: Any, p: dict[str, Any], *, data: Any, text: Any,
                rng: np.random.Generator, dtype: np.dtype, checkpoint_every: int | None,
                print_fn: Any, epochs_given: bool, notes: list[str]) -> Prepared:
        raise NotImplementedError

    def result(self, run: Prepared, p: dict[str, Any], hist: Any, seed: int) -> Any:
        raise NotImplementedError

    def unused(self, p: dict[str, Any], given: dict[str, Any], *, embedded: bool) -> set[str]:
        return set()

    def embedded(self, data: Any) -> bool:
        return False

    def write(self, result: Any, folder: Path, *, seed: int, data: Any) -> None:
        raise NotImplementedError
