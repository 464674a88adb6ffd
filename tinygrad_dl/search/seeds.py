"""Many seeds of fixed settings, with the search machinery: parallel on any backend, every
finished run saved at once, resumable (the command that made the results table).

Each `Setting` (a model and its training params) runs seeds 0..n-1, seed s exactly as
`tinygrad-dl train MODEL ... --seed s`, into its own folder OUT/NAME (a `ResultStore`: spec.json,
results.json, results.csv, an OS lock). Re-running skips the seeds already done; asking for more
seeds adds only the new ones; a folder that holds another setting or other data is refused.
`collect` gathers every setting's per-seed numbers into one JSON-able document (the raw results
file the tables are rendered from, see `render`).
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl import __version__
from tinygrad_dl.files import jsonable
from tinygrad_dl.jupyter import progress_bar
from tinygrad_dl.models import Loop, model_class
from tinygrad_dl.train import resolve_params

from .backends import iter_results, plan_workers, resolve_jobs
from .render import seconds_text
from .results import ResultStore
from .run import metrics_for
from .trial import DataRef, TrainingTrial, resolve_data
from .worker import Task

__all__ = ["Comparison", "Setting", "collect", "run_seeds"]
FORMAT = "tinygrad_dl.results/1"


@dataclass(frozen=True)
class Setting:
    """One row of a results table: `model` trained with `params` (run_training keys); `command`
    is how a user types it (after `tinygrad-dl train`, without --data/--seed); `target` (a
    number or None) the value the row should reach, `course` what the course reports for it."""

    name: str  # folder name and key, e.g. "9-layer-bn"
    label: str  # what the table calls it
    model: str
    params: dict[str, Any]
    command: str = ""
    target: float | None = None
    course: str = ""

    @property
    def metric(self) -> str:
        """The reported number: test accuracy for a classifier, the final smooth loss (what
        the course watches) for the char-RNN."""
        return "test_acc" if model_class(self.model).loop is Loop.MINIBATCH else "smooth_loss"

    @property
    def higher_is_better(self) -> bool:
        return self.metric == "test_acc"


@dataclass(frozen=True)
class Comparison:
    """A claim the table may make: setting `a` against setting `b` (by name)."""

    a: str
    b: str
    question: str  # e.g. "does batch norm help the 9-layer net?"


@dataclass
class SeedRun:
    settings: list[Setting]
    seeds: int
    out: Path
    refs: dict[str, DataRef] = field(default_factory=dict)  # by setting name


def _spec(s: Setting, ref: DataRef) -> dict[str, Any]:
    """What a setting's folder holds, checked on every resume (the seed count is not part of
    it: more seeds extend the same rows)."""
    return jsonable({"kind": "seeds", "model": s.model, "params": s.params, "data_id": ref.id})


def run_seeds(
    settings: Iterable[Setting],
    seeds: int,
    out: str | os.PathLike[str],
    *,
    data: str | None = None,
    text: str | None = None,
    backend: str = "joblib",
    jobs: int = 1,
    address: str | None = None,
    retries: int = 2,
    retry_failed: bool = False,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> SeedRun:
    """Run seeds 0..seeds-1 of every setting (those not yet done), one setting after another,
    `jobs` seeds at a time. Every setting is checked (resolve_params, the data) before any run."""
    settings = list(settings)
    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {seeds}")
    resolve_jobs(jobs)
    out = Path(out)
    run = SeedRun(settings, seeds, out)
    for s in settings:
        resolve_params(s.model, s.params)
        seq = model_class(s.model).loop is Loop.SEQUENCE
        run.refs[s.name] = resolve_data(s.model, None if seq else data, text if seq else None)
    bar = progress_bar(len(settings) * seeds, progress, "seeds", unit="run")
    said: set[str] = set()  # plan_workers' notes, each once
    try:
        for s in settings:
            ref = run.refs[s.name]
            columns = ["trial", "seed", "status", *metrics_for(s.model), "seconds",
                       "train_seconds", "host", "worker", "data_id", "retries", "error"]
            with ResultStore(out / s.name, _spec(s, ref), columns,
                             metrics_for(s.model)) as store:
                todo = [t for t in range(seeds) if not store.done(t, retry_failed)]
                if log is not None and len(todo) < seeds:
                    log(f"{s.name}: {seeds - len(todo)} of {seeds} seeds already done")
                bar.update(seeds - len(todo))
                _, note = plan_workers(jobs, len(todo), backend=backend, address=address,
                                       unit="seed")
                if note is not None and log is not None and note not in said:
                    said.add(note)
                    log(note)
                tasks = (Task(t, 0, t, {}, dict(s.params)) for t in todo)
                trial = TrainingTrial(s.model, ref, s.params)
                for row in iter_results(trial, tasks, backend=backend, jobs=jobs,
                                        address=address, retries=retries):
                    store.add(row)
                    bar.update(1)
                    if log is not None and (bar.disable or row["status"] != "ok"):
                        log(_line(s, row, seeds))  # a log file gets one line per run
    finally:
        bar.close()
    return run


def _line(s: Setting, row: dict[str, Any], seeds: int) -> str:
    if row["status"] != "ok":
        return f"{s.name} seed {row['seed']} failed: {row.get('error')}"
    secs = row.get("train_seconds")
    took = "" if secs is None else f" ({seconds_text(secs)} s)"
    value = row.get(s.metric)  # (None, an "ok" run without a value: a TypeError ended the run)
    shown = "no value" if value is None else f"{value:.4f}"
    # (`seed 2 of 0..4`: "seed 2/4" read as the second of four)
    return f"{s.name} seed {row['seed']} of 0..{seeds - 1}: {s.metric} {shown}{took}"


def collect(
    settings: Iterable[Setting],
    comparisons: Iterable[Comparison],
    out: str | os.PathLike[str],
    seeds: int,
    *,
    command: str = "",
    jobs: int | None = None,
    notes: Iterable[str] = (),
) -> dict[str, Any]:
    """The raw results document: for each setting its definition and, for seeds 0..seeds-1,
    the per-seed row (status, metrics, seconds), read from OUT/NAME; plus where and when, and
    `notes` (paragraphs the page shows under the table: context, never a measured claim)."""
    rows = []
    for s in settings:
        path = Path(out) / s.name / "results.json"
        runs = []
        if path.is_file():
            doc = ResultStore._read_json(path)
            keep = ("seed", "status", *metrics_for(s.model), "train_seconds", "data_id", "error")
            runs = [{k: r.get(k) for k in keep} for r in doc.get("rows", [])
                    if r.get("trial", -1) < seeds]
        rows.append({**asdict(s), "metric": s.metric, "runs": runs})
    return jsonable({
        "format": FORMAT,
        "generated": time.strftime("%Y-%m-%d", time.gmtime()),
        "command": command,
        "seeds": seeds,
        "machine": machine(jobs),
        "settings": rows,
        "comparisons": [asdict(c) for c in comparisons],
        "notes": list(notes),
    })


def machine(jobs: int | None = None) -> dict[str, Any]:
    """Where the numbers were made (timings depend on it; the accuracies do not)."""
    return {"cpus": os.cpu_count(), "processor": platform.machine(),
            "python": platform.python_version(), "numpy": np.__version__,
            "tinygrad_dl": __version__, "jobs": jobs}
