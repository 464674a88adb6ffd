"""Search trials on a Dask or a Ray cluster, and `check_cluster` (what each worker has).

Both keep a bounded window of trials submitted (twice the cluster's slots), release each result
from the cluster as soon as it is yielded (the client saves it at once, so a worker dying later
cannot make the scheduler recompute it; on Dask a recompute that wins the race with the release
skips the trial function), and retry a trial whose worker died: Dask's scheduler
reschedules it (`distributed.scheduler.allowed-failures`, set to `retries` on a local cluster),
Ray re-runs it (`max_retries`). A trial lost on every try is a failed row; the search goes on.
On Dask a row's `retries` counts the times the trial really started again (each start is an
event the worker logs on the scheduler). A lost scheduler is no trial's failure: `ClusterLost`
stops the search, and the trials it did not finish stay to run on resume.
A trial that ships its data (`ships_data`) is sent once to the workers (scatter / object store).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from .interrupts import interrupts_held, sigint_blocked
from .worker import Task, TrialFn, execute_trial, lost_row


def missing(pkg: str, extra: str) -> RuntimeError:
    return RuntimeError(f"the {extra} backend needs {pkg}: pip install 'tinygrad_dl[{extra}]'")


def _window(slots: float) -> int:
    return max(2, 2 * int(slots))


# ---------------------------------------------------------------- Dask
def _dask_client(address: str | None, jobs: int, retries: int) -> tuple[Any, Any]:
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise missing("dask.distributed", "dask") from None
    cluster = None
    if address is None:
        # a private one-machine cluster on the loopback interface; its nanny must not switch on
        # malloc trimming (None unsets it), and a trial is retried `retries` times
        cfg = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
               "distributed.scheduler.allowed-failures": retries}
        with dask.config.set(cfg):
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
    try:
        client = Client(cluster if cluster is not None else address, timeout="30s")
    except OSError as e:
        if cluster is not None:
            cluster.close()
        raise RuntimeError(f"--address {address}: no Dask scheduler answers ({e})") from None
    return client, cluster


class ClusterLost(RuntimeError):
    """The scheduler (Dask) or head (Ray) is gone: not a trial's failure. The search stops; the
    trials it did not finish stay to run when the same command runs again."""


_STARTED = "tinygrad-dl-trial-start"  # the event a Dask worker logs each time it starts a trial
_SAVED = "tinygrad-dl-trial-saved"  # the event the client logs once it holds a trial's row


def _saved_already(key: str) -> bool:
    """Whether the client already holds this trial's row. Dask recomputes a finished result whose
    worker dies before the client's release reaches the scheduler (a few ms; CI once saw a saved
    trial run again so); such a rerun finds the client's event and skips the trial function."""
    try:
        from distributed import get_client

        return any(msg.get("key") == key for _, msg in get_client().get_events(_SAVED))
    except Exception:  # noqa: BLE001  (when in doubt, run the trial: a rerun is only wasted work)
        return False


def _dask_trial(fn: TrialFn, task: Task, blas_threads: int | None, key: str) -> dict[str, Any]:
    """execute_trial on a Dask worker, telling the scheduler when the trial function starts (the
    client counts these events: a trial's real reruns, not the scheduler's suspicions). Logged
    right before the function, not before the worker's setup: CI once saw a trial that shared the
    dying worker counted as rerun though its function had not begun there."""

    def started() -> None:
        try:
            from distributed import get_worker

            get_worker().log_event(_STARTED, {"key": key})
        except Exception:  # noqa: BLE001  (a count is a nicety: never fail a trial for it)
            pass

    if _saved_already(key):
        return {"trial": task.trial, "status": "skipped", "error": "already saved by the client"}
    return execute_trial(fn, task, blas_threads, started)


def _starts(client: Any, key: str) -> int | None:
    try:
        return sum(msg.get("key") == key for _, msg in client.get_events(_STARTED))
    except Exception:  # noqa: BLE001
        return None


