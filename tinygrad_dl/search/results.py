"""A search's folder on disk (spec.json, results.json, results.csv) and its plot (search.png).

Both tables are rewritten atomically (temp file, fsync, rename) after every finished trial, so an
interrupted search loses at most the trials that were running, and a re-run can resume.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .search_space import fmt_value

if TYPE_CHECKING:
    from .search import SearchResult


def finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def atomic_write(path: Path, text: str) -> None:
    """Write via a temp file, fsync, rename: a crash leaves the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


class ResultStore:
    """The search's folder: spec.json, results.json and results.csv, rewritten after every trial."""

    def __init__(
        self, out: str | os.PathLike[str], spec: dict[str, Any], columns: list[str]
    ) -> None:
        self.out = Path(out)
        self.spec, self.columns = spec, columns
        self.spec_path = self.out / "spec.json"
        self.json_path = self.out / "results.json"
        self.csv_path = self.out / "results.csv"
        self.rows: dict[int, dict[str, Any]] = {}
        self.rounds: list[list[str]] = []
        self.out.mkdir(parents=True, exist_ok=True)
        new = spec
        if self.spec_path.exists():
            old = self._read_json(self.spec_path)
            diff = [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in new if old.get(k) != new[k]]
            if diff:
                raise ValueError(
                    f"{self.out} holds a different search ({'; '.join(diff)}); use another --out, "
                    f"or delete {self.out} to start over"
                )
        else:
            atomic_write(self.spec_path, json.dumps(new, indent=1))
        if self.json_path.exists():
            self.rows = {r["trial"]: r for r in self._read_json(self.json_path).get("rows", [])}

    @staticmethod
    def _read_json(path: Path) -> dict[str, Any]:
        try:
            return json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(
                f"{path}: not a valid search file ({e}); delete it to start over"
            ) from None

    def done(self, trial: int, retry_failed: bool = False) -> bool:
        row = self.rows.get(trial)
        return row is not None and (row["status"] == "ok" or not retry_failed)

    def add(self, row: dict[str, Any]) -> None:
        self.rows[row["trial"]] = jsonable(row)
        self.save()

    def save(self) -> None:
        rows = [self.rows[t] for t in sorted(self.rows)]
        doc = {"spec": self.spec, "rounds": self.rounds, "rows": rows}
        atomic_write(self.json_path, json.dumps(doc, indent=1))
        buf = io.StringIO()
        w = csv.DictWriter(buf, self.columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
        atomic_write(self.csv_path, buf.getvalue())


def plot_search(result: SearchResult, path: str | os.PathLike[str]) -> Path:
    """Best validation accuracy against each searched parameter (one panel each; the best trial
    starred, failed trials as crosses on the bottom edge), saved as a PNG."""
    from matplotlib.figure import Figure  # no pyplot: no global state, Agg canvas on save

    params = result.spec.params
    cols = min(len(params), 3)
    rows_n = math.ceil(len(params) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.4 * rows_n), layout="constrained")
    axes = fig.subplots(rows_n, cols, squeeze=False).ravel()
    obj = result.spec.objective
    ok = [r for r in result.rows if r["status"] == "ok" and finite(r.get(obj))]
    failed = [r for r in result.rows if r not in ok]
    best = result.best
    ys = [r[obj] for r in ok]
    span = (max(ys) - min(ys)) if ys else 1.0
    edge = (min(ys) - 0.05 * span if result.spec.maximize else max(ys) + 0.05 * span) if ys else 0
    for ax, p in zip(axes, params):
        for rnd in range(result.spec.rounds):
            pts = [r for r in ok if r["round"] == rnd]
            if pts:
                ax.scatter([r[p.name] for r in pts], [r[obj] for r in pts], s=22,
                           alpha=0.8, label=f"round {rnd}")
        if failed:
            ax.scatter([r[p.name] for r in failed], [edge] * len(failed), marker="x",
                       color="red", label="failed")
        if best is not None:
            ax.scatter([best[p.name]], [best[obj]], marker="*", s=220, color="gold",
                       edgecolor="black", zorder=5, label="best")
            ax.set_title(f"best {p.name} = {fmt_value(best[p.name])}", fontsize=9)
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
    path = Path(path)
    fig.savefig(path, dpi=110)
    return path
