"""Where search trials run: in-process, joblib (loky) worker processes, a Dask or a Ray cluster.

Every backend runs the same top-level `execute_trial`, which never raises for a failed trial (it
returns a row with status "failed" and the error), and yields rows AS THEY FINISH so the caller
can save each one at once. Parallel workers get 1 BLAS thread each, so N workers use N cores
instead of fighting over them with N x cores threads.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

BACKENDS = ("joblib", "dask", "ray")
OBJECTIVES = ("best_val_acc", "best_smooth_loss")


@dataclass(frozen=True)
class Task:
    trial: int
    round: int
    seed: int
    values: dict[str, Any]  # the sampled values, by CLI name (the table's columns)
    train_params: dict[str, Any]  # what the trial function gets: fixed + sampled, run_training keys


def blas_limit(threads: int | None) -> contextlib.AbstractContextManager:
    """Limit BLAS/OpenMP thread pools in this process while the context is open (no-op for None
    or without threadpoolctl; loky workers also start with OMP/OPENBLAS/MKL_NUM_THREADS set)."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads)


def execute_trial(
    trial_fn: Callable[[dict[str, Any], int], dict[str, Any]],
    task: Task,
    blas_threads: int | None = None,
) -> dict[str, Any]:
    """Run one trial; the table row it makes. Exceptions become status 'failed' with the error;
    KeyboardInterrupt and SystemExit propagate (they are not the trial's fault)."""
    row: dict[str, Any] = {"trial": task.trial, "round": task.round, **task.values}
    row["seed"] = task.seed
    t0 = time.perf_counter()
    try:
        with blas_limit(blas_threads):
            metrics = trial_fn(dict(task.train_params), task.seed)
        if not isinstance(metrics, dict):
            raise TypeError(f"trial function returned {type(metrics).__name__}, not a dict")
        for k in OBJECTIVES:  # a diverged run that did not raise
            v = metrics.get(k)
            if isinstance(v, float) and not math.isfinite(v):
                raise FloatingPointError(f"{k} is {v}")
        row.update(metrics)
        row["status"], row["error"] = "ok", None
    except Exception as e:
        row["status"], row["error"] = "failed", f"{type(e).__name__}: {e}".strip()
    row["seconds"] = time.perf_counter() - t0
    return row


def resolve_jobs(jobs: int) -> int:
    """joblib's convention: 1..n as given, -1 all cores, -2 all but one, ..."""
    if jobs == 0:
        raise ValueError("--jobs 0 runs nothing; use 1 or more (or -1 for all cores)")
    if jobs < 0:
        from joblib import cpu_count

        return max(1, cpu_count() + 1 + jobs)
    return jobs


def iter_results(
    trial_fn: Callable[[dict[str, Any], int], dict[str, Any]],
    tasks: list[Task],
    *,
    backend: str = "joblib",
    jobs: int = 1,
    address: str | None = None,
    blas_threads: int | None | str = "auto",
) -> Iterator[dict[str, Any]]:
    """Rows of `tasks`, in the order they finish. joblib with 1 job runs in this process.
    dask/ray connect to the cluster at `address` (it decides the concurrency), or without one
    start a local cluster of `jobs` single-threaded workers for the duration of the call."""
    if not tasks:
        return
    jobs = resolve_jobs(jobs)
    serial = backend == "joblib" and jobs == 1
    if blas_threads == "auto":  # one trial alone may use every core; parallel ones get one each
        blas_threads = None if serial else 1
    if serial:
        for t in tasks:
            yield execute_trial(trial_fn, t, blas_threads)
    elif backend == "joblib":
        yield from _joblib(trial_fn, tasks, jobs, blas_threads)
    elif backend == "dask":
        yield from _dask(trial_fn, tasks, jobs, address, blas_threads)
    elif backend == "ray":
        yield from _ray(trial_fn, tasks, jobs, address, blas_threads)
    else:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")


def _joblib(trial_fn, tasks, jobs, blas_threads) -> Iterator[dict[str, Any]]:
    from joblib import Parallel, delayed, parallel_config

    # inner_max_num_threads sets OMP/OPENBLAS/MKL_NUM_THREADS in the loky workers' environment,
    # so BLAS starts with 1 thread there even before threadpoolctl limits it
    with parallel_config(backend="loky", n_jobs=jobs, inner_max_num_threads=blas_threads):
        run = Parallel(return_as="generator_unordered")
        yield from run(delayed(execute_trial)(trial_fn, t, blas_threads) for t in tasks)


def _missing(pkg: str, extra: str) -> RuntimeError:
    return RuntimeError(
        f"the {extra} backend needs {pkg}: pip install 'tinygrad_dl[{extra}]'"
    )


def _dask(trial_fn, tasks, jobs, address, blas_threads) -> Iterator[dict[str, Any]]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise _missing("dask.distributed", "dask") from None
    cluster = None
    if address is None:
        cluster = LocalCluster(  # a private one-machine cluster, on the loopback interface
            n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None,
        )
    client = Client(cluster if cluster is not None else address)
    futures = []
    try:
        futures = client.map(
            execute_trial, [trial_fn] * len(tasks), tasks, [blas_threads] * len(tasks),
            pure=False,  # every trial runs, even with equal arguments
        )
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.cancel([f for f in futures if not f.done()])
        client.close()
        if cluster is not None:
            cluster.close()


def _ray(trial_fn, tasks, jobs, address, blas_threads) -> Iterator[dict[str, Any]]:
    if address is None:  # a private one-machine cluster: keep it on the loopback interface
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # read at import
    try:
        import ray
    except ImportError:
        raise _missing("ray", "ray") from None
    started = not ray.is_initialized()  # an already connected driver (e.g. a notebook) is reused
    if started:
        kw: dict[str, Any] = {"address": address}
        if address is None:
            kw = {"num_cpus": jobs, "include_dashboard": False}
        ray.init(**kw, log_to_driver=False)
    remote = ray.remote(num_cpus=1, max_retries=0)(execute_trial)
    pending = [remote.remote(trial_fn, t, blas_threads) for t in tasks]
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()
