"""A skeptic's review of viz: dot's layout time, value summaries of complex / huge / big-int
tensors, plots of a run that blew up past 1e300, columns that hold no numbers, and a picture
saved under an extension matplotlib cannot write. Real graphviz and matplotlib throughout."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import threading
import warnings
from pathlib import Path

import graphviz
import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.engine import name_scope
from tinygrad_dl.viz import draw_graph, plot_learning_curves, plot_smooth_loss, render_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def _deeply_nested(depth: int) -> Tensor:
    """A chain of ops, each one scope deeper: dot's layout time grows steeply with the nesting
    (40 deep took 11 s here, 80 deep more than 10 minutes)."""
    W = Tensor(np.ones((3, 3)), requires_grad=True, name="W")
    h = Tensor(np.ones(3))
    with contextlib.ExitStack() as scopes:
        for d in range(depth):
            scopes.enter_context(name_scope(f"d{d}"))
            h = (W @ h).tanh()
    return h


@needs_dot
def test_a_graph_dot_cannot_lay_out_in_time_is_one_line_not_a_hang(tmp_path: Path) -> None:
    out = tmp_path / "g.svg"
    out.write_text("the picture from before")
    with pytest.raises(RuntimeError) as e:  # (dot.pipe waited for as long as dot ran)
        render_graph(_deeply_nested(120), out, timeout=0.5)
    msg = str(e.value)
    assert "\n" not in msg and str(out) in msg and "0.5 s" in msg and "clusters=False" in msg
    assert out.read_text() == "the picture from before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]


def _children() -> set[str]:
    """This process's child processes, zombies (killed, never waited for) included."""
    return set(Path(f"/proc/self/task/{os.getpid()}/children").read_text().split())


@needs_dot
@pytest.mark.skipif(not hasattr(signal, "pthread_kill") or not Path("/proc/self/task").is_dir(),
                    reason="needs setitimer and Linux's /proc")
def test_ctrl_c_while_dot_lays_out_leaves_no_dot_behind(tmp_path: Path) -> None:
    deep, before = _deeply_nested(120), _children()  # (120 deep: dot runs for far longer)

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    # (a Ctrl-C that reaches Python alone, sent to the main thread itself: a process-wide
    # alarm may land on another thread (pytest-xdist's), leaving the main one in select())
    main = threading.main_thread().ident
    timer = threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGALRM))
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            render_graph(deep, tmp_path / "g.svg", timeout=60)
    finally:
        timer.cancel()
        signal.signal(signal.SIGALRM, old)
    assert _children() - before == set()  # (a zombie dot was left, never waited for)


@needs_dot
@pytest.mark.parametrize("kw", [{"renderer": "cairo"}, {"renderer": "cairo", "formatter": "cairo"},
                                {"engine": "neato"}])
def test_a_digraphs_own_engine_and_renderer_are_honoured(kw: dict, tmp_path: Path) -> None:
    g = graphviz.Digraph(**kw)
    g.edge("a", "b")
    # (-Tsvg alone ignored renderer=: the core SVG renderer's file, not cairo's)
    assert render_graph(g, tmp_path / "g.svg").read_bytes() == g.pipe(format="svg")


@needs_dot
def test_dots_warnings_reach_stderr_as_graphviz_pipe_wrote_them(tmp_path: Path, capsys) -> None:
    g = graphviz.Digraph()
    g.node("a", shape="nosuch")
    render_graph(g, tmp_path / "g.svg")
    assert "Warning: using box for unknown shape nosuch" in capsys.readouterr().err


@needs_dot
@pytest.mark.parametrize("forever", [float("inf"), 1e20])
def test_a_timeout_of_forever_waits(forever: float, tmp_path: Path) -> None:
    # (select() raised OverflowError: "cannot convert float infinity to integer")
    out = render_graph(Tensor(np.ones(2)), tmp_path / "g.svg", timeout=forever)
    assert out.read_bytes().lstrip().startswith(b"<?xml")


