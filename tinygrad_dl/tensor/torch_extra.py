"""More of PyTorch's Tensor methods: tensor_split/hsplit/vsplit/dsplit/split_with_sizes,
unflatten, unfold (sliding windows), the out-of-place writes index_fill, index_copy,
select_scatter, slice_scatter, diagonal_scatter, masked_scatter, and aminmax, nanmedian, renorm.
The predicates, aliases and generated in-place forms are in torch_extra_names.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import engine, tensor
from ..ops import Median, Where
from ..ops.shape import axis_of
from ..ops.spelling import sort_order
from .conversions import (
    as_tensor,
    bool_mask,
    fill_value,
    index_arg,
    int_arg,
    no_grad_result,
    selected,
)
from .results import ValuesIndices
from .torch_extra_names import TorchExtraNames
from .torch_misc import TorchMiscMethods
from .torch_writes import RandomFillMethods, TorchWriteMethods

if TYPE_CHECKING:
    from . import Tensor


class MinMax(NamedTuple):
    """What torch.aminmax returns: (min, max)."""

    min: Tensor
    max: Tensor


def _cuts(who: str, x: Tensor, sections: Any, dim: Any, even: bool = False) -> tuple[Tensor, ...]:
    """torch.tensor_split's pieces of x along dim: `sections` equal-as-can-be pieces (the
    first n % sections one longer), or cut at the listed indices with Python's slicing (an
    index past the end, or one below the previous, gives an empty piece, as torch's)."""
    if x.ndim == 0:
        raise ValueError(f"{who}: expects a tensor of 1 or more dims, got a 0-d tensor")
    axis = axis_of(who, dim, x.ndim)
    n = x.shape[axis]
    if isinstance(sections, tensor.Tensor):  # torch: a 0-d int tensor counts, a 1-D one cuts
        if sections.dtype.kind not in "iu" or sections.ndim > 1:
            raise TypeError(f"{who}: a tensor of sections or indices must be a 0-d or 1-D "
                            f"integer tensor, got shape {sections.shape} dtype {sections.dtype}")
        engine.notify_read(sections, f"{who}(x, a tensor of indices)")  # (Python's cuts)
        sections = sections.data.tolist()
    if isinstance(sections, (list, tuple)):
        bounds = [0, *(int_arg(who, "an index", i) for i in sections), None]
    else:
        k = int_arg(who, "sections", sections)
        if k < 1:
            raise ValueError(f"{who}: sections must be positive, got {k}")
        if even and n % k:
            raise ValueError(f"{who}: dim {dim} of length {n} (shape {x.shape}) does not split "
                             f"into {k} equal pieces")
        q, r = divmod(n, k)
        bounds = [i * q + min(i, r) for i in range(k + 1)]
    lead = (slice(None),) * axis
    return tuple(x[lead + (slice(a, b),)] for a, b in zip(bounds, bounds[1:]))


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
        return x * 1  # (a new tensor, as torch's)
    where_from = np.zeros(n, np.intp)
    where_from[idx] = np.arange(len(idx))
    written = np.zeros(n, bool)
    written[idx] = True
    shape = (n,) + (1,) * (x.ndim - axis - 1)
    read = src[(slice(None),) * axis + (where_from,)]
    return Where.apply(read, x, cond=written.reshape(shape))


def _index(who: str, index: Any, n: int, wrap: bool) -> np.ndarray:
    """A 0-d or 1-D integer index into a dim of length n, checked (`wrap`: -n..-1 count from
    the end, as torch's index_fill; else refused, as its index_copy)."""
    idx = np.asarray(index_arg(index))
    if idx.ndim > 1 or (idx.size and idx.dtype.kind not in "iu"):
        raise IndexError(f"{who}: the index must be a 0-d or 1-D integer array, got shape "
                         f"{idx.shape} dtype {idx.dtype}")
    idx = idx.reshape(-1).astype(np.intp)
    bad = (idx >= n) | (idx < (-n if wrap else 0))
    if bad.any():
        raise IndexError(f"{who}: index {int(idx[bad][0])} is out of bounds for a dim of "
                         f"length {n}")
    return idx % max(n, 1)


