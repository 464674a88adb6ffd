"""Skeptic review of inplace= (752f2e4) and of the padded max pools' ties (8b9b769), compared
with torch 2.13: each test failed before its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl.nn as nn
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF, tnn = torch.nn.functional, torch.nn


# ---- a dropout that drops nothing returns its input, unchecked, as torch's dropout_ --------
# (not training, p = 0, an empty tensor): before, a leaf that requires grad was refused (an
# eval-mode model with nn.Dropout(inplace=True) fed an input that requires grad, for a saliency
# map, raised) and an op's result gave a warning that torch would have changed its values
@pytest.mark.parametrize("name, args, shape", [
    ("dropout", (0.5, False), (2, 3)), ("dropout", (0.0, True), (2, 3)),
    ("dropout", (0.5, True), (0, 3)), ("alpha_dropout", (0.5, False), (2, 3)),
    ("feature_alpha_dropout", (0.0, True), (2, 3, 4)), ("dropout1d", (0.5, False), (2, 3, 4)),
    ("dropout2d", (0.5, False), (2, 3, 4, 5))])
def test_a_dropout_that_drops_nothing_returns_its_input_as_torch(name, args, shape):
    x, tx = Tensor(np.ones(shape), requires_grad=True), torch.ones(shape, requires_grad=True)
    assert getattr(TF, name)(tx, *args, inplace=True) is tx
    assert getattr(F, name)(x, *args, inplace=True) is x
    h = x * 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no warning: torch leaves the values too)
        assert getattr(F, name)(h, *args, inplace=True) is h


@pytest.mark.parametrize("layer", ["Dropout", "AlphaDropout", "FeatureAlphaDropout"])
def test_an_eval_dropout_layer_in_place_passes_an_input_that_requires_grad(layer):
    x = Tensor(np.ones((2, 3, 4)), requires_grad=True)
    ref = getattr(tnn, layer)(0.5, inplace=True).eval()
    tx = torch.ones((2, 3, 4), requires_grad=True)
    assert ref(tx) is tx
    m = getattr(nn, layer)(0.5, inplace=True).eval()
    assert m(x) is x
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = x * 2.0
        assert m(h) is h


def test_a_channel_dropout_that_drops_nothing_still_checks_the_rank():
    with pytest.raises(ValueError, match="dropout2d: expected input"):
        F.dropout2d(Tensor(np.ones((2, 3, 4)), requires_grad=True), 0.5, False, True)


# ---- a jitted step that writes into its argument in place names the call ---------------------
def test_a_jitted_step_writing_in_place_runs_eagerly_naming_the_call():
    from tinygrad_dl.jit import jit
    model = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(4, 2))

    def step(x):
        loss = model(x).sum()
        loss.backward()
        return loss

    js, rng = jit(step), np.random.default_rng(0)
    for i in range(3):
        X = rng.standard_normal((3, 4))
        x = Tensor(X.copy())
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            js(x)
        np.testing.assert_array_equal(x.data, np.maximum(X, 0))  # (written, as torch's)
        if i == 0:  # (before: "Tensor.copy_ runs inside the step", a call the user never made)
            assert any("F.relu(inplace=True), a write into its input, runs inside the step"
                       in str(m.message) for m in w), [str(m.message) for m in w]


# ---- a view of a leaf that requires grad is refused, as torch (and as `w[0:2] += 1` here) ----
@pytest.mark.parametrize("name", ["relu", "hardtanh", "dropout"])
def test_inplace_on_a_view_of_a_leaf_that_requires_grad_is_refused_as_torch(name):
    from tests.oracle import one_line
    tw = torch.tensor([[-1.0, 2.0, -3.0, 4.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        getattr(TF, name)(tw[:, ::2], inplace=True)
    w = Tensor(np.array([[-1.0, 2.0, -3.0, 4.0]]), requires_grad=True)
    with pytest.raises(RuntimeError) as e:  # (before: a warning that torch would change w)
        getattr(F, name)(w[:, ::2], inplace=True)
    one_line(e, f"F.{name}(inplace=True): a view of a leaf Variable that requires grad")
    y = w * 1.0
    h = y[:, ::2]  # a view of an op's result: written through to y, recorded (CopySlices), as
    assert F.relu(h, inplace=True) is h  # torch (until hINFr: a new tensor and a warning)
    assert y.data.tolist() == [[0.0, 2.0, 0.0, 4.0]]


def test_an_integer_threshold_value_that_does_not_fit_is_refused_as_torch():
    # before: NumPy wrapped 1000 into int8 as -24, without a word (torch raises)
    x = Tensor(np.array([1, -2], dtype=np.int8))
    with pytest.raises(ValueError) as e:
        F.threshold(x, 0, 1000)
    assert str(e.value) == "threshold: value 1000 cannot be converted to int8 without overflow"
    np.testing.assert_array_equal(F.threshold(x, 0, -128).data, [1, -128])


def test_dropout_second_argument_0_or_1_is_torchs_inplace():
    # torch reads nn.Dropout(0.5, 1) as inplace=1; before, the 1 was taken for this layer's
    # older rng argument and refused with a message about generators
    for cls in ("Dropout", "Dropout1d", "Dropout2d"):
        assert repr(getattr(nn, cls)(0.5, 1)) == repr(getattr(torch.nn, cls)(0.5, True))
        assert getattr(nn, cls)(0.5, 0).inplace is False
    d = nn.Dropout(0.5, np.random.default_rng(0))  # the older order still takes a generator
    assert d.inplace is False and isinstance(d.rng, np.random.Generator)
    with pytest.raises(TypeError, match="Dropout: inplace must be a bool, got int"):
        nn.Dropout(0.5, 2)


@pytest.mark.parametrize("cls, shape", [("Dropout", (3, 4)), ("Dropout1d", (2, 3, 4)),
                                        ("Dropout2d", (2, 3, 4, 4)),
                                        ("Dropout3d", (1, 2, 3, 3, 3))])
def test_dropout_layers_with_p_1_drop_everything_as_torch(cls, shape):
    # torch allows p = 1 (zeros, zero gradients); the layers refused it (F.dropout took it)
    x = Tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    y = getattr(nn, cls)(1.0)(x)
    np.testing.assert_array_equal(y.data, np.zeros(shape))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(shape))
    np.testing.assert_array_equal(getattr(tnn, cls)(1.0)(torch.ones(shape)).numpy(),
                                  np.zeros(shape))
    assert not np.isnan(y.data).any()
    assert repr(getattr(nn, cls)(1.0)) == repr(getattr(tnn, cls)(1.0))
