"""PyTorch's ModuleList and ModuleDict: layers held by a list or a dict that the model
registers (parameters(), state_dict(), .to(), train()/eval() reach them), where a plain list or
dict attribute is registered nowhere (Module.named_parameters warns about one). Like a
Sequential under a parent, they open no name scope of their own ("blocks.0", "heads.out").
ParameterList and ParameterDict do the same for parameters ("params.0", "scales.shift").
Container is torch's deprecated Module that registers its keyword arguments."""

from __future__ import annotations

import operator
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from ..tensor import Tensor
from .layers import Sequential
from .module import Module, Parameter


class ModuleList(Sequential):
    """`nn.ModuleList([Linear(2, 3), Linear(3, 1)])`: children "0", "1", ... in order, indexed,
    sliced, iterated and grown like a list (append, extend, insert); it has no forward of its
    own: the model calls its layers (`for layer in self.layers: x = layer(x)`)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        if isinstance(modules, Module):
            raise TypeError("ModuleList takes an iterable of layers: ModuleList([layer])")
        super().__init__(*(modules or ()))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward: call its layers (for layer in "
                                  "self.layers: x = layer(x)), or use nn.Sequential")

    def append(self, module: Module) -> ModuleList:
        key = str(len(self))
        self._check_layer(key, module)
        setattr(self, key, module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        layers = list(self)
        layers.insert(index, module)
        del self[:]
        self.extend(layers)

    def pop(self, index: int = -1) -> Module:
        """Remove and return the layer at `index`; the rest are renumbered, as torch's."""
        m = self[index]
        del self[index]
        return m

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def _slice(self, items: list[tuple[str, Module]]) -> ModuleList:
        return ModuleList(m for _, m in items)

    # (not torch's Sequential: no `*`, and not an operand of a Sequential's `+`)
    is_sequential = False

    def __mul__(self, n: Any) -> Any:  # (Python's own "unsupported operand type(s) for *":
        return NotImplemented  # set to None, `ml * 2` said "'NoneType' object is not callable")

    __rmul__ = __imul__ = __mul__

    def __repr__(self) -> str:
        """torch's: a run of layers with one repr is one line, "(0-2): 3 x Linear(...)"."""
        name = type(self).__name__  # (a subclass's own name, as torch's _get_name())
        if not len(self):
            return f"{name}()"
        runs: list[list[Any]] = []  # [first, last, repr]
        for i, m in enumerate(self):
            r = repr(m)
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = [(f"({a}): " if a == b else f"({a}-{b}): {b - a + 1} x ") + r.replace("\n", "\n  ")
                 # (every line in, blank ones too: torch's container.py keeps the old _addindent)
                 for a, b, r in runs]
        return f"{name}(\n  " + "\n  ".join(lines) + "\n)"


