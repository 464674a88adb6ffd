"""nn.Module hooks (forward pre/post, full backward pre/post) against torch 2.13 where it is
installed: what each hook sees, what its return changes, the order, removal, and the ways a
hook could be skipped or give a wrong gradient without a word (a jit replay, a second
backward, a module called twice, an input that is also used elsewhere)."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from oracle import one_line, torch_or_skip

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl.jit import jit

R = np.random.default_rng(5)
X = R.standard_normal((4, 3))




def _pair(torch, make_ours, make_theirs):
    """A module of ours and torch's with the same parameters."""
    ours, theirs = make_ours(), make_theirs()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _np(t):
    if t is None:
        return None
    if isinstance(t, np.ndarray):
        return np.asarray(t)
    return t.data if isinstance(t, Tensor) else t.detach().numpy()


def test_forward_pre_and_forward_hooks_change_input_and_output_astorch_or_skip():
    torch = torch_or_skip()
    ours, theirs = _pair(torch, lambda: nn.Linear(3, 2), lambda: torch.nn.Linear(3, 2).double())
    log = {"ours": [], "torch": []}
    for m, key in ((ours, "ours"), (theirs, "torch")):
        m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] + 1,), kwargs),
                                    with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out, k=key: log[k].append(_np(args[0])))
        m.register_forward_hook(lambda mod, args, out: out * 3)
        m.register_forward_hook(lambda mod, args, out, k=key: log[k].append("first"),
                                prepend=True)
    yo, yt = ours(Tensor(X)), theirs(torch.tensor(X))
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-13)
    assert log["ours"][0] == log["torch"][0] == "first"
    np.testing.assert_array_equal(log["ours"][1], log["torch"][1])
    np.testing.assert_array_equal(log["ours"][1], X * 2 + 1)


def test_a_single_value_from_a_pre_hook_is_the_one_argument():
    m = nn.Linear(3, 2)
    m.register_forward_pre_hook(lambda mod, args: args[0] * 0)
    np.testing.assert_array_equal(m(Tensor(X)).data, np.broadcast_to(m.b.data, (4, 2)))


def test_remove_and_the_context_manager():
    m = nn.Identity()
    calls = []
    h = m.register_forward_hook(lambda *a: calls.append(1))
    with m.register_forward_hook(lambda *a: calls.append(2)):
        m(Tensor(X))
    h.remove()
    m(Tensor(X))
    assert calls == [1, 2] and not m._hooks


