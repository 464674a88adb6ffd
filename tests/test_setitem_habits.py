"""Item assignment and the in-place operators as NumPy and PyTorch users write them: operands
that hide a gradient in a list, Python numbers into small integer dtypes, bad indices, and the
messages for writes that are refused."""
import numpy as np
import pytest

import tinygrad_dl as tg


# ---- a tensor that requires grad inside a list operand is refused in grad mode -------------
def _v():
    return tg.Tensor(np.array(2.0), requires_grad=True)


@pytest.mark.parametrize("write", [
    lambda x, v: x.__setitem__(slice(0, 2), [v, v * 3]),
    lambda x, v: x.copy_([v, v, v, v]),
    lambda x, v: x.__iadd__([v, v, v, v]),
    lambda x, v: x.__setitem__(slice(0, 2), (v, 1.0)),  # a tuple
    lambda x, v: x.__setitem__((slice(None),), [[1.0, v, 2.0, 3.0]]),  # nested
], ids=["setitem", "copy_", "iadd", "tuple", "nested"])
def test_list_operand_holding_a_grad_tensor_is_refused(write):
    x, v = tg.Tensor(np.zeros(4)), _v()
    with pytest.raises(RuntimeError, match=r"the operand is a list holding a tensor that "
                                           r"requires grad.*tg\.stack"):
        write(x, v)
    assert np.array_equal(x.data, np.zeros(4))  # nothing written


def test_list_of_numbers_or_constant_tensors_still_writes():
    x = tg.Tensor(np.zeros(4))
    x[0:2] = [1.0, tg.Tensor(np.array(2.0))]
    x += [1, 1, 1, 1]
    assert x.data.tolist() == [2.0, 3.0, 1.0, 1.0]
    v = _v()
    with tg.no_grad():  # no gradient is being recorded: the values are what is meant
        x.copy_([v, v, v, v])
    assert x.data.tolist() == [2.0] * 4


# ---- a Python int into uint8 / bool: cast by value, as NumPy and torch ---------------------
def test_python_int_into_uint8_and_bool():
    img = tg.tensor(np.array([1, 2, 3], np.uint8))
    img[0] = 0
    img[img > 1] = 255
    assert img.dtype == np.uint8 and img.data.tolist() == [0, 255, 255]
    mask = tg.tensor(np.array([True, False]))
    mask[1] = 1
    assert mask.dtype == np.bool_ and mask.data.tolist() == [True, True]


@pytest.mark.parametrize("v", [300, -1])
def test_python_int_out_of_range_raises_numpys_overflow(v):
    img = tg.tensor(np.array([1, 2, 3], np.uint8))
    with pytest.raises(OverflowError, match=rf"Tensor.__setitem__ \(t\[i\] = v\): Python "
                                            rf"integer {v} out of bounds for uint8"):
        img[0] = v
    assert img.data.tolist() == [1, 2, 3]


def test_floats_into_int_tensors_stay_refused():
    x = tg.tensor([1, 2, 3])
    for v in (2.5, np.array([2.0]), tg.Tensor(np.array(2.0))):
        with pytest.raises(TypeError, match="cannot cast float64 to int64"):
            x[0] = v
    assert x.data.tolist() == [1, 2, 3]


# ---- bad indices of setitem: one line naming the op, the shape and the index ---------------
def test_setitem_out_of_bounds_names_op_shape_and_index():
    x = tg.Tensor(np.zeros((3, 2)))
    with pytest.raises(IndexError, match=r"^Tensor.__setitem__ \(t\[i\] = v\): index 5 is out "
                                         r"of bounds for axis 0 with size 3 \(writing into a "
                                         r"tensor of shape \(3, 2\) at an array of shape \(2,\)"):
        x[[0, 5]] = 1.0
    with pytest.raises(IndexError, match=r"shape mismatch.*tensor of shape \(3, 2\)"):
        x[[0, 1], [0, 1, 1]] = 1.0


def test_setitem_with_an_empty_list_writes_nothing():
    x = tg.Tensor(np.zeros((4, 3)))
    x[[]] = 1.0
    assert not x.data.any()


# ---- the messages of refused writes --------------------------------------------------------
def test_slice_of_a_leaf_plus_equals_gives_the_leaf_message():
    w = tg.Tensor(np.zeros(4), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\+=\): a view of a leaf Variable that requires "
                                           r"grad .*no_grad"):
        w[0:2] += 1
    with tg.no_grad():
        w[0:2] += 1
    assert w.data.tolist() == [1.0, 1.0, 0.0, 0.0]


def test_diagonal_advice_is_one_that_works_on_an_op_result():
    X = tg.Tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    cov = X.T @ X
    with pytest.raises(RuntimeError, match=r"result of Diagonal.*x = x \+ eps \* tg\.eye\(n\)"):
        cov.diagonal().add_(1e-3)
    with pytest.raises(ValueError, match=r"read-only.*`x = x \+ eps \* tg\.eye\(n\)`"):
        tg.Tensor(cov.data).diagonal().add_(1e-3)
    cov = cov + 1e-3 * tg.eye(3)  # the advice: it keeps the graph
    cov.sum().backward()
    assert X.grad.shape == (5, 3)
