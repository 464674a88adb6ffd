"""The calculus and construction family against torch 2.13 (helper hSCN): diff, gradient,
trapezoid / trapz / cumulative_trapezoid, x.cross / linalg.cross, kron, cartesian_prod,
combinations, block_diag, vander, meshgrid, tril_indices / triu_indices, diag / diagflat /
diag_embed, renorm, linspace / logspace. Seeded random subsets of the hunt's drivers (torch
with its default dtype float64, this library's): values, shapes, dtypes, the gradient of a
random weighted sum, and refusals where torch refuses; one named regression test per bug.

Not compared (kept differences, docs/pytorch.md): mixed dtypes and a 0-d tensor promote as
NumPy's (float32 with int64 is float64; a 0-d tensor is no weak scalar); tg.cross's default
axis is NumPy's last; x.cross broadcasts inputs of different ranks (np.cross's; torch refuses);
meshgrid takes no input or N-D ones as NumPy's; renorm and logcumsumexp of integers compute in
float64 (torch refuses). torch's own faults seen: block_diag's gradient with an empty 1-D block
is the wrong row's (block_diag(empty(0), b) gives b the first row's gradient, b sits in the
second); torch's empty trapezoid of integers is int64 (its others float: ours float64 for
both); torch.vander's backward fails (an in-place op); kron of some transposed inputs raises
a view error; gradient with integer coordinates rounds its weights to float32 for float64 y.
"""

import warnings

import numpy as np
import pytest
from oracle import one_line, torch_float64  # noqa: F401 (the fixture, by name)

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.usefixtures("torch_float64")


