"""A matplotlib Figure that shows itself in Jupyter.

The plot functions build figures without pyplot (no GUI backend, no global figure list), so
IPython's inline backend never hears of them and a returned figure would print as
``<Figure size 1260x340 with 3 Axes>``. This subclass adds ``_repr_png_``: returned as a cell's
last value, it displays as a PNG (embedded in saved notebooks and nbconvert HTML), with no
``%matplotlib inline`` or pyplot import needed. Everything else is a plain matplotlib Figure.

`save` writes any matplotlib figure to a file the project's one atomic way.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from matplotlib.figure import Figure as _MplFigure

from tinygrad_dl import files

__all__ = ["Figure", "save"]


class Figure(_MplFigure):
    """matplotlib.figure.Figure plus IPython's PNG repr."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()


def save(fig: _MplFigure, path: str | os.PathLike[str], dpi: float) -> Path:
    """Write `fig` to `path`, in the format its extension names (PNG without one), atomically:
    savefig straight to `path` truncated the file first, so a full disk or a Ctrl-C while
    writing left half a PNG/SVG in place of the picture that was there."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:  # (matplotlib's own words named no file)
        raise ValueError(f"cannot save {path}: matplotlib writes no .{fmt} files; use one of "
                         f"{', '.join('.' + f for f in sorted(supported))}")
    return files.atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=dpi))
