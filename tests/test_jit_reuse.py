"""A replay writes a parameter's gradient into the array its .grad held the step before
(`jit.refcounts.reuse`), only while nothing else refers to that array: a .grad the user kept,
a view of it, an array or graph built on it, a parameter that IS it, never change under the
user. Every case runs next to the same steps done eagerly on a copy of the model, bit for bit."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.models import TwoLayer
from tinygrad_dl.optim import SGD


def model_and_data(dtype: Any = np.float64) -> tuple[TwoLayer, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    model = TwoLayer(12, 5, 3, lam=0.1, rng=rng, dtype=dtype)
    return model, rng.standard_normal((4, 8, 12)).astype(dtype), rng.integers(0, 3, (4, 8))


def addr(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def twins(loss: Callable[[Any, np.ndarray, np.ndarray], Tensor], dtype: Any = np.float64,
          between: Callable[[Any, int], None] | None = None, steps: int = 8,
          keep: bool = False) -> tuple[list[Any], list[Any], Any, Any]:
    """`steps` SGD steps of `loss` replayed and eager on two equal models; per step, every
    .grad as it was right after the step (a copy) and, for the replay, the .grad arrays
    themselves when `keep` (as the user might keep them; `between(model, i)` runs before each
    step). Without `keep`, the replay must have reused W1's array from its second replay on
    unless `between` held on to it."""
    model, X, y = model_and_data(dtype)
    eager_model = copy.deepcopy(model)
    out = []
    for m, jitted in ((model, True), (eager_model, False)):
        opt = SGD(m.parameters(), lr=0.1)

        def step(Xb: np.ndarray, yb: np.ndarray, m: Any = m) -> None:
            loss(m, Xb, yb).backward()
        f = jit(step, strict=True) if jitted else step
        copies, kept, addrs = [], [], []
        for i in range(steps):
            if between is not None:
                between(m, i)
            opt.zero_grad()
            f(X[i % 4], y[i % 4])
            copies.append([np.array(p.grad) for p in m.parameters()])
            if keep:
                kept.append([p.grad for p in m.parameters()])
            addrs.append(addr(m.linears[0].W.grad))
            opt.step()
        out.append((copies, kept, f, m, addrs))
    (rc, rk, f, model, ra), (ec, _, _, eager_model, _) = out
    for a, b in zip(rc, ec):  # bit for bit eager, every step
        assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert all(np.array_equal(p.data, q.data)
               for p, q in zip(model.parameters(), eager_model.parameters()))
    assert f.replays == steps - 2
    twins.reused = len(set(ra[3:])) == 1  # type: ignore[attr-defined]
    return rc, rk, f, model


def course_loss(m: Any, X: np.ndarray, y: np.ndarray) -> Tensor:
    return m.loss(X, y)


def sgd_steps(model: Any, X: np.ndarray, y: np.ndarray, n: int = 6) -> tuple[Any, list[int]]:
    """`n` jitted steps of the course loss with SGD between them, on batch i % len(X); the
    jit and the address of the first layer's W.grad after each step."""
    opt = SGD(model.parameters(), lr=0.1)
    step = jit(lambda Xb, yb: model.loss(Xb, yb).backward(), strict=True)
    seen = []
    for i in range(n):
        opt.zero_grad()
        step(X[i % len(X)], y[i % len(X)])
        seen.append(addr(model.linears[0].W.grad))
        opt.step()
    return step, seen


def test_the_gradient_goes_into_last_steps_array_when_nobody_holds_it():
    model, X, y = model_and_data()
    _, seen = sgd_steps(model, X, y)
    assert len(set(seen[3:])) == 1  # from the second replay on: one array


