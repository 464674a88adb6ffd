"""Computation-graph drawing: node/edge counts in rendered SVGs, clusters, labels, limits, and
the error when Graphviz's `dot` program is missing."""

from __future__ import annotations

import re
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl.functional import cross_entropy
from tinygrad_dl.viz import GraphvizNotFoundError, draw_graph, render_graph

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def svg_nodes(path: Path) -> dict[str, list[dict]]:
    """Nodes of a rendered SVG grouped by class word: each {'title', 'text' (joined lines)}."""
    root = ET.parse(path).getroot()
    out: dict[str, list[dict]] = {}
    for g in root.iter(f"{SVG}g"):
        classes = g.get("class", "").split()
        if "node" not in classes and "cluster" not in classes:
            continue
        node = {
            "title": g.findtext(f"{SVG}title"),
            "text": "\n".join(t.text or "" for t in g.iter(f"{SVG}text")),
        }
        for c in classes:
            out.setdefault(c, []).append(node)
    return out


def svg_edge_count(path: Path) -> int:
    root = ET.parse(path).getroot()
    return sum("edge" in g.get("class", "").split() for g in root.iter(f"{SVG}g"))


def clusters_of(source: str) -> dict[str, list[str]]:
    """From DOT source: node id -> labels of the clusters enclosing it, outermost first."""
    stack: list[str] = []
    where: dict[str, list[str]] = {}
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("subgraph"):
            stack.append("?")
        elif line == "}":
            if stack:
                stack.pop()
        elif line.startswith("graph [") and stack:
            m = re.search(r'label=(?:"([^"]*)"|([^ \]]+))', line)
            stack[-1] = (m.group(1) or m.group(2)) if m else "?"
        elif m := re.match(r"^(\w+) \[", line):
            where[m.group(1)] = list(stack)
    return where


def mlp_loss(rng: np.random.Generator) -> tuple[tg.Tensor, dict[str, tg.Tensor]]:
    X = tg.Tensor(rng.standard_normal((4, 3)), name="X")
    params = {
        "layers.0.W": tg.Tensor(rng.standard_normal((3, 5)), requires_grad=True),
        "layers.0.b": tg.Tensor(np.zeros(5), requires_grad=True),
        "layers.1.W": tg.Tensor(rng.standard_normal((5, 2)), requires_grad=True),
        "layers.1.b": tg.Tensor(np.zeros(2), requires_grad=True),
    }
    for k, p in params.items():
        p.name = k
    with tg.name_scope("layers.0"):
        h = (X @ params["layers.0.W"] + params["layers.0.b"]).relu()
    with tg.name_scope("layers.1"):
        s = h @ params["layers.1.W"] + params["layers.1.b"]
    return cross_entropy(s, np.array([0, 1, 1, 0])), params


@needs_dot
def test_small_graph_has_one_node_per_op_and_tensor(tmp_path):
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((4, 3)))
    W = tg.Tensor(rng.standard_normal((3, 2)), requires_grad=True, name="W")
    b = tg.Tensor(np.zeros(2), requires_grad=True, name="b")
    out = ((x @ W) + b).relu().sum()
    path = render_graph(out, tmp_path / "g.svg")
    assert path == tmp_path / "g.svg"
    nodes = svg_nodes(path)
    assert sorted(n["text"] for n in nodes["op"]) == ["Add", "MatMul", "ReLU", "Sum"]
    assert len(nodes["tensor"]) == 7  # x, W, b, x@W, +b, relu, sum
    assert len(nodes["param"]) == 2 and len(nodes["const"]) == 1 and len(nodes["output"]) == 1
    assert {n["text"].split("\n")[0] for n in nodes["param"]} == {"W", "b"}
    assert "(4, 2) float64" in [n["text"] for n in nodes["intermediate"]]
    assert nodes["output"][0]["text"] == "scalar float64"
    assert svg_edge_count(path) == 10  # 2+1 MatMul, 2+1 Add, 1+1 ReLU, 1+1 Sum


