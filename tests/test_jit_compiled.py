"""A replay plan compiled into one straight-line function (tinygrad_dl.jit.compiled): it runs
without the engine's generic backward loop, its source is names and ints only, it never adds
into an array that is not its own, and an exception halfway leaves nothing behind."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from test_engine import _ExpGradIsOutput as ExpGradIsOutput
from test_engine import _scale_noting_addresses  # (its op that keeps its output)

from tinygrad_dl import Function, Tensor, engine
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.plan import Plan
from tinygrad_dl.models import CharRNN


def rnn_case():
    model = CharRNN(7, m=5, rng=np.random.default_rng(0), fused=False)
    seqs = np.random.default_rng(1).integers(0, 7, (6, 5))

    def step(X, Y, h0):
        J = model.loss(X, Y, h0)
        J.backward()
        return J
    return model, seqs, step


def run_rnn(model, seqs, step):
    out, h = [], np.zeros(model.m)
    for s in seqs:
        for p in model.parameters():
            p.grad = None
        J = step(s[:-1], s[1:], h)
        out.append((J.data.copy(), [p.grad.copy() for p in model.parameters()]))
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        h = model.h_last
    return out


def same(a, b):
    (Ja, ga), (Jb, gb) = a, b
    return np.array_equal(Ja, Jb) and all(np.array_equal(x, y) for x, y in zip(ga, gb))


def test_replay_runs_without_the_engines_backward_loop(monkeypatch):
    """The unfused char-RNN (indexing's sparse rows, deferred one-row products): replayed with
    engine.Pending.run broken, the numbers are still eager's, bit for bit."""
    eager = run_rnn(*rnn_case())
    model, seqs, step = rnn_case()
    jitted = jit(step, strict=True)
    loop = engine.Pending.run

    def run_unless_planned(*args, **kwargs):  # the two recordings run eagerly
        if any(type(v) is Plan for v in jitted.cache.values()):
            raise AssertionError("replay called the generic backward loop")
        return loop(*args, **kwargs)
    monkeypatch.setattr(engine.Pending, "run", run_unless_planned)
    replayed = run_rnn(model, seqs, jitted)
    assert jitted.replays == len(seqs) - 2
    assert all(same(a, b) for a, b in zip(eager, replayed))


def test_compiled_source_is_straight_line_names_and_ints():
    x = Tensor(np.ones(3), requires_grad=True, name="x'); import os  #")
    w = Tensor(np.ones(3), requires_grad=True)
    step = jit(lambda g: (x * w).tanh().sum().backward(g))
    for _ in range(3):
        x.grad = w.grad = None
        step(np.array(2.0))
    plan = next(iter(step.cache.values()))
    assert type(plan) is Plan
    src = plan.source
    assert not re.search(r"\b(for|while|import|lambda)\b", src)  # straight-line, nothing else
    assert not re.search(r"['\"#]", src)  # no string literal or comment: no user text
    # one line per op: the product and tanh written out (`same_shape_forward`: their
    # backwards are written out, reading these registers), the sum's call; its value, read
    # by nothing, goes to no local: its line is the call alone
    # (registers are locals that share names when their lives do not overlap: `r3` may be
    # any op's; `compact.share_locals`)
    assert re.search(r"^ +(r\d+) = r\d+ \* r\d+\n +r\d+ = np_\d+\.tanh\(\1\)$", src, re.M)
    assert len(re.findall(r"^ +(r\d+ = )?f\d+\(", src, re.M)) == 1
    assert len(re.findall(r"^ +f\d+\(", src, re.M)) == 1
    np.testing.assert_array_equal(x.grad, 2.0 * (1 - np.tanh(1.0) ** 2) * np.ones(3))


@pytest.mark.parametrize("expr", ["x + y", "x + x", "(x + y) + x * 1.0", "x.sum() * 1.0"])
def test_upstream_gradient_is_never_added_into(expr):
    """Add hands its upstream gradient (the caller's array) to both inputs: replay must copy
    it into .grad and never add into it, as eager does."""
    x = Tensor(np.arange(3.0), requires_grad=True)
    y = Tensor(np.ones(3), requires_grad=True)
    f = eval(f"lambda x, y: {expr}")  # noqa: S307 - the test's own expressions
    g = np.array([1.0, 2.0, 3.0]) if expr != "x.sum() * 1.0" else np.array(5.0)
    seen = []

    def step(g):
        f(x, y).backward(g)
    jitted = jit(step, strict=True)
    for _ in range(5):
        x.grad = y.grad = None
        before = g.copy()
        jitted(g)
        assert np.array_equal(g, before)  # the seed was not written into
        assert x.grad is not g and y.grad is not g
        seen.append((x.grad.copy(), None if y.grad is None else y.grad.copy()))
    assert jitted.replays == 3
    assert all(np.array_equal(a[0], seen[0][0]) for a in seen)


class Boom(Function):
    """Identity whose backward raises while `armed`."""

    armed = False

    def forward(ctx, x):
        return x.copy()

    def backward(ctx, g):
        if Boom.armed:
            raise ValueError("boom")
        return g


def test_an_exception_halfway_through_a_replay_leaves_nothing_behind():
    """W's one-row products are deferred to the end of backward; an op below them raises on
    one replay. The next replay must not see the first one's deferred terms."""
    W = Tensor(np.random.default_rng(0).standard_normal((3, 3)), requires_grad=True)
    a = Tensor(np.ones((1, 3)), requires_grad=True)

    def step(h0):
        h = Boom.apply(a) + Tensor(h0)
        for _ in range(3):
            h = (h @ W).tanh()
        h.sum().backward()

    def run(f):
        W.grad = a.grad = None
        f(np.ones((1, 3)))
        return W.grad.copy(), a.grad.copy()

    want = run(step)
    jitted = jit(step, strict=True)
    for _ in range(3):
        got = run(jitted)
    assert jitted.replays == 1
    Boom.armed = True
    try:
        with pytest.raises(ValueError, match="boom"):
            run(jitted)
    finally:
        Boom.armed = False
    got = run(jitted)
    assert jitted.replays == 3
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_the_last_signature_shortcut_checks_shapes_dtypes_and_guards():
    """Replaying the last signature again skips hashing it, never the checks: another shape
    or dtype gets its own recording, a failed guard runs eagerly, views and copies are fine."""
    W = Tensor(np.ones((3, 2)), requires_grad=True)

    def step(X):
        (Tensor(X) @ W).sum().backward()
    jitted = jit(step)
    rng = np.random.default_rng(0)
    calls = [rng.standard_normal(s).astype(d) for s, d in
             [((4, 3), np.float64)] * 4 + [((4, 3), np.float32)] * 3 + [((5, 3), np.float64)] * 3
             + [((4, 3), np.float64)] * 2]
    calls.append(calls[0][::2])  # a strided view, same shape as (2, 3): a new signature
    for X in calls:
        W.grad = None
        step(X)
        want = W.grad
        W.grad = None
        jitted(X)
        assert np.array_equal(W.grad, want) and W.grad.dtype == want.dtype, X.shape
    assert jitted.replays == 2 + 1 + 1 + 2
    W.requires_grad = False  # a guard: the parameter no longer needs a gradient
    with pytest.raises(RuntimeError):  # eager: nothing to differentiate
        jitted(calls[0])
    assert jitted.replays == 6


def test_backward_from_a_parameter_itself_copies_the_seed():
    """w.backward(g) on a leaf: no op runs; .grad gets a copy of the caller's g, as eagerly."""
    w = Tensor(np.zeros(3), requires_grad=True)
    jitted = jit(lambda g: w.backward(g), strict=True)
    for k in range(5):
        g = np.full(3, float(k))
        w.grad = None
        jitted(g)
        assert w.grad is not g and np.array_equal(w.grad, g)
    assert jitted.replays == 3


def test_a_replay_never_adds_into_an_array_the_op_keeps():
    """As eager (test_engine: a gradient the op keeps is never added into): the compiled lines
    took an array backward returned as theirs when it was "not g, not a view, not given
    twice", so a replay added x's second gradient into the op's output: the replayed y came
    back as [4, 5.72] where eager gives [1, 2.72]."""
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    w = Tensor(np.array([3.0, 5.0]), requires_grad=True)

    def step(v):
        a = x * 3.0 + w * v  # recorded first, so x's gradient from it comes last
        y = ExpGradIsOutput.apply(x)
        (y + a).sum().backward()
        return y.detach()

    def run(f):
        out = []
        for _ in range(4):
            x.grad = w.grad = None
            out.append((f(np.ones(2)).data.copy(), x.grad.copy(), w.grad.copy()))
        return out
    stepj = jit(step)
    eager, replayed = run(step), run(stepj)
    assert stepj.replays == 2
    for e, r in zip(eager, replayed):
        for a, b in zip(e, r):
            np.testing.assert_array_equal(a, b)


def test_a_replay_still_adds_into_a_fresh_gradient_in_place():
    """The other side: a fresh array a user op's backward returns is the one the next gradient
    goes into and the one .grad keeps, replayed as eager (the counts the compiled lines
    compare are measured at import: `refcounts.ALONE_OUT`)."""
    seen: list = []
    Scale = _scale_noting_addresses(seen)
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)

    @jit
    def step(v):
        a = x * v  # recorded first, so reached last: added into Scale's array
        (Scale.apply(x) + a).sum().backward()

    for _ in range(4):
        x.grad = None
        step(np.full(2, 3.0))
        np.testing.assert_array_equal(x.grad, [5.0, 5.0])
        # (a recorded call runs eagerly under jit's profile hook, jit/calls.py, which on
        # Python 3.10 holds one more reference to what a function returns: the accumulator
        # then copies, the safe side; 3.11's hook holds none)
        if step.replays or sys.version_info >= (3, 11):
            assert x.grad.__array_interface__["data"][0] == seen[-1]
    assert step.replays == 2


