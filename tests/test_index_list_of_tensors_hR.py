"""x[list] where a flat list holds 0-d Tensors or arrays: torch 2.13 reads any list holding a
Tensor or ndarray as a tuple of indices (x[[t0, t1]] is x[t0, t1], one element), NumPy as
one index array (x[[0, 1]], two rows); it went through with NumPy's without a word, as the
nested lists did before they were refused. Refused in one line, for get and set."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

A = np.arange(12.0).reshape(3, 4)


def _lists():
    return [[tg.tensor(0), tg.tensor(1)], [0, tg.tensor(1)], [np.array(0), np.array(1)],
            [np.array(2), 1]]


@pytest.mark.parametrize("i", range(4))
def test_a_list_holding_tensors_or_arrays_is_refused(i):
    x = tg.Tensor(A.copy())
    with pytest.raises(IndexError, match=r"^getitem: the list .* torch 2\.13 reads it as a "
                                         r"tuple of indices: write x\[tuple\(seq\)\]$"):
        x[_lists()[i]]
    with pytest.raises(IndexError, match=r"^Tensor.__setitem__ \(t\[i\] = v\): the list"):
        x[_lists()[i]] = -1.0
    np.testing.assert_array_equal(x.data, A)


@pytest.mark.parametrize("i", range(4))
def test_the_tuple_spelling_is_torchs_reading(i):
    torch = pytest.importorskip("torch")
    seq = _lists()[i]
    tseq = [torch.tensor(int(v)) if isinstance(v, tg.Tensor) else v for v in seq]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch's deprecation of the tuple reading)
        want = torch.from_numpy(A)[tseq].numpy()
    np.testing.assert_array_equal(tg.Tensor(A)[tuple(seq)].data, want)
    assert want.shape != A[np.array([int(v) for v in seq])].shape  # the readings differ


def test_plain_lists_still_index():
    x = tg.Tensor(A)
    assert x[[0, 2]].shape == (2, 4) and x[[np.int64(0), 2]].shape == (2, 4)
    assert x[[True, False, True]].shape == (2, 4) and x[[]].shape == (0, 4)
