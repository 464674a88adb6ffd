"""Attention (tinygrad_dl/functional/attention.py, nn/attention.py, nn/transformer.py):
F.scaled_dot_product_attention, nn.MultiheadAttention, nn.TransformerEncoderLayer and
nn.TransformerEncoder, compositions of the graph's ops, checked against torch 2.13 in float64
(values 1e-12, every gradient 1e-10: of the inputs, of a float mask and of every parameter)
over bool and float masks, key_padding_mask, is_causal, batch_first both ways, kdim/vdim,
add_bias_kv, add_zero_attn, need_weights and average_attn_weights, unbatched input, and the
encoder layer pre- and post-norm with both activations; torch's state_dict loads as it is;
fully masked rows give what torch gives (zeros from the function, NaN from the module's
weights path); dropout drops in training only; a jitted step replays as eager bit for bit; bad
shapes and options are refused in one line."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.testing import check_grad

try:
    import torch
except ImportError:  # the comparisons with torch skip; the rest runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

R = np.random.default_rng(21)


def _close(ours, theirs, tol):
    theirs = theirs.detach().numpy() if torch is not None and isinstance(theirs, torch.Tensor) \
        else np.asarray(theirs)
    ours = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


def _pair(a, grad=True):
    """The same array as a tinygrad_dl Tensor and a torch tensor (both requiring grad)."""
    return Tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


# ---- F.scaled_dot_product_attention -------------------------------------------------------
SDPA_CASES = {
    "plain": dict(q=(2, 3, 4, 5), k=(2, 3, 6, 5), v=(2, 3, 6, 7)),
    "bool mask": dict(q=(2, 3, 4, 5), k=(2, 3, 6, 5), v=(2, 3, 6, 7), mask=("bool", (4, 6))),
    "bool mask, a fully masked row": dict(q=(2, 4, 5), k=(2, 6, 5), v=(2, 6, 3),
                                          mask=("bool", (4, 6)), dead_row=1),
    "float mask (with grad)": dict(q=(2, 3, 4, 5), k=(2, 3, 6, 5), v=(2, 3, 6, 7),
                                   mask=("float", (3, 4, 6))),
    "float mask with -inf, a fully masked row": dict(q=(2, 4, 5), k=(2, 6, 5), v=(2, 6, 3),
                                                     mask=("-inf", (2, 4, 6)), dead_row=2),
    "is_causal, L < S": dict(q=(2, 4, 5), k=(2, 6, 5), v=(2, 6, 3), causal=True),
    "is_causal, L > S (rows past S see every key)": dict(q=(5, 5), k=(3, 5), v=(3, 2),
                                                         causal=True),
    "scale given": dict(q=(3, 4, 5), k=(3, 6, 5), v=(3, 6, 2), scale=0.7),
    "batch dims broadcast": dict(q=(4, 5), k=(2, 3, 6, 5), v=(3, 6, 7),
                                mask=("bool", (3, 1, 6))),
    "grouped query heads (enable_gqa)": dict(q=(2, 4, 3, 5), k=(2, 2, 6, 5), v=(2, 2, 6, 3),
                                             gqa=True),
    "one query, one key": dict(q=(1, 1, 2), k=(1, 1, 2), v=(1, 1, 3)),
}


def _sdpa_inputs(case):
    arrays = [R.standard_normal(case[n]) for n in "qkv"]
    mask = None
    if "mask" in case:
        kind, shape = case["mask"]
        if kind == "bool":
            mask = R.random(shape) > 0.3
            mask[..., 0] = True  # no row fully masked unless the case says so
            if "dead_row" in case:
                mask[..., case["dead_row"], :] = False
        else:
            mask = R.standard_normal(shape)
            if kind == "-inf":
                mask[..., 0, 1] = -np.inf
                mask[..., case["dead_row"], :] = -np.inf
    return arrays, mask


def _sdpa_kwargs(case, T):
    return dict(is_causal=case.get("causal", False), scale=case.get("scale"),
                enable_gqa=case.get("gqa", False))


@needs_torch
@pytest.mark.parametrize("name", list(SDPA_CASES))
def test_sdpa_values_and_gradients_equal_torchs(name):
    case = SDPA_CASES[name]
    arrays, mask = _sdpa_inputs(case)
    ours, theirs = zip(*(_pair(a) for a in arrays))
    grad_mask = mask is not None and mask.dtype != bool
    m, tm = (None, None) if mask is None else _pair(mask, grad=grad_mask)
    out = F.scaled_dot_product_attention(*ours, attn_mask=m, **_sdpa_kwargs(case, tg))
    tout = torch.nn.functional.scaled_dot_product_attention(*theirs, attn_mask=tm,
                                                            **_sdpa_kwargs(case, torch))
    _close(out, tout, 1e-12)
    g = R.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    for a, ta in zip(ours, theirs):
        _close(a.grad, ta.grad, 1e-10)
    if grad_mask:
        _close(m.grad, tm.grad, 1e-10)
    if "dead_row" in case:  # torch 2.13's value: zeros, and no gradient through the row
        assert not np.isnan(out.data).any() and (out.data[..., case["dead_row"], :] == 0).all()
        assert not np.isnan(ours[0].grad).any()


def test_sdpa_is_the_equation():
    """softmax(q kᵀ / sqrt(E)) v, written in NumPy, without torch."""
    q, k, v = (R.standard_normal(s) for s in ((3, 4, 5), (3, 6, 5), (3, 6, 2)))
    s = q @ k.swapaxes(-1, -2) / np.sqrt(5)
    w = np.exp(s - s.max(-1, keepdims=True))
    want = (w / w.sum(-1, keepdims=True)) @ v
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v).data, want, rtol=1e-13)


def test_sdpa_gradients_agree_with_finite_differences():
    q, k, v = (R.standard_normal(s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    mask = R.random((3, 5)) > 0.4
    mask[:, 0] = True
    check_grad(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
               q, k, v)


def test_sdpa_dropout_drops_with_its_rng_and_zero_p_is_the_identity():
    q, k, v = (R.standard_normal(s) for s in ((4, 8, 3), (4, 8, 3), (4, 8, 2)))
    plain = F.scaled_dot_product_attention(q, k, v).data
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=np.random.default_rng(1))
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=np.random.default_rng(1))
    assert a.data.tobytes() == b.data.tobytes() and not np.allclose(a.data, plain)
    assert (F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).data == 0).all()


@pytest.mark.parametrize("call, match", [
    (lambda: F.scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 5)), np.ones((4, 2))),
     r"scaled_dot_product_attention: expected query \(\.\.\., L, E\).*query \(2, 3\), key "
     r"\(4, 5\)"),
    (lambda: F.scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((5, 2))),
     r"scaled_dot_product_attention: expected query.*value \(5, 2\)"),
    (lambda: F.scaled_dot_product_attention(np.ones(3), np.ones((4, 3)), np.ones((4, 2))),
     "need at least 2 dimensions"),
    (lambda: F.scaled_dot_product_attention(np.ones((2, 2, 3)), np.ones((3, 4, 3)),
                                            np.ones((3, 4, 2))), "batch dimensions do not"),
    (lambda: F.scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 2)),
                                            attn_mask=np.ones((3, 4), bool)),
     r"attn_mask of shape \(3, 4\) does not broadcast to .* \(2, 4\)"),
    (lambda: F.scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 2)),
                                            attn_mask=np.ones((2, 4), np.int64)),
     "attn_mask must be a bool or float mask, got dtype int64"),
    (lambda: F.scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 2)),
                                            attn_mask=np.ones((2, 4), bool), is_causal=True),
     "pass attn_mask or is_causal=True, not both"),
    (lambda: F.scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 2)),
                                            dropout_p=1.5), "dropout_p must be a number in"),
    (lambda: F.scaled_dot_product_attention(np.ones((3, 2, 3)), np.ones((2, 4, 3)),
                                            np.ones((2, 4, 2)), enable_gqa=True),
     "enable_gqa needs key and value to have the same number of heads, a divisor"),
])
def test_sdpa_bad_calls_raise_one_line(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as e:
        call()
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int64, np.bool_])
def test_sdpa_refuses_integer_inputs_as_torch_does(dtype):
    """is_causal's -inf cast into int8/int16 became 0 or garbage: the causal mask was lost
    without a word (1.5 off the float result); integer scores also wrap around. torch refuses
    integer inputs; so does this, in one line."""
    q, k, v = (R.integers(0, 3, s).astype(dtype) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    with pytest.raises(TypeError, match=r"scaled_dot_product_attention: query, key and value "
                       r"must be floating point.*" + np.dtype(dtype).name) as e:
        F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("scale", [Tensor(0.5, requires_grad=True), Tensor(0.5), "0.5",
                                   np.array([0.5]), True])
def test_sdpa_scale_must_be_a_number(scale):
    """A Tensor scale (a learned temperature) was read as float(scale): the result had no
    gradient to it and said nothing. torch takes only a float; so does this, in one line."""
    q, k, v = (R.standard_normal(s) for s in ((3, 4), (5, 4), (5, 2)))
    with pytest.raises(TypeError, match="scaled_dot_product_attention: scale must be a "
                       "number or None") as e:
        F.scaled_dot_product_attention(q, k, v, scale=scale)
    assert "\n" not in str(e.value)
    out = F.scaled_dot_product_attention(q, k, v, scale=np.float32(0.5))  # NumPy's numbers
    np.testing.assert_allclose(out.data, F.scaled_dot_product_attention(q, k, v, scale=0.5).data,
                               rtol=1e-15)


# ---- nn.MultiheadAttention ----------------------------------------------------------------
def _mha_pair(E, H, **kw):
    """Ours and torch's with the same weights: torch's state_dict loaded into ours as it is."""
    theirs = torch.nn.MultiheadAttention(E, H, dtype=torch.float64, **kw)
    ours = nn.MultiheadAttention(E, H, rng=np.random.default_rng(0), **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())  # torch's names and order
    with torch.no_grad():  # torch zeroes its biases: random ones test them
        for p in theirs.parameters():
            p.copy_(torch.tensor(R.standard_normal(tuple(p.shape)) * 0.5))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


MHA_CASES = {
    "self-attention": dict(),
    "batch_first": dict(init=dict(batch_first=True)),
    "cross-attention, kdim and vdim": dict(init=dict(kdim=3, vdim=5), S=6),
    "kdim, vdim, batch_first": dict(init=dict(kdim=3, vdim=5, batch_first=True), S=6),
    "no bias": dict(init=dict(bias=False)),
    "add_bias_kv, add_zero_attn": dict(init=dict(add_bias_kv=True, add_zero_attn=True),
                                       kpm="bool", mask="bool2"),
    "bool attn_mask (L, S)": dict(mask="bool2"),
    "float attn_mask (N*H, L, S), with grad": dict(mask="float3", S=6),
    "bool key_padding_mask": dict(kpm="bool", S=6),
    "float key_padding_mask and bool attn_mask": dict(kpm="float", mask="bool2"),
    "is_causal with its mask": dict(mask="causal", causal=True),
    "weights per head": dict(average=False, mask="bool3"),
    "need_weights=False": dict(need=False, kpm="bool"),
    "need_weights=False, batch_first": dict(need=False, init=dict(batch_first=True),
                                            mask="bool2"),
    "unbatched": dict(unbatched=True, mask="bool2", kpm="bool"),
    "unbatched, (H, L, S) mask, weights per head": dict(unbatched=True, mask="bool3",
                                                        average=False),
    "unbatched, kdim and vdim, need_weights=False": dict(unbatched=True, need=False,
                                                         init=dict(kdim=3, vdim=5), S=6),
}
E, H, L, N = 8, 2, 4, 3


def _mha_inputs(case):
    init = case.get("init", {})
    S = case.get("S", L)
    if "S" not in case:  # self-attention: one tensor for query, key and value
        S = L
    bf, unb = init.get("batch_first", False), case.get("unbatched", False)
    kdim, vdim = init.get("kdim", E), init.get("vdim", E)

    def shape(n, d):
        return (n, d) if unb else (N, n, d) if bf else (n, N, d)

    q = R.standard_normal(shape(L, E))
    self_attn = "S" not in case
    k = q if self_attn else R.standard_normal(shape(S, kdim))
    v = q if self_attn else R.standard_normal(shape(S, vdim))
    nb = 1 if unb else N
    masks = {}
    kpm = case.get("kpm")
    if kpm == "bool":
        m = R.random((nb, S)) > 0.7
        m[:, 0] = False
        masks["key_padding_mask"] = m[0] if unb else m
    elif kpm == "float":
        masks["key_padding_mask"] = R.standard_normal((nb, S))
    mask = case.get("mask")
    if mask in ("bool2", "bool3"):
        m = R.random((L, S) if mask == "bool2" else (nb * H, L, S)) > 0.7
        m[..., 0] = False  # True means "may not attend" here
        masks["attn_mask"] = m
    elif mask == "float3":
        masks["attn_mask"] = R.standard_normal((nb * H, L, S))
    elif mask == "causal":
        masks["attn_mask"] = np.triu(np.ones((L, S), bool), 1)
    return q, k, v, masks


@needs_torch
@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("name", list(MHA_CASES))
def test_mha_values_and_gradients_equal_torchs(name):
    case = MHA_CASES[name]
    ours, theirs = _mha_pair(E, H, **case.get("init", {}))
    q, k, v, masks = _mha_inputs(case)
    same = k is q
    tq, ttq = _pair(q)
    tk, ttk = (tq, ttq) if same else _pair(k)
    tv, ttv = (tq, ttq) if same else _pair(v)
    kw = dict(need_weights=case.get("need", True), average_attn_weights=case.get("average", True),
              is_causal=case.get("causal", False))
    ms, tms = {}, {}
    for name_, m in masks.items():
        ms[name_], tms[name_] = _pair(m, grad=m.dtype != bool)
    out, w = ours(tq, tk, tv, **ms, **kw)
    tout, tw = theirs(ttq, ttk, ttv, **tms, **kw)
    _close(out, tout, 1e-12)
    assert (w is None) == (tw is None)
    g = R.standard_normal(out.shape)
    loss, tloss = (out * Tensor(g)).sum(), (tout * torch.tensor(g)).sum()
    if w is not None:
        _close(w, tw, 1e-12)
        gw = R.standard_normal(w.shape)
        loss, tloss = loss + (w * Tensor(gw)).sum(), tloss + (tw * torch.tensor(gw)).sum()
    loss.backward()
    tloss.backward()
    for a, ta in [(tq, ttq)] + ([] if same else [(tk, ttk), (tv, ttv)]):
        _close(a.grad, ta.grad, 1e-10)
    for name_, m in ms.items():
        if m.requires_grad:
            _close(m.grad, tms[name_].grad, 1e-10)
    tp = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tp)
    for n, p in ours.named_parameters():
        _close(p.grad, tp[n].grad, 1e-10)


@needs_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_fully_masked_query_gives_what_torch_gives(need_weights):
    """A sample whose keys are all padding: NaN when the weights are returned (torch's
    softmax), zeros before out_proj when not (torch's scaled_dot_product_attention)."""
    ours, theirs = _mha_pair(E, H)
    x = R.standard_normal((L, N, E))
    kpm = np.zeros((N, L), bool)
    kpm[1] = True
    with np.errstate(invalid="ignore"):
        out, w = ours(x, x, x, key_padding_mask=kpm, need_weights=need_weights)
    tout, _ = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x),
                     key_padding_mask=torch.tensor(kpm), need_weights=need_weights)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert np.isnan(out.data[:, 1]).all() == need_weights
    assert not np.isnan(out.data[:, [0, 2]]).any()


