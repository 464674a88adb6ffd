"""The commands other than train and search (synthesize, graph, report, results) and the
top-level program, reviewed by a skeptic: what went wrong without a word, or with a traceback
or the wrong exit status, before the fixes beside these tests."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_dl import checkpoint, cli
from tinygrad_dl.commands import report, results
from tinygrad_dl.commands.synthesize import synthesize_text

pytestmark = pytest.mark.usefixtures("embedded_data_only")  # conftest: every run uses the sample
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rnn_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rnn")
    assert cli.main(["train", "char-rnn", "--n-updates", "5", "--m", "4", "--sample-every",
                     "5", "--out", str(out), "--no-progress"]) == 0
    return out / "model.npz"


def _err_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err  # one line, no traceback
    return err


# ---- a pipe whose reader has left ---------------------------------------------------------
def _into_closed_pipe(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """The program run with its stdout a pipe nobody reads any more (`... | head -1` after head
    exited): the output sits in stdout's buffer until Python flushes it at exit."""
    r, w = os.pipe()
    os.close(r)
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    environ.update(PYTHONPATH=os.pathsep.join([str(ROOT), environ.get("PYTHONPATH", "")]), **env)
    try:
        return subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", *argv], stdout=w,
                              stderr=subprocess.PIPE, text=True, env=environ, timeout=120)
    finally:
        os.close(w)


@pytest.mark.parametrize("argv, who", [
    (["--version"], "tinygrad-dl"),
    (["--help"], "tinygrad-dl"),
    (["synthesize", "--help"], "tinygrad-dl synthesize"),
    (["results", "--list"], "tinygrad-dl results"),
])
def test_a_closed_pipe_at_exit_is_one_line_and_status_1(argv, who) -> None:
    # was "Exception ignored in: <_io.TextIOWrapper name='<stdout>'> BrokenPipeError" and
    # status 120 (Python's flush at exit), for every command whose output fits the buffer
    p = _into_closed_pipe(argv)
    assert p.returncode == 1, p.stderr
    assert p.stderr.strip() == (f"{who}: stdout was closed by its reader (a pipe); the rest of "
                                "the output is not printed")


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_a_closed_pipe_after_synthesize(rnn_model: Path) -> None:
    p = _into_closed_pipe(["synthesize", str(rnn_model), "--length", "20"])
    assert p.returncode == 1 and "Exception ignored" not in p.stderr, p.stderr
    assert p.stderr.strip().startswith("tinygrad-dl synthesize: stdout was closed")


def test_version_into_a_closed_unbuffered_pipe_is_no_traceback() -> None:
    # PYTHONUNBUFFERED=1: print raised BrokenPipeError inside argparse, a 20-line traceback
    p = _into_closed_pipe(["--version"], PYTHONUNBUFFERED="1")
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr


def test_a_program_started_with_stdout_closed_still_exits_cleanly() -> None:
    # `tinygrad-dl --version >&-`: sys.stdout is None; the flush at the end must not crash
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), environ.get("PYTHONPATH", "")])
    p = subprocess.run([sys.executable, "-c", "import os, runpy, sys; os.close(1); sys.stdout = "
                        "None; sys.argv = ['tinygrad-dl', '--version']; "
                        "runpy.run_module('tinygrad_dl.cli', run_name='__main__')"],
                       stderr=subprocess.PIPE, text=True, env=environ, timeout=120)
    assert p.returncode == 0 and p.stderr == "", p.stderr


# ---- synthesize: the run's vocabulary and weights, reproducibly ---------------------------
def test_synthesize_is_the_checkpoint_model_with_its_seed(rnn_model, capsys) -> None:
    argv = ["synthesize", str(rnn_model), "--length", "50", "--seed", "7", "--start", "Th"]
    assert cli.main(argv) == 0
    first = capsys.readouterr().out
    assert cli.main(argv) == 0 and capsys.readouterr().out == first  # same seed, same text
    meta, _ = checkpoint.read(rnn_model)
    model = checkpoint.load_model(rnn_model)
    chars = meta["extra"]["chars"]
    assert first == synthesize_text(model, chars, "Th", 50, 1.0,
                                    np.random.default_rng(7)) + "\n"
    # by hand: h0 = 0, "T" primes the state, "h" is the first input, the saved weights
    U, W, V, b, c = (p.data for p in (model.U, model.W, model.V, model.b, model.c))
    h = np.tanh(U[chars.index("T")] + b)
    out = model.synthesize(h, chars.index("h"), 50, rng=np.random.default_rng(7))
    assert first == "Th" + "".join(chars[i] for i in out) + "\n"


