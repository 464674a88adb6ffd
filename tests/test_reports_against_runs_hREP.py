"""What the reports, plots and the results table show, checked against the run files they
describe: small real trainings (two-layer with cycles, k-layer with batch norm, the char-RNN),
their history.json / result.json, the plotted Line2D data, and the results table's cells."""

import json
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.commands.results import load_results
from tinygrad_dl.search import render
from tinygrad_dl.search.render import render_block
from tinygrad_dl.search.stats import summarize
from tinygrad_dl.train import run_training
from tinygrad_dl.train.history import History
from tinygrad_dl.viz import (
    plot_confusion_matrix,
    plot_learning_curves,
    plot_lr_schedule,
    plot_smooth_loss,
)

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "data" / "results.json"
_YLABEL = {"cost (loss + L2)": "cost", "cross-entropy loss": "loss", "accuracy": "acc"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three short trainings written to disk, as `tinygrad-dl train --out` writes them."""
    root = tmp_path_factory.mktemp("runs")
    specs = {
        "two-layer": ({"cycles": 1, "n_s": 3, "n_batch": 100}, None),
        "k-layer": ({"hidden": [20, 10], "batch_norm": True, "cycles": 1, "n_s": 2,
                     "n_batch": 100}, None),
        "char-rnn": ({"n_updates": 12, "m": 8, "seq_length": 10, "log_every": 3,
                      "sample_every": 100}, None),
    }
    out = {}
    for model, (params, _) in specs.items():
        d = root / model
        res = run_training(model, params, seed=3, out=d, progress=False,
                           print_fn=lambda *a, **k: None)
        out[model] = (res, d)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("model", ["two-layer", "k-layer"])
def test_learning_curves_lines_are_the_saved_history_columns(runs, model):
    res, d = runs[model]
    h = History.load(d / "history.json")
    fig = plot_learning_curves(h)
    drawn = 0
    for ax in fig.axes:
        key = _YLABEL[ax.get_ylabel()]
        xcol = {"epoch": "epoch", "update step": "step"}[ax.get_xlabel()]
        for line in ax.get_lines():
            split = {"training": "train", "validation": "val"}[line.get_label()]
            y = h[f"{split}_{key}"]
            keep = ~np.isnan(y)
            np.testing.assert_array_equal(line.get_xdata(), h[xcol][keep])
            np.testing.assert_array_equal(line.get_ydata(), y[keep])
            drawn += 1
    assert drawn == 6  # train/val of cost, loss, acc
    # the last logged row is what result.json calls final, the best what it calls best
    result = json.loads((d / "result.json").read_text())
    for k in ("train_acc", "val_acc", "train_cost", "val_cost"):
        assert result["final"][k] == h.last(k)
    assert result["best_val_acc"] == np.nanmax(h["val_acc"])
    step = int(h["step"][np.nanargmax(h["val_acc"])])
    assert h.meta["best_step"] == step


@pytest.mark.slow
@pytest.mark.parametrize("model", ["two-layer", "k-layer"])
def test_lr_schedule_plot_is_the_cyclical_formula(runs, model):
    res, d = runs[model]
    p = res.params
    h = History.load(d / "history.json")
    line = plot_lr_schedule(h).axes[0].get_lines()[0]
    t = np.asarray(line.get_xdata())
    lo, hi, ns = p["eta_min"], p["eta_max"], p["n_s"]
    pos = t % (2 * ns)
    want = np.where(pos <= ns, lo + pos / ns * (hi - lo), hi - (pos - ns) / ns * (hi - lo))
    np.testing.assert_allclose(line.get_ydata(), want, rtol=1e-12)
    assert len(t) == h.meta["n_updates"] == 2 * ns * p["cycles"]
    # the history's eta column: at the row of step s, the rate of update s - 1
    steps = h["step"].astype(int)
    np.testing.assert_allclose(h["eta"][steps > 0], want[steps[steps > 0] - 1], rtol=1e-12)


@pytest.mark.slow
def test_smooth_loss_plot_and_title_are_the_run_files(runs):
    res, d = runs["char-rnn"]
    h = History.load(d / "history.json")
    result = json.loads((d / "result.json").read_text())
    fig = plot_smooth_loss(h)
    line = fig.axes[0].get_lines()[0]
    keep = ~np.isnan(h["smooth_loss"])
    np.testing.assert_array_equal(line.get_xdata(), h["step"][keep])
    np.testing.assert_array_equal(line.get_ydata(), h["smooth_loss"][keep])
    title = fig.axes[0].get_title()
    assert f"last {result['final']['smooth_loss']:.4f}" in title
    assert f"best {result['final']['best_smooth_loss']:.4f}" in title


def _doc(runs, metric="test_acc"):
    return {"settings": [{"name": "a", "label": "A", "metric": metric, "command": "x",
                          "runs": runs}], "comparisons": []}


def _row(doc):
    return render_block(doc).split("\n")[2].split(" | ")


def test_results_row_numbers_are_the_per_seed_values():
    acc = [0.4996, 0.51, 0.3333, 0.5]
    runs = [{"seed": s, "status": "ok", "test_acc": a, "train_seconds": 12.0}
            for s, a in enumerate(acc)]
    cells = _row(_doc(runs))
    s = summarize([a * 100 for a in acc])
    assert cells[2] == f"{s.mean:.2f} ± {s.se:.2f}"
    assert cells[3] == f"{s.sd:.2f}"
    assert cells[4] == "33.33 … 51.00"  # 0.4996 is 49.96, never 50.0
    assert cells[5].startswith("4:")
    assert cells[-1].strip(" |") == "12"


def test_results_row_counts_an_ok_run_without_a_value():
    """An "ok" run whose number is null (NaN written as JSON) was left out of the mean and of
    the failed count: "1" seed of 3 runs, read as one seed run and none missing."""
    runs = [{"seed": 0, "status": "ok", "test_acc": 0.4996},
            {"seed": 1, "status": "ok", "test_acc": None},
            {"seed": 2, "status": "failed", "test_acc": None}]
    cells = _row(_doc(runs))
    assert cells[2] == "49.96"
    assert cells[5].startswith("1 (1 failed, 1 without a value)")


def test_results_seconds_under_one_are_not_shown_as_zero():
    runs = [{"seed": s, "status": "ok", "test_acc": 0.3, "train_seconds": 0.3}
            for s in range(2)]
    assert _row(_doc(runs))[-1].strip(" |") == "0.3"
    runs = [{"seed": 0, "status": "ok", "test_acc": 0.3, "train_seconds": 5.66}]
    assert _row(_doc(runs))[-1].strip(" |") == "6"  # (whole seconds from 1 s: the docs' page)
    # the per-run log line of `tinygrad-dl results` said "(0 s)" the same way
    assert [render.seconds_text(x) for x in (0.3, 0.04, 0.96, 1.4, 5.66)] == [
        "0.3", "0.04", "0.96", "1", "6"]


def _edited_history(tmp_path, edit):
    h = History({"etas": [0.1, 0.2, 0.1]})
    for s in range(4):
        h.log(step=s, eta=0.1, train_acc=0.25, val_acc=0.5)
    doc = h.to_dict()
    edit(doc)
    path = tmp_path / "history.json"
    path.write_text(json.dumps(doc))
    return path


def test_edited_history_cell_names_the_file_column_and_row(tmp_path):
    """A hand-edited history.json cell "abc" said "could not convert string to float: 'abc'":
    neither the column nor the row."""
    path = _edited_history(tmp_path, lambda d: d["columns"]["val_acc"].__setitem__(2, "abc"))
    with pytest.raises(ValueError, match=r"history\.json.*columns\['val_acc'\]\[2\] is 'abc'"):
        History.load(path)
    # the encodings to_dict writes still read back
    path = _edited_history(tmp_path, lambda d: d["columns"]["val_acc"].__setitem__(2, "-inf"))
    assert History.load(path)["val_acc"][2] == -np.inf


def test_lr_schedule_of_edited_etas_names_them(tmp_path):
    """history.meta["etas"] edited to text: NumPy's "could not convert string to float" named
    neither the plot nor the etas."""
    path = _edited_history(tmp_path, lambda d: d["meta"].__setitem__("etas", ["x", "y", "z"]))
    with pytest.raises(ValueError, match=r"plot_lr_schedule: history\.meta\['etas'\].*numbers"):
        plot_lr_schedule(History.load(path))
    with pytest.raises(ValueError, match="plot_lr_schedule: the eta values must be numbers"):
        plot_lr_schedule(["a", 1.0])


def test_render_only_refuses_a_seed_listed_twice(tmp_path):
    """A results file whose row lists seed 0 twice (runs pasted in by hand) rendered the row
    from the last of them, its seed count one short, without a word."""
    doc = json.loads(RESULTS.read_text(encoding="utf-8"))
    runs = doc["settings"][0]["runs"]
    runs.append(dict(runs[0], test_acc=0.99))
    path = tmp_path / "results.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match=r"results\.json.*settings\[0\] \(one-layer\) lists seed "
                                         r"0 more than once"):
        load_results(path)
    assert load_results(RESULTS)["settings"][0]["runs"][0]["seed"] == 0  # the real file loads


def test_confusion_matrix_title_of_no_samples_says_no_accuracy():
    """With no samples the title said "accuracy nan%"."""
    title = plot_confusion_matrix([], [], ["a", "b"]).axes[0].get_title()
    assert title == "confusion matrix (0 samples, accuracy n/a)"
    title = plot_confusion_matrix([0, 1, 1], [0, 1, 0], ["a", "b"]).axes[0].get_title()
    assert title == "confusion matrix (3 samples, accuracy 66.7%)"
