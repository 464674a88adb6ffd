"""`tinygrad-dl search MODEL --param lambda=log10:-5:-1 --trials 20 --jobs 2`: random search."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from tinygrad_dl.files import write_error
from tinygrad_dl.models import MODELS
from tinygrad_dl.search import (
    PARAMS,
    SearchSpec,
    TrainingTrial,
    check_cluster,
    check_training_params,
    environment,
    parse_param,
    resolve_data,
    resolve_jobs,
    run_search,
)
from tinygrad_dl.search.cluster import ClusterLost
from tinygrad_dl.search.results import check_out
from tinygrad_dl.search.space import check_fixed
from tinygrad_dl.train.hyperparams import BY_KEY, BY_NAME

from .args import add_hyper_flags, nonneg_float, nonneg_int, positive_int, seed
from .signals import fresh_line, sigterm_as_interrupt, stopped

EXAMPLES = """\
distributions: log10:A:B (10**uniform(A,B)), uniform:A:B, int:A:B (inclusive), choice:V1,V2,...
searchable: {searchable}
--trials is per round: --trials 8 --refine 1 runs 16 trials. Re-run the same command to resume.

examples:
  tinygrad-dl search two-layer --param lambda=log10:-5:-1 --trials 20 --epochs 2 --jobs 2
  tinygrad-dl search two-layer --param lambda=log10:-5:-1 --param eta_max=uniform:0.05:0.2 \\
      --trials 8 --refine 2 --cycles 2 --out runs/search-2l
  tinygrad-dl search k-layer --param dropout=uniform:0:0.5 --hidden 50,50 --backend dask \\
      --address tcp://scheduler:8786 --trials 32
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "search",
        help="random hyperparameter search (coarse-to-fine, resumable, parallel)",
        description="Random search over training hyperparameters: one full training per trial, "
        "results saved as each trial finishes (results.csv, results.json, search.png in --out).",
        epilog=EXAMPLES.format(searchable=", ".join(PARAMS)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", choices=list(MODELS))
    p.add_argument("--param", action="append", default=[], metavar="NAME=DIST:ARGS",
                   help="a searched parameter, e.g. lambda=log10:-5:-1 (repeatable)")
    p.add_argument("--trials", type=positive_int, default=10,
                   help="trials per round (default 10)")
    p.add_argument("--refine", type=nonneg_int, default=0, metavar="ROUNDS",
                   help="coarse-to-fine rounds after the first, each narrowing the ranges to the "
                   "best trials so far (default 0)")
    p.add_argument("--top-k", type=positive_int, default=None,
                   help="best trials that set the next round's ranges (default trials//4, >= 2)")
    p.add_argument("--widen", type=nonneg_float, default=None,
                   help="widen narrowed ranges by this fraction of their width (default 0.1)")
    p.add_argument("--jobs", type=int, default=1,
                   help="trials at once on this machine (-1: all cores); with --address the "
                   "cluster decides")
    p.add_argument("--backend", choices=("joblib", "dask", "ray"), default="joblib",
                   help="joblib: local processes (default); dask/ray: a cluster (see --address)")
    p.add_argument("--address", default=None,
                   help="scheduler address of an existing Dask/Ray cluster (e.g. "
                   "tcp://host:8786, or host:6379 for Ray); without it a local one is started")
    p.add_argument("--ship-data", action="store_true",
                   help="send the loaded data to the cluster's workers with the trials (for "
                   "workers that do not share the client's disk)")
    p.add_argument("--retries", type=nonneg_int, default=2,
                   help="extra tries for a trial whose worker died (default 2)")
    p.add_argument("--check-cluster", action="store_true",
                   help="report each worker's versions, threads and whether it has the data; "
                   "run no trial")
    p.add_argument("--out", default=None, help="results folder (default search-MODEL)")
    p.add_argument("--seed", type=seed, default=0, help="search seed: trial seeds derive from it")
    p.add_argument("--data", default=None, help="CIFAR-10 folder (default: see train --help)")
    p.add_argument("--text", default=None, help="text file for char-rnn")
    p.add_argument("--retry-failed", action="store_true", help="on resume, re-run failed trials")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plot", action="store_true", help="do not draw search.png")
    fixed = p.add_argument_group("fixed training flags (as in `train`; the same for every trial)")
    add_hyper_flags(fixed, prefix="fixed_")
    fixed.add_argument("--set", dest="set_params", action="append", default=[],
                       metavar="KEY=VALUE", help="any other run_training param (JSON value)")
    p.set_defaults(func=run)


def fixed_params(args: argparse.Namespace,
                 typed: dict[str, str] | None = None) -> dict[str, Any]:
    """The fixed training params (the flags, then --set KEY=VALUE: a run_training key, or the
    name --param uses: lambda). `typed` gets how the user gave each key, for errors."""
    typed = {} if typed is None else typed
    fixed = {k[len("fixed_"):]: v for k, v in vars(args).items()
             if k.startswith("fixed_") and v is not None}
    typed.update({k: BY_KEY[k].shown for k in fixed if k in BY_KEY})
    for item in args.set_params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set {item!r}: expected KEY=VALUE")
        key = key.strip().replace("-", "_")
        key = BY_NAME[key].key if key in BY_NAME and key not in BY_KEY else key
        given = f"--set {item.partition('=')[0].strip()}"
        if key in fixed:  # (the last one won without a word; --param twice is refused too)
            raise ValueError(f"{typed.get(key, key)} and {given} both set {key}; give it once")
        typed[key] = given
        try:
            fixed[key] = json.loads(value)
        except json.JSONDecodeError:
            fixed[key] = value
    return fixed


def run(args: argparse.Namespace) -> int:
    # every input is checked here, before any trial starts
    if args.out is not None and not args.out.strip():  # ("$UNSET": search-MODEL was used)
        raise ValueError("--out is empty (an unset variable?); name the results folder, or "
                         f"leave it out for search-{args.model}")
    if args.address is not None and args.backend == "joblib":
        raise ValueError("--address is for a cluster: add --backend dask or --backend ray")
    resolve_jobs(args.jobs)  # (--jobs 0 was refused after the "search: ..." line)
    shaping = [f for f, v in (("--top-k", args.top_k), ("--widen", args.widen)) if v is not None]
    if shaping and not args.refine:  # (they were accepted, and did nothing)
        raise ValueError(f"{' and '.join(shaping)} set how --refine narrows the ranges, and "
                         "without --refine there is no round to narrow: add --refine ROUNDS, or "
                         f"leave {'it' if len(shaping) == 1 else 'them'} out")
    typed: dict[str, str] = {}
    fixed = fixed_params(args, typed)
    check_fixed(fixed)
    ref = resolve_data(args.model, args.data, args.text)  # pinned here: the same on every worker
    if args.check_cluster:
        return _check_cluster(args, ref)
    spec = SearchSpec(
        model=args.model,
        params=[parse_param(t) for t in args.param],
        fixed=fixed,
        trials=args.trials,
        refine=args.refine,
        seed=args.seed,
        top_k=args.top_k,
        widen=SearchSpec.widen if args.widen is None else args.widen,
        data=ref.path if ref.kind in ("cifar", "embedded") else None,
        text=ref.path if ref.kind == "text" else None,
        data_id=ref.id,
    )
    check_training_params(spec, typed)
    out = Path(args.out or f"search-{args.model}")
    check_out(out)  # before the line below names it as where the results go
    print(f"search: {spec.total} trials of {args.model} "
          f"({spec.trials} x {spec.rounds} round{'s' * (spec.rounds > 1)}), "
          f"{', '.join(str(p) for p in spec.params)}; data {ref.id} ({ref.path or ref.kind}); "
          f"results in {out}", file=sys.stderr)
    trial = TrainingTrial(args.model, ref, fixed, ship=args.ship_data)
    try:
        with sigterm_as_interrupt():  # the workers are stopped and what finished is saved
            result = run_search(
                spec, out, trial, backend=args.backend, jobs=args.jobs, address=args.address,
                progress=not args.no_progress, retry_failed=args.retry_failed,
                plot=not args.no_plot, retries=args.retries,
                log=lambda line: print(line, file=sys.stderr),
            )
    except ClusterLost as e:  # not a trial's failure: the unfinished trials run on resume
        print(f"tinygrad-dl search: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a full disk, a read-only folder: what was saved stays
        if isinstance(e, FileNotFoundError):
            raise
        saved = (f"finished trials are saved in {out}: once it is fixed, run the same command "
                 "again to resume" if _any_saved(out) else "no trial was saved: once it is "
                 "fixed, run the same command again to start it")
        print(f"tinygrad-dl search: error: {write_error(e, out)}; {saved}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        why, code = stopped(e)
        if not _any_saved(out):
            print(f"{fresh_line()}search {why} before its first trial finished: nothing was "
                  "saved; run the same command again to start it", file=sys.stderr)
        else:
            print(f"{fresh_line()}search {why}: finished trials are saved in {out}; run the "
                  "same command again to resume", file=sys.stderr)
        return code
    print(result.summary())
    return 0 if result.best is not None else 1


def _any_saved(out: Path) -> bool:
    """Did a stopped search save a trial (its results.json is written from the first one on)?"""
    return os.path.isfile(out / "results.json")  # (Path.is_file raised on an unreadable folder)


def _check_cluster(args: argparse.Namespace, ref: Any) -> int:
    """--check-cluster: one line per worker; exit 1 when a worker lacks the data."""
    reports = check_cluster(args.backend, args.address, lambda: environment(ref),
                            jobs=args.jobs)
    print(f"data: {ref.id} ({ref.path or ref.kind})")
    bad = 0
    for r in reports:
        bad += r.get("data") != "ok"
        print(f"{r['worker']}: host {r['host']}, tinygrad_dl {r['tinygrad_dl']}, numpy "
              f"{r['numpy']}, python {r['python']}, {r['threads']} threads, BLAS threads "
              f"{r['blas_threads']}, MALLOC_TRIM_THRESHOLD_={r['MALLOC_TRIM_THRESHOLD_']}, "
              f"data: {r['data']}")
    print(f"{len(reports)} workers, {bad} without the data")
    return 1 if bad or not reports else 0
