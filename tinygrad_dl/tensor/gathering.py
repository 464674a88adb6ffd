"""Tensor's methods that pick or place entries by an order, an index or a mask: argsort, sort,
msort, topk, take_along_dim, take, gather, scatter/scatter_add, index_add, index_select,
masked_select, masked_fill, where (ops/indexing.py's TakeAlongAxis and Scatter, GetItem,
Where). The writes into a copy (index_put, index_fill, ...) are writes.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import tensor
from ..ops import Scatter, TakeAlongAxis, Tap, Where
from ..ops.dims import dims_arg
from ..ops.indexing import GatherCheck, check_masked, check_scatter, check_uint64
from ..ops.shape import InRange, axis_of
from ..ops.spelling import sort_order, spellings, torch_keywords
from .conversions import (
    alpha_number,
    as_tensor,
    bool_mask,
    data_of,
    fill_value,
    index_arg,
    no_grad_result,
    number_fits,
)
from .results import ValuesIndices

if TYPE_CHECKING:
    from . import Tensor


def stable_arg(op: str, stable: Any) -> None:
    """torch's stable= (a bool or None): the sort here is stable whatever it says."""
    if stable is not None and not isinstance(stable, (bool, np.bool_)):
        raise TypeError(f"{op}: stable must be a bool, got {type(stable).__name__}")


