"""A recorded in-place write into an op's result keeps its old value's copy only while backward
needs it (tensor/old_values.py): `h[:, 0] += b`, `h[:, t] = v`, `h += b`, `v = h[0]; v.add_(1)`
release it once the write's ops are made (20 writes into a 1000 x 1000 float64 h held 160 MB
until backward); `h *= w`, `h.pow_(2)` keep it (their op saved it). Values and gradients
against torch 2.13 to 1e-10 over seeded random mixes of kept and released writes, through
views and whole; a jitted step bit for bit as eager; anomaly mode, checkpoint, hooks and
retain_grad over such graphs; a released value reads as NaN, never a plausible number."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tests.oracle import as_numpy, bytes_held, jit_matches_eager, mismatch, strict_replays_match
from tinygrad_dl.utils.checkpoint import checkpoint

torch = pytest.importorskip("torch")

N, WRITES = 400, 20


def _write(kind, h, b, vs, i):
    if kind == "iadd col":
        h[:, 0] += b
    elif kind == "set col t":
        h[:, i] = vs[i]
    elif kind == "iadd":
        h += b
    else:  # "view add_"
        v = h[0]
        v.add_(1)


@pytest.mark.parametrize("kind", ["iadd col", "set col t", "iadd", "view add_"])
def test_twenty_writes_hold_the_regions_not_twenty_bases(kind):
    """Held after 20 writes into a 400 x 400 float64 h (1.28 MB), until backward: about the
    regions (0.02 to 0.5 MB); before, the 20 copies of the old h (25.6 MB)."""
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((N, N)), requires_grad=True)
    b = tg.tensor(rng.standard_normal(N), requires_grad=True)
    vs = [tg.tensor(rng.standard_normal(N), requires_grad=True) for _ in range(WRITES)]
    h = x * 1
    held = bytes_held(lambda: [_write(kind, h, b, vs, i) for i in range(WRITES)])
    assert held < 1.5 * h.data.nbytes, f"{kind}: {held / 1e6:.2f} MB held by {WRITES} writes"
    (h * h).sum().backward()
    assert x.grad is not None and np.isfinite(x.grad).all()


def _old_of(h):
    """The old value the last write rebased h onto: its new op's first input."""
    ctx = h.grad_fn
    return ctx.parents[0]


@pytest.mark.parametrize("write", ["iadd", "relu_", "iadd col", "set col"])
def test_a_released_old_value_keeps_shape_and_dtype_and_reads_nan(write):
    x = tg.tensor(np.arange(12.0).reshape(3, 4) - 5, requires_grad=True)
    b = tg.tensor(np.ones(3), requires_grad=True)
    h = x * 2
    if write == "iadd":
        h += tg.tensor(np.ones(4), requires_grad=True)
    elif write == "relu_":
        h.relu_()
    elif write == "iadd col":
        h[:, 0] += b
    else:
        h[:, 1] = b
    old = _old_of(h)
    assert old.data.shape == (3, 4) and old.data.dtype == np.float64
    assert np.isnan(old.data).all() and not old.data.flags.writeable
    assert old.data.strides == (0, 0)  # (no memory of h's size)
    h.sum().backward()  # (backward needs none of its values)
    want = np.full((3, 4), 2.0)
    if write == "relu_":
        want *= np.arange(12.0).reshape(3, 4) - 5 > 0
    if write == "iadd col":
        want[:, 0] = 2.0
    elif write == "set col":
        want[:, 1] = 0.0
    assert mismatch(x.grad, want) is None


@pytest.mark.parametrize("write", ["imul w", "pow_", "col pow_"])
def test_an_old_value_an_op_saved_is_kept_and_gives_torch_gradient(write):
    rng = np.random.default_rng(5)
    X, W = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    out = []
    for lib in (tg, torch):
        x, w = lib.tensor(X, requires_grad=True), lib.tensor(W, requires_grad=True)
        h = x * 1.5
        if write == "imul w":
            h *= w
        elif write == "pow_":
            h.pow_(2)
        else:
            h[:, 1].pow_(2)  # (Pow saved the region's gather, not the copy of h)
        if lib is tg and write != "col pow_":
            old = _old_of(h)
            assert np.array_equal(old.data, X * 1.5)  # (kept: its op reads it in backward)
        elif lib is tg:  # (the base's old value: never copied, read by no op's backward)
            assert np.isnan(_old_of(h).data).all()
        (h * w).sum().backward()
        out.append([np.asarray(t.detach().numpy() if lib is torch else t.data)
                    for t in (h, x.grad, w.grad)])
    for a, t in zip(*out):
        assert (e := mismatch(a, t)) is None, e


