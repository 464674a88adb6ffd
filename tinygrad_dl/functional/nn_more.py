"""More of torch.nn.functional's names, as compositions of existing ops (their values and
gradients are those ops'): the in-place activations (F.relu_, elu_, leaky_relu_, hardtanh_,
threshold_, selu_, celu_, rrelu_) under Tensor's in-place rules, rrelu, alpha_dropout and
feature_alpha_dropout, gumbel_softmax, local_response_norm, channel_shuffle, the deprecated
upsample_nearest / upsample_bilinear, multilabel_margin_loss and
triplet_margin_with_distance_loss.

Random draws come from rng= / generator=, else the default generator (tinygrad_dl.random), as
F.dropout's; they are constants of the graph (the gradient of rrelu is its drawn slope, of
the alpha dropouts their drawn scale)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .activations import celu, hardtanh, selu
from .activations import threshold as threshold_of
from .constructors import rng_of
from .conv import interpolate
from .joins import pad, where
from .losses import pairwise_distance
from .methods import (
    as_tensor_of,
    dim_arg,
    elu,
    inplace_flag,
    leaky_relu,
    number_arg,
    write_inplace,
)

_REDUCTIONS = ("none", "mean", "sum")


# ---- in-place activations -------------------------------------------------------------------
def inplace(who: str, input: Any, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """F.<who>_: `compute`'s values written into input (`methods.write_inplace`)."""
    return write_inplace(who, input, compute)


def relu_(input: Tensor) -> Tensor:
    """F.relu_: relu written into input (Tensor's in-place rules); returns input."""
    return inplace("relu_", input, lambda x: x.relu())


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """F.elu_: elu written into input; returns input."""
    return inplace("elu_", input, lambda x: elu(x, alpha))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """F.leaky_relu_: leaky_relu written into input; returns input."""
    return inplace("leaky_relu_", input, lambda x: leaky_relu(x, negative_slope))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """F.hardtanh_: hardtanh written into input; returns input."""
    return inplace("hardtanh_", input, lambda x: hardtanh(x, min_val, max_val))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """F.threshold_: threshold written into input; returns input."""
    t = threshold
    return inplace("threshold_", input, lambda x: threshold_of(x, t, value))


def selu_(input: Tensor) -> Tensor:
    """F.selu_: selu written into input; returns input."""
    return inplace("selu_", input, selu)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """F.celu_: celu written into input; returns input."""
    return inplace("celu_", input, lambda x: celu(x, alpha))


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False, *, rng: Any = None, generator: Any = None) -> Tensor:
    """F.rrelu_: rrelu written into input (slopes drawn in training); returns input."""
    return inplace("rrelu_", input, lambda x: rrelu(x, lower, upper, training, rng=rng,
                                                     generator=generator))


# ---- rrelu ----------------------------------------------------------------------------------
def rrelu(input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False, *, rng: Any = None, generator: Any = None) -> Tensor:
    """PyTorch's F.rrelu: in training x * a where x <= 0, a drawn uniform in [lower, upper)
    per entry (the gradient there is a; elsewhere 1); otherwise leaky_relu with the mean
    slope (lower + upper) / 2. inplace=True: F.rrelu_."""
    lo, hi = number_arg("rrelu", "lower", lower), number_arg("rrelu", "upper", upper)
    if lo > hi:
        raise ValueError(f"rrelu: lower ({lo}) must be at most upper ({hi})")
    if inplace:
        return inplace_flag("rrelu", input, lambda x: rrelu(x, lo, hi, training, rng=rng,
                                                              generator=generator))
    x = as_tensor_of(input)
    if not training:
        return leaky_relu(x, (lo + hi) / 2)
    if x.dtype.kind != "f":
        raise TypeError(f"rrelu: training draws slopes for a float input, got {x.dtype}")
    gen = rng_of(rng, generator, "rrelu")
    slopes = gen.uniform(lo, hi, x.shape).astype(x.dtype)
    return x * Tensor(np.where(x.data <= 0, slopes, np.ones((), x.dtype)))


# ---- alpha dropout --------------------------------------------------------------------------
_ALPHA = 1.7580993408473766  # -SELU's scale * alpha: the value SELU tends to at -inf, negated


