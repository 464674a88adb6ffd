"""The families added to tinygrad_dl.distributions after the first batch (Exponential, Laplace,
Cauchy, Gumbel, HalfNormal, LogNormal, Gamma, Chi2, Beta, Dirichlet, StudentT, Poisson,
Geometric, Binomial, Multinomial; MultivariateNormal in test_distributions_mvn.py) against
torch.distributions (torch 2.13, CPU, float64): log_prob, cdf, icdf, entropy, mean, mode,
variance and KL values to 1e-12 and their gradients in the parameters to 1e-10; draws by
their statistics, dtypes and shapes; validate_args's errors; expand; a jitted step."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, jit
from tinygrad_dl import distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

SEEDS = range(4)


def _close(got, want, rtol, what):
    want = want.detach().numpy() if hasattr(want, "detach") else np.asarray(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=rtol * 1e-2, err_msg=what)


def both(fn, *arrays, what="", gtol=1e-10, gatol=None):
    """fn(dist module, tensor module, *params) in tinygrad_dl and torch, on the same float64
    arrays (each requiring grad): values to 1e-12, gradients of a weighted sum to `gtol`."""
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    got, want = fn(D, tg, *ours), fn(TD, torch, *theirs)
    assert got.shape == tuple(want.shape), what
    assert got.dtype == np.float64, what
    _close(got.data, want, 1e-12, what)
    w = np.random.default_rng(1).standard_normal(got.shape)
    keep = np.isfinite(got.data)  # a NaN or inf entry (Cauchy's mean) has no gradient to test
    w = np.where(keep, w, 0.0)
    if not want.requires_grad:
        assert not got.requires_grad or all(a.grad is None for a in ours), what
        return
    (got * Tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad), f"{what}: grad {k}"
        else:
            want_g = b.grad.numpy()
            np.testing.assert_allclose(a.grad, want_g, rtol=gtol, err_msg=what,
                                       atol=gtol * 1e-2 if gatol is None else gatol)


def _pos(rng, *shape):
    return rng.uniform(0.3, 3.0, shape)


def _real(rng, *shape):
    return rng.standard_normal(shape)


def _unit(rng, *shape):
    return rng.uniform(0.05, 0.95, shape)


def _rows(rng, *shape):
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


def _ints(rng, *shape):
    return rng.integers(0, 6, shape).astype(np.float64)


ALL = ("log_prob", "cdf", "icdf", "entropy", "mean", "mode", "variance", "stddev")
NO_CDF = ("log_prob", "entropy", "mean", "mode", "variance", "stddev")
DISCRETE = ("log_prob", "entropy", "mean", "mode", "variance", "stddev")

# name: (make(d, *params), params(rng), value(rng), the methods torch has)
FAMILIES = {
    "Exponential": (lambda d, r: d.Exponential(r), lambda g: [_pos(g, 3)],
                    lambda g: _pos(g, 2, 3), ALL),
    "Laplace": (lambda d, m, s: d.Laplace(m, s), lambda g: [_real(g, 3, 1), _pos(g, 4)],
                lambda g: _real(g, 2, 3, 4), ALL),
    "Cauchy": (lambda d, m, s: d.Cauchy(m, s), lambda g: [_real(g, 3, 1), _pos(g, 4)],
               lambda g: _real(g, 2, 3, 4), ALL),
    "Gumbel": (lambda d, m, s: d.Gumbel(m, s), lambda g: [_real(g, 3, 1), _pos(g, 4)],
               lambda g: _real(g, 2, 3, 4), ALL),
    "HalfNormal": (lambda d, s: d.HalfNormal(s), lambda g: [_pos(g, 3)],
                   lambda g: _pos(g, 2, 3), ALL),
    "LogNormal": (lambda d, m, s: d.LogNormal(m, s), lambda g: [_real(g, 3, 1), _pos(g, 4)],
                  lambda g: _pos(g, 2, 3, 4), ALL),
    "Gamma": (lambda d, c, r: d.Gamma(c, r), lambda g: [_pos(g, 3, 1), _pos(g, 4)],
              lambda g: _pos(g, 2, 3, 4), NO_CDF),
    "Chi2": (lambda d, df: d.Chi2(df), lambda g: [_pos(g, 3) * 2],
             lambda g: _pos(g, 2, 3), NO_CDF),
    "Beta": (lambda d, a, b: d.Beta(a, b), lambda g: [_pos(g, 3, 1), _pos(g, 4)],
             lambda g: _unit(g, 2, 3, 4), NO_CDF),
    "Dirichlet": (lambda d, c: d.Dirichlet(c), lambda g: [_pos(g, 2, 4)],
                  lambda g: _rows(g, 3, 2, 4), NO_CDF),
    "StudentT": (lambda d, df, m, s: d.StudentT(df, m, s),
                 lambda g: [g.uniform(0.5, 5.0, (3, 1)), _real(g, 4), _pos(g, 4)],
                 lambda g: _real(g, 2, 3, 4), NO_CDF),
    "Poisson": (lambda d, r: d.Poisson(r), lambda g: [_pos(g, 3)], lambda g: _ints(g, 2, 3),
                ("log_prob", "mean", "mode", "variance", "stddev")),
    "Geometric": (lambda d, p: d.Geometric(p), lambda g: [_unit(g, 3)],
                  lambda g: _ints(g, 2, 3), DISCRETE),
    "Geometric-logits": (lambda d, lo: d.Geometric(logits=lo), lambda g: [_real(g, 3)],
                         lambda g: _ints(g, 2, 3), DISCRETE),
    "Binomial": (lambda d, p: d.Binomial(d is D and tg.tensor(7.0) or torch.tensor(7.0), p),
                 lambda g: [_unit(g, 3)], lambda g: _ints(g, 2, 3), DISCRETE),
    "Binomial-logits": (lambda d, lo: d.Binomial(5, logits=lo), lambda g: [_real(g, 2, 3)],
                        lambda g: _ints(g, 4, 2, 3) % 6, DISCRETE),
    "Multinomial": (lambda d, p: d.Multinomial(6, p), lambda g: [_rows(g, 3, 4)],
                    lambda g: g.multinomial(6, [0.25] * 4, (2, 3)).astype(np.float64),
                    ("log_prob", "entropy", "mean", "variance", "stddev")),
    "Multinomial-logits": (lambda d, lo: d.Multinomial(6, logits=lo), lambda g: [_real(g, 4)],
                           lambda g: g.multinomial(6, [0.25] * 4, (3,)).astype(np.float64),
                           ("log_prob", "entropy", "mean", "variance", "stddev")),
}
# digamma's gradient is trigamma, which torch computes by a short series (5e-10 off; ours is
# mpmath's to rounding: test_trigamma_gradients_are_exact): 1e-9 for those gradients
TRIGAMMA = {"Gamma", "Chi2", "Beta", "Dirichlet", "StudentT"}
CASES = [(name, m) for name, f in FAMILIES.items() for m in f[3]]


def _call(method, dist, t, value, u):
    if method == "entropy" and t is torch and isinstance(dist, TD.Multinomial):
        # torch's Multinomial.entropy takes lgamma(n + 1) of an int64 tensor, in float32: ours
        # is float64's; torch's value with that one term in float64
        n = torch.tensor(float(dist.total_count + 1), dtype=torch.float64)
        return dist.entropy() + torch.lgamma(n.float()).double() - torch.lgamma(n)
    if method in ("log_prob", "cdf"):
        return getattr(dist, method)(t.tensor(value))
    if method == "icdf":
        return dist.icdf(t.tensor(u))
    if method == "entropy":
        return dist.entropy()
    return getattr(dist, method)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_values_and_gradients_match_torch(name, method, seed):
    make, params, value, _ = FAMILIES[name]
    rng = np.random.default_rng(seed)
    ps, x = params(rng), value(rng)
    u = rng.uniform(0.02, 0.98, x.shape)
    tri = name in TRIGAMMA and method == "entropy"
    both(lambda d, t, *p: _call(method, make(d, *p), t, x, u), *ps, what=f"{name}.{method}",
         gtol=1e-9 if tri else 1e-10, gatol=1e-9 if tri else None)


def test_trigamma_gradients_are_exact():
    # the gradients through digamma that torch gives to 5e-10 only: ours against mpmath
    mp = pytest.importorskip("mpmath")
    c = Tensor(np.array([0.35, 1.7, 2.6]), requires_grad=True)
    D.Gamma(c, 1.0).entropy().sum().backward()
    want = [1 + (1 - v) * float(mp.polygamma(1, v)) for v in c.data]
    np.testing.assert_allclose(c.grad, want, rtol=1e-13)


def _v(t, x):
    return t.tensor(np.array(x, dtype=np.float64))


def test_modes_and_moments_at_the_edges_match_torch():
    conc = np.array([[0.5, 0.3, 0.9], [2.0, 0.5, 3.0], [0.2, 0.2, 0.2]])
    both(lambda d, t, c: d.Dirichlet(c).mode, conc, what="Dirichlet.mode")
    both(lambda d, t, a, b: d.Beta(a, b).mode, np.array([0.5, 2.0, 0.5]),
         np.array([0.7, 3.0, 2.0]), what="Beta.mode")
    df = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 7.0])
    for what in ("mean", "variance"):
        both(lambda d, t, f, s, w=what: getattr(d.StudentT(f, 0.3, s), w), df, _pos(
            np.random.default_rng(0), 6), what=f"StudentT.{what}")
    both(lambda d, t, c, r: d.Gamma(c, r).mode, np.array([0.5, 1.0, 3.0]),
         np.array([2.0, 1.0, 0.5]), what="Gamma.mode")
    both(lambda d, t, r: d.Poisson(r).log_prob(_v(t, [0.0, 0.0, 3.0])),
         np.array([0.0, 1.5, 2.0]), what="Poisson at rate 0")
    both(lambda d, t, p: d.Geometric(p).log_prob(_v(t, [0.0, 2.0, 0.0])),
         np.array([1.0, 0.5, 0.3]), what="Geometric at probs 1")
    both(lambda d, t, p: d.Binomial(_v(t, [3.0, 4.0, 5.0]), p).mode,
         np.array([1.0, 0.5, 0.0]), what="Binomial.mode")
    both(lambda d, t, s: d.HalfNormal(s, validate_args=False).log_prob(_v(t, [-1.0, 0.0, 2.0])),
         np.array([1.0, 2.0, 0.5]), what="HalfNormal below 0")
    both(lambda d, t, lo: d.Multinomial(3, logits=lo).log_prob(_v(t, [0.0, 1.0, 2.0])),
         np.array([-np.inf, 0.5, 0.2]), what="Multinomial at logits -inf")


def test_scalar_parameters_give_scalar_batch_and_float32_stays_float32():
    f32 = Tensor(np.array([0.5, 2.0], np.float32))
    makers = [lambda p: D.Exponential(p), lambda p: D.Laplace(p, 1.0),
              lambda p: D.Cauchy(0.0, p), lambda p: D.Gumbel(p, p),
              lambda p: D.HalfNormal(p), lambda p: D.LogNormal(p, 1.0),
              lambda p: D.Gamma(p, 2.0), lambda p: D.Chi2(p), lambda p: D.Beta(p, 1.5),
              lambda p: D.StudentT(p + 3), lambda p: D.Poisson(p),
              lambda p: D.Geometric(p / 4), lambda p: D.Binomial(4, p / 4)]
    for make in makers:
        d = make(f32)
        assert d.batch_shape == (2,)
        x = d.sample((3,))
        assert x.shape == (3, 2) and x.dtype == np.float32, type(d).__name__
        assert d.log_prob(x).dtype == np.float32, type(d).__name__
        assert make(0.5).batch_shape == () and make(0.5).sample().shape == ()
    d = D.Dirichlet(Tensor(np.ones((2, 3), np.float32)))
    assert d.sample((4,)).shape == (4, 2, 3) and d.sample().dtype == np.float32
    m = D.Multinomial(5, Tensor(np.full((2, 3), 1 / 3, np.float32)))
    s = m.sample((4,))
    assert s.shape == (4, 2, 3) and s.dtype == np.float32 and np.all(s.data.sum(-1) == 5)


@pytest.mark.parametrize("name", ["Exponential", "Laplace", "Cauchy", "Gumbel", "HalfNormal",
                                  "LogNormal", "Gamma", "Chi2", "Beta", "Dirichlet",
                                  "StudentT", "Poisson", "Geometric", "Binomial",
                                  "Multinomial"])
def test_shapes_flags_supports_and_constraints_match_torch(name):
    make, params, value, _ = FAMILIES[name]
    ps = params(np.random.default_rng(0))
    ours, theirs = make(D, *map(Tensor, ps)), make(TD, *map(torch.tensor, ps))
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    for shape in [(), (2,), (2, 3)]:
        assert ours.sample(shape).shape == tuple(theirs.sample(shape).shape)
    assert ours.has_enumerate_support == theirs.has_enumerate_support
    assert set(ours.arg_constraints) == set(theirs.arg_constraints)
    if name not in ("Binomial", "Multinomial"):
        assert repr(ours.support).split("(")[0] == repr(theirs.support).split("(")[0]
        assert ours.support.is_discrete == theirs.support.is_discrete
    # torch's gamma family reparameterizes through _standard_gamma_grad; not here
    assert ours.has_rsample == (theirs.has_rsample and name not in (
        "Gamma", "Chi2", "Beta", "Dirichlet", "StudentT"))


@pytest.mark.parametrize("name", ["Gamma", "Chi2", "Beta", "Dirichlet", "StudentT"])
def test_gamma_family_rsample_refuses_in_one_line(name):
    make, params, _, _ = FAMILIES[name]
    d = make(D, *map(Tensor, params(np.random.default_rng(0))))
    with pytest.raises(NotImplementedError) as e:
        d.rsample()
    assert "\n" not in str(e.value) and str(e.value).startswith(f"{name}.rsample")
    assert "sample()" in str(e.value)


def test_rsample_gradients():
    # each draw is a function of the parameters: x = loc + scale * z, or -log1p(-u) / rate
    rate = Tensor([0.5, 2.0], requires_grad=True)
    x = D.Exponential(rate).rsample((4,))
    x.sum().backward()
    np.testing.assert_allclose(rate.grad, (-x.data / rate.data).sum(0), rtol=1e-12)
    for cls in (D.Laplace, D.Cauchy, D.Gumbel):
        loc = Tensor([0.5, -1.0], requires_grad=True)
        scale = Tensor([2.0, 0.5], requires_grad=True)
        x = cls(loc, scale).rsample((3,))
        x.sum().backward()
        np.testing.assert_allclose(loc.grad, [3.0, 3.0], rtol=1e-12)
        np.testing.assert_allclose(scale.grad, ((x.data - loc.data) / scale.data).sum(0),
                                   rtol=1e-12)
    scale = Tensor([2.0, 0.5], requires_grad=True)
    x = D.HalfNormal(scale).rsample((3,))
    x.sum().backward()
    np.testing.assert_allclose(scale.grad, (x.data / scale.data).sum(0), rtol=1e-12)
    loc, scale = Tensor([0.1], requires_grad=True), Tensor([0.3], requires_grad=True)
    x = D.LogNormal(loc, scale).rsample((5,))
    x.sum().backward()
    np.testing.assert_allclose(loc.grad, x.data.sum(0), rtol=1e-12)
    z = (np.log(x.data) - 0.1) / 0.3
    np.testing.assert_allclose(scale.grad, (x.data * z).sum(0), rtol=1e-12)


def _stat(x, mean, var, n, k=5.0):
    """x's mean within k standard errors of `mean` (x of n draws along axis 0)."""
    assert np.all(np.abs(x.mean(0) - mean) <= k * np.sqrt(var / n)), (x.mean(0), mean)


