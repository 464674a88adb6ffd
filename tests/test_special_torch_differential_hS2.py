"""torch.special and the elementwise math functions against torch 2.13 (a seeded subset of
helper hS2's hunt: ~15,000 calls against torch, ~25,000 points against mpmath): values, dtypes,
shapes and every differentiable input's gradient, on domains where torch is exact to 1e-10
(1e-8 where docs/pytorch.md says torch's own series lose digits: trigamma, polygamma, erfcx's
and log_ndtr's slopes, the incomplete gamma), plus one named regression test per bug the hunt
found (exact values from mpmath at 50+ digits, written out)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.special as S

torch = pytest.importorskip("torch")

_TORCH_DT = {np.float32: torch.float32, np.float64: torch.float64}


def _ulps(got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    got, exact = np.asarray(got, np.float64), np.asarray(exact, np.float64)
    return np.abs(got - exact) / np.maximum(np.spacing(np.abs(exact)), 5e-324)


def _grad(f, x, dtype=np.float64):
    t = tg.tensor(np.array(x, dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = f(t)
        y.sum().backward()
    return np.asarray(y.data), np.asarray(t.grad)


# ---- the differential subset ---------------------------------------------------------------
# name: (ours, torch's, the domain drawn from, rtol of the values, rtol of the gradients)
UNARY = {
    "erf": (S.erf, torch.special.erf, (-6, 6), 1e-10, 1e-10),
    "erfc": (S.erfc, torch.special.erfc, (-6, 9), 1e-10, 1e-10),
    "erfcx": (S.erfcx, torch.special.erfcx, (-5, 30), 1e-10, 1e-8),
    "erfinv": (S.erfinv, torch.special.erfinv, (-0.999, 0.999), 1e-10, 1e-10),
    "ndtr": (S.ndtr, torch.special.ndtr, (-4, 8), 1e-10, 1e-10),
    "ndtri": (S.ndtri, torch.special.ndtri, (1e-6, 1 - 1e-6), 1e-10, 1e-10),
    "log_ndtr": (S.log_ndtr, torch.special.log_ndtr, (-30, 8), 1e-10, 1e-8),
    "i0": (S.i0, torch.special.i0, (-30, 30), 1e-10, 1e-10),
    "i0e": (S.i0e, torch.special.i0e, (-30, 30), 1e-10, 1e-10),
    "i1": (S.i1, torch.special.i1, (-30, 30), 1e-10, 1e-10),
    "i1e": (S.i1e, torch.special.i1e, (-30, 30), 1e-10, 1e-9),
    "sinc": (S.sinc, torch.special.sinc, (-5, 5), 1e-10, 1e-9),
    "entr": (S.entr, torch.special.entr, (1e-3, 10), 1e-10, 1e-10),
    "expit": (S.expit, torch.special.expit, (-8, 8), 1e-10, 1e-10),  # (torch's s (1 - s))
    "log1p": (S.log1p, torch.special.log1p, (-0.9, 10), 1e-10, 1e-10),
    "expm1": (S.expm1, torch.special.expm1, (-5, 5), 1e-10, 1e-10),
    "exp2": (S.exp2, torch.special.exp2, (-50, 50), 1e-10, 1e-10),
    "logit": (S.logit, torch.special.logit, (0.01, 0.99), 1e-10, 1e-10),
    "logit eps": (lambda x: S.logit(x, 0.1), lambda x: torch.special.logit(x, 0.1), (-0.5, 1.5),
                  1e-10, 1e-10),
    "gammaln": (S.gammaln, torch.special.gammaln, (0.1, 20), 1e-10, 1e-8),
    "digamma": (S.digamma, torch.special.digamma, (0.1, 20), 1e-10, 1e-8),
    "psi": (S.psi, torch.special.psi, (0.1, 20), 1e-10, 1e-8),
    "polygamma 1": (lambda x: S.polygamma(1, x), lambda x: torch.special.polygamma(1, x),
                    (0.5, 20), 1e-8, 1e-8),
    "polygamma 3": (lambda x: S.polygamma(3, x), lambda x: torch.special.polygamma(3, x),
                    (0.5, 20), 1e-8, 1e-8),
    "multigammaln 3": (lambda x: S.multigammaln(x, 3), lambda x: torch.special.multigammaln(x, 3),
                       (1.5, 20), 1e-10, 1e-8),
    "round": (S.round, torch.special.round, (-50, 50), 0, None),
    "frac": (lambda x: x.frac(), torch.frac, (-50, 50), 1e-10, 1e-10),
    "trunc": (lambda x: x.trunc(), torch.trunc, (-50, 50), 0, None),
    "fix": (lambda x: x.fix(), torch.fix, (-50, 50), 0, None),
    "sgn": (lambda x: x.sgn(), torch.sgn, (-5, 5), 0, None),
    "signbit": (lambda x: x.signbit(), torch.signbit, (-5, 5), 0, None),
    "rad2deg": (lambda x: x.rad2deg(), torch.rad2deg, (-10, 10), 1e-12, 1e-12),
    "deg2rad": (lambda x: x.deg2rad(), torch.deg2rad, (-500, 500), 1e-12, 1e-12),
}

# float32 gradients where torch's float32 arithmetic loses more than 2e-5 (ours: float64, rounded)
F32_GRAD_RTOL = {"erfcx": 1e-3, "log_ndtr": 1e-3}
NO_INTEGERS = {"sinc"}  # (torch's sin(pi * x) is 3.9e-17 at the integers; ours 0)

BINARY = {  # name: (ours, torch's, x's domain, y's domain, rtol values, rtol grads, x gets one)
    "xlogy": (S.xlogy, torch.special.xlogy, (-5, 5), (0.01, 10), 1e-10, 1e-10, True),
    "xlog1py": (S.xlog1py, torch.special.xlog1py, (-5, 5), (-0.9, 10), 1e-10, 1e-10, True),
    "gammainc": (S.gammainc, torch.special.gammainc, (0.5, 20), (0.1, 30), 1e-9, 1e-8, False),
    "gammaincc": (S.gammaincc, torch.special.gammaincc, (0.5, 20), (0.1, 30), 1e-9, 1e-8, False),
    "hypot": (tg.hypot, torch.hypot, (-5, 5), (-5, 5), 1e-10, 1e-10, True),
    "atan2": (tg.atan2, torch.atan2, (-5, 5), (-5, 5), 1e-10, 1e-10, True),
    "logaddexp": (tg.logaddexp, torch.logaddexp, (-50, 50), (-50, 50), 1e-10, 1e-10, True),
    "logaddexp2": (tg.logaddexp2, torch.logaddexp2, (-50, 50), (-50, 50), 1e-10, 1e-10, True),
    "copysign": (tg.copysign, torch.copysign, (-5, 5), (-5, 5), 0, 0, True),
    "nextafter": (tg.nextafter, torch.nextafter, (-5, 5), (-5, 5), 0, 0, True),
    "float_power": (tg.float_power, torch.float_power, (0.1, 5), (-3, 3), 1e-10, 1e-10, True),
    "heaviside": (tg.heaviside, torch.heaviside, (-2, 2), (-2, 2), 0, None, True),
}


def _shape(rng) -> tuple[int, ...]:
    return [(), (0,), (5,), (3, 4), (2, 1, 3)][int(rng.integers(5))]


def _sample(rng, shape, lo, hi, integers=True) -> np.ndarray:
    x = rng.uniform(lo, hi, shape)
    if lo < 0 < hi and np.size(x) and integers:  # (a few exact zeros and integers: kinks, ties)
        x.flat[0] = 0.0 if rng.random() < 0.3 else np.round(x.flat[0])
    return x


def _check(ours, theirs, rtol, what, atol=1e-300):
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs torch {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} vs torch {theirs.dtype}"
    if ours.dtype == np.float32:  # (torch's float32 arithmetic: a few ulps, more at zeros)
        atol = 1e-6
    np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64), rtol=rtol,
                               atol=atol, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_torch(name, seed):
    ours, theirs, (lo, hi), rtol, grtol = UNARY[name]
    rng = np.random.default_rng([seed, len(name)])
    for _ in range(6):
        shape = _shape(rng)
        dt = np.float32 if rng.random() < 0.25 else np.float64
        x = _sample(rng, shape, lo, hi, name not in NO_INTEGERS).astype(dt)
        if rng.random() < 0.3 and x.ndim == 2:  # a transposed (non-contiguous) input
            x = x.T
        tx = torch.tensor(x, requires_grad=grtol is not None)
        ox = tg.tensor(x, requires_grad=grtol is not None)
        ty, oy = theirs(tx), ours(ox)
        f32 = dt == np.float32
        _check(np.asarray(oy.data), ty.detach().numpy(), 2e-5 if f32 and rtol else rtol,
               f"{name} {dt.__name__} {shape}")
        if grtol is None:
            continue
        w = rng.normal(size=x.shape).astype(dt)
        (ty * torch.tensor(w)).sum().backward()
        (oy * tg.tensor(w)).sum().backward()
        _check(np.asarray(ox.grad), tx.grad.numpy(), F32_GRAD_RTOL.get(name, 2e-5) if f32
               else grtol, f"{name} gradient {dt.__name__} {shape}")


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_matches_torch(name, seed):
    ours, theirs, (xlo, xhi), (ylo, yhi), rtol, grtol, x_grad = BINARY[name]
    rng = np.random.default_rng([seed, len(name), 7])
    for _ in range(6):
        sx, sy = [((), ()), ((4,), (4,)), ((3, 1), (4,)), ((1, 4), (3, 1)), ((2, 3), ())][
            int(rng.integers(5))]
        dt = np.float32 if rng.random() < 0.2 else np.float64
        x = _sample(rng, sx, xlo, xhi).astype(dt)
        y = _sample(rng, sy, ylo, yhi).astype(dt)
        diff = grtol is not None
        tx, ty = torch.tensor(x, requires_grad=diff and x_grad), torch.tensor(y, requires_grad=diff)
        ox, oy = tg.tensor(x, requires_grad=diff and x_grad), tg.tensor(y, requires_grad=diff)
        tz, oz = theirs(tx, ty), ours(ox, oy)
        f32 = dt == np.float32
        _check(np.asarray(oz.data), tz.detach().numpy(), 2e-5 if f32 and rtol else rtol,
               f"{name} {dt.__name__} {sx} {sy}")
        if not diff:
            continue
        w = rng.normal(size=np.shape(tz.detach().numpy())).astype(dt)
        (tz * torch.tensor(w)).sum().backward()
        (oz * tg.tensor(w)).sum().backward()
        for o, t, which in ((ox, tx, "x"), (oy, ty, "y")):
            if t.requires_grad:
                _check(np.asarray(o.grad), t.grad.numpy(), 2e-5 if f32 else grtol,
                       f"{name} gradient to {which} {dt.__name__} {sx} {sy}")


@pytest.mark.parametrize("seed", range(3))
def test_softmax_and_log_softmax_match_torch(seed):
    rng = np.random.default_rng(seed)
    for _ in range(8):
        shape = tuple(int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 4))))
        x = rng.normal(size=shape) * 10
        x.flat[0] = [-np.inf, 700.0, 0.0][int(rng.integers(3))]
        dim = int(rng.integers(-len(shape), len(shape)))
        dtype = [None, np.float64, np.float32][int(rng.integers(3))]
        for ours, theirs in ((S.softmax, torch.special.softmax),
                             (S.log_softmax, torch.special.log_softmax)):
            tx, ox = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
            tz = theirs(tx, dim, dtype=None if dtype is None else _TORCH_DT[dtype])
            oz = ours(ox, dim, dtype=dtype)
            rtol = 1e-10 if dtype is not np.float32 else 2e-5
            _check(np.asarray(oz.data), tz.detach().numpy(), rtol, f"{ours.__name__} {dim}")
            w = rng.normal(size=shape)
            (tz * torch.tensor(w, dtype=tz.dtype)).sum().backward()
            (oz * tg.tensor(w.astype(oz.dtype))).sum().backward()
            np.testing.assert_allclose(ox.grad, tx.grad.numpy(), rtol=rtol,
                                       atol=1e-6 if dtype is np.float32 else 1e-15)


def test_edge_values_match_torch():
    """0, -0.0, +-inf, NaN and each function's own edges, where torch's value is the exact one
    (torch's wrong ones are docs/pytorch.md's kept differences: i0(inf), trigamma's poles...)."""
    edges = {
        S.erf: [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, 6.0],
        S.erfc: [0.0, np.inf, -np.inf, np.nan, 27.3, -6.0],
        S.erfinv: [0.0, -0.0, 1.0, -1.0, 1.5, np.nan, 1e-300],
        S.ndtri: [0.0, 1.0, 0.5, -0.1, 1.1, np.nan],
        S.log_ndtr: [-np.inf, np.inf, np.nan, 0.0, -40.0, 38.0],
        S.entr: [0.0, -1.0, np.inf, np.nan],
        S.expit: [np.inf, -np.inf, np.nan, -700.0],
        S.logit: [0.0, 1.0, 0.5, np.nan],
        S.gammaln: [0.0, -1.0, np.inf, -np.inf, np.nan, 1.0, 2.0],
        S.digamma: [np.inf, np.nan, 1.0],
        S.i0e: [np.inf, -np.inf, np.nan, 0.0],
        S.i1e: [np.inf, -np.inf, np.nan, 0.0, -0.0],
        S.sinc: [0.0, np.nan, np.inf, -np.inf, 0.5],
        S.exp2: [-1075.0, 1024.0, np.nan],
        S.expm1: [-0.0, 710.0, -np.inf],
    }
    for f, v in edges.items():
        x = np.array(v)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ours = np.asarray(f(tg.tensor(x)).data)
        theirs = getattr(torch.special, f.__name__)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=4e-16, atol=0, err_msg=f.__name__)