def test_always_call_runs_when_forward_raises_astorch_or_skip():
    torch = torch_or_skip()

    class Bad(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    class TBad(torch.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    got = {"ours": [], "torch": []}
    for m, key in ((Bad(), "ours"), (TBad(), "torch")):
        m.register_forward_hook(lambda mod, a, out, k=key: got[k].append(out), always_call=True)
        m.register_forward_hook(lambda mod, a, out, k=key: got[k].append("not always"))
        with pytest.raises(ValueError, match="boom"):
            m(Tensor(X) if key == "ours" else torch.tensor(X))
    assert got["ours"] == got["torch"] == [None]


def _backward_case(torch, ours, theirs, inputs, scale_in=None, scale_out=None):
    """Run both with full backward (pre-)hooks; return what the hooks saw and the grads."""
    seen = {"ours": [], "torch": []}
    for m, key in ((ours, "ours"), (theirs, "torch")):
        if scale_out is not None:
            m.register_full_backward_pre_hook(
                lambda mod, go, k=key: seen[k].append(("pre", [_np(g) for g in go]))
                or tuple(None if g is None else g * scale_out for g in go))
        m.register_full_backward_hook(
            lambda mod, gi, go, k=key: seen[k].append(
                ("post", [_np(g) for g in gi], [_np(g) for g in go]))
            or (None if scale_in is None else
                tuple(None if g is None else g * scale_in for g in gi)))
    to = [Tensor(a, requires_grad=r) for a, r in inputs]
    tt = [torch.tensor(a, requires_grad=r) for a, r in inputs]
    yo, yt = ours(*to), theirs(*tt)
    G = R.standard_normal(yo.shape)
    (yo * Tensor(G)).sum().backward()
    (yt * torch.tensor(G)).sum().backward()
    return seen, to, tt


def _same(a, b):
    if a is None or b is None:
        assert a is None and b is None, (a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("scale_in,scale_out", [(None, None), (3.0, None), (None, 0.5),
                                                (2.0, -1.0)])
def test_full_backward_hooks_on_linear_as_torch(scale_in, scale_out):
    torch = torch_or_skip()
    ours, theirs = _pair(torch, lambda: nn.Linear(3, 2), lambda: torch.nn.Linear(3, 2).double())
    seen, to, tt = _backward_case(torch, ours, theirs, [(X, True)], scale_in, scale_out)
    assert len(seen["ours"]) == len(seen["torch"])
    for a, b in zip(seen["ours"], seen["torch"]):
        assert a[0] == b[0]
        for xs, ys in zip(a[1:], b[1:]):
            for x, y in zip(xs, ys, strict=True):
                _same(x, y)
    _same(to[0].grad, tt[0].grad.numpy())
    _same(ours.W.grad, theirs.weight.grad.numpy())
    _same(ours.b.grad, theirs.bias.grad.numpy())


def test_two_inputs_one_without_grad_and_one_used_elsewhere_astorch_or_skip():
    """Bilinear(x1, x2) with x2 a constant: grad_input (g1, zeros), torch's (once any input
    needs a gradient, every tensor input gets one); x1 also feeds the loss directly, so its
    .grad is the hooked gradient plus the direct one."""
    torch = torch_or_skip()
    ours, theirs = _pair(torch, lambda: nn.Bilinear(3, 3, 2),
                         lambda: torch.nn.Bilinear(3, 3, 2).double())
    x2 = R.standard_normal((4, 3))
    out = {}
    for m, T, key in ((ours, lambda a, r: Tensor(a, requires_grad=r), "ours"),
                      (theirs, lambda a, r: torch.tensor(a, requires_grad=r), "torch")):
        seen = []
        m.register_full_backward_hook(lambda mod, gi, go, s=seen: s.append(
            [_np(g) for g in gi]) or tuple(None if g is None else g * 2 for g in gi))
        a, b = T(X, True), T(x2, False)
        (m(a, b).sum() + (a * a).sum()).backward()
        out[key] = (seen, _np(a.grad) if key == "ours" else a.grad.numpy())
    (so, go), (st, gt) = out["ours"], out["torch"]
    assert not so[0][1].any() and so[0][1].shape == x2.shape
    _same(so[0][0], st[0][0])
    _same(so[0][1], st[0][1])
    _same(go, gt)


def test_no_input_needs_grad_the_hook_runs_with_none_astorch_or_skip():
    torch = torch_or_skip()
    ours, theirs = _pair(torch, lambda: nn.Linear(3, 2), lambda: torch.nn.Linear(3, 2).double())
    seen, to, tt = _backward_case(torch, ours, theirs, [(X, False)])
    assert [s[1] for s in seen["ours"]] == [s[1] for s in seen["torch"]] == [[None]]
    _same(seen["ours"][0][2][0], seen["torch"][0][2][0])


def test_a_module_called_twice_runs_its_hooks_twice_with_each_calls_gradients():
    torch = torch_or_skip()
    ours, theirs = _pair(torch, lambda: nn.Linear(3, 3), lambda: torch.nn.Linear(3, 3).double())
    got = {"ours": [], "torch": []}
    for m, key in ((ours, "ours"), (theirs, "torch")):
        m.register_full_backward_hook(lambda mod, gi, go, k=key: got[k].append(_np(gi[0])))
    xo, xt = Tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    ours(ours(xo)).tanh().sum().backward()
    theirs(theirs(xt)).tanh().sum().backward()
    assert len(got["ours"]) == len(got["torch"]) == 2
    for a, b in zip(got["ours"], got["torch"]):
        _same(a, b)
    _same(xo.grad, xt.grad.numpy())


def test_a_second_backward_through_a_kept_graph_runs_the_hooks_again():
    m = nn.Linear(3, 2)
    calls = []
    m.register_full_backward_hook(lambda mod, gi, go: calls.append(gi[0].data.copy()))
    x = Tensor(X, requires_grad=True)
    y = m(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert len(calls) == 2
    np.testing.assert_array_equal(calls[0], calls[1])
    np.testing.assert_allclose(x.grad, 2 * calls[0])


def test_hooks_under_detect_anomaly_see_every_input_gradient():
    """detect_anomaly checks each op's gradients: it must not sum a hook's term early (the
    hooks would run before the other inputs' gradients have come)."""
    m = nn.Bilinear(3, 3, 2)
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append([g.data.copy() for g in gi]))
    a, b = Tensor(X, requires_grad=True), Tensor(X[::-1].copy(), requires_grad=True)
    m(a, b).sum().backward()  # the reference, outside anomaly mode
    want = [a.grad.copy(), b.grad.copy()]
    a.grad = b.grad = None
    with tg.autograd.detect_anomaly():
        m(a, b).sum().backward()
    assert len(seen) == 2
    for got in (seen[1], [a.grad, b.grad]):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
    assert np.abs(want[0]).min() > 0 and np.abs(want[1]).min() > 0


def test_bad_hook_returns_are_one_line():
    m = nn.Linear(3, 2)
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError) as e:
        m(Tensor(X, requires_grad=True)).sum().backward()
    one_line(e, "backward hook", "Linear", "grad_input", "tuple of 1")
    m = nn.Linear(3, 2)
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0][:1],))
    with pytest.raises(RuntimeError) as e:
        m(Tensor(X, requires_grad=True)).sum().backward()
    one_line(e, "shape (1, 3)", "(4, 3)")
    m = nn.Linear(3, 2)
    m.register_forward_pre_hook(lambda mod, a, k: a, with_kwargs=True)
    with pytest.raises(RuntimeError) as e:
        m(Tensor(X))
    one_line(e, "with_kwargs=True", "(args, kwargs)")
    with pytest.raises(TypeError) as e:
        m.register_forward_hook(3)
    one_line(e, "must be callable")
    with pytest.raises(RuntimeError) as e:
        m.register_backward_hook(lambda *a: None)
    one_line(e, "register_full_backward_hook")


