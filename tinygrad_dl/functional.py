"""Composite functions used by the models: numerically stable softmax family.

Rows are samples: logits have shape (n, K), one row per sample, one column per class.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops import CrossEntropy, LogSoftmax, Softmax
from .ops.batchnorm import batch_norm  # noqa: F401  (batch norm as one op)
from .ops.rnn import rnn  # noqa: F401  (the fused RNN op, also tinygrad_dl.rnn)
from .tensor import Tensor


def softmax(z: Tensor, axis: int = -1) -> Tensor:
    """exp(z - max z) / sum exp(z - max z) along `axis`."""
    return Softmax.apply(z, axis=axis)


def log_softmax(z: Tensor, axis: int = -1) -> Tensor:
    """(z - max z) - log sum exp(z - max z): never the log of an underflowed probability."""
    return LogSoftmax.apply(z, axis=axis)


def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of logits (n, K) against class indices (n,) or one-hot rows (n, K).

    reduction: "mean" (the course's 1/n sum), "sum", or "none" (one loss per sample).
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be mean, sum or none, not {reduction!r}")
    t = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    if t.ndim == 2 and t.dtype != logits.dtype:
        t = t.astype(logits.dtype)
    return CrossEntropy.apply(logits, targets=t, reduction=reduction)


def one_hot(y: Any, num_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Class indices (n,) -> one-hot rows (n, K)."""
    y = np.asarray(y)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"one_hot: labels must be in [0, {num_classes}), got {y.min()}..{y.max()}")
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


# ---- families-transitional (replaced by the core refactor at merge) ----
from .nn import sum_of_squares  # noqa: E402, F401
from .ops import concatenate, maximum, stack, where  # noqa: E402, F401
