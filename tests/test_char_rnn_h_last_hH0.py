"""The char-RNN keeps the hidden state training ended with (`h_last`): the final sample, the
saved model.npz and `tinygrad-dl synthesize` start from it (the course's synthesis from hprev).

From h0 = 0, a short run's weights (m = 100, 3000 updates on the embedded text) scored 223 per
25 characters (uniform guessing: 116) and never recovered; from the carried state 64.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

from tinygrad_dl import checkpoint, no_grad
from tinygrad_dl.cli import main
from tinygrad_dl.data import CharData, load_text
from tinygrad_dl.models.char_rnn import CharRNN
from tinygrad_dl.train import run_training
from tinygrad_dl.train.state import TrainingInterrupted

pytestmark = pytest.mark.usefixtures("embedded_data_only")  # conftest: the embedded sample only

TEXT = "the quick brown fox jumps over the lazy dog. " * 8


@pytest.fixture
def spies(monkeypatch):
    """Every h0 CharRNN.synthesize is given, and the hidden state after every loss() (the
    state the training loop carries on, eager: jit=False runs loss() every update)."""
    seen = {"synth_h0": [], "carried": []}
    synthesize, loss = CharRNN.synthesize, CharRNN.loss

    def spy_synthesize(self, h0, *a, **k):
        seen["synth_h0"].append(None if h0 is None else np.array(h0))
        return synthesize(self, h0, *a, **k)

    def spy_loss(self, *a, **k):
        out = loss(self, *a, **k)
        seen["carried"].append(self.h_last.copy())
        return out

    monkeypatch.setattr(CharRNN, "synthesize", spy_synthesize)
    monkeypatch.setattr(CharRNN, "loss", spy_loss)
    return seen


def _h_saved(path):
    meta, _ = checkpoint.read(path)
    h = meta["extra"].get("h_last")
    assert h is not None, "model.npz keeps no h_last"
    return np.array(h, dtype=np.float64)


def _loss_per_char(net, h0, ints, e, n=100):
    with no_grad():
        return float(net.loss(ints[e:e + n], ints[e + 1:e + n + 1], h0=h0).item()) / n


@pytest.mark.slow  # (~1.5 s: 200 updates of m = 100)
def test_final_sample_and_model_file_start_from_the_carried_state(tmp_path, spies):
    out = tmp_path / "run"
    n, T = 200, 25
    r = run_training("char-rnn", {"n_updates": n, "m": 100, "sample_every": 10**6},
                     seed=0, out=out, progress=False, print_fn=None, jit=False)
    last = spies["carried"][-1]  # the loop's h after its last update
    assert len(spies["carried"]) == n
    final_h0 = spies["synth_h0"][-1]  # the final sample's (result.final["sample"])
    assert final_h0 is not None and np.array_equal(final_h0, last)  # bit for bit
    assert np.array_equal(r.model.h_last, last)
    assert np.array_equal(_h_saved(out / "model.npz"), last)
    # what synthesize starts from scores the text that follows far better than h0 = 0 does
    data = load_text(None)
    ints = data.encode(data.text)
    net = checkpoint.load_model(out / "model.npz")
    spies["synth_h0"].clear()
    assert main(["synthesize", str(out / "model.npz"), "--length", "5", "--seed", "0"]) == 0
    used = spies["synth_h0"][-1]
    assert used is not None and np.array_equal(used, last)
    from_used, from_zeros = (_loss_per_char(net, h, ints, n * T) for h in (used, None))
    assert from_used < 0.5 * from_zeros, (from_used, from_zeros)
    assert from_used < np.log(data.K)  # better than uniform guessing; from zeros it is not


def _small_run(tmp_path, name="run", **params):
    p = {"n_updates": 30, "m": 8, "sample_every": 10, **params}
    return run_training("char-rnn", p, text=CharData(TEXT), seed=3, out=tmp_path / name,
                        progress=False, print_fn=None)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_save_load_round_trip_keeps_h_last_bit_for_bit(tmp_path, dtype):
    r = _small_run(tmp_path, dtype=dtype)
    h = r.model.h_last
    assert h is not None and h.dtype == np.dtype(dtype) and np.abs(h).max() > 0
    model, extra = checkpoint.load(tmp_path / "run" / "model.npz")
    back = np.array(extra["h_last"], dtype=model.dtype)
    assert back.dtype == h.dtype and np.array_equal(back, h)


def test_synthesize_primes_start_from_h_last_and_h0_zeros_from_zeros(tmp_path, spies, capsys):
    r = _small_run(tmp_path)
    path = str(tmp_path / "run" / "model.npz")
    net = checkpoint.load_model(path)
    spies["synth_h0"].clear()
    assert main(["synthesize", path, "--length", "7", "--start", "the q", "--seed", "1"]) == 0
    with no_grad():
        net(CharData(TEXT).encode("the ")[:4], h0=r.model.h_last)
    assert np.array_equal(spies["synth_h0"][-1], net.h_last)  # primed from h_last
    assert main(["synthesize", path, "--length", "7", "--seed", "1", "--h0", "zeros"]) == 0
    assert spies["synth_h0"][-1] is None
    assert "note" not in capsys.readouterr().err


def test_old_model_file_without_h_last_still_synthesizes_from_zeros(tmp_path, capsys):
    net = CharRNN(3, m=4, rng=np.random.default_rng(0))
    p = str(checkpoint.save_model(net, tmp_path / "old.npz", chars=["a", "b", "c"],
                                  start_char="b"))
    assert main(["synthesize", p, "--length", "9", "--seed", "2"]) == 0
    out, err = capsys.readouterr()
    assert len(out.strip()) == 10 and set(out.strip()) <= set("abc")
    assert err.count("\n") == 1 and err.startswith("note: ") and "h0 = 0" in err, err
    assert main(["synthesize", p, "--length", "9", "--seed", "2", "--h0", "zeros"]) == 0
    assert capsys.readouterr() == (out, "")  # the same text, no note


@pytest.mark.parametrize("bad", [[0.5] * 3, [2.0] * 4, ["x"] * 4, [True] * 4, "0000"])
def test_a_bad_h_last_in_the_extras_is_one_line(tmp_path, capsys, bad):
    net = CharRNN(3, m=4, rng=np.random.default_rng(0))
    p = str(checkpoint.save_model(net, tmp_path / "bad.npz", chars=["a", "b", "c"],
                                  start_char="b", h_last=bad))
    assert main(["synthesize", p, "--length", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and p in err and "h_last is not 4 numbers" in err, err


@pytest.mark.slow  # (~2 s: three short runs)
@pytest.mark.parametrize("restore_best", [False, True])
def test_resume_carries_h_last(tmp_path, restore_best):
    # (SGD 0.5: the best smooth loss at update 8, before the cut: its state is in the file)
    params = {"n_updates": 60, "restore_best": restore_best, "optimizer": "sgd", "eta": 0.5}
    whole = _small_run(tmp_path, "whole", **params)
    assert whole.history.meta["best_step"] == 8
    with pytest.raises(TrainingInterrupted):
        run_training("char-rnn", {"m": 8, "sample_every": 10, **params}, text=CharData(TEXT),
                     seed=3, out=tmp_path / "cut", progress=False, print_fn=None,
                     stop=StopAfter(37), checkpoint_every=25)
    resumed = run_training("char-rnn", resume=tmp_path / "cut", text=CharData(TEXT),
                           progress=False, print_fn=None)
    assert np.array_equal(resumed.model.h_last, whole.model.h_last)
    assert resumed.final["sample"] == whole.final["sample"]
    assert np.array_equal(_h_saved(tmp_path / "cut" / "model.npz"),
                          _h_saved(tmp_path / "whole" / "model.npz"))


def test_restore_best_keeps_the_state_of_the_best_update(tmp_path, spies):
    r = run_training("char-rnn", {"n_updates": 40, "m": 8, "sample_every": 10,
                                  "restore_best": True, "optimizer": "sgd", "eta": 0.5},
                     text=CharData(TEXT), seed=3, progress=False, print_fn=None, jit=False)
    best = r.history.meta["best_step"]
    assert best == 8  # (the case: the best update is not the last one)
    assert not np.array_equal(spies["carried"][best - 1], spies["carried"][-1])
    assert np.array_equal(r.model.h_last, spies["carried"][best - 1])
