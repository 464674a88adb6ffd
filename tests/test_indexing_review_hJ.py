"""A skeptic's review of indexing and index assignment against NumPy and torch 2.13: x[idx]
and x[idx] = v, and the gather / scatter / index_* / masked ops, values and gradients, with
duplicate indices, 0-size inputs and the spellings the two libraries read differently."""
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import tinygrad_dl as tg

LAYOUT = r"NumPy puts this index's advanced axes first, torch keeps them in place"


def _torch_index(index, torch):
    """The index with its arrays as torch tensors (torch's spelling of it)."""
    items = index if isinstance(index, tuple) else (index,)
    out = tuple(torch.from_numpy(np.array(i)) if isinstance(i, np.ndarray) else i for i in items)
    return out if isinstance(index, tuple) else out[0]


def _tg_index(index):
    items = index if isinstance(index, tuple) else (index,)
    out = tuple(tg.tensor(i) if isinstance(i, np.ndarray) else i for i in items)
    return out if isinstance(index, tuple) else out[0]


# ---- one spelling, two layouts: refused, not silently NumPy's ----------------------------------
@pytest.mark.parametrize("shape, index", [
    ((2, 3, 3), (1, slice(None), np.array([0, 2, 2]))),  # square: same shape, transposed values
    ((2, 3, 4), (np.array(1), slice(None), np.array([0, 3]))),  # a 0-d index tensor is an int
    ((5, 3, 4), (slice(None), 0, Ellipsis, np.array([1, 2]))),
    ((2, 3, 4, 5), (slice(None), np.array([0, 2]), slice(None), 1)),
    ((3, 3, 2, 2), (slice(None), slice(None), np.array([1, 0]), Ellipsis, np.array([1, 0]))),
], ids=["int-slice-array", "0d-slice-array", "slice-int-ellipsis-array",
        "slice-array-slice-int", "empty-ellipsis-between-arrays"])
def test_index_numpy_and_torch_lay_out_differently_is_refused(shape, index):
    torch = pytest.importorskip("torch")
    a = np.arange(float(np.prod(shape))).reshape(shape)
    ref = torch.from_numpy(a)[_torch_index(index, torch)].numpy()
    assert ref.shape != a[index].shape or not np.array_equal(ref, a[index])  # they do differ
    x = tg.Tensor(a, requires_grad=True)
    for idx in (index, _tg_index(index)):
        with pytest.raises(IndexError, match=r"^getitem: " + LAYOUT + r".*\(a tensor of shape"):
            x[idx]
        y = tg.Tensor(a.copy())
        with pytest.raises(IndexError, match=r"^Tensor.__setitem__ \(t\[i\] = v\): " + LAYOUT):
            y[idx] = ref  # torch's layout of the values: NumPy would write them transposed
        assert np.array_equal(y.data, a)  # nothing written


@pytest.mark.parametrize("spell", [
    lambda x, i: x[1][:, i], lambda x, i: x[[1], :, i], lambda x, i: x[i, :, 1],
    lambda x, i: x[:, 1, i], lambda x, i: x[1, i], lambda x, i: x[..., i, 1]],
    ids=["two-steps", "int-as-array", "array-slice-int", "slice-int-array", "int-array",
         "ellipsis-array-int"])
def test_spellings_both_read_alike_match_torch_values_and_gradients(spell):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 3, 3))
    i = np.array([0, 2, 2])  # repeated: the gradient adds up
    xt = torch.tensor(a, requires_grad=True)
    yt = spell(xt, torch.tensor(i))
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    (yt * torch.tensor(g)).sum().backward()
    x = tg.Tensor(a, requires_grad=True)
    y = spell(x, tg.tensor(i))
    (y * tg.Tensor(g)).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy())
    np.testing.assert_allclose(x.grad, xt.grad.numpy())


