"""tinygrad_dl.utils.data against torch.utils.data (2.13), drawn at random from seeds: the
loaders' batches (lengths, batch sizes, values where the order is fixed, the multiset of
samples and a new order each epoch where it is drawn, dtypes), default_collate of random
nested samples, and one named regression per bug the hunt found (helper hD2)."""

from __future__ import annotations

import collections
import random
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.utils import data as D

torch = pytest.importorskip("torch")
T = torch.utils.data


def _desc(x):
    """A batch as plain data, the same for both libraries (a tuple and a list both read
    "seq": PyTorch's collate turns a tuple into a list, documented)."""
    if isinstance(x, torch.Tensor):
        return ("T", str(x.dtype).replace("torch.", ""), tuple(x.shape), x.tolist())
    if isinstance(x, tg.Tensor):
        return ("T", str(x.data.dtype), tuple(x.shape), x.data.tolist())
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, str) for v in x):
        return ("strs", list(x))
    if isinstance(x, (list, tuple)):
        return ("seq", [_desc(v) for v in x])
    if isinstance(x, dict):
        return ("dict", {k: _desc(v) for k, v in x.items()})
    return repr(x)


def _run(f):
    try:
        return ("ok", f())
    except Exception as e:  # noqa: BLE001 (either library's error is compared as "ERR")
        return ("ERR", type(e).__name__)


class _Items:
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


class _TItems(_Items, T.Dataset):
    pass


class _GItems(_Items, D.Dataset):
    pass


def _samples(d):
    """A collated batch's description split into its samples' descriptions."""
    if d[0] == "T":
        return [("T", d[1], d[2][1:], v) for v in d[3]]
    if d[0] == "strs":
        return list(d[1])
    if d[0] == "seq":
        return [("seq", list(p)) for p in zip(*(_samples(v) for v in d[1]))]
    keys = list(d[1])
    return [("dict", dict(zip(keys, p))) for p in zip(*(_samples(d[1][k]) for k in keys))]


def _items(r, n):
    kind = r.choice(["int", "float", "tuple", "dict", "np32", "str", "list"])
    make = {"int": lambda i: i, "float": lambda i: i + 0.5, "np32": np.float32,
            "tuple": lambda i: (np.full(2, i, np.float32), i, f"s{i}"),
            "dict": lambda i: {"x": np.arange(3.0) + i, "y": i}, "str": lambda i: f"s{i}",
            "list": lambda i: [i, float(i)]}[kind]
    return [make(i) for i in range(n)]


def _datasets(r, n):
    """(torch's, ours): the same samples, by TensorDataset, items, Subset or ConcatDataset."""
    kind = r.choice(["tds", "items", "subset", "concat"])
    if kind == "tds":
        X = np.arange(n * 2, dtype=r.choice([np.float32, np.float64, np.int64])).reshape(n, 2)
        y = np.arange(n) % 3
        return (T.TensorDataset(torch.from_numpy(X.copy()), torch.from_numpy(y.copy())),
                D.TensorDataset(tg.Tensor(X.copy()), tg.Tensor(y.copy())))
    if kind == "items":
        items = _items(r, n)
        return _TItems(items), _GItems(items)
    if kind == "subset":
        m = n + r.randint(0, 3)
        idx = ([r.randrange(-m, m) for _ in range(n)] if r.random() < 0.5
               else r.sample(range(m), n))
        X = np.arange(m * 2, dtype=np.float64).reshape(m, 2)
        t, g = T.TensorDataset(torch.from_numpy(X.copy())), D.TensorDataset(tg.Tensor(X.copy()))
        if r.random() < 0.4:
            items = _items(r, m)
            t, g = _TItems(items), _GItems(items)
        return T.Subset(t, idx), D.Subset(g, idx)
    sizes, left = [], n
    while left or not sizes:
        k = r.randint(0, left)
        sizes.append(k)
        left -= k
    ts, gs, start = [], [], 0
    for k in sizes:
        X = np.arange(start, start + k, dtype=np.float64)
        ts.append(T.TensorDataset(torch.from_numpy(X.copy())))
        gs.append(D.TensorDataset(tg.Tensor(X.copy())))
        start += k
    return T.ConcatDataset(ts), D.ConcatDataset(gs)


