"""The course models' evaluation helpers, each case a silent wrong number before (found
2026-12-03): accuracy() broadcast a (n, 1) or one-hot y into a wrong mean, predict() put every
submodule back in the model's own mode (a batch norm frozen with .eval() moved its running mean
again, a dropout turned off came back on), hand_gradients wrapped a label -1 to the last class,
and KLayer.hand_gradients on one row in training mode gave all-zero gradients and a zero
running variance where loss() refuses."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl.models import KLayer, OneLayer, TwoLayer
from tinygrad_dl.train import evaluate


def _data(n=6, d=3, K=4, seed=6):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, K, n)


def test_accuracy_reads_one_hot_rows_and_refuses_other_shapes():
    X, y = _data()
    m = OneLayer(3, 4, rng=np.random.default_rng(1), init="he")
    right = float(np.mean(m.predict(X) == y))
    assert m.accuracy(X, y) == right
    assert m.accuracy(X, np.eye(4)[y]) == right  # as loss() takes them
    assert evaluate(m, X, np.eye(4)[y])["acc"] == right
    for bad in (y[:, None], y[:1], np.eye(4)[y][:, :3]):
        with pytest.raises(ValueError, match=r"OneLayer.accuracy: expected labels \(n,\) = "
                                             r"\(6,\) or one-hot rows \(6, 4\)"):
            m.accuracy(X, bad)
    bad = y.copy()
    bad[0] = -1
    with pytest.raises(ValueError, match="labels must be in"):
        m.accuracy(X, bad)


def test_predict_leaves_each_module_in_its_own_mode():
    X, y = _data(8, 6, 3, seed=0)
    k = KLayer(6, [5], 3, dropout=0.5, rng=np.random.default_rng(1))
    k.loss(X * 3 + 2, y)  # running statistics of another batch
    bn, drop = k.layers[1], k.layers[3]
    bn.eval()
    drop.eval()  # frozen batch norm, dropout off, the rest in training mode
    rm, before = bn.running_mean.copy(), k.loss(X, y).item()
    k.predict(X)
    k.accuracy(X, y)
    evaluate(k, X, y)
    assert [m.training for m in k.layers] == [True, False, True, False, True]
    np.testing.assert_array_equal(bn.running_mean, rm)
    assert k.loss(X, y).item() == before


@pytest.mark.parametrize("model", [
    lambda: OneLayer(3, 4, rng=np.random.default_rng(1)),
    lambda: TwoLayer(3, 5, 4, rng=np.random.default_rng(1)),
    lambda: KLayer(3, [5], 4, rng=np.random.default_rng(1)),
])
def test_hand_gradients_refuse_labels_out_of_range(model):
    X, _ = _data()
    m = model()
    for y in (np.array([-1, 0, 1, 2, 3, 0]), np.array([4, 0, 1, 2, 3, 0])):
        with pytest.raises(ValueError, match=r"hand_gradients: labels must be in \[0, 4\)"):
            m.hand_gradients(X, y)


def test_klayer_hand_gradients_refuse_one_row_in_training_mode_as_loss_does():
    X, y = _data(1, 5, 3, seed=0)
    m = KLayer(5, [6], 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch norm expects more than 1 row"):
        m.hand_gradients(X, y)
    with pytest.raises(ValueError, match="more than 1 row"):
        m.loss(X, y)
    np.testing.assert_array_equal(m.layers[1].running_var, np.ones(6))  # untouched
    m.eval()
    g = m.hand_gradients(X, y)  # eval mode: the running statistics, one row is fine
    assert any(np.abs(v).max() > 0 for k, v in g.items() if k.startswith("layers.0"))