def test_mha_init_is_torchs_scheme():
    m = nn.MultiheadAttention(64, 4, add_bias_kv=True, rng=np.random.default_rng(0))
    bound = np.sqrt(6 / (64 + 3 * 64))  # xavier_uniform_ of (3E, E)
    w = m.in_proj_weight.data
    assert w.shape == (192, 64) and np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert (m.in_proj_bias.data == 0).all() and (m.out_proj.bias.data == 0).all()
    assert np.abs(m.out_proj.weight.data).max() <= 1 / 8  # U(±1/sqrt(E))
    assert abs(m.bias_k.data.std() - np.sqrt(1 / 64)) < 0.05  # xavier_normal_ of (1, 1, E)
    sep = nn.MultiheadAttention(6, 2, kdim=3, vdim=5, rng=np.random.default_rng(0))
    assert sep.in_proj_weight is None and sep.k_proj_weight.shape == (6, 3)
    assert np.abs(sep.k_proj_weight.data).max() <= np.sqrt(6 / 9)
    assert m.out_proj.W is m.out_proj.weight and m.out_proj.b is m.out_proj.bias


def test_mha_dropout_drops_in_training_only():
    m = nn.MultiheadAttention(8, 2, dropout=0.5, rng=tg.Generator(seed=3))
    x = R.standard_normal((5, 2, 8))
    _, w = m(x, x, x, average_attn_weights=False)
    assert (w.data == 0).any() and np.allclose(w.data.sum(-1).mean(), 1, atol=0.5)
    assert not np.allclose(w.data.sum(-1), 1)  # the returned weights are the dropped ones
    m.eval()
    out, w = m(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(w.data.sum(-1), 1, rtol=1e-13)
    out2, _ = m(x, x, x)
    assert out.data.tobytes() == out2.data.tobytes()


def _replays_as_eager(m, step, make_args, reseed=None):
    params = m.parameters()
    jitted = jit(step, strict=True)
    for i in range(4):
        args = make_args()
        for p in params:
            p.grad = None
        if reseed:
            reseed(i)
        step(*args)
        want = [p.grad.copy() for p in params]
        for p in params:
            p.grad = None
        if reseed:
            reseed(i)
        jitted(*args)
        for p, wnt in zip(params, want):
            assert p.grad.tobytes() == wnt.tobytes()
    assert jitted.replays == 2


def test_a_jitted_step_with_mha_and_a_fixed_mask_replays_as_eager_bit_for_bit():
    m = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, batch_first=True,
                              rng=np.random.default_rng(3))
    mask = np.triu(np.ones((4, 6), bool), 2)

    def step(q, k, v, y):
        out, w = m(Tensor(q), Tensor(k), Tensor(v), attn_mask=mask)
        (F.mse_loss(out[:, -1], Tensor(y)) + (w * w).sum()).backward()

    _replays_as_eager(m, step, lambda: (
        R.standard_normal((2, 4, 8)), R.standard_normal((2, 6, 3)), R.standard_normal((2, 6, 5)),
        R.standard_normal((2, 8))))


