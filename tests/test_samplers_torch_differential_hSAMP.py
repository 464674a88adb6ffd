"""The samplers (tinygrad_dl.utils.sampler) and DataLoader's sampling against torch 2.13's
torch.utils.data: structure exactly (lengths, batches, errors, which indices can appear, how
often each appears in a pass), laws statistically (chi-square at a false-alarm rate of 1e-4
per test, seeded: the same draws every run), and one named regression per bug the
differential hunt found: a weight tiny beside the others (1e-300 beside 1e300) refused as
zero without replacement (WeightedRandomSampler and tg.multinomial; torch draws it last), a
shuffled loader over an empty dataset (torch refuses it), an empty batch of a TensorDataset
(an empty batch where any other dataset's, and torch's, is refused), a batch sampler's
generator of indices (read as one index: "sample index 2 is out of range") or a single index
(its sample unbatched, where torch raises), weights past int64 (2**70: refused), and
`Sampler[int]` (not subscriptable)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.utils import data as D

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")
T = torch.utils.data
ALPHA = 1e-4  # false-alarm rate of each law test


def _chi2_ok(counts, probs) -> bool:
    """counts fit probs (cells with probability 0 must be empty; rare cells lumped)."""
    counts, probs = np.asarray(counts, float), np.asarray(probs, float)
    assert counts[probs == 0].sum() == 0
    n = counts.sum()
    keep = probs * n >= 5
    obs = np.append(counts[keep], counts[~keep & (probs > 0)].sum())
    exp = np.append(probs[keep], probs[~keep].sum()) * n
    obs, exp = obs[exp > 0], exp[exp > 0]
    assert len(exp) > 1
    return ((obs - exp) ** 2 / exp).sum() < stats.chi2.isf(ALPHA, len(exp) - 1)


def _outcome(f):
    try:
        return "ok", f()
    except Exception as e:  # noqa: BLE001 (any error: compared as raised or not)
        return "raises", type(e).__name__


def _same_outcome(ours, theirs):
    a, b = _outcome(ours), _outcome(theirs)
    assert a[0] == b[0], (a, b)
    return a, b


# ---- structure against torch ---------------------------------------------------------------

ERROR_CASES = [
    ("RandomSampler", ([],), {}), ("RandomSampler", ([1, 2],), {"num_samples": 0}),
    ("RandomSampler", ([1, 2],), {"num_samples": -1}),
    ("RandomSampler", ([1, 2],), {"num_samples": 2.0}),
    ("RandomSampler", ([1, 2],), {"replacement": 1}),
    ("WeightedRandomSampler", ([1.0, 2.0], 0), {}),
    ("WeightedRandomSampler", ([1.0, 2.0], True), {}),
    ("WeightedRandomSampler", ([1.0, 2.0], 2.0), {}),
    ("WeightedRandomSampler", ([1.0, 2.0], 2), {"replacement": 1}),
    ("WeightedRandomSampler", ([0.0, 0.0], 2), {}), ("WeightedRandomSampler", ([1.0, -1.0], 2), {}),
    ("WeightedRandomSampler", ([1.0, float("nan")], 2), {}),
    ("WeightedRandomSampler", ([1.0, float("inf")], 2), {}),
    ("WeightedRandomSampler", ([1.0, 1.0, 2.0], 4), {"replacement": False}),
    ("WeightedRandomSampler", ([], 2), {}), ("WeightedRandomSampler", (3.0, 2), {}),
    ("WeightedRandomSampler", ([[1.0, 2.0]], 2), {}),
    ("WeightedRandomSampler", (["1", "2"], 2), {}),
    ("WeightedRandomSampler", ([10 ** 400, 0], 2), {}),
    ("SubsetRandomSampler", (5,), {}), ("SubsetRandomSampler", ({1, 2},), {}),
    ("BatchSampler", ([1], 0, False), {}), ("BatchSampler", ([1], -1, False), {}),
    ("BatchSampler", ([1], True, False), {}), ("BatchSampler", ([1], 2.0, False), {}),
    ("BatchSampler", ([1], 2, 0), {}),
]


@pytest.mark.parametrize("name, args, kw", ERROR_CASES)
def test_refused_where_torch_refuses(name, args, kw):
    (a, _), (b, _) = _same_outcome(lambda: list(getattr(D, name)(*args, **kw)),
                                   lambda: list(getattr(T, name)(*args, **kw)))
    assert a == b == "raises"


def test_batch_sampler_batches_and_lengths_are_torchs():
    for n, bs, drop in itertools.product(range(8), (1, 2, 3, 7), (False, True)):
        ours, theirs = D.BatchSampler(range(n), bs, drop), T.BatchSampler(range(n), bs, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        gen = D.BatchSampler((i for i in range(n)), bs, drop)  # a generator: one pass, no len
        assert list(gen) == list(T.BatchSampler((i for i in range(n)), bs, drop))
        assert list(gen) == []
        with pytest.raises(TypeError):
            len(gen)


@pytest.mark.parametrize("n, k, repl", [(3, None, False), (3, 5, False), (3, 2, False),
                                        (4, 7, True), (1, 3, False), (5, 12, False)])
def test_random_sampler_pass_structure_is_torchs(n, k, repl):
    """Without replacement: num_samples // n whole permutations, then distinct indices."""
    ours = D.RandomSampler(range(n), repl, k, generator=tg.Generator().manual_seed(0))
    theirs = T.RandomSampler(range(n), repl, k, generator=torch.Generator().manual_seed(0))
    assert len(ours) == len(theirs) == (k or n)
    for _ in range(3):
        a, b = list(ours), list(theirs)
        assert len(a) == len(b) and set(a) <= set(range(n))
        if not repl:
            whole = (k or n) // n * n
            assert sorted(a[:whole]) == sorted(b[:whole])
            assert len(set(a[whole:])) == len(a) - whole


