"""What several optimizers share, written once: L2 and decoupled weight decay, the argument
checks (weight_decay, numbers >= 0, pairs, PyTorch's flags taken only at their defaults) and
the two-betas groups of the Adam family (torch's `betas=(b1, b2)` kept as the keys beta1, beta2)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .optimizer import Optimizer


def decayed(d: np.ndarray, g: np.ndarray, wd: float, negate: bool = False) -> np.ndarray:
    """g + wd * theta (L2 weight decay, PyTorch's convention), or -g + wd * theta with
    `negate` (torch's maximize), as a new array; g itself if wd is 0 (and not negate).
    Computed in this order, so the result is bit-for-bit the written expression."""
    if not wd:
        return np.negative(g, out=np.empty_like(d)) if negate else g
    t = np.multiply(d, wd, out=np.empty_like(d))
    if negate:
        t -= g
    else:
        t += g
    return t


def decay_decoupled(d: np.ndarray, g: np.ndarray, lr: float, wd: float) -> np.ndarray:
    """AdamW's decay (torch's decoupled_weight_decay): theta *= 1 - lr wd in place, before the
    moments see g. Returns g, copied first where it is theta's own memory (p.grad = p.data),
    so the gradient read afterwards is the one given."""
    if np.may_share_memory(d, g):
        g = g.copy()
    d *= 1 - lr * wd
    return g


def new_buffer(opt: Optimizer, state: dict[str, Any], d: np.ndarray, key: str,
               setting: str, group: dict[str, Any]) -> np.ndarray:
    """A parameter's zero buffer `key`, which `setting` (amsgrad=True, RMSprop's momentum or
    centered) reads, made where the state lacks it (the caller checked; never in a step that
    has it, so a run that switches nothing pays nothing). Made after the state's first step
    (state["step"] > 1, counted before this): the setting was switched on mid-run by editing
    param_groups, which torch 2.13's step refuses with KeyError(key); here the buffer starts
    at zeros, said once per optimizer, param group and key (a second group switched on later
    is told too; load_state_dict says it for a loaded state), by step() once every group is
    updated (under -W error a warning raised here left the step half done: a retry stepped
    the earlier parameters twice)."""
    if state["step"] > 1:
        said = opt.__dict__.setdefault("_late_buffers_said", set())
        gi = next((i for i, g in enumerate(opt.param_groups) if g is group), 0)
        if (gi, key) not in said:
            said.add((gi, key))
            where = f" in param group {gi}" if len(opt.param_groups) > 1 else ""
            opt.__dict__.setdefault("_late_buffers_to_say", []).append(
                f"{type(opt).__name__}.step(): {setting} was switched on{where} after "
                f"{state['step'] - 1} step(s) without it, so state {key!r} starts at zeros now, "
                f"as at a first step (torch's step raises KeyError {key!r}); said once"
                f"{' per group' if where else ''}")
    buf = state[key] = np.zeros_like(d)
    return buf


def is_number(v: Any) -> bool:
    """A real number (Python's or NumPy's). A group given to add_param_group skips the
    constructor's float(): a string or None there would fail in a comparison naming nothing."""
    return isinstance(v, (int, float, np.integer, np.floating))


def _shown(v: Any) -> Any:
    return v if is_number(v) else repr(v)  # (a string "0" shown as '0', not as the number 0)


def number_pair(value: Any, who: str, name: str, parts: str) -> tuple[float, float]:
    """A pair argument (betas, Rprop's etas and step_sizes) as two floats, or one line saying
    what it got (strings refused, as torch's comparisons refuse them)."""
    try:
        a, b = value
    except (TypeError, ValueError):
        a = b = None
    if not (is_number(a) and is_number(b)):
        raise ValueError(f"{who}: {name} must be a pair {parts}, got {value!r}")
    return float(a), float(b)


def betas_pair(betas: Any, who: str) -> tuple[float, float]:
    """betas=(beta1, beta2) as two floats, or one line saying what it got."""
    return number_pair(betas, who, "betas", "(beta1, beta2)")


def check_decay(wd: float, who: str) -> None:
    if not (is_number(wd) and math.isfinite(wd) and wd >= 0):
        raise ValueError(f"{who}: weight_decay must be a finite number >= 0, got {_shown(wd)}")


def check_nonnegative(group: dict[str, Any], names: tuple[str, ...], who: str,
                      inf_ok: bool = False) -> None:
    """Each named hyperparameter a finite number >= 0 (PyTorch checks >= 0; NaN and inf would
    turn every later step into NaN), or one line naming the first that is not. inf_ok: +inf
    taken too (an eps that only divides, as torch takes it: the step's adaptive part is 0)."""
    for name in names:
        v = group[name]
        if not (is_number(v) and (math.isfinite(v) or (inf_ok and v > 0)) and v >= 0):
            raise ValueError(f"{who}: {name} must be a finite number >= 0"
                             f"{' or inf' if inf_ok else ''}, got {_shown(v)}")


def only_defaults(who: str, **flags: Any) -> None:
    """PyTorch's foreach, fused, capturable and differentiable are speed and graph choices:
    each step here is one NumPy pass per line already and is never recorded, so each is taken
    only at its default (None or False) and refused in one line otherwise."""
    for name, value in flags.items():
        if value:
            raise ValueError(f"{who}: {name}={value!r} is not supported: each step is "
                             f"already one vectorised NumPy pass per line; leave {name} out")


class BetasOptimizer(Optimizer):
    """An optimizer of the Adam family: its groups keep beta1 and beta2 (what OneCycleLR
    cycles), and a group given with torch's key "betas": (b1, b2) is split into them."""

    def add_param_group(self, group: dict[str, Any]) -> None:
        """As Optimizer's; torch's group key "betas": (b1, b2) is taken as beta1 and beta2."""
        if isinstance(group, dict) and "betas" in group:
            who = type(self).__name__
            if "beta1" in group or "beta2" in group:
                raise ValueError(f"{who}: a parameter group gives 'betas' and 'beta1'/'beta2'; "
                                 "give one spelling")
            group = dict(group)
            group["beta1"], group["beta2"] = betas_pair(group.pop("betas"), who)
        super().add_param_group(group)

    def _unknown_hint(self, keys: set[str]) -> str:
        if "betas" in keys:  # PyTorch's group key: one source of truth here, beta1 and beta2
            return f" ({type(self).__name__}'s group keeps beta1 and beta2 as two keys: set " \
                   "group['beta1'] and group['beta2'] instead of 'betas')"
        return ""

    def _check_group(self, group: dict[str, Any]) -> None:
        who = type(self).__name__
        for name in ("beta1", "beta2"):
            if not (is_number(group[name]) and 0.0 <= group[name] < 1.0):
                raise ValueError(f"{who}: {name} must be in [0, 1), got {_shown(group[name])}")
        check_decay(group["weight_decay"], who)
        # (torch's "Invalid epsilon value": a NaN eps made every weight NaN, a negative one
        # divided by 0 where sqrt(v) met it, without a word; inf, as torch's, zeroes the
        # adaptive step: every eps of the family only adds to a denominator)
        check_nonnegative(group, ("eps",), who, inf_ok=True)
