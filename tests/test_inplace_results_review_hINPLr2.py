"""Second review of 5931e50 + 94b5018 (in-place on an op's result, recorded), helper hINPLr2.

A view of a detached copy (`h.detach()[0:2]`, `.T`, `.reshape(...)`, a view of a no_grad view)
shares h's array as the detached copy does, but was not noted as sharing it: a recorded write
into h while h's graph holds that array gave h a copy, and the view kept the old values
without a word (torch's view sees the write). It is noted now, so the write is refused in one
line as for `h.detach()` itself, and, once h's graph is gone, the write reaches it.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

import tinygrad_dl as tg
from tests.oracle import as_numpy, one_line
from tinygrad_dl import Tensor, write_guard

torch = pytest.importorskip("torch")

X = np.array([0.5, -1.0, 2.0])

VIEWS = {
    "slice": lambda d: d[0:2],
    "T": lambda d: d.reshape(3, 1).T,
    "reshape": lambda d: d.reshape(3, 1),
    "view": lambda d: d.view(3),
    "none-index": lambda d: d[None],
    "view of a view": lambda d: d[0:2][1:],
}
WRITES = {
    "add_": lambda h: h.add_(1.0),
    "clamp_": lambda h: h.clamp_(max=0.3),
    "mul_": lambda h: h.mul_(3.0),
    "setitem": lambda h: h.__setitem__(1, 5.0),
}


def _torch(view, write):
    x = torch.tensor(X, requires_grad=True)
    h = x.exp()
    e = view(h.detach())
    write(h)
    return as_numpy(e)


@pytest.mark.parametrize("write", WRITES, ids=str)
@pytest.mark.parametrize("view", VIEWS, ids=str)
def test_a_view_of_a_detached_copy_sees_the_write_or_it_is_refused(view, write) -> None:
    x = Tensor(X.copy(), requires_grad=True)
    h = x.exp()  # (exp saves its output: the write gives h a copy)
    e = VIEWS[view](h.detach())  # the detached copy itself is gone: only its view holds on
    gc.collect()
    try:
        WRITES[write](h)
    except RuntimeError as err:
        assert "\n" not in str(err) and "shared with a constant" in str(err), str(err)
        np.testing.assert_array_equal(as_numpy(e), VIEWS[view](Tensor(np.exp(X))).numpy())
        return
    np.testing.assert_allclose(as_numpy(e), _torch(VIEWS[view], WRITES[write]), rtol=1e-15)


def test_a_no_grad_view_of_a_no_grad_view_is_refused() -> None:
    x = Tensor(X.copy(), requires_grad=True)
    h = x.exp()
    with tg.no_grad():
        v = h[0:2]
        w = v[1:]
    del v
    gc.collect()
    with pytest.raises(RuntimeError) as ei:
        h.add_(1.0)
    one_line(ei, "Tensor.add_", "shared with a constant")
    np.testing.assert_array_equal(w.numpy(), np.exp(X)[1:2])


def test_after_backward_the_view_sees_the_write_as_torchs() -> None:
    x = Tensor(X.copy(), requires_grad=True)
    h = x * 2.0
    e = h.detach()[0:2]
    z = h.exp()  # (saves h's array: a write now would go to a copy)
    z.sum().backward()  # the graph is freed: the write goes to h's own array
    h.relu_()
    xt = torch.tensor(X, requires_grad=True)
    ht = xt * 2.0
    et = ht.detach()[0:2]
    ht.exp().sum().backward()
    ht.relu_()
    np.testing.assert_array_equal(e.numpy(), as_numpy(et))


def test_views_of_plain_constants_note_nothing() -> None:
    """The course models' batches (`X[i:j]` of a constant): nothing noted, nothing kept."""
    data = Tensor(np.arange(12.0).reshape(4, 3))
    views = [data[i:i + 2] for i in range(3)] + [data.T, data.reshape(12)]
    assert write_guard.sharing(data) == []
    assert all(write_guard.sharing(v) == [] for v in views)


def test_a_dead_view_is_forgotten_and_the_write_recorded() -> None:
    x = Tensor(X.copy(), requires_grad=True)
    h = x.exp()
    e = h.detach().T  # (e keeps h.detach() alive, as torch's view keeps its base: both share)
    assert len(write_guard.sharing(h)) == 2
    del e
    gc.collect()
    assert write_guard.sharing(h) == []
    h.add_(1.0)  # nobody shares the array: recorded (h gets a copy; exp's backward refuses)
    np.testing.assert_allclose(h.numpy(), np.exp(X) + 1.0, rtol=1e-15)


NEW_PARAMETERS = {
    "nn.Parameter(h)": lambda lib, h: (tg.nn.Parameter(h) if lib is tg else torch.nn.Parameter(h)),
    "nn.Parameter(h.detach())": lambda lib, h: (
        tg.nn.Parameter(h.detach()) if lib is tg else torch.nn.Parameter(h.detach())),
    "Tensor(h.detach(), requires_grad=True)": lambda lib, h: (
        Tensor(h.detach(), requires_grad=True) if lib is tg
        else h.detach().requires_grad_()),
}


@pytest.mark.parametrize("saved", [True, False], ids=["exp-saved", "mul-not-saved"])
@pytest.mark.parametrize("make", NEW_PARAMETERS, ids=str)
def test_a_parameter_on_an_op_results_array_sees_the_write_or_it_is_refused(make, saved) -> None:
    """`p = nn.Parameter(h)` shares h's array, as torch's; a recorded write into h gave h a
    copy (exp saved its array) and p kept the old values without a word (torch's p sees it)."""
    def step(lib):
        x = lib.tensor(X, requires_grad=True)
        h = x.exp() if saved else x * 2.0
        p = NEW_PARAMETERS[make](lib, h)
        h.add_(1.0)
        return as_numpy(p)
    try:
        ours = step(tg)
    except RuntimeError as err:
        # (refused only where the write would go to a copy: h's graph saved its array, or
        # holds it since h.detach(), as for the detached copy itself)
        assert saved or "detach" in make, str(err)
        assert "\n" not in str(err) and "shared with a constant" in str(err), str(err)
        return
    np.testing.assert_allclose(ours, step(torch), rtol=1e-15)


def test_a_parameter_on_an_op_results_array_keeps_its_optimizer_steps() -> None:
    """Noted as sharing only: an optimizer step on it is not refused (copy-on-write, as
    before), while a graph holds its array."""
    x = Tensor(X.copy(), requires_grad=True)
    p = tg.nn.Parameter(x * 2.0)
    opt = tg.optim.SGD([p], lr=0.5)
    loss = (p * p).sum()
    loss.backward()
    q = (p * 3.0).sum()  # a live graph holds p's array
    opt.step()
    np.testing.assert_allclose(p.numpy(), 2 * X - 0.5 * 4 * X, rtol=1e-15)
    del q
