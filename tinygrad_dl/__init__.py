"""tinygrad_dl: a small, honest reverse-mode autodiff on NumPy, and the four course models."""

from . import ops as _ops  # noqa: F401  (registers the ops as Tensor methods)
from .ops import concatenate, maximum, rnn, stack, where
from .tensor import (
    Function,
    Tensor,
    enable_grad,
    is_grad_enabled,
    name_scope,
    no_grad,
    ones,
    randn,
    unbroadcast,
    zeros,
)

__version__ = "0.1.0"

__all__ = [
    "Function", "Tensor", "concatenate", "enable_grad", "is_grad_enabled", "maximum",
    "name_scope", "no_grad", "ones", "randn", "rnn", "stack", "unbroadcast", "where", "zeros",
]
