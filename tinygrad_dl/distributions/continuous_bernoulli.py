"""PyTorch's ContinuousBernoulli (Loaiza-Ganem and Cunningham, 2019): the density
C(p) p^x (1 - p)^(1 - x) on [0, 1]. Given probs: torch's formulas; near p = 1/2 (inside
`lims`) the normalizer, mean and variance are torch's Taylor expansions. Given logits L: the
density L e^(L x) / expm1(L), every value and gradient exact to rounding (`logits_*` below:
series in L near 0, closed forms in |L| elsewhere, +-inf the point masses' limits). The masks
are made inside ops (`computed`), so a jitted step recomputes them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .. import functional as F
from ..engine import no_grad
from ..ops import ContinuousBernoulliCdf, ContinuousBernoulliIcdf
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


def _positive(v: np.ndarray) -> np.ndarray:
    return v > 0


def _point_mass(logits: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.isinf(logits) & np.isfinite(v)


def _point_mass_log_prob(logits: np.ndarray, v: np.ndarray) -> np.ndarray:
    """log_prob of logits +-inf (a point mass at 1 or at 0), finite v: +inf at the mass,
    -inf elsewhere; 0 where the logits are finite (not used there)."""
    at_mass = v == (logits > 0)
    return np.where(np.isinf(logits), np.where(at_mass, math.inf, -math.inf), 0.0)


# ---- given logits L: everything in L, in float64 (a narrower dtype's rounded once) ------------
# torch's formulas take probs = sigmoid(L) clamped to [eps, 1 - eps]: they lose digits as |L|
# grows (every value that of the clamped probs past |L| = 36.7), near its Taylor region
# (variance 5e-9 off at L = 0.0045 in float64, 2x off in float32) and in cdf's and icdf's tails;
# in that region cdf(x) is x and icdf(u) is u (5e-4 off, their gradients 0). Given logits, the
# values below come from the density L e^(L x) / expm1(L): below |L| = 2 as power series in L
# (Bernoulli numbers; the closed forms cancel there), above it as closed forms in a = |L|.

def _bernoulli_over_factorial(n: int) -> list[Fraction]:
    """B_2k / (2k)! for k = 1..n (Bernoulli numbers by their recurrence, exactly)."""
    b = [Fraction(1)]
    for m in range(1, 2 * n + 1):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return [b[2 * k] / math.factorial(2 * k) for k in range(1, n + 1)]


_SERIES = 2.0  # |L| below: the series (radius 2 pi: 22 terms to float64's rounding at 2)
_C = _bernoulli_over_factorial(22)
# coefficients of t^(k-1), t = L^2: (mean - 1/2) / L; the variance (the mean's derivative);
# log(expm1(L) / L) - L / 2, over t; the entropy, over t
_MEAN = np.array([float(c) for c in _C])
_VARIANCE = np.array([float((2 * k - 1) * c) for k, c in enumerate(_C, 1)])
_LOG_EXPREL = np.array([float(c / (2 * k)) for k, c in enumerate(_C, 1)])
_ENTROPY = np.array([float(-(2 * k - 1) * c / (2 * k)) for k, c in enumerate(_C, 1)])
_POWERS = np.arange(len(_C), dtype=np.float64)


@dataclass(frozen=True)
class _Below:
    """Where |v| < bound."""

    bound: float

    def __call__(self, v: np.ndarray) -> np.ndarray:
        return np.abs(v) < self.bound


def _series(t: Tensor, coeffs: np.ndarray) -> Tensor:
    """sum_k coeffs[k] t^k (t >= 0 and small: the terms fall, no cancellation). (Module
    arrays, whole: an array made in a jitted step would stop its replay.)"""
    return (t.unsqueeze(-1).pow(_POWERS) * coeffs).sum(-1)


def _split(L: Tensor, bound: float) -> tuple[Tensor, Tensor, Tensor]:
    """The mask |L| < bound, L there (0 elsewhere) and |L| elsewhere (bound there): each
    branch's unused entries, and their gradients, finite."""
    small = computed(_Below(bound), L)
    return small, F.where(small, L, 0.0), F.where(small, bound, L.abs())