class GatheringMethods:
    """Sorting, gathering and scattering (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- sorting and gathering (ops/indexing.py's TakeAlongAxis) -------------------------------
    @spellings()
    def argsort(self, axis: int | None = -1, descending: bool = False, *,
                stable: bool | None = False) -> Tensor:
        """Indices that sort along axis (None: the flattened tensor). Always a stable sort
        (torch's stable=True: ties keep their order, descending too; NaN counts as the
        largest); stable=False is accepted, as torch's, whose tie order it leaves open. No
        gradient: a constant int64 tensor. A str third positional is NumPy's kind
        (`np.argsort(x, 1, "stable")`, ascending), which sorted descending as a truthy flag."""
        stable_arg("argsort", stable)
        if type(axis) is not int and axis is not None:  # (a bool: NumPy's words, no op named)
            axis = dims_arg("argsort", axis)
        if isinstance(descending, str):
            descending = False
        elif not isinstance(descending, (bool, np.bool_)):  # (bool(2) would sort descending)
            raise TypeError(f"argsort: descending must be a bool (or NumPy's kind, a str), got "
                            f"{type(descending).__name__}")
        return no_grad_result(sort_order(self.data, axis, descending))

    @spellings()
    def sort(self, axis: int | None = -1, descending: bool = False, *,
             stable: bool | None = False) -> ValuesIndices:
        """PyTorch's x.sort(dim=-1, descending=False, stable=False): (values, indices), a
        stable sort always (as argsort). The gradient flows through the permutation (each
        value's gradient goes back to where it came from). NumPy's np.sort, the values alone,
        is tinygrad_dl.sort(x, axis)."""
        stable_arg("sort", stable)
        if type(axis) is not int and axis is not None:  # (a bool: NumPy's words, no op named)
            axis = dims_arg("sort", axis)
        if not isinstance(descending, (bool, np.bool_)):  # (bool("no") would sort descending)
            raise TypeError(f"sort: descending must be a bool, got {type(descending).__name__}")
        if self.ndim == 0 and axis is not None:  # (0-d: itself and index 0, torch's; None:
            # NumPy's flattened (1,))
            sort_order(self.data, axis, descending)  # (checks the dim)
            v, i = self.reshape(1).sort(0)
            return ValuesIndices(v.reshape(()), i.reshape(()))
        x = self.reshape(-1) if axis is None else self
        idx = sort_order(x.data, -1 if axis is None else axis, descending)
        return ValuesIndices(TakeAlongAxis.apply(x, indices=idx, axis=-1 if axis is None
                                                 else axis), no_grad_result(idx))

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True  # noqa: A002
             ) -> ValuesIndices:
        """PyTorch's x.topk(k, dim=-1, largest=True): (values, indices) of the k largest (or
        smallest) along dim, in order (sorted=False gives them sorted too); ties keep their
        order (a stable sort), NaN counts as the largest, as in PyTorch. The gradient flows
        to where each value came from (`preds = logits.topk(5, dim=1).indices`: top-5)."""
        axis = axis_of("topk", dim, max(self.ndim, 1))
        n = self.shape[axis] if self.ndim else 1
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
            raise ValueError(f"topk: k must be an int in [0, {n}] (the length of dim {dim} of "
                             f"a tensor of shape {self.shape}), got {k!r}")
        if self.ndim == 0 and k == 0:  # (torch returns the value itself: one, not none)
            raise ValueError("topk: k=0 of a 0-d tensor: a 0-d result holds one value, not "
                             "none; use k=1, or x.reshape(1).topk(0)")
        x = self.reshape(1) if self.ndim == 0 else self
        idx = np.take(sort_order(x.data, axis, bool(largest)), np.arange(int(k)), axis=axis)
        values = TakeAlongAxis.apply(x, indices=idx, axis=axis)
        return ValuesIndices(values.reshape(()) if self.ndim == 0 else values,
                             no_grad_result(idx.reshape(()) if self.ndim == 0 else idx))

    @spellings()
    def take_along_dim(self, indices: Any, axis: int | None = None) -> Tensor:
        """np.take_along_axis / torch.take_along_dim (axis None: the flattened tensor);
        duplicate indices add up their gradients."""
        index = index_arg(indices, "take_along_dim: the index")
        if axis is None:  # (torch flattens the indices too: NumPy refused them past 1-D)
            flat = np.reshape(index, -1)  # torch refuses a negative index here (NumPy's wraps);
            # checked by an op, so a replayed step checks each batch's index
            Tap.apply(tensor.Tensor(flat), fn=InRange("take_along_dim (dim=None)", self.data.size))
            return TakeAlongAxis.apply(self.reshape(-1), indices=flat, axis=-1)
        return TakeAlongAxis.apply(self, indices=index, axis=axis_of("take_along_dim", axis,
                                                                      self.ndim))

    def gather(self, dim: int, index: Any) -> Tensor:
        """torch.gather: `out[i][j] = x[i][index[i][j]]` for dim=1; index may be smaller than x
        on the other axes (that corner of x is read). torch's checks: index has x's number of
        dims, is no larger than x apart from dim, and its values lie in [0, x.shape[dim]);
        take_along_dim is NumPy's (broadcasts, wraps negative indices)."""
        index = index_arg(index, "gather: the index")
        if (self.ndim == 0 or np.ndim(index) == 0) and max(self.ndim, np.ndim(index)) <= 1:
            return _gather_0d(self, dim, index)
        dim = axis_of("gather", dim, max(self.ndim, 1))  # (a 0-d input: torch's dims -1, 0)
        # checked by an op, so a replayed step checks each batch's index (-1 would wrap)
        Tap.apply(tensor.Tensor(index), fn=GatherCheck(tuple(self.shape), dim))
        corner = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))
        return TakeAlongAxis.apply(self[corner], indices=index, axis=dim)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """torch's scatter_add, out of place: a copy of x with `src[p]` added at p with its
        coordinate on dim replaced by `index[p]`, for every position p of index (which may be
        smaller than src and, apart from dim, than x); duplicates add up. The gradient to x
        is g, to src g read back at those positions."""
        return _scatter(self, "scatter_add", dim, index, src, "add")

    def scatter(self, dim: int, index: Any, src: Any = None, value: Any = None,
                reduce: Any = None) -> Tensor:
        """torch's scatter (out of place): scatter_add's positions written with src (or a
        number: `value`) instead of added into; an index that names a position twice raises
        (torch leaves which write wins undefined). The gradient to x is g with the written
        positions zeroed, to src g read back there."""
        if reduce is not None:
            raise ValueError(f"scatter: reduce={reduce!r} is not supported: use scatter_add")
        if (src is None) == (value is None):
            raise TypeError("scatter: give src (a tensor or a number) or value, not both")
        if src is None and isinstance(value, tensor.Tensor):  # a 0-d tensor: torch's number,
            if value.ndim:  # spread over the index (as a src, it failed the dims check); an op,
                raise TypeError(f"scatter: value must be a number or a 0-d tensor, got shape "
                                f"{value.shape}")  # so a jit replay reads each call's value
            index = np.asarray(index_arg(index, "scatter: the index"))
            src, value = fill_value("scatter", value, self).broadcast_to(index.shape), None
        return _scatter(self, "scatter", dim, index, value if src is None else src, None)

    def index_add(self, dim: int, index: Any, source: Any, alpha: Any = 1) -> Tensor:
        """torch's index_add, out of place: a copy of x with `alpha * source` added into the
        slices `index` (1-D, integers in [0, n)) names along dim, repeated indices adding up;
        scatter_add with the index spread over source's shape."""
        idx = np.asarray(index_arg(index, "index_add: the index"))
        if idx.ndim > 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise IndexError(f"index_add: the index must be a 1-D integer array, got shape "
                             f"{idx.shape} dtype {idx.dtype}")
        source = as_tensor(source, self)
        axis = axis_of("index_add", dim, max(self.ndim, 1))
        # (before the cast wraps a uint64 2**64 - 1 to -1)
        check_uint64("index_add", idx, self.shape[axis] if self.ndim else 1, axis)
        idx = idx.reshape(-1).astype(np.intp)
        want = self.shape[:axis] + (len(idx),) + self.shape[axis + 1:]
        scalar = self.ndim == 0 and source.data.size == len(idx) == 1
        if self.ndim == 0 and not scalar:  # (torch: one index and one value into a 0-d input)
            raise ValueError(f"index_add: a 0-d input takes one index and one source value, got "
                             f"{len(idx)} indices and source of shape {tuple(source.shape)}")
        if tuple(source.shape) != want and not scalar:
            raise ValueError(f"index_add: source of shape {tuple(source.shape)} does not fit "
                             f"an input of shape {self.shape} and {len(idx)} indices along dim "
                             f"{dim} (it needs {want})")
        if self.ndim == 0:
            return self.reshape(1).index_add(0, idx, source.reshape(1), alpha).reshape(())
        full = np.broadcast_to(idx.reshape((-1,) + (1,) * (self.ndim - axis - 1)), want)
        if not (type(alpha) is int and alpha == 1):  # (add's rules: a float alpha into an
            # integer input named, where source * 2.0 made a float source, refused as its dtype)
            alpha = alpha_number("index_add", alpha, self.data.dtype)
            source = source * alpha if alpha != 1 else source
        return _scatter(self, "index_add", axis, full, source, "add")

    # ---- picking by a mask or an index along one dim (GetItem, Where) -------------------------
    def masked_select(self, mask: Any) -> Tensor:
        """PyTorch's x.masked_select(mask): the entries of x where the bool mask is True, as a
        1-D tensor (mask and x broadcast together); the gradient goes back to those entries."""
        cond, shape = bool_mask("masked_select", mask, self.shape)
        x = self if self.shape == shape else self.broadcast_to(shape)
        return x[np.broadcast_to(cond, shape)]

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """torch's masked_fill: `value` where `mask` is True, else x (a new tensor; the
        gradient flows to x where the mask is False, and to a tensor value where it is True).
        Mask and x broadcast together, as torch's out-of-place masked_fill (masked_fill_
        keeps x's shape); the result keeps x's dtype, as torch's (a value the dtype cannot
        hold, NaN into an integer tensor, is refused: fill_value)."""
        check_masked("masked_fill: the mask", mask)  # (np.asarray read under its mask)
        cond = np.asarray(index_arg(mask) if isinstance(mask, tensor.Tensor) else mask)
        if cond.dtype != bool:
            raise TypeError(f"masked_fill: the mask must be bool, got dtype {cond.dtype} (a "
                            "comparison gives one: x.masked_fill(x < 0, 0.0))")
        try:
            np.broadcast_shapes(cond.shape, self.shape)
        except ValueError:
            raise ValueError(f"masked_fill: a mask of shape {cond.shape} does not broadcast "
                             f"with the tensor's shape {self.shape}") from None
        return Where.apply(fill_value("masked_fill", value, self), self, cond=cond)

    @torch_keywords(other="y")
    def where(self, condition: Any, y: Any) -> Tensor:
        """PyTorch's x.where(condition, y): x where condition else y, tg.where(condition, x,
        y); the condition is a constant (no gradient), x and y get theirs."""
        check_masked("where: the condition", condition)  # (np.asarray read under its mask)
        cond = np.asarray(data_of(condition) if isinstance(condition, tensor.Tensor) else condition,
                          dtype=bool)
        if not isinstance(y, tensor.Tensor) and self.data.dtype != np.float16:  # as torch:
            # where(c, x32, 1e300) refused (it was inf with NumPy's warning); torch's float16
            # where gives inf (so does this one, with NumPy's warning)
            number_fits("where", y, self.data.dtype, "other")
        y = as_tensor(y, self)
        try:  # Function.apply's message would name only x's and y's shapes
            np.broadcast_shapes(cond.shape, self.shape, y.shape)
        except ValueError:
            raise ValueError(f"Where: cannot broadcast cond {cond.shape}, x {self.shape} and y "
                             f"{y.shape} together") from None
        return Where.apply(self, y, cond=cond)

    def index_select(self, dim: int, index: Any) -> Tensor:
        """torch's index_select: the entries at `index` (a 1-D integer array) along dim, as
        np.take(x, index, axis=dim); repeated indices add up their gradients. An index outside
        [0, n) raises, -1 too, as torch's (NumPy's -1 would read the last entry), checked by
        an op so a replayed step checks each batch."""
        idx = np.asarray(index_arg(index, "index_select: the index"))
        if idx.ndim > 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise IndexError(f"index_select: the index must be a 0-d or 1-D integer array, got "
                             f"shape {idx.shape} dtype {idx.dtype}")
        if idx.ndim == 0:  # one entry, as torch's: the dim stays (a 1-D index is kept as it
            idx = idx.reshape(1)  # is: a jit recording knows the literal array pad passes)
        if self.ndim == 0:  # torch: a 0-d input takes exactly one index, 0, and stays 0-d
            axis_of("index_select", dim, 1)
            if idx.size != 1:
                raise IndexError(f"index_select: a 0-d input takes exactly one index, got "
                                 f"{idx.size}")
            return self.reshape(1).index_select(0, idx).reshape(())
        axis = axis_of("index_select", dim, self.ndim)
        check_uint64("index_select", idx, self.shape[axis], axis)  # (before the cast wraps it)
        idx = idx.astype(np.intp, copy=False)
        Tap.apply(tensor.Tensor(idx), fn=InRange("index_select", self.shape[axis]))
        return self[(slice(None),) * axis + (idx,)]

    # ---- torch's take and msort --------------------------------------------------------------
    def take(self, index: Any) -> Tensor:
        """torch.take: entries of x flattened at index (any shape; negative from the end)."""
        idx = np.asarray(index_arg(index, "take: the index"))
        if idx.size and idx.dtype.kind not in "iu":
            raise IndexError(f"take: index must be integers, got dtype {idx.dtype}")
        n = self.data.size
        check_uint64("take", idx, n, "0 of the flattened input")  # (named as the index ops do)
        if idx.size:
            lo, hi = int(idx.min()), int(idx.max())
            if lo < -n or hi >= n:  # (the value and the size, as gather's and index_select's)
                raise IndexError(f"take: index {lo if lo < -n else hi} is out of bounds for "
                                 f"the flattened input of size {n} (shape {self.shape}); "
                                 + (f"torch.take takes [-{n}, {n})" if n else "it has no entries"))
        out = self.reshape(-1)[idx % max(n, 1)]
        return out if idx.ndim else out.clone()  # (a 0-d index: NumPy's view, torch's copy)

    def msort(self: Tensor) -> Tensor:
        """torch's x.msort(): sorted along dim 0 (the values of sort(dim=0); a 0-d tensor is
        itself). The gradient flows through the permutation, as sort's."""
        if self.ndim == 0:
            return self.reshape(1).sort(0).values.reshape(())
        return self.sort(0).values


