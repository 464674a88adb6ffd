"""Regression and binary losses as Modules, PyTorch's names: `loss_fn = MSELoss(); loss_fn(pred,
target)`. CrossEntropyLoss, the course's, is in layers.py. Input and target must have the same
shape: PyTorch broadcasts different shapes with a warning, which is silently wrong for an (n, 1)
prediction against (n,) targets, so here that raises (see functional.mse_loss)."""

from __future__ import annotations

from typing import Any

from ..functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    l1_loss,
    mse_loss,
    nll_loss,
)
from ..tensor import Tensor
from .layers import REDUCTIONS, Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if not isinstance(reduction, str):  # `in REDUCTIONS` would ask a Tensor for bool()
            raise TypeError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, "
                            f"got {type(reduction).__name__} {reduction!r:.40} (PyTorch's "
                            "size_average/reduce positionals are not taken: give reduction=)")
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, "
                             f"got {reduction!r}")
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