def _loader_case(seed):
    """One random DataLoader configuration, checked against torch's; None when they agree
    (or both refuse), else what differed."""
    r = random.Random(seed)
    n = r.randint(1, 9)
    td, gd = _datasets(r, n)
    tkw, gkw = {}, {}
    bs = r.choice([None, 1, 2, 3, 4, 10])
    tkw["batch_size"] = gkw["batch_size"] = bs
    mode = r.choice(["plain", "shuffle", "sampler", "batch_sampler"])
    kind = None
    if mode == "shuffle":
        tkw["shuffle"] = gkw["shuffle"] = True
        if r.random() < 0.5:
            tkw["generator"] = torch.Generator().manual_seed(seed)
            gkw["generator"] = tg.Generator().manual_seed(seed)
    elif mode != "plain":
        kind = r.choice(["seq", "rand", "subset", "list"])

        def make(M, ds):
            if kind == "seq":
                return M.SequentialSampler(ds)
            if kind == "rand":
                return M.RandomSampler(ds)
            if kind == "subset":
                return M.SubsetRandomSampler(list(range(0, n, 2)))
            return list(range(n))[::-1]

        ts, gs = make(T, td), make(D, gd)
        if mode == "sampler":
            tkw["sampler"], gkw["sampler"] = ts, gs
        else:
            drop = r.random() < 0.5
            tkw["batch_sampler"] = T.BatchSampler(ts, bs or 2, drop)
            gkw["batch_sampler"] = D.BatchSampler(gs, bs or 2, drop)
            del tkw["batch_size"], gkw["batch_size"]
    if r.random() < 0.4 and "batch_sampler" not in tkw and bs is not None:
        tkw["drop_last"] = gkw["drop_last"] = True
    tl, gl = _run(lambda: T.DataLoader(td, **tkw)), _run(lambda: D.DataLoader(gd, **gkw))
    if tl[0] != gl[0]:
        return ("constructor", tl, gl)
    if tl[0] == "ERR":
        return None
    tl, gl = tl[1], gl[1]
    if _run(lambda: len(tl)) != _run(lambda: len(gl)):
        return ("len", len(tl), _run(lambda: len(gl)))
    te = [[_desc(b) for b in tl] for _ in range(3)]
    ge = [[_desc(b) for b in gl] for _ in range(3)]
    if [len(e) for e in te] != [len(e) for e in ge] or len(ge[0]) != len(gl):
        return ("batches", [len(e) for e in te], [len(e) for e in ge], len(gl))
    unbatched = bs is None and "batch_sampler" not in tkw
    flat = (lambda e: [repr(b) for b in e]) if unbatched else \
        (lambda e: [repr(s) for b in e for s in _samples(b)])
    if mode == "plain" or kind in ("seq", "list"):  # a fixed order: equal, every epoch
        return None if te[0] == ge[0] == ge[1] else ("values", te[0][:3], ge[0][:3])
    sizes = (lambda e: [1] * len(e)) if unbatched else (lambda e: [len(_samples(b)) for b in e])
    if sizes(te[0]) != sizes(ge[0]):
        return ("batch sizes", sizes(te[0]), sizes(ge[0]))
    dropped = tkw.get("drop_last") or (mode == "batch_sampler" and tkw["batch_sampler"].drop_last)
    if dropped:  # each epoch's samples: from the dataset, none more often than there
        full = collections.Counter(flat([_desc(b) for b in T.DataLoader(td)]))
        if any(collections.Counter(flat(e)) - full for e in ge):
            return ("dropped samples", flat(ge[0]))
        return None
    if not all(sorted(flat(e)) == sorted(flat(te[0])) for e in ge):
        return ("multiset", sorted(flat(te[0])), sorted(flat(ge[0])))
    if len(set(flat(ge[0]))) >= 6 and flat(ge[0]) == flat(ge[1]) == flat(ge[2]):
        return ("the same order every epoch", flat(ge[0]))
    return None


