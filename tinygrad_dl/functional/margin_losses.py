"""PyTorch's margin, ranking and embedding losses and its Poisson and Gaussian negative
log-likelihoods: margin_ranking_loss, hinge_embedding_loss, soft_margin_loss,
multilabel_soft_margin_loss, cosine_embedding_loss, triplet_margin_loss, multi_margin_loss,
poisson_nll_loss, gaussian_nll_loss, multilabel_margin_loss and
triplet_margin_with_distance_loss. Each is written as ATen writes it (the same formula, the
same clamp_min / where at its kinks), so the values and gradients are torch's, ties and kinks
included; nn/loss.py has their modules. Input and target must have one shape (PyTorch
broadcasts them, which makes an (n, 1) input against (n,) targets an (n, n) loss)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import is_grad_enabled
from ..ops import Norm, Softplus, Tap
from ..ops.loss import check_labels
from ..tensor import Tensor, data_of, plain_array
from ..tensor import as_tensor as like_tensor  # (a constant in `like`'s float dtype)
from .joins import where
from .losses import check_reduction, pairwise_distance, reduce_loss, weight_for
from .methods import as_tensor_of, number_arg

# ATen's EPSILON in cosine_embedding_loss, a C float: 1e-12 rounded to float32 (9.99999996e-13);
# the double 1e-12 gave gradients 2e-9 (relative) off torch's float64 ones at a zero input
_COS_EPS = float(np.float32(1e-12))
_COS_ROOT = math.sqrt(_COS_EPS)


@dataclass(frozen=True)
class _NoNegative:
    """A `Tap` check that no entry is negative (NaN is not), else ValueError(what). Equal by
    value, so the two recordings of a jitted step agree."""

    what: str

    def __call__(self, a: np.ndarray) -> None:
        if np.any(a < 0):
            raise ValueError(self.what)


def _number(who: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__}")
    return float(value)


def _alike(who: str, names: tuple[str, ...], *xs: Any) -> list[Tensor]:
    """The inputs as tensors of one shape (the first one's float dtype), or one line."""
    first = as_tensor_of(xs[0])
    ts = [first] + [like_tensor(x, first) for x in xs[1:]]
    if len({tuple(t.shape) for t in ts}) > 1:
        shapes = ", ".join(f"{n} {tuple(t.shape)}" for n, t in zip(names, ts))
        raise ValueError(f"{who}: {shapes} must have one shape (no broadcasting: an (n, 1) "
                         "input against (n,) targets would make an (n, n) loss)")
    return ts


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin) per element, y = 1 when x1 should rank higher, -1 when x2
    should; reduced. ATen's clamp_min: gradient 1 at the kink (a loss of exactly 0)."""
    who = "margin_ranking_loss"
    check_reduction(who, reduction)
    margin = _number(who, "margin", margin)
    a, b, y = _alike(who, ("input1", "input2", "target"), input1, input2, target)
    return reduce_loss((-y * (a - b) + margin).clamp(min=0), reduction, who)


