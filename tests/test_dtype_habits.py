"""dtype habits a float32 user brings: a course model converts any batch to its dtype, random
constructors refuse integer dtypes, NumPy scalars beside a float tensor are weak (as Python
numbers, torch's rule), and PyTorch's dtype objects work wherever a dtype is taken."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl import nn
from tinygrad_dl.models import ConvNet, KLayer, OneLayer, TwoLayer

rng = np.random.default_rng(0)
X64 = rng.standard_normal((6, 12))
Y = np.arange(6) % 3


@pytest.mark.parametrize("make", [
    lambda: OneLayer(12, 3, lam=0.1, dtype=np.float32),
    lambda: TwoLayer(12, 5, 3, lam=0.1, dtype=np.float32),
    lambda: KLayer(12, [5], 3, lam=0.1, dtype=np.float32, batch_norm=True),
    lambda: ConvNet(12, 3, image=(3, 2, 2), dtype=np.float32, channels=[2]),
], ids=["one", "two", "k", "conv"])
def test_course_model_casts_a_float64_tensor_as_it_casts_an_array(make):
    m = make()
    as_array, as_tensor = m(X64), m(tg.Tensor(X64))
    assert as_tensor.dtype == np.float32
    np.testing.assert_array_equal(as_tensor.data, as_array.data)
    L = m.loss(tg.Tensor(X64), Y)
    assert L.dtype == np.float32
    np.testing.assert_array_equal(m.predict(tg.Tensor(X64)), m.predict(X64))


def test_course_model_input_that_requires_grad_keeps_its_gradient():
    m = OneLayer(12, 3, lam=0.0, dtype=np.float32)
    x = tg.Tensor(X64, requires_grad=True)
    out = m(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float64  # cast back: x's own dtype
    np.testing.assert_allclose(x.grad, np.tile(m.layers[0].W.data.sum(0), (6, 1)), rtol=1e-6)


def test_hand_and_autograd_gradients_agree_for_a_float64_tensor_batch():
    m = TwoLayer(12, 5, 3, lam=0.1, dtype=np.float32, rng=np.random.default_rng(1))
    hand = m.hand_gradients(tg.Tensor(X64), Y)
    m.zero_grad()
    m.loss(tg.Tensor(X64), Y).backward()
    for name, p in m.named_parameters():
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad, hand[name], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("call", [
    lambda: tg.rand(3, dtype=tg.long), lambda: tg.rand(4, dtype=bool),
    lambda: tg.randn(2, 2, dtype=tg.long), lambda: tg.Tensor.randn(2, dtype=np.int32),
    lambda: F.rand(2, dtype="int64"),
], ids=["rand-long", "rand-bool", "randn-long", "Tensor.randn-int32", "F.rand-str"])
def test_random_constructors_refuse_a_non_float_dtype(call):
    with pytest.raises(TypeError, match="cannot hold random floats"):
        call()


def test_random_constructors_keep_float_dtypes():
    assert tg.rand(3, dtype=tg.float32).dtype == np.float32
    assert tg.randn(3, dtype=np.float16).dtype == np.float16


x32 = tg.Tensor(np.array([0.05, 1.0, 2.0], np.float32))


@pytest.mark.parametrize("op", [
    lambda s: x32 + s, lambda s: s + x32, lambda s: x32 / s, lambda s: x32 * s,
    lambda s: x32 ** s, lambda s: tg.maximum(x32, s),
    lambda s: x32.clamp(min=s), lambda s: x32.clip(0.0, s), lambda s: tg.clamp(x32, max=s),
], ids=["add", "radd", "div", "mul", "pow", "maximum", "clamp-min", "clip-hi", "tg.clamp"])
@pytest.mark.parametrize("s", [np.int64(3), np.float64(0.1), np.float32(2), np.int32(1),
                               np.bool_(True), np.float16(1)],
                         ids=["i64", "f64", "f32", "i32", "bool", "f16"])
def test_numpy_scalar_beside_a_float_tensor_is_a_python_number(op, s):
    out = op(s)
    assert out.dtype == np.float32  # torch's float32 too (np.float64 already was, here)
    np.testing.assert_array_equal(out.data, op(s.item()).data)  # the Python number's values


def test_numpy_scalar_clamp_values_and_gradient():
    x = tg.Tensor(np.array([0.05, 1.0], np.float32), requires_grad=True)
    y = x.clamp(min=np.float64(0.1))
    y.sum().backward()
    np.testing.assert_array_equal(y.data, np.array([0.1, 1.0], np.float32))
    np.testing.assert_array_equal(x.grad, [0.0, 1.0])
    assert x.grad.dtype == np.float32


def test_sum_of_squares_numpy_scale_keeps_the_weights_dtype():
    W = tg.Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    L = F.sum_of_squares(W, scale=np.float64(0.1))
    assert L.dtype == np.float32
    L.backward()
    assert W.grad.dtype == np.float32
    np.testing.assert_allclose(float(L), 0.6, rtol=1e-6)


def test_integer_tensor_keeps_numpys_rule_for_numpy_scalars():
    i32 = tg.tensor(np.array([1, 2], np.int32))
    assert (i32 + np.int64(1)).dtype == np.int64
    assert (i32 + 1).dtype == np.int32
    assert (tg.tensor([1, 2]) * np.float32(0.5)).dtype == np.result_type(np.int64, np.float32)
    assert i32.clamp(min=np.int64(0)).dtype == np.int64


def test_nn_linear_mixed_dtypes_promote_as_numpy_does():
    # documented in pytorch.md's "What differs": torch raises, this library promotes
    lin = nn.Linear(3, 2, dtype=tg.float32)
    assert lin(tg.Tensor(np.ones((1, 3)))).dtype == np.float64
    assert lin(tg.Tensor(np.ones((1, 3))).float()).dtype == np.float32


@pytest.mark.parametrize("make", [
    lambda d: tg.zeros(3, dtype=d), lambda d: tg.ones(3, dtype=d), lambda d: tg.empty(2, dtype=d),
    lambda d: tg.full((2,), 1.5, dtype=d), lambda d: tg.eye(2, dtype=d),
    lambda d: tg.arange(3, dtype=d), lambda d: tg.linspace(0, 1, 3, dtype=d),
    lambda d: tg.rand(2, dtype=d), lambda d: tg.randn(2, dtype=d),
    lambda d: tg.tensor([1, 2], dtype=d), lambda d: tg.as_tensor([1, 2], dtype=d),
    lambda d: tg.Tensor([1, 2], dtype=d), lambda d: tg.zeros_like(tg.tensor([1]), dtype=d),
    lambda d: tg.rand_like(tg.tensor([1.0]), dtype=d),
    lambda d: nn.Linear(2, 2, dtype=d).W, lambda d: nn.BatchNorm1d(2, dtype=d).gamma,
    lambda d: nn.Conv2d(1, 1, 1, dtype=d).W, lambda d: nn.Linear(2, 2).to(d).W,
], ids=["zeros", "ones", "empty", "full", "eye", "arange", "linspace", "rand", "randn",
        "tensor", "as_tensor", "Tensor", "zeros_like", "rand_like", "Linear", "BatchNorm1d",
        "Conv2d", "Module.to"])
def test_torch_dtype_accepted_wherever_a_dtype_is_taken(make):
    torch = pytest.importorskip("torch")
    assert make(torch.float32).dtype == np.float32


def test_torch_dtype_numpy_lacks_is_one_line():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="not a dtype NumPy knows"):
        tg.zeros(2, dtype=torch.bfloat16)
    assert tg.randint(0, 3, (2,), dtype=torch.int32).dtype == np.int32


# sums of integers (found 2026-12-03): a uint8 sum was uint64 (NumPy's rule), PyTorch's int64
_INT_REDUCTIONS = {"sum": lambda x: x.sum(), "sum(dim)": lambda x: x.sum(dim=0),
                   "sum(keepdim)": lambda x: x.sum(dim=1, keepdim=True),
                   "tg.sum(axis)": lambda x: tg.sum(x, axis=0), "prod": lambda x: x.prod(),
                   "prod(dim)": lambda x: x.prod(dim=0), "cumsum": lambda x: x.cumsum(0),
                   "cumsum()": lambda x: x.cumsum()}


@pytest.mark.parametrize("dtype", ["bool", "uint8", "uint16", "uint32", "int8", "int32", "int64"])
@pytest.mark.parametrize("name", list(_INT_REDUCTIONS))
def test_integer_sums_are_int64_with_or_without_dim(dtype, name):
    a = (np.arange(6).reshape(2, 3) % 3 + 1).astype(dtype)
    out = _INT_REDUCTIONS[name](tg.tensor(a))
    assert out.dtype == np.int64, f"{name} of {dtype} gave {out.dtype}"
    want = _INT_REDUCTIONS[name](tg.tensor(a.astype(np.int64)))
    np.testing.assert_array_equal(out.numpy(), want.numpy())


def test_uint64_sums_stay_uint64_where_int64_would_wrap():
    a = np.array([2**63, 1], dtype=np.uint64)
    for name, f in _INT_REDUCTIONS.items():
        assert f(tg.tensor(a.reshape(1, 2))).dtype == np.uint64, name
    assert tg.tensor(a).sum().item() == 2**63 + 1


def test_uint8_sum_does_not_wrap():
    x = tg.tensor(np.full(3, 200, np.uint8))
    assert x.sum().item() == x.sum(dim=0).item() == 600
    np.testing.assert_array_equal(x.cumsum(0).numpy(), [200, 400, 600])
