"""Complex tensors against torch 2.13 (helper hK): forward values and dtypes of complex64 and
complex128 ops, the parts x.real / x.imag as views, and the refusals where torch refuses
(complex numbers are not ordered) or where a constant result would cut a gradient path."""

import warnings

import numpy as np
import pytest
from oracle import functional_of

import tinygrad_dl as tg
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")

NZ = complex(-3.0, -0.0)  # on the negative real axis, below the branch cut
Z = np.array([1 + 2j, NZ, complex(-3.0, 0.0), 0.5j, -2 - 1j, 0j])


def _cases(seed, n=6):
    rng = np.random.default_rng(seed)
    edge = np.array([0.0, -0.0, 1.0, -1.0, 2.5, -3.0, 0.5])
    re = np.where(rng.random(n) < 0.4, rng.choice(edge, n), rng.standard_normal(n) * 3)
    im = np.where(rng.random(n) < 0.4, rng.choice(edge, n), rng.standard_normal(n) * 3)
    return re + 1j * im


def _same(ours, theirs, rtol):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-300 if rtol < 1e-9 else 1e-6)


def _torch(t):
    return t.resolve_conj().resolve_neg().numpy()


UNARY = ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sigmoid", "log2",
         "log10", "log1p", "expm1", "abs", "sgn", "angle", "conj", "neg", "square", "asin",
         "acos", "atan", "asinh", "acosh", "atanh", "reciprocal", "rsqrt", "exp2", "real",
         "imag", "isnan", "isinf", "isfinite", "isreal")


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("seed", range(3))
def test_unary_ops_of_complex_match_torch(seed, dtype):
    a = _cases(seed).astype(dtype)
    rtol = 1e-5 if dtype == np.complex64 else 1e-10
    for op in UNARY:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = getattr(Tensor(a.copy()), op)
            ours = (ours() if callable(ours) else ours).data
        theirs = getattr(torch.tensor(a), op)
        theirs = _torch(theirs() if callable(theirs) else theirs)
        _same(ours, theirs, rtol)


@pytest.mark.parametrize("seed", range(3))
def test_binary_ops_and_reductions_of_complex_match_torch(seed):
    rng = np.random.default_rng(seed)
    a, b = _cases(seed, 6).reshape(2, 3), _cases(seed + 10, 6).reshape(2, 3)
    r = rng.standard_normal(3)
    x, y, xt, yt = Tensor(a), Tensor(b), torch.tensor(a), torch.tensor(b)
    pairs = [(x + y, xt + yt), (x * y, xt * yt), (x / (y + 5), xt / (yt + 5)),
             (x * Tensor(r), xt * torch.tensor(r)), (x - 2.5j, xt - 2.5j),
             (x ** 2, xt ** 2), (x == y, xt == yt), (x.sum(1), xt.sum(1)),
             (x.mean(0), xt.mean(0)), (x.prod(1), xt.prod(1)), (x.cumsum(1), xt.cumsum(1)),
             (x.var(dim=1), xt.var(1)), (x.std(dim=0, correction=0), xt.std(0, correction=0)),
             (x @ y.T, xt @ yt.T), (x.logsumexp(1), xt.logsumexp(1)),
             (tg.logaddexp(x, y), torch.logaddexp(xt, yt)),
             (x.logcumsumexp(1), xt.logcumsumexp(1)), (x.norm(), xt.norm()),
             (tg.isclose(x, x + 1e-9j), torch.isclose(xt, xt + 1e-9j))]
    for ours, theirs in pairs:
        _same(ours.data, _torch(theirs), 1e-10)


# ---- named regressions ----------------------------------------------------------------------
def test_angle_of_a_complex_tensor_is_its_argument():
    # it dropped the imaginary part (NumPy's ComplexWarning) and gave pi or 0, in float32
    for dtype in (np.complex64, np.complex128):
        a = Z.astype(dtype)
        ours = Tensor(a).angle().data
        theirs = torch.tensor(a).angle().numpy()
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert Tensor(np.array([NZ])).angle().data[0] == -np.pi  # below the cut, as torch's
    # complex64: computed in float64 and rounded once (NumPy's float32 arctan2 was 1 ulp off)
    assert Tensor(np.array([1 + 1j], np.complex64)).angle().data[0] == np.float32(np.pi / 4)


