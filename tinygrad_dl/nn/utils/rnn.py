"""PyTorch's `torch.nn.utils.rnn`: a batch of sequences of different lengths, padded to one
array or packed without padding. `pad_sequence(sequences, batch_first=False,
padding_value=0.0, padding_side="right")` and `unpad_sequence(padded, lengths,
batch_first=False)`; `pack_padded_sequence(input, lengths, batch_first=False,
enforce_sorted=True)` and `pad_packed_sequence(sequence, batch_first=False,
padding_value=0.0, total_length=None)`; `pack_sequence(sequences, enforce_sorted=True)` and
`unpack_sequence(packed)`; and `PackedSequence`, torch's namedtuple (data, batch_sizes,
sorted_indices, unsorted_indices) that nn.RNN, nn.LSTM and nn.GRU take and return.

The layout, torch's: `data` holds step 0 of every sequence, then step 1 of those at least 2
long, ..., the sequences ordered longest first (`sorted_indices[j]` is the batch index of the
j-th longest; `unsorted_indices` its inverse); `batch_sizes[t]` counts the sequences longer
than t. Every move is one gather of rows (an integer index, on the graph: its gradient adds
the upstream rows back where they came from), the padding a row appended by pad(), so the
gradients flow through packing and padding with no backward of their own."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ...functional import concatenate, pad
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]


def _index(values: Any) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.int64))


def _ints(who: str, what: str, values: Any) -> np.ndarray:
    """`values` (a list, an array or an integer Tensor) as a 1-D int64 array, or one line
    refusing floats (torch truncates a float length 4.5 to 4 without a word)."""
    arr = values.data if isinstance(values, Tensor) else np.asarray(values)
    if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
        raise TypeError(f"{who}: {what} must be integers (a list of ints or an int64 tensor), "
                        f"got {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{who}: {what} must be 1-D, got shape {arr.shape}")
    return arr.astype(np.int64)


def invert_permutation(permutation: Any) -> Tensor | None:
    """torch's: the inverse of a permutation of 0..n-1 (None stays None)."""
    if permutation is None:
        return None
    perm = _ints("invert_permutation", "permutation", permutation)
    out = np.empty_like(perm)
    out[perm] = np.arange(perm.size)
    return _index(out)


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices",
                                                    "unsorted_indices"])):
    """torch's PackedSequence: `data` (sum of lengths, *), `batch_sizes` (max length,) int64,
    `sorted_indices` and `unsorted_indices` (batch,) int64 or None (the batch was sorted).
    Built by the pack functions; built by hand, its layout is checked (a batch_sizes that
    grows, a sum that is not data's rows, or indices that are not a permutation of the batch
    would read wrong rows)."""

    __slots__ = ()

    def __new__(cls, data: Any, batch_sizes: Any = None, sorted_indices: Any = None,
                unsorted_indices: Any = None) -> PackedSequence:
        if batch_sizes is None:  # torch's PackedSequence((data, batch_sizes))
            if not isinstance(data, (tuple, list)) or len(data) != 2:
                raise TypeError("PackedSequence: give data and batch_sizes (or one pair of "
                                "them)")
            data, batch_sizes = data
        data = data if isinstance(data, Tensor) else Tensor(np.asarray(data))
        sizes = _ints("PackedSequence", "batch_sizes", batch_sizes)
        if sizes.size and (sizes[-1] < 1 or (np.diff(sizes) > 0).any()):
            raise ValueError("PackedSequence: batch_sizes must be positive and non-increasing "
                             f"(sequences longest first), got {sizes.tolist()}")
        if data.ndim < 1 or data.shape[0] != int(sizes.sum()):
            raise ValueError(f"PackedSequence: data must have sum(batch_sizes) = "
                             f"{int(sizes.sum())} rows, got shape {data.shape}")
        batch = int(sizes[0]) if sizes.size else 0
        perms = []
        for what, perm in (("sorted_indices", sorted_indices),
                           ("unsorted_indices", unsorted_indices)):
            if perm is not None:
                perm = _ints("PackedSequence", what, perm)
                if np.sort(perm).tolist() != list(range(batch)):
                    raise ValueError(f"PackedSequence: {what} must be a permutation of "
                                     f"0..{batch - 1} (the batch), got {perm.tolist()}")
                perm = _index(perm)
            perms.append(perm)
        if perms[1] is None:
            perms[1] = invert_permutation(perms[0])
        elif perms[0] is None or (invert_permutation(perms[0]).data != perms[1].data).any():
            raise ValueError("PackedSequence: unsorted_indices must be the inverse of "
                             "sorted_indices")
        return super().__new__(cls, data, _index(sizes), perms[0], perms[1])

    def _with(self, data: Tensor) -> PackedSequence:
        return self if data is self.data else type(self)(data, *self[1:])

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """data.to(...) (a dtype, "cpu"); the indices stay int64, as torch's."""
        return self._with(self.data.to(*args, **kwargs))

    # torch's casts of the data (double, float, half, long, int, short, char, byte): the
    # indices stay int64; cuda() refuses in Tensor.cuda's line
    def double(self) -> PackedSequence:
        return self._with(self.data.double())

    def float(self) -> PackedSequence:
        return self._with(self.data.float())

    def half(self) -> PackedSequence:
        return self._with(self.data.half())

    def long(self) -> PackedSequence:
        return self._with(self.data.long())

    def int(self) -> PackedSequence:
        return self._with(self.data.int())

    def short(self) -> PackedSequence:
        return self._with(self.data.short())

    def char(self) -> PackedSequence:
        return self._with(self.data.char())

    def byte(self) -> PackedSequence:
        return self._with(self.data.byte())

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self._with(self.data.cuda(*args, **kwargs))

    def cpu(self) -> PackedSequence:
        return self

    def is_pinned(self) -> bool:
        return False

    @property
    def is_cuda(self) -> bool:
        return False


