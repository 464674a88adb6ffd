"""Indexing written out by the compiled replay (`indexes_by`, `schedule.index_rows`): where an
op is x[index] with a constant index that selects a view, replay writes `r7 = r3[index]` for its
forward and adds `g` into x's gradient at the index for its backward, calling neither method
(an RNN's row per time step). Each case runs next to eager, bit for bit, from the same `.grad`
state; each way the declaration could be wrong falls back to the op's own methods."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_jit_inline import twin_runs

from tinygrad_dl import Tensor
from tinygrad_dl.jit import declared, jit
from tinygrad_dl.jit.declared import rows_agree
from tinygrad_dl.ops.shape import GetItem, Sparse

R = np.random.default_rng(0)
ROWS_ADD = re.compile(r"^ +if not o\d+: g\d+ = _own\(", re.M)  # the written-out backward
VIEW = re.compile(r"^ +r\d+ = r\d+\[p\d+\]$", re.M)  # the written-out forward


def t(a, grad=True, dtype=np.float64):
    return Tensor(np.asarray(a, dtype=dtype), requires_grad=grad)


def test_an_rnn_s_rows_are_written_out_and_replay_as_eager():
    """The char-RNN's pattern: one row of A per step, each step's h through tanh."""
    A, W = t(R.standard_normal((6, 4))), t(R.standard_normal((4, 4)) * 0.5)

    def step():
        h = Tensor.zeros(1, 4)
        hs = []
        for i in range(6):
            h = (A[i:i + 1] + h @ W).tanh()
            hs.append(h)
        (hs[-1].sum() + hs[2].sum()).backward()

    _, src = twin_runs(step, (A, W), ())
    assert len(VIEW.findall(src)) == 6 and len(ROWS_ADD.findall(src)) == 6
    # nothing of GetItem's is called or released: no bound method of a GetItem in the source
    assert "GetItem" not in src


@pytest.mark.parametrize("index", [
    slice(1, 3), slice(None, None, -1), slice(4, 0, -2), 2, (1, slice(0, 2)),
    (slice(None), 1), (Ellipsis, slice(1, 3)), (None, slice(0, 2)), (slice(1, 2), None, 0),
    (-1,), ()], ids=repr)
def test_each_basic_index_replays_as_eager(index):
    x = t(R.standard_normal((5, 3)))
    g = R.standard_normal(np.empty((5, 3))[index].shape)
    def step(g):
        y = x[index]
        y.backward(g)
        return y  # read after the step: its forward is run

    _, src = twin_runs(step, (x,), (g,))
    assert VIEW.search(src) and ROWS_ADD.search(src)


@pytest.mark.parametrize("case", ["overlapping", "dense first, not ours", "dense first, ours",
                                  "dense first, shared with another input",
                                  "dense after", "float32 under float64", "retain_graph",
                                  "two backwards"])
def test_rows_accumulate_with_other_gradients_as_eager(case):
    x = t(R.standard_normal((5, 3)))
    y = t(R.standard_normal((2, 3)))
    params = (x, y)
    if case == "overlapping":  # the same elements from two slices: added twice
        def step():
            (x[0:3].sum() * 2.0 + (x[1:4] * x[1:4]).sum()).backward()
    elif case == "dense first, not ours":  # x's first gradient is the sum's broadcast view
        def step():
            (x.sum() + (x[1:3] * y).sum()).backward()
    elif case == "dense first, ours":  # x*x's backward makes x a fresh array first
        def step():
            ((x * x).sum() + (x[1:3] * y).sum()).backward()
    elif case == "dense first, shared with another input":
        v = t(R.standard_normal((5, 3)))
        params = (x, y, v)

        def step():  # x + v sends x and v ONE array: the rows must not be added into it
            a = x[1:3] * y  # (recorded first: its backward runs last)
            (a.sum() + ((x + v) * 3.0).sum()).backward()
    elif case == "dense after":
        def step():
            ((x[1:3] * y).sum() + (x * 3.0).sum()).backward()
    elif case == "float32 under float64":  # the rows' g is float64, x's gradient float32
        x = t(R.standard_normal((5, 3)), dtype=np.float32)
        params = (x, y)

        def step():
            (x[1:3] * y).sum().backward()
    elif case == "retain_graph":
        def step():
            loss = (x[2:4] * y).sum()
            loss.backward(retain_graph=True)
            loss.backward()
    else:
        def step():
            (x[0:2] * y).sum().backward()
            (x[3:5] * y * y).sum().backward()

    _, src = twin_runs(step, params, ())
    assert ROWS_ADD.search(src)


def _not_written_out(src):
    return not ROWS_ADD.search(src) and not VIEW.search(src)


@pytest.mark.parametrize("case", ["int array", "index from an argument",
                                  "one element", "empty", "large input"])
def test_indices_it_does_not_hold_for_call_the_op(case):
    """No view, no constant, or too large to check: the op's methods, eager's numbers."""
    x = t(R.standard_normal((5, 3)))
    args: tuple = ()
    if case == "int array":  # duplicates accumulate: np.add.at, not a view
        rows = np.array([0, 2, 0])

        def step():
            (x[rows] * 2.0).sum().backward()
    elif case == "index from an argument":  # a per-call index array
        args = (np.array([1, 3]),)

        def step(i):
            (x[i] * 2.0).sum().backward()
    elif case == "one element":  # x[1, 2] is a NumPy scalar, not a view
        def step():
            (x[1, 2] * 2.0).backward()
    elif case == "empty":
        def step():
            (x[2:2].sum() + x.sum()).backward()
    else:  # an input above what rows_agree samples
        x = t(R.standard_normal((declared.ROWS_SAMPLE // 64 + 1, 64)))

        def step():
            (x[1:3] * 2.0).sum().backward()
    _, src = twin_runs(step, (x,), args)
    assert _not_written_out(src)


class OwnBackward(GetItem):
    """GetItem's forward, its own backward: inherits `indexes_by`, which is not its backward."""

    def backward(ctx, g):
        return Sparse((ctx.shape, ctx.dtype, ctx.index, g * 2.0, ctx.basic))


