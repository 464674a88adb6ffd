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

Two schedulers made of schedulers, as torch 2.13's: SequentialLR(opt, [warmup, main],
milestones=[n]) runs `warmup` for steps 0..n-1, then restarts `main` at its step 0 (its
closed-form rate there, from base_lr: a CosineAnnealingLR restarts at base_lr, not where the
warm-up left the rate) and steps it from then on; ChainedScheduler([a, b]) steps every one of
its schedulers at each step(), so their (chainable) factors multiply.
"""

from __future__ import annotations

import bisect
import copy
import math
import numbers
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .. import engine
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
from .lr_base import (
    LambdaState,
    LRScheduler,
    callable_settings,
    current_lrs,
    no_resume,
    per_group,
    plain_state,
    rate_arg,
    real_arg,
)
from .optimizer import Optimizer
from .plateau import ReduceLROnPlateau

__all__ = ["ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
           "CyclicLR", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR",
           "MultiplicativeLR", "OneCycleLR", "PolynomialLR", "ReduceLROnPlateau",
           "SequentialLR", "StepLR"]


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

    def _get_closed_form_lr(self) -> list[float]:  # (step(epoch): torch's)
        return [b * self.gamma ** (self.last_epoch // self.step_size) for b in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr *= gamma at each milestone (twice at a milestone listed twice)."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"MultiStepLR: milestones must be a list of steps, got "
                            f"{type(milestones).__name__} {milestones!r}")
        # torch's Counter {milestone: times} (its state's form) counts each: read as a list,
        # its keys fired once each (Counter({2: 2}): gamma, not torch's gamma ** 2)
        ms = (_counted(milestones, "MultiStepLR") if isinstance(milestones, Mapping)
              else list(milestones))
        self.milestones, self.gamma = _steps(ms, "MultiStepLR"), float(gamma)
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:  # (torch's Counter: torch read a list's entry
        return {**super().state_dict(), "milestones": Counter(self.milestones)}  # as a count)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        # torch's milestones: a Counter {milestone: times}; loaded as it was, the next step()
        # raised AttributeError 'Counter' object has no attribute 'count'
        state = plain_state(state)  # (an array: through tinygrad_dl.save and load)
        m = state.get("milestones") if isinstance(state, dict) else None
        if isinstance(m, Mapping):
            who = "MultiStepLR.load_state_dict"  # (torch's Counter of [1.5]: int() fired at 1)
            state = {**state, "milestones": _steps(_counted(m, who), who)}
        elif m is not None and not isinstance(m, (list, tuple)):
            raise ValueError(f"MultiStepLR.load_state_dict: milestones must be a list of "
                             f"steps (or torch's Counter), got {type(m).__name__}")
        super().load_state_dict(state)

    def get_lr(self) -> list[float]:
        k = self.milestones.count(self.last_epoch)
        if k == 0:
            return current_lrs(self.optimizer)
        return [lr * self.gamma ** k for lr in current_lrs(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:  # (step(epoch): torch's)
        k = bisect.bisect_right(self.milestones, self.last_epoch)  # (sorted, repeats kept)
        return [b * self.gamma ** k for b in self.base_lrs]


def _steps(milestones: list[Any], who: str) -> list[int]:
    """The milestones as sorted ints, each an integral real (int(1.5) was 1: a rate cut a step
    early, where torch's never fires), or one line."""
    for m in milestones:
        if isinstance(m, bool) or not isinstance(m, numbers.Real) or not math.isfinite(m) \
                or m != int(m):
            raise ValueError(f"{who}: milestones must be integers (the steps at which the rate "
                             f"is multiplied by gamma), got {m!r}")
    return sorted(int(m) for m in milestones)


def _counted(counter: Mapping[Any, Any], who: str) -> list[Any]:
    """torch's milestones Counter {milestone: times} as a list, each milestone `times` times."""
    out = []
    for k, n in counter.items():  # (10**12 repeats: a list no input can justify)
        if isinstance(n, bool) or not isinstance(n, numbers.Real) or n != n or not (
                1 <= n <= 1000 and n == int(n)):
            raise ValueError(f"{who}: milestone {k!r} is counted {n!r} times; a count is an "
                             "integer in 1..1000")
        out += [k] * int(n)
    return out


class ExponentialLR(LRScheduler):
    """lr *= gamma every step (lr = base_lr * gamma ** epoch when nothing else sets it)."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return current_lrs(self.optimizer)
        return [lr * self.gamma for lr in current_lrs(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:  # (step(epoch): torch's)
        return [b * self.gamma ** self.last_epoch for b in self.base_lrs]


class LambdaLR(LambdaState):
    """lr = base_lr * lr_lambda(epoch); one function, or one per parameter group."""

    _per_group_lists = True

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list[Any],
                 last_epoch: int = -1) -> None:
        self._fn = per_group(lr_lambda, len(optimizer.param_groups), "LambdaLR", "lr_lambdas")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [b * f(self.last_epoch) for b, f in zip(self.base_lrs, self._fn)]

    def _get_closed_form_lr(self) -> list[float]:  # (a function of the step: step(epoch)
        return self.get_lr()  # runs it, as torch's; a subclass's get_lr too)


class CyclicLR(LRScheduler):
    """The course's triangular cyclical rate, PyTorch's spelling: step() after every update.

    lr rises from base_lr to max_lr over step_size_up updates (the course's n_s) and falls back
    over as many; the rate itself is `optim.CyclicLR(base_lr, max_lr, n_s)(t)`. As PyTorch's,
    with cycle_momentum (the default) the optimizer's momentum (SGD, RMSprop) or beta1 (Adam)
    moves the other way, from max_momentum down to base_momentum and back. Mode "triangular"
    with step_size_down equal to step_size_up (or None) is the course's schedule; torch's
    others (step_size_down, mode "triangular2" or "exp_range", a scale_fn with scale_mode
    "cycle" or "iterations") run torch's formula, bit for bit (`TorchCycle`).
    """

    _per_group_lists = True
    # torch's state: its own spelling of the schedule (kept here as built) and no _key
    _torch_only = frozenset({"_scale_fn_custom", "_scale_fn_ref", "gamma", "max_lrs", "mode",
                             "scale_mode", "step_ratio", "total_size", "use_beta1"})
    _torch_lacks = frozenset({"_key"})

    def __init__(self, optimizer: Optimizer, base_lr: Any, max_lr: Any,
                 step_size_up: int = 2000, step_size_down: int | None = None,
                 mode: str = "triangular", gamma: float = 1.0, scale_fn: Any = None,
                 scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum: Any = 0.8, max_momentum: Any = 0.9,
                 last_epoch: int = -1) -> None:
        who, n = "CyclicLR", len(optimizer.param_groups)
        lows = per_group(base_lr, n, who, "base_lr values")
        highs = per_group(max_lr, n, who, "max_lr values")
        # (a falling cycle, base_lr above max_lr, and a bad step_size_up go to torch's formula
        # and its checks, which name torch's arguments, not the course's eta_min and n_s)
        course = (mode == "triangular" and scale_fn is None and step_size_down in (
            None, step_size_up) and isinstance(step_size_up, (int, np.integer))
            and not isinstance(step_size_up, bool) and step_size_up >= 1
            and all(_rising(lo, hi) for lo, hi in zip(lows, highs)))
        # the course's schedule: computed by optim.CyclicLR (results.md's rates, bit for bit;
        # torch's formula differs from it by round-off); any other: torch's formula
        self._fn_torch = None if course else TorchCycle(step_size_up, step_size_down, mode,
                                                        gamma, scale_fn, scale_mode)
        if course:
            self._fn_lr = [schedules.CyclicLR(lo, hi, step_size_up)
                           for lo, hi in zip(lows, highs)]
        else:
            self._fn_bounds = [(rate_arg(lo, who, "base_lr"), rate_arg(hi, who, "max_lr"))
                               for lo, hi in zip(lows, highs)]
        # the cycle the rates follow, fixed here (the _fn_ schedules above are not in the
        # state): a state of another cycle is refused by load_state_dict, not stepped on
        # this one's; torch's spelling, as its state holds it at the top level
        up = float(step_size_up)
        total = up + (float(step_size_down) if step_size_down is not None else up)
        self._cycle = {"base_lrs": [float(v) for v in lows], "max_lrs": [float(v) for v in highs],
                       "total_size": total, "step_ratio": up / total, "mode": mode,
                       "gamma": float(gamma) if isinstance(gamma, numbers.Real) else gamma,
                       "scale_mode": "iterations" if self._fn_torch is not None and not
                       self._fn_torch.per_cycle else "cycle"}  # (the one run, as torch's state)
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            g0 = optimizer.param_groups[0]
            self._key = "momentum" if "momentum" in g0 else "beta1" if "beta1" in g0 else None
            if self._key is None:
                raise ValueError(f"{who}: {type(optimizer).__name__} has no momentum or beta1 to "
                                 "cycle; pass cycle_momentum=False")
            self.base_momentums = per_group(base_momentum, n, who, "base_momentum values")
            self.max_momentums = per_group(max_momentum, n, who, "max_momentum values")
            if course:
                self._fn_scale = schedules.CyclicLR(0.0, 1.0, step_size_up)  # 0 -> 1 -> 0
        for g, lo in zip(optimizer.param_groups, lows):
            g["lr"] = float(lo)  # PyTorch starts every group at base_lr
        super().__init__(optimizer, last_epoch)
        self.base_lrs = [float(v) for v in lows]  # torch's, where initial_lr was set before

    def state_dict(self) -> dict[str, Any]:
        """As torch's: the cycle at the top level too (a torch CyclicLR reads only those
        names), "_scale_fn_custom" a scale_fn object's settings or None (torch pops it)."""
        cycle = {k: copy.deepcopy(v) for k, v in self._cycle.items() if k != "base_lrs"}
        state = {**super().state_dict(), **cycle, "_scale_fn_custom": callable_settings(
            self._fn_torch.custom if self._fn_torch is not None else None)}
        if self.cycle_momentum:
            state["use_beta1"] = self._key == "beta1"
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)  # (checked first, by _check_state)
        saved = state.get("_scale_fn_custom")
        if saved and self._fn_torch is not None:
            self._fn_torch.custom.__dict__.update(saved)

    def _check_state(self, state: Any) -> None:
        """The base class's checks, and that a scale_fn object's settings have one to go to
        (before anything is loaded, in a ChainedScheduler too)."""
        super()._check_state(state)
        mine = self.__dict__.get("_cycle")  # (ours' _cycle, and torch's top-level keys, which
        for theirs in (state.get("_cycle"), {k: state.get(k) for k in mine or ()}  # ours' state
                       if "total_size" in state else None):  # holds too: torch reads those)
            if isinstance(theirs, dict) and theirs.get("scale_mode") not in (None, "cycle"):
                theirs = {**theirs, "scale_mode": "iterations"}  # (torch's: any but "cycle")
            if mine is not None and isinstance(theirs, dict) and any(
                    np.asarray(theirs.get(k)).tolist() != np.asarray(v).tolist()
                    for k, v in mine.items() if k != "scale_mode" or k in theirs):  # (numbers:
                # torch's base_lr 0 is our 0.0; a _cycle saved before it had scale_mode: the rest)
                raise ValueError(f"CyclicLR.load_state_dict: the state is of another cycle "
                                 f"({_spelled(theirs)}) than this one's ({_spelled(mine)}); its "
                                 "rates would go on along this one's without a word (the cycle "
                                 "is fixed when built): build the CyclicLR with the saved "
                                 "base_lr, max_lr, step sizes, mode and scale_mode, then load")
        saved = state.get("_scale_fn_custom")
        fn = self._fn_torch.custom if self._fn_torch is not None else None
        if saved is not None and not (isinstance(saved, dict) and (not saved or isinstance(
                getattr(fn, "__dict__", None), dict))):  # ({}: nothing to put back)
            raise ValueError(f"CyclicLR.load_state_dict: the state holds a scale_fn object's "
                             f"settings ({type(saved).__name__}), this CyclicLR has no scale_fn "
                             "object to take them: a state of another configuration")

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if self._fn_torch is not None:  # torch's get_lr, its order of operations
            f, s = self._fn_torch(t)
            if self.cycle_momentum:
                for g, lo, hi in zip(self.optimizer.param_groups, self.base_momentums,
                                     self.max_momentums):
                    g[self._key] = hi - (hi - lo) * f * s
            return [lo + (hi - lo) * f * s for lo, hi in self._fn_bounds]
        if self.cycle_momentum:
            s = self._fn_scale(t)
            for g, lo, hi in zip(self.optimizer.param_groups, self.base_momentums,
                                 self.max_momentums):
                g[self._key] = hi - (hi - lo) * s
        return [f(t) for f in self._fn_lr]

    def _get_closed_form_lr(self) -> list[float]:  # (a function of the step: step(epoch)
        return self.get_lr()  # runs it, as torch's; a subclass's get_lr too)


