"""A skeptic's review of the nn leftovers (functional/mha_forward.py, nn/attention.py,
nn/adaptive_softmax.py, the fractional max pools) against torch 2.13: each test failed before
its fix."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F

R = np.random.default_rng(7)


@pytest.fixture
def torch():
    t = pytest.importorskip("torch")
    t.set_num_threads(1)
    return t


def _close(a, b, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("extra", ["add_zero_attn", "add_bias_kv"])
def test_mha_is_causal_mask_covers_the_extra_keys(torch, extra):
    """is_causal without key_padding_mask or need_weights: torch's causal mask is made over
    every key, the extra one (bias_k or add_zero_attn's) included, so the first queries never
    see it; ours padded the (L, S) causal mask with an attended column."""
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(4, 2, **{extra: True}).double()
    m = nn.MultiheadAttention(4, 2, **{extra: True})
    m.load_state_dict(tm.state_dict())
    x = R.standard_normal((3, 2, 4))
    mask = np.triu(np.ones((3, 3), bool), 1)
    xt, xx = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    o = tm(xt, xt, xt, attn_mask=torch.tensor(mask), need_weights=False, is_causal=True)[0]
    oo = m(xx, xx, xx, attn_mask=mask, need_weights=False, is_causal=True)[0]
    _close(oo.data, o.detach().numpy())
    o.sum().backward()
    oo.sum().backward()
    _close(xx.grad, xt.grad.numpy(), 1e-10)


def test_mha_forward_is_causal_with_static_k(torch):
    """F.multi_head_attention_forward's causal mask spans static_k's length (ours was made
    (L, S) from the key given, a shape error when static_k is longer)."""
    tf = torch.nn.functional.multi_head_attention_forward
    E, H, L, S, N, Ss = 4, 2, 3, 3, 2, 5
    w, b, ow, ob = (R.standard_normal(s) for s in ((3 * E, E), (3 * E,), (E, E), (E,)))
    q, k = R.standard_normal((L, N, E)), R.standard_normal((S, N, E))
    sk, sv = R.standard_normal((N * H, Ss, E // H)), R.standard_normal((N * H, Ss, E // H))
    mask = np.triu(np.ones((L, S), bool), 1)

    def args(f):
        return [f(a) for a in (q, k, k, E, H, w, b, None, None, False, 0.0, ow, ob)]

    t = tf(*args(lambda a: torch.tensor(a) if isinstance(a, np.ndarray) else a),
           need_weights=False, attn_mask=torch.tensor(mask), static_k=torch.tensor(sk),
           static_v=torch.tensor(sv), is_causal=True)[0]
    ours = F.multi_head_attention_forward(*args(lambda a: a), need_weights=False,
                                          attn_mask=mask, static_k=sk, static_v=sv,
                                          is_causal=True)[0]
    _close(ours.data, t.numpy())


@pytest.mark.parametrize("kw, match", [
    (dict(key_padding_mask=np.array([[True], [False]])), r"key_padding_mask of shape \(2, 3\)"),
    (dict(attn_mask=np.ones((1, 1), bool)), r"2D attn_mask is \(1, 1\), but should be \(3, 3\)"),
    (dict(attn_mask=np.zeros((1, 1, 1))), r"3D attn_mask is \(1, 1, 1\), but should be"),
])
def test_mha_forward_refuses_masks_that_would_broadcast(kw, match):
    """torch refuses a mask of the wrong shape; ours broadcast a (1, 1) attn_mask or an (N, 1)
    key_padding_mask over every key and gave numbers without a word."""
    E, H, L, N = 4, 2, 3, 2
    q = R.standard_normal((L, N, E))
    w, ow = R.standard_normal((3 * E, E)), R.standard_normal((E, E))
    with pytest.raises(RuntimeError, match=match):
        F.multi_head_attention_forward(q, q, q, E, H, w, None, None, None, False, 0.0, ow, None,
                                       **kw)


def test_mha_forward_key_padding_mask_against_static_k(torch):
    """With static_k the key_padding_mask covers static_k's keys (torch's check); one of the
    query's key length (1 here) broadcast over them."""
    E, H, L, N, Ss = 4, 2, 3, 2, 4
    q, k = R.standard_normal((L, N, E)), R.standard_normal((1, N, E))
    w, ow = R.standard_normal((3 * E, E)), R.standard_normal((E, E))
    sk, sv = R.standard_normal((N * H, Ss, 2)), R.standard_normal((N * H, Ss, 2))
    with pytest.raises(RuntimeError, match=r"key_padding_mask of shape \(2, 4\), got \(2, 1\)"):
        F.multi_head_attention_forward(q, k, k, E, H, w, None, None, None, False, 0.0, ow, None,
                                       key_padding_mask=np.zeros((N, 1), bool), static_k=sk,
                                       static_v=sv)
    kpm = R.random((N, Ss)) < 0.4
    kpm[:, 0] = False
    tf = torch.nn.functional.multi_head_attention_forward
    t = tf(*[torch.tensor(a) if isinstance(a, np.ndarray) else a
             for a in (q, k, k, E, H, w, None, None, None, False, 0.0, ow, None)],
           key_padding_mask=torch.tensor(kpm), static_k=torch.tensor(sk),
           static_v=torch.tensor(sv))
    ours = F.multi_head_attention_forward(q, k, k, E, H, w, None, None, None, False, 0.0, ow,
                                          None, key_padding_mask=kpm, static_k=sk, static_v=sv)
    _close(ours[0].data, t[0].numpy())
    _close(ours[1].data, t[1].numpy())