class Lies(GetItem):
    """Declares itself x[index] as its own, and doubles the gradient."""

    indexes_by = "index"

    def backward(ctx, g):
        return Sparse((ctx.shape, ctx.dtype, ctx.index, g * 2.0, ctx.basic))


class LiesForward(GetItem):
    indexes_by = "index"

    def forward(ctx, x, index=None):
        return super().forward(x, index=index) + 1.0  # not a view, not x[index]


class Copies(GetItem):
    """x[index] as a copy: the written-out value would be a view (an alias eager lacks)."""

    indexes_by = "index"

    def forward(ctx, x, index=None):
        return super().forward(x, index=index).copy()


class Dense(GetItem):
    """The right gradient as a dense array of zeros with g placed in it: where g holds -0.0
    it keeps -0.0, which the rows' add (0 + -0 = +0) would not."""

    indexes_by = "index"

    def backward(ctx, g):
        out = np.zeros(ctx.shape, ctx.dtype)
        out[ctx.index] = g
        return out


@pytest.mark.parametrize("cls", [OwnBackward, Lies, LiesForward, Copies, Dense],
                         ids=lambda c: c.__name__)
def test_an_op_that_is_not_what_it_declares_is_called(cls):
    x, y = t(R.standard_normal((5, 3))), t(R.standard_normal((2, 3)))

    def step():
        (cls.apply(x, index=slice(1, 3)) * y).sum().backward()

    _, src = twin_runs(step, (x, y), ())
    assert _not_written_out(src)


def _agree(cls, name, index, shape, dtype, gdtype):
    return rows_agree(cls, name, index, shape, dtype, gdtype, {})  # (a fresh cache each)


def test_rows_agree_is_what_decides():
    rows_agree = _agree
    assert rows_agree(GetItem, "index", slice(1, 3), (5, 3), np.float64, np.float64)
    assert rows_agree(GetItem, "index", (None, 0), (5, 3), np.float32, np.float64)
    assert not rows_agree(Lies, "index", slice(1, 3), (5, 3), np.float64, np.float64)
    for cls in (LiesForward, Copies, Dense):
        assert not rows_agree(cls, "index", slice(1, 3), (5, 3), np.float64, np.float64)
    assert not rows_agree(GetItem, "index", np.array([0, 0]), (5, 3), np.float64, np.float64)
    assert not rows_agree(GetItem, "index", (1, 2), (5, 3), np.float64, np.float64)  # scalar
    assert not rows_agree(GetItem, "index", slice(9, 12), (5, 3), np.float64, np.float64)
    assert not rows_agree(GetItem, "index", 7, (5, 3), np.float64, np.float64)  # IndexError
    assert not rows_agree(GetItem, "index", slice(0, 1), (declared.ROWS_SAMPLE + 1,),
                          np.float64, np.float64)


