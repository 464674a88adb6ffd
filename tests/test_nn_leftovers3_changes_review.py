"""Second review of the nn leftovers (round 3): nn.Hardtanh's bounds as torch takes them, bools
(torch's 0 and 1) and a NaN bound included, and F.hardtanh's bool bounds."""

import math

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F

torch = pytest.importorskip("torch")

_X = np.array([-3, 0, 4])


@pytest.mark.parametrize("lo, hi", [(False, True), (0, True), (np.bool_(False), np.bool_(True)),
                                    (-1.5, True)])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_hardtanh_module_takes_bool_bounds_as_torch(lo, hi, dtype):
    # before: TypeError "Hardtanh: min_val must be a number, got bool" (torch: 0 and 1)
    ours, theirs = tg.nn.Hardtanh(lo, hi), torch.nn.Hardtanh(lo, hi)
    assert repr(ours) == repr(theirs)
    y, ty = ours(tg.tensor(_X.astype(dtype))), theirs(torch.tensor(_X.astype(dtype)))
    assert y.dtype == tg.tensor(_X.astype(dtype)).dtype
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("lo, hi", [(False, True), (np.bool_(False), 1), (-2, np.bool_(True))])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_functional_hardtanh_takes_bool_bounds_as_torch(lo, hi, dtype):
    y = F.hardtanh(tg.tensor(_X.astype(dtype)), lo, hi)
    ty = torch.nn.functional.hardtanh(torch.tensor(_X.astype(dtype)), lo, hi)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("lo, hi", [(-1, math.nan), (math.nan, 1.0)])
def test_hardtanh_module_takes_a_nan_bound_as_torch(lo, hi):
    # torch's test is max_val <= min_val (False with a NaN); before: ValueError here
    ours, theirs = tg.nn.Hardtanh(lo, hi), torch.nn.Hardtanh(lo, hi)
    assert repr(ours) == repr(theirs)
    y = ours(tg.tensor(_X * 1.0)).numpy()
    np.testing.assert_array_equal(y, theirs(torch.tensor(_X * 1.0)).numpy())
    assert np.isnan(y).all()
    with pytest.raises(ValueError, match="must be less than max_val"):
        tg.nn.Hardtanh(True, False)  # (torch: AssertionError)
