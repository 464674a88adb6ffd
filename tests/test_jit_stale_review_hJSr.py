"""Second review of the jit staleness hunt (hJS): a signature's first recording checked by its
own guards before the second call, and a step refused for a hook recorded again once the hook
is removed.

Found here: a step that registers a hook and removes it itself (an activation capture:
`h = m.register_forward_hook(...)`, forward, `h.remove()`; a hook on a tensor it makes) was
recorded afresh at every call, with a warning each call, about 20 times slower than eager
(before hJS: refused once, eager for good: now so again, a hook being the user's only when
registered before the call); and the recording jit held for a hooked signature kept that
call's batch and constants alive until the hook was removed (one batch per input shape: 42 MB
after 300 shapes of a small model)."""

from __future__ import annotations

import gc
import random
import warnings
import weakref

import numpy as np
import pytest
from test_jit_stale_state_hJS import (
    CHANGES,
    X0,
    Y0,
    World,
    compare_step,
    eager_and_jitted,
    small_model,
)

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl import nn
from tinygrad_dl.jit import jit


def _in_step_hook(kind: str, m: nn.Sequential, X, y) -> None:
    """A step that registers a hook and removes it before it returns."""
    seen = []
    if kind == "module":
        h = m[2].register_forward_hook(lambda mod, a, o: seen.append(o))
    elif kind == "parameter":
        h = m[2].W.register_hook(lambda g: g * 0.5)
    z = m(tg.Tensor(X))
    if kind == "made leaf":  # a leaf the step makes, with a hook
        leaf = tg.Tensor(np.ones(z.data.shape), requires_grad=True)
        h = leaf.register_hook(lambda g: g * 2.0)
        z = z * leaf
    try:
        F.cross_entropy(z, y).backward()
    finally:
        h.remove()


@pytest.mark.parametrize("kind", ["module", "parameter", "made leaf"])
def test_a_hook_the_step_registers_and_removes_is_refused_once(kind):
    """Before: the hook was gone when the next call came, so each call recorded the step
    again (a warning each call, ~20x eager's time); now refused once, eager for good."""
    seen = {}
    for jitted in (False, True):
        m = small_model()

        def fn(X, y, m=m):
            _in_step_hook(kind, m, X, y)

        step = jit(fn) if jitted else fn
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = []
            for _ in range(6):
                m.zero_grad()
                step(X0, Y0)
                out.append([p.grad.tobytes() for p in m.parameters()])
        seen[jitted] = out, [str(c.message) for c in caught if "jit:" in str(c.message)]
    assert seen[True][0] == seen[False][0]
    msgs = seen[True][1]
    assert len(msgs) == 1 and "hook" in msgs[0], msgs


def test_a_hooked_signature_does_not_keep_its_batch():
    """Before: jit held the refused recording (its arguments, constants, views) until the
    hook was removed; now only the modules and parameters it must watch."""
    m = small_model()
    m[0].register_forward_hook(lambda mod, a, o: None)

    def fn(X, y):
        F.cross_entropy(m(tg.Tensor(X)), y).backward()

    step = jit(fn)
    refs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for n in (4, 5, 6):
            X = np.random.default_rng(n).standard_normal((n, 6))
            refs.append(weakref.ref(X))
            step(X, np.arange(n) % 3)
    del X
    gc.collect()
    assert [r() is None for r in refs] == [True] * 3
    assert len(step.fallbacks) == 3


def test_a_hook_added_again_after_a_lift_is_refused_again():
    """Hook, removed (recorded again, replayed), hooked again (eager, a second warning),
    removed again (replayed again): every call eager's, bit for bit."""
    handles = []

    def before(k, m):
        if k in (1, 7):
            handles.append(m[2].register_forward_hook(lambda mod, a, o: o * 2.0))
        if k in (3, 10):
            handles[-1].remove()

    seen = eager_and_jitted(14, before)
    assert seen[True][0] == seen[False][0]
    step = seen[True][1]
    assert len(seen[True][2]) == 2 and not step.fallbacks
    assert step.replays == 4  # calls 5, 6 and 12, 13 (3-4, 10-11 recorded again)


def test_a_hook_that_removes_itself_lets_the_step_replay():
    """A hook registered before the call that removes itself as it runs is the user's (its
    id predates the call): the next call records the step again, then it replays."""
    handles: list = []

    def once(mod, a, o):
        handles[0].remove()
        return o * 3.0

    def setup(m):  # (each run's own hook, the one `once` removes)
        handles[:] = [m[0].register_forward_hook(once)]

    seen = eager_and_jitted(5, setup=setup)
    assert seen[True][0] == seen[False][0] and seen[True][0][0] != seen[True][0][1]
    step = seen[True][1]
    assert len(seen[True][2]) == 1 and not step.fallbacks and step.replays == 2


def test_a_hook_on_a_parameter_passed_as_the_batch_keeps_it_eager():
    """A hooked leaf the ops read as an argument (`step(W.data, y)`) is no parameter of the
    recording: jit watches the hooked leaf itself, so the step is not recorded at every
    call (one warning) while the hook stays."""
    m = small_model()
    W = tg.Tensor(X0.copy(), requires_grad=True)
    W.register_hook(lambda g: g * 2.0)

    def fn(X, y):
        F.cross_entropy(m(W), y).backward()

    step = jit(fn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            W.grad = None
            step(W.data, Y0)
    msgs = [str(c.message) for c in caught if "jit:" in str(c.message)]
    assert len(msgs) == 1 and len(step.fallbacks) == 1, msgs


def _any_call(seed: int) -> int:
    """Like test_jit_stale_state_hJS's side_by_side, with changes before any call (also
    between a signature's first and second recording, and several calls in a row)."""
    r = random.Random(seed)
    opt = r.randrange(2)
    E, J = World(False, opt=opt), World(True, opt=opt)
    names = sorted(CHANGES)
    for i in range(r.randint(8, 14)):
        changes = ([r.choice(names) for _ in range(r.choice([1, 1, 2]))]
                   if i and r.random() < 0.35 else [])
        compare_step(E, J, r, changes, ["n4"] * 12 + ["n5", "fortran", "strided", "f32", "alias"],
                     (seed, i))
    return J.step.replays


def test_changes_before_any_call_match_eager():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        replays = [_any_call(seed) for seed in range(4)]
    assert sum(replays) > 0  # (the driver reaches replays, not only eager calls)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4, 40))
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_changes_before_any_call_match_eager_more(seed):
    _any_call(seed)
