"""torch.nn's remaining small names: NLLLoss2d (torch's deprecated alias of NLLLoss),
Container (torch's deprecated Module that registers its keyword arguments), CrossMapLRN2d
(torch's legacy cross-channel LRN, its window arithmetic kept) and SyncBatchNorm (one process:
a BatchNorm over (N, C, *), with torch's convert_sync_batchnorm)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..functional.methods import as_tensor_of
from ..tensor import Tensor
from .batchnorm import BatchNorm1d
from .loss import NLLLoss
from .module import Module


class NLLLoss2d(NLLLoss):
    """torch's deprecated `nn.NLLLoss2d`: NLLLoss itself (which takes (N, C, H, W) input and
    (N, H, W) targets), kept for old code."""


class Container(Module):
    """torch's deprecated `nn.Container(**modules)`: a Module with each keyword's module
    registered under its name; warns FutureWarning as torch's does (subclass Module)."""

    def __init__(self, **kwargs: Any) -> None:
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now "
                      "implemented in `nn.Module`. Subclass that instead.", FutureWarning,
                      stacklevel=2)
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)


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
