"""Second review of the scans change (helper hSCANr): the vectorised cummax/cummin against
torch over random dtypes, ties and NaN runs; logcumsumexp's O(n) gradient recurrence against
the n x n matrix form on both sides of DIRECT_MAX and against torch; complex dtype= of the
reductions (and only theirs); cumsum_/cumprod_ of integer and bool tensors against torch."""

import tracemalloc

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.ops import reduce as reduce_ops

torch = pytest.importorskip("torch")

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning")]


def _grad(x):
    return np.asarray(x.grad.data if hasattr(x.grad, "data") else x.grad)


def _lcse_grad(a, w, dim=-1):
    x = Tensor(a, requires_grad=True)
    (x.logcumsumexp(dim) * Tensor(w)).sum().backward()
    return _grad(x)


# ---- bugs found (each failed before the fix) -------------------------------------------------

def test_long_logcumsumexp_float32_gradient_is_rounded_once():
    """Past DIRECT_MAX the float32 recurrence ran in float32: 3.8e-6 relative off (64 ulps)
    over (16, 8192); in float64, rounded once, as the forward (torch's: 1 ulp)."""
    r = np.random.default_rng(0)
    a = np.zeros((16, 8192), np.float32)
    a[:, 1:] = -r.random((16, 8191))
    w = r.random(a.shape).astype(np.float32)
    g = _lcse_grad(a, w)
    want = _lcse_grad(a.astype(np.float64), w.astype(np.float64))
    assert g.dtype == np.float32
    assert np.max(np.abs(g - want) / np.abs(want)) < 1.2e-7


def test_empty_long_logcumsumexp_backward_builds_no_n_by_n_mask():
    """A (0, 8000) x's backward built the n x n mask of the matrix form (x.size * n is 0):
    64 MB here, 10 GB at (0, 10**5); nothing to weigh, zeros of x's shape."""
    x = Tensor(np.zeros((0, 8000)), requires_grad=True)
    y = x.logcumsumexp(1).sum()
    tracemalloc.start()
    try:
        y.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert _grad(x).shape == (0, 8000)
    assert peak < 4 << 20


@pytest.mark.parametrize("gv", [[np.inf, 0, 0, 0], [0, np.inf, 1, 0], [0, -np.inf, 1, 0]])
def test_an_infinite_upstream_gradient_reaches_earlier_entries_only(gv):
    """The matrix form (below DIRECT_MAX) multiplied the zero weights of j > i by an inf g_i:
    NaN at every later entry; the recurrence and torch give dx_j = 0 there."""
    a, w = np.array([0.5, -1.0, 2.0, 0.25]), np.array(gv, float)
    tx = torch.tensor(a, requires_grad=True)
    tx.logcumsumexp(0).backward(torch.tensor(w))
    np.testing.assert_allclose(_lcse_grad(a, w, 0), tx.grad.numpy(), rtol=1e-14)


@pytest.mark.parametrize("call", [
    lambda x: x.softmax(0, dtype=np.complex128), lambda x: x.log_softmax(0, dtype=np.complex128),
    lambda x: tg.functional.softmin(x, 0, dtype=np.complex128),
    lambda x: tg.special.softmax(x, 0, dtype=torch.complex128),
    lambda x: x.logsumexp(dtype=np.complex128), lambda x: x.norm(dtype=np.complex128),
    lambda x: x.clip(0, 1, dtype=np.complex128), lambda x: x.var(dtype=np.complex128),
    lambda x: x.flip(0, dtype=np.complex128)],
    ids=["softmax", "log_softmax", "softmin", "special.softmax", "logsumexp", "norm", "clip",
         "var", "flip"])
def test_a_complex_dtype_is_for_the_sums_and_products_alone(call):
    """The complex dtype= meant for sum/mean/prod/cumsum/cumprod reached every op taking
    NumPy's dtype=: softmax(dtype=complex128) computed a complex softmax where torch refuses,
    clip's said `clamp: not supported for complex tensors` of a float tensor; refused as before."""
    with pytest.raises(ValueError, match=r"\(dtype=complex128\): only a floating dtype, "):
        call(Tensor(np.array([1.5, -2.0, 3.0])))


