"""Draw the computation graph that produced a Tensor, with graphviz.

One node per tensor (boxes) and one per op (ellipses); edges follow the data: inputs -> op ->
output. Ops recorded inside `name_scope("layers.0")` (every Module call, every RNN time step)
are grouped into one graphviz cluster per scope, nested for nested scopes, so a 9-layer net or a
char-RNN unrolled over 25 steps reads like its definition instead of as a wall of nodes.
Clusters are laid out in natural order (t=2 before t=10), a long run of time steps
(t=0 ... t=24) is folded to its first and last steps plus one node saying how many are hidden,
and a parameter sits in the box of the module that uses it even when the L2 penalty also reads
it (the walk and those rules: viz/walk.py).
"""

from __future__ import annotations

import errno
import hashlib
import numbers
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from tinygrad_dl import files, jupyter
from tinygrad_dl.engine import Function
from tinygrad_dl.jupyter import DotTimeoutError, run_dot
from tinygrad_dl.tensor import Tensor

from .walk import collect, fold, natural_key

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


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz `dot` executable is not installed (or not on PATH)."""


# the pictures Jupyter may ask a graph for, and dot's format for each (as graphviz's display)
_JUPYTER_FORMATS = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpeg"}


class GraphDigraph(graphviz.Digraph):
    """A graphviz.Digraph that tells how to install Graphviz instead of failing in Jupyter, and
    that stops `dot` after jupyter.DOT_TIMEOUT seconds there (graphviz's display waited for as long
    as dot ran: a deeply nested graph hung the notebook)."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kw: Any) -> Any:
        want = set(include) if include is not None else {self._jupyter_mimetype}
        want -= set(exclude or ())
        try:
            out: dict[str, Any] = {m: run_dot(self, f, jupyter.DOT_TIMEOUT)
                                   for m, f in _JUPYTER_FORMATS.items() if m in want}
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"cannot display the graph: {INSTALL_HINT}"}
        except subprocess.TimeoutExpired:
            return {"text/plain": f"cannot display the graph: Graphviz's `dot` did not lay it "
                    f"out within {jupyter.DOT_TIMEOUT:g} s: draw it with clusters=False or a "
                    "smaller piece, or save it with render_graph(..., timeout=None)"}
        if "image/svg+xml" in out:  # (text, as graphviz's display gives it)
            out["image/svg+xml"] = out["image/svg+xml"].decode("utf-8")
        return out


# ---- labels ----------------------------------------------------------------------------------
# control characters but tab, newline and return: dot stops at a NUL (a syntax error) and copies
# the others into the SVG, which no XML reader then opens (U+FFFE and U+FFFF too: not XML
# characters either); a lone surrogate cannot be encoded
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _esc(s: str) -> str:
    """Make user text literal inside a DOT label: backslashes would be escape sequences, dot
    decodes HTML entities even in plain labels ("&lt;" drew as "<"), and a control character
    is drawn as its Python escape ("\\x01")."""
    # a name set as an attribute after Tensor() (t.name = 3) is not checked: draw its text
    s = (s if isinstance(s, str) else str(s)).replace("\\", "\\\\").replace("&", "&amp;")
    # (the escape's backslash doubled too: it is drawn, not read by dot)
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1].replace("\\", "\\\\"), s)


def _label(lines: list[str]) -> str:
    """One DOT label from lines of user text, always literal: the graphviz package passes a
    string that starts with "<" and ends with ">" to dot as an HTML-like label, so a name
    "<pad>" would draw as "pad", "<>" as nothing and "<b>x</b>" would be a dot syntax error."""
    return graphviz.nohtml("\\n".join(_esc(s) for s in lines))


def _num(v: float) -> str:
    return f"{v:.4g}"


