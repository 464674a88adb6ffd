"""uint64 indices: NumPy casts them to intp without a word, so 2**64 - 1 read (or wrote) the
LAST entry and 2**63 raised naming -2**63. Every op that takes integer indices refuses a
uint64 value past the axis in one line naming the op, the value and the axis size; an
in-range uint64 index, an int64 one and a uint32 one keep NumPy's meaning."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.utils.data import DataLoader, Subset, TensorDataset

X = np.arange(12.0).reshape(4, 3)
BIG = [2**64 - 1, 2**63]
ROW = np.ones((1, 3))


def _t() -> tg.Tensor:
    return tg.tensor(X.copy())


def _set(index: Any) -> np.ndarray:
    t = _t()
    t[index] = -1.0
    return t.data


def _u(v: int, dtype: Any = np.uint64) -> np.ndarray:
    return np.array([v], dtype)


# op name in the message -> (a call taking one 1-D index array of the given value and dtype)
OPS: dict[str, tuple[str, Callable[[int, Any], Any]]] = {
    "getitem": ("getitem", lambda v, d: _t()[_u(v, d)]),
    "getitem tensor": ("getitem", lambda v, d: _t()[tg.tensor(_u(v, d))]),
    "getitem tuple": ("getitem", lambda v, d: _t()[_u(v, d), np.array([0])]),
    "getitem axis 1": ("getitem", lambda v, d: _t()[:, _u(v, d)]),
    "getitem ellipsis": ("getitem", lambda v, d: _t()[..., _u(v, d)]),
    "getitem 0-d": ("getitem", lambda v, d: _t()[np.array(v, d)]),
    "getitem scalar": ("getitem", lambda v, d: _t()[d(v)]),
    "setitem": ("Tensor.__setitem__", lambda v, d: _set(_u(v, d))),
    "setitem tuple": ("Tensor.__setitem__", lambda v, d: _set((_u(v, d), 0))),
    "setitem scalar": ("Tensor.__setitem__", lambda v, d: _set(d(v))),
    "index_select": ("index_select", lambda v, d: _t().index_select(0, _u(v, d))),
    "take_along_dim": ("take_along_axis", lambda v, d: _t().take_along_dim(
        _u(v, d).reshape(1, 1), 0)),
    "tg.take_along_axis": ("take_along_axis", lambda v, d: tg.take_along_axis(
        _t(), _u(v, d).reshape(1, 1), 0)),
    "scatter": ("scatter", lambda v, d: _t().scatter(0, _u(v, d).reshape(1, 1), 5.0)),
    "scatter_add": ("scatter_add", lambda v, d: _t().scatter_add(
        0, _u(v, d).reshape(1, 1), tg.tensor(np.ones((1, 1))))),
    "scatter_reduce": ("scatter_reduce", lambda v, d: _t().scatter_reduce(
        0, _u(v, d).reshape(1, 1), tg.tensor(np.ones((1, 1))), "sum")),
    "index_add": ("index_add", lambda v, d: _t().index_add(0, _u(v, d), tg.tensor(ROW))),
    "index_copy": ("index_copy", lambda v, d: _t().index_copy(0, _u(v, d), tg.tensor(ROW))),
    "index_fill": ("index_fill", lambda v, d: _t().index_fill(0, _u(v, d), 7.0)),
    "index_put": ("index_put", lambda v, d: _t().index_put((_u(v, d),), tg.tensor(np.ones(3)))),
    "put": ("put", lambda v, d: _t().put(_u(v, d), tg.tensor(np.ones(1)))),
    "embedding": ("embedding", lambda v, d: F.embedding(tg.tensor(_u(v, d)), _t())),
    "embedding_bag": ("embedding_bag", lambda v, d: F.embedding_bag(
        tg.tensor(_u(v, d).reshape(1, 1)), _t(), mode="sum")),
    "unravel_index": ("unravel_index", lambda v, d: tg.unravel_index(tg.tensor(_u(v, d)), (4, 3))),
}


@pytest.mark.parametrize("v", BIG)
@pytest.mark.parametrize("name", list(OPS))
def test_uint64_past_2_63_refused_naming_the_value(name: str, v: int) -> None:
    op, call = OPS[name]
    with pytest.raises(IndexError) as e:
        call(v, np.uint64)
    msg = str(e.value)
    assert msg.startswith(op), msg
    assert str(v) in msg and "-1 " not in msg and str(-(2**63)) not in msg, msg
    assert "\n" not in msg


def test_the_message_names_the_axis_and_its_size() -> None:
    with pytest.raises(IndexError, match=r"^getitem: index 18446744073709551615 \(uint64\) is "
                       r"out of bounds for axis 0 of size 4$"):
        _t()[np.array([2**64 - 1], np.uint64)]
    with pytest.raises(IndexError, match=r"axis 1 of size 3"):
        _t()[:, np.array([2**63], np.uint64)]
    with pytest.raises(IndexError, match=r"axis 1 of size 3"):
        _t()[None, ..., np.array([2**63], np.uint64)]


def test_setitem_writes_nothing_when_refused() -> None:
    t = _t()
    with pytest.raises(IndexError):
        t[np.array([2**64 - 1], np.uint64)] = -1.0
    np.testing.assert_array_equal(t.data, X)


@pytest.mark.parametrize("dtype", [np.uint64, np.uint32, np.int64])
@pytest.mark.parametrize("name", list(OPS))
def test_in_range_unsigned_and_int64_indices_keep_numpys_meaning(name: str, dtype: Any) -> None:
    _, call = OPS[name]
    got, want = call(1, dtype), call(1, np.int64)
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(getattr(g, "data", g)),
                                      np.asarray(getattr(w, "data", w)))


def test_in_range_uint64_getitem_gradient() -> None:
    x = tg.tensor(X.copy(), requires_grad=True)
    x[np.array([1, 1, 3], np.uint64)].sum().backward()
    np.testing.assert_array_equal(x.grad.data[:, 0], [0.0, 2.0, 0.0, 1.0])


def test_a_uint32_index_cannot_wrap_and_is_kept() -> None:
    big = np.array([2**32 - 1], np.uint32)  # (fits intp: NumPy's own out-of-bounds error)
    with pytest.raises(IndexError, match="getitem: index 4294967295 is out of bounds"):
        _t()[big]


def test_int64_negative_index_unchanged() -> None:
    np.testing.assert_array_equal(_t()[np.array([-1])].data, X[[-1]])


@pytest.mark.parametrize("indices", [np.array([0, 2**64 - 1], np.uint64), [2**64 - 1]])
def test_dataloader_subset_past_the_end_refused(indices: Any) -> None:
    # ([2**64 - 1] as a list: NumPy makes it a uint64 array, whose cast read the last row)
    ds = Subset(TensorDataset(tg.tensor(X.copy())), indices)
    with pytest.raises(IndexError, match=r"DataLoader: index 18446744073709551615 \(uint64\) "
                       r"is out of bounds for axis 0 of size 4"):
        list(DataLoader(ds, batch_size=2))


def test_dataloader_ints_past_int64_beside_others_refused() -> None:
    # (NumPy makes [0, 2**64 - 1] float64: the search for the non-integer raised StopIteration)
    ds = Subset(TensorDataset(tg.tensor(X.copy())), [0, 2**64 - 1])
    with pytest.raises(IndexError, match=r"DataLoader: sample index 18446744073709551615 is out "
                       r"of range for 4 samples"):
        list(DataLoader(ds, batch_size=2))


def test_dataloader_subset_in_range_uint64() -> None:
    ds = Subset(TensorDataset(tg.tensor(X.copy())), np.array([3, 1], np.uint64))
    (batch,) = list(DataLoader(ds, batch_size=2))
    np.testing.assert_array_equal(batch[0].data, X[[3, 1]])


def test_torch_refuses_uint64_index_tensors() -> None:
    # the reference this refusal stands beside: torch takes no uint64 index at all
    torch = pytest.importorskip("torch")
    with pytest.raises((IndexError, RuntimeError), match="long, int, byte or bool"):
        torch.arange(12.0).reshape(4, 3)[torch.tensor([1], dtype=torch.uint64)]


class _Sub(np.ndarray):
    """An ndarray subclass (as np.memmap, or a jit recording's watched argument)."""


def test_an_ndarray_subclass_index_in_a_tuple_is_checked() -> None:
    # (check_layout took only `type(item) is np.ndarray` as an index array: a subclass's
    # 2**64 - 1 read, and wrote, the last column without a word)
    bad = np.array([2**64 - 1, 0], np.uint64).view(_Sub)
    with pytest.raises(IndexError, match=r"^getitem: index 18446744073709551615 \(uint64\) is "
                       r"out of bounds for axis 1 of size 3$"):
        _t()[:, bad]
    with pytest.raises(IndexError, match="axis 0 of size 4"):
        _t()[bad, bad]
    t = _t()
    with pytest.raises(IndexError, match=r"^Tensor.__setitem__ .*18446744073709551615"):
        t[:, bad] = -1.0
    np.testing.assert_array_equal(t.data, X)


def _setup_jit_step(call: Callable[[tg.Tensor, Any], tg.Tensor]) -> tuple[Any, tg.Tensor]:
    w = tg.tensor(X.copy(), requires_grad=True)

    @jit
    def step(i: Any) -> None:
        call(w, i).backward()
    return step, w


# a jitted step's ops on a step argument i: (call, shape of i, replays when recorded uint64)
JIT_OPS: dict[str, tuple[Callable[[tg.Tensor, Any], tg.Tensor], tuple[int, ...], bool]] = {
    "getitem": (lambda w, i: w[i].sum(), (2,), True),
    "getitem tensor": (lambda w, i: w[tg.Tensor(i)].sum(), (2,), True),
    "getitem axis 1": (lambda w, i: w[:, i].sum(), (2,), True),
    "getitem pair": (lambda w, i: w[i, i].sum(), (2,), True),
    "index_select": (lambda w, i: w.index_select(0, i).sum(), (2,), False),
    "embedding": (lambda w, i: F.embedding(i, w).sum(), (2,), True),
    "take_along_dim": (lambda w, i: w.take_along_dim(i, 0).sum(), (2, 1), True),
    "gather": (lambda w, i: w.gather(0, i).sum(), (2, 1), True),
    "index_add": (lambda w, i: w.index_add(0, i, tg.tensor(np.ones((2, 3)))).sum(), (2,), False),
    "cross_entropy": (lambda w, i: F.cross_entropy(w[:2], i), (2,), True),
}


@pytest.mark.parametrize("recorded", [np.int64, np.uint64])
@pytest.mark.parametrize("name", list(JIT_OPS))
def test_jit_replay_of_a_uint64_batch_past_2_63_is_refused(name: str, recorded: Any) -> None:
    # recorded on in-range indices, then a uint64 batch holding 2**64 - 1: recorded as int64,
    # `w[:, i]` and `w[i, i]` took the last column (the new signature's recording saw a
    # watched view, which check_layout did not take as an index array); recorded as uint64,
    # embedding's replay named -1, and a uint64 getitem or take_along_dim step never replayed
    call, shape, replays = JIT_OPS[name]
    step, w = _setup_jit_step(call)
    good = np.array([1, 2], recorded).reshape(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if not replays else "error", RuntimeWarning)
        for _ in range(3):
            step(good)
        if replays:
            assert step.replays == 1
        w.grad = None
        with pytest.raises((IndexError, ValueError), match=str(2**64 - 1)):
            step(np.array([2**64 - 1, 0], np.uint64).reshape(shape))
    assert w.grad is None or not np.asarray(w.grad).any()


@pytest.mark.parametrize("name", [n for n, (_, _, r) in JIT_OPS.items() if r])
def test_jit_replay_of_in_range_uint64_matches_eager_int64(name: str) -> None:
    call, shape, _ = JIT_OPS[name]
    step, w = _setup_jit_step(call)
    idx = np.array([2, 0], np.uint64).reshape(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # (it replays: no fallback warning)
        for _ in range(3):
            w.grad = None
            step(idx)
    assert step.replays == 1
    e = tg.tensor(X.copy(), requires_grad=True)
    call(e, idx.astype(np.int64)).backward()
    np.testing.assert_array_equal(np.asarray(w.grad), np.asarray(e.grad))


def test_a_python_bool_before_a_uint64_item_takes_no_axis() -> None:
    # (x[True, u]: True adds an axis, so u indexes axis 0; counted as an axis, u = 1 was
    # checked against axis 1 of size 1 and refused)
    x = np.arange(6.0).reshape(2, 1, 3)
    u = np.array([1], np.uint64)
    np.testing.assert_array_equal(tg.tensor(x)[True, u].data, x[True, u.astype(np.int64)])
    with pytest.raises(IndexError, match="axis 0 of size 2"):
        tg.tensor(x)[True, np.array([2**64 - 1], np.uint64)]
