"""A matplotlib Figure that shows itself in Jupyter.

The plot functions build figures without pyplot (no GUI backend, no global figure list), so
IPython's inline backend never hears of them and a returned figure would print as
``<Figure size 1260x340 with 3 Axes>``. This subclass adds ``_repr_png_``: returned as a cell's
last value, it displays as a PNG (embedded in saved notebooks and nbconvert HTML), with no
``%matplotlib inline`` or pyplot import needed. Everything else is a plain matplotlib Figure.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure as _MplFigure

__all__ = ["Figure"]


class Figure(_MplFigure):
    """matplotlib.figure.Figure plus IPython's PNG repr."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()
