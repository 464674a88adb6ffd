"""The relaxed (Concrete / Gumbel-softmax) distributions of torch.distributions:
LogitRelaxedBernoulli and RelaxedBernoulli, ExpRelaxedCategorical and
RelaxedOneHotCategorical, whose draws are differentiable in the parameters and in
`temperature`; and OneHotCategoricalStraightThrough, one-hot draws with the straight-through
gradient (the probabilities' gradient passed to the draw)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor
from . import constraints
from .categorical import BinaryParams, Categorical, OneHotCategorical, clamp_probs, one_of
from .distribution import Distribution, broadcast_all, uniform_draws
from .elementwise_transforms import ExpTransform, SigmoidTransform
from .transformed import TransformedDistribution

__all__ = ["ExpRelaxedCategorical", "LogitRelaxedBernoulli", "OneHotCategoricalStraightThrough",
           "RelaxedBernoulli", "RelaxedOneHotCategorical"]


def _temperature(temperature: Any, like: Tensor, who: str) -> Tensor:
    """`temperature` as a tensor (a number in the parameter's dtype), as torch keeps it."""
    if isinstance(temperature, Tensor):
        return temperature
    if isinstance(temperature, (int, float, np.number)) and not isinstance(temperature, bool):
        # a literal (float(), not an array made here): a jitted step with a number as the
        # temperature replays instead of refusing the array as per-step data
        return as_tensor(float(temperature), like)
    if isinstance(temperature, np.ndarray):
        return as_tensor(np.asarray(temperature, like.dtype), like)
    raise TypeError(f"{who}: temperature must be a Tensor or a number, got "
                    f"{type(temperature).__name__}")


class LogitRelaxedBernoulli(BinaryParams, Distribution):
    """The logit of a RelaxedBernoulli: (logit(u) + logits) / temperature for u uniform."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        one_of(probs, logits, type(self).__name__)
        given = probs if probs is not None else logits
        (param,) = broadcast_all(given, names=("probs" if probs is not None else "logits",),
                                 who=type(self).__name__)
        if probs is not None:
            self.probs = param
        else:
            self.logits = param
        self._param = param
        self.temperature = _temperature(temperature, param, type(self).__name__)
        scalar = isinstance(given, (int, float, np.number, bool, np.bool_))
        super().__init__(() if scalar else param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = super().expand(batch_shape)
        new.temperature = self.temperature  # kept as given (torch's), not broadcast
        return new

    has_rsample = False  # torch's flag, though rsample is reparameterized

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.broadcast_to(shape))
        u = clamp_probs(uniform_draws(probs, shape))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class _BaseParams:
    """temperature, logits and probs of a relaxed distribution: its base distribution's."""

    base_dist: Any

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs


class RelaxedBernoulli(_BaseParams, TransformedDistribution):
    """A relaxed Bernoulli on (0, 1): sigmoid of a LogitRelaxedBernoulli; draws differentiable
    in the parameter and the temperature."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)


class ExpRelaxedCategorical(Distribution):
    """The log of a RelaxedOneHotCategorical draw: log-softmax((logits + gumbels) /
    temperature)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = _temperature(temperature, self._categorical._param,
                                        type(self).__name__)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = super().expand(batch_shape)
        new._categorical = self._categorical.expand(new.batch_shape)
        # kept as given (torch's): the generic expand broadcast a 0-d temperature of a
        # batch-less distribution to batch_shape, which then divided (..., K) scores
        new.temperature = self.temperature
        return new

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._categorical.param_shape

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = clamp_probs(uniform_draws(self.logits, shape))
        scores = (self.logits - (-u.log()).log()) / self.temperature
        return scores - scores.logsumexp(-1, keepdim=True)

    def log_prob(self, value: Any) -> Tensor:
        k = self._categorical._num_events
        value = self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        t = self.temperature
        log_scale = t.new_full(t.shape, float(k)).lgamma() + (k - 1) * t.log()
        score = logits - value * t
        return (score - score.logsumexp(-1, keepdim=True)).sum(-1) + log_scale


class RelaxedOneHotCategorical(_BaseParams, TransformedDistribution):
    """A relaxed one-hot categorical on the simplex: exp of an ExpRelaxedCategorical."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """OneHotCategorical whose rsample is the one-hot draw plus probs - probs.detach(): the
    value of the draw, the gradient of the probabilities (Bengio et al.'s straight-through
    estimator)."""

    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
