"""PyTorch's `torch.nn.utils.prune`: zero out weights by a rule, and keep them zero in training.

`prune.l1_unstructured(lin, "weight", amount=0.3)` replaces the parameter `weight` by two
entries, torch's: the parameter `weight_orig` (the values, still trained) and the buffer
`weight_mask` (1 keeps, 0 prunes; the parameter's dtype), and registers the pruning method as
a forward pre-hook that sets `lin.weight = weight_orig * weight_mask` before each forward (on
the graph: a loss sends `weight_orig` gradients through the kept entries only, 0 elsewhere).
State-dict keys are torch's ("weight_orig", "weight_mask"), so torch's pruned state dicts load
into ours and back. The course's names work too (`"W"` for a Linear's `"weight"`: the entries
keep torch's names, the tensor forward reads is the course's W).

Pruning a tensor again combines the masks in a `PruningContainer`: the new method only sees
the entries (unstructured) or channels (structured) still kept. `amount` is a count (an int,
at most the candidates' number) or a fraction in [0, 1] of the candidates (rounded with
Python's `round`, as torch's). `remove(module, name)` makes the pruning permanent: `name` is a
plain parameter again (the same Tensor as `name_orig`, holding the masked values).

Masks are computed on NumPy arrays (`compute_mask(t, default_mask)` takes and returns
arrays; a subclass of `BasePruningMethod` may return a Tensor). Ties: the magnitude methods
(L1Unstructured, LnStructured) rank entries (channels) by magnitude (norm), an earlier one
(lower flat index) counting as smaller at equal values, and prune the smallest; torch's topk
leaves the choice at ties unspecified. The random methods draw from tinygrad_dl's default
generator (`manual_seed`): the same law as torch's (exactly the count asked, every set of
that size equally likely), not torch's numbers. A pruned module's forward pre-hook makes a
`jit` step run eagerly (jit's warning), as any module hook does. The computed tensor is
read-only: a write into it, which the next forward would undo (torch's, silently), is refused.
"""

from __future__ import annotations

import functools
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ... import engine, write_guard
from ...random import as_rng
from ...tensor import Tensor
from ..module import Module
from ..module_hooks import drop_hook
from .parametrize import is_parametrized, mark_computed, tensor_names

__all__ = ["BasePruningMethod", "CustomFromMask", "Identity", "L1Unstructured", "LnStructured",
           "PruningContainer", "RandomStructured", "RandomUnstructured", "custom_from_mask",
           "global_unstructured", "identity", "is_pruned", "l1_unstructured", "ln_structured",
           "random_structured", "random_unstructured", "remove"]


def _array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _register(module: Module, name: str, param: Tensor) -> None:
    """register_parameter, a frozen one too (requires_grad_(False): a parameter still, listed
    and saved, as torch's, where register_parameter takes only one that requires grad)."""
    frozen = not param.requires_grad
    if frozen:
        param.requires_grad_(True)
    try:
        module.register_parameter(name, param)
    finally:
        if frozen:
            param.requires_grad_(False)


def _set_computed(module: Module, torch_name: str, t: Tensor) -> None:
    """module.<name> = t (`name_orig * name_mask`), read-only: a write would be lost."""
    ours = tensor_names(module, torch_name)[0]
    a, o = t.data, getattr(module, torch_name + "_orig").data
    # (not orig's memory: a subclass's apply_mask may give orig itself, or a view of it)
    if a is not o and (a.base is None or not np.may_share_memory(a, o)):
        mark_computed(a, _why(type(module).__name__, ours, torch_name))
    setattr(module, ours, t)


@functools.lru_cache(maxsize=256)
def _why(owner: str, ours: str, name: str) -> str:
    return (f"prune: {owner}.{ours} is computed before each forward as {name}_orig * "
            f"{name}_mask, so a write into it (nn.init, an in-place op, reset_parameters) "
            f"would be lost at the next forward: write into module.{name}_orig under "
            "no_grad(), or prune.remove() first")


def _parameter(module: Module, ours: str, name: str) -> Tensor:
    """module's parameter `ours` (torch's `name`), to prune: else one line saying why not."""
    param = module._parameters.get(ours)
    if param is None and module.__dict__.get(ours) is not None:
        raise TypeError(f"prune: {name!r} of {type(module).__name__} is not a parameter (a "
                        "buffer or a plain attribute): only parameters are pruned")
    if param is None and is_parametrized(module, name):  # (torch's: a TypeError too)
        raise TypeError(f"prune: {name!r} of {type(module).__name__} is parametrized "
                        "(computed at each read): prune what it is computed from, "
                        f"module.parametrizations.{name}, 'original' (or 'original0', ...)")
    if param is None:
        raise AttributeError(f"prune: {type(module).__name__} has no parameter {name!r} to "
                             "prune")
    taken = [n for n in (name + "_orig", name + "_mask") if hasattr(module, n)]
    if taken:
        raise KeyError(f"prune: {type(module).__name__} already has an attribute "
                       f"{taken[0]!r}, where pruning keeps its {name!r}")
    return param