def test_a_jitted_step_with_masks_passed_in_replays_each_calls_masks():
    """The masks are arguments, new every call (a row fully masked in some calls): replay
    reads them as eager does, through the ops that make the bias of them."""
    m = nn.MultiheadAttention(8, 2, rng=np.random.default_rng(3))

    def step(x, mask, kpm):
        out, _ = m(Tensor(x), Tensor(x), Tensor(x), attn_mask=mask, key_padding_mask=kpm,
                   need_weights=False)
        (out * out).sum().backward()

    def args():
        kpm = R.random((3, 5)) > 0.6
        kpm[R.integers(3)] = True  # one sample's keys all padding: its rows give zeros
        return R.standard_normal((5, 3, 8)), R.random((5, 5)) > 0.5, kpm

    _replays_as_eager(m, step, args)


def test_a_jitted_step_with_mha_dropout_draws_the_masks_eager_draws():
    g = tg.Generator(seed=6)
    m = nn.MultiheadAttention(8, 2, dropout=0.3, rng=g)

    def step(x):
        out, w = m(Tensor(x), Tensor(x), Tensor(x))
        ((out * out).sum() + (w * w).sum()).backward()

    _replays_as_eager(m, step, lambda: (R.standard_normal((5, 3, 8)),),
                      reseed=lambda i: g.manual_seed(100 + i))


