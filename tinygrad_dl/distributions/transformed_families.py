"""Weibull, Pareto, Kumaraswamy and LogisticNormal, built as torch builds them:
TransformedDistributions of an Exponential, a Uniform or a Normal (log_prob, cdf, icdf and
rsample come from the transforms); their moments and entropies written out as torch's.
(InverseGamma, torch's TransformedDistribution of a Gamma, is in gamma_family.py.)"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from . import constraints
from .constraints import Constraint
from .distribution import broadcast_all, check, computed
from .elementwise_transforms import ExpTransform, PowerTransform
from .location_scale import EULER_GAMMA, Exponential, Normal, Uniform
from .transformed import TransformedDistribution
from .vector_transforms import AffineTransform, StickBreakingTransform

__all__ = ["Kumaraswamy", "LogisticNormal", "Pareto", "Weibull"]


def _any_below_one(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a < 1) | (b < 1)


class Weibull(TransformedDistribution):
    """The Weibull distribution of `scale` and `concentration` (k): scale E^(1/k) for a
    standard exponential E."""

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale: Any, concentration: Any, validate_args: bool | None = None
                 ) -> None:
        self.scale, self.concentration = broadcast_all(
            scale, concentration, names=("scale", "concentration"), who="Weibull")
        self.concentration_reciprocal = self.concentration.reciprocal()
        base = Exponential(self.scale.new_ones(self.scale.shape), validate_args=validate_args)
        super().__init__(base, [PowerTransform(self.concentration_reciprocal),
                                AffineTransform(0.0, self.scale)], validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.scale * (1 + self.concentration_reciprocal).lgamma().exp()

    @property
    def mode(self) -> Tensor:
        k = self.concentration
        return self.scale * ((k - 1) / k).pow(k.reciprocal())

    @property
    def variance(self) -> Tensor:
        r = self.concentration_reciprocal
        return self.scale.pow(2) * ((1 + 2 * r).lgamma().exp() - (2 * (1 + r).lgamma()).exp())

    def entropy(self) -> Tensor:
        r = self.concentration_reciprocal
        return EULER_GAMMA * (1 - r) + (self.scale * r).log() + 1


class Pareto(TransformedDistribution):
    """The Pareto (type I) distribution of `scale` and `alpha`: scale exp(E) for E
    exponential of rate alpha; support [scale, inf)."""

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_all(scale, alpha, names=("scale", "alpha"),
                                               who="Pareto")
        super().__init__(Exponential(self.alpha, validate_args=validate_args),
                         [ExpTransform(), AffineTransform(0.0, self.scale)],
                         validate_args=validate_args)

    @property
    def support(self) -> Constraint:  # type: ignore[override]
        return constraints.greater_than_eq(self.scale)

    def _check_support(self, value: Tensor, support: Constraint | None = None) -> None:
        # compared in an op with the scale (not the constraint's copy of it), so a jitted
        # step's replay checks against that call's scale
        check(computed(np.greater_equal, value, self.scale), None, f"Pareto: expected value "
              f"(Tensor of shape {value.shape}) to be within the support [scale, inf)")

    @property
    def mean(self) -> Tensor:
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        a = self.alpha.clamp(min=2)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    def entropy(self) -> Tensor:
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())


def _moments(a: Tensor, b: Tensor, n: int) -> Tensor:
    """The n-th raw moment of Kumaraswamy(a, b): b B(1 + n / a, b)."""
    arg1 = 1 + n / a
    return b * (arg1.lgamma() + b.lgamma() - (arg1 + b).lgamma()).exp()


class Kumaraswamy(TransformedDistribution):
    """The Kumaraswamy distribution on [0, 1]: (1 - U^(1/concentration0))^(1/concentration1)
    for U uniform."""

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(
            concentration1, concentration0, names=("concentration1", "concentration0"),
            who="Kumaraswamy")
        c0 = self.concentration0
        base = Uniform(c0.new_zeros(c0.shape), c0.new_ones(c0.shape),
                       validate_args=validate_args)
        super().__init__(base, [PowerTransform(c0.reciprocal()), AffineTransform(1.0, -1.0),
                                PowerTransform(self.concentration1.reciprocal())],
                         validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return _moments(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Tensor:
        c1, c0 = self.concentration1, self.concentration0
        log_mode = c0.reciprocal() * (-c0).log1p() - (-c0 * c1).log1p()
        # NaN where a concentration is below 1, as torch's (a mask made by an op: a jitted
        # step recomputes it)
        return F.where(computed(_any_below_one, c0, c1), math.nan, log_mode).exp()

    @property
    def variance(self) -> Tensor:
        return _moments(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def entropy(self) -> Tensor:
        c1, c0 = self.concentration1, self.concentration0
        t1, t0 = 1 - c1.reciprocal(), 1 - c0.reciprocal()
        h0 = (c0 + 1).digamma() + EULER_GAMMA
        return t0 + t1 * h0 - c1.log() - c0.log()


class LogisticNormal(TransformedDistribution):
    """The stick-breaking image of Normal(loc, scale): draws on the simplex, one entry more
    than loc's last dim."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand((1,))
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self) -> Tensor:
        return self.base_dist.base_dist.loc

    @property
    def scale(self) -> Tensor:
        return self.base_dist.base_dist.scale
