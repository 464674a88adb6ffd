"""The skeleton both training loops share (`fit` in minibatch.py, `fit_rnn` in sequence.py).

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
from typing import Any

import numpy as np

from tinygrad_dl.jupyter import progress_bar

from .guard import DivergenceGuard, quiet_numpy
from .state import TrainingInterrupted

__all__ = ["Best", "LoopRun", "Snapshot"]
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
            state = ({k: np.array(v, copy=True) for k, v in self.model.state_dict().items()}
                     if self.keep else None)
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
