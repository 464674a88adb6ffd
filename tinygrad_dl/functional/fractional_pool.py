"""PyTorch's F.fractional_max_pool2d / fractional_max_pool3d (and their _with_indices
spellings): max pooling over pseudo-random windows (Graham, 2014), one FractionalMaxPool op.
Its samples, one per plane and axis in [0, 1), are drawn inside a Draw op from rng= (or the
default generator) when _random_samples is not given, so a jitted step draws afresh; given the
same _random_samples the windows, values and indices are torch's exactly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ops import Draw, FractionalMaxPool
from ..ops.fractional import fractional_argmax
from ..random import as_rng
from ..tensor import Tensor
from .joins import concatenate
from .methods import as_tensor_of

_AXES = {2: ("height", "width"), 3: ("time", "height", "width")}


@dataclass(frozen=True)
class _Samples:
    """`Draw`'s sampler: uniform samples (N, C, dims) in x's dtype (x: (N, C, ...))."""

    gen: Any
    dims: int

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.gen.random(x.shape[:2] + (self.dims,)).astype(x.dtype)


@dataclass(frozen=True)
class _Indices:
    """`Draw`'s sampler: the chosen flat indices (int64) of x (N, C, P) with the samples
    appended on the last axis."""

    spatial: tuple[int, ...]
    kernel: tuple[int, ...]
    out: tuple[int, ...]

    def __call__(self, xs: np.ndarray) -> np.ndarray:
        p = int(np.prod(self.spatial))
        x = xs[..., :p].reshape(xs.shape[:2] + self.spatial)
        return fractional_argmax(x, xs[..., p:], self.kernel, self.out)


def _ints(who: str, what: str, v: Any, dims: int) -> tuple[int, ...]:
    t = tuple(v) if isinstance(v, (tuple, list)) else (v,) * dims
    if len(t) != dims or any(isinstance(a, bool) or not isinstance(a, (int, np.integer))
                             for a in t):
        raise TypeError(f"{who}: {what} must be an int or {dims} ints, got {v!r}")
    return tuple(int(a) for a in t)


def fractional_max_pool(who: str, dims: int, input: Any, kernel_size: Any,  # noqa: A002
                        output_size: Any, output_ratio: Any, return_indices: bool,
                        samples: Any, rng: Any = None) -> Any:
    """The 2-d and 3-d functions' one body (their messages naming `who`)."""
    x = as_tensor_of(input)
    shape = tuple(x.shape)
    names = "(N, C, H, W) or (C, H, W)" if dims == 2 else "(N, C, T, H, W) or (C, T, H, W)"
    if len(shape) not in (dims + 1, dims + 2):
        raise ValueError(f"{who}: expected input {names}, got {shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: expected a float input, got {x.dtype}")
    k = _ints(who, "kernel_size", kernel_size, dims)
    if min(k) < 1:
        raise ValueError(f"{who}: kernel_size must be positive, got {kernel_size!r}")
    spatial = shape[-dims:]
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"{who} requires specifying either an output_size or an "
                             "output_ratio")
        r = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (
            output_ratio,) * dims
        if len(r) != dims:
            raise ValueError(f"{who}: output_ratio must be a number or {dims} numbers, got "
                             f"{output_ratio!r}")
        out = tuple(int(n * float(ri)) for n, ri in zip(spatial, r))
    else:
        out = _ints(who, "output_size", output_size, dims)
    if min(out) < 0:
        raise ValueError(f"{who}: output_size must not be negative, got {out}")
    for name, n, o, kk in zip(_AXES[dims], spatial, out, k):
        # torch's bounds: the last window ends inside; 3-d also leaves one position spare
        if o + kk - 1 > n - (dims == 3):
            raise RuntimeError(f"{who}(): pool {name} {kk} too large relative to input "
                               f"{name} {n} (output {name} {o})")
    batched = len(shape) == dims + 2
    lead = shape[:2] if batched else (1, shape[0])
    x4 = x.reshape(lead + spatial)
    if samples is None:
        s = Draw.apply(x4.detach(), sample=_Samples(as_rng(rng, who), dims))
    else:
        s = as_tensor_of(samples).detach()
        if s.dtype != x.dtype:
            raise RuntimeError(f"{who}: Expect _random_samples to have the same dtype as input "
                               f"({s.dtype} and {x.dtype})")
        if s.ndim != 3 or s.shape[0] < lead[0] or s.shape[1:] != (lead[1], dims):
            raise RuntimeError(f"{who}: _random_samples must be ({lead[0]} or more, "
                               f"{lead[1]}, {dims}), got {tuple(s.shape)}")
        if not ((s.data >= 0) & (s.data < 1)).all():
            raise ValueError(f"{who}: _random_samples must lie in [0, 1)")
        s = s[:lead[0]]
    values = FractionalMaxPool.apply(x4, s, kernel=k, out=out)
    final = (shape[:-dims] if batched else shape[:1]) + out
    if not return_indices:
        return values.reshape(final)
    both = concatenate([x4.detach().reshape(lead + (int(np.prod(spatial)),)), s], axis=-1)
    idx = Draw.apply(both, sample=_Indices(spatial, k, out))
    return values.reshape(final), idx.reshape(final)


def fractional_max_pool2d(input: Any, kernel_size: Any, output_size: Any = None,  # noqa: A002
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Any = None, *, rng: Any = None) -> Any:
    """PyTorch's F.fractional_max_pool2d of (N, C, H, W) or (C, H, W): the max over
    kernel_size windows at pseudo-random places, output_size (or int(size * output_ratio))
    of them per axis; _random_samples (N, C, 2) in the input's dtype, else drawn from rng=
    (or the default generator). return_indices=True: (values, int64 flat indices per plane).
    The gradient goes to each window's first maximum (its last NaN), as torch's."""
    return fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size, output_size,
                               output_ratio, return_indices, _random_samples, rng)


def fractional_max_pool2d_with_indices(input: Any, kernel_size: Any,  # noqa: A002
                                       output_size: Any = None, output_ratio: Any = None,
                                       return_indices: bool = False,
                                       _random_samples: Any = None, *,
                                       rng: Any = None) -> tuple[Tensor, Tensor]:
    """PyTorch's F.fractional_max_pool2d_with_indices: (values, indices), whatever
    return_indices says (as torch's)."""
    return fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size, output_size,
                               output_ratio, True, _random_samples, rng)


def fractional_max_pool3d(input: Any, kernel_size: Any, output_size: Any = None,  # noqa: A002
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Any = None, *, rng: Any = None) -> Any:
    """PyTorch's F.fractional_max_pool3d of (N, C, T, H, W) or (C, T, H, W), as
    fractional_max_pool2d; _random_samples (N, C, 3)."""
    return fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size, output_size,
                               output_ratio, return_indices, _random_samples, rng)


def fractional_max_pool3d_with_indices(input: Any, kernel_size: Any,  # noqa: A002
                                       output_size: Any = None, output_ratio: Any = None,
                                       return_indices: bool = False,
                                       _random_samples: Any = None, *,
                                       rng: Any = None) -> tuple[Tensor, Tensor]:
    """PyTorch's F.fractional_max_pool3d_with_indices: (values, indices)."""
    return fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size, output_size,
                               output_ratio, True, _random_samples, rng)
