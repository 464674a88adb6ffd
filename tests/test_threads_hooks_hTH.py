"""Hooks under threads: autograd.grad's capture of an op result it was asked for hears its own
backward only (two threads' autograd.grad through one kept graph, as torch supports), and a
thread that ends with a hook slot filled (set_anomaly_enabled(True)) leaves hooks.active
uncounted."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest
from oracle import TIMEOUT, Gate

import tinygrad_dl as tg
from tinygrad_dl import Tensor, hooks
from tinygrad_dl.autograd import grad


def _graph():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    h = Gate.apply(x).tanh()  # an op result both threads ask for
    return x, h, (h * h).sum(), (h * 3.0).sum()


def test_another_threads_autograd_grad_through_a_shared_op_result_is_not_captured():
    """Thread A's grad(out_a, [h, x]) waits below h (its capture hook still on h) while this
    thread's grad(out_b, [h]) runs: that ran A's capture too, and A returned B's gradient of
    h (3 everywhere) for its own (2 h)."""
    x, h, out_a, out_b = _graph()
    want_h, want_x = (g.numpy() for g in grad(out_a, [h, x], retain_graph=True))
    Gate.inside.clear()
    Gate.go.clear()
    got = {}

    def a() -> None:
        try:
            got["A"] = grad(out_a, [h, x], retain_graph=True)
        finally:
            Gate.inside.set()

    t = threading.Thread(target=a, name="A")
    t.start()
    try:
        assert Gate.inside.wait(TIMEOUT)
        (gb,) = grad(out_b, [h], retain_graph=True)
    finally:
        Gate.go.set()
        t.join(TIMEOUT)
    assert not t.is_alive()
    np.testing.assert_array_equal(gb.numpy(), np.full((3, 4), 3.0))
    gh, gx = got["A"]
    np.testing.assert_array_equal(gh.numpy(), want_h)
    np.testing.assert_array_equal(gx.numpy(), want_x)
    assert h._retain is False  # every capture removed: the one-check slot back


def test_the_same_against_torch():
    torch = pytest.importorskip("torch")
    x, h, out_a, _ = _graph()
    xt = torch.tensor(x.numpy(), requires_grad=True)
    ht = (2.0 * xt).tanh()
    gh, gx = grad(out_a, [h, x], retain_graph=True)
    th, tx = torch.autograd.grad((ht * ht).sum(), [ht, xt])
    np.testing.assert_allclose(gh.numpy(), th.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), tx.numpy(), rtol=1e-12)


def test_a_user_hook_on_the_shared_result_runs_for_both_threads():
    x, h, out_a, out_b = _graph()
    seen = []
    handle = h.register_hook(lambda g: seen.append(float(g.data.sum())))
    try:
        t = threading.Thread(target=lambda: grad(out_b, [h], retain_graph=True))
        t.start()
        t.join(TIMEOUT)
        grad(out_b, [h, x], retain_graph=True)
    finally:
        handle.remove()
    assert seen == [36.0, 36.0] and h._retain is False


def test_a_thread_that_ends_with_anomaly_checks_on_is_uncounted():
    """hooks.active stayed 1 for good: every op then read the thread-local slots and every
    jit replay's entry missed (the slow path)."""
    assert hooks.active == 0
    seen = []

    def work() -> None:
        tg.set_anomaly_enabled(True)
        seen.append((hooks.active, tg.is_anomaly_enabled()))

    t = threading.Thread(target=work)
    t.start()
    t.join(TIMEOUT)
    gc.collect()
    assert seen == [(1, True)] and not tg.is_anomaly_enabled()
    assert hooks.active == 0


def test_a_thread_that_ends_inside_an_attach_block_of_its_own_is_uncounted():
    assert hooks.active == 0
    block = {}

    def work() -> None:
        block["cm"] = hooks.attach(anomaly=object())
        block["cm"].__enter__()  # never left (a generator of the thread's, abandoned)

    t = threading.Thread(target=work)
    t.start()
    t.join(TIMEOUT)
    gc.collect()
    assert hooks.active == 0
    with tg.detect_anomaly():  # this thread's count still follows its own blocks
        assert hooks.active == 1
    assert hooks.active == 0
