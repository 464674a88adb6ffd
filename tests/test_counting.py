"""nonzero/argwhere, count_nonzero, unique/unique_consecutive, bincount, histc, histogram,
searchsorted and bucketize (tensor/counting.py, functional/counting.py): values, dtypes and
shapes against torch 2.13 (when installed) and NumPy, NumPy's calls on tensors, no gradient,
and a jit step that uses them never replays a stale result."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def same(ours, theirs) -> None:
    """Equal values, dtype and shape; `theirs` a torch tensor or a NumPy array (or tuples)."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), (ours, theirs)
        for o, t in zip(ours, theirs):
            same(o, t)
        return
    assert isinstance(ours, Tensor), type(ours)
    expected = theirs.numpy() if hasattr(theirs, "numpy") and not isinstance(
        theirs, np.ndarray) else np.asarray(theirs)
    assert ours.data.dtype == expected.dtype, (ours.data.dtype, expected.dtype)
    assert ours.shape == expected.shape, (ours.shape, expected.shape)
    np.testing.assert_array_equal(ours.data, expected)


R = np.random.default_rng(0)
M = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
INTS = R.integers(0, 6, size=40)
VALUES = np.round(R.standard_normal(30), 1)


# ---- against torch 2.13 -------------------------------------------------------------------------
@pytest.mark.parametrize("a", [M, np.zeros((2, 0)), np.array(2.0), np.array(0.0),
                               np.array([0.0, np.nan, -0.0])], ids=str)
def test_nonzero_argwhere_count_nonzero_as_torch(torch, a):
    t = torch.tensor(a)
    same(Tensor(a).nonzero(), t.nonzero())
    same(tg.nonzero(a, as_tuple=True), t.nonzero(as_tuple=True))
    same(tg.argwhere(Tensor(a)), torch.argwhere(t))
    same(tg.count_nonzero(Tensor(a)), torch.count_nonzero(t))
    if a.ndim:
        same(Tensor(a).count_nonzero(dim=0), torch.count_nonzero(t, dim=0))
        same(tg.count_nonzero(a, dim=tuple(range(a.ndim))),
             torch.count_nonzero(t, dim=tuple(range(a.ndim))))


@pytest.mark.parametrize("kw", [{}, {"return_inverse": True}, {"return_counts": True},
                                {"return_inverse": True, "return_counts": True}], ids=str)
@pytest.mark.parametrize("a", [VALUES, np.round(R.standard_normal((4, 3))), np.array(3.0),
                               np.zeros(0), INTS], ids=lambda a: str(a.shape))
def test_unique_as_torch(torch, a, kw):
    same(Tensor(a).unique(**kw), torch.unique(torch.tensor(a), **kw))
    same(tg.unique(a, **kw), torch.unique(torch.tensor(a), **kw))
    same(Tensor(a).unique(sorted=False, **kw), torch.unique(torch.tensor(a), sorted=False, **kw))


def test_unique_along_dim_as_torch(torch):
    a = np.array([[1, 2], [1, 2], [0, 5], [1, 2]])
    for d in (0, 1, -1):
        kw = {"dim": d, "return_inverse": True, "return_counts": True}
        same(Tensor(a).unique(**kw), torch.unique(torch.tensor(a), **kw))
    same(Tensor(np.zeros((2, 0))).unique(dim=1, return_inverse=True, return_counts=True),
         torch.unique(torch.zeros(2, 0, dtype=torch.float64), dim=1, return_inverse=True,
                      return_counts=True))


def test_unique_nan_differs_from_torch_as_documented(torch):
    a = np.array([np.nan, 1.0, np.nan])
    same(Tensor(a).unique(), np.array([1.0, np.nan]))  # NumPy 2's: one NaN
    same(tg.unique(a, equal_nan=False), torch.unique(torch.tensor(a)))  # torch's: each apart


