"""Divergence detection for the training loops: one clear error naming the step and the cause.

Every update's cost goes through `DivergenceGuard.check`. A NaN/inf cost, or a finite cost that
has grown by orders of magnitude over the first one (a run heading for 1e175 is already lost),
stops the run. The message names the epoch and update step and says which cause is likely: a
cost that is non-finite from the very first update was never touched by the learning rate, so
NaN/inf is already in the data or the settings; a cost that was fine and then blew up points to
a learning rate that is too large. The loops run under np.errstate(...="ignore"): the guard
reports, so NumPy's overflow RuntimeWarnings would only be noise.
"""

from __future__ import annotations

import math
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

__all__ = ["GROWTH", "DivergenceGuard", "NonFiniteLossError", "check_finite", "quiet_numpy"]

# a cost this many times its first value (or 1, whichever is larger) has diverged
GROWTH = 1e4


class NonFiniteLossError(RuntimeError):
    """The training cost became NaN or inf, or grew by orders of magnitude (diverged)."""


def quiet_numpy() -> AbstractContextManager[Any]:
    """The loops' NumPy error state: overflow/invalid are reported by the guard, not warned."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


class DivergenceGuard:
    """Watches a training cost, update after update. `first` is the first finite cost seen
    (saved with a training state so a resumed run judges growth the same way)."""

    def __init__(self, what: str, first: float | None = None) -> None:
        self.what, self.first = what, first

    def check(self, value: float, *, epoch: int, step: int, eta: float) -> None:
        where = (f"at epoch {epoch}, update step {step} (eta={eta:.3g})" if step else
                 "before the first update")
        if math.isfinite(value):
            if self.first is None:
                self.first = value
            elif abs(value) > GROWTH * max(abs(self.first), 1.0):
                raise NonFiniteLossError(
                    f"{self.what} grew from {self.first:.4g} to {value:.3g} {where}: training "
                    "diverged; the learning rate is too large: lower the learning rate or clip "
                    "the gradients (--clip)"
                )
            return
        if self.first is None:
            cause = ("it was not finite from the first update, before the learning rate acted: "
                     "NaN/inf is already in the data or the settings (e.g. --lambda, the inputs)")
        else:
            cause = "lower the learning rate or clip the gradients (--clip)"
        raise NonFiniteLossError(f"{self.what} became {value} {where}; {cause}")


def check_finite(value: float, *, what: str, epoch: int, step: int, eta: float) -> None:
    """A one-off NaN/inf check (no growth history): the learning-rate message."""
    if not math.isfinite(value):
        raise NonFiniteLossError(
            f"{what} became {value} at epoch {epoch}, update step {step} (eta={eta:.3g}); "
            "lower the learning rate or clip the gradients (--clip)"
        )
