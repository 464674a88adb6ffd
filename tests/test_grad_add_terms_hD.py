"""`grad.add_terms`: a key's deferred gradient terms added to its pending gradient by
`engine.Pending.pop`'s rule without a Pending, as a replay's compiled step sums a weight's
one-row terms kept in a local list (`_total`). Compared with Pending.pop case by case (no
pending gradient, one that is ours, one that is not, in another dtype, no total), and in
replays beside eager where the weight's pending gradient is not None when its terms are
summed (W's rows read by a written-out slice as well), across two backwards and a raise."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_jit_inline import t, twin_runs

from tinygrad_dl import ops
from tinygrad_dl.engine import Function, Pending
from tinygrad_dl.grad import add_terms
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.plan import Plan
from tinygrad_dl.ops.elementwise import Outer
from tinygrad_dl.ops.indexing import Sparse

R = np.random.default_rng(7)
TOTAL = re.compile(r"^ +if dw(\d+): (g\d+), (o\d+) = _total\(dw\1, \2, \3\)$", re.M)


def _terms(kind, dtype=np.float64):
    if kind == "outer":  # MatMul's one-row terms of a (3, 2) weight
        return [Outer((R.standard_normal((1, 3)).astype(dtype),
                       R.standard_normal((1, 2)).astype(dtype), (3, 2))) for _ in range(4)]
    if kind == "one outer":
        return _terms("outer", dtype)[:1]
    if kind == "sparse":  # indexing's rows
        return [Sparse(((3, 2), np.dtype(dtype), slice(i, i + 1),
                        R.standard_normal((1, 2)).astype(dtype), True)) for i in range(3)]
    return _terms("outer", dtype)[:2] + _terms("sparse", dtype)  # two kinds


def _by_pending(terms, prev, ours):
    P = Pending(None, None)
    if prev is not None:
        P.grads[5] = prev
        if ours:
            P.owned.add(5)
    P.deferred[5] = terms
    g = P.pop(5)
    return g, 5 in P.owned


@pytest.mark.parametrize("kind", ["outer", "one outer", "sparse", "mixed"])
@pytest.mark.parametrize("prev", ["none", "ours", "not ours", "float32 not ours"])
def test_add_terms_is_pending_pop(kind, prev):
    terms = _terms(kind)
    start = None if prev == "none" else R.standard_normal((3, 2)).astype(
        np.float32 if prev.startswith("float32") else np.float64)
    ours = prev == "ours"
    copy = None if start is None else start.copy()
    want, want_ours = _by_pending(list(terms), None if start is None else start.copy(), ours)
    got, got_ours = add_terms(list(terms), start, ours)
    assert bool(got_ours) == want_ours and got.dtype == want.dtype
    assert got.tobytes() == want.tobytes() and got.shape == want.shape
    if start is not None:
        assert (got is start) == ours  # added into only where ours
        if not ours:
            assert start.tobytes() == copy.tobytes()  # a copy: the pending one untouched


class NoTotal(tuple):
    """A term kind whose total is None (a module's backward hook that returned None)."""

    defers = True
    shape = (3, 2)

    @staticmethod
    def total(terms):
        return None


@pytest.mark.parametrize("prev", [None, "ours", "not ours"])
def test_no_total_leaves_the_pending_gradient(prev):
    start = None if prev is None else R.standard_normal((3, 2))
    ours = prev == "ours"
    got = add_terms([NoTotal(())], start, ours)
    want = _by_pending([NoTotal(())], start, ours)
    assert got[0] is want[0] is start and bool(got[1]) == want[1]


def _rnn_reading_w_rows(A, W, h0, T, twice=False):
    """An RNN step that also reads W's first row by a slice (written out: a rows' add into
    W's pending gradient, which is then not None when W's one-row terms are summed)."""
    def step():
        h, hs = h0.reshape(1, -1), []
        for i in range(T):
            h = (A[i:i + 1] + h @ W + W[0:1]).tanh()
            hs.append(h)
        loss = (ops.Concatenate.apply(*hs, axis=0) ** 2).sum()
        if twice:
            loss.backward(retain_graph=True)
            loss = loss * 3.0
        loss.backward()
    return step


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("twice", [False, True])
def test_a_weight_s_terms_added_to_its_rows_replay_as_eagerly(dtype, twice):
    A = t(R.standard_normal((5, 4)).astype(dtype))
    W = t((R.standard_normal((4, 4)) * 0.5).astype(dtype))
    h0 = t(R.standard_normal(4).astype(dtype))
    _, src = twin_runs(_rnn_reading_w_rows(A, W, h0, 5, twice), (A, W, h0), ())
    assert len(TOTAL.findall(src)) == (2 if twice else 1), src


class RaiseInBackward(Function):
    """x itself; its backward raises while `state["raise"]` (a user's op, called)."""

    state = {"raise": False}

    def forward(ctx, x):
        return x.copy()

    def backward(ctx, g):
        if RaiseInBackward.state["raise"]:
            raise ArithmeticError("stop")
        return g


def test_a_raise_before_the_terms_are_summed_leaves_the_next_replay_eager_s():
    """A replay that raises in backward after every one of W's one-row terms went into the
    local list (h0's op runs after the last step) and before they are summed: the next
    replays sum only their own terms, as eager."""
    A, W = t(R.standard_normal((4, 3))), t(R.standard_normal((3, 3)) * 0.5)
    h0 = t(R.standard_normal(3))
    params = (A, W, h0)

    def step():
        h, hs = RaiseInBackward.apply(h0).reshape(1, -1), []
        for i in range(4):
            h = (A[i:i + 1] + h @ W).tanh()
            hs.append(h)
        (ops.Concatenate.apply(*hs, axis=0) ** 2).sum().backward()

    jitted = jit(step, strict=True)
    for _ in range(3):
        for p in params:
            p.grad = None
        jitted()
    assert TOTAL.search(next(v for v in jitted.cache.values() if type(v) is Plan).source)
    RaiseInBackward.state["raise"] = True
    try:
        for p in params:
            p.grad = None
        with pytest.raises(ArithmeticError, match="stop"):
            jitted()
    finally:
        RaiseInBackward.state["raise"] = False
    for _ in range(2):
        for p in params:
            p.grad = None
        step()
        want = [p.grad.copy() for p in params]
        for p in params:
            p.grad = None
        jitted()
        assert all(p.grad.tobytes() == w.tobytes() for p, w in zip(params, want))
