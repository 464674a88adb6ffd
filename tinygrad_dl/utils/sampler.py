"""PyTorch's samplers (torch.utils.data.sampler), re-exported by tinygrad_dl.utils.data: the
orders in which a DataLoader reads a dataset, given as `sampler=` (indices) or
`batch_sampler=` (lists of indices). RandomSampler, SubsetRandomSampler and
WeightedRandomSampler draw from `generator=` (a tinygrad_dl.Generator or an
np.random.Generator), else from the default generator (tinygrad_dl.manual_seed reseeds it),
anew each pass, as DataLoader's shuffle does.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

import numpy as np

from ..ops.allocation import check_alloc
from ..random import as_rng, successive_draws

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
           "WeightedRandomSampler"]


_T_co = TypeVar("_T_co", covariant=True)


class Sampler(Generic[_T_co]):
    """Base class of the samplers: subclasses give __iter__ (the indices, or for a batch
    sampler lists of them) and, where they can, __len__. Generic, as PyTorch's: `class
    MySampler(Sampler[int])` (it was not subscriptable: a TypeError at the class line)."""

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} has no __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


# Draws with replacement come in blocks of this many (one block: the draws of one NumPy call,
# as before): num_samples=10**15 is drawn as it is iterated, as torch's blocks of 32 are (it
# asked NumPy for all of them at once: 7.11 PiB, a MemoryError)
_BLOCK = 1 << 20


class RandomSampler(Sampler):
    """A new random order of the indices each pass (num_samples of them, len(data_source) by
    default, as whole permutations then part of one), or with replacement num_samples
    independent draws; from `generator`, else the default generator."""

    def __init__(self, data_source: Any, replacement: bool = False, num_samples: int | None = None,
                 generator: Any = None) -> None:
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        k = self.num_samples
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={k}")
        as_rng(generator, "RandomSampler")  # a wrong kind of generator fails here

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, k = len(self.data_source), int(self.num_samples)
        if n == 0:
            raise ValueError("RandomSampler: the data source is empty: no index to draw")
        rng = as_rng(self.generator, "RandomSampler")
        if self.replacement:
            for start in range(0, k, _BLOCK):
                yield from rng.integers(0, n, min(_BLOCK, k - start)).tolist()
            return
        check_alloc("RandomSampler", (n,), np.int64, "use replacement=True, or a smaller "
                    "data source", "a permutation")  # (torch's randperm(n) would not fit)
        for _ in range(k // n):
            yield from rng.permutation(n).tolist()
        if k % n:
            yield from rng.permutation(n)[:k % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a new random order each pass (without replacement): torch's
    `indices[i] for i in randperm(len(indices))`, from `generator`, else the default one."""

    def __init__(self, indices: Any, generator: Any = None) -> None:
        try:
            len(indices)
        except TypeError:
            raise TypeError(f"SubsetRandomSampler: indices must be a sequence of indices, got "
                            f"{type(indices).__name__}") from None
        self.indices, self.generator = indices, generator
        as_rng(generator, "SubsetRandomSampler")  # a wrong kind of generator fails here

    def __iter__(self) -> Iterator[Any]:
        rng = as_rng(self.generator, "SubsetRandomSampler")
        check_alloc("SubsetRandomSampler", (len(self.indices),), np.int64, "use fewer indices",
                    "a permutation")
        for i in rng.permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices of range(len(weights)), index i drawn with probability weights[i] /
    sum(weights) (the weights need not sum to 1); with replacement=False an index is drawn at
    most once (then the weights of those left are renormalised, as torch.multinomial does).
    From `generator`, else the default generator, anew each pass."""

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        who = "WeightedRandomSampler"
        if (isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer))
                or num_samples <= 0):
            raise ValueError(f"{who}: num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"{who}: replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        try:
            w = np.asarray(getattr(weights, "numpy", lambda: weights)())
            if w.dtype == object and w.ndim == 1 and all(isinstance(x, numbers.Real)
                                                         for x in w):
                w = np.array([float(x) for x in w])  # 2**70 beside others: torch's cast
            if w.dtype.kind == "c":  # (torch drops the imaginary parts, with a warning)
                raise TypeError(f"got {w.dtype} values; pass real weights (w.real or abs(w))")
            if w.dtype.kind not in "biuf":  # NumPy would parse "1" as 1.0; torch refuses it
                raise TypeError(f"got {w.dtype} values")
            w = w.astype(np.float64)
        except (TypeError, ValueError, OverflowError) as e:
            raise ValueError(f"{who}: weights must be a 1d sequence of numbers ({e})") from None
        if w.ndim != 1:
            raise ValueError(f"{who}: weights should be a 1d sequence but given weights have "
                             f"shape {tuple(w.shape)}")
        if w.size == 0:
            raise ValueError(f"{who}: weights is empty: no index to draw")
        if not np.isfinite(w).all():
            raise ValueError(f"{who}: invalid multinomial distribution (encountering "
                             "probability entry = infinity or NaN)")
        if (w < 0).any():
            raise ValueError(f"{who}: invalid multinomial distribution (encountering "
                             "probability entry < 0)")
        if w.max() <= 0:  # every weight is >= 0 here: the sum is 0 (w.sum() may overflow)
            raise ValueError(f"{who}: invalid multinomial distribution (sum of probabilities "
                             "<= 0)")
        # scaled by the largest first: a sum of huge weights would overflow to inf
        p = w / w.max()
        p /= p.sum()
        # counted in the weights (a weight 1e-300 beside 1e300 is 0 in p: it was refused as
        # zero, where torch draws it once the other is drawn; see successive_draws)
        nonzero = int(np.count_nonzero(w))
        if not replacement and num_samples > nonzero:
            raise ValueError(f"{who}: cannot sample num_samples={num_samples} > {nonzero} "
                             "nonzero weights without replacement")
        as_rng(generator, who)  # a wrong kind of generator fails here
        self.weights, self.num_samples = w, int(num_samples)
        self.replacement, self.generator = replacement, generator
        self._p = p

    def __iter__(self) -> Iterator[int]:
        rng = as_rng(self.generator, "WeightedRandomSampler")
        p, k = self._p, self.num_samples
        if not self.replacement and k > 1:  # (at most len(weights) of them; one draw is
            yield from successive_draws(self.weights, k, rng).tolist()  # p_i either way)
            return
        for start in range(0, k, _BLOCK):  # (drawn as iterated: see _BLOCK)
            yield from rng.choice(len(p), min(_BLOCK, k - start), p=p).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of up to batch_size indices from `sampler`, in its order; with drop_last, no
    last shorter list."""

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        if (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self) -> Iterator[list[Any]]:
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
