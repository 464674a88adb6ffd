"""The holes in the write guard (issue 19, item 4), each closed or refused loudly.

Before: array-valued op parameters (where's condition, getitem index arrays, cross_entropy
targets, repeat counts) were kept by reference, so rewriting a reused buffer between forward
and backward changed the gradient silently; parameters that are views of one flat buffer stayed
read-only for good after one backward, so every SGD.step() failed; a NumPy view of a parameter
taken before the forward (`v = w.data[:]`), or a parameter made from a view
(`Tensor(big[:, :2], requires_grad=True)`) could be written between forward and backward without
a word (grad 51 instead of 3).
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
from oracle import watching

import tinygrad_dl as tg
from tinygrad_dl import Tensor, optim, write_guard
from tinygrad_dl import functional as F


def _grad(build, rewrite) -> np.ndarray:
    """x's gradient when `rewrite()` runs between the forward `build(x)` and backward."""
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    out = build(x)
    rewrite()
    (out * Tensor(np.arange(1.0, out.size + 1).reshape(out.shape))).sum().backward()
    return x.grad


def _unchanged_by_rewrite(make_param, build) -> None:
    """The gradient with the parameter buffer rewritten after the forward equals the one
    without: the op kept its own copy."""
    buf = make_param()
    clean = _grad(lambda x: build(x, buf), lambda: None)
    buf = make_param()
    dirty = _grad(lambda x: build(x, buf), lambda: buf.__setitem__(..., np.roll(buf, 1)))
    np.testing.assert_array_equal(dirty, clean)


def test_where_condition_buffer() -> None:
    _unchanged_by_rewrite(lambda: np.array([True, False, True]),
                          lambda x, c: tg.where(c, x, 0.0))


def test_where_condition_tensor() -> None:
    mask = Tensor(np.array([True, False, False]))
    x = Tensor(np.ones(3), requires_grad=True)
    out = tg.where(mask, x, 0.0)
    mask.data[:] = [False, True, True]  # a bool constant: not locked, but the op has a copy
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 0.0])


@pytest.mark.parametrize("index", [np.array([0, 0, 2]), np.array([True, False, True])])
def test_getitem_index_buffer(index: np.ndarray) -> None:
    _unchanged_by_rewrite(lambda: index.copy(), lambda x, i: x[i])


def test_getitem_index_tuple_of_arrays() -> None:
    rows, cols = np.array([0, 1, 1]), np.array([2, 0, 0])
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = x[rows, cols]
    rows[:], cols[:] = 0, 0
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 1], [2, 0, 0]])


def test_repeat_counts_buffer() -> None:
    _unchanged_by_rewrite(lambda: np.array([1, 2, 0]), lambda x, r: x.repeat(r))


def test_roll_shift_and_clip_bounds_buffers() -> None:
    x = Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    shift = np.array([1, 0])
    lo = np.array([0.5, 0.5])
    out = x.roll(shift, axis=(0, 1)).clip(lo, None)  # [[2, 3], [0.5, 1]]: one clipped
    shift[:] = 0
    lo[:] = -10
    (out * Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 4.0], [1.0, 2.0]])


@pytest.mark.parametrize("one_hot", [False, True])
def test_cross_entropy_targets_buffer(one_hot: bool) -> None:
    y = np.array([0, 2])
    t = F.one_hot(y, 3) if one_hot else y.copy()
    z = Tensor(np.zeros((2, 3)), requires_grad=True)
    loss = F.cross_entropy(z, t)
    t[...] = t[::-1].copy()  # the next batch's labels into the same buffer
    loss.backward()
    expected = (np.full((2, 3), 1 / 3) - F.one_hot(y, 3)) / 2
    np.testing.assert_allclose(z.grad, expected, rtol=1e-14)


