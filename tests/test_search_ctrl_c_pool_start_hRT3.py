"""A Ctrl-C (or SIGTERM) while the search starts its worker pool: before, the KeyboardInterrupt
was raised inside loky's code as it made the pool's semaphores or launched a worker (SIGINT was
blocked in the main thread, but a process's signal goes to any thread that does not block it, a
progress bar's or BLAS's, and Python then raises it in the main thread all the same). What the
user saw after the search's one line: "LokyProcess-1 failed with traceback" (a worker whose
parent never sent its data), the resource tracker's "leaked semlock objects" warnings, or loky's
own UnboundLocalError, which hid the search's line behind "tinygrad-dl search: interrupted".
Found by a SIGINT at every 50th line of the pool's start (2026-12-07). Now the signal is held
until the pool is made and its workers started, then raised, and the pool stopped as usual.

And CI's flaky "exit -2" (test_a_terminals_ctrl_c_in_the_first_trial, 1 run in 20-50 on a
loaded machine): a Ctrl-C that landed while an eval() of a string ran (namedtuple's, as joblib
and psutil import in the search's first moments) left CPython's "KeyboardInterrupt unhandled"
mark set although the search caught it and printed its line, and `python -m tinygrad_dl.cli`
then ended by SIGINT at exit (-2, not 130)."""

from __future__ import annotations

import _thread
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future

import pytest

from tinygrad_dl.commands.signals import Terminated, sigterm_as_interrupt
from tinygrad_dl.search import Task, backends, iter_results


class _Pool:
    """A stand-in executor whose making is where a signal lands: its handler runs right there,
    as Python runs it in the main thread whichever thread the signal was delivered to."""

    def __init__(self, signum: int, log: list[str]) -> None:
        log.append("making")
        signal.getsignal(signum)(signum, None)  # (here, before: the KeyboardInterrupt)
        log.append("made")
        self.log = log

    def submit(self, fn, *args):
        self.log.append("submit")
        f: Future = Future()
        f.set_result(fn(*args))
        return f

    def shutdown(self, **_: object) -> None:
        self.log.append("shutdown")


def _ok(params: dict, seed: int) -> dict:
    return {"best_val_acc": 0.5}


TASKS = [Task(i, 0, i, {"lambda": 0.1}, {"lam": 0.1}) for i in range(4)]


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_a_signal_while_the_pool_is_made_is_raised_once_it_is_made(monkeypatch, signum):
    signum = getattr(signal, signum)
    log: list[str] = []
    monkeypatch.setattr(backends, "_executor", lambda jobs, blas: _Pool(signum, log))
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with sigterm_as_interrupt():
            with pytest.raises(KeyboardInterrupt) as e:
                list(iter_results(_ok, TASKS, jobs=2))
            after = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGINT, before)
    assert isinstance(e.value, Terminated) == (signum == signal.SIGTERM)
    # made whole and its first task taken (it starts the workers), then stopped
    assert log == ["making", "made", "submit", "shutdown"], log
    # both handlers put back: Python's, and sigterm_as_interrupt's
    assert after[0] is signal.default_int_handler and after[1].__name__ == "_raise", after
    if hasattr(signal, "pthread_sigmask"):
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


def test_no_signal_leaves_the_handlers_as_they_were(monkeypatch):
    """Nothing held: the search runs, and an error while the pool is made is that error."""
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)

    def broken(jobs, blas):
        raise OSError("no semaphores here")

    monkeypatch.setattr(backends, "_executor", broken)
    with pytest.raises(OSError, match="no semaphores"):
        list(iter_results(_ok, TASKS, jobs=2))
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_an_ignored_ctrl_c_stays_ignored(monkeypatch):
    """SIG_IGN (`nohup`, a background job): nothing is held, nothing raised, still ignored."""
    log: list[str] = []

    class Quiet(_Pool):
        def __init__(self, log: list[str]) -> None:  # (no signal: SIGINT is ignored)
            self.log = log

    monkeypatch.setattr(backends, "_executor", lambda jobs, blas: Quiet(log))
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert len(list(iter_results(_ok, TASKS, jobs=2))) == 4
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


