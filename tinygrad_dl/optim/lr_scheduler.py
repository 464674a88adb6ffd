"""PyTorch's learning-rate schedulers: objects that set an optimizer's rates, one `step()` per
epoch (or per update, for CyclicLR), as `torch.optim.lr_scheduler`.

    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(n):
        train(...)          # opt.step() inside
        sched.step()

A scheduler counts its steps in `last_epoch` (0 after construction, which sets the first rate)
and writes each parameter group's "lr". The course's own schedules (optim.ConstantLR,
optim.CyclicLR: callables step -> eta that the training loop reads) stay where they are;
`CyclicLR` here is the course's triangular schedule driven the PyTorch way, computed by
optim.CyclicLR itself (one formula), so `CyclicLR(opt, eta_min, eta_max, step_size_up=n_s)`
gives the course's eta_t at update t.

Also torch's ConstantLR (here: lr_scheduler.ConstantLR, not the course's optim.ConstantLR),
LinearLR, MultiplicativeLR, PolynomialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts,
OneCycleLR (per update, cycling SGD's/RMSprop's momentum or Adam's/AdamW's beta1) and
ReduceLROnPlateau (`sched.step(val_loss)`), each computing its rates as torch 2.13 does (its
recursive, chainable forms where it uses them), so the sequences are torch's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import schedules
from .annealing import (
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    LinearLR,
    MultiplicativeLR,
    OneCycleLR,
    PolynomialLR,
)
from .lr_base import LRScheduler, current_lrs, per_group
from .optimizer import Optimizer
from .plateau import ReduceLROnPlateau

__all__ = ["ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR",
           "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR",
           "MultiplicativeLR", "OneCycleLR", "PolynomialLR", "ReduceLROnPlateau", "StepLR"]


class StepLR(LRScheduler):
    """lr *= gamma every step_size steps (lr = base_lr * gamma ** (epoch // step_size) when
    nothing else sets the rate)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if int(step_size) != step_size or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return current_lrs(self.optimizer)
        return [lr * self.gamma for lr in current_lrs(self.optimizer)]


class MultiStepLR(LRScheduler):
    """lr *= gamma at each milestone (twice at a milestone listed twice)."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones, self.gamma = sorted(int(m) for m in milestones), float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        k = self.milestones.count(self.last_epoch)
        if k == 0:
            return current_lrs(self.optimizer)
        return [lr * self.gamma ** k for lr in current_lrs(self.optimizer)]


class ExponentialLR(LRScheduler):
    """lr *= gamma every step (lr = base_lr * gamma ** epoch when nothing else sets it)."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return current_lrs(self.optimizer)
        return [lr * self.gamma for lr in current_lrs(self.optimizer)]


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch); one function, or one per parameter group."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list[Any],
                 last_epoch: int = -1) -> None:
        self._fn = per_group(lr_lambda, len(optimizer.param_groups), "LambdaLR", "lr_lambdas")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [b * f(self.last_epoch) for b, f in zip(self.base_lrs, self._fn)]


class CyclicLR(LRScheduler):
    """The course's triangular cyclical rate, PyTorch's spelling: step() after every update.

    lr rises from base_lr to max_lr over step_size_up updates (the course's n_s) and falls back
    over as many; the rate itself is `optim.CyclicLR(base_lr, max_lr, n_s)(t)`. As PyTorch's,
    with cycle_momentum (the default) the optimizer's momentum (SGD, RMSprop) or beta1 (Adam)
    moves the other way, from max_momentum down to base_momentum and back. Only mode
    "triangular" with step_size_down equal to step_size_up (or None) is the course's schedule;
    other modes raise.
    """

    def __init__(self, optimizer: Optimizer, base_lr: Any, max_lr: Any,
                 step_size_up: int = 2000, step_size_down: int | None = None,
                 mode: str = "triangular", gamma: float = 1.0, scale_fn: Any = None,
                 scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum: Any = 0.8, max_momentum: Any = 0.9,
                 last_epoch: int = -1) -> None:
        who = "CyclicLR"
        if mode != "triangular" or scale_fn is not None or (
                step_size_down is not None and step_size_down != step_size_up):
            raise ValueError(f"{who}: only the triangular schedule with step_size_down == "
                             f"step_size_up is supported (got mode={mode!r}, step_size_down="
                             f"{step_size_down}, scale_fn={scale_fn}): the course's schedule")
        n = len(optimizer.param_groups)
        lows = per_group(base_lr, n, who, "base_lr values")
        highs = per_group(max_lr, n, who, "max_lr values")
        self._fn_lr = [schedules.CyclicLR(lo, hi, step_size_up) for lo, hi in zip(lows, highs)]
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            g0 = optimizer.param_groups[0]
            self._key = "momentum" if "momentum" in g0 else "beta1" if "beta1" in g0 else None
            if self._key is None:
                raise ValueError(f"{who}: {type(optimizer).__name__} has no momentum or beta1 to "
                                 "cycle; pass cycle_momentum=False")
            self.base_momentums = per_group(base_momentum, n, who, "base_momentum values")
            self.max_momentums = per_group(max_momentum, n, who, "max_momentum values")
            self._fn_scale = schedules.CyclicLR(0.0, 1.0, step_size_up)  # 0 -> 1 -> 0
        for g, lo in zip(optimizer.param_groups, lows):
            g["lr"] = float(lo)  # PyTorch starts every group at base_lr
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if self.cycle_momentum:
            s = self._fn_scale(t)
            for g, lo, hi in zip(self.optimizer.param_groups, self.base_momentums,
                                 self.max_momentums):
                g[self._key] = hi - (hi - lo) * s
        return [f(t) for f in self._fn_lr]


# PyTorch spells the base class both ways
_LRScheduler = LRScheduler
