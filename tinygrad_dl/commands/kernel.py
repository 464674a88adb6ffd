"""The Jupyter kernel of `tinygrad-dl report`, stopped from the main thread when a stop
(Ctrl-C, SIGTERM) comes, while the notebook's thread may still be starting or using it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Any

__all__ = ["kill_process", "shut_down", "stop_kernel"]


def shut_down(km: Any) -> None:
    """Kill the kernel of the jupyter_client KernelManager `km` now, if it has one, and remove
    its files.

    jupyter_client marks a manager ready, on one future, when its start or its shutdown ends: a
    stop as the notebook's thread finished starting the kernel found that future marked by the
    start, and its InvalidStateError, raised once the shutdown had done its work, replaced the
    stop ("the notebook failed (its Jupyter kernel did not start: InvalidStateError: invalid
    state ...)", exit 2, a .failed.ipynb written, instead of "terminated", exit 143)."""
    if km.has_kernel:
        try:
            km.shutdown_kernel(now=True)
        except asyncio.InvalidStateError:  # (the kernel is down: only its marking failed)
            pass


def kill_process(km: Any) -> bool:
    """SIGKILL the kernel process of the KernelManager `km`, if it runs, touching none of its
    zmq sockets: the notebook's thread may be polling them, and `shut_down` from another thread
    destroys their context under it (zmq sockets are not thread-safe: a libzmq assertion could
    abort the report). That thread sees the kernel dead (nbclient polls it) and ends. Whether
    there was a process to kill."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is None or process.poll() is not None:
        return False
    with contextlib.suppress(OSError):  # (it ended meanwhile)
        process.kill()
    return True


def stop_kernel(km: Any, worker: threading.Thread, wait: float = 30.0) -> None:
    """The report's kernel stopped when its notebook's thread `worker` ended or must end: the
    kernel's process killed (again while the thread may be starting one) until the thread
    ends (`wait` s at most), then `km` shut down in this thread, never under the thread's
    sockets (before, `shut_down` ran at once and destroyed them as the thread polled them)."""
    deadline = time.monotonic() + wait
    while worker.is_alive() and time.monotonic() < deadline:
        kill_process(km)
        worker.join(0.2)
    shut_down(km)