def test_the_entry_and_the_slow_path_share_the_kept_arrays():
    """The first replay runs through the plan's `run`, the next through jit's entry (the
    same steps compiled with the checks): the array the first kept for W's gradient is the
    one the second writes into, and no slot holds an array .grad no longer views."""
    model, X, y = model_and_data()
    step, seen = sgd_steps(model, X[:1], y[:1])  # one batch: the first replay is step 3
    assert step._fast.__code__.co_filename == "<jit entry>"
    assert len(set(seen[2:])) == 1  # from the first replay on: one array
    plan = next(iter(step.cache.values()))
    grads = {id(p.grad.base) for p in model.parameters() if p.grad is not None}
    slots = [s for s in plan._shared.slots.values() if s[0] is not None]
    assert slots and all(id(s[0]) in grads for s in slots)


def test_a_grad_the_user_kept_from_a_step_never_changes():
    copies, kept, _, _ = twins(course_loss, keep=True)
    assert not twins.reused  # type: ignore[attr-defined]
    for c, k in zip(copies, kept):  # every kept .grad still holds its own step's gradient
        assert all(np.array_equal(x, y) for x, y in zip(c, k))


@pytest.mark.parametrize("hold", ["view", "base", "asarray", "memoryview", "tensor", "graph"])
def test_what_the_user_built_on_last_steps_grad_keeps_it_theirs(hold):
    held: list[Any] = []

    def between(m: Any, i: int) -> None:
        g = m.linears[0].W.grad
        if g is None:
            return
        if hold == "view":
            held.append((g[1:], np.array(g[1:])))
        elif hold == "base":  # past the .grad view, to the array under it
            held.append((g.base[2:], np.array(g[2:])))
        elif hold == "asarray":
            a = np.asarray(g)
            held.append((a, np.array(a)))
        elif hold == "memoryview":
            held.append((memoryview(g), np.array(g)))
        elif hold == "tensor":
            t = Tensor(g)
            held.append((t.data, np.array(g)))
        else:  # a live graph that read it
            t = Tensor(g, requires_grad=True)
            J = (t * t).sum()
            held.append((J, np.array(g), t))

    twins(course_loss, between=between)
    assert not twins.reused  # type: ignore[attr-defined]
    twins(course_loss)
    assert twins.reused  # type: ignore[attr-defined]  (what the holds above prevented)
    for item in held:
        live, copy_ = item[0], item[1]
        if isinstance(live, Tensor):  # the graph: its input still holds what it read
            assert np.array_equal(item[2].data, copy_)
            live.backward()
            assert np.array_equal(item[2].grad, 2 * copy_)
        else:
            assert np.array_equal(np.asarray(live), copy_)


def test_a_parameter_with_two_consumers_and_the_l2_term():
    def loss(m: Any, X: np.ndarray, y: np.ndarray) -> Tensor:
        W = m.linears[0].W
        h = F.relu(F.linear(Tensor(X), W))
        J = F.cross_entropy(m.layers[2](h), y)
        return J + F.sum_of_squares(W, scale=0.1) + (W * W).sum() * 0.05
    twins(loss)
    assert twins.reused  # type: ignore[attr-defined]


def test_the_same_parameter_twice_in_the_l2_term():
    def loss(m: Any, X: np.ndarray, y: np.ndarray) -> Tensor:
        W = m.linears[0].W
        return m.cross_entropy(X, y) + F.sum_of_squares(W, W, m.linears[1].W, scale=0.1)
    twins(loss)
    assert twins.reused  # type: ignore[attr-defined]


@pytest.mark.parametrize("dtype", [
    np.float32,
    np.float64])
def test_a_parameter_recast_to_another_dtype_between_steps(dtype):
    """The kept array has the old dtype: the gradient goes into a new one, as eagerly. (Found
    here, with reuse off too: a float32 parameter recast to float64 kept replaying the float32
    recording and differed from eager in the 8th digit; a parameter's dtype is a guard now.)"""
    other = np.float32 if dtype == np.float64 else np.float64
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((6, 5)).astype(dtype)
    X = rng.standard_normal((8, 6, 5)).astype(dtype)
    grads = []
    for jitted in (True, False):
        W = Tensor(w0.copy(), requires_grad=True)

        def step(Xb: np.ndarray, W: Tensor = W) -> None:
            (F.sum_of_squares(W, scale=0.1) + (W * Tensor(Xb)).sum()).backward()
        f = jit(step) if jitted else step
        out = []
        for i in range(8):
            if i == 5:
                W.data = W.data.astype(other)
            W.grad = None
            f(X[i])
            out.append(np.array(W.grad))
            W.data -= 0.1 * W.grad
        grads.append(out)
    for a, b in zip(*grads):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert grads[0][-1].dtype == other


