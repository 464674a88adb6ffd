"""search / results CLI leftovers: `search --jobs N` started N workers for fewer trials (or on
fewer cores); a Ctrl-C in the first trial said "finished trials are saved" of none and left a
spec.json that refused a corrected command; `results` took a hard link of one of its outputs
for another file; an output could be a row's per-seed file, and `--only` without `--merge`
dropped a results file's other rows without a word."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_results import doc_with

from tinygrad_dl.cli import main
from tinygrad_dl.commands.results import COURSE_ROWS
from tinygrad_dl.files import same_file
from tinygrad_dl.search import Task, backends, iter_results
from tinygrad_dl.search import results as results_module
from tinygrad_dl.search import trial as trial_module
from tinygrad_dl.search.backends import plan_workers
from tinygrad_dl.search.render import BEGIN, END

# the fastest real search (as tests/test_cli_leftovers3_changes_review.py runs it)
SEARCH = ["search", "two-layer", "--param", "lambda=log10:-3:-1", "--n-updates", "1",
          "--no-progress", "--no-plot"]


@pytest.fixture
def no_env(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-cache"))
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)


# ---- 1. --jobs N starts no more workers than trials or cores -------------------------------
@pytest.mark.parametrize("jobs, tasks, cores, workers, note", [
    (8, 3, 64, 3, "note: --jobs 8 starts 3 workers: 3 trials to run"),
    (8, 20, 2, 2, "note: --jobs 8 starts 2 workers: 2 cores to run on"),
    # only what set the number (was: "1 trial to run and 2 cores", "3 trials ... and 2 cores")
    (4, 1, 2, 1, "note: --jobs 4 starts 1 worker: 1 trial to run"),
    (4, 3, 2, 2, "note: --jobs 4 starts 2 workers: 2 cores to run on"),
    (4, 2, 2, 2, "note: --jobs 4 starts 2 workers: 2 trials to run and 2 cores to run on"),
    (2, 5, 4, 2, None),
    (1, 5, 4, 1, None),  # (in this process, as --jobs 1 always ran)
    (-1, 2, 4, 2, "note: --jobs -1 starts 2 workers: 2 trials to run"),
])
def test_plan_workers(monkeypatch, jobs, tasks, cores, workers, note):
    monkeypatch.setattr(backends, "usable_cores", lambda: cores)
    assert plan_workers(jobs, tasks) == (workers, note)


def test_usable_cores_are_lokys_count(monkeypatch):
    """A container's CPU quota (docker --cpus 2: cgroup cpu.max) leaves the affinity at every
    core of the host, so --jobs 8 started 8 workers on 2 cores' time; loky's count (joblib's
    own -1) sees the quota, the affinity and $LOKY_MAX_CPU_COUNT."""
    monkeypatch.setenv("LOKY_MAX_CPU_COUNT", "1")
    assert backends.usable_cores() == 1 and backends.resolve_jobs(-1) == 1
    assert plan_workers(8, 20) == (1, "note: --jobs 8 starts 1 worker: 1 core to run on")


def test_plan_workers_leaves_a_clusters_concurrency_to_it(monkeypatch):
    monkeypatch.setattr(backends, "usable_cores", lambda: 2)
    assert plan_workers(8, 1, backend="dask", address="tcp://h:8786") == (8, None)
    assert plan_workers(8, 1, backend="dask")[0] == 1  # (a local cluster: capped)
    assert plan_workers(8, 0) == (8, None)  # (nothing to run: no note)


def _pool_sizes(monkeypatch) -> list[int]:
    """Records the worker count of every process pool the search starts."""
    sizes: list[int] = []
    real = backends._executor

    def recorded(jobs, blas_threads):
        sizes.append(jobs)
        return real(jobs, blas_threads)

    monkeypatch.setattr(backends, "_executor", recorded)
    return sizes


@pytest.mark.slow
def test_search_jobs_beyond_the_trials_starts_one_worker_per_trial(tmp_path, no_env,
                                                                   monkeypatch, capsys):
    """Before: `--jobs 4 --trials 2` started 4 worker processes, 2 of them idle."""
    monkeypatch.setattr(backends, "usable_cores", lambda: 64, raising=False)  # (not the cores)
    sizes = _pool_sizes(monkeypatch)
    out = tmp_path / "s"
    assert main([*SEARCH, "--trials", "2", "--jobs", "4", "--out", str(out)]) == 0
    assert sizes == [2]
    err = capsys.readouterr().err.splitlines()
    assert "note: --jobs 4 starts 2 workers: 2 trials to run" in err
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert [r["status"] for r in rows] == ["ok", "ok"]


def _ok(params: dict, seed: int) -> dict:
    return {"best_val_acc": 0.5, "pid": os.getpid()}


@pytest.mark.slow
def test_fewer_cores_than_jobs_start_fewer_workers_still_in_processes(monkeypatch):
    """Capped to one worker, the trials still run in a worker process (as --jobs > 1 asked),
    not in this one."""
    monkeypatch.setattr(backends, "usable_cores", lambda: 1, raising=False)
    sizes = _pool_sizes(monkeypatch)
    rows = list(iter_results(_ok, [Task(t, 0, t, {}, {}) for t in range(3)], jobs=3))
    assert sizes == [1]
    assert sorted(r["trial"] for r in rows) == [0, 1, 2]
    assert {r["pid"] for r in rows} != {os.getpid()}


def test_no_task_starts_no_pool(monkeypatch):
    sizes = _pool_sizes(monkeypatch)
    assert list(iter_results(_ok, [], jobs=4)) == []
    assert sizes == []
    with pytest.raises(ValueError, match="unknown backend 'nope'"):
        list(iter_results(_ok, [], backend="nope", jobs=4))


# ---- 2. Ctrl-C during the first trial ------------------------------------------------------
def test_ctrl_c_in_the_first_trial_saves_nothing_and_says_so(tmp_path, no_env, monkeypatch,
                                                             capsys):
    """Before: "finished trials are saved in OUT" of none, and the spec.json left behind
    refused a corrected command into the same --out ("holds a different search")."""
    real = trial_module.run_training

    def interrupted(*a, **k):
        raise KeyboardInterrupt  # where a Ctrl-C lands: inside the first trial's training

    monkeypatch.setattr(trial_module, "run_training", interrupted)
    out = tmp_path / "s"
    assert main([*SEARCH, "--trials", "2", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == ("search interrupted before its first trial finished: "
                                    "nothing was saved; run the same command again to start it")
    assert not (out / "results.json").exists() and not (out / "spec.json").exists()
    monkeypatch.setattr(trial_module, "run_training", real)
    # another range into the same folder: a search of its own, not "a different search"
    other = [*SEARCH, "--param", "eta=log10:-3:-2", "--trials", "1", "--out", str(out)]
    assert main(other) == 0, capsys.readouterr().err
    assert len(json.loads((out / "results.json").read_text())["rows"]) == 1


def test_ctrl_c_after_a_finished_trial_keeps_it(tmp_path, no_env, monkeypatch, capsys):
    """The other side: a trial finished, so the line says it is saved, and the spec stays."""
    real = trial_module.run_training
    calls = []

    def second_interrupted(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(trial_module, "run_training", second_interrupted)
    out = tmp_path / "s"
    argv = [*SEARCH, "--trials", "2", "--out", str(out)]
    assert main(argv) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"search interrupted: finished trials are saved in {out}; run the same command again "
        "to resume")
    assert (out / "spec.json").is_file()
    assert len(json.loads((out / "results.json").read_text())["rows"]) == 1
    monkeypatch.setattr(trial_module, "run_training", real)
    assert main(argv) == 0
    assert "1 of 2 trials already done" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_terminals_ctrl_c_in_the_first_trial(tmp_path, jobs):
    """A real SIGINT to the whole process group (as a terminal sends it), while the first
    trials train: one line, exit 130, no traceback, and the same command starts again."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "no-cache")}
    env.pop("TINYGRAD_DL_DATA", None)
    out = tmp_path / "s"
    argv = [sys.executable, "-m", "tinygrad_dl.cli", "search", "two-layer", "--param",
            "lambda=log10:-3:-1", "--trials", "2", "--epochs", "100000", "--no-plot",
            "--jobs", jobs, "--out", str(out)]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env, start_new_session=True)
    try:
        while not (out / "spec.json").exists():  # the folder is locked: trials are starting
            assert p.poll() is None, p.communicate()
            time.sleep(0.05)
        time.sleep(1.0)  # (into the trials; none can finish 100,000 epochs)
        os.killpg(p.pid, signal.SIGINT)
        _, err = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    # (once, on a loaded machine, loky's resource tracker warned of leaked semaphores after it:
    # test_a_stopped_pools_semaphores_are_released_before_iter_results_ends)
    assert err.splitlines()[-1] == ("search interrupted before its first trial finished: "
                                    "nothing was saved; run the same command again to start it"
                                    ), err
    assert sorted(os.listdir(out)) == [".lock"], err


