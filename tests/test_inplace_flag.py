"""PyTorch's `inplace=` of F's activations and dropouts and of their layers (nn.ReLU(inplace=True),
nn.Dropout(0.5, True), F.relu(x, inplace=True)), compared with torch 2.13.

Before: nn.ReLU / LeakyReLU / ELU / SiLU / Dropout and F.relu / leaky_relu / elu / silu raised
TypeError (an unexpected keyword, even for inplace=False), the others refused inplace=True.
Now: written into the input where Tensor's in-place rules allow (a tensor that needs no
gradient, or under no_grad: torch's values, the input changed, returned); an op's result is
written and the write recorded as torch records it (hINF; before, a new tensor and a warning
that the input kept its values); a leaf that requires grad is refused, as torch.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl.nn as nn
from tests.oracle import one_line
from tinygrad_dl import Tensor, no_grad
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF, tnn = torch.nn.functional, torch.nn

X = np.array([[-2.5, -1.0, -0.25, 0.0, 0.5, 3.0, 7.0, -4.0]])

# (function, extra positional arguments) — deterministic ones (dropouts: in evaluation)
FUNCTIONS = [("relu", ()), ("leaky_relu", (0.2,)), ("elu", (0.7,)), ("silu", ()),
             ("hardtanh", (-0.5, 2.0)), ("relu6", ()), ("selu", ()), ("celu", (1.5,)),
             ("threshold", (0.1, 20.0)), ("mish", ()), ("hardswish", ()), ("hardsigmoid", ()),
             ("rrelu", (0.1, 0.3, False)), ("dropout", (0.5, False)),
             ("alpha_dropout", (0.5, False))]
# the dropouts drop nothing in evaluation, where torch returns the input itself unchecked (no
# refusal, no warning: tests/test_inplace_review.py); p = 1 in training drops all, as torch
DROPPING = [(n, (1.0, True) if n.endswith("dropout") else a) for n, a in FUNCTIONS]
LAYERS = [("ReLU", ()), ("LeakyReLU", (0.2,)), ("ELU", (0.7,)), ("SiLU", ()),
          ("Hardtanh", (-0.5, 2.0)), ("ReLU6", ()), ("SELU", ()), ("CELU", (1.5,)),
          ("Threshold", (0.1, 20.0)), ("Mish", ()), ("Hardswish", ()), ("Hardsigmoid", ()),
          ("RReLU", (0.1, 0.3)), ("Dropout", (0.5,)), ("AlphaDropout", (0.5,))]


@pytest.mark.parametrize("name, args", FUNCTIONS)
def test_a_tensor_without_grad_is_written_in_place_as_torch(name, args):
    x, tx = Tensor(X.copy()), torch.tensor(X.copy())
    out = getattr(F, name)(x, *args, inplace=True)
    ref = getattr(TF, name)(tx, *args, inplace=True)
    assert out is x
    np.testing.assert_allclose(x.data, tx.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, args", FUNCTIONS)
def test_inplace_false_is_the_plain_function(name, args):
    x = Tensor(X.copy())
    np.testing.assert_array_equal(getattr(F, name)(x, *args, inplace=False).data,
                                  getattr(F, name)(x, *args).data)
    np.testing.assert_array_equal(x.data, X)


@pytest.mark.parametrize("name, args", DROPPING)
def test_an_op_result_is_written_in_place_as_torch(name, args):
    """(Before hINF: a new tensor, the input kept its values, a warning; now recorded as torch
    records it: no warning, the input itself returned with torch's values and gradients.)"""
    w, tw = Tensor(X.copy(), requires_grad=True), torch.tensor(X.copy(), requires_grad=True)
    h, th = w * 1.5, tw * 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(F, name)(h, *args, inplace=True)
    ref = getattr(TF, name)(th, *args, inplace=True)
    assert out is h and ref is th
    np.testing.assert_allclose(h.data, th.detach().numpy(), rtol=1e-12, atol=1e-15)
    g = np.linspace(-1, 1, X.size).reshape(X.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    w2 = Tensor(X.copy(), requires_grad=True)
    getattr(F, name)(w2 * 1.5, *args).backward(g)
    np.testing.assert_array_equal(w.grad, w2.grad)  # the plain function's, compared with
    # torch elsewhere; (torch's float64 hardsigmoid backward multiplies by a float32 1/6)
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-7, atol=1e-15)


@pytest.mark.parametrize("name, args", DROPPING)
def test_a_leaf_that_requires_grad_is_refused_as_torch(name, args):
    x = Tensor(X.copy(), requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        getattr(F, name)(x, *args, inplace=True)
    one_line(e, f"F.{name}(inplace=True): a leaf Variable that requires grad",
             f"x = F.{name}(x)")
    np.testing.assert_array_equal(x.data, X)
    with no_grad():  # the optimizer idiom: allowed, written
        assert getattr(F, name)(x, *args, inplace=True) is x


@pytest.mark.parametrize("name, args", LAYERS)
def test_layers_take_inplace_and_print_as_torch(name, args):
    ours, ref = getattr(nn, name)(*args, inplace=True), getattr(tnn, name)(*args, inplace=True)
    assert repr(ours) == repr(ref)  # (torch's Hardswish / Hardsigmoid do not show it)
    assert repr(getattr(nn, name)(*args)) == repr(getattr(tnn, name)(*args))
    ours.eval(), ref.eval()
    x, tx = Tensor(X.copy()), torch.tensor(X.copy())
    with no_grad():
        out = ours(x)
    with torch.no_grad():
        ref(tx)
    assert out is x
    np.testing.assert_allclose(x.data, tx.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, args", LAYERS)
def test_a_layer_in_place_trains_as_torchs(name, args):
    rng = np.random.default_rng(0)
    W1, W2 = rng.standard_normal((8, 8)), rng.standard_normal((3, 8))
    xb = rng.standard_normal((4, 8))
    ours = nn.Sequential(nn.Linear(8, 8, bias=False), getattr(nn, name)(*args, inplace=True),
                         nn.Linear(8, 3, bias=False)).eval()  # (dropouts: no draws)
    ref = tnn.Sequential(tnn.Linear(8, 8, bias=False), getattr(tnn, name)(*args, inplace=True),
                         tnn.Linear(8, 3, bias=False)).double().eval()
    for m, W in ((0, W1), (2, W2)):
        ours[m].weight.data[...] = W
        ref[m].weight.data[...] = torch.tensor(W)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (said once; tested above)
        out = ours(Tensor(xb))
    r = ref(torch.tensor(xb))
    np.testing.assert_allclose(out.data, r.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    r.sum().backward()
    for m in (0, 2):  # (rtol: torch's hardsigmoid backward, above)
        np.testing.assert_allclose(ours[m].weight.grad, ref[m].weight.grad.numpy(), rtol=1e-7)


def test_dropout_takes_torchs_positional_inplace_and_still_its_older_positional_rng():
    assert nn.Dropout(0.2, True).inplace is True
    assert repr(nn.Dropout(0.2)) == repr(tnn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"
    x = Tensor(np.ones((20, 20)))
    a = nn.Dropout(0.5, np.random.default_rng(3))  # (Dropout(p, rng), this layer's older order)
    b = nn.Dropout(0.5, rng=np.random.default_rng(3))
    assert a.inplace is False
    np.testing.assert_array_equal(a(x).data, b(x).data)
    with pytest.raises(TypeError) as e:
        nn.Dropout(0.5, "yes", rng=np.random.default_rng(0))
    one_line(e, "Dropout: inplace must be a bool, got str (the generator goes in rng=)")
    with pytest.raises(TypeError) as e:
        nn.ReLU("yes")
    one_line(e, "ReLU: inplace must be a bool, got str")


def test_dropout_in_place_in_training_writes_the_mask_into_a_tensor_without_grad():
    x = Tensor(np.ones((50, 40)))
    out = nn.Dropout(0.5, True, rng=np.random.default_rng(1))(x)
    assert out is x
    assert set(np.unique(x.data)) <= {0.0, 2.0} and 0 < (x.data == 0).mean() < 1
    y = Tensor(np.ones((50, 40)))
    F.dropout(y, 0.5, True, True, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(y.data, x.data)  # the same draw, F's and the layer's
