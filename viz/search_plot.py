"""The plot of a hyperparameter search: validation accuracy (or the char-RNN's smooth loss)
against each searched parameter, one panel per parameter."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure  # no pyplot: no global state, Agg canvas on save

from .figure import save


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def plot_search(result: Any, path: str | os.PathLike[str]) -> Path:
    """Best validation accuracy against each searched parameter (one panel each; the best trial
    starred, failed trials as crosses on the bottom edge, trials of other data than the spec's
    `data_id`, which never count as best, as grey rings), saved as a PNG.

    `result` is a tinygrad_dl.search.SearchResult (read through its attributes: viz sits below
    search and does not import it)."""
    params = result.spec.params
    cols = min(len(params), 3)
    rows_n = math.ceil(len(params) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.4 * rows_n), layout="constrained")
    axes = fig.subplots(rows_n, cols, squeeze=False).ravel()
    obj = result.spec.objective
    data_id = getattr(result.spec, "data_id", None)
    ok = [r for r in result.rows if r["status"] == "ok" and _finite(r.get(obj))]
    # (trials of other data, e.g. a search resumed on a changed data set, never count as best:
    # drawn as the rounds' points, one scored higher than the starred best, unexplained)
    other = [r for r in ok if data_id is not None and r.get("data_id") != data_id]
    ok_ids, other_ids = {id(r) for r in ok}, {id(r) for r in other}
    failed = [r for r in result.rows if id(r) not in ok_ids]
    ok = [r for r in ok if id(r) not in other_ids]
    best = result.best
    ys = [r[obj] for r in ok + other]
    # (one value, or all equal: a span of 0 put the failed crosses on the value itself, as
    # if they had scored it)
    span = ((max(ys) - min(ys)) or abs(ys[0]) or 1.0) if ys else 1.0
    edge = (min(ys) - 0.05 * span if result.spec.maximize else max(ys) + 0.05 * span) if ys else 0
    for ax, p in zip(axes, params):
        for rnd in range(result.spec.rounds):
            pts = [r for r in ok if r["round"] == rnd]
            if pts:
                ax.scatter([r[p.name] for r in pts], [r[obj] for r in pts], s=22,
                           alpha=0.8, label=f"round {rnd}")
        if other:
            ax.scatter([r[p.name] for r in other], [r[obj] for r in other], s=22,
                       facecolors="none", edgecolors="grey", label="other data (not ranked)")
        if failed:
            ax.scatter([r[p.name] for r in failed], [edge] * len(failed), marker="x",
                       color="red", label="failed")
        if best is not None:
            ax.scatter([best[p.name]], [best[obj]], marker="*", s=220, color="gold",
                       edgecolor="black", zorder=5, label="best")
            ax.set_title(f"best {p.name} = {best[p.name]:.6g}", fontsize=9)
        for rr in result.ranges[1:]:  # the refined rounds' ranges, darker as they narrow
            q = next(q for q in rr if q.name == p.name)
            if q.dist != "choice":
                ax.axvspan(*q.value_bounds(), color="tab:blue", alpha=0.07, lw=0)
        if p.is_log:
            ax.set_xscale("log")
        ax.set_xlabel(p.name)
        ax.set_ylabel(obj.replace("_", " ").replace("val", "validation"))
        ax.grid(alpha=0.3)
    for ax in axes[len(params):]:
        ax.set_visible(False)
    fig.suptitle(f"{result.spec.model}: {len(result.rows)} trials")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8)
    return save(fig, path, dpi=110)  # atomic: a search stopped while writing keeps its plot