@pytest.mark.parametrize("a", [np.array([1, 1, 2, 2, 3, 1, 1]), np.zeros(0),
                               np.array([np.nan, np.nan, 1.0]), np.array(4.0),
                               np.array([[1, 2], [1, 2], [0, 5], [1, 2]])], ids=str)
@pytest.mark.parametrize("dim", [None, 0])
def test_unique_consecutive_as_torch(torch, a, dim):
    if dim is not None and a.ndim == 0:
        return
    kw = {"return_inverse": True, "return_counts": True, "dim": dim}
    same(Tensor(a).unique_consecutive(**kw), torch.unique_consecutive(torch.tensor(a), **kw))
    same(tg.unique_consecutive(a, dim=dim), torch.unique_consecutive(torch.tensor(a), dim=dim))


@pytest.mark.parametrize("minlength", [0, 3, 10])
@pytest.mark.parametrize("wdtype", [None, np.float32, np.float64, np.int64])
def test_bincount_as_torch(torch, minlength, wdtype):
    x = INTS[:12]
    w = None if wdtype is None else (R.standard_normal(12) * 4).astype(wdtype)
    ours = tg.bincount(Tensor(x), None if w is None else Tensor(w), minlength)
    theirs = torch.bincount(torch.tensor(x), None if w is None else torch.tensor(w), minlength)
    if wdtype == np.float32:  # (torch may sum in another order: the last bits)
        assert ours.data.dtype == np.float32
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)
    else:
        same(ours, theirs)
    same(tg.bincount(np.zeros(0, np.int64), minlength=minlength),
         torch.bincount(torch.zeros(0, dtype=torch.int64), minlength=minlength))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", [{}, {"bins": 7}, {"bins": 3, "min": -1, "max": 1},
                                {"bins": 10, "min": 0.1, "max": 0.7}, {"bins": 4, "min": 2,
                                                                       "max": 2}], ids=str)
def test_histc_as_torch(torch, dtype, kw):
    """torch's range rules and its arithmetic in x's dtype: the same counts, edges included
    (values on the bin edges of linspace(-1, 1, 21) and the data's own min and max)."""
    for a in (R.standard_normal(500).astype(dtype), np.linspace(-1, 1, 21).astype(dtype),
              np.array([2.0, 2.0], dtype), np.zeros(0, dtype), np.array(0.3, dtype),
              np.array([0.5, np.nan, np.inf, -np.inf, 0.25], dtype)):
        t = torch.tensor(a)
        try:
            expected = torch.histc(t, **kw)
        except RuntimeError as e:
            assert "not finite" in str(e)
            with pytest.raises(ValueError, match="histc: the range .* is not finite"):
                Tensor(a).histc(**kw)
            continue
        same(Tensor(a).histc(**kw), expected)
        same(tg.histc(a, **kw), expected)


@pytest.mark.parametrize("kw", [{}, {"right": True}, {"side": "right"}, {"out_int32": True}],
                         ids=str)
def test_searchsorted_and_bucketize_as_torch(torch, kw):
    seq = np.array([1.0, 2.0, 2.0, 3.5, 7.0])
    values = np.array([[0.0, 2.0], [3.5, 9.0], [2.5, 1.0]])
    T = torch.tensor
    same(tg.searchsorted(seq, values, **kw), torch.searchsorted(T(seq), T(values), **kw))
    same(tg.searchsorted(Tensor(seq), 2.0, **kw), torch.searchsorted(T(seq), 2.0, **kw))
    batch = np.sort(R.standard_normal((2, 3, 6)), -1)
    v = R.standard_normal((2, 3, 4))
    same(tg.searchsorted(batch, v, **kw), torch.searchsorted(T(batch), T(v), **kw))
    order = np.argsort(seq[::-1])
    same(tg.searchsorted(seq[::-1].copy(), values, sorter=order, **kw),
         torch.searchsorted(T(seq[::-1].copy()), T(values), sorter=T(order), **kw))
    if "side" not in kw:
        same(tg.bucketize(values, seq, **kw), torch.bucketize(T(values), T(seq), **kw))
        same(tg.bucketize(Tensor(2.0), seq, **kw), torch.bucketize(T(2.0), T(seq), **kw))


