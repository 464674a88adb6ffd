"""Review of hCLI's flag edges (helper hCLIr): a search whose eta_min and eta_max ranges overlap
was refused whole, or not, by where --seed put trial 0's draw (it ran before, the crossing
trials failing one by one); `--resume .` of a finished run, from inside it, was refused as if
it would replace the folder (it said "nothing to resume", exit 0); an interrupted run resumed
from inside its folder said "resuming" and then was refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tinygrad_dl import cli
from tinygrad_dl.search import SearchSpec, check_training_params, make_tasks, parse_param
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE

pytestmark = pytest.mark.usefixtures("embedded_data_only")


def _spec(params: list[str], seed: int, model: str = "two-layer") -> SearchSpec:
    return SearchSpec(model=model, params=[parse_param(p) for p in params], fixed={},
                      trials=4, refine=0, seed=seed)


# ---- search: a range crossing another is the trials' business, not trial 0's draw's --------
@pytest.mark.parametrize("seed", [4, 5, 7, 9, 11])
def test_overlapping_eta_ranges_are_not_refused_by_trial_0s_draw(seed):
    """Before: `search two-layer --param eta_min=log10:-3:-1 --param eta_max=log10:-3:-1
    --seed 4` was refused ("--param eta_min 0.0200593 is above --param eta_max 0.0193255"),
    --seed 6 ran: the same search, refused or not by one draw."""
    spec = _spec(["eta_min=log10:-3:-1", "eta_max=log10:-3:-1"], seed)
    task = next(make_tasks(spec, 0, spec.params))
    assert task.train_params["eta_min"] > task.train_params["eta_max"]  # (the case itself)
    check_training_params(spec)  # no refusal: some draws pass


@pytest.mark.parametrize("params, fixed, message", [
    (["eta_min=log10:-1:0", "eta_max=log10:-3:-2"], {},
     r"^--param eta_min 0\.1 is above --param eta_max 0\.01: "),
    (["eta_max=log10:-7:-6"], {}, r"^--eta-min 1e-05 \(its default\) is above --param eta_max "
     r"1e-06: "),
    (["lambda=uniform:0:1"], {"eta_min": 0.5, "eta_max": 0.1},
     r"^--eta-min 0\.5 is above --eta-max 0\.1: "),
])
def test_eta_ranges_that_never_meet_are_refused_before_a_trial(params, fixed, message):
    spec = SearchSpec(model="two-layer", params=[parse_param(p) for p in params], fixed=fixed,
                      trials=2, refine=0, seed=0)
    with pytest.raises(ValueError, match=message):
        check_training_params(spec, {"eta_min": "--eta-min", "eta_max": "--eta-max"})


# ---- --resume from inside the run's folder ------------------------------------------------------
def test_resume_of_a_finished_run_from_inside_it_says_nothing_to_resume(tmp_path, monkeypatch,
                                                                          capsys):
    """Before: exit 2, "it is the current folder (or holds it), and a run replaces its folder
    whole": nothing replaces a finished run's folder (before hCLI: "nothing to resume", 0)."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "result.json").write_text(json.dumps({"model": "one-layer", "params": {}, "seed": 0}))
    (run / "history.json").write_text("{}")
    monkeypatch.chdir(run)
    assert cli.main(["train", "one-layer", "--resume", "."]) == 0
    err = capsys.readouterr().err
    assert err.startswith("nothing to resume: the run in ") and "current folder" not in err, err
    assert sorted(p.name for p in run.iterdir()) == ["history.json", "result.json"]


@pytest.mark.parametrize("spelled", [".", "ABS"])
def test_resume_of_an_interrupted_run_from_inside_it_is_refused_before_resuming(
        spelled, tmp_path, monkeypatch, capsys):
    """Before: "resuming one-layer -> ." on stdout, then the refusal (lock_out's, in the run)."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "result.json").write_text(json.dumps({"model": "one-layer", "params": {}, "seed": 0}))
    stage = stage_dir(run)
    stage.mkdir()
    (stage / STATE_FILE).write_bytes(b"not a state")
    monkeypatch.chdir(run)
    where = str(run) if spelled == "ABS" else spelled
    assert cli.main(["train", "one-layer", "--resume", where]) == 2
    out, err = capsys.readouterr()
    assert out == "", out
    assert err.strip() == (
        f"tinygrad-dl train: error: --resume {run}: it is the current folder (or holds it), and "
        "a run replaces its folder whole, leaving the shell in a removed folder; run the "
        "command from outside it"), err
    assert (stage / STATE_FILE).read_bytes() == b"not a state"


def test_resume_of_an_interrupted_run_from_a_folder_inside_it_is_refused(tmp_path, monkeypatch,
                                                                         capsys):
    run = tmp_path / "run"
    (run / "sub").mkdir(parents=True)
    (run / "result.json").write_text("{}")
    (stage_dir(run)).mkdir()
    (stage_dir(run) / STATE_FILE).write_bytes(b"x")
    monkeypatch.chdir(run / "sub")
    assert cli.main(["train", "one-layer", "--resume", ".."]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "it is the current folder (or holds it)" in err, (out, err)


def test_resume_elsewhere_is_not_refused_by_the_cwd_check(tmp_path, monkeypatch, capsys):
    """A sibling folder whose name starts as the cwd's ("run" and "run2") is not its parent."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "result.json").write_text(json.dumps({"model": "one-layer", "params": {}, "seed": 0}))
    (tmp_path / "run2").mkdir()
    monkeypatch.chdir(tmp_path / "run2")
    assert cli.main(["train", "one-layer", "--resume", str(Path("..") / "run")]) == 0
    assert capsys.readouterr().err.startswith("nothing to resume")


def test_resume_with_the_same_folder_as_out_by_another_spelling(tmp_path, monkeypatch, capsys):
    """Before: `--resume run --out /abs/run` was refused ("leave out --out"), where
    run_training takes out= and resume= naming one folder (compared as absolute paths)."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "result.json").write_text(json.dumps({"model": "one-layer", "params": {}, "seed": 0}))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "one-layer", "--resume", "run", "--out", str(run)]) == 0
    assert capsys.readouterr().err.startswith("nothing to resume")
    assert cli.main(["train", "one-layer", "--resume", "run", "--out", "other"]) == 2
    assert "leave out --out" in capsys.readouterr().err
