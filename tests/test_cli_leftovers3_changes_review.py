"""Second look at the CLI leftovers' third pass: a search saved with --widen / --top-k and no
--refine (accepted until that pass refused them) could not be resumed at all (the same command
was refused, and without the flags the folder "holds a different search"); and `graph`
without `dot` wrote through a link named NAME.dot into the file it points to, when that file
was a fallback of ours (another graph's)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.cli import main
from tinygrad_dl.viz import GraphvizNotFoundError, render_graph

SEARCH = ["search", "two-layer", "--param", "lambda=log10:-3:-1", "--trials", "1",
          "--n-updates", "1", "--no-progress", "--no-plot"]


def _as_saved_before(out, **old):
    """Give `out`'s saved spec the values an earlier version wrote there."""
    spec = json.loads((out / "spec.json").read_text())
    spec.update(old)
    (out / "spec.json").write_text(json.dumps(spec))
    doc = json.loads((out / "results.json").read_text())
    doc["spec"].update(old)
    (out / "results.json").write_text(json.dumps(doc))


def test_search_saved_with_widen_and_top_k_without_refine_resumes(tmp_path, capsys):
    out = tmp_path / "s"
    assert main([*SEARCH, "--out", str(out)]) == 0
    _as_saved_before(out, widen=0.2, top_k=3)  # (`--widen 0.2 --top-k 3`, no --refine)
    capsys.readouterr()
    # the same command less the flags now refused: the trials done are kept, not refused as
    # "a different search" (was: "holds a different search (spec.json: top_k: 3 -> None; ...")
    assert main([*SEARCH, "--out", str(out)]) == 0
    r = capsys.readouterr()
    assert "1 of 1 trials already done" in r.err and "different search" not in r.err
    # with --refine they shape the later rounds: a different --widen is a different search
    out = tmp_path / "r"
    argv = [*SEARCH, "--trials", "2", "--refine", "1", "--out", str(out)]
    assert main(argv) == 0
    _as_saved_before(out, widen=0.2)
    capsys.readouterr()
    assert main(argv) == 2  # (its second round's ranges came from widen 0.2)
    assert "holds a different search" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_graph_fallback_never_writes_through_a_link(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # no `dot` on it
    x = tg.Tensor(np.ones(2), requires_grad=True)
    first, second = (x * 2.0).sum(), (x.exp() + 1.0).mean()
    with pytest.raises(GraphvizNotFoundError):
        render_graph(first, tmp_path / "other.svg")  # other.dot: an unchanged fallback
    kept = (tmp_path / "other.dot").read_bytes()
    (tmp_path / "g.dot").symlink_to(tmp_path / "other.dot")
    with pytest.raises(GraphvizNotFoundError) as e:
        render_graph(second, tmp_path / "g.svg")
    # (was: written to g.dot, through the link: other.dot held the second graph)
    assert (tmp_path / "other.dot").read_bytes() == kept
    assert (tmp_path / "g.dot").is_symlink()
    assert f"written to {tmp_path / 'g-2.dot'} instead" in str(e.value)
    assert b"exp" in (tmp_path / "g-2.dot").read_bytes().lower()
