"""PyTorch's 1-D pools and adaptive pools as functions (F.max_pool1d, F.avg_pool1d,
F.adaptive_avg_pool1d/2d, F.adaptive_max_pool1d/2d), composed of max_pool2d, avg_pool2d,
reshape, slicing, mean and stack: their values and gradients are those ops', with no op of
their own. nn.MaxPool1d, nn.AvgPool1d and the nn.Adaptive*Pool modules call `pool1d` and
`adaptive_pool` here (one home; `who` names the layer or the function in the messages).

max_pool1d / avg_pool1d pool (N, C, L) as an image of height 1. The adaptive pools split each
axis of n positions into `out` bins, bin i spanning [floor(i n / out), ceil((i + 1) n / out))
(PyTorch's; neighbouring bins overlap when out does not divide n): one reshape and one
reduction when every axis divides evenly, else one slice per bin."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops.allocation import check_alloc
from ..tensor import Tensor
from .avg_pool_modes import pool_out_size
from .conv import avg_pool2d, empty_of, max_pool2d
from .joins import stack
from .methods import as_tensor_of, bool_arg


def one_int(layer: str, name: str, value: Any, minimum: int = 1) -> int:
    """A 1-D layer's size argument: an int or PyTorch's 1-tuple `(k,)`, at least `minimum`."""
    v = value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{layer}: {name} must be an integer >= {minimum} (or a 1-tuple), got "
                         f"{value!r}")
    return int(v)


def refuse(who: str, **given: tuple[Any, Any]) -> None:
    """PyTorch's options that are not implemented, allowed only at their defaults."""
    for name, (value, default) in given.items():
        if value != default:
            raise ValueError(f"{who}: {name}={value!r} is not supported (only {default!r})")


def shape_of(who: str, x: Tensor, dims: int, expects: str) -> tuple[int, ...]:
    """x's shape, which must be (N, C, *spatial) or unbatched (C, *spatial)."""
    shape = tuple(x.shape)
    if len(shape) not in (dims + 1, dims + 2):
        raise ValueError(f"{who}: expected input {expects}, got {shape}")
    return shape


# ---- max_pool1d, avg_pool1d ----------------------------------------------------------------
def pool_sizes(who: str, kernel_size: Any, stride: Any, padding: Any) -> tuple[int, int, int]:
    """(kernel, stride, padding) of a 1-D pool: stride None is the kernel, padding at most
    kernel // 2 (PyTorch's rule)."""
    k = one_int(who, "kernel_size", kernel_size)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        one_int(who, "stride", stride)
    p = one_int(who, "padding", padding, 0)
    if p > k // 2:
        raise ValueError(f"{who}: padding must be at most kernel_size // 2 = {k // 2}, got {p}")
    return k, s, p


def pool1d(who: str, pool: Callable[..., Tensor], input: Any, kernel: int, stride: int,
           padding: int, ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """max_pool2d or avg_pool2d over (N, C, L) or (C, L) as an image of height 1 (ceil_mode
    and count_include_pad: avg_pool2d's, as torch's avg_pool1d passes them on)."""
    ceil_mode = bool_arg(who, "ceil_mode", ceil_mode)
    count_include_pad = bool_arg(who, "count_include_pad", count_include_pad)
    x = as_tensor_of(input)
    shape = shape_of(who, x, 1, "(N, C, L) or (C, L)")
    n = shape[-1]
    if pool_out_size(n, kernel, stride, padding, bool(ceil_mode)) < 1:
        raise ValueError(f"{who}: kernel_size {kernel} is larger than the input's length {n}"
                         + (f" + 2 * padding {padding}" if padding else "") + f" (input {shape})")
    rows = x.reshape((1,) * (3 - len(shape)) + shape[:-1] + (1, n))  # (N, C, 1, L)
    if ceil_mode or not count_include_pad:
        out = pool(rows, (1, kernel), (1, stride), (0, padding), bool(ceil_mode),
                   bool(count_include_pad))
    else:
        out = pool(rows, (1, kernel), (1, stride), (0, padding))
    return out.reshape(shape[:-1] + (out.shape[-1],))


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False
               ) -> Tensor:
    """PyTorch's F.max_pool1d: the max over windows of kernel_size positions every `stride`
    (default kernel_size) of (N, C, L) or (C, L), after padding each end with `padding` (at
    most kernel_size // 2) positions of -inf; a window's gradient goes to its first maximum.
    dilation, ceil_mode and return_indices only at PyTorch's defaults."""
    refuse("max_pool1d", dilation=(dilation, 1), ceil_mode=(ceil_mode, False),
           return_indices=(return_indices, False))
    k, s, p = pool_sizes("max_pool1d", kernel_size, stride, padding)
    return pool1d("max_pool1d", max_pool2d, input, k, s, p)


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """PyTorch's F.avg_pool1d: the mean over windows of kernel_size positions every `stride`
    (default kernel_size) of (N, C, L) or (C, L), after padding each end with `padding` zeros
    that count in the mean (count_include_pad=True; False: the mean of the real positions).
    ceil_mode: a last partial window (none starting in the right padding), as torch's."""
    k, s, p = pool_sizes("avg_pool1d", kernel_size, stride, padding)
    return pool1d("avg_pool1d", avg_pool2d, input, k, s, p, ceil_mode, count_include_pad)


