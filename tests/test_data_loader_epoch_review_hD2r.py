"""Review of hD2 (DataLoader's worker options, `_Epoch`, collate of sequences and Python numbers)
against torch 2.13: a batch that raises does not end the pass, sequence types kept by collate
and convert as torch's, arrays beside sequences collated row by row, torch's loader attributes,
and a seeded random differential of collate over nested samples of one leaf kind per field."""

import collections
import gc
import random
import weakref
from collections.abc import Sequence

import numpy as np
import pytest

from tinygrad_dl import Generator, Tensor
from tinygrad_dl.utils.data import DataLoader, IterableDataset, collate, convert

torch = pytest.importorskip("torch")
T = torch.utils.data


class _Bad:
    """Six float samples; sample 2 raises (a corrupt file)."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 2:
            raise KeyError("bad sample 2")
        return float(i)


def _drain(it, n=8):
    out = []
    for _ in range(n):
        try:
            b = next(it)
        except StopIteration:
            return out + ["STOP"]
        except KeyError:
            out.append("KeyError")
            continue
        out.append(b.tolist() if hasattr(b, "tolist") else b)
    return out


@pytest.mark.parametrize("batch_size", [2, None])
def test_a_batch_that_raises_is_skipped_and_the_pass_goes_on_as_torch(batch_size):
    theirs = _drain(iter(T.DataLoader(_Bad(), batch_size=batch_size)))
    ours = _drain(iter(DataLoader(_Bad(), batch_size=batch_size)))
    assert ours == theirs  # the generator ended the pass at the bad batch: [0, 1], KeyError, STOP


def test_an_iterable_dataset_whose_collate_fn_raises_goes_on_to_the_next_batch_as_torch():
    def coll(b):
        if 3 in b:
            raise KeyError("bad")
        return b

    class TStream(T.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    theirs = _drain(iter(T.DataLoader(TStream(), batch_size=2, collate_fn=coll)))
    assert _drain(iter(DataLoader(Stream(), batch_size=2, collate_fn=coll))) == theirs
    dropped = _drain(iter(DataLoader(Stream(), batch_size=2, collate_fn=coll, drop_last=True)))
    assert dropped == [[0, 1], "KeyError", [4, 5], "STOP"]


def test_stop_iteration_from_a_sample_is_an_error_not_a_silently_short_epoch():
    class Stops:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            if i == 2:
                raise StopIteration
            return float(i)

    it = iter(DataLoader(Stops(), batch_size=2))
    assert next(it).tolist() == [0.0, 1.0]
    with pytest.raises(RuntimeError, match="StopIteration"):
        next(it)


def test_an_epoch_ends_for_good_its_length_stays_and_two_epochs_interleave():
    loader = DataLoader(list(range(5)), batch_size=2)
    a, b = iter(loader), iter(loader)
    assert len(a) == 3 and next(a).tolist() == [0, 1] and len(a) == 3
    assert [x.tolist() for x in b] == [[0, 1], [2, 3], [4]]
    assert [x.tolist() for x in a] == [[2, 3], [4]] and list(a) == []
    with pytest.raises(StopIteration):
        next(a)
    epoch = iter(loader)
    ref = weakref.ref(epoch)  # (a generator took weak references too)
    del epoch
    assert ref() is None


def test_breaking_out_of_a_stream_closes_its_generator():
    log = []

    class Stream(IterableDataset):
        def __iter__(self):
            try:
                yield from (float(i) for i in range(10))
            finally:
                log.append("closed")

    for _ in DataLoader(Stream(), batch_size=2):
        break
    gc.collect()
    assert log == ["closed"]


def test_the_loader_has_torchs_worker_attributes_at_their_num_workers_0_values():
    ours, theirs = DataLoader(list(range(3))), T.DataLoader(list(range(3)))
    for name in ("num_workers", "timeout", "worker_init_fn", "multiprocessing_context",
                 "prefetch_factor", "persistent_workers", "pin_memory_device", "in_order"):
        assert getattr(ours, name) == getattr(theirs, name), name


def test_an_array_or_tensor_beside_sequences_is_collated_row_by_row_as_torch():
    theirs = T.default_collate([[1, 2], np.array([3, 4])])
    ours = collate([[1, 2], np.array([3, 4])])
    assert [t.data.tolist() for t in ours] == [t.tolist() for t in theirs]
    mixed = collate([(1.0, 2.0), Tensor([3.0, 4.0])])
    assert [t.data.tolist() for t in mixed] == [[1.0, 3.0], [2.0, 4.0]]
    with pytest.raises(ValueError, match="2 fields of the first, got one with 3"):
        collate([[1, 2], np.array([3, 4, 5])])


class _Tagged(list):
    """A list subclass with an attribute (torch's collate keeps it: a copy of the sample)."""

    def __init__(self, items, tag="t"):
        super().__init__(items)
        self.tag = tag


class _Seq(Sequence):
    def __init__(self, items):
        self.items = list(items)

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


def test_collate_keeps_a_list_subclass_and_its_attributes_as_torch():
    samples = [_Tagged([1, 2.0], tag="x"), _Tagged([3, 4.0], tag="x")]
    theirs, ours = T.default_collate(samples), collate(samples)
    assert type(ours) is type(theirs) is _Tagged and ours.tag == theirs.tag == "x"
    assert [t.data.tolist() for t in ours] == [t.tolist() for t in theirs]
    dq = collate([collections.deque([1, 2]), collections.deque([3, 4])])
    assert type(dq) is collections.deque and [t.data.tolist() for t in dq] == [[1, 3], [2, 4]]


@pytest.mark.parametrize("make", [bytearray, collections.deque, _Seq, range])
def test_convert_keeps_a_sequence_type_as_torchs_default_convert(make):
    sample = make(b"ab") if make is bytearray else make(range(2)) if make is not range \
        else range(2)
    theirs, ours = T.default_convert(sample), convert(sample)
    assert type(ours) is type(theirs)  # C gave a list for a bytearray, a deque, a Sequence
    assert [int(v) for v in ours] == [int(v) for v in theirs]


def test_convert_of_a_deque_of_arrays_converts_each_as_torch():
    ours = convert(collections.deque([np.float32(1.5), np.array([1, 2])]))
    theirs = T.default_convert(collections.deque([np.float32(1.5), np.array([1, 2])]))
    assert type(ours) is collections.deque and isinstance(ours[1], Tensor)
    assert [(str(a.dtype), a.data.tolist()) for a in ours] == \
        [(str(b.dtype).replace("torch.", ""), b.tolist()) for b in theirs]


@pytest.mark.parametrize("samples", [[np.array(1.0), 2**63 + 1], [Tensor(1.0), 2**64],
                                     [np.int64(1), -2**63 - 1], [np.array(1), 2**63]])
def test_a_python_int_past_int64_beside_arrays_is_refused_in_one_line(samples):
    with pytest.raises(ValueError, match="does not fit in int64"):
        collate(samples)


# ---- seeded random differential: one leaf kind and dtype per field, any container ----------

_NT = collections.namedtuple("_NT", "a b")
_DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.float16, np.float32,
           np.float64, np.complex64, np.complex128]