def test_draw_statistics():
    tg.manual_seed(2)
    n = 40000
    cases = [D.Exponential(Tensor([0.5, 3.0])), D.Laplace(Tensor([1.0, -2.0]), 2.0),
             D.Gumbel(Tensor([1.0, -2.0]), Tensor([0.5, 2.0])), D.HalfNormal(Tensor([1.5])),
             D.LogNormal(Tensor([0.1, -0.5]), 0.4), D.Gamma(Tensor([0.3, 1.0, 4.5]), 2.0),
             D.Chi2(Tensor([0.7, 3.0])), D.Beta(Tensor([0.5, 2.0]), Tensor([1.5, 0.7])),
             D.StudentT(Tensor([5.0, 9.0]), 1.0, 2.0), D.Poisson(Tensor([0.0, 0.5, 7.0])),
             D.Geometric(Tensor([0.2, 0.9, 1.0])), D.Binomial(Tensor([0.0, 5.0, 20.0]), 0.3),
             D.Dirichlet(Tensor([0.5, 1.0, 3.0])), D.Multinomial(7, Tensor([0.2, 0.0, 0.8]))]
    for d in cases:
        x = d.sample((n,)).data
        mean, var = d.mean.data, d.variance.data
        _stat(x, mean, var, n)
        # the variance of the draws, within a few standard errors (fourth moments are bounded
        # here by a generous factor of the variance squared)
        assert np.all(np.abs(x.var(0) - var) <= 10 * np.sqrt(8 * var**2 / n) + 1e-12), (
            type(d).__name__, x.var(0), var)
        assert d.support.check(x).all(), type(d).__name__
    c = D.Cauchy(Tensor([1.0]), Tensor([2.0])).sample((n,)).data
    assert abs(np.median(c) - 1.0) < 5 * np.pi * 2.0 / 2 / np.sqrt(n)
    x = D.Uniform(0.0, 1.0).expand((3,)).sample((2,))
    assert x.shape == (2, 3)


