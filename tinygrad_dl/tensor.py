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
    ELU,
    GELU,
    Abs,
    Add,
    Arccos,
    Arcsin,
    Arctan,
    Arctan2,
    BroadcastTo,
    Ceil,
    Clip,
    Cos,
    Cosh,
    CumSum,
    Diag,
    Div,
    Einsum,
    Exp,
    Exp2,
    Expm1,
    Flip,
    Floor,
    GetItem,
    Hypot,
    LeakyReLU,
    Log,
    Log1p,
    Log2,
    Log10,
    LogAddExp,
    LogSumExp,
    MatMul,
    Max,
    Maximum,
    Mean,
    Min,
    Minimum,
    Mod,
    Mul,
    Neg,
    Pow,
    Prod,
    Reciprocal,
    ReLU,
    Repeat,
    Reshape,
    Roll,
    Round,
    Sigmoid,
    Sign,
    SiLU,
    Sin,
    Sinh,
    Softplus,
    Sqrt,
    Square,
    Sub,
    Sum,
    Tan,
    Tanh,
    Tile,
    Transpose,
    Tril,
    Triu,
    Var,
)
from .ops.linalg import dot_subscripts
from .ops.shape import axis_of, flat_shape, moved_axes, new_shape

Axis = int | Sequence[int] | None


def _as_data(x: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(x, np.ndarray):
        if type(x) is not np.ndarray:  # a subclass (np.matrix, a jit-watched step input)
            if isinstance(x, np.ma.MaskedArray):
                raise TypeError("Tensor(): got a masked array, whose mask no op would honour; "
                                "pass x.filled(value) or x.compressed()")
            x = x.view(np.ndarray)  # ops compute on plain arrays: same memory, same numbers
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    if isinstance(x, Tensor):
        return _as_data(x.data, dtype)
    if isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in x):
        raise TypeError(
            "Tensor(): got a list of Tensors; use tinygrad_dl.stack(tensors) to join them and "
            "keep their gradients (or [t.item() for t in tensors] for constants)"
        )
    try:
        arr = np.asarray(x, dtype=dtype)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"Tensor(): cannot make an array from {str(x)[:60]!r}: {e}") from None
    if arr.dtype == object:
        raise TypeError(f"Tensor(): cannot make a numeric array from {type(x).__name__} "
                        f"{str(x)[:60]!r} (NumPy would give an object array)")
    if dtype is None and arr.dtype.kind in "biu" and not isinstance(x, np.generic):
        arr = arr.astype(np.float64)  # Python numbers and lists default to float64
    if engine.recording() and _is_literal(x):  # jit: a constant written in the step's code
        engine.literal(arr)
    return arr


