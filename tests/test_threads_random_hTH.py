"""Random streams under threads.

Generator.manual_seed / set_state take the stream's lock, as torch's: NumPy's state setter
takes none, so a draw another thread was running then (its lock held, the GIL released) went
on from the new state, and the draws after the reseed were not the seed's.

jit: building a plan runs a user op's declared backward on a small sample
once, with NumPy's global random stream and tinygrad_dl's default generator put back after
(the op's own draws undone). Another thread's draws in that window were undone with them: that
thread then drew the same numbers again (a loader shuffling, a dropout mask, repeated). Their
bit generators' locks are held over the check now: another thread's draw waits for it."""

from __future__ import annotations

import sys
import threading

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Function, Tensor
from tinygrad_dl.jit import jit

TIMEOUT = 60  # a thread's wait for another: only a real hang runs out of it
WINDOW = 0.5  # how long the check waits for the other thread's draws (they wait for it now)


def _in_check() -> bool:
    f = sys._getframe(1)
    while f is not None:
        if f.f_code.co_name == "agrees" and "jit" in f.f_code.co_filename:
            return True
        f = f.f_back
    return False


def test_another_threads_draws_while_a_plan_is_built_are_not_undone():
    seen: dict[str, object] = {}
    looked = threading.Event()

    def draw() -> None:
        for name, lock in (("numpy", np.random.get_bit_generator().lock),
                           ("default", tg.default_generator.rng.bit_generator.lock)):
            free = lock.acquire(blocking=False)
            if free:
                lock.release()
            seen[f"{name} free"] = free
        looked.set()
        seen["first"] = (np.random.rand(4), tg.randn(4).numpy())

    class Square(Function):  # a user's op with a declared backward: checked once per plan
        same_shape_backward = ("g * 2.0 * {0}",)

        def forward(ctx, x):
            ctx.save_for_backward(x)
            if _in_check():  # another thread draws while the check runs
                t = seen["thread"] = threading.Thread(target=draw)
                t.start()
                # the check holds the locks until the thread has looked at them (a thread
                # started late on a loaded machine saw them free: the check was over), then
                # lets its draws begin (they wait for the check now)
                seen["looked"] = looked.wait(TIMEOUT)  # (asserted below: the check may catch)
                t.join(WINDOW)
            return x * x

        def backward(ctx, g):
            (x,) = ctx.saved
            return g * 2.0 * x

    w = Tensor(np.ones(5), requires_grad=True)

    @jit
    def step(X):
        Square.apply(Tensor(X) * w).sum().backward()

    np.random.seed(7)
    tg.manual_seed(7)
    want = [(np.random.rand(4), tg.randn(4).numpy()) for _ in range(2)]
    np.random.seed(7)
    tg.manual_seed(7)
    for _ in range(3):  # recorded twice (the plan built at the second), then replayed
        step(np.arange(5.0))
        w.grad = None
    seen["thread"].join(TIMEOUT)
    assert not seen["thread"].is_alive() and step.replays == 1 and seen["looked"]
    assert seen["numpy free"] is False and seen["default free"] is False
    second = (np.random.rand(4), tg.randn(4).numpy())
    for got, ref in zip((seen["first"], second), want):  # one stream, each number once
        np.testing.assert_array_equal(got[0], ref[0])
        np.testing.assert_array_equal(got[1], ref[1])


def test_the_ops_own_draws_in_the_check_are_still_undone():
    class Noisy(Function):
        same_shape_backward = ("g * 2.0 * {0}",)

        def forward(ctx, x):
            ctx.save_for_backward(x)
            if _in_check():
                np.random.rand(3)  # this thread's draws: the lock is reentrant
                tg.randn(3)
            return x * x

        def backward(ctx, g):
            (x,) = ctx.saved
            return g * 2.0 * x

    w = Tensor(np.ones(5), requires_grad=True)

    @jit
    def step(X):
        Noisy.apply(Tensor(X) * w).sum().backward()

    np.random.seed(3)
    tg.manual_seed(3)
    want = np.random.rand(2), tg.randn(2).numpy()
    np.random.seed(3)
    tg.manual_seed(3)
    for _ in range(3):
        step(np.arange(5.0))
        w.grad = None
    assert step.replays == 1
    np.testing.assert_array_equal(np.random.rand(2), want[0])
    np.testing.assert_array_equal(tg.randn(2).numpy(), want[1])


def test_manual_seed_waits_for_a_draw_another_thread_is_running():
    g = tg.Generator(seed=1)
    holding, go = threading.Event(), threading.Event()

    def drawing() -> None:  # a draw in progress: the lock held while the stream advances
        with g.rng.bit_generator.lock:
            holding.set()
            go.wait(WINDOW)  # (manual_seed now waits for this draw to end)
            g.rng.standard_normal(5)

    t = threading.Thread(target=drawing)
    t.start()
    assert holding.wait(TIMEOUT)
    assert g.manual_seed(0) is g
    go.set()
    t.join(TIMEOUT)
    assert not t.is_alive() and g.initial_seed() == 0
    np.testing.assert_array_equal(g.rng.standard_normal(3),
                                  np.random.default_rng(0).standard_normal(3))


def test_set_state_waits_for_a_draw_another_thread_is_running():
    g = tg.Generator(seed=1)
    saved = g.get_state()
    want = np.random.default_rng(1).standard_normal(3)
    g.rng.standard_normal(7)
    holding, go = threading.Event(), threading.Event()

    def drawing() -> None:
        with g.rng.bit_generator.lock:
            holding.set()
            go.wait(WINDOW)
            g.rng.standard_normal(5)

    t = threading.Thread(target=drawing)
    t.start()
    assert holding.wait(TIMEOUT)
    g.set_state(saved)
    go.set()
    t.join(TIMEOUT)
    assert not t.is_alive()
    np.testing.assert_array_equal(g.rng.standard_normal(3), want)
