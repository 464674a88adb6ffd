"""tinygrad_dl.distributions against torch.distributions (2.13, CPU, float64) on random
parameters: many seeds, batch shapes that broadcast (including () and shapes with 1s), values
at the support's edges; log_prob, cdf, icdf, entropy, mean, mode, variance, stddev and their
gradients to 1e-10, same-family kl_divergence, shapes, expand and validate_args.

The random parameters stay where torch's own formulas keep their digits (probs in [1e-6,
1 - 1e-6], logits within +-12, scales in [1e-3, 1e3]); beyond that torch loses digits where
ours does not, and those cases are checked against mpmath instead
(test_where_torch_loses_digits_ours_matches_mpmath)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl import distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

SHAPES = [(), (1,), (3,), (2, 1), (1, 3), (2, 3)]


def _sub(r, shape):
    """A shape that broadcasts to `shape` (some sizes 1, maybe a dimension fewer)."""
    s = [1 if r.random() < 0.3 else n for n in shape]
    return tuple(s[1:] if s and r.random() < 0.3 else s)


def pos(r, shape, lo=-3.0, hi=3.0):
    """Positive values: mostly in [0.1, 10], a third log-uniform in [10^lo, 10^hi]."""
    shape = _sub(r, shape)
    x = np.exp(r.uniform(np.log(0.1), np.log(10.0), shape))
    return np.where(r.random(shape) < 0.35, 10.0 ** r.uniform(lo, hi, shape), x)


def prob(r, shape):
    """Probabilities, some within 1e-6 of 0 and of 1."""
    shape = _sub(r, shape)
    m = r.random(shape)
    x = r.uniform(0.01, 0.99, shape)
    x = np.where(m < 0.15, 10.0 ** r.uniform(-6, -2, shape), x)
    return np.where((m >= 0.15) & (m < 0.3), 1 - 10.0 ** r.uniform(-6, -2, shape), x)


def real(r, shape, big=12.0):
    shape = _sub(r, shape)
    return np.where(r.random(shape) < 0.2, r.uniform(-big, big, shape),
                    r.standard_normal(shape) * 3)


def _values(kind, r, params, bs):
    """Four values per batch entry in the support, the first ones at its edges."""
    k = (4,) + bs
    if kind == "real":
        return r.standard_normal(k) * 10
    if kind in ("pos", "pos0"):  # [0, inf) (pos0: 0 included)
        v = 10.0 ** r.uniform(-6, 2, k)
        if kind == "pos0":
            v[0] = 0.0
        return v
    if kind in ("unit", "unit01"):
        v = r.uniform(1e-6, 1 - 1e-6, k)
        if kind == "unit01":
            v[0], v[1] = 0.0, 1.0
        return v
    if kind == "count":
        v = r.integers(0, 30, k).astype(np.float64)
        v[0] = 0.0
        return v
    if kind == "bit":
        return r.integers(0, 2, k).astype(np.float64)
    if kind == "binomial":
        n = np.broadcast_to(params[0], bs)
        v = np.floor(r.random(k) * (n + 1))
        v[0], v[1] = 0.0, n
        return v
    if kind == "uniform":
        lo, w = np.broadcast_to(params[0], bs), np.broadcast_to(params[1], bs)
        u = r.random(k)
        u[0], u[1] = 0.0, 1.0
        return lo + w * u
    if kind == "pareto":
        v = np.broadcast_to(params[1], bs) * (1 + 10.0 ** r.uniform(-6, 2, k))
        v[0] = np.broadcast_to(params[1], bs)
        return v
    raise AssertionError(kind)


def _n(r, bs):
    return np.full(_sub(r, bs), float(r.integers(0, 12)))  # total_count 0 included


# name: (make(module, *params), params(rng, batch shape), kind of values)
FAMILIES = {
    "Normal": (lambda m, a, b: m.Normal(a, b), lambda r, s: (real(r, s), pos(r, s)), "real"),
    "Uniform": (lambda m, a, b: m.Uniform(a, a + b), lambda r, s: (real(r, s), pos(r, s)),
                "uniform"),
    "Exponential": (lambda m, a: m.Exponential(a), lambda r, s: (pos(r, s),), "pos0"),
    "Laplace": (lambda m, a, b: m.Laplace(a, b), lambda r, s: (real(r, s), pos(r, s, -1, 3)),
                "real"),
    "Cauchy": (lambda m, a, b: m.Cauchy(a, b), lambda r, s: (real(r, s), pos(r, s)), "real"),
    "Gumbel": (lambda m, a, b: m.Gumbel(a, b), lambda r, s: (real(r, s), pos(r, s, 0, 2)),
               "real"),
    "HalfNormal": (lambda m, b: m.HalfNormal(b), lambda r, s: (pos(r, s),), "pos0"),
    "LogNormal": (lambda m, a, b: m.LogNormal(a, b), lambda r, s: (real(r, s, 5), pos(r, s, -2, 1)),
                  "pos"),
    "Gamma": (lambda m, a, b: m.Gamma(a, b), lambda r, s: (pos(r, s, -2, 3), pos(r, s)), "pos0"),
    "Chi2": (lambda m, a: m.Chi2(a), lambda r, s: (pos(r, s, -2, 3),), "pos0"),
    "InverseGamma": (lambda m, a, b: m.InverseGamma(a, b),
                     lambda r, s: (pos(r, s, -2, 3), pos(r, s)), "pos"),
    "Beta": (lambda m, a, b: m.Beta(a, b), lambda r, s: (pos(r, s, -2, 3), pos(r, s, -2, 3)),
             "unit01"),
    "StudentT": (lambda m, d, a, b: m.StudentT(d, a, b),
                 lambda r, s: (pos(r, s, -2, 3), real(r, s), pos(r, s)), "real"),
    "FisherSnedecor": (lambda m, a, b: m.FisherSnedecor(a, b),
                       lambda r, s: (pos(r, s, -2, 3), pos(r, s, -2, 3)), "pos0"),
    "Weibull": (lambda m, a, b: m.Weibull(a, b), lambda r, s: (pos(r, s), pos(r, s, -2, 2)),
                "pos0"),
    "Pareto": (lambda m, a, b: m.Pareto(a, b), lambda r, s: (pos(r, s), pos(r, s, -2, 2)),
               "pareto"),
    "Kumaraswamy": (lambda m, a, b: m.Kumaraswamy(a, b),
                    lambda r, s: (pos(r, s, -1, 1), pos(r, s, -1, 1)), "unit"),
    "ContinuousBernoulli": (lambda m, p: m.ContinuousBernoulli(p), lambda r, s: (prob(r, s),),
                            "unit01"),
    "Bernoulli": (lambda m, p: m.Bernoulli(p), lambda r, s: (prob(r, s),), "bit"),
    "BernoulliLogits": (lambda m, p: m.Bernoulli(logits=p), lambda r, s: (real(r, s),), "bit"),
    "Poisson": (lambda m, a: m.Poisson(a), lambda r, s: (pos(r, s, -6, 3),), "count"),
    "Geometric": (lambda m, p: m.Geometric(p), lambda r, s: (prob(r, s),), "count"),
    "GeometricLogits": (lambda m, p: m.Geometric(logits=p), lambda r, s: (real(r, s),),
                        "count"),
    "Binomial": (lambda m, n, p: m.Binomial(n, p), lambda r, s: (_n(r, s), prob(r, s)),
                 "binomial"),
    "BinomialLogits": (lambda m, n, p: m.Binomial(n, logits=p),
                       lambda r, s: (_n(r, s), real(r, s)), "binomial"),
    "NegativeBinomial": (lambda m, n, p: m.NegativeBinomial(n, p),
                         lambda r, s: (pos(r, s), prob(r, s)), "count"),
    "NegativeBinomialLogits": (lambda m, n, p: m.NegativeBinomial(n, logits=p),
                               lambda r, s: (pos(r, s), real(r, s)), "count"),
    "RelaxedBernoulli": (lambda m, t, p: m.RelaxedBernoulli(t, probs=p),
                         lambda r, s: (pos(r, (), -1, 1), prob(r, s)), "unit"),  # torch's
    # temperature does not broadcast with probs (a draw fails in both): a number, as used
}
METHODS = ["log_prob", "cdf", "icdf", "entropy", "mean", "mode", "variance", "stddev"]
SEEDS = range(8)
# torch computes these gradients by series that give ~1e-9 (trigamma: digamma's gradient,
# a short series in torch, mpmath's to rounding here, see test_distributions_more.py), or
# through the gamma function's incomplete integral, whose gradient torch does not implement
LOOSE_GRAD = {("Beta", "entropy"), ("StudentT", "entropy"), ("Kumaraswamy", "entropy"),
              ("InverseGamma", "entropy"), ("Gamma", "entropy"), ("Chi2", "entropy"),
              ("FisherSnedecor", "entropy"), ("Beta", "log_prob"), ("StudentT", "log_prob")}
# torch's values lose digits: Gumbel's cdf through its chain of transforms (exp(-exp(-z))
# rounded twice), the regularized incomplete gamma (torch.igamma / igammac) to ~1e-9 for a
# large shape; ours to rounding (mpmath, test_where_torch_loses_digits_ours_matches_mpmath)
LOOSE_VALUE = {("Gumbel", "cdf"), ("InverseGamma", "cdf"), ("Gamma", "cdf"), ("Chi2", "cdf")}


def _call(dist, method, value):
    if method in ("log_prob", "cdf", "icdf"):
        return getattr(dist, method)(value)
    out = getattr(dist, method)
    return out() if callable(out) else out


def _same(got, want, rtol, what, atol=0.0):
    """NaN where torch's, the same infinities, finite entries to rtol (+ atol)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, what
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=what)
    inf = np.isinf(want)
    np.testing.assert_array_equal(got[inf], want[inf], err_msg=what)
    np.testing.assert_allclose(got[~inf], want[~inf], rtol=rtol, atol=atol, err_msg=what)


