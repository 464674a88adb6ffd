"""A leaf array a live graph saved for backward cannot change under it (issue 10).

Before: `w.data[:] = ...` between forward and backward gave a wrong gradient silently. Now the
arrays of the leaves (parameters, inputs) an op saved are read-only until the graph is freed
(by backward, or by being dropped); our own writers (optimizer steps, load_state_dict) give
the tensor a copy instead, and a backward through a graph that still holds the old values
raises, as PyTorch's version counters do.
"""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn, no_grad, optim, write_guard


def _setup(seed: int = 0) -> tuple[Tensor, Tensor]:
    rng = np.random.default_rng(seed)
    w = Tensor(rng.standard_normal((3, 4)), requires_grad=True, name="w")
    # (an input that requires grad, as an inner layer's: the matmul saves x and w; with x
    # constant it saves x only, and w stays writable, as torch's)
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    return w, x


def _held(a: np.ndarray) -> bool:
    """Does the write guard still count a lock on `a`?"""
    return id(a) in write_guard._locks  # a is alive, so its id is its own


def _loss(x: Tensor, w: Tensor) -> Tensor:
    return (x @ w).tanh().sum()


def test_write_between_forward_and_backward_is_refused_and_the_gradient_stays_right() -> None:
    w, x = _setup()
    loss = _loss(x, w)
    with pytest.raises(ValueError, match="read-only"):
        w.data[:] = 2.0  # the silent corruption: W saved by the matmul
    with pytest.raises(ValueError, match="read-only"):
        x.data *= 3.0  # the input a matmul saved for dW
    with pytest.raises(ValueError, match="read-only"):
        np.copyto(w.data, 0.0)
    loss.backward()
    expected = x.data.T @ (1 - np.tanh(x.data @ w.data) ** 2)
    np.testing.assert_allclose(w.grad, expected, rtol=1e-12)


def test_backward_unlocks_so_the_course_update_loop_works() -> None:
    w, x = _setup()
    for _ in range(3):  # the hand-written SGD loop of assignment 1
        w.grad = None
        _loss(x, w).backward()
        w.data -= 0.1 * w.grad
        x.data[0, 0] += 1.0
    assert w.data.flags.writeable and x.data.flags.writeable
    assert not _held(w.data) and not _held(x.data)


def test_a_dropped_forward_only_graph_unlocks() -> None:
    w, x = _setup()
    val = _loss(x, w)  # an evaluation forward with grad mode on, never backpropagated
    assert not w.data.flags.writeable
    del val
    gc.collect()
    w.data[:] = 1.0
    assert not _held(w.data) and not _held(x.data)


def test_no_grad_forward_locks_nothing() -> None:
    w, x = _setup()
    with no_grad():
        out = _loss(x, w)
    w.data[:] = 1.0
    x.data[:] = 1.0
    assert out.data.flags.writeable


def test_retain_graph_keeps_the_lock_until_the_last_backward() -> None:
    w, x = _setup()
    loss = _loss(x, w)
    loss.backward(retain_graph=True)
    with pytest.raises(ValueError, match="read-only"):
        w.data[:] = 0.0
    loss.backward()
    w.data[:] = 0.0


def test_only_leaves_an_op_saved_are_locked() -> None:
    x = Tensor(np.linspace(-1, 1, 5), requires_grad=True)
    b = Tensor(np.zeros(5), requires_grad=True)
    y = (x + b) * x  # the add saves nothing; the product saves its inputs, a leaf among them
    b.data[:] = 1.0  # free: no backward reads b's values
    with pytest.raises(ValueError, match="read-only"):
        x.data[:] = 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 2 * np.linspace(-1, 1, 5), rtol=1e-12)


def test_a_saved_view_locks_the_array_that_owns_its_memory() -> None:
    w, x = _setup()
    wt = w.T.T  # the matmul saves a view of w.data, not w.data itself
    assert wt.data.base is w.data
    loss = (x @ wt).sum()
    with pytest.raises(ValueError, match="read-only"):
        w.data[:] = 0.0  # would write the memory the matmul saved
    with pytest.raises(ValueError, match="read-only"):
        wt.data[:] = 0.0
    loss.backward()
    w.data[:] = 0.0
    wt.data[:] = 1.0
    assert np.all(w.data == 1.0)


