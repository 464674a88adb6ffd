"""A broadcast `Add` (a bias, `x + b`) written out by the compiled replay (`Add.shaped_forward`,
`Add.shaped_backward`: the forward `x + b`, the backward `g` and g summed down to each input's
shape, as `unbroadcast` sums it), and the replayed step's return (`plan._tensor`). Each case
runs next to eager, bit for bit, from the same `.grad` state (`twin_runs`); an Add whose
backward is not its declaration's (a subclass's own, a lying declaration) is still called."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_jit_inline import t, twin_runs

from tinygrad_dl import Tensor, ops
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.plan import Plan

R = np.random.default_rng(11)
REDUCE = re.compile(r"^ +x = np_\d+\.add\.reduce\(g, 0\)$", re.M)  # a bias row's gradient
UNBROADCAST = re.compile(r"^ +x = unbroadcast_\d+\(g, \([\d, ]*\)\)$", re.M)
PASSED = re.compile(r"^ +(?:x = g|g\d+ = g; o\d+ = False)$", re.M)  # g itself, not ours
FORWARD = re.compile(r"^ +r\d+ = r\d+ \+ [rk]\d+$", re.M)  # the forward written out


def _case(name):
    """(step, params, expected counts: bias reductions, unbroadcasts, passed g's)."""
    x, w = t(R.standard_normal((3, 4))), t(R.standard_normal((3, 4)))
    b = t(R.standard_normal(4))
    if name == "bias row":
        return lambda: ((x + b).tanh() * w).sum().backward(), (x, w, b), (1, 0, 1)
    if name == "bias first":
        return lambda: ((b + x).tanh() * w).sum().backward(), (x, w, b), (1, 0, 1)
    if name == "keepdims row":
        b2 = t(R.standard_normal((1, 4)))
        return lambda: ((x + b2).tanh() * w).sum().backward(), (x, w, b2), (0, 1, 1)
    if name == "outer":
        c, r = t(R.standard_normal((3, 1))), t(R.standard_normal((1, 4)))
        return lambda: ((c + r).tanh() * w).sum().backward(), (c, r, w), (0, 2, 0)
    if name == "3-d, trailing 2-d":
        x3, b3 = t(R.standard_normal((2, 3, 4))), t(R.standard_normal((3, 4)))
        return lambda: ((x3 + b3).tanh() ** 2).sum().backward(), (x3, b3), (1, 0, 1)
    if name == "3-d, last axis":
        x3 = t(R.standard_normal((2, 3, 4)))
        return lambda: ((x3 + b).tanh() ** 2).sum().backward(), (x3, b), (0, 1, 1)
    if name == "0-d":  # the sum is a NumPy scalar: through the engine's `_add`
        s = t(0.25)
        return lambda: ((x + s).tanh() * w).sum().backward(), (x, w, s), (0, 1, 1)
    if name == "mixed dtypes":  # float32 x, float64 b: float64 gradients, x's cast at the store
        x32 = t(R.standard_normal((3, 4)).astype(np.float32))
        return lambda: ((x32 + b).tanh() * w).sum().backward(), (x32, w, b), (1, 0, 1)
    if name == "constant bias":  # b needs no gradient: only x's g is written
        c = Tensor(R.standard_normal(4))
        return lambda: ((x + c).tanh() * w).sum().backward(), (x, w), (0, 0, 1)
    if name == "two consumers":  # y read by two ops: its gradient is their sum first
        def step():
            y = x + b
            (y.tanh() + y * w).sum().backward()
        return step, (x, w, b), (1, 0, 1)
    if name == "retain_graph":  # two backwards through one graph
        def step():
            y = ((x + b).tanh() * w).sum()
            y.backward(retain_graph=True)
            y.backward()
        return step, (x, w, b), (2, 0, 2)
    assert name == "at the root"  # the seed is g: x's gradient is the seed itself
    seed = R.standard_normal((3, 4))
    return lambda: (x + b).backward(seed), (x, b), (1, 0, 0)


CASES = ["bias row", "bias first", "keepdims row", "outer", "3-d, trailing 2-d",
         "3-d, last axis", "0-d", "mixed dtypes", "constant bias", "two consumers",
         "retain_graph", "at the root"]


@pytest.mark.parametrize("name", CASES)
def test_a_broadcast_add_is_written_out_and_replays_as_eager(name):
    step, params, (reduced, unbroadcast, passed) = _case(name)
    jitted, src = twin_runs(step, params, ())
    assert len(REDUCE.findall(src)) == reduced, src
    assert len(UNBROADCAST.findall(src)) == unbroadcast, src
    if name != "at the root":  # (the root's g is the seed: `x = g`, counted with the rest)
        assert len(PASSED.findall(src)) >= passed, src
    assert not _called(jitted, ops.Add), src  # no Add method is called


def _called(jitted, cls):
    """Whether the plan calls a method of an op of exactly this class (it keeps the ctx
    objects of those alone: None for the others)."""
    return any(type(c) is cls for c in next(v for v in jitted.cache.values()
                                            if type(v) is Plan).ctxs)


def test_a_bias_add_is_written_out_forward_too():
    x, w, b = t(R.standard_normal((3, 4))), t(R.standard_normal((3, 4))), t(R.standard_normal(4))
    jitted, src = twin_runs(lambda: ((x + b).tanh() * w).sum().backward(), (x, w, b), ())
    assert FORWARD.search(src) and not _called(jitted, ops.Add), src


class HalfAdd(ops.Add):
    """Add's forward and declarations, its own backward (half the gradient): inherits no
    expression that is its backward, so replay must call it."""

    def backward(ctx, g):
        gx, gy = super().backward(g)
        return gx * 0.5, gy * 0.5


class LyingAdd(ops.Add):
    """Declares a broadcast backward that is not its backward (b's gradient doubled): the
    check against backward on the recorded shapes refuses it."""

    @staticmethod
    def shaped_backward(shapes):
        return ("g", "np.add.reduce(g, 0) * 2")


@pytest.mark.parametrize("cls", [HalfAdd, LyingAdd], ids=lambda c: c.__name__)
def test_an_add_whose_backward_is_not_its_declaration_is_called(cls):
    x, w, b = t(R.standard_normal((3, 4))), t(R.standard_normal((3, 4))), t(R.standard_normal(4))
    jitted, src = twin_runs(lambda: (cls.apply(x, b).tanh() * w).sum().backward(), (x, w, b),
                            ())
    assert _called(jitted, cls) and not REDUCE.search(src), src


def _returning_step(model_b, w):
    def step(x, y):
        J = F.cross_entropy(x @ w + model_b, y, reduction="sum")
        J.backward()
        return J
    return step


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_returned_loss_is_eager_s_and_kept_across_replays(dtype):
    """The replayed step's returned Tensor (`plan._tensor` of the loss's NumPy scalar): eager's
    value and dtype, a 0-d array of its own, which later replays do not overwrite."""
    w = Tensor(R.standard_normal((5, 3)).astype(dtype), requires_grad=True)
    b = Tensor(R.standard_normal(3).astype(dtype), requires_grad=True)
    eager, jitted = _returning_step(b, w), jit(_returning_step(b, w), strict=True)
    kept = []
    for _ in range(6):
        x, y = R.standard_normal((4, 5)).astype(dtype), R.integers(0, 3, 4)
        w.grad = b.grad = None
        want = eager(x, y)
        gw, gb = w.grad.copy(), b.grad.copy()
        w.grad = b.grad = None
        got = jitted(x, y)
        assert type(got) is Tensor and type(got.data) is np.ndarray and got.data.shape == ()
        assert got.data.dtype == want.data.dtype == dtype
        assert got.data.tobytes() == want.data.tobytes()
        assert w.grad.tobytes() == gw.tobytes() and b.grad.tobytes() == gb.tobytes()
        kept.append((got, got.data.copy()))
    assert jitted.replays == 4
    assert all(k.data.tobytes() == v.tobytes() for k, v in kept)  # none overwritten
    assert len({id(k.data) for k, _ in kept}) == len(kept)
    src = next(v for v in jitted.cache.values() if type(v) is Plan).source
    assert re.search(r"^ +return tensor\d+\(r\d+\)$", src, re.M), src


def test_a_replay_that_raises_mid_step_leaves_the_next_one_eager_s():
    """A label out of range raises inside the replayed cross-entropy (after the written-out
    bias add ran); the next call replays as eager computes it, from a clean state."""
    w = Tensor(R.standard_normal((5, 3)), requires_grad=True)
    b = Tensor(R.standard_normal(3), requires_grad=True)
    eager, jitted = _returning_step(b, w), jit(_returning_step(b, w), strict=True)
    x = R.standard_normal((4, 5))
    for _ in range(3):
        w.grad = b.grad = None
        jitted(x, np.array([0, 1, 2, 0]))
    w.grad = b.grad = None
    with pytest.raises(ValueError, match=r"cross_entropy: labels must be in \[0, 3\)"):
        jitted(x, np.array([0, 1, 3, 0]))
    for y in (np.array([2, 2, 1, 0]), np.array([1, 0, 0, 2])):
        w.grad = b.grad = None
        want = eager(x, y)
        gw, gb = w.grad.copy(), b.grad.copy()
        w.grad = b.grad = None
        got = jitted(x, y)
        assert got.data.tobytes() == want.data.tobytes()
        assert w.grad.tobytes() == gw.tobytes() and b.grad.tobytes() == gb.tobytes()
    assert jitted.replays >= 3
