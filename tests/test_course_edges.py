"""The course models and their loops at edge settings: each case gives the right numbers or one
clear line, never a silently wrong answer (a NaN temperature sampling the last character every
step, a negative dropout training without dropout, an eta dropped without a word, ...)."""

import copy
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_dl import Tensor, nn
from tinygrad_dl.data.text import CharData
from tinygrad_dl.gradcheck import relative_error
from tinygrad_dl.models import CharRNN, ConvNet, KLayer, OneLayer, TwoLayer
from tinygrad_dl.optim import AdaGrad
from tinygrad_dl.train.minibatch import fit
from tinygrad_dl.train.sequence import fit_rnn


def rnn(K=4, m=3):
    return CharRNN(K, m=m, std=0.5, rng=np.random.default_rng(0))


# ---- hand-derived gradients at edge settings (regression guards) ----------------------------
def _edge_cases():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5, 6)), rng.integers(0, 3, 5)
    r = np.random.default_rng(1)
    yield "one-layer, 1 sample", OneLayer(6, 3, lam=0.1, rng=r), (X[:1], y[:1])
    yield "one-layer, one class", OneLayer(6, 3, rng=r), (X, np.zeros(5, np.int64))
    yield "two-layer, m=1", TwoLayer(6, 1, 3, lam=0.1, rng=r), (X[:1], y[:1])
    yield "k-layer, k=1", KLayer(6, [], 3, lam=0.1, rng=r), (X, y)
    yield "k-layer, 9 layers", KLayer(6, [4] * 8, 3, lam=0.01, rng=r), (X, y)
    yield "k-layer, BN on 2 rows", KLayer(6, [4, 4], 3, rng=r), (X[:2], y[:2])
    yield "k-layer, BN variance 0", KLayer(6, [4], 3, rng=r), (np.ones((4, 6)), y[:4])
    yield "char-rnn, T=1, K=2, m=1, h0", CharRNN(2, m=1, std=0.5, rng=r), (
        np.array([1]), np.array([0]), np.array([0.3]))
    yield "char-rnn, K=1", CharRNN(1, m=3, std=0.5, rng=r), (np.zeros(4, np.int64),) * 2


@pytest.mark.parametrize("case", list(_edge_cases()), ids=lambda c: c[0])
def test_hand_gradients_equal_autograd_at_edge_settings(case):
    _, model, args = case
    hand_model = copy.deepcopy(model)  # (batch norm's running averages move with each call)
    model.zero_grad()
    model.loss(*args).backward()
    hand = hand_model.hand_gradients(*args)
    for name, p in model.named_parameters():
        err = relative_error(hand[name], p.grad).max()
        assert err < 1e-9, (name, err)


@pytest.mark.parametrize("fused", [False, True])
def test_an_h0_that_requires_grad_gets_its_gradient(fused):
    """Before: loss() read h0.data and left h0.grad None: a learned initial state never moved.
    dL/dh0 = da_1 W^T, checked against finite differences."""
    from tinygrad_dl import Tensor
    from tinygrad_dl.gradcheck import numerical_grad

    X, Y, h = np.array([0, 1, 2, 1]), np.array([1, 2, 0, 0]), np.array([0.1, -0.2])
    model = CharRNN(3, m=2, std=0.5, rng=np.random.default_rng(0), fused=fused)
    h0 = Tensor(h.copy(), requires_grad=True)
    model.loss(X, Y, h0).backward()
    num = numerical_grad(lambda _: model.loss(X, Y, h).data, h, h=1e-4)
    assert h0.grad is not None and relative_error(h0.grad, num).max() < 1e-7
    assert model.U.grad is not None


# ---- synthesis --------------------------------------------------------------------------------
def test_synthesize_refuses_a_nan_temperature():
    """Before: NaN passed `temperature < 0`, every p was NaN and searchsorted picked the last
    character, every step."""
    with pytest.raises(ValueError, match="temperature must be >= 0, got nan"):
        rnn().synthesize(None, 0, 5, temperature=float("nan"), rng=np.random.default_rng(0))


@pytest.mark.parametrize("temperature", [1.0, 0.0])
@pytest.mark.parametrize("where", ["weights", "h0"])
def test_synthesize_refuses_non_finite_scores(temperature, where):
    """Before: NaN weights (a diverged model) or a NaN h0 sampled the last character (or, greedy,
    the first) every step, as if it were text."""
    model, h0 = rnn(), None
    if where == "weights":
        model.V.data[0, 1] = np.nan
    else:
        h0 = np.full(3, np.nan)
    with pytest.raises(ValueError, match=r"synthesize: the scores o_t at character 0 are not "
                                         r"finite"):
        model.synthesize(h0, 0, 5, temperature=temperature, rng=np.random.default_rng(0))


@pytest.mark.parametrize("x0, n", [(1.7, 5), (1, 2.5)])
def test_synthesize_refuses_a_fractional_index_or_length(x0, n):
    """Before: int() truncated them: x0 1.7 started from character 1, n 2.5 gave 2 characters."""
    with pytest.raises(TypeError, match="synthesize: (x0|n) must be an integer"):
        rnn().synthesize(None, x0, n, rng=np.random.default_rng(0))


