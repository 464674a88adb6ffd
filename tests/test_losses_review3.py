"""Review 3 of the losses: an empty batch's cross_entropy / nll_loss with reduction "sum" or
"none" is torch's 0 and empty result (a mean over no samples stays a clear error)."""

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

CASES = [((0, 3), (0,)), ((2, 3, 0), (2, 0)), ((0, 3, 2), (0, 2))]
KWARGS = [{}, {"weight": np.ones(3)}, {"ignore_index": 1}, {"label_smoothing": 0.1}]


@pytest.mark.parametrize("fn,kw", [(f, kw) for f in ("cross_entropy", "nll_loss")
                                   for kw in KWARGS
                                   if f == "cross_entropy" or "label_smoothing" not in kw])
@pytest.mark.parametrize("reduction", ["sum", "none"])
@pytest.mark.parametrize("shapes", CASES)
def test_empty_batch_sum_and_none_are_torchs(fn: str, kw: dict, reduction: str,
                                             shapes: tuple) -> None:
    shape, tshape = shapes
    z, y = np.zeros(shape), np.zeros(tshape, dtype=np.int64)
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    zt = torch.tensor(z, requires_grad=True)
    want = getattr(TF, fn)(zt, torch.tensor(y), reduction=reduction, **tkw)
    zo = Tensor(z, requires_grad=True)
    got = getattr(F, fn)(zo, y, reduction=reduction, **kw)
    assert got.shape == tuple(want.shape) and got.dtype == np.float64
    np.testing.assert_array_equal(got.data, want.detach().numpy())
    got.sum().backward()
    assert zo.grad.shape == shape and not np.asarray(zo.grad).any()


def test_empty_batch_soft_targets_sum_is_zero() -> None:
    got = F.cross_entropy(Tensor(np.zeros((0, 3)), requires_grad=True), np.zeros((0, 3)),
                          reduction="sum")
    assert float(got.data) == 0.0


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_empty_batch_mean_names_the_given_shape(fn: str) -> None:
    with pytest.raises(ValueError, match=rf"{fn}: empty batch .*\(2, 3, 0\).*reduction='sum'"):
        getattr(F, fn)(np.zeros((2, 3, 0)), np.zeros((2, 0), dtype=np.int64))
