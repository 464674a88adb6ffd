"""PyTorch's ReduceLROnPlateau: rates cut by `factor` when a metric stops improving
(`sched.step(val_loss)`). Exported by lr_scheduler."""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import engine
from .lr_base import (
    EPOCH_DEPRECATION_WARNING,
    LRScheduler,
    current_lrs,
    integer_arg,
    rate_arg,
    real_arg,
)
from .optimizer import Optimizer


class ReduceLROnPlateau(LRScheduler):
    """Multiply every group's rate by `factor` (not below min_lr) once the metric given to
    step(metrics) has not improved for more than `patience` steps; then wait `cooldown` steps
    before counting again. mode 'min' (a loss) or 'max' (an accuracy); an improvement must beat
    the best so far by `threshold`, relative ('rel') or absolute ('abs'). A change of a rate by
    less than eps is skipped. As torch's, no step is taken at construction."""

    _torch_lacks = frozenset({"default_min_lr", "_last_lr"})  # (older torch's state)

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8) -> None:
        who = "ReduceLROnPlateau"
        factor = real_arg(factor, who, "factor")
        if factor >= 1.0 or factor < 0:
            raise ValueError(f"{who}: Factor should be < 1.0 (and >= 0), got factor={factor}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{who}: expected an optimizer, got {type(optimizer).__name__}")
        if mode not in ("min", "max"):
            raise ValueError(f"{who}: mode {mode!r} is unknown! Use 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{who}: threshold mode {threshold_mode!r} is unknown! Use 'rel' "
                             "or 'abs'")
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"{who}: expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr: float | None = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
        for v in self.min_lrs:
            rate_arg(v, who, "min_lr")
        self.optimizer = optimizer
        self.factor = factor
        self.patience = integer_arg(patience, who, "patience", 0)
        self.cooldown = integer_arg(cooldown, who, "cooldown", 0)
        for name, value in (("threshold", threshold), ("eps", eps)):
            if real_arg(value, who, name) < 0:
                raise ValueError(f"{who}: {name} must be >= 0, got {value}")
        self.threshold, self.eps = threshold, eps
        self.mode, self.threshold_mode = mode, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = current_lrs(optimizer)
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Count one epoch with this value of the watched metric (a loss or an accuracy).
        `epoch` (deprecated in PyTorch, with its warning) sets `last_epoch`, as torch's; the
        counting is the same."""
        who = type(self).__name__
        if epoch is not None:
            epoch = integer_arg(epoch, f"{who}.step(metrics, epoch)", "epoch", 0)
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(f"{who}.step(metrics): metrics must be one number (the loss or "
                            f"accuracy to watch), got {type(metrics).__name__}") from None
        engine.notify_write(f"{who}.step()")
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown are not counted
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = current_lrs(self.optimizer)

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"{type(self).__name__}: the optimizer has {len(groups)} "
                                   f"parameter groups, {len(self.min_lrs)} when the scheduler "
                                   "was built (a group added since?): set its min_lrs to one "
                                   "value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for g, low in zip(groups, self.min_lrs):
            old_lr = float(g["lr"])
            new_lr = max(old_lr * self.factor, low)
            if old_lr - new_lr > self.eps:
                g["lr"] = new_lr

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold
