"""PyTorch's MixtureSameFamily: a Categorical over the rightmost batch dim of a component
distribution (a Gaussian mixture: `MixtureSameFamily(Categorical(logits=w), Normal(mu, s))`);
log_prob by logsumexp over the components, cdf, mean and variance, draws off the graph."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import no_grad
from ..tensor import Tensor
from .categorical import Categorical
from .constraints import Constraint
from .distribution import Distribution, shape_of

__all__ = ["MixtureSameFamily", "MixtureSameFamilyConstraint"]


class MixtureSameFamilyConstraint(Constraint):
    """The component support, checked with the component dim put back (torch's): a value is
    valid where it lies in every component's support."""

    def __init__(self, base_constraint: Constraint) -> None:
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"MixtureSameFamilyConstraint: base_constraint must be a "
                            f"Constraint, got {type(base_constraint).__name__}")
        self.base_constraint = base_constraint
        self.is_discrete = base_constraint.is_discrete
        self.event_dim = base_constraint.event_dim

    def check(self, a: np.ndarray) -> np.ndarray:
        if a.ndim < self.event_dim:
            raise ValueError(f"MixtureSameFamilyConstraint: expected value.dim() >= "
                             f"{self.event_dim} but got {a.ndim}")
        result = np.asarray(self.base_constraint.check(np.expand_dims(a, -1 - self.event_dim)))
        keep = a.ndim - self.event_dim
        return result.reshape(result.shape[:keep] + (-1,)).all(-1)

    def __eq__(self, other: object) -> bool:
        # by value: a jitted step's Tap check holds one, made afresh at each call
        return (isinstance(other, MixtureSameFamilyConstraint)
                and self.base_constraint == other.base_constraint)

    def __hash__(self) -> int:
        return hash((MixtureSameFamilyConstraint, self.base_constraint))

    def __repr__(self) -> str:
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


class MixtureSameFamily(Distribution):
    """A mixture of `component_distribution`'s rightmost batch dim (K components) weighted by
    `mixture_distribution` (a Categorical of K categories)."""

    arg_constraints: dict[str, Constraint] = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical,
                 component_distribution: Distribution, validate_args: bool | None = None
                 ) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError("MixtureSameFamily: the mixture distribution needs to be an "
                             "instance of distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("MixtureSameFamily: the component distribution needs to be an "
                             "instance of distributions.Distribution")
        mdbs = mixture_distribution.batch_shape
        if not component_distribution.batch_shape:
            raise ValueError("MixtureSameFamily: component_distribution needs a batch "
                             "dimension of the components")
        cdbs = component_distribution.batch_shape[:-1]
        for s1, s2 in zip(reversed(mdbs), reversed(cdbs)):
            if s1 != 1 and s2 != 1 and s1 != s2:
                raise ValueError(f"MixtureSameFamily: `mixture_distribution.batch_shape` "
                                 f"({mdbs}) is not compatible with "
                                 f"`component_distribution.batch_shape`({cdbs})")
        km = mixture_distribution.param_shape[-1]
        kc = component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(f"MixtureSameFamily: `mixture_distribution component` ({km}) does "
                             f"not equal `component_distribution.batch_shape[-1]` ({kc})")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._num_component = km
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(cdbs, component_distribution.event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        batch_shape = shape_of(batch_shape, "MixtureSameFamily.expand")
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._component_distribution = self._component_distribution.expand(
            batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._batch_shape = batch_shape
        return new

    @property
    def support(self) -> Constraint:  # type: ignore[override]
        return MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    def _pad(self, x: Tensor) -> Tensor:
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        dist_batch_ndims = len(self.batch_shape)
        cat_batch_ndims = len(self._mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        xs = x.shape
        return x.reshape(xs[:-1] + (1,) * pad_ndims + xs[-1:] + (1,) * self._event_ndims)

    @property
    def mean(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        return (probs * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        comp = self._component_distribution
        mean_cond_var = (probs * comp.variance).sum(-1 - self._event_ndims)
        var_cond_mean = (probs * (comp.mean - self._pad(self.mean)).pow(2.0)).sum(
            -1 - self._event_ndims)
        return mean_cond_var + var_cond_mean

    def cdf(self, value: Any) -> Tensor:
        x = self._pad(value if isinstance(value, Tensor) else Tensor(value))
        return (self._component_distribution.cdf(x) * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, value: Any) -> Tensor:
        x = self._pad(self._validate_sample(value))
        log_prob_x = self._component_distribution.log_prob(x)  # [S, B, k]
        log_mix_prob = self._mixture_distribution.logits.log_softmax(-1)  # [B, k]
        return (log_prob_x + log_mix_prob).logsumexp(-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        sample_shape = shape_of(sample_shape, "MixtureSameFamily.sample")
        with no_grad():
            gather_dim = len(sample_shape) + len(self.batch_shape)
            es = self.event_shape
            mix_sample = self._mixture_distribution.sample(sample_shape)  # [n, B]
            mix_shape = mix_sample.shape
            comp_samples = self._component_distribution.sample(sample_shape)  # [n, B, k, E]
            index = mix_sample.reshape(mix_shape + (1,) * (len(es) + 1))
            index = index.tile((1,) * len(mix_shape) + (1,) + es)  # torch's repeat
            return comp_samples.gather(gather_dim, index).squeeze(gather_dim)

    def __repr__(self) -> str:
        return (f"MixtureSameFamily(\n  {self._mixture_distribution},\n  "
                f"{self._component_distribution})")
