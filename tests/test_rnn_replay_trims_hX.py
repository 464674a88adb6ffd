"""The char-RNN's replayed step made cheaper without changing a number: W's one-row terms wait
in a local list of the compiled step (not in the engine's D, one `setdefault` per time step)
where only written-out lines send W terms; `outside` reads a few labels as Python ints;
GetItem skips the layout and 0-d checks for one index array; Concatenate takes its pieces'
sizes along axis 0 with `len`. Each case is compared with eager (or with the general code it
shortcuts), bit for bit."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_jit_inline import t, twin_runs
from test_jit_shaped import two_backwards_source  # (the one two-backwards RNN step)

from tinygrad_dl import ops
from tinygrad_dl.engine import Function
from tinygrad_dl.jit import jit
from tinygrad_dl.ops.indexing import GetItem
from tinygrad_dl.ops.loss import outside
from tinygrad_dl.ops.shape import Concatenate

R = np.random.default_rng(11)
LOCAL_TERM = re.compile(r"^ +dw(\d+)\.append\(Outer_\d+\(", re.M)
D_TERM = re.compile(r"^ +D\.setdefault\((\d+), \[\]\)\.append\(Outer_\d+\(", re.M)


def rnn(A, W, h0, T, extra=None):
    def step():
        h, hs = h0.reshape(1, -1), []
        for i in range(T):
            h = (A[i:i + 1] + h @ W).tanh()
            hs.append(h)
        loss = (ops.Concatenate.apply(*hs, axis=0) ** 2).sum()
        if extra is not None:
            loss = loss + extra()
        loss.backward()
    return step


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_w_terms_wait_in_a_local_list_and_replay_as_eagerly(dtype):
    A = t(R.standard_normal((6, 4)).astype(dtype))
    W = t((R.standard_normal((4, 4)) * 0.5).astype(dtype))
    h0 = t(R.standard_normal(4).astype(dtype))
    _, src = twin_runs(rnn(A, W, h0, 6), (A, W, h0), ())
    keys = set(LOCAL_TERM.findall(src))
    assert len(LOCAL_TERM.findall(src)) == 6 and len(keys) == 1, src
    k = keys.pop()
    assert not D_TERM.search(src)
    # the list starts empty in the backward and is summed by W's pop line (`_total`, the
    # engine's rule without D: grad.add_terms), which reads D no more
    lines = src.splitlines()
    start = lines.index(f"        dw{k} = []")
    pop = next(i for i, s in enumerate(lines) if re.fullmatch(
        rf" +if dw{k}: (g\d+), (o\d+) = _total\(dw{k}, \1, \2\)", s))  # (locals shared)
    assert start < min(i for i, s in enumerate(lines) if f"dw{k}.append(" in s) < pop
    assert f"if D and {k} in D" not in src and f"D[{k}]" not in src


def test_a_key_an_add_line_may_send_terms_keeps_d():
    """W also multiplies a batch of rows (its gradient `X.T.dot(g)` accumulated by the general
    lines, whose `_add` may put a term in D): W's one-row terms go into D as before, in order."""
    A = t(R.standard_normal((5, 3)))
    W = t(R.standard_normal((3, 3)) * 0.5)
    h0, X = t(R.standard_normal(3)), t(R.standard_normal((4, 3)))
    _, src = twin_runs(rnn(A, W, h0, 5, lambda: (X @ W).sum()), (A, W, h0, X), ())
    assert not LOCAL_TERM.search(src) and len(D_TERM.findall(src)) == 5, src


def test_two_backwards_each_have_their_list():
    src = two_backwards_source()
    assert len(LOCAL_TERM.findall(src)) == 6 and len(re.findall(r"dw\d+ = \[\]", src)) == 2


def reference(y: np.ndarray, K: int) -> bool:
    return bool(((y.astype(object) < 0) | (y.astype(object) >= K)).any())


DTYPES = ["<i1", ">i1", "<i2", ">i4", "<i8", ">i8", "<u1", "<u2", ">u4", "<u8"]


@settings(deadline=None, max_examples=300)
@given(dtype=st.sampled_from(DTYPES), n=st.integers(1, 70), K=st.integers(0, 300),
       data=st.data())
def test_outside_on_few_labels_is_the_reductions_answer(dtype, n, K, data):
    info = np.iinfo(np.dtype(dtype))
    vals = data.draw(st.lists(st.integers(int(info.min), int(info.max)), min_size=n,
                              max_size=n))
    y = np.array(vals, dtype=dtype)
    assert outside(y, K) is reference(y, K)
    assert outside(y[::2], K) is reference(y[::2], K)  # a strided view
    assert outside(y.reshape(1, -1), K) is reference(y, K)  # 2-D: the reductions' path


