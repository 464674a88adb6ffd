"""Review of 5abe5b3 (helper hB2r): histogramdd's own counting, quantile next to infinities.

Fixed here: histogramdd of more bins than an array holds raised Python's "int too large to
convert to C long", of more than memory holds NumPy's "Unable to allocate" without the op's
name (one line naming histogramdd and the bins now), and kept two size-long arrays where torch
keeps one (a bincount of every bin, then its cast: 688 MB for 16 dims of 3 bins; the counts
alone now, few points counted by the bins they fill); NaN bin edges (torch.histogram and
histogramdd) gave counts that depended on where the NaN stood (torch 2.13's differ again):
refused in one line; a weight that requires grad (torch.histogram, histogramdd) gave constants
without a word, where tg.histogram and bincount refuse it (torch's backward raises); quantile /
nanquantile ("linear", "midpoint") between two finite values whose difference overflows
(-1e308 and 1e308) gave +-inf, as torch's lerp, where the value lies between them.
"""
import tracemalloc
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")


# ---- named regressions ---------------------------------------------------------------------
def test_histogramdd_of_more_bins_than_an_array_holds_is_refused_in_one_line():
    # was OverflowError("Python int too large to convert to C long"); torch: "numel: integer
    # multiplication overflow"
    x = Tensor(np.random.default_rng(0).random((5, 8)))
    with pytest.raises(ValueError, match=r"^histogramdd: bins \[3000, 3000, .*\] make "
                                         r"6561000000000000000000000000 counts, more than an "
                                         r"array can hold"):
        tg.histogramdd(x, bins=3000)


def test_histogramdd_of_more_bins_than_memory_holds_is_refused_in_one_line():
    # 2**58 float64 counts (2 EiB): was NumPy's "Unable to allocate 2.00 EiB for an array with
    # shape (288230376151711745,) and data type int64", which named no op
    x = Tensor(np.random.default_rng(0).random((4, 3)))
    with pytest.raises(MemoryError, match=r"^histogramdd: bins \[1048576, 1048576, 262144\] "
                                          r"make 288230376151711744 counts \(2.15e\+09 GiB\), "
                                          r"more than memory holds"):
        tg.histogramdd(x, bins=[2**20, 2**20, 2**18])


def test_histogramdd_keeps_only_the_counts_in_memory():
    # 11 dims of 3 bins with 10 points: a bincount of all 3**11 bins (int64) and its float
    # cast, twice the counts' bytes (torch's: the counts); the counts alone now
    rng = np.random.default_rng(2)
    x = rng.random((10, 11))
    tracemalloc.start()
    try:
        hist, edges = tg.histogramdd(Tensor(x), 3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.4 * hist.numpy().nbytes, (peak, hist.numpy().nbytes)
    ref, _ = torch.histogramdd(torch.tensor(x), 3)
    np.testing.assert_array_equal(hist.numpy(), ref.numpy())
    w = rng.random(10)  # (the sparse path with weights, against NumPy)
    ours = tg.histogramdd(Tensor(x), 3, weight=Tensor(w))[0].numpy()
    ref = np.histogramdd(x, [e.numpy() for e in edges], weights=w)[0]
    np.testing.assert_allclose(ours, ref, rtol=1e-15)


@pytest.mark.parametrize("edges", [[0.0, 0.5, np.nan], [0.0, np.nan, 1.0], [np.nan, 0.0, 1.0]])
def test_nan_bin_edges_are_refused_in_one_line(edges):
    # counts [1, 2], [2, 0], [0, 2] for the points 0.2, 0.7, 5 (torch 2.13: [0, 0], [0, 2],
    # [0, 0]); no order holds a NaN edge
    p = np.array([0.2, 0.7, 5.0])
    with pytest.raises(ValueError, match=r"^histogramdd: the edges of dim 1 hold NaN"):
        tg.histogramdd(Tensor(np.stack([p, p], 1)), bins=[[0.0, 1.0], np.array(edges)])
    with pytest.raises(ValueError, match=r"^histogram: the bin edges hold NaN"):
        Tensor(p).histogram(Tensor(np.array(edges)))


def test_a_histogram_weight_that_requires_grad_is_refused_as_tg_histograms():
    # torch.histogram / histogramdd gave constants silently (torch's backward raises; tg.histogram
    # and bincount refuse such weights)
    x = Tensor(np.random.default_rng(3).random((5, 2)))
    w = Tensor(np.ones(5), requires_grad=True)
    with pytest.raises(TypeError, match=r"^histogramdd: the weight requires grad"):
        tg.histogramdd(x, 2, weight=w)
    with pytest.raises(TypeError, match=r"^histogram: the weight requires grad"):
        x[:, 0].histogram(3, weight=w)
    with tg.no_grad():
        np.testing.assert_array_equal(tg.histogramdd(x, 2, weight=w)[0].numpy().sum(), 5.0)
    np.testing.assert_array_equal(x[:, 0].histogram(3, weight=w.detach())[0].numpy().sum(), 5.0)


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
def test_quantile_between_finite_values_whose_difference_overflows(op):
    # hi - lo = inf: the lerp gave -inf, inf, and 0 for midpoint where the values lie between;
    # torch 2.13's lerp gives the infinities too (tensor([inf, -inf, 1e308, 1.56e308]))
    x = np.array([-1e308, 1e308, 1.7e308, np.nan if op == "nanquantile" else 1.7e308])
    t = Tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no overflow warning either)
        out = getattr(t, op)(np.array([0.1, 0.25, 0.5]), interpolation="linear")
    n = 3 if op == "nanquantile" else 4
    want = [np.quantile(np.longdouble(x[:n]), q).astype(float) for q in (0.1, 0.25, 0.5)]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-15)
    out[0].backward()  # (the lerp's weights, 1 - w and w, as torch's)
    r = 0.1 * (n - 1)
    np.testing.assert_allclose(np.asarray(t.grad)[:2], [1 - r, r], rtol=1e-12)
    mid = getattr(Tensor(x[:2]), op)(0.5, interpolation="midpoint")
    assert mid.item() == 0.0
    f32 = getattr(Tensor(np.array([-3e38, 3e38], np.float32)), op)(0.25)
    assert f32.dtype == np.float32 and f32.item() == pytest.approx(-1.5e38, rel=1e-6)


