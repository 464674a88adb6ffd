"""Tensor: an n-d array that records the ops applied to it, for reverse-mode autodiff.

Every method below is a one-liner over an op's `Function.apply` (the ops are in
`tinygrad_dl.ops`, the engine that records and backpropagates them in `tinygrad_dl.engine`),
or a short composition of them (std, trace, rot90, diff, sort). Methods take NumPy's argument
names and PyTorch's (`axis=`/`dim=`, `keepdims=`/`keepdim=`: ops/spelling.py). Each is an op
of the op table (tinygrad_dl.optable), which also makes its `tinygrad_dl.<name>` function.
"""

from __future__ import annotations

import copy
import dis
import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from . import engine, hooks, write_guard
from .device import CPU, check_device
from .device import device as Device
from .ops import (
    ELU,
    GELU,
    Abs,
    Add,
    Arccos,
    Arccosh,
    Arcsin,
    Arcsinh,
    Arctan,
    Arctan2,
    Arctanh,
    BroadcastTo,
    Cast,
    Ceil,
    Clip,
    Clone,
    Concatenate,
    Cos,
    Cosh,
    CumProd,
    CumSum,
    Diagonal,
    Div,
    Einsum,
    Exp,
    Exp2,
    Expm1,
    Flip,
    Floor,
    Fmax,
    Fmin,
    GetItem,
    Hypot,
    LeakyReLU,
    Log,
    Log1p,
    Log2,
    Log10,
    LogAddExp,
    LogAddExp2,
    LogSoftmax,
    LogSumExp,
    MatMul,
    Max,
    Maximum,
    Mean,
    Min,
    Minimum,
    Mod,
    Mul,
    NanToNum,
    Neg,
    Norm,
    Pow,
    PReLU,
    Prod,
    Reciprocal,
    ReLU,
    Repeat,
    Reshape,
    Roll,
    Round,
    Scatter,
    Sigmoid,
    Sign,
    SiLU,
    Sin,
    Sinc,
    Sinh,
    Softmax,
    Softplus,
    Sqrt,
    Square,
    Std,
    Sub,
    Sum,
    TakeAlongAxis,
    Tan,
    Tanh,
    Tap,
    Tile,
    Transpose,
    Tril,
    Triu,
    Var,
    VectorNorm,
    Where,
)
from .ops.linalg import dot_subscripts
from .ops.shape import (
    InRange,
    axis_of,
    brief_index,
    check_gather,
    check_scatter,
    flat_shape,
    moved_axes,
    new_shape,
)
from .ops.spelling import (
    NOT_GIVEN,
    ddof_of,
    numpy_keywords,
    one_name,
    sort_order,
    spellings,
    transpose_axes,
)
from .random import float_dtype, normal

Axis = int | Sequence[int] | None


def _as_data(x: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(x, np.ndarray):
        if type(x) is not np.ndarray:  # a subclass (np.matrix, a jit-watched step input)
            if isinstance(x, np.ma.MaskedArray):
                raise TypeError("Tensor(): got a masked array, whose mask no op would honour; "
                                "pass x.filled(value) or x.compressed()")
            x = x.view(np.ndarray)  # ops compute on plain arrays: same memory, same numbers
        if dtype is None or x.dtype == dtype:
            return x
        if hooks.active and hooks.attached.recorder is not None:  # (a jit recording)
            return _cast_while_recording(x, dtype)
        return x.astype(dtype)
    if isinstance(x, Tensor):
        return _as_data(data_of(x), dtype)
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


def _cast_while_recording(x: np.ndarray, dtype: Any) -> np.ndarray:
    """`x.astype(dtype)` inside a jit recording. A step argument (or a plain view of one) is
    cast by a recorded Cast op, so a replay casts each call's argument again: a float32 model
    fed float64 batches (`Tensor(X, dtype=np.float32)`, the course models' conversion) is
    replayed, and after `model.float()` the step is recorded afresh for the new dtype where
    it used to run eagerly for good. Any other array is cast as eagerly (a copy made inside
    the step, which the recording judges)."""
    if hooks.attached.recorder.is_argument(x):
        return Cast.apply(Tensor(x), dtype=dtype).data  # (the same astype, as Cast's forward)
    return x.astype(dtype)


def data_of(t: Tensor) -> np.ndarray:
    """`t.data`, read by the library for an op parameter (a mask, an index, a bound) or for a
    new tensor on the same array (`Tensor(t)`, `t.detach()`). A jit recording is told which
    tensor the array is (`on_tensor_data`), so that `t.data = new` between replays is guarded
    wherever the step found t (a plain object's attribute, a dict entry). When nothing
    records: one read of a module global."""
    if hooks.active and hooks.attached.recorder is not None:
        hooks.attached.recorder.on_tensor_data(t)
    return t.data


def plain_array(x: Any, dtype: Any = None) -> np.ndarray:
    """`np.asarray(x, dtype)`, with an ndarray subclass's plain view taken by
    `x.view(np.ndarray)` (the array np.asarray makes): a jit recording sees that call on its
    watched arguments and takes the view for the argument as it is, where a conversion in
    NumPy's C (np.asarray, np.ascontiguousarray) is unseen and may have depended on the
    layout (jit.watch)."""
    if not isinstance(x, np.ndarray):
        return np.asarray(x, dtype=dtype)
    if type(x) is not np.ndarray:
        x = x.view(np.ndarray)
    return x if dtype is None else x.astype(dtype, copy=False)  # (order "K", as np.asarray)


def _last_axis(t: Tensor, axis: int | None, who: str) -> int:
    """softmax's axis: the last one when none is given. For 3-D and wider input PyTorch's
    F.softmax(x) without dim takes dim 0 (3-D) or 1 (4-D and up), so a ported call would
    normalise other numbers here without a word: it warns there (torch warns too)."""
    if axis is not None:
        return axis
    if t.data.ndim >= 3:
        warnings.warn(f"{who}: no axis given for a {t.data.ndim}-D tensor: the last axis is "
                      f"used (PyTorch's F.{who}(x) without dim would take dim "
                      f"{0 if t.data.ndim == 3 else 1}); give dim= (or axis=) to choose",
                      stacklevel=_first_outside())
    return -1


def _first_outside() -> int:
    """The warnings stacklevel, for the function calling this one, of its first caller
    outside this package (F.softmax and x.softmax reach it through different wrappers)."""
    here = os.path.dirname(__file__)
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_code.co_filename.startswith(here):
        frame, level = frame.f_back, level + 1
    return level


# the opcodes that call __iter__ for `a, b = t` and `a, *b = t` (a `for` is GET_ITER)
_UNPACK = {dis.opmap["UNPACK_SEQUENCE"], dis.opmap["UNPACK_EX"]}


def _values_only_iterated(op: str, axis: int) -> None:
    """Iterating NumPy's values-only result of max/min(axis) or tg.sort(x, axis), where
    PyTorch's same call gives (values, indices): `_, pred = tg.max(out, 1)` assigned the
    second row's maximum to pred for a batch of 2 and failed with Python's bare "too many
    values to unpack" for others. Unpacking raises naming the spellings; any other iteration
    (a loop over the row maxima: legal, rare) warns at the caller's line."""
    if op == "sort":
        call, pair = f"tg.sort(x, {axis})", f"tg.sort(x, dim={axis}) or x.sort({axis})"
        index, rows = f"x.argsort({axis})", f"x.sort({axis}).values"
    else:
        call, pair = f"x.{op}({axis})", f"x.{op}(dim={axis})"
        index, rows = f"x.arg{op}({axis})", f"x.a{op}({axis})"
    said = (f"{call}: it is NumPy's values alone, not torch.{op}(x, {axis})'s (values, "
            f"indices); write {pair} for the pair, {index} for the indices")
    level = _first_outside()
    frame = sys._getframe(level - 1)  # (stacklevel n is the frame n - 1 up from here)
    code, at = frame.f_code.co_code, frame.f_lasti
    if 0 <= at < len(code) and code[at] in _UNPACK:
        raise TypeError(f"unpacking {said}; unpack {rows} for the values' rows")
    warnings.warn(f"iterating {said}; iterate {rows} for the values' rows without this "
                  "warning", stacklevel=level)


def _is_literal(x: Any) -> bool:
    """Python numbers, or (nested) lists and tuples of them: a literal in the code."""
    if type(x) in (list, tuple):
        return all(_is_literal(v) for v in x)
    return type(x) in (int, float, bool, complex)


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """`x` itself if a Tensor, else a constant Tensor; Python numbers take `like`'s float dtype
    (so `0.5 * x` keeps float32 float32), and with an integer or bool `like` NumPy's dtype for
    a Python number beside that array (`int_t + 1` stays int64, `uint8_t + 10` uint8, `int_t *
    0.5` float64): it was float64 whatever the tensor, so `t + 1` and `t += 1` disagreed and an
    int64 beyond 2**53 lost its last digits."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float)):
        kind = like.data.dtype.kind
        if kind == "f":
            dtype = like.data.dtype
        elif kind in "iub" and type(x) in (int, float, bool):  # NumPy 2's weak Python scalars
            dtype = np.result_type(like.data.dtype, x)
        else:
            return Tensor(x)
        a = np.asarray(x, dtype=dtype)
        return Tensor(engine.literal(a) if type(x) in (int, float, bool) else a)
    if like is not None and isinstance(x, np.generic) and like.data.dtype.kind == "f":
        # np.int64(3), np.float32(.5), np.bool_ beside a float tensor: read as the Python
        # number of its kind (torch's rule, and np.float64's, a float subclass, above), so
        # `x32 / np.int64(3)` stays float32; beside an integer tensor NumPy's rule stays
        if x.dtype.kind in "biuf":
            return Tensor(np.asarray(x, dtype=like.data.dtype))
    return Tensor(x)


def filled(shape: Any, value: Any, dtype: Any, who: str) -> np.ndarray:
    """np.full, refusing a value `dtype` cannot hold (NaN or 1e20 into int64, 1e300 into
    float32): NumPy casts it with a warning into another number (-2**63, inf); PyTorch raises."""
    try:
        with np.errstate(over="raise", invalid="raise"):
            return np.full(shape, value, dtype=dtype)
    except FloatingPointError:
        dt = np.result_type(np.asarray(value)) if dtype is None else np.dtype(dtype)
        raise ValueError(f"{who}: fill value {value!r} does not fit {dt} (NumPy would cast it "
                         "to another number)") from None


def _sizes(sizes: tuple[Any, ...], size: Any, who: str) -> tuple[Any, ...]:
    """x.new_zeros(2, 3), new_zeros((2, 3)) and PyTorch's new_zeros(size=(2, 3)) alike."""
    if size is None:
        return sizes
    if sizes:
        raise TypeError(f"{who}: sizes given twice (positionally and as size=)")
    return (size,)


def _shape(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], Iterable):
        return tuple(shape[0])
    return tuple(shape)


