"""The third batch of tinygrad_dl.distributions' families (Weibull, Pareto, Kumaraswamy,
InverseGamma, LogisticNormal, LogitRelaxedBernoulli, RelaxedBernoulli, ExpRelaxedCategorical,
RelaxedOneHotCategorical, OneHotCategoricalStraightThrough) against torch.distributions
(torch 2.13, CPU, float64): log_prob, cdf, icdf, entropy, mean, mode and variance to 1e-12
and their gradients in the parameters to 1e-10; rsample's values and gradients on the same
base draws; draws by their statistics; shapes, supports, validate_args's errors and a jitted
step that replays with fresh draws."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import replays_as_eager

import tinygrad_dl as tg
from tinygrad_dl import Tensor, jit
from tinygrad_dl import distributions as D
from tinygrad_dl.distributions import relaxed

torch = pytest.importorskip("torch")
TD = torch.distributions


def _close(got, want, rtol, what):
    want = want.detach().numpy() if hasattr(want, "detach") else np.asarray(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=rtol * 1e-2, err_msg=what)


def both(fn, *arrays, what="", gtol=1e-10, gatol=None):
    """fn(module, *params) in tinygrad_dl and torch on the same float64 arrays (each
    requiring grad): values to 1e-12 (NaN where torch's), gradients of a weighted sum of the
    finite entries to `gtol`."""
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    got, want = fn(D, *ours), fn(TD, *theirs)
    assert got.shape == tuple(want.shape), what
    assert got.dtype == np.float64, what
    _close(got.data, want, 1e-12, what)
    w = np.random.default_rng(1).standard_normal(got.shape)
    w = np.where(np.isfinite(got.data), w, 0.0)
    if not want.requires_grad:
        return
    (got * Tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad), f"{what}: grad {k}"
        else:
            np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=gtol,
                                       atol=gtol * 1e-2 if gatol is None else gatol,
                                       err_msg=f"{what}: grad {k}")


rng = np.random.default_rng(0)
A = rng.uniform(0.4, 3.0, (2, 3))
B = rng.uniform(0.4, 3.0, (2, 3))
A[0, 0], B[1, 2] = 2.5, 3.5  # some moments finite, some inf / NaN (a concentration below 1)
U = rng.uniform(0.05, 0.95, (2, 3))
L = rng.standard_normal((2, 3))
SIMPLEX = np.exp(L) / np.exp(L).sum(-1, keepdims=True)
SIMPLEX4 = np.exp(rng.standard_normal((2, 4)))
SIMPLEX4 /= SIMPLEX4.sum(-1, keepdims=True)
T = np.array(0.7)
CB = np.array([[0.1, 0.4995, 0.5], [0.7, 0.999, 0.5012]])
COUNTS = np.array([[0.0, 1.0, 4.0], [2.0, 0.0, 13.0]])


def _get(m, name):
    """A class from torch.distributions or tinygrad_dl.distributions, or (the two not in
    torch's top level) from their relaxed modules."""
    if hasattr(m, name):
        return getattr(m, name)
    if m is D:
        return getattr(relaxed, name)
    return getattr(m.relaxed_bernoulli if "Bernoulli" in name else m.relaxed_categorical, name)

# name: (make(module, *params), params, a value in the support)
FAMILIES = {
    "Weibull": (lambda m, a, b: m.Weibull(a, b), (A, B), A * 0.8),
    "Pareto": (lambda m, a, b: m.Pareto(a, b), (A, B), A + B),
    "Kumaraswamy": (lambda m, a, b: m.Kumaraswamy(a, b), (A, B), U),
    "InverseGamma": (lambda m, a, b: m.InverseGamma(a, b), (A, B), B),
    "LogisticNormal": (lambda m, a, b: m.LogisticNormal(a, b), (L, A), SIMPLEX4),
    "LogitRelaxedBernoulli": (lambda m, t, p: _get(m, "LogitRelaxedBernoulli")(t, probs=p),
                              (T, U), L),
    "RelaxedBernoulli": (lambda m, t, p: m.RelaxedBernoulli(t, probs=p), (T, U), U[::-1].copy()),
    "RelaxedBernoulliLogits": (lambda m, t, p: m.RelaxedBernoulli(t, logits=p), (T, L), U),
    "ExpRelaxedCategorical": (lambda m, t, p: _get(m, "ExpRelaxedCategorical")(t, logits=p), (T, L),
                              np.log(SIMPLEX)),
    "RelaxedOneHotCategorical": (lambda m, t, p: m.RelaxedOneHotCategorical(t, probs=p),
                                 (T, SIMPLEX), SIMPLEX[::-1].copy()),
    "RelaxedOneHotCategoricalLogits": (
        lambda m, t, p: m.RelaxedOneHotCategorical(t * 2, logits=p), (T, L), SIMPLEX),
    "FisherSnedecor": (lambda m, a, b: m.FisherSnedecor(a, b), (A * 2, B * 2), A),
    # probs inside the Taylor region (0.499, 0.501] and out of it
    "ContinuousBernoulli": (lambda m, p: m.ContinuousBernoulli(p), (CB,), U),
    # (not near 0: in torch's Taylor region, |logits| < 0.004, its cdf and icdf are x and u,
    # 5e-4 off, with gradients 0 (at 0 too); test_distributions_review_hXr.py checks them
    # against mpmath)
    "ContinuousBernoulliLogits": (lambda m, p: m.ContinuousBernoulli(logits=p),
                                  (np.array([[-3.0, 0.6, 1.5], [0.5, -1.2, 8.0]]),),
                                  np.array([[0.0, 0.5, 1.0], [0.3, 0.9, 0.99]])),
    "NegativeBinomial": (lambda m, n, p: m.NegativeBinomial(n, probs=p), (A * 2, U), COUNTS),
    "NegativeBinomialLogits": (lambda m, n, p: m.NegativeBinomial(n, logits=p), (A, L),
                               COUNTS),
}

METHODS = ["log_prob", "cdf", "icdf", "entropy", "mean", "mode", "variance", "stddev"]


def _method(dist, name, value):
    if name in ("log_prob", "cdf"):
        return getattr(dist, name)(value)
    if name == "icdf":
        return dist.icdf(value)
    out = getattr(dist, name)
    return out() if callable(out) else out


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_values_and_gradients_match_torch(name, method):
    make, params, value = FAMILIES[name]
    arg = U if method == "icdf" else value
    try:
        _method(make(TD, *(torch.tensor(p) for p in params)), method, torch.tensor(arg))
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            _method(make(D, *(Tensor(p) for p in params)), method, Tensor(arg))
        return
    if name == "InverseGamma" and method == "cdf":
        # igamma has no gradient to its first argument (torch's neither): concentration fixed
        both(lambda m, b, v: _method(make(m, torch.tensor(A) if m is TD else Tensor(A), b),
                                     method, v), B, arg, what=f"{name}.{method}")
        return
    # digamma's gradient is trigamma, which torch computes by a short series (5e-10 off;
    # ours is mpmath's to rounding, test_distributions_more.py checks): 1e-9 for those
    tri = method == "entropy" and name in ("Kumaraswamy", "InverseGamma")
    both(lambda m, *ts: _method(make(m, *ts[:-1]), method, ts[-1]), *params, arg,
         what=f"{name}.{method}", gtol=1e-9 if tri else 1e-10, gatol=1e-9 if tri else None)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_shapes_support_and_draws(name):
    make, params, value = FAMILIES[name]
    ours = make(D, *(Tensor(p) for p in params))
    theirs = make(TD, *(torch.tensor(p) for p in params))
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    assert repr(ours.support).split("(")[0] == repr(theirs.support).split("(")[0]
    assert ours.support.is_discrete == theirs.support.is_discrete
    tg.manual_seed(0)
    s = ours.sample((4, 1))
    assert s.shape == (4, 1) + tuple(theirs.batch_shape + theirs.event_shape)
    assert s.dtype == np.float64 and not s.requires_grad
    if name != "Pareto":
        assert np.all(ours.support.check(s.data))
    else:
        assert np.all(s.data >= A)
    e = ours.expand((5,) + ours.batch_shape)
    te = theirs.expand((5,) + theirs.batch_shape)
    assert (e.batch_shape, e.event_shape) == (tuple(te.batch_shape), tuple(te.event_shape))
    _close(e.log_prob(Tensor(value)).data, te.log_prob(torch.tensor(value)), 1e-12, name)
    if name in ("InverseGamma", "FisherSnedecor"):
        assert not ours.has_rsample  # this project's Gamma has no rsample
        with pytest.raises(NotImplementedError, match="rsample"):
            ours.rsample()
        return
    assert ours.has_rsample == theirs.has_rsample  # LogitRelaxedBernoulli: False, as torch's


def _torch_from_base(name, params, base):
    """torch's draw from the same base draws `base` (an array), on the graph of params."""
    if name == "Weibull":
        scale, k = params
        return scale * base ** k.reciprocal()
    if name == "Pareto":
        scale, _ = params
        return scale * base.exp()
    if name == "Kumaraswamy":
        c1, c0 = params
        return (1 - base ** c0.reciprocal()) ** c1.reciprocal()
    if name == "LogisticNormal":
        return TD.transforms.StickBreakingTransform()(params[0] + params[1] * base)
    if name == "ContinuousBernoulli":
        return TD.ContinuousBernoulli(params[0]).icdf(base)
    t, p = params  # the relaxed ones: base holds the uniforms
    eps = torch.finfo(torch.float64).eps
    u = base.clamp(eps, 1 - eps)
    if name == "RelaxedBernoulli":
        p = p.clamp(eps, 1 - eps)
        return ((u.log() - (-u).log1p() + p.log() - (-p).log1p()) / t).sigmoid()
    scores = (p.log() - (-u.log()).log()) / t
    return (scores - scores.logsumexp(-1, keepdim=True)).exp()


@pytest.mark.parametrize("name", ["Weibull", "Pareto", "Kumaraswamy", "LogisticNormal",
                                  "RelaxedBernoulli", "RelaxedOneHotCategorical",
                                  "ContinuousBernoulli"])
def test_rsample_matches_torch_on_the_same_base_draws(name):
    make, params, _ = FAMILIES[name]
    ours = [Tensor(p.copy(), requires_grad=True) for p in params]
    theirs = [torch.tensor(p, requires_grad=True) for p in params]
    d = make(D, *ours)
    tg.manual_seed(11)
    y = d.rsample((5,))
    tg.manual_seed(11)
    if name.startswith("Relaxed") or name == "ContinuousBernoulli":  # the uniforms drawn
        shape = (5,) + d.batch_shape + d.event_shape
        base = D.Uniform(np.zeros(shape), np.ones(shape)).rsample().data
    elif name == "LogisticNormal":
        base = D.Normal(np.zeros(3), np.ones(3)).rsample((5, 2)).data
    else:
        base = d.base_dist.rsample((5,)).data
    tb = torch.tensor(base)
    if name == "Pareto":  # Exponential(alpha)'s draws E0 / alpha: alpha on torch's graph
        tb = torch.tensor(base * B) / theirs[1]
    want = _torch_from_base(name, theirs, tb)
    _close(y.data, want, 1e-12, name)
    w = rng.standard_normal(y.shape)
    (y * Tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_negative_binomial_total_count_zero_and_its_draws():
    # total_count 0: all the mass at 0 (log_prob 0 there, -inf elsewhere), as torch's
    d = D.NegativeBinomial(Tensor([0.0, 0.0, 2.0]), probs=Tensor([0.3, 0.3, 0.0]))
    td = TD.NegativeBinomial(torch.tensor([0.0, 0.0, 2.0], dtype=torch.float64),
                             probs=torch.tensor([0.3, 0.3, 0.0], dtype=torch.float64))
    v = np.array([0.0, 2.0, 0.0])
    _close(d.log_prob(Tensor(v)).data, td.log_prob(torch.tensor(v)), 1e-12, "count 0")
    tg.manual_seed(1)
    n, p = 3.5, 0.4
    s = D.NegativeBinomial(Tensor([n]), probs=Tensor([p])).sample((40000,)).data
    mean, var = n * p / (1 - p), n * p / (1 - p) ** 2
    assert abs(s.mean() - mean) < 5 * np.sqrt(var / 40000) and np.all(s % 1 == 0)
    s = D.FisherSnedecor(Tensor([4.0]), Tensor([9.0])).sample((40000,)).data
    assert abs(s.mean() - 9 / 7) < 0.03


def test_draws_by_their_statistics():
    tg.manual_seed(0)
    n = 40000
    for d in [D.Weibull(Tensor([1.5]), Tensor([2.0])), D.Pareto(Tensor([1.0]), Tensor([4.0])),
              D.Kumaraswamy(Tensor([2.0]), Tensor([3.0])),
              D.InverseGamma(Tensor([5.0]), Tensor([2.0])),
              D.ContinuousBernoulli(Tensor([0.8])), D.ContinuousBernoulli(Tensor([0.4999]))]:
        s = d.sample((n,)).data
        mean, sd = float(d.mean.data[0]), float(d.stddev.data[0])
        assert abs(s.mean() - mean) < 5 * sd / np.sqrt(n), type(d).__name__
    s = D.LogisticNormal(Tensor(np.zeros(2)), Tensor(np.ones(2))).sample((1000,)).data
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-12)
    # a low temperature: nearly Bernoulli / one-hot draws with the given probabilities
    s = D.RelaxedBernoulli(Tensor(0.05), probs=Tensor([0.3])).sample((n,)).data
    assert abs((s > 0.5).mean() - 0.3) < 0.01 and ((s < 0.01) | (s > 0.99)).mean() > 0.9
    p = np.array([0.2, 0.5, 0.3])
    s = D.RelaxedOneHotCategorical(Tensor(0.05), probs=Tensor(p)).sample((n,)).data
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-12)
    assert np.abs(np.bincount(s.argmax(-1), minlength=3) / n - p).max() < 0.01


def test_straight_through_rsample_is_one_hot_with_the_probabilities_gradient():
    logits = rng.standard_normal((2, 4))
    ours = Tensor(logits.copy(), requires_grad=True)
    theirs = torch.tensor(logits, requires_grad=True)
    d = D.OneHotCategoricalStraightThrough(logits=ours)
    td = TD.OneHotCategoricalStraightThrough(logits=theirs)
    assert d.has_rsample and td.has_rsample
    tg.manual_seed(2)
    s = d.rsample((3,))
    assert s.shape == (3, 2, 4) and np.all(s.data.sum(-1) == 1)
    np.testing.assert_array_equal(np.sort(s.data, -1)[..., -1], 1.0)  # one-hot values
    w = rng.standard_normal(s.shape)
    (s * Tensor(w)).sum().backward()
    (td.rsample((3,)) * torch.tensor(w)).sum().backward()  # the gradient does not depend on
    np.testing.assert_allclose(np.asarray(ours.grad), theirs.grad.numpy(), rtol=1e-10)  # draws
    _close(d.log_prob(s.detach()).data, td.log_prob(torch.tensor(s.data)), 1e-12, "log_prob")


@pytest.mark.parametrize("make, match", [
    (lambda m: m.Weibull(torch.tensor([-1.0]) if m is TD else Tensor([-1.0]), 1.0), "scale"),
    # (Pareto's alpha is the base Exponential's rate, which checks it first, as torch's)
    (lambda m: m.Pareto(1.0, torch.tensor([0.0]) if m is TD else Tensor([0.0])),
     "Exponential: expected parameter rate"),
    (lambda m: m.Kumaraswamy(torch.tensor([1.0]) if m is TD else Tensor([1.0]), -2.0),
     "concentration0"),
    (lambda m: m.InverseGamma(torch.tensor([-1.0]) if m is TD else Tensor([-1.0]), 1.0),
     "concentration"),
    (lambda m: m.FisherSnedecor(torch.tensor([1.0]) if m is TD else Tensor([1.0]), -1.0),
     "df2"),
    (lambda m: m.NegativeBinomial(torch.tensor([1.0]) if m is TD else Tensor([1.0]), 1.0),
     "probs"),
    (lambda m: m.NegativeBinomial(torch.tensor([-1.0]) if m is TD else Tensor([-1.0]),
                                  logits=0.0), "total_count"),
    (lambda m: m.ContinuousBernoulli(torch.tensor([1.5]) if m is TD else Tensor([1.5]),
                                     validate_args=True), "probs"),
    (lambda m: m.LogisticNormal(torch.zeros(2) if m is TD else Tensor(np.zeros(2)), 0.0),
     "scale"),
    (lambda m: m.RelaxedBernoulli(torch.tensor(0.5) if m is TD else Tensor(0.5),
                                  probs=1.5), "probs"),
    (lambda m: m.RelaxedOneHotCategorical(torch.tensor(0.5) if m is TD else Tensor(0.5),
                                          probs=torch.tensor([0.5, -0.5]) if m is TD
                                          else Tensor([0.5, -0.5])), "probs"),
])
def test_invalid_parameters_raise_one_line_as_torch(make, match):
    with pytest.raises(ValueError):
        make(TD)
    with pytest.raises(ValueError, match=match) as e:
        make(D)
    assert "\n" not in str(e.value)


def test_values_outside_the_support_raise_as_torch():
    for make, bad in [(lambda m, t: m.Pareto(t(2.0), t(1.0)), 1.5),
                      (lambda m, t: m.Weibull(t(2.0), t(1.0)), -0.5),
                      (lambda m, t: m.Kumaraswamy(t(2.0), t(1.0)), 1.5),
                      (lambda m, t: m.LogisticNormal(t([0.0]), t([1.0])), [0.5, 0.6])]:
        with pytest.raises(ValueError):
            make(TD, lambda v: torch.tensor(v, dtype=torch.float64)).log_prob(
                torch.tensor(bad, dtype=torch.float64))
        with pytest.raises(ValueError, match="support") as e:
            make(D, lambda v: Tensor(np.array(v))).log_prob(Tensor(np.array(bad)))
        assert "\n" not in str(e.value)


def test_a_jitted_pareto_step_checks_each_replayed_value_against_its_scale():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)

    def step(scale, v):
        d = D.Pareto(Tensor(scale) * w, 3.0)
        lp = d.log_prob(Tensor(v))
        lp.sum().backward()
        return lp

    j = jit.jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(4):
            w.grad = None
            j(np.array([1.0, 1.0]), np.array([2.0 + k, 3.0]))
        assert j.replays >= 2
        w.grad = None
        with pytest.raises(ValueError, match="Pareto: expected value"):
            j(np.array([3.0, 1.0]), np.array([2.0, 3.0]))  # 2 < 3 * 1: outside the support