@st.composite
def _indexed(draw):
    """A tensor of 1-4 axes (each 2-4 long) and an index tuple of ints (Python or 0-d),
    slices (steps 1 and -1: full length), None, `...` and 1-D integer arrays (2 distinct
    entries, negatives too) or bool masks (2+ True)."""
    shape = tuple(draw(st.lists(st.integers(2, 4), min_size=1, max_size=4)))
    items, d, ellipsis = [], 0, False
    for kind in draw(st.lists(st.sampled_from("isanei"), min_size=1, max_size=len(shape) + 2)):
        if kind == "n":
            items.append(None)
        elif kind == "e" and not ellipsis:
            ellipsis = True
            items.append(Ellipsis)
        elif kind in "isa" and d < len(shape):
            n = shape[d]
            if kind == "i":
                k = draw(st.integers(-n, n - 1))
                items.append(np.array(k) if draw(st.booleans()) else k)
            elif kind == "s":
                items.append(slice(None, None, draw(st.sampled_from([1, -1]))))
            elif draw(st.booleans()):
                pair = draw(st.lists(st.integers(-n, n - 1), min_size=2, max_size=2,
                                     unique_by=lambda k, n=n: k % n))
                items.append(np.array(pair))
            else:
                mask = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
                mask[:2] = True
                items.append(mask)
            d += 1
    return shape, tuple(items)


