"""Second review of the attention edges hunt (hAT): the fully-masked-row guard of
F.scaled_dot_product_attention / nn.MultiheadAttention against torch 2.13's math path (its
"safe softmax": a row of scores + mask that is -inf throughout gives zeros), with masks that
hold a dtype's own finfo.min beside -inf (a HuggingFace-style float mask with a bool key
padding mask), rows that overflow to -inf, every mix of mask dtypes torch takes, the jit's
replay of the guard, and Transformer's dropout check when both its parts are given."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import mismatch

import tinygrad_dl as tg
from tinygrad_dl import Tensor, jit, nn
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
_attention = pytest.importorskip("torch.nn.attention")
SDPBackend, sdpa_kernel = _attention.SDPBackend, _attention.sdpa_kernel

pytestmark = [pytest.mark.filterwarnings("ignore::UserWarning")]

_T = {np.float64: torch.float64, np.float32: torch.float32}


def _sdpa_both(q, k, v, m, mask_grad=False):
    """(ours, torch's math path): outputs and the q, k, v (and float mask) gradients of a
    random-weighted sum."""
    tin = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    tm = torch.tensor(m, requires_grad=mask_grad)
    with sdpa_kernel(SDPBackend.MATH):
        t = torch.nn.functional.scaled_dot_product_attention(*tin, attn_mask=tm)
    oin = [tg.Tensor(a.copy(), requires_grad=True) for a in (q, k, v)]
    om = tg.Tensor(m.copy(), requires_grad=mask_grad)
    o = F.scaled_dot_product_attention(*oin, attn_mask=om)
    w = np.random.default_rng(9).standard_normal(o.shape).astype(q.dtype)
    (t * torch.tensor(w)).sum().backward()
    (o * tg.Tensor(w)).sum().backward()
    ours = [o.data] + [a.grad for a in oin] + ([om.grad] if mask_grad else [])
    theirs = [t.detach().numpy()] + [a.grad.numpy() for a in tin] + (
        [tm.grad.numpy()] if mask_grad else [])
    return ours, theirs


@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("mask_grad", [False, True])
def test_sdpa_minus_inf_key_beside_a_row_of_finfo_min_gets_no_weight(dt, mask_grad):
    # (was: the clamp of scores + mask put -inf at finfo.min, equal to the mask's own: the
    # -inf key got a quarter of the weight, output off by ~0.1, q's and k's gradients too)
    r = np.random.default_rng(0)
    q, k, v = (r.standard_normal(s).astype(dt) for s in ((2, 3, 4), (2, 4, 4), (2, 4, 3)))
    m = r.standard_normal((3, 4)).astype(dt)
    m[1] = np.finfo(dt).min
    m[1, 0] = -np.inf
    ours, theirs = _sdpa_both(q, k, v, m, mask_grad)
    rtol = 1e-10 if dt == np.float64 else 1e-4
    for name, a, b in zip(("out", "q", "k", "v", "mask"), ours, theirs):
        assert (e := mismatch(a, b, rtol)) is None, (name, e)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_sdpa_a_row_overflowing_to_minus_inf_gives_torchs_zeros():
    # float32 finfo.min + a score of -1e34 overflows to -inf for every key: torch's safe
    # softmax gives 0 there (was: the mean of v, the weights uniform)
    r = np.random.default_rng(1)
    q = np.abs(r.standard_normal((2, 3))).astype(np.float32) * 1e17
    k = -np.abs(r.standard_normal((4, 3))).astype(np.float32) * 1e17
    v = r.standard_normal((4, 2)).astype(np.float32)
    m = np.zeros((2, 4), np.float32)
    m[1] = np.finfo(np.float32).min
    ours, theirs = _sdpa_both(q, k, v, m)
    assert (ours[0][1] == 0).all() and (theirs[0][1] == 0).all()
    assert mismatch(ours[0], theirs[0], 1e-5) is None


@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("mask", ["float", "bool"])
def test_mha_finfo_min_attn_mask_with_a_bool_key_padding_mask_is_torchs(dt, mask):
    # a query whose attn_mask row is finfo.min everywhere and a padded key (-inf): torch
    # averages the other keys, ours averaged the padded one in too
    r = np.random.default_rng(2)
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(4, 2, dtype=_T[dt])
    om = nn.MultiheadAttention(4, 2, dtype=dt)
    om.load_state_dict({a: b.detach().numpy().copy() for a, b in tm.state_dict().items()})
    x, y = r.standard_normal((3, 2, 4)).astype(dt), r.standard_normal((5, 2, 4)).astype(dt)
    am = r.standard_normal((3, 5)).astype(dt)
    am[1] = np.finfo(dt).min
    kpm = np.zeros((2, 5), bool)
    kpm[:, 0] = True
    if mask == "float":
        kpm = np.where(kpm, -np.inf, 0.0).astype(dt)
    tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    with sdpa_kernel(SDPBackend.MATH):
        t = tm(tx, ty, ty, attn_mask=torch.tensor(am), key_padding_mask=torch.tensor(kpm),
               need_weights=False)[0]
    ox, oy = tg.Tensor(x, requires_grad=True), tg.Tensor(y, requires_grad=True)
    o = om(ox, oy, oy, attn_mask=am, key_padding_mask=kpm, need_weights=False)[0]
    t.sum().backward()
    o.sum().backward()
    rtol = 1e-10 if dt == np.float64 else 1e-4
    for name, a, b in (("out", o.data, t.detach().numpy()), ("x", ox.grad, tx.grad.numpy()),
                       ("y", oy.grad, ty.grad.numpy())):
        assert (e := mismatch(a, b, rtol)) is None, (name, e)


@pytest.mark.parametrize("seed", range(4))
def test_sdpa_mask_mixes_match_torchs_math_path(seed):
    """Random rows of -inf, finfo.min (the query's and float32's), -1e300 and ordinary values,
    float64 queries with float64 or float32 masks (torch takes both), float32 with float32."""
    r = np.random.default_rng(100 + seed)
    for _ in range(25):
        dt = [np.float64, np.float32][int(r.integers(2))]
        mdt = np.float32 if dt == np.float32 or r.random() < .5 else np.float64
        L, S = int(r.integers(1, 5)), int(r.integers(1, 5))
        q, k, v = (r.standard_normal(s).astype(dt) for s in ((2, L, 3), (2, S, 3), (2, S, 2)))
        fills = [-np.inf, float(np.finfo(mdt).min), float(np.finfo(np.float32).min), 0.5]
        if mdt == np.float64:
            fills.append(-1e300)
        m = np.asarray(r.choice(fills, (L, S)), mdt)
        ours, theirs = _sdpa_both(q, k, v, m)
        rtol = 1e-10 if dt == np.float64 else 1e-4
        for name, a, b in zip(("out", "q", "k", "v"), ours, theirs):
            assert (e := mismatch(a, b, rtol)) is None, (name, m, e)


def test_sdpa_guard_replays_bit_identical_to_eager_as_the_dead_rows_change():
    r = np.random.default_rng(3)
    w = Tensor(r.standard_normal((4, 4)), requires_grad=True)

    def step(x, m):
        q = Tensor(x) @ w
        out = F.scaled_dot_product_attention(q, q, q, attn_mask=Tensor(m))
        out.sum().backward()
        return out.detach()

    j = jit.jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(6):
            x = r.standard_normal((2, 3, 4))
            m = np.where(r.random((3, 3)) < .3, -np.inf, 0.0)
            if i >= 3:
                m[i - 3] = -np.inf  # (a fully masked query, not there when recorded)
            if i == 5:
                m[0], m[0, 1] = np.finfo(np.float64).min, -np.inf
            w.grad = None
            replayed, g1 = j(x, m).data.copy(), w.grad.copy()
            w.grad = None
            eager, g2 = step(x, m).data.copy(), w.grad.copy()
            assert np.array_equal(replayed, eager) and np.array_equal(g1, g2), i
    assert j.replays > 0


@pytest.mark.parametrize("dropout", [1.0, True, "0.1"])
def test_transformer_with_both_parts_given_takes_any_dropout_as_torch(dropout):
    # torch's Transformer uses dropout only for the parts it builds (HEAD refused these)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0), 1)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0), 1)
    m = nn.Transformer(4, 2, custom_encoder=enc, custom_decoder=dec, dropout=dropout)
    assert m.encoder is enc and m.decoder is dec
    with pytest.raises(ValueError, match="Transformer: dropout must be a number in"):
        nn.Transformer(4, 2, 1, 1, 8, custom_encoder=enc, dropout=dropout)
