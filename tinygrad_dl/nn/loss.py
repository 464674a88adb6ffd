"""Regression, binary and KL losses as Modules, PyTorch's names: `loss_fn = MSELoss();
loss_fn(pred, target)`, and the distances CosineSimilarity and PairwiseDistance.
CrossEntropyLoss, the course's, is in layers.py. Input and target must have the same shape:
PyTorch broadcasts different shapes with a warning, which is silently wrong for an (n, 1)
prediction against (n,) targets, so here that raises (see functional.mse_loss)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_similarity,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    pairwise_distance,
    smooth_l1_loss,
)
from ..tensor import Tensor
from .layers import REDUCTIONS
from .module import Module


class _Loss(Module):
    reductions = REDUCTIONS

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if not isinstance(reduction, str):  # `in REDUCTIONS` would ask a Tensor for bool()
            raise TypeError(f"{type(self).__name__}: reduction must be one of "
                            f"{self.reductions}, got {type(reduction).__name__} "
                            f"{reduction!r:.40} (PyTorch's size_average/reduce positionals are "
                            "not taken: give reduction=)")
        if reduction not in self.reductions:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{self.reductions}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """(input - target)^2, reduced by `reduction` ("mean", "sum" or "none")."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """|input - target|, reduced by `reduction`."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return l1_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1] (after a Sigmoid) against targets
    (functional's binary_cross_entropy), with an optional per-element `weight`."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits against targets in [0, 1] (functional's
    binary_cross_entropy_with_logits), with optional per-element `weight` and `pos_weight`."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Any, target: Any) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (n, K) (after LogSoftmax(dim=1)) against
    class indices (n,), reduced by `reduction` (functional's nll_loss)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return nll_loss(input, target, self.reduction)


def _scale(layer: str, name: str, value: Any, zero_ok: bool) -> float:
    """SmoothL1Loss's beta (>= 0), HuberLoss's delta (> 0): refused when the layer is built."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{layer}: {name} must be a number, got {type(value).__name__}")
    if not (value >= 0 if zero_ok else value > 0):
        raise ValueError(f"{layer}: {name} must be {'>= 0' if zero_ok else '> 0'}, got {value}")
    return float(value)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target; beta >= 0,
    0: L1Loss), reduced by `reduction` (functional's smooth_l1_loss)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = _scale("SmoothL1Loss", "beta", beta, zero_ok=True)

    def forward(self, input: Any, target: Any) -> Tensor:
        return smooth_l1_loss(input, target, self.reduction, self.beta)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, beta={self.beta}"


class HuberLoss(_Loss):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (delta > 0): delta times
    SmoothL1Loss(beta=delta); reduced by `reduction` (functional's huber_loss)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = _scale("HuberLoss", "delta", delta, zero_ok=False)

    def forward(self, input: Any, target: Any) -> Tensor:
        return huber_loss(input, target, self.reduction, self.delta)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, delta={self.delta}"


class KLDivLoss(_Loss):
    """KL divergence of log-probabilities (input) against probabilities (target; log-
    probabilities with log_target=True): reduction "batchmean" is the KL divergence per sample;
    "mean", PyTorch's default, averages over every element and warns so (functional's kl_div)."""

    reductions = ("mean", "batchmean", "sum", "none")

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = bool(log_target)

    def forward(self, input: Any, target: Any) -> Tensor:
        return kl_div(input, target, self.reduction, self.log_target)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, log_target={self.log_target}"


class CosineSimilarity(Module):
    """The cosine of the angle between x1 and x2 along `dim` (functional's cosine_similarity)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p along the last dimension (functional's pairwise_distance)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