def test_cdf_of_icdf_is_the_identity():
    u = Tensor(np.array([0.01, 0.3, 0.5, 0.9, 0.99]))
    for d in (D.Exponential(2.0), D.Laplace(1.0, 2.0), D.Cauchy(-1.0, 0.5), D.Gumbel(0.5, 3.0),
              D.HalfNormal(2.0), D.LogNormal(0.3, 0.7)):
        np.testing.assert_allclose(d.cdf(d.icdf(u)).data, u.data, rtol=1e-12)


# ---- kl_divergence -----------------------------------------------------------------------------
KL = {
    "Exponential": (lambda d, a, b: (d.Exponential(a), d.Exponential(b)),
                    lambda g: [_pos(g, 3), _pos(g, 2, 3)]),
    "Laplace": (lambda d, a, b, c, e: (d.Laplace(a, b), d.Laplace(c, e)),
                lambda g: [_real(g, 3), _pos(g, 3), _real(g, 2, 3), _pos(g, 3)]),
    "Cauchy": (lambda d, a, b, c, e: (d.Cauchy(a, b), d.Cauchy(c, e)),
               lambda g: [_real(g, 3), _pos(g, 3), _real(g, 2, 3), _pos(g, 3)]),
    "Gumbel": (lambda d, a, b, c, e: (d.Gumbel(a, b), d.Gumbel(c, e)),
               lambda g: [_real(g, 3), _pos(g, 3), _real(g, 2, 3), _pos(g, 3)]),
    "HalfNormal": (lambda d, a, b: (d.HalfNormal(a), d.HalfNormal(b)),
                   lambda g: [_pos(g, 3), _pos(g, 3)]),
    "LogNormal": (lambda d, a, b, c, e: (d.LogNormal(a, b), d.LogNormal(c, e)),
                  lambda g: [_real(g, 3), _pos(g, 3), _real(g, 2, 3), _pos(g, 3)]),
    "Gamma": (lambda d, a, b, c, e: (d.Gamma(a, b), d.Gamma(c, e)),
              lambda g: [_pos(g, 3), _pos(g, 3), _pos(g, 2, 3), _pos(g, 3)]),
    "Chi2": (lambda d, a, b: (d.Chi2(a), d.Chi2(b)), lambda g: [_pos(g, 3), _pos(g, 3)]),
    "Beta": (lambda d, a, b, c, e: (d.Beta(a, b), d.Beta(c, e)),
             lambda g: [_pos(g, 3), _pos(g, 3), _pos(g, 2, 3), _pos(g, 3)]),
    "Dirichlet": (lambda d, a, b: (d.Dirichlet(a), d.Dirichlet(b)),
                  lambda g: [_pos(g, 2, 4), _pos(g, 4)]),
    "Poisson": (lambda d, a, b: (d.Poisson(a), d.Poisson(b)), lambda g: [_pos(g, 3), _pos(g, 3)]),
    "Geometric": (lambda d, a, b: (d.Geometric(a), d.Geometric(logits=b)),
                  lambda g: [_unit(g, 3), _real(g, 3)]),
    "Binomial": (lambda d, a, b: (d.Binomial(_v(torch if d is TD else tg, [4.0, 6.0, 6.0]), a),
                                  d.Binomial(_v(torch if d is TD else tg, [4.0, 6.0, 5.0]),
                                             logits=b)),
                 lambda g: [_unit(g, 3), _real(g, 3)]),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(KL))
