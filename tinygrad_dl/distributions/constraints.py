"""PyTorch's `torch.distributions.constraints`: where a parameter or a value may lie.

`check(a)` takes a NumPy array and gives a bool array, reduced over the constraint's
`event_dim` rightmost dimensions (a simplex is checked row by row); given a Tensor (torch's
`d.support.check(x)`), it checks the Tensor's values and gives a bool Tensor. The checks run on
arrays inside a `Tap` op (distribution.py), so a jitted step re-checks each replayed value.
"""

from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import hooks
from ..tensor import Tensor

__all__ = ["Constraint", "boolean", "dependent", "greater_than",
           "greater_than_eq", "half_open_interval", "independent", "less_than",
           "integer_interval", "interval",
           "is_dependent", "lower_cholesky", "multinomial", "nonnegative", "nonnegative_integer",
           "one_hot", "positive", "positive_definite", "positive_integer", "real", "real_vector",
           "simplex", "unit_interval"]


_PACKAGE = __name__.split(".")[0] + "."


def _takes_tensors(check: Any) -> Any:
    """`check` also taking a Tensor (torch's `d.support.check(x)`): its values checked, the
    answer a bool Tensor (a simplex's check raised TypeError on a Tensor, a positive-definite
    one gave a NumPy bool)."""

    @functools.wraps(check)
    def checked(self: Any, a: Any) -> Any:
        if isinstance(a, Tensor):  # (a value read: a jitted step runs eagerly, as Binomial's)
            hooks.notify_read(a, f"{type(self).__name__}.check")
            return Tensor(np.asarray(check(self, np.asarray(a.data))))
        return check(self, a)

    return checked


class Constraint:
    """A region of values: `check(a)` is True where `a` lies in it. `is_discrete`: integers
    only; `event_dim`: how many rightmost dimensions one check covers."""

    is_discrete = False
    event_dim = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # this library's checks (NumPy's) only: a user's subclass, written for torch's
        # Tensors (value.abs()) or as a staticmethod, gets what it is given, as before
        super().__init_subclass__(**kwargs)
        check = cls.__dict__.get("check")
        if inspect.isfunction(check) and cls.__module__.startswith(_PACKAGE):
            cls.check = _takes_tensors(check)

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
        return a > _bound(self.lower_bound)

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


@dataclass(frozen=True, repr=False)
class _GreaterThanEq(Constraint):
    lower_bound: float

    def check(self, a: np.ndarray) -> np.ndarray:
        return a >= _bound(self.lower_bound)

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


def _bound(b: Any) -> Any:
    """A bound's values (a bound may be a tensor)."""
    return np.asarray(getattr(b, "data", b))


@dataclass(frozen=True, repr=False)
class _LessThan(Constraint):
    """Values below `upper_bound` (a number or a tensor). Equal by value as _GreaterThan (a
    jitted step's Tap check holds one made afresh at each call: two recordings must agree)."""

    upper_bound: Any

    def check(self, a: np.ndarray) -> np.ndarray:
        return a < _bound(self.upper_bound)

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={self.upper_bound})"


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
class _HalfOpenInterval(Constraint):
    """[lower, upper) (NegativeBinomial's probs)."""

    lower_bound: float
    upper_bound: float

    def check(self, a: np.ndarray) -> np.ndarray:
        return (a >= self.lower_bound) & (a < self.upper_bound)

    def __repr__(self) -> str:
        return f"HalfOpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


@dataclass(frozen=True, repr=False)
class _IntegerInterval(Constraint):
    lower_bound: Any
    upper_bound: Any
    is_discrete = True

    def check(self, a: np.ndarray) -> np.ndarray:
        # a bound may be a tensor (Binomial's total_count): its values
        low, high = (np.asarray(getattr(b, "data", b)) for b in (self.lower_bound,
                                                                  self.upper_bound))
        return (a % 1 == 0) & (a >= low) & (a <= high)

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThanZero(Constraint):
    is_discrete = True

    def check(self, a: np.ndarray) -> np.ndarray:
        return (a % 1 == 0) & (a >= 0)

    def __repr__(self) -> str:
        return "IntegerGreaterThan(lower_bound=0)"


