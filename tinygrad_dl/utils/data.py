"""PyTorch's data pipeline, in its own spelling: `TensorDataset(X, y)` and `DataLoader(dataset,
batch_size=64, shuffle=True)`.

    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True,
                        generator=Generator().manual_seed(0))
    for xb, yb in loader:   # Tensors of up to 64 rows; the last batch may be smaller
        ...

As PyTorch: batch_size=1, shuffle=False and drop_last=False by default; with shuffle, each pass
draws a new order from `generator` (a tinygrad_dl.Generator or an np.random.Generator), else
from the default generator (tinygrad_dl.manual_seed reseeds it); len(loader) is the number of
batches. A TensorDataset's batch (also through Subsets of it) is its tensors indexed by the
batch's indices, one fancy-index each; any other Dataset's items are fetched one by one and
stacked (`collate`). No worker processes: `num_workers` must be 0 (PyTorch's other worker
options are taken at their values for num_workers=0, as PyTorch takes them).

Also PyTorch's `Subset`, `ConcatDataset` (and `dataset1 + dataset2`), `ChainDataset`,
`StackDataset`, `random_split` (tinygrad_dl.utils.datasets), and the
samplers `SequentialSampler`, `RandomSampler` and `BatchSampler` (tinygrad_dl.utils.sampler,
re-exported here), which DataLoader takes as `sampler=` or `batch_sampler=` (with PyTorch's
rules: a sampler excludes shuffle, a batch sampler excludes batch_size, shuffle, sampler and
drop_last). Every draw (shuffling, splits, samplers) comes from `generator=` or else the
default generator, as above. `loader.sampler` / `loader.batch_sampler` are the ones given
(None otherwise: shuffle draws its order itself, where PyTorch fills in default samplers).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import (
    Callable,
    Iterator,
    Mapping,
    MutableMapping,
    MutableSequence,
    Sequence,
)
from typing import Any

import numpy as np

from ..functional import stack
from ..grad import masked_error
from ..ops.indexing import check_uint64
from ..random import as_rng
from ..tensor import Tensor
from .datasets import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset",
           "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "collate",
           "convert", "default_collate", "default_convert", "get_worker_info", "random_split"]


def _tensor_rows(dataset: Any, idx: list[Any]) -> tuple[TensorDataset, np.ndarray] | None:
    """(the TensorDataset, its row indices) for a batch of a TensorDataset, or of Subsets of
    one, none of them with its own __getitem__; else None (the items one by one)."""
    rows = _integers(idx, dataset)  # (an int64 array of [1.7, True] was rows 1 and 1, unsaid)
    while isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__:
        rows = _integers([dataset.indices[i] for i in rows.tolist()], dataset.dataset)
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset) and \
            type(dataset).__getitem__ is TensorDataset.__getitem__:
        return dataset, rows
    return None


def _integers(idx: Any, dataset: Any) -> np.ndarray:
    """Sample indices (into `dataset`) as int64, or one line naming the first that
    is not an integer (a float or a bool: indexing the dataset itself refuses them, as
    PyTorch's loader does) or a uint64 one past the end (2**64 - 1, which a list of Python
    ints makes uint64, was cast to -1: the last sample)."""
    rows = np.asarray(idx)
    if rows.size == 0:
        return rows.astype(np.int64).reshape(0)
    if rows.dtype.kind not in "iu":
        given = idx.reshape(-1).tolist() if isinstance(idx, np.ndarray) else list(idx)
        bad = next((i for i in given if isinstance(i, (bool, np.bool_))
                    or not isinstance(i, (int, np.integer))), None)
        if bad is None:  # all ints, one past int64 (NumPy made them float64; `next` raised
            # StopIteration): past any dataset's end
            big = max(given, key=abs)
            raise IndexError(f"DataLoader: sample index {big} is out of range for "
                             f"{len(dataset)} samples")
        raise IndexError(f"DataLoader: sample index {bad!r} ({type(bad).__name__}) is not an "
                         "integer (from the sampler or a Subset's indices)")
    if rows.dtype.kind == "u":  # (len() only then: a dataset may have none)
        check_uint64("DataLoader", rows, len(dataset))
    return rows.astype(np.int64, copy=False)


def collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch (PyTorch's default_collate, also under that name):
    tuples, lists, namedtuples and other sequences (a range) field by field (a namedtuple
    stays that namedtuple, as in PyTorch's default_collate; a plain tuple stays a tuple where
    PyTorch gives a list; a range gives a list), dicts and other mappings key by key (in the
    sample's mapping type, as PyTorch's: an OrderedDict stays one), strings and bytes into a
    list, Tensors/arrays/numbers along a new first axis (as Tensors; samples that require
    grad are stacked in their graph, as torch.stack; Python ints as int64, Python floats,
    or ints beside them, as float64). Samples with different numbers of fields are a
    ValueError; a Python int beyond int64 a ValueError; None, objects and string arrays a
    TypeError, as PyTorch's."""
    if not len(samples):  # (PyTorch: IndexError, list index out of range)
        raise IndexError("default_collate: an empty batch, no sample to collate (a "
                         "batch_sampler gave an empty list of indices?)")
    first = samples[0]
    if isinstance(first, (np.ndarray, Tensor)):  # (the common leaf: no sequence/mapping tests;
        return _stacked(samples, first.ndim == 0)  # a Python int beside rows fails to stack)
    if isinstance(first, (str, bytes)):  # file names, captions: a list, as PyTorch's
        return list(samples)
    if isinstance(first, (tuple, list)) or isinstance(first, Sequence):  # a range too: field
        n = len(first)  # by field, as PyTorch's (an array or a Tensor beside them by its rows)
        odd = next((s for s in samples if not (isinstance(s, (tuple, list)) or _fields(s)
                                               or _rows(s)) or len(s) != n), None)
        if odd is not None:  # zip-like truncation would silently drop a field
            got = (f"one with {len(odd)}" if _fields(odd) or _rows(odd)
                   else f"a {type(odd).__name__}")
            raise ValueError(f"DataLoader: every sample must have the {n} fields of the first, "
                             f"got {got}")
        fields = [collate([s[i] for s in samples]) for i in range(n)]
        if isinstance(first, tuple):  # a namedtuple takes its fields as arguments; a plain
            return (type(first)(*fields) if hasattr(type(first), "_fields")  # tuple stays one
                    else _same_sequence(first, fields))
        return _same_sequence(first, fields)
    if isinstance(first, Mapping):
        return _same_mapping(first, {k: collate([s[k] for s in samples]) for k in first})
    if all(isinstance(s, (int, float)) for s in samples):  # Python numbers (np.float64 too)
        return Tensor(_numbers(samples))
    return _stacked(samples, True)


