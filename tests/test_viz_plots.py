"""Training plots: saved image sizes, the data actually drawn, NaN gaps, and clear errors."""

from __future__ import annotations

import math

import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.figure import Figure

from tinygrad_dl.train import History
from tinygrad_dl.viz import (
    plot_confusion_matrix,
    plot_learning_curves,
    plot_lr_schedule,
    plot_smooth_loss,
    plot_weight_templates,
)

NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def epoch_history(epochs: int = 6, steps_per_epoch: int = 4) -> History:
    """Per-step rows (step, eta, smooth_loss) and per-epoch rows (metrics): NaN gaps in both."""
    h = History()
    step = 0
    for e in range(1, epochs + 1):
        for _ in range(steps_per_epoch):
            h.log(step=step, eta=1e-3 + 1e-3 * (step % 4), smooth_loss=4.0 - 0.01 * step)
            step += 1
        h.log(step=step, epoch=e, train_cost=2.5 - 0.2 * e, val_cost=2.6 - 0.15 * e,
              train_loss=2.4 - 0.2 * e, val_loss=2.5 - 0.15 * e,
              train_acc=0.1 * e, val_acc=0.09 * e)
    return h


def lines(ax) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {ln.get_label(): (np.asarray(ln.get_xdata()), np.asarray(ln.get_ydata()))
            for ln in ax.get_lines()}


def _all_plots(tmp_path, fmt="png", figsize=(4, 3), dpi=50):
    h = epoch_history()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 50)
    return {
        "learning_curves": lambda p: plot_learning_curves(h, p, figsize=figsize, dpi=dpi),
        "lr_schedule": lambda p: plot_lr_schedule(h, p, figsize=figsize, dpi=dpi),
        "confusion": lambda p: plot_confusion_matrix(y, y[::-1], NAMES, p,
                                                     figsize=figsize, dpi=dpi),
        "templates": lambda p: plot_weight_templates(rng.standard_normal((10, 3072)), NAMES, p,
                                                     figsize=figsize, dpi=dpi),
        "smooth_loss": lambda p: plot_smooth_loss(h, p, figsize=figsize, dpi=dpi),
    }


@pytest.mark.slow
@pytest.mark.parametrize("which", ["learning_curves", "lr_schedule", "confusion", "templates",
                                   "smooth_loss"])
def test_png_has_figsize_times_dpi_pixels(tmp_path, which):
    path = tmp_path / "nested" / f"{which}.png"
    fig = _all_plots(tmp_path)[which](path)
    assert isinstance(fig, Figure)
    img = mpimg.imread(path)
    assert img.shape[:2] == (3 * 50, 4 * 50)
    assert img.std() > 0  # something was drawn
    fig2 = _all_plots(tmp_path, figsize=(5, 2), dpi=40)[which](tmp_path / "b.png")
    assert mpimg.imread(tmp_path / "b.png").shape[:2] == (80, 200)
    assert fig2 is not fig


