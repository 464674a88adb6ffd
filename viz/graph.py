"""Draw the computation graph that produced a Tensor, with graphviz.

One node per tensor (boxes) and one per op (ellipses); edges follow the data: inputs -> op ->
output. Ops recorded inside `name_scope("layers.0")` (every Module call, every RNN time step)
are grouped into one graphviz cluster per scope, nested for nested scopes, so a 9-layer net or a
char-RNN unrolled over 25 steps reads like its definition instead of as a wall of nodes.
Clusters are laid out in natural order (t=2 before t=10), a long run of numbered sibling scopes
(t=0 ... t=24) is folded to its first and last steps plus one node saying how many are hidden, and
a parameter sits in the box of the module that uses it even when the L2 penalty also reads it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from tinygrad_dl.engine import Function
from tinygrad_dl.tensor import Tensor

__all__ = ["GraphvizNotFoundError", "INSTALL_HINT", "draw_graph", "render_graph"]

INSTALL_HINT = (
    "install the Graphviz `dot` program (the Python package `graphviz` alone is not enough): "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), "
    "`conda install graphviz` (conda), or see https://graphviz.org/download/"
)

# fill colours by role; the output is also drawn thicker, constants dashed
COLORS = {
    "output": "#f4a261",
    "param": "#9ecae1",
    "const": "#e5e5e5",
    "intermediate": "#ffffff",
    "op": "#fff1a8",
}
# multi-input ops whose argument order does not matter: their edges need no position label
_COMMUTATIVE = {"Add", "Mul", "Maximum"}


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz `dot` executable is not installed (or not on PATH)."""


