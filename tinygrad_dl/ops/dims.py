"""A dim argument given as a 0-d integer Tensor or NumPy array: torch reads a 0-d integer
tensor through `__index__` (`x.sum(torch.tensor(1))`, `x.split(2, dim=d)`), NumPy a 0-d integer
array; the dim checks (ops/shape.py's axis_of, the reductions' axes, functional's dim_arg)
take it as its int. A float or bool one, or a 1-element 1-D one, stays as given, for the
check to refuse in its one line."""

from __future__ import annotations

import operator
from typing import Any


def dim_value(dim: Any) -> Any:
    """`dim` as its int where it is a 0-d integer Tensor or array (or a NumPy integer
    scalar); anything else as given. (A Tensor's `__index__` tells a jit recording that it
    reads the value, as `int(t)` does.)"""
    dtype = getattr(dim, "dtype", None)
    if getattr(dim, "ndim", None) == 0 and getattr(dtype, "kind", "") in ("i", "u"):
        return operator.index(dim)
    return dim
