"""Three more of PyTorch's optimizers: Adadelta (a rate from running means of g^2 and of the
steps), Rprop (the sign of g and a step size per element) and ASGD (SGD with a decaying rate
and a running average of the iterates). Each is torch.optim's for-loop step with torch 2.13's
arguments and defaults; the state keeps torch's names (square_avg, acc_delta, prev, step_size,
eta, mu, ax, step)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .common import (
    check_decay,
    check_nonnegative,
    decayed,
    is_number,
    number_pair,
    only_defaults,
)
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """PyTorch's Adadelta: with g + wd theta (g negated first if maximize), s = rho s +
    (1 - rho) g^2; delta = sqrt(a + eps) / sqrt(s + eps) g; a = rho a + (1 - rho) delta^2;
    theta -= lr delta (lr 1.0 by default: delta is already a step's size).

    foreach, capturable and differentiable are taken only at their defaults (None, False).
    """

    state_keys = ("square_avg", "acc_delta", "step")
    state_arrays = frozenset({"square_avg", "acc_delta"})
    state_nonnegative = frozenset({"square_avg", "acc_delta"})

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0.0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        only_defaults("Adadelta", foreach=foreach, capturable=capturable,
                      differentiable=differentiable)
        super().__init__(params, lr, rho=float(rho), eps=float(eps),
                         weight_decay=float(weight_decay), maximize=bool(maximize))

    def _check_group(self, group: dict[str, Any]) -> None:
        if not (is_number(group["rho"]) and 0.0 <= group["rho"] <= 1.0):
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {group['rho']!r}")
        # (finite: torch takes eps=inf and steps by sqrt(inf) / sqrt(inf), NaN weights)
        check_nonnegative(group, ("eps",), "Adadelta")
        check_decay(group["weight_decay"], "Adadelta")

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        g = decayed(d, g, group["weight_decay"], negate=group["maximize"])
        if "square_avg" not in state:
            state.update(square_avg=np.zeros_like(d), acc_delta=np.zeros_like(d), step=0)
        state["step"] += 1
        rho, eps, s, a = group["rho"], group["eps"], state["square_avg"], state["acc_delta"]
        t = np.multiply(g, 1 - rho, out=np.empty_like(d))
        t *= g
        s *= rho
        s += t
        np.add(s, eps, out=t)
        np.sqrt(t, out=t)  # t = std
        u = np.add(a, eps, out=np.empty_like(d))
        np.sqrt(u, out=u)
        u /= t
        u *= g  # u = delta
        np.multiply(u, 1 - rho, out=t)
        t *= u
        a *= rho
        a += t
        u *= group["lr"]
        d -= u


class Rprop(Optimizer):
    """PyTorch's Rprop: each element keeps a step size (lr at its first step; lr is not read
    after that, as in torch). Where g (negated if maximize) has the sign of the previous
    step's, the size grows by etaplus, where the sign flipped it shrinks by etaminus (and that
    element does not move this step, its g counted as 0 next time), both clipped to
    step_sizes=(min, max); theta -= sign(g) size.

    foreach, capturable and differentiable are taken only at their defaults (None, False).
    PyTorch does not check step_sizes; here 0 <= min <= max is required.
    """

    state_keys = ("prev", "step_size", "step")
    state_arrays = frozenset({"prev", "step_size"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *,
                 capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        only_defaults("Rprop", capturable=capturable, foreach=foreach,
                      differentiable=differentiable)
        super().__init__(params, lr,
                         etas=number_pair(etas, "Rprop", "etas", "(etaminus, etaplus)"),
                         step_sizes=number_pair(step_sizes, "Rprop", "step_sizes",
                                                "(min, max)"),
                         maximize=bool(maximize))

    def _check_group(self, group: dict[str, Any]) -> None:
        minus, plus = number_pair(group["etas"], "Rprop", "etas", "(etaminus, etaplus)")
        if not 0.0 < minus < 1.0 < plus:  # torch's check
            raise ValueError(f"Rprop: etas must satisfy 0 < etaminus < 1 < etaplus, got "
                             f"({minus}, {plus})")
        lo, hi = number_pair(group["step_sizes"], "Rprop", "step_sizes", "(min, max)")
        if not 0.0 <= lo <= hi:  # (torch's clamp would give max everywhere where min > max)
            raise ValueError(f"Rprop: step_sizes must satisfy 0 <= min <= max, got ({lo}, {hi})")

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        g = decayed(d, g, 0.0, negate=group["maximize"])
        if "prev" not in state:
            state.update(prev=np.zeros_like(d), step_size=np.full_like(d, group["lr"]), step=0)
        state["step"] += 1
        (minus, plus), (lo, hi) = group["etas"], group["step_sizes"]
        prev, size = state["prev"], state["step_size"]
        t = np.multiply(g, prev, out=np.empty_like(d))
        flipped = t < 0
        np.multiply(size, plus, out=size, where=t > 0)
        np.multiply(size, minus, out=size, where=flipped)
        np.clip(size, lo, hi, out=size)
        np.copyto(prev, g)  # (before theta moves: g may be theta's own memory)
        prev[flipped] = 0  # a flipped sign: no step now, and no sign to compare next time
        np.sign(prev, out=t)
        t *= size
        d -= t


class ASGD(Optimizer):
    """PyTorch's ASGD (averaged SGD): with g + wd theta (g negated first if maximize),
    theta = theta (1 - lambd eta) - eta g; the average ax follows theta from step t0 on
    (ax += mu (theta - ax), mu = 1 / max(1, t - t0)), and eta = lr / (1 + lambd lr t)^alpha.
    state["ax"] is the averaged parameter, as torch's.

    foreach, differentiable and capturable are taken only at their defaults (None, False).
    eta and mu are Python floats here; torch keeps them as tensors of its default dtype
    (float32 unless torch.set_default_dtype(torch.float64)), which rounds them. PyTorch does
    not check lambd, alpha and t0; here each must be a finite number >= 0.
    """

    state_keys = ("step", "eta", "mu", "ax")
    state_arrays = frozenset({"ax"})
    # (eta = lr / (1 + lambd lr t)^alpha >= 0, 0 where lr is: a negative one climbed the
    # loss; mu = 1 / max(1, t - t0) in (0, 1]: 0 froze ax, > 1 overshot it)
    state_ranges = {"eta": (0.0, False, float("inf")), "mu": (0.0, True, 1.0)}

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0.0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        only_defaults("ASGD", foreach=foreach, differentiable=differentiable,
                      capturable=capturable)
        super().__init__(params, lr, lambd=float(lambd), alpha=float(alpha), t0=float(t0),
                         weight_decay=float(weight_decay), maximize=bool(maximize))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_decay(group["weight_decay"], "ASGD")
        check_nonnegative(group, ("lambd", "alpha", "t0"), "ASGD")

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        g = decayed(d, g, group["weight_decay"], negate=group["maximize"])
        if "ax" not in state:
            state.update(step=0, eta=float(group["lr"]), mu=1.0, ax=np.zeros_like(d))
        state["step"] += 1
        step, eta, lr, lambd = state["step"], state["eta"], group["lr"], group["lambd"]
        u = np.multiply(g, eta, out=np.empty_like(d))  # (before theta moves: g may be theta)
        d *= 1 - lambd * eta
        d -= u
        ax = state["ax"]
        if state["mu"] != 1:
            np.subtract(d, ax, out=u)
            u *= state["mu"]
            ax += u
        else:  # (before t0: ax is theta itself)
            np.copyto(ax, d)
        state["eta"] = lr / ((1 + lambd * lr * step) ** group["alpha"])
        state["mu"] = 1 / max(1, step - group["t0"])
