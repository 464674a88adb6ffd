"""Gradient clipping in place, PyTorch's clip_grad_value_ and clip_grad_norm_ (also under
PyTorch's path, `tinygrad_dl.nn.utils`), and its two halves, get_total_norm and
clip_grads_with_norm_ (torch 2.6's, at nn.utils)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import engine
from ..grad import GradArray, check_hand_grad
from ..ops.moments import norm_of_sum
from ..tensor import Tensor


def clip_grad_value_(params: Iterable[Tensor] | Tensor, clip: float,
                     foreach: bool | None = None) -> None:
    """Clip every gradient entry to [-clip, clip] in place (the char-RNN's clip to [-5, 5]);
    clip 0 zeroes them, as torch's. `foreach` (PyTorch's) is accepted and changes nothing."""
    _check_foreach(foreach, "clip_grad_value_")
    if not clip >= 0:  # (torch's clamp(-c, c) with c < 0 sets every entry to c: refused)
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip}")
    grads = _grads(params, "clip_grad_value_")
    for g in grads:  # (np.clip ordered complex numbers by their real parts; torch refuses)
        if g.dtype.kind == "c":
            raise TypeError(f"clip_grad_value_: a {g.dtype} gradient of shape {g.shape} has no "
                            "order to clip by (torch's clamp refuses complex too); clip its "
                            "real and imaginary parts, or use clip_grad_norm_")
    engine.notify_write("clip_grad_value_()")
    for g in grads:
        np.clip(g, -clip, clip, out=g)


def clip_grad_norm_(params: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float | str = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> np.float64:
    """Rescale all gradients together so their global norm is at most max_norm.

    Returns the total norm before clipping, a NumPy float64 (a float, with PyTorch's
    `.item()`); inf/nan passes through unscaled, so the caller's non-finite check still sees
    it, or raises with `error_if_nonfinite=True`. `norm_type`: 2 (L2, the course's), any
    p > 0 (below 1 torch's quasi-norm), or inf (the largest entry). One Tensor or an iterable
    of them (each once). `foreach` (PyTorch's) is accepted and changes nothing. The same as
    `clip_grads_with_norm_(params, max_norm, get_total_norm(grads, norm_type, ...))` but
    where the total is non-finite (that one multiplies by torch's coefficient, 0 or NaN).
    """
    _check_foreach(foreach, "clip_grad_norm_")
    p = _order(norm_type, "clip_grad_norm_")
    _check_max_norm(max_norm, "clip_grad_norm_")
    engine.notify_write("clip_grad_norm_()")
    grads = _grads(params, "clip_grad_norm_")
    total = _total(grads, p, norm_type, error_if_nonfinite, "clip_grad_norm_")
    _scale(grads, max_norm, total)
    return np.float64(total)


def get_total_norm(tensors: Any, norm_type: float | str = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """PyTorch's `nn.utils.get_total_norm`: the `norm_type` norm of all the entries of
    `tensors` together (gradients, `[p.grad for p in params]`: NumPy arrays, or Tensors, one
    or an iterable; each counted as often as listed), a 0-d Tensor as torch's, float64 (torch's
    has the gradients' dtype): clip_grad_norm_'s total, which clip_grads_with_norm_ takes."""
    _check_foreach(foreach, "get_total_norm")
    p = _order(norm_type, "get_total_norm")
    one = isinstance(tensors, (Tensor, np.ndarray))
    arrays = []
    for t in [tensors] if one else tensors:
        a = t.data if isinstance(t, Tensor) else t
        if not isinstance(a, np.ndarray) or a.dtype.kind not in "fc":
            got = a.dtype if isinstance(a, np.ndarray) else type(a).__name__
            raise TypeError(f"get_total_norm: expected gradients (NumPy float arrays or "
                            f"Tensors), got {got}; leave out the None of a parameter "
                            "without a gradient")
        arrays.append(a)
    # float64 always (torch's is the gradients' dtype): clip_grad_norm_'s total, to the bit
    return Tensor(np.asarray(_total(arrays, p, norm_type, error_if_nonfinite, "get_total_norm")))


def clip_grads_with_norm_(params: Iterable[Tensor] | Tensor, max_norm: float, total_norm: Any,
                          foreach: bool | None = None) -> None:
    """PyTorch's `nn.utils.clip_grads_with_norm_`: scale each gradient (each parameter once)
    in place by max_norm / (total_norm + 1e-6) where that is below 1, total_norm given (from
    get_total_norm); a non-finite total_norm multiplies by torch's coefficient too, 0 for inf
    (an inf or NaN entry becomes NaN) and NaN for NaN (clip_grad_norm_ leaves those)."""
    _check_foreach(foreach, "clip_grads_with_norm_")
    _check_max_norm(max_norm, "clip_grads_with_norm_")
    total = np.asarray(total_norm.data if isinstance(total_norm, Tensor) else total_norm)
    if total.size != 1 or total.dtype.kind not in "fiu":
        raise TypeError(f"clip_grads_with_norm_: total_norm must be one real number (from "
                        f"get_total_norm), got {total.dtype} of shape {total.shape}")
    if total.reshape(()) < 0:  # (torch's coefficient flipped every gradient; -1e-6 divided by 0)
        raise ValueError(f"clip_grads_with_norm_: total_norm must be >= 0 (a norm), got "
                         f"{total.reshape(())}; pass get_total_norm's value")
    engine.notify_write("clip_grads_with_norm_()")
    grads = _grads(params, "clip_grads_with_norm_")
    norm = float(total.reshape(()))
    if math.isfinite(norm):
        _scale(grads, max_norm, norm)
    else:  # torch's min(max_norm / (total + 1e-6), 1): 0 for inf (max_norm inf too: NaN)
        scale = max_norm / norm if not math.isnan(norm) and math.isfinite(max_norm) else math.nan
        with np.errstate(invalid="ignore"):  # (inf * 0: NaN, torch's, no warning)
            for g in grads:
                g *= scale


def _check_max_norm(max_norm: Any, who: str) -> None:
    if not max_norm >= 0:  # (torch's negative coefficient flips every gradient: refused)
        raise ValueError(f"{who}: max_norm must be >= 0, got {max_norm}")


def _total(grads: list[np.ndarray], p: float, norm_type: Any, error_if_nonfinite: bool,
           who: str) -> float:
    total = _norm(grads, p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"{who}: the total norm of order {norm_type} of the "
                           f"gradients is {total}, not finite (error_if_nonfinite=True); skip "
                           "this step, or pass error_if_nonfinite=False")
    return total


def _scale(grads: list[np.ndarray], max_norm: float, total: float) -> None:
    # torch's coefficient min(1, max_norm / (total + 1e-6)): it scales a norm within 1e-6
    # below max_norm too (`total > max_norm` left those, [3, 4] at max_norm 5, unscaled)
    scale = max_norm / (total + 1e-6)
    # an inf norm of finite gradients is one past float64's (p < 1: (sum |g|^p)^(1/p)): the
    # coefficient's limit 0, torch's; of non-finite ones it passes (the caller's check sees it)
    finite = math.isfinite(total) or (
        total == math.inf and all(np.isfinite(g).all() for g in grads))
    if finite and scale < 1.0:
        for g in grads:
            g *= scale


def _norm(grads: list[np.ndarray], p: float) -> float:
    """The p-norm of all the gradients' entries together (complex ones by their moduli)."""
    if math.isinf(p):  # (a NaN anywhere is the norm: Python's max() skipped one after a number)
        return float(np.max([np.max(np.abs(g), initial=0.0) for g in grads], initial=0.0))
    if p == 2.0:
        # float16's sum of squares overflows from a norm of 256 (300 in each of 4 entries gave
        # inf: a finite gradient taken for divergence, and not clipped): summed in float32 at
        # least; a complex one by its moduli (vdot's inf * 0 made inf+0j's norm NaN)
        total = math.sqrt(sum(float(np.vdot(a, a)) for a in map(_real, grads)))
        if total < 1.1e-19 or total == math.inf and all(np.isfinite(g).all() for g in grads):
            # the sum of squares overflowed, not the norm (float32 gradients of 1e20, exploding
            # ones, went unclipped; torch zeroes them), or underflowed (float64's [3e-300,
            # 4e-300] had norm 0, float32's below 1e-19 too): by the largest entry, in float64
            m = max((float(np.max(np.abs(g), initial=0.0)) for g in grads), default=0.0)
            if m > 0.0:
                total = m * math.sqrt(sum(float(np.vdot(r, r)) for r in
                                          (np.abs(g).astype(np.float64) / m for g in grads)))
        return total
    # torch's norm of the per-tensor norms, each of |g| in float64 (a complex g's astype
    # dropped its imaginary part: [3+4j] had norm 3), rescaled where the powers overflow
    # (p < 1: the power 1/p of a sum overflows to inf, a norm past float64's, as torch's)
    with np.errstate(over="ignore"):
        norms = [float(norm_of_sum(np.abs(g).astype(np.float64, copy=False), p,
                                   tuple(range(g.ndim)), False)) for g in grads]
        return float(norm_of_sum(np.array(norms, np.float64), p, (0,), False))


def _real(g: np.ndarray) -> np.ndarray:
    """|g| for a complex g, float32 for a float16 one, else g itself (for its sum of squares)."""
    if g.dtype.kind == "c":
        return np.abs(g)
    return g if g.dtype.itemsize >= 4 else g.astype(np.float32)


def _order(norm_type: Any, who: str) -> float:
    """clip_grad_norm_'s norm_type as a float: 2.0, another p > 0 (below 1 torch's
    quasi-norm, (sum |g|^p)^(1/p)), or inf ("inf" too)."""
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        p = math.nan
    if not p > 0.0:  # (torch's 0 counts the nonzero entries and scales by 1 / that count,
        # its negative p give 0 beside one zero entry: no size; NaN, non-numbers fail too)
        raise ValueError(f"{who}: norm_type must be a number > 0 or inf, got "
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
