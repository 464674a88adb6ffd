"""The sentence logic of the assignment notebooks' discussions (tinygrad_dl.jupyter): ties,
trends and the gradient-check verdict say what the numbers say."""

from __future__ import annotations

import pytest

from tinygrad_dl.jupyter import (
    gradcheck_discussion,
    logged_every,
    one_image,
    points,
    rank_groups,
    trend,
)


def _row(p, ha, hn, an):
    return {"parameter": p, "hand vs autograd": ha, "hand vs numerical": hn,
            "autograd vs numerical": an}


def test_points_reports_a_tie_as_level() -> None:
    assert points(0.16, 0.16) == "level with"
    assert points(0.212, 0.16) == "5.20 points above"
    assert points(0.16, 0.212) == "5.20 points below"


def test_rank_groups_keeps_ties_together() -> None:
    groups = rank_groups({"a": 0.212, "b": 0.16, "c": 0.16, "d": 0.16})
    assert groups == [(0.212, ["a"]), (0.16, ["b", "c", "d"])]
    assert rank_groups({"a": 0.3, "b": 0.3}) == [(0.3, ["a", "b"])]


def test_trend_ignores_steps_within_noise() -> None:
    assert trend([0.10, 0.25, 0.26], 0.02) == "up"  # monotone, one small step
    assert trend([0.30, 0.10, 0.09], 0.02) == "down"
    assert trend([0.10, 0.30, 0.10], 0.02) == "mixed"
    assert trend([0.10, 0.11, 0.105], 0.02) == "flat"


def test_gradcheck_names_a_hand_gradient_off_by_more_than_roundoff() -> None:
    rows = [_row("U", 0.0, 5e-9, 5e-9), _row("W", 1e-5, 1.02e-5, 1.7e-7),
            _row("V", 0.0, 7.7e-6, 7.7e-6)]
    finer = [_row("U", 0.0, 2e-7, 2e-7), _row("W", 1e-5, 1e-5, 3e-7),
             _row("V", 0.0, 2e-4, 2e-4)]
    text = gradcheck_discussion(2, rows, lambda: finer)
    assert "round-off:" not in text and "disagree" in text and "W (1.0e-05)" in text
    assert "W: its hand-derived gradient is 1.0e-05 off" in text
    # the rounding-noise argument is made for V, whose own error grows, not for W
    assert "V: autograd vs numerical is 7.7e-06" in text and "2.0e-04" in text
    assert "W: autograd" not in text


def test_gradcheck_roundoff_and_finer_step_per_parameter() -> None:
    ok = [_row("W", 3e-15, 2e-10, 2e-10), _row("b", 0.0, 1e-10, 1e-10)]
    text = gradcheck_discussion(1, ok, lambda: 1 / 0)  # finer is not needed, not called
    assert "agree to 3.0e-15 (round-off" in text and "within the course's" in text
    # an error that does not grow at the finer step is not called rounding noise, even when
    # another parameter's error grows
    rows = [_row("W", 0.0, 5e-6, 5e-6), _row("b", 0.0, 1e-9, 1e-9)]
    finer = [_row("W", 0.0, 5e-6, 5e-6), _row("b", 0.0, 1e-3, 1e-3)]
    text = gradcheck_discussion(1, rows, lambda: finer)
    assert "rounding noise" not in text and "does not grow" in text and "W:" in text


def test_logged_every_reads_the_history_axis() -> None:
    assert logged_every({"epoch": [1.0, 2.0, 3.0], "step": [3, 6, 9]}) == "epoch"
    assert logged_every({"epoch": [0.33, 0.67, 1.0], "step": [1, 2, 3]}) == "update step"
    assert logged_every({"epoch": [0.5, 1.0, 1.5], "step": [5, 10, 15]}) == "5 update steps"


def test_one_image_is_counted_on_the_images_the_accuracies_were_measured_on() -> None:
    """a2 in quick mode with real data said 'With 200 validation images one image is 0.50
    points' of a search measured on 5,000 images (found 2026-12-03)."""
    assert one_image([5000, 5000]) == ("With 5,000 validation images one image is 0.02 points, "
                                       "so close trials are within the noise.")
    assert "With 200 validation images one image is 0.50 points" in one_image([200])
    assert "one image is 0.10 points" in one_image([1000])
    assert "one image is 0.002 points" in one_image([50_000])
    assert "With 1 validation image one image is 100.00 points" in one_image([1])
    # unknown (rows saved before the count was recorded) or differing: no resolution claimed
    assert one_image([5000, None]) == one_image([]) == one_image([200, 5000]) == ""
    assert one_image([0]) == one_image([True]) == ""


