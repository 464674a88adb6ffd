"""What a list, tuple, dict or set the step hands whole to a call holds, for replay's guards.

`x[IDX]`, `x.reshape(SHAPE)`, `F.normalize(x, **KW)`, `tg.cat(TS)`, `Tensor(ROWS)`: the call
may read every item, so a container changed in place between calls (`IDX[0] = 1`) must make
the next call record again (`bindings.entries`, which marks such a read `WHOLE`). Each
container is compared by one term in C (`guards.same_items`): its items in the order they
iterate (a dict's keys and values), by identity.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import Any

from .guards import ITEMS, items_of, nested


def contents(obj: Any, label: str, budget: int) -> list[tuple[Any, Any, Any, str]]:
    """The guards of what a list, tuple, dict or set the step hands whole to a call holds
    (`WHOLE`): a list's (a deque's, a set's) items in order and a dict's (an OrderedDict's,
    a defaultdict's) keys in order and values, by identity (`ITEMS`: one term, in C), so
    that one changed in place between calls (`IDX[0] = 1`, `KW["p"] = 1.0`, `TS[1] = W2`,
    `list(D)` of a dict reordered) records again; the containers inside (a namedtuple's
    too), one term each while `budget` lasts, past it all by one term (`nested_in`)."""
    if is_mapping(obj):
        out = [(obj, ITEMS, items_of(obj), f"the entries of {label}")]
        items: Any = obj.values()
    elif plain_list(obj) or type(obj) in (set, deque):  # (`x[:, list(S)]`: in its order)
        out, items = [(obj, ITEMS, items_of(obj), f"the items of {label}")], obj
    elif isinstance(obj, tuple) and type(obj).__iter__ is tuple.__iter__:  # (fixed)
        out, items = [], obj
    else:
        return []
    inner = [v for v in items if is_container(v)]
    if len(inner) <= budget:
        for v in inner:
            out.extend(contents(v, f"an item of {label}", budget - len(inner)))
    elif inner:  # (`Tensor(ROWS)` of 1,000 rows: every container inside, by one term)
        deep = nested_in(inner)  # (its own box: `bindings` keeps one guard per place)
        out.append((deep, ITEMS, deep, f"the items inside {label}"))
    return out


def nested_in(inner: list[Any]) -> Any:
    """The containers `inner` and those inside them (each once: a list that holds itself
    too), as `guards.nested` compares them."""
    boxes: list[Any] = []
    seen, todo = set(), list(inner)
    while todo:
        v = todo.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if is_mapping(v) or plain_list(v) or type(v) in (set, deque):
            boxes.append(v)
        elif not (isinstance(v, tuple) and type(v).__iter__ is tuple.__iter__):
            continue
        todo.extend(x for x in (v.values() if isinstance(v, dict) else v) if is_container(x))
    return nested(boxes)


def is_mapping(obj: Any) -> bool:
    """A dict whose iteration, `values()` and `get` are a dict's or an OrderedDict's (a
    defaultdict, a Counter: the guard runs no code of its)."""
    t = type(obj)
    return isinstance(obj, dict) and t.get is dict.get and (
        t.__iter__, t.values) in ((dict.__iter__, dict.values),
                                  (OrderedDict.__iter__, OrderedDict.values))


def is_container(v: Any) -> bool:
    """Something `contents` guards the items of."""
    return type(v) in (list, tuple, dict, set, deque) or isinstance(v, (list, tuple, dict))


def plain_list(obj: Any) -> bool:
    """A list subclass whose items are list's (the guard's `box[k]` runs no code of its)."""
    return isinstance(obj, list) and type(obj).__getitem__ is list.__getitem__