def test_kl_divergence_matches_torch(name, seed):
    make, params = KL[name]
    tri = name in TRIGAMMA
    both(lambda d, t, *p: d.kl_divergence(*make(d, *p)), *params(np.random.default_rng(seed)),
         what=f"KL {name}", gtol=1e-9 if tri else 1e-10, gatol=1e-9 if tri else None)


def test_kl_refusals_like_torch():
    for d in (D, TD):
        t = tg if d is D else torch
        with pytest.raises(NotImplementedError, match="total_count"):
            d.kl_divergence(d.Binomial(_v(t, [2.0]), _v(t, [0.5])),
                            d.Binomial(_v(t, [3.0]), _v(t, [0.5])))
        with pytest.raises(NotImplementedError):
            d.kl_divergence(d.Poisson(1.0), d.Geometric(0.5))


# ---- validation ------------------------------------------------------------------------------
BAD = [
    ("Exponential", lambda d, t: d.Exponential(_v(t, [0.0])), "rate"),
    ("Laplace", lambda d, t: d.Laplace(_v(t, [0.0]), _v(t, [-1.0])), "scale"),
    ("Cauchy", lambda d, t: d.Cauchy(_v(t, [float("nan")]), _v(t, [1.0])), "loc"),
    ("Gumbel", lambda d, t: d.Gumbel(_v(t, [0.0]), _v(t, [0.0])), "scale"),
    ("HalfNormal", lambda d, t: d.HalfNormal(_v(t, [-1.0])), "scale"),
    ("LogNormal", lambda d, t: d.LogNormal(_v(t, [0.0]), _v(t, [0.0])), "scale"),
    ("Gamma", lambda d, t: d.Gamma(_v(t, [0.0]), _v(t, [1.0])), "concentration"),
    ("Gamma", lambda d, t: d.Gamma(_v(t, [1.0]), _v(t, [-1.0])), "rate"),
    ("Chi2", lambda d, t: d.Chi2(_v(t, [-1.0])), "df"),
    ("Beta", lambda d, t: d.Beta(_v(t, [0.0]), _v(t, [1.0])), "concentration1"),
    ("Dirichlet", lambda d, t: d.Dirichlet(_v(t, [1.0, -1.0])), "concentration"),
    ("Dirichlet", lambda d, t: d.Dirichlet(_v(t, 1.0)), "one-dimensional"),
    ("StudentT", lambda d, t: d.StudentT(_v(t, [0.0])), "df"),
    ("Poisson", lambda d, t: d.Poisson(_v(t, [-1.0])), "rate"),
    ("Geometric", lambda d, t: d.Geometric(_v(t, [1.5])), "probs"),
    ("Geometric", lambda d, t: d.Geometric(_v(t, [0.0])), "probs"),
    ("Geometric", lambda d, t: d.Geometric(), "not both"),
    ("Binomial", lambda d, t: d.Binomial(_v(t, [2.5]), _v(t, [0.5])), "total_count"),
    ("Binomial", lambda d, t: d.Binomial(_v(t, [2.0]), _v(t, [-0.5])), "probs"),
    ("Multinomial", lambda d, t: d.Multinomial(3, _v(t, [0.5, -0.5])), "probs"),
    ("Exponential", lambda d, t: d.Exponential(1.0).log_prob(_v(t, -1.0)), "value"),
    ("Gamma", lambda d, t: d.Gamma(1.0, 1.0).log_prob(_v(t, -1.0)), "value"),
    ("Beta", lambda d, t: d.Beta(1.0, 1.0).log_prob(_v(t, 1.5)), "value"),
    ("Dirichlet", lambda d, t: d.Dirichlet(_v(t, [1.0, 1.0])).log_prob(_v(t, [0.5, 0.6])),
     "value"),
    ("Poisson", lambda d, t: d.Poisson(1.0).log_prob(_v(t, 0.5)), "value"),
    ("Geometric", lambda d, t: d.Geometric(0.5).log_prob(_v(t, -1.0)), "value"),
    ("Binomial", lambda d, t: d.Binomial(_v(t, [3.0]), _v(t, [0.5])).log_prob(_v(t, [4.0])),
     "value"),
    ("Multinomial", lambda d, t: d.Multinomial(2, _v(t, [0.5, 0.5])).log_prob(
        _v(t, [2.0, 1.0])), "value"),
    ("HalfNormal", lambda d, t: d.HalfNormal(1.0).cdf(_v(t, -1.0)), "value"),
    ("LogNormal", lambda d, t: d.LogNormal(0.0, 1.0).log_prob(_v(t, 0.0)), "value"),
]


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize(("name", "make", "word"), BAD, ids=[f"{b[0]}-{i}"
                                                            for i, b in enumerate(BAD)])
