"""`dot`'s timeout, one name and one home: jupyter.DOT_TIMEOUT (viz imported its own copy, so
setting jupyter's left a drawn graph's notebook display at 60 s), and one exception type,
jupyter.DotTimeoutError (a RuntimeError), by which `tinygrad-dl graph` recognizes it to add its
flags' advice (it matched the words "did not lay out" in the message: a reworded message lost
the advice, and any RuntimeError with those words got it)."""
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl.commands.graph as graph_command
import tinygrad_dl.viz.graph as viz_graph
from tinygrad_dl import Tensor, cli, jupyter
from tinygrad_dl.jupyter import DotTimeoutError
from tinygrad_dl.viz import draw_graph, render_graph


def test_viz_keeps_no_copy_of_the_timeout() -> None:
    assert not hasattr(viz_graph, "DOT_TIMEOUT")
    # (read at the call: a number bound here kept 60 s after `jupyter.DOT_TIMEOUT = 300`)
    assert repr(render_graph.__kwdefaults__["timeout"]) == "jupyter.DOT_TIMEOUT"


def test_the_notebook_display_reads_jupyters_timeout(slow_dot: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jupyter, "DOT_TIMEOUT", 0.5)
    bundle = draw_graph((Tensor(np.ones(2), requires_grad=True) * 2).sum())._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "within 0.5 s" in bundle["text/plain"]


def test_render_graph_and_figures_raise_dot_timeout_error(slow_dot: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    g = (Tensor(np.ones(2), requires_grad=True) * 2).sum()
    with pytest.raises(DotTimeoutError, match=r"^render_graph: .*within 0.5 s") as e:
        render_graph(g, tmp_path / "g.svg", timeout=0.5)
    assert isinstance(e.value, RuntimeError) and "draw it with" not in e.value.what
    monkeypatch.setattr(jupyter, "DOT_TIMEOUT", 0.5)
    with pytest.raises(DotTimeoutError, match=r"^Figures: "):
        jupyter.Figures().figure(draw_graph(g), "The cost.", alt="A sum.")


def test_a_reworded_timeout_still_gets_the_commands_advice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def reworded(*args, **kwargs):
        raise DotTimeoutError("render_graph: Graphviz gave up after 0.5 s; try clusters=False",
                              "Graphviz gave up after 0.5 s")
    monkeypatch.setattr(graph_command, "render_graph", reworded)
    assert cli.main(["graph", "two-layer", "--out", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Graphviz gave up after 0.5 s: draw it with --no-clusters" in err
    assert "clusters=False" not in err


def test_another_runtime_error_with_the_words_is_not_taken_for_a_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def other(*args, **kwargs):
        raise RuntimeError("render_graph: something else did not lay out: draw it with care")
    monkeypatch.setattr(graph_command, "render_graph", other)
    with pytest.raises(RuntimeError, match="^render_graph: something else"):
        graph_command.run(cli.build_parser().parse_args(
            ["graph", "two-layer", "--out", str(tmp_path / "g.svg")]))
