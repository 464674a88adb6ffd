"""Course models and their data against independent references (hH2): the empty-batch edges of
hand_gradients and accuracy, the CIFAR folder one level too high, batch norm over a constant
feature (variance 0, eps inside the root) against torch, and the state-dict round trip of
every model in float32 and float64."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from tinygrad_dl import checkpoint
from tinygrad_dl.data import load_cifar10
from tinygrad_dl.models import CharRNN, ConvNet, KLayer, OneLayer, TwoLayer

CLASSIFIERS = [
    lambda: OneLayer(4, 3, lam=0.1, rng=np.random.default_rng(0)),
    lambda: TwoLayer(4, 5, 3, lam=0.1, rng=np.random.default_rng(0)),
    lambda: KLayer(4, [5], 3, batch_norm=False, lam=0.1, rng=np.random.default_rng(0)),
]


@pytest.mark.parametrize("build", CLASSIFIERS)
def test_hand_gradients_refuse_an_empty_batch_as_loss_does(build):
    # before: ZeroDivisionError "float division by zero" from softmax_ce_grad's 1 / n
    model = build()
    X, y = np.zeros((0, 4)), np.zeros(0, dtype=np.int64)
    with pytest.raises(ValueError, match="empty"):
        model.loss(X, y)
    with pytest.raises(ValueError, match=r"hand_gradients: empty batch .*\(0, 4\)"):
        model.hand_gradients(X, y)


def test_accuracy_of_no_samples_is_refused_not_nan():
    # before: nan, with NumPy's "Mean of empty slice" naming neither accuracy nor the shapes
    model = CLASSIFIERS[1]()
    with pytest.raises(ValueError, match=r"accuracy: no samples .*\(0, 4\)"):
        model.accuracy(np.zeros((0, 4)), np.zeros(0, dtype=np.int64))


def test_a_data_folder_above_the_batches_names_the_folder_inside(tmp_path):
    # before: "missing data_batch_1, ...", then how to download a dataset that is right there
    inner = tmp_path / "cifar-10-batches-py"
    inner.mkdir()
    with pytest.raises(FileNotFoundError) as e:
        load_cifar10(tmp_path)
    assert str(inner) in str(e.value) and "run `tinygrad-dl data" not in str(e.value)
    with pytest.raises(FileNotFoundError, match="tinygrad-dl data cifar10"):  # (none inside)
        load_cifar10(inner)


def _batch(path, X, y):
    with open(path, "wb") as f:  # the official layout: bytes keys, a list of ints
        pickle.dump({b"batch_label": b"b", b"labels": [int(v) for v in y], b"data": X}, f,
                    protocol=2)


def test_folder_inside_then_loads_with_training_statistics(tmp_path):
    r = np.random.default_rng(0)
    inner = tmp_path / "cifar-10-batches-py"
    inner.mkdir()
    raw = {}
    for name in ("data_batch_1", "data_batch_2", "test_batch"):
        X, y = r.integers(0, 256, (6, 3072), dtype=np.uint8), r.integers(0, 10, 6)
        raw[name] = (X, y)
        _batch(inner / name, X, y)
    with open(inner / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [str(i).encode() for i in range(10)]}, f, protocol=2)
    ds = load_cifar10(inner)
    Xtr = raw["data_batch_1"][0].astype(np.float64)
    mu, sd = Xtr.mean(0), Xtr.std(0)
    sd[sd == 0] = 1.0
    np.testing.assert_allclose(ds.X_test, (raw["test_batch"][0] - mu) / sd, atol=1e-13)
    np.testing.assert_array_equal(ds.y_val, raw["data_batch_2"][1])


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_k_layer_constant_feature_batch_norm_matches_torch(mode):
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(1)
    model = KLayer(6, [4, 3], 3, batch_norm=True, lam=0.1, rng=r)
    model.layers[0].W.data[0] = 0.0  # feature 0 of the first batch norm: variance 0
    model.train()
    model.loss(r.standard_normal((7, 6)), r.integers(0, 3, 7))  # running statistics
    model.train(mode == "train")
    X, y = r.standard_normal((5, 6)), r.integers(0, 3, 5)
    ps = {k: torch.tensor(p.data.copy(), requires_grad=True)
          for k, p in model.named_parameters()}
    h, weights = torch.tensor(X), []
    for key, mod in model.layers.named_children():
        name, kind = f"layers.{key}", type(mod).__name__
        if kind == "Linear":
            h = h @ ps[name + ".W"].T + (ps[name + ".b"] if name + ".b" in ps else 0)
            weights.append(ps[name + ".W"])
        elif kind == "BatchNorm1d":
            h = torch.nn.functional.batch_norm(
                h, torch.tensor(mod.running_mean.copy()), torch.tensor(mod.running_var.copy()),
                ps[name + ".gamma"], ps[name + ".beta"], training=mode == "train", eps=mod.eps)
        else:
            h = torch.relu(h)
    J = torch.nn.functional.cross_entropy(h, torch.tensor(y)) + 0.1 * sum(
        (w ** 2).sum() for w in weights)
    J.backward()
    hand = model.hand_gradients(X, y)
    model.zero_grad()
    cost = model.loss(X, y)
    cost.backward()
    assert abs(cost.item() - J.item()) < 1e-13
    for k, p in model.named_parameters():
        ref = ps[k].grad.numpy()
        np.testing.assert_allclose(hand[k], ref, rtol=1e-9, atol=1e-14, err_msg=k)
        np.testing.assert_allclose(p.grad, ref, rtol=1e-9, atol=1e-14, err_msg=k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_model_round_trips_its_state_and_dtype(tmp_path, dtype):
    r = np.random.default_rng(0)
    models = [OneLayer(12, 3, lam=0.1, rng=r, dtype=dtype),
              TwoLayer(12, 4, 3, lam=0.2, rng=r, dtype=dtype),
              KLayer(12, [5, 4], 3, dropout=0.3, lam=0.01, rng=r, dtype=dtype, alpha=0.7),
              CharRNN(6, m=5, rng=r, dtype=dtype, fused=True),
              ConvNet(3 * 4 * 4, 3, channels=[2], rng=r, dtype=dtype)]
    models[2].loss(r.standard_normal((6, 12)), r.integers(0, 3, 6))  # moves running stats
    for model in models:
        path = tmp_path / f"{type(model).__name__}.npz"
        checkpoint.save_model(model, path)
        back = checkpoint.load_model(path)
        a, b = model.state_dict(), back.state_dict()
        assert a.keys() == b.keys() and back.config() == model.config()
        for k in a:
            assert np.asarray(b[k]).dtype == np.asarray(a[k]).dtype, k
            np.testing.assert_array_equal(b[k], a[k], err_msg=k)
        X = np.array([0, 1, 5]) if isinstance(model, CharRNN) else r.standard_normal((3, model.d))
        model.eval()
        back.eval()
        out = back(X).data
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, model(X).data)
