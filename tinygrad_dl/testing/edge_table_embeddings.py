"""Edge rows of F.embedding (duplicate indices, padding_idx, scale_grad_by_freq, max_norm) and
F.embedding_bag: the sum, mean and max bags, empty bags, offsets and per-sample weights. `T` in
a `torch=` lambda is the torch module; where a row has no `numpy=`, PyTorch's value is the
reference."""

from __future__ import annotations

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows
from .edge_table import a64 as _a

_NOTE = "compared with torch (NumPy has none)"
_Y = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [1, 1, -1, 0]])
_S = np.array([[0.5, -1.0, 2.0, 1.5], [1.0, 1.25, -0.5, 3.0], [0.2, 0.2, 1.2, -2.0]])


# ---- embedding, scatter, scatter_add, index_add, interpolate ---------------------------------
_EMB_W = np.array([[0.5, -1.0], [1.5, 2.0], [-0.25, 3.0]])
_I0 = np.zeros(0, dtype=np.int64)
rows("embedding", lambda w, i: F.embedding(i, w), {
    "empty indices": (_EMB_W, _I0), "one element!": (_a(0.75).reshape(1, 1), np.array([0])),
    "duplicate indices!": (_EMB_W, np.array([[2, 0], [2, 2]])),
    "inf and nan rows": (np.array([[INF, 1.0], [NAN, -INF], [0.5, 0.5]]), np.array([1, 0, 1]))},
    numpy=lambda w, i: w[i], torch=lambda T, w, i: T.nn.functional.embedding(i, w))
rows("embedding", lambda w, i: F.embedding(i, w, padding_idx=1), {
    "padding_idx: read, no gradient": (_EMB_W, np.array([1, 2, 1]))},
    numpy=lambda w, i: w[i], grad=(np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]), None),
    torch=lambda T, w, i: T.nn.functional.embedding(i, w, padding_idx=1))
rows("embedding", lambda w, i: F.embedding(i, w), {
    "index out of range": (_EMB_W, np.array([3])), "negative index": (_EMB_W, np.array([-1]))},
    raises=r"embedding: indices must lie in \[0, 3\)")
rows("embedding", lambda w, i: F.embedding(i, w, scale_grad_by_freq=True), {
    "scale_grad_by_freq: row 2 read thrice, 0 once": (_EMB_W, np.array([[2, 0], [2, 2]])),
    "scale_grad_by_freq: empty indices": (_EMB_W, _I0)},
    torch=lambda T, w, i: T.nn.functional.embedding(i, w, scale_grad_by_freq=True), note=_NOTE)
# max_norm renorms the rows read, in place, before the lookup (torch's embedding_renorm_)
_BIG_W = np.array([[3.0, 4.0], [0.3, 0.4], [INF, 1.0], [NAN, 0.5]])
for _p in (2.0, 1.0, INF):
    rows("embedding", lambda w, i, p=_p: F.embedding(i, w, max_norm=1.0, norm_type=p), {
        f"max_norm, norm_type={_p}: over, under, repeated": (_BIG_W, np.array([0, 1, 0])),
        f"max_norm, norm_type={_p}: inf and nan rows": (_BIG_W, np.array([2, 3, 1]))},
        torch=lambda T, w, i, p=_p: T.nn.functional.embedding(i, w, max_norm=1.0, norm_type=p),
        note=_NOTE)
rows("embedding", lambda w, i: F.embedding(i, w, max_norm=1.0, padding_idx=0), {
    "max_norm with padding_idx (renormed, no gradient)": (_BIG_W, np.array([0, 1, 0]))},
    torch=lambda T, w, i: T.nn.functional.embedding(i, w, max_norm=1.0, padding_idx=0),
    note=_NOTE)
rows("embedding", lambda w, i: F.embedding(i, w.data, max_norm=1.0), {
    "max_norm of a NumPy table": (_EMB_W, np.array([0]))},
    raises="embedding: max_norm renormalizes weight's rows in place, so weight must be a Tensor")
