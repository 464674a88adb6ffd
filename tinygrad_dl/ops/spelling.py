"""Argument spellings: NumPy's and PyTorch's names for one argument (axis= and dim=,
keepdims= and keepdim=, ...), and the few places where the two libraries read one call
differently (transpose(0, 1), var's default correction). The Tensor methods use these; a
clear TypeError says when both names of one argument are given."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..grad_mode import is_grad_enabled
from .elementwise import real_only
from .shape import axis_of

# PyTorch's keyword names for NumPy's (x.sum(dim=1, keepdim=True) is x.sum(axis=1,
# keepdims=True)); a method decorated with spellings(...) takes both, and its own extras
_TORCH_NAMES = {"dim": "axis", "keepdim": "keepdims"}

# the reductions where PyTorch reads an empty dim (dim=(), dim=[], or a positional []) as every
# dim, as NumPy reads axis=None; NumPy's axis=() (and a positional ()) reduces over none
# (logsumexp: torch 2.13 reduces an empty tensor over every dim and raises on any other, a
# broadcast error of its own kernel; here every dim either way; roll: torch's dims=() rolls the
# flattened tensor)
_EMPTY_DIM_IS_ALL = frozenset({"sum", "mean", "amax", "amin", "nansum", "nanmean",
                               "count_nonzero", "norm", "logsumexp", "roll"})
# of those, the ones NumPy also takes a list axis for (np.roll(a, 1, []) and axis=[] roll
# nothing): there only dims= (torch's name) reads an empty list as every dim; a positional or
# axis= empty list stays () (roll refuses it, as a positional ())
_NUMPY_LIST_AXIS = frozenset({"roll"})


# the reductions whose dtype= may also name an integer dtype, as torch's and NumPy's: the values
# cast to it, then summed (multiplied) in it, wrapping around as that dtype's arithmetic does
# (x.sum(dtype=torch.int8), np.cumsum(t, dtype=np.int8)); they were refused
_INTEGER_DTYPE = frozenset({"sum", "prod", "cumsum", "cumprod", "nansum"})

# the ones whose dtype= may name a complex dtype (cast first, as torch's sum/mean/prod/cumsum/
# cumprod and NumPy's nansum/trace); every other op's is floating only (x.softmax(0, dtype=
# complex128) computed where torch refuses, x.clip(dtype=complex128) named a complex x)
_COMPLEX_DTYPE = frozenset({"sum", "mean", "prod", "cumsum", "cumprod", "nansum", "trace"})


def _empty(dims: Any) -> bool:
    return type(dims) in (tuple, list) and not dims


class _NotGiven:
    """A default that tells an argument left out from one given as None (`dim=None` is
    PyTorch's spelling, and picks its convention: var's unbiased default)."""

    def __repr__(self) -> str:
        return "<not given>"


NOT_GIVEN: Any = _NotGiven()


def spellings(**extra: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a method take PyTorch's keyword names (dim=, keepdim=, and `extra`: alias ->
    parameter) beside its NumPy ones. Both names of one argument at once is a TypeError."""
    aliases = {**_TORCH_NAMES, **extra}

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(fn)
        params = list(sig.parameters)
        pairs = [(a, p, params.index(p)) for a, p in aliases.items() if p in params]
        at = params.index("axis") - 1 if "axis" in params else -1  # its place in *args

        numpys = ("out", "dtype") if "dtype" not in params else ("out",)
        all_dims = fn.__name__ in _EMPTY_DIM_IS_ALL
        list_all = all_dims and fn.__name__ not in _NUMPY_LIST_AXIS  # (an empty list: all)
        int_dtype = fn.__name__ in _INTEGER_DTYPE

        @functools.wraps(fn)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            in_dtype = None  # (an integer or bool dtype= of sum, prod, cumsum, ...)
            if kwargs:
                if "out" in kwargs or "dtype" in kwargs and "dtype" in numpys:  # np.sum(t)
                    if int_dtype and kwargs.get("out") is None:
                        in_dtype = integer_accumulator(fn.__name__, self, kwargs.get("dtype"))
                    if in_dtype is not None:
                        kwargs.pop("out", None)
                        kwargs.pop("dtype")
                        if fn.__name__ == "nansum" and self.dtype.kind in "fc":  # NaN is 0
                            self = self.nan_to_num(0.0, np.inf, -np.inf)  # (not int64's min)
                        self = self.astype(in_dtype, copy=False)
                    else:
                        self = numpy_keywords(fn.__name__, self,
                                              *(kwargs.pop(k, None) for k in numpys))
                for alias, name, pos in pairs:
                    if alias in kwargs:
                        if name in kwargs or pos <= len(args):
                            raise TypeError(
                                f"{fn.__name__}() got both {name}= and {alias}=: NumPy's and "
                                "PyTorch's names for one argument; pass one")
                        value = kwargs.pop(alias)
                        if all_dims and alias in ("dim", "dims") and _empty(value):
                            value = None  # torch's x.sum(dim=()): over every dim
                        kwargs[name] = value
                if type(kwargs.get("axis")) is list:  # torch's dim=[0, 1]: NumPy takes tuples
                    kwargs["axis"] = None if list_all and not kwargs["axis"] else tuple(
                        kwargs["axis"])
            if 0 <= at < len(args) and type(args[at]) is list:  # (a list is torch's)
                dims = None if list_all and not args[at] else tuple(args[at])
                args = (*args[:at], dims, *args[at + 1:])
            if in_dtype is not None:  # (summed in int64 here, then wrapped: the same value;
                # bool: any nonzero sum, all-ones product is True, as torch's and NumPy's)
                return fn(self, *args, **kwargs).astype(in_dtype, copy=False)
            return fn(self, *args, **kwargs)

        shown = [inspect.Parameter(a, inspect.Parameter.KEYWORD_ONLY, default=None)
                 for a, _, _ in pairs + ([("dtype", 0, 0)] if "dtype" in numpys else [])]
        method.__signature__ = sig.replace(parameters=[*sig.parameters.values(), *shown])
        return method

    return wrap


