"""utils.data.StackDataset.__getitems__ (torch's batched fetch: absent), against torch 2.13's
on random stacks of TensorDatasets, lists, Subsets and nested StackDatasets."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.utils import data as D

torch = pytest.importorskip("torch")
td = torch.utils.data


def _plain(x):
    if isinstance(x, (torch.Tensor, tg.Tensor)):
        return ("T", np.asarray(x.numpy()).tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(v) for v in x])
    return x


def _stack(lib, kind, A, B, L):
    T, M = (torch, td) if lib == "torch" else (tg, D)
    ta, tb = T.tensor(A), T.tensor(B)
    pair = M.TensorDataset(ta, tb)
    n = len(L)
    return [lambda: M.StackDataset(pair, L),
            lambda: M.StackDataset(x=pair, y=L, z=tb),
            lambda: M.StackDataset(M.Subset(pair, list(range(n))[::-1]), ta),
            lambda: M.StackDataset(M.StackDataset(ta, tb), L),
            lambda: M.StackDataset(a=M.StackDataset(p=ta), b=tb)][kind]()


@pytest.mark.parametrize("seed", range(40))
def test_getitems_matches_torch(seed):
    r = np.random.default_rng(seed)
    n = int(r.integers(1, 6))
    A, B = r.standard_normal((n, 2)), r.integers(0, 5, n)
    L = [float(v) for v in r.standard_normal(n)]
    kind = int(r.integers(0, 5))
    idx = [int(i) for i in r.integers(-n, n, int(r.integers(0, 4)))]
    want = _stack("torch", kind, A, B, L).__getitems__(idx)
    got = _stack("ours", kind, A, B, L).__getitems__(idx)
    assert _plain(got) == _plain(want)


def test_getitems_of_a_nested_dataset_giving_too_few_samples_refused():
    class Short(D.Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return i

        def __getitems__(self, indices):
            return indices[:-1]

    with pytest.raises(ValueError, match=r"StackDataset.__getitems__: dataset 0 gave 1 "
                       r"samples for 2 indices"):
        D.StackDataset(Short(), [1, 2, 3]).__getitems__([0, 1])
