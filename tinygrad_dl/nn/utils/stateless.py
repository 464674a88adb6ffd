"""torch's `functional_call` (`torch.func.functional_call`, and its older path
`torch.nn.utils.stateless.functional_call`): call a module with some of its parameters and
buffers replaced by given tensors, for this one call.

    params = {name: Tensor(p.data.copy(), requires_grad=True)
              for name, p in model.named_parameters()}
    loss = functional_call(model, params, (x,)).sum()
    grads = tg.autograd.grad(loss, list(params.values()))   # into params, not the model's

Keys are dotted names as named_parameters() and named_buffers() list them ("layers.0.W"),
or torch's spelling of a course parameter ("layers.0.weight"). The module's own tensors are
put back afterwards, also when forward raises. As torch's: a value may have any shape (the
module sees it as it is); a buffer the module updates in place (BatchNorm's running
statistics in training) is updated in the given tensor; one the module reassigns
(`self.n = self.n + 1`) comes back in the given dict under its key. Buffers are arrays here:
a buffer's value is an array or a Tensor that does not require grad (its array is used, the
same memory); no gradient flows through a buffer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ... import hooks
from ...tensor import Tensor

__all__ = ["functional_call"]

_MISSING = object()  # no such attribute before the call: deleted again afterwards
_PARAM, _BUFFER, _PLAIN = "_parameters", "_buffers", None  # where a name's tensor lives


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """`module(*args, **kwargs)` with the parameters and buffers named in
    `parameter_and_buffer_dicts` (a dict, or a tuple/list of dicts with distinct keys)
    replaced by the given tensors for this call. `args` that is not a tuple is one argument.
    tie_weights=True: a value given for one of several names of one tensor (tied weights) is
    used for all of them, and different values for them raise ValueError. strict=True: keys
    must be exactly the module's parameters and buffers (RuntimeError naming the missing and
    unexpected ones)."""
    given = _merged(parameter_and_buffer_dicts)
    if not (isinstance(tie_weights, (bool, np.bool_)) and isinstance(strict, (bool, np.bool_))):
        raise TypeError(f"functional_call: tie_weights and strict must be True or False, got "
                        f"{tie_weights!r} and {strict!r}")
    if kwargs is None:
        kwargs = {}
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    named = _named_tensors(module)
    slots = {key: _slot(module, key) for key in given}  # (every key checked before any swap)
    values = _by_name(given, slots)  # by our dotted name
    values = _tied(named, values, given, slots) if tie_weights else values
    if strict:
        _check_keys(module, named, values)
    where = {slot[2]: slot for slot in slots.values()}  # (each key looked up once)
    where.update({name: _slot(module, name) for name in values if name not in where})  # (tied)
    for name, value in values.items():
        _check_value(name, value, where[name][3])
    swapped: list[tuple[Any, str, str | None, Any, Any]] = []
    try:
        for name, value in values.items():
            mod, attr, _, kind = where[name]
            held = _value_for(value, kind)
            swapped.append((mod, attr, kind, _swap(mod, attr, kind, held), held))
        return module(*args, **kwargs)
    finally:  # (also when forward raised: the module's own tensors back in place)
        # by slot, not name: a submodule held under two names ("a", "b") is one slot swapped
        # twice, and the reassigned value shows at the first restore, under the other name
        back: dict[tuple[int, str], Any] = {}
        for mod, attr, kind, old, held in reversed(swapped):
            now = _swap(mod, attr, kind, old)
            if now is not held:  # the module reassigned it (`self.n = self.n + 1`)
                back[(id(mod), attr)] = now
        for key, value in given.items():  # torch writes the new one back, under the
            slot = (id(slots[key][0]), slots[key][1])  # caller's key, into the caller's dict
            if slot in back:
                _write_back(parameter_and_buffer_dicts, key, _like(back[slot], value))


def _by_name(given: dict[str, Any], slots: dict[str, Any]) -> dict[str, Any]:
    """The given values by our dotted name; two keys for one tensor (ours and torch's
    spelling: "0.W" and "0.weight") with different values are ambiguous, as torch's one key
    in two dicts (one silently dropped gave the other's numbers)."""
    values: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for key, value in given.items():
        name = slots[key][2]
        if name in values and values[name] is not value:
            raise ValueError(f"functional_call: keys {keys[name]!r} and {key!r} name the same "
                             f"tensor {name!r} with different values; behavior of functional "
                             "call is ambiguous")
        values[name], keys[name] = value, key
    return values


def _write_back(dicts: Any, key: str, value: Any) -> None:
    """Put `value` under `key` in whichever of the caller's dicts holds it."""
    for d in (dicts,) if isinstance(dicts, Mapping) else dicts:
        if key in d:
            d[key] = value


def _like(now: Any, given: Any) -> Any:
    """A reassigned buffer's new array as the kind of value given (a Tensor for a Tensor)."""
    if isinstance(now, np.ndarray) and isinstance(given, Tensor):
        return Tensor(now)
    return now


def _merged(dicts: Any) -> dict[str, Any]:
    """torch's: one dict, or a sequence of dicts whose keys are all distinct."""
    if isinstance(dicts, dict):
        return dict(dicts)
    if isinstance(dicts, Sequence) and not isinstance(dicts, str):
        if not all(isinstance(d, dict) for d in dicts):
            raise ValueError("functional_call: expected all elements of "
                             "parameter_and_buffer_dicts to be dictionaries")
        seen: dict[str, int] = {}
        for d in dicts:
            for k in d:
                seen[k] = seen.get(k, 0) + 1
        repeated = [k for k, n in seen.items() if n > 1]
        if repeated:
            raise ValueError(f"functional_call: {repeated} appeared in multiple dictionaries; "
                             "behavior of functional call is ambiguous")
        return {k: v for d in dicts for k, v in d.items()}
    raise ValueError(f"functional_call: expected parameter_and_buffer_dicts to be a dict, or a "
                     f"list/tuple of dicts, but got {type(dicts).__name__}")


def _named_tensors(module: Any) -> dict[str, Any]:
    """Every name of every parameter and buffer (a tied one under each of its names)."""
    out = dict(module.named_parameters(remove_duplicate=False))
    out.update(module.named_buffers(remove_duplicate=False))
    return out


def _slot(module: Any, key: str) -> tuple[Any, str, str, str | None]:
    """(the submodule, its attribute, our dotted name, where it lives) for a key; a torch
    spelling of a course parameter ("0.weight") is read as ours ("0.W")."""
    if not isinstance(key, str):
        raise TypeError(f"functional_call: keys are dotted names (str), got "
                        f"{type(key).__name__} {key!r}")
    path, _, attr = key.rpartition(".")
    if attr == "":
        raise KeyError(f"functional_call: key {key!r}: a tensor name can't be empty")
    try:
        mod = module.get_submodule(path)
    except AttributeError as e:
        raise AttributeError(f"functional_call: key {key!r}: {e}") from None
    d = mod.__dict__
    if attr not in d["_parameters"] and attr not in d["_buffers"]:
        attr = {t: o for o, t in getattr(type(mod), "torch_names", {}).items()}.get(attr, attr)
    ours = f"{path}.{attr}" if path else attr
    where = (_PARAM if attr in d["_parameters"] else _BUFFER if attr in d["_buffers"]
             else _PLAIN)
    if where is _PLAIN and isinstance(getattr(type(mod), attr, None), property):
        names = {attr, getattr(type(mod), "torch_names", {}).get(attr, attr)}
        held = [n for n, _ in mod.named_parameters() if n.startswith("parametrizations.")
                and n.split(".")[1] in names]
        hint = (f"give the tensor it is computed from, {(path + '.' if path else '') + held[0]!r}"
                if held else "give the tensor it reads")
        raise TypeError(f"functional_call: key {key!r} is a computed attribute of "
                        f"{type(mod).__name__} (a parametrization or an alias), not a tensor it "
                        f"holds; {hint}")
    if where is _PLAIN and (attr in d or hasattr(type(mod), attr)):
        # (a class's attribute too, a method such as `forward` or a constant: torch refuses
        # it, where one set on the instance replaced the method for the call)
        old = d[attr] if attr in d else getattr(type(mod), attr)
        if old is not None and not isinstance(old, (Tensor, np.ndarray)):
            raise TypeError(f"functional_call: key {key!r}: attribute {attr!r} of "
                            f"{type(mod).__name__} is a {type(old).__name__}, not a tensor")
    return mod, attr, ours, where


def _tied(named: dict[str, Any], values: dict[str, Any], given: dict[str, Any],
          slots: dict[str, Any]) -> dict[str, Any]:
    """torch's untying: a value given for one name of a tied tensor goes to all its names;
    different values given for names of one tensor raise."""
    groups: dict[int, list[str]] = {}
    for name, t in named.items():
        groups.setdefault(id(t), []).append(name)
    out = dict(values)
    for names in groups.values():
        if len(names) < 2:
            continue
        there = [n for n in names if n in values]
        if len({id(values[n]) for n in there}) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(names)}, "
                             "which are "
                             "tied. Consider using tie_weights=False")
        if there:
            for n in names:
                out[n] = values[there[0]]
    return out