# ---- the bugs the hunt found ----------------------------------------------------------------
def test_sinc_reduces_its_argument_exactly():
    """sinc rounded pi x first: 1e-6 off at 3 + 1e-10, 0.047 at 1e15 + 0.5, 0.44 at 2^52 - 0.5
    (torch's too), 3.9e-17 at 1 where it is 0; its slope 1.8e-16 at 2^52 - 0.5 for 1.6e-32."""
    x = [3 + 1e-10, 2.0**52 - 0.5, 1e15 + 0.5, -7.000001, 1000.3, 1.0, -3.0]
    val, slope = _grad(tg.sinc, x)
    assert _ulps(val[:5], [-3.333333609023459e-11, -7.067899292141149e-17,
                           3.183098861837905e-16, -1.428571224687158e-07,
                           0.0002574408751376739]).max() <= 2
    assert np.array_equal(val[5:], [0.0, 0.0])
    assert _ulps(slope[:5], [-0.3333333333111111, 1.56938890597339e-32, -3.1830988618379037e-31,
                             0.1428571020401201, 0.0005873516059356704]).max() <= 4
    assert np.array_equal(slope[5:], [-1.0, 1 / 3])


def test_sinc_gradient_keeps_its_digits_past_the_series():
    """The series ended at 1e-3 with 3.5e-13 of its own error, the formula after it cancelled
    to 2e-12 (1.0001e-3); float32 is computed in float64 and rounded once."""
    x = [1e-3, 1.0001e-3, 0.0015, 0.2, 0.3, 4e-3]
    _, slope = _grad(tg.sinc, x)
    exact = [-0.0032898648867278964, -0.0032901938725670783, -0.004934791242030629,
             -0.6323614470684581, -0.9020281301388888, -0.013159264729896916]
    assert _ulps(slope, exact).max() <= 4
    _, slope32 = _grad(tg.sinc, x, np.float32)
    assert slope32.dtype == np.float32
    np.testing.assert_array_equal(slope32, _grad(tg.sinc, np.float32(x).astype(np.float64))[1]
                                  .astype(np.float32))