def _spelled(cycle: dict[str, Any]) -> str:
    """A CyclicLR's cycle (`_cycle`) as words (tg.save and load give its numbers as arrays)."""
    return ", ".join(f"{k} {np.asarray(cycle.get(k)).tolist()!r}" for k in sorted(cycle))


def _rising(lo: Any, hi: Any) -> bool:
    """Whether base_lr `lo` to max_lr `hi` is a rising cycle of valid rates (the course's)."""
    try:
        return 0 <= float(lo) <= float(hi) < math.inf
    except (TypeError, ValueError):
        return False


class TorchCycle:
    """torch's CyclicLR shape at step t: (scale_factor, scale_fn(cycle or t)), its formula.

    The cycle is step_size_up rising steps and step_size_down falling ones; the height is
    scaled by 1 ("triangular"), 1 / 2 ** (cycle - 1) ("triangular2", halved each cycle),
    gamma ** t ("exp_range") or a given scale_fn of the cycle (scale_mode "cycle", from 1) or
    of the step ("iterations")."""

    MODES = ("triangular", "triangular2", "exp_range")

    def __init__(self, step_size_up: Any, step_size_down: Any, mode: str, gamma: Any,
                 scale_fn: Callable[[float], float] | None, scale_mode: str) -> None:
        who = "CyclicLR"
        up = real_arg(step_size_up, who, "step_size_up")
        down = up if step_size_down is None else real_arg(step_size_down, who,
                                                          "step_size_down")
        if up <= 0 or down < 0:
            raise ValueError(f"{who}: step_size_up must be > 0 and step_size_down >= 0, got "
                             f"{step_size_up} and {step_size_down}")
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.gamma = real_arg(gamma, who, "gamma")
        if scale_fn is not None:
            if not callable(scale_fn):
                raise TypeError(f"{who}: scale_fn must be a function of one number, got "
                                f"{type(scale_fn).__name__}")
            if scale_mode not in ("cycle", "iterations"):  # (torch: any other is iterations)
                raise ValueError(f"{who}: scale_mode must be 'cycle' or 'iterations', got "
                                 f"{scale_mode!r}")
            self.fn, self.per_cycle = scale_fn, scale_mode == "cycle"
            self.custom: Callable[[float], float] | None = scale_fn
        elif mode in self.MODES:
            self.custom = None
            self.fn = {"triangular": self.one, "triangular2": self.halving,
                       "exp_range": self.exp_range}[mode]
            self.per_cycle = mode != "exp_range"  # (torch sets scale_mode by the mode)
        else:
            raise ValueError(f"{who}: mode must be one of {list(self.MODES)} (or give a "
                             f"scale_fn), got {mode!r}")

    @staticmethod
    def one(x: float) -> float:
        return 1.0

    @staticmethod
    def halving(x: float) -> float:
        return 1 / (2.0 ** (x - 1))

    def exp_range(self, x: float) -> float:
        return self.gamma ** x

    def __call__(self, t: int) -> tuple[float, float]:
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        f = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        return f, float(self.fn(cycle if self.per_cycle else t))


