"""PyTorch's F.group_norm, F.instance_norm, F.rms_norm and F.local_response_norm: compositions of
layer_norm (or mean, mul, add and sqrt), reshape and the per-channel affine, so their gradients
are those ops'. nn.GroupNorm, nn.InstanceNorm1d/2d and nn.RMSNorm call these (one home)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import write_guard
from ..grad import self_overlapping
from ..ops import Tap
from ..tensor import Tensor
from ..tensor import as_tensor as like_tensor  # (a constant in `like`'s float dtype)
from .joins import pad
from .layers import layer_norm
from .methods import as_tensor_of, number_arg


def per_channel(y: Tensor, weight: Any, bias: Any, after: int) -> Tensor:
    """y times weight plus bias, both (C,) broadcast over the `after` axes behind C."""
    if weight is not None:
        y = y * like_tensor(weight, y).reshape((-1,) + (1,) * after)
    if bias is not None:
        y = y + like_tensor(bias, y).reshape((-1,) + (1,) * after)
    return y


def _eps(who: str, eps: Any) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) \
            or not eps > 0:
        raise ValueError(f"{who}: eps must be a number > 0, got {eps!r}")
    return float(eps)


def _channel_param(who: str, name: str, p: Any, c: int) -> None:
    if p is not None and tuple(np.shape(p.data if isinstance(p, Tensor) else p)) != (c,):
        shape = tuple(np.shape(p.data if isinstance(p, Tensor) else p))
        raise ValueError(f"{who}: {name} must have shape ({c},), one per channel, got {shape}")


def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Tensor:
    """PyTorch's F.group_norm: the C channels of each sample of (N, C, *) split into
    num_groups groups; each group normalized over its channels and positions, (x - mean) /
    sqrt(var + eps) with the biased variance, then times `weight` plus `bias` (C,) when
    given. One sample of one value per group is refused, as F's (torch.group_norm's
    spelling, group_norm_of(lone=True), gives its 0s)."""
    return group_norm_of(input, num_groups, weight, bias, eps)


def group_norm_of(input: Any, num_groups: int, weight: Any, bias: Any, eps: Any,
                  lone: bool = False) -> Tensor:
    """F.group_norm; `lone`: one sample of one value per group computed (its own mean: the
    output is the bias), as torch.group_norm, which skips F's check."""
    who = "group_norm"
    x = as_tensor_of(input)
    shape = tuple(x.shape)
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) \
            or num_groups < 1:
        raise ValueError(f"{who}: num_groups must be an integer >= 1, got {num_groups!r}")
    g = int(num_groups)
    if len(shape) < 2 or shape[1] % g:
        raise ValueError(f"{who}: expected input (N, C, *) with C divisible by num_groups={g}, "
                         f"got {shape}")
    eps = _eps(who, eps)
    _channel_param(who, "weight", weight, shape[1])
    _channel_param(who, "bias", bias, shape[1])
    size = int(np.prod(shape[1:])) // g  # one group's channels times positions
    if not size or not shape[0]:  # (no values: an empty output, torch's; gradients 0)
        return per_channel(x * 1.0, weight, bias, len(shape) - 2)
    if shape[0] * size == 1 and not lone:  # (F's check, the layer's batch-size one: a lone
        # value is its own mean, the output the bias alone)
        raise ValueError(f"{who}: expected more than 1 value per group, got input {shape} with "
                         f"num_groups={g} (PyTorch's F.group_norm refuses it too)")
    y = layer_norm(x.reshape(shape[0], g, size), size, eps=eps).reshape(shape)
    return per_channel(y, weight, bias, len(shape) - 2)