# one-row products h @ R whose right operand R is not a leaf: R's deferred one-row terms must be
# collected (popped from P.deferred) before R's own backward runs, or R's inputs get nothing
NON_LEAF_RIGHT = {
    "W*c": lambda W: W * 1.5,
    "W.T": lambda W: W.T,
    "W[:, :k]": lambda W: W[:, :4],
}


@pytest.mark.parametrize("right", list(NON_LEAF_RIGHT))
def test_one_row_products_with_a_non_leaf_right_operand_replay_as_eager(right):
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal((4, 6 if right == "W[:, :k]" else 4)) * 0.5,
               requires_grad=True)
    U = Tensor(rng.standard_normal((4, 4)) * 0.5, requires_grad=True)
    H0 = Tensor(np.zeros((1, 4)))

    def step(X):
        R = NON_LEAF_RIGHT[right](W)  # the right operand of every one-row product below
        A = Tensor(X) @ U
        h = H0
        for t in range(X.shape[0]):
            h = (A[t:t + 1] + h @ R).tanh()  # an RNN's recurrence, one row at a time
        (h * h).sum().backward()

    def grads(f, X):
        W.grad = U.grad = None
        f(X)
        assert W.grad is not None and U.grad is not None
        return W.grad.copy(), U.grad.copy()

    jitted = jit(step, strict=True)
    for _ in range(4):  # two recordings, then replays
        X = rng.standard_normal((5, 4))
        eager, replayed = grads(step, X), grads(jitted, X)
        assert np.abs(eager[0]).max() > 0
        for a, b in zip(eager, replayed):
            np.testing.assert_array_equal(b, a)
        W.data -= 0.1 * eager[0]
    assert jitted.replays == 2