@pytest.mark.parametrize("call, match", [
    (lambda: nn.MultiheadAttention(10, 3), r"embed_dim \(10\) must be divisible by num_heads "
                                           r"\(3\)"),
    (lambda: nn.MultiheadAttention(0, 1), "embed_dim and num_heads must be greater than 0"),
    (lambda: nn.MultiheadAttention(8, 2, dropout=1.0), "dropout must be a number in"),
    (lambda: nn.MultiheadAttention(8.0, 2), "embed_dim must be an integer"),
    (lambda: nn.MultiheadAttention(8, 2)(np.ones((4, 3, 6)), np.ones((4, 3, 6)),
                                         np.ones((4, 3, 6))),
     r"last dimensions .* embed_dim=8.*query \(4, 3, 6\)"),
    (lambda: nn.MultiheadAttention(8, 2)(np.ones((4, 3, 8)), np.ones((4, 8)), np.ones((4, 8))),
     "must all be batched"),
    (lambda: nn.MultiheadAttention(8, 2)(np.ones((4, 3, 8)), np.ones((5, 3, 8)),
                                         np.ones((6, 3, 8))), "same length and batch size"),
    (lambda: nn.MultiheadAttention(8, 2)(np.ones((4, 3, 8)), np.ones((5, 2, 8)),
                                         np.ones((5, 2, 8))), "same length and batch size"),
    (lambda: nn.MultiheadAttention(8, 2)(*[np.ones((4, 3, 8))] * 3,
                                         attn_mask=np.ones((4, 5), bool)),
     r"attn_mask must have shape \(4, 4\) or \(6, 4, 4\) .*got \(4, 5\)"),
    (lambda: nn.MultiheadAttention(8, 2)(*[np.ones((4, 3, 8))] * 3,
                                         key_padding_mask=np.ones((4, 3), bool)),
     r"key_padding_mask must have shape \(3, 4\) .*got \(4, 3\)"),
    (lambda: nn.MultiheadAttention(8, 2)(*[np.ones((4, 3, 8))] * 3,
                                         attn_mask=np.ones((4, 4), np.int64)),
     "attn_mask must be a bool or float mask"),
    (lambda: nn.MultiheadAttention(8, 2)(*[np.ones((4, 3, 8))] * 3, is_causal=True),
     "Need attn_mask if specifying the is_causal hint"),
    (lambda: nn.MultiheadAttention(8, 2)(*[np.ones((4, 3, 8))] * 3, is_causal=True,
                                         attn_mask=np.zeros((4, 4), bool)),
     "is_causal=True says attn_mask is the causal mask, and it is not"),
])
def test_mha_bad_calls_raise_one_line(call, match):
    with pytest.raises((ValueError, TypeError, RuntimeError), match=match) as e:
        call()
    assert "\n" not in str(e.value)


