"""Second review of the search's objective check and integer sampling (tests fail on the first
review's version)."""

import decimal
import fractions
import json

import numpy as np
import pytest

from tinygrad_dl.search import SearchSpec, parse_param, run_search
from tinygrad_dl.search.worker import Task, execute_trial

TASK = Task(0, 0, 1, {"lambda": 0.1}, {"lam": 0.1})


@pytest.mark.parametrize("v", [np.array(np.nan), np.array(np.float32("-inf")), 10**400],
                         ids=["0d-nan", "0d-f32-inf", "huge-int"])
def test_a_non_finite_0d_array_or_huge_int_objective_is_failed_with_its_value(v):
    row = execute_trial(lambda p, s: {"best_val_acc": v, "test_acc": 0.5}, TASK)
    assert row["status"] == "failed" and row["error"].startswith("FloatingPointError: best_val")
    assert "best_val_acc" not in row  # (the 0-d NaN was an "ok" row holding null)
    json.dumps(row)


@pytest.mark.parametrize("v", ["0.5", True, np.bool_(True), [0.5], np.array([0.5]),
                               complex(0.5, 0), np.complex64(0.5)])
def test_an_objective_that_is_no_real_number_is_a_failed_trial_saying_so(v):
    row = execute_trial(lambda p, s: {"best_smooth_loss": v}, TASK)
    assert row["status"] == "failed", row
    assert row["error"].startswith("TypeError: best_smooth_loss is ")
    assert "not a real number" in row["error"]
    json.dumps(row)  # (a complex one was kept in the row: the search crashed writing it)


@pytest.mark.parametrize("v, want", [(np.array(0.25), 0.25), (np.float32(0.5), 0.5),
                                     (decimal.Decimal("0.5"), 0.5),
                                     (fractions.Fraction(1, 4), 0.25)])
def test_a_real_objective_of_any_type_is_saved_as_a_python_number(v, want):
    row = execute_trial(lambda p, s: {"best_val_acc": v}, TASK)
    assert row["status"] == "ok" and row["best_val_acc"] == want
    assert type(row["best_val_acc"]) is type(want)
    json.dumps(row)


def test_a_search_survives_odd_objectives_and_resumes(tmp_path):
    """Before: a Decimal or complex objective crashed run_search writing results.json; a string
    or bool one was saved in an "ok" row, and the resumed search refused the whole table."""
    odd = ["0.5", True, complex(0.5, 0), decimal.Decimal("0.75"), np.array(np.nan)]

    def trial(params, seed):
        return {"best_val_acc": odd[seed % len(odd)] if params["lam"] > 1e-3 else 0.25}

    spec = SearchSpec("two-layer", [parse_param("lambda=log10:-5:-1")], trials=10)
    res = run_search(spec, tmp_path / "s", trial, progress=False, plot=False)
    for r in res.rows:
        assert r["status"] == "failed" or r["best_val_acc"] in (0.25, 0.75), r
    again = run_search(spec, tmp_path / "s", trial, progress=False, plot=False)
    assert [r["status"] for r in again.rows] == [r["status"] for r in res.rows]
