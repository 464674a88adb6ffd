"""Tensor: an n-d array that records the ops applied to it, for reverse-mode autodiff.

Every method below is a one-liner over an op's `Function.apply` (the ops are in
`tinygrad_dl.ops`, the engine that records and backpropagates them in `tinygrad_dl.engine`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import engine
from .ops import (
    Abs,
    Add,
    Clip,
    Div,
    Exp,
    GetItem,
    Log,
    MatMul,
    Max,
    Maximum,
    Mean,
    Mul,
    Neg,
    Pow,
    ReLU,
    Reshape,
    Sigmoid,
    Sqrt,
    Sub,
    Sum,
    Tanh,
    Transpose,
    Var,
)

Axis = int | Sequence[int] | None


def _as_data(x: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    if isinstance(x, Tensor):
        return _as_data(x.data, dtype)
    arr = np.asarray(x, dtype=dtype)
    if dtype is None and arr.dtype.kind in "biu" and not isinstance(x, np.generic):
        arr = arr.astype(np.float64)  # Python numbers and lists default to float64
    return arr


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """`x` itself if a Tensor, else a constant Tensor; Python numbers take `like`'s float dtype
    (so `0.5 * x` keeps float32 float32)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float)) and like.data.dtype.kind == "f":
        return Tensor(np.asarray(x, dtype=like.data.dtype))
    return Tensor(x)


def _shape(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], Iterable):
        return tuple(shape[0])
    return tuple(shape)


