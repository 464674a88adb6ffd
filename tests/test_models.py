"""The four course models: the hand-derived NumPy gradients must equal autograd's, and both
must equal finite differences; plus evaluation modes, state, init and text synthesis.

Finite differences use the 4-point stencil with h = 1e-4 (1e-3 for the smooth RNN) and the
course's relative error |ga - gn| / max(1e-6, |ga| + |gn|) < 1e-7. ReLU nets are piecewise
smooth: every finite-difference evaluation asserts that no ReLU input changed sign (no kink
straddled), so a seed that lands near a kink fails loudly instead of being papered over with a
looser tolerance.
"""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_dl import Tensor, no_grad
from tinygrad_dl.gradcheck import numerical_grad, relative_error
from tinygrad_dl.models import MODELS, CharRNN, KLayer, OneLayer, TwoLayer, build
from tinygrad_dl.nn import BatchNorm1d, Dropout, ReLU

H = 1e-4
H_SMOOTH = 1e-3  # the RNN has no kinks: a larger h cuts roundoff (ulp(L) / h) on its summed loss
TOL_HAND_AUTO = 1e-10
TOL_NUMERIC = 1e-7


def data(n=5, d=8, K=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, K, n)


def autograd(model, *args):
    model.zero_grad()
    model.loss(*args).backward()
    return {name: p.grad for name, p in model.named_parameters()}


def relu_signs(model, X):
    """The sign pattern of every ReLU input of a classifier on X (current mode)."""
    signs = []
    h = Tensor(X)
    with no_grad():
        for mod in model.layers:
            if isinstance(mod, ReLU):
                signs.append(h.data > 0)
            h = mod(h)
    return np.concatenate([s.ravel() for s in signs]) if signs else np.zeros(0, bool)


def numeric(model, *args):
    """Finite-difference gradient of model.loss(*args) for every parameter."""
    X = args[0]
    ref = relu_signs(model, X) if not isinstance(model, CharRNN) else None
    straddled = []

    def f(_):
        if ref is not None and not np.array_equal(relu_signs(model, X), ref):
            straddled.append(True)
        return model.loss(*args).data

    h = H_SMOOTH if ref is None else H
    out = {name: numerical_grad(f, p.data, h=h, order=4) for name, p in model.named_parameters()}
    assert not straddled, "finite differences straddle a ReLU kink: choose another seed"
    return out


def max_err(a, b):
    return max(relative_error(a[k], b[k]).max() for k in a)


def check_gradients(model, *args):
    auto = autograd(model, *args)
    hand = model.hand_gradients(*args)
    assert list(hand) == list(auto), "hand_gradients must be keyed like named_parameters()"
    for k in auto:
        assert hand[k].shape == auto[k].shape and hand[k].dtype == auto[k].dtype, k
    num = numeric(model, *args)
    e_ha, e_an, e_hn = max_err(hand, auto), max_err(auto, num), max_err(hand, num)
    print(f"{type(model).__name__}: hand/auto {e_ha:.1e}, auto/numeric {e_an:.1e}, "
          f"hand/numeric {e_hn:.1e}")
    assert e_ha < TOL_HAND_AUTO, f"hand vs autograd: {e_ha:.2e}"
    assert e_an < TOL_NUMERIC, f"autograd vs finite differences: {e_an:.2e}"
    assert e_hn < TOL_NUMERIC, f"hand vs finite differences: {e_hn:.2e}"
    return auto


# ---- gradients: hand == autograd == finite differences -----------------------------------
@pytest.mark.parametrize("lam", [0.0, 0.1])
@pytest.mark.parametrize("init", ["gaussian", "he"])
def test_one_layer_gradients(lam, init):
    X, y = data(n=4, d=10, K=3)
    check_gradients(OneLayer(10, 3, lam=lam, init=init, rng=np.random.default_rng(1)), X, y)


@pytest.mark.parametrize("lam", [0.0, 0.1])
def test_two_layer_gradients(lam):
    X, y = data(n=5, d=8, K=4)
    model = TwoLayer(8, 6, 4, lam=lam, rng=np.random.default_rng(3))
    model.layers[0].b.data[:] = np.random.default_rng(2).standard_normal(6) * 0.1
    check_gradients(model, X, y)


