"""PyTorch's ContinuousBernoulli (Loaiza-Ganem and Cunningham, 2019): the density
C(p) p^x (1 - p)^(1 - x) on [0, 1]. Near p = 1/2 (inside `lims`) the normalizer, mean and
variance are torch's Taylor expansions; the masks are made inside ops (`computed`), so a jitted
step recomputes them.

Given logits L, torch's formulas (in probs = sigmoid(L), clamped to [eps, 1 - eps]) lose digits
as |L| grows: 1e-11 at L = 15, 1e-5 at 30, and past |L| = 36.7 the clamped probs make every
value wrong (the mean 0.972 for every L above it). Past |L| = 8 (3 in float32) a
distribution given logits uses the closed forms in a = |L| instead, exact to rounding:
log C = log a - log(1 - e^-a) + log(1 + e^-a), the mean g = 1/a - e^-a / (1 - e^-a) (1 - g for
L > 0), the variance 1/a^2 - e^-a / (1 - e^-a)^2, the entropy 1 - a e^-a / (1 - e^-a) - log a +
log(1 - e^-a), cdf(x) = expm1(L x) / expm1(L) and icdf(u) = log1p(u expm1(L)) / L (rearranged
so nothing overflows); logits of +-inf give the point masses' limits (the mean 1 or 0, the
variance 0, the entropy -inf, log_prob +inf at the mass, -inf elsewhere)."""

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


def _large_logits(logits: np.ndarray) -> np.ndarray:
    """Where the closed forms in |logits| replace torch's formulas in probs: past 8 in
    float64 (torch's values there are within 2e-13 of the exact ones), past 3 in a narrower
    dtype (float32's probs lose digits sooner)."""
    return np.abs(logits) > (8.0 if logits.dtype == np.float64 else 3.0)


def _positive(v: np.ndarray) -> np.ndarray:
    return v > 0


def _zero(v: np.ndarray) -> np.ndarray:
    return v == 0


def _above_half(v: np.ndarray) -> np.ndarray:
    return v > 0.5