def test_edges_follow_the_data_and_shared_tensors_are_one_node():
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    a = x * x  # x used twice by one op
    out = (a + a.exp()).sum()  # a used by two ops
    src = draw_graph(out).source
    assert len(re.findall(r"class=op\b", src)) == 4  # Mul, Exp, Add, Sum
    assert len(re.findall(r'class="tensor', src)) == 5  # x, a, exp, add, sum
    # x -> Mul twice; every op has exactly one outgoing edge to its output tensor
    x_id = re.search(r'^\s*(t\d+) \[label="x\\n', src, re.M).group(1)
    assert len(re.findall(rf"^\s*{x_id} -> op\d+", src, re.M)) == 2
    op_out = re.findall(r"^\s*(op\d+) -> t\d+", src, re.M)
    assert sorted(op_out) == sorted(set(op_out)) and len(op_out) == 4


def test_labels_show_params_values_and_grads():
    rng = np.random.default_rng(1)
    loss, params = mlp_loss(rng)
    loss.backward()
    src = draw_graph(loss, values=True, grads=True).source
    W = params["layers.0.W"]
    assert f"grad min {W.grad.min():.4g}  mean {W.grad.mean():.4g}  max {W.grad.max():.4g}" in src
    assert f"value {loss.item():.4g}" in src
    assert "targets=[0,1,1,0]" in src  # CrossEntropy's array parameter
    assert "reduction='mean'" in src
    # intermediates keep no gradient: not labelled "no grad" each, said once in the legend
    assert "no grad" not in src and src.count("grad min") == len(params)
    assert "no grad line: none kept" in draw_graph(loss, grads=True, legend=True).source
    assert "grad" not in draw_graph(loss).source.replace("class", "")
    src = draw_graph(tg.Tensor(np.ones((2, 3)), requires_grad=True).sum(axis=1)).source
    assert "Sum\\naxis=1" in src
    src = draw_graph(tg.Tensor(np.ones(2), requires_grad=True) * 0.125).source
    assert 'label="scalar float64\\nvalue 0.125"' in src  # constant scalars show their value


@needs_dot
def test_parameter_names_and_clusters_in_svg(tmp_path):
    loss, params = mlp_loss(np.random.default_rng(2))
    path = render_graph(loss, tmp_path / "mlp.svg", legend=True)
    nodes = svg_nodes(path)
    texts = "\n".join(n["text"] for n in nodes["param"])
    for name in params:
        assert name in texts
    assert sorted(c["text"] for c in nodes["cluster"] if c["text"] != "legend") == [
        "layers.0", "layers.1"]
    # each layer's parameters sit in that layer's cluster; CrossEntropy is outside both
    where = clusters_of(draw_graph(loss).source)
    src = draw_graph(loss).source
    for name in params:
        nid = re.search(rf'^\s*(t\d+) \[label="{re.escape(name)}\\n', src, re.M).group(1)
        assert where[nid] == [name.rsplit(".", 1)[0]]
    ce = re.search(r'^\s*(op\d+) \[label="CrossEntropy', src, re.M).group(1)
    assert where[ce] == []


def test_nested_scopes_give_nested_clusters_and_time_steps_one_cluster_each():
    rng = np.random.default_rng(3)
    W = tg.Tensor(rng.standard_normal((3, 3)), requires_grad=True, name="W")
    h = tg.Tensor(np.zeros((1, 3)))
    T = 7
    with tg.name_scope("rnn"):
        for t in range(T):
            with tg.name_scope(f"t={t}"):
                h = (h @ W + tg.Tensor(rng.standard_normal((1, 3)))).tanh()
    dot = draw_graph(h.sum(), max_steps=None)
    where = clusters_of(dot.source)
    ops = [n for n in where if n.startswith("op")]
    assert len(ops) == 3 * T + 1
    assert sorted(tuple(where[o]) for o in ops) == sorted(
        [("rnn", f"t={t}") for t in range(T) for _ in range(3)] + [()]
    )
    W_id = re.search(r'^\s*(t\d+) \[label="W\\n', dot.source, re.M).group(1)
    assert where[W_id] == ["rnn"]  # shared by all steps: in the common scope only
    assert "subgraph" not in draw_graph(h.sum(), clusters=False).source