class RunningStats:
    """A `Tap` that moves running_mean and running_var (arrays, updated in place) by momentum
    toward a training batch's mean over samples of each sample's mean and unbiased variance
    over its positions: PyTorch's instance-norm update. Equal when it updates the same arrays
    with the same momentum, so the two recordings of a jitted step agree."""

    def __init__(self, mean: np.ndarray, var: np.ndarray, momentum: float, dims: int) -> None:
        self.mean, self.var, self.momentum, self.dims = mean, var, momentum, dims

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, RunningStats) and self.mean is other.mean
                and self.var is other.var and self.momentum == other.momentum
                and self.dims == other.dims)

    def __hash__(self) -> int:
        return hash((id(self.mean), id(self.var), self.momentum, self.dims))

    def __call__(self, x: np.ndarray) -> None:
        per = tuple(range(2, x.ndim))  # x: (N, C, positions...)
        m, rm, rv = self.momentum, self.mean, self.var
        rm *= 1.0 - m
        rm += m * x.mean(axis=per).mean(axis=0)
        rv *= 1.0 - m
        rv += m * x.var(axis=per, ddof=1).mean(axis=0)


def instance_norm(input: Any, running_mean: Any = None, running_var: Any = None,
                  weight: Any = None, bias: Any = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """PyTorch's F.instance_norm: each channel of each sample of (N, C, *) (at least one
    spatial axis) normalized over its positions, (x - mean) / sqrt(var + eps) with the biased
    variance, then times `weight` plus `bias` (C,) when given. With running_mean and
    running_var (arrays of (C,), updated in place, as torch's buffers) and use_input_stats,
    they move by `momentum` toward the batch's mean of each sample's mean and unbiased
    variance; use_input_stats=False normalizes with them instead."""
    return instance_norm_of("instance_norm", input, running_mean, running_var, weight, bias,
                            use_input_stats, momentum, eps)


def _array_of(who: str, name: str, a: Any, c: int) -> np.ndarray:
    arr = a.data if isinstance(a, Tensor) else a
    if not isinstance(arr, np.ndarray) or arr.shape != (c,) or arr.dtype.kind != "f":
        raise ValueError(f"{who}: {name} must be a float array of shape ({c},) (updated in "
                         f"place), got {type(a).__name__} of shape {np.shape(arr)}")
    return arr


def instance_norm_of(who: str, input: Any, running_mean: Any, running_var: Any, weight: Any,
                     bias: Any, use_input_stats: bool, momentum: Any, eps: float) -> Tensor:
    """F.instance_norm with its messages naming `who` (nn.InstanceNorm1d/2d call this)."""
    x = as_tensor_of(input)
    shape = tuple(x.shape)
    if len(shape) < 3:
        raise ValueError(f"{who}: expected input (N, C, *) with at least one spatial axis, got "
                         f"{shape}")
    c, k = shape[1], len(shape) - 2
    eps = _eps(who, eps)
    _channel_param(who, "weight", weight, c)
    _channel_param(who, "bias", bias, c)
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{who}: give both running_mean and running_var, or neither")
    stats = None
    if running_mean is not None:
        stats = (_array_of(who, "running_mean", running_mean, c),
                 _array_of(who, "running_var", running_var, c))
    if not use_input_stats:
        if stats is None:
            raise ValueError(f"{who}: use_input_stats=False needs running_mean and running_var")
        at = (-1,) + (1,) * k
        mean = like_tensor(stats[0], x).reshape(at)
        std = (like_tensor(stats[1], x) + eps).sqrt().reshape(at)
        return per_channel((x - mean) / std, weight, bias, k)
    if int(np.prod(shape[2:])) <= 1:
        raise ValueError(f"{who}: expected more than 1 position per channel, got input {shape}")
    if stats is not None:
        if isinstance(momentum, (bool, np.bool_)) or not isinstance(
                momentum, (int, float, np.integer, np.floating)):
            # torch 2.13 passes momentum=None on as 0.0: its running statistics never move
            raise ValueError(f"{who}: momentum must be a number with running statistics, got "
                             f"{momentum!r} (PyTorch's momentum=None leaves them as they are; "
                             "no cumulative average)")
        for name, a in zip(("running_mean", "running_var"), stats):
            if self_overlapping(a):  # (every channel left the last one's value)
                raise write_guard.broadcast_error(f"{who} (training)", name, a, "give it its "
                                                  "own array (a copy)")
        # an op, so a replayed step (jit) moves them too
        x = Tap.apply(x, fn=RunningStats(stats[0], stats[1], float(momentum), k))
    y = layer_norm(x, shape[2:], eps=eps)
    return per_channel(y, weight, bias, k)


def rms_norm(input: Any, normalized_shape: Any, weight: Any = None, eps: float | None = None
             ) -> Tensor:
    """PyTorch's F.rms_norm: over the last dimensions (`normalized_shape`, the input's trailing
    shape), x / sqrt(mean(x^2) + eps), times `weight` (of `normalized_shape`) when given;
    eps None is the machine epsilon of the dtype it computes in (torch.finfo(dtype).eps;
    float32's for float16 input, which is computed in float32), as torch 2.13's.
    Composed of mul, mean, add and rsqrt: its gradient is theirs."""
    who = "rms_norm"
    x = as_tensor_of(input)
    dims = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else \
        tuple(normalized_shape)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in dims):
        raise ValueError(f"{who}: normalized_shape must be integers, got {normalized_shape!r}")
    shape = tuple(int(n) for n in dims)
    k = len(shape)
    if not k or x.ndim < k or tuple(x.shape[x.ndim - k:]) != shape:
        raise ValueError(f"{who}: normalized_shape {shape} must be the input's last "
                         f"dimensions, got an input of shape {tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: expected a floating-point input, got {x.dtype}")
    axes = tuple(range(x.ndim - k, x.ndim))
    w = None if weight is None else like_tensor(weight, x)
    if w is not None and tuple(w.shape) != shape:
        raise ValueError(f"{who}: weight must have the normalized shape {shape}, got "
                         f"{tuple(w.shape)}")
    half = x.dtype.itemsize == 2  # float16 (">f2" too): in float32, the weight too, rounded
    xc = x.astype(np.float32) if half else x  # back once (torch's): its squares overflow
    # past 256 (an output of 0, silently)
    # eps None: the computing dtype's epsilon, float32's for float16 input, as torch 2.13's
    # (float16's 9.8e-4 gave 0.004 where torch gives 0.26 for inputs of about 1e-3)
    e = float(np.finfo(xc.dtype).eps) if eps is None else _eps(who, eps)
    out = xc * ((xc * xc).mean(axis=axes, keepdims=True) + e).rsqrt()  # (torch's rounding)
    if w is not None:
        out = out * w
    if half:  # (a float32 weight: float32, as NumPy's promotion gave before)
        out = out.astype(np.result_type(np.float16, *(() if w is None else (w.dtype,))))
    return out


# ---- local_response_norm ---------------------------------------------------------------------
def local_response_norm(input: Any, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """PyTorch's F.local_response_norm: x / (k + alpha * mean of x^2 over `size` neighbouring
    channels)^beta, the channel window zero-padded by size // 2 before and (size - 1) // 2
    after (torch's avg_pool, zeros counted) over (N, C, ...) of 3 or more dims."""
    x = as_tensor_of(input)
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: expected an input of 3 or more dims (N, C, "
                         f"...), got {tuple(x.shape)}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"local_response_norm: size must be an integer >= 1, got {size!r}")
    if x.data.size == 0:
        return x
    widths = ((0, 0), (size // 2, (size - 1) // 2)) + ((0, 0),) * (x.ndim - 2)
    sq = pad(x * x, widths)
    c = x.shape[1]
    total = sq[:, 0:c]
    for j in range(1, size):
        total = total + sq[:, j:j + c]
    div = (total / size * number_arg("local_response_norm", "alpha", alpha)
           + number_arg("local_response_norm", "k", k)) ** number_arg(
               "local_response_norm", "beta", beta)
    return x / div