def test_a_jitted_step_with_the_new_families_replays_with_fresh_draws():
    w = Tensor(np.array([0.3, -0.2, 0.1]), requires_grad=True)

    def step(x):
        a = Tensor(x) * w
        wb = D.Weibull(a.exp(), (a + 1).exp())
        s1 = wb.rsample((2,))
        ku = D.Kumaraswamy(a.sigmoid() + 0.3, a.sigmoid() * 0.5)  # log1p finite
        cb = D.ContinuousBernoulli(logits=a)
        r = D.RelaxedOneHotCategorical(Tensor(0.5), logits=a)
        s2 = r.rsample()
        out = (wb.log_prob(s1.detach()).sum() + s1.sum() + ku.mode.sum() + s2[0]
               + D.InverseGamma(a.exp(), 1.0).mean.sum() + r.log_prob(s2.detach())
               + cb.log_prob(cb.rsample()).sum() + cb.mean.sum() + cb.cdf(s2.detach()).sum())
        out.backward()
        return s1, s2, out

    xs = [np.random.default_rng(i).standard_normal(3) for i in range(5)]
    outs = replays_as_eager(step, xs, w)
    assert len({o[0].tobytes() for o in outs}) == len(xs)  # drawn afresh at each call


W3 = rng.standard_normal((2, 3))
M3 = rng.standard_normal((2, 3, 4))
S3 = rng.uniform(0.5, 2.0, (2, 3, 4))

