"""The scans (cumsum, cumprod, cummax, cummin, logcumsumexp, cumsum_, cumprod_) against torch
2.13 on seeded random cases: values, dtypes, indices, float64 gradients (and central finite
differences), errors; cumprod's gradient at zeros, cummax's at ties, logcumsumexp's at -inf,
a jitted step bit for bit as eager; and one named regression per bug the hunt found."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
# (NumPy's RuntimeWarnings at inf - inf, and ComplexWarning casting the drawn values; the
# jit's warning that a step with cummax runs eagerly; torch's complex-to-real dtype= cast)
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:Casting complex values:UserWarning")]

EDGE = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 1e-300, 1.0, -1.0, 2.0]
OPS = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "cumsum_", "cumprod_"]
DTYPES = ["float64", "float32", "float16", "int64", "int32", "int8", "uint8", "complex128"]
TOL = {"float16": 1e-3, "float32": 1e-6}


def _values(r, shape, edge_p, ties):
    a = r.integers(-2, 3, size=shape).astype(np.float64) if ties else r.standard_normal(shape)
    if edge_p:
        a = np.where(r.random(shape) < edge_p, r.choice(EDGE, size=shape), a)
    return np.asarray(a, np.float64)


def _call(lib, op, a, dim, dtype, swap):
    """The op's results as arrays (values, and indices for cummax/cummin) or the exception."""
    try:
        if lib == "torch":
            x = torch.from_numpy(np.array(a))
            x = x.transpose(0, 1) if swap else x
            kw = {"dtype": getattr(torch, dtype)} if dtype else {}
        else:
            x = Tensor(np.array(a))
            x = x.swapaxes(0, 1) if swap else x
            kw = {"dtype": getattr(tg, dtype)} if dtype else {}
        out = getattr(x, op)(dim, **kw) if op in ("cumsum", "cumprod") else getattr(x, op)(dim)
        return [np.asarray(o.numpy()) for o in (out if op in ("cummax", "cummin") else [out])]
    except Exception as e:  # noqa: BLE001 (either library's refusal is compared)
        return e


def _deliberate(op, a, dim, dtype, ours, theirs):
    """The differences that are not ours to fix (docs/pytorch.md; torch's leniency or bugs)."""
    if isinstance(theirs, Exception) and not isinstance(ours, Exception):
        # torch refuses integer logcumsumexp and bool cumsum/cumprod; ours computes them
        return op == "logcumsumexp" or dtype == "bool"
    if isinstance(ours, Exception) and not isinstance(theirs, Exception):
        # torch skips its dim check on an empty input, and takes a complex 0-d/empty cummax
        return a.size == 0 or (op in ("cummax", "cummin") and a.dtype.kind == "c")
    # torch's complex product multiplies by 1 first: (nan + inf j) * 1 is nan + nan j
    return a.dtype.kind == "c" and not np.isfinite(a).all()


def _same(o, t, tol):
    if o.dtype != t.dtype or o.shape != t.shape:
        return False
    if o.dtype.kind not in "fc":
        return np.array_equal(o, t)
    return np.allclose(o, t, rtol=tol, atol=tol * 1e-2, equal_nan=True) and np.array_equal(
        np.isinf(o), np.isinf(t))


@pytest.mark.parametrize("seed", [0, 1])
def test_values_dtypes_indices_and_errors_match_torch(seed):
    r = np.random.default_rng(seed)
    checked = 0
    for _ in range(500):
        op, dt = OPS[r.integers(len(OPS))], DTYPES[r.integers(len(DTYPES))]
        shape = tuple(int(r.integers(0, 5)) for _ in range(r.integers(0, 4)))
        a = _values(r, shape, r.choice([0, 0.1, 0.4]), r.random() < 0.4)
        if dt == "complex128":
            a = a + 1j * _values(r, shape, 0.1, r.random() < 0.4)
        a = np.asarray(a).astype(dt)
        nd = max(len(shape), 1)
        dim = int(r.integers(-nd - 1, nd + 1))
        dtype = None
        if op in ("cumsum", "cumprod") and r.random() < 0.3:
            dtype = ["float64", "float32", "int64", "int32", "complex128"][r.integers(5)]
        swap = len(shape) >= 2 and r.random() < 0.3
        ours, theirs = (_call(lib, op, a, dim, dtype, swap) for lib in ("tg", "torch"))
        what = f"{op} {a.dtype} {shape} dim={dim} dtype={dtype} swap={swap}: {a.ravel()[:6]}"
        if _deliberate(op, a, dim, dtype, ours, theirs):
            continue
        assert isinstance(ours, Exception) == isinstance(theirs, Exception), (what, ours, theirs)
        if isinstance(ours, Exception):
            assert "\n" not in str(ours), what
            continue
        for o, t in zip(ours, theirs):
            assert _same(o, t, TOL.get(str(t.dtype), 1e-10)), (what, o, t)
        checked += 1
    assert checked > 250


