"""Argument types shared by the subcommands."""

from __future__ import annotations

import argparse


def int_list(s: str) -> list[int]:
    """argparse type for "50,50" (spaces allowed): a non-empty list of positive integers."""
    try:
        sizes = [int(v) for v in s.replace(" ", "").split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {s!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive integers, got {s!r}")
    return sizes
