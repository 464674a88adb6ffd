"""Tanh's derivative computed once over a concatenation of its values (jit's `factor_rows`):
where an RNN's hidden states h_1..h_T (each a tanh) are concatenated into H, the replay
computes 1 - H*H once and each step's gradient is g times its rows, in place of three NumPy
calls per step. Each case replays next to eager, bit for bit (`twin_runs`), and says whether
the rows form was written; where it must not be (another dtype, another axis, an op whose
factor is not its own or not elementwise), the per-op expression is, with the same bits."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_jit_inline import twin_runs  # (one helper: eager and jitted from one .grad state)

from tinygrad_dl import Tensor, ops
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.declared import factor_agrees, joins
from tinygrad_dl.models import CharRNN
from tinygrad_dl.ops.elementwise import Tanh
from tinygrad_dl.optim import SGD

R = np.random.default_rng(3)
ROWS = re.compile(r"^ +x = g \* (r\d+)\[(\d+):(\d+)\]$", re.M)


def t(a, grad=True):
    return Tensor(np.asarray(a), requires_grad=grad)


def rnn(W, A, h0, steps, cat=lambda hs: ops.Concatenate.apply(*hs, axis=0), tail=None):
    """A step: h_t = tanh(a_t + h_{t-1} W), the h's concatenated, some loss backward."""
    def step():
        h, hs = h0, []
        for i in range(steps):
            h = (A[i:i + 1] + h @ W).tanh()
            hs.append(h)
        H = cat(hs)
        (H * 2.0).sum().backward() if tail is None else tail(H, hs)
    return step


def weights(dtype="float64", m=4, steps=5):
    W = t((R.standard_normal((m, m)) * 0.5).astype(dtype))
    A = t(R.standard_normal((steps, m)).astype(dtype))
    return W, A, Tensor(np.zeros((1, m), dtype))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_an_rnns_tanh_gradients_read_rows_of_one_factor_with_eagers_bits(dtype):
    W, A, h0 = weights(dtype)
    _, src = twin_runs(rnn(W, A, h0, 5), (W, A), ())
    rows = ROWS.findall(src)
    assert sorted((int(a), int(b)) for _, a, b in rows) == [(i, i + 1) for i in range(5)], src
    assert len({q for q, _, _ in rows}) == 1  # one factor for the five steps
    assert len(re.findall(r"_ONE_\d+\[r\d+\.dtype\] - (r\d+) \* \1$", src, re.M)) == 1
    assert "tanh(" in src and "_ONE_" not in src.split(rows[0][0] + " = ")[0].split("try:")[-1]


def test_rows_after_other_pieces_start_where_those_end():
    """H = [x (2 rows), h_1, h_2 (2 rows each), c (1 row)]: each tanh reads its own rows."""
    W, A, _ = weights(steps=4)
    x, c = t(R.standard_normal((2, 4))), t(R.standard_normal((1, 4)))

    def step():
        h1 = (A[0:2] + x @ W).tanh()
        h2 = (A[2:4] + h1 @ W).tanh()
        H = ops.Concatenate.apply(x, h1, h2, c, axis=0)
        (H * H).sum().backward()
    _, src = twin_runs(step, (W, A, x, c), ())
    # (the factor over H's rows 2:6 alone, the tanh values': x's would be x*x, which eager
    # never computes; each tanh reads its rows of that)
    assert re.search(r"^ +(r\d+) = r\d+\[2:6\]$", src, re.M), src
    assert sorted((int(a), int(b)) for _, a, b in ROWS.findall(src)) == [(0, 2), (2, 4)], src


@pytest.mark.parametrize("how", ["axis -2", "keyword dim via functional"])
def test_axis_zero_spelled_otherwise_reads_rows_too(how):
    W, A, h0 = weights(steps=3)
    cat = ((lambda hs: ops.Concatenate.apply(*hs, axis=-2)) if how == "axis -2"
           else (lambda hs: F.concatenate(hs, axis=0)))
    _, src = twin_runs(rnn(W, A, h0, 3, cat), (W, A), ())
    assert len(ROWS.findall(src)) == 3, src


@pytest.mark.parametrize("case", ["axis 1", "mixed dtypes", "stack", "one value twice",
                                  "not a tanh"])
def test_where_rows_would_not_be_its_value_the_op_computes_its_own(case):
    W, A, h0 = weights(steps=3)
    cat, params, want = None, (W, A), 0
    if case == "axis 1":  # (1, 3m): columns, not rows
        cat = lambda hs: ops.Concatenate.apply(*hs, axis=1)  # noqa: E731
    elif case == "mixed dtypes":  # a float32 h among float64 ones: H is float64, the
        # float32 step's factor would not be in its dtype (the float64 steps read rows)
        def cat(hs):
            return ops.Concatenate.apply(hs[0], hs[1].astype(np.float32).tanh(), hs[2],
                                         axis=0)
        want = 2
    elif case == "stack":  # (3, 1, m) by another op: not a Concatenate
        cat = lambda hs: ops.Stack.apply(*hs, axis=0)  # noqa: E731
    elif case == "one value twice":  # [h1, h1, h2, h3]: h1 reads its first rows (once)
        def cat(hs):
            return ops.Concatenate.apply(hs[0], *hs, axis=0)
        want = 3
    else:  # the concatenation of sigmoids and a tanh of something else's rows
        def cat(hs):
            return ops.Concatenate.apply(*(h.sigmoid() for h in hs), axis=0)
    _, src = twin_runs(rnn(W, A, h0, 3, cat), params, ())
    got = ROWS.findall(src)
    assert len(got) == want, src
    if case == "one value twice":
        assert sorted((int(a), int(b)) for _, a, b in got) == [(0, 1), (2, 3), (3, 4)]


