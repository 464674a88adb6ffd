"""Second review of the plots review: labels it refused or warned on that were fine before, and
the blow-up marker that a diverged run's history.json lost on the way to disk."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.data import load_embedded_sample
from tinygrad_dl.train import NonFiniteLossError, run_training
from tinygrad_dl.train.history import History
from tinygrad_dl.viz import confusion_matrix, plot_confusion_matrix, plot_learning_curves

torch = pytest.importorskip("torch")


# ---- labels ----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda v: np.array(v, np.float16),
                                  lambda v: torch.tensor(v, dtype=torch.float16)],
                         ids=["numpy", "torch"])
def test_float16_labels_are_counted_without_a_warning(make) -> None:
    """The first review's `abs(y).max() >= 2.0**62` cast 2**62 to float16: 'overflow
    encountered in cast' on every half-precision label array (an error under -W error)."""
    t, p = make([0.0, 1.0, 2.0, 2.0]), make([0.0, 1.0, 1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert confusion_matrix(t, p, 3).tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
        assert "accuracy 75.0%" in plot_confusion_matrix(t, p).axes[0].get_title()
        with pytest.raises(ValueError, match="must be integers, got 1.5"):
            confusion_matrix(make([0.0, 1.5]), make([0.0, 1.0]), 3)


def test_integer_labels_of_a_sequence_are_still_counted() -> None:
    """(N, T) integer labels (a batch of sequences) were flattened the same way on both sides
    and counted right before the first review; it refused them as 'one-hot rows or scores'.
    One-hot rows stay refused, integer or float."""
    t = np.array([[0, 1, 2], [2, 1, 0]])
    p = np.array([[0, 1, 1], [2, 1, 0]])
    assert confusion_matrix(t, p, 3).tolist() == [[2, 0, 0], [0, 2, 0], [0, 1, 1]]
    assert confusion_matrix(torch.tensor(t), torch.tensor(p), 3).trace() == 5
    for one_hot in (np.eye(3, dtype=int)[[0, 2, 1]], np.eye(3)[[0, 2, 1]]):
        with pytest.raises(ValueError, match=r"one per sample.*argmax"):
            confusion_matrix(one_hot, one_hot, 3)
    with pytest.raises(ValueError, match=r"one per sample.*argmax"):  # scores
        confusion_matrix(np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0, 1], [1, 0]]), 2)


# ---- a diverged history on disk --------------------------------------------------------------
def _strict(text: str) -> dict:
    def refuse(name: str) -> None:
        raise AssertionError(f"history.json holds {name}, which strict JSON has not")

    return json.loads(text, parse_constant=refuse)


def test_history_json_keeps_inf_and_nan_apart(tmp_path: Path) -> None:
    """Before: to_dict wrote +inf, -inf and NaN all as null, so a reloaded diverged history read
    its blow-up as a row not logged: no triangle, the curve just stopped."""
    h = History(meta={"model": "x", "best": math.inf})
    h.log(step=0, train_cost=2.5, val_cost=2.6)
    h.log(step=1, train_cost=1.5)
    h.log(step=2, train_cost=math.inf, val_cost=-math.inf)
    h.save(tmp_path / "h.json")
    saved = _strict((tmp_path / "h.json").read_text())
    assert saved["columns"]["train_cost"] == [2.5, 1.5, "inf"]
    assert saved["columns"]["val_cost"] == [2.6, None, "-inf"]
    assert saved["meta"] == {"model": "x", "best": None}  # (meta: as before)
    back = History.load(tmp_path / "h.json")
    np.testing.assert_array_equal(back["train_cost"], [2.5, 1.5, np.inf])
    np.testing.assert_array_equal(back["val_cost"], [2.6, np.nan, -np.inf])
    assert back.to_dict() == h.to_dict()


@pytest.mark.slow
def test_a_diverged_runs_saved_history_plots_its_blow_up(tmp_path: Path) -> None:
    """docs/training.md: the history a diverged run leaves in NAME-diverged/ plots its +inf as
    a triangle named in the legend. Before, the reloaded inf was NaN (null): no marker."""
    out = tmp_path / "run"
    with pytest.raises(NonFiniteLossError, match="became inf"):
        run_training("one-layer", {"eta": 1e200, "epochs": 2, "eval_every": 1}, out=out,
                     data=load_embedded_sample(), progress=False, print_fn=None)
    saved = tmp_path / "run-diverged" / "history.json"
    assert _strict(saved.read_text())["columns"]["train_cost"][-1] == "inf"
    h = History.load(saved)
    assert h["train_cost"][-1] == np.inf
    legend = [t.get_text() for t in plot_learning_curves(h).axes[0].get_legend().get_texts()]
    assert "training: +inf from update step 1" in legend