def test_real_and_imag_of_a_complex_tensor_are_views_writes_reach_it():
    # they were copies: x.real[0] = 9 and x.imag.add_(1) left x unchanged (torch: views)
    a = np.array([[1 + 2j, 3 - 1j], [0.5j, 2.0 + 0j]])
    x, xt = Tensor(a.copy()), torch.tensor(a.copy())
    x.real[0] = 9.0
    xt.real[0] = 9.0
    x.imag.add_(1.0)
    xt.imag.add_(1.0)
    x.T.real[0, 1] = -4.0  # through a transposed view too
    xt.T.real[0, 1] = -4.0
    np.testing.assert_array_equal(x.data, xt.numpy())
    r = Tensor(np.ones(2)).real  # a real tensor's .real is itself, as torch's
    assert r.real is r


@pytest.mark.parametrize("part", ["real", "imag", "conj", "angle", "sgn"])
def test_a_complex_constant_result_on_a_gradient_path_is_refused(part):
    # .real (or .imag, conj, angle) of a complex result on a real input's path was a constant:
    # x.grad silently lost that path (1 where torch gives 2 for real + x)
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    z = x * (1 + 1j)
    with pytest.raises(TypeError, match=f"{part}: of a complex tensor of shape \\(2,\\) that "
                                        "requires grad"):
        f = getattr(z, part)
        f() if callable(f) else f


def test_sigmoid_and_silu_of_complex_keep_the_imaginary_part():
    # sigmoid used |x| and x >= 0 (the imaginary part dropped: float64 results)
    a = np.array([1 + 2j, -1.5 + 0.5j, 0.25j, 3 - 1j])
    x, xt = Tensor(a), torch.tensor(a)
    _same(x.sigmoid().data, xt.sigmoid().numpy(), 1e-12)
    _same(tg.functional.silu(x).data, torch.nn.functional.silu(xt).numpy(), 1e-12)
    x.sigmoid_()
    np.testing.assert_allclose(x.data, xt.sigmoid().numpy(), rtol=1e-12)


def test_logsumexp_of_complex_is_on_the_principal_branch():
    # shifted by the lexicographic complex max: the imaginary part came out 2 pi off
    a = np.array([[1.66723557 - 3j, 0.13573873 + 2.21631401j], [np.inf + 1j, 2 + 0j]])
    _same(Tensor(a).logsumexp(1).data, torch.tensor(a).logsumexp(1).numpy(), 1e-12)


def test_logaddexp_and_logcumsumexp_of_complex_compute_as_torch():
    # NumPy's logaddexp has no complex loop: both raised NumPy's "ufunc not supported"
    a = np.array([1 + 2j, -1 + 3j, 2 - 1j, -np.inf + 0j])
    b = np.array([0.5 - 1j, 4 + 0j, -2 + 2j, -np.inf + 0j])
    _same(tg.logaddexp(Tensor(a), Tensor(b)).data,
          torch.logaddexp(torch.tensor(a), torch.tensor(b)).numpy(), 1e-12)
    _same(Tensor(a).logcumsumexp(0).data, torch.tensor(a).logcumsumexp(0).numpy(), 1e-12)


def test_reciprocal_and_rsqrt_of_complex_zero_are_inf_nan_as_1_over_x():
    # np.reciprocal(0j) is nan+nanj where 1 / 0j (and torch's) is inf+nanj
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for op in ("reciprocal", "rsqrt"):
            v = getattr(Tensor(np.array([0j, 2 + 0j])), op)().data
            assert np.isposinf(v[0].real) and np.isnan(v[0].imag), (op, v)