def summarize(a: np.ndarray) -> str:
    """'2.303' for a scalar, 'min .. mean .. max' for an array, with a count of non-finites."""
    if a.size == 0:
        return "empty"
    if a.dtype.kind == "b":
        a = a.astype(np.int8)
    if a.dtype.kind == "c":  # (the real part alone drew 1+2j as "1", [1, 1+5j] as constant)
        if a.size == 1:
            z = complex(a.reshape(-1)[0])
            return f"{_num(z.real)}{z.imag:+.4g}j"
        return "|z| " + summarize(np.abs(a))
    if a.size == 1:
        return _num(float(a.reshape(-1)[0]))
    # int64 beyond 2**53 (float64 draws 2**53 and 2**53 + 1 alike): its min and max exactly
    ints = (int(a.min()), int(a.max())) if a.dtype.kind in "iu" else None
    a = a.astype(np.float64, copy=False)
    finite = np.isfinite(a)
    bad = a.size - int(finite.sum())
    if bad == a.size:
        return f"all {a.size} non-finite"
    f = a if bad == 0 else a[finite]
    lo, hi = float(f.min()), float(f.max())
    with np.errstate(over="ignore"):
        mean = float(f.mean())
    if not np.isfinite(mean):  # (a sum past float64's range, 1e308 twice: "mean inf")
        scale = max(abs(lo), abs(hi))
        mean = float((f / scale).mean()) * scale
    digits = 4  # more where 4 would print a varying array as constant ("min 1 ... max 1")
    while lo != hi and f"{lo:.{digits}g}" == f"{hi:.{digits}g}" and digits < 17:
        digits += 1
    lo_t, hi_t = f"{lo:.{digits}g}", f"{hi:.{digits}g}"
    if ints is not None and ints[0] != ints[1] and lo_t == hi_t:
        lo_t, hi_t = str(ints[0]), str(ints[1])
    text = f"min {lo_t}  mean {mean:.{digits}g}  max {hi_t}"
    return text + (f"  ({bad} non-finite)" if bad else "")


def _param_text(v: Any) -> str:
    """Short text for an op parameter: arrays become dtype[shape], slices a:b:c, a function
    its name."""
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
    if callable(v) and not isinstance(v, type):  # (a callback, BatchNorm's on_stats, was drawn
        # as "<bound method BatchNorm1d.update_runn..."): its name
        return getattr(v, "__name__", type(v).__name__)
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
    return _label(lines)


def tensor_label(t: Tensor, shapes: bool, values: bool, grads: bool) -> str:
    lines = []
    if t.name:
        lines.append(t.name)
    if shapes:
        shape = "scalar" if t.data.ndim == 0 else str(tuple(t.data.shape))
        lines.append(f"{shape} {t.data.dtype}")
    if values or (t._ctx is None and not t.requires_grad and t.data.size == 1):
        # (a constant scalar reads like a literal.) The graph keeps no copy of a parameter's
        # values: what is drawn is its data now, which an optimizer step since the forward
        # has changed while the intermediates still hold what the old values gave: say "now"
        now = " now" if t._ctx is None and t.requires_grad else ""
        lines.append(f"value{now} {summarize(t.data)}")
    if grads and t.grad is not None:  # absence is explained once, in the legend
        lines.append(f"grad {summarize(np.asarray(t.grad))}")
    return _label(lines)


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
    gradient held: run backward() first to see parameter gradients). A parameter's value reads
    "value now": the graph keeps no copy of it, so after an optimizer step it is the new value,
    not the one the graph was computed with. Names and scopes are drawn literally ("<pad>"
    stays "<pad>", never an HTML-like label); ops are ellipses with the
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
    g = collect(tensor, max_nodes)
    folds = fold(g, max_steps) if clusters and max_steps is not None else []

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
    for i, s in enumerate(sorted(scopes, key=natural_key)):
        sub[s] = GraphDigraph(
            name=f"cluster_{i}",
            graph_attr={"label": _label([s.rsplit("/", 1)[-1]]), "style": "rounded,dashed",
                        "color": "#888888", "fontcolor": "#555555", "class": "scope"},
        )

    def target(node_id: str) -> graphviz.Digraph:
        s = g.scope_of.get(node_id)
        return sub[s] if clusters and s else dot

    # dot keeps the order nodes are declared in where it can: declare them scope by scope in
    # natural order (t=0, t=1, ... left to right), inputs first (reverse discovery order)
    order = {s: i for i, s in enumerate(sorted(scopes, key=natural_key))}
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
        target(fid).node(fid, label=graphviz.nohtml(label), shape="box", style="dotted,rounded",
                         **{"class": "fold"})
    for tail, head, label in reversed(g.edges):
        dot.edge(tail, head, label=label or None)

    for s in sorted(sub, key=lambda s: -s.count("/")):
        parent = s.rsplit("/", 1)[0] if "/" in s else None
        (sub[parent] if parent else dot).subgraph(sub[s])
    if legend:
        _add_legend(dot, roles=roles, positions=any(lb for _, _, lb in g.edges),
                    scopes=bool(sub), grads=grads, folded=bool(folds),
                    values_now=values and "param" in roles)
    return dot