def _run(lib, fn, arrays, grad):
    """fn's outputs (a list) and the gradient of a weighted sum to each float input, or the
    error's text."""
    if lib is torch:
        ins = [torch.tensor(a) for a in arrays]
        for t in ins:
            t.requires_grad_(grad and t.dtype.is_floating_point)
    else:
        ins = [tg.tensor(a, requires_grad=bool(grad and a.dtype.kind == "f")) for a in arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(lib, *ins)
    except Exception as e:  # noqa: BLE001 - either library's refusal is compared
        return "err", f"{type(e).__name__}: {e}"
    out = list(out) if isinstance(out, (list, tuple)) else [out]
    vals = [(str(o.dtype).replace("torch.", ""), np.array(
        o.detach().numpy() if lib is torch else o.numpy())) for o in out]
    leaves = [t for t in ins if t.requires_grad]
    if not grad or not leaves or any(np.iscomplexobj(v) for _, v in vals):
        return "ok", (vals, None)
    rng = np.random.default_rng(5)
    loss = None
    for o in out:
        if not o.requires_grad:
            continue
        term = (o * lib.tensor(rng.standard_normal(tuple(o.shape)))).sum()
        loss = term if loss is None else loss + term
    if loss is None:
        return "ok", (vals, None)
    if lib is torch:
        gs = torch.autograd.grad(loss, leaves, allow_unused=True)
        grads = [np.zeros(t.shape) if g is None else g.numpy() for g, t in zip(gs, leaves)]
    else:
        loss.backward()
        grads = [np.zeros(t.shape) if t.grad is None else np.asarray(t.grad) for t in leaves]
    return "ok", (vals, grads)


def _same(fn, *arrays, grad=True, rtol=1e-10):
    kind_t, t = _run(torch, fn, arrays, grad)
    kind_o, o = _run(tg, fn, arrays, grad)
    assert kind_o == kind_t, (o, t)
    if kind_t == "err":
        assert "\n" not in o.strip(), o
        return
    (vt, gt), (vo, go) = t, o
    assert len(vo) == len(vt)
    for (dt, a), (do, b) in zip(vt, vo):
        assert (do, b.shape) == (dt, a.shape), ((do, b.shape), (dt, a.shape))
        assert np.allclose(b, a, rtol=rtol, atol=rtol, equal_nan=True), (b, a)
    if gt is not None:
        for a, b in zip(gt, go):
            assert np.allclose(b, a, rtol=rtol, atol=rtol), (b, a)


def _rshape(rng, nd_max=3, size_max=4):
    return tuple(int(s) for s in rng.integers(0, size_max, int(rng.integers(0, nd_max + 1))))


def _rarr(rng, shape, kind):
    if kind == "f":
        return rng.standard_normal(shape)
    if kind == "f32":
        return rng.standard_normal(shape).astype(np.float32)
    if kind == "i":
        return rng.integers(-5, 5, shape)
    if kind == "c":
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return rng.random(shape) < 0.5


@pytest.mark.parametrize("seed", range(3))
def test_diff_random(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        s = _rshape(rng, 4)
        kind = str(rng.choice(["f", "f", "i", "b"]))
        a = _rarr(rng, s, kind)
        n, nd = int(rng.integers(0, 5)), len(s)
        d = int(rng.integers(-max(nd, 1), max(nd, 1))) if nd else 0
        extra = []
        for _side in range(2):
            ss = list(s)
            if ss:
                ss[d] = int(rng.integers(0, 3))
            extra.append(_rarr(rng, tuple(ss), kind) if rng.random() < 0.5 else None)
        pre, app = extra
        arrays = [a] + [e for e in extra if e is not None]

        def fn(lib, x, *rest, n=n, d=d, pre=pre, app=app):
            rest = list(rest)
            kw = {}
            if pre is not None:
                kw["prepend"] = rest.pop(0)
            if app is not None:
                kw["append"] = rest.pop(0)
            return lib.diff(x, n=n, dim=d, **kw)
        _same(fn, *arrays)


@pytest.mark.parametrize("seed", range(3))
def test_gradient_random(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        s = _rshape(rng, 3, 5)
        a = _rarr(rng, s, str(rng.choice(["f", "f", "f32"])))
        nd = len(s)
        dim = None
        if nd and rng.random() < 0.6:
            dim = (int(rng.integers(-nd, nd)) if rng.random() < 0.5 else
                   tuple(int(v) for v in rng.permutation(nd)[:int(rng.integers(1, nd + 1))]))
        dims = list(range(nd)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
        mode = str(rng.choice(["default", "num", "list", "coords"]))
        eo = int(rng.choice([1, 2]))
        coords = []
        if mode == "coords":
            for d in dims:
                c = np.cumsum(rng.uniform(0.1, 2, s[d]))
                coords.append(c if rng.random() < 0.7 else c.astype(np.float32))
        num = float(rng.uniform(0.2, 3))
        nums = [float(rng.uniform(0.2, 3)) for _ in dims]

        def fn(lib, x, *cs, dim=dim, mode=mode, eo=eo, num=num, nums=nums):
            kw = {"edge_order": eo}
            if dim is not None:
                kw["dim"] = dim
            if mode != "default":
                kw["spacing"] = list(cs) if mode == "coords" else num if mode == "num" else nums
            return lib.gradient(x, **kw)
        f32 = any(q.dtype == np.float32 for q in [a, *coords])
        _same(fn, a, *coords, rtol=2e-5 if f32 else 1e-9)


@pytest.mark.parametrize("name", ["trapezoid", "trapz", "cumulative_trapezoid"])
@pytest.mark.parametrize("seed", range(2))
def test_trapezoid_random(name, seed):
    rng = np.random.default_rng(seed)
    for _ in range(80):
        s = _rshape(rng, 3, 4)
        kind = str(rng.choice(["f", "f", "f32", "i", "c", "b"]))
        a, nd = _rarr(rng, s, kind), len(s)
        dim = int(rng.integers(-max(nd, 1), max(nd, 1) + 1)) if rng.random() < 0.7 else None
        ax = -1 if dim is None else dim
        n = s[ax] if nd and -nd <= ax < nd else 0
        mode = str(rng.choice(["none", "dx", "x1", "xint", "xfull", "xbcast"]))
        arrays, dx = [a], float(rng.uniform(-2, 2))
        if mode == "x1":
            arrays.append(np.sort(rng.uniform(0, 5, n + int(rng.random() < 0.1))))
        elif mode == "xint":
            arrays.append(np.arange(n) * int(rng.integers(1, 3)))
        elif mode == "xfull":
            arrays.append(rng.uniform(0, 5, s))
        elif mode == "xbcast" and nd:
            ss = [1 if i != ax % nd and rng.random() < 0.5 else v for i, v in enumerate(s)]
            arrays.append(rng.uniform(0, 5, tuple(ss[int(rng.integers(0, nd)):])))

        def fn(lib, y, *xs, dim=dim, mode=mode, dx=dx):
            kw = {} if dim is None else {"dim": dim}
            if mode == "dx":
                kw["dx"] = dx
            return getattr(lib, name)(y, *xs, **kw)
        if n == 0 and kind in ("i", "b") and name != "cumulative_trapezoid":
            continue  # (torch's empty integral of integers and bools: their dtype)
        _same(fn, *arrays, rtol=2e-5 if kind == "f32" else 1e-10)


@pytest.mark.parametrize("seed", range(2))
def test_products_and_joins_random(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        s = list(_rshape(rng, 3, 4))
        if s:
            s[int(rng.integers(0, len(s)))] = 3
        kind = str(rng.choice(["f", "i", "c", "f32"]))
        a, b = _rarr(rng, tuple(s), kind), _rarr(rng, tuple(s), kind)
        d = int(rng.integers(-len(s), len(s))) if s and rng.random() < 0.6 else None
        kw = {} if d is None else {"dim": d}
        rt = 2e-5 if kind == "f32" else 1e-10
        _same(lambda lib, x, y, kw=kw: x.cross(y, **kw), a, b, rtol=rt)
        _same(lambda lib, x, y, kw=kw: lib.linalg.cross(x, y, **kw), a, b, rtol=rt)
        a, b = _rarr(rng, _rshape(rng), "f"), _rarr(rng, _rshape(rng), "f")
        _same(lambda lib, x, y: lib.kron(x, y), a, b)
        k = str(rng.choice(["f", "i", "b"]))
        ins = [_rarr(rng, (int(rng.integers(0, 4)),), k) for _ in range(int(rng.integers(1, 4)))]
        _same(lambda lib, *xs: lib.cartesian_prod(*xs), *ins)
        r, wr = int(rng.integers(0, 5)), bool(rng.random() < 0.5)
        _same(lambda lib, x, r=r, wr=wr: lib.combinations(x, r=r, with_replacement=wr),
              _rarr(rng, (int(rng.integers(0, 5)),), k))
        blocks = [_rarr(rng, _rshape(rng, 2), "f") for _ in range(int(rng.integers(1, 4)))]
        blocks = [b for b in blocks if b.shape != (0,)]  # (torch's gradient is wrong there)
        if blocks:
            _same(lambda lib, *xs: lib.block_diag(*xs), *blocks)
        v, nn, inc = _rarr(rng, (int(rng.integers(0, 5)),), k), int(rng.integers(0, 6)), \
            bool(rng.random() < 0.5)
        _same(lambda lib, x, nn=nn, inc=inc: lib.vander(x, N=nn, increasing=inc), v,
              grad=False)
        grids = [_rarr(rng, (int(rng.integers(0, 4)),), "f")
                 for _ in range(int(rng.integers(1, 4)))]
        ind = str(rng.choice(["ij", "xy"]))
        _same(lambda lib, *xs, ind=ind: lib.meshgrid(*xs, indexing=ind), *grids)


@pytest.mark.parametrize("seed", range(2))
def test_diagonals_indices_renorm_random(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        rr, cc, off = int(rng.integers(0, 5)), int(rng.integers(0, 5)), int(rng.integers(-7, 8))
        for name in ("tril_indices", "triu_indices"):
            _same(lambda lib, name=name, a=(rr, cc, off): getattr(lib, name)(*a))
        a = _rarr(rng, _rshape(rng), str(rng.choice(["f", "i", "c", "b"])))
        off, nd = int(rng.integers(-5, 6)), a.ndim
        d1, d2 = int(rng.integers(-nd - 1, nd + 1)), int(rng.integers(-nd - 1, nd + 1))
        _same(lambda lib, x, off=off: lib.diag(x, off), a)
        _same(lambda lib, x, off=off: lib.diagflat(x, off), a)
        _same(lambda lib, x, off=off, d1=d1, d2=d2: lib.diag_embed(x, off, d1, d2), a)
        x = _rarr(rng, _rshape(rng), "f")
        p = float(rng.choice([1, 2, 3, 0.5, np.inf, 0]))
        dd = int(rng.integers(-x.ndim - 1, x.ndim + 1)) if x.ndim else 0
        mx = float(rng.choice([0.5, 1, 2, 0, -1]))
        _same(lambda lib, t, p=p, dd=dd, mx=mx: lib.renorm(t, p, dd, mx), x)


def test_linspace_logspace_edge_counts():
    for steps in (0, 1, 2, 5):
        for start, end in ((0, 1), (-3.5, 2), (2, 2), (7, -7), (0, 1 + 2j)):
            ends = (start, end, steps)
            _same(lambda lib, a=ends: lib.linspace(*a), grad=False)
            for base in (10.0, 2.0, 0.5):
                _same(lambda lib, a=ends, b=base: lib.logspace(*a, base=b), grad=False)
            if isinstance(end, complex):
                continue
            _same(lambda lib, a=ends: lib.linspace(*a, dtype=lib.int64), grad=False)
            _same(lambda lib, a=ends: lib.logspace(*a, base=2.0, dtype=lib.int64), grad=False)


# ---- named regressions ----------------------------------------------------------------------
def test_trapezoid_x_of_fewer_dims_takes_leading_ones():
    y, x = np.arange(4.0).reshape(2, 2, 1), np.array([[0.0], [3.0]])
    got = tg.trapezoid(tg.tensor(y), tg.tensor(x), dim=1)  # raised a narrow error
    np.testing.assert_allclose(got.numpy(), torch.trapezoid(torch.tensor(y), torch.tensor(x),
                                                            dim=1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(got.numpy(), np.trapezoid(y, x[None], axis=1), rtol=1e-12)


def test_trapezoid_one_x_value_along_dim_broadcasts_to_dx_zero():
    y, x = np.ones((2, 3)), np.ones((1, 1))
    got = tg.trapezoid(tg.tensor(y), tg.tensor(x), dim=0)  # raised a narrow error
    assert got.shape == (3,) and not got.numpy().any()


def test_cumulative_trapezoid_x_of_fewer_dims_along_a_positive_dim():
    y, x = np.arange(12.0).reshape(2, 2, 3), np.array([[0.0, 1, 3], [2, 5, 6]])
    want = torch.cumulative_trapezoid(torch.tensor(y), torch.tensor(x), dim=1).numpy()
    got = tg.cumulative_trapezoid(tg.tensor(y), tg.tensor(x), dim=1)  # refused: "one x"
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_cumulative_trapezoid_one_sample_keeps_x_in_the_graph_and_dtype():
    x = tg.tensor(np.array([2.0]), requires_grad=True)
    out = tg.cumulative_trapezoid(tg.tensor(np.array([1.0], np.float32)), x)
    assert out.shape == (0,) and out.dtype == np.float64  # torch's; was float32
    out.sum().backward()  # raised: no input requires grad (x was dropped)
    np.testing.assert_array_equal(np.asarray(x.grad), [0.0])


@pytest.mark.parametrize("name", ["trapezoid", "cumulative_trapezoid"])
def test_trapezoid_family_refuses_bool(name):
    with pytest.raises(RuntimeError) as e:  # computed, as an integer sum, before
        getattr(tg, name)(tg.tensor(np.array([True, False, True])))
    one_line(e, name, "bool")
    with pytest.raises(RuntimeError) as e:
        getattr(tg, name)(tg.tensor(np.ones(3)), tg.tensor(np.array([True, False, True])))
    one_line(e, name, "bool")


def test_integer_sample_points_keep_float32():
    y, x = np.array([1.0, 2, 4, 7], np.float32), np.array([0, 1, 3, 4])
    for name in ("trapezoid", "cumulative_trapezoid"):
        got = getattr(tg, name)(tg.tensor(y), tg.tensor(x))  # float64 before
        want = getattr(torch, name)(torch.tensor(y), torch.tensor(x))
        assert got.dtype == np.float32 and str(want.dtype) == "torch.float32"
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("maxnorm", [1.0, 0.0])
def test_renorm_p_below_one_gradient_at_a_zero_entry(maxnorm):
    x = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 4.0]])
    w = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])
    t = torch.tensor(x, requires_grad=True)
    (torch.renorm(t, 0.5, 0, maxnorm) * torch.tensor(w)).sum().backward()
    o = tg.tensor(x, requires_grad=True)
    (tg.renorm(o, 0.5, 0, maxnorm) * tg.tensor(w)).sum().backward()  # NaN at the zeros
    np.testing.assert_allclose(np.asarray(o.grad), t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_diff_complex_number_prepend_beside_a_real_tensor_keeps_its_imaginary_part():
    x = np.array([1.5, 2.0, 4.0])
    got = tg.diff(tg.tensor(x), prepend=1j, append=2 + 1j)  # 1j became 0 (a ComplexWarning)
    want = torch.diff(torch.tensor(x), prepend=torch.tensor([1j]), append=torch.tensor([2 + 1j]))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-15)
    np.testing.assert_allclose(got.numpy(), np.diff(x, prepend=1j, append=2 + 1j), rtol=1e-15)


def test_linspace_logspace_complex_ends_are_complex():
    got = tg.linspace(0, 1 + 1j, 3)  # float64 [0, 0.5, 1]: the imaginary part dropped
    np.testing.assert_allclose(got.numpy(), torch.linspace(0, 1 + 1j, 3).numpy(), rtol=1e-15)
    got = tg.logspace(0, 1 + 1j, 3, base=2.0)  # refused: float() of a complex
    want = torch.logspace(0, 1 + 1j, 3, base=2.0).numpy()
    assert got.dtype == np.complex128
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-13)
    for f in (tg.linspace, tg.logspace):
        with pytest.raises(TypeError) as e:
            f(0, 1j, 3, dtype=np.float32)
        one_line(e, f.__name__, "complex", "dtype")


def test_trapezoid_family_takes_numpys_axis():
    y, x = np.arange(12.0).reshape(3, 4) ** 2, np.array([0.0, 1.0, 3.0])
    np.testing.assert_allclose(tg.trapezoid(tg.tensor(y), tg.tensor(x), axis=0).numpy(),
                               np.trapezoid(y, x, axis=0), rtol=1e-15)  # a TypeError before
    np.testing.assert_allclose(tg.trapz(tg.tensor(y), dx=0.5, axis=0).numpy(),
                               np.trapezoid(y, dx=0.5, axis=0), rtol=1e-15)
    want = torch.cumulative_trapezoid(torch.tensor(y), torch.tensor(x), dim=0).numpy()
    np.testing.assert_allclose(tg.cumulative_trapezoid(tg.tensor(y), tg.tensor(x),
                                                       axis=0).numpy(), want, rtol=1e-15)
    with pytest.raises(TypeError) as e:
        tg.trapezoid(tg.tensor(y), axis=0, dim=1)
    one_line(e, "trapezoid", "axis", "dim")
