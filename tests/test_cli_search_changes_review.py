"""A second skeptic's review of the CLI commands' review (stdout flushed at exit, the parser's
hint) and of the search's review (workers start with Ctrl-C held off): each test failed before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import Future

import pytest

from tinygrad_dl import cli


def _run(code: str, *, stdout: int | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    env.pop("PYTHONUNBUFFERED", None)  # (a user's stdout is buffered: the flush at exit matters)
    return subprocess.run([sys.executable, "-c", code], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, env=env, timeout=120)


def _closed_pipe_run(code: str) -> subprocess.CompletedProcess[str]:
    """`code` with its stdout a pipe whose reader has already left (`| head` done reading)."""
    r, w = os.pipe()
    os.close(r)
    try:
        return _run(code, stdout=w)
    finally:
        os.close(w)


# ---- 1. a failed command's exit status survived only when stdout still had a reader -----------
FAILING = ("import sys\n"
           "from tinygrad_dl import cli\n"
           "def fail(argv):\n"
           "    print('a partial table')\n"
           "    print('tinygrad-dl results: error: a bad flag', file=sys.stderr)\n"
           "    return 2\n"
           "cli._main = fail\n"
           "sys.argv = ['tinygrad-dl', 'results']\n"
           "raise SystemExit(cli.main())\n")


def test_a_failed_command_keeps_its_exit_status_when_the_pipe_is_closed():
    """Before: exit status 1 and "stdout was closed by its reader" under the error: bad input
    (2) read as an output cut short (1)."""
    r = _closed_pipe_run(FAILING)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == "tinygrad-dl results: error: a bad flag"


def test_a_crash_is_not_hidden_behind_the_closed_pipe():
    """Before: the traceback of an unexpected error was replaced by "stdout was closed", exit 1."""
    code = FAILING.replace("    return 2\n", "    raise TypeError('a bug')\n")
    r = _closed_pipe_run(code)
    assert r.returncode == 1 and "TypeError: a bug" in r.stderr, r.stderr
    assert "stdout was closed" not in r.stderr


def test_a_command_that_succeeded_still_says_the_pipe_was_closed():
    r = _closed_pipe_run(FAILING.replace("    return 2\n", "    return 0\n").replace(
        "    print('tinygrad-dl results: error: a bad flag', file=sys.stderr)\n", ""))
    assert r.returncode == 1
    assert r.stderr.strip() == ("tinygrad-dl results: stdout was closed by its reader (a pipe);"
                                " the rest of the output is not printed")


# ---- 2. a full disk on stdout ------------------------------------------------------------------
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["results", "--list"]])
def test_stdout_on_a_full_disk_is_one_line(args):
    """Before: `tinygrad-dl --help > /dev/full` ended with Python's "Exception ignored ...
    OSError: [Errno 28]" and exit status 120 (the flush at exit swallowed the error, and Python's
    own flush met it again); with PYTHONUNBUFFERED --version was a traceback."""
    code = f"import sys\nfrom tinygrad_dl import cli\nsys.argv = ['tinygrad-dl', *{args!r}]\n" \
           "raise SystemExit(cli.main())\n"
    for unbuffered in (False, True):
        with open("/dev/full", "w") as full:
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
            env.pop("PYTHONUNBUFFERED", None)
            if unbuffered:
                if args == ["--help"]:  # (argparse's print_help swallows a write's OSError)
                    continue
                env["PYTHONUNBUFFERED"] = "1"
            r = subprocess.run([sys.executable, "-c", code], stdout=full,
                               stderr=subprocess.PIPE, text=True, env=env, timeout=120)
        assert r.returncode == 1, (unbuffered, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "No space left on device (ENOSPC)" in lines[0], r.stderr
        assert lines[0].startswith("tinygrad-dl")


# ---- 3. the parser's hint took an abbreviated flag for a value -------------------------------
def test_the_hint_does_not_name_an_abbreviated_flag(capsys):
    """argparse accepts `--temp` for --temperature: before, the missing-CHECKPOINT error said
    "--temp was read as a flag: put -- before a value that starts with '-'"."""
    with pytest.raises(SystemExit) as e:
        cli.main(["synthesize", "--temp", "0.5"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == "tinygrad-dl synthesize: error: the following arguments are required: CHECKPOINT"
    with pytest.raises(SystemExit):
        cli.main(["synthesize", "-odd.npz"])  # (the hint it was made for stays)
    assert "(-odd.npz was read as a flag" in capsys.readouterr().err


# ---- 4. a Ctrl-C while the search's workers start ----------------------------------------------
class _InterruptedWhileSpawning:
    """A stand-in executor: its first submit is where a terminal's Ctrl-C lands."""

    def __init__(self) -> None:
        self.submits = 0

    def submit(self, fn, *args):
        self.submits += 1
        if self.submits == 1:
            os.kill(os.getpid(), signal.SIGINT)
        f: Future = Future()
        f.set_result(fn(*args))
        return f

    def shutdown(self, **_: object) -> None:
        pass


def _ok(params: dict, seed: int) -> dict:
    return {"best_val_acc": 0.5}


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
@pytest.mark.parametrize("other_thread", [False, True])
def test_ctrl_c_while_workers_start_is_not_lost(monkeypatch, other_thread):
    """Before: SIGINT was ignored while the first workers were spawned, so a Ctrl-C then was
    dropped without a word and the search ran on (a terminal's progress bar thread, tqdm's
    monitor, would drop it even with the signal blocked in the main thread). Now it is held
    back and raised when the workers are started."""
    from tinygrad_dl.search import Task, backends, iter_results

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    monkeypatch.setattr(backends, "_executor", lambda jobs, blas: _InterruptedWhileSpawning())
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)
    if other_thread:
        t.start()
    tasks = [Task(i, 0, i, {"lambda": 0.1}, {"lam": 0.1}) for i in range(4)]
    try:
        with pytest.raises(KeyboardInterrupt):
            list(iter_results(_ok, tasks, jobs=2))
    finally:
        stop.set()
        signal.signal(signal.SIGINT, before)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


def test_a_worker_ignores_a_ctrl_c_from_before_its_initializer():
    """A worker starts with SIGINT blocked; a Ctrl-C that came before its initializer is
    discarded there (ignored), and the worker's mask is left clean."""
    code = ("import os, signal\n"
            "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "from tinygrad_dl.search.worker import die_with_parent\n"
            "die_with_parent(os.getppid())\n"
            "print('alive', signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set()))\n")
    r = _run(code, stdout=subprocess.PIPE)
    assert r.stdout.strip() == "alive False", r.stderr[-500:]