def test_flat_buffer_parameters_train_step_after_step() -> None:
    buf = np.ones(12)
    w1 = Tensor(buf[:6].reshape(2, 3), requires_grad=True)
    w2 = Tensor(buf[6:].reshape(2, 3), requires_grad=True)
    x = Tensor(np.ones((4, 2)))
    opt = optim.SGD([w1, w2], lr=0.01)
    for _ in range(3):
        opt.zero_grad()
        # two matmuls of leaves only: two graphs, each locking the buffer and one view
        ((x @ w1) * (x @ w2)).sum().backward()
        assert w1.data.flags.writeable and w2.data.flags.writeable and buf.flags.writeable
        opt.step()  # before: "output array is read-only" from the first step on
    assert np.shares_memory(w1.data, buf) and not np.allclose(buf, 1.0)
    # none of this test's arrays is still locked or waiting (the tables are the process's:
    # a graph another test left to the garbage collector holds its own arrays there)
    mine = {id(a) for a in (buf, w1.data, w2.data, x.data)}
    assert not mine & (write_guard._locks.keys() | write_guard._waiting.keys())


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_flat_buffer_unlocks_when_the_graphs_are_dropped_in_any_order() -> None:
    buf = np.zeros(4)
    a, b = Tensor(buf[:2], requires_grad=True), Tensor(buf[2:], requires_grad=True)
    x = Tensor(np.ones(2), requires_grad=True)  # (each product then saves a, b: locked)
    ga, gb = (x * a).sum(), (x * b).sum()
    del ga
    gc.collect()
    assert not a.data.flags.writeable  # its owner is still held by gb's graph
    del gb
    gc.collect()
    a.data[:] = 1.0
    b.data[:] = 2.0
    buf[0] = 3.0
    np.testing.assert_array_equal(buf, [3.0, 1.0, 2.0, 2.0])


def test_parameter_view_written_through_another_view_is_refused_at_backward() -> None:
    base = np.arange(12.0)
    big = base.reshape(3, 4)  # a view of `base`: locking base cannot reach it
    w = Tensor(big[:, :2], requires_grad=True)
    loss = (w * w).sum()
    big[:] = 5.0  # the write between forward and backward
    with pytest.raises(RuntimeError, match="written after the forward through another view"):
        loss.backward()
    loss = (w * w).sum()
    loss.backward()
    np.testing.assert_array_equal(w.grad, np.full((3, 2), 10.0))


def test_view_of_a_parameter_taken_before_the_forward_is_refused_at_backward() -> None:
    # the reproduction: v[:] = 5 between forward and backward gave 51 instead of 3
    w = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    v = w.data[:]
    loss = (w * w).sum()
    v[:] = 5.0
    with pytest.raises(RuntimeError, match="was written after the forward"):
        loss.backward()
    del loss
    gc.collect()
    loss = (w * w * w).sum()  # with v still around: compared again, and right
    loss.backward()
    np.testing.assert_array_equal(w.grad, np.full(3, 75.0))


def test_a_view_made_after_the_forward_is_read_only() -> None:
    w = Tensor(np.ones(3), requires_grad=True)
    loss = (w * w).sum()
    v = w.data[:]
    with pytest.raises(ValueError, match="read-only"):
        v[:] = 5.0
    loss.backward()


def test_ordinary_training_keeps_no_copies() -> None:
    # the comparison is for parameters with unexplained references only: a model whose
    # parameters are used by several ops (a layer and its L2 penalty) keeps none
    from tinygrad_dl.models import KLayer, TwoLayer

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((10, 20)), rng.integers(0, 3, 10)
    for net in (TwoLayer(20, 8, 3, lam=0.01, rng=rng),
                KLayer(20, [8, 6], 3, batch_norm=True, lam=0.01, rng=rng)):
        for _ in range(2):
            cost = net.loss(X, y)
            assert watching() == 0
            cost.backward()
            net.zero_grad()


def test_parameter_view_with_nan_is_not_a_false_alarm() -> None:
    buf = np.array([np.nan, 1.0, 2.0, 3.0])
    w = Tensor(buf[:2], requires_grad=True)
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0])


