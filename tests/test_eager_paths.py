"""The eager path's shortcuts (issue 24's per-op work): the accumulator checks each gradient
as it adds it, name scopes are a small class, the hot ops call NumPy's ufunc reductions
directly. What a skeptic would try against them: float32 kept float32 through a whole
training step, a gradient term of the wrong shape, a scope object entered twice or left by an
exception, and results bit for bit those of the methods they replace."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Function, Tensor, engine, name_scope, ops
from tinygrad_dl.models import CharRNN, KLayer, OneLayer, TwoLayer
from tinygrad_dl.ops.shape import Sparse


def _classifier_loss(model, rng):
    return model.loss(rng.standard_normal((8, 12)).astype(np.float32), rng.integers(0, 4, 8))


def _rnn_loss(model, rng):
    seq = rng.integers(0, 20, 7)
    return model.loss(seq[:-1], seq[1:])


@pytest.mark.parametrize("make, loss", [
    (lambda r: OneLayer(12, 4, lam=0.01, rng=r, dtype=np.float32), _classifier_loss),
    (lambda r: TwoLayer(12, 6, 4, lam=0.01, rng=r, dtype=np.float32), _classifier_loss),
    (lambda r: KLayer(12, [6, 5], 4, lam=0.01, rng=r, dtype=np.float32), _classifier_loss),
    (lambda r: CharRNN(20, m=8, rng=r, dtype=np.float32), _rnn_loss),
    (lambda r: CharRNN(20, m=8, rng=r, dtype=np.float32, fused=True), _rnn_loss),
])
def test_a_float32_training_step_never_computes_in_float64(make, loss, monkeypatch):
    """Every op's output, every array it saves and every gradient it returns stays float32:
    a silent promotion would cost the float32 rows their speed and change their numbers."""
    rng = np.random.default_rng(0)
    model = make(rng)
    J = loss(model, rng)
    ops, _ = engine.toposort(J)
    seen = []
    for t in ops:
        assert t.data.dtype == np.float32, t._ctx
        for a in (*t._ctx.saved, *t._ctx.__dict__.values()):
            if isinstance(a, np.ndarray) and a.dtype.kind == "f":
                assert a.dtype == np.float32, (t._ctx, a.shape)

    def spy(checked):
        def backward(ctx, g):
            grads = checked(ctx, g)
            seen.append(type(ctx).__name__)
            assert g.dtype == np.float32, ctx
            for gi in grads if type(grads) is tuple else (grads,):  # an array, or a gradient
                # term (indexing's rows, a row's outer)
                values = gi.values if isinstance(gi, Sparse) else getattr(gi, "g", gi)
                assert values is None or values.dtype == np.float32, ctx
            return grads
        return backward
    for cls in {type(t._ctx) for t in ops}:
        monkeypatch.setattr(cls, "backward", spy(cls.backward))
    J.backward()
    assert len(seen) == len(ops)
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_a_gradient_term_of_the_wrong_shape_is_reported_not_scattered():
    class BadRows(Function):
        def forward(ctx, x):
            return x[0]

        def backward(ctx, g):  # claims an input of shape (5, 2); x is (3, 2)
            return Sparse(((5, 2), g.dtype, 0, g, True))

    x = Tensor(np.ones((3, 2)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BadRows.backward.*shape \(5, 2\).*\(3, 2\)"):
        BadRows.apply(x).sum().backward()
    assert x.grad is None


def test_a_gradient_for_an_input_that_needs_none_is_dropped():
    class Both(Function):
        def forward(ctx, x, y):
            return x * y

        def backward(ctx, g):  # returns both, as a careless op might
            return g * 2.0, g * 3.0

    x = Tensor(np.ones(3), requires_grad=True)
    c = Tensor(np.ones(3))  # a constant: its gradient must go nowhere
    Both.apply(x, c).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])
    assert c.grad is None


def test_name_scope_entered_twice_and_left_by_an_exception_restores_the_scope():
    scope = name_scope("a")
    with scope:
        with scope:  # the same object inside itself
            assert engine._state.scope == "a/a"
            y = Tensor(np.ones(2), requires_grad=True) * 2.0
        assert engine._state.scope == "a"
    assert engine._state.scope is None
    assert y._ctx.scope == "a/a"
    with pytest.raises(ValueError), name_scope("b"):
        raise ValueError
    assert engine._state.scope is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ufunc_reductions_in_the_ops_are_the_methods_bit_for_bit(dtype):
    """cross_entropy and Linear call np.add.reduce / np.maximum.reduce where they called
    .sum() / .max(): the value and gradients are what the methods give."""
    rng = np.random.default_rng(1)
    z = rng.standard_normal((9, 5)).astype(dtype) * 4
    t = rng.integers(0, 5, 9)
    logits = Tensor(z.copy(), requires_grad=True)
    J = tg.functional.cross_entropy(logits, t)
    J.backward()
    shifted = z - z.max(axis=1, keepdims=True)
    losses = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(9), t]
    assert J.data.tobytes() == (losses.sum() * (1.0 / 9)).tobytes()
    e = np.exp(shifted)
    d = e / e.sum(axis=1)[:, None]
    d[np.arange(9), t] -= 1
    d *= np.asarray(1.0, dtype) * (1.0 / 9)
    assert logits.grad.tobytes() == d.tobytes()
    lin = tg.nn.Linear(5, 3, dtype=dtype)
    x = Tensor(z)
    lin(x).backward(np.ones((9, 3), dtype))
    assert lin.b.grad.tobytes() == np.ones((9, 3), dtype).sum(axis=0).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", [
    lambda r, dt: OneLayer(12, 4, lam=0.01, rng=r, dtype=dt),
    lambda r, dt: KLayer(12, [6, 5], 4, lam=0.03, rng=r, dtype=dt),
])
def test_classifier_loss_with_the_l2_term_recorded_first_is_the_same_bits(make, dtype):
    """Classifier.loss records the L2 term before the network (its backward then runs after
    the first layer's dW product, as the hand-written step's does): J and every gradient are
    those of the cross-entropy + L2 order, bit for bit."""
    rng = np.random.default_rng(3)
    model = make(rng, dtype)
    X = rng.standard_normal((8, 12)).astype(dtype)
    y = rng.integers(0, 4, 8)
    J = model.loss(X, y)
    J.backward()
    new = [J.data.tobytes()] + [p.grad.tobytes() for p in model.parameters()]
    for p in model.parameters():
        p.grad = None
    W = [lin.W for lin in model.linears]
    J = model.cross_entropy(X, y) + tg.functional.sum_of_squares(*W, scale=model.lam)
    J.backward()
    assert new == [J.data.tobytes()] + [p.grad.tobytes() for p in model.parameters()]


def test_eager_backward_calls_an_ops_own_release():
    """Pending.run frees each op with `release()`, which an op may extend: a convolution drops
    its scratch arrays there (a graph kept for drawing after backward must not hold them)."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 3, 6, 6)))
    w = Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    y = tg.functional.conv2d(x, w, padding=1)
    ctx = y._ctx
    assert ctx.scratch is not None
    y.sum().backward()
    assert ctx.released and ctx.scratch is None
    retained = tg.functional.conv2d(x, w, padding=1)
    retained.sum().backward(retain_graph=True)  # kept for a second backward: not released
    assert not retained._ctx.released


