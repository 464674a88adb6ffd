"""A Ctrl-C (or SIGTERM) while `tinygrad-dl search --backend dask` starts its local cluster.

Before: a terminal's Ctrl-C reaches the whole process group, so a nanny's worker process that was
still starting died of it ("Fatal Python error: init_import_site ... KeyboardInterrupt"), its
nanny printed "Nanny failed to start" tracebacks, and the KeyboardInterrupt raised inside
LocalCluster's making left a half-made cluster whose atexit close printed "AssertionError:
Status.init" after the search's one line (found by SIGINTs 1-3 s after spec.json on a loaded
machine, 2026-12-07). Now the cluster is made with SIGINT blocked (its workers start with it
blocked) and the signal held until it is made; then it is raised and the cluster closed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tinygrad_dl.commands.signals import Terminated, sigterm_as_interrupt
from tinygrad_dl.search import Task, cluster, iter_results


def _ok(params: dict, seed: int) -> dict:
    return {"best_val_acc": 0.5}


TASKS = [Task(i, 0, i, {"lambda": 0.1}, {"lam": 0.1}) for i in range(2)]


class _Closes:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    def close(self, **_: object) -> None:
        self.log.append(f"{self.name} closed")


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_a_signal_while_the_local_cluster_starts_is_raised_once_it_is_made(monkeypatch,
                                                                          signum):
    signum = getattr(signal, signum)
    log: list[str] = []

    def making(address, jobs, retries):  # where the signal lands, as Python runs its handler
        log.append("making")
        blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())
        log.append(f"SIGINT blocked: {blocked}")  # (what the spawned workers inherit)
        signal.getsignal(signum)(signum, None)  # (here, before: the KeyboardInterrupt)
        log.append("made")
        return _Closes("client", log), _Closes("cluster", log)

    monkeypatch.setattr(cluster, "_dask_client", making)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with sigterm_as_interrupt():
            with pytest.raises(KeyboardInterrupt) as e:
                list(iter_results(_ok, TASKS, backend="dask", jobs=2))
    finally:
        signal.signal(signal.SIGINT, before)
    assert isinstance(e.value, Terminated) == (signum == signal.SIGTERM)
    assert log == ["making", "SIGINT blocked: True", "made", "client closed",
                   "cluster closed"], log
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


def test_a_remote_clusters_connect_is_not_held(monkeypatch):
    """--address: no process of ours starts, so a Ctrl-C while the client connects (which may
    wait for the 30 s timeout) stops it at once, not held until the connect gives up."""
    log: list[str] = []

    def connecting(address, jobs, retries):
        log.append("connecting")
        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        log.append("connected")
        return _Closes("client", log), None

    monkeypatch.setattr(cluster, "_dask_client", connecting)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            list(iter_results(_ok, TASKS, backend="dask", jobs=2, address="tcp://127.0.0.1:1"))
    finally:
        signal.signal(signal.SIGINT, before)
    assert log == ["connecting"], log


def _session(pid: int) -> list[str]:
    psutil = pytest.importorskip("psutil")
    left = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        try:
            if os.getsid(p.pid) == pid:
                left.append(" ".join(p.info["cmdline"] or []))
        except (OSError, psutil.Error):
            pass
    return left


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_a_terminals_ctrl_c_as_the_local_cluster_spawns_its_workers(tmp_path):
    """The real thing: SIGINT to the whole process group as soon as a nanny has spawned a worker
    process (which then is still starting Python): one line, exit 130, nothing left running."""
    pytest.importorskip("dask.distributed")
    psutil = pytest.importorskip("psutil")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "no-cache")}
    env.pop("TINYGRAD_DL_DATA", None)
    out = tmp_path / "s"
    argv = [sys.executable, "-m", "tinygrad_dl.cli", "search", "two-layer", "--param",
            "lambda=log10:-3:-1", "--trials", "2", "--epochs", "100000", "--no-plot",
            "--jobs", "2", "--backend", "dask", "--out", str(out)]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while True:  # a worker spawned by a nanny (multiprocessing's spawn), still starting
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "no worker process started"
            try:
                kids = psutil.Process(p.pid).children(recursive=True)
                if any("spawn_main" in " ".join(k.cmdline()) for k in kids):
                    break
            except psutil.Error:
                pass
            time.sleep(0.02)
        os.killpg(p.pid, signal.SIGINT)
        _, err = p.communicate(timeout=240)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    deadline = time.monotonic() + 30  # (the cluster's processes are closed as it ends)
    while _session(p.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _session(p.pid) == [], err
    assert p.returncode == 130, err
    for bad in ("Traceback", "Fatal Python error", "KeyboardInterrupt", "Error"):
        assert bad not in err, err
    assert err.splitlines()[-1] == ("search interrupted before its first trial finished: "
                                    "nothing was saved; run the same command again to start it"
                                    ), err