@given(_indexed(), st.booleans())
@example(((2, 3, 3), (1, slice(None), np.array([0, 2]))), True)  # torch: (3, 2), NumPy: (2, 3)
def test_getitem_is_numpys_and_torchs_or_refused(case, as_tensors):
    """Every index tuple: NumPy's values and torch's gradient where the two libraries agree,
    one line where they lay the result out differently, an error where NumPy has one."""
    torch = pytest.importorskip("torch")
    shape, index = case
    a = np.arange(float(np.prod(shape))).reshape(shape)
    try:
        want = a[index]
    except IndexError:
        with pytest.raises(IndexError, match=r"^getitem: "):
            tg.Tensor(a)[index]
        return
    # torch has no negative steps: its layout is read with them made positive (the same one)
    pos = tuple(slice(None) if type(i) is slice else i for i in index)
    try:
        lay = torch.from_numpy(a)[_torch_index(pos, torch)].numpy()
    except (IndexError, RuntimeError):
        lay = None
    x = tg.Tensor(a, requires_grad=True)
    idx = _tg_index(index) if as_tensors else index
    if lay is not None and (lay.shape != a[pos].shape or not np.array_equal(lay, a[pos])):
        with pytest.raises(IndexError, match=r"^getitem: " + LAYOUT):
            x[idx]
        return
    y = x[idx]
    np.testing.assert_array_equal(y.data, want)
    g = np.random.default_rng(0).standard_normal(want.shape)
    (y * tg.Tensor(g)).sum().backward()
    gx = np.zeros_like(a)
    np.add.at(gx, index, g)  # repeated entries add up
    np.testing.assert_allclose(x.grad, gx)
    if lay is not None and not any(type(i) is slice and i.step == -1 for i in index):
        xt = torch.tensor(a, requires_grad=True)
        (xt[_torch_index(index, torch)] * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(x.grad, xt.grad.numpy())


# ---- a list NumPy cannot read as one index array -------------------------------------------------
@pytest.mark.parametrize("index", [[0, slice(None)], [0, [1, 2]], [None, 0], [Ellipsis, 1]],
                         ids=["slice", "ragged", "none", "ellipsis"])
def test_list_that_is_not_one_index_array_is_refused_in_one_line(index):
    x = tg.Tensor(np.zeros((4, 3)))
    words = r"the list .* is not one index array .* torch 2.13 reads it as a tuple"
    with pytest.raises(IndexError, match=r"^getitem: " + words):
        x[index]
    with pytest.raises(IndexError, match=r"^Tensor.__setitem__ \(t\[i\] = v\): " + words):
        x[index] = 1.0
    assert x[tuple(index)].shape == np.zeros((4, 3))[tuple(index)].shape  # the advice works


# ---- put names itself, and the input's shape ---------------------------------------------
@pytest.mark.parametrize("index, source, err, words", [
    ([12], [1.0], IndexError, r"^put: index 12 is out of bounds .*\(a tensor of shape \(4, 3\), "
                              r"flattened\)$"),
    ([0, 0], [1.0, 2.0], ValueError, r"^put: the indices name one position twice"),
    ([0], np.array([1]), TypeError, r"^put: values have dtype int64"),
], ids=["out-of-range", "repeated", "dtype"])
def test_put_errors_name_put_not_index_put(index, source, err, words):
    x = tg.Tensor(np.zeros((4, 3)))
    with pytest.raises(err, match=words):
        x.put(tg.tensor(index), tg.tensor(source))


# ---- basic indexing: NumPy's values, the gradient back where each entry came from ----------------
A = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("index", [
    (slice(None, None, -1), slice(None, None, -2)), (Ellipsis, slice(None, None, 3)),
    (slice(2, 1),), (None, 0), (0, np.newaxis, slice(None)), (Ellipsis, 1), (0, Ellipsis, 1),
    (1, Ellipsis), (Ellipsis, None), Ellipsis, (slice(-100, 100),),
    (slice(None, None, -1), 0, slice(3, 0, -2)), np.array([0, 0, 1, 0]),
    (slice(None), np.array([0, 2, 2]), np.array([1, 1, -1])), A > 10, A[:, :, 0] > 4,
    (slice(None), np.array([True, False, True])), (None, A > 10), np.True_, np.False_,
    np.array([], np.int64), (np.array([1, 0], np.int32), np.array([[0], [2]])),
])
def test_indexing_matches_numpy_with_gradient(index):
    x = tg.Tensor(A, requires_grad=True)
    y = x[index]
    np.testing.assert_array_equal(y.data, A[index])
    g = np.random.default_rng(0).standard_normal(y.shape)
    (y * tg.Tensor(g)).sum().backward()
    gx = np.zeros_like(A)
    np.add.at(gx, index, g)
    np.testing.assert_allclose(x.grad, gx)


@pytest.mark.parametrize("a, index", [
    (np.array(5.0), ()), (np.array(5.0), None), (np.array(5.0), (Ellipsis, None)),
    (np.array(5.0), np.False_), (np.zeros((0, 3)), (slice(None), 0)),
    (np.zeros((0, 3)), np.array([], np.int64)), (np.zeros((0, 3)), (Ellipsis, 1)),
], ids=["0d-empty", "0d-none", "0d-ellipsis-none", "0d-false", "0size-col", "0size-empty",
        "0size-ellipsis"])
def test_0d_and_0_size_indexing_as_numpy(a, index):
    x = tg.Tensor(a, requires_grad=True)
    y = x[index]
    assert y.shape == a[index].shape
    y.sum().backward()
    assert x.grad.shape == a.shape


@pytest.mark.parametrize("a, index", [(np.zeros((0, 3)), 0), (np.zeros((0, 3)), np.array([0])),
                                      (A, (np.array([-3]),)), (A, (0, 3, 4))])
def test_out_of_range_index_names_op_and_shape(a, index):
    with pytest.raises(IndexError, match=r"^getitem: index -?\d+ is out of bounds for axis \d "
                                         rf"with size \d \(indexing a tensor of shape "
                                         rf"\({a.shape[0]}, "):
        tg.Tensor(a)[index]


# ---- x[idx] = v ---------------------------------------------------------------------------------
def test_setitem_repeated_index_last_write_wins_as_numpy():
    """NumPy's rule (torch leaves it undefined, so NumPy's is one of its answers)."""
    for index in (np.array([0, 0, 1]), tg.tensor([0, 0, 1])):
        x = tg.Tensor(np.zeros(3))
        x[index] = np.array([1.0, 2.0, 3.0])
        assert x.data.tolist() == [2.0, 3.0, 0.0]


@pytest.mark.parametrize("index, value", [
    ((slice(None), 1), [1.0, 2.0]), (0, [[1.0, 2.0, 3.0]]), ("mask", 7.0),
    ((np.array([1, 0]), np.array([2, 2])), [5.0, 6.0]), (np.array([True, False]), 3.0),
    ((Ellipsis, np.array([0, 2])), [[1.0, 2.0]]),
])
def test_setitem_broadcasts_values_as_torch(index, value):
    torch = pytest.importorskip("torch")
    a = np.arange(6.0).reshape(2, 3)
    x, xt = tg.Tensor(a.copy()), torch.tensor(a)
    if isinstance(index, str):
        x[x > 2] = value
        xt[xt > 2] = value
    else:
        x[_tg_index(index)] = tg.tensor(value)
        xt[_torch_index(index, torch)] = torch.tensor(value, dtype=torch.float64)
    np.testing.assert_array_equal(x.data, xt.numpy())


def test_setitem_refusals_are_one_line():
    w = tg.Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^Tensor.__setitem__ \(t\[i\] = v\): a leaf "):
        w[0] = 1.0
    h = w * 2
    h[0] = 1.0  # an op's result: recorded (before: refused), as torch's
    assert h.grad_fn.name == "Where"
    v = tg.Tensor(np.ones(2), requires_grad=True)
    x = tg.zeros(3)
    x[:2] = v  # recorded, as torch's (was refused: the constant x had no way to record it)
    assert x.requires_grad and not x.is_leaf
    (x * tg.Tensor(np.array([1.0, 2.0, 3.0]))).sum().backward()
    assert v.grad.tolist() == [1.0, 2.0]
    with tg.no_grad():
        w[0] = 1.0
    assert w.data.tolist() == [1.0, 0.0, 0.0]


def test_setitem_on_a_view_a_live_graph_saved_is_guarded():
    x = tg.Tensor(np.ones((3, 3)))
    w = tg.Tensor(np.ones(3), requires_grad=True)
    row = x[0]
    z = w * x[0]
    with pytest.raises(RuntimeError, match=r"a live graph saved"):
        row[0] = 5.0
    z.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0, 1.0]


