"""The optimizers' base class `Optimizer` (parameter groups, per-parameter state, state_dict and
its loading) and `check_lr`, the learning-rate check of every optimizer and schedule.

Optimizers update `param.data` in place from `param.grad` (parameters without a gradient are
skipped). As in PyTorch, `param_groups` is a list of dicts, each with its `params` and its own
hyperparameters (`lr`, `momentum`, `weight_decay`, ...), which schedules and users may change
between steps. `opt.lr` reads the first group's rate; assigning it sets every group's rate.
Schedules are callables `update step -> eta` (train.fit scales every group by its ratio to
group 0). A group holding a key its optimizer does not know (torch's `betas` on Adam, Adam's
`amsgrad` on SGD) is refused by `step()`: it would change nothing. `state` is a list by parameter
position (the order of `params`), not a dict keyed by parameter.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from operator import is_
from typing import Any

import numpy as np

from .. import engine, hooks, write_guard
from ..grad import GradArray, cleared, complex_grad_error, masked_error
from ..grad_mode import enable_grad
from ..tensor import Tensor
from .state_dtype import follow_dtypes, loaded_array

# keys a group may hold besides its optimizer's hyperparameters: its parameters, and the rates
# PyTorch's schedulers (lr_scheduler.LRScheduler, train.fit's schedule) keep as the group's first
# and swa_utils.SWALR's target (torch's groups hold them too: a step or a load refused them)
INTERNAL_KEYS = frozenset({"params", "initial_lr", "swa_lr"})
_RATE_KEYS = ("initial_lr", "swa_lr")  # (read as rates: checked as lr is)
_GRAD_TYPES = (GradArray, np.ndarray)  # what backward stores in .grad (exactly these types)


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
                            f"of its buffers under torch's names, e.g. SGD's 'momentum_buffer', "
                            f"Adam's 'exp_avg', 'exp_avg_sq', 'step')")
        return super().__getitem__(key)


class Optimizer:
    """Base class: holds `param_groups`, `defaults` and per-parameter state arrays.

    params: an iterable of Tensors (one group), or of dicts {"params": [...], "lr": ..., ...}
    whose missing hyperparameters take the constructor's values.
    """

    # the per-parameter state's step counters (whole numbers >= 0, checked by load_state_dict:
    # Adam's t = -1 became a step 0 whose bias correction divides by 0, NaN weights), and
    # whether its other numbers may be None (LBFGS's before its first iteration)
    state_counters: tuple[str, ...] = ("t", "step")
    state_none_ok = False
    # what a parameter's state holds once stepped (torch's names): state_keys, all together
    # (the first step creates them at once), state_arrays, buffers shaped as the parameter
    # wherever present (state_keys' and the optional ones: amsgrad's, momentum's; those a
    # loaded group's settings read, _required_state, present in a stepped state). A loaded
    # state lacking one (exp_avg without step: a KeyError in the next step(); step without
    # exp_avg: the step count silently restarted at 0) or holding a number as a buffer
    # (exp_avg = 0.5: never updated, every step read the same 0.5) is refused by
    # load_state_dict in one line; an empty state ({}) starts anew, as torch's
    state_keys: tuple[str, ...] = ()
    state_arrays: frozenset[str] = frozenset()
    # buffers that only grow from 0 (second moments, their maxima, sums of squares): a loaded
    # negative element went through a square root in the next step, NaN weights without a word
    state_nonnegative: frozenset[str] = frozenset()
    # the range of a loaded state number (NAdam's mu_product, ASGD's eta and mu): key ->
    # (low, low excluded, high); each is kept as Python's float, as step() makes it (an
    # np.float32 one ran the step's scalar arithmetic in float32). Outside it: NaN weights
    # (mu_product 1 / mu divides by 0) or a wrong run (eta < 0 climbs the loss), no word
    state_ranges: dict[str, tuple[float, bool, float]] = {}
    # state keys this library wrote before it took torch's names (old: torch's), renamed by
    # load_state_dict, so an older state dict or training checkpoint still resumes
    state_renames: dict[str, str] = {}
    # a saved group without one of these keys (saved before it existed) takes this value, as
    # torch's __setstate__ fills it, not the constructor's: the saved run never used it
    saved_defaults: dict[str, Any] = {"maximize": False}

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
        # (initial_lr: a scheduler's base rate, as in a group copied from a scheduled optimizer)
        unknown = sorted(set(group) - set(self.defaults) - INTERNAL_KEYS)
        if unknown:
            raise ValueError(f"{who}: unknown parameter-group option(s) {unknown}; "
                             f"known: {sorted(self.defaults)}")
        ps = group["params"]
        if isinstance(ps, (set, frozenset)):  # (torch's refusal) state is kept by position
            raise TypeError(f"{who}: optimizer parameters need to be organized in ordered "
                            "collections, but the ordering of tensors in sets will change "
                            "between runs. Please use a list instead.")
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
        g = {k: ps if k == "params" else _plain(v)  # (NumPy scalars as Python's numbers)
             for k, v in {**self.defaults, **group, "params": ps}.items()}
        check_lr(g["lr"], who)
        for k in _RATE_KEYS:  # (read as rates by the schedulers, as load_state_dict checks them)
            if k in g:
                check_lr(g[k], who)
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
        """Drop every gradient (None, torch's default), or zero it in place (grad.cleared)."""
        if hooks.active:  # (the name is built only where a recording may read it)
            engine.notify_write(f"{type(self).__name__}.zero_grad()")
        for group in self.param_groups:  # (runs every step: no list of params built first)
            for p in group["params"]:
                p.grad = None if set_to_none else cleared(p.grad, False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place, group by group. `closure`
        (PyTorch's): called first, with grad mode on, to compute the loss and its gradients
        (`opt.zero_grad(); loss = f(); loss.backward(); return loss`); returns its result."""
        who = f"{type(self).__name__}.step()"
        engine.notify_write(who)  # inside a jitted step: refused
        loss = None
        if closure is not None:
            if not callable(closure):  # (a loss tensor passed by mistake: opt.step(loss))
                raise TypeError(f"{who}: closure must be a function that returns the loss, got "
                                f"a {type(closure).__name__}")
            with enable_grad():
                loss = closure()
        self._check_groups(who)
        states = iter(self.state)  # (by position: the same order as the groups' params)
        missing: list[Tensor] = []
        work, later = [], []  # all groups checked before any is updated (a retry stepped twice)
        for group in self.param_groups:
            items = []
            for p in group["params"]:
                state = next(states)
                g = p.grad
                if g is None:
                    if p.requires_grad:  # (a frozen one, requires_grad=False, is expected)
                        missing.append(p)
                    continue
                d = p.data  # what backward leaves passes _checked's checks at once (caches cold
                # after a replay): a float gradient of its shape, the parameter's own writeable
                # array, no view; a GradArray seen as plain (no __array_wrap__ call per ufunc)
                if (type(g) in _GRAD_TYPES and type(d) is np.ndarray and g.shape == d.shape
                        and (gd := g.dtype) is d.dtype and gd.kind in "fc" and d.base is None
                        and d.flags.writeable):
                    items.append((d, g if type(g) is np.ndarray else g.view(np.ndarray), state))
                    continue
                d, g = self._checked(p, g, who)
                if d is None:  # a live graph holds it: copied in the update pass, not here (a
                    later.append((items, len(items), p))  # refused step's copy left the graph
                items.append((d, g, state))  # marked written: its backward raised)
            if items:
                work.append((group, items))
        for items, i, p in later:
            items[i] = (write_guard.writable(p, who), *items[i][1:])
        follow_dtypes(self, work)  # (state made before model.float(): cast to the parameter's)
        for group, items in work:
            self._step_group(group, items)
        for said in self.__dict__.pop("_late_buffers_to_say", ()):  # (common.new_buffer: said
            warnings.warn(said, RuntimeWarning, stacklevel=2)  # once every group is updated)
        if missing:
            self._no_gradient(who, missing, sum(len(items) for _, items in work))
        return loss

    def _checked(self, p: Tensor, g: Any, who: str) -> tuple[np.ndarray | None, np.ndarray]:
        """(array, gradient) of a parameter whose gradient or array is not as backward leaves
        it, each check naming what it refuses; the array None where a live graph holds it."""
        if not isinstance(g, np.ndarray):  # `p.grad = some_tensor` by hand: NumPy's
            raise TypeError(  # "does not support ufuncs" named neither step nor .grad
                f"{type(self).__name__}.step: the .grad of parameter {p.name or '?'} is "
                f"a {type(g).__name__}; .grad holds a NumPy array (p.grad = t.data)")
        if isinstance(g, np.ma.MaskedArray):  # (the step read the values under the mask)
            raise masked_error(f"{who}: the .grad of parameter {p.name or '?'}")
        d = self._array(p, who)
        if g.shape != p.data.shape:
            raise ValueError(f"{type(self).__name__}: gradient of shape {g.shape} for "
                             f"parameter {p.name or '?'} of shape {p.data.shape}")
        if (gd := g.dtype) is not (dt := p.data.dtype) or gd.kind not in "fc":  # (by hand:
            # the engine's grads are floating-point, in the parameter's dtype)
            named = p.name or f"of shape {p.data.shape}"
            if dt.kind not in "fc":  # requires_grad on an integer tensor (NumPy's cast error)
                raise TypeError(f"{who}: parameter {named} has dtype {dt}: only floating-point "
                                "parameters can be updated; cast it with .astype(np.float64) first")
            if gd.kind == "c" and dt.kind != "c":  # (astype dropped the imaginary part
                # with only NumPy's ComplexWarning; torch refuses it)
                raise complex_grad_error(f"{who}: the .grad of parameter {named}", gd, dt)
            g = g.astype(dt)
        return d, g

    def _array(self, p: Tensor, who: str) -> np.ndarray | None:
        """p's array, checked for a step's write without changing anything (LBFGS's too): None
        where a live graph holds it (write_guard.writable takes the copy at the write)."""
        if isinstance(p.data, np.generic):  # (`b.data = b.data - lr * b.grad`, 0-d: NumPy's
            p.data = np.array(p.data)  # scalar, which `d -= u` rebound: never updated, silently)
        elif not isinstance(p.data, np.ndarray):  # (an AttributeError named no parameter)
            raise TypeError(f"{who}: the .data of parameter {p.name or '?'} is a "
                            f"{type(p.data).__name__}; .data holds a NumPy array (p.data = t.data)")
        d = write_guard.writable(p, who, check_only=True)
        if d is not None and not d.flags.writeable:  # read-only of its own: NumPy refused
            # the write after the state (momentum, Adam's step count) had advanced
            raise ValueError(f"{who}: parameter {p.name or f'of shape {d.shape}'} has "
                             f"{write_guard.read_only(d)}: nothing was updated; give it a "
                             "writeable one, p.data = p.data.copy()")
        return d

    def _no_gradient(self, who: str, missing: list[Tensor], stepped: int) -> None:
        """Warn about parameters step() left alone for want of a gradient: all of them (no
        backward() since zero_grad(): a step that trains nothing) every time; some of them
        once per optimizer (the loss never reached them: a NumPy function of a tensor,
        np.dot(x, W), or .data cuts the graph). PyTorch skips both without a word."""
        if not stepped:
            warnings.warn(f"{who}: no parameter has a gradient, so nothing was updated (was "
                          "backward() called since zero_grad()?)", RuntimeWarning, stacklevel=3)
        elif not self.__dict__.get("_warned_missing"):
            self.__dict__["_warned_missing"] = True
            names = ", ".join(p.name or f"shape {p.data.shape}" for p in missing[:4])
            more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
            warnings.warn(f"{who}: {len(missing)} of {len(missing) + stepped} parameters have "
                          f"no gradient and were not updated ({names}{more}): the loss did not "
                          "reach them (a NumPy function of a tensor, np.dot(x, W), or .data "
                          "cuts the graph; set requires_grad=False on parameters meant to stay "
                          "frozen). Said once per optimizer", RuntimeWarning, stacklevel=3)

    def _check_groups(self, who: str) -> None:
        """Refuse a step after `param_groups` or a group's params list was edited in place, or
        with a group holding a key this optimizer does not read (PyTorch's `betas` written into
        an Adam group, `amsgrad` into SGD's): the edit would change nothing, silently. (C-level
        comparisons, no generator, no set built for a group of the defaults' keys and "params":
        this runs every step, right after a replayed step that pushed it out of the caches.)"""
        groups, added, keys = self.param_groups, self._added, self.defaults.keys()
        same = len(added) == len(groups)
        for i, g in enumerate(groups):
            lr = g["lr"]
            if type(lr) is not float or not 0.0 <= lr < math.inf:  # (a float in range: as is)
                g["lr"] = self._edited_lr(who, i, lr)
            if not (len(g) == len(keys) + 1 and "params" in g and "params" not in keys
                    and g.keys() >= keys) and not g.keys() <= (known := keys | INTERNAL_KEYS):
                extra = g.keys() - known
                raise ValueError(f"{who}: parameter group {i} has key(s) {sorted(extra)} that "
                                 f"{type(self).__name__} does not use{self._unknown_hint(extra)}"
                                 f"; its keys: {sorted(self.defaults)}")
            if same:  # (its params as added, by identity)
                same = len(ps := added[i]) == len(g["params"]) and all(map(is_, g["params"], ps))
        if not same:
            raise RuntimeError(f"{who}: the parameters of its groups changed since they were "
                               "added (a params list edited in place): each parameter's state "
                               "is kept by position and would go to another one; build a new "
                               "optimizer, or add parameters with add_param_group()")

    def _edited_lr(self, who: str, i: int, lr: Any) -> float:
        """Group i's rate, written into the group since it was added (`g["lr"] = ...`, a
        PyTorch habit), checked as the constructor checks it: a Tensor (torch's tensor lr)
        or a string failed in NumPy naming neither, an array of rates broadcast over the
        parameter's elements, NaN made every weight NaN and a negative rate climbed the
        loss, all without a word. A NumPy scalar of another type (np.float32, np.int64)
        becomes Python's float (`_plain`); np.float64, a float already, is kept: its products
        with a float32 parameter's gradient run in float64, as before these checks (a whole
        array's step and a blocked one agree on it: test_replay_memory_changes_review)."""
        try:
            check_lr(lr, type(self).__name__)
        except ValueError as e:
            raise ValueError(f"{who}: parameter group {i}'s lr, set since the group was added: "
                             f"{str(e).split(': ', 1)[1]}") from None
        return lr if isinstance(lr, float) else float(lr)

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
            "type": type(self).__name__, "lr": self.lr,
            "hyper": {k: v for k, v in self.param_groups[0].items() if k not in ("params", "lr")},
            "param_groups": groups,
            "state": [{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
                      for s in self.state],
        }

    def load_state_dict(self, d: dict[str, Any]) -> None:
        """Restore what `state_dict` gave, all or nothing: everything is checked (the groups'
        sizes, as PyTorch checks them, their hyperparameters, as add_param_group checks them,
        every buffer's shape) before anything is changed, so a refused load leaves the optimizer
        as it was."""
        who = type(self).__name__
        engine.notify_write(f"{who}.load_state_dict()")
        if not isinstance(d, dict):
            raise TypeError(f"{who}.load_state_dict: expected the dict state_dict() gave, got "
                            f"{type(d).__name__}")
        if "type" not in d:  # (torch's layout: "state" by parameter index, its buffer names)
            raise ValueError(f"{who}.load_state_dict: the dict has no 'type' (keys "
                             f"{sorted(map(str, d))[:4]}): not one this library's state_dict() "
                             "gave; a PyTorch optimizer's state dict does not load here")
        if d.get("type") != who:
            raise ValueError(f"state dict is for {d.get('type')}, not {who}")
        groups = d.get("param_groups")
        if groups is None:  # written before param groups existed: one set for all groups
            if "lr" not in d or not isinstance(d.get("hyper", {}), dict):
                raise ValueError(f"{who}.load_state_dict: the dict has neither 'param_groups' "
                                 "nor an 'lr' and a dict 'hyper'")
            groups = [{"lr": d["lr"], **d.get("hyper", {})}] * len(self.param_groups)
        if not (isinstance(groups, list) and all(isinstance(g, dict) for g in groups)):
            raise ValueError(f"{who}.load_state_dict: 'param_groups' must be a list of dicts, "
                             f"got {type(groups).__name__}")
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
        saved = d.get("state")
        bad = (saved if not isinstance(saved, (list, tuple))
               else next((s for s in saved if not isinstance(s, dict)), {}))
        if not isinstance(bad, dict):
            raise ValueError(f"{who}.load_state_dict: 'state' must be a list of dicts (one per "
                             f"parameter), got {'a list holding ' * (bad is not saved)}"
                             f"{type(bad).__name__}")
        if len(d["state"]) != len(self.params):
            raise ValueError(f"{who}: state dict has {len(d['state'])} parameters, "
                             f"optimizer has {len(self.params)}")
        merged = [self._loaded_group(i, g, saved)
                  for i, (g, saved) in enumerate(zip(self.param_groups, groups))]
        # (an older key's buffer refused under the name the file holds: "'exp_avg' has shape"
        # named a key that was not in it, "'m'" was)
        named = {new: f"{old!r} (now {new!r})" for old, new in self.state_renames.items()}
        renamed = [self._renamed(i, s) for i, s in enumerate(d["state"])]
        for i, (s, r) in enumerate(zip(d["state"], renamed)):
            self._check_state_keys(i, s, r, named)
        # (a counter or a ranged number is never a buffer: an array of the parameter's shape
        # there loaded as one, and t or H_diag stepped element by element without a word)
        state = _ParamStates(
            ({k: loaded_array(who, i, named.get(k, repr(k)) if k not in s else repr(k), v, p.data)
              if isinstance(v, np.ndarray) and k not in self.state_counters
              and k not in self.state_ranges
              else self._state_number(i, k, v, named.get(k) if k not in s else None)
              for k, v in r.items()}
             for i, (s, r, p) in enumerate(zip(d["state"], renamed, self.params))), who=who)
        for i, (s, r) in enumerate(zip(d["state"], state)):
            for k in sorted(self.state_nonnegative & r.keys()):
                # (NaN kept: a diverged run's state, as it was saved)
                if r[k].dtype.kind == "f" and np.less(r[k], 0).any():
                    shown = named.get(k, repr(k)) if k not in s else repr(k)
                    raise ValueError(f"{who}.load_state_dict: parameter {i}'s state {shown} "
                                     f"holds negative values (min {np.nanmin(r[k]):.3g}): it "
                                     "only grows from 0, and its square root would be NaN")
        # a buffer the loaded group's settings read, absent from a stepped state (amsgrad,
        # RMSprop's momentum or centered switched on in the run since the state was made, or a
        # state cut short): the next step starts it at zeros, as the run's would (torch's step
        # raises KeyError); said here (not again by that step), not refused: it resumes as run
        owners = [(gi, m) for gi, (m, g) in enumerate(zip(merged, self.param_groups))
                  for _ in g["params"]]
        lacking = [(gi, k, why, i) for i, (r, (gi, m)) in enumerate(zip(state, owners)) if r
                   for k, why in self._required_state(m).items() if k not in r]
        if lacking:  # (said per param group and buffer, as common.new_buffer keys it)
            self.__dict__.setdefault("_late_buffers_said", set()).update(x[:2] for x in lacking)
            _, k, why, i = lacking[0]
            warnings.warn(f"{who}.load_state_dict: parameter {i}'s state lacks {k!r}, which "
                          f"its group's {why} reads ({len(lacking)} such buffer(s)); the next "
                          "step starts it at zeros, as a step after that setting was switched "
                          "on does", RuntimeWarning, stacklevel=2)
        # every check passed: only now is anything written (group dicts updated in place, as
        # a scheduler or the user may hold them)
        for g, m in zip(self.param_groups, merged):
            g.update(m)
        self.state = state

    def _required_state(self, group: dict[str, Any]) -> dict[str, str]:
        """The buffers the loaded `group`'s settings read besides state_keys, each with the
        setting that reads it (Adam's max_exp_avg_sq: amsgrad=True) (subclasses)."""
        return {}

    def _check_state_keys(self, i: int, saved: dict[str, Any], s: dict[str, Any],
                          named: dict[str, str], optional: tuple[str, ...] = ()) -> None:
        """Parameter i's loaded state `s` (`saved` under the file's names) holds every one of
        state_keys (but `optional`) or none, and a buffer of state_arrays wherever it holds
        one; else one line naming the optimizer, the parameter and the key."""
        who = f"{type(self).__name__}.load_state_dict"
        missing = [k for k in self.state_keys if k not in s and k not in optional]
        if s and missing:
            raise ValueError(f"{who}: parameter {i}'s state lacks {missing[0]!r} (it holds "
                             f"{sorted(map(str, saved))}); a stepped state holds "
                             f"{list(self.state_keys)} together, an empty one starts anew")
        for k in sorted(self.state_arrays & s.keys()):
            if not isinstance(s[k], np.ndarray):
                shown = named.get(k, repr(k)) if k not in saved else repr(k)
                raise ValueError(f"{who}: parameter {i}'s state {shown} must be an array "
                                 f"shaped as the parameter, got {type(s[k]).__name__} "
                                 f"{s[k]!r:.40}")

    def _renamed(self, i: int, s: dict[str, Any]) -> dict[str, Any]:
        """A saved parameter state with this library's older key names (SGD's "v", Adam's "m",
        "v", "t", ...) under torch's, which step() reads; both spellings of one key, refused."""
        old = self.state_renames.keys() & s.keys()
        if not old:
            return s
        both = sorted(k for k in old if self.state_renames[k] in s)
        if both:
            raise ValueError(f"{type(self).__name__}.load_state_dict: parameter {i}'s state "
                             f"has {both[0]!r} and {self.state_renames[both[0]]!r}, the old "
                             "and the new name of one buffer; keep one")
        return {self.state_renames.get(k, k): v for k, v in s.items()}

    def _state_number(self, i: int, key: Any, v: Any, shown: str | None = None) -> Any:
        """A loaded state value that is not an array: a step counter a whole number >= 0, any
        other a finite real number (None where the optimizer keeps one), else one line; a
        list or a string failed in the next step() (or, a negative count, gave NaN weights)."""
        who = f"{type(self).__name__}.load_state_dict"
        shown = repr(key) if shown is None else shown  # (an older name: as the file has it)
        if key in self.state_ranges and not (v is None and self.state_none_ok):
            # (a 0-d array too: torch's tensor, as a state converted from torch's holds it)
            lo, open_lo, hi = self.state_ranges[key]
            n = v.item() if isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "iuf" \
                else v
            if not (_finite(n) and (lo < n if open_lo else lo <= n) and n <= hi):
                want = (f"a finite number {'>' if open_lo else '>='} {lo:g}" if hi == math.inf
                        else f"a number in {'(' if open_lo else '['}{lo:g}, {hi:g}]")
                raise ValueError(f"{who}: parameter {i}'s state {shown} must be {want}, got "
                                 f"{type(v).__name__} {v!r:.40}")
            return float(n)
        if key in self.state_counters:
            # a whole number in any spelling: 3, np.int64(3), 3.0 (torch keeps its step as a
            # float), a 0-d array; they loaded before the check and step the same
            n = v.item() if isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "iuf" \
                else v
            whole = isinstance(n, (int, np.integer)) or (
                isinstance(n, (float, np.floating)) and math.isfinite(n) and float(n).is_integer())
            if not (whole and not isinstance(n, (bool, np.bool_)) and n >= 0):
                raise ValueError(f"{who}: parameter {i}'s step count {shown} must be a whole "
                                 f"number >= 0, got {type(v).__name__} {v!r:.40}")
            return int(n)
        if v is None and self.state_none_ok:
            return v
        if not _finite(v):
            raise ValueError(f"{who}: parameter {i}'s state {shown} must be an array or a "
                             f"finite number, got {type(v).__name__} {v!r:.40}")
        return v

    def _loaded_group(self, i: int, group: dict[str, Any], saved: dict[str, Any]) -> dict[str, Any]:
        """Group i with a saved group's hyperparameters, checked as add_param_group checks a
        new group (a key this optimizer does not use, a momentum of 1.5 are refused)."""
        who = f"{type(self).__name__}.load_state_dict"
        unknown = sorted(set(saved) - self.defaults.keys() - INTERNAL_KEYS)
        if unknown:
            raise ValueError(f"{who}: parameter group {i} has unknown option(s) {unknown}; "
                             f"known: {sorted(self.defaults)}")
        m = {**group, **{k: v for k, v in self.saved_defaults.items() if k in group},
             **{k: _plain(v) for k, v in saved.items() if k != "params"}}
        try:
            check_lr(m["lr"], type(self).__name__)
            for k in _RATE_KEYS:  # (a scheduler's or fit's base rate: read as a rate too)
                if k in m:
                    check_lr(m[k], type(self).__name__)
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


def check_lr(lr: float, who: str) -> None:
    """Raise one line unless `lr` is a finite number >= 0 (every optimizer and scheduler)."""
    # (NumPy's integers too, as torch takes them: np.int64(1) written into a group by a
    # schedule built on np.arange stepped before the group's lr was checked at each step)
    if not (isinstance(lr, (int, float, np.floating, np.integer, np.bool_))
            and math.isfinite(lr) and lr >= 0):
        # (torch's Tensor lr: a number here, set by the schedulers)
        if hasattr(lr, "shape") and not isinstance(lr, np.generic):
            raise ValueError(f"{who}: learning rate must be a number, got a "
                             f"{type(lr).__name__} of shape {tuple(lr.shape)} (PyTorch's tensor "
                             "lr, for its capturable and fused steps, is not supported: an "
                             "in-place edit of it would not reach the steps); pass float(lr)")
        raise ValueError(f"{who}: learning rate must be a finite number >= 0, got {lr!r}")


def _plain(v: Any) -> Any:
    """A NumPy scalar hyperparameter (np.float32(0.01) as a group's lr, beta1 or weight
    decay) as Python's number, as a tuple of them: kept as np.float32, the step's scalar
    arithmetic (bias corrections, lr / (1 - beta1 ** t)) ran in float32 under NumPy 2's
    promotion, a relative 1e-6 off on float64 parameters, without a word."""
    if isinstance(v, np.generic):
        return v.item() if isinstance(v, (np.floating, np.integer, np.bool_)) else v
    if isinstance(v, tuple) and any(isinstance(x, np.generic) for x in v):
        return tuple(_plain(x) for x in v)
    return v


def _finite(v: Any) -> bool:
    """A finite real number, Python's or NumPy's (not a bool)."""
    return (isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, (bool, np.bool_)) and math.isfinite(v))

