"""Differential fuzz of the scatter / gather / index-reduce family against torch 2.13 (CPU) with
REPEATED indices and every reduce= (the hY hunt left them out): scatter_add, scatter_reduce (sum,
prod, mean, amax, amin; include_self True/False), index_add (alpha), index_reduce, index_put and
put with accumulate=True; values and the gradients to x and to src (ties among equal maxima share
the gradient evenly, prod exact at zeros), float64 and float32, negative dims, transposed inputs.
The writes without accumulate (scatter, index_copy, index_put, put) refuse a repeated index in one
line (torch leaves which write wins undefined). One named test per bug the hunt found.

Left out of the torch draws (documented differences, docs/pytorch.md): amax/amin with
include_self=False where x's own left-out value ties the result (torch counts it in the share),
src entries past the index's shape (torch's backward raises or gives them a gradient), and
gradients at inf/NaN (torch's prod gives NaN where the product of the others is finite: checked
here against that product, computed entry by entry)."""


import numpy as np
import pytest
from oracle import jit_matches_eager, one_line, replays_as_eager

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

_TIES = np.array([0.0, 0.0, 1.0, -1.0, 2.0, 2.0, 0.5, -3.0])


def _close(ours, theirs, what):
    a = np.asarray(ours.data if isinstance(ours, tg.Tensor) else ours)
    b = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    assert str(a.dtype) == str(b.dtype), f"{what}: dtype {a.dtype} vs torch {b.dtype}"
    tol = 1e-10 if a.dtype == np.float64 else 1e-5
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=what)


def compare(f, *inputs, seed=0, backward=True):
    """f(L, *tensors) with L = torch and L = tg: the same values and gradients (a float array
    input is a leaf that requires grad), or both raise (ours in one line)."""
    tt, oo, leaves = [], [], []
    for x in inputs:
        grad = x.dtype.kind == "f"
        t = torch.from_numpy(np.array(x, order="C")).requires_grad_(grad)
        o = tg.Tensor(x, requires_grad=True) if grad else tg.tensor(x)
        tt.append(t)
        oo.append(o)
        if grad:
            leaves.append((t, o))
    try:
        theirs = f(torch, *tt)
    except Exception as e:  # noqa: BLE001 (torch refuses: so must we, in one line)
        with pytest.raises(Exception) as ours:  # noqa: B017, PT011
            f(tg, *oo)
        assert "\n" not in str(ours.value).strip(), f"torch: {e}; ours: {ours.value}"
        return
    ours = f(tg, *oo)
    w = np.random.default_rng(seed).standard_normal(tuple(theirs.shape))
    _close(ours, theirs, "value")
    if not backward:
        return
    (theirs * torch.from_numpy(w).to(theirs.dtype)).sum().backward()
    (ours * tg.Tensor(w.astype(ours.data.dtype))).sum().backward()
    for i, (t, o) in enumerate(leaves):
        _close(np.asarray(o.grad), t.grad, f"gradient {i}")


def _vals(rng, shape, dt, shift=0.0):
    n = int(np.prod(shape))
    a = rng.choice(_TIES, n) if rng.random() < 0.6 else rng.standard_normal(n)
    a = (a.reshape(shape) + shift).astype(dt)
    if a.ndim >= 2 and rng.random() < 0.3:  # a transposed (non-contiguous) array
        a = np.array(np.swapaxes(a, 0, -1), order="C").swapaxes(0, -1)
    return a


