"""softmax, log_softmax, cross_entropy and one_hot beyond their op table rows (whose values and
gradients tests/test_ops.py checks): cross-entropy's target forms, numerical stability at
extreme logits, float32, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_dl import Tensor
from tinygrad_dl.functional import cross_entropy, log_softmax, one_hot, softmax
from tinygrad_dl.testing import arrays, check_grad


def np_log_softmax(z, axis=-1):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def test_softmax_rows_sum_to_one_along_the_axis():
    z = np.random.default_rng(0).uniform(-5, 5, (3, 4, 2))
    for axis in (0, 1, -1):
        np.testing.assert_allclose(softmax(Tensor(z), axis=axis).data.sum(axis=axis), 1.0,
                                   rtol=1e-12)


@st.composite
def logits_and_labels(draw):
    n, K = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    z = draw(arrays((n, K), -5, 5))
    y = np.array(draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n)), dtype=np.int64)
    return z, y


@given(logits_and_labels(), st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_class_indices(case, reduction):
    z, y = case
    per_sample = -np_log_softmax(z)[np.arange(len(y)), y]
    ref = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}[reduction]
    check_grad(lambda t: cross_entropy(t, y, reduction=reduction), z, ref=lambda a: ref)


@given(logits_and_labels(), st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_one_hot_rows_equal_class_indices(case, reduction):
    z, y = case
    Y = one_hot(y, z.shape[1])
    by_index = check_grad(lambda t: cross_entropy(t, y, reduction=reduction), z)
    by_row = check_grad(lambda t: cross_entropy(t, Y, reduction=reduction), z)
    np.testing.assert_allclose(by_row.data, by_index.data, rtol=1e-12)
    zi, zr = Tensor(z, requires_grad=True), Tensor(z, requires_grad=True)
    cross_entropy(zi, y).backward()
    cross_entropy(zr, Tensor(Y)).backward()  # targets may be a Tensor too
    np.testing.assert_allclose(zr.grad, zi.grad, rtol=1e-12, atol=1e-15)


@given(logits_and_labels())
def test_cross_entropy_soft_targets(case):
    z, _ = case
    P = np.random.default_rng(0).uniform(0, 1, z.shape)  # rows need not sum to 1
    ref = -(P * np_log_softmax(z)).sum(axis=1).mean()
    check_grad(lambda t: cross_entropy(t, P), z, ref=lambda a: ref)


def test_cross_entropy_matches_its_definition_by_hand():
    z = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    loss = cross_entropy(Tensor(z), np.array([2, 0])).item()
    expected = -(np.log(np.exp(3) / np.exp([1, 2, 3]).sum()) + np.log(1 / 3)) / 2
    assert loss == pytest.approx(expected, rel=1e-14)


def test_stable_at_extreme_logits():
    z = Tensor(np.array([[1000.0, 0.0, -1000.0], [-800.0, -800.0, -801.0]]), requires_grad=True)
    p = softmax(z)
    assert np.all(np.isfinite(p.data))
    np.testing.assert_allclose(p.data[0], [1, 0, 0])
    lp = log_softmax(z)
    np.testing.assert_allclose(lp.data[0], [0, -1000, -2000])  # not log(0) = -inf
    loss = cross_entropy(z, np.array([2, 1]))
    assert loss.item() == pytest.approx((2000 + np.log(2 + np.exp(-1))) / 2, rel=1e-12)
    loss.backward()
    assert np.all(np.isfinite(z.grad))


def test_float32_stays_float32():
    z32 = Tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32),
                 requires_grad=True)
    y = np.array([0, 2, 1, 1])
    for out in (softmax(z32), log_softmax(z32, axis=0), cross_entropy(z32, y),
                cross_entropy(z32, one_hot(y, 3)), cross_entropy(z32, y, reduction="none")):
        assert out.dtype == np.float32
        z32.grad = None
        out.backward(np.ones(out.shape, dtype=np.float32))
        assert z32.grad.dtype == np.float32


def test_one_hot():
    Y = one_hot(np.array([2, 0, 2]), 3)
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 0, 1]])
    assert Y.dtype == np.float64 and one_hot([1], 2, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="labels must be in"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="labels must be in"):
        one_hot(np.array([-1]), 3)


def test_cross_entropy_errors():
    z = Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="reduction"):
        cross_entropy(z, np.array([0, 1]), reduction="avg")
    # (K,) logits are PyTorch's unbatched input: one 0-d label (or soft (K,) targets)
    with pytest.raises(ValueError, match=r"unbatched input \(3,\) takes a 0-d class index"):
        cross_entropy(Tensor(np.zeros(3)), np.array([0]))
    with pytest.raises(ValueError, match="2 logit rows but 3 targets"):
        cross_entropy(z, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"one-hot targets \(2, 4\).*\(2, 3\)"):
        cross_entropy(z, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="integers"):
        cross_entropy(z, np.array([0.0, 1.0]))
