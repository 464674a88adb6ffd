"""Threads (a second look at the thread-safety fixes): threads sharing one graph
(retain_graph=True) while one runs autograd.grad through it, set_grad_enabled made on a thread
that ended, a dead thread's open detect_anomaly() block freed on another, and a copy of the
default generator taken during another thread's draw. Forced interleavings (events; a wrapper
on tensor_hooks.arrived stands for a thread switch at that call's entry)."""

from __future__ import annotations

import copy
import gc
import threading

import numpy as np
import pytest
from oracle import TIMEOUT, Gate

import tinygrad_dl as tg
from tinygrad_dl import Tensor, hooks, tensor_hooks
from tinygrad_dl.autograd import grad


def _start_a(out, ins):
    """Thread "A" running grad(out, ins) until its backward waits below the inputs (its
    capture hooks on them)."""
    Gate.inside.clear()
    Gate.go.clear()
    got = {}

    def a() -> None:
        try:
            got["A"] = grad(out, ins, retain_graph=True)
        finally:
            Gate.inside.set()

    t = threading.Thread(target=a, name="A")
    t.start()
    assert Gate.inside.wait(TIMEOUT)
    return t, got


def test_a_backward_that_saw_a_capture_which_went_before_its_hooks_ran_does_not_crash():
    """This thread's backward read h's slot (A's capture on it), then A's grad ended and put
    the slot back to False before tensor_hooks.arrived read it: AttributeError 'bool' object
    has no attribute 'hooks'."""
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    h = Gate.apply(x).tanh()
    out = (h * h).sum()
    out.backward(retain_graph=True)
    want = np.array(x.grad)
    x.grad = None
    t, got = _start_a(out, [h, x])
    orig = tensor_hooks.arrived

    def arrived(pending, u, g):
        if u is h and threading.current_thread() is not t:
            Gate.go.set()  # A's grad ends (its capture removed) here
            t.join(TIMEOUT)
        return orig(pending, u, g)

    tensor_hooks.arrived = arrived
    try:
        out.backward(retain_graph=True)
    finally:
        tensor_hooks.arrived = orig
        Gate.go.set()
        t.join(TIMEOUT)
    assert not t.is_alive() and h._retain is False
    np.testing.assert_array_equal(np.array(x.grad), want)
    np.testing.assert_array_equal(got["A"][1].numpy(), want)


def test_another_threads_capture_leaves_this_backwards_float32_bits_alone():
    """h is float32, its gradient float64 (h * y, y float64): a backward casts it to float32
    only where h has hooks of its own. Another thread's autograd.grad capture on h counted as
    one, so x.grad's last bits hung on whether that thread was inside its grad()."""
    r = np.random.default_rng(0)
    x = Tensor(r.standard_normal(64).astype(np.float32), requires_grad=True)
    y = Tensor(r.standard_normal(64))
    h = Gate.apply(x).exp()
    out = (h * y).sum()
    out.backward(retain_graph=True)
    want = np.array(x.grad)
    with h.register_hook(lambda g: None):  # (the sample does round differently when cast)
        x.grad = None
        out.backward(retain_graph=True)
        assert not np.array_equal(np.array(x.grad), want)
    x.grad = None
    t, _ = _start_a(out, [h, x])
    try:
        out.backward(retain_graph=True)
    finally:
        Gate.go.set()
        t.join(TIMEOUT)
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(np.array(x.grad), want)


def test_set_grad_enabled_made_on_an_ended_thread_entered_where_its_id_came_back():
    """A thread started after the maker ended may get its id: its `with` took the maker's
    saved mode for its own and ran the block with grad on (torch's: off)."""
    made = {}

    def maker() -> None:
        made["cm"] = tg.set_grad_enabled(False)
        made["id"] = threading.get_ident()

    t = threading.Thread(target=maker)
    t.start()
    t.join(TIMEOUT)
    seen = {}

    def user() -> None:
        if threading.get_ident() != made["id"]:
            return
        x = Tensor(np.ones(2), requires_grad=True)
        with made["cm"]:
            seen["inside"] = (tg.is_grad_enabled(), (x * 2.0).requires_grad)
        seen["after"] = tg.is_grad_enabled()

    for _ in range(500):
        u = threading.Thread(target=user)
        u.start()
        u.join(TIMEOUT)
        if seen:
            break
    else:
        pytest.skip("no thread got the maker's id back")
    assert seen == {"inside": (False, False), "after": True}


def test_a_dead_threads_open_anomaly_block_freed_here_leaves_this_threads_checks_on():
    """A thread entered detect_anomaly() and ended inside (the object kept): freeing it on
    this thread closed its block here, which emptied this thread's slot: the checks of this
    thread's own `with detect_anomaly():` were off inside it, a NaN went by without a word."""
    kept = []

    def work() -> None:
        cm = tg.detect_anomaly()
        cm.__enter__()  # never left
        kept.append(cm)

    t = threading.Thread(target=work)
    t.start()
    t.join(TIMEOUT)
    gc.collect()
    assert hooks.active == 0
    x = Tensor(np.array([-1.0, 4.0]), requires_grad=True)
    with tg.detect_anomaly():
        kept.clear()
        gc.collect()
        assert tg.is_anomaly_enabled() and hooks.active == 1
        with pytest.raises(Exception, match="detect_anomaly: the forward of Sqrt.*nan"), \
                np.errstate(invalid="ignore"):
            x.sqrt().sum().backward()
    assert hooks.active == 0 and not tg.is_anomaly_enabled()


def test_a_copy_of_the_default_generator_waits_for_a_draw_another_thread_is_running():
    """copy.deepcopy(tg.default_generator) read the stream's state without its lock (as
    get_state did): taken inside another thread's draw, the copy went on from a point inside
    it and drew the numbers that draw drew."""
    gen = tg.default_generator
    saved = gen.get_state()
    holding, go = threading.Event(), threading.Event()
    drawn = {}

    def drawing() -> None:  # a draw in progress: the lock held while the stream advances
        with gen.rng.bit_generator.lock:
            holding.set()
            go.wait(0.5)  # (the copy now waits for this draw to end)
            drawn["x"] = gen.rng.standard_normal(5)

    t = threading.Thread(target=drawing)
    try:
        t.start()
        assert holding.wait(TIMEOUT)
        c = copy.deepcopy(gen)
        go.set()
        t.join(TIMEOUT)
        assert not t.is_alive()
        np.testing.assert_array_equal(c.rng.standard_normal(3), gen.rng.standard_normal(3))
    finally:
        gen.set_state(saved)