def test_invalid_parameters_and_values_raise_one_line_like_torch(name, make, word):
    with pytest.raises(ValueError):
        make(TD, torch)
    with pytest.raises(ValueError) as e:
        make(D, tg)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(name) and word in msg, msg


def test_multinomial_needs_an_int_total_count_like_torch():
    for d, t in ((D, tg), (TD, torch)):
        with pytest.raises(NotImplementedError):
            d.Multinomial(_v(t, [2.0]), _v(t, [0.5, 0.5]))
    with pytest.raises(NotImplementedError, match="inhomogeneous"):
        D.Binomial(Tensor([2.0, 3.0]), 0.5).entropy()


# ---- expand ------------------------------------------------------------------------------------
EXPAND = [
    (lambda d, t: d.Normal(_v(t, [0.0, 1.0]), 2.0), (3, 2)),
    (lambda d, t: d.Uniform(0.0, _v(t, 2.0)), (4,)),
    (lambda d, t: d.Bernoulli(logits=_v(t, [0.3])), (2, 5)),
    (lambda d, t: d.Categorical(_v(t, [[0.2, 0.8]])), (3, 2)),
    (lambda d, t: d.OneHotCategorical(logits=_v(t, [0.2, 0.8, 0.1])), (2,)),
    (lambda d, t: d.Independent(d.Normal(_v(t, [[0.0, 1.0]]), 1.0), 1), (4, 1)),
    (lambda d, t: d.Exponential(_v(t, [0.5, 2.0])), (3, 2)),
    (lambda d, t: d.Gumbel(_v(t, 0.5), 2.0), (3,)),
    (lambda d, t: d.HalfNormal(_v(t, [0.5])), (3,)),
    (lambda d, t: d.LogNormal(_v(t, [0.5]), 1.0), (2, 3)),
    (lambda d, t: d.Gamma(_v(t, [0.5, 2.0]), 1.5), (2, 2)),
    (lambda d, t: d.Chi2(_v(t, [3.0])), (2,)),
    (lambda d, t: d.Beta(_v(t, [0.5]), 1.5), (3,)),
    (lambda d, t: d.Dirichlet(_v(t, [0.5, 1.5, 2.0])), (2,)),
    (lambda d, t: d.StudentT(_v(t, [3.0]), 1.0, 2.0), (2,)),
    (lambda d, t: d.Poisson(_v(t, [3.0])), (2,)),
    (lambda d, t: d.Geometric(_v(t, [0.3])), (2,)),
    (lambda d, t: d.Binomial(_v(t, [3.0]), _v(t, [0.3])), (2,)),
    (lambda d, t: d.Multinomial(4, _v(t, [0.3, 0.7])), (2,)),
]