def _stacked(samples: Sequence[Any], ints: bool) -> Tensor:
    """Tensors, arrays and numbers stacked along a new first axis (`collate`'s leaves); with
    `ints`, a Python int past int64 among them refused (NumPy made the batch uint64, float64
    or objects)."""
    first = samples[0]
    if any(issubclass(k, np.ma.MaskedArray) for k in set(map(type, samples))):  # (np.stack
        raise masked_error("DataLoader: a sample")  # read under the mask; torch's refuses it)
    if ints:
        _fit_int64(samples)
    arrays = [s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples]
    try:
        batch = np.stack(arrays)
    except ValueError as e:
        raise ValueError(f"DataLoader: cannot stack samples into a batch ({e})") from None
    if batch.dtype.kind in "OSUVMm":  # None, objects, strings, dates: not numbers (a Tensor of
        # them reached the model as a string Tensor); PyTorch refuses them in these words
        raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                        f"dicts or lists; found {type(first).__name__} (dtype {batch.dtype})")
    if any(isinstance(s, Tensor) and s.requires_grad for s in samples):
        # samples in a graph (computed from a parameter): stacked in it, as torch.stack does
        # (the batch of their values was detached from it: no gradient, without a word);
        # after the dtype check (a string sample beside them made a string Tensor that
        # required grad)
        return stack([s if isinstance(s, Tensor) else Tensor(a) for s, a in zip(samples, arrays)])
    return Tensor(batch)


def _same_mapping(like: Mapping[Any, Any], values: dict[Any, Any]) -> Any:
    """`values` in the mapping type of the sample `like`, as PyTorch's default_collate: a
    mutable one (OrderedDict, defaultdict, a dict subclass) as a copy of it updated (its extra
    attributes kept), another built from a dict, a plain dict where the type allows neither
    (an OrderedDict batch became a plain dict)."""
    try:
        if isinstance(like, MutableMapping):
            out = copy.copy(like)
            out.update(values)
            return out
        return type(like)(values)  # type: ignore[call-arg]
    except TypeError:
        return values


