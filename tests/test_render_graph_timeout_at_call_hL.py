"""render_graph's default timeout is jupyter.DOT_TIMEOUT as it is at the call: the default was
bound when viz imported, so `jupyter.DOT_TIMEOUT = 300` afterwards left render_graph at 60 s
(the notebook display and Figures read it at the call already)."""
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl.viz.graph as viz_graph
from tinygrad_dl import Tensor, jupyter
from tinygrad_dl.viz import render_graph


def _timeouts(monkeypatch: pytest.MonkeyPatch) -> list:
    seen: list = []

    def run_dot(dot, fmt, timeout):
        seen.append(timeout)
        return b"<svg/>"

    monkeypatch.setattr(viz_graph, "run_dot", run_dot)
    return seen


def test_setting_dot_timeout_after_import_takes_effect(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _timeouts(monkeypatch)
    g = (Tensor(np.ones(2), requires_grad=True) * 2).sum()
    render_graph(g, tmp_path / "a.svg")
    monkeypatch.setattr(jupyter, "DOT_TIMEOUT", 300.0)
    render_graph(g, tmp_path / "b.svg")
    render_graph(g, tmp_path / "c.svg", timeout=None)  # (no limit, as before)
    render_graph(g, tmp_path / "d.svg", timeout=7)
    assert seen == [60.0, 300.0, None, 7]


def test_a_bad_dot_timeout_setting_is_refused_as_a_bad_argument(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _timeouts(monkeypatch)
    monkeypatch.setattr(jupyter, "DOT_TIMEOUT", -1)
    with pytest.raises(ValueError, match="^render_graph: timeout must be a number of seconds"):
        render_graph((Tensor(np.ones(2), requires_grad=True) * 2).sum(), tmp_path / "a.svg")
