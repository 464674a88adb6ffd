"""Memory a run lets go of: what backward saved, the batch, hooks, optimizers, loaders and the
jit's per-signature tables (weakref probes, tracemalloc with generous bounds; no timings)."""

from __future__ import annotations

import gc
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

from tinygrad_dl import Tensor, optim
from tinygrad_dl.jit import JitError, jit
from tinygrad_dl.models import TwoLayer
from tinygrad_dl.utils.data import DataLoader, TensorDataset


def _model():
    return TwoLayer(12, 7, 5, lam=0.1, rng=np.random.default_rng(0))


def _graph():
    w = Tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    X = np.random.default_rng(1).standard_normal((4, 5))
    h = (Tensor(X) @ w).relu()
    return w, X, h, (h * h).sum()


def test_backward_frees_saved_arrays_and_batch_after_del_loss():
    w, X, h, loss = _graph()
    saved = [weakref.ref(a) for a in h._ctx.saved if isinstance(a, np.ndarray)]
    wx = weakref.ref(X)
    loss.backward()
    assert h._ctx.__dict__ == {}  # released, as torch frees saved tensors
    del X, h, loss
    gc.collect()
    assert wx() is None and all(r() is None for r in saved)
    w.data += 1.0  # unlocked: no live graph holds the parameter


def test_retain_graph_keeps_saved_until_the_next_backward():
    _, _, h, loss = _graph()
    loss.backward(retain_graph=True)
    assert h._ctx.__dict__ != {}
    loss.backward()
    assert h._ctx.__dict__ == {}


def test_exception_mid_backward_leaves_nothing_once_the_loss_dies():
    w, X, h, loss = _graph()
    wx = weakref.ref(X)

    def bad(g):
        raise KeyError("boom")

    handle = h.register_hook(bad)
    with pytest.raises(KeyError):
        loss.backward()
    handle.remove()
    del X, h, loss
    gc.collect()
    assert wx() is None
    w.data += 1.0


class _Hook:
    def __call__(self, *a):
        return None


def test_removed_hooks_are_not_referenced():
    model = _model()
    hooks = [_Hook() for _ in range(4)]
    refs = [weakref.ref(h) for h in hooks]
    p = model.parameters()[0]
    handles = [model.register_forward_hook(hooks[0]),
               model.linears[0].register_full_backward_hook(hooks[1]),
               p.register_hook(hooks[2]), p.register_post_accumulate_grad_hook(hooks[3])]
    model.loss(Tensor(np.ones((3, 12))), np.array([0, 1, 2])).backward()
    for h in handles:
        h.remove()
    del hooks, h
    gc.collect()
    assert [r() for r in refs] == [None] * 4


def test_dead_optimizers_and_abandoned_loader_iterators_are_freed():
    model = _model()
    params = model.parameters()
    X = np.random.default_rng(0).standard_normal((16, 12))
    dead = []
    for _ in range(3):
        opt = optim.Adam(params, lr=1e-3)
        for p in params:
            p.grad = None
        model.loss(Tensor(X), np.arange(16) % 5).backward()
        opt.step()
        dead.append(weakref.ref(opt))
        it = iter(DataLoader(TensorDataset(Tensor(X)), batch_size=4, shuffle=True))
        next(it)
        dead.append(weakref.ref(it))
    del opt, it
    gc.collect()
    assert [r() for r in dead] == [None] * 6


def test_eager_training_memory_plateaus_without_gc():
    model = _model()
    params = model.parameters()
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 12)), rng.integers(0, 5, 64)

    def steps(n):
        for i in range(n):
            for p in params:
                p.grad = None
            model.loss(Tensor(X[i % 4 * 16:][:16]), y[i % 4 * 16:][:16]).backward()
            for p in params:
                p.data -= 0.01 * p.grad

    steps(20)
    gc.collect()
    gc.disable()  # no reference cycles on the hot path: refcounting alone frees each step
    tracemalloc.start()
    try:
        steps(50)
        a = tracemalloc.get_traced_memory()[0]
        steps(400)
        b = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.enable()
    assert b - a < 200_000, b - a  # (a graph kept per step is ~10 KB: 4 MB over 400)


def _float_step(strict=False):
    model = _model()
    params = model.parameters()

    @jit(strict=strict)
    def step(Xb, yb, s):
        loss = model.loss(Tensor(Xb), yb) * s
        loss.backward()
        return loss

    return model, params, step


def test_jit_signatures_past_the_cap_share_one_fallback_entry():
    # a float argument that changes every call (a decayed rate): each value is a signature;
    # past max_signatures they run eagerly, and `fallbacks` grew by one key per call
    _, params, step = _float_step()
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 12)), rng.integers(0, 5, 16)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(60):
            for p in params:
                p.grad = None
            s = 1.0 + i * 1e-3
            got = step(X, y, s)
            want = _model().loss(Tensor(X), y) * s
            assert float(got.data) == float(want.data)
    assert len(step.fallbacks) == 1, len(step.fallbacks)
    assert len(step.cache) <= step.max_signatures
    assert sum("input signatures" in str(w.message) for w in caught) == 1


def test_jit_signatures_past_the_cap_strict_raises_every_time():
    _, _, step = _float_step(strict=True)
    X, y = np.ones((4, 12)), np.arange(4)
    for i in range(step.max_signatures):
        step(X, y, 1.0 + i)
    for i in range(3):
        with pytest.raises(JitError, match="more than 8 input signatures"):
            step(X, y, 100.0 + i)
    assert step(X, y, 1.0) is not None  # a cached signature still runs


def test_jit_on_a_method_lets_dead_instances_go():
    """(lead) The class-level table was a WeakKeyDictionary whose value, the jit of the bound
    method, held the instance: no instance ever died. The jit lives in the instance now."""
    class Trainer:
        def __init__(self):
            self.model = _model()

        @jit
        def step(self, Xb, yb):
            self.model.loss(Tensor(Xb), yb).backward()

    X, y = np.ones((4, 12)), np.arange(4)
    refs = []
    for _ in range(3):
        t = Trainer()
        t.step(X, y)
        refs.append(weakref.ref(t))
    del t
    gc.collect()
    assert [r() for r in refs] == [None] * 3