def convert(sample: Any) -> Any:
    """One sample as DataLoader(batch_size=None) yields it (PyTorch's default_convert, also
    under that name): NumPy arrays and scalars as Tensors, tuples, lists, namedtuples, other
    sequences (a range, as a list) and dicts field by field, all else (Tensors, Python
    numbers, strings) as it is; a plain tuple stays a tuple, as in `collate` (PyTorch gives
    a list)."""
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind in "biufc":
        return Tensor(np.asarray(sample))
    if isinstance(sample, Mapping):
        return _same_mapping(sample, {k: convert(sample[k]) for k in sample})
    if isinstance(sample, tuple) and hasattr(type(sample), "_fields"):
        return type(sample)(*(convert(v) for v in sample))
    if _fields(sample):  # a tuple, a list, a range, a deque: in its type, as PyTorch's
        fields = [convert(v) for v in sample]
        return tuple(fields) if isinstance(sample, tuple) else _same_sequence(sample, fields)
    return sample


def _fields(sample: Any) -> bool:
    """Whether `sample` is a sequence of fields to collate one by one, as PyTorch's
    collections.abc.Sequence test (a tuple, a list, a range: one was stacked as one array,
    its fields a row each); strings and bytes are samples themselves."""
    return isinstance(sample, Sequence) and not isinstance(sample, (str, bytes))


def _rows(sample: Any) -> bool:
    """Whether `sample` is an array or a Tensor with rows, which PyTorch's collate takes row
    by row beside sequences ([1, 2] beside np.array([3, 4]))."""
    return isinstance(sample, (np.ndarray, Tensor)) and sample.ndim > 0


def _same_sequence(like: Sequence[Any], fields: list[Any]) -> Any:
    """`fields` in the sequence type of the sample `like`, as PyTorch's collate and convert
    make it: a list as it is, another mutable sequence (a deque, a list subclass) as a copy
    of it with the fields set, another sequence built from the list, a list where the type
    allows neither (a range; a bytearray of Tensors)."""
    if type(like) is list:
        return fields
    try:
        if isinstance(like, MutableSequence):
            out = copy.copy(like)
            for i, v in enumerate(fields):
                out[i] = v
            return out
        return type(like)(fields)
    except (TypeError, ValueError):
        return fields


def _numbers(samples: Sequence[Any]) -> np.ndarray:
    """A batch of Python numbers (bools, ints, floats) as PyTorch's default_collate makes it:
    float64 where any is a float (an int rounded to the nearest float), else int64 (bool
    where all are bools), an int beyond int64 refused (`_fit_int64`)."""
    if any(isinstance(s, float) for s in samples):
        try:
            return np.array(samples, dtype=np.float64)
        except OverflowError:
            big = max((s for s in samples if isinstance(s, int)), key=abs)
            raise OverflowError(f"default_collate: the Python int {big} is too large for "
                                "float64 (PyTorch's words: int too large to convert to "
                                "float)") from None
    _fit_int64(samples)
    return np.array(samples, dtype=bool if all(isinstance(s, bool) for s in samples)
                    else np.int64)


def _fit_int64(samples: Sequence[Any]) -> None:
    """Refuse, as PyTorch's collate does, a Python int beyond int64 among the samples: NumPy
    made the batch float64 (2**63 + 1 rounded to 2**63 without a word) or uint64."""
    big = next((s for s in samples if isinstance(s, int) and not -2**63 <= s < 2**63), None)
    if big is not None:
        raise ValueError(f"default_collate: the Python int {big} does not fit in int64 "
                         "(PyTorch's 'Overflow when unpacking long long'); give it as a float "
                         "or a NumPy array of its dtype")


default_collate, default_convert = collate, convert  # PyTorch's names for them


def get_worker_info() -> None:
    """torch.utils.data.get_worker_info: the DataLoader worker this code runs in, or None in
    the main process. Batches are always made in the calling process here (num_workers=0, no
    worker processes or threads), so it is always None, as torch's is without workers (a
    dataset that shards itself by worker id then reads all of it, as torch's with
    num_workers=0)."""
    return None


