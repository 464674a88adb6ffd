"""PyTorch's `torch.optim.swa_utils`: stochastic weight averaging (SWA) and exponential moving
averages (EMA) of a model's weights.

- `AveragedModel(model)`: a Module holding a deep copy of `model` whose parameters (and, with
  `use_buffers=True`, buffers) are the running average of `model`'s, one `update_parameters`
  call at a time; calling it runs the copy.
- `get_swa_avg_fn`, `get_ema_avg_fn`, `get_swa_multi_avg_fn`, `get_ema_multi_avg_fn`: the
  averaging rules it takes (`avg_fn` per tensor, `multi_avg_fn` on lists, in place).
- `SWALR(optimizer, swa_lr)`: anneals every group's rate to `swa_lr` over `anneal_epochs` steps.
- `update_bn(loader, model)`: one pass over the data to recompute BatchNorm's running
  statistics for the averaged weights.

A typical run:

    swa_model = AveragedModel(model)
    swa_sched = SWALR(opt, swa_lr=0.05)
    for epoch in range(epochs):
        train_one_epoch(model, opt)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_sched.step()
    update_bn(loader, swa_model)

This module sits in optim (PyTorch's path) but builds on nn (AveragedModel is a Module,
update_bn finds the BatchNorm layers): it is the one optim module above nn, listed in
pyproject.toml's `ignore_imports`; optim/__init__ does not import it (nn imports optim), the
package's __init__ does, after both."""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .. import engine, write_guard
from ..device import check_device
from ..functional.constructors import from_numpy
from ..functional.methods import bool_arg, tensor_number
from ..grad_mode import no_grad
from ..nn import (  # (the package: the one import above optim's layer)
    BatchNorm1d,
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    Module,
)
from ..tensor import Tensor
from .lr_base import LRScheduler, integer_arg, no_resume, per_group, rate_arg, real_arg
from .optimizer import Optimizer

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn",
           "get_swa_avg_fn", "get_swa_multi_avg_fn", "update_bn"]

AvgFn = Callable[[Tensor, Tensor, Any], Any]
MultiAvgFn = Callable[[list[Tensor], list[Tensor], Any], None]


def _decay_arg(decay: Any, who: str) -> float:
    d = real_arg(decay, who, "decay")
    if not 0.0 <= d <= 1.0:
        raise ValueError(f"{who}: Invalid decay value {decay} provided. Please provide a value "
                         "in [0,1] range.")
    return d


def _assign(t: Tensor, values: Any, who: str) -> None:
    """Write `values` into t's array in place, cast to its dtype as torch's copy_ does (an
    integer buffer takes the average truncated, as torch's)."""
    a = write_guard.writable(t, who)  # (a live graph's array: copied, and its backward says so)
    np.copyto(a, values.data if isinstance(values, Tensor) else values, casting="unsafe")


