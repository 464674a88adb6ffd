"""torch 2.13's F.linear_cross_entropy and nn.LinearCrossEntropyOptions: cross_entropy of a
linear layer's logits, by default as the two ops (F.linear, then F.cross_entropy), or, given
`options`, chunked over the rows (ops.ChunkedLinearCrossEntropy: the (N, C) logits never held
whole)."""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np

from ..ops.linear_cross_entropy import ChunkedLinearCrossEntropy
from ..tensor import Tensor, data_of, plain_array
from ..tensor import as_tensor as like_tensor  # (a constant in `like`'s float dtype)
from ..tensor.casts import np_dtype
from .layers import linear
from .losses import check_reduction, class_weight, cross_entropy, label_smoothing_arg
from .methods import as_tensor_of, as_tensors

__all__ = ["LinearCrossEntropyOptions", "linear_cross_entropy"]

_POLICIES = ("auto", "accurate", "balanced", "compact")


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """torch's chunking options for `linear_cross_entropy` (a frozen dataclass, its fields,
    defaults and checks): given, the loss runs over blocks of rows, so the (N, C) logits are
    never held whole.

    batch_chunk_size: rows per block (None: one block, unless chunking_method picks it).
    chunking_method: "auto" (torch's CPU pick: "aspect_ratio" for float16, else
    "aspect_ratio:2"), "aspect_ratio[:k]" (blocks whose (rows, C) logits are about the (N, D)
    input's size, divided by k: next_pow2(ceil(N / ceil(C / D))) // k rows), or None (use
    batch_chunk_size). Both given and disagreeing: ValueError, as torch.
    allow_retain_graph, acc_policy: accepted and checked, and change nothing here (the
    backward recomputes each block from the saved inputs, so backward may run again;
    every block is computed in the input's dtype). acc_dtype: None or the input's dtype
    (torch's float32 accumulation of float16 input is refused: NumPy computes in one dtype).
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: Any = None

    def __post_init__(self) -> None:
        if self.acc_policy not in _POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and self.chunking_method != "auto":
            name, sep, factor = str(self.chunking_method).partition(":")
            factor = factor if sep else "1"
            if not (name == "aspect_ratio" and factor.isdigit() and int(factor) > 0):
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        b = self.batch_chunk_size
        if not (b is None or (isinstance(b, int) and not isinstance(b, bool) and b > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {b!r}")
        if self.acc_dtype is not None and np_dtype(
                self.acc_dtype, "LinearCrossEntropyOptions") not in _ACC_DTYPES:
            raise ValueError("acc_dtype must be one of {None, float16, float32, float64}, got "
                             f"{self.acc_dtype!r}")

    def chunk_rows(self, num_batches: int, in_features: int, num_classes: int,
                   dtype: Any) -> int:
        """The rows per block for this call (torch's `_adjust`, on the CPU)."""
        method = self.chunking_method
        if method == "auto":
            method = (None if self.batch_chunk_size is not None
                      else "aspect_ratio" if np.dtype(dtype) == np.float16 else "aspect_ratio:2")
        rows = num_batches if self.batch_chunk_size is None else min(self.batch_chunk_size,
                                                                     num_batches)
        if method is not None:
            name, _, factor = method.partition(":")
            grow = -(-num_classes // max(in_features, 1))  # (no features: one class a row)
            target = -(-num_batches // max(grow, 1))
            rows = min((1 << (target - 1).bit_length()) // int(factor or 1), num_batches)
            if self.batch_chunk_size is not None and self.batch_chunk_size != rows:
                raise ValueError(
                    f"batch_chunk_size (={self.batch_chunk_size}) and chunking_method "
                    f"('{method}') give different chunk sizes ({self.batch_chunk_size} vs "
                    f"{rows}); pass only one.")
        return max(1, rows)


_ACC_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def linear_cross_entropy(input: Any, linear_weight: Any, target: Any, *,
                         linear_bias: Any = None, weight: Any = None, reduction: str = "mean",
                         ignore_index: int | None = None, label_smoothing: float = 0.0,
                         options: LinearCrossEntropyOptions | None = None) -> Tensor:
    """torch's F.linear_cross_entropy: cross_entropy(linear(input, linear_weight, linear_bias),
    target, weight=, reduction=, ignore_index=, label_smoothing=).

    input (D,) or (N, D); linear_weight (C, D), or (C, d1, ..., dK, D) for torch's
    K-dimensional loss (logits (N, C, d1, ..., dK), batched input only); linear_bias of
    linear_weight.shape[:-1]. target: class indices ((), (N,) or (N, d1, ..., dK)) or
    probabilities of the logits' shape. ignore_index=None is -100 for class indices and
    refused (given) for probabilities, as torch. options=None: the two ops; a
    LinearCrossEntropyOptions: one op over blocks of rows (class indices, no K dims, no label
    smoothing; otherwise the two ops with torch's warning), the same values and gradients.
    """
    who = "linear_cross_entropy"
    x, W = as_tensors([input, linear_weight])
    if x.ndim not in (1, 2):
        raise ValueError(f"{who}: expected input with dimensionality 1 or 2, got {x.ndim}")
    if W.ndim < 2:
        raise ValueError(f"{who}: expected linear_weight with dimensionality at least 2, got "
                         f"{W.ndim}")
    if x.shape[-1] != W.shape[-1]:
        raise ValueError(f"{who}: expected equal input and linear_weight last dimensions "
                         f"(in_features), got {x.shape[-1]} and {W.shape[-1]}, respectively")
    batch, C, out = tuple(x.shape[:-1]), W.shape[0], tuple(W.shape[1:-1])
    b = None if linear_bias is None else as_tensor_of(linear_bias)
    if b is not None and tuple(b.shape) != (C, *out):
        raise ValueError(f"{who}: expected linear_bias shape {(C, *out)}, got "
                         f"{tuple(b.shape)}")
    if out and not batch:
        raise ValueError(f"{who}: K-dimensional loss defined by linear_weight shape "
                         f"{tuple(W.shape)} requires batched input, (N, {x.shape[-1]}), got "
                         f"unbatched input with shape {tuple(x.shape)}")
    check_reduction(who, reduction)
    eps = label_smoothing_arg(who, label_smoothing)
    t = data_of(target) if isinstance(target, Tensor) else plain_array(target, who=f"{who}: "
                                                                        "the target")
    if tuple(t.shape) == (*batch, C, *out):  # probabilities (torch's test: the logits' shape)
        if ignore_index is not None:
            raise ValueError(f"{who}: ignore_index cannot be specified when target contains "
                             "probabilities")
    elif ignore_index is not None and (isinstance(ignore_index, bool)
                                       or not isinstance(ignore_index, (int, np.integer))):
        raise TypeError(f"{who}: ignore_index must be an int or None, got "
                        f"{type(ignore_index).__name__}")
    ignore = -100 if ignore_index is None else int(ignore_index)
    if options is not None and not isinstance(options, LinearCrossEntropyOptions):
        raise TypeError(f"{who}: options must be a LinearCrossEntropyOptions or None, got "
                        f"{type(options).__name__}")
    if options is not None:
        chunkable = not out and not eps and t.dtype.kind in "iu"
        if not chunkable:  # (torch's warning, and its fallback)
            warnings.warn(f"{who}: ``options`` ignored; chunked path needs reduction in "
                          "{'mean','sum','none'}, label_smoothing == 0, integer class "
                          f"indices, out_features == (). Got label_smoothing={eps}, target "
                          f"dtype {t.dtype}, out_features={out}", stacklevel=2)
        elif t.shape != batch:
            raise ValueError(f"{who}: class indices of shape {tuple(t.shape)} for input "
                             f"{tuple(x.shape)}: expected {batch}")
        else:
            return _chunked(x, W, b, t, weight, reduction, ignore, options)
    if out:  # torch's K dims: one linear of C * prod(out) rows, its logits reshaped
        rows = math.prod(out, start=C)
        W = W.reshape(rows, W.shape[-1])
        b = None if b is None else b.reshape(rows)
    logits = linear(x, W, b).reshape((*batch, C, *out))
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=ignore, label_smoothing=eps)


def _chunked(x: Tensor, W: Tensor, b: Tensor | None, t: np.ndarray, weight: Any,
             reduction: str, ignore: int, options: LinearCrossEntropyOptions) -> Tensor:
    """The chunked op on rows (unbatched input as one row, as torch: reshaped in the op, which
    saves x itself for the write guard)."""
    who = "linear_cross_entropy"
    one = x.ndim == 1
    n, D = (1, x.shape[0]) if one else x.shape
    dtype = np.result_type(x.data, W.data)
    if options.acc_dtype is not None and np_dtype(options.acc_dtype, who) != dtype:
        raise ValueError(f"{who}: options.acc_dtype={options.acc_dtype!r} for {dtype} input: "
                         "blocks are computed in the input's dtype here; give acc_dtype=None")
    if n == 0 and reduction == "mean":  # (as cross_entropy's)
        raise ValueError(f"{who}: empty batch (input of shape {tuple(x.shape)}): a mean over "
                         "no samples is undefined (torch's NaN); reduction='sum' gives 0")
    w = class_weight(who, weight, np.empty((0, W.shape[0])))  # (cast in CrossEntropy's op: a
    # copy made here, a module's float64 buffer for float32 input, would not replay in a jit)
    chunk = options.chunk_rows(n, D, W.shape[0], dtype)
    inputs = (x, W) if b is None else (x, W, like_tensor(b, x))
    out = ChunkedLinearCrossEntropy.apply(
        *inputs, targets=t, reduction=reduction, weight=w, ignore_index=ignore,
        chunk=chunk)
    return out.reshape(()) if one and reduction == "none" else out

