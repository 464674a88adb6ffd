"""What the pictures and reports show when something goes wrong while they are written."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_dl.viz import plot_confusion_matrix, plot_learning_curves

# a child process whose files may not grow past 4,000 bytes (EFBIG, as a full disk's ENOSPC
# midway through a write): the picture it writes is cut off, unless the write is atomic
_CUT_OFF = textwrap.dedent("""
    import resource, signal, sys
    import numpy as np
    from tinygrad_dl.viz import plot_learning_curves
    h = {"train_loss": list(np.linspace(2, 1, 50)), "val_loss": list(np.linspace(2.1, 1.2, 50))}
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000))
    try:
        plot_learning_curves(h, save=sys.argv[1])
    except OSError as e:
        print("OSError", e.filename)
""")


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
@pytest.mark.parametrize("ext", ["png", "svg"])
def test_a_plot_cut_off_while_written_keeps_the_old_picture(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"curves.{ext}"
    plot_learning_curves({"train_loss": [1.0, 2.0]}, save=path)
    before = path.read_bytes()
    assert len(before) > 4000
    r = subprocess.run([sys.executable, "-c", _CUT_OFF, str(path)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["OSError", str(path)]  # the error names the picture
    assert path.read_bytes() == before  # (it was 4,000 bytes of a PNG/SVG)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left


def test_a_picture_over_a_folder_names_the_folder_not_a_temp_file(tmp_path: Path) -> None:
    from tinygrad_dl.files import write_error

    (tmp_path / "graph.svg").mkdir()
    with pytest.raises(IsADirectoryError) as e:
        plot_learning_curves({"train_loss": [1.0, 2.0]}, save=tmp_path / "graph.svg")
    assert write_error(e.value) == f"cannot write {tmp_path / 'graph.svg'}: Is a directory (EISDIR)"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


def test_a_figure_of_a_graph_without_dot_says_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a report's graph cell failed with graphviz's own "failed to execute PosixPath('dot'),
    # make sure the Graphviz executables are on your systems' PATH", naming nothing to install
    import numpy as np

    from tinygrad_dl import Tensor
    from tinygrad_dl.jupyter import Figures
    from tinygrad_dl.viz import draw_graph

    W = Tensor(np.ones(2), requires_grad=True, name="W")
    graph = draw_graph((W * W).sum())
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere on it
    with pytest.raises(RuntimeError) as e:
        Figures().figure(graph, "The cost.", alt="W times W, summed.")
    assert "\n" not in str(e.value) and "apt-get install graphviz" in str(e.value)


def test_render_only_names_a_row_whose_command_changed_since(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a results file made before a row's command changed rendered its old numbers under the
    # row's label without a word (--merge refuses such a row; --render-only said nothing)
    import json

    from tinygrad_dl.cli import main

    doc = json.loads((Path(__file__).resolve().parents[1] / "docs" / "data" /
                      "results.json").read_text())
    one = next(s for s in doc["settings"] if s["name"] == "one-layer")
    one["command"] = one["command"].replace("--epochs 40", "--epochs 20")
    res = tmp_path / "r.json"
    res.write_text(json.dumps(doc))
    assert main(["results", "--render-only", "--results", str(res), "--only", "one-layer",
                 "two-layer"]) == 0
    err = capsys.readouterr().err
    assert f"note: {res}: row one-layer was made with `tinygrad-dl train" in err
    assert "--epochs 20`, which is now" in err and "--only one-layer --merge" in err
    assert "two-layer" not in err.split("per-seed results")[0]  # unchanged: no note


def test_a_varying_array_is_never_labelled_as_a_constant() -> None:
    # "value now min 1  mean 1  max 1" for W = [1.00001, 1.00002]: 4 digits made it read constant
    import numpy as np

    from tinygrad_dl import Tensor
    from tinygrad_dl.viz import draw_graph

    W = Tensor(np.array([1.00001, 1.00002]), requires_grad=True, name="W")
    src = draw_graph((W * 2).sum(), values=True).source
    assert "value now min 1.00001  mean 1.00001  max 1.00002" in src
    C = Tensor(np.array([2.0, 2.0]), requires_grad=True, name="C")  # a constant array stays short
    assert "value now min 2  mean 2  max 2" in draw_graph((C * 2).sum(), values=True).source


def test_failed_trials_sit_below_a_single_successful_one(tmp_path: Path) -> None:
    # with one successful trial (or all equal) the crosses of failed trials were drawn at its
    # accuracy, as if they had scored it, not on the bottom edge
    from types import SimpleNamespace

    from tinygrad_dl.search.space import parse_param
    from tinygrad_dl.viz import plot_search

    lam = parse_param("lambda=log10:-5:-1")
    spec = SimpleNamespace(params=[lam], objective="best_val_acc", maximize=True, rounds=1,
                           model="two-layer")
    ok = {"trial": 0, "round": 0, "status": "ok", "lambda": 1e-3, "best_val_acc": 0.4}
    bad = {"trial": 1, "round": 0, "status": "failed", "lambda": 1e-2, "best_val_acc": None}
    result = SimpleNamespace(spec=spec, rows=[ok, bad], best=ok, ranges=[[lam]])
    drawn: list[Any] = []
    import matplotlib.axes

    real = matplotlib.axes.Axes.scatter

    def spy(self: Any, x: Any, y: Any, *a: Any, **k: Any) -> Any:
        drawn.append((k.get("label"), list(y)))
        return real(self, x, y, *a, **k)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(matplotlib.axes.Axes, "scatter", spy)
        plot_search(result, tmp_path / "search.png")
    ys = dict(drawn)
    assert ys["failed"][0] < ys["round 0"][0] == 0.4


def test_a_normalized_cell_reads_one_or_zero_only_when_it_is() -> None:
    """249 of 250 recalled (0.996) read "1.00", and 1 of 250 confused (0.004) "0.00": a
    class that misses looked perfect."""
    y = np.array([0] * 250 + [1] * 4)
    pred = y.copy()
    pred[0] = 1
    ax = plot_confusion_matrix(y, pred, normalize=True).axes[0]
    assert [t.get_text() for t in ax.texts] == [">.99", "<.01", "0.00", "1.00"]


# ---- infinite values: a run that blew up --------------------------------------------------
def _markers(fig: Any) -> dict[str, list[tuple[float, float]]]:
    """Per marker shape drawn without a line ('^', 'v'), its (x, y in axes fraction) points."""
    got: dict[str, list[tuple[float, float]]] = {}
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_linestyle() == "None" and line.get_marker() in ("^", "v"):
                got.setdefault(line.get_marker(), []).extend(
                    zip(line.get_xdata(), line.get_ydata()))
    return got


def test_an_infinite_cost_is_marked_where_the_curve_would_just_stop() -> None:
    """Before: +inf and -inf rows were dropped like NaN ones, and the curve ended at the last
    finite epoch as if training had stopped there."""
    h = {"epoch": [0, 1, 2, 3], "train_cost": [2.0, 1.5, np.inf, np.inf],
         "val_cost": [2.1, 1.6, 1.7, -np.inf]}
    fig = plot_learning_curves(h)
    marks = _markers(fig)
    assert sorted(marks["^"]) == [(2.0, 0.98), (3.0, 0.98)]
    assert marks["v"] == [(3.0, 0.02)]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "training: +inf from epoch 2" in legend
    assert "validation: -inf from epoch 3" in legend


def test_a_nan_row_stays_a_gap_without_a_mark() -> None:
    h = {"epoch": [0, 1, 2], "train_loss": [2.0, np.nan, 1.0]}
    assert _markers(plot_learning_curves(h)) == {}


def test_a_panel_whose_values_are_all_infinite_is_drawn_not_dropped() -> None:
    """Before: a panel was kept only with a finite value; a history whose loss was inf from
    the start raised 'none of train_/val_ cost, loss, acc'."""
    fig = plot_learning_curves({"train_loss": [np.inf, np.inf]})
    assert _markers(fig)["^"] == [(0.0, 0.98), (1.0, 0.98)]


def test_the_smooth_loss_plot_marks_infinity_and_its_title_says_the_last_value() -> None:
    from tinygrad_dl.viz import plot_smooth_loss

    fig = plot_smooth_loss({"step": [0, 100, 200], "smooth_loss": [4.3, 4.1, np.inf]})
    assert _markers(fig)["^"] == [(200.0, 0.98)]
    assert "last inf" in fig.axes[0].get_title()


def test_class_names_with_dollar_signs_are_shown_as_written() -> None:
    """Before: 'a$x^2$' was typeset by matplotlib's mathtext as a, x² (the dollars gone), with
    no warning: the picture named a class that does not exist."""
    from matplotlib.cbook import is_math_text

    from tinygrad_dl.viz import plot_weight_templates

    names = ["a$x^2$", "US$", "c"]
    fig = plot_confusion_matrix(np.array([0, 1, 2]), np.array([0, 2, 2]), names)
    fig.canvas.draw()
    shown = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert [t.replace(r"\$", "$") for t in shown] == names
    assert not any(is_math_text(t) for t in shown)  # drawn as text, not as mathematics
    fig = plot_weight_templates(np.random.default_rng(0).standard_normal((3, 3072)), names)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert [t.replace(r"\$", "$") for t in titles] == names
    assert not any(is_math_text(t) for t in titles)
