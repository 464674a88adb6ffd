"""Review of the write guard's views (hWGr): a parameter whose array is a view of an array no
one else sees (`rng.standard_normal(12).reshape(3, 4)`, `.T` of a fresh array) is stepped while
another graph lives (a loss kept for logging, retain_graph) as any parameter is: it gets a copy,
and a backward through the old graph raises naming the step (torch: its version counter error at
that backward, not at the step). Only a view whose owner others see (a flat buffer, `big`) is
refused at the write, since a copy would untie it."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.optim import SGD

MAKERS = {
    "reshape": lambda rng: rng.standard_normal(12).reshape(3, 4),
    "transpose": lambda rng: rng.standard_normal((4, 3)).T,
    "slice": lambda rng: rng.standard_normal((3, 6))[:, ::2],
}


def _step(W, how):
    W.grad = np.ones(W.shape)
    if how == "sgd":
        SGD([W], lr=0.5).step()
    else:
        with tg.no_grad():
            W.sub_(0.5)


@pytest.mark.parametrize("make", list(MAKERS))
@pytest.mark.parametrize("how", ["sgd", "sub_"])
def test_a_view_no_one_else_sees_steps_while_a_graph_lives(make, how):
    rng = np.random.default_rng(0)
    W = tg.Tensor(MAKERS[make](rng), requires_grad=True)
    w0 = W.data.copy()
    assert W.data.base is not None
    x = tg.Tensor(rng.standard_normal((2, 3)))
    (x @ W).sum().backward()
    kept = (W * W).sum()  # a graph alive at the step (a logged penalty)
    _step(W, how)
    np.testing.assert_array_equal(W.data, w0 - 0.5)
    with pytest.raises(RuntimeError, match="replaced by") as e:
        kept.backward()
    assert "\n" not in str(e.value)
    del kept
    assert W.data.flags.writeable and W.data.base is None  # its own copy now


def test_a_retained_graph_then_a_step_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = rng.standard_normal(12)
    W = tg.Tensor(a.copy().reshape(3, 4), requires_grad=True)
    Wt = torch.tensor(a).reshape(3, 4).requires_grad_()
    loss, tloss = (W * W).sum(), (Wt * Wt).sum()
    loss.backward(retain_graph=True)
    tloss.backward(retain_graph=True)
    SGD([W], lr=0.1).step()
    torch.optim.SGD([Wt], lr=0.1).step()  # torch: the step is fine ...
    np.testing.assert_allclose(W.data, Wt.detach().numpy(), rtol=0, atol=0)
    with pytest.raises(RuntimeError):  # ... and the backward through the old graph raises
        tloss.backward()
    with pytest.raises(RuntimeError, match="SGD"):
        loss.backward()


@pytest.mark.parametrize("hold", ["flat", "other view"])
def test_a_view_others_see_is_still_refused(hold):
    flat = np.arange(12.0)
    W = tg.Tensor(flat[:6].reshape(2, 3), requires_grad=True)
    other = tg.Tensor(flat[6:], requires_grad=True)
    if hold == "other view":
        del flat
    kept = (W * W).sum() + (other * 2).sum()
    W.grad = np.ones((2, 3))
    with pytest.raises(RuntimeError, match="is a view of another array"):
        SGD([W], lr=1.0).step()
    kept.backward()
    np.testing.assert_array_equal(W.grad, 1.0 + 2 * np.arange(6.0).reshape(2, 3))
    del kept
    assert np.shares_memory(W.data, other.data.base) and W.data.flags.writeable


@pytest.mark.parametrize("op", ["reshape", "getitem", "transpose", "expand"])
def test_a_parameter_on_torch_memory_read_through_a_view_op_stays_writable(op):
    torch = pytest.importorskip("torch")
    t = torch.arange(12.0, dtype=torch.float64)
    X = tg.Tensor(t.numpy()[:3], requires_grad=True)
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    view = {"reshape": lambda: X.reshape(1, 3), "getitem": lambda: X[None],
            "transpose": lambda: X.reshape(3, 1).T, "expand": lambda: X.expand(1, 3)}[op]
    for _ in range(2):  # a second step: the first one's lock must have ended
        X.grad = None
        (view() @ W.T).sum().backward()
        assert X.data.flags.writeable
        SGD([X], lr=1.0).step()
    np.testing.assert_array_equal(t.numpy()[:3], np.arange(3.0) - 4.0)  # the step reached t
