"""The course models' hand_gradients against autograd and central finite differences (float64)
over their configurations, their side effects against loss()'s, and the checkers' verdicts."""

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.gradcheck import compare_gradients, numerical_grad, relative_error
from tinygrad_dl.models import CharRNN, KLayer, OneLayer, TwoLayer
from tinygrad_dl.nn import BatchNorm1d, Dropout, ReLU, Sequential


def autograd(model, loss):
    model.zero_grad()
    loss.backward()
    return {n: (np.zeros_like(p.data) if p.grad is None else p.grad.copy())
            for n, p in model.named_parameters()}


def assert_matches(model, X, y, numeric=True):
    """hand == autograd to 1e-10 (same keys, order and dtype), and both == finite differences."""
    auto = autograd(model, model.loss(X, y))
    hand = model.hand_gradients(X, y)
    assert list(hand) == list(auto)
    for name, p in model.named_parameters():
        assert hand[name].dtype == auto[name].dtype == p.data.dtype, name
        assert relative_error(hand[name], auto[name]).max(initial=0) < 1e-10, name
        if numeric:
            num = numerical_grad(lambda _: float(model.loss(X, y).data), p.data)
            # (n = 2 batch norm: gradients ~1e-6, the stencil's rounding ~1e-12 absolute)
            np.testing.assert_allclose(auto[name], num, rtol=1e-7, atol=1e-9, err_msg=name)


def batch(n, d, K, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, n)
    y[:2] = 0  # duplicate labels
    return rng.standard_normal((n, d)), y


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_one_and_two_layer_match_over_sizes(K, n, lam):
    X, y = batch(n, 3, K)
    assert_matches(OneLayer(3, K, lam=lam, std=0.5, rng=np.random.default_rng(1)), X, y)
    for m in (1, 3):
        assert_matches(TwoLayer(3, m, K, lam=lam, rng=np.random.default_rng(1)), X, y)


@pytest.mark.parametrize("hidden", [[], [1], [3, 2], [3, 2, 4, 1, 3]])
@pytest.mark.parametrize("bn,mode,n", [(False, "train", 1), (True, "train", 2),
                                       (True, "train", 5), (True, "eval", 1)])
def test_k_layer_matches_over_depths_and_modes(hidden, bn, mode, n):
    model = KLayer(3, hidden, 2, batch_norm=bn, lam=0.2, rng=np.random.default_rng(1))
    if bn:  # running statistics of other batches, not this one's
        model.loss(*batch(6, 3, 2, seed=9))
    if mode == "eval":
        model.eval()
    assert_matches(model, *batch(n, 3, 2), numeric=len(hidden) < 5)


def test_k_layer_dropout_same_masks_state_and_grads_as_loss():
    """Seeded dropout + batch norm: hand_gradients draws the masks loss() draws and moves the
    running averages as loss() does, call after call."""
    X, y = batch(5, 4, 3)

    def make():
        return KLayer(4, [3, 2], 3, dropout=0.4, lam=0.1, rng=np.random.default_rng(7))

    a, b = make(), make()
    for _ in range(3):
        auto = autograd(a, a.loss(X, y))
        hand = b.hand_gradients(X, y)
        for k in auto:
            assert relative_error(hand[k], auto[k]).max() < 1e-10
        sa, sb = a.state_dict(), b.state_dict()
        for k in sa:
            np.testing.assert_array_equal(np.asarray(sa[k]), np.asarray(sb[k]))


def test_k_layer_fixed_dropout_mask_against_finite_differences():
    X, y = batch(5, 4, 3)
    model = KLayer(4, [3, 2], 3, dropout=0.5, lam=0.1, rng=np.random.default_rng(7))
    rng = np.random.default_rng(3)
    for drop, h in zip((m for m in model.layers if isinstance(m, Dropout)), (3, 2)):
        drop.fix_mask(rng.random((5, h)) > 0.5)
    assert_matches(model, X, y)