def _pruned(module: Module, name: str) -> list[tuple[int, Any]]:
    """(handle id, method) of the pruning hooks of module's tensor `name` (torch's name)."""
    return [(k, h) for k, h in _pre_hooks(module)
            if isinstance(h, BasePruningMethod) and h._tensor_name == name]


def _pre_hooks(module: Module) -> list[tuple[int, Any]]:
    """(handle id, hook) of the module's forward pre-hooks (torch's _forward_pre_hooks)."""
    table = module.__dict__.get("_hooks")
    return [] if table is None else [(k, e[0]) for k, e in table.forward_pre.items()]


class BasePruningMethod(ABC):
    """torch's base class of a pruning method: a subclass sets PRUNING_TYPE ("unstructured",
    "structured" with a `dim` attribute, or "global") and defines `compute_mask`. An instance
    registered by `apply` is the module's forward pre-hook for one tensor (`_tensor_name`,
    torch's name of it)."""

    PRUNING_TYPE: str = "unstructured"
    _tensor_name: str | None = None

    def __call__(self, module: Module, inputs: Any) -> None:
        """The forward pre-hook: `name` = `name_orig * name_mask`, afresh before forward."""
        _set_computed(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        """The new mask (an array of default_mask's shape) for the importance scores `t`,
        given the mask so far, `default_mask`."""

    def apply_mask(self, module: Module) -> Tensor:
        """`name_orig * name_mask` of `module` (on the graph: gradients reach name_orig)."""
        if self._tensor_name is None:
            raise AssertionError(f"prune: {type(module).__name__} has to be pruned (this method "
                                 "was never applied)")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        # (a copy: the graph's lock on what it read stays off the buffer, which
        # load_state_dict and a later pruning write)
        return orig * np.array(mask, dtype=orig.data.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, *args: Any, importance_scores: Any = None,
              **kwargs: Any) -> BasePruningMethod:
        """Prune `module.name` with `cls(*args, **kwargs)` (combined with an earlier pruning
        of it in a PruningContainer) and return the method now registered as its hook. The
        mask is computed from `importance_scores` (name's shape) if given, else from the
        tensor's values. Checked before any change: a refused call leaves the module as it
        was (torch's dropped the earlier pruning's hook)."""
        if not isinstance(module, Module) or not isinstance(name, str):
            raise TypeError(f"prune: expected an nn.Module and a parameter's name, got "
                            f"{type(module).__name__} and {type(name).__name__}")
        ours, name = tensor_names(module, name)
        old = _pruned(module, name)
        if len(old) > 1:
            raise AssertionError(f"prune: avoid adding multiple pruning hooks to the same tensor "
                                 f"{name} of module {type(module).__name__}; use a "
                                 "PruningContainer")
        method = cls(*args, **kwargs)
        method._tensor_name = name
        if old:
            prev = old[0][1]
            combined = prev if isinstance(prev, PruningContainer) else PruningContainer(prev)
            method = PruningContainer(*combined, method)
            default_mask = np.array(getattr(module, name + "_mask"), copy=True)
        else:
            param = _parameter(module, ours, name)
            default_mask = np.ones(param.data.shape, dtype=param.data.dtype)
        orig = getattr(module, ours)
        if importance_scores is not None:
            scores = _array(importance_scores)
            if scores.shape != tuple(orig.shape):
                raise AssertionError(f"prune: importance_scores should have the same shape as "
                                     f"parameter {name} of {type(module).__name__}, got "
                                     f"{scores.shape} vs {tuple(orig.shape)}")
        else:
            scores = _array(orig)
        mask = np.asarray(_array(method.compute_mask(scores, default_mask)),
                          dtype=default_mask.dtype)
        if mask.shape != default_mask.shape:
            raise ValueError(f"prune: {type(method).__name__}.compute_mask gave a mask of shape "
                             f"{mask.shape} for a tensor of shape {default_mask.shape}")
        if old:  # (the old hook out, the container in: torch's order of the hooks)
            drop_hook(module, "forward_pre", old[0][0])
            module.__setattr__(name + "_mask", mask)
        else:
            del module._parameters[ours]  # (not delattr: the attribute is set just below)
            _register(module, name + "_orig", orig)
            module.register_buffer(name + "_mask", mask)
        _set_computed(module, name, method.apply_mask(module))
        module.register_forward_pre_hook(method)
        return method

    def prune(self, t: Any, default_mask: Any = None, importance_scores: Any = None) -> Any:
        """`t` times the mask computed from importance_scores (else t) and default_mask (else
        ones); a Tensor t gives a Tensor on the graph."""
        scores = _array(t if importance_scores is None else importance_scores)
        if scores.shape != tuple(np.shape(_array(t))):
            raise AssertionError(f"prune: importance_scores should have the same shape as tensor "
                                 f"t, got {scores.shape} vs {tuple(np.shape(_array(t)))}")
        # (torch's ones_like(t): a float32 or integer t keeps its dtype)
        start = (np.ones(scores.shape, np.asarray(_array(t)).dtype) if default_mask is None
                 else _array(default_mask))
        return t * _array(self.compute_mask(scores, start))

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: `name` a plain parameter again, the Tensor that was
        `name_orig` (optimizers keep it) now holding `name_orig * name_mask`; the
        `_orig` and `_mask` entries are gone. (The module-level `remove` also drops the hook.)"""
        if self._tensor_name is None:
            raise AssertionError(f"prune: {type(module).__name__} has to be pruned before "
                                 "pruning can be removed")
        name = self._tensor_name
        ours = tensor_names(module, name)[0]
        weight = _array(self.apply_mask(module))
        orig = module._parameters[name + "_orig"]
        engine.notify_write("prune.remove()")
        write_guard.writable(orig, "prune.remove()", replacing=True)
        orig.data = np.array(weight, copy=True)  # (torch's orig.data = weight.data)
        if ours in module.__dict__:
            delattr(module, ours)
        delattr(module, name + "_orig")
        delattr(module, name + "_mask")
        _register(module, ours, orig)


class PruningContainer(BasePruningMethod):
    """torch's: the pruning methods applied to one tensor, in order; its mask is the last
    method's, computed on the entries (or channels) the earlier ones kept."""

    def __init__(self, *args: Any) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if args and isinstance(args[0], BasePruningMethod):
            self._tensor_name = args[0]._tensor_name
        for method in args:
            self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        """Append `method` (it must act on this container's tensor)."""
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named "
                             f"'{self._tensor_name}' to PruningContainer. Found "
                             f"'{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Any:
        return iter(self._pruning_methods)

    def __getitem__(self, idx: Any) -> Any:
        return self._pruning_methods[idx]

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        """The last method's mask, computed on what `default_mask` still keeps: the kept
        entries (unstructured), the channels along its dim with a kept entry (structured), or
        everything (global)."""
        method = self._pruning_methods[-1]
        t, mask = _array(t), _array(default_mask)
        new_mask = mask.astype(t.dtype if t.dtype.kind == "f" else mask.dtype, copy=True)
        kind = method.PRUNING_TYPE
        if kind == "unstructured":
            slc: Any = mask == 1
        elif kind == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to '
                                     "have the attribute `dim` defined.")
            dim = method.dim + t.ndim if method.dim < 0 else method.dim
            if not 0 <= dim < t.ndim:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {t.ndim}")
            keep = mask.sum(axis=tuple(d for d in range(t.ndim) if d != dim)) != 0
            slc = tuple(keep if d == dim else slice(None) for d in range(t.ndim))
        elif kind == "global":
            slc = (slice(None),) * t.ndim
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {kind}")
        new_mask[slc] = _array(method.compute_mask(t[slc], mask[slc]))
        return new_mask


