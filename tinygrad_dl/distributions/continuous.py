"""Normal and Uniform, as torch.distributions has them: reparameterized draws (rsample is
differentiable in the parameters), log_prob, cdf, icdf and entropy composed of Tensor ops."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import no_grad
from ..tensor import Tensor
from . import constraints
from .distribution import (
    Distribution,
    LocCentered,
    broadcast_all,
    check,
    computed,
    normal_draws,
    uniform_draws,
)

__all__ = ["Normal", "Uniform"]

_NUMBER = (int, float, np.number, bool, np.bool_)


# Uniform's comparisons, made inside ops (`computed`), so a jitted step replays them
def _in_closed(low: np.ndarray, v: np.ndarray, high: np.ndarray) -> np.ndarray:
    return (low <= v) & (v <= high)


def _log_inside(low: np.ndarray, v: np.ndarray, high: np.ndarray) -> np.ndarray:
    # torch's log(lb * ub): 0 on [low, high), -inf outside (without NumPy's log(0) warning)
    return np.where((low <= v) & (v < high), 0.0, -math.inf)


class Normal(LocCentered):
    """The normal distribution N(loc, scale**2), batched over the broadcast parameters."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale, names=("loc", "scale"), who="Normal")
        scalar = isinstance(loc, _NUMBER) and isinstance(scale, _NUMBER)
        super().__init__(() if scalar else self.loc.shape, validate_args=validate_args)

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = normal_draws(self.loc, self._extended_shape(sample_shape))
        return self.loc + eps * self.scale

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        var = self.scale**2
        return (-((value - self.loc) ** 2) / (2 * var) - self.scale.log()
                - math.log(math.sqrt(2 * math.pi)))

    def cdf(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)).erf())

    def icdf(self, value: Any) -> Tensor:
        value = value if isinstance(value, Tensor) else Tensor(value)
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Uniform(Distribution):
    """The uniform distribution on [low, high), batched over the broadcast parameters."""

    arg_constraints = {"low": constraints.dependent, "high": constraints.dependent}
    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high, names=("low", "high"), who="Uniform")
        scalar = isinstance(low, _NUMBER) and isinstance(high, _NUMBER)
        super().__init__(() if scalar else self.low.shape, validate_args=validate_args)
        if self._validate_args:
            check(computed(np.less, self.low, self.high), None, "Uniform: low must be less than "
                  "high (Uniform is not defined when low >= high, or for NaN bounds)")

    @property
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low, self.high)

    def _check_support(self, value: Tensor) -> None:
        # torch's support is the closed [low, high] (log_prob(high) is -inf, not an error)
        check(computed(_in_closed, self.low, value, self.high), None, f"Uniform: expected value "
              f"(Tensor of shape {value.shape}) to be within the support [low, high]")

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return math.nan * self.high

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        rand = uniform_draws(self.low, self._extended_shape(sample_shape))
        return self.low + rand * (self.high - self.low)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        inside = computed(_log_inside, self.low, value, self.high).type_as(self.low)
        return inside - (self.high - self.low).log()

    def cdf(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: Any) -> Tensor:
        value = value if isinstance(value, Tensor) else Tensor(value)
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()
