"""PyTorch's `torch.distributions.constraint_registry`: `biject_to(constraint)`, a bijective
transform from the reals onto the constraint's region, and `transform_to(constraint)`, a
transform that may not be bijective (softmax onto the simplex); for optimizing a constrained
parameter unconstrained (`p = transform_to(constraints.positive)(u)`). The choices are torch's
(positive maps through exp then an affine map by 0, as torch's registry gives)."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

from . import constraints
from .bijections import ComposeTransform, IndependentTransform, Transform, identity_transform
from .constraints import Constraint
from .elementwise_transforms import ExpTransform, SigmoidTransform
from .vector_transforms import (
    AffineTransform,
    LowerCholeskyTransform,
    SoftmaxTransform,
    StickBreakingTransform,
)

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]


class ConstraintRegistry:
    """Factories of transforms, by constraint type: `register(constraint, factory)` (or as a
    decorator), and `registry(constraint)` the transform for a constraint."""

    def __init__(self) -> None:
        self._registry: dict[type, Callable[[Any], Transform]] = {}

    def register(self, constraint: Any, factory: Callable[[Any], Transform] | None = None
                 ) -> Any:
        if factory is None:
            return lambda f: self.register(constraint, f)
        if isinstance(constraint, Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint, Constraint):
            raise TypeError(f"register: expected constraint to be either a Constraint "
                            f"subclass or instance, but got {constraint!r}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: Any) -> Transform:
        factory = self._registry.get(type(constraint))
        if factory is None:
            raise NotImplementedError(f"Cannot transform {type(constraint).__name__} "
                                      "constraints")
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _real(constraint: Any) -> Transform:
    return identity_transform


def _independent(constraint: Any, registry: ConstraintRegistry) -> Transform:
    return IndependentTransform(registry(constraint.base), constraint.reinterpreted_batch_ndims)


def _greater_than(constraint: Any) -> Transform:
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.lower_bound, 1)])


def _less_than(constraint: Any) -> Transform:
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.upper_bound, -1)])


def _interval(constraint: Any) -> Transform:
    low, high = constraint.lower_bound, constraint.upper_bound
    if (isinstance(low, numbers.Number) and low == 0 and isinstance(high, numbers.Number)
            and high == 1):
        return SigmoidTransform()
    return ComposeTransform([SigmoidTransform(), AffineTransform(low, high - low)])


for _registry in (biject_to, transform_to):
    _registry.register(constraints.real, _real)
    _registry.register(constraints.greater_than(0.0), _greater_than)
    _registry.register(constraints.greater_than_eq(0.0), _greater_than)
    _registry.register(constraints.less_than(0.0), _less_than)
    _registry.register(constraints.unit_interval, _interval)
    _registry.register(constraints.interval(0.0, 1.0), _interval)
    _registry.register(constraints.half_open_interval(0.0, 1.0), _interval)  # (torch's too)
biject_to.register(constraints.real_vector, lambda c: _independent(c, biject_to))
transform_to.register(constraints.real_vector, lambda c: _independent(c, transform_to))
biject_to.register(constraints.simplex, lambda c: StickBreakingTransform())
transform_to.register(constraints.simplex, lambda c: SoftmaxTransform())
transform_to.register(constraints.lower_cholesky, lambda c: LowerCholeskyTransform())