class _NoListMethod:
    """A Sequential method ModuleDict does not have: reading it raises AttributeError (so
    hasattr is False), and, not being a data descriptor, a layer stored under its name in the
    instance wins."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        raise AttributeError(f"ModuleDict has no {self.name} (not a list): d[key] = layer")


class ModuleDict(Sequential):
    """`nn.ModuleDict({"encoder": Linear(4, 2), "head": Linear(2, 1)})`: children named by the
    keys (non-empty strings without "."), read and written like a dict (`d["head"]`, keys(),
    values(), items(), update, `in`, del); iterating gives the keys, as PyTorch's; no forward."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None
                 = None) -> None:
        super().__init__(OrderedDict(modules or ()))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward: call its layers by key")

    def __getitem__(self, key: str) -> Module:  # type: ignore[override]
        try:
            return self._modules[key]
        except KeyError:
            raise KeyError(f"ModuleDict has no layer {key!r} (its keys: "
                           f"{list(self._modules)})") from None

    def __setitem__(self, key: str, module: Module) -> None:  # type: ignore[override]
        self.update({key: module})

    def __delitem__(self, key: str) -> None:  # type: ignore[override]
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no layer {key!r}")
        delattr(self, key)

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(list(self._modules))

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def pop(self, key: str) -> Module:  # type: ignore[override]
        m = self[key]
        del self[key]
        return m

    # (Sequential's list methods, absent as on torch's ModuleDict: hasattr is False, and a
    # key may take the name, `ModuleDict({"insert": layer})`, which a method refused)
    is_sequential = False
    __add__ = __iadd__ = __mul__ = __rmul__ = __imul__ = ModuleList.__mul__
    append = _NoListMethod()  # type: ignore[assignment]
    extend = _NoListMethod()  # type: ignore[assignment]
    insert = _NoListMethod()  # type: ignore[assignment]

    def clear(self) -> None:
        for key in list(self._modules):
            del self[key]

    def keys(self) -> list[str]:
        return list(self._modules)

    def values(self) -> list[Module]:
        return list(self._modules.values())

    def items(self) -> list[tuple[str, Module]]:
        return list(self._modules.items())

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for key, m in OrderedDict(modules).items():
            if key not in self._modules and (not isinstance(key, str) or not key or "." in key
                                             or hasattr(self, key)):
                raise KeyError(f"ModuleDict: {key!r} cannot name a layer (a non-empty string "
                               "without '.' that is not a Module attribute)")
            self._check_layer(key, m)
            setattr(self, key, m)


def _as_parameter(who: str, where: str, value: Any) -> Tensor:
    """A ParameterList / ParameterDict entry: a leaf Tensor that requires grad as it is (the
    same object); another Tensor or an array becomes one sharing its array, as torch's
    Parameter(t); an op's result is refused (its array may belong to a live graph)."""
    if isinstance(value, Tensor):
        if value._ctx is not None:
            raise TypeError(f"{who}: {where} is an op's result; a parameter must be a leaf: "
                            "pass nn.Parameter(t.detach().clone())")
        return value if value.requires_grad else Parameter(value)
    if isinstance(value, np.ndarray):
        return Parameter(value)
    raise TypeError(f"{who}: {where} must be a Tensor (nn.Parameter) or an array, got "
                    f"{type(value).__name__}")


def _entry_repr(p: Tensor) -> str:
    return f"Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}]"


