"""Numerically stable softmax family, as primitives with hand-written backward (the max is
subtracted before exp, and log-softmax never takes the log of a rounded-to-zero probability)."""

from __future__ import annotations

import numpy as np

from ..tensor import Function


def _log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class Softmax(Function):
    def forward(ctx, z, axis=-1):
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    def backward(ctx, g):
        p = ctx.saved[0]
        return p * (g - (g * p).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    def forward(ctx, z, axis=-1):
        out = _log_softmax(z, axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    def backward(ctx, g):
        p = np.exp(ctx.saved[0])
        return g - p * g.sum(axis=ctx.axis, keepdims=True)


class CrossEntropy(Function):
    """Mean (or summed) cross-entropy of logits rows z against targets t.

    t is either class indices (n,) or rows of probabilities / one-hot (n, K).
    L = -sum_i Y_i . log softmax(z_i) / n, and dL/dz = (softmax(z) sum_k Y_ik - Y) / n.
    """

    def forward(ctx, z, targets=None, reduction="mean"):
        if z.ndim != 2:
            raise ValueError(f"cross_entropy expects logits of shape (n, K), got {z.shape}")
        n = z.shape[0]
        logp = _log_softmax(z, axis=1)
        if targets.ndim == 1:
            if targets.dtype.kind not in "iu":
                raise ValueError(f"class-index targets must be integers, got {targets.dtype}")
            if targets.shape[0] != n:
                raise ValueError(f"{n} logit rows but {targets.shape[0]} targets")
            picked = logp[np.arange(n), targets]
        else:
            if targets.shape != z.shape:
                raise ValueError(f"one-hot targets {targets.shape} must match logits {z.shape}")
            picked = (targets * logp).sum(axis=1)
        ctx.save_for_backward(logp, targets)
        ctx.scale = 1.0 / n if reduction == "mean" else 1.0
        ctx.reduction = reduction
        if reduction == "none":
            return -picked
        return -picked.sum() * ctx.scale

    def backward(ctx, g):
        logp, t = ctx.saved
        d = np.exp(logp)
        if t.ndim == 1:
            d[np.arange(len(t)), t] -= 1
        else:
            d = d * t.sum(axis=1, keepdims=True) - t  # rows of t need not sum to 1
        if ctx.reduction == "none":
            return d * g[:, None]
        return d * (g * ctx.scale)
