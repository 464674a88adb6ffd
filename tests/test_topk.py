"""x.topk(k, dim, largest): PyTorch's (before: AttributeError), the values on the graph."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor


def test_top5_accuracy_the_way_pytorch_code_writes_it():
    rng = np.random.default_rng(0)
    logits = Tensor(rng.standard_normal((8, 10)))
    y = rng.integers(0, 10, 8)
    top5 = logits.topk(5, dim=1).indices.numpy()
    want = np.argsort(-logits.data, axis=1, kind="stable")[:, :5]
    np.testing.assert_array_equal(top5, want)
    hits = (top5 == y[:, None]).any(axis=1).mean()
    assert hits == np.mean([y[i] in want[i] for i in range(8)])


def test_values_and_gradients_match_torch_off_ties():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((3, 6))
    a[1, 3] = np.nan  # the largest, as in PyTorch
    for k, dim, largest in [(2, 1, True), (3, 1, False), (2, 0, True), (0, 1, True)]:
        x, xt = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        (v, i), (vt, it) = x.topk(k, dim, largest), xt.topk(k, dim, largest)
        np.testing.assert_array_equal(v.data, vt.detach().numpy())
        np.testing.assert_array_equal(i.data, it.numpy())
        w = np.arange(v.data.size, dtype=float).reshape(v.shape)
        (v * Tensor(w)).sum().backward()
        (vt * torch.tensor(w)).sum().backward()
        np.testing.assert_array_equal(np.nan_to_num(x.grad), np.nan_to_num(xt.grad.numpy()))


def test_ties_take_the_first_and_bad_k_is_refused():
    v, i = tg.topk(Tensor([2.0, 1.0, 2.0, 2.0]), 2)
    np.testing.assert_array_equal(i.data, [0, 2])  # a stable sort (PyTorch: unspecified)
    for k in (5, -1, 2.0, True):
        with pytest.raises(ValueError, match=r"topk: k must be an int in \[0, 4\]"):
            Tensor(np.ones(4)).topk(k)
