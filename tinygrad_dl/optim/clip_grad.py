"""Gradient clipping in place, PyTorch's clip_grad_value_ and clip_grad_norm_ (also under
PyTorch's path, `tinygrad_dl.nn.utils`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import engine
from ..grad import GradArray, check_hand_grad
from ..tensor import Tensor


def clip_grad_value_(params: Iterable[Tensor] | Tensor, clip: float,
                     foreach: bool | None = None) -> None:
    """Clip every gradient entry to [-clip, clip] in place (the char-RNN's clip to [-5, 5]).
    `foreach` (PyTorch's) is accepted and changes nothing."""
    _check_foreach(foreach, "clip_grad_value_")
    if not clip > 0:
        raise ValueError(f"clip_grad_value_: clip must be > 0, got {clip}")
    engine.notify_write("clip_grad_value_()")
    for g in _grads(params, "clip_grad_value_"):
        np.clip(g, -clip, clip, out=g)


def clip_grad_norm_(params: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float | str = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> np.float64:
    """Rescale all gradients together so their global norm is at most max_norm.

    Returns the total norm before clipping, a NumPy float64 (a float, with PyTorch's
    `.item()`); inf/nan passes through unscaled, so the caller's non-finite check still sees
    it, or raises with `error_if_nonfinite=True`. `norm_type`: 2 (L2, the course's), any
    p >= 1, or inf (the largest entry). One Tensor or an iterable of them (each once).
    `foreach` (PyTorch's) is accepted and changes nothing.
    """
    _check_foreach(foreach, "clip_grad_norm_")
    p = _order(norm_type)
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be > 0, got {max_norm}")
    engine.notify_write("clip_grad_norm_()")
    grads = _grads(params, "clip_grad_norm_")
    total = _norm(grads, p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total}, not finite (error_if_nonfinite=True); skip "
                           "this step, or pass error_if_nonfinite=False")
    # torch's coefficient min(1, max_norm / (total + 1e-6)): it scales a norm within 1e-6
    # below max_norm too (`total > max_norm` left those, [3, 4] at max_norm 5, unscaled)
    scale = max_norm / (total + 1e-6)
    if math.isfinite(total) and scale < 1.0:
        for g in grads:
            g *= scale
    return np.float64(total)


def _norm(grads: list[np.ndarray], p: float) -> float:
    """The p-norm of all the gradients' entries together."""
    if math.isinf(p):
        return max((float(np.max(np.abs(g), initial=0.0)) for g in grads), default=0.0)
    if p == 2.0:
        # float16's sum of squares overflows from a norm of 256 (300 in each of 4 entries gave
        # inf: a finite gradient taken for divergence, and not clipped): summed in float32 at
        # least
        total = math.sqrt(sum(float(np.vdot(g, g).real) if g.dtype.itemsize >= 4 else
                              float(np.vdot(g.astype(np.float32), g.astype(np.float32)))
                              for g in grads))
        if total == math.inf and all(np.isfinite(g).all() for g in grads):
            # the sum of squares overflowed, not the norm (float32 gradients of 1e20, exploding
            # ones, went unclipped; torch zeroes them): by the largest entry, in float64
            m = max(float(np.max(np.abs(g), initial=0.0)) for g in grads)
            total = m * math.sqrt(sum(float(np.vdot(r, r)) for r in
                                      (np.abs(g).astype(np.float64) / m for g in grads)))
        return total
    return float(sum(float(np.sum(np.abs(g.astype(np.float64, copy=False)) ** p))
                     for g in grads) ** (1.0 / p))


def _order(norm_type: Any) -> float:
    """clip_grad_norm_'s norm_type as a float: 2.0, another p >= 1, or inf ("inf" too)."""
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        p = math.nan
    if not p >= 1.0:  # (below 1 is no norm; NaN and non-numbers fail too)
        raise ValueError(f"clip_grad_norm_: norm_type must be a number >= 1 or inf, got "
                         f"{norm_type!r}")
    return p


def _check_foreach(foreach: Any, who: str) -> None:
    if foreach is not None and not isinstance(foreach, bool):
        raise TypeError(f"{who}: foreach must be None or a bool, got {foreach!r}")


def _grads(params: Iterable[Tensor] | Tensor, who: str) -> list[np.ndarray]:
    """The gradients to clip, each checked first (all before any is written): a .grad set by
    hand to a masked array (its mask dropped: the values under it counted in the norm) or a
    complex one for a real tensor (np.clip compared its real parts) raises one line."""
    grads = []
    for t in _tensors(params):
        g = t.grad
        if g is not None:
            if type(g) is not GradArray or g.dtype.kind == "c":  # (backward's own passes: the
                check_hand_grad(f"{who}: the .grad of parameter "  # words cost 0.5 us)
                                f"{t.name or f'of shape {t.shape}'}", g, t.data.dtype)
            grads.append(g)
    return grads


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
