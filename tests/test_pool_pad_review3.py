"""Third review of pooling and padding against torch 2.13 (float64: values rtol 1e-12,
gradients 1e-10). Each test failed before its fix:
- lp_pool1d/2d/3d with norm_type 1 sent NaN gradients where a window's sum was NaN (a NaN
  input, or +inf and -inf in one window) and torch sends 0: the composition's sign(out) was
  NumPy's (NaN at NaN), torch's is 0 (now Tensor.sgn);
- adaptive_avg_pool1d/2d/3d took a mean of per-axis bin means where a bin split unevenly:
  rounded each time, -2.8e-17 where torch's sum / kd / kh / kw is exactly 0."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_lp_pool_nan_window_sends_no_gradient_as_torch(dims):
    rng = np.random.default_rng(dims)
    for trial in range(6):
        x = rng.standard_normal((2, 2) + (4,) * dims)
        x.flat[rng.integers(x.size, size=3)] = [np.nan, np.inf, -np.inf][trial % 3]
        if trial >= 3:  # +inf and -inf in one window: a NaN sum
            x[(0, 0) + (0,) * dims], x[(0, 0) + (1,) * dims] = np.inf, -np.inf
        f, tf = getattr(F, f"lp_pool{dims}d"), getattr(TF, f"lp_pool{dims}d")
        ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = f(ox, 1.0, 2), tf(tx, 1.0, 2)
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, equal_nan=True)
        g = rng.standard_normal(tuple(ref.shape))
        out.backward(g)
        ref.backward(torch.tensor(g))
        np.testing.assert_allclose(ox.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
        assert not np.isnan(ox.grad).any()


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_adaptive_avg_pool_divides_the_bin_sum_as_torch(dims):
    rng = np.random.default_rng(10 + dims)
    f, tf = getattr(F, f"adaptive_avg_pool{dims}d"), getattr(TF, f"adaptive_avg_pool{dims}d")
    for _ in range(30):
        spatial = tuple(int(n) for n in rng.integers(1, 8, dims))
        size = tuple(int(n) for n in rng.integers(1, 9, dims))
        a = rng.integers(-2, 3, (2, 2) + spatial).astype(np.float64)  # exact sums, zeros
        x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        out = f(x, size if dims > 1 else size[0])
        ref = tf(tx, size if dims > 1 else size[0])
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        g = rng.standard_normal(tuple(ref.shape))
        out.backward(g)
        ref.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    x32 = rng.standard_normal((2, 3) + (5,) * dims).astype(np.float32)
    out = f(Tensor(x32), 3)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, tf(torch.tensor(x32), 3).numpy(), rtol=1e-6,
                               atol=1e-6)
