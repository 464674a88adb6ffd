"""What the compiled replay writes out instead of calling (tinygrad_dl.jit.compiled): the
root Mul's backward as its two products (`same_shape_backward`), the value nobody reads, and
one entry function with the checks and the steps, sharing the plan's kept arrays. Each case
runs next to eager, bit for bit, from the same `.grad` state."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_dl import Tensor, engine
from tinygrad_dl.grad import GradArray
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.plan import Plan


def twin_runs(step, params, args, calls=5):
    """`step` eagerly and jitted from the same .grad state each call: .grad bit for bit."""
    jitted = jit(step, strict=True)
    for _ in range(calls):
        start = [None if p.grad is None else p.grad.copy() for p in params]
        step(*args)
        want = [None if p.grad is None else p.grad.copy() for p in params]
        for p, s in zip(params, start):
            p.grad = None if s is None else s.copy().view(GradArray)
        jitted(*args)
        for p, e in zip(params, want):
            if e is None:
                assert p.grad is None
            else:
                assert type(p.grad) is GradArray and p.grad.dtype == e.dtype
                assert p.grad.tobytes() == e.tobytes() and p.grad.shape == e.shape
        for p in params:
            p.grad = None
    assert jitted.replays == calls - 2
    plan = next(v for v in jitted.cache.values() if type(v) is Plan)
    return jitted, plan.source


def inlined(src):
    """Whether a product of the seed is written out (`x = g * r3`, `x = g * q1`)."""
    return bool(re.search(r"^ +x = g \* \w+$", src, re.M))


def t(a, grad=True):
    return Tensor(np.asarray(a), requires_grad=grad)


R = np.random.default_rng(0)


def test_the_root_product_is_written_out_and_matches_eager():
    x, w = t(R.standard_normal(4)), t(R.standard_normal(4))
    g = R.standard_normal(4)
    _, src = twin_runs(lambda g: (x * w).backward(g), (x, w), (g,))
    assert inlined(src) and not re.search(r"= b\d+\(g\)", src)  # no call of Mul.backward
    # the products read the parameters' registers: no prepare, no ctx, nothing to release
    assert not re.search(r"\bf\d+\(|\.saved|\bc\d+\(\)", src)


@pytest.mark.parametrize("case", ["broadcast", "not root", "one constant", "an op's output",
                                  "a seed of another shape", "x*x", "0-d",
                                  "mixed dtypes", "retain_graph"])
def test_each_product_replays_as_eager_computes_it(case):
    x, w = t(R.standard_normal((3, 4))), t(R.standard_normal((3, 4)))
    g = R.standard_normal((3, 4))
    params, expect_inline = (x, w), True
    if case == "broadcast":  # w (4,): its gradient summed back: the backward is called
        w = t(R.standard_normal(4))
        params, expect_inline = (x, w), False

        def step(g):
            (x * w).backward(g)
    elif case == "not root":  # the gradient comes from sum's backward: called
        expect_inline = False

        def step(g):
            (x * w).sum().backward()
    elif case == "one constant":  # only w's gradient
        c = Tensor(R.standard_normal((3, 4)))
        params = (w,)

        def step(g):
            (c * w).backward(g)
    elif case == "an op's output":  # exp's value: read from what Mul's prepare saved
        params = (x, w)

        def step(g):
            (x * w.exp()).backward(g)
    elif case == "a seed of another shape":  # engine.backward takes it: summed back
        g, expect_inline = R.standard_normal((2, 3, 4)), False

        def step(g):
            engine.backward(x * w, g)
    elif case == "x*x":  # one key sent two products: the second added into the first
        params = (x,)

        def step(g):
            (x * x).backward(g)
    elif case == "0-d":  # NumPy scalars out of the products
        x, w, g = t(1.5), t(-0.25), np.asarray(3.0)
        params = (x, w)

        def step(g):
            (x * w).backward(g)
    elif case == "mixed dtypes":  # float64 gradients into float32 parameters: cast at store
        x = t(R.standard_normal((3, 4)).astype(np.float32))
        params = (x, w)

        def step(g):
            (x * w).backward(g)
    else:  # two backwards through one graph: the second adds into the first's .grad

        def step(g):
            y = x * w
            y.backward(g, retain_graph=True)
            y.backward(g)
    _, src = twin_runs(step, params, (g,))
    assert inlined(src) == expect_inline
    if case == "an op's output":
        assert re.search(r"= C\d+\.saved", src) and re.search(r"^ +f\d+\(", src, re.M)


def test_the_entry_and_the_slow_path_share_the_kept_arrays():
    """The first replay runs through the plan's `run`, the next through jit's entry (the
    same steps compiled with the checks): the array the first kept for W's gradient is the
    one the second writes into, and no slot holds an array .grad no longer views."""
    from tinygrad_dl.models import TwoLayer
    from tinygrad_dl.optim import SGD

    rng = np.random.default_rng(0)
    model = TwoLayer(12, 5, 3, lam=0.1, rng=rng)
    X, y = rng.standard_normal((8, 12)), rng.integers(0, 3, 8)
    opt = SGD(model.parameters(), lr=0.1)
    step = jit(lambda Xb, yb: model.loss(Xb, yb).backward(), strict=True)
    W = model.linears[0].W
    seen = []
    for _ in range(6):
        opt.zero_grad()
        step(X, y)
        seen.append(W.grad.__array_interface__["data"][0])
        opt.step()
    assert step._fast.__code__.co_filename == "<jit entry>"
    assert len(set(seen[2:])) == 1  # from the first replay on: one array
    plan = next(iter(step.cache.values()))
    grads = {id(p.grad.base) for p in model.parameters() if p.grad is not None}
    slots = [s for s in plan._shared.slots.values() if s[0] is not None]
    assert slots and all(id(s[0]) in grads for s in slots)
