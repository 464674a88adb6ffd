"""The loop skeleton fit and fit_rnn share (tinygrad_dl.train.loop) and the Trainer dispatch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.models import MODELS, Loop
from tinygrad_dl.nn import Module
from tinygrad_dl.train.guard import DivergenceGuard
from tinygrad_dl.train.loop import Best, LoopRun
from tinygrad_dl.train.minibatch import MinibatchTrainer, fit
from tinygrad_dl.train.run import TRAINERS
from tinygrad_dl.train.sequence import SequenceTrainer, fit_rnn
from tinygrad_dl.train.state import StopFlag, TrainingInterrupted


class One(Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = Tensor(np.zeros(2), requires_grad=True)


def _run(model: Module, **kw) -> LoopRun:
    pos = {"where": 0}
    return LoopRun("minibatch", model, n_updates=kw.pop("n_updates", 10), seed=0,
                   best=Best(model, "acc", higher=True, epochs=True),
                   guard=DivergenceGuard("the cost"), position=lambda: dict(pos), **kw)


def test_best_keeps_a_copy_of_the_better_state_only():
    m = One()
    best = Best(m, "loss", higher=False)
    best.offer(2.0, step=1)
    m.w.data[:] = 5.0  # the model moves on: the kept state must not alias its arrays
    best.offer(3.0, step=2)  # worse: ignored
    assert best.value == 2.0 and best.step == 1 and np.array_equal(best.state["w"], [0, 0])
    lazy = Best(m, "loss", higher=False, keep=False)
    lazy.offer(1.0, step=4)
    assert lazy.value == 1.0 and lazy.state is None  # weights copied only when restored later
    snap = Best(m, "acc", higher=True, epochs=True)
    snap.offer(0.5, step=3, epoch=1.5)
    again = Best(m, "acc", higher=True, epochs=True)
    again.restore({**snap.snapshot(), "best_acc": None})  # JSON wrote -inf as None
    assert again.value == -math.inf and again.epoch == 1.5 and again.step == 3


@pytest.mark.parametrize("higher,values", [(True, [0.5, 0.7, 0.7, 0.6]),
                                           (False, [2.0, 1.5, 1.5, 1.8])])
def test_best_keeps_the_first_of_tied_scores(higher, values):
    """A score must beat the best so far: a later equal one (a tie) leaves the best step,
    epoch and weights at the first time it was reached."""
    m = One()
    best = Best(m, "score", higher=higher, epochs=True)
    for step, v in enumerate(values, start=1):
        m.w.data[:] = step  # the weights the model has at this step
        best.offer(v, step=step, epoch=step / 2)
    assert best.value == values[1] and best.step == 2 and best.epoch == 1.0
    np.testing.assert_array_equal(best.state["w"], [2, 2])
    assert best.snapshot()["best_step"] == 2 and best.snapshot()["best_epoch"] == 1.0


def test_poll_checkpoints_every_n_updates_and_stops_with_a_snapshot():
    saved: list[dict] = []
    stop = StopFlag()
    run = _run(One(), on_checkpoint=saved.append, checkpoint_every=3, stop=stop)
    for _ in range(4):
        run.step += 1
        run.poll()
    assert [s["step"] for s in saved] == [3]
    assert set(saved[0]) == {"kind", "step", "epoch", "where", "rng", "guard_first", "best_acc",
                             "best_step", "best_epoch", "best_state"}
    stop.request()
    run.step += 1
    with pytest.raises(TrainingInterrupted, match="step 5"):
        run.poll()
    assert [s["step"] for s in saved] == [3, 5]
    run.step = run.n_updates  # the last update: the run ends normally, nothing to save
    run.poll()
    run.checkpoint()
    assert len(saved) == 2


def test_restore_takes_back_counters_generator_guard_and_best():
    a = _run(One(), on_checkpoint=None, checkpoint_every=None, stop=None)
    a.step, a.epoch = 7, 2
    a.rng.permutation(10)
    a.guard.first = 1.25
    a.best.offer(0.3, step=5, epoch=1.0)
    b = _run(One(), on_checkpoint=None, checkpoint_every=None, stop=None)
    b.restore(a.snapshot())
    assert (b.step, b.epoch, b.guard.first, b.best.value) == (7, 2, 1.25, 0.3)
    assert np.array_equal(a.rng.permutation(10), b.rng.permutation(10))


def test_every_loop_has_its_trainer_and_every_model_a_loop():
    assert isinstance(TRAINERS[Loop.MINIBATCH], MinibatchTrainer)
    assert isinstance(TRAINERS[Loop.SEQUENCE], SequenceTrainer)
    assert TRAINERS[Loop.MINIBATCH].fit is fit and TRAINERS[Loop.SEQUENCE].fit is fit_rnn
    assert all(cls.loop in TRAINERS for cls in MODELS.values())
