"""Review of the sequence and attention modules against torch 2.13: torch names that torch
scripts call and that were missing. `nn.Embedding.from_pretrained` (an AttributeError before:
loading word vectors), its padding_idx given by position (torch's third argument; the error said
"0 is not a device"), and RNN/LSTM/GRU's `flatten_parameters()` (called after moving a model,
e.g. under DataParallel: an AttributeError before) and `all_weights`. And a jitted step with
an Embedding of padding_idx (or int32 indices) never replayed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)


@pytest.mark.parametrize("freeze", [True, False])
@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_embedding_from_pretrained_is_torchs(freeze, padding_idx):
    W = R.standard_normal((5, 3))
    ours = nn.Embedding.from_pretrained(W, freeze=freeze, padding_idx=padding_idx)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(W), freeze=freeze,
                                                padding_idx=padding_idx)
    assert ours.padding_idx == theirs.padding_idx
    assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
    np.testing.assert_array_equal(ours.weight.data, W)  # (the padding row is not zeroed)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert len(ours.parameters()) == len(list(theirs.parameters())) == 1
    idx = np.array([[1, 4, 1], [0, 2, 4]])
    w = R.standard_normal((2, 3, 3))
    out, want = ours(idx), theirs(torch.tensor(idx))
    np.testing.assert_array_equal(out.data, want.detach().numpy())
    assert out.requires_grad == want.requires_grad
    if not freeze:  # the padding row gets no gradient, as torch's
        (out * Tensor(w)).sum().backward()
        (want * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12)


def test_embedding_from_pretrained_refuses_in_one_line():
    W = R.standard_normal((4, 2))
    for kwargs, match in [({"sparse": True}, "sparse=True is not supported"),
                          ({"padding_idx": 4}, r"padding_idx must be an integer in \[-4, 4\)")]:
        with pytest.raises(ValueError, match=match):
            nn.Embedding.from_pretrained(W, **kwargs)
    with pytest.raises(ValueError, match="embeddings must be a 2-D float table"):
        nn.Embedding.from_pretrained(W[0])
    with pytest.raises(TypeError, match="the table must hold floats"):  # (as EmbeddingBag's)
        nn.Embedding.from_pretrained(W.astype(np.int64))


@pytest.mark.parametrize("kind, kwargs", [
    ("RNN", {}), ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
    ("LSTM", {"num_layers": 2, "bias": False})])
def test_rnn_flatten_parameters_and_all_weights_are_torchs(kind, kwargs):
    ours, theirs = getattr(nn, kind)(3, 4, **kwargs), getattr(torch.nn, kind)(3, 4, **kwargs)
    assert ours.flatten_parameters() is None  # (a no-op: nothing to compact on the CPU)
    theirs.flatten_parameters()
    names = {id(p): n for n, p in ours.named_parameters()}
    their_names = {id(p): n for n, p in theirs.named_parameters()}
    assert ([[names[id(w)] for w in group] for group in ours.all_weights]
            == [[their_names[id(w)] for w in group] for group in theirs.all_weights])


def test_embedding_padding_idx_by_position_names_the_fix():
    """torch's `nn.Embedding(10, 4, 0)` (padding_idx third) said "0 is not a device"."""
    with pytest.raises(TypeError, match=r"torch's is padding_idx\); pass padding_idx=0 by "):
        nn.Embedding(10, 4, 0)
    assert nn.Embedding(10, 4, padding_idx=0).padding_idx == 0


@pytest.mark.parametrize("padding_idx, dtype", [(0, np.int64), (-1, np.int64), (None, np.int32),
                                                (2, np.uint8)])
def test_embedding_with_padding_idx_or_small_int_indices_replays_under_jit(padding_idx, dtype):
    """The padding mask was NumPy's `idx != p` and int32 indices NumPy's astype copy: per-step
    data, so a jitted step never replayed (a RuntimeWarning, then eager on every call)."""
    from tinygrad_dl.jit import jit

    tables = [nn.Embedding(6, 3, padding_idx=padding_idx, rng=np.random.default_rng(0))
              for _ in range(2)]

    def make(e):
        def step(idx):
            out = e(idx)
            (out * out).sum().backward()
            return out
        return step

    eager, jitted = make(tables[0]), jit(make(tables[1]))
    rng = np.random.default_rng(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a step that cannot be replayed warns)
        for _ in range(4):
            idx = rng.integers(0, 6, (4, 2)).astype(dtype)
            for e in tables:
                e.zero_grad()
            a, b = eager(idx), jitted(idx)
            np.testing.assert_array_equal(a.data, b.data)
            np.testing.assert_array_equal(tables[0].weight.grad, tables[1].weight.grad)
    if padding_idx is not None:
        assert not tables[1].weight.grad[padding_idx % 6].any()
