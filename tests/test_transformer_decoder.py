"""nn.TransformerDecoderLayer, nn.TransformerDecoder and nn.Transformer (nn/transformer.py),
compositions over nn.MultiheadAttention, checked against torch 2.13 in float64 with dropout 0
(values 1e-12; gradients 1e-10 of tgt, memory/src and every parameter): pre- and post-norm,
batch_first both ways, relu and gelu (the exact one on both sides), the causal tgt_mask of
Transformer.generate_square_subsequent_mask, key padding masks of tgt and memory, unbatched
input; torch's state_dict keys, so its state dicts load as they are; nn.Transformer's init
(xavier_uniform_ on every parameter with more than one dimension); bad shapes and arguments
refused in one line."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn

try:
    import torch
except ImportError:  # the comparisons with torch skip; the rest runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
# torch's notes on its own paths (a float mask with a bool padding mask; its fast path)
pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")]

R = np.random.default_rng(23)


def _close(ours, theirs, tol):
    theirs = theirs.detach().numpy() if torch is not None and isinstance(theirs, torch.Tensor) \
        else np.asarray(theirs)
    ours = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


def _load_random(ours, theirs):
    """torch's module with random parameters (not its init), loaded into ours."""
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(R.standard_normal(tuple(p.shape)) * 0.4))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


def _check(ours, theirs, inputs, **masks):
    """ours(*inputs, **masks) against theirs: the values, then the gradients of every input and
    every parameter for one random output gradient."""
    ts = [Tensor(a, requires_grad=True) for a in inputs]
    tts = [torch.tensor(a, requires_grad=True) for a in inputs]
    tmasks = {k: torch.tensor(v) if isinstance(v, np.ndarray) else
              (torch.tensor(v.data) if isinstance(v, Tensor) else v) for k, v in masks.items()}
    out, tout = ours(*ts, **masks), theirs(*tts, **tmasks)
    _close(out, tout, 1e-12)
    g = R.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    for t, tt in zip(ts, tts):
        _close(t.grad, tt.grad, 1e-10)
    tp = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tp)
    for n, p in ours.named_parameters():
        _close(p.grad, tp[n].grad, 1e-10)


def _kpm(N, S):
    kpm = R.random((N, S)) > 0.6
    kpm[:, 0] = False  # (a fully masked row is NaN in both, and proves nothing)
    return kpm


# ---- nn.TransformerDecoderLayer -----------------------------------------------------------
def _decoder_layer_pair(norm_first, activation, batch_first, **kw):
    theirs = torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, activation=activation,
                                              batch_first=batch_first, norm_first=norm_first,
                                              dtype=torch.float64, **kw)
    ours = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, activation=activation,
                                      batch_first=batch_first, norm_first=norm_first,
                                      rng=np.random.default_rng(0), **kw)
    _load_random(ours, theirs)
    return ours, theirs


@needs_torch
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_equals_torchs(norm_first, activation, batch_first):
    ours, theirs = _decoder_layer_pair(norm_first, activation, batch_first)
    T, S, N = 5, 6, 3
    tgt = R.standard_normal((N, T, 8) if batch_first else (T, N, 8))
    mem = R.standard_normal((N, S, 8) if batch_first else (S, N, 8))
    causal = nn.Transformer.generate_square_subsequent_mask(T)
    _check(ours, theirs, [tgt, mem], tgt_mask=causal, tgt_key_padding_mask=_kpm(N, T),
           memory_key_padding_mask=_kpm(N, S))


@needs_torch
def test_decoder_layer_unbatched_no_bias_memory_mask_and_causal_hints():
    ours, theirs = _decoder_layer_pair(True, "relu", False, bias=False)
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    memory_mask = np.triu(np.ones((5, 5), bool), 1)  # (a bool mask: True may not attend)
    _check(ours, theirs, [R.standard_normal((5, 8)), R.standard_normal((5, 8))],
           tgt_mask=causal, tgt_is_causal=True, memory_mask=memory_mask,
           memory_is_causal=True)


@needs_torch
def test_decoder_layer_float_memory_mask_and_a_callable_activation():
    ours, theirs = _decoder_layer_pair(False, "relu", True)
    ours.activation = tg.nn.Tanh()
    theirs.activation = torch.nn.Tanh()
    memory_mask = R.standard_normal((4, 6))  # (T, S), added to the scores
    _check(ours, theirs, [R.standard_normal((2, 4, 8)), R.standard_normal((2, 6, 8))],
           memory_mask=memory_mask)


