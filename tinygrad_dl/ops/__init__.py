"""The primitive ops: one `Function` subclass each, forward and backward side by side.

Tensor methods (`tinygrad_dl.tensor`) and the public functions (`tinygrad_dl.functional`) are
one-liners over `Op.apply`; this package holds the ops and nothing else.
"""

from .elementwise import (
    Abs,
    Add,
    Clip,
    Div,
    Dropout,
    Exp,
    Log,
    MatMul,
    Maximum,
    Mul,
    Neg,
    Pow,
    ReLU,
    Sigmoid,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .fused import RNN, BatchNorm, SumOfSquares
from .loss import CrossEntropy, LogSoftmax, Softmax
from .reduce import Max, Mean, Sum, Var
from .shape import Concatenate, GetItem, Reshape, Stack, Tap, Transpose

__all__ = [
    "Abs", "Add", "BatchNorm", "Clip", "Concatenate", "CrossEntropy", "Div", "Dropout", "Exp",
    "GetItem",
    "Log", "LogSoftmax", "MatMul", "Max", "Maximum", "Mean", "Mul", "Neg", "Pow", "RNN", "ReLU",
    "Reshape", "Sigmoid", "Softmax", "Sqrt", "Stack", "Sub", "Sum", "SumOfSquares", "Tanh", "Tap",
    "Transpose", "Var", "Where",
]
