"""A second review of torch.linalg.lstsq (tinygrad_dl.linalg) against torch 2.13: its fields
besides the solution, and driver='gels' (which ignores rcond)."""

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl import linalg as LA

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(20261205)


@pytest.mark.parametrize("driver", ["gelsd", "gelss"])
@pytest.mark.parametrize("vector", [False, True])
def test_lstsq_fills_rank_singular_values_and_residuals_as_torch(driver, vector):
    a = RNG.standard_normal((2, 5, 3))
    b = RNG.standard_normal((2, 5) if vector else (2, 5, 2))
    ours = LA.lstsq(Tensor(a, requires_grad=True), Tensor(b), driver=driver)
    ta = torch.tensor(a, requires_grad=True)
    ref = torch.linalg.lstsq(ta, torch.tensor(b), driver=driver)
    for field in ("solution", "residuals", "rank", "singular_values"):
        o, r = np.asarray(getattr(ours, field).data), getattr(ref, field).detach().numpy()
        assert o.shape == r.shape and o.dtype == r.dtype, field
        np.testing.assert_allclose(o, r, rtol=1e-10, atol=1e-12, err_msg=field)
    # the residuals' gradient is torch's
    a_ = Tensor(a, requires_grad=True)
    LA.lstsq(a_, Tensor(b), driver=driver).residuals.sum().backward()
    (g,) = torch.autograd.grad(ref.residuals.sum(), ta)
    np.testing.assert_allclose(np.asarray(a_.grad), g.numpy(), rtol=1e-10, atol=1e-12)


def test_lstsq_rank_of_the_default_driver_and_no_residuals():
    a, b = RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 5, 2))
    ours = LA.lstsq(Tensor(a), Tensor(b))
    ref = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b))
    assert ours.rank.dtype == np.int64
    np.testing.assert_array_equal(ours.rank.data, ref.rank.numpy())
    assert ours.residuals.shape == tuple(ref.residuals.shape) == (0,)


def test_lstsq_rank_deficient_has_no_residuals_as_torch():
    a = RNG.standard_normal((5, 3))
    a[:, 0] = a[:, 1]
    ours = LA.lstsq(Tensor(a), Tensor(np.ones((5, 1))), driver="gelsd")
    assert ours.residuals.shape == (0,) and int(ours.rank.item()) == 2


def test_lstsq_gels_ignores_rcond_as_torch():
    # gels assumes full rank: torch's ignores rcond; ours truncated the small singular value
    a, b = np.diag([1.0, 0.1, 3.0]), np.ones((3, 1))
    ours = LA.lstsq(Tensor(a), Tensor(b), rcond=0.5, driver="gels")
    ref = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), rcond=0.5, driver="gels")
    np.testing.assert_allclose(ours.solution.data, ref.solution.numpy(), rtol=1e-12)
    assert ours.rank.shape == tuple(ref.rank.shape) == (0,)