def _add_legend(dot: graphviz.Digraph, *, roles: set[str], positions: bool, scopes: bool,
                grads: bool, folded: bool, values_now: bool = False) -> None:
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
            notes.append("dotted box: time steps not drawn (all: --max-steps 0, max_steps=None)")
        if values_now:
            notes.append("value now: a parameter's data when drawn; after an optimizer step "
                         "it is not the value this graph was computed with")
        if grads:
            notes.append("grad min mean max: the .grad left by backward(); no grad line: "
                         "none kept (intermediates free theirs, retain_grad() keeps one)")
        if notes:
            lg.node("legend_notes", label="\\l".join(notes) + "\\l", shape="plaintext",
                    **{"class": "legend"})


# ---- rendering -------------------------------------------------------------------------------
FORMATS = ("svg", "png", "pdf")
_FOREVER = 1e9  # seconds (30 years): a longer timeout waits as None does


# the first line of a DOT source written in place of a picture (no `dot`): with the hash of the
# rest, it proves the file is one of ours, unchanged, which a later run may replace
_FALLBACK = b"// tinygrad-dl: written without Graphviz's dot; sha256 of the rest: "


def _fallback_text(source: str) -> bytes:
    body = source.encode()
    return _FALLBACK + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def _ours(p: Path) -> bool:
    """Whether `p` is a DOT source a fallback of this function wrote, unchanged since: writing
    over it loses nothing (each run without `dot` wrote one more NAME-N.dot beside it)."""
    try:  # (not a link: the write would go through it, into a file named elsewhere)
        if p.is_symlink() or not p.is_file():
            return False
        with open(p, "rb") as f:
            head = f.read(len(_FALLBACK) + 65)  # (the rest is read only after a header of ours)
            if head[:len(_FALLBACK)] != _FALLBACK or head[-1:] != b"\n":
                return False
            digest = hashlib.sha256()
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return False
    return head[len(_FALLBACK):-1] == digest.hexdigest().encode()


