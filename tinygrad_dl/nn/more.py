"""More of torch.nn's layers, each the module of a function in functional/pooling_indices.py
or functional/nn_more.py (no parameters, no buffers): MaxPool1d / MaxPool2d with torch's
dilation, ceil_mode and return_indices, MaxUnpool1d / 2d, LPPool1d / 2d, RReLU, AlphaDropout,
FeatureAlphaDropout, LocalResponseNorm, Softmax2d, ChannelShuffle, UpsamplingNearest2d,
UpsamplingBilinear2d, ZeroPad1d, CircularPad1d / 2d, MultiLabelMarginLoss,
TripletMarginWithDistanceLoss, and EmbeddingBag (a `weight` parameter, as torch's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..device import check_device
from ..functional import (
    alpha_dropout,
    channel_shuffle,
    embedding_bag,
    feature_alpha_dropout,
    local_response_norm,
    lp_pool1d,
    lp_pool2d,
    max_pool2d,
    max_unpool1d,
    max_unpool2d,
    multilabel_margin_loss,
    rrelu,
    triplet_margin_with_distance_loss,
)
from ..functional.layers import padding_index
from ..functional.methods import as_tensor_of
from ..functional.nn_more import check_reduction
from ..functional.pooling_indices import pool_args, pool_with_indices, sizes_of
from ..random import as_rng, normal
from ..tensor import Tensor, np_dtype
from . import init as nn_init
from . import layers, pooling
from .arg_checks import inplace_arg, inplace_repr, size_arg
from .module import Module


# ---- max pools with torch's options ---------------------------------------------------------
class MaxPool1d(pooling.MaxPool1d):
    """Max over windows of kernel_size positions (spaced by dilation) every `stride` (default
    kernel_size) of (N, C, L) or (C, L), after padding each end with `padding` (at most
    kernel_size // 2) positions of -inf (F.max_pool1d); return_indices=True: (values,
    indices), as MaxUnpool1d takes; ceil_mode as torch's."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        Module.__init__(self)
        (k,), (s,), (p,), (d,) = pool_args("MaxPool1d", 1, kernel_size, stride, padding,
                                           dilation)
        self.kernel_size, self.stride, self.padding, self.dilation = k, s, p, d
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def forward(self, x: Any) -> Any:
        if self.dilation == 1 and not self.ceil_mode and not self.return_indices:
            return super().forward(x)  # (the messages name the layer)
        pair = pool_with_indices("MaxPool1d", 1, x, self.kernel_size, self.stride,
                                 self.padding, self.dilation, self.ceil_mode)
        return pair if self.return_indices else pair[0]

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(layers.MaxPool2d):
    """Max over kernel windows every `stride` (default kernel) pixels of (N, C, H, W) or
    (C, H, W), after padding each side with `padding` pixels of -inf (at most half the kernel);
    dilation and ceil_mode as torch's; return_indices=True: (values, indices) (F.max_pool2d)."""

    def __init__(self, kernel: Any = None, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False, *,
                 kernel_size: Any = None) -> None:
        super().__init__(kernel, stride, padding, kernel_size=kernel_size)
        pool_args("MaxPool2d", 2, self.kernel, stride, padding, dilation)  # (checked now)
        self.dilation, self.return_indices, self.ceil_mode = (
            dilation, bool(return_indices), bool(ceil_mode))

    def forward(self, x: Any) -> Any:
        return max_pool2d(x, self.kernel, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        more = (f", dilation={self.dilation}" if self.dilation != 1 else "") + (
            ", ceil_mode=True" if self.ceil_mode else "")
        return super().extra_repr() + more


class _Unpool(Module):
    dims = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        who = type(self).__name__
        self.kernel_size = sizes_of(who, self.dims, "kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else sizes_of(who, self.dims, "stride",
                                                                       stride)
        self.padding = sizes_of(who, self.dims, "padding", padding, 0)

    def forward(self, input: Any, indices: Any, output_size: Any = None) -> Tensor:
        fn = max_unpool1d if self.dims == 1 else max_unpool2d
        return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(_Unpool):
    """`MaxUnpool2d(kernel_size, stride=None, padding=0)`: MaxPool2d's partial inverse,
    forward(input, indices, output_size=None) (F.max_unpool2d)."""


class MaxUnpool1d(_Unpool):
    """`MaxUnpool1d(kernel_size, stride=None, padding=0)`: MaxPool1d's partial inverse
    (F.max_unpool1d)."""

    dims = 1


class LPPool1d(Module):
    """`LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False)`: (sum of x^p over
    each window)^(1/p) (F.lp_pool1d)."""

    fn = staticmethod(lp_pool1d)

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = ceil_mode

    def forward(self, x: Any) -> Tensor:
        return type(self).fn(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool2d(LPPool1d):
    """`LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False)` (F.lp_pool2d)."""

    fn = staticmethod(lp_pool2d)


# ---- activations, dropout, normalization ----------------------------------------------------
class RReLU(Module):
    """Randomized leaky ReLU: in training x * a where x <= 0, a drawn uniform in [lower,
    upper) per entry (from rng=, else the default generator); in evaluation leaky_relu with
    slope (lower + upper) / 2 (F.rrelu). inplace=True as F.rrelu's."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False,
                 rng: Any = None) -> None:
        super().__init__()
        self.inplace = inplace_arg("RReLU", inplace)
        self.lower, self.upper = lower, upper
        self.rng = as_rng(rng, "RReLU")

    def forward(self, x: Any) -> Tensor:
        return rrelu(x, self.lower, self.upper, self.training, self.inplace, rng=self.rng)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + inplace_repr(self)


class AlphaDropout(Module):
    """Alpha dropout for SELU networks (F.alpha_dropout): in training only, masks from rng=
    (else the default generator). inplace=True as F.alpha_dropout's."""

    fn = staticmethod(alpha_dropout)

    def __init__(self, p: float = 0.5, inplace: bool = False, rng: Any = None) -> None:
        super().__init__()
        who = type(self).__name__
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"{who}: dropout probability has to be between 0 and 1, got {p!r}")
        self.p, self.inplace = p, inplace_arg(who, inplace)
        self.rng = as_rng(rng, who)

    def forward(self, x: Any) -> Tensor:
        return type(self).fn(x, self.p, self.training, self.inplace, rng=self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class FeatureAlphaDropout(AlphaDropout):
    """Alpha dropout of whole channels of (N, C, ...) (F.feature_alpha_dropout)."""

    fn = staticmethod(feature_alpha_dropout)


class LocalResponseNorm(Module):
    """`LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0)` over the channels of
    (N, C, ...) (F.local_response_norm)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: Any) -> Tensor:
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) (dim -3), as torch's."""

    def forward(self, x: Any) -> Tensor:
        x = as_tensor_of(x)
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input (N, C, H, W) or (C, H, W), got "
                             f"{tuple(x.shape)}")
        return x.softmax(-3)


class ChannelShuffle(Module):
    """`ChannelShuffle(groups)` (F.channel_shuffle)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: Any) -> Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class UpsamplingNearest2d(pooling.Upsample):
    """`UpsamplingNearest2d(size=None, scale_factor=None)`: Upsample(mode='nearest')."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(pooling.Upsample):
    """`UpsamplingBilinear2d(size=None, scale_factor=None)`: Upsample(mode='bilinear',
    align_corners=True)."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


# ---- padding --------------------------------------------------------------------------------
class ZeroPad1d(pooling.ConstantPad1d):
    """`ZeroPad1d(padding)`: zeros at both ends of the last axis of (N, C, W) or (C, W);
    padding an int or (left, right); a negative width crops that end, as torch."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class CircularPad1d(pooling.ReflectionPad1d):
    """`CircularPad1d(padding)`: the last axis of (N, C, W) or (C, W) wrapped around (F.pad's
    mode "circular"); padding an int or (left, right), each at most the axis's length."""

    mode = "circular"


class CircularPad2d(CircularPad1d):
    """`CircularPad2d(padding)`: CircularPad1d over the last two axes, (left, right, top,
    bottom)."""

    dims = 2


# ---- losses ---------------------------------------------------------------------------------
class MultiLabelMarginLoss(Module):
    """The multi-label hinge loss of scores (C) or (N, C) against int64 targets of the same
    shape, each row's classes up to its first -1 (F.multilabel_margin_loss)."""

    def __init__(self, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            raise ValueError("MultiLabelMarginLoss: size_average and reduce are deprecated: "
                             "use reduction=")
        check_reduction("MultiLabelMarginLoss", reduction)
        self.reduction = reduction

    def forward(self, input: Any, target: Any) -> Tensor:
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class TripletMarginWithDistanceLoss(Module):
    """max(margin + d(a, p) - d(a, n), 0) with a given distance function (default
    pairwise_distance) (F.triplet_margin_with_distance_loss)."""

    def __init__(self, *, distance_function: Callable[..., Any] | None = None,
                 margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction("TripletMarginWithDistanceLoss", reduction)
        if not margin > 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: margin must be greater than 0, "
                             f"got {margin}")
        self.distance_function, self.margin = distance_function, margin
        self.swap, self.reduction = swap, reduction

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


# ---- EmbeddingBag ---------------------------------------------------------------------------
class EmbeddingBag(Module):
    """`EmbeddingBag(num_embeddings, embedding_dim, mode='mean')`: `weight` ~ N(0, 1)
    (torch's init; padding_idx's row zeros), forward(input, offsets=None,
    per_sample_weights=None) the sum, mean or max of each bag's rows (F.embedding_bag).
    max_norm, scale_grad_by_freq and sparse only at their defaults."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: Any = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Any = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device: Any = None, dtype: Any = None, *,
                 rng: Any = None) -> None:
        super().__init__()
        check_device(device, "EmbeddingBag")
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise ValueError("EmbeddingBag: max_norm, scale_grad_by_freq and sparse are not "
                             "supported")
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        n = self.num_embeddings = size_arg("EmbeddingBag", "num_embeddings", num_embeddings)
        self.embedding_dim = size_arg("EmbeddingBag", "embedding_dim", embedding_dim)
        dtype = np.float64 if dtype is None else np_dtype(dtype, "EmbeddingBag")
        padding_idx = padding_index("EmbeddingBag", padding_idx, n)
        if _weight is not None:
            w = np.array(_weight.data if isinstance(_weight, Tensor) else _weight, dtype=dtype)
            if w.shape != (n, self.embedding_dim):
                raise ValueError(f"EmbeddingBag: _weight must have shape {(n, embedding_dim)}, "
                                 f"got {w.shape}")
        else:
            w = normal((n, self.embedding_dim), dtype, rng, "init")
            if padding_idx is not None:
                w[padding_idx] = 0
        self.weight = Tensor(w, requires_grad=True)
        self.__dict__["_rng"] = rng  # (reset_parameters draws from it again)
        self.mode, self.include_last_offset = mode, bool(include_last_offset)
        self.padding_idx = padding_idx

    def reset_parameters(self) -> None:
        """torch's: the table drawn again from N(0, 1), in place, its padding row 0."""
        nn_init.normal_(self.weight, generator=self.__dict__.get("_rng"))
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Any = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, mode=self.mode,
                             per_sample_weights=per_sample_weights,
                             include_last_offset=self.include_last_offset,
                             padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}, mode='{self.mode}'{pad}"
