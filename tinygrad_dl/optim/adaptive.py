"""The adaptive optimizers, which scale each parameter's step by running statistics of its
gradients: the course's AdaGrad, PyTorch's Adagrad, Adam, AdamW and RMSprop."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from .common import (
    BetasOptimizer,
    betas_pair,
    check_decay,
    check_nonnegative,
    decay_decoupled,
    decayed,
    is_number,
    new_buffer,
    only_defaults,
)
from .optimizer import Optimizer


class AdaGrad(Optimizer):
    """The course's AdaGrad: m += g^2; theta -= lr * g / sqrt(m + eps)."""

    state_keys, state_arrays = ("m",), frozenset({"m"})
    state_nonnegative = frozenset({"m"})

    def __init__(self, params: Iterable[Any], lr: float = 0.1, eps: float = 1e-8) -> None:
        super().__init__(params, lr, eps=float(eps))

    def _check_group(self, group: dict[str, Any]) -> None:
        # (a NaN eps made every weight NaN; a negative one, the root of a negative m + eps)
        check_nonnegative(group, ("eps",), "AdaGrad", inf_ok=True)

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        m = state.get("m")
        if m is None:
            m = state["m"] = np.zeros_like(d)
        t = np.multiply(g, g, out=np.empty_like(d))
        m += t
        np.add(m, group["eps"], out=t)
        np.sqrt(t, out=t)  # t = sqrt(m + eps)
        u = np.multiply(g, group["lr"], out=np.empty_like(d))
        u /= t
        d -= u


