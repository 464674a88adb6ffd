"""The elementwise transforms of PyTorch's `torch.distributions.transforms`: ExpTransform,
PowerTransform, SigmoidTransform, SoftplusTransform, TanhTransform and AbsTransform."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from . import constraints
from .bijections import Transform, as_tensor_arg, same_value

__all__ = ["AbsTransform", "ExpTransform", "PowerTransform", "SigmoidTransform",
           "SoftplusTransform", "TanhTransform", "clipped_sigmoid"]


class ExpTransform(Transform):
    """y = exp(x)."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExpTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.exp()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        return as_tensor_arg(x, "ExpTransform")


class PowerTransform(Transform):
    """y = x ** exponent on (0, inf)."""

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        # a number is also kept as a number for the maps, so it takes x's dtype (torch's
        # float32 exponent keeps float32 values float32; a float64 0-d tensor promoted them)
        self._number = float(exponent) if isinstance(exponent, (int, float, np.number)) \
            and not isinstance(exponent, (bool, np.bool_)) else None
        self.exponent = as_tensor_arg(exponent, "PowerTransform")
        if self.exponent.dtype.kind != "f":
            self.exponent = self.exponent.astype(np.float64)

    def _power(self) -> Any:
        return self.exponent if self._number is None else self._number

    def with_cache(self, cache_size: int = 1) -> Transform:
        return self if self._cache_size == cache_size else PowerTransform(
            self.exponent if self._number is None else self._number, cache_size)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PowerTransform) and same_value(self.exponent, other.exponent)

    __hash__ = object.__hash__

    @property
    def sign(self) -> Any:
        return self.exponent.sign()

    def _call(self, x: Tensor) -> Tensor:
        return x.pow(self._power())

    def _inverse(self, y: Tensor) -> Tensor:
        n = self._number
        if n is None:
            return y.pow(1 / self.exponent)
        # 1 / 0 is inf as torch's tensor division (Python's raises ZeroDivisionError)
        return y.pow(math.copysign(math.inf, n) if n == 0 else 1 / n)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x, y = as_tensor_arg(x, "PowerTransform"), as_tensor_arg(y, "PowerTransform")
        return (self._power() * y / x).abs().log()

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        return tuple(np.broadcast_shapes(tuple(shape), self.exponent.shape))

    inverse_shape = forward_shape


def clipped_sigmoid(x: Tensor) -> Tensor:
    """sigmoid(x) kept in [tiny, 1 - eps] of x's dtype (torch's _clipped_sigmoid)."""
    info = np.finfo(x.dtype)
    return x.sigmoid().clamp(min=float(info.tiny), max=float(1 - info.eps))


class SigmoidTransform(Transform):
    """y = sigmoid(x), kept inside (0, 1) as torch's."""

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigmoidTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return clipped_sigmoid(x)

    def _inverse(self, y: Tensor) -> Tensor:
        info = np.finfo(y.dtype)
        y = y.clamp(min=float(info.tiny), max=float(1 - info.eps))
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x = as_tensor_arg(x, "SigmoidTransform")
        return -F.softplus(-x) - F.softplus(x)


class SoftplusTransform(Transform):
    """y = log(1 + exp(x))."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftplusTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return F.softplus(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return (-(-y).expm1()).log() + y

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        return -F.softplus(-as_tensor_arg(x, "SoftplusTransform"))


class TanhTransform(Transform):
    """y = tanh(x) on (-1, 1)."""

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TanhTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.tanh()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.atanh()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x = as_tensor_arg(x, "TanhTransform")  # torch's stable form of log(1 - tanh(x)^2)
        return 2.0 * (math.log(2.0) - x - F.softplus(-2.0 * x))


class AbsTransform(Transform):
    """y = |x| (not bijective: its inverse is y itself)."""

    domain = constraints.real
    codomain = constraints.positive

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AbsTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.abs()

    def _inverse(self, y: Tensor) -> Tensor:
        return y
