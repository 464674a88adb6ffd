"""PyTorch's ModuleList and ModuleDict: layers held by a list or a dict that the model
registers (parameters(), state_dict(), .to(), train()/eval() reach them), where a plain list or
dict attribute is registered nowhere (Module.named_parameters warns about one). Like a
Sequential under a parent, they open no name scope of their own ("blocks.0", "heads.out")."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .layers import Module, Sequential


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

    def _slice(self, items: list[tuple[str, Module]]) -> ModuleList:
        return ModuleList(m for _, m in items)


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
