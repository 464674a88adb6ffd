"""The records a `record.Recording` is made of, which `compare` matches between two recordings
and `plan` / `plan_choices` replay: where an array an op reads comes from (`Source`: OUT, IN, PARAM,
CONST), each op applied (`OpRecord`), each backward (`BackwardRecord`, its `Visit`s), the
step's return value (`Returned`), the stand-ins for arrays (`Spec`, `Const`) and for op
parameters that are arrays (`Input`, `Out`), and `consts`, the Consts any of them holds."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

OUT, IN, PARAM, CONST = 0, 1, 2, 3  # where an op's input comes from: the kinds of a Source


class Source(NamedTuple):
    """Where an array an op reads comes from: `kind` OUT (`ref`: the index of the op that made
    it), IN (the argument's position), PARAM (the parameter Tensor) or CONST (a Const)."""

    kind: int
    ref: Any


class OpRecord(NamedTuple):
    """One op applied: its Function class, where its inputs come from, its parameters (arrays
    as Input, Out or Const), which inputs need a gradient (None: not recorded for backward),
    and its output (the Tensor while recording, then its Spec)."""

    fn: type
    sources: tuple[Source, ...]
    params: dict[str, Any]
    needs: tuple[bool, ...] | None
    out: Any


class Visit(NamedTuple):
    """One op that a backward reached: the key of its output and of each of its inputs (None
    for an input that needs no gradient). Keys: op outputs by index, then the leaves."""

    key: int
    inputs: tuple[int | None, ...]


class BackwardRecord(NamedTuple):
    """One backward(): the root's key, the seed gradient's source, the ops in the order
    backward visited them, the leaves as (key, Tensor), and retain_graph."""

    root: int
    seed: Source
    order: tuple[Visit, ...]
    leaves: tuple[tuple[int, Any], ...]
    retain_graph: bool


class Returned(NamedTuple):
    """How to rebuild the step's return value: `how` is TENSOR (a Tensor of `ref`, a Source),
    ARRAY (`ref`'s array: an op output or an argument), VALUE (`ref` itself), or a container
    type (tuple, list, dict) of `items`, with `ref` the dict's keys; `cls` the class of a
    returned op result that is a Tensor subclass (eager's type(inputs[0]).from_result)."""

    how: Any
    ref: Any = None
    items: tuple[Returned, ...] = ()
    cls: Any = None


TENSOR, ARRAY, VALUE = "tensor", "array", "value"  # Returned.how besides container types


class Spec:
    """Stands in for an array whose value replay does not compute: only its shape is read."""

    __slots__ = ("shape", "dtype", "ndim")

    def __init__(self, a: np.ndarray) -> None:
        self.shape, self.dtype, self.ndim = a.shape, a.dtype, a.ndim


class Const:
    """A constant an op reads: its Tensor (None for an op parameter), its array, and whether
    the array is a literal of the step's code (made from Python numbers and shapes only)."""

    __slots__ = ("tensor", "array", "literal", "owners")

    def __init__(self, tensor: Any, array: np.ndarray, literal: bool) -> None:
        self.tensor, self.array, self.literal = tensor, array, literal
        # the tensors the step can reach whose .data this array is (`W` for `W.detach()`),
        # set when the recording finishes: replay reads this array, so W.data rebound is a
        # guard (all of them: two tensors may share one array, and eager reads the one used)
        self.owners: tuple[Any, ...] = ()


class Input(NamedTuple):
    """An op parameter that is the step's j-th argument array (targets, index arrays)."""

    j: int


class Out(NamedTuple):
    """An op parameter that is the array an earlier op i computed (where's condition)."""

    i: int


def consts(v: Any) -> Any:
    """The Consts in `v`, in order: an op's sources or parameters (tuples and lists of them:
    `x[:, idx]`'s index), or a Returned (a returned constant tensor, `return W.detach()`)."""
    t = type(v)
    if t is Const:
        yield v
    elif t is Source:
        if v.kind == CONST:
            yield v.ref
    elif t is Returned:
        if v.how is TENSOR:
            yield from consts(v.ref)
        for x in v.items:
            yield from consts(x)
    elif t in (tuple, list):
        for x in v:
            yield from consts(x)
