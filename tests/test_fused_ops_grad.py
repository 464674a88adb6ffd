"""The fused primitives (sum_of_squares, batch_norm, rnn) through the same generic harness as
every other op: hypothesis draws shapes and values, check_grad compares autograd with finite
differences and the forward with a plain NumPy reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl.functional import batch_norm, sum_of_squares
from tinygrad_dl.testing import arrays, check_grad, positive_arrays, shapes


@given(st.lists(shapes(), min_size=1, max_size=3).flatmap(
    lambda ss: st.tuples(*[arrays(s) for s in ss])))
def test_sum_of_squares(xs):
    check_grad(sum_of_squares, *xs, ref=lambda *a: sum(float((v * v).sum()) for v in a))


@st.composite
def bn_case(draw):
    # n >= 3: with two rows the output is exactly +-1 whatever x is (a flat function)
    n, d = draw(st.integers(3, 6)), draw(st.integers(1, 4))
    # per feature, rows at least 0.5 apart (in a shuffled order): a batch variance near 0 makes
    # batch norm ill-conditioned and finite differences meaningless
    steps = draw(positive_arrays((n, d), 0.5, 1.5))
    x = np.cumsum(steps, axis=0) + draw(arrays((1, d), -1.0, 1.0))
    x = x[draw(st.permutations(range(n)))]
    return x, draw(positive_arrays((d,), 0.5, 2.0)), draw(arrays((d,), -1.0, 1.0))


def _bn_ref(x, g, b, eps=1e-8):
    return g * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + b


@given(bn_case())
def test_batch_norm_training(case):
    check_grad(batch_norm, *case, ref=_bn_ref)


@given(bn_case())
def test_batch_norm_eval_uses_given_statistics(case):
    x, g, b = case
    mu, var = x.mean(0) + 0.3, x.var(0) + 0.5
    check_grad(lambda x, g, b: batch_norm(x, g, b, training=False, mean=mu, var=var), x, g, b,
               ref=lambda x, g, b: g * (x - mu) / np.sqrt(var + 1e-8) + b)


@st.composite
def rnn_case(draw):
    T, d, m = draw(st.integers(1, 5)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return (draw(arrays((T, d), -1.0, 1.0)), draw(arrays((d, m), -0.8, 0.8)),
            draw(arrays((m, m), -0.8, 0.8)), draw(arrays((m,), -0.5, 0.5)),
            draw(arrays((m,), -0.9, 0.9)))


def _rnn_ref(x, U, W, b, h0):
    h, out = h0, []
    for x_t in x:
        h = np.tanh(x_t @ U + h @ W + b)
        out.append(h)
    return np.stack(out)


@given(rnn_case())
def test_rnn_all_inputs(case):
    check_grad(tg.rnn, *case, ref=_rnn_ref)


def test_linear_backward_of_rows_is_the_reshaped_product_bit_for_bit() -> None:
    """Linear.backward takes dW = g^T x and db directly for 2-D rows (no reshape(-1, d): the
    same strides, the same BLAS call), where backward_into (a jit replay) reshapes: both give
    the same bits, for contiguous, strided, transposed and 3-D inputs, in both float dtypes."""
    from tinygrad_dl.ops.fused import Linear

    rng = np.random.default_rng(0)
    for dt in (np.float64, np.float32):
        big = rng.standard_normal((40, 18)).astype(dt)
        W = tg.Tensor(rng.standard_normal((5, 9)).astype(dt), requires_grad=True)
        b = tg.Tensor(rng.standard_normal(5).astype(dt), requires_grad=True)
        for xa in (big[:, :9].copy(), big[:, ::2], big[::2, 1::2], big[:9, :9].T.copy().T,
                   big[:, :9].T.copy().T, big[:36, :9].reshape(4, 9, 9)):
            x = tg.Tensor(xa, requires_grad=True)
            out = Linear.apply(x, W, b)
            g = rng.standard_normal(out.shape).astype(dt)
            eager = out._ctx.backward(g)
            replay = out._ctx.backward_into(g, (None, None, None))
            for e, r in zip(eager, replay):
                assert e.tobytes() == r.tobytes() and e.shape == r.shape
