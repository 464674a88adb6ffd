"""Issue 20, item 7 and the search's smaller items: a lost Dask scheduler is no trial's failure,
`retries` counts real reruns, failed rows carry their data_id, the cluster guide's commands
listen on 127.0.0.1 only, a hand-edited results.json row is one line, and a search exits without
resource_tracker's "leaked semaphore" warning.

The cluster is real: `dask scheduler` and two `dask worker` processes (the commands of the
cluster guide, on 127.0.0.1), and the scheduler is killed with SIGKILL mid-search.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinygrad_dl.cli import main

SEARCH = ["search", "two-layer", "--param", "lambda=log10:-4:-1", "--epochs", "2", "--m", "20",
          "--seed", "3"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "MPLBACKEND": "Agg"}
    env.pop("TINYGRAD_DL_DATA", None)
    return env


def _dask(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """`dask scheduler ...` / `dask worker ...`, as the cluster guide runs them."""
    return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)


def _scheduler_address(sched_file: Path, proc: subprocess.Popen) -> str:
    """The address in a scheduler file, once it is written whole (the scheduler writes it in
    place: a reader may find it empty or cut short, however long after it appeared)."""
    deadline = time.monotonic() + 300
    while True:
        try:
            return json.loads(sched_file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            assert proc.poll() is None, "the dask scheduler exited"
            assert time.monotonic() < deadline, "the dask scheduler did not start"
            time.sleep(0.1)


class Cluster:
    """The guide's one-machine trial, everything on 127.0.0.1. (`--no-dashboard` is not enough:
    the scheduler still serves HTTP on 0.0.0.0:8787 and each worker on 0.0.0.0:RANDOM; giving
    the dashboard an address on the loopback interface keeps it there.)"""

    def __init__(self, d: Path, env: dict[str, str]) -> None:
        sched_file = d / f"scheduler-{time.monotonic_ns()}.json"
        self.scheduler = _dask(["scheduler", "--host", "127.0.0.1", "--port", "0",
                                "--dashboard-address", "127.0.0.1:0", "--scheduler-file",
                                str(sched_file)], env)
        self.address = _scheduler_address(sched_file, self.scheduler)
        self.workers = [_dask(["worker", self.address, "--host", "127.0.0.1",
                               "--dashboard-address", "127.0.0.1:0"], env) for _ in range(2)]
        from dask.distributed import Client

        with Client(self.address, timeout="60s") as c:
            c.wait_for_workers(2, timeout=120)

    def listening(self) -> set[str]:
        """The addresses every process of the cluster listens on."""
        import psutil

        procs = [psutil.Process(p.pid) for p in (self.scheduler, *self.workers)]
        procs += [c for p in procs for c in p.children(recursive=True)]
        out = set()
        for p in procs:
            conns = p.net_connections("inet") if hasattr(p, "net_connections") else \
                p.connections("inet")
            out |= {c.laddr.ip for c in conns if c.status == psutil.CONN_LISTEN}
        return out

    def stop(self) -> None:
        for p in (*self.workers, self.scheduler):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=60)


def _rows(out: Path) -> list[dict]:
    try:
        return json.loads((out / "results.json").read_text())["rows"]
    except (OSError, ValueError):
        return []


# The scheduler is killed once 2 trials are saved, and must find trials still to run. With 10
# (~0.6 s each, 4 at a time) the last was saved ~1.2 s after the second: a loaded machine could
# let the search finish before this process killed it (exit 0). 30 leave it ~4 s.
TRIALS = 30


@pytest.mark.slow
def test_losing_the_dask_scheduler_fails_no_trial_and_resume_runs_the_rest(tmp_path: Path):
    """Before: `8 trials (5 failed)` "worker died: FutureCancelledError ...
    scheduler-connection-lost", exit 0, and a re-run found all 8 done (with 16 trials, a
    ClosedClientError traceback)."""
    pytest.importorskip("dask.distributed")
    env = _env(tmp_path)
    out = tmp_path / "s"
    cluster = Cluster(tmp_path, env)
    try:
        assert cluster.listening() == {"127.0.0.1"}, cluster.listening()
        cmd = [sys.executable, "-m", "tinygrad_dl.cli", *SEARCH, "--trials", str(TRIALS),
               "--backend", "dask", "--address", cluster.address, "--out", str(out),
               "--no-plot"]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)
        deadline = time.monotonic() + 600
        while len(_rows(out)) < 2 and p.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(cluster.scheduler.pid, signal.SIGKILL)
        stdout, err = p.communicate(timeout=300)
    finally:
        cluster.stop()
    assert p.returncode == 1, (stdout, err)
    lines = [ln for ln in err.splitlines()
             if ln.strip() and not ln.startswith(("search:", "trial "))]
    assert len(lines) == 1 and "lost the Dask scheduler" in lines[0], err
    assert "Traceback" not in err
    before = _rows(out)
    assert 2 <= len(before) < TRIALS and {r["status"] for r in before} == {"ok"}, before
    assert all(r["data_id"] and r.get("retries") in (None, "") for r in before)

    cluster = Cluster(tmp_path, env)  # restarted: a new scheduler, new workers
    try:
        cmd[cmd.index("--address") + 1] = cluster.address
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    finally:
        cluster.stop()
    assert r.returncode == 0, r.stderr
    n = len(before)
    assert f"{n} of {TRIALS} trials already done, skipping them; {TRIALS - n} to run" \
        in r.stderr
    after = {row["trial"]: row for row in _rows(out)}
    assert sorted(after) == list(range(TRIALS)) and all(v["status"] == "ok" for v in after.values())
    for row in before:  # the saved trials were not run again
        assert after[row["trial"]] == row
    ran = [ln for ln in r.stderr.splitlines() if ln.startswith("trial ")]
    assert len(ran) == TRIALS - n  # exactly the unfinished ones


def test_failed_rows_carry_the_data_id(tmp_path: Path) -> None:
    from tinygrad_dl.search import SearchSpec, parse_param, run_search

    spec = SearchSpec("two-layer", [parse_param("lambda=uniform:0:1")], {"epochs": 1},
                      trials=2, data_id="cifar:abc")

    def broken(params: dict, seed: int) -> dict:
        raise RuntimeError("no luck")

    res = run_search(spec, tmp_path / "s", broken, progress=False, plot=False)
    assert [r["data_id"] for r in res.rows] == ["cifar:abc", "cifar:abc"]


@pytest.mark.parametrize("edit, words", [
    (lambda r: r.update(trial="3"), "trial must be int, got str '3'"),
    (lambda r: r.pop("status"), "has no 'status'"),
    (lambda r: r.update(status="maybe"), "status 'ok' or 'failed'"),
    (lambda r: r.update(best_val_acc=float("nan")), "status 'ok' but best_val_acc is nan"),
])
def test_a_hand_edited_results_row_is_one_line(tmp_path: Path, capsys, monkeypatch, edit,
                                               words) -> None:
    """Before: `trial` a string -> TypeError traceback on resume."""
    out = tmp_path / "s"
    args = ["search", "one-layer", "--param", "lambda=log10:-3:-1", "--trials", "1",
            "--epochs", "1", "--no-progress", "--no-plot", "--out", str(out)]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # (this test's only)
    assert main(args) == 0
    doc = json.loads((out / "results.json").read_text())
    edit(doc["rows"][0])
    (out / "results.json").write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(args) == 2  # the same command again: a resume reads the table first
    err = [ln for ln in capsys.readouterr().err.splitlines() if not ln.startswith("search:")]
    assert len(err) == 1 and str(out / "results.json") in err[0] and words in err[0], err


@pytest.mark.slow
def test_search_exits_without_resource_tracker_warnings(tmp_path: Path) -> None:
    """Before: every search ended with "There appear to be 2 leaked semaphore objects"."""
    r = subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", "search", "one-layer",
                        "--param", "lambda=log10:-3:-1", "--trials", "2", "--epochs", "1",
                        "--jobs", "2", "--no-plot", "--out", str(tmp_path / "s")],
                       capture_output=True, text=True, env=_env(tmp_path), timeout=600)
    assert r.returncode == 0, r.stderr
    assert "leaked" not in r.stderr and "resource_tracker" not in r.stderr, r.stderr


def test_an_error_just_before_the_client_notices_the_lost_scheduler_is_not_a_trial_failure():
    """A trial's error that arrives while the client still says "running" (it notices a dead
    scheduler a moment later) must stop the search as ClusterLost, not fail the trial."""
    import threading

    from tinygrad_dl.search.cluster import _scheduler_gone

    class Client:  # just the attribute the check reads: Dask's Client.status
        status = "running"

    c = Client()
    threading.Timer(0.3, lambda: setattr(c, "status", "connecting")).start()
    assert _scheduler_gone(c, OSError("Stream is closed"))

    class KilledWorker(Exception):  # the name Dask gives a trial whose workers all died
        pass

    assert not _scheduler_gone(Client(), KilledWorker("trial-3 died 3 times"))