@pytest.mark.parametrize("indices", [[7, 3, 3, 9], np.array([4, 1, 2]), range(2, 6), []])
def test_subset_random_sampler_gives_each_index_once_per_pass(indices):
    for ind in (indices, tg.tensor(np.asarray(indices, np.int64))):
        ours = D.SubsetRandomSampler(ind, generator=tg.Generator().manual_seed(1))
        want = sorted(int(i) for i in T.SubsetRandomSampler(np.asarray(indices, np.int64)))
        assert len(ours) == len(want)
        for _ in range(2):
            assert sorted(int(i) for i in ours) == want


@pytest.mark.parametrize("weights", [[0.5, 0.0, 2.0, 1.0], np.array([1, 0, 3], np.float32),
                                     (True, False, True), [1e300, 1e300, 0.0, 1e300],
                                     [2 ** 70, 0, 2 ** 69], [5e-324, 0.0, 1e-323]])
def test_weighted_sampler_draws_only_nonzero_weights(weights):
    as64 = np.asarray(weights, np.float64)
    for w in (weights, tg.tensor(as64), torch.tensor(as64)):
        nz = set(np.flatnonzero(np.asarray(weights, np.float64)).tolist())
        s = D.WeightedRandomSampler(w, 200, generator=tg.Generator().manual_seed(2))
        assert len(s) == 200 and set(s) <= nz
        s = D.WeightedRandomSampler(w, len(nz), False, generator=np.random.default_rng(2))
        got = list(s)
        assert sorted(got) == sorted(nz)
        if np.min(np.asarray(weights, float)[list(nz)]) > 1e-300:  # torch's w / q of a
            # subnormal weight underflows to 0: it drew zero weights (1 in 60 passes of
            # [5e-324, 0, 1e-323]) and its first draw of index 2 is 0.56, not 2/3
            want = sorted(T.WeightedRandomSampler(np.asarray(weights, float), len(nz), False))
            assert sorted(got) == want


# ---- laws ----------------------------------------------------------------------------------

def test_weighted_with_replacement_law():
    w = np.array([0.5, 0.0, 2.0, 1.0, 3.5, 1e-3])
    for scale, dt in ((1.0, np.float64), (1e300, np.float64), (1.0, np.float32)):
        ww = (w * scale).astype(dt)
        s = D.WeightedRandomSampler(ww, 100_000, generator=tg.Generator().manual_seed(3))
        assert _chi2_ok(np.bincount(list(s), minlength=len(w)), w / w.sum())