# name: (make(module, logits, loc, scale), value)
MIXTURES = {
    "normal": (lambda m, w, mu, s: m.MixtureSameFamily(m.Categorical(logits=w),
                                                       m.Normal(mu[..., 0], s[..., 0])),
               rng.standard_normal((5, 2))),
    "broadcast_mixture": (lambda m, w, mu, s: m.MixtureSameFamily(
        m.Categorical(logits=w[0]), m.Normal(mu[..., 0], s[..., 0])), rng.standard_normal(2)),
    "independent": (lambda m, w, mu, s: m.MixtureSameFamily(
        m.Categorical(logits=w), m.Independent(m.Normal(mu, s), 1)),
        rng.standard_normal((5, 2, 4))),
    "gamma": (lambda m, w, mu, s: m.MixtureSameFamily(m.Categorical(logits=w),
                                                      m.Gamma(s[..., 0], s[..., 1])),
              rng.uniform(0.1, 3.0, (2,))),
}


@pytest.mark.parametrize("method", ["log_prob", "cdf", "mean", "variance", "stddev"])
@pytest.mark.parametrize("name", sorted(MIXTURES))
def test_mixture_values_and_gradients_match_torch(name, method):
    make, value = MIXTURES[name]
    if method == "cdf" and name in ("independent", "gamma"):
        return  # Independent has no cdf in torch; Gamma.cdf has no concentration gradient
    both(lambda m, w, mu, s, v: _method(make(m, w, mu, s), method, v), W3, M3, S3, value,
         what=f"{name}.{method}")


