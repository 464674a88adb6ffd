"""The engine under threads, re-entrancy and exceptions: state left as it was, and no result
from another thread's values (jit replay, grad mode, anomaly mode)."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Function, Tensor, hooks
from tinygrad_dl.jit import jit

# a thread's wait for another (or for this one): only a real hang runs out of it. With a few
# seconds, a thread starved on a loaded machine ran on before the other was ready and the
# interleaving under test did not happen
TIMEOUT = 60


class _Gate(Function):
    """x * x, whose forward waits on `hold` on the thread named `blocked` (replay calls it)."""

    blocked: str | None = None
    inside, hold = threading.Event(), threading.Event()

    def forward(ctx, x):
        ctx.save_for_backward(x + 0.0)  # (not x itself: replay would read its register)
        if threading.current_thread().name == _Gate.blocked:
            _Gate.inside.set()
            _Gate.hold.wait(TIMEOUT)
        return x * x

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * 2.0 * x  # reads what forward saved


def test_two_threads_replaying_one_jitted_step_do_not_mix_their_values() -> None:
    """A plan keeps one accumulator and one ctx per op (what its forward saved): thread B's
    replay while A's was inside its forward overwrote A's saved input, so A's gradient was
    B's (here: B's backward then freed it, and A's raised a ValueError). B now runs the step
    eagerly."""
    w = Tensor(np.ones(3), requires_grad=True)

    @jit
    def step(X):
        loss = _Gate.apply(Tensor(X) * w).sum()
        loss.backward()
        return loss

    xa, xb = np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0])
    for _ in range(2):  # recorded twice, then replayed
        step(xa)
        w.grad = None
    step(xa)
    w.grad = None
    assert step.replays == 1
    _Gate.blocked = "A"
    _Gate.inside.clear()
    _Gate.hold.clear()
    out = {}
    a = threading.Thread(target=lambda: out.setdefault("A", float(step(xa))), name="A")
    a.start()
    try:
        assert _Gate.inside.wait(TIMEOUT)
        out["B"] = float(step(xb))  # while A's replay is inside its forward
    finally:
        _Gate.hold.set()
        a.join(TIMEOUT)
        _Gate.blocked = None
    assert not a.is_alive()
    assert out == {"A": 14.0, "B": 1400.0}
    np.testing.assert_array_equal(w.grad, 2.0 * (xa**2 + xb**2))  # each its own input
    assert step.replays == 2  # A's; B's ran eagerly
    w.grad = None
    assert float(step(xb)) == 1400.0 and step.replays == 3  # the plan replays again
    np.testing.assert_array_equal(w.grad, 2.0 * xb**2)


def _interleave(first, second) -> None:
    """Run `first` on thread A and `second` on thread B, each given the events (A entered,
    B entered, A left): A enters its block, then B enters its own, then A leaves first."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def run(fn, *events):
        try:
            fn(*events)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    a = threading.Thread(target=run, args=(first, a_in, b_in, a_out))
    b = threading.Thread(target=run, args=(second, a_in, b_in, a_out))
    a.start()
    b.start()
    a.join(TIMEOUT)
    b.join(TIMEOUT)
    assert not a.is_alive() and not b.is_alive() and not errors, errors


def test_one_no_grad_object_entered_by_two_threads_restores_each_threads_mode() -> None:
    """`NG = no_grad()` shared: its one stack of saved modes handed thread A, leaving its
    block first, the mode thread B saved (off): A's later forwards recorded nothing."""
    ng = tg.no_grad()
    seen = {}

    def a(a_in, b_in, a_out):
        with ng:  # on -> off
            a_in.set()
            assert b_in.wait(TIMEOUT)
        a_out.set()
        seen["A"] = tg.is_grad_enabled()

    def b(a_in, b_in, a_out):
        assert a_in.wait(TIMEOUT)
        with tg.no_grad():
            with ng:  # off -> off
                b_in.set()
                assert a_out.wait(TIMEOUT)
            seen["B inside"] = tg.is_grad_enabled()
        seen["B"] = tg.is_grad_enabled()

    _interleave(a, b)
    assert seen == {"A": True, "B inside": False, "B": True}
    assert ng._prev == {}  # no stack left behind per thread


