"""Regression, binary, KL, margin and ranking losses as Modules, PyTorch's names: `loss_fn =
MSELoss(); loss_fn(pred, target)`, and the distances CosineSimilarity and PairwiseDistance;
MultiLabelMarginLoss, TripletMarginWithDistanceLoss and NLLLoss2d (torch's deprecated alias of
NLLLoss). CrossEntropyLoss, the course's, is in layers.py. Input and target must have the same
shape: PyTorch broadcasts different shapes with a warning, which is silently wrong for an (n, 1)
prediction against (n,) targets, so here that raises (see functional.mse_loss)."""

from __future__ import annotations

from collections.abc import Callable
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
    multilabel_margin_loss,
    nll_loss,
    pairwise_distance,
    smooth_l1_loss,
    triplet_margin_with_distance_loss,
)
from ..functional.ctc import ctc_loss
from ..functional.losses import check_reduction, ignore_index_arg
from ..functional.margin_losses import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from ..tensor import Tensor
from .layers import REDUCTIONS, class_weight_args
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
        _weight_buffer(self, weight)  # (torch's buffer: state_dict's "weight", when given)

    def forward(self, input: Any, target: Any) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits against targets in [0, 1] (functional's
    binary_cross_entropy_with_logits), with optional per-element `weight` and `pos_weight`."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        # torch's buffers (state_dict's "weight" and "pos_weight", when given): a torch state
        # dict of a model holding this loss loads
        _weight_buffer(self, weight)
        _weight_buffer(self, pos_weight, "pos_weight")

    def forward(self, input: Any, target: Any) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (n, K) (after LogSoftmax(dim=1)) against
    class indices (n,), reduced by `reduction` (functional's nll_loss). PyTorch's weight (K,)
    (a buffer, state_dict's "weight") and ignore_index too; a str first argument is the
    reduction."""

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean") -> None:
        weight, reduction = class_weight_args("NLLLoss", weight, reduction, size_average,
                                              reduce)
        super().__init__(reduction)
        self.ignore_index = ignore_index_arg("NLLLoss", ignore_index)
        if weight is None:
            self.weight = None
        else:
            self.register_buffer("weight", weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        if self.weight is None and self.ignore_index == -100:
            return nll_loss(input, target, self.reduction)
        return nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


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


# ---- margin, ranking and embedding losses, Poisson and Gaussian NLL (functional/margin_losses)
class _LegacyLoss(_Loss):
    """A loss whose PyTorch signature has the deprecated size_average and reduce before
    reduction: taken in their places, refused unless None (give reduction=)."""

    def __init__(self, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        if size_average is not None or reduce is not None:
            raise ValueError(f"{type(self).__name__}: size_average and reduce (PyTorch's "
                             "deprecated options) are not taken: give reduction='mean', 'sum' "
                             "or 'none'")
        super().__init__(reduction)


def _weight_buffer(module: Module, weight: Any, name: str = "weight") -> None:
    """A class weight as torch's registered buffer `name` (in state_dict when given)."""
    if weight is None:
        setattr(module, name, None)
    else:
        w = weight.data if isinstance(weight, Tensor) else np.asarray(weight, dtype=np.float64)
        module.register_buffer(name, w.copy())


class MarginRankingLoss(_LegacyLoss):
    """max(0, -y (x1 - x2) + margin), reduced (F.margin_ranking_loss)."""

    def __init__(self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:
        return margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_LegacyLoss):
    """x where y = 1, max(0, margin - x) where y = -1, reduced (F.hinge_embedding_loss)."""

    def __init__(self, margin: float = 1.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Any, target: Any) -> Tensor:
        return hinge_embedding_loss(input, target, self.margin, self.reduction)


class SoftMarginLoss(_LegacyLoss):
    """log(1 + exp(-y x)), reduced (F.soft_margin_loss)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return soft_margin_loss(input, target, self.reduction)


class MultiLabelSoftMarginLoss(_LegacyLoss):
    """Binary cross-entropy of each class's logit, averaged over the classes, then reduced
    over the samples; `weight` (C,) a buffer, as torch's (F.multilabel_soft_margin_loss)."""

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        _weight_buffer(self, weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return multilabel_soft_margin_loss(input, target, self.weight, self.reduction)


class CosineEmbeddingLoss(_LegacyLoss):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1, reduced
    (F.cosine_embedding_loss)."""

    def __init__(self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:
        return cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class TripletMarginLoss(_LegacyLoss):
    """max(0, margin + d(a, p) - d(a, n)), d the p-norm pairwise distance; swap: d(a, n) is
    min(d(a, n), d(p, n)) (F.triplet_margin_loss). margin > 0."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = _scale("TripletMarginLoss", "margin", margin, zero_ok=False)
        self.p, self.eps, self.swap = p, eps, bool(swap)

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                   self.swap, self.reduction)


class MultiMarginLoss(_LegacyLoss):
    """The multi-class hinge loss (p 1 or 2) of scores (N, C) against class indices (N,);
    `weight` (C,) a buffer, as torch's (F.multi_margin_loss)."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None,
                 size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if isinstance(p, bool) or p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got {p!r}")
        self.p, self.margin = int(p), margin
        _weight_buffer(self, weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                 self.reduction)


class PoissonNLLLoss(_LegacyLoss):
    """The Poisson negative log-likelihood, from log-rates (log_input) or rates; full adds
    Stirling's term (F.poisson_nll_loss)."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average: Any = None,
                 eps: float = 1e-8, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = bool(log_input), bool(full), eps

    def forward(self, log_input: Any, target: Any) -> Tensor:
        return poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """The Gaussian negative log-likelihood (log var + (x - t)^2 / var) / 2 of targets given
    means and variances: forward(input, target, var) (F.gaussian_nll_loss)."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full, self.eps = bool(full), eps

    def forward(self, input: Any, target: Any, var: Any) -> Tensor:
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss (functional's ctc_loss): forward(log_probs
    (T, N, C) or (T, C), targets, input_lengths, target_lengths), `blank` the blank label,
    `zero_infinity` 0 (and no gradient) for impossible alignments."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False
                 ) -> None:
        super().__init__(reduction)
        if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)):
            raise TypeError(f"CTCLoss: blank must be an int, got {type(blank).__name__}")
        if not isinstance(zero_infinity, (bool, np.bool_)):  # ("no" was truthy)
            raise TypeError(f"CTCLoss: zero_infinity must be a bool, got "
                            f"{type(zero_infinity).__name__} {zero_infinity!r:.40}")
        self.blank, self.zero_infinity = int(blank), bool(zero_infinity)

    def forward(self, log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any
                ) -> Tensor:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)

    def extra_repr(self) -> str:
        return (f"blank={self.blank}, reduction={self.reduction!r}, "
                f"zero_infinity={self.zero_infinity}")


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
        # torch's default: a PairwiseDistance() module (a child, in the repr), not None
        self.distance_function = (PairwiseDistance() if distance_function is None
                                  else distance_function)
        self.margin = margin
        self.swap, self.reduction = swap, reduction

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """torch's deprecated `nn.NLLLoss2d`: NLLLoss itself (which takes (N, C, H, W) input and
    (N, H, W) targets), kept for old code."""
