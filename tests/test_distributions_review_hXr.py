"""Review of hX's ContinuousBernoulli-from-logits, constraints' Tensor check and 0-d
MultivariateNormal (hXr): ContinuousBernoulli given logits against mpmath (values and
gradients, float64 to ~1e-14, float32 and float16 to their rounding) for every logits, both
sides of each switch, torch's Taylor region near 0, +-inf and NaN; no warning, no NaN gradient
from a branch a batch does not use; a user's torch-style Constraint subclass."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from oracle import replays_as_eager

from tinygrad_dl import Tensor
from tinygrad_dl import distributions as D
from tinygrad_dl.distributions import constraints

mp = pytest.importorskip("mpmath")

METHODS = ["log_norm", "mean", "variance", "stddev", "entropy", "log_prob", "cdf", "icdf"]
# both sides of the series' end (1/4 for cdf and icdf, 2 for the rest), of hX's switch at 8
# (3 in float32), torch's Taylor region (|logits| < 0.004) and the closed forms' far end
POSITIVE = [1e-9, 1e-4, 0.002, 0.0045, 0.05, 0.2499, 0.25, 0.2501, 0.7, 1.9999, 2.0, 2.0001,
            2.99, 3.01, 7.999, 8.0, 8.001, 20.0, 40.0, 300.0, 708.0, 745.0, 1e4]
LOGITS = sorted([-x for x in POSITIVE] + [0.0] + POSITIVE)
VALUES = {"log_prob": (1e-6, 0.3, 0.9), "cdf": (1e-8, 1e-4, 0.3, 0.5, 0.7, 1 - 1e-8),
          "icdf": (1e-12, 1e-5, 0.3, 0.5, 0.7, 1 - 1e-10)}


def _exact(method, L, x=None):
    """The value and d/dlogits at logits L (mpf) from the density L e^(L x) / expm1(L)."""
    if L == 0:  # the uniform distribution, and the first terms of the series
        return {"log_norm": (mp.log(2), 0), "mean": (mp.mpf(1) / 2, mp.mpf(1) / 12),
                "variance": (mp.mpf(1) / 12, 0), "stddev": (mp.sqrt(mp.mpf(1) / 12), 0),
                "entropy": (0, 0), "log_prob": (0, x - mp.mpf(1) / 2 if x else 0),
                "cdf": (x, x * (x - 1) / 2 if x else 0),
                "icdf": (x, x * (1 - x) / 2 if x else 0)}[method]

    def m(t):  # the mean at logits t
        return mp.exp(t) / mp.expm1(t) - 1 / t

    mean = m(L)
    var = 1 / L**2 - mp.exp(L) / mp.expm1(L) ** 2
    third = -2 / L**3 + mp.cosh(L / 2) / (4 * mp.sinh(L / 2) ** 3)  # d var / dL
    log_c = mp.log(L / mp.expm1(L))  # log(C (1 - p))
    if method == "log_norm":
        return log_c + mp.log1p(mp.exp(L)), 1 / (1 + mp.exp(-L)) - mean
    if method == "mean":
        return mean, var
    if method == "variance":
        return var, third
    if method == "stddev":
        return mp.sqrt(var), third / (2 * mp.sqrt(var))
    if method == "entropy":
        return -(L * mean + log_c), -L * var
    if method == "log_prob":
        return L * x + log_c, x - mean
    if method == "cdf":
        c = mp.expm1(L * x) / mp.expm1(L)
        return c, c * (x * m(L * x) - m(L)) if 0 < x < 1 else 0
    if x in (0, 1):
        return x, 0
    q = mp.log1p(x * mp.expm1(L)) / L  # icdf: d/dL from cdf(q; L) = u
    c = mp.expm1(L * q) / mp.expm1(L)
    return q, -c * (q * m(L * q) - m(L)) / (L * mp.exp(L * q) / mp.expm1(L))


def _ours(method, logits, value):
    d = D.ContinuousBernoulli(logits=logits, validate_args=False)
    if method == "log_norm":
        return d.cont_bern_log_norm()
    if method in VALUES:
        return getattr(d, method)(value)
    out = getattr(d, method)
    return out() if callable(out) else out


def _check(dtype, rtol, grad_rtol):
    with mp.workdps(150):
        for method in METHODS:
            for x in VALUES.get(method, (None,)):
                logits = np.array(LOGITS, dtype)
                xs = None if x is None else np.full(logits.shape, x, dtype)
                t = Tensor(logits.copy(), requires_grad=True)
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    out = _ours(method, t, None if x is None else Tensor(xs))
                    out.sum().backward()
                assert out.dtype == dtype, (method, out.dtype)
                pairs = [_exact(method, mp.mpf(float(L)), None if x is None else mp.mpf(
                    float(xs[0]))) for L in logits]
                tiny = float(np.finfo(dtype).tiny)
                np.testing.assert_allclose(out.data, [float(v) for v, _ in pairs], rtol=rtol,
                                           atol=max(tiny, 1e-30), err_msg=f"{method} at {x}")
                np.testing.assert_allclose(t.grad, [float(g) for _, g in pairs], rtol=grad_rtol,
                                           atol=max(tiny, 1e-30),
                                           err_msg=f"d {method} / d logits at {x}")


def test_values_and_gradients_match_mpmath_for_every_logits():
    """Before: torch's formulas below |logits| = 8: in its Taylor region cdf(x) = x and
    icdf(u) = u (cdf(0.5) at logits 0.002 is 0.49975, not 0.5) with gradients 0 (exact
    -x (1 - x) / 2), its variance 5e-9 off at 0.0045 (entropy 3e-9), cdf(1e-4) 3.8e-10 off just
    below 8 and exact just above (a jump); now ~1e-14 everywhere, gradients too."""
    _check(np.float64, rtol=2e-14, grad_rtol=5e-14)


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1.2e-7), (np.float16, 1e-3)])
def test_narrow_dtypes_are_computed_wide_and_rounded_once(dtype, rtol):
    """Before (float32): the variance 10x off at logits 0.0045 (torch's cancellation near its
    Taylor region: 2x off in torch), the entropy 21x, cdf(1e-4) 3e-3 off below the switch
    at 3 and exact above it."""
    _check(dtype, rtol=rtol, grad_rtol=rtol * 1.5)


def test_no_switch_jumps():
    """The value's step across each switch (1/4, 2, 3, 8) is that of the logits' ulp: before,
    cdf(1e-4) jumped 3.8e-10 (relative) at 8 and (float32) 3e-3 at 3."""
    for dtype, switches in ((np.float64, (0.25, 2.0, 8.0)), (np.float32, (0.25, 2.0, 3.0))):
        for s in switches:
            for sign in (1.0, -1.0):
                L = np.array([np.nextafter(dtype(s), dtype(0)), dtype(s),
                              np.nextafter(dtype(s), dtype(np.inf))], dtype) * dtype(sign)
                d = D.ContinuousBernoulli(logits=Tensor(L))
                for out in (d.cdf(Tensor(np.full(3, 1e-4, dtype))), d.icdf(
                        Tensor(np.full(3, 1e-4, dtype))), d.variance, d.entropy()):
                    v = out.data.astype(np.float64)
                    step = np.abs(np.diff(v)) / np.abs(v[1])
                    assert (step < 20 * np.finfo(dtype).eps).all(), (dtype, s * sign, v)


def test_a_batch_of_every_region_warns_nothing_and_keeps_gradients_finite():
    """Before: icdf(1) was inf at logits -800 and NaN at -inf (float64; 0.99983 at -100 in
    float32), its gradient NaN at |logits| >= 745, float32's icdf(0) had a NaN gradient at
    |logits| 100 to 700 (expm1 overflowed in an unused branch), stddev's gradient was NaN at
    +-inf, each with RuntimeWarnings."""
    logits = [-math.inf, -1e4, -800.0, -100.0, -9.0, -2.0, -0.2, 0.0, 1e-300, 0.2, 2.0, 9.0,
              100.0, 800.0, 1e4, math.inf]
    values = [0.0, 5e-324, 0.3, 0.5, 1 - 2**-53, 1.0]
    for dtype in (np.float64, np.float32):
        for v in values:
            n = len(logits)
            t = Tensor(np.array(logits, dtype), requires_grad=True)
            d = D.ContinuousBernoulli(logits=t, validate_args=False)
            x = Tensor(np.full(n, v, dtype))
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                outs = [d.icdf(x), d.cdf(x), d.mean, d.variance, d.stddev, d.entropy(),
                        d.rsample((2,))]
                sum(o.sum() for o in outs).backward()
            assert np.isfinite(t.grad).all(), (dtype, v, t.grad)
            icdf = outs[0].data
            assert ((icdf >= 0) & (icdf <= 1)).all(), (dtype, v, icdf)
            if v in (0.0, 1.0):
                assert (icdf == v).all() and (t.grad[[0, -1]] == 0).all()


def test_icdf_outside_the_unit_interval_and_nan_logits_give_nan():
    """Before: NaN logits gave cdf(0.3) = 0.3 and icdf(0.3) = 0.3 (torch's Taylor branch, as
    torch), icdf(1.5) a number (an unvalidated NaN value: NaN, as before)."""
    d = D.ContinuousBernoulli(logits=Tensor([math.nan, 1.0, 1.0]), validate_args=False)
    assert np.isnan(d.cdf(Tensor([0.3, math.nan, 0.3])).data[:2]).all()
    assert np.isnan(d.icdf(Tensor([0.3, 1.5, -0.5])).data).all()
    assert np.isnan(d.rsample().data[0])


def test_log_prob_keeps_a_narrow_dtype():
    """Before: float32 logits and values gave a float64 log_prob (the point-mass limits' array
    was float64)."""
    for dtype in (np.float32, np.float16):
        d = D.ContinuousBernoulli(logits=Tensor(np.array([1.0, 20.0, np.inf], dtype)))
        assert d.log_prob(Tensor(np.array([0.3, 0.2, 1.0], dtype))).dtype == dtype


def test_kl_of_logits_near_0_and_far_matches_mpmath():
    """Both given logits: KL to ~1e-16 absolute (its terms cancel as p -> q)."""
    pairs = [(0.0, 0.001), (0.1, 0.2), (-0.003, 0.002), (2.0, 2.5), (1.0, -1.0), (50.0, 45.0),
             (700.0, 1.0), (-3.0, 0.001)]

    def kl(a, b):
        a, b = (mp.mpf(v) if v else mp.mpf("1e-60") for v in (a, b))
        return ((a - b) * (mp.exp(a) / mp.expm1(a) - 1 / a) + mp.log(a / mp.expm1(a))
                - mp.log(b / mp.expm1(b)))

    p, q = (Tensor(np.array(c), requires_grad=True) for c in zip(*pairs))
    got = D.kl_divergence(D.ContinuousBernoulli(logits=p), D.ContinuousBernoulli(logits=q))
    with mp.workdps(100):
        want = [float(kl(a, b)) for a, b in pairs]
    np.testing.assert_allclose(got.data, want, rtol=1e-13, atol=3e-16)


def test_a_jitted_step_over_every_region_replays_as_eager():
    """The region masks are made inside ops: logits moving between the series, the closed
    forms and past expm1's range replay bit-identically to the eager step."""
    w = Tensor(np.array([1.0, -1.0, 1.0]), requires_grad=True)
    v = Tensor(np.array([0.2, 0.7, 1e-9]))

    def step(x):
        d = D.ContinuousBernoulli(logits=Tensor(x) * w)
        q = D.ContinuousBernoulli(logits=Tensor(x) * w * 0.5 + 1.0)
        out = (d.log_prob(d.rsample()).sum() + d.mean.sum() + d.stddev.sum()
               + d.entropy().sum() + d.cdf(v).sum() + d.icdf(v).sum()
               + D.kl_divergence(d, q).sum())
        out.backward()
        return out

    xs = [np.array(x) for x in ([0.001, 9.0, 2.0], [9.0, 0.1, 800.0], [0.3, 800.0, -1.5],
                                [0.0, 50.0, -9.0], [1.9, 2.1, 0.24])]
    replays_as_eager(step, xs, w)