def _case(seed):
    """One random repeated-index reduction: (f, inputs)."""
    rng = np.random.default_rng(seed)
    nd = int(rng.integers(1, 4))
    dt = np.float64 if rng.random() < 0.8 else np.float32
    xs = tuple(int(rng.integers(1, 5)) for _ in range(nd))
    dim = int(rng.integers(-nd, nd))
    ax = dim % nd
    idt = np.int64 if rng.random() < 0.8 else np.int32
    op = str(rng.choice(["scatter_add", "scatter_reduce", "index_add", "index_reduce",
                         "index_put", "put"]))
    red = str(rng.choice(["sum", "prod", "mean", "amax", "amin"]))
    inc = bool(rng.random() < 0.5)
    # include_self=False amax/amin: x off the src pool, so x's own value never ties the result
    x = _vals(rng, xs, dt, 0.25 if not inc and red in ("amax", "amin") else 0.0)
    if op in ("scatter_add", "scatter_reduce"):
        ishape = tuple(int(rng.integers(0, n + 1)) if d != ax else int(rng.integers(0, 6))
                       for d, n in enumerate(xs))
        idx = rng.integers(0, xs[ax], ishape).astype(idt)
        src = _vals(rng, ishape, dt)
        if op == "scatter_add":
            return (lambda L, x, i, s: x.scatter_add(dim, i, s)), (x, idx, src)
        return (lambda L, x, i, s: x.scatter_reduce(dim, i, s, red, include_self=inc)), (
            x, idx, src)
    if op in ("index_add", "index_reduce"):
        k = int(rng.integers(0, 6))
        idx = rng.integers(0, xs[ax], k).astype(idt)
        src = _vals(rng, xs[:ax] + (k,) + xs[ax + 1:], dt)
        if op == "index_add":
            alpha = float(rng.choice([1.0, 2.5, -1.0]))
            return (lambda L, x, i, s: x.index_add(dim, i, s, alpha=alpha)), (x, idx, src)
        red = "mean" if red == "sum" else red  # (torch 2.13's index_reduce backward refuses
        idx = idx.astype(np.int64)  # an int32 index: "index_fill_(): Expected dtype int64")
        return (lambda L, x, i, s: x.index_reduce(dim, i, s, red, include_self=inc)), (
            x, idx, src)
    if op == "index_put":
        k, m = int(rng.integers(1, nd + 1)), int(rng.integers(0, 6))
        ids = [rng.integers(-xs[d], xs[d], m).astype(idt) for d in range(k)]
        v = _vals(rng, (m,) + xs[k:] if rng.random() < 0.7 else xs[k:], dt)
        return (lambda L, x, v, *ids: x.index_put(tuple(ids), v, accumulate=True)), (x, v, *ids)
    m = int(rng.integers(0, 7))
    idx = rng.integers(-x.size, x.size, m).astype(np.int64)  # (torch's put takes int64 only)
    return (lambda L, x, i, s: x.put(i, s, accumulate=True)), (x, idx, _vals(rng, (m,), dt))


@pytest.mark.parametrize("block", range(4))
def test_repeated_index_reductions_match_torch(block):
    for seed in range(block * 100, block * 100 + 100):
        f, inputs = _case(seed)
        compare(f, *inputs, seed=seed)


# ---- the writes without accumulate: a repeated index is refused, one line -----------------------
_REPEATED = [
    ("scatter", lambda x, s: x.scatter(0, np.array([1, 1]), s)),
    ("scatter", lambda x, s: x.scatter(0, np.array([1, 1]), value=2.0)),
    ("scatter", lambda x, s: x.detach().scatter_(0, np.array([1, 1]), s.detach())),
    ("index_copy", lambda x, s: x.index_copy(0, np.array([2, 2]), s)),
    ("index_copy", lambda x, s: x.detach().index_copy_(0, np.array([2, 2]), s.detach())),
    ("index_put", lambda x, s: x.index_put((np.array([0, 0]),), s)),
    ("index_put", lambda x, s: x.detach().index_put_((np.array([0, 0]),), s.detach())),
    ("put", lambda x, s: x.put(np.array([1, -2]), s)),  # (-2 of 3 entries is 1)
    ("put", lambda x, s: x.detach().put_(np.array([2, -1]), s.detach())),
]


