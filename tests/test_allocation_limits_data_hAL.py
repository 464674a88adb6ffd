"""Samplers asked for num_samples=10**15 draws with replacement: drawn as they are iterated,
as torch's (it asked NumPy for all of them at once: "Unable to allocate 7.11 PiB"); the
draws of the usual sizes are the very same as before (one NumPy call)."""

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl.utils.data import DataLoader, RandomSampler, TensorDataset, WeightedRandomSampler

BIG = 10**15


def test_random_sampler_huge_num_samples_iterates():
    ds = TensorDataset(tg.arange(10.0).reshape(10, 1), tg.arange(10))
    s = RandomSampler(ds, replacement=True, num_samples=BIG)
    assert len(s) == BIG
    x, y = next(iter(DataLoader(ds, batch_size=4, sampler=s)))
    assert x.shape == (4, 1) and all(0 <= int(v) < 10 for v in y.tolist())


def test_weighted_sampler_huge_num_samples_iterates():
    it = iter(WeightedRandomSampler([1.0, 0.0, 2.0], BIG))
    first = [next(it) for _ in range(50)]
    assert set(first) <= {0, 2}


def test_usual_sizes_draw_the_same_stream():
    ds = TensorDataset(tg.zeros(7))
    got = list(RandomSampler(ds, replacement=True, num_samples=1000,
                             generator=np.random.default_rng(3)))
    assert got == np.random.default_rng(3).integers(0, 7, 1000).tolist()
    p = np.array([1.0, 2.0, 3.0]) / 3.0
    p /= p.sum()
    got = list(WeightedRandomSampler([1.0, 2.0, 3.0], 500, generator=np.random.default_rng(4)))
    assert got == np.random.default_rng(4).choice(3, 500, p=p).tolist()


def test_blocks_continue_one_stream():
    """Past one block the draws go on from the same generator: every index, in range."""
    ds = TensorDataset(tg.zeros(5))
    n = (1 << 20) + 3
    got = np.fromiter(RandomSampler(ds, replacement=True, num_samples=n,
                                    generator=np.random.default_rng(0)), np.int64, count=n)
    assert got.min() == 0 and got.max() == 4 and len(got) == n