# ---- nn.TransformerEncoderLayer / nn.TransformerEncoder -------------------------------------
def _encoder_pair(norm_first, activation, batch_first, **kw):
    # activation="gelu" is the exact GELU on both sides (it was the tanh one here once)
    theirs = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=activation,
                                              batch_first=batch_first, norm_first=norm_first,
                                              dtype=torch.float64, **kw)
    ours = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=activation,
                                      batch_first=batch_first, norm_first=norm_first,
                                      rng=np.random.default_rng(0), **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(R.standard_normal(tuple(p.shape)) * 0.4))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _check_module(ours, theirs, x, **masks):
    t, tt = _pair(x)
    tmasks = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
    out, tout = ours(t, **masks), theirs(tt, **tmasks)
    _close(out, tout, 1e-12)
    g = R.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    _close(t.grad, tt.grad, 1e-10)
    tp = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tp)
    for n, p in ours.named_parameters():
        _close(p.grad, tp[n].grad, 1e-10)


@needs_torch
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_equals_torchs(norm_first, activation, batch_first):
    ours, theirs = _encoder_pair(norm_first, activation, batch_first)
    x = R.standard_normal((3, 5, 8) if batch_first else (5, 3, 8))
    kpm = R.random((3, 5)) > 0.7
    kpm[:, 0] = False
    mask = np.triu(np.ones((5, 5), bool), 1)
    _check_module(ours, theirs, x, src_mask=mask, src_key_padding_mask=kpm)


