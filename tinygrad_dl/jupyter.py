"""Small helpers for running tinygrad_dl in Jupyter (no project imports: every layer may use them).

- `progress_bar`: tqdm on a terminal or in a notebook, silent elsewhere.
- `in_notebook()`: True inside a Jupyter kernel (ipykernel), where tqdm.auto shows widget
  progress bars even though stderr is not a terminal.
- `ResultsTable`: the results table of an assignment notebook. As a cell's last value it
  displays as an HTML ``<table>`` (and as aligned text in a terminal), so reports built with
  nbconvert carry it as a real table.
- `Figures`: numbers a notebook's figures and tables and shows each figure as an HTML
  ``<figure>`` with its caption and alt text, the image embedded (base64), so a report is one
  self-contained page that reads the same offline and to a screen reader.
- `quick_banner`: the visible "quick smoke run" notice at the top of a `--quick` report.
- Sentence helpers for the notebooks' discussions, so their logic is unit-tested
  (tests/test_report_text.py): `points` (ties read "level with"), `rank_groups` (ties kept
  together), `trend` (direction of a sequence, steps within noise ignored) and
  `gradcheck_discussion` (the gradient-check verdict, per parameter) and `one_image` (what one
  image is worth, counted on the images the accuracies were measured on).
"""

from __future__ import annotations

import base64
import html
import math
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["CaptionedFigure", "DotTimeoutError", "Figures", "HTMLBlock", "ResultsTable",
           "gradcheck_discussion", "in_notebook", "logged_every", "one_image", "percent_text",
           "points", "progress_bar", "quick_banner", "rank_groups", "trend"]


def in_notebook() -> bool:
    """True when running in a Jupyter kernel (not a terminal IPython, not plain Python)."""
    mod = sys.modules.get("IPython")
    if mod is None:
        return False
    try:
        shell = mod.get_ipython()
    except Exception:  # noqa: BLE001  (a half-imported IPython is not a notebook)
        return False
    return shell is not None and getattr(shell, "kernel", None) is not None


def progress_bar(total: int | None, enabled: bool, desc: str, **kwargs: Any) -> Any:
    """A tqdm bar on stderr (a widget in Jupyter), or a silent stand-in when disabled or when
    stderr is neither a terminal nor a notebook's (no carriage-return junk in piped logs)."""
    from tqdm.auto import tqdm  # tqdm.auto probes for ipywidgets: only when a bar is made

    if getattr(tqdm, "_lock", None) is None:
        # our bars live in one process: a thread lock, not tqdm's default multiprocessing
        # RLock, which is a named semaphore that resource_tracker reports as "leaked" at exit
        tqdm.set_lock(threading.RLock())
    on = enabled and (sys.stderr.isatty() or in_notebook())
    return tqdm(total=total, desc=desc, disable=not on, dynamic_ncols=True, **kwargs)


def _fmt(v: Any, digits: int) -> str:
    if v is None:
        return ""
    if isinstance(v, bool) or getattr(getattr(v, "dtype", None), "kind", "") == "b":
        return str(bool(v))  # (NumPy's bool_ too: it showed as 1)
    if isinstance(v, int) or (hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "iu"):
        return str(int(v))
    if isinstance(v, float) or (hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "f"):
        f = float(v) + 0.0  # (+ 0.0: -0.0 shows as 0)
        if not math.isfinite(f):
            return str(f)
        if f != 0 and (abs(f) < 10 ** -(digits - 1) or abs(f) >= 1e6):
            return f"{f:.{digits - 1}e}"
        text = f"{f:.{digits}g}"
        # a value that rounds to a round number shows its digits: 0.99996 as 1.000, not 1
        # (an accuracy under 1 read as exactly 1)
        if f != float(text) and "e" not in text and "." not in text and len(text) < digits:
            text = f"{f:#.{digits}g}"
        return text
    return str(v)


def percent_text(v: float, decimals: int = 1) -> str:
    """v as a percentage to `decimals` places, with more digits where that would round to
    100% (or 0%) without being it: 9,996 right of 10,000 is 99.96%, not 100.0%."""
    for d in range(decimals, decimals + 4):
        text = f"{v:.{d}%}"
        if not (0 < v < 1) or float(text[:-1]) not in (0.0, 100.0):
            return text
    return text


