"""The count families, as torch.distributions has them: Poisson, Geometric, Binomial,
NegativeBinomial (failures before total_count successes) and Multinomial. log_prob, entropy,
mean, mode and variance composed of Tensor ops (lgamma, xlogy), draws from NumPy's samplers
(Poisson, binomial, multinomial; NegativeBinomial's a Poisson of gamma draws) inside a `Draw`
op."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from .. import hooks
from ..engine import no_grad
from ..tensor import Tensor
from . import constraints
from .categorical import (
    BinaryParams,
    Categorical,
    CategoricalParams,
    clamp_probs,
    count_params,
    one_of,
)
from .distribution import Distribution, broadcast_all, check, computed, lazy_property, uniform_draws
from .gamma_family import Gamma
from .sampling import numpy_draws

__all__ = ["Binomial", "Geometric", "Multinomial", "NegativeBinomial", "Poisson"]


def _binary_logits(probs: Tensor) -> Tensor:
    p = clamp_probs(probs)
    return p.log() - (-p).log1p()


# masks made inside ops (`computed`), so a jitted step replays them
def _one_at_zero(p: np.ndarray, v: np.ndarray) -> np.ndarray:
    return (p == 1) & (v == 0)


def _zero_at_minus_inf(logits: np.ndarray, v: np.ndarray) -> np.ndarray:
    return (v == 0) & (logits == -math.inf)


def _positive(p: np.ndarray) -> np.ndarray:
    return p > 0


def _below_eps(p: np.ndarray) -> np.ndarray:
    return p < np.finfo(p.dtype).eps


def _above(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a > b


def _in_count_range(n: np.ndarray, v: np.ndarray) -> np.ndarray:
    return (v % 1 == 0) & (v >= 0) & (v <= n)


def _both_zero(n: np.ndarray, v: np.ndarray) -> np.ndarray:
    return n + v == 0


class Poisson(Distribution):
    """The Poisson distribution of rate `rate` on the non-negative integers."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate, names=("rate",), who="Poisson")
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return numpy_draws("poisson", self._extended_shape(sample_shape), self.rate,
                               who="Poisson.sample")

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        value, rate = broadcast_all(value, self.rate, names=("value", "rate"),
                                    who="Poisson.log_prob")
        return value.xlogy(rate) - rate - (value + 1).lgamma()


