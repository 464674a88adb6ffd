"""The learning-rate scheduler base class (PyTorch's LRScheduler) and the argument checks
the schedulers share; the schedulers are in lr_scheduler, annealing and plateau."""

from __future__ import annotations

import copy
import math
import types
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import engine
from .optimizer import Optimizer, check_lr

# torch's words for step(epoch) (a UserWarning there too)
EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if "
    "epoch is different from None, the closed form is used instead of the new chainable form, "
    "where available.")


def per_group(value: Any, n: int, who: str, name: str) -> list[Any]:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{who}: {len(value)} {name} for {n} parameter groups")
        return list(value)
    return [value] * n


class LRScheduler:
    """Base class: subclasses give `get_lr()`, the rates at step `last_epoch`."""

    # True where the rates come from lists made per group when the scheduler was built
    # (base_lrs, lr_lambdas, momenta): a group added since (add_param_group) would keep its
    # rate without a word, where torch's strict zips refuse it; such a step() is refused
    _per_group_lists = False
    # True for the built-in rates a step multiplies into wherever the rate is (MultiplicativeLR,
    # SWALR): they have no closed form, and their get_lr() at a given epoch would apply one
    # step's factor to the current rate, which no schedule defines: step(epoch) is refused
    # (read from the class that defines the get_lr() in use: a subclass's own runs, as torch's)
    _steps_dependent = False

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
        """Advance one step and set every group's rate. `step(epoch)`, deprecated in PyTorch
        (its warning, as torch's), moves to `epoch` and sets the rates there by torch's closed
        form (`_get_closed_form_lr`: StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR,
        PolynomialLR, CosineAnnealingLR; LambdaLR, CyclicLR and OneCycleLR, whose rates are
        functions of the step), and a scheduler of your own (an LRScheduler subclass that
        gives get_lr() only) by its get_lr() there, as torch's; the chainable rest
        (MultiplicativeLR, SWALR: a rate that depends on the steps before) refuse it in one
        line."""
        if epoch is not None:
            return self._step_to(epoch)
        # inside a jitted step: refused (replay runs no Python of the step: the rates would
        # stay where the recordings left them)
        engine.notify_write(f"{type(self).__name__}.step()")
        if self._per_group_lists:
            self._check_group_count()
        self.last_epoch += 1
        try:  # a refused step (a bad rate, OneCycleLR past its end) leaves the count as it was
            self._set_lrs(self.get_lr())
        except BaseException:
            self.last_epoch -= 1
            raise

    def _step_to(self, epoch: Any) -> None:
        who = f"{type(self).__name__}.step(epoch)"
        closed_form = getattr(self, "_get_closed_form_lr", None)
        # the class whose get_lr() this is: a user's own (a subclass of MultiplicativeLR that
        # gives its own get_lr() too) or a built-in that set _steps_dependent beside its get_lr
        owner = next(c for c in type(self).__mro__ if "get_lr" in vars(c))
        if closed_form is None and not vars(owner).get("_steps_dependent", False):
            closed_form = self.get_lr  # a user's own get_lr() at that epoch, as torch's
        if closed_form is None:  # (torch runs get_lr() at that epoch: a chainable rate's
            # factor applied to wherever the rate is, which no schedule defines)
            raise TypeError(f"{who}: this scheduler's rate at a given epoch depends on the "
                            "steps before it (it has no closed form; step(epoch) is deprecated "
                            "in PyTorch); call step() once per epoch")
        epoch = integer_arg(epoch, who, "epoch", 0)
        warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=3)
        engine.notify_write(f"{type(self).__name__}.step()")
        if self._per_group_lists:
            self._check_group_count()
        last, self.last_epoch = self.last_epoch, epoch
        try:  # (refused: the count as it was)
            self._set_lrs(closed_form())
        except OverflowError:  # (Python's bare "(34, 'Numerical result out of range')", torch's)
            self.last_epoch = last
            raise OverflowError(f"{who}: the rate at epoch {epoch} is past float64's range (a "
                                "factor above 1, gamma, to that power)") from None
        except BaseException:
            self.last_epoch = last
            raise

    def _set_lrs(self, values: Sequence[float]) -> None:
        """Write every group's rate, all checked first (a refused one changes no group)."""
        lrs = [float(lr) for lr in values]
        if len(lrs) != len(self.optimizer.param_groups):  # (a rate per group built with)
            self._check_group_count()
        for lr in lrs:
            check_lr(lr, type(self).__name__)
        for g, lr in zip(self.optimizer.param_groups, lrs):
            g["lr"] = lr
        self._last_lr = lrs

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def _check_group_count(self) -> None:
        """Refuse, in one line, an optimizer whose groups were added since it was built."""
        n, built = len(self.optimizer.param_groups), len(self.base_lrs)
        if n != built:
            raise ValueError(f"{type(self).__name__}.step(): the optimizer has {n} parameter "
                             f"groups, {built} when this scheduler was built (add_param_group "
                             "since?): its rates are per group, so build the scheduler after "
                             "adding every group")

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer and functions (PyTorch's convention)."""
        return {k: v for k, v in self.__dict__.items()
                if k != "optimizer" and not callable(v) and not k.startswith("_fn")}

    # PyTorch's state of the same class: its keys ours has no use for (dropped on load) and
    # ours it lacks (kept as built), where they differ beyond torch's bookkeeping
    _torch_only: frozenset[str] = frozenset()
    _torch_lacks: frozenset[str] = frozenset()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict()` gave (its entries become attributes, as PyTorch's),
        checked first: torch just updates `__dict__`, so a StepLR's state loaded into a
        CosineAnnealingLR left it with a step_size it never reads and no T_max change, or
        (CyclicLR with and without cycle_momentum) an AttributeError steps later. Copied: the
        given dict stays as it was and shares no list with the scheduler."""
        engine.notify_write(f"{type(self).__name__}.load_state_dict()")
        state = plain_state(state)
        self._check_state(state)
        drop = _TORCH_BOOKKEEPING | self._torch_only
        self.__dict__.update(copy.deepcopy({k: v for k, v in state.items() if k not in drop}))

    def _check_state(self, state: Any) -> None:
        """Refuse, in one line, a state that is not this scheduler's: of the keys the
        schedulers here keep, it must hold this one's and no other's (another attribute, one
        a user or a subclass set, loads as in torch), its per-group lists no longer than the
        groups, the group key it cycles (CyclicLR, OneCycleLR) the same."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict):
            raise TypeError(f"{who}: expected the dict state_dict() gave, got "
                            f"{type(state).__name__}")
        # (the base class's state: a subclass's state_dict() may add an entry, as torch's
        # LambdaLR does, that its load_state_dict takes out before this one's)
        mine = LRScheduler.state_dict(self).keys() & _SCHEDULER_KEYS
        theirs = (state.keys() - _TORCH_BOOKKEEPING - self._torch_only) & _SCHEDULER_KEYS
        missing, unexpected = mine - theirs - self._torch_lacks, theirs - mine
        if missing or unexpected:
            raise ValueError(f"{who}: the state's keys do not match this scheduler's "
                             f"(missing {sorted(missing)}, unexpected {sorted(unexpected)}): a "
                             "state_dict() of another scheduler class or configuration")
        # (fewer entries than groups is a state saved before add_param_group: the chainable
        # schedulers go on, the others refuse their next step, as the run saved would)
        n = len(self.optimizer.param_groups)
        for k in _PER_GROUP_STATE:
            v = state.get(k)
            if k in mine and isinstance(v, (list, tuple)) and len(v) > n:
                raise ValueError(f"{who}: the state's {k} has {len(v)} entries, the optimizer "
                                 f"{n} parameter groups: a state saved with another optimizer")
        cycles = state.get("cycle_momentum", self.__dict__.get("cycle_momentum"))
        if "cycle_momentum" in mine and cycles and not self.__dict__["cycle_momentum"]:
            # (torch's OneCycleLR state lacks the momenta ours keeps: it loaded, and the
            # next step() raised AttributeError 'max_momentums'; the reverse runs as saved)
            raise ValueError(f"{who}: the state's cycle_momentum={bool(cycles)}, this "
                             f"scheduler's is {self.__dict__['cycle_momentum']}: build it with "
                             "the saved cycle_momentum, then load")
        key = self.__dict__.get("_key")  # (CyclicLR, OneCycleLR: the group key they cycle)
        theirs_key = state.get("_key", ("beta1" if state["use_beta1"] else "momentum")
                               if "use_beta1" in state else key)  # (torch's spelling)
        if "_key" in mine and theirs_key != key:
            raise ValueError(f"{who}: the state cycles the groups' {theirs_key!r}, this "
                             f"{type(self.optimizer).__name__}'s is {key!r}: a state saved with "
                             "another optimizer class")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self._last_lr})"


class LambdaState(LRScheduler):
    """LambdaLR's and MultiplicativeLR's state, as torch's: under "lr_lambdas", per function
    None (a plain function or lambda) or a copy of the callable object's __dict__ (a warm-up
    object's own settings and counters), put back into this scheduler's objects on load. (Not
    saved, a resumed run's callable object kept the settings it was built with.)"""

    _fn: list[Any]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        # (always, a None per plain function: torch's load_state_dict pops the key, a
        # KeyError without it)
        state["lr_lambdas"] = [callable_settings(f) for f in self._fn]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)  # (checked first, by _check_state)
        for f, d in zip(self._fn, state.get("lr_lambdas") or ()):
            if d:
                f.__dict__.update(d)

    def _check_state(self, state: Any) -> None:
        """The base class's checks, and the lr_lambdas entry's (before anything is loaded,
        in a SequentialLR or ChainedScheduler too)."""
        super()._check_state(state)
        fns = state.get("lr_lambdas")
        if fns is None:
            return
        # (fewer than the functions: a state saved before add_param_group, as base_lrs)
        if not isinstance(fns, (list, tuple)) or len(fns) > len(self._fn) or not all(
                d is None or isinstance(d, dict) for d in fns):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state's lr_lambdas "
                             f"must be a list of at most {len(self._fn)} entries, None or a "
                             f"dict each (what state_dict() gave), got {fns!r:.80}")
        for f, d in zip(self._fn, fns):
            if d and not isinstance(getattr(f, "__dict__", None), dict):  # ({}: nothing to put)
                raise ValueError(f"{type(self).__name__}.load_state_dict: the state holds the "
                                 f"settings of a callable object, this scheduler's function "
                                 f"is a {type(f).__name__} without them")


def callable_settings(fn: Any) -> dict[str, Any] | None:
    """What torch's LambdaLR/CyclicLR state keeps of a function it was given: a copy of a
    callable object's __dict__ (its settings and counters); None for a plain function and for
    one with nothing to restore (an empty __dict__: a functools.partial, a bound method, a
    NumPy ufunc; loading {} changes nothing, and a state without the entry saves with tg.save)."""
    d = None if isinstance(fn, types.FunctionType) else getattr(fn, "__dict__", None)
    return dict(d) if isinstance(d, dict) and d else None


# torch's scheduler bookkeeping (in its state_dict, not in ours; older torch's too): dropped
# by load_state_dict, so a torch state of the same class loads; so are LambdaLR's and
# MultiplicativeLR's lr_lambdas (None per plain function, else the callable object's __dict__:
# LambdaState puts those back itself)
_TORCH_BOOKKEEPING = frozenset({"_get_lr_called_within_step", "_is_initial", "_step_count",
                               "verbose", "lr_lambdas"})
def plain_state(state: Any) -> Any:
    """A scheduler's state as state_dict() gave it, where it came back through tinygrad_dl.save
    and load, which keep numbers and lists as arrays: each known key's array of numbers as its
    Python number or list (MultiStepLR refused its milestones, last_epoch stayed an array)."""
    if not isinstance(state, dict):
        return state
    return {k: v.tolist() if k in _SCHEDULER_KEYS and isinstance(v, (np.ndarray, np.generic))
            and v.dtype.kind in "biuf" else v for k, v in state.items()}


# every key the schedulers here keep in their states: what load_state_dict checks (a state
# with another's keys is another scheduler's; any other key is an attribute, loaded as torch's)
_SCHEDULER_KEYS = frozenset({
    "T_0", "T_cur", "T_i", "T_max", "T_mult", "_anneal_strategy", "_key", "_last_lr",
    "_milestones", "anneal_epochs",
    "_schedule_phases", "_schedulers", "anneal_strategy", "base_lrs", "base_momentums",
    "best", "cooldown", "cooldown_counter", "cycle_momentum", "default_min_lr", "end_factor",
    "eps", "eta_min", "factor", "gamma", "last_epoch", "max_lrs", "max_momentums",
    "milestones", "min_lrs", "mode", "mode_worse", "num_bad_epochs", "patience", "power",
    "start_factor", "step_size", "threshold", "threshold_mode", "total_iters", "total_steps"})
# the states' lists of one entry per parameter group
_PER_GROUP_STATE = ("base_lrs", "_last_lr", "max_lrs", "min_lrs", "base_momentums",
                   "max_momentums")


# StepLR, MultiStepLR and ExponentialLR multiply the group's current rate, as PyTorch's do (its
# "chainable" form): two schedulers on one optimizer compose, and a rate set by hand between
# steps is where the next one starts. (Computed from base_lr, the later one overwrote both.)
def current_lrs(opt: Optimizer) -> list[float]:
    return [float(g["lr"]) for g in opt.param_groups]


# ---- argument checks ------------------------------------------------------------------------
def real_arg(value: Any, who: str, name: str) -> float:
    """`value` as a finite float, or one line naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise ValueError(f"{who}: {name} must be a finite number, got {value!r}")
    return float(value)


def rate_arg(value: Any, who: str, name: str) -> float:
    """A rate argument (eta_min, min_lr, max_lr) as a float: finite and >= 0, or one line."""
    v = real_arg(value, who, name)
    if v < 0:
        raise ValueError(f"{who}: {name} must be a finite number >= 0, got {value!r}")
    return v


def integer_arg(value: Any, who: str, name: str, least: int, message: str = "") -> int:
    """`value` as an int >= least, or one line (`message`: PyTorch's wording, where it has one)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{who}: " + (message or f"{name} must be an integer >= {least}, got "
                                                   f"{value!r}"))
    return int(value)


def no_resume(who: str, last_epoch: int) -> None:
    """The base class's last_epoch refusal, for schedulers that write groups before it runs."""
    if last_epoch != -1:
        raise ValueError(f"{who}: last_epoch={last_epoch}: to resume, build the scheduler "
                         "and load_state_dict(saved) instead")
