"""Review of the second CLI-leftovers pass (tests/test_cli_leftovers2_review.py): a --resume flag
equal to the default the run ran with was let through, and then dropped, also where giving it
changes the run (an explicit --eta makes a cyclic schedule constant; an --n-updates contradicts
the run's --epochs); and `train --out DIR` beside a run writing DIR now said an interrupted run
was saved there, to resume or `rm -r`, where the lock's refusal said another run was writing."""

from __future__ import annotations

import os

import numpy as np
import pytest
from filelock import FileLock
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

from tinygrad_dl.cli import main
from tinygrad_dl.train import TrainingInterrupted, run_training
from tinygrad_dl.train.outputs import lock_file, stage_dir
from tinygrad_dl.train.run import check_resume
from tinygrad_dl.train.state import STATE_FILE

TEXT = "the quick brown fox jumps over the lazy dog. " * 8



def interrupted(tmp_path, model: str, params: dict, **kw) -> str:
    out = tmp_path / f"{model}-run"
    try:
        run_training(model, params, out=out, progress=False, print_fn=None, stop=StopAfter(3),
                     checkpoint_every=1, **kw)
    except TrainingInterrupted:
        pass
    assert (stage_dir(out) / STATE_FILE).is_file()
    return str(out)


def test_resume_refuses_a_default_valued_flag_that_would_change_the_run(tmp_path, capsys):
    # two-layer's defaults: a cyclic schedule; --eta 0.001 is its default eta, but given, it
    # makes the schedule constant: it was let through, and the run went on cyclic
    out = interrupted(tmp_path, "two-layer", {"n_updates": 20, "m": 5})
    for flags in (["--eta", "0.001"], ["--eta", "1e-3"], ["--eta", "0.001", "--m", "5"]):
        assert main(["train", "two-layer", "--resume", out, *flags, "--no-progress"]) == 2
        r = capsys.readouterr()
        assert r.out == "" and r.err.count("\n") == 1, r
        assert "--eta 0.001" in r.err and "would change it" in r.err and "cyclic" in r.err
    # what changes nothing is still let through: its own --m, a cyclic key at the run's value
    check_resume(out, "two-layer", {"m": 5, "eta_min": 1e-5, "drop_last": True}, 0)
    check_resume(out, "two-layer", {"dtype": np.float64}, None)  # (API: resolved, as a run)
    assert (stage_dir(out) / STATE_FILE).is_file()


def test_resume_refuses_n_updates_on_a_run_that_trains_for_epochs(tmp_path, capsys):
    # char-rnn --epochs 2 trains by epochs (n_updates unset): --n-updates 100000, its course
    # default, was let through and dropped
    text = tmp_path / "t.txt"
    text.write_text(TEXT)
    out = interrupted(tmp_path, "char-rnn", {"epochs": 2, "m": 8, "sample_every": 1000},
                      text=str(text))
    assert main(["train", "char-rnn", "--resume", out, "--n-updates", "100000",
                 "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == "" and "--n-updates 100000 (the run's: unset) differs" in r.err
    check_resume(out, "char-rnn", {"epochs": 2, "m": 8, "eta": 0.1, "clip": 5}, None)


@pytest.mark.skipif(os.name != "posix", reason="flock")
def test_new_run_on_an_out_a_run_is_writing_is_told_so_not_to_delete_it(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text(TEXT)
    out = interrupted(tmp_path, "char-rnn", {"n_updates": 30, "m": 8}, text=str(text))
    lock = FileLock(lock_file(out), timeout=0)  # a run writing there (its state is live)
    lock.acquire()
    try:
        assert main(["train", "char-rnn", "--text", str(text), "--out", out, "--n-updates",
                     "3", "--no-progress"]) == 2
    finally:
        lock.release()
    r = capsys.readouterr()
    assert r.out == "" and "another tinygrad-dl run is writing there" in r.err
    assert "rm -r" not in r.err and "interrupted" not in r.err  # (was: resume it, or rm -r it)
    assert (stage_dir(out) / STATE_FILE).is_file()
