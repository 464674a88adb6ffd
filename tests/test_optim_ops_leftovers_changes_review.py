"""Second review of the optimizer/ops leftovers: hardtanh's integer bounds as torch's, truncated
(toLong) before the unsigned check, and an integer bound kept as an integer (int64's limits)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("bounds", [(-0.5, 3.0), (-0.7, -0.2), (-0.99, 0.0)])
def test_hardtanh_of_uint8_truncates_a_bound_before_the_unsigned_check(bounds):
    # before: "cannot do hardtanh on an unsigned type with negative limits" for -0.5, which
    # torch truncates to 0 first (toLong) and takes
    x = np.array([0, 1, 2, 3, 5, 200, 255], dtype=np.uint8)
    want = torch.nn.functional.hardtanh(torch.tensor(x), *bounds)
    got = F.hardtanh(tg.Tensor(x), *bounds)
    assert got.dtype == np.uint8 and got.data.tolist() == want.tolist()
    with pytest.raises(RuntimeError):  # -1.5 truncates to -1: refused by both
        torch.nn.functional.hardtanh(torch.tensor(x), -1.5, 3.0)
    with pytest.raises(RuntimeError, match=r"^hardtanh: cannot do hardtanh on an unsigned type"):
        F.hardtanh(tg.Tensor(x), -1.5, 3.0)


@pytest.mark.parametrize("dtype, lo, hi", [
    (np.int64, -2**63, 2**63 - 1), (np.int64, -5, 2**62 + 1), (np.int32, -2**31, 2**31 - 1),
    (np.int8, -128, 127), (np.uint8, 0, 255),
])
def test_hardtanh_takes_integer_bounds_at_the_dtype_limits_as_torch(dtype, lo, hi):
    # before: the bounds went through float(): 2**63 - 1 became 2**63, past int64, refused
    # ("cannot be converted to int64 without overflow"), and 2**62 + 1 became 2**62
    info = np.iinfo(dtype)
    x = np.array([info.min, -3, 0, 7, info.max], dtype=np.int64).clip(info.min, info.max)
    x = x.astype(dtype)
    want = torch.nn.functional.hardtanh(torch.tensor(x), lo, hi)
    got = F.hardtanh(tg.Tensor(x), lo, hi)
    assert got.dtype == dtype and got.data.tolist() == want.tolist()
    if hi == info.max:  # one past the limit: refused by both
        with pytest.raises(RuntimeError):
            torch.nn.functional.hardtanh(torch.tensor(x), lo, hi + 1)
        with pytest.raises(RuntimeError, match=r"^hardtanh: limits .* cannot be converted"):
            F.hardtanh(tg.Tensor(x), lo, hi + 1)
    # a float tensor with the same integer bounds: float in, float out, as before
    f = F.hardtanh(tg.Tensor(np.array([-1e30, 0.5, 1e30], dtype=np.float32)), -2, 3)
    assert f.dtype == np.float32 and f.data.tolist() == [-2.0, 0.5, 3.0]