def alpha_noise(who: str, x: Tensor, p: Any, feature: bool, rng: Any,
                generator: Any) -> tuple[np.ndarray, np.ndarray]:
    """torch's (scale, shift) of alpha dropout: with a keep mask m (p of entries, or of whole
    channels, dropped), scale m a and shift (m - 1) alpha a + alpha a p, a = 1 / sqrt((alpha^2
    p + 1)(1 - p)): mean and variance kept for SELU's activations."""
    if feature and x.ndim < 2:
        raise ValueError(f"{who}: feature dropout needs at least 2 dimensions (N, C, ...), "
                         f"got {tuple(x.shape)}")
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2) if feature else tuple(x.shape)
    keep = (rng_of(rng, generator, who).random(shape) >= p).astype(x.dtype)
    a = 1.0 / np.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    shift = (keep - 1) * x.dtype.type(_ALPHA * a) + x.dtype.type(_ALPHA * a * p)
    return keep * x.dtype.type(a), shift


def alpha_dropout_of(who: str, input: Any, p: Any, training: bool, inplace: bool,
                     feature: bool, rng: Any, generator: Any) -> Tensor:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: dropout probability has to be between 0 and 1, got {p!r}")
    if inplace:
        return inplace_flag(who, input, lambda x: alpha_dropout_of(
            who, x, p, training, False, feature, rng, generator), drops=training and p != 0)
    x = as_tensor_of(input)
    if p == 0 or not training or x.data.size == 0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: expected a float input, got {x.dtype}")
    if p == 1:
        return x * Tensor(np.zeros((), x.dtype))  # (torch's: NaN and inf give NaN)
    scale, shift = alpha_noise(who, x, float(p), feature, rng, generator)
    return x * Tensor(scale) + Tensor(shift)


def alpha_dropout(input: Any, p: float = 0.5, training: bool = False, inplace: bool = False,
                  *, rng: Any = None, generator: Any = None) -> Tensor:
    """PyTorch's F.alpha_dropout (for SELU networks): in training each entry dropped with
    probability p to SELU's negative saturation value, then all scaled and shifted so the mean
    and variance stay; otherwise x itself (training defaults to False, as torch's)."""
    return alpha_dropout_of("alpha_dropout", input, p, training, inplace, False, rng,
                            generator)


def feature_alpha_dropout(input: Any, p: float = 0.5, training: bool = False,
                          inplace: bool = False, *, rng: Any = None,
                          generator: Any = None) -> Tensor:
    """PyTorch's F.feature_alpha_dropout: alpha_dropout of whole channels of (N, C, ...)."""
    return alpha_dropout_of("feature_alpha_dropout", input, p, training, inplace, True, rng,
                            generator)


# ---- gumbel_softmax -------------------------------------------------------------------------
def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1, *, rng: Any = None, generator: Any = None) -> Tensor:
    """PyTorch's F.gumbel_softmax: softmax((logits + g) / tau) along dim, g Gumbel(0, 1)
    noise; hard=True: the one-hot of its argmax in the forward, the soft sample's gradient
    (straight through: y_hard - y_soft.detach() + y_soft)."""
    if eps != 1e-10:
        warnings.warn("gumbel_softmax: `eps` is deprecated and has no effect", stacklevel=2)
    tau = number_arg("gumbel_softmax", "tau", tau)
    x = as_tensor_of(logits)
    if x.dtype.kind != "f":
        raise TypeError(f"gumbel_softmax: expected float logits, got {x.dtype}")
    axis = dim_arg("gumbel_softmax", dim, x.ndim)
    noise = -np.log(rng_of(rng, generator, "gumbel_softmax").standard_exponential(x.shape))
    y_soft = ((x + Tensor(noise.astype(x.dtype))) / tau).softmax(axis)
    if not hard:
        return y_soft
    index = np.expand_dims(np.argmax(y_soft.data, axis=axis), axis)
    y_hard = np.zeros(x.shape, x.dtype)
    np.put_along_axis(y_hard, index, 1.0, axis=axis)
    return Tensor(y_hard - y_soft.data) + y_soft


# ---- local_response_norm, channel_shuffle ---------------------------------------------------
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