def test_refusals_match_torch(torch):
    """Where torch refuses, we refuse (one line naming the function)."""
    T = torch.tensor
    for ours, theirs in [
        (lambda: tg.bincount(np.array([1, -1])), lambda: torch.bincount(T([1, -1]))),
        (lambda: tg.bincount(np.array([1.0])), lambda: torch.bincount(T([1.0]))),
        (lambda: tg.bincount(np.array([True])), lambda: torch.bincount(T([True]))),
        (lambda: tg.bincount(np.array([[1]])), lambda: torch.bincount(T([[1]]))),
        (lambda: tg.histc(np.array([1, 2])), lambda: torch.histc(T([1, 2]))),
        (lambda: tg.histc(np.array([1.0]), bins=0), lambda: torch.histc(T([1.0]), bins=0)),
        (lambda: tg.histc(np.array([1.0]), 2, 3, 1), lambda: torch.histc(T([1.0]), 2, 3, 1)),
        (lambda: tg.searchsorted(np.array(1.0), np.array([1.0])),
         lambda: torch.searchsorted(T(1.0), T([1.0]))),
        (lambda: tg.searchsorted([1.0], [1.0], side="left", right=True),
         lambda: torch.searchsorted(T([1.0]), T([1.0]), side="left", right=True)),
        (lambda: tg.bucketize([1.0], [[1.0, 2.0]]), lambda: torch.bucketize(T([1.0]),
                                                                            T([[1.0, 2.0]]))),
    ]:
        with pytest.raises(RuntimeError):
            theirs()
        with pytest.raises((ValueError, TypeError)) as e:
            ours()
        assert "\n" not in str(e.value)
        assert str(e.value).split(":")[0] in ("bincount", "histc", "searchsorted", "bucketize")


# ---- against NumPy ------------------------------------------------------------------------------
@pytest.mark.parametrize("a", [VALUES, INTS, np.zeros(0), np.array(2.0),
                               np.array([np.nan, 1.0, np.nan, 1.0])],
                         ids=lambda a: str(a.reshape(-1)[:3]))
def test_unique_as_numpy(a):
    kw = {"return_index": True, "return_inverse": True, "return_counts": True}
    same(tg.unique(a, **kw), np.unique(a, **kw))
    same(tg.unique(a), np.unique(a))
    same(tg.unique(a, equal_nan=False), np.unique(a, equal_nan=False))
    b = np.array([[1, 2, 1], [3, 4, 3]])
    same(tg.unique(b, axis=1, **kw), np.unique(b, axis=1, **kw))


def test_bincount_count_nonzero_searchsorted_histogram_as_numpy():
    same(tg.bincount(list(INTS)), np.bincount(INTS))  # a list of ints stays ints
    same(tg.bincount(INTS, weights=np.arange(40.0)), np.bincount(INTS, weights=np.arange(40.0)))
    same(tg.bincount(INTS, minlength=20), np.bincount(INTS, minlength=20))
    same(tg.count_nonzero(M, axis=1, keepdims=True), np.count_nonzero(M, axis=1, keepdims=True)
         .astype(np.int64))
    seq = np.sort(VALUES)
    for side in ("left", "right"):
        same(tg.searchsorted(seq, VALUES, side), np.searchsorted(seq, VALUES, side))
    same(tg.searchsorted([1.0, 3.0, np.nan], [np.nan, 4.0]),
         np.searchsorted([1.0, 3.0, np.nan], [np.nan, 4.0]))
    for kw in ({}, {"bins": 4}, {"bins": [-1.0, 0.0, 0.5, 2.0]}, {"range": (-1, 1)},
               {"density": True}, {"weights": np.arange(30.0)}):
        same(tg.histogram(VALUES, **kw), np.histogram(VALUES, **kw))
    same(tg.histogram(VALUES, weight=Tensor(np.arange(30.0)))[0],
         np.histogram(VALUES, weights=np.arange(30.0))[0])


