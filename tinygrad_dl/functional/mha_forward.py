"""PyTorch's F.multi_head_attention_forward, its long positional signature: the whole of
multi-head attention given the weights (projections, bias_k / bias_v, add_zero_attn, the
masks, static_k / static_v, dropout), over (L, N, E) or unbatched (L, E) inputs, composed of
the graph's ops (attention.attend), so its gradient is theirs. nn.MultiheadAttention's forward
checks its inputs and calls this (one implementation)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from .attention import attend, causal_bias, flag, mask_bias
from .joins import concatenate
from .layers import linear
from .methods import as_tensor_of

_WHO = "multi_head_attention_forward"


def _project(q: Tensor, k: Tensor, v: Tensor, same: bool, E: int, in_proj_weight: Any,
             in_proj_bias: Any, separate: bool, qw: Any, kw: Any, vw: Any
             ) -> tuple[Tensor, Tensor, Tensor]:
    b = in_proj_bias
    bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
    if separate:
        if qw is None or kw is None or vw is None:
            raise ValueError(f"{_WHO}: use_separate_proj_weight is True but q_proj_weight, "
                             "k_proj_weight or v_proj_weight is None")
        return linear(q, qw, bq), linear(k, kw, bk), linear(v, vw, bv)
    if in_proj_weight is None:
        raise ValueError(f"{_WHO}: use_separate_proj_weight is False but in_proj_weight is None")
    w = in_proj_weight
    if same:  # (self-attention: one projection of the three, as torch's)
        qkv = linear(q, w, b)
        return qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
    return linear(q, w[:E], bq), linear(k, w[E:2 * E], bk), linear(v, w[2 * E:], bv)


def _pad_key(bias: Tensor | None) -> Tensor | None:
    """A bias with one more key column, 0 (attended), as torch's F.pad(mask, (0, 1))."""
    if bias is None:
        return None
    return concatenate([bias, Tensor.zeros(*bias.shape[:-1], 1, dtype=bias.dtype)], axis=-1)


def _static(name: str, t: Any, N: int, H: int, hd: int) -> Tensor:
    s = as_tensor_of(t)
    if s.ndim != 3 or s.shape[0] != N * H or s.shape[2] != hd:
        raise ValueError(f"{_WHO}: expecting {name}.size(0) of {N * H} and {name}.size(2) of "
                         f"{hd}, got {tuple(s.shape)}")
    return s.reshape(N, H, s.shape[1], hd)


def _check_masks(attn_mask: Any, kpm: Any, batched: bool, L: int, S: int, N: int, H: int,
                 static_k: Any, causal: bool) -> None:
    """torch's mask shapes, each one line: a wrong one would otherwise broadcast (a (1, 1)
    mask or an (N, 1) key_padding_mask over every key) and give numbers without a word.
    As torch's: attn_mask against the key given (S; torch checks it before static_k comes
    in), key_padding_mask against the keys attended (static_k's when given). A static_k of
    another length than the key with an attn_mask: torch fails later in a broadcast (or, for
    a one-key mask, spreads its one column over every static key); one line here instead."""
    sk = () if static_k is None else _shape(static_k)
    n_keys = sk[1] if len(sk) == 3 else S  # (a bad static_k: _static's error, later)
    if attn_mask is not None:
        shape = tuple(np.shape(attn_mask.data if isinstance(attn_mask, Tensor) else attn_mask))
        want = {2: (L, S), 3: (N * H, L, S)}.get(len(shape))
        if want is None:
            raise RuntimeError(f"{_WHO}: attn_mask's dimension {len(shape)} is not supported")
        if shape != want:
            raise RuntimeError(f"{_WHO}: the shape of the {len(shape)}D attn_mask is {shape}, "
                               f"but should be {want}")
        if n_keys != S and not causal:  # (torch's causal path puts the mask aside)
            raise RuntimeError(f"{_WHO}: attn_mask {shape} is over the key's {S} positions but "
                               f"static_k has {n_keys} keys; they must be as many")
    if kpm is not None:
        shape = tuple(np.shape(kpm.data if isinstance(kpm, Tensor) else kpm))
        want = (N, n_keys) if batched else (n_keys,)
        if shape != want:
            raise RuntimeError(f"{_WHO}: expected key_padding_mask of shape {want}, got {shape}")


