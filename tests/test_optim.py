"""Optimizers against hand-computed updates, gradient clipping, learning-rate schedules."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_dl import Tensor
from tinygrad_dl.optim import (
    SGD,
    AdaGrad,
    Adam,
    ConstantLR,
    CyclicLR,
    clip_grad_norm_,
    clip_grad_value_,
)


def param(values, grad=None):
    p = Tensor(np.array(values, dtype=np.float64), requires_grad=True)
    p.grad = None if grad is None else np.array(grad, dtype=np.float64)
    return p


# ---- SGD ---------------------------------------------------------------------------------------
def test_sgd_step_is_theta_minus_lr_grad():
    p = param([1.0, -2.0, 3.0], [0.5, 1.0, -4.0])
    SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, -2.1, 3.4])


def test_sgd_momentum_two_steps_by_hand():
    p = param([1.0, 2.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.array([1.0, -1.0])
    opt.step()  # v = g = [1, -1]; p = [0.9, 2.1]
    p.grad = np.array([2.0, 0.0])
    opt.step()  # v = 0.9 [1, -1] + [2, 0] = [2.9, -0.9]; p -= 0.1 v
    np.testing.assert_allclose(p.data, [0.9 - 0.29, 2.1 + 0.09])


def test_lr_is_settable_between_steps():
    p = param([0.0], [1.0])
    opt = SGD([p], lr=0.1)
    opt.step()
    opt.lr = 0.5
    opt.step()
    np.testing.assert_allclose(p.data, [-0.6])


def test_params_without_grad_are_skipped_and_zero_grad_clears():
    a, b = param([1.0], [1.0]), param([5.0])
    opt = SGD([a, b], lr=1.0)
    with pytest.warns(RuntimeWarning, match=r"1 of 2 parameters have no gradient"):
        opt.step()
    assert a.data[0] == 0.0 and b.data[0] == 5.0
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_updates_the_same_array_in_place():
    p = param([1.0], [1.0])
    data = p.data
    SGD([p], lr=0.5).step()
    assert p.data is data and data[0] == 0.5


# ---- AdaGrad (the course's) ------------------------------------------------------------------
def test_adagrad_two_steps_by_hand():
    eta, eps = 0.1, 1e-8
    p = param([1.0, -1.0])
    opt = AdaGrad([p], lr=eta, eps=eps)
    g1, g2 = np.array([2.0, -0.5]), np.array([1.0, 3.0])
    p.grad = g1.copy()
    opt.step()
    m = g1**2
    expect = np.array([1.0, -1.0]) - eta * g1 / np.sqrt(m + eps)
    np.testing.assert_allclose(p.data, expect)
    p.grad = g2.copy()
    opt.step()
    m = m + g2**2
    expect = expect - eta * g2 / np.sqrt(m + eps)
    np.testing.assert_allclose(p.data, expect, rtol=1e-12)
    np.testing.assert_allclose(opt.state[0]["m"], m)


# ---- Adam --------------------------------------------------------------------------------------
def test_adam_two_steps_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p = param([0.5])
    opt = Adam([p], lr=lr, beta1=b1, beta2=b2, eps=eps)
    theta, m, v = 0.5, 0.0, 0.0
    for t, g in enumerate([0.3, -1.2], start=1):
        p.grad = np.array([g])
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(p.data, [theta], rtol=1e-12)


def test_adagrad_defaults_are_the_course_values():
    """AdaGrad(params) with no lr is the course's char-RNN optimizer: eta 0.1 (Assignment 4, the
    char-rnn default), eps 1e-8."""
    from tinygrad_dl.models import CharRNN

    assert CharRNN.defaults["eta"] == 0.1  # the course's eta (docs/training.md)
    p, q = param([1.0, -1.0, 0.25]), param([1.0, -1.0, 0.25])
    default, explicit = AdaGrad([p]), AdaGrad([q], lr=CharRNN.defaults["eta"], eps=1e-8)
    assert default.lr == CharRNN.defaults["eta"]
    for g in ([2.0, -0.5, 0.1], [1.0, 3.0, -0.2]):
        p.grad, q.grad = np.array(g), np.array(g)
        default.step()
        explicit.step()
        np.testing.assert_array_equal(p.data, q.data)
    assert not np.array_equal(p.data, [1.0, -1.0, 0.25])


ADAM_GRADS = [np.array([0.3, -1.2, 2.0]), np.array([-0.7, 0.1, 0.5]), np.array([1.5, 1.5, -3.0])]


def test_adam_defaults_are_pytorchs():
    """Adam(params) with no lr steps with PyTorch's documented defaults: lr 1e-3, betas
    (0.9, 0.999), eps 1e-8."""
    g = ADAM_GRADS
    p = param([0.5, -0.25, 1.0])
    opt = Adam([p])
    assert opt.lr == 1e-3
    theta, m, v = np.array([0.5, -0.25, 1.0]), 0.0, 0.0
    for t, gt in enumerate(g, start=1):
        p.grad = gt.copy()
        opt.step()
        m = 0.9 * m + 0.1 * gt
        v = 0.999 * v + 0.001 * gt * gt
        theta = theta - 1e-3 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        np.testing.assert_allclose(p.data, theta, rtol=1e-12)


def test_adam_defaults_step_as_torchs_defaults():
    torch = pytest.importorskip("torch")  # an optional oracle
    p = param([0.5, -0.25, 1.0])
    opt = Adam([p])
    w = torch.tensor([0.5, -0.25, 1.0], dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([w])  # PyTorch's defaults
    for gt in ADAM_GRADS:
        p.grad, w.grad = gt.copy(), torch.tensor(gt)
        opt.step()
        topt.step()
        np.testing.assert_allclose(p.data, w.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.05, momentum=0.5),
    lambda ps: AdaGrad(ps, lr=0.05),
    lambda ps: Adam(ps, lr=0.05),
])
def test_state_dict_round_trip_continues_identically(make):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(3) for _ in range(4)]
    p1 = param(np.ones(3))
    o1 = make([p1])
    for g in grads[:2]:
        p1.grad = g.copy()
        o1.step()
    p2 = param(p1.data.copy())
    o2 = make([p2])
    o2.load_state_dict(o1.state_dict())
    for g in grads[2:]:
        for p, o in ((p1, o1), (p2, o2)):
            p.grad = g.copy()
            o.step()
    np.testing.assert_array_equal(p1.data, p2.data)


def test_optimizer_minimizes_a_quadratic_through_the_graph():
    target = np.array([3.0, -1.0])
    x = Tensor(np.zeros(2), requires_grad=True)
    opt = AdaGrad([x], lr=0.5)
    for _ in range(300):
        opt.zero_grad()
        d = x - Tensor(target)
        (d * d).sum().backward()
        opt.step()
    np.testing.assert_allclose(x.data, target, atol=1e-3)


def test_bad_arguments_are_rejected():
    p = param([1.0])
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        SGD([p], lr=-1.0)
    with pytest.raises(ValueError, match="momentum"):
        SGD([p], lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="state dict is for"):
        SGD([p], lr=0.1).load_state_dict(AdaGrad([p]).state_dict())


# ---- clipping ----------------------------------------------------------------------------------
def test_clip_grad_value_clips_every_entry():
    a, b = param([0.0, 0.0, 0.0], [-7.0, 2.0, 9.0]), param([0.0], [-4.0])
    clip_grad_value_([a, b, param([1.0])], 5.0)
    np.testing.assert_array_equal(a.grad, [-5.0, 2.0, 5.0])
    np.testing.assert_array_equal(b.grad, [-4.0])


def test_clip_grad_norm_rescales_and_returns_total_norm():
    a, b = param([0.0, 0.0], [3.0, 0.0]), param([0.0], [4.0])
    total = clip_grad_norm_([a, b], 1.0)
    assert total == pytest.approx(5.0)
    new = math.sqrt(float((a.grad**2).sum() + (b.grad**2).sum()))
    assert new == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(a.grad / b.grad, [0.75, 0.0])  # direction kept


def test_clip_grad_norm_leaves_small_gradients_alone():
    a = param([0.0, 0.0], [0.3, 0.4])
    assert clip_grad_norm_([a], 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(a.grad, [0.3, 0.4])


# ---- schedules ---------------------------------------------------------------------------------
def test_cyclic_lr_course_values():
    lo, hi, n_s = 1e-5, 1e-1, 500
    s = CyclicLR(lo, hi, n_s)
    assert s(0) == pytest.approx(lo)
    assert s(n_s) == pytest.approx(hi)
    assert s(2 * n_s) == pytest.approx(lo)
    assert s(n_s // 2) == pytest.approx((lo + hi) / 2)
    assert s(3 * n_s // 2) == pytest.approx((lo + hi) / 2)
    assert s(3 * n_s) == pytest.approx(hi)  # the second cycle's peak
    assert s(100) == pytest.approx(lo + 100 / n_s * (hi - lo))
    assert s(n_s + 100) == pytest.approx(hi - 100 / n_s * (hi - lo))
    assert s.cycle_length == 2 * n_s


@given(st.integers(1, 50), st.integers(0, 1000),
       st.floats(1e-6, 1e-2), st.floats(1e-2, 1.0))
def test_cyclic_lr_is_periodic_bounded_and_piecewise_linear(n_s, t, lo, hi):
    s = CyclicLR(lo, hi, n_s)
    assert lo - 1e-12 <= s(t) <= hi + 1e-12
    assert s(t) == pytest.approx(s(t + 2 * n_s))
    # one update moves eta by exactly (hi - lo) / n_s: up in the first half, down in the second
    slope = (hi - lo) / n_s
    expected = slope if (t % (2 * n_s)) < n_s else -slope
    assert s(t + 1) - s(t) == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_constant_lr_and_schedule_errors():
    assert ConstantLR(0.01)(12345) == 0.01
    with pytest.raises(ValueError, match="n_s"):
        CyclicLR(1e-5, 1e-1, 0)
    with pytest.raises(ValueError, match="eta_min"):
        CyclicLR(1e-1, 1e-5, 10)
    with pytest.raises(ValueError, match="learning rate"):
        ConstantLR(float("nan"))


def test_load_state_dict_refuses_a_buffer_of_another_shape_and_casts_the_dtype():
    """A momentum buffer shaped (1,) for a (3,) parameter used to load and then broadcast or
    fail inside NumPy at the next step; a float64 buffer loaded into a float32 model stayed
    float64, and the whole-array and block-wise updates rounded lr*v differently. Now: one
    line at load, and the buffer in the parameter's dtype (as PyTorch casts it)."""
    import numpy as np
    import pytest

    from tinygrad_dl import Tensor
    from tinygrad_dl.optim import SGD
    p = Tensor(np.ones(3, np.float32), requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(3, np.float32)
    opt.step()
    d = opt.state_dict()
    d["state"][0]["momentum_buffer"] = np.ones(1)
    with pytest.raises(ValueError, match=r"^SGD.load_state_dict: parameter 0's state "
                       r"'momentum_buffer' has "
                       r"shape \(1,\), the parameter \(3,\)$"):
        opt.load_state_dict(d)
    d["state"][0]["momentum_buffer"] = np.full(3, 0.1)
    opt.load_state_dict(d)
    assert opt.state[0]["momentum_buffer"].dtype == np.float32
    assert np.array_equal(opt.state[0]["momentum_buffer"], np.full(3, 0.1, np.float32))


def test_load_state_dict_loads_a_subclass_buffer_as_a_plain_array():
    """An np.matrix momentum buffer would keep matrix `*` in later updates."""
    import numpy as np

    from tinygrad_dl import Tensor
    from tinygrad_dl.optim import SGD
    p = Tensor(np.ones((2, 2)), requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones((2, 2))
    opt.step()
    d = opt.state_dict()
    d["state"][0]["momentum_buffer"] = np.matrix(np.full((2, 2), 0.5))
    opt.load_state_dict(d)
    assert type(opt.state[0]["momentum_buffer"]) is np.ndarray