def _no_worker_options(timeout: Any, context: Any, prefetch_factor: Any,
                       persistent_workers: Any) -> None:
    """PyTorch's refusals, in its words, of the worker options beside num_workers=0 (the only
    value here): their defaults pass, as in PyTorch (its reproducibility recipe passes
    worker_init_fn and generator whatever num_workers is), anything else is one line."""
    if not isinstance(timeout, (int, float, np.integer, np.floating)):  # (the 10th positional
        # argument was generator here before; torch: a TypeError from timeout < 0)
        raise TypeError(f"DataLoader: timeout must be a number (0), got a "
                        f"{type(timeout).__name__}; the 10th positional argument is timeout, "
                        "as in PyTorch: give generator=... by keyword")
    if timeout != 0:  # (torch: negative refused, positive failed at the first batch:
        # "_SingleProcessDataLoaderIter requires timeout == 0")
        raise ValueError(f"DataLoader: timeout={timeout!r}: batches are made in this process, "
                         "with no worker to wait for (timeout=0)")
    if context is not None:
        raise ValueError("DataLoader: multiprocessing_context can only be used with "
                         "multi-process loading (num_workers > 0), but got num_workers=0")
    if prefetch_factor is not None:
        raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                         "multiprocessing. let num_workers > 0 to enable multiprocessing, "
                         "otherwise set prefetch_factor to None.")
    if persistent_workers:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")


class DataLoader:
    """Batches of a dataset, in order or shuffled; see the module docstring."""

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool = False,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], Any] | None = None,
                 multiprocessing_context: Any = None, generator: Any = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers:
            raise ValueError(f"DataLoader: num_workers={num_workers}: batches are made in this "
                             "process (num_workers=0)")
        _no_worker_options(timeout, multiprocessing_context, prefetch_factor,
                           persistent_workers)
        self.iterable = isinstance(dataset, IterableDataset)
        if self.iterable:  # PyTorch's rules and words (its stream has no indices to order)
            for name, v, given in (("shuffle", shuffle, shuffle not in (None, False)),
                                   ("sampler", sampler, sampler is not None),
                                   ("batch_sampler", batch_sampler, batch_sampler is not None)):
                if given:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={v}")
        if sampler is not None and shuffle:  # PyTorch's rules and words
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching "
                                 "and is mutually exclusive with drop_last")
        elif (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
              or batch_size < 1):  # (2.0 as torch: refused; "2" raised int()'s ValueError)
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r} (or None: no batching)")
        self.sampler, self.batch_sampler = sampler, batch_sampler  # None: shuffle's order
        self.dataset = dataset
        self.batch_size = (None if batch_sampler is not None or batch_size is None
                           else int(batch_size))
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        if self.shuffle and not self.iterable and hasattr(type(dataset), "__len__") \
                and len(dataset) == 0:  # (PyTorch's RandomSampler refuses num_samples=0)
            raise ValueError("DataLoader: shuffle=True over an empty dataset (0 samples, "
                             "nothing to shuffle), as PyTorch refuses it; pass shuffle=False")
        self.collate_fn, self.pin_memory = collate_fn, pin_memory
        self.generator = generator
        as_rng(generator, "DataLoader")  # a wrong kind of generator fails here, not mid-epoch
        # (PyTorch's attributes; with no worker process, worker_init_fn is never called, as
        # PyTorch's with num_workers=0, and pin_memory_device and in_order change nothing)
        self.num_workers, self.timeout, self.worker_init_fn = 0, timeout, worker_init_fn
        self.multiprocessing_context, self.prefetch_factor = multiprocessing_context, None
        self.persistent_workers = False
        self.pin_memory_device, self.in_order = pin_memory_device, in_order

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.dataset if self.sampler is None else self.sampler)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> Any:
        """This pass's sample indices (no sampler given): in order, or shuffled."""
        n = len(self.dataset)
        return as_rng(self.generator, "DataLoader").permutation(n) if self.shuffle \
            else np.arange(n)

    def _index_batches(self) -> Iterator[list[Any]]:
        if self.batch_sampler is not None:
            yield from self.batch_sampler
        elif self.sampler is not None:
            yield from BatchSampler(self.sampler, self.batch_size, self.drop_last)
        else:
            order = self._order()
            for i in range(len(self)):
                yield order[i * self.batch_size:(i + 1) * self.batch_size].tolist()

    def __iter__(self) -> Iterator[Any]:
        return _Epoch(self)

    def _plan(self) -> tuple[Iterator[Any], Callable[[Any], Any]]:
        """This pass's work, drawn at its first batch: an iterator of what each batch is made
        of (index lists, indices, an IterableDataset's items or lists of them) and the
        function making one batch of it."""
        if self.batch_size is None and self.batch_sampler is None:  # no batching
            make = self.collate_fn or convert
            if self.iterable:
                return iter(self.dataset), make
            order = self._order().tolist() if self.sampler is None else self.sampler
            return iter(order), lambda i: make(self.dataset[i])
        if self.iterable:
            return _Chunks(iter(self.dataset), self.batch_size, self.drop_last), \
                self.collate_fn or collate
        return self._index_batches(), self._fetch

    def _fetch(self, idx: list[Any]) -> Any:
        """The batch of the samples at `idx`. A TensorDataset's (or Subsets') is one fancy
        index per tensor, not one item per sample (a subclass with its own __getitem__, an
        augmentation, goes item by item: reading its tensors directly dropped what
        __getitem__ does)."""
        idx = _index_list(idx)
        # (an empty list of indices: collate's one line, as PyTorch's; the rows of a
        # TensorDataset were an empty batch, where any other dataset's is refused)
        rows = _tensor_rows(self.dataset, idx) if self.collate_fn is None and len(idx) else None
        if rows is not None:
            return tuple(t[rows[1]] for t in rows[0].tensors)
        return (self.collate_fn or collate)([self.dataset[j] for j in idx])


