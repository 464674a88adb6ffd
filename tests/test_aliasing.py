"""Copies of tensors (copy.copy, copy.deepcopy, pickle) share what torch's share, and no more."""

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_dl as tg


def test_copy_copy_shares_the_array_but_not_the_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 1).sum().backward()
    c = copy.copy(x)
    assert c.data is x.data and c.grad is None  # torch's copy.copy: same storage, no .grad
    (c * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])  # was [4, 4]: c's backward added into it
    np.testing.assert_array_equal(c.grad, [3.0, 3.0])


def test_deepcopy_of_an_op_result_raises_one_line():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"deepcopy of an op's result \(a Mul of shape \(2,\)"):
        copy.deepcopy(y)  # its copied graph sent gradients to a copy of x: x.grad stayed None


def test_deepcopy_of_a_model_with_an_op_result_attribute_raises():
    lin = tg.nn.Linear(2, 1)
    lin.out = lin(tg.randn(3, 2))  # an activation kept as a plain attribute
    with pytest.raises(RuntimeError, match="only leaf tensors can be deep-copied"):
        copy.deepcopy(lin)


def test_pickled_op_result_comes_back_a_leaf_without_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    p = pickle.loads(pickle.dumps(y))
    assert p.is_leaf and p.requires_grad and p.grad_fn is None  # torch's: a leaf
    np.testing.assert_array_equal(p.data, [2.0, 4.0])
    (p * p).sum().backward()
    np.testing.assert_array_equal(p.grad, [4.0, 8.0])
    assert x.grad is None


@settings(deadline=None, max_examples=20)
@given(shape=st.lists(st.integers(0, 3), max_size=3), with_grad=st.booleans())
def test_deepcopy_and_pickle_of_a_leaf_are_independent(shape, with_grad):
    x = tg.Tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape),
                  requires_grad=True, name="w")
    if with_grad:
        x.grad = np.ones(shape)
    y = (x * x).sum()  # a live graph: x's array is locked (read-only) until backward
    for c in (copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        assert c.is_leaf and c.requires_grad and c.name == "w"
        assert not np.shares_memory(c.data, x.data) and c.data.flags.writeable
        np.testing.assert_array_equal(c.data, x.data)
        if with_grad:
            assert not np.shares_memory(c.grad, x.grad)
            np.testing.assert_array_equal(c.grad, x.grad)
        else:
            assert c.grad is None
    y.backward()


def test_item_of_several_elements_names_the_shape():
    """Before: NumPy's "can only convert an array of size 1 to a Python scalar" (no shape).
    Still a ValueError, the type NumPy raised, so a caller's `except ValueError` holds."""
    with pytest.raises(ValueError, match=r"\.item\(\) of a tensor of shape \(2, 3\)"):
        tg.tensor(np.ones((2, 3))).item()
    assert tg.tensor([[2.5]]).item() == 2.5