@pytest.mark.parametrize("kw", [{"affine": False}, {"bias": False},
                                {"track_running_stats": False}, {"momentum": None}])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_k_layer_with_a_replaced_batch_norm_of_torch_options(kw, mode):
    """A batch norm without gamma/beta or without running averages (PyTorch's switches) in
    model.layers: hand_gradients raised AttributeError/TypeError on None; now gamma 1, beta 0,
    and the batch's statistics in eval where there are no running ones, as the forward."""
    X, y = batch(5, 4, 3)
    model = KLayer(4, [3], 3, rng=np.random.default_rng(1))
    model.layers[1] = BatchNorm1d(3, **kw)
    model.loss(X * 2 + 1, y)
    if mode == "eval":
        model.eval()
    assert_matches(model, X, y)


def test_k_layer_batch_norm_eps_zero_refused_like_loss():
    """loss() refuses eps=0 with batch statistics; hand_gradients gave numbers (1/sqrt(v))."""
    X, y = batch(5, 4, 3)
    model = KLayer(4, [3], 3, rng=np.random.default_rng(1))
    model.layers[1].eps = 0.0
    with pytest.raises(ValueError, match="eps"):
        model.loss(X, y)
    with pytest.raises(ValueError, match="eps"):
        model.hand_gradients(X, y)


def test_k_layer_leading_relu_leaves_callers_batch():
    """A model whose first module is not a Linear: hand_gradients clipped the caller's X to
    >= 0 in place (np.maximum(X, 0, out=X)) and then failed on a shape mismatch."""
    X, y = batch(5, 4, 3)
    X0 = X.copy()
    model = KLayer(4, [3], 3, batch_norm=False, rng=np.random.default_rng(1))
    model.layers = Sequential(ReLU(), *list(model.layers))
    assert_matches(model, X, y)
    np.testing.assert_array_equal(X, X0)


def test_compare_gradients_leaves_running_statistics():
    """Each finite-difference call of a training-mode batch norm moved its running averages
    (~300 batches counted by one check): the model's buffers are restored."""
    X, y = batch(5, 4, 3)
    model = KLayer(4, [3], 3, rng=np.random.default_rng(1))
    model.loss(X * 3 - 1, y)  # a trained model's averages
    before = {k: np.array(v, copy=True) for k, v in model.named_buffers()}
    compare_gradients(model, lambda: model.loss(X, y), lambda: model.hand_gradients(X, y))
    for k, v in model.named_buffers():
        np.testing.assert_array_equal(v, before[k])


def test_compare_gradients_catches_a_wrong_hand_gradient():
    X, y = batch(5, 4, 3)
    model = KLayer(4, [3, 2], 3, lam=0.1, rng=np.random.default_rng(1))

    def wrong():
        g = model.hand_gradients(X, y)
        g["layers.1.gamma"] = g["layers.1.gamma"] * 1.001
        return g

    rows = {r["parameter"]: r for r in compare_gradients(
        model, lambda: model.loss(X, y), wrong).rows}
    assert rows["layers.1.gamma"]["hand vs numerical"] > 1e-4
    assert rows["layers.1.gamma"]["autograd vs numerical"] < 1e-7
    assert max(r["hand vs autograd"] for k, r in rows.items() if k != "layers.1.gamma") < 1e-10


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("T", [1, 4])
@pytest.mark.parametrize("h0", ["none", "array", "learned"])
def test_char_rnn_matches_with_loss_and_h_last(fused, T, h0):
    rng = np.random.default_rng(T)
    model = CharRNN(5, 4, std=0.5, rng=np.random.default_rng(3), fused=fused)
    X, Y = rng.integers(0, 5, T), rng.integers(0, 5, T)
    h = rng.standard_normal(4) * 0.5
    h0 = {"none": None, "array": h, "learned": Tensor(h, requires_grad=True)}[h0]
    loss = model.loss(X, Y, h0)
    auto, h_last = autograd(model, loss), model.h_last.copy()
    hand = model.hand_gradients(X, Y, h0)
    assert model.last_loss == float(loss.data)
    np.testing.assert_array_equal(model.h_last, h_last)
    for name, p in model.named_parameters():
        assert relative_error(hand[name], auto[name]).max() < 1e-10
        num = numerical_grad(lambda _: float(model.loss(X, Y, h0).data), p.data)
        assert relative_error(hand[name], num).max() < 1e-7
