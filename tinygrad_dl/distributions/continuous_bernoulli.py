"""PyTorch's ContinuousBernoulli (Loaiza-Ganem and Cunningham, 2019): the density
C(p) p^x (1 - p)^(1 - x) on [0, 1]. Near p = 1/2 (inside `lims`) the normalizer, mean and
variance are torch's Taylor expansions; the masks are made inside ops (`computed`), so a jitted
step recomputes them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import functional as F
from ..engine import no_grad
from ..tensor import Tensor
from . import constraints
from .categorical import clamp_probs, one_of
from .distribution import Distribution, broadcast_all, check, computed, lazy_property, uniform_draws

__all__ = ["ContinuousBernoulli"]


@dataclass(frozen=True)
class _Outside:
    """Where probs lies outside the unstable region (lims[0], lims[1]]."""

    low: float
    high: float

    def __call__(self, p: np.ndarray) -> np.ndarray:
        return (p <= self.low) | (p > self.high)


def _at_most_half(p: np.ndarray) -> np.ndarray:
    return p <= 0.5


def _at_least_half(p: np.ndarray) -> np.ndarray:
    return p >= 0.5


def _at_most_zero(v: np.ndarray) -> np.ndarray:
    return v <= 0.0


def _at_least_one(v: np.ndarray) -> np.ndarray:
    return v >= 1.0


def _infinite(v: np.ndarray) -> np.ndarray:
    return np.isinf(v)


class ContinuousBernoulli(Distribution):
    """The continuous Bernoulli on [0, 1] of `probs` (or sigmoid(`logits`)); `lims` is the
    region around 1/2 where the Taylor expansions are used."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 lims: tuple[float, float] = (0.499, 0.501),
                 validate_args: bool | None = None) -> None:
        one_of(probs, logits, "ContinuousBernoulli")
        given = probs if probs is not None else logits
        (param,) = broadcast_all(given, names=("probs" if probs is not None else "logits",),
                                 who="ContinuousBernoulli")
        if probs is not None:
            if validate_args is not None:  # torch checks the given probs only when asked
                check(param, constraints.unit_interval,
                      "ContinuousBernoulli: the parameter probs has invalid values")
            self.probs = clamp_probs(param)
        else:
            self.logits = param
        self._param = self.probs if probs is not None else self.logits
        self._lims = (float(lims[0]), float(lims[1]))
        scalar = isinstance(given, (int, float, np.number, bool, np.bool_))
        super().__init__(() if scalar else param.shape, validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        p = clamp_probs(self.probs)
        return p.log() - (-p).log1p()

    @lazy_property
    def probs(self) -> Tensor:
        return clamp_probs(self.logits.sigmoid())

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._param.shape

    def _outside_unstable_region(self) -> Tensor:
        return computed(_Outside(*self._lims), self.probs)

    def _cut_probs(self) -> Tensor:
        return F.where(self._outside_unstable_region(), self.probs, self._lims[0])

    def cont_bern_log_norm(self) -> Tensor:
        """The log normalizing constant, as a function of probs."""
        cut = self._cut_probs()
        below = computed(_at_most_half, cut)
        cut_below = F.where(below, cut, 0.0)
        cut_above = F.where(computed(_at_least_half, cut), cut, 1.0)
        log_norm = ((-cut).log1p() - cut.log()).abs().log() - F.where(
            below, (-2.0 * cut_below).log1p(), (2.0 * cut_above - 1.0).log())
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return F.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return F.where(self._outside_unstable_region(), mus, taylor)

    @property
    def variance(self) -> Tensor:
        cut = self._cut_probs()
        var = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / (
            (-cut).log1p() - cut.log()).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return F.where(self._outside_unstable_region(), var, taylor)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = uniform_draws(self.probs, self._extended_shape(sample_shape))
        return self.icdf(u)

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        infinite = computed(_infinite, value)  # (only unvalidated: outside the support)
        finite = -F.binary_cross_entropy_with_logits(logits, F.where(infinite, 0.5, value),
                                                     reduction="none")
        # torch's -(1 - value) logits - softplus(-logits) there: +-inf (not nan), as torch
        at_inf = F.where(infinite, logits, 0.0)
        linear = (value - 1.0) * at_inf - (-at_inf).softplus()
        return F.where(infinite, linear, finite) + self.cont_bern_log_norm()

    def cdf(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = F.where(self._outside_unstable_region(), cdfs, value)
        return F.where(computed(_at_most_zero, value), 0.0,
                       F.where(computed(_at_least_one, value), 1.0, unbounded))

    def icdf(self, value: Any) -> Tensor:
        value = value if isinstance(value, Tensor) else Tensor(value)
        cut = self._cut_probs()
        inside = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / (
            cut.log() - (-cut).log1p())
        return F.where(self._outside_unstable_region(), inside, value)

    def entropy(self) -> Tensor:
        log_probs0, log_probs1 = (-self.probs).log1p(), self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self.cont_bern_log_norm() - log_probs0
