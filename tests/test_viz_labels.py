"""Graph labels are the user's text, drawn literally: names that look like HTML ("<pad>",
"<>", "<b>x</b>"), quotes, backslashes and newlines; a name that is not a str is refused where
it is given; the hint printed when `dot` is missing pastes into a shell; folded edges name each
argument position once; a parameter's value is labelled as read now, not at the forward."""

from __future__ import annotations

import shlex
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.engine import name_scope
from tinygrad_dl.viz import GraphvizNotFoundError, draw_graph, render_graph

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
NAMES = ["<pad>", "<>", "<b>x</b>", 'say "hi"\\n \\ back\nslash']


def _graph(name: str) -> tg.Tensor:
    x = tg.Tensor(np.ones(2), requires_grad=True, name=name)
    with name_scope(name.replace("/", "")):  # ("/" nests scopes: "<b>x</b>" would be two)
        return (x * 2.0).sum()


@pytest.mark.parametrize("name", ["<pad>", "<>", "<b>x</b>"])
def test_names_that_look_like_html_are_quoted_in_the_dot_source(name: str) -> None:
    src = draw_graph(_graph(name), shapes=False).source
    # quoted: a plain string label; unquoted (label=<pad>) dot reads an HTML-like label
    assert f'label="{name}"' in src  # the tensor's box
    assert f'label="{name.replace("/", "")}"' in src  # the name_scope's cluster


@needs_dot
@pytest.mark.parametrize("name", NAMES)
def test_names_render_literally(name: str, tmp_path: Path) -> None:
    path = render_graph(_graph(name), tmp_path / "g.svg", shapes=False)
    texts = [t.text or "" for t in ET.parse(path).getroot().iter(f"{SVG}text")]
    lines = name.split("\n")  # a newline in a name is a line break of its label
    assert texts.count(lines[0]) >= 1, texts  # the tensor's box
    scope = name.replace("/", "").split("\n")[0]
    assert scope in texts, texts  # the name_scope's cluster label


@pytest.mark.parametrize("bad", [3, b"x", 1.5])
def test_a_name_that_is_not_a_str_is_refused_where_it_is_given(bad) -> None:
    with pytest.raises(TypeError, match=r"Tensor\(\): name must be a str or None, got"):
        tg.Tensor(np.ones(2), name=bad)
    with pytest.raises(TypeError, match="name_scope: name must be a str, got"):
        name_scope(bad)
    assert tg.Tensor(np.ones(2), name=None).name is None  # None stays the default


def test_a_name_set_as_an_attribute_later_still_draws() -> None:
    t = tg.Tensor(np.ones(2), requires_grad=True)
    t.name = 3  # not checked (a plain attribute): drawn as its text rather than crashing
    assert 'label="3\\n' in draw_graph((t * 2.0).sum()).source


def test_the_hint_without_dot_pastes_into_a_shell(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` on it
    out = tmp_path / "g out" / "é x.svg"
    with pytest.raises(GraphvizNotFoundError) as e:
        render_graph(_graph("x"), out)
    hint = str(e.value).split("render it later with `", 1)[1].split("`", 1)[0]
    src = out.with_suffix(".dot")
    assert shlex.split(hint) == ["dot", "-Tsvg", str(src), "-o", str(out)]
    assert "Mul" in src.read_text(encoding="utf-8")


def _rnn_like(T: int) -> tg.Tensor:
    """An unrolled loop whose steps read one outside tensor at argument position 1."""
    W = tg.Tensor(np.eye(3) * 0.5, requires_grad=True, name="W")
    h = tg.Tensor(np.ones((1, 3)), name="h0")
    for t in range(T):
        with name_scope(f"t={t}"):
            h = (h @ W).tanh()
    return h.sum()


def test_a_folded_edge_names_its_one_position_once() -> None:
    from tinygrad_dl.viz.walk import _merge_labels

    src = draw_graph(_rnn_like(10), max_steps=4).source
    folded = [ln for ln in src.splitlines() if "-> fold0" in ln]
    assert folded and all('"1-1"' not in ln for ln in folded), folded
    assert any('label=1' in ln for ln in folded), folded  # W feeds position 1 of each MatMul
    assert _merge_labels(["1", "1", "1"]) == "1"
    assert _merge_labels(["0", "1", "1"]) == "0-1"
    assert _merge_labels(["0", "2"]) == "0,2"  # "0-2" would claim position 1 too
    assert _merge_labels(["", ""]) == ""


def test_parameter_values_are_labelled_as_read_now() -> None:
    W = tg.Tensor(np.array(5.0), requires_grad=True, name="W")
    out = W * 1.0
    out.backward()
    tg.optim.SGD([W], lr=1.0).step()  # W: 5 - 1 * 1 = 4; `out` was computed from 5
    src = draw_graph(out, values=True, legend=True).source
    assert "W\\nscalar float64\\nvalue now 4" in src
    assert "value 5" in src  # the output keeps what the old W gave
    assert "not the value this graph was computed with" in src  # the legend says why
    assert "value now" not in draw_graph(out, values=False).source
