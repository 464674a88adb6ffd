"""Sorting, searching and counting ops against torch 2.13 (helper hB2): a seeded differential
subset (values, dtypes, shapes, gradients of a random-weighted sum, refusals) plus the named
regressions.

Fixed here: median() / nanmedian() of an empty integer or bool tensor (median raised NumPy's
"cannot convert float NaN to integer" through the op wrapper, nanmedian returned a float64 NaN
for an int64 tensor, bool median() returned True; torch 2.13 returns an arbitrary value:
-2**63 for int64, 0 for uint8): one clear line now; histogramdd of many dims (NumPy's
histogramdd keeps (bins + 2)**D counts with its outlier bins: 16 dims of 3 bins asked for
1.1 TiB, where torch's 3**16 counts take 344 MB) and of points with D = 0 (NumPy's reshape
error); tg.sort(x, 1, True) (torch's positional descending) sorted ascending and gave NumPy's
values alone; quantile / nanquantile between an infinity and a finite value (or two equal
infinities) gave NaN, torch's value, for the infinity: quantile(x, 1.0) of [1, 2, inf] was NaN.
"""
import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")


# ---- named regressions ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_median_of_an_empty_integer_tensor_is_refused_in_one_line(op, dtype):
    # median raised "Median: cannot apply ... cannot convert float NaN to integer", nanmedian
    # gave a float64 NaN for int64 input, bool median() True; torch's is an arbitrary value
    x = Tensor(np.zeros((2, 0), dtype))
    with pytest.raises(ValueError, match=rf"^{op}: an empty {np.dtype(dtype)} tensor \(shape "
                                         r"\(2, 0\)\) has no median"):
        getattr(x, op)()
    with pytest.raises(ValueError, match=rf"^{op}: an empty"):
        getattr(tg, op)(x)
    # float: NaN, as torch's
    assert np.isnan(getattr(Tensor(np.zeros((2, 0), np.float32)), op)().item())