@needs_torch
def test_encoder_layer_unbatched_no_bias_causal_and_a_callable_activation():
    ours, theirs = _encoder_pair(True, "relu", False, bias=False)
    ours.activation = tg.nn.Tanh()
    theirs.activation = torch.nn.Tanh()
    mask = np.where(np.triu(np.ones((5, 5), bool), 1), -np.inf, 0.0)
    _check_module(ours, theirs, R.standard_normal((5, 8)), src_mask=mask, is_causal=True)


@needs_torch
@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder_stack_equals_torchs_and_loads_its_state_dict(with_norm):
    layer_t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=torch.float64)
    theirs = torch.nn.TransformerEncoder(
        layer_t, 2, norm=torch.nn.LayerNorm(8, dtype=torch.float64) if with_norm else None,
        enable_nested_tensor=False)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2,
                                 norm=nn.LayerNorm(8) if with_norm else None)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(R.standard_normal(tuple(p.shape)) * 0.4))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    kpm = np.zeros((3, 5), bool)
    kpm[1, 3:] = True
    _check_module(ours, theirs, R.standard_normal((5, 3, 8)), src_key_padding_mask=kpm)


def test_encoder_layers_are_copies_sharing_the_dropout_generator():
    g = tg.Generator(seed=0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, rng=g)
    enc = nn.TransformerEncoder(layer, 2)
    a, b = enc.layers[0], enc.layers[1]
    assert a.linear1.weight is not b.linear1.weight
    assert a.linear1.weight.data.tobytes() == b.linear1.weight.data.tobytes()
    assert a.dropout.rng is b.dropout.rng is layer.dropout.rng
    assert a.self_attn.rng is layer.self_attn.rng


