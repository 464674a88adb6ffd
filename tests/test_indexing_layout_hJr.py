"""Second review of the layout check on x[index] / x[index] = v (ops.indexing.check_layout):
no refusal where NumPy and torch 2.13 read an index alike (a 0-d True moved past only None's
axes), a refusal exactly where they differ (brute force against both, with sizes that leave no
coincidence), its messages on one line, and NumPy's own error for too many indices."""
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tinygrad_dl as tg

LAYOUT = r"NumPy puts this index's advanced axes first, torch keeps them in place"
SET = r"^Tensor.__setitem__ \(t\[i\] = v\): "


def _as(index, lib, torch=None):
    """The index with its arrays as torch tensors (lib "torch") or tg tensors (lib "tg");
    items marked ("T", array) are Tensors for tg, and torch reads NumPy ints as ints."""
    out = []
    for i in index:
        tensor_here = type(i) is tuple
        a = i[1] if tensor_here else i
        if lib == "torch" and isinstance(a, np.ndarray):
            out.append(torch.from_numpy(a.copy()))
        elif lib == "torch" and isinstance(a, (np.integer, np.bool_)):
            out.append(a.item())  # (torch refuses a NumPy bool)
        elif lib == "tg" and tensor_here:
            out.append(tg.tensor(a))
        else:
            out.append(a)
    return tuple(out)


@pytest.mark.parametrize("shape, index", [
    ((3, 4), (0, None, True)),
    ((3, 4), (np.array(1), None, np.array(True))),
    ((3, 4, 5), (-1, None, None, np.True_)),
    ((3, 4, 5), (None, True, Ellipsis, 1)),
    ((3, 4, 5), (1, None, ("T", np.array(True)), Ellipsis)),
], ids=["int-none-true", "0d-none-0dtrue", "int-nones-nptrue", "none-true-ellipsis-int",
        "int-none-tensortrue-ellipsis"])
def test_a_true_moved_past_only_nones_is_read_alike_and_not_refused(shape, index):
    torch = pytest.importorskip("torch")
    a = np.arange(float(np.prod(shape))).reshape(shape)
    want = torch.from_numpy(a)[_as(index, "torch", torch)].numpy()
    np.testing.assert_array_equal(a[_as(index, "np")], want)  # NumPy's reading: the same
    x = tg.Tensor(a)
    got = x[_as(index, "tg")].data
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    t = torch.from_numpy(a.copy())
    t[_as(index, "torch", torch)] = -torch.from_numpy(want)
    x[_as(index, "tg")] = -want
    np.testing.assert_array_equal(x.data, t.numpy())


def test_a_false_moved_past_a_none_is_still_refused():
    """x[0, None, False]: NumPy (0, 1, 4), torch (1, 0, 4): refused."""
    torch = pytest.importorskip("torch")
    a = np.zeros((3, 4))
    assert torch.from_numpy(a)[0, None, False].shape != a[0, None, False].shape
    with pytest.raises(IndexError, match=r"^getitem: " + LAYOUT):
        tg.Tensor(a)[0, None, False]


@pytest.mark.parametrize("index, words", [
    ((1, slice(None), np.array([[0, 1], [1, 0]])), LAYOUT),
    ((1, slice(None), ("T", np.array([[0, 1], [1, 0]]))), LAYOUT),
    ([np.array([[0, 1], [1, 0]]), slice(None)], r"the list .* is not one index array"),
    ([("T", np.array([[0, 1], [1, 0]])), None], r"the list .* is not one index array"),
], ids=["layout-2d-array", "layout-2d-tensor", "list-2d-array", "list-2d-tensor"])
def test_refusals_with_a_2d_index_are_one_line(index, words):
    """A 2-D array's repr has a line break: the message showed it."""
    x = tg.Tensor(np.zeros((2, 3, 4)))
    idx = _as(index, "tg")
    idx = list(idx) if type(index) is list else idx
    with pytest.raises(IndexError, match=r"^getitem: " + words) as e:
        x[idx]
    assert "\n" not in str(e.value)
    with pytest.raises(IndexError, match=SET + words) as e:
        x[idx] = 1.0
    assert "\n" not in str(e.value)


def test_too_many_indices_is_numpys_error_not_the_layout_one():
    x = tg.Tensor(np.zeros((2, 3, 4)))
    for who, run in [("getitem", lambda i: x[i]), ("Tensor.__setitem__", x.__setitem__)]:
        with pytest.raises(IndexError, match=rf"^{who}.*too many indices"):
            run((0, 0, slice(None), np.array([0]))) if who == "getitem" else run(
                (0, 0, slice(None), np.array([0])), 1.0)


@st.composite
def _index(draw):
    """A shape with every axis 4 or 5 long and an index tuple whose advanced block has 2+ rows
    (or none: a False) and whose slices keep 2+ entries, so that a moved block always changes
    the result: the two libraries agree exactly where they read the index alike."""
    shape = tuple(draw(st.lists(st.integers(4, 5), min_size=1, max_size=4)))
    items, d = [], 0
    for kind in draw(st.lists(st.sampled_from(
            ["int", "npint", "0d", "slice", "none", "ell", "arr", "list", "col", "mask", "true",
             "false", "0dtrue"]), min_size=1, max_size=5)):
        n = shape[d] if d < len(shape) else 4
        k = draw(st.integers(-n, n - 1))
        item = {"int": k, "npint": np.int64(k), "0d": np.array(k), "true": True,
                "false": False, "0dtrue": np.array(True), "none": None, "ell": Ellipsis,
                "slice": draw(st.sampled_from([slice(None), slice(1, 3)])),
                "arr": np.array([k, 0, 1]), "list": [k, 0, 1], "col": np.array([[k], [0], [1]]),
                "mask": np.array([True, True] + [False] * (n - 2))}[kind]
        if isinstance(item, np.ndarray) and draw(st.booleans()):
            item = ("T", item)  # a Tensor in tg's index
        items.append(item)
        d += kind not in ("none", "ell", "true", "false", "0dtrue")
    return shape, tuple(items)


@settings(deadline=None, max_examples=300)
@given(_index())
@example(((4, 4), (0, None, True)))  # read alike: was refused
@example(((4, 5, 4), (1, slice(None), np.array([0, 1, 2]))))  # torch (5, 3), NumPy (3, 5)
def test_refused_exactly_where_numpy_and_torch_differ(case):
    torch = pytest.importorskip("torch")
    shape, index = case
    a = np.arange(float(np.prod(shape))).reshape(shape)
    try:
        want = a[_as(index, "np")]
    except IndexError:  # (NumPy's error: tg's too)
        with pytest.raises(IndexError, match=r"^getitem: "):
            tg.Tensor(a)[_as(index, "tg")]
        return
    try:
        lay = torch.from_numpy(a)[_as(index, "torch", torch)].numpy()
    except (IndexError, RuntimeError):
        return  # no oracle
    x = tg.Tensor(a)
    if lay.shape != want.shape or not np.array_equal(lay, want):
        with pytest.raises(IndexError, match=r"^getitem: " + LAYOUT):
            x[_as(index, "tg")]
        with pytest.raises(IndexError, match=SET + LAYOUT):
            x[_as(index, "tg")] = 0.0
        return
    np.testing.assert_array_equal(x[_as(index, "tg")].data, want)
    b = a.copy()
    b[_as(index, "np")] = -1.0
    x[_as(index, "tg")] = -1.0
    np.testing.assert_array_equal(x.data, b)
