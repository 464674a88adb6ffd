"""Review of the functional / module in-place forms (helper hINFr): `inplace=True` (F's and the
layers') on a view of an op's result (`h[0]`, `h.T`, `h.reshape(-1)`, ...) writes through to
h, recorded as CopySlices, as F.relu_ and torch 2.13 do (before: a new tensor and a warning,
h kept its values, though the commit under review records F.relu_ on the same view); a copy
torch views (diagonal()) still warns. Compared with torch: h's values, the identity of the
returned tensor and the leaf's gradient (1e-10 in float64, 1e-5 in float32). Plus a jitted step
with such writes (run eagerly) matching eager bit for bit, and a jitted step where a view of h
taken before a recorded write on h is read after it (replay gave the view's old values).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn as tnn
from tests.oracle import jit_matches_eager, one_line, strict_replays_match
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_ACTS = [("relu", ()), ("relu6", ()), ("leaky_relu", (0.2,)), ("elu", (0.7,)),
         ("celu", (1.5,)), ("selu", ()), ("hardtanh", (-0.5, 2.0)), ("hardswish", ()),
         ("hardsigmoid", ()), ("silu", ()), ("mish", ()), ("threshold", (0.1, 20.0)),
         ("rrelu", (0.1, 0.3, False)), ("dropout", (1.0, True)), ("dropout", (0.4, False))]
_MODULES = [("ReLU", ()), ("LeakyReLU", (0.2,)), ("ELU", (0.7,)), ("Hardtanh", (-0.5, 2.0)),
            ("SiLU", ()), ("Threshold", (0.1, 20.0)), ("Dropout", (1.0,))]
_VIEWS = {"h[0]": lambda h: h[0], "h[:, 1:]": lambda h: h[:, 1:], "h.T": lambda h: h.T,
          "h.reshape(-1)": lambda h: h.reshape(-1), "h[1:, ::2]": lambda h: h[1:, ::2],
          "h.T[1]": lambda h: h.T[1], "h[0:0]": lambda h: h[0:0]}


def _run(L, dtype, view, apply):
    """h = x * 1.5 (an op's result), apply(view(h)) in place, loss through h and the result."""
    rng = np.random.default_rng(7)
    a = rng.standard_normal((3, 4)).astype(dtype)
    c = rng.standard_normal((3, 4)).astype(dtype)
    x = torch.tensor(a, requires_grad=True) if L is torch else tg.Tensor(a, requires_grad=True)
    h = x * 1.5
    v = view(h)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (before: a RuntimeWarning, and h kept its values)
        out = apply(L, v)
    cw = torch.tensor(c) if L is torch else tg.Tensor(c)
    ((h * cw).sum() + (out * out).sum()).backward()
    if L is torch:
        return h.detach().numpy().copy(), out is v, x.grad.numpy()
    return h.data.copy(), out is v, np.asarray(x.grad)


def _compare(dtype, view, apply, gtol=None):
    want = _run(torch, dtype, view, apply)
    got = _run(tg, dtype, view, apply)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got[0], want[0], rtol=tol, atol=tol)
    assert got[1] is want[1] is True
    np.testing.assert_allclose(got[2], want[2], rtol=gtol or tol, atol=gtol or tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("view", list(_VIEWS))
@pytest.mark.parametrize("act", _ACTS, ids=lambda a: f"{a[0]}{a[1]}")
def test_functional_inplace_true_on_a_view_writes_through_as_torch(act, view, dtype):
    name, args = act
    _compare(dtype, _VIEWS[view],
             lambda L, v: getattr(torch.nn.functional if L is torch else F, name)(
                 v, *args, inplace=True),
             gtol=1e-6 if name == "hardsigmoid" else None)  # (torch's float64 backward
    # multiplies by float32's 1/6, as tests/test_inplace_activations_torch_differential_hINPL)


@pytest.mark.parametrize("view", list(_VIEWS))
@pytest.mark.parametrize("mod", _MODULES, ids=lambda m: m[0])
def test_module_inplace_on_a_view_writes_through_as_torch(mod, view):
    name, args = mod
    _compare(np.float64, _VIEWS[view],
             lambda L, v: getattr(torch.nn if L is torch else tnn, name)(
                 *args, inplace=True).train()(v))


@pytest.mark.parametrize("view", ["diagonal", "unfold", "as_strided"])
def test_inplace_true_on_a_copy_torch_views_still_warns(view):
    """diagonal(), unfold() and as_strided() are copies here: not written, said in a warning
    (torch writes h), as before."""
    x = tg.Tensor(np.arange(-4.0, 5.0).reshape(3, 3), requires_grad=True)
    h = x * 1
    d = {"diagonal": lambda: h.diagonal(), "unfold": lambda: h.unfold(1, 2, 1),
         "as_strided": lambda: h.as_strided((2, 2), (3, 1))}[view]()
    with pytest.warns(RuntimeWarning, match=r"F\.relu\(inplace=True\): the input is the result "
                                            r"of \w+, a view of its input in torch but a copy "
                                            r"here"):
        out = F.relu(d, inplace=True)
    assert out is not d and out.data.min() == 0.0
    assert h.data.tolist() == np.arange(-4.0, 5.0).reshape(3, 3).tolist()


def test_inplace_true_on_an_expand_of_an_op_result_is_refused_as_torch():
    """(Before: a new tensor and a warning; torch refuses the write, as F.relu_ here.)"""
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        TF.relu((torch.ones(3, 1, requires_grad=True) * 2).expand(3, 4), inplace=True)
    h = tg.ones((3, 1), requires_grad=True) * 2
    with pytest.raises(RuntimeError) as e:
        F.relu(h.expand(3, 4), inplace=True)
    one_line(e, "F.relu(inplace=True): unsupported operation: more than one element")


def test_inplace_true_on_a_view_under_no_grad_writes_through_as_torch():
    """A view of an op's result taken in grad mode, written under no_grad(): h changes, as
    torch's (before: a new tensor and a warning)."""
    got = []
    for L in (torch, tg):
        x = (torch.tensor if L is torch else tg.Tensor)(np.array([[-1.0, 2.0], [-3.0, 4.0]]),
                                                        requires_grad=True)
        h = x * 1
        v = h[:, 0]
        with L.no_grad():
            out = (TF if L is torch else F).relu(v, inplace=True)
        got.append((out is v, np.array(h.detach().tolist())))
    assert got[0][0] is got[1][0] is True
    np.testing.assert_array_equal(got[1][1], got[0][1])


# ---- jit: inplace=True on a view inside a jitted step ---------------------------------------
_LIN = tnn.Linear(3, 4)
_RELU = tnn.ReLU(inplace=True)


def _view_step(x):
    h = _LIN(x)
    _RELU(h[:, 1:])
    F.leaky_relu(h.T[0], 0.1, inplace=True)
    (h * h).sum().backward()
    return h


def test_jitted_step_with_inplace_true_on_views_matches_eager():
    """A write through a view runs the step eagerly (jit's warning), with eager's values."""
    rng = np.random.default_rng(5)
    jit_matches_eager(_view_step, [tg.Tensor(rng.standard_normal((5, 3))) for _ in range(6)],
                      _LIN.weight)


# ---- jit: a view of h taken before a recorded write on h, read after it -------------------
# (Before: replayed, the view computed from h's old value: `v = h[0]; h.relu_(); v * 2` gave
# the pre-relu row in every replayed call, eagerly the relu'd one. Now the step runs eagerly.)
_W = tnn.Linear(3, 4)
_BEFORE = {"h[0]": lambda h: h[0], "h.T": lambda h: h.T, "h.reshape(-1)": lambda h: h.reshape(-1),
           "h[:, 1:].T": lambda h: h[:, 1:].T}
_WRITES = {"relu_": lambda h, x: h.relu_(), "ReLU(inplace=True)": lambda h, x: _RELU(h),
           "+= x": lambda h, x: h.__iadd__(x.tile((1, 2))[:, :4]),
           "masked_fill_": lambda h, x: h.masked_fill_(h > 0.2, 0.2)}


@pytest.mark.parametrize("write", list(_WRITES))
@pytest.mark.parametrize("view", list(_BEFORE))
def test_jitted_view_taken_before_a_recorded_write_matches_eager(view, write):
    def step(x):
        h = _W(x)
        v = _BEFORE[view](h)
        _WRITES[write](h, x)
        (h * h).sum().backward()
        return (v * 2).detach()

    rng = np.random.default_rng(3)
    jit_matches_eager(step, [tg.Tensor(rng.standard_normal((5, 3))) for _ in range(5)],
                      _W.weight)


def test_jitted_view_before_a_write_names_the_view_in_the_warning():
    def step(x):
        h = _W(x)
        v = h[0]
        h.relu_()
        (h * h).sum().backward()
        return (v * 2).detach()

    f = jit(step)
    with pytest.warns(RuntimeWarning, match=r"Tensor\.relu_ writes in place on a tensor that "
                                            r"the result of op \d+ \(GetItem\) made before the "
                                            r"write is a view of"):
        f(tg.Tensor(np.ones((2, 3))))
    assert f.replays == 0


def test_jitted_view_taken_after_the_write_still_replays():
    def step(x):
        h = _W(x)
        h.relu_()
        v = h[0]
        (h * h).sum().backward()
        return (v * 2).detach()

    rng = np.random.default_rng(4)
    draw = lambda: tg.Tensor(rng.standard_normal((5, 3)))  # noqa: E731
    strict_replays_match(step, draw, _W.weight, calls=4)
