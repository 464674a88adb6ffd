"""nn.Embedding, PyTorch's (before: AttributeError): rows looked up by integer indices, the
gradient added into the rows looked up, indices checked on every batch (a replayed step too)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl.jit import jit


def test_lookup_and_gradient_are_the_tables_rows_repeated_indices_adding_up():
    e = nn.Embedding(5, 3, rng=np.random.default_rng(0))
    assert [n for n, _ in e.named_parameters()] == ["weight"] and e.weight.shape == (5, 3)
    idx = np.array([[0, 4], [4, 1]])
    out = e(idx)
    np.testing.assert_array_equal(out.data, e.weight.data[idx])
    g = np.arange(12.0).reshape(2, 2, 3)
    (out * Tensor(g)).sum().backward()
    want = np.zeros((5, 3))
    np.add.at(want, idx, g)  # row 4 looked up twice: both gradients
    np.testing.assert_array_equal(e.weight.grad, want)


def test_it_is_the_char_rnns_input_term_a_one_hot_row_times_the_table():
    e = nn.Embedding(6, 4, rng=np.random.default_rng(1))
    x = np.array([2, 5, 0])
    onehot = np.eye(6)[x]
    np.testing.assert_allclose(e(x).data, onehot @ e.weight.data, rtol=0, atol=0)


def test_bad_indices_raise_on_every_batch_replayed_too():
    e = nn.Embedding(5, 2)
    for bad, err in ((np.array([5]), ValueError), (np.array([-1]), ValueError),
                     (np.array([0.0, 1.0]), TypeError)):
        with pytest.raises(err, match="Embedding: indices must"):
            e(bad)

    @jit
    def step(i):
        e(i).sum().backward()

    for _ in range(3):
        e.weight.grad = None
        step(np.array([1, 2]))
    assert step.replays >= 1
    e.weight.grad = None
    with pytest.raises(ValueError, match=r"must lie in \[0, 5\)"):
        step(np.array([1, -1]))  # -1 would read row 4 without a word


def test_matches_torch_where_installed():
    torch = pytest.importorskip("torch")
    e = nn.Embedding(7, 3, rng=np.random.default_rng(2))
    et = torch.nn.Embedding(7, 3).double()
    et.weight.data = torch.tensor(e.weight.data.copy())
    idx = np.array([6, 0, 6, 3])
    w = np.random.default_rng(3).standard_normal((4, 3))
    (e(idx) * Tensor(w)).sum().backward()
    (et(torch.tensor(idx)) * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(e.weight.grad, et.weight.grad.numpy())
