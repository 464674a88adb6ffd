"""Review of the search's ranking and sampling, and of the course's cyclical learning rate
against its formula and torch.optim.lr_scheduler.CyclicLR."""

import collections
import math

import numpy as np
import pytest

from tinygrad_dl import optim
from tinygrad_dl.search import SearchSpec, parse_param, run_search
from tinygrad_dl.search.worker import Task, execute_trial

torch = pytest.importorskip("torch")


# ---- 1. a non-finite objective that is no Python float ------------------------------------------
def test_a_numpy_float32_nan_objective_is_a_failed_trial(tmp_path):
    """Before: np.float32('nan') is no Python float, so the diverged-run check missed it: the row
    was "ok" with best_val_acc null (JSON), ranked nowhere, and the summary said 0 failed."""
    def trial(params, seed):
        return {"best_val_acc": np.float32("nan") if params["lam"] > 1e-3 else np.float32(0.25)}

    spec = SearchSpec("two-layer", [parse_param("lambda=log10:-5:-1")], trials=6)
    res = run_search(spec, tmp_path / "s", trial, progress=False, plot=False)
    by_status = collections.Counter(r["status"] for r in res.rows)
    nan_rows = [r for r in res.rows if r["lambda"] > 1e-3]
    assert nan_rows and all(r["status"] == "failed" for r in nan_rows)
    assert all("best_val_acc is nan" in r["error"] for r in nan_rows)
    assert by_status["failed"] == res.n_failed == len(nan_rows)
    assert res.best is not None and res.best["lambda"] <= 1e-3


@pytest.mark.parametrize("v", [np.float32("inf"), np.float16("-inf"), np.float64("nan")])
def test_execute_trial_fails_every_non_finite_real_objective(v):
    task = Task(0, 0, 1, {"lambda": 0.1}, {"lam": 0.1})
    row = execute_trial(lambda p, s: {"best_smooth_loss": v}, task)
    assert row["status"] == "failed" and "best_smooth_loss is" in row["error"]


# ---- 2. an integer parameter on a continuous range: each integer its whole bin ------------------
# ---- 2. the course's cyclical rate (checked right: pinned) ---------------------------------------
def _course(t, lo, hi, n_s):
    l = t // (2 * n_s)
    if 2 * l * n_s <= t <= (2 * l + 1) * n_s:
        return lo + (t - 2 * l * n_s) / n_s * (hi - lo)
    return hi - (t - (2 * l + 1) * n_s) / n_s * (hi - lo)


@pytest.mark.parametrize("n_s", [1, 2, 5, 7])
def test_cyclic_rate_is_the_course_formula_and_torchs_step_by_step(n_s):
    lo, hi = 1e-5, 0.1
    s = optim.CyclicLR(lo, hi, n_s)
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    o = torch.optim.SGD([p], lr=1.0)
    ts = torch.optim.lr_scheduler.CyclicLR(o, lo, hi, step_size_up=n_s, mode="triangular")
    for t in range(6 * n_s + 1):
        assert math.isclose(s(t), _course(t, lo, hi, n_s), rel_tol=1e-12)
        assert math.isclose(s(t), o.param_groups[0]["lr"], rel_tol=1e-12)
        o.step()
        ts.step()
    assert s(0) == lo and s(n_s) == hi and s(2 * n_s) == lo  # the turning points exactly
