"""Optimizers, gradient clipping and learning-rate schedules.

Optimizers update `param.data` in place from `param.grad` (parameters without a gradient are
skipped). `.lr` is a plain attribute: the training loop sets it from a schedule before each step.
Schedules are callables `update step -> eta`. L2 regularization is not here: it is part of the
models' cost J = mean CE + lambda * sum of squared weights, so its gradient is already in `.grad`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .tensor import Tensor


class Optimizer:
    """Base class: holds the parameter list, `lr`, and per-parameter state arrays."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameters must be Tensors, got {type(p)}")
        _check_lr(lr, type(self).__name__)
        self.lr = float(lr)
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        for p, state in zip(self.params, self.state):
            if p.grad is None:
                continue
            if p.grad.shape != p.data.shape:
                raise ValueError(
                    f"{type(self).__name__}: gradient of shape {p.grad.shape} for parameter "
                    f"{p.name or '?'} of shape {p.data.shape}"
                )
            self._update(p, p.grad, state)

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """lr, hyperparameters and copies of the per-parameter state (by parameter index)."""
        return {
            "type": type(self).__name__,
            "lr": self.lr,
            "hyper": self._hyper(),
            "state": [{k: _copy(v) for k, v in s.items()} for s in self.state],
        }

    def load_state_dict(self, d: dict[str, Any]) -> None:
        if d.get("type") != type(self).__name__:
            raise ValueError(f"state dict is for {d.get('type')}, not {type(self).__name__}")
        if len(d["state"]) != len(self.params):
            raise ValueError(
                f"{type(self).__name__}: state dict has {len(d['state'])} parameters, "
                f"optimizer has {len(self.params)}"
            )
        self.lr = float(d["lr"])
        for k, v in d.get("hyper", {}).items():
            setattr(self, k, v)
        self.state = [{k: _copy(v) for k, v in s.items()} for s in d["state"]]

    def _hyper(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        hyper = "".join(f", {k}={v}" for k, v in self._hyper().items())
        return f"{type(self).__name__}(lr={self.lr}{hyper}, {len(self.params)} params)"


class SGD(Optimizer):
    """theta -= lr * g, or with momentum mu: v = mu * v + g; theta -= lr * v."""

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any]) -> None:
        if self.momentum:
            v = state.get("v")
            if v is None:
                v = state["v"] = np.zeros_like(p.data)
            v *= self.momentum
            v += g
            g = v
        p.data -= self.lr * g

    def _hyper(self) -> dict[str, Any]:
        return {"momentum": self.momentum}


class AdaGrad(Optimizer):
    """The course's AdaGrad: m += g^2; theta -= lr * g / sqrt(m + eps)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 0.1, eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        self.eps = float(eps)

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any]) -> None:
        m = state.get("m")
        if m is None:
            m = state["m"] = np.zeros_like(p.data)
        m += g * g
        p.data -= self.lr * g / np.sqrt(m + self.eps)

    def _hyper(self) -> dict[str, Any]:
        return {"eps": self.eps}


class Adam(Optimizer):
    """Adam with bias correction: m, v are running means of g and g^2; t counts steps."""

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {b}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any]) -> None:
        if "m" not in state:
            state["m"] = np.zeros_like(p.data)
            state["v"] = np.zeros_like(p.data)
            state["t"] = 0
        state["t"] += 1
        t, m, v = state["t"], state["m"], state["v"]
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def _hyper(self) -> dict[str, Any]:
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adagrad": AdaGrad, "adam": Adam}


# ---- gradient clipping -------------------------------------------------------------------
def clip_grad_value_(params: Iterable[Tensor], clip: float) -> None:
    """Clip every gradient entry to [-clip, clip] in place (the char-RNN's clip to [-5, 5])."""
    if not clip > 0:
        raise ValueError(f"clip_grad_value_: clip must be > 0, got {clip}")
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
        _check_lr(eta, "ConstantLR")
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
        _check_lr(eta_min, "CyclicLR eta_min")
        _check_lr(eta_max, "CyclicLR eta_max")
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


def _check_lr(lr: float, who: str) -> None:
    if not (isinstance(lr, (int, float, np.floating)) and math.isfinite(lr) and lr >= 0):
        raise ValueError(f"{who}: learning rate must be a finite number >= 0, got {lr!r}")


def _copy(v: Any) -> Any:
    return v.copy() if isinstance(v, np.ndarray) else v
