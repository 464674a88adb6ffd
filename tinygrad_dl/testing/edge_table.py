"""The machinery of the project's rows of the edge-case table (tinygrad_dl.testing.edges):
`rows` (one row per case) and the helpers and constants the rows share. The rows themselves,
every public op on empty arrays, one element, ties, +-inf, NaN and arguments outside its domain,
are in edge_table_<topic>.py (elementwise, arithmetic, reductions, shape, gathering, ...), which
tinygrad_dl.testing imports. `T` in a `torch=` lambda is the torch module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from .edges import Edge, add_edge

INF, NAN = np.inf, np.nan
E = np.zeros(0)  # the empty array
E2 = np.zeros((2, 0))


def rows(op: str, call: Any, cases: dict[str, tuple[Any, ...]], **kw: Any) -> None:
    """One row per case (name -> inputs), all with the same call and references; a case
    name ending in "!" is also checked against finite differences."""
    for case, inputs in cases.items():
        fd = case.endswith("!")
        add_edge(Edge(op, case.rstrip("!"), call, tuple(inputs), fd=fd, **kw))


# helpers of the topic modules' rows (edge_table_<topic>.py)
def a64(*v: float) -> np.ndarray:
    return np.array(v, dtype=np.float64)


def joined(pieces: Any) -> Any:
    """Pieces weighted by their place and joined (tg's or torch's: both have cat)."""
    mod = tg if isinstance(pieces[0], Tensor) else __import__("torch")
    return mod.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)])


def inplace_call(method: str, *args: Any, **kwargs: Any) -> Any:
    """A call that runs x.<method>(*args, **kwargs) (an in-place form) and returns x."""
    def call(x: Tensor) -> Tensor:
        getattr(x, method)(*args, **kwargs)
        return x
    return call
