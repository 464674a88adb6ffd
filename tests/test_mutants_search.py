"""Pure unit tests of the search's ranking, statistics and results rendering, written against
mutants that passed the rest of the suite: a minimized metric ranked as maximized, a loss
comparison or target judged as if higher were better, ties claimed as differences, ..."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl.search import SearchResult, SearchSpec, parse_param, trial_rng, trial_seed
from tinygrad_dl.search.render import render_block, row_values
from tinygrad_dl.search.run import best_rows, round_ranges
from tinygrad_dl.search.space import ParamSpec
from tinygrad_dl.search.stats import MIN_SEEDS, Difference, Summary, compare, versus_target


# ---- ranking a minimized metric (the char-RNN's smooth loss) -------------------------------
def _loss_rows(losses: list[float], lams: list[float] | None = None) -> dict[int, dict]:
    lams = lams or [10.0 ** -(1 + i % 4) for i in range(len(losses))]
    return {i: {"trial": i, "round": 0, "lambda": lam, "seed": i, "status": "ok",
                "best_smooth_loss": loss}
            for i, (loss, lam) in enumerate(zip(losses, lams))}


def test_best_rows_of_a_minimized_metric_puts_the_lowest_loss_first():
    rows = list(_loss_rows([3.0, 1.0, 2.0, 5.0]).values())
    ranked = best_rows(rows, metric="best_smooth_loss", maximize=False)
    assert [r["best_smooth_loss"] for r in ranked] == [1.0, 2.0, 3.0, 5.0]
    # and a maximized one the highest first
    assert [r["best_smooth_loss"] for r in best_rows(rows, metric="best_smooth_loss")] == [
        5.0, 3.0, 2.0, 1.0]


def test_a_char_rnn_search_names_its_lowest_loss_trial_best(tmp_path):
    spec = SearchSpec("char-rnn", [parse_param("lambda=log10:-5:-1")], trials=4)
    assert not spec.maximize and spec.objective == "best_smooth_loss"
    rows = list(_loss_rows([3.0, 1.0, 2.0, 5.0]).values())
    result = SearchResult(spec, rows, tmp_path, [spec.params])
    assert result.best["trial"] == 1
    assert "best smooth loss 1.0000" in result.summary()


def test_refinement_of_a_char_rnn_search_centres_on_the_lowest_losses():
    # low losses at small lambda (1e-5, 1e-4.5), high losses at large lambda (1e-2, 1e-1)
    lams = [1e-5, 10 ** -4.5, 1e-2, 1e-1]
    rows = _loss_rows([0.5, 0.6, 4.0, 5.0], lams)
    spec = SearchSpec("char-rnn", [parse_param("lambda=log10:-5:-1")], trials=4, refine=1,
                      top_k=2, widen=0.0)
    r1 = round_ranges(spec, rows)[1][0]
    assert r1.low == pytest.approx(-5.0) and r1.high == pytest.approx(-4.0)  # 1/4 of 4 wide


# ---- the default top-k, the trial seed's stream --------------------------------------------
@pytest.mark.parametrize("trials", [1, 4, 8, 9, 40])
def test_default_top_k_is_a_quarter_of_the_trials_but_at_least_two(trials):
    spec = SearchSpec("two-layer", [parse_param("lambda=log10:-5:-1")], trials=trials)
    assert spec.k == max(2, trials // 4)
    assert SearchSpec("two-layer", spec.params, trials=trials, top_k=3).k == 3


@pytest.mark.parametrize("trials", [4, 8])
def test_the_default_top_k_narrows_around_that_many_best_trials(trials):
    # k = 2 for 4 and for 8 trials: the 2 best span lambda 1e-5..1e-3 (the 3rd best: 1e-1)
    lams = [1e-5, 1e-3, 1e-1] + [1e-2] * (trials - 3)
    accs = [0.9, 0.8, 0.7] + [0.1] * (trials - 3)
    rows = {i: {"trial": i, "round": 0, "lambda": lam, "seed": i, "status": "ok",
                "best_val_acc": a} for i, (lam, a) in enumerate(zip(lams, accs))}
    spec = SearchSpec("two-layer", [parse_param("lambda=log10:-5:-1")], trials=trials,
                      refine=1, widen=0.0)
    r1 = round_ranges(spec, rows)[1][0]
    assert (r1.low, r1.high) == pytest.approx((-5.0, -3.0))


def test_the_training_seed_is_drawn_from_a_stream_apart_from_the_parameters():
    for seed in (0, 7):
        for t in range(50):
            sampler = trial_rng(seed, t).bit_generator.seed_seq
            # the parameters' generator is not seeded from the training seed's stream
            assert trial_seed(seed, t) != int(sampler.generate_state(1)[0])
        assert len({trial_seed(seed, t) for t in range(50)}) == 50


# ---- the search space ---------------------------------------------------------------------
class _FixedUniform:
    """A generator whose uniform draw is always `u`."""

    def __init__(self, u: float) -> None:
        self.u = u

    def uniform(self, low: float, high: float) -> float:
        return self.u


def test_an_integer_parameter_on_a_continuous_range_rounds_to_the_nearest_integer():
    p = ParamSpec("n_batch", "uniform", 5.0, 20.0)
    assert p.sample(_FixedUniform(10.7)) == 11
    assert p.sample(_FixedUniform(10.3)) == 10
    q = ParamSpec("n_batch", "log10", 0.0, 2.0)
    assert q.sample(_FixedUniform(np.log10(10.7))) == 11


def test_narrowed_widens_by_a_tenth_of_the_span_by_default():
    p = parse_param("dropout=uniform:0:0.9")
    n = p.narrowed([0.2, 0.6])
    assert (n.low, n.high) == pytest.approx((0.16, 0.64))


# ---- the statistics -----------------------------------------------------------------------
def test_identical_values_per_seed_claim_no_difference():
    a = {s: 1.0 for s in range(MIN_SEEDS)}
    d = compare(a, dict(a))
    assert d.diff == 0 and d.se == 0 and d.enough
    assert not d.shown and d.sign == 0
    assert not Difference(0.0, 0.0, MIN_SEEDS, False).shown


def test_a_mean_exactly_at_the_target_with_no_spread_is_undecided():
    s = Summary(MIN_SEEDS, 5.0, 0.0, 0.0, 5.0, 5.0)
    assert versus_target(s, 5.0) == "undecided"
    assert versus_target(s, 5.0, higher_is_better=False) == "undecided"
    assert versus_target(s, 4.0) == "met" and versus_target(s, 6.0) == "missed"


def test_unpaired_comparison_counts_the_smaller_number_of_seeds():
    a = {s: float(s % 3) for s in range(MIN_SEEDS)}
    b = {100 + s: float(s % 5) for s in range(MIN_SEEDS + 5)}
    d = compare(a, b)
    assert not d.paired and d.n == MIN_SEEDS
    d2 = compare(b, a)
    assert d2.n == MIN_SEEDS


def test_two_common_seeds_are_compared_paired():
    d = compare({0: 1.0, 1: 3.0, 5: 9.0}, {0: 0.0, 1: 1.0, 7: 4.0})
    assert d.paired and d.n == 2
    assert d.diff == pytest.approx(1.5) and d.se == pytest.approx(0.5)


# ---- the results table --------------------------------------------------------------------
def _setting(name: str, values: list[float], metric: str = "smooth_loss", target=None,
             extra_runs: list[dict] | None = None) -> dict:
    runs = [{"seed": s, "status": "ok", metric: v, "train_seconds": 10.0}
            for s, v in enumerate(values)]
    return {"name": name, "label": name.upper(), "metric": metric, "target": target,
            "course": "", "runs": runs + (extra_runs or [])}


def _table_row(block: str, label: str) -> list[str]:
    line = next(ln for ln in block.split("\n") if ln.startswith(f"| {label} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def _losses(mean: float) -> list[float]:
    return [mean + 0.01 * ((s % 5) - 2) for s in range(MIN_SEEDS)]


def test_a_loss_comparison_names_the_lower_loss_the_winner():
    low, high = _setting("low", _losses(1.0)), _setting("high", _losses(2.0))
    for a, b in ((low, high), (high, low)):
        doc = {"settings": [a, b],
               "comparisons": [{"a": a["name"], "b": b["name"], "question": "q?"}]}
        block = render_block(doc)
        assert "**LOW: lower smooth loss**" in block
        assert "**HIGH: lower smooth loss**" not in block


def test_an_accuracy_comparison_names_the_higher_accuracy_the_winner():
    good = _setting("good", [0.5 + 0.001 * (s % 3) for s in range(MIN_SEEDS)], "test_acc")
    bad = _setting("bad", [0.4 + 0.001 * (s % 3) for s in range(MIN_SEEDS)], "test_acc")
    for a, b in ((good, bad), (bad, good)):
        doc = {"settings": [a, b],
               "comparisons": [{"a": a["name"], "b": b["name"], "question": "q?"}]}
        assert "**GOOD: higher test accuracy**" in render_block(doc)


@pytest.mark.parametrize("target, verdict", [(1.5, "met"), (0.5, "missed")])
def test_a_loss_target_is_met_below_it(target, verdict):
    doc = {"settings": [_setting("loss", _losses(1.0), target=target)]}
    cells = _table_row(render_block(doc), "LOSS")
    assert cells[6] == f"≤ {target:g}: {verdict}"


@pytest.mark.parametrize("target, verdict", [(0.45, "met"), (0.55, "missed")])
def test_an_accuracy_target_is_met_above_it(target, verdict):
    acc = _setting("acc", [0.5 + 0.001 * (s % 3) for s in range(MIN_SEEDS)], "test_acc",
                   target=target)
    cells = _table_row(render_block({"settings": [acc]}), "ACC")
    assert cells[6] == f"≥ {target * 100:g}%: {verdict}"


def test_failed_runs_leave_the_mean_and_the_seconds_alone():
    failed = [{"seed": 7, "status": "failed", "smooth_loss": 100.0, "train_seconds": None},
              {"seed": 8, "status": "failed", "smooth_loss": None, "train_seconds": None}]
    st = _setting("loss", [1.0, 2.0, 3.0], extra_runs=failed)
    assert row_values(st) == {0: 1.0, 1: 2.0, 2: 3.0}
    cells = _table_row(render_block({"settings": [st]}), "LOSS")
    assert cells[2].startswith("2.00 ± ")  # mean of the three successful runs
    assert cells[5].startswith("3 (2 failed)")
    assert cells[8] == "10"  # 30 s over the three runs that have a time, not over five