# ---- the index ops against torch: values and gradients, duplicates and 0-size inputs ------------
R = np.random.default_rng(3)
X, S = R.standard_normal((4, 3)), R.standard_normal((4, 3))
M = R.random((4, 3)) > 0.5
G = np.array([[0, 0, 2], [1, 1, 1], [2, 0, 0], [0, 2, 2]])
I = np.array([0, 2, 2, 0])
E = np.zeros((0, 3))
OPS = {
    "index_select": ([X], lambda T, x: x.index_select(0, T(I))),
    "index_select-0size": ([E], lambda T, x: x.index_select(1, T([2, 2]))),
    "index_add": ([X, S], lambda T, x, s: x.index_add(0, T(I), s, alpha=2.5)),
    "index_add-0size": ([E, np.zeros((0, 2))], lambda T, x, s: x.index_add(1, T([2, 2]), s)),
    "index_copy": ([X, S[:2]], lambda T, x, s: x.index_copy(0, T([3, 1]), s)),
    "index_fill": ([X], lambda T, x: x.index_fill(1, T([2, 2, -1]), -3.0)),
    "index_fill-tensor": ([X, np.array(2.0)], lambda T, x, v: x.index_fill(1, T([0, 2]), v)),
    "gather": ([X], lambda T, x: x.gather(1, T(G))),
    "gather-0size": ([E], lambda T, x: x.gather(1, T(np.zeros((0, 2), np.int64)))),
    "scatter_add": ([X, S], lambda T, x, s: x.scatter_add(1, T(G), s)),
    "scatter-value": ([X], lambda T, x: x.scatter(1, T([[0, 1], [2, 1], [1, 0], [0, 2]]),
                                                  value=2.0)),
    "take": ([X], lambda T, x: x.take(T([[0, -1], [5, 5]]))),
    "take_along_dim": ([X], lambda T, x: x.take_along_dim(T([[0, 2, 2]]), 1)),
    "take_along_dim-flat": ([X], lambda T, x: x.take_along_dim(T([0, 5, 5]))),
    "put": ([X, S[0]], lambda T, x, s: x.put(T([0, -1, 5]), s)),
    "put-accumulate": ([X, S[0]], lambda T, x, s: x.put(T([0, 11, -1]), s, accumulate=True)),
    "index_put-accumulate": ([X, S[0]], lambda T, x, v: x.index_put(
        (T([0, 0, 3]), T([1, 1, -1])), v, accumulate=True)),
    "masked_fill-broadcast": ([X[:1]], lambda T, x: x.masked_fill(T(M), 0.5)),
    "masked_fill-tensor": ([X, np.array(0.5)], lambda T, x, v: x.masked_fill(T(M[:1]), v)),
    "masked_scatter-broadcast": ([X, S], lambda T, x, s: x.masked_scatter(T(M[:1]), s)),
    "masked_select-broadcast": ([X[:1]], lambda T, x: x.masked_select(T(M))),
    "where-broadcast": ([X, S[0]], lambda T, x, y: x.where(T(M[:, :1]), y)),
}


@pytest.mark.parametrize("name", list(OPS))
def test_index_ops_match_torch_values_and_gradients(name):
    torch = pytest.importorskip("torch")
    arrays, fn = OPS[name]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    yt = fn(lambda i: torch.tensor(np.asarray(i)), *ts)
    g = np.random.default_rng(4).standard_normal(tuple(yt.shape))
    (yt * torch.tensor(g)).sum().backward()
    xs = [tg.Tensor(a, requires_grad=True) for a in arrays]
    y = fn(lambda i: tg.tensor(np.asarray(i)), *xs)
    (y * tg.Tensor(g)).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy())
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad, t.grad.numpy())