@pytest.mark.parametrize("name", sorted(MIXTURES))
def test_mixture_shapes_support_expand_and_draws(name):
    make, value = MIXTURES[name]
    ours = make(D, Tensor(W3), Tensor(M3), Tensor(S3))
    theirs = make(TD, torch.tensor(W3), torch.tensor(M3), torch.tensor(S3))
    assert (ours.batch_shape, ours.event_shape) == (tuple(theirs.batch_shape),
                                                   tuple(theirs.event_shape))
    assert repr(ours.support) == repr(theirs.support)
    assert not ours.has_rsample and not theirs.has_rsample
    e, te = ours.expand((3,) + ours.batch_shape), theirs.expand((3,) + theirs.batch_shape)
    assert e.batch_shape == tuple(te.batch_shape)
    value = value[0] if value.shape[0] == 5 else value
    _close(e.log_prob(Tensor(value)).data, te.log_prob(torch.tensor(value)), 1e-12, name)
    if name == "broadcast_mixture":  # torch's gather refuses the unbroadcast index; so do we
        with pytest.raises(RuntimeError):
            theirs.sample((2,))
        with pytest.raises(ValueError, match="gather"):
            ours.sample((2,))
        return
    tg.manual_seed(0)
    s = ours.sample((3,))
    assert s.shape == tuple(theirs.sample((3,)).shape)
    assert np.all(ours.support.check(s.data))