def _shape(t: Any) -> tuple[int, ...]:
    return tuple(np.shape(t.data if isinstance(t, Tensor) else t))


def _check_weights(E: int, kdim: int, vdim: int, w: Any, b: Any, separate: bool,
                   qkv: tuple[Any, Any, Any], bias_k: Any, bias_v: Any) -> None:
    """torch's weight shapes, each one line: in_proj_weight (3E, E) (else a Reshape or a
    Linear crash far from the cause), in_proj_bias (3E,), the separate projections (E, E),
    (E, kdim), (E, vdim), and bias_k / bias_v of E values ((1, 1, E) as the module's: one of
    (1, 1, 1) broadcast to every feature without a word)."""
    if separate:
        for name, t, want in zip(("q_proj_weight", "k_proj_weight", "v_proj_weight"), qkv,
                                 ((E, E), (E, kdim), (E, vdim))):
            if t is not None and _shape(t) != want:
                raise ValueError(f"{_WHO}: expecting {name} of shape {want}, got {_shape(t)}")
    elif w is not None and _shape(w) != (3 * E, E):
        raise ValueError(f"{_WHO}: expecting in_proj_weight of shape {(3 * E, E)} (3 * "
                         f"embed_dim, embed_dim), got {_shape(w)}")
    if b is not None and _shape(b) != (3 * E,):
        raise ValueError(f"{_WHO}: expecting in_proj_bias of shape {(3 * E,)}, got {_shape(b)}")
    for name, t in (("bias_k", bias_k), ("bias_v", bias_v)):
        if t is not None and (_shape(t)[-1:] != (E,) or int(np.prod(_shape(t))) != E):
            raise ValueError(f"{_WHO}: expecting {name} of shape (1, 1, {E}), got {_shape(t)}")