class Adagrad(Optimizer):
    """PyTorch's Adagrad (torch.optim.Adagrad's for-loop step), which differs from the course's
    AdaGrad above in where eps goes and in its defaults (lr 0.01, eps 1e-10): with g + wd theta
    (negated first if maximize), sum += g^2; theta -= clr g / (sqrt(sum) + eps), where
    clr = lr / (1 + (step - 1) lr_decay) and sum starts at initial_accumulator_value.

    foreach and fused are PyTorch's speed choices; each step here is one NumPy pass per line
    already, so only their defaults (None, False) are taken, as is differentiable=False (steps
    are never recorded).
    """

    state_keys, state_arrays = ("sum", "step"), frozenset({"sum"})
    state_nonnegative = frozenset({"sum"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        # (PyTorch's positional foreach is the 7th argument, as here)
        only_defaults("Adagrad", foreach=foreach, fused=fused, differentiable=differentiable)
        super().__init__(params, lr, lr_decay=float(lr_decay), weight_decay=float(weight_decay),
                         initial_accumulator_value=float(initial_accumulator_value),
                         eps=float(eps), maximize=bool(maximize))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_decay(group["weight_decay"], "Adagrad")  # and torch's checks:
        check_nonnegative(group, ("lr_decay", "initial_accumulator_value"), "Adagrad")
        check_nonnegative(group, ("eps",), "Adagrad", inf_ok=True)  # (as torch: steps of 0)

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if "sum" not in state:  # (PyTorch's state names: "sum", "step")
            state["sum"] = np.full_like(d, group["initial_accumulator_value"])
            state["step"] = 0
        state["step"] += 1
        s, wd = state["sum"], group["weight_decay"]
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        g = decayed(d, g, wd, negate=group["maximize"])  # g + wd theta, or -g + wd theta
        u = np.multiply(g, g, out=np.empty_like(d))
        s += u
        np.sqrt(s, out=u)
        u += group["eps"]  # u = std = sqrt(sum) + eps: eps outside the root
        np.divide(g, u, out=u)
        u *= clr
        d -= u


class Adam(BetasOptimizer):
    """Adam with bias correction: m, v are running means of g and g^2; t counts steps.

    PyTorch's `betas=(beta1, beta2)` or the keywords beta1=, beta2= (the group keys are
    "beta1" and "beta2"; a group dict given with torch's "betas" is split into them);
    weight_decay wd adds wd * theta to g first (L2, as PyTorch's Adam), or with torch's
    decoupled_weight_decay=True (a group key) scales theta by 1 - lr wd first: AdamW's
    update, as torch 2.13's Adam. As torch's:
    amsgrad=True divides by the running maximum of v instead of v, and maximize=True steps up
    the gradient (-g in place of g). The state keeps torch's names: m is "exp_avg", v
    "exp_avg_sq", t "step", v's maximum "max_exp_avg_sq" (this library's older "m", "v", "t",
    "v_max" load). A group saved before amsgrad, maximize or decoupled_weight_decay existed
    loads with False for them (AdamW: decoupled), not the constructor's, as torch's.

    The one home of the Adam update: AdamW below is this class with the decay decoupled.
    """

    state_keys = ("exp_avg", "exp_avg_sq", "step")
    state_arrays = frozenset({"exp_avg", "exp_avg_sq", "max_exp_avg_sq"})
    state_nonnegative = frozenset({"exp_avg_sq", "max_exp_avg_sq"})

    state_renames = {"m": "exp_avg", "v": "exp_avg_sq", "t": "step", "v_max": "max_exp_avg_sq"}
    saved_defaults = {"amsgrad": False, "maximize": False, "decoupled_weight_decay": False}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        beta1: float | None = None,
        beta2: float | None = None,
        eps: float = 1e-8,
        *,
        betas: tuple[float, float] | None = None,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        who = type(self).__name__
        only_defaults(who, foreach=foreach, capturable=capturable, differentiable=differentiable,
                      fused=fused)
        if isinstance(beta1, (tuple, list)):  # PyTorch's Adam(params, lr, betas, eps, wd):
            # its later positionals (eps, weight_decay) would land on beta2 and eps here
            raise TypeError(f"{who}: the third positional argument is beta1 here, got "
                            f"{beta1!r}; PyTorch's positional betas (then eps, weight_decay) "
                            f"are {who}(params, lr, betas=(b1, b2), eps=..., weight_decay=...)")
        if betas is not None:
            if beta1 is not None or beta2 is not None:
                raise ValueError(f"{who}: give betas=(beta1, beta2) or beta1=/beta2=, not both")
            beta1, beta2 = betas_pair(betas, who)
        beta1 = 0.9 if beta1 is None else beta1
        beta2 = 0.999 if beta2 is None else beta2
        super().__init__(params, lr, beta1=float(beta1), beta2=float(beta2), eps=float(eps),
                         weight_decay=float(weight_decay), amsgrad=bool(amsgrad),
                         maximize=bool(maximize),
                         decoupled_weight_decay=bool(decoupled_weight_decay))

    def _required_state(self, group: dict[str, Any]) -> dict[str, str]:
        # amsgrad's running maximum: a stepped state without it (amsgrad switched on since, or
        # cut short) starts it at zeros, said by load_state_dict (torch's step: KeyError)
        return {"max_exp_avg_sq": "amsgrad=True"} if group["amsgrad"] else {}

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        b1, b2, lr, wd = group["beta1"], group["beta2"], group["lr"], group["weight_decay"]
        # maximize: -g, carried as the sign of (1 - b1) (exact: m's update is (-g)(1 - b1)
        # bit for bit, and v's g (1 - b2) g does not see the sign), so no negated copy
        sign = -1.0 if group["maximize"] else 1.0
        # AdamW (decoupled_weight_decay): theta *= 1 - lr wd, before the moments (torch's)
        if wd and group["decoupled_weight_decay"]:
            g = decay_decoupled(d, g, lr, wd)
        elif wd:  # Adam: L2, g + wd theta (-g + wd theta when maximizing) enters m and v
            g = decayed(d, g, wd, negate=sign < 0)
            sign = 1.0
        if "exp_avg" not in state:  # (torch's names)
            state["exp_avg"] = np.zeros_like(d)
            state["exp_avg_sq"] = np.zeros_like(d)
            state["step"] = 0
        state["step"] += 1
        step, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        t = np.multiply(g, sign * (1 - b1), out=np.empty_like(d))
        m *= b1
        m += t
        np.multiply(g, 1 - b2, out=t)
        t *= g
        v *= b2
        v += t
        if group["amsgrad"]:  # the running maximum of v (not of v_hat) replaces v below
            v_max = state.get("max_exp_avg_sq")
            if v_max is None:
                v_max = new_buffer(self, state, d, "max_exp_avg_sq", "amsgrad=True", group)
            np.maximum(v_max, v, out=v_max)
            v = v_max
        u = np.divide(v, 1 - b2**step, out=np.empty_like(d))  # v_hat
        np.sqrt(u, out=u)
        u += group["eps"]
        np.divide(m, 1 - b1**step, out=t)  # m_hat
        t *= lr
        t /= u
        d -= t


class AdamW(Adam):
    """PyTorch's AdamW (torch.optim.AdamW's for-loop step): Adam with decoupled weight decay,
    theta *= 1 - lr wd before each Adam step, so the decay enters neither moment (Adam's
    weight_decay adds wd theta to g instead). PyTorch's signature and defaults: betas
    (0.9, 0.999) may be the third positional argument, weight_decay 1e-2; amsgrad and
    maximize as Adam's. The update is Adam's (one home); only the decay's place differs.

    foreach and fused are PyTorch's speed choices (the same numbers to rounding); each step
    here is one NumPy pass per line already, so only their defaults (None, False) are taken,
    as are capturable=False and differentiable=False (steps are never recorded).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        only_defaults("AdamW", foreach=foreach, fused=fused, capturable=capturable,
                      differentiable=differentiable)
        super().__init__(params, lr, eps=eps, betas=betas, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)

    def _loaded_group(self, i: int, group: dict[str, Any],
                      saved: dict[str, Any]) -> dict[str, Any]:
        # torch's AdamW.__setstate__: the decay decoupled whatever the saved group says (one
        # saying decoupled_weight_decay=False steps as AdamW; an Adam's dict is refused: type)
        return {**super()._loaded_group(i, group, saved), "decoupled_weight_decay": True}


class RMSprop(Optimizer):
    """PyTorch's RMSprop: v = alpha v + (1 - alpha) g^2; theta -= lr g / (sqrt(v) + eps).

    centered: sqrt(v - gbar^2) with gbar the running mean of g; momentum mu: b = mu b +
    g / (sqrt(v) + eps), theta -= lr b; weight_decay wd adds wd * theta to g first (to -g
    with maximize=True, torch's). The state keeps torch's names: v is "square_avg", gbar
    "grad_avg", b "momentum_buffer", and "step" counts steps (this library's older "v",
    "gbar", "b" load). A group saved before maximize existed loads with False, as torch's.
    """

    state_keys = ("square_avg", "step")
    state_arrays = frozenset({"square_avg", "grad_avg", "momentum_buffer"})
    state_nonnegative = frozenset({"square_avg"})

    state_renames = {"v": "square_avg", "gbar": "grad_avg", "b": "momentum_buffer"}
    saved_defaults = {"maximize": False, "momentum": 0.0, "centered": False}

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, *, maximize: bool = False, capturable: bool = False,
                 foreach: bool | None = None, differentiable: bool = False) -> None:
        only_defaults("RMSprop", capturable=capturable, foreach=foreach,
                      differentiable=differentiable)
        super().__init__(params, lr, alpha=float(alpha), eps=float(eps),
                         weight_decay=float(weight_decay), momentum=float(momentum),
                         centered=bool(centered), maximize=bool(maximize))

    def load_state_dict(self, d: dict[str, Any]) -> None:
        # the older state ("v", "gbar", "b") kept no step count: the updates never read one
        # (they go on bit for bit as an uninterrupted run's), but "step" now counts from the
        # load, not from the run's start as torch's would: said, not made up
        states = d.get("state") if isinstance(d, dict) else None
        old = isinstance(states, (list, tuple)) and any(
            isinstance(s, dict) and "v" in s and "step" not in s for s in states)
        super().load_state_dict(d)
        if old:
            warnings.warn("RMSprop.load_state_dict: the state was saved before RMSprop kept a "
                          "step count (keys 'v', 'gbar', 'b'); the updates are the same, but "
                          "state 'step' counts from this load", stacklevel=2)

    def _check_state_keys(self, i: int, saved: dict[str, Any], s: dict[str, Any],
                          named: dict[str, str], optional: tuple[str, ...] = ()) -> None:
        # (the older state, "v" and no "step": loads, warned above)
        old = ("step",) if "v" in saved and "step" not in saved else ()
        super()._check_state_keys(i, saved, s, named, optional + old)

    def _required_state(self, group: dict[str, Any]) -> dict[str, str]:
        # (torch's step: a KeyError where the group's momentum or centered reads a buffer the
        # loaded state lacks; here it starts at zeros, said by load_state_dict)
        return {**({"momentum_buffer": f"momentum={group['momentum']}"}
                   if group["momentum"] > 0 else {}),
                **({"grad_avg": "centered=True"} if group["centered"] else {})}

    def _check_group(self, group: dict[str, Any]) -> None:
        # (a string given in a group failed in the comparison, naming neither RMSprop nor it)
        if not (is_number(group["alpha"]) and 0.0 <= group["alpha"] <= 1.0):
            raise ValueError(f"RMSprop: alpha must be in [0, 1], got {group['alpha']!r}")
        if not (is_number(group["momentum"]) and 0.0 <= group["momentum"] < 1.0):
            raise ValueError(f"RMSprop: momentum must be in [0, 1), got {group['momentum']!r}")
        check_decay(group["weight_decay"], "RMSprop")
        check_nonnegative(group, ("eps",), "RMSprop", inf_ok=True)  # (torch's check; inf: 0 steps)

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        a, mu = group["alpha"], group["momentum"]
        # (-g + wd theta with maximize, torch's; a group saved before the key: False)
        g = decayed(d, g, group["weight_decay"], negate=group["maximize"])
        v = state.get("square_avg")
        if v is None:
            v = state["square_avg"] = np.zeros_like(d)
        state["step"] = state.get("step", 0) + 1  # (torch's count; an older state starts it anew)
        t = np.multiply(g, 1 - a, out=np.empty_like(d))
        t *= g
        v *= a
        v += t
        if group["centered"]:
            gbar = state.get("grad_avg")
            if gbar is None:
                gbar = new_buffer(self, state, d, "grad_avg", "centered=True", group)
            np.multiply(g, 1 - a, out=t)
            gbar *= a
            gbar += t
            np.multiply(gbar, gbar, out=t)
            np.subtract(v, t, out=t)
            np.sqrt(t, out=t)
        else:
            np.sqrt(v, out=t)
        t += group["eps"]  # t = avg, the denominator
        if mu:
            b = state.get("momentum_buffer")
            if b is None:
                b = new_buffer(self, state, d, "momentum_buffer", f"momentum={mu}", group)
            u = np.divide(g, t, out=np.empty_like(d))
            b *= mu
            b += u
            np.multiply(b, group["lr"], out=u)
        else:
            u = np.multiply(g, group["lr"], out=np.empty_like(d))
            u /= t
        d -= u
