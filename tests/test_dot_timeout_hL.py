"""`dot` stopped after a timeout wherever the library runs it (one runner, jupyter.run_dot):
Figures in a notebook (graphviz's pipe() waited for as long as dot ran, a cell hung for
minutes), and `tinygrad-dl graph`, whose message names its flags, not render_graph's keywords.
A stand-in `dot` on PATH that only sleeps plays the graph dot cannot lay out in time."""
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl import Tensor, cli
from tinygrad_dl.jupyter import Figures
from tinygrad_dl.viz import draw_graph, render_graph


def test_a_figure_of_a_graph_dot_cannot_lay_out_in_time_is_one_line(
        slow_dot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tinygrad_dl.jupyter.DOT_TIMEOUT", 0.5)
    graph = draw_graph((Tensor(np.ones(2), requires_grad=True, name="W") * 2).sum())
    with pytest.raises(RuntimeError, match=r"^Figures: Graphviz's `dot` did not lay the graph "
                       r"out within 0.5 s") as e:
        Figures().figure(graph, "The cost.", alt="W times 2, summed.")
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("flags, fix", [([], "--no-clusters or a smaller graph"),
                                        (["--no-clusters"], "with a smaller graph")])
def test_the_graph_command_s_timeout_names_its_flags(
        flags: list[str], fix: str, slow_dot: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # (it said "draw it with clusters=False ... or pass timeout=None", no flag of the command's)
    monkeypatch.setitem(render_graph.__kwdefaults__, "timeout", 0.5)
    out = tmp_path / "g.svg"
    assert cli.main(["graph", "two-layer", *flags, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "did not lay out" in err and fix in err, err
    assert "clusters=False" not in err and "timeout=None" not in err
    assert not out.exists()
