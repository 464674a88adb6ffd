"""utils.data's SubsetRandomSampler and WeightedRandomSampler (torch 2.13's): permutations of
the given indices, weighted draws whose frequencies follow the weights, reproducible from a
seeded generator or tinygrad_dl.manual_seed, as DataLoader(sampler=...), and one-line
ValueErrors naming the sampler for bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.utils import data
from tinygrad_dl.utils.data import (
    DataLoader,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


def test_reexported_by_utils_data() -> None:
    assert {"SubsetRandomSampler", "WeightedRandomSampler"} <= set(data.__all__)
    from tinygrad_dl.utils import sampler
    assert data.SubsetRandomSampler is sampler.SubsetRandomSampler
    assert data.WeightedRandomSampler is sampler.WeightedRandomSampler


# ---- SubsetRandomSampler ------------------------------------------------------------------------
def test_subset_random_sampler_permutes_the_indices() -> None:
    idx = [3, 7, 11, 20, 21, 40]
    s = SubsetRandomSampler(idx, generator=tg.Generator().manual_seed(0))
    assert len(s) == 6
    orders = [list(s) for _ in range(5)]
    for o in orders:
        assert sorted(o) == idx  # every index once
    assert len({tuple(o) for o in orders}) > 1  # a new order each pass


def test_subset_random_sampler_reproducible() -> None:
    idx = list(range(10, 30))
    a = list(SubsetRandomSampler(idx, generator=tg.Generator().manual_seed(5)))
    b = list(SubsetRandomSampler(idx, generator=tg.Generator().manual_seed(5)))
    c = list(SubsetRandomSampler(idx, generator=np.random.default_rng(5)))
    assert a == b == c  # a tinygrad_dl.Generator draws as np.random.default_rng(seed)
    tg.manual_seed(3)
    d = list(SubsetRandomSampler(idx))
    tg.manual_seed(3)
    assert list(SubsetRandomSampler(idx)) == d  # the default generator, reseeded


def test_subset_random_sampler_any_sequence_and_empty() -> None:
    assert sorted(SubsetRandomSampler(range(4))) == [0, 1, 2, 3]
    assert sorted(SubsetRandomSampler(np.array([5, 2]))) == [2, 5]
    assert list(SubsetRandomSampler([])) == [] and len(SubsetRandomSampler([])) == 0


def test_subset_random_sampler_errors() -> None:
    with pytest.raises(TypeError, match="^SubsetRandomSampler: indices"):
        SubsetRandomSampler(5)
    with pytest.raises(TypeError, match="SubsetRandomSampler"):
        SubsetRandomSampler([1, 2], generator=42)


# ---- WeightedRandomSampler ----------------------------------------------------------------------
def test_weighted_frequencies_follow_the_weights() -> None:
    w = [0.1, 0.0, 0.6, 0.3]
    s = WeightedRandomSampler(w, 6000, generator=tg.Generator().manual_seed(1))
    draws = list(s)
    assert len(draws) == len(s) == 6000
    assert all(isinstance(i, int) for i in draws)
    freq = np.bincount(draws, minlength=4) / 6000
    assert freq[1] == 0  # a zero weight is never drawn
    np.testing.assert_allclose(freq, np.array(w) / sum(w), atol=0.03)


def test_weighted_unnormalised_weights() -> None:
    s = WeightedRandomSampler(np.array([1.0, 3.0]), 4000, generator=np.random.default_rng(2))
    freq = np.bincount(list(s), minlength=2) / 4000
    np.testing.assert_allclose(freq, [0.25, 0.75], atol=0.03)
    t = WeightedRandomSampler(tg.Tensor(np.array([1.0, 3.0])), 10)  # a Tensor of weights too
    assert set(t) <= {0, 1}


def test_weighted_without_replacement() -> None:
    w = [0.9, 0.4, 0.05, 0.2, 0.3, 0.0]
    s = WeightedRandomSampler(w, 5, replacement=False, generator=tg.Generator().manual_seed(0))
    for _ in range(20):
        got = list(s)
        assert len(got) == 5 and len(set(got)) == 5 and 5 not in got
    # the heaviest index is drawn first most often
    firsts = [next(iter(s)) for _ in range(2000)]
    assert np.bincount(firsts, minlength=6).argmax() == 0


def test_weighted_without_replacement_law_of_the_first_two() -> None:
    # torch.multinomial's law without replacement (successive draws, the rest renormalised):
    # P(i then j) = p_i p_j / (1 - p_i); a chi-square over the 30 ordered pairs, seeded
    w = np.array([0.9, 0.4, 0.05, 0.2, 0.3, 0.0, 1.5])
    p = w / w.sum()
    s = WeightedRandomSampler(w, 3, replacement=False, generator=tg.Generator().manual_seed(0))
    n = 8000
    counts = np.zeros((7, 7))
    for _ in range(n):
        i, j, _k = list(s)
        counts[i, j] += 1
    want = np.array([[p[i] * p[j] / (1 - p[i]) if i != j else 0.0 for j in range(7)]
                     for i in range(7)]) * n
    keep = want > 0
    assert counts[~keep].sum() == 0
    chi2 = (((counts - want) ** 2)[keep] / want[keep]).sum()
    assert chi2 < 58.3  # the 0.1% tail of chi-square with 29 degrees of freedom


def test_weighted_reproducible() -> None:
    w = [1, 2, 3, 4]
    a = list(WeightedRandomSampler(w, 50, generator=tg.Generator().manual_seed(9)))
    b = list(WeightedRandomSampler(w, 50, generator=tg.Generator().manual_seed(9)))
    assert a == b
    tg.manual_seed(4)
    c = list(WeightedRandomSampler(w, 50))
    tg.manual_seed(4)
    assert list(WeightedRandomSampler(w, 50)) == c
    s = WeightedRandomSampler(w, 50, generator=tg.Generator().manual_seed(9))
    assert list(s) != list(s)  # a new draw each pass


@pytest.mark.parametrize("kwargs, words", [
    ({"weights": [1.0, -0.5], "num_samples": 2}, "probability entry < 0"),
    ({"weights": [1.0, float("nan")], "num_samples": 2}, "infinity or NaN"),
    ({"weights": [1.0, float("inf")], "num_samples": 2}, "infinity or NaN"),
    ({"weights": [0.0, 0.0], "num_samples": 2}, "sum of probabilities <= 0"),
    ({"weights": [], "num_samples": 2}, "empty"),
    ({"weights": [[1.0, 2.0]], "num_samples": 2}, "1d sequence"),
    ({"weights": ["a", "b"], "num_samples": 2}, "1d sequence of numbers"),
    ({"weights": [1.0, 2.0], "num_samples": 0}, "num_samples should be a positive integer"),
    ({"weights": [1.0, 2.0], "num_samples": -3}, "num_samples should be a positive integer"),
    ({"weights": [1.0, 2.0], "num_samples": 2.0}, "num_samples should be a positive integer"),
    ({"weights": [1.0, 2.0], "num_samples": True}, "num_samples should be a positive integer"),
    ({"weights": [1.0, 2.0], "num_samples": 2, "replacement": 1}, "replacement should be"),
    ({"weights": [1.0, 0.0, 2.0], "num_samples": 3, "replacement": False}, "without replacement"),
    ({"weights": [1.0, 2.0], "num_samples": 3, "replacement": False}, "without replacement"),
    ({"weights": ["1", "2"], "num_samples": 2}, "1d sequence of numbers"),  # torch refuses too
    # (1e-300 beside 1e300 is no zero weight: drawn second, as torch draws it; see
    # tests/test_samplers_torch_differential_hSAMP.py)
])
def test_weighted_errors(kwargs: dict, words: str) -> None:
    with pytest.raises(ValueError, match="^WeightedRandomSampler: ") as e:
        WeightedRandomSampler(**kwargs)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_weighted_huge_weights() -> None:
    # their sum overflows to inf; the law is still 1/2, 0, 1/2 (not an error at iteration)
    s = WeightedRandomSampler([1e308, 0.0, 1e308], 4000, generator=tg.Generator().manual_seed(3))
    freq = np.bincount(list(s), minlength=3) / 4000
    np.testing.assert_allclose(freq, [0.5, 0.0, 0.5], atol=0.03)
    assert freq[1] == 0
    t = WeightedRandomSampler([1e308, 1e308], 2, replacement=False)
    assert sorted(t) == [0, 1]


def test_weighted_bad_generator() -> None:
    with pytest.raises(TypeError, match="WeightedRandomSampler"):
        WeightedRandomSampler([1.0], 1, generator="seed")


# ---- as DataLoader(sampler=...) -----------------------------------------------------------------
def _dataset(n: int) -> TensorDataset:
    return TensorDataset(tg.Tensor(np.arange(n, dtype=np.float32)))


def test_dataloader_with_subset_random_sampler() -> None:
    idx = [0, 2, 4, 6, 8]
    loader = DataLoader(_dataset(10), batch_size=2,
                        sampler=SubsetRandomSampler(idx, generator=tg.Generator().manual_seed(0)))
    assert len(loader) == 3
    seen = np.concatenate([b[0].numpy() for b in loader])
    assert sorted(seen.astype(int).tolist()) == idx


def test_dataloader_with_weighted_sampler() -> None:
    sampler = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 400,
                                    generator=tg.Generator().manual_seed(0))
    loader = DataLoader(_dataset(4), batch_size=50, sampler=sampler)
    assert len(loader) == 8
    seen = np.concatenate([b[0].numpy() for b in loader]).astype(int)
    assert len(seen) == 400 and set(seen.tolist()) <= {1, 3}
    assert 0.65 < np.mean(seen == 3) < 0.85
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(_dataset(4), sampler=sampler, shuffle=True)
