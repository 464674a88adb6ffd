"""PyTorch's LayerNorm (each sample normalized over its last dimensions), BatchNorm2d (each
channel of an image batch over the batch and the pixels, BatchNorm1d's statistics per channel;
BatchNorm1d, the course's, is in layers.py), GroupNorm (each sample over groups of channels),
InstanceNorm1d/2d (each channel of each sample over its positions), RMSNorm,
LocalResponseNorm and torch's legacy CrossMapLRN2d, and SyncBatchNorm (one process: a BatchNorm
over (N, C, *), with torch's convert_sync_batchnorm). GroupNorm,
InstanceNorm and RMSNorm call F.group_norm, F.instance_norm and F.rms_norm
(functional/normalization.py: layer_norm over a reshaped input, or its composition)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..device import check_device
from ..functional import group_norm, layer_norm, local_response_norm, rms_norm
from ..functional.methods import as_tensor_of
from ..functional.normalization import instance_norm_of
from ..tensor import Tensor, np_dtype
from . import init as nn_init
from .arg_checks import size_arg, weight_fits
from .batchnorm import BatchNorm1d
from .module import Module


class LayerNorm(Module):
    """`LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)`: over the
    input's last dimensions (`normalized_shape`, an int or a tuple), (x - mean) / sqrt(var +
    eps) with the biased variance, then times `weight` (ones) plus `bias` (zeros), both of
    `normalized_shape`; the same in training and evaluation (no running statistics)."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "LayerNorm")
        dims = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else \
            tuple(normalized_shape)
        if not dims:
            raise ValueError("LayerNorm: normalized_shape must name at least one dimension")
        self.normalized_shape = tuple(size_arg("LayerNorm", "normalized_shape", n) for n in dims)
        if not eps > 0:
            raise ValueError(f"LayerNorm: eps must be > 0, got {eps}")
        self.eps, self.elementwise_affine = float(eps), bool(elementwise_affine)
        dtype = np.float64 if dtype is None else np_dtype(dtype, "LayerNorm")
        weight_fits("LayerNorm", (2, *self.normalized_shape), dtype)  # (weight and bias)
        # (None registered, as torch's: a plain tensor assigned later is refused)
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)
        if self.elementwise_affine:
            self.weight = Tensor(np.ones(self.normalized_shape, dtype), requires_grad=True)
            if bias:
                self.bias = Tensor(np.zeros(self.normalized_shape, dtype), requires_grad=True)

    def forward(self, x: Any) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def reset_parameters(self) -> None:
        """torch's: weight back to ones and bias to zeros, in place."""
        if self.weight is not None:
            nn_init.ones_(self.weight)
        if self.bias is not None:
            nn_init.zeros_(self.bias)

    def extra_repr(self) -> str:  # (torch's: bias= says whether a bias tensor exists)
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """`RMSNorm(normalized_shape, eps=None, elementwise_affine=True)`: over the input's last
    dimensions, x / sqrt(mean(x^2) + eps) times `weight` (ones, of `normalized_shape`);
    eps None is the computing dtype's machine epsilon (float32's for float16 input), as
    torch 2.13's (F.rms_norm)."""

    def __init__(self, normalized_shape: Any, eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "RMSNorm")
        dims = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else \
            tuple(normalized_shape)
        if not dims:
            raise ValueError("RMSNorm: normalized_shape must name at least one dimension")
        self.normalized_shape = tuple(size_arg("RMSNorm", "normalized_shape", n) for n in dims)
        if eps is not None and not (isinstance(eps, (int, float, np.integer, np.floating))
                                    and not isinstance(eps, bool) and eps > 0):
            raise ValueError(f"RMSNorm: eps must be None or a number > 0, got {eps!r}")
        self.eps = None if eps is None else float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        dt = np.float64 if dtype is None else np_dtype(dtype, "RMSNorm")
        weight_fits("RMSNorm", self.normalized_shape, dt)
        self.register_parameter("weight", Tensor(np.ones(self.normalized_shape, dt),
                                                 requires_grad=True)
                                if self.elementwise_affine else None)

    def reset_parameters(self) -> None:
        """torch's: weight back to ones, in place."""
        if self.weight is not None:
            nn_init.ones_(self.weight)

    def forward(self, x: Any) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class BatchNorm2d(BatchNorm1d):
    """`BatchNorm2d(num_features)` for images (N, C, H, W): BatchNorm1d over the N*H*W pixels
    of each channel (the statistics, gamma and beta are per channel), with BatchNorm1d's
    conventions, the course's: the running variance averages the biased batch variance, the
    first training batch sets the averages, eps defaults to 1e-8 (PyTorch's 1e-5: pass
    eps=1e-5 for its training outputs), `momentum=` is taken as alpha = 1 - momentum."""

    def forward(self, x: Tensor) -> Tensor:
        shape = x.data.shape if isinstance(x, Tensor) else np.shape(x)
        if len(shape) != 4 or shape[1] != self.d:
            raise ValueError(f"BatchNorm2d({self.d}): expected input (N, {self.d}, H, W), got "
                             f"{tuple(shape)}")
        n, c, h, w = shape
        rows = x.permute(0, 2, 3, 1).reshape(n * h * w, c)  # one row per pixel
        # (contiguous, as torch's: `bn(x).view(N, -1)` is then a view)
        return super().forward(rows).reshape(n, h, w, c).permute(0, 3, 1, 2).contiguous()


