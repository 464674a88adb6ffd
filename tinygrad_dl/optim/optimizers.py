"""Optimizers, gradient clipping and the course's learning-rate schedules (PyTorch-style
schedulers that set an optimizer's rate are in lr_scheduler.py).

Optimizers update `param.data` in place from `param.grad` (parameters without a gradient are
skipped). As in PyTorch, `param_groups` is a list of dicts, each with its `params` and its own
hyperparameters (`lr`, `momentum`, `weight_decay`, ...), which schedules and users may change
between steps. `opt.lr` reads the first group's rate; assigning it sets every group's rate (the
training loop's schedule does this before each step). Schedules are callables `update step -> eta`.

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

from .. import engine, write_guard
from ..tensor import Tensor


class Optimizer:
    """Base class: holds `param_groups`, `defaults` and per-parameter state arrays.

    params: an iterable of Tensors (one group), or of dicts {"params": [...], "lr": ..., ...}
    whose missing hyperparameters take the constructor's values.
    """

    def __init__(self, params: Iterable[Any], lr: float, **defaults: Any) -> None:
        who = type(self).__name__
        check_lr(lr, who)
        self.defaults: dict[str, Any] = {"lr": float(lr), **defaults}
        items = list(params)
        if not items:
            raise ValueError(f"{who}: got an empty parameter list")
        groups = items if all(isinstance(g, dict) for g in items) else [{"params": items}]
        self.param_groups: list[dict[str, Any]] = []
        for g in groups:
            if not isinstance(g, dict):
                raise TypeError(f"{who}: params must be all Tensors or all dicts, got {type(g)}")
            self.add_param_group(g)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Append a group {"params": [...], hyperparameter: value, ...}; the rest default."""
        who = type(self).__name__
        if "params" not in group:
            raise ValueError(f"{who}: a parameter group needs a 'params' entry")
        unknown = sorted(set(group) - set(self.defaults) - {"params"})
        if unknown:
            raise ValueError(f"{who}: unknown parameter-group option(s) {unknown}; "
                             f"known: {sorted(self.defaults)}")
        ps = group["params"]
        ps = [ps] if isinstance(ps, Tensor) else list(ps)
        for p in ps:
            if not isinstance(p, Tensor):
                raise TypeError(f"{who}: parameters must be Tensors, got {type(p)}")
        seen = {id(p) for g in getattr(self, "param_groups", []) for p in g["params"]}
        if any(id(p) in seen for p in ps):
            raise ValueError(f"{who}: a parameter appears in more than one group")
        g = {**self.defaults, **group, "params": ps}
        check_lr(g["lr"], who)
        self._check_group(g)
        self.param_groups.append(g)
        self.__dict__.setdefault("state", [])
        self.state.extend({} for _ in ps)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyperparameters (subclasses)."""

    @property
    def params(self) -> list[Tensor]:
        """Every parameter, group by group (the order of `state`)."""
        return [p for g in self.param_groups for p in g["params"]]

    @property
    def lr(self) -> float:
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        check_lr(value, type(self).__name__)
        for g in self.param_groups:
            g["lr"] = float(value)

    def zero_grad(self) -> None:
        engine.notify_write(f"{type(self).__name__}.zero_grad()")
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        engine.notify_write(f"{type(self).__name__}.step()")  # inside a jitted step: refused
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[i]
                i += 1
                if p.grad is None:
                    continue
                if p.grad.shape != p.data.shape:
                    raise ValueError(
                        f"{type(self).__name__}: gradient of shape {p.grad.shape} for parameter "
                        f"{p.name or '?'} of shape {p.data.shape}"
                    )
                # a live graph keeps its copy
                write_guard.writable(p, f"{type(self).__name__}.step()")
                self._update(p, p.grad, state, group)

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """lr, every group's hyperparameters and copies of the per-parameter state (by index)."""
        return {
            "type": type(self).__name__,
            "lr": self.lr,
            "hyper": {k: v for k, v in self.param_groups[0].items() if k not in ("params", "lr")},
            "param_groups": [{k: v for k, v in g.items() if k != "params"}
                             for g in self.param_groups],
            "state": [{k: _copy(v) for k, v in s.items()} for s in self.state],
        }

    def load_state_dict(self, d: dict[str, Any]) -> None:
        who = type(self).__name__
        engine.notify_write(f"{who}.load_state_dict()")
        if d.get("type") != who:
            raise ValueError(f"state dict is for {d.get('type')}, not {who}")
        if len(d["state"]) != len(self.params):
            raise ValueError(
                f"{who}: state dict has {len(d['state'])} parameters, "
                f"optimizer has {len(self.params)}"
            )
        groups = d.get("param_groups")
        if groups is None:  # written before param groups existed: one set for all groups
            groups = [{"lr": d["lr"], **d.get("hyper", {})}] * len(self.param_groups)
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{who}: state dict has {len(groups)} parameter groups, "
                             f"optimizer has {len(self.param_groups)}")
        for g, saved in zip(self.param_groups, groups):
            g.update({k: v for k, v in saved.items() if k != "params"})
        self.state = [{k: _copy(v) for k, v in s.items()} for s in d["state"]]

    def __repr__(self) -> str:
        hyper = "".join(f", {k}={v}" for k, v in self.param_groups[0].items() if k != "params")
        return (f"{type(self).__name__}({hyper[2:]}, {len(self.params)} params in "
                f"{len(self.param_groups)} group{'s' * (len(self.param_groups) != 1)})")