@pytest.mark.parametrize("where", ["spec.json written", "spec.json being written"])
def test_ctrl_c_as_the_search_writes_its_spec_leaves_no_spec(tmp_path, monkeypatch, where):
    """Before: a Ctrl-C in the milliseconds after spec.json was written (still in the store's
    __enter__, so its __exit__, which removes it, never ran) left it behind: "nothing was
    saved", yet a corrected command in that --out was refused as "a different search"."""
    real = results_module.atomic_write

    def then_ctrl_c(path, data):
        if where == "spec.json written":
            real(path, data)
        raise KeyboardInterrupt

    monkeypatch.setattr(results_module, "atomic_write", then_ctrl_c)
    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):
        with results_module.ResultStore(out, {"trials": 2}, ["trial"]):
            pass
    assert sorted(os.listdir(out)) == [".lock"]
    monkeypatch.setattr(results_module, "atomic_write", real)
    with results_module.ResultStore(out, {"trials": 3}, ["trial"]):  # (the lock was released)
        pass


def _tasks_then_ctrl_c(n: int):
    """`n` tasks, then a Ctrl-C where the search reads its next task (in this process)."""
    yield from (Task(t, 0, t, {}, {}) for t in range(n))
    raise KeyboardInterrupt


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["ctrl-c", "end"])
def test_a_stopped_pools_semaphores_are_released_before_iter_results_ends(monkeypatch, stop):
    """Every semaphore a pool registers with loky's resource tracker is unregistered before
    iter_results ends (a Ctrl-C or its last row), not by a thread still running while the
    interpreter exits: loky's shutdown(wait=True) did not wait for its call queue's feeder
    thread, whose end frees the queue's 3 semaphores; on a loaded machine it still ran at exit,
    and the tracker printed "There appear to be 3 leaked semlock objects" and a
    FileNotFoundError (one unlinked, never unregistered) after the search's "interrupted" line.
    A late feeder (as on that machine) is made here: it sleeps before it ends."""
    from joblib.externals.loky.backend import queues, resource_tracker

    held: set[str] = set()

    def recorded(real, change):
        def call(name, rtype):
            change(name)
            return real(name, rtype)
        return call

    monkeypatch.setattr(resource_tracker, "register", recorded(resource_tracker.register,
                                                               held.add))
    monkeypatch.setattr(resource_tracker, "unregister", recorded(resource_tracker.unregister,
                                                                 held.discard))
    feed = queues.Queue._feed

    def late(*a):
        try:
            return feed(*a)
        finally:
            time.sleep(0.5)

    monkeypatch.setattr(queues.Queue, "_feed", staticmethod(late))
    # (dict as the trial: a failed row, at once, and its worker imports no test module; one
    # worker process: the cheapest pool)
    monkeypatch.setattr(backends, "usable_cores", lambda: 1)
    if stop == "ctrl-c":
        with pytest.raises(KeyboardInterrupt):
            list(iter_results(dict, _tasks_then_ctrl_c(2), jobs=2))
    else:
        assert len(list(iter_results(dict, [Task(t, 0, t, {}, {}) for t in range(2)],
                                     jobs=2))) == 2
    assert held == set(), f"still registered with loky's resource tracker: {sorted(held)}"