@pytest.mark.parametrize("lam", [0.0, 0.05])
def test_k_layer_batchnorm_train_mode_gradients(lam):
    X, y = data(n=5, d=8, K=4)
    model = KLayer(8, [6, 5], 4, batch_norm=True, lam=lam, rng=np.random.default_rng(1))
    rng = np.random.default_rng(3)  # non-trivial gamma/beta so every term is exercised
    for bn in (m for m in model.layers if isinstance(m, BatchNorm1d)):
        bn.gamma.data[:] = rng.uniform(0.5, 1.5, bn.d)
        bn.beta.data[:] = rng.standard_normal(bn.d) * 0.3
    assert model.training
    grads = check_gradients(model, X, y)
    assert {"layers.1.gamma", "layers.1.beta", "layers.4.gamma"} <= grads.keys()


def test_k_layer_batchnorm_eval_mode_gradients():
    X, y = data(n=4, d=8, K=4, seed=5)
    model = KLayer(8, [6, 5], 4, lam=0.05, rng=np.random.default_rng(1))
    for seed in (6, 7, 8):  # some training batches for the running averages
        model.loss(*data(n=6, d=8, K=4, seed=seed))
    model.eval()
    check_gradients(model, X, y)


def test_k_layer_without_batchnorm_gradients():
    X, y = data(n=4, d=7, K=3, seed=1)
    model = KLayer(7, [6, 5], 3, batch_norm=False, lam=0.1, rng=np.random.default_rng(2))
    check_gradients(model, X, y)


@pytest.mark.parametrize("batch_norm", [True, False])
def test_k_layer_dropout_fixed_mask_gradients(batch_norm):
    X, y = data(n=5, d=8, K=4, seed=2)
    model = KLayer(8, [6, 6], 4, batch_norm=batch_norm, dropout=0.4, lam=0.02,
                   rng=np.random.default_rng(3))
    rng = np.random.default_rng(4)
    drops = [m for m in model.layers if isinstance(m, Dropout)]
    assert len(drops) == 2
    for drop in drops:
        keep = rng.random((5, 6)) > 0.4
        drop.fix_mask(keep)
    check_gradients(model, X, y)
    for drop in drops:  # both passes used the fixed masks
        assert np.array_equal(drop.mask != 0, drop.fixed_keep)


@pytest.mark.parametrize("name", ["one-layer", "two-layer", "k-layer"])
def test_hand_gradients_stay_finite_for_logits_past_exp_overflow(name):
    """The course's softmax shifts the logits by their row maximum before exp: with logits in
    the thousands (exp overflows past ~709) hand_gradients must still be finite and equal
    autograd's (whose cross_entropy is stable)."""
    X, y = data(n=6, d=8, K=4, seed=2)
    model = {"one-layer": lambda: OneLayer(8, 4, lam=0.1, rng=np.random.default_rng(1)),
             "two-layer": lambda: TwoLayer(8, 6, 4, lam=0.1, rng=np.random.default_rng(1)),
             "k-layer": lambda: KLayer(8, [6, 5], 4, lam=0.1, rng=np.random.default_rng(1)),
             }[name]()
    last = [m for m in model.layers if hasattr(m, "W")][-1]
    with no_grad():
        S = model(Tensor(X)).data
    last.W.data *= 3000.0 / np.abs(S).max()  # the logits now reach about 3000
    with no_grad():
        S = model(Tensor(X)).data
    assert np.abs(S).max() > 1000
    auto = autograd(model, X, y)
    hand = model.hand_gradients(X, y)
    for k in auto:
        assert np.isfinite(hand[k]).all(), k
        np.testing.assert_allclose(hand[k], auto[k], rtol=1e-9, atol=1e-9, err_msg=k)