class _IntegerGreaterThanOne(Constraint):
    is_discrete = True

    def check(self, a: np.ndarray) -> np.ndarray:
        return (a % 1 == 0) & (a >= 1)

    def __repr__(self) -> str:
        return "IntegerGreaterThan(lower_bound=1)"


class _LowerCholesky(Constraint):
    """Lower-triangular square matrices with a positive diagonal (torch's lower_cholesky)."""

    event_dim = 2

    def check(self, a: np.ndarray) -> np.ndarray:
        lower = (np.tril(a) == a).reshape(a.shape[:-2] + (a.shape[-2] * a.shape[-1],)).all(-1)
        return lower & (np.diagonal(a, axis1=-2, axis2=-1) > 0).all(-1)


class _PositiveDefinite(Constraint):
    """Symmetric matrices with a Cholesky factor (torch's positive_definite: symmetric to
    isclose(rtol=1e-5, atol=1e-6), then cholesky_ex's info == 0)."""

    event_dim = 2

    def check(self, a: np.ndarray) -> np.ndarray:
        sym = np.isclose(a, np.swapaxes(a, -1, -2), rtol=1e-5, atol=1e-6, equal_nan=False)
        sym = sym.reshape(a.shape[:-2] + (a.shape[-2] * a.shape[-1],)).all(-1)
        if not sym.all():
            return sym
        # (the batch's size spelled out: -1 is ambiguous for 0 x 0 matrices)
        flat = a.reshape((math.prod(a.shape[:-2]),) + a.shape[-2:])
        ok = np.empty(len(flat), bool)
        for i, m in enumerate(flat):
            try:
                np.linalg.cholesky(m)
                ok[i] = True
            except np.linalg.LinAlgError:
                ok[i] = False
        return ok.reshape(a.shape[:-2])


class _TensorInterval(Constraint):
    """[low, high] with tensor bounds (Uniform's support, closed as torch's)."""

    def __init__(self, low: Any, high: Any) -> None:
        self.lower_bound, self.upper_bound = low, high

    def check(self, a: np.ndarray) -> np.ndarray:
        low, high = (np.asarray(getattr(b, "data", b)) for b in (self.lower_bound,
                                                                  self.upper_bound))
        return (low <= a) & (a <= high)

    def __repr__(self) -> str:
        # numbers shown (as torch's), tensor bounds by name
        low, high = (b if isinstance(b, (int, float)) else n for b, n in (
            (self.lower_bound, "low"), (self.upper_bound, "high")))
        return f"Interval(lower_bound={low}, upper_bound={high})"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, a: np.ndarray) -> np.ndarray:
        return np.all(a >= 0, axis=-1) & (np.abs(a.sum(-1) - 1) < 1e-6)


@dataclass(frozen=True, repr=False)
class _Multinomial(Constraint):
    """Non-negative counts summing to at most `upper_bound` (torch's weaker check)."""

    upper_bound: int
    is_discrete = True
    event_dim = 1

    def check(self, a: np.ndarray) -> np.ndarray:
        return (a >= 0).all(-1) & (a.sum(-1) <= self.upper_bound)

    def __repr__(self) -> str:
        return f"Multinomial(upper_bound={self.upper_bound})"


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
        # (the event's size spelled out: -1 is ambiguous for an empty batch)
        return ok.reshape(ok.shape[:ok.ndim - n] + (math.prod(ok.shape[ok.ndim - n:]),)
                          ).all(-1) if n else ok

    def __eq__(self, other: object) -> bool:
        # by value: a jitted step's Tap check holds one, made afresh at each call
        return (isinstance(other, _Independent) and self.base == other.base
                and self.reinterpreted_batch_ndims == other.reinterpreted_batch_ndims)

    def __hash__(self) -> int:
        return hash((_Independent, self.base, self.reinterpreted_batch_ndims))

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base!r}, {self.reinterpreted_batch_ndims})"


dependent = _Dependent()
real = _Real()
real_vector = _Independent(real, 1)
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
positive_integer = _IntegerGreaterThanOne()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
unit_interval = _Interval(0.0, 1.0)
nonnegative_integer = _IntegerGreaterThanZero()
simplex = _Simplex()
one_hot = _OneHot()
integer_interval = _IntegerInterval
multinomial = _Multinomial
interval = _TensorInterval
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
half_open_interval = _HalfOpenInterval
independent = _Independent
