"""Search reliability: dead workers, orphans, the folder lock, lazy tasks, bad input, logs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tracemalloc

import pytest

from tinygrad_dl.cli import main
from tinygrad_dl.search import (
    ResultStore,
    SearchSpec,
    Task,
    iter_results,
    make_tasks,
    parse_param,
    run_search,
)


def spec(trials: int = 4, **kw) -> SearchSpec:
    return SearchSpec("two-layer", [parse_param("lambda=uniform:0:1")], {"epochs": 1},
                      trials=trials, **kw)


def kills_its_worker(params: dict, seed: int) -> dict:
    """A trial that dies as the OOM killer would make it die, for lambda > 0.5."""
    if params["lam"] > 0.5:
        os.kill(os.getpid(), signal.SIGKILL)
    return {"best_val_acc": 1 - params["lam"]}


@pytest.mark.slow
def test_a_killed_worker_fails_its_trial_and_the_search_goes_on():
    lams = [0.1, 0.9, 0.2, 0.3]
    tasks = [Task(i, 0, i, {"lambda": v}, {"lam": v}) for i, v in enumerate(lams)]
    rows = {r["trial"]: r for r in iter_results(kills_its_worker, tasks, jobs=2, retries=0)}
    assert sorted(rows) == [0, 1, 2, 3]
    assert rows[1]["status"] == "failed" and "worker died" in rows[1]["error"]
    assert "SIGKILL" in rows[1]["error"]
    assert [rows[t]["status"] for t in (0, 2, 3)] == ["ok"] * 3
    assert rows[2]["best_val_acc"] == pytest.approx(0.8)


class Counting:
    """Tasks handed out one by one, counting how many the backend has taken."""

    def __init__(self, tasks) -> None:
        self.tasks, self.taken = tasks, 0

    def __iter__(self):
        for t in self.tasks:
            self.taken += 1
            yield t


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_tasks_are_taken_lazily(jobs):
    tasks = Counting(make_tasks(spec(trials=10**8), 0, spec().params))
    first = next(iter_results(lambda p, s: {"best_val_acc": p["lam"]}, tasks, jobs=jobs))
    assert first["status"] == "ok"
    assert tasks.taken <= 2 * jobs  # a window, not 10**8 tasks


def test_a_huge_search_starts_at_once_in_bounded_memory(tmp_path):
    def stop(params, seed):
        raise KeyboardInterrupt

    tracemalloc.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_search(spec(trials=10**8), tmp_path, stop, progress=False, plot=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


def test_a_second_search_on_the_folder_is_refused(tmp_path, capsys):
    s = spec()
    with ResultStore(tmp_path, s.to_dict(), ["trial"]):  # another process's search, running
        with pytest.raises(ValueError, match="another search is running in"):
            run_search(s, tmp_path, kills_its_worker, progress=False, plot=False)
        rc = main(["search", "two-layer", "--param", "lambda=log10:-3:-1", "--out", str(tmp_path),
                   "--no-plot"])
    assert rc == 2 and "another search is running" in capsys.readouterr().err
    run_search(s, tmp_path, lambda p, _: {"best_val_acc": p["lam"]}, progress=False, plot=False)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--set", "n_batch=0"], "n_batch=0 is outside its valid range"),
        (["--set", "n_batch=abc"], "n_batch must be an integer, got 'abc'"),
        (["--set", "eta_max=nan"], "eta_max must be a finite number"),
        (["--set", "split=most"], "'most' is not one of batch1, all"),
        (["--param", "lambda=log10:0:400"], "log10 exponents must lie in [-300, 300]"),
    ],
)
def test_bad_flags_are_one_line_errors_before_any_trial(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    base = ["search", "two-layer", "--out", str(out)]
    if "--param" not in argv:
        base += ["--param", "lambda=log10:-3:-1"]
    assert main([*base, *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "tinygrad-dl search: error:" in err and message in err, err
    assert not out.exists()


def test_missing_text_is_refused_before_any_trial(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["search", "char-rnn", "--param", "eta=log10:-2:-1", "--text",
               str(tmp_path / "nope.txt"), "--out", str(out)])
    assert rc == 2 and "--text" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("flag", ["--trials=0", "--refine=-1", "--widen=nan", "--top-k=0",
                                  "--n-batch=0", "--retries=-1"])
def test_search_counts_are_range_checked(flag, capsys):
    with pytest.raises(SystemExit) as e:
        main(["search", "two-layer", "--param", "lambda=log10:-3:-1", flag])
    assert e.value.code == 2 and flag.split("=")[0] in capsys.readouterr().err


def test_piped_progress_is_plain_lines_and_resume_says_what_it_skipped(tmp_path, capsys):
    calls = []

    def stop_at_two(params, seed):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(seed)
        return {"best_val_acc": params["lam"]}

    with pytest.raises(KeyboardInterrupt):
        run_search(spec(), tmp_path, stop_at_two, plot=False)
    err = capsys.readouterr().err  # stderr is not a terminal here: no bar
    assert "\r" not in err and "trial 0 ok [1/4" in err and "trial 1 ok [2/4" in err
    notes = []
    calls.clear()
    run_search(spec(), tmp_path, lambda p, s: {"best_val_acc": p["lam"]}, plot=False,
               log=notes.append)
    assert notes == [f"resuming {tmp_path}: 2 of 4 trials already done, skipping them; 2 to run"]
    assert "\r" not in capsys.readouterr().err


# ---------------------------------------------------------------- no orphans
ENDLESS_SEARCH = ["search", "two-layer", "--param", "lambda=log10:-5:-1", "--trials", "100000",
                  "--epochs", "2", "--m", "10", "--jobs", "2", "--no-plot"]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_a_parallel_search_leaves_no_process_behind(tmp_path, sig):
    psutil = pytest.importorskip("psutil")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "no-cache")}
    env.pop("TINYGRAD_DL_DATA", None)
    out = tmp_path / "s"
    proc = subprocess.Popen([sys.executable, "-m", "tinygrad_dl.cli", *ENDLESS_SEARCH, "--out",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    seen: set = set()
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 180
        while not (out / "results.json").exists():  # a trial finished: the workers are up
            seen |= set(parent.children(recursive=True))
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
            time.sleep(0.1)
        seen |= set(parent.children(recursive=True))
        assert len(seen) >= 2  # the two workers (and loky's resource tracker)
        os.kill(proc.pid, sig)
        rc = proc.wait(timeout=120)
        _, alive = psutil.wait_procs(list(seen), timeout=120)  # (a loaded machine)
        assert not alive, f"left behind: {[(p.pid, p.name()) for p in alive]}"
        assert rc == (-9 if sig == signal.SIGKILL else 143)
        proc.stdout.read()  # at EOF: no surviving child holds the pipe open
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in seen:
            if p.is_running():
                p.kill()