def test_k_layer_alpha_reaches_every_batch_norm():
    """KLayer(alpha=...) is batch norm's running-average weight: every BatchNorm1d moves its
    averages as mu_av = alpha mu_av + (1 - alpha) mu with that alpha (not the default 0.9),
    and the config rebuilds a model with it."""
    alpha = 0.6
    model = KLayer(8, [6, 5], 4, alpha=alpha, rng=np.random.default_rng(1))
    bns = [m for m in model.layers if isinstance(m, BatchNorm1d)]
    assert len(bns) == 2 and all(bn.alpha == alpha for bn in bns)
    rebuilt = KLayer(**model.config())
    assert [m.alpha for m in rebuilt.layers if isinstance(m, BatchNorm1d)] == [alpha, alpha]
    model.train()
    rng = np.random.default_rng(4)
    means, vars_ = [], []
    for X in (rng.standard_normal((7, 8)), rng.standard_normal((7, 8)) + 2):
        h, mu, var = Tensor(X), [], []
        for mod in model.layers:  # the forward, noting what each batch norm is given
            if isinstance(mod, BatchNorm1d):
                mu.append(h.data.mean(axis=0))
                var.append(h.data.var(axis=0))
            h = mod(h)
        means.append(mu)
        vars_.append(var)
    for i, bn in enumerate(bns):  # the first batch sets the averages, the second moves them
        np.testing.assert_allclose(
            bn.running_mean, alpha * means[0][i] + (1 - alpha) * means[1][i], rtol=1e-12)
        np.testing.assert_allclose(
            bn.running_var, alpha * vars_[0][i] + (1 - alpha) * vars_[1][i], rtol=1e-12)


def test_rnn_bptt_gradients_with_nonzero_h0():
    rng = np.random.default_rng(0)
    model = CharRNN(5, m=4, std=0.5, rng=np.random.default_rng(1))
    model.b.data[:] = rng.standard_normal(4) * 0.2
    model.c.data[:] = rng.standard_normal(5) * 0.2
    X = np.array([0, 3, 1, 4, 4, 2, 0, 1])
    Y = np.array([3, 1, 4, 4, 2, 0, 1, 2])
    h0 = np.tanh(rng.standard_normal(4))
    grads = check_gradients(model, X, Y, h0)
    assert list(grads) == ["U", "W", "V", "b", "c"]


def test_rnn_fused_op_matches_the_unfused_graph():
    rng = np.random.default_rng(3)
    plain = CharRNN(5, m=4, std=0.5, rng=np.random.default_rng(1))
    fused = CharRNN(5, m=4, std=0.5, rng=np.random.default_rng(2), fused=True)
    fused.load_state_dict(plain.state_dict())
    X, Y, h0 = rng.integers(0, 5, 7), rng.integers(0, 5, 7), rng.standard_normal(4) * 0.5
    assert np.isclose(fused.loss(X, Y, h0).item(), plain.loss(X, Y, h0).item(), rtol=1e-13)
    np.testing.assert_allclose(fused.h_last, plain.h_last, rtol=1e-13)
    assert max_err(autograd(fused, X, Y, h0), fused.hand_gradients(X, Y, h0)) < TOL_HAND_AUTO
    assert fused.config()["fused"] is True


def test_rnn_unused_characters_get_zero_gradient():
    model = CharRNN(6, m=4, std=0.3, rng=np.random.default_rng(2))
    X, Y = np.array([1, 2, 1, 2, 1, 2]), np.array([2, 1, 2, 1, 2, 3])
    grads = check_gradients(model, X, Y, None)
    assert np.all(grads["U"][[0, 3, 4, 5]] == 0) and np.any(grads["U"][[1, 2]] != 0)


def normwise_err(a, b):
    """max |a - b| over all entries of all parameters / max |b|: floating-point noise scales
    with the whole gradient, and exactly-zero true gradients (batch norm is blind to the
    scale of each column of W, e.g. when that column has one input) are noise on both sides,
    which an elementwise measure with a 1e-6 floor would call a 1e-10 error."""
    scale = max(np.abs(v).max() for v in b.values())
    return max(np.abs(a[k] - b[k]).max() for k in b) / max(scale, np.finfo(np.float64).tiny)


@given(n=st.integers(1, 6), d=st.integers(1, 7), K=st.integers(2, 5), m=st.integers(1, 6),
       lam=st.sampled_from([0.0, 0.3]), seed=st.integers(0, 2**16))
def test_hand_equals_autograd_random_shapes(n, d, K, m, lam, seed):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, d)), rng.integers(0, K, n)
    for model in (OneLayer(d, K, lam=lam, rng=rng), TwoLayer(d, m, K, lam=lam, rng=rng),
                  KLayer(d, [m, m], K, batch_norm=n >= 3, lam=lam, rng=rng),
                  KLayer(d, [m, m], K, batch_norm=False, dropout=0.5, lam=lam, rng=rng)):
        for drop in (mod for mod in model.layers if isinstance(mod, Dropout)):
            drop.fix_mask(rng.random((n, m)) > 0.5)
        assert normwise_err(model.hand_gradients(X, y), autograd(model, X, y)) < 1e-12
    rnn = CharRNN(K, m=m, std=0.5, rng=rng)
    Xs, Ys = rng.integers(0, K, n), rng.integers(0, K, n)
    h0 = rng.standard_normal(m) * 0.5
    assert normwise_err(rnn.hand_gradients(Xs, Ys, h0), autograd(rnn, Xs, Ys, h0)) < 1e-12