def test_loaders_agree_with_torch_on_random_configurations():
    bad = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(300):
            got = _loader_case(seed)
            if got is not None:
                bad.append((seed, got))
    assert not bad, bad[:3]


_NPD = [np.float32, np.float64, np.int32, np.int64, np.uint8, np.int16, np.bool_, np.float16]


def _structure(r, depth=0):
    k = r.random()
    if depth < 2 and k < 0.25:
        return ("tuple", [_structure(r, depth + 1) for _ in range(r.randint(0, 3))])
    if depth < 2 and k < 0.4:
        return ("list", [_structure(r, depth + 1) for _ in range(r.randint(1, 3))])
    if depth < 2 and k < 0.55:
        return ("dict", {f"k{j}": _structure(r, depth + 1) for j in range(r.randint(1, 3))})
    kinds = ["int", "float", "bool", "npscalar", "nparr", "np0d", "tensor", "str", "range"]
    if r.random() < 0.1:
        kinds.append("bigint")
    return ("leaf", r.choice(kinds), r.choice(_NPD), r.randint(0, 3))


def _sample(r, s, i, lib):
    if s[0] == "tuple":
        return tuple(_sample(r, v, i, lib) for v in s[1])
    if s[0] == "list":
        return [_sample(r, v, i, lib) for v in s[1]]
    if s[0] == "dict":
        return {k: _sample(r, v, i, lib) for k, v in s[1].items()}
    _, kind, dt, m = s
    arr = (np.arange(m) * r.randint(-3, 3)).astype(dt)
    return {"int": lambda: r.choice([0, -3, 2**31, -2**63, 2**63 - 1, i]),
            "bigint": lambda: r.choice([2**63, 2**64 - 1, -2**63 - 1, 2**63 + 1, 1]),
            "float": lambda: r.choice([0.0, -1.5, float("inf"), 1e308, 5e-324, i + 0.25]),
            "bool": lambda: r.random() < 0.5, "npscalar": lambda: dt(r.randint(0, 5)),
            "nparr": lambda: arr, "np0d": lambda: np.array(r.randint(0, 5)).astype(dt),
            "tensor": lambda: torch.from_numpy(arr) if lib == "t" else tg.Tensor(arr),
            "str": lambda: f"s{i}", "range": lambda: range(m)}[kind]()


def test_default_collate_agrees_with_torch_on_random_nested_samples():
    """Every sample of a seed has one structure and leaf types (the dtypes of samples that
    differ, a documented difference, are left out); where torch stacks, ours gives the same
    fields, dtypes and values, and where torch refuses (a Python int beyond int64, None),
    ours refuses too."""
    bad, compared = [], 0
    for seed in range(800):
        r = random.Random(seed)
        s = _structure(r)
        n = r.randint(1, 4)
        state = r.getstate()
        ts = [_sample(r, s, i, "t") for i in range(n)]
        r.setstate(state)
        gs = [_sample(r, s, i, "g") for i in range(n)]
        t = _run(lambda ts=ts: _desc(T.default_collate(ts)))
        g = _run(lambda gs=gs: _desc(D.default_collate(gs)))
        tc = _run(lambda ts=ts: _desc(T.default_convert(ts[0])))
        gc = _run(lambda gs=gs: _desc(D.default_convert(gs[0])))
        for a, b in ((t, g), (tc, gc)):
            if a[0] == b[0] == "ERR":
                continue
            compared += 1
            if a[0] != b[0] or repr(a) != repr(b):
                bad.append((seed, s, a, b))
    assert compared > 1000 and not bad, bad[:2]


# ---- named regressions -------------------------------------------------------------------------
@pytest.mark.parametrize("samples", [[1, 2**63 + 1], [2**63, 2**63 + 1], [-2**63 - 1, 0],
                                     [np.int64(1), 2**63 + 1]])
