"""Differential fuzz of Tensor methods and top-level functions against torch 2.13 (CPU, float64)
over random KEYWORD combinations (test_ops.py checks each op's gradient with a few fixed calls;
this file varies dim= / keepdim= / correction= / dtype= / descending= / min= / max= ... and the
shapes: 0-d, empty axes, broadcasting, non-contiguous inputs), plus one named test per bug the
hunt found. Each case compares the outputs (values, dtypes, shapes, indices) and the gradient of
every float input of a random weighted sum of the float outputs, to 1e-10 relative.

Left out of the draws (documented differences, docs/pytorch.md): tied values competing for an
index or a gradient (median/kthvalue/topk/quantile), NaN in unique / searchsorted boundaries,
var/std gradients with dim=() or correction >= n, prod/cumprod gradients at inf/NaN, amax/amin
gradients at NaN, scatter's reduce= and repeated indices of scatter/index_copy/index_put."""

import numpy as np
import pytest
from oracle import flat as _flat

import tinygrad_dl as tg
import tinygrad_dl.special as tgs

torch = pytest.importorskip("torch")
RTOL = 1e-10


# ---- the harness ----------------------------------------------------------------------------


def _close(ours, theirs, what):
    a = np.asarray(ours.data if isinstance(ours, tg.Tensor) else ours)
    b = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    if isinstance(theirs, torch.Tensor):
        assert str(a.dtype) == str(theirs.dtype).replace("torch.", ""), (
            f"{what}: dtype {a.dtype} vs torch {theirs.dtype}")
    if a.dtype.kind != "f":
        np.testing.assert_array_equal(a, b, err_msg=what)
        return
    fa, fb = np.isfinite(a), np.isfinite(b)
    assert (fa == fb).all() and np.array_equal(a[~fb], b[~fb], equal_nan=True), (
        f"{what}: NaN/inf differ: {a} vs torch {b}")
    np.testing.assert_allclose(a[fa], b[fb], rtol=RTOL, atol=RTOL, err_msg=what)


def compare(f, *inputs, seed=0):
    """f(L, *tensors) with L = torch and L = tg: the same values, dtypes and gradients (or both
    raise). A float array input is a leaf that requires grad; (array, False) is a constant."""
    tt, oo, leaves = [], [], []
    for x in inputs:
        grad = None
        if isinstance(x, tuple):
            x, grad = x
        if not isinstance(x, np.ndarray):
            tt.append(x)
            oo.append(x)
            continue
        grad = x.dtype.kind == "f" if grad is None else grad
        t = torch.from_numpy(np.array(x, order="C")).requires_grad_(grad)
        o = tg.Tensor(x, requires_grad=grad) if x.dtype.kind == "f" else tg.tensor(x)
        tt.append(t)
        oo.append(o)
        if grad:
            leaves.append((t, o))
    try:
        theirs = f(torch, *tt)
    except Exception as e:  # noqa: BLE001 (torch refuses: so must we, in one line)
        try:
            f(tg, *oo)
        except Exception as ours:  # noqa: BLE001
            assert "\n" not in str(ours).strip(), f"a multi-line error: {ours}"
            return
        raise AssertionError(f"torch raises ({str(e).splitlines()[0]}), ours computes") from None
    ours = f(tg, *oo)
    tl, ol = list(_flat(theirs)), list(_flat(ours))
    assert len(ol) == len(tl), f"{len(ol)} outputs vs torch's {len(tl)}"
    rng = np.random.default_rng(seed)
    tsum, osum = 0, None
    for i, (o, t) in enumerate(zip(ol, tl)):
        _close(o, t, f"output {i}")
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert isinstance(o, tg.Tensor) and o.requires_grad, f"output {i} needs grad"
            w = rng.standard_normal(tuple(t.shape))
            tsum = tsum + (t * torch.from_numpy(w)).sum()
            term = (o * tg.Tensor(w)).sum()
            osum = term if osum is None else osum + term
    if osum is None:
        return
    tsum.backward()
    osum.backward()
    for i, (t, o) in enumerate(leaves):
        tg_ = t.grad.numpy() if t.grad is not None else np.zeros(tuple(t.shape))
        og_ = np.asarray(o.grad) if o.grad is not None else np.zeros(o.shape)
        _close(og_, tg_, f"gradient {i}")


