"""torch.special (tinygrad_dl.special) and the special-function Tensor methods: values and
gradients against PyTorch 2.13 in float64 over random and edge inputs, float32, and accuracy
sweeps in ulps against mpmath (50 digits) for the functions computed here (ops/special_math.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.special as S
from tinygrad_dl import Tensor

RNG = np.random.default_rng(7)


def _mixed(n: int, lo: float, hi: float, log_lo: float = -8.0, log_hi: float = 3.0,
           signed: bool = True) -> np.ndarray:
    """Uniform points in [lo, hi] and log-uniform magnitudes in [e^log_lo, e^log_hi]."""
    mags = np.exp(RNG.uniform(log_lo, log_hi, n))
    if signed:
        mags = mags * RNG.choice([-1.0, 1.0], n)
    return np.concatenate([RNG.uniform(lo, hi, n), mags])


def _off_integers(x: np.ndarray, margin: float = 1e-3) -> np.ndarray:
    return x[(x > 0) | (np.abs(x - np.round(x)) > margin)]


# name -> (our function, torch's, inputs): values to rtol 1e-12, gradients to 1e-10 except
# where PyTorch's backward formula itself loses digits (GRAD_RTOL says how many, and why; the
# mpmath tests below check ours there to round-off)
GRAD_RTOL = {
    "digamma": 1e-9, "psi": 1e-9,  # PyTorch's trigamma: a short series, 5e-10
    "erfcx": 1e-6,  # 2x erfcx(x) - 2/sqrt(pi) cancels for large x (ours: its series)
    "log_ndtr": 1e-9,  # PyTorch's exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi)
    "expit": 1e-7, "expm1": 1e-7,  # PyTorch's s(1 - s) and out + 1 in the tails
    "sinc": 1e-9,  # PyTorch's (cos(pi x) - sinc(x)) / x cancels near 0
}
CASES = {
    "gammaln": (S.gammaln, "special.gammaln", _off_integers(_mixed(300, -6, 30), 0.05)),
    "digamma": (S.digamma, "special.digamma", _off_integers(_mixed(300, -6, 30), 0.05)),
    "psi": (S.psi, "special.psi", _mixed(300, 0.01, 30, signed=False)),
    "erfinv": (S.erfinv, "special.erfinv", RNG.uniform(-0.999, 0.999, 400)),
    "i0": (S.i0, "special.i0", _mixed(300, -30, 30)),
    "i0e": (S.i0e, "special.i0e", _mixed(300, -30, 30, log_hi=6)),
    "i1": (S.i1, "special.i1", _mixed(300, -30, 30)),
    "i1e": (S.i1e, "special.i1e", _mixed(300, -30, 30, log_hi=6)),
    # (below -3 PyTorch's (1 + erf(x/sqrt 2))/2 cancels; ours is checked against mpmath)
    "ndtr": (S.ndtr, "special.ndtr", _mixed(300, -3, 8, log_lo=-8, log_hi=1.09)),
    "ndtri": (S.ndtri, "special.ndtri", np.concatenate([RNG.uniform(0.001, 0.999, 300),
                                                        np.exp(RNG.uniform(-600, -1, 100))])),
    "log_ndtr": (S.log_ndtr, "special.log_ndtr", _mixed(300, -30, 10, log_hi=8)),
    "erfcx": (S.erfcx, "special.erfcx", _mixed(300, -5, 30, log_hi=10)),
    "entr": (S.entr, "special.entr", _mixed(300, 0.001, 10, signed=False)),
    "expit": (S.expit, "special.expit", _mixed(100, -20, 20)),
    "exp2": (S.exp2, "special.exp2", _mixed(100, -20, 20)),
    "expm1": (S.expm1, "special.expm1", _mixed(100, -20, 20)),
    "log1p": (S.log1p, "special.log1p", _mixed(100, -0.9, 20, signed=False)),
    "sinc": (S.sinc, "special.sinc", _mixed(100, -5, 5)),
    "erf": (S.erf, "special.erf", _mixed(100, -5, 5)),
    "erfc": (S.erfc, "special.erfc", _mixed(100, -5, 5)),
    "logit": (S.logit, "special.logit", RNG.uniform(0.01, 0.99, 100)),
}


def _torch_fn(T, path: str):
    obj = T
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_torch(name):
    T = pytest.importorskip("torch")
    ours, theirs, x = CASES[name]
    t = Tensor(x, requires_grad=True)
    out = ours(t)
    xt = T.tensor(x, requires_grad=True)
    ref = _torch_fn(T, theirs)(xt)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-300,
                               err_msg=f"{name}: values")
    out.backward(np.ones_like(out.data))
    ref.backward(T.ones_like(ref))
    np.testing.assert_allclose(t.grad, xt.grad.numpy(), rtol=GRAD_RTOL.get(name, 1e-10),
                               atol=1e-300, err_msg=f"{name}: gradients")


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6])
def test_polygamma_matches_torch(n):
    T = pytest.importorskip("torch")
    x = _off_integers(_mixed(200, -4, 20, log_lo=-3), 0.05)
    t = Tensor(x, requires_grad=True)
    out = S.polygamma(n, t)
    xt = T.tensor(x, requires_grad=True)
    ref = T.special.polygamma(n, xt)
    # (PyTorch's trigamma, n = 1 and digamma's gradient, is a short series: 5e-10)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-9 if n == 1 else 1e-11)
    out.backward(np.ones_like(out.data))
    ref.backward(T.ones_like(ref))
    np.testing.assert_allclose(t.grad, xt.grad.numpy(), rtol=1e-9 if n == 0 else 1e-10)
    np.testing.assert_array_equal(t.polygamma(n).data, out.data)  # the method spelling


@pytest.mark.parametrize("p", [1, 2, 4])
def test_multigammaln_and_mvlgamma_match_torch(p):
    T = pytest.importorskip("torch")
    x = RNG.uniform((p - 1) / 2 + 0.05, 20, (3, 5))
    t = Tensor(x, requires_grad=True)
    out = S.multigammaln(t, p)
    xt = T.tensor(x, requires_grad=True)
    ref = T.special.multigammaln(xt, p)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    out.backward(np.ones_like(out.data))
    ref.backward(T.ones_like(ref))
    np.testing.assert_allclose(t.grad, xt.grad.numpy(), rtol=1e-10)
    np.testing.assert_array_equal(tg.mvlgamma(x, p).data, out.data)


def test_binary_and_reductions_match_torch():
    T = pytest.importorskip("torch")
    x, y = RNG.uniform(-2, 3, (4, 5)), RNG.uniform(-0.9, 4, (5,))
    x[0, :2] = 0.0
    for ours, theirs in ((S.xlog1py, T.special.xlog1py), (S.xlogy, T.special.xlogy)):
        yy = np.abs(y) if ours is S.xlogy else y
        a, b = Tensor(x, requires_grad=True), Tensor(yy, requires_grad=True)
        out = ours(a, b)
        at, bt = T.tensor(x, requires_grad=True), T.tensor(yy, requires_grad=True)
        ref = theirs(at, bt)
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
        out.backward(np.ones_like(out.data))
        ref.backward(T.ones_like(ref))
        np.testing.assert_allclose(a.grad, at.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(b.grad, bt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(S.xlog1py(2.0, Tensor(y)).data, T.special.xlog1py(
        2.0, T.tensor(y)).numpy(), rtol=1e-12)
    xt = T.tensor(x)
    np.testing.assert_allclose(S.softmax(x, 1).data, T.special.softmax(xt, 1).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(S.log_softmax(x, 0).data, T.special.log_softmax(xt, 0).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(S.logsumexp(x, 1, keepdim=True).data,
                               T.special.logsumexp(xt, 1, keepdim=True).numpy(), rtol=1e-12)
    assert S.softmax(x, -1, dtype=tg.float32).dtype == np.float32
    np.testing.assert_array_equal(S.round(x * 3).data, T.special.round(xt * 3).numpy())


# ---- accuracy in ulps against mpmath ------------------------------------------------------------
def _ulps(got: np.ndarray, exact: np.ndarray) -> float:
    spacing = np.spacing(np.abs(exact))
    return float(np.max(np.abs(got - exact) / spacing))


def _sweep(fn, mfn, x: np.ndarray) -> float:
    mp = pytest.importorskip("mpmath")
    with mp.workdps(50):
        exact = np.array([float(mfn(mp, mp.mpf(float(v)))) for v in x])
        return _ulps(fn(x).data, exact)


SWEEPS = {  # name: (function, mpmath's, inputs, measured max ulps: the bound asserted)
    "lgamma x > 0": (tg.lgamma, lambda mp, v: mp.loggamma(v), _mixed(150, 0, 4, -30, 200,
                                                                         signed=False), 2),
    "digamma x > 0": (tg.digamma, lambda mp, v: mp.digamma(v),
                      np.concatenate([_mixed(100, 0, 12, -30, 100, signed=False),
                                      RNG.uniform(1.45, 1.48, 50)]), 4),
    "polygamma(3) x > 0": (lambda x: tg.polygamma(3, x), lambda mp, v: mp.polygamma(3, v),
                           _mixed(100, 0, 12, -5, 30, signed=False), 5),
    "erfinv": (tg.erfinv, lambda mp, v: mp.erfinv(v),
               np.concatenate([RNG.uniform(-1, 1, 150), 1 - np.exp(RNG.uniform(-36, -1, 50)),
                               np.exp(RNG.uniform(-700, -1, 50))]), 2),
    "ndtri tail": (S.ndtri, lambda mp, v: -mp.sqrt(2) * mp.erfinv(1 - 2 * v),
                   np.exp(RNG.uniform(-40, -1, 100)), 3),
    "erfcx": (S.erfcx, lambda mp, v: mp.exp(v * v) * mp.erfc(v) if v < 1e6 else
              (1 - 1 / (2 * v * v) + 3 / (4 * v**4)) / (v * mp.sqrt(mp.pi)),
              np.concatenate([RNG.uniform(-26, 30, 150), np.exp(RNG.uniform(3, 600, 50))]), 6),
    "ndtr left tail": (S.ndtr, lambda mp, v: mp.ncdf(v), -np.exp(RNG.uniform(0, 3.6, 100)), 6),
    "log_ndtr": (S.log_ndtr, lambda mp, v: mp.log(mp.ncdf(v)) if v < 0 else
                 mp.log1p(-mp.ncdf(-v)), np.concatenate([RNG.uniform(-40, 30, 150),
                                                         -np.exp(RNG.uniform(0, 11, 50))]), 3),
    "i0": (tg.i0, lambda mp, v: mp.besseli(0, v), _mixed(100, -30, 30, -20, 6.5), 6),
    "i0e": (S.i0e, lambda mp, v: mp.besseli(0, v) * mp.exp(-abs(v)), _mixed(100, -30, 30), 8),
    "i1": (S.i1, lambda mp, v: mp.besseli(1, v), _mixed(100, -30, 30, -20, 6.5), 8),
    "i1e": (S.i1e, lambda mp, v: mp.besseli(1, v) * mp.exp(-abs(v)), _mixed(100, -30, 30), 8),
}


@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_accuracy_in_ulps_against_mpmath(name):
    fn, mfn, x, bound = SWEEPS[name]
    assert _sweep(fn, mfn, x) <= bound


def test_lgamma_within_two_ulps_on_a_wide_sweep():
    """3000 points against mpmath: every branch of fdlibm's (the boundaries 0.23164, 0.7316,
    0.9, 1.23164, 1.7316, 2 and 8 included). Python's math.lgamma (glibc's) is no oracle here:
    it is off by up to 14 ulps near 3 and by hundreds next to the zeros 1 and 2."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(30):
        edges = np.array([0.23164, 0.7316, 0.9, 1.0, 1.23164, 1.7316, 2.0, 8.0])
        x = np.concatenate([_mixed(1000, 0, 10, -45, 690, signed=False),
                            (edges[:, None] + RNG.uniform(-1e-3, 1e-3, (8, 100))).ravel()])
        exact = np.array([float(mp.loggamma(mp.mpf(float(v)))) for v in x])
        ulps = np.abs(tg.lgamma(x).data - exact) / np.spacing(np.abs(exact))
        assert ulps.max() <= 2.0