def _index_list(idx: Any) -> Any:
    """One batch's sample indices from a batch sampler: a list, an array or a Tensor of
    them as given, any other iterable (a generator, a tuple) as a list, as PyTorch reads them
    (a generator's were read as one object: "sample index 2 is out of range"); a single index
    is one line (its sample came alone, unbatched, where PyTorch raises)."""
    if isinstance(idx, (list, np.ndarray, Tensor)) and getattr(idx, "ndim", 1) == 1:
        return idx
    try:
        return list(idx)
    except TypeError:
        raise TypeError(f"DataLoader: batch_sampler gave {type(idx).__name__} {idx!r}, not a "
                        "list of sample indices; give single indices as sampler=") from None


class _Chunks:
    """An IterableDataset's items, `size` at a time as they are yielded (the last, short
    list dropped with drop_last)."""

    __slots__ = ("drop_last", "items", "size")

    def __init__(self, items: Iterator[Any], size: int, drop_last: bool) -> None:
        self.items, self.size, self.drop_last = items, size, drop_last

    def __iter__(self) -> _Chunks:
        return self

    def __next__(self) -> list[Any]:
        batch = list(itertools.islice(self.items, self.size))
        if not batch or (len(batch) < self.size and self.drop_last):
            raise StopIteration
        return batch


class _Epoch:
    """One pass of a DataLoader (PyTorch's loader iterator): next() gives the next batch,
    len() the loader's number of batches (a generator had none: `len(iter(loader))` was a
    TypeError). A batch whose sample or collate_fn raises is that batch's error, and the
    next call goes on with the next batch, as PyTorch's (a generator ended the pass there:
    a loop that skipped bad batches lost the rest of the epoch without a word)."""

    __slots__ = ("__weakref__", "_loader", "_make", "_work")

    def __init__(self, loader: DataLoader) -> None:
        self._loader, self._work, self._make = loader, None, None

    def __iter__(self) -> _Epoch:
        return self

    def __next__(self) -> Any:
        if self._work is None:  # (the order is drawn at the first batch, as before)
            self._work, self._make = self._loader._plan()
        work = next(self._work)  # (its StopIteration ends the pass)
        try:
            return self._make(work)
        except StopIteration as e:  # from a __getitem__ or collate_fn: not the pass's end
            raise RuntimeError(f"DataLoader: making a batch raised StopIteration ({e!r}), "
                               "which would end the pass without a word") from e

    def __len__(self) -> int:
        return len(self._loader)