@pytest.mark.parametrize("k", range(len(EXPAND)))
def test_expand_matches_torch(k):
    make, shape = EXPAND[k]
    ours, theirs = make(D, tg).expand(shape), make(TD, torch).expand(shape)
    assert type(ours) is getattr(D, type(theirs).__name__)
    assert ours.batch_shape == tuple(theirs.batch_shape) == shape
    assert ours.event_shape == tuple(theirs.event_shape)
    x = theirs.sample((2,))
    assert ours.sample((2,)).shape == tuple(x.shape)
    if x.is_floating_point():
        x = x.double()
    _close(ours.log_prob(Tensor(x.numpy())).data, theirs.log_prob(x), 1e-12, "log_prob")
    # (torch's expanded Multinomial has no entropy: it loses its _binomial, AttributeError)
    if not isinstance(theirs, (TD.Poisson, TD.Binomial, TD.Multinomial)):
        _close(ours.entropy().data, theirs.entropy(), 1e-12, "entropy")
    _close(ours.mean.data, theirs.mean, 1e-12, "mean")


def test_expand_keeps_the_graph_and_refuses_what_torch_refuses():
    loc = Tensor([0.5, -1.0], requires_grad=True)
    d = D.Laplace(loc, 2.0).expand((3, 2))
    d.log_prob(Tensor(np.zeros((3, 2)))).sum().backward()
    np.testing.assert_allclose(loc.grad, [-1.5, 1.5], rtol=1e-12)
    for bad in [(3,), (2, 3)]:
        with pytest.raises(RuntimeError):
            TD.Laplace(torch.tensor([0.5, -1.0]), 2.0).expand(bad)
        with pytest.raises(ValueError, match=r"Laplace.expand: batch_shape \(2,\) cannot"):
            D.Laplace(Tensor([0.5, -1.0]), 2.0).expand(bad)


