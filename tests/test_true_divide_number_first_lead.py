"""A Python int outside an integer tensor's dtype as the FIRST argument of a true division:
`tg.true_divide(-1, u8)` / `tg.div(2**31, u8)` / `tg.divide` were refused (NumPy 2's
OverflowError) while `-1 / u8` computed; torch computes all of them. A true division is never
computed in the integer dtype, so the number is the float64 it is divided as. The rounding
divisions keep the refusal (torch wraps the number into the dtype silently)."""

import numpy as np
import pytest

import tinygrad_dl as tg

INTS = [(np.uint8, -1), (np.uint8, 2**31), (np.int8, 200), (np.int16, -40000),
        (np.int32, 2**40), (np.uint8, 2**70), (np.bool_, -1)]


def _u(dtype: type) -> tg.Tensor:
    return tg.tensor(np.array([1, 2, 3, 0], dtype=dtype))


@pytest.mark.parametrize("fn", [tg.true_divide, tg.div, tg.divide])
@pytest.mark.parametrize("dtype,number", INTS)
def test_number_first_true_division_computes_as_the_operator(fn, dtype, number):
    x = _u(dtype)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        got = fn(number, x)
        want = number / x
    assert got.dtype == want.dtype == np.float64
    with np.errstate(divide="ignore"):
        exact = float(number) / x.numpy().astype(np.float64)
    np.testing.assert_array_equal(got.numpy(), exact)
    np.testing.assert_array_equal(want.numpy(), exact)


def test_rounding_mode_none_and_out():
    x = _u(np.uint8)[:3]
    np.testing.assert_array_equal(tg.div(-1, x, rounding_mode=None).numpy(), [-1, -0.5, -1 / 3])
    out = tg.zeros(3, dtype=tg.float64)
    tg.true_divide(-1, x, out=out)
    np.testing.assert_array_equal(out.numpy(), [-1, -0.5, -1 / 3])


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_rounding_division_of_an_out_of_range_int_still_refused(mode):
    with pytest.raises(OverflowError, match="out of bounds for uint8"):
        tg.div(-1, _u(np.uint8)[:3], rounding_mode=mode)


@pytest.mark.parametrize("fn", [tg.sub, tg.mul, tg.add, tg.remainder])
def test_other_binary_ops_keep_the_refusal(fn):
    with pytest.raises(OverflowError, match="out of bounds for uint8"):
        fn(-1, _u(np.uint8)[:3])


def test_a_tensor_that_requires_grad_gets_the_operators_gradient():
    x = tg.tensor([1.0, 2.0, 4.0], requires_grad=True)
    tg.true_divide(-1, x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.25, 0.0625])