def test_nine_layer_net_constructs_and_runs():
    hidden = [50, 30, 20, 20, 10, 10, 10, 10]
    X, y = data(n=20, d=12, K=10, seed=3)
    model = KLayer(12, hidden, 10, lam=0.005, rng=np.random.default_rng(0))
    assert len(model.linears) == 9
    assert [lin.W.shape for lin in model.linears][-2:] == [(10, 10), (10, 10)]
    J = model.loss(X, y)
    assert J.shape == () and np.isfinite(J.item())
    assert max_err(model.hand_gradients(X, y), autograd(model, X, y)) < TOL_HAND_AUTO
    assert model.predict(X).shape == (20,)


# ---- the cost, predictions, modes --------------------------------------------------------
def test_loss_is_mean_cross_entropy_plus_l2_of_weights_only():
    X, y = data(n=6, d=5, K=3)
    model = KLayer(5, [4], 3, batch_norm=False, lam=0.3, rng=np.random.default_rng(0))
    model.layers[0].b.data[:] = 1.0  # biases are not penalised
    W1, b1, W2, b2 = (p.data for p in model.parameters())
    S = np.maximum(X @ W1.T + b1, 0) @ W2.T + b2
    logp = S - S.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    ce = -logp[np.arange(6), y].mean()
    assert np.isclose(model.cross_entropy(X, y).item(), ce, rtol=1e-13)
    J = ce + 0.3 * ((W1**2).sum() + (W2**2).sum())
    assert np.isclose(model.loss(X, y).item(), J, rtol=1e-13)
    model.lam = 0.0  # settable
    assert np.isclose(model.loss(X, y).item(), ce, rtol=1e-13)


def test_batchnorm_gamma_beta_not_penalised():
    X, y = data(n=5, d=4, K=3)
    model = KLayer(4, [3], 3, lam=0.5, rng=np.random.default_rng(0))
    bn = model.layers[1]
    J0 = model.loss(X, y).item()
    bn.gamma.data *= 3.0  # scaling gamma only rescales S^, the L2 term must not move
    reg = 0.5 * sum((lin.W.data ** 2).sum() for lin in model.linears)
    assert np.isclose(model.loss(X, y).item() - model.cross_entropy(X, y).item(), reg)
    assert model.loss(X, y).item() != J0


def test_predict_and_accuracy():
    X, y = data(n=8, d=6, K=3)
    model = TwoLayer(6, 5, 3, rng=np.random.default_rng(0))
    pred = model.predict(X)
    assert pred.dtype == np.int64 and pred.shape == (8,)
    np.testing.assert_array_equal(pred, model(X).data.argmax(1))
    assert model.accuracy(X, y) == np.mean(pred == y)
    with pytest.raises(ValueError, match=r"expected X of shape \(n, 6\)"):
        model.predict(X[:, :5])


def test_batchnorm_eval_uses_running_averages():
    model = KLayer(6, [5], 3, rng=np.random.default_rng(0))
    bn = model.layers[1]
    for seed in range(4):
        model.loss(*data(n=10, d=6, K=3, seed=seed))
    assert int(bn.num_batches_tracked) == 4
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    X, _ = data(n=3, d=6, K=3, seed=9)
    pred = model.predict(X)  # eval mode inside; must not touch the averages
    assert np.array_equal(bn.running_mean, mean) and model.training
    lin0, lin1 = model.layers[0], model.layers[3]
    S = (X @ lin0.W.data.T - mean) / np.sqrt(var + bn.eps) * bn.gamma.data + bn.beta.data
    logits = np.maximum(S, 0) @ lin1.W.data.T + lin1.b.data
    np.testing.assert_array_equal(pred, logits.argmax(1))
    model.eval()
    np.testing.assert_allclose(model(X).data, logits, rtol=1e-12)
    one = model(X[:1]).data  # batch of one: fine in eval mode
    np.testing.assert_allclose(one, logits[:1], rtol=1e-12)


