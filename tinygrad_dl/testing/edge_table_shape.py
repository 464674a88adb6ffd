"""Edge rows of shape and view ops: reshape, transpose, permute, ..., getitem, tril / triu,
view, broadcast_tensors, meshgrid, the joins (concatenate, stack, ...), split, chunk, unbind,
index_select, masked_fill, diff, rot90, atleast_*d, expand, column_stack, append; the splits
(array_split, hsplit, ..., unflatten, Tensor.unfold, as_strided), row_stack, adjoint / mH, H,
narrow_copy, the unsafe_ splits and the *_copy functions, channel_shuffle, pad's reflect /
replicate / circular modes, t, ravel, narrow, select, fliplr / flipud, diagflat / diag_embed,
dstack, block_diag, cartesian_prod. `T` in a `torch=` lambda is the torch module; where a row has no
`numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import functional as F

from .edge_table import E2, INF, NAN, E, rows
from .edge_table import a64 as _a
from .edge_table import joined as _joined

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])
X234 = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.0
_X4 = np.arange(24.0).reshape(1, 2, 3, 4) / 7 - 1.2
_NOTE = "compared with torch (NumPy has none)"


rows("broadcast_tensors", lambda x, y: tg.stack(tg.broadcast_tensors(x, y)),
     {"row and column!": (np.array([[0.5], [1.5]]), _a(1.0, 2.0, 3.0)),
      "empty": (E, _a(1.0))},
     numpy=lambda x, y: np.stack(np.broadcast_arrays(x, y)),
     torch=lambda T, x, y: T.stack(T.broadcast_tensors(x, y)))
rows("meshgrid", lambda x, y: tg.stack(tg.meshgrid(x, y, indexing="ij")),
     {"two vectors!": (_a(0.5, 1.5), _a(1.0, 2.0, 3.0)), "empty": (E, _a(1.0))},
     numpy=lambda x, y: np.stack(np.meshgrid(x, y, indexing="ij")),
     torch=lambda T, x, y: T.stack(T.meshgrid(x, y, indexing="ij")))
rows("meshgrid", lambda x, y: tg.stack(tg.meshgrid(x, y)),
     {"no indexing=": (_a(0.5), _a(1.0))}, raises="meshgrid")


# ---- shape ops: values move, gradients move back ------------------------------------------------
Q23 = np.arange(6.0).reshape(2, 3) / 4  # 0, 0.25, ..., 1.25 (X23 here is shifted by -0.3)
_SHAPE: list[tuple[str, Any, Any, Any, Any]] = [
    # (name, call, NumPy reference, torch reference, an input for the "empty" case)
    ("reshape", lambda x: x.reshape(-1), lambda x: x.reshape(-1), lambda T, x: x.reshape(-1), E2),
    ("transpose", lambda x: x.transpose(), np.transpose, lambda T, x: x.permute(*range(x.ndim)
                                                                              [::-1]), E2),
    ("T", lambda x: x.T, np.transpose, lambda T, x: x.permute(*range(x.ndim)[::-1]), E2),
    ("permute", lambda x: x.permute(1, 0), lambda x: x.transpose(1, 0),
     lambda T, x: x.permute(1, 0), E2),
    ("swapaxes", lambda x: tg.swapaxes(x, 0, -1), lambda x: np.swapaxes(x, 0, -1),
     lambda T, x: x.transpose(0, -1), E2),
    ("moveaxis", lambda x: tg.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1),
     lambda T, x: T.movedim(x, 0, -1), E2),
    ("squeeze", lambda x: tg.squeeze(x[None]), lambda x: np.squeeze(x[None]),
     lambda T, x: x[None].squeeze(), E2),
    ("expand_dims", lambda x: tg.expand_dims(x, 0), lambda x: np.expand_dims(x, 0),
     lambda T, x: x.unsqueeze(0), E2),
    ("unsqueeze", lambda x: x.unsqueeze(-1), lambda x: np.expand_dims(x, -1),
     lambda T, x: x.unsqueeze(-1), E2),
    ("flatten", lambda x: tg.flatten(x), lambda x: x.reshape(-1), lambda T, x: x.flatten(), E2),
    ("broadcast_to", lambda x: tg.broadcast_to(x, (2,) + x.shape),
     lambda x: np.broadcast_to(x, (2,) + x.shape), lambda T, x: x.expand((2,) + x.shape), E2),
    ("repeat", lambda x: tg.repeat(x, 2, axis=-1), lambda x: np.repeat(x, 2, axis=-1),
     lambda T, x: x.repeat_interleave(2, dim=-1), E2),
    ("tile", lambda x: tg.tile(x, (2, 1)), lambda x: np.tile(x, (2, 1)),
     lambda T, x: x.tile((2, 1)), E2),
    ("flip", lambda x: tg.flip(x, 0), lambda x: np.flip(x, 0), lambda T, x: x.flip(0), E2),
    ("roll", lambda x: tg.roll(x, 1, 0), lambda x: np.roll(x, 1, 0),
     lambda T, x: x.roll(1, 0), E2),
    ("pad", lambda x: tg.pad(x, 1), lambda x: np.pad(x, 1),
     lambda T, x: T.nn.functional.pad(x, (1, 1) * x.ndim), E2),
    ("getitem", lambda x: x[..., ::-1], lambda x: x[..., ::-1], lambda T, x: x.flip(-1), E2),
    ("tril", lambda x: tg.tril(x), np.tril, lambda T, x: x.tril(), E2),
    ("triu", lambda x: x.triu(1), lambda x: np.triu(x, 1), lambda T, x: x.triu(1), E2),
    ("detach", lambda x: x.detach() * 1.0, lambda x: x, lambda T, x: x.detach() * 1.0, E2),
    ("clone", lambda x: x.clone(), lambda x: x.copy(), lambda T, x: x.clone(), E2),
    # (view warns of a copy where its strides cannot express the shape, where torch's
    # raises: check_grad's strided layouts go through contiguous())
    ("view", lambda x: x.contiguous().view(-1), lambda x: x.reshape(-1),
     lambda T, x: x.view(-1), E2),
    ("view_as", lambda x: x.contiguous().view_as(x.T), lambda x: x.reshape(x.T.shape),
     lambda T, x: x.view_as(x.T), E2),
    ("reshape_as", lambda x: x.reshape_as(x.T), lambda x: x.reshape(x.T.shape),
     lambda T, x: x.reshape_as(x.T), E2),
    ("t", lambda x: x.t(), np.transpose, lambda T, x: x.t(), E2),
    ("mT", lambda x: x.mT, lambda x: np.swapaxes(x, -2, -1), lambda T, x: x.mT, E2),
]
for _name, _call, _np, _torch, _empty in _SHAPE:
    rows(_name, _call, {"empty": (_empty,), "one element!": (np.array([[0.7]]),),
                        "2x3!": (Q23,), "inf and nan": (np.array([[INF, NAN, -INF]]),)},
         numpy=_np, torch=_torch)

rows("reshape", lambda x: x.reshape(4), {"wrong size": (Q23,)}, raises="Reshape|reshape")
rows("repeat", lambda x: x.repeat(np.array([2, 0, 1])), {
    "counts with a zero!": (_a(0.5, 1.5, 2.5),)}, numpy=lambda x: np.repeat(x, [2, 0, 1]),
     torch=lambda T, x: x.repeat_interleave(T.tensor([2, 0, 1])))
rows("repeat", lambda x: x.repeat(-1), {"negative count": (_a(1.0),)}, raises="Repeat|repeat")
rows("pad", lambda x: tg.pad(x, -1), {"negative width": (_a(1.0, 2.0),)}, raises="pad|Pad")
rows("pad", lambda x: tg.pad(x, 1, mode="edge"), {"np.pad's edge mode": (_a(1.0),)},
     numpy=lambda x: np.pad(x, 1, mode="edge"))
rows("pad", lambda x: tg.pad(x, 1, mode="symmetric"), {"other modes": (_a(1.0),)}, raises="pad")
rows("getitem", lambda x: x[np.array([0, 0, 2])], {"duplicate indices!": (_a(0.5, 1.5, 2.5),)},
     numpy=lambda x: x[np.array([0, 0, 2])], torch=lambda T, x: x[T.tensor([0, 0, 2])])
rows("getitem", lambda x: x[np.array([], dtype=np.int64)], {"empty index": (_a(1.0, 2.0),)},
     numpy=lambda x: x[np.array([], dtype=np.int64)],
     torch=lambda T, x: x[T.tensor([], dtype=T.int64)])
rows("getitem", lambda x: x[-1], {"negative index!": (_a(0.5, 1.5),)}, numpy=lambda x: x[-1],
     torch=lambda T, x: x[-1])
rows("getitem", lambda x: x[np.array([True, False, True])], {"bool mask!": (_a(0.5, 1.5, 2.5),)},
     numpy=lambda x: x[np.array([True, False, True])],
     torch=lambda T, x: x[T.tensor([True, False, True])])
rows("getitem", lambda x: x[5], {"out of range": (_a(1.0, 2.0),)}, raises="GetItem|index")
rows("getitem", lambda x: x[1.5], {"float index": (_a(1.0, 2.0),)},
     raises="GetItem|getitem|indices")  # NumPy's IndexError (naming the op: issue "hostile")

_JOIN = {"empty pieces": (E2, E2), "one element each!": (_a(0.3), _a(0.6)),
         "inf and nan": (_a(INF, NAN), _a(-INF, 1.0))}
rows("concatenate", lambda x, y: tg.concatenate([x, y], axis=-1), _JOIN,
     numpy=lambda x, y: np.concatenate([x, y], axis=-1), torch=lambda T, x, y: T.cat([x, y], -1))
rows("stack", lambda x, y: tg.stack([x, y]), _JOIN, numpy=lambda x, y: np.stack([x, y]),
     torch=lambda T, x, y: T.stack([x, y]))
rows("vstack", lambda x, y: tg.vstack([x, y]), _JOIN, numpy=lambda x, y: np.vstack([x, y]),
     torch=lambda T, x, y: T.vstack([x, y]))
rows("hstack", lambda x, y: tg.hstack([x, y]), _JOIN, numpy=lambda x, y: np.hstack([x, y]),
     torch=lambda T, x, y: T.hstack([x, y]))
rows("concatenate", lambda: tg.concatenate([]), {"nothing to join": ()}, raises="concatenate")
rows("stack", lambda: tg.stack([]), {"nothing to join": ()}, raises="stack")
rows("stack", lambda x, y: tg.stack([x, y]), {"unequal shapes": (_a(1.0), _a(1.0, 2.0))},
     raises="Stack")
rows("split", lambda x: tg.split(x, [1, 1], axis=-1)[1] * 1.0,
     {"an empty piece": (Q23,), "inf and nan": (np.array([[INF, NAN, 1.0]]),)},
     numpy=lambda x: np.split(x, [1, 1], axis=-1)[1] * 1.0,
     torch=lambda T, x: T.tensor_split(x, [1, 1], dim=-1)[1] * 1.0)
rows("split", lambda x: tg.split(x, 2, axis=-1)[0], {"unequal sections": (Q23,)},
     raises="split")
rows("split", lambda x: x.split(2, dim=-1)[1] * 1.0, {"a short last piece": (Q23,)},
     numpy=lambda x: x[:, 2:] * 1.0, torch=lambda T, x: x.split(2, dim=-1)[1] * 1.0)
rows("chunk", lambda x: x.chunk(3, dim=0)[-1] * 1.0, {
    "fewer pieces than asked": (_a(1.0, 2.0, 3.0, 4.0),), "empty": (E,),
    "inf and nan": (_a(INF, NAN, 1.0),)},
    numpy=lambda x: x[(len(x) - 1) // -(-len(x) // 3) * -(-len(x) // 3):] * 1.0 if x.size
    else x * 1.0,
    torch=lambda T, x: x.chunk(3, dim=0)[-1] * 1.0)
rows("chunk", lambda x: x.chunk(0), {"zero chunks": (_a(1.0),)}, raises="chunk")
rows("unbind", lambda x: x.unbind(1)[0] * 1.0, {"empty rows": (np.zeros((0, 2)),),
                                               "inf and nan": (np.array([[INF], [NAN]]),)},
     numpy=lambda x: x[:, 0] * 1.0, torch=lambda T, x: x.unbind(1)[0] * 1.0)
rows("index_select", lambda x: x.index_select(0, np.array([1, 1, 0])), {
    "repeated!": (_a(0.5, 2.0),), "inf and nan": (_a(INF, NAN),)},
    numpy=lambda x: x[np.array([1, 1, 0])],
    torch=lambda T, x: x.index_select(0, T.tensor([1, 1, 0])))
rows("index_select", lambda x: x.index_select(0, np.zeros(0, dtype=np.int64)),
     {"empty index": (_a(1.0),)},
     numpy=lambda x: x[np.zeros(0, dtype=np.int64)],
     torch=lambda T, x: x.index_select(0, T.zeros(0, dtype=T.int64)))
rows("index_select", lambda x: x.index_select(0, np.array([[0]])), {"a 2-D index": (_a(1.0),)},
     raises="index_select")
rows("masked_fill", lambda x: x.masked_fill(np.array([True, False]), 2.0), {
    "one filled!": (np.array([[0.5, -1.0], [3.0, 2.0]]),)},
    numpy=lambda x: np.where(np.array([True, False]), 2.0, x),
    torch=lambda T, x: x.masked_fill(T.tensor([True, False]), 2.0))
rows("masked_fill", lambda x: x.masked_fill(np.array([True, False]), NAN), {
    "fill with nan": (_a(0.5, 2.0),), "empty": (np.zeros((0, 2)),)},
    numpy=lambda x: np.where(np.array([True, False]), NAN, x),
    torch=lambda T, x: x.masked_fill(T.tensor([True, False]), float("nan")))
rows("masked_fill", lambda x: x.masked_fill(np.array([True, False, True]), 0.0),
     {"a mask that does not broadcast": (_a(1.0, 2.0),)}, raises="masked_fill")


_MOVE: list[tuple[str, Any, Any, Any]] = [
    ("diff", lambda x: tg.diff(x), lambda x: np.diff(x), lambda T, x: x.diff()),
    ("rot90", lambda x: tg.rot90(x), np.rot90, lambda T, x: T.rot90(x, 1, [0, 1])),
    ("rollaxis", lambda x: tg.rollaxis(x, 1), lambda x: np.rollaxis(x, 1),
     lambda T, x: x.movedim(1, 0)),
    ("atleast_1d", tg.atleast_1d, np.atleast_1d, lambda T, x: T.atleast_1d(x)),
    ("atleast_2d", tg.atleast_2d, np.atleast_2d, lambda T, x: T.atleast_2d(x)),
    ("atleast_3d", tg.atleast_3d, np.atleast_3d, lambda T, x: T.atleast_3d(x)),
    ("expand", lambda x: x.expand(2, -1, -1), lambda x: np.broadcast_to(x, (2,) + x.shape),
     lambda T, x: x.expand(2, -1, -1)),
    ("array_split", lambda x: tg.array_split(x, 2, axis=-1)[1] * 1.0,
     lambda x: np.array_split(x, 2, axis=-1)[1] * 1.0,
     lambda T, x: T.tensor_split(x, 2, dim=-1)[1] * 1.0),
]
for _name, _call, _np, _torch in _MOVE:
    rows(_name, _call, {"empty": (E2,), "one element!": (np.array([[0.7]]),), "2x3!": (Q23,),
                        "inf and nan": (np.array([[INF, NAN, -INF]]),)},
         numpy=_np, numpy_warns=False, torch=_torch)
for _name in ("atleast_1d", "atleast_2d", "atleast_3d"):
    rows(_name, getattr(tg, _name), {"scalar!": (np.float64(0.3),)},
         numpy=getattr(np, _name), torch=lambda T, x, n=_name: getattr(T, n)(x))

rows("column_stack", lambda x, y: tg.column_stack([x, y]), _JOIN,
     numpy=lambda x, y: np.column_stack([x, y]), torch=lambda T, x, y: T.column_stack([x, y]))
rows("append", tg.append, _JOIN, numpy=np.append,
     torch=lambda T, x, y: T.cat([x.flatten(), y.flatten()]))


# ---- splits and reshapes ---------------------------------------------------------------------
for _name, _arg, _x in (("tensor_split", 3, _a(1.0, 2.0, 3.0, 4.0)),
                        ("tensor_split", [-1, 2, 9], _a(1.0, 2.0, 3.0, 4.0, 5.0)),
                        ("tensor_split", [3, 1], X34),
                        ("hsplit", [1, 3], X34), ("hsplit", 2, _a(1.0, 2.0)),
                        ("vsplit", 3, X34), ("dsplit", [2], X234),
                        ("split_with_sizes", [1, 0, 2], X34)):
    rows(_name, lambda x, n=_name, a=_arg: _joined(getattr(x, n)(a)), {
        f"{_arg!r}, shape {_x.shape}": (_x,)},
         torch=lambda T, x, n=_name, a=_arg: _joined(getattr(x, n)(a)))
rows("tensor_split", lambda x: _joined(x.tensor_split(2, dim=1)), {"empty dim": (E2,)},
     torch=lambda T, x: _joined(x.tensor_split(2, dim=1)))
rows("tensor_split", lambda x: x.tensor_split(2), {"0-d": (np.float64(1.0),)},
     raises="tensor_split: expects a tensor of 1 or more dims")
rows("tensor_split", lambda x: x.tensor_split(0), {"0 sections": (_a(1.0),)},
     raises="tensor_split: sections must be positive")
rows("tensor_split", lambda x: x.tensor_split(1.5), {"a float": (_a(1.0),)},
     raises="tensor_split: sections must be an int")
rows("hsplit", lambda x: x.hsplit(3), {"uneven": (X34,)},
     raises="hsplit: dim 1 of length 4 .* does not split into 3 equal pieces")
rows("vsplit", lambda x: x.vsplit(1), {"1-D": (_a(1.0),)},
     raises="vsplit: expects a tensor of 2 or more dims")
rows("dsplit", lambda x: x.dsplit(1), {"2-D": (X23,)},
     raises="dsplit: expects a tensor of 3 or more dims")
rows("split_with_sizes", lambda x: x.split_with_sizes([1, 1]), {"sizes short": (X34,)},
     raises="split_with_sizes: sizes \\[1, 1\\] do not add up to the length 3")
rows("unflatten", lambda x: x.unflatten(-1, (2, -1)), {"-1!": (X34,), "empty": (np.zeros((0, 4)),)},
     torch=lambda T, x: x.unflatten(-1, (2, -1)))
rows("unflatten", lambda x: x.unflatten(1, (3, 2)), {"wrong sizes": (X34,)},
     raises="unflatten: sizes \\[3, 2\\] do not make the length 4")
rows("unflatten", lambda x: x.unflatten(0, ()), {"no sizes": (X34,)},
     raises="unflatten: sizes must be non-empty")
rows("Tensor.unfold", lambda x: x.unfold(1, 2, 1), {"overlapping!": (X34,)},
     torch=lambda T, x: x.unfold(1, 2, 1))
rows("Tensor.unfold", lambda x: x.unfold(0, 2, 2), {"a step past a window": (_a(1, 2, 3, 4, 5),),
                                                    "nan and inf": (_a(NAN, INF, -INF, 1.0),)},
     torch=lambda T, x: x.unfold(0, 2, 2))
rows("Tensor.unfold", lambda x: x.unfold(0, 0, 1), {"size 0": (_a(1.0, 2.0),)},
     torch=lambda T, x: x.unfold(0, 0, 1))
rows("Tensor.unfold", lambda x: x.unfold(0, 1, 1), {"0-d": (np.float64(2.0),)},
     torch=lambda T, x: x.unfold(0, 1, 1))
rows("Tensor.unfold", lambda x: x.unfold(0, 3, 1), {"size past the end": (_a(1.0, 2.0),)},
     raises="unfold: size 3 is not in \\[0, 2\\]")
rows("Tensor.unfold", lambda x: x.unfold(0, 1, 0), {"step 0": (_a(1.0, 2.0),)},
     raises="unfold: step must be positive")
rows("as_strided", lambda x: x.as_strided((3, 3), (1, 1)), {
    "overlapping!": (_a(1, 2, 3, 4, 5),), "nan and inf": (_a(NAN, INF, -INF, 1, 2),)},
    torch=lambda T, x: x.as_strided((3, 3), (1, 1)))
rows("as_strided", lambda x: x.as_strided((2, 0), (1, 1), 2), {"empty": (_a(1.0, 2.0),)},
     torch=lambda T, x: x.as_strided((2, 0), (1, 1), 2))
rows("as_strided", lambda x: x.as_strided((), (), 1), {"0-d": (_a(1.0, 2.0),)},
     torch=lambda T, x: x.as_strided((), (), 1))
rows("as_strided", lambda x: x.as_strided((2,), (2,), 1), {"past the end": (_a(1.0, 2.0),)},
     raises="as_strided: size \\[2\\], stride \\[2\\] and storage_offset 1 read entry 3")
rows("as_strided", lambda x: x.T.as_strided((2,), (1,)), {"a transpose": (X23,)},
     torch=lambda T, x: x.T.contiguous().as_strided((2,), (1,)),
     note="its own values in C order, as x.stride() says (torch's transpose reads its storage)")
rows("as_strided", lambda x: x.as_strided_((2,), (1,)), {"in place (as_strided_)": (_a(1.0, 2.0),)},
     raises="Tensor.as_strided_: not supported")

rows("row_stack", lambda x, y: tg.row_stack([x, y]), {
    "1-D rows!": (_a(1.0, 2.0), _a(3.0, 4.0)), "nan": (_a(1.0, 2.0), _a(3.0, NAN)),
    "2-D with 1-D": (X23, _a(1.0, 2.0, 3.0)),
    "empty rows": (E2, E2)}, torch=lambda T, x, y: T.row_stack([x, y]))
rows("row_stack", lambda x, y: tg.row_stack([x, y]), {"mismatched": (X23, _a(1.0, 2.0))},
     raises="Concatenate: cannot apply to shapes \\(2, 3\\) and \\(1, 2\\)")

for _name, _call in (("adjoint", lambda x: x.adjoint()), ("mH", lambda x: x.mH)):
    rows(_name, _call, {"empty": (E2,), "2x3!": (X23,), "batch!": (X234,),
                        "inf and nan": (np.array([[INF, NAN, -INF]]),)},
         torch=lambda T, x, c=_call: c(x))
    rows(_name, _call, {"1-D": (_a(1.0, 2.0),)},
         raises=re.escape(f"tensor.{'adjoint()' if _name == 'adjoint' else 'mH'} is only "
                          "supported on matrices or batches of matrices. Got 1-D tensor."))

# ---- H ---------------------------------------------------------------------------------------
rows("H", lambda x: x.H, {"matrix!": (X23,), "empty rows": (E2,)}, torch=lambda T, x: x.H)
rows("H", lambda x: x.H, {"1-D": (_a(1.0, 2.0),)},
     raises=r"tensor.H is only supported on matrices \(2-D tensors\). Got 1-D tensor")
rows("H", lambda x: x.H, {"3-D": (np.zeros((2, 2, 2)),)}, raises="consider using tensor.mH")

# ---- narrow_copy, the unsafe_ splits, the *_copy functions ------------------------------------
rows("narrow_copy", lambda x: x.narrow_copy(1, -2, 2), {"negative start!": (X34,)},
     torch=lambda T, x: x.narrow(1, -2, 2).clone(),
     note="torch 2.13's own narrow_copy backward raises for a negative start: narrow's is "
     "the reference")
rows("narrow_copy", lambda x: x.narrow_copy(0, 1, 2), {"start 1!": (X34,)},
     torch=lambda T, x: x.narrow_copy(0, 1, 2))
rows("narrow_copy", lambda x: tg.narrow_copy(x, 0, 0, 0), {"empty result": (X23,)},
     numpy=lambda a: a[:0], grad=(np.zeros((2, 3)),),
     note="torch 2.13's own backward of an empty narrow_copy raises (a size mismatch)")
rows("narrow_copy", lambda x: x.narrow_copy(0, 1, 5), {"too long": (X23,)}, raises="narrow")
rows("unsafe_chunk", lambda x: _joined(x.unsafe_chunk(2, 1)), {"odd!": (X23,)},
     torch=lambda T, x: _joined(x.unsafe_chunk(2, 1)))
rows("unsafe_split", lambda x: _joined(x.unsafe_split(2, -1)), {"ragged!": (X34,)},
     torch=lambda T, x: _joined(x.unsafe_split(2, -1)))
rows("unsafe_split_with_sizes", lambda x: _joined(x.unsafe_split_with_sizes([1, 0, 2])), {
    "a zero size": (X34,)}, torch=lambda T, x: _joined(x.unsafe_split_with_sizes([1, 0, 2])))
rows("unsafe_split_with_sizes", lambda x: x.unsafe_split_with_sizes([1, 1]), {
    "sizes not adding up": (X34,)}, raises="split_with_sizes")
for _name, _call in (
        ("t_copy", lambda m, x: m.t_copy(x)), ("view_copy", lambda m, x: m.view_copy(x, (3, 2))),
        ("permute_copy", lambda m, x: m.permute_copy(x, (1, 0))),
        ("transpose_copy", lambda m, x: m.transpose_copy(x, 0, -1)),
        ("squeeze_copy", lambda m, x: m.squeeze_copy(x[:1])),
        ("unsqueeze_copy", lambda m, x: m.unsqueeze_copy(x, -1)),
        ("expand_copy", lambda m, x: m.expand_copy(x, (4, 2, 3))),
        ("diagonal_copy", lambda m, x: m.diagonal_copy(x, 1)),
        ("select_copy", lambda m, x: m.select_copy(x, 1, -1)),
        ("slice_copy", lambda m, x: m.slice_copy(x, 1, 0, 9, 2)),
        ("unfold_copy", lambda m, x: m.unfold_copy(x, 1, 2, 1)),
        ("alias_copy", lambda m, x: m.alias_copy(x)),
        ("split_copy", lambda m, x: _joined(m.split_copy(x, 2, 1))),
        ("split_with_sizes_copy", lambda m, x: _joined(m.split_with_sizes_copy(x, [1, 2], 1))),
        ("unbind_copy", lambda m, x: _joined(m.unbind_copy(x, 1)))):
    rows(_name, lambda x, c=_call: c(tg, x), {"2x3!": (X23.copy(),)},
         torch=lambda T, x, c=_call: c(T, x))
rows("detach_copy", tg.detach_copy, {"no gradient": (X23,)}, numpy=lambda a: a, grad=(None,))
rows("slice_copy", lambda x: tg.slice_copy(x, 0, None, None, 0), {"step 0": (X23,)},
     raises="slice_copy: step must be greater than zero")
rows("select_copy", lambda x: tg.select_copy(x, 0, 5), {"out of range": (X23,)},
     raises="select")

rows("channel_shuffle", lambda x: F.channel_shuffle(x, 2), {
    "4 channels, 2 groups!": (_X4.reshape(1, 4, 3, 2),), "empty batch": (np.zeros((0, 4, 2)),)},
     torch=lambda T, x: T.nn.functional.channel_shuffle(x, 2), note=_NOTE)
rows("channel_shuffle", lambda x: F.channel_shuffle(x, 3), {"channels not divisible": (_X4,)},
     raises=r"channel_shuffle: the number of channels \(2\)")
rows("channel_shuffle", lambda x: F.channel_shuffle(x, 2), {"2-D": (_X4[0, 0],)},
     raises="channel_shuffle: expected an input of 3 or more dims")

# ---- pad's reflect, replicate and circular modes ------------------------------------------------
for _mode in ("reflect", "replicate", "circular"):
    rows("pad", lambda x, m=_mode: F.pad(x, (2, 1, 1, 0), mode=m), {
        f"{_mode}: each entry's gradient adds up!": (_X4,),
        f"{_mode}: inf and nan": (np.where(_X4 > 1.5, INF, np.where(_X4 < -1.0, NAN, _X4)),)},
        torch=lambda T, x, m=_mode: T.nn.functional.pad(x, (2, 1, 1, 0), mode=m), note=_NOTE)
    rows("pad", lambda x, m=_mode: F.pad(x, (1, 1, 0, 0), mode=m, value=1.0), {
        f"{_mode} with a value": (_X4,)}, raises=f"pad: mode '{_mode}' takes no fill value")
rows("pad", lambda x: F.pad(x, (4, 0, 0, 0), mode="reflect"), {
    "reflect as wide as the axis": (_X4,)}, raises="pad: mode 'reflect' needs widths")
rows("pad", lambda x: F.pad(x, (0, 0, 1, 0), mode="replicate"), {
    "replicate an empty axis": (np.zeros((1, 2, 0, 3)),)}, raises="pad: mode 'replicate' needs")
rows("pad", lambda x: F.pad(x, (1, 1, 0, 0), mode="symmetric"), {"an unknown mode": (_X4,)},
     raises="pad: mode must be one of")

# ---- t, ravel, narrow, select ----------------------------------------------------------------
rows("t", lambda x: x.t(), {
    "matrix!": (X23,), "vector: itself!": (_a(1.0, 2.0),), "0-d: itself!": (np.float64(2.0),),
    "empty": (E2,)}, numpy=lambda x: x.T, torch=lambda T, x: T.t(x))
rows("t", tg.t, {"3-d": (np.zeros((2, 2, 2)),)}, raises="t\\(\\) expects a tensor with at most 2")
rows("ravel", tg.ravel, {"matrix!": (X23,), "0-d!": (np.float64(2.0),), "empty": (E2,)},
     numpy=np.ravel, torch=lambda T, x: T.ravel(x))
rows("narrow", lambda x: x.narrow(1, -2, 2), {"negative start!": (X34,)},
     numpy=lambda x: x[:, 2:4], torch=lambda T, x: T.narrow(x, 1, -2, 2))
rows("narrow", lambda x: tg.narrow(x, 0, 3, 0), {"length 0 at the end": (X34,)},
     numpy=lambda x: x[3:3], torch=lambda T, x: T.narrow(x, 0, 3, 0))
rows("narrow", lambda x: x.narrow(1, 3, 2), {"past the end": (X34,)},
     raises="narrow: start \\(3\\) \\+ length \\(2\\) exceeds dim 1 of length 4")
rows("narrow", lambda x: x.narrow(0, 0, 1), {"0-d": (np.float64(1.0),)},
     raises="narrow: a 0-d tensor")
rows("narrow", lambda x: x.narrow(0, -4, 1), {"start below -n": (X34,)},
     raises="narrow: start -4 is out of range")
rows("select", lambda x: x.select(1, -1), {"negative index!": (X34,)},
     numpy=lambda x: x[:, -1], torch=lambda T, x: T.select(x, 1, -1))
rows("select", lambda x: tg.select(x, 0, 1), {"a row!": (X34,)},
     numpy=lambda x: x[1], torch=lambda T, x: T.select(x, 0, 1))
rows("select", lambda x: x.select(0, 3), {"index out of range": (X34,)},
     raises="select: index 3 is out of range for dim 0 of length 3")
rows("select", lambda x: x.select(0, 0), {"0-d": (np.float64(1.0),)},
     raises="select: a 0-d tensor")

# ---- flips, diagonals ------------------------------------------------------------------------
rows("fliplr", tg.fliplr, {"matrix!": (X34,), "empty": (E2,)}, numpy=np.fliplr,
     torch=lambda T, x: T.fliplr(x))
rows("fliplr", tg.fliplr, {"1-D": (_a(1.0, 2.0),)}, raises="fliplr: expects at least 2 dims")
rows("flipud", tg.flipud, {"matrix!": (X34,), "vector!": (_a(1.0, 2.0),), "empty": (E,)},
     numpy=np.flipud, torch=lambda T, x: T.flipud(x))
rows("flipud", tg.flipud, {"0-d": (np.float64(1.0),)}, raises="flipud: expects at least 1 dim")
rows("diagflat", lambda x: tg.diagflat(x, 1), {"matrix, offset 1!": (X23,), "empty": (E,)},
     numpy=lambda x: np.diagflat(x, 1), torch=lambda T, x: T.diagflat(x, 1))
rows("diag_embed", lambda x: x.diag_embed(), {"matrix!": (X23,), "inf stays on the diagonal":
                                              (_a(INF, NAN),), "empty": (E2,)},
     numpy=lambda x: np.apply_along_axis(np.diag, -1, x) if x.size else np.zeros((2, 0, 0)),
     torch=lambda T, x: T.diag_embed(x))
rows("diag_embed", lambda x: x.diag_embed(-1, 0, 2), {"offset, dims!": (X23,)},
     numpy=lambda x: np.moveaxis(np.stack([np.diag(r, -1) for r in x]), (1, 2), (0, 2)),
     torch=lambda T, x: T.diag_embed(x, -1, 0, 2))
rows("diag_embed", lambda x: x.diag_embed(0, 1, -2), {"dim1 = dim2": (X23,)},
     raises="diag_embed: dim1 and dim2 must differ")

# ---- joins: dstack, block_diag, cartesian_prod -----------------------------------------------
rows("dstack", lambda x, y: tg.dstack([x, y]), {
    "1-D!": (_a(1.0, 2.0), _a(3.0, 4.0)), "2-D!": (X23, X23), "empty": (E2, E2)},
     numpy=lambda x, y: np.dstack([x, y]), torch=lambda T, x, y: T.dstack([x, y]))
rows("dstack", lambda x, y: tg.dstack([x, y]), {"shapes differ": (X23, X34)},
     raises="(?i)concatenate")
rows("block_diag", tg.block_diag, {
    "matrix, vector, 0-d!": (X23, _a(1.0, 2.0), np.float64(3.0)),
    "an empty block": (E2, X23), "inf stays in its block": (_a(INF), _a(NAN))},
     numpy=lambda *b: __import__("tinygrad_dl.optable.refs", fromlist=["x"]).block_diag_ref(*b),
     torch=lambda T, *b: T.block_diag(*b))
rows("block_diag", tg.block_diag, {"3-D": (np.zeros((1, 1, 1)),)},
     raises="block_diag: expects tensors of at most 2 dims")
rows("cartesian_prod", tg.cartesian_prod, {
    "two!": (_a(1.0, 2.0, 3.0), _a(-1.0, 0.5)), "one: itself!": (_a(1.0, 2.0),),
    "an empty one": (_a(1.0, 2.0), E)},
     numpy=lambda *a: np.array(list(__import__("itertools").product(*a))).reshape(-1, len(a))
     if len(a) > 1 else a[0], torch=lambda T, *a: T.cartesian_prod(*a))
rows("cartesian_prod", tg.cartesian_prod, {"2-D": (X23, X23)},
     raises="cartesian_prod: expects one or more 1-D tensors")
