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

Before this, every function outside `_BY_METHOD` took the values: `h = np.concatenate([a, b])`
gave a plain array, and the layers below `a` and `b` trained on nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..grad_mode import is_grad_enabled
from ..hooks import notify_read
from ..tensor import Tensor
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
            "vdot": "(t * u).sum()"}


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
                out[f] = op.fn
    return out


ROUTES = _routes()
_SIGNATURES: dict[Any, inspect.Signature] = {}


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
    route = ROUTES.get(func)
    if route is not None and _binds(route, args, kwargs):
        return route(*args, **kwargs)
    impl = getattr(func, "_implementation", None)
    if impl is None:
        return NotImplemented
    name = getattr(func, "__name__", "")
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
