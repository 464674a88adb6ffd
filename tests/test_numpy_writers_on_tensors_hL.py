"""NumPy's functions that write into an argument (np.put, np.putmask, np.place, np.copyto,
np.fill_diagonal, np.put_along_axis) on a tensor that requires grad wrote into its array
behind the graph: `h = t + 1; np.put(h, [0], 5.0); (h * h).sum().backward()` gave
t.grad[0] = 10 where torch's h[0] = 5 gives 0. Refused in one line under t[i] = v's in-place
rules (an op's result never, a leaf that requires grad only under no_grad); a tensor that
does not require grad (and a leaf under no_grad) is written as before. The
reading ones (np.take, np.median, ...) already refuse a plain float result; np.take's message
now names t.take / index_select."""
import numpy as np
import pytest

import tinygrad_dl as tg

WRITERS = {
    "put": lambda x: np.put(x, [0], 100.0),
    "putmask": lambda x: np.putmask(x, np.eye(2, 3, dtype=bool), 100.0),
    "place": lambda x: np.place(x, np.eye(2, 3, dtype=bool), [100.0]),
    "copyto": lambda x: np.copyto(x, 100.0),
    "copyto dst=": lambda x: np.copyto(dst=x, src=100.0),
    "fill_diagonal": lambda x: np.fill_diagonal(x, 100.0),
    "put_along_axis": lambda x: np.put_along_axis(x, np.zeros((2, 1), int), 100.0, 1),
}


@pytest.mark.parametrize("name", WRITERS)
def test_a_numpy_write_into_an_op_result_that_requires_grad_is_refused(name):
    t = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    h = t + 1
    with pytest.raises(RuntimeError, match=rf"^np\.{name.split()[0]}: in-place on the result of "
                       "Add, which its graph may have saved") as e:
        WRITERS[name](h)
    assert "\n" not in str(e.value)
    np.testing.assert_array_equal(h.data, np.arange(6.0).reshape(2, 3) + 1)


@pytest.mark.parametrize("name", WRITERS)
def test_a_numpy_write_into_a_parameter_is_refused_with_grad_on(name):
    w = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"^np\.{name.split()[0]}: a leaf Variable that "
                       "requires grad is being used in an in-place operation"):
        WRITERS[name](w)
    np.testing.assert_array_equal(w.data, np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("name", WRITERS)
def test_a_numpy_write_without_grad_is_made_as_before(name):
    want = np.arange(6.0).reshape(2, 3)
    WRITERS[name](want)
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    WRITERS[name](x)
    np.testing.assert_array_equal(x.data, want)
    w = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with tg.no_grad():
        WRITERS[name](w)
    np.testing.assert_array_equal(w.data, want)


def test_reading_into_an_array_from_a_tensor_is_fine():
    dst = np.zeros((2, 3))
    np.copyto(dst, tg.Tensor(np.ones((2, 3)), requires_grad=True))
    np.testing.assert_array_equal(dst, np.ones((2, 3)))


def test_np_take_refusal_names_the_tensor_ops():
    t = tg.Tensor(np.arange(6.0), requires_grad=True)
    with pytest.raises(TypeError, match=r"^np\.take of a tensor that requires grad .* write "
                       r"t\.take\(idx\) .* or t\.index_select\(axis, idx\)"):
        np.take(t, [0, 2])
    np.testing.assert_array_equal(np.take(tg.Tensor(np.arange(6.0)), [0, 2]), [0.0, 2.0])
    np.testing.assert_array_equal(t.take(np.array([0, 2])).data, [0.0, 2.0])