def test_signed_zeros_and_nans_in_the_rows_replay_as_eager():
    """The rows' add is eager's own (zeros + g): -0.0 becomes +0.0 in both, NaNs pass."""
    x = t(R.standard_normal((4, 3)))
    g = np.array([[-0.0, np.nan, 1.0], [-0.0, -np.inf, -2.5]])

    def step(g):
        x[1:3].backward(g)

    _, src = twin_runs(step, (x,), (g,))
    assert ROWS_ADD.search(src)
    x.grad = None
    step(g)
    assert not np.signbit(x.grad[1, 0]) and np.isnan(x.grad[1, 1])


def test_a_slice_of_an_argument_is_written_out_and_reads_each_call_s_array():
    """No gradient flows to X: only the forward is written out, over this call's X."""
    w = t(R.standard_normal((2, 3)))
    Xs = [R.standard_normal((4, 3)) for _ in range(5)]

    def step(X):
        (Tensor(X)[1:3] * w).sum().backward()

    jitted = jit(step, strict=True)
    for X in Xs:
        w.grad = None
        jitted(X)
        assert np.array_equal(w.grad, X[1:3])  # this call's rows, not a frozen copy
    assert jitted.replays == 3
    plan = next(v for v in jitted.cache.values() if type(v).__name__ == "Plan")
    assert VIEW.search(plan.source) and not ROWS_ADD.search(plan.source)


@st.composite
def _basic_index(draw):
    """A shape (1-3 dims) and a basic index into it: slices (any step), ints, None."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    items = []
    for n in shape[:draw(st.integers(1, len(shape)))]:
        kind = draw(st.sampled_from(["slice", "int", "none"]))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        else:
            if kind == "none":
                items.append(None)
            items.append(slice(draw(st.none() | st.integers(-n - 1, n + 1)),
                               draw(st.none() | st.integers(-n - 1, n + 1)),
                               draw(st.sampled_from([None, 1, 2, -1, -2]))))
    return shape, tuple(items)


@given(_basic_index(), st.sampled_from(["alone", "twice", "with a dense use", "shared"]),
       st.sampled_from([np.float64, np.float32]))
def test_random_basic_indices_replay_as_eager(case, uses, dtype):
    shape, index = case
    x = t(R.standard_normal(shape), dtype=dtype)
    v = t(R.standard_normal(shape), dtype=dtype)
    picked = np.empty(shape)[index]
    if type(picked) is not np.ndarray or picked.size == 0:
        return  # a scalar or nothing: the op is called (test_indices_it_does_not_hold...)
    c = Tensor(R.standard_normal(picked.shape))

    def step():
        loss = (x[index] * c).sum()
        if uses == "twice":
            loss = loss + (x[index] * x[index]).sum()
        elif uses == "with a dense use":
            loss = (x * 2.0).sum() + loss
        elif uses == "shared":  # x + v sends x and v one array first: not x's to add into
            loss = loss + ((x + v) * 3.0).sum()
        loss.backward()

    _, src = twin_runs(step, (x, v), ())
    assert ROWS_ADD.search(src)


def test_rows_agree_runs_the_op_once_per_kind_of_index():
    """An RNN's T row slices: one run of the op (not T over the whole input); another kind
    of index, dtype or op class runs it again; a scalar or a copy is refused before it."""
    runs = []

    class Counted(GetItem):
        indexes_by = "index"

        def forward(ctx, x, index=None):
            runs.append(index)
            return super().forward(x, index=index)

    cache = {}
    for i in range(50):
        assert rows_agree(Counted, "index", slice(i, i + 1), (50, 4), np.float64, np.float64,
                          cache)
    assert len(runs) == 1
    assert rows_agree(Counted, "index", slice(None, None, -1), (50, 4), np.float64, np.float64,
                      cache)
    assert rows_agree(Counted, "index", (3, slice(1, 2)), (50, 4), np.float64, np.float64,
                      cache)
    assert rows_agree(Counted, "index", slice(0, 1), (50, 4), np.float32, np.float32, cache)
    assert len(runs) == 4
    assert not rows_agree(Counted, "index", (3, 1), (50, 4), np.float64, np.float64, cache)
    assert not rows_agree(Counted, "index", np.array([1, 2]), (50, 4), np.float64,
                          np.float64, cache)
    assert len(runs) == 4
    # one lying answer for a kind is remembered for that kind: never trusted after
    assert not rows_agree(Lies, "index", slice(0, 1), (50, 4), np.float64, np.float64, cache)
    assert not rows_agree(Lies, "index", slice(5, 6), (50, 4), np.float64, np.float64, cache)