def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (ATen's: both terms where y is neither,
    as torch's); reduced. The target is a constant (no gradient), as torch's."""
    who = "hinge_embedding_loss"
    check_reduction(who, reduction)
    margin = _number(who, "margin", margin)
    x, y = _alike(who, ("input", "target"), input, target)
    y = y.detach()
    out = (margin - x).clamp(min=0).where(y != 1, 0.0) + x.where(y != -1, 0.0)
    return reduce_loss(out, reduction, who)


def soft_margin_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)) per element (y = +-1), reduced: softplus(-y x), which agrees with
    ATen's log1p(exp(-y x)) to round-off and stays finite where exp overflows (-y x > 709:
    torch's float64 gives inf there, this the loss, -y x)."""
    who = "soft_margin_loss"
    check_reduction(who, reduction)
    if isinstance(target, Tensor) and target.requires_grad and is_grad_enabled():
        raise ValueError(f"{who}: the target requires grad, but torch's soft_margin_loss is "
                         "not differentiable in it (torch refuses too); pass target.detach()")
    x, y = _alike(who, ("input", "target"), input, target)
    return reduce_loss(Softplus.apply(-x * y), reduction, who)


def multilabel_soft_margin_loss(input: Any, target: Any, weight: Any = None,
                                reduction: str = "mean") -> Tensor:
    """-(y log sigmoid(x) + (1 - y) log sigmoid(-x)) per element of input (N, C) (or (C,),
    or (N, ..., C): classes last, as torch's) with targets y in {0, 1} of its shape, times
    `weight` when given ((C,), one per class, or any shape that broadcasts to the input's
    unchanged, as torch's), averaged over the C classes, then reduced over the rest: torch's
    formula."""
    who = "multilabel_soft_margin_loss"
    check_reduction(who, reduction)
    x, y = _alike(who, ("input", "target"), input, target)
    if x.ndim == 0:  # (torch: "Dimension specified as -1 but tensor has no dimensions")
        raise ValueError(f"{who}: expected input (N, C) or (C,) (classes last), got a 0-d one")
    loss = y * Softplus.apply(-x) + (1 - y) * Softplus.apply(x)  # -(y logsig(x) + ...)
    if weight is not None:  # (a (1, C) or (N, 1) weight was refused; torch broadcasts it)
        loss = loss * weight_for(weight, x, "weight", who)
    return reduce_loss(loss.sum(axis=-1) / x.shape[-1], reduction, who)


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1 (0 for another
    y), the cosine along the feature axis of x1, x2 (N, D) with y (N,) (or (D,) with a 0-d
    y), ATen's: x1.x2 / sqrt((|x1|^2 + e) (|x2|^2 + e)), e ATen's float32 1e-12, each input
    divided by its own sqrt(|x|^2 + e) = hypot(|x|, sqrt(e)) first (|x| rescaled where the
    squares overflow, as cosine_similarity's): ATen's product of the squared norms overflows
    from |x1| |x2| = 1.8e19 in float32 (1.3e154 in float64), giving a cosine of 0 (a loss of 1
    for y = 1, 0 for y = -1, however alike the pair) or NaN."""
    who = "cosine_embedding_loss"
    check_reduction(who, reduction)
    margin = _number(who, "margin", margin)
    a, b = _alike(who, ("input1", "input2"), input1, input2)
    y = like_tensor(target, a).detach()
    if y.ndim not in (0, 1) or a.ndim != y.ndim + 1 or (y.ndim and y.shape[0] != a.shape[0]):
        raise ValueError(f"{who}: expected inputs (N, D) with target (N,), or (D,) with a 0-d "
                         f"target, got input1 {tuple(a.shape)}, input2 {tuple(b.shape)}, "
                         f"target {tuple(y.shape)}")
    d = y.ndim
    da = Norm.apply(a, axis=d, keepdims=True).hypot(_COS_ROOT)
    db = Norm.apply(b, axis=d, keepdims=True).hypot(_COS_ROOT)
    cos = ((a / da) * (b / db)).sum(axis=d)
    out = (1 - cos).where(y == 1, 0.0) + (cos - margin).clamp(min=0).where(y == -1, 0.0)
    return reduce_loss(out, reduction, who)


def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                        reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)), d = pairwise_distance (||x1 - x2 + eps||_p along
    the last axis); with swap, d(a, n) is min(d(a, n), d(p, n)) (a tie's gradient split
    evenly, as torch's). margin > 0; inputs (N, D), (D,) or any shape, one shape, the
    distances along the last axis (torch's; (N, M, D) was refused)."""
    who = "triplet_margin_loss"
    check_reduction(who, reduction)
    margin = _number(who, "margin", margin)
    if not margin > 0:
        raise ValueError(f"{who}: margin must be greater than 0, got {margin}")
    a, pos, neg = _alike(who, ("anchor", "positive", "negative"), anchor, positive, negative)
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(pos, neg, p, eps))
    return reduce_loss((margin + d_pos - d_neg).clamp(min=0), reduction, who)


def multi_margin_loss(input: Any, target: Any, p: int = 1, margin: float = 1.0,
                      weight: Any = None, reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss of input (N, C) (or (C,)) against class indices (N,) (or a
    0-d one): sum over classes i != y of w_y max(0, margin - x_y + x_i)^p, divided by C; p 1
    or 2; `weight` (C,) a constant (torch differentiates it neither). The kink's gradient is
    0 (torch's kernel counts a term only where it is above 0)."""
    who = "multi_margin_loss"
    check_reduction(who, reduction)
    margin = _number(who, "margin", margin)
    if isinstance(p, bool) or p not in (1, 2):
        raise ValueError(f"{who}: only p == 1 and p == 2 are supported, got {p!r}")
    x = as_tensor_of(input)
    if isinstance(target, Tensor) and target.requires_grad and is_grad_enabled():
        raise ValueError(f"{who}: the target requires grad; class indices have none: pass "
                         "target.detach()")
    t = data_of(target) if isinstance(target, Tensor) else plain_array(
        target, who=f"{who}: the target")
    if x.ndim not in (1, 2) or x.shape[-1] < 1 or t.shape != tuple(x.shape[:-1]):
        raise ValueError(f"{who}: expected input (N, C) with target (N,), or (C,) with a 0-d "
                         f"target, got input {tuple(x.shape)} and target {t.shape}")
    c = x.shape[-1]
    check_labels(who, t, c)
    rows = x if x.ndim == 2 else x.reshape(1, c)
    idx = t.reshape(-1, 1).astype(np.intp)
    z = margin - rows.gather(1, idx) + rows
    h = z.relu()  # (relu: gradient 0 at z = 0, torch's `z > 0`)
    if p == 2:
        h = h * h
    others = np.ones((idx.shape[0], c), dtype=bool)
    np.put_along_axis(others, idx, False, axis=1)
    h = h * others  # the target's own term is not counted
    if weight is not None:
        if isinstance(weight, Tensor) and weight.requires_grad and is_grad_enabled():
            raise ValueError(f"{who}: weight requires grad, but torch's multi_margin_loss "
                             "does not differentiate it (its gradient would be dropped); pass "
                             "weight.detach()")
        w = np.asarray(data_of(weight) if isinstance(weight, Tensor) else weight)
        if w.shape != (c,):
            raise ValueError(f"{who}: weight must have shape ({c},), one per class, got "
                             f"{w.shape}")
        h = h * w[idx].astype(x.dtype)
    loss = h.sum(axis=1) / c
    return reduce_loss(loss if x.ndim == 2 else loss.reshape(()), reduction, who)


def poisson_nll_loss(input: Any, target: Any, log_input: bool = True, full: bool = False, *,
                     eps: float = 1e-8, reduction: str = "mean") -> Tensor:
    """The Poisson negative log-likelihood of targets t: exp(x) - t x from log-rates x
    (log_input=True), else x - t log(x + eps) from rates; with full, Stirling's term
    t log t - t + log(2 pi t) / 2 where t > 1; reduced. torch's argument order (its legacy
    size_average / reduce positionals are not taken: eps= and reduction= are keyword-only, so
    torch's positional size_average never becomes eps)."""
    who = "poisson_nll_loss"
    check_reduction(who, reduction)
    eps = _number(who, "eps", eps)
    x, t = _alike(who, ("input", "target"), input, target)
    loss = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        stirling = t * t.log() - t + 0.5 * (2 * math.pi * t).log()
        loss = loss + stirling.where(t > 1, 0.0)
    return reduce_loss(loss, reduction, who)


def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """The Gaussian negative log-likelihood (log(var) + (x - t)^2 / var) / 2 (+ log(2 pi) / 2
    with full), reduced. var: the input's shape, one dimension short of it, or with one axis of
    length 1 (torch's rules), or a number; entries below 0 are refused, below eps taken as eps
    with the gradient passed through unchanged, as torch's clamp under no_grad."""
    who = "gaussian_nll_loss"
    check_reduction(who, reduction)
    eps = _number(who, "eps", eps)
    x, t = _alike(who, ("input", "target"), input, target)
    if isinstance(var, (int, float, np.integer, np.floating)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{who}: var has negative entry/entries ({var})")
        v = like_tensor(np.full(x.shape, float(var)), x)
    else:
        v = like_tensor(var, x)
        # checked by an op, so a jitted step's replay checks each call's var (a check in
        # Python ran only while the step was recorded)
        Tap.apply(v.detach(), fn=_NoNegative(f"{who}: var has negative entry/entries (var of "
                                             f"shape {tuple(v.shape)})"))
        if tuple(v.shape) != tuple(x.shape):
            if tuple(v.shape) == tuple(x.shape[:-1]):
                v = v.reshape(tuple(v.shape) + (1,))
            elif not (v.ndim == x.ndim and sum(b for a, b in zip(x.shape, v.shape)
                                               if a != b) == 1):
                raise ValueError(f"{who}: var of shape {tuple(v.shape)} is of incorrect size "
                                 f"for input {tuple(x.shape)} (the input's shape, one "
                                 "dimension short of it, or one axis of length 1)")
    # torch clamps a clone under no_grad: the value max(var, eps), the gradient var's
    v = v.where((v >= eps).detach(), (v - v.detach()) + eps)
    loss = 0.5 * (v.log() + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction, who)


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
    return reduce_loss(loss, reduction, who)


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
    return reduce_loss((margin + d_pos - d_neg).clamp(min=0), reduction, who)
