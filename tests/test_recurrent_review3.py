"""Review of the recurrent and attention layers against torch 2.13: the shapes a wrong
argument used to reach a NumPy crash (or a silent broadcast) with, now one line each."""

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

E, H, L, N = 4, 2, 3, 2


def _args(rs, **over):
    q = rs.randn(L, N, E)
    a = dict(query=q, key=q, value=q, embed_dim_to_check=E, num_heads=H,
             in_proj_weight=rs.randn(3 * E, E), in_proj_bias=rs.randn(3 * E), bias_k=None,
             bias_v=None, add_zero_attn=False, dropout_p=0.0, out_proj_weight=rs.randn(E, E),
             out_proj_bias=rs.randn(E))
    a.update(over)
    return a


def _run(a, mod):
    conv = (lambda v: torch.tensor(v)) if mod is TF else tg.Tensor
    return mod.multi_head_attention_forward(
        **{k: conv(v) if isinstance(v, np.ndarray) else v for k, v in a.items()})


def test_mha_forward_matches_torch_with_bias_kv_and_static_k():
    rs = np.random.RandomState(0)
    a = _args(rs, bias_k=rs.randn(1, 1, E), bias_v=rs.randn(1, 1, E))
    (o, w), (to, tw) = _run(a, F), _run(a, TF)
    np.testing.assert_allclose(o.data, to.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.data, tw.numpy(), rtol=1e-12, atol=1e-12)
    a = _args(rs, static_k=rs.randn(N * H, 5, E // H), static_v=rs.randn(N * H, 5, E // H))
    np.testing.assert_allclose(_run(a, F)[0].data, _run(a, TF)[0].numpy(), rtol=1e-12,
                               atol=1e-12)


def test_mha_forward_bias_k_of_one_value_is_refused():
    # a (1, 1, 1) bias_k broadcast to every feature without a word (torch raises)
    rs = np.random.RandomState(1)
    a = _args(rs, bias_k=rs.randn(1, 1, 1), bias_v=rs.randn(1, 1, 1))
    with pytest.raises(ValueError, match=r"multi_head_attention_forward: expecting bias_k of "
                                         r"shape \(1, 1, 4\), got \(1, 1, 1\)"):
        _run(a, F)


def test_mha_forward_fractional_num_heads_is_refused():
    # int(2.5) ran 2 heads without a word (torch raises a TypeError)
    a = _args(np.random.RandomState(2), num_heads=2.5)
    with pytest.raises(TypeError, match="multi_head_attention_forward: num_heads must be an "
                                        "integer"):
        _run(a, F)


@pytest.mark.parametrize("over, word", [
    ({"in_proj_weight": np.zeros((4 * E, E))}, "in_proj_weight of shape"),
    ({"in_proj_bias": np.zeros(E)}, "in_proj_bias of shape"),
    ({"in_proj_weight": None, "use_separate_proj_weight": True,
      "q_proj_weight": np.zeros((E, E)), "k_proj_weight": np.zeros((E, E + 1)),
      "v_proj_weight": np.zeros((E, E))}, "k_proj_weight of shape"),
])
def test_mha_forward_wrong_projection_shapes_name_the_argument(over, word):
    a = _args(np.random.RandomState(3), **over)
    with pytest.raises(ValueError, match=f"multi_head_attention_forward: expecting {word}"):
        _run(a, F)


def test_mha_forward_static_kv_lengths_checked_in_one_line():
    rs = np.random.RandomState(4)
    a = _args(rs, static_k=rs.randn(N * H, 5, E // H), static_v=rs.randn(N * H, 4, E // H))
    with pytest.raises(ValueError, match="multi_head_attention_forward: the keys"):
        _run(a, F)
    # an attn_mask over the given keys (as torch checks it) but static_k of other keys:
    # a broadcasting crash before, in torch too; one line here
    a = _args(rs, static_k=rs.randn(N * H, 5, E // H), static_v=rs.randn(N * H, 5, E // H),
              attn_mask=np.zeros((L, L), bool))
    with pytest.raises(RuntimeError, match=r"attn_mask \(3, 3\) is over the key's 3 "
                                           r"positions but static_k has 5 keys"):
        _run(a, F)


def test_rnn_op_wrong_feature_size_is_one_line():
    U, W, b = np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(4)
    with pytest.raises(ValueError, match=r"^rnn: expected x \(T, d\).*got x \(5, 2\), U "
                                         r"\(3, 4\)"):
        F.rnn(tg.Tensor(np.zeros((5, 2))), tg.Tensor(U), W, b)
    with pytest.raises(ValueError, match=r"^rnn: integer x must be indices of shape \(T,\), "
                                         r"got \(2, 2\)"):
        F.rnn(tg.Tensor(np.array([[0, 1], [1, 2]])), tg.Tensor(U), W, b)


def test_rnn_op_still_matches_a_torch_loop():
    rs = np.random.RandomState(5)
    x, U, W, b, h0 = rs.randn(4, 2, 3), rs.randn(3, 5), rs.randn(5, 5), rs.randn(5), rs.randn(2, 5)
    got = F.rnn(tg.Tensor(x), tg.Tensor(U), tg.Tensor(W), tg.Tensor(b), h0)
    h, hs = torch.tensor(h0), []
    for t in range(4):
        h = torch.tanh(torch.tensor(x[t]) @ torch.tensor(U) + h @ torch.tensor(W)
                       + torch.tensor(b))
        hs.append(h)
    np.testing.assert_allclose(got.data, torch.stack(hs).numpy(), rtol=1e-12, atol=1e-12)