def test_upstream_gradient_after_a_deferred_term_is_not_taken_as_ours():
    """R = W * 1.5 gets a deferred one-row term (from h @ R) first, then Add's `g` itself (also
    V's gradient): that `g` is not a fresh array, so the deferred terms popped into R's
    gradient must not be added into it in place, or V's gradient changes with them."""
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal((4, 4)), requires_grad=True)
    V = Tensor(rng.standard_normal((4, 4)), requires_grad=True)
    C = Tensor(rng.standard_normal((4, 4)))

    def step(X):
        R = W * 1.5
        z = R + V  # Add's backward: g itself to both R and V
        y = (Tensor(X) @ R).tanh()  # X is one row: R's term from here is deferred
        ((z * C).sum() + (y * y).sum()).backward()

    def grads(f, X):
        W.grad = V.grad = None
        f(X)
        return W.grad.copy(), V.grad.copy()

    jitted = jit(step, strict=True)
    for _ in range(4):  # two recordings, then replays
        X = rng.standard_normal((1, 4))
        eager, replayed = grads(step, X), grads(jitted, X)
        np.testing.assert_array_equal(eager[1], C.data)  # V's gradient is C alone
        for a, b in zip(eager, replayed):
            np.testing.assert_array_equal(b, a)
    assert jitted.replays == 2