def test_mixture_draws_by_their_statistics():
    tg.manual_seed(0)
    d = D.MixtureSameFamily(D.Categorical(probs=Tensor([0.3, 0.7])),
                            D.Normal(Tensor([-2.0, 3.0]), Tensor([0.5, 1.0])))
    s = d.sample((40000,)).data
    assert abs(s.mean() - float(d.mean.data)) < 5 * float(d.stddev.data) / 200
    assert abs((s < 0.5).mean() - 0.3) < 0.01
    assert abs(s.var() - float(d.variance.data)) < 0.1


def test_mixture_refuses_as_torch():
    with pytest.raises(ValueError, match="Categorical"):
        D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(Tensor([0.0]), Tensor([1.0])))
    with pytest.raises(ValueError, match="does not equal"):
        D.MixtureSameFamily(D.Categorical(logits=Tensor(np.zeros(3))),
                            D.Normal(Tensor(np.zeros(2)), Tensor(np.ones(2))))
    with pytest.raises(ValueError):
        TD.MixtureSameFamily(TD.Categorical(logits=torch.zeros(3)),
                             TD.Normal(torch.zeros(2), torch.ones(2)))
    with pytest.raises(ValueError, match="not compatible"):
        D.MixtureSameFamily(D.Categorical(logits=Tensor(np.zeros((3, 2)))),
                            D.Normal(Tensor(np.zeros((4, 2))), Tensor(np.ones((4, 2)))))
    d = D.MixtureSameFamily(D.Categorical(logits=Tensor(np.zeros(2))),
                            D.Gamma(Tensor([1.0, 2.0]), Tensor([1.0, 1.0])))
    with pytest.raises(ValueError, match="support") as e:
        d.log_prob(Tensor(-1.0))
    assert "\n" not in str(e.value)