def test_i0e_i1e_gradients_at_large_x():
    """i1e - i0e cancelled: |x| ulps lost (1.5e9 at 1e10), 0 for i0e and twice the value for i1e
    past 1e16 (torch: 0)."""
    x = [1e17, 1e10, 700.0, 35.0, 12.0, -1e17]
    _, g0 = _grad(S.i0e, x)
    _, g1 = _grad(S.i1e, x)
    e0 = [-6.3078313050504004e-27, -1.994711402081965e-16, -1.0776206814510638e-05,
          -0.0009739466209221867, -0.0049619219232594665, 6.3078313050504004e-27]
    e1 = [-6.3078313050504e-27, -1.9947114017827584e-16, -1.0753106677942001e-05,
          -0.0009318942856347116, -0.004326769684255615, -6.3078313050504e-27]
    assert _ulps(g0, e0).max() <= 20 and _ulps(g1, e1).max() <= 20


def test_i1_gradient_is_inf_past_its_overflow():
    """I0(x) - I1(x)/x was inf - inf = NaN past |x| = 713.99 (torch: NaN); it is +inf."""
    _, g = _grad(S.i1, [800.0, -1e30, 713.0])
    assert g[0] == g[1] == np.inf and np.isfinite(g[2])


def test_log_ndtr_gradient_in_its_right_tail():
    """erfcx(-x/sqrt 2) overflowed past x = 37.7: the subnormal slope phi(38) was 0 (torch's is
    right), and it lost 74 ulps at 9.5."""
    _, g = _grad(S.log_ndtr, [38.0, 9.5, 5.85324884648017])
    assert g[0] == 1.097221052e-314
    assert _ulps(g[1:], [1.007793539430001e-20, 1.4498805645256354e-08]).max() <= 4