def _sequential(w, order):
    """torch's law without replacement: each draw proportional to the weights left."""
    w, p, left = np.asarray(w, float), 1.0, np.ones(len(w), bool)
    for i in order:  # (the weights left summed anew: 1e300 + 3e-300 - 1e300 is 0)
        p *= w[i] / w[left].sum()
        left[i] = False
    return p


@pytest.mark.parametrize("w, k", [([1.0, 2.0, 0.0, 5.0], 2), ([1.0, 2.0, 0.0, 5.0], 3),
                                  ([3.0, 1.0, 1.0, 0.5, 2.0], 1),
                                  ([1e-300, 3e-300, 1e300], 3), ([5e-324, 0.0, 1e-323], 2)])
def test_weighted_without_replacement_law_is_sequential(w, k):
    """First draw, pairs and orders against the exact probabilities (torch.multinomial's)."""
    s = D.WeightedRandomSampler(w, k, False, generator=tg.Generator().manual_seed(4))
    reps = 8000
    seen: dict[tuple, int] = {}
    for _ in range(reps):
        t = tuple(s)
        seen[t] = seen.get(t, 0) + 1
    nz = [i for i, x in enumerate(w) if x > 0]
    cells = list(itertools.permutations(nz, k))
    assert set(seen) <= set(cells)
    probs = [_sequential(w, c) for c in cells]
    assert abs(sum(probs) - 1) < 1e-12
    assert _chi2_ok([seen.get(c, 0) for c in cells], probs)
    first = np.zeros(len(w))
    for c, n in seen.items():
        first[c[0]] += n
    p_first = np.array([_sequential(w, [i]) for i in range(len(w))])
    if (p_first * reps >= 5).sum() > 1:  # (1e300 beside 1e-300s: always first)
        assert _chi2_ok(first, p_first)
    else:
        assert first[np.argmax(p_first)] == reps


def test_random_sampler_laws():
    g = tg.Generator().manual_seed(5)
    for n, k in ((3, None), (3, 5)):
        s, seen = D.RandomSampler(range(n), num_samples=k, generator=g), {}
        for _ in range(6000):
            t = tuple(s)
            seen[t] = seen.get(t, 0) + 1
        cells = len(seen)
        assert cells == (6 if k is None else 36)  # every outcome, each equally likely
        assert _chi2_ok(list(seen.values()), np.full(cells, 1 / cells))
    s = D.RandomSampler(range(7), replacement=True, num_samples=50_000, generator=g)
    assert _chi2_ok(np.bincount(list(s), minlength=7), np.full(7, 1 / 7))


# ---- reproducibility ---------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda g: D.RandomSampler(range(10), generator=g),
                                  lambda g: D.RandomSampler(range(10), True, 20, generator=g),
                                  lambda g: D.SubsetRandomSampler([5, 2, 8, 1], generator=g),
                                  lambda g: D.WeightedRandomSampler([1, 2, 3, 4], 4, False,
                                                                    generator=g),
                                  lambda g: D.WeightedRandomSampler([1, 2, 3, 4], 9, generator=g)])
def test_seeded_passes_repeat_and_each_pass_is_new(make):
    a, b = make(tg.Generator().manual_seed(7)), make(tg.Generator().manual_seed(7))
    passes_a, passes_b = [list(a) for _ in range(4)], [list(b) for _ in range(4)]
    assert passes_a == passes_b and len({tuple(p) for p in passes_a}) > 1
    assert list(make(np.random.default_rng(7))) == passes_a[0]  # the same stream
    tg.manual_seed(11)
    c = [list(make(None)) for _ in range(2)]
    tg.manual_seed(11)
    assert [list(make(None)) for _ in range(2)] == c


# ---- DataLoader ------------------------------------------------------------------------------

def _ds():
    return (D.TensorDataset(tg.tensor(np.arange(10.0)), tg.tensor(np.arange(10))),
            T.TensorDataset(torch.arange(10.0), torch.arange(10)))