def test_one_detect_anomaly_object_entered_by_two_threads_keeps_each_threads_checks() -> None:
    """A shared `detect_anomaly()` (as `@detect_anomaly()` on a function two threads call):
    thread A, inside an outer block of its own, lost its checks when it left the shared one
    first (it got B's saved slot), and B kept checks after leaving."""
    shared = tg.detect_anomaly()
    seen = {}

    def a(a_in, b_in, a_out):
        with tg.detect_anomaly():
            with shared:
                a_in.set()
                assert b_in.wait(TIMEOUT)
            seen["A"] = hooks.attached.anomaly is not None  # the outer block's checks
        a_out.set()

    def b(a_in, b_in, a_out):
        assert a_in.wait(TIMEOUT)
        with shared:
            b_in.set()
            assert a_out.wait(TIMEOUT)
        seen["B"] = hooks.attached.anomaly is not None

    _interleave(a, b)
    assert seen == {"A": True, "B": False}
    assert hooks.active == 0


def test_an_interrupt_while_a_graph_unlocks_leaves_no_array_read_only(monkeypatch) -> None:
    """A Ctrl-C landing in Graph.__del__ (run by backward as it frees the graph) ended its
    loop: Python drops the exception, and the arrays not yet unlocked stayed read-only and
    counted for good (the course's `w.data -= lr * w.grad` then raised, and a new array
    reusing such an id skipped its lock). Now every array is unlocked."""
    import gc
    import sys

    from tinygrad_dl import nn, write_guard

    gc.collect()  # (an earlier test's garbage graph, unlocked here, would take the interrupt)
    real, fired, dropped = write_guard._setflags, [], []

    def interrupted(a, write):
        real(a, write)
        if write and not fired:  # right after the first unlock, as a signal's handler would
            fired.append(1)
            raise KeyboardInterrupt

    monkeypatch.setattr(write_guard, "_setflags", interrupted)
    monkeypatch.setattr(sys, "unraisablehook", dropped.append)
    l1, l2 = nn.Linear(4, 3), nn.Linear(3, 2)
    params = [*l1.parameters(), *l2.parameters()]
    before = dict(write_guard._locks)
    # (an input that requires grad: each Linear saves its weight; the biases are not saved)
    loss = l2(l1(Tensor(np.ones((5, 4)), requires_grad=True)).relu()).sum()
    assert not any(p.data.flags.writeable for p in (l1.W, l2.W))
    loss.backward()  # its last op's release drops the graph
    monkeypatch.setattr(write_guard, "_setflags", real)
    assert fired and [type(u.exc_value) for u in dropped] == [KeyboardInterrupt]
    assert all(p.data.flags.writeable for p in params)
    assert write_guard._locks == before
    for p in params:
        p.data -= 0.1 * p.grad  # the course's update after backward


def test_an_interrupt_while_a_forward_locks_leaves_no_array_read_only(monkeypatch) -> None:
    """A Ctrl-C right after an op's forward made a parameter read-only, before the lock was
    counted: no graph held it, so it stayed read-only for good."""
    import gc

    from tinygrad_dl import write_guard

    gc.collect()  # (an earlier test's garbage graph, collected below, would shrink `before`)
    real, fired = write_guard._setflags, []

    def interrupted(a, write):
        real(a, write)
        if not write and not fired:
            fired.append(1)
            raise KeyboardInterrupt

    monkeypatch.setattr(write_guard, "_setflags", interrupted)
    x, w = Tensor(np.ones((4, 3))), Tensor(np.ones((3, 2)), requires_grad=True)
    before = dict(write_guard._locks)
    try:
        _ = x @ w  # locks x's array, then w's
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(write_guard, "_setflags", real)
    assert fired
    gc.collect()  # (the interrupted forward's graph lives in the traceback's frames)
    assert x.data.flags.writeable and w.data.flags.writeable
    assert write_guard._locks == before
    x.data[:] = 0.0


