"""Op-table rows of shape ops (tinygrad_dl/tensor/shape.py, layout.py,
functional/combinations.py): reshape, transpose, permute, getitem, squeeze, flatten, expand,
repeat, flip, roll, pad and the other core ones (CORE); unflatten, Tensor.unfold (sliding
windows), adjoint, mH, H, narrow_copy and combinations."""

from __future__ import annotations

import itertools

import numpy as np

from .. import functional as F
from .. import ops
from ..functional import combinations
from .refs import case, narrow_ref
from .spec import SHAPE, SORT, Cases, Drawn, OpInfo


def _unfold_ref(a: np.ndarray, dimension: int, size: int, step: int) -> np.ndarray:
    d = dimension % a.ndim  # (the windows' axis comes last: -1 would name it)
    w = np.lib.stride_tricks.sliding_window_view(a, size, axis=d)
    return np.take(w, np.arange(0, a.shape[d] - size + 1, step), axis=d)


def _as_strided_ref(a: np.ndarray, size: tuple[int, ...], stride: tuple[int, ...],
                    storage_offset: int = 0) -> np.ndarray:
    flat = np.ascontiguousarray(a).reshape(-1)[storage_offset:]
    return np.lib.stride_tricks.as_strided(flat, size, [s * a.itemsize for s in stride]).copy()


def _combinations_ref(a: np.ndarray, r: int = 2, with_replacement: bool = False) -> np.ndarray:
    make = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    return np.array(list(make(list(a), r))).reshape(-1, r)


