"""x[list] where the list nests (lists, tuples, arrays or tensors inside, bools too): NumPy 2
reads it as one index array (or mask) of ndim >= 2, torch 2.13 as a tuple of indices
(deprecated there), so shapes and values differ (x[[[0, 1], [1, 2]]] of a 3x3: NumPy's
(2, 2, 3), torch's (2,)); it went through with NumPy's without a word. Refused in one line
giving both spellings, each checked against its library. Flat lists, and nested lists inside
a tuple (an index array to both), are unchanged."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

NESTED = [[[0, 1], [1, 2]], [[0, 1]], [[0], [1]], [[0, 1], [1, 0], [0, 0]], [[True, False, True]],
          [np.array([0, 1]), np.array([1, 2])]]
IDS = ["2x2", "1x2", "2x1", "3x2", "bool", "arrays"]


def _torch_index(torch, t, seq):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch's deprecation of the tuple reading)
        return t[seq]


@pytest.mark.parametrize("nd", [2, 3])
@pytest.mark.parametrize("seq", NESTED, ids=IDS)
def test_a_nested_list_index_is_refused_in_one_line(nd, seq):
    a = np.arange(3.0 ** nd).reshape((3,) * nd)
    x = tg.Tensor(a.copy())
    with pytest.raises(IndexError, match=r"^getitem: the nested list .* is one index array of "
                                         r"shape \(\d, \d\) to NumPy, a tuple of indices to torch "
                                         r"2\.13: write x\[tuple\(seq\)\]") as e:
        x[seq]
    assert "\n" not in str(e.value)
    with pytest.raises(IndexError, match=r"^Tensor.__setitem__ \(t\[i\] = v\): the nested list"):
        x[seq] = 0.0
    np.testing.assert_array_equal(x.data, a)  # nothing written


@pytest.mark.parametrize("nd", [2, 3])
@pytest.mark.parametrize("seq", NESTED[:4], ids=IDS[:4])
def test_the_advised_spellings_give_each_librarys_reading(nd, seq):
    torch = pytest.importorskip("torch")
    a = np.arange(3.0 ** nd).reshape((3,) * nd)
    x, t = tg.Tensor(a), torch.from_numpy(a)
    np.testing.assert_array_equal(x[np.array(seq)].data, a[np.array(seq)])
    np.testing.assert_array_equal(x[tg.tensor(seq)].data, a[np.array(seq)])
    if len(seq) <= nd:  # (torch refuses more indices than axes; so does x[tuple(seq)])
        want = _torch_index(torch, t, seq).numpy()
        np.testing.assert_array_equal(x[tuple(seq)].data, want)
        assert a[np.array(seq)].shape != want.shape  # the premise: the readings differ


@pytest.mark.parametrize("index", [[0, 1], [True, False, True], ([[0, 1], [1, 2]],),
                                   ([[0, 1]], 0), []], ids=["flat", "flat-bool", "in-tuple",
                                                            "in-tuple-int", "empty"])
def test_flat_lists_and_nested_lists_inside_a_tuple_are_unchanged(index):
    a = np.arange(9.0).reshape(3, 3)
    want = a[np.array(index, dtype=np.intp)] if index == [] else a[index]
    np.testing.assert_array_equal(tg.Tensor(a)[index].data, want)