def _tiles_in_torch(repeats: Any, ndim: int) -> bool:
    """Would PyTorch read `x.repeat(repeats)` as sizes, with another result than NumPy's? An int
    on a vector (but 1, the same either way), or a list or tuple of as many ints as x has axes
    or more (NumPy: one count per element)."""
    if isinstance(repeats, (int, np.integer)) and not isinstance(repeats, bool):
        return ndim == 1 and repeats != 1
    return (type(repeats) in (tuple, list) and 1 <= ndim <= len(repeats)
            and all(isinstance(r, (int, np.integer)) for r in repeats))


def _ambiguous_repeat(args: tuple[Any, ...], ndim: int) -> None:
    sizes = args[0] if len(args) == 1 and type(args[0]) in (tuple, list) else args
    sizes = tuple(int(v) if isinstance(v, (int, np.integer)) else v for v in sizes)
    call = ", ".join(map(str, sizes if len(args) > 1 else [args[0]]))
    if len(args) > 2:  # (NumPy's repeat takes two: these can only be PyTorch's sizes)
        raise TypeError(f"repeat({call}): PyTorch's x.repeat(*sizes) is x.tile({sizes!r}) here; "
                        "repeat is NumPy's repeat(repeats, axis)")
    numpy = (f"x.repeat({args[0]}, axis={args[1]})" if len(args) == 2 else
             f"x.repeat({call}, axis=0)" if ndim == 1 else "x.repeat(np.array(counts))")
    raise TypeError(f"x.repeat({call}) on a {ndim}-D tensor: NumPy repeats each element, PyTorch "
                    f"tiles the tensor; write {numpy} for NumPy's (torch's repeat_interleave), "
                    f"or x.tile({sizes!r}) for PyTorch's")


def _index(index: Any) -> Any:
    """An index with its Tensors read as arrays (lists as integer/boolean arrays)."""
    if isinstance(index, Tensor):  # (data_of only while a hook is attached: no call eagerly)
        return index.data if not hooks.active else data_of(index)
    if isinstance(index, tuple):
        if hooks.active:
            return tuple(data_of(i) if isinstance(i, Tensor) else i for i in index)
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        a = np.asarray(index)
        if not a.size and a.dtype.kind == "f":  # `[]` reads as float64, which NumPy refuses
            a = a.astype(np.intp)  # as an index: an empty integer index, as NumPy's x[[]]
        return engine.literal(a) if _is_literal(index) else a
    return index


def split_at(x: Tensor, axis: int, cuts: list[int]) -> list[Tensor]:
    """x cut along axis at `cuts` (views via getitem): np.split's and torch.split's pieces."""
    lead, bounds = (slice(None),) * axis, [0, *cuts, x.shape[axis]]
    return [x[lead + (slice(a, max(a, b)),)] for a, b in zip(bounds, bounds[1:])]


def _sized_cuts(op: str, n: int, size: Any, dim: Any) -> list[int]:
    """torch.split's cut positions on a length n: pieces of `size` (the last may be
    smaller), or of the listed sizes, which must add up to n."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        if size <= 0:
            raise ValueError(f"{op}: the piece size must be positive, got {size}")
        return list(range(int(size), n, int(size)))
    sizes = [int(v) for v in size]
    if sum(sizes) != n or min(sizes, default=0) < 0:
        raise ValueError(f"{op}: sizes {sizes} do not add up to the length {n} of dim {dim}")
    return np.cumsum(sizes)[:-1].tolist()


def _no_grad_result(data: np.ndarray) -> Tensor:
    """A constant (no-gradient) tensor: comparisons and argmax/argmin."""
    return Tensor(data)


def _arg_extreme(a: np.ndarray, name: str, axis: Any, keepdims: bool) -> Tensor:
    """argmax/argmin: an empty axis has no answer, said naming the op and the shape (NumPy's
    "attempt to get argmax of an empty sequence" names neither)."""
    try:
        return _no_grad_result(np.asarray(getattr(a, name)(axis=axis, keepdims=keepdims)))
    except ValueError as e:
        if "empty sequence" not in str(e):  # (an axis out of range, on any size)
            raise
        what = "a tensor of shape" if axis is None else f"axis {axis} of a tensor of shape"
        raise ValueError(f"{name}: {what} {a.shape} is empty: there is no index to "
                         "return") from None


class ValuesIndices(NamedTuple):
    """What PyTorch's max/min(dim=...) and sort return: the values and their int64 indices."""

    values: Tensor
    indices: Tensor


class Size(int):
    """`x.size`: NumPy's element count, an int; called, PyTorch's shape: `x.size()` is
    `x.shape`, `x.size(d)` is `x.shape[d]`.

    Both habits give their own right answer. Indexing or unpacking it (`x.size[0]`,
    `n, d = x.size`: a forgotten call) raises, naming `x.size()` and `x.shape`, rather than
    reading an element count as a shape.
    """

    shape: tuple[int, ...]

    def __new__(cls, n: int, shape: tuple[int, ...]) -> Size:
        self = super().__new__(cls, n)
        self.shape = shape
        return self

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        return self.shape[axis_of("size", dim, len(self.shape))]

    def _no_shape(self, *args: Any) -> Any:
        raise TypeError(f"x.size is the element count ({int(self)}), NumPy's meaning; for the "
                        f"shape write x.size() or x.shape ({self.shape})")

    __getitem__ = __iter__ = __len__ = _no_shape

    def __reduce__(self) -> Any:  # pickles, copies and JSON see the plain int
        return (int, (int(self),))