def test_a_parameter_given_another_shape_between_steps_is_recorded_afresh():
    """b.data of shape (3,) replaced by one of shape (1,): eager broadcasts it and sums its
    gradient to (1,); a replay of the (3,) recording must not hand back a (3,) gradient."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((6, 4, 3))
    grads = []
    for jitted in (True, False):
        b = Tensor(np.ones(3), requires_grad=True)

        def step(Xb: np.ndarray, b: Tensor = b) -> None:
            ((Tensor(Xb) + b) ** 2).sum().backward()
        f = jit(step) if jitted else step
        out = []
        for i in range(6):
            if i == 3:
                b.data = b.data[:1].copy()
            b.grad = None
            f(X[i])
            out.append(np.array(b.grad))
        grads.append(out)
    for a, e in zip(*grads):
        assert a.shape == e.shape and np.array_equal(a, e)
    assert grads[0][-1].shape == (1,)


def test_a_parameter_whose_data_is_its_own_last_grad():
    """W.data = W.grad (the array a replay would reuse is the parameter now): never written
    as a gradient while it is the parameter."""
    model, X, y = model_and_data()
    opt = SGD(model.parameters(), lr=0.1)
    step = jit(lambda Xb, yb: model.loss(Xb, yb).backward(), strict=True)
    ref = copy.deepcopy(model)
    ropt = SGD(ref.parameters(), lr=0.1)
    for i in range(8):
        for m in (model, ref):
            if i == 4:
                m.linears[1].W.data = m.linears[1].W.grad
        opt.zero_grad()
        ropt.zero_grad()
        step(X[i % 4], y[i % 4])
        ref.loss(X[i % 4], y[i % 4]).backward()
        for p, q in zip(model.parameters(), ref.parameters()):
            assert np.array_equal(p.grad, q.grad) and np.array_equal(p.data, q.data)
        opt.step()
        ropt.step()


def test_two_backwards_in_one_step_and_the_returned_losses_kept():
    """A step that calls backward twice (the second adds into .grad) and returns its loss:
    every kept loss and .grad keeps its value; gradients bit for bit eager's."""
    def run(jitted: bool) -> tuple[list[Any], list[Any], Any]:
        model, X, y = model_and_data()

        def step(Xb: np.ndarray, yb: np.ndarray) -> Tensor:
            J = model.loss(Xb, yb)
            J.backward(retain_graph=True)
            J.backward()
            return J
        f = jit(step, strict=True) if jitted else step
        opt = SGD(model.parameters(), lr=0.1)
        losses, grads = [], []
        for i in range(7):
            opt.zero_grad()
            J = f(X[i % 4], y[i % 4])
            losses.append((J, np.array(J.data)))
            grads.append([np.array(p.grad) for p in model.parameters()])
            opt.step()
        return losses, grads, f

    (lr_, gr, f), (le, ge, _) = run(True), run(False)
    assert f.replays == 5
    for (J, v), (_, ve) in zip(lr_, le):
        assert np.array_equal(J.data, v) and np.array_equal(v, ve)
    for a, b in zip(gr, ge):
        assert all(np.array_equal(x, z) for x, z in zip(a, b))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_weight_and_bias_gradient_goes_into_last_steps_array(dtype):
    """The same memory under every .grad from the second replay on. Addresses alone can repeat
    by malloc handing a freed block back, so between steps a same-sized array is made and held
    for every parameter: had the old .grad been freed, it would take that block. W's first
    gradient is Linear's dW (the L2 term's backward runs after it), so Linear.backward_into
    must write it."""
    model, X, y = model_and_data(dtype)
    opt = SGD(model.parameters(), lr=0.1)
    step = jit(lambda Xb, yb: model.loss(Xb, yb).backward(), strict=True)
    seen, blockers = [], []
    for i in range(6):
        opt.zero_grad()
        blockers.append([np.empty_like(p.data) for p in model.parameters()])
        step(X[i % 4], y[i % 4])
        seen.append([addr(p.grad) for p in model.parameters()])
        opt.step()
    assert seen[3] == seen[4] == seen[5]