class GraphDigraph(graphviz.Digraph):
    """A graphviz.Digraph that tells how to install Graphviz instead of failing in Jupyter."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kw: Any) -> Any:
        try:
            return super()._repr_mimebundle_(include, exclude, **kw)
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"cannot display the graph: {INSTALL_HINT}"}


# ---- labels ----------------------------------------------------------------------------------
def _esc(s: str) -> str:
    """Make user text literal inside a DOT label (backslashes would be escape sequences)."""
    return s.replace("\\", "\\\\")


def _num(v: float) -> str:
    return f"{v:.4g}"


def summarize(a: np.ndarray) -> str:
    """'2.303' for a scalar, 'min .. mean .. max' for an array, with a count of non-finites."""
    if a.size == 0:
        return "empty"
    if a.dtype.kind == "b":
        a = a.astype(np.int8)
    if a.size == 1:
        return _num(float(a.reshape(-1)[0].real))
    a = a.real.astype(np.float64, copy=False)
    finite = np.isfinite(a)
    bad = a.size - int(finite.sum())
    if bad == a.size:
        return f"all {a.size} non-finite"
    f = a if bad == 0 else a[finite]
    text = f"min {_num(f.min())}  mean {_num(f.mean())}  max {_num(f.max())}"
    return text + (f"  ({bad} non-finite)" if bad else "")


def _param_text(v: Any) -> str:
    """Short text for an op parameter: arrays become dtype[shape], slices a:b:c."""
    if isinstance(v, np.ndarray):
        return f"{v.dtype}{list(v.shape)}" if v.size > 4 else np.array2string(v, separator=",")
    if isinstance(v, slice):
        parts = ["" if x is None else str(x) for x in (v.start, v.stop, v.step)]
        return ":".join(parts[:2] if v.step is None else parts)
    if isinstance(v, (tuple, list)):
        inner = ",".join(_param_text(x) for x in v)
        return f"({inner})" if isinstance(v, tuple) else f"[{inner}]"
    if isinstance(v, float):
        return _num(v)
    if v is Ellipsis:
        return "..."
    return repr(v) if isinstance(v, str) else str(v)


def op_label(ctx: Function) -> str:
    """The op name, then its non-default-looking parameters (None/False are left out)."""
    lines = [ctx.name]
    for k, v in (getattr(ctx, "params", None) or {}).items():
        if v is None or v is False:
            continue
        text = _param_text(v)
        if len(text) > 40:
            text = text[:37] + "..."
        lines.append(f"{k}={text}")
    return "\\n".join(_esc(s) for s in lines)


def tensor_label(t: Tensor, shapes: bool, values: bool, grads: bool) -> str:
    lines = []
    if t.name:
        lines.append(t.name)
    if shapes:
        shape = "scalar" if t.data.ndim == 0 else str(tuple(t.data.shape))
        lines.append(f"{shape} {t.data.dtype}")
    if values or (t._ctx is None and not t.requires_grad and t.data.size == 1):
        lines.append(f"value {summarize(t.data)}")  # a constant scalar reads like a literal
    if grads and t.grad is not None:  # absence is explained once, in the legend
        lines.append(f"grad {summarize(np.asarray(t.grad))}")
    return "\\n".join(_esc(s) for s in lines)


# ---- traversal -------------------------------------------------------------------------------
@dataclass
class _Graph:
    tensors: list[tuple[str, Tensor]] = field(default_factory=list)
    ops: list[tuple[str, Function, str]] = field(default_factory=list)  # (id, ctx, out id)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (tail, head, label)
    scope_of: dict[str, str | None] = field(default_factory=dict)  # node id -> scope
    consumers: dict[str, list[str]] = field(default_factory=dict)  # tensor id -> op ids


def _too_big(max_nodes: int) -> ValueError:
    return ValueError(
        f"draw_graph: the graph has more than max_nodes={max_nodes} nodes (tensors + ops), "
        f"so it was not drawn; pass max_nodes=<larger number> (e.g. max_nodes={max_nodes * 10}) "
        "to draw it anyway, or draw a smaller piece (fewer layers or time steps)"
    )


def _collect(root: Tensor, max_nodes: int) -> _Graph:
    """Walk the DAG from `root` iteratively, one node per tensor/op (deduped by id)."""
    g = _Graph()
    tid: dict[int, str] = {id(root): "t0"}
    g.tensors.append(("t0", root))
    stack = [root]
    while stack:
        t = stack.pop()
        ctx = t._ctx
        if ctx is None:
            continue
        me = tid[id(t)]
        oid = f"op{len(g.ops)}"
        g.ops.append((oid, ctx, me))
        if len(g.tensors) + len(g.ops) > max_nodes:  # count as we go: stop runaway graphs early
            raise _too_big(max_nodes)
        scope = getattr(ctx, "scope", None)
        g.scope_of[oid] = g.scope_of[me] = scope
        g.edges.append((oid, me, ""))
        label_inputs = len(ctx.parents) > 1 and ctx.name not in _COMMUTATIVE
        for i, p in enumerate(ctx.parents):
            pid = tid.get(id(p))
            if pid is None:
                pid = tid[id(p)] = f"t{len(g.tensors)}"
                g.tensors.append((pid, p))
                if len(g.tensors) + len(g.ops) > max_nodes:
                    raise _too_big(max_nodes)
                stack.append(p)
            g.consumers.setdefault(pid, []).append(oid)
            g.edges.append((pid, oid, str(i) if label_inputs else ""))
    # a leaf (parameter, input) sits in the innermost scope holding all of its consumers:
    # a layer's W and b land in that layer's cluster, an RNN's shared U/W/V stay outside.
    # For a parameter, unscoped consumers (the L2 penalty over every W) do not count, or each
    # weight would be drawn outside its layer while its bias sits inside.
    for pid, t in g.tensors:
        if t._ctx is None:
            scopes = [g.scope_of[o] for o in g.consumers.get(pid, [])]
            if t.requires_grad and any(scopes):
                scopes = [sc for sc in scopes if sc]
            g.scope_of[pid] = _common_scope(scopes)
    return g


def _natural_key(scope: str) -> list[Any]:
    """Sort key reading digit runs as numbers: t=2 before t=10, layer 9 before layer 10."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", scope)]


