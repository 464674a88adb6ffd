"""utils.data beyond TensorDataset and DataLoader: PyTorch's Subset, ConcatDataset,
random_split, the samplers (SequentialSampler, RandomSampler, BatchSampler) and DataLoader's
sampler= / batch_sampler=. random_split's lengths (fractions rounded as torch rounds them)
are compared with torch's on the same sizes; the draws come from the project's generators
(a seeded generator gives the same split and order again, tinygrad_dl.manual_seed the
default's)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    random_split,
)

try:
    import torch
except ImportError:  # the comparisons with torch skip; the rest runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


class Items(Dataset):
    """dataset[i] = base + i, for i in range(n)."""

    def __init__(self, n: int, base: int = 0) -> None:
        self.n, self.base = n, base

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.base + i

    def __len__(self):
        return self.n


def _rows(batch):
    return [np.asarray(t.data).tolist() for t in batch]


# ---- random_split ------------------------------------------------------------------------------
FRACTIONS = [(10, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]), (11, [0.25] * 4), (3, [0.1, 0.2, 0.7]),
             (100, [1 / 3] * 3), (5, [0.9, 0.1]), (0, [0.5, 0.5]), (1, [1.0]), (9, [0.0, 1.0])]


@needs_torch
@pytest.mark.parametrize("n,fractions", FRACTIONS)
def test_fractions_round_to_torchs_lengths(n, fractions):
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = [len(s) for s in random_split(Items(n), fractions, tg.Generator().manual_seed(0))]
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        theirs = [len(s) for s in torch.utils.data.random_split(range(n), fractions)]
    assert ours == theirs
    assert [str(w.message) for w in ours_w] == [str(w.message) for w in theirs_w]


@pytest.mark.parametrize("n,lengths", [(10, [3, 7]), (10, [0, 10, 0]), (10, [1] * 10),
                                       (30, [0.3, 0.3, 0.4]), (0, []), (5, [np.int64(5)])])
def test_the_splits_are_disjoint_and_cover_the_dataset(n, lengths):
    splits = random_split(Items(n), lengths, generator=np.random.default_rng(1))
    assert [len(s) for s in splits] == [round(k * n) if isinstance(k, float) else k
                                       for k in lengths]
    seen = [x for s in splits for x in (s[i] for i in range(len(s)))]
    assert sorted(seen) == list(range(n))
    assert all(isinstance(s, Subset) and isinstance(s.dataset, Items) for s in splits)


def test_a_seeded_generator_gives_the_same_split_and_the_default_follows_manual_seed():
    def split(g):
        return [s.indices for s in random_split(Items(20), [5, 15], generator=g)]

    assert split(tg.Generator().manual_seed(3)) == split(tg.Generator().manual_seed(3))
    assert split(tg.Generator().manual_seed(3)) != split(tg.Generator().manual_seed(4))
    assert split(np.random.default_rng(3)) == split(np.random.default_rng(3))
    tg.manual_seed(7)
    a = split(None)
    tg.manual_seed(7)
    assert split(None) == a
    # the split is the generator's permutation, cut in order
    perm = np.random.default_rng(3).permutation(20).tolist()
    assert split(np.random.default_rng(3)) == [perm[:5], perm[5:]]


@needs_torch
@pytest.mark.parametrize("lengths", [[3, 4], [0.5, 0.6], [11], [0.3, 0.3]])
def test_lengths_not_summing_to_the_dataset_are_torchs_value_error(lengths):
    msg = "Sum of input lengths does not equal the length of the input dataset!"
    with pytest.raises(ValueError, match=msg):
        torch.utils.data.random_split(range(10), lengths)
    with pytest.raises(ValueError, match=msg) as e:
        random_split(Items(10), lengths)
    assert f"sum to {sum(lengths)}, the dataset has 10 samples" in str(e.value)


def test_bad_lengths_and_fractions_are_refused():
    with pytest.raises(ValueError, match="^Fraction at index 0 is not between 0 and 1$"):
        random_split(Items(10), [-0.5, 1.5])
    with pytest.raises(ValueError, match=r"lengths must be integers >= 0 or fractions"):
        random_split(Items(10), [-1, 11])
    with pytest.raises(ValueError, match=r"lengths must be integers >= 0 or fractions"):
        random_split(Items(10), [2.5, 7.5])
    with pytest.raises(TypeError, match="generator must be"):
        random_split(Items(10), [5, 5], generator=0)


# ---- Subset and ConcatDataset ------------------------------------------------------------------
def test_subset_indexes_its_indices_negative_ones_from_the_end():
    s = Subset(Items(10), [7, 2, 5])
    assert [s[0], s[1], s[2], s[-1], s[-3]] == [7, 2, 5, 5, 7] and len(s) == 3
    for bad in (3, -4):
        with pytest.raises(IndexError, match=f"^Subset: index {bad} is out of range for a "
                                             "subset of 3 samples$"):
            s[bad]
    assert list(s) == [7, 2, 5]  # iteration stops at the IndexError
    t = TensorDataset(np.arange(10.0))
    assert Subset(t, [4, 1])[[1, 0]][0].data.tolist() == [1.0, 4.0]  # a list: torch's batch


@needs_torch
def test_concat_dataset_is_torchs_concatenation():
    parts = [Items(3, 0), Items(0, 100), Items(2, 10), Items(4, 20)]
    ours = ConcatDataset(parts)
    theirs = torch.utils.data.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 9 and ours.cumulative_sizes == theirs.cumulative_sizes
    for i in range(-9, 9):
        assert ours[i] == theirs[i], i
    assert ours[np.int64(4)] == 11 and list(ours) == [theirs[i] for i in range(9)]
    assert (Items(2) + Items(1, 50))[2] == 50  # Dataset + Dataset, as torch


def test_concat_dataset_out_of_range_and_bad_arguments():
    c = ConcatDataset([Items(3), Items(2, 10)])
    for bad in (5, 99, -6):
        with pytest.raises(IndexError, match=f"^ConcatDataset: index {bad} is out of range "
                                             "for 5 samples$"):
            c[bad]
    with pytest.raises(TypeError, match="^ConcatDataset: index must be an integer, got slice"):
        c[1:3]
    with pytest.raises(ValueError, match="^ConcatDataset: datasets should not be an empty"):
        ConcatDataset([])


# ---- samplers ----------------------------------------------------------------------------------
def test_sequential_sampler():
    s = SequentialSampler(Items(4))
    assert list(s) == [0, 1, 2, 3] and len(s) == 4 and list(SequentialSampler(Items(0))) == []
    assert isinstance(s, Sampler)


def test_random_sampler_is_a_new_permutation_each_pass_from_its_generator():
    s = RandomSampler(Items(8), generator=tg.Generator().manual_seed(2))
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == list(range(8)) and first != second and len(s) == 8
    rng = np.random.default_rng(2)
    assert [first, second] == [rng.permutation(8).tolist(), rng.permutation(8).tolist()]
    tg.manual_seed(5)
    a = list(RandomSampler(Items(8)))
    tg.manual_seed(5)
    assert list(RandomSampler(Items(8))) == a


def test_random_sampler_num_samples_and_replacement():
    more = list(RandomSampler(Items(4), num_samples=10, generator=np.random.default_rng(0)))
    assert len(more) == 10 and sorted(more[:4]) == sorted(more[4:8]) == [0, 1, 2, 3]
    assert len(set(more[8:])) == 2  # part of a third permutation
    fewer = list(RandomSampler(Items(9), num_samples=3, generator=np.random.default_rng(0)))
    assert len(fewer) == len(set(fewer)) == 3
    s = RandomSampler(Items(3), replacement=True, num_samples=300,
                      generator=np.random.default_rng(0))
    draws = list(s)
    assert len(s) == len(draws) == 300 and set(draws) == {0, 1, 2}
    assert all(isinstance(i, int) for i in draws)


@needs_torch
@pytest.mark.parametrize("kwargs", [{"replacement": 1}, {"num_samples": 0},
                                    {"num_samples": -2}, {"num_samples": 2.0}, {}])
def test_random_sampler_refuses_what_torch_refuses_in_its_words(kwargs):
    data = range(0) if not kwargs else range(5)  # an empty source: num_samples=0
    with pytest.raises((TypeError, ValueError)) as theirs:
        torch.utils.data.RandomSampler(data, **kwargs)
    with pytest.raises(theirs.type, match=f"^{theirs.value}$"):
        RandomSampler(data, **kwargs)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n,bs", [(10, 3), (9, 3), (2, 5), (0, 2)])
def test_batch_sampler_is_torchs(n, bs, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), bs, drop_last)
    want = [list(range(i, min(i + bs, n))) for i in range(0, n, bs)]
    if drop_last:
        want = [b for b in want if len(b) == bs]
    assert list(ours) == want and len(ours) == len(want)
    if torch is not None:
        theirs = torch.utils.data.BatchSampler(range(n), bs, drop_last)
        assert list(theirs) == want and len(theirs) == len(want)


def test_batch_sampler_refuses_bad_arguments_in_torchs_words():
    with pytest.raises(ValueError, match="^batch_size should be a positive integer value, but "
                                         "got batch_size=0$"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="batch_size=True$"):
        BatchSampler(range(3), True, False)
    with pytest.raises(ValueError, match="^drop_last should be a boolean value, but got "
                                         "drop_last=1$"):
        BatchSampler(range(3), 2, 1)


# ---- DataLoader with samplers ------------------------------------------------------------------
def test_a_loader_with_a_sampler_reads_in_the_samplers_order():
    ds = TensorDataset(np.arange(10.0), np.arange(10))
    order = [9, 0, 4, 4, 1]
    loader = DataLoader(ds, batch_size=2, sampler=order)
    assert [_rows(b)[1] for b in loader] == [[9, 0], [4, 4], [1]] and len(loader) == 3
    loader = DataLoader(ds, batch_size=2, sampler=order, drop_last=True)
    assert [_rows(b)[1] for b in loader] == [[9, 0], [4, 4]] and len(loader) == 2
    seeded = DataLoader(ds, batch_size=4, sampler=RandomSampler(
        ds, generator=tg.Generator().manual_seed(1)))
    got = [i for b in seeded for i in _rows(b)[1]]
    assert got == np.random.default_rng(1).permutation(10).tolist()
    items = DataLoader(Items(6), batch_size=4, sampler=SequentialSampler(Items(6)))
    assert [b.data.tolist() for b in items] == [[0, 1, 2, 3], [4, 5]]


def test_a_loader_with_a_batch_sampler_yields_its_batches():
    ds = TensorDataset(np.arange(10.0))
    bs = BatchSampler(RandomSampler(ds, generator=np.random.default_rng(4)), 3, True)
    loader = DataLoader(ds, batch_sampler=bs)
    batches = [_rows(b)[0] for b in loader]
    assert len(loader) == len(batches) == 3 and loader.batch_size is None
    assert all(len(b) == 3 for b in batches) and len({x for b in batches for x in b}) == 9
    custom = DataLoader(Items(5), batch_sampler=[[4, 0], [2]])  # any iterable of lists
    assert [b.data.tolist() for b in custom] == [[4, 0], [2]]


@needs_torch
@pytest.mark.parametrize("kwargs", [{"sampler": [0], "shuffle": True},
                                    {"batch_sampler": [[0]], "batch_size": 2},
                                    {"batch_sampler": [[0]], "shuffle": True},
                                    {"batch_sampler": [[0]], "sampler": [0]},
                                    {"batch_sampler": [[0]], "drop_last": True}])
def test_sampler_options_exclude_each_other_as_in_torch(kwargs):
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(range(3), **kwargs)
    with pytest.raises(ValueError, match=f"^DataLoader: {theirs.value}$"):
        DataLoader(Items(3), **kwargs)


def test_a_subset_of_a_tensor_dataset_batches_as_its_items_would():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    train, _ = random_split(TensorDataset(x, y), [0.7, 0.3], generator=np.random.default_rng(0))
    inner = Subset(train, [-1, 0, 2, 3])  # a Subset of a Subset, negative index included
    fast = list(DataLoader(inner, batch_size=3))
    slow = list(DataLoader(inner, batch_size=3, collate_fn=lambda s: tuple(
        tg.Tensor(np.stack([np.asarray(f.data) for f in col])) for col in zip(*s))))
    assert [_rows(b) for b in fast] == [_rows(b) for b in slow]
    want = [train.indices[i] for i in (-1, 0, 2, 3)]
    assert [i for b in fast for i in _rows(b)[1]] == want


def test_the_default_shuffle_is_unchanged_by_the_sampler_code():
    ds = TensorDataset(np.arange(7))
    loader = DataLoader(ds, batch_size=3, shuffle=True, generator=np.random.default_rng(9))
    rng = np.random.default_rng(9)
    for _ in range(2):  # a new permutation each pass, drawn as before
        assert [i for b in loader for i in _rows(b)[0]] == rng.permutation(7).tolist()
    assert loader.sampler is None and loader.batch_sampler is None and loader.batch_size == 3


def test_a_float_or_bool_sample_index_is_refused_not_rounded_to_a_row():
    """Before: the TensorDataset fast path made int64 of the batch's indices, so a sampler
    [1.7, 2.9] (or a Subset of them) loaded rows 1 and 2, and [True, True] row 1 twice,
    without a word, while subset[0] itself raised."""
    ds = TensorDataset(tg.Tensor(np.arange(10.0)))
    for loader in (DataLoader(ds, batch_size=2, sampler=[1.7, 2.9]),
                   DataLoader(ds, batch_sampler=[[1, 2.5]]),
                   DataLoader(Subset(ds, [1.7, 2.9]), batch_size=2),
                   DataLoader(ds, batch_size=2, sampler=[True, True])):
        with pytest.raises(IndexError, match=r"DataLoader: sample index (1\.7|2\.5|True) .*not an "
                                             r"integer"):
            list(loader)
    rows = [b[0].data.tolist() for b in DataLoader(Subset(ds, np.array([3, 1])), batch_size=2)]
    assert rows == [[3.0, 1.0]]  # NumPy integer indices are integers
