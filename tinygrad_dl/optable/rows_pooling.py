"""Op-table rows of the fractional max pools (functional/fractional_pool.py): the
fractional max pools, called with fixed _random_samples (binary fractions with exact window
arithmetic, so float32 picks float64's windows), against a NumPy reference that places torch's
windows by their formula and takes each window's max."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from .. import functional as F
from .. import ops
from ..tensor import Tensor
from .refs import case
from .spec import DISTINCT, NN, Cases, OpInfo

_SAMPLES = (0.25, 0.5, 0.75, 0.125, 0.625, 0.375)


def _samples(n: int, c: int, dims: int, dtype: Any) -> np.ndarray:
    return np.resize(np.array(_SAMPLES), (n, c, dims)).astype(dtype)


def _starts(u: float, n_in: int, n_out: int, k: int) -> list[int]:
    """torch's window starts: int((i + u) * alpha) - int(u * alpha), the last at n_in - k."""
    if n_out == 1:
        return [n_in - k]
    alpha = (n_in - k) / (n_out - 1)
    return [math.trunc((i + u) * alpha) - math.trunc(u * alpha)
            for i in range(n_out - 1)] + [n_in - k]


def fractional_ref(x: np.ndarray, kernel_size: Any, output_size: Any) -> np.ndarray:
    """Each plane's windows placed by its samples (2-d: the width's sample first), the max of
    each window, window by window."""
    dims = x.ndim - 2
    k = (kernel_size,) * dims if isinstance(kernel_size, int) else tuple(kernel_size)
    o = (output_size,) * dims if isinstance(output_size, int) else tuple(output_size)
    s = _samples(x.shape[0], x.shape[1], dims, np.float64)
    out = np.zeros(x.shape[:2] + o)
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        u = s[n, c][::-1] if dims == 2 else s[n, c]
        starts = [_starts(float(u[j]), x.shape[2 + j], o[j], k[j]) for j in range(dims)]
        for pos in itertools.product(*(range(oj) for oj in o)):
            cut = tuple(slice(starts[j][pos[j]], starts[j][pos[j]] + k[j]) for j in range(dims))
            out[(n, c) + pos] = x[(n, c) + cut].max()
    return out


def _call(fn: Any, j: int | None = None) -> Any:
    def call(x: Tensor, **kw: Any) -> Tensor:
        s = _samples(x.shape[0], x.shape[1], x.ndim - 2, x.dtype)
        r = fn(x, _random_samples=s, **kw)
        return r if j is None else r[j]
    return call


# two samples of one channel here (each its own windows), three channels of one below: 84
# entries to difference, not 168 (the suite's time)
_CASES2 = Cases((case((2, 1, 6, 7), domain=DISTINCT, kernel_size=2, output_size=3),
                 case((1, 3, 5, 6), domain=DISTINCT, kernel_size=(2, 3), output_size=(4, 2))))
_CASES3 = Cases((case((1, 2, 4, 4, 5), domain=DISTINCT, kernel_size=2, output_size=(2, 2, 3)),))

ROWS: tuple[OpInfo, ...] = (
    OpInfo("fractional_max_pool2d", ops.FractionalMaxPool,
           "max over torch's pseudo-random windows (N, C, H, W), output_size or output_ratio, "
           "_random_samples, return_indices", NN, F=("fractional_max_pool2d",),
           function=F.fractional_max_pool2d, call=_call(F.fractional_max_pool2d),
           ref=fractional_ref, sample=_CASES2,
           grad="to each window's first maximum (the last NaN), as torch's"),
    OpInfo("fractional_max_pool2d_with_indices", ops.FractionalMaxPool,
           "(values, int64 flat indices) of fractional_max_pool2d", NN,
           F=("fractional_max_pool2d_with_indices",),
           function=F.fractional_max_pool2d_with_indices,
           call=_call(F.fractional_max_pool2d_with_indices, 0), ref=fractional_ref,
           sample=_CASES2, grad="fractional_max_pool2d's (the indices are constants)"),
    OpInfo("fractional_max_pool3d", ops.FractionalMaxPool,
           "max over torch's pseudo-random windows (N, C, T, H, W)", NN,
           F=("fractional_max_pool3d",), function=F.fractional_max_pool3d,
           call=_call(F.fractional_max_pool3d), ref=fractional_ref, sample=_CASES3,
           grad="to each window's first maximum (the last NaN), as torch's"),
    OpInfo("fractional_max_pool3d_with_indices", ops.FractionalMaxPool,
           "(values, int64 flat indices) of fractional_max_pool3d", NN,
           F=("fractional_max_pool3d_with_indices",),
           function=F.fractional_max_pool3d_with_indices,
           call=_call(F.fractional_max_pool3d_with_indices, 0), ref=fractional_ref,
           sample=_CASES3, grad="fractional_max_pool3d's (the indices are constants)"),
)