def test_a_complex_dtype_of_a_grad_tensor_under_no_grad_computes_as_torch():
    """The refusal said `compute under tg.no_grad()`, where astype refused the cast."""
    a = np.array([[1.5, -2.0], [0.25, 4.0]])
    x = Tensor(a, requires_grad=True)
    with tg.no_grad():
        s, c = x.sum(0, dtype=np.complex128), x.cumsum(1, dtype=np.complex64)
    np.testing.assert_array_equal(s.numpy(), torch.tensor(a).sum(0, dtype=torch.complex128))
    np.testing.assert_array_equal(c.numpy(), torch.tensor(a).cumsum(1, dtype=torch.complex64))
    assert not s.requires_grad


def test_np_cumsum_complex_dtype_of_a_grad_tensor_names_the_reason():
    """A TypeError made np.cumsum retry on the array: the guard's `computed on its values`
    message, not the dtype= refusal (ValueError, as numpy_keywords' others)."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(ValueError, match=r"^cumsum\(dtype=complex128\): a complex result"):
        np.cumsum(x, 0, dtype=np.complex128)


@pytest.mark.parametrize("shape,dim", [((), 0), ((), -1), ((0,), 0), ((2, 0), 1), ((0, 3), 0)])
@pytest.mark.parametrize("op", ["cumsum_", "cumprod_"])
def test_bool_inplace_scan_of_a_0d_or_empty_tensor_as_torch(op, shape, dim):
    """torch computes a 0-d or empty bool cumsum_ (nothing to add); refused since the change."""
    a = np.ones(shape, bool)
    x, t = Tensor(a.copy()), torch.tensor(a.copy())
    assert getattr(x, op)(dim) is x
    getattr(t, op)(dim)
    assert x.dtype == np.bool_ and x.shape == tuple(t.shape)
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    with pytest.raises(TypeError, match=rf"^Tensor\.{op}: not supported for a bool tensor"):
        getattr(Tensor(np.array([True, False])), op)(0)


_FILL_ARGS = {"fill_diagonal_": (0.0,), "geometric_": (0.5,), "cumsum_": (0,)}


@pytest.mark.parametrize("name", ["uniform_", "normal_", "bernoulli_", "exponential_", "random_",
                                  "geometric_", "cauchy_", "log_normal_", "fill_diagonal_"])
def test_the_inplace_refusal_names_a_method_that_exists(name):
    """On an op's result the refusal said `x = x.uniform(...)` (no such method; bernoulli's
    reads x as p), `x = x.fill_diagonal(...)`: the fills name a spelling that runs (cumsum_
    and sin_ on an op's result are recorded now: test_inplace_results_torch_hINPL.py)."""
    y = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True).exp()
    with pytest.raises(RuntimeError, match=r"in-place on the result of Exp") as info:
        getattr(y, name)(*_FILL_ARGS.get(name, ()))
    spelled = str(info.value).split("write `x = ", 1)[1].split("`", 1)[0]
    if spelled.startswith("x."):
        assert name != "bernoulli_" and hasattr(Tensor, spelled[2:].split("(")[0])
    else:
        assert spelled.startswith(("tg.empty_like(x).", "tg.where("))


# ---- differential guards (held before the fix too) -------------------------------------------

_DTYPES = ["float16", "float32", "float64", "int8", "int64", "uint8", "bool"]


def _draw(r, dt, shape):
    if dt == "bool":
        return r.random(shape) < 0.5
    if dt[0] in "iu":
        return r.integers(-3 if dt[0] == "i" else 0, 4, shape).astype(dt)
    pool = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 2.5])
    a = r.choice(pool, shape) if r.random() < 0.6 else np.round(r.normal(size=shape))
    return a.astype(dt)


