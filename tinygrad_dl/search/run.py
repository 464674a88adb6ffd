"""Random hyperparameter search with coarse-to-fine refinement, resumable, on any backend.

A search samples each trial's parameters from ranges such as ``lambda=log10:-5:-1``
(10**uniform(-5, -1)), runs one full training per trial with its own seed, and writes every
finished trial at once to ``results.csv`` / ``results.json`` in the output folder. Re-running
the same search resumes it: finished trials are skipped. Refinement rounds narrow every range to
the span of the best trials so far (widened a little, in the range's own scale).

Trials go through an injectable ``trial_fn(params, seed) -> dict`` (metrics); the default,
`TrainingTrial`, calls `tinygrad_dl.train.run_training`. The pieces: `space` (parameter
ranges: parse, sample, narrow), `backends` (where trials run: in-process, joblib processes,
a Dask or Ray cluster), `results` (the tables on disk); the plot is `tinygrad_dl.viz.plot_search`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl.files import jsonable
from tinygrad_dl.jupyter import progress_bar
from tinygrad_dl.models import Loop, model_class
from tinygrad_dl.train import resolve_params
from tinygrad_dl.train.hyperparams import HYPERS, flag_names
from tinygrad_dl.viz import plot_search

from .backends import BACKENDS, iter_results, plan_workers, resolve_jobs
from .cluster import ClusterLost
from .results import ResultStore, finite
from .space import PARAMS, ParamSpec, fmt_value, parse_param
from .trial import TrainingTrial
from .worker import Task

__all__ = [
    "PARAMS", "ParamSpec", "SearchResult", "SearchSpec", "TrainingTrial", "best_rows",
    "check_training_params", "make_tasks", "parse_param", "plot_search", "round_ranges",
    "run_search", "trial_rng", "trial_seed",
]

TrialFn = Callable[[dict[str, Any], int], dict[str, Any]]

# The table's metric columns per training loop; the first is the objective (classifiers'
# validation accuracy: maximized; the char-RNN's smooth loss: minimized).
METRICS = {
    Loop.MINIBATCH: ("best_val_acc", "train_cost", "val_cost", "test_acc"),
    Loop.SEQUENCE: ("best_smooth_loss", "smooth_loss", "train_loss"),
}


def metrics_for(model: str) -> tuple[str, ...]:
    return METRICS[model_class(model).loop]


def trial_seed(seed: int, trial: int) -> int:
    """The training seed of trial `trial` of a search seeded with `seed` (independent of order)."""
    return int(np.random.SeedSequence(seed, spawn_key=(trial, 0)).generate_state(1)[0])


def trial_rng(seed: int, trial: int) -> np.random.Generator:
    """The generator that samples trial `trial`'s parameters (a stream apart from its seed)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(trial, 1)))