def test_synthesize_takes_numpy_integers_and_samples_softmax_over_temperature():
    model = rnn()
    model.U.data[...] = 0.0
    model.W.data[...] = 0.0  # h_t = 0 at every step: o_t = c, so p = softmax(c / T)
    model.c.data[...] = [0.0, 1.0, 2.0, -3.0]
    draws = model.synthesize(None, np.int64(0), np.int64(4000), temperature=0.5,
                             rng=np.random.default_rng(1))
    p = np.exp(model.c.data / 0.5)
    p /= p.sum()
    freq = np.bincount(draws, minlength=4) / len(draws)
    assert np.abs(freq - p).max() < 0.03, (freq, p)


# ---- constructors -----------------------------------------------------------------------------
@settings(deadline=None, max_examples=20)
@given(st.one_of(st.floats(max_value=-1e-12, allow_infinity=True), st.just(float("nan"))))
def test_k_layer_refuses_a_dropout_outside_0_1(p):
    """Before: a negative or NaN dropout built no Dropout layer (`dropout > 0` is False) and
    trained without dropout, without a word."""
    with pytest.raises(ValueError, match=r"KLayer: dropout must be in \[0, 1\)"):
        KLayer(6, [4], 3, dropout=p)


@pytest.mark.parametrize("build, message", [
    (lambda: KLayer(6, [4, 0], 3), "KLayer: hidden sizes must be >= 1, got 0"),
    (lambda: TwoLayer(6, 0, 3), r"TwoLayer: m \(hidden units\) must be >= 1, got 0"),
    (lambda: CharRNN(3, m=0), "CharRNN: m must be >= 1, got 0"),
])
def test_a_zero_hidden_size_is_one_clear_line(build, message):
    """Before: ZeroDivisionError from the init (KLayer, TwoLayer), or a CharRNN with m=0."""
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize("build", [
    lambda: CharRNN(3, m=2.5), lambda: KLayer(6, [2.5], 3), lambda: TwoLayer(6, 2.5, 3),
    lambda: ConvNet(None, 3, channels=[2], image=(3, 8.5, 8)),
    lambda: ConvNet(None, 3, channels=[2.5], image=(3, 8, 8)),
])
def test_a_fractional_size_is_refused_not_truncated(build):
    """Before: int() made m=2.5 a model of 2 hidden units (an 8.5-pixel side an 8)."""
    with pytest.raises(TypeError, match="must be an integer, got (2.5|8.5)"):
        build()


@pytest.mark.parametrize("init", ["he", "xavier", "gaussian", "pytorch"])
def test_a_layer_with_no_inputs_builds_under_every_init(init):
    """Before: He's and Xavier's std 1/fan_in raised ZeroDivisionError for Linear(0, 3)."""
    layer = nn.Linear(0, 3, init=init)
    assert layer.W.shape == (3, 0) and layer.b.data.tolist() == [0.0, 0.0, 0.0]
    assert layer(Tensor(np.zeros((2, 0)))).data.tolist() == [[0.0] * 3] * 2


@pytest.mark.parametrize("lam", [float("nan"), float("inf")])
def test_classifiers_refuse_a_non_finite_lambda(lam):
    """Before: NaN passed `lam < 0`, and every cost was NaN."""
    with pytest.raises(ValueError, match="OneLayer: lam must be a finite number >= 0"):
        OneLayer(6, 3, lam=lam)


# ---- training loops ---------------------------------------------------------------------------
def _data(n):
    rng = np.random.default_rng(0)
    return types.SimpleNamespace(X_train=rng.standard_normal((n, 5)),
                                 y_train=rng.integers(0, 3, n), X_val=None, y_val=None)


@pytest.mark.parametrize("n, n_batch, drop_last, why", [
    (21, 5, False, r"a last batch of 1 row every epoch \(21 = 4 x 5 \+ 1\)"),
    (6, 1, True, "n_batch=1 gives batches of 1 row"),
])
def test_fit_refuses_a_one_row_batch_norm_batch_before_training(n, n_batch, drop_last, why):
    """Before: batch norm's op refused the 1-row batch mid-run, after an epoch of (unsaved)
    training, or at the first update without naming n_batch."""
    net = KLayer(5, [4], 3, rng=np.random.default_rng(1))
    W0 = net.layers[0].W.data.copy()
    with pytest.raises(ValueError, match=f"fit: KLayer has batch norm.*{why}"):
        fit(net, _data(n), n_batch=n_batch, epochs=1, drop_last=drop_last, progress=False,
            jit=False)
    assert np.array_equal(net.layers[0].W.data, W0)  # refused before the first update


def test_fit_keeps_a_one_row_last_batch_without_batch_norm():
    net = KLayer(5, [4], 3, batch_norm=False, rng=np.random.default_rng(1))
    h = fit(net, _data(21), n_batch=5, epochs=1, drop_last=False, progress=False, jit=False)
    assert h.meta["n_updates"] == 5


def test_fit_rnn_refuses_eta_with_an_optimizer():
    """Before: fit_rnn(eta=0.01, optimizer=AdaGrad(lr=0.1)) trained at 0.1 without a word."""
    data = CharData("abcab" * 4)
    net = CharRNN(data.K, m=2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="fit_rnn: eta=0.01 is the rate of the default AdaGrad"):
        fit_rnn(net, data, eta=0.01, optimizer=AdaGrad(net.parameters(), lr=0.1),
                seq_length=4, n_updates=1, sample_every=None, progress=False, print_fn=None)
