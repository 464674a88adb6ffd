"""Random hyperparameter search with coarse-to-fine refinement, resumable, on any backend:
`space` (parameter ranges), `backends` / `cluster` (where trials run), `worker` (what runs in a
worker), `trial` (the default trial and its pinned data), `results` (the tables on disk), `run`
(the search itself), `seeds` / `stats` / `render` (many seeds of fixed settings and the results
table made from them). The plot is `tinygrad_dl.viz.plot_search`, re-exported here."""

from tinygrad_dl.viz import plot_search

from .backends import BACKENDS, iter_results, resolve_jobs
from .cluster import check_cluster
from .results import ResultStore
from .run import (
    METRICS,
    SearchResult,
    SearchSpec,
    best_rows,
    check_training_params,
    make_tasks,
    metrics_for,
    round_ranges,
    run_search,
    trial_rng,
    trial_seed,
)
from .seeds import Comparison, Setting, collect, run_seeds
from .space import PARAMS, ParamSpec, canonical_name, fmt_value, parse_param
from .trial import DataError, DataRef, TrainingTrial, environment, resolve_data
from .worker import Task, execute_trial

__all__ = [
    "BACKENDS", "Comparison", "DataError", "DataRef", "METRICS", "PARAMS", "ParamSpec",
    "ResultStore", "SearchResult", "SearchSpec", "Setting", "Task", "TrainingTrial", "best_rows",
    "canonical_name", "check_cluster", "check_training_params", "collect", "environment",
    "execute_trial", "fmt_value", "iter_results", "make_tasks", "metrics_for", "parse_param",
    "plot_search", "resolve_data", "resolve_jobs", "round_ranges", "run_search", "run_seeds",
    "trial_rng", "trial_seed",
]