# A real search whose Ctrl-C lands inside loky's launch of its first worker (the line where the
# 2026-12-07 sweep found it: just after its os.pipe()): before, loky's UnboundLocalError in its
# `finally` ended the search as "tinygrad-dl search: interrupted", its own line never printed.
IN_LAUNCH = """
import os, signal, sys
real_pipe = os.pipe
landed = []
def pipe():
    fds = real_pipe()
    if not landed and sys._getframe(1).f_globals["__name__"].endswith("popen_loky_posix"):
        landed.append(True)
        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
    return fds
os.pipe = pipe
from tinygrad_dl.cli import main
code = main(["search", "two-layer", "--param", "lambda=log10:-3:-1", "--trials", "2",
             "--epochs", "100000", "--no-plot", "--no-progress", "--jobs", "2",
             "--out", sys.argv[1]])
assert landed, "the Ctrl-C never landed in loky's launch"
raise SystemExit(code)
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="loky's POSIX launcher")
def test_a_ctrl_c_inside_a_workers_launch_is_the_searchs_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path),
           "XDG_CACHE_HOME": str(tmp_path / "no-cache")}
    env.pop("TINYGRAD_DL_DATA", None)
    out = tmp_path / "s"
    r = subprocess.run([sys.executable, "-c", IN_LAUNCH, str(out)], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode == 130, r.stderr
    assert r.stderr.splitlines()[-1] == ("search interrupted before its first trial finished: "
                                         "nothing was saved; run the same command again to "
                                         "start it"), r.stderr
    assert "Traceback" not in r.stderr and "leaked" not in r.stderr, r.stderr
    assert sorted(os.listdir(out)) == [".lock"], r.stderr


# `python -m` (the test's and CI's spelling) is the run whose exit reads CPython's mark: a file
# or -c run exits by SystemExit before. A module in tmp_path runs the CLI as that.
IN_EVAL = """
import signal
from tinygrad_dl import cli
from tinygrad_dl.search import backends
def usable_cores():  # (the search's first use of joblib, whose imports make namedtuples)
    eval("ctrl_c()", {"ctrl_c": lambda: signal.getsignal(signal.SIGINT)(signal.SIGINT, None)})
backends.usable_cores = usable_cores
raise SystemExit(cli.main())
"""


@pytest.mark.slow
def test_a_ctrl_c_inside_an_eval_exits_130_not_by_sigint(tmp_path):
    (tmp_path / "ctrl_c_in_eval.py").write_text(IN_EVAL)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path]),
           "XDG_CACHE_HOME": str(tmp_path / "no-cache")}
    env.pop("TINYGRAD_DL_DATA", None)
    out = tmp_path / "s"
    r = subprocess.run([sys.executable, "-m", "ctrl_c_in_eval", "search", "two-layer",
                        "--param", "lambda=log10:-3:-1", "--trials", "2", "--no-plot",
                        "--no-progress", "--jobs", "2", "--out", str(out)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.stderr.splitlines()[-1] == ("search interrupted before its first trial finished: "
                                         "nothing was saved; run the same command again to "
                                         "start it"), r.stderr
    assert r.returncode == 130, (r.returncode, r.stderr)  # (was -2: killed by SIGINT)


class _Busy:
    """A stand-in executor whose trials run until `rescue` is set (then they finish)."""

    def __init__(self, rescue: threading.Event) -> None:
        self.rescue, self.futures = rescue, []

    def submit(self, fn, *args):
        f: Future = Future()
        self.futures.append(f)
        return f

    def shutdown(self, **_: object) -> None:
        pass


def test_a_ctrl_c_another_thread_took_stops_the_waiting_search(monkeypatch):
    """A Ctrl-C that came while the workers were spawned (SIGINT blocked in the main thread)
    is taken by another thread, whose handler may run late: the main thread already waited
    for its trials, with no timeout, and never woke to raise it; the search ran on. Here the
    signal is tripped from another thread while the main one waits (as that late handler
    does); `rescue` ends the trials only if the search is still waiting long after."""
    rescue, interrupted = threading.Event(), threading.Event()
    pool = _Busy(rescue)
    monkeypatch.setattr(backends, "_executor", lambda jobs, blas: pool)

    def late_handler() -> None:
        main = threading.main_thread().ident
        while True:  # until the search waits for its trials (blocked in a lock's wait)
            frame = sys._current_frames().get(main)
            if pool.futures and frame is not None and frame.f_code.co_name == "wait" and \
                    frame.f_code.co_filename == threading.__file__:
                break
            time.sleep(0.01)
        _thread.interrupt_main()  # (trips SIGINT as a handler in another thread does)
        if not interrupted.wait(60):  # (only when it never raised: let the test end)
            rescue.set()
            for f in pool.futures:
                f.set_result({"trial": 0})

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    t = threading.Thread(target=late_handler, daemon=True)
    t.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            try:
                list(iter_results(_ok, TASKS, jobs=2))
            except KeyboardInterrupt:
                interrupted.set()
                raise
    finally:
        signal.signal(signal.SIGINT, before)
        t.join()
    assert not rescue.is_set(), "the Ctrl-C was seen only once the trials ended"
