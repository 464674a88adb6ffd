"""Two recordings of one signature compared: whether they describe one computation that
replay may repeat (`difference`: why not, in one line), and what the second recording says
about the arrays and tensors the first one read (`frozen_tensors`, `borrowed_arrays`).

Ops, their parameters, sources and outputs must be the same; a constant is the same only as
the very same array object (made before the step) or as an equal literal (record.py's module
docstring says why any other array made inside the step is refused).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .record import Recording, same_values
from .record_types import CONST, PARAM, BackwardRecord, Const, Source, Spec, consts


# ---- two recordings of one signature: the same computation? ----------------------------------
def same(a: Any, b: Any) -> bool:
    """Equal values: identical objects, equal arrays (shape, dtype, entries), equal scalars;
    Tensors only if the very same object."""
    if a is b:
        return True
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return False
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and same_values(a, b))
    if isinstance(a, Const) or isinstance(b, Const):
        return isinstance(a, Const) and isinstance(b, Const) and const_change(a, b) is None
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):  # records too
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(same(a[k], b[k]) for k in a))
    if isinstance(a, Spec) or isinstance(b, Spec):
        return (isinstance(a, Spec) and isinstance(b, Spec) and a.shape == b.shape
                and a.dtype == b.dtype)
    try:
        return bool(a == b) or (a != a and b != b)  # nan == nan here
    except Exception:  # noqa: BLE001 - anything that cannot even be compared differs
        return False


def const_change(a: Const, b: Const) -> str | None:
    """Why constant `b` (second recording) is not the same constant as `a`, or None."""
    if a.array is b.array:  # one array made before the step: replay reads that object
        return None
    if not same(a.array, b.array):
        return ("is a constant that changed between calls: per-step data the step does not "
                "take as an argument (a tensor made in the step, tg.randn(...) too: make it "
                "outside and pass it in)")
    if a.literal and b.literal:
        return None
    if a.tensor is not None and a.tensor is b.tensor:
        return "is a tensor made before the step whose .data was replaced between calls"
    return ("is an array made inside the step (a view or a copy of an argument, or a NumPy "
            "result): even when equal in both calls it may be per-step data, which replay "
            "would freeze; pass it as an argument, or make it before the step")


def _source_change(x: Source, y: Source) -> str | None:
    (k1, r1), (k2, r2) = x, y
    if k1 != k2:
        return "comes from a different place in the two calls"
    if k1 == CONST:
        return const_change(r1, r2)
    return None if (r1 is r2 if k1 == PARAM else r1 == r2) else "differs between the calls"


def difference(a: Recording, b: Recording) -> str | None:
    """Why two recordings of one signature are not one replayable computation, or None."""
    if len(a.ops) != len(b.ops) or [type(e) for e in a.events] != [type(e) for e in b.events]:
        return "the two recorded calls ran different ops (Python control flow on the data?)"
    for i, (x, y) in enumerate(zip(a.ops, b.ops)):
        name = f"op {i} ({x.fn.__name__})"
        if x.fn is not y.fn or x.needs != y.needs or not same(x.out, y.out):
            return f"{name} differs between the two recorded calls"
        for s, t in zip(x.sources, y.sources):
            why = _source_change(s, t)
            if why is not None:
                return f"an input of {name} {why}"
        for key in x.params:
            if not same(x.params[key], y.params.get(key)):
                c1, c2 = _first_const(x.params[key]), _first_const(y.params.get(key))
                why = (const_change(c1, c2) if c1 is not None and c2 is not None
                       else "changed between calls: per-step data the step does not take as "
                       "an argument")
                return f"parameter {key!r} of {name} {why}"
    if not same(a.events, b.events):
        return "backward() differs between the two recorded calls"
    if not same(a.outputs, b.outputs):
        for u, v in zip(consts(a.outputs), consts(b.outputs)):  # (W.detach(), W.data rebound)
            why = const_change(u, v)
            if why is not None:
                return f"a tensor the step returns {why}"
        return "the step's return value is not made of the step's tensors"
    if a.modules.keys() != b.modules.keys():
        return "the two recorded calls used different modules"
    if a.aliases != b.aliases:
        return "the two recorded calls got different arguments as one array"
    return None


def _first_const(v: Any) -> Const | None:
    if isinstance(v, Const):
        return v
    if type(v) in (tuple, list):
        for x in v:
            c = _first_const(x)
            if c is not None:
                return c
    return None


def _const_pairs(a: Recording, b: Recording) -> Any:
    """(c1, c2): each constant of recording b with the one at its place in a, wherever replay
    reads one: op inputs, op parameters (in tuples and lists too: `x[:, idx]`'s index),
    backward seeds (`loss.backward(g)`) and the returned value (`return W.detach()`, a
    buffer tensor returned: `_build` hands back the recorded array). `difference` found the
    two recordings alike, so the places match."""
    for x, y in zip(a.ops, b.ops):
        yield from zip(consts(x.sources), consts(y.sources))
        for key, v in y.params.items():
            yield from zip(consts(x.params.get(key)), consts(v))
    for x, y in zip(a.events, b.events):  # a backward's seed: loss.backward(g)
        if type(y) is BackwardRecord:
            yield from zip(consts(x.seed), consts(y.seed))
    yield from zip(consts(a.outputs), consts(b.outputs))


def borrowed_arrays(a: Recording, b: Recording) -> list[tuple[Any, np.ndarray]]:
    """(tensor, array) for each constant that is one array in both recordings, read through
    tensors made inside the step (`W.detach()`) or as an op parameter the library read from a
    tensor (`where(box.keep, ...)`), per tensor made before the step that owns it in both
    (`Const.owners`): replay reads the array, eager reads owner.data afresh, so a rebound
    .data is a guard."""
    out: dict[tuple[int, int], tuple[Any, np.ndarray]] = {}
    for u, v in _const_pairs(a, b):
        if u.array is v.array:
            for t in v.owners:  # (a tensor made inside the step is not one in both)
                if any(t is o for o in u.owners):
                    out[id(t), id(v.array)] = (t, v.array)
    return list(out.values())


def frozen_tensors(a: Recording, b: Recording) -> list[Const]:
    """Constant tensors made before the step (the same object and array in both recordings):
    replay reads their arrays, so it must be told if one gets new `.data` (a guard)."""
    out: dict[int, Const] = {}
    for u, v in _const_pairs(a, b):
        if v.tensor is not None and u.tensor is v.tensor and u.array is v.array:
            out[id(v.tensor)] = v
    return list(out.values())
