"""The location-scale families and their kin, as torch.distributions has them: Normal, Uniform,
Exponential, Laplace, Cauchy, Gumbel, HalfNormal and LogNormal (and EULER_GAMMA, which Gumbel's
and its relatives' moments use). Reparameterized draws (rsample differentiable in the
parameters), log_prob, cdf, icdf and entropy composed of Tensor ops. torch builds Gumbel,
HalfNormal and LogNormal as TransformedDistributions; here they are written out, to the same
values."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
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

__all__ = ["Cauchy", "Exponential", "Gumbel", "HalfNormal", "Laplace", "LogNormal", "Normal",
           "Uniform"]

_NUMBER = (int, float, np.number, bool, np.bool_)
EULER_GAMMA = 0.57721566490153286060


# Uniform's comparisons, made inside ops (`computed`), so a jitted step replays them
def _in_closed(low: np.ndarray, v: np.ndarray, high: np.ndarray) -> np.ndarray:
    return (low <= v) & (v <= high)


def _log_inside(low: np.ndarray, v: np.ndarray, high: np.ndarray) -> np.ndarray:
    # torch's log(lb * ub): 0 on [low, high), -inf outside (without NumPy's log(0) warning)
    return np.where((low <= v) & (v < high), 0.0, -math.inf)


def _value(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


def _negative(v: np.ndarray) -> np.ndarray:
    return v < 0


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


class _LocScale(Distribution):
    """A family of loc and scale (batch_shape: their broadcast shape)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale, names=("loc", "scale"),
                                             who=type(self).__name__)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)


class Exponential(Distribution):
    """The exponential distribution of rate `rate` (mean 1 / rate) on [0, inf)."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate, names=("rate",), who="Exponential")
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return self.rate.new_zeros(self.rate.shape)  # a literal: a jitted step replays it

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = uniform_draws(self.rate, self._extended_shape(sample_shape))
        return -(-u).log1p() / self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Any) -> Tensor:
        return -(-_value(value)).log1p() / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - self.rate.log()


class Laplace(LocCentered, _LocScale):
    """The Laplace distribution: density exp(-|x - loc| / scale) / (2 scale)."""

    support = constraints.real

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return 2**0.5 * self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        # torch's: u uniform on (eps - 1, 1), loc - scale sign(u) log1p(-|u|)
        eps = float(np.finfo(self.loc.dtype).eps)
        u = uniform_draws(self.loc, self._extended_shape(sample_shape)) * (2 - eps) + (eps - 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        d = value - self.loc
        return 0.5 - 0.5 * d.sign() * (-d.abs() / self.scale).expm1()

    def icdf(self, value: Any) -> Tensor:
        term = _value(value) - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()


class Cauchy(_LocScale):
    """The Cauchy distribution: mean NaN, variance inf, as torch's."""

    support = constraints.real

    @property
    def mean(self) -> Tensor:
        # new_full: a literal, which a jitted step replays
        return self.loc.new_full(self._extended_shape(), math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self.loc.new_full(self._extended_shape(), math.inf)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = uniform_draws(self.loc, self._extended_shape(sample_shape))
        return self.loc + (math.pi * (u - 0.5)).tan() * self.scale

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        return (-math.log(math.pi) - self.scale.log()
                - ((value - self.loc) / self.scale).pow(2).log1p())

    def cdf(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Any) -> Tensor:
        return (math.pi * (_value(value) - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + self.scale.log()


class Gumbel(_LocScale):
    """The Gumbel (type I extreme value) distribution: cdf exp(-exp(-(x - loc) / scale))."""

    support = constraints.real

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * EULER_GAMMA

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        # torch's: u uniform on [tiny, 1 - eps), loc - scale log(-log u)
        low, width = self._base()
        u = uniform_draws(self.loc, self._extended_shape(sample_shape)) * width + low
        return self.loc - self.scale * (-u.log()).log()

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -(self.scale.log() + z + (-z).exp())

    def _base(self) -> tuple[float, float]:
        """torch's base Uniform(tiny, 1 - eps): its low and its width."""
        info = np.finfo(self.loc.dtype)
        return float(info.tiny), float(1 - info.eps) - float(info.tiny)

    def cdf(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        low, width = self._base()
        u = (-(-(value - self.loc) / self.scale).exp()).exp()
        return ((u - low) / width).clamp(min=0, max=1)

    def icdf(self, value: Any) -> Tensor:
        low, width = self._base()
        return self.loc - self.scale * (-(_value(value) * width + low).log()).log()

    def entropy(self) -> Tensor:
        return self.scale.log() + (1 + EULER_GAMMA)


class HalfNormal(Distribution):
    """|X| for X ~ Normal(0, scale), on [0, inf)."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        self.base_dist = Normal(0, scale, validate_args=False)
        self.scale = self.base_dist.scale
        super().__init__(self.scale.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        return self.scale.new_zeros(self.scale.shape)  # a literal: a jitted step replays it

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape).abs()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return F.where(computed(_negative, value).broadcast_to(lp.shape), -math.inf, lp)

    def cdf(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value: Any) -> Tensor:
        return self.base_dist.icdf((_value(value) + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)


class LogNormal(Distribution):
    """exp(X) for X ~ Normal(loc, scale), on (0, inf)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.base_dist = Normal(loc, scale, validate_args=False)
        self.loc, self.scale = self.base_dist.loc, self.base_dist.scale
        super().__init__(self.base_dist.batch_shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        return (self.loc - self.scale.pow(2)).exp()

    @property
    def variance(self) -> Tensor:
        s2 = self.scale.pow(2)
        return s2.expm1() * (2 * self.loc + s2).exp()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape).exp()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        y = value.log()
        return self.base_dist.log_prob(y) - y

    def cdf(self, value: Any) -> Tensor:
        # torch checks the base Normal's value log(value) against the reals: 0 (log 0 = -inf)
        # is taken, cdf(0) = 0, where log_prob(0) is refused (the support is positive)
        value = self._validate_sample(value, constraints.nonnegative)
        return self.base_dist.cdf(value.log())

    def icdf(self, value: Any) -> Tensor:
        return self.base_dist.icdf(value).exp()

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc
