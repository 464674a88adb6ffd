"""The docs walk's CLI leftovers: errors that listed run_training's keys (lam) where the user
typed search/train names (lambda, --lambda); a blank line before "interrupted at" in a log; a
--resume refusal that printed the saved settings, not the user's flags; an offline
`data cifar10` that exited 2 ("bad input") where docs/cli.md says 1 ("could not finish")."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_dl.cli import main
from tinygrad_dl.train import run_training
from tinygrad_dl.train.state import TrainingInterrupted

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _listed(err: str) -> list[str]:
    """The names after "takes: " in a one-line error."""
    return err.strip().split("takes: ", 1)[1].split(", ")


# ---- 1. errors name parameters as the user types them ----------------------------------------
def test_search_unknown_param_is_named_as_typed_and_lists_search_names(tmp_path, capsys):
    assert main(["search", "two-layer", "--param", "dropout=uniform:0.1:0.2",
                 "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter(s) --param dropout for two-layer; two-layer takes: " in err
    names = _listed(err)
    assert "lambda" in names and "n_batch" in names and "lam" not in names  # (was: lam)
    assert err.count("\n") == 1
    # a fixed flag and a --set key, each as typed
    assert main(["search", "char-rnn", "--hidden", "5", "--set", "bogus=1", "--param",
                 "lambda=log10:-3:-1", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter(s) " in err and " for char-rnn; char-rnn takes: " in err
    typed = err.split("unknown parameter(s) ", 1)[1].split(" for char-rnn")[0].split(", ")
    assert sorted(typed) == ["--hidden", "--param lambda", "--set bogus"]  # (was: hidden, lam)
    assert not (tmp_path / "s").exists()


def test_search_conflicts_name_the_param_and_the_flags(tmp_path, capsys):
    assert main(["search", "two-layer", "--param", "eta=log10:-3:-1", "--cycles", "2",
                 "--out", str(tmp_path / "s")]) == 2
    assert ("give either --param eta (constant learning rate) or --cycles/--eta-min/--eta-max/"
            "--n-s (cyclical learning rate), not both") in capsys.readouterr().err  # (was: eta)


def test_search_set_takes_the_name_the_error_lists(tmp_path, capsys):
    """The list says `lambda`: --set lambda= is that setting (it was 'unknown parameter')."""
    assert main(["search", "two-layer", "--set", "lambda=-1", "--param", "eta=log10:-3:-1",
                 "--out", str(tmp_path / "s")]) == 2
    assert "lambda=-1 is outside its valid range" in capsys.readouterr().err
    assert main(["search", "two-layer", "--set", "lambda=0.1", "--param",
                 "lambda=log10:-3:-1", "--out", str(tmp_path / "s")]) == 2
    assert "lambda is both searched and fixed" in capsys.readouterr().err


def test_train_unknown_flag_lists_the_models_flags(capsys):
    assert main(["train", "two-layer", "--dropout", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter(s) --dropout for two-layer; two-layer takes: " in err
    flags = _listed(err)
    assert "--lambda" in flags and "--drop-last/--keep-last" in flags
    assert all(f.startswith("--") for f in flags)  # (was: lam, clip_norm: no such flags)


# ---- 2. no blank line before "interrupted at" where no bar was drawn -------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("bar", [["--no-progress"], []], ids=["no-progress", "progress"])
def test_an_interrupted_train_logs_no_blank_line(tmp_path, bar):
    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog; " * 4, encoding="utf-8")
    p = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_dl.cli", "train", "char-rnn", "--text", str(text),
         "--m", "5", "--seq-length", "5", "--n-updates", "10000000", "--sample-every", "1",
         "--out", str(tmp_path / "r"), *bar], env=ENV, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    assert p.stdout is not None
    for line in p.stdout:  # the loop is running (and polling the stop flag) once it samples
        if line.startswith("--- update"):
            p.send_signal(signal.SIGINT)
            break
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    lines = err.splitlines()
    assert lines[-1].startswith("interrupted at epoch ")
    assert "" not in lines, err  # (was: "\ninterrupted at ...")


# ---- 3. a --resume refusal names the user's flags and the run's values -----------------------
class _StopAfter:
    def __init__(self, n: int) -> None:
        self.n = n

    def __bool__(self) -> bool:
        self.n -= 1
        return self.n < 0


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_resume_with_differing_flags_names_them(tmp_path, capsys):
    out = tmp_path / "r"
    with pytest.raises(TrainingInterrupted):
        run_training("two-layer", {"m": 5, "epochs": 1}, out=out, progress=False,
                     stop=_StopAfter(2))
    capsys.readouterr()
    assert main(["train", "two-layer", "--resume", str(out), "--m", "7", "--eta", "0.02",
                 "--keep-last", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    for said in ("--m 7 (the run's: --m 5)", "--eta 0.02 (the run's: --eta 0.001)",
                 "--keep-last (the run's: --drop-last)", "differ; leave them out"):  # (the
        # defaults it ran with by value: test_cli_leftovers2_review)
        assert said in err[0], err  # (was: "its own settings ({'m': 5, 'epochs': 1})")
    assert "'m'" not in err[0]
    # the run's own values given again change nothing: let through, and the run ends
    assert main(["train", "two-layer", "--resume", str(out), "--m", "5", "--no-progress"]) == 0
    assert (out / "model.npz").is_file()


# ---- 4. offline `data cifar10` exits 1 (could not finish), a real refused connection --------
@pytest.mark.skipif(os.name != "posix", reason="loopback port")
def test_offline_download_exits_1(tmp_path):
    with socket.socket() as s:  # a loopback port nothing listens on (closed before the run)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in ENV.items() if k != "TINYGRAD_DL_DATA"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"),
               TINYGRAD_DL_CIFAR10_URL=f"http://127.0.0.1:{port}/cifar.tar.gz")
    r = subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", "data", "cifar10",
                        "--no-progress"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr  # (was 2, "bad input")
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tinygrad-dl data: error: cannot reach")
    # a --dir that is a file is still bad input: 2
    (tmp_path / "f").write_text("x")
    r = subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", "data", "cifar10", "--dir",
                        str(tmp_path / "f"), "--no-progress"], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and "it is a file, not a folder" in r.stderr, r.stderr
