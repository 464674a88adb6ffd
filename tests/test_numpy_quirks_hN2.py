"""NumPy quirks that gave a wrong number without a word (helper hN2's review): float16's sums
of squares overflow past 256 inside norms and normalizations (torch computes them in float32
and rounds once), and a complex gradient handed to backward() lost its imaginary part with
only NumPy's ComplexWarning."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F
from tinygrad_dl import Tensor

# entries of a few hundred: finite in float16, their squares (90000) are not
X16 = (np.random.default_rng(0).standard_normal((4, 6, 50)) * 300).astype(np.float16)


def _f32(fn, x):
    """fn in float32 rounded to float16: what torch's float16 kernels give."""
    return fn(Tensor(x.astype(np.float32))).numpy().astype(np.float16)


@pytest.mark.parametrize("name, fn", [
    ("norm", lambda t: t.norm()),
    ("norm axis", lambda t: t.norm(axis=-1)),
    ("vector_norm p=3", lambda t: tg.linalg.vector_norm(t, 3, dim=-1)),
    ("dist", lambda t: tg.dist(t, t * 0)),
    ("cosine_similarity", lambda t: F.cosine_similarity(t, t * 0.5, dim=-1)),
    ("normalize", lambda t: F.normalize(t, dim=-1)),
    ("layer_norm", lambda t: F.layer_norm(t, t.shape[-1:])),
    ("rms_norm", lambda t: F.rms_norm(t, t.shape[-1:])),
    ("group_norm", lambda t: F.group_norm(t, 2)),
])
def test_float16_norms_in_float32(name, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (the overflow it used to be)
        out = fn(Tensor(X16))
    assert out.dtype == np.float16
    want = _f32(fn, X16)
    assert np.isfinite(out.numpy()).all(), name
    np.testing.assert_allclose(out.numpy().astype(np.float64), want.astype(np.float64),
                               rtol=2e-3, atol=2e-3)


def test_float16_norm_of_ten_600s():
    # sqrt(10 * 600^2) = 1897.4; float16's sum of squares was inf
    assert float(Tensor(np.full(10, 600.0, np.float16)).norm().item()) == pytest.approx(
        1897.0, abs=1.0)


@pytest.mark.parametrize("name, fn", [
    ("norm", lambda t: t.norm(axis=-1)),
    ("vector_norm p=3", lambda t: tg.linalg.vector_norm(t, 3, dim=-1)),
    ("layer_norm", lambda t: F.layer_norm(t, t.shape[-1:])),
    ("rms_norm", lambda t: F.rms_norm(t, t.shape[-1:])),
])
def test_float16_norm_gradients(name, fn):
    w = np.random.default_rng(1).standard_normal(fn(Tensor(X16)).shape).astype(np.float16)
    x = Tensor(X16.copy(), requires_grad=True)
    (fn(x) * Tensor(w)).sum().backward()
    assert x.grad.dtype == np.float16
    x32 = Tensor(X16.astype(np.float32), requires_grad=True)
    (fn(x32) * Tensor(w.astype(np.float32))).sum().backward()
    np.testing.assert_allclose(x.grad.astype(np.float64), x32.grad.astype(np.float64),
                               rtol=1e-2, atol=1e-5)


def test_float16_batchnorm_in_float32():
    x16 = X16.reshape(-1, 50)[:8] + np.float16(0)  # (8, 50)
    m = tg.nn.BatchNorm1d(50).half()
    m32 = tg.nn.BatchNorm1d(50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x = Tensor(x16.copy(), requires_grad=True)
        out = m(x)
    x32 = Tensor(x16.astype(np.float32), requires_grad=True)
    out32 = m32(x32)
    assert out.dtype == np.float16 and np.isfinite(out.numpy()).all()
    np.testing.assert_allclose(out.numpy().astype(np.float64), out32.numpy(), atol=5e-3)
    w = np.random.default_rng(2).standard_normal(out.shape)
    (out * Tensor(w.astype(np.float16))).sum().backward()
    (out32 * Tensor(w.astype(np.float32))).sum().backward()
    assert x.grad.dtype == np.float16 and m.weight.grad.dtype == np.float16
    np.testing.assert_allclose(x.grad.astype(np.float64), x32.grad, rtol=2e-2, atol=1e-5)
    np.testing.assert_allclose(m.weight.grad.astype(np.float64), m32.weight.grad,
                               rtol=2e-2, atol=2e-2)


def test_float16_against_torch():
    torch = pytest.importorskip("torch")
    X = torch.from_numpy(X16)
    pairs = [(Tensor(X16).norm().numpy(), X.norm()),
             (F.layer_norm(Tensor(X16), (50,)).numpy(),
              torch.nn.functional.layer_norm(X, (50,))),
             (F.cosine_similarity(Tensor(X16), Tensor(X16), dim=-1).numpy(),
              torch.nn.functional.cosine_similarity(X, X, dim=-1))]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.astype(np.float64), theirs.numpy().astype(np.float64),
                                   rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("g", [np.array([1 + 2j, 3 + 4j]), [1j, 2.0], Tensor(np.ones(2) * 1j)],
                         ids=["array", "list", "tensor"])
def test_complex_gradient_for_real_tensor_refused(g):
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="complex gradient for a float64 tensor"):
        (x * 2).backward(g)
    assert x.grad is None


def test_real_gradient_still_cast():
    x = Tensor(np.ones(2), requires_grad=True)
    (x * 2).backward(np.ones(2, np.float32))  # (another real dtype is cast, as torch's)
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


# ---- second review (hN2's reviewer) ----------------------------------------------------------
def test_int16_batch_norm_is_not_truncated_to_int16():
    # the float16 path keyed on a 2-byte itemsize: int16 rows came back as int16 (0, 1)
    x = np.array([[1, 2], [4, 7], [0, 3]], np.int16)
    out = F.batch_norm(Tensor(x), Tensor(np.ones(2)), Tensor(np.zeros(2)), eps=1e-5)
    want = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12)


