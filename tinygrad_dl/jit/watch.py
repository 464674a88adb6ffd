"""Watched arrays: how a jit recording sees the step's Python read its NumPy inputs.

While `tinygrad_dl.jit` records a step, the step gets each NumPy argument as a `Watched`
view: the same memory, shape and dtype, so it computes exactly what it would with the array
itself. Everything NumPy derives from a watched array (`X[:, 0] > 0`, `X.mean()`,
`np.isfinite(X)`, `np.where(y == 0, 2.0, 1.0)`) is watched too, and handing such a value to
Python (`if X.mean() > 0:`, `int(...)`, `float(...)`, `.item()`, `.tolist()`, formatting) is
reported to the engine's hook (`hooks.notify_read`), which makes the recording not replayable: a
decision the step's Python takes on the data would be frozen by replay. This is JAX's rule
for tracers, applied to NumPy arrays instead of refusing them.

Outside a recording a watched array behaves as a plain one (the reports go nowhere). Tensors
never hold one: `Tensor(...)` takes a plain view of any ndarray subclass. What escapes the
watch (documented): `np.array(X)` and `X.view(np.ndarray)` make plain arrays (as do
`np.ndenumerate` and `np.nditer`, in C: they take the memory without asking the array, so no
method of Watched is called), and the buffer protocol (`bytes(X)`, `memoryview`) reads memory
directly. `X.base` of an argument (the caller's array, plain) is a read.

Layouts: `Tensor(X)` and `X.view(np.ndarray)` (reported by `Watched.view`) are the argument
as it is in any layout. Any other view of an argument's memory that reaches an op came
through the step's NumPy (`np.ascontiguousarray(X)`, `X.reshape(-1).reshape(X.shape)`), which
may have copied for another layout: the recording guards that argument's strides.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import hooks
from ..saved_memory import array_base

# NumPy functions whose Python-number result describes shapes or memory, not values
_SHAPE_ONLY = {np.shape, np.ndim, np.size, np.may_share_memory, np.shares_memory,
               np.result_type, np.iscomplexobj, np.isrealobj, np.isfortran}
# NumPy functions whose result's SHAPE is set by the values (`len(np.unique(y))` counts the
# classes present): Python reads a shape without a word, so calling one is the read. (What
# such a result could feed an op is refused anyway, as an array made inside the step.)
_SHAPE_FROM_VALUES = {f for f in (
    np.unique, np.nonzero, np.flatnonzero, np.argwhere, np.extract, np.compress, np.bincount,
    np.trim_zeros, np.setdiff1d, np.intersect1d, np.union1d, np.setxor1d,
    *(getattr(np, n, None) for n in ("unique_values", "unique_counts", "unique_inverse",
                                     "unique_all"))) if f is not None}
# NumPy functions whose result's shape is set by the values of their second argument (a
# count, an index list or a shape: `np.repeat(X, y)`), a read when that argument is watched
# (`np.repeat(X, 2)` is not)
_SHAPE_FROM_ARGUMENT = {np.repeat: "repeats", np.split: "indices_or_sections",
                        np.array_split: "indices_or_sections", np.delete: "obj",
                        np.tile: "reps", np.pad: "pad_width",
                        np.resize: "new_shape", np.reshape: "shape", np.broadcast_to: "shape"}
# NumPy functions whose number of bins a string sets from the values (`np.histogram(X,
# bins="auto")`): with one, the call is a read (with a count or edges, the code sets the shape)
_BINS = {np.histogram, np.histogram_bin_edges}
# NumPy functions that hand the values out of the watch: to the user's Python callbacks (as
# plain arrays: `__array_function__` computes on plain ones), to files replay would not
# write, or into a dtype chosen by the values (np.min_scalar_type)
_HANDS_OUT = {np.apply_along_axis, np.apply_over_axes, np.piecewise, np.save, np.savez,
              np.savez_compressed, np.savetxt, np.min_scalar_type}


def watch(a: np.ndarray) -> Watched:
    """A watched view of `a` (same memory, shape, strides and dtype)."""
    return a.view(Watched)


def _plain(x: Any) -> Any:
    # (ndarray's own view: Watched.view reports plain views to the recording)
    return _view(x, np.ndarray) if isinstance(x, Watched) else x


_view = np.ndarray.view


def _watched(x: Any) -> Any:
    """Results of NumPy on watched arrays, watched again (scalars as 0-d arrays)."""
    if isinstance(x, np.ndarray):
        if isinstance(x, Watched):
            return x
        # a view (np.reshape, np.transpose of an argument) is watched through a watched base,
        # as a view a method makes (X.T, X[2:]) is: a recording tells those made by the step
        # from an argument itself by it (`record.Recording.input_index`)
        return x.view(Watched) if x.base is None else x.view(Watched).view()
    if isinstance(x, np.generic):
        return np.asarray(x).view(Watched)
    if type(x) in (tuple, list):
        return type(x)(_watched(v) for v in x)
    return x


class Watched(np.ndarray):
    """An ndarray that reports every hand-over of its values to Python (see the module)."""

    def _read(self, how: str) -> None:
        hooks.notify_read(self, f"{how} of an array computed from a step argument")

    # ---- NumPy's protocols: compute on plain arrays, watch the results ----------------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if all(set(t) <= set("O->") for t in ufunc.types):  # np.frompyfunc, np.vectorize:
            self._read(f"the Python function {ufunc.__name__}")  # given Python scalars
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_plain(o) for o in out)
        result = getattr(ufunc, method)(*(_plain(x) for x in inputs), **kwargs)
        if out is not None:  # results written into `out`: hand back the given arrays
            return out[0] if len(out) == 1 else out
        return _watched(result)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        for t in types:  # a Tensor among the arguments (np.concatenate([X, W])): its own
            if not issubclass(t, np.ndarray):  # __array_function__ answers, the graph's op,
                return NotImplemented  # as without the watch (here its values were taken)
        result = super().__array_function__(func, (np.ndarray,), _unwatch(args),
                                            _unwatch(kwargs))
        if (type(result) in (bool, int, float, complex, str) and func not in _SHAPE_ONLY
                or func in _HANDS_OUT):
            self._read(f"np.{func.__name__}()")  # np.allclose, np.count_nonzero, array2string
            return result
        by = _SHAPE_FROM_ARGUMENT.get(func)
        if (func in _SHAPE_FROM_VALUES or (func is np.where and len(args) + len(kwargs) == 1)
                or by is not None and _holds_watched((*args[1:2], kwargs.get(by)))
                or func in _BINS and isinstance(args[1] if len(args) > 1
                                                else kwargs.get("bins"), str)):
            self._read(f"np.{func.__name__}() (its result's shape is set by the values)")
        return _watched(result)

    # ---- indexing keeps the watch (an element comes back as a 0-d watched array) ------------
    def __getitem__(self, index: Any) -> Any:
        if _masks(index):  # X[y == 1]: as many rows as the mask holds True (see np.unique's)
            self._read("a boolean mask (the result's shape is set by the values)")
        return _watched(super().__getitem__(_unwatch(index)))

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(_unwatch(index), _plain(value))

    # `.flat` hands out NumPy scalars (`y.flat[0]`, `for v in y.flat`) and masks unseen
    # (`y.flat[y > 0]`): the attribute itself is the read
    @property
    def flat(self) -> Any:
        self._read(".flat")
        return _FLAT.__get__(self)

    @flat.setter
    def flat(self, value: Any) -> None:
        _FLAT.__set__(self, _plain(value))

    # `.base` of an argument's watched view is the caller's array, plain: its values escape
    # the watch, and it is not eager's `X.base` (`if X.base is None:` would take the other
    # branch), so it is a read; a view the step made (`X[2:].base`) is watched: as eager
    @property
    def base(self) -> Any:
        b = base_of(self)
        if b is not None and type(b) is not Watched:
            self._read(".base (a plain array, outside the watch)")
        return b

    def __array_finalize__(self, obj: Any) -> None:
        # values converted to Python objects (`y.astype(object)`, np.asanyarray(y,
        # dtype=object)): an element, a sum or an iteration of them is a plain Python number
        if self.dtype.hasobject and isinstance(obj, np.ndarray) and not obj.dtype.hasobject:
            self._read("a conversion to object dtype")

    # ---- layouts: which calls hand an op the argument's memory whatever its layout ----------
    def view(self, *args: Any, **kwargs: Any) -> Any:
        """ndarray.view; a plain view (`Tensor(X)`, `X.view(np.ndarray)`) is reported to the
        recording, which takes it for the argument as it is: a view never copies and keeps
        the strides. Any other plain array that is an argument's memory came through a
        conversion NumPy does in C, unseen (`np.ascontiguousarray(X)`, `np.asarray(X,
        order="C")`), which copies or not by the layout: a recording guards that argument's
        strides (`record.Recording.input_index`)."""
        v = _view(self, *args, **kwargs)
        if type(v) is np.ndarray and v.strides == self.strides:
            hooks.notify_view(self, v)
        return v

    def astype(self, dtype: Any, order: Any = "K", *args: Any, **kwargs: Any) -> Any:
        """ndarray.astype; with copy=False and an order other than "K" it copies or not by
        the layout: when it did not, the recording is told (its arguments' strides guarded)."""
        r = np.ndarray.astype(self, dtype, order, *args, **kwargs)
        if str(order).upper() != "K" and not r.flags.owndata:
            hooks.notify_layout(r)
        return r

    # ---- value-returning methods that are not ufuncs ----------------------------------------
    def argmax(self, *args: Any, **kwargs: Any) -> Any:
        return _watched(_plain(self).argmax(*args, **kwargs))

    def argmin(self, *args: Any, **kwargs: Any) -> Any:
        return _watched(_plain(self).argmin(*args, **kwargs))

    def argsort(self, *args: Any, **kwargs: Any) -> Any:
        return _watched(_plain(self).argsort(*args, **kwargs))

    def nonzero(self) -> Any:
        self._read(".nonzero() (its result's shape is set by the values)")
        return _watched(_plain(self).nonzero())

    def searchsorted(self, *args: Any, **kwargs: Any) -> Any:
        return _watched(_plain(self).searchsorted(*_unwatch(args), **kwargs))

    def dot(self, *args: Any, **kwargs: Any) -> Any:
        return _watched(_plain(self).dot(*_unwatch(args), **kwargs))

    def take(self, *args: Any, **kwargs: Any) -> Any:  # X.take(0): a NumPy scalar
        return _watched(_plain(self).take(*_unwatch(args), **kwargs))

    def trace(self, *args: Any, **kwargs: Any) -> Any:  # a NumPy scalar
        return _watched(_plain(self).trace(*args, **kwargs))

    # ---- results whose shape the values set (as np.compress's and np.repeat's) --------------
    def compress(self, *args: Any, **kwargs: Any) -> Any:
        self._read(".compress() (its result's shape is set by the values)")
        return _watched(_plain(self).compress(*_unwatch(args), **kwargs))

    def repeat(self, repeats: Any, *args: Any, **kwargs: Any) -> Any:
        if _holds_watched(repeats):  # y.repeat(y); y.repeat(2) is a shape the code sets
            self._read(".repeat() (its result's shape is set by the values)")
        return _watched(_plain(self).repeat(_unwatch(repeats), *args, **kwargs))

    # ---- values handed to Python -------------------------------------------------------------
    def __bool__(self) -> bool:
        self._read("bool()")
        return bool(_plain(self))

    def __float__(self) -> float:
        self._read("float()")
        return float(_plain(self))

    def __int__(self) -> int:
        self._read("int()")
        return int(_plain(self))

    def __index__(self) -> int:
        self._read("an index")
        return _plain(self).__index__()

    def __complex__(self) -> complex:
        self._read("complex()")
        return complex(_plain(self))

    def __contains__(self, value: Any) -> bool:
        self._read("`in`")
        return _plain(value) in _plain(self)

    def __format__(self, spec: str) -> str:
        self._read("formatting")
        return format(_plain(self), spec)

    def __repr__(self) -> str:
        self._read("repr()")
        return repr(_plain(self))

    def __str__(self) -> str:
        self._read("str()")
        return str(_plain(self))

    def item(self, *args: Any) -> Any:
        self._read(".item()")
        return _plain(self).item(*args)

    def tolist(self) -> Any:
        self._read(".tolist()")
        return _plain(self).tolist()

    def tobytes(self, order: str = "C") -> bytes:
        self._read(".tobytes()")
        return _plain(self).tobytes(order)

    def tofile(self, *args: Any, **kwargs: Any) -> None:  # a file replay would not write
        self._read(".tofile()")
        _plain(self).tofile(*args, **kwargs)

    def __reduce_ex__(self, protocol: Any) -> Any:  # pickle.dumps(X), X.dumps(), X.dump()
        self._read("pickling")
        return _plain(self).__reduce_ex__(protocol)

    # ---- an element: where a plain array gives a NumPy scalar (X[0, 0] is np.float64, which
    # Python can hash, round, ask .is_integer()), this gives a 0-d watched array; these
    # builtins, which would fail on a 0-d array, read its scalar, so a step that works eagerly
    # (`set(y)`, `round(X[0, 0], 2)`) works while recorded, as a reported read
    def _python(self, how: str) -> Any:
        """The NumPy scalar of a 0-d array (the read reported); else the plain array, whose
        own error the builtin then raises (`hash(X)`: unhashable, as NumPy's)."""
        if self.ndim:
            return _plain(self)
        self._read(how)
        return _plain(self)[()]

    def __hash__(self) -> int:
        return hash(self._python("hash() (a set or dict key)"))

    def __round__(self, ndigits: int | None = None) -> Any:
        x = self._python("round()")
        return round(x) if ndigits is None else round(x, ndigits)

    def __trunc__(self) -> Any:
        return math.trunc(self._python("math.trunc()"))

    def __floor__(self) -> Any:
        return math.floor(self._python("math.floor()"))

    def __ceil__(self) -> Any:
        return math.ceil(self._python("math.ceil()"))

    def __getattr__(self, name: str) -> Any:
        # only for names an ndarray lacks: a scalar's own methods (.is_integer())
        scalar = None if self.ndim or name.startswith("__") else _plain(self)[()]
        if scalar is None or not hasattr(scalar, name):
            raise AttributeError(f"'numpy.ndarray' object has no attribute {name!r}")
        self._read(f".{name}")
        return getattr(scalar, name)


_FLAT = np.ndarray.flat
base_of = array_base  # ndarray's .base, no read: for the library's own checks


def _holds_watched(x: Any) -> bool:
    """Is x, or an item of a tuple or list x, a watched array?"""
    return isinstance(x, Watched) or type(x) in (tuple, list) and any(map(_holds_watched, x))


def _masks(index: Any) -> bool:
    """Does the index hold a boolean array (not a bool scalar: X[True] is one more axis)?"""
    items = index if type(index) is tuple else (index,)
    return any(isinstance(i, np.ndarray) and i.dtype == bool and i.ndim
               or type(i) is list and any(type(v) is bool for v in i) for i in items)


def _unwatch(x: Any) -> Any:
    """Arguments with watched arrays as plain views (tuples, lists and dicts looked into)."""
    if isinstance(x, Watched):
        return _view(x, np.ndarray)
    if type(x) in (tuple, list):
        return type(x)(_unwatch(v) for v in x)
    if type(x) is dict:
        return {k: _unwatch(v) for k, v in x.items()}
    return x
