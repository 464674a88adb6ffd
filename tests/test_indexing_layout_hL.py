"""The layout check on x[index] / x[index] = v (ops.indexing.check_layout) for a tuple or a
range inside the index (an index array to NumPy and torch 2.13 alike, as a list is), and its
advice written in the index's own positions (each rewrite checked against both libraries)."""
import re

import numpy as np
import pytest

import tinygrad_dl as tg

LAYOUT = r"NumPy puts this index's advanced axes first, torch keeps them in place"
FULL = slice(None)


@pytest.mark.parametrize("index", [(1, FULL, range(2)), (1, FULL, (0, 1)),
                                   (1, FULL, ((0, 1), (1, 2)))],
                         ids=["range", "tuple", "nested-tuple"])
def test_a_tuple_or_range_inside_the_index_is_refused_where_torch_differs(index):
    torch = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(2, 3, 4)
    # the premise: both libraries read it as an index array, in different layouts
    assert a[index].shape != tuple(torch.from_numpy(a)[index].shape)
    x = tg.Tensor(a)
    with pytest.raises(IndexError, match=r"^getitem: " + LAYOUT) as e:
        x[index]
    assert "\n" not in str(e.value)
    with pytest.raises(IndexError, match=r"^Tensor.__setitem__ \(t\[i\] = v\): " + LAYOUT):
        x[index] = np.zeros(torch.from_numpy(a)[index].shape)
    np.testing.assert_array_equal(x.data, a)  # nothing written


@pytest.mark.parametrize("index", [(FULL, (0, 1)), (range(2), FULL), (0, (0, 1))],
                         ids=["slice-tuple", "range-slice", "int-tuple"])
def test_a_tuple_or_range_read_alike_still_works(index):
    torch = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(2, 3, 4)
    want = torch.from_numpy(a)[index].numpy()
    np.testing.assert_array_equal(tg.Tensor(a)[index].data, want)


def advice(message: str) -> tuple[str, str]:
    m = re.search(r"index the ints first \((.*)\) or give them as index arrays \((.*)\), which",
                  message)
    assert m, message
    return m.group(1), m.group(2)


@pytest.mark.parametrize("shape, index, first", [
    ((2, 3, 4), (1, FULL, [0, 1]), "x[1][:, [0, 1]]"),
    ((2, 3, 4, 5), (FULL, 1, FULL, "idx"), "x[:, 1][:, :, idx]"),
    ((2, 3, 4, 5), (FULL, [0, 1], FULL, 0), "x[:, :, :, 0][:, [0, 1]]"),
    ((2, 3, 4, 5, 6), (0, Ellipsis, 1, FULL, [0, 1]), None),
    ((2, 3, 4), (1, None, slice(1, 3), [0, 1]), "x[1][None, 1:3, [0, 1]]"),
    ((2, 3, 4), (FULL, 0, Ellipsis, [0, 1]), "x[:, 0][:, [0, 1]]"),
    ((2, 3, 4, 5), (1, FULL, True, 2, [0, 1]), None),
    ((2, 3, 4, 5), (1, FULL, (0, 1), 2), None),
], ids=["int-slice-list", "slice-int-slice-array", "array-then-int", "ellipsis-between-ints",
        "none-and-slice", "ellipsis-of-no-axes", "true", "tuple-then-int"])
def test_the_advice_is_written_in_the_index_s_own_positions_and_holds(shape, index, first):
    """Each rewrite the message gives, run in NumPy and in torch: the ints-first one is torch's
    reading of the index in both, the index-array one is read alike by both."""
    torch = pytest.importorskip("torch")
    a = np.arange(float(np.prod(shape))).reshape(shape)
    idx = np.arange(shape[-1] - 1)
    index = tuple(idx if i == "idx" else i for i in index)
    with pytest.raises(IndexError, match=LAYOUT) as e:
        tg.Tensor(a)[index]
    ints_first, as_arrays = advice(str(e.value))
    if first is not None:
        assert ints_first == first
    want = torch.from_numpy(a)[index].numpy()
    t_idx = torch.from_numpy(idx)
    got_np = eval(ints_first, {"x": a, "idx": idx})  # noqa: S307 (our own message)
    got_torch = eval(ints_first, {"x": torch.from_numpy(a), "idx": t_idx}).numpy()  # noqa: S307
    np.testing.assert_array_equal(got_np, want)
    np.testing.assert_array_equal(got_torch, want)
    np.testing.assert_array_equal(eval(as_arrays, {"x": a, "idx": idx}),  # noqa: S307
                                  eval(as_arrays, {"x": torch.from_numpy(a),  # noqa: S307
                                                   "idx": t_idx}).numpy())
