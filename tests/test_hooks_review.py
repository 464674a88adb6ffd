"""Review of the hooks and autograd.grad (commit 903f495) against torch 2.13: each test failed
before its fix. A hook's gradient in the tensor's own dtype, a gradient a hook kept never
added into, autograd.grad running only the ops between outputs and inputs (torch's engine),
a module's grad_output by output position, and a backward hook's None meaning no gradient."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import torch_or_skip

from tinygrad_dl import Tensor, autograd, nn

R = np.random.default_rng(17)



def test_a_float32_tensor_s_hook_sees_and_returns_a_float32_gradient_astorch_or_skip():
    # a float32 parameter used with a float64 input: its gradient arrives as float64; torch's
    # hook sees it in the tensor's dtype, and returning one of that dtype was refused here
    x = Tensor(R.standard_normal((2, 3)))
    for leaf in (True, False):
        w = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
        t = w if leaf else w * 2
        seen = []
        t.register_hook(lambda g, seen=seen: (seen.append(g.data.dtype),
                                              Tensor(np.ones((2, 3), np.float32)))[1])
        (t * x).sum().backward()
        assert seen == [np.float32]
        assert w.grad.dtype == np.float32
        np.testing.assert_array_equal(w.grad, 1.0 if leaf else 2.0)


def test_autograd_grad_gives_a_float32_input_a_float32_gradient():
    w = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    h = w * 2
    loss = (h * Tensor(R.standard_normal((2, 3)))).sum()
    gw, gh = autograd.grad(loss, [w, h])
    assert gw.data.dtype == gh.data.dtype == np.float32


def test_a_gradient_a_hook_kept_is_not_changed_by_the_next_backward():
    # the array shown to a leaf's hook became its .grad, and the next backward's `.grad += g`
    # changed the gradient the hook had kept (torch's AccumulateGrad copies a shared one)
    p = Tensor(np.ones(3), requires_grad=True)
    kept = []
    p.register_hook(kept.append)
    (p * 2).sum().backward()
    (p * 3).sum().backward()
    np.testing.assert_array_equal(kept[0].data, 2.0)
    np.testing.assert_array_equal(kept[1].data, 3.0)
    np.testing.assert_array_equal(p.grad, 5.0)
    # an op's result with retain_grad(), backward twice through the same graph
    q = Tensor(np.ones(3), requires_grad=True)
    y = q * 2
    y.retain_grad()
    kept = []
    y.register_hook(kept.append)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_array_equal(kept[0].data, 1.0)
    np.testing.assert_array_equal(y.grad, 2.0)


def test_autograd_grad_runs_no_hook_and_frees_nothing_below_its_inputs():
    torch = torch_or_skip()
    res = {}
    for lib, T, grad in ((None, lambda a: Tensor(a, requires_grad=True), autograd.grad),
                         (torch, lambda a: torch.tensor(a, requires_grad=True),
                          torch.autograd.grad)):
        a = T(np.array([0.5, 1.0, 2.0]))
        b = a.sin()  # saves a: its backward must still work afterwards
        b.retain_grad()
        calls = []
        b.register_hook(lambda g, calls=calls: calls.append("b"))
        c = b * 3
        (gc,) = grad((c * c).sum(), [c])
        res[lib] = (b.grad, calls, np.asarray(gc.detach() if lib else gc.data))
        b.sum().backward()  # b's op was not run (nor freed) by grad
        res[lib] += (np.asarray(a.grad.detach() if lib else a.grad),)
    ours, theirs = res[None], res[torch]
    assert ours[0] is None and theirs[0] is None
    assert ours[1] == theirs[1] == ["b"]  # (from the backward only)
    np.testing.assert_allclose(ours[2], theirs[2])
    np.testing.assert_allclose(ours[3], theirs[3])


def test_autograd_grad_of_an_op_result_whose_op_is_not_run_is_after_its_hooks():
    # torch's engine: a node it skips runs its tensor hooks, then captures; a node it runs on
    # (another input lies below) captures first
    torch = torch_or_skip()
    out = {}
    for lib, T, grad in ((None, lambda a: Tensor(a, requires_grad=True), autograd.grad),
                         (torch, lambda a: torch.tensor(a, requires_grad=True),
                          torch.autograd.grad)):
        got = []
        for both in (False, True):
            a = T(np.array([1.0, 2.0]))
            b = a * 3
            b.register_hook(lambda g: g * 2)
            gs = grad((b * b).sum(), [b, a] if both else [b])
            got += [np.asarray(g.detach() if lib else g.data) for g in gs]
        out[lib] = got
    for x, y in zip(out[None], out[torch], strict=True):
        np.testing.assert_allclose(x, y)


def test_a_module_s_grad_output_is_by_output_position_astorch_or_skip():
    # an LSTM returns (out, (h, c)): torch's grad_output has one entry per top-level output,
    # None for the (h, c) tuple; it had one entry only, and a hook returning two was refused
    torch = torch_or_skip()
    theirs, ours = torch.nn.LSTM(3, 4).double(), nn.LSTM(3, 4)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = R.standard_normal((5, 2, 3))
    lens, outs = {}, {}
    for lib, m, xt in ((None, ours, Tensor(x, requires_grad=True)),
                       (torch, theirs, torch.tensor(x, requires_grad=True))):
        seen = []
        m.register_full_backward_pre_hook(
            lambda mod, go, seen=seen: (seen.append(len(go)), (go[0] * 2, None))[1])
        y, _ = m(xt)
        y.sum().backward()
        lens[lib] = seen
        outs[lib] = [np.asarray(p.grad) if lib is None else p.grad.numpy()
                     for p in m.parameters()]
    assert lens[None] == lens[torch] == [2]
    for a, b in zip(outs[None], outs[torch], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_a_backward_hook_returning_none_for_an_input_leaves_it_no_gradient():
    # torch: None in the returned grad_input is no gradient (y.grad stays None); it was zeros
    lin = nn.Linear(3, 3)

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lin

        def forward(self, x, y):
            return self.lin(x) * self.lin(y)

    m = Two()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], None))
    x = Tensor(R.standard_normal((2, 3)), requires_grad=True)
    y = Tensor(R.standard_normal((2, 3)), requires_grad=True)
    m(x, y).sum().backward()
    assert x.grad is not None and y.grad is None
    # y also used outside the module: only that gradient
    y2 = Tensor(R.standard_normal((2, 3)), requires_grad=True)
    (m(x, y2).sum() + (y2 * 3).sum()).backward()
    np.testing.assert_array_equal(y2.grad, 3.0)


def test_autograd_grad_refuses_a_parameter_written_through_an_older_view_as_backward():
    # backward raises; autograd.grad returned the gradient at the new values without a word
    big = np.ones((4, 3))
    older = big.view()
    w = Tensor(big[0:2], requires_grad=True)
    y = (w * w).sum()
    older[0, 0] = 5.0
    with pytest.raises(RuntimeError, match="written after the forward"):
        autograd.grad(y, [w])


def test_always_call_hooks_run_when_a_pre_hook_or_a_forward_hook_raises_astorch_or_skip():
    # torch runs the always_call forward hooks not yet run whatever raised in the call (a
    # pre-hook, forward, a forward hook), with the output so far; only forward's was covered
    torch = torch_or_skip()
    logs = []
    for lib in (None, torch):
        m = nn.Linear(3, 2) if lib is None else torch.nn.Linear(3, 2).double()
        m2 = nn.Linear(3, 2) if lib is None else torch.nn.Linear(3, 2).double()
        x = Tensor(np.ones((1, 3))) if lib is None else torch.ones(1, 3, dtype=torch.float64)
        log = []
        m.register_forward_hook(lambda mod, a, o, log=log: log.append(("A", o is None)),
                                always_call=True)
        m.register_forward_hook(lambda mod, a, o: 1 / 0)
        m.register_forward_hook(lambda mod, a, o, log=log: log.append(("B", o is None)),
                                always_call=True)
        m2.register_forward_pre_hook(lambda mod, a: 1 / 0)
        m2.register_forward_hook(lambda mod, a, o, log=log: log.append(("C", o is None)),
                                 always_call=True)
        for mod in (m, m2):
            with pytest.raises(ZeroDivisionError):
                mod(x)
        logs.append(log)
    assert logs[0] == logs[1] == [("A", False), ("B", False), ("C", True)]


def test_a_module_returning_a_namedtuple_keeps_it_under_backward_hooks():
    # torch keeps the namedtuple; `type(out)(items)` raised P.__new__'s missing-argument error
    from collections import namedtuple

    pair = namedtuple("pair", "a b")

    class M(nn.Module):
        def forward(self, x):
            return pair(x * 2, x * 3)

    m = M()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(len(go)))
    x = Tensor(np.ones(2), requires_grad=True)
    out = m(x)
    assert type(out) is pair
    (out.a + out.b).sum().backward()
    assert seen == [2]
    np.testing.assert_array_equal(x.grad, 5.0)


def test_a_kept_handle_does_not_keep_its_tensor_and_graph_alive():
    # the handle held the tensor (torch's holds a weak reference): its graph lived on, and
    # with it the lock on the parameters it read (a write into them raised "read-only")
    import gc
    import weakref

    m = nn.Linear(3, 2)
    y = m(Tensor(np.ones((1, 3))))
    handle = y.register_hook(lambda g: None)
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None
    m.weight.data[0, 0] = 1.0  # writable: no graph reads it any more
    handle.remove()  # harmless once the tensor is gone


def test_a_backward_pre_hook_that_raised_leaves_no_stale_grad_output():
    # after a pre-hook raised, the next backward (retain_graph) reaching one output only saw
    # the failed round's gradient for the other output instead of None
    class M(nn.Module):
        def forward(self, x):
            return x * 2, x * 3

    m = M()
    state = {"raise": True}
    seen = []

    def pre(mod, go):
        seen.append([None if g is None else float(g.data.sum()) for g in go])
        if state["raise"]:
            raise ValueError("boom")

    m.register_full_backward_pre_hook(pre)
    x = Tensor(np.ones(2), requires_grad=True)
    a, b = m(x)
    with pytest.raises(ValueError, match="boom"):
        (a.sum() + b.sum()).backward(retain_graph=True)
    state["raise"] = False
    a.sum().backward()
    assert seen == [[2.0, 2.0], [2.0, None]]
    np.testing.assert_array_equal(x.grad, 2.0)


def test_a_backward_hook_may_return_all_none_when_no_input_needs_a_gradient_astorch_or_skip():
    # torch accepts None or a tuple of Nones there; a tuple of Nones was refused
    m = nn.Linear(3, 2)
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: (seen.append(gi), (None,))[1])
    m(Tensor(np.ones((1, 3)))).sum().backward()
    assert seen == [(None,)]
    assert m.weight.grad is not None
    m.register_full_backward_hook(lambda mod, gi, go: (go[0],))
    with pytest.raises(RuntimeError, match="must return None"):
        m(Tensor(np.ones((1, 3)))).sum().backward()
