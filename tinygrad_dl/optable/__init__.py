"""The op table: every public op of tinygrad_dl, declared once (in the spirit of PyTorch's
OpInfo) with its NumPy and PyTorch names, what computes it, where it is reachable (Tensor
method, `tinygrad_dl.<name>` function, `tinygrad_dl.functional`), its gradient notes, a NumPy
reference and the inputs its tests draw.

Three things read the table: `tinygrad_dl/__init__.py` exports every op under each of its
NumPy and PyTorch names (`namespace()`), the docs' op page is rendered from it
(`render_markdown()`), and tests/test_ops.py walks it (gradients against finite differences,
float32, every name reachable, a docs row, an edge-case row). A row's `name` is the op's public
name: the key of its docs row and of `tinygrad_dl.testing.EDGE_CASES`.

The package: spec.py (what a row says, the test inputs as data, the groups and the row builders
of a kind), table.py (the assembled table: the topics' rows in order, DTYPES, NOT_OPS,
namespace()), rows_<topic>.py (the rows of one topic: rows_arithmetic, rows_math, rows_binary,
rows_activations, rows_comparisons, rows_counting, rows_nn_functions, rows_shape,
rows_reductions, rows_gathering, rows_splits, rows_elementwise, rows_bitwise, rows_casts,
rows_inplace, rows_constructors, rows_linalg, rows_special, rows_pooling, rows_attention,
rows_3d, rows_ctc), refs.py (references and test calls some rows need), render.py (the docs'
op page).

Adding an op: its Function (tinygrad_dl/ops/), its Tensor method (in the module of its group
in tensor/: elementwise.py, reductions.py, shape.py, ...) or function (the module of its kind in
functional/, re-exported by functional/__init__.py), and one row in the rows_<topic>.py of its
topic (table.py lists the modules).
"""

from .render import render_differences, render_markdown
from .spec import (
    DISTINCT,
    KINK0,
    NONZERO,
    POSITIVE,
    REAL,
    UNIT,
    Case,
    Cases,
    Domain,
    Drawn,
    Elementwise,
    OpInfo,
    Reduction,
    Sample,
)
from .table import ALL, BY_NAME, CONSTRUCTORS, DTYPES, NOT_OPS, OPS, namespace

__all__ = [
    "ALL", "BY_NAME", "CONSTRUCTORS", "DISTINCT", "DTYPES", "KINK0", "NONZERO", "NOT_OPS", "OPS",
    "POSITIVE", "REAL", "UNIT", "Case", "Cases", "Domain", "Drawn", "Elementwise", "OpInfo",
    "Reduction", "Sample", "namespace", "render_differences", "render_markdown",
]
