"""What a training step holds at its peak: the L2 term's 2 lam W added into W's gradient a
block at a time (no second W-sized array), SGD's step of a parameter of more than a block in
blocks with a temporary made per step (none kept between steps), and a jit plan's steps
compiled into one function (the entry), not two copies. Each keeps the numbers: the same
elementwise NumPy calls, bit for bit."""

from __future__ import annotations

import gc
import re
import threading
import tracemalloc
import types

import numpy as np
import pytest

import tinygrad_dl.functional as F
from tinygrad_dl import Tensor, detect_anomaly, ops, optim
from tinygrad_dl.grad import BLOCKED_FROM, add_scaled, block_size
from tinygrad_dl.jit import jit
from tinygrad_dl.models import CharRNN

BIG = (37, 300)  # 11,100 elements: blocked, in 4 blocks, the last one short
SMALL = (7, 11)


def _peak(fn) -> int:
    """Bytes allocated at fn's peak above what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


# ---- add_scaled: out += factor * x, in blocks ---------------------------------------------
@pytest.mark.parametrize("case", ["plain", "f32 out, f64 factor", "f32", "fortran", "strided",
                                  "shared", "small", "0-d factor"])
def test_add_scaled_is_the_whole_array_add_bit_for_bit(case):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(BIG)
    out = rng.standard_normal(BIG)
    factor = 2.0 * np.float64(0.37)
    if case == "f32 out, f64 factor":
        out = out.astype(np.float32)
    elif case == "f32":
        out, x, factor = out.astype(np.float32), x.astype(np.float32), np.float32(0.74)
    elif case == "fortran":
        x = np.asfortranarray(x)
    elif case == "strided":
        x = rng.standard_normal((BIG[0], 2 * BIG[1]))[:, ::2]
    elif case == "shared":  # out overlaps x shifted by one element: a block would read
        buf = rng.standard_normal(x.size + 1)  # what an earlier block wrote
        out, x = buf[1:].reshape(BIG), buf[:-1].reshape(BIG)
    elif case == "small":
        out, x = out[:2], x[:2]
    elif case == "0-d factor":
        factor = np.asarray(0.74)
    want = out.copy()
    want += factor * (x.copy() if case == "shared" else x)
    add_scaled(out, factor, x)
    assert out.dtype == want.dtype and out.tobytes() == want.tobytes()


def test_add_scaled_makes_no_temporary_of_outs_size():
    x, out = np.ones((400, 400)), np.zeros((400, 400))
    assert x.size > BLOCKED_FROM and block_size(x.size) < x.size
    peak = _peak(lambda: add_scaled(out, 0.5, x))
    # one block (before: all 1.25 MB), plus room for the slices' Python objects and what a
    # worker's earlier tests leave to allocate (a clean-clone run once measured 1 KB over 4 KB)
    assert peak <= block_size(x.size) * 8 + 16384, peak
    assert (out == 0.5).all()


# ---- the L2 term's gradient (SumOfSquares) -------------------------------------------------
def _graph(W: Tensor, x: np.ndarray, lam: float, l2_first: bool, through_add: bool) -> Tensor:
    """A loss with W's gradient from a linear layer (ours: a fresh product) or through an
    Add (the upstream array: not ours), plus lam ||W||^2; with l2_first the L2 op is
    recorded first, as the course's models record it, so its backward runs last and adds
    2 lam W into the data term's gradient; else it sends W's first gradient."""
    l2 = F.sum_of_squares(W, scale=lam) if l2_first else None
    data = (W + 1.0).sum() if through_add else F.linear(Tensor(x), W).sum()
    if l2 is None:
        l2 = F.sum_of_squares(W, scale=lam)
    return data + l2


def _numpy_grad(W: np.ndarray, x: np.ndarray, lam: float, l2_first: bool, through_add: bool
                ) -> np.ndarray:
    """W's gradient as the accumulator adds the arrays: the data term's (ones, or the
    linear layer's g^T x), the L2 term's 2 (1 * lam) W, in backward's order."""
    one = np.ones((), W.dtype)
    g2 = 2.0 * (one * lam)
    data = np.ones_like(W) if through_add else np.ones((len(x), W.shape[0]), W.dtype).T @ x
    l2 = g2 * W
    if not l2_first:  # its backward runs first: 2 lam W is W's first gradient, ours
        l2 += data
        return l2
    if through_add:  # the upstream array is not ours: a new array
        return data + l2
    data += l2
    return data


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [BIG, SMALL])
@pytest.mark.parametrize("l2_first", [False, True])
@pytest.mark.parametrize("through_add", [False, True])
@pytest.mark.parametrize("mode", ["eager", "anomaly", "replayed"])
def test_l2_gradient_is_the_arrays_sum_bit_for_bit(dtype, shape, l2_first, through_add, mode):
    rng = np.random.default_rng(5)
    W = Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    x = rng.standard_normal((4, shape[1])).astype(dtype)
    lam = 0.0123
    want = _numpy_grad(W.data, x, lam, l2_first, through_add)

    def step(x):
        _graph(W, x, lam, l2_first, through_add).backward()

    if mode == "replayed":
        jitted = jit(step)
        for _ in range(4):
            W.grad = None
            jitted(x)
        assert jitted.replays == 2
    elif mode == "anomaly":
        with detect_anomaly():
            step(x)
    else:
        step(x)
    assert W.grad.dtype == want.dtype and W.grad.tobytes() == want.tobytes()