def _scheduler_gone(client: Any, e: BaseException) -> bool:
    """Whether a trial's error means the scheduler is gone (not the trial's failure). Only
    KilledWorker is a trial's own end; any other error right after the scheduler died may come
    before the client notices, so it is given a few seconds to (a lost scheduler must never mark
    a trial failed: issue 20)."""
    if "scheduler-connection-lost" in str(e) or not _connected(client):
        return True
    if type(e).__name__ == "KilledWorker":
        return False
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if not _connected(client):
            return True
    return False


def _connected(client: Any) -> bool:
    """Whether the client still holds its scheduler connection (once lost, the client is
    "connecting" in vain, then "closed")."""
    return client.status == "running"


def dask_results(trial_fn: TrialFn, tasks: Iterator[Task], jobs: int, address: str | None,
                 blas_threads: int | None, retries: int) -> Iterator[dict[str, Any]]:
    client = cluster = None
    quiet: list[logging.Logger] = []
    levels: list[int] = []
    try:
        # a local cluster starts its nannies' worker processes with SIGINT blocked, a Ctrl-C or
        # SIGTERM meanwhile raised once it is made (and closed, below): a terminal's Ctrl-C
        # reaches the whole process group, and a worker process hit as Python started printed
        # "Fatal Python error: init_import_site", its nanny "Nanny failed to start", and the
        # half-made cluster an AssertionError at exit, after the search's one line
        with interrupts_held() if address is None else contextlib.nullcontext(), \
                sigint_blocked(address is None):
            client, cluster = _dask_client(address, jobs, retries)
        # a lost scheduler is reported once, as ClusterLost: not as the client's reconnect
        # tracebacks nor its batched stream's "Batched Comm Closed" (a release sent as the
        # scheduler died). (Set after distributed is imported: its logging config sets them.)
        quiet = [logging.getLogger(f"distributed.{name}") for name in ("client", "batched")]
        levels = [q.level for q in quiet]
        for q in quiet:
            q.setLevel(logging.CRITICAL)
        yield from _dask_rows(client, trial_fn, tasks, jobs, address, blas_threads)
    finally:
        if client is not None:
            try:
                client.close(timeout=10)
            except Exception:  # noqa: BLE001
                pass
        if cluster is not None:
            cluster.close()
        for q, level in zip(quiet, levels):
            q.setLevel(level)


def _dask_rows(client: Any, trial_fn: TrialFn, tasks: Iterator[Task], jobs: int,
               address: str | None, blas_threads: int | None) -> Iterator[dict[str, Any]]:
    from dask.distributed import as_completed

    run = str(uuid.uuid4())[:8]
    pending: dict[str, tuple[Any, Task]] = {}
    where = address or "the local cluster"

    def lost(e: BaseException) -> ClusterLost:
        why = (str(e).strip().splitlines() or [""])[0][:120]
        return ClusterLost(f"lost the Dask scheduler at {where} ({type(e).__name__}: {why}); "
                           "no trial failed for it")

    try:
        fn: Any = trial_fn
        if getattr(trial_fn, "ships_data", False):
            fn = client.scatter(trial_fn, broadcast=True, hash=False)
        ac = as_completed()

        def submit() -> bool:
            task = next(tasks, None)
            if task is None:
                return False
            key = f"trial-{task.trial}-{run}"
            fut = client.submit(_dask_trial, fn, task, blas_threads, key, pure=False, key=key)
            pending[fut.key] = (fut, task)
            ac.add(fut)
            return True

        def slots() -> int:
            workers = client.scheduler_info().get("workers", {}).values()
            return _window(sum(w.get("nthreads", 1) for w in workers) or jobs)

        def fill() -> None:
            """Submit trials up to the window; a refusal with the scheduler gone is ClusterLost."""
            try:
                while len(pending) < slots() and submit():
                    pass
            except Exception as e:  # noqa: BLE001
                if not _connected(client):
                    raise lost(e) from None
                raise

        fill()
        for fut in ac:
            _, task = pending[fut.key]
            try:
                row = fut.result()
            except Exception as e:  # KilledWorker: it died `allowed-failures` times
                if _scheduler_gone(client, e):
                    raise lost(e) from None  # every pending future is cancelled with it
                row = lost_row(task, f"{type(e).__name__}: {e}"[:300])
            if _connected(client):  # synchronous: the scheduler has it before the release
                try:  # below is even sent (bounded: a dying scheduler must not hold us long)
                    client.sync(client.scheduler.log_event, topic=_SAVED,
                                msg={"key": fut.key}, callback_timeout=10)
                except Exception:  # noqa: BLE001  (a lost scheduler shows at the next result)
                    pass
            n = _starts(client, fut.key)
            if n and n > 1:
                row["retries"] = n - 1
            elif "retries" in row and n == 1:
                row.pop("retries")
            del pending[fut.key]
            fut.release()  # saved by the caller next: the cluster need not keep it
            del fut
            yield row
            fill()
    finally:
        if pending and client.status == "running":
            try:
                client.cancel([f for f, _ in pending.values()], force=True)
            except Exception:  # noqa: BLE001  (the scheduler may be gone)
                pass


