"""A NumPy masked array as an index (t[m], t[m] = v, take, index_select, gather, index_put,
...): NumPy's indexing reads the values under the mask (np.arange(5)[m] is [0, 1, 2] for
m = [0, --, 2]), so the tensor op used the masked entries without a word. Refused in one line,
as a masked array is where data enters (grad.masked_error)."""
import numpy as np
import pytest

import tinygrad_dl as tg

M = np.ma.array([0, 1, 2], mask=[0, 1, 0])


def _t():
    return tg.Tensor(np.arange(5.0) * 10, requires_grad=True)


@pytest.mark.parametrize("who, call", [
    ("getitem: the index", lambda t: t[M]),
    ("getitem: the index", lambda t: t[..., M]),
    ("getitem: the index", lambda t: t[np.ma.array([1, 0, 1, 0, 1], mask=[0, 1, 0, 0, 0],
                                                   dtype=bool)]),
    ("take: the index", lambda t: t.take(M)),
    ("take: the index", lambda t: tg.take(t, M)),
    ("index_select: the index", lambda t: t.index_select(0, M)),
    ("gather: the index", lambda t: t.gather(0, M)),
    ("take_along_dim: the index", lambda t: t.take_along_dim(M, 0)),
    ("index_add: the index", lambda t: t.index_add(0, M, tg.Tensor(np.ones(3)))),
    ("index_put: the index", lambda t: t.index_put((M,), tg.Tensor(1.0))),
    ("index_fill: the index", lambda t: t.index_fill(0, M, 1.0)),
    ("repeat_interleave: repeats", lambda t: t.repeat_interleave(
        np.ma.array([1, 2, 1, 1, 1], mask=[0, 1, 0, 0, 0]))),
])
def test_a_masked_index_is_refused(who, call):
    with pytest.raises(TypeError, match=rf"^{who} is a masked array, whose mask no op would "
                       "honour"):
        call(_t())


def test_a_masked_index_write_is_refused_and_writes_nothing():
    t = tg.Tensor(np.zeros(5))
    with pytest.raises(TypeError, match=r"^Tensor.__setitem__ \(t\[i\] = v\): the index is a "
                       "masked array"):
        t[M] = 1.0
    np.testing.assert_array_equal(t.data, np.zeros(5))


def test_plain_indices_still_work():
    t = _t()
    np.testing.assert_array_equal(t[M.compressed()].data, [0.0, 20.0])
    np.testing.assert_array_equal(t[np.array([0, 2])].data, [0.0, 20.0])
    np.testing.assert_array_equal(t[1:3].data, [10.0, 20.0])
