"""The lead's fixes of leftovers the reviews listed, against torch 2.13: each test failed before."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("x, y", [(1, 0), (True, False), (True, 0), (2**62, -1), (1, 0.5)])
def test_where_of_two_numbers_keeps_their_kind(x, y):
    # before: tg.where(c, 1, 0) was float64 (torch and NumPy: int64; two bools: bool)
    c = [True, False, True]
    got = tg.where(tg.tensor(c), x, y)
    want = torch.where(torch.tensor(c), x, y)
    assert got.dtype.kind == np.dtype(str(want.dtype).replace("torch.", "")).kind
    assert got.tolist() == want.tolist()
    assert np.where(c, x, y).dtype == got.dtype  # (NumPy's spelling agrees)