class SGD(Optimizer):
    """theta -= lr * g, or with momentum mu: v = mu * v + g; theta -= lr * v.

    weight_decay wd first adds wd * theta to g (PyTorch's convention): the gradient of the L2
    penalty (wd / 2) ||theta||^2, so wd = 2 * lambda matches the course's lambda ||W||^2 term.
    """

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, momentum=float(momentum), weight_decay=float(weight_decay))

    def _check_group(self, group: dict[str, Any]) -> None:
        if not 0.0 <= group["momentum"] < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {group['momentum']}")
        wd = group["weight_decay"]
        if not (math.isfinite(wd) and wd >= 0):
            raise ValueError(f"SGD: weight_decay must be a finite number >= 0, got {wd}")

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        if group["momentum"]:
            v = state.get("v")
            if v is None:
                v = state["v"] = np.zeros_like(p.data)
            v *= group["momentum"]
            v += g
            g = v
        p.data -= group["lr"] * g


class AdaGrad(Optimizer):
    """The course's AdaGrad: m += g^2; theta -= lr * g / sqrt(m + eps)."""

    def __init__(self, params: Iterable[Any], lr: float = 0.1, eps: float = 1e-8) -> None:
        super().__init__(params, lr, eps=float(eps))

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        m = state.get("m")
        if m is None:
            m = state["m"] = np.zeros_like(p.data)
        m += g * g
        p.data -= group["lr"] * g / np.sqrt(m + group["eps"])