# ---- boundaries and directions the sentences turn on (mutation-testing survivors) ----------
def test_points_calls_a_visible_gap_a_gap() -> None:
    assert points(0.1604, 0.16) == "0.04 points above"  # shown as 0.04: not "level with"
    assert points(0.16, 0.1604) == "0.04 points below"
    assert points(0.16004, 0.16) == "level with"  # 0.004 points: 0.00 at 2 decimals


def test_rank_groups_includes_a_score_exactly_tol_from_the_first_tie() -> None:
    # binary fractions, so the differences are exactly 0.25 and 0.5
    assert rank_groups({"a": 0.75, "b": 0.5, "c": 0.25}, tol=0.25) == [
        (0.75, ["a", "b"]), (0.25, ["c"])]  # c is 0.5 from the group's first score


def test_trend_ignores_a_small_step_against_the_direction() -> None:
    assert trend([0.10, 0.25, 0.24, 0.40], 0.02) == "up"  # -0.01 is within the noise
    assert trend([0.40, 0.24, 0.25, 0.10], 0.02) == "down"
    assert trend([0.10, 0.25, 0.22, 0.40], 0.02) == "mixed"  # -0.03 is not


def test_gradcheck_rounding_noise_only_for_the_error_that_grows_at_the_finer_step() -> None:
    rows = [_row("W", 0.0, 5e-6, 5e-6), _row("b", 0.0, 4e-6, 4e-6)]
    finer = [_row("W", 0.0, 3e-4, 3e-4), _row("b", 0.0, 1e-6, 1e-6)]  # W grows, b shrinks
    text = gradcheck_discussion(3, rows, lambda: finer)
    notes = text.split("; ")
    w = next(s for s in notes if "W: autograd" in s)
    b = next(s for s in notes if "b: autograd" in s)
    assert "it grows to 3.0e-04, the signature of rounding noise" in w and "look at" not in w
    assert "gives 1.0e-06 (it does not grow): look at that parameter's gradient" in b
    assert "rounding noise" not in b


def test_gradcheck_hand_vs_autograd_between_roundoff_and_threshold_is_a_disagreement() -> None:
    rows = [_row("W", 1e-8, 2e-10, 2e-10), _row("b", 0.0, 1e-10, 1e-10)]
    text = gradcheck_discussion(1, rows, None)
    assert "**disagree** beyond round-off (over 1e-10) for W (1.0e-08)" in text
    assert "that parameter" in text and "round-off: they compute" not in text
    assert "within the course's 1e-06 threshold" in text  # the finite differences still match


def test_gradcheck_an_error_exactly_at_the_threshold_is_over_it() -> None:
    rows = [_row("W", 0.0, 1e-6, 1e-6), _row("b", 0.0, 1e-10, 1e-10)]
    text = gradcheck_discussion(1, rows, None, threshold=1e-6)
    assert "above the course's 1e-06 threshold for W: autograd vs numerical is 1.0e-06" in text
    assert "within the course's" not in text


# ---- found 2026-12-03 by mutation testing: two sentence helpers were wrong -----------------------
@pytest.mark.parametrize(("values", "tol", "want"), [
    ([0.5, 0.3, 0.1], 0.25, "down"),  # every step within tol, the drift beyond it: read "up"
    ([0.30, 0.285, 0.27], 0.02, "down"),  # (the a1 notebook's TOL): read "up"
    ([0.1, 0.3, 0.5], 0.25, "up"),
    ([0.5, 0.0], 0.5, "flat"),  # all within tol of each other: read "up"
])
def test_trend_reads_a_drift_of_small_steps(values, tol, want):
    assert trend(values, tol) == want


def test_logged_every_reads_the_usual_gap_not_the_short_last_one():
    """Steps 0, 5, 10, 15, 17 (eval_every 5, a run of 17 updates) read '2 update steps'."""
    h = {"epoch": [0.0, 0.5, 1.0, 1.5, 1.7], "step": [0, 5, 10, 15, 17]}
    assert logged_every(h) == "5 update steps"
    rnn = {"epoch": [0.001, 0.1, 0.2, 0.25], "step": [1, 100, 200, 250]}  # first, every 100, last
    assert logged_every(rnn) == "100 update steps"