@dataclass
class SearchSpec:
    """Everything that determines a search's trials; saved as spec.json in its output folder."""

    model: str
    params: list[ParamSpec]
    fixed: dict[str, Any] = field(default_factory=dict)  # run_training params held constant
    trials: int = 10  # per round
    refine: int = 0  # coarse-to-fine rounds after the first
    seed: int = 0
    top_k: int | None = None  # trials that set the next round's ranges; None: max(2, trials//4)
    widen: float = 0.1
    data: str | None = None  # the absolute --data / --text path the trials read
    text: str | None = None
    data_id: str | None = None  # the data's content fingerprint (trial.DataRef.id); rows from
    # other data never count as best

    def __post_init__(self) -> None:
        names = [p.name for p in self.params]
        if not names:
            raise ValueError("give at least one --param NAME=DIST:ARGS")
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"--param {', '.join(sorted(dup))} given more than once")
        both = [p.info for p in self.params if p.key in self.fixed]
        if both:  # named as typed: the flag, and the --set key
            h = both[0]
            raise ValueError(f"{h.name} is both searched and fixed (--param {h.name}=... "
                             f"and {h.shown} / --set {h.name}=); drop one")
        if self.trials < 1 or self.refine < 0 or (self.top_k is not None and self.top_k < 1):
            raise ValueError("need --trials >= 1, --refine >= 0 and --top-k >= 1")
        if not self.widen >= 0:
            raise ValueError("--widen must be >= 0")

    @property
    def rounds(self) -> int:
        return self.refine + 1

    @property
    def total(self) -> int:
        return self.trials * self.rounds

    @property
    def k(self) -> int:
        return self.top_k or max(2, self.trials // 4)

    @property
    def objective(self) -> str:
        return metrics_for(self.model)[0]

    @property
    def maximize(self) -> bool:
        return model_class(self.model).loop is Loop.MINIBATCH

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["params"] = [p.to_dict() for p in self.params]
        return jsonable(d)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SearchSpec:
        d = dict(d)
        d["params"] = [ParamSpec.from_dict(p) for p in d["params"]]
        return cls(**d)


def best_rows(
    rows: Iterable[dict[str, Any]], k: int | None = None, metric: str = "best_val_acc",
    maximize: bool = True, data_id: str | None = None,
) -> list[dict[str, Any]]:
    """Successful trials, best `metric` first (ties: lower trial number); with `data_id`, only
    the rows trained on that data."""
    sign = -1.0 if maximize else 1.0
    ok = [r for r in rows if r.get("status") == "ok" and finite(r.get(metric))
          and (data_id is None or r.get("data_id") == data_id)]
    ok.sort(key=lambda r: (sign * r[metric], r["trial"]))
    return ok if k is None else ok[:k]


def round_ranges(spec: SearchSpec, rows: dict[int, dict[str, Any]],
                 frozen: dict[int, list[ParamSpec]] | None = None) -> list[list[ParamSpec]]:
    """The ranges of every round: round 0 is the spec's; round r narrows round r-1's around the
    top-k of all trials finished before round r. Without any successful trial nothing narrows.
    `frozen`: the ranges of rounds already started (their trials were drawn from them), kept
    as they were: a failed trial of an earlier round retried later (--retry-failed) would
    otherwise rewrite the range a later round's trials were drawn from."""
    frozen = frozen or {}
    ranges = [list(spec.params)]
    for r in range(1, spec.rounds):
        if r in frozen:
            ranges.append(frozen[r])
            continue
        done = [row for row in rows.values() if row["round"] < r]
        top = best_rows(done, spec.k, spec.objective, spec.maximize, spec.data_id)
        ranges.append([p.narrowed([row[p.name] for row in top], spec.widen) for p in ranges[-1]])
    return ranges


def _started(store: ResultStore) -> dict[int, list[ParamSpec]]:
    """The saved ranges of the rounds that have trials (full precision, `round_params`)."""
    begun = {row["round"] for row in store.rows.values()}
    return {r: rr for r, rr in enumerate(store.round_params) if r in begun}


def make_tasks(spec: SearchSpec, rnd: int, ranges: list[ParamSpec]) -> Iterator[Task]:
    """Round `rnd`'s tasks, made one at a time as the backend asks (10**8 trials cost nothing)."""
    for trial in range(rnd * spec.trials, (rnd + 1) * spec.trials):
        rng = trial_rng(spec.seed, trial)
        values = {p.name: p.sample(rng) for p in ranges}
        train_params = {**spec.fixed, **{PARAMS[n].key: v for n, v in values.items()}}
        yield Task(trial, rnd, trial_seed(spec.seed, trial), values, train_params)


@dataclass
class SearchResult:
    spec: SearchSpec
    rows: list[dict[str, Any]]  # every trial of the search, by trial number
    out: Path
    ranges: list[list[ParamSpec]]  # per round
    plot: Path | None = None

    @property
    def best(self) -> dict[str, Any] | None:
        top = best_rows(self.rows, 1, self.spec.objective, self.spec.maximize,
                        self.spec.data_id)
        return top[0] if top else None

    @property
    def n_failed(self) -> int:
        return sum(r["status"] != "ok" for r in self.rows)

    def summary(self) -> str:
        """What the search found, in a few lines. Files are named only while they exist: a
        search in a temporary folder (the notebooks') names none once the folder is gone."""
        table = self.out / "results.csv"
        lines = [f"{len(self.rows)} trials ({self.n_failed} failed)"
                 + (f", results in {table} and results.json" if table.is_file() else "")]
        if len(self.ranges) > 1:
            lines.append("last round's ranges: " + ", ".join(str(p) for p in self.ranges[-1]))
        b = self.best
        if b is None:
            lines.append("no trial succeeded; see the error column")
        else:
            params = ", ".join(f"{p.name}={fmt_value(b[p.name])}" for p in self.spec.params)
            where = f"trial {b['trial']} (round {b['round']}, seed {b['seed']})"
            lines.append(f"best: {where}: {params}")
            obj = self.spec.objective
            tied = [r["trial"] for r in best_rows(self.rows, None, obj, self.spec.maximize,
                                                  self.spec.data_id)[1:] if r[obj] == b[obj]]
            if tied:  # (one validation image is 0.005 on the sample's 200: ties are common)
                more = f" and {len(tied) - 5} more" if len(tied) > 5 else ""
                lines.append(f"tied on {obj} ({b[obj]:.4f}) with trial"
                             f"{'s' * (len(tied) > 1)} {', '.join(map(str, tied[:5]))}{more}: "
                             "ties go to the lowest trial number")
            if self.spec.maximize:
                test = "n/a" if b.get("test_acc") is None else f"{b['test_acc']:.4f}"
                # the best validation accuracy is the trial's peak during training; its test
                # accuracy is of the weights it ended with (the peak's only with restore_best)
                of = ("its best weights, --restore-best" if self.spec.fixed.get("restore_best")
                      else "its final weights")
                lines.append(f"best validation accuracy {b['best_val_acc']:.4f} (its peak "
                             f"during training), test accuracy {test} (of {of})")
            else:
                lines.append(f"best smooth loss {b[self.spec.objective]:.4f}")
        if self.plot is not None and self.plot.is_file():
            lines.append(f"plot: {self.plot}")
        return "\n".join(lines)


def run_search(
    spec: SearchSpec,
    out: str | os.PathLike[str],
    trial_fn: TrialFn,
    *,
    backend: str = "joblib",
    jobs: int = 1,
    address: str | None = None,
    progress: bool = True,
    retry_failed: bool = False,
    plot: bool = True,
    retries: int = 2,
    log: Callable[[str], None] | None = None,
) -> SearchResult:
    """Run (or resume) the search; every finished trial is saved before the next one is awaited.

    A trial that raises, or whose worker dies on every one of its `retries` extra tries, is
    recorded as failed with its error and the search goes on; KeyboardInterrupt stops the search
    with everything finished so far saved. Only one process at a time may run a search in `out`
    (a lock file; a second one gets a ValueError). `log` receives one-line notes (resume counts).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    names = [p.name for p in spec.params]
    columns = ["trial", "round", *names, "seed", "status", *metrics_for(spec.model), "seconds",
               "host", "worker", "data_id", "retries", "error"]
    resolve_jobs(jobs)  # bad --jobs/--backend fail before the folder is touched
    with ResultStore(out, spec.to_dict(), columns, metrics_for(spec.model)) as store:
        done0 = sum(store.done(t, retry_failed) for t in store.rows if t < spec.total)
        if done0 and log is not None:
            left = spec.total - done0
            log(f"resuming {store.out}: {done0} of {spec.total} trials already done, skipping "
                f"them; {left} to run")
        said: set[str] = set()

        def workers_note(rnd: int) -> None:  # plan_workers' note, each once
            left = spec.trials - sum(store.done(t, retry_failed) for t in store.rows
                                     if rnd * spec.trials <= t < (rnd + 1) * spec.trials)
            _, note = plan_workers(jobs, left, backend=backend, address=address)
            if note is not None and log is not None and note not in said:
                said.add(note)
                log(note)

        workers_note(0)  # (before the bar is drawn: a line under it broke it on a terminal)
        bar = _Progress(spec.total, done0, progress)
        # the rounds with trials, read once: a failed round-0 trial retried here must neither
        # move them nor (saved below as rounds 0..rnd) drop them from the file
        frozen = _started(store)
        try:
            for rnd in range(spec.rounds):
                # later rounds: not yet known, unless started; started ones: as drawn from
                n = max(rnd + 1, max(frozen, default=-1) + 1)
                ranges = round_ranges(spec, store.rows, frozen)[:n]
                store.rounds = [[str(p) for p in rr] for rr in ranges]
                store.round_params = ranges
                frozen[rnd] = ranges[rnd]  # its trials are drawn from it from now on
                todo = (t for t in make_tasks(spec, rnd, ranges[rnd])
                        if not store.done(t.trial, retry_failed))
                workers_note(rnd)
                rows = iter_results(trial_fn, todo, backend=backend, jobs=jobs,
                                    address=address, retries=retries)
                for row in _until_lost(rows, store, spec.total):
                    if row.get("data_id") is None:  # a failed row: the data it was sent to
                        row["data_id"] = spec.data_id
                    store.add(row)
                    best = best_rows(store.rows.values(), 1, spec.objective, spec.maximize,
                                     spec.data_id)
                    bar.update(row, best[0][spec.objective] if best else None)
                store.save()
        finally:
            bar.close()
        ranges = round_ranges(spec, store.rows, _started(store))
        result = SearchResult(spec, [store.rows[t] for t in sorted(store.rows)], store.out,
                              ranges)
        if plot:
            result.plot = plot_search(result, store.out / "search.png")
    return result


def _until_lost(rows: Iterator[dict[str, Any]], store: ResultStore,
                total: int) -> Iterator[dict[str, Any]]:
    """`rows`; a lost cluster says how much is saved (ClusterLost, re-raised)."""
    try:
        yield from rows
    except ClusterLost as e:
        saved = sum(store.done(t) for t in store.rows if t < total)
        raise ClusterLost(f"{e}; {saved} of {total} trials are saved in {store.out}: restart "
                          "the cluster and run the same command again to run the other "
                          f"{total - saved}") from None


class _Progress:
    """The shared progress bar on a terminal or in a notebook; in a pipe or a log file, one
    plain line per finished trial instead (a bar's carriage returns would fill a log with junk)."""

    def __init__(self, total: int, initial: int, enabled: bool) -> None:
        self.total, self.n, self.enabled = total, initial, enabled
        bar = progress_bar(total, enabled, "trials", initial=initial, unit="trial")
        self.bar = None if bar.disable else bar

    def update(self, row: dict[str, Any], best: float | None) -> None:
        self.n += 1
        if self.bar is not None:
            if best is not None:
                self.bar.set_postfix(best=f"{best:.4f}", refresh=False)
            self.bar.update(1)
        elif self.enabled:
            status = row["status"] if row["status"] == "ok" else f"failed ({row.get('error')})"
            tail = "" if best is None else f", best {best:.4f}"
            print(f"trial {row['trial']} {status} [{self.n}/{self.total}{tail}]",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def check_training_params(spec: SearchSpec, names: dict[str, str] | None = None) -> None:
    """Reject, before any trial starts, what run_training would reject in every trial: unknown
    keys for the model, or conflicting ones (e.g. a searched eta with fixed cyclic flags).
    `names`: how the user gave each fixed key (the CLI: "--lambda", "--set lam"); the error
    names a searched key `--param NAME`, and lists what the model takes by search names."""
    task = next(make_tasks(replace(spec, trials=1, refine=0), 0, spec.params))
    typed = {**flag_names(), **(names or {}), **{p.key: f"--param {p.name}" for p in spec.params}}
    # eta_min above eta_max refuses only the draws where the ranges cross: checked at the ends
    # that pass if any draw does (trial 0's draw refused the whole search, or not, by --seed)
    ends = {p.key: p.value_bounds()[p.key == "eta_max"] for p in spec.params
            if p.key in ("eta_min", "eta_max")}
    resolve_params(spec.model, {**task.train_params, **ends}, typed,
                   offered={h.key: h.name for h in HYPERS})
