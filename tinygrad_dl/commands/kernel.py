"""The Jupyter kernel of `tinygrad-dl report`, shut down from the main thread when a stop
(Ctrl-C, SIGTERM) comes, while the notebook's thread may still be starting it."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["shut_down"]


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