def test_numpys_calls_on_tensors():
    """np.unique(t) and its kind route to the op when the call fits its signature (a Tensor),
    else run NumPy's own on the values (np.nonzero's tuple, np.unique(t, True))."""
    t, i = Tensor(VALUES), Tensor(INTS)
    same(np.unique(t), np.unique(VALUES))
    same(np.unique(t, return_counts=True), np.unique(VALUES, return_counts=True))
    got = np.unique(t, True)  # NumPy's positional return_index: NumPy's own, as arrays
    for g, e in zip(got, np.unique(VALUES, True)):
        assert isinstance(g, np.ndarray)
        np.testing.assert_array_equal(g, e)
    same(np.bincount(i), np.bincount(INTS))
    same(np.bincount(i, minlength=9), np.bincount(INTS, minlength=9))
    seq = Tensor(np.sort(VALUES))
    same(np.searchsorted(seq, t), np.searchsorted(np.sort(VALUES), VALUES))
    same(np.searchsorted(seq, t, "right"), np.searchsorted(np.sort(VALUES), VALUES, "right"))
    same(np.argwhere(Tensor(M)), np.argwhere(M))
    same(np.count_nonzero(Tensor(M), axis=0), np.count_nonzero(M, axis=0))
    same(np.histogram(t, bins=3), np.histogram(VALUES, bins=3))
    nz = np.nonzero(Tensor(M))  # NumPy's tuple, from NumPy's own
    assert all(isinstance(k, np.ndarray) for k in nz)
    np.testing.assert_array_equal(np.stack(nz), np.stack(np.nonzero(M)))


# ---- constants: no gradient, whatever the input -------------------------------------------------
def test_results_are_constants():
    x = Tensor(VALUES, requires_grad=True)
    for out in (x.nonzero(), x.argwhere(), x.count_nonzero(), x.unique(), x.histc(5),
                x.unique_consecutive(), tg.searchsorted(tg.sort(x), x), tg.bucketize(x, [0.0]),
                *tg.histogram(x), *x.unique(return_inverse=True, return_counts=True),
                tg.bincount(Tensor(INTS[:30]), x.detach())):
        assert not out.requires_grad and out._ctx is None


def test_weights_that_require_grad_are_refused_not_cut():
    """torch's bincount has no derivative (its backward raises): a constant result for
    weights that require grad would cut them from the graph without a word."""
    w = Tensor(np.ones(40), requires_grad=True)
    with pytest.raises(TypeError, match="bincount: the weights require grad"):
        tg.bincount(INTS, w)
    with pytest.raises(TypeError, match="histogram: the weights require grad"):
        tg.histogram(VALUES, weights=Tensor(np.ones(30), requires_grad=True))
    with tg.no_grad():
        same(tg.bincount(INTS, w), np.bincount(INTS, np.ones(40)))
    # the differentiable weighted count the message points to
    s = tg.zeros(6).index_add(0, INTS, w)
    s.sum().backward()
    np.testing.assert_array_equal(w.grad, np.ones(40))


def test_huge_allocations_are_refused_in_one_line():
    with pytest.raises(ValueError, match=r"bincount: minlength=10{12} would make more"):
        tg.bincount([1], minlength=10**12)
    with pytest.raises(ValueError, match="bincount: the largest value"):
        tg.bincount([10**12])
    with pytest.raises(ValueError, match="histc: bins="):
        tg.histc(VALUES, bins=10**12)


