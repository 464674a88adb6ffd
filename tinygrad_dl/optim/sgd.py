"""SGD: plain, with momentum and PyTorch's weight decay; large parameters stepped block by block.

L2 regularization: the course's models put lambda * sum ||W||^2 in their cost J, so its gradient
2 lambda W is already in `.grad`. `SGD(..., weight_decay=wd)` is the PyTorch habit instead: it adds
wd * theta to the gradient, so weight_decay = 2 * lambda gives the same update as the L2 term
(applied to whichever parameters are in that group: put biases in a group with weight_decay=0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..grad import BLOCKED_FROM, block_size
from .common import check_decay, is_number, only_defaults
from .optimizer import Optimizer


class SGD(Optimizer):
    """theta -= lr * g, or with momentum mu: v = mu * v + g; theta -= lr * v.

    weight_decay wd first adds wd * theta to g (PyTorch's convention): the gradient of the L2
    penalty (wd / 2) ||theta||^2, so wd = 2 * lambda matches the course's lambda ||W||^2 term.
    As torch.optim.SGD: maximize=True steps with -g; dampening d makes the velocity
    v = mu v + (1 - d) g after the first step (whose v is g itself); nesterov=True (momentum
    > 0, dampening 0) steps by g + mu v instead of v. The velocity is the state
    "momentum_buffer", torch's name (state dicts saved with this library's older "v" load).
    A group saved before dampening, nesterov and maximize existed loads with torch's defaults
    for them (0, False, False), not the constructor's, as torch's load_state_dict.
    """

    state_arrays = frozenset({"momentum_buffer"})
    state_renames = {"v": "momentum_buffer"}
    saved_defaults = {"dampening": 0.0, "nesterov": False, "maximize": False}

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False, *, maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        only_defaults("SGD", foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, lr, momentum=float(momentum), dampening=float(dampening),
                         weight_decay=float(weight_decay), nesterov=bool(nesterov),
                         maximize=bool(maximize))
        # (torch's check, in its constructor only: a group added later may hold nesterov with
        # momentum 0, a plain step there, as torch's)
        if nesterov and (float(momentum) <= 0 or float(dampening) != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _check_group(self, group: dict[str, Any]) -> None:
        # (a string or None given in a group failed in the comparison, naming neither SGD nor
        # the key)
        if not (is_number(group["momentum"]) and 0.0 <= group["momentum"] < 1.0):
            raise ValueError(f"SGD: momentum must be in [0, 1), got {group['momentum']!r}")
        check_decay(group["weight_decay"], "SGD")
        if not (is_number(group["dampening"]) and math.isfinite(group["dampening"])):
            raise ValueError(f"SGD: dampening must be a finite number, got "
                             f"{group['dampening']!r}")

    def _step_group(self, group: dict[str, Any],
                    items: list[tuple[np.ndarray, np.ndarray, dict[str, Any]]]) -> None:
        lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
        damp, nest, neg = group["dampening"], group["nesterov"], group["maximize"]
        if (damp and mu) or (nest and mu) or neg:
            _step_torch(items, lr, mu, wd, damp, nest, neg)
            return
        # a block-sized temporary per dtype, made for this step (kept, it would sit beside
        # the parameters between steps, in every later step's peak memory)
        scratch: dict[Any, np.ndarray] = {}
        for d, g, state in items:
            big = d.size > BLOCKED_FROM
            if not (mu or wd or big):  # the course's theta -= eta g: two passes, as by hand
                d -= np.multiply(g, lr)
                continue
            v = None
            if mu:
                v = state.get("momentum_buffer")
                if v is None:
                    v = state["momentum_buffer"] = np.zeros_like(d)
            # theta (1 - lr wd) - lr g: the decay is one pass, not two (where it keeps lr wd)
            fold = (1.0 - lr * wd if wd and not mu and _foldable(lr * wd, d.dtype)
                    and not np.may_share_memory(d, g) else 0.0)
            # the temporary's dtype: d's, but for theta -= eta g that of np.multiply(g, lr) (a
            # NumPy float64 lr on a float32 parameter: lr g in float64, as the line above)
            dt = d.dtype if mu or wd else np.result_type(g, lr)
            flat = _flat(d, g, v) if big else None
            if flat is None:  # one pass per line over the whole array
                _sgd(d, g, v, np.empty_like(d, dt), lr, mu, wd, fold)
                continue
            # block by block (grad.block_size): the temporary is a block, not a second
            # parameter-sized array at the step's peak (a replayed step's peak is often its
            # optimizer step's), and it stays in the cache (a pass over a few MB of parameter
            # and gradient costs about half); elementwise, so the same numbers
            fd, fg, fv = flat
            n = fd.size
            b = block_size(n)
            t = scratch.get(dt)
            if t is None or t.size < b:
                t = scratch[dt] = np.empty(b, dt)
            if not (mu or wd):  # theta -= eta g, _sgd's two lines written out per block:
                _plain_blocks(fd, fg, t[:b], lr, n, b)  # (its call cost a block a microsecond)
                continue
            for s in range(0, n, b):
                e = s + b
                ds = fd[s:e]
                _sgd(ds, fg[s:e], None if fv is None else fv[s:e], t[:ds.size], lr, mu, wd, fold)


def _step_torch(items: list[tuple[np.ndarray, np.ndarray, dict[str, Any]]], lr: float,
                mu: float, wd: float, damp: float, nesterov: bool, maximize: bool) -> None:
    """torch's SGD with dampening, Nesterov momentum or maximize, its formula line by line:
    g' = (-g if maximize else g) + wd theta; with momentum v = g' at the first step (no
    dampening), else v = mu v + (1 - dampening) g'; the step is g' + mu v (Nesterov) or v;
    theta -= lr step. Two parameter-sized temporaries (these flags are not the course's
    paths, kept as they were)."""
    for d, g, state in items:
        if wd:  # (-g + wd theta: torch's negated gradient, then its decay)
            t = np.multiply(d, wd, out=np.empty_like(d))
            if maximize:
                t -= g
            else:
                t += g
            g = t
        elif maximize:
            g = np.negative(g, out=np.empty_like(d))
        u = np.empty_like(d)
        step = g
        if mu:
            v = state.get("momentum_buffer")
            if v is None:  # torch's first step: the buffer is g' itself, not dampened
                v = state["momentum_buffer"] = np.copy(g)
            else:
                v *= mu
                if damp:
                    np.multiply(g, 1.0 - damp, out=u)
                    v += u
                else:
                    v += g
            if nesterov:  # g' + mu v
                np.multiply(v, mu, out=u)
                u += g
                step = u
            else:
                step = v
        np.multiply(step, lr, out=u)
        d -= u


def _plain_blocks(fd: np.ndarray, fg: np.ndarray, t: np.ndarray, lr: float, n: int,
                  b: int) -> None:
    """fd -= lr * fg (flat views, `_flat`) a block of b at a time through `t` (b elements):
    _sgd's theta -= eta g, the same two NumPy calls per block, the same numbers. (A real
    t's lr made a 0-d array of its dtype once: the float the multiply casts it to, not cast
    again per call.)"""
    mul = np.multiply
    if t.dtype.kind == "f":
        lr = np.asarray(lr, t.dtype)
    full = n - n % b
    for s in range(0, full, b):
        e = s + b
        mul(fg[s:e], lr, out=t)
        ds = fd[s:e]
        ds -= t
    if full < n:  # the last block, short
        ts = t[:n - full]
        mul(fg[full:], lr, out=ts)
        ds = fd[full:]
        ds -= ts


def _flat(d: np.ndarray, g: np.ndarray, v: np.ndarray | None) -> tuple[Any, ...] | None:
    """The arrays (v None stays None) as flat views for a step block by block, or None where
    that would not be the same update: an array not C-contiguous (reshape would copy it) or
    two sharing memory (a block would read what an earlier block wrote)."""
    if v is None:  # (every step without momentum: no lists, no generator)
        if (d.flags.c_contiguous and g.flags.c_contiguous
                and not np.may_share_memory(d, g)):
            return d.reshape(-1), g.reshape(-1), None
        return None
    xs = (d, g, v)
    if not all(a.flags.c_contiguous for a in xs):
        return None
    for i, a in enumerate(xs):
        for b in xs[i + 1:]:
            if np.may_share_memory(a, b):
                return None
    return tuple(a.reshape(-1) for a in xs)


def _sgd(d: np.ndarray, g: np.ndarray, v: np.ndarray | None, t: np.ndarray, lr: float,
         mu: float, wd: float, fold: float) -> None:
    """One SGD update of d (and the velocity v) in place, with t a temporary of d's shape.
    Each line is one pass in the order of the formula, so the numbers are its numbers."""
    if v is not None:  # v = mu v + (g + wd theta): the decayed gradient enters the velocity
        v *= mu
        if wd:
            np.multiply(d, wd, out=t)
            t += g
            v += t
        else:
            v += g
        np.multiply(v, lr, out=t)
    elif fold:
        d *= fold
        np.multiply(g, lr, out=t)
    elif wd:  # lr (g + wd theta) in the order written: in this dtype 1 - lr wd rounds
        np.multiply(d, wd, out=t)
        t += g
        t *= lr
    else:  # the course's theta -= eta g
        np.multiply(g, lr, out=t)
    d -= t


def _foldable(lr_wd: float, dtype: np.dtype) -> bool:
    """May SGD apply decay as theta *= 1 - lr wd? Only where that factor, rounded to the
    parameter's dtype, still carries lr wd to 1e-6: in float32 a small lr wd rounds 1 - lr wd
    to exactly 1 and the decay would silently vanish (float64: lr wd above about 1e-10)."""
    if not 0.0 < lr_wd < 0.5:
        return False
    kept = 1.0 - float(np.asarray(1.0 - lr_wd, dtype=dtype))  # exact: Sterbenz
    return abs(kept - lr_wd) <= 1e-6 * lr_wd
