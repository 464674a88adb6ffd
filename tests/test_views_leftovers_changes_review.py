"""A second review of the views/dtype leftovers' fixes (tests/test_views_leftovers_review.py):
a Python complex constant in a jit step, a bool tensor divided by a big int, the functional
fallback for an int outside an integer tensor's dtype, and Tensor(t, requires_grad=True)."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import optim
from tinygrad_dl.jit import jit


def test_a_python_complex_beside_a_tensor_is_a_literal_a_jit_step_replays():
    """The weak-complex branch made `t * (1 + 2j)` an unmarked array: a strict jit step
    raised JitError ('an array made inside the step'); Tensor(1j) was a literal before."""
    w = tg.tensor([1.0, 2.0], requires_grad=True)

    @jit(strict=True)
    def step(X):
        z = (tg.Tensor(X) * (1 + 2j)).abs()
        (w * z).sum().backward()

    for i in range(4):
        w.grad = None
        step(np.array([1.0, float(i)]))
        np.testing.assert_allclose(np.asarray(w.grad), [5 ** 0.5, i * 5 ** 0.5])
    assert step.replays == 2
    x = tg.tensor(np.array([1.0, 2.0], np.float32))
    assert (x * 1j).dtype == np.complex64 and (1j * x).dtype == np.complex64


@pytest.mark.parametrize("number", [2**63, -(2**70)])
def test_a_bool_tensor_divided_by_an_int_past_int64(number):
    """true_divisor covered integer tensors only: bool_t / 2**63 raised OverflowError
    (NumPy's bool array / 2**63 is 1.08e-19)."""
    a = np.array([True, False])
    x = tg.tensor(a)
    for got in (x / number, x.div(number), tg.true_divide(x, number)):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got.data, a / float(number))
    with np.errstate(divide="ignore"):  # (number / False: inf, NumPy's and torch's)
        got = number / x
    np.testing.assert_array_equal(got.data, [float(number), np.copysign(np.inf, number)])


def test_stack_with_an_int_outside_the_dtype_says_overflow_not_attribute_error():
    """as_tensors' fallback handed the bare int to every caller: tg.stack([uint8_t, 300])
    raised AttributeError ('int' object has no attribute 'requires_grad')."""
    x = tg.tensor(np.array([7, 3], np.uint8))
    with pytest.raises(OverflowError, match="out of bounds for uint8"):
        tg.stack([x, 300])
    with pytest.raises(OverflowError, match="out of bounds for uint8"):
        tg.where(x > 3, x, -1)
    np.testing.assert_array_equal(tg.div(x, -2).data, [-3.5, -1.5])  # (the fix it kept)


def test_tensor_of_a_tensor_with_requires_grad_is_a_parameter_the_optimizer_steps():
    """Tensor(t * 0.5, requires_grad=True), a parameter, was registered as an alias: SGD.step()
    and `w -= ...` under no_grad() were refused while a graph held w (they wrote a copy)."""
    w = tg.Tensor(tg.Tensor(np.ones(3)) * 0.5, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    np.testing.assert_allclose(w.data, [0.4, 0.4, 0.4])
    with tg.no_grad():
        w -= 0.1
    np.testing.assert_allclose(w.data, [0.3, 0.3, 0.3])
    del loss
    # a constant Tensor(w.detach()) is still an alias, as the first review made it
    keep = (w * w).sum()
    a = tg.Tensor(w.detach())
    with pytest.raises(RuntimeError, match=r"shares its array .*Tensor\(t\) too"):
        a.add_(1)
    del keep
