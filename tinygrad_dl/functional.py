"""Every public function of the framework: losses, the softmax family, one-hot, joining and
selecting tensors, and the fused batch-norm and RNN ops (with their argument checks).

Rows are samples: logits have shape (n, K), one row per sample, one column per class.
Each function is a thin wrapper over one op's `Function.apply` (ops in `tinygrad_dl.ops`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .ops import (
    RNN,
    BatchNorm,
    Concatenate,
    CrossEntropy,
    LogSoftmax,
    Maximum,
    Softmax,
    Stack,
    SumOfSquares,
    Where,
)
from .ops.loss import check_labels
from .tensor import Tensor, as_tensor

__all__ = [
    "batch_norm", "concatenate", "cross_entropy", "log_softmax", "maximum", "one_hot", "rnn",
    "softmax", "stack", "sum_of_squares", "where",
]


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
    z = logits.data if isinstance(logits, Tensor) else np.asarray(logits)
    if z.ndim == 2 and z.shape[0] == 0:
        raise ValueError("cross_entropy: empty batch (logits of shape "
                         f"{z.shape}): a mean over no samples is undefined")
    # class indices are checked inside the op (check_labels), so a replayed step checks them too
    if t.ndim == 2 and t.dtype != logits.dtype:
        t = t.astype(logits.dtype)
    return CrossEntropy.apply(logits, targets=t, reduction=reduction)


def one_hot(y: Any, num_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Class indices (n,) -> one-hot rows (n, K)."""
    y = np.asarray(y)
    if y.size == 0 and y.dtype.kind == "f":  # np.asarray([]) is float64: an empty label list
        y = y.astype(np.int64)
    check_labels("one_hot", y, num_classes)
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


def _as_tensors(xs: Sequence[Any]) -> list[Tensor]:
    """Tensors as they are, constants as Tensors in the first tensor's float dtype."""
    ref = next((x for x in xs if isinstance(x, Tensor)), None)
    return [as_tensor(x, ref) for x in xs]


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (np.concatenate)."""
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    return Concatenate.apply(*_as_tensors(tensors), axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along a new axis (np.stack)."""
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    return Stack.apply(*_as_tensors(tensors), axis=axis)


def where(cond: Any, x: Any, y: Any) -> Tensor:
    """Elementwise x where cond else y; cond is a constant (its gradient is not defined)."""
    cond = np.asarray(cond.data if isinstance(cond, Tensor) else cond, dtype=bool)
    x, y = _as_tensors([x, y])
    try:  # Function.apply's message would name only x's and y's shapes
        np.broadcast_shapes(cond.shape, x.shape, y.shape)
    except ValueError:
        raise ValueError(
            f"Where: cannot broadcast cond {cond.shape}, x {x.shape} and y {y.shape} together"
        ) from None
    return Where.apply(x, y, cond=cond)


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise max; at ties the gradient is split evenly."""
    x, y = _as_tensors([x, y])
    return Maximum.apply(x, y)


def sum_of_squares(*xs: Tensor, scale: float = 1.0) -> Tensor:
    """scale * (sum of x ** 2 over all entries of all the given tensors), as one graph node."""
    if not xs:
        raise ValueError("sum_of_squares needs at least one tensor")
    return SumOfSquares.apply(*xs, scale=scale)


def batch_norm(
    x: Tensor,
    gamma: Tensor,
    beta: Tensor,
    eps: float = 1e-8,
    training: bool = True,
    mean: np.ndarray | None = None,
    var: np.ndarray | None = None,
    on_stats: Callable[[np.ndarray, np.ndarray], Any] | None = None,
) -> Tensor:
    """gamma * (x - mean) / sqrt(var + eps) + beta over the rows of x (n, d), as one op.

    training=True: mean/var are x's batch mean and biased variance (computed when None; pass
    them when already computed, e.g. for running averages) and gradients flow through them.
    training=False: mean/var are required constants (running averages); the op is affine.
    on_stats(mean, var) is called with the statistics used (BatchNorm1d's running averages).
    """
    if not training and (mean is None or var is None):
        raise ValueError("batch_norm: evaluation mode needs the running mean and var")
    x, gamma, beta = _as_tensors([x, gamma, beta])
    if x.ndim != 2 or gamma.shape != (x.shape[1],) or beta.shape != (x.shape[1],):
        raise ValueError(f"batch_norm: expected x (n, d), gamma (d,), beta (d,); got x "
                         f"{x.shape}, gamma {gamma.shape}, beta {beta.shape}")
    dt = x.dtype
    if mean is not None:
        mean = np.asarray(mean).astype(dt, copy=False)
    if var is not None:
        var = np.asarray(var).astype(dt, copy=False)
    return BatchNorm.apply(x, gamma, beta, eps=eps, training=training, mean=mean, var=var,
                           on_stats=on_stats)


def rnn(x: Any, U: Tensor, W: Tensor, b: Tensor, h0: Any = None) -> Tensor:
    """All hidden states H (T, m) of h_t = tanh(x_t U + h_{t-1} W + b), as one op.

    x: (T, d) float rows or (T,) integer indices (one-hot rows); U (d, m), W (m, m), b (m,);
    h0: initial state (m,) (Tensor or array; zeros when None). All floats must share a dtype.
    """
    U = U if isinstance(U, Tensor) else Tensor(U)
    W = as_tensor(W, U)
    b = as_tensor(b, U)
    indices = (x.data if isinstance(x, Tensor) else np.asarray(x)).dtype.kind in "iu"
    if not isinstance(x, Tensor):
        x = Tensor(x) if indices else as_tensor(x, U)
    dt, m = U.data.dtype, W.data.shape[-1]
    batch = () if indices else x.data.shape[1:-1]
    if h0 is None:
        h0 = Tensor(np.zeros(batch + (m,), dtype=dt))
    elif not isinstance(h0, Tensor):
        h0 = Tensor(np.asarray(h0, dtype=dt))
    # shapes read off .data directly: this runs once per training update
    xs, Us = x.data.shape, U.data.shape
    if (len(xs) == 0 or len(Us) != 2 or W.data.shape != (m, m) or Us[1] != m
            or b.data.shape != (m,) or h0.data.shape != batch + (m,)):
        raise ValueError(
            f"rnn: expected x (T, d) or (T,), U (d, m), W (m, m), b (m,), h0 (m,); got x "
            f"{x.shape}, U {U.shape}, W {W.shape}, b {b.shape}, h0 {h0.shape}"
        )
    if (W.data.dtype != dt or b.data.dtype != dt or h0.data.dtype != dt
            or (not indices and x.data.dtype != dt)):
        dtypes = {str(t.dtype) for t in (U, W, b, h0) + (() if indices else (x,))}
        raise ValueError(f"rnn: x, U, W, b and h0 must share one float dtype, got "
                         f"{sorted(dtypes)}")
    return RNN.apply(x, U, W, b, h0)