@pytest.mark.parametrize("name, fn", [
    ("layer_norm", lambda t: F.layer_norm(t, (10,))),
    ("rms_norm", lambda t: F.rms_norm(t, (10,))),
])
def test_big_endian_float16_is_computed_in_float32(name, fn):
    # a '>f2' array is refused by Tensor() (torch's rule: tensors hold the native byte order,
    # tests/test_tensor_dtypes_hA.py); the conversion its message names is float16's result
    x = np.linspace(300, 900, 30).reshape(3, 10)  # squares past float16's range
    big = x.astype(">f2")
    with pytest.raises(ValueError, match="non-native byte order"):
        Tensor(big)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = fn(Tensor(big.astype(big.dtype.newbyteorder("=")))).numpy()
    want = fn(Tensor(x.astype(np.float16))).numpy()
    assert np.isfinite(got).all() and np.array_equal(got.astype(np.float16), want), name


def _affine(name, x, w, b):
    if name == "layer_norm":
        return F.layer_norm(x, (16,), w, b)
    return F.rms_norm(x, (16,), w, eps=float(np.finfo(np.float16).eps))


@pytest.mark.parametrize("name", ["layer_norm", "rms_norm"])
def test_float16_weight_and_bias_applied_before_the_one_rounding(name):
    # torch rounds once, after weight and bias: rounding before them was an ulp off in a
    # quarter of the entries
    rng = np.random.default_rng(3)
    x, w, b = ((rng.standard_normal(s) * k).astype(np.float16)
               for s, k in (((4, 5, 16), 300), (16, 1), (16, 1)))
    got = _affine(name, Tensor(x), Tensor(w), Tensor(b))
    want = _affine(name, *(Tensor(a.astype(np.float32)) for a in (x, w, b)))
    assert got.dtype == np.float16
    assert np.array_equal(got.numpy(), want.numpy().astype(np.float16))
    xt, wt, bt = (Tensor(a.copy(), requires_grad=True) for a in (x, w, b))
    _affine(name, xt, wt, bt).sum().backward()
    assert xt.grad.dtype == wt.grad.dtype == np.float16
    torch = pytest.importorskip("torch")
    tx, tw, tb = (torch.from_numpy(a) for a in (x, w, b))
    theirs = (torch.nn.functional.layer_norm(tx, (16,), tw, tb) if name == "layer_norm" else
              torch.nn.functional.rms_norm(tx, (16,), tw))
    assert np.array_equal(got.numpy(), theirs.numpy())


