"""Where search trials run: in-process, local worker processes (loky), a Dask or a Ray cluster.

Every backend runs the same `worker.execute_trial` and yields rows AS THEY FINISH so the caller
can save each one at once. Tasks are consumed lazily, a bounded window at a time (a search of
10**8 trials starts its first one at once, in bounded memory), and a result is released from the
workers as soon as it is yielded. A trial whose worker dies (a signal, the OOM killer) is retried
on a fresh worker; one that kills its worker on every try is a failed row, and the search goes on.
Parallel workers get 1 BLAS thread each, so N workers use N cores, not N x cores threads.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from typing import Any

from .cluster import dask_results, ray_results
from .interrupts import interrupts_held, sigint_blocked
from .worker import BLAS_VARS, Task, TrialFn, die_with_parent, execute_trial, lost_row

BACKENDS = ("joblib", "dask", "ray")
# How long the search waits for a trial at a time. A Ctrl-C that came while the workers were
# spawned (SIGINT blocked in this thread) went to another thread, a progress bar's or BLAS's,
# whose handler may run late on a loaded machine: once this thread waited with no timeout it
# never woke to raise it, and the search ran on (seen in a loop of Ctrl-Cs, 2026-12-07).
_POLL = 0.25


def usable_cores() -> int:
    """The cores this process may use: loky's count, the least of the machine's, its CPU
    affinity (taskset, a cpuset), a container's CPU quota (docker --cpus: cgroup cpu.max, which
    the affinity does not show) and $LOKY_MAX_CPU_COUNT; the count joblib's own -1 means."""
    from joblib import cpu_count  # (joblib's import costs ~0.2 s: only where workers are planned)

    return max(1, cpu_count())


def resolve_jobs(jobs: int) -> int:
    """joblib's convention: 1..n as given, -1 all cores, -2 all but one, ..."""
    if jobs == 0:
        raise ValueError("--jobs 0 runs nothing; use 1 or more (or -1 for all cores)")
    if jobs < 0:
        return max(1, usable_cores() + 1 + jobs)
    return jobs


def plan_workers(jobs: int, tasks: int, *, backend: str = "joblib", address: str | None = None,
                 unit: str = "trial") -> tuple[int, str | None]:
    """How many workers `iter_results` starts for `tasks` tasks under `--jobs jobs`, and a note
    when that is fewer than asked. Never more than the tasks (a worker without one only costs
    its start and its memory) nor the cores (each runs one task on one BLAS thread: more only
    take turns on the cores); with a cluster `address`, the cluster decides. Fewer than asked is
    still a worker process (one, at least): --jobs 1's in-process run stays --jobs 1's."""
    n = resolve_jobs(jobs)
    if address is not None or (backend == "joblib" and n == 1) or tasks < 1:
        return n, None
    cores = usable_cores()
    workers = max(1, min(n, tasks, cores))
    if workers == n:
        return n, None
    # only what set the number: "1 worker: 1 trial to run and 2 cores" named cores it did not use
    why = [f"{tasks} {unit}{'s' * (tasks != 1)} to run"] if tasks == workers else []
    why += [f"{cores} core{'s' * (cores != 1)} to run on"] if cores == workers else []
    return workers, (f"note: --jobs {jobs} starts {workers} worker{'s' * (workers != 1)}: "
                     f"{' and '.join(why)}")


