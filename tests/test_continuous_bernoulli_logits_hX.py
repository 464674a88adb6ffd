"""ContinuousBernoulli given logits: exact for large |logits| (mpmath, 50 digits), torch's values
(to 1e-12) and gradients (to 1e-10) for moderate ones, the point masses' limits at +-inf.

torch computes everything from probs = sigmoid(logits) clamped to [eps, 1 - eps]: 1e-11 off at
logits 15, 1e-5 at 30, and past |logits| = 36.7 every value is that of the clamped probs (the
mean 0.9722 for logits 40, 100 or 800; the exact ones 0.975, 0.99, 0.99875). Past |logits| = 8
the distribution given logits uses the closed forms in |logits| (continuous_bernoulli.py)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import distributions as D

torch = pytest.importorskip("torch")
mp = pytest.importorskip("mpmath")

LARGE = [-1e5, -800.0, -700.0, -100.0, -50.0, -37.0, -20.0, -9.0, 9.0, 15.0, 20.0, 30.0,
         37.0, 50.0, 100.0, 705.0, 710.0, 800.0, 1e5]
X, U = (0.3, 0.97, 1e-5), (0.3, 0.95, 1e-5)
METHODS = ["log_prob", "cdf", "icdf", "mean", "variance", "stddev", "entropy"]


def _exact(method, L, x):
    """The value at logits L (mpf) from the density L e^(L x) / expm1(L) on [0, 1]."""
    a = abs(L)
    log_norm = mp.log(a) - mp.log(mp.tanh(a / 2))
    mean = 1 / (1 - mp.exp(-L)) - 1 / L
    var = 1 / L**2 - 1 / (4 * mp.sinh(L / 2) ** 2)
    if method == "log_prob":
        return L * x - mp.log1p(mp.exp(L)) + log_norm
    if method == "cdf":
        return mp.expm1(L * x) / mp.expm1(L)
    if method == "icdf":
        return mp.log1p(x * mp.expm1(L)) / L
    if method == "entropy":
        return -L * mean - log_norm + mp.log1p(mp.exp(L))
    return {"mean": mean, "variance": var, "stddev": mp.sqrt(var)}[method]


def _ours(method, logits, x):
    d = D.ContinuousBernoulli(logits=logits, validate_args=False)
    if method in ("log_prob", "cdf", "icdf"):
        return getattr(d, method)(Tensor(np.array([x])))
    out = getattr(d, method)
    return out() if callable(out) else out


@pytest.mark.parametrize("method", METHODS)
def test_large_logits_values_and_gradients_match_mpmath(method):
    """Before: torch's (e.g. the mean at logits 50 was 0.97226, exact 0.98; log_prob(0.3) at
    logits -100 -26.415, exact -25.395); now to 1e-13 (cdf: 1e-12, the argument L (x - 1) of
    its exp rounds), gradients to 1e-11."""
    with mp.workdps(50):
        for L in LARGE:
            for x in (U if method == "icdf" else X):
                t = Tensor(np.array([L]), requires_grad=True)
                got = _ours(method, t, x)
                want = _exact(method, mp.mpf(L), mp.mpf(x))
                rtol = 1e-12 if method == "cdf" else 1e-13
                np.testing.assert_allclose(got.data, [float(want)], rtol=rtol, atol=1e-300,
                                           err_msg=f"{method} at logits {L}, x {x}")
                got.sum().backward()
                if abs(L) > 1e4:  # (mpmath's numerical derivative needs a step below |L|)
                    continue
                with mp.workdps(400 if method == "cdf" else 50):  # (cdf: 1.8e-105 on 1 at -800)
                    slope = mp.diff(lambda z, x=x: _exact(method, z, mp.mpf(x)), mp.mpf(L))
                np.testing.assert_allclose(t.grad, [float(slope)], rtol=1e-11, atol=1e-300,
                                           err_msg=f"d {method} / d logits at {L}, x {x}")


@pytest.mark.parametrize("method", METHODS)
def test_moderate_logits_keep_torchs_values_and_gradients(method):
    """|logits| from 1/2 to 12: torch's values to 1e-12, gradients to 1e-10. (Not nearer 0:
    torch's variance is 5e-9 off at 0.0045, its cdf and icdf 5e-4 inside its Taylor region
    |logits| < 0.004 (x and u themselves, gradients 0); test_distributions_review_hXr.py checks
    them against mpmath.)"""
    logits = np.array([-12.0, -8.5, -8.0, -5.0, -1.0, -0.5, 0.5, 0.7, 3.0, 7.9, 8.0, 8.01,
                       10.0, 12.0, -3.0])
    value = np.full(logits.shape, 0.3) if method != "icdf" else np.linspace(0.05, 0.95,
                                                                            logits.size)
    ours, theirs = Tensor(logits.copy(), requires_grad=True), torch.tensor(logits,
                                                                           requires_grad=True)
    got = _ours(method, ours, 0.0) if method not in ("log_prob", "cdf", "icdf") else getattr(
        D.ContinuousBernoulli(logits=ours), method)(Tensor(value))
    td = torch.distributions.ContinuousBernoulli(logits=theirs)
    want = getattr(td, method)(torch.tensor(value)) if method in ("log_prob", "cdf", "icdf") \
        else (getattr(td, method)() if method == "entropy" else getattr(td, method))
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-12, atol=1e-15)
    w = np.random.default_rng(0).standard_normal(logits.shape)
    (got * Tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_infinite_logits_are_the_point_masses_limits():
    """Before: the clamped probs' numbers (mean 0.9722 / 0.0277, variance 7.7e-4, entropy
    -2.58) and log_prob NaN at the mass (logits +inf at 1, -inf at 0)."""
    d = D.ContinuousBernoulli(logits=Tensor([math.inf, -math.inf]), validate_args=False)
    assert d.mean.data.tolist() == [1.0, 0.0]
    assert d.variance.data.tolist() == [0.0, 0.0]
    assert d.entropy().data.tolist() == [-math.inf, -math.inf]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no inf * 0 on the way)
        lp = [d.log_prob(Tensor([v, v])).data.tolist() for v in (0.0, 0.5, 1.0)]
    assert lp == [[-math.inf, math.inf], [-math.inf, -math.inf], [math.inf, -math.inf]]
    assert d.cdf(Tensor([0.3, 0.3])).data.tolist() == [0.0, 1.0]
    assert d.icdf(Tensor([0.3, 0.3])).data.tolist() == [1.0, 0.0]
    assert d.icdf(Tensor([0.0, 0.0])).data.tolist() == [0.0, 0.0]


def test_large_logits_kl_matches_mpmath():
    """KL between two given by large logits (its log1p(-probs) is -softplus(logits) there):
    before 0.0 for logits 50 and 45 (both clamped to the same probs), now 0.00536 as exact
    (to rounding of its terms, ~|logits| eps: torch's formula, a difference of terms that
    nearly cancel when the two are close)."""
    with mp.workdps(50):

        def exact(lp, lq):
            def log_norm(L):
                return mp.log(abs(L)) - mp.log(mp.tanh(abs(L) / 2))
            mean = 1 / (1 - mp.exp(-lp)) - 1 / lp
            return (mean * (lp - lq) + log_norm(lp) - mp.log1p(mp.exp(lp)) - log_norm(lq)
                    + mp.log1p(mp.exp(lq)))

        pairs = [(50.0, 45.0), (-40.0, 20.0), (9.0, -9.0), (300.0, 299.0), (-60.0, -61.0)]
        p = Tensor(np.array([a for a, _ in pairs]))
        q = Tensor(np.array([b for _, b in pairs]))
        got = D.kl_divergence(D.ContinuousBernoulli(logits=p), D.ContinuousBernoulli(logits=q))
        want = [float(exact(mp.mpf(a), mp.mpf(b))) for a, b in pairs]
        np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=300 * 2.3e-16)


def test_large_logits_draws_follow_the_exact_quantiles():
    """rsample is icdf of uniform draws: for logits 60 the draws' mean is the exact 1 - 1/60
    (before: every draw from the clamped probs, mean 0.9722)."""
    tg.manual_seed(0)
    s = D.ContinuousBernoulli(logits=Tensor([60.0, -60.0])).sample((20000,)).data
    np.testing.assert_allclose(s.mean(0), [1 - 1 / 60, 1 / 60], atol=5 * np.sqrt(1 / 3600
                                                                                  / 20000))
    assert ((s >= 0) & (s <= 1)).all()


def test_float32_large_logits_keep_float32_digits():
    """float32 switches at |logits| 3 (its probs lose digits sooner): the mean and log_prob at
    logits 12 and -25 to float32's rounding (before: the mean 7e-5 off at 12, 57% at -25)."""
    with mp.workdps(30):
        logits = np.array([12.0, -25.0, 4.0], dtype=np.float32)
        d = D.ContinuousBernoulli(logits=Tensor(logits))
        assert d.mean.dtype == np.float32
        for method in ("mean", "log_prob"):
            got = _ours(method, Tensor(logits), 0.3).data if method == "log_prob" else d.mean.data
            want = [float(_exact(method, mp.mpf(float(L)), mp.mpf(0.3))) for L in logits]
            np.testing.assert_allclose(got, want, rtol=2e-6)
