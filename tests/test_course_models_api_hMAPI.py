"""The course models' public API at random configurations: config() rebuilds the model, a
checkpoint reloads it, pickle / deepcopy keep it; the hand-derived gradients agree with autograd
(in the model's dtype) and, in float64, with central finite differences; labels as indices or
one-hot rows give the same numbers. Plus the regressions the hunt found."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, checkpoint, container
from tinygrad_dl.models import MODELS, CharRNN, ConvNet, KLayer, OneLayer, TwoLayer, build
from tinygrad_dl.nn import ReLU


def _draw(seed: int) -> tuple[object, np.ndarray, np.ndarray]:
    r = np.random.default_rng(seed)
    kind = ("one-layer", "two-layer", "k-layer")[seed % 3]
    d, K = int(r.integers(1, 6)), int(r.integers(1, 6))
    common = dict(lam=float(r.choice([0.0, r.uniform(0, 1)])),
                  init=str(r.choice(["he", "xavier", "gaussian"])), std=float(r.uniform(.1, 1)),
                  rng=np.random.default_rng(seed), dtype=str(r.choice(["float32", "float64"])))
    if kind == "one-layer":
        m = OneLayer(d, K, **common)
    elif kind == "two-layer":
        m = TwoLayer(d, int(r.integers(1, 6)), K, **common)
    else:
        hidden = [int(h) for h in r.integers(1, 6, size=int(r.integers(0, 4)))]
        m = KLayer(d, hidden, K, batch_norm=bool(r.integers(2)), alpha=float(r.uniform(0, 1)),
                   dropout=float(r.choice([0.0, r.uniform(0, 0.9)])), **common)
    for _, p in m.named_parameters():  # biases and BN shifts off 0 (no ReLU kink at 0)
        p.data[...] = r.standard_normal(p.data.shape).astype(p.data.dtype)
    n = int(r.integers(2, 6))
    return m, r.standard_normal((n, d)) * 2, r.integers(0, K, size=n)


def _autograd(m, X, y) -> dict[str, np.ndarray]:
    for p in m.parameters():
        p.grad = None
    m.loss(X, y).backward()
    return {q: np.asarray(p.grad) for q, p in m.named_parameters()}


@pytest.mark.parametrize("seed", range(24))
def test_config_checkpoint_pickle_rebuild_the_same_model(seed, tmp_path) -> None:
    m, X, y = _draw(seed)
    m.eval()
    out = m(X).data
    assert out.dtype == m.dtype
    rebuilt = build(type(m).name, **m.config())
    rebuilt.load_state_dict(m.state_dict())
    rebuilt.eval()
    checkpoint.save_model(m, tmp_path / "m.npz")
    loaded = checkpoint.load_model(tmp_path / "m.npz")
    assert loaded.config() == m.config()
    for other in (rebuilt, loaded, pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        assert list(dict(other.named_parameters())) == list(dict(m.named_parameters()))
        np.testing.assert_array_equal(other(X).data, out)
    np.testing.assert_array_equal(m.predict(X), np.concatenate([m.predict(x[None]) for x in X]))
    assert m.accuracy(X, y) == m.accuracy(X, np.eye(m.K)[y])


@pytest.mark.parametrize("seed", range(30))
def test_hand_gradients_match_autograd_in_the_models_dtype(seed) -> None:
    m, X, y = _draw(seed)
    for mode in (m.train, m.eval):
        mode()
        auto, hand = copy.deepcopy(m), copy.deepcopy(m)  # (the same dropout masks)
        ga, gh = _autograd(auto, X, y), hand.hand_gradients(X, y)
        gy = copy.deepcopy(m).hand_gradients(X, np.eye(m.K)[y])
        tol = 1e-9 if m.dtype == np.float64 else 2e-3
        assert list(gh) == list(ga)
        for q in ga:
            assert gh[q].dtype == ga[q].dtype == m.dtype, q
            np.testing.assert_allclose(gh[q], ga[q], rtol=tol, atol=tol / 10, err_msg=q)
            np.testing.assert_allclose(gy[q], gh[q], rtol=tol, atol=tol / 100, err_msg=q)
        for k, v in auto.state_dict().items():  # the same running statistics after both
            np.testing.assert_allclose(np.asarray(hand.state_dict()[k]), np.asarray(v),
                                       rtol=1e-12 if m.dtype == np.float64 else 1e-5)


def _kink(m, X) -> bool:
    h = Tensor(X)
    near = False
    for mod in copy.deepcopy(m).layers:
        near |= isinstance(mod, ReLU) and np.abs(h.data).min() < 1e-4
        h = mod(h)
    return near


def _differentiable(seed: int) -> bool:
    """float64, no dropout, no ReLU input at its kink: central differences apply."""
    m, X, _ = _draw(seed)
    return m.dtype == np.float64 and not getattr(m, "dropout", 0) and not _kink(m, X)


_FD_SEEDS = [s for s in range(60) if _differentiable(s)][:14]


def test_the_finite_difference_cases_cover_every_classifier() -> None:
    assert len(_FD_SEEDS) == 14 and {s % 3 for s in _FD_SEEDS} == {0, 1, 2}


@pytest.mark.parametrize("seed", _FD_SEEDS)
def test_hand_gradients_match_central_differences_in_float64(seed) -> None:
    m, X, y = _draw(seed)
    hand = copy.deepcopy(m).hand_gradients(X, y)
    h = 1e-6
    for q, p in m.named_parameters():
        fd = np.zeros_like(p.data)
        for i in np.ndindex(p.data.shape):
            old = p.data[i]
            J = []
            for v in (old + h, old - h):  # a fresh copy: batch norm's running stats untouched
                p.data[i] = v
                J.append(float(copy.deepcopy(m).loss(X, y).data))
            p.data[i] = old
            fd[i] = (J[0] - J[1]) / (2 * h)
        np.testing.assert_allclose(hand[q], fd, rtol=1e-5, atol=1e-7, err_msg=q)


def test_registry_names_are_the_classes_own() -> None:
    assert all(cls.name == name for name, cls in MODELS.items())
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        build("nope", d=2, K=2)


# ---- regressions -------------------------------------------------------------------------------
@pytest.mark.parametrize("channels", [[1, 1], [2], [1, 2, 1]])
def test_small_convnet_checkpoint_reloads(channels, tmp_path) -> None:
    # image 8x8 with channels [1, 1]: the saved arrays are at most 4 long (the last Linear's
    # 1*2*2 inputs), and load_model refused the config's image side 8 as unbacked
    m = ConvNet(image=(1, 8, 8), K=2, channels=channels, rng=np.random.default_rng(0))
    X = np.random.default_rng(1).standard_normal((3, m.d))
    checkpoint.save_model(m, tmp_path / "c.npz")
    loaded = checkpoint.load_model(tmp_path / "c.npz")
    assert loaded.config() == m.config()
    np.testing.assert_array_equal(loaded(X).data, m(X).data)


def test_convnet_checkpoint_still_refuses_an_unbacked_image() -> None:
    m = ConvNet(image=(1, 8, 8), K=2, channels=[1, 1], rng=np.random.default_rng(0))
    arrays = list(m.state_dict().values())
    container.check_sizes(ConvNet.backed_sizes(m.config()), arrays)  # its own: backed
    hostile = {**m.config(), "image": [1, 8, 2 ** 40]}  # 2^38 after the two poolings
    with pytest.raises(ValueError, match="config image"):
        container.check_sizes(ConvNet.backed_sizes(hostile), arrays)


@pytest.mark.parametrize("std", [float("nan"), float("inf"), -0.5])
@pytest.mark.parametrize("make", [
    lambda s: OneLayer(2, 2, init="gaussian", std=s),
    lambda s: TwoLayer(2, 3, 2, init="gaussian", std=s),
    lambda s: KLayer(2, [3], 2, init="gaussian", std=s),
    lambda s: ConvNet(image=(1, 2, 2), K=2, channels=[1], init="gaussian", std=s),
    lambda s: CharRNN(3, m=2, std=s),
])
def test_a_gaussian_init_refuses_a_std_that_is_not_a_finite_number_at_least_0(make, std):
    # NaN / inf drew NaN / inf weights without a word (torch's normal_ refuses NaN and < 0)
    with pytest.raises(ValueError, match="std must be a finite number >= 0"):
        make(std)


@pytest.mark.parametrize("model", [
    OneLayer(3, 2, dtype="float32"), OneLayer(3, 2), TwoLayer(3, 2, 2),
    KLayer(3, [2], 2, dtype="float32"), ConvNet(image=(3, 2, 2), K=2, channels=[1]),
])
def test_a_complex_batch_is_refused_not_cast_to_its_real_part(model) -> None:
    X = np.ones((2, model.d)) + 1j
    y = np.array([0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (NumPy's ComplexWarning was all it said)
        for call in (lambda: model(X), lambda: model.loss(X, y), lambda: model.predict(X),
                     lambda: model(Tensor(X))) + ((lambda: model.hand_gradients(X, y)),) * (
                         not isinstance(model, ConvNet)):
            with pytest.raises(TypeError, match=f"{type(model).__name__}.*real numbers"):
                call()