# a time step: "t=12", "step=3" (the char-RNN's scopes); layers ("layer 3") are never folded
_STEP = re.compile(r"^(\w+=)(\d+)$")


def _fold(g: _Graph, max_steps: int) -> list[tuple[str, str, str | None, int]]:
    """Hide the middle of every run of more than `max_steps` sibling time-step scopes (t=0...).

    Their nodes become one placeholder per run; edges to and from them are redirected to it
    (duplicates merged). Returns (placeholder id, label, scope, hidden count) per fold.
    """
    runs: dict[tuple[str | None, str], list[tuple[int, str]]] = {}
    scopes = {sc for sc in g.scope_of.values() if sc}
    for sc in list(scopes):
        parts = sc.split("/")
        scopes.update("/".join(parts[:i]) for i in range(1, len(parts)))
    for sc in scopes:
        parent, _, last = sc.rpartition("/")
        m = _STEP.match(last)
        if m:
            runs.setdefault((parent or None, m.group(1)), []).append((int(m.group(2)), sc))
    folds, hidden_of = [], {}
    for (parent, _stem), steps in sorted(runs.items(), key=lambda kv: _natural_key(str(kv[0]))):
        if len(steps) <= max_steps:
            continue
        steps.sort()
        head, tail = (max_steps + 1) // 2, max_steps // 2
        hidden = steps[head:len(steps) - tail]
        fid = f"fold{len(folds)}"
        first, last = hidden[0][1].rpartition("/")[2], hidden[-1][1].rpartition("/")[2]
        label = f"{first} ... {last}\\n{len(hidden)} steps hidden"
        folds.append((fid, label, parent, len(hidden)))
        for _, sc in hidden:
            hidden_of[sc] = fid
    if not folds:
        return folds

    def placeholder(node_id: str) -> str | None:
        sc = g.scope_of.get(node_id)
        while sc:
            if sc in hidden_of:
                return hidden_of[sc]
            sc = sc.rpartition("/")[0]
        return None

    rep = {nid: f for nid in g.scope_of if (f := placeholder(nid))}
    g.tensors = [(i, t) for i, t in g.tensors if i not in rep]
    g.ops = [op for op in g.ops if op[0] not in rep]
    merged: dict[tuple[str, str], list[str]] = {}
    for tail, head, label in g.edges:
        tail, head = rep.get(tail, tail), rep.get(head, head)
        if tail != head:
            merged.setdefault((tail, head), []).append(label)
    g.edges = [(t, h, _merge_labels(ls)) for (t, h), ls in merged.items()]
    for nid in rep:
        del g.scope_of[nid]  # or the hidden steps would still be drawn, as empty boxes
    for fid, _, parent, _ in folds:
        g.scope_of[fid] = parent
    return folds


def _merge_labels(labels: list[str]) -> str:
    """One label for merged edges: the argument positions they carried, as a range."""
    nums = sorted(int(x) for x in labels if x.isdigit())
    if not nums:
        return ""
    return str(nums[0]) if len(nums) == 1 else f"{nums[0]}-{nums[-1]}"


def _common_scope(scopes: list[str | None]) -> str | None:
    if not scopes or any(s is None for s in scopes):
        return None
    parts = [s.split("/") for s in scopes]  # type: ignore[union-attr]
    common: list[str] = []
    for level in zip(*parts):
        if any(x != level[0] for x in level):
            break
        common.append(level[0])
    return "/".join(common) or None