def torch_keywords(**aliases: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a function or method also take PyTorch's keyword names (alias -> parameter, the
    first one included: F.conv2d(input=x, weight=w)), without dim=/keepdim='s handling. A
    *args parameter takes its alias's value as one argument (x.permute(dims=(1, 0))). Both
    names of one argument at once is a TypeError."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        at = {q.name: i if q.kind <= q.VAR_POSITIONAL else len(params)  # (by position?)
              for i, q in enumerate(params)}
        pairs = [(a, p, at[p]) for a, p in aliases.items()]
        star = {p.name for p in params if p.kind is p.VAR_POSITIONAL}

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            for alias, name, pos in pairs:
                if alias in kwargs:
                    if name in kwargs or pos < len(args):
                        raise TypeError(f"{_called(fn, args)}() got both {name}= and {alias}=: "
                                        "this package's and PyTorch's names for one argument")
                    if name in star:
                        args = (*args, kwargs.pop(alias))
                    else:
                        kwargs[name] = kwargs.pop(alias)
            return fn(*args, **kwargs)

        shown = [inspect.Parameter(a, inspect.Parameter.KEYWORD_ONLY, default=None)
                 for a, _, _ in pairs]
        varkw = [p for p in params if p.kind is p.VAR_KEYWORD]
        call.torch_aliases = dict(aliases)  # type: ignore[attr-defined]  # (method_function)
        call.__signature__ = sig.replace(  # type: ignore[attr-defined]
            parameters=[*(p for p in params if p not in varkw), *shown, *varkw])
        return call

    return wrap


def _called(fn: Callable[..., Any], args: tuple[Any, ...]) -> str:
    """The name a call used: a method by its object's class (BatchNorm2d's inherited
    __init__ is `BatchNorm2d`, a Tensor's `x.mm` alias `Tensor.matmul`), a function by its own."""
    owner = fn.__qualname__.rpartition(".")[0]
    if not owner or not args or owner not in {c.__qualname__ for c in type(args[0]).__mro__}:
        return fn.__qualname__  # (a function, or a static method: Tensor.zeros((2,), ...))
    cls = type(args[0]).__name__
    return cls if fn.__name__ == "__init__" else f"{cls}.{fn.__name__}"


