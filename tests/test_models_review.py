"""Review of the course models: the hand-derived gradients follow each module's own mode, and
the models compute with the layers they hold now (one replaced or deleted after construction),
as loss() and named_parameters() do."""

from types import SimpleNamespace

import numpy as np
import pytest

from tinygrad_dl.models import ConvNet, KLayer, TwoLayer
from tinygrad_dl.nn import BatchNorm1d, Conv2d, Dropout, Linear
from tinygrad_dl.train import fit


def _data(n=5, d=4, K=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, K, n)


def _hand_and_autograd(model, X, y):
    """hand_gradients and autograd's, each from the same state (both update BN statistics)."""
    state = {k: v.copy() for k, v in model.state_dict().items()}
    model.zero_grad()
    model.loss(X, y).backward()
    auto = {name: p.grad for name, p in model.named_parameters()}
    after_loss = {k: v.copy() for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    hand = model.hand_gradients(X, y)
    for k, v in model.state_dict().items():  # the same running statistics too
        np.testing.assert_allclose(v, after_loss[k], rtol=1e-13, atol=0, err_msg=k)
    return hand, auto


def _assert_same(hand, auto):
    assert list(hand) == list(auto)
    for k in auto:
        assert auto[k] is not None, f"{k}: no gradient from loss()"
        np.testing.assert_allclose(hand[k], auto[k], rtol=1e-10, atol=1e-14, err_msg=k)


@pytest.mark.parametrize("mixed", ["bn_eval", "dropout_eval", "only_bn_train",
                                   "only_dropout_train"])
def test_k_layer_hand_gradients_follow_each_modules_own_mode(mixed):
    """A batch norm frozen with bn.eval() in a training model (fine-tuning's habit) is affine in
    loss(), so it must be in hand_gradients too: model.training alone gave it batch statistics
    (and dropout to a Dropout set to eval), a gradient 0.5 off without a word."""
    X, y = _data()
    model = KLayer(4, [5, 5], 3, batch_norm=True, dropout=0.5, lam=0.1,
                   rng=np.random.default_rng(1))
    model.loss(X, y)  # running statistics of one batch
    rng = np.random.default_rng(2)
    bns = [m for m in model.layers if isinstance(m, BatchNorm1d)]
    drops = [m for m in model.layers if isinstance(m, Dropout)]
    for drop in drops:
        drop.fix_mask(rng.random((5, 5)) > 0.5)
    if mixed == "bn_eval":
        bns[0].eval()
    elif mixed == "dropout_eval":
        drops[1].eval()
    elif mixed == "only_bn_train":
        model.eval()
        bns[1].train()
    else:
        model.eval()
        drops[0].train()
    _assert_same(*_hand_and_autograd(model, X, y))


def test_k_layer_one_row_is_fine_when_every_batch_norm_is_in_eval():
    """The one-row refusal is batch norm's in training: with each BN in eval (the model in
    training), loss() takes one row, and so does hand_gradients."""
    X, y = _data(n=1)
    model = KLayer(4, [5], 3, batch_norm=True, lam=0.1, rng=np.random.default_rng(1))
    for m in model.layers:
        if isinstance(m, BatchNorm1d):
            m.eval()
    assert model.training
    _assert_same(*_hand_and_autograd(model, X, y))


def test_a_replaced_layer_is_the_one_the_model_runs_and_penalises():
    """`model.layers[2] = Linear(...)`: named_parameters() lists the new layer, so loss() must
    run it (and penalise its W): a forward kept from __init__ ran the old one, and the new
    weights got no gradient (never trained) while hand_gradients used them."""
    X, y = _data()
    model = TwoLayer(4, 6, 3, lam=0.1, rng=np.random.default_rng(1))
    old = model.layers[2]
    new = Linear(6, 3, init="he", rng=np.random.default_rng(5))
    model.layers[2] = new
    hand, auto = _hand_and_autograd(model, X, y)
    _assert_same(hand, auto)
    assert old.W.grad is None
    H = np.maximum(X @ model.layers[0].W.data.T + model.layers[0].b.data, 0)
    np.testing.assert_allclose(model(X).data, H @ new.W.data.T + new.b.data, rtol=1e-14)
    l2 = 0.1 * sum((m.W.data ** 2).sum() for m in (model.layers[0], new))
    ce = float(model.cross_entropy(X, y).item())
    assert float(model.loss(X, y).item()) == pytest.approx(ce + l2, rel=1e-14)


def test_a_replaced_activation_is_the_one_the_model_runs():
    X, _ = _data()
    model = TwoLayer(4, 6, 3, rng=np.random.default_rng(1))
    model.layers[1] = Dropout(0.5)  # (no parameters: nothing warned about the stale list)
    model.eval()
    pre = X @ model.layers[0].W.data.T + model.layers[0].b.data  # identity in eval
    np.testing.assert_allclose(model(X).data, pre @ model.layers[2].W.data.T
                               + model.layers[2].b.data, rtol=1e-13)


def test_k_layer_hand_gradients_after_layers_are_deleted():
    """Deleting the Dropout layers renumbers the Sequential as torch's; hand_gradients walks
    the layers as they are now, under their new names."""
    X, y = _data()
    model = KLayer(4, [5, 5], 3, batch_norm=True, dropout=0.5, lam=0.1,
                   rng=np.random.default_rng(1))
    del model.layers[7]
    del model.layers[3]
    assert not any(isinstance(m, Dropout) for m in model.layers)
    _assert_same(*_hand_and_autograd(model, X, y))


def test_convnet_still_penalises_its_conv_filters():
    model = ConvNet(None, 3, channels=[2], lam=0.5, image=(1, 4, 4),
                    rng=np.random.default_rng(0))
    X, y = _data(n=2, d=16)
    convs = [m for m in model.layers if isinstance(m, (Conv2d, Linear))]
    assert len(model.linears) == 2 and all(a is b for a, b in zip(model.linears, convs))
    l2 = 0.5 * sum((m.W.data ** 2).sum() for m in convs)
    assert float(model.loss(X, y).item()) == pytest.approx(
        float(model.cross_entropy(X, y).item()) + l2, rel=1e-13)


@pytest.mark.parametrize("swap", ["activation", "no_bias"])
def test_two_layer_hand_gradients_refuse_layers_they_are_not_written_for(swap):
    """loss() runs what model.layers holds; the course's backward is written for Linear, ReLU,
    Linear with biases: another module there is refused in one line (a Dropout in place of the
    ReLU was taken as a ReLU, a Linear without bias failed on None.data)."""
    X, y = _data()
    model = TwoLayer(4, 6, 3, rng=np.random.default_rng(1))
    if swap == "activation":
        model.layers[1] = Dropout(0.5)
    else:
        model.layers[2] = Linear(6, 3, bias=False)
    with pytest.raises(TypeError, match=r"TwoLayer.hand_gradients: .*Linear, ReLU, Linear") as e:
        model.hand_gradients(X, y)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("g, max_norm", [([3.0, 4.0], 5.0), ([0.6, 0.8], 1.0 + 5e-7),
                                         ([1e-7, 0.0], 1e-7), ([30.0, 40.0], 5.0),
                                         ([0.3, 0.4], 5.0)])
def test_clip_grad_norm_scales_as_torch_near_max_norm(g, max_norm):
    """torch multiplies by min(1, max_norm / (total + 1e-6)): a norm at (or within 1e-6
    below) max_norm is scaled too; `total > max_norm` left it as it was."""
    torch = pytest.importorskip("torch")
    from tinygrad_dl import Tensor
    from tinygrad_dl.optim import clip_grad_norm_
    ours = Tensor(np.zeros(2), requires_grad=True)
    ours.grad = np.array(g)
    theirs = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    theirs.grad = torch.tensor(g, dtype=torch.float64)
    n1 = clip_grad_norm_([ours], max_norm)
    n2 = torch.nn.utils.clip_grad_norm_([theirs], max_norm)
    assert float(n1) == pytest.approx(float(n2), rel=1e-15)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-15, atol=0)


