"""Argument types shared by the subcommands: every numeric flag is range-checked by argparse, so
a bad value is the one-line `error: argument --n-batch: ...` and never a traceback mid-run."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from tinygrad_dl.train.hyperparams import HYPERS, Hyper

__all__ = ["OnOff", "add_hyper_flags", "hyper_type", "int_list", "number", "positive_int",
           "nonneg_int", "positive_float", "nonneg_float", "fraction", "seed"]


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
    """argparse type for "50,50" (spaces allowed): a non-empty list of positive integers, with
    no empty item ("50,,50" is refused, not read as 50,50)."""
    items = s.replace(" ", "").split(",")
    if s.strip() and "" in items:  # "50,,50" or "50,": a size left out, not one fewer layer
        raise argparse.ArgumentTypeError(f"an empty item in {s!r}: give every size, e.g. 50,50")
    try:
        sizes = [int(v) for v in items if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {s!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive integers, got {s!r}")
    return sizes


def hyper_type(h: Hyper) -> Callable[[str], Any]:
    """The argparse type of a hyperparameter's flag, from its table entry (kind and range)."""
    if h.kind is list:
        return int_list
    if h.kind in (int, float):
        return number(h.kind, h.low if math.isfinite(h.low) else None,
                      h.high if math.isfinite(h.high) else None,
                      lo_open=h.open_low, hi_open=h.open_high)
    return h.kind


class OnOff(argparse.BooleanOptionalAction):
    """--FLAG / --no-FLAG, with both in one command refused as --drop-last with --keep-last is
    (`--batch-norm --no-batch-norm` ran without batch norm, the first flag dropped unsaid);
    the same spelling twice is let through. Its default must be None (nothing given yet)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None
                 ) -> None:
        before = getattr(namespace, self.dest, None)
        super().__call__(parser, namespace, values, option_string)
        if before is not None and before != getattr(namespace, self.dest):
            other = next(o for o in self.option_strings if o != option_string)
            parser.error(f"argument {option_string}: not allowed with argument {other}")


def add_hyper_flags(parser: Any, prefix: str = "") -> None:
    """One flag per entry of tinygrad_dl.train.hyperparams.HYPERS that has one, into dest
    prefix + key; every default is None ("the model's course default"). `train` and `search`
    add them the same way, so a flag means the same thing in both."""
    for h in HYPERS:
        if h.flag is None:
            continue
        dest = prefix + h.key
        if h.kind is bool and h.negatable:
            parser.add_argument(h.flag, dest=dest, default=None,
                                action=OnOff, help=h.help)
        elif h.kind is bool and h.off_flag:  # one of the pair, e.g. --drop-last / --keep-last
            group = parser.add_mutually_exclusive_group()
            group.add_argument(h.flag, dest=dest, action="store_const", const=True,
                               default=None, help=h.help)
            group.add_argument(h.off_flag, dest=dest, action="store_const", const=False,
                               help=h.off_help)
        elif h.kind is bool:
            parser.add_argument(h.flag, dest=dest, default=None, action="store_true",
                                help=h.help)
        elif h.choices:
            parser.add_argument(h.flag, dest=dest, default=None, type=hyper_type(h),
                                choices=h.choices, help=h.help)
        else:
            metavar = "N1,N2,..." if h.kind is list else h.name.upper()
            parser.add_argument(h.flag, dest=dest, default=None, type=hyper_type(h),
                                metavar=metavar, help=h.help)