@pytest.mark.parametrize("kw", [{"shuffle": True}, {"shuffle": 1}, {"batch_size": 2},
                                {"drop_last": True}, {"batch_size": None}, {"sampler": [1]}])
def test_loader_option_conflicts_are_torchs(kw):
    ds, tds = _ds()
    _same_outcome(lambda: D.DataLoader(ds, batch_sampler=[[1]], **kw),
                  lambda: T.DataLoader(tds, batch_sampler=[[1]], **kw))
    if "sampler" not in kw:
        _same_outcome(lambda: D.DataLoader(ds, sampler=[1, 2], **kw),
                      lambda: T.DataLoader(tds, sampler=[1, 2], **kw))


def _flat(batches):
    return sorted(np.concatenate([np.atleast_1d(b[1].numpy()) for b in batches]).tolist())


SAMPLERS = {
    "sequential": (lambda m, d: m.SequentialSampler(d)),
    "random": (lambda m, d: m.RandomSampler(d)),
    "random_k": (lambda m, d: m.RandomSampler(d, num_samples=len(d) + 3)),
    "subset": (lambda m, d: m.SubsetRandomSampler(list(range(len(d))))),
    "subset_array": (lambda m, d: m.SubsetRandomSampler(np.arange(len(d)))),
    "weighted": (lambda m, d: m.WeightedRandomSampler(np.ones(len(d)), len(d), False)),
}


@pytest.mark.parametrize("which", SAMPLERS)
@pytest.mark.parametrize("bs, drop", [(4, False), (4, True), (1, False), (None, False)])
def test_an_epoch_over_subset_and_concat_with_each_sampler(which, bs, drop):
    ds, tds = _ds()
    pairs = [(D.Subset(ds, [2, 4, 6, 8, 9]), T.Subset(tds, [2, 4, 6, 8, 9])),
             (D.ConcatDataset([ds, D.Subset(ds, [9, 8, 7])]),
              T.ConcatDataset([tds, T.Subset(tds, [9, 8, 7])]))]
    make = SAMPLERS[which]
    for ours, theirs in pairs:
        a = D.DataLoader(ours, batch_size=bs, drop_last=drop, sampler=make(D, ours))
        b = T.DataLoader(theirs, batch_size=bs, drop_last=drop, sampler=make(T, theirs))
        la, lb = list(a), list(b)
        assert len(a) == len(b) == len(la) == len(lb)
        assert [np.atleast_1d(x[1].numpy()).shape for x in la] == \
            [np.atleast_1d(x[1].numpy()).shape for x in lb]
        if not drop and which != "random_k":  # which samples an epoch holds, each as
            # often as in torch's (random_k's last part-permutation differs by its draws)
            assert _flat(la) == _flat(lb)
        bsm = D.DataLoader(ours, batch_sampler=D.BatchSampler(make(D, ours), bs or 1, drop))
        assert len(bsm) == len(list(bsm)) == len(T.DataLoader(
            theirs, batch_sampler=T.BatchSampler(make(T, theirs), bs or 1, drop)))


def test_tensor_indices_from_a_subset_random_sampler_index_the_loader():
    ds, tds = _ds()
    a = D.DataLoader(ds, batch_size=2, sampler=D.SubsetRandomSampler(tg.tensor([3, 1, 4])))
    b = T.DataLoader(tds, batch_size=2, sampler=T.SubsetRandomSampler(torch.tensor([3, 1, 4])))
    assert _flat(list(a)) == _flat(list(b)) == [1, 3, 4]
    c = D.DataLoader(ds, batch_size=None, sampler=D.SubsetRandomSampler(tg.tensor([3, 1, 4])))
    assert sorted(int(x[1].numpy()) for x in c) == [1, 3, 4]


# ---- named regressions -------------------------------------------------------------------------

