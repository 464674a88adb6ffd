"""Casts are ops (issue 19, item 2): `astype`, `to`, `float()`, `double()`, ... stay in the graph.

Before: `astype` returned a new leaf, so nothing before it got a gradient, without a word (HIPS
autograd's own test_astype failed for the same reason).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn, optim
from tinygrad_dl.testing import check_grad


def test_astype_is_differentiable_and_casts_the_gradient_back() -> None:
    w = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    h = (w * 2).astype(np.float32)
    assert h.dtype == np.float32 and h._ctx is not None and h._ctx.name == "Cast"
    (h * h).sum().backward()
    assert w.grad is not None and w.grad.dtype == np.float64
    np.testing.assert_allclose(w.grad, 8 * w.data, rtol=1e-6)


def test_hips_autograd_test_astype() -> None:
    # autograd/tests/test_numpy.py::test_astype, written with our Tensor
    def fun(x: Tensor) -> Tensor:
        return (x.astype(np.float64) * 2.0).sum()

    check_grad(fun, np.array([1.0, 2.0, 3.0]))


def test_two_layer_loop_with_a_float32_cast_trains_the_first_layer() -> None:
    # the reproduction: h = l1(X).relu().astype(np.float32) froze l1 silently
    rng = np.random.default_rng(0)
    l1, l2 = nn.Linear(4, 8, rng=rng), nn.Linear(8, 3, rng=rng, dtype=np.float32)
    X, y = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    opt = optim.SGD(l1.parameters() + l2.parameters(), lr=0.1)
    w0 = l1.W.data.copy()
    for _ in range(3):
        opt.zero_grad()
        h = l1(Tensor(X)).relu().astype(np.float32)
        tg.functional.cross_entropy(l2(h), y).backward()
        opt.step()
    assert not np.allclose(l1.W.data, w0)
    assert l1.W.grad.dtype == np.float64 and l2.W.grad.dtype == np.float32


@pytest.mark.parametrize("method, dtype", [("float", np.float32), ("double", np.float64),
                                           ("half", np.float16)])
def test_float_casts_are_recorded(method: str, dtype: type) -> None:
    w = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    out = getattr(w * 1.0, method)()
    assert out.dtype == dtype
    out.sum().backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


def test_float_means_float32_as_in_pytorch() -> None:
    t = Tensor(np.arange(3))  # int64 -> float64 by the constructor's default ...
    assert t.float().dtype == np.float32  # ... and .float() is PyTorch's float32
    assert Tensor(np.arange(3, dtype=np.int64)).float().dtype == np.float32


@pytest.mark.parametrize("method, dtype", [("long", np.int64), ("int", np.int32),
                                           ("bool", np.bool_)])
def test_integer_and_bool_casts_are_constants(method: str, dtype: type) -> None:
    w = Tensor(np.array([0.5, 1.5, -2.0]), requires_grad=True)
    out = getattr(w, method)()
    assert out.dtype == dtype and not out.requires_grad and out._ctx is None
    np.testing.assert_array_equal(out.data, w.data.astype(dtype))


def test_to_and_type_spellings() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    assert w.to(np.float64) is w  # PyTorch: nothing changes, the tensor itself
    assert w.to("cpu") is w and w.to(device="cpu:0") is w
    assert w.to(np.float64, copy=True) is not w
    assert w.to("float32").dtype == np.float32
    assert w.to(Tensor(np.zeros(1, np.float32))).dtype == np.float32
    assert w.to("cpu", np.float32).dtype == np.float32
    assert w.to(dtype=np.float16).dtype == np.float16
    assert w.type() == "float64" and w.type(np.float32).dtype == np.float32
    assert w.astype(np.float64) is not w  # NumPy's astype copies by default: a new node
    assert w.astype(np.float64, copy=False) is w


def test_torch_dtypes_are_read_by_name() -> None:
    torch = pytest.importorskip("torch")
    w = Tensor(np.ones(2), requires_grad=True)
    assert w.to(torch.float32).dtype == np.float32
    assert w.to(torch.device("cpu")) is w
    with pytest.raises(RuntimeError, match="runs on the CPU"):
        w.to(torch.device("meta"))


@pytest.mark.parametrize("bad", ["cuda", "cuda:0", "mps", "flaot32"])
def test_to_refuses_other_devices_in_one_line(bad: str) -> None:
    # a device that does not exist here: RuntimeError (tinygrad_dl.device.check_device); a
    # string that is neither a dtype nor a device: ValueError
    with pytest.raises((RuntimeError, ValueError), match="tinygrad_dl runs on the CPU") as e:
        Tensor(np.ones(2)).to(bad)
    assert "\n" not in str(e.value)


def test_same_dtype_astype_is_a_recorded_copy() -> None:
    w = Tensor(np.ones(3), requires_grad=True)
    c = w.astype(np.float64)
    assert c.data is not w.data and not np.shares_memory(c.data, w.data)
    (c * 3).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0, 3.0])


def test_casting_a_grad_tensor_to_complex_is_refused() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="astype: cannot cast a tensor that requires grad"):
        w.astype(np.complex128)
    assert Tensor(np.ones(2)).astype(np.complex128).dtype == np.complex128  # a constant: fine


def test_complex_tensors_cannot_require_grad() -> None:
    # before: accepted, and backpropagated, although the error text said only floats could
    with pytest.raises(TypeError, match="only real floating-point tensors can require grad"):
        Tensor(np.array([1 + 1j]), requires_grad=True)


def test_tensor_of_a_tensor_that_requires_grad_is_refused() -> None:
    # Tensor(t) would be a new leaf: the graph before it cut without a word
    h = Tensor(np.ones(2), requires_grad=True) * 2
    with pytest.raises(TypeError, match="would cut it from its graph"):
        Tensor(h)
    with pytest.raises(TypeError, match="would cut it from its graph"):
        tg.tensor(h, dtype=np.float32)
    assert Tensor(h.detach()).data is h.data  # a constant, by name
    assert Tensor(Tensor(np.ones(2))).shape == (2,)


def test_float32_cast_of_a_float64_gradient_check() -> None:
    # float64 -> float32 -> float64 round trip: the gradient is the identity's to float32 eps
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal(5), requires_grad=True)
    y = x.astype(np.float32).astype(np.float64)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.data, rtol=1e-6)


def test_cast_replays_under_jit() -> None:
    from tinygrad_dl.jit import jit

    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)

    @jit
    def step(x: np.ndarray) -> None:
        ((Tensor(x) * w).astype(np.float32) ** 2).sum().backward()

    for k in range(4):
        w.grad = None
        x = np.full(2, float(k + 1))
        step(x)
        np.testing.assert_allclose(w.grad, 2 * x * x * w.data, rtol=1e-6)
    assert step.replays >= 1
