"""Hypothesis strategies for the inputs of every op of the op table (tinygrad_dl.optable):
the table declares them as data (Elementwise, Reduction, Cases, Drawn), `op_inputs` makes them
strategies of (arrays, keyword arguments). tests/test_ops.py runs every op through check_grad
and check_float32 with them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_dl.optable import Cases, Domain, Drawn, Elementwise, Reduction
from tinygrad_dl.testing import (  # defined before the package imports this module
    MAX_DIMS,
    MAX_SIDE,
    arrays,
    broadcastable_shapes,
    distinct_arrays,
    nonzero_arrays,
    shapes,
    untied_pairs,
)


def domain_arrays(shape: Any, domain: Domain) -> Any:
    """float64 arrays of `shape` with values from an op table Domain."""
    if domain.distinct:
        return distinct_arrays(shape, domain.gap)
    return arrays(shape, domain.lo, domain.hi, domain.avoid, domain.margin)


@functools.singledispatch
def op_inputs(sample: Any) -> Any:
    """A strategy of (arrays, kwargs) for an op table row's `sample`: the tensors' values and
    the keyword arguments to call the op with."""
    raise TypeError(f"no strategy for the sample {sample!r}")


@op_inputs.register
def _(sample: Elementwise) -> Any:
    n = len(sample.domains)
    if sample.untied:
        return untied_pairs().map(lambda xy: (xy, {}))
    shapes_ = shapes().map(lambda s: (s,)) if n == 1 else broadcastable_shapes(n)
    return shapes_.flatmap(lambda ss: st.tuples(*[domain_arrays(s, d) for s, d in
                                                  zip(ss, sample.domains)])).map(
        lambda xs: (xs, {}))


@st.composite
def _reduction(draw: Any, sample: Reduction) -> tuple[tuple[np.ndarray], dict[str, Any]]:
    lo = 1 if not sample.none_axis or sample.min_count > 1 else 0
    shape = draw(hnp.array_shapes(min_dims=lo, max_dims=MAX_DIMS,
                                  min_side=sample.min_count, max_side=MAX_SIDE))
    nd = len(shape)
    choices = [st.none()] if sample.none_axis else []
    if nd:
        choices.append(st.integers(-nd, nd - 1))
    if sample.tuple_axes:
        choices.append(hnp.valid_tuple_axes(nd, min_size=1 if sample.min_count > 1 else 0))
    kwargs = {"axis": draw(st.one_of(*choices))}
    if sample.keepdims:
        kwargs["keepdims"] = draw(st.booleans())
    return (draw(domain_arrays(shape, sample.domain)),), kwargs


@op_inputs.register
def _(sample: Reduction) -> Any:
    return _reduction(sample)


@op_inputs.register
def _(sample: Cases) -> Any:
    return st.sampled_from(sample.cases).flatmap(lambda c: st.tuples(
        st.tuples(*[domain_arrays(s, c.domain) for s in c.shapes]), st.just(dict(c.kwargs))))


@op_inputs.register
def _(sample: Drawn) -> Any:
    return STRATEGIES[sample.name]()


@st.composite
def _matmul(draw: Any) -> Any:
    """1-D @ 1-D, 1-D @ 2-D, 2-D @ 1-D, 2-D @ 2-D and batched with broadcasting."""
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    bx, by = draw(broadcastable_shapes(min_dims=1, max_dims=2))
    sx, sy = draw(st.sampled_from([((k,), (k,)), ((k,), (k, m)), ((n, k), (k,)), ((n, k), (k, m)),
                                   (bx + (n, k), by + (k, m)), ((k,), by + (k, m)),
                                   (bx + (n, k), (k,))]))
    return (draw(arrays(sx)), draw(arrays(sy))), {}


@st.composite
def _dot(draw: Any) -> Any:
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    sx, sy = draw(st.sampled_from([((k,), (k,)), ((n, k), (k,)), ((k,), (k, m)), ((n, k), (k, m)),
                                   ((2, n, k), (k,)), ((2, n, k), (2, k, m)), ((), (n, k))]))
    return (draw(arrays(sx)), draw(arrays(sy))), {}


@st.composite
def _mod(draw: Any) -> Any:
    """x, y with x / y kept off the integers (where mod jumps)."""
    sx, sy = draw(broadcastable_shapes())
    y = draw(nonzero_arrays(sy))
    q = draw(arrays(sx, -3, 3))
    q = np.floor(q) + 0.2 + 0.6 * (q - np.floor(q))  # the fractional part is in [0.2, 0.8]
    if q.ndim < y.ndim or any(a < b for a, b in zip(q.shape[::-1], y.shape[::-1])):
        q = np.broadcast_to(q, np.broadcast_shapes(sx, sy))  # x = q y must keep x's shape
    return (q * y, y), {}


@st.composite
def _where(draw: Any) -> Any:
    sc, sx, sy = draw(broadcastable_shapes(3))
    return (draw(arrays(sx)), draw(arrays(sy))), {"cond": draw(hnp.arrays(np.bool_, sc))}


@st.composite
def _reshape(draw: Any) -> Any:
    shape = draw(shapes())
    size = int(np.prod(shape))
    target = draw(st.sampled_from([(size,), (-1,), shape[::-1], (1, *shape, 1), (size, 1)]))
    return (draw(arrays(shape)),), {"shape": target}


@st.composite
def _transpose(draw: Any) -> Any:
    shape = draw(shapes())
    perm = draw(st.permutations(range(len(shape))))
    negative = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    perm = tuple(p - len(shape) if neg else p for p, neg in zip(perm, negative))
    return (draw(arrays(shape)),), {"axes": draw(st.sampled_from([None, perm]))}


@st.composite
def _getitem(draw: Any) -> Any:
    """Basic indices, class-index picks x[arange(n), y], repeated rows, masks, mixed."""
    shape = draw(shapes(min_dims=1))
    kind = draw(st.sampled_from(["basic", "pick", "rows", "mask", "mixed"]))
    if kind == "basic":
        index = draw(hnp.basic_indices(shape, allow_newaxis=True))
    elif kind == "pick" and len(shape) >= 2:
        cols = draw(st.lists(st.integers(0, shape[1] - 1), min_size=shape[0], max_size=shape[0]))
        index = (np.arange(shape[0]), np.array(cols))
    elif kind == "rows":
        index = np.array(draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1,
                                       max_size=6)))
    elif kind == "mask":
        index = draw(hnp.arrays(np.bool_, shape))
    else:
        index = (Ellipsis, np.array(draw(st.lists(st.integers(0, shape[-1] - 1), min_size=1,
                                                  max_size=4))))
    return (draw(arrays(shape)),), {"index": index}


@st.composite
def _joined(draw: Any, new_axis: bool) -> Any:
    shape = draw(shapes(min_dims=0 if new_axis else 1, max_dims=3))
    nd = len(shape)
    axis = draw(st.integers(-nd - 1, nd) if new_axis else st.integers(-nd, nd - 1))
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        s = list(shape)
        if not new_axis:
            s[axis] = draw(st.integers(1, 3))
        parts.append(draw(arrays(tuple(s))))
    return tuple(parts), {"axis": axis}


@st.composite
def _take_along_axis(draw: Any) -> Any:
    shape = draw(shapes(min_dims=1, max_dims=3))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    ishape = list(shape)
    ishape[axis] = draw(st.integers(1, 5))
    n = shape[axis]
    indices = draw(hnp.arrays(np.int64, tuple(ishape), elements=st.integers(-n, n - 1)))
    return (draw(arrays(shape)),), {"indices": indices, "axis": axis}


@st.composite
def _gather(draw: Any) -> Any:
    shape = draw(shapes(min_dims=1, max_dims=3))
    dim = draw(st.integers(0, len(shape) - 1))
    ishape = [draw(st.integers(1, n)) for n in shape]
    ishape[dim] = draw(st.integers(1, 5))
    index = draw(hnp.arrays(np.int64, tuple(ishape), elements=st.integers(0, shape[dim] - 1)))
    return (draw(arrays(shape)),), {"dim": dim, "index": index}


# named strategies the op table's Drawn(name) samples refer to
STRATEGIES: dict[str, Callable[[], Any]] = {
    "matmul": _matmul, "dot": _dot, "mod": _mod, "where": _where, "reshape": _reshape,
    "transpose": _transpose, "getitem": _getitem, "concatenate": lambda: _joined(False),
    "stack": lambda: _joined(True), "take_along_axis": _take_along_axis, "gather": _gather,
}
