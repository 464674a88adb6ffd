"""Review of the allocation check (ops/allocation.py): dtypes NumPy cannot read (torch's),
NumPy-int sizes whose product wraps, the swap the kernel lends, negative tile reps, a layer's
bias beside an empty weight, and the sibling entry points that still asked NumPy for
petabytes (einsum/tensordot, pdist, fold, max_unpool, RandomSampler's permutation)."""

import os
import resource
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn as nn
import tinygrad_dl.nn.functional as F
from tinygrad_dl.ops import allocation
from tinygrad_dl.ops.allocation import TooBig, check_alloc
from tinygrad_dl.utils.data import RandomSampler, SubsetRandomSampler, WeightedRandomSampler

BIG = 10**15


def _refused(op, fn):
    with pytest.raises(TooBig) as e:
        fn()
    msg = str(e.value)
    assert msg.startswith(op) and "would need" in msg and "\n" not in msg, msg
    return msg


def test_torch_dtype_is_weighed_not_skipped():
    """zeros(10**15, dtype=torch.float32): np.dtype() refuses torch's dtype, and the check
    skipped the whole size (NumPy's bare 'Unable to allocate 3.55 PiB')."""
    torch = pytest.importorskip("torch")
    msg = _refused("zeros", lambda: tg.zeros(BIG, dtype=torch.float32))
    assert "3.55 PiB" in msg, msg  # (its 4 bytes, not float64's 8)
    _refused("ones", lambda: tg.ones(BIG, dtype=torch.float64))
    _refused("zeros", lambda: tg.zeros((BIG, 2), dtype=torch.float16))


def test_a_dtype_with_an_itemsize_attribute_is_weighed():
    class Half:  # (any spelling with an itemsize: torch's dtypes have one)
        itemsize = 2
    msg = _refused("op", lambda: check_alloc("op", (BIG,), Half()))
    assert "1.78 PiB" in msg, msg


def test_numpy_int_sizes_do_not_wrap():
    """(np.int64(2**32), np.int64(2**32)): NumPy ints' product wrapped to 0, the check passed
    and NumPy said 'array is too big' naming no op (with an overflow RuntimeWarning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _refused("zeros", lambda: tg.zeros(np.int64(2**32), np.int64(2**32)))
        _refused("zeros", lambda: tg.zeros((np.int64(2**32), np.int64(2**32), 3)))
        _refused("tile", lambda: tg.ones(2).tile((np.int64(2**32), np.int64(2**32))))


@pytest.mark.skipif(resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY,
                    reason="an address-space limit is the binding one here")
def test_swap_counts_as_the_kernel_counts_it(monkeypatch):
    """Linux's default overcommit refuses one allocation past RAM + swap, not past RAM: an
    array between the two was refused though NumPy (and torch) allocate it."""
    ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    between = (ram + (1 << 34)) // 8  # (16 GiB over RAM, float64)
    monkeypatch.setattr(allocation, "swap_bytes", lambda: 1 << 36, raising=False)
    check_alloc("zeros", (between,))  # (weighed only: nothing allocated)
    monkeypatch.setattr(allocation, "swap_bytes", lambda: 0, raising=False)
    _refused("zeros", lambda: check_alloc("zeros", (between,)))


def test_negative_tile_reps_keep_their_own_refusal():
    """tile((-10**8, -10**8)): the two negatives' product was weighed as 426 PiB."""
    with pytest.raises(ValueError, match="negative") as e:
        tg.ones(2, 3).tile((-10**8, -10**8))
    assert not isinstance(e.value, MemoryError)


def test_a_bias_beside_an_empty_weight_is_weighed():
    """Linear(0, 10**15): its weight (10**15, 0) needs 0 bytes, its bias 7.11 PiB (NumPy's
    bare MemoryError)."""
    assert "bias" in _refused("Linear", lambda: nn.Linear(0, BIG))
    _refused("Bilinear", lambda: nn.Bilinear(0, 3, BIG))
    assert nn.Linear(0, 3).weight.shape == (3, 0)  # (an empty layer is fine)
    assert nn.Linear(0, 3, bias=False).weight.shape == (3, 0)


def test_einsum_and_tensordot_outer_products_are_weighed():
    a, b = tg.ones(10**6), tg.ones(10**6)
    _refused("einsum", lambda: tg.einsum("i,j->ij", a, b))
    _refused("einsum", lambda: tg.tensordot(a, b, dims=0))
    assert tg.einsum("i,i->", tg.ones(3), tg.ones(3)).item() == 3.0


def test_pdist_fold_and_max_unpool_are_weighed():
    _refused("pdist", lambda: F.pdist(tg.ones(10**6, 3)))
    _refused("fold", lambda: F.fold(tg.ones(1, 1, 1), output_size=(10**8, 10**8),
                                    kernel_size=1, stride=10**8))
    _refused("max_unpool2d", lambda: F.max_unpool2d(
        tg.ones(1, 1, 1, 1), tg.zeros(1, 1, 1, 1, dtype=np.int64), kernel_size=10**7))
    assert F.pdist(tg.ones(4, 2)).shape == (6,)


def test_random_sampler_permutation_of_a_huge_source_is_weighed():
    s = RandomSampler(range(BIG))
    assert len(s) == BIG
    _refused("RandomSampler", lambda: next(iter(s)))
    _refused("SubsetRandomSampler", lambda: next(iter(SubsetRandomSampler(range(BIG)))))
    r = RandomSampler(range(BIG), replacement=True, num_samples=3,
                      generator=np.random.default_rng(0))
    assert all(0 <= i < BIG for i in r)


@pytest.mark.parametrize("n", [3, 1000, 2**31 + 11])
def test_blocked_draws_are_one_call_s_draws(n):
    """The lazy blocks of 2**20 draw the numbers one NumPy call drew, past the first block."""
    k = 2**20 + 5
    s = RandomSampler(range(n), replacement=True, num_samples=k,
                      generator=np.random.default_rng(7))
    got = np.fromiter(iter(s), np.int64)
    assert np.array_equal(got, np.random.default_rng(7).integers(0, n, k))
    w = np.arange(1.0, 6.0)
    s = WeightedRandomSampler(w, k, generator=np.random.default_rng(8))
    got = np.fromiter(iter(s), np.int64)
    assert np.array_equal(got, np.random.default_rng(8).choice(5, k, p=w / w.sum()))
