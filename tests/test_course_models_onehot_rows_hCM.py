"""hand_gradients takes the labels loss() takes (hCM): class indices (n,), or rows (n, K) of
class probabilities: one-hot (the course's Y, in any number type) or soft. Before, rows were
refused ("expected X (n, d) and y (n,)") while the cost and accuracy() took them."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl.models import KLayer, OneLayer, TwoLayer

torch = pytest.importorskip("torch")

MODELS = [
    lambda: OneLayer(4, 3, lam=0.1, init="xavier", rng=np.random.default_rng(0)),
    lambda: TwoLayer(4, 5, 3, lam=0.2, rng=np.random.default_rng(0)),
    lambda: KLayer(4, [5, 4], 3, batch_norm=True, dropout=0.3, lam=0.1,
                   rng=np.random.default_rng(0)),
]


def batch(seed=1, n=6):
    rs = np.random.default_rng(seed)
    return rs.standard_normal((n, 4)), rs.integers(0, 3, n), rs


def fixed(model, rs, n):
    """Every Dropout with a fixed keep mask, so that loss() and hand_gradients() share it."""
    width = None
    for m in model.layers:
        width = m.W.data.shape[0] if hasattr(m, "W") else width
        if hasattr(m, "fix_mask"):
            m.fix_mask(rs.random((n, width)) >= m.p)
    return model


@pytest.mark.parametrize("build", MODELS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, bool])
def test_one_hot_rows_give_the_index_gradient_bit_for_bit(build, dtype):
    X, y, rs = batch()
    model = fixed(build(), rs, len(X))
    saved = {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
    by_index = model.hand_gradients(X, y)
    model.load_state_dict(saved)
    by_rows = model.hand_gradients(X, np.eye(3, dtype=dtype)[y])
    assert list(by_rows) == list(by_index)
    for k in by_index:
        np.testing.assert_array_equal(by_rows[k], by_index[k])


@pytest.mark.parametrize("build", MODELS)
def test_soft_rows_match_autograd_and_torch(build):
    X, _, rs = batch(2)
    for Y in (rs.dirichlet(np.ones(3), len(X)), rs.standard_normal((len(X), 3))):
        model = fixed(build(), rs, len(X))
        saved = {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
        model.loss(X, Y).backward()
        model.load_state_dict(saved)
        hand = model.hand_gradients(X, Y)
        logits = torch.tensor(model(X).data, requires_grad=True)  # dJ/dS from torch
        torch.nn.functional.cross_entropy(logits, torch.tensor(Y)).backward()
        model.load_state_dict(saved)
        G = model.hand_gradients(X, Y)
        for name, p in model.named_parameters():
            np.testing.assert_allclose(hand[name], p.grad, rtol=1e-11, atol=1e-15)
            np.testing.assert_array_equal(G[name], hand[name])
        if isinstance(model, OneLayer):  # dJ/dW = G^T X + 2 lam W with torch's G
            W = model.layers[0].W.data
            ref = logits.grad.numpy().T @ X + 2 * model.lam * W
            np.testing.assert_allclose(hand["layers.0.W"], ref, rtol=1e-12, atol=1e-15)


def test_rows_of_another_width_are_still_refused_in_one_line():
    X, y, _ = batch()
    with pytest.raises(ValueError, match=r"hand_gradients: expected X \(n, 4\) and y \(n,\) "
                                         r"\(or one-hot / soft rows \(n, 3\)\), got \(6, 4\) "
                                         r"and \(6, 4\)"):
        MODELS[0]().hand_gradients(X, np.eye(4)[y])
