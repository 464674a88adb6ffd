"""Gradient clipping in place, PyTorch's clip_grad_value_ and clip_grad_norm_."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .. import engine
from ..tensor import Tensor


def clip_grad_value_(params: Iterable[Tensor] | Tensor, clip: float) -> None:
    """Clip every gradient entry to [-clip, clip] in place (the char-RNN's clip to [-5, 5])."""
    if not clip > 0:
        raise ValueError(f"clip_grad_value_: clip must be > 0, got {clip}")
    engine.notify_write("clip_grad_value_()")
    for p in _tensors(params):
        if p.grad is not None:
            np.clip(p.grad, -clip, clip, out=p.grad)


def clip_grad_norm_(params: Iterable[Tensor] | Tensor, max_norm: float) -> float:
    """Rescale all gradients together so their global L2 norm is at most max_norm.

    Returns the total norm before clipping (inf/nan passes through unscaled, so the
    caller's non-finite check still sees it). One Tensor or an iterable of them (each once).
    """
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be > 0, got {max_norm}")
    engine.notify_write("clip_grad_norm_()")
    grads = [p.grad for p in _tensors(params) if p.grad is not None]
    # float16's sum of squares overflows from a norm of 256 (300 in each of 4 entries gave inf:
    # a finite gradient taken for divergence, and not clipped): summed in float32 at least
    total = math.sqrt(sum(float(np.vdot(g, g).real) if g.dtype.itemsize >= 4 else
                          float(np.vdot(g.astype(np.float32), g.astype(np.float32)))
                          for g in grads))
    if math.isfinite(total) and total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total


def _tensors(params: Iterable[Tensor] | Tensor) -> list[Tensor]:
    """The tensors to clip: one Tensor as itself (iterating it would give its rows, which
    have no .grad), an iterable with each tensor once (a tied weight is one gradient)."""
    if isinstance(params, Tensor):
        return [params]
    out: list[Tensor] = []
    seen: set[int] = set()
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out