def test_float32_gradients_come_from_the_float64_output():
    """erfcx's, erfinv's and ndtri's slopes used the float32-rounded output: 74 float32 ulps
    off at erfcx(9.9), 42 at 7.5, 15 at ndtri(1e-30)."""
    cases = [(S.erfcx, [7.5, 9.9, 3.0], [-0.009773771278560162, -0.005670520011335611,
                                        -0.054372258484363556]),
             (S.ndtri, [1e-10, 1e-30], [1535723648.0, 8.65802732204496e+28]),
             (S.erfinv, [0.99999, 0.999], [15269.7958984375, 198.94189453125])]
    for f, x, exact in cases:
        _, g = _grad(f, x, np.float32)
        assert g.dtype == np.float32
        assert _ulps(g, np.float32(exact)).max() <= 1, (f.__name__, g)


def test_erfinv_and_ndtri_gradients_in_their_tails():
    """exp(y^2) of the rounded y: 2.2e3 ulps at ndtri(2.2e-308), 40 next to erfinv(-1); now
    erfcx over the exact tail probability."""
    _, g = _grad(S.ndtri, [2.2e-308, 4.27150677090548e-296, 1e-20, 0.9999999999999998])
    assert _ulps(g, [1.2106266167801308e+306, 6.364169452003916e+293, 1.0674725333014e+19,
                     546190034989419.5]).max() <= 8
    _, g = _grad(S.erfinv, [-0.9999999999999999, -0.9999999999984589, 1.0, -1.0, 0.75])
    assert _ulps(g[:2], [757347920544974.0, 63664772695.833916]).max() <= 8
    assert g[2] == g[3] == np.inf and _ulps(g[4], 1.7174997693674523) <= 4


