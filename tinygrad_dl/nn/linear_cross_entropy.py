"""torch 2.13's nn.LinearCrossEntropyLoss: a Linear layer and cross_entropy in one module
(F.linear_cross_entropy), and nn.LinearCrossEntropyOptions (its chunking options)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..functional.linear_head_loss import LinearCrossEntropyOptions, linear_cross_entropy
from ..functional.losses import label_smoothing_arg
from ..tensor import Tensor
from .arg_checks import size_arg
from .layers import Linear, class_weight_args
from .module import Module

__all__ = ["LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]


class LinearCrossEntropyLoss(Module):
    """torch's nn.LinearCrossEntropyLoss: `loss_fn(x, y)` is F.linear_cross_entropy(x,
    W, y, ...) with this module's own Linear (`self.linear`: in_features to num_classes *
    prod(out_features) outputs, torch's flat storage, so a torch state dict loads; bias=False
    by default, as torch).

    out_features (d1, ..., dK): torch's K-dimensional loss (targets (N, d1, ..., dK)).
    weight (C,) per class (a buffer, "weight" in state_dict), reduction, ignore_index (None:
    -100 for class indices), label_smoothing and options (a LinearCrossEntropyOptions: the
    chunked op) as F.linear_cross_entropy's. dtype defaults to float64, the package's.
    """

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple[int, ...] = (),
                 bias: bool = False, device: Any = None, dtype: Any = None,
                 reduction: str = "mean", weight: Any = None, ignore_index: int | None = None,
                 label_smoothing: float = 0.0,
                 options: LinearCrossEntropyOptions | None = None) -> None:
        super().__init__()
        who = "LinearCrossEntropyLoss"
        self.num_classes = size_arg(who, "num_classes", num_classes)
        self.out_features = tuple(size_arg(who, "out_features", d) for d in out_features)
        w, self.reduction = class_weight_args(who, weight, reduction, None, None)
        if w is not None and w.shape != (self.num_classes,):
            raise ValueError(f"{who}: expected weight shape to be {(self.num_classes,)}, got "
                             f"{w.shape}")
        if ignore_index is not None and (isinstance(ignore_index, bool)
                                         or not isinstance(ignore_index, (int, np.integer))):
            raise TypeError(f"{who}: ignore_index must be an int or None, got "
                            f"{type(ignore_index).__name__}")
        self.ignore_index = None if ignore_index is None else int(ignore_index)
        self.label_smoothing = label_smoothing_arg(who, label_smoothing)
        if options is not None and not isinstance(options, LinearCrossEntropyOptions):
            raise TypeError(f"{who}: options must be a LinearCrossEntropyOptions or None, got "
                            f"{type(options).__name__}")
        self.options = options
        self.linear = Linear(in_features, math.prod(self.out_features, start=self.num_classes),
                             bias=bias, device=device, dtype=dtype)
        if w is None:
            self.weight = None
        else:
            self.register_buffer("weight", w)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        lin = self.linear
        shape = (self.num_classes, *self.out_features)
        b = None if lin.bias is None else lin.bias.reshape(shape)
        return linear_cross_entropy(
            input, lin.weight.reshape(shape + (lin.in_features,)), target, linear_bias=b,
            weight=self.weight, reduction=self.reduction, ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
