"""Attention and the transformers at their edges against torch 2.13 (CPU): seeded random draws
of F.scaled_dot_product_attention (bool / float masks broadcast over batch and heads, float32
masks on float64 queries, is_causal with L != S, scale=, enable_gqa, fully masked rows, 1e4
logits, 0-length sequences), nn.MultiheadAttention (key_padding_mask and attn_mask 2-D / 3-D,
bool / float, both together, need_weights with average_attn_weights, batch_first, unbatched,
kdim / vdim, add_bias_kv, add_zero_attn, bias=False, dropout in eval, self-attention on one
tensor, float masks with a gradient) and the encoder / decoder layers and stacks (norm_first,
relu / gelu / a callable, layer_norm_eps, key padding and memory masks, the causal flags,
enable_nested_tensor / mask_check), in float64 (values and every input's, float mask's and
parameter's gradient to 1e-10) and float32 (to 1e-4).

The reference is the path torch trains with: SDPA's math backend, the modules with inputs that
require grad (so never torch's inference fast path). Known differences of torch's own paths are
pinned here too: its CPU flash kernel's NaN for is_causal with a negative scale and large
logits, its fast path's NaN for fully masked queries. torch crashes on some 0-length inputs
(MultiheadAttention with S=0 and a mask: "cannot reshape tensor of 0 elements"; SDPA with
enable_gqa and an empty query or batch skips its heads check): ours computes the first and
refuses the second (docs/pytorch.md)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import mismatch, one_line

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl import nn

torch = pytest.importorskip("torch")
_attention = pytest.importorskip("torch.nn.attention")
SDPBackend, sdpa_kernel = _attention.SDPBackend, _attention.sdpa_kernel

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]


def _grads_match(pairs, rtol):
    """[(name, ours, torch's)] leaves after backward: the gradients to rtol of the largest one
    (a gradient that is exactly 0, as q's with one key, is round-off in torch)."""
    scale = max([1.0] + [float(t.grad.abs().max()) for _, _, t in pairs
                         if t.grad is not None and t.grad.numel()])
    for name, o, t in pairs:
        tgrad = t.grad.numpy() if t.grad is not None else np.zeros(t.shape)
        ograd = o.grad.data if o.grad is not None else np.zeros(o.shape)
        assert (e := mismatch(ograd / scale, tgrad / scale, rtol)) is None, (name, e)


# ---- F.scaled_dot_product_attention ------------------------------------------------------------
def _sdpa_case(seed):
    r = np.random.default_rng(seed)
    dt = np.float64 if seed % 5 else np.float32
    B = tuple(int(x) for x in r.integers(1, 3, int(r.integers(0, 2))))
    H = int(r.integers(1, 4))
    Hk = int(r.choice([d for d in range(1, H + 1) if H % d == 0])) if seed % 4 == 0 else H
    L, S = int(r.integers(0 if seed % 11 == 0 else 1, 5)), int(r.integers(1, 5))
    E, Ev = int(r.integers(1, 4)), int(r.integers(1, 4))
    q = r.standard_normal(B + (H, L, E)) * (1e4 if seed % 7 == 0 else 1.0)
    k, v = r.standard_normal(B + (Hk, S, E)), r.standard_normal(B + (Hk, S, Ev))
    kw, u = {}, r.random()
    full = B + (H, L, S)
    mshape = tuple(1 if r.random() < .3 else x for x in full)[int(r.integers(0, len(full) - 1)):]
    if u < .3:
        kw["attn_mask"] = r.random(mshape) < .5
    elif u < .6:
        m = r.standard_normal(mshape)
        m[r.random(mshape) < .3] = -np.inf
        if r.random() < .3:
            m[..., :] = -np.inf  # (every key masked)
        kw["attn_mask"] = m.astype(np.float32 if r.random() < .3 else dt)
    elif u < .75:
        kw["is_causal"] = True
    if r.random() < .3:
        kw["scale"] = float(r.choice([0.0, 0.5, -1.0, 1e3]))
    if Hk != H or seed % 4 == 0:
        kw["enable_gqa"] = True
    return dt, [a.astype(dt) for a in (q, k, v)], kw


@pytest.mark.parametrize("seeds", [range(i, 300, 6) for i in range(6)])
def test_sdpa_random_edges_match_torchs_math_path(seeds):
    for seed in seeds:
        dt, (q, k, v), kw = _sdpa_case(seed)
        mgrad = "attn_mask" in kw and kw["attn_mask"].dtype != bool
        tin = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
        oin = [tg.Tensor(a.copy(), requires_grad=True) for a in (q, k, v)]
        tkw, okw = dict(kw), dict(kw)
        if "attn_mask" in kw:
            tkw["attn_mask"] = torch.tensor(kw["attn_mask"], requires_grad=mgrad)
            okw["attn_mask"] = tg.Tensor(kw["attn_mask"].copy(), requires_grad=mgrad)
        with sdpa_kernel(SDPBackend.MATH):
            t = F_t(*tin, **tkw)
        o = F.scaled_dot_product_attention(*oin, **okw)
        rtol = 1e-10 if dt == np.float64 else 1e-4
        assert o.dtype == t.detach().numpy().dtype, seed
        assert (e := mismatch(o.data, t.detach().numpy(), rtol)) is None, (seed, kw.keys(), e)
        if not t.numel() or dt != np.float64:
            continue
        w = np.random.default_rng(seed).standard_normal(t.shape)
        (t * torch.tensor(w)).sum().backward()
        (o * tg.Tensor(w)).sum().backward()
        pairs = [(n, a, b) for n, a, b in zip("qkv", oin, tin)]
        if mgrad:
            pairs.append(("attn_mask", okw["attn_mask"], tkw["attn_mask"]))
        _grads_match(pairs, 1e-10)


def F_t(*args, **kw):
    return torch.nn.functional.scaled_dot_product_attention(*args, **kw)


def test_sdpa_float32_mask_on_float64_query_is_torchs():
    # (was: "clamp: min -1.79e308 does not fit the tensor's dtype float32")
    r = np.random.default_rng(0)
    q, k, v = (r.standard_normal(s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 2)))
    m = r.standard_normal((3, 5)).astype(np.float32)
    m[1] = -np.inf
    m[0, 2] = -np.inf
    t = F_t(*(torch.tensor(a) for a in (q, k, v)), attn_mask=torch.tensor(m))
    o = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    assert o.dtype == np.float64
    assert mismatch(o.data, t.numpy()) is None
    assert (o.data[:, 1] == 0).all()  # (the fully masked query: torch's zeros)


def test_mha_float32_masks_on_a_float64_module_without_weights_are_torchs():
    # need_weights=False is the SDPA path: a float32 key_padding_mask / attn_mask raised there
    r = np.random.default_rng(1)
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(4, 2, dtype=torch.float64)
    om = nn.MultiheadAttention(4, 2)
    om.load_state_dict({k: v.numpy().copy() for k, v in tm.state_dict().items()})
    x = r.standard_normal((3, 2, 4))
    am = r.standard_normal((3, 3)).astype(np.float32)
    kpm = np.where(r.random((2, 3)) < .3, -np.inf, 0.0).astype(np.float32)
    for kw in ({"attn_mask": am}, {"key_padding_mask": kpm},
               {"attn_mask": am, "key_padding_mask": kpm}):
        t = tm(*(torch.tensor(x, requires_grad=True),) * 3, need_weights=False,
               **{a: torch.tensor(b) for a, b in kw.items()})[0]
        o = om(x, x, x, need_weights=False, **kw)[0]
        assert o.dtype == np.float64
        assert mismatch(o.data, t.detach().numpy()) is None, kw.keys()


@pytest.mark.parametrize("fill", ["bool", "float"])
def test_sdpa_fully_masked_query_gives_zeros_on_every_torch_path(fill):
    """torch 2.13 CPU gives 0 for a query whose keys are all masked, on its math path, its
    default (flash) path and in float32, and no gradient to it: ours too."""
    r = np.random.default_rng(2)
    q, k, v = r.standard_normal((1, 2, 3, 4)), r.standard_normal((1, 2, 5, 4)), r.standard_normal(
        (1, 2, 5, 3))
    m = np.ones((3, 5), bool)
    m[1] = False
    if fill == "float":
        m = np.where(m, 0.0, -np.inf)
    tq = torch.tensor(q, requires_grad=True)
    with sdpa_kernel(SDPBackend.MATH):
        tmath = F_t(tq, torch.tensor(k), torch.tensor(v), attn_mask=torch.tensor(m))
    with torch.no_grad():
        tflash = F_t(*(torch.tensor(a).float() for a in (q, k, v)),
                     attn_mask=torch.tensor(m if fill == "bool" else m.astype(np.float32)))
    oq = tg.Tensor(q.copy(), requires_grad=True)
    o = F.scaled_dot_product_attention(oq, k, v, attn_mask=m)
    assert (tmath.detach().numpy()[..., 1, :] == 0).all() and (tflash.numpy()[..., 1, :] == 0).all()
    assert (o.data[..., 1, :] == 0).all() and mismatch(o.data, tmath.detach().numpy()) is None
    tmath.sum().backward()
    o.sum().backward()
    assert (oq.grad.data[..., 1, :] == 0).all() and (tq.grad.numpy()[..., 1, :] == 0).all()
    assert mismatch(oq.grad.data, tq.grad.numpy()) is None


def test_sdpa_is_causal_negative_scale_large_logits_is_torchs_math_path_not_its_flash_nan():
    r = np.random.default_rng(1)
    q = r.standard_normal((1, 1, 4, 1)) * 1e4
    k, v = r.standard_normal((1, 1, 4, 1)), r.standard_normal((1, 1, 4, 1))
    T = [torch.tensor(a) for a in (q, k, v)]
    with sdpa_kernel(SDPBackend.MATH):
        tmath = F_t(*T, is_causal=True, scale=-1.0).numpy()
    o = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=-1.0).data
    assert np.isfinite(o).all() and mismatch(o, tmath) is None
    s = -(q @ k.swapaxes(-1, -2)) + np.where(np.tril(np.ones((4, 4))), 0, -np.inf)
    w = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(o, (w / w.sum(-1, keepdims=True)) @ v, rtol=1e-12)


def test_sdpa_dropout_is_softmax_then_dropout_with_the_same_generator():
    """dropout_p > 0 draws its mask as F.dropout does from the generator given, so an eager
    replay of the equations with a generator in the same state gives the same numbers and
    gradients (a bool mask, a float one, is_causal)."""
    r = np.random.default_rng(3)
    q, k, v = (r.standard_normal(s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    tri = np.where(np.tril(np.ones((3, 5), bool)), 0.0, -np.inf)
    for kw, bias in (({"attn_mask": r.random((3, 5)) < .7}, None),
                     ({"is_causal": True}, tri), ({"attn_mask": r.standard_normal((3, 5))}, None)):
        m = kw.get("attn_mask")
        if bias is None:
            bias = np.where(m, 0.0, -np.inf) if m.dtype == bool else m
        qa, qb = tg.Tensor(q.copy(), requires_grad=True), tg.Tensor(q.copy(), requires_grad=True)
        a = F.scaled_dot_product_attention(qa, k, v, dropout_p=0.4, rng=np.random.default_rng(5),
                                           **kw)
        w = ((qb @ tg.Tensor(k).swapaxes(-2, -1)) / 2.0 + bias).softmax(-1)
        b = F.dropout(w, 0.4, training=True, rng=np.random.default_rng(5)) @ v
        a.sum().backward()
        b.sum().backward()
        np.testing.assert_allclose(a.data, b.data, rtol=1e-13)
        np.testing.assert_allclose(qa.grad.data, qb.grad.data, rtol=1e-12, atol=1e-15)
        assert (a.data != F.scaled_dot_product_attention(q, k, v, **kw).data).any()


def test_sdpa_enable_gqa_heads_not_dividing_is_refused_even_when_empty():
    # torch skips its heads check when the query or the batch is empty; one line here always
    for qs, ks in (((2, 3, 2, 4), (2, 4, 2, 4)), ((2, 3, 0, 4), (2, 2, 2, 4)),
                   ((0, 3, 2, 4), (0, 2, 2, 4))):
        with pytest.raises(ValueError) as e:
            F.scaled_dot_product_attention(np.ones(qs), np.ones(ks), np.ones(ks), enable_gqa=True)
        one_line(e, "enable_gqa", "divisor")
    with pytest.raises(RuntimeError, match="must divide"):
        F_t(torch.ones(2, 3, 2, 4), torch.ones(2, 4, 2, 4), torch.ones(2, 4, 2, 4),
            enable_gqa=True)


# ---- nn.MultiheadAttention ---------------------------------------------------------------------
def _mha_case(seed):
    r = np.random.default_rng(seed)
    H = int(r.integers(1, 4))
    E = H * int(r.integers(1, 3))
    kd = int(r.integers(1, 5)) if r.random() < .25 else None
    vd = int(r.integers(1, 5)) if r.random() < .25 else None
    ck = {"bias": bool(r.random() < .8), "add_bias_kv": bool(r.random() < .3),
          "add_zero_attn": bool(r.random() < .3), "kdim": kd, "vdim": vd,
          "batch_first": bool(r.random() < .5), "dropout": float(r.choice([0.0, 0.5]))}
    train = ck["dropout"] == 0.0 and r.random() < .5
    batched = r.random() < .8
    N, L, S = int(r.integers(1, 4)), int(r.integers(1, 5)), int(r.integers(1, 5))
    same = kd is None and vd is None and r.random() < .4
    S = L if same else S

    def shape(n, e):
        return ((N, n, e) if ck["batch_first"] else (n, N, e)) if batched else (n, e)

    q = r.standard_normal(shape(L, E)) * (1e3 if r.random() < .1 else 1.0)
    k = q if same else r.standard_normal(shape(S, kd or E))
    v = q if same else r.standard_normal(shape(S, vd or E))
    fw = {"need_weights": bool(r.random() < .6), "average_attn_weights": bool(r.random() < .5)}
    if r.random() < .5:
        ms = (L, S) if r.random() < .6 else ((N if batched else 1) * H, L, S)
        m = r.standard_normal(ms)
        m[r.random(ms) < .3] = -np.inf
        fw["attn_mask"] = r.random(ms) < .3 if r.random() < .5 else m
    if r.random() < .4:
        ks = (N, S) if batched else (S,)
        fw["key_padding_mask"] = r.random(ks) < .3 if r.random() < .5 else np.where(
            r.random(ks) < .3, -np.inf, r.standard_normal(ks))
    grads = {a for a, b in fw.items() if isinstance(b, np.ndarray) and b.dtype.kind == "f"
             and r.random() < .5}
    return E, H, ck, train, same, (q, k, v), fw, grads


def _load(om, tm):
    om.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})


def _key(k):
    head, _, leaf = k.rpartition(".")
    leaf = {"W": "weight", "b": "bias"}.get(leaf, leaf)
    return f"{head}.{leaf}" if head else leaf


@pytest.mark.parametrize("seeds", [range(i, 240, 4) for i in range(4)])
def test_mha_random_edges_match_torchs_slow_path(seeds):
    for seed in seeds:
        E, H, ck, train, same, (q, k, v), fw, grads = _mha_case(seed)
        torch.manual_seed(seed)
        tm = torch.nn.MultiheadAttention(E, H, **ck, dtype=torch.float64)
        om = nn.MultiheadAttention(E, H, **ck)
        _load(om, tm)
        tm.train(train)
        om.train(train)
        tq = torch.tensor(q, requires_grad=True)  # (a leaf needing grad: torch's slow path)
        oq = tg.Tensor(q.copy(), requires_grad=True)
        tk, tv = (tq, tq) if same else (torch.tensor(a, requires_grad=True) for a in (k, v))
        ok, ov = (oq, oq) if same else (tg.Tensor(a.copy(), requires_grad=True) for a in (k, v))
        tfw = {a: torch.tensor(b, requires_grad=a in grads) if isinstance(b, np.ndarray) else b
               for a, b in fw.items()}
        ofw = {a: tg.Tensor(b.copy(), requires_grad=a in grads) if isinstance(b, np.ndarray)
               else b for a, b in fw.items()}
        to, tw = tm(tq, tk, tv, **tfw)
        oo, ow = om(oq, ok, ov, **ofw)
        assert (e := mismatch(oo.data, to.detach().numpy())) is None, (seed, e)
        assert (tw is None) == (ow is None), seed
        if tw is not None:
            assert (e := mismatch(ow.data, tw.detach().numpy())) is None, (seed, "weights", e)
        w = np.random.default_rng(seed).standard_normal(to.shape)
        (to * torch.tensor(w)).sum().backward()
        (oo * tg.Tensor(w)).sum().backward()
        ours = {_key(a): b for a, b in om.named_parameters()}
        pairs = [("query", oq, tq)] + ([] if same else [("key", ok, tk), ("value", ov, tv)])
        pairs += [(a, ours[a], b) for a, b in tm.named_parameters()]
        pairs += [(a, ofw[a], tfw[a]) for a in grads]
        _grads_match(pairs, 1e-10)


def test_mha_zero_keys_with_a_mask_computes_where_torch_crashes():
    """S = 0 with a mask: torch's reshape of the empty mask raises ("cannot reshape tensor of
    0 elements"); the attention over no keys is zeros, so the output is out_proj's bias, as
    torch gives for S = 0 without a mask."""
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(4, 2, dtype=torch.float64)
    with torch.no_grad():
        tm.out_proj.bias.normal_()
    om = nn.MultiheadAttention(4, 2)
    _load(om, tm)
    q, kv = np.ones((3, 2, 4)), np.ones((0, 2, 4))
    with pytest.raises(RuntimeError, match="cannot reshape tensor of 0 elements"):
        tm(torch.tensor(q), torch.tensor(kv), torch.tensor(kv), need_weights=False,
           key_padding_mask=torch.zeros(2, 0, dtype=torch.bool))
    plain = tm(torch.tensor(q), torch.tensor(kv), torch.tensor(kv), need_weights=False)[0]
    o = om(q, kv, kv, need_weights=False, key_padding_mask=np.zeros((2, 0), bool))[0]
    assert mismatch(o.data, plain.detach().numpy()) is None
    assert mismatch(o.data, np.broadcast_to(tm.out_proj.bias.detach().numpy(), (3, 2, 4))) is None


# ---- the transformer layers --------------------------------------------------------------------
def _layer_case(seed):
    r = np.random.default_rng(seed)
    H = int(r.integers(1, 3))
    E = H * int(r.integers(1, 3))
    act = ["relu", "gelu", "callable"][seed % 3]
    ck = {"dim_feedforward": int(r.integers(1, 6)), "dropout": float(r.choice([0.0, 0.3])),
          "layer_norm_eps": float(r.choice([1e-5, 1e-1, 1.0])),
          "batch_first": bool(r.random() < .5), "norm_first": bool(r.random() < .5),
          "bias": bool(r.random() < .8)}
    train = ck["dropout"] == 0.0 and r.random() < .5
    N, L, S = int(r.integers(1, 4)), int(r.integers(1, 5)), int(r.integers(1, 5))
    batched = r.random() < .8

    def shape(n):
        return ((N, n, E) if ck["batch_first"] else (n, N, E)) if batched else (n, E)

    def mask(l, s, causal_ok=True):
        u = r.random()
        if u < .3:
            return None, False
        if u < .5 and causal_ok and l == s:
            m = np.triu(np.full((l, s), -np.inf), 1) if r.random() < .5 else np.triu(
                np.ones((l, s), bool), 1)
            return m, bool(r.random() < .7)
        if u < .75:
            return r.random((l, s)) < .3, False
        m = r.standard_normal((l, s))
        m[r.random((l, s)) < .3] = -np.inf
        return m, False

    def kpm(s):
        ks = (N, s) if batched else (s,)
        u = r.random()
        return None if u < .5 else np.ones(ks, bool) if u < .6 else r.random(ks) < .3
    acts = {"relu": ("relu", "relu"), "gelu": ("gelu", "gelu"),
            "callable": (torch.tanh, tg.Tensor.tanh)}[act]
    x, mem = r.standard_normal(shape(L)), r.standard_normal(shape(S))
    if seed % 2:
        m, c = mask(L, L)
        fw = {"src_mask": m, "src_key_padding_mask": kpm(L), "is_causal": c}
        build = (lambda: torch.nn.TransformerEncoderLayer(E, H, activation=acts[0], **ck,
                                                          dtype=torch.float64),
                 lambda: nn.TransformerEncoderLayer(E, H, activation=acts[1], **ck))
        if seed % 4 == 1:  # a stack, its flags and a final norm
            layers = build
            flags = {"enable_nested_tensor": bool(r.random() < .5),
                     "mask_check": bool(r.random() < .5)}
            build = (lambda: torch.nn.TransformerEncoder(layers[0](), 2, torch.nn.LayerNorm(
                         E, dtype=torch.float64), **flags),
                     lambda: nn.TransformerEncoder(layers[1](), 2, nn.LayerNorm(E), **flags))
            fw = {"mask": m, "src_key_padding_mask": fw["src_key_padding_mask"],
                  "is_causal": c if r.random() < .5 else None}
        return build, train, [x], fw
    m, c = mask(L, L)
    mm, _ = mask(L, S, False)
    fw = {"tgt_mask": m, "memory_mask": mm, "tgt_key_padding_mask": kpm(L),
          "memory_key_padding_mask": kpm(S), "tgt_is_causal": c}
    build = (lambda: torch.nn.TransformerDecoderLayer(E, H, activation=acts[0], **ck,
                                                      dtype=torch.float64),
             lambda: nn.TransformerDecoderLayer(E, H, activation=acts[1], **ck))
    return build, train, [x, mem], fw


@pytest.mark.parametrize("seeds", [range(i, 60, 3) for i in range(3)])
def test_transformer_layers_random_edges_match_torchs_slow_path(seeds):
    for seed in seeds:
        build, train, args, fw = _layer_case(seed)
        torch.manual_seed(seed)
        tm = build[0]()
        om = build[1]()
        _load(om, tm)
        tm.train(train)
        om.train(train)
        tin = [torch.tensor(a, requires_grad=True) for a in args]
        oin = [tg.Tensor(a.copy(), requires_grad=True) for a in args]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            to = tm(*tin, **{a: torch.tensor(b) if isinstance(b, np.ndarray) else b
                             for a, b in fw.items()})
        oo = om(*oin, **fw)
        assert (e := mismatch(oo.data, to.detach().numpy())) is None, (seed, e)
        w = np.random.default_rng(seed).standard_normal(to.shape)
        (to * torch.tensor(w)).sum().backward()
        (oo * tg.Tensor(w)).sum().backward()
        ours = {_key(a): b for a, b in om.named_parameters()}
        pairs = [(f"input {i}", o, t) for i, (o, t) in enumerate(zip(oin, tin))]
        pairs += [(a, ours[a], b) for a, b in tm.named_parameters()]
        _grads_match(pairs, 1e-10)


def test_generate_square_subsequent_mask_bool_dtype_is_torchs():
    # (was refused: "dtype must be a floating dtype"); torch's -inf cast to bool: True above
    # the diagonal, MultiheadAttention's "may not attend"
    for sz in (0, 1, 4):
        t = torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=torch.bool).numpy()
        o = nn.Transformer.generate_square_subsequent_mask(sz, dtype=np.bool_)
        assert o.dtype == np.bool_ and np.array_equal(o.data, t)
    torch.manual_seed(0)
    tm = torch.nn.TransformerDecoderLayer(4, 2, 8, 0.0, dtype=torch.float64)
    om = nn.TransformerDecoderLayer(4, 2, 8, 0.0)
    _load(om, tm)
    x, mem = np.random.default_rng(0).standard_normal((2, 3, 2, 4))
    t = tm(torch.tensor(x, requires_grad=True), torch.tensor(mem), tgt_is_causal=True,
           tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.bool))
    o = om(x, mem, tgt_is_causal=True,
           tgt_mask=nn.Transformer.generate_square_subsequent_mask(3, dtype="bool"))
    assert mismatch(o.data, t.detach().numpy()) is None
    with pytest.raises(TypeError) as e:
        nn.Transformer.generate_square_subsequent_mask(3, dtype=np.int64)
    one_line(e, "generate_square_subsequent_mask", "int64")


@pytest.mark.parametrize("layer", ["TransformerEncoderLayer", "TransformerDecoderLayer",
                                   "Transformer"])
def test_a_layers_bad_dropout_is_named_by_the_layer(layer):
    # (was "MultiheadAttention: dropout must be ...", the attention built inside it)
    build = {"TransformerEncoderLayer": lambda p: nn.TransformerEncoderLayer(4, 2, 8, p),
             "TransformerDecoderLayer": lambda p: nn.TransformerDecoderLayer(4, 2, 8, p),
             "Transformer": lambda p: nn.Transformer(4, 2, 1, 1, 8, p)}[layer]
    for p in (1.0, -0.1, "0.1", True):
        with pytest.raises(ValueError) as e:
            build(p)
        one_line(e, f"{layer}: dropout must be a number in [0, 1)")
