"""NumPy's functions called on tensors (NEP 18's `__array_function__`, which the package sets on
Tensor to `array_function`).

- A function the op table has under the same NumPy name (`np.concatenate`, `np.stack`,
  `np.where`, `np.dot`, `np.sort`, `np.pad`, `np.einsum`, ...) runs that function,
  `tinygrad_dl.concatenate`: the result is a Tensor on the graph.
- A function NumPy computes by calling the tensor's own method (`np.sum(t)` is `t.sum(...)`,
  `np.clip`, `np.reshape`, ...: `_BY_METHOD`) keeps doing so.
- Any other runs NumPy's own code, which reads the values (`np.allclose(t, x)`, `np.shape(t)`,
  `np.argwhere(m)`). Where that hands back floating values of a tensor that requires grad while
  grad mode is on (`np.median(t)`, `np.linalg.norm(t)`, `np.percentile(t, 50)`), it raises
  a TypeError instead: those values are cut from the graph, so no gradient would flow back,
  and nothing would say so. PyTorch refuses every NumPy call on a tensor that requires grad;
  here integer and boolean results (indices, comparisons, shapes) carry no gradient and pass.

- NumPy's functions that write into an argument (`np.put`, `np.putmask`, `np.copyto`,
  `np.fill_diagonal`, ...: `_WRITERS`; `np.nan_to_num(t, copy=False)`; `out=t`, by keyword or
  position: `_keyworded`) write into a destination tensor under the rules of
  `t[i] = v`: a leaf that requires grad only under no_grad, an op's result never (the write
  reached its array behind the graph, whose gradient ignored it).

Before this, every function outside `_BY_METHOD` took the values: `h = np.concatenate([a, b])`
gave a plain array, and the layers below `a` and `b` trained on nothing.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..grad_mode import is_grad_enabled
from ..hooks import notify_read
from ..tensor import Tensor
from ..tensor.inplace import write
from .table import ALL

# NumPy's functions that call the tensor's own method (numpy/_core/fromnumeric.py): the
# methods take NumPy's keywords (ops/spelling.py), so np.sum(t, axis=0) is t.sum(axis=0)
_BY_METHOD = frozenset({
    "all", "amax", "amin", "any", "argmax", "argmin", "around", "clip", "cumsum", "max", "mean",
    "min", "prod", "repeat", "reshape", "round", "squeeze", "std", "sum", "swapaxes",
    "transpose", "var"})
# results that do not depend on the values (zeros of the tensor's shape and dtype): NumPy's
# (einsum_path: the contraction order from the shapes; np.einsum(optimize=True) asks it)
_VALUE_FREE = frozenset({"zeros_like", "ones_like", "empty_like", "einsum_path"})
# tg.linspace makes a constant: a tensor endpoint's gradient would be lost, so NumPy's (checked);
# np.copy(W) is how NumPy code snapshots values: a Tensor on the graph in their place would
# break `W.data = best` later, so NumPy's (values, or the refusal for a tensor that needs grad)
_NOT_ROUTED = _BY_METHOD | _VALUE_FREE | {"full_like", "linspace", "copy"}
# what to write instead, for NumPy's functions that have no op of their name
_INSTEAD = {"copy": "t.clone() (on the graph) or t.detach().numpy().copy() (the values)",
            "norm": "t.norm()", "average": "(t * w).sum() / w.sum()",
            "median": "the middle of tg.sort(t, axis)",
            "vdot": "(t * u).sum()",
            "take": "t.take(idx) (np.take without axis: the flattened tensor's) or "
                    "t.index_select(axis, idx)",
            "compress": "t[mask] or t.index_select(axis, idx)", "ptp": "t.amax() - t.amin()"}
# NumPy's functions that write into their first argument (put, putmask, ...): on a tensor
# that requires grad, into its array behind the graph's back (`h = t + 1; np.put(h, [0], 5)`
# then gave t.grad[0] 10 where torch's h[0] = 5 gives 0), the parameter name of that argument
_WRITERS = {"put": "a", "putmask": "a", "place": "arr", "copyto": "dst", "fill_diagonal": "a",
            "put_along_axis": "arr"}
# NumPy's functions that write into their argument of this name unless copy is true
# (np.nan_to_num(t, copy=False) replaced t's values and returns t)
_UNLESS_COPY = {"nan_to_num": "x"}
# NumPy's parameters that the table's functions and the writers take by keyword only: given
# positionally (np.take(x, i, None, t), np.nan_to_num(t, False)) they become keywords, they and
# every argument after them, so that `out` is checked as out=t is and a route never reads
# NumPy's copy/dtype as its own next parameter (np.nan_to_num(t, True) replaced NaN by 1.0)
_BY_KEYWORD = frozenset({"out", "copy", "dtype"})
# the positional parameters of NumPy's C functions that take `out` (no Python signature; NumPy
# 2.0's np.concatenate had none either: np.concatenate([x, y], 0, w) wrote into w, then refused)
_C_PARAMS = {"dot": ("a", "b", "out"), "concatenate": ("arrays", "axis", "out")}
# NumPy's functions that return their pieces in a list (every other one that returns several
# arrays gives a tuple): a route's pieces come back in NumPy's container, whatever the method
# gives (t.hsplit is torch's tuple, np.hsplit(t, 2) NumPy's list)
_LISTED = frozenset({"split", "array_split", "hsplit", "vsplit", "dsplit"})


def _ravel(a: Any, order: str = "C") -> Tensor:
    """np.ravel: the C-order flattening, the reshape(-1) it is (other orders refused)."""
    if order != "C":
        raise ValueError(f"np.ravel(tensor, order={order!r}): tensors flatten in C order only; "
                         "t.T.reshape(-1) is the F order of a matrix")
    return a.reshape(-1)


def _routes() -> dict[Any, Callable[..., Any]]:
    """NumPy function -> the op table's function of its name (NumPy's meaning, by the table)."""
    out: dict[Any, Callable[..., Any]] = {np.ravel: _ravel}
    for op in ALL:
        for name in op.numpy:
            f = getattr(np, name, None)
            if (f is not None and name not in _NOT_ROUTED and op.fn is not None
                    and f.__name__ not in _NOT_ROUTED  # (np.permute_dims is np.transpose)
                    and not isinstance(f, np.ufunc) and hasattr(f, "_implementation")):
                out[f] = op.fn_for(name)
    return out


ROUTES = _routes()
_SIGNATURES: dict[Any, inspect.Signature] = {}
# NumPy function -> (the position of its first _BY_KEYWORD parameter, 0 if none; the names of
# its positional parameters)
_PARAMS: dict[Any, tuple[int, tuple[str, ...]]] = {}


def _positional(func: Any) -> tuple[int, tuple[str, ...]]:
    """Where NumPy's function's first positional out/copy/dtype sits (0: nowhere), and the
    names of its positional parameters, in order (() when unknown)."""
    known = _PARAMS.get(func)
    if known is None:
        by_name = inspect.Parameter.POSITIONAL_OR_KEYWORD
        try:  # (no _implementation: np.asarray(..., like=t) asks too, and is NotImplemented)
            params = list(inspect.signature(func._implementation).parameters.values())
        except (AttributeError, TypeError, ValueError):  # a C function: _C_PARAMS's, or ()
            names = _C_PARAMS.get(getattr(func, "__name__", ""), ())
            at = next((i for i, n in enumerate(names) if i and n in _BY_KEYWORD), 0)
        else:
            kinds = (inspect.Parameter.POSITIONAL_ONLY, by_name)
            params = list(itertools.takewhile(lambda p: p.kind in kinds, params))
            names = tuple(p.name for p in params)
            # (a positional-only one stays positional: np.astype(x, dtype, /) refused
            # dtype= as a TypeError once the route did not take the call)
            at = next((i for i, p in enumerate(params)
                       if i and p.name in _BY_KEYWORD and p.kind is by_name), 0)
        known = _PARAMS[func] = (at, names)
    return known


def _keyworded(func: Any, args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """NumPy's call with its positional `out`/`copy`/`dtype` (and what follows them) given by
    keyword (_BY_KEYWORD); a route's copy=True, its own meaning (a new tensor), dropped."""
    if len(args) > 1:
        at, names = _positional(func)
        # (more arguments than parameters, or one given twice: NumPy's own TypeError)
        if 0 < at < len(args) <= len(names) and not kwargs.keys() & set(names[at:len(args)]):
            kwargs = {**kwargs, **dict(zip(names[at:], args[at:]))}
            args = args[:at]
    if kwargs and isinstance(kwargs.get("copy"), (bool, np.bool_)) and kwargs["copy"] and (
            func in ROUTES):
        kwargs = {k: v for k, v in kwargs.items() if k != "copy"}
    return args, kwargs


