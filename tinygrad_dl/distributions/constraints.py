"""PyTorch's `torch.distributions.constraints`: where a parameter or a value may lie.

`check(a)` takes a NumPy array and gives a bool array, reduced over the constraint's
`event_dim` rightmost dimensions (a simplex is checked row by row). The checks run on arrays
inside a `Tap` op (distribution.py), so a jitted step re-checks each replayed value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Constraint", "boolean", "dependent", "independent", "integer_interval", "interval",
           "is_dependent", "nonnegative_integer", "one_hot", "positive", "real", "real_vector",
           "simplex", "unit_interval"]


class Constraint:
    """A region of values: `check(a)` is True where `a` lies in it. `is_discrete`: integers
    only; `event_dim`: how many rightmost dimensions one check covers."""

    is_discrete = False
    event_dim = 0

    def check(self, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters (Uniform's low < high): not checked alone."""

    def __init__(self, is_discrete: bool = False, event_dim: int = 0) -> None:
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def check(self, a: np.ndarray) -> np.ndarray:
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint: object) -> bool:
    return isinstance(constraint, _Dependent)


class _Real(Constraint):
    def check(self, a: np.ndarray) -> np.ndarray:
        return a == a  # not NaN; +-inf are real here, as torch's


class _Boolean(Constraint):
    is_discrete = True

    def check(self, a: np.ndarray) -> np.ndarray:
        return (a == 0) | (a == 1)


@dataclass(frozen=True, repr=False)
class _GreaterThan(Constraint):
    lower_bound: float

    def check(self, a: np.ndarray) -> np.ndarray:
        return a > self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


@dataclass(frozen=True, repr=False)
class _Interval(Constraint):
    """[lower, upper] for floats (unit_interval)."""

    lower_bound: float
    upper_bound: float

    def check(self, a: np.ndarray) -> np.ndarray:
        return (a >= self.lower_bound) & (a <= self.upper_bound)

    def __repr__(self) -> str:
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


@dataclass(frozen=True, repr=False)
class _IntegerInterval(Constraint):
    lower_bound: int
    upper_bound: int
    is_discrete = True

    def check(self, a: np.ndarray) -> np.ndarray:
        return (a % 1 == 0) & (a >= self.lower_bound) & (a <= self.upper_bound)

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThanZero(Constraint):
    is_discrete = True

    def check(self, a: np.ndarray) -> np.ndarray:
        return (a % 1 == 0) & (a >= 0)

    def __repr__(self) -> str:
        return "IntegerGreaterThan(lower_bound=0)"


class _TensorInterval(Constraint):
    """[low, high] with tensor bounds (Uniform's support, closed as torch's)."""

    def __init__(self, low: Any, high: Any) -> None:
        self.lower_bound, self.upper_bound = low, high

    def check(self, a: np.ndarray) -> np.ndarray:
        low, high = (np.asarray(getattr(b, "data", b)) for b in (self.lower_bound,
                                                                  self.upper_bound))
        return (low <= a) & (a <= high)

    def __repr__(self) -> str:
        return "Interval(lower_bound=low, upper_bound=high)"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, a: np.ndarray) -> np.ndarray:
        return np.all(a >= 0, axis=-1) & (np.abs(a.sum(-1) - 1) < 1e-6)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, a: np.ndarray) -> np.ndarray:
        return np.all((a == 0) | (a == 1), axis=-1) & (a.sum(-1) == 1)


class _Independent(Constraint):
    """`base` over `reinterpreted_batch_ndims` more rightmost dimensions (all must hold)."""

    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base, self.reinterpreted_batch_ndims = base, reinterpreted_batch_ndims
        self.is_discrete = base.is_discrete
        self.event_dim = base.event_dim + reinterpreted_batch_ndims

    def check(self, a: np.ndarray) -> np.ndarray:
        ok = self.base.check(a)
        n = self.reinterpreted_batch_ndims
        return ok.reshape(ok.shape[:ok.ndim - n] + (-1,)).all(-1) if n else ok

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base!r}, {self.reinterpreted_batch_ndims})"


dependent = _Dependent()
real = _Real()
real_vector = _Independent(real, 1)
boolean = _Boolean()
positive = _GreaterThan(0.0)
unit_interval = _Interval(0.0, 1.0)
nonnegative_integer = _IntegerGreaterThanZero()
simplex = _Simplex()
one_hot = _OneHot()
integer_interval = _IntegerInterval
interval = _TensorInterval
independent = _Independent