def test_outside_int8_with_more_classes_than_its_positive_half():
    # seen as unsigned, -1 is 255: below K = 300, so the min must be read
    assert outside(np.array([3, -1], np.int8), 300) and not outside(np.array([3, 5], np.int8), 300)


def test_getitem_with_one_index_array_as_before():
    x = R.standard_normal((5, 3))
    for index in (np.array([4, 0, 4, -1]), np.array([True, False, True, False, True]),
                  np.array([[0, 1], [2, 2]])):
        ctx = GetItem()
        out = ctx.forward(x, index=index)
        np.testing.assert_array_equal(out, x[index])
        assert ctx.basic is False and ctx.index is not index
        np.testing.assert_array_equal(ctx.index, index)
    ctx = GetItem()  # a 0-d index array is still read as an int: a view, as torch's
    out = ctx.forward(x, index=np.array(2))
    assert out.base is x
    with pytest.raises(IndexError, match="getitem: .*shape \\(5, 3\\)"):
        GetItem().forward(x, index=np.array([5]))


@pytest.mark.parametrize("axis", [0, -3, 1, -2])
def test_concatenate_sizes_along_any_axis(axis):
    shape = (lambda n: (n, 2, 3)) if axis in (0, -3) else (lambda n: (2, n, 3))
    xs = [R.standard_normal(shape(n)) for n in (1, 3, 0, 2)]
    ctx = Concatenate()
    out = ctx.forward(*xs, axis=axis)
    assert ctx.sizes == [x.shape[axis] for x in xs] and ctx.sizes.count(0) == 1
    for piece, x in zip(ctx.backward(out), xs):
        np.testing.assert_array_equal(piece, x)


@pytest.mark.parametrize("case", ["rows of W too", "a non-leaf weight", "W @ W", "W.T"])
def test_local_list_where_w_also_gets_rows_or_is_an_op_output(case):
    """The local list where W's gradient also takes rows added in place (`_rows`: no `_add`),
    and where the weight is an op's output, popped at its op's line (not at the store)."""
    A, W = t(R.standard_normal((5, 3))), t(R.standard_normal((3, 3)) * 0.5)
    h0 = t(R.standard_normal(3))
    weight = {"a non-leaf weight": lambda: W * 2.0, "W @ W": lambda: W @ W,
              "W.T": lambda: W.T}.get(case, lambda: W)

    def step():
        h, hs, V = h0.reshape(1, -1), [], weight()
        for i in range(5):
            h = (A[i:i + 1] + h @ V).tanh()
            hs.append(h)
        loss = (ops.Concatenate.apply(*hs, axis=0) ** 2).sum()
        (loss + (W[0:1] * 2.0).sum() if case == "rows of W too" else loss).backward()

    _, src = twin_runs(step, (A, W, h0), ())
    assert len(LOCAL_TERM.findall(src)) == 5 and not D_TERM.search(src), src


def test_a_run_that_raises_between_the_terms_and_the_pop_leaves_the_next_run_right():
    A, W = t(R.standard_normal((4, 3))), t(R.standard_normal((3, 3)) * 0.5)
    h0, boom = t(R.standard_normal(3)), [False]

    class Boom(Function):  # (its backward runs after W's terms are appended, before W's pop)
        def forward(ctx, x):
            return x * 1.0

        def backward(ctx, g):
            if boom[0]:
                raise RuntimeError("boom")
            return g * 1.0

    def step():
        h, hs = Boom.apply(h0.reshape(1, -1)), []
        for i in range(4):
            h = (A[i:i + 1] + h @ W).tanh()
            hs.append(h)
        (ops.Concatenate.apply(*hs, axis=0) ** 2).sum().backward()

    def grads(f):
        for p in (A, W, h0):
            p.grad = None
        f()
        return [p.grad.tobytes() for p in (A, W, h0)]

    want, jitted = grads(step), jit(step, strict=True)
    for i in range(5):
        boom[0] = i == 3
        if boom[0]:
            with pytest.raises(RuntimeError, match="boom"):
                grads(jitted)
        else:
            assert grads(jitted) == want
    assert jitted.replays >= 2 and LOCAL_TERM.search(next(iter(jitted.cache.values())).source)