def test_a_no_grad_block_left_on_another_thread_raises_one_line() -> None:
    """A generator that entered `with ng:` on one thread and is resumed on another left that
    thread's block: it used to set the other thread's mode to the first thread's saved one."""
    ng = tg.no_grad()

    def gen():
        with ng:
            yield 1

    g = gen()
    next(g)  # entered here: this thread's mode is off until the block is left
    errors = []

    def other():
        try:
            next(g, None)
        except RuntimeError as e:
            errors.append(str(e))
        errors.append(tg.is_grad_enabled())

    t = threading.Thread(target=other)
    try:
        t.start()
        t.join(TIMEOUT)
        assert not t.is_alive()
        assert len(errors) == 2 and errors[0].startswith("no_grad: left on a thread that did "
                                                         "not enter it")
        assert errors[1] is True  # the other thread's mode is its own
    finally:
        ng.__exit__(None, None, None)  # leave it here, where it was entered
    assert tg.is_grad_enabled() and ng._prev == {}


def test_one_name_scope_object_entered_by_two_threads_restores_each_threads_scope() -> None:
    """A shared `name_scope("t")`: thread A, leaving it first, took the outer scope B had
    saved ("outerB"), and tagged every later op of its own with it (drawings, errors)."""
    from tinygrad_dl import engine

    ns = tg.name_scope("t")
    seen = {}

    def a(a_in, b_in, a_out):
        with ns:
            a_in.set()
            assert b_in.wait(TIMEOUT)
        a_out.set()
        seen["A"] = engine._state.scope

    def b(a_in, b_in, a_out):
        assert a_in.wait(TIMEOUT)
        with tg.name_scope("outerB"):
            with ns:
                b_in.set()
                assert a_out.wait(TIMEOUT)
                seen["B inside"] = engine._state.scope
            seen["B"] = engine._state.scope

    _interleave(a, b)
    assert seen == {"A": None, "B inside": "outerB/t", "B": "outerB"}


def test_a_graph_freed_without_unlocking_leaves_no_id_for_a_new_array(monkeypatch) -> None:
    """Nothing can catch a Ctrl-C at the first line of Graph.__del__: its arrays stay counted.
    The counts were by id only, so once those arrays were freed a new parameter's array
    taking the id was counted as locked but left writable (a write between its forward and
    backward went into the gradient without a word). The count now keeps its array alive."""
    import gc
    import weakref

    from tinygrad_dl import write_guard

    # (an earlier test's graph left to the garbage collector, collected below while __del__
    # does nothing, kept its locks and its `watching` count for the rest of the process)
    gc.collect()
    before = set(write_guard._locks)
    monkeypatch.setattr(write_guard.Graph, "__del__", lambda self: None)  # interrupted
    x, w = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    arrays = [weakref.ref(x.data), weakref.ref(w.data)]
    loss = (x * w).sum()
    del loss
    gc.collect()
    monkeypatch.undo()
    stale = set(write_guard._locks) - before
    assert len(stale) == 2
    x = w = None
    gc.collect()  # the two arrays: kept by their counts, or freed (their ids free)
    try:
        assert all(r() is not None for r in arrays)
        for i in range(50):  # new arrays: one used to take a freed id within a few
            t, v = (Tensor(np.full(3, float(i)), requires_grad=True),  # (both saved by the
                    Tensor(np.ones(3), requires_grad=True))  # product: both locked)
            loss = (t * v).sum()
            for a in (t.data, v.data):
                assert id(a) not in stale and not a.flags.writeable
            loss.backward()
    finally:
        for key in stale:  # (leave no count behind for the next tests)
            write_guard._locks.pop(key, None)
            write_guard._kept.pop(key, None) if hasattr(write_guard, "_kept") else None