def _grads(op, a, w, dim, swap):
    """(value, d sum(w * op(x)) / dx) from ours and torch, float64."""
    x = Tensor(a.copy(), requires_grad=True)
    y = getattr(x.swapaxes(0, 1) if swap else x, op)(dim)
    y = y[0] if op in ("cummax", "cummin") else y
    (y * Tensor(w)).sum().backward()
    xt = torch.tensor(a, requires_grad=True)
    yt = getattr(xt.transpose(0, 1) if swap else xt, op)(dim)
    yt = yt[0] if op in ("cummax", "cummin") else yt
    (yt * torch.from_numpy(w)).sum().backward()
    return (y.numpy(), x.grad), (yt.detach().numpy(), xt.grad.numpy())


def _fd(op, a, w, dim, swap, h=1e-6):
    def f(v):
        t = torch.tensor(v)
        y = getattr(t.transpose(0, 1) if swap else t, op)(dim)
        return float(((y[0] if op in ("cummax", "cummin") else y) * torch.from_numpy(w)).sum())
    out = np.zeros(a.size)
    for i in range(a.size):
        e = np.zeros(a.size)
        e[i] = h
        out[i] = (f(a + e.reshape(a.shape)) - f(a - e.reshape(a.shape))) / (2 * h)
    return out.reshape(a.shape)


@pytest.mark.parametrize("seed", [0, 1])
def test_float64_gradients_match_torch_and_finite_differences(seed):
    r = np.random.default_rng(100 + seed)
    for _ in range(200):
        op = OPS[r.integers(5)]
        shape = tuple(int(r.integers(1, 5)) for _ in range(r.integers(0, 4)))
        mode = int(r.integers(4))  # normal; ties and zeros; zeros; edge values (finite ones
        a = _values(r, shape, 0.3 if mode == 3 else 0, mode == 1)  # where torch's are exact)
        if mode == 2:
            a = np.where(r.random(shape) < 0.3, 0.0, a)
        if mode == 3:  # (beside 1e300 and infinities ours is the exact derivative, torch's
            a = np.where(np.isfinite(a) & (np.abs(a) < 1e3), a, 0.5)  # NaN: docs/pytorch.md)
        nd = max(len(shape), 1)
        dim, swap = int(r.integers(-nd, nd)), len(shape) >= 2 and r.random() < 0.3
        w = r.standard_normal(np.shape(np.swapaxes(a, 0, 1)) if swap else shape)
        (ov, og), (tv, tg_) = _grads(op, a, w, dim, swap)
        what = f"{op} {shape} dim={dim} swap={swap} mode={mode}: {a.ravel()[:8]}"
        np.testing.assert_allclose(ov, tv, rtol=1e-10, atol=1e-12, err_msg=what)
        np.testing.assert_allclose(og, tg_, rtol=1e-10, atol=1e-12, err_msg=what)
        distinct = len(np.unique(a)) == a.size
        if mode in (0, 2) and (distinct or op not in ("cummax", "cummin")):
            np.testing.assert_allclose(og, _fd(op, a, w, dim, swap), rtol=1e-5, atol=1e-6,
                                       err_msg=what)


@pytest.mark.parametrize("a", [[0.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 0.0], [2.0, 0.0, 3.0, 4.0],
                               [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0],
                               [1.0, 3.0, 0.0, 0.0]])
def test_cumprod_gradient_at_zeros_is_torchs_exact_rule(a):
    """d/dx_j sum_i w_i prod_{k<=i} x_k = sum_{i>=j} w_i prod_{k<=i, k!=j} x_k: no division."""
    a, w = np.array(a), np.array([0.3, -0.7, 1.1, 0.9])
    exact = [sum(w[i] * np.prod([a[k] for k in range(i + 1) if k != j]) for i in range(j, 4))
             for j in range(4)]
    (_, og), (_, tg_) = _grads("cumprod", a, w, 0, False)
    np.testing.assert_allclose(og, exact, rtol=1e-15, atol=0)
    np.testing.assert_allclose(og, tg_, rtol=1e-15, atol=0)


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_ties_and_nans_pick_the_latest_index_and_it_takes_the_gradient(op):
    a = np.array([[1.0, 1.0, 0.0, 1.0, 2.0, 2.0], [0.0, -0.0, np.nan, 1.0, np.nan, 3.0]])
    w = np.arange(1.0, 13.0).reshape(2, 6)
    v, i = getattr(Tensor(a), op)(1)
    vt, it = getattr(torch.tensor(a), op)(1)
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    np.testing.assert_array_equal(np.signbit(v.numpy()), np.signbit(vt.numpy()))
    (_, og), (_, tg_) = _grads(op, a, w, 1, False)
    np.testing.assert_array_equal(og, tg_)


