"""Data iteration and random draws, cases that were wrong without a word (found 2026-12-03):
DataLoader's fast path read a TensorDataset subclass's tensors directly (its __getitem__, an
augmentation, was dropped), one_hot broadcast a column of labels (n, 1) into a wrong (n, K),
and rand in float16/float32 could return exactly 1.0 (a float64 draw just under 1 rounded up)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl.utils.data import DataLoader, TensorDataset


class Scaled(TensorDataset):
    def __getitem__(self, i):
        x, y = super().__getitem__(i)
        return x * 100, y


def test_a_tensor_dataset_subclass_goes_through_its_own_getitem():
    ds = Scaled(np.arange(6.0)[:, None], np.arange(6))
    xs, ys = next(iter(DataLoader(ds, batch_size=3)))
    np.testing.assert_array_equal(np.asarray(xs.data if hasattr(xs, "data") else xs).ravel(),
                                  [0.0, 100.0, 200.0])
    np.testing.assert_array_equal(np.asarray(ys.data if hasattr(ys, "data") else ys), [0, 1, 2])
    plain = TensorDataset(np.arange(6.0)[:, None], np.arange(6))  # the fast path: same values
    x2, _ = next(iter(DataLoader(plain, batch_size=3)))
    np.testing.assert_array_equal(np.asarray(x2.data if hasattr(x2, "data") else x2).ravel(),
                                  [0.0, 1.0, 2.0])


@pytest.mark.parametrize("y", [np.array([[0], [1], [2]]), np.array([[0, 1], [1, 2]]),
                               np.array([2, 0, 1]), np.array(1)])
def test_one_hot_of_any_shape_adds_a_class_axis_as_torch(y):
    out = F.one_hot(y, 3)
    assert out.shape == (*y.shape, 3)
    np.testing.assert_array_equal(out.argmax(-1), y)
    np.testing.assert_array_equal(out.sum(-1), np.ones(y.shape))


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_rand_stays_below_one_in_narrow_dtypes(dtype):
    tg.manual_seed(0)
    u = F.rand(200_000, dtype=dtype).data
    assert u.dtype == dtype and u.max() < 1 and u.min() >= 0
    assert (F.rand_like(tg.Tensor(np.zeros(200_000, dtype))).data < 1).all()
    tg.manual_seed(0)
    u64 = F.rand(1000).data  # float64: the draws as they are
    assert u64.dtype == np.float64 and (u64 < 1).all()
