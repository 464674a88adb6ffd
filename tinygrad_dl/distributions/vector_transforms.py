"""The affine and vector transforms of PyTorch's `torch.distributions.transforms`:
AffineTransform, SoftmaxTransform, StickBreakingTransform and LowerCholeskyTransform."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from . import constraints
from .bijections import Transform, as_tensor_arg, same_value
from .constraints import Constraint
from .elementwise_transforms import clipped_sigmoid

__all__ = ["AffineTransform", "LowerCholeskyTransform", "SoftmaxTransform",
           "StickBreakingTransform"]


def _param(v: Any, name: str) -> Any:
    """A number kept as a Python number (as torch's), an array as a Tensor."""
    if isinstance(v, Tensor):
        return v
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, np.ndarray):
        return Tensor(v)
    raise TypeError(f"AffineTransform: {name} must be a number or a Tensor, got "
                    f"{type(v).__name__}")


class AffineTransform(Transform):
    """y = loc + scale x, over `event_dim` rightmost dims (its Jacobian summed over them)."""

    bijective = True

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0) -> None:
        if isinstance(event_dim, bool) or not isinstance(event_dim, (int, np.integer)) \
                or event_dim < 0:
            raise ValueError(f"AffineTransform: event_dim must be a non-negative int, got "
                             f"{event_dim!r}")
        super().__init__(cache_size=cache_size)
        self.loc, self.scale = _param(loc, "loc"), _param(scale, "scale")
        self._event_dim = int(event_dim)

    @property
    def event_dim(self) -> int:
        return self._event_dim

    @property
    def domain(self) -> Constraint:  # type: ignore[override]
        return constraints.real if self._event_dim == 0 else constraints.independent(
            constraints.real, self._event_dim)

    codomain = domain

    def with_cache(self, cache_size: int = 1) -> Transform:
        return self if self._cache_size == cache_size else AffineTransform(
            self.loc, self.scale, self._event_dim, cache_size)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, AffineTransform) and same_value(self.loc, other.loc)
                and same_value(self.scale, other.scale))

    __hash__ = object.__hash__

    @property
    def sign(self) -> Any:
        if isinstance(self.scale, float):
            return 1 if self.scale > 0 else -1 if self.scale < 0 else 0
        return self.scale.sign()

    def _call(self, x: Tensor) -> Tensor:
        return self.loc + self.scale * x

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x = as_tensor_arg(x, "AffineTransform")
        shape = x.shape
        if isinstance(self.scale, float):
            result = x.new_full(shape, math.log(abs(self.scale)))
        else:
            result = self.scale.abs().log()
        if self._event_dim:
            n = self._event_dim
            result = result.reshape(result.shape[:result.ndim - n] + (-1,)).sum(-1)
            shape = shape[:len(shape) - n]
        return result.expand(shape)

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        return tuple(np.broadcast_shapes(tuple(shape), getattr(self.loc, "shape", ()),
                                         getattr(self.scale, "shape", ())))

    inverse_shape = forward_shape


def _at_least_1d(shape: Any, who: str) -> tuple[int, ...]:
    shape = tuple(shape)
    if len(shape) < 1:
        raise ValueError(f"{who}: too few dimensions on input: {shape}")
    return shape


class SoftmaxTransform(Transform):
    """Reals to the simplex by softmax over the last dim (not bijective; its inverse is the
    log)."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        probs = (x - x.max(-1, keepdim=True)).exp()
        return probs / probs.sum(-1, keepdim=True)

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        return _at_least_1d(shape, "SoftmaxTransform")

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        return _at_least_1d(shape, "SoftmaxTransform")


class StickBreakingTransform(Transform):
    """Reals of size K to the simplex of size K + 1 by stick breaking (bijective)."""

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StickBreakingTransform)

    __hash__ = object.__hash__

    @staticmethod
    def _offset(x: Tensor, n: int, top: int) -> Tensor:
        return top - x.new_ones((n,)).cumsum(-1)  # literals: a jitted step replays them

    def _call(self, x: Tensor) -> Tensor:
        z = clipped_sigmoid(x - self._offset(x, x.shape[-1], x.shape[-1] + 1).log())
        z_cumprod = (1 - z).cumprod(-1)
        keep = ((0, 0),) * (x.ndim - 1)  # pad the last dim only (F.pad's NumPy form)
        return (F.pad(z, keep + ((0, 1),), value=1.0)
                * F.pad(z_cumprod, keep + ((1, 0),), value=1.0))

    def _inverse(self, y: Tensor) -> Tensor:
        y_crop = y[..., :-1]
        offset = self._offset(y, y_crop.shape[-1], y.shape[-1])
        # clamped so that sf stays positive when y[-1] ~ 0 or y[:-1].sum() ~ 1 (torch's)
        sf = (1 - y_crop.cumsum(-1)).clamp(min=float(np.finfo(y.dtype).tiny))
        return y_crop.log() - sf.log() + offset.log()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x, y = as_tensor_arg(x, "StickBreakingTransform"), as_tensor_arg(
            y, "StickBreakingTransform")
        x = x - self._offset(x, x.shape[-1], x.shape[-1] + 1).log()
        # 1 - sigmoid(x) = exp(-x) sigmoid(x)
        return (-x + F.logsigmoid(x) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        shape = _at_least_1d(shape, "StickBreakingTransform")
        return shape[:-1] + (shape[-1] + 1,)

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        shape = _at_least_1d(shape, "StickBreakingTransform")
        return shape[:-1] + (shape[-1] - 1,)


class LowerCholeskyTransform(Transform):
    """Square matrices to lower-triangular ones with a positive diagonal: the strict lower
    triangle kept, the diagonal exponentiated (not bijective)."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LowerCholeskyTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.tril(-1) + x.diagonal(dim1=-2, dim2=-1).exp().diag_embed()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.tril(-1) + y.diagonal(dim1=-2, dim2=-1).log().diag_embed()
