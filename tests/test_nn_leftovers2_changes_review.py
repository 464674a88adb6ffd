"""Second look at the nn leftovers fixes: BatchNorm's eps check followed `self.training` only,
where torch's F.batch_norm checks the batch-statistics path (training, or evaluation without
running statistics: track_running_stats=False), so eval() with eps=0 and no running averages
still divided by sqrt(var + 0) without a word (a constant channel: NaN)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn

torch = pytest.importorskip("torch")

_SHAPES = {"BatchNorm1d": (4, 3), "BatchNorm2d": (4, 3, 2, 2), "BatchNorm3d": (4, 3, 2, 1, 2),
           "SyncBatchNorm": (4, 3, 2)}


@pytest.mark.parametrize("kind", sorted(_SHAPES))
def test_batchnorm_eps_zero_in_eval_without_running_stats_raises_as_torch(kind):
    x = np.random.default_rng(0).standard_normal(_SHAPES[kind])
    x[:, 0] = 1.0  # a constant channel: var 0, 0 / sqrt(0 + 0) = NaN before
    tm = getattr(torch.nn, kind)(3, eps=0.0, track_running_stats=False).double().eval()
    with pytest.raises(ValueError, match="eps must be positive during training"):
        tm(torch.tensor(x))
    m = getattr(nn, kind)(3, eps=0.0, track_running_stats=False)
    m.eval()
    with pytest.raises(ValueError, match=f"{kind}: eps must be positive during training"):
        m(Tensor(x))
    # with running statistics, eps=0 in evaluation runs in both, the same numbers
    tm = getattr(torch.nn, kind)(3, eps=0.0).double().eval()
    m = getattr(nn, kind)(3, eps=0.0)
    m.eval()  # (running mean 0, variance 1 in both before any training step)
    np.testing.assert_allclose(m(Tensor(x)).data, tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12)


def test_lazy_batchnorm_eps_zero_in_eval_without_running_stats_raises():
    m = nn.LazyBatchNorm1d(eps=0.0, track_running_stats=False)
    m.eval()
    with pytest.raises(ValueError, match="eps must be positive during training"):
        m(Tensor(np.ones((4, 3))))
