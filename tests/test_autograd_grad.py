"""tinygrad_dl.autograd.grad against torch.autograd.grad 2.13: gradients returned for leaves
and intermediates, several outputs, grad_outputs, allow_unused / materialize_grads, hooks and
retain_grad on the way, no `.grad` of a leaf touched, the graph freed or kept, refusals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import one_line, torch_or_skip

import tinygrad_dl as tg
from tinygrad_dl import Tensor, autograd
from tinygrad_dl.jit import jit

R = np.random.default_rng(11)
X = R.standard_normal((3, 4))
W = R.standard_normal((4, 2))




def _both(fn):
    """fn(lib, T) with T making tensors of lib; returns (ours, torch's) results as arrays."""
    torch = torch_or_skip()
    ours = fn(tg, lambda a, r=False: Tensor(a, requires_grad=r))
    theirs = fn(torch, lambda a, r=False: torch.tensor(a, requires_grad=r))
    conv = [None if t is None else np.asarray(t) if isinstance(t, np.ndarray) else
            t.data if isinstance(t, Tensor) else t.detach().numpy() for t in (ours + theirs)]
    return conv[:len(ours)], conv[len(ours):]


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if x is None or y is None:
            assert x is None and y is None
        else:
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


def test_leaves_and_an_intermediate_as_torch_and_no_grad_touched():
    def f(lib, T):
        x, w = T(X, True), T(W, True)
        h = (x @ w).tanh()
        loss = (h * h).sum()
        g = lib.autograd.grad(loss, [w, h, x])
        assert x.grad is None and w.grad is None
        return list(g)
    _same(*_both(f))


def test_several_outputs_with_grad_outputs_and_an_output_that_feeds_another():
    G = R.standard_normal((3, 2))

    def f(lib, T):
        x, w = T(X, True), T(W, True)
        y = x @ w
        z = (y * y).sum()
        return list(lib.autograd.grad([z, y], [x, w], grad_outputs=[None, T(G)]))
    _same(*_both(f))


def test_the_same_output_twice_and_the_same_input_twice():
    def f(lib, T):
        x = T(X, True)
        s = (x * 3).sum()
        return list(lib.autograd.grad([s, s], [x, x]))
    _same(*_both(f))


def test_allow_unused_and_materialize_grads():
    def f(lib, T):
        x, u = T(X, True), T(W, True)
        a = lib.autograd.grad((x * 2).sum(), [x, u], allow_unused=True, retain_graph=True)
        b = lib.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)
        return [*a, *b]
    _same(*_both(f))


def test_hooks_and_retain_grad_run_on_the_way_astorch_or_skip():
    def f(lib, T):
        x = T(X, True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 3)
        x.register_hook(lambda g: g + 1)
        (gx, gy) = lib.autograd.grad((y * y).sum(), [x, y])
        return [gx, gy, y.grad, x.grad]
    _same(*_both(f))


def test_the_graph_is_freed_unless_retained():
    x = Tensor(X, requires_grad=True)
    loss = (x.tanh() * 2).sum()
    g1, = autograd.grad(loss, x, retain_graph=True)
    g2, = autograd.grad(loss, x)
    np.testing.assert_array_equal(g1.data, g2.data)
    with pytest.raises(RuntimeError, match="a second time"):
        autograd.grad(loss, x)


def test_results_are_new_arrays_of_their_own():
    """y = x + x hands one array to both inputs of the add: the two results must not share."""
    x = Tensor(X, requires_grad=True)
    a = x * 1.0
    b = x * 1.0
    ga, gb = autograd.grad((a + b).sum(), [a, b])
    ga.data[0, 0] = 99.0
    assert gb.data[0, 0] == 1.0
    assert not ga.requires_grad


def test_refusals_are_one_line():
    x = Tensor(X, requires_grad=True)
    for call, exc, words in (
            (lambda: autograd.grad((x * 2).sum(), [x, Tensor(W, requires_grad=True)]),
             RuntimeError, ("input 1", "not used", "allow_unused=True")),
            (lambda: autograd.grad(x * 2, x), RuntimeError, ("shape (3, 4)", "grad_output")),
            (lambda: autograd.grad(Tensor(X).sum(), x), RuntimeError, ("output 0",
                                                                         "does not require")),
            (lambda: autograd.grad((x * 2).sum(), Tensor(X)), RuntimeError, ("input 0",)),
            (lambda: autograd.grad(x * 2, x, grad_outputs=np.ones(3)), RuntimeError,
             ("grad_output 0 has shape (3,)",)),
            (lambda: autograd.grad((x * 2).sum(), x, create_graph=True), NotImplementedError,
             ("create_graph=True", "second derivatives")),
            (lambda: autograd.grad([(x * 2).sum()], x, grad_outputs=[None, None]), ValueError,
             ("1 outputs but 2",))):
        with pytest.raises(exc) as e:
            call()
        one_line(e, "autograd.grad", *words)


def test_inside_a_jitted_step_it_runs_eagerly():
    w = Tensor(W, requires_grad=True)

    @jit
    def step(xb):
        loss = ((Tensor(xb) @ w) ** 2).sum()
        g, = autograd.grad(loss, w)
        return g

    want = 2 * X.T @ (X @ W)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            np.testing.assert_allclose(step(X).data, want, rtol=1e-12)
    assert any("autograd.grad" in str(c.message) for c in caught)
    assert w.grad is None