def test_an_interrupt_leaving_a_recording_attached_does_not_disable_jit(monkeypatch) -> None:
    """A Ctrl-C in the exit of a recording's `with hooks.attach(...)` left the dead recording
    in this thread's slot: every later call of every jitted step ran eagerly, and the dead
    recording was handed every op of the thread (their tensors and locks kept alive)."""
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)

    @jit
    def step(X):
        loss = (Tensor(X) * w).tanh().sum()
        loss.backward()
        return loss

    real = hooks._fill

    def interrupted(slots):
        if slots == {"recorder": None}:  # the exit's restore: not reached
            monkeypatch.setattr(hooks, "_fill", real)
            raise KeyboardInterrupt
        real(slots)

    monkeypatch.setattr(hooks, "_fill", interrupted)
    X = np.array([0.5, -1.0])
    try:
        step(X)
    except KeyboardInterrupt:
        pass
    try:
        for _ in range(3):
            w.grad = None
            step(X)
        assert step.replays == 1 and hooks.attached.recorder is None and hooks.active == 0
        w.grad = None
        step(X)
        eager = (Tensor(X) * w).tanh().sum()
        g = w.grad
        w.grad = None
        eager.backward()
        np.testing.assert_array_equal(g, w.grad)
    finally:
        if hooks.attached.recorder is not None:  # (before the fix: leave no slot filled)
            hooks._fill({"recorder": None})


class _Positive(Function):
    """x itself, whose backward refuses a negative input (a check of a bad batch)."""

    def forward(ctx, x):
        ctx.save_for_backward(x + 0.0)
        return x * 1.0

    def backward(ctx, grad):
        (x,) = ctx.saved
        if (x < 0).any():
            raise ValueError("Positive: a negative input")
        return grad * 1.0


def test_an_exception_out_of_a_replay_says_the_steps_python_did_not_run() -> None:
    """A step that skips bad batches with a try/except around backward: eagerly the error is
    caught; a replay runs no Python of the step, so it reaches the caller. It now says why."""
    import pytest

    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)

    @jit
    def step(X):
        loss = _Positive.apply(Tensor(X) * w).sum()
        try:
            loss.backward()
        except ValueError:
            pass  # (eager: a bad batch is skipped)
        return loss

    for x in ([1.0, 1.0], [2.0, 2.0], [3.0, 3.0]):
        step(np.array(x))
    assert step.replays == 1
    for call in (step, lambda X: step._call((X,), {})):  # the fast entry, the plan's run
        with pytest.raises(ValueError, match="Positive: a negative input") as info:
            call(np.array([-1.0, 1.0]))
        # (Python 3.10's exceptions take no notes: there the error itself reaches the caller)
        assert getattr(info.value, "__notes__", None) == ([
            "(raised while jit replayed step: a replay runs the recorded ops, not the step's "
            "Python, so no try/except of the step saw it; jit(step, enabled=False) runs it "
            "eagerly)"] if sys.version_info >= (3, 11) else None)


def test_a_graph_holding_an_array_it_never_counted_is_released_not_spun_on() -> None:
    """Before: a Graph copied by hand (a pickled or deep-copied op result, before Tensor got
    its own copy rules) held ids the counts did not know; its release looped for good on the
    KeyError. Run in a child process: the old code never returns."""
    code = ("import numpy as np\n"
            "from tinygrad_dl import write_guard\n"
            "g = write_guard.Graph()\n"
            "a = np.ones(3)\n"
            "g.held[id(a)] = a\n"
            "del g\n"
            "assert a.flags.writeable and id(a) not in write_guard._locks\n"
            "print('released')\n")
    # (the old code hangs for good: a generous limit, as importing alone can take seconds
    # on a loaded machine)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "released", r.stderr[-2000:]
