"""Activation layers, PyTorch's names: each a Module over one Tensor method or function."""

from __future__ import annotations

import warnings
from typing import Any

from ..functional import log_softmax, softmax
from ..tensor import Tensor
from .layers import Module


class Identity(Module):
    """x itself (a placeholder layer); constructor arguments are ignored, as in PyTorch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class GELU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.gelu()


class SiLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.silu()


class Softplus(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.softplus()


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return x.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return x.elu(self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


def _dim(dim: int | None, x: Tensor, who: str) -> int:
    """PyTorch's legacy choice when dim is not given (0 for 0-, 1- and 3-d input, else 1), with
    PyTorch's warning: the choice is rarely what was meant for batched input."""
    if dim is not None:
        return dim
    warnings.warn(f"{who}: implicit dimension choice is deprecated; give dim= "
                  f"(e.g. {who}(dim=-1))", stacklevel=3)
    return 0 if x.ndim in (0, 1, 3) else 1


class Softmax(Module):
    """softmax along `dim`: the values along it are positive and sum to 1."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return softmax(x, _dim(self.dim, x, "Softmax"))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax along `dim`, computed without the log of an underflowed probability."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return log_softmax(x, _dim(self.dim, x, "LogSoftmax"))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