def test_fit_keeps_a_batch_norm_frozen_by_the_user():
    """fit() called model.train() at its start (and end): a batch norm put in eval() on its
    own, to freeze its statistics, trained again, its running averages moving without a word.
    A model left wholly in eval mode still trains."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((40, 6)), rng.integers(0, 3, 40)
    data = SimpleNamespace(X_train=X, y_train=y, X_val=X[:10], y_val=y[:10])
    model = KLayer(6, [5], 3, batch_norm=True, rng=np.random.default_rng(0))
    bn = next(m for m in model.modules() if isinstance(m, BatchNorm1d))
    model(X)  # running statistics to freeze
    bn.eval()
    frozen = bn.running_mean.copy(), bn.running_var.copy()
    fit(model, data, epochs=2, n_batch=10, eta=0.01, progress=False)
    assert not bn.training and model.training
    np.testing.assert_array_equal(bn.running_mean, frozen[0])
    np.testing.assert_array_equal(bn.running_var, frozen[1])
    model.eval()  # wholly in eval mode: fit trains it, the batch norm's statistics move
    fit(model, data, epochs=1, n_batch=10, eta=0.01, progress=False)
    assert bn.training and not np.array_equal(bn.running_mean, frozen[0])
    # a frozen batch norm takes a batch of 1 row (the refusal is for training mode)
    bn.eval()
    fit(model, SimpleNamespace(X_train=X[:3], y_train=y[:3]), epochs=1, n_batch=1, eta=0.01,
        progress=False)


@pytest.mark.parametrize("build,match", [
    (lambda: KLayer(4, [True], 3), "KLayer: hidden sizes must be an integer, got True"),
    (lambda: TwoLayer(4, 5, 3, lam="0.1"), "TwoLayer: lam must be a number, got '0.1'"),
    (lambda: TwoLayer(4.5, 5, 3), "TwoLayer: d must be an integer, got 4.5"),
    (lambda: KLayer(4, [5], True), "KLayer: K must be an integer, got True"),
])
def test_constructor_arguments_refused_by_name(build, match):
    """Before: [True] built a hidden layer of 1 unit, lam='0.1' failed on a bare `<=`, d=4.5
    was truncated to 4 inputs, without a word."""
    with pytest.raises(TypeError, match=match) as e:
        build()
    assert "\n" not in str(e.value)