def _scatter(x: Tensor, op: str, dim: int, index: Any, src: Any, reduce: Any) -> Tensor:
    """scatter / scatter_add / index_add: torch's checks, then the Scatter op."""
    idx = np.asarray(index_arg(index, f"{op}: the index"))
    if isinstance(src, tensor.Tensor):
        if src.data.dtype != x.data.dtype:
            raise TypeError(f"{op}: src has dtype {src.data.dtype}, the input "
                            f"{x.data.dtype}; torch wants the same (cast one with .to())")
    else:  # a number (torch's value=) or an array: x's dtype (checked), as large as the index
        src = fill_value(op, src, x).data
        src = tensor.Tensor(np.broadcast_to(src, idx.shape).copy() if src.ndim == 0 else src)
    if min(x.ndim, idx.ndim, src.ndim) == 0 and max(x.ndim, idx.ndim, src.ndim) <= 1:
        # torch reads a 0-d input, index or src as 1-D of one entry (x1d.scatter_add(0,
        # tensor(1), tensor(3.)) adds 3 at 1); a 0-d one beside a 2-D one is refused below
        return _scatter(x.reshape(-1), op, axis_of(op, dim, 1), idx.reshape(-1),
                        src.reshape(-1), reduce).reshape(x.shape)
    dim = axis_of(op, dim, max(x.ndim, 1))
    idx = check_scatter(op, x.shape, dim, idx, tuple(src.shape), unique=reduce is None)
    return Scatter.apply(x, src, index=idx, dim=dim, reduce=reduce)