def test_a_weak_reference_to_last_steps_grad_keeps_it_theirs():
    """weakref.ref(old .grad) (or its array): eagerly the old array dies with the next step's
    zero_grad and the reference goes dead; the replay must not write the new gradient into
    it (the reference would show it)."""
    import weakref
    model, X, y = model_and_data()
    opt = SGD(model.parameters(), lr=0.1)
    step = jit(lambda Xb, yb: model.loss(Xb, yb).backward(), strict=True)
    held = []
    for i in range(6):
        opt.zero_grad()
        step(X[i % 4], y[i % 4])
        g = model.linears[0].W.grad
        held.append((weakref.ref(g.base if i % 2 else g), np.array(g)))
        del g
        opt.step()
    for ref, copy_ in held:
        a = ref()
        assert a is None or np.array_equal(np.asarray(a).reshape(copy_.shape), copy_)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_linear_backward_into_is_backward_bit_for_bit(dtype):
    """Linear.backward_into writes the same numbers as backward into a fitting buffer, and
    makes a new array for a buffer of another shape or dtype (or None)."""
    from tinygrad_dl.ops.fused import Linear
    rng = np.random.default_rng(3)
    x, W, b = (rng.standard_normal(s).astype(dtype) for s in ((2, 7, 5), (4, 5), (4,)))
    xt, Wt, bt = Tensor(x), Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)
    out = Linear.apply(xt, Wt, bt)
    ctx = out._ctx
    g = rng.standard_normal(out.shape).astype(dtype)
    _, dW, db = ctx.backward(g)
    for oW, ob in [(np.empty_like(W), np.empty_like(b)), (None, None),
                   (np.empty((5, 4), dtype), np.empty(4, np.float16))]:
        _, dW2, db2 = ctx.backward_into(g, (None, oW, ob))
        assert np.array_equal(dW, dW2) and dW2.dtype == dW.dtype
        assert np.array_equal(db, db2) and db2.dtype == db.dtype
        assert (dW2 is oW) == (oW is not None and oW.shape == W.shape)
        assert (db2 is ob) == (ob is not None and ob.dtype == dtype)


@pytest.mark.parametrize("shift", [-2, -1, 0])
def test_the_reference_counts_are_this_pythons_not_constants(monkeypatch, shift):
    """`reuse` compares reference counts with what it measured in this Python: 3.14 borrows
    references on its stack and counts lower, where a constant from 3.11 would take a user's
    reference for none and write into their array. Emulated here with counts shifted."""
    import sys

    from tinygrad_dl.grad import GradArray
    from tinygrad_dl.jit import refcounts

    monkeypatch.setattr(refcounts, "getrefcount", lambda o, s=shift: sys.getrefcount(o) + s)
    monkeypatch.setattr(refcounts, "ALONE", refcounts.calibrate())
    t = Tensor(np.zeros(3), requires_grad=True)
    for hold in (None, "view", "array", "base"):
        a = np.arange(3.0)
        K: list[Any] = [a, a.view(GradArray)]
        del a
        held = {None: None, "view": K[1], "array": np.asarray(K[1]), "base": K[0][1:]}[hold]
        got = refcounts.reuse(K, t)
        if hold is None:
            assert got is not None and got is K[0]
        else:
            assert got is None and K == [None, None]
        del held