def test_searchsorted_batched_with_an_empty_last_axis_as_torch(torch):
    """A (2, 0) sequence or (2, 0) values: torch's result, not NumPy's reshape error."""
    seq, v = np.array([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]), np.array([[3.0, 4.0], [3.0, 7.0]])
    T = torch.tensor
    same(tg.searchsorted(seq, np.zeros((2, 0))), torch.searchsorted(T(seq), T(np.zeros((2, 0)))))
    same(tg.searchsorted(np.zeros((2, 0)), v), torch.searchsorted(T(np.zeros((2, 0))), T(v)))


def test_searchsorted_sorter_out_of_range_is_refused(torch):
    """A negative sorter index would wrap around (np.take_along_axis) and search a sequence
    that is not sorted: a wrong index without a word; torch refuses both."""
    seq, v = np.array([5.0, 1.0, 2.0, 2.0]), np.array([2.0])
    for order in ([-1, 1, 2, 3], [0, 9, 1, 2]):
        with pytest.raises(RuntimeError, match="sorter index out of range"):
            torch.searchsorted(torch.tensor(seq), torch.tensor(v), sorter=torch.tensor(order))
        with pytest.raises(ValueError, match="searchsorted: sorter index"):
            tg.searchsorted(seq, v, sorter=np.array(order))


def test_searchsorted_out_int32_that_would_overflow_is_refused():
    """A sequence of 2**31 + 10 entries (a broadcast view: no memory) has indices int32 cannot
    hold: out_int32=True wrapped them to negative numbers."""
    seq = np.broadcast_to(np.float64(0.0), (2**31 + 10,))
    same(tg.searchsorted(seq, np.array([1.0])), np.array([2**31 + 10]))
    with pytest.raises(ValueError, match="searchsorted: out_int32"):
        tg.searchsorted(seq, np.array([1.0]), out_int32=True)


@pytest.mark.parametrize("a, kw, expected", [
    # (x - min) * bins overflows float64 (torch's counts: [3, 1, 0, ...], all but one wrong)
    (np.array([0.0, 1e306, 5e307, 1e308]), {"bins": 100, "min": 0.0, "max": 1e308},
     np.histogram([0.0, 1e306, 5e307, 1e308], 100, (0.0, 1e308))[0]),
    # max - min overflows (torch: all zeros)
    (np.array([-1.7e308, 0.0, 1.7e308]), {"bins": 3}, [1, 1, 1]),
    (np.array([-3e38, 0.0, 3e38], np.float32), {"bins": 3}, [1, 1, 1]),
    # min - 1 and max + 1 round to one float32: torch's counts, the middle bin
    (np.array([1e8, 1e8], np.float32), {"bins": 3}, [0, 2, 0]),
    (np.array([1.0], np.float32), {"bins": 3, "min": 1.0, "max": 1.00000001}, [1, 0, 0]),
], ids=["x*bins overflows", "range overflows f64", "range overflows f32", "range rounds f32",
        "range rounds f32 given"])
def test_histc_at_the_ends_of_the_dtype(a, kw, expected):
    """Ranges whose arithmetic overflows x's dtype or rounds to one value: the counts, not
    NumPy's "'list' argument must have no negative elements" from a garbage bin index."""
    got = Tensor(a).histc(**kw)
    assert got.data.dtype == a.dtype
    np.testing.assert_array_equal(got.data, np.asarray(expected, a.dtype))


def test_histc_min_max_beyond_the_dtype_are_refused(torch):
    with pytest.raises(RuntimeError, match="overflow"):
        torch.histc(torch.tensor([1.0]), 3, 0, 1e40)
    with pytest.raises(ValueError, match="histc: max=1e.40 does not fit in float32"):
        tg.histc(np.array([1.0], np.float32), 3, 0, 1e40)


def test_bincount_float16_weights_give_float64_as_both_libraries(torch):
    x, w = np.array([0, 3, 3, 1]), np.array([0.1, 0.2, 0.3, 0.4], np.float16)
    expected = torch.bincount(torch.tensor(x), torch.tensor(w))
    assert expected.dtype == torch.float64 and np.bincount(x, w).dtype == np.float64
    same(tg.bincount(x, Tensor(w)), expected)


