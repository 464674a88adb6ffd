"""Second review of the CLI/optimizer leftovers: the resume check of the default CIFAR-10
folder refused valid resumes (the same folder through a link, or a copy of it, both resumed
before: the data's sha256 decides once loaded), and a forged state's `data_dir` gave a
100 KB "cannot write ..." or a two-line error."""

from __future__ import annotations

import os
import shutil

import pytest
from test_data import make_fake_cifar
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

from tinygrad_dl import container
from tinygrad_dl.cli import main
from tinygrad_dl.train import TrainingInterrupted, run_training
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import FORMAT, KIND, SCHEMA, STATE_FILE

PARAMS = {"n_batch": 2, "epochs": 3, "split": "batch1"}


def _interrupted(out):
    try:
        run_training("one-layer", PARAMS, out=out, progress=False, print_fn=None,
                     stop=StopAfter(3))
    except TrainingInterrupted:
        pass
    assert (stage_dir(out) / STATE_FILE).is_file()


def forge_run(out, **changes):
    """Rewrite the saved run record of the training state in `out` (a forged state file)."""
    path = stage_dir(out) / STATE_FILE
    meta, arrays = container.read(path, format=FORMAT, schemas={KIND: SCHEMA},
                                  what="training state", default_kind=KIND)
    container.save(path, arrays, {**meta, "run": {**meta["run"], **changes}},
                   format=FORMAT, kind=KIND)


def _resume(out):
    return main(["train", "one-layer", "--resume", str(out), "--no-progress"])


@pytest.fixture
def no_env(tmp_path, monkeypatch):
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
@pytest.mark.parametrize("var", ["TINYGRAD_DL_DATA", "XDG_CACHE_HOME"])
def test_resume_through_another_spelling_of_the_same_folder_resumes(tmp_path, no_env,
                                                                     monkeypatch, capsys, var):
    real = tmp_path / "real"
    make_fake_cifar(real if var == "TINYGRAD_DL_DATA"
                    else real / "tinygrad_dl" / "cifar-10-batches-py")
    os.symlink(real, tmp_path / "link")
    monkeypatch.setenv(var, str(tmp_path / "link"))
    out = tmp_path / "run"
    _interrupted(out)
    monkeypatch.setenv(var, str(real))  # (was: "is no longer the default ... name it")
    assert _resume(out) == 0
    assert "resumed at update" in capsys.readouterr().out


def test_resume_on_a_copy_of_the_default_folder_resumes_and_other_data_is_refused(
        tmp_path, no_env, monkeypatch, capsys):
    make_fake_cifar(tmp_path / "d")
    monkeypatch.setenv("TINYGRAD_DL_DATA", str(tmp_path / "d"))
    out = tmp_path / "run"
    _interrupted(out)
    shutil.copytree(tmp_path / "d", tmp_path / "copy")
    other = shutil.copytree(tmp_path / "d", tmp_path / "other")
    shutil.copyfile(other / "data_batch_2", other / "data_batch_1")  # (other images)
    monkeypatch.setenv("TINYGRAD_DL_DATA", str(other))
    assert _resume(out) == 2  # still refused, by the data's sizes or sha256
    assert "the data differ from the interrupted run's" in capsys.readouterr().err
    monkeypatch.setenv("TINYGRAD_DL_DATA", str(tmp_path / "copy"))
    assert _resume(out) == 0  # (was refused: "is no longer the default"; resumed before)
    assert "resumed at update" in capsys.readouterr().out


@pytest.mark.parametrize("forged", ["/x/" + "a" * 100_000, "/gone\nsecond line\x00"],
                         ids=["huge", "newline-nul"])
def test_a_forged_data_dir_is_refused_in_one_short_line(tmp_path, no_env, capsys, forged):
    cache = tmp_path / "xdg" / "tinygrad_dl" / "cifar-10-batches-py"
    make_fake_cifar(cache)
    out = tmp_path / "run"
    _interrupted(out)
    shutil.rmtree(cache)  # (the default now: the embedded sample)
    forge_run(out, data_dir=forged)
    assert _resume(out) == 2  # (was: 1, "cannot write /x/aaa..." 100 KB; or two lines)
    r = capsys.readouterr()
    assert r.out == "" and r.err.count("\n") == 1 and len(r.err) < 600
    assert "the CIFAR-10 folder it trained on without --data" in r.err and "\x00" not in r.err