def _exp_parts(a: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """e^-a, 1 - e^-a and a kept finite (a e^-a is 0, not inf * 0, at a = inf)."""
    return (-a).exp(), -(-a).expm1(), a.clamp(max=float(np.finfo(a.dtype).max))


def logits_log_norm(L: Tensor) -> Tensor:
    """log C = log(L / expm1(L)) + softplus(L) = log(|L| / tanh(|L| / 2))."""
    small, s, a = _split(L, _SERIES)
    t = s * s
    series = math.log(2.0) + (s * 0.5).cosh().log() - t * _series(t, _LOG_EXPREL)
    e, d, _ = _exp_parts(a)
    return F.where(small, series, a.log() - d.log() + e.log1p())


def logits_mean(L: Tensor) -> Tensor:
    """1 / (1 - e^-L) - 1 / L: below |L| = 2 its series, above 1 / a - e^-a / (1 - e^-a) at
    a = -L (1 minus that for L > 0)."""
    small, s, a = _split(L, _SERIES)
    e, d, _ = _exp_parts(a)
    g = a.reciprocal() - e / d
    closed = F.where(computed(_positive, L), 1.0 - g, g)
    return F.where(small, 0.5 + s * _series(s * s, _MEAN), closed)


def logits_variance(L: Tensor) -> Tensor:
    """1 / L^2 - 1 / (4 sinh(L / 2)^2)."""
    small, s, a = _split(L, _SERIES)
    e, d, _ = _exp_parts(a)
    return F.where(small, _series(s * s, _VARIANCE), a.pow(-2.0) - e / d.pow(2.0))


def logits_stddev(L: Tensor) -> Tensor:
    """sqrt(1 - a^2 e^-a / (1 - e^-a)^2) / a above |L| = 2: finite gradients where the
    variance is 0 (logits +-inf, or past 1.3e154)."""
    small, s, a = _split(L, _SERIES)
    _, d, a_fin = _exp_parts(a)
    q = a_fin * (-0.5 * a).exp() / d
    return F.where(small, _series(s * s, _VARIANCE).sqrt(), (1.0 - q * q).sqrt() / a)


def logits_entropy(L: Tensor) -> Tensor:
    """-(L mean + log(L / expm1(L))): 1 - a e^-a / (1 - e^-a) - log a + log(1 - e^-a)."""
    small, s, a = _split(L, _SERIES)
    t = s * s
    e, d, a_fin = _exp_parts(a)
    return F.where(small, t * _series(t, _ENTROPY), 1.0 - a_fin * e / d - a.log() + d.log())


def _unnormalized_log_prob(logits: Tensor, value: Tensor) -> Tensor:
    """value logits - softplus(logits) (torch's, given probs); at an infinite value (only
    unvalidated: outside the support) torch's -(1 - value) logits - softplus(-logits): +-inf,
    not NaN."""
    infinite = computed(_infinite, value)
    finite = -F.binary_cross_entropy_with_logits(logits, F.where(infinite, 0.5, value),
                                                 reduction="none")
    at_inf = F.where(infinite, logits, 0.0)
    return F.where(infinite, (value - 1.0) * at_inf - (-at_inf).softplus(), finite)


def _log_exprel(L: Tensor) -> Tensor:
    """log(expm1(L) / L): below |L| = 2 L / 2 + its series, above max(L, 0) + log(1 - e^-a)
    - log a."""
    small, s, a = _split(L, _SERIES)
    t = s * s
    _, d, _ = _exp_parts(a)
    closed = F.where(computed(_positive, L), a, 0.0) + d.log() - a.log()
    return F.where(small, 0.5 * s + t * _series(t, _LOG_EXPREL), closed)


def logits_log_prob(L: Tensor, value: Tensor) -> Tensor:
    """L x - log(expm1(L) / L) (near 0 without cancelling log 2s); at logits +-inf (a point
    mass at 1 or 0) a finite value scores the limit: +inf at the mass, -inf elsewhere (torch's
    NaN or a finite number); an infinite value (unvalidated) as torch's."""
    L, value = broadcast_all(L, value)
    mass, infinite = computed(_point_mass, L, value), computed(_infinite, value)
    scored = F.where(mass, 0.0, L)
    finite = scored * F.where(infinite, 0.5, value) - _log_exprel(scored)
    at_inf = F.where(infinite, L, 0.0)  # (+-inf there: the normalizer adds nothing)
    result = F.where(infinite, (value - 1.0) * at_inf - (-at_inf).softplus(), finite)
    return F.where(mass, computed(_point_mass_log_prob, L, value), result)


def logits_cdf(L: Tensor, x: Tensor) -> Tensor:
    """expm1(L x) / expm1(L) (one op: ops.ContinuousBernoulliCdf); 0 at x <= 0, 1 at x >= 1,
    NaN at NaN."""
    return ContinuousBernoulliCdf.apply(x, L)


def logits_icdf(L: Tensor, u: Tensor) -> Tensor:
    """log1p(u expm1(L)) / L (one op: ops.ContinuousBernoulliIcdf); NaN outside [0, 1]."""
    return ContinuousBernoulliIcdf.apply(u, L)


class ContinuousBernoulli(Distribution):
    """The continuous Bernoulli on [0, 1] of `probs` (or sigmoid(`logits`)); `lims` is the
    region around 1/2 where the Taylor expansions are used (given probs: given logits every
    value is exact to rounding without them)."""

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

    def _in_logits(self, fn: Any, *values: Tensor) -> Tensor:
        """`fn` of the logits (and `values`) in float64, rounded once to the result's dtype
        (float32's logits lose digits in these formulas as its probs did in torch's)."""
        dtype = np.result_type(self.logits.dtype, *(v.dtype for v in values))
        wide = [t if t.dtype == np.float64 else t.astype(np.float64)
                for t in (self.logits, *values)]
        out = fn(*wide)
        return out if out.dtype == dtype else out.astype(dtype)

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
        """The log normalizing constant: torch's, as a function of probs; given logits
        log |L| - log tanh(|L| / 2) (`logits_log_norm`)."""
        if self._given_logits():
            return self._in_logits(logits_log_norm)
        return self._torch_log_norm()

    def log1m_probs(self) -> Tensor:
        """log(1 - probs): torch's log1p(-probs); given logits -softplus(logits), exact."""
        if self._given_logits():
            return -self.logits.softplus()
        return (-self.probs).log1p()

    @property
    def mean(self) -> Tensor:
        if self._given_logits():
            return self._in_logits(logits_mean)
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return F.where(self._outside_unstable_region(), mus, taylor)

    @property
    def variance(self) -> Tensor:
        if self._given_logits():
            return self._in_logits(logits_variance)
        cut = self._cut_probs()
        var = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / (
            (-cut).log1p() - cut.log()).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return F.where(self._outside_unstable_region(), var, taylor)

    @property
    def stddev(self) -> Tensor:
        if self._given_logits():  # (0 at logits +-inf, with a gradient of 0, not NaN)
            return self._in_logits(logits_stddev)
        return self.variance.sqrt()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = uniform_draws(self.probs, self._extended_shape(sample_shape))
        return self.icdf(u)

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        if self._given_logits():
            return self._in_logits(logits_log_prob, value)
        logits, value = broadcast_all(self.logits, value)
        return _unnormalized_log_prob(logits, value) + self.cont_bern_log_norm()

    def cdf(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        if self._given_logits():
            return logits_cdf(self.logits, value)  # (float64 inside, rounded once)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = F.where(self._outside_unstable_region(), cdfs, value)
        return F.where(computed(_at_most_zero, value), 0.0,
                       F.where(computed(_at_least_one, value), 1.0, unbounded))

    def icdf(self, value: Any) -> Tensor:
        value = value if isinstance(value, Tensor) else Tensor(value)
        if self._given_logits():
            return logits_icdf(self.logits, value)
        cut = self._cut_probs()
        inside = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / (
            cut.log() - (-cut).log1p())
        return F.where(self._outside_unstable_region(), inside, value)

    def entropy(self) -> Tensor:
        if self._given_logits():
            return self._in_logits(logits_entropy)
        log_probs0, log_probs1 = (-self.probs).log1p(), self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self.cont_bern_log_norm() - log_probs0
