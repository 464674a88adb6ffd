"""Review of 272601e (a recorded in-place write releases its old value, tensor/old_values.py).

A write into a released old value (`h.grad_fn.parents[0].add_(1)`, a view of it, under
no_grad too) is refused in one line naming the op (NumPy's "assignment destination is
read-only" before, or an expand()'s words for a view of it). The copy a whole-tensor write
releases is reused by the next one (one array, not a fresh one of h's size faulted in per
write): values and every gradient as torch 2.13 over writes alternating between tensors of
one shape, kept (`h *= w`) and released, F-ordered and float32; the reused array goes with
the tensor written."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

import tinygrad_dl as tg
from tests.oracle import mismatch, one_line

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("how", ["add_", "setitem", "row add_", "T mul_", "zero_ no_grad"])
def test_a_write_into_a_released_old_value_is_one_line(how):
    w = tg.tensor(np.ones((3, 3)), requires_grad=True)
    h = w * 2
    h += 1
    old = h.grad_fn.parents[0]
    assert np.isnan(old.data).all()
    with pytest.raises(RuntimeError) as e:
        if how == "add_":
            old.add_(1)
        elif how == "setitem":
            old[0] = 5.0
        elif how == "row add_":
            old[0].add_(1)
        elif how == "T mul_":
            old.T.mul_(2)
        else:
            with tg.no_grad():
                old.zero_()
    one_line(e, "old value of an in-place write", "released", "clone()")
    h.sum().backward()  # (the refused write changed nothing)
    assert np.array_equal(w.grad, np.full((3, 3), 2.0))


def _alternating(lib, seed, dtype):
    """Writes alternating between h and g of one shape (a released copy handed from one to
    the other), kept ones among them, into a C- or F-ordered op result."""
    rng = np.random.default_rng(seed)
    X, W = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    B, C = rng.standard_normal(4), rng.standard_normal(5)
    kinds = rng.integers(0, 7, 14)

    def t(a):
        return lib.tensor(a.astype(dtype), requires_grad=True)

    x, w, b, c = t(X), t(W), t(B), t(C)
    h = x * 1.5 if seed % 2 else (x.T * 1.5).T * 1  # (F-ordered: a Mul of a transposed x)
    g = x * 0.5
    for k in kinds:
        if k == 0:
            h += b
        elif k == 1:
            g -= b
        elif k == 2:
            h *= w  # (kept: Mul saved the copy)
        elif k == 3:
            g.mul_(0.5).sin_()  # (kept: Sin saved the copy)
        elif k == 4:
            h[:, 1] += c  # (through a view: no copy)
        elif k == 5:
            h.relu_()
            h = h * 1  # (a new result, then writes into it)
        else:
            g[1] = b * 2
    ((h * w).sum() + (g * g).sum()).backward()
    if lib is torch:
        return [a.detach().numpy() for a in (h, g)] + [
            np.zeros(a.shape) if a.grad is None else a.grad.numpy() for a in (x, w, b, c)]
    return [np.asarray(a.data) for a in (h, g)] + [
        np.zeros(a.data.shape) if a.grad is None else np.asarray(a.grad) for a in (x, w, b, c)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(60000, 60006))
def test_writes_alternating_between_tensors_as_torch(seed, dtype):
    ours, theirs = _alternating(tg, seed, dtype), _alternating(torch, seed, dtype)
    tol = {} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-4}
    for name, a, t in zip(["h", "g", "x.grad", "w.grad", "b.grad", "c.grad"], ours, theirs):
        if dtype == np.float64:
            assert (e := mismatch(a, t)) is None, f"seed {seed} {name}: {e}"
        else:
            np.testing.assert_allclose(a, t, err_msg=f"seed {seed} {name}", **tol)


def test_the_reused_copy_goes_with_the_tensor_written():
    """After backward and `del h`, nothing of h's size is held (the copy a write released
    and the next would reuse goes when h goes)."""
    x = tg.tensor(np.random.default_rng(1).standard_normal((300, 300)), requires_grad=True)
    b = tg.tensor(np.ones(300), requires_grad=True)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        h = x * 1
        for _ in range(5):
            h += b
        assert tracemalloc.get_traced_memory()[0] - before < 2.5 * h.data.nbytes  # (h, one)
        h.sum().backward()
        del h
        x.grad = b.grad = None
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 0.5 * x.data.nbytes, f"{held / 1e6:.2f} MB held after h is gone"


@pytest.mark.parametrize("write", ["h[0] *= h[1]", "v.mul_(h[1])", "h.T[0] *= h.T[1]",
                                   "h[1:] *= h[0]", "h[0].pow_(h[1])"])
def test_a_view_write_whose_op_saves_another_region_of_its_base_is_one_line(write):
    """The write's op (Mul, Pow) saved the operand, a view of the base's array that the write
    changes (torch raises at backward): one line naming the op, not NumPy's bare
    "assignment destination is read-only"; the base's values and graph as before."""
    x = tg.tensor(np.arange(1.0, 10.0).reshape(3, 3), requires_grad=True)
    h = x * 1
    with pytest.raises(RuntimeError) as e:
        if write == "h[0] *= h[1]":
            h[0] *= h[1]
        elif write == "v.mul_(h[1])":
            v = h[0]
            v.mul_(h[1])
        elif write == "h.T[0] *= h.T[1]":
            h.T[0] *= h.T[1]
        elif write == "h[1:] *= h[0]":
            h[1:] *= h[0]
        else:
            h[0].pow_(h[1])
    one_line(e, "Tensor.", "saved a view of its base's array", "clone()")
    del e
    assert np.array_equal(h.data, np.arange(1.0, 10.0).reshape(3, 3))
    (h * h).sum().backward()
    assert np.array_equal(x.grad, 2 * np.arange(1.0, 10.0).reshape(3, 3))