def _sequences(who: str, sequences: Any) -> list[Tensor]:
    seqs = ([sequences[i] for i in range(sequences.shape[0])] if isinstance(sequences, Tensor)
            else [s if isinstance(s, Tensor) else Tensor(np.asarray(s)) for s in sequences])
    if not seqs:
        raise RuntimeError(f"{who}: received an empty list of sequences")
    trail = seqs[0].shape[1:]
    for s in seqs:
        if s.ndim < 1 or s.shape[1:] != trail:
            raise ValueError(f"{who}: every sequence must be (length, *{trail}) as the first, "
                             f"got shapes {seqs[0].shape} and {s.shape}")
    return seqs


def _gather(rows: Tensor, index: np.ndarray, padding_value: float) -> Tensor:
    """rows[index] of shape index.shape + rows' trailing shape, where index -1 reads a row of
    padding_value (appended by pad(): its checks of the value against the dtype)."""
    padded = pad(rows, [(0, 1)] + [(0, 0)] * (rows.ndim - 1), constant_values=padding_value)
    return padded[np.where(index < 0, rows.shape[0], index)]


def pad_sequence(sequences: Any, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """The sequences (each (L_i, *)) as one (T, B, *) tensor ((B, T, *) with batch_first), T
    the longest length, the rest padding_value, after each sequence (before with
    padding_side="left")."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: Expected padding_side to be one of left or right, "
                         f"but got {padding_side!r}.")
    seqs = _sequences("pad_sequence", sequences)
    lengths = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    steps, starts = int(lengths.max()), np.concatenate([[0], np.cumsum(lengths)[:-1]])
    t = np.arange(steps)[:, None] - (steps - lengths[None, :] if padding_side == "left" else 0)
    index = np.where((t >= 0) & (t < lengths[None, :]), starts[None, :] + t, -1)  # (T, B)
    rows = seqs[0] if len(seqs) == 1 else concatenate(seqs)
    return _gather(rows, index.T if batch_first else index, padding_value)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False
                   ) -> list[Tensor]:
    """pad_sequence's inverse: the first lengths[b] steps of each sequence b, in a list."""
    x = padded_sequences
    n = _ints("unpad_sequence", "lengths", lengths)
    if x.ndim < 2 or n.size != x.shape[0 if batch_first else 1] or (n < 0).any() or (
            n > x.shape[1 if batch_first else 0]).any():
        raise ValueError(f"unpad_sequence: lengths {n.tolist()} do not fit a padded batch of "
                         f"shape {x.shape} (batch_first={batch_first})")
    return [x[b, :k] if batch_first else x[:k, b] for b, k in enumerate(n.tolist())]


def pack_padded_sequence(input: Any, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """A padded batch (T, B, *) ((B, T, *) with batch_first) and each sequence's length as
    a PackedSequence. enforce_sorted=True wants the lengths longest first (sorted_indices
    None); False sorts them, stably (ties in the batch's order; torch's unstable sort may
    order tied rows otherwise, its padded values and h_n the same)."""
    who = "pack_padded_sequence"
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    n = _ints(who, "lengths", lengths)
    if x.ndim < 2 or n.size != x.shape[0 if batch_first else 1]:
        raise ValueError(f"{who}: {n.size} lengths for an input of shape {x.shape} "
                         f"(batch_first={batch_first}): one length per sequence")
    steps, batch = (x.shape[1], x.shape[0]) if batch_first else x.shape[:2]
    if not batch:
        raise ValueError(f"{who}: an empty batch (input of shape {x.shape}), nothing to pack")
    if (n <= 0).any():
        raise RuntimeError(f"{who}: Length of all samples has to be greater than 0, but found "
                           f"an element in 'lengths' that is <= 0: {n.tolist()}")
    if (n > steps).any():
        raise ValueError(f"{who}: a length {int(n.max())} is more than the input's {steps} "
                         f"steps (shape {x.shape}, batch_first={batch_first})")
    if enforce_sorted:
        if (np.diff(n) > 0).any():
            raise RuntimeError(f"{who}: `lengths` array must be sorted in decreasing order "
                               "when `enforce_sorted` is True. You can pass "
                               "`enforce_sorted=False` to pack_padded_sequence and/or "
                               "pack_sequence to sidestep this requirement if you do not "
                               f"need ONNX exportability. Got {n.tolist()}")
        order = None
    else:
        order = np.argsort(-n, kind="stable")
    ranked = np.arange(batch) if order is None else order
    t, j = np.nonzero(n[ranked][None, :] > np.arange(int(n.max()))[:, None])  # step-major
    rows = ranked[j] * steps + t if batch_first else t * batch + ranked[j]
    data = x.reshape(steps * batch, *x.shape[2:])[rows]
    sizes = (n[:, None] > np.arange(int(n.max()))[None, :]).sum(0)
    return PackedSequence(data, sizes, order)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """pack_padded_sequence's inverse: (padded (T, B, *) or (B, T, *) in the batch's own
    order, each sequence's length as an int64 tensor); T = total_length when given (at
    least the longest length)."""
    who = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{who}: expected a PackedSequence, got a {type(sequence).__name__}")
    sizes = sequence.batch_sizes.data
    longest = sizes.size
    if total_length is not None:  # (an int, an integer 0-d array or tensor: torch's int)
        given = total_length.data if isinstance(total_length, Tensor) else total_length
        if isinstance(given, (bool, np.bool_)) or np.ndim(given) or np.asarray(
                given).dtype.kind not in "iu":
            raise TypeError(f"{who}: total_length must be an int (as torch's; a float is "
                            f"not truncated here), got {total_length!r}")
        total_length = int(given)
    if total_length is not None and total_length < longest:
        raise ValueError(f"{who}: Expected total_length to be at least the length of the "
                         f"longest sequence in input, but got total_length={total_length} "
                         f"and max sequence length being {longest}")
    steps = longest if total_length is None else int(total_length)
    batch = int(sizes[0]) if longest else 0
    lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(1)  # longest first
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    t = np.arange(steps)[:, None]
    index = np.where(t < lengths[None, :], offsets[np.minimum(t, max(longest - 1, 0))]
                     + np.arange(batch)[None, :], -1)  # (T, B), sorted order
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices.data
        index, lengths = index[:, unsorted], lengths[unsorted]
    padded = _gather(sequence.data, index.T if batch_first else index, padding_value)
    return padded, _index(lengths)


def pack_sequence(sequences: Any, enforce_sorted: bool = True) -> PackedSequence:
    """A list of sequences (each (L_i, *)) as a PackedSequence: pad_sequence, then
    pack_padded_sequence."""
    seqs = _sequences("pack_sequence", sequences)
    return pack_padded_sequence(pad_sequence(seqs), [s.shape[0] for s in seqs],
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """pack_sequence's inverse: the list of sequences, in the batch's own order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
