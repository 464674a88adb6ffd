"""Search semantics against hand references and exact statistics: the samplers' laws (KS and
chi-square at fixed thresholds, seeded), coarse-to-fine narrowing as docs/search.md defines it,
the choice of the best trial, per-trial seeds, fixed settings, and stats.py by hand."""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

import numpy as np
import pytest

from tinygrad_dl.search import SearchSpec, best_rows, parse_param, run_search, trial_seed
from tinygrad_dl.search.run import trial_rng
from tinygrad_dl.search.stats import compare, summarize, versus_target

N = 10_000
KS_CRIT = 1.63 / math.sqrt(N)  # the KS statistic's 1% critical value
CHI2_CRIT = {1: 10.83, 2: 13.82, 10: 29.59}  # chi-square's 0.1% critical values by df


def draws(text: str, n: int = N, seed: int = 0) -> tuple:
    p = parse_param(text)
    return p, [p.sample(trial_rng(seed, t)) for t in range(n)]


def ks_uniform(x: np.ndarray) -> float:
    """The KS statistic of `x` (values in [0, 1]) against U(0, 1)."""
    x = np.sort(x)
    n = len(x)
    i = np.arange(1, n + 1)
    return float(max((i / n - x).max(), (x - (i - 1) / n).max()))


def chi2(counts: np.ndarray, probs: np.ndarray) -> float:
    e = probs * counts.sum()
    return float(((counts - e) ** 2 / e).sum())


# ---------------------------------------------------------------- the samplers' laws
@pytest.mark.parametrize("text", ["lambda=log10:-5:-1", "eta_max=log10:-2:-1",
                                  "lambda=uniform:0:0.1", "momentum=uniform:0.5:0.99"])
def test_continuous_draws_follow_their_law(text):
    p, v = draws(text)
    v = np.asarray(v, dtype=np.float64)
    lo, hi = p.value_bounds()
    assert ((v >= lo) & (v <= hi)).all()
    x = np.log10(v) if p.is_log else v
    assert ks_uniform((x - p.low) / (p.high - p.low)) < KS_CRIT


@pytest.mark.parametrize("text,support,probs", [
    ("n_batch=int:10:20", list(range(10, 21)), [1 / 11] * 11),  # inclusive at both ends
    ("m=int:3:4", [3, 4], [0.5, 0.5]),
    ("n_batch=choice:50,100,200", [50, 100, 200], [1 / 3] * 3),
    ("m=uniform:3:5", [3, 4, 5], [0.25, 0.5, 0.25]),  # rounded: ends half as often (docs)
])
def test_discrete_draws_follow_their_law(text, support, probs):
    _, v = draws(text)
    v = np.asarray(v)
    counts = np.array([(v == s).sum() for s in support])
    assert counts.sum() == N  # nothing outside the support
    assert chi2(counts, np.array(probs)) < CHI2_CRIT[len(support) - 1]


@pytest.mark.parametrize("text,value", [("m=choice:7", 7), ("m=uniform:3.2:4.9", 4),
                                        ("m=log10:0.6:0.65", 4)])
def test_a_range_of_one_point_always_gives_it(text, value):
    _, v = draws(text, 500)
    assert set(v) == {value} and all(type(x) is int for x in v)


def test_trial_seeds_are_distinct_and_reproducible():
    seeds = [trial_seed(3, t) for t in range(20_000)]
    assert len(set(seeds)) == len(seeds)
    assert seeds[:50] == [trial_seed(3, t) for t in range(50)]
    assert trial_seed(3, 0) != trial_seed(4, 0)


# ---------------------------------------------------------------- coarse-to-fine
def test_narrowed_matches_the_documented_rule_by_hand():
    p = parse_param("lambda=log10:-5:-1")
    q = p.narrowed([10**-3.5, 10**-2.5])  # span 1, widened 10% each side
    assert (q.low, q.high) == pytest.approx((-3.6, -2.4), abs=1e-12)
    q = p.narrowed([10**-1.0] * 3)  # one value at the top edge: a quarter of the width, inside
    assert (q.low, q.high) == pytest.approx((-2.0, -1.0), abs=1e-12)
    q = p.narrowed([1e-5])  # at the bottom edge
    assert (q.low, q.high) == pytest.approx((-5.0, -4.0), abs=1e-12)
    c = parse_param("n_batch=choice:50,100,200").narrowed([100, 200, 100])
    assert c.choices == (100, 200)


