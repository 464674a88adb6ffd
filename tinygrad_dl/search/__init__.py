"""Random hyperparameter search with coarse-to-fine refinement, resumable, on any backend:
`space` (parameter ranges), `backends` (where trials run), `results` (the tables on disk),
`run` (the search itself). The plot is `tinygrad_dl.viz.plot_search`, re-exported here."""

from tinygrad_dl.viz import plot_search

from .backends import BACKENDS, Task, execute_trial, iter_results, resolve_jobs
from .results import ResultStore
from .run import (
    METRICS,
    SearchResult,
    SearchSpec,
    TrainingTrial,
    best_rows,
    check_training_params,
    make_tasks,
    metrics_for,
    round_ranges,
    run_search,
    trial_rng,
    trial_seed,
)
from .space import PARAMS, ParamSpec, canonical_name, fmt_value, parse_param

__all__ = [
    "BACKENDS", "METRICS", "PARAMS", "ParamSpec", "ResultStore", "SearchResult", "SearchSpec",
    "Task", "TrainingTrial", "best_rows", "canonical_name", "check_training_params",
    "execute_trial", "fmt_value", "iter_results", "make_tasks", "metrics_for", "parse_param",
    "plot_search", "resolve_jobs", "round_ranges", "run_search", "trial_rng", "trial_seed",
]
