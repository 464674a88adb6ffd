"""The training plots show the data they claim: read back from the returned Figure (lines,
images, texts) against the inputs; a wrong input is one clear ValueError, never a plot of
something else."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.train.history import History
from tinygrad_dl.viz import (
    confusion_matrix,
    plot_confusion_matrix,
    plot_learning_curves,
    plot_lr_schedule,
    plot_smooth_loss,
    plot_weight_templates,
    template_smoothness,
)


# ---- confusion matrix ------------------------------------------------------------------------
def test_one_hot_labels_are_refused_not_counted_as_pairs_of_0_and_1() -> None:
    """Before: one-hot y_true and y_pred (6, 10) were flattened to 60 labels of 0/1 and counted
    into cells (0,0), (0,1), (1,0), (1,1) of the 10x10 matrix: 60 samples, none where it was."""
    eye = np.eye(10)
    with pytest.raises(ValueError, match=r"one per sample, got shape \(6, 10\).*argmax"):
        confusion_matrix(eye[[0, 1, 2, 3, 4, 5]], eye[[0, 1, 2, 3, 5, 5]], 10)
    # a column of labels (N, 1) is still one label per sample
    assert confusion_matrix(np.array([[1], [2]]), np.array([1, 2]), 3).trace() == 2


def test_uint8_labels_of_many_classes_land_in_their_own_cell() -> None:
    """Before: t * K + p was computed in uint8: label 29 of K = 30 classes (CIFAR-100's labels
    are uint8 too) wrapped to cell (4, 11)."""
    t = np.array([29, 0, 99], dtype=np.uint8)
    cm = confusion_matrix(t, t, 100)
    assert cm[29, 29] == cm[0, 0] == cm[99, 99] == 1 and cm.sum() == 3
    assert confusion_matrix(np.array([100], np.int8), np.array([100], np.int8), 200)[100, 100]


@pytest.mark.parametrize("bad, shown", [(1e20, "1e+20"), (np.nan, "nan"), (3.7, "3.7")])
def test_a_float_label_that_is_no_class_is_named(bad: float, shown: str) -> None:
    """Before: 1e20 was cast to int64 first and reported as -9223372036854775808."""
    with pytest.raises(ValueError, match=f"must be integers, got {re.escape(shown)}"):
        confusion_matrix(np.array([1.0, bad]), np.array([1, 1]), 4)
    assert confusion_matrix(np.array([3.0, 1.0]), np.array([3, 1]), 4).trace() == 2


@pytest.mark.parametrize("K", [2.5, -1, True])
def test_a_K_that_is_no_number_of_classes_is_one_line(K: object) -> None:
    with pytest.raises(ValueError, match="K must be a number of classes"):
        confusion_matrix(np.array([1, 1]), np.array([1, 1]), K)


def test_fewer_class_names_than_classes_says_so() -> None:
    with pytest.raises(ValueError, match=r"2 class names.*\[0, 2\).*up to 2"):
        plot_confusion_matrix([0, 1, 2], [0, 1, 2], ["a", "b"])


def test_a_class_without_samples_reads_no_fraction_not_zero_recall() -> None:
    """Before: with normalize, the row of a class that has no test sample read 0.00 0.00 0.00,
    as if it were never recalled (0/0 shown as 0)."""
    fig = plot_confusion_matrix([0, 0, 1], [0, 1, 1], ["a", "b", "c"], normalize=True)
    ax = fig.axes[0]
    shown = np.ma.filled(ax.images[0].get_array().astype(float), np.nan)
    np.testing.assert_array_equal(shown[:2], [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]])
    assert np.isnan(shown[2]).all()
    texts = [t.get_text() for t in ax.texts]
    assert texts[6:] == ["–", "–", "–"] and texts[:6] == ["0.50", "0.50", "0.00", "0.00",
                                                          "1.00", "0.00"]
    # counts: the empty row is zeros, as counted
    counts = plot_confusion_matrix([0, 0, 1], [0, 1, 1], ["a", "b", "c"])
    assert [t.get_text() for t in counts.axes[0].texts][6:] == ["0", "0", "0"]


# ---- learning curves, schedule, smooth loss --------------------------------------------------
def _lines(fig) -> list[tuple[str, list[float], list[float]]]:
    return [(ln.get_label(), list(ln.get_xdata()), list(ln.get_ydata()))
            for ax in fig.axes for ln in ax.get_lines()]


@pytest.mark.parametrize("cols", [
    {"epoch": [1, 2, 3, 4], "train_loss": [4, 3, 2, 1], "val_loss": [3.5, 1.5]},
    {"train_loss": [4, 3, 2, 1], "val_loss": [3.5, 1.5]},
    {"epoch": [1, 2], "train_loss": [4, 3, 2, 1]},
])
def test_columns_of_different_lengths_are_refused(cols: dict) -> None:
    """Before: a val_loss measured every 2nd epoch, given as 2 values beside 4 training ones,
    was drawn at epochs 1 and 2 (or an epoch column of another length silently fell back to
    the row number)."""
    with pytest.raises(ValueError, match="columns of different lengths"):
        plot_learning_curves(cols)


def test_validation_every_second_step_is_drawn_at_its_steps() -> None:
    h = History()
    for s in range(1, 7):
        h.log(step=s, epoch=s / 3, train_loss=10 - s, **({"val_loss": 9 - s} if s % 2 == 0 else {}))
    fig = plot_learning_curves(h)
    assert fig.axes[0].get_xlabel() == "update step"
    assert _lines(fig) == [("training", [1, 2, 3, 4, 5, 6], [9, 8, 7, 6, 5, 4]),
                           ("validation", [2, 4, 6], [7, 5, 3])]


@pytest.mark.parametrize("plot, col", [(plot_lr_schedule, "eta"),
                                       (plot_smooth_loss, "smooth_loss")])
def test_a_step_column_of_another_length_is_refused(plot, col: str) -> None:
    """Before: the row number was plotted, labelled 'update step'."""
    with pytest.raises(ValueError, match="step column has 2 entries"):
        plot({"step": [100, 200], col: [0.1, 0.2, 0.3]})
    assert _lines(plot({"step": [100, 200], col: [0.1, 0.2]}))[0][1] == [100, 200]


def test_smooth_loss_title_of_a_saved_history_with_a_non_finite_final_value(
        tmp_path: Path) -> None:
    """Before: history.json holds no inf (saved as null), so a reloaded history's meta
    final_smooth_loss was None and the plot raised TypeError (NoneType.__format__)."""
    h = History(meta={"final_smooth_loss": float("inf"), "best_smooth_loss": 2.5})
    h.log(step=1, smooth_loss=3.0)
    h.log(step=2, smooth_loss=2.5)
    h.save(tmp_path / "h.json")
    fig = plot_smooth_loss(History.load(tmp_path / "h.json"))
    assert fig.axes[0].get_title() == "char-RNN smooth loss (last nan/inf, best 2.5000)"


# ---- weight templates ------------------------------------------------------------------------
@pytest.mark.parametrize("K", [3, 10, 12])
@pytest.mark.parametrize("f", [plot_weight_templates, template_smoothness])
def test_a_transposed_W_is_refused(f, K: int) -> None:
    """Before: W.T of 3 (or 12) classes, (3072, K), passed as 3072 templates of 1x1 (2x2)
    pixels: 3072 values of template_smoothness, 3072 panels."""
    W = np.random.default_rng(0).normal(size=(3072, K))
    with pytest.raises(ValueError, match=rf"shape \(3072, {K}\).*pass W\.T"):
        f(W)


def test_a_template_holding_nan_is_refused_not_drawn_flat_grey() -> None:
    """Before: one NaN weight made the min and max NaN and the template a uniform grey, as a
    constant one; its smoothness read 0.0 ('pixel noise')."""
    W = np.random.default_rng(0).normal(size=(4, 3072))
    W[1, 5], W[2, 7] = np.nan, np.inf
    with pytest.raises(ValueError, match=r"classes \[1, 2\] hold NaN/inf"):
        plot_weight_templates(W)
    with np.errstate(all="raise"):  # (no inf - inf RuntimeWarning either)
        s = template_smoothness(W)
    assert np.isnan(s[[1, 2]]).all() and np.isfinite(s[[0, 3]]).all()
    np.testing.assert_array_equal(s[[0, 3]], template_smoothness(W[[0, 3]]))


def test_empty_W_is_one_line() -> None:
    with pytest.raises(ValueError, match="no rows"):  # (was ZeroDivisionError)
        plot_weight_templates(np.zeros((0, 3072)))


def test_templates_are_channel_first_and_constant_ones_grey() -> None:
    W = np.zeros((2, 3072))
    W[0, 1024 + 32 * 3 + 5] = 1.0  # green channel, row 3, column 5
    W[1] = 7.0
    fig = plot_weight_templates(W, ["a", "b"])
    img = np.asarray(fig.axes[0].images[0].get_array())
    assert img.shape == (32, 32, 3) and np.argwhere(img > 0).tolist() == [[3, 5, 1]]
    assert np.unique(np.asarray(fig.axes[1].images[0].get_array())).tolist() == [0.5]
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]


# ---- search plot -----------------------------------------------------------------------------
def _search_points(tmp_path: Path, rows: list[dict], best: dict, data_id: str | None
                   ) -> dict[str, list[tuple[float, float]]]:
    """plot_search's scatter calls per legend label: (x, y) points."""
    from types import SimpleNamespace

    import matplotlib.axes

    from tinygrad_dl.search.space import parse_param
    from tinygrad_dl.viz import plot_search

    lam = parse_param("lambda=log10:-5:-1")
    spec = SimpleNamespace(params=[lam], objective="best_val_acc", maximize=True, rounds=1,
                           model="two-layer", data_id=data_id)
    result = SimpleNamespace(spec=spec, rows=rows, best=best, ranges=[[lam]])
    drawn: dict[str, list[tuple[float, float]]] = {}
    real = matplotlib.axes.Axes.scatter

    def spy(self, x, y, *a, **k):
        drawn.setdefault(k.get("label"), []).extend(zip(x, y))
        return real(self, x, y, *a, **k)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(matplotlib.axes.Axes, "scatter", spy)
        assert plot_search(result, tmp_path / "search.png").exists()
    return drawn


def test_search_trials_of_other_data_are_not_drawn_as_ranked_points(tmp_path: Path) -> None:
    """Before: a trial trained on other data (which never counts as best) was drawn as one of
    the round's points, above the starred best, with nothing saying why it was not best."""
    mine = {"trial": 0, "round": 0, "status": "ok", "lambda": 1e-3, "best_val_acc": 0.4,
            "data_id": "A"}
    theirs = {"trial": 1, "round": 0, "status": "ok", "lambda": 1e-2, "best_val_acc": 0.9,
              "data_id": "B"}
    failed = {"trial": 2, "round": 0, "status": "ok", "lambda": 1e-4, "best_val_acc": np.nan,
              "data_id": "A"}
    drawn = _search_points(tmp_path, [mine, theirs, failed], mine, "A")
    assert drawn["round 0"] == [(1e-3, 0.4)]
    assert drawn["other data (not ranked)"] == [(1e-2, 0.9)]
    assert drawn["best"] == [(1e-3, 0.4)]
    assert [x for x, _ in drawn["failed"]] == [1e-4] and drawn["failed"][0][1] < 0.4