@pytest.mark.parametrize("k", range(len(_REPEATED)))
def test_writes_refuse_a_repeated_index(k):
    op, f = _REPEATED[k]
    x = tg.Tensor(np.zeros(3), requires_grad=True)
    s = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(ValueError) as e:
        f(x, s)
    one_line(e, op, "twice")


def test_distinct_writes_give_the_written_entry_the_gradient():
    """Without repeats the written entries' gradient goes to src, x's there is zero."""
    x = tg.Tensor(np.zeros((2, 3)), requires_grad=True)
    s = tg.Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    w = np.arange(6.0).reshape(2, 3)
    (x.scatter(1, np.array([[2, 0], [1, 2]]), s) * tg.Tensor(w)).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [[0, 1, 0], [3, 0, 0]])
    np.testing.assert_array_equal(np.asarray(s.grad), [[2, 0, 0], [4, 5, 0]])


# ---- index checks beside torch's: negative, out of range, dtypes, 0-d, empty ------------------
def _ops():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    return [
        ("gather", lambda L, x, i: x.gather(1, i), x),
        ("scatter_add", lambda L, x, i: x.scatter_add(1, i, x), x),
        ("scatter_reduce", lambda L, x, i: x.scatter_reduce(1, i, x, "amax"), x),
        ("index_add", lambda L, x, i: x.index_add(1, i[0], x), x),
        ("index_reduce", lambda L, x, i: x.index_reduce(1, i[0], x, "prod"), x),
        ("index_select", lambda L, x, i: x.index_select(1, i[0]), x),
        ("index_fill", lambda L, x, i: x.index_fill(1, i[0], 2.0), x),
        ("take", lambda L, x, i: x.take(i), x),
        ("take_along_dim", lambda L, x, i: L.take_along_dim(x, i.reshape(-1)), x),
        ("put", lambda L, x, i: x.put(i[0], x[0], accumulate=True), x),
        ("index_put", lambda L, x, i: x.index_put((i[0] % 2,), x, accumulate=True), x),
    ]


@pytest.mark.parametrize("index", [[[0, 1, 2], [2, 1, 0]], [[0, -1, 1], [2, 1, 0]],
                                   [[0, 1, 3], [2, 1, 0]], [[0, -4, 1], [2, 1, 0]],
                                   [[-7, 0, 1], [0, 0, 0]]])
def test_index_bounds_as_torch(index):
    for _name, f, x in _ops():
        compare(f, x, np.array(index, np.int64))


def test_index_reduce_refuses_a_negative_index():
    """Bug: index_reduce wrapped -1 to the last slice, where torch refuses it."""
    x = tg.Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(IndexError) as e:
        x.index_reduce(0, np.array([-1, 0]), tg.Tensor(np.ones(2)), "prod")
    one_line(e, "index_reduce", "-1", "[0, 3)")


def test_take_along_dim_without_dim_refuses_a_negative_index():
    """Bug: take_along_dim(x, idx) (dim None) read x.flat[-1] for -1; torch refuses it."""
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError) as e:
        tg.take_along_dim(x, tg.tensor(np.array([0, -1])))
    one_line(e, "take_along_dim", "[0, 6)")
    np.testing.assert_array_equal(tg.take_along_dim(x, np.array([[5], [0]])).data, [5.0, 0.0])


@pytest.mark.parametrize("op", ["scatter_add", "scatter", "sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("shapes", [((2,), (), ()), ((2,), (), (1,)), ((2,), (1,), ()),
                                    ((), (1,), (1,)), ((), (2,), (2,)), ((2, 2), (), ())])
