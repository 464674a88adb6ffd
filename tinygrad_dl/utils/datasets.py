"""PyTorch's datasets (tinygrad_dl.utils.data re-exports them): `Dataset`, `IterableDataset`,
`TensorDataset`, `Subset`, `ConcatDataset` (and `ds1 + ds2`), `ChainDataset`, `StackDataset`,
and `random_split`."""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..random import as_rng
from ..tensor import Tensor

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset",
           "Subset", "TensorDataset", "random_split"]

class Dataset:
    """Base class: subclasses give __getitem__(i) (one sample) and __len__."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} has no __len__")

    def __add__(self, other: Any) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of a stream of samples: subclasses give __iter__ (the samples of one pass, in
    order) and may give __len__ (the number of samples; len() raises TypeError without it, as
    PyTorch's). A DataLoader batches what it yields; `ds1 + ds2` is a ChainDataset."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} has no __iter__")

    def __getitem__(self, index: int) -> Any:  # (Dataset's would promise indexing)
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, it "
                        "has no __getitem__")

    def __len__(self) -> int:
        raise TypeError(f"object of type '{type(self).__name__}' has no len() (an "
                        "IterableDataset without its own __len__)")

    def __add__(self, other: Any) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """IterableDatasets one after another, each iterated anew every pass; len is the sum of
    theirs (each must have one)."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)  # (torch keeps the iterable: a generator ran once)
        odd = next((d for d in self.datasets if not isinstance(d, IterableDataset)), None)
        if odd is not None:
            raise TypeError(f"ChainDataset only supports IterableDataset, got a "
                            f"{type(odd).__name__}")

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class TensorDataset(Dataset):
    """Samples are the rows of tensors of equal length: dataset[i] = (t[i] for t in tensors)."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t))
                             for t in tensors)
        n = {len(t.data) if t.ndim else None for t in self.tensors}
        if len(n) != 1 or None in n:
            shapes = ", ".join(str(t.shape) for t in self.tensors)
            raise ValueError(f"TensorDataset: the tensors must have one first dimension, got "
                             f"shapes {shapes}")

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0].data)


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: subset[i] = dataset[indices[i]]
    (negative i counts from the end, as a list's)."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        try:
            j = self.indices[idx]
        except IndexError:
            raise IndexError(f"Subset: index {idx} is out of range for a subset of "
                             f"{len(self)} samples") from None
        return self.dataset[j]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The datasets one after another: len is their total; `cumulative_sizes` their ends."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):  # (no indices to join)
            raise TypeError("ConcatDataset does not support IterableDataset (ChainDataset "
                            "chains them)")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: Any) -> Any:
        try:
            i = operator.index(idx)
        except TypeError:
            raise TypeError(f"ConcatDataset: index must be an integer, got "
                            f"{type(idx).__name__}") from None
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"ConcatDataset: index {i} is out of range for {n} samples")
        i += n if i < 0 else 0
        d = bisect.bisect_right(self.cumulative_sizes, i)
        return self.datasets[d][i - (self.cumulative_sizes[d - 1] if d else 0)]



class StackDataset(Dataset):
    """Datasets of one length side by side: `StackDataset(a, b)[i]` is `(a[i], b[i])`,
    `StackDataset(x=a, y=b)[i]` is `{"x": a[i], "y": b[i]}` (PyTorch's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: datasets given both positionally (tuple samples) "
                             "and by keyword (dict samples); give one kind")
        if not args and not kwargs:
            raise ValueError("StackDataset: at least one dataset should be passed")
        parts = args or tuple(kwargs.values())
        self._length = len(parts[0])
        if any(len(d) != self._length for d in parts):
            sizes = ", ".join(str(len(d)) for d in parts)
            raise ValueError(f"StackDataset: size mismatch between datasets ({sizes})")
        self.datasets: tuple[Any, ...] | dict[str, Any] = args or dict(kwargs)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list[Any]) -> list[Any]:
        """The samples at `indices`, a list (PyTorch's batched fetch): each dataset's own
        __getitems__ where it has one, else one index at a time."""
        parts = self.datasets if isinstance(self.datasets, dict) else dict(
            enumerate(self.datasets))
        columns = {}
        for k, d in parts.items():
            got = d.__getitems__(indices) if callable(getattr(d, "__getitems__", None)) else [
                d[i] for i in indices]
            if len(got) != len(indices):
                raise ValueError(f"StackDataset.__getitems__: dataset {k!r} gave {len(got)} "
                                 f"samples for {len(indices)} indices")
            columns[k] = got
        rows = range(len(indices))
        if isinstance(self.datasets, dict):
            return [{k: c[r] for k, c in columns.items()} for r in rows]
        return [tuple(c[r] for c in columns.values()) for r in rows]

    def __len__(self) -> int:
        return self._length


def random_split(dataset: Any, lengths: Sequence[int | float], generator: Any = None
                 ) -> list[Subset]:
    """Split `dataset` into non-overlapping Subsets of the given lengths, at random (from
    `generator`, else the default generator). Fractions summing to 1 give the lengths
    floor(fraction * len(dataset)), the remainder then spread one by one from the first,
    as PyTorch does."""
    n, lengths = len(dataset), list(lengths)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        sizes = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=2)
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths does not equal the length of the input dataset! "
                         f"(random_split: lengths {lengths} sum to {sum(lengths)}, the dataset "
                         f"has {n} samples)")
    if any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0
           for k in lengths):
        raise ValueError(f"random_split: lengths must be integers >= 0 or fractions summing "
                         f"to 1, got {lengths}")
    order = as_rng(generator, "random_split").permutation(n).tolist()
    ends = list(itertools.accumulate(int(k) for k in lengths))
    return [Subset(dataset, order[end - int(k):end]) for end, k in zip(ends, lengths)]
