"""The replayed call's fast path (jit.make_entry) and the compiled store into `.grad`: each
check the entry makes inline must send a call that is not its plan's to the slow path, and
the store written out must give `.grad` exactly what `Pending.store` (eager) gives."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, detect_anomaly, no_grad
from tinygrad_dl.grad import GradArray
from tinygrad_dl.jit import jit


def tiny(dtype=np.float64):
    x = Tensor(np.arange(1.0, 5.0, dtype=dtype), requires_grad=True)
    w = Tensor(np.full(4, 0.5, dtype=dtype), requires_grad=True)
    calls = []

    def step(g):
        calls.append(1)
        (x * w).backward(g)
    return x, w, step, calls


def both(step, jitted, params, *args):
    """Eager then replayed from the same `.grad` state: the two states after."""
    before = [None if p.grad is None else p.grad.copy() for p in params]
    step(*args)
    want = [p.grad for p in params]
    for p, b in zip(params, before):
        p.grad = None if b is None else b.copy().view(GradArray)
    jitted(*args)
    for p, e in zip(params, want):
        assert type(p.grad) is GradArray and p.grad.dtype == e.dtype
        assert np.array_equal(p.grad, e)


def warm(jitted, params, *args):
    for _ in range(3):
        for p in params:
            p.grad = None
        jitted(*args)
    assert jitted.replays == 1 and jitted._fast.__code__.co_filename == "<jit entry>"


def warm_scaled():
    """w, step(X) = sum(X * w) with backward, its jit replaying a (3, 4) float64 plan, and
    the X it was recorded on."""
    w = Tensor(np.linspace(0.5, 2.0, 4), requires_grad=True)

    def step(X):
        (Tensor(X) * w).sum().backward()
    jitted = jit(step)
    X = np.random.default_rng(0).standard_normal((3, 4))
    warm(jitted, (w,), X)
    w.grad = None
    return w, step, jitted, X


@pytest.mark.parametrize("arg", [
    np.ones((3, 4), np.float32),  # another dtype
    np.ones((5, 4)),  # another shape
    np.ones(4),  # another ndim
    np.ones((6, 4))[::2],  # strided: same shape and dtype, replayed from the same plan
    np.ones((3, 4)).view(GradArray),  # a subclass: the slow path (which replays it)
])
def test_an_argument_not_the_plans_is_not_its_fast_path(arg):
    w, step, jitted, X = warm_scaled()
    both(step, jitted, (w,), arg)
    same = arg.dtype == np.float64 and arg.shape == (3, 4)  # the same signature and plan
    assert jitted.replays == (2 if same else 1)
    n = jitted.replays
    w.grad = None
    jitted(X)  # back to the first plan's arguments
    assert jitted.replays == n + 1


def test_a_big_endian_argument_is_refused_as_eagerly_not_replayed():
    """Equal shape, a dtype that is not float64 (its byte order): Tensor() refuses it eagerly,
    and the replay's fast path must not take it for its float64 plan's argument."""
    w, step, jitted, X = warm_scaled()
    arg = np.ones((3, 4)).astype(">f8")
    for fn in (step, jitted):
        w.grad = None
        with pytest.raises(ValueError, match=r"Tensor\(\): an array in non-native byte order"):
            fn(arg)
    assert w.grad is None and jitted.replays == 1
    jitted(X)  # the plan's arguments: replayed as before
    assert jitted.replays == 2


def test_the_fast_path_rechecks_every_guard():
    x, w, step, calls = tiny()
    jitted = jit(step)
    g = np.full(4, 2.0)
    warm(jitted, (x, w), g)
    x.data = np.arange(4.0) + 7  # rebound between calls: read afresh
    x.grad = w.grad = None
    both(step, jitted, (x, w), g)
    assert jitted.replays == 2
    x.grad = np.ones(4).view(GradArray)  # .grad the user set: a guard, eager adds into it
    w.grad = None
    n = len(calls)
    both(step, jitted, (x, w), g)
    assert jitted.replays == 2 and len(calls) == n + 2  # eager, then eager under the guard
    w.requires_grad = False  # frozen: a guard; eager leaves w.grad alone
    x.grad = w.grad = None
    step(g)
    want = x.grad
    x.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (recorded once with x.grad set, then w frozen: that
        jitted(g)  # recording is stale, so this call records afresh; it ran for good eagerly)
    assert np.array_equal(x.grad, want) and w.grad is None and jitted.replays == 2
    for _ in range(2):  # recorded again, then replayed
        x.grad = None
        jitted(g)
        assert np.array_equal(x.grad, want) and w.grad is None
    assert jitted.replays == 3 and not jitted.fallbacks


def test_modes_and_enabled_are_checked_after_a_replay():
    x, w, step, calls = tiny()
    jitted = jit(step)
    g = np.ones(4)
    warm(jitted, (x, w), g)
    with detect_anomaly():
        x.grad = w.grad = None
        n = len(calls)
        jitted(g)
        assert len(calls) == n + 1 and jitted.replays == 1  # eagerly, with the checks
    with no_grad(), pytest.raises(RuntimeError):  # eager backward refuses under no_grad
        jitted(g)
    jitted.enabled = False
    x.grad = w.grad = None
    n = len(calls)
    jitted(g)
    assert len(calls) == n + 1 and jitted.replays == 1
    jitted.enabled = True
    x.grad = w.grad = None
    jitted(g)
    assert jitted.replays == 2


def test_a_grad_the_user_holds_is_never_written_into():
    """The stored `.grad` is the step's fresh gradient: last call's array, held by the user,
    keeps its values; a gradient that is not ours (the seed itself) is copied, as eagerly."""
    x, w, step, _ = tiny()
    jitted = jit(step)
    g = np.ones(4)
    warm(jitted, (x, w), g)
    held = x.grad
    kept = held.copy()
    x.grad = w.grad = None
    jitted(g * 3)
    assert x.grad is not held and np.array_equal(held, kept)
    a = Tensor(np.ones(4), requires_grad=True)
    add = jit(lambda s: (a + 1.0).backward(s))  # Add's backward hands the seed on
    for _ in range(4):
        a.grad = None
        add(g)
        assert a.grad is not g and a.grad.base is not g and np.array_equal(a.grad, g)
    assert add.replays == 2
    a.grad[:] = 5.0
    assert np.array_equal(g, np.ones(4))


def test_a_gradient_of_another_dtype_is_cast_as_eager_casts_it():
    """A float32 parameter times a float64 constant: the gradient is float64, `.grad` float32
    (Pending.store's cast, not the written-out common case)."""
    x = Tensor(np.arange(4, dtype=np.float32), requires_grad=True)
    c = Tensor(np.linspace(0.1, 0.7, 4))

    def step(g):
        (x * c).sum().backward()
    jitted = jit(step)
    for _ in range(4):
        both(step, jitted, (x,), np.ones(1))
        assert x.grad.dtype == np.float32
        x.grad = None
    assert jitted.replays == 2


def test_two_backwards_in_one_step_add_into_the_first_store():
    x, w, _, _ = tiny()

    def step(g):
        (x * w).backward(g)
        (x * x).sum().backward()
    jitted = jit(step)
    for _ in range(4):
        x.grad = w.grad = None
        both(step, jitted, (x, w), np.ones(4))
        x.grad = w.grad = None
    assert jitted.replays == 2


def _function_classes():
    from tinygrad_dl import Function

    todo, seen = [Function], []
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            seen.append(sub)
    return seen


def test_every_prepare_leaves_backward_what_forward_leaves():
    """A replay runs `prepare` instead of `forward` where nothing reads the value: the state
    it leaves for backward (the op's __dict__) must be forward's, so backward is the same."""
    from tinygrad_dl.ops.elementwise import Add, Mul, Sub
    from tinygrad_dl.ops.fused import SumOfSquares
    from tinygrad_dl.ops.loss import CrossEntropy
    from tinygrad_dl.ops.unary import Cast

    rng = np.random.default_rng(0)
    a, b, z = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((5, 3))
    cases = {Add: ((a, b), {}), Sub: ((a, b), {}), Mul: ((a, b), {}),
             Cast: ((a,), {"dtype": np.float32}), SumOfSquares: ((a, b), {"scale": 0.1}),
             CrossEntropy: ((z,), {"targets": np.array([0, 2, 1, 1, 0])})}
    # the library's classes: a test's own (tests/test_jit_skeptic3.py makes one with a
    # prepare per test) lives on in __subclasses__ until a garbage collection, so this
    # failed after it in the same process
    with_prepare = {c for c in _function_classes() if "prepare" in vars(c)
                    and c.__module__.startswith("tinygrad_dl.")}
    assert with_prepare <= set(cases), with_prepare - set(cases)  # a new prepare: add it here
    for cls, (args, params) in cases.items():
        full, prep = cls(), cls()
        full.needs_input_grad = prep.needs_input_grad = [True] * len(args)
        full.forward(*args, **params)
        prep.prepare(*args, **params)
        assert full.__dict__.keys() == prep.__dict__.keys(), cls
        for k, v in full.__dict__.items():
            w = prep.__dict__[k]
            if type(v) is tuple:
                assert len(v) == len(w) and all(np.array_equal(p, q) for p, q in zip(v, w)), k
            else:
                assert np.array_equal(v, w), (cls, k)
        g = np.ones_like(np.asarray(full.forward(*args, **params)))
        full.forward(*args, **params)  # (the state again: backward may consume it)
        gf, gp = full.backward(g), prep.backward(g)
        gf, gp = (gf, gp) if type(gf) is tuple else ((gf,), (gp,))
        assert len(gf) == len(gp) and all(np.array_equal(p, q) for p, q in zip(gf, gp)), cls


@pytest.mark.parametrize("arg", [
    np.ma.masked_array(np.ones((3, 4)), mask=np.eye(3, 4, dtype=bool)),  # eager refuses it
    np.matrix(np.ones((3, 4))),  # eager computes on a plain view; `*` on it is a matmul
])
def test_an_array_subclass_argument_runs_as_eager_runs_it(arg):
    """A plan recorded on plain arrays, called with a subclass of the same shape and dtype:
    the subclass's own semantics (a mask that sums skip, np.matrix's `*`) must not enter
    the replayed ops. Before: the masked array replayed to [2 2 2 3] where eager raises, and
    np.matrix failed inside the replay."""
    w, step, jitted, X = warm_scaled()
    try:
        step(arg)
        want = w.grad.copy()
    except TypeError as e:
        want = e
    w.grad = None
    with pytest.warns(RuntimeWarning, match="subclass"):
        if isinstance(want, Exception):
            with pytest.raises(TypeError, match=re.escape(str(want))):
                jitted(arg)
        else:
            jitted(arg)
            assert np.array_equal(w.grad, want)
    n = jitted.replays
    w.grad = None
    jitted(X)  # plain arrays still replay
    assert jitted.replays == n + 1


def test_a_float_argument_of_minus_zero_is_not_the_plan_of_zero():
    """-0.0 == 0.0 and both hash alike: a plan recorded with 0.0 replayed for -0.0 gave +0
    gradients where eager gives -0 (and 1/s would be inf for -inf). The sign is in the key."""
    w = Tensor(np.linspace(0.5, 2.0, 4), requires_grad=True)

    def step(X, s):
        (Tensor(X) * w * s).sum().backward()
    jitted = jit(step)
    X = np.ones(4)
    for _ in range(3):
        w.grad = None
        jitted(X, 0.0)
    assert jitted.replays == 1
    w.grad = None
    step(X, -0.0)
    want = w.grad.copy()
    w.grad = None
    jitted(X, -0.0)
    assert np.signbit(want).all() and w.grad.tobytes() == want.tobytes()
    assert jitted.replays == 1  # (recorded afresh for -0.0)


def test_a_memmap_argument_still_replays(tmp_path):
    """np.memmap computes as a plain array (a batch sliced from a file-backed data set): the
    subclass rule above must not send it to the eager path."""
    w = Tensor(np.linspace(0.5, 2.0, 4), requires_grad=True)

    def step(X):
        (Tensor(X) * w).sum().backward()
    jitted = jit(step, strict=True)
    M = np.memmap(tmp_path / "x.bin", dtype=np.float64, mode="w+", shape=(6, 4))
    M[:] = np.random.default_rng(0).standard_normal((6, 4))
    warm(jitted, (w,), np.ones((3, 4)))
    w.grad = None
    both(step, jitted, (w,), M[3:])
    assert jitted.replays == 2
    del M
