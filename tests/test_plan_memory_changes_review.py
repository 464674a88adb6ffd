"""Second review of the smaller char-RNN plan (a built plan keeps its compiled text, a waiting
term goes through `_add`, one global name per object): a called backward's gradient that
comes after a None (or a waiting term) is ours to add into only where nothing else holds it,
as the engine counts; replay stays eager's, bit for bit, values and aliasing."""

from __future__ import annotations

import numpy as np
from test_engine import _ExpGradIsOutput as ExpGradIsOutput

from tinygrad_dl import Function, Tensor
from tinygrad_dl.jit import jit


class _MulKeepsOutput(Function):
    """x * y whose backward returns its saved output as x's gradient when g is all ones
    (y is all ones in these tests) and a fresh array for y's."""

    def forward(ctx, x, y):
        out = x * y
        ctx.save_for_backward(out, x)
        return out

    def backward(ctx, g):
        out, x = ctx.saved
        return (out if np.all(g == 1) else g * out), g * x


class _NoGrad(Function):
    """A step function: no gradient for its input."""

    def forward(ctx, x):
        return x * 0.5

    def backward(ctx, g):
        return None


def _scale(seen: list) -> type:
    class Scale(Function):  # 3x, noting the address of the fresh array its backward returns
        def forward(ctx, x):
            return 3.0 * x

        def backward(ctx, g):
            out = 3.0 * g
            seen.append(out.__array_interface__["data"][0])
            return out
    return Scale


def _case():
    x = Tensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
    z = Tensor(np.array([0.4, 0.5, 0.6]), requires_grad=True)
    seen: list = []
    Scale = _scale(seen)

    def step(c, ones):
        a = x * Tensor(c)
        b = a * 2.0  # (sends a its gradient last: added into what came before)
        y = ExpGradIsOutput.apply(a)  # its output, y.data, as a's gradient
        u = _MulKeepsOutput.apply(a, Tensor(ones))  # its output, u.data, as a's gradient
        n = _NoGrad.apply(a)  # None to a, first
        s = Scale.apply(z) * 2.0  # z: a fresh array after a None, then 2's added into it
        m = _NoGrad.apply(z)
        (b.sum() + y.sum() + u.sum() + n.sum() + s.sum() + m.sum()).backward()
        return y.data, u.data
    return x, z, seen, step


def test_a_kept_array_after_a_none_is_not_added_into_and_a_fresh_one_still_is():
    """a's gradients in backward's order: None (a step function's), then exp's output and a
    product's output (arrays their ops keep: y.data, u.data), then b's. Replay took the first
    array after the None as its own (`_fresh`, no reference count) and added the next ones
    into it: the step's returned y.data came back as exp(a) + u + 2, not exp(a). A fresh
    array after a None is still added into in place and becomes .grad (z: no copy)."""
    xe, ze, seen_e, eager = _case()
    xr, zr, seen_r, step = _case()
    jitted = jit(step, strict=True)
    ones = np.ones(3)
    for i in range(5):  # two recordings, then replays
        xe.grad = ze.grad = xr.grad = zr.grad = None
        c = np.array([1.0, 2.0, 3.0]) + i
        ye, ue = eager(c, ones)
        yr, ur = jitted(c, ones)
        np.testing.assert_array_equal(ye, np.exp(xe.data * c))
        np.testing.assert_array_equal(yr, ye)
        np.testing.assert_array_equal(ur, ue)
        for a, b in ((xe, xr), (ze, zr)):
            np.testing.assert_array_equal(b.grad, a.grad)
        # z's .grad is the array Scale's backward made, in place, eagerly and replayed
        assert ze.grad.__array_interface__["data"][0] == seen_e[-1]
        assert zr.grad.__array_interface__["data"][0] == seen_r[-1]
    assert jitted.replays == 3


def test_a_parameter_whose_data_became_a_numpy_scalar_records_and_replays_as_eager():
    """`w.data = w.data - lr * w.grad` on a 0-d parameter leaves a NumPy scalar in .data
    (NumPy's 0-d arithmetic); eager runs on, and the recording crashed on it with
    "descriptor 'base' for 'numpy.ndarray' objects doesn't apply to a 'numpy.float64'"."""
    def run(replay):
        w = Tensor(np.array(2.0), requires_grad=True)

        def step(x):
            (w * Tensor(x)).tanh().sum().backward()
        f = jit(step, strict=True) if replay else step
        seen = []
        for i in range(6):
            f(np.linspace(0.1, 1.0, 3) * (i + 1))
            w.data = w.data - 0.1 * w.grad
            seen.append((type(w.data), float(w.data), float(w.grad)))
            w.grad = None
        return seen, getattr(f, "replays", None)

    eager, _ = run(False)
    replayed, replays = run(True)
    assert eager[-1][0] is np.float64  # (what NumPy makes of it: the case itself)
    assert replayed == eager and replays == 4
