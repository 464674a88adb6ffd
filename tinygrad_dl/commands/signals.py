"""SIGTERM handled as Ctrl-C, for the commands that save what finished when stopped (search,
results, report): `kill PID`, a scheduler's stop or a closed terminal ends them as Ctrl-C does,
with their one line and exit 143 (128 + SIGTERM) instead of Python's silent death. (train's
loops poll a flag instead: tinygrad_dl.train.state.StopFlag.)"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["Terminated", "fresh_line", "sigterm_as_interrupt", "stopped"]


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


def fresh_line() -> str:
    """What goes before a command's "interrupted" line: a newline on a terminal, whose cursor
    may follow its echo of ^C; nothing in a pipe or a log (no bar was drawn there: a blank line
    was all the newline made). (A train/search bar is left=False: its close clears its line.)"""
    try:
        return "\n" if sys.stderr.isatty() else ""
    except (AttributeError, ValueError):  # (a replaced or closed stderr)
        return ""
