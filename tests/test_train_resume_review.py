"""Training runs, checkpoints and resume, reviewed by a skeptic (2026-12-05): what a stopped and
resumed run, or a refused command, said or left behind that an uninterrupted one did not."""

import dataclasses
import json
import os

import numpy as np
import pytest
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

from tinygrad_dl.cli import main
from tinygrad_dl.data import load_embedded_sample
from tinygrad_dl.train import TrainingInterrupted, run_training

pytestmark = pytest.mark.usefixtures("embedded_data_only")  # conftest: the embedded sample only

SHORT = {"m": 5, "cycles": 1, "n_s": 4}  # two-layer: 8 updates on the embedded sample




def _interrupted(out, model="two-layer", params=SHORT, **kw):
    with pytest.raises(TrainingInterrupted):
        run_training(model, params, out=out, progress=False, print_fn=None, stop=StopAfter(2),
                     **kw)


@pytest.mark.parametrize("argv", [
    ["two-layer", "--cycles", "1", "--epochs", "2"],  # refused by the settings
    ["char-rnn", "--data", "somewhere"],  # refused by the command
])
def test_a_refused_train_leaves_nothing_in_runs(tmp_path, monkeypatch, capsys, argv):
    """Without --out, the run's name in runs/ was claimed (its lock file created) before the
    flags were checked: every refused command left a hidden `.MODEL-DATE-TIME.lock` behind."""
    monkeypatch.chdir(tmp_path)
    assert main(["train", *argv, "--no-progress"]) == 2
    assert "error:" in capsys.readouterr().err
    runs = tmp_path / "runs"
    assert not runs.exists() or sorted(p.name for p in runs.iterdir()) == []


@pytest.mark.parametrize("flag", ["--out", "--resume"])
def test_an_empty_out_or_resume_is_refused(tmp_path, monkeypatch, capsys, flag):
    """`--out "$DIR"` with DIR unset trained into runs/MODEL-DATE-TIME without a word;
    `--resume "$DIR"` said "training two-layer -> runs/..." and resumed the current folder (or
    named it in its error). Both are refused, as `--data ""` is; so is run_training's ''."""
    monkeypatch.chdir(tmp_path)
    assert main(["train", "two-layer", flag, "", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"error: {flag} is an empty string (an unset variable?)" in err
    assert err.count("\n") == 1 and not (tmp_path / "runs").exists()
    with pytest.raises(ValueError, match=r"names no folder \(an unset variable\?\)"):
        run_training("two-layer", SHORT, **{flag[2:]: ""}, progress=False)
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_run_training_refuses_an_out_other_than_the_resumed_folder(tmp_path):
    """`run_training(..., out=B, resume=A)` wrote the run into A and never B, without a word
    (the CLI refuses --out with --resume); the same folder under either name still resumes."""
    _interrupted(tmp_path / "a")
    with pytest.raises(ValueError, match=r"continues the run in that folder, so out=.* would "
                                         r"not be written; leave out out="):
        run_training("two-layer", resume=tmp_path / "a", out=tmp_path / "b", progress=False)
    assert not (tmp_path / "b").exists()
    res = run_training("two-layer", resume=tmp_path / "a", out=str(tmp_path / "a"),
                       progress=False, print_fn=None)
    assert res.out == tmp_path / "a" and res.final["n_updates"] == 8


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_a_resumed_run_says_it_replaces_the_previous_run_as_the_first_leg_did(tmp_path):
    """A new run into a previous run's folder notes that it replaces it (printed, and kept in
    result.json's notes). Stopped and resumed, the note was gone: the resumed leg replaced the
    previous run without a word and its result.json differed from an uninterrupted run's."""
    out = tmp_path / "run"
    run_training("two-layer", SHORT, out=out, progress=False, print_fn=None)
    _interrupted(out, seed=1)
    res = run_training("two-layer", resume=out, progress=False, print_fn=None)
    # (an uninterrupted run's notes: this one, nothing else, for these settings)
    assert res.notes == [f"replacing the previous run in {out} (two-layer); its files (plots "
                         "included) are removed when this run finishes"]
    assert json.loads((out / "result.json").read_text())["notes"] == res.notes


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_resume_on_other_data_names_the_data_the_run_trained_on(tmp_path):
    """A run on the default data (no --data: the embedded sample, $TINYGRAD_DL_DATA or the cache
    folder, whichever was there) resumed on other data was told to resume 'with the data it
    trained on (the default data)': the default is what it now finds. The message names them."""
    _interrupted(tmp_path / "r", "one-layer", {"n_batch": 100, "epochs": 1})
    ds = load_embedded_sample()
    same_size = dataclasses.replace(ds, y_train=np.roll(ds.y_train, 1))
    fewer = dataclasses.replace(ds, X_train=ds.X_train[:500], y_train=ds.y_train[:500])
    for other in (same_size, fewer):
        with pytest.raises(ValueError, match=r"resume with the data it trained on \(embedded "
                                             r"sample \(1000 train / 200 val / 500 test\)\)"):
            run_training("one-layer", data=other, resume=tmp_path / "r", progress=False)
    res = run_training("one-layer", resume=tmp_path / "r", progress=False, print_fn=None)
    assert res.resumed_from == 2 and os.path.isdir(tmp_path / "r")


def test_restore_best_without_a_validation_set_is_refused(tmp_path):
    """restore_best on data without a validation set restored nothing (the last weights were
    kept) while result.json said `weights: best validation (update None)`, and the CLI's summary
    of that result died with KeyError 'best_step'. Refused in one line, before any update."""
    ds = load_embedded_sample()
    no_val = dataclasses.replace(ds, X_val=None, y_val=None)
    for data in (no_val, dataclasses.replace(ds, X_val=ds.X_val[:0], y_val=ds.y_val[:0])):
        with pytest.raises(ValueError, match=r"^fit: restore_best keeps the best-validation "
                                             r"weights, but the data have no validation set"):
            run_training("two-layer", {**SHORT, "restore_best": True}, data=data,
                         out=tmp_path / "nv", progress=False, print_fn=None)
        assert not (tmp_path / "nv").exists() and not (tmp_path / ".nv.partial").exists()
    res = run_training("two-layer", SHORT, data=no_val, progress=False, print_fn=None)
    assert res.best_val_acc is None and "weights" not in res.final  # without it: as before


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_the_api_interruption_says_how_to_resume(tmp_path):
    """run_training's TrainingInterrupted said only "interrupted at epoch 1 step 2": the CLI
    printed the resume command, the API's user had to know that resume= takes the out folder.
    The message's call, run as written, finishes the run; without out= it says nothing was kept."""
    out = tmp_path / "cut"
    with pytest.raises(TrainingInterrupted) as info:
        run_training("two-layer", SHORT, out=out, progress=False, print_fn=None,
                     stop=StopAfter(2))
    hint = str(info.value)
    assert hint == (f"interrupted at epoch 1 step 2; resume with run_training('two-layer', "
                    f"resume={str(out)!r})")
    call = hint.split("resume with ")[1].replace("run_training(", "run_training(progress=False, "
                                                 "print_fn=None, model=", 1)
    res = eval(call, {"run_training": run_training})  # noqa: S307  (the message's own call)
    assert res.resumed_from == 2 and (out / "result.json").exists()
    with pytest.raises(TrainingInterrupted, match=r"step 2; nothing was saved \(no out= "):
        run_training("two-layer", SHORT, progress=False, print_fn=None, stop=StopAfter(2))
