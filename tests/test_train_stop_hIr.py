"""Review of the up-front "no state holds it" refusal and the advice after a failed final move:
NumPy numbers, run_training's own names, and a finished-run mark that is an earlier run's."""

import shutil

import numpy as np
import pytest
from test_train_resume import StopAfter

import tinygrad_dl.train.outputs as outputs
from tinygrad_dl.cli import main
from tinygrad_dl.train import run_training
from tinygrad_dl.train.outputs import stage_dir

pytestmark = pytest.mark.usefixtures("embedded_data_only")  # conftest: the embedded sample only


def _deny(*args):
    raise PermissionError(13, "Permission denied", str(args[-1]))


def _error(capsys):
    return [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("tinygrad-dl")]


@pytest.mark.parametrize("kw", [{"params": {"n_updates": np.uint64(2**63)}},
                                {"seed": np.uint64(2**63)}])
def test_a_numpy_number_no_state_holds_is_refused_before_the_run(tmp_path, kw):
    """Before: np.uint64(2**63) (no int) passed, the run trained and saved, and every resume was
    refused ("meta.run.params.n_updates=9223372036854775808 is out of range")."""
    kw = {"params": {"epochs": 1}, **kw}
    with pytest.raises(ValueError, match="is outside what the resumable state"):
        run_training("one-layer", out=tmp_path / "r", progress=False, print_fn=None,
                     stop=StopAfter(2), **kw)  # (where it is missed: stopped, not endless)
    assert not (tmp_path / "r").exists() and not stage_dir(tmp_path / "r").exists()


@pytest.mark.parametrize("kw,named", [({"checkpoint_every": 0}, "checkpoint_every=0"),
                                      ({"seed": 2**63}, "seed=9223372036854775808")])
def test_run_training_names_its_own_arguments(tmp_path, kw, named):
    """Before: "--checkpoint-every 0 ...", "--lambda 1e+19 ...": flags run_training has not."""
    with pytest.raises(ValueError) as info:
        run_training("one-layer", out=tmp_path / "r", progress=False, print_fn=None, **kw)
    assert str(info.value).startswith(f"run_training: {named} is outside what the resumable "
                                      "state of a one-layer run holds")


def _earlier_finished_run(tmp_path):
    """An earlier run into r, killed while its outputs were put in place: its staging folder,
    marked finished."""
    first = tmp_path / "first"
    assert main(["train", "one-layer", "--epochs", "1", "--out", str(first), "--no-progress"]) == 0
    out = tmp_path / "r"
    shutil.copytree(first, stage_dir(out))
    (stage_dir(out) / outputs.DONE).write_text("")
    return out


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_an_earlier_runs_mark_is_not_this_runs(tmp_path, capsys, monkeypatch):
    """A new run that could not put an earlier run's outputs in place trained nothing. Before:
    "the run finished and its outputs are kept in .r.partial: ... put them in place with:
    tinygrad-dl train two-layer --resume r" (they were a one-layer run's; this one never ran)."""
    out = _earlier_finished_run(tmp_path)
    capsys.readouterr()
    monkeypatch.setattr(outputs, "replace", _deny)
    assert main(["train", "two-layer", "--epochs", "1", "--out", str(out), "--no-progress"]) == 1
    (err,) = _error(capsys)
    assert err.endswith("; nothing was saved yet: once it is fixed, run the same command again")
    monkeypatch.undo()
    assert main(["train", "two-layer", "--epochs", "1", "--out", str(out), "--no-progress"]) == 0
    assert '"model": "two-layer"' in (out / "result.json").read_text()


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_this_runs_mark_after_an_earlier_one_is_put_in_place(tmp_path, capsys, monkeypatch):
    """The earlier run put in place, this one trained, and its own move failed: its outputs
    are kept, and --resume puts them in place (not "run the same command again")."""
    out = _earlier_finished_run(tmp_path)
    capsys.readouterr()
    monkeypatch.setattr(outputs, "exchange", _deny)  # (this run's swap: r exists now)
    assert main(["train", "two-layer", "--epochs", "1", "--out", str(out), "--no-progress"]) == 1
    (err,) = _error(capsys)
    assert err.endswith(f"the run finished and its outputs are kept in {stage_dir(out)}: once "
                        "it is fixed, put them in place with: tinygrad-dl train two-layer "
                        f"--resume {out}")
    monkeypatch.undo()
    assert main(["train", "two-layer", "--resume", str(out), "--no-progress"]) == 0
    assert '"model": "two-layer"' in (out / "result.json").read_text()