class Identity(BasePruningMethod):
    """torch's: prunes nothing (the mask stays all ones)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """torch's: prune `amount` entries (a count, or a fraction of them) chosen at random."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _validate_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        return _unstructured_mask(t, self.amount, default_mask, lambda a, k: as_rng(
            None, "RandomUnstructured").choice(a.size, k, False))

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float  # type: ignore[override]
              ) -> BasePruningMethod:
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """torch's: prune the `amount` entries of smallest absolute value (at ties, the earlier
    ones)."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _validate_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        return _unstructured_mask(t, self.amount, default_mask,
                                  lambda a, k: _smallest(np.abs(a).reshape(-1), k))

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float,  # type: ignore[override]
              importance_scores: Any = None) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """torch's: prune `amount` channels along `dim` (whole slices t[..., i, ...]), chosen at
    random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, dim: int = -1) -> None:
        _validate_amount_init(amount)
        self.amount, self.dim = amount, dim

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        t = _array(t)
        n = _channels(t, self.dim)
        k = _count(self.amount, n)
        if not k:
            return default_mask
        gone = as_rng(None, "RandomStructured").choice(n, k, replace=False)
        return _channel_mask(t, self.dim, gone) * default_mask

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float,  # type: ignore[override]
              dim: int = -1) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """torch's: prune the `amount` channels along `dim` of smallest L`n` norm (n: a number,
    inf, -inf, 'fro' or 'nuc', as torch.norm's p; at ties, the earlier channels)."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, n: Any, dim: int = -1) -> None:
        _validate_amount_init(amount)
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        t = _array(t)
        size = _channels(t, self.dim)
        k = _count(self.amount, size)
        norms = _norm(t, self.n, self.dim)
        if not k:
            return default_mask
        return _channel_mask(t, self.dim, _smallest(norms, k)) * default_mask

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float, n: Any,  # type: ignore[override]
              dim: int, importance_scores: Any = None) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """torch's: the mask given (times the mask so far)."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Any) -> None:
        self.mask = mask

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        given = _array(self.mask)
        if default_mask.shape != given.shape:
            raise AssertionError(f"default_mask shape {default_mask.shape} must match "
                                 f"self.mask shape {given.shape}")
        return default_mask * given.astype(default_mask.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, mask: Any) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name, mask=mask)