def numpy_keywords(op: str, t: Any, out: Any = None, dtype: Any = None) -> Any:
    """The tensor a method works on, given the keywords NumPy's functions pass on to it:
    np.sum(t) is t.sum(axis=None, out=None), np.mean(t, axis=0) adds dtype=None. out= must be
    None (a tensor op makes a new tensor); a floating dtype= casts the tensor first (the
    gradient flows back through the cast), as np.mean(x32, dtype=np.float64) reads float32
    values in float64. Refused as ValueError, not TypeError: np.clip, np.argmax, np.cumsum...
    take a TypeError out of the method for "another signature" and compute on the array
    instead, which would drop the graph without a word."""
    if out is not None:
        raise ValueError(f"{op}(out=...): a tensor op makes a new tensor and cannot write into "
                         f"an array; use its result (np.{op}(t.data, ..., out=buf) for the "
                         "values alone, with no gradient)")
    if dtype is None:
        return t
    dt = _dtype_named(dtype)
    if dt is None or dt.kind not in ("fc" if op in _COMPLEX_DTYPE else "f"):
        raise ValueError(f"{op}(dtype={dtype if dt is None else dt}): only a floating dtype"
                         f"{' (or a complex one)' if op in _COMPLEX_DTYPE else ''}, which "
                         "casts the tensor first; for another, cast the result "
                         f"(t.{op}(...).astype(dtype))")
    # a complex dtype casts first, as torch's (cumsum(dtype=complex128) was refused for any
    # tensor); a real tensor that requires grad has no complex path to take its gradient
    # (ValueError: np.cumsum would retry a TypeError on the array; under no_grad the cast of
    # its detached values, which astype refused, as torch's computes)
    if dt.kind == "c" and t.dtype.kind != "c" and getattr(t, "requires_grad", False):
        if is_grad_enabled():
            raise ValueError(f"{op}(dtype={dt}): a complex result of a real tensor that "
                             "requires grad has no gradient here (gradients are for real "
                             "tensors); pass t.detach() or compute under tg.no_grad()")
        t = t.detach()
    return t.astype(dt)


def _dtype_named(dtype: Any) -> np.dtype | None:
    """The NumPy dtype a dtype= names: NumPy's spellings, or a PyTorch dtype (torch.int8, read
    by its name, as the casts read it: it was refused); None for what NumPy cannot read."""
    name = str(dtype)
    try:
        return np.dtype(name[6:] if name.startswith("torch.") else dtype)
    except TypeError:
        return None


def integer_accumulator(op: str, t: Any, dtype: Any) -> np.dtype | None:
    """The integer dtype `dtype` names (None for any other, numpy_keywords' to read) for a
    sum/prod/cumsum/cumprod/nansum(dtype=...), as torch and NumPy read it: t's values cast
    to it (floats truncated toward 0), then reduced in it, wrapping around. A tensor that
    requires grad is refused, as torch's (an integer result has no gradient). bool too: the
    values cast to bool, then or-ed (sum) or and-ed (prod), as torch's and NumPy's."""
    dt = None if dtype is None else _dtype_named(dtype)  # (np.sum(t) passes dtype=None)
    if dt is None or dt.kind not in "biu":
        return None
    if getattr(t, "requires_grad", False) and is_grad_enabled():
        raise RuntimeError(f"{op}(dtype={dt}): {'a bool' if dt.kind == 'b' else 'an integer'} "
                           "result has no gradient, and the "
                           "tensor requires grad (as torch); cast first, t.detach(), or "
                           "use a floating dtype")
    return dt


def one_name(op: str, a: Any, a_name: str, b: Any, b_name: str, default: Any = None) -> Any:
    """The value of an argument that has two names, NumPy's `a_name` and PyTorch's `b_name`
    (`a` equal to its default counts as not given). Both given, differently: a TypeError."""
    if b is None:
        return default if a is None else a
    if a is not None and not _same(a, default) and not _same(a, b):
        raise TypeError(f"{op}() got both {a_name}={a!r} and {b_name}={b!r}: NumPy's and "
                        "PyTorch's names for one argument; pass one")
    return b


def _same(u: Any, v: Any) -> bool:
    try:
        return bool(u == v)
    except (TypeError, ValueError):  # arrays: not one truth value
        return False