def _pick(rng, *opts):
    return opts[int(rng.integers(len(opts)))]


def _shape(rng, nd):
    return tuple(int(rng.integers(0, 5)) for _ in range(nd))


def _x(rng, shape, kind="normal", noncontig=True):
    n = int(np.prod(shape))
    if kind == "normal":
        a = rng.standard_normal(n)
    elif kind == "edge":
        pool = np.array([0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e300, 2.5])
        a = np.where(rng.random(n) < 0.4, rng.choice(pool, n), rng.standard_normal(n))
    else:  # "zeros"
        a = rng.choice([0.0, 0.0, 1.0, -1.0, 2.0, 0.5], n)
    a = a.reshape(shape)
    if noncontig and a.ndim >= 2 and rng.random() < 0.3:  # a transposed view, as torch's .T
        a = np.array(np.swapaxes(a, 0, -1), order="C").swapaxes(0, -1)
    return a


def _dim(rng, nd, none=True, tuples=True):
    c = rng.random()
    if none and c < 0.15:
        return None
    if tuples and c < 0.45:
        k = int(rng.integers(1, max(nd, 1) + 1))
        return tuple(int(d) - (nd if rng.random() < 0.3 else 0)
                     for d in rng.permutation(max(nd, 1))[:k])
    return int(rng.integers(-max(nd, 1), max(nd, 1)))


# ---- the draws --------------------------------------------------------------------------------
def reduction_case(rng):
    nd = int(rng.integers(0, 4))
    x = _x(rng, _shape(rng, nd), _pick(rng, "normal", "normal", "edge"))
    op = _pick(rng, "sum", "mean", "nansum", "nanmean", "logsumexp", "norm", "var", "std",
               "var_mean", "std_mean", "amax", "amin", "cumsum", "logcumsumexp", "count_nonzero")
    k = {"keepdim": bool(rng.random() < 0.5)} if rng.random() < 0.6 else {}
    if op in ("cumsum", "logcumsumexp"):
        d = int(rng.integers(-max(nd, 1), max(nd, 1)))
        x = _x(rng, x.shape)  # (torch's gradient is wrong at 1e300; at a 0-d NaN it is 1)
        return op, (lambda L, x: getattr(x, op)(d)), [x]
    d = _dim(rng, nd, none=op not in ("logsumexp", "amax", "amin"))
    if d is not None or op in ("logsumexp", "amax", "amin"):
        k["dim"] = d
    elif op not in ("var", "std", "var_mean", "std_mean"):
        k.pop("keepdim", None)  # (torch's sum(keepdim=True) without a dim raises; ours is NumPy's)
    if op in ("var", "std", "var_mean", "std_mean"):
        x = _x(rng, x.shape)  # (torch's var of 1e300 overflows; dim=() gradients: documented)
        n = x.size if d is None else int(np.prod([x.shape[a] for a in np.atleast_1d(d)])
                                         if x.ndim else 1)
        c = _pick(rng, 0, 1, 0.5, 2)
        if c < n:  # (correction >= n: torch's gradient is not its forward's: documented)
            k["correction"] = c
        k.setdefault("dim", d)
    if op == "norm":
        k["p"] = _pick(rng, 2, 1, 3, 0.5, float("inf"), "fro")
        if k["p"] == "fro" and isinstance(k.get("dim"), tuple) and len(k["dim"]) > 2:
            k["dim"] = k["dim"][:2]
        # (the inf norm's gradient at NaN: documented; torch's p-norms of 1e300 overflow)
        x = np.where(np.isnan(x) | (np.abs(x) == 1e300), 1.0, x)
    if op == "logsumexp":  # (torch's gradient at 1e300 reads its output's rounding: 1, not
        x = np.where(np.abs(x) == 1e300, 3.0, x)  # 1/2, for two of them; see below)
    if op in ("amax", "amin"):
        x = _x(rng, x.shape)  # (a NaN's gradient: documented)
    if op == "count_nonzero":
        return op, (lambda L, x: x.count_nonzero(**{a: b for a, b in k.items() if a == "dim"})), \
            [(x, False)]
    meth = rng.random() < 0.5 and op not in ("var_mean", "std_mean")
    return op, ((lambda L, x: getattr(x, op)(**k)) if meth else
                (lambda L, x: getattr(L, op)(x, **k))), [x]


