"""The op table assembled: the rows of the topic modules (rows_<topic>.py) in the table's order,
the dtype names, Tensor's members that are not ops, and the namespace tinygrad_dl exports. See
tinygrad_dl.optable."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..functional import method_function
from ..tensor import Tensor
from . import (
    rows_3d,
    rows_activations,
    rows_arithmetic,
    rows_attention,
    rows_binary,
    rows_bitwise,
    rows_casts,
    rows_comparisons,
    rows_constructors,
    rows_counting,
    rows_elementwise,
    rows_gathering,
    rows_inplace,
    rows_linalg,
    rows_math,
    rows_nn_functions,
    rows_pooling,
    rows_reductions,
    rows_shape,
    rows_special,
    rows_splits,
)
from .rows_ctc import ROWS as CTC_ROWS
from .spec import OpInfo


def _with_function(op: OpInfo) -> OpInfo:
    """The row with its one function: the given one, or methods[0] as a function (for ops
    that have tinygrad_dl.<name> or functional names)."""
    if op.function is not None or not (op.names or op.F):
        return op
    method = next((m for m in op.methods if not m.startswith("__")), op.methods[0])
    return replace(op, function=method_function(getattr(Tensor, method), op.tensors))


# The rows in the table's order, which is the docs page's (render.py: the groups in order of
# first appearance, each group's rows in table order): the core rows first (the first op
# table's, each topic's CORE or ROWS), then the rows added by topic later. Special functions and
# constructors come before the modules whose rows open the "Joins and splits" and "Sorting and
# indexing" groups, and each group's rows in the order they had.
_CORE: tuple[OpInfo, ...] = (rows_arithmetic.ROWS + rows_math.ROWS + rows_binary.ROWS
                             + rows_activations.ROWS + rows_reductions.CORE
                             + rows_gathering.CORE + rows_linalg.CORE + rows_shape.CORE
                             + rows_splits.CORE + rows_nn_functions.ROWS + rows_casts.CORE
                             + rows_inplace.CORE + rows_counting.ROWS + rows_comparisons.ROWS)
OPS: tuple[OpInfo, ...] = tuple(map(_with_function, _CORE + rows_linalg.ROWS + rows_special.ROWS
                                     + rows_constructors.ROWS + rows_splits.ROWS
                                     + rows_shape.ROWS + rows_gathering.ROWS
                                     + rows_reductions.ROWS + rows_elementwise.ROWS
                                     + rows_bitwise.ROWS + rows_casts.ROWS + rows_inplace.ROWS
                                     + rows_3d.ROWS + CTC_ROWS + rows_pooling.ROWS
                                     + rows_attention.ROWS))
CONSTRUCTORS: tuple[OpInfo, ...] = tuple(map(_with_function,
                                              rows_constructors.constructors(
                                                  rows_constructors.CORE)))
ALL: tuple[OpInfo, ...] = OPS + CONSTRUCTORS
BY_NAME: dict[str, OpInfo] = {op.name: op for op in ALL}

# dtype names as PyTorch spells them (torch.float is float32, torch.int int32), and NumPy's
DTYPES: dict[str, Any] = {
    "float16": np.float16, "float32": np.float32, "float64": np.float64, "half": np.float16,
    "float": np.float32, "double": np.float64, "int8": np.int8, "int16": np.int16,
    "int32": np.int32, "int64": np.int64, "short": np.int16, "int": np.int32, "long": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "bool": np.bool_, "complex64": np.complex64, "complex128": np.complex128,
    "cfloat": np.complex64, "cdouble": np.complex128,
}

# Tensor's public members that are not ops (introspection, conversion, autograd, constructors)
NOT_OPS = frozenset({
    "data", "grad", "requires_grad", "name", "shape", "dtype", "ndim", "size", "is_leaf",
    "numpy", "item", "tolist", "zero_grad", "retain_grad", "retains_grad", "register_hook",
    "register_post_accumulate_grad_hook", "backward", "draw", "zeros", "ones",
    "randn", "numel", "nelement", "dim", "ndimension", "cpu", "cuda", "device", "is_cuda",
    "grad_fn", "requires_grad_", "contiguous",
    "is_contiguous", "stride", "element_size", "is_floating_point",  # layout and dtype questions
    "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor",  # constants like x
    "is_nonzero", "is_same_size", "is_signed", "is_complex", "is_conj", "is_neg", "nbytes",
    "itemsize",  # Python answers about a tensor (layout.py)
    "is_cpu", "get_device", "equal", "imag",  # where it lives; a bool; refused (layout.py, ...)
    "detach_", "is_inference",  # graph machinery; a bool (tensor/autograd_flags.py)
    "from_result",  # an op's result array as a tensor, unchecked (the engine's constructor)
    "as_strided_",  # refused in one line: no storage apart from the values (tensor/shape.py)
    "bfloat16",  # refused in one line: NumPy has no bfloat16 (tensor/casts.py)
})




def namespace() -> dict[str, Any]:
    """Every op under each of its NumPy and PyTorch names (and this library's own), and the
    dtype names: what `tinygrad_dl/__init__.py` exports."""
    out: dict[str, Any] = {}
    for op in ALL:
        for n in op.names:
            if n in out and out[n] is not op.fn_for(n):
                raise RuntimeError(f"optable: {n!r} names two ops")
            out[n] = op.fn_for(n)
    return {**out, **DTYPES}