def ddof_of(op: str, ddof: int, torch: bool, correction: Any, unbiased: Any) -> Any:
    """var/std's degrees of freedom: NumPy's ddof (default 0); with PyTorch's spelling (dim=,
    correction=, unbiased=) PyTorch's default, the unbiased correction=1. A fractional
    correction is kept, as torch's (int() made correction=0.5 a 0: the divisor n, not n - 0.5)."""
    if correction is not None and unbiased is not None:
        raise TypeError(f"{op}() got both correction= and unbiased=; pass one")
    if (correction is not None or unbiased is not None) and ddof:
        raise TypeError(f"{op}() got both ddof= and PyTorch's correction=/unbiased=; pass one")
    if correction is not None:
        real_number(op, "correction", correction)
        if isinstance(correction, (float, np.floating)) and not float(correction).is_integer():
            if correction != correction:  # (int() refused it; a NaN divisor: NaN everywhere)
                raise ValueError(f"{op}(): correction must be a number, got {correction}")
            return float(correction)
        return int(correction)
    if unbiased is not None:
        if not (isinstance(unbiased, (bool, np.bool_))
                or isinstance(unbiased, (int, np.integer)) and unbiased in (0, 1)):
            # (bool("False") is True: unbiased="False" gave the unbiased variance; torch
            # takes only a bool)
            raise TypeError(f"{op}(): unbiased must be True or False, got {unbiased!r}")
        return int(bool(unbiased))
    if type(ddof) is not int:  # (a str ddof failed inside var's arithmetic, naming no op)
        real_number(op, "ddof", ddof)
    return 1 if torch else ddof


def real_number(op: str, name: str, v: Any) -> None:
    """Refuses a correction/ddof that is no real number in one line naming op: int("1") took a
    string (a 0-d str array too), where torch and NumPy refuse it; 1j, None or [1] failed
    inside the arithmetic with words naming neither the op nor the argument."""
    if isinstance(v, (int, float, np.integer, np.floating)):
        return
    if isinstance(v, (str, bytes, complex, list, tuple)) or v is None or np.ndim(v) != 0 \
            or np.asarray(v).dtype.kind not in "biuf":
        raise TypeError(f"{op}(): {name} must be a real number, got {v!r}")


def transpose_axes(op: str, ndim: int, axes: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """NumPy's permutation for transpose(*axes), or None for reversed axes. Two separate
    ints on a tensor that is not 2-D are PyTorch's transpose(dim0, dim1) (NumPy would
    reject them); on a 2-D tensor (0, 1) is NumPy's identity but PyTorch's swap: an error."""
    if len(axes) == 1 and axes[0] is None:  # np.transpose(t): t.transpose(None), reversed
        return None
    if len(axes) == 1 and isinstance(axes[0], Iterable):
        perm = tuple(axes[0])
        if not perm and ndim:  # (it reversed the axes, where NumPy and torch refuse it)
            raise ValueError(f"{op}({axes[0]!r}) of a tensor of {ndim} dimensions: the "
                             f"permutation must name all {ndim} axes (NumPy: axes don't match "
                             "array); x.transpose() reverses them")
        return perm or None
    perm = tuple(axes) or None
    if len(axes) == 2:
        # (each checked as a dim: int(v) took True as dim 1 and tensor(1.7) as dim 1)
        a, b = (int(axis_of(op, v, max(ndim, 1))) for v in axes)
        if ndim == 0:  # (torch's transpose(0, -1) of a 0-d tensor: itself)
            return None
        if ndim == 2 and a == b:  # (no permutation to NumPy: torch's swap of an axis with itself)
            return (0, 1)
        if ndim != 2:
            order = list(range(ndim))
            order[a], order[b] = b, a
            return tuple(order)
        if a == 0 and b == 1:
            raise ValueError(
                f"{op}({axes[0]}, {axes[1]}) of a 2-D tensor: NumPy reads it as the identity "
                "permutation, PyTorch as swapping the two axes; write x.T or "
                "x.swapaxes(0, 1) to swap, x.transpose((0, 1)) for NumPy's")
    return perm


def sort_order(a: np.ndarray, axis: int | None, descending: bool) -> np.ndarray:
    """Stable sort order along axis (None: flattened). Descending is the ascending order of
    the reversed array, reversed: equal values keep their order and NaN (the largest, as in
    NumPy and PyTorch) comes first."""
    if a.dtype.kind == "c":  # (inline: the real path pays no call)
        real_only("sort", a)
    if axis is None:
        a, axis = a.reshape(-1), -1
    if a.ndim == 0:  # (torch's: index 0 of a 0-d tensor, for dim -1 or 0)
        if isinstance(axis, bool) or axis not in (-1, 0):
            raise IndexError(f"sort: dim {axis} is out of range for a 0-d tensor (expected "
                             "-1 or 0)")
        return np.zeros((), np.int64)
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    return n - 1 - np.flip(np.argsort(np.flip(a, axis), axis=axis, kind="stable"), axis)


