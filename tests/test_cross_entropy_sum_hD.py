"""cross_entropy's summed loss returned without its scale's multiply (a real sum's scale is
1, and x * 1 is x): the same value, dtype and type as `sum * scale` gave, for each float
dtype and both reductions, and complex logits still through the multiply."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.ops.loss import CrossEntropy


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("n", [1, 7])
def test_the_loss_is_the_sum_times_its_scale(dtype, reduction, n):
    rng = np.random.default_rng(2)
    z = rng.standard_normal((n, 5)).astype(dtype)
    y = rng.integers(0, 5, n)
    ctx = CrossEntropy()
    ctx.needs_input_grad = [True]
    got = ctx.forward(z, targets=y, reduction=reduction)
    losses = ctx.forward(z, targets=y, reduction="none")
    want = np.add.reduce(losses, axis=None) * (1.0 / n if reduction == "mean" else 1.0)
    assert type(got) is type(want) and got.dtype == want.dtype == dtype
    assert got.tobytes() == want.tobytes()
    J = F.cross_entropy(Tensor(z, requires_grad=True), y, reduction=reduction)
    assert J.data.dtype == dtype and J.data.tobytes() == want.tobytes()


def test_a_nan_logit_gives_a_nan_sum():
    z = np.array([[0.0, np.nan], [1.0, 2.0]])
    J = F.cross_entropy(Tensor(z, requires_grad=True), np.array([0, 1]), reduction="sum")
    assert np.isnan(J.data)
