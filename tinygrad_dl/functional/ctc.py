"""F.ctc_loss, torch's: the connectionist temporal classification loss of log-probabilities
(T, N, C) (or unbatched (T, C)) against padded (N, S) or concatenated targets. One op
(ops.CTCLoss) computes each sample's loss and torch's gradient; the reduction composes."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import CTCLoss
from ..tensor import Tensor, data_of, plain_array
from .losses import check_reduction
from .methods import as_tensor_of

_WHO = "ctc_loss"


def _ints(name: str, v: Any) -> np.ndarray:
    """Lengths or targets as an int64 array: a Tensor, list, tuple, int or NumPy array."""
    try:
        a = data_of(v) if isinstance(v, Tensor) else plain_array(v, who=f"ctc_loss: {name}")
    except ValueError:  # ragged nested lists: NumPy's message did not name the op
        raise ValueError(f"{_WHO}: {name} must be a rectangular array of integers (pad "
                         f"targets to (N, S) or concatenate them), got {v!r:.60}") from None
    if a.dtype == object or (a.size and a.dtype.kind not in "iu"):
        raise TypeError(f"{_WHO}: {name} must hold integers, got dtype {a.dtype}")
    return a.astype(np.int64)


def _lengths(name: str, v: Any, n: int, most: int, most_name: str) -> np.ndarray:
    a = _ints(name, v)
    if a.size != n:  # (any shape of n lengths, (N, 1) too, read in order, as torch's)
        raise ValueError(f"{_WHO}: {name} must hold one length per sample ({n}), got shape "
                         f"{a.shape}")
    a = a.reshape(n)
    if n and a.min() < 0:
        raise ValueError(f"{_WHO}: {name} must be at least 0, got {a.min()}")
    if n and a.max() > most:
        raise ValueError(f"{_WHO}: {name} must be at most {most} ({most_name}), got {a.max()}")
    return a


def ctc_loss(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """-log p(target | log_probs) summed over all CTC alignments, per sample: log_probs
    (T, N, C) (a log_softmax over C) or (T, C); targets padded (N, S) or concatenated
    (sum(target_lengths),), labels in [0, C) other than `blank`; lengths as tensors, lists,
    tuples or ints. "mean": each loss over its target length (at least 1), averaged over the
    batch; "sum"; "none": (N,) (0-d unbatched). An impossible alignment gives inf (0 with
    zero_infinity). The gradient is torch's (exact through a log_softmax)."""
    check_reduction(_WHO, reduction)
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)):
        raise TypeError(f"{_WHO}: blank must be an int, got {type(blank).__name__}")
    if not isinstance(zero_infinity, (bool, np.bool_)):  # ("no" was truthy), as torch's
        raise TypeError(f"{_WHO}: zero_infinity must be a bool, got "
                        f"{type(zero_infinity).__name__} {zero_infinity!r:.40}")
    x = as_tensor_of(log_probs)
    if x.ndim not in (2, 3):
        raise ValueError(f"{_WHO}: log_probs must be (T, N, C) or unbatched (T, C), got shape "
                         f"{tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"{_WHO}: log_probs must be floating point, got dtype {x.dtype}")
    if x.size == 0:
        raise ValueError(f"{_WHO}: log_probs must not be empty, got shape {tuple(x.shape)}")
    unbatched = x.ndim == 2
    if unbatched:
        x = x.reshape(x.shape[0], 1, x.shape[1])
    T, N, C = x.shape
    if not 0 <= blank < C:
        raise ValueError(f"{_WHO}: blank must be in [0, {C}) (the label range), got {blank}")
    t = _ints("targets", targets)
    if unbatched and t.ndim == 2 and t.shape[0] != 1:
        raise ValueError(f"{_WHO}: unbatched targets must be (S,) or (1, S), got {t.shape}")
    if t.ndim == 1:  # concatenated: sum(target_lengths) labels
        tl = _lengths("target_lengths", target_lengths, N, t.shape[0], "the targets' size")
        if int(tl.sum()) != t.shape[0]:
            raise ValueError(f"{_WHO}: concatenated targets must hold sum(target_lengths) = "
                             f"{int(tl.sum())} labels, got {t.shape[0]}")
        S = int(tl.max()) if N else 0
        padded = np.full((N, S), blank, np.int64)
        starts = np.concatenate([[0], np.cumsum(tl)[:-1]]).astype(np.int64)
        for i in range(N):
            padded[i, :tl[i]] = t[starts[i]:starts[i] + tl[i]]
    elif t.ndim == 2:
        if t.shape[0] != N:
            raise ValueError(f"{_WHO}: padded targets must have {N} rows (the batch), got "
                             f"shape {t.shape}")
        tl = _lengths("target_lengths", target_lengths, N, t.shape[1], "S, the targets' width")
        used = np.arange(t.shape[1]) < tl[:, None]
        padded = np.where(used, t, blank)  # (labels past a length are never read)
    else:
        raise ValueError(f"{_WHO}: targets must be padded (N, S) or concatenated 1-D, got "
                         f"shape {t.shape}")
    il = _lengths("input_lengths", input_lengths, N, T, "T, the input's length")
    if padded.size and (padded.min() < 0 or padded.max() >= C):
        raise ValueError(f"{_WHO}: target labels must be in [0, {C}), got {padded.min()}.."
                         f"{padded.max()}")
    if (np.arange(padded.shape[1]) < tl[:, None])[padded == blank].any():
        raise ValueError(f"{_WHO}: a target label equals blank ({blank})")
    out = CTCLoss.apply(x, targets=padded, input_lengths=il, target_lengths=tl, blank=int(blank),
                        zero_infinity=bool(zero_infinity))
    if reduction == "mean":
        out = (out / np.maximum(tl, 1).astype(x.dtype)).mean()
    elif reduction == "sum":
        out = out.sum()
    elif unbatched:
        out = out.reshape(())
    return out
