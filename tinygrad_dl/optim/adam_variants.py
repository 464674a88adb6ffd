"""PyTorch's variants of Adam: Adamax (the infinity norm in place of the root mean square),
NAdam (Nesterov momentum) and RAdam (the variance rectified). Each is torch.optim's for-loop
step with torch 2.13's arguments and defaults; the state keeps torch's names (exp_avg,
exp_avg_sq, exp_inf, mu_product, step), and groups keep beta1 and beta2 as Adam's do."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .common import (
    BetasOptimizer,
    betas_pair,
    check_nonnegative,
    decay_decoupled,
    decayed,
    only_defaults,
)


class Adamax(BetasOptimizer):
    """PyTorch's Adamax: with g + wd theta (g negated first if maximize), m = b1 m + (1 - b1) g,
    u = max(b2 u, |g| + eps); theta -= lr / (1 - b1^t) * m / u.

    foreach, differentiable and capturable are taken only at their defaults (None, False).
    """

    state_keys = ("exp_avg", "exp_inf", "step")
    state_arrays = frozenset({"exp_avg", "exp_inf"})

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        only_defaults("Adamax", foreach=foreach, differentiable=differentiable,
                      capturable=capturable)
        b1, b2 = betas_pair(betas, "Adamax")
        super().__init__(params, lr, beta1=b1, beta2=b2, eps=float(eps),
                         weight_decay=float(weight_decay), maximize=bool(maximize))

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        g = decayed(d, g, group["weight_decay"], negate=group["maximize"])
        if "exp_avg" not in state:
            state.update(exp_avg=np.zeros_like(d), exp_inf=np.zeros_like(d), step=0)
        state["step"] += 1
        b1, m, u = group["beta1"], state["exp_avg"], state["exp_inf"]
        t = _mean_into(m, g, b1, np.empty_like(d))
        u *= group["beta2"]
        np.abs(g, out=t)
        t += group["eps"]
        np.maximum(u, t, out=u)  # the exponentially weighted infinity norm
        np.divide(m, u, out=t)
        t *= group["lr"] / (1 - b1 ** state["step"])
        d -= t


class NAdam(BetasOptimizer):
    """PyTorch's NAdam: Adam's moments with Nesterov momentum whose factor warms up,
    mu_t = b1 (1 - 0.96^(t psi) / 2) for momentum_decay psi; with mu_prod = mu_1 ... mu_t and
    denom = sqrt(v / (1 - b2^t)) + eps: theta -= lr (1 - mu_t) / (1 - mu_prod) g / denom +
    lr mu_{t+1} / (1 - mu_prod mu_{t+1}) m / denom. weight_decay adds wd theta to g, or with
    decoupled_weight_decay=True scales theta by 1 - lr wd first (AdamW's way).

    foreach, capturable and differentiable are taken only at their defaults (None, False).
    mu_product is a Python float here; torch keeps it as a tensor of its default dtype
    (float32 unless torch.set_default_dtype(torch.float64)), which rounds it.
    """

    state_keys = ("exp_avg", "exp_avg_sq", "mu_product", "step")
    state_arrays = frozenset({"exp_avg", "exp_avg_sq"})
    state_nonnegative = frozenset({"exp_avg_sq"})
    # (a product of momentum factors in [0, 1): 1 / mu_next divided by 0, > 1 or < 0 stepped
    # by a wrong share of the gradient)
    state_ranges = {"mu_product": (0.0, False, 1.0)}

    # (a group saved before the key existed: torch's __setstate__ gives it False)
    saved_defaults = {**BetasOptimizer.saved_defaults, "decoupled_weight_decay": False}

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        only_defaults("NAdam", foreach=foreach, capturable=capturable,
                      differentiable=differentiable)
        b1, b2 = betas_pair(betas, "NAdam")
        super().__init__(params, lr, beta1=b1, beta2=b2, eps=float(eps),
                         weight_decay=float(weight_decay), momentum_decay=float(momentum_decay),
                         decoupled_weight_decay=bool(decoupled_weight_decay),
                         maximize=bool(maximize))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_nonnegative(group, ("momentum_decay",), "NAdam")

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        g = _decay(d, g, group)
        if "exp_avg" not in state:
            state.update(exp_avg=np.zeros_like(d), exp_avg_sq=np.zeros_like(d),
                         mu_product=1.0, step=0)
        state["step"] += 1
        step, b1, psi, lr = state["step"], group["beta1"], group["momentum_decay"], group["lr"]
        mu = b1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        m, t = _moments(state, g, group, np.empty_like(d))
        np.divide(state["exp_avg_sq"], 1 - group["beta2"] ** step, out=t)
        np.sqrt(t, out=t)
        t += group["eps"]  # t = denom
        u = np.divide(g, t, out=np.empty_like(d))
        u *= lr * (1.0 - mu) / (1.0 - mu_product)  # the gradient's Nesterov share
        d -= u
        np.divide(m, t, out=u)
        u *= lr * mu_next / (1.0 - mu_product * mu_next)  # the momentum's
        d -= u


class RAdam(BetasOptimizer):
    """PyTorch's RAdam: Adam's moments; with rho_inf = 2 / (1 - b2) - 1 and rho_t = rho_inf -
    2 t b2^t / (1 - b2^t), theta -= lr m_hat r sqrt(1 - b2^t) / (sqrt(v) + eps) where rho_t > 5
    (r the variance rectification, sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)
    (rho_inf - 2) rho_t))), and theta -= lr m_hat (momentum SGD) in the first steps, where it
    is not. weight_decay and decoupled_weight_decay as NAdam's.

    foreach, capturable and differentiable are taken only at their defaults (None, False).
    """

    state_keys = ("exp_avg", "exp_avg_sq", "step")
    state_arrays = frozenset({"exp_avg", "exp_avg_sq"})
    state_nonnegative = frozenset({"exp_avg_sq"})

    # (a group saved before the key existed: torch's __setstate__ gives it False)
    saved_defaults = {**BetasOptimizer.saved_defaults, "decoupled_weight_decay": False}

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        only_defaults("RAdam", foreach=foreach, capturable=capturable,
                      differentiable=differentiable)
        b1, b2 = betas_pair(betas, "RAdam")
        super().__init__(params, lr, beta1=b1, beta2=b2, eps=float(eps),
                         weight_decay=float(weight_decay),
                         decoupled_weight_decay=bool(decoupled_weight_decay),
                         maximize=bool(maximize))

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        g = _decay(d, g, group)
        if "exp_avg" not in state:
            state.update(exp_avg=np.zeros_like(d), exp_avg_sq=np.zeros_like(d), step=0)
        state["step"] += 1
        step, b2 = state["step"], group["beta2"]
        m, t = _moments(state, g, group, np.empty_like(d))
        bc2 = 1 - b2**step
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * step * (b2**step) / bc2
        u = np.divide(m, 1 - group["beta1"] ** step, out=np.empty_like(d))  # m_hat
        u *= group["lr"]
        if rho_t > 5.0:  # the variance is tractable: Adam's step, rectified
            np.sqrt(state["exp_avg_sq"], out=t)
            t += group["eps"]
            np.divide(bc2**0.5, t, out=t)  # the adaptive rate
            u *= t
            u *= math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                           / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        d -= u


def _decay(d: np.ndarray, g: np.ndarray, group: dict[str, Any]) -> np.ndarray:
    """NAdam's and RAdam's weight decay, torch's order: g negated if maximize, then wd theta
    added to it, or (decoupled_weight_decay) theta scaled by 1 - lr wd."""
    wd, negate = group["weight_decay"], group["maximize"]
    if wd and group["decoupled_weight_decay"]:
        return decay_decoupled(d, decayed(d, g, 0.0, negate), group["lr"], wd)
    return decayed(d, g, wd, negate)


def _mean_into(m: np.ndarray, g: np.ndarray, b: float, t: np.ndarray) -> np.ndarray:
    """m = b m + (1 - b) g in place, with t a temporary (returned, free to reuse)."""
    np.multiply(g, 1 - b, out=t)
    m *= b
    m += t
    return t


def _moments(state: dict[str, Any], g: np.ndarray, group: dict[str, Any],
             t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Adam's two running means in place: exp_avg of g, exp_avg_sq of g^2. Returns exp_avg
    and the temporary t (free to reuse)."""
    m, v, b2 = state["exp_avg"], state["exp_avg_sq"], group["beta2"]
    _mean_into(m, g, group["beta1"], t)
    np.multiply(g, 1 - b2, out=t)
    t *= g
    v *= b2
    v += t
    return m, t