def _template(r, depth=0):
    if depth >= 2 or r.random() < 0.4:
        kind = r.choice(["pyint", "pyfloat", "bool", "npscalar", "np0d", "np1d", "tensor",
                         "str"])
        return ("leaf", kind, r.choice(_DTYPES), r.random() < 0.5)
    kind = r.choice(["tuple", "list", "dict", "nt", "range", "seq"])
    if kind == "range":
        return ("range", r.choice([0, 1, 3]))
    return (kind, [_template(r, depth + 1) for _ in range(2 if kind == "nt" else r.choice([1, 2]))])


def _leaf(r, kind, dt, grad):
    v = r.choice([0, 1, 3, -2])
    if kind == "pyint":
        v = r.choice([0, 7, -2**63, 2**63 - 1])
        return v, v
    if kind == "pyfloat":
        v = r.choice([0.5, -1.25, float("inf"), 1e300])
        return v, v
    if kind == "bool":
        return bool(v), bool(v)
    if kind == "str":
        return str(v), str(v)
    a = np.array([v, 1]).astype(dt) if kind == "np1d" else np.array(v).astype(dt)
    if kind == "npscalar":
        return a[()], a[()]
    if kind == "tensor":
        a = np.array([v, 1.0]) if grad else np.array(float(v))
        return Tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)
    return a, a.copy()


def _sample(r, t):
    if t[0] == "leaf":
        return _leaf(r, *t[1:])
    if t[0] == "range":
        return range(t[1]), range(t[1])
    parts = [_sample(r, s) for s in t[1]]
    o, th = [p[0] for p in parts], [p[1] for p in parts]
    wrap = {"tuple": tuple, "list": list, "nt": lambda x: _NT(*x), "seq": _Seq,
            "dict": lambda x: {f"k{i}": v for i, v in enumerate(x)}}[t[0]]
    return wrap(o), wrap(th)


def _norm(x):
    if isinstance(x, Tensor):
        return ("T", str(x.dtype), x.data.shape, x.data.tolist(), x.requires_grad)
    if isinstance(x, torch.Tensor):
        return ("T", str(x.dtype).replace("torch.", ""), tuple(x.shape), x.detach().tolist(),
                x.requires_grad)
    if isinstance(x, dict):
        return {k: _norm(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return ("NT", [_norm(v) for v in x])
    if isinstance(x, (tuple, list)):  # (a plain tuple stays a tuple here: docs/pytorch.md)
        return [_norm(v) for v in x]
    if isinstance(x, _Seq):
        return ("Seq", [_norm(v) for v in x])
    return x


def test_collate_matches_torch_over_random_nested_samples_of_one_leaf_kind_per_field():
    r, compared = random.Random(2026), 0
    for _ in range(400):
        t, n = _template(r), r.choice([1, 2, 3])
        pairs = [_sample(r, t) for _ in range(n)]
        try:
            theirs = _norm(T.default_collate([p[1] for p in pairs]))
        except (TypeError, RuntimeError, ValueError):
            continue
        assert _norm(collate([p[0] for p in pairs])) == theirs, [p[0] for p in pairs]
        compared += 1
    assert compared > 300


def test_a_generator_given_at_the_old_10th_position_is_named_in_one_line():
    # (the 10th positional argument is timeout, as torch's; it was generator before hD2)
    with pytest.raises(TypeError, match="timeout must be a number.*generator=") as info:
        DataLoader(list(range(3)), 1, False, None, None, 0, None, False, False, Generator())
    assert "\n" not in str(info.value)
    assert len(DataLoader(list(range(3)), 1, False, None, None, 0, None, False, False, 0.0)) == 3