def test_narrowing_stays_inside_keeps_the_best_and_a_quarter_of_the_width():
    rng = np.random.default_rng(7)
    texts = ["lambda=log10:-5:-1", "eta=uniform:0.01:0.2", "n_batch=int:1:100",
             "m=log10:0:3", "m=uniform:3:60"]
    for _ in range(600):
        p = parse_param(str(rng.choice(texts)))
        for _ in range(3):
            k = int(rng.integers(1, 5))
            vals = [p.sample(np.random.default_rng(int(rng.integers(2**31)))) for _ in range(k)]
            q = p.narrowed(vals)
            scale = (lambda x: math.log10(x)) if p.is_log else (lambda x: x)
            assert p.low - 1e-12 <= q.low < q.high <= p.high + 1e-12
            assert q.high - q.low >= 0.25 * (p.high - p.low) - 1e-12
            assert all(q.low - 1e-9 <= scale(v) <= q.high + 1e-9 for v in vals)
            if p.info.kind is int:
                lo, hi = q.int_bounds()
                assert all(lo <= v <= hi for v in vals)
            p = q


# ---------------------------------------------------------------- the best trial
def test_nan_failed_and_missing_results_are_never_best():
    rows = [{"trial": 0, "status": "ok", "best_val_acc": math.nan},
            {"trial": 1, "status": "failed", "best_val_acc": 0.9},
            {"trial": 2, "status": "ok", "best_val_acc": None},
            {"trial": 3, "status": "ok", "best_val_acc": math.inf},
            {"trial": 4, "status": "ok", "best_val_acc": 0.3},
            {"trial": 5, "status": "ok", "best_val_acc": 0.4},
            {"trial": 6, "status": "ok", "best_val_acc": 0.4}]
    assert [r["trial"] for r in best_rows(rows)] == [5, 6, 4]  # ties: the lower trial
    loss = [{**r, "best_smooth_loss": r.pop("best_val_acc")} for r in rows]
    got = best_rows(loss, 2, "best_smooth_loss", maximize=False)
    assert [r["trial"] for r in got] == [4, 5]


def fake_trial(params: dict, seed: int) -> dict:
    """Echoes what it was given: ties are common, lambda below 2e-5 diverges (NaN)."""
    acc = round(0.5 - (math.log10(params["lam"]) + 3) ** 2 / 40, 2)
    if params["lam"] < 2e-5:
        acc = math.nan
    return {"best_val_acc": acc, "train_cost": float(params["epochs"]),
            "val_cost": float(len(params)), "test_acc": float(seed % 1000)}


def test_search_rows_best_fixed_settings_and_narrowing_by_hand(tmp_path):
    s = SearchSpec("two-layer", [parse_param("lambda=log10:-5:-1")], {"epochs": 3}, 8, 1, 0)
    res = run_search(s, tmp_path / "a", fake_trial, jobs=1, progress=False, plot=False)
    assert [r["seed"] for r in res.rows] == [trial_seed(0, t) for t in range(16)]
    ok = [r for r in res.rows if r["status"] == "ok"]
    assert all(r["train_cost"] == 3.0 and r["val_cost"] == 2.0 for r in ok)  # fixed, exactly
    assert all(r["test_acc"] == r["seed"] % 1000 for r in ok)
    assert all(r["status"] == "failed" for r in res.rows if r["lambda"] < 2e-5)
    top = sorted(ok, key=lambda r: (-r["best_val_acc"], r["trial"]))
    assert res.best["trial"] == top[0]["trial"]
    r0 = [r for r in top if r["round"] == 0][: s.k]
    lo, hi = (f(math.log10(r["lambda"]) for r in r0) for f in (min, max))
    lo, hi = max(lo - 0.1 * (hi - lo), -5), min(hi + 0.1 * (hi - lo), -1)
    assert hi - lo >= 1  # (the seed's draws: the 10% widening rule, not the quarter floor)
    assert (res.ranges[1][0].low, res.ranges[1][0].high) == pytest.approx((lo, hi), abs=1e-12)


@pytest.mark.slow
def test_jobs_one_and_two_give_the_same_trials_and_results(tmp_path):
    s = SearchSpec("two-layer", [parse_param("lambda=log10:-5:-1")], {"epochs": 2}, 6, 1, 5)
    a = run_search(s, tmp_path / "a", fake_trial, jobs=1, progress=False, plot=False)
    b = run_search(s, tmp_path / "b", fake_trial, jobs=2, progress=False, plot=False)
    key = ("trial", "round", "lambda", "seed", "status", "best_val_acc", "train_cost", "error")
    assert [[r.get(k) for k in key] for r in a.rows] == [[r.get(k) for k in key] for r in b.rows]


