"""PyTorch's functions that combine or index tensors: dstack, block_diag, cartesian_prod, isin,
tril_indices / triu_indices, vander and combinations."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ..device import check_device
from ..ops.allocation import check_alloc, check_count
from ..tensor import Tensor, np_dtype, plain_array
from .joins import atleast_3d, concatenate, meshgrid, pad, stack
from .methods import as_tensor_of, as_tensors, takes_out


@takes_out
def dstack(tensors: Any) -> Tensor:
    """Tensors joined along axis 2 (1-D and 2-D ones made 3-D first: np.dstack)."""
    ts = list(tensors)
    if not ts:
        raise ValueError("dstack: expects a non-empty sequence of tensors")
    made = atleast_3d(*as_tensors(ts))
    return concatenate(made if isinstance(made, (list, tuple)) else [made], axis=2)


def block_diag(*tensors: Any) -> Tensor:
    """The tensors (0-, 1- or 2-D) as blocks on the diagonal of one matrix, zeros elsewhere;
    the gradient of each block is its window of the output's."""
    if not tensors:
        return Tensor(np.zeros((1, 0)))  # torch's empty block_diag()
    ts = [t.reshape(1, -1) if t.ndim < 2 else t for t in as_tensors(list(tensors))]
    for t in ts:
        if t.ndim != 2:
            raise ValueError(f"block_diag: expects tensors of at most 2 dims, got shape {t.shape}")
    width = sum(t.shape[1] for t in ts)
    check_alloc("block_diag", (sum(t.shape[0] for t in ts), width), ts[0].data.dtype)
    rows, left = [], 0
    for t in ts:
        rows.append(pad(t, ((0, 0), (left, width - left - t.shape[1]))))
        left += t.shape[1]
    return concatenate(rows, axis=0)


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every combination of the 1-D tensors' entries, one row each (itertools.product's order);
    one tensor: itself."""
    ts = as_tensors(list(tensors))
    if not ts or any(t.ndim != 1 for t in ts):
        raise ValueError("cartesian_prod: expects one or more 1-D tensors, got shapes "
                         f"{[t.shape for t in ts]}")
    if len(ts) == 1:
        return ts[0]
    check_alloc("cartesian_prod", (math.prod(len(t) for t in ts), len(ts)), ts[0].data.dtype)
    grids = meshgrid(*ts, indexing="ij")
    return stack([g.reshape(-1) for g in grids], axis=1)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Is each entry of elements among test_elements: a constant bool tensor."""
    a = as_tensor_of(elements).data
    b = test_elements.data if isinstance(test_elements, Tensor) else plain_array(
        test_elements, who="isin: test_elements")
    return Tensor(np.isin(a, b, assume_unique=assume_unique, invert=invert))


def _triangle(who: str, row: Any, col: Any, offset: Any, upper: bool, dtype: Any) -> Tensor:
    for name, v in (("row", row), ("col", col), ("offset", offset)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{who}: {name} must be an int, got {v!r}")
    if row < 0 or col < 0:
        raise ValueError(f"{who}: row and col must be >= 0, got {row} and {col}")
    try:  # (torch's two: int64, the default, and int32)
        dt = np.dtype(np.int64 if dtype is None else np_dtype(dtype, who))
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.int64), np.dtype(np.int32)):
        raise TypeError(f"{who}: dtype must be int64 or int32 (as torch's), got {dtype!r}")
    check_count(who, int(row) * int(col), 1 + 2 * dt.itemsize,  # (NumPy's row x col mask too)
                lambda: f"the indices of a {row} x {col} triangle", "use smaller sizes")
    r, c = (np.triu_indices if upper else np.tril_indices)(int(row), int(offset), int(col))
    return Tensor(np.stack([r, c]).astype(dt).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) coordinates of the lower triangle of a row x col matrix (diagonal `offset`
    and below), row by row; dtype int64 (None, torch's default) or int32."""
    check_device(device, "tril_indices")  # (torch's device=: the CPU, or one line)
    return _triangle("tril_indices", row, col, offset, False, dtype)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) coordinates of the upper triangle (diagonal `offset` and above); dtype as
    tril_indices'."""
    check_device(device, "triu_indices")  # (torch's device=: the CPU, or one line)
    return _triangle("triu_indices", row, col, offset, True, dtype)


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:
    """torch.vander: the columns x^(N-1), ..., x, 1 (increasing=True: 1, x, ..., x^(N-1)) of
    a 1-D x, N = len(x) by default; built by running products (torch's), integers as int64."""
    x = as_tensor_of(x)
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape {x.shape}")
    n = x.shape[0] if N is None else N
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"vander: N must be an int, got {N!r}")
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {n}")
    check_alloc("vander", (x.shape[0], n), x.data.dtype)
    if x.data.dtype.kind in "biu":
        x = x.to(np.int64)
    ones = Tensor(np.ones((x.shape[0], min(n, 1)), x.data.dtype))
    if n <= 1:
        out = ones
    else:
        powers = x.reshape(-1, 1).expand(x.shape[0], n - 1).cumprod(1)
        out = concatenate([ones, powers], 1)
    return out if increasing else out.flip(1)


def combinations(input: Any, r: int = 2, with_replacement: bool = False) -> Tensor:
    """torch.combinations: the r-element combinations of a 1-D tensor's entries, as rows, in
    itertools' order (r = 0: an empty tensor)."""
    x = as_tensor_of(input)
    if x.ndim != 1:
        raise RuntimeError(f"combinations: Expect a 1D vector, but got shape {list(x.shape)}")
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)):
        raise TypeError(f"combinations: r must be an int, got {r!r}")
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return x[:0]
    n = x.shape[0]  # (C(n, r) rows, built as a list of tuples of about 100 bytes each)
    rows = math.comb(n + int(r) - 1, int(r)) if with_replacement else math.comb(n, int(r))
    check_count("combinations", rows, 8 * int(r) + 100,
                lambda: f"{rows} combinations of {n} entries (r={r})", "use a smaller r or input")
    make = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(make(range(x.shape[0]), int(r))), dtype=np.int64).reshape(-1, int(r))
    return x[idx]