def _far_quantile(a: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Where icdf's 1 + log(u + (1 - u) e^-a) / a keeps more digits than log1p(u expm1(a)) / a
    (u expm1(a) >= 1), or the latter overflows (a > 700)."""
    with np.errstate(over="ignore"):
        return (a > 700.0) | (u * np.expm1(np.minimum(a, 700.0)) >= 1.0)


def _in_open_unit(v: np.ndarray) -> np.ndarray:
    return (v > 0) & (v < 1)


def _point_mass(logits: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.isinf(logits) & np.isfinite(v)


def _point_mass_log_prob(logits: np.ndarray, v: np.ndarray) -> np.ndarray:
    """log_prob of logits +-inf (a point mass at 1 or at 0), finite v: +inf at the mass,
    -inf elsewhere; 0 where the logits are finite (not used there)."""
    at_mass = v == (logits > 0)
    return np.where(np.isinf(logits), np.where(at_mass, math.inf, -math.inf), 0.0)


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
        self._from_logits = probs is None  # (past |logits| = 8: the closed forms in logits)
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

    def _given_logits(self) -> bool:
        return getattr(self, "_from_logits", False)  # (one pickled before it: probs)

    def _large(self) -> Tensor | None:
        """The mask of the entries given by large logits (`_large_logits`), where the closed
        forms replace torch's; None for a distribution given probs (torch's formulas
        throughout: its clamped probs are the parameter)."""
        return computed(_large_logits, self.logits) if self._given_logits() else None

    def _abs_logits(self, large: Tensor) -> Tensor:
        """|logits| where `large`, 16 elsewhere: the closed forms' unused entries (and their
        gradients) stay finite."""
        return F.where(large, self.logits.abs(), 16.0)

    def _torch_log_norm(self) -> Tensor:
        cut = self._cut_probs()
        below = computed(_at_most_half, cut)
        cut_below = F.where(below, cut, 0.0)
        cut_above = F.where(computed(_at_least_half, cut), cut, 1.0)
        log_norm = ((-cut).log1p() - cut.log()).abs().log() - F.where(
            below, (-2.0 * cut_below).log1p(), (2.0 * cut_above - 1.0).log())
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return F.where(self._outside_unstable_region(), log_norm, taylor)

    def cont_bern_log_norm(self) -> Tensor:
        """The log normalizing constant: torch's, as a function of probs; past |logits| = 8
        log |L| - log tanh(|L| / 2)."""
        torch_form = self._torch_log_norm()
        large = self._large()
        if large is None:
            return torch_form
        a = self._abs_logits(large)
        e = (-a).exp()
        return F.where(large, a.log() - (-e).log1p() + e.log1p(), torch_form)

    def _log1m_probs(self) -> Tensor:
        """log(1 - probs): torch's log1p(-probs), -softplus(logits) past |logits| = 8."""
        torch_form = (-self.probs).log1p()
        large = self._large()
        if large is None:
            return torch_form
        return F.where(large, -F.where(large, self.logits, 0.0).softplus(), torch_form)

    @property
    def mean(self) -> Tensor:
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        torch_form = F.where(self._outside_unstable_region(), mus, taylor)
        large = self._large()
        if large is None:
            return torch_form
        a = self._abs_logits(large)
        e = (-a).exp()
        g = a.reciprocal() - e / (1.0 - e)  # the mean of -|L|; 1 - g that of |L|
        exact = F.where(computed(_positive, self.logits), 1.0 - g, g)
        return F.where(large, exact, torch_form)

    @property
    def variance(self) -> Tensor:
        cut = self._cut_probs()
        var = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / (
            (-cut).log1p() - cut.log()).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        torch_form = F.where(self._outside_unstable_region(), var, taylor)
        large = self._large()
        if large is None:
            return torch_form
        a = self._abs_logits(large)
        e = (-a).exp()
        return F.where(large, a.pow(-2) - e / (1.0 - e).pow(2), torch_form)

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
        # given logits of +-inf (a point mass at 1 or 0), a finite value scores the limit:
        # +inf at the mass, -inf elsewhere (torch's NaN or a finite number)
        mass = computed(_point_mass, logits, value) if self._given_logits() else None
        scored = logits if mass is None else F.where(mass, 0.0, logits)
        finite = -F.binary_cross_entropy_with_logits(scored, F.where(infinite, 0.5, value),
                                                     reduction="none")
        # torch's -(1 - value) logits - softplus(-logits) there: +-inf (not nan), as torch
        at_inf = F.where(infinite, logits, 0.0)
        linear = (value - 1.0) * at_inf - (-at_inf).softplus()
        result = F.where(infinite, linear + self._torch_log_norm(),
                         finite + self.cont_bern_log_norm())
        if mass is None:
            return result
        return F.where(mass, computed(_point_mass_log_prob, logits, value), result)

    def cdf(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = F.where(self._outside_unstable_region(), cdfs, value)
        large = self._large()
        if large is not None:
            # expm1(L x) / expm1(L): for L < 0 as it stands, for L > 0 times e^(L (x - 1))
            # over e^(L (x - 1)) (no overflow); x in (0, 1) (the rest is 0 or 1 below)
            a = self._abs_logits(large)
            x = F.where(computed(_in_open_unit, value), value, 0.5)
            below = (-a * x).expm1() / (-a).expm1()
            exact = F.where(computed(_positive, self.logits), (-a * (1.0 - x)).exp() * below,
                            below)
            unbounded = F.where(large, exact, unbounded)
        return F.where(computed(_at_most_zero, value), 0.0,
                       F.where(computed(_at_least_one, value), 1.0, unbounded))

    def icdf(self, value: Any) -> Tensor:
        value = value if isinstance(value, Tensor) else Tensor(value)
        cut = self._cut_probs()
        inside = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / (
            cut.log() - (-cut).log1p())
        torch_form = F.where(self._outside_unstable_region(), inside, value)
        large = self._large()
        if large is None:
            return torch_form
        # log1p(u expm1(L)) / L. L < 0: above u = 1/2 as log(1 - u + u e^L) (1 - u exact);
        # L > 0 where u expm1(L) >= 1 (or L > 700, where expm1 overflows) as
        # 1 + log(u + (1 - u) e^-L) / L (its gradient keeps its digits near u = 1)
        a = self._abs_logits(large)
        e = (-a).exp()
        upper = computed(_above_half, value)
        low_u, high_u = F.where(upper, 0.0, value), F.where(upper, value, 0.75)
        negative = F.where(upper, (1.0 - high_u + high_u * e).log(),
                           (low_u * (-a).expm1()).log1p()) / -a
        far = computed(_far_quantile, a, value)
        a_near, u_near, u_far = F.where(far, 1.0, a), F.where(far, 0.0, value), F.where(
            far, value, 1.0).clamp(min=float(np.finfo(value.dtype).tiny))
        positive = F.where(far, 1.0 + (u_far + (1.0 - u_far) * e).log() / a,
                           (u_near * a_near.expm1()).log1p() / a_near)
        exact = F.where(computed(_positive, self.logits), positive, negative)
        exact = F.where(computed(_zero, value), 0.0, exact)
        return F.where(large, exact, torch_form)

    def entropy(self) -> Tensor:
        large = self._large()
        log_probs0, log_probs1 = (-self.probs).log1p(), self.probs.log()
        torch_form = (self.mean * (log_probs0 - log_probs1) - self.cont_bern_log_norm()
                      - log_probs0)
        if large is None:
            return torch_form
        a = self._abs_logits(large)
        e = (-a).exp()
        # (a e^-a: a kept finite, so an infinite logit gives 0 there, not inf * 0)
        a_e = a.clamp(max=float(np.finfo(a.dtype).max)) * e
        exact = 1.0 - a_e / (1.0 - e) - a.log() + (-e).log1p()
        return F.where(large, exact, torch_form)
