"""PyTorch's annealing and warm-up schedulers, torch 2.13's arithmetic step by step (its
recursive, chainable forms where it uses them): ConstantLR, LinearLR, MultiplicativeLR,
PolynomialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts and OneCycleLR (per update,
cycling SGD's/RMSprop's momentum or Adam's/AdamW's beta1). Exported by lr_scheduler."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import engine
from .lr_base import (
    LambdaState,
    LRScheduler,
    current_lrs,
    integer_arg,
    no_resume,
    per_group,
    rate_arg,
    real_arg,
)
from .optimizer import Optimizer


class ConstantLR(LRScheduler):
    """PyTorch's ConstantLR (not optim.ConstantLR, the course's constant schedule): the rate
    times `factor` for the first `total_iters` steps, then the rate again. Chainable, as
    torch's: lr *= factor at step 0, lr *= 1 / factor at step total_iters."""

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        who = "ConstantLR"
        factor = real_arg(factor, who, "factor")
        if factor > 1.0 or factor < 0:
            raise ValueError(f"{who}: Constant multiplicative factor expected to be between 0 "
                             f"and 1, got factor={factor}")
        if factor == 0:  # torch takes it, then divides by it at step total_iters
            raise ValueError(f"{who}: factor=0 cannot be undone at step total_iters (the rate "
                             "is multiplied by 1 / factor there); give a factor in (0, 1]")
        self.factor = factor
        self.total_iters = integer_arg(total_iters, who, "total_iters", 0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.factor for lr in current_lrs(self.optimizer)]
        if self.last_epoch != self.total_iters:
            return current_lrs(self.optimizer)
        return [lr * (1.0 / self.factor) for lr in current_lrs(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:  # (step(epoch), SequentialLR: torch's)
        f = self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor)
        return [b * f for b in self.base_lrs]


class LinearLR(LRScheduler):
    """The rate times a factor moving linearly from start_factor (step 0) to end_factor (step
    total_iters and after). Chainable, as torch's: each step multiplies the current rate by the
    ratio of this step's factor to the last one's."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        who = "LinearLR"
        start_factor = real_arg(start_factor, who, "start_factor")
        end_factor = real_arg(end_factor, who, "end_factor")
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(f"{who}: Starting multiplicative factor expected to be greater than "
                             f"0 and less or equal to 1, got start_factor={start_factor}")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(f"{who}: Ending multiplicative factor expected to be between 0 and "
                             f"1, got end_factor={end_factor}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = integer_arg(total_iters, who, "total_iters", 0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, sf, ef = self.last_epoch, self.start_factor, self.end_factor
        if e == 0:
            return [lr * sf for lr in current_lrs(self.optimizer)]
        if e > self.total_iters:
            return current_lrs(self.optimizer)
        return [lr * (1.0 + (ef - sf) / (self.total_iters * sf + (e - 1) * (ef - sf)))
                for lr in current_lrs(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:  # (step(epoch), SequentialLR: torch's;
        n = self.total_iters  # total_iters=0: start_factor, as the steps give (torch: 0 / 0)
        done = min(n, self.last_epoch) / n if n else 0.0
        return [b * (self.start_factor + (self.end_factor - self.start_factor) * done)
                for b in self.base_lrs]


class MultiplicativeLR(LambdaState):
    """lr *= lr_lambda(epoch) at every step after the first; one function, or one per group."""

    _per_group_lists = True
    _steps_dependent = True  # (step(epoch) refused: lr_base's _steps_dependent)

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list[Any],
                 last_epoch: int = -1) -> None:
        who = "MultiplicativeLR"
        self._fn = per_group(lr_lambda, len(optimizer.param_groups), who, "lr_lambdas")
        for f in self._fn:
            if not callable(f):
                raise TypeError(f"{who}: lr_lambda should be a function, but got "
                                f"{type(f).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return current_lrs(self.optimizer)
        return [lr * f(self.last_epoch) for lr, f in zip(current_lrs(self.optimizer), self._fn)]


class PolynomialLR(LRScheduler):
    """lr = base_lr (1 - epoch / total_iters) ** power up to step total_iters, then kept;
    chainable, as torch's (each step multiplies by the ratio of consecutive factors)."""

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        who = "PolynomialLR"
        self.total_iters = integer_arg(total_iters, who, "total_iters", 0)
        power = real_arg(power, who, "power")
        if power < 0:  # torch takes it, then raises ZeroDivisionError at step total_iters
            raise ValueError(f"{who}: power must be >= 0, got power={power}")
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, n = self.last_epoch, self.total_iters
        if e == 0 or e > n:
            return current_lrs(self.optimizer)
        decay_factor = ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power
        return [lr * decay_factor for lr in current_lrs(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:  # (step(epoch), SequentialLR: torch's;
        n = self.total_iters  # total_iters=0: base_lr, as the steps give (torch: 0 / 0)
        f = (1.0 - min(n, self.last_epoch) / n) ** self.power if n else 1.0
        return [b * f for b in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr falls from base_lr to eta_min along half a cosine over T_max steps (and rises again
    after, a period of 2 T_max), in torch's recursive form: each step rescales the current
    rate's distance to eta_min, so the rates are torch's bit for bit and chain as its do."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        who = "CosineAnnealingLR"
        t_max = real_arg(T_max, who, "T_max")
        if t_max <= 0:  # torch takes it, then divides by zero at the next step
            raise ValueError(f"{who}: T_max must be > 0 (the steps from base_lr down to "
                             f"eta_min), got T_max={T_max}")
        rate_arg(eta_min, who, "eta_min")
        self.T_max = T_max if isinstance(T_max, int) else t_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, t, lo = self.last_epoch, self.T_max, self.eta_min
        current = current_lrs(self.optimizer)
        if e == 0:
            return current
        if (e - 1 - t) % (2 * t) == 0:  # just past the minimum: the ratio below would be 0 / 0
            return [lr + (base - lo) * (1 - math.cos(math.pi / t)) / 2
                    for base, lr in zip(self.base_lrs, current)]
        return [(1 + math.cos(math.pi * e / t)) / (1 + math.cos(math.pi * (e - 1) / t))
                * (lr - lo) + lo for lr in current]

    def _get_closed_form_lr(self) -> list[float]:  # (step(epoch), SequentialLR: torch's)
        lo, c = self.eta_min, math.cos(math.pi * self.last_epoch / self.T_max)
        return [lo + (b - lo) * (1 + c) / 2 for b in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR: lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2, where T_cur
    counts the steps since the last restart and T_i, the current period, starts at T_0 and is
    multiplied by T_mult at each restart. As torch's, step(epoch) may also set the position
    directly, a fraction of an epoch included (step(epoch + i / iters) once per batch)."""

    _per_group_lists = True

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        who = "CosineAnnealingWarmRestarts"
        self.T_0 = integer_arg(T_0, who, "T_0", 1, f"Expected positive integer T_0, but got {T_0}")
        self.T_i = self.T_0
        self.T_mult = integer_arg(T_mult, who, "T_mult", 1,
                               f"Expected integer T_mult >= 1, but got {T_mult}")
        rate_arg(eta_min, who, "eta_min")
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2 for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one step, or go to `epoch` (a number >= 0, fractions allowed)."""
        who = type(self).__name__
        if epoch is not None and (isinstance(epoch, bool) or not isinstance(
                epoch, (int, float, np.integer, np.floating)) or not epoch >= 0
                or not math.isfinite(epoch)):
            raise ValueError(f"{who}: Expected non-negative epoch, but got {epoch!r}")
        engine.notify_write(f"{who}.step()")
        self._check_group_count()
        saved = (self.T_cur, self.T_i, self.last_epoch)
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                n = int(math.log((epoch / self.T_0 * (self.T_mult - 1) + 1), self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult ** (n)
        else:
            self.T_i = self.T_0
            self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        try:
            self._set_lrs(self.get_lr())
        except BaseException:
            self.T_cur, self.T_i, self.last_epoch = saved
            raise


class OneCycleLR(LRScheduler):
    """The 1cycle policy, one step() per batch: the rate rises from max_lr / div_factor to
    max_lr over the first pct_start of total_steps, then anneals ('cos' or 'linear') down to
    max_lr / div_factor / final_div_factor (three_phase: back to the start first, then down).
    With cycle_momentum the optimizer's momentum (SGD, RMSprop) or beta1 (Adam, AdamW) moves
    the other way, between max_momentum and base_momentum. Not chainable.

    torch's arithmetic, step for step. Two differences: max_lr, min_lr and the momenta are
    kept here (max_lrs, min_lrs, max_momentums, base_momentums), not as extra keys in the
    optimizer's groups (which its step() would refuse as keys it does not use), and at the
    step past the end (step total_steps, allowed as in torch) linear annealing would
    extrapolate the rate below 0: it is 0 here (torch writes the negative rate).
    """

    _per_group_lists = True
    # torch's state: these kept in the groups or its own spelling (anneal_strategy, _key)
    _torch_only = frozenset({"_anneal_func_type", "anneal_func", "use_beta1"})
    _torch_lacks = frozenset({"_key", "anneal_strategy", "base_momentums", "max_lrs",
                              "max_momentums", "min_lrs"})

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        who = "OneCycleLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{who}: expected an optimizer, got {type(optimizer).__name__}")
        no_resume(who, last_epoch)
        # every check first: nothing is written into the optimizer's groups by a refused call
        if total_steps is not None:
            self.total_steps = integer_arg(total_steps, who, "total_steps", 1, "Expected positive "
                                        f"integer total_steps, but got {total_steps}")
        elif epochs is not None and steps_per_epoch is not None:
            epochs = integer_arg(epochs, who, "epochs", 1,
                              f"Expected positive integer epochs, but got {epochs}")
            steps_per_epoch = integer_arg(steps_per_epoch, who, "steps_per_epoch", 1, "Expected "
                                       f"positive integer steps_per_epoch, but got "
                                       f"{steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(f"{who}: You must define either total_steps OR (epochs AND "
                             "steps_per_epoch)")
        if isinstance(pct_start, bool) or not isinstance(
                pct_start, (int, float, np.integer, np.floating)) or not 0 <= pct_start <= 1:
            raise ValueError(f"{who}: Expected float between 0 and 1 pct_start, but got "
                             f"{pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{who}: anneal_strategy must be one of 'cos' or 'linear', instead "
                             f"got {anneal_strategy!r}")
        for name, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            if real_arg(value, who, name) <= 0:
                raise ValueError(f"{who}: {name} must be > 0, got {value}")
        n, total = len(optimizer.param_groups), self.total_steps
        up = float(pct_start * total) - 1
        if three_phase:
            self._schedule_phases = [
                {"end_step": up, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * total) - 2, "start_lr": "max_lr",
                 "end_lr": "initial_lr", "start_momentum": "base_momentum",
                 "end_momentum": "max_momentum"},
                {"end_step": total - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"}]
        else:
            self._schedule_phases = [
                {"end_step": up, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": total - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"}]
        # a first phase of no steps: torch divides 0 by 0 at step 0 (a last one of no steps,
        # pct_start=1: only at the step past the end, which get_lr refuses, as torch raises)
        if self._schedule_phases[0]["end_step"] == 0.0:
            raise ValueError(f"{who}: pct_start={pct_start} with total_steps={total} makes "
                             "phase 1 of the cycle zero steps long (torch divides by zero "
                             "there); choose another pct_start")
        self.anneal_strategy = anneal_strategy
        self.max_lrs = [rate_arg(v, who, "max_lr") for v in
                        per_group(max_lr, n, who, "max_lr values")]
        initial = [v / div_factor for v in self.max_lrs]
        self.min_lrs = [v / final_div_factor for v in initial]
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self._key = ("beta1" if "beta1" in optimizer.defaults else "momentum"
                         if "momentum" in optimizer.defaults else None)
            if self._key is None:
                raise ValueError(f"{who}: optimizer must support momentum or beta1 with "
                                 f"`cycle_momentum` option enabled ({type(optimizer).__name__} "
                                 "has neither); pass cycle_momentum=False")
            self.max_momentums = [float(v) for v in
                                  per_group(max_momentum, n, who, "max_momentum values")]
            self.base_momentums = [float(v) for v in
                                   per_group(base_momentum, n, who, "base_momentum values")]
            for name, values in (("max_momentum", self.max_momentums),
                                 ("base_momentum", self.base_momentums)):
                for v in values:
                    if not 0.0 <= v < 1.0:
                        raise ValueError(f"{who}: {name} must be in [0, 1) (it becomes the "
                                         f"optimizer's {self._key}), got {v}")
        # torch's start: every group at initial_lr (its base rate) and max_momentum
        for i, g in enumerate(optimizer.param_groups):
            g["initial_lr"] = initial[i]
            if self.cycle_momentum:
                g[self._key] = self.max_momentums[i]
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """The base class's, with the annealing also under torch's name `_anneal_func_type`
        (torch reads only that one: without it, a "linear" state went on along a torch
        OneCycleLR's "cos")."""
        state = {**super().state_dict(), "_anneal_func_type": self.anneal_strategy}
        if self.cycle_momentum:  # (torch's name for the key it cycles)
            state["use_beta1"] = self._key == "beta1"
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """The base class's; torch's state names its annealing `_anneal_func_type`, taken as
        anneal_strategy (it was dropped: a "linear" state went on along this one's "cos")."""
        super().load_state_dict(state)  # (checked first, by _check_state)
        kind = state.get("_anneal_func_type") if "anneal_strategy" not in state else None
        if kind in ("cos", "linear"):
            self.anneal_strategy = kind

    def _check_state(self, state: Any) -> None:
        """The base class's checks, and that a state naming its annealing twice, as
        state_dict() gives it, names one: torch reads `_anneal_func_type`, this scheduler
        `anneal_strategy` (an edit of torch's went unread here, without a word)."""
        super()._check_state(state)
        ours, theirs = state.get("anneal_strategy"), state.get("_anneal_func_type")
        if ours is not None and theirs is not None and ours != theirs:
            raise ValueError(f"OneCycleLR.load_state_dict: the state's anneal_strategy {ours!r} "
                             f"and its _anneal_func_type {theirs!r} (PyTorch's name) differ: "
                             "give both the same, then load")

    def get_lr(self) -> list[float]:
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(f"{type(self).__name__}: Tried to step {step_num} times. The "
                             f"specified number of total steps is {self.total_steps}")
        anneal = _annealing_cos if self.anneal_strategy == "cos" else _annealing_linear
        lrs, momenta = [], []
        for i in range(len(self.optimizer.param_groups)):
            at = {"initial_lr": self.base_lrs[i], "max_lr": self.max_lrs[i],
                  "min_lr": self.min_lrs[i]}
            if self.cycle_momentum:
                at.update(max_momentum=self.max_momentums[i],
                          base_momentum=self.base_momentums[i])
            start_step = 0.0
            for k, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or k == len(self._schedule_phases) - 1:
                    if end_step == start_step:  # (the step past the end; torch: 0 / 0)
                        raise ValueError(
                            f"{type(self).__name__}: Tried to step {step_num} times: the last "
                            "phase of this cycle is zero steps long (its pct_start), so it "
                            f"ends at step {step_num - 1}; build it with more total_steps")
                    pct = (step_num - start_step) / (end_step - start_step)
                    lrs.append(max(0.0, anneal(at[phase["start_lr"]], at[phase["end_lr"]], pct)))
                    if self.cycle_momentum:
                        momenta.append(anneal(at[phase["start_momentum"]],
                                              at[phase["end_momentum"]], pct))
                    break
                start_step = end_step
        for g, m in zip(self.optimizer.param_groups, momenta):
            g[self._key] = m
        return lrs

    def _get_closed_form_lr(self) -> list[float]:  # (a function of the step: step(epoch)
        return self.get_lr()  # runs it, as torch's; a subclass's get_lr too)


def _annealing_cos(start: float, end: float, pct: float) -> float:
    """Cosine anneal from `start` to `end` as pct goes from 0.0 to 1.0 (torch's expression)."""
    cos_out = math.cos(math.pi * pct) + 1
    return end + (start - end) / 2.0 * cos_out


def _annealing_linear(start: float, end: float, pct: float) -> float:
    """Linearly anneal from `start` to `end` as pct goes from 0.0 to 1.0."""
    return (end - start) * pct + start