# ---- adaptive pools ------------------------------------------------------------------------
def bins(n: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive bins of n positions: [floor(i n / out), ceil((i + 1) n / out))."""
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


def adaptive_avg(x: Tensor, out: tuple[int, ...]) -> Tensor:
    """The mean over each bin of x's last len(out) axes: the bin's sum (separable: a sum of
    bin sums), divided by the bin's length on each axis in turn, as torch's sum / kd / kh / kw
    (a mean of bin means rounded each third: -3.7e-17 where torch's is 0)."""
    k = len(out)
    lead, sizes = tuple(x.shape[:-k]), tuple(x.shape[-k:])
    lengths: list[Any] = []
    if all(n % o == 0 for n, o in zip(sizes, out)):  # one reshape, one sum
        split = sum(((o, n // o) for n, o in zip(sizes, out)), ())
        x = x.reshape(lead + split).sum(axis=tuple(len(lead) + 2 * j + 1 for j in range(k)))
        lengths = [float(n // o) for n, o in zip(sizes, out)]
    else:
        for j, (n, o) in enumerate(zip(sizes, out)):
            axis = len(lead) + j
            if n % o == 0:
                x = x.reshape(tuple(x.shape[:axis]) + (o, n // o) + tuple(x.shape[axis + 1:]))
                x = x.sum(axis=axis + 1)
                lengths.append(float(n // o))
            else:
                before = (slice(None),) * axis
                x = stack([x[before + (slice(s, e),)].sum(axis=axis) for s, e in bins(n, o)],
                          axis=axis)
                ends = np.array(bins(n, o))  # (Python numbers: a literal to the jit)
                lengths.append(Tensor((ends[:, 1] - ends[:, 0]).reshape(
                    (o,) + (1,) * (k - 1 - j)).astype(float).tolist(),
                    dtype=x.dtype if x.dtype.kind == "f" else np.float64))
    for length in lengths:
        x = x / length
    return x


def adaptive_max(x: Tensor, out: tuple[int, ...]) -> Tensor:
    """The max over each bin of x's last len(out) axes, by max_pool2d with a window of the
    whole bin: its gradient goes to the first maximum of the bin, as PyTorch's (a reshape and
    one pool when every axis divides evenly, else one pool per bin)."""
    k = len(out)
    lead, sizes = tuple(x.shape[:-k]), tuple(x.shape[-k:])
    rows = x.reshape((1, int(np.prod(lead))) + (1,) * (2 - k) + sizes)  # (1, N C, H, W)
    sizes, out2 = rows.shape[2:], (1,) * (2 - k) + out
    if all(n % o == 0 for n, o in zip(sizes, out2)):
        pooled = max_pool2d(rows, tuple(n // o for n, o in zip(sizes, out2)))
    else:
        cells = [max_pool2d(rows[:, :, hs:he, ws:we], (he - hs, we - ws))
                 for (hs, he), (ws, we) in itertools.product(*(bins(n, o) for n, o
                                                               in zip(sizes, out2)))]
        pooled = stack(cells, axis=-1)
    return pooled.reshape(lead + out)


def adaptive_sizes(who: str, dims: int, output_size: Any) -> tuple[int | None, ...]:
    """An adaptive pool's output_size: an int, or `dims` of them (None: keep that axis, 2-D)."""
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * dims
    if output_size is None or len(sizes) != dims or not all(  # (a bare None: torch's TypeError)
            (s is None and dims > 1) or (isinstance(s, (int, np.integer))
                                         and not isinstance(s, bool) and s >= 0)
            for s in sizes):
        raise ValueError(f"{who}: output_size must be " + (
            "an integer >= 0 (or a 1-tuple)" if dims == 1 else
            f"an integer >= 0 or {'a pair' if dims == 2 else dims} of them (None: that "
            "axis's input size)")
            + f", got {output_size!r}")
    return tuple(None if s is None else int(s) for s in sizes)


def adaptive_pool(who: str, dims: int, reduce: Callable[[Tensor, tuple[int, ...]], Tensor],
                  input: Any, sizes: tuple[int | None, ...]) -> Tensor:
    """adaptive_avg or adaptive_max of (N, C, *spatial) or (C, *spatial) to `sizes`."""
    x = as_tensor_of(input)
    axes = {1: "L", 2: "H, W"}.get(dims, "D, H, W")
    shape = shape_of(who, x, dims, f"(N, C, {axes}) or (C, {axes})")
    spatial = shape[-dims:]
    if 0 in spatial:
        raise ValueError(f"{who}: the input {shape} has no positions to pool")
    out = tuple(n if s is None else s for n, s in zip(spatial, sizes))
    check_alloc(lambda: f"{who}: output_size {out}", shape[:-dims] + out, x.data.dtype)
    if 0 in out:  # an empty result, as torch's (its gradient: zeros)
        return empty_of(shape[:-dims] + out, x)
    return reduce(x, out)



def adaptive_avg_pool1d(input: Any, output_size: Any) -> Tensor:
    """PyTorch's F.adaptive_avg_pool1d: (N, C, L) or (C, L) to (..., output_size), the mean
    over PyTorch's bins."""
    who = "adaptive_avg_pool1d"
    return adaptive_pool(who, 1, adaptive_avg, input, adaptive_sizes(who, 1, output_size))


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Tensor:
    """PyTorch's F.adaptive_avg_pool2d: (N, C, H, W) or (C, H, W) to (..., oh, ow) (an int for
    both; None keeps that axis), the mean over PyTorch's bins."""
    who = "adaptive_avg_pool2d"
    return adaptive_pool(who, 2, adaptive_avg, input, adaptive_sizes(who, 2, output_size))
