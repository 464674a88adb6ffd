"""A resumed run keeps the interrupted run's --checkpoint-every (found 2026-12-03: a char-RNN
started with --checkpoint-every 200 and resumed with the printed command saved at 5,000, 10,000,
... , the default, so a kill lost up to 4,999 updates). A --checkpoint-every given again on
--resume wins, says so, and is what the next resume keeps."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

import tinygrad_dl.train.run as run_mod
from tinygrad_dl.cli import main
from tinygrad_dl.data import CharData
from tinygrad_dl.train import TrainingInterrupted, load_train_state, run_training
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE

TEXT = "the quick brown fox jumps over the lazy dog. " * 8
P = {"n_updates": 40, "m": 8, "sample_every": 1000}
KW = dict(progress=False, print_fn=None, text=CharData(TEXT))


@pytest.fixture
def saves(monkeypatch) -> list[int]:
    """The update step of every training state the run saves."""
    seen: list[int] = []
    real = run_mod.save_train_state

    def spy(path, **kw):
        seen.append(kw["loop"]["step"])
        return real(path, **kw)

    monkeypatch.setattr(run_mod, "save_train_state", spy)
    return seen


def test_resume_keeps_the_runs_checkpoint_every(tmp_path, saves):
    out = tmp_path / "r"
    with pytest.raises(TrainingInterrupted):
        run_training("char-rnn", P, out=out, checkpoint_every=7, stop=StopAfter(10), **KW)
    assert saves == [7, 10]
    assert load_train_state(stage_dir(out) / STATE_FILE)["run"]["checkpoint_every"] == 7
    saves.clear()
    with pytest.raises(TrainingInterrupted):  # the printed command: no --checkpoint-every
        run_training("char-rnn", resume=out, stop=StopAfter(20), **KW)
    assert saves == [14, 21, 28, 30]  # (before: only the stop's, at 30: the default is 5000)
    res = run_training("char-rnn", resume=out, **KW)
    assert not any("checkpoint" in n for n in res.notes)


def test_a_new_checkpoint_every_on_resume_wins_says_so_and_is_kept(tmp_path, saves):
    out = tmp_path / "r"
    with pytest.raises(TrainingInterrupted):
        run_training("char-rnn", P, out=out, checkpoint_every=7, stop=StopAfter(10), **KW)
    saves.clear()
    with pytest.raises(TrainingInterrupted):
        run_training("char-rnn", resume=out, checkpoint_every=5, stop=StopAfter(8), **KW)
    assert saves == [15, 18]
    saves.clear()
    res = run_training("char-rnn", resume=out, **KW)  # the next resume keeps 5
    assert saves[:4] == [20, 25, 30, 35]
    assert not any("checkpoint" in n for n in res.notes)
    saves.clear()
    out2 = tmp_path / "r2"
    with pytest.raises(TrainingInterrupted):
        run_training("char-rnn", P, out=out2, checkpoint_every=7, stop=StopAfter(3), **KW)
    res = run_training("char-rnn", resume=out2, checkpoint_every=9, **KW)
    note, = [n for n in res.notes if "checkpoint" in n]
    assert "--checkpoint-every 9" in note and "every 7 updates" in note, note


def test_the_resumed_run_still_ends_bit_for_bit(tmp_path):
    whole = run_training("char-rnn", P, **KW)
    out = tmp_path / "r"
    with pytest.raises(TrainingInterrupted):
        run_training("char-rnn", P, out=out, checkpoint_every=7, stop=StopAfter(12), **KW)
    res = run_training("char-rnn", resume=out, **KW)
    a, b = whole.model.state_dict(), res.model.state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("bad", [0, -3, 2**63])
def test_a_forged_checkpoint_every_is_refused_in_one_line(tmp_path, capsys, bad):
    out = tmp_path / "r"
    with pytest.raises(TrainingInterrupted):
        run_training("char-rnn", P, out=out, checkpoint_every=7, stop=True, **KW)
    path = stage_dir(out) / STATE_FILE
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    meta["run"]["checkpoint_every"] = bad
    np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)
    assert main(["train", "char-rnn", "--resume", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and STATE_FILE in err and "checkpoint_every" in err, err