def _index(index: Any) -> Any:
    """An index with its Tensors read as arrays (lists as integer/boolean arrays)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


class Tensor:
    """An n-d array that remembers the op that produced it, for reverse-mode autodiff.

    Rows are samples: a batch of n d-dimensional inputs is an (n, d) Tensor.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "name", "_retain", "__weakref__")
    __array_ufunc__ = None  # make `ndarray op Tensor` defer to Tensor's reflected operators
    __array_priority__ = 1000

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if type(data) is not np.ndarray or dtype is not None:
            data = _as_data(data, dtype)
        if requires_grad and data.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require grad, got dtype {data.dtype}"
                f"{f' for {name!r}' if name else ''}; cast with .astype(np.float64) first"
            )
        self.data: np.ndarray = data
        self.grad: np.ndarray | None = None
        self.requires_grad: bool = bool(requires_grad)
        self._ctx: engine.Function | None = None  # the op that made this tensor, if recorded
        self.name = name
        self._retain = False  # keep .grad although not a leaf (retain_grad)

    # ---- constructors ----------------------------------------------------------------------
    @staticmethod
    def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
        return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)

    @staticmethod
    def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
        return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)

    @staticmethod
    def randn(
        *shape: Any,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
        requires_grad: bool = False,
    ) -> Tensor:
        rng = np.random.default_rng() if rng is None else rng
        data = rng.standard_normal(_shape(shape)).astype(dtype, copy=False)
        return Tensor(data, requires_grad=requires_grad)

    # ---- introspection -------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return self.data.item()

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        extra = ""
        if self._ctx is not None:
            extra = f", op={self._ctx.name}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        body = np.array2string(self.data, precision=4, threshold=20, separator=", ")
        return f"Tensor({body}, dtype={self.data.dtype}{extra})"

    def detach(self) -> Tensor:
        return Tensor(self.data)

    def astype(self, dtype: Any) -> Tensor:
        return Tensor(self.data.astype(dtype), requires_grad=self.requires_grad, name=self.name)

    def zero_grad(self) -> None:
        self.grad = None

    def retain_grad(self) -> Tensor:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        self._retain = True
        return self

    # ---- backprop ----------------------------------------------------------------------------
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` that requires grad.

        `grad` is the gradient of some scalar w.r.t. this tensor; it defaults to 1 for a
        one-element tensor. Saved intermediates are freed afterwards unless retain_graph.
        """
        if not self.requires_grad:
            raise RuntimeError(
                f"backward() on a tensor that does not require grad (shape {self.shape}): "
                "no input of the graph has requires_grad=True, or it was built under no_grad()"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() on a non-scalar tensor of shape {self.shape} needs an explicit "
                    "grad of that shape (the gradient of the final scalar w.r.t. this tensor)"
                )
            grad = np.ones(self.data.shape, self.data.dtype)
        else:
            grad = _as_data(grad, self.data.dtype)
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(): grad has shape {grad.shape} but the tensor has shape {self.shape}"
                )
        engine.backward(self, grad, retain_graph)

    def draw(self, **kwargs: Any) -> Any:
        """The graphviz.Digraph of the graph that produced this tensor (see viz.draw_graph)."""
        from .viz import draw_graph  # the one upward import: drawing is optional here

        return draw_graph(self, **kwargs)

    # ---- arithmetic (NumPy broadcasting; constants on either side) --------------------------
    def __add__(self, other: Any) -> Tensor: return Add.apply(self, as_tensor(other, self))
    def __radd__(self, other: Any) -> Tensor: return Add.apply(as_tensor(other, self), self)
    def __sub__(self, other: Any) -> Tensor: return Sub.apply(self, as_tensor(other, self))
    def __rsub__(self, other: Any) -> Tensor: return Sub.apply(as_tensor(other, self), self)
    def __mul__(self, other: Any) -> Tensor: return Mul.apply(self, as_tensor(other, self))
    def __rmul__(self, other: Any) -> Tensor: return Mul.apply(as_tensor(other, self), self)
    def __truediv__(self, other: Any) -> Tensor: return Div.apply(self, as_tensor(other, self))
    def __rtruediv__(self, other: Any) -> Tensor: return Div.apply(as_tensor(other, self), self)
    def __pow__(self, other: Any) -> Tensor: return Pow.apply(self, as_tensor(other, self))
    def __rpow__(self, other: Any) -> Tensor: return Pow.apply(as_tensor(other, self), self)
    def __matmul__(self, other: Any) -> Tensor: return MatMul.apply(self, as_tensor(other, self))
    def __rmatmul__(self, other: Any) -> Tensor: return MatMul.apply(as_tensor(other, self), self)
    def __neg__(self) -> Tensor: return Neg.apply(self)
    def __abs__(self) -> Tensor: return Abs.apply(self)
    def matmul(self, other: Any) -> Tensor: return MatMul.apply(self, as_tensor(other, self))
    def pow(self, other: Any) -> Tensor: return Pow.apply(self, as_tensor(other, self))
    def maximum(self, other: Any) -> Tensor: return Maximum.apply(self, as_tensor(other, self))

    # ---- elementwise functions --------------------------------------------------------------
    def exp(self) -> Tensor: return Exp.apply(self)
    def log(self) -> Tensor: return Log.apply(self)
    def sqrt(self) -> Tensor: return Sqrt.apply(self)
    def abs(self) -> Tensor: return Abs.apply(self)
    def relu(self) -> Tensor: return ReLU.apply(self)
    def tanh(self) -> Tensor: return Tanh.apply(self)
    def sigmoid(self) -> Tensor: return Sigmoid.apply(self)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        return Clip.apply(self, lo=lo, hi=hi)

    # ---- reductions -------------------------------------------------------------------------
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Mean.apply(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return Var.apply(self, axis=axis, keepdims=keepdims, ddof=ddof)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Max.apply(self, axis=axis, keepdims=keepdims)

    # ---- shape ------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor: return Reshape.apply(self, shape=_shape(shape))
    def __getitem__(self, index: Any) -> Tensor: return GetItem.apply(self, index=_index(index))

    def transpose(self, *axes: Any) -> Tensor:
        return Transpose.apply(self, axes=_shape(axes) or None)

    @property
    def T(self) -> Tensor:
        return Transpose.apply(self, axes=None)
