"""Tensor's writes out of place (a new tensor, with gradients to the input and the source):
index_put, put, scatter_reduce, index_reduce, index_fill, index_copy, select_scatter,
slice_scatter, diagonal_scatter, masked_scatter; and their in-place forms (index_put_,
index_fill_, ...) under the rules of inplace.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import tensor
from ..ops import ScatterReduce, Where
from ..ops.indexing import check_scatter, check_uint64, check_uint64_items
from ..ops.shape import axis_of
from .conversions import as_tensor, bool_mask, fill_value, index_arg, int_arg, selected
from .inplace import recompute

if TYPE_CHECKING:
    from . import Tensor


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _positions(x: Tensor, indices: Any, op: str = "index_put", shape: Any = None
               ) -> np.ndarray:
    """The flat positions x[indices] reads (torch's index_put indices: a tuple of integer or
    bool index tensors, one per leading dim), refused in one line where NumPy's indexing is;
    `op` and `shape` are those the message names (put: its input's shape, not the flat one)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}: indices must be a tuple of index tensors, got "
                        f"{type(indices).__name__}")
    idx = tuple(np.asarray(index_arg(i, f"{op}: the index")) for i in indices)
    for i in idx:
        if i.dtype.kind not in "iub" and not (i.size == 0 and i.dtype.kind == "f"):
            raise IndexError(f"{op}: indices must be integer or bool tensors, got dtype "
                             f"{i.dtype}")
        if i.dtype == np.uint8:  # (NumPy would read positions where torch reads a mask)
            raise IndexError(f"{op}: a uint8 index is a mask in torch (deprecated there) "
                             "and positions in NumPy; give a bool mask or int64 positions")
    idx = tuple(i.astype(np.intp) if i.dtype.kind == "f" else i for i in idx)
    check_uint64_items(op, idx, x.shape)  # (NumPy wraps a uint64 2**64 - 1 to -1)
    try:
        return np.arange(x.data.size).reshape(x.shape)[idx]
    except IndexError as e:
        raise IndexError(f"{op}: {e} (a tensor of shape {x.shape if shape is None else shape})"
                         ) from None


def _index_put(x: Tensor, indices: Any, values: Any, accumulate: bool, op: str = "index_put",
               shape: Any = None) -> Tensor:
    """index_put's values, its messages naming `op` and `shape` (put's: see _positions)."""
    pos = _positions(x, indices, op, shape)
    vals = as_tensor(values, x)
    if vals.dtype != x.dtype:
        raise TypeError(f"{op}: values have dtype {vals.dtype}, the input "
                        f"{x.dtype}; torch wants the same (cast one with .to())")
    try:
        vals = vals.broadcast_to(pos.shape).reshape(-1)
    except ValueError:
        raise ValueError(f"{op}: values of shape {vals.shape} do not broadcast to the "
                         f"indexed shape {pos.shape}") from None
    flat, pos = x.reshape(-1), pos.reshape(-1)
    if accumulate:
        return flat.index_add(0, pos, vals).reshape(x.shape)
    if len(np.unique(pos)) != len(pos):
        raise ValueError(f"{op}: the indices name one position twice (torch leaves "
                         "which write wins undefined; accumulate=True adds them up)")
    return flat.index_copy(0, pos, vals).reshape(x.shape)


def _place(x: Tensor, axis: int, idx: np.ndarray, src: Tensor, who: str) -> Tensor:
    """x with its slices idx (distinct, in [0, n)) along axis replaced by src's slices, in
    order: where(written, src read back along axis, x). The gradient goes to src's slices
    and to x's other entries."""
    n = x.shape[axis]
    want = x.shape[:axis] + (len(idx),) + x.shape[axis + 1:]
    if tuple(src.shape) != want:
        raise ValueError(f"{who}: source of shape {tuple(src.shape)} does not fit an input of "
                         f"shape {x.shape} and {len(idx)} indices along dim {axis} (it needs "
                         f"{want})")
    if src.dtype != x.dtype:
        raise TypeError(f"{who}: source has dtype {src.dtype}, the input {x.dtype}; torch "
                        "wants the same (cast one with .to())")
    if len(np.unique(idx)) != len(idx):
        raise ValueError(f"{who}: the index {idx.tolist()} names a slice twice (torch leaves "
                         "which write wins undefined)")
    if not len(idx):
        return x.clone()  # (a new tensor, as torch's; x * 1 made a bool x int64)
    where_from = np.zeros(n, np.intp)
    where_from[idx] = np.arange(len(idx))
    written = np.zeros(n, bool)
    written[idx] = True
    shape = (n,) + (1,) * (x.ndim - axis - 1)
    read = src[(slice(None),) * axis + (where_from,)]
    return Where.apply(read, x, cond=written.reshape(shape))