# ---- schedulers of schedulers -----------------------------------------------------------------
def _check_schedulers(who: str, schedulers: Any, optimizer: Any) -> list[LRScheduler]:
    """torch's checks (and words) on the schedulers SequentialLR / ChainedScheduler wrap."""
    if isinstance(schedulers, LRScheduler) or not isinstance(schedulers, (list, tuple)):
        raise TypeError(f"{who}: schedulers must be a list of schedulers, got "
                        f"{type(schedulers).__name__}")
    if len(schedulers) < 1:
        raise ValueError(f"{who} expects at least one scheduler, but got no scheduler.")
    for i, s in enumerate(schedulers):
        if not isinstance(s, LRScheduler):
            raise TypeError(f"{who}: the scheduler at index {i} is a {type(s).__name__}, not a "
                            "learning-rate scheduler (it should have `optimizer` as its "
                            "attribute)")
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(f"{who} does not support `ReduceLROnPlateau` scheduler as it "
                             "requires additional kwargs to be specified when calling `step`, "
                             f"but got one at index {i} in the given schedulers sequence.")
        if s.optimizer is not optimizer:
            raise ValueError(f"{who} expects all schedulers to belong to the same optimizer, "
                             f"but got scheduler {type(s).__name__} at index {i} has "
                             f"{type(s.optimizer).__name__} at {id(s.optimizer):#x}, which is "
                             f"different from {type(optimizer).__name__} at {id(optimizer):#x}.")
    return list(schedulers)


