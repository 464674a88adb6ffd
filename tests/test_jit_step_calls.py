"""What a jitted step's Python runs beyond its own function (jit/calls.py): a Module's method
of the user's class reading a global (a notebook's `LAMBDA`), a dict attribute changed in
place or a number its class holds; a helper of another module of the user's reading that
module's global; `config.LR` with `import config`; a draw from a random stream for a Python
decision. Each replayed the recorded number (or decision) without a word before: the guards
read only the step's own code. Each test runs the step eagerly and jitted side by side, bit
for bit (`differential`)."""

from __future__ import annotations

import importlib
import random
import sys
import warnings

import numpy as np
import pytest
from test_jit_bindings_review import X, differential, param

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import JitError, jit

LAMBDA = 0.5


class Net(nn.Module):
    scale = 2.0  # in the class body: read as self.scale

    def __init__(self) -> None:
        super().__init__()
        self.w = param()
        self.cfg = {"lam": 0.25}

    def loss(self, x):
        data = (self.w * tg.Tensor(x)).sum() * self.scale
        return data + LAMBDA * (self.w * self.w).sum() + self.cfg["lam"] * self.w.sum()


def loss_step(net):
    """(step, its parameters, net) for `differential`: the step runs `net.loss` backward."""
    def step(x):
        loss = net.loss(x)
        loss.backward()
        return loss
    return step, [net.w], net


def net_step():
    global LAMBDA
    LAMBDA, Net.scale = 0.5, 2.0  # (each run, eager then jit, starts from the same state)
    return loss_step(Net())


def test_a_global_read_by_a_module_method_of_the_user_s_class():
    global LAMBDA

    def change(net):
        global LAMBDA
        LAMBDA = 3.0
    try:
        step, _ = differential(net_step, change)
    finally:
        LAMBDA = 0.5
    assert step.replays >= 2 and step.rerecords == 1


def test_a_dict_attribute_changed_in_place_and_a_class_number():
    step, net = differential(net_step, lambda net: net.cfg.__setitem__("lam", 4.0))
    assert step.replays >= 2 and step.rerecords == 1

    def change(net):
        Net.scale = 7.0
    try:
        step, _ = differential(net_step, change)
    finally:
        Net.scale = 2.0
    assert step.replays >= 2 and step.rerecords == 1


def test_unchanged_it_keeps_replaying():
    step, _ = differential(net_step, calls=6)
    assert (step.replays, step.rerecords) == (4, 0)


@pytest.fixture
def user_module(tmp_path):
    (tmp_path / "tgdl_other.py").write_text(
        "K = 2.0\n\ndef scaled(t):\n    return t * K\n")
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("tgdl_other")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("tgdl_other", None)


def test_another_module_s_helper_and_its_global(user_module):
    other = user_module

    def make():
        w = param()
        other.K = 2.0

        def step(x):
            loss = other.scaled((w * tg.Tensor(x)).sum())
            loss.backward()
            return loss
        return step, [w], other
    step, _ = differential(make, lambda m: setattr(m, "K", 5.0))
    assert step.replays >= 2 and step.rerecords == 1

    def make_attr():  # `config.LR` read by the step itself
        w = param()
        other.K = 2.0

        def step(x):
            loss = (w * tg.Tensor(x)).sum() * other.K
            loss.backward()
            return loss
        return step, [w], other
    step, _ = differential(make_attr, lambda m: setattr(m, "K", 5.0))
    assert step.replays >= 2 and step.rerecords == 1


RNG = np.random.default_rng(0)


class Holder:
    def __init__(self) -> None:
        self.rng = np.random.default_rng(1)

    def coin(self) -> float:
        return self.rng.random()


HOLDER = Holder()


@pytest.mark.parametrize("draw", ["legacy", "python", "generator", "method"])
def test_a_python_decision_on_a_random_draw_is_refused(draw):
    u = {"legacy": np.random.rand, "python": random.random, "generator": lambda: RNG.random(),
         "method": HOLDER.coin}[draw]
    w = param()

    def step(x):
        loss = (w * tg.Tensor(x)).sum()
        if u() < 0.5:  # a decision a replay would freeze
            loss = loss * 2.0
        loss.backward()
        return loss

    with pytest.raises(JitError, match="random stream"):
        jit(step, strict=True)(X)
    jitted = jit(step)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for _ in range(4):
            w.grad = None
            jitted(X)
    assert jitted.replays == 0 and any("random stream" in str(m.message) for m in seen)