def _is_literal(x: Any) -> bool:
    """Python numbers, or (nested) lists and tuples of them: a literal in the code."""
    if type(x) in (list, tuple):
        return all(_is_literal(v) for v in x)
    return type(x) in (int, float, bool, complex)


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """`x` itself if a Tensor, else a constant Tensor; Python numbers take `like`'s float dtype
    (so `0.5 * x` keeps float32 float32)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float)) and like.data.dtype.kind == "f":
        a = np.asarray(x, dtype=like.data.dtype)
        return Tensor(engine.literal(a) if type(x) in (int, float, bool) else a)
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
        a = np.asarray(index)
        return engine.literal(a) if _is_literal(index) else a
    return index


def _no_grad_result(data: np.ndarray) -> Tensor:
    """A constant (no-gradient) tensor: comparisons and argmax/argmin."""
    return Tensor(data)


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
        data = engine.literal(np.zeros(_shape(shape), dtype=dtype))
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
        data = engine.literal(np.ones(_shape(shape), dtype=dtype))
        return Tensor(data, requires_grad=requires_grad)

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

    # ---- values handed to Python: each one goes through engine.notify_read, so a jit
    # recording knows the step's Python saw the data (replay would freeze what it did) -----
    def numpy(self) -> np.ndarray:
        engine.notify_read(self, ".numpy()")
        return self.data

    def item(self) -> float:
        engine.notify_read(self, ".item()")
        return self.data.item()

    def _scalar(self, kind: str) -> Any:
        if self.data.size != 1:
            raise TypeError(f"{kind}() of a tensor of shape {self.shape}: only one-element "
                            "tensors can be converted to Python scalars")
        engine.notify_read(self, f"{kind}()")
        return self.data.item()

    def __float__(self) -> float: return float(self._scalar("float"))
    def __int__(self) -> int: return int(self._scalar("int"))
    def __bool__(self) -> bool: return bool(self._scalar("bool"))
    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return int(self._scalar("index"))

    def tolist(self) -> Any:
        engine.notify_read(self, ".tolist()")
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """np.asarray(t), np.array(t): the values (a copy if a dtype or copy=True asks)."""
        engine.notify_read(self, "np.asarray()")
        a = self.data
        if dtype is not None and a.dtype != dtype:
            if copy is False:
                raise ValueError(f"np.asarray(tensor, dtype={np.dtype(dtype)}, copy=False): "
                                 f"the tensor holds {a.dtype}, so a copy is needed")
            return a.astype(dtype)
        return a.copy() if copy else a

    def __format__(self, spec: str) -> str:
        """f"{loss:.4f}" formats a one-element tensor's value, as PyTorch's does."""
        if not spec:
            return str(self)
        if self.data.size != 1:
            raise TypeError(f"format spec {spec!r} for a tensor of shape {self.shape}: only "
                            "one-element tensors format as a number; format t.tolist() instead")
        engine.notify_read(self, "formatting")
        return format(self.data.item(), spec)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        engine.notify_read(self, "repr()")
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
        engine.notify_write("Tensor.zero_grad()")
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
            grad = engine.literal(np.ones(self.data.shape, self.data.dtype))
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

    # ---- more arithmetic and elementwise math (ops/binary.py, ops/unary.py) -----------------
    def __mod__(self, other: Any) -> Tensor: return Mod.apply(self, as_tensor(other, self))
    def __rmod__(self, other: Any) -> Tensor: return Mod.apply(as_tensor(other, self), self)
    def mod(self, other: Any) -> Tensor: return Mod.apply(self, as_tensor(other, self))
    def remainder(self, other: Any) -> Tensor: return Mod.apply(self, as_tensor(other, self))
    def minimum(self, other: Any) -> Tensor: return Minimum.apply(self, as_tensor(other, self))
    def arctan2(self, x: Any) -> Tensor: return Arctan2.apply(self, as_tensor(x, self))
    def hypot(self, other: Any) -> Tensor: return Hypot.apply(self, as_tensor(other, self))
    def logaddexp(self, other: Any) -> Tensor: return LogAddExp.apply(self, as_tensor(other, self))
    def sin(self) -> Tensor: return Sin.apply(self)
    def cos(self) -> Tensor: return Cos.apply(self)
    def tan(self) -> Tensor: return Tan.apply(self)
    def arcsin(self) -> Tensor: return Arcsin.apply(self)
    def arccos(self) -> Tensor: return Arccos.apply(self)
    def arctan(self) -> Tensor: return Arctan.apply(self)
    def sinh(self) -> Tensor: return Sinh.apply(self)
    def cosh(self) -> Tensor: return Cosh.apply(self)
    def log1p(self) -> Tensor: return Log1p.apply(self)
    def expm1(self) -> Tensor: return Expm1.apply(self)
    def log2(self) -> Tensor: return Log2.apply(self)
    def log10(self) -> Tensor: return Log10.apply(self)
    def exp2(self) -> Tensor: return Exp2.apply(self)
    def square(self) -> Tensor: return Square.apply(self)
    def reciprocal(self) -> Tensor: return Reciprocal.apply(self)
    def sign(self) -> Tensor: return Sign.apply(self)
    def floor(self) -> Tensor: return Floor.apply(self)
    def ceil(self) -> Tensor: return Ceil.apply(self)
    def round(self) -> Tensor: return Round.apply(self)
    def softplus(self) -> Tensor: return Softplus.apply(self)
    def leaky_relu(self, slope: float = 0.01) -> Tensor: return LeakyReLU.apply(self, slope=slope)
    def elu(self, alpha: float = 1.0) -> Tensor: return ELU.apply(self, alpha=alpha)
    def gelu(self) -> Tensor: return GELU.apply(self)
    def silu(self) -> Tensor: return SiLU.apply(self)

    # ---- comparisons: constant bool tensors (no gradient), usable as where's condition ------
    def __lt__(self, other: Any) -> Tensor: return _no_grad_result(self.data < _as_data(other))
    def __le__(self, other: Any) -> Tensor: return _no_grad_result(self.data <= _as_data(other))
    def __gt__(self, other: Any) -> Tensor: return _no_grad_result(self.data > _as_data(other))
    def __ge__(self, other: Any) -> Tensor: return _no_grad_result(self.data >= _as_data(other))
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _no_grad_result(self.data == _as_data(other))
    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _no_grad_result(self.data != _as_data(other))
    __hash__ = object.__hash__  # identity, as before: tensors stay usable as dict keys

    # ---- more reductions (ops/reduce.py) ----------------------------------------------------
    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Min.apply(self, axis=axis, keepdims=keepdims)

    def prod(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Prod.apply(self, axis=axis, keepdims=keepdims)

    def std(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return Var.apply(self, axis=axis, keepdims=keepdims, ddof=ddof).sqrt()

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis: int | None = None) -> Tensor: return CumSum.apply(self, axis=axis)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return _no_grad_result(np.asarray(self.data.argmax(axis=axis, keepdims=keepdims)))

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return _no_grad_result(np.asarray(self.data.argmin(axis=axis, keepdims=keepdims)))

    # ---- linear algebra (ops/linalg.py; dot/trace compose einsum and diag) ------------------
    def dot(self, other: Any) -> Tensor:
        return Einsum.apply(self, as_tensor(other, self),
                            subscripts=dot_subscripts(self.ndim, np.ndim(_as_data(other))))

    def diagonal(self, k: int = 0) -> Tensor:
        if self.ndim != 2:
            raise ValueError(f"diagonal needs a 2-D tensor, got shape {self.shape}")
        return Diag.apply(self, k=k)

    def trace(self, k: int = 0) -> Tensor: return self.diagonal(k).sum()
    def tril(self, k: int = 0) -> Tensor: return Tril.apply(self, k=k)
    def triu(self, k: int = 0) -> Tensor: return Triu.apply(self, k=k)

    # ---- more shape ops (reshape/transpose compositions, or ops/shape.py) -------------------
    def squeeze(self, axis: Axis = None) -> Tensor:
        return Reshape.apply(self, shape=new_shape("squeeze", self.shape,
                                                    lambda a: np.squeeze(a, axis)))

    def expand_dims(self, axis: Axis) -> Tensor:
        return Reshape.apply(self, shape=new_shape("expand_dims", self.shape,
                                                    lambda a: np.expand_dims(a, axis)))

    def unsqueeze(self, axis: int) -> Tensor: return self.expand_dims(axis)

    def flatten(self, start: int = 0, end: int = -1) -> Tensor:
        return Reshape.apply(self, shape=flat_shape(self.shape, start, end))

    def swapaxes(self, a: int, b: int) -> Tensor:
        axes = list(range(self.ndim))
        a, b = axis_of("swapaxes", a, self.ndim), axis_of("swapaxes", b, self.ndim)
        axes[a], axes[b] = b, a
        return Transpose.apply(self, axes=tuple(axes))

    def moveaxis(self, source: Any, destination: Any) -> Tensor:
        return Transpose.apply(self, axes=moved_axes("moveaxis", self.ndim, source, destination))

    def permute(self, *axes: Any) -> Tensor: return self.transpose(*axes)

    def broadcast_to(self, shape: Any) -> Tensor:
        return BroadcastTo.apply(self, shape=new_shape(
            "broadcast_to", self.shape, lambda a: np.broadcast_to(a, shape)))

    def repeat(self, repeats: Any, axis: int | None = None) -> Tensor:
        return Repeat.apply(self, repeats=repeats, axis=axis)

    def tile(self, reps: Any) -> Tensor: return Tile.apply(self, reps=reps)
    def flip(self, axis: Axis = None) -> Tensor: return Flip.apply(self, axis=axis)

    def roll(self, shift: Any, axis: Axis = None) -> Tensor:
        return Roll.apply(self, shift=shift, axis=axis)