@needs_dot
def test_a_graph_too_slow_for_jupyter_says_so_instead_of_hanging(monkeypatch) -> None:
    monkeypatch.setattr("tinygrad_dl.jupyter.DOT_TIMEOUT", 0.5)
    bundle = draw_graph(_deeply_nested(120))._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "within 0.5 s" in bundle["text/plain"]


@needs_dot
@pytest.mark.parametrize("include, exclude", [(None, None), (["image/png"], None), ([], None),
                                              (["image/svg+xml", "image/jpeg"], ["image/svg+xml"])])
def test_the_jupyter_display_is_graphvizs(include, exclude) -> None:
    g = draw_graph(Tensor(np.ones(2), requires_grad=True).sum())
    assert g._repr_mimebundle_(include, exclude) == \
        graphviz.Digraph._repr_mimebundle_(g, include, exclude)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "5", True])
def test_a_timeout_that_is_no_time_is_refused(bad: float, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timeout must be"):
        render_graph(Tensor(np.ones(2)), tmp_path / "g.svg", timeout=bad)


def test_a_complex_value_is_drawn_with_its_imaginary_part() -> None:
    # (its real part alone: 1+2j read "value 1", and [1, 1+5j] "min 1 mean 1 max 1")
    assert "value 1+2j" in draw_graph(Tensor(np.array(1 + 2j))).source
    src = draw_graph(Tensor(np.array([1 + 0j, 1 + 5j])), values=True).source
    assert "value |z| min 1  mean 3.05  max 5.099" in src


def test_a_mean_past_float64s_range_is_not_drawn_as_inf() -> None:
    t = Tensor(np.array([1e308, 1.5e308]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (it warned "overflow encountered in reduce" too)
        src = draw_graph(t, values=True).source
    assert "min 1e+308  mean 1.25e+308  max 1.5e+308" in src


def test_big_int64_values_that_differ_are_not_drawn_as_a_constant() -> None:
    src = draw_graph(Tensor(np.array([2**53, 2**53 + 1], np.int64)), values=True).source
    assert "min 9007199254740992" in src and "max 9007199254740993" in src


@pytest.mark.parametrize("ys", [[1.0, 1.7e308], [1e308, 1.7e308], [-1e308, 1e308]])
def test_learning_curves_of_a_run_near_float64s_maximum_save(ys: list[float]) -> None:
    fig = plot_learning_curves({"train_loss": ys})
    fig.savefig(io.BytesIO(), format="png")  # ("arange: cannot compute length")
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any("above 1e+300 from row" in lb for lb in labels), labels


def test_smooth_loss_near_float64s_maximum_is_marked_and_saves(tmp_path: Path) -> None:
    fig = plot_smooth_loss({"smooth_loss": [4.0, 3.0, 1.7e308, np.inf]}, save=tmp_path / "s.png")
    assert (tmp_path / "s.png").stat().st_size > 0
    assert "smooth loss: above 1e+300 from update step 2" in \
        fig.axes[0].get_legend_handles_labels()[1]


@pytest.mark.parametrize("plot, col", [(plot_learning_curves, "train_loss"),
                                       (plot_smooth_loss, "smooth_loss")])
def test_a_column_of_text_names_the_column(plot, col: str) -> None:
    with pytest.raises(ValueError, match=f"column '{col}' must hold numbers"):
        plot({col: ["2.3", "n/a"]})


def test_a_picture_under_an_extension_matplotlib_cannot_write_names_the_file(
        tmp_path: Path) -> None:
    out = tmp_path / "curves.xyz"
    with pytest.raises(ValueError, match=r"cannot save .*curves\.xyz: .*\.png"):
        plot_learning_curves({"train_loss": [1.0, 2.0]}, save=out)
    assert list(tmp_path.iterdir()) == []  # (nor a temp file)