def test_a_jitted_mixture_step_replays_with_fresh_draws():
    w = Tensor(np.array([0.3, -0.2, 0.1]), requires_grad=True)

    def step(x):
        a = Tensor(x) * w
        d = D.MixtureSameFamily(D.Categorical(logits=a), D.Normal(a, a.exp()))
        s = d.sample((4,))
        out = d.log_prob(s).sum() + d.variance
        out.backward()
        return s, out

    xs = [np.random.default_rng(i).standard_normal(3) for i in range(5)]
    outs = replays_as_eager(step, xs, w)
    assert len({o[0].tobytes() for o in outs}) == len(xs)


LR_LOC = rng.standard_normal((2, 3))
LR_W = rng.standard_normal((2, 3, 2))
LR_D = rng.uniform(0.5, 2.0, (3,))


@pytest.mark.parametrize("method", ["log_prob", "entropy", "mean", "mode", "variance",
                                    "scale_tril", "covariance_matrix", "precision_matrix"])
def test_lowrank_mvn_matches_torch(method):
    x = rng.standard_normal((4, 2, 3))
    both(lambda m, a, w, d, v: _method(m.LowRankMultivariateNormal(a, w, d), method, v),
         LR_LOC, LR_W, LR_D, x, what=f"LowRankMultivariateNormal.{method}")