@pytest.mark.parametrize("name", ["trigamma", "erfcx'", "log_ndtr'", "erfinv'", "i1'"])
def test_gradients_against_mpmath(name):
    """The backward formulas, to round-off (where PyTorch's lose digits: GRAD_RTOL)."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(50):
        fn, dfn, x = {
            "trigamma": (tg.digamma, lambda v: mp.polygamma(1, v), _mixed(100, 0, 10, -5, 20,
                                                                           signed=False)),
            "erfcx'": (S.erfcx, lambda v: mp.diff(lambda u: mp.exp(u * u) * mp.erfc(u), v),
                       RNG.uniform(-5, 60, 60)),
            "log_ndtr'": (S.log_ndtr, lambda v: mp.npdf(v) / mp.ncdf(v), RNG.uniform(-60, 8, 60)),
            "erfinv'": (tg.erfinv, lambda v: mp.sqrt(mp.pi) / 2 * mp.exp(mp.erfinv(v) ** 2),
                        RNG.uniform(-0.999, 0.999, 60)),
            "i1'": (S.i1, lambda v: mp.besseli(0, v) - mp.besseli(1, v) / v,
                    RNG.uniform(-20, 20, 60)),
        }[name]
        t = Tensor(x, requires_grad=True)
        fn(t).sum().backward()
        exact = np.array([float(dfn(mp.mpf(float(v)))) for v in x])
        np.testing.assert_allclose(t.grad, exact, rtol=5e-14 if name == "erfcx'" else 1e-14)


def test_negative_arguments_agree_with_mpmath_absolutely():
    """For x < 0 the reflection's subtraction loses relative digits only next to the functions'
    zeros; in absolute terms (scaled by the terms subtracted) it stays at round-off."""
    mp = pytest.importorskip("mpmath")
    x = _off_integers(-RNG.uniform(0, 8, 200), 1e-2)
    for fn, mfn in ((tg.lgamma, lambda v: mp.log(abs(mp.gamma(v)))), (tg.digamma, mp.digamma)):
        with mp.workdps(50):  # (the 50 digits it had from the test before it, set globally)
            exact = np.array([float(mfn(mp.mpf(float(v)))) for v in x])
        scale = np.maximum(np.abs(exact), np.abs(fn(1 - x).data)) + 1.0
        assert np.max(np.abs(fn(x).data - exact) / scale) < 2e-15


# ---- edges, float32, dtypes, the namespace ------------------------------------------------
def test_poles_and_infinities():
    inf, nan = np.inf, np.nan
    np.testing.assert_array_equal(tg.lgamma(np.array([0.0, -0.0, -3.0, -inf, inf])).data, inf)
    np.testing.assert_array_equal(tg.digamma(np.array([0.0, -0.0, -3.0, -inf, inf])).data,
                                  [-inf, inf, nan, nan, inf])
    np.testing.assert_array_equal(tg.polygamma(2, np.array([0.0, -2.0, inf])).data,
                                  [-inf, -inf, -0.0])
    np.testing.assert_array_equal(tg.erfinv(np.array([1.0, -1.0, 1.5, nan])).data,
                                  [inf, -inf, nan, nan])
    np.testing.assert_array_equal(S.ndtri(np.array([0.0, 1.0, -0.5, 2.0])).data,
                                  [-inf, inf, nan, nan])
    assert S.log_ndtr(np.array(-1e5)).item() == pytest.approx(-5000000012.431864, rel=1e-15)
    assert S.erfcx(np.array(1e300)).item() == pytest.approx(5.641895835477563e-301, rel=1e-15)
    assert S.ndtr(np.array(-38.0)).item() == pytest.approx(2.8854604e-316, rel=1e-6)


def test_float32_is_float64_rounded_once():
    x64 = np.concatenate([RNG.uniform(0.05, 6, 200), RNG.uniform(-0.99, 0.99, 200)])
    x32 = x64.astype(np.float32)
    for fn in (tg.lgamma, tg.digamma, tg.i0, S.i0e, S.i1, S.i1e, S.ndtr, S.log_ndtr, S.erfcx,
               S.entr, lambda x: tg.polygamma(2, x)):
        got = fn(x32[:200]).data
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, fn(x32[:200].astype(np.float64)).data
                                      .astype(np.float32))
    got = tg.erfinv(x32[200:])
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.data, tg.erfinv(x32[200:].astype(np.float64)).data
                                  .astype(np.float32))
    t = Tensor(x32[:5], requires_grad=True)
    t.lgamma().sum().backward()
    assert t.grad.dtype == np.float32


def test_integer_inputs_give_float64_and_empty_stays_empty():
    assert tg.lgamma(np.array([1, 2, 3])).dtype == np.float64
    assert S.ndtr(np.array([True, False])).dtype == np.float64
    assert S.i1(np.zeros((2, 0))).shape == (2, 0)
    assert tg.polygamma(1, np.zeros((0, 3))).shape == (0, 3)


def test_refusals_are_one_line():
    with pytest.raises(ValueError, match="polygamma: n must be >= 0, got -1"):
        Tensor([1.0]).polygamma(-1)
    with pytest.raises(TypeError, match="polygamma: n must be an int, got float"):
        S.polygamma(1.0, Tensor([1.0]))
    with pytest.raises(TypeError, match="mvlgamma: p must be an int, got bool"):
        Tensor([1.0]).mvlgamma(True)
    with pytest.raises(TypeError, match="complex input"):
        tg.lgamma(np.array([1j]))


def test_namespace_is_torch_specials_names_we_provide():
    T = pytest.importorskip("torch")
    assert tg.special is S
    assert set(S.__all__) <= set(dir(T.special))
    for name in S.__all__:
        assert callable(getattr(S, name)), name
    for absent in ("zeta", "bessel_j0", "airy_ai", "spherical_bessel_j0"):
        assert not hasattr(S, absent)  # absent, not approximated
    assert S.psi is S.digamma
    assert tg.ndtr is S.ndtr and tg.xlog1py is S.xlog1py and tg.polygamma is S.polygamma


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_gammainc_gammaincc_as_torch_special(name):
    T = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = rng.uniform(0.1, 8.0, (4, 5))
    x = rng.uniform(0.0, 12.0, (4, 5))
    xt = T.tensor(x, requires_grad=True)
    want = getattr(T.special, name)(T.tensor(a), xt)
    want.sum().backward()
    xo = Tensor(x, requires_grad=True)
    got = getattr(S, name)(a, xo)
    got.sum().backward()
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-14)
    with pytest.raises(RuntimeError, match="derivative for 'self' \\(a\\) is not implemented"):
        getattr(S, name)(Tensor(a, requires_grad=True), x).sum().backward()