def test_weighted_without_replacement_draws_a_weight_tiny_beside_the_others():
    """[1e-300, 1e300], 2 without replacement: refused as 'num_samples=2 > 1 nonzero weights'
    (1e-300 / 1e300 is 0 in the probabilities); torch draws [1, 0]."""
    s = D.WeightedRandomSampler([1e-300, 1e300], 2, False)
    assert list(s) == [1, 0] == list(T.WeightedRandomSampler([1e-300, 1e300], 2, False))
    assert list(D.WeightedRandomSampler([1e300, 1e-30, 0.0, 1e300], 3, False))[2] == 1


def test_multinomial_without_replacement_keeps_a_tiny_weight():
    got = tg.multinomial(tg.tensor([[1e-300, 1e300], [2.0, 1.0]]), 2)
    assert got.shape == (2, 2) and got.numpy()[0].tolist() == [1, 0]
    assert sorted(got.numpy()[1].tolist()) == [0, 1]


def test_a_shuffled_loader_over_an_empty_dataset_is_refused_as_torch():
    """torch: 'num_samples should be a positive integer value, but got num_samples=0';
    ours gave an empty epoch."""
    with pytest.raises(ValueError):
        T.DataLoader(T.TensorDataset(torch.zeros(0)), shuffle=True)
    for bs in (1, None):
        with pytest.raises(ValueError, match=r"^DataLoader: shuffle=True over an empty dataset"):
            D.DataLoader(D.TensorDataset(tg.zeros(0)), shuffle=True, batch_size=bs)
    assert list(D.DataLoader(D.TensorDataset(tg.zeros(0)))) == []  # unshuffled: as torch


def test_an_empty_batch_of_a_tensor_dataset_is_refused_as_any_other():
    """batch_sampler=[[]]: torch's IndexError; ours gave (Tensor([]), Tensor([]))."""
    ds, tds = _ds()
    with pytest.raises(IndexError):
        list(T.DataLoader(tds, batch_sampler=[[]]))
    for d in (ds, D.Subset(ds, [1, 2])):
        with pytest.raises(IndexError, match=r"^default_collate: an empty batch"):
            list(D.DataLoader(d, batch_sampler=[[]]))


def test_a_batch_sampler_yielding_generators_or_tuples_is_read_as_torch():
    """A batch of (i for i in [1, 2]): 'DataLoader: sample index 2 is out of range for 10
    samples'; torch reads the indices."""
    ds, tds = _ds()
    for batch in ((i for i in [1, 2]), (1, 2), range(1, 3)):
        got = list(D.DataLoader(ds, batch_sampler=[batch]))
        assert len(got) == 1 and got[0][1].numpy().tolist() == [1, 2]
    assert list(T.DataLoader(tds, batch_sampler=[(i for i in [1, 2])]))[0][1].tolist() == [1, 2]


def test_a_batch_sampler_yielding_single_indices_is_refused_in_one_line():
    """batch_sampler=[1, 2]: two unbatched samples (Tensor(1.), ...); torch: TypeError."""
    ds, tds = _ds()
    with pytest.raises(TypeError):
        list(T.DataLoader(tds, batch_sampler=[1, 2]))
    for bad in ([1, 2], [np.array(3)]):
        with pytest.raises(TypeError, match=r"^DataLoader: batch_sampler gave .* not a list"):
            list(D.DataLoader(ds, batch_sampler=bad))


def test_weights_past_int64_are_cast_as_torch():
    """[2**70, 0, 2**69]: refused ('got object values'); torch casts them to float64."""
    s = D.WeightedRandomSampler([2 ** 70, 0, 2 ** 69], 5)
    assert s.weights.tolist() == T.WeightedRandomSampler([2 ** 70, 0, 2 ** 69], 5).weights.tolist()
    assert set(s) <= {0, 2}


def test_sampler_is_generic_as_torch():
    """class S(Sampler[int]): TypeError 'type Sampler is not subscriptable'."""
    class Backwards(D.Sampler[int]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self):
            return self.n

    ds, _ = _ds()
    got = [b[1].numpy().tolist() for b in D.DataLoader(ds, batch_size=4, sampler=Backwards(6))]
    assert got == [[5, 4, 3, 2], [1, 0]]
    assert D.BatchSampler.__mro__[1] is D.Sampler