# ---- graph: flags the model does not take, an empty --out ---------------------------------
@pytest.mark.parametrize("argv, flags", [
    (["--d", "5"], "--d"), (["--n", "3"], "--n"), (["--n", "3", "--d", "2"], "--d, --n")])
def test_graph_of_char_rnn_refuses_d_and_n(argv, flags, tmp_path, capsys) -> None:
    # its sizes are --K and --seq-length: --d and --n were dropped without a word, exit 0
    out = tmp_path / "g.dot"
    assert cli.main(["graph", "char-rnn", *argv, "--out", str(out)]) == 2
    assert _err_line(capsys) == f"tinygrad-dl graph: error: char-rnn does not take {flags}"
    assert not out.exists()


def test_graph_refuses_an_empty_out(tmp_path, monkeypatch, capsys) -> None:
    # `--out "$UNSET"` wrote runs/graphs/two-layer-graph.svg, where nobody asked
    monkeypatch.chdir(tmp_path)
    assert cli.main(["graph", "two-layer", "--out="]) == 2
    assert "--out is empty" in _err_line(capsys) and not (tmp_path / "runs").exists()


# ---- report: --param data_dir= / text_file= are --data / --text ---------------------------


@pytest.mark.parametrize("assignment, key", [("a4", "text_file"), ("a1", "data_dir")])
def test_report_param_input_path_is_the_users_not_the_out_folders(
        report_calls, tmp_path, monkeypatch, assignment, key) -> None:
    # the kernel runs in --out: `--param text_file=my.txt` was looked for there (not found,
    # or another file of that name read), while `--text my.txt` was resolved here
    monkeypatch.chdir(tmp_path)
    # (it must exist: a missing input is refused before any notebook runs)
    (tmp_path / "my in").mkdir() if key == "data_dir" else (tmp_path / "my in").write_text("x")
    assert cli.main(["report", assignment, "--out", "rep", "--param", f"{key}=my in"]) == 0
    assert report_calls == [(assignment, {"progress": False, key: str(tmp_path / "my in")})]


@pytest.mark.parametrize("item", ["data_dir=", "text_file= "])
def test_report_param_input_path_empty_is_refused(report_calls, capsys, item) -> None:
    # `--data ""` was refused, `--param data_dir=` ran the notebook into its error
    assert cli.main(["report", "all", "--param", item]) == 2
    assert f"--param {item.split('=')[0]}= is empty" in _err_line(capsys) and report_calls == []


# ---- results: empty or folder outputs, refused before any training ------------------------
@pytest.fixture
def no_training(monkeypatch) -> None:
    def refuse(*a: Any, **k: Any) -> None:
        raise AssertionError("trained before the outputs were checked")
    monkeypatch.setattr(results, "run_seeds", refuse)


@pytest.mark.parametrize("flag", ["--results", "--page", "--out"])
def test_results_refuses_an_empty_output_flag(no_training, tmp_path, monkeypatch, capsys,
                                              flag) -> None:
    # `--results "$UNSET"` wrote runs/results/results.json instead
    monkeypatch.chdir(tmp_path)
    assert cli.main(["results", "--only", "one-layer", "--seeds", "1", f"{flag}="]) == 2
    assert f"{flag} is empty" in _err_line(capsys)


@pytest.mark.parametrize("flag", ["--results", "--page"])
def test_results_refuses_a_folder_output_before_training(no_training, tmp_path, capsys,
                                                         flag) -> None:
    # a folder --results failed after every run had trained (exit 1, "Is a directory")
    argv = ["results", "--only", "one-layer", "--seeds", "1", "--out", str(tmp_path / "o"),
            flag, str(tmp_path)]
    assert cli.main(argv) == 2
    assert f"{flag} {tmp_path} is a folder" in _err_line(capsys)


