"""The write guard holds an op's result that an op saved (write_guard.join): a write into its
`.data` between the forward and the backward raises NumPy's read-only error instead of giving
the gradient at the new values. Before, `y = x.tanh(); y.data[0] = 0; y.sum().backward()`
gave tanh's gradient at 0 (1.0 for 0.786) without a word. A result no op saved stays writable
(no backward reads it), and every result is writable again once its graph is freed."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from oracle import watching

import tinygrad_dl as tg
from tinygrad_dl import Tensor

X = np.array([0.5, 1.0])


def _x() -> Tensor:
    return Tensor(X.copy(), requires_grad=True)


def test_a_write_into_a_result_its_own_op_saved_raises_and_the_gradient_stays_right() -> None:
    x = _x()
    y = x.tanh()  # tanh's backward reads y
    with pytest.raises(ValueError, match="read-only"):
        y.data[0] = 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 1 - np.tanh(X) ** 2, rtol=1e-15)
    y.data[0] = 0.0  # the graph is freed: writable again
    assert y.data[0] == 0.0


def test_a_write_into_a_result_a_later_op_saved_raises() -> None:
    x = _x()
    h = x * 2.0
    z = (h * h).sum()  # Mul saves h
    with pytest.raises(ValueError, match="read-only"):
        h.data += 1.0
    z.backward()
    np.testing.assert_allclose(x.grad, 8 * X, rtol=1e-15)  # d(4x^2)/dx, at the forward's x


def test_a_result_no_op_saved_stays_writable_and_changes_no_gradient() -> None:
    x, w = _x(), Tensor(np.array([3.0, 4.0]), requires_grad=True)
    s = x + w  # Add saves nothing, nor does sum
    J = s.sum()
    s.data[0] = 5.0
    J.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


def test_a_view_result_of_a_saved_array_is_held() -> None:
    """Max saves its keepdims result and returns a reshape of it: the view is held too."""
    x = Tensor(np.array([[1.0, 3.0], [2.0, 0.5]]), requires_grad=True)
    m = x.max(axis=1)
    assert m.data.base is not None
    with pytest.raises(ValueError, match="read-only"):
        m.data[0] = 10.0
    m.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0], [1.0, 0.0]])


def test_retain_graph_keeps_the_hold_until_the_last_backward() -> None:
    x = _x()
    y = x.exp()
    J = y.sum()
    J.backward(retain_graph=True)
    with pytest.raises(ValueError, match="read-only"):  # the second backward reads it
        y.data[0] = 0.0
    x.grad = None
    J.backward()
    np.testing.assert_allclose(x.grad, np.exp(X), rtol=1e-15)
    y.data[0] = 0.0  # freed by that backward
    assert y.data[0] == 0.0


def test_a_graph_dropped_without_backward_lets_its_results_go() -> None:
    x = _x()
    y = x.tanh()
    arr = y.data
    assert not arr.flags.writeable
    del y
    gc.collect()
    assert arr.flags.writeable


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_a_result_two_graphs_saved_is_held_until_both_are_done() -> None:
    x, w = _x(), Tensor(np.array([0.2, 0.3]), requires_grad=True)
    y = x.tanh()  # graph 1
    z = w.exp()  # graph 2
    q = (z * y).sum()  # Mul joins z's graph and saves y: graph 2 holds y too
    y.sum().backward()  # frees graph 1 (tanh's op)
    with pytest.raises(ValueError, match="read-only"):  # graph 2's Mul still reads y
        y.data[0] = 0.0
    del q, z  # graph 2 lives while any of its ops does (z's exp too)
    gc.collect()
    y.data[0] = 0.0  # no graph left


def test_detach_of_a_saved_result_gives_a_copy_and_the_backward_names_the_writer() -> None:
    x = _x()
    y = x.tanh()
    d = y.detach()
    with tg.no_grad():
        d += 1.0  # the detached tensor gets a copy; y's array, which tanh saved, is kept
    np.testing.assert_allclose(y.data, np.tanh(X), rtol=0)
    with pytest.raises(RuntimeError, match="replaced by"):
        y.sum().backward()


class _Same(tg.Function):
    """x itself, saved: a result that is its input's array, not a fresh one."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x

    def backward(ctx, g):
        return g


def test_a_result_that_is_a_parameters_own_array_keeps_the_parameters_checks() -> None:
    """A parameter's view made before the forward (`v = w.data[:]`) is found by the graph's
    reference count and compared before backward; an op returning the parameter's array
    itself must not skip that check as if its result were a fresh array."""
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = w.data[:]
    y = _Same.apply(w)
    J = (y * y).sum()  # Mul's backward reads y, which is w's array
    v[0] = 100.0
    with pytest.raises(RuntimeError, match="written after the forward"):
        J.backward()


def test_a_numpy_view_of_a_result_made_before_an_op_saved_it_is_caught() -> None:
    """`v = h.data[:1]` while h's array was writable stays writable when an op saves h later
    (NumPy cannot lock the views that exist): a write through it is found at backward, as
    for a parameter's view, by the copy the graph keeps of an array with references it
    cannot account for."""
    x = _x()
    h = x * 2.0
    v = h.data[:1]
    z = (h * h).sum()  # Mul saves h: locked, but v stays writable
    v[0] = 100.0
    with pytest.raises(RuntimeError, match="written after the forward"):
        z.backward()


def test_a_result_without_views_is_not_copied() -> None:
    """The common case: nothing but the graph refers to a saved result's array, so the graph
    keeps no copy of it (the check costs a reference count, not a copy)."""

    x = _x()
    h = x * 2.0
    z = (h * h).sum()
    assert z._ctx.parents[0]._ctx.graph.copies is None
    assert watching() == 0
    z.backward()