# ---- seeded differential subsets -----------------------------------------------------------
def _points(rng, n, d):
    kind = rng.integers(0, 3)
    if kind == 0:
        return rng.standard_normal((n, d))
    if kind == 1:
        return rng.integers(0, 9, (n, d)) / 8.0  # (on the edges of [0, 1] in 2, 4, 8 bins)
    return rng.choice([0.0, 1.0, 0.5, -1.0, 2.0, np.nan, np.inf, -np.inf, 1 / 3], (n, d))


def test_histogramdd_matches_torch_and_numpy_on_random_cases():
    for seed in range(250):
        rng = np.random.default_rng(seed)
        dt = (np.float64, np.float32)[seed % 4 == 0]
        d = int(rng.integers(1, 4)) if seed % 10 else int(rng.integers(8, 12))
        n = int(rng.integers(0, 12))
        p = _points(rng, n, d).astype(dt)
        kw_t, kw_o = {}, {}
        if seed % 3 == 0:  # (edges, as tensors or lists; duplicated, +-inf ends)
            es = [np.sort(rng.choice([-1, 0, 0.25, 0.5, 1, 1, 2, -np.inf, np.inf],
                                     int(rng.integers(2, 6)))).astype(dt) for _ in range(d)]
            kw_t["bins"] = [torch.tensor(e) for e in es]
            kw_o["bins"] = [Tensor(e) if seed % 2 else e.tolist() for e in es]
        else:
            kw_t["bins"] = kw_o["bins"] = ([int(b) for b in rng.integers(1, 5, d)] if seed % 2
                                           else int(rng.integers(1, 5)))
            if seed % 5 < 2 or not np.isfinite(p).all():
                kw_t["range"] = kw_o["range"] = [v for k in range(d) for v in (
                    float(rng.choice([-1, 0, 0.5])), float(rng.choice([1, 1.5, 2])))]
        if seed % 4 == 1:
            w = rng.choice([0.5, 1.0, -1.0, 3.0], n).astype(dt)
            kw_t["weight"], kw_o["weight"] = torch.tensor(w), Tensor(w)
        if seed % 7 == 2:
            kw_t["density"] = kw_o["density"] = True
        ref, ref_edges = torch.histogramdd(torch.tensor(p), **kw_t)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (inf - inf of infinite edges warned)
            ours, edges = tg.histogramdd(Tensor(p), **kw_o)
        assert ours.shape == tuple(ref.shape) and ours.dtype == dt, seed
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-5 if dt == np.float32
                                   else 1e-12, err_msg=str(seed))
        for e, r in zip(edges, ref_edges):
            np.testing.assert_array_equal(e.numpy(), r.numpy(), err_msg=str(seed))
        if "density" not in kw_o and d < 8:
            w = kw_o.get("weight")
            with np.errstate(invalid="ignore"):  # (NumPy's inf - inf of infinite edges)
                np_ref = np.histogramdd(p.astype(float), [e.numpy().astype(float) for e in
                                                          edges],
                                        weights=None if w is None else w.numpy())[0]
            np.testing.assert_allclose(ours.numpy(), np_ref, rtol=1e-6, err_msg=str(seed))