def _free_name(src: Path) -> tuple[Path, bool]:
    """NAME-2.dot, NAME-3.dot, ...: the first name beside `src` that holds an unchanged fallback
    of ours (True: reused) or no file (False: claimed, created empty, exclusively, so that a run
    beside this one cannot take it too)."""
    for i in range(2, 10_000):
        cand = src.with_name(f"{src.stem}-{i}{src.suffix}")
        if _ours(cand):
            return cand, True
        try:
            os.close(os.open(cand, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue
        return cand, False
    raise FileExistsError(errno.EEXIST, "no free name beside it", str(src))


class _DotTimeout:
    """render_graph's default timeout: jupyter.DOT_TIMEOUT as it is at the call (the value
    bound at import ignored a later `jupyter.DOT_TIMEOUT = 300`)."""

    def __repr__(self) -> str:
        return "jupyter.DOT_TIMEOUT"


_DOT_TIMEOUT: Any = _DotTimeout()


def render_graph(tensor: Tensor | graphviz.Digraph, path: str | Path, *,
                 timeout: float | None = _DOT_TIMEOUT, **kw: Any) -> Path:
    """Draw `tensor`'s graph (see draw_graph; **kw go there) and write it to `path`.

    The format comes from the extension: .svg, .png, .pdf, or .dot/.gv for the DOT source only.
    Without the Graphviz `dot` program this raises GraphvizNotFoundError, after writing the
    DOT source next to `path` (same name, .dot; NAME-2.dot, ... where a file holds that name:
    a user's file is never replaced) so nothing is lost. Its first line, a comment, marks it
    as this fallback's: a later run without `dot` writes over it (unless it was changed since)
    instead of adding one more NAME-N.dot.
    `dot` is stopped after `timeout` seconds (None: no limit; by default jupyter.DOT_TIMEOUT,
    read at the call) with DotTimeoutError (a RuntimeError), `path` left as it was.
    """
    path = Path(path)
    if timeout is _DOT_TIMEOUT:
        timeout = jupyter.DOT_TIMEOUT
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, numbers.Real)
                                or not timeout > 0):  # ("5" raised TypeError: '>' not supported)
        raise ValueError(f"render_graph: timeout must be a number of seconds > 0 or None, "
                         f"got {timeout!r}")
    if timeout is not None and timeout > _FOREVER:  # (inf, 1e20: OverflowError in select())
        timeout = None
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS + ("dot", "gv"):
        raise ValueError(
            f"render_graph: cannot tell the format of {path}: use a .svg, .png, .pdf "
            "(or .dot) file name"
        )
    if isinstance(tensor, graphviz.Digraph) and kw:  # (they were dropped without a word)
        raise TypeError(f"render_graph: {', '.join(k + '=' for k in kw)} draw a Tensor's graph; "
                        "this one is drawn already: pass them to draw_graph, or the Tensor")
    dot = tensor if isinstance(tensor, graphviz.Digraph) else draw_graph(tensor, **kw)
    if fmt in ("dot", "gv"):
        path.parent.mkdir(parents=True, exist_ok=True)
        files.atomic_write(path, dot.source)
        return path
    try:  # (the folder is made once there is something to write: a failed render left it)
        data = run_dot(dot, fmt, timeout)
    except subprocess.TimeoutExpired:  # (RuntimeError as the failure below: not an OSError)
        n = len(re.findall(r"^[ \t]*subgraph cluster_", dot.source, re.M))
        what = (f"Graphviz's `dot` did not lay out {path} within {timeout:g} s ({n} clusters: "
                "nested scopes are what it is slowest at), so nothing was written")
        raise DotTimeoutError(f"render_graph: {what}: draw it with clusters=False or a smaller "
                              "piece, or pass timeout=None to wait", what) from None
    except graphviz.ExecutableNotFound:
        path.parent.mkdir(parents=True, exist_ok=True)
        src = path.with_suffix(".dot")
        kept, reused, claimed = "", _ours(src), False
        try:
            if src.exists() and not src.is_dir() and not reused:  # a file of the user's, never
                # asked for: not replaced (it was, without a word), the source goes beside it
                kept = f"; {src}, which was there, is left as it was"
                src, reused = _free_name(src)
                claimed = not reused
            files.atomic_write(src, _fallback_text(dot.source))
        except OSError as e:  # ("cannot write x.dot" alone hid the cause: no `dot`)
            if claimed:
                src.unlink(missing_ok=True)  # (the name claimed, empty)
            raise GraphvizNotFoundError(
                f"cannot render {path}: Graphviz's `dot` program was not found on PATH, and "
                f"the graph's DOT source could not be saved instead "
                f"({files.write_error(e, src)}). To fix: {INSTALL_HINT}") from None
        # quoted, so the hint can be pasted into a shell as it is ("g out/é x.dot")
        hint = f"dot -T{fmt} {shlex.quote(str(src))} -o {shlex.quote(str(path))}"
        raise GraphvizNotFoundError(
            f"cannot render {path}: Graphviz's `dot` program was not found on PATH. "
            f"The graph's DOT source was written to {src} instead"
            f"{', over the one an earlier run wrote there,' if reused else ''} (render it "
            f"later with `{hint}`){kept}. To fix: {INSTALL_HINT}"
        ) from None
    except subprocess.CalledProcessError as e:
        err = " ".join((e.stderr or b"").decode(errors="replace").split())  # one line
        raise RuntimeError(f"Graphviz failed to render {path}: {err or e}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    files.atomic_write(path, data)
    return path