def test_scatter_0d_index_or_src_beside_1d(op, shapes):
    """Bug: x1d.scatter_add(0, tensor(1), tensor(3.)) (a 0-d index or src beside a 1-D input)
    was refused ('the same number of dims'); torch reads a 0-d one as 1-D of one entry."""
    xs, ish, ss = shapes
    if op == "scatter" and ish == (2,):
        return  # (a repeated index: refused, test_writes_refuse_a_repeated_index)

    def f(L, x, i, s):
        if op == "scatter_add":
            return x.scatter_add(0, i, s)
        if op == "scatter":
            return x.scatter(0, i, s)
        return x.scatter_reduce(0, i, s, op)

    # (torch 2.13's backward raises for a 0-d index beside a (1,) src: sum/mean/scatter_add)
    compare(f, np.arange(1.5, 1.5 + np.prod(xs)).reshape(xs), np.zeros(ish, np.int64),
            np.full(ss, 3.0), backward=(ish, ss) != ((), (1,)))


@pytest.mark.parametrize("call", [
    lambda L, x, i, s: x.index_add(0, i, s), lambda L, x, i, s: x.index_reduce(0, i, s, "prod"),
    lambda L, x, i, s: x.scatter_reduce(1, i, s, "sum"), lambda L, x, i, s: x.scatter_add(1, i, s),
    lambda L, x, i, s: x.index_reduce(2, i[:1], s[:1], "amax")])
def test_0d_input_takes_one_index_and_a_valid_dim(call):
    """Bugs: a 0-d x.index_add(0, [0, 0], src) raised Reshape's message (naming no op);
    x.index_reduce of it computed where torch refuses; a 0-d x.scatter_reduce /
    index_reduce ignored dim (dim=1, 2 ran as dim=0); torch refuses each."""
    compare(call, np.array(1.0), np.array([0, 0]), np.array([3.0, 2.0]))
    with pytest.raises(Exception) as e:  # noqa: B017, PT011 (the op named, not Reshape)
        call(tg, tg.Tensor(np.array(1.0)), np.array([0, 0]), tg.Tensor(np.array([3.0, 2.0])))
    assert str(e.value).split(":")[0] in ("index_add", "index_reduce", "scatter_reduce",
                                          "scatter_add"), str(e.value)


@pytest.mark.parametrize("shapes", [((3,), ()), ((3,), (1,)), ((3,), (2,)), ((3, 2), ()),
                                    ((), ()), ((), (1,))])
def test_index_copy_0d_source(shapes):
    """Bug: x1d.index_copy(0, tensor(1), tensor(2.)) (a 0-d source, one index) was refused
    ('source of shape () does not fit'); torch writes it."""
    xs, ish = shapes
    compare(lambda L, x, i, s: x.index_copy(0, i, s), np.arange(1.0, 1.0 + np.prod(xs)).reshape(xs),
            np.arange(1, 1 + int(np.prod(ish))).reshape(ish) % max(xs[:1] or (1,)),
            np.array(2.0))


def test_index_dtypes_and_empty_index():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    for idt in (np.int32, np.int64):
        compare(lambda L, x, i: x.scatter_reduce(0, i, x, "mean", include_self=False), x,
                np.array([[1, 1, 0], [1, 1, 0]], idt))
        compare(lambda L, x, i: x.index_add(1, i, x[:, :2], alpha=3), x, np.array([2, 2], idt))
    for op in ("sum", "prod", "mean", "amax", "amin"):
        compare(lambda L, x, i, op=op: x.scatter_reduce(1, i, x[:, :0], op, include_self=False), x,
                np.zeros((2, 0), np.int64))
    with pytest.raises(IndexError) as e:  # (a bool index: torch refuses, so do we)
        tg.tensor(x).scatter_add(0, np.array([[True, False, True]]), tg.tensor(x))
    one_line(e, "scatter_add", "bool")


def test_index_add_float_alpha_into_an_integer_input_names_alpha():
    """Bug: x_int.index_add(0, i, src_int, alpha=2.5) said 'src has dtype float64' (the
    source times alpha, not the user's src); torch truncates alpha to 2. Refused naming alpha
    (add's rule); an int alpha computes as torch's."""
    x, s = tg.tensor(np.ones(3, np.int64)), tg.tensor(np.ones(2, np.int64))
    with pytest.raises(TypeError) as e:
        x.index_add(0, np.array([1, 1]), s, alpha=2.5)
    one_line(e, "index_add", "alpha=2.5")
    np.testing.assert_array_equal(x.index_add(0, np.array([1, 1]), s, alpha=2).data, [1, 5, 1])