def test_xlogy_of_a_float32_other_beside_a_float64_input():
    """log(y) was taken in float32 and then promoted: xlogy(7.0, y32) 8e-9 off (torch: exact)."""
    y = np.array([0.00020704184, 8.0, -0.5], np.float32)
    for f in (S.xlogy, S.xlog1py):
        x = tg.tensor(np.array([7.0, -7.5, 0.6344540443711366]), requires_grad=True)
        yt = tg.tensor(y, requires_grad=True)
        out = f(x, yt)
        out.sum().backward()
        tx = torch.tensor(np.array([7.0, -7.5, 0.6344540443711366]), requires_grad=True)
        ty = torch.tensor(y, requires_grad=True)
        tout = getattr(torch.special, f.__name__)(tx, ty)
        tout.sum().backward()
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-15, equal_nan=True)
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-15, equal_nan=True)
        assert yt.grad.dtype == np.float32
        np.testing.assert_allclose(yt.grad, ty.grad.numpy(), rtol=1e-7, equal_nan=True)


def test_nextafter_and_gammainc_promote_as_torch():
    """A float32 other (or an integer tensor beside a float) was refused; torch promotes."""
    x = tg.tensor([1.0, 0.0], requires_grad=True)
    out = x.nextafter(tg.tensor(np.array([2.0, -1.0], np.float32)))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.data, torch.nextafter(
        torch.tensor(np.array([1.0, 0.0])), torch.tensor([2.0, -1.0], dtype=torch.float32)).numpy())
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    f = tg.tensor(np.array([1.5], np.float32))
    assert f.nextafter(tg.tensor([True])).dtype == np.float32
    for ours, theirs in ((S.gammainc, torch.special.gammainc),
                         (S.gammaincc, torch.special.gammaincc)):
        got = ours(tg.tensor([2, 3]), tg.tensor([1.0, 4.5]))
        np.testing.assert_allclose(got.data, theirs(torch.tensor([2, 3]), torch.tensor(
            np.array([1.0, 4.5]))).numpy(), rtol=1e-14)
    with pytest.raises(TypeError, match="igamma: expects float tensors, got dtypes int64"):
        S.gammainc(tg.tensor([2]), tg.tensor([1]))
    with pytest.raises(TypeError, match="nextafter: expects float tensors"):
        tg.tensor([1]).nextafter(tg.tensor([2]))


