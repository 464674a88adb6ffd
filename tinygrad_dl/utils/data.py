"""PyTorch's data pipeline, in its own spelling: `TensorDataset(X, y)` and `DataLoader(dataset,
batch_size=64, shuffle=True)`.

    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True,
                        generator=Generator().manual_seed(0))
    for xb, yb in loader:   # Tensors of up to 64 rows; the last batch may be smaller
        ...

As PyTorch: batch_size=1, shuffle=False and drop_last=False by default; with shuffle, each pass
draws a new order from `generator` (a tinygrad_dl.Generator or an np.random.Generator), else
from the default generator (tinygrad_dl.manual_seed reseeds it); len(loader) is the number of
batches. A TensorDataset's batch is its tensors indexed by the batch's indices, one fancy-index
each; any other Dataset's items are fetched one by one and stacked (`collate`). No worker
processes: `num_workers` must be 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..random import as_rng
from ..tensor import Tensor

__all__ = ["DataLoader", "Dataset", "TensorDataset", "collate"]


class Dataset:
    """Base class: subclasses give __getitem__(i) (one sample) and __len__."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} has no __len__")


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


def collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch: tuples, lists and namedtuples field by field (a
    namedtuple stays that namedtuple, as in PyTorch's default_collate; a plain tuple stays a
    tuple where PyTorch gives a list), dicts key by key, Tensors/arrays/numbers along a new first
    axis (as Tensors). Samples with different numbers of fields are a ValueError."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        n = len(first)
        odd = next((s for s in samples if not isinstance(s, (tuple, list)) or len(s) != n), None)
        if odd is not None:  # zip-like truncation would silently drop a field
            got = (f"one with {len(odd)}" if isinstance(odd, (tuple, list))
                   else f"a {type(odd).__name__}")
            raise ValueError(f"DataLoader: every sample must have the {n} fields of the first, "
                             f"got {got}")
        fields = [collate([s[i] for s in samples]) for i in range(n)]
        if isinstance(first, tuple) and hasattr(type(first), "_fields"):
            return type(first)(*fields)  # a namedtuple takes its fields as arguments
        try:
            return type(first)(fields)
        except TypeError:  # a subclass with its own constructor: the plain container
            return tuple(fields) if isinstance(first, tuple) else fields
    if isinstance(first, dict):
        return {k: collate([s[k] for s in samples]) for k in first}
    arrays = [s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples]
    try:
        return Tensor(np.stack(arrays))
    except ValueError as e:
        raise ValueError(f"DataLoader: cannot stack samples into a batch ({e})") from None


class DataLoader:
    """Batches of a dataset, in order or shuffled; see the module docstring."""

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool = False,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, generator: Any = None, **kwargs: Any) -> None:
        if sampler is not None or batch_sampler is not None:
            raise TypeError("DataLoader: sampler/batch_sampler are not supported; use "
                            "shuffle=True (with generator=) or index the dataset yourself")
        if num_workers:
            raise ValueError(f"DataLoader: num_workers={num_workers}: batches are made in this "
                             "process (num_workers=0)")
        if kwargs:
            raise TypeError(f"DataLoader: unsupported argument(s) {sorted(kwargs)}")
        if batch_size is None or isinstance(batch_size, bool) or int(batch_size) != batch_size \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.collate_fn, self.pin_memory = collate_fn, pin_memory
        self.generator = generator
        as_rng(generator, "DataLoader")  # a wrong kind of generator fails here, not mid-epoch

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = (as_rng(self.generator, "DataLoader").permutation(n) if self.shuffle
                 else np.arange(n))
        # (a subclass with its own __getitem__, an augmentation, goes item by item: the fast
        # path read its tensors directly and dropped what __getitem__ does)
        fast = (isinstance(self.dataset, TensorDataset) and self.collate_fn is None
                and type(self.dataset).__getitem__ is TensorDataset.__getitem__)
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            if fast:  # one fancy-index per tensor, not one item per sample
                yield tuple(t[idx] for t in self.dataset.tensors)
            else:
                batch = [self.dataset[int(j)] for j in idx]
                yield (self.collate_fn or collate)(batch)