def test_dropout_inactive_in_eval():
    X, _ = data(n=6, d=5, K=3)
    model = KLayer(5, [8, 8], 3, batch_norm=False, dropout=0.5, rng=np.random.default_rng(0))
    h = X
    for lin in model.linears[:-1]:
        h = np.maximum(h @ lin.W.data.T + lin.b.data, 0)
    plain = h @ model.linears[-1].W.data.T + model.linears[-1].b.data
    model.eval()
    np.testing.assert_allclose(model(X).data, plain, rtol=1e-13)
    np.testing.assert_array_equal(model.predict(X), plain.argmax(1))
    model.train()
    assert not np.allclose(model(X).data, plain)


# ---- construction, names, state ----------------------------------------------------------
def test_named_parameters_names():
    assert [n for n, _ in OneLayer(4, 3).named_parameters()] == ["layers.0.W", "layers.0.b"]
    assert [n for n, _ in TwoLayer(4, 5, 3).named_parameters()] == [
        "layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b"]
    assert [n for n, _ in KLayer(4, [5, 6], 3).named_parameters()] == [
        "layers.0.W", "layers.1.gamma", "layers.1.beta", "layers.3.W", "layers.4.gamma",
        "layers.4.beta", "layers.6.W", "layers.6.b"]
    assert [n for n, _ in KLayer(4, [5], 3, batch_norm=False, dropout=0.1).named_parameters()] \
        == ["layers.0.W", "layers.0.b", "layers.3.W", "layers.3.b"]
    rnn = CharRNN(5, m=4)
    assert [(n, p.shape) for n, p in rnn.named_parameters()] == [
        ("U", (5, 4)), ("W", (4, 4)), ("V", (4, 5)), ("b", (4,)), ("c", (5,))]
    assert rnn.U.name == "U"  # names are set at construction


@pytest.mark.parametrize("name,kwargs,args", [
    ("one-layer", dict(d=6, K=3, lam=0.1), "clf"),
    ("two-layer", dict(d=6, m=5, K=3, lam=0.1, init="xavier"), "clf"),
    ("k-layer", dict(d=6, hidden=[5, 4], K=3, dropout=0.2, lam=0.1), "clf"),
    ("char-rnn", dict(K=5, m=4), "rnn"),
    ("char-rnn", dict(K=5, m=4, fused=True), "rnn"),
])
def test_config_and_state_dict_round_trip(name, kwargs, args):
    model = build(name, rng=np.random.default_rng(0), **kwargs)
    assert type(model) is MODELS[name] and model.name == name
    if args == "clf":
        X, y = data(n=6, d=6, K=3)
        model.loss(X, y)  # move any running averages
        model.eval()
        call = lambda m: m.loss(X, y).item()  # noqa: E731
    else:
        X = np.array([0, 1, 2, 3, 4])
        call = lambda m: m.loss(X, X[::-1]).item()  # noqa: E731
    cfg = model.config()
    cfg2 = json.loads(json.dumps(cfg))  # JSON-able
    clone = MODELS[name](**cfg2, rng=np.random.default_rng(99))
    assert call(clone) != call(model)
    clone.load_state_dict(model.state_dict())
    clone.train(model.training)
    assert call(clone) == call(model)
    assert clone.config() == cfg


def test_build_unknown_model():
    with pytest.raises(ValueError, match="unknown model 'three-layer'"):
        build("three-layer")


@pytest.mark.parametrize("init,expected", [("he", np.sqrt(2 / 1000)),
                                            ("xavier", np.sqrt(1 / 1000))])
def test_he_and_xavier_init_std(init, expected):
    model = KLayer(1000, [200, 200], 10, init=init, rng=np.random.default_rng(0))
    for lin in model.linears:
        exp = expected if lin.d_in == 1000 else np.sqrt((2 if init == "he" else 1) / 200)
        assert abs(lin.W.data.std() / exp - 1) < 0.03, lin
    one = OneLayer(1000, 10, rng=np.random.default_rng(0))  # the course: N(0, 0.01^2)
    assert abs(one.layers[0].W.data.std() / 0.01 - 1) < 0.03


