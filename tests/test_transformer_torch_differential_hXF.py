"""nn.TransformerEncoderLayer / TransformerEncoder / TransformerDecoderLayer / TransformerDecoder /
Transformer against torch 2.13 in float64, torch's weights loaded from its state dict as it is:
seeded random configurations (norm_first, relu/gelu/a callable, batch_first, bias=False,
layer_norm_eps, unbatched input, eval and training with dropout=0.0; float and bool masks, 2-D
and 3-D, float and bool key padding masks, is_causal with the causal mask, memory masks), the
outputs and the gradients of every input and parameter (rtol 1e-10); fully masked queries
(torch's training path gives numbers, so do we); errors where torch raises."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Converting mask without torch.bool")]
F64 = {"dtype": torch.float64}


def _close(ours, theirs, what):
    ours = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape, (what, ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10, err_msg=what)


def _mask(R, kind, L, S, N, H):
    if kind is None:
        return None
    shp = (L, S) if kind[1] == 2 else (N * H, L, S)
    m = R.random(shp) < 0.3
    if kind[0] == "bool":
        return m
    return np.where(m, -np.inf if R.random() < .5 else -3.0, R.standard_normal(shp) * .3)


def _kpm(R, N, S, unbatched):
    kind = [None, "bool", "float"][R.integers(3)]
    if kind is None or unbatched:
        return None
    m = R.random((N, S)) < 0.3
    return m if kind == "bool" else np.where(m, -np.inf, 0.0)


def _case(seed):
    """(ours, theirs, inputs, masks) for one seeded random configuration."""
    R = np.random.default_rng(seed)
    which = ("enc", "dec", "encstack", "full")[seed % 4]
    H = int(R.integers(1, 3))
    E, F = H * int(R.integers(1, 3)), int(R.integers(1, 5))
    act = ("relu", "gelu", "callable")[R.integers(3)]
    unb = R.random() < .2
    N, L, S = 1 if unb else int(R.integers(1, 4)), int(R.integers(1, 5)), int(R.integers(1, 5))
    train = R.random() < .3
    kw = dict(dim_feedforward=F, dropout=0.0 if train else 0.1, batch_first=bool(R.integers(2)),
              layer_norm_eps=float(R.choice([1e-5, 1e-3, 0.1])),
              norm_first=bool(R.integers(2)), bias=bool(R.integers(2)))
    tact = {"relu": "relu", "gelu": "gelu", "callable": torch.tanh}[act]
    oact = {"relu": "relu", "gelu": "gelu", "callable": lambda x: x.tanh()}[act]
    kinds = [None, ("bool", 2), ("float", 2), ("bool", 3), ("float", 3)]

    def pick(L_, S_):
        return _mask(R, kinds[R.integers(len(kinds))], L_, S_, N, H)

    def causal_or_pick(T):
        causal = R.random() < .2
        return causal, np.triu(np.full((T, T), -np.inf), 1) if causal else pick(T, T)

    def x(T):
        return R.standard_normal((T, E) if unb else (N, T, E) if kw["batch_first"] else (T, N, E))

    src, tgt = x(S), x(L)
    if which in ("enc", "encstack"):
        theirs = torch.nn.TransformerEncoderLayer(E, H, activation=tact, **kw, **F64)
        ours = nn.TransformerEncoderLayer(E, H, activation=oact, **kw)
        causal, m = causal_or_pick(S)
        masks = {"src_mask" if which == "enc" else "mask": m, "is_causal": causal,
                 "src_key_padding_mask": _kpm(R, N, S, unb)}
        if which == "encstack":
            n, norm = int(R.integers(1, 3)), bool(R.integers(2))
            tnorm = torch.nn.LayerNorm(E, **F64) if norm else None
            theirs = torch.nn.TransformerEncoder(theirs, n, tnorm, enable_nested_tensor=False)
            ours = nn.TransformerEncoder(ours, n, nn.LayerNorm(E) if norm else None)
        inputs = [src]
    elif which == "dec":
        theirs = torch.nn.TransformerDecoderLayer(E, H, activation=tact, **kw, **F64)
        ours = nn.TransformerDecoderLayer(E, H, activation=oact, **kw)
        causal, m = causal_or_pick(L)
        masks = {"tgt_mask": m, "memory_mask": pick(L, S), "tgt_is_causal": causal,
                 "tgt_key_padding_mask": _kpm(R, N, L, unb),
                 "memory_key_padding_mask": _kpm(R, N, S, unb)}
        inputs = [tgt, src]
    else:
        theirs = torch.nn.Transformer(E, H, 1, 1, activation=tact, **kw, **F64)
        ours = nn.Transformer(E, H, 1, 1, activation=oact, **kw)
        causal, m = causal_or_pick(L)
        masks = {"src_mask": pick(S, S), "tgt_mask": m, "memory_mask": pick(L, S),
                 "tgt_is_causal": causal, "src_key_padding_mask": _kpm(R, N, S, unb),
                 "memory_key_padding_mask": _kpm(R, N, S, unb)}
        inputs = [src, tgt]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(R.standard_normal(tuple(p.shape)) * .4))
    ours.load_state_dict(theirs.state_dict())  # torch's tensors, as they are
    theirs.train(train)
    ours.train(train)
    return ours, theirs, inputs, {k: v for k, v in masks.items() if v is not None}, R


@pytest.mark.parametrize("seed", range(48))
def test_random_configuration_matches_torch(seed):
    ours, theirs, inputs, masks, R = _case(seed)
    tin = [torch.tensor(a, requires_grad=True) for a in inputs]
    oin = [Tensor(a, requires_grad=True) for a in inputs]
    tmasks = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
    tout, oout = theirs(*tin, **tmasks), ours(*oin, **masks)
    _close(oout, tout, "output")
    assert not np.isnan(oout.data).any()
    g = R.standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(g))
    oout.backward(g)
    for i, (a, b) in enumerate(zip(oin, tin)):
        _close(a.grad, b.grad, f"input {i} grad")
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        want = tp[name].grad if tp[name].grad is not None else torch.zeros(tp[name].shape)
        _close(p.grad if p.grad is not None else np.zeros(p.shape), want, name + " grad")


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_fully_padded_sequence_gives_numbers_as_torch(mode):
    """A batch element whose keys are all padded: torch's plain path (batch_first=False, or
    training) gives finite numbers (attention over nothing is 0), ours too, gradients too."""
    theirs = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, **F64)
    ours = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)
    ours.load_state_dict(theirs.state_dict())
    theirs.train(mode == "train")
    ours.train(mode == "train")
    x = np.random.default_rng(5).standard_normal((3, 2, 4))
    kp = np.array([[True] * 3, [False, True, False]])
    tx, ox = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    t, o = theirs(tx, src_key_padding_mask=torch.tensor(kp)), ours(ox, src_key_padding_mask=kp)
    _close(o, t, "output")
    assert np.isfinite(o.data).all()
    t.sum().backward()
    o.sum().backward()
    _close(ox.grad, tx.grad, "grad")


def test_zero_layer_stacks_raise_as_torch():
    """Regression (hXF): TransformerEncoder / TransformerDecoder / Transformer built with 0
    layers returned their input (the norm of it) where torch's forward raises IndexError."""
    x = Tensor(np.random.default_rng(0).standard_normal((3, 2, 4)))
    layer, dlayer = nn.TransformerEncoderLayer(4, 2, 8), nn.TransformerDecoderLayer(4, 2, 8)
    with pytest.raises(IndexError, match="TransformerEncoder.forward: num_layers is 0"):
        nn.TransformerEncoder(layer, 0)(x)
    with pytest.raises(IndexError, match="TransformerDecoder.forward: num_layers is 0"):
        nn.TransformerDecoder(dlayer, 0)(x, x)
    with pytest.raises(IndexError, match="num_layers is 0"):
        nn.Transformer(4, 2, 0, 1, 8)(x, x)
    with pytest.raises(IndexError, match="num_layers is 0"):
        nn.Transformer(4, 2, 1, 0, 8)(x, x)
    with pytest.raises(IndexError):
        torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, 8), 0)(
            torch.tensor(x.data))