def test_an_array_read_only_before_stays_read_only() -> None:
    frozen = np.ones((2, 3))
    frozen.setflags(write=False)
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    (Tensor(frozen) @ w).sum().backward()
    assert not frozen.flags.writeable
    assert w.data.flags.writeable


def test_optimizer_step_under_a_live_graph_copies_and_backward_then_refuses() -> None:
    w, x = _setup()
    x.requires_grad = True  # (x @ w keeps w for x's gradient only, as torch's: with a constant
    before = w.data  # x the step leaves that graph right, and its backward runs, as torch's)
    loss = _loss(x, w)
    opt = optim.SGD([w], lr=0.1)
    loss.backward(retain_graph=True)
    grad = w.grad.copy()
    opt.step()  # the graph still holds the old W: the step writes a copy
    assert w.data is not before
    np.testing.assert_array_equal(w.data, before - 0.1 * grad)
    with pytest.raises(RuntimeError, match=r"MatMul .*shape \(3, 4\).*SGD\.step\(\)"):
        loss.backward()
    w.grad = None
    _loss(x, w).backward()  # a fresh forward uses the new values
    np.testing.assert_allclose(
        w.grad, x.data.T @ (1 - np.tanh(x.data @ w.data) ** 2), rtol=1e-12)


def test_a_graph_never_backpropagated_does_not_block_training() -> None:
    w, x = _setup()
    opt = optim.Adam([w], lr=0.01)
    kept = []
    for _ in range(3):
        kept.append(_loss(x, w))  # a validation cost kept with its graph (a common slip)
        opt.zero_grad()
        _loss(x, w).backward()
        opt.step()
    assert np.isfinite(w.data).all()


def test_load_state_dict_under_a_live_graph() -> None:
    net = nn.Linear(3, 2, rng=np.random.default_rng(0))
    x = Tensor(np.ones((4, 3)), requires_grad=True)  # (so the graph keeps W, as torch's)
    out = net(x).sum()
    state = {k: v * 0 for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    assert not np.any(net.W.data) and not np.any(net.b.data)
    with pytest.raises(RuntimeError, match="load_state_dict"):
        out.backward()


def test_threads_sharing_one_array_leave_no_lock_behind() -> None:
    X = np.random.default_rng(0).standard_normal((64, 3))  # one dataset, batches are views

    def work(seed: int) -> None:
        w = Tensor(np.random.default_rng(seed).standard_normal((3, 2)), requires_grad=True)
        for i in range(200):
            batch = Tensor(X[i % 60: i % 60 + 4])
            (batch @ w).sum().backward()

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert X.flags.writeable
    assert not _held(X)


def test_an_ordinary_step_writes_in_place_without_copies() -> None:
    w, x = _setup()
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    arrays = set()
    for _ in range(3):
        opt.zero_grad()
        _loss(x, w).backward()
        opt.step()
        arrays.add(id(w.data))
    assert len(arrays) == 1  # the lock never made a step copy: backward had freed the graph


@pytest.mark.slow
@pytest.mark.parametrize("model, params", [
    ("two-layer", {"epochs": 1, "n_batch": 200}),
    ("k-layer", {"epochs": 1, "n_batch": 200, "hidden": [10], "batch_norm": True}),
    ("char-rnn", {"n_updates": 30, "m": 8}),
])
def test_training_leaves_every_parameter_writable(model: str, params: dict, tmp_path) -> None:
    from tinygrad_dl.train import run_training  # eager recording steps, then jit replay

    res = run_training(model, params, seed=0, out=tmp_path / "run", progress=False,
                       print_fn=lambda *a, **k: None)
    for _, p in res.model.named_parameters():
        assert p.data.flags.writeable and not _held(p.data)


def test_grad_accumulates_even_when_a_live_graph_read_the_grad_array() -> None:
    w, x = _setup()
    _loss(x, w).backward()
    first = w.grad.copy()
    penalty = (Tensor(w.grad) * w).sum()  # a graph that saved w.grad's own array
    _loss(x, w).backward()  # accumulating in place would have raised "read-only"
    np.testing.assert_allclose(w.grad, 2 * first, rtol=1e-12)
    penalty.backward()
    np.testing.assert_allclose(w.grad, 3 * first, rtol=1e-12)