@pytest.mark.parametrize("descending", [True, False])
def test_sort_function_reads_a_bool_third_positional_as_torchs_descending(descending):
    # tg.sort(x, 1, True) took the True as NumPy's kind and gave the ascending values alone;
    # torch.sort(x, 1, True) is the descending (values, indices) (NumPy refuses a bool kind)
    x = np.array([[3.0, 1.0, 2.0, 1.0], [0.0, 5.0, 4.0, 5.0]])
    t = Tensor(x, requires_grad=True)
    values, indices = tg.sort(t, 1, descending)
    th = torch.tensor(x, requires_grad=True)
    ref = torch.sort(th, dim=1, descending=descending, stable=True)  # (ties: stable)
    np.testing.assert_array_equal(values.numpy(), ref.values.detach().numpy())
    np.testing.assert_array_equal(indices.numpy(), ref.indices.numpy())
    w = np.arange(8.0).reshape(2, 4)
    (values * Tensor(w)).sum().backward()
    (ref.values * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(np.asarray(t.grad), th.grad.numpy())
    with pytest.raises(TypeError, match="^sort: descending given twice"):
        tg.sort(t, 1, True, descending=True)
    with pytest.raises(TypeError, match="^sort: kind must be a str"):
        tg.sort(t, 1, 2)
    np.testing.assert_array_equal(tg.sort(t, 1, "stable").numpy(), np.sort(x, 1))  # NumPy's


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interpolation", ["linear", "midpoint"])
def test_quantile_next_to_an_infinity_is_that_infinity(op, interpolation):
    # the lerp's inf - inf gave NaN (torch 2.13's too): quantile(x, 1.0) of [1, 2, inf] was NaN,
    # not its maximum inf; np.quantile also gives NaN there
    x = np.array([[1.0, 2.0, np.inf], [np.inf, np.inf, 1.0], [-np.inf, 1.0, 2.0],
                  [-np.inf, np.inf, 0.0], [1.0, 2.0, 2.0]])
    t = Tensor(x, requires_grad=True)
    out = getattr(t, op)(np.array([0.25, 0.75, 1.0]), dim=1, interpolation=interpolation)
    want = [[1.5, np.inf, np.inf], [np.inf, np.inf, np.inf], [-np.inf, 1.5, 2.0],
            [-np.inf, np.inf, np.inf], [1.5, 2.0, 2.0]]
    np.testing.assert_array_equal(out.numpy().T, want)
    out[1].sum().backward()  # (q = 0.75: the gradient to the infinite entry, where one is)
    np.testing.assert_array_equal(np.asarray(t.grad), [[0, 0, 1], [1, 0, 0], [0, 0.5, 0.5],
                                                       [0, 1, 0], [0, 0.5, 0.5]])


def test_histogramdd_of_many_dims_counts_without_outlier_bins():
    # np.histogramdd's (bins + 2)**D outlier-padded counts: 4**20 float64s (8.8 TB) for 20
    # dims of 2 bins, a MemoryError; torch's 2**20 counts
    x = np.random.default_rng(0).integers(-3, 3, (3, 20)).astype(float)
    hist, edges = tg.histogramdd(Tensor(x), 2)
    ref, ref_edges = torch.histogramdd(torch.tensor(x), 2)
    assert hist.shape == (2,) * 20 and hist.dtype == np.float64
    np.testing.assert_array_equal(hist.numpy(), ref.numpy())
    for e, r in zip(edges, ref_edges):
        np.testing.assert_array_equal(e.numpy(), r.numpy())


def test_histogramdd_of_points_without_coordinates_is_refused_in_one_line():
    # NumPy's "cannot reshape array of size 0 into shape (0)"; torch 2.13 gives a 0-d 0
    with pytest.raises(ValueError, match=r"^histogramdd: input of shape \(4, 0\) has points "
                                         r"of 0 dims"):
        tg.histogramdd(Tensor(np.zeros((4, 0))), 3)


def test_histogramdd_matches_torch_on_edges_nan_and_weights():
    rng = np.random.default_rng(1)
    for i in range(60):
        d, n = int(rng.integers(1, 4)), int(rng.integers(0, 20))
        x = rng.integers(-2, 3, (n, d)).astype(float) if i % 2 else rng.standard_normal((n, d))
        bins = [int(b) for b in rng.integers(1, 5, d)]
        rg = [v for _ in range(d) for v in (-1.0, 1.5)]
        if i % 3 == 0 and x.size:
            x[rng.random(x.shape) < 0.2] = np.nan  # (outside any range: left out)
        w = rng.random(n) if i % 4 == 0 else None
        kw = dict(range=rg if i % 3 == 0 or i % 5 == 0 else None, density=i % 7 == 0)
        ours = tg.histogramdd(Tensor(x), bins, weight=None if w is None else Tensor(w), **kw)[0]
        ref = torch.histogramdd(torch.tensor(x), bins,
                                weight=None if w is None else torch.tensor(w), **kw)[0]
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12, err_msg=str(i))


# ---- seeded differential subset ------------------------------------------------------------
def _arr(rng, shape, dtype):
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype in ("int64", "int32", "uint8"):
        return rng.integers(0 if dtype == "uint8" else -3, 4, shape).astype(dtype)
    a = rng.integers(-3, 3, shape).astype(float) if rng.random() < 0.4 else rng.standard_normal(
        shape)
    if rng.random() < 0.3 and a.size:
        a = np.where(rng.random(shape) < 0.2,
                     rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0], size=shape), a)
    a = a.astype(dtype)
    if a.ndim >= 2 and rng.random() < 0.3:  # (non-contiguous)
        a = np.ascontiguousarray(a.swapaxes(0, -1)).swapaxes(0, -1)
    return a


def _np(v):
    return v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v.data)


def _same(ours, ref, where):
    o, r = _np(ours), _np(ref)
    assert o.shape == r.shape and o.dtype == r.dtype, (where, o.shape, r.shape, o.dtype, r.dtype)
    if o.dtype.kind == "f":
        np.testing.assert_allclose(o, r, rtol=1e-12 if o.dtype == np.float64 else 1e-6,
                                   err_msg=where)
    else:
        np.testing.assert_array_equal(o, r, err_msg=where)


