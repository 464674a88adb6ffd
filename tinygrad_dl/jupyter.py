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
"""

from __future__ import annotations

import base64
import html
import math
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["CaptionedFigure", "Figures", "HTMLBlock", "ResultsTable", "in_notebook",
           "progress_bar", "quick_banner"]


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
        return "image/svg+xml", obj.pipe(format="svg")
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
