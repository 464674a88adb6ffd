"""PyTorch's TransformedDistribution: a base distribution's draws pushed through transforms
(`TransformedDistribution(Normal(0, 1), [ExpTransform()])` is a log-normal); log_prob by the
change of variables (the base's log_prob of the pulled-back value minus the transforms'
log |det J|), cdf / icdf through monotone transforms."""

from __future__ import annotations

from typing import Any

from ..engine import no_grad
from ..tensor import Tensor
from . import constraints
from .bijections import ComposeTransform, Transform
from .constraints import Constraint
from .distribution import Distribution, shape_of
from .independent import Independent, sum_rightmost

__all__ = ["TransformedDistribution"]


class TransformedDistribution(Distribution):
    """`base_distribution` pushed through `transforms` (a Transform or a list of them, applied
    in order); batch and event shapes as torch's (a transform of event_dim k makes the k
    rightmost dims an event)."""

    arg_constraints: dict[str, Constraint] = {}

    def __init__(self, base_distribution: Distribution, transforms: Any,
                 validate_args: bool | None = None) -> None:
        if not isinstance(base_distribution, Distribution):
            raise TypeError(f"TransformedDistribution: base_distribution must be a "
                            f"Distribution, got {type(base_distribution).__name__}")
        if isinstance(transforms, Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list):
            if not all(isinstance(t, Transform) for t in transforms):
                raise ValueError("TransformedDistribution: transforms must be a Transform or "
                                 "a list of Transforms")
            self.transforms = transforms
        else:
            raise ValueError(f"TransformedDistribution: transforms must be a Transform or "
                             f"list, but was {type(transforms).__name__}")
        base_shape = base_distribution.batch_shape + base_distribution.event_shape
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(self.transforms)
        if len(base_shape) < transform.domain.event_dim:
            raise ValueError(f"TransformedDistribution: base_distribution needs to have shape "
                             f"with size at least {transform.domain.event_dim}, but got "
                             f"{base_shape}")
        forward_shape = transform.forward_shape(base_shape)
        expanded_base_shape = transform.inverse_shape(forward_shape)
        if base_shape != expanded_base_shape:
            base_distribution = base_distribution.expand(
                expanded_base_shape[:len(expanded_base_shape) - base_event_dim])
        reinterpreted = transform.domain.event_dim - base_event_dim
        if reinterpreted > 0:
            base_distribution = Independent(base_distribution, reinterpreted)
        self.base_dist = base_distribution
        change = transform.codomain.event_dim - transform.domain.event_dim
        event_dim = max(transform.codomain.event_dim, base_event_dim + change)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        batch_shape = shape_of(batch_shape, "TransformedDistribution.expand")
        shape: tuple[int, ...] = batch_shape + self.event_shape
        for t in reversed(self.transforms):
            shape = t.inverse_shape(shape)
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        k = len(self._batch_shape)
        for attr, v in self.__dict__.items():  # a family's own parameters (Weibull's scale)
            if isinstance(v, Tensor) and not attr.startswith("_") and \
                    v.shape[:k] == self._batch_shape:
                new.__dict__[attr] = v.broadcast_to(batch_shape + v.shape[k:])
        new.base_dist = self.base_dist.expand(shape[:len(shape)
                                                    - len(self.base_dist.event_shape)])
        new._batch_shape = batch_shape
        return new

    @property
    def support(self) -> Constraint:  # type: ignore[override]
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self.event_shape) > support.event_dim:
            support = constraints.independent(support, len(self.event_shape)
                                              - support.event_dim)
        return support

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            x = self.base_dist.sample(sample_shape)
            for transform in self.transforms:
                x = transform(x)
            return x

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        x = self.base_dist.rsample(sample_shape)
        for transform in self.transforms:
            x = transform(x)
        return x

    def log_prob(self, value: Any) -> Tensor:
        y = self._validate_sample(value) if self._validate_args else (
            value if isinstance(value, Tensor) else Tensor(value))
        event_dim = len(self.event_shape)
        log_prob: Any = 0.0
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            event_dim += transform.domain.event_dim - transform.codomain.event_dim
            log_prob = log_prob - sum_rightmost(transform.log_abs_det_jacobian(x, y),
                                                event_dim - transform.domain.event_dim)
            y = x
        return log_prob + sum_rightmost(self.base_dist.log_prob(y),
                                        event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value: Tensor) -> Tensor:
        """cdf values turned around (1 - p) where the transforms decrease."""
        sign: Any = 1
        for transform in self.transforms:
            sign = sign * transform.sign
        if isinstance(sign, int) and sign == 1:
            return value
        if isinstance(sign, Tensor) and sign.ndim == 0 and sign.dtype != value.dtype:
            # a 0-d sign (PowerTransform(-0.5)'s, float64) does not promote the values, as
            # torch's 0-d tensors do not: float32 cdfs stay float32
            sign = sign.astype(value.dtype)
        return sign * (value - 0.5) + 0.5

    def cdf(self, value: Any) -> Tensor:
        value = value if isinstance(value, Tensor) else Tensor(value)
        for transform in self.transforms[::-1]:
            value = transform.inv(value)
        if self._validate_args:  # torch checks the pulled-back value against the base's support
            if self.base_dist._validate_args:
                self.base_dist._validate_sample(value)
            else:  # (even where the base itself does not validate)
                self.base_dist._check_support(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value: Any) -> Tensor:
        value = value if isinstance(value, Tensor) else Tensor(value)
        value = self.base_dist.icdf(self._monotonize_cdf(value))
        for transform in self.transforms:
            value = transform(value)
        return value
