"""Review 4 of `jit` replay against eager, by a randomized differential fuzzer (random graphs
of the op table's elementwise ops and reductions, one-row MatMuls as in an RNN, basic and
advanced indexing repeated on one tensor, Linear and the L2 term, user Functions whose
backward returns None on some calls, its saved output, a NumPy scalar, an input array or g
itself; two backward() calls with retain_graph; .grad kept between calls and views of it;
zero_grad(set_to_none=False); float32 and float64 mixed), ~6 calls each, compared bit for
bit after every call (values, .grad, dtypes, what the user kept, which arrays alias which).

Its one finding, fixed: a user's backward that no recorded call ran (an op below it returned
None while recorded) was not checked at replay: a gradient of the wrong shape (a forgotten
unbroadcast) became .grad of that shape, or was broadcast into a sibling's, where eager
raises "X.backward returned a gradient of shape ... for an input of shape ...".
"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.engine import Function
from tinygrad_dl.jit import jit


class Gate(Function):
    """x * 3, whose backward sends nothing on its first two calls (both recordings)."""

    calls = 0

    def forward(ctx, x):
        return x * 3

    def backward(ctx, g):
        type(ctx).calls += 1
        return None if type(ctx).calls <= 2 else g * 3


class Both(Function):
    """x + y broadcast, whose backward forgets to unbroadcast: g for both inputs."""

    def forward(ctx, x, y):
        return x + y

    def backward(ctx, g):
        return g, g


class OneForTwo(Function):
    """x + y, whose backward returns one gradient for its two inputs."""

    def forward(ctx, x, y):
        return x + y

    def backward(ctx, g):
        return g


class ScalarFor3(Function):
    """x * 2 of a (3,) x, whose backward returns a NumPy scalar (a 0-d gradient)."""

    def forward(ctx, x):
        return x * 2

    def backward(ctx, g):
        return np.float64(g.sum())


def run(make_loss, b_shape, jitted, calls=4):
    Gate.calls = 0
    b = Tensor(np.arange(1.0, 1.0 + np.prod(b_shape)).reshape(b_shape), requires_grad=True)

    def step(X):
        loss = make_loss(b, Tensor(X))
        loss.backward()
        return loss.detach()

    f = jit(step) if jitted else step
    seen = []
    for i in range(calls):
        try:
            out = ("returned", f(np.ones((1, 3)) * (i + 1)).data.tobytes())
        except RuntimeError as e:
            out = ("raised", str(e))
        seen.append((out, None if b.grad is None else (b.grad.shape, b.grad.tobytes())))
        b.grad = None
    return seen


LOSSES = {
    "wrong_shape": (lambda b, x: Gate.apply(Both.apply(b, x)).sum(), (3,),
                    "Both.backward returned a gradient of shape (1, 3) for an input of "
                    "shape (3,)"),
    "wrong_count": (lambda b, x: Gate.apply(OneForTwo.apply(b, x)).sum(), (1, 3),
                    "OneForTwo.backward returned 1 gradients for 2 inputs"),
    "numpy_scalar_for_a_vector": (lambda b, x: Gate.apply(ScalarFor3.apply(b) + x).sum(),
                                  (3,), "ScalarFor3.backward returned a gradient of shape () "
                                  "for an input of shape (3,)"),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_a_user_backward_first_reached_at_replay_is_checked_as_eager(name):
    make_loss, shape, message = LOSSES[name]
    eager = run(make_loss, shape, False)
    assert eager[2] == (("raised", message), None)  # (the harness reaches the error)
    assert run(make_loss, shape, True) == eager


def test_a_right_user_backward_first_reached_at_replay_still_replays():
    """The check costs a user's op nothing else: the same gradients, replayed."""
    Gate.calls = 0
    w = Tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)

    def step(X):
        loss = Gate.apply((w * Tensor(X)).tanh()).sum()
        loss.backward()
        return loss.detach()

    f = jit(step)
    grads = []
    for i in range(5):
        f(np.ones(3) * (i + 1))
        grads.append(None if w.grad is None else w.grad.tobytes())
        w.grad = None
    Gate.calls = 0
    for i in range(5):
        step(np.ones(3) * (i + 1))
        assert grads[i] == (None if w.grad is None else w.grad.tobytes())
        w.grad = None
    assert f.replays > 0