REFUSED = {
    "lt": lambda x, m: x < 1, "ge": lambda x, m: 0 >= x, "max": lambda x, m: x.max(),
    "min": lambda x, m: x.min(), "argmax": lambda x, m: x.argmax(),
    "sort": lambda x, m: x.sort(), "argsort": lambda x, m: x.argsort(),
    "topk": lambda x, m: x.topk(1), "clamp": lambda x, m: x.clamp(0, 1),
    "clamp_": lambda x, m: x.clamp_(0), "maximum": lambda x, m: m.maximum(x, x),
    "minimum": lambda x, m: m.minimum(x, x), "relu": lambda x, m: x.relu(),
    "sign": lambda x, m: x.sign(), "cummax": lambda x, m: x.cummax(0),
    "isposinf": lambda x, m: x.isposinf(),
    "gelu": lambda x, m: functional_of(m).gelu(x), "elu": lambda x, m: functional_of(m).elu(x),
    "leaky_relu": lambda x, m: functional_of(m).leaky_relu(x),
    "hardtanh": lambda x, m: functional_of(m).hardtanh(x),
    "softplus": lambda x, m: functional_of(m).softplus(x),
    "mish": lambda x, m: functional_of(m).mish(x),
    "hardshrink": lambda x, m: functional_of(m).hardshrink(x),
    "threshold": lambda x, m: functional_of(m).threshold(x, 0.5, 0.0),
    "fmax": lambda x, m: m.fmax(x, x), "heaviside": lambda x, m: m.heaviside(x, x),
    "median": lambda x, m: x.median(), "mse_loss": lambda x, m: functional_of(m).mse_loss(x, x * 2),
    "cosine_similarity": lambda x, m: functional_of(m).cosine_similarity(x, x, 0),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (inf + 0j in x * 2 and x - y)
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_ordering_ops_of_complex_are_refused_as_torch(name):
    # they ordered complex numbers lexicographically (NumPy's rule: max of [1+2j, 3-1j] was
    # 3-1j; elu, hardtanh, ... took x > 0 so), gelu and softplus dropped the imaginary part,
    # isposinf said False for inf+0j, mse_loss was a complex mean of (x - y)^2
    a = np.array([1 + 2j, 3 - 1j, np.inf + 0j])
    with pytest.raises((RuntimeError, NotImplementedError)):
        REFUSED[name](torch.tensor(a), torch)
    with pytest.raises(TypeError) as e:
        REFUSED[name](Tensor(a), tg)
    msg = str(e.value)
    assert "\n" not in msg and "complex" in msg


def test_sgn_of_complex_is_z_over_abs_z():
    a = Z.astype(np.complex64)
    _same(Tensor(a).sgn().data, torch.tensor(a).sgn().numpy(), 1e-6)


def test_log1p_of_small_complex_keeps_its_digits():
    # NumPy's complex log1p is log(1 + z): the real part of log1p(1e-10+1e-10j) was 8e-8 off
    # in complex128 and 0 (every digit lost) in complex64; now torch's formula (mpmath: exact)
    z = np.array([1e-10 + 1e-10j, 1e-20 + 1e-5j, -1e-8 + 0j, 3e-3 - 2e-3j, NZ])
    exact = np.array([1e-10 + 9.999999999e-11j, 5.000000000750001e-11 + 9.999999999666668e-06j,
                      -1.0000000050000001e-08 + 0j,
                      0.0029974970296309388 - 0.0019940153033578705j, np.log(2) - np.pi * 1j])
    for dtype, rtol in ((np.complex128, 1e-10), (np.complex64, 1e-6)):
        a = z.astype(dtype)
        ours = Tensor(a).log1p().data
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours.real, exact.real, rtol=rtol)
        np.testing.assert_allclose(ours.imag, exact.imag, rtol=rtol)
        _same(ours, torch.tensor(a).log1p().numpy(), rtol)