def test_a_user_op_s_methods_are_not_guarded():
    class Twice(tg.Function):
        factor = 2.0

        def forward(ctx, x):
            return x * Twice.factor

        def backward(ctx, g):
            return g * Twice.factor

    w = param()

    @jit
    def step(x):
        loss = (Twice.apply(w) * tg.Tensor(x)).sum()
        loss.backward()
        return loss
    for _ in range(4):
        w.grad = None
        step(X)
    Twice.factor = 3.0  # the op's code runs in replay: read there, not guarded
    w.grad = None
    out = step(X)
    assert step.replays == 3 and float(out.data) == pytest.approx(3.0 * float(w.data @ X))


def test_draws_in_ops_still_replay():
    """A mask drawn by F.dropout from the step's generator (rng= passed, no method of it
    taken by the step's Python), and a user's op drawing from NumPy's global stream in its
    forward: replay draws them; a draw by the step's Python between them is refused."""
    rng = np.random.default_rng(3)
    w = param()

    class Noise(tg.Function):
        def forward(ctx, x):
            ctx.m = np.random.uniform(size=x.shape)
            return x * ctx.m

        def backward(ctx, g):
            return g * ctx.m

    def step(x):
        h = tg.functional.dropout(w * tg.Tensor(x), 0.5, rng=rng)
        loss = Noise.apply(h).sum()
        loss.backward()
        return loss

    jitted = jit(step, strict=True)
    for _ in range(4):
        w.grad = None
        jitted(X)
    assert jitted.replays == 2

    def drawing(x):
        loss = Noise.apply(w * tg.Tensor(x)).sum() * (1.0 + np.random.rand())
        loss.backward()
        return loss
    strict = jit(drawing, strict=True)  # (the first recording saw the op run: the second
    with pytest.raises(JitError, match="random stream"):  # compares the stream op by op)
        for _ in range(2):
            w.grad = None
            strict(X)


# ---- a buffer made before the step, written by its Python -------------------------------------
YOH = np.zeros((4, 3))


def one_hot_step():
    """The course's one-hot labels written into a preallocated buffer inside the step."""
    W = tg.Tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)

    def step(X, y):
        YOH[:] = 0
        YOH[np.arange(4), y] = 1
        P = (tg.Tensor(X) @ W).softmax(axis=1)
        loss = -(tg.Tensor(YOH) * P.log()).sum()
        loss.backward()
        return loss
    return step, W


def test_a_buffer_the_step_writes_before_an_op_reads_it_is_refused():
    rng = np.random.default_rng(0)
    X, ys = rng.standard_normal((4, 2)), [rng.integers(0, 3, 4) for _ in range(5)]
    step, W = one_hot_step()
    want = []
    for y in ys:  # eager
        W.grad = None
        want.append((float(step(X, y).data), W.grad.copy()))
    jitted = jit(step)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for y, (loss, grad) in zip(ys, want):
            W.grad = None
            assert float(jitted(X, y).data) == loss and np.array_equal(W.grad, grad)
    assert jitted.replays == 0 and any("writes into an array made before the step" in
                                       str(m.message) for m in seen)
    with pytest.raises(JitError, match="array made before the step"):
        s = jit(step, strict=True)
        for y in ys[:2]:
            W.grad = None
            s(X, y)


def test_a_buffer_written_after_an_op_read_it_is_refused():
    w, buf = param(), np.zeros(3)

    def step(x):
        loss = (w * tg.Tensor(buf)).sum() + (w * tg.Tensor(x)).sum()
        loss.backward()  # (before it, the live graph keeps buf read-only: the write raises)
        buf[:] = x  # the next call reads it: replay would not have written it
        return loss

    with pytest.raises(JitError, match="array made before the step"):
        s = jit(step, strict=True)
        for k in range(3):
            w.grad = None
            s(X + k)


def test_a_buffer_the_loop_refills_outside_the_step_replays():
    w, buf = param(), np.zeros(3)

    @jit
    def step(x):
        loss = (w * tg.Tensor(buf)).sum() * (w * tg.Tensor(x)).sum()
        loss.backward()
        return loss

    for k in range(5):
        buf[:] = X * k  # outside the step: replay reads it afresh
        w.grad = None
        got = float(step(X).data)
        assert got == pytest.approx(float(w.data @ (X * k)) * float(w.data @ X))
    assert step.replays == 3
