"""The losses: cross_entropy and nll_loss (one op each), one_hot, and PyTorch's regression and
binary losses (compositions of ops: their gradients come with them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import is_grad_enabled
from ..ops import (
    NLL,
    CrossEntropy,
    Softplus,
)
from ..ops.loss import check_labels
from ..ops.shape import InUnitInterval, Tap
from ..tensor import Tensor, data_of, plain_array
from ..tensor import as_tensor as like_tensor  # (a constant in `like`'s float dtype)
from .methods import as_tensor_of


def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of logits (n, K) against class indices (n,) or one-hot rows (n, K).

    reduction: "mean" (the course's 1/n sum), "sum", or "none" (one loss per sample).
    """
    _check_reduction("cross_entropy", reduction, "; PyTorch's class weight= is not taken")
    if isinstance(targets, Tensor) and targets.requires_grad and is_grad_enabled():
        raise ValueError("cross_entropy: the targets require grad, but cross_entropy does not "
                         "differentiate them (it would drop their gradient); pass "
                         "targets.detach()")
    t = data_of(targets) if isinstance(targets, Tensor) else plain_array(targets)
    z = logits.data if isinstance(logits, Tensor) else plain_array(logits)
    if z.ndim == 2 and z.shape[0] == 0:
        raise ValueError("cross_entropy: empty batch (logits of shape "
                         f"{z.shape}): a mean over no samples is undefined")
    # class indices are checked inside the op (check_labels), so a replayed step checks them too
    if (t.ndim == 2 and t.dtype.kind in "iu" and z.ndim == 2 and t.shape == (z.shape[0], 1)
            and z.shape[1] > 1):  # (not one-hot rows of one class: K = 1 is that shape too)
        raise ValueError(f"cross_entropy: class labels of shape {t.shape}, a column: give them "
                         f"as ({z.shape[0]},), e.g. y.ravel()")
    if t.ndim == 2 and t.dtype != z.dtype:  # soft rows in the logits' float dtype; integer
        # logits compute in float64 (CrossEntropy), which keeps rows of 0.5 (int64 made them 0)
        t = t.astype(z.dtype if z.dtype.kind in "fc" else np.float64)
    return CrossEntropy.apply(logits, targets=t, reduction=reduction)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """PyTorch's negative log-likelihood: -input[i, target_i] for log-probabilities input
    (n, K) (a log_softmax's) and class indices target (n,), reduced ("mean": over the n rows);
    nll_loss(log_softmax(z, dim=1), y) is cross_entropy(z, y). One op (ops.NLL), which refuses
    labels outside [0, K) and input above 0 (logits given by mistake) on every batch."""
    _check_reduction("nll_loss", reduction, "; PyTorch's class weight= is not taken")
    if isinstance(target, Tensor) and target.requires_grad and is_grad_enabled():
        raise ValueError("nll_loss: the targets require grad, but nll_loss does not "
                         "differentiate them; pass target.detach()")
    t = data_of(target) if isinstance(target, Tensor) else plain_array(target)
    return NLL.apply(as_tensor_of(input), targets=t, reduction=reduction)


