"""Small helpers for running tinygrad_dl in Jupyter (no project imports: every layer may use them).

- `progress_bar`: tqdm on a terminal or in a notebook, silent elsewhere.
- `in_notebook()`: True inside a Jupyter kernel (ipykernel), where tqdm.auto shows widget
  progress bars even though stderr is not a terminal.
- `ResultsTable`: the results table of an assignment notebook. As a cell's last value it
  displays as an HTML ``<table>`` (and as aligned text in a terminal), so reports built with
  nbconvert carry it as a real table.
"""

from __future__ import annotations

import html
import math
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["ResultsTable", "in_notebook", "progress_bar"]


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
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int) or (hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "iu"):
        return str(int(v))
    if isinstance(v, float) or hasattr(v, "dtype"):
        f = float(v)
        if not math.isfinite(f):
            return str(f)
        if f != 0 and (abs(f) < 10 ** -(digits - 1) or abs(f) >= 1e6):
            return f"{f:.{digits - 1}e}"
        return f"{f:.{digits}g}"
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
