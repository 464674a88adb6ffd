"""tinygrad_dl.autograd.functional (jacobian, vjp, jvp) against torch.autograd.functional
2.13: values 1e-12 in float64, torch's shapes, nesting and dtypes, and torch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import autograd
from tinygrad_dl.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

torch = pytest.importorskip("torch")
TAF = torch.autograd.functional


def _funcs(lib):
    """The same functions written against each library (tg or torch)."""
    return {
        "one to one": (lambda a: (a * a).tanh(), 1),
        "to a scalar": (lambda a: (a.exp() * a).sum(), 1),
        "matrix product": (lambda a, b: (a @ b).sigmoid(), 2),
        "tuple out": (lambda a, b: ((a * 2 + 1).sum(0), (a - b).abs()), 2),
        "reduction and broadcast": (lambda a, b: a.sum(1, keepdim=True) * b, 2),
        "identity": (lambda a: a, 1),
        "one input unused": (lambda a, b: a.sin(), 2),
    }


def agree(ours, theirs, what, rtol=1e-12, atol=1e-13):
    """ours (Tensors, nested in tuples as torch's) equal to torch's, none requiring grad; a
    float32 result to float32's round-off (also used by the hAFN differential)."""
    assert isinstance(ours, tuple) == isinstance(theirs, tuple), what
    if isinstance(theirs, tuple):
        assert len(ours) == len(theirs), what
        for o, t in zip(ours, theirs):
            agree(o, t, what, rtol, atol)
        return
    assert isinstance(ours, tg.Tensor) and not ours.requires_grad, what
    assert ours.shape == tuple(theirs.shape), (what, ours.shape, theirs.shape)
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", "")), what
    if ours.dtype == np.float32:
        rtol, atol = max(rtol, 1e-5), max(atol, 1e-5)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg=what)


def _inputs(name, n, seed):
    rng = np.random.default_rng(seed)
    shapes = {"matrix product": [(3, 4), (4, 2)], "tuple out": [(3, 2), (3, 2)],
              "reduction and broadcast": [(3, 4), (1, 4)]}.get(name, [(2, 3), (2, 3)])[:n]
    return [rng.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", list(_funcs(tg)))
@pytest.mark.parametrize("as_tuple", [False, True])
def test_jacobian_vjp_jvp_match_torch(name, seed, as_tuple):
    f, n = _funcs(tg)[name]
    tf, _ = _funcs(torch)[name]
    xs = _inputs(name, n, seed)
    ours_in = [tg.tensor(x) for x in xs]
    theirs_in = [torch.tensor(x) for x in xs]
    if n == 1 and not as_tuple:
        ours_in, theirs_in = ours_in[0], theirs_in[0]
    else:
        ours_in, theirs_in = tuple(ours_in), tuple(theirs_in)
    agree(jacobian(f, ours_in), TAF.jacobian(tf, theirs_in), f"jacobian {name}")
    out = tf(*theirs_in) if isinstance(theirs_in, tuple) else tf(theirs_in)
    rng = np.random.default_rng(seed + 10)
    outs = out if isinstance(out, tuple) else (out,)
    vs = [rng.standard_normal(tuple(o.shape)) for o in outs]
    v_t = tuple(torch.tensor(v) for v in vs) if isinstance(out, tuple) else torch.tensor(vs[0])
    v_o = tuple(tg.tensor(v) for v in vs) if isinstance(out, tuple) else tg.tensor(vs[0])
    agree(vjp(f, ours_in, v_o), TAF.vjp(tf, theirs_in, v_t), f"vjp {name}")
    ins = xs if isinstance(theirs_in, tuple) else xs[:1]
    us = [rng.standard_normal(x.shape) for x in ins]
    u_t = tuple(torch.tensor(u) for u in us) if isinstance(theirs_in, tuple) else \
        torch.tensor(us[0])
    u_o = tuple(tg.tensor(u) for u in us) if isinstance(theirs_in, tuple) else tg.tensor(us[0])
    agree(jvp(f, ours_in, u_o), TAF.jvp(tf, theirs_in, u_t), f"jvp {name}")


def test_jacobian_of_a_course_cost_is_its_hand_derived_gradient():
    # the one-layer classifier's cost J(W) written as the assignment's equations: its
    # Jacobian (one output) is the model's hand-derived dJ/dW
    from tinygrad_dl.models import OneLayer
    rng = np.random.default_rng(0)
    model = OneLayer(5, 3, lam=0.1, rng=rng)
    X, y = rng.standard_normal((4, 5)), np.array([0, 2, 1, 1])
    b = model.layers[0].b.detach()
    J = jacobian(lambda W: tg.functional.cross_entropy(tg.tensor(X) @ W.T + b, y)
                 + 0.1 * (W * W).sum(), model.layers[0].W)
    np.testing.assert_allclose(J.data, model.hand_gradients(X, y)["layers.0.W"], rtol=1e-10,
                               atol=1e-12)


def test_the_callers_tensors_their_grad_and_graph_are_untouched():
    w = tg.tensor(np.arange(3.0), requires_grad=True)
    h = w * 2  # a live graph of the caller's
    J = jacobian(lambda a: a * a, h)
    np.testing.assert_array_equal(J.data, np.diag(2 * h.data))
    assert w.grad is None
    h.sum().backward()  # the caller's graph still runs
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])
    with tg.no_grad():  # differentiated under no_grad too, as torch
        np.testing.assert_array_equal(jacobian(lambda a: a * 3, w).data, 3 * np.eye(3))


