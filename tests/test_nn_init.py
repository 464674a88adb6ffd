"""PyTorch's `nn.init` and `nn.utils` paths (tinygrad_dl/nn/init.py, tinygrad_dl/clip_grad.py).

Before, `nn.init` and `nn.utils` raised AttributeError pointing elsewhere: a PyTorch script's
`nn.init.kaiming_normal_(layer.weight)` or `nn.utils.clip_grad_norm_(...)` stopped there. Now
they fill in place with PyTorch's fans and gains, and clip with PyTorch's keywords; the skeptic's
cases: a live graph that saved the array, an integer tensor, a 1-D weight, a non-finite norm.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn

torch = None
try:  # the optional oracle
    import torch  # type: ignore[no-redef]
except ImportError:  # pragma: no cover
    pass


@pytest.mark.parametrize("name, param", [("relu", None), ("tanh", None), ("leaky_relu", None),
                                         ("leaky_relu", 0.2), ("selu", None), ("sigmoid", None),
                                         ("conv2d", None), ("linear", None)])
def test_gains_are_pytorchs(name, param):
    want = {"relu": math.sqrt(2), "tanh": 5 / 3, "selu": 0.75, "sigmoid": 1.0, "conv2d": 1.0,
            "linear": 1.0, "leaky_relu": math.sqrt(2 / (1 + (param or 0.01) ** 2))}[name]
    assert nn.init.calculate_gain(name, param) == pytest.approx(want, rel=1e-15)
    if torch is not None:
        assert nn.init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param), rel=1e-12)


@pytest.mark.parametrize("name, kw, std", [
    ("kaiming_normal_", {"nonlinearity": "relu"}, math.sqrt(2 / (50 * 9))),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / (40 * 9))),
    ("kaiming_uniform_", {"a": math.sqrt(5)}, 1 / math.sqrt(3 * 50 * 9)),
    ("xavier_normal_", {}, math.sqrt(2 / (50 * 9 + 40 * 9))),
    ("xavier_uniform_", {"gain": 2.0}, 2 * math.sqrt(2 / (50 * 9 + 40 * 9))),
    ("normal_", {"mean": 0.0, "std": 0.3}, 0.3),
    ("uniform_", {"a": -1.0, "b": 1.0}, 1 / math.sqrt(3)),
])
def test_random_fills_have_pytorchs_spread_for_a_conv_weight(name, kw, std):
    # (out, in, kh, kw) = (40, 50, 3, 3): fan_in 450, fan_out 360, PyTorch's receptive field
    w = Tensor(np.zeros((40, 50, 3, 3)), requires_grad=True)
    a = w.data
    assert getattr(nn.init, name)(w, **kw) is w
    assert w.data is a  # in place (nothing held the array)
    assert w.data.std() == pytest.approx(std, rel=0.03)
    assert abs(w.data.mean()) < 4 * std / math.sqrt(w.data.size)
    if torch is not None:  # torch's own fill of the same shape: the same spread
        t = torch.zeros(40, 50, 3, 3, dtype=torch.float64)
        getattr(torch.nn.init, name)(t, **kw)
        assert float(t.std()) == pytest.approx(std, rel=0.03)


def test_uniform_fills_stay_in_their_bounds_and_xaviers_bound_is_pytorchs():
    w = Tensor(np.zeros((20, 30)))
    nn.init.xavier_uniform_(w)
    bound = math.sqrt(6 / 50)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.9 * bound


def test_a_generator_makes_fills_reproducible_and_the_default_follows_manual_seed():
    a, b = Tensor(np.zeros((5, 4))), Tensor(np.zeros((5, 4)))
    nn.init.normal_(a, generator=tg.Generator().manual_seed(3))
    nn.init.normal_(b, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a.data, b.data)
    tg.manual_seed(7)
    nn.init.kaiming_uniform_(a)
    tg.manual_seed(7)
    nn.init.kaiming_uniform_(b)
    np.testing.assert_array_equal(a.data, b.data)


def test_constant_fills_and_eye_and_orthogonal():
    w = Tensor(np.ones((3, 4), np.float32))
    assert nn.init.zeros_(w).data.dtype == np.float32 and not w.data.any()
    np.testing.assert_array_equal(nn.init.constant_(w, 2.5).data, np.full((3, 4), 2.5))
    np.testing.assert_array_equal(nn.init.eye_(w).data, np.eye(3, 4))
    for shape in [(6, 6), (4, 7), (7, 4), (3, 2, 2)]:
        q = Tensor(np.zeros(shape))
        nn.init.orthogonal_(q, gain=2.0, generator=np.random.default_rng(0))
        m = q.data.reshape(shape[0], -1)
        small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(small, 4 * np.eye(min(m.shape)), atol=1e-12)
    i = Tensor(np.zeros((2, 2), np.int64))
    np.testing.assert_array_equal(nn.init.ones_(i).data, np.ones((2, 2)))


@pytest.mark.parametrize("call, match", [
    (lambda: nn.init.kaiming_normal_(Tensor(np.zeros(5))), "2 or more dimensions"),
    (lambda: nn.init.xavier_uniform_(Tensor(np.zeros(5))), "2 or more dimensions"),
    (lambda: nn.init.normal_(Tensor(np.zeros((2, 2), np.int64))), "cannot hold random floats"),
    (lambda: nn.init.kaiming_normal_(Tensor(np.zeros((2, 2))), mode="fan"), "fan_in"),
    (lambda: nn.init.calculate_gain("softmax"), "unsupported nonlinearity"),
    (lambda: nn.init.uniform_(Tensor(np.zeros(2)), 1.0, 0.0), "a <= b"),
    (lambda: nn.init.normal_(Tensor(np.zeros(2)), std=-1.0), "std must be >= 0"),
    (lambda: nn.init.zeros_(np.zeros(2)), "expected a Tensor"),
    (lambda: nn.init.eye_(Tensor(np.zeros(3))), "only 2-D"),
])
def test_bad_calls_raise_one_line(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as e:
        call()
    assert "\n" not in str(e.value)


def test_a_fill_while_a_graph_holds_the_weight_makes_its_backward_raise_not_lie():
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    x = Tensor(np.ones((4, 2)), requires_grad=True)  # (x @ w keeps w for x's gradient only)
    y = (x @ w).sum()
    nn.init.zeros_(w)  # the graph keeps the ones it multiplied by
    assert not w.data.any()
    with pytest.raises(RuntimeError, match="nn.init.zeros_"):
        y.backward()
    (x @ w).sum().backward()  # a new forward sees the zeros
    np.testing.assert_array_equal(w.grad, np.full((2, 3), 4.0))
    # with a constant x the graph keeps no w (torch's rule): w's gradient reads only x, the
    # fill leaves it right, and backward gives torch's x.T @ 1 (torch: [[12]*3, [16]*3])
    w, x = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.arange(8.0).reshape(4, 2))
    y = (x @ w).sum()
    nn.init.zeros_(w)
    y.backward()
    np.testing.assert_array_equal(w.grad, [[12.0] * 3, [16.0] * 3])


def test_clip_grad_norm_of_each_order_and_its_returned_norm():
    w = Tensor(np.array([[3.0, -4.0]]), requires_grad=True)
    b = Tensor(np.array([12.0]), requires_grad=True)
    for order, total in [(2.0, 13.0), (1, 19.0), ("inf", 12.0), (float("inf"), 12.0),
                         (3.0, (27 + 64 + 1728) ** (1 / 3))]:
        w.grad, b.grad = np.array([[3.0, -4.0]]), np.array([12.0])
        n = nn.utils.clip_grad_norm_([w, b], 1.0, norm_type=order)
        assert n.item() == pytest.approx(total, rel=1e-12) and isinstance(n, float)
        scale = 1.0 / (total + 1e-6)
        np.testing.assert_allclose(b.grad, [12.0 * scale], rtol=1e-12)
    assert tg.optim.clip_grad_norm_ is nn.utils.clip_grad_norm_  # one home, two paths


def test_clip_grad_norm_refuses_a_non_finite_norm_when_asked_and_passes_it_otherwise():
    w = Tensor(np.zeros(2), requires_grad=True)
    w.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="not finite"):
        nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    assert math.isinf(nn.utils.clip_grad_norm_([w], 1.0))
    np.testing.assert_array_equal(w.grad, [np.inf, 1.0])  # unscaled, as PyTorch
    for bad in (0, -1.0, "two", float("nan")):  # (0 < p < 1: the quasi-norm, as torch)
        with pytest.raises(ValueError, match="norm_type must be"):
            nn.utils.clip_grad_norm_([w], 1.0, norm_type=bad)
    with pytest.raises(TypeError, match="foreach"):
        nn.utils.clip_grad_value_([w], 1.0, foreach="yes")


@pytest.mark.skipif(torch is None, reason="torch is the optional oracle")
def test_clip_grad_norm_matches_torch():
    rng = np.random.default_rng(0)
    gs = [rng.standard_normal((3, 4)) * 5, rng.standard_normal(4)]
    for order in (2.0, 1.0, 3.5, float("inf")):
        ours = [Tensor(np.zeros_like(g), requires_grad=True) for g in gs]
        theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in gs]
        for o, t, g in zip(ours, theirs, gs):
            o.grad, t.grad = g.copy(), torch.tensor(g)
        n1 = nn.utils.clip_grad_norm_(ours, 2.0, norm_type=order)
        n2 = torch.nn.utils.clip_grad_norm_(theirs, 2.0, norm_type=order)
        assert n1 == pytest.approx(float(n2), rel=1e-12)
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-12)


# ---- trunc_normal_, parameters_to_vector, vector_to_parameters ----------------------------------
def test_trunc_normal_stays_in_its_bounds_with_pytorchs_spread():
    w = Tensor(np.zeros((300, 400), np.float32), requires_grad=True)
    nn.init.trunc_normal_(w, mean=0.5, std=1.0, a=-0.2, b=1.0, generator=np.random.default_rng(1))
    assert w.data.dtype == np.float32 and w.data.min() >= -0.2 and w.data.max() <= 1.0
    # N(0.5, 1) cut to [-0.2, 1]: mean 0.4095..., std 0.3380... (the truncated normal's moments,
    # which torch's fills show too)
    assert abs(w.data.mean() - 0.4096) < 0.003 and abs(w.data.std() - 0.3380) < 0.003
    if torch is not None:
        t = torch.empty(300, 400)
        torch.nn.init.trunc_normal_(t, 0.5, 1.0, -0.2, 1.0)
        assert abs(t.mean().item() - w.data.mean()) < 0.005
        assert abs(t.std().item() - w.data.std()) < 0.005


@pytest.mark.parametrize("kw, match", [
    (dict(a=1.0, b=-1.0), "need std > 0 and a < b"), (dict(std=0.0), "need std > 0"),
    (dict(a=10.0, b=11.0), r"\[a, b\] = \[10.0, 11.0\] holds a fraction")])
def test_trunc_normal_refuses_empty_or_unreachable_bounds_in_one_line(kw, match):
    with pytest.raises(ValueError, match=match):
        nn.init.trunc_normal_(Tensor(np.zeros(3)), **kw)


def test_parameters_to_vector_is_on_the_graph_and_vector_to_parameters_writes_in_place():
    layer = nn.Linear(3, 2)
    W, b = layer.W, layer.b
    v = nn.utils.parameters_to_vector(layer.parameters())
    assert v.shape == (8,) and v.requires_grad
    np.testing.assert_array_equal(v.data, np.concatenate([W.data.ravel(), b.data]))
    (v * v).sum().backward()
    np.testing.assert_array_equal(W.grad, 2 * W.data)
    w_array = W.data
    nn.utils.vector_to_parameters(tg.tensor(np.arange(8.0)), layer.parameters())
    assert W.data is w_array  # in place: an optimizer's references stay good
    np.testing.assert_array_equal(W.data, [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(b.data, [6, 7])
    if torch is not None:  # the same order and values as torch's
        tl = torch.nn.Linear(3, 2)
        tl.load_state_dict({"weight": torch.tensor(W.data), "bias": torch.tensor(b.data)})
        np.testing.assert_array_equal(
            torch.nn.utils.parameters_to_vector(tl.parameters()).detach().numpy(),
            nn.utils.parameters_to_vector(layer.parameters()).data)


def test_vector_to_parameters_refuses_a_wrong_length_and_a_graph_keeps_its_values():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"vec must be 1-D with 8 values .* got shape \(7,\)"):
        nn.utils.vector_to_parameters(np.zeros(7), layer.parameters())
    with pytest.raises(TypeError, match="expected Tensors"):
        nn.utils.parameters_to_vector([np.zeros(3)])
    x = Tensor(np.ones((1, 3)), requires_grad=True)  # (Linear keeps W for x's gradient only)
    loss = (layer(x) * layer(x)).sum()  # a live graph saved W
    nn.utils.vector_to_parameters(np.zeros(8), layer.parameters())
    with pytest.raises(RuntimeError):  # its backward refuses rather than use the new zeros
        loss.backward()
