"""Tensor's shape methods: reshape, view/view_as/reshape_as, indexing, narrow/select,
transpose/t and the axis moves, squeeze/unsqueeze, flatten/ravel/unflatten, unfold,
broadcast_to/expand, repeat/tile, flip/fliplr/flipud, roll, rot90, diff: ops of
ops/shape.py (indexing: ops/indexing.py), or short compositions of them. (Pieces, split and
kin, are splits.py's.)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import hooks, tensor
from ..ops import BroadcastTo, Concatenate, Flip, GetItem, Repeat, Reshape, Roll, Tile, Transpose
from ..ops.allocation import check_count
from ..ops.dims import dim_ints, dims_arg
from ..ops.shape import axis_of, flat_shape, moved_axes, new_shape, roll_args, unique_dims
from ..ops.spelling import NOT_GIVEN, one_name, spellings, torch_keywords, transpose_axes
from .conversions import Axis, index_arg, int_arg, item_index, selected, shape_arg, zero_d_int

if TYPE_CHECKING:
    from . import Tensor


class ShapeMethods:
    """Shapes, axes and pieces (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- shape ------------------------------------------------------------------------------
    def reshape(self, *shape: Any, order: str = "C") -> Tensor:
        """NumPy's reshape in C order (np.reshape(t, shape) passes order="C"): order="F" or
        "A", which read the elements in another order, are refused rather than ignored."""
        if order != "C":
            raise ValueError(f"reshape(order={order!r}): only C order (rows first); for "
                             "Fortran order write t.T.reshape(shape[::-1]).T")
        return Reshape.apply(self, shape=shape_arg(shape))
    def __getitem__(self, index: Any) -> Tensor:
        return GetItem.apply(self, index=item_index("getitem", index))

    def transpose(self, *order: Any, dim0: int | None = None, dim1: int | None = None,
                  axes: Any = NOT_GIVEN) -> Tensor:
        """NumPy's transpose(*axes) or transpose(axes=...) (a permutation; none: reversed), or
        PyTorch's transpose(dim0, dim1), which swaps two axes (see _transpose_axes)."""
        if axes is not NOT_GIVEN:  # (NumPy's keyword: np.transpose(a, axes=(1, 0)))
            if order:
                raise TypeError("transpose() got the axes both positionally and as axes=")
            order = (axes,)
        if dim0 is not None or dim1 is not None:  # (PyTorch's swap; x.transpose(0, dim1=2) too)
            if dim0 is None and len(order) == 1 and axes is NOT_GIVEN:
                dim0, order = order[0], ()
            if order or dim0 is None or dim1 is None:  # (axes= beside dim0= was ignored)
                raise TypeError(f"transpose() takes PyTorch's two dims (dim0, dim1) or NumPy's "
                                "axes, not both nor one dim: got axes "
                                f"{order if axes is NOT_GIVEN else axes}, dim0={dim0}, dim1={dim1}")
            return self.swapaxes(dim0, dim1)
        axes = transpose_axes("transpose", self.ndim, order)
        try:
            return Transpose.apply(self, axes=axes)
        except (ValueError, TypeError):
            _permutation_refused(self, "transpose", axes)
            raise

    @property
    def T(self) -> Tensor:
        return Transpose.apply(self, axes=None)

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped (a batch of matrices transposed), as NumPy 2's and
        PyTorch's x.mT."""
        if self.ndim == 0:  # (torch 2.13: the identity, with a deprecation warning)
            warnings.warn("Tensor.mT is deprecated on 0-D tensors. This function is the "
                          "identity in these cases.", UserWarning, stacklevel=2)
            return self.reshape(())
        if self.ndim < 2:
            raise ValueError(f"x.mT needs 2 or more dimensions (a matrix or a batch of them), "
                             f"got shape {self.shape}")
        return self.swapaxes(-2, -1)

    # ---- more shape ops (reshape/transpose compositions, or ops/shape.py) -------------------
    def squeeze(self, axis: Axis = None, *, dim: Axis = None) -> Tensor:
        """NumPy's squeeze (a named axis must have length 1); with PyTorch's dim=, axes of
        another length are left alone, as in PyTorch."""
        if dim is not None:
            one_name("squeeze", axis, "axis", dim, "dim")
            # (one dim: an int, or a 0-d integer tensor; a 0-d tensor takes dim 0 or -1)
            one = isinstance(dim, (int, np.integer)) or getattr(dim, "ndim", None) == 0
            dims = unique_dims("squeeze", (dim,) if one else dim, self.ndim)
            shape = self.shape  # (each dim checked: the result's shape without NumPy's)
            return Reshape.apply(self, shape=tuple(
                n for i, n in enumerate(shape) if n != 1 or i not in dims))
        axis = dims_arg("squeeze", axis)  # (a bool: torch's TypeError, not NumPy's words)
        return Reshape.apply(self, shape=new_shape("squeeze", self.shape,
                                                    lambda a: np.squeeze(a, axis)))

    @spellings()
    def expand_dims(self, axis: Axis) -> Tensor:
        axis = dims_arg("unsqueeze", axis)
        return Reshape.apply(self, shape=new_shape("expand_dims", self.shape,
                                                    lambda a: np.expand_dims(a, axis)))

    @spellings()
    def unsqueeze(self, axis: int) -> Tensor: return self.expand_dims(axis)

    @spellings(start_dim="start", end_dim="end")
    def flatten(self, start: int = 0, end: int = -1) -> Tensor:
        return Reshape.apply(self, shape=flat_shape(self.shape, start, end))

    @spellings(dim0="axis1", dim1="axis2")
    def swapaxes(self, axis1: Any = NOT_GIVEN, axis2: Any = NOT_GIVEN, *,
                 axis0: Any = NOT_GIVEN) -> Tensor:
        """NumPy's swapaxes(axis1, axis2), torch's swapaxes(axis0, axis1) (whose axis1= is
        the second dim) and swapdims(dim0, dim1)."""
        if axis0 is not NOT_GIVEN:  # (torch's keywords: x.swapaxes(axis0=0, axis1=2))
            if axis2 is not NOT_GIVEN:
                raise TypeError("swapaxes() got axis0= (torch's names: axis0, axis1) and "
                                "axis2= (NumPy's: axis1, axis2); use one pair")
            axis1, axis2 = axis0, axis1
        if axis1 is NOT_GIVEN or axis2 is NOT_GIVEN:
            raise TypeError("swapaxes() takes two dims: x.swapaxes(0, 1)")
        axes = list(range(self.ndim))
        n = max(self.ndim, 1)  # (a 0-d tensor takes dims 0 and -1, as torch's: no change)
        a, b = axis_of("swapaxes", axis1, n), axis_of("swapaxes", axis2, n)
        if not self.ndim:
            return Transpose.apply(self, axes=())
        axes[a], axes[b] = b, a
        return Transpose.apply(self, axes=tuple(axes))

    def moveaxis(self, source: Any, destination: Any) -> Tensor:
        return Transpose.apply(self, axes=moved_axes("moveaxis", self.ndim, source, destination))

    @torch_keywords(dims="axes")  # (x.permute(dims=(1, 0)))
    def permute(self, *axes: Any) -> Tensor:
        """torch's permute: the dims in their new order, each once (x.permute(1, 0) or a tuple);
        none given, or too few or many, said in one line (NumPy's "axes don't match array")."""
        if not axes:
            raise TypeError('permute() missing 1 required positional argument: "dims" (the new '
                            f"order of all {self.ndim} dims, e.g. x.permute(1, 0))")
        dims = shape_arg(axes)
        if len(dims) != self.data.ndim:
            raise ValueError(f"permute: {len(dims)} dims {dims} for a tensor of {self.ndim} dims "
                             f"(shape {tuple(self.shape)}): name each dim once")
        try:
            return Transpose.apply(self, axes=dims)
        except (ValueError, TypeError):
            _permutation_refused(self, "permute", dims)
            raise
    swapdims, movedim = swapaxes, moveaxis

    @torch_keywords(size="shape")
    def broadcast_to(self, shape: Any) -> Tensor:
        """np.broadcast_to; torch's -1 keeps that (existing) axis' length, as expand's."""
        if isinstance(shape, (tuple, list)) and -1 in shape:
            lead = len(shape) - self.ndim
            shape = tuple(self.shape[i - lead] if n == -1 and i >= lead else n
                          for i, n in enumerate(shape))
        return BroadcastTo.apply(self, shape=new_shape(
            "broadcast_to", self.shape, lambda a: np.broadcast_to(a, shape)))

    def expand_as(self, other: Tensor) -> Tensor:
        """torch's expand_as: broadcast_to(other.shape)."""
        return self.broadcast_to(other.shape)

    @torch_keywords(size="sizes")
    def expand(self, *sizes: Any) -> Tensor:
        """torch's expand: broadcast_to, where -1 keeps that axis' length."""
        return self.broadcast_to(tuple(shape_arg(sizes)))

    @spellings()
    def repeat(self, repeats: Any, *sizes: Any, axis: Any = NOT_GIVEN) -> Tensor:
        """NumPy's repeat: each element `repeats` times along `axis` (flattened when None), as
        torch's repeat_interleave. PyTorch's x.repeat(*sizes) tiles the tensor (x.tile(sizes)
        here): a call both can read, which they read differently (`x.repeat(2, 1)`, or
        `v.repeat(3)` of a vector: [a a a b b b] against [a b a b a b]), raises; with axis=
        given (None too: np.repeat(v, 3) passes it) it is NumPy's."""
        if sizes or (axis is NOT_GIVEN and _tiles_in_torch(repeats, self.ndim)):
            _ambiguous_repeat((repeats, *sizes), self.ndim)
        return Repeat.apply(self, repeats=index_arg(repeats, "repeat: repeats"),
                            axis=None if axis is NOT_GIVEN else axis)

    @spellings()
    def repeat_interleave(self, repeats: Any = None, axis: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        """torch's repeat_interleave (dim=), NumPy's repeat: each element `repeats` times (an
        int, or one count per element; a single count [k] is k for all). torch's
        output_size= is checked against the result's length; `tg.repeat_interleave(r)` alone
        is torch's one-argument form, the indices 0..len(r)-1 each r[i] times (int64, or int32
        for int32 counts, as torch's)."""
        if repeats is None:  # torch.repeat_interleave(repeats): self holds the counts
            r = np.asarray(index_arg(self))
            if r.ndim > 1 or r.dtype.kind not in "iu":
                raise TypeError(f"repeat_interleave: the counts must be a 0-d or 1-D integer "
                                f"tensor, got shape {r.shape} dtype {r.dtype}")
            # (torch's result has the counts' dtype: int32 counts give int32 indices)
            dtype = np.int32 if r.dtype == np.int32 else np.int64
            return tensor.Tensor(np.arange(r.size, dtype=dtype)).repeat_interleave(
                r.reshape(-1), 0, output_size=output_size)
        reps = index_arg(repeats, "repeat_interleave: repeats")
        # a float count is refused as torch refuses it: NumPy's repeat truncates 2.5 to 2
        a = reps if isinstance(reps, np.ndarray) else np.asarray(reps)
        if a.size and a.dtype.kind not in "biu":
            got = f"dtype {a.dtype}" if isinstance(reps, np.ndarray) else repr(repeats)
            raise TypeError(f"repeat_interleave: repeats must be integers, got {got}")
        if axis is not None and self.ndim == 0:  # (torch's dims of a 0-d tensor: 0, -1)
            axis_of("repeat_interleave", axis, 1)
            return self.reshape(1).repeat_interleave(reps, 0, output_size=output_size)
        out = Repeat.apply(self, repeats=reps, axis=axis)
        if output_size is not None and output_size != out.shape[0 if axis is None else axis]:
            raise ValueError(f"repeat_interleave: output_size={output_size} but the result has "
                             f"{out.shape[0 if axis is None else axis]} entries along dim {axis}")
        return out

    @torch_keywords(dims="reps")
    def tile(self, reps: Any, *more: Any) -> Tensor:
        """np.tile; torch's x.tile(2, 1) too."""
        reps = (reps, *more) if more else reps
        if type(reps) is not int and type(reps) is not tuple and type(reps) is not list:
            reps = index_arg(reps, "tile: reps")  # (a tensor's values: a 0-d one is torch's int;
            # np.tile itself recursed into one until RecursionError)
        return Tile.apply(self, reps=reps)

    @spellings(dims="axis")
    def flip(self, axis: Axis = None, *more: int) -> Tensor:
        """np.flip over axis (None: every axis); torch's x.flip(0, 1) too."""
        axis = dims_arg("flip", (axis, *more) if more else axis)  # (np.array(1): its int)
        if axis is not None and not self.ndim:  # (a 0-d tensor takes dims 0 and -1, as torch's)
            unique_dims("flip", (axis,) if isinstance(axis, (int, np.integer)) else axis, 0)
            axis = None
        return Flip.apply(self, axis=axis)

    @spellings(shifts="shift", dims="axis")
    def roll(self, shift: Any, axis: Axis = None) -> Tensor:
        shift, axis = roll_args(self, index_arg(shift, "roll: shifts"),
                                zero_d_int("roll", "dims", axis))  # (dims=np.array(1) failed)
        return Roll.apply(self, shift=shift, axis=axis)

    @spellings(dims="axes")
    def rot90(self, k: int = 1, axes: Sequence[int] = (0, 1)) -> Tensor:
        """np.rot90 / torch.rot90: k quarter turns from axes[0] towards axes[1] (flips and a
        transpose)."""
        if np.ndim(axes) != 1 or len(axes) != 2:
            raise ValueError(f"rot90: dims must be two dims, got {axes!r}")
        if isinstance(k, (bool, np.bool_)) or not float(k).is_integer():  # (1.5 turned by 3:
            raise TypeError(f"rot90: k must be an int, got {k!r}")  # NumPy's k % 4 == 1.5)
        k = int(k)
        a, b = (int(axis_of("rot90", v, self.ndim)) for v in axes)  # (int(v): 1.7 was dim 1)
        if a == b:
            raise ValueError(f"rot90: axes must be two different axes, got {tuple(axes)}")
        k %= 4
        if k == 0:
            return self.clone()  # a copy, as torch.rot90 (and flip, below) always is
        if k == 2:
            return self.flip((a, b))
        return (self.flip(b).swapaxes(a, b) if k == 1 else self.swapaxes(a, b).flip(b))

    @spellings()
    def diff(self, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        """np.diff / torch.diff: the n-th forward difference along axis (slices and a
        subtraction), after joining prepend/append (scalars are widened to one slice)."""
        axis = axis_of("diff", axis, self.ndim)
        if n < 0:  # (range(n) would give x back unchanged)
            raise ValueError(f"diff: order n must be non-negative, got {n}")
        if n == 0:  # x itself, prepend/append not joined (np.diff's and torch.diff's)
            return self
        parts = [p for p in (_edge(self, prepend, axis), self, _edge(self, append, axis))
                 if p is not None]
        x = parts[0] if len(parts) == 1 else Concatenate.apply(*parts, axis=axis)
        lead = (slice(None),) * axis
        for _ in range(n):  # bool: != (torch's logical_xor, NumPy's; bool `-` is an error)
            a, b = x[lead + (slice(1, None),)], x[lead + (slice(None, -1),)]
            x = (a != b) if x.dtype == np.bool_ else a - b
        return x

    # ---- PyTorch's views, transpose and flips ------------------------------------------------
    @torch_keywords(size="shape")
    def view(self, *shape: Any) -> Tensor:
        """PyTorch's view: same values, new shape, x's memory; where x's strides cannot
        express the shape (torch raises), a copy and a RuntimeWarning saying so (use reshape)."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, Iterable)):
            raise TypeError(f"view({shape[0]!r}): reinterpreting the bytes as another dtype is "
                            "not supported; view takes a shape (x.view(2, 3)); to convert the "
                            "values use x.astype(dtype)")
        # (view=True: the op checks the layout, so a jit replay with another layout does too)
        return Reshape.apply(self, shape=shape_arg(shape), view=True)

    def view_as(self, other: Tensor) -> Tensor: return self.view(other.shape)
    def reshape_as(self, other: Tensor) -> Tensor: return self.reshape(other.shape)

    def t(self) -> Tensor:
        """The transpose of a matrix (PyTorch's `t()`: 0-d and 1-d tensors are returned as is)."""
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape "
                             f"{self.shape}; use transpose(...) or permute(...)")
        return self if self.ndim < 2 else Transpose.apply(self, axes=None)

    def fliplr(self) -> Tensor:
        if self.ndim < 2:
            raise ValueError(f"fliplr: expects at least 2 dims, got shape {self.shape}")
        return self.flip(1)

    def flipud(self) -> Tensor:
        if self.ndim < 1:
            raise ValueError("flipud: expects at least 1 dim, got a 0-d tensor")
        return self.flip(0)

    # ---- slices along a dim, and one dim reshaped --------------------------------------------
    def ravel(self) -> Tensor:
        """The values as one axis (torch.ravel, np.ravel in C order): reshape(-1)."""
        return self.reshape(-1)

    def narrow(self, dim: int, start: Any, length: Any) -> Tensor:
        """torch.narrow: entries start..start+length-1 along dim (start may be negative, from
        the end); a slice, so the gradient flows back to those entries."""
        if self.ndim == 0:
            raise IndexError("narrow: a 0-d tensor has no dim to narrow")
        axis = axis_of("narrow", dim, self.ndim)
        n = self.shape[axis]
        if isinstance(start, tensor.Tensor) and start.ndim == 0 and start.dtype.kind in "iu":
            start = index_arg(start).item()  # (torch's narrow takes a 0-d integer tensor)
        s, ln = int_arg("narrow", "start", start), int_arg("narrow", "length", length)
        if not -n <= s <= n:
            raise IndexError(f"narrow: start {s} is out of range for dim {dim} of length {n} "
                             f"(shape {self.shape})")
        s = s + n if s < 0 else s
        if ln < 0 or s + ln > n:
            raise ValueError(f"narrow: start ({s}) + length ({ln}) exceeds dim {dim} of length "
                             f"{n} (shape {self.shape})")
        return self[(slice(None),) * axis + (slice(s, s + ln),)]

    def select(self, dim: int, index: Any) -> Tensor:
        """torch.select: the slice at index along dim, without that axis (x.select(0, i) is
        x[i]); index may be negative, from the end."""
        axis, i = selected("select", self, dim, index)
        return self[(slice(None),) * axis + (i,)]

    def narrow_copy(self, dim: int, start: Any, length: Any) -> Tensor:
        """torch's narrow_copy: x.narrow(dim, start, length) as a new tensor."""
        return self.narrow(dim, start, length).clone()

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
        size, step = (int_arg("unfold", k, zero_d_int("unfold", k, v))  # (a 0-d int tensor:
                      for k, v in (("size", size), ("step", step)))  # torch's; a jit sees the read)
        n = x.shape[axis]
        if step <= 0:
            raise ValueError(f"unfold: step must be positive, got {step}")
        if not 0 <= size <= n:
            raise ValueError(f"unfold: size {size} is not in [0, {n}] (the length of dim "
                             f"{dimension} of a tensor of shape {self.shape})")
        starts = np.arange(0, n - size + 1, step)  # (made from the shape alone: a literal,
        index = hooks.literal(starts[:, None] + np.arange(size))  # which a jit may replay)
        windows = x[(slice(None),) * axis + (index,)]
        out = windows.moveaxis(axis + 1, -1)
        out = out.reshape(size) if self.ndim == 0 else out
        # a copy where torch's windows are a view of x: a write into them (`w.add_(1)`) would
        # be lost without a word; read-only, the in-place operators refuse it, as diagonal()'s
        out.data.flags.writeable = False
        return out

    def as_strided(self, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
        """torch's Tensor.as_strided: the entries at storage_offset + sum_k i_k stride[k] of
        x's values in C order (the layout x.stride() reports: a tensor here is contiguous
        whatever NumPy's layout, so a transpose reads its own values, where torch's reads its
        storage, as x.contiguous()'s would), in the shape `size`; an entry read more than once
        adds up its gradients, as torch's. A copy where torch's is a view of x's storage:
        read-only, so a write into it is refused (as unfold()'s)."""
        return _as_strided("as_strided", self, size, stride, storage_offset)

    def as_strided_(self, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
        """torch's as_strided_, refused in one line: it re-views x's storage in place, and a
        tensor here has no storage apart from its values (x = x.as_strided(...) instead)."""
        raise RuntimeError("Tensor.as_strided_: not supported (it re-views the tensor's storage "
                           "in place; a tensor here has no storage apart from its values): "
                           "write x = x.as_strided(size, stride, storage_offset), a read-only "
                           "copy, or x = x.as_strided(...).clone() to write into it")




def _as_strided(who: str, x: Tensor, size: Any, stride: Any, offset: Any) -> Tensor:
    """as_strided's gather: x's C-order values at offset + sum_k i_k stride[k] (see it)."""
    if not isinstance(size, (tuple, list)) or not isinstance(stride, (tuple, list)):
        raise TypeError(f"{who}: size and stride must be tuples of ints, got {size!r} and "
                        f"{stride!r}")
    size = tuple(int_arg(who, "size", n) for n in size)
    stride = tuple(int_arg(who, "stride", n) for n in stride)
    if len(size) != len(stride):
        raise ValueError(f"{who}: size {list(size)} and stride {list(stride)} differ in length")
    if min(size + stride, default=0) < 0:
        raise ValueError(f"{who}: negative sizes or strides are not supported, got size "
                         f"{list(size)}, stride {list(stride)}")
    start = 0 if offset is None else int_arg(who, "storage_offset", offset)
    if start < 0:
        raise ValueError(f"{who}: storage_offset must be >= 0, got {start}")
    last = start + sum((n - 1) * s for n, s in zip(size, stride))
    if 0 not in size and last >= x.data.size:
        raise ValueError(f"{who}: size {list(size)}, stride {list(stride)} and storage_offset "
                         f"{start} read entry {last}, past the last of the tensor's "
                         f"{x.data.size}")
    check_count(who, math.prod(size), 8 + x.data.itemsize,  # (the output and its index)
                lambda: f"an output of shape {size} {x.data.dtype}", "use smaller sizes")
    index = np.full(size, start, dtype=np.intp)
    for k, (n, s) in enumerate(zip(size, stride)):
        index += (np.arange(n) * s).reshape((n,) + (1,) * (len(size) - k - 1))
    flat = x.reshape(-1)
    out = flat[index] if index.ndim else flat[int(index)]
    out.data.flags.writeable = False
    return out


def _tiles_in_torch(repeats: Any, ndim: int) -> bool:
    """Would PyTorch read `x.repeat(repeats)` as sizes, with another result than NumPy's? An int
    on a vector (but 1, the same either way), or a list or tuple of as many ints as x has axes
    or more (NumPy: one count per element)."""
    if isinstance(repeats, (int, np.integer)) and not isinstance(repeats, bool):
        return ndim == 1 and repeats != 1
    return (type(repeats) in (tuple, list) and 1 <= ndim <= len(repeats)
            and all(isinstance(r, (int, np.integer)) for r in repeats))


def _ambiguous_repeat(args: tuple[Any, ...], ndim: int) -> None:
    sizes = args[0] if len(args) == 1 and type(args[0]) in (tuple, list) else args
    sizes = tuple(int(v) if isinstance(v, (int, np.integer)) else v for v in sizes)
    call = ", ".join(map(str, sizes if len(args) > 1 else [args[0]]))
    if len(args) > 2:  # (NumPy's repeat takes two: these can only be PyTorch's sizes)
        raise TypeError(f"repeat({call}): PyTorch's x.repeat(*sizes) is x.tile({sizes!r}) here; "
                        "repeat is NumPy's repeat(repeats, axis)")
    numpy = (f"x.repeat({args[0]}, axis={args[1]})" if len(args) == 2 else
             f"x.repeat({call}, axis=0)" if ndim == 1 else "x.repeat(np.array(counts))")
    raise TypeError(f"x.repeat({call}) on a {ndim}-D tensor: NumPy repeats each element, PyTorch "
                    f"tiles the tensor; write {numpy} for NumPy's (torch's repeat_interleave), "
                    f"or x.tile({sizes!r}) for PyTorch's")




def _edge(x: Tensor, v: Any, axis: int) -> Tensor | None:
    """diff's prepend/append as a Tensor that joins x along axis (a scalar: one slice)."""
    if v is None:
        return None
    if not isinstance(v, tensor.Tensor):  # a number or array in x's dtype; beside an integer x, the
        v = np.asarray(v)  # promoted one (prepend=0.5 became 0: NumPy's diff gives 0.5), and a
        keep = x.dtype.kind == "c" or x.dtype.kind == "f" and v.dtype.kind != "c"  # complex v too
        v = v.astype(x.dtype if keep else np.result_type(x.dtype, v))  # (1j's imag was dropped)
    t = v if isinstance(v, tensor.Tensor) else tensor.Tensor(v)
    if t.ndim == 0:
        t = t.broadcast_to(x.shape[:axis] + (1,) + x.shape[axis + 1:])
    return t


def _permutation_refused(x: Tensor, who: str, dims: tuple[Any, ...] | None) -> None:
    """Called where Transpose.apply(x, axes=dims) raised (the rare path: no cost on the
    models' permutes): dims that are no permutation of x's (a bool, float or None dim, one out
    of range or named twice, too few or many) said in one line naming `who` (NumPy's words
    named Transpose, or were "an integer is required"); else the caller re-raises."""
    if dims is None:
        return
    where = f"{who}{tuple(dims)} of shape {tuple(x.shape)}"
    try:
        ints = dim_ints(who, dims)
        if len(ints) != x.ndim:
            raise ValueError(f"{where}: {len(ints)} dims for a tensor of {x.ndim} dims: name "
                             "each dim once")
        unique_dims(where, ints, x.ndim)
    except (TypeError, ValueError) as e:  # (without NumPy's error as its context)
        raise e from None
