"""Mutation testing, round 3: jupyter.run_dot (the one dot runner) and markdown_cell. A dot
killed by a signal is an error, not an empty picture; pipe()'s refusal of a formatter without
a renderer is kept; a line break in a table cell is a space."""
from __future__ import annotations

from pathlib import Path

import pytest

from tinygrad_dl.jupyter import markdown_cell, run_dot

graphviz = pytest.importorskip("graphviz")


def test_a_line_break_in_a_cell_becomes_a_space() -> None:
    assert markdown_cell("first\nsecond|third\r\nfourth") == "first second\\|third fourth"


def test_a_formatter_without_a_renderer_is_refused_as_pipe_refuses_it() -> None:
    g = graphviz.Digraph(formatter="cairo")
    g.edge("a", "b")
    with pytest.raises(graphviz.RequiredArgumentError, match="formatter given without renderer"):
        run_dot(g, "svg", 30)


def test_a_dot_killed_by_a_signal_is_an_error_not_an_empty_picture(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "dot").write_text("#!/bin/sh\nkill -9 $$\n")  # (a crash: SIGKILL, no exit code)
    (bin_ / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_}:/usr/bin:/bin")
    g = graphviz.Digraph()
    g.edge("a", "b")
    with pytest.raises(graphviz.CalledProcessError) as e:
        run_dot(g, "svg", 30)
    assert e.value.returncode == -9
