"""The primitive ops, and the short registry that makes them methods and operators of Tensor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Function, Tensor
from .batchnorm import BatchNorm, batch_norm
from .elementwise import (
    Abs,
    Add,
    Clip,
    Div,
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
from .nn import CrossEntropy, LogSoftmax, Softmax
from .reduce import Max, Mean, Sum, Var
from .rnn import RNN, rnn
from .shape import Concatenate, GetItem, Reshape, Stack, Transpose

__all__ = [
    "Abs", "Add", "Clip", "Concatenate", "CrossEntropy", "Div", "Exp", "GetItem", "Log",
    "LogSoftmax", "MatMul", "Max", "Maximum", "Mean", "Mul", "Neg", "Pow", "ReLU", "Reshape",
    "Sigmoid", "Softmax", "Sqrt", "Stack", "Sub", "Sum", "Tanh", "Transpose", "Var", "Where",
    "concatenate", "stack", "where", "maximum", "register", "RNN", "rnn", "BatchNorm",
    "batch_norm",
]


def register(name: str, fn: type[Function], reflected: str | None = None) -> None:
    """Make `fn` the Tensor method `name` (and, for binary ops, its reflected operator)."""
    def method(self: Tensor, other: Any = None, **params: Any) -> Tensor:
        if other is None:
            return fn.apply(self, **params)
        return fn.apply(self, self._lift(other), **params)

    def rmethod(self: Tensor, other: Any) -> Tensor:
        return fn.apply(self._lift(other), self)

    method.__name__ = name
    method.__doc__ = fn.__doc__
    setattr(Tensor, name, method)
    if reflected:
        rmethod.__name__ = reflected
        setattr(Tensor, reflected, rmethod)


for _name, _fn, _rname in [
    ("__add__", Add, "__radd__"),
    ("__sub__", Sub, "__rsub__"),
    ("__mul__", Mul, "__rmul__"),
    ("__truediv__", Div, "__rtruediv__"),
    ("__pow__", Pow, "__rpow__"),
    ("__matmul__", MatMul, "__rmatmul__"),
    ("maximum", Maximum, None),
    ("__neg__", Neg, None),
    ("exp", Exp, None),
    ("log", Log, None),
    ("sqrt", Sqrt, None),
    ("abs", Abs, None),
    ("relu", ReLU, None),
    ("tanh", Tanh, None),
    ("sigmoid", Sigmoid, None),
]:
    register(_name, _fn, _rname)

Tensor.matmul = Tensor.__matmul__
Tensor.__abs__ = Tensor.abs
Tensor.pow = Tensor.__pow__


def _sum(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Sum.apply(self, axis=axis, keepdims=keepdims)


def _mean(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Mean.apply(self, axis=axis, keepdims=keepdims)


def _var(self: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    return Var.apply(self, axis=axis, keepdims=keepdims, ddof=ddof)


def _max(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Max.apply(self, axis=axis, keepdims=keepdims)


def _clip(self: Tensor, lo: float | None = None, hi: float | None = None) -> Tensor:
    return Clip.apply(self, lo=lo, hi=hi)


def _reshape(self: Tensor, *shape: Any) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return Reshape.apply(self, shape=shape)


def _transpose(self: Tensor, *axes: Any) -> Tensor:
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    return Transpose.apply(self, axes=axes or None)


def _getitem(self: Tensor, index: Any) -> Tensor:
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    elif isinstance(index, list):
        index = np.asarray(index)
    return GetItem.apply(self, index=index)


for _name, _f in [("sum", _sum), ("mean", _mean), ("var", _var), ("max", _max),
                  ("clip", _clip), ("reshape", _reshape), ("transpose", _transpose),
                  ("__getitem__", _getitem)]:
    setattr(Tensor, _name, _f)


def _lift_all(xs: Sequence[Any]) -> list[Tensor]:
    ref = next((x for x in xs if isinstance(x, Tensor)), None)
    return [ref._lift(x) if ref is not None else Tensor(x) for x in xs]


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    return Concatenate.apply(*_lift_all(tensors), axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    return Stack.apply(*_lift_all(tensors), axis=axis)


def where(cond: Any, x: Any, y: Any) -> Tensor:
    """Elementwise x where cond else y; cond is a constant (its gradient is not defined)."""
    cond = np.asarray(cond.data if isinstance(cond, Tensor) else cond, dtype=bool)
    x, y = _lift_all([x, y])
    try:  # Function.apply's message would name only x's and y's shapes
        np.broadcast_shapes(cond.shape, x.shape, y.shape)
    except ValueError:
        raise ValueError(
            f"Where: cannot broadcast cond {cond.shape}, x {x.shape} and y {y.shape} together"
        ) from None
    return Where.apply(x, y, cond=cond)


def maximum(x: Any, y: Any) -> Tensor:
    x, y = _lift_all([x, y])
    return Maximum.apply(x, y)