def one_hot(y: Any, num_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Class indices (n,) -> one-hot rows (n, K); any shape S -> S + (K,), as torch's
    one_hot (a column of labels (n, 1) is (n, 1, K): it was broadcast into a wrong (n, K))."""
    y = np.asarray(y)
    if y.size == 0 and y.dtype.kind == "f":  # np.asarray([]) is float64: an empty label list
        y = y.astype(np.int64)
    check_labels("one_hot", y, num_classes)
    out = np.zeros((*y.shape, num_classes), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out


def _check_reduction(who: str, reduction: Any, torch_hint: str = "") -> None:
    """`reduction` is "mean", "sum" or "none", or one line. A Tensor in its place (PyTorch's
    positional weight, size_average or reduce) was compared elementwise and failed on
    "bool() of a tensor"."""
    if type(reduction) is not str:
        raise TypeError(f"{who}: reduction (the third argument) must be 'mean', 'sum' or "
                        f"'none', got {type(reduction).__name__}{torch_hint}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str, who: str) -> Tensor:
    _check_reduction(who, reduction)  # (the one place a bad reduction is refused)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _same_shape(input: Any, target: Any, who: str) -> tuple[Tensor, Tensor]:
    """input and target as tensors of one shape. PyTorch broadcasts different shapes with a
    warning ((n, 1) against (n,) makes an (n, n) loss: silently wrong); here it raises."""
    x = as_tensor_of(input)
    y = like_tensor(target, x)
    if x.shape != y.shape:
        raise ValueError(f"{who}: input has shape {x.shape} but target has shape {y.shape}; "
                         "they must match (reshape or flatten one, e.g. input.flatten() for an "
                         "(n, 1) prediction)")
    return x, y


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)^2, averaged (reduction "mean"), summed ("sum") or kept ("none")."""
    x, y = _same_shape(input, target, "mse_loss")
    return _reduce((x - y).square(), reduction, "mse_loss")


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """|input - target|, reduced as mse_loss."""
    x, y = _same_shape(input, target, "l1_loss")
    return _reduce((x - y).abs(), reduction, "l1_loss")


def _weight_for(w: Any, x: Tensor, name: str, who: str) -> Tensor:
    """A weight that broadcasts onto x without changing x's shape: (n,) weights against (n, 1)
    logits would make an (n, n) loss, silently wrong (torch refuses it too)."""
    t = like_tensor(w, x)
    try:
        shape = np.broadcast_shapes(x.shape, t.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        made = "does not broadcast with" if shape is None else f"would broadcast to {shape} with"
        raise ValueError(f"{who}: {name} of shape {t.shape} {made} the input's shape {x.shape}; "
                         "it must broadcast to the input's shape unchanged")
    return t


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """-[p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))] per element, from logits x and
    targets y in [0, 1], p = pos_weight (1 by default), times `weight`; reduced as mse_loss.

    Written as p y softplus(-x) + (1 - y) softplus(x): softplus never overflows, and a
    confident right answer (x = -20 with y = 0, x = 20 with y = 1) keeps its tiny loss and
    gradient (sigmoid(x) - y when p = 1) where (1 - y) x + softplus(-x) cancels to 0.
    """
    who = "binary_cross_entropy_with_logits"
    x, y = _same_shape(input, target, who)
    if pos_weight is None:
        loss = y * Softplus.apply(-x) + (1 - y) * Softplus.apply(x)
    else:
        p = _weight_for(pos_weight, x, "pos_weight", who)
        loss = p * y * Softplus.apply(-x) + (1 - y) * Softplus.apply(x)
    if weight is not None:
        loss = loss * _weight_for(weight, x, "weight", who)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


_LOG_FLOOR = float(np.exp(-100.0))  # PyTorch's binary_cross_entropy clamps each log at -100


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Tensor:
    """-[y log p + (1 - y) log(1 - p)] per element, from probabilities p in [0, 1] (checked
    on every batch, replayed ones too: a logit here is refused, not taken to a log of a
    negative number) and targets y; each log at least -100 (PyTorch's clamp: p = 0 with y = 1
    costs 100, not inf, with gradient 0); times `weight`; reduced as mse_loss. From logits,
    binary_cross_entropy_with_logits is the stable one."""
    who = "binary_cross_entropy"
    x, y = _same_shape(input, target, who)
    x = Tap.apply(x, fn=InUnitInterval(who))
    loss = -(y * x.clamp(min=_LOG_FLOOR).log() + (1 - y) * (1 - x).clamp(min=_LOG_FLOOR).log())
    if weight is not None:
        loss = loss * _weight_for(weight, x, "weight", who)
    return _reduce(loss, reduction, who)
