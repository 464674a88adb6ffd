"""Edge rows of the torch.nn leftovers' functions (functional/fractional_pool.py;
tests/test_nn_leftovers.py): values and gradients compared with torch's given the same
_random_samples (`T` in a `torch=` lambda is the torch module), on ties, inf and NaN, unbatched
inputs, empty batches and outputs, output_ratio, and the refusals."""

from __future__ import annotations

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows

_NOTE = "compared with torch given the same _random_samples (NumPy has none)"
_X2 = np.arange(2 * 3 * 7 * 6.0).reshape(2, 3, 7, 6) % 5 / 2 - 0.9  # ties
_R2 = np.random.default_rng(4).permutation(_X2.size).reshape(_X2.shape) / _X2.size - 0.5
_ODD2 = np.where(_X2 > 0.9, INF, np.where(_X2 < -0.8, NAN, _X2))
_X3 = np.arange(2 * 2 * 5 * 6 * 5.0).reshape(2, 2, 5, 6, 5) % 7 / 3 - 0.9
_R3 = np.random.default_rng(5).permutation(_X3.size).reshape(_X3.shape) / _X3.size - 0.5
_ODD3 = np.where(_X3 > 0.9, INF, np.where(_X3 < -0.8, NAN, _X3))
_S2 = np.random.default_rng(6).random((2, 3, 2))
_S3 = np.random.default_rng(7).random((2, 2, 3))


def _s(x: np.ndarray, s: np.ndarray, dims: int) -> np.ndarray:
    return s if x.ndim == dims + 2 else s[:1]


for _name, _dims, _x, _r, _odd, _smp in (
        ("fractional_max_pool2d", 2, _X2, _R2, _ODD2, _S2),
        ("fractional_max_pool3d", 3, _X3, _R3, _ODD3, _S3)):
    for _fname in (_name, _name + "_with_indices"):
        _fn = getattr(F, _fname)
        for _j in (0, 1):
            for _opts in ({"output_size": 3}, {"output_ratio": 0.5}):
                rows(_fname, lambda x, f=_fn, j=_j, o=_opts, d=_dims, s=_smp: f(
                    x, 2, return_indices=True, _random_samples=_s(x, s, d), **o)[j], {
                    f"{_opts}" + ("!" if _j == 0 else ""): (_r,), f"{_opts}, ties": (_x,),
                    f"{_opts}, unbatched": (_x[0],), f"{_opts}, inf and nan": (_odd,),
                    f"{_opts}, empty batch": (_x[:0],)},
                     torch=lambda T, x, n=_name, j=_j, o=_opts, d=_dims, s=_smp: getattr(
                         T.nn.functional, n)(x, 2, return_indices=True, _random_samples=T.tensor(
                             _s(x, s, d)[:max(len(x), 1)] if x.ndim == d + 2 else _s(x, s, d)),
                             **({"output_ratio": (0.5,) * d} if "output_ratio" in o else o))[j],
                     note=_NOTE)
        rows(_fname, lambda x, f=_fn, s=_smp: f(x, 2, output_size=0, return_indices=True,
                                                 _random_samples=s)[0], {
            "output size 0": (_x,)},
             torch=lambda T, x, n=_name, s=_smp: getattr(T.nn.functional, n)(
                 x, 2, output_size=0, _random_samples=T.tensor(s)), note=_NOTE)
        rows(_fname, lambda x, f=_fn: f(x, 2, output_size=6), {
            "pool too large for the output": (_x,)}, raises="too large relative to input")
        rows(_fname, lambda x, f=_fn: f(x, 2), {"neither output_size nor output_ratio": (_x,)},
             raises=f"{_name} requires")
        rows(_fname, lambda x, f=_fn, s=_smp: f(x, 2, output_size=2,
                                                 _random_samples=s.astype(np.float32)), {
            "samples of another dtype": (_x,)}, raises=f"{_name}: Expect _random_samples")
        rows(_fname, lambda x, f=_fn, s=_smp: f(x, 2, output_size=2, _random_samples=s[:1]), {
            "too few samples": (_x,)}, raises=f"{_name}: _random_samples must be")
        rows(_fname, lambda x, f=_fn: f(x, 2, output_size=2), {"a 2-d input": (_x[0, 0],)},
             raises=f"{_name}: expected input")
        rows(_fname, lambda x, f=_fn: f(x.astype(np.int64), 2, output_size=2), {
            "an integer input": (_x,)}, raises=f"{_name}: expected a float input")

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
