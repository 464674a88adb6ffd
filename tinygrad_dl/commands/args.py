"""Argument types shared by the subcommands: every numeric flag is range-checked by argparse, so
a bad value is the one-line `error: argument --n-batch: ...` and never a traceback mid-run."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

__all__ = ["DROP_LAST_FLAG", "add_drop_last", "int_list", "number", "positive_int", "nonneg_int",
           "positive_float", "nonneg_float", "fraction", "seed"]


def number(kind: type, lo: float | None = None, hi: float | None = None, *,
           lo_open: bool = False, hi_open: bool = False) -> Callable[[str], float]:
    """argparse type: an int or finite float in [lo, hi] (open ends with lo_open/hi_open)."""
    what = "an integer" if kind is int else "a number"

    def parse(s: str) -> float:
        try:
            v = kind(s)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(f"expected {what}, got {s!r}") from None
        if kind is float and not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {s!r}")
        if lo is not None and (v < lo or (lo_open and v == lo)):
            raise argparse.ArgumentTypeError(f"must be {'>' if lo_open else '>='} {lo}, got {s}")
        if hi is not None and (v > hi or (hi_open and v == hi)):
            raise argparse.ArgumentTypeError(f"must be {'<' if hi_open else '<='} {hi}, got {s}")
        return v

    parse.__name__ = f"{kind.__name__} in range"  # argparse's fallback message names it
    return parse


positive_int = number(int, 1)
nonneg_int = number(int, 0)
seed = number(int, 0, 2**63 - 1)  # what np.random.default_rng accepts
positive_float = number(float, 0, lo_open=True)
nonneg_float = number(float, 0)
fraction = number(float, 0, 1, hi_open=True)  # dropout, momentum: [0, 1)


def int_list(s: str) -> list[int]:
    """argparse type for "50,50" (spaces allowed): a non-empty list of positive integers."""
    try:
        sizes = [int(v) for v in s.replace(" ", "").split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {s!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive integers, got {s!r}")
    return sizes


DROP_LAST_FLAG = "--drop-last/--keep-last"


def add_drop_last(parser: Any, dest: str = "drop_last") -> None:
    """--drop-last / --keep-last (one of them; default None: the model's course default).
    `train` and `search` add it the same way, so both mean the same thing."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--drop-last", dest=dest, action="store_const", const=True, default=None,
                       help="form full mini-batches only, as the course's loop does: the "
                       "remainder of each shuffled epoch is left out (default for the "
                       "classifiers); n_s counts these batches")
    group.add_argument("--keep-last", dest=dest, action="store_const", const=False,
                       help="also train on the last, short batch of each epoch (PyTorch "
                       "DataLoader's default; the behaviour of releases before --drop-last, "
                       "reproduced exactly)")
