"""Data iteration and random draws, cases that were wrong without a word (found 2026-12-03):
DataLoader's fast path read a TensorDataset subclass's tensors directly (its __getitem__, an
augmentation, was dropped), one_hot broadcast a column of labels (n, 1) into a wrong (n, K),
and rand in float16/float32 could return exactly 1.0 (a float64 draw just under 1 rounded up)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl.utils.data import DataLoader, Dataset, TensorDataset, collate


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


# ---- collate: namedtuple samples (found 2026-12-03: a one-field namedtuple batched into
# P1(x=<generator object>), a two-field one raised TypeError) ---------------------------------
P1 = collections.namedtuple("P1", "x")
P2 = collections.namedtuple("P2", "x y")

COLLATE_SAMPLES = {
    "tuple": [(i, 2.0 * i) for i in range(3)],
    "list": [[i, -i] for i in range(3)],
    "namedtuple1": [P1(i) for i in range(3)],
    "namedtuple2": [P2(i, np.full(2, float(i))) for i in range(3)],
    "dict": [{"a": i, "b": (i, i + 1)} for i in range(3)],
    "nested": [P2((i, i * 3), {"k": np.arange(2) + i}) for i in range(3)],
}


def _plain(batch):
    """A batch as nested Python values; namedtuples and dicts keep their type, a tuple and a
    list both read "seq" (PyTorch's default_collate turns a tuple into a list)."""
    if isinstance(batch, dict):
        return dict, {k: _plain(v) for k, v in batch.items()}
    if isinstance(batch, tuple) and hasattr(type(batch), "_fields"):
        return type(batch), [_plain(v) for v in batch]
    if isinstance(batch, (tuple, list)):
        return "seq", [_plain(v) for v in batch]
    return np.asarray(batch.data if isinstance(batch, tg.Tensor) else batch.numpy()).tolist()


@pytest.mark.parametrize("kind", list(COLLATE_SAMPLES))
def test_collate_batches_as_torch_default_collate(kind):
    torch = pytest.importorskip("torch")
    samples = COLLATE_SAMPLES[kind]
    assert _plain(collate(samples)) == _plain(torch.utils.data.default_collate(samples))


def test_namedtuple_samples_come_out_of_the_loader_as_that_namedtuple():
    class Pairs(Dataset):
        def __getitem__(self, i):
            return P2(np.full(2, float(i)), i)

        def __len__(self):
            return 4

    batch = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert type(batch) is P2 and batch.x.shape == (3, 2) and batch.y.data.tolist() == [0, 1, 2]
    (x,) = collate([P1(1), P1(2)])
    assert x.data.tolist() == [1, 2]
    # plain tuples and lists keep their kind
    assert type(collate([(1, 2), (3, 4)])) is tuple and type(collate([[1], [2]])) is list


def test_samples_with_different_numbers_of_fields_are_one_line():
    with pytest.raises(ValueError, match="the 2 fields of the first, got one with 1$"):
        collate([(1, 2), (3,)])
    with pytest.raises(ValueError, match="the 1 fields of the first, got one with 2$"):
        collate([(1,), (3, 4)])  # the extra field was dropped without a word
