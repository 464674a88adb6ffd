"""Readable graphs (issue 13, item 7): time steps in order, long unrolls folded, parameters in
their module's box, a legend for every mark, course names, grads only where held."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from test_viz_graph import SVG, clusters_of, svg_nodes

import tinygrad_dl as tg
from tinygrad_dl.cli import main
from tinygrad_dl.models import CharRNN, KLayer
from tinygrad_dl.viz import draw_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def rnn_loss(T: int) -> tg.Tensor:
    model = CharRNN(6, m=4, rng=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    return model.loss(rng.integers(0, 6, T), rng.integers(0, 6, T))


def cluster_boxes(path: Path) -> dict[str, tuple[float, float]]:
    """Cluster label -> (min x, min y) of its outline in a rendered SVG."""
    out = {}
    for g in ET.parse(path).getroot().iter(f"{SVG}g"):
        if "cluster" not in g.get("class", "").split():
            continue
        shape = g.find(f"{SVG}polygon") or g.find(f"{SVG}path")
        nums = [float(v) for v in re.findall(r"-?\d+\.?\d*", shape.get("points") or shape.get("d"))]
        out[g.findtext(f"{SVG}text")] = (min(nums[0::2]), min(nums[1::2]))
    return out


def declared_clusters(source: str) -> list[str]:
    return re.findall(r'graph \[.*?label="?(t=\d+)', source)


def test_time_step_clusters_are_declared_in_natural_order():
    assert declared_clusters(draw_graph(rnn_loss(12), max_steps=None).source) == [
        f"t={t}" for t in range(12)]  # t=2 before t=10; lexical order put t=10 after t=1


@needs_dot
def test_time_steps_are_drawn_in_order(tmp_path):
    path = tmp_path / "rnn.svg"
    tg.viz.render_graph(rnn_loss(5), path)
    boxes = cluster_boxes(path)
    steps = [boxes[f"t={t}"] for t in range(5)]
    for (x0, y0), (x1, y1) in zip(steps, steps[1:]):  # each step right of or below the last
        assert x1 > x0 or y1 > y0, (steps,)


def test_long_unroll_is_folded_and_says_how_many_steps_are_hidden():
    src = draw_graph(rnn_loss(25), legend=True).source
    assert declared_clusters(src) == ["t=0", "t=1", "t=2", "t=22", "t=23", "t=24"]
    assert "t=3 ... t=21\\n19 steps hidden" in src
    fold = re.search(r"^\s*(fold0) \[", src, re.M).group(1)
    # the recurrence runs through the folded steps: h_2 -> fold -> step 22, and the folded
    # steps' states reach Concatenate with their argument positions as one range
    assert re.search(rf"-> {fold}\b", src) and re.search(rf"{fold} -> ", src)
    assert re.search(rf'{fold} -> op\d+ \[label="3-21"\]', src)
    assert "dotted box: time steps not drawn" in src
    assert len(declared_clusters(draw_graph(rnn_loss(25), max_steps=None).source)) == 25
    with pytest.raises(ValueError, match="max_steps must be at least 2"):
        draw_graph(rnn_loss(3), max_steps=1)


@needs_dot
def test_graph_command_default_size_for_the_real_char_rnn(tmp_path, capsys):
    out = tmp_path / "rnn.svg"
    assert main(["graph", "char-rnn", "--real-shapes", "--out", str(out)]) == 0
    root = ET.parse(out).getroot()
    width = float(root.get("width").removesuffix("pt"))
    assert width < 2500  # 25 steps side by side were 6000 pt wide
    assert any("19 steps hidden" in n["text"] for n in svg_nodes(out)["fold"])


def test_parameters_sit_inside_their_layer_box_weights_and_biases_alike():
    model = KLayer(6, [5, 4, 3], 3, lam=0.1, rng=np.random.default_rng(0))  # lam: L2 reads W
    names = model.course_names()
    for q, p in model.named_parameters():
        p.name = names[q]
    src = draw_graph(model.loss(np.ones((4, 6)), np.array([0, 1, 2, 0]))).source
    where = clusters_of(src)
    params = dict(re.findall(r'^\s*(t\d+) \[label="(\w+)\\n', src, re.M))
    drawn = {name: where[nid] for nid, name in params.items() if name in names.values()}
    assert set(drawn) == {"W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "gamma3",
                          "beta3", "W4", "b4"}
    for name, boxes in drawn.items():
        assert boxes == ["KLayer", f"layer {name[-1]}"], (name, boxes)


def test_legend_explains_every_mark_used_and_only_those():
    loss = rnn_loss(3)
    loss.backward()
    src = draw_graph(loss, grads=True, legend=True).source
    legend = src[src.index("cluster_legend"):]
    for text in ["output", "parameter", "constant / data", "intermediate", "op",
                 "edge label 0, 1, ...: the argument position", "dashed box: a module or time",
                 "no grad line: none kept"]:
        assert text in legend, text
    plain = draw_graph(tg.Tensor(np.ones(3), requires_grad=True).exp().sum(), legend=True).source
    assert "edge label" not in plain and "dashed box" not in plain and "grad" not in plain
    assert "constant / data" not in plain  # no constant in this graph


def test_grads_are_shown_where_they_exist_and_absence_is_not_labelled():
    loss = rnn_loss(3)
    loss.backward()
    src = draw_graph(loss, grads=True).source
    assert "no grad" not in src
    assert src.count("grad min") == 5  # U, W, V, b, c


def test_layers_are_never_folded_only_time_steps():
    model = KLayer(4, [3] * 8, 2, rng=np.random.default_rng(0))
    src = draw_graph(model.loss(np.ones((2, 4)), np.array([0, 1])), max_steps=2).source
    assert re.findall(r'label="(layer \d+)"', src) == [f"layer {i}" for i in range(1, 10)]
    assert "hidden" not in src
