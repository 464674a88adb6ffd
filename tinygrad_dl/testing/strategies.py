"""The hypothesis strategies of the kit (re-exported by tinygrad_dl.testing): shapes with
broadcasting, and float64 values pushed a margin away from an op's kinks and poles, never
filtered, so every example counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_DIMS = 4
MAX_SIDE = 4


# ---- shapes --------------------------------------------------------------------------------
def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE) -> Any:
    """One shape, 0-4 dims, sides 1..4 (size-1 sides included)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def broadcastable_shapes(n: int = 2, min_dims: int = 0, max_dims: int = MAX_DIMS) -> Any:
    """n shapes that broadcast together (size-1 and missing leading dims), as a tuple."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, max_side=MAX_SIDE
    ).map(lambda b: b.input_shapes)


# ---- values --------------------------------------------------------------------------------
def _zones(points: Sequence[float], margin: float) -> list[list[float]]:
    """The open intervals within `margin` of `points`, those closer than 2 margin merged."""
    zones: list[list[float]] = []
    for p in sorted(points):
        if zones and p - margin < zones[-1][1]:
            zones[-1][1] = p + margin
        else:
            zones.append([p - margin, p + margin])
    return zones


def push_away(a: np.ndarray, points: Sequence[float], margin: float,
              lo: float = -np.inf, hi: float = np.inf) -> np.ndarray:
    """Move every value within `margin` of one of `points` to that distance, on its own side
    (points closer than 2 margin make one zone: a value in it goes to its nearer edge; moved
    point by point, one could land on the next point, 0.05 -> 0.1 for the points 0.1 and 0),
    or to the zone's other edge where the nearer one lies outside [lo, hi] (`arrays`' range:
    0.01 went to -0.05 for the point 0.05 with lo = 0, and a log's check drew a negative)."""
    a = np.array(a, dtype=np.float64)
    for z0, z1 in _zones(points, margin):
        inside = (a > z0) & (a < z1)
        if not inside.any():
            continue
        if z0 < lo and z1 > hi:
            raise ValueError(f"push_away: every value in [{lo}, {hi}] is within {margin} of "
                             f"{list(points)}")
        up = (z1 - a[inside] <= a[inside] - z0) if lo <= z0 and z1 <= hi else z0 < lo
        a[inside] = np.where(up, z1, z0)
    return a


def arrays(
    shape: Any,
    lo: float = -3.0,
    hi: float = 3.0,
    avoid: Sequence[float] = (),
    margin: float = 0.1,
) -> Any:
    """float64 arrays of `shape` (a tuple or a strategy) with values in [lo, hi], none within
    `margin` of the points in `avoid` (the op's kinks or poles)."""
    if any(z0 < lo and z1 > hi for z0, z1 in _zones(avoid, margin)):
        raise ValueError(f"arrays: every value in [{lo}, {hi}] is within {margin} of "
                         f"avoid={list(avoid)}: no value to draw")
    elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    # fill=nothing draws every element: hypothesis' default fills most of an array with one
    # value (often 0), and all-zero operands hide wrong gradients (e.g. ignoring upstream)
    return hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing()).map(
        lambda a: push_away(a, avoid, margin, lo, hi)
    )


def positive_arrays(shape: Any, lo: float = 0.2, hi: float = 4.0) -> Any:
    """Values safely inside the domain of log, sqrt and real powers."""
    return arrays(shape, lo, hi)


def nonzero_arrays(shape: Any, margin: float = 0.5) -> Any:
    """Values of either sign with |x| >= margin: safe denominators."""
    return arrays(shape, -3.0, 3.0, avoid=(0.0,), margin=margin)


def distinct_arrays(shape: Any, gap: float = 0.01) -> Any:
    """Values pairwise at least `gap` apart (a shuffled grid in [-3, 3]): no ties for max."""
    size = st.integers(-300, 300)
    return hnp.arrays(np.int64, shape, elements=size, unique=True).map(
        lambda a: a.astype(np.float64) * gap
    )


def lattice(a: np.ndarray, offset: float, step: float = 0.4, spread: float = 0.25) -> np.ndarray:
    """Squeeze values to within spread*step/2 of the points offset + k*step. Two arrays squeezed
    to the lattices at offsets 0 and step/2 are >= step*(1/2 - spread) apart everywhere, whatever
    broadcasting pairs up: ties of maximum(x, y) are impossible."""
    k = np.round((a - offset) / step)
    return np.asarray(offset + step * (k + spread * ((a - offset) / step - k)))


@st.composite
def untied_pairs(draw: Any, shapes_: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) float64 arrays of broadcastable shapes, >= 0.1 apart wherever they meet."""
    sx, sy = draw(broadcastable_shapes() if shapes_ is None else shapes_)
    return lattice(draw(arrays(sx)), 0.0), lattice(draw(arrays(sy)), 0.2)


def axes(ndim: int) -> Any:
    """A valid `axis` argument: None, one int (negative too) or a tuple of distinct axes."""
    choices = [st.none(), hnp.valid_tuple_axes(ndim)]
    if ndim:
        choices.insert(1, st.integers(-ndim, ndim - 1))
    return st.one_of(*choices)
