"""Optimizer.step's per-parameter checks after its fast path (a gradient as backward leaves it
goes straight to the update): every other gradient or parameter still meets the check that
names it, and the fast path's numbers are the slow path's."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.grad import GradArray
from tinygrad_dl.jit import jit
from tinygrad_dl.optim import SGD, Adam

LR = 0.1


def _param(dtype: str = "float64", shape: tuple[int, ...] = (3, 4)) -> Tensor:
    rng = np.random.default_rng(0)
    return Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True, name="w")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["grad_array", "ndarray", "backward"])
def test_fast_path_numbers(dtype: str, kind: str) -> None:
    p = _param(dtype)
    before = p.data.copy()
    g = np.random.default_rng(1).standard_normal(p.shape).astype(dtype)
    if kind == "backward":
        (p * Tensor(g)).sum().backward()
        assert type(p.grad) is GradArray
    else:
        p.grad = g.view(GradArray) if kind == "grad_array" else g.copy()
    data = p.data
    SGD([p], lr=LR).step()
    assert p.data is data  # updated in place
    assert np.array_equal(p.data, before - np.multiply(g, LR))


def test_shape_mismatch_named() -> None:
    for g in (np.zeros((4, 3)), np.zeros((4, 3)).view(GradArray)):
        p = _param()
        p.grad = g
        with pytest.raises(ValueError, match=r"gradient of shape \(4, 3\) for parameter w"):
            SGD([p], lr=LR).step()


def test_other_dtype_gradient_cast() -> None:
    p = _param("float64")
    before = p.data.copy()
    g32 = np.full((3, 4), 0.3, np.float32)
    p.grad = g32
    SGD([p], lr=LR).step()
    assert p.data.dtype == np.float64
    assert np.array_equal(p.data, before - np.multiply(g32.astype(np.float64), LR))


def test_complex_gradient_refused() -> None:
    p = _param()
    p.grad = np.zeros((3, 4), np.complex128)
    with pytest.raises(TypeError, match="complex gradient"):
        SGD([p], lr=LR).step()


def test_tensor_gradient_refused() -> None:
    p = _param()
    p.grad = Tensor(np.zeros((3, 4)))
    with pytest.raises(TypeError, match=r"\.grad holds a NumPy array"):
        SGD([p], lr=LR).step()


def test_integer_parameter_refused() -> None:
    p = Tensor(np.zeros((3, 4)), requires_grad=True, name="w")
    p.data = np.zeros((3, 4), np.int64)  # (set by hand: Tensor() refuses int with grad)
    p.grad = np.zeros((3, 4), np.int64)
    with pytest.raises(TypeError, match="only floating-point parameters"):
        SGD([p], lr=LR).step()


def test_parameter_view_updates_its_base() -> None:
    base = np.arange(24, dtype=np.float64).reshape(6, 4)
    p = Tensor(base[1:4], requires_grad=True)
    p.grad = np.ones((3, 4))
    SGD([p], lr=LR).step()
    assert np.array_equal(base[1:4], np.arange(4, 16, dtype=np.float64).reshape(3, 4) - LR)
    assert np.array_equal(base[0], np.arange(4.0))


def test_parameter_read_by_live_graph_copied() -> None:
    p = _param()
    old = p.data
    kept = old.copy()
    y = (p * p).sum()  # a live graph holds p's array (`p * 2` would not: its gradient 2
    # reads no p, torch's too, and its backward after the step runs, as torch's)
    p.grad = np.ones((3, 4))
    SGD([p], lr=LR).step()
    assert p.data is not old and np.array_equal(old, kept)  # the graph's values kept
    assert np.array_equal(p.data, kept - LR)
    with pytest.raises(RuntimeError, match="SGD.step"):
        y.backward()


def test_read_only_parameter_refused() -> None:
    p = _param()
    p.data.flags.writeable = False
    p.grad = np.ones((3, 4))
    with pytest.raises(ValueError, match="read-only"):
        SGD([p], lr=LR).step()


def test_adam_fast_and_slow_path_same_bits() -> None:
    """Adam through the same loop: one parameter on the fast path (its own array, a
    GradArray), one on the checked path (a view of a larger array, a plain gradient)."""
    p = _param()
    base = np.zeros((4, 4))
    base[:3] = p.data
    q = Tensor(base[:3], requires_grad=True)
    g = np.random.default_rng(2).standard_normal((3, 4))
    opt = Adam([p, q], lr=LR)
    for _ in range(3):
        p.grad, q.grad = g.view(GradArray), g.copy()
        opt.step()
    assert np.array_equal(p.data, q.data) and not base[3].any()


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none: bool) -> None:
    p, q = _param(), _param()
    (p * q).sum().backward()
    g = p.grad
    SGD([{"params": [p]}, {"params": [q]}], lr=LR).zero_grad(set_to_none)
    if set_to_none:
        assert p.grad is None and q.grad is None
    else:
        assert p.grad is g and not g.any() and not q.grad.any()


def test_zero_grad_inside_jitted_step_refused() -> None:
    p = _param()
    opt = SGD([p], lr=LR)

    def step(x: np.ndarray) -> Tensor:
        opt.zero_grad()
        loss = (p * Tensor(x)).sum()
        loss.backward()
        return loss

    j = jit(step, strict=True)
    with pytest.raises(Exception, match=r"SGD\.zero_grad\(\) runs inside the step"):
        j(np.ones((3, 4)))