def test_outputs_that_do_not_depend_on_the_inputs():
    x = np.array([1.0, 2.0, 3.0])
    for f, tf in [(lambda a: tg.ones(2), lambda a: torch.ones(2, dtype=torch.float64)),
                  (lambda a: a.long(), lambda a: a.long())]:
        agree(jacobian(f, tg.tensor(x)), TAF.jacobian(tf, torch.tensor(x)), "constant output")
        with pytest.raises(RuntimeError, match="jacobian: output 0 of the user-provided "
                                               "function does not require gradients"):
            jacobian(f, tg.tensor(x), strict=True)
        with pytest.raises(RuntimeError):
            TAF.jacobian(tf, torch.tensor(x), strict=True)
    with pytest.raises(RuntimeError, match="output 0 of the user-provided function is "
                                           "independent of input 1"):
        jacobian(lambda a, b: a * 2, (tg.tensor(x), tg.tensor(x)), strict=True)
    with pytest.raises(RuntimeError):
        TAF.jacobian(lambda a, b: a * 2, (torch.tensor(x), torch.tensor(x)), strict=True)


def test_float32_input_float64_output_dtypes_as_torch():
    x = np.array([0.5, -1.0], dtype=np.float32)
    agree(jacobian(lambda a: a.double() * 3, tg.tensor(x)),
          TAF.jacobian(lambda a: a.double() * 3, torch.tensor(x)), "f32 -> f64")
    v = np.ones(2)
    agree(vjp(lambda a: a.double() * 3, tg.tensor(x), tg.tensor(v)),
          TAF.vjp(lambda a: a.double() * 3, torch.tensor(x), torch.tensor(v)), "vjp dtypes")
    u = np.ones(2, dtype=np.float32)
    with pytest.warns(RuntimeWarning, match="J v comes from the Jacobian's rows"):
        got = jvp(lambda a: a.double() * 3, tg.tensor(x), tg.tensor(u))
    agree(got, TAF.jvp(lambda a: a.double() * 3, torch.tensor(x), torch.tensor(u)), "jvp dtypes")


def test_errors_are_one_line():
    x = tg.tensor(np.ones(3))
    cases = [
        (lambda: jacobian(lambda a: a, np.ones(3)), TypeError,
         "jacobian: the inputs must be a Tensor or a tuple of Tensors, but the value at index 0 "
         "has type ndarray"),
        (lambda: jacobian(lambda a: a.data, x), TypeError,
         "jacobian: the outputs of the user-provided function must be a Tensor"),
        (lambda: jacobian(lambda a: a, tg.tensor([1, 2])), TypeError, "only floating-point"),
        (lambda: jacobian(lambda a: a, x, create_graph=True), NotImplementedError,
         "create_graph=True is not supported"),
        (lambda: jacobian(lambda a: a, x, strategy="sideways"), ValueError, "strategy must be"),
        (lambda: vjp(lambda a: a * 2, x), RuntimeError, "the vector v can only be None"),
        (lambda: vjp(lambda a: a * 2, x, tg.ones(2)), RuntimeError,
         r"vjp: v\[0\] has shape \(2,\), the output \[0\] \(3,\)"),
        (lambda: jvp(lambda a: a * 2, x), RuntimeError, "the vector v can only be None"),
        (lambda: hessian(lambda a: a.sum(), x), NotImplementedError, "hessian: second"),
        (lambda: hvp(lambda a: a.sum(), x, x), NotImplementedError, "hvp: second"),
        (lambda: vhp(lambda a: a.sum(), x, x), NotImplementedError, "vhp: second"),
    ]
    for f, exc, msg in cases:
        with pytest.raises(exc, match=msg) as e:
            f()
        assert "\n" not in str(e.value)
    # a scalar output needs no v, as torch
    agree(vjp(lambda a: (a * a).sum(), x), TAF.vjp(lambda a: (a * a).sum(),
                                                   torch.ones(3, dtype=torch.float64)), "v=None")


def test_reachable_as_torch_spells_it():
    assert autograd.functional.jacobian is jacobian
    assert autograd.set_grad_enabled is tg.set_grad_enabled
    assert autograd.inference_mode is tg.inference_mode