@pytest.mark.parametrize("replayed", [False, True])
def test_l2_as_the_only_gradient_keeps_the_sign_of_zero(replayed):
    """2 lam W alone, of a large W holding -0.0 and 0.0: the gradient is the product itself,
    bit for bit (zeros + the product would make -0.0 into 0.0)."""
    data = np.random.default_rng(2).standard_normal(BIG)
    data[0, :5] = -0.0
    data[1, :5] = 0.0
    W = Tensor(data, requires_grad=True)

    def step():
        F.sum_of_squares(W, scale=0.5).backward()

    run = jit(step) if replayed else step
    for _ in range(4):
        W.grad = None
        run()
    want = 2.0 * (np.ones(()) * 0.5) * data
    assert np.signbit(want[0, :5]).all()
    assert W.grad.tobytes() == want.tobytes()


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
@pytest.mark.parametrize("replayed", [False, True])
def test_l2_backward_holds_no_second_weight_sized_array(replayed):
    """The one-layer classifier's backward: W's gradient from the linear layer, then
    2 lam W added into it; the peak holds W's gradient and one block, not W's gradient
    and a W-sized 2 lam W (the hand-written dW + 2 * lam * W holds both)."""
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal((100, 1000)), requires_grad=True)
    x = rng.standard_normal((8, 1000))

    def step(x):
        _graph(W, x, 0.01, True, False).backward()

    run = jit(step) if replayed else step
    for _ in range(3):  # (a replay's recordings first)
        W.grad = None
        run(x)
    W.grad = None
    peak = _peak(lambda: run(x))
    # eager makes W's gradient in the step; a replay writes it into the array it kept
    assert peak < (0.5 if replayed else 1.4) * W.data.nbytes, (peak, W.data.nbytes)


# ---- SGD: blocks for every parameter of more than a block, nothing kept --------------------
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_sgd_step_of_a_medium_parameter_allocates_a_block_not_a_copy():
    p = Tensor(np.ones((200, 200)), requires_grad=True)  # 320 KB: under the old 1 MiB mark
    p.grad = np.full((200, 200), 0.5)
    opt = optim.SGD([p], lr=0.1)
    opt.step()
    peak = _peak(opt.step)
    assert peak < p.data.nbytes / 2, peak
    want = np.ones((200, 200))
    for _ in range(2):
        want -= np.multiply(0.5, 0.1)
    assert np.array_equal(p.data, want)


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_sgd_keeps_no_scratch_between_steps():
    p = Tensor(np.ones((400, 400)), requires_grad=True)
    p.grad = np.full((400, 400), 0.5)
    opt = optim.SGD([p], lr=0.1)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        opt.step()
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 16384, kept  # (a kept block was 128 KiB)


# ---- a plan's steps compiled once -----------------------------------------------------------
def _compiled_functions() -> list[str]:
    gc.collect()
    return sorted(f.__code__.co_filename for f in gc.get_objects()
                  if type(f) is types.FunctionType
                  and f.__code__.co_filename in ("<jit plan>", "<jit entry>"))