def chain(k: int) -> tg.Tensor:
    x = tg.Tensor(np.ones(2), requires_grad=True)
    for _ in range(k):
        x = x * 1.0001
    return x


class _Tripwire(tg.Function):
    """An op the traversal must never reach: touching its parents fails the test."""

    @property
    def parents(self):
        raise AssertionError("draw_graph walked past max_nodes instead of stopping")


def test_max_nodes_stops_a_runaway_graph_early():
    big = chain(10_000)  # 30,001 nodes: one leaf, and per op an op, a constant, an output
    t = big
    for _ in range(1_000):  # 1000 ops from the output = 3000 nodes > max_nodes
        t = t._ctx.parents[0]
    t._ctx = _Tripwire()
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"max_nodes=2000.*max_nodes=<larger number>"):
        draw_graph(big)
    assert time.perf_counter() - t0 < 5.0
    small = chain(20)
    draw_graph(small, max_nodes=3 * 20 + 1)  # exactly the limit is fine
    with pytest.raises(ValueError, match="max_nodes=60"):
        draw_graph(small, max_nodes=3 * 20)


@pytest.mark.slow
def test_deep_graph_is_traversed_without_recursion():
    src = draw_graph(chain(5_000), max_nodes=20_000).source  # far deeper than the stack limit
    assert len(re.findall(r"class=op\b", src)) == 5_000


@st.composite
def programs(draw):
    """Random DAGs: each step applies a unary or binary op to earlier values (by index)."""
    n_leaves = draw(st.integers(1, 3))
    steps = draw(st.lists(st.tuples(st.sampled_from(["add", "mul", "exp", "neg", "sub"]),
                                    st.integers(0, 10**6), st.integers(0, 10**6)),
                          min_size=1, max_size=25))
    return n_leaves, steps


@given(programs())
def test_op_nodes_are_exactly_the_ops_the_output_depends_on(prog):
    n_leaves, steps = prog
    vals = [tg.Tensor(np.full(2, 0.1 * (i + 1)), requires_grad=True) for i in range(n_leaves)]
    deps: list[set[int]] = [set() for _ in vals]  # step indices each value depends on
    for s, (op, i, j) in enumerate(steps):
        a, b = i % len(vals), j % len(vals)
        x, y = vals[a], vals[b]
        if op in ("add", "mul", "sub"):
            out = x + y if op == "add" else x * y if op == "mul" else x - y
            d = deps[a] | deps[b]
        elif op == "exp":
            out = x.clip(-5, 5).exp()
            d = deps[a] | {-s - 1}  # the clip op too
        else:
            out = -x
            d = set(deps[a])
        vals.append(out)
        deps.append(d | {s})
    src = draw_graph(vals[-1]).source
    assert len(re.findall(r"class=op\b", src)) == len(deps[-1])


def test_leaf_draws_as_one_node_and_bad_arguments_are_clear(tmp_path):
    leaf = tg.Tensor(np.ones(3), requires_grad=True, name="w")
    src = leaf.draw().source
    assert "class=op" not in src and "->" not in src
    assert len(re.findall(r'class="tensor output"', src)) == 1
    assert isinstance(leaf.draw(), graphviz.Digraph)
    with pytest.raises(TypeError, match="expects a Tensor"):
        draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(leaf, rankdir="XY")
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf"):
        render_graph(leaf, tmp_path / "g.jpeg2000")
    assert "rankdir=LR" in draw_graph(leaf, rankdir="LR").source


@needs_dot
@pytest.mark.parametrize("ext,magic", [("png", b"\x89PNG"), ("pdf", b"%PDF"), ("dot", b"digraph")])
def test_render_formats_by_extension(tmp_path, ext, magic):
    x = tg.Tensor(np.ones(2), requires_grad=True)
    path = render_graph((x * 2).sum(), tmp_path / "sub" / f"g.{ext}")
    assert path.read_bytes().startswith(magic)