def test_one_row_products_are_deferred_and_replay_stays_eager_bit_for_bit(
        monkeypatch: pytest.MonkeyPatch):
    """Each RNN step's h @ W sends W a one-row product term that waits for W's gradient to be
    complete (one product for all steps). The compiled lines put it straight into the
    engine's deferred list (`D.setdefault(k, []).append(Outer(...))`, or a local list handed
    to D just before W's pop where no `_add` line may send W a term: once through `_add`,
    a call per step; before that, a line of their own per gradient, a third of a char-RNN
    plan's bytecode); W's gradient is still eager's, bit for bit, made by one product of
    all the steps' terms, and nothing is left deferred after a run."""
    from tinygrad_dl.ops import elementwise

    calls = []
    real_total = elementwise.Outer.total

    def counting_total(terms):
        calls.append(len(terms))
        return real_total(terms)

    monkeypatch.setattr(elementwise.Outer, "total", staticmethod(counting_total))
    model, seqs, step = rnn_case()
    eager_model, _, eager_step = rnn_case()
    replayed = jit(step)
    h = h_e = np.zeros(5)
    for i in range(len(seqs)):
        for m in (model, eager_model):
            for p in m.parameters():
                p.grad = None
        replayed(seqs[i, :-1], seqs[i, 1:], h)
        eager_step(seqs[i, :-1], seqs[i, 1:], h_e)
        for (name, p), (_, q) in zip(model.named_parameters(), eager_model.named_parameters()):
            np.testing.assert_array_equal(p.grad, q.grad, err_msg=name)
            p.data -= 0.1 * p.grad
            q.data -= 0.1 * q.grad
        h, h_e = model.h_last, eager_model.h_last
    plan = next(iter(replayed.cache.values()))
    assert replayed.replays >= 3
    # per backward (eager's and the replay's) one product of one term per time step
    T = seqs.shape[1] - 1
    assert calls.count(T) == 2 * len(seqs) and len(calls) == 2 * len(seqs), calls
    assert not plan._shared.P.deferred and not plan._shared.P.grads


def test_only_one_call_of_a_deferring_class_goes_straight_into_d():
    """The compiled lines append a term to D without `_add` only where the expression is one
    call of a class whose instances defer (`Outer(...)`): its value is such a term at every
    run. Anything else (a sum with it, a function, a class that does not defer) is
    accumulated by the general lines."""
    from tinygrad_dl.jit import compiled
    from tinygrad_dl.ops.elementwise import Outer

    w = compiled.Writer()
    o, t = w.name("Outer_", Outer), w.name("T_", tuple)
    f = w.name("f_", lambda *a: Outer(a))
    assert compiled._deferring(w, f"{o}(({{0}}, g, (3, 3)))")
    assert not compiled._deferring(w, f"{o}(({{0}}, g, (3, 3))) + g")
    assert not compiled._deferring(w, f"({o}(({{0}}, g, (3, 3))))")
    assert not compiled._deferring(w, f"{t}(({{0}}, g))")
    assert not compiled._deferring(w, f"{f}({{0}}, g)")
    assert not compiled._deferring(w, "g.dot({0}.T)")