def identity(module: Module, name: str) -> Module:
    """torch's: register pruning of `module.name` with an all-ones mask."""
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: int | float) -> Module:
    """torch's: prune `amount` random entries of `module.name`."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: int | float,
                    importance_scores: Any = None) -> Module:
    """torch's: prune the `amount` entries of `module.name` of smallest |value| (or
    importance score)."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: int | float, dim: int) -> Module:
    """torch's: prune `amount` random channels of `module.name` along `dim`."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module: Module, name: str, amount: int | float, n: Any, dim: int,
                  importance_scores: Any = None) -> Module:
    """torch's: prune the `amount` channels of `module.name` along `dim` of smallest L`n`
    norm."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters: Iterable[tuple[Module, str]], pruning_method: type,
                        importance_scores: dict[Any, Any] | None = None, **kwargs: Any) -> None:
    """torch's: prune the (module, name) tensors together, as one vector: `pruning_method`
    (an unstructured class, e.g. L1Unstructured, built with **kwargs) picks among all their
    still-kept entries; each gets its part as a custom_from_mask pruning."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)  # (read three times: a generator would run out)
    scores = {} if importance_scores is None else importance_scores
    if not isinstance(scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    values, masks = [], []
    for module, name in parameters:  # (all checked first: torch's pruned those before a refusal)
        ours, theirs = tensor_names(module, name)
        if not _pruned(module, theirs):
            _parameter(module, ours, theirs)
    for module, name in parameters:
        t = _array(getattr(module, name))
        score = _array(scores.get((module, name), t))
        if score.shape != t.shape:  # (torch's read any of the same size, a transposed one in
            # the wrong order, and refused another size in an IndexError naming no tensor)
            raise AssertionError(f"global_unstructured(): importance_scores[("
                                 f"{type(module).__name__}, {name!r})] should have the shape "
                                 f"of the tensor, got {score.shape} vs {t.shape}")
        values.append(score.reshape(-1))
        mask = getattr(module, tensor_names(module, name)[1] + "_mask", None)
        masks.append((np.ones(t.shape, t.dtype) if mask is None else np.asarray(mask))
                     .reshape(-1))
    if not values:
        raise ValueError("global_unstructured(): no parameters")
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
                        f"Found method {pruning_method} of type {method.PRUNING_TYPE}")
    method._tensor_name = "temp"
    container = PruningContainer(method)
    final = container.compute_mask(np.concatenate(values), np.concatenate(masks))
    start = 0
    for module, name in parameters:
        shape = _array(getattr(module, name)).shape
        size = int(np.prod(shape))
        custom_from_mask(module, name, mask=final[start:start + size].reshape(shape))
        start += size


def custom_from_mask(module: Module, name: str, mask: Any) -> Module:
    """torch's: prune `module.name` where `mask` is 0."""
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: Module, name: str) -> Module:
    """torch's: make the pruning of `module.name` permanent (see BasePruningMethod.remove) and
    drop its hook; ValueError if it is not pruned."""
    torch_name = tensor_names(module, name)[1]
    for k, hook in _pre_hooks(module):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == torch_name:
            hook.remove(module)
            drop_hook(module, "forward_pre", k)
            return module
    raise ValueError(f"Parameter '{name}' of module {type(module).__name__} has to be pruned "
                     "before pruning can be removed")