# ---- drawing ---------------------------------------------------------------------------------
def draw_graph(
    tensor: Tensor,
    *,
    shapes: bool = True,
    values: bool = False,
    grads: bool = False,
    max_nodes: int = 2000,
    clusters: bool = True,
    rankdir: str = "TB",
    legend: bool = False,
    max_steps: int | None = 6,
) -> graphviz.Digraph:
    """The graphviz.Digraph of the computation that produced `tensor`.

    Tensors are boxes labelled name / shape dtype (and, if asked, a value summary and the
    gradient held: run backward() first to see parameter gradients); ops are ellipses with the
    op name and its parameters (axis=...); an edge into a non-commutative op is labelled with
    the argument position it feeds (0: x in x @ W, 1: W). Colours: output orange, parameters
    (leaves that require grad) blue, constants and data grey and dashed, intermediates white,
    ops yellow. Ops recorded under name_scope(...) are grouped in (nested) clusters when
    `clusters`, in natural order (t=2 before t=10). A run of more than `max_steps` sibling
    time-step scopes named like "t=3" (an RNN's t=0 ... t=24) shows its first and last steps
    and one node saying how many are hidden; max_steps=None draws them all. `legend` adds a
    key to every mark used.
    Raises ValueError when the graph has more than `max_nodes` nodes (tensors + ops).
    In Jupyter, the returned graph displays itself; save it with render_graph().
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph expects a Tensor, got {type(tensor).__name__}")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"draw_graph: rankdir must be 'TB' or 'LR' (or BT/RL), not {rankdir!r}")
    if max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be positive, got {max_nodes}")
    if max_steps is not None and max_steps < 2:
        raise ValueError(f"draw_graph: max_steps must be at least 2 (or None), got {max_steps}")
    g = _collect(tensor, max_nodes)
    folds = _fold(g, max_steps) if clusters and max_steps is not None else []

    dot = GraphDigraph(
        name="computation_graph",
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11",
                    "nodesep": "0.25", "ranksep": "0.35"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "height": "0.3"},
        edge_attr={"fontname": "Helvetica", "fontsize": "8", "arrowsize": "0.7"},
    )
    # one subgraph per scope, then nested into its parent scope deepest-first (graphviz copies
    # a subgraph's body when it is added, so children must be complete before their parent)
    scopes = {s for s in g.scope_of.values() if s} if clusters else set()
    for s in list(scopes):
        parts = s.split("/")
        scopes.update("/".join(parts[:i]) for i in range(1, len(parts)))
    sub: dict[str, graphviz.Digraph] = {}
    for i, s in enumerate(sorted(scopes, key=_natural_key)):
        sub[s] = GraphDigraph(
            name=f"cluster_{i}",
            graph_attr={"label": _esc(s.rsplit("/", 1)[-1]), "style": "rounded,dashed",
                        "color": "#888888", "fontcolor": "#555555", "class": "scope"},
        )

    def target(node_id: str) -> graphviz.Digraph:
        s = g.scope_of.get(node_id)
        return sub[s] if clusters and s else dot

    # dot keeps the order nodes are declared in where it can: declare them scope by scope in
    # natural order (t=0, t=1, ... left to right), inputs first (reverse discovery order)
    order = {s: i for i, s in enumerate(sorted(scopes, key=_natural_key))}
    by_scope = lambda nid: order.get(g.scope_of.get(nid) or "", -1)  # noqa: E731
    roles = set()
    for nid, t in sorted(reversed(g.tensors), key=lambda it: by_scope(it[0])):
        label = tensor_label(t, shapes, values, grads)
        if nid == "t0":
            role, style, extra = "output", "filled,rounded,bold", {"penwidth": "2"}
        elif t._ctx is None and t.requires_grad:
            role, style, extra = "param", "filled,rounded", {}
        elif t._ctx is None:
            role, style, extra = "const", "filled,rounded,dashed", {}
        else:
            role, style, extra = "intermediate", "filled,rounded", {}
        roles.add(role)
        shape = "box" if label else "point"
        target(nid).node(nid, label=label, shape=shape, style=style, fillcolor=COLORS[role],
                         **{"class": f"tensor {role}"}, **extra)
    for oid, ctx, _ in sorted(reversed(g.ops), key=lambda op: by_scope(op[0])):
        target(oid).node(oid, label=op_label(ctx), shape="ellipse", style="filled",
                         fillcolor=COLORS["op"], **{"class": "op"})
    for fid, label, _, _ in folds:
        target(fid).node(fid, label=label, shape="box", style="dotted,rounded",
                         **{"class": "fold"})
    for tail, head, label in reversed(g.edges):
        dot.edge(tail, head, label=label or None)

    for s in sorted(sub, key=lambda s: -s.count("/")):
        parent = s.rsplit("/", 1)[0] if "/" in s else None
        (sub[parent] if parent else dot).subgraph(sub[s])
    if legend:
        _add_legend(dot, roles=roles, positions=any(lb for _, _, lb in g.edges),
                    scopes=bool(sub), grads=grads, folded=bool(folds))
    return dot


def _add_legend(dot: graphviz.Digraph, *, roles: set[str], positions: bool, scopes: bool,
                grads: bool, folded: bool) -> None:
    """A key to every mark the graph uses (and only those)."""
    with dot.subgraph(name="cluster_legend") as lg:
        lg.attr(label="legend", style="rounded", color="#bbbbbb", fontcolor="#555555")
        for role, text in [("output", "output"), ("param", "parameter"),
                           ("const", "constant / data"), ("intermediate", "intermediate")]:
            if role not in roles:
                continue
            style = "filled,rounded" + (",dashed" if role == "const" else "")
            lg.node(f"legend_{role}", label=text, shape="box", style=style,
                    fillcolor=COLORS[role], **{"class": "legend"})
        lg.node("legend_op", label="op", shape="ellipse", style="filled",
                fillcolor=COLORS["op"], **{"class": "legend"})
        notes = []
        if positions:
            notes.append("edge label 0, 1, ...: the argument position it feeds "
                         "(x @ W: 0 is x, 1 is W); commutative ops have none")
        if scopes:
            notes.append("dashed box: a module or time step (name_scope)")
        if folded:
            notes.append("dotted box: time steps not drawn (draw_graph max_steps=None)")
        if grads:
            notes.append("grad min mean max: the .grad left by backward(); no grad line: "
                         "none kept (intermediates free theirs, retain_grad() keeps one)")
        if notes:
            lg.node("legend_notes", label="\\l".join(notes) + "\\l", shape="plaintext",
                    **{"class": "legend"})


# ---- rendering -------------------------------------------------------------------------------
FORMATS = ("svg", "png", "pdf")


def render_graph(tensor: Tensor | graphviz.Digraph, path: str | Path, **kw: Any) -> Path:
    """Draw `tensor`'s graph (see draw_graph; **kw go there) and write it to `path`.

    The format comes from the extension: .svg, .png, .pdf, or .dot/.gv for the DOT source only.
    Without the Graphviz `dot` program this raises GraphvizNotFoundError, after writing the
    DOT source next to `path` (same name, .dot) so nothing is lost.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS + ("dot", "gv"):
        raise ValueError(
            f"render_graph: cannot tell the format of {path}: use a .svg, .png, .pdf "
            "(or .dot) file name"
        )
    dot = tensor if isinstance(tensor, graphviz.Digraph) else draw_graph(tensor, **kw)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("dot", "gv"):
        path.write_text(dot.source)
        return path
    try:
        data = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        src = path.with_suffix(".dot")
        src.write_text(dot.source)
        raise GraphvizNotFoundError(
            f"cannot render {path}: Graphviz's `dot` program was not found on PATH. "
            f"The graph's DOT source was written to {src} instead (render it later with "
            f"`dot -T{fmt} {src} -o {path}`). To fix: {INSTALL_HINT}"
        ) from None
    except subprocess.CalledProcessError as e:
        err = (e.stderr or b"").decode(errors="replace").strip()
        raise RuntimeError(f"Graphviz failed to render {path}: {err or e}") from None
    path.write_bytes(data)
    return path