def test_synthesize_to_an_ascii_stdout_says_what_to_do(rnn_model, monkeypatch, capsys) -> None:
    # was "error: 'ascii' codec can't encode character '\u2014' in position 0: ordinal not in
    # range(128)": neither which text nor what to do
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert cli.main(["synthesize", str(rnn_model), "--start", "\u2014", "--length", "0"]) == 2
    err = _err_line(capsys)
    assert "stdout's encoding ascii cannot print" in err and "PYTHONIOENCODING=utf-8" in err


@pytest.mark.skipif(not os.path.exists(os.devnull) or os.name != "posix", reason="POSIX devices")
def test_synthesize_of_a_device_is_not_called_missing(capsys) -> None:
    # /dev/null, or a <(...) pipe, was "checkpoint not found: /dev/null"
    assert cli.main(["synthesize", os.devnull]) == 2
    assert _err_line(capsys) == (f"tinygrad-dl synthesize: error: checkpoint {os.devnull} is not "
                                 "a regular file (a device or a pipe): name a saved .npz file")


@pytest.mark.slow
@pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("nbformat", "nbclient",
                                                                  "ipykernel"))
                    or shutil.which("dot") is None, reason="needs the notebooks extra and dot")
def test_report_a4_of_a_text_without_capital_t(tmp_path, monkeypatch) -> None:
    # `report a4 --text FILE` of a lowercase text: "cell 5 raised KeyError: 'T'" (a table of
    # char_to_ix for the characters of "Th e.\n", each assumed in the vocabulary)
    import nbformat

    text = tmp_path / "lower.txt"
    text.write_text("hello world, lowercase only. " * 40, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH",
                                                                                 "")]))
    src = ROOT / "notebooks" / "a4_char_rnn.ipynb"  # this checkout's, not an installed one
    nb = report.inject_parameters(nbformat.read(src, as_version=4),
                                  {"quick": True, "progress": False, "text_file": str(text)})
    report.execute_notebook(nb, tmp_path, timeout=300)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors[0]["evalue"] if errors else ""


def test_a_checkpoint_named_with_a_leading_dash_is_named_in_the_error(rnn_model, tmp_path,
                                                                       monkeypatch, capsys) -> None:
    # was "the following arguments are required: CHECKPOINT", the file never named
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-odd.npz").write_bytes(rnn_model.read_bytes())
    with pytest.raises(SystemExit) as e:
        cli.main(["synthesize", "-odd.npz", "--length", "3"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith("required: CHECKPOINT (-odd.npz was read as a flag: put -- before a "
                        "value that starts with '-', or write a file as ./-odd.npz)")
    for argv in (["--", "-odd.npz"], ["./-odd.npz"]):  # both ways the hint gives work
        assert cli.main(["synthesize", "--length", "3", *argv]) == 0


@pytest.mark.parametrize("value", ["2147484", "1000000000000"])
def test_report_timeout_beyond_the_kernel_wait_is_refused_before_any_run(report_calls, capsys,
                                                                        value) -> None:
    # nbclient waits in a zmq poll of at most 2**31 - 1 ms: the kernel started, then the run
    # "failed (OverflowError: value too large to convert to int)" with a .failed.ipynb
    with pytest.raises(SystemExit) as e:
        cli.main(["report", "a4", "--timeout", value])
    assert e.value.code == 2 and report_calls == []
    assert f"argument --timeout: must be <= 2147483, got {value}" in capsys.readouterr().err
    assert cli.main(["report", "a4", "--timeout", "2147483"]) == 0  # the longest that works


@pytest.mark.parametrize("steps", ["0", "3"])
def test_graph_max_steps_of_a_classifier_is_refused(steps, tmp_path, capsys) -> None:
    # a two-layer net has no time steps: --max-steps was dropped without a word
    assert cli.main(["graph", "two-layer", "--max-steps", steps, "--out",
                     str(tmp_path / "g.dot")]) == 2
    assert _err_line(capsys) == "tinygrad-dl graph: error: two-layer does not take --max-steps"


def test_graph_max_steps_default_still_folds_char_rnn(tmp_path, capsys) -> None:
    out = tmp_path / "g.dot"
    assert cli.main(["graph", "char-rnn", "--seq-length", "9", "--out", str(out)]) == 0
    assert "3 steps hidden" in out.read_text(encoding="utf-8")  # 9 steps, 6 drawn
    assert cli.main(["graph", "two-layer", "--out", str(tmp_path / "h.dot")]) == 0