def _check_keys(module: Any, named: dict[str, Any], values: dict[str, Any]) -> None:
    missing = [n for n in named if n not in values]
    unexpected = [n for n in values if n not in named]
    msgs = []
    if unexpected:
        msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if msgs:
        raise RuntimeError(f"functional_call(strict=True): Error(s) in reparametrizing for "
                           f"{type(module).__name__}: {' '.join(msgs)}")


def _check_value(name: str, value: Any, where: str | None) -> None:
    if where == _BUFFER:
        if isinstance(value, Tensor) and value.requires_grad:
            raise TypeError(f"functional_call: buffer {name!r} got a Tensor that requires grad: "
                            "buffers are arrays here, so no gradient would flow through it; "
                            "give it without requires_grad (or as an array)")
        if value is not None and not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"functional_call: buffer {name!r}: {type(value).__name__} is not a "
                            "Tensor (nor an array)")
    elif value is not None and not isinstance(value, Tensor):
        raise TypeError(f"functional_call: {name!r}: {type(value).__name__} is not a Tensor")


def _value_for(value: Any, where: str | None) -> Any:
    """What the module holds for a given value: a buffer holds a Tensor's array (shared)."""
    return value.data if where == _BUFFER and isinstance(value, Tensor) else value


def _swap(mod: Any, attr: str, where: str | None, value: Any) -> Any:
    """Put `value` (or _MISSING: delete) in the slot; returns what was there. Straight into
    the registries (an op result may stand for a parameter for the call, as torch's), with
    the version moved as an assignment moves it (jit's replay guard)."""
    d = mod.__dict__
    if hooks.active:  # (a jit recording: this step changes the module)
        hooks.notify_module_change(mod)
    d["_version"] = d.get("_version", 0) + 1
    old = d.get(attr, _MISSING)
    if where is not _PLAIN:
        d[where][attr] = value
    if value is _MISSING:
        d.pop(attr, None)
    else:
        d[attr] = value
    return old