def iter_results(
    trial_fn: TrialFn,
    tasks: Iterable[Task],
    *,
    backend: str = "joblib",
    jobs: int = 1,
    address: str | None = None,
    blas_threads: int | None | str = "auto",
    retries: int = 2,
) -> Iterator[dict[str, Any]]:
    """Rows of `tasks` (any iterable, read lazily), in the order they finish. joblib with 1 job
    runs in this process. dask/ray connect to the cluster at `address` (it decides the
    concurrency), or without one start a local cluster of `jobs` single-threaded workers for the
    duration of the call, of no more workers than `plan_workers` says. `retries`: extra tries
    for a trial whose worker died."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    serial = backend == "joblib" and resolve_jobs(jobs) == 1
    if blas_threads == "auto":  # one trial alone may use every core; parallel ones get one each
        blas_threads = None if serial else 1
    if serial:
        for t in tasks:
            yield execute_trial(trial_fn, t, blas_threads)
        return
    # no more workers than the tasks (the first `jobs` of them, read ahead) or the cores: `--jobs
    # 8` for 2 trials started 8 processes, 6 of them idle (plan_workers' note says so)
    tasks = iter(tasks)
    first = list(itertools.islice(tasks, max(1, resolve_jobs(jobs))))
    if not first:
        return
    jobs, _ = plan_workers(jobs, len(first), backend=backend, address=address)
    tasks = itertools.chain(first, tasks)
    if backend == "joblib":
        yield from _local(trial_fn, tasks, jobs, blas_threads, retries)
    elif backend == "dask":
        yield from dask_results(trial_fn, tasks, jobs, address, blas_threads, retries)
    else:
        yield from ray_results(trial_fn, tasks, jobs, address, blas_threads, retries)


def _executor(jobs: int, blas_threads: int | None):  # -> loky ProcessPoolExecutor
    from joblib.externals.loky.process_executor import ProcessPoolExecutor

    # BLAS reads its thread count from the environment when it loads: set it before that
    env = {v: str(blas_threads) for v in BLAS_VARS} if blas_threads else None
    return ProcessPoolExecutor(jobs, initializer=die_with_parent, initargs=(os.getpid(),),
                               env=env)


def _local(trial_fn: TrialFn, tasks: Iterator[Task], jobs: int, blas_threads: int | None,
           retries: int) -> Iterator[dict[str, Any]]:
    """Local worker processes (loky, as joblib uses). At most `jobs` tasks are submitted, so each
    one submitted is running. When a worker dies the pool breaks and every running task fails
    with it; which one killed it is unknown, so those are re-run one at a time on a fresh pool:
    a task that kills a pool while running alone, `retries + 1` times, is the culprit."""
    from joblib.externals.loky.process_executor import BrokenProcessPool

    suspects: deque[tuple[Task, int]] = deque()  # (task, times it broke a pool running alone)
    running: dict[Any, tuple[Task, int | None]] = {}  # None: not a suspect
    retired: list[tuple[Any, Any]] = []  # (manager thread, call queue) of each pool stopped
    ex = None  # made by the first submit (none for no task), again after a pool broke
    exhausted = False

    def submit(task: Task, n: int | None) -> None:
        nonlocal ex
        with interrupts_held(), sigint_blocked(ex is None):  # (the first starts the workers)
            if ex is None:
                ex = _executor(jobs, blas_threads)
            running[ex.submit(execute_trial, trial_fn, task, blas_threads)] = (task, n)

    try:
        while True:
            if suspects or any(n is not None for _, n in running.values()):
                if suspects and not running:  # a suspect runs alone
                    submit(*suspects.popleft())
            else:
                while len(running) < jobs and not exhausted:
                    task = next(tasks, None)
                    if task is None:
                        exhausted = True
                    else:
                        submit(task, None)
            if not running:
                return
            done: set[Any] = set()
            while not done:  # (in turns: see _POLL)
                done, _ = wait(running, timeout=_POLL, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                task, n = running.pop(fut)
                try:
                    row = fut.result()
                except BrokenProcessPool as e:
                    broken = True
                    if n is not None and n + 1 > retries:
                        yield lost_row(task, _reason(e), retries=n + 1)
                    else:
                        suspects.append((task, 0 if n is None else n + 1))
                    continue
                if n is not None:  # it ran again after a pool broke under it
                    row["retries"] = n + 1
                yield row
            if broken:  # the pool is gone: what ran with the dead worker runs again
                suspects.extend((t, 0 if n is None else n) for t, n in running.values())
                running.clear()
                retired[:] = [r for r in retired if _busy(*r)]  # (the others are released)
                retired.append(_stop(ex))
                ex = None
    finally:
        if ex is not None:
            retired.append(_stop(ex))
        _released(retired)


def _stop(ex: Any) -> tuple[Any, Any]:
    """Kill the workers of loky executor `ex` now, without waiting; what `_released` waits for."""
    held = (getattr(ex, "_executor_manager_thread", None), getattr(ex, "_call_queue", None))
    ex.shutdown(wait=False, kill_workers=True)
    return held


def _busy(manager: Any, queue: Any) -> bool:
    """Does a thread that releases a stopped executor's semaphores still run?"""
    return any(isinstance(t, threading.Thread) and t.is_alive()
               for t in (manager, getattr(queue, "_thread", None)))


def _released(retired: list[tuple[Any, Any]], timeout: float = 5.0) -> None:
    """Wait until the stopped executors' semaphores are released (unlinked and unregistered
    from loky's resource tracker), so that nothing about them is printed after the search's
    last line. Their manager thread ends by closing the call queue (as shutdown(wait=True)
    waits for: without it every search ended with the tracker's "leaked semaphore objects"
    warning); then that queue's feeder thread, which shutdown(wait=True) does not wait for in
    the process that made the queue, ends and frees the queue's 3 semaphores. On a loaded
    machine it still ran while the interpreter exited (stopped there between a semaphore's
    unlink and its unregister), and the tracker warned of "leaked semlock objects" and a
    FileNotFoundError after a Ctrl-C's "search interrupted" line. (`timeout`: a feeder blocked
    writing a big task to workers killed meanwhile never ends; the interpreter leaves it, as
    before.)"""
    from multiprocessing import active_children  # (imported by loky already: not at startup)

    for manager, queue in retired:
        if isinstance(manager, threading.Thread):
            manager.join()
        feeder = getattr(queue, "_thread", None)
        if isinstance(feeder, threading.Thread):
            feeder.join(timeout)
    retired.clear()  # the last references to the queues: unregistered here, if not already
    active_children()  # reaps killed workers: their exit locks are released


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    codes = [ln for ln in text if "exit code" in ln.lower()]
    return (codes[0] if codes else text[0] if text else type(e).__name__)[:300]