class Tensor:
    """An n-d array that remembers the op that produced it, for reverse-mode autodiff.

    Rows are samples: a batch of n d-dimensional inputs is an (n, d) Tensor.
    """

    # _values_only: (op, axis), set only on NumPy's values-only max/min/sort result whose
    # PyTorch spelling returns (values, indices); left unset elsewhere (no cost in __init__)
    __slots__ = ("data", "grad", "requires_grad", "_ctx", "name", "_retain", "_values_only",
                 "__weakref__")
    __array_ufunc__ = None  # make `ndarray op Tensor` defer to Tensor's reflected operators
    # (__array_function__, NumPy's functions on a tensor, is set by the package from the op
    # table: tinygrad_dl/optable/numpy_calls.py, a layer above this one)
    __array_priority__ = 1000

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if name is not None and not isinstance(name, str):  # or drawing it fails much later
            raise TypeError(f"Tensor(): name must be a str or None, got {type(name).__name__} "
                            f"{name!r}")
        if type(data) is not np.ndarray or dtype is not None:
            if isinstance(data, Tensor) and data.requires_grad:
                raise TypeError(
                    "Tensor(): the given tensor requires grad, and a new Tensor of its array "
                    "would cut it from its graph; use the tensor itself, t.astype(dtype) to "
                    "convert it, or t.detach() for a constant"
                )
            data = _as_data(data, dtype if dtype is None else np_dtype(dtype, "Tensor"))
        if requires_grad and data.dtype.kind != "f":  # complex too: backward is real-only
            hint = ("keep the real and imaginary parts as two float tensors"
                    if data.dtype.kind == "c" else "cast with .astype(np.float64) first")
            raise TypeError(
                f"only real floating-point tensors can require grad, got dtype {data.dtype}"
                f"{f' for {name!r}' if name else ''}; {hint}"
            )
        self.data: np.ndarray = data
        self.grad: np.ndarray | None = None
        self.requires_grad: bool = bool(requires_grad)
        self._ctx: engine.Function | None = None  # the op that made this tensor, if recorded
        self.name = name
        self._retain = False  # keep .grad although not a leaf (retain_grad)

    # ---- constructors (device= is accepted for PyTorch code: the CPU, the only one) ---------
    @staticmethod
    def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False,
              device: Any = None) -> Tensor:
        check_device(device, "zeros")
        data = engine.literal(np.zeros(_shape(shape), dtype=np_dtype(dtype, "zeros")))
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False,
             device: Any = None) -> Tensor:
        check_device(device, "ones")
        data = engine.literal(np.ones(_shape(shape), dtype=np_dtype(dtype, "ones")))
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def randn(
        *shape: Any,
        rng: Any = None,
        dtype: Any = np.float64,
        requires_grad: bool = False,
        generator: Any = None,
        device: Any = None,
    ) -> Tensor:
        """N(0, 1) draws from `rng` (or PyTorch's `generator=`), else from the seeded default
        generator (tinygrad_dl.random)."""
        check_device(device, "randn")
        dtype = float_dtype(np_dtype(dtype, "randn"), "randn")  # an int draw would truncate
        data = normal(_shape(shape), dtype, rng if rng is not None else generator)
        return Tensor(data, requires_grad=requires_grad)

    # PyTorch's x.new_*: a constant of x's dtype unless dtype= says another (not on the graph)
    def new_zeros(self, *sizes: Any, size: Any = None, dtype: Any = None,
                  requires_grad: bool = False, device: Any = None) -> Tensor:
        return self._new("new_zeros", np.zeros, _sizes(sizes, size, "new_zeros"), dtype,
                         requires_grad, device)

    def new_ones(self, *sizes: Any, size: Any = None, dtype: Any = None,
                 requires_grad: bool = False, device: Any = None) -> Tensor:
        return self._new("new_ones", np.ones, _sizes(sizes, size, "new_ones"), dtype,
                         requires_grad, device)

    def new_empty(self, *sizes: Any, size: Any = None, dtype: Any = None,
                  requires_grad: bool = False, device: Any = None) -> Tensor:
        """Zeros (NumPy's empty would hand out whatever memory held: never read unset)."""
        return self._new("new_empty", np.zeros, _sizes(sizes, size, "new_empty"), dtype,
                         requires_grad, device)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None,
                 requires_grad: bool = False, device: Any = None) -> Tensor:
        return self._new("new_full", lambda shape, dt: filled(shape, fill_value, dt,
                                                              "new_full"),
                         (size,), dtype, requires_grad, device)

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False,
                   device: Any = None) -> Tensor:
        """A copy of `data` in x's dtype (or dtype=), a constant: of a tensor, its values (as
        PyTorch's data.clone().detach())."""
        values = data_of(data) if isinstance(data, Tensor) else data
        return self._new("new_tensor", lambda shape, dt: np.array(values, dtype=dt), (),
                         dtype, requires_grad, device)

    def _new(self, name: str, make: Any, size: tuple[Any, ...], dtype: Any,
             requires_grad: bool, device: Any) -> Tensor:
        check_device(device, name)
        dt = self.data.dtype if dtype is None else np.dtype(np_dtype(dtype, name))
        shape = _shape(size)
        if any(not isinstance(n, (int, np.integer)) or n < 0 for n in shape):
            raise ValueError(f"{name}: sizes must be non-negative ints, got {size!r:.60}")
        return Tensor(engine.literal(make(shape, dt)), requires_grad=requires_grad)

    # ---- introspection -------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: Size(self.data.size, self.data.shape))

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    # ---- values handed to Python: each one goes through engine.notify_read, so a jit
    # recording knows the step's Python saw the data (replay would freeze what it did) -----
    def numpy(self) -> np.ndarray:
        engine.notify_read(self, ".numpy()")
        return self.data

    def item(self) -> float:
        if self.data.size != 1:  # (NumPy's message names neither the call nor the shape)
            raise ValueError(f".item() of a tensor of shape {self.shape}: only one-element "
                             "tensors can be converted to Python scalars")
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
        """np.asarray(t), np.array(t): the values (a copy if a dtype or copy=True asks).

        Refused for an op's result on a live graph while grad mode is on (PyTorch refuses any
        tensor that requires grad): NumPy converts the tensors in a list without asking
        (`np.mean([loss1, loss2])`), and a plain number added back to a tensor gave a loss
        whose gradient skipped them without a word. A parameter's values pass
        (np.asarray(W)); matplotlib's plot indexes what it gets first, an op: plot W.data."""
        if self._ctx is not None and self.requires_grad and engine.is_grad_enabled():
            raise TypeError(
                f"np.asarray() of the result of {self._ctx.name} (shape {self.shape}), on a live "
                "graph: its values would be cut from backward without a word (a NumPy function"
                " on a list of tensors does this, and matplotlib on a tensor); keep it a "
                "Tensor (tg.stack(ts).mean(), sum(ts)), or take the values with t.item() / "
                "t.detach() / t.numpy() (plot t.data)")
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

    def __iter__(self) -> Iterator[Tensor]:
        """The rows, t[0], t[1], ... (without this, Python iterated a 0-d tensor as empty:
        `sum(loss)` was 0 and `for v in loss:` skipped its body)."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor (as torch); use t.item() for its "
                            "number")
        flagged = getattr(self, "_values_only", None)
        if flagged is not None:
            _values_only_iterated(*flagged)
        return (self[i] for i in range(len(self.data)))

    def __repr__(self) -> str:
        engine.notify_read(self, "repr()")
        extra = ""
        if self._ctx is not None:
            extra = f", op={self._ctx.name}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        # PyTorch's print options: 4 decimals, summarized ("...", 3 edge items) past 1000 elements
        body = np.array2string(self.data, precision=4, threshold=1000, edgeitems=3,
                               separator=", ", prefix="Tensor(")
        return f"Tensor({body}, dtype={self.data.dtype}{extra})"

    def detach(self) -> Tensor:
        """A constant Tensor sharing this one's array (the one method that cuts the graph).

        The array of an op's result is locked while its graph lives, as a leaf's is: a write
        through the detached tensor must not change what the graph saved."""
        if self._ctx is not None:
            write_guard.hold_result(self)
        return Tensor(self.data if not hooks.active else data_of(self))  # (see data_of)

    # ---- copy, deepcopy, pickle: torch's rules. Python's defaults copied the slots as they
    # were: copy.copy shared the .grad array (a backward through the copy added into the
    # original's .grad), deepcopy of an op's result copied its graph (backward reached copies
    # of the leaves, whose .grad nobody reads), and a pickled graph hung at its release ----
    def __copy__(self) -> Tensor:
        """The same array and graph, without the gradient (as torch's copy.copy)."""
        t = Tensor.__new__(Tensor)
        t.data, t.grad, t.requires_grad = self.data, None, self.requires_grad
        t._ctx, t.name, t._retain = self._ctx, self.name, self._retain
        return t

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """A leaf's copy, values and `.grad` (as torch's); an op's result raises, as torch."""
        if self._ctx is not None:
            raise RuntimeError(
                f"copy.deepcopy of an op's result (a {self._ctx.name} of shape {self.shape}): "
                "only leaf tensors can be deep-copied (its graph's copy would send gradients "
                "to copies of the leaves); deep-copy t.detach(), or the model before forward"
            )
        t = Tensor.__new__(Tensor)
        memo[id(self)] = t
        t.data = copy.deepcopy(self.data, memo)  # (writable, though a live graph locks ours)
        t.grad = copy.deepcopy(self.grad, memo)
        t.requires_grad, t._ctx, t.name, t._retain = self.requires_grad, None, self.name, False
        return t

    def __getstate__(self) -> tuple[Any, ...]:
        """Pickled: values, `.grad`, flag and name; never the graph (an op's result comes back
        a leaf, as torch's)."""
        return (self.data, self.grad, self.requires_grad, self.name)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.data, self.grad, self.requires_grad, self.name = state
        self._ctx, self._retain = None, False

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
            shape, dt = self.data.shape, self.data.dtype  # (a 0-d loss: np.array, not np.ones)
            grad = engine.literal(np.array(1, dt) if shape == () else np.ones(shape, dt))
        else:
            grad = _as_data(grad, self.data.dtype)
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(): grad has shape {grad.shape} but the tensor has shape {self.shape}"
                )
        engine.backward(self, grad, retain_graph)
        hooks.notify_backward_done()  # (a jit recording checks .grad from here on)

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
    def add(self, other: Any) -> Tensor: return Add.apply(self, as_tensor(other, self))
    def sub(self, other: Any) -> Tensor: return Sub.apply(self, as_tensor(other, self))
    def mul(self, other: Any) -> Tensor: return Mul.apply(self, as_tensor(other, self))
    def div(self, other: Any) -> Tensor: return Div.apply(self, as_tensor(other, self))
    def neg(self) -> Tensor: return Neg.apply(self)
    def matmul(self, other: Any) -> Tensor: return MatMul.apply(self, as_tensor(other, self))
    def pow(self, other: Any) -> Tensor: return Pow.apply(self, as_tensor(other, self))
    def maximum(self, other: Any) -> Tensor: return Maximum.apply(self, as_tensor(other, self))
    subtract, multiply, divide, true_divide, negative, mm, bmm = sub, mul, div, div, neg, \
        matmul, matmul

    # ---- elementwise functions --------------------------------------------------------------
    def exp(self) -> Tensor: return Exp.apply(self)
    def log(self) -> Tensor: return Log.apply(self)
    def sqrt(self) -> Tensor: return Sqrt.apply(self)
    def rsqrt(self) -> Tensor: return Reciprocal.apply(Sqrt.apply(self))  # PyTorch's 1/sqrt(x)
    def abs(self) -> Tensor: return Abs.apply(self)
    def relu(self) -> Tensor: return ReLU.apply(self)
    def tanh(self) -> Tensor: return Tanh.apply(self)
    def sigmoid(self) -> Tensor: return Sigmoid.apply(self)
    absolute = abs

    @spellings(a_min="lo", a_max="hi", min="lo", max="hi")
    def clip(self, lo: Any = None, hi: Any = None) -> Tensor:
        return Clip.apply(self, lo=_bound(lo, self), hi=_bound(hi, self))

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (torch's names)
        return Clip.apply(self, lo=_bound(min, self), hi=_bound(max, self))

    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002 (PyTorch's clamp_min)
        return Clip.apply(self, lo=_bound(min, self), hi=None)

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002 (PyTorch's clamp_max)
        return Clip.apply(self, lo=None, hi=_bound(max, self))

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """PyTorch's x.lerp(end, weight) = x + weight (end - x). A number weight takes
        PyTorch's two forms: from x below 0.5, from end at and above it (each exact at its own
        end); a tensor weight the first form everywhere, which no decision on its values
        picks, so a jit replay of the step stays valid (at weight 1 it may miss end by an ulp)."""
        end = as_tensor(end, self)
        if isinstance(weight, (int, float, np.integer, np.floating)):
            w = float(weight)
            return self + w * (end - self) if abs(w) < 0.5 else end - (end - self) * (1.0 - w)
        return self + as_tensor(weight, self) * (end - self)

    # ---- reductions -------------------------------------------------------------------------
    @spellings()
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    @spellings()
    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Mean.apply(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Axis = None, *, keepdims: bool = False, ddof: int = 0,
            dim: Any = NOT_GIVEN, keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None, dtype: Any = None, out: Any = None) -> Tensor:
        """NumPy's variance (ddof=0 by default); with any of PyTorch's dim= (None too),
        keepdim=, correction=, unbiased=, PyTorch's (unbiased, correction=1, by default).
        keepdims and ddof are keywords (NumPy's second positional is dtype, PyTorch's
        unbiased: `x.var(1, True)` would mean neither). dtype=, out=: np.var's (see
        numpy_keywords)."""
        if dtype is not None or out is not None:  # np.var(t, axis=0)
            self = numpy_keywords("var", self, out, dtype)
        torch = dim is not NOT_GIVEN or keepdim is not None
        dim = None if dim is NOT_GIVEN else dim
        ax = one_name("var", axis, "axis", dim, "dim")
        kd = bool(one_name("var", keepdims, "keepdims", keepdim, "keepdim", False))
        ddof = ddof_of("var", ddof, torch, correction, unbiased)
        return Var.apply(self, axis=ax, keepdims=kd, ddof=ddof)

    def max(self, axis: Any = None, *, keepdims: bool = False, dim: int | None = None,
            keepdim: bool | None = None, out: Any = None) -> Any:
        """NumPy's max over axis (ties share the gradient); PyTorch's spellings: x.max(dim=1)
        gives (values, indices), x.max(other) the elementwise maximum."""
        if out is not None:  # np.max(t, out=buf) (np.max(t) passes out=None)
            numpy_keywords("max", self, out)
        if isinstance(axis, Tensor):
            return self.maximum(axis)
        if dim is not None:
            return _values_indices("max", self, Max, axis, dim, keepdims, keepdim)
        out = Max.apply(self, axis=axis, keepdims=one_name("max", keepdims, "keepdims",
                                                           keepdim, "keepdim", False))
        if isinstance(axis, (int, np.integer)):  # torch.max(x, 1) would be (values, indices)
            out._values_only = ("max", int(axis))
        return out

    # ---- shape ------------------------------------------------------------------------------
    def reshape(self, *shape: Any, order: str = "C") -> Tensor:
        """NumPy's reshape in C order (np.reshape(t, shape) passes order="C"): order="F" or
        "A", which read the elements in another order, are refused rather than ignored."""
        if order != "C":
            raise ValueError(f"reshape(order={order!r}): only C order (rows first); for "
                             "Fortran order write t.T.reshape(shape[::-1]).T")
        return Reshape.apply(self, shape=_shape(shape))
    def __getitem__(self, index: Any) -> Tensor: return GetItem.apply(self, index=_index(index))

    def transpose(self, *axes: Any, dim0: int | None = None, dim1: int | None = None) -> Tensor:
        """NumPy's transpose(*axes) (a permutation; none: reversed), or PyTorch's
        transpose(dim0, dim1), which swaps two axes (see _transpose_axes)."""
        if dim0 is not None or dim1 is not None:
            return self.swapaxes(dim0, dim1)
        return Transpose.apply(self, axes=transpose_axes("transpose", self.ndim, axes))

    @property
    def T(self) -> Tensor:
        return Transpose.apply(self, axes=None)

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped (a batch of matrices transposed), as NumPy 2's and
        PyTorch's x.mT."""
        if self.ndim < 2:
            raise ValueError(f"x.mT needs 2 or more dimensions (a matrix or a batch of them), "
                             f"got shape {self.shape}")
        return self.swapaxes(-2, -1)

    # ---- more arithmetic and elementwise math (ops/binary.py, ops/unary.py) -----------------
    def __mod__(self, other: Any) -> Tensor: return Mod.apply(self, as_tensor(other, self))
    def __rmod__(self, other: Any) -> Tensor: return Mod.apply(as_tensor(other, self), self)
    def mod(self, other: Any) -> Tensor: return Mod.apply(self, as_tensor(other, self))
    def remainder(self, other: Any) -> Tensor: return Mod.apply(self, as_tensor(other, self))
    def minimum(self, other: Any) -> Tensor: return Minimum.apply(self, as_tensor(other, self))
    def fmax(self, other: Any) -> Tensor: return Fmax.apply(self, as_tensor(other, self))
    def fmin(self, other: Any) -> Tensor: return Fmin.apply(self, as_tensor(other, self))
    def arctan2(self, x: Any) -> Tensor: return Arctan2.apply(self, as_tensor(x, self))
    def hypot(self, other: Any) -> Tensor: return Hypot.apply(self, as_tensor(other, self))
    def logaddexp(self, other: Any) -> Tensor: return LogAddExp.apply(self, as_tensor(other, self))
    def logaddexp2(self, other: Any) -> Tensor:
        return LogAddExp2.apply(self, as_tensor(other, self))
    def sin(self) -> Tensor: return Sin.apply(self)
    def cos(self) -> Tensor: return Cos.apply(self)
    def tan(self) -> Tensor: return Tan.apply(self)
    def arcsin(self) -> Tensor: return Arcsin.apply(self)
    def arccos(self) -> Tensor: return Arccos.apply(self)
    def arctan(self) -> Tensor: return Arctan.apply(self)
    def sinh(self) -> Tensor: return Sinh.apply(self)
    def cosh(self) -> Tensor: return Cosh.apply(self)
    def arcsinh(self) -> Tensor: return Arcsinh.apply(self)
    def arccosh(self) -> Tensor: return Arccosh.apply(self)
    def arctanh(self) -> Tensor: return Arctanh.apply(self)
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
    def round(self, decimals: int = 0, out: Any = None) -> Tensor:
        """Round half to even (NumPy's and PyTorch's); decimals=d as NumPy computes it: times
        10**d, rounded, divided by 10**d (d < 0: the other way round)."""
        if out is not None:  # np.round(t, out=buf) (np.round(t) passes out=None)
            numpy_keywords("round", self, out)
        if decimals == 0:
            return Round.apply(self)
        f = 10.0 ** abs(int(decimals))
        return (self * f).round() / f if decimals > 0 else (self / f).round() * f
    def sinc(self) -> Tensor: return Sinc.apply(self)
    def deg2rad(self) -> Tensor: return self * (np.pi / 180)
    def rad2deg(self) -> Tensor: return self * (180 / np.pi)
    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Tensor:
        return NanToNum.apply(self, nan=nan, posinf=posinf, neginf=neginf)
    def softplus(self) -> Tensor: return Softplus.apply(self)
    @spellings(negative_slope="slope")
    def leaky_relu(self, slope: float = 0.01) -> Tensor: return LeakyReLU.apply(self, slope=slope)
    def elu(self, alpha: float = 1.0) -> Tensor: return ELU.apply(self, alpha=alpha)
    def gelu(self) -> Tensor: return GELU.apply(self)
    def silu(self) -> Tensor: return SiLU.apply(self)
    def prelu(self, weight: Any) -> Tensor:
        """PyTorch's x.prelu(weight): x where x > 0, else weight * x; weight is one slope (a
        scalar or one element) or one per channel, the channels being dim 1 of x. The gradient
        at 0 is the slope (PyTorch's)."""
        w = as_tensor(weight, self)
        n, xs = w.data.size, self.data.shape
        if w.data.ndim > 1:
            raise ValueError(f"prelu: weight must be a scalar or a 1-D tensor, got shape "
                             f"{w.shape}")
        if n != 1:
            channels = xs[1] if len(xs) >= 2 else 1
            if n != channels:
                raise ValueError(f"prelu: weight has {n} parameters but the input has "
                                 f"{channels} channels (dim 1 of shape {self.shape})")
            w = w.reshape((n,) + (1,) * (len(xs) - 2))  # one slope per channel
        elif w.data.ndim:
            w = w.reshape(())  # one slope for every element, whatever x's shape
        return PReLU.apply(self, w)
    @spellings()
    def softmax(self, axis: int | None = None) -> Tensor:
        return Softmax.apply(self, axis=_last_axis(self, axis, "softmax"))
    @spellings()
    def log_softmax(self, axis: int | None = None) -> Tensor:
        return LogSoftmax.apply(self, axis=_last_axis(self, axis, "log_softmax"))
    asin, acos, atan, asinh, acosh, atanh = arcsin, arccos, arctan, arcsinh, arccosh, arctanh
    atan2 = arctan2

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

    # ---- tests of values: constant bool tensors, as the comparisons (`if x.isnan().any():`)
    def isnan(self) -> Tensor: return _no_grad_result(np.isnan(self.data))

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        """|x - y| <= atol + rtol |y| elementwise (NumPy's and PyTorch's defaults): a constant
        bool tensor."""
        return _no_grad_result(np.isclose(self.data, _as_data(other), rtol, atol, equal_nan))

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        """Is x.isclose(other) everywhere: a Python bool, the values read (as float(t))."""
        engine.notify_read(self, ".allclose()")
        return bool(np.allclose(self.data, _as_data(other), rtol, atol, equal_nan))
    def isinf(self) -> Tensor: return _no_grad_result(np.isinf(self.data))
    def isfinite(self) -> Tensor: return _no_grad_result(np.isfinite(self.data))

    @spellings()
    def any(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _no_grad_result(np.asarray(np.any(self.data, axis=axis, keepdims=keepdims)))

    @spellings()
    def all(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _no_grad_result(np.asarray(np.all(self.data, axis=axis, keepdims=keepdims)))

    # ---- more reductions (ops/reduce.py) ----------------------------------------------------
    def min(self, axis: Any = None, *, keepdims: bool = False, dim: int | None = None,
            keepdim: bool | None = None, out: Any = None) -> Any:
        """NumPy's min over axis (ties share the gradient); PyTorch's spellings: x.min(dim=1)
        gives (values, indices), x.min(other) the elementwise minimum."""
        if out is not None:  # np.min(t, out=buf) (np.min(t) passes out=None)
            numpy_keywords("min", self, out)
        if isinstance(axis, Tensor):
            return self.minimum(axis)
        if dim is not None:
            return _values_indices("min", self, Min, axis, dim, keepdims, keepdim)
        out = Min.apply(self, axis=axis, keepdims=one_name("min", keepdims, "keepdims",
                                                           keepdim, "keepdim", False))
        if isinstance(axis, (int, np.integer)):  # torch.min(x, 1) would be (values, indices)
            out._values_only = ("min", int(axis))
        return out

    @spellings()
    def amax(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Max.apply(self, axis=axis, keepdims=keepdims)

    @spellings()
    def amin(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Min.apply(self, axis=axis, keepdims=keepdims)

    @spellings()
    def prod(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Prod.apply(self, axis=axis, keepdims=keepdims)

    def std(self, axis: Axis = None, *, keepdims: bool = False, ddof: int = 0,
            dim: Any = NOT_GIVEN, keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None, dtype: Any = None, out: Any = None) -> Tensor:
        """sqrt(var(...)) as one op (ops/reduce.py Std), with var's arguments and defaults
        (NumPy's ddof=0, or PyTorch's unbiased default with any of its keywords)."""
        if dtype is not None or out is not None:  # np.std(t, dtype=np.float64)
            self = numpy_keywords("std", self, out, dtype)
        torch = dim is not NOT_GIVEN or keepdim is not None
        dim = None if dim is NOT_GIVEN else dim
        ax = one_name("std", axis, "axis", dim, "dim")
        kd = bool(one_name("std", keepdims, "keepdims", keepdim, "keepdim", False))
        ddof = ddof_of("std", ddof, torch, correction, unbiased)
        return Std.apply(self, axis=ax, keepdims=kd, ddof=ddof)

    @spellings()
    def norm(self, p: Any = "fro", axis: Axis = None, keepdims: bool = False) -> Tensor:
        """PyTorch's x.norm(p="fro", dim=None, keepdim=False): the 2-norm over dim (all: the
        flattened tensor's; a matrix's Frobenius norm), as np.linalg.norm(x, axis=...) for
        ord None; gradient 0 where the norm is 0, as PyTorch's. Another number p: the vector
        p-norm over dim (PyTorch's x.norm(p, dim): inf, -inf and 0 too, VectorNorm's gradient)."""
        if p is None or (isinstance(p, str) and p == "fro") or (
                isinstance(p, (int, float, np.number)) and not isinstance(p, bool) and p == 2):
            return Norm.apply(self, axis=axis, keepdims=keepdims)
        if isinstance(p, (int, float, np.number)) and not isinstance(p, bool) and p == p:
            return VectorNorm.apply(self, ord=float(p), axis=axis, keepdims=keepdims)
        raise ValueError(f"norm(p={p!r}): p must be a number (a vector p-norm over dim; inf, "
                         "-inf, 0 too), 'fro' or None; the nuclear norm is not implemented")

    @spellings()
    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    @spellings()
    def cumsum(self, axis: int | None = None) -> Tensor: return CumSum.apply(self, axis=axis)

    @spellings()
    def cumprod(self, axis: int | None = None) -> Tensor: return CumProd.apply(self, axis=axis)

    @spellings()
    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return _arg_extreme(self.data, "argmax", axis, keepdims)

    @spellings()
    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return _arg_extreme(self.data, "argmin", axis, keepdims)

    # ---- sorting and gathering (ops/shape.py's TakeAlongAxis) -------------------------------
    @spellings()
    def argsort(self, axis: int | None = -1, descending: bool = False) -> Tensor:
        """Indices that sort along axis (a stable sort; None: the flattened tensor). No
        gradient: a constant int64 tensor."""
        return _no_grad_result(sort_order(self.data, axis, descending))

    @spellings()
    def sort(self, axis: int | None = -1, descending: bool = False) -> ValuesIndices:
        """PyTorch's x.sort(dim=-1, descending=False): (values, indices). The gradient flows
        through the permutation (each value's gradient goes back to where it came from).
        NumPy's np.sort, the values alone, is tinygrad_dl.sort(x, axis)."""
        x = self.reshape(-1) if axis is None else self
        idx = sort_order(x.data, -1 if axis is None else axis, descending)
        return ValuesIndices(TakeAlongAxis.apply(x, indices=idx, axis=-1 if axis is None
                                                 else axis), _no_grad_result(idx))

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True  # noqa: A002
             ) -> ValuesIndices:
        """PyTorch's x.topk(k, dim=-1, largest=True): (values, indices) of the k largest (or
        smallest) along dim, in order (sorted=False gives them sorted too); ties keep their
        order (a stable sort), NaN counts as the largest, as in PyTorch. The gradient flows
        to where each value came from (`preds = logits.topk(5, dim=1).indices`: top-5)."""
        axis = axis_of("topk", dim, max(self.ndim, 1))
        n = self.shape[axis] if self.ndim else 1
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
            raise ValueError(f"topk: k must be an int in [0, {n}] (the length of dim {dim} of "
                             f"a tensor of shape {self.shape}), got {k!r}")
        x = self.reshape(1) if self.ndim == 0 else self
        idx = np.take(sort_order(x.data, axis, bool(largest)), np.arange(int(k)), axis=axis)
        values = TakeAlongAxis.apply(x, indices=idx, axis=axis)
        return ValuesIndices(values.reshape(()) if self.ndim == 0 else values,
                             _no_grad_result(idx.reshape(()) if self.ndim == 0 else idx))

    @spellings()
    def take_along_dim(self, indices: Any, axis: int | None = None) -> Tensor:
        """np.take_along_axis / torch.take_along_dim (axis None: the flattened tensor);
        duplicate indices add up their gradients."""
        x = self.reshape(-1) if axis is None else self
        return TakeAlongAxis.apply(x, indices=_index(indices), axis=-1 if axis is None else axis)

    def gather(self, dim: int, index: Any) -> Tensor:
        """torch.gather: `out[i][j] = x[i][index[i][j]]` for dim=1; index may be smaller than x
        on the other axes (that corner of x is read). torch's checks: index has x's number of
        dims, is no larger than x apart from dim, and its values lie in [0, x.shape[dim]);
        take_along_dim is NumPy's (broadcasts, wraps negative indices)."""
        index = _index(index)
        if (self.ndim == 0 or np.ndim(index) == 0) and max(self.ndim, np.ndim(index)) <= 1:
            return _gather_0d(self, dim, index)
        dim = axis_of("gather", dim, max(self.ndim, 1))  # (a 0-d input: torch's dims -1, 0)
        check_gather(self.shape, dim, index)
        corner = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))
        return TakeAlongAxis.apply(self[corner], indices=index, axis=dim)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """torch's scatter_add, out of place: a copy of x with `src[p]` added at p with its
        coordinate on dim replaced by `index[p]`, for every position p of index (which may be
        smaller than src and, apart from dim, than x); duplicates add up. The gradient to x
        is g, to src g read back at those positions."""
        return _scatter(self, "scatter_add", dim, index, src, "add")

    def scatter(self, dim: int, index: Any, src: Any = None, value: Any = None,
                reduce: Any = None) -> Tensor:
        """torch's scatter (out of place): scatter_add's positions written with src (or a
        number: `value`) instead of added into; an index that names a position twice raises
        (torch leaves which write wins undefined). The gradient to x is g with the written
        positions zeroed, to src g read back there."""
        if reduce is not None:
            raise ValueError(f"scatter: reduce={reduce!r} is not supported: use scatter_add")
        if (src is None) == (value is None):
            raise TypeError("scatter: give src (a tensor or a number) or value, not both")
        return _scatter(self, "scatter", dim, index, value if src is None else src, None)

    def index_add(self, dim: int, index: Any, source: Any, alpha: Any = 1) -> Tensor:
        """torch's index_add, out of place: a copy of x with `alpha * source` added into the
        slices `index` (1-D, integers in [0, n)) names along dim, repeated indices adding up;
        scatter_add with the index spread over source's shape."""
        idx = np.asarray(_index(index))
        if idx.ndim > 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise IndexError(f"index_add: the index must be a 1-D integer array, got shape "
                             f"{idx.shape} dtype {idx.dtype}")
        idx = idx.reshape(-1).astype(np.intp)
        source = as_tensor(source, self)
        axis = axis_of("index_add", dim, max(self.ndim, 1))
        want = self.shape[:axis] + (len(idx),) + self.shape[axis + 1:]
        scalar = self.ndim == 0 and source.data.size == len(idx) == 1
        if tuple(source.shape) != want and not scalar:
            raise ValueError(f"index_add: source of shape {tuple(source.shape)} does not fit "
                             f"an input of shape {self.shape} and {len(idx)} indices along dim "
                             f"{dim} (it needs {want})")
        if self.ndim == 0:
            return self.reshape(1).index_add(0, idx, source.reshape(1), alpha).reshape(())
        full = np.broadcast_to(idx.reshape((-1,) + (1,) * (self.ndim - axis - 1)), want)
        if not (isinstance(alpha, (int, float)) and alpha == 1):
            source = source * alpha
        return _scatter(self, "index_add", axis, full, source, "add")

    # ---- linear algebra (ops/linalg.py; dot/trace compose einsum and diagonal) --------------
    def dot(self, other: Any) -> Tensor:
        return Einsum.apply(self, as_tensor(other, self),
                            subscripts=dot_subscripts(self.ndim, np.ndim(_as_data(other))))

    def outer(self, other: Any) -> Tensor:
        """x[i] y[j] of x and y flattened (np.outer, PyTorch's x.outer(y))."""
        return Einsum.apply(self.reshape(-1), as_tensor(other, self).reshape(-1),
                            subscripts="i,j->ij")

    @spellings(dim1="axis1", dim2="axis2", k="offset")
    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        if self.ndim < 2:
            raise ValueError(f"diagonal needs a tensor of 2 or more dimensions, got shape "
                             f"{self.shape}")
        return Diagonal.apply(self, offset=offset, axis1=axis1, axis2=axis2)

    @spellings(dim1="axis1", dim2="axis2", k="offset")
    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        return self.diagonal(offset, axis1, axis2).sum(-1)

    def tril(self, k: int = 0) -> Tensor: return Tril.apply(self, k=k)
    def triu(self, k: int = 0) -> Tensor: return Triu.apply(self, k=k)

    # ---- more shape ops (reshape/transpose compositions, or ops/shape.py) -------------------
    def squeeze(self, axis: Axis = None, *, dim: Axis = None) -> Tensor:
        """NumPy's squeeze (a named axis must have length 1); with PyTorch's dim=, axes of
        another length are left alone, as in PyTorch."""
        if dim is not None:
            one_name("squeeze", axis, "axis", dim, "dim")
            dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
            axis = tuple(d for d in dims if self.shape[axis_of("squeeze", d, self.ndim)] == 1)
        return Reshape.apply(self, shape=new_shape("squeeze", self.shape,
                                                    lambda a: np.squeeze(a, axis)))

    @spellings()
    def expand_dims(self, axis: Axis) -> Tensor:
        return Reshape.apply(self, shape=new_shape("expand_dims", self.shape,
                                                    lambda a: np.expand_dims(a, axis)))

    @spellings()
    def unsqueeze(self, axis: int) -> Tensor: return self.expand_dims(axis)

    @spellings(start_dim="start", end_dim="end")
    def flatten(self, start: int = 0, end: int = -1) -> Tensor:
        return Reshape.apply(self, shape=flat_shape(self.shape, start, end))

    @spellings(dim0="axis1", dim1="axis2", axis0="axis1")
    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        axes = list(range(self.ndim))
        a, b = axis_of("swapaxes", axis1, self.ndim), axis_of("swapaxes", axis2, self.ndim)
        axes[a], axes[b] = b, a
        return Transpose.apply(self, axes=tuple(axes))

    def moveaxis(self, source: Any, destination: Any) -> Tensor:
        return Transpose.apply(self, axes=moved_axes("moveaxis", self.ndim, source, destination))

    def permute(self, *axes: Any) -> Tensor: return Transpose.apply(self, axes=_shape(axes))
    swapdims, movedim = swapaxes, moveaxis

    def broadcast_to(self, shape: Any) -> Tensor:
        return BroadcastTo.apply(self, shape=new_shape(
            "broadcast_to", self.shape, lambda a: np.broadcast_to(a, shape)))

    def expand_as(self, other: Tensor) -> Tensor:
        """torch's expand_as: broadcast_to(other.shape)."""
        return self.broadcast_to(other.shape)

    def masked_select(self, mask: Any) -> Tensor:
        """PyTorch's x.masked_select(mask): the entries of x where the bool mask is True, as a
        1-D tensor (mask and x broadcast together); the gradient goes back to those entries."""
        cond = np.asarray(_index(mask) if isinstance(mask, Tensor) else mask)
        if cond.dtype != bool:
            raise TypeError(f"masked_select: the mask must be bool, got dtype {cond.dtype}")
        try:
            shape = np.broadcast_shapes(cond.shape, self.shape)
        except ValueError:
            raise ValueError(f"masked_select: a mask of shape {cond.shape} and a tensor of shape "
                             f"{self.shape} do not broadcast together") from None
        x = self if self.shape == shape else self.broadcast_to(shape)
        return x[np.broadcast_to(cond, shape)]

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """torch's masked_fill: `value` where `mask` is True, else x (a new tensor; the
        gradient flows to x where the mask is False, and to a tensor value where it is True).
        The mask broadcasts to x's shape, not x to the mask's (as torch)."""
        cond = np.asarray(_index(mask) if isinstance(mask, Tensor) else mask)
        if cond.dtype != bool:
            raise TypeError(f"masked_fill: the mask must be bool, got dtype {cond.dtype} (a "
                            "comparison gives one: x.masked_fill(x < 0, 0.0))")
        try:
            fits = np.broadcast_shapes(cond.shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"masked_fill: a mask of shape {cond.shape} does not broadcast to "
                             f"the tensor's shape {self.shape}")
        return Where.apply(as_tensor(value, self), self, cond=cond)

    def where(self, condition: Any, y: Any) -> Tensor:
        """PyTorch's x.where(condition, y): x where condition else y, tg.where(condition, x,
        y); the condition is a constant (no gradient), x and y get theirs."""
        cond = np.asarray(data_of(condition) if isinstance(condition, Tensor) else condition,
                          dtype=bool)
        y = as_tensor(y, self)
        try:  # Function.apply's message would name only x's and y's shapes
            np.broadcast_shapes(cond.shape, self.shape, y.shape)
        except ValueError:
            raise ValueError(f"Where: cannot broadcast cond {cond.shape}, x {self.shape} and y "
                             f"{y.shape} together") from None
        return Where.apply(self, y, cond=cond)

    def split(self, split_size: Any, dim: int = 0) -> list[Tensor]:
        """torch's x.split(size, dim): pieces of `size` along dim (the last may be smaller),
        or of the listed sizes. (NumPy has no ndarray.split; tg.split(x, n) is np.split's n
        equal sections unless dim= is given.)"""
        axis = axis_of("split", dim, self.ndim)
        return split_at(self, axis, _sized_cuts("split", self.shape[axis], split_size, dim))

    def chunk(self, chunks: int, dim: int = 0) -> list[Tensor]:
        """torch's chunk: `chunks` pieces along dim of ceil(n / chunks) each (the last may be
        smaller, and fewer pieces where n is too short: 6 in 4 chunks is 2, 2, 2)."""
        if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks < 1:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        axis = axis_of("chunk", dim, self.ndim)
        n = self.shape[axis]
        if n == 0:  # (torch: `chunks` empty pieces)
            return [self[(slice(None),) * axis + (slice(0, 0),)] for _ in range(int(chunks))]
        return split_at(self, axis, _sized_cuts("chunk", n, -(-n // int(chunks)), dim))

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """torch's unbind: the slices along dim, each without that axis."""
        axis = axis_of("unbind", dim, self.ndim)
        lead = (slice(None),) * axis
        return tuple(self[lead + (i,)] for i in range(self.shape[axis]))

    def index_select(self, dim: int, index: Any) -> Tensor:
        """torch's index_select: the entries at `index` (a 1-D integer array) along dim, as
        np.take(x, index, axis=dim); repeated indices add up their gradients. An index outside
        [0, n) raises, -1 too, as torch's (NumPy's -1 would read the last entry), checked by
        an op so a replayed step checks each batch."""
        idx = np.asarray(_index(index))
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise IndexError(f"index_select: the index must be a 1-D integer array, got shape "
                             f"{idx.shape} dtype {idx.dtype}")
        axis = axis_of("index_select", dim, self.ndim)
        idx = idx.astype(np.intp, copy=False)
        Tap.apply(Tensor(idx), fn=InRange("index_select", self.shape[axis]))
        return self[(slice(None),) * axis + (idx,)]

    def expand(self, *sizes: Any) -> Tensor:
        """torch's expand: broadcast_to, where -1 keeps that axis' length."""
        sizes = _shape(sizes)
        lead = len(sizes) - self.ndim
        return self.broadcast_to(tuple(self.shape[i - lead] if n == -1 and i >= lead else n
                                       for i, n in enumerate(sizes)))

    @spellings()
    def repeat(self, repeats: Any, *sizes: Any, axis: Any = NOT_GIVEN) -> Tensor:
        """NumPy's repeat: each element `repeats` times along `axis` (flattened when None), as
        torch's repeat_interleave. PyTorch's x.repeat(*sizes) tiles the tensor (x.tile(sizes)
        here): a call both can read, which they read differently (`x.repeat(2, 1)`, or
        `v.repeat(3)` of a vector: [a a a b b b] against [a b a b a b]), raises; with axis=
        given (None too: np.repeat(v, 3) passes it) it is NumPy's."""
        if sizes or (axis is NOT_GIVEN and _tiles_in_torch(repeats, self.ndim)):
            _ambiguous_repeat((repeats, *sizes), self.ndim)
        return Repeat.apply(self, repeats=_index(repeats), axis=None if axis is NOT_GIVEN else axis)

    @spellings()
    def repeat_interleave(self, repeats: Any, axis: int | None = None) -> Tensor:
        """torch's repeat_interleave (dim=), NumPy's repeat: each element `repeats` times."""
        return Repeat.apply(self, repeats=_index(repeats), axis=axis)

    def tile(self, reps: Any) -> Tensor: return Tile.apply(self, reps=reps)

    @spellings(dims="axis")
    def flip(self, axis: Axis = None) -> Tensor: return Flip.apply(self, axis=axis)

    @spellings(shifts="shift", dims="axis")
    def roll(self, shift: Any, axis: Axis = None) -> Tensor:
        return Roll.apply(self, shift=shift, axis=axis)

    @spellings(dims="axes")
    def rot90(self, k: int = 1, axes: Sequence[int] = (0, 1)) -> Tensor:
        """np.rot90 / torch.rot90: k quarter turns from axes[0] towards axes[1] (flips and a
        transpose)."""
        a, b = (axis_of("rot90", int(v), self.ndim) for v in axes)
        if a == b:
            raise ValueError(f"rot90: axes must be two different axes, got {tuple(axes)}")
        k %= 4
        if k == 0:
            return self.clone()  # a copy, as torch.rot90 (and flip, below) always is
        if k == 2:
            return self.flip((a, b))
        return (self.flip(b).swapaxes(a, b) if k == 1 else self.swapaxes(a, b).flip(b))

    @spellings()
    def diff(self, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        """np.diff / torch.diff: the n-th forward difference along axis (slices and a
        subtraction), after joining prepend/append (scalars are widened to one slice)."""
        axis = axis_of("diff", axis, self.ndim)
        parts = [p for p in (_edge(self, prepend, axis), self, _edge(self, append, axis))
                 if p is not None]
        x = parts[0] if len(parts) == 1 else Concatenate.apply(*parts, axis=axis)
        lead = (slice(None),) * axis
        for _ in range(n):
            x = x[lead + (slice(1, None),)] - x[lead + (slice(None, -1),)]
        return x


    # ---- PyTorch's spellings for what NumPy spells otherwise ---------------------------------
    device = property(lambda self: CPU)  # always the CPU (tinygrad_dl.device)
    is_cuda = property(lambda self: False)

    def numel(self) -> int: return int(self.data.size)
    def nelement(self) -> int: return int(self.data.size)
    def dim(self) -> int: return self.data.ndim
    def ndimension(self) -> int: return self.data.ndim
    def cpu(self) -> Tensor: return self

    def contiguous(self) -> Tensor:
        """PyTorch's `out.contiguous().view(-1, H)`: the tensor itself. Its view/reshape copies
        where NumPy must, so the memory layout never changes a result here."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        check_device("cuda", "Tensor.cuda()")
        return self  # not reached: check_device raised

    def view(self, *shape: Any) -> Tensor:
        """reshape (PyTorch's view): same values, new shape; a recorded op like reshape."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, Iterable)):
            raise TypeError(f"view({shape[0]!r}): reinterpreting the bytes as another dtype is "
                            "not supported; view takes a shape (x.view(2, 3)); to convert the "
                            "values use x.astype(dtype)")
        return Reshape.apply(self, shape=_shape(shape))

    def view_as(self, other: Tensor) -> Tensor: return self.reshape(other.shape)
    def reshape_as(self, other: Tensor) -> Tensor: return self.reshape(other.shape)

    def t(self) -> Tensor:
        """The transpose of a matrix (PyTorch's `t()`: 0-d and 1-d tensors are returned as is)."""
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape "
                             f"{self.shape}; use transpose(...) or permute(...)")
        return self if self.ndim < 2 else Transpose.apply(self, axes=None)

    def clone(self) -> Tensor:
        """A copy of the values that keeps the gradient flowing (the op Clone)."""
        return Clone.apply(self)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad on this leaf, in place; returns the tensor."""
        if self._ctx is not None:
            if requires_grad:
                return self
            raise RuntimeError("requires_grad_(False) on a tensor computed by an op: only a "
                               "leaf's flag can change; use x.detach() for a constant copy")
        if requires_grad and self.data.dtype.kind != "f":  # as __init__: complex too
            raise TypeError(f"requires_grad_: only real floating-point tensors can require "
                            f"grad, got dtype {self.data.dtype}; cast with .astype(np.float64)")
        self.requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self) -> engine.Function | None:
        """The op that made this tensor (None for a leaf): its `.name`, and `next_functions`
        (the ops that made its inputs)."""
        return self._ctx

    # ---- in-place operators: write into .data, as PyTorch's do ------------------------------
    # Allowed on tensors that need no gradient, and on parameters under no_grad() (the
    # optimizer idiom `with no_grad(): p -= lr * p.grad`); refused on a leaf that requires grad
    # while grad mode is on and on an op's result (see _inplace_target). Integer and bool
    # tensors follow NumPy's in-place casting rule (same_kind): `int_t += 0.5` is refused.
    def __iadd__(self, other: Any) -> Tensor: return self.add_(other)
    def __isub__(self, other: Any) -> Tensor: return self.sub_(other)
    def __imul__(self, other: Any) -> Tensor: return self.mul_(other)
    def __itruediv__(self, other: Any) -> Tensor: return self.div_(other)

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """self += alpha * other, in place."""
        return _write(self, "Tensor.add_ (+=)", other, alpha=alpha,
                      fn=lambda a, b: np.add(a, b, out=a, casting="same_kind"))

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """self -= alpha * other, in place."""
        return _write(self, "Tensor.sub_ (-=)", other, alpha=alpha,
                      fn=lambda a, b: np.subtract(a, b, out=a, casting="same_kind"))

    def mul_(self, other: Any) -> Tensor:
        return _write(self, "Tensor.mul_ (*=)", other,
                      lambda a, b: np.multiply(a, b, out=a, casting="same_kind"))

    def div_(self, other: Any) -> Tensor:
        return _write(self, "Tensor.div_ (/=)", other,
                      lambda a, b: np.true_divide(a, b, out=a, casting="same_kind"))

    def zero_(self) -> Tensor:
        return _write(self, "Tensor.zero_", 0, lambda a, b: np.copyto(a, b))

    def fill_(self, value: Any) -> Tensor:
        return _write(self, "Tensor.fill_", value,
                      lambda a, b: np.copyto(a, b, casting="same_kind"))

    def copy_(self, src: Any) -> Tensor:
        """Write src's values (broadcast to this shape) into this tensor's array."""
        return _write(self, "Tensor.copy_", src,
                      lambda a, b: np.copyto(a, b, casting="same_kind"))

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # PyTorch's argument names
        lo = min.data if isinstance(min, Tensor) else min
        hi = max.data if isinstance(max, Tensor) else max
        return _write(self, "Tensor.clamp_", None,
                      lambda a, _: np.clip(a, lo, hi, out=a, casting="same_kind"))

    def __setitem__(self, index: Any, value: Any) -> None:
        """t[index] = value writes into t's array (a leaf that requires grad: under no_grad)."""
        idx = _index(index)

        def put(a: np.ndarray, v: Any) -> None:
            # A Python int or bool is cast by value, as NumPy's and torch's `img[0] = 0` into
            # uint8 or bool (np.asarray would make it int64 and refuse it; out of range: NumPy's
            # OverflowError); a float into an integer tensor goes on to be refused below (NumPy
            # would truncate `int_t[0] = 2.5`)
            if type(v) in (int, bool) or (type(v) is float and a.dtype.kind in "fc"):
                src = v
            else:
                src = np.asarray(v)
                if not np.can_cast(src.dtype, a.dtype, casting="same_kind"):
                    raise TypeError(f"cannot cast {src.dtype} to {a.dtype} with casting rule "
                                    "'same_kind'")
            try:
                a[idx] = src
            except IndexError as e:  # NumPy's words, with the tensor's shape and the index
                raise IndexError(f"Tensor.__setitem__ (t[i] = v): {e} (writing into a tensor of "
                                 f"shape {a.shape} at {brief_index(idx)})") from None

        _write(self, "Tensor.__setitem__ (t[i] = v)", value, put)

    # ---- casts: dtype conversions that stay in the graph (ops/unary.py Cast) ------------
    # Last in the class body on purpose: `def float` (and int, bool, type) shadow the builtins
    # for the rest of the class body (not inside methods), so nothing may follow them here.
    def astype(self, dtype: Any, copy: bool = True) -> Tensor:
        """NumPy's astype, recorded: the gradient flows back, cast to this tensor's dtype.
        Always a new tensor (as NumPy), unless copy=False and the dtype is already this one.
        An integer or bool result needs no gradient (as PyTorch's .long()): a constant."""
        dt = _dtype(dtype, "astype")
        if not copy and dt == self.data.dtype:
            return self
        return _cast(self, dt, "astype")

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
           non_blocking: bool = False) -> Tensor:
        """PyTorch's `to`: t.to(np.float32), t.to("cpu"), t.to(other_tensor), dtype=,
        device=, copy=. As PyTorch, returns this tensor itself when nothing changes (and
        copy is False); only the CPU exists here."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.data.dtype
            elif isinstance(a, Device):
                check_device(a, "to")
            else:
                try:
                    dtype = _dtype(a, "to")
                except TypeError:
                    try:
                        check_device(a, "to")
                    except ValueError:
                        raise ValueError(f"to: {a!r} is neither a NumPy dtype nor a device; "
                                         "tinygrad_dl runs on the CPU with NumPy") from None
        if device is not None:
            check_device(device, "to")
        if dtype is None:
            return _cast(self, self.data.dtype, "to") if copy else self
        return self.astype(dtype, copy=copy)

    def type(self, dtype: Any = None) -> Any:
        """t.type(np.float32) casts (as astype); t.type() gives the dtype's name."""
        if dtype is None:
            return self.data.dtype.name
        return self.to(dtype)

    def double(self) -> Tensor: return self.to(np.float64)
    def half(self) -> Tensor: return self.to(np.float16)
    def long(self) -> Tensor: return self.to(np.int64)
    def int(self) -> Tensor: return self.to(np.int32)  # PyTorch's int is 32-bit
    def bool(self) -> Tensor: return self.to(np.bool_)
    def float(self) -> Tensor: return self.to(np.float32)  # PyTorch's float is float32


# ---- helpers of the in-place and cast blocks above ----------------------------------------
def np_dtype(spec: Any, op: str) -> Any:
    """`spec` for NumPy's dtype= arguments: a PyTorch dtype (torch.float32) read by `_dtype`,
    anything else as given (NumPy reads it, and refuses what it cannot read); the constructors
    and layers pass their dtype through it, so torch's dtypes work there as in the casts."""
    if isinstance(spec, (np.dtype, type)):  # the usual np.float32 / np.dtype: no string work
        return spec
    return _dtype(spec, op) if str(spec).startswith("torch.") else spec


def _dtype(spec: Any, op: str) -> np.dtype:
    """A NumPy dtype from a dtype, a type (np.float32, float), a name ("float32"), or a
    PyTorch dtype (torch.float32 is read by its name, without importing torch)."""
    if isinstance(spec, Tensor):
        return spec.data.dtype
    name = str(spec)
    try:
        if name.startswith("torch."):
            return np.dtype(name[6:])
        return np.dtype(spec)
    except TypeError:
        raise TypeError(f"{op}: {spec!r} is not a dtype NumPy knows") from None


def _inplace_target(t: Tensor, op: str, other: Any = None) -> np.ndarray:
    """`t.data`, ready for `op` to write into, or one line saying why it may not be written.

    As PyTorch: a leaf that requires grad may be updated in place only under no_grad() (the
    optimizer idiom), and an op's result not at all (its graph may have saved that array;
    PyTorch records such writes, this library refuses them). A write into an array a live
    graph saved gives the tensor a copy first (write_guard.writable), so that graph's backward
    raises instead of using the new values."""
    engine.notify_write(op)  # inside a jitted step: a write replay would not repeat
    grad_mode = engine.is_grad_enabled()
    if t._ctx is not None:
        src = t._ctx.parents[0] if type(t._ctx) is GetItem else None
        if src is not None and src._ctx is None and src.requires_grad:  # `w[0:2] += 1`: Python
            raise RuntimeError(_LEAF.format(op, "a view of a leaf Variable"))  # adds to w[0:2]
        tip = " (for a diagonal: `x = x + eps * tg.eye(n)`)" if t._ctx.name == "Diagonal" else ""
        raise RuntimeError(
            f"{op}: in-place on the result of {t._ctx.name}, which its graph may have saved "
            f"for backward, is not supported; write {_OUT_OF_PLACE.get(op, '`x = x - y`')} (a "
            f"new tensor) instead{tip}"
        )
    if grad_mode:
        if t.requires_grad:
            raise RuntimeError(_LEAF.format(op, "a leaf Variable"))
        if isinstance(other, Tensor):
            if other.requires_grad:
                raise RuntimeError(
                    f"{op}: the operand requires grad, and an in-place update would not record "
                    "it; write `x = x + y` (a new tensor) instead, or run the update under "
                    "no_grad()")
        elif (type(other) is list or type(other) is tuple) and _holds_grad(other):
            raise RuntimeError(  # np.asarray would read the tensors' values, drop their grads
                f"{op}: the operand is a list holding a tensor that requires grad, and an "
                "in-place update would not record it; build a new tensor (tg.stack, tg.cat, "
                "tg.where) instead, or run the update under no_grad()")
    return write_guard.writable(t, op)


# each in-place op's out-of-place spelling, for the error on an op's result
_OUT_OF_PLACE = {"Tensor.add_ (+=)": "`x = x + y`", "Tensor.sub_ (-=)": "`x = x - y`",
                 "Tensor.mul_ (*=)": "`x = x * y`", "Tensor.div_ (/=)": "`x = x / y`",
                 "Tensor.zero_": "`x = tg.zeros_like(x)`",
                 "Tensor.fill_": "`x = tg.full_like(x, value)`",
                 "Tensor.copy_": "`x = src.clone()`", "Tensor.clamp_": "`x = x.clamp(lo, hi)`",
                 "Tensor.__setitem__ (t[i] = v)": "`x = tg.where(mask, v, x)`"}

_LEAF = ("{}: {} that requires grad is being used in an in-place operation; update it inside "
         "`with tinygrad_dl.no_grad():` (the optimizer idiom), or write `w = w - x` for a new "
         "tensor")


def _holds_grad(seq: list | tuple) -> bool:
    """Does a (nested) list or tuple hold a Tensor that requires grad?"""
    for v in seq:
        if isinstance(v, Tensor) and v.requires_grad:
            return True
        if isinstance(v, (list, tuple)) and _holds_grad(v):
            return True
    return False


def _write(t: Tensor, op: str, other: Any, fn: Any, alpha: Any = 1) -> Tensor:
    """fn(t's array, alpha * other's array) writing in place (NumPy's same_kind casting);
    NumPy's errors (shapes, dtypes, read-only arrays) come back as one line naming `op`."""
    a = _inplace_target(t, op, other)
    b = other.data if isinstance(other, Tensor) else other
    try:
        fn(a, b if alpha == 1 else alpha * np.asarray(b))
    except TypeError as e:  # NumPy's own subclasses (casting errors) take other arguments
        raise TypeError(f"{op}: {e}") from None
    except OverflowError as e:  # a Python int out of the dtype's range (`uint8_t[0] = 300`)
        raise OverflowError(f"{op}: {e}") from None
    except ValueError as e:
        if not a.flags.writeable:  # (diagonal()'s copy, or an array made read-only)
            raise ValueError(f"{op}: this tensor's array is read-only (an array made so, an "
                             "input inside an autograd.Function's forward, or diagonal()'s copy,"
                             " which is not torch's view: add to its source instead, "
                             "`x = x + eps * tg.eye(n)`); write into t.clone()") from None
        raise ValueError(f"{op}: {e}") from None
    return t


def _cast(t: Tensor, dt: np.dtype, op: str) -> Tensor:
    if dt.kind == "f":
        return Cast.apply(t, dtype=dt)
    if dt.kind == "c" and t.requires_grad:
        raise TypeError(f"{op}: cannot cast a tensor that requires grad to {dt}: gradients "
                        "are for real floating-point tensors; cast t.detach() for a constant")
    return Tensor(t.data.astype(dt))  # integers and bools carry no gradient (as PyTorch)


def _scatter(x: Tensor, op: str, dim: int, index: Any, src: Any, reduce: Any) -> Tensor:
    """scatter / scatter_add / index_add: torch's checks, then the Scatter op."""
    idx = np.asarray(_index(index))
    if isinstance(src, Tensor):
        if src.data.dtype != x.data.dtype:
            raise TypeError(f"{op}: src has dtype {src.data.dtype}, the input "
                            f"{x.data.dtype}; torch wants the same (cast one with .to())")
    else:  # a number (torch's value=) or an array: x's dtype, as large as the index
        src = np.asarray(src, dtype=x.data.dtype)
        src = Tensor(np.broadcast_to(src, idx.shape).copy() if src.ndim == 0 else src)
    if x.ndim == 0:
        return _scatter(x.reshape(1), op, axis_of(op, dim, 1), idx.reshape(-1), src.reshape(-1),
                        reduce).reshape(())
    dim = axis_of(op, dim, x.ndim)
    idx = check_scatter(op, x.shape, dim, idx, tuple(src.shape), unique=reduce is None)
    return Scatter.apply(x, src, index=idx, dim=dim, reduce=reduce)


def _gather_0d(x: Tensor, dim: int, index: Any) -> Tensor:
    """torch.gather where the input or the index is 0-d (the other at most 1-d): torch reads a
    0-d tensor as 1-d of one element, and the result has the index's shape
    (`x.gather(0, tensor(2))` is x[2], 0-d). Computed as `x[index]` (GetItem, whose gradient
    adds up duplicates), so the op gets the index array as it is (a jit recording keeps it)."""
    dim = axis_of("gather", dim, 1)  # torch's dims for a 0-d input: -1 and 0
    x1 = x.reshape(1) if x.ndim == 0 else x
    flat = np.reshape(index, -1)  # (a view, for the checks only)
    try:
        check_gather(x1.shape, 0, flat)
    except (IndexError, ValueError) as e:  # the shapes as given, not as checked
        raise type(e)(str(e).replace(
            f"(input of shape {x1.shape}, index of shape {flat.shape}, dim 0)",
            f"(input of shape {x.shape}, index of shape {np.shape(index)}, dim {dim})")) from None
    return x1[index]


def _bound(v: Any, x: Tensor) -> Any:
    """A clip bound: None, a number, or an array (a Tensor bound is a constant, so one that
    requires grad is refused rather than silently left without a gradient). A NumPy scalar
    beside a float x is read as the Python number of its kind, as in arithmetic (as_tensor):
    np.clip would promote float32 x to float64 for an np.float64 bound."""
    if isinstance(v, Tensor):
        if v.requires_grad:
            raise ValueError("clip/clamp: a bound that requires grad would get no gradient "
                             "here; write tg.minimum(tg.maximum(x, lo), hi) to differentiate it")
        return data_of(v)
    if isinstance(v, np.generic) and v.dtype.kind in "biuf" and x.data.dtype.kind == "f":
        return np.asarray(v, dtype=x.data.dtype)
    return v


def _values_indices(op: str, x: Tensor, fn: type, axis: Any, dim: Any, keepdims: bool,
                    keepdim: bool | None) -> ValuesIndices:
    """PyTorch's max/min(dim=...): (values, indices) over one dim."""
    one_name(op, axis, "axis", dim, "dim")
    keep = bool(one_name(op, keepdims, "keepdims", keepdim, "keepdim", False))
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(dim=...) takes one dim, as in PyTorch, got {dim!r}; use "
                        f"a{op}(dim=...) for the values over several")
    pick = np.argmax if op == "max" else np.argmin
    return ValuesIndices(fn.apply(x, axis=dim, keepdims=keep),
                         _no_grad_result(np.asarray(pick(x.data, axis=dim, keepdims=keep))))


def _edge(x: Tensor, v: Any, axis: int) -> Tensor | None:
    """diff's prepend/append as a Tensor that joins x along axis (a scalar: one slice)."""
    if v is None:
        return None
    if not isinstance(v, Tensor):  # a number or array in x's dtype; beside an integer x, the
        v = np.asarray(v)  # promoted one (prepend=0.5 became 0: NumPy's diff gives 0.5)
        v = v.astype(x.dtype if x.dtype.kind in "fc" else np.result_type(x.dtype, v))
    t = v if isinstance(v, Tensor) else Tensor(v)
    if t.ndim == 0:
        t = t.broadcast_to(x.shape[:axis] + (1,) + x.shape[axis + 1:])
    return t