def _binds(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Does the call fit fn's parameters (np.where(mask) does not fit tg.where(cond, x, y))?"""
    sig = _SIGNATURES.get(fn)
    if sig is None:
        sig = _SIGNATURES[fn] = inspect.signature(fn)
    try:
        sig.bind(*args, **kwargs)
    except TypeError:
        return False
    return True


def _needs_grad(values: Any, depth: int = 0) -> bool:
    """Is a tensor that requires grad among `values` (arguments, one or two lists deep)?"""
    for v in values:
        if isinstance(v, Tensor):
            if v.requires_grad:
                return True
        elif depth < 2 and isinstance(v, (list, tuple)):
            if _needs_grad(v, depth + 1):
                return True
    return False


def _values(values: Any, name: str, depth: int = 0) -> list[Any]:
    """`values` with each Tensor (one or two lists deep) as its array, its read reported."""
    out = []
    for v in values:
        if isinstance(v, Tensor):
            notify_read(v, f"np.{name}()")
            v = v.data
        elif depth < 2 and isinstance(v, (list, tuple)) and any(
                isinstance(x, (Tensor, list, tuple)) for x in v):
            v = type(v)(_values(v, name, depth + 1)) if type(v) in (list, tuple) else v
        out.append(v)
    return out


def _floats(result: Any, depth: int = 0) -> bool:
    """Does `result` hold floating values that are not a Tensor (a plain array, a number)?"""
    if isinstance(result, Tensor):
        return False
    if isinstance(result, (np.ndarray, np.generic)):
        return result.dtype.kind in "fc"
    if isinstance(result, (float, complex)):
        return True
    if depth < 2 and isinstance(result, (list, tuple)):
        return any(_floats(r, depth + 1) for r in result)
    return False


def _spelled(func: Any) -> str:
    module = getattr(func, "__module__", None) or "numpy"
    prefix = "np" + module[len("numpy"):] if module.startswith("numpy") else module
    return f"{prefix.replace('._core', '')}.{getattr(func, '__name__', func)}"


def array_function(self: Tensor, func: Any, types: tuple[type, ...], args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> Any:
    """Tensor.__array_function__ (see the module docstring)."""
    for t in types:  # another library's array type: leave the call to it (NEP 18)
        if not issubclass(t, (Tensor, np.ndarray)):
            return NotImplemented
    args, kwargs = _keyworded(func, args, kwargs)
    route = ROUTES.get(func)
    if route is not None and _binds(route, args, kwargs):
        result = route(*args, **kwargs)
        if type(result) in (list, tuple):  # NumPy's container (see _LISTED)
            result = list(result) if func.__name__ in _LISTED else tuple(result)
        return result
    impl = getattr(func, "_implementation", None)
    if impl is None:
        return NotImplemented
    name = getattr(func, "__name__", "")
    where = _written(name, args, kwargs)
    if where is not None:
        return _write_into(where, func, impl, args, kwargs)
    if name in _BY_METHOD:  # NumPy's code calls the tensor's own method: on the graph
        result = impl(*args, **kwargs)
    else:  # NumPy's code on the values, each tensor's read reported (as np.asarray(t) is), so
        # that Tensor.__array__'s refusal of an op's result is not met inside NumPy, which
        # catches it in some functions (np.array_equal(Y, Y) was False) and for value-free
        # ones (np.zeros_like(Y)) refused nothing that needed refusing
        result = impl(*_values(args, name), **dict(zip(kwargs, _values(kwargs.values(), name))))
    if (name not in _VALUE_FREE and _floats(result) and is_grad_enabled()
            and _needs_grad((*args, *kwargs.values()))):
        raise TypeError(_refusal(func, route, result))
    return result


def _written(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | str | None:
    """Where the tensor that NumPy's function `name` would write into sits: 0 (a `_WRITERS`
    function's first argument, or np.nan_to_num's with copy=False), a keyword (`out=t`, or that
    first argument by name), or None (no tensor is written into: NumPy's call on the values
    as any other). (A positional out= arrives as a keyword: _keyworded.)"""
    key = _WRITERS.get(name)
    if key is None and name in _UNLESS_COPY and not kwargs.get("copy", True):
        key = _UNLESS_COPY[name]  # (copy=False or None: NumPy writes into the argument)
    if key is not None:
        if args:
            return 0 if isinstance(args[0], Tensor) else None
        if isinstance(kwargs.get(key), Tensor):
            return key
    if isinstance(kwargs.get("out"), Tensor) and (
            name not in _BY_METHOD or not isinstance(args[0] if args else kwargs.get("a"),
                                                     Tensor)):
        # (np.take(x, i, out=t), np.clip(x, 0, 1, t); a tensor's own method refuses out=t)
        return "out"
    return None


def _write_into(where: int | str, func: Any, impl: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
    """np.put(t, ...), np.copyto(t, ...), np.take(x, i, out=t), ... into tensor t's array
    (argument `where`) under the in-place rules of t[i] = v (tensor.inplace.write), checked
    before anything is written: a leaf that requires grad only under no_grad, an op's result
    never (its graph's gradient ignored the write: `h = t + 1; np.put(h, [0], 5.0)` then gave
    t.grad[0] 10 where torch's h[0] = 5 gives 0), an array a live graph saved copied first;
    with grad mode on, a value from a tensor that requires grad is refused (it would be cut
    from the graph). Returns NumPy's result: None (np.put, ...), or the tensor written
    (out=t, np.nan_to_num(t, copy=False))."""
    name, op = func.__name__, _spelled(func)
    dst = args[0] if where == 0 else kwargs[where]
    pos = args[1:] if where == 0 else args
    rest = {k: v for k, v in kwargs.items() if k != where}
    if is_grad_enabled() and _needs_grad((*pos, *rest.values())):
        raise RuntimeError(f"{op}: a value from a tensor that requires grad, written into a "
                           f"tensor (shape {dst.shape}) in place, would be cut from the graph; "
                           "build a new tensor (tg.where, t.index_put, t.scatter) instead, or "
                           "write under tg.no_grad()")

    def put(a: np.ndarray, _: Any) -> None:
        kw = dict(zip(rest, _values(rest.values(), name)))
        if where == 0:
            impl(a, *_values(pos, name), **kw)
        else:
            impl(*_values(pos, name), **kw, **{where: a})

    write(dst, op, None, put)
    return None if name in _WRITERS else dst


def _refusal(func: Any, route: Callable[..., Any] | None, result: Any) -> str:
    name = getattr(func, "__name__", "")
    what = (f"a plain {type(result).__name__}" if not isinstance(result, np.ndarray)
            else f"a plain array of shape {result.shape}")
    if route is not None:
        fix = (f"tg.{name}({', '.join(_SIGNATURES[route].parameters)}) is the graph's "
               f"{name}: call it with those arguments")
    elif name in _INSTEAD:
        fix = f"write {_INSTEAD[name]}"
    else:
        fix = "compute it with tensor ops"
    return (f"{_spelled(func)} of a tensor that requires grad computed on its values and gave "
            f"{what}, cut from the graph: no gradient would flow back through it; {fix}, or "
            f"take the values on purpose: {_spelled(func)}(t.detach().numpy()) or under "
            "tg.no_grad()")
