"""torch's operators of nn.Sequential (a mixin of it): `seq + other`, `seq += other`, `seq * n`,
`n * seq` and `seq *= n`, each with the same layer objects, renumbered "0", "1", ...; the
operand must be a Sequential (torch's ValueError), the factor a positive int. ModuleList keeps
its own `+` (any iterable of layers) and, as torch's, has no `*`; ModuleDict has neither."""

from __future__ import annotations

from typing import Any


class SequenceOperators:
    """The operators; the class using it defines `_joined(layers, own)`, the new Sequential,
    its layers' drawn-graph names kept for those in `own` (this one's layers)."""

    is_sequential = True  # (False on ModuleList and ModuleDict: not operands of `+`)

    def _joined(self, layers: list[Any], own: list[Any]) -> Any:
        raise NotImplementedError

    def __add__(self, other: Any) -> Any:
        # `other`'s layers take their places' names, as `seq += other` and `Sequential(*seq,
        # *other)` give them: kept, `a + b` drew a[0] and b[0] as one layer "0"
        own = list(self)  # type: ignore[call-overload]
        return self._joined([*own, *_operand(other)], own)

    def __iadd__(self, other: Any) -> Any:
        return self.extend(list(_operand(other)))  # type: ignore[attr-defined]

    def __mul__(self, n: Any) -> Any:
        own = list(self)  # type: ignore[call-overload]
        return self._joined(own * _repeats(self, n), own)

    __rmul__ = __mul__

    def __imul__(self, n: Any) -> Any:
        return self.extend(list(self) * (_repeats(self, n) - 1))  # type: ignore[attr-defined]


def _operand(other: Any) -> Any:
    if not getattr(other, "is_sequential", False):
        raise ValueError("Sequential +: add operator supports only objects of Sequential "
                         f"class, but {type(other).__name__} is given")
    return other


def _repeats(seq: Any, n: Any) -> int:
    if not isinstance(n, int):
        raise TypeError(f"unsupported operand type(s) for *: {type(seq).__name__} and "
                        f"{type(n).__name__}")
    if n <= 0:
        raise ValueError(f"Sequential *: non-positive multiplication factor {n}")
    return n


def names_kept(layers: list[Any], build: Any) -> Any:
    """build(), a new container of `layers`, leaving their drawn-graph names as they were
    (building it renames its layers and, in a nested Sequential, their children: reading a
    slice, or `seq + other`, must not rename the model's)."""
    names = [(m, {k: m.__dict__[k] for k in ("_scope", "_prefix") if k in m.__dict__})
             for top in layers if top is not None for m in top.modules()]
    out = build()
    for m, kept in names:
        m.__dict__.update(kept)
    return out