def multi_head_attention_forward(
        query: Any, key: Any, value: Any, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Any, in_proj_bias: Any, bias_k: Any, bias_v: Any, add_zero_attn: bool,
        dropout_p: float, out_proj_weight: Any, out_proj_bias: Any, training: bool = True,
        key_padding_mask: Any = None, need_weights: bool = True, attn_mask: Any = None,
        use_separate_proj_weight: bool = False, q_proj_weight: Any = None,
        k_proj_weight: Any = None, v_proj_weight: Any = None, static_k: Any = None,
        static_v: Any = None, average_attn_weights: bool = True, is_causal: bool = False,
        *, rng: Any = None) -> tuple[Tensor, Tensor | None]:
    """torch's F.multi_head_attention_forward: (output (L, N, E), weights (N, L, S) averaged
    over the heads, (N, num_heads, L, S) with average_attn_weights=False, or None without
    need_weights); unbatched (L, E) inputs give (L, E) and (L, S). Masks as torch's (bool True:
    may not attend; float: added). is_causal needs attn_mask and, as torch's, uses the causal
    mask in its place only when there is no key_padding_mask and not need_weights. Dropout
    masks from rng= (or the default generator) when training."""
    for name, given in (("need_weights", need_weights), ("is_causal", is_causal),
                        ("average_attn_weights", average_attn_weights),
                        ("add_zero_attn", add_zero_attn)):
        flag(name, given, _WHO)
    same = query is key and key is value
    q, k, v = (as_tensor_of(t) for t in (query, key, value))
    if q.ndim not in (2, 3) or k.ndim != q.ndim or v.ndim != q.ndim:
        raise ValueError(f"{_WHO}: query, key and value must all be batched (L, N, E) or all "
                         f"unbatched (L, E); got {tuple(q.shape)}, {tuple(k.shape)}, "
                         f"{tuple(v.shape)}")
    batched = q.ndim == 3
    if not batched:
        q, k, v = (t.reshape(t.shape[0], 1, t.shape[1]) for t in (q, k, v))
    L, N, E = q.shape
    S = k.shape[0]
    if isinstance(num_heads, (bool, np.bool_)) or not isinstance(num_heads, (int, np.integer)):
        # (int(2.5) would run 2 heads without a word; torch raises too)
        raise TypeError(f"{_WHO}: num_heads must be an integer, got {num_heads!r}")
    H = int(num_heads)
    if E != embed_dim_to_check:
        raise ValueError(f"{_WHO}: was expecting embedding dimension of {embed_dim_to_check}, "
                         f"but got {E}")
    if H <= 0 or E % H:
        raise ValueError(f"{_WHO}: embed_dim {E} not divisible by num_heads {H}")
    if k.shape[:2] != v.shape[:2] or k.shape[1] != N:
        raise ValueError(f"{_WHO}: key shape {tuple(k.shape)} does not match value shape "
                         f"{tuple(v.shape)} or the query's batch")
    hd = E // H
    if is_causal and attn_mask is None:  # torch's error, word for word
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    # torch's SDPA is_causal path: its causal mask is made last, over every key (bias_k's,
    # static_k's, add_zero_attn's too), so the extra keys stay unseen by the first queries
    causal = is_causal and key_padding_mask is None and not need_weights
    _check_masks(attn_mask, key_padding_mask, batched, L, S, N, H, static_k, causal)
    _check_weights(E, k.shape[-1], v.shape[-1], in_proj_weight, in_proj_bias,
                   use_separate_proj_weight, (q_proj_weight, k_proj_weight, v_proj_weight),
                   bias_k, bias_v)
    q, k, v = _project(q, k, v, same, E, in_proj_weight, in_proj_bias,
                       use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight)
    bias: Tensor | None = None
    if not causal and attn_mask is not None:
        bias = mask_bias(_WHO, "attn_mask", attn_mask, q.dtype, allowed=False)
        if bias.ndim == 3:  # (N * H, L, S), or (H, L, S) unbatched
            bias = bias.reshape(N, H, bias.shape[1], bias.shape[2])
    if key_padding_mask is not None:
        kpm = mask_bias(_WHO, "key_padding_mask", key_padding_mask, q.dtype, allowed=False)
        kpm = kpm.reshape(N, 1, 1, kpm.shape[-1])
        bias = kpm if bias is None else bias + kpm
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise ValueError(f"{_WHO}: bias cannot be added to static key or value")
        k = concatenate([k, as_tensor_of(bias_k).broadcast_to((1, N, E))], axis=0)
        v = concatenate([v, as_tensor_of(bias_v).broadcast_to((1, N, E))], axis=0)
        bias = _pad_key(bias)
    elif (bias_k is None) != (bias_v is None):
        raise ValueError(f"{_WHO}: bias_k and bias_v must both be given or both be None")
    # (L, N, E) -> (N, H, L, hd): head h of sample n is torch's batch entry n * H + h
    q, k, v = (t.reshape(t.shape[0], N, H, hd).permute(1, 2, 0, 3) for t in (q, k, v))
    if static_k is not None:
        k = _static("static_k", static_k, N, H, hd)
    if static_v is not None:
        v = _static("static_v", static_v, N, H, hd)
    if k.shape[2] != v.shape[2]:  # (else a MatMul crash)
        raise ValueError(f"{_WHO}: the keys ({k.shape[2]}, static_k's when given) and values "
                         f"({v.shape[2]}, static_v's when given) must be as many")
    if add_zero_attn:  # one more key and value of zeros
        zeros = Tensor.zeros(N, H, 1, hd, dtype=q.dtype)
        k, v = concatenate([k, zeros], axis=2), concatenate([v, zeros], axis=2)
        bias = _pad_key(bias)
    if causal:
        bias = causal_bias(L, k.shape[2], q.dtype)
    out, weights = attend(q, k, v, bias, 1.0 / math.sqrt(hd),
                          float(dropout_p) if training else 0.0, rng,
                          masked_rows="nan" if need_weights or causal else "zero")
    out = linear(out.permute(2, 0, 1, 3).reshape(L, N, E), out_proj_weight, out_proj_bias)
    if not batched:
        out = out.reshape(L, E)
    if not need_weights:
        return out, None
    if average_attn_weights:
        weights = weights.mean(axis=1)
    return out, (weights if batched else weights[0])