@pytest.mark.parametrize("a", [[-np.inf, -np.inf, 2.0], [1.0, -np.inf], [-np.inf, 1.0, -np.inf],
                               [np.inf, 1.0], [1.0, np.nan], [-np.inf]])
def test_logcumsumexp_gradients_at_infinities_are_torchs(a):
    """(NaN where e^(x_j - out_i) is -inf - -inf or inf - inf, as torch's; 0 elsewhere.)"""
    a = np.array(a)
    (ov, og), (tv, tg_) = _grads("logcumsumexp", a, np.linspace(0.3, 1.1, a.size), 0, False)
    np.testing.assert_array_equal(ov, tv)
    np.testing.assert_allclose(og, tg_, rtol=1e-15, atol=0)


@pytest.mark.parametrize("op", ["cumsum", "cumprod", "logcumsumexp", "cummax"])
def test_a_jitted_step_gives_eagers_gradients_bit_for_bit(op):
    r = np.random.default_rng(7)
    a = r.standard_normal((3, 4))
    a[0, 1], a[1, 2] = 0.0, a[1, 0]  # (a zero for cumprod, a tie for cummax)
    x, w = Tensor(a, requires_grad=True), Tensor(r.standard_normal((3, 4)), requires_grad=True)

    def step():
        y = getattr(x, op)(1)
        ((y[0] if op == "cummax" else y) * w).tanh().sum().backward()

    step()
    want = (x.grad.copy(), w.grad.copy())
    jitted = jit(step)  # (cummax's indices are made in the step: it runs eagerly, warned)
    for _ in range(4):
        x.grad = w.grad = None
        jitted()
        assert x.grad.tobytes() == want[0].tobytes() and w.grad.tobytes() == want[1].tobytes()
    assert jitted.replays == (0 if op == "cummax" else 2)


# -- named regressions (each failed before its fix) --

@pytest.mark.parametrize("op", ["cumsum_", "cumprod_"])
def test_uint8_inplace_scan_wraps_in_its_own_dtype_as_torch(op):
    """uint8 cumsum_/cumprod_ raised NumPy's "Cannot cast array data from dtype('int64') to
    dtype('uint8')"; torch computes it in uint8, wrapping around."""
    a = np.array([[1, 0, 7, 100, 100, 200], [3, 5, 7, 9, 11, 13]], np.uint8)
    out = getattr(Tensor(a.copy()), op)(1)
    want = getattr(torch.from_numpy(a.copy()), op)(1).numpy()
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out.numpy(), want)


@pytest.mark.parametrize("op", ["cumsum_", "cumprod_"])
def test_bool_inplace_scan_is_refused_in_one_line_naming_the_op(op):
    """A bool cumsum_ raised NumPy's casting message; torch refuses it (not implemented)."""
    with pytest.raises(TypeError, match=rf"^Tensor\.{op}: not supported for a bool tensor"):
        getattr(Tensor(np.array([True, False])), op)(0)


@pytest.mark.parametrize("op", ["cumsum", "cumprod", "sum", "mean", "prod"])
@pytest.mark.parametrize("a", [[1, 2, 3], [1.5, -2.0, 0.25], [1 + 1j, 2j, -1.0]])
def test_a_complex_dtype_casts_first_as_torch(op, a):
    """x.cumsum(0, dtype=complex128) was refused ("only a floating dtype"); torch casts."""
    a = np.array(a)
    want = getattr(torch, op)(torch.tensor(a), 0, dtype=torch.complex128).numpy()
    out = getattr(Tensor(a), op)(0, dtype=tg.complex128)
    assert out.dtype == np.complex128
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-15)
    with pytest.raises(ValueError, match=rf"^{op}\(dtype=complex128\): a complex result of a "
                                        "real tensor that requires grad"):
        getattr(Tensor(np.array([1.0, 2.0]), requires_grad=True), op)(0, dtype=tg.complex128)


