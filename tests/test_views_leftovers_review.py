"""Leftovers of the views, aliasing and dtype reviews, each checked against torch 2.13: a tensor
sharing a parameter's array, max/min(dim) at a tie of signed zeros, complex64 beside Python
numbers, an integer tensor divided by an int outside its dtype."""

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


# ---- 2. Tensor(t) shares t's array: a write while a graph holds it ---------------------------
def test_tensor_of_a_detached_parameter_is_an_alias_like_detach():
    """Tensor(w.detach()) shares w's array (torch.Tensor(t) does too): a write while a live
    graph held it went to a copy, leaving w unchanged without a word where no backward ran."""
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (w * w).sum()
    a = tg.Tensor(w.detach())
    with pytest.raises(RuntimeError, match=r"Tensor.add_ \(\+=\): this tensor shares its "
                                           "array"):
        a.add_(10)
    del loss
    assert w.data.tolist() == [1.0, 2.0, 3.0]
    a.add_(10)  # no graph: the write reaches w, as torch's
    assert w.data.tolist() == [11.0, 12.0, 13.0]
    b = tg.tensor(w.detach())  # torch.tensor copies: never an alias
    loss = (w * w).sum()
    b.add_(1)
    loss.backward()
    assert w.grad.tolist() == [22.0, 24.0, 26.0] and w.data.tolist() == [11.0, 12.0, 13.0]


# ---- 3. max/min(dim) at a tie of signed zeros ----------------------------------------------
@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_min_dim_value_is_the_element_at_its_index(op, dtype):
    """x.max(dim=1) of [-0.0, 0.0] gave 0.0 with index 0 (x[0] is -0.0); torch's -0.0."""
    a = np.array([[-0.0, 0.0], [0.0, -0.0], [-0.0, -0.0], [np.nan, 0.0]], dtype=dtype)
    got = getattr(tg.tensor(a), op)(dim=1)
    want = getattr(torch.tensor(a), op)(dim=1)
    assert np.array_equal(np.signbit(got.values.data), np.signbit(want.values.numpy()))
    np.testing.assert_array_equal(got.values.data, want.values.numpy())
    np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
    x = tg.tensor(a[:2].astype(np.float64), requires_grad=True)
    getattr(x, op)(dim=1, keepdim=True).values.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0], [1.0, 0.0]]


# ---- 4. complex64 beside Python numbers ---------------------------------------------------
@pytest.mark.parametrize("number", [1.5, 2, 1j, 1 + 0j])
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_complex_with_a_python_number_keeps_torchs_dtype(number, dtype):
    """complex64 + 1.5 was complex128, float32 + 1j complex128 (torch's: complex64)."""
    x = tg.tensor(np.array([1.0, 2.0], dtype=dtype))
    t = torch.tensor(np.array([1.0, 2.0], dtype=dtype))
    for f in (lambda a: a + number, lambda a: number * a, lambda a: a - number):
        got, want = f(x), f(t)
        assert got.dtype == np.dtype(str(want.dtype).split(".")[1])
        np.testing.assert_array_equal(got.data, want.numpy())


# ---- 5. an integer tensor and an int outside its dtype -------------------------------------
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32"])
@pytest.mark.parametrize("number", [-2, 300, -300])
def test_true_division_by_an_int_outside_the_dtype(dtype, number):
    """uint8_t / -2 raised OverflowError (NumPy's array / -2 and torch's are -3.5)."""
    a = np.array([7, 3, 0, 100], dtype=dtype)
    x = tg.tensor(a)
    with np.errstate(divide="ignore"):
        want = a.astype(np.float64) / number, number / a.astype(np.float64)
    for got in (x / number, x.div(number), x.true_divide(number), tg.div(x, number),
                tg.divide(x, number)):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got.data, want[0])
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal((number / x).data, want[1])
    np.testing.assert_allclose((x / number).data, (torch.tensor(a) / number).numpy(), rtol=1e-6)


@pytest.mark.parametrize("f", [lambda x: x // -2, lambda x: x % -2, lambda x: x + 300,
                               lambda x: tg.floor_divide(x, -2)])
def test_floor_division_by_an_int_outside_uint8_is_refused_where_torch_wraps(f):
    """torch wraps -2 to 254 (uint8 [7, 3] // -2 is [0, 0], 7 // -2 being -4); NumPy 2
    refuses, and so does this, saying why and what to write."""
    x = tg.tensor(np.array([7, 3], np.uint8))
    with pytest.raises(OverflowError, match=r"out of bounds for uint8 \(a Python number beside "
                                            r"a uint8 tensor takes its dtype.*torch wraps"):
        f(x)