@pytest.mark.parametrize("seed", range(4))
def test_cummax_cummin_match_torch_values_indices_gradients(seed):
    r = np.random.default_rng(seed)
    for _ in range(60):
        dt = _DTYPES[r.integers(len(_DTYPES))]
        shape = tuple(int(v) for v in r.integers(0, 5, r.integers(0, 4)))
        a = _draw(r, dt, shape)
        if a.ndim >= 2 and r.random() < 0.4:
            a = a.swapaxes(0, -1)  # (non-contiguous)
        dim = int(r.integers(-max(a.ndim, 1), max(a.ndim, 1)))
        for op in ("cummax", "cummin"):
            x = Tensor(a, requires_grad=a.dtype.kind == "f")
            v, i = getattr(x, op)(dim)
            tx = torch.tensor(a.copy(order="C"), requires_grad=a.dtype.kind == "f")
            tv, ti = getattr(tx, op)(dim)
            np.testing.assert_array_equal(i.numpy(), ti.numpy())
            np.testing.assert_array_equal(v.numpy(), tv.detach().numpy())
            if a.dtype.kind == "f":
                assert np.array_equal(np.signbit(v.numpy()), np.signbit(tv.detach().numpy()))
                if a.size and a.dtype != np.float16:  # (torch's float16 scatter_add rounds
                    w = r.normal(size=v.shape).astype(a.dtype)  # at every add)
                    (v * Tensor(w)).sum().backward()
                    (tv * torch.tensor(w)).sum().backward()
                    np.testing.assert_allclose(_grad(x), tx.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_logcumsumexp_recurrence_agrees_with_the_matrix_form(seed, monkeypatch):
    r = np.random.default_rng(seed)
    for _ in range(60):
        shape = tuple(int(v) for v in r.integers(1, 7, r.integers(1, 4)))
        pool = [0.0, -np.inf, np.inf, np.nan, 1.0, -2.0, 1e300, -1e300, 700.0]
        a = r.choice(pool, shape) if r.random() < 0.5 else r.normal(size=shape) * 10.0 ** \
            r.integers(0, 300)
        dt = ["float64", "float32"][r.integers(2)]
        a, w = a.astype(dt), r.normal(size=shape).astype(dt)
        dim = int(r.integers(-a.ndim, a.ndim))
        monkeypatch.setattr(reduce_ops, "DIRECT_MAX", 1 << 62)
        mat = _lcse_grad(a, w, dim)
        monkeypatch.setattr(reduce_ops, "DIRECT_MAX", 0)
        rec = _lcse_grad(a, w, dim)
        assert mat.dtype == rec.dtype
        np.testing.assert_array_equal(np.isnan(mat), np.isnan(rec))
        tol = 1e-12 if dt == "float64" else 1e-5
        np.testing.assert_allclose(rec, mat, rtol=tol, atol=tol * np.abs(w).sum())


@pytest.mark.parametrize("n", [2048, 2049])  # (1, 2048) is the matrix form's last shape
def test_logcumsumexp_gradient_at_the_threshold_matches_torch(n):
    r = np.random.default_rng(n)
    a = r.normal(size=(1, n)) * 3
    a[0, :3], a[0, 700] = -np.inf, 40.0
    w = r.normal(size=a.shape)
    tx = torch.tensor(a, requires_grad=True)
    tx.logcumsumexp(1).backward(torch.tensor(w))
    g = _lcse_grad(a, w)
    assert np.isnan(g[0, :3]).all() and np.isnan(tx.grad.numpy()[0, :3]).all()
    np.testing.assert_allclose(g[0, 3:], tx.grad.numpy()[0, 3:], rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("dt", ["uint8", "int8", "int16"])
@pytest.mark.parametrize("op", ["cumsum_", "cumprod_"])
def test_integer_inplace_scans_wrap_as_torch(op, dt):
    r = np.random.default_rng(3)
    info = np.iinfo(dt)
    for _ in range(20):
        a = r.integers(info.min, info.max, (3, 5), endpoint=True).astype(dt)
        dim = int(r.integers(-2, 2))
        x, t = Tensor(a.copy()), torch.tensor(a.copy())
        getattr(x, op)(dim)
        getattr(t, op)(dim)
        assert x.dtype == np.dtype(dt)
        np.testing.assert_array_equal(x.numpy(), t.numpy())


@pytest.mark.parametrize("op", ["sum", "mean", "prod", "cumsum", "cumprod"])
@pytest.mark.parametrize("tdt", ["complex128", "complex64"])
def test_a_complex_dtype_of_the_reductions_matches_torch(op, tdt):
    a = np.array([[1.5, -2.0, 3.0], [0.25, np.nan, 4.0]])
    kw = {} if op.startswith("cum") else {"keepdim": True}
    out = getattr(Tensor(a), op)(1, dtype=getattr(np, tdt), **kw)
    want = getattr(torch.tensor(a), op)(1, dtype=getattr(torch, tdt), **kw).numpy()
    assert out.dtype == want.dtype and out.shape == want.shape
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
