"""Optimizers, gradient clipping and the course's learning-rate schedules (PyTorch-style
schedulers that set an optimizer's rate are in lr_scheduler.py).

Optimizers update `param.data` in place from `param.grad` (parameters without a gradient are
skipped). As in PyTorch, `param_groups` is a list of dicts, each with its `params` and its own
hyperparameters (`lr`, `momentum`, `weight_decay`, ...), which schedules and users may change
between steps. `opt.lr` reads the first group's rate; assigning it sets every group's rate.
Schedules are callables `update step -> eta` (train.fit scales every group by its ratio to
group 0). A group holding a key its optimizer does not know (torch's `betas` on Adam, SGD's
`nesterov`) is refused by `step()`: it would change nothing. `state` is a list by parameter
position (the order of `params`), not a dict keyed by parameter.

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
from ..grad import cleared
from ..tensor import Tensor

# keys a group may hold besides its optimizer's hyperparameters: its parameters, and the rate
# PyTorch's schedulers (lr_scheduler.LRScheduler, train.fit's schedule) keep as the group's first
INTERNAL_KEYS = frozenset({"params", "initial_lr"})


class _ParamStates(list):  # type: ignore[type-arg]
    """The per-parameter state dicts, by position: a list, as before, which names the way to a
    parameter's state when indexed by the parameter (PyTorch's dict habit, `opt.state[p]`),
    where NumPy's message about float indices would say nothing useful."""

    def __init__(self, items: Iterable[dict[str, Any]] = (), who: str = "Optimizer") -> None:
        super().__init__(items)
        self.who = who

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, Tensor):
            raise TypeError(f"{self.who}.state is a list in the order of opt.params, not a dict "
                            f"keyed by parameter: for p = opt.params[i] use opt.state[i] (a dict "
                            f"of its buffers, e.g. SGD's 'v', Adam's 'm', 'v', 't')")
        return super().__getitem__(key)


