"""Second review of the samplers' draws without replacement (helper hSAMPr): the exact
sequential law (first draw w_i / sum w, then in proportion to the weights left) over zeros,
ties, 1e-300..1e300 spreads, float32 and subnormal weights, checked by chi-square at a stated
false-alarm rate (each test seeded, so deterministic); 2-D rows independent; one draw (k=1)
without replacement is the with-replacement draw (same law, the inverse CDF: the exponential
race's n draws and logs were 1.2-1.6x slower at 1e4-1e5 weights); reproducibility per generator; the
DataLoader's batch samplers against torch."""
from fractions import Fraction
from itertools import permutations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.random import as_rng, multinomial_draws
from tinygrad_dl.utils.data import DataLoader, TensorDataset
from tinygrad_dl.utils.sampler import WeightedRandomSampler

ALPHA = 1e-4  # false-alarm rate of each chi-square test below


def exact_law(w: np.ndarray, k: int) -> dict[tuple[int, ...], Fraction]:
    """P(ordered draws = t) for every k-tuple t, in exact rationals."""
    W = [Fraction(float(x)) for x in np.asarray(w, np.float64)]
    law = {}
    for t in permutations(range(len(W)), k):
        p, left = Fraction(1), set(range(len(W)))
        for i in t:
            if W[i] == 0:
                p = Fraction(0)
                break
            p *= W[i] / sum(W[j] for j in left)
            left.discard(i)
        if p:
            law[t] = p
    return law


def chi2_pvalue(draws: list[tuple[int, ...]], law: dict) -> float:
    """Chi-square p-value of the drawn tuples against the law (cells expected < 5 pooled;
    a tuple the law gives probability 0 is a p-value of 0)."""
    stats = pytest.importorskip("scipy.stats")
    n = len(draws)
    counts: dict = {}
    for t in draws:
        counts[t] = counts.get(t, 0) + 1
    if any(t not in law for t in counts):
        return 0.0
    exp = np.array([float(law[t]) * n for t in law])
    obs = np.array([counts.get(t, 0) for t in law], float)
    big = exp >= 5
    e, o = list(exp[big]), list(obs[big])
    if (~big).any():
        e.append(exp[~big].sum())
        o.append(obs[~big].sum())
    if e[-1] < 1:  # a pooled tail too small for chi-square: its Poisson tail on its own
        if o[-1] > 0 and stats.poisson.sf(o[-1] - 1, e[-1]) < ALPHA:
            return 0.0
        e, o = e[:-1], o[:-1]
    if len(e) < 2:
        return 1.0
    e, o = np.array(e), np.array(o)
    e *= o.sum() / e.sum()
    return float(stats.chi2.sf(((o - e) ** 2 / e).sum(), len(e) - 1))


CASES = [  # (weights, k)
    ([1e-300, 1e300, 1.0], 3),
    ([1e-300, 1e300, 1.0], 2),
    ([1e-300, 1e300], 2),
    ([5e-324, 0.0, 1e-323, 2e-323], 3),
    ([0.5, 0.5, 1.0, 0.0], 3),
    ([0.0, 0.0, 3.0, 0.0], 1),
    (np.array([0.1, 0.7, 0.2, 0.4], np.float32), 2),
    ([3.0, 1.0, 2.0, 4.0], 4),
    ([3.0, 1.0, 2.0, 4.0], 1),
    ([1e200, 3e200, 1e-200, 2e-200], 4),
]


@pytest.mark.parametrize("w,k", CASES)
def test_multinomial_without_replacement_follows_the_sequential_law(w, k):
    w = np.asarray(w)
    g = tg.Generator().manual_seed(1234)
    d = tg.multinomial(tg.tensor(np.tile(w, (3000, 1))), k, replacement=False,
                       generator=g).numpy()
    assert d.shape == (3000, k) and d.dtype == np.int64
    assert chi2_pvalue([tuple(r) for r in d.tolist()], exact_law(w, k)) > ALPHA


@pytest.mark.parametrize("w,k", CASES[::2])
def test_weighted_sampler_without_replacement_follows_the_sequential_law(w, k):
    s = WeightedRandomSampler(np.asarray(w), k, replacement=False,
                              generator=tg.Generator().manual_seed(99))
    draws = [tuple(s) for _ in range(1500)]
    assert chi2_pvalue(draws, exact_law(np.asarray(w), k)) > ALPHA


