"""PyTorch's `F.scaled_dot_product_attention`, written as its equations over existing ops
(matmul, add, masked_fill, softmax, dropout), so its gradient is theirs:

    weights = softmax(q kᵀ * scale + bias)        (over the keys, the last axis)
    out     = dropout(weights) v

`bias` is 0 where a query may attend to a key and -inf where it may not (a bool mask, or
is_causal's lower triangle), or a float mask added as it is. A query row whose every key is
masked gives zeros, not the NaN of softmax(-inf, ..., -inf), and no gradient: what torch 2.13
gives (its "safe softmax"). `attend` is the core that nn.MultiheadAttention shares, with the
weights returned too and a choice for those rows (torch's MultiheadAttention gives NaN there
when it returns the weights).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import literal
from ..tensor import Tensor
from .dropouts import dropout
from .methods import as_tensors, bool_arg

_WHO = "scaled_dot_product_attention"


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None, enable_gqa: bool = False, *,
                                 rng: Any = None) -> Tensor:
    """softmax(q kᵀ / sqrt(E) + bias) v for query (..., L, E), key (..., S, E), value
    (..., S, Ev): the result is (..., L, Ev), the batch dimensions (...) broadcast as matmul's.

    attn_mask: a bool mask (True: the query may attend to that key; PyTorch's meaning here,
    the opposite of nn.MultiheadAttention's) or a float mask added to the scores, either
    broadcastable to (..., L, S). is_causal: query i attends to keys 0..i (the top-left
    triangle of (L, S)); with attn_mask too it is refused, as PyTorch refuses it. scale:
    1 / sqrt(E) when None. dropout_p: dropout on the weights, applied whenever > 0 (as
    PyTorch's function; the modules pass 0 in evaluation), its masks from rng= (else the
    default generator). enable_gqa: key and value may have fewer heads (dim -3) than query, a
    divisor of its count, each repeated for its group of query heads. A row with every key
    masked gives zeros and no gradient (torch 2.13's value). Integer inputs and a scale that
    is not a number (a Tensor) are refused, as torch refuses them.
    """
    flag("is_causal", is_causal)
    flag("enable_gqa", enable_gqa)
    q, k, v = as_tensors([query, key, value])
    if any(t.dtype.kind != "f" for t in (q, k, v)):  # (is_causal's -inf cast to int8 is lost,
        # and integer scores wrap around): torch refuses them too
        raise TypeError(f"{_WHO}: query, key and value must be floating point, got dtypes "
                        f"{q.dtype}, {k.dtype}, {v.dtype} (cast with .double() or .float())")
    _check_shapes(q, k, v)
    if enable_gqa:
        k, v = _grouped(q, k, v)
    _check_batch(q, k, v)
    if not isinstance(dropout_p, (int, float, np.integer, np.floating)) or isinstance(
            dropout_p, bool) or not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{_WHO}: dropout_p must be a number in [0, 1], got {dropout_p!r}")
    L, S = q.shape[-2], k.shape[-2]
    scores_shape = tuple(np.broadcast_shapes(q.shape[:-2], k.shape[:-2])) + (L, S)
    bias: Tensor | None = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{_WHO}: pass attn_mask or is_causal=True, not both (PyTorch "
                             "refuses both too)")
        bias = causal_bias(L, S, q.dtype)
    elif attn_mask is not None:
        bias = mask_bias(_WHO, "attn_mask", attn_mask, q.dtype, allowed=True)
        if not _broadcasts(bias.shape, scores_shape):
            raise ValueError(f"{_WHO}: attn_mask of shape {tuple(bias.shape)} does not "
                             f"broadcast to the attention weights' shape {scores_shape} "
                             "(batch..., L, S)")
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1]) if q.shape[-1] else 1.0
    elif isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)):
        # (a Tensor read as float(scale) would get no gradient, and say nothing)
        raise TypeError(f"{_WHO}: scale must be a number or None, got {type(scale).__name__} "
                        "(torch takes a float; multiply query by a learned scale instead)")
    # (is_causal: every query sees key 0, no row is all -inf, so softmax needs no guard)
    out, _ = attend(q, k, v, bias, float(scale), float(dropout_p), rng,
                    "nan" if is_causal else "zero")
    return out


def flag(name: str, value: Any, who: str = _WHO) -> None:
    """A bool argument is a bool: `is_causal="no"` (or a mask passed there by position) would
    be true and change the result without a word; torch refuses it too."""
    bool_arg(who, name, value)


def attend(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | None, scale: float,
           dropout_p: float, rng: Any, masked_rows: str = "zero") -> tuple[Tensor, Tensor]:
    """(dropout(w) v, dropout(w)) with w = softmax(q kᵀ * scale + bias). masked_rows: "zero"
    (a row whose bias is -inf everywhere gives zero weights, no gradient) or "nan" (plain
    softmax: NaN there, nn.MultiheadAttention's returned weights in torch; the causal mask,
    which has no such row, takes it as the cheaper path). Only ops, no value
    read in Python, so a jitted step replays it (a mask made before the step, or passed in)."""
    scores = (q @ k.swapaxes(-2, -1)) * scale
    if scores.shape[-1] == 0:  # no keys: no weights, and zeros out (torch's); softmax
        weights = scores  # of an empty axis would raise
    elif bias is None:
        weights = scores.softmax(-1)
    elif masked_rows == "nan":
        weights = (scores + bias).softmax(-1)
    else:
        # torch's safe softmax: a row of scores + bias that is -inf throughout (every key
        # masked, or overflowed) gives zero weights. Each row less its max (a constant; the
        # lowest float where the row is all -inf) keeps -inf apart from a mask's own
        # finfo.min (a clamp of the sum made them equal: the -inf key got weight); the clamp
        # then changes only the all -inf rows (no NaN), whose weights `alive` (1, or 0) zeroes
        x = scores + bias
        lowest = float(np.finfo(x.dtype).min)
        m = x.detach().max(axis=-1, keepdims=True)
        shift = m.clamp(min=lowest)
        alive = (m - shift).exp()
        weights = (x - shift).clamp(min=lowest).softmax(-1) * alive
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True, rng=rng)
    return weights @ v, weights


def causal_bias(L: int, S: int, dtype: Any) -> Tensor:
    """0 on and below the diagonal of (L, S), -inf above it: query i sees keys 0..i (a
    constant made of the shapes only, which a jitted step may keep)."""
    a = np.where(np.tril(np.ones((L, S), dtype=bool)), 0.0, -np.inf).astype(dtype)
    return Tensor(literal(a))


def mask_bias(who: str, name: str, mask: Any, dtype: Any, allowed: bool) -> Tensor:
    """A mask as an additive bias: a bool mask as 0 / -inf in `dtype` (True means the key may
    be attended to when `allowed`, may not when not: nn.MultiheadAttention's meaning), by a
    `where` op over the mask itself (so a jitted step sees the mask, not a copy made of it); a
    float one as it is (a Tensor kept as one: its gradient flows); anything else refused."""
    data = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype == bool:
        keep, drop = Tensor(literal(np.array(0.0, dtype))), -np.inf
        return keep.where(data, drop) if allowed else Tensor(
            literal(np.array(-np.inf, dtype))).where(data, 0.0)
    if data.dtype.kind != "f":
        raise TypeError(f"{who}: {name} must be a bool or float mask, got dtype {data.dtype}")
    return mask if isinstance(mask, Tensor) else Tensor(data)


def _broadcasts(shape: tuple[int, ...], to: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(tuple(shape), to) == to
    except ValueError:
        return False


def _check_shapes(q: Tensor, k: Tensor, v: Tensor) -> None:
    """query (..., L, E), key (..., S, E), value (..., S, Ev); else one line naming the
    three shapes."""
    qs, ks, vs = tuple(q.shape), tuple(k.shape), tuple(v.shape)
    got = f"got query {qs}, key {ks}, value {vs}"
    if min(len(qs), len(ks), len(vs)) < 2:
        raise ValueError(f"{_WHO}: query, key and value need at least 2 dimensions (..., L, E), "
                         f"(..., S, E), (..., S, Ev); {got}")
    if qs[-1] != ks[-1] or ks[-2] != vs[-2]:
        raise ValueError(f"{_WHO}: expected query (..., L, E), key (..., S, E), value "
                         f"(..., S, Ev) (E and S shared); {got}")


def _check_batch(q: Tensor, k: Tensor, v: Tensor) -> None:
    """The batch dimensions (all but the last two) must broadcast together."""
    qs, ks, vs = tuple(q.shape), tuple(k.shape), tuple(v.shape)
    got = f"got query {qs}, key {ks}, value {vs}"
    try:
        np.broadcast_shapes(qs[:-2], ks[:-2], vs[:-2])
    except ValueError:
        raise ValueError(f"{_WHO}: the batch dimensions do not broadcast; {got}") from None


def _grouped(q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """enable_gqa: key's and value's heads (dim -3) repeated for query's groups of heads."""
    if min(q.ndim, k.ndim, v.ndim) < 3:
        raise ValueError(f"{_WHO}: enable_gqa needs a heads dimension (..., H, L, E); got "
                         f"query {tuple(q.shape)}, key {tuple(k.shape)}")
    hq, hk, hv = q.shape[-3], k.shape[-3], v.shape[-3]
    if hk != hv or hk == 0 or hq % hk:
        raise ValueError(f"{_WHO}: enable_gqa needs key and value to have the same number of "
                         f"heads, a divisor of query's; got {hq}, {hk}, {hv}")
    return k.repeat_interleave(hq // hk, axis=-3), v.repeat_interleave(hq // hk, axis=-3)