# (the topic's first rows, before ROWS on the ops page: table.py keeps the table's order)
CORE: tuple[OpInfo, ...] = (
    # ---- shape ----------------------------------------------------------------------------------
    OpInfo("reshape", ops.Reshape, "the same values in a new shape (-1: inferred)", SHAPE,
           methods=("reshape", "view", "view_as", "reshape_as"), numpy=("reshape",),
           torch=("reshape",),
           call=lambda t, shape=(): t.reshape(shape), ref=lambda a, shape=(): a.reshape(shape),
           sample=Drawn("reshape")),
    OpInfo("transpose", ops.Transpose, "axes permuted (none given: reversed)", SHAPE,
           methods=("transpose", "T"), numpy=("transpose", "permute_dims"), torch=("transpose",),
           syntax=("x.T",), call=lambda t, axes=None: t.transpose() if axes is None else
           t.transpose(axes), ref=np.transpose, sample=Drawn("transpose"),
           differs="transpose(dim0, dim1) of a tensor that is not 2-D swaps two axes "
           "(PyTorch's; NumPy would reject it); transpose(0, 1) of a 2-D tensor is an error "
           "naming x.T and x.transpose((0, 1))"),
    OpInfo("permute", ops.Transpose, "axes in the given order", SHAPE, methods=("permute",),
           torch=("permute",),  # (np.permute_dims is np.transpose: its axes=None reverses)
           call=lambda t, axes=(): t.permute(*axes),
           ref=lambda a, axes=(): np.transpose(a, axes),
           sample=Cases((case((2, 3, 4), axes=(2, 0, 1)), case((2, 3), axes=(0, 1))))),
    OpInfo("t", "transpose (0-d, 1-d: x itself)", "PyTorch's t(): a matrix transposed; 0-d and "
           "1-d tensors as "
           "they are, more dims refused", SHAPE, methods=("t",), torch=("t",),
           ref=lambda a: a.T, sample=Cases((case((2, 3)), case((4,)), case(())))),
    OpInfo("ravel", "reshape", "the values as one axis, in C order (reshape(-1))", SHAPE,
           methods=("ravel",), numpy=("ravel",), torch=("ravel",), ref=np.ravel,
           sample=Cases((case((2, 3, 2)), case(()), case((4,))))),
    OpInfo("narrow", ops.GetItem, "torch.narrow(x, dim, start, length): entries start.."
           "start+length-1 along dim (a negative start counts from the end)", SHAPE,
           methods=("narrow",), torch=("narrow",), ref=narrow_ref,
           sample=Cases((case((3, 4), dim=1, start=1, length=2),
                         case((5,), dim=0, start=-3, length=3),
                         case((2, 3, 2), dim=-1, start=0, length=1)))),
    OpInfo("select", ops.GetItem, "torch.select(x, dim, index): the slice at index along dim, "
           "without that axis (x.select(0, i) is x[i])", SHAPE, methods=("select",),
           torch=("select",), ref=lambda a, dim, index: np.take(a, index, axis=dim),
           sample=Cases((case((3, 4), dim=1, index=2), case((5,), dim=0, index=-1),
                         case((2, 3, 2), dim=-2, index=0)))),
    OpInfo("take", ops.GetItem, "torch.take(x, index): entries of x flattened at index (any "
           "shape; negative from the end)", SORT, methods=("take",), torch=("take",),
           ref=lambda a, index: a.ravel()[index],
           sample=Cases((case((3, 4), index=np.array([[0, -1], [5, 5]])),
                         case((5,), index=np.array(2)))),
           grad="repeated indices add up", differs="np.take(a, i) without axis is the same; "
           "with axis= it is index_select"),
    *(OpInfo(name, ops.Flip, doc, SHAPE, methods=(name,), numpy=(name,), torch=(name,),
             ref=getattr(np, name), sample=Cases((case((3, 4)), case((2, 3, 2)))))
      for name, doc in (("fliplr", "reversed along axis 1 (2 or more dims)"),
                        ("flipud", "reversed along axis 0 (1 or more dims)"))),
    OpInfo("getitem", ops.GetItem, "x[index]: slices, ints, None, ..., integer and boolean "
           "arrays", SHAPE, methods=("__getitem__",), syntax=("x[1:, ::-1]",
                                                             "x[np.arange(n), y]", "x[mask]"),
           call=lambda t, index=(): t[index], ref=lambda a, index=(): a[index],
           sample=Drawn("getitem"), grad="duplicate indices accumulate"),
    OpInfo("squeeze", "reshape", "length-1 axes dropped", SHAPE, methods=("squeeze",),
           numpy=("squeeze",), torch=("squeeze",), ref=np.squeeze,
           sample=Cases((case((1, 3, 1)), case((1, 3, 1), axis=0), case((2, 1), axis=(1,)))),
           differs="with dim=, an axis of another length is left alone (PyTorch's); NumPy's "
           "axis= must name length-1 axes"),
    OpInfo("expand_dims", "reshape", "new length-1 axes", SHAPE, methods=("expand_dims",),
           numpy=("expand_dims",), ref=np.expand_dims,
           sample=Cases((case((2, 3), axis=(0, -1)), case((3,), axis=1)))),
    OpInfo("unsqueeze", "reshape", "one new length-1 axis", SHAPE, methods=("unsqueeze",),
           torch=("unsqueeze",), ref=lambda a, axis=0: np.expand_dims(a, axis),
           sample=Cases((case((2, 3), axis=1), case((3,), axis=-1)))),
    OpInfo("flatten", "reshape", "axes start..end (inclusive) merged into one", SHAPE,
           methods=("flatten",), torch=("flatten",),
           ref=lambda a, start=0, end=-1: a.reshape(
               a.shape[:start] + (-1,) + a.shape[end % a.ndim + 1:]),
           sample=Cases((case((2, 3, 2)), case((2, 3, 2), start=1), case((2, 3, 2, 2), start=1,
                                                                   end=2)))),
    OpInfo("mT", ops.Transpose, "the last two axes exchanged (a batch of matrices "
           "transposed)", SHAPE, methods=("mT",), numpy=("matrix_transpose",),
           function=F.matrix_transpose, call=lambda t: t.mT,
           ref=lambda a: np.swapaxes(a, -2, -1),
           sample=Cases((case((2, 3)), case((2, 3, 4)), case((1, 2, 2, 1)))),
           differs="x.T reverses all axes; x.mT swaps the last two (NumPy 2's and PyTorch's)"),
    OpInfo("swapaxes", ops.Transpose, "two axes exchanged", SHAPE,
           methods=("swapaxes", "swapdims"), numpy=("swapaxes",),
           torch=("swapaxes", "swapdims"), ref=np.swapaxes,
           sample=Cases((case((2, 3, 4), axis1=0, axis2=-1), case((2, 3), axis1=0, axis2=1)))),
    OpInfo("moveaxis", ops.Transpose, "axes moved to new positions", SHAPE,
           methods=("moveaxis", "movedim"), numpy=("moveaxis",), torch=("movedim", "moveaxis"),
           ref=np.moveaxis, sample=Cases((case((2, 3, 4), source=[0, 1], destination=[-1, 0]),
                                          case((2, 3, 4), source=2, destination=0)))),
    OpInfo("rollaxis", ops.Transpose, "np.rollaxis: an axis moved before position start",
           SHAPE, numpy=("rollaxis",), function=F.rollaxis, ref=np.rollaxis,
           sample=Cases((case((2, 3, 4), axis=2), case((2, 3, 4), axis=0, start=2),
                         case((2, 3, 4), axis=1, start=3), case((2, 3, 4), axis=-1, start=-2)))),
    OpInfo("broadcast_to", ops.BroadcastTo, "x broadcast to a shape", SHAPE,
           methods=("broadcast_to",), numpy=("broadcast_to",), torch=("broadcast_to",),
           ref=np.broadcast_to,
           sample=Cases((case((2, 1), shape=(4, 2, 3)), case((3,), shape=(2, 3)))),
           grad="summed back"),
    OpInfo("expand", ops.BroadcastTo, "torch's expand: broadcast_to where -1 keeps an axis",
           SHAPE, methods=("expand", "expand_as"), call=lambda t, sizes=(): t.expand(*sizes),
           ref=lambda a, sizes=(): np.broadcast_to(a, tuple(
               a.shape[i - len(sizes) + a.ndim] if n == -1 else n for i, n in enumerate(sizes))),
           sample=Cases((case((2, 1), sizes=(4, -1, 3)), case((3,), sizes=(2, 3))))),
    OpInfo("repeat", ops.Repeat, "each element `repeats` times (an int or one count each)",
           SHAPE, methods=("repeat_interleave", "repeat"), numpy=("repeat",),
           torch=("repeat_interleave",), ref=np.repeat,
           sample=Cases((case((2, 3), repeats=2, axis=1), case((2, 2), repeats=3),
                         case((2, 3), repeats=[1, 0, 3], axis=-1))),
           grad="the copies' gradients add up",
           differs="PyTorch's x.repeat(*sizes) is tile(x, sizes); this is NumPy's repeat "
           "(torch's repeat_interleave)"),
    OpInfo("tile", ops.Tile, "x tiled reps times along each axis", SHAPE, methods=("tile",),
           numpy=("tile",), torch=("tile",), ref=np.tile,
           sample=Cases((case((2, 3), reps=(2, 1, 3)), case((2, 3), reps=2))),
           grad="the copies' gradients add up"),
    OpInfo("flip", ops.Flip, "reversed along axis (None: all)", SHAPE, methods=("flip",),
           numpy=("flip",), torch=("flip",), ref=np.flip,
           sample=Cases((case((2, 3), axis=1), case((2, 3)), case((2, 3, 2), axis=(0, 2))))),
    OpInfo("roll", ops.Roll, "shifted cyclically along axis (None: flattened)", SHAPE,
           methods=("roll",), numpy=("roll",), torch=("roll",), ref=np.roll,
           sample=Cases((case((2, 3), shift=2, axis=1), case((2, 3), shift=(1, -1), axis=(0, 1)),
                         case((2, 3), shift=4)))),
    OpInfo("rot90", "flip and swapaxes", "k quarter turns in the plane of two axes", SHAPE,
           methods=("rot90",), numpy=("rot90",), torch=("rot90",), ref=np.rot90,
           sample=Cases((case((2, 3)), case((2, 3), k=2), case((2, 3, 2), k=3, axes=(2, 0)),
                         case((2, 3), k=-1), case((2, 3), k=4)))),
    OpInfo("diff", "getitem and sub", "n-th forward difference along axis (with prepend/"
           "append)", SHAPE, methods=("diff",), numpy=("diff",), torch=("diff",), ref=np.diff,
           sample=Cases((case((2, 4)), case((4, 3), n=2, axis=0), case((3,), prepend=0.5),
                         case((2, 3), append=np.ones((2, 1)), axis=1)))),
    OpInfo("pad", (ops.Pad, ops.GetItem), "constant padding: np.pad's pad_width, or "
           "PyTorch's flat (left, right, top, bottom, ...); mode 'reflect', 'replicate' "
           "('edge'), 'circular' ('wrap'): index_select per axis", SHAPE, numpy=("pad",),
           F=("pad",), function=F.pad,
           ref=lambda a, pad_width=0, constant_values=0.0, mode="constant": np.pad(
               a, pad_width, constant_values=constant_values) if mode == "constant" else
           np.pad(a, pad_width, {"replicate": "edge", "circular": "wrap"}.get(mode, mode)),
           sample=Cases((case((2, 3), pad_width=((1, 0), (2, 1)), constant_values=0.5),
                         case((2, 3), pad_width=1), case((4,), pad_width=(2, 1)),
                         case((3, 4), pad_width=((1, 2), (2, 1)), mode="reflect"),
                         case((2, 3), pad_width=((0, 1), (2, 2)), mode="replicate"),
                         case((3,), pad_width=(2, 3), mode="circular"))),
           differs="a flat pair (a, b) on a tensor of 2+ axes pads every axis to NumPy and only "
           "the last to PyTorch: an error naming both; flat tuples of 4, 6, ... are PyTorch's"),
)