def channel_shuffle(input: Any, groups: int) -> Tensor:
    """PyTorch's F.channel_shuffle: the C channels of (N, C, ...) read as (groups, C /
    groups) and transposed (ShuffleNet's)."""
    x = as_tensor_of(input)
    shape = tuple(x.shape)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"channel_shuffle: groups must be an integer >= 1, got {groups!r}")
    if len(shape) < 3:
        raise ValueError(f"channel_shuffle: expected an input of 3 or more dims (N, C, ...), "
                         f"got {shape}")
    if shape[1] % groups:
        raise ValueError(f"channel_shuffle: the number of channels ({shape[1]}) must be "
                         f"divisible by groups ({groups})")
    g = int(groups)
    split = x.reshape((shape[0], g, shape[1] // g) + shape[2:])
    y = split.swapaxes(1, 2).reshape(shape)
    # torch's result is new memory; groups 1 or C moves nothing and the reshapes are views
    # of x, where a write into the result (y.add_(1)) changed x without a word
    return y.clone() if np.may_share_memory(y.data, x.data) else y


# ---- deprecated resampling names ------------------------------------------------------------
def upsample_nearest(input: Any, size: Any = None, scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated F.upsample_nearest: F.interpolate(mode="nearest"), with torch's
    warning."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Any, size: Any = None, scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated F.upsample_bilinear: F.interpolate(mode="bilinear",
    align_corners=True), with torch's warning."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- losses ---------------------------------------------------------------------------------
def reduce_loss(who: str, loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def check_reduction(who: str, reduction: Any) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{who}: reduction must be 'none', 'mean' or 'sum', got "
                         f"{reduction!r}")


def multilabel_margin_loss(input: Any, target: Any, size_average: Any = None,
                           reduce: Any = None, reduction: str = "mean") -> Tensor:
    """PyTorch's F.multilabel_margin_loss: per sample, sum over its target classes j (the
    row of `target` up to its first -1) and its other classes i of max(0, 1 - (x[j] - x[i])),
    over C; input (C) or (N, C), target of the same shape, int64."""
    who = "multilabel_margin_loss"
    if size_average is not None or reduce is not None:
        raise ValueError(f"{who}: size_average and reduce are deprecated: use reduction=")
    check_reduction(who, reduction)
    x = as_tensor_of(input)
    y = target.data if isinstance(target, Tensor) else np.asarray(target)
    if x.ndim not in (1, 2) or y.shape != tuple(x.shape):
        raise ValueError(f"{who}: expected input (C) or (N, C) and a target of its shape, got "
                         f"input {tuple(x.shape)} and target {y.shape}")
    if y.dtype != np.int64:
        raise TypeError(f"{who}: target must be int64 class indices, got {y.dtype}")
    c = x.shape[-1]
    if y.size and (y.min() < -1 or y.max() >= c):
        raise ValueError(f"{who}: target values must be in [-1, {c}), got {y.min()}..{y.max()}")
    rows, ys = (x, y) if x.ndim == 2 else (x.reshape(1, c), y.reshape(1, c))
    valid = np.cumprod(ys != -1, axis=1).astype(bool)  # up to the first -1
    is_target = np.zeros(ys.shape, bool)
    for n in range(ys.shape[0]):
        is_target[n, ys[n][valid[n]]] = True
    xy = rows.take_along_dim(np.where(valid, ys, 0), axis=1)  # (N, C): x at each target slot
    margins = 1 - xy.unsqueeze(2) + rows.unsqueeze(1)  # (N, slot, class)
    # torch's kernel adds a term where it is > 0 (a NaN term is left out, gradient 0 at 0)
    mask = valid[:, :, None] & ~is_target[:, None, :] & (margins.data > 0)
    loss = where(Tensor(mask), margins, np.zeros((), x.dtype)).sum(axis=(1, 2)) / c
    if x.ndim == 1:
        loss = loss.reshape(())
    return reduce_loss(who, loss, reduction)


def triplet_margin_with_distance_loss(anchor: Any, positive: Any, negative: Any, *,
                                      distance_function: Callable[..., Any] | None = None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """PyTorch's F.triplet_margin_with_distance_loss: max(margin + d(a, p) - d(a, n), 0),
    d the given distance function (default pairwise_distance); swap: d(a, n) replaced by
    d(p, n) where smaller."""
    who = "triplet_margin_with_distance_loss"
    check_reduction(who, reduction)
    margin = number_arg(who, "margin", margin)
    if not margin > 0:
        raise ValueError(f"{who}: margin must be greater than 0, got {margin}")
    a, p, n = (as_tensor_of(t) for t in (anchor, positive, negative))
    if not a.ndim == p.ndim == n.ndim:
        raise ValueError(f"{who}: anchor, positive and negative must have the same number of "
                         f"dimensions, got {a.ndim}, {p.ndim} and {n.ndim}")
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = as_tensor_of(dist(a, p)), as_tensor_of(dist(a, n))
    if swap:
        d_neg = d_neg.minimum(as_tensor_of(dist(p, n)))
    return reduce_loss(who, (margin + d_pos - d_neg).clamp(min=0), reduction)
