"""A second skeptic's review of BatchNorm1d's (N, C, L) input (the first review's
_forward_ncl): a subclass's forward runs once, as torch's, and evaluation without running
statistics refuses one value per channel naming the input's shape. Each test failed before."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn

torch = pytest.importorskip("torch")


class _Scaled(nn.BatchNorm1d):
    def forward(self, x):
        return super().forward(x) * 2.0 + 1.0


class _TorchScaled(torch.nn.BatchNorm1d):
    def forward(self, x):
        return super().forward(x) * 2.0 + 1.0


def test_batchnorm1d_subclass_forward_runs_once_on_ncl():
    shape, c = (4, 3, 5), 3
    x = np.random.default_rng(5).normal(size=shape) * 2 + 1
    m, t = _Scaled(c, eps=1e-5), _TorchScaled(c).double()
    gx, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gy, ty = m(gx), t(tx)
    np.testing.assert_allclose(gy.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    (gy * gy).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(gx.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(m.gamma.grad.data, t.weight.grad.numpy(), rtol=1e-10, atol=1e-10)
    m.eval()
    t.eval()
    m.running_mean[...], m.running_var[...] = t.running_mean.numpy(), t.running_var.numpy()
    np.testing.assert_allclose(m(Tensor(x)).data, t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)


def test_batchnorm1d_ncl_eval_without_running_stats_refuses_one_value_as_torch():
    x = np.ones((1, 3, 1))
    t = torch.nn.BatchNorm1d(3, track_running_stats=False).double().eval()
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        t(torch.tensor(x))
    m = nn.BatchNorm1d(3, track_running_stats=False)
    m.eval()
    with pytest.raises(ValueError, match=r"more than 1 value per channel .*\(1, 3, 1\)$"):
        m(Tensor(x))
    assert m(Tensor(np.ones((1, 3, 2)))).shape == (1, 3, 2)  # (two values: fine, as torch's)
    assert t(torch.ones(1, 3, 2, dtype=torch.float64)).shape == (1, 3, 2)