# ---- jit ---------------------------------------------------------------------------------------
def test_a_jitted_step_with_the_new_families_draws_afresh_and_checks_at_each_replay():
    rate = Tensor(np.ones(3), requires_grad=True)

    def step(c):
        g = D.Gamma(Tensor(c), rate)
        x = g.sample()
        y = D.Exponential(rate).rsample()
        k = D.Poisson(rate).sample((4,))
        (g.log_prob(x).sum() + y.sum() + D.Poisson(rate).log_prob(k).sum()).backward()
        return x, y, k

    j = jit.jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outs = [j(np.full(3, 2.0)) for _ in range(4)]
    assert j.replays >= 2
    for i in range(2):
        assert len({tuple(o[i].data) for o in outs}) == 4
    assert len({tuple(o[2].data.ravel()) for o in outs}) == 4
    with pytest.raises(ValueError, match="parameter concentration"):
        j(-np.ones(3))


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_draws_of_invalid_unchecked_parameters_raise_one_line():
    # validate_args=False lets a bad parameter through to the sampler: NumPy's refusal,
    # named, where torch's samplers raise too
    for d, who in [(D.Poisson(Tensor([float("nan")]), validate_args=False), "Poisson.sample"),
                   (D.Gamma(-1.0, 1.0, validate_args=False), "Gamma.sample"),
                   (D.Dirichlet(Tensor([1.0, -1.0]), validate_args=False), "Dirichlet.sample"),
                   (D.Binomial(Tensor([-3.0]), 0.5, validate_args=False), "Binomial.sample")]:
        with pytest.raises(ValueError) as e:
            d.sample()
        assert str(e.value).startswith(who) and "\n" not in str(e.value)
    with pytest.raises(RuntimeError):
        torch.poisson(torch.tensor([float("nan")]))