@pytest.mark.slow
@pytest.mark.parametrize("ext,magic", [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_format_follows_extension(tmp_path, ext, magic):
    plot_lr_schedule(np.linspace(0, 1, 10), save=tmp_path / f"lr.{ext}")
    assert (tmp_path / f"lr.{ext}").read_bytes().startswith(magic)


def test_nothing_is_saved_without_save(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plot_smooth_loss([3.0, 2.0, 1.0])
    assert list(tmp_path.iterdir()) == []


def test_learning_curves_skip_nan_gaps_and_use_epochs():
    h = epoch_history(epochs=6)
    fig = plot_learning_curves(h)
    assert len(fig.axes) == 3
    for ax, key in zip(fig.axes, ["cost", "loss", "acc"]):
        assert ax.get_xlabel() == "epoch"
        drawn = lines(ax)
        for split, name in (("train", "training"), ("val", "validation")):
            x, y = drawn[name]
            assert np.array_equal(x, np.arange(1, 7))
            col = h[f"{split}_{key}"]
            assert np.allclose(y, col[~np.isnan(col)])


def test_learning_curves_per_step_without_epoch_and_only_logged_panels():
    h = History()
    for s in range(5):
        h.log(step=10 * s, train_loss=1.0 / (s + 1))
        if s % 2 == 0:
            h.log(step=10 * s, val_loss=2.0 / (s + 1))
    fig = plot_learning_curves({"step": h["step"], "train_loss": h["train_loss"],
                                "val_loss": h["val_loss"]})
    (ax,) = fig.axes  # only the loss panel: no cost/acc columns
    assert ax.get_xlabel() == "update step"
    drawn = lines(ax)
    assert np.array_equal(drawn["training"][0], [0, 10, 20, 30, 40])
    assert np.array_equal(drawn["validation"][0], [0, 20, 40])
    assert np.allclose(drawn["validation"][1], [2.0, 2.0 / 3, 2.0 / 5])
    with pytest.raises(ValueError, match="columns are"):
        plot_learning_curves(History())


def test_lr_schedule_from_history_or_array():
    h = epoch_history(epochs=2, steps_per_epoch=4)
    x, y = lines(plot_lr_schedule(h).axes[0])["eta"]
    eta = h["eta"]
    assert np.allclose(y, eta[~np.isnan(eta)])
    assert np.array_equal(x, h["step"][~np.isnan(eta)])
    tri = np.concatenate([np.linspace(1e-5, 1e-1, 5), np.linspace(1e-1, 1e-5, 5)])
    x, y = lines(plot_lr_schedule(tri).axes[0])["eta"]
    assert np.array_equal(x, np.arange(10)) and np.allclose(y, tri)
    with pytest.raises(ValueError, match="'eta'"):
        plot_lr_schedule({"step": [1, 2]})


def test_smooth_loss_skips_gaps():
    h = History()
    for s in range(6):
        h.log(step=s, **({"smooth_loss": 5.0 - s} if s != 3 else {"train_loss": 1.0}))
    x, y = lines(plot_smooth_loss(h).axes[0])["smooth loss"]
    assert np.array_equal(x, [0, 1, 2, 4, 5]) and np.allclose(y, [5, 4, 3, 1, 0])
    with pytest.raises(ValueError, match="smooth_loss"):
        plot_smooth_loss(History())


def cell_texts(fig: Figure) -> np.ndarray:
    ax = fig.axes[0]
    K = len(ax.get_xticks())
    grid = np.empty((K, K), dtype=object)
    for t in ax.texts:
        j, i = t.get_position()
        grid[int(round(i)), int(round(j))] = t.get_text()
    return grid


@pytest.mark.slow
def test_confusion_matrix_counts_match_a_direct_count():
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 10, 300)
    y_pred = np.where(rng.random(300) < 0.4, y_true, rng.integers(0, 10, 300))
    fig = plot_confusion_matrix(y_true, y_pred, NAMES)
    grid = cell_texts(fig)
    for i in range(10):
        for j in range(10):
            assert int(grid[i, j]) == sum(1 for t, p in zip(y_true, y_pred) if t == i and p == j)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == NAMES
    assert [t.get_text() for t in ax.get_yticklabels()] == NAMES
    assert f"{np.mean(y_true == y_pred):.1%}" in ax.get_title()

    norm = cell_texts(plot_confusion_matrix(y_true, y_pred, NAMES, normalize=True))
    rows = np.array([[float(v) for v in row] for row in norm])
    assert np.allclose(rows.sum(axis=1), 1, atol=0.06)  # 10 values rounded to 2 decimals
    i = int(y_true[0])
    assert math.isclose(rows[i, i], np.mean(y_pred[y_true == i] == i), abs_tol=0.005)


def test_confusion_matrix_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        plot_confusion_matrix([0, 1, 3], [0, 1, 2], ["a", "b", "c"])
    with pytest.raises(ValueError, match="3 true labels but 2"):
        plot_confusion_matrix([0, 1, 2], [0, 1], ["a", "b", "c"])
    grid = cell_texts(plot_confusion_matrix([0, 1, 1], [1, 1, 1], None))  # names default 0..K-1
    assert grid.tolist() == [["0", "1"], ["0", "2"]]


def test_weight_templates_are_cifar_ordered_and_min_max_normalized():
    rng = np.random.default_rng(7)
    W = rng.standard_normal((10, 3072))  # Linear's (K, d): one row per class
    fig = plot_weight_templates(W, NAMES)
    assert len(fig.axes) == 10
    assert [ax.get_title() for ax in fig.axes] == NAMES
    for k, ax in enumerate(fig.axes):
        img = np.asarray(ax.images[0].get_array())
        assert img.shape == (32, 32, 3)
        assert img.min() == 0 and img.max() == 1
        col = W[k]
        norm = (col - col.min()) / (col.max() - col.min())
        r, c = 5, 17  # pixel (row 5, col 17): R at 32*5+17, G 1024 later, B 2048 later
        assert np.allclose(img[r, c], norm[[32 * r + c, 1024 + 32 * r + c, 2048 + 32 * r + c]])
    flat = plot_weight_templates(np.zeros((3, 3072)))  # constant template: mid grey, no 0/0
    assert np.allclose(np.asarray(flat.axes[0].images[0].get_array()), 0.5)
    with pytest.raises(ValueError, match="3072"):
        plot_weight_templates(rng.standard_normal((10, 100)))
    with pytest.raises(ValueError, match="2 class names for 10"):
        plot_weight_templates(W, ["a", "b"])
