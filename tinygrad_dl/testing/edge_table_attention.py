"""Edge rows of F.scaled_dot_product_attention (masks, causal, refusals) and
F.multi_head_attention_forward: masks, biases, static keys and values, compared with torch. `T`
in a `torch=` lambda is the torch module; where a row has no `numpy=`, PyTorch's value is the
reference."""

from __future__ import annotations

import numpy as np

from tinygrad_dl import functional as F
from tinygrad_dl.optable.refs import sdpa_ref

from .edge_table import INF, NAN, rows

_NOTE = "compared with torch given the same _random_samples (NumPy has none)"


# ---- attention ----------------------------------------------------------------------------
_Q, _K, _VV = (np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]),
               np.array([[1.0, 0.5], [-0.5, 1.5], [0.25, -1.0], [2.0, 0.0]]),
               np.array([[0.3, -0.2, 1.0], [1.1, 0.4, -0.6], [-0.9, 0.8, 0.5], [0.2, 0.7, -1.3]]))
_MASK = np.array([[True, False, True, True], [False, False, False, False],
                  [True, True, False, True]])  # row 1: every key masked
rows("scaled_dot_product_attention", F.scaled_dot_product_attention, {
    "finite!": (_Q, _K, _VV), "one query, one key!": (_Q[:1, :1], _K[:1, :1], _VV[:1, :1]),
    "no queries": (np.zeros((0, 2)), _K, _VV), "no keys": (_Q, np.zeros((0, 2)), np.zeros((0, 3))),
    "inf in the query": (np.where(_Q > 1.4, INF, _Q), _K, _VV),
    "nan in the value": (_Q, _K, np.where(_VV > 1.0, NAN, _VV)),
    "batched!": (np.stack([_Q, -_Q]), np.stack([_K, _K[::-1]]), np.stack([_VV, 2 * _VV]))},
    numpy=sdpa_ref, numpy_warns=False,
    torch=lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v))
rows("scaled_dot_product_attention",
     lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), {
         "bool mask, a row with every key masked!": (_Q, _K, _VV, _MASK),
         "float mask, -inf for every key of a row!": (
             _Q, _K, _VV, np.where(_MASK, 0.5, -INF)),
         "float mask, large values": (_Q, _K, _VV, np.where(_MASK, 700.0, -700.0)),
         "float32 mask on float64 inputs, -inf for every key of a row!": (
             _Q, _K, _VV, np.where(_MASK, 0.5, -INF).astype(np.float32))},
     numpy=sdpa_ref, numpy_warns=False,
     torch=lambda T, q, k, v, m: T.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                               attn_mask=m),
     note="a row with every key masked gives zeros and no gradient, torch 2.13's value")
rows("scaled_dot_product_attention",
     lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), {
         "causal, more keys than queries!": (_Q, _K, _VV),
         "causal, more queries than keys!": (_K, _Q, _VV[:3])},
     numpy=lambda q, k, v: sdpa_ref(q, k, v, is_causal=True),
     numpy_warns=False,
     torch=lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                               is_causal=True))
rows("scaled_dot_product_attention", F.scaled_dot_product_attention, {
    "key and query widths differ": (_Q, np.ones((4, 3)), _VV),
    "key and value lengths differ": (_Q, _K, _VV[:3]),
    "a vector query": (_Q[0], _K, _VV),
    "integer inputs": (_Q.astype(np.int8), _K.astype(np.int8), _VV.astype(np.int8))},
    raises="scaled_dot_product_attention: ")
rows("scaled_dot_product_attention",
     lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), {
         "mask of the wrong shape": (_Q, _K, _VV, _MASK.T),
         "integer mask": (_Q, _K, _VV, _MASK.astype(np.int64))},
     raises="scaled_dot_product_attention: attn_mask")
rows("scaled_dot_product_attention",
     lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=True),
     {"attn_mask with is_causal": (_Q, _K, _VV, _MASK)},
     raises="scaled_dot_product_attention: pass attn_mask or is_causal=True, not both")