@pytest.mark.parametrize("v", [np.inf, -np.inf, np.nan, 0.5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_logcumsumexp_of_a_0d_tensor_passes_the_gradient_through_as_torch(v, dtype):
    """A 0-d x is its own logcumsumexp: its gradient is g. e^(x - out) made it NaN at +-inf
    and NaN (torch: g)."""
    x = Tensor(np.array(v, dtype), requires_grad=True)
    (x.logcumsumexp(0) * 3).backward()
    xt = torch.tensor(np.array(v, dtype), requires_grad=True)
    (xt.logcumsumexp(0) * 3).backward()
    assert x.grad.dtype == dtype and x.grad == xt.grad.item() == 3


@pytest.mark.parametrize("dim", [(0, 1), (1, 0), [0, 1], (1,), ()])
@pytest.mark.parametrize("op", ["cumsum", "cumprod", "cumsum_"])
def test_a_tuple_of_dims_is_refused_as_numpy_and_torch(op, dim):
    """x.cumsum((0, 1)) scanned axis 0 alone and x.cumsum(()) the flattened array, silently;
    NumPy and torch refuse a tuple (a scan runs along one dim)."""
    x = Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"axis must be one integer, got .*a scan runs along one"):
        getattr(x, op)(dim)
    with pytest.raises(TypeError):
        getattr(torch.arange(6.0).reshape(2, 3), op)(dim)


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_long_scans_with_ties_and_nans_match_torchs_indices(op):
    """(cummax/cummin are vectorised: one NumPy accumulate, not a Python step per entry.)"""
    r = np.random.default_rng(3)
    a = r.integers(-3, 4, size=(3, 4000)).astype(np.float64)
    a[1, r.integers(0, 4000, 5)] = np.nan
    a[2] = np.where(a[2] == 0, -0.0, a[2])
    for x, dim in ((a, 1), (a.T, 0), (a.astype(np.int16), -1), (a > 0, 1)):
        v, i = getattr(Tensor(x), op)(dim)
        vt, it = getattr(torch.from_numpy(np.ascontiguousarray(x)), op)(dim)
        np.testing.assert_array_equal(i.numpy(), it.numpy())
        np.testing.assert_array_equal(v.numpy(), vt.numpy())
        assert v.dtype == x.dtype


@pytest.mark.parametrize("seed", [0, 1])
def test_logcumsumexps_long_gradient_is_its_matrix_forms(seed, monkeypatch):
    """The recurrences (ops/scan_recurrences.py) against the n x n weights, on the same cases:
    -inf runs, +inf, NaN, 1e15 (where e^(x_j - out_i) lost digits), float32."""
    r = np.random.default_rng(seed)
    edge = [np.inf, -np.inf, np.nan, 1e15, -1e15, 1e300, 700.0, -700.0]
    for _ in range(150):
        shape = tuple(int(r.integers(1, 6)) for _ in range(r.integers(1, 4)))
        a = r.standard_normal(shape) * r.choice([1.0, 30.0, 1e3])
        if r.random() < 0.5:
            a = np.where(r.random(shape) < 0.3, r.choice(edge, size=shape), a)
        if r.random() < 0.2:
            a = np.where(r.random(shape) < 0.5, -np.inf, a)
        dt = np.float32 if r.random() < 0.2 else np.float64
        a, w = a.astype(dt), r.standard_normal(shape).astype(dt)
        dim = int(r.integers(-len(shape), len(shape)))
        grads = []
        for most in (1 << 40, 0):
            monkeypatch.setattr("tinygrad_dl.ops.reduce.DIRECT_MAX", most)
            x = Tensor(a, requires_grad=True)
            (x.logcumsumexp(dim) * Tensor(w)).sum().backward()
            grads.append(x.grad)
        tol = 1e-13 if dt == np.float64 else 1e-5
        np.testing.assert_allclose(grads[1], grads[0], rtol=tol, atol=tol, err_msg=str(a))
        assert grads[1].dtype == dt


def test_logcumsumexps_gradient_over_a_long_axis_fits_and_matches_torch():
    """A (4, 4000) input's n x n weights took 1 GB (a (4, 16000) one, 16 GB): now O(n)."""
    r = np.random.default_rng(5)
    a, w = r.standard_normal((4, 4000)) * 5, r.standard_normal((4, 4000))
    a[1, :50] = -np.inf
    x, xt = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (x.logcumsumexp(1) * Tensor(w)).sum().backward()
    (xt.logcumsumexp(1) * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", ["cumsum_", "cumprod_"])
def test_an_inplace_scan_of_an_ops_result_names_its_own_out_of_place_spelling(op):
    """(The refusal said "write `x = x - y`", for every method form without its own entry;
    an op's result is recorded now, as torch's: the out-of-place scan's values and gradient.)"""
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * 2
    getattr(y, op)(0)
    (y * y).sum().backward()
    xt = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    z = getattr(xt * 2, op[:-1])(0)
    (z * z).sum().backward()
    np.testing.assert_allclose(y.data, z.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12)