class Optimizer:
    """Base class: holds `param_groups`, `defaults` and per-parameter state arrays.

    params: an iterable of Tensors (one group), or of dicts {"params": [...], "lr": ..., ...}
    whose missing hyperparameters take the constructor's values.
    """

    def __init__(self, params: Iterable[Any], lr: float, **defaults: Any) -> None:
        who = type(self).__name__
        check_lr(lr, who)
        self.defaults: dict[str, Any] = {"lr": float(lr), **defaults}
        self.state: list[dict[str, Any]] = _ParamStates(who=who)
        if isinstance(params, Tensor):  # list() of it would be its rows: no step would reach it
            raise TypeError(f"{who}: params must be an iterable of Tensors or of dicts (a "
                            f"list), got one Tensor of shape {params.shape}: pass [w]")
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
        if len({id(p) for p in ps}) != len(ps):  # (PyTorch warns) it would be stepped twice
            twice = next(p for i, p in enumerate(ps) if any(p is q for q in ps[:i]))
            raise ValueError(f"{who}: parameter {twice.name or tuple(twice.shape)} appears twice "
                             "in one group (it would be updated twice per step); list it once")
        g = {**self.defaults, **group, "params": ps}
        check_lr(g["lr"], who)
        self._check_group(g)
        self.param_groups.append(g)
        self.state.extend({} for _ in ps)
        # each group's parameters as added: `state` is kept by position, so a params list
        # edited later would hand one parameter's state (momentum...) to another (`step`)
        self.__dict__.setdefault("_added", []).append(list(ps))  # (the tensors: a deepcopy
        # of the optimizer copies them with the groups' own, and still agrees)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyperparameters (subclasses)."""

    def _unknown_hint(self, keys: set[str]) -> str:
        """What to write instead of an unknown group key (subclasses)."""
        return ""

    @property
    def params(self) -> list[Tensor]:
        """Every parameter, group by group (the order of `state`)."""
        return [p for g in self.param_groups for p in g["params"]]

    @property
    def lr(self) -> float:
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        # inside a jitted step: refused (replay runs no Python of the step: the rate would stay)
        engine.notify_write(f"setting {type(self).__name__}.lr")
        check_lr(value, type(self).__name__)
        for g in self.param_groups:
            g["lr"] = float(value)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (None, PyTorch's default); with
        set_to_none=False zero it in place, as PyTorch does (`grad.cleared`)."""
        engine.notify_write(f"{type(self).__name__}.zero_grad()")
        for p in self.params:
            p.grad = cleared(p.grad, set_to_none)

    def step(self) -> None:
        """Update every parameter that has a gradient, in place, group by group."""
        who = f"{type(self).__name__}.step()"
        engine.notify_write(who)  # inside a jitted step: refused
        self._check_groups(who)
        states = iter(self.state)  # (by position: the same order as the groups' params)
        for group in self.param_groups:
            items = []
            for p in group["params"]:
                state = next(states)
                g = p.grad
                if g is None:
                    continue
                if g.shape != p.data.shape:
                    raise ValueError(
                        f"{type(self).__name__}: gradient of shape {g.shape} for parameter "
                        f"{p.name or '?'} of shape {p.data.shape}"
                    )
                d = write_guard.writable(p, who)  # a live graph keeps its copy: d may be a new one
                if g.dtype != d.dtype:  # a .grad set by hand in another dtype: the engine's rule
                    g = g.astype(d.dtype)
                items.append((d, g, state))
            if items:
                self._step_group(group, items)

    def _check_groups(self, who: str) -> None:
        """Refuse a step after `param_groups` or a group's params list was edited in place, or
        with a group holding a key this optimizer does not read (PyTorch's `betas` written into
        an Adam group, `nesterov` into SGD's): the edit would change nothing, silently. One set
        difference per group per step."""
        known = self.defaults.keys() | INTERNAL_KEYS
        for i, g in enumerate(self.param_groups):
            extra = g.keys() - known
            if extra:
                raise ValueError(f"{who}: parameter group {i} has key(s) {sorted(extra)} that "
                                 f"{type(self).__name__} does not use"
                                 f"{self._unknown_hint(extra)}; its keys: "
                                 f"{sorted(self.defaults)}")
        added = self._added
        if len(added) != len(self.param_groups) or any(
                len(ps) != len(g["params"]) or any(p is not q for p, q in zip(g["params"], ps))
                for g, ps in zip(self.param_groups, added)):
            raise RuntimeError(f"{who}: the parameters of its groups changed since they were "
                               "added (a params list edited in place): each parameter's state "
                               "is kept by position and would go to another one; build a new "
                               "optimizer, or add parameters with add_param_group()")

    def _step_group(self, group: dict[str, Any],
                    items: list[tuple[np.ndarray, np.ndarray, dict[str, Any]]]) -> None:
        """Update one group's (array, gradient, state) triples; by default one `_update` each."""
        for d, g, state in items:
            self._update(d, g, state, group)

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        """Update the parameter's array `d` in place from its gradient `g` (same shape and
        dtype; never written: the user may still read `.grad`)."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """lr, every group's hyperparameters and copies of the per-parameter state (by index)."""
        groups, start = [], 0
        for g in self.param_groups:  # "params": the positions of its parameters, as PyTorch's
            n = len(g["params"])
            groups.append({**{k: v for k, v in g.items() if k != "params"},
                           "params": list(range(start, start + n))})
            start += n
        return {
            "type": type(self).__name__,
            "lr": self.lr,
            "hyper": {k: v for k, v in self.param_groups[0].items() if k not in ("params", "lr")},
            "param_groups": groups,
            "state": [{k: _copy(v) for k, v in s.items()} for s in self.state],
        }

    def load_state_dict(self, d: dict[str, Any]) -> None:
        """Restore what `state_dict` gave, all or nothing: everything is checked (the groups'
        sizes, as PyTorch checks them, their hyperparameters, as add_param_group checks them,
        every buffer's shape) before anything is changed, so a refused load leaves the optimizer
        as it was."""
        who = type(self).__name__
        engine.notify_write(f"{who}.load_state_dict()")
        if d.get("type") != who:
            raise ValueError(f"state dict is for {d.get('type')}, not {who}")
        groups = d.get("param_groups")
        if groups is None:  # written before param groups existed: one set for all groups
            groups = [{"lr": d["lr"], **d.get("hyper", {})}] * len(self.param_groups)
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{who}: state dict has {len(groups)} parameter groups, "
                             f"optimizer has {len(self.param_groups)}")
        for i, (g, saved) in enumerate(zip(self.param_groups, groups)):
            # (state dicts written before "params" was saved: only the total is checked below)
            if "params" in saved and not isinstance(saved["params"], (list, tuple)):
                raise ValueError(f"{who}.load_state_dict: group {i}'s 'params' must be a list of "
                                 f"parameter positions, got {type(saved['params']).__name__}")
            if "params" in saved and len(saved["params"]) != len(g["params"]):
                raise ValueError(f"{who}.load_state_dict: loaded state dict contains a parameter "
                                 f"group that doesn't match the size of optimizer's group (group "
                                 f"{i}: {len(saved['params'])} parameters saved, "
                                 f"{len(g['params'])} here)")
        if len(d["state"]) != len(self.params):
            raise ValueError(
                f"{who}: state dict has {len(d['state'])} parameters, "
                f"optimizer has {len(self.params)}"
            )
        merged = [self._loaded_group(i, g, saved)
                  for i, (g, saved) in enumerate(zip(self.param_groups, groups))]
        state = _ParamStates(
            ({k: _state_array(who, i, k, v, p.data) if isinstance(v, np.ndarray) else v
              for k, v in s.items()} for i, (s, p) in enumerate(zip(d["state"], self.params))),
            who=who)
        # every check passed: only now is anything written (group dicts updated in place, as
        # a scheduler or the user may hold them)
        for g, m in zip(self.param_groups, merged):
            g.update(m)
        self.state = state

    def _loaded_group(self, i: int, group: dict[str, Any],
                      saved: dict[str, Any]) -> dict[str, Any]:
        """Group i with a saved group's hyperparameters, checked as add_param_group checks a
        new group (a key this optimizer does not use, a momentum of 1.5 are refused)."""
        who = f"{type(self).__name__}.load_state_dict"
        unknown = sorted(set(saved) - self.defaults.keys() - INTERNAL_KEYS)
        if unknown:
            raise ValueError(f"{who}: parameter group {i} has unknown option(s) {unknown}; "
                             f"known: {sorted(self.defaults)}")
        m = {**group, **{k: v for k, v in saved.items() if k != "params"}}
        try:
            check_lr(m["lr"], type(self).__name__)
            if "initial_lr" in m:  # (a scheduler's or fit's base rate: read as a rate too)
                check_lr(m["initial_lr"], type(self).__name__)
            self._check_group(m)
        except ValueError as e:  # the constructor's message, under this call's name
            raise ValueError(f"{who}: parameter group {i}: "
                             f"{str(e).removeprefix(type(self).__name__ + ': ')}") from None
        except TypeError as e:  # a string where a number belongs: the comparison fails
            raise ValueError(f"{who}: parameter group {i}: a hyperparameter is not a number "
                             f"({e})") from None
        return m

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
                 dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:
        # PyTorch's order: a 4th positional is its dampening (it was read as weight_decay);
        # dampening and Nesterov momentum are not implemented here, so only their defaults
        if dampening != 0 or nesterov:
            raise ValueError(
                f"SGD: dampening={dampening!r}, nesterov={nesterov!r}: only PyTorch's defaults "
                "(0, False) are supported; weight decay is SGD(params, lr, momentum, "
                "weight_decay=wd), by keyword")
        super().__init__(params, lr, momentum=float(momentum), weight_decay=float(weight_decay))

    def _check_group(self, group: dict[str, Any]) -> None:
        if not 0.0 <= group["momentum"] < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {group['momentum']}")
        wd = group["weight_decay"]
        if not (math.isfinite(wd) and wd >= 0):
            raise ValueError(f"SGD: weight_decay must be a finite number >= 0, got {wd}")

    def _step_group(self, group: dict[str, Any],
                    items: list[tuple[np.ndarray, np.ndarray, dict[str, Any]]]) -> None:
        lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
        for d, g, state in items:
            big = d.nbytes > BLOCKED_FROM
            if not (mu or wd or big):  # the course's theta -= eta g: two passes, as by hand
                d -= np.multiply(g, lr)
                continue
            v = None
            if mu:
                v = state.get("v")
                if v is None:
                    v = state["v"] = np.zeros_like(d)
            # theta (1 - lr wd) - lr g: the decay is one pass, not two (where it keeps lr wd)
            fold = (1.0 - lr * wd if wd and not mu and _foldable(lr * wd, d.dtype)
                    and not np.may_share_memory(d, g) else 0.0)
            flat = _flat(d, g, v) if big else None
            if flat is None:  # one pass per line over the whole array
                _sgd(d, g, v, np.empty_like(d), lr, mu, wd, fold)
                continue
            # block by block: the temporary stays in the cache (a pass over a few MB of
            # parameter and gradient costs about half); elementwise, so the same numbers
            fd, fg, fv = flat
            t = self._scratch(d.dtype)
            for s in range(0, fd.size, BLOCK):
                e = s + BLOCK
                ds = fd[s:e]
                _sgd(ds, fg[s:e], None if fv is None else fv[s:e], t[:ds.size], lr, mu, wd, fold)

    def _scratch(self, dtype: np.dtype) -> np.ndarray:
        """A block-sized temporary of this dtype, kept from step to step."""
        cache = self.__dict__.setdefault("_scratch_blocks", {})
        t = cache.get(dtype)
        if t is None:
            t = cache[dtype] = np.empty(BLOCK, dtype)
        return t


BLOCK = 16384  # elements per block of a blocked SGD step (128 KiB of float64: in L2)
# parameters above 1 MiB are stepped block by block: measured on the two-layer net's W1
# (50 x 3072, one BLAS thread, 2026-12-02), 1.2 MB of float64 step in 82 us blocked against
# 134 us whole; its 0.6 MB float32 copy gains nothing (the whole arrays stay in L2/L3)
BLOCKED_FROM = 2**20


def _flat(*arrays: np.ndarray | None) -> tuple[Any, ...] | None:
    """The arrays (None stays None) as flat views for a step block by block, or None where
    that would not be the same update: an array not C-contiguous (reshape would copy it) or
    two sharing memory (a block would read what an earlier block wrote)."""
    xs = [a for a in arrays if a is not None]
    if not all(a.flags.c_contiguous for a in xs):
        return None
    for i, a in enumerate(xs):
        for b in xs[i + 1:]:
            if np.may_share_memory(a, b):
                return None
    return tuple(None if a is None else a.reshape(-1) for a in arrays)


def _sgd(d: np.ndarray, g: np.ndarray, v: np.ndarray | None, t: np.ndarray, lr: float,
         mu: float, wd: float, fold: float) -> None:
    """One SGD update of d (and the velocity v) in place, with t a temporary of d's shape.
    Each line is one pass in the order of the formula, so the numbers are its numbers."""
    if v is not None:  # v = mu v + (g + wd theta): the decayed gradient enters the velocity
        v *= mu
        if wd:
            np.multiply(d, wd, out=t)
            t += g
            v += t
        else:
            v += g
        np.multiply(v, lr, out=t)
    elif fold:
        d *= fold
        np.multiply(g, lr, out=t)
    elif wd:  # lr (g + wd theta) in the order written: in this dtype 1 - lr wd rounds
        np.multiply(d, wd, out=t)
        t += g
        t *= lr
    else:  # the course's theta -= eta g
        np.multiply(g, lr, out=t)
    d -= t


class AdaGrad(Optimizer):
    """The course's AdaGrad: m += g^2; theta -= lr * g / sqrt(m + eps)."""

    def __init__(self, params: Iterable[Any], lr: float = 0.1, eps: float = 1e-8) -> None:
        super().__init__(params, lr, eps=float(eps))

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

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        for name, value in (("foreach", foreach), ("fused", fused),
                            ("differentiable", differentiable)):
            if value:  # (PyTorch's positional foreach is the 7th argument, as here)
                raise ValueError(f"Adagrad: {name}={value!r} is not supported: each step is "
                                 f"already one vectorised NumPy pass per line; leave {name} out")
        super().__init__(params, lr, lr_decay=float(lr_decay), weight_decay=float(weight_decay),
                         initial_accumulator_value=float(initial_accumulator_value),
                         eps=float(eps), maximize=bool(maximize))

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_decay(group["weight_decay"], "Adagrad")
        for name in ("lr_decay", "initial_accumulator_value", "eps"):  # torch's checks
            if not (math.isfinite(group[name]) and group[name] >= 0):
                raise ValueError(f"Adagrad: {name} must be a finite number >= 0, "
                                 f"got {group[name]}")

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if "sum" not in state:  # (PyTorch's state names: "sum", "step")
            state["sum"] = np.full_like(d, group["initial_accumulator_value"])
            state["step"] = 0
        state["step"] += 1
        s, wd = state["sum"], group["weight_decay"]
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        if wd:  # t = g + wd theta, or -g + wd theta when maximizing: torch's order
            t = np.multiply(d, wd, out=np.empty_like(d))
            g = np.subtract(t, g, out=t) if group["maximize"] else np.add(t, g, out=t)
        elif group["maximize"]:
            g = np.negative(g, out=np.empty_like(d))
        u = np.multiply(g, g, out=np.empty_like(d))
        s += u
        np.sqrt(s, out=u)
        u += group["eps"]  # u = std = sqrt(sum) + eps: eps outside the root
        np.divide(g, u, out=u)
        u *= clr
        d -= u


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
        if isinstance(beta1, (tuple, list)):  # PyTorch's Adam(params, lr, betas, eps, wd):
            # its later positionals (eps, weight_decay) would land on beta2 and eps here
            raise TypeError(f"Adam: the third positional argument is beta1 here, got "
                            f"{beta1!r}; PyTorch's positional betas (then eps, weight_decay) "
                            "are Adam(params, lr, betas=(b1, b2), eps=..., weight_decay=...)")
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

    def _unknown_hint(self, keys: set[str]) -> str:
        if "betas" in keys:  # PyTorch's group key: one source of truth here, beta1 and beta2
            return " (Adam's group keeps beta1 and beta2 as two keys: set group['beta1'] and " \
                   "group['beta2'] instead of 'betas')"
        return ""

    def _check_group(self, group: dict[str, Any]) -> None:
        for name in ("beta1", "beta2"):
            if not 0.0 <= group[name] < 1.0:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {group[name]}")
        _check_decay(group["weight_decay"], "Adam")

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        b1, b2 = group["beta1"], group["beta2"]
        g = _decayed(d, g, group["weight_decay"])
        if "m" not in state:
            state["m"] = np.zeros_like(d)
            state["v"] = np.zeros_like(d)
            state["t"] = 0
        state["t"] += 1
        step, m, v = state["t"], state["m"], state["v"]
        t = np.multiply(g, 1 - b1, out=np.empty_like(d))
        m *= b1
        m += t
        np.multiply(g, 1 - b2, out=t)
        t *= g
        v *= b2
        v += t
        u = np.divide(v, 1 - b2**step, out=np.empty_like(d))  # v_hat
        np.sqrt(u, out=u)
        u += group["eps"]
        np.divide(m, 1 - b1**step, out=t)  # m_hat
        t *= group["lr"]
        t /= u
        d -= t

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

    def _update(self, d: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        a, mu = group["alpha"], group["momentum"]
        g = _decayed(d, g, group["weight_decay"])
        v = state.get("v")
        if v is None:
            v = state["v"] = np.zeros_like(d)
        t = np.multiply(g, 1 - a, out=np.empty_like(d))
        t *= g
        v *= a
        v += t
        if group["centered"]:
            gbar = state.get("gbar")
            if gbar is None:
                gbar = state["gbar"] = np.zeros_like(d)
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
            b = state.get("b")
            if b is None:
                b = state["b"] = np.zeros_like(d)
            u = np.divide(g, t, out=np.empty_like(d))
            b *= mu
            b += u
            np.multiply(b, group["lr"], out=u)
        else:
            u = np.multiply(g, group["lr"], out=np.empty_like(d))
            u /= t
        d -= u

def _decayed(d: np.ndarray, g: np.ndarray, wd: float) -> np.ndarray:
    """g + wd * theta (L2 weight decay, PyTorch's convention) as a new array; g itself if wd
    is 0. Computed in this order, so the result is bit-for-bit the written expression."""
    if not wd:
        return g
    t = np.multiply(d, wd, out=np.empty_like(d))
    t += g
    return t


def _foldable(lr_wd: float, dtype: np.dtype) -> bool:
    """May SGD apply decay as theta *= 1 - lr wd? Only where that factor, rounded to the
    parameter's dtype, still carries lr wd to 1e-6: in float32 a small lr wd rounds 1 - lr wd
    to exactly 1 and the decay would silently vanish (float64: lr wd above about 1e-10)."""
    if not 0.0 < lr_wd < 0.5:
        return False
    kept = 1.0 - float(np.asarray(1.0 - lr_wd, dtype=dtype))  # exact: Sterbenz
    return abs(kept - lr_wd) <= 1e-6 * lr_wd


def _check_decay(wd: float, who: str) -> None:
    if not (math.isfinite(wd) and wd >= 0):
        raise ValueError(f"{who}: weight_decay must be a finite number >= 0, got {wd}")


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adagrad": AdaGrad, "adam": Adam,
                                          "rmsprop": RMSprop}


# ---- gradient clipping -------------------------------------------------------------------
def clip_grad_value_(params: Iterable[Tensor] | Tensor, clip: float) -> None:
    """Clip every gradient entry to [-clip, clip] in place (the char-RNN's clip to [-5, 5])."""
    if not clip > 0:
        raise ValueError(f"clip_grad_value_: clip must be > 0, got {clip}")
    engine.notify_write("clip_grad_value_()")
    for p in _tensors(params):
        if p.grad is not None:
            np.clip(p.grad, -clip, clip, out=p.grad)


def clip_grad_norm_(params: Iterable[Tensor] | Tensor, max_norm: float) -> float:
    """Rescale all gradients together so their global L2 norm is at most max_norm.

    Returns the total norm before clipping (inf/nan passes through unscaled, so the
    caller's non-finite check still sees it). One Tensor or an iterable of them (each once).
    """
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be > 0, got {max_norm}")
    engine.notify_write("clip_grad_norm_()")
    grads = [p.grad for p in _tensors(params) if p.grad is not None]
    # float16's sum of squares overflows from a norm of 256 (300 in each of 4 entries gave inf:
    # a finite gradient taken for divergence, and not clipped): summed in float32 at least
    total = math.sqrt(sum(float(np.vdot(g, g).real) if g.dtype.itemsize >= 4 else
                          float(np.vdot(g.astype(np.float32), g.astype(np.float32)))
                          for g in grads))
    if math.isfinite(total) and total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total


def _tensors(params: Iterable[Tensor] | Tensor) -> list[Tensor]:
    """The tensors to clip: one Tensor as itself (iterating it would give its rows, which
    have no .grad), an iterable with each tensor once (a tied weight is one gradient)."""
    if isinstance(params, Tensor):
        return [params]
    out: list[Tensor] = []
    seen: set[int] = set()
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


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


def _state_array(who: str, i: int, key: str, v: np.ndarray, param: np.ndarray) -> np.ndarray:
    """A loaded state buffer (momentum, moments: each shaped as its parameter) as a copy in
    the parameter's dtype, as PyTorch casts it: a float64 buffer from a float64 run loaded
    into a float32 model would otherwise mix dtypes in every later update (lr v computed in
    float64 or rounded to float32 first, by which code path runs). Another shape is refused
    here, in one line, not later by NumPy's broadcasting (or not at all, where it
    broadcasts)."""
    if v.shape != param.shape:
        raise ValueError(f"{who}.load_state_dict: parameter {i}'s state {key!r} has shape "
                         f"{v.shape}, the parameter {param.shape}")
    if v.dtype.kind not in "fc":
        raise ValueError(f"{who}.load_state_dict: parameter {i}'s state {key!r} has dtype "
                         f"{v.dtype}, not a floating-point one")
    return np.array(v, dtype=param.dtype, copy=True, subok=False)  # (np.matrix: a plain array)