def test_two_backwards_each_compute_their_factor_and_the_concatenation_is_kept():
    """H read by nothing in the backward but the factor (its sum's gradient is g itself):
    the plan keeps H for it; two backwards through the graph (retain_graph) each compute
    the factor before their first tanh."""
    W, A, h0 = weights(steps=4)

    def tail(H, hs):
        y = H.sum() + hs[-1].sum()
        y.backward(retain_graph=True)
        y.backward()
    _, src = twin_runs(rnn(W, A, h0, 4, tail=tail), (W, A), ())
    assert len(ROWS.findall(src)) == 8, src
    assert len(re.findall(r"_ONE_\d+\[(r\d+)\.dtype\] - \1 \* \1$", src, re.M)) == 2


class Mean(Tanh):
    """A user's op declaring a factor that is not elementwise (each row's own mean)."""
    rowwise_factor = "{0} - {0}.mean(axis=-1, keepdims=True)"
    same_shape_backward = (f"g * ({rowwise_factor})",)

    def backward(ctx, g):
        out = ctx.saved[0]
        return g * (out - out.mean(axis=-1, keepdims=True))


class MyTanh(Tanh):
    """A subclass with a backward of its own: Tanh's factor is not its backward."""

    def backward(ctx, g):
        return g * 2.0


def test_a_factor_is_trusted_only_where_it_is_the_ops_own_and_elementwise():
    assert factor_agrees(Tanh, np.float32, {}) == Tanh.rowwise_factor
    assert factor_agrees(MyTanh, np.float64, {}) is None  # (its own backward)

    class Whole(Tanh):  # the mean of all of it: each row alone gives another number
        rowwise_factor = "{0} - {0}.mean()"
        same_shape_backward = (f"g * ({rowwise_factor})",)
    assert factor_agrees(Whole, np.float64, {}) is None

    class Other(Tanh):  # a factor that is not what its backward multiplies g by
        rowwise_factor = "{0} * 2"
    assert factor_agrees(Other, np.float64, {}) is None


@pytest.mark.parametrize("cls", [MyTanh, Mean])
def test_a_subclass_replays_its_own_backward(cls):
    W, A, h0 = weights(steps=3)

    def step():
        h, hs = h0, []
        for i in range(3):
            h = cls.apply(A[i:i + 1] + h @ W)
            hs.append(h)
        (ops.Concatenate.apply(*hs, axis=0) * 2.0).sum().backward()
    _, src = twin_runs(step, (W, A), ())
    if cls is MyTanh:
        assert not ROWS.findall(src), src


def char_rnn_runs(dtype, net, seqs, jitted=None):
    """SGD steps of `net` on `seqs` (eager, or through `jitted(X, Y, h)`)."""
    opt, h = SGD(net.parameters(), lr=0.1), np.zeros(net.m, dtype)
    for seq in seqs:
        opt.zero_grad()
        if jitted is None:
            net.loss(seq[:-1], seq[1:], h).backward()
        else:
            jitted(seq[:-1], seq[1:], h)
        opt.step()
        h = net.h_last


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_char_rnn_step_reads_rows_and_replays_eagers_bits(dtype):
    nets = [CharRNN(K=11, m=6, std=0.5, rng=np.random.default_rng(1), dtype=dtype)
            for _ in range(2)]
    seqs = R.integers(0, 11, (4, 9))
    jitted = jit(lambda X, Y, h: nets[1].loss(X, Y, h).backward(), strict=True)
    char_rnn_runs(dtype, nets[0], seqs)
    char_rnn_runs(dtype, nets[1], seqs, jitted)
    for (k, a), (_, b) in zip(nets[0].named_parameters(), nets[1].named_parameters()):
        assert a.data.tobytes() == b.data.tobytes(), k
    assert jitted.replays == 2
    assert len(ROWS.findall(next(iter(jitted.cache.values())).source)) == 8


@pytest.mark.parametrize("steps", [1, 3])
def test_a_transpose_several_steps_read_is_made_once(steps):
    """h_{t-1}'s gradient g W^T at every step: W.T is one view, made where first read (one
    step: written as it is)."""
    W, A, h0 = weights(steps=steps)
    _, src = twin_runs(rnn(W, A, h0, steps), (W, A), ())
    made = re.findall(r"^ +(r\d+) = r\d+\.T$", src, re.M)
    assert len(made) == (steps > 1), src
    if made:
        assert len(re.findall(rf"^ +x = g\.dot\({made[0]}\)$", src, re.M)) == steps - 1
        assert "g.dot(r" in src and not re.search(r"g\.dot\(r\d+\.T\)", src)


def test_only_an_op_that_joins_its_inputs_as_declared_is_read_by_rows():
    """`joins_along`: the op's own, and np.concatenate's value on a sample; a subclass
    with its own forward (here: its inputs reversed) is not trusted."""
    class Reversed(ops.Concatenate):
        def forward(ctx, *xs, axis=0):
            return super().forward(*xs[::-1], axis=axis)

    class Claims(ops.Stack):  # declares it, but stacks
        joins_along = "axis"
    assert joins(ops.Concatenate, {}) == "axis"
    assert joins(Reversed, {}) is None and joins(Claims, {}) is None
    assert joins(ops.Stack, {}) is None
    W, A, h0 = weights(steps=3)
    _, src = twin_runs(rnn(W, A, h0, 3, lambda hs: Reversed.apply(*hs, axis=0)), (W, A), ())
    assert not ROWS.findall(src), src
