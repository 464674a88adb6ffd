"""What a `train` run may delete in and beside its --out (found 2026-12-03): nothing it did not
write, and no saved state before the user asks.

1. Files that appeared in --out while the run trained (a search's results, a user's notes) were
   deleted by the commit without a word: NAME was checked only when the run started.
2. A run that diverged replaced the good previous run in --out by a folder holding only its
   history.json.
3. A new run on an --out whose interrupted run was saved deleted that state at once (before it had
   saved anything itself), while its note still advised `--resume`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinygrad_dl.cli import main
from tinygrad_dl.train import NonFiniteLossError, TrainingInterrupted, run_training
from tinygrad_dl.train.outputs import (
    DONE,
    commit_out,
    lock_out,
    prepare_out,
    stage_dir,
)
from tinygrad_dl.train.state import STATE_FILE

pytestmark = pytest.mark.usefixtures("embedded_data_only")  # conftest: the embedded sample only

QUICK = {"m": 5, "cycles": 1}  # two-layer: 40 updates, 4 epochs of the embedded sample
KW = dict(progress=False, print_fn=None)


def _tree(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in d.iterdir()}


class WriteAt:
    """A stop flag that never stops: at its n-th poll (after update n) it writes `files` into
    `folder`, as another program would while the run trains."""

    def __init__(self, n: int, folder: Path, files: dict[str, str]) -> None:
        self.polls, self.n, self.folder, self.files = 0, n, folder, files

    def __bool__(self) -> bool:
        self.polls += 1
        if self.polls == self.n:
            self.folder.mkdir(exist_ok=True)
            for name, text in self.files.items():
                (self.folder / name).write_text(text)
        return False


# ---- 1. what appeared in --out while the run trained -------------------------------------------
SEARCH = {"spec.json": "{}", "results.json": '{"rows": []}', "results.csv": "trial\n"}


def test_the_commit_keeps_what_appeared_in_out_since_the_run_started(tmp_path):
    """The commit alone (no training): prepare_out records NAME, something is written there,
    commit_out leaves it and puts the finished run beside it."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "result.json").write_text('{"model": "one-layer"}')  # a previous run
    with lock_out(out):
        stage = prepare_out(out, resume=False)
    (stage / "result.json").write_text('{"model": "two-layer"}')  # the finished run
    (out / "spec.json").write_text("{}")  # a search started meanwhile
    before = _tree(out)
    with lock_out(out), pytest.raises(ValueError, match="spec.json appeared") as e:
        commit_out(stage, out)
    assert _tree(out) == before and str(tmp_path / "run-finished") in str(e.value)
    assert _tree(tmp_path / "run-finished") == {"result.json": b'{"model": "two-layer"}'}
    # unchanged since the start: replaced, as before
    with lock_out(out):
        stage = prepare_out(out, resume=False)
    (stage / "result.json").write_text('{"model": "k-layer"}')
    with lock_out(out):
        commit_out(stage, out)
    assert _tree(out) == {"result.json": b'{"model": "k-layer"}'}
    assert {p.name for p in tmp_path.iterdir()} == {"run", "run-finished"}


@pytest.mark.slow
def test_files_that_appear_in_a_new_out_while_the_run_trains_are_kept(tmp_path):
    out = tmp_path / "shared"
    with pytest.raises(ValueError) as e:
        run_training("two-layer", QUICK, out=out, stop=WriteAt(5, out, SEARCH), **KW)
    kept = tmp_path / "shared-finished"
    assert str(kept) in str(e.value) and "appeared" in str(e.value)
    assert _tree(out) == {k: v.encode() for k, v in SEARCH.items()}  # untouched
    assert json.loads((kept / "result.json").read_text())["model"] == "two-layer"
    assert {p.name for p in kept.iterdir()} >= {"model.npz", "history.json", "result.json"}
    assert not any(p.name.startswith(".") for p in kept.iterdir())  # no staging marks
    assert {p.name for p in tmp_path.iterdir()} - {"no-cache"} == {"shared", "shared-finished"}


@pytest.mark.slow
def test_a_file_added_to_a_previous_runs_folder_keeps_that_folder_whole(tmp_path):
    out = tmp_path / "run"
    run_training("one-layer", {"epochs": 1}, out=out, **KW)
    notes = {"notes.txt": "precious"}
    with pytest.raises(ValueError):
        run_training("two-layer", QUICK, out=out, stop=WriteAt(3, out, notes), **KW)
    assert (out / "notes.txt").read_text() == "precious"
    assert json.loads((out / "result.json").read_text())["model"] == "one-layer"
    assert json.loads((tmp_path / "run-finished" / "result.json").read_text())["model"] == \
        "two-layer"
    # a second such run goes beside it too, never over the first one kept
    with pytest.raises(ValueError) as e:
        run_training("two-layer", QUICK, out=out, stop=WriteAt(3, out, {"more.txt": "x"}), **KW)
    assert str(tmp_path / "run-finished-2") in str(e.value)
    assert json.loads((tmp_path / "run-finished-2" / "result.json").read_text())["model"] == \
        "two-layer"
    # (a run during which nothing was written there replaces it, as before: test_train_runs)


