"""detect_anomaly, the Pow exponent gradient at base 0, and PyTorch habits: float(loss),
int(), x > 0 with where, tinygrad_dl.tensor, argmax, F.relu, detach, lists of Tensors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import AnomalyError, Tensor, detect_anomaly, nn
from tinygrad_dl import functional as F
from tinygrad_dl.engine import Function


class NanBackward(Function):
    """Identity forward, NaN gradient: a broken op in the middle of a net."""

    def forward(ctx, x):
        return x.copy()

    def backward(ctx, g):
        return g * np.nan


class Broken(nn.Module):
    def forward(self, x):
        return NanBackward.apply(x)


def _net():
    rng = np.random.default_rng(0)
    return nn.Sequential(nn.Linear(3, 4, rng=rng), nn.ReLU(), Broken(), nn.Linear(4, 2, rng=rng))


def test_detect_anomaly_names_the_op_scope_shapes_and_line_of_a_nan_backward():
    net = _net()
    x = Tensor(np.ones((5, 3)))
    with detect_anomaly():
        loss = net(x).sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    msg = str(info.value)
    assert "backward of NanBackward (scope Sequential/2, inputs (5, 4))" in msg, msg
    assert "nan in the gradient of input 0" in msg
    # where the user's code created the op (here: inside the user's own module)
    assert "test_anomaly_and_habits.py" in msg and "return NanBackward.apply(x)" in msg, msg


def test_detect_anomaly_names_the_forward_that_made_a_nan():
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"forward of Log .*inputs \(2,\)"):
        with tg.name_scope("layers.2"):
            (x * 2).log()
    with detect_anomaly(), tg.name_scope("layers.2"), pytest.raises(AnomalyError,
                                                                     match="scope layers.2"):
        (x * 2).log()


def test_without_detect_anomaly_nothing_is_checked_or_recorded():
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    y = x.log()  # nan, silently, as NumPy
    assert np.isnan(y.data).any() and "origin" not in y._ctx.__dict__
    with detect_anomaly():
        pass
    _net()(Tensor(np.ones((1, 3)))).sum().backward()  # a NaN gradient, no error: mode is off


def test_pow_exponent_gradient_at_base_zero_is_pytorchs():
    p = Tensor(2.0, requires_grad=True)
    base = np.array([0.0, 1.0, 2.0])
    (Tensor(base) ** p).sum().backward()
    # d/dp sum x**p = sum x**p log x over the x > 0 (the x = 0 term is 0 near p = 2)
    expected = sum(b**2 * np.log(b) for b in base if b > 0)
    assert np.isfinite(p.grad) and p.grad == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(4 * np.log(2))  # 2.7726, PyTorch's value
    q = Tensor(np.array([2.0, -1.0]), requires_grad=True)  # p < 0 at base 0 stays inf/nan
    (Tensor(np.array([0.0, 0.0])) ** q).sum().backward()
    assert q.grad[0] == 0 and not np.isfinite(q.grad[1])


def test_python_conversions_and_comparisons():
    loss = (Tensor([1.0, 2.0], requires_grad=True) ** 2).sum()
    assert float(loss) == 5.0 and int(Tensor(3.7)) == 3 and bool(Tensor([1.0]))
    with pytest.raises(TypeError, match=r"float\(\) of a tensor of shape \(2,\)"):
        float(Tensor([1.0, 2.0]))
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    mask = x > 0
    assert mask.dtype == bool and not mask.requires_grad
    np.testing.assert_array_equal(mask.data, [False, False, True])
    for op, ref in [(x < 0, [1, 0, 0]), (x <= 0, [1, 1, 0]), (x >= 0, [0, 1, 1]),
                    (x == 0, [0, 1, 0]), (x != 0, [1, 0, 1]), (0 < x, [0, 0, 1])]:
        np.testing.assert_array_equal(op.data, np.array(ref, dtype=bool))
    y = tg.where(x > 0, x, 0)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0, 0, 2])
    np.testing.assert_array_equal(x.grad, [0, 0, 1])
    assert len({x, y}) == 2  # still hashable by identity


def test_pytorch_spellings():
    t = tg.tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    assert isinstance(t, Tensor) and t.requires_grad and t.dtype == np.float64
    assert t.argmax().item() == 1 and t.argmax(axis=0).tolist() == [1, 0]
    for f, ref in [(F.relu, lambda a: np.maximum(a, 0)), (F.tanh, np.tanh),
                   (F.sigmoid, lambda a: 1 / (1 + np.exp(-a)))]:
        np.testing.assert_allclose(f(t - 2).data, ref(t.data - 2))
    d = (t * 2).detach()
    assert d._ctx is None and not d.requires_grad
    assert isinstance(t.numpy(), np.ndarray)


def test_a_list_of_tensors_is_refused_with_the_fix():
    with pytest.raises(TypeError, match="use tinygrad_dl.stack"):
        Tensor([Tensor(1.0), Tensor(2.0)])
    with pytest.raises(ValueError, match=r"Tensor\(\): cannot make an array from"):
        Tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="object array"):
        Tensor([{"a": 1}])
    np.testing.assert_array_equal(tg.stack([Tensor(1.0), Tensor(2.0)]).data, [1.0, 2.0])


def test_hooks_active_counts_filled_slots_on_all_threads():
    """The engine reads a thread's hook slots only while `hooks.active` says some thread has
    one filled: the count must follow every attach and exit (nested, re-entered, on another
    thread), and a hook attached on one thread must not reach another thread's ops."""
    import threading

    from tinygrad_dl import hooks

    assert hooks.active == 0
    with detect_anomaly():
        assert hooks.active == 1
        with detect_anomaly():  # the same slot filled again: still one
            assert hooks.active == 1
        assert hooks.active == 1
        seen = []

        def other() -> None:  # anomaly mode is this thread's: the other one's NaN passes
            x = Tensor(np.array([-1.0]), requires_grad=True)
            seen.append(np.isnan(x.log().data).all())

        with np.errstate(invalid="ignore"):
            t = threading.Thread(target=other)
            t.start()
            t.join()
        assert seen == [True]
        x = Tensor(np.array([-1.0]), requires_grad=True)
        with np.errstate(invalid="ignore"), pytest.raises(AnomalyError):
            x.log()  # this thread's ops are still checked
    assert hooks.active == 0
    with hooks.attach(anomaly=None):  # an empty slot is not counted
        assert hooks.active == 0
    x = Tensor(np.array([-1.0]), requires_grad=True)
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.log().data).all()  # off: no check