# ---------------------------------------------------------------- Ray
def _ray_init(address: str | None, jobs: int) -> tuple[Any, bool]:
    if address is None:  # a private one-machine cluster: keep it on the loopback interface
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # read at import
    try:
        import ray
    except ImportError:
        raise missing("ray", "ray") from None
    started = not ray.is_initialized()  # an already connected driver (e.g. a notebook) is reused
    if started:
        kw: dict[str, Any] = {"address": address}
        if address is None:
            kw = {"num_cpus": jobs, "include_dashboard": False}
        try:
            ray.init(**kw, log_to_driver=False)
        except (ConnectionError, RuntimeError) as e:
            raise RuntimeError(f"--address {address}: no Ray cluster answers ({e})") from None
    return ray, started


def ray_results(trial_fn: TrialFn, tasks: Iterator[Task], jobs: int, address: str | None,
                blas_threads: int | None, retries: int) -> Iterator[dict[str, Any]]:
    ray, started = _ray_init(address, jobs)
    remote = ray.remote(num_cpus=1, max_retries=retries)(execute_trial)
    pending: dict[Any, Task] = {}
    try:
        fn: Any = ray.put(trial_fn) if getattr(trial_fn, "ships_data", False) else trial_fn

        def fill() -> None:
            window = _window(ray.cluster_resources().get("CPU", jobs))
            while len(pending) < window:
                task = next(tasks, None)
                if task is None:
                    return
                pending[remote.remote(fn, task, blas_threads)] = task

        fill()
        while pending:
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            task = pending.pop(ref)
            try:
                row = ray.get(ref)
            except Exception as e:  # WorkerCrashedError after max_retries, a lost node, ...
                row = lost_row(task, f"{type(e).__name__}: {str(e).splitlines()[0]}"[:300],
                               retries=retries)
            del ref  # no reference left: the object store frees the result
            yield row
            fill()
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()


# ---------------------------------------------------------------- --check-cluster
def check_cluster(backend: str, address: str | None, probe: Callable[[], dict[str, Any]],
                  jobs: int = 2) -> list[dict[str, Any]]:
    """Run `probe` once in every worker process of the cluster; its reports, one per worker."""
    if backend == "dask":
        client, cluster = _dask_client(address, jobs, 0)
        try:
            threads = client.nthreads()
            reports = client.run(probe)
            out = []
            for worker, info in sorted(reports.items()):
                out.append({"worker": worker, "threads": threads.get(worker), **info})
            return out
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    if backend == "ray":
        ray, started = _ray_init(address, jobs)
        try:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            nodes = [n for n in ray.nodes() if n.get("Alive")]
            refs = [ray.remote(num_cpus=0)(probe).options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)
            ).remote() for n in nodes]
            return [{"worker": n["NodeManagerAddress"], "threads": n["Resources"].get("CPU"),
                     **info} for n, info in zip(nodes, ray.get(refs))]
        finally:
            if started:
                ray.shutdown()
    raise ValueError("--check-cluster needs --backend dask or --backend ray")
