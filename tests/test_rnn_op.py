"""The fused rnn op against the unfused graph (to 1e-10) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl.functional import cross_entropy
from tinygrad_dl.gradcheck import gradcheck
from tinygrad_dl.ops import RNN
from tinygrad_dl.testing import value_and_grads


def unfused(x: tg.Tensor, U: tg.Tensor, W: tg.Tensor, b: tg.Tensor, h0: tg.Tensor) -> tg.Tensor:
    """The same recurrence from primitive ops, one step at a time."""
    A = x @ U
    h, hs = h0, []
    for t in range(x.shape[0]):
        h = (A[t] + h @ W + b).tanh()
        hs.append(h)
    return tg.stack(hs)


def params(rng, T=6, d=5, m=4, batch=(), scale=0.5, dtype=np.float64):
    def p(*shape):
        return tg.Tensor((scale * rng.standard_normal(shape)).astype(dtype), requires_grad=True)
    return p(T, *batch, d), p(d, m), p(m, m), p(m), p(*batch, m)


@pytest.mark.parametrize("batch", [(), (3,)])
def test_matches_unfused_graph(batch):
    rng = np.random.default_rng(0)
    inputs = params(rng, batch=batch)
    weight = rng.standard_normal((6, *batch, 4))
    out_f, g_f = value_and_grads(tg.rnn, inputs, weight)
    out_u, g_u = value_and_grads(unfused, inputs, weight)
    np.testing.assert_allclose(out_f, out_u, rtol=0, atol=1e-12)
    for name, a, b in zip("x U W b h0".split(), g_f, g_u):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10, err_msg=name)


@given(T=st.integers(1, 7), d=st.integers(1, 5), m=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_matches_unfused_graph_any_shape(T, d, m, seed):
    rng = np.random.default_rng(seed)
    inputs = params(rng, T=T, d=d, m=m, scale=1.0)
    weight = rng.standard_normal((T, m))
    _, g_f = value_and_grads(tg.rnn, inputs, weight)
    _, g_u = value_and_grads(unfused, inputs, weight)
    for a, b in zip(g_f, g_u):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


def test_gradcheck_finite_differences():
    rng = np.random.default_rng(1)
    report = gradcheck(tg.rnn, params(rng, T=5, d=3, m=4), tol=1e-7)
    assert report.passed, str(report)


def test_integer_indices_equal_one_hot_rows():
    rng = np.random.default_rng(2)
    K, m, T = 6, 4, 9
    idx = rng.integers(0, K, size=T)
    idx[3] = idx[5] = idx[7]  # repeated characters must add their gradients into U
    _, U, W, b, h0 = params(rng, T=T, d=K, m=m)
    X = tg.Tensor(np.eye(K)[idx])
    weight = rng.standard_normal((T, m))
    ps = [U, W, b, h0]
    out_i, g_i = value_and_grads(lambda U, W, b, h0: tg.rnn(idx, U, W, b, h0), ps, weight)
    out_o, g_o = value_and_grads(lambda U, W, b, h0: tg.rnn(X, U, W, b, h0), ps, weight)
    np.testing.assert_allclose(out_i, out_o, atol=1e-14)
    for a, c in zip(g_i, g_o):
        np.testing.assert_allclose(a, c, atol=1e-12)


def test_char_rnn_loss_gradcheck():
    """The fused op inside a full char-RNN loss (sum of cross-entropies) passes gradcheck."""
    rng = np.random.default_rng(3)
    K, m, T = 5, 4, 6
    X, Y = rng.integers(0, K, T), rng.integers(0, K, T)

    def loss(U, W, b, V, c):
        H = tg.rnn(X, U, W, b)
        return cross_entropy(H @ V + c, Y, reduction="sum")

    shapes = [(K, m), (m, m), (m,), (m, K), (K,)]
    inputs = [tg.Tensor(0.5 * rng.standard_normal(s), requires_grad=True) for s in shapes]
    report = gradcheck(loss, inputs, tol=1e-7)
    assert report.passed, str(report)


def test_one_op_in_the_graph_and_h0_defaults_to_zeros():
    rng = np.random.default_rng(4)
    x, U, W, b, _ = params(rng)
    H = tg.rnn(x, U, W, b)
    assert isinstance(H._ctx, RNN) and H.shape == (6, 4)
    h = np.zeros(4)
    for t in range(6):  # the recurrence, written out in NumPy
        h = np.tanh(x.data[t] @ U.data + h @ W.data + b.data)
        np.testing.assert_allclose(H.data[t], h, atol=1e-14)


def test_float32_stays_float32():
    rng = np.random.default_rng(5)
    inputs = params(rng, dtype=np.float32)
    H = tg.rnn(*inputs)
    H.sum().backward()
    assert H.dtype == np.float32
    assert all(t.grad.dtype == np.float32 for t in inputs)


def test_second_backward_needs_retain_graph():
    rng = np.random.default_rng(6)
    inputs = params(rng)
    H = tg.rnn(*inputs).sum()
    H.backward(retain_graph=True)
    first = inputs[2].grad.copy()
    H.backward()
    np.testing.assert_allclose(inputs[2].grad, 2 * first)
    with pytest.raises(RuntimeError, match="second time"):
        H.backward()


def test_clear_errors():
    rng = np.random.default_rng(7)
    x, U, W, b, h0 = params(rng)
    with pytest.raises(ValueError, match="rnn: expected"):
        tg.rnn(x, U, W, tg.Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="h0"):
        tg.rnn(x, U, W, b, np.zeros(5))
    with pytest.raises(ValueError, match="dtype"):
        tg.rnn(x, U.astype(np.float32), W, b)
    with pytest.raises(ValueError, match="indices"):
        tg.rnn(np.zeros((6, 2), dtype=np.int64), U, W, b)