def _gather_0d(x: Tensor, dim: int, index: Any) -> Tensor:
    """torch.gather where the input or the index is 0-d (the other at most 1-d): torch reads a
    0-d tensor as 1-d of one element, and the result has the index's shape
    (`x.gather(0, tensor(2))` is x[2], 0-d). Computed as `x[index]` (GetItem, whose gradient
    adds up duplicates), so the op gets the index array as it is (a jit recording keeps it)."""
    dim = axis_of("gather", dim, 1)  # torch's dims for a 0-d input: -1 and 0
    x1 = x.reshape(1) if x.ndim == 0 else x
    given = f"(input of shape {x.shape}, index of shape {np.shape(index)}, dim {dim})"
    Tap.apply(tensor.Tensor(index), fn=GatherCheck(tuple(x1.shape), 0, True, given))  # (per call)
    return x1[index]


def take_along_axis(arr: Any, indices: Any, axis: int | None = -1) -> Tensor:
    """NumPy's spelling, `tinygrad_dl.take_along_axis` and `np.take_along_axis(t, i)`, with
    NumPy's default (2.3 on): along the last axis. torch's `take_along_dim(x, i)` flattens
    (dim=None); one function for both flattened a matrix silently under NumPy's name."""
    x = arr if isinstance(arr, tensor.Tensor) else tensor.Tensor(arr)
    return x.take_along_dim(indices, axis)