def indexing_case(rng):
    nd = int(rng.integers(1, 4))
    shape = _shape(rng, nd)
    x = _x(rng, shape)
    d = int(rng.integers(-nd, nd))
    op = _pick(rng, "gather", "scatter_add", "index_select", "index_add", "masked_fill",
               "take", "take_along_dim", "scatter_reduce")
    if op in ("gather", "scatter_add", "take_along_dim", "scatter_reduce"):
        ishape = tuple(int(rng.integers(0, s + 1)) if i != d % nd else int(rng.integers(0, 4))
                       for i, s in enumerate(shape))
        idx = rng.integers(0, max(shape[d], 1), ishape).astype(np.int64)
        if op == "gather":
            return op, lambda L, x, i: x.gather(d, i), [x, idx]
        if op == "take_along_dim":
            return op, lambda L, x, i: L.take_along_dim(x, i, dim=d), [x, idx]
        src = _x(rng, ishape)
        if op == "scatter_add":
            return op, lambda L, x, i, s: x.scatter_add(d, i, s), [x, idx, src]
        red, inc = _pick(rng, "sum", "prod", "mean"), bool(rng.random() < 0.5)
        return op, lambda L, x, i, s: x.scatter_reduce(d, i, s, red, include_self=inc), \
            [x, idx, src]
    if op in ("index_select", "index_add"):
        k = int(rng.integers(0, 5)) if shape[d] else 0  # (torch's index_add skips the check)
        idx = rng.integers(0, max(shape[d], 1), (k,)).astype(np.int64)
        if op == "index_select":
            return op, lambda L, x, i: x.index_select(d, i), [x, idx]
        s = list(shape)
        s[d] = k
        a = _pick(rng, 1, 2.5, -1)
        return op, lambda L, x, i, v: x.index_add(d, i, v, alpha=a), [x, idx, _x(rng, tuple(s))]
    if op == "masked_fill":
        m = np.asarray(rng.random(tuple(s if rng.random() < 0.7 else 1 for s in shape)) < 0.5)
        v = _pick(rng, 1.5, float("nan"), -np.inf)
        return op, lambda L, x, m: x.masked_fill(m, v), [x, m]
    idx = rng.integers(-x.size, max(x.size, 1), _shape(rng, 2)).astype(np.int64)
    return op, lambda L, x, i: x.take(i), [x, idx]


