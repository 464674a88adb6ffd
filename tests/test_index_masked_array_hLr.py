"""A NumPy masked array as an index is refused (helper hL's change) without basic indexing or a
plain index array paying for the check: t[:, 0] (an RNN's step) and U[X] (an embedding's)
never reach it; only GetItem's advanced path (check_layout) and the non-per-step entry points
(index_arg) look. Also the places hL's tests left out: a masked array later in a tuple, a
2-D tensor, the masked constant, t[(m,)] = v."""
import importlib

import numpy as np
import pytest

import tinygrad_dl as tg

indexing = importlib.import_module("tinygrad_dl.ops.indexing")
conversions = importlib.import_module("tinygrad_dl.tensor.conversions")  # (tg.tensor: a function)

M = np.ma.array([0, 1, 2], mask=[0, 1, 0])


def test_basic_indexing_and_plain_index_arrays_never_check(monkeypatch):
    calls = []
    layout = indexing.check_layout
    monkeypatch.setattr(indexing, "check_layout", lambda *a: calls.append(a) or layout(*a))
    monkeypatch.setattr(conversions, "check_masked", lambda *a: calls.append(a))
    t = tg.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    arr = np.array([0, 2])
    outs = [t[:, 0], t[1], t[1:], t[..., None], t[None, 0, 1:3], t[arr], t[tg.tensor(arr)],
            t[np.int64(1)]]
    assert calls == []
    np.testing.assert_array_equal(outs[0].data, [0.0, 4.0, 8.0])
    np.testing.assert_array_equal(outs[5].data, t.data[[0, 2]])
    t[arr, arr]  # (an advanced tuple: check_layout's one pass, which looks)
    assert len(calls) == 1


@pytest.mark.parametrize("index", [
    lambda: (slice(None), M),
    lambda: (M, 0),
    lambda: (0, M),
    lambda: (np.array([0, 1]), np.ma.array([0, 1], mask=[1, 0])),
    lambda: np.ma.array([[0, 1]], mask=[[0, 1]]),
    lambda: (np.ma.masked, 0),
])
def test_a_masked_array_anywhere_in_a_2d_index_is_refused(index):
    t = tg.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    with pytest.raises(TypeError, match=r"^getitem: the index is a masked array, whose mask no "
                       "op would honour"):
        t[index()]


def test_a_masked_array_in_a_setitem_tuple_is_refused_before_any_write():
    t = tg.Tensor(np.zeros((3, 4)))
    with pytest.raises(TypeError, match=r"^Tensor.__setitem__ \(t\[i\] = v\): the index is a "
                       "masked array"):
        t[0, M] = 1.0
    with pytest.raises(TypeError, match=r"^Tensor.__setitem__ \(t\[i\] = v\): the index is a "
                       "masked array, whose"):  # (one prefix: not re-wrapped by the write)
        t[(M,)] = 1.0
    np.testing.assert_array_equal(t.data, np.zeros((3, 4)))
    t[0, M.compressed()] = 1.0
    np.testing.assert_array_equal(t.data[0], [1.0, 0.0, 1.0, 0.0])