def test_missing_dot_gives_install_help_and_writes_the_source(tmp_path, monkeypatch):
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    x = tg.Tensor(np.ones(2), requires_grad=True)
    out = (x @ x).relu()
    target = tmp_path / "out" / "graph.svg"
    with pytest.raises(GraphvizNotFoundError) as err:
        render_graph(out, target)
    msg = str(err.value)
    assert isinstance(err.value, RuntimeError)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz",
                 "https://graphviz.org/download/", str(target.with_suffix(".dot"))):
        assert hint in msg
    assert not target.exists()
    src = target.with_suffix(".dot").read_text()
    assert "MatMul" in src and "ReLU" in src
    # in Jupyter the graph explains itself instead of raising
    bundle = draw_graph(out)._repr_mimebundle_()
    assert "apt-get install graphviz" in bundle["text/plain"]


# ---- the `tinygrad-dl graph` command -------------------------------------------------------
def _model(model: str, hidden: list[int]):
    from tinygrad_dl.commands.graph import SMALL
    from tinygrad_dl.models import MODELS

    S = SMALL
    args = {"one-layer": (S["d"], S["K"]), "two-layer": (S["d"], S["m"], S["K"]),
            "k-layer": (S["d"], hidden, S["K"]), "char-rnn": (S["rnn_K"], S["rnn_m"])}[model]
    return MODELS[model](*args)


@needs_dot
@pytest.mark.parametrize("model", ["one-layer", "two-layer", "k-layer", "char-rnn"])
def test_graph_command_renders_each_model(tmp_path, capsys, model):
    pytest.importorskip("tinygrad_dl.models")
    from tinygrad_dl.cli import main

    out = tmp_path / f"{model}.svg"
    extra = {"char-rnn": ["--seq-length", "3"], "k-layer": ["--hidden", "5", "4", "3"]}
    assert main(["graph", model, "--out", str(out), *extra.get(model, [])]) == 0
    assert str(out) in capsys.readouterr().out
    nodes = svg_nodes(out)
    names = {n["text"].split("\n")[0] for n in nodes["param"]}
    reference = _model(model, [5, 4, 3])
    assert names == set(reference.course_names().values())
    clusters = [c["text"] for c in nodes["cluster"]]
    if model == "char-rnn":
        assert names == {"U", "W", "V", "b", "c"}
        assert sorted(c for c in clusters if c.startswith("t=")) == ["t=0", "t=1", "t=2"]
    else:  # one cluster per course layer, numbered from 1, never a Sequential index
        L = {"one-layer": 1, "two-layer": 2, "k-layer": 4}[model]
        assert {f"layer {i}" for i in range(1, L + 1)} <= set(clusters)
        assert not any(c.startswith("layers.") for c in clusters)
        assert ("W1" in names) == (L > 1) and ("W" in names) == (L == 1)
    assert len(nodes["output"]) == 1


@needs_dot
def test_graph_command_values_and_grads(tmp_path):
    from tinygrad_dl.cli import main

    out = tmp_path / "g.svg"
    assert main(["graph", "two-layer", "--out", str(out), "--values", "--grads"]) == 0
    params = svg_nodes(out)["param"]
    assert params and all("grad min" in p["text"] and "value now min" in p["text"] for p in params)


def test_graph_command_errors_are_one_clean_line(tmp_path, capsys, monkeypatch):
    from tinygrad_dl.cli import main

    assert main(["graph", "three-layer", "--out", str(tmp_path / "g.svg")]) == 2
    assert "unknown model 'three-layer'" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` here
    assert main(["graph", "one-layer", "--out", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert "brew install graphviz" in err and len(err.strip().splitlines()) == 1
    assert "Linear" in (tmp_path / "g.dot").read_text()  # the one-layer model: X W^T + b
    args = ["graph", "char-rnn", "--seq-length", "50", "--max-nodes", "100", "--out", "x.svg"]
    assert main(args) == 2
    assert "--max-nodes 100" in capsys.readouterr().err