def test_seeded_construction_is_deterministic_and_dtype():
    a = KLayer(6, [5], 3, rng=np.random.default_rng(3), dtype=np.float32)
    b = KLayer(6, [5], 3, rng=np.random.default_rng(3), dtype=np.float32)
    for (_, x), (_, y) in zip(a.named_parameters(), b.named_parameters()):
        assert x.dtype == np.float32 and np.array_equal(x.data, y.data)
    X, y = data(n=4, d=6, K=3)
    assert a.loss(X, y).dtype == np.float32
    assert all(g.dtype == np.float32 for g in a.hand_gradients(X, y).values())


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint64])
def test_char_rnn_refuses_indices_outside_its_alphabet_in_every_integer_dtype(dtype):
    """The range check is one max of X seen as unsigned where it can be: -1 (which U[X]
    would wrap to the last row) and K are refused in every integer dtype, K - 1 is not."""
    rnn = CharRNN(4, m=3, fused=False)
    Y = np.array([1, 1])
    rnn.loss(np.array([0, 3], dtype=dtype), Y)
    bad = [4] if np.dtype(dtype).kind == "u" else [4, -1]
    for b in bad:
        with pytest.raises(ValueError, match=r"X indices must lie in \[0, 4\)"):
            rnn.loss(np.array([0, b], dtype=dtype), Y)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="lam must be"):
        OneLayer(3, 2, lam=-1)
    with pytest.raises(ValueError, match="hand_gradients: expected X"):
        OneLayer(3, 2).hand_gradients(np.ones((2, 3)), np.array([0]))
    rnn = CharRNN(4, m=3)
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 4\)"):
        rnn.loss(np.array([0, 4]), np.array([1, 1]))
    with pytest.raises(ValueError, match="same length"):
        rnn.loss(np.array([0, 1]), np.array([1]))
    with pytest.raises(ValueError, match=r"h0 must have shape \(3,\)"):
        rnn.loss(np.array([0]), np.array([1]), h0=np.zeros(4))


# ---- CharRNN ------------------------------------------------------------------------------
def test_rnn_forward_matches_one_hot_equations_and_sets_h_last():
    rng = np.random.default_rng(0)
    model = CharRNN(6, m=5, std=0.3, rng=rng)
    model.b.data[:] = rng.standard_normal(5) * 0.1
    X, Y = rng.integers(0, 6, 7), rng.integers(0, 6, 7)
    h = h0 = rng.standard_normal(5) * 0.3
    U, W, V, b, c = (p.data for p in model.parameters())
    L = 0.0
    for x, yt in zip(X, Y):
        h = np.tanh(np.eye(6)[x] @ U + h @ W + b)  # one-hot x_t @ U == U[x_t]
        o = h @ V + c
        L += -(o[yt] - o.max() - np.log(np.exp(o - o.max()).sum()))
    assert np.isclose(model.loss(X, Y, h0).item(), L, rtol=1e-13)
    np.testing.assert_allclose(model.h_last, h, rtol=1e-13)
    model.h_last = None
    model.hand_gradients(X, Y, h0)
    np.testing.assert_allclose(model.h_last, h, rtol=1e-13)


def test_rnn_h_last_carries_across_sequences():
    model = CharRNN(5, m=4, std=0.5, rng=np.random.default_rng(0))
    seq = np.random.default_rng(1).integers(0, 5, 13)
    X, Y = seq[:-1], seq[1:]
    full = model.loss(X, Y).item()
    h_full = model.h_last
    first = model.loss(X[:5], Y[:5]).item()
    second = model.loss(X[5:], Y[5:], h0=model.h_last).item()
    assert np.isclose(first + second, full, rtol=1e-13)
    np.testing.assert_allclose(model.h_last, h_full, rtol=1e-13)


def test_rnn_graph_clusters_per_time_step():
    model = CharRNN(4, m=3, rng=np.random.default_rng(0))
    J = model.loss(np.array([0, 1, 2]), np.array([1, 2, 3]))
    scopes, seen, stack = set(), set(), [J]
    while stack:
        ctx = stack.pop()._ctx
        if ctx is not None and id(ctx) not in seen:
            seen.add(id(ctx))
            scopes.add(ctx.scope)
            stack.extend(ctx.parents)
    assert {"CharRNN/t=0", "CharRNN/t=1", "CharRNN/t=2"} <= scopes


def trained_rnn():
    """Weights large enough that p_t is far from uniform (greedy and sampled paths differ)."""
    rng = np.random.default_rng(0)
    model = CharRNN(6, m=5, std=1.0, rng=rng)
    model.c.data[:] = rng.standard_normal(6)
    return model


