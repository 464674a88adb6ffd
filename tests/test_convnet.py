"""The ConvNet: autograd against finite differences (it has no hand-derived gradient), its
registry entry, and `tinygrad-dl train convnet` / `graph convnet` end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tinygrad_dl import checkpoint
from tinygrad_dl.cli import main
from tinygrad_dl.gradcheck import numerical_grad, relative_error
from tinygrad_dl.models import MODELS, ConvNet, build


def small(seed=0, **kw):
    return ConvNet(3 * 4 * 4, 3, channels=[2, 3], rng=np.random.default_rng(seed), **kw)


def test_autograd_matches_finite_differences():
    model = small(lam=0.05)
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((4, 48)), np.array([0, 2, 1, 2])
    model.loss(X, y).backward()
    for name, p in model.named_parameters():
        # 4-point stencil, h = 1e-5: far smaller than any ReLU input or gap between pooled
        # values of this draw, so no difference straddles a kink
        num = numerical_grad(lambda _: model.loss(X, y).data, p.data, h=1e-5, order=4)
        err = relative_error(p.grad, num, eps=1e-6).max()
        assert err < 1e-7, f"{name}: relative error {err:.2e}"


def test_registry_entry_and_config_round_trip():
    assert MODELS["convnet"] is ConvNet
    model = build("convnet", d=48, K=3, channels=[2, 3], lam=0.1, rng=np.random.default_rng(0))
    names = [n for n, _ in model.named_parameters()]
    assert names == ["layers.0.W", "layers.0.b", "layers.3.W", "layers.3.b", "layers.7.W",
                     "layers.7.b"]
    assert len(model.linears) == 3  # L2 covers both conv filters and the Linear weights
    X, y = np.random.default_rng(2).standard_normal((3, 48)), np.array([0, 1, 2])
    clone = ConvNet(**json.loads(json.dumps(model.config())), rng=np.random.default_rng(9))
    clone.load_state_dict(model.state_dict())
    assert clone.loss(X, y).item() == model.loss(X, y).item()
    assert model.predict(X).shape == (3,) and model.describe() == \
        "convnet 3x4x4 channels=2,3 K=3"


def test_bad_sizes_are_clear_errors():
    with pytest.raises(ValueError, match="10 features are not a square image"):
        ConvNet(10, 3)
    with pytest.raises(ValueError, match="divisible by 8"):
        ConvNet(3 * 4 * 4, 3, channels=[2, 2, 2])
    with pytest.raises(ValueError, match=r"expected X of shape \(n, 48\)"):
        small().loss(np.ones((2, 47)), np.array([0, 1]))


@pytest.mark.slow
def test_train_convnet_on_the_embedded_sample(tmp_path, capsys, embedded_data_only):
    out = tmp_path / "run"
    code = main(["train", "convnet", "--epochs", "1", "--channels", "2,3", "--n-batch", "200",
                 "--dtype", "float32", "--out", str(out), "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 0 and "embedded sample" in printed and "test accuracy" in printed
    model, _ = checkpoint.load(out / "model.npz")
    assert isinstance(model, ConvNet) and model.channels == [2, 3]
    assert (out / "learning_curves.png").is_file()


@pytest.mark.slow
def test_train_convnet_on_the_subset(tmp_path, capsys, cifar_dir):
    out = tmp_path / "run"
    code = main(["train", "convnet", "--data", str(cifar_dir), "--split", "batch1",
                 "--n-updates", "3", "--channels", "2,2", "--dtype", "float32", "--out", str(out),
                 "--no-progress"])
    assert code == 0 and str(cifar_dir) in capsys.readouterr().out


def test_graph_convnet(tmp_path):
    pytest.importorskip("graphviz")
    target = tmp_path / "g.dot"
    assert main(["graph", "convnet", "--out", str(target)]) == 0
    text = target.read_text()
    assert "Conv2d" in text and "MaxPool2d" in text
