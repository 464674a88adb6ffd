"""nn.Module's tree (a mixin of Module): its children, modules, parameters and buffers by
qualified name ("layers.0.W"), in registration order, each once unless remove_duplicate=False,
and the lookups by dotted path (get_submodule, get_parameter, get_buffer), as torch's."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..tensor import Tensor


def _unregistered(modules: list[tuple[str, Any]], params: set[int]) -> None:
    """Warn about layers or parameters that a module keeps in a plain list, tuple or dict
    attribute (`self.layers = [Linear(2, 3), Linear(3, 1)]`) and that are registered nowhere
    in the model: parameters(), state_dict() and every optimizer miss them, so they would
    never be trained or saved, without a word (PyTorch's silence too). A list of layers that
    are registered elsewhere as well (`self.linears = [m for m in self.layers ...]`) is fine."""
    known: set[int] | None = None
    for mod_name, mod in modules:
        d = mod.__dict__
        version = d.get("_version", -1)  # (-1: a module made without __init__, unpickled)
        if d.get("_scanned") == version:  # looked at since its last assignment: model
            continue  # .zero_grad() per step pays a dict lookup per module, not a scan
        d["_scanned"] = version
        if known is None:
            known = {id(m) for _, m in modules}
        for key, value in list(d.items()):
            if type(value) not in (list, tuple, dict, _Listing):  # (its own registries are
                continue  # dicts of registered entries; `self.ps = net.parameters()` is one)
            items = value.values() if type(value) is dict else value
            lost = [v for v in items if (isinstance(v, TreeMethods) and id(v) not in known) or (
                isinstance(v, Tensor) and v.requires_grad and v._ctx is None
                and id(v) not in params)]
            if lost:
                where = f"{mod_name}.{key}" if mod_name else key
                kind = "nn.ModuleDict" if type(value) is dict else "nn.ModuleList"
                warnings.warn(
                    f"{type(mod).__name__}.{key} ({where!r}) is a plain "
                    f"{'list' if type(value) is _Listing else type(value).__name__} "
                    f"holding {len(lost)} layer(s) or parameter(s) registered nowhere: "
                    "parameters(), state_dict() and optimizers do not see them, so they would "
                    f"not be trained or saved; hold them in a {kind} (or as attributes)",
                    RuntimeWarning, stacklevel=3)


class _Listing(list):
    """What parameters(), buffers(), children() and modules() (and the named_ lists) return:
    a list, as the course's code uses it (len, [0], +), that next() also walks, as torch's
    generators (`next(model.parameters()).dtype` raised "'list' object is not an
    iterator"). Unlike a generator it is not used up: a for loop over it, or a second one,
    sees every entry (next() keeps its own place)."""

    __slots__ = ("_at",)

    def __next__(self) -> Any:
        at = getattr(self, "_at", 0)
        if at >= len(self):
            raise StopIteration
        self._at = at + 1
        return self[at]

    def __reduce_ex__(self, protocol: Any) -> Any:  # pickled and copied as a plain list: a
        # checkpoint holding one named this private class, and protocols 0-1 refused it
        return list, (list(self),)


class _Memo(dict):
    """A memo the caller passed to named_modules (torch's: a set of modules), as the dict by
    id that it keeps (its own when none is passed): read at the start, and given each module
    listed, as torch's. (By id: `self in memo` on a set asked the modules' __eq__/__hash__,
    so two layers equal by value were listed once, and parameters() and every optimizer lost
    the other's weights without a word; a module with __eq__ but no __hash__ raised.)"""

    __slots__ = ("user",)

    def __init__(self, user: Any) -> None:
        if isinstance(user, str) or not hasattr(user, "add"):
            raise TypeError(f"named_modules(memo, prefix): memo is a {type(user).__name__}, "
                            "not a set of modules (torch's order: this package's was "
                            "(prefix, memo)); pass the prefix by name, prefix='...'")
        super().__init__((id(m), m) for m in user)  # (held: no id reused while listing)
        self.user = user

    def __setitem__(self, key: int, m: Any) -> None:
        super().__setitem__(key, m)
        self.user.add(m)


_MEMOS = (dict, _Memo)  # (named_modules' own, passed down the tree)


class TreeMethods:
    """The listing and lookup methods of nn.Module (a mixin: Module's own file stays its core;
    they read the registries `_modules`, `_parameters` and `_buffers` it keeps)."""

    _modules: dict[str, Any]
    _parameters: dict[str, Any]
    _buffers: dict[str, Any]

    def named_children(self) -> Iterator[tuple[str, TreeMethods]]:
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> list[TreeMethods]:
        return _Listing(m for _, m in self.named_children())

    def named_modules(self, memo: set[Any] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, TreeMethods]]:
        """(qualified name, module) pairs, this one first ("" or `prefix`); a module reached
        twice is listed once, unless remove_duplicate=False. torch's signature: `memo` (the
        modules already listed, left out with their subtrees) comes first, so
        `named_modules(None, "net")` is prefix "net" (it was read as memo="net")."""
        held = {} if memo is None else memo if type(memo) in _MEMOS else _Memo(memo)
        key = id(self)
        if key in held:
            return
        if remove_duplicate:
            held[key] = self
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(held, f"{prefix}.{name}" if prefix else name,
                                               remove_duplicate)

    def modules(self) -> list[TreeMethods]:
        return _Listing(m for _, m in self.named_modules())

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> list[tuple[str, Tensor]]:
        """(qualified name, parameter) pairs, e.g. ("layers.0.W", W); each parameter once
        (every name with remove_duplicate=False; this module's own with recurse=False, as
        torch's). Layers or parameters kept in a plain list, tuple or dict attribute, and
        registered nowhere, are not among them: a RuntimeWarning says so (`_unregistered`)."""
        seen: set[int] = set()
        out = _Listing()
        modules = (list(self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate))
                   if recurse else [(prefix, self)])
        for mod_name, mod in modules:
            for name, p in mod._parameters.items():
                if p is not None and (id(p) not in seen or not remove_duplicate):
                    seen.add(id(p))
                    out.append((f"{mod_name}.{name}" if mod_name else name, p))
        if recurse:
            _unregistered(modules, seen)
        return out

    def name_parameters(self) -> TreeMethods:
        """Set each parameter's `.name` to its qualified name (drawn graphs show it)."""
        for name, p in self.named_parameters():
            p.name = name
        return self

    def parameters(self, recurse: bool = True) -> list[Tensor]:
        return _Listing(p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> list[tuple[str, np.ndarray]]:
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse
                   else [(prefix, self)])
        seen: set[int] = set()
        out = _Listing()
        for mod_name, mod in modules:
            for name, b in mod._buffers.items():
                if b is not None and (id(b) not in seen or not remove_duplicate):
                    seen.add(id(b))
                    out.append((f"{mod_name}.{name}" if mod_name else name, b))
        return out

    def buffers(self, recurse: bool = True) -> list[np.ndarray]:
        return _Listing(b for _, b in self.named_buffers(recurse=recurse))

    def get_submodule(self, target: str) -> TreeMethods:
        """The submodule at a dotted path ("encoder.layers.0"; "" is this module), as
        torch's; one line naming the first step that is not a submodule."""
        m: TreeMethods = self
        if target == "":
            return m
        for step in target.split("."):
            child = m._modules.get(step) if isinstance(m, TreeMethods) else None
            if child is None:
                raise AttributeError(f"{type(self).__name__}.get_submodule({target!r}): "
                                     f"{type(m).__name__} has no submodule {step!r}")
            m = child
        return m

    def set_submodule(self, target: str, module: Any, strict: bool = False) -> None:
        """Put `module` at a dotted path ("encoder.layers.0"), as torch's: the path's parent
        must exist; what is there (if anything: with strict=True it must be) must be a
        module; "" and a non-Module are refused."""
        who = f"{type(self).__name__}.set_submodule({target!r})"
        if target == "":
            raise ValueError(f"{who}: cannot set the submodule without a target name")
        if not isinstance(module, TreeMethods):
            raise ValueError(f"{who}: module is not an nn.Module, found {type(module).__name__}")
        path, _, name = target.rpartition(".")
        parent = self.get_submodule(path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{who}: {type(parent).__name__} has no attribute {name!r}")
        if not isinstance(getattr(parent, name, module), TreeMethods):
            raise AttributeError(f"{who}: {name!r} is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Tensor:
        """The parameter at a dotted path ("layers.0.W"), as torch's."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if name not in mod._parameters:  # torch's name of a course parameter ("0.weight": W),
            # as state_dict loading reads them (it raised "Linear has no parameter 'weight'")
            name = {t: o for o, t in type(mod).torch_names.items()}.get(name, name)
        if mod._parameters.get(name) is None:
            raise AttributeError(f"{type(self).__name__}.get_parameter({target!r}): "
                                 f"{type(mod).__name__} has no parameter {name!r}")
        return mod._parameters[name]

    def get_buffer(self, target: str) -> np.ndarray:
        """The buffer at a dotted path ("bn.running_mean"), as torch's."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if mod._buffers.get(name) is None:
            raise AttributeError(f"{type(self).__name__}.get_buffer({target!r}): "
                                 f"{type(mod).__name__} has no buffer {name!r}")
        return mod._buffers[name]

    def num_parameters(self) -> int:
        return sum(p.data.size for p in self.parameters())

    def _size_lazy_layers(self, state: Any) -> list[tuple[Any, type, dict[str, Any]]]:
        """Size the lazy layers in this tree (itself too) off their weights in the state dict
        `state`, as torch's lazy load hook; returns what each sized one was, for
        _unsize_lazy_layers (a refused load leaves them lazy: all or nothing)."""
        sized: list[tuple[Any, type, dict[str, Any]]] = []
        try:
            for prefix, sub in list(self.named_modules(remove_duplicate=False)):
                if hasattr(sub, "materialize_from"):  # (a shared one: under either name)
                    was = (sub, type(sub), dict(sub.__dict__))
                    head = prefix + "." if prefix else ""  # (only its own keys are read)
                    sub.materialize_from({k[len(head):]: state[k] for k in state
                                          if k.startswith(head)} if head else state)
                    if type(sub) is not was[1]:
                        sized.append(was)
        except BaseException:
            self._unsize_lazy_layers(sized)
            raise
        return sized

    @contextmanager
    def _lazy_left_out(self) -> Iterator[list[str]]:
        """Within: the lazy layers still unsized (no saved weight to size them off) list no
        parameters; yields the state-dict names they will have, for load_state_dict's missing
        keys (torch's strict=False leaves them uninitialized; it raised "run one forward pass")."""
        left = [(prefix, m) for prefix, m in self.named_modules() if hasattr(m, "materialize_from")]
        registries = [m.__dict__["_parameters"] for _, m in left]
        try:
            for _, m in left:
                m.__dict__["_parameters"] = {}
            yield [f"{prefix}.{k}" if prefix else k
                   for prefix, m in left for k in m.__dict__.get("lazy_keys", ())]
        finally:
            for (_, m), registry in zip(left, registries):
                if hasattr(m, "materialize_from"):  # (still lazy: not sized in between)
                    m.__dict__["_parameters"] = registry

    @staticmethod
    def _unsize_lazy_layers(sized: list[tuple[Any, type, dict[str, Any]]]) -> None:
        for sub, cls, d in reversed(sized):  # back to lazy, its _version still going up
            version = sub.__dict__.get("_version", 0)
            sub.__dict__.clear()
            sub.__dict__.update(d)
            if "_version" in d:  # (jit's replay guard)
                sub.__dict__["_version"] = max(version, d["_version"]) + 1
            object.__setattr__(sub, "__class__", cls)
