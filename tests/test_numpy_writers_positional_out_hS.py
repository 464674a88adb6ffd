"""NumPy's functions writing into a tensor through a path the keyword out= check did not see:
`out` given positionally (np.take(x, i, None, t), np.compress(c, x, 0, t), np.choose(i, cs, t),
np.cumprod(x, 0, None, t)) and np.nan_to_num(t, copy=False). Before: NumPy's code wrote into
the tensor's array first and refused afterwards (a parameter changed by a refused call), or not
at all (an array a live graph saved was overwritten and backward gave a wrong gradient without
a word); np.nan_to_num(t, False) bound False to the route's `nan` and left t as it was, and
np.nan_to_num(t, True) replaced NaN by 1.0 where NumPy gives 0.0. Now a positional out= (and
copy=, dtype=) is checked as its keyword is: tensor.inplace.write's rules before any write."""
import numpy as np
import pytest

import tinygrad_dl as tg

X = np.arange(5.0)
NAN = np.array([np.nan, 1.0, np.inf])
POSITIONAL_OUT = {  # NumPy's functions that take out positionally, into a 3-vector
    "take": lambda t: np.take(X, [1, 2, 3], None, t),
    "compress": lambda t: np.compress([0, 1, 1, 1, 0], X, 0, t),
    "choose": lambda t: np.choose([0, 1, 0], [X[:3], X[2:]], t),
    "cumprod": lambda t: np.cumprod(X[1:4], 0, None, t),
    "clip": lambda t: np.clip(X[:3], 1.0, 3.0, t),
    "cumsum": lambda t: np.cumsum(X[:3], 0, None, t),
    "round": lambda t: np.round(X[:3] + 0.4, 0, t),
    "sum": lambda t: np.sum(X[:3].reshape(1, 3), 0, None, t),
    "percentile": lambda t: np.percentile(np.stack([X[:3], X[:3]]), 50, 0, t),
    "fft.irfft": lambda t: np.fft.irfft(np.ones(2), 3, -1, None, t),
}


def _want(call):
    out = np.zeros(3)
    call(out)
    return out


@pytest.mark.parametrize("name", POSITIONAL_OUT)
def test_a_positional_out_into_a_parameter_is_refused_before_the_write(name):
    w = tg.Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"(a leaf Variable that requires grad is being "
                       r"used in an in-place operation|\(out=\.\.\.\) does not record a "
                       r"gradient)") as e:
        POSITIONAL_OUT[name](w)
    assert "\n" not in str(e.value)
    np.testing.assert_array_equal(w.data, np.zeros(3))
    if name == "cumprod":  # (tg.cumprod's own out= refuses a tensor that requires grad)
        return
    with tg.no_grad():  # (the optimizer idiom: written, NumPy's result the tensor)
        assert POSITIONAL_OUT[name](w) is w
    np.testing.assert_array_equal(w.data, _want(POSITIONAL_OUT[name]))


@pytest.mark.parametrize("name", POSITIONAL_OUT)
def test_a_positional_out_into_a_plain_tensor_writes_and_returns_it(name):
    t = tg.Tensor(np.zeros(3))
    assert POSITIONAL_OUT[name](t) is t
    np.testing.assert_array_equal(t.data, _want(POSITIONAL_OUT[name]))


@pytest.mark.parametrize("name", ["take", "compress", "choose"])
def test_a_positional_out_into_an_array_a_graph_saved_is_not_silent(name):
    x = tg.Tensor(np.ones(3))
    w = tg.Tensor(np.ones(3), requires_grad=True)
    y = (w * x).sum()  # (Mul saved x's array: w.grad is x's values at the forward, ones)
    POSITIONAL_OUT[name](x)
    with pytest.raises(RuntimeError, match=rf"saved was replaced by np\.{name} after the forward"):
        y.backward()


def test_a_positional_out_into_an_op_result_is_refused_under_no_grad_too():
    h = tg.Tensor(np.zeros(3), requires_grad=True).exp()
    with tg.no_grad(), pytest.raises(RuntimeError, match=r"^np\.take: in-place on the result "
                                     "of Exp, which its graph may have saved"):
        np.take(X, [1, 2, 3], None, h)
    np.testing.assert_array_equal(h.data, np.ones(3))


def test_nan_to_num_without_copy_follows_the_in_place_rules_before_writing():
    w = tg.Tensor(NAN.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^np\.nan_to_num: a leaf Variable that requires "
                       "grad is being used in an in-place operation"):
        np.nan_to_num(w, copy=False)
    np.testing.assert_array_equal(w.data, NAN)  # (was 0, 1, 1.8e308 after the refusal)
    h = tg.Tensor(NAN.copy(), requires_grad=True) * 1.0
    for call in (lambda: np.nan_to_num(h, copy=False), lambda: np.nan_to_num(h, False)):
        with pytest.raises(RuntimeError, match=r"^np\.nan_to_num: in-place on the result of "
                           "Mul"):
            call()
        np.testing.assert_array_equal(h.data, NAN)
    with tg.no_grad():
        assert np.nan_to_num(w, copy=False) is w
    np.testing.assert_array_equal(w.data, np.nan_to_num(NAN))


def test_nan_to_num_without_copy_writes_a_plain_tensor_as_numpy_writes_an_array():
    for call in (lambda a: np.nan_to_num(a, copy=False), lambda a: np.nan_to_num(a, False, 5.0),
                 lambda a: np.nan_to_num(x=a, copy=None, posinf=7.0)):
        want, t = NAN.copy(), tg.Tensor(NAN.copy())
        assert call(want) is want
        assert call(t) is t  # (np.nan_to_num(t, False) gave a new tensor, t untouched)
        np.testing.assert_array_equal(t.data, want)
    x = tg.Tensor(NAN.copy())
    y = (tg.Tensor(np.ones(3), requires_grad=True) * x).sum()
    np.nan_to_num(x, copy=False)
    with pytest.raises(RuntimeError, match=r"saved was replaced by np\.nan_to_num"):
        y.backward()


def test_nan_to_num_with_copy_positional_is_numpy_s_values_on_the_graph():
    t = tg.Tensor(NAN.copy(), requires_grad=True)
    for call in (lambda a: np.nan_to_num(a, True), lambda a: np.nan_to_num(a, True, 7.0, 9.0),
                 lambda a: np.nan_to_num(a, copy=True)):
        r = call(t)  # (np.nan_to_num(t, True) replaced NaN by 1.0: True read as nan=)
        assert isinstance(r, tg.Tensor) and r.requires_grad
        np.testing.assert_array_equal(r.data, call(NAN.copy()))
    np.testing.assert_array_equal(t.data, NAN)


def test_a_positional_dtype_is_numpy_s_dtype_not_the_route_s_next_parameter():
    a = np.arange(6.0).reshape(2, 3)
    t = tg.Tensor(a, requires_grad=True)
    for call in (lambda x: np.nansum(x, 0, np.float64), lambda x: np.nanmean(x, 1, None),
                 lambda x: np.nansum(x, 0, None, None, True)):
        r = call(t)  # (np.nansum(t, 0, np.float64) bound the dtype to keepdims: a TypeError)
        assert isinstance(r, tg.Tensor) and r.requires_grad
        np.testing.assert_array_equal(r.data, call(a))
