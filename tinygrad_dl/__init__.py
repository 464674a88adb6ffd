"""tinygrad_dl: a small, honest reverse-mode autodiff on NumPy, and the four course models."""

from .engine import Function, enable_grad, is_grad_enabled, name_scope, no_grad, unbroadcast
from .functional import concatenate, maximum, rnn, stack, where
from .tensor import Tensor, as_tensor

zeros = Tensor.zeros
ones = Tensor.ones
randn = Tensor.randn

__version__ = "0.1.0"

__all__ = [
    "Function", "Tensor", "as_tensor", "concatenate", "enable_grad", "is_grad_enabled",
    "maximum", "name_scope", "no_grad", "ones", "randn", "rnn", "stack", "unbroadcast", "where",
    "zeros",
]