# ---- F.multi_head_attention_forward ----------------------------------------------------------
_g = np.random.default_rng(8)
_Q, _K = _g.standard_normal((3, 2, 4)), _g.standard_normal((5, 2, 4))
_V = _g.standard_normal((5, 2, 4))
_W, _B = _g.standard_normal((12, 4)) / 2, _g.standard_normal(12) / 4
_OW, _OB = _g.standard_normal((4, 4)) / 2, _g.standard_normal(4) / 4
_BK, _BV = _g.standard_normal((1, 1, 4)), _g.standard_normal((1, 1, 4))
_SK, _SV = _g.standard_normal((4, 6, 2)), _g.standard_normal((4, 6, 2))
_KPM = np.array([[False, False, True, False, True], [False, True, False, False, False]])
_AM = np.triu(np.ones((3, 5), dtype=bool), 2)
_AMF = _g.standard_normal((4, 3, 5))
_ALL = np.zeros((2, 5), dtype=bool)
_ALL[1] = True
_MHA = {"need_weights": True, "average_attn_weights": True}
for _label, _kw in (
        ("plain!", {}), ("need_weights False", {"need_weights": False}),
        ("heads' weights", {"average_attn_weights": False}),
        ("key_padding_mask", {"key_padding_mask": _KPM}),
        ("bool attn_mask and key_padding_mask", {"attn_mask": _AM, "key_padding_mask": _KPM}),
        ("float (N * H, L, S) attn_mask", {"attn_mask": _AMF}),
        ("bias_k, bias_v, add_zero_attn", {"bias": True, "add_zero_attn": True,
                                           "key_padding_mask": _KPM}),
        ("static_k and static_v", {"static_k": _SK, "static_v": _SV, "need_weights": False}),
        ("a sample whose keys are all masked", {"key_padding_mask": _ALL}),
        ("all masked, need_weights False", {"key_padding_mask": _ALL, "need_weights": False}),
        ("is_causal with its mask", {"attn_mask": np.triu(np.ones((3, 5), dtype=bool), 1),
                                     "is_causal": True, "need_weights": False})):
    def _ours(q, k, v, w, b, ow, ob, kw=_kw):
        o = {**_MHA, **kw}
        bias = o.pop("bias", False)
        zero = o.pop("add_zero_attn", False)
        r = F.multi_head_attention_forward(q, k, v, 4, 2, w, b, _BK if bias else None,
                                           _BV if bias else None, zero, 0.0, ow, ob, **o)
        return r[0] if r[1] is None else r[0].sum() + (r[1] * 0.5).nan_to_num().sum() + (
            r[1].isnan().sum() * 0.25)

    def _theirs(T, q, k, v, w, b, ow, ob, kw=_kw):
        o = {key: (T.tensor(val) if isinstance(val, np.ndarray) else val)
             for key, val in {**_MHA, **kw}.items()}
        bias = o.pop("bias", False)
        zero = o.pop("add_zero_attn", False)
        r = T.nn.functional.multi_head_attention_forward(
            q, k, v, 4, 2, w, b, T.tensor(_BK) if bias else None,
            T.tensor(_BV) if bias else None, zero, 0.0, ow, ob, **o)
        return r[0] if r[1] is None else r[0].sum() + (r[1] * 0.5).nan_to_num().sum() + (
            r[1].isnan().sum() * 0.25)

    rows("multi_head_attention_forward", _ours, {_label: (_Q, _K, _V, _W, _B, _OW, _OB)},
         torch=_theirs, note=_NOTE.replace(" given the same _random_samples", ""))
rows("multi_head_attention_forward", lambda q, k, v, w, b, ow, ob: F.multi_head_attention_forward(
    q, k, v, 4, 2, w, b, None, None, False, 0.0, ow, ob)[0], {
    "unbatched": (_Q[:, 0], _K[:, 0], _V[:, 0], _W, _B, _OW, _OB)},
     torch=lambda T, q, k, v, w, b, ow, ob: T.nn.functional.multi_head_attention_forward(
         q, k, v, 4, 2, w, b, None, None, False, 0.0, ow, ob)[0], note="compared with torch")
rows("multi_head_attention_forward", lambda q, k, v, w, b, ow, ob: F.multi_head_attention_forward(
    q, k, v, 6, 2, w, b, None, None, False, 0.0, ow, ob), {
    "embed_dim_to_check wrong": (_Q, _K, _V, _W, _B, _OW, _OB)},
     raises="multi_head_attention_forward: was expecting embedding dimension")
rows("multi_head_attention_forward", lambda q, k, v, w, b, ow, ob: F.multi_head_attention_forward(
    q, k, v, 4, 2, w, b, None, None, False, 0.0, ow, ob, is_causal=True), {
    "is_causal without attn_mask": (_Q, _K, _V, _W, _B, _OW, _OB)},
     raises="Need attn_mask")