class Adam(Optimizer):
    """Adam with bias correction: m, v are running means of g and g^2; t counts steps.

    PyTorch's `betas=(beta1, beta2)` or the keywords beta1=, beta2= (the group keys are
    "beta1" and "beta2"); weight_decay wd adds wd * theta to g first (L2, as PyTorch's Adam).
    """

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
    ) -> None:
        if betas is not None:
            if beta1 is not None or beta2 is not None:
                raise ValueError("Adam: give betas=(beta1, beta2) or beta1=/beta2=, not both")
            try:
                beta1, beta2 = betas
            except (TypeError, ValueError):
                msg = f"Adam: betas must be a pair (beta1, beta2), got {betas!r}"
                raise ValueError(msg) from None
        beta1 = 0.9 if beta1 is None else beta1
        beta2 = 0.999 if beta2 is None else beta2
        super().__init__(params, lr, beta1=float(beta1), beta2=float(beta2), eps=float(eps),
                         weight_decay=float(weight_decay))

    def _check_group(self, group: dict[str, Any]) -> None:
        for name in ("beta1", "beta2"):
            if not 0.0 <= group[name] < 1.0:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {group[name]}")
        _check_decay(group["weight_decay"], "Adam")

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        b1, b2 = group["beta1"], group["beta2"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        if "m" not in state:
            state["m"] = np.zeros_like(p.data)
            state["v"] = np.zeros_like(p.data)
            state["t"] = 0
        state["t"] += 1
        t, m, v = state["t"], state["m"], state["v"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p.data -= group["lr"] * m_hat / (np.sqrt(v_hat) + group["eps"])


class RMSprop(Optimizer):
    """PyTorch's RMSprop: v = alpha v + (1 - alpha) g^2; theta -= lr g / (sqrt(v) + eps).

    centered: sqrt(v - gbar^2) with gbar the running mean of g; momentum mu: b = mu b +
    g / (sqrt(v) + eps), theta -= lr b; weight_decay wd adds wd * theta to g first.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        super().__init__(params, lr, alpha=float(alpha), eps=float(eps),
                         weight_decay=float(weight_decay), momentum=float(momentum),
                         centered=bool(centered))

    def _check_group(self, group: dict[str, Any]) -> None:
        if not 0.0 <= group["alpha"] <= 1.0:
            raise ValueError(f"RMSprop: alpha must be in [0, 1], got {group['alpha']}")
        if not 0.0 <= group["momentum"] < 1.0:
            raise ValueError(f"RMSprop: momentum must be in [0, 1), got {group['momentum']}")
        _check_decay(group["weight_decay"], "RMSprop")

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        a = group["alpha"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        v = state.get("v")
        if v is None:
            v = state["v"] = np.zeros_like(p.data)
        v *= a
        v += (1 - a) * g * g
        if group["centered"]:
            gbar = state.get("gbar")
            if gbar is None:
                gbar = state["gbar"] = np.zeros_like(p.data)
            gbar *= a
            gbar += (1 - a) * g
            avg = np.sqrt(v - gbar * gbar) + group["eps"]
        else:
            avg = np.sqrt(v) + group["eps"]
        if group["momentum"]:
            b = state.get("b")
            if b is None:
                b = state["b"] = np.zeros_like(p.data)
            b *= group["momentum"]
            b += g / avg
            p.data -= group["lr"] * b
        else:
            p.data -= group["lr"] * g / avg


def _check_decay(wd: float, who: str) -> None:
    if not (math.isfinite(wd) and wd >= 0):
        raise ValueError(f"{who}: weight_decay must be a finite number >= 0, got {wd}")


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adagrad": AdaGrad, "adam": Adam,
                                          "rmsprop": RMSprop}


# ---- gradient clipping -------------------------------------------------------------------
def clip_grad_value_(params: Iterable[Tensor], clip: float) -> None:
    """Clip every gradient entry to [-clip, clip] in place (the char-RNN's clip to [-5, 5])."""
    if not clip > 0:
        raise ValueError(f"clip_grad_value_: clip must be > 0, got {clip}")
    engine.notify_write("clip_grad_value_()")
    for p in params:
        if p.grad is not None:
            np.clip(p.grad, -clip, clip, out=p.grad)


def clip_grad_norm_(params: Iterable[Tensor], max_norm: float) -> float:
    """Rescale all gradients together so their global L2 norm is at most max_norm.

    Returns the total norm before clipping (inf/nan passes through unscaled, so the
    caller's non-finite check still sees it).
    """
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be > 0, got {max_norm}")
    engine.notify_write("clip_grad_norm_()")
    grads = [p.grad for p in params if p.grad is not None]
    total = math.sqrt(sum(float(np.vdot(g, g).real) for g in grads))
    if math.isfinite(total) and total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total


# ---- learning-rate schedules ---------------------------------------------------------------
class ConstantLR:
    """eta_t = eta for every update step t."""

    def __init__(self, eta: float) -> None:
        check_lr(eta, "ConstantLR")
        self.eta = float(eta)

    def __call__(self, t: int) -> float:
        return self.eta

    def __repr__(self) -> str:
        return f"ConstantLR({self.eta})"


class CyclicLR:
    """The course's triangular cyclical learning rate (Smith 2015).

    eta rises linearly from eta_min at t = 2 l n_s to eta_max at t = (2 l + 1) n_s, then falls
    back to eta_min at t = 2 (l + 1) n_s. One cycle is 2 n_s update steps.
    """

    def __init__(self, eta_min: float, eta_max: float, n_s: int) -> None:
        check_lr(eta_min, "CyclicLR eta_min")
        check_lr(eta_max, "CyclicLR eta_max")
        if eta_min > eta_max:
            raise ValueError(f"CyclicLR: eta_min={eta_min} must be <= eta_max={eta_max}")
        if int(n_s) != n_s or n_s < 1:
            raise ValueError(f"CyclicLR: n_s must be a positive integer, got {n_s}")
        self.eta_min, self.eta_max, self.n_s = float(eta_min), float(eta_max), int(n_s)

    @property
    def cycle_length(self) -> int:
        return 2 * self.n_s

    def __call__(self, t: int) -> float:
        if t < 0:
            raise ValueError(f"CyclicLR: step must be >= 0, got {t}")
        pos = t % (2 * self.n_s)
        frac = pos / self.n_s if pos <= self.n_s else 2.0 - pos / self.n_s
        return self.eta_min + frac * (self.eta_max - self.eta_min)

    def __repr__(self) -> str:
        return f"CyclicLR(eta_min={self.eta_min}, eta_max={self.eta_max}, n_s={self.n_s})"


def check_lr(lr: float, who: str) -> None:
    """Raise one line unless `lr` is a finite number >= 0 (every optimizer and scheduler)."""
    if not (isinstance(lr, (int, float, np.floating)) and math.isfinite(lr) and lr >= 0):
        raise ValueError(f"{who}: learning rate must be a finite number >= 0, got {lr!r}")


def _copy(v: Any) -> Any:
    return v.copy() if isinstance(v, np.ndarray) else v