@pytest.mark.parametrize("momentum", [0.1, None])
def test_float16_running_statistics_rounded_once(momentum):
    # torch's a * running + (1 - a) * batch in float32, stored once; rm *= a; rm += ...
    # rounded twice (an ulp off, batch after batch)
    rng = np.random.default_rng(4)
    m = tg.nn.BatchNorm1d(6, momentum=momentum).half()
    rm = rv = None
    for k in range(6):
        x = (rng.standard_normal((8, 6)) * 20 + k).astype(np.float16)
        m(Tensor(x))
        x32 = x.astype(np.float32)
        mu = np.add.reduce(x32, axis=0) / np.float32(8)
        var = np.einsum("ij,ij->j", x32 - mu, x32 - mu) / np.float32(8)
        if rm is None:
            rm, rv = mu.astype(np.float16), var.astype(np.float16)
        else:
            a = 0.9 if momentum else 1.0 - 1.0 / (k + 1)
            rm = (a * rm.astype(np.float32) + (1.0 - a) * mu).astype(np.float16)
            rv = (a * rv.astype(np.float32) + (1.0 - a) * var).astype(np.float16)
    assert m.running_mean.dtype == m.running_var.dtype == np.float16
    assert np.array_equal(m.running_mean, rm) and np.array_equal(m.running_var, rv)


def test_complex_gradient_is_torchs_runtime_error():
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^backward\(\): a complex gradient[^\n]*$"):
        (x * 2).backward(np.complex64(1j) * np.ones(2, np.complex64))


def test_tensor_gradient_inside_a_jit_step_still_replays():
    # the complex check read a Tensor gradient with np.iscomplexobj: a data read that made
    # every step calling backward(Tensor) run eagerly (strict: JitError)
    jit = pytest.importorskip("tinygrad_dl.jit").jit
    w = Tensor(np.ones(3), requires_grad=True)
    seed = Tensor(np.array(2.0))

    def step(X):
        (Tensor(X) * w).sum().backward(seed)

    f = jit(step, strict=True)
    for k in range(4):
        w.grad = None
        f(np.full(3, float(k)))
        assert np.array_equal(w.grad, np.full(3, 2.0 * k))
    assert f.replays >= 1


def test_float16_step_replays_bit_identical():
    jit = pytest.importorskip("tinygrad_dl.jit").jit
    rng = np.random.default_rng(5)

    def make():
        bn = tg.nn.BatchNorm1d(8).half()
        ln = tg.nn.LayerNorm(8).half()
        return bn, ln, [bn.weight, bn.bias, ln.weight, ln.bias]

    def step_of(bn, ln):
        def step(X):
            h = ln(bn(Tensor(X)))
            (h.norm(axis=1).sum() + F.rms_norm(h, (8,)).sum()).backward()
        return step

    runs = []
    for use_jit in (False, True):
        bn, ln, ps = make()
        f = jit(step_of(bn, ln), strict=True) if use_jit else step_of(bn, ln)
        log = []
        for X in (rng.standard_normal((6, 8)) * 200 for _ in range(4)):
            for p in ps:
                p.grad = None
            f(X.astype(np.float16))
            log += [p.grad.copy() for p in ps] + [bn.running_mean.copy(), bn.running_var.copy()]
        runs.append(log)
        rng = np.random.default_rng(5)
    assert all(a.dtype == b.dtype == np.float16 and a.tobytes() == b.tobytes()
               for a, b in zip(*runs))
