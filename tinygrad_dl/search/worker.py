"""What runs inside a search worker (a loky process, a Dask or Ray worker, or this process):
`execute_trial` and the worker environment it sets up.

`execute_trial` never raises for a failed trial: it returns a row with status "failed" and the
error. Every row records where it ran (host, worker), so a table from a cluster says which machine
made each row. The environment: BLAS pinned to one thread per trial when trials run side by side,
and glibc's malloc trimming undone where a Dask nanny switched it on (it makes NumPy's temporaries
page-fault: trials ran ~35% slower), and a worker process that dies with the search's process.
"""

from __future__ import annotations

import contextlib
import ctypes
import decimal
import math
import numbers
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

OBJECTIVES = ("best_val_acc", "best_smooth_loss")
TrialFn = Callable[[dict[str, Any], int], dict[str, Any]]  # (params, seed) -> metrics
BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Task:
    trial: int
    round: int
    seed: int
    values: dict[str, Any]  # the sampled values, by CLI name (the table's columns)
    train_params: dict[str, Any]  # what the trial function gets: fixed + sampled, run_training keys


def blas_limit(threads: int | None) -> contextlib.AbstractContextManager:
    """Limit BLAS/OpenMP thread pools while the context is open (no-op for None or without
    threadpoolctl). The limit is process-wide: in a worker thread (a Dask worker running several
    trials at once) it is set and left set, since restoring it would undo a sibling's limit."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    if threading.current_thread() is not threading.main_thread():
        threadpool_limits(limits=threads)
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads)


_MALLOC_TUNED = False


def tune_malloc() -> bool:
    """Undo a small MALLOC_TRIM_THRESHOLD_ (the Dask nanny sets 65536): with it glibc hands every
    large NumPy temporary back to the OS and page-faults it in again. Restores generous trim and
    mmap thresholds once per process; True when it changed something."""
    global _MALLOC_TUNED
    env = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    if _MALLOC_TUNED or env is None or not sys.platform.startswith("linux"):
        return False
    try:
        small = int(env) < (32 << 20)
        libc = ctypes.CDLL(None)
        if small:  # M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3 (malloc.h)
            libc.mallopt(-1, 256 << 20)
            libc.mallopt(-3, 32 << 20)
    except (ValueError, OSError, AttributeError):
        return False
    _MALLOC_TUNED = True
    return small


def die_with_parent(parent: int) -> None:
    """Worker initializer: ask Linux to SIGKILL this process when its parent dies (kill -9 of the
    search then leaves no orphan worker holding its stdout open); exit now if it already died.
    SIGINT is ignored: a terminal's Ctrl-C reaches the whole process group, and each worker
    printed its own "interrupted" line under the search's; the search stops its workers. (The
    search starts its workers with SIGINT blocked: ignoring it discards one that came while the
    worker started, and it is unblocked after.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(AttributeError, OSError):  # (no pthread_sigmask: not POSIX)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def where() -> dict[str, str]:
    """host and worker (host:pid, plus the thread when not the main one) of this trial."""
    host = socket.gethostname()
    worker = f"{host}:{os.getpid()}"
    if threading.current_thread() is not threading.main_thread():
        worker += f"/{threading.current_thread().name}"
    return {"host": host, "worker": worker}


def _objective(name: str, v: Any) -> int | float:
    """An objective's value as a Python int or float; TypeError for one that is no real number,
    FloatingPointError for a non-finite one (a diverged run that did not raise). Any real: a
    NumPy float32 NaN, or a 0-d array's, is no Python float, and was saved as null in an "ok"
    row; a string, bool or list was saved, ranked nowhere, and refused on resume; a complex,
    Decimal or Fraction crashed the whole search when its row was written as JSON."""
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v[()]
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, decimal.Decimal)):
        raise TypeError(f"{name} is {type(v).__name__} {str(v)[:40]}, not a real number")
    try:
        x = float(v)
    except (OverflowError, ValueError):  # 10**400; Decimal("sNaN")
        x = math.nan
    if not math.isfinite(x):
        raise FloatingPointError(f"{name} is {str(v)[:40]}")
    return v if type(v) is int else x


def execute_trial(
    trial_fn: Callable[[dict[str, Any], int], dict[str, Any]],
    task: Task,
    blas_threads: int | None = None,
    started: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Run one trial; the table row it makes. Exceptions become status 'failed' with the error;
    KeyboardInterrupt and SystemExit propagate (they are not the trial's fault). `started` is
    called right before the trial function (after the BLAS limit, which can take tens of ms): a
    cluster counts real starts with it."""
    row: dict[str, Any] = {"trial": task.trial, "round": task.round, **task.values}
    row["seed"] = task.seed
    row.update(where())
    tune_malloc()
    t0 = time.perf_counter()
    try:
        with blas_limit(blas_threads):
            if started is not None:
                started()
            metrics = trial_fn(dict(task.train_params), task.seed)
        if not isinstance(metrics, dict):
            raise TypeError(f"trial function returned {type(metrics).__name__}, not a dict")
        # (None: not measured; a failed trial's row holds none of its metrics)
        checked = {k: _objective(k, metrics[k]) for k in OBJECTIVES if metrics.get(k) is not None}
        row.update(metrics)
        row.update(checked)
        row["status"], row["error"] = "ok", None
    except Exception as e:
        row["status"], row["error"] = "failed", f"{type(e).__name__}: {e}".strip()
    row["seconds"] = time.perf_counter() - t0
    return row


def lost_row(task: Task, reason: str, retries: int | None = None) -> dict[str, Any]:
    """The row of a trial whose worker died on every try (signal, OOM killer, a lost machine)."""
    row: dict[str, Any] = {"trial": task.trial, "round": task.round, **task.values}
    row.update(seed=task.seed, status="failed", error=f"worker died: {reason}", seconds=None)
    if retries is not None:
        row["retries"] = retries
    return row