# ---- nn.TransformerDecoder ----------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("with_norm", [False, True])
def test_decoder_stack_equals_torchs_and_loads_its_state_dict(with_norm):
    layer_t = torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, dtype=torch.float64)
    theirs = torch.nn.TransformerDecoder(
        layer_t, 2, norm=torch.nn.LayerNorm(8, dtype=torch.float64) if with_norm else None)
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2,
                                 norm=nn.LayerNorm(8) if with_norm else None)
    _load_random(ours, theirs)
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    # tgt_is_causal left None: torch finds the mask causal and says so to its layers
    _check(ours, theirs, [R.standard_normal((5, 3, 8)), R.standard_normal((4, 3, 8))],
           tgt_mask=causal, memory_key_padding_mask=_kpm(3, 4))


def test_decoder_layers_are_copies_sharing_the_dropout_generator():
    g = tg.Generator(seed=0)
    layer = nn.TransformerDecoderLayer(8, 2, 16, rng=g)
    dec = nn.TransformerDecoder(layer, 2)
    a, b = dec.layers[0], dec.layers[1]
    assert a.multihead_attn.in_proj_weight is not b.multihead_attn.in_proj_weight
    assert a.linear1.weight.data.tobytes() == b.linear1.weight.data.tobytes()
    assert a.dropout3.rng is b.dropout3.rng is layer.dropout3.rng
    assert a.multihead_attn.rng is layer.multihead_attn.rng


def test_decoder_dropout_in_training_only():
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.5, rng=tg.Generator(seed=1))
    x, m = R.standard_normal((5, 3, 8)), R.standard_normal((4, 3, 8))
    assert layer(x, m).data.tobytes() != layer(x, m).data.tobytes()
    layer.eval()
    assert layer(x, m).data.tobytes() == layer(x, m).data.tobytes()


# ---- nn.Transformer -----------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_equals_torchs_and_loads_its_state_dict(norm_first, batch_first):
    with warnings.catch_warnings():  # (torch's note that norm_first disables its fast path)
        warnings.simplefilter("ignore")
        theirs = torch.nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, batch_first=batch_first,
                                      norm_first=norm_first, dtype=torch.float64)
    ours = nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, batch_first=batch_first,
                          norm_first=norm_first, rng=np.random.default_rng(1))
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    _load_random(ours, theirs)
    N, S, T = 3, 6, 5
    src = R.standard_normal((N, S, 8) if batch_first else (S, N, 8))
    tgt = R.standard_normal((N, T, 8) if batch_first else (T, N, 8))
    src_kpm = _kpm(N, S)
    _check(ours, theirs, [src, tgt], tgt_mask=nn.Transformer.generate_square_subsequent_mask(T),
           src_key_padding_mask=src_kpm, tgt_key_padding_mask=_kpm(N, T),
           memory_key_padding_mask=src_kpm)


@needs_torch
def test_transformer_with_torchs_own_init_and_every_mask():
    theirs = torch.nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, activation="gelu",
                                  dtype=torch.float64)
    ours = nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, activation="gelu")
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    src, tgt = R.standard_normal((6, 2, 8)), R.standard_normal((4, 2, 8))
    _check(ours, theirs, [src, tgt], src_mask=R.standard_normal((6, 6)),
           tgt_mask=nn.Transformer.generate_square_subsequent_mask(4),
           memory_mask=np.triu(np.ones((4, 6), bool), 3))


@needs_torch
@pytest.mark.parametrize("sz", [0, 1, 5])
def test_generate_square_subsequent_mask_is_torchs(sz):
    ours = nn.Transformer.generate_square_subsequent_mask(sz)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=torch.float64)
    assert ours.dtype == np.float64
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    f32 = nn.Transformer.generate_square_subsequent_mask(sz, dtype="float32")
    assert f32.data.dtype == np.float32
    np.testing.assert_array_equal(f32.data, torch.nn.Transformer
                                  .generate_square_subsequent_mask(sz).numpy())


def test_generate_square_subsequent_mask_values():
    m = nn.Transformer.generate_square_subsequent_mask(4).data
    assert np.isneginf(m[np.triu_indices(4, 1)]).all()
    assert (m[np.tril_indices(4)] == 0).all()