def test_eager_backward_calls_a_release_set_on_an_op_class_after_it_was_made(monkeypatch):
    """Pending.run clears Function's own release inline; one given to a class later (a spy, a
    user's extension patched in) is still called, and one on a user op's class too."""
    calls = []

    class Halve(Function):
        def forward(ctx, x):
            return x / 2

        def backward(ctx, g):
            return g / 2

        def release(ctx):
            calls.append("own")
            super().release()

    x = Tensor(np.ones(3), requires_grad=True)
    Halve.apply(x).sum().backward()
    monkeypatch.setattr(ops.Tanh, "release", lambda ctx: calls.append("patched"))
    y = x.tanh()
    y.sum().backward()
    assert calls == ["own", "patched"] and not y._ctx.released  # (the spy freed nothing)
    np.testing.assert_allclose(x.grad, 0.5 + (1 - np.tanh(1.0) ** 2))


@pytest.mark.parametrize("shape", [(1, 100), (3, 4), (5,), ()])
@pytest.mark.parametrize("dtypes", [(np.float64, np.float64), (np.float32, np.float32),
                                    (np.float16, np.float16), (np.float32, np.float64)])
def test_tanh_backward_is_the_same_bits_as_one_minus_out_squared(shape, dtypes):
    """Tanh.backward subtracts from a cached 0-d one, not a Python 1 (no conversion per call):
    the same values and dtype as `g * (1 - out * out)`, a float64 g on a float32 output too."""
    rng = np.random.default_rng(0)
    out_dt, g_dt = dtypes
    out = np.tanh(rng.standard_normal(shape) * 3).astype(out_dt)
    g = np.asarray(rng.standard_normal(shape), dtype=g_dt)
    ctx = ops.Tanh()
    ctx.saved = (out,)
    got, want = np.asarray(ctx.backward(g)), np.asarray(g * (1 - out * out))
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, k, n", [(1, 100, 100), (25, 100, 80), (3, 1, 4), (1, 7, 1)])
@pytest.mark.parametrize("layout", ["c", "f"])
def test_matmul_backward_products_are_the_bits_of_at(dtype, m, k, n, layout):
    """MatMul.backward multiplies two matrices with ndarray.dot (less dispatch than @): on the
    arrays @ hands to BLAS (contiguous, or a transposed contiguous one) the same bits."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((m, k)).astype(dtype)
    y = rng.standard_normal((k, n)).astype(dtype)
    if layout == "f":
        x, y = np.asfortranarray(x), np.asfortranarray(y)
    g = rng.standard_normal((m, n)).astype(dtype)
    ctx = ops.MatMul()
    ctx.saved, ctx.needs_input_grad = (x, y), [True, True]
    gx, gy = ctx.backward(g)
    if m == 1:  # one row: x^T g left to the accumulator (Outer.total, at the end)
        gy = type(gy).total([gy])
    assert gx.tobytes() == (g @ y.T).tobytes() and gx.dtype == (g @ y.T).dtype
    assert gy.tobytes() == (x.T @ g).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, k, n", [(1, 100, 100), (25, 100, 80), (3, 1, 4), (1, 7, 1),
                                     (5, 200, 1), (0, 3, 2)])
@pytest.mark.parametrize("layout", ["c", "f", "strided"])
def test_matmul_forward_of_two_matrices_is_a_product_as_at_computes_it(dtype, m, k, n, layout):
    """MatMul.forward multiplies two matrices with ndarray.dot (1.3 us where @ takes 2.3 for an
    RNN step): the bits of @ wherever @ calls BLAS (contiguous operands); on a strided view,
    where @ loops itself and dot copies for BLAS, the product to round-off."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((m, 2 * k)).astype(dtype)[:, ::2] if layout == "strided" else \
        rng.standard_normal((m, k)).astype(dtype)
    y = rng.standard_normal((k, n)).astype(dtype)
    if layout == "f":
        x, y = np.asfortranarray(x), np.asfortranarray(y)
    got, want = (Tensor(x) @ Tensor(y)).data, x @ y
    assert got.dtype == want.dtype and got.shape == want.shape
    if layout == "strided":  # (NumPy 2.4's @ copies this view for BLAS too, the same bits;
        # NumPy 2.2's loops, summing in another order: 4e-5 apart, relative, at a cancellation)
        bound = 2 * k * np.finfo(dtype).eps * (np.abs(x) @ np.abs(y))  # each within k eps
        assert np.all(np.abs(got - want) <= bound)  # of the exact |x| @ |y|-weighted product
    else:
        assert got.tobytes() == want.tobytes()


