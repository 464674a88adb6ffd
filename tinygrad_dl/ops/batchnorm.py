"""Batch normalization over the rows as ONE primitive op, with the course's backward pass.

    x_hat = (x - mu) / sqrt(v + eps),   y = gamma * x_hat + beta

Built from generic ops this is ~9 graph nodes per layer (mean, var, sub, add, pow, 3 mul/add),
each with its own Python overhead and temporaries; as one op it costs what the hand-written
NumPy costs. In training mu and v are the batch's own mean and (biased) variance and the
gradient flows through them (BatchNormBackPass); in evaluation they are constants (the
running averages) and the op is affine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Function, Tensor


class BatchNorm(Function):
    """forward(x (n, d), gamma (d,), beta (d,), eps, training, mean, var) -> (n, d)."""

    def forward(ctx, x, gamma, beta, eps=1e-8, training=True, mean=None, var=None):
        n = x.shape[0]
        if mean is None:
            mean = x.sum(axis=0) / n  # = x.mean(axis=0) bit for bit, minus its Python wrapper
        x_hat = x - mean  # fresh: normalized in place below
        if var is None:
            var = np.einsum("ij,ij->j", x_hat, x_hat) / n
        inv = 1.0 / np.sqrt(var + eps)
        x_hat *= inv
        out = x_hat * gamma
        out += beta
        ctx.save_for_backward(x_hat, inv, gamma)
        ctx.training = training
        return out

    def backward(ctx, g):
        x_hat, inv, gamma = ctx.saved
        nx, ngamma, nbeta = ctx.needs_input_grad
        dgamma = np.einsum("ij,ij->j", g, x_hat) if ngamma else None
        dbeta = g.sum(axis=0) if nbeta else None
        dx = None
        if nx:
            dx = g * (gamma * inv)  # G1 = dL/dx_hat / sqrt(v + eps)
            if ctx.training:  # mu and v depend on x: remove their share
                dx -= dx.sum(axis=0) / dx.shape[0]  # its mean (bit for bit, cheaper call)
                dx -= x_hat * (np.einsum("ij,ij->j", dx, x_hat) / x_hat.shape[0])
        return dx, dgamma, dbeta


def batch_norm(
    x: Tensor,
    gamma: Tensor,
    beta: Tensor,
    eps: float = 1e-8,
    training: bool = True,
    mean: np.ndarray | None = None,
    var: np.ndarray | None = None,
) -> Tensor:
    """gamma * (x - mean) / sqrt(var + eps) + beta over the rows of x (n, d), as one op.

    training=True: mean/var are x's batch mean and biased variance (computed when None; pass
    them when already computed, e.g. for running averages) and gradients flow through them.
    training=False: mean/var are required constants (running averages); the op is affine.
    """
    if not training and (mean is None or var is None):
        raise ValueError("batch_norm: evaluation mode needs the running mean and var")
    ref: Any = x if isinstance(x, Tensor) else gamma
    x, gamma, beta = (ref._lift(t) for t in (x, gamma, beta))
    if x.ndim != 2 or gamma.shape != (x.shape[1],) or beta.shape != (x.shape[1],):
        raise ValueError(f"batch_norm: expected x (n, d), gamma (d,), beta (d,); got x "
                         f"{x.shape}, gamma {gamma.shape}, beta {beta.shape}")
    dt = x.dtype
    if mean is not None:
        mean = np.asarray(mean).astype(dt, copy=False)
    if var is not None:
        var = np.asarray(var).astype(dt, copy=False)
    return BatchNorm.apply(x, gamma, beta, eps=eps, training=training, mean=mean, var=var)
