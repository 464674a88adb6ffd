"""The course's training loops with jit on and off, run whole and interrupted then resumed
through the run's own resume path (state file, load_state_dict, generators, history, the loop's
position): final parameters and history bit for bit the same in all four runs (round 3 of the
differential review of jit, tests/test_jit_differential3.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_train_resume import StopAfter  # the one stop-after-n-polls helper


def _train(kind: str, jitted: bool, stop_at: int | None, tmp: Any) -> tuple[dict, str]:
    """Train, or train until `stop_at`, save the state, and resume it on fresh objects (the
    run's resume path: state file, load_state_dict, generators, history, the loop's position)."""
    from types import SimpleNamespace

    from tinygrad_dl import optim
    from tinygrad_dl.data import CharData
    from tinygrad_dl.models import KLayer
    from tinygrad_dl.models.char_rnn import CharRNN
    from tinygrad_dl.train import TrainingInterrupted, fit, fit_rnn, load_train_state
    from tinygrad_dl.train.history import History
    from tinygrad_dl.train.state import restore_generators, save_train_state

    def build() -> tuple[Any, Any, Any, Callable, dict]:
        if kind == "fit":
            r = np.random.default_rng(5)
            d = SimpleNamespace(X_train=r.standard_normal((40, 4)), y_train=r.integers(0, 3, 40),
                                X_val=r.standard_normal((10, 4)), y_val=r.integers(0, 3, 10))
            net = KLayer(4, [6], 3, lam=0.01, batch_norm=True, dropout=0.2,
                         rng=np.random.default_rng(0))
            opt = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
            return net, opt, d, fit, dict(epochs=3, n_batch=8, eval_every=4,
                                          restore_best=True, progress=False, seed=3)
        d = CharData("the quick brown fox jumps over the lazy dog. " * 2)
        net = CharRNN(d.K, m=6, rng=np.random.default_rng(0))
        opt = optim.AdaGrad(net.parameters(), lr=0.1)
        return net, opt, d, fit_rnn, dict(n_updates=12, seq_length=6, sample_every=5,
                                           sample_length=5, print_fn=None, progress=False,
                                           seed=3, restore_best=True)

    net, opt, d, train, kw = build()
    hist, resumed = History(), False
    path = tmp / f"{kind}_{jitted}_{stop_at}.npz"

    def save(loop: dict) -> None:
        run = {"model": "k-layer" if kind == "fit" else "char-rnn", "params": {}, "seed": 3,
               "data": None, "text": None}
        save_train_state(path, run=run, model=net, optimizer=opt, history=hist,
                         loop=loop)
    try:
        train(net, d, optimizer=opt, history=hist, jit=jitted, on_checkpoint=save,
              stop=StopAfter(stop_at) if stop_at else None, **kw)
    except TrainingInterrupted:
        state = load_train_state(path)
        net, opt, d, train, kw = build()
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        restore_generators(net, state["generators"])
        hist, resumed = state["history"], int(state["loop"]["step"]) == stop_at
        train(net, d, optimizer=opt, history=hist, jit=jitted, resume=state["loop"], **kw)
    assert resumed == bool(stop_at)
    return ({k: v.tobytes() for k, v in net.state_dict().items()},
            json.dumps(hist.to_dict(), sort_keys=True))


@pytest.mark.parametrize("kind", ["fit", "fit_rnn"])
def test_training_interrupted_and_resumed_with_jit_equals_eager(kind, tmp_path):
    whole = _train(kind, False, None, tmp_path)
    assert _train(kind, True, None, tmp_path) == whole
    assert _train(kind, True, 7, tmp_path) == whole  # (stopped mid-epoch, resumed with jit)
    assert _train(kind, False, 7, tmp_path) == whole
