"""The hyperparameter search reviewed as a demanding user (lambda/eta searches on the embedded
sample, interrupted and resumed, bad input): each test failed before its fix."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from tinygrad_dl import cli
from tinygrad_dl.search import ParamSpec, SearchSpec, best_rows, parse_param, run_search


def fake_trial(params: dict, seed: int) -> dict:
    """Validation accuracy quantised as on the sample's 200 images: ties are common."""
    return {"best_val_acc": round(params["lam"] * 200) / 200}


# ---- 1. a choice of NaN or inf ------------------------------------------------------------------
@pytest.mark.parametrize("text", ["lambda=choice:0.1,nan", "lambda=choice:nan,0.1",
                                  "eta=choice:0.1,inf", "dropout=choice:nan",
                                  "lambda=choice:inf"])
def test_a_choice_outside_the_valid_range_is_refused_naming_the_flag(text):
    """Before: only the smallest and largest choice were checked against the valid range, and
    min/max skip NaN (min(0.1, nan) is 0.1) while inf is inside [0, inf]: `lambda=choice:0.1,nan`
    was accepted, and every trial that drew NaN failed, or the search refused with "lam for
    two-layer: lambda must be a finite number" (no --param) when trial 0 drew it."""
    with pytest.raises(ValueError, match=r"^--param '.*': .*choice") as e:
        parse_param(text)
    assert "\n" not in str(e.value)


# ---- 2. an integer parameter on a log10 range ---------------------------------------------------
def test_integers_at_the_ends_of_a_log10_range_are_drawn():
    """Before: 10**log10(50) is 49.99999999999999 and 10**log10(5) is 5.000000000000001, so a
    range narrowed to end exactly at a trial's value (--widen 0) could never draw that value
    again: floor/ceil clamped it to 49 (6)."""
    p = parse_param("n_batch=log10:0:3")
    q = p.narrowed([5, 50], widen=0)
    rng = np.random.default_rng(0)
    drawn = {q.sample(rng) for _ in range(4000)}
    assert min(drawn) == 5 and max(drawn) == 50


def test_every_integer_of_a_range_ending_on_a_rounded_power_is_reachable():
    for v in (5, 8, 11, 50, 1000):  # 10 ** log10(v) is not v for most of them
        lo, hi = math.log10(v) - 0.3, math.log10(v)
        q = ParamSpec("m", "log10", lo, hi)
        rng = np.random.default_rng(1)
        assert max(q.sample(rng) for _ in range(3000)) == v


def test_the_slack_of_a_log10_range_admits_no_integer_past_its_ends():
    """The slack was 1e-9 relative, more than a whole number above 1e9: a range of 10**9.0000000001
    .. 10**9.00000000015 (1000000000.23 .. 1000000000.35) drew 1000000000, below its lower end."""
    with pytest.raises(ValueError, match="holds no integer"):
        parse_param("n_batch=log10:9.0000000001:9.00000000015")
    q = ParamSpec("m", "log10", 9.0000000001, 9.0000000005)  # (1000000000.23 .. 1000000001.15)
    assert q.int_bounds() == (1000000001, 1000000001)


# ---- 3. another search's rows -------------------------------------------------------------------
def test_rows_of_another_search_are_refused_even_without_spec_json(tmp_path):
    """Before: with spec.json gone (deleted, or results.json copied into a folder), a new search
    with other ranges took the old rows as its own: a lambda=uniform:5:6 search named
    lambda=0.589 its best."""
    out = tmp_path / "s"
    a = SearchSpec("two-layer", [parse_param("lambda=uniform:0:1")], trials=3)
    run_search(a, out, fake_trial, progress=False, plot=False)
    (out / "spec.json").unlink()
    b = SearchSpec("two-layer", [parse_param("lambda=uniform:5:6")], trials=3)
    with pytest.raises(ValueError, match="holds a different search") as e:
        run_search(b, out, fake_trial, progress=False, plot=False)
    assert "results.json" in str(e.value) and "\n" not in str(e.value)
    # the same search resumes as before (and the spec file is written again)
    again = run_search(a, out, fake_trial, progress=False, plot=False)
    assert len(again.rows) == 3 and (out / "spec.json").is_file()


# ---- 4. ties ------------------------------------------------------------------------------------
def test_the_summary_says_when_the_best_trial_is_tied(tmp_path):
    """Before: "best: trial 0" and nothing else, although trials 0 and 2 scored the same
    validation accuracy (on 200 validation images one image is 0.005: ties are common)."""
    lams = iter([0.5, 0.1, 0.5, 0.2])

    def trial(params, seed):
        return {"best_val_acc": next(lams)}

    spec = SearchSpec("two-layer", [parse_param("lambda=uniform:0:1")], trials=4)
    res = run_search(spec, tmp_path / "s", trial, progress=False, plot=False)
    assert res.best["trial"] == 0
    assert "tied on best_val_acc (0.5000) with trial 2" in res.summary()
    # no tie, no note
    lams = iter([0.5, 0.1, 0.4, 0.2])
    res = run_search(spec, tmp_path / "t", trial, progress=False, plot=False)
    assert "tied" not in res.summary()


def test_best_rows_rank_ties_by_trial_number_and_skip_non_finite():
    rows = [{"trial": 3, "status": "ok", "best_val_acc": 0.5},
            {"trial": 1, "status": "ok", "best_val_acc": 0.5},
            {"trial": 0, "status": "ok", "best_val_acc": math.nan},
            {"trial": 2, "status": "ok", "best_val_acc": math.inf},
            {"trial": 4, "status": "failed", "best_val_acc": 0.9}]
    assert [r["trial"] for r in best_rows(rows)] == [1, 3]


