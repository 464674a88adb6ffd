"""A review of the lstsq fields' review (tests/test_linalg_review2.py): a negative rcond is
LAPACK's machine precision (torch's), the rank shares the solution's SVD, and a jit step
calling lstsq says why it cannot replay."""

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl import linalg as LA
from tinygrad_dl.jit import JitError, jit

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(20261206)


@pytest.mark.parametrize("driver", ["gelsd", "gelss"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lstsq_negative_rcond_is_machine_precision_as_torch(driver, dtype):
    # LAPACK's gelsd/gelss read rcond < 0 as machine precision: a column scaled by 1e-20
    # gives rank 2 (ours kept every nonzero singular value: rank 3 and a 1e20 solution)
    a = RNG.standard_normal((2, 6, 3)).astype(dtype)
    a[..., 0] *= dtype(1e-20)
    b = RNG.standard_normal((2, 6, 2)).astype(dtype)
    ours = LA.lstsq(Tensor(a), Tensor(b), rcond=-1.0, driver=driver)
    ref = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), rcond=-1.0, driver=driver)
    np.testing.assert_array_equal(ours.rank.data, ref.rank.numpy())
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(ours.solution.data, ref.solution.numpy(), rtol=tol, atol=tol)
    assert ours.residuals.shape == tuple(ref.residuals.shape) == (0,)


@pytest.mark.parametrize("driver", [None, "gelsy", "gelsd", "gelss"])
def test_lstsq_takes_one_svd_for_its_rank_and_solution(driver, monkeypatch):
    # the rank's SVD is the solution's (a second one made the default driver ~35% slower)
    calls = []
    svd = np.linalg.svd

    def counted(*args, **kwargs):
        calls.append(1)
        return svd(*args, **kwargs)

    monkeypatch.setattr(np.linalg, "svd", counted)
    a, b = RNG.standard_normal((3, 7, 4)), RNG.standard_normal((3, 7, 2))
    ours = LA.lstsq(Tensor(a), Tensor(b), driver=driver)
    assert len(calls) == 1
    ref = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    np.testing.assert_allclose(ours.solution.data, ref.solution.numpy(), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_array_equal(ours.rank.data, ref.rank.numpy())


def test_lstsq_jit_strict_names_the_driver_that_replays():
    w = Tensor(RNG.standard_normal((6, 3)), requires_grad=True)

    def step(b, driver):
        loss = LA.lstsq(w, b, driver=driver).solution.sum()
        loss.backward()
        return loss.detach()

    with pytest.raises(JitError, match="linalg.lstsq .*driver='gels' computes none"):
        jit(step, strict=True)(Tensor(RNG.standard_normal((6, 2))), None)
    f = jit(step, strict=True)  # gels (no rank): recorded and replayed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            b = Tensor(RNG.standard_normal((6, 2)))
            np.testing.assert_allclose(f(b, "gels").data,
                                       (np.linalg.pinv(w.data) @ b.data).sum(), rtol=1e-10)
    assert f.replays >= 1