def _compare(where, x, ours, theirs, ambiguous=(), grad=True):
    """ours(Tensor) / theirs(torch tensor) give a tensor or a tuple; `ambiguous` positions are
    indices torch may pick among ties: compared only where they agree (then grads too)."""
    diff = grad and x.dtype.kind == "f"
    t, th = Tensor(x.copy(), requires_grad=diff), torch.tensor(x.copy(), requires_grad=diff)
    try:
        ref = theirs(th)
    except (RuntimeError, IndexError, ValueError, TypeError):
        with pytest.raises((ValueError, IndexError, TypeError, RuntimeError)):
            ours(t)
        return 1
    res = ours(t)
    res, ref = (tuple(res), tuple(ref)) if isinstance(ref, tuple) else ((res,), (ref,))
    agree = True
    for i, (o, r) in enumerate(zip(res, ref)):
        if i in ambiguous and not np.array_equal(_np(o), _np(r)):
            agree = False
            continue
        _same(o, r, f"{where} out{i}")
    if diff and agree and any(r.requires_grad for r in ref):
        rng = np.random.default_rng(x.size)
        lo = lt = 0
        for o, r in zip(res, ref):
            if r.requires_grad:
                w = rng.standard_normal(r.shape).astype(x.dtype)
                lo, lt = lo + (o * Tensor(w)).sum(), lt + (r * torch.tensor(w)).sum()
        lo.backward()
        lt.backward()
        np.testing.assert_allclose(np.asarray(t.grad), th.grad.numpy(), rtol=1e-10,
                                   err_msg=f"{where} grad")
    return 1


def _cases(rng, a, dim):
    kd = bool(rng.random() < 0.5)
    desc = bool(rng.random() < 0.5)
    n = a.shape[dim] if a.ndim and -a.ndim <= dim < a.ndim else 1
    k = int(rng.integers(1, n + 1)) if n else 1
    q = float(rng.random()) if rng.random() < 0.5 else rng.random(2)
    interp = str(rng.choice(["linear", "lower", "higher", "midpoint", "nearest"]))

    def qs(t):
        if not isinstance(q, np.ndarray):
            return q
        qq = q.astype(a.dtype if a.dtype.kind == "f" else np.float64)  # (torch: x's dtype)
        return torch.tensor(qq) if isinstance(t, torch.Tensor) else Tensor(qq)
    yield "sort stable", lambda t: t.sort(dim=dim, descending=desc, stable=True), ()
    yield "argsort stable", lambda t: t.argsort(dim=dim, descending=desc, stable=True), ()
    yield "msort", lambda t: t.msort(), (0,)
    yield "topk", lambda t: t.topk(k if n else 0, dim, largest=desc), (1,)
    yield "kthvalue", lambda t: t.kthvalue(k, dim, kd), (1,)
    yield "median()", lambda t: t.median(), ()
    yield "median(dim)", lambda t: t.median(dim, kd), (1,)
    yield "nanmedian(dim)", lambda t: t.nanmedian(dim, kd), (1,)
    yield "cummax", lambda t: t.cummax(dim), ()
    yield "cummin", lambda t: t.cummin(dim), ()
    yield "max(dim)", lambda t: t.max(dim=dim, keepdim=kd), ()
    yield "min(dim)", lambda t: t.min(dim=dim, keepdim=kd), ()
    yield "argmax(dim)", lambda t: t.argmax(dim=dim, keepdim=kd), ()
    yield "argmin()", lambda t: t.argmin(), ()
    yield "aminmax(dim)", lambda t: tuple(t.aminmax(dim=dim, keepdim=kd)), ()
    yield "count_nonzero(dim)", lambda t: t.count_nonzero(dim=dim), ()
    yield "nonzero", lambda t: t.nonzero(), ()
    yield "argwhere", lambda t: t.argwhere(), ()
    for name in ("quantile", "nanquantile"):
        yield name, (lambda t, name=name: getattr(t, name)(qs(t), dim=dim if kd else None,
                                                            keepdim=kd, interpolation=interp)), ()


