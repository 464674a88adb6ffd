"""Second pass over the CLI's leftovers: `train --resume` said "resuming ..." before refusing a
differing flag, and refused a flag equal to the default the run ran with ("the run's: its
default"); `graph` without Graphviz's `dot` replaced the user's own X.dot with its fallback
source without a word; `report` without `dot` left an empty --out folder (and said "executing");
`train` said "training ..." before refusing its --out, and left an empty runs/ behind when its
input was missing. End to end, through real subprocesses (a PATH without `dot` is a folder
holding no programs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_report_params import HAVE_NBCONVERT
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

from tinygrad_dl.cli import main
from tinygrad_dl.train import TrainingInterrupted, run_training
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
TEXT = "the quick brown fox jumps over the lazy dog. " * 8
P = {"n_updates": 30, "m": 8, "sample_every": 1000}  # (eta, clip, ... left at char-rnn's defaults)



def cli(*argv: str, cwd: Path, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = ENV if path is None else {**ENV, "PATH": path}
    return subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def interrupted_run(tmp_path: Path) -> Path:
    text = tmp_path / "t.txt"
    text.write_text(TEXT)
    out = tmp_path / "run"
    try:
        run_training("char-rnn", P, text=str(text), out=out, progress=False, print_fn=None,
                     stop=StopAfter(4))
    except TrainingInterrupted:
        pass
    assert (stage_dir(out) / STATE_FILE).is_file()
    return out


# ---- 1. a refused --resume says nothing of resuming ------------------------------------------
def test_resume_refuses_a_differing_flag_before_saying_resuming(tmp_path, capsys):
    out = interrupted_run(tmp_path)
    for argv, said in ((["char-rnn", "--m", "9"], "--m 9 (the run's: --m 8)"),
                       (["char-rnn", "--seed", "3"], "own seed (0), not 3"),
                       (["two-layer"], "trains char-rnn, not two-layer")):
        assert main(["train", *argv, "--resume", str(out), "--no-progress"]) == 2
        r = capsys.readouterr()
        assert r.out == ""  # (was: "resuming char-rnn -> ..." first)
        assert said in r.err and r.err.count("\n") == 1
    assert (stage_dir(out) / STATE_FILE).is_file()  # still resumable
    assert main(["train", "char-rnn", "--resume", str(tmp_path / "none"), "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == "" and "no interrupted run to resume there" in r.err


# ---- 2. a flag equal to what the run ran with (its default too) is let through ---------------
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_resume_lets_a_flag_equal_to_the_default_it_ran_with_through(tmp_path, capsys):
    out = interrupted_run(tmp_path)
    for flags, said in ((["--eta", "0.2"], "--eta 0.2 (the run's: --eta 0.1) differs"),
                        (["--hidden", "5,5"], "(the run's: none: char-rnn has no such setting)")):
        assert main(["train", "char-rnn", "--resume", str(out), *flags, "--no-progress"]) == 2
        r = capsys.readouterr()
        assert r.out == "" and said in r.err  # (was: "(the run's: its default)")
    # the defaults it ran with (eta 0.1, clip 5) repeated, and its own --m 8: resumed, end to end
    r = cli("train", "char-rnn", "--resume", str(out), "--eta", "0.1", "--clip", "5", "--m", "8",
            "--no-progress", cwd=tmp_path)
    assert r.returncode == 0, r.stderr  # (was 2: "--eta 0.1 (the run's: its default) differs")
    assert r.stdout.startswith(f"resuming char-rnn -> {out}")
    assert "resumed at update 4" in r.stdout and (out / "model.npz").is_file()


# ---- 3. graph without `dot`: the user's X.dot is not replaced --------------------------------
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_graph_without_dot_keeps_the_users_dot_file(tmp_path):
    (tmp_path / "nodot").mkdir()
    mine = tmp_path / "g.dot"
    mine.write_text("my own notes\n")
    for _ in range(2):  # again: the same g-2.dot, ours (see test_cli_leftovers3_review), and
        # the user's file still untouched
        r = cli("graph", "two-layer", "--out", "g.svg", cwd=tmp_path, path=str(tmp_path / "nodot"))
        assert r.returncode == 2 and r.stderr.count("\n") == 1
        assert "written to g-2.dot instead" in r.stderr
        assert "g.dot, which was there, is left as it was" in r.stderr
        assert mine.read_text() == "my own notes\n"  # (was: replaced by the graph's source)
        assert "\ndigraph" in (tmp_path / "g-2.dot").read_text()
    assert not (tmp_path / "g.svg").exists()


# ---- 4. report without `dot`: nothing created, nothing said of executing ---------------------
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
# (without the notebooks extra, report refuses for that first: the `dot` check is never reached)
@pytest.mark.skipif(not HAVE_NBCONVERT, reason='needs the notebooks extra: pip install -e '
                    '".[notebooks]"')
def test_report_without_dot_creates_no_out_folder(tmp_path):
    (tmp_path / "nodot").mkdir()
    r = cli("report", "a1", "--out", "rep/a1", "--no-pdf", cwd=tmp_path,
            path=str(tmp_path / "nodot"))
    assert r.returncode == 2 and "`dot` program is not on PATH" in r.stderr
    assert "executing" not in r.stdout
    assert not (tmp_path / "rep").exists()  # (was: an empty rep/a1 left behind)


# ---- 5. a train refused for a missing input leaves no empty folders behind -------------------
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_train_with_a_missing_input_leaves_no_empty_folders(tmp_path):
    r = cli("train", "char-rnn", "--text", "nope.txt", "--out", "a/b/run", "--no-progress",
            cwd=tmp_path)
    assert r.returncode == 2 and "text file not found" in r.stderr
    r = cli("train", "two-layer", "--data", "nope", "--no-progress", cwd=tmp_path)
    assert r.returncode == 2 and "nope" in r.stderr and "does not exist" in r.stderr
    assert sorted(os.listdir(tmp_path)) == []  # (was: a/b/ and runs/, empty)


def test_train_refuses_its_out_before_saying_training(tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine\n")
    out = interrupted_run(tmp_path)
    for where, said in ((tmp_path / "mine", "the folder exists and is not a tinygrad-dl run"),
                        (out, "an interrupted char-rnn run is saved there")):
        argv = ["train", "char-rnn", "--out", str(where), "--n-updates", "3", "--no-progress"]
        assert main(argv) == 2
        r = capsys.readouterr()
        assert r.out == "" and said in r.err  # (was: "training char-rnn -> ..." first)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "mine\n"


@pytest.mark.skipif(os.name != "posix", reason="a shell script as `dot`")
def test_graph_whose_render_fails_creates_no_folder(tmp_path, monkeypatch, capsys):
    """A `dot` that fails (a real program on PATH that exits 1): the --out folder that was to
    hold the picture is not made (it was, empty)."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "dot").write_text("#!/bin/sh\necho 'Error: broken' >&2\nexit 1\n")
    (bin_ / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_))
    assert main(["graph", "two-layer", "--out", str(tmp_path / "new" / "g.svg")]) == 2
    assert "Graphviz failed to render" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