def test_transformer_init_is_xavier_uniform_on_every_matrix():
    t = nn.Transformer(8, 2, 1, 1, 16, rng=tg.Generator(seed=0))
    named = dict(t.named_parameters())
    for name, p in named.items():
        if p.ndim > 1:  # U(±sqrt(6 / (fan_in + fan_out)))
            assert np.abs(p.data).max() <= math.sqrt(6 / sum(p.shape)), name
    # redrawn, not the layers' own init: out_proj.weight was U(±1/sqrt(8)), linear1.weight
    # U(±1/sqrt(8)) (Linear's); the xavier bounds are sqrt(6/16) and sqrt(6/24), and 64 or
    # 128 draws all under 1/sqrt(8) would be a chance below 1e-15
    for name in ("encoder.layers.0.self_attn.out_proj.weight",
                 "decoder.layers.0.multihead_attn.out_proj.weight",
                 "decoder.layers.0.linear1.weight", "encoder.layers.0.linear2.weight"):
        assert np.abs(named[name].data).max() > 1 / math.sqrt(8), name
    # vectors keep their own: zero attention biases, LayerNorm ones and zeros
    assert (named["decoder.layers.0.multihead_attn.in_proj_bias"].data == 0).all()
    assert (named["encoder.norm.weight"].data == 1).all()
    # the same generator state draws the same model
    again = nn.Transformer(8, 2, 1, 1, 16, rng=tg.Generator(seed=0))
    for (n, p), (_, q) in zip(t.named_parameters(), again.named_parameters()):
        assert p.data.tobytes() == q.data.tobytes(), n


def test_transformer_custom_encoder_and_decoder_are_used_and_reinitialised():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 1)
    t = nn.Transformer(8, 2, custom_encoder=enc, custom_decoder=dec, dropout=0.0)
    assert t.encoder is enc and t.decoder is dec and len(t.state_dict()) == len(
        enc.state_dict()) + len(dec.state_dict())
    w = enc.layers[0].linear1.weight.data
    assert np.abs(w).max() > 1 / math.sqrt(8)  # (Linear's bound; xavier's is sqrt(6/24))
    out = t(R.standard_normal((4, 2, 8)), R.standard_normal((3, 2, 8)))
    assert out.shape == (3, 2, 8)


@pytest.mark.parametrize("call, match", [
    (lambda: nn.TransformerDecoderLayer(8, 3), r"embed_dim \(8\) must be divisible by "
                                               r"num_heads \(3\)"),
    (lambda: nn.TransformerDecoderLayer(8, 2, activation="tanh"),
     "activation should be relu/gelu, not tanh"),
    (lambda: nn.TransformerDecoderLayer(8, 2, dim_feedforward=2.5), "dim_feedforward must be"),
    (lambda: nn.TransformerDecoderLayer(8, 2, 16)(np.ones((5, 3, 8)), np.ones((4, 3, 6))),
     r"kdim=8.*key \(4, 3, 6\)"),
    (lambda: nn.TransformerDecoderLayer(8, 2, 16)(np.ones((5, 3, 8)), np.ones((4, 2, 8))),
     "batch size of query"),
    (lambda: nn.TransformerDecoderLayer(8, 2, 16)(np.ones((5, 3, 8)), np.ones((4, 3, 8)),
                                                  memory_mask=np.ones((5, 5), bool)),
     r"attn_mask must have shape \(5, 4\)"),
    (lambda: nn.TransformerDecoderLayer(8, 2, 16)(np.ones((5, 3, 8)), np.ones((4, 3, 8)),
                                                  tgt_is_causal=True),
     "Need attn_mask if specifying the is_causal hint"),
    (lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2)(
        np.ones((5, 3, 8)), np.ones((4, 3, 8)), tgt_key_padding_mask=np.ones((3, 4), bool)),
     r"key_padding_mask must have shape \(3, 5\)"),
    (lambda: nn.TransformerDecoder("layer", 2), "decoder_layer must be a Module"),
    (lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), -1),
     "num_layers must be >= 0"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16)(np.ones((5, 3, 8)), np.ones((4, 2, 8))),
     r"batch number of src and tgt must be equal; got src \(5, 3, 8\), tgt \(4, 2, 8\)"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16, batch_first=True)(np.ones((3, 5, 8)),
                                                               np.ones((2, 5, 8))),
     "batch number of src and tgt must be equal"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16)(np.ones((5, 3, 8)), np.ones((4, 3, 6))),
     r"feature number of src and tgt must be equal to d_model \(8\)"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16)(np.ones((5, 3, 8)), np.ones((4, 8))),
     "src and tgt must both be batched"),
    (lambda: nn.Transformer(8, 2, custom_encoder=lambda x: x), "custom_encoder must be a Module"),
    (lambda: nn.Transformer.generate_square_subsequent_mask(-1), "sz must be >= 0"),
    (lambda: nn.Transformer.generate_square_subsequent_mask(3, dtype="int64"),
     "dtype must be a floating dtype"),
])
def test_decoder_and_transformer_bad_calls_raise_one_line(call, match):
    with pytest.raises((ValueError, TypeError, RuntimeError), match=match) as e:
        call()
    assert "\n" not in str(e.value)