class Geometric(Distribution):
    """The number of failures before the first success of Bernoulli(probs) trials."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        one_of(probs, logits, "Geometric")
        given = probs if probs is not None else logits
        (param,) = broadcast_all(given, names=("probs" if probs is not None else "logits",),
                                 who="Geometric")
        if probs is not None:
            self.probs = param
        else:
            self.logits = param
        self._from_logits = probs is None  # (entropy's -log(probs) for tiny probs: softplus)
        super().__init__(param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None:  # torch's extra check: probs > 0
            check(computed(_positive, param), None, f"Geometric: expected parameter probs "
                  f"(Tensor of shape {param.shape}) to be positive")

    @lazy_property
    def logits(self) -> Tensor:
        return _binary_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return self.logits.sigmoid()

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return self.probs.new_zeros(self.probs.shape)  # a literal: a jitted step replays it

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            tiny = float(np.finfo(self.probs.dtype).tiny)
            u = uniform_draws(self.probs, shape) * (1 - tiny) + tiny
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs, names=("value", "probs"),
                                     who="Geometric.log_prob")
        probs = F.where(computed(_one_at_zero, probs, value), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """torch's BCE(logits, probs) / probs; below probs = eps (where torch's clamped logits
        made it 0 and this one 2e16 / probs) -log(probs) + 1, exact there, inf at probs = 0
        (torch's 0 / 0 is nan)."""
        p = self.probs
        tiny = computed(_below_eps, p)
        safe = F.where(tiny, 0.5, p)
        bce = F.binary_cross_entropy_with_logits(F.where(tiny, 0.0, self.logits), safe,
                                                 reduction="none") / safe
        from_logits = getattr(self, "_from_logits", False)  # (one pickled before it: probs)
        minus_log = (-self.logits).softplus() if from_logits else -p.log()
        return F.where(tiny, minus_log + 1.0, bce)


class Binomial(Distribution):
    """The number of successes in `total_count` Bernoulli(probs) trials."""

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        param = count_params(self, "Binomial", total_count, probs, logits)
        super().__init__(param.shape, validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        return _binary_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return self.logits.sigmoid()

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._param.shape

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    def _check_support(self, value: Tensor) -> None:
        check(computed(_in_count_range, self.total_count, value), None, f"Binomial: expected "
              f"value (Tensor of shape {value.shape}) to be within the support "
              "IntegerInterval(lower_bound=0, upper_bound=total_count)")

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        # torch's clamp(max=total_count): where floor((n + 1) p) equals n (every p in
        # [n / (n + 1), 1)) the gradient goes to the floor (zero), not half of it to n as
        # minimum's would
        m = ((self.total_count + 1) * self.probs).floor()
        return F.where(computed(_above, m, self.total_count), self.total_count, m)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return numpy_draws("binomial", self._extended_shape(sample_shape),
                               self.total_count, self.probs, who="Binomial.sample")

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        n, logits = self.total_count, self.logits
        by_zero = (logits.clamp(min=0) + logits - logits.clamp(max=0)) / 2
        normalize = n * by_zero + n * (-logits.abs()).exp().log1p() - (n + 1).lgamma()
        return value * logits - (value + 1).lgamma() - (n - value + 1).lgamma() - normalize

    def _homogeneous(self, who: str) -> int:
        # the support's size is read off total_count's values: a jitted step runs eagerly
        # (its replay kept the recorded size: another total_count gave wrong numbers silently)
        hooks.notify_read(self.total_count, f"Binomial.{who} (the support's size)")
        counts = np.unique(self.total_count.data)
        if counts.size == 0:  # an empty batch: nothing to enumerate
            return 0
        if counts.size != 1:
            raise NotImplementedError(f"Binomial.{who}: inhomogeneous total count not "
                                      "supported")
        return int(counts[0])

    def entropy(self) -> Tensor:
        self._homogeneous("entropy")
        lp = self.log_prob(self.enumerate_support(False))
        return -(lp.exp() * lp).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self._homogeneous("enumerate_support")
        values = F.arange(1 + n, dtype=self._param.dtype).reshape(
            (-1,) + (1,) * len(self._batch_shape))
        return values.broadcast_to((1 + n,) + self._batch_shape) if expand else values


class NegativeBinomial(BinaryParams, Distribution):
    """The number of failures before `total_count` successes, each trial failing with
    probability `probs` (or sigmoid(`logits`))."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        param = count_params(self, "NegativeBinomial", total_count, probs, logits)
        super().__init__(param.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            # torch's: Poisson(Gamma(total_count, rate exp(-logits))) draws
            rate = Gamma(self.total_count, (-self.logits).exp(), validate_args=False).sample(
                sample_shape)
            return numpy_draws("poisson", shape, rate, who="NegativeBinomial.sample")

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        n = self.total_count
        log_unnormalized = n * F.logsigmoid(-self.logits) + value * F.logsigmoid(self.logits)
        log_normalization = -(n + value).lgamma() + (1.0 + value).lgamma() + n.lgamma()
        # total_count 0 and value 0 has probability 1 (lgamma(0) is inf): 0 there, as torch's
        zero = computed(_both_zero, n, value)
        log_normalization = F.where(zero, 0.0, log_normalization)
        return log_unnormalized - log_normalization


class Multinomial(CategoricalParams, Distribution):
    """Counts of `total_count` draws from Categorical(probs or logits) (event_shape (K,))."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if isinstance(total_count, bool) or not isinstance(total_count, (int, np.integer)):
            raise NotImplementedError("Multinomial: inhomogeneous total_count is not "
                                      "supported (total_count must be an int)")
        one_of(probs, logits, "Multinomial")
        self.total_count = int(total_count)
        if self.total_count < 0 and self._validate_args:  # (the default: validate_args's
            # aside, torch's inner Binomial refuses it (total_count nonnegative_integer))
            raise ValueError(f"Multinomial: expected total_count to be a non-negative int, "
                             f"got {self.total_count}")
        # this distribution checks its parameter (its errors name Multinomial); with
        # validate_args=False, as torch's, the inner Categorical still does by default
        inner = None if validate_args is False else False
        self._categorical = Categorical(probs, logits, validate_args=inner)
        self._binomial = Binomial(self.total_count, probs=self.probs, validate_args=False)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)
        if self._validate_args:
            name = "probs" if probs is not None else "logits"
            self._check_param(name, self._categorical._param, self.arg_constraints[name])

    @property
    def support(self) -> constraints.Constraint:
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            # a literal (new_full, not F.full): a jitted step replays its draws
            n = self.probs.new_full(self.probs.shape, float(self.total_count))
            return numpy_draws("multinomial", shape, n, self.probs, who="Multinomial.sample")

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value, names=("logits", "value"),
                                      who="Multinomial.log_prob")
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        logits = F.where(computed(_zero_at_minus_inf, logits, value), 0.0, logits)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self) -> Tensor:
        n = float(self.total_count)
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        # 1..n as a literal (the count is a Python int), not enumerate_support's arange: a
        # jitted step replays it
        support = self.probs.new_tensor(np.arange(1, self.total_count + 1)).reshape(
            (-1,) + (1,) * len(self._binomial.batch_shape))
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        return term1 + (binomial_probs * weights).sum((0, -1))