def _affine(module: Module, c: int, dtype: Any, bias: bool) -> None:
    """`weight` (ones) and, with bias, `bias` (zeros), one per channel, PyTorch's names."""
    dt = np.float64 if dtype is None else np_dtype(dtype, type(module).__name__)
    module.weight = Tensor(np.ones(c, dt), requires_grad=True)
    module.bias = Tensor(np.zeros(c, dt), requires_grad=True) if bias else None


class GroupNorm(Module):
    """`GroupNorm(num_groups, num_channels, eps=1e-5, affine=True, *, bias=True)`: the C
    channels of each sample of (N, C, *) split into num_groups groups of C / num_groups; each
    group normalized over its channels and positions, (x - mean) / sqrt(var + eps) with the
    biased variance, then times `weight` (ones) plus `bias` (zeros), one per channel. The same in
    training and evaluation."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        check_device(device, "GroupNorm")
        g = size_arg("GroupNorm", "num_groups", num_groups)
        c = size_arg("GroupNorm", "num_channels", num_channels)
        if g < 1 or c % g:
            raise ValueError(f"GroupNorm: num_channels ({c}) must be divisible by num_groups "
                             f"({g})")
        if not eps > 0:
            raise ValueError(f"GroupNorm: eps must be > 0, got {eps}")
        self.num_groups, self.num_channels, self.eps = g, c, float(eps)
        weight_fits("GroupNorm", (2, c), dtype)
        self.affine = bool(affine)
        self.register_parameter("weight", None)  # (torch's: a plain tensor is refused)
        self.register_parameter("bias", None)
        if self.affine:
            _affine(self, c, dtype, bias)

    def reset_parameters(self) -> None:
        """torch's: weight back to ones and bias to zeros, in place."""
        if self.weight is not None:
            nn_init.ones_(self.weight)
        if self.bias is not None:
            nn_init.zeros_(self.bias)

    def forward(self, x: Any) -> Tensor:
        x = as_tensor_of(x)
        shape = tuple(x.shape)
        g, c = self.num_groups, self.num_channels
        if len(shape) < 2 or shape[1] != c:
            raise ValueError(f"GroupNorm({g}, {c}): expected input (N, {c}, *), got {shape}")
        return group_norm(x, g, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class _InstanceNorm(Module):
    dims = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Any = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        who = type(self).__name__
        check_device(device, who)
        if not eps > 0:
            raise ValueError(f"{who}: eps must be > 0, got {eps}")
        self.track_running_stats = bool(track_running_stats)
        if self.track_running_stats and (
                isinstance(momentum, (bool, np.bool_)) or
                not isinstance(momentum, (int, float, np.integer, np.floating))):
            # torch 2.13 passes momentum=None on as 0.0: its running statistics stay at 0 and
            # 1 for ever, where BatchNorm's None is a cumulative average
            raise ValueError(f"{who}: momentum must be a number with track_running_stats=True, "
                             f"got {momentum!r} (PyTorch's momentum=None leaves the running "
                             "statistics at 0 and 1; no cumulative average)")
        self.num_features = size_arg(who, "num_features", num_features)
        weight_fits(who, (4, self.num_features), dtype)
        self.eps, self.momentum, self.affine = float(eps), momentum, bool(affine)
        self.register_parameter("weight", None)  # (torch's: a plain tensor is refused)
        self.register_parameter("bias", None)
        if self.affine:
            _affine(self, self.num_features, dtype, bias)
        if self.track_running_stats:  # torch's buffers (its count stays 0: it never counts)
            dt = np.float64 if dtype is None else np_dtype(dtype, who)
            self.register_buffer("running_mean", np.zeros(self.num_features, dt))
            self.register_buffer("running_var", np.ones(self.num_features, dt))
            self.register_buffer("num_batches_tracked", np.zeros((), np.int64))

    def legacy_count(self) -> np.ndarray:
        """The num_batches_tracked that a state dict saved without one (torch before 0.4.1)
        loads as: the layer's own, torch's rule."""
        return np.array(self.num_batches_tracked, dtype=np.int64)

    def reset_running_stats(self) -> None:
        """torch's: running mean 0, running variance 1, count 0 (with track_running_stats)."""
        for name, value in (("running_mean", 0), ("running_var", 1),
                            ("num_batches_tracked", 0)):
            a = self._buffers.get(name)
            if a is not None and a.flags.writeable:
                a[...] = value
            elif a is not None:  # (read-only: a new array, as BatchNorm1d's)
                self.register_buffer(name, np.full_like(a, value),
                                     name not in self.__dict__.get("_non_persistent", ()))

    def reset_parameters(self) -> None:
        """torch's: the running statistics reset, weight ones and bias zeros, in place."""
        self.reset_running_stats()
        if self.weight is not None:
            nn_init.ones_(self.weight)
        if self.bias is not None:
            nn_init.zeros_(self.bias)

    def forward(self, x: Any) -> Tensor:
        who, k, c = type(self).__name__, self.dims, self.num_features
        x = as_tensor_of(x)
        shape = tuple(x.shape)
        axes = {1: "L", 2: "H, W"}.get(k, "D, H, W")
        if len(shape) not in (k + 1, k + 2):
            raise ValueError(f"{who}: expected input (N, C, {axes}) or (C, {axes}), got {shape}")
        if shape[-k - 1] != c:
            msg = (f"{who}({c}): input {shape} has {shape[-k - 1]} channels at dim "
                   f"{len(shape) - k - 1}, not num_features={c}")
            if self.affine or self.track_running_stats:
                raise ValueError(msg)
            warnings.warn(msg + " (unused: affine=False), as PyTorch warns", stacklevel=2)
        stats = self.track_running_stats and not self.training
        if not stats and int(np.prod(shape[-k:])) <= 1:
            raise ValueError(f"{who}: expected more than 1 position per channel, got input "
                             f"{shape}")
        rows = x if len(shape) == k + 2 else x.reshape((1,) + shape)  # one sample: a batch
        running = (self.running_mean, self.running_var) if self.track_running_stats else \
            (None, None)
        y = instance_norm_of(who, rows, *running, self.weight, self.bias, not stats,
                             self.momentum, self.eps)
        return y if len(shape) == k + 2 else y.reshape(shape)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """`InstanceNorm1d(num_features, eps=1e-5, momentum=0.1, affine=False,
    track_running_stats=False)`: each channel of each sample of (N, C, L) or (C, L) normalized
    over its L positions (biased variance); with affine, times `weight` plus `bias`, one per
    channel. With track_running_stats=True, PyTorch's buffers running_mean (zeros),
    running_var (ones) and num_batches_tracked (0, and it stays 0, as PyTorch's): training
    moves them by `momentum` toward the batch's mean of each sample's mean and unbiased
    variance, and eval() normalizes with them; momentum=None is refused there (PyTorch's
    leaves them at 0 and 1)."""


class InstanceNorm2d(_InstanceNorm):
    """`InstanceNorm2d(num_features, ...)`: InstanceNorm1d for (N, C, H, W) or (C, H, W), each
    channel normalized over its H * W pixels."""

    dims = 2


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


def cross_map_windows(channels: int, size: int) -> np.ndarray:
    """(C, C) 0/1: which channels' squares torch's CrossMapLRN2d sums for each channel. Its
    running sum starts with channels [0, pre_pad) and, at channel c, adds c + pre_pad - 1 and
    drops c - pre_pad only when c > pre_pad (so channel 0 stays in every later window):
    torch's arithmetic, kept."""
    pre = int((size - 1) / 2 + 1)
    m = np.zeros((channels, channels))
    if channels:
        m[0, :min(pre, channels)] = 1
    for c in range(1, channels):
        m[c] = m[c - 1]
        if c < channels - pre + 1:
            m[c, c + pre - 1] += 1
        if c > pre:
            m[c, c - pre] -= 1
    return m


class CrossMapLRN2d(Module):
    """`CrossMapLRN2d(size, alpha=1e-4, beta=0.75, k=1)` over (N, C, H, W): x * (k + alpha /
    size * s)^-beta, s the sum of the squares of torch's channel window (cross_map_windows).
    Values are torch's; the gradient is the true one of that forward (torch's handwritten
    backward assumes a symmetric window and fails torch's own gradcheck)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1
                 ) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        x = as_tensor_of(input)
        if x.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {x.ndim}D instead.")
        m = cross_map_windows(x.shape[1], self.size).astype(x.dtype)
        s = ((x * x).permute(0, 2, 3, 1) @ Tensor(m.T)).permute(0, 3, 1, 2)
        return (s * (self.alpha / self.size) + self.k) ** (-self.beta) * x

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class SyncBatchNorm(BatchNorm1d):
    """`SyncBatchNorm(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True, process_group=None)` in one process: batch normalization of
    (N, C, *) per channel over every other axis (torch's eps default), with BatchNorm1d's
    (the course's) running statistics: the first training batch sets them and the variance
    averaged is the biased one; affine=False, bias=False, track_running_stats=False and
    momentum=None as BatchNorm1d's (torch's). A process group is refused."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Any = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 process_group: Any = None, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        if process_group is not None:
            raise NotImplementedError("SyncBatchNorm: one process only (process_group must be "
                                      "None)")
        super().__init__(num_features, eps=eps, momentum=momentum, device=device,
                         dtype=np.float64 if dtype is None else dtype, affine=affine,
                         track_running_stats=track_running_stats, bias=bias)

    def forward(self, x: Any) -> Tensor:
        x = as_tensor_of(x)
        shape = tuple(x.shape)
        if len(shape) < 2:
            raise ValueError(f"expected at least 2D input (got {len(shape)}D input)")
        if shape[1] != self.d:
            raise ValueError(f"SyncBatchNorm({self.d}): expected input (N, {self.d}, *), got "
                             f"{shape}")
        if len(shape) == 2:
            return super().forward(x)
        rest = shape[2:]
        order = (0,) + tuple(range(2, len(shape))) + (1,)
        rows = x.permute(*order).reshape(int(np.prod((shape[0],) + rest)), self.d)
        back = (0, len(shape) - 1) + tuple(range(1, len(shape) - 1))
        # (contiguous, as torch's and BatchNorm2d's: `bn(x).view(N, -1)` warned and copied)
        return super().forward(rows).reshape((shape[0],) + rest + (self.d,)).permute(
            *back).contiguous()

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """torch's: `module` with every BatchNorm layer in it (itself too) replaced by a
        SyncBatchNorm holding the very same weight, bias and running statistics."""
        out = module
        if isinstance(module, BatchNorm1d) and not isinstance(module, SyncBatchNorm):
            out = cls(module.d, module.eps, module.momentum, process_group=process_group)
            out.alpha = module.alpha  # (the very weight: 1 - (1 - alpha) may lose its last bit)
            out.gamma, out.beta = module.gamma, module.beta  # (None where module has none)
            out.affine, out.track_running_stats = module.affine, module.track_running_stats
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                out.register_buffer(name, getattr(module, name))  # (the very arrays, or None)
            out.train(module.training)
        for name, child in list(module.named_children()):
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