class ParameterList(Module):
    """`nn.ParameterList([p0, p1])`: parameters "0", "1", ... registered in order, so
    parameters(), named_parameters() ("params.0"), state_dict() and optimizers see them;
    indexed, sliced (a new ParameterList of the same tensors), iterated and grown like a list
    (append, extend, `+=`). A Tensor that does not require grad, or an array, becomes a
    parameter sharing its array, as torch's. No forward."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if isinstance(values, (Tensor, np.ndarray)):
            raise TypeError("ParameterList takes an iterable of parameters: "
                            "ParameterList([param])")
        if values is not None:
            self.extend(values)

    def _index(self, i: Any) -> str:
        n = len(self)
        i = operator.index(i)
        if not -n <= i < n:
            raise IndexError(f"ParameterList index {i} is out of range for {n} parameters")
        return str(i % n)

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return ParameterList([self[j] for j in range(*i.indices(len(self)))])
        return self._parameters[self._index(i)]

    def __setitem__(self, i: int, value: Any) -> None:
        key = self._index(i)
        setattr(self, key, _as_parameter("ParameterList", f"entry {key}", value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Tensor]:
        return iter(list(self._parameters.values()))

    def append(self, value: Any) -> ParameterList:
        key = str(len(self))
        setattr(self, key, _as_parameter("ParameterList", f"entry {key}", value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if isinstance(values, (Tensor, np.ndarray)):
            raise TypeError("ParameterList.extend takes an iterable of parameters")
        for v in values:
            self.append(v)
        return self

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def __repr__(self) -> str:
        lines = [f"  ({k}): {_entry_repr(p)}" for k, p in self._parameters.items()]
        return "ParameterList(" + ("\n" + "\n".join(lines) + "\n" if lines else "") + ")"


class ParameterDict(Module):
    """`nn.ParameterDict({"scale": p, "shift": q})`: parameters named by the keys (non-empty
    strings without "." that are not Module attributes), so parameters(), named_parameters()
    ("heads.scale"), state_dict() and optimizers see them; read and written like a dict
    (`d["scale"]`, keys(), values(), items(), get, pop, popitem, update, `|`, `|=`,
    fromkeys, `in`, del, len). As torch's,
    a plain dict's entries are added in sorted key order (an OrderedDict's or a list of pairs'
    in theirs). Conversions as ParameterList's. No forward."""

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Tensor:
        try:
            return self._parameters[key]
        except KeyError:
            raise KeyError(f"ParameterDict has no parameter {key!r} (its keys: "
                           f"{list(self._parameters)})") from None

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self._parameters and (not isinstance(key, str) or not key or "." in key
                                            or hasattr(self, key)):
            raise KeyError(f"ParameterDict: {key!r} cannot name a parameter (a non-empty "
                           "string without '.' that is not a Module attribute)")
        setattr(self, key, _as_parameter("ParameterDict", f"entry {key!r}", value))

    def __delitem__(self, key: str) -> None:
        if key not in self._parameters:
            raise KeyError(f"ParameterDict has no parameter {key!r}")
        delattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def __reversed__(self) -> Iterator[str]:  # (reversed() read d[1], d[0]: a KeyError)
        return reversed(list(self._parameters))

    def keys(self) -> list[str]:
        return list(self._parameters)

    def values(self) -> list[Tensor]:
        return list(self._parameters.values())

    def items(self) -> list[tuple[str, Tensor]]:
        return list(self._parameters.items())

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Tensor:
        p = self[key]
        del self[key]
        return p

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self._parameters:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        for key in list(self._parameters):
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict of the same parameters (not copies), in order, as torch's."""
        return ParameterDict(OrderedDict(self._parameters))

    def popitem(self) -> tuple[str, Tensor]:
        """The last (key, parameter), removed, as dict's (torch's)."""
        if not self._parameters:
            raise KeyError("ParameterDict.popitem(): the ParameterDict is empty")
        key = next(reversed(self._parameters))
        return key, self.pop(key)

    def fromkeys(self, keys: Any, default: Any = None) -> ParameterDict:
        """A new ParameterDict holding `default` under each key (one parameter, tied: torch's)."""
        return ParameterDict([(k, default) for k in keys])

    def __or__(self, other: Any) -> ParameterDict:
        """`a | b`: a new ParameterDict of a's entries updated by b's (parameters, not copies)."""
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other: Any) -> Any:
        out = other.copy()  # (`dict | pd`: a dict, as torch's)
        out.update(self)
        return out

    def __ior__(self, other: Any) -> ParameterDict:
        self.update(other)
        return self

    def update(self, parameters: Any) -> None:
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())  # torch's order for a plain dict
        else:
            pairs = []
            for j, pair in enumerate(parameters):
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ValueError(f"ParameterDict.update: element #{j} must be a (key, "
                                     f"parameter) pair, got {pair!r:.60}")
                pairs.append(tuple(pair))
        for key, value in pairs:
            self[key] = value

    def __repr__(self) -> str:
        lines = [f"  ({k}): {_entry_repr(p)}" for k, p in self._parameters.items()]
        return "ParameterDict(" + ("\n" + "\n".join(lines) + "\n" if lines else "") + ")"


class Container(Module):
    """torch's deprecated `nn.Container(**modules)`: a Module with each keyword's module
    registered under its name; warns FutureWarning as torch's does (subclass Module)."""

    def __init__(self, **kwargs: Any) -> None:
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now "
                      "implemented in `nn.Module`. Subclass that instead.", FutureWarning,
                      stacklevel=2)
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)