def test_atan2_gradient_past_float64s_squares():
    """x / (x^2 + y^2): 0 for x, y past 1.3e154 (and below 1e-162), where the slopes are
    5e-201 and 5e169 (torch's are 0 too)."""
    a = tg.tensor([1e200, 1e-170, 0.0, 3.0], requires_grad=True)
    b = tg.tensor([1e200, 1e-170, 0.0, 4.0], requires_grad=True)
    tg.atan2(a, b).sum().backward()
    np.testing.assert_allclose(a.grad, [5e-201, 5e169, 0.0, 0.16], rtol=1e-15)
    np.testing.assert_allclose(b.grad, [-5e-201, -5e169, 0.0, -0.12], rtol=1e-15)


def test_logaddexp_gradients_beside_an_infinite_result():
    """One infinite result switched the whole batch to 1 / (1 + e^(y - x)), whose e^710
    overflow flushed a subnormal weight e^-710 to 0 elsewhere (logaddexp2 likewise)."""
    for f, e in ((tg.logaddexp, np.exp(-710.0)), (tg.logaddexp2, np.exp2(-1030.0))):
        big = 710.0 if f is tg.logaddexp else 1030.0
        a = tg.tensor([big, np.inf], requires_grad=True)
        b = tg.tensor([0.0, 1.0], requires_grad=True)
        f(a, b).sum().backward()
        assert b.grad[0] == e and b.grad[1] == 0.0 and np.array_equal(a.grad, [1.0, 1.0])


def test_logit_gradient_at_negative_zero_is_torchs():
    """1 / (x (1 - x)) at -0.0 was -inf; torch's (and the slope from inside [0, 1]) is +inf."""
    for eps in (None, 0.0):
        x = tg.tensor([-0.0, 0.0, 1.0, 0.5], requires_grad=True)
        x.logit(eps).sum().backward()
        t = torch.tensor(np.array([-0.0, 0.0, 1.0, 0.5]), requires_grad=True)
        torch.logit(t, eps).sum().backward()
        np.testing.assert_array_equal(x.grad, t.grad.numpy())


def test_mvlgamma_refuses_a_bool_tensor_as_torch():
    with pytest.raises(TypeError, match="mvlgamma: the input may not be a bool tensor"):
        tg.tensor([True, False]).mvlgamma(2)
    with pytest.raises(RuntimeError):
        torch.special.multigammaln(torch.tensor([True]), 2)


def test_round_float16_with_decimals_in_float32_as_torch():
    """float16's 700 * 100 overflowed to inf: round(700, 2) was inf (torch: 700)."""
    x = np.array([700.0, 65504.0, 1.235, -2.675, 0.125], np.float16)
    for d in (2, 1, -1):
        got = tg.tensor(x).round(d)
        assert got.dtype == np.float16
        np.testing.assert_array_equal(got.data, torch.round(torch.tensor(x), decimals=d).numpy())


def test_special_softmax_refuses_an_integer_dtype():
    """special.softmax(x, 0, dtype=int64) cast x to int64 first and returned the softmax of the
    truncated values, in float64; torch's kernels are not implemented for integers."""
    x = tg.tensor([1.5, 2.5])
    for f in (S.softmax, S.log_softmax):
        with pytest.raises(ValueError, match=rf"{f.__name__}\(dtype=int64\): only a floating"):
            f(x, 0, dtype=np.int64)
        with pytest.raises(NotImplementedError):
            getattr(torch.special, f.__name__)(torch.tensor([1.5, 2.5]), 0, dtype=torch.int64)
    assert S.log_softmax(x, 0, dtype=np.float32).dtype == np.float32