def test_matmul_forward_keeps_numpys_results_for_ints_and_bools_and_one_error_line():
    for a, b in [(np.arange(6).reshape(2, 3), np.arange(6, dtype=np.int32).reshape(3, 2)),
                 (np.ones((2, 3), bool), np.eye(3, 2, dtype=bool))]:
        got, want = (Tensor(a) @ Tensor(b)).data, a @ b
        assert got.dtype == want.dtype and np.array_equal(got, want)
    with pytest.raises(ValueError, match=r"^MatMul: cannot apply to shapes \(2, 3\) and "
                                         r"\(4, 5\): [^\n]*$"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))


@pytest.mark.parametrize("steps", [1, 2, 3])
@pytest.mark.parametrize("start", ["zeros", "random"])
def test_a_gradient_made_only_of_deferred_terms_is_their_total_itself(steps, start):
    """Pending.pop keeps a key's summed deferred terms as its gradient when nothing else was
    sent to it (no zeros added to it: 0 + -0.0 would be +0.0, and a one-step outer product of
    a zero state has -0.0s): W of a recurrence gets its one product H_prev^T G (an outer
    product for one step) bit for bit, and a W that also has a full gradient gets the sum."""
    rng = np.random.default_rng(2)
    W = Tensor(rng.standard_normal((4, 4)), requires_grad=True)
    h0 = Tensor(np.zeros((1, 4)) if start == "zeros" else rng.standard_normal((1, 4)))
    c = -np.arange(1.0, 5.0)  # negative weights: a zero state gives -0.0 products
    hs = [h0]
    for _ in range(steps):
        hs.append((hs[-1] @ W).tanh())
    (hs[-1] * Tensor(c)).sum().backward()
    gs, g = [], c
    for t in range(steps, 0, -1):  # BPTT, in the order backward reaches the steps
        gs.append(g * (1 - hs[t].data * hs[t].data))
        g = gs[-1] @ W.data.T
    rows = [h.data for h in hs[-2::-1]]
    want = rows[0].T * gs[0] if steps == 1 else np.concatenate(rows).T @ np.concatenate(gs)
    assert W.grad.tobytes() == want.tobytes()
    W.grad = None
    X = Tensor(rng.standard_normal((3, 4)))
    ((h0 @ W).sum() + (X @ W).sum()).backward()
    assert np.allclose(W.grad, h0.data.T @ np.ones((1, 4)) + X.data.T @ np.ones((3, 4)))


@pytest.mark.parametrize("sizes", [[1] * 5, [1], [1, 2, 1], [0, 1, 1], [0, 2], [2]])
@pytest.mark.parametrize("order", ["C", "F"])
def test_concatenate_backward_hands_each_piece_its_rows(sizes, order):
    """Concatenate's backward along axis 0 gives pieces of one row each (an RNN's steps) as
    views made in one call, any other sizes as slices: each input gets exactly its rows of
    the upstream gradient, C- or F-ordered, and 0-row pieces an empty gradient."""
    rng = np.random.default_rng(3)
    xs = [Tensor(rng.standard_normal((n, 3)), requires_grad=True) for n in sizes]
    out = tg.functional.concatenate(xs, axis=0)
    G = rng.standard_normal(out.shape)
    out.backward(np.asfortranarray(G) if order == "F" else G)
    starts = np.cumsum([0, *sizes])
    for x, a, b in zip(xs, starts, starts[1:]):
        assert x.grad.shape == x.shape and x.grad.tobytes() == G[a:b].tobytes()
