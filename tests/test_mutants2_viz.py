"""Tests written against surviving mutants of the graph walk and labels and of the plots' data
(viz, round 2): edge labels of commutative ops, the scope of a constant, which time steps a fold
keeps, the exact max_nodes, op-label text (truncation, slices, arrays), value summaries, the
x axis and NaN rows of the plots, the smooth-loss title, template smoothness, and the confusion
matrix's classes and accuracy."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.engine import name_scope
from tinygrad_dl.viz import draw_graph
from tinygrad_dl.viz.graph import op_label, summarize
from tinygrad_dl.viz.plots import (
    _percent,
    plot_confusion_matrix,
    plot_learning_curves,
    plot_lr_schedule,
    plot_smooth_loss,
    template_smoothness,
)
from tinygrad_dl.viz.walk import collect, fold


def _edge_labels(out: Tensor) -> list[str]:
    g = collect(out, 100)
    (op_id, _, _), = g.ops
    return [label for _, head, label in g.edges if head == op_id]


@pytest.mark.parametrize(("op", "labels"), [
    (lambda a, b: a + b, ["", ""]),
    (lambda a, b: a * b, ["", ""]),
    (lambda a, b: a @ b, ["0", "1"]),
    (lambda a, b: a - b, ["0", "1"]),
])
def test_only_non_commutative_ops_label_their_input_edges(op: object, labels: list[str]) -> None:
    a = Tensor(np.ones((2, 2)), requires_grad=True)
    b = Tensor(np.full((2, 2), 2.0), requires_grad=True)
    assert _edge_labels(op(a, b)) == labels  # type: ignore[operator]


def test_a_constant_read_inside_and_outside_a_scope_sits_outside_a_parameter_inside() -> None:
    c = Tensor(np.ones(2))  # data: every consumer counts
    w = Tensor(np.ones(2), requires_grad=True)  # a parameter: unscoped consumers do not count
    with name_scope("layer"):
        h = w * c
    g = collect((h + c + w).sum(), 100)
    scope = {id(t): g.scope_of[i] for i, t in g.tensors}
    assert scope[id(c)] is None
    assert scope[id(w)] == "layer"


@pytest.mark.parametrize(("max_steps", "label"), [
    (5, "t=3 ... t=7\\n5 steps hidden"),  # odd: one more step at the head than at the tail
    (4, "t=2 ... t=7\\n6 steps hidden"),
])
def test_fold_keeps_the_first_and_last_steps(max_steps: int, label: str) -> None:
    h = Tensor(np.ones(2), requires_grad=True)
    for t in range(10):
        with name_scope(f"t={t}"):
            h = h * 1.5
    g = collect(h.sum(), 1000)
    ((_, got, parent, hidden),) = fold(g, max_steps)
    assert (got, parent, hidden) == (label, None, 10 - max_steps)
    # the kept steps are still drawn as their own scopes
    kept = {s for s in g.scope_of.values() if s and s.startswith("t=")}
    head = (max_steps + 1) // 2
    assert kept == {f"t={t}" for t in [*range(head), *range(10 - max_steps // 2, 10)]}


def _steps(n: int) -> Tensor:
    h = Tensor(np.ones(2), requires_grad=True)
    for t in range(n):
        with name_scope(f"t={t}"):
            h = h * 1.5
    return h.sum()


def test_a_run_of_exactly_max_steps_is_not_folded() -> None:
    g = collect(_steps(6), 1000)
    assert fold(g, 6) == []
    assert draw_graph(_steps(6), max_steps=6).source.count("steps hidden") == 0


def test_max_nodes_is_exact() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    a = w.exp()
    out = a * a + a  # the walk's last node is the op of a * a, whose inputs are all seen
    g = collect(out, 10_000)
    n = len(g.tensors) + len(g.ops)
    assert n == 7
    assert len(collect(out, n).ops) == 3
    with pytest.raises(ValueError, match=f"more than max_nodes={n - 1} nodes"):
        collect(out, n - 1)


def test_op_labels_keep_40_characters_and_write_slices_as_python() -> None:
    def label(**params: object) -> str:
        return str(op_label(SimpleNamespace(name="Op", params=params)))

    assert label(k=10**39) == "Op\\nk=" + "1" + "0" * 39  # 40 characters: kept whole
    assert label(k=10**40) == "Op\\nk=" + "1" + "0" * 36 + "..."  # 41: cut to 37 + "..."
    assert label(s=slice(1, 5), t=slice(None, 5, 2), u=slice(2, None)) == (
        "Op\\ns=1:5\\nt=:5:2\\nu=2:")


def test_op_labels_show_up_to_four_array_entries_then_dtype_and_shape() -> None:
    text = str(op_label(SimpleNamespace(name="Op", params={"a": np.arange(5.0),
                                                             "b": np.arange(4)})))
    assert text == "Op\\na=float64[5]\\nb=[0,1,2,3]"


@pytest.mark.parametrize(("v", "text"), [(0.5, "50.0%"), (0.9996, "99.96%"), (0.99996, "99.996%"),
                                         (0.00004, "0.004%"), (1.0, "100.0%"), (0.0, "0.0%")])
def test_confusion_matrix_accuracy_never_rounds_to_100_or_0_percent(v: float, text: str) -> None:
    assert _percent(v) == text


# ---- plots' data -------------------------------------------------------------------------------
def test_rows_logged_within_an_epoch_are_plotted_against_the_update_step() -> None:
    fig = plot_learning_curves({"epoch": [0.5, 1.0, 1.5], "step": [10, 20, 30],
                                "train_loss": [3.0, 2.0, 1.0]})
    ax = fig.axes[0]
    assert ax.get_xlabel() == "update step"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [10, 20, 30])


def test_a_row_whose_step_is_nan_is_left_out_of_the_schedule_plot() -> None:
    line = plot_lr_schedule({"eta": [0.1, 0.2, 0.3], "step": [0, np.nan, 2]}).axes[0].lines[0]
    np.testing.assert_array_equal(line.get_xdata(), [0.0, 2.0])
    np.testing.assert_array_equal(line.get_ydata(), [0.1, 0.3])


def test_smooth_loss_title_gives_the_last_and_the_best_value() -> None:
    title = plot_smooth_loss(np.array([3.0, 1.0, 2.0])).axes[0].get_title()
    assert title == "char-RNN smooth loss (last 2.0000, best 1.0000)"


def test_template_smoothness_is_near_1_for_a_ramp_and_near_0_for_noise_at_any_offset() -> None:
    yy, xx = np.mgrid[0:32, 0:32]
    ramp = np.tile((xx + yy).ravel().astype(np.float64), 3)
    noise = np.random.default_rng(0).standard_normal(3072)
    s = template_smoothness(np.stack([ramp, noise, noise + 100.0, ramp * -5.0 + 7.0]))
    assert s[0] > 0.99 and s[3] == pytest.approx(s[0], rel=1e-9)  # scale and offset: ignored
    assert abs(s[1]) < 0.05 and s[2] == pytest.approx(s[1], abs=1e-9)


def test_confusion_matrix_classes_cover_the_predictions_too() -> None:
    ax = plot_confusion_matrix([0, 0, 1, 1], [0, 2, 1, 1]).axes[0]  # class 2 only predicted
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.get_title() == "confusion matrix (4 samples, accuracy 75.0%)"


def test_normalized_confusion_matrix_title_gives_the_accuracy_of_the_counts() -> None:
    ax = plot_confusion_matrix([0, 0, 0, 1], [0, 0, 1, 1], normalize=True).axes[0]
    assert [t.get_text() for t in ax.texts] == ["0.67", "0.33", "0.00", "1.00"]
    assert ax.get_title() == "confusion matrix (4 samples, accuracy 75.0%)"  # not (0.67 + 1)/4


def test_value_summaries_are_over_the_finite_entries_and_count_the_rest() -> None:
    assert summarize(np.array([1.0, np.nan, 3.0, -np.inf])) == (
        "min 1  mean 2  max 3  (2 non-finite)")
    assert summarize(np.array([np.nan, np.inf])) == "all 2 non-finite"