def test_hooks_survive_deepcopy_and_leave_state_dict_alone():
    m = nn.Linear(3, 2)
    calls = []
    m.register_forward_hook(lambda *a: calls.append(1))
    c = copy.deepcopy(m)
    c(Tensor(X))
    assert calls == [1]
    assert sorted(m.state_dict()) == sorted(nn.Linear(3, 2).state_dict())


def _model():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))

    @jit
    def step(xb):
        loss = (net(Tensor(xb)) ** 2).sum()
        loss.backward()
        return loss
    return net, step


def test_a_jitted_step_with_module_hooks_runs_eagerly():
    net, step = _model()
    calls = []
    net[0].register_forward_hook(lambda *a: calls.append("f"))
    net[2].register_full_backward_hook(lambda *a: calls.append("b"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            net.zero_grad()
            step(X)
    assert calls == ["f", "b"] * 3
    assert any("hooks" in str(c.message) for c in caught)


def test_a_module_hook_registered_after_recording_is_not_skipped():
    net, step = _model()
    for _ in range(4):  # recorded, then replayed
        net.zero_grad()
        step(X)
    calls = []
    net[2].register_forward_hook(lambda mod, a, out: calls.append(1) or out * 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            net.zero_grad()
            assert float(step(X).data) == 0.0
    assert calls == [1, 1]


def test_package_exposes_the_handle_type():
    assert type(nn.Identity().register_forward_hook(lambda *a: None)).__name__ == \
        "RemovableHandle"
    assert tg.Tensor is Tensor
