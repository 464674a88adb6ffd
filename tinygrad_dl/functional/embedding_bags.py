"""PyTorch's F.embedding_bag (nn.EmbeddingBag calls it): the sum, mean or max of the rows of
`weight` looked up by each bag of indices, composed of F.embedding's lookup (its index
checks), index_add of each bag's rows into zeros (sum, mean) or take_along_dim at torch's
maximum (max), so the gradient adds into the rows each bag read, as torch's."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.indexing import check_uint64
from ..tensor import Tensor
from .joins import where
from .layers import lookup, renorm_target
from .methods import as_tensor_of

_MODES = ("sum", "mean", "max")


def bags_of(who: str, idx: np.ndarray, offsets: Any, include_last_offset: bool
            ) -> tuple[np.ndarray, np.ndarray, int]:
    """(the flat indices, each one's bag, the number of bags) from 2-D input (a bag per row)
    or 1-D input and offsets (torch's rules: offsets[0] is 0, non-decreasing, within n)."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{who}: offsets must be None when the input is 2-D (a bag per "
                             "row)")
        b, length = idx.shape
        return idx.reshape(-1), np.repeat(np.arange(b), length), b
    if idx.ndim != 1:
        raise ValueError(f"{who}: input must be 1-D (with offsets) or 2-D (B, L), got shape "
                         f"{idx.shape}")
    if offsets is None:
        raise ValueError(f"{who}: offsets are needed when the input is 1-D")
    off = np.asarray(offsets.data if isinstance(offsets, Tensor) else offsets)
    if off.ndim != 1 or (off.size and off.dtype.kind not in "iu"):
        raise TypeError(f"{who}: offsets must be a 1-D integer tensor, got shape {off.shape} "
                        f"dtype {off.dtype}")
    off = off.astype(np.intp)
    n = idx.shape[0]
    ends = np.append(off[1:], n) if not include_last_offset else off[1:]
    starts = off if not include_last_offset else off[:-1]
    if off.size == 0 or off[0] != 0 or (np.diff(off) < 0).any() or off[-1] > n:
        raise ValueError(f"{who}: offsets must start at 0, be non-decreasing and at most the "
                         f"input's length {n}, got {off.tolist()}")
    if include_last_offset and off[-1] != n:  # (torch reads past the bags' ends otherwise)
        raise ValueError(f"{who}: with include_last_offset the last offset must be the input's "
                         f"length {n}, got {off[-1]}")
    bag = np.repeat(np.arange(starts.size), ends - starts)
    return idx, bag, starts.size


def embedding_bag(input: Any, weight: Any, offsets: Any = None, max_norm: Any = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Any = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """PyTorch's F.embedding_bag: per bag of indices (a row of 2-D input, or input[offsets[i]:
    offsets[i + 1]] of 1-D input), the sum, mean or max of the rows of weight they name; an
    empty bag gives zeros, padding_idx's entries are left out (not counted in the mean);
    per_sample_weights (mode "sum" only) scale each row. max_norm / norm_type: the rows the
    input names are renormalized in place first, as F.embedding's (torch's embedding_renorm_);
    scale_grad_by_freq (modes "sum" and "mean"): each row's gradient divided by how often its
    index appears in the input (torch 2.13's CPU kernel divides a row's by another's count
    where they differ, see docs/pytorch.md; this is F.embedding's rule). sparse=True refused."""
    who = "embedding_bag"
    if mode not in _MODES:
        raise ValueError(f"{who}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if scale_grad_by_freq and mode == "max":  # (torch's refusal)
        raise ValueError(f"{who}: max mode does not support scaling the gradient by the "
                         "frequency (scale_grad_by_freq=True)")
    if sparse:
        raise ValueError(f"{who}: sparse=True (sparse gradients) is not supported; the dense "
                         "gradient (sparse=False) has the same values")
    weight = renorm_target(who, weight, max_norm)
    if weight.ndim != 2:
        raise ValueError(f"{who}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{tuple(weight.shape)}")
    if weight.dtype.kind != "f":  # (torch's refusal; an int table's mean would be float64)
        raise TypeError(f"{who}: weight must be a floating-point table (the bags' sums, means "
                        f"and gradients are floats), got dtype {weight.dtype}; cast it with "
                        ".to(float32)")
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu" and not (idx.size == 0 and idx.dtype.kind == "f"):
        raise TypeError(f"{who}: indices must be integers, got dtype {idx.dtype}")
    n, dim = weight.shape
    check_uint64(who, idx, n)  # (before the cast wraps a uint64 2**64 - 1 to -1)
    flat, bag, b = bags_of(who, idx.astype(np.intp), offsets, include_last_offset)
    if padding_idx is not None:
        if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)) \
                or not -n <= padding_idx < n:
            raise ValueError(f"{who}: padding_idx must be an integer in [-{n}, {n}), got "
                             f"{padding_idx!r}")
    counted = np.ones(flat.shape, bool) if padding_idx is None else flat != int(padding_idx) % n
    psw = None if per_sample_weights is None else sample_weights(who, per_sample_weights, mode,
                                                                 idx, weight)
    # (m, dim): the index checks, the renorm, the gradient's scatter (scaled by frequency)
    rows = lookup(who, flat, weight, max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq)
    keep = np.flatnonzero(counted)
    if psw is not None:
        # only the counted entries are scaled: a padding_idx entry's weight gets no gradient
        # (torch's 0, where g * its row would be NaN for an inf or NaN row)
        rows = rows[keep] * psw.reshape(-1)[keep].reshape(-1, 1)
        bag, keep = bag[keep], np.arange(keep.size)
    if mode == "max":
        return bag_max(rows, bag, counted, b, dim)
    # each bag's rows added in order into zeros (index_add: no 0 * inf of a bag matrix)
    out = Tensor(np.zeros((b, dim), weight.dtype)).index_add(0, bag[keep], rows[keep])
    if mode == "mean":
        count = np.bincount(bag[keep], minlength=b)[:, None]
        out = out / Tensor(np.maximum(count, 1).astype(weight.dtype))
    return out


def sample_weights(who: str, per_sample_weights: Any, mode: str, idx: np.ndarray,
                   weight: Tensor) -> Tensor:
    """per_sample_weights as a Tensor, checked before max_norm's renorm writes the table (a
    refused call leaves it as it was)."""
    if mode != "sum":
        raise ValueError(f"{who}: per_sample_weights is only supported for mode='sum', got "
                         f"mode={mode!r}")
    psw = as_tensor_of(per_sample_weights)
    if tuple(psw.shape) != tuple(idx.shape):
        raise ValueError(f"{who}: per_sample_weights must have the input's shape "
                         f"{tuple(idx.shape)}, got {tuple(psw.shape)}")
    if psw.dtype != weight.dtype:  # (torch's check: a float16 one was promoted)
        raise TypeError(f"{who}: per_sample_weights has dtype {psw.dtype}, the weight "
                        f"{weight.dtype}; torch wants the same (cast one with .to())")
    return psw


def bag_max(rows: Tensor, bag: np.ndarray, counted: np.ndarray, b: int, dim: int) -> Tensor:
    """Each bag's max per column, at torch's entry: the first one, then any later one that is
    greater (so a NaN first stays, a later NaN never wins); an empty bag gives zeros."""
    v = rows.data
    order = np.flatnonzero(counted)
    if order.size == 0:  # every bag empty: zeros, still on the graph (a zero gradient; not
        # rows * 0, which is NaN for a padding_idx row holding inf or NaN)
        return where(Tensor(np.zeros((b, 1), bool)), rows.sum(axis=0).unsqueeze(0),
                     np.zeros((b, dim), rows.dtype))
    sizes = np.bincount(bag[order], minlength=b)
    width = max(int(sizes.max(initial=0)), 1)
    slot = np.arange(order.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    where_at = np.full((b, width), -1)
    where_at[bag[order], slot] = order  # (b, width): the flat entry at each place, -1 for none
    vals = np.where((where_at >= 0)[..., None], v[np.maximum(where_at, 0)], -np.inf)
    ok = (where_at >= 0)[..., None] & ~np.isnan(vals)
    best = np.where(ok, vals, -np.inf).max(axis=1, keepdims=True)
    j = (ok & (vals == best)).argmax(axis=1)  # (b, dim): the first greatest
    first_nan = np.isnan(vals[:, 0])
    j = np.where(first_nan, 0, j)
    entry = np.take_along_axis(np.broadcast_to(where_at[..., None], vals.shape), j[:, None],
                               axis=1)[:, 0]
    picked = rows.take_along_dim(np.maximum(entry, 0), axis=0)
    return where(Tensor((sizes > 0)[:, None]), picked, np.zeros((), rows.dtype))
