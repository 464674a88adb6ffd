"""x.norm(): PyTorch's 2-norm (before: AttributeError), one op whose gradient is 0 where the
norm is 0, as PyTorch's, so a zero-initialised bias in a norm penalty trains instead of NaN."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor


def test_a_zero_vectors_norm_penalty_gives_zero_gradients_not_nan():
    b = Tensor(np.zeros(4), requires_grad=True)  # a bias as initialised
    W = Tensor(np.array([[3.0, 4.0]]), requires_grad=True)
    (0.1 * b.norm() ** 2 + W.norm()).backward()
    np.testing.assert_array_equal(b.grad, np.zeros(4))  # a sqrt composition gives NaN here
    np.testing.assert_allclose(W.grad, [[0.6, 0.8]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_norm_is_numpys_linalg_norm_over_any_axes(dtype):
    a = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(dtype)
    t = Tensor(a)
    for axis in (None, 0, 1, -1, (0, 2), (1, 2)):
        want = np.linalg.norm(a.reshape(-1) if axis is None else a, axis=axis)
        got = t.norm(dim=axis)
        assert got.data.dtype == dtype
        np.testing.assert_allclose(got.data, want, rtol=1e-6 if dtype == np.float32 else 1e-14)
    assert t.norm(dim=1, keepdim=True).shape == (2, 1, 4) == t.norm(axis=1, keepdims=True).shape


def test_pytorchs_positional_order_p_dim_keepdim_and_the_function_spelling():
    x = Tensor(np.array([[3.0, 0.0], [4.0, 1.0]]))
    np.testing.assert_array_equal(x.norm(2, 1).data, x.norm(dim=1).data)
    assert x.norm("fro", (0, 1), True).shape == (1, 1)
    np.testing.assert_array_equal(tg.norm(x, 2, 0).data, [5.0, 1.0])
    assert x.norm(None).item() == np.sqrt(26.0)


@pytest.mark.parametrize("p", ["nuc", True, float("nan")])
def test_norms_that_are_not_a_vector_p_norm_are_refused_in_one_line(p):
    with pytest.raises(ValueError, match=r"norm\(p=.*must be a number .*'fro' or None"):
        Tensor(np.ones(3)).norm(p)


@pytest.mark.parametrize("p, want", [(1, 7.0), (float("inf"), 4.0), (3, 91.0 ** (1 / 3)),
                                     (0, 2.0)])
def test_other_numbers_give_the_vector_p_norm(p, want):
    """Was refused (only the 2-norm); PyTorch's x.norm(p) is the vector p-norm."""
    x = Tensor(np.array([3.0, -4.0, 0.0]), requires_grad=True)
    out = x.norm(p)
    assert np.isclose(out.item(), want, rtol=1e-15)
    out.backward()
    assert x.grad.shape == (3,) and x.grad[2] == 0.0


def test_integers_are_read_as_float64_as_numpy_does():
    out = Tensor(np.array([3, 4])).norm()
    assert out.data.dtype == np.float64 and out.item() == 5.0
    big = Tensor(np.array([3_000_000_000, 4_000_000_000], dtype=np.int64)).norm()
    assert big.item() == 5e9  # int64 squares would wrap


def test_matches_torchs_values_and_gradients_where_installed():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 0.0, 0.0], [1.5, -2.0, 0.5]])
    x = Tensor(a, requires_grad=True)
    (x.norm(dim=1) * Tensor([2.0, 3.0])).sum().backward()
    xt = torch.tensor(a, requires_grad=True)
    (xt.norm(dim=1) * torch.tensor([2.0, 3.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-14, atol=0)
