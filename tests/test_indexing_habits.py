"""Index arrays as NumPy and PyTorch users pass them: an empty list, gather's torch checks,
take_along_dim's NumPy broadcasting, and one-line errors that name the op and both shapes."""
import numpy as np
import pytest

import tinygrad_dl as tg

A = np.arange(12.0).reshape(4, 3)


def test_empty_list_is_an_empty_integer_index():
    x = tg.Tensor(A, requires_grad=True)
    y = x[[]]
    assert y.shape == A[np.array([], dtype=np.intp)].shape == (0, 3)
    y.sum().backward()
    assert np.array_equal(x.grad, np.zeros_like(A))
    with pytest.raises(IndexError, match="nested list"):  # NumPy's (1, 0, 3), torch's (0, 3)
        tg.Tensor(A)[[[]]]


def test_list_of_lists_is_refused_numpy_and_torch_read_it_apart():
    """(NumPy: one index array; torch 2.13: a tuple: tests/test_index_nested_list_hR.py)"""
    x = tg.Tensor(A)
    with pytest.raises(IndexError, match="nested list"):
        x[[[0, 1], [1, 1]]]
    with pytest.raises(IndexError, match="nested list"):
        x[[tg.tensor([0, 1]), tg.tensor([2, 2])]]
    assert np.array_equal(x[np.array([[0, 1], [1, 1]])].data, A[np.array([[0, 1], [1, 1]])])
    assert x[(tg.tensor([0, 1]), tg.tensor([2, 2]))].data.tolist() == [2.0, 5.0]  # torch's


# ---- gather: torch's checks, one line each -------------------------------------------------
@pytest.mark.parametrize("shape, index, dim, err, words", [
    ((1, 4), [[0, 1], [2, 3], [1, 1]], 1, IndexError,
     r"gather: index is larger than the input at dim 0 \(input of shape \(1, 4\), index of "
     r"shape \(3, 2\), dim 1\)"),
    ((2, 4), [[-1], [0]], 1, IndexError,
     r"gather: index -1 is out of bounds for dim 1 with size 4 \(input of shape \(2, 4\), "
     r"index of shape \(2, 1\), dim 1\)"),
    ((2, 4), [[4], [0]], 1, IndexError, r"gather: index 4 is out of bounds for dim 1"),
    ((2, 4), [0, 1], 1, ValueError, r"gather: index must have as many dims as the input"),
    ((2, 4), [[1.0], [0.0]], 1, IndexError, r"gather: index must hold integers, got float64"),
], ids=["larger-broadcast", "negative", "too-large", "fewer-dims", "float"])
def test_gather_checks_as_torch(shape, index, dim, err, words):
    x = tg.Tensor(np.zeros(shape), requires_grad=True)
    with pytest.raises(err, match="^" + words):
        x.gather(dim, np.array(index))


def test_gather_smaller_index_reads_the_corner():
    x = tg.Tensor(A, requires_grad=True)
    y = x.gather(1, np.array([[2, 0], [1, 1]]))  # rows 0..1 only, as torch.gather
    assert y.data.tolist() == [[2.0, 0.0], [4.0, 4.0]]
    assert x.gather(1, np.zeros((4, 0), np.int64)).shape == (4, 0)


# ---- take_along_axis / take_along_dim: NumPy's broadcasting and wrapping -------------------
def test_take_along_dim_broadcasts_and_wraps_negatives():
    x = tg.Tensor(np.arange(4.0).reshape(1, 4))
    idx = np.array([[0, 1], [2, 3], [1, -1]])
    assert np.array_equal(x.take_along_dim(idx, axis=1).data,
                          np.take_along_axis(x.data, idx, 1))
    assert tg.take_along_axis(x, np.array([[-1]]), 1).data.tolist() == [[3.0]]


@pytest.mark.parametrize("index, err, words", [
    ([[4], [0]], IndexError, r"index 4 is out of bounds for axis 1 with size 4"),
    ([[0], [1], [2]], IndexError, r"shape mismatch"),
    ([0, 1], ValueError, r"must have the same number of dimensions"),
], ids=["out-of-bounds", "shape-mismatch", "fewer-dims"])
def test_take_along_dim_errors_name_op_and_shapes(index, err, words):
    x = tg.Tensor(np.zeros((2, 4)), requires_grad=True)
    with pytest.raises(err, match=r"^take_along_axis \(take_along_dim\): .*" + words + r".*"
                                  r"\(input of shape \(2, 4\), indices of shape \(\d+(, \d+)?,?"
                                  r"\), axis 1\)$"):
        x.take_along_dim(np.array(index), axis=1)
