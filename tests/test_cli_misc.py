"""The CLI's non-training messages (issue 13, item 8): --version, graph's default output and
its flag checks."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import tinygrad_dl
from tinygrad_dl.cli import main


def test_version_prints_package_python_and_numpy_versions(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"tinygrad-dl {tinygrad_dl.__version__} (Python ")
    assert f"NumPy {np.__version__})" in out


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_graph_default_output_goes_under_runs_not_over_tracked_files(tmp_path, monkeypatch,
                                                                      capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", "two-layer"]) == 0
    out = tmp_path / "runs" / "graphs" / "two-layer-graph.svg"
    assert out.is_file() and "runs/graphs/two-layer-graph.svg" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["runs"]


@pytest.mark.parametrize("argv, message", [
    (["graph", "two-layer", "--hidden", "5"], "two-layer does not take --hidden"),
    (["graph", "one-layer", "--m", "5", "--dropout", "0.5"],
     "one-layer does not take --m, --dropout"),
    (["graph", "char-rnn", "--no-batch-norm"], "char-rnn does not take --no-batch-norm"),
    (["graph", "k-layer", "--seq-length", "3"], "k-layer does not take --seq-length"),
    (["graph", "char-rnn", "--max-steps", "1"], "--max-steps must be 0 (draw all) or at least 2"),
])
def test_graph_refuses_flags_the_model_does_not_take(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tinygrad-dl graph: error: {message}") and err.count("\n") == 1
    assert not (tmp_path / "g.svg").exists()