class TorchExtraMethods(TorchExtraNames, TorchWriteMethods, RandomFillMethods,
                        TorchMiscMethods):
    """More of PyTorch's methods (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- splits and reshapes ---------------------------------------------------------------
    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """torch.tensor_split: n pieces as equal as can be (np.array_split's), or cut at the
        listed indices; views through getitem, so each piece's gradient flows back."""
        return _cuts("tensor_split", self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """torch.hsplit: tensor_split along dim 1 (dim 0 of a 1-D tensor); a number of pieces
        must divide the length."""
        return _cuts("hsplit", self, indices_or_sections, 0 if self.ndim == 1 else 1, even=True)

    def vsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """torch.vsplit: tensor_split along dim 0 of a tensor of 2 or more dims."""
        if self.ndim < 2:
            raise ValueError(f"vsplit: expects a tensor of 2 or more dims, got shape {self.shape}")
        return _cuts("vsplit", self, indices_or_sections, 0, even=True)

    def dsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """torch.dsplit: tensor_split along dim 2 of a tensor of 3 or more dims."""
        if self.ndim < 3:
            raise ValueError(f"dsplit: expects a tensor of 3 or more dims, got shape {self.shape}")
        return _cuts("dsplit", self, indices_or_sections, 2, even=True)

    def split_with_sizes(self, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """torch's split_with_sizes: pieces of the listed sizes, which add up to dim's length."""
        sizes = [int_arg("split_with_sizes", "a size", s) for s in split_sizes]
        axis = axis_of("split_with_sizes", dim, max(self.ndim, 1))
        n = self.shape[axis] if self.ndim else 1
        if sum(sizes) != n or min(sizes, default=0) < 0:
            raise ValueError(f"split_with_sizes: sizes {sizes} do not add up to the length {n} "
                             f"of dim {dim} (shape {self.shape})")
        if not sizes:  # (an empty dim in no pieces: torch's (); the cuts would give one)
            return ()
        return _cuts("split_with_sizes", self, np.cumsum(sizes)[:-1].tolist(), dim)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        """torch's unflatten: dim's axis reshaped to `sizes` (one may be -1)."""
        axis = axis_of("unflatten", dim, self.ndim)
        sizes = tuple(int_arg("unflatten", "a size", s) for s in sizes)
        if not sizes:
            raise ValueError("unflatten: sizes must be non-empty")
        n, known = self.shape[axis], int(np.prod([s for s in sizes if s != -1]))
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes) or (
                -1 not in sizes and known != n) or (-1 in sizes and (known == 0 or n % known)):
            raise ValueError(f"unflatten: sizes {list(sizes)} do not make the length {n} of "
                             f"dim {dim} (shape {self.shape})")
        sizes = tuple(n // known if s == -1 else s for s in sizes)  # (NumPy cannot infer a
        # -1 in an empty tensor's shape)
        return self.reshape(self.shape[:axis] + sizes + self.shape[axis + 1:])

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        """torch's Tensor.unfold: the windows of `size` entries every `step` along dimension,
        that axis becoming the window count and a new last axis the window; overlapping
        windows add up their gradients."""
        x = self.reshape(1) if self.ndim == 0 else self  # (torch: a 0-d tensor is 1 entry)
        axis = axis_of("unfold", dimension, x.ndim)
        size, step = int_arg("unfold", "size", size), int_arg("unfold", "step", step)
        n = x.shape[axis]
        if step <= 0:
            raise ValueError(f"unfold: step must be positive, got {step}")
        if not 0 <= size <= n:
            raise ValueError(f"unfold: size {size} is not in [0, {n}] (the length of dim "
                             f"{dimension} of a tensor of shape {self.shape})")
        starts = np.arange(0, n - size + 1, step)
        windows = x[(slice(None),) * axis + (starts[:, None] + np.arange(size),)]
        out = windows.moveaxis(axis + 1, -1)
        out = out.reshape(size) if self.ndim == 0 else out
        # a copy where torch's windows are a view of x: a write into them (`w.add_(1)`) would
        # be lost without a word; read-only, the in-place operators refuse it, as diagonal()'s
        out.data.flags.writeable = False
        return out

    # ---- writes, out of place (a new tensor; the in-place `_` forms follow the rules of
    # inplace.py) ---------------------------------------------------------------------------
    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        """torch's index_fill: `value` (a number or a 0-d tensor, which gets the gradient) in
        the slices `index` names along dim, negative indices counting from the end."""
        x = self.reshape(1) if self.ndim == 0 else self
        axis = axis_of("index_fill", dim, x.ndim)
        idx = _index("index_fill", index, x.shape[axis], wrap=True)
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
        idx = _index("index_copy", index, x.shape[axis], wrap=False)
        src = as_tensor(source, x)
        if self.ndim == 0 and src.ndim == 0:
            src = src.reshape(1)
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
            return self * 1
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
            return x * 1
        k = np.maximum(np.cumsum(cond.reshape(-1)) - 1, 0).reshape(shape)
        return Where.apply(src.reshape(-1)[k], x, cond=cond)

    # ---- reductions and statistics -------------------------------------------------------
    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
        """torch.aminmax: (amin, amax) over dim (None: all), ties sharing the gradient."""
        if self.data.size == 0 and (dim is None or self.ndim == 0):
            raise ValueError(f"aminmax: an empty tensor (shape {self.shape}) has no min or max")
        if dim is not None:
            axis_of("aminmax", dim, max(self.ndim, 1))
        return MinMax(self.amin(dim, keepdim), self.amax(dim, keepdim))

    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """torch.nanmedian: median (the lower middle value) ignoring NaNs, NaN where all are
        NaN; with dim, (values, indices) along dim. The gradient goes to the picked entry."""
        if dim is None:  # (torch's nanmedian(): ties share the gradient, as median()'s)
            if keepdim:
                raise ValueError("nanmedian: keepdim needs a dim (as torch's nanmedian())")
            flat = self.reshape(-1)
            if flat.data.size == 0:  # (NaN, as torch's, on the graph: an empty gradient)
                return flat.sum() + np.nan
            valid = ~np.isnan(flat.data) if flat.dtype.kind == "f" else np.ones(flat.shape, bool)
            # all NaN: Median's NaN, its gradient shared by the NaNs (torch's)
            return Median.apply(flat[valid] if valid.any() else flat)
        x = self.reshape(-1) if self.ndim == 0 else self
        axis = axis_of("nanmedian", dim, x.ndim)
        if x.shape[axis] == 0:
            raise IndexError(f"nanmedian: dim {dim} of a tensor of shape {self.shape} is empty: "
                             "there is no value to pick")
        order = sort_order(x.data, axis, False)  # (NaNs last)
        count = (~np.isnan(x.data)).sum(axis, keepdims=True) if x.dtype.kind == "f" else \
            np.full(x.shape[:axis] + (1,) + x.shape[axis + 1:], x.shape[axis])
        idx = np.take_along_axis(order, np.maximum(count - 1, 0) // 2, axis)
        values = x.take_along_dim(idx, axis)
        if self.ndim == 0:
            return ValuesIndices(values.reshape(()), no_grad_result(idx.reshape(())))
        if not keepdim:
            values, idx = values.squeeze(axis), np.squeeze(idx, axis)
        return ValuesIndices(values, no_grad_result(idx.astype(np.int64)))

    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None
            ) -> Tensor:
        """torch.cov: the covariance matrix of the rows (variables) over the columns
        (observations; a 1-D tensor is one variable, giving a 0-d result), with integer
        frequency weights and float observation weights, divided as torch's (the divisor
        clipped at 0: inf or NaN where nothing is left)."""
        if self.ndim > 2:
            raise ValueError(f"cov: expects a 1-D or 2-D input, got shape {self.shape}")
        x = self.reshape(1, -1) if self.ndim < 2 else self
        n = x.shape[1]
        w, aw = None, None
        for name, v in (("fweights", fweights), ("aweights", aweights)):
            if v is None:
                continue
            t = as_tensor(v, x)
            if t.ndim > 1 or t.data.size != n:
                raise ValueError(f"cov: {name} must be 1-D with {n} entries (the observations),"
                                 f" got shape {t.shape}")
            if name == "fweights" and t.dtype.kind not in "iu":
                raise TypeError(f"cov: fweights must be integers, got dtype {t.dtype}")
            # checked on the values in Python (a rare path): a replay would not check them
            engine.notify_read(t, f"cov({name}=)")
            if (t.data < 0).any():
                raise ValueError(f"cov: {name} must be non-negative")
            # in the result's float dtype: x's own for an integer x cut aweights 0.5 to 0
            t = t.reshape(-1).astype(x.dtype if x.dtype.kind in "fc" else np.float64)
            w = t if w is None else w * t
            aw = t if name == "aweights" else aw
        total = float(n) if w is None else w.sum()
        if w is not None and not w.data.sum() > 0:  # (torch's refusal: avg would be 0 / 0)
            raise ValueError("cov: the weights sum to zero, so they cannot be normalized")
        avg = (x.mean(1, keepdims=True) if w is None else
               (x * w).sum(1, keepdims=True) / total)
        factor = total - correction * ((w * aw).sum() / total if aw is not None else 1)
        factor = factor.clip(0, None) if isinstance(factor, tensor.Tensor) else max(factor, 0.0)
        centered = x - avg
        right = centered.T.conj() if x.dtype.kind == "c" else centered.T  # (torch's X X^H)
        c = (centered if w is None else centered * w) @ right / factor
        return c.reshape(()) if x.shape[0] == 1 else c  # one variable: 0-d, torch's squeeze()

    def corrcoef(self) -> Tensor:
        """torch.corrcoef: Pearson's correlation coefficients of the rows, clipped to [-1, 1]."""
        c = self.cov()
        if c.ndim == 0:
            return c / c
        d = c.diagonal().sqrt()
        return (c / d.reshape(-1, 1) / d.reshape(1, -1)).clip(-1.0, 1.0)

    def renorm(self, p: float, dim: int, maxnorm: float) -> Tensor:
        """torch.renorm: each slice along dim whose p-norm exceeds maxnorm scaled by
        maxnorm / (norm + 1e-7) (torch's), the others unchanged."""
        if self.ndim < 2:
            raise ValueError(f"renorm: expects a tensor of 2 or more dims, got shape {self.shape}")
        if not p > 0 or not maxnorm >= 0:
            raise ValueError(f"renorm: needs p > 0 and maxnorm >= 0, got p={p}, maxnorm={maxnorm}")
        axis = axis_of("renorm", dim, self.ndim)
        others = tuple(a for a in range(self.ndim) if a != axis)
        one = as_tensor(1.0, self)
        if p == float("inf"):
            norm = self.abs().amax(others, True)
            over = norm.data > maxnorm
        else:  # (the root of a slice left alone is not taken: at a zero slice its gradient
            # would be inf * 0)
            total = (self.abs() ** float(p)).sum(others, keepdims=True)
            over = total.data ** (1.0 / float(p)) > maxnorm
            norm = Where.apply(total, one, cond=over) ** (1.0 / float(p))
        return self * Where.apply(float(maxnorm) / (norm + 1e-7), one, cond=over)
