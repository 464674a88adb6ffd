"""SIGTERM handled as Ctrl-C, for the commands that save what finished when stopped (search,
results, report): `kill PID`, a scheduler's stop or a closed terminal ends them as Ctrl-C does,
with their one line and exit 143 (128 + SIGTERM) instead of Python's silent death. (train's
loops poll a flag instead: tinygrad_dl.train.state.StopFlag.)"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any

__all__ = ["Terminated", "sigterm_as_interrupt", "stopped"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's KeyboardInterrupt would be."""


def _raise(signum: int, frame: Any) -> None:
    raise Terminated


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Inside, SIGTERM raises Terminated (a KeyboardInterrupt) in the main thread."""
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stopped(e: KeyboardInterrupt) -> tuple[str, int]:
    """('terminated', 143) for SIGTERM, ('interrupted', 130) for Ctrl-C."""
    return ("terminated", 143) if isinstance(e, Terminated) else ("interrupted", 130)
