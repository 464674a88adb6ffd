"""NumPy's functions that write into a tensor (np.put, np.copyto, ... and `out=t` of the ones
read on values, np.take, np.einsum) write under the in-place rules of t[i] = v
(tensor.inplace.write), checked before anything is written. Before: `np.take(x, i, out=w)`
wrote into a parameter w and only then refused (w changed by a refused call); into an array
a live graph saved it failed with NumPy's "WRITEBACKIFCOPY base is read-only" or "output
array is read-only" naming no op; np.put on an op's result under no_grad wrote where
h[0] = 5 is refused; np.copyto(t, w) took w's values cut from its graph without a word."""
import numpy as np
import pytest

import tinygrad_dl as tg


def test_out_into_a_parameter_is_refused_before_the_write():
    w = tg.Tensor(np.zeros(3), requires_grad=True)
    for call in (lambda: np.take(np.arange(5.0), [1, 2, 3], out=w),
                 lambda: np.einsum("ij,j->i", np.eye(3), np.ones(3), out=w)):
        with pytest.raises(RuntimeError, match=r"^np\.(take|einsum): a leaf Variable that "
                           "requires grad is being used in an in-place operation"):
            call()
        np.testing.assert_array_equal(w.data, np.zeros(3))
    with tg.no_grad():  # (the optimizer idiom: allowed, NumPy's result is the tensor)
        assert np.take(np.arange(5.0), [1, 2, 3], out=w) is w
    np.testing.assert_array_equal(w.data, [1.0, 2.0, 3.0])


def test_out_into_a_plain_tensor_writes_and_a_graph_that_saved_it_says_so():
    x = tg.Tensor(np.zeros(3))
    np.take(np.arange(5.0), [1, 2, 3], out=x)
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0])
    w = tg.Tensor(np.ones(3), requires_grad=True)
    y = (w * x).sum()  # (Mul saved x's array)
    np.take(np.arange(5.0), [0, 0, 0], out=x)
    np.testing.assert_array_equal(x.data, np.zeros(3))
    with pytest.raises(RuntimeError, match=r"saved was replaced by np\.take after the forward"):
        y.backward()


@pytest.mark.parametrize("call", [lambda h: np.put(h, [0], 5.0),
                                  lambda h: np.copyto(h, 5.0),
                                  lambda h: np.put_along_axis(h, np.array([0]), 5.0, 0)])
def test_a_write_into_an_op_result_is_refused_under_no_grad_too(call):
    t = tg.Tensor(np.zeros(3), requires_grad=True)
    h = t.exp()  # (Exp saved h: NumPy's "output array is read-only" named no op)
    with tg.no_grad(), pytest.raises(RuntimeError, match=r"^np\.\w+: in-place on the result "
                                     "of Exp, which its graph may have saved"):
        call(h)
    np.testing.assert_array_equal(h.data, np.ones(3))


def test_a_value_from_a_tensor_that_requires_grad_is_not_cut_into_a_tensor():
    dst, w = tg.Tensor(np.zeros(3)), tg.Tensor(np.arange(3.0), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^np\.copyto: a value from a tensor that requires "
                       "grad, written into a tensor \\(shape \\(3,\\)\\) in place, would be cut"):
        np.copyto(dst, w)
    np.testing.assert_array_equal(dst.data, np.zeros(3))
    with tg.no_grad():
        np.copyto(dst, w)
    np.testing.assert_array_equal(dst.data, [0.0, 1.0, 2.0])


def test_a_tensor_source_into_an_array_and_plain_tensors_still_work():
    a = np.zeros(3)
    np.copyto(a, tg.Tensor(np.arange(3.0), requires_grad=True))
    np.testing.assert_array_equal(a, [0.0, 1.0, 2.0])
    x = tg.Tensor(np.zeros(4))
    np.put(x, [1, 3], [7.0, 8.0])
    np.copyto(dst=x, src=np.ones(4), where=np.array([1, 0, 0, 0], bool))
    np.putmask(x, np.array([0, 0, 1, 0], bool), tg.Tensor(np.full(4, 9.0)))
    np.testing.assert_array_equal(x.data, [1.0, 7.0, 9.0, 8.0])
    with pytest.raises(TypeError, match=r"^np\.copyto: Cannot cast"):  # (NumPy's, named)
        np.copyto(tg.Tensor(np.zeros(2, np.int64)), np.ones(2))