def _index(who: str, index: Any, n: int, wrap: bool, axis: int = 0) -> np.ndarray:
    """A 0-d or 1-D integer index into a dim of length n, checked (`wrap`: -n..-1 count from
    the end, as torch's index_fill; else refused, as its index_copy)."""
    idx = np.asarray(index_arg(index, f"{who}: the index"))
    if idx.ndim > 1 or (idx.size and idx.dtype.kind not in "iu"):
        raise IndexError(f"{who}: the index must be a 0-d or 1-D integer array, got shape "
                         f"{idx.shape} dtype {idx.dtype}")
    check_uint64(who, idx, n, axis)  # (before the cast wraps 2**64 - 1 to -1, which `wrap` takes)
    idx = idx.reshape(-1).astype(np.intp)
    bad = (idx >= n) | (idx < (-n if wrap else 0))
    if bad.any():
        raise IndexError(f"{who}: index {int(idx[bad][0])} is out of bounds for a dim of "
                         f"length {n}")
    return idx % max(n, 1)


class WriteMethods:
    """Writes into a copy, and their in-place forms (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- by index tuples, flat positions and scatter indices ---------------------------------
    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """torch's index_put: x with x[indices] = values (broadcast), or += where
        `accumulate` (repeated positions then add up; without it a repeated position is
        refused, torch leaving which write wins undefined). Gradients to x and values."""
        return _index_put(self, indices, values, accumulate)

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        """torch's put: index_put on the flattened tensor (index and source of one size, any
        shapes; negative indices count from the end)."""
        idx = np.asarray(index_arg(index, "put: the index"))
        src = as_tensor(source, self)
        if idx.size != src.data.size:
            raise ValueError(f"put: index and source must have the same number of elements, "
                             f"got {idx.size} and {src.data.size}")
        if idx.size and idx.dtype.kind not in "iu":
            raise IndexError(f"put: the index must hold integers, got dtype {idx.dtype}")
        if idx.dtype == np.uint8:  # (flat positions: index_put refuses a uint8 one, torch's mask)
            idx = idx.astype(np.int64)
        return _index_put(self.reshape(-1), (idx.reshape(-1),), src.reshape(-1), accumulate,
                          "put", f"{self.shape}, flattened").reshape(self.shape)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str,
                       include_self: bool = True) -> Tensor:
        """torch's scatter_reduce (reduce: sum, prod, mean, amax, amin): each position index
        names along dim reduced with the src entries sent there (and x's own value unless
        include_self=False); the others keep x's. Gradients as torch's (ops/scatter_reduce.py)."""
        if reduce not in _REDUCES:
            raise ValueError(f"scatter_reduce: reduce must be one of {', '.join(_REDUCES)}, got "
                             f"{reduce!r}")
        src = as_tensor(src, self)
        if src.dtype != self.dtype:
            raise TypeError(f"scatter_reduce: src has dtype {src.dtype}, the input "
                            f"{self.dtype}; torch wants the same (cast one with .to())")
        _reducible("scatter_reduce", self, reduce)
        idx = np.asarray(index_arg(index, "scatter_reduce: the index"))
        axis = axis_of("scatter_reduce", dim, max(self.ndim, 1))
        if min(self.ndim, idx.ndim, src.ndim) == 0 and max(self.ndim, idx.ndim, src.ndim) <= 1:
            # torch reads a 0-d input, index or src as 1-D of one entry (a 0-d one beside a
            # 2-D one is refused by check_scatter)
            return self.reshape(-1).scatter_reduce(0, idx.reshape(-1), src.reshape(-1), reduce,
                                                   include_self).reshape(self.shape)
        idx = check_scatter("scatter_reduce", self.shape, axis, idx, src.shape)
        return ScatterReduce.apply(self, src, index=idx, dim=axis, reduce=reduce,
                                   include_self=bool(include_self))

    def index_reduce(self, dim: int, index: Any, source: Any, reduce: str, *,
                     include_self: bool = True) -> Tensor:
        """torch's index_reduce (reduce: prod, mean, amax, amin): the slices of x at `index`
        along dim reduced with source's slices (and x's own unless include_self=False), as
        scatter_reduce with the index spread over source's shape; its gradients."""
        if reduce not in ("prod", "mean", "amax", "amin"):
            raise ValueError(f"index_reduce: reduce must be one of prod, mean, amax, amin, got "
                             f"{reduce!r}")
        _reducible("index_reduce", self, reduce)  # (its refusal named scatter_reduce)
        src = as_tensor(source, self)
        idx = np.asarray(index_arg(index, "index_reduce: the index"))
        if idx.ndim > 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise IndexError(f"index_reduce: index must be a 1-D integer tensor, got shape "
                             f"{idx.shape}, dtype {idx.dtype}")
        if self.ndim == 0:  # (torch: one index and one value into a 0-d input)
            axis_of("index_reduce", dim, 1)
            if idx.size != 1 or src.data.size != 1:
                raise ValueError(f"index_reduce: a 0-d input takes one index and one source "
                                 f"value, got {idx.size} indices and source of shape {src.shape}")
            return self.reshape(1).index_reduce(0, idx.reshape(-1), src.reshape(-1), reduce,
                                                include_self=include_self).reshape(())
        axis = axis_of("index_reduce", dim, self.ndim)
        idx = idx.reshape(-1)
        if src.ndim != self.ndim or src.shape[axis] != idx.size or any(
                s != t for i, (s, t) in enumerate(zip(src.shape, self.shape)) if i != axis):
            raise ValueError(f"index_reduce: source of shape {src.shape} does not fit the input "
                             f"{self.shape} with {idx.size} indices along dim {dim}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.shape[axis]):  # (torch refuses
            # a negative index too: -1 wrapped to the last slice here)
            bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
            raise IndexError(f"index_reduce: index {bad} is out of range for dim {dim} of size "
                             f"{self.shape[axis]} (indices lie in [0, {self.shape[axis]}))")
        idx = idx.astype(np.int64)
        shape = [1] * self.ndim
        shape[axis] = idx.size
        spread = np.broadcast_to(idx.reshape(shape), src.shape)
        return self.scatter_reduce(axis, spread, src, reduce, include_self)

    # ---- slices along a dim, diagonals and masks ---------------------------------------------
    # inplace.py) ---------------------------------------------------------------------------
    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        """torch's index_fill: `value` (a number or a 0-d tensor, which gets the gradient) in
        the slices `index` names along dim, negative indices counting from the end."""
        x = self.reshape(1) if self.ndim == 0 else self
        axis = axis_of("index_fill", dim, x.ndim)
        idx = _index("index_fill", index, x.shape[axis], True, axis)
        if isinstance(value, tensor.Tensor) and value.ndim:
            raise ValueError(f"index_fill: value must be a number or a 0-d tensor, got shape "
                             f"{value.shape}")
        cond = np.zeros(x.shape[axis], bool)
        cond[idx] = True
        # torch's: the value cast to x's dtype, which the result keeps (a float64 0-d value
        # made a float32 x's result float64); NaN into an integer x is refused (fill_value)
        val = fill_value("index_fill", value, x)
        out = Where.apply(val, x,
                          cond=cond.reshape((-1,) + (1,) * (x.ndim - axis - 1)))
        return out.reshape(()) if self.ndim == 0 else out

    def index_copy(self, dim: int, index: Any, source: Any) -> Tensor:
        """torch's index_copy: source's slices written into the slices `index` (distinct, in
        [0, n)) names along dim."""
        x = self.reshape(1) if self.ndim == 0 else self
        axis = axis_of("index_copy", dim, x.ndim)
        idx = _index("index_copy", index, x.shape[axis], False, axis)
        src = as_tensor(source, x)
        if x.ndim == 1 and src.ndim == 0 and len(idx) == 1:  # (torch: a 0-d source into a
            src = src.reshape(1)  # 1-D input, its one index; the shape check refuses the rest)
        out = _place(x, axis, idx, src, "index_copy")
        return out.reshape(()) if self.ndim == 0 else out

    def select_scatter(self, src: Any, dim: int, index: int) -> Tensor:
        """torch.select_scatter: x with x.select(dim, index) replaced by src."""
        axis, i = selected("select_scatter", self, dim, index)
        n = self.shape[axis]
        src = as_tensor(src, self)
        want = self.shape[:axis] + self.shape[axis + 1:]
        if tuple(src.shape) != want:
            raise ValueError(f"select_scatter: src of shape {tuple(src.shape)} is not the "
                             f"selected slice's shape {want}")
        return _place(self, axis, np.array([i % n]), src.unsqueeze(axis), "select_scatter")

    def slice_scatter(self, src: Any, dim: int = 0, start: int | None = None,
                      end: int | None = None, step: int = 1) -> Tensor:
        """torch.slice_scatter: x with x[start:end:step] along dim replaced by src."""
        if self.ndim == 0:
            raise ValueError("slice_scatter: expects a tensor of 1 or more dims, got a 0-d one")
        axis = axis_of("slice_scatter", dim, self.ndim)
        if int_arg("slice_scatter", "step", step) <= 0:
            raise ValueError(f"slice_scatter: step must be positive, got {step}")
        idx = np.arange(self.shape[axis])[slice(start, end, step)]
        return _place(self, axis, idx, as_tensor(src, self), "slice_scatter")

    def diagonal_scatter(self, src: Any, offset: int = 0, dim1: int = 0, dim2: int = 1
                         ) -> Tensor:
        """torch.diagonal_scatter: x with x.diagonal(offset, dim1, dim2) replaced by src
        (that diagonal's shape: the other dims, then the diagonal)."""
        if self.ndim < 2:
            raise ValueError(f"diagonal_scatter: expects a tensor of 2 or more dims, got shape "
                             f"{self.shape}")
        a1, a2 = axis_of("diagonal_scatter", dim1, self.ndim), axis_of("diagonal_scatter", dim2,
                                                                        self.ndim)
        off = int_arg("diagonal_scatter", "offset", offset)
        if a1 == a2:
            raise ValueError(f"diagonal_scatter: dim1 and dim2 are both dim {a1}")
        src = as_tensor(src, self)
        want = tuple(np.diagonal(np.empty(self.shape, bool), off, a1, a2).shape)
        if tuple(src.shape) != want:
            raise ValueError(f"diagonal_scatter: src of shape {tuple(src.shape)} is not the "
                             f"diagonal's shape {want}")
        if src.dtype != self.dtype:
            raise TypeError(f"diagonal_scatter: src has dtype {src.dtype}, the input "
                            f"{self.dtype}; torch wants the same (cast one with .to())")
        x = self.moveaxis((a1, a2), (-2, -1))
        n1, n2 = x.shape[-2:]
        rows, cols = np.arange(n1)[:, None], np.arange(n2)[None, :]
        on = cols - rows == off
        if not on.any():
            return self.clone()
        k = np.where(on, np.minimum(rows, cols), 0)  # the entry's place along the diagonal
        out = Where.apply(src[..., k], x, cond=on)
        return out.moveaxis((-2, -1), (a1, a2))

    def masked_scatter(self, mask: Any, source: Any) -> Tensor:
        """torch's masked_scatter: where the bool mask (broadcast with x) is True, source's
        values in order (row-major); source needs at least as many entries as True."""
        cond, shape = bool_mask("masked_scatter", mask, self.shape)
        src, cond = as_tensor(source, self), np.broadcast_to(cond, shape)
        if src.dtype != self.dtype:
            raise TypeError(f"masked_scatter: source has dtype {src.dtype}, the input "
                            f"{self.dtype}; torch wants the same (cast one with .to())")
        count = int(cond.sum())
        if count > src.data.size:
            raise ValueError(f"masked_scatter: the mask has {count} True entries, source only "
                             f"{src.data.size} values")
        x = self if self.shape == shape else self.broadcast_to(shape)
        if count == 0:
            return x.clone()
        k = np.maximum(np.cumsum(cond.reshape(-1)) - 1, 0).reshape(shape)
        return Where.apply(src.reshape(-1)[k], x, cond=cond)

    # ---- in place (inplace.py's rules: the out-of-place values written into x) ---------------
    def index_fill_(self, dim: int, index: Any, value: Any) -> Tensor:
        return recompute(self, "index_fill", dim, index, value, operand=value)

    def index_copy_(self, dim: int, index: Any, source: Any) -> Tensor:
        return recompute(self, "index_copy", dim, index, source, operand=source)

    def masked_scatter_(self, mask: Any, source: Any) -> Tensor:
        return recompute(self, "masked_scatter", mask, source, operand=source)

    def put_(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        return recompute(self, "put", index, source, accumulate, operand=source)

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        return recompute(self, "index_put", indices, values, accumulate, operand=values)

    def scatter_reduce_(self, dim: int, index: Any, src: Any, reduce: str,
                        include_self: bool = True) -> Tensor:
        return recompute(self, "scatter_reduce", dim, index, src, reduce, include_self,
                         operand=src)

    def index_reduce_(self, dim: int, index: Any, source: Any, reduce: str, *,
                      include_self: bool = True) -> Tensor:
        return recompute(self, "index_reduce", dim, index, source, reduce,
                         include_self=include_self, operand=source)


def _reducible(who: str, x: Tensor, reduce: str) -> None:
    """scatter_reduce's and index_reduce's dtypes: real ones, and mean only of floats (torch
    floors an integer mean; refused here in one line naming the call)."""
    if x.dtype.kind not in "fiu" or (reduce == "mean" and x.dtype.kind != "f"):
        raise TypeError(f"{who}: reduce={reduce!r} on a {x.dtype} tensor is not supported"
                        + ("; cast to a float dtype first (x.double())" if x.dtype.kind in "iu"
                           else ""))