def test_lowrank_mvn_equals_the_full_mvn_and_rsample_matches_torch():
    d = D.LowRankMultivariateNormal(Tensor(LR_LOC), Tensor(LR_W), Tensor(LR_D))
    full = D.MultivariateNormal(Tensor(LR_LOC), covariance_matrix=d.covariance_matrix)
    x = Tensor(rng.standard_normal((4, 2, 3)))
    np.testing.assert_allclose(d.log_prob(x).data, full.log_prob(x).data, rtol=1e-12)
    assert (d.batch_shape, d.event_shape) == ((2,), (3,))
    ours = [Tensor(a.copy(), requires_grad=True) for a in (LR_LOC, LR_W, LR_D)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (LR_LOC, LR_W, LR_D)]
    tg.manual_seed(4)
    y = D.LowRankMultivariateNormal(*ours).rsample((5,))
    tg.manual_seed(4)  # the same draws: first the rank's, then the event's
    eps_w = D.Normal(np.zeros(2), np.ones(2)).rsample((5, 2)).data
    eps_d = D.Normal(np.zeros(3), np.ones(3)).rsample((5, 2)).data
    a, w, dd = theirs
    want = a + (w @ torch.tensor(eps_w).unsqueeze(-1)).squeeze(-1) + dd.sqrt() * torch.tensor(
        eps_d)
    _close(y.data, want, 1e-12, "rsample")
    g = rng.standard_normal(y.shape)
    (y * Tensor(g)).sum().backward()
    (want * torch.tensor(g)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(o.grad), t.grad.numpy(), rtol=1e-10)
    tg.manual_seed(0)
    s = d.sample((20000,)).data
    np.testing.assert_allclose(np.cov(s[:, 0].T), d.covariance_matrix.data[0], atol=0.1)
    e = d.expand((4, 2))
    te = TD.LowRankMultivariateNormal(*(torch.tensor(v) for v in (LR_LOC, LR_W, LR_D))
                                      ).expand((4, 2))
    assert (e.batch_shape, e.cov_factor.shape) == (tuple(te.batch_shape),
                                                   tuple(te.cov_factor.shape))
    _close(e.log_prob(x[0]).data, te.log_prob(torch.tensor(x.data[0])), 1e-12, "expand")