def test_complex_polar_view_as_real_view_as_complex_and_conj_physical_as_torch():
    # torch computes them; tinygrad_dl had none of the five (AttributeError)
    rng = np.random.default_rng(0)
    re, im = rng.standard_normal((2, 3)), rng.standard_normal(3)
    for dt in (np.float32, np.float64):
        a, b = re.astype(dt), im.astype(dt)
        for name in ("complex", "polar"):
            ours = getattr(tg, name)(Tensor(a), Tensor(b)).data
            _same(ours, getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy(), 1e-6)
    z = np.array([[1 + 2j, -0.5j, 3 + 0j], [NZ, 2 - 2j, 0j]])
    x, xt = Tensor(z.copy()), torch.tensor(z.copy())
    np.testing.assert_array_equal(x.conj_physical().data, xt.conj_physical().numpy())
    v, vt = tg.view_as_real(x.T), torch.view_as_real(xt.T)  # (a transposed view too)
    np.testing.assert_array_equal(v.data, vt.numpy())
    v[1, 0, 1] = 7.0  # a view: the write reaches x, as torch's
    vt[1, 0, 1] = 7.0
    np.testing.assert_array_equal(x.data, xt.numpy())
    f = np.arange(12.0).reshape(2, 6)
    y, yt = Tensor(f.copy()), torch.tensor(f.copy())
    c, ct = tg.view_as_complex(y.reshape(2, 3, 2)), torch.view_as_complex(yt.reshape(2, 3, 2))
    np.testing.assert_array_equal(c.data, ct.numpy())
    c[0, 1] = 100 - 1j
    ct[0, 1] = 100 - 1j
    np.testing.assert_array_equal(y.data, yt.numpy())
    for bad in (lambda m, t: m.view_as_complex(t), lambda m, t: m.view_as_real(t)):
        with pytest.raises(RuntimeError):
            bad(torch, torch.ones(2, 3))
        with pytest.raises(RuntimeError, match="view_as_"):
            bad(tg, tg.ones(2, 3))
    every_other_row = (slice(None, None, 2), slice(0, 2))  # (a stride of 12 entries: a view)
    np.testing.assert_array_equal(tg.view_as_complex(y[every_other_row]).data,
                                  torch.view_as_complex(yt[every_other_row]).numpy())
    for index, why in (((slice(None), slice(1, 3)), "storage_offset divisible by 2"),
                       ((slice(None), slice(0, 3, 2)), "last dimension with stride 1")):
        for m, t in ((torch, yt), (tg, y)):
            with pytest.raises(RuntimeError, match=why):
                m.view_as_complex(t[index])
    with pytest.raises(TypeError, match="complex: expects two tensors of one dtype"):
        tg.complex(Tensor(re), Tensor(im.astype(np.float32)))


def test_linalg_norms_of_complex_are_real_as_torch():
    # linalg.vector_norm, matrix_norm and norm refused a complex tensor ("expects a
    # floating-point tensor") where x.norm() took it and torch computes them
    a = np.random.default_rng(1).standard_normal((3, 4, 2)) @ np.array([1, 1j])
    for dt, rtol in ((np.complex64, 1e-6), (np.complex128, 1e-12)):
        x, xt = Tensor(a.astype(dt)), torch.tensor(a.astype(dt))
        for f, kw in (("vector_norm", {}), ("vector_norm", {"ord": 1, "dim": 1}),
                      ("vector_norm", {"ord": 3.5, "dim": 0, "keepdim": True}),
                      ("vector_norm", {"ord": float("inf")}), ("norm", {"dim": 1}),
                      ("norm", {}), ("matrix_norm", {}), ("matrix_norm", {"ord": 1}),
                      ("norm", {"ord": -float("inf")})):
            _same(getattr(tg.linalg, f)(x, **kw).data, getattr(torch.linalg, f)(xt, **kw).numpy(),
                  rtol)
    with pytest.raises(TypeError, match="dtype= of a complex input"):
        tg.linalg.vector_norm(x, dtype=np.float64)  # (it would drop the imaginary part)