# ---- 3. results: a hard link is the same file --------------------------------------------
def _results(tmp_path: Path) -> Path:
    res = tmp_path / "r.json"
    res.write_text(json.dumps(doc_with([0.3 + 0.001 * i for i in range(20)], [0.31] * 20)))
    return res


def test_results_refuses_a_hard_link_of_its_results_as_the_page(tmp_path, capsys):
    """Before: the page went to the link's name, the link broken (the user's "one file" became
    two), exit 0."""
    res = _results(tmp_path)
    link = tmp_path / "page.md"
    os.link(res, link)
    saved = res.read_text()
    assert main(["results", "--render-only", "--results", str(res), "--page", str(link)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--page {link} names the same file as --results" in err
    assert res.read_text() == saved and os.path.samefile(res, link)


def test_results_refuses_one_into_file_by_two_hard_linked_names(tmp_path, capsys):
    res = _results(tmp_path)
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text(f"intro\n{BEGIN}\n{END}\n")
    os.link(a, b)
    argv = ["results", "--render-only", "--results", str(res), "--into", str(a), "--into", str(b)]
    assert main(argv) == 2  # (was: rendered into each name in turn, the link broken)
    assert f"--into {b} names the same file as --into {a}" in capsys.readouterr().err
    assert a.read_text() == f"intro\n{BEGIN}\n{END}\n" and os.path.samefile(a, b)


def test_same_file_by_every_spelling(tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    os.link(f, tmp_path / "hard")
    os.symlink(f, tmp_path / "soft")
    assert same_file(f, tmp_path / "hard") and same_file(f, tmp_path / "soft")
    assert same_file(f, tmp_path / "d" / ".." / "f")
    assert same_file(tmp_path / "new", tmp_path / "." / "new")  # (neither there yet)
    assert not same_file(f, tmp_path / "new") and not same_file(f, tmp_path / "a\0b")


# ---- 4. results: an output that is a row's per-seed file; --only dropping rows -------------
def test_results_page_that_is_a_rows_per_seed_file_is_refused(tmp_path, capsys):
    """Before: the page was written over runs/one-layer/results.json (its seeds lost)."""
    res, out = _results(tmp_path), tmp_path / "o"
    row = out / "one-layer" / "results.json"
    row.parent.mkdir(parents=True)
    row.write_text('{"rows": []}')
    assert main(["results", "--render-only", "--results", str(res), "--out", str(out),
                 "--page", str(row)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is row one-layer's per-seed file" in err
    assert row.read_text() == '{"rows": []}'


def test_results_only_without_merge_does_not_drop_the_files_other_rows(tmp_path, no_env,
                                                                       capsys):
    """Before: after training one-layer, the results file holding rows a and b was replaced by
    one holding one-layer alone (a and b's numbers gone, perhaps with no copy elsewhere)."""
    res, out = tmp_path / "r.json", tmp_path / "o"
    doc = doc_with([0.3] * 20, [0.31] * 20)
    # rows a and b as today's two-layer and k-layer-bn rows (ones --merge keeps)
    for st, row in zip(doc["settings"], (COURSE_ROWS[1], COURSE_ROWS[2])):
        st["name"], st["command"] = row[0], row[2]
    res.write_text(json.dumps(doc))
    saved = res.read_text()
    argv = ["results", "--only", "one-layer", "--seeds", "1", "--no-progress", "--out", str(out),
            "--results", str(res), "--page", str(tmp_path / "p.md")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"tinygrad-dl results: error: --results {res} also holds rows two-layer, "
                       "k-layer-bn, which --only would drop from it: add --merge to keep them; "
                       "or name another --results")
    assert res.read_text() == saved and not out.exists()  # refused before any run


def _only_one_layer(res: Path, out: Path, *extra: str) -> list[str]:
    return ["results", "--only", "one-layer", *extra, "--seeds", "1", "--no-progress",
            "--out", str(out), "--results", str(res), "--page", str(res.with_suffix(".md"))]


def test_results_only_tells_a_way_out_for_rows_merge_cannot_keep(tmp_path, no_env, capsys):
    """Rows a and b are no results rows today: "add --merge" led to --merge's "leave out
    --merge", and back (an endless loop of refusals)."""
    res, out = _results(tmp_path), tmp_path / "o"
    assert main(_only_one_layer(res, out)) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--merge cannot keep a, b" in err and err.endswith("or name another --results")
    assert main(_only_one_layer(res, out, "--merge")) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "row a of the results file is no longer a results row" in err
    assert "leave out --merge;" not in err and "--only a" not in err and not out.exists()


@pytest.mark.parametrize("text", ["", "not json", '{"format": "old"}'])
def test_results_only_writes_over_a_file_that_is_no_results(tmp_path, no_env, monkeypatch,
                                                            capsys, text):
    """An empty or foreign --results file holds no rows to drop: --only replaces it as a run
    of every row does (was: refused, "make it again without --render-only"). And a Ctrl-C in
    the first run says nothing was saved, as search says it."""
    res, out = tmp_path / "r.json", tmp_path / "o"
    res.write_text(text)

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(trial_module, "run_training", interrupted)
    assert main(_only_one_layer(res, out)) == 130
    err = capsys.readouterr().err.splitlines()
    assert f"note: --results {res} is not a results file this version reads, so it holds no " \
           "rows to keep: it is written over" in err
    assert err[-1] == ("results interrupted before its first run finished: nothing was saved; "
                       "run the same command again to start it")
    assert not (out / "one-layer" / "spec.json").exists()


def test_render_only_reading_a_rows_file_is_not_called_a_write(tmp_path, capsys):
    """--render-only reads --results: a row's per-seed file named there is refused as what it
    is (not a results file), not as a file "writing it would lose"."""
    out = tmp_path / "o"
    row = out / "one-layer" / "results.json"
    row.parent.mkdir(parents=True)
    row.write_text('{"rows": []}')
    assert main(["results", "--render-only", "--results", str(row), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "writing it" not in err and "not a results file of this version" in err
