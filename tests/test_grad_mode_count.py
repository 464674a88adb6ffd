"""grad_mode.off: how many threads have grad mode off, read by the hot paths (every recorded
op, every jit replay's entry) instead of the thread's own value while it is 0. It must never
count fewer threads than have grad mode off (an op would be recorded under no_grad without a
word), so a thread that ends with grad mode off, a direct write of the mode, and every
context manager are counted."""

from __future__ import annotations

import contextlib
import threading

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, grad_mode
from tinygrad_dl.jit import jit

# a thread's wait for another (or for this one): only a real hang runs out of it. With a few
# seconds, a thread starved on a loaded machine ran on before the other was ready and the
# interleaving under test did not happen
TIMEOUT = 60


@pytest.fixture(autouse=True)
def _counted_from_zero():
    assert grad_mode.off == 0
    yield
    assert grad_mode.off == 0, "a test left grad mode off (counted) behind"


def test_each_way_of_turning_grad_off_is_counted_and_uncounted_on_leaving():
    x = Tensor(np.ones(3), requires_grad=True)
    for make in (tg.no_grad, tg.inference_mode, lambda: tg.set_grad_enabled(False)):
        with make():  # (set_grad_enabled sets the mode when made, as torch's)
            assert grad_mode.off == 1 and not tg.is_grad_enabled()
            assert (x * 2)._ctx is None  # not recorded
            with tg.enable_grad():
                assert grad_mode.off == 0 and (x * 2)._ctx is not None
            with tg.no_grad():  # nested: one thread, counted once
                assert grad_mode.off == 1
            assert grad_mode.off == 1
        assert grad_mode.off == 0 and (x * 2)._ctx is not None

    @tg.no_grad()
    def f():
        return grad_mode.off, (x * 2)._ctx

    assert f() == (1, None)

    @tg.no_grad()
    def gen():
        yield grad_mode.off
        yield (x * 2)._ctx

    assert list(gen()) == [1, None]


def test_a_direct_write_of_the_mode_is_counted():
    x = Tensor(np.ones(3), requires_grad=True)
    grad_mode.state.grad_enabled = False
    try:
        assert grad_mode.off == 1 and (x * 2)._ctx is None
        grad_mode.state.grad_enabled = False  # again: still one thread
        assert grad_mode.off == 1
    finally:
        grad_mode.state.grad_enabled = True
    assert grad_mode.off == 0 and (x * 2)._ctx is not None


def test_a_thread_that_ends_with_grad_off_is_uncounted():
    def work():
        tg.set_grad_enabled(False)  # for good, on that thread

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert grad_mode.off == 0


@contextlib.contextmanager
def _another_thread_in_no_grad(work=lambda: None):
    """Inside: another thread sits in a no_grad block (having run `work` there)."""
    entered, release = threading.Event(), threading.Event()

    def evaluate():
        with tg.no_grad():
            work()
            entered.set()
            release.wait(TIMEOUT)

    t = threading.Thread(target=evaluate)
    t.start()
    try:
        assert entered.wait(TIMEOUT)
        yield
    finally:
        release.set()
        t.join()


def test_grad_off_in_one_thread_leaves_the_others_recording():
    x = Tensor(np.ones(3), requires_grad=True)
    seen = {}
    with _another_thread_in_no_grad(lambda: seen.setdefault("other", (x * 2)._ctx)):
        assert grad_mode.off == 1  # the hot path reads this thread's own value now
        assert tg.is_grad_enabled() and (x * 2)._ctx is not None
        with tg.no_grad():
            assert grad_mode.off == 2 and (x * 2)._ctx is None
    assert seen["other"] is None


def test_a_replay_under_grad_off_elsewhere_replays_and_here_runs_eagerly():
    w = Tensor(np.arange(3.0), requires_grad=True)

    @jit
    def step(a):
        (w * a).sum().backward()

    for _ in range(3):
        w.grad = None
        step(np.ones(3))
    assert step.replays == 1
    with _another_thread_in_no_grad():
        w.grad = None
        step(np.full(3, 2.0))  # another thread's no_grad: this one still replays
        assert step.replays == 2 and np.array_equal(w.grad, [2.0, 2.0, 2.0])
        with tg.no_grad(), pytest.raises(RuntimeError, match="requires_grad"):
            step(np.ones(3))  # eager, as without jit: nothing was recorded to backward
        assert step.replays == 2
