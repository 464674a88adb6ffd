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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import engine
from . import schedules
from .optimizer import Optimizer, check_lr

__all__ = ["CyclicLR", "ExponentialLR", "LRScheduler", "LambdaLR", "MultiStepLR", "StepLR"]


def _per_group(value: Any, n: int, who: str, name: str) -> list[Any]:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{who}: {len(value)} {name} for {n} parameter groups")
        return list(value)
    return [value] * n


class LRScheduler:
    """Base class: subclasses give `get_lr()`, the rates at step `last_epoch`."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        who = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{who}: expected an optimizer, got {type(optimizer).__name__}")
        if last_epoch != -1:
            raise ValueError(f"{who}: last_epoch={last_epoch}: to resume, build the scheduler "
                             "and load_state_dict(saved) instead")
        self.optimizer = optimizer
        # PyTorch's: each group's first rate, kept in the group (a second scheduler built later
        # starts from it too, not from where the first one has moved the rate)
        for g in optimizer.param_groups:
            g.setdefault("initial_lr", g["lr"])
        self.base_lrs = [float(g["initial_lr"]) for g in optimizer.param_groups]
        self.last_epoch = -1
        self._last_lr: list[float] = []
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def step(self, epoch: int | None = None) -> None:
        """Advance one step and set every group's rate (`epoch` is not supported)."""
        if epoch is not None:
            raise TypeError(f"{type(self).__name__}.step(epoch): stepping to a given epoch is "
                            "deprecated in PyTorch and not supported; call step() once per epoch")
        # inside a jitted step: refused (replay runs no Python of the step: the rates would
        # stay where the recordings left them)
        engine.notify_write(f"{type(self).__name__}.step()")
        self.last_epoch += 1
        lrs = [float(lr) for lr in self.get_lr()]
        for g, lr in zip(self.optimizer.param_groups, lrs):
            check_lr(lr, type(self).__name__)
            g["lr"] = lr
        self._last_lr = lrs

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer and functions (PyTorch's convention)."""
        return {k: v for k, v in self.__dict__.items()
                if k != "optimizer" and not callable(v) and not k.startswith("_fn")}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        engine.notify_write(f"{type(self).__name__}.load_state_dict()")
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self._last_lr})"


# StepLR, MultiStepLR and ExponentialLR multiply the group's current rate, as PyTorch's do (its
# "chainable" form): two schedulers on one optimizer compose, and a rate set by hand between
# steps is where the next one starts. (Computed from base_lr, the later one overwrote both.)
def _current(opt: Optimizer) -> list[float]:
    return [float(g["lr"]) for g in opt.param_groups]


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
            return _current(self.optimizer)
        return [lr * self.gamma for lr in _current(self.optimizer)]


class MultiStepLR(LRScheduler):
    """lr *= gamma at each milestone (twice at a milestone listed twice)."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones, self.gamma = sorted(int(m) for m in milestones), float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        k = self.milestones.count(self.last_epoch)
        if k == 0:
            return _current(self.optimizer)
        return [lr * self.gamma ** k for lr in _current(self.optimizer)]


class ExponentialLR(LRScheduler):
    """lr *= gamma every step (lr = base_lr * gamma ** epoch when nothing else sets it)."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return _current(self.optimizer)
        return [lr * self.gamma for lr in _current(self.optimizer)]


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch); one function, or one per parameter group."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list[Any],
                 last_epoch: int = -1) -> None:
        self._fn = _per_group(lr_lambda, len(optimizer.param_groups), "LambdaLR", "lr_lambdas")
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
        lows = _per_group(base_lr, n, who, "base_lr values")
        highs = _per_group(max_lr, n, who, "max_lr values")
        self._fn_lr = [schedules.CyclicLR(lo, hi, step_size_up) for lo, hi in zip(lows, highs)]
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            g0 = optimizer.param_groups[0]
            self._key = "momentum" if "momentum" in g0 else "beta1" if "beta1" in g0 else None
            if self._key is None:
                raise ValueError(f"{who}: {type(optimizer).__name__} has no momentum or beta1 to "
                                 "cycle; pass cycle_momentum=False")
            self.base_momentums = _per_group(base_momentum, n, who, "base_momentum values")
            self.max_momentums = _per_group(max_momentum, n, who, "max_momentum values")
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

