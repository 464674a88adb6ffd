"""`tg.take_along_axis(x, i)` and `np.take_along_axis(t, i)` without an axis take along the last
axis (NumPy 2.3's default); torch's `take_along_dim(x, i)` flattens. One function served both
names, so NumPy's spelling flattened a matrix silently ([2, 0, 1, 1] for [[2, 0], [4, 4]])."""

import numpy as np

import tinygrad_dl as tg


def test_numpy_spelling_takes_along_the_last_axis():
    a = np.arange(6.0).reshape(2, 3)
    i = np.array([[2, 0], [1, 1]])
    want = np.take_along_axis(a, i)  # (NumPy >= 2.3: axis=-1)
    x = tg.tensor(a, requires_grad=True)
    for got in (tg.take_along_axis(x, i), np.take_along_axis(x, i)):
        assert got.shape == want.shape and np.array_equal(got.data, want)
    tg.take_along_axis(x, i).sum().backward()
    assert np.array_equal(x.grad, [[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]])


def test_torch_spelling_still_flattens():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    i = np.array([[2, 0], [1, 1]])
    assert x.take_along_dim(i).tolist() == [2.0, 0.0, 1.0, 1.0]
    assert tg.take_along_dim(x, i).tolist() == [2.0, 0.0, 1.0, 1.0]
    assert tg.take_along_axis(x, i, None).tolist() == [2.0, 0.0, 1.0, 1.0]