rows("embedding", lambda w, i: F.embedding(i, w, sparse=True), {
    "sparse=True": (_EMB_W, np.array([0]))}, raises=r"embedding: sparse=True")


# ---- embedding_bag -------------------------------------------------------------------------------
_EB = _S.T[:4].copy()  # (4, 3) weight; bags of indices into it
_IDX, _OFF = np.array([1, 2, 1, 3, 0, 3]), np.array([0, 2, 2, 5])  # one bag empty, a repeat
for _mode in ("sum", "mean", "max"):
    rows("embedding_bag", lambda w, m=_mode: F.embedding_bag(_IDX, w, _OFF, mode=m), {
        f"{_mode}: an empty bag, a repeated index" + ("" if _mode == "max" else "!"): (_EB,),
        f"{_mode}: inf and nan": (np.where(_EB > 1.4, INF, np.where(_EB < -1.9, NAN, _EB)),)},
         torch=lambda T, w, m=_mode: T.nn.functional.embedding_bag(
             T.tensor(_IDX), w, T.tensor(_OFF), mode=m), note=_NOTE)
    rows("embedding_bag", lambda w, m=_mode: F.embedding_bag(_IDX.reshape(2, 3), w, mode=m,
                                                             padding_idx=3), {
        f"{_mode}: 2-D bags, padding_idx left out!": (_EB,)},
         torch=lambda T, w, m=_mode: T.nn.functional.embedding_bag(
             T.tensor(_IDX.reshape(2, 3)), w, mode=m, padding_idx=3), note=_NOTE)
rows("embedding_bag", lambda w, p: F.embedding_bag(_IDX, w, _OFF, mode="sum",
                                                   per_sample_weights=p), {
    "per_sample_weights!": (_EB, _a(0.5, -1.0, 2.0, 1.5, 0.25, 3.0))},
     torch=lambda T, w, p: T.nn.functional.embedding_bag(
         T.tensor(_IDX), w, T.tensor(_OFF), mode="sum", per_sample_weights=p), note=_NOTE)
# (indices whose repeats all have one count: torch 2.13's CPU kernel divides the i-th distinct
# row's gradient by the count of the i-th sorted index, right only then; see docs/pytorch.md)
_EQ = np.array([1, 2, 1, 2, 3, 3])
for _mode in ("sum", "mean"):
    rows("embedding_bag", lambda w, m=_mode: F.embedding_bag(
        _EQ, w, _OFF, mode=m, scale_grad_by_freq=True, max_norm=1.5), {
        f"{_mode}: scale_grad_by_freq and max_norm": (_EB * 2,)},
         torch=lambda T, w, m=_mode: T.nn.functional.embedding_bag(
             T.tensor(_EQ), w, T.tensor(_OFF), mode=m, scale_grad_by_freq=True, max_norm=1.5),
         note=_NOTE)
rows("embedding_bag", lambda w: F.embedding_bag(_IDX, w, _OFF, mode="max",
                                                scale_grad_by_freq=True), {
    "scale_grad_by_freq with max": (_EB,)}, raises="embedding_bag: max mode does not support")
rows("embedding_bag", lambda w: F.embedding_bag(_IDX, w, np.array([1, 3])), {
    "offsets not starting at 0": (_EB,)}, raises="embedding_bag: offsets must start at 0")
rows("embedding_bag", lambda w: F.embedding_bag(_IDX, w, _OFF), {
    "an integer table": (np.arange(12).reshape(4, 3),)},
     raises="embedding_bag: weight must be a floating-point table")
rows("embedding_bag", lambda w: F.embedding_bag(_IDX + 1, w, _OFF), {
    "an index past the table": (_EB,)}, raises="embedding_bag")
rows("embedding_bag", lambda w: F.embedding_bag(_IDX, w, _OFF, mode="max",
                                                per_sample_weights=np.ones(6)), {
    "per_sample_weights with max": (_EB,)}, raises="embedding_bag: per_sample_weights is only")
