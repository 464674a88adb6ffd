"""torch.testing's `assert_close` and `make_tensor` (no hypothesis needed: `import tinygrad_dl
as torch; torch.testing.assert_close(actual, expected)`), and the kit to property-test your own
ops the way tinygrad_dl tests its own: hypothesis strategies for
shapes (with broadcasting) and for values kept away from an op's kinks and poles, and
`check_grad`, a one-call check of any function of tensors against finite differences.

    from hypothesis import given
    from tinygrad_dl.testing import arrays, check_grad, shapes

    @given(arrays(shapes()))
    def test_cube(x):
        check_grad(lambda t: Cube.apply(t), x, ref=lambda a: a**3)

Shapes have 0 to 4 dims with size-1 dims for broadcasting. Values are float64 kept a margin away
from every kink and pole of the op under test (relu/abs at 0, clip bounds, ties of max/maximum,
log/sqrt of <= 0, division near 0), so finite differences measure the true derivative.
Values are never rejected: they are *pushed* out of the excluded zones, so hypothesis never
filters and every example counts. `check_float32` checks that float32 stays float32 and agrees
with the float64 gradient. Needs hypothesis (`pip install "tinygrad_dl[testing]"`).

Edge cases (empty arrays, one element, ties, +-inf, NaN, out-of-domain arguments) of every
public op are one table, `tinygrad_dl.testing.edges.EDGES`, checked against NumPy and PyTorch
by `check_edge`; add rows for your own ops there (see that module).

`op_inputs(op.sample)` (testing.samples) draws the inputs of any op of the op table
(tinygrad_dl.optable): the table declares them as data, that module makes them strategies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_dl import Tensor
from tinygrad_dl.device import absent_name as _absent_name
from tinygrad_dl.testing.grad_check import TOL, check_grad, upstream  # the check, its module

# torch.testing's public names (comparison.py, creation.py): plain NumPy, no hypothesis
from .comparison import assert_close
from .creation import make_tensor

# the strategies (and samples' below) need hypothesis, an optional extra: without it the
# package still imports (assert_close, check_grad, the edge table) and each of their names
# raises one line naming the extra
try:
    from tinygrad_dl.testing.strategies import (  # the strategies: re-exported, the kit's names
        MAX_DIMS,
        MAX_SIDE,
        arrays,
        axes,
        broadcastable_shapes,
        distinct_arrays,
        lattice,
        nonzero_arrays,
        positive_arrays,
        push_away,
        shapes,
        untied_pairs,
    )
except ModuleNotFoundError as missing:
    if missing.name != "hypothesis":
        raise
    HAS_HYPOTHESIS = False
else:
    HAS_HYPOTHESIS = True

_NEEDS_HYPOTHESIS = {"MAX_DIMS", "MAX_SIDE", "arrays", "axes", "broadcastable_shapes",
                     "distinct_arrays", "lattice", "nonzero_arrays", "positive_arrays",
                     "push_away", "shapes", "untied_pairs", "STRATEGIES", "domain_arrays",
                     "op_inputs"}


def __getattr__(name: str) -> Any:
    if name in _NEEDS_HYPOTHESIS:  # (only reached without hypothesis: otherwise defined)
        msg = (f"tinygrad_dl.testing.{name} needs hypothesis: pip install "
               '"tinygrad_dl[testing]" (assert_close and make_tensor do not)')
        # `from tinygrad_dl.testing import arrays` (IMPORT_FROM) would turn an AttributeError
        # into Python's bare "cannot import name": there the line is the ImportError (as in
        # tinygrad_dl/__init__.py); an attribute read keeps AttributeError (hasattr is False)
        _absent_name(__name__, msg)
    raise AttributeError(f"module 'tinygrad_dl.testing' has no attribute {name!r}")


__all__ = ["MAX_DIMS", "MAX_SIDE", "TOL", "arrays", "assert_close", "axes", "broadcastable_shapes",
           "check_float32", "check_grad", "distinct_arrays", "lattice", "make_tensor",
           "nonzero_arrays", "positive_arrays", "push_away", "shapes", "untied_pairs", "upstream",
           "value_and_grads"]
if not HAS_HYPOTHESIS:  # (`from tinygrad_dl.testing import *` takes what is there)
    __all__ = [n for n in __all__ if n not in _NEEDS_HYPOTHESIS]

# check_float32's smallest scale: float32's rounding of an op's intermediates (~1e-7 of them)
# stays within tol of it where an output or a gradient is ~0 (sinc at 1: -2.8e-8, not 4e-17)
_FLOOR32 = 1e-3


def value_and_grads(fn: Callable[..., Tensor], inputs: Sequence[Tensor], weight: np.ndarray
                    ) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """fn(*inputs) and the gradients of sum(fn(*inputs) * weight) w.r.t. each input."""
    for t in inputs:
        t.grad = None
    out = fn(*inputs)
    (out * Tensor(weight)).sum().backward()
    return out.data, [t.grad for t in inputs]


def check_float32(
    op: Callable[..., Tensor], *arrays: np.ndarray, tol: float = 1e-3, seed: int = 0, **kw: Any
) -> None:
    """op on float32 copies of `arrays` gives a float32 output and float32 gradients that match
    the float64 ones at the same (float32-rounded) inputs (checked against finite differences
    by check_grad) to a relative error of `tol` measured against the largest entry (float32
    has ~7 digits), or against 1e-3 where that is smaller: a floor of 1 passed any float32
    gradient of entries below 1e-3, and a NaN one passed too."""
    results = []
    for dtype in (np.float32, np.float64):  # float64 at the float32-rounded inputs: what
        # float32 loses inside the op, not the rounding of its inputs (pow's y log x at x near 1)
        # integer and boolean arrays (class labels, indices) stay as given, without a
        # gradient, as in check_grad: made float32, cross_entropy refused its labels
        leaves = [Tensor(np.asarray(a, dtype=np.float32).astype(dtype), requires_grad=True)
                  if np.asarray(a).dtype.kind not in "biu" else Tensor(np.array(a, copy=True))
                  for a in arrays]
        out = op(*leaves, **kw)
        assert out.dtype == dtype, f"{dtype.__name__} inputs gave a {out.dtype} output"
        out.backward(upstream(out.shape, seed).astype(dtype))
        grads = [None if not t.requires_grad else np.zeros(t.shape, dtype) if t.grad is None
                 else t.grad for t in leaves]
        for i, g in enumerate(grads):
            assert g is None or g.dtype == dtype, (
                f"input {i}: {dtype.__name__} input got a {g.dtype} grad")
        results.append((out.data, grads))
    (o32, g32), (o64, g64) = results
    scale = max(_FLOOR32, float(np.abs(o64).max(initial=0.0)))
    np.testing.assert_allclose(o32, o64, rtol=tol, atol=tol * scale, err_msg="float32 forward")
    for i, (a, b) in enumerate(zip(g32, g64)):
        if a is None or b is None:
            continue
        gscale = max(_FLOOR32, float(np.abs(b).max(initial=0.0)))
        with np.errstate(invalid="ignore"):
            err = np.nan_to_num(np.abs(a - b) / gscale, nan=np.inf)
        if err.size and err.max() > tol:
            k = np.unravel_index(int(np.argmax(err)), err.shape)
            raise AssertionError(
                f"input {i} {a.shape}: float32 gradient off by {err.max():.3e} (relative to the "
                f"largest entry) > {tol:.0e} at {tuple(int(j) for j in k)}: float32 {a[k]!r}, "
                f"float64 {b[k]!r}"
            )


# the edge-case table of every public op (tinygrad_dl.testing.edges; rows in edge_table_*.py),
# imported in this order, not sorted: each op's rows keep the order they were written in (the
# rows that were edge_table.py's first, then edge_table_aliases.py's torch spellings (it follows
# the modules of ce's, embeddings' and random's ops and precedes the other topics), shape's clone
# rows before elementwise's)
# isort: off
from . import (  # noqa: E402
    edge_table,  # noqa: E402, F401  (rows() and the helpers the rows share)
    edge_table_3d,  # noqa: E402, F401  (the 3-D layers' functions')
    edge_table_activations,  # noqa: E402, F401  (the in-place activations')
    edge_table_ce,  # noqa: E402, F401  (softmax's and the cross-entropy losses')
    edge_table_embeddings,  # noqa: E402, F401  (embedding_bag's)
    edge_table_random,  # noqa: E402, F401  (random ops' deterministic parts)
    edge_table_aliases,  # noqa: E402, F401  (torch's spellings of F's ops')
    edge_table_arithmetic,  # noqa: E402, F401  (binary arithmetic's)
    edge_table_attention,  # noqa: E402, F401  (multi_head_attention_forward's)
    edge_table_casts,  # noqa: E402, F401  (the dtype casts')
    edge_table_constructors,  # noqa: E402, F401  (the constant makers')
    edge_table_convolution,  # noqa: E402, F401  (conv1d's)
    edge_table_counting,  # noqa: E402, F401  (sorting's, counting's and searching's)
    edge_table_ctc,  # noqa: E402, F401  (ctc_loss', affine_grid's and grid_sample's)
    edge_table_shape,  # noqa: E402, F401  (shape and view ops')
    edge_table_elementwise,  # noqa: E402, F401  (elementwise functions')
    edge_table_gathering,  # noqa: E402, F401  (indexed reads and writes')
    edge_table_inplace,  # noqa: E402, F401  (the in-place forms')
    edge_table_linalg,  # noqa: E402, F401  (torch.linalg's)
    edge_table_losses,  # noqa: E402, F401  (more losses')
    edge_table_matrices,  # noqa: E402, F401  (matrix products' and norms')
    edge_table_normalization,  # noqa: E402, F401  (the normalizations')
    edge_table_pooling,  # noqa: E402, F401  (pools' and resampling's)
    edge_table_recurrent,  # noqa: E402, F401  (the RNN cells')
    edge_table_reductions,  # noqa: E402, F401  (reductions', scans' and statistics')
    edge_table_special,  # noqa: E402, F401  (torch.special's)
)
# isort: on

# the inputs of every op of the op table (tinygrad_dl.optable), drawn from its rows
if HAS_HYPOTHESIS:
    from .samples import STRATEGIES, domain_arrays, op_inputs  # noqa: E402, F401