def _rates_at_zero(s: LRScheduler) -> list[float]:
    """The rates torch's `_update_lr(0)` gives `s` (SequentialLR's restart at a milestone):
    the closed form at step 0, from base_lrs, for the schedulers torch gives one; its get_lr()
    at step 0 (not the first step: MultiplicativeLR multiplies by f(0)) for the others."""
    if isinstance(s, MultiplicativeLR):  # torch's get_lr outside the first step: lr * f(0)
        return [lr * f(0) for lr, f in zip(current_lrs(s.optimizer), s._fn)]
    closed_form = getattr(s, "_get_closed_form_lr", None)  # (s.last_epoch is 0 here; LinearLR
    # with total_iters=0: start_factor, where torch divides 0 by 0)
    return closed_form() if closed_form is not None else s.get_lr()  # (the warm restarts: at
    # T_cur; LambdaLR, OneCycleLR, CyclicLR: their get_lr)


# the schedulers whose torch get_lr() returns the current rates in its initial step at any
# last_epoch (the others compute that step as any other)
_KEEP_WHEN_INITIAL = (ExponentialLR, MultiplicativeLR, CosineAnnealingLR, PolynomialLR, LinearLR)


class Nested(LRScheduler):
    """What SequentialLR and ChainedScheduler share: the rates are their schedulers' (set in
    step), and the state holds each scheduler's state_dict()."""

    _schedulers: list[LRScheduler]

    def get_lr(self) -> list[float]:
        return self.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Its own state and, under "_schedulers", each scheduler's state_dict()."""
        state = {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()
                 if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        _load_nested(self, state)

    def _check_state(self, state: Any) -> None:
        """Its own state and every scheduler's, nested ones too (all checked before any is
        loaded: a ChainedScheduler may hold a SequentialLR)."""
        who = type(self).__name__
        if not isinstance(state, dict) or not isinstance(state.get("_schedulers"), (list, tuple)):
            what = type(state).__name__ + " without _schedulers" * isinstance(state, dict)
            raise ValueError(f"{who}.load_state_dict: expected a {who}.state_dict() (a dict "
                             f"with '_schedulers'), got {what}")
        inner = state["_schedulers"]
        if len(inner) != len(self._schedulers):
            raise ValueError(f"{who}.load_state_dict: the state holds {len(inner)} schedulers' "
                             f"states, this {who} has {len(self._schedulers)} schedulers")
        super()._check_state(state)
        for s, st in zip(self._schedulers, inner):
            s._check_state(st)


class SequentialLR(Nested):
    """torch's SequentialLR: schedulers[0] sets the rates for steps 0 .. milestones[0] - 1,
    schedulers[1] from milestones[0] on, and so on. Building it resets every group to its
    initial_lr and undoes the first step the schedulers took when built; at each milestone the
    next scheduler restarts at its step 0 (its closed form there, from its base_lrs, where
    torch has one), then steps on from there."""

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        who = "SequentialLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{who}: expected an optimizer, got {type(optimizer).__name__}")
        no_resume(who, last_epoch)
        scheds = _check_schedulers(who, schedulers, optimizer)
        for i, s in enumerate(scheds):
            if isinstance(s, (SequentialLR, ChainedScheduler)):
                raise ValueError(f"{who}: the scheduler at index {i} is a {type(s).__name__}: "
                                 "nesting one in a SequentialLR is not supported")
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, (list, tuple)):
            raise TypeError(f"{who}: milestones must be a list of ints, got "
                            f"{type(milestones).__name__}")
        if len(milestones) != len(scheds) - 1:
            raise ValueError(f"{who}: Sequential Schedulers expects number of schedulers "
                             "provided to be one more than the number of milestone points, but "
                             f"got number of schedulers {len(scheds)} and the number of "
                             f"milestones to be equal to {len(milestones)}")
        if any(isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 0
               for m in milestones) or any(a >= b for a, b in zip(milestones, milestones[1:])):
            raise ValueError(f"{who}: milestones must be strictly increasing integers >= 0 (the "
                             f"steps at which the next scheduler starts), got {list(milestones)}")
        self.optimizer = optimizer
        self._schedulers = scheds
        self._milestones = [int(m) for m in milestones]
        self.last_epoch = 0
        for g in optimizer.param_groups:  # torch: back to the initial rates
            g["lr"] = g["initial_lr"]
        for s in scheds:  # undo the step each took when built
            s.last_epoch -= 1
        first = scheds[bisect.bisect_right(self._milestones, 0)]
        if first.last_epoch != -1 and isinstance(first, _KEEP_WHEN_INITIAL):
            # torch's first step here is its "initial" one: a chainable scheduler already
            # stepped before being wrapped keeps the reset rate, with no factor for this step
            first.last_epoch += 1
            first._set_lrs(current_lrs(optimizer))
        else:
            first.step()  # the first step of the scheduler meant for step 0 only
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Advance one step: the current scheduler steps, or at a milestone the next one
        restarts at its step 0."""
        engine.notify_write("SequentialLR.step()")
        self.last_epoch += 1
        idx = bisect.bisect_right(self._milestones, self.last_epoch)
        s = self._schedulers[idx]
        try:
            if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
                if s._per_group_lists:  # (before get_lr: CyclicLR writes momenta there)
                    s._check_group_count()
                saved = s.last_epoch
                s.last_epoch = 0
                try:
                    s._set_lrs(_rates_at_zero(s))
                except BaseException:
                    s.last_epoch = saved
                    raise
            else:
                s.step()
        except BaseException:
            self.last_epoch -= 1
            raise
        self._last_lr = s.get_last_lr()



class ChainedScheduler(Nested):
    """torch's ChainedScheduler: step() steps every one of `schedulers` in turn, so chainable
    schedulers' factors multiply (ConstantLR + ExponentialLR: base_lr * factor * gamma ** t,
    then without the factor from total_iters on). Building it steps nothing."""

    def __init__(self, schedulers: Sequence[LRScheduler],
                 optimizer: Optimizer | None = None) -> None:
        who = "ChainedScheduler"
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            raise TypeError(f"{who}: expected an optimizer, got {type(optimizer).__name__}")
        if (isinstance(schedulers, (list, tuple)) and schedulers and optimizer is None
                and isinstance(schedulers[0], LRScheduler)):
            optimizer = schedulers[0].optimizer
        scheds = _check_schedulers(who, schedulers, optimizer)
        self.optimizer = optimizer
        self._schedulers = scheds
        self._last_lr = current_lrs(scheds[-1].optimizer)

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler, in order."""
        engine.notify_write("ChainedScheduler.step()")
        # a refused step (OneCycleLR past its end, a negative rate) changes nothing: the
        # schedulers stepped before it are put back, and the groups' rates and momenta
        saved = [copy.deepcopy(s.state_dict()) for s in self._schedulers]
        groups = [{k: v for k, v in g.items() if k != "params"}
                  for g in self.optimizer.param_groups]
        try:
            for s in self._schedulers:
                s.step()
        except BaseException:
            for s, st in zip(self._schedulers, saved):
                s.load_state_dict(st)
            for g, old in zip(self.optimizer.param_groups, groups):
                g.update(old)
            raise
        self._last_lr = current_lrs(self._schedulers[-1].optimizer)


    def __repr__(self) -> str:
        inner = ", ".join(type(s).__name__ for s in self._schedulers)
        return f"ChainedScheduler([{inner}], lr={self._last_lr})"


def _load_nested(owner: Any, state: dict[str, Any]) -> None:
    """load_state_dict of SequentialLR / ChainedScheduler: the given dict is left as it was."""
    who = type(owner).__name__
    engine.notify_write(f"{who}.load_state_dict()")
    owner._check_state(state)  # every state checked before any is loaded: all or nothing
    owner.__dict__.update({k: (list(v) if isinstance(v, list) else v)
                           for k, v in state.items() if k != "_schedulers"})
    for s, st in zip(owner._schedulers, state["_schedulers"]):
        s.load_state_dict(st)


# PyTorch spells the base class both ways
_LRScheduler = LRScheduler