def _integer(t: Tensor) -> bool:
    return t.dtype.kind not in "fc"


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """An in-place EMA for `AveragedModel(multi_avg_fn=...)`: each averaged tensor becomes
    decay * itself + (1 - decay) * the model's (torch's lerp; integer tensors truncated)."""
    d = _decay_arg(decay, "get_ema_multi_avg_fn")

    def ema_update(ema_param_list: Sequence[Tensor], current_param_list: Sequence[Tensor],
                   _: Any = None) -> None:
        with no_grad():
            for p, c in zip(ema_param_list, current_param_list, strict=True):
                new = p * d + c * (1 - d) if _integer(p) else p.lerp(c, 1 - d)
                _assign(p, new, "get_ema_multi_avg_fn")

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """An in-place equal-weight average for `AveragedModel(multi_avg_fn=...)`: with n models
    averaged so far, each averaged tensor moves 1 / (n + 1) of the way to the model's."""

    def swa_update(averaged_param_list: Sequence[Tensor], current_param_list: Sequence[Tensor],
                   num_averaged: Any) -> None:
        n = int(num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged)
        with no_grad():
            for p, c in zip(averaged_param_list, current_param_list, strict=True):
                # (an integer buffer: the true average, truncated, as the default rule does;
                # torch's foreach addcdiv refuses it)
                new = p + (c - p) / (n + 1) if _integer(p) else p.lerp(c, 1 / (n + 1))
                _assign(p, new, "get_swa_multi_avg_fn")

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """An EMA rule for `AveragedModel(avg_fn=...)`: returns decay * averaged + (1 - decay) *
    current."""
    d = _decay_arg(decay, "get_ema_avg_fn")

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Any:
        with no_grad():
            return d * ema_param + (1 - d) * current_param

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """The equal-weight rule (AveragedModel's default): returns averaged + (current -
    averaged) / (num_averaged + 1)."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Any:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """PyTorch's AveragedModel: a deep copy of `model` (its `module`) whose weights are the
    running average of `model`'s, updated by `update_parameters(model)`; calling it calls the
    copy. The first update copies the model's weights; later ones apply `avg_fn(averaged,
    current, n_averaged)` (its result written back) or `multi_avg_fn(averaged_list,
    current_list, n_averaged)` (in place); neither given: the equal-weight average (SWA).
    `use_buffers=True` averages the buffers too (BatchNorm's running statistics); otherwise
    they are copied from the model at every update. `n_averaged`, the number of updates, is a
    buffer saved in `state_dict()` (the functions are not). `device`: the CPU only.

    Tied parameters stay tied in the copy (deepcopy); the copy shares no array with `model`.
    The model passed to `update_parameters` must have the copy's structure (the same number
    of parameters and buffers, of the same shapes), else one line says which differs.
    """

    def __init__(self, model: Module, device: Any = None, avg_fn: AvgFn | None = None,
                 multi_avg_fn: MultiAvgFn | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        who = "AveragedModel"
        if not isinstance(model, Module):
            raise TypeError(f"{who}: model must be an nn.Module, got {type(model).__name__}")
        check_device(device, who)
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError(f"{who}: Only one of avg_fn and multi_avg_fn should be provided")
        for name, fn in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{who}: {name} must be a function, got {type(fn).__name__}")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", np.zeros((), dtype=np.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = bool_arg(who, "use_buffers", use_buffers)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def load_state_dict(self, state: Any, strict: bool = True, assign: bool = False) -> Any:
        """Module's load, its `n_averaged` checked first: a count, >= 0 (torch loads -1, and
        the next update divides by n + 1 = 0: NaN weights; -5 extrapolated)."""
        n = state.get("n_averaged") if isinstance(state, Mapping) else None
        if n is not None:
            _check_count(f"{type(self).__name__}.load_state_dict", np.asarray(
                n.data if isinstance(n, Tensor) else n))
        return super().load_state_dict(state, strict, assign)

    def update_parameters(self, model: Module) -> None:
        """Average `model`'s current weights into this copy (the first call copies them)."""
        who = "AveragedModel.update_parameters"
        engine.notify_write(f"{who}()")  # (inside a jitted step: refused, as optimizer steps)
        if not isinstance(model, Module):
            raise TypeError(f"{who}: model must be an nn.Module, got {type(model).__name__}")
        ub = self.use_buffers
        mine_p = list(self.module.named_parameters() if ub else self.named_parameters())
        mine = mine_p + (list(self.module.named_buffers()) if ub else [])
        theirs = list(model.named_parameters()) + (list(model.named_buffers()) if ub else [])
        what = "parameters and buffers" if ub else "parameters"
        _check_same_structure(who, what, mine, theirs)
        if not ub:  # (copied, not averaged: checked before anything is written too)
            mine_b, theirs_b = list(self.module.named_buffers()), list(model.named_buffers())
            _check_same_structure(who, "buffers", mine_b, theirs_b)
        n = int(_check_count(who, self.n_averaged))
        with no_grad():
            avg = [_averaged_view(self.module, v, who, i >= len(mine_p))
                   for i, (_, v) in enumerate(mine)]
            cur = [_view(v) for _, v in theirs]
            if n == 0:
                for a, c in zip(avg, cur):
                    _assign(a, c, who)
            elif self.multi_avg_fn is not None:
                for a_list, c_list in _by_dtype(avg, cur):  # (torch's grouping)
                    self.multi_avg_fn(a_list, c_list, Tensor(np.asarray(n, dtype=np.int64)))
            else:  # (no rule given: torch's CPU path, the per-tensor equal-weight rule)
                rule = self.avg_fn or get_swa_avg_fn()
                count = Tensor(np.asarray(n, dtype=np.int64))
                for a, c in zip(avg, cur):
                    _assign(a, _returned(rule(a, c, count), who), who)
            if not ub:
                for (_, b), (_, src) in zip(mine_b, theirs_b):
                    _assign(_averaged_view(self.module, b, who, True), _view(src), who)
        count = self.n_averaged
        if count.flags.writeable:
            count += 1
        else:  # (read-only: a new array, as BatchNorm's reset does)
            self.n_averaged = np.asarray(n + 1, dtype=np.int64)


def _check_count(who: str, n: np.ndarray) -> np.ndarray:
    """n_averaged, refused in one line where it is a negative integer (a state dict's or one
    set by hand); other dtypes and shapes are the loader's to refuse."""
    if n.size == 1 and n.dtype.kind in "iuf" and n.reshape(()) < 0:  # (-1.0 loads as -1)
        raise ValueError(f"{who}: n_averaged must be a count of updates, >= 0, got "
                         f"{n.reshape(())} (the next average would divide by n + 1 = "
                         f"{n.reshape(()) + 1})")
    return n


def _check_same_structure(who: str, what: str, mine: list[tuple[str, Any]],
                          theirs: list[tuple[str, Any]]) -> None:
    """One line where `model` is not shaped as the averaged copy (torch zips the lists
    silently: a shorter model left the rest unaveraged, a (1,) weight broadcast into (3,))."""
    if len(mine) != len(theirs):
        raise ValueError(f"{who}: the model has {len(theirs)} {what}, the averaged copy "
                         f"{len(mine)}: pass a model of the structure AveragedModel was built "
                         "from")
    for (name, a), (their_name, b) in zip(mine, theirs):
        if tuple(a.shape) != tuple(b.shape):
            raise ValueError(f"{who}: the model's {their_name!r} has shape {tuple(b.shape)}, "
                             f"the averaged copy's {name!r} {tuple(a.shape)}: pass a model of "
                             "the structure AveragedModel was built from")


def _returned(value: Any, who: str) -> Any:
    """avg_fn's result, the new average: a Tensor, an array or a number; else one line (None,
    from an in-place rule given as avg_fn or a multi_avg_fn given there, was written as NaN
    into every weight, where torch's copy_ raises)."""
    if isinstance(value, (Tensor, np.ndarray)) and value.dtype.kind in "biufc" or (
            isinstance(value, (int, float, np.number)) and not isinstance(value, bool)):
        return value
    raise TypeError(f"{who}: avg_fn returned {type(value).__name__}, not the new average (a "
                    "Tensor): avg_fn(averaged, current, n_averaged) returns it; a rule that "
                    "updates the averaged tensors in place goes in multi_avg_fn")


def _view(v: Any) -> Tensor:
    """A constant Tensor on a parameter's or buffer's array (read by the averaging rules)."""
    return v.detach() if isinstance(v, Tensor) else from_numpy(v)


def _averaged_view(root: Module, v: Any, who: str, buffer: bool) -> Tensor:
    """A Tensor on the array the average is written into: a parameter's own array (copied
    first where a live graph holds it, as an optimizer step does) or a buffer's (a read-only
    one replaced by a writable copy in every module that holds it: a buffer two modules
    share stays shared, where the second kept the old values and the next update refused
    the copy's structure)."""
    if not buffer:
        write_guard.writable(v, who)
        return v.detach()
    if not v.flags.writeable:
        new = np.array(v)
        for m in root.modules():
            for leaf, b in m.named_buffers(recurse=False, remove_duplicate=False):
                if b is v:
                    setattr(m, leaf, new)
        v = new
    return from_numpy(v)


def _by_dtype(avg: list[Tensor], cur: list[Tensor]) -> list[tuple[list[Tensor], list[Tensor]]]:
    """The pairs grouped by the averaged tensor's dtype, in first-seen order (torch's groups
    by device and dtype: a multi_avg_fn sees one dtype per call)."""
    groups: dict[Any, tuple[list[Tensor], list[Tensor]]] = {}
    for a, c in zip(avg, cur):
        g = groups.setdefault(a.dtype, ([], []))
        g[0].append(a)
        g[1].append(c)
    return list(groups.values())


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """PyTorch's update_bn: one pass over `loader` (without gradients) to recompute every
    BatchNorm layer's running mean and variance for `model`'s current weights, as the plain
    average over the batches (momentum None for the pass; each layer's own is put back, and
    the model's train/eval mode). A batch that is a list or tuple passes its first entry.
    (The running variance is the course's biased one, as BatchNorm's; see BatchNorm1d.)"""
    who = "update_bn"
    check_device(device, who)
    if not isinstance(model, Module):
        raise TypeError(f"{who}: model must be an nn.Module, got {type(model).__name__}")
    lazy = next((name for name, m in model.named_modules()
                 if isinstance(m, (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d))), None)
    if lazy is not None:  # (not a BatchNorm1d yet: left out, its statistics were the first
        # batch's moved by its own momentum, or the pass did not run at all; torch raises)
        raise ValueError(f"{who}: {f'the layer {lazy!r}' if lazy else 'the model'} is a "
                         f"{type(model.get_submodule(lazy)).__name__} not yet built (its "
                         "channels come from its first call): run one forward pass first")
    layers = [m for m in model.modules() if isinstance(m, BatchNorm1d)]
    if not layers:
        return
    alphas = [m.alpha for m in layers]  # (alpha itself: momentum's float round trip may not be)
    was_training = model.training
    for m in layers:
        m.reset_running_stats()
    seen = 0
    try:
        model.train()
        for m in layers:
            m.alpha = None  # (momentum=None: the k-th batch weighs 1/k)
        with no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                model(batch)
                seen += 1
    finally:  # (torch leaves momentum None where a batch raised)
        for m, a in zip(layers, alphas):
            m.alpha = a
        model.train(was_training)
    if seen == 0:
        warnings.warn(f"{who}: the loader gave no batch: the BatchNorm running statistics are "
                      "reset (mean 0, variance 1), not recomputed", RuntimeWarning, stacklevel=2)


class SWALR(LRScheduler):
    """PyTorch's SWALR: anneals every group's rate from its current value to `swa_lr` (one
    number, or one per group, kept in the groups as "swa_lr"; a one-element Tensor is read as
    its number, where torch's rates become Tensors) over `anneal_epochs` steps (an int: a bool
    is refused, where torch's True anneals in 1 step),
    by cosine (`anneal_strategy="cos"`) or linearly ("linear"), then keeps it there. Its
    rates are torch's step for step (from the group's current rate, so it takes over from
    another scheduler); `state_dict()` holds `anneal_epochs`, `_anneal_strategy` and torch's
    `_step_count`."""

    _per_group_lists = True  # (a group added since has no swa_lr: its step is refused)
    _steps_dependent = True  # (step(epoch) refused: lr_base's _steps_dependent)

    def __init__(self, optimizer: Optimizer, swa_lr: float | Sequence[float],
                 anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        who = "SWALR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{who}: expected an optimizer, got {type(optimizer).__name__}")
        no_resume(who, last_epoch)
        groups = optimizer.param_groups
        swa_lrs = [rate_arg(tensor_number(who, "swa_lr", v), who, "swa_lr")  # (a 0-d
                   for v in per_group(swa_lr, len(groups), who, "swa_lr values")]  # Tensor too)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{who}: anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy!r}")
        self.anneal_epochs = integer_arg(
            anneal_epochs, who, "anneal_epochs", 0,
            f"anneal_epochs must be equal or greater than 0 (an int: a bool is no count of "
            f"steps), got {anneal_epochs!r}")
        self._anneal_strategy = anneal_strategy
        for v, g in zip(swa_lrs, groups):
            g["swa_lr"] = v
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """The base class's, with torch's `_step_count` (last_epoch + 1): torch's SWALR counts
        its steps by that one, so without it a torch SWALR took the state as its own first
        step and annealed again from the rate it was at (dropped on load here)."""
        return {**super().state_dict(), "_step_count": self.last_epoch + 1}

    def anneal_func(self, t: float) -> float:
        """The annealing fraction at t in [0, 1]: t ("linear") or (1 - cos(pi t)) / 2."""
        return t if self._anneal_strategy == "linear" else (1 - math.cos(math.pi * t)) / 2

    def get_lr(self) -> list[float]:
        # torch's: the rate the last step would have started from, recovered from the group's
        # current one, then moved to this step's fraction of the way to swa_lr
        step = self.last_epoch if self.anneal_epochs else max(1, self.last_epoch)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        out = []
        for g in self.optimizer.param_groups:
            lr, swa_lr = float(g["lr"]), g["swa_lr"]
            start = swa_lr if prev_alpha == 1 else (lr - prev_alpha * swa_lr) / (1 - prev_alpha)
            out.append(swa_lr * alpha + start * (1 - alpha))
        return out

    def _check_state(self, state: Any) -> None:
        super()._check_state(state)
        if state.get("_anneal_strategy", "cos") not in ("cos", "linear"):
            raise ValueError(f"SWALR.load_state_dict: the state's _anneal_strategy must be "
                             f"'cos' or 'linear', got {state['_anneal_strategy']!r}")