def test_empty_batches():
    # torch's Dirichlet, Beta, Binomial.entropy and MultivariateNormal refuse an empty batch
    # (an ambiguous reshape in their checks); here they give empty results of the right shapes
    e, p = Tensor(np.ones(0)), Tensor(np.ones((0, 3)))
    for d in (D.Exponential(e), D.Gamma(e, 1.0), D.Beta(e, 1.0), D.Dirichlet(p),
              D.Binomial(3, e / 2), D.Multinomial(3, p), D.Geometric(e / 2), D.StudentT(e),
              D.MultivariateNormal(p, Tensor(np.eye(3))), D.Independent(D.Normal(p, 1.0), 1)):
        x = d.sample((2,))
        assert x.shape == (2, 0) + d.event_shape, type(d).__name__
        assert d.log_prob(x).shape == (2, 0) and d.entropy().shape == (0,), type(d).__name__


@pytest.mark.parametrize("name", [n for n in FAMILIES if not n.startswith("Binomial")])
def test_float32_log_prob_and_entropy_are_torch_float32(name):
    make, params, value, methods = FAMILIES[name]
    rng = np.random.default_rng(5)
    ps, x = [p.astype(np.float32) for p in params(rng)], value(rng).astype(np.float32)
    ours, theirs = make(D, *map(Tensor, ps)), make(TD, *map(torch.tensor, ps))
    got, want = ours.log_prob(Tensor(x)), theirs.log_prob(torch.tensor(x))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.data, want.numpy(), rtol=2e-5, atol=2e-5)
    if "entropy" in methods and not name.startswith("Multinomial"):
        np.testing.assert_allclose(ours.entropy().data, theirs.entropy().numpy(), rtol=2e-5,
                                   atol=2e-5)


def test_gamma_and_chi2_cdf_as_torch_with_no_concentration_gradient():
    rng = np.random.default_rng(4)
    c, r, x = rng.uniform(0.3, 6.0, 5), rng.uniform(0.2, 3.0, 5), rng.uniform(0.0, 8.0, 5)
    tr, tx = torch.tensor(r, requires_grad=True), torch.tensor(x, requires_grad=True)
    want = TD.Gamma(torch.tensor(c), tr).cdf(tx)
    want.sum().backward()
    gr, gx = Tensor(r, requires_grad=True), Tensor(x, requires_grad=True)
    got = D.Gamma(Tensor(c), gr).cdf(gx)
    got.sum().backward()
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(gr.grad, tr.grad.numpy(), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(gx.grad, tx.grad.numpy(), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(D.Chi2(Tensor(c)).cdf(Tensor(x)).data,
                               TD.Chi2(torch.tensor(c)).cdf(torch.tensor(x)).numpy(), rtol=1e-10)
    with pytest.raises(RuntimeError, match="not implemented"):  # as torch's igamma
        D.Gamma(Tensor(c, requires_grad=True), 1.0).cdf(Tensor(x)).sum().backward()
    with pytest.raises(ValueError):  # outside the support, validate_args on
        D.Gamma(2.0, 1.0, validate_args=True).cdf(Tensor(np.array([-1.0])))