class _TorchStyle(constraints.Constraint):
    """A user's constraint written for torch's tensors (value.abs(), .all(-1))."""

    event_dim = 1

    def check(self, value):
        return (value.abs() < 1).all(-1)


class _Static(constraints.Constraint):
    @staticmethod
    def check(value):
        return value > 0


def test_a_users_constraint_subclass_gets_what_it_is_given():
    """Before: the Tensor wrapper, installed on every subclass, handed a torch-style check a
    NumPy array (AttributeError: no attribute 'abs') and called a staticmethod check with
    self (TypeError, on NumPy arrays too)."""
    x = Tensor(np.array([[0.5, -0.2], [2.0, 0.1]]))
    assert _TorchStyle().check(x).data.tolist() == [True, False]
    assert _Static().check(np.array([1.0, -1.0])).tolist() == [True, False]
    assert _Static().check(x).data.tolist() == [[True, False], [True, True]]
    # the library's own still take a Tensor (hX), a user's super().check too
    lib = type(constraints.unit_interval)

    class Open(lib):
        def check(self, value):
            return super().check(value) & (value != 0.5)

    assert Open(0.0, 1.0).check(x).data.tolist() == [[False, False], [False, True]]


def test_a_multivariate_normal_of_0_dimensions_samples_and_scores():
    d = D.MultivariateNormal(Tensor(np.zeros((3, 0))), Tensor(np.zeros((3, 0, 0))),
                             validate_args=True)
    assert d.rsample((2, 4)).shape == (2, 4, 3, 0)
    assert d.log_prob(Tensor(np.zeros((5, 3, 0)))).data.tolist() == [[0.0] * 3] * 5
    assert D.kl_divergence(d, d).data.tolist() == [0.0] * 3