def shape_case(rng):
    nd = int(rng.integers(0, 4))
    shape = _shape(rng, nd)
    x = _x(rng, shape)
    D = max(nd, 1)
    op = _pick(rng, "flatten", "movedim", "roll", "flip", "rot90", "tril", "diagonal", "split",
               "tensor_split", "squeeze", "swapaxes", "cat", "repeat_interleave", "narrow")
    if op == "flatten":
        a, b = int(rng.integers(-D, D)), int(rng.integers(-D, D))
        return op, lambda L, x: x.flatten(start_dim=a, end_dim=b), [x]
    if op == "movedim":
        k = int(rng.integers(0, nd + 1))
        src, dst = [[int(v) for v in rng.permutation(nd)[:k]] for _ in range(2)]
        return op, lambda L, x: L.movedim(x, src, dst), [x]
    if op == "roll":
        s, d = int(rng.integers(-5, 6)), int(rng.integers(-D, D))
        return op, lambda L, x: x.roll(shifts=s, dims=d), [x]
    if op == "flip":
        ds = [int(v) for v in rng.permutation(nd)[:int(rng.integers(0, nd + 1))]]
        return op, lambda L, x: x.flip(*ds) if ds else x.flip(ds), [x]
    if op == "rot90" and nd >= 2:
        k, (a, b) = int(rng.integers(-5, 6)), [int(v) for v in rng.permutation(nd)[:2]]
        return op, lambda L, x: x.rot90(k, [a, b]), [x]
    if op == "tril":
        dg = int(rng.integers(-4, 5))
        return op, lambda L, x: L.tril(x, diagonal=dg), [x]
    if op == "diagonal" and nd >= 2:
        o, (a, b) = int(rng.integers(-4, 5)), [int(v) for v in rng.permutation(nd)[:2]]
        return op, lambda L, x: x.diagonal(offset=o, dim1=a, dim2=b), [x]
    if op in ("split", "tensor_split", "narrow", "repeat_interleave") and nd:
        d = int(rng.integers(-nd, nd))
        n = shape[d]
        if op == "split":
            cuts = sorted(int(v) for v in rng.integers(0, n + 1, int(rng.integers(0, 3))))
            sizes = np.diff([0, *cuts, n]).tolist() if n else _pick(rng, [], [0])
            return op, lambda L, x: L.split(x, sizes, dim=d), [x]
        if op == "tensor_split":
            s = np.array(int(rng.integers(1, 5)))
            return op, lambda L, x, s: L.tensor_split(x, s, dim=d), [x, s]
        if op == "narrow":
            st = int(rng.integers(-n, n + 1)) if n else 0
            ln = int(rng.integers(0, n - st % max(n, 1) + 1)) if n and st < n else 0
            return op, lambda L, x, s: x.narrow(d, s, ln), [x, np.array(st)]
        r = rng.integers(0, 3, n).astype(np.int64)
        return op, lambda L, x, r: x.repeat_interleave(r, dim=d), [x, r]
    if op == "cat":
        xs = [_x(rng, shape) if rng.random() < 0.7 else np.zeros(0) for _ in range(3)]
        d = int(rng.integers(-D, D))
        return op, lambda L, *ts: L.cat(ts, dim=d), xs
    if op == "squeeze":
        ds = tuple(int(v) for v in rng.permutation(D)[:int(rng.integers(1, D + 1))])
        return op, lambda L, x: x.squeeze(dim=ds), [x]
    a, b = int(rng.integers(-D, D)), int(rng.integers(-D, D))
    return "swapaxes", lambda L, x: x.swapaxes(a, b), [x]


def sort_elementwise_case(rng):
    nd = int(rng.integers(0, 4))
    shape = _shape(rng, nd)
    x = np.asarray(rng.permutation(int(np.prod(shape))).reshape(shape) + rng.random(shape) / 2)
    D = max(nd, 1)
    op = _pick(rng, "sort", "argsort", "topk", "clamp", "lerp", "addcdiv", "div", "xlogy",
               "nan_to_num", "round", "hypot", "atan2", "remainder")
    if op in ("sort", "argsort"):
        k = {"dim": int(rng.integers(-D, D)), "descending": bool(rng.random() < 0.5)}
        return op, lambda L, x: getattr(L, op)(x, **k), [x if op == "sort" else (x, False)]
    if op == "topk":
        d = int(rng.integers(-D, D))
        kk = int(rng.integers(1, (shape[d] if nd else 1) + 1)) if not nd or shape[d] else 0
        lg = bool(rng.random() < 0.5)
        return op, lambda L, x: x.topk(kk, dim=d, largest=lg), [x]
    x = _x(rng, shape, _pick(rng, "normal", "edge", "zeros"))
    y = _x(rng, tuple(s if rng.random() < 0.7 else 1 for s in shape), "normal")
    if op == "clamp":
        names = [n for n in ("min", "max") if rng.random() < 0.7] or ["max"]
        bs = [_x(rng, y.shape, _pick(rng, "normal", "edge")) for _ in names]
        return op, lambda L, x, *b: L.clamp(x, **dict(zip(names, b))), [x, *bs]
    if op == "lerp":
        return op, lambda L, x, y: x.lerp(y, 0.3), [x, y]
    if op == "addcdiv":
        v = _pick(rng, 0.5, -2)
        return op, lambda L, x, y: L.addcdiv(x, y, y + 3.0, value=v), [x, y]
    if op == "div":
        rm = _pick(rng, None, "trunc", "floor")
        return op, lambda L, x, y: x.div(y, rounding_mode=rm), [x, y]
    if op == "nan_to_num":
        k = {n: _pick(rng, 0.0, 1.5) for n in ("nan", "posinf", "neginf") if rng.random() < 0.5}
        return op, lambda L, x: x.nan_to_num(**k), [x]
    if op == "round":
        dc = _pick(rng, 0, 1, 2, -1)
        return op, lambda L, x: L.round(x * 37.0, decimals=dc), [x]
    return op, lambda L, x, y: getattr(L, op)(x, y), [x, y]


