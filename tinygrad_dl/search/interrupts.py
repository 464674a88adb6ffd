"""Signals held while the search starts worker processes (a local loky pool, a local Dask
cluster): a Ctrl-C or SIGTERM in those moments is raised once they are made, and the workers start
with SIGINT blocked, so that a terminal's Ctrl-C (sent to the whole process group) never kills
one halfway through its start-up (tracebacks after the search's one line, a half-made cluster)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Inside, a Ctrl-C (or the SIGTERM that `tinygrad-dl search` turns into one) is held back
    and raised when the block ends, by the handler it was for. A pool that starts or takes a
    task is never left half made: a KeyboardInterrupt raised in loky's code while it made its
    semaphores or spawned a worker (a signal mask cannot stop that: the signal goes to another
    thread, a progress bar's or BLAS's, and Python raises it in this one) left a worker that
    printed "LokyProcess-1 failed with traceback" (its parent never sent its data), the
    resource tracker's "leaked semlock objects" warnings, or loky's own UnboundLocalError
    ("tinygrad-dl search: interrupted", the search's line lost), after the search's line."""
    if threading.current_thread() is not threading.main_thread():  # (handlers run in it only)
        yield
        return
    held: list[int] = []
    kept = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    kept = {s: h for s, h in kept.items() if callable(h)}  # (SIG_IGN, SIG_DFL: none to hold)
    try:
        with contextlib.ExitStack() as restore:  # (each handler is put back, whatever raises)
            for s, h in kept.items():
                restore.callback(signal.signal, s, h)  # (which first runs one that came)
                signal.signal(s, lambda signum, frame: held.append(signum))
            yield
    finally:
        if held:  # raised now, by its own handler (KeyboardInterrupt, or search's Terminated)
            kept[held[0]](held[0], None)


@contextlib.contextmanager
def sigint_blocked(on: bool) -> Iterator[None]:
    """While `on`, SIGINT is blocked here, so that worker processes started meanwhile start with
    it blocked (the signal mask survives fork and exec; a loky worker's initializer ignores it,
    which discards one pending, then unblocks it; a local Dask cluster's worker processes, spawned
    by its event loop's thread, which starts in here too, are closed by the search as it stops):
    a terminal's Ctrl-C reaches the whole process group, and workers that were still starting
    printed a KeyboardInterrupt traceback or their own "interrupted" line under the search's
    (Dask's: "Fatal Python error: init_import_site", "Nanny failed to start"). Blocked, not
    ignored: a Ctrl-C in these milliseconds of spawning waits and is delivered here when the
    mask is restored (SIG_IGN dropped it without a word), as CPython's and loky's resource
    trackers do. Those trackers are started first: Python 3.11's unblocks SIGINT after it
    starts, which let the workers start with it unblocked."""
    if not on or threading.current_thread() is not threading.main_thread() or not hasattr(
            signal, "pthread_sigmask"):  # (Windows: no signal mask)
        yield
        return
    from multiprocessing import resource_tracker

    from joblib.externals.loky.backend import resource_tracker as loky_tracker

    resource_tracker.ensure_running()
    loky_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