def _exact(row, q, how, skip_nan, dt):
    r = np.sort(row.astype(float))
    if skip_nan:
        r = r[~np.isnan(r)]
    if r.size == 0 or np.isnan(r).any():
        return np.nan
    rank = dt(q) * dt(r.size - 1)
    rank = np.round(rank) if how == "nearest" else rank
    a, b = r[int(np.floor(rank))], r[int(np.ceil(rank))]
    if how in ("lower", "nearest", "higher"):
        return b if how == "higher" else a
    w = float(rank - np.floor(rank)) if how == "linear" else 0.5
    if a == b or np.isinf(a) and np.isinf(b):
        return a if a == b else np.nan
    if np.isinf(a) or np.isinf(b):
        return a if np.isinf(a) else b
    return float(np.longdouble(a) * (1 - np.longdouble(w)) + np.longdouble(b) * np.longdouble(w))


def test_quantile_with_infinities_and_huge_values_is_exact_on_random_cases():
    modes = ["linear", "lower", "higher", "midpoint", "nearest"]
    for seed in range(300):
        rng = np.random.default_rng(seed)
        dt = (np.float64, np.float32)[seed % 4 == 0]
        big = [3e38, -3e38] if dt == np.float32 else [1e308, -1e308, 1.7e308]
        pool = [0.0, 1.0, 2.0, -1.0, np.inf, -np.inf, 0.5] + big + [np.nan] * (seed % 5 == 0)
        x = rng.choice(pool, tuple(int(s) for s in rng.integers(1, 5, seed % 3))).astype(dt)
        how, op = modes[seed % 5], ("quantile", "nanquantile")[seed % 2]
        q = (np.array([0.0, 1.0, 0.3, 0.5]).astype(dt) if seed % 3 == 0
             else float(rng.choice([0.0, 1.0, 0.25, 0.5, 0.9, 1 / 3])))
        dim = None if seed % 4 == 3 or x.ndim == 0 else int(rng.integers(-x.ndim, x.ndim))
        keep = bool(seed % 2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = getattr(Tensor(x), op)(Tensor(q) if np.ndim(q) else q, dim=dim, keepdim=keep,
                                         interpolation=how)
        ref = getattr(torch, op)(torch.tensor(x), torch.tensor(q) if np.ndim(q) else q,
                                 dim=dim, keepdim=keep, interpolation=how)
        assert out.shape == tuple(ref.shape) and out.dtype == dt, seed
        xx = x.reshape(-1) if dim is None else x.reshape(1) if x.ndim == 0 else np.moveaxis(
            x, dim, -1)
        rows = xx.reshape(-1, xx.shape[-1])
        want = [[_exact(r, v, how, op == "nanquantile", dt) for r in rows] for v in np.ravel(q)]
        np.testing.assert_allclose(out.numpy().reshape(len(want), -1), np.array(want, dt),
                                   rtol=1e-5 if dt == np.float32 else 1e-12, err_msg=str(seed))


@pytest.mark.parametrize("call", [lambda t: np.argsort(t, 1, "stable"),
                                  lambda t: tg.argsort(t, 1, "quicksort"),
                                  lambda t: t.argsort(1, "mergesort")])
def test_argsort_reads_a_str_third_positional_as_numpys_kind(call):
    # the sibling of tg.sort(x, 1, True): argsort's third positional is torch's descending and
    # NumPy's kind; the str kind was read as a truthy descending (np.argsort(t, 1, "stable")
    # gave the descending order through __array_function__)
    x = np.array([[3.0, 1.0, 2.0, 1.0], [0.0, 5.0, 4.0, 5.0]])
    np.testing.assert_array_equal(call(Tensor(x)).numpy(), np.argsort(x, 1, kind="stable"))
    ref = torch.argsort(torch.tensor(x), dim=1, descending=True, stable=True)
    np.testing.assert_array_equal(tg.argsort(Tensor(x), 1, True).numpy(), ref.numpy())  # (bool)
    with pytest.raises(TypeError, match="^argsort: descending must be a bool"):
        Tensor(x).argsort(1, 2)