@pytest.mark.slow
def test_a_commit_finished_by_the_next_start_checks_the_folder_too(tmp_path):
    """Killed after it was marked finished, before its swap; then a search wrote into NAME (a
    staging folder from before the record of what NAME held: only a run's files may go)."""
    new = tmp_path / "new"
    run_training("two-layer", QUICK, out=new, **KW)
    out = tmp_path / "out"
    run_training("one-layer", {"epochs": 1}, out=out, **KW)
    shutil.copytree(new, stage_dir(out))
    (stage_dir(out) / DONE).write_text("")
    (out / "results.csv").write_text("trial\n")
    before = _tree(out)
    with pytest.raises(ValueError, match="results.csv, which a run does not write"):
        run_training("one-layer", {"epochs": 1}, out=out, **KW)
    assert _tree(out) == before
    assert _tree(tmp_path / "out-finished") == _tree(new)


@pytest.mark.slow
def test_a_file_written_by_another_process_while_train_runs_is_kept(tmp_path):
    """The reviewer's case with a real `tinygrad-dl train` process (a plain file stands for the
    search, which may refuse such a folder itself)."""
    out = tmp_path / "shared"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "MPLBACKEND": "Agg"}
    env.pop("TINYGRAD_DL_DATA", None)
    proc = subprocess.Popen([sys.executable, "-m", "tinygrad_dl.cli", "train", "two-layer",
                             "--m", "8", "--cycles", "3", "--no-progress", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 300
        while not (stage_dir(out) / STATE_FILE).exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run saved no state"
            time.sleep(0.02)
        # The run is paused while the file is written: a run that got on to its commit meanwhile
        # (a loaded machine, this process not scheduled for a second) would have made NAME
        # itself. Its state there and no DONE mark: it has not looked at NAME yet.
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            assert proc.poll() is None and (stage_dir(out) / STATE_FILE).exists() and \
                not (stage_dir(out) / DONE).exists(), "the run finished before it was paused"
            out.mkdir()
            (out / "results.json").write_text('{"rows": []}')
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"its outputs are in {tmp_path / 'shared-finished'}" in err, err
    assert _tree(out) == {"results.json": b'{"rows": []}'}
    assert (tmp_path / "shared-finished" / "model.npz").is_file()


# ---- 2. a diverged run ------------------------------------------------------------------------
def test_a_diverged_run_leaves_the_previous_run_whole(tmp_path, capsys):
    good = tmp_path / "good"
    good.mkdir()  # a previous run's files (their contents do not matter here)
    for name in ("result.json", "history.json", "model.npz", "weights.png"):
        (good / name).write_text(f"the good run's {name}")
    before = _tree(good)
    rc = main(["train", "one-layer", "--eta", "50", "--n-updates", "50", "--no-progress",
               "--out", str(good)])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert rc == 2 and "training diverged" in err
    kept = tmp_path / "good-diverged"
    assert err.endswith(f"{good} is left as it was, and this run's history up to then is in "
                        f"{kept}"), err
    assert _tree(good) == before
    assert {p.name for p in kept.iterdir()} == {"history.json"}
    assert json.loads((kept / "history.json").read_text())
    assert {p.name for p in tmp_path.iterdir()} - {"no-cache"} == {"good", "good-diverged"}


def test_a_diverged_run_into_a_new_folder_names_where_its_history_is(tmp_path):
    out = tmp_path / "new"
    with pytest.raises(NonFiniteLossError, match=f"history up to then is in {out}-diverged$"):
        run_training("one-layer", {"eta": 50, "n_updates": 50}, out=out, **KW)
    assert not out.exists() and (tmp_path / "new-diverged" / "history.json").is_file()


# ---- 3. an interrupted run's state --------------------------------------------------------------
@pytest.mark.slow
def test_a_new_run_never_deletes_an_interrupted_runs_state(tmp_path, capsys):
    out = tmp_path / "long"
    with pytest.raises(TrainingInterrupted):
        run_training("two-layer", QUICK, out=out, stop=True, **KW)
    state = stage_dir(out) / STATE_FILE
    saved = state.read_bytes()
    rc = main(["train", "two-layer", "--m", "5", "--cycles", "1", "--no-progress", "--out",
               str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert f"an interrupted two-layer run is saved there (1 update, in {stage_dir(out)})" \
        in err, err
    assert f"continue it with: tinygrad-dl train two-layer --resume {out};" in err, err
    assert f"delete it first: rm -r {stage_dir(out)}" in err, err
    assert state.read_bytes() == saved and not out.exists()
    # the advice works: the resume continues the saved run and finishes it
    assert main(["train", "two-layer", "--resume", str(out), "--no-progress"]) == 0
    assert "resumed at update 1" in capsys.readouterr().out


def test_a_new_run_is_refused_before_it_touches_the_saved_state(tmp_path):
    out = tmp_path / "long"
    with pytest.raises(TrainingInterrupted):
        run_training("two-layer", QUICK, out=out, stop=True, **KW)
    before = _tree(stage_dir(out))
    with pytest.raises(ValueError, match="an interrupted two-layer run is saved there") as e:
        run_training("two-layer", QUICK, out=out, **KW)
    assert "discarding" not in str(e.value) and "--resume" in str(e.value)
    assert _tree(stage_dir(out)) == before and not out.exists()


@pytest.mark.slow
def test_a_deleted_state_lets_the_new_run_start(tmp_path):
    out = tmp_path / "long"
    with pytest.raises(TrainingInterrupted):
        run_training("two-layer", QUICK, out=out, stop=True, **KW)
    with pytest.raises(ValueError, match="an interrupted two-layer run is saved there"):
        run_training("one-layer", {"epochs": 1}, out=out, **KW)
    shutil.rmtree(stage_dir(out))  # what the message says to do
    res = run_training("one-layer", {"epochs": 1}, out=out, **KW)
    assert res.out == out and (out / "weights.png").is_file()
