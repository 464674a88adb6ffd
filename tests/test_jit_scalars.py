"""A number, string or None a jitted step reads by name (a global, a closure variable) is
guarded: replay keeps what the recorded call computed from it, so when it changes, the call
runs eagerly and the step is recorded afresh (it replayed the recorded value without a word).
Each case runs the step jitted and eagerly side by side and compares every result bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

X = np.arange(1.0, 4.0)
W = tg.Tensor(np.ones(3), requires_grad=True)

# the globals the steps below read (rebound by the tests)
SCALE = 2.0
USE_L2 = True
MODE = "sum"
HALF = np.float32(0.5)
lr = 0.1  # a global of the same name as an attribute a step reads (`box.lr`)


def scaled(x):
    out = (tg.Tensor(x) * W * SCALE).sum()
    out.backward()
    return out


def decided(x):  # a Python decision on a global: replay would keep the recorded branch
    out = (tg.Tensor(x) * W).sum()
    if USE_L2:
        out = out + (W * W).sum()
    out.backward()
    return out


def by_mode(x):
    y = tg.Tensor(x) * W
    out = y.sum() if MODE == "sum" else y.mean()
    out.backward()
    return out


def in_a_comprehension(x):  # the global read inside a nested code object
    parts = [tg.Tensor(x) * W * SCALE for _ in range(2)]
    out = (parts[0] + parts[1]).sum()
    out.backward()
    return out


def numpy_scalar(x):
    out = (tg.Tensor(x) * W * float(HALF)).sum()
    out.backward()
    return out


def literal_list(x):  # a literal tensor made from the global: recorded as a constant
    out = (tg.Tensor(x) * W * tg.Tensor([SCALE, SCALE, SCALE])).sum()
    out.backward()
    return out


def factor():  # a helper of this module the step calls: it reads the global
    return SCALE * 2


def helped(x):
    out = (tg.Tensor(x) * W * factor()).sum()
    out.backward()
    return out


def recursive(x, depth=2):  # a step that calls itself: read once
    if depth:
        return recursive(x, depth - 1)
    return scaled(x)


def run(step, x=X):
    """The step's value and W's gradient (W.grad None before, as a loop's zero_grad)."""
    W.grad = None
    out = step(x)
    return out.item(), W.grad.copy()


def same(a, b):
    assert a[0] == b[0] or (np.isnan(a[0]) and np.isnan(b[0]))
    np.testing.assert_array_equal(a[1], b[1])


CASES = [
    (scaled, "SCALE", 2.0, 5.0),
    (scaled, "SCALE", 0.0, -0.0),  # the same by ==, not by bits: x * -0.0 is -0.0
    (decided, "USE_L2", True, False),
    (by_mode, "MODE", "sum", "mean"),
    (in_a_comprehension, "SCALE", 2.0, 3.0),
    (numpy_scalar, "HALF", np.float32(0.5), np.float32(0.25)),
    (numpy_scalar, "HALF", np.float32(0.5), np.float64(0.5)),  # another type, one value
    (literal_list, "SCALE", 2.0, 5.0),
    (helped, "SCALE", 2.0, 5.0),
    (recursive, "SCALE", 2.0, 5.0),
]


@pytest.mark.parametrize("fn, name, before, after", CASES,
                         ids=[f"{c[0].__name__}-{c[1]}-{c[3]!r}" for c in CASES])
def test_a_global_rebound_after_recording_is_seen(fn, name, before, after):
    g = globals()
    old = g[name]
    try:
        g[name] = before
        step = jit(fn, strict=True)
        for _ in range(4):  # two recordings, then replays
            same(run(step), run(fn))
        assert step.replays == 2
        g[name] = after
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # recorded afresh: no warning
            for _ in range(4):
                same(run(step), run(fn))  # it replayed the recorded value
        assert step.rerecords == 1
        assert step.replays >= 3  # and the new recording replays
    finally:
        g[name] = old


def test_a_closure_variable_changed_after_recording_is_seen():
    def make():
        s = 2.0

        def step(x):
            out = (tg.Tensor(x) * W * s).sum()
            out.backward()
            return out

        def set_s(v):
            nonlocal s
            s = v
        return step, set_s

    fn, set_s = make()
    step = jit(fn, strict=True)
    for v in (2.0, 2.0, 2.0, 7.0, 7.0, 7.0, -1.5, -1.5):
        set_s(v)
        same(run(step), run(fn))
    assert step.rerecords == 2


def test_an_unchanged_value_keeps_replaying_nan_included():
    g = globals()
    old = g["SCALE"]
    try:
        g["SCALE"] = float("nan")
        step = jit(scaled, strict=True)
        for _ in range(6):
            g["SCALE"] = float("nan")  # a new object, the same bits each call
            same(run(step), run(scaled))
        assert step.rerecords == 0 and step.replays == 4
    finally:
        g["SCALE"] = old


def test_an_attribute_of_a_globals_name_is_not_a_read_of_that_global():
    """`box.lr` names `lr` in the code's co_names, but reads no global `lr`: a global of that
    name changing every call must not make the step record again each time."""
    class Box:
        lr = 3.0

    box = Box()

    def step_fn(x):
        out = (tg.Tensor(x) * W * box.lr).sum()
        out.backward()
        return out

    g = globals()
    old = g["lr"]
    try:
        step = jit(step_fn, strict=True)
        for i in range(6):
            g["lr"] = 0.1 * (i + 1)
            same(run(step), run(step_fn))
        assert step.rerecords == 0 and step.replays == 4
    finally:
        g["lr"] = old


def test_a_value_changing_every_call_runs_eagerly_with_one_warning():
    g = globals()
    old = g["SCALE"]
    try:
        step = jit(scaled)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(12):
                g["SCALE"] = 1.0 + i  # a counter the step reads
                same(run(step), run(scaled))  # each call's own value, never a recorded one
        said = [str(w.message) for w in caught]  # (the two recordings differ: refused)
        assert len(said) == 1 and "running it eagerly" in said[0], said
        strict = jit(scaled, strict=True)
        g["SCALE"] = 1.0
        run(strict), run(strict), run(strict)  # recorded with 1.0, replayed
        with pytest.raises(tg.jit.JitError):
            for i in range(12):
                g["SCALE"] = 2.0 + i
                run(strict)
    finally:
        g["SCALE"] = old


def test_why_stale_names_the_value():
    g = globals()
    old = g["SCALE"]
    try:
        g["SCALE"] = 2.0
        step = jit(scaled, strict=True)
        for _ in range(3):
            run(step)
        plan = next(iter(step.cache.values()))
        W.grad = None
        assert plan.guards.why_stale([X]) is None
        g["SCALE"] = 5.0
        why = plan.guards.why_stale([X])
        assert "the global SCALE of the step held 2.0 when recorded, now 5.0" in why
        assert plan.stale([X])
    finally:
        g["SCALE"] = old
