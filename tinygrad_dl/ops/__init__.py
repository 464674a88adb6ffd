"""The primitive ops: one `Function` subclass each, forward and backward side by side.

Tensor methods (`tinygrad_dl.tensor`) and the public functions (`tinygrad_dl.functional`) are
one-liners over `Op.apply`; this package holds the ops and nothing else.
"""

from .binary import Arctan2, Hypot, LogAddExp, Minimum, Mod
from .conv import AvgPool2d, Conv2d, MaxPool2d
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
from .fused import RNN, BatchNorm, Linear, SumOfSquares
from .linalg import Diag, Einsum, Tril, Triu
from .loss import CrossEntropy, LogSoftmax, Softmax
from .reduce import CumSum, LogSumExp, Max, Mean, Min, Prod, Std, Sum, Var
from .shape import (
    BroadcastTo,
    Clone,
    Concatenate,
    Flip,
    GetItem,
    Pad,
    Repeat,
    Reshape,
    Roll,
    Stack,
    Tap,
    Tile,
    Transpose,
)
from .unary import (
    ELU,
    GELU,
    Arccos,
    Arcsin,
    Arctan,
    Cast,
    Ceil,
    Cos,
    Cosh,
    Exp2,
    Expm1,
    Floor,
    LeakyReLU,
    Log1p,
    Log2,
    Log10,
    Reciprocal,
    Round,
    Sign,
    SiLU,
    Sin,
    Sinh,
    Softplus,
    Square,
    Tan,
)

__all__ = [
    "ELU", "GELU", "RNN", "Abs", "Add", "Arccos", "Arcsin", "Arctan", "Arctan2", "AvgPool2d",
    "BatchNorm", "BroadcastTo", "Cast", "Ceil", "Clip", "Concatenate", "Conv2d", "Cos", "Cosh",
    "CrossEntropy", "CumSum", "Diag", "Div", "Dropout", "Einsum", "Exp", "Exp2", "Expm1", "Flip",
    "Floor", "GetItem", "Hypot", "LeakyReLU", "Log", "Log10", "Log1p", "Log2", "LogAddExp",
    "LogSoftmax", "LogSumExp", "MatMul", "Max", "MaxPool2d", "Maximum", "Mean", "Min", "Minimum",
    "Mod", "Mul", "Neg", "Pad", "Pow", "Prod", "ReLU", "Reciprocal", "Repeat", "Reshape", "Roll",
    "Round", "SiLU", "Sigmoid", "Sign", "Sin", "Sinh", "Softmax", "Softplus", "Sqrt", "Square",
    "Stack", "Std", "Sub", "Sum", "SumOfSquares", "Tan", "Tanh", "Tap", "Tile", "Transpose", "Tril",
    "Triu", "Var", "Where",
]
__all__ += ["Clone", "Linear"]  # PyTorch's clone; the fused Linear layer op