def test_histogram_edges_are_not_a_view_of_the_bins():
    """np.histogram hands back its bins array as the edges: a write into the edges tensor
    changed the caller's bins tensor (or array)."""
    bins = Tensor(np.array([0.0, 1.0, 2.0]))
    array_bins = np.array([0.0, 1.0, 2.0])
    for b in (bins, array_bins):
        _, edges = tg.histogram(np.array([0.5, 1.5]), b)
        edges[0] = -5.0
    np.testing.assert_array_equal(bins.data, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(array_bins, [0.0, 1.0, 2.0])


def test_unique_options_are_keyword_only():
    """tg.unique(x, True) would be torch's sorted= but NumPy's return_index=: refused."""
    with pytest.raises(TypeError):
        tg.unique(VALUES, True)


# ---- jit: a step that uses one of them is never replayed with a stale result ---------------------
def _counting_steps():
    W = Tensor(np.random.default_rng(1).standard_normal((3, 2)), requires_grad=True)

    def logits(X):
        return Tensor(X) @ W

    return W, {
        "bincount used": lambda X, y: (logits(X).sum(1) * tg.bincount(y, minlength=4)[y]
                                       .double()).sum(),
        "count_nonzero used": lambda X, y: logits(X).sum() * tg.count_nonzero(y).double(),
        "unique counts used": lambda X, y: logits(X).sum() * tg.unique(
            y, return_counts=True)[1].max().double(),
        "searchsorted used": lambda X, y: (logits(X)[:, 0] * tg.searchsorted(
            tg.sort(Tensor(X[:, 0])), Tensor(X[:, 1])).double()).sum(),
        "histc used": lambda X, y: (logits(X)[:3, 0] * Tensor(X[:, 2]).histc(3)).sum(),
        "nonzero used": lambda X, y: logits(X)[Tensor(y).nonzero()[:, 0]].sum(),
    }


@pytest.mark.parametrize("name", list(_counting_steps()[1]))
def test_a_jitted_step_never_replays_a_stale_result(name):
    W, steps = _counting_steps()
    fn = steps[name]

    @jit
    def step(X, y):
        loss = fn(X, y)
        loss.backward()
        return loss.detach()

    rng = np.random.default_rng(7)
    for _ in range(5):
        X, y = rng.standard_normal((8, 3)), rng.integers(0, 4, 8)
        W.grad = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (jit's "cannot replay": the expected outcome)
            got = step(X, y)
        got_grad = W.grad.copy()
        W.grad = None
        expected = fn(X, y)
        expected.backward()
        np.testing.assert_array_equal(got.data, expected.data)
        np.testing.assert_array_equal(got_grad, W.grad)


@pytest.mark.parametrize("name", ["unique", "bincount", "searchsorted"])
def test_a_jitted_step_that_returns_one_is_not_stale(name):
    W = Tensor(np.ones((3, 2)), requires_grad=True)
    make = {"unique": lambda X, y: tg.unique(y), "bincount": lambda X, y: tg.bincount(y),
            "searchsorted": lambda X, y: tg.searchsorted([0.0, 1.0], X[:, 0])}[name]

    @jit
    def step(X, y):
        (Tensor(X) @ W).sum().backward()
        return make(X, y)

    rng = np.random.default_rng(3)
    for _ in range(5):
        X, y = rng.standard_normal((6, 3)), rng.integers(0, 5, 6)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = step(X, y)
        W.grad = None
        np.testing.assert_array_equal(got.data, make(X, y).data)


def test_a_bool_dim_is_refused_not_read_as_1() -> None:
    """True is an int to Python: x.unique(dim=True) gave dim 1's slices without a word."""
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError, match="unique: dim must be an integer, got True"):
        x.unique(dim=True)
    assert x.unique(dim=np.int64(0)).shape == (2, 3)
