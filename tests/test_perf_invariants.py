"""The performance shortcuts must not change a single bit: the folded lam, and the char-RNN
hand loop's loss value."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.functional import sum_of_squares
from tinygrad_dl.models import CharRNN


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_of_squares_scale_is_the_mul_by_lam_bit_for_bit(dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in [(7, 3), (3,), (4, 5)]]
    lam = 0.0137

    def run(fold):
        ws = [tg.Tensor(a.copy(), requires_grad=True) for a in arrays]
        out = sum_of_squares(*ws, scale=lam) if fold else sum_of_squares(*ws) * lam
        out.backward()
        return out.data, [w.grad for w in ws]

    (v1, g1), (v2, g2) = run(True), run(False)
    assert v1.dtype == v2.dtype == dtype and v1 == v2
    assert all(np.array_equal(a, b) for a, b in zip(g1, g2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_char_rnn_hand_gradients_exposes_the_loss(dtype):
    model = CharRNN(11, m=8, rng=np.random.default_rng(2), dtype=dtype)
    rng = np.random.default_rng(3)
    X, Y = rng.integers(0, 11, 9), rng.integers(0, 11, 9)
    h0 = rng.standard_normal(8) * 0.1
    assert model.last_loss is None
    model.hand_gradients(X, Y, h0)
    assert isinstance(model.last_loss, float)
    assert model.last_loss == model.loss(X, Y, h0).item()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_mean_as_sum_over_n_is_numpys_mean(dtype):
    from tinygrad_dl.functional import batch_norm

    x = (np.random.default_rng(4).standard_normal((37, 5)) * 5 + 2).astype(dtype)
    args = (np.ones(5, dtype), np.zeros(5, dtype))
    a = batch_norm(tg.Tensor(x), *map(tg.Tensor, args), 1e-8)  # (eps: constant gamma, beta)
    b = batch_norm(tg.Tensor(x), *map(tg.Tensor, args), 1e-8, mean=x.mean(axis=0))
    assert np.array_equal(a.data, b.data)
