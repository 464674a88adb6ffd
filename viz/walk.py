"""Walking the graph behind a Tensor for drawing: one node per tensor and op, the scope each
sits in (a parameter in the module that uses it), and folding long runs of time steps.

viz.graph turns the result into graphviz; this part knows nothing of graphviz.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tinygrad_dl.engine import Function
from tinygrad_dl.tensor import Tensor

# multi-input ops whose argument order does not matter: their edges need no position label
COMMUTATIVE = {"Add", "Mul", "Maximum"}


@dataclass
class Graph:
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


def collect(root: Tensor, max_nodes: int) -> Graph:
    """Walk the DAG from `root` iteratively, one node per tensor/op (deduped by id)."""
    g = Graph()
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
        label_inputs = len(ctx.parents) > 1 and ctx.name not in COMMUTATIVE
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


def natural_key(scope: str) -> list[Any]:
    """Sort key reading digit runs as numbers: t=2 before t=10, layer 9 before layer 10."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", scope)]


# a time step: "t=12", "step=3" (the char-RNN's scopes); layers ("layer 3") are never folded
_STEP = re.compile(r"^(\w+=)(\d+)$")


def fold(g: Graph, max_steps: int) -> list[tuple[str, str, str | None, int]]:
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
    for (parent, _stem), steps in sorted(runs.items(), key=lambda kv: natural_key(str(kv[0]))):
        if len(steps) <= max_steps:
            continue
        steps.sort()
        n_head, n_tail = (max_steps + 1) // 2, max_steps // 2  # 6: t=0..2 and the last 3
        hidden = steps[n_head:len(steps) - n_tail]
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
    """One label for merged edges: the argument positions they carried, each once ("1", not
    "1-1", when every merged edge fed position 1), as a range when they are consecutive."""
    nums = sorted({int(x) for x in labels if x.isdigit()})
    if not nums:
        return ""
    if len(nums) == 1:
        return str(nums[0])
    if nums[-1] - nums[0] == len(nums) - 1:
        return f"{nums[0]}-{nums[-1]}"
    return ",".join(map(str, nums))  # 0 and 2: "0-2" would claim position 1 too


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