# ---- 5. one line for an --out that is a file ----------------------------------------------------
def test_an_out_that_is_a_file_is_the_only_line_printed(tmp_path, capsys):
    """Before: "search: 1 trials of two-layer ... results in FILE" was printed first, naming the
    file as where the results would go, then the error."""
    afile = tmp_path / "afile"
    afile.write_text("x\n")
    assert cli.main(["search", "two-layer", "--param", "lambda=log10:-5:-1", "--trials", "1",
                     "--no-progress", "--out", str(afile)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [f"tinygrad-dl search: error: --out {afile}: {afile} is a file, "
                                "not a folder; nothing was written: choose another --out"]


# ---- 6. the flags named in the spec's own errors ------------------------------------------------
def test_duplicate_and_conflicting_parameters_name_their_flags(capsys):
    """Before: "parameter(s) lambda given more than once", "lam is both searched and fixed"
    (the run_training key, not a flag the user typed)."""
    assert cli.main(["search", "two-layer", "--param", "lambda=log10:-5:-1", "--param",
                     "lam=uniform:0:1"]) == 2
    assert capsys.readouterr().err.strip() == (
        "tinygrad-dl search: error: --param lambda given more than once")
    assert cli.main(["search", "two-layer", "--param", "lambda=log10:-5:-1", "--lambda",
                     "0.1"]) == 2
    assert capsys.readouterr().err.strip() == (
        "tinygrad-dl search: error: lambda is both searched and fixed (--param lambda=... "
        "and --lambda / --set lambda=); drop one")


# ---- 7. Ctrl-C in a terminal reaches the worker processes too -----------------------------------
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_search_workers_leave_ctrl_c_to_the_search():
    """A terminal's Ctrl-C goes to the whole process group. Before: each loky worker of a
    `--jobs 2` search printed "tinygrad-dl: interrupted" (the program's import-time handler,
    inherited with sys.argv) or a KeyboardInterrupt traceback, under the search's own line.
    The worker initializer now ignores SIGINT: the search stops its workers itself."""
    code = ("import os, signal\n"
            "from tinygrad_dl.search.worker import die_with_parent\n"
            "die_with_parent(os.getppid())\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "print('alive', signal.getsignal(signal.SIGINT) == signal.SIG_IGN)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.stdout.strip() == "alive True", r.stderr[-500:]
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # (this process untouched)


def no_initializer(parent: int) -> None:
    """Stands in for worker.die_with_parent: what a worker has before its initializer runs."""


def sigint_probe(params: dict, seed: int) -> dict:
    # held off: ignored, or blocked (how workers start since tests/test_cli_search_changes_review
    # .py: the search's own Ctrl-C in the spawning window was dropped while SIGINT was ignored)
    return {"best_val_acc": 0.5, "sigint_ignored": signal.getsignal(signal.SIGINT) is
            signal.SIG_IGN or signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())}


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_search_workers_start_with_ctrl_c_ignored(monkeypatch):
    """Workers import for a second or more before their initializer runs: a Ctrl-C then printed
    a KeyboardInterrupt traceback from inside joblib's or NumPy's import. They now start with
    SIGINT ignored (SIG_IGN survives exec), the search's own handler back in place after."""
    from tinygrad_dl.search import Task, backends, iter_results

    monkeypatch.setattr(backends, "die_with_parent", no_initializer)
    before = signal.getsignal(signal.SIGINT)
    tasks = [Task(i, 0, i, {"lambda": 0.1}, {"lam": 0.1}) for i in range(2)]
    rows = list(iter_results(sigint_probe, tasks, jobs=2))
    assert [r["status"] for r in rows] == ["ok", "ok"], rows
    assert all(r["sigint_ignored"] for r in rows)
    assert signal.getsignal(signal.SIGINT) is before
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


# ---- 8. resume gives the uninterrupted table ----------------------------------------------------
def test_a_search_stopped_between_trials_resumes_to_the_same_table(tmp_path):
    """Trials interrupted (KeyboardInterrupt from the trial function) at several points of a
    refined search, then resumed: the table equals the uninterrupted one, no saved trial runs
    again."""
    spec = SearchSpec("two-layer", [parse_param("lambda=log10:-3:0"),
                                    parse_param("eta=uniform:0.01:0.1")], trials=4, refine=2,
                      seed=3)
    ref = run_search(spec, tmp_path / "ref", fake_trial, progress=False, plot=False)
    calls: list[int] = []
    for stop_at in (2, 5, 5, 9):  # counted in calls of this run
        n = 0

        def trial(params, seed, stop_at=stop_at):
            nonlocal n
            n += 1
            if n == stop_at:
                raise KeyboardInterrupt
            calls.append(seed)
            return fake_trial(params, seed)

        try:
            run_search(spec, tmp_path / "int", trial, progress=False, plot=False)
        except KeyboardInterrupt:
            pass
    res = run_search(spec, tmp_path / "int", fake_trial, progress=False, plot=False)
    strip = [{k: v for k, v in r.items() if k not in ("seconds", "worker", "host")}
             for r in res.rows]
    want = [{k: v for k, v in r.items() if k not in ("seconds", "worker", "host")}
            for r in ref.rows]
    assert strip == want
    assert len(calls) == len(set(calls))  # no saved trial ran twice
    doc = json.loads((tmp_path / "int" / "results.json").read_text())
    assert doc["round_params"] == json.loads(
        (tmp_path / "ref" / "results.json").read_text())["round_params"]
