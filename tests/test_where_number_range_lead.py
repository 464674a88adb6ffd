"""where with a Python or NumPy number past the tensor's dtype range: torch 2.13 refuses
("value cannot be converted to type float without overflow"); ours gave inf with NumPy's
bare cast warning from a package line. float16 keeps torch's inf (torch's where computes it)."""

import warnings

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg

C = np.array([True, False, True])


@pytest.mark.parametrize("call", [
    lambda c, x: tg.where(c, x, 1e300), lambda c, x: tg.where(c, 1e300, x),
    lambda c, x: x.where(c, 1e300), lambda c, x: tg.where(c, x, np.float64(-1e300))])
def test_a_number_past_float32_is_refused_in_one_line(call):
    x = tg.Tensor(np.ones(3, np.float32))
    with pytest.raises(ValueError) as e:
        call(tg.Tensor(C), x)
    one_line(e, "where", "float32")


@pytest.mark.parametrize("call", [lambda c, x: tg.where(c, x, 300), lambda c, x: x.where(c, 300)])
def test_an_int_past_int8_is_refused(call):
    with pytest.raises(OverflowError):
        call(tg.Tensor(C), tg.Tensor(np.ones(3, np.int8)))


def test_numbers_that_fit_and_inf_compute_as_torch():
    torch = pytest.importorskip("torch")
    x = np.array([1.0, 2.0, 3.0], np.float32)
    for v in (1.5, float("inf"), -3e38, float("nan")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ours = tg.where(tg.Tensor(C), tg.Tensor(x), v)
        theirs = torch.where(torch.tensor(C), torch.tensor(x), v)
        assert ours.dtype == np.float32
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_float16_keeps_torchs_inf():
    torch = pytest.importorskip("torch")
    x = np.ones(3, np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (NumPy's cast warning)
        ours = tg.where(tg.Tensor(C), tg.Tensor(x), 1e5)
    theirs = torch.where(torch.tensor(C), torch.tensor(x), 1e5)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