def test_owner_kept_by_the_user_is_locked() -> None:
    big = np.ones((3, 4))
    w = Tensor(big[:, :2], requires_grad=True)
    loss = (w * w).sum()
    with pytest.raises(ValueError, match="read-only"):
        big[:] = 5.0
    loss.backward()
    np.testing.assert_array_equal(w.grad, np.full((3, 2), 2.0))


def test_guard_costs_nothing_when_no_parameter_is_a_view() -> None:
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    x = Tensor(np.ones((4, 3)))
    loss = (x @ w).sum()
    assert watching() == 0
    loss.backward()


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
@pytest.mark.parametrize("n", [3, 20_000])  # compared as bytes (small) and by a NumPy pass
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_changed_bit_of_a_watched_parameter_is_found(n: int, dtype: type) -> None:
    """The comparison of a watched parameter (one with a view made before the forward) finds
    a write of one element to a value one ulp away, at either end, and passes NaN left as NaN."""
    for where in (0, n - 1):
        w = Tensor(np.linspace(1.0, 2.0, n).astype(dtype), requires_grad=True)
        w.data[1] = np.nan
        v = w.data[:]
        loss = (w * w).sum()
        v[where] = np.nextafter(v[where], dtype(3.0))
        with pytest.raises(RuntimeError, match="was written after the forward"):
            loss.backward()
        del loss
        gc.collect()
        loss = (w * w).sum()
        loss.backward()  # unchanged since this forward (NaN included): no error
        assert np.isnan(w.grad[1])


@pytest.mark.parametrize("which", [0, 1, 2])
def test_view_of_any_weight_of_a_many_input_op_is_refused_at_backward(which: int) -> None:
    """join counts the references it accounts for once per op (an L2 term over k weights),
    not once per weight: a view taken before the forward of the first, middle or last weight
    is still found, a weight given twice is no false alarm, and no view keeps no copy."""
    from tinygrad_dl import functional as F

    ws = [Tensor(np.full(3, float(i + 1)), requires_grad=True) for i in range(3)]
    loss = F.sum_of_squares(ws[0], ws[1], ws[0], ws[2], scale=0.5)
    assert watching() == 0
    loss.backward()
    v = ws[which].data[:]
    loss = F.sum_of_squares(*ws, scale=0.5)
    assert watching() == 1
    v[:] = 7.0
    with pytest.raises(RuntimeError, match="was written after the forward"):
        loss.backward()


# ---- found 2026-12-03: a Tensor view of a constant made before the forward ------------------
@pytest.mark.parametrize("view, write", [
    (lambda x: x[0:2], lambda v: v.__iadd__(10)),
    (lambda x: x.reshape(3), lambda v: v.__setitem__(0, 10.0)),
    (lambda x: x[:], lambda v: v.mul_(0.0)),
])
def test_a_write_through_a_tensor_view_of_a_saved_constant_is_refused(view, write):
    """`v = x[0:2]` of a constant (no op recorded: a NumPy view of x's array), then a forward
    that saves x's array, then `v += 10`: the view stayed writeable when x's array was locked,
    so the write reached what Mul saved and w.grad came out [11, 12, 3] instead of [1, 2, 3].
    A copy would not do here (the write must reach x, whose view v is): it raises, and the
    graph, x and v keep their values."""
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    w = Tensor(np.ones(3), requires_grad=True)
    v = view(x)
    y = (w * x).sum()
    with pytest.raises(RuntimeError, match=r"this tensor's array is a view of an array a live "
                                           r"graph saved for backward \(of shape \(3,\)\)"):
        write(v)
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0])
    y.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 2.0, 3.0])
    write(v)  # after backward the graph holds nothing: the write reaches x, as a view's does
    assert not np.array_equal(x.data, [1.0, 2.0, 3.0])


def test_a_tensor_view_written_with_no_graph_alive_still_writes_its_base():
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    v = x[0:2]
    v += 10
    np.testing.assert_array_equal(x.data, [11.0, 12.0, 3.0])