def test_encoder_dropout_in_training_only():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5, rng=tg.Generator(seed=1))
    x = R.standard_normal((5, 3, 8))
    assert layer(x).data.tobytes() != layer(x).data.tobytes()
    layer.eval()
    assert layer(x).data.tobytes() == layer(x).data.tobytes()


@pytest.mark.parametrize("call, match", [
    (lambda: nn.TransformerEncoderLayer(8, 3), r"embed_dim \(8\) must be divisible by "
                                               r"num_heads \(3\)"),
    (lambda: nn.TransformerEncoderLayer(8, 2, activation="tanh"),
     "activation should be relu/gelu, not tanh"),
    (lambda: nn.TransformerEncoderLayer(8, 2, activation=3), "activation must be 'relu'"),
    (lambda: nn.TransformerEncoderLayer(8, 2, 16)(np.ones((5, 3, 6))),
     r"embed_dim=8.*query \(5, 3, 6\)"),
    (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2)(
        np.ones((5, 3, 8)), mask=np.ones((4, 4), bool)), r"attn_mask must have shape \(5, 5\)"),
    (lambda: nn.TransformerEncoder("layer", 2), "encoder_layer must be a Module"),
])
def test_encoder_bad_calls_raise_one_line(call, match):
    with pytest.raises((ValueError, TypeError, RuntimeError), match=match) as e:
        call()
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("kw", [{"is_causal": "no"}, {"is_causal": 1}, {"enable_gqa": "no"}])
def test_sdpa_flags_must_be_bools(kw: dict) -> None:
    """is_causal="no" is true to Python: it applied the causal mask without a word."""
    q = tg.Tensor(np.ones((2, 3, 4)))
    name = next(iter(kw))
    with pytest.raises(TypeError, match=f"scaled_dot_product_attention: {name} must be True "
                                        "or False"):
        F.scaled_dot_product_attention(q, q, q, **kw)


@pytest.mark.parametrize("name", ["need_weights", "is_causal", "average_attn_weights"])
def test_mha_flags_must_be_bools(name: str) -> None:
    mha = nn.MultiheadAttention(4, 2)
    x = tg.Tensor(np.ones((3, 2, 4)))
    with pytest.raises(TypeError, match=f"MultiheadAttention: {name} must be True or False"):
        mha(x, x, x, **{name: "no"})
