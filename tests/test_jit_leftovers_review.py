"""jit leftovers: a user's gradient term class with `defers` whose `__new__` hands back
something else (a plain array, another class's term) goes through the engine's rule by its
real type, and a write by the step's Python into an array made before the step that no op
reads (a counter, a log, a module's buffer, a Tensor's `.data`) runs the step eagerly with
the warning, as replay would not redo it. Also checked: rrelu in training (falls back),
in eval (replays), `Tensor(W.data)` with W's array rebound between calls (guarded)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn, optim
from tinygrad_dl import functional as F
from tinygrad_dl.engine import Function
from tinygrad_dl.jit import jit


# ---- 1. a `defers` class whose __new__ returns something else -------------------------------
class DenseTerm(tuple):
    """Says it defers, but its __new__ hands back the plain array x^T g."""

    defers = True

    def __new__(cls, parts):
        x, g, _ = parts
        return x.T.dot(g)


class AddsAtOnce(tuple):
    """A term that adds itself at once (no `defers`), and has no `total`."""

    __slots__ = ()
    shape = property(lambda self: self[2])

    def add_to(self, pending, key):
        out = pending.own(key, self[2], self[1].dtype)
        out += self[0].T.dot(self[1])


class OtherTerm(tuple):
    """Says it defers, but its __new__ makes an AddsAtOnce."""

    defers = True

    def __new__(cls, parts):
        return AddsAtOnce(parts)


TERMS = {"array": "DenseTerm", "another class": "OtherTerm"}


def _user_matmul(term):
    class UserMM(Function):
        @staticmethod
        def shaped_forward(shapes):
            return "{0}.dot({1})" if [len(s) for s in shapes] == [2, 2] else None

        @staticmethod
        def shaped_backward(shapes):
            return ("g.dot({1}.T)", f"{term}(({{0}}, g, {tuple(shapes[1])!r}))")

        def forward(ctx, x, y):
            ctx.saved = x, y
            return x.dot(y)

        def backward(ctx, g):
            x, y = ctx.saved
            return g.dot(y.T), globals()[term]((x, g, y.shape))

    return UserMM


@pytest.mark.parametrize("kind", list(TERMS))
def test_a_deferring_class_whose_new_returns_another_type_replays_as_eager(kind):
    mm = _user_matmul(TERMS[kind])
    R = np.random.default_rng(0)
    A = Tensor(R.standard_normal((4, 3)), requires_grad=True)
    W = Tensor(R.standard_normal((3, 3)) * 0.5, requires_grad=True)
    h0 = Tensor(R.standard_normal((1, 3)), requires_grad=True)
    ps = (A, W, h0)

    def step():
        h = h0
        for i in range(4):  # one-row products: the RNN step's h @ W
            h = (A[i:i + 1] + mm.apply(h, W)).tanh()
        (h ** 2).sum().backward()
        (W * W).sum().backward()

    jitted = jit(step, strict=True)
    for _ in range(5):
        for p in ps:
            p.grad = None
        step()
        want = [p.grad.copy() for p in ps]
        for p in ps:
            p.grad = None
        jitted()  # (before the fix: AttributeError 'ndarray' has no attribute 'total')
        for p, e in zip(ps, want):
            assert p.grad.tobytes() == e.tobytes()
    assert jitted.replays == 3


def five_calls(step, W, shape, use_jit, keep, scale=False):
    """`step` (jitted where use_jit) on five inputs of `shape`, W.grad cleared before each:
    `keep(result)` of each call, taken right after it, the warnings given, the replays."""
    f = jit(step) if use_jit else step
    out = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(5):
            W.grad = None
            x = np.random.default_rng(i).standard_normal(shape)
            out.append(keep(f(x * (1 + i) if scale else x)))
    return out, [str(w.message) for w in caught], getattr(f, "replays", 0)


# ---- 2. rrelu ---------------------------------------------------------------------------------
def _rrelu_runs(use_jit, training):
    W = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    act = nn.RReLU(rng=np.random.default_rng(5))
    act.train(training)

    def step(X):
        y = act(Tensor(X) @ W)
        (y * y).sum().backward()
        return y.detach()

    return five_calls(step, W, (6, 4), use_jit,
                      lambda y: (y.data.tobytes(), W.grad.tobytes()))


@pytest.mark.parametrize("training", [True, False])
def test_rrelu_draws_as_eager_or_falls_back(training):
    want, _, _ = _rrelu_runs(False, training)
    got, msgs, replays = _rrelu_runs(True, training)
    assert got == want
    # slopes drawn inside a Draw op (hDROP; before, by the step's Python: eager, one warning)
    assert replays == 3 and not msgs


# ---- 3. Tensor(W.data) with W's array rebound between calls ---------------------------------
def test_tensor_of_a_parameter_s_array_follows_a_rebind():
    def runs(use_jit):
        R = np.random.default_rng(0)
        W = Tensor(R.standard_normal((4, 3)), requires_grad=True)
        V = Tensor(R.standard_normal((4, 3)), requires_grad=True)

        def step(X):
            x = Tensor(X)
            y = x @ V
            y = y * (x @ Tensor(W.data))  # made while the graph is live
            (y * y).sum().backward()
            return y.detach()

        f = jit(step, strict=True) if use_jit else step
        out = []
        for i in range(8):
            V.grad = None
            out.append(f(np.random.default_rng(i).standard_normal((5, 4))).data.tobytes())
            V.data -= 0.1 * V.grad
            if i in (3, 5):
                W.data = W.data * 0.5  # the loop rebinds it now and then
            else:
                W.data += 0.01
        return out, getattr(f, "replays", 0)

    want, _ = runs(False)
    got, replays = runs(True)
    assert got == want and replays >= 2


# ---- 4. the step's Python writes into an array no op reads ----------------------------------
HIST = np.zeros(3)
BUF = Tensor(np.zeros(3))


class Counting(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
        self.register_buffer("count", np.zeros(1))

    def forward(self, x):
        self.count[0] += 1  # num_batches_tracked, by hand
        return x @ self.W


@pytest.mark.parametrize("where", ["global array", "Tensor.data", "closure array",
                                   "module buffer"])
def test_a_write_into_an_array_no_op_reads_runs_eagerly_with_the_warning(where):
    def runs(use_jit):
        HIST[:] = 0
        BUF.data[:] = 0
        local = np.zeros(2)
        net = Counting()

        def step(X):
            y = net(Tensor(X)) if where == "module buffer" else Tensor(X) @ net.W
            if where == "global array":
                HIST[0] += 1
            elif where == "Tensor.data":
                BUF.data[0] += 1
            elif where == "closure array":
                local[1] += 1
            (y * y).sum().backward()

        f = jit(step) if use_jit else step
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(5):
                net.W.grad = None
                f(np.random.default_rng(i).standard_normal((5, 4)))
        state = (HIST.tobytes(), BUF.data.tobytes(), local.tobytes(), net.count.tobytes())
        return state, [str(w.message) for w in caught]

    want, _ = runs(False)
    got, msgs = runs(True)
    assert got == want  # (before: replay did not count, with no word)
    assert len(msgs) == 1 and "writes into an array made before the step that no op" in msgs[0]


def test_writers_value_reads_and_returned_views_fall_back_or_replay_as_eager():
    """`if loss.item() > 1`, opt.step() inside, a returned view of a parameter: each runs
    eagerly with one warning; W.detach() returned replays as eager's (the same array)."""
    for form in ["item", "opt", "view", "detach"]:
        def runs(use_jit, form=form):
            W = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
            opt = optim.SGD([W], lr=0.1, momentum=0.9)

            def step(X):
                loss = ((Tensor(X) @ W) ** 2).mean()
                if form == "item" and loss.item() > 1.0:
                    loss = loss * 0.5
                loss.backward()
                if form == "opt":
                    opt.step()
                return W[0] if form == "view" else W.detach()

            def keep(h):  # (a hand step between the calls, but where opt.step() is inside)
                if form != "opt":
                    W.data -= 0.1 * W.grad
                return h

            held, msgs, replays = five_calls(step, W, (5, 4), use_jit, keep, scale=True)
            return [h.data.tobytes() for h in held] + [W.data.tobytes()], msgs, replays

        want, _, _ = runs(False)
        got, msgs, replays = runs(True)
        assert got == want, form
        jit_msgs = [m for m in msgs if m.startswith("jit:")]
        if form == "detach":
            assert replays == 3 and not jit_msgs
        else:
            assert replays == 0 and len(jit_msgs) == 1, (form, msgs)


def test_rrelu_eval_is_leaky_relu_with_the_mean_slope():
    x = Tensor(np.array([-2.0, -0.0, 0.0, 3.0]))
    assert F.rrelu(x, 0.1, 0.3).data.tobytes() == F.leaky_relu(x, 0.2).data.tobytes()