def _warmed(calls: int) -> tuple[Tensor, jit, np.ndarray]:
    """w, the jit of step(X) = sum(X * w) with backward, called `calls` times, and its X."""
    w = Tensor(np.linspace(0.5, 2.0, 4), requires_grad=True)

    def step(X):
        (Tensor(X) * w).sum().backward()
    jitted = jit(step)
    X = np.arange(12.0).reshape(3, 4)
    for _ in range(calls):
        w.grad = None
        jitted(X)
    return w, jitted, X


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_a_plan_compiles_its_steps_into_one_function():
    before = _compiled_functions()
    w, jitted, X = _warmed(5)
    assert jitted.replays == 3
    assert _compiled_functions() == sorted([*before, "<jit entry>"])  # (was also "<jit plan>")
    assert np.array_equal(w.grad, X.sum(0))


def test_the_slow_path_replays_the_same_function_without_its_checks():
    """Another thread inside detect_anomaly: the entry's checks send every call to the slow
    path, which replays the plan (its guards checked there) through the same function."""
    w, jitted, X = _warmed(3)
    inside, leave = threading.Event(), threading.Event()

    def hold():
        with detect_anomaly():
            inside.set()
            leave.wait(30)
    t = threading.Thread(target=hold)
    t.start()
    try:
        assert inside.wait(30)
        for k in range(3):
            w.grad = None
            jitted(X * (k + 1))
            assert np.array_equal(w.grad, (X * (k + 1)).sum(0))
        assert jitted.replays == 4
    finally:
        leave.set()
        t.join()


def test_a_plan_of_a_keyword_call_replays_without_an_entry():
    w, jitted, X = _warmed(0)
    for k in range(4):
        w.grad = None
        jitted(X=X + k)
        assert np.array_equal(w.grad, (X + k).sum(0))
    assert jitted.replays == 2
    (plan,) = jitted.cache.values()
    assert plan.entry is None and "def run(arrays)" in plan.source


# ---- what a built plan keeps ------------------------------------------------------------------
def _rnn_plan():
    """A jitted step of the course's unrolled char-RNN graph (T copies of its lines), replayed."""
    model = CharRNN(7, m=6, rng=np.random.default_rng(0), fused=False)
    seqs = np.random.default_rng(1).integers(0, 7, (4, 9))

    def step(X, Y, h0):
        model.loss(X, Y, h0).backward()
    jitted = jit(step)
    for s in seqs:
        for p in model.parameters():
            p.grad = None
        jitted(s[:-1], s[1:], np.zeros(6))
    (plan,) = jitted.cache.values()
    return jitted, plan


def test_a_built_plan_keeps_no_step_records_and_shows_the_source_it_compiled():
    """The step records were a char-RNN plan's largest part after its bytecode, kept only to
    write `source` again: a built plan keeps the compiled text (compressed) instead, which
    is the function that runs (jit's entry, its checks first), and cannot be built twice
    (with no steps it would compile an empty step)."""
    jitted, plan = _rnn_plan()
    assert jitted.replays == 2 and plan.entry is not None
    assert plan.steps == []
    src = plan.source
    assert src.startswith("def entry(arrays, checked=False):")
    assert src.count("np_") >= 8 and "tanh(" in src  # the steps are all there
    assert plan.entry.__code__.co_firstlineno == 1 and src.count("\n") > 100
    with pytest.raises(RuntimeError, match="Plan.build: this plan is built already"):
        plan.build()


def test_a_built_plan_keeps_only_the_ctx_objects_its_function_calls():
    """An op written out, forward and backward (the RNN's tanh, add, product, indexing),
    needs no ctx object at replay: the plan keeps None in its place (101 of 109 for the
    course's char-RNN, 27 KiB); the ops whose methods the function calls keep theirs."""
    _, plan = _rnn_plan()
    called = {id(v.__self__ if type(v) is types.MethodType else v)
              for v in plan.entry.__globals__.values()}
    kept = [c for c in plan.ctxs if c is not None]
    assert kept and all(id(c) in called for c in kept)
    assert plan.ctxs.count(None) > 3 * len(kept)
    assert not any(type(c) in (ops.Tanh, ops.MatMul) for c in plan.ctxs)


def test_a_module_global_is_one_name_however_many_lines_read_it():
    """Each of the T tanh lines reads NumPy through a global of the compiled function: one
    name for the one object (a name per line was T names, each kept by the function)."""
    _, plan = _rnn_plan()
    src = plan.source
    assert len(re.findall(r"np_\d+\.tanh\(", src)) >= 8
    assert len(set(re.findall(r"\b(np_\d+)\.", src))) == 1
    names = plan.entry.__globals__
    assert len({id(v) for k, v in names.items() if k.startswith("p")}) == len(
        [k for k in names if k.startswith("p")])  # one name per object, for every prefix
