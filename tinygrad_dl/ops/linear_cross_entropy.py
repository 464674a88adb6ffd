"""torch 2.13's chunked linear_cross_entropy as one op: cross_entropy(x W^T + b, t) computed a
block of rows at a time, so the (N, C) logits are never held whole (a language model's head:
N = 4096 tokens, C = 32000 classes are 500 MB of float32 logits). The cross-entropy of each
block is ops.CrossEntropy's own forward and backward (one home for its math: weights, ignored
labels, label smoothing), run on the block's logits and dropped."""

from __future__ import annotations

import numpy as np

from ..engine import Function
from ..write_guard import private
from .loss import CrossEntropy, ignored_labels

__all__ = ["ChunkedLinearCrossEntropy"]


def kept_weight(targets: np.ndarray, num_classes: int, weight: np.ndarray | None,
                ignore_index: int, who: str) -> np.ndarray:
    """The mean's divisor over class indices: the sum of the kept labels' class weights
    (their count without weights), as cross_entropy's; the labels are checked here once."""
    ignored = ignored_labels(who, targets, num_classes, ignore_index)
    kept = targets if ignored is None else targets[~ignored]
    return np.asarray(kept.size if weight is None else weight[kept].sum())


class ChunkedLinearCrossEntropy(Function):
    """cross_entropy(x W^T + b, targets) for rows x (N, D), W (C, D), b (C,) and class indices
    targets (N,), `chunk` rows at a time; an unbatched x (D,) with a 0-d label is one row (its
    "none" loss of shape (1,)), reshaped here: the op saves x itself, so the write guard locks
    x's own array (a reshape's view, saved instead, left x writable when x's array is a view
    of another, and backward recomputed from the written values).

    Forward keeps x, W and b only (each block's logits and softmax are dropped); backward
    recomputes each block's logits z, takes dz from CrossEntropy's backward with the block's
    share of the upstream gradient (g / divisor per row for "mean"), and adds dx = dz W,
    dW += dz^T x, db += 1^T dz. The peak is one block's (chunk, C) logits (and its softmax),
    not (N, C); the price is one more x W^T matmul (torch's chunked "none" path does the
    same; its "mean" and "sum" precompute the gradients in forward instead)."""

    def forward(ctx, x, W, *b, targets=None, reduction="mean", weight=None, ignore_index=-100,
                label_smoothing=0.0, chunk=1):
        ctx.save_for_backward(x, W, *b)
        ctx.targets = private(targets, "linear_cross_entropy: the targets").reshape(-1)
        # (an unbatched input's 0-d label as one row's)
        # the class weight copied as the targets are: backward recomputes each block with it, and
        # the caller's array (a module's buffer) may be rewritten before backward
        ctx.weight = private(weight, "linear_cross_entropy: the class weight")
        ctx.reduction, ctx.chunk = reduction, chunk
        ctx.ignore_index, ctx.label_smoothing = ignore_index, label_smoothing
        divisor = kept_weight(ctx.targets, W.shape[0], weight, ignore_index,
                              "linear_cross_entropy")  # (every label checked here, at once:
        ctx.divisor = divisor if reduction == "mean" else None  # not a block's, by its range)
        n = 1 if x.ndim == 1 else x.shape[0]
        dtype = np.result_type(x, W)  # integer or bool x and W: float64 losses, as
        losses = np.empty(n, dtype if dtype.kind in "fc" else np.float64)  # CrossEntropy's
        for s in range(0, n, chunk):
            ce = CrossEntropy()
            losses[s:s + chunk] = ce.forward(ctx._logits(s), **ctx._block(s))
        if reduction == "none":
            return losses
        total = losses.sum()
        if reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: 0 / 0 = NaN
                total = total / ctx.divisor  # (torch's, cross_entropy's too)
        return np.asarray(total, losses.dtype)

    def _logits(ctx, s):
        x, W, *b = ctx.saved
        z = _rows(x)[s:s + ctx.chunk] @ W.T
        if b:
            z += b[0]
        return z

    def _block(ctx, s):
        return dict(targets=ctx.targets[s:s + ctx.chunk], reduction="none", weight=ctx.weight,
                    ignore_index=ctx.ignore_index, label_smoothing=ctx.label_smoothing)

    def backward(ctx, g):
        x, W, *b = ctx.saved
        shape, x = x.shape, _rows(x)
        need = ctx.needs_input_grad
        dx = np.empty(x.shape, np.result_type(x, W)) if need[0] else None
        dW = np.zeros(W.shape, np.result_type(x, W)) if need[1] else None
        db = np.zeros(b[0].shape, dW.dtype if dW is not None else x.dtype) if (
            b and need[2]) else None
        if ctx.reduction != "none":
            with np.errstate(invalid="ignore", divide="ignore"):  # (a 0 divisor: CE's NaNs)
                share = g / ctx.divisor if ctx.divisor is not None else g
        for s in range(0, x.shape[0], ctx.chunk):
            xs = x[s:s + ctx.chunk]
            ce = CrossEntropy()
            ce.prepare(ctx._logits(s), **ctx._block(s))
            gs = (g[s:s + ctx.chunk] if ctx.reduction == "none"
                  else np.full(xs.shape[0], share, dtype=np.result_type(g)))
            dz = ce.backward(gs)
            if dx is not None:
                dx[s:s + ctx.chunk] = dz @ W
            if dW is not None:
                dW += dz.T @ xs
            if db is not None:
                db += dz.sum(axis=0)
        dx = None if dx is None else dx.reshape(shape)
        return (dx, dW, db) if b else (dx, dW)


def _rows(x: np.ndarray) -> np.ndarray:
    """x as rows: an unbatched (D,) input as one row (1, D)."""
    return x.reshape(1, x.shape[0]) if x.ndim == 1 else x