def is_pruned(module: Module) -> bool:
    """torch's: whether `module` or a module under it has a pruning hook."""
    return any(isinstance(h, BasePruningMethod)
               for _, m in module.named_modules() for _, h in _pre_hooks(m))


# ---- the arguments' checks (torch's errors) ----------------------------------------------------
def _validate_amount_init(amount: Any) -> None:
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if isinstance(amount, bool):  # (True counted 1 entry, where 1.0 is all of them; torch's
        # unstructured methods fail on it in topk, its structured ones prune 1 channel)
        raise TypeError(f"Invalid type for amount: {amount} (a bool). Must be int or float.")
    if ((isinstance(amount, numbers.Integral) and amount < 0)
            or (not isinstance(amount, numbers.Integral)
                and not 0.0 <= float(amount) <= 1.0)):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a "
                         "non-negative integer")


def _count(amount: int | float, size: int) -> int:
    """How many of `size` candidates to prune (a fraction rounded by Python's round, torch's);
    a count above size is torch's ValueError."""
    k = int(amount) if isinstance(amount, numbers.Integral) else round(amount * size)
    if k > size:
        raise ValueError(f"amount={k} should be smaller than the number of parameters to "
                         f"prune={size}")
    return k


def _unstructured_mask(t: Any, amount: int | float, default_mask: np.ndarray,
                       pick: Callable[[np.ndarray, int], np.ndarray]) -> np.ndarray:
    """The unstructured methods' mask: default_mask with the `amount` entries that
    `pick(t, k)` names (flat indices; not called for k = 0, so no draw) set to 0."""
    t = _array(t)
    k = _count(amount, t.size)
    # (C order: reshape(-1) a view; of a transposed mask a copy, and the write was lost)
    mask = np.array(default_mask, copy=True, order="C")
    if k:
        mask.reshape(-1)[pick(t, k)] = 0
    return mask


def _channels(t: np.ndarray, dim: int) -> int:
    if t.ndim <= 1:
        raise ValueError(f"Structured pruning can only be applied to multidimensional tensors. "
                         f"Found tensor of shape {t.shape} with {t.ndim} dims")
    if not -t.ndim <= dim < t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")
    return t.shape[dim]


def _smallest(values: np.ndarray, k: int) -> np.ndarray:
    """The indices of the k smallest values; at ties the earlier ones (a stable sort)."""
    return np.argsort(values, kind="stable")[:k]


def _channel_mask(t: np.ndarray, dim: int, gone: np.ndarray) -> np.ndarray:
    keep = np.ones(t.shape[dim], dtype=bool)
    keep[gone] = False
    shape = [1] * t.ndim
    shape[dim] = t.shape[dim]
    return np.broadcast_to(keep.reshape(shape), t.shape).astype(t.dtype)


def _norm(t: np.ndarray, n: Any, dim: int) -> np.ndarray:
    """torch.norm(t, p=n) over every dim but `dim`: one value per channel ('fro' over one or
    two dims, 'nuc' over two, as torch's)."""
    axes = tuple(d for d in range(t.ndim) if d != dim % t.ndim)
    a = np.abs(t)
    if isinstance(n, str):
        if n not in ("fro", "nuc") or len(axes) > 2 or (n == "nuc" and len(axes) != 2):
            raise RuntimeError(f"LnStructured: n={n!r} over {len(axes)} dims is not a norm "
                               "torch.norm takes ('fro' over 1 or 2 dims, 'nuc' over 2; a "
                               "number, inf or -inf over any)")
        if n == "nuc":
            return np.linalg.norm(t, "nuc", axis=axes)
        n = 2
    if isinstance(n, bool) or not isinstance(n, numbers.Real):
        raise TypeError(f"LnStructured: n must be a number, inf, -inf, 'fro' or 'nuc', got "
                        f"{n!r}")
    if n == np.inf:
        return a.max(axis=axes)
    if n == -np.inf:
        return a.min(axis=axes)
    if n == 0:
        return (a != 0).sum(axis=axes).astype(t.dtype)
    with np.errstate(divide="ignore", over="ignore"):
        return (a ** float(n)).sum(axis=axes) ** (1.0 / float(n))