def _mix(lib, seed, steps=10):
    """A seeded random mix of writes, kept and released, through views and whole, into an op's
    result (and into new results along the way); returns values and gradients."""
    rng = np.random.default_rng(seed)
    X, B, W = rng.standard_normal((5, 6)), rng.standard_normal(6), rng.standard_normal((5, 6))
    V = rng.standard_normal((steps, 5))
    kinds = rng.integers(0, 10, steps)
    cols = rng.integers(0, 6, steps)

    def t(a):
        return lib.tensor(a, requires_grad=True)

    x, b, w, v = t(X), t(B), t(W), t(V)
    h = x * 1.25
    for i, (k, c) in enumerate(zip(kinds, cols)):
        c = int(c)
        if k == 0:
            h[:, c] += v[i]
        elif k == 1:
            h[:, c] = v[i] * 2
        elif k == 2:
            h += b
        elif k == 3:
            r = h[c % 5]
            r.add_(1)
        elif k == 4:
            h *= w  # (kept: Mul saved the old h)
        elif k == 5:
            h.mul_(0.5).pow_(2)  # (kept: Pow saved it)
        elif k == 6:
            h.relu_()  # (ReLU saved its result: later writes go into a new one, as torch's)
            h = h * 1
        elif k == 7:
            h[c % 5] *= b  # (a region's Mul: the base's copy released)
        elif k == 8:
            h.T[c].sub_(v[i] * 0.5)
        else:
            h = h * 1  # (a new result, then writes into it)
    (h * w).sum().backward()
    if lib is torch:
        return [h.detach().numpy(), *(np.zeros(a.shape) if a.grad is None else a.grad.numpy()
                                      for a in (x, b, w, v))]
    return [np.asarray(h.data), *(np.zeros(a.data.shape) if a.grad is None else np.asarray(a.grad)
                                  for a in (x, b, w, v))]


@pytest.mark.parametrize("seed", range(6))
def test_random_mix_of_writes_as_torch(seed):
    ours, theirs = _mix(tg, seed), _mix(torch, seed)
    for name, a, t in zip(["h", "x.grad", "b.grad", "w.grad", "v.grad"], ours, theirs):
        assert (e := mismatch(a, t)) is None, f"seed {seed} {name}: {e}"


def test_random_mix_under_anomaly_mode_as_torch():
    with tg.autograd.detect_anomaly():
        ours = _mix(tg, 11)
    for a, t in zip(ours, _mix(torch, 11)):
        assert mismatch(a, t) is None


def test_checkpointed_function_with_released_writes_as_torch():
    """Ours under checkpoint (backward runs f again, its writes released again) against
    torch's plain graph (its checkpoint gives the same gradients)."""
    rng = np.random.default_rng(2)
    X, B = rng.standard_normal((4, 3)), rng.standard_normal(4)
    grads = []
    for lib in (tg, torch):
        x, b = lib.tensor(X, requires_grad=True), lib.tensor(B, requires_grad=True)

        def f(x, b):
            h = x * 2
            h[:, 0] += b
            h += 1
            r = h[1]
            r.mul_(3)
            return h.tanh()

        y = checkpoint(f, x, b, use_reentrant=False) if lib is tg else f(x, b)
        y.sum().backward()
        grads.append([np.asarray(x.grad), np.asarray(b.grad)])
    for a, t in zip(*grads):
        assert mismatch(a, t) is None


def test_hooks_and_retain_grad_on_h_before_released_writes_as_torch():
    rng = np.random.default_rng(4)
    X, B = rng.standard_normal((3, 4)), rng.standard_normal(3)
    got = []
    for lib in (tg, torch):
        x, b = lib.tensor(X, requires_grad=True), lib.tensor(B, requires_grad=True)
        h = x * 2
        heard = []
        h.register_hook(lambda g, heard=heard: heard.append(as_numpy(g).copy()))  # (moves to
        # the old value)
        h.retain_grad()
        h[:, 0] += b
        h += 1
        (h * h).sum().backward()
        got.append([np.asarray(h.grad), heard[0], np.asarray(x.grad), np.asarray(b.grad)])
    for a, t in zip(*got):
        assert mismatch(a, t) is None


def _step(w, views=True):
    def step(x):
        h = x * w
        if views:  # (writes through a view, a setitem: the step runs eagerly, as before)
            h[:, 0] += w[0]
            r = h[0]
            r.add_(1)
            h[:, 1] = w[1] * 2
        h += w[2]
        h *= w[3]  # (kept: Mul saved the old h)
        h -= w[1]
        h.tanh_()
        out = (h * h).sum()
        out.backward()
        return out
    return step


def test_jitted_step_with_released_writes_is_eager_bit_for_bit():
    rng = np.random.default_rng(8)
    w = tg.tensor(rng.standard_normal((4, 4)), requires_grad=True)
    jit_matches_eager(_step(w), [tg.tensor(rng.standard_normal((4, 4))) for _ in range(4)], w)
    strict_replays_match(_step(w, views=False), lambda: tg.tensor(rng.standard_normal((4, 4))),
                         w)
