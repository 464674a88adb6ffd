"""Fourth pass over the CLI's leftovers: `train --resume` said "resuming ..." before the loader's
"text file not found" when the run's text (or CIFAR-10 folder) had moved; `report --data X
--param data_dir=Y` ran on Y without a word; `synthesize --temperature 0 --seed N` took a seed
that changed nothing; bench's refusals read "bench: error: bench: ..."; and `graph char-rnn
--lam 0.5` drew the same graph as without it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_data import make_fake_cifar
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

from tinygrad_dl.cli import main
from tinygrad_dl.train import TrainingInterrupted, run_training
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
ENV.pop("PYTHONSTARTUP", None)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _interrupted(model: str, params: dict, out: Path, **inputs: str) -> Path:
    try:
        run_training(model, params, out=out, progress=False, print_fn=None, stop=StopAfter(3),
                     **inputs)
    except TrainingInterrupted:
        pass
    assert (stage_dir(out) / STATE_FILE).is_file()
    return stage_dir(out)


# ---- 1. a resume whose data have moved is refused before "resuming" --------------------------
def test_resume_refuses_a_moved_text_before_saying_resuming(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 8)
    out = tmp_path / "run"
    stage = _interrupted("char-rnn", {"n_updates": 30, "m": 8, "sample_every": 1000}, out,
                         text=str(text))
    before = _snapshot(stage)
    text.rename(tmp_path / "moved.txt")
    assert main(["train", "char-rnn", "--resume", str(out), "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == ""  # (was: "resuming char-rnn -> run", then "text file not found")
    assert r.err.count("\n") == 1
    assert f"--resume {out}: the text it trained on, {text}, is no longer there" in r.err
    assert "--text FILE" in r.err
    assert _snapshot(stage) == before and not out.exists()
    # a --text given again is checked as ever; the moved text named: resumed, end to end
    assert main(["train", "char-rnn", "--resume", str(out), "--text", "nope", "--no-progress"]) == 2
    assert "--text: text file not found: nope" in capsys.readouterr().err
    assert main(["train", "char-rnn", "--resume", str(out), "--text", str(tmp_path / "moved.txt"),
                 "--no-progress"]) == 0
    assert "resumed at update" in capsys.readouterr().out and (out / "model.npz").is_file()


def test_resume_refuses_a_moved_cifar_folder_before_saying_resuming(tmp_path, capsys,
                                                                    monkeypatch):
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    make_fake_cifar(tmp_path / "cifar")
    out = tmp_path / "run"
    stage = _interrupted("one-layer", {"n_batch": 2, "epochs": 3, "split": "batch1"}, out,
                         data=str(tmp_path / "cifar"))
    before = _snapshot(stage)
    (tmp_path / "cifar").rename(tmp_path / "moved")  # (a folder missing a batch: the review's)
    assert main(["train", "one-layer", "--resume", str(out), "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == "" and r.err.count("\n") == 1
    assert (f"--resume {out}: the CIFAR-10 folder it trained on, {tmp_path / 'cifar'}, is no "
            "longer there") in r.err and "--data DIR" in r.err
    assert _snapshot(stage) == before and not out.exists()


# ---- 2. report: --data and --param data_dir= naming two inputs -------------------------------
@pytest.mark.parametrize("argv, said", [
    (["a1", "--data", "d1", "--param", "data_dir=d2"], "--data d1 and --param data_dir=d2 name"),
    (["a2", "--data", "d1", "--param", "data_dir=None"], "--param data_dir=None name different"),
    (["a4", "--text", "t1.txt", "--param", "text_file=t2.txt"], "--param text_file=t2.txt"),
])
def test_report_refuses_a_flag_and_a_param_naming_two_inputs(tmp_path, monkeypatch, capsys,
                                                             report_calls, argv, said):
    monkeypatch.chdir(tmp_path)
    for d in ("d1", "d2"):
        (tmp_path / d).mkdir()
    for t in ("t1.txt", "t2.txt"):
        (tmp_path / t).write_text("abc")
    assert main(["report", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err and "give one of them" in err
    assert report_calls == []  # (was: run on the --param's input, --data dropped)


def test_report_lets_the_same_input_twice_through_and_says_which_quick_wins(
        tmp_path, monkeypatch, capsys, report_calls):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d1").mkdir()
    assert main(["report", "a1", "--data", "d1", "--param", f"data_dir={tmp_path / 'd1'}"]) == 0
    assert report_calls[-1][1]["data_dir"] == str(tmp_path / "d1")
    assert capsys.readouterr().err == ""
    assert main(["report", "all", "--quick", "--param", "quick=false"]) == 0
    err = capsys.readouterr().err  # one note for all four, not a silent override
    assert err == "note: --param quick=False wins over --quick: a1, a2, a3, a4 run at full size\n"
    assert [p["quick"] for _, p in report_calls[-4:]] == [False] * 4


# ---- 3. synthesize: a seed greedy sampling never draws with ----------------------------------
def test_synthesize_refuses_a_seed_with_temperature_zero(tmp_path, capsys):
    argv = ["synthesize", str(tmp_path / "model.npz"), "--temperature", "0", "--seed", "3"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--seed 3 has no effect with --temperature 0" in err  # before the checkpoint is read
    assert main(argv[:4]) == 2  # greedy alone is fine: only the missing checkpoint is refused
    assert "--seed" not in capsys.readouterr().err


# ---- 4. bench: one "bench:" prefix ----------------------------------------------------------
def test_bench_refusal_has_one_prefix():
    r = subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", "bench", "--quick", "--clock",
                        "cpu", "--no-torch"], env=ENV, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("tinygrad-dl bench: error: --clock cpu times the calling thread")
    assert "bench: bench:" not in r.stderr and r.stderr.count("bench:") == 1


# ---- 5. a ported script's `from torch.cuda.amp import GradScaler`: Python's own error (no hook)
def test_other_missing_submodules_keep_pythons_error():
    with pytest.raises(ModuleNotFoundError, match=r"^No module named 'tinygrad_dl\.nope'$"):
        exec("import tinygrad_dl.nope", {})
    assert importlib.util.find_spec("tinygrad_dl.nope") is None
    assert importlib.util.find_spec("tinygrad_dl.nn") is not None


# ---- 6. graph char-rnn --lam: a weight its loss has no term for -------------------------------
def test_graph_char_rnn_refuses_lam(tmp_path, capsys):
    assert main(["graph", "char-rnn", "--lam", "0.5", "--out", str(tmp_path / "g.dot")]) == 2
    err = capsys.readouterr().err
    assert err == "tinygrad-dl graph: error: char-rnn does not take --lambda\n"  # (or --lam)
    assert not (tmp_path / "g.dot").exists()  # (was: the same graph as without it)
    assert main(["graph", "two-layer", "--lam", "0", "--out", str(tmp_path / "g.dot")]) == 0
    assert (tmp_path / "g.dot").is_file()