@pytest.mark.parametrize("seed", range(4))
def test_sorting_and_selection_match_torch(seed):
    rng = np.random.default_rng(seed)
    done = 0
    for _ in range(40):
        dtype = str(rng.choice(["float64"] * 4 + ["float32", "int64", "int32", "uint8"]))
        shape = tuple(int(rng.integers(0, 5)) for _ in range(int(rng.integers(0, 4))))
        a = _arr(rng, shape, dtype)
        dim = int(rng.integers(-max(a.ndim, 1), max(a.ndim, 1)))
        nan = a.dtype.kind == "f" and np.isnan(a).any()
        for name, f, amb in _cases(rng, a, dim):
            if name == "median()" and a.size == 0 and a.dtype.kind != "f":
                continue  # (refused here: torch's value is arbitrary, see above)
            if name in ("quantile", "nanquantile") and a.dtype.kind == "f" and np.isinf(a).any():
                # (torch's NaN between an inf and another value: the inf here, see above)
                ours = np.asarray(f(Tensor(a)).data)
                ref = f(torch.tensor(a)).numpy()
                keep = ~np.isnan(ref)
                np.testing.assert_allclose(ours[keep], ref[keep], rtol=1e-6, err_msg=name)
                assert not np.isfinite(ours[~keep]).any(), name
                continue
            if nan and name in ("quantile", "nanquantile", "median()", "aminmax(dim)"):
                # (which NaN gets the gradient is a tie; aminmax's: the NaN's, where torch's
                # is NaN for the whole slice, documented: the values still compared)
                done += _compare(name, a, f, f, grad=False)
                continue
            done += _compare(f"{name} {a.dtype} {a.shape} dim={dim}", a, f, f, amb)
    assert done > 500


def _search_and_count_case(rng):
    """One random case of bucketize, searchsorted, isin, unique, unique_consecutive,
    bincount and histc."""
    dtype = str(rng.choice(["float64", "float32", "int64", "int32"]))
    v = _arr(rng, tuple(int(rng.integers(0, 4)) for _ in range(int(rng.integers(0, 3)))),
             dtype)
    bd = np.sort(_arr(rng, (int(rng.integers(0, 6)),), dtype))
    if bd.dtype.kind == "f":
        bd = bd[~np.isnan(bd)]  # (a NaN boundary: NumPy's order, a documented difference)
    right, oi = bool(rng.random() < 0.5), bool(rng.random() < 0.3)
    _compare("bucketize", v, lambda t: tg.bucketize(t, Tensor(bd), right=right, out_int32=oi),
             lambda t: torch.bucketize(t, torch.tensor(bd), right=right, out_int32=oi),
             grad=False)
    perm = rng.permutation(bd.size)
    _compare("searchsorted sorter", v,
             lambda t: tg.searchsorted(Tensor(bd[perm]), t, side="right" if right else "left",
                                       sorter=Tensor(np.argsort(bd[perm], kind="stable"))),
             lambda t: torch.searchsorted(torch.tensor(bd[perm]), t,
                                          side="right" if right else "left",
                                          sorter=torch.tensor(np.argsort(bd[perm],
                                                                         kind="stable"))),
             grad=False)
    te = _arr(rng, (int(rng.integers(0, 5)),), dtype)
    inv = bool(rng.random() < 0.5)
    _compare("isin", v, lambda t: tg.isin(t, Tensor(te), invert=inv),
             lambda t: torch.isin(t, torch.tensor(te), invert=inv), grad=False)
    if v.dtype.kind != "f" or not np.isnan(v).any():  # (unique's NaNs: documented)
        whole = rng.random() < 0.5 or v.size == 0 or v.ndim == 0
        d = None if whole else int(rng.integers(0, v.ndim))
        for op in ("unique", "unique_consecutive"):
            _compare(op, v, lambda t, op=op: getattr(t, op)(return_inverse=True,
                                                            return_counts=True, dim=d),
                     lambda t, op=op: getattr(t, op)(return_inverse=True,
                                                     return_counts=True, dim=d), grad=False)
    x = rng.integers(0, 6, int(rng.integers(1, 8)))
    w = rng.standard_normal(x.size)  # (float32's sums: added in float64 here, documented)
    ml = int(rng.integers(0, 8))
    _compare("bincount", x, lambda t: t.bincount(Tensor(w), ml),
             lambda t: t.bincount(torch.tensor(w), ml), grad=False)
    _compare("bincount", x, lambda t: t.bincount(minlength=ml),
             lambda t: t.bincount(minlength=ml), grad=False)
    if v.dtype.kind == "f":
        lo, hi = sorted(rng.standard_normal(2).round(1)) if rng.random() < 0.6 else (0, 0)
        bins = int(rng.integers(1, 6))
        _compare("histc", v, lambda t: t.histc(bins, lo, hi),
                 lambda t: t.histc(bins, lo, hi), grad=False)


@pytest.mark.parametrize("seed", range(3))
def test_searching_and_counting_match_torch(seed):
    rng = np.random.default_rng(100 + seed)
    for _ in range(60):
        _search_and_count_case(rng)