def markdown_cell(text: Any) -> str:
    """`text` as one cell of a Markdown table (the results page, the op table): a `|` would end
    the cell and a line break the row, so a hand-edited label's broke the table."""
    return " ".join(str(text).replace("|", "\\|").splitlines())


class ResultsTable:
    """Rows of results (dicts) shown as a table. Columns default to the keys in order of first
    appearance; numbers are formatted to `digits` significant digits."""

    def __init__(self, rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None,
                 *, title: str | None = None, digits: int = 4) -> None:
        self.rows = [dict(r) for r in rows]
        if columns is None:
            seen: dict[str, None] = {}
            for r in self.rows:
                seen.update(dict.fromkeys(r))
            columns = list(seen)
        self.columns = list(columns)
        self.title = title
        self.digits = digits

    def cells(self) -> list[list[str]]:
        return [[_fmt(r.get(c), self.digits) for c in self.columns] for r in self.rows]

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
            for row in self.cells()
        )
        cap = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return (f'<table class="results">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def __str__(self) -> str:
        cells = self.cells()
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(self.columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(self.columns, widths)),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
        return "\n".join(([self.title] if self.title else []) + lines)

    def __repr__(self) -> str:
        return str(self)


# ---- numbered figures with captions and alt text ----------------------------------------------
# seconds `dot` may take to lay a graph out for a notebook (Figures, a drawn graph's display) and
# render_graph's default: its time grows steeply with the nesting of clusters (a chain of ops 40
# scopes deep, 160 nodes, took 11 s; 80 deep, over 10 minutes)
DOT_TIMEOUT = 60.0  # (its one home: viz reads jupyter.DOT_TIMEOUT when it runs dot)


class DotTimeoutError(RuntimeError):
    """Graphviz's `dot` did not lay a graph out within its timeout (render_graph, Figures):
    a RuntimeError, as before; a caller that adds advice (`tinygrad-dl graph`) recognizes it
    by this type, not by the words of its message. `what`: the message's account of what
    happened without its advice (the whole message where none was given)."""

    def __init__(self, message: str, what: str = "") -> None:
        super().__init__(message)
        self.what = what or message


def run_dot(dot: Any, fmt: str, timeout: float | None) -> bytes:
    """What dot.pipe(format=fmt) returns for a graphviz graph `dot`, by the command pipe()
    runs (the graph's engine, renderer and formatter) and with dot's warnings written to
    stderr as pipe() writes them, but dot killed after `timeout` seconds (pipe() waited for as
    long as dot ran): subprocess.TimeoutExpired then. The one dot runner: viz's render_graph
    and a drawn graph's display use it too."""
    import graphviz  # (only when a graph is drawn: the import costs a notebook's startup)

    if dot.formatter and not dot.renderer:  # (pipe()'s refusal: -Tpng:cairo names a renderer)
        raise graphviz.RequiredArgumentError("formatter given without renderer")
    cmd = ["dot", f"-K{dot.engine}",
           "-T" + ":".join(f for f in (fmt, dot.renderer, dot.formatter) if f)]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise graphviz.ExecutableNotFound(cmd) from None
    with proc:
        try:  # (communicate reads stdout and stderr while it writes stdin: no pipe fills up)
            out, err = proc.communicate(dot.source.encode(dot.encoding), timeout=timeout)
        except BaseException:  # timeout or Ctrl-C: dot killed and reaped here (subprocess.run
            proc.kill()        # left a Ctrl-C'd one a zombie), not left running
            proc.wait()
            raise
    if proc.returncode:
        raise graphviz.CalledProcessError(proc.returncode, cmd, out, err)  # (its text: stderr)
    if err:
        sys.stderr.write(err.decode(errors="replace"))
        sys.stderr.flush()
    return out


def _image(obj: Any) -> tuple[str, bytes]:
    """(mime type, bytes) of a matplotlib figure (PNG), a graphviz graph (SVG), or an image file."""
    if isinstance(obj, (str, Path)):
        path = Path(obj)
        kinds = {".png": "image/png", ".svg": "image/svg+xml"}
        if path.suffix.lower() not in kinds:
            raise ValueError(f"Figures: {path} is not a .png or .svg image")
        return kinds[path.suffix.lower()], path.read_bytes()
    if hasattr(obj, "savefig"):  # a matplotlib Figure
        import io

        buf = io.BytesIO()
        obj.savefig(buf, format="png", bbox_inches="tight")
        return "image/png", buf.getvalue()
    if hasattr(obj, "pipe"):  # a graphviz.Digraph
        from graphviz import ExecutableNotFound

        try:  # (not obj.pipe(): it waited for as long as dot ran, a cell hung for minutes)
            return "image/svg+xml", run_dot(obj, "svg", DOT_TIMEOUT)
        except ExecutableNotFound:  # (its own words name no package: a report said only that)
            raise RuntimeError(
                "Figures: cannot draw the graph: Graphviz's `dot` program is not on PATH; "
                "install Graphviz (`apt-get install graphviz`, `brew install graphviz` or "
                "`conda install graphviz`; the Python package alone is not enough)") from None
        except subprocess.TimeoutExpired:
            raise DotTimeoutError(
                f"Figures: Graphviz's `dot` did not lay the graph out within {DOT_TIMEOUT:g} s: "
                "draw it with clusters=False or a smaller piece, or write it with "
                "render_graph(..., timeout=None) and give Figures the .svg file") from None
    raise TypeError(f"Figures: cannot show a {type(obj).__name__} as a figure (a matplotlib "
                    "Figure, a graphviz graph or a .png/.svg path)")


class CaptionedFigure:
    """One numbered figure: the image embedded as a data URI in an HTML ``<figure>`` with its
    alt text and caption. In Jupyter and in nbconvert's HTML the ``<figure>`` shows; the raw
    image is in the same output too (``image/png`` or ``image/svg+xml``)."""

    def __init__(self, obj: Any, number: int, caption: str, alt: str) -> None:
        if not alt.strip():
            raise ValueError("a figure needs alt text: say what it shows")
        self.number, self.caption, self.alt = number, caption, alt
        self.mime, self.data = _image(obj)

    def _repr_html_(self) -> str:
        uri = f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"
        return (f'<figure class="tgdl-figure" id="figure-{self.number}" style="margin: 1em 0;">'
                f'<img src="{uri}" alt="{html.escape(self.alt)}" style="max-width: 100%; '
                f'height: auto;"><figcaption><b>Figure {self.number}.</b> '
                f"{html.escape(self.caption)}</figcaption></figure>")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        raw: Any = (base64.b64encode(self.data).decode("ascii") if self.mime == "image/png"
                    else self.data.decode("utf-8"))
        return {"text/html": self._repr_html_(), self.mime: raw,
                "text/plain": f"Figure {self.number}. {self.caption}"}

    def __repr__(self) -> str:
        return f"Figure {self.number}. {self.caption}"


class Figures:
    """The figure and table numbering of one notebook::

        figures = Figures()
        figures.figure(plot_learning_curves(h), "Learning curves of run 1.", alt="...")
        figures.table(ResultsTable(rows), "Test accuracy of every run.")

    Numbers count up in the order the cells run, so a re-run notebook renumbers itself."""

    def __init__(self) -> None:
        self.n_figures = 0
        self.n_tables = 0

    def figure(self, obj: Any, caption: str, *, alt: str) -> CaptionedFigure:
        """Figure N: `obj` (a matplotlib Figure, a graphviz graph, a .png/.svg path) with a
        caption (what it is) and alt text (what it shows, for someone who cannot see it)."""
        self.n_figures += 1
        return CaptionedFigure(obj, self.n_figures, caption, alt)

    def table(self, table: ResultsTable, caption: str) -> ResultsTable:
        """Table N: the table, captioned."""
        self.n_tables += 1
        table.title = f"Table {self.n_tables}. {caption}"
        return table


class HTMLBlock:
    """A piece of HTML shown as a cell output (and as plain text in a terminal)."""

    def __init__(self, html_text: str, text: str) -> None:
        self.html, self.text = html_text, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def quick_banner(what: str) -> HTMLBlock:
    """The notice a `--quick` run shows first: these are smoke-run sizes, not the assignment's
    settings, so its numbers say nothing about the models. `what` says what was cut."""
    head = "Quick smoke run, not the assignment's settings."
    body = (f"{what} The numbers and findings below only show that the code runs; run without "
            "--quick (or quick = False) for the assignment's results.")
    return HTMLBlock(
        '<div class="tgdl-quick-banner" role="note" style="border: 3px solid #b45309; '
        "background: #fef3c7; color: #1f2937; padding: 0.75em 1em; margin: 0.5em 0 1em; "
        f'font-size: 1.1em;"><strong>{html.escape(head)}</strong> {html.escape(body)}</div>',
        f"{head} {body}")


def points(a: float, b: float) -> str:
    """Accuracy `a` against `b` (fractions) in percentage points: '2.10 points above',
    '0.50 points below', or 'level with' when they agree to the 2 decimals shown."""
    d = 100 * (a - b)
    if abs(d) < 0.005:
        return "level with"
    return f"{abs(d):.2f} points {'above' if d > 0 else 'below'}"


def one_image(counts: Iterable[Any], what: str = "validation") -> str:
    """The sentence on the resolution of accuracies measured on `counts` images (one count per
    accuracy, e.g. the `val_images` of a search's rows): 'With 5,000 validation images one image
    is 0.02 points, so close trials are within the noise.' Empty when the counts are unknown
    (None: rows saved before they were recorded) or differ: no resolution is then claimed,
    rather than one counted on other images (a quick run's slice is not what a search used)."""
    seen = set(counts)
    if len(seen) != 1:
        return ""
    n = next(iter(seen))
    if type(n) is not int or n < 1:
        return ""
    noun = "image" if n == 1 else "images"
    worth = 100 / n
    shown = f"{worth:.2f}" if worth >= 0.1 else f"{worth:.2g}"  # 0.50, 0.02, 0.002
    return (f"With {n:,} {what} {noun} one image is {shown} points, so close trials are "
            "within the noise.")


def rank_groups(scores: Mapping[Any, float], tol: float = 5e-5) -> list[tuple[float, list[Any]]]:
    """`scores` grouped by value, best first: [(score, [keys...]), ...]; scores within `tol` of
    the group's first tie (default: equal to the 2 decimals of a percentage)."""
    groups: list[tuple[float, list[Any]]] = []
    for key in sorted(scores, key=lambda k: -scores[k]):
        if groups and abs(groups[-1][0] - scores[key]) <= tol:
            groups[-1][1].append(key)
        else:
            groups.append((scores[key], [key]))
    return groups


def trend(values: Sequence[float], tol: float) -> str:
    """'up', 'down', 'flat' (all within `tol` of each other) or 'mixed': the direction of a
    sequence, a step of at most `tol` against the direction of the larger ones counting as no
    change. When every step is within `tol` but the values drift further, the small steps
    decide (0.5, 0.3, 0.1 with tol 0.25 is 'down': it read 'up', as no step was left)."""
    vals = [float(v) for v in values]
    if len(vals) < 2 or max(vals) - min(vals) <= tol:
        return "flat"
    steps = [b - a for a, b in zip(vals, vals[1:])]
    big = [d for d in steps if abs(d) > tol] or [d for d in steps if d != 0]
    if all(d > 0 for d in big):
        return "up"
    if all(d < 0 for d in big):
        return "down"
    return "mixed"


def gradcheck_discussion(table: int, rows: Sequence[Mapping[str, Any]],
                         finer: Any = None, *, threshold: float = 1e-6,
                         roundoff: float = 1e-10) -> str:
    """The discussion of a gradient-check table (rows of `compare_gradients`), per parameter.

    Hand and autograd compute the same formulas, so their agreement is called round-off only
    at `roundoff` (float64); otherwise the parameters that differ are named. A parameter whose
    numerical error is over `threshold` is named with it; `finer()` (called only then) returns
    the rows at a 10x smaller finite-difference step, and only an autograd-vs-numerical error
    that grows there is read as rounding noise of the finite differences. A nan error (NaN
    data, a NaN gradient) is named as nan, never read as agreement."""
    def err(row: Mapping[str, Any], key: str) -> float:
        v = row.get(key)
        return 0.0 if v is None else float(v)

    ha = {r["parameter"]: err(r, "hand vs autograd") for r in rows}
    # `not e <= x`: a NaN error (a NaN in the data or a gradient) is a failure; read as
    # `e > x` it was "agree to nan, within the threshold"
    off = [p for p, e in ha.items() if not e <= roundoff]
    if not off:
        first = (f"the hand-derived gradients and autograd agree to {max(ha.values()):.1e} "
                 "(round-off: they compute the same formulas in float64)")
    elif all(math.isnan(ha[p]) for p in off):  # not a wrong formula: NaN data, a NaN h0, ...
        first = ("the hand-derived gradients and autograd **cannot be compared**: the error is "
                 "nan for " + ", ".join(off) + " (a NaN or inf in the loss or a gradient)")
    else:
        first = ("the hand-derived gradients and autograd **disagree** beyond round-off (over "
                 f"{roundoff:.0e}) for " + ", ".join(f"{p} ({ha[p]:.1e})" for p in off)
                 + ": the hand-derived formula of " + ("that parameter" if len(off) == 1 else
                                                       "those parameters") + " is suspect")
    num = {r["parameter"]: max(err(r, "hand vs numerical"), err(r, "autograd vs numerical"))
           for r in rows}
    worst = max(num.values(), key=lambda e: (math.isnan(e), e))  # nan, if any
    bad = [p for p, e in num.items() if not e < threshold]
    if not bad:
        return (f"**Discussion.** In Table {table} {first}, and both match the finite "
                f"differences to {worst:.1e}, within the course's {threshold:.0e} threshold.")
    need_finer = finer and any(not math.isnan(num[p]) for p in bad)  # (nan: no step helps)
    fine = {r["parameter"]: err(r, "autograd vs numerical")
            for r in (finer() if need_finer else [])}
    notes = []
    for p in bad:
        row = next(r for r in rows if r["parameter"] == p)
        auto, hand = err(row, "autograd vs numerical"), err(row, "hand vs numerical")
        if math.isnan(num[p]):
            notes.append(f"{p}: its error is nan, from a NaN (or inf) in the loss or a "
                         "gradient: look at the data and that parameter's gradient")
        elif auto < threshold:  # only the hand-derived gradient is off the finite differences
            notes.append(f"{p}: its hand-derived gradient is {hand:.1e} off the finite "
                         f"differences while autograd matches them to {auto:.1e}, so the "
                         "hand-derived gradient is wrong")
        elif p in fine and fine[p] > auto:
            notes.append(f"{p}: autograd vs numerical is {auto:.1e}, and with a 10x smaller "
                         f"finite-difference step it grows to {fine[p]:.1e}, the signature of "
                         "rounding noise in the finite differences, not of a wrong gradient")
        elif p in fine:
            notes.append(f"{p}: autograd vs numerical is {auto:.1e}, and a 10x smaller "
                         f"finite-difference step gives {fine[p]:.1e} (it does not grow): "
                         "look at that parameter's gradient")
        else:
            notes.append(f"{p}: autograd vs numerical is {auto:.1e}")
    return (f"**Discussion.** In Table {table} {first}. Against the finite differences the "
            f"largest error is {worst:.1e}, above the course's {threshold:.0e} threshold for "
            + "; ".join(notes) + ".")


def logged_every(history: Mapping[str, Any]) -> str:
    """How often a training history logged its learning curves: 'epoch' when every row ends a
    whole epoch, else 'N update steps' (read from its 'step' column)."""
    epochs = [float(e) for e in history["epoch"] if math.isfinite(float(e))]
    if epochs and all(e.is_integer() for e in epochs):
        return "epoch"
    steps = sorted({int(s) for s in history["step"] if math.isfinite(float(s))})
    gaps = [b - a for a, b in zip(steps, steps[1:])]
    # the usual gap: a run also logs its first and last step, whose gaps are shorter (steps 0, 5,
    # 10, 15, 17 log every 5, not every 2), so the most common one, the longer of a tie
    k = max(gaps, key=lambda g: (gaps.count(g), g)) if gaps else 1
    return "update step" if k == 1 else f"{k} update steps"