@pytest.mark.parametrize("build", [
    lambda m: m.TransformerEncoderLayer(5, 2), lambda m: m.TransformerDecoderLayer(6, 4),
    lambda m: m.Transformer(5, 2, 1, 1)])
def test_d_model_not_divisible_by_nhead_raises(build):
    with pytest.raises(AssertionError, match="divisible by num_heads"):  # torch's
        build(torch.nn)
    with pytest.raises(ValueError, match="divisible by num_heads"):
        build(nn)


@pytest.mark.parametrize("kw", [{"src_mask": np.zeros((2, 3), bool)},
                                {"src_mask": np.zeros((2, 3, 3), bool)},
                                {"src_mask": np.zeros((3,), bool)},
                                {"src_key_padding_mask": np.zeros((2, 2), bool)},
                                {"src_key_padding_mask": np.zeros((3, 2), bool)}])
def test_bad_mask_shapes_raise_as_torch(kw):
    x = np.zeros((3, 2, 4))
    with pytest.raises((RuntimeError, AssertionError)):
        torch.nn.TransformerEncoderLayer(4, 2, 8, **F64)(torch.tensor(x),
                                                  **{k: torch.tensor(v) for k, v in kw.items()})
    with pytest.raises(ValueError, match="MultiheadAttention: .*mask must have shape"):
        nn.TransformerEncoderLayer(4, 2, 8)(Tensor(x), **kw)


def test_generate_square_subsequent_mask_matches_torch():
    for sz in (0, 1, 4):
        want = torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=torch.float64)
        _close(nn.Transformer.generate_square_subsequent_mask(sz), want, f"sz={sz}")