def test_rows_are_independent_draws():
    # both rows' first draws, as a pair, follow the product law (a shared draw per column
    # or a row reusing another's exponentials would correlate them)
    w = np.array([1.0, 2.0, 3.0])
    d = multinomial_draws(np.tile(w, (8000, 1)).reshape(4000, 2, 3).reshape(-1, 3), 2, False,
                          tg.Generator().manual_seed(5)).reshape(4000, 2, 2)
    pairs = [(a, b) for a, b in d[:, :, 0].tolist()]
    one = exact_law(w, 1)
    law = {(i, j): one[(i,)] * one[(j,)] for i in range(3) for j in range(3)}
    assert chi2_pvalue(pairs, law) > ALPHA


@pytest.mark.parametrize("w", [[0.2, 0.0, 0.5, 0.3], [1e-300, 1e300, 1.0],
                               np.arange(1, 2000, dtype=np.float32)])
def test_one_draw_without_replacement_is_the_one_draw(w):
    # k=1 has the same law either way: the one inverse-CDF draw (the race drew n exponentials)
    w = np.asarray(w)
    for seed in range(5):
        a = tg.multinomial(tg.tensor(np.stack([w, w[::-1]])), 1, replacement=False,
                           generator=tg.Generator().manual_seed(seed)).numpy()
        b = tg.multinomial(tg.tensor(np.stack([w, w[::-1]])), 1, replacement=True,
                           generator=tg.Generator().manual_seed(seed)).numpy()
        np.testing.assert_array_equal(a, b)
        sa = list(WeightedRandomSampler(w, 1, False, generator=tg.Generator().manual_seed(seed)))
        sb = list(WeightedRandomSampler(w, 1, True, generator=tg.Generator().manual_seed(seed)))
        assert sa == sb


def test_replacement_draws_are_numpy_choice_bits():
    # the with-replacement path is unchanged: NumPy's choice with the scaled probabilities
    rng = np.random.default_rng(3)
    for seed in range(40):
        w = rng.random((2, 7)) * 10.0 ** rng.integers(-5, 5)
        w[w < 0.3] = 0
        w[:, 0] += 1e-3
        got = multinomial_draws(w, 9, True, tg.Generator().manual_seed(seed))
        p = w / w.max(axis=1, keepdims=True)
        p = p / p.sum(axis=1, keepdims=True)
        ref_rng = as_rng(tg.Generator().manual_seed(seed), "test")
        ref = np.stack([ref_rng.choice(7, size=9, p=r) for r in p])
        np.testing.assert_array_equal(got, ref)


def test_same_seed_same_draws_and_generators_independent():
    w = np.array([0.0, 1.0, 5.0, 2.0, 2.0, 1e-300, 1e300])
    tg.manual_seed(7)
    a = tg.multinomial(tg.tensor(w), 5).numpy()
    tg.manual_seed(7)
    b = tg.tensor(w).multinomial(5).numpy()
    np.testing.assert_array_equal(a, b)
    assert len(set(a.tolist())) == 5 and 0 not in a.tolist()
    s1 = WeightedRandomSampler(w, 4, False, generator=tg.Generator().manual_seed(1))
    alone = [list(s1) for _ in range(3)]
    s1 = WeightedRandomSampler(w, 4, False, generator=tg.Generator().manual_seed(1))
    s2 = WeightedRandomSampler(w, 4, False, generator=tg.Generator().manual_seed(1))
    mixed = []
    for _ in range(3):  # another sampler's passes in between change nothing of s1's
        list(s2)
        mixed.append(list(s1))
    assert mixed == alone
    assert alone[0] != alone[1] or alone[1] != alone[2]  # (passes differ)


@pytest.mark.parametrize("make", [
    lambda: [[0, 1], [2, 3, 4]],
    lambda: [(i for i in (0, 1)), (i for i in (5,))],
    lambda: [range(0, 2), range(2, 5)],
    lambda: [(0, 1), (5,)],
    lambda: [np.array([0, 1]), np.array([3])],
    lambda: [np.array([[0, 1], [2, 3]])],
    lambda: [{0: "a", 2: "b"}],
])
def test_batch_sampler_kinds_match_torch(make):
    torch = pytest.importorskip("torch")
    tdata = pytest.importorskip("torch.utils.data")
    X, Y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ours = [[t.numpy().tolist() for t in b] for b in
            DataLoader(TensorDataset(tg.tensor(X), tg.tensor(Y)), batch_sampler=make())]
    theirs = [[t.numpy().tolist() for t in b] for b in
              tdata.DataLoader(tdata.TensorDataset(torch.tensor(X), torch.tensor(Y)),
                               batch_sampler=make())]
    assert ours == theirs


def test_empty_dataset_shuffle_refused_but_unshuffled_iterates():
    ds = TensorDataset(tg.zeros(0, 2))
    with pytest.raises(ValueError, match="shuffle=True over an empty dataset"):
        DataLoader(ds, shuffle=True)
    assert list(DataLoader(ds, batch_size=4)) == []
    assert list(DataLoader(ds, batch_size=None)) == []