@pytest.fixture(autouse=True)
def _no_validation():
    """Values at the support's edges with validation off in both (validate_args has its own
    test); restored afterwards."""
    old = (TD.Distribution._validate_args, D.Distribution._validate_args)
    TD.Distribution.set_default_validate_args(False)
    D.Distribution.set_default_validate_args(False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    TD.Distribution.set_default_validate_args(old[0])
    D.Distribution.set_default_validate_args(old[1])


def _case(name, seed, bs=None):
    make, params, kind = FAMILIES[name]
    r = np.random.default_rng(1000 * seed + len(name))
    bs = SHAPES[r.integers(len(SHAPES))] if bs is None else bs
    ps = tuple(np.asarray(p, dtype=np.float64) for p in params(r, bs))
    bs = np.broadcast_shapes(*(p.shape for p in ps))
    return make, ps, _values(kind, r, ps, bs), r.random((4,) + bs)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_random_parameters_values_and_gradients_match_torch(name):
    compared = 0
    for seed in SEEDS:
        make, ps, value, u = _case(name, seed)
        for method in METHODS:
            arg = u if method == "icdf" else value
            theirs = [torch.tensor(p, requires_grad=True) for p in ps]
            ours = [Tensor(p.copy(), requires_grad=True) for p in ps]
            try:
                want = _call(make(TD, *theirs), method, torch.tensor(arg))
            except NotImplementedError:
                with pytest.raises(NotImplementedError):
                    _call(make(D, *ours), method, Tensor(arg))
                continue
            got = _call(make(D, *ours), method, Tensor(arg))
            what = f"{name}.{method} seed {seed} params {[p.tolist() for p in ps]}"
            loose = (name, method) in LOOSE_VALUE
            _same(got.data, want.detach().numpy(), 1e-8 if loose else 1e-10, what,
                  atol=1e-15 if loose else 0.0)  # (torch underflows to 0 first)
            compared += 1
            if not want.requires_grad:
                continue
            w = np.random.default_rng(seed).standard_normal(got.shape)
            w = np.where(np.isfinite(got.data), w, 0.0)
            try:
                (want * torch.tensor(w)).sum().backward()
            except NotImplementedError:  # igamma's gradient to its first argument
                continue
            (got * Tensor(w)).sum().backward()
            loose = (name, method) in LOOSE_GRAD
            gtol, gatol = (1e-7, 1e-9) if loose else (1e-10, 1e-12)
            for k, (a, b) in enumerate(zip(ours, theirs)):
                if b.grad is None:
                    continue
                ga = np.zeros(b.shape) if a.grad is None else np.asarray(a.grad)
                scale = np.abs(b.grad.numpy()[np.isfinite(b.grad.numpy())]).max(initial=0.0)
                _same(ga, b.grad.numpy(), gtol, f"{what}: grad {k}", atol=gatol * scale)
    assert compared >= len(SEEDS)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_shapes_support_samples_and_expand_match_torch(name):
    for seed in range(3):
        make, ps, _, _ = _case(name, seed)
        theirs, ours = make(TD, *map(torch.tensor, ps)), make(D, *map(Tensor, ps))
        assert ours.batch_shape == tuple(theirs.batch_shape)
        assert ours.event_shape == tuple(theirs.event_shape)
        assert type(ours.support).__name__.lstrip("_") in type(theirs.support).__name__ + \
            "TensorInterval IntegerGreaterThanZero"  # (torch's nonnegative_integer, interval)
        for shape in ((), (3,), (2, 3)):
            s = ours.sample(shape)
            assert s.shape == tuple(theirs.sample(shape).shape), (name, shape)
            assert np.asarray(ours.support.check(s.data)).all(), (name, shape)
        big = (4,) + tuple(theirs.batch_shape)
        e, te = ours.expand(big), theirs.expand(big)
        assert e.batch_shape == tuple(te.batch_shape)
        if "Relaxed" not in name:
            _same(e.mean.data, te.mean.detach().numpy(), 1e-10, f"{name}.expand.mean")
            _same(e.variance.data, te.variance.detach().numpy(), 1e-10, f"{name}.expand.var")


KL_SAME = ["Bernoulli", "Beta", "Binomial", "Cauchy", "ContinuousBernoulli", "Exponential",
           "Gamma", "Geometric", "Gumbel", "HalfNormal", "Laplace", "Normal", "Pareto",
           "Poisson", "Uniform"]


@pytest.mark.parametrize("name", KL_SAME)
def test_kl_divergence_of_random_pairs_matches_torch(name):
    make = FAMILIES[name][0]
    for seed in range(6):
        _, p, _, _ = _case(name, seed, SHAPES[seed % len(SHAPES)])
        _, q, _, _ = _case(name, seed + 100, SHAPES[seed % len(SHAPES)])
        if name == "Binomial":
            q = (p[0],) + q[1:]
        shape = np.broadcast_shapes(*(a.shape for a in p + q))
        if name == "Bernoulli":  # torch's masks index without broadcasting
            p, q = (tuple(np.broadcast_to(a, shape).copy() for a in t) for t in (p, q))
        theirs = [torch.tensor(a, requires_grad=True) for a in p + q]
        ours = [Tensor(a.copy(), requires_grad=True) for a in p + q]
        want = TD.kl_divergence(make(TD, *theirs[:len(p)]), make(TD, *theirs[len(p):]))
        got = D.kl_divergence(make(D, *ours[:len(p)]), make(D, *ours[len(p):]))
        _same(got.data, want.detach().numpy(), 1e-10, f"KL {name} seed {seed}")
        w = np.where(np.isfinite(got.data), np.random.default_rng(seed).standard_normal(got.shape),
                     0.0)
        (want * torch.tensor(w)).sum().backward()
        (got * Tensor(w)).sum().backward()
        for k, (a, b) in enumerate(zip(ours, theirs)):
            if b.grad is not None:  # (digamma / trigamma in Beta's and Gamma's: 1e-8)
                tol = 1e-8 if name in ("Beta", "Gamma") else 1e-10
                scale = np.abs(b.grad.numpy()).max(initial=0.0)
                _same(a.grad, b.grad.numpy(), tol, f"KL {name} grad {k}", atol=tol * 1e-2 * scale)


OUTSIDE = {"Normal": [np.nan], "Exponential": [-1e-300], "HalfNormal": [-1e-300],
           "LogNormal": [0.0, -1.0], "Gamma": [-1e-300], "Chi2": [-1.0], "InverseGamma": [0.0],
           "Beta": [-1e-16, 1 + 1e-15], "FisherSnedecor": [-1.0], "Weibull": [-1.0],
           "Kumaraswamy": [-0.1, 1.5], "ContinuousBernoulli": [-0.1, 1.1],
           "Bernoulli": [0.5, 2.0, -1.0], "Poisson": [-1.0, 0.5], "Geometric": [-1.0, 1.5],
           "Binomial": [-1.0, 0.5, 100.0], "NegativeBinomial": [-1.0, 2.5],
           "RelaxedBernoulli": [1.5], "Uniform": [-1e9, 1e9], "Pareto": [0.0, -1.0]}


@pytest.mark.parametrize("name", sorted(OUTSIDE))
def test_values_outside_the_support_raise_or_score_as_torch(name):
    make = FAMILIES[name][0]
    _, ps, _, _ = _case(name, 0)
    if name == "Binomial":
        ps = (np.array([5.0]), np.array([0.3]))
    for bad in OUTSIDE[name]:
        theirs, ours = make(TD, *map(torch.tensor, ps)), make(D, *map(Tensor, ps))
        theirs._validate_args = ours._validate_args = True
        with pytest.raises(ValueError):
            theirs.log_prob(torch.tensor(np.array([bad])))
        with pytest.raises(ValueError):
            ours.log_prob(Tensor(np.array([bad])))
        theirs._validate_args = ours._validate_args = False
        want = theirs.log_prob(torch.tensor(np.array([bad]))).numpy()
        got = ours.log_prob(Tensor(np.array([bad]))).data
        # not a finite number where torch's is -inf or NaN
        assert np.isfinite(got).tolist() == np.isfinite(want).tolist(), (name, bad, got, want)
        _same(got[np.isfinite(want)], want[np.isfinite(want)], 1e-10, f"{name} at {bad}")


def test_a_clipped_0d_parameter_with_an_infinite_gradient_backpropagates():
    """Pareto's mean clamps alpha (min=1); at alpha < 1 the mean is inf and scale's gradient
    inf. With 0-d parameters backward raised "'numpy.float64' object does not support item
    assignment" (grad.passed wrote into the 0-d product, a NumPy scalar)."""
    theirs = [torch.tensor(a, requires_grad=True) for a in (2.0, 0.5)]
    ours = [Tensor(np.array(a), requires_grad=True) for a in (2.0, 0.5)]
    TD.Pareto(*theirs).mean.backward()
    D.Pareto(*ours).mean.backward()
    for a, b in zip(ours, theirs):
        assert np.asarray(a.grad).tolist() == b.grad.tolist()  # alpha: 0, scale: inf
    x = Tensor(np.array(0.5), requires_grad=True)
    (1 / (x.clamp(min=1.0) - 1)).backward()
    assert float(x.grad) == 0.0


def test_where_torch_loses_digits_ours_matches_mpmath():
    """Parameters past the random tests' ranges, where torch's formula rounds: ours to 1e-13
    of mpmath's (50 digits)."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(50):

        def geometric_entropy(p):
            return -(1 - p) / p * mp.log1p(-p) - mp.log(p)

        for p in (5.587119410027343e-08, 1e-12):  # torch's 17.069 for the first (3.6e-2 off)
            want = float(geometric_entropy(mp.mpf(p)))
            np.testing.assert_allclose(D.Geometric(Tensor([p])).entropy().data, [want], rtol=1e-13)
        for logit in (-21.239183866414084, -30.0):  # torch's 22.2391869 (1.4e-7) for the first
            want = float(geometric_entropy(1 / (1 + mp.exp(-mp.mpf(logit)))))
            got = D.Geometric(logits=Tensor([logit])).entropy().data
            np.testing.assert_allclose(got, [want], rtol=1e-13)
        # Gumbel's cdf far left: torch's 0.0, the true 2.7e-225
        loc, scale, x = -3.9094716948130825, 0.11353198378048271, -23.99025522627768
        want = float(mp.exp(-mp.exp(-(mp.mpf(x) - mp.mpf(loc)) / mp.mpf(scale))))
        got = D.Gumbel(Tensor([loc]), Tensor([scale])).cdf(Tensor([x])).data
        np.testing.assert_allclose(got, [want], rtol=1e-12)
        # Laplace's cdf gradients 43 scales out (torch's 3.5e-9 off)
        loc, scale = mp.mpf(4.856328670002229), mp.mpf(0.10131040800285201)
        xs, w = (0.44119249763498297, -2.720829753777889), (0.7, -1.3)

        def cdf(m, s, v):
            z = (mp.mpf(v) - m) / s
            return mp.exp(z) / 2 if z < 0 else 1 - mp.exp(-z) / 2

        a = Tensor(np.array([float(loc)]), requires_grad=True)
        b = Tensor(np.array([float(scale)]), requires_grad=True)
        (D.Laplace(a, b).cdf(Tensor(np.array(xs))) * Tensor(np.array(w))).sum().backward()
        for t, f in ((a, lambda m: sum(wi * cdf(m, scale, v) for v, wi in zip(xs, w))),
                     (b, lambda s: sum(wi * cdf(loc, s, v) for v, wi in zip(xs, w)))):
            want = float(mp.diff(f, loc if t is a else scale))
            np.testing.assert_allclose(np.asarray(t.grad), [want], rtol=1e-12)
