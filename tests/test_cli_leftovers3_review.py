"""Third pass over the CLI's leftovers: `train` said "training ..." before refusing a missing
--data / --text (and "text file not found" named no flag); `graph` without Graphviz's `dot`
wrote one more NAME-N.dot on every run; a Ctrl-C at startup printed a blank line before its
one line in a pipe; `search --jobs 0` was refused after the "search: ..." line, and --top-k /
--widen without --refine were accepted and did nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_cli_messages import _interrupt_script

import tinygrad_dl as tg
from tinygrad_dl.cli import main
from tinygrad_dl.viz import GraphvizNotFoundError, render_graph

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
ENV.pop("PYTHONSTARTUP", None)


# ---- 1. train refuses a missing input before saying "training" ------------------------------
@pytest.mark.parametrize("argv, said", [
    (["char-rnn", "--text", "nope.txt"], "--text: text file not found: nope.txt"),
    (["char-rnn", "--text", "."], "--text: . is a folder, not a text file"),
    (["one-layer", "--data", "nope"], "nope (from --data/data_dir) does not exist"),
    (["one-layer", "--data", "."], ". (from --data/data_dir) is missing data_batch_1"),
])
def test_train_refuses_a_missing_input_before_saying_training(tmp_path, monkeypatch, capsys,
                                                             argv, said):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    assert main(["train", *argv, "--out", "a/b/run", "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == ""  # (was: "training char-rnn -> a/b/run" first)
    assert r.err.count("\n") == 1 and said in r.err
    assert os.listdir(tmp_path) == []  # no a/b/, no runs/, no lock file


def test_train_refuses_a_missing_env_data_folder_before_saying_training(tmp_path, monkeypatch,
                                                                       capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYGRAD_DL_DATA", str(tmp_path / "gone"))
    assert main(["train", "two-layer", "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == "" and "(from $TINYGRAD_DL_DATA) does not exist" in r.err
    assert os.listdir(tmp_path) == []


# ---- 2. graph without `dot`: one fallback file, reused; a user's file never replaced --------
def test_graph_fallback_is_reused_not_piled_up(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # no `dot` on it
    x = tg.Tensor(np.ones(2), requires_grad=True)
    loss = (x * 2.0).sum()
    out = tmp_path / "g.svg"
    for n in range(3):
        with pytest.raises(GraphvizNotFoundError) as e:
            render_graph(loss, out)
        assert f"written to {tmp_path / 'g.dot'} instead" in str(e.value)
        assert ("over the one an earlier run wrote there" in str(e.value)) == (n > 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]  # (was: g-2.dot, g-3.dot)
    src = (tmp_path / "g.dot").read_text()
    assert src.startswith("//") and "\ndigraph" in src  # (a DOT comment: `dot` renders it)
    # edited by the user since: theirs now, never replaced
    (tmp_path / "g.dot").write_text(src + "// my note\n")
    for _ in range(2):
        with pytest.raises(GraphvizNotFoundError) as e:
            render_graph(loss, out)
        assert f"written to {tmp_path / 'g-2.dot'} instead" in str(e.value)
        assert "g.dot, which was there, is left as it was" in str(e.value)
    assert (tmp_path / "g.dot").read_text().endswith("// my note\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g-2.dot", "g.dot"]


def test_graph_command_without_dot_writes_one_fallback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    for _ in range(2):
        assert main(["graph", "one-layer", "--out", str(tmp_path / "g.png")]) == 2
        assert f"written to {tmp_path / 'g.dot'} instead" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]


# ---- 3. Ctrl-C at startup: exit 130 and one line, no blank line in a pipe -------------------
def _interrupted(script: Path, code: str) -> subprocess.CompletedProcess[str]:
    return _interrupt_script(script, code, ENV)  # (this checkout's package, first on the path)


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_while_the_program_loads_is_one_line(tmp_path):
    # the import-time handler of the `tinygrad-dl` program (it is installed once the package
    # is imported: 'ready' comes after it, so the signal lands on it)
    r = _interrupted(tmp_path / "tinygrad-dl", "import time\nimport tinygrad_dl.cli\n"
                     "print('ready', flush=True)\ntime.sleep(60)\n")
    assert (r.returncode, r.stderr) == (130, "tinygrad-dl: interrupted\n")  # (was "\n" first)


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_right_after_main_starts_is_one_line(tmp_path):
    # main has installed its own handler; the parser is being built (held here) when it comes
    r = _interrupted(tmp_path / "tinygrad-dl", (
        "import sys, time\nimport tinygrad_dl.cli as cli\n"
        "def held(only=None):\n    print('ready', flush=True)\n    time.sleep(60)\n"
        "cli.build_parser = held\nsys.argv = ['tinygrad-dl', 'train', 'char-rnn']\n"
        "sys.exit(cli.main())\n"))
    assert (r.returncode, r.stderr) == (130, "tinygrad-dl train: interrupted\n")


# ---- 4. search: --jobs 0 before the "search: ..." line; --top-k / --widen need --refine -----
@pytest.mark.parametrize("argv, said", [
    (["--jobs", "0"], "--jobs 0 runs nothing"),
    (["--top-k", "3"], "--top-k set how --refine narrows the ranges"),
    (["--widen", "0.5", "--top-k", "2"], "leave them out"),
])
def test_search_refuses_before_its_first_line(tmp_path, capsys, argv, said):
    out = tmp_path / "s"
    assert main(["search", "two-layer", "--param", "lambda=log10:-3:-1", "--out", str(out),
                 *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err, err  # (was: "search: 10 trials ..." first)
    assert not out.exists()


def test_search_takes_top_k_and_widen_with_refine(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["search", "two-layer", "--param", "lambda=log10:-3:-1", "--out", str(out),
                 "--trials", "2", "--refine", "1", "--top-k", "2", "--widen", "0",
                 "--n-updates", "1", "--no-progress", "--no-plot"]) == 0
    assert "4 trials" in capsys.readouterr().out