# ---- prod's gradient at inf / NaN: the product of the others, entry by entry ------------------
def _others(vals, a):
    p = 1.0
    for b, v in enumerate(vals):
        if b != a:
            p = p * v
    return p


def test_scatter_reduce_prod_gradient_at_inf_and_nan_is_the_product_of_the_others():
    """Bug: the prod gradient divided the group's product by the entry, so [2, inf] (x = 2,
    src = inf) gave src NaN (the product of the others is 2), a NaN or an inf among the others
    was skipped (x = inf with src [0, NaN]: 0, the product of the others NaN), and a left-out x
    (include_self=False) got inf * 0 = NaN; x.prod()'s gradient is the exact product."""
    pool = np.array([0.0, -0.0, 1.0, -1.0, 2.0, np.inf, -np.inf, np.nan, 0.5, -3.0])
    for seed in range(300):
        rng = np.random.default_rng(seed)
        n, m, inc = int(rng.integers(1, 5)), int(rng.integers(0, 7)), bool(rng.random() < 0.5)
        x, s, i = rng.choice(pool, n), rng.choice(pool, m), rng.integers(0, n, m)
        xt, st = tg.Tensor(x, requires_grad=True), tg.Tensor(s, requires_grad=True)
        with np.errstate(invalid="ignore"):
            xt.scatter_reduce(0, i, st, "prod", include_self=inc).sum().backward()
        gx, gs = np.ones(n), np.zeros(m)
        for k in range(n):
            members = ([("x", k)] if inc else []) + [("s", j) for j in range(m) if i[j] == k]
            if len(members) == int(inc):
                continue
            vals = [x[j] if w == "x" else s[j] for w, j in members]
            gx[k] = 0.0
            for a, (w, j) in enumerate(members):
                (gx if w == "x" else gs)[j] = _others(vals, a)
        np.testing.assert_allclose(np.asarray(xt.grad), gx, rtol=1e-12, err_msg=f"seed {seed}")
        np.testing.assert_allclose(np.asarray(st.grad), gs, rtol=1e-12, err_msg=f"seed {seed}")


# ---- jit: a step with repeated constant indices gives eager's bits ------------------------------
def test_jit_of_repeated_index_reductions_is_eager():
    """The indices made inside these ops (their checked copies) make the jit run the step
    eagerly (its warning says why) instead of replaying frozen arrays: values and gradients
    bit for bit as eager; the index-only ops (gather with a constant index) replay."""
    idx = np.array([[0, 0, 2], [1, 1, 1]])
    w = tg.Tensor(np.array([[1.0, 2.0, 2.0], [0.5, -1.0, 3.0]]), requires_grad=True)

    def step(x):
        a = w.scatter_reduce(1, idx, x, "amax", include_self=False)
        b = w.scatter_reduce(1, idx, x * w, "prod")
        c = w.index_add(0, np.array([1, 1]), x, alpha=0.5)
        d = w.index_put((np.array([0, 0, 1]),), x[0], accumulate=True)
        e = w.scatter_reduce(1, idx, x, "mean").sum() + w.put(np.array([4, 4]), x[0, :2],
                                                               accumulate=True).sum()
        out = a.sum() + b.sum() + c.sum() + d.sum() + e + w.gather(1, idx).sum()
        out.backward()
        return out

    rng = np.random.default_rng(0)
    xs = [tg.Tensor(rng.choice(_TIES, (2, 3))) for _ in range(5)]
    jit_matches_eager(step, xs, w)

    def gathered(x):
        out = (w.gather(1, idx) * x).sum()
        out.backward()
        return out

    replays_as_eager(gathered, xs, w)
