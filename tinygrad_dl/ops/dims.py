"""Dim arguments. A dim given as a 0-d integer Tensor or NumPy array: torch reads a 0-d integer
tensor through `__index__` (`x.sum(torch.tensor(1))`, `x.split(2, dim=d)`), NumPy a 0-d integer
array; the dim checks (ops/shape.py's axis_of, the reductions' axes, functional's dim_arg)
take it as its int. A float or bool one, or a 1-element 1-D one, stays as given, for the
check to refuse in its one line."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np


def dim_value(dim: Any) -> Any:
    """`dim` as its int where it is a 0-d integer Tensor or array (or a NumPy integer
    scalar); anything else as given. (A Tensor's `__index__` tells a jit recording that it
    reads the value, as `int(t)` does.)"""
    dtype = getattr(dim, "dtype", None)
    if getattr(dim, "ndim", None) == 0 and getattr(dtype, "kind", "") in ("i", "u"):
        return operator.index(dim)
    return dim


def dim_ints(op: str, dims: Any) -> list:
    """A dim or dims (moveaxis's source or destination) as a list (Python ints without
    NumPy's 1 us), each an integer (a 0-d integer tensor's int); a bool or a float refused
    in one line (True moved dim 1, as np.atleast_1d([True, 0]) made it 1)."""
    if type(dims) is int:
        return [dims]
    if type(dims) in (list, tuple):
        for a in dims:  # (a loop: all() of a generator costs 0.3 us)
            if type(a) is not int:
                break
        else:
            return list(dims)
    items = list(dims) if type(dims) in (list, tuple) else np.atleast_1d(dims).tolist()
    out = []
    for a in items:
        a = dim_value(a)
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op}: dim must be an integer, got {a!r}")
        out.append(int(a))
    return out


def dims_arg(op: str, dims: Any) -> Any:
    """A dim (or a sequence of dims) that goes to NumPy unchecked (expand_dims, flip, roll):
    a bool refused, as torch's TypeError (NumPy took `x.unsqueeze(True)` as dim 1); a 0-d
    integer tensor or array as its int; None, an int, or a tuple of ints as given."""
    if dims is None or type(dims) is int:
        return dims
    many = isinstance(dims, (tuple, list)) or np.ndim(dims) == 1
    out = dim_ints(op, dims)
    return tuple(out) if many else out[0]