ROWS: tuple[OpInfo, ...] = (
    OpInfo("unflatten", "reshape", "torch's unflatten(dim, sizes): one axis reshaped to sizes "
           "(one may be -1)", SHAPE, methods=("unflatten",), torch=("unflatten",),
           call=lambda t, dim=0, sizes=(): t.unflatten(dim, sizes),
           ref=lambda a, dim=0, sizes=(): a.reshape(  # (NumPy's reshape takes the -1 too)
               a.shape[:dim % a.ndim] + tuple(sizes) + a.shape[dim % a.ndim + 1:]),
           sample=Cases((case((2, 6), dim=1, sizes=(2, 3)), case((6, 1), dim=0, sizes=(-1, 2))))),
    OpInfo("Tensor.unfold", "getitem and moveaxis", "torch's Tensor.unfold(dimension, size, step): "
           "sliding windows along a dim, as a new last axis", SHAPE, methods=("unfold",),
           call=lambda t, **kw: t.unfold(**kw), ref=_unfold_ref,
           grad="overlapping windows add up their gradients",
           sample=Cases((case((2, 6), dimension=1, size=3, step=1),
                         case((5, 2), dimension=0, size=2, step=2),
                         case((4,), dimension=-1, size=4, step=3)))),
    OpInfo("as_strided", "getitem", "torch's x.as_strided(size, stride, storage_offset): x's "
           "values in C order read at offset + sum i_k stride_k (a read-only copy)", SHAPE,
           methods=("as_strided",), torch=("as_strided",),
           call=lambda t, **kw: t.as_strided(**kw), ref=_as_strided_ref,
           grad="an entry read more than once adds up its gradients",
           sample=Cases((case((6,), size=(2, 2), stride=(1, 2)),
                         case((2, 3), size=(3, 3), stride=(1, 1), storage_offset=1),
                         case((2, 2), size=(), stride=(), storage_offset=3)))),
    *(OpInfo(name, ops.Transpose, f"torch's x.{name}: the last two dims swapped (conjugated "
             "if complex)", SHAPE, methods=(name,), call=call,
             torch=(name,) if name == "adjoint" else (),
             ref=lambda a: np.swapaxes(a, -2, -1),
             sample=Cases((case((2, 3)), case((2, 3, 4)), case((1, 2, 2, 1)))))
      for name, call in (("adjoint", lambda t: t.adjoint()), ("mH", lambda t: t.mH))),
    OpInfo("combinations", "getitem", "torch.combinations(x, r=2, with_replacement=False): "
           "the r-element combinations of a 1-D x as rows", SHAPE, torch=("combinations",),
           function=combinations.combinations, ref=_combinations_ref,
           sample=Cases((case((4,)), case((3,), r=3, with_replacement=True), case((3,), r=1)))),
    OpInfo("H", ops.Transpose, "torch's x.H: a matrix's conjugate transpose (x.T: real); "
           "other ndims refused (a 0-d x is itself, with torch's warning)", SHAPE,
           methods=("H",), call=lambda t: t.H, ref=lambda a: a.T,
           sample=Cases((case((2, 3)), case((1, 4)), case((3, 3))))),
    OpInfo("narrow_copy", "narrow and clone", "torch.narrow_copy(x, dim, start, length): "
           "x.narrow's entries as a new tensor", SHAPE, methods=("narrow_copy",),
           torch=("narrow_copy",), ref=narrow_ref,
           sample=Cases((case((3, 4), dim=1, start=1, length=2),
                         case((5,), dim=0, start=-3, length=3)))),
)