DRAWS = {"reductions": reduction_case, "indexing": indexing_case, "shape": shape_case,
         "sort and elementwise": sort_elementwise_case}


@pytest.mark.parametrize("family", list(DRAWS))
@pytest.mark.parametrize("block", range(3))
def test_random_keyword_calls_match_torch(family, block):
    for seed in range(block * 60, block * 60 + 60):
        rng = np.random.default_rng(seed)
        name, f, inputs = DRAWS[family](rng)
        try:
            compare(f, *inputs, seed=seed)
        except AssertionError as e:
            raise AssertionError(f"{family} seed {seed} ({name}): {e}") from None


# ---- one test per bug the hunt found ----------------------------------------------------------
def test_nanmean_of_a_0d_tensor_takes_a_dim_tuple_as_torch():
    for dim in ((0,), (-1,), [0]):  # (was NumPy's AxisError from the count of non-NaNs)
        compare(lambda L, x, d=dim: x.nanmean(dim=d, keepdim=True), np.asarray(2.5))


def test_quantile_refuses_a_2d_q_in_one_line():
    with pytest.raises(ValueError, match=r"^quantile: q must be .* got shape \(2, 2\)$"):
        tg.Tensor(np.ones(3)).quantile(tg.Tensor(np.full((2, 2), 0.5)))  # (was q's repr)


def test_logsumexp_empty_dim_is_every_dim():
    compare(lambda L, x: L.logsumexp(x, dim=()), np.zeros((3, 0)))  # torch's -inf, shape ()
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))  # (was no reduction at all; torch raises here)
    want = np.log(np.exp(np.arange(6.0)).sum())
    for got in (x.logsumexp(dim=()), tg.logsumexp(x, dim=[]), tgs.logsumexp(x, dim=())):
        assert got.shape == () and abs(float(got.data) - want) < 1e-12
    assert x.logsumexp(dim=(), keepdim=True).shape == (1, 1)


@pytest.mark.parametrize("v", [1e6, 1e15, 1e17, -1e17, 1e300])
def test_logsumexp_and_logcumsumexp_gradients_at_huge_values(v):
    """The gradient read exp(x - out), out rounded: three equal entries of 1e15 got 0.32 each,
    of 1e17 1 each (torch's too); now softmax's exact thirds (and the running ones')."""
    x = tg.Tensor(np.full(3, v), requires_grad=True)
    x.logsumexp(0).backward()
    np.testing.assert_allclose(x.grad, [1 / 3] * 3, rtol=1e-14)
    y = tg.Tensor(np.array([v, v, v]), requires_grad=True)
    y.logcumsumexp(0).sum().backward()
    np.testing.assert_allclose(y.grad, [1 + 1 / 2 + 1 / 3, 1 / 2 + 1 / 3, 1 / 3], rtol=1e-14)
    z = tg.Tensor(np.array([0.81, v]), requires_grad=True)  # torch 2.13: [0.3, 1] at 1e300
    (z.logcumsumexp(0) * tg.Tensor(np.array([0.3, 0.5]))).sum().backward()
    with np.errstate(over="ignore"):  # (the weights of out_1 = log(e^0.81 + e^v) on each)
        w0, w1 = 1 / (1 + np.exp(v - 0.81)), 1 / (1 + np.exp(0.81 - v))
    np.testing.assert_allclose(z.grad, [0.3 + 0.5 * w0, 0.5 * w1], rtol=1e-14)