def test_lowrank_mvn_refuses_as_torch():
    loc, w = Tensor(np.zeros(3)), Tensor(np.ones((3, 2)))
    with pytest.raises(ValueError, match="cov_diag"):
        D.LowRankMultivariateNormal(loc, w, Tensor(np.array([1.0, -1.0, 1.0])))
    with pytest.raises(ValueError):
        TD.LowRankMultivariateNormal(torch.zeros(3), torch.ones(3, 2),
                                     torch.tensor([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="cov_factor must be a batch of matrices"):
        D.LowRankMultivariateNormal(loc, Tensor(np.ones((2, 2))), Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        D.LowRankMultivariateNormal(Tensor(0.0), w, Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="incompatible batch shapes"):
        D.LowRankMultivariateNormal(Tensor(np.zeros((2, 3))), Tensor(np.ones((4, 3, 2))),
                                    Tensor(np.ones(3)))


def test_a_jitted_lowrank_step_replays_with_fresh_draws():
    w = Tensor(np.array([0.3, -0.2, 0.1]), requires_grad=True)

    def step(x):
        a = Tensor(x) * w
        d = D.LowRankMultivariateNormal(a, a.unsqueeze(-1).exp(), a.exp())
        s = d.rsample((2,))
        out = d.log_prob(s).sum() + d.entropy() + d.precision_matrix.sum()
        out.backward()
        return s, out

    xs = [np.random.default_rng(i).standard_normal(3) for i in range(5)]
    outs = replays_as_eager(step, xs, w)
    assert len({o[0].tobytes() for o in outs}) == len(xs)


def _tn(m, a, b):
    mod = m.transforms
    return m.TransformedDistribution(m.Normal(a, b), [mod.AffineTransform(0.5, 2.0),
                                                      mod.ExpTransform()])


# name: (kl(module, *params), params); torch's registered pairs
KLS = {
    "transformed": (lambda m, a, b, c, d: m.kl_divergence(_tn(m, a, b), _tn(m, c, d)),
                    (L, A, L[::-1].copy(), B)),
    "pareto": (lambda m, a, b, c, d: m.kl_divergence(m.Pareto(a, b), m.Pareto(c, d)),
               (A, B, A[::-1].copy(), B[::-1].copy())),  # inf where p's scale is below q's
    "continuous_bernoulli": (lambda m, a, b: m.kl_divergence(m.ContinuousBernoulli(a),
                                                             m.ContinuousBernoulli(b)),
                             (CB, U)),
    "lowrank": (lambda m, a, w, d, b, v, e: m.kl_divergence(
        m.LowRankMultivariateNormal(a, w, d), m.LowRankMultivariateNormal(b, v, e)),
        (LR_LOC, LR_W, LR_D, LR_LOC[0] * 0.3, LR_W[0, :, :1], LR_D + A)),
}


@pytest.mark.parametrize("name", sorted(KLS))
def test_kl_divergences_match_torch(name):
    fn, params = KLS[name]
    # near p = 1/2 (0.5012, just outside the Taylor region) the normalizer's log|log1p(-p) -
    # log p| cancels (x200): the gradients agree to rounding, 2e-10 there
    both(fn, *params, what=f"KL {name}", gtol=1e-9 if name == "continuous_bernoulli" else 1e-10)


def test_kl_of_transformed_distributions_with_other_transforms_is_refused_as_torch():
    for m, t in ((D, Tensor), (TD, torch.tensor)):
        with pytest.raises(NotImplementedError):
            m.kl_divergence(m.Weibull(t(A), t(B)), m.Weibull(t(A), t(B + 1)))
        # equal transforms (separate tensors of equal values): the bases' KL, 0
        ok = m.kl_divergence(m.Weibull(t(A), t(B)), m.Weibull(t(A.copy()), t(B.copy())))
        assert tuple(ok.shape) == (2, 3) and not np.any(np.asarray(ok.detach().numpy()
                                                                   if m is TD else ok.data))
