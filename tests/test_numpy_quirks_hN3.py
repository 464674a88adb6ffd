"""NumPy quirks that gave a wrong number without a word (helper hN3's review).

A writable broadcast view (np.broadcast_arrays, as_strided with a 0 stride) holds one memory
for a whole axis: a write that differs along it (`t += x`, an optimizer step, index_put_, a
gradient accumulated into a `.grad` set to such a view) left every row the last one written,
with at most NumPy's FutureWarning; torch refuses ("more than one element of the written-to
tensor refers to a single memory location").
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor


def _shared_rows() -> np.ndarray:
    """(3, 4) rows that are one memory, writable (NumPy 2 warns only at the write)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.broadcast_arrays(np.arange(4.0), np.zeros((3, 4)))[0]


def _strided_rows() -> np.ndarray:
    return np.lib.stride_tricks.as_strided(np.arange(4.0), (3, 4), (0, 8))


SHARED, SHARED_IDS = [_shared_rows, _strided_rows], ["broadcast_arrays", "as_strided"]
WRITES = {
    "iadd": lambda t: t.__iadd__(Tensor(np.arange(12.0).reshape(3, 4))),
    "mul_": lambda t: t.mul_(Tensor(np.arange(12.0).reshape(3, 4))),
    "setitem": lambda t: t.__setitem__(0, 9.0),
    "index_put_": lambda t: t.index_put_((tg.tensor([0]),), Tensor(np.ones(4))),
    "copy_": lambda t: t.copy_(Tensor(np.arange(12.0).reshape(3, 4))),
}


@pytest.mark.parametrize("make", SHARED, ids=SHARED_IDS)
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_in_place_write_into_shared_rows_refused(make, write) -> None:
    a = make()
    before = a.copy()
    t = tg.from_numpy(a) if write is WRITES["index_put_"] else Tensor(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="broadcast view .*share memory"):
            write(t)
    np.testing.assert_array_equal(a, before)  # nothing written


@pytest.mark.parametrize("opt", [tg.optim.SGD, tg.optim.Adam])
def test_step_on_shared_rows_parameter_refused(opt) -> None:
    w = Tensor(_shared_rows(), requires_grad=True, name="w")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (w * Tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
        with pytest.raises(RuntimeError, match="SGD|Adam"):
            opt([w], lr=1.0).step()  # (before: every row became the last row's update)
    np.testing.assert_array_equal(w.data, np.broadcast_to(np.arange(4.0), (3, 4)))


@pytest.mark.parametrize("make", SHARED, ids=SHARED_IDS)
def test_grad_set_to_shared_rows_accumulates_right(make) -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(12.0).reshape(3, 4)
    w = Tensor(np.ones((3, 4)), requires_grad=True)
    w.grad = make()
    start = np.array(w.grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (w * Tensor(x)).sum().backward()
    tw = torch.ones(3, 4, dtype=torch.float64, requires_grad=True)
    (tw * torch.from_numpy(x)).sum().backward()
    np.testing.assert_array_equal(w.grad, start + tw.grad.numpy())  # (before: last row in all)


def test_fill_of_own_array_and_read_only_broadcast_unchanged() -> None:
    t = Tensor(np.zeros((3, 4)))
    t += 1
    t[0] = 5.0
    assert t.data.sum() == 5 * 4 + 8
    b = Tensor(np.broadcast_to(np.arange(4.0), (3, 4)))  # read-only: NumPy's refusal, as before
    with pytest.raises(ValueError, match="read-only"):
        b += 1