# ---------------------------------------------------------------- stats against hand formulas
def test_summary_of_one_and_two_seeds_by_hand():
    s = summarize([0.7])
    assert (s.n, s.mean, s.lo, s.hi) == (1, 0.7, 0.7, 0.7)
    assert math.isnan(s.sd) and math.isnan(s.se)
    a, b = 0.41, 0.47
    s = summarize([a, b])
    assert s.mean == (a + b) / 2
    assert s.sd == pytest.approx(abs(a - b) / math.sqrt(2), rel=1e-15)
    assert s.se == pytest.approx(abs(a - b) / 2, rel=1e-15)


@pytest.mark.parametrize("x", [0.1, 0.2, 0.3, 0.43, 0.4287, 0.7, 0.9])
@pytest.mark.parametrize("n", [2, 3, 20, 25, 30, 50])
def test_identical_seeds_have_their_value_as_mean_and_sd_zero(x, n):
    # (before: twenty seeds of 0.4287 had mean 0.42869999999999997, sd 5.7e-17)
    s = summarize([x] * n)
    assert (s.mean, s.sd, s.se) == (x, 0.0, 0.0)


@pytest.mark.parametrize("x", [0.1, 0.3, 0.4287, 0.7])
def test_identical_seeds_at_the_target_are_undecided(x):
    # (before: twenty seeds of exactly 0.4287 "missed" a target of 0.4287, 0.1 "met" it)
    assert versus_target(summarize([x] * 20), x) == "undecided"


def test_summary_matches_exact_arithmetic_to_round_off():
    rng = np.random.default_rng(11)
    for i in range(300):
        n = int(rng.integers(2, 30))
        v = rng.normal(0.4, [1e-12, 1e-3, 0.02, 1.0][i % 4], n) * 10.0 ** int(rng.integers(-3, 4))
        s = summarize(v)
        exact = [Fraction(x) for x in v]
        mean = sum(exact) / n
        var = sum((x - mean) ** 2 for x in exact) / (n - 1)
        assert abs(s.mean - float(mean)) <= 4e-16 * np.abs(v).max()
        # (before: 2.4e-8 relative on seeds 1e-12 apart, the sd of v - v.mean()'s round-off)
        assert s.sd == pytest.approx(math.sqrt(var), rel=1e-14, abs=0)
        assert s.se == pytest.approx(math.sqrt(var / n), rel=1e-14, abs=0)
        assert s.sd == pytest.approx(statistics.stdev(v), rel=1e-12, abs=0)


def test_compare_paired_and_unpaired_by_hand():
    a = {0: 0.50, 1: 0.52, 2: 0.49, 7: 0.9}
    b = {0: 0.47, 1: 0.50, 2: 0.48, 9: 0.1}
    d = compare(a, b)  # paired over seeds 0, 1, 2
    diffs = [0.50 - 0.47, 0.52 - 0.50, 0.49 - 0.48]
    assert d.paired and d.n == 3
    assert d.diff == pytest.approx(statistics.mean(diffs), rel=1e-14)
    assert d.se == pytest.approx(statistics.stdev(diffs) / math.sqrt(3), rel=1e-14)
    u = compare({0: 0.5, 1: 0.6}, {2: 0.4, 3: 0.45, 4: 0.5})
    assert not u.paired and u.n == 2
    se = math.hypot(statistics.stdev([0.5, 0.6]) / math.sqrt(2),
                    statistics.stdev([0.4, 0.45, 0.5]) / math.sqrt(3))
    assert (u.diff, u.se) == pytest.approx((0.55 - 0.45, se), rel=1e-14)
    same = compare({s: 0.43 for s in range(25)}, {s: 0.43 for s in range(25)})
    assert (same.diff, same.se, same.shown, same.sign) == (0.0, 0.0, False, 0)


def test_values_near_the_float_range_keep_their_mean():
    s = summarize([1e308, -1e308])  # (v - v[0] overflows: no shift)
    assert s.mean == 0.0 and (s.lo, s.hi) == (-1e308, 1e308)
    assert summarize([1e308] * 3).mean == 1e308