def test_where_with_only_a_condition_is_nonzero_as_tuple():
    c = np.array([[True, False], [True, True]])
    compare(lambda L, c: L.where(c), c)  # (was a TypeError: x and y missing)
    compare(lambda L, c: L.where(c), np.asarray(True))
    with pytest.raises(TypeError, match="give both x and y"):
        tg.where(c, 1.0)


def test_cat_skips_a_1d_empty_tensor_as_torch():
    """torch.cat's legacy rule: the `out = torch.cat([out, batch])` pattern from
    `out = torch.tensor([])` (was NumPy's error on the number of dims)."""
    x = np.arange(6.0).reshape(2, 3)
    compare(lambda L, e, x: L.cat([e, x], dim=0), np.zeros(0), x)
    compare(lambda L, x, e: L.cat([x, e, x], dim=1), x, np.zeros(0))
    compare(lambda L, e: L.cat([e], dim=1), np.zeros(0))
    compare(lambda L, e, x: L.hstack([e, x]), np.zeros(0), np.ones((1, 4, 2)))
    compare(lambda L, e, x: L.cat([e, x]), np.zeros(0), x.astype(np.float32))  # (float64)


def test_split_of_an_empty_dim_into_no_sizes_gives_no_pieces():
    compare(lambda L, x: L.split(x, [], dim=1), np.zeros((2, 0)))  # (was one piece)


def test_narrow_takes_a_0d_integer_tensor_start():
    compare(lambda L, x, s: x.narrow(1, s, 2), np.arange(12.0).reshape(3, 4), np.array(-3))


def test_tensor_split_function_takes_a_0d_tensor_of_sections():
    compare(lambda L, x, s: L.tensor_split(x, s, dim=1), np.ones((2, 5)), np.array(2))


def test_a_0d_tensor_takes_dim_0_and_minus_1_as_torch():
    x = np.asarray(3.0)  # (squeeze, swapaxes, swapdims and transpose raised "out of bounds")
    compare(lambda L, x: x.squeeze(dim=0), x)
    compare(lambda L, x: L.squeeze(x, dim=(-1,)), x)
    compare(lambda L, x: x.swapaxes(0, -1), x)
    compare(lambda L, x: L.swapdims(x, -1, -1), x)
    compare(lambda L, x: L.transpose(x, 0, 0), x)
    with pytest.raises(ValueError, match="squeeze"):
        tg.Tensor(x).squeeze(dim=1)


def test_transpose_of_an_axis_with_itself_on_a_matrix():
    compare(lambda L, x: x.transpose(-1, 1), np.ones((4, 3)))  # (was "repeated axis")


def test_flip_takes_dims_as_separate_arguments():
    compare(lambda L, x: x.flip(-1, 0), np.arange(24.0).reshape(2, 3, 4))  # (was a TypeError)


def test_sort_with_descending_false_is_torchs_values_and_indices():
    compare(lambda L, x: L.sort(x, descending=False, stable=True), np.array([3.0, 1.0, 2.0]))


def test_clamp_with_tensor_bounds_that_require_grad_gets_torchs_gradients():
    """Was refused ("a bound that requires grad would get no gradient here"): torch gives x
    the gradient inside [min, max], min where x < min < max, max where x > max or max < min."""
    x = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, np.nan, 0.3])
    lo = np.array([-1.0, -1.0, -1.0, 1.0, -1.0, -1.0, -1.0, np.nan])
    hi = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    compare(lambda L, x, a, b: L.clamp(x, min=a, max=b), x, lo, hi)
    compare(lambda L, x, a: x.clamp(min=a), x, np.array(0.25))  # (a 0-d bound broadcasts)
    compare(lambda L, x, b: x.clip(max=b), x.reshape(2, 4), hi[:4].reshape(1, 4))
    compare(lambda L, x, a, b: x.clamp(min=a, max=b), (x, False), np.array([0.1, 0.9]).repeat(4),
            (np.array(0.5), False))
