"""A skeptic's review of the more Tensor methods (tensor/splits.py, writes.py,
inplace_forms.py, ..., ops/more.py) against torch 2.13: each test failed before its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")


def test_ldexp_integer_exponent_is_exact_where_two_to_the_e_over_or_underflows():
    # x * 2.0 ** e gave NaN for 0 * 2 ** 2000 and inf * 2 ** -1100, 0 for 1e308 * 2 ** -2000
    # and inf for a subnormal * 2 ** 1100; torch's (np.ldexp's) values are exact
    x = np.array([0.0, np.inf, 1e308, 5e-324, 1.0, -3.0, -0.0, np.nan])
    e = np.array([2000, -1100, -2000, 1100, -1080, 4, 3, 2])
    t = Tensor(x, requires_grad=True)
    out = t.ldexp(Tensor(e))
    ref = torch.ldexp(torch.tensor(x), torch.tensor(e)).numpy()
    np.testing.assert_array_equal(out.data, ref)
    out.sum().backward()  # the gradient to x: 2 ** e, exact (no warning for its overflow)
    np.testing.assert_array_equal(t.grad, [np.inf, 0.0, 0.0, np.inf, 0.0, 16.0, 8.0, 4.0])
    # a Python int exponent is an integer one; float32 stays float32; broadcasting
    np.testing.assert_array_equal(Tensor(np.array([0.0, 1.0])).ldexp(2000).data, [0.0, np.inf])
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    y = w.ldexp(Tensor(np.array([[1], [-2]])))
    assert y.dtype == np.float32 and y.shape == (2, 3)
    y.sum().backward()
    np.testing.assert_array_equal(w.grad, np.full(3, 2.25, np.float32))
    z = Tensor(np.array([0.0, 1.0]))
    assert z.ldexp_(Tensor(np.array([2000, 3]))) is z
    np.testing.assert_array_equal(z.data, [0.0, 8.0])


def test_random_from_to_forms_as_torch():
    # random_(0) is [0, 0): torch refuses it (it filled the whole int64 range); random_(3,
    # None) is [3, top] (it was [0, 3))
    x = Tensor(np.zeros(4000, np.int64))
    with pytest.raises(ValueError, match="Tensor.random_: expects from < to, got from=0, to=0"):
        x.random_(0)
    assert not x.data.any()
    x.random_(3, None)
    assert x.data.min() >= 3 and x.data.max() > 2 ** 40
    x.random_(5)
    assert set(np.unique(x.data)) <= set(range(5))
    x.random_(to=3)
    assert set(np.unique(x.data)) <= {0, 1, 2}
    x.random_(2, to=4)
    assert set(np.unique(x.data)) <= {2, 3}
    x.random_(**{"from": -2, "to": 0})
    assert set(np.unique(x.data)) <= {-2, -1}
    with pytest.raises(TypeError, match="Tensor.random_: expects random_"):
        x.random_(**{"from": 3})
    with pytest.raises(TypeError, match="Tensor.random_: random_.to. needs an int"):
        x.random_(None)


def test_index_fill_keeps_the_input_dtype():
    # torch casts the value to x's dtype: a float64 0-d value made a float32 x's result
    # float64, and an int x filled with 2.5 became float64
    x = Tensor(np.zeros((2, 3), np.float32))
    v = Tensor(np.array(2.0), requires_grad=True)
    out = x.index_fill(1, np.array([0, 2]), v)
    assert out.dtype == np.float32
    out.sum().backward()
    assert float(v.grad) == 4.0
    n = Tensor(np.zeros(3, np.int64)).index_fill(0, np.array([1]), 2.5)
    ref = torch.zeros(3, dtype=torch.int64).index_fill(0, torch.tensor([1]), 2.5)
    assert n.dtype == np.int64
    np.testing.assert_array_equal(n.data, ref.numpy())


def test_cov_refuses_weights_that_sum_to_zero():
    # torch: "weights sum to zero, can't be normalized"; here a silent NaN matrix
    x = Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="cov: the weights sum to zero"):
        x.cov(fweights=np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="cov: the weights sum to zero"):
        x.cov(aweights=np.zeros(3))
    ref = torch.arange(6.0, dtype=torch.float64).reshape(2, 3).cov(fweights=torch.tensor([1, 0, 2]))
    np.testing.assert_allclose(x.cov(fweights=np.array([1, 0, 2])).data, ref.numpy())


def test_sgn_of_a_bool_tensor():
    # torch's sgn of a bool tensor is itself; NumPy's sign has no bool loop
    b = Tensor(np.array([True, False]))
    np.testing.assert_array_equal(b.sgn().data, [True, False])
    assert b.sgn_() is b


def test_scatter_reduce_amax_with_nan_warns_nothing():
    x = Tensor(np.array([np.nan, 1.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = x.scatter_reduce(0, np.array([0, 0]), Tensor(np.array([1.0, 2.0])), "amax")
    np.testing.assert_array_equal(out.data, [np.nan, 1.0])


def test_split_with_sizes_of_no_sizes_gives_no_pieces():
    # torch: an empty dim split into [] is (); the cuts gave one empty piece
    assert Tensor(np.zeros((0, 2))).split_with_sizes([]) == ()
    assert torch.zeros(0, 2).split_with_sizes([]) == ()
    with pytest.raises(ValueError, match="split_with_sizes: sizes \\[\\] do not add up"):
        Tensor(np.zeros((3, 2))).split_with_sizes([])


def test_index_put_refuses_a_uint8_index_torch_reads_as_a_mask():
    # torch reads a uint8 index as a mask: [1, 0, 1] writes positions 0 and 2; NumPy's
    # positions 1, 0, 1 wrote elsewhere without a word
    x = Tensor(np.zeros(3))
    with pytest.raises(IndexError, match="index_put: a uint8 index is a mask in torch"):
        x.index_put((np.array([2, 0], np.uint8),), Tensor(np.array([5.0, 6.0])))
    m = x.index_put((np.array([True, False, True]),), Tensor(np.array([5.0, 6.0])))
    np.testing.assert_array_equal(m.data, [5.0, 0.0, 6.0])
    # put's flat index is positions whatever its integer dtype
    p = x.put(np.array([2, 0], np.uint8), Tensor(np.array([5.0, 6.0])))
    np.testing.assert_array_equal(p.data, [6.0, 0.0, 5.0])
