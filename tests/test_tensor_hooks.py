"""Tensor hooks: register_hook, retain_grad / retains_grad, register_post_accumulate_grad_hook,
against torch 2.13 where it is installed (the gradients a hook sees and what it changes), and
the ways a hook could make a gradient wrong without a word (a hook writing into a gradient
another tensor shares, a returned tensor the caller keeps, a hook a jit replay would skip)."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from oracle import one_line, torch_or_skip

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit

R = np.random.default_rng(3)
X = R.standard_normal((3, 4))
W = R.standard_normal((4, 2))




def _graph(lib, x, w, seen, retain):
    """y = tanh(x @ w); z = y * y + y; loss = z.sum(): a hook on y doubles its gradient."""
    y = (x @ w).tanh()
    if retain == "before":
        y.retain_grad()
    y.register_hook(lambda g: seen.append(np.array(g.detach().numpy() if lib != "ours"
                                                    else g.data)))
    y.register_hook(lambda g: g * 2)
    if retain == "after":
        y.retain_grad()
    z = y * y + y
    z.sum().backward()
    return y


@pytest.mark.parametrize("retain", ["before", "after"])
def test_hooks_on_an_op_result_change_what_flows_on_as_torch(retain):
    torch = torch_or_skip()
    seen_t, seen_o = [], []
    xt, wt = torch.tensor(X, requires_grad=True), torch.tensor(W, requires_grad=True)
    yt = _graph("torch", xt, wt, seen_t, retain)
    xo, wo = Tensor(X, requires_grad=True), Tensor(W, requires_grad=True)
    yo = _graph("ours", xo, wo, seen_o, retain)
    np.testing.assert_allclose(seen_o[0], seen_t[0], rtol=1e-13)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(wo.grad, wt.grad.numpy(), rtol=1e-12)
    # retain_grad keeps the gradient the hooks returned, whatever the order of the calls
    np.testing.assert_allclose(yo.grad, yt.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(yo.grad, 2 * seen_o[0], rtol=1e-15)
    assert yo.retains_grad and yt.retains_grad


def test_hook_on_a_leaf_changes_what_is_accumulated_every_backward():
    torch = torch_or_skip()
    xt, xo = torch.tensor(X, requires_grad=True), Tensor(X, requires_grad=True)
    xt.register_hook(lambda g: g.clamp(-0.5, 0.5))
    xo.register_hook(lambda g: g.clamp(-0.5, 0.5))
    for _ in range(2):  # accumulated twice, clipped each time
        (xt * torch.tensor(W[:, :1].T * 3)).sum().backward()
        (xo * Tensor(W[:, :1].T * 3)).sum().backward()
    np.testing.assert_array_equal(xo.grad, xt.grad.numpy())
    assert np.abs(xo.grad).max() == 1.0


def test_hook_on_the_root_gets_the_starting_gradient():
    torch = torch_or_skip()
    got_o, got_t = [], []
    xo, xt = Tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    yo, yt = xo * 2, xt * 2
    yo.register_hook(lambda g: got_o.append(g.data.copy()) or g * 3)
    yt.register_hook(lambda g: got_t.append(g.numpy().copy()) or g * 3)
    G = R.standard_normal(X.shape)
    yo.backward(G)
    yt.backward(torch.tensor(G))
    np.testing.assert_array_equal(got_o[0], got_t[0])
    np.testing.assert_array_equal(xo.grad, xt.grad.numpy())


def test_deferred_gradient_terms_reach_a_leaf_hook_whole():
    """W of one-row products (an RNN's h @ W) gets its gradient as one deferred product: the
    hook sees the complete sum, once."""
    torch = torch_or_skip()
    calls = []

    def run(lib, T):
        w = T(W @ W.T / 4, requires_grad=True)
        w.register_hook(lambda g: calls.append(lib) or g * 0.5)
        h = T(X[:1])
        for _ in range(4):
            h = (h @ w).tanh()
        h.sum().backward()
        return w.grad if lib == "ours" else w.grad.numpy()

    ours = run("ours", Tensor)
    theirs = run("torch", lambda a, requires_grad=False: torch.tensor(
        a, requires_grad=requires_grad))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert calls == ["ours", "torch"]


def test_remove_and_context_manager_unregister():
    x = Tensor(X, requires_grad=True)
    calls = []
    h = x.register_hook(lambda g: calls.append(1))
    with x.register_hook(lambda g: calls.append(2)):
        (x * 2).sum().backward()
    assert calls == [1, 2]
    h.remove()
    h.remove()  # twice: harmless
    (x * 2).sum().backward()
    assert calls == [1, 2]
    assert x._retain is False  # no hook left: the engine's one check per op again


def test_a_hook_that_writes_into_its_gradient_is_refused():
    """Add hands one array to both inputs: a hook's `g.data *= 2` on a would change b's."""
    a, b = Tensor(X, requires_grad=True), Tensor(X, requires_grad=True)

    def bad(g):
        g.data *= 2

    a.register_hook(bad)
    with pytest.raises(RuntimeError) as e:
        (a + b).sum().backward()
    one_line(e, "register_hook", "bad", "wrote into the gradient", "grad * 2")


def test_a_returned_tensor_the_caller_keeps_is_never_added_into():
    keep = Tensor(np.ones_like(X))
    x = Tensor(X, requires_grad=True)
    x.register_hook(lambda g: keep)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(keep.data, np.ones_like(X))
    np.testing.assert_array_equal(x.grad, 2 * np.ones_like(X))
    y = Tensor(X, requires_grad=True)
    mid = y * 1.0
    mid.register_hook(lambda g: keep)
    mid.retain_grad()
    (mid + mid * 2).sum().backward()
    np.testing.assert_array_equal(keep.data, np.ones_like(X))
    np.testing.assert_array_equal(mid.grad, np.ones_like(X))
    np.testing.assert_array_equal(y.grad, np.ones_like(X))


def test_an_array_return_is_accepted_and_bad_returns_are_one_line():
    x = Tensor(X, requires_grad=True)
    x.register_hook(lambda g: np.zeros_like(g.data))
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros_like(X))
    for bad, words in ((lambda g: g[:1], ("shape (1, 4)", "(3, 4)")),
                       (lambda g: g.astype(np.float32), ("float32", "float64")),
                       (lambda g: 3.0, ("returned a float",))):
        y = Tensor(X, requires_grad=True)
        y.register_hook(bad)
        with pytest.raises((RuntimeError, TypeError)) as e:
            (y * 3).sum().backward()
        one_line(e, "register_hook", *words)


def test_refusals():
    with pytest.raises(RuntimeError) as e:
        Tensor(X).register_hook(lambda g: None)
    one_line(e, "register_hook", "does not require grad")
    with pytest.raises(TypeError) as e:
        Tensor(X, requires_grad=True).register_hook(None)
    one_line(e, "must be callable")
    y = Tensor(X, requires_grad=True) * 2
    with pytest.raises(RuntimeError) as e:
        y.register_post_accumulate_grad_hook(lambda t: None)
    one_line(e, "post-accumulate-grad hooks are for leaf tensors", "Mul")


def test_post_accumulate_grad_hook_sees_the_accumulated_grad_astorch_or_skip():
    torch = torch_or_skip()
    got_o, got_t = [], []
    xo, xt = Tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    xo.register_hook(lambda g: g * 2)
    xt.register_hook(lambda g: g * 2)
    xo.register_post_accumulate_grad_hook(lambda t: got_o.append(t.grad.copy()))
    xt.register_post_accumulate_grad_hook(lambda t: got_t.append(t.grad.numpy().copy()))
    for _ in range(2):
        (xo * 3).sum().backward()
        (xt * 3).sum().backward()
    np.testing.assert_array_equal(np.array(got_o), np.array(got_t))
    unused, called = Tensor(X, requires_grad=True), []
    unused.register_post_accumulate_grad_hook(called.append)
    (xo * 3 + unused.detach()).sum().backward()  # no gradient reaches `unused`: not called
    assert called == [] and unused.grad is None


def test_retains_grad_and_retain_grad_on_a_leaf():
    x = Tensor(X, requires_grad=True)
    x.retain_grad()  # a no-op, as torch's
    assert not x.retains_grad and x._retain is False
    y = x * 2
    assert not y.retains_grad
    y.retain_grad()
    assert y.retains_grad


def test_copy_does_not_share_hooks():
    x = Tensor(X, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append("x"))
    c = copy.copy(x)
    c.register_hook(lambda g: calls.append("c"))
    (x * 2).sum().backward()
    assert calls == ["x"]


def _step(w):
    @jit
    def step(xb):
        loss = ((Tensor(xb) @ w) ** 2).sum()
        loss.backward()
        return loss
    return step


def test_a_jitted_step_with_a_hook_on_a_parameter_runs_eagerly():
    w = Tensor(W, requires_grad=True)
    calls = []
    w.register_hook(lambda g: calls.append(1) or g * 0)
    step = _step(w)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            w.grad = None
            step(X)
            assert np.all(w.grad == 0)
    assert calls == [1] * 4
    assert any("register_hook" in str(c.message) for c in caught)


def test_a_hook_registered_after_a_step_was_recorded_is_not_skipped():
    w = Tensor(W, requires_grad=True)
    step = _step(w)
    for _ in range(4):  # recorded, then replayed
        w.grad = None
        step(X)
    want = w.grad.copy()
    calls = []
    w.register_hook(lambda g: calls.append(1) or g * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            w.grad = None
            step(X)
            np.testing.assert_array_equal(w.grad, 2 * want)
    assert calls == [1] * 3


def test_functional_names():
    x = tg.tensor(X, requires_grad=True)
    h = x.register_hook(lambda g: g + 1)
    assert type(h).__name__ == "RemovableHandle"
    x.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(X.shape, 2.0))
