"""NumPy functions on tensors whose positional out / copy / dtype _keyworded passes by keyword
(second review of 5e5e6d0): a positional-only dtype (np.astype(x, dtype, /)) became dtype=,
a TypeError of NumPy's once the route did not take the call; a function without
_implementation (np.asarray(..., like=t) asks the tensor too) raised AttributeError instead
of NEP 18's "no implementation found"; NumPy 2.0's np.concatenate has no signature, so its
positional out was not checked and was written into a parameter before the refusal (as
np.dot's was: _C_PARAMS); copy=np.True_ was not dropped as copy=True is (the route gave way
to NumPy's values: a plain array)."""
import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.optable import numpy_calls


def _x(grad=False):
    return tg.Tensor(np.array([[1.0, np.nan], [3.0, 4.0]]), requires_grad=grad)


def test_astype_positional_dtype_with_a_keyword_the_route_lacks_is_numpys():
    x = _x()
    got = np.astype(x, np.float32, device="cpu")  # was: TypeError positional-only dtype
    want = np.astype(x.data, np.float32, device="cpu")
    assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True)
    r = np.astype(x, np.float32)  # the route: a Tensor
    assert isinstance(r, tg.Tensor) and r.dtype == np.float32


@pytest.mark.parametrize("make", [
    lambda t: np.asarray([1, 2], np.float32, like=t),
    lambda t: np.array([1, 2], np.float32, like=t),
    lambda t: np.arange(0, 3, 1, np.float32, like=t),
    lambda t: np.full((2,), 1.0, np.float32, like=t),
])
def test_like_a_tensor_is_nep18s_no_implementation(make):
    with pytest.raises(TypeError, match="no implementation found"):  # was AttributeError
        make(_x())


def test_concatenate_without_a_signature_still_checks_its_positional_out(monkeypatch):
    # NumPy 2.0-2.x: inspect.signature(np.concatenate._implementation) fails (a C function)
    signature = numpy_calls.inspect.signature

    def no_signature(f, *a, **k):
        if f is np.concatenate._implementation:
            raise ValueError(f"no signature found for builtin {f!r}")
        return signature(f, *a, **k)
    monkeypatch.setattr(numpy_calls.inspect, "signature", no_signature)
    monkeypatch.setattr(numpy_calls, "_PARAMS", {})
    nd = np.ones((2, 2))
    w = tg.Tensor(np.full((4, 2), 9.0), requires_grad=True)
    with pytest.raises(RuntimeError, match="out="):
        np.concatenate([nd, nd], 0, w)
    assert (w.data == 9.0).all()  # was: written with the ones, then refused
    y = np.concatenate([_x(), _x()], 0)  # the route still
    assert isinstance(y, tg.Tensor) and y.shape == (4, 2)


@pytest.mark.parametrize("copy", [True, np.True_])
def test_nan_to_num_copy_true_as_numpy_bool_is_the_route(copy):
    x = _x(grad=True)
    y = np.nan_to_num(x, copy, 5.0)  # was a plain array (np.True_), refused under grad
    assert isinstance(y, tg.Tensor)
    np.testing.assert_array_equal(y.data, np.nan_to_num(x.data, copy=True, nan=5.0))
    assert np.isnan(x.data[0, 1])  # not written into
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 0.0], [1.0, 1.0]])


def test_nan_to_num_copy_false_numpy_bool_still_writes_as_numpy():
    x = _x()
    assert np.nan_to_num(x, np.False_) is x and x.data[0, 1] == 0.0