def test_collate_refuses_a_python_int_beyond_int64_as_torch(samples):
    """[1, 2**63 + 1] was a float64 batch holding 2**63 (rounded, without a word), [2**63,
    2**63 + 1] a uint64 one; torch refuses both (Overflow when unpacking long long)."""
    with pytest.raises(ValueError):
        T.default_collate(samples)
    with pytest.raises(ValueError, match=r"^default_collate: the Python int .* does not fit "
                                         r"in int64"):
        D.collate(samples)
    with pytest.raises(ValueError, match="does not fit in int64"):
        list(D.DataLoader(_GItems(samples), batch_size=2))


def test_collate_makes_float64_of_a_float_beside_a_huge_python_int_as_torch():
    """[1.5, 2**70] was refused (NumPy made an object array); torch gives float64."""
    samples = [1.5, 2**70, -2**80]
    want = T.default_collate(samples)
    got = D.collate(samples)
    assert got.data.dtype == np.float64 and got.data.tolist() == want.tolist()


def test_collate_takes_range_samples_field_by_field_as_torch():
    """A range is a Sequence: torch collates it field by field (a list of batches); it was
    stacked as one (2, 3) array."""
    samples = [range(3), range(1, 4)]
    want = [b.tolist() for b in T.default_collate(samples)]
    got = D.collate(samples)
    assert isinstance(got, list) and [b.data.tolist() for b in got] == want
    assert D.convert(range(3)) == T.default_convert(range(3)) == [0, 1, 2]


def test_default_collate_and_default_convert_are_importable_under_torch_names():
    from tinygrad_dl.utils.data import default_collate, default_convert

    assert default_collate([1, 2]).data.dtype == np.int64
    assert isinstance(default_convert(np.zeros(2)), tg.Tensor)


@pytest.mark.parametrize("kwargs", [{"timeout": 0}, {"worker_init_fn": print},
                                    {"multiprocessing_context": None},
                                    {"prefetch_factor": None}, {"persistent_workers": False},
                                    {"pin_memory_device": ""}, {"in_order": False}])
def test_dataloader_takes_torchs_worker_options_at_their_single_process_values(kwargs):
    """PyTorch's reproducibility recipe passes worker_init_fn= (with num_workers=0 it is
    never called); each was a TypeError 'unsupported argument(s)'."""
    want = [b.tolist() for b in T.DataLoader([1, 2, 3], batch_size=2, **kwargs)]
    got = [b.data.tolist() for b in D.DataLoader([1, 2, 3], batch_size=2, **kwargs)]
    assert got == want


@pytest.mark.parametrize("kwargs", [{"timeout": -1}, {"timeout": 5},
                                    {"multiprocessing_context": "spawn"},
                                    {"prefetch_factor": 2}, {"persistent_workers": True}])
def test_dataloader_refuses_worker_options_torch_refuses_without_workers(kwargs):
    with pytest.raises((ValueError, AssertionError)):
        list(T.DataLoader([1, 2, 3], **kwargs))
    with pytest.raises(ValueError, match=r"^DataLoader: (timeout|multiprocessing_context|"
                                         r"prefetch_factor|persistent_workers)"):
        D.DataLoader([1, 2, 3], **kwargs)


@pytest.mark.parametrize("kwargs", [{"batch_size": 2}, {"batch_size": 2, "drop_last": True},
                                    {"batch_size": None}, {"batch_sampler": [[0], [1, 2]]}])
def test_an_epochs_iterator_has_the_loaders_len_as_torchs(kwargs):
    """len(iter(loader)) is torch's number of batches; a generator had no len (TypeError)."""
    t, g = iter(T.DataLoader(range(5), **kwargs)), iter(D.DataLoader(range(5), **kwargs))
    assert len(g) == len(t)
    next(t), next(g)
    assert len(g) == len(t)  # (the whole epoch's, after a batch too)
    assert [_desc(b) for b in g] == [_desc(b) for b in t]


def test_an_empty_batch_is_refused_in_one_line_naming_collate():
    """torch's IndexError 'list index out of range' named nothing; ours was the same."""
    with pytest.raises(IndexError):
        list(T.DataLoader(_TItems([1, 2]), batch_sampler=[[0], []]))
    with pytest.raises(IndexError, match=r"^default_collate: an empty batch"):
        list(D.DataLoader(_GItems([1, 2]), batch_sampler=[[0], []]))