def test_synthesize_valid_and_deterministic():
    model = trained_rnn()
    h0 = np.zeros(5)
    a = model.synthesize(h0, 2, 50, rng=np.random.default_rng(5))
    b = model.synthesize(h0, 2, 50, rng=np.random.default_rng(5))
    c = model.synthesize(h0, 2, 50, rng=np.random.default_rng(6))
    assert a.dtype == np.int64 and a.shape == (50,)
    assert a.min() >= 0 and a.max() < 6
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert model.synthesize(None, 0, 0).shape == (0,)
    with pytest.raises(ValueError, match="x0 must be"):
        model.synthesize(h0, 6, 3)


def test_synthesize_temperature_to_zero_approaches_argmax():
    model = trained_rnn()
    U, W, V, b, c = (p.data for p in model.parameters())
    h, x, greedy = np.zeros(5), 1, []
    for _ in range(30):
        h = np.tanh(U[x] + h @ W + b)
        x = int(np.argmax(h @ V + c))
        greedy.append(x)
    assert np.array_equal(model.synthesize(None, 1, 30, temperature=0.0), greedy)
    cold = model.synthesize(None, 1, 30, temperature=1e-3, rng=np.random.default_rng(0))
    assert np.array_equal(cold, greedy)
    warm = model.synthesize(None, 1, 30, temperature=1.0, rng=np.random.default_rng(0))
    assert not np.array_equal(warm, greedy)


@pytest.mark.parametrize("fused", [False, True])
def test_synthesize_runs_forwards_recurrence_with_the_bias(fused):
    """Synthesis follows forward's recurrence, b included (b != 0 here: the course's init,
    and trained_rnn, leave it 0). Feeding the characters it sampled back through forward (the
    graph, fused or not) gives, step by step, the distributions they were drawn from: each
    draw is the inverse CDF of softmax(o_t) at u_t, the generator's next uniform, so forward's
    logits must reproduce every draw."""
    model = CharRNN(6, m=8, std=0.5, rng=np.random.default_rng(0), fused=fused)
    rng = np.random.default_rng(7)
    model.b.data[:] = rng.standard_normal(8)
    h0 = np.tanh(rng.standard_normal(8))
    n = 60

    def sample(m):
        return m.synthesize(h0, 2, n, temperature=1.0, rng=np.random.default_rng(11))

    out = sample(model)
    assert len(set(out.tolist())) >= 3  # a path that moves, not one stuck on a character
    O = model(np.concatenate([[2], out[:-1]]), h0).data  # every step's logits, from h0
    P = np.exp(O - O.max(axis=1, keepdims=True))
    cdf = np.cumsum(P, axis=1)
    u = np.random.default_rng(11).random(n)  # the uniforms the sampler drew, in order
    expected = [int(np.searchsorted(c, ut * c[-1], side="right")) for c, ut in zip(cdf, u)]
    np.testing.assert_array_equal(out, expected)
    model.b.data[:] = 0  # the check is sensitive to b: without it the path is another one
    assert not np.array_equal(sample(model), out)


def test_synthesize_samples_the_softmax_distribution():
    model = trained_rnn()
    U, W, V, b, c = (p.data for p in model.parameters())
    h = np.tanh(U[3] + b)
    for temperature in (1.0, 2.0):
        o = (h @ V + c) / temperature
        p = np.exp(o - o.max())
        p /= p.sum()
        rng = np.random.default_rng(1)
        draws = np.array([model.synthesize(None, 3, 1, temperature, rng)[0] for _ in range(4000)])
        freq = np.bincount(draws, minlength=6) / 4000
        assert np.abs(freq - p).max() < 4 * np.sqrt(p.max() / 4000), (freq, p)


def test_kink_guard_catches_a_straddled_relu():
    """The guard in numeric() is live: this seed puts a first-layer pre-activation 4e-4 from 0,
    inside the 2h |x| a finite difference moves it."""
    X, y = data(n=5, d=8, K=4)
    model = TwoLayer(8, 6, 4, rng=np.random.default_rng(1))
    model.layers[0].b.data[:] = np.random.default_rng(2).standard_normal(6) * 0.1
    with pytest.raises(AssertionError, match="straddle a ReLU kink"):
        numeric(model, X, y)
