"""tinygrad_dl.distributions against torch.distributions (2.13, CPU, float64) on random
parameters, for the multivariate and transformed families (the univariate ones are in
test_distributions_torch_differential_hW2.py): Categorical, OneHotCategorical(StraightThrough),
Multinomial, Dirichlet, MultivariateNormal, LowRankMultivariateNormal, MixtureSameFamily,
Independent, LogisticNormal, RelaxedBernoulli, RelaxedOneHotCategorical, NegativeBinomial, Chi2,
TransformedDistribution and every transform. Values to 1e-10 (1e-9 where a log_prob adds
Jacobians), gradients of a random-weighted sum to 1e-9, shapes, expand, KL, validate_args's
refusals; rsample's gradients with the same noise fed to both (the draw functions patched).

Batches with a size-0 dim are compared on shapes only where torch raises (its reshape(-1) of
an empty tensor fails: Categorical, MultivariateNormal, ...); ours computes the empty result."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest

import tinygrad_dl.distributions.location_scale as our_location_scale
import tinygrad_dl.distributions.lowrank as our_lowrank
import tinygrad_dl.distributions.multivariate as our_multivariate
import tinygrad_dl.distributions.relaxed as our_relaxed
from tinygrad_dl import Tensor
from tinygrad_dl import distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions
TT, OT = torch.distributions.transforms, D.transforms


@pytest.fixture(autouse=True)
def _quiet_and_float64():
    """Warnings off (values outside a support); torch's default dtype float64, as ours (a
    number exponent of torch's PowerTransform is otherwise a float32 tensor: its inverse's
    1 / -1.5 rounds to 1e-7)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    torch.set_default_dtype(old)


def V(m, a):
    return torch.tensor(a) if m is TD else Tensor(a)


def _close(got, want, rtol, what, atol=0.0):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=what)
    inf = np.isinf(want)
    np.testing.assert_array_equal(got[inf], want[inf], err_msg=what)
    np.testing.assert_allclose(got[~inf], want[~inf], rtol=rtol, atol=atol, err_msg=what)


def both(build, params, query, what, rtol=1e-10, grtol=1e-9, gatol=1e-13):
    """query(module, build(module, *params)) in both (each float param requiring grad): the
    same values (or both raise), and the gradients of a random-weighted sum."""
    theirs = [torch.tensor(p, requires_grad=True) for p in params]
    ours = [Tensor(p.copy(), requires_grad=True) for p in params]
    try:
        want = query(TD, build(TD, *theirs))
    except (ValueError, RuntimeError, NotImplementedError, IndexError) as e:
        if any(s in str(e) for s in ("of 0 elements", "n_sample <= 0")):
            got = query(D, build(D, *ours))  # (torch's reshape(-1) of an empty batch)
            assert isinstance(got, tuple) or got.data.size == 0, what
            return None
        with pytest.raises(Exception):  # noqa: B017 (any type where torch's raises)
            query(D, build(D, *ours))
        return type(e)
    got = query(D, build(D, *ours))
    if isinstance(want, tuple):
        assert tuple(got) == want, what
        return None
    if isinstance(want, (int, float)):
        assert float(got) == float(want), what
        return None
    _close(got.data, want.detach().numpy(), rtol, what)
    if not want.requires_grad:
        return None
    w = np.where(np.isfinite(got.data), np.random.default_rng(7).standard_normal(got.shape), 0.0)
    (want * torch.tensor(w)).sum().backward()
    (got * Tensor(w)).sum().backward()
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if b.grad is not None:
            g = np.zeros(b.shape) if a.grad is None else np.asarray(a.grad)
            scale = np.abs(b.grad.numpy()[np.isfinite(b.grad.numpy())]).max(initial=0.0)
            _close(g, b.grad.numpy(), grtol, f"{what}: grad {k}", atol=1e-11 * scale + gatol)
    return None


class _Noise:
    """The same standard normal / uniform draws for both: torch's _standard_normal and
    torch.rand, ours normal_draws and uniform_draws, patched."""

    def __init__(self):
        self.k = 0

    def normal(self, shape):
        self.k += 1
        return np.random.default_rng((11, self.k)).standard_normal(tuple(shape))

    def uniform(self, shape):
        self.k += 1
        return np.random.default_rng((12, self.k)).uniform(0, 1, tuple(shape))


@pytest.fixture
def noise(monkeypatch):
    n = _Noise()
    real_rand = torch.rand

    def t_normal(shape, dtype, device):
        return torch.tensor(n.normal(shape), dtype=dtype)

    def t_rand(*shape, dtype=None, device=None, **kw):
        shape = tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return torch.tensor(n.uniform(shape), dtype=dtype or torch.float64)

    for mod in (torch.distributions.multivariate_normal, torch.distributions.normal,
                torch.distributions.lowrank_multivariate_normal):
        monkeypatch.setattr(mod, "_standard_normal", t_normal)
    for mod in (our_multivariate, our_lowrank, our_location_scale):
        monkeypatch.setattr(mod, "normal_draws",
                            lambda like, shape: Tensor(n.normal(shape).astype(like.dtype)))
    for mod in (our_relaxed, our_location_scale):
        monkeypatch.setattr(mod, "uniform_draws",
                            lambda like, shape: Tensor(n.uniform(shape).astype(like.dtype)))

    @contextlib.contextmanager
    def same(seed_module):
        n.k = 0
        if seed_module is TD:
            torch.rand = t_rand
        try:
            yield
        finally:
            torch.rand = real_rand

    return same


def _rsample(noise, shape):
    def q(m, d):
        with noise(m):
            return d.rsample(shape)
    return q


BATCH = [(), (1,), (3,), (2, 1), (0,)]


def _probs(r, shape, k):
    p = r.random(shape + (k,)) * 3
    if r.random() < 0.5 and p.size:  # exact zeros, one positive entry kept per row
        p = np.where(r.random(p.shape) < 0.3, 0.0, p)
        np.put_along_axis(p, r.integers(0, k, shape)[..., None], 0.5, -1)
    return p


def _logits(r, shape, k):
    g = r.standard_normal(shape + (k,)) * 3
    if r.random() < 0.4 and g.size:  # -inf logits
        g = np.where(r.random(g.shape) < 0.3, -np.inf, g)
        np.put_along_axis(g, r.integers(0, k, shape)[..., None], 0.1, -1)
    return g


def _attr(name):
    return lambda m, d: getattr(d, name)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("family", ["Categorical", "OneHotCategorical",
                                    "OneHotCategoricalStraightThrough"])
def test_categorical_families_match_torch(family, seed):
    r = np.random.default_rng(seed)
    bs, k = BATCH[seed % 4], int(r.integers(1, 5))
    for kw, param in (("probs", _probs(r, bs, k)), ("logits", _logits(r, bs, k))):
        def build(m, p, kw=kw):
            return getattr(m, family)(**{kw: p})
        what = f"{family}({kw}) seed {seed}"
        for a in ("mean", "variance", "stddev", "mode", "probs", "logits"):
            both(build, [param], _attr(a), f"{what}.{a}")
        both(build, [param], lambda m, d: d.entropy(), f"{what}.entropy")
        idx = r.integers(0, k, (2,) + bs)
        val = idx.astype(float) if family == "Categorical" else np.eye(k)[idx]
        both(build, [param], lambda m, d, val=val: d.log_prob(V(m, val)),
             f"{what}.log_prob")
        both(build, [param], lambda m, d, val=val: d.expand((2,) + bs).log_prob(V(m, val)),
             f"{what}.expand.log_prob")
        for expand in (True, False):
            both(build, [param], lambda m, d, e=expand: d.enumerate_support(e),
                 f"{what}.enum")
        both(build, [param], lambda m, d: tuple(d.sample((2,)).shape), f"{what}.sample")
        other = _probs(r, bs, k) if kw == "probs" else _logits(r, bs, k)
        both(lambda m, p, q, kw=kw: m.kl_divergence(build(m, p), build(m, q)), [param, other],
             lambda m, t: t, f"{what}.kl")
        if family.endswith("StraightThrough"):  # rsample's gradient: the probabilities'
            both(build, [param], lambda m, d: (lambda s: s - s.detach())(d.rsample((2,))),
                 f"{what}.rsample")


@pytest.mark.parametrize("seed", range(8))
def test_multinomial_and_dirichlet_match_torch(seed):
    r = np.random.default_rng(seed)
    bs, k, n = BATCH[seed % 4], int(r.integers(1, 5)), int(r.integers(0, 6))
    probs = _probs(r, bs, k)
    rows = probs.reshape(-1, k) / probs.reshape(-1, k).sum(-1, keepdims=True)
    counts = np.array([r.multinomial(n, p) for p in rows], float).reshape(bs + (k,))
    for kw, param in (("probs", probs), ("logits", np.log(probs))):
        def build(m, p, kw=kw):
            return m.Multinomial(n, **{kw: p})
        what = f"Multinomial({n}, {kw}) seed {seed}"
        for a in ("mean", "variance", "probs"):
            both(build, [param], _attr(a), f"{what}.{a}")
        # zero-probability categories with zero counts score 0, not NaN
        both(build, [param], lambda m, d: d.log_prob(V(m, counts)), f"{what}.log_prob")
        both(build, [param], lambda m, d: tuple(d.sample((3,)).shape), f"{what}.sample")
    conc = 10.0 ** r.uniform(-2, 2, bs + (k,))
    x = np.asarray(r.dirichlet(np.ones(k), bs or None)).reshape(bs + (k,))
    x[..., 0] = np.where(r.random(bs) < 0.3, 1.0, x[..., 0])  # a vertex: zeros in the value
    x = x / x.sum(-1, keepdims=True)
    for a in ("mean", "variance", "mode"):
        both(lambda m, c: m.Dirichlet(c), [conc], _attr(a), f"Dirichlet.{a}")
    both(lambda m, c: m.Dirichlet(c), [conc], lambda m, d: d.log_prob(V(m, x)),
         "Dirichlet.log_prob", grtol=1e-8)  # (digamma: torch's is 1e-9 off, ours exact)
    both(lambda m, c: m.Dirichlet(c), [conc], lambda m, d: d.entropy(), "Dirichlet.entropy",
         grtol=1e-7)
    both(lambda m, c, e: m.kl_divergence(m.Dirichlet(c), m.Dirichlet(e)),
         [conc, 10.0 ** r.uniform(-2, 2, bs + (k,))], lambda m, t: t, "Dirichlet.kl",
         grtol=1e-7)


def _spd(r, batch, n, cond=1.0):
    q, _ = np.linalg.qr(r.standard_normal(batch + (n, n)))
    ev = 10.0 ** r.uniform(-1, 1, batch + (n,))
    ev[..., 0] *= cond
    return (q * ev[..., None, :]) @ np.swapaxes(q, -1, -2)


@pytest.mark.parametrize("seed", range(12))
def test_multivariate_normals_match_torch(seed, noise):
    r = np.random.default_rng(seed)
    n = int(r.integers(1, 4))
    lb, mb = [((), ()), ((2,), ()), ((), (2,)), ((3, 1), (2,)), ((0,), ())][seed % 5]
    full = np.broadcast_shapes(lb, mb)
    kind = ["covariance_matrix", "precision_matrix", "scale_tril"][seed % 3]
    m = _spd(r, mb, n, 1e-6 if seed % 4 == 3 else 1.0)  # near-singular ones too
    if kind == "scale_tril":
        m = np.linalg.cholesky(m)
    loc, x = r.standard_normal(lb + (n,)), r.standard_normal((2,) + full + (n,))
    tol = 1e-10 if seed % 4 != 3 else 1e-6

    def build(mo, lo, mm):
        return mo.MultivariateNormal(lo, **{kind: mm})

    what = f"MVN({kind}) seed {seed}"
    for a in ("mean", "variance", "covariance_matrix", "precision_matrix", "scale_tril"):
        both(build, [loc, m], _attr(a), f"{what}.{a}", tol, tol * 10)
    both(build, [loc, m], lambda mo, d: d.entropy(), f"{what}.entropy", tol, tol * 10)
    both(build, [loc, m], lambda mo, d: d.log_prob(V(mo, x)), f"{what}.log_prob", tol, tol * 100)
    both(build, [loc, m], lambda mo, d: d.expand((2,) + full).log_prob(V(mo, x)),
         f"{what}.expand", tol, tol * 100)
    both(build, [loc, m], _rsample(noise, (2,)), f"{what}.rsample", tol, tol * 10)
    m2 = _spd(r, mb, n)
    both(lambda mo, a, b, c: mo.kl_divergence(build(mo, a, b), mo.MultivariateNormal(
        c, covariance_matrix=mo.MultivariateNormal(c, m2 if mo is D else torch.tensor(m2))
        .covariance_matrix)), [loc, m, loc[..., ::-1].copy()], lambda mo, t: t, f"{what}.kl",
         tol, tol * 100)
    k = int(r.integers(1, 3))
    w, dg = r.standard_normal(mb + (n, k)), 10.0 ** r.uniform(-1, 1, lb + (n,))

    def low(mo, lo, ww, dd):
        return mo.LowRankMultivariateNormal(lo, ww, dd)

    what = f"LowRankMVN seed {seed}"
    for a in ("variance", "covariance_matrix", "precision_matrix", "scale_tril"):
        both(low, [loc, w, dg], _attr(a), f"{what}.{a}")
    both(low, [loc, w, dg], lambda mo, d: d.entropy(), f"{what}.entropy")
    both(low, [loc, w, dg], lambda mo, d: d.log_prob(V(mo, x)), f"{what}.log_prob")
    both(low, [loc, w, dg], _rsample(noise, (2,)), f"{what}.rsample")
    both(low, [loc, w, dg], lambda mo, d: d.expand((2,) + full).covariance_matrix,
         f"{what}.expand")
    both(lambda mo, a, b, c, e: mo.kl_divergence(low(mo, a, b, c), low(mo, e, b * 0.5, c + 1)),
         [loc, w, dg, -loc], lambda mo, t: t, f"{what}.kl")


@pytest.mark.parametrize("seed", range(10))
def test_mixtures_and_independent_match_torch(seed):
    r = np.random.default_rng(seed)
    k, n = int(r.integers(1, 4)), int(r.integers(1, 3))
    mb, cb = [((), ()), ((2,), (2,)), ((1,), (3,)), ((), (2, 1))][seed % 4]
    w = r.standard_normal(mb + (k,))
    if seed % 3 == 0:
        w[..., 0] = -np.inf  # a component of weight 0
        w[..., -1] = 0.0
    kind = ["Normal", "IndependentNormal", "MVN"][seed % 3]
    loc = r.standard_normal(cb + (k,) + ((n,) if kind != "Normal" else ()))
    scale = 10.0 ** r.uniform(-1, 1, loc.shape)
    x = r.standard_normal((2,) + cb + ((n,) if kind != "Normal" else ()))

    def comp(m, a, b):
        if kind == "Normal":
            return m.Normal(a, b)
        if kind == "IndependentNormal":
            return m.Independent(m.Normal(a, b), 1)
        return m.MultivariateNormal(a, scale_tril=b.diag_embed())

    def mix(m, ww, a, b):
        return m.MixtureSameFamily(m.Categorical(logits=ww), comp(m, a, b))

    what = f"MixtureSameFamily({kind}) seed {seed}"
    for a in ("mean", "variance"):
        both(mix, [w, loc, scale], _attr(a), f"{what}.{a}")
    both(mix, [w, loc, scale], lambda m, d: d.log_prob(V(m, x)), f"{what}.log_prob")
    if kind == "Normal":
        both(mix, [w, loc, scale], lambda m, d: d.cdf(V(m, x)), f"{what}.cdf")
    both(mix, [w, loc, scale], lambda m, d: tuple(d.sample((2, 3)).shape), f"{what}.sample")
    both(mix, [w, loc, scale], lambda m, d: d.expand((2,) + tuple(d.batch_shape)).log_prob(
        V(m, x)), f"{what}.expand")
    for nd in range(len(cb) + 2):
        def ind(m, a, b, nd=nd):
            return m.Independent(comp(m, a, b), nd)
        xi = x[..., None] if kind == "Normal" else x[..., None, :]
        both(ind, [loc, scale], lambda m, d: (tuple(d.batch_shape), tuple(d.event_shape)),
             f"Independent {nd} shapes")
        both(ind, [loc, scale], lambda m, d, xi=xi: d.log_prob(V(m, xi)),
             f"Independent {nd}.log_prob")
        both(ind, [loc, scale], lambda m, d: d.entropy(), f"Independent {nd}.entropy")
        both(lambda m, a, b, c, nd=nd: m.kl_divergence(ind(m, a, b), ind(m, c, b * 2)),
             [loc, scale, -loc], lambda m, t: t, f"Independent {nd}.kl")


@pytest.mark.parametrize("seed", range(10))
def test_relaxed_logistic_normal_negative_binomial_chi2_match_torch(seed, noise):
    r = np.random.default_rng(seed)
    bs, k = BATCH[seed % 4], int(r.integers(1, 4))
    loc, scale = r.standard_normal(bs + (k,)), 10.0 ** r.uniform(-1, 1, bs + (k,))
    y = np.asarray(r.dirichlet(np.ones(k + 1), (2,) + bs)).reshape((2,) + bs + (k + 1,))
    ln = [loc, scale]
    both(lambda m, a, b: m.LogisticNormal(a, b), ln, lambda m, d: d.log_prob(V(m, y)),
         "LogisticNormal.log_prob")
    both(lambda m, a, b: m.LogisticNormal(a, b), ln, _rsample(noise, (2,)), "LogisticNormal.rs")
    both(lambda m, a, b: m.LogisticNormal(a, b), ln, lambda m, d: d.expand(
        (2,) + tuple(d.batch_shape)).log_prob(V(m, y)), "LogisticNormal.expand")
    temp = np.array(10.0 ** r.uniform(-1, 0.5))
    for kw, p in (("probs", r.uniform(0, 1, bs)), ("logits", r.standard_normal(bs) * 3)):
        v = r.uniform(0, 1, (2,) + bs)
        both(lambda m, t, q, kw=kw: m.RelaxedBernoulli(t, **{kw: q}), [temp, p],
             lambda m, d, v=v: d.log_prob(V(m, v)), f"RelaxedBernoulli({kw}).log_prob", 1e-9,
             1e-8)
        both(lambda m, t, q, kw=kw: m.RelaxedBernoulli(t, **{kw: q}), [temp, p],
             _rsample(noise, (2,)), f"RelaxedBernoulli({kw}).rsample", 1e-9, 1e-7)
        pc = r.uniform(0, 1, bs + (k,)) if kw == "probs" else loc
        both(lambda m, t, q, kw=kw: m.RelaxedOneHotCategorical(t, **{kw: q}), [temp, pc],
             lambda m, d: d.log_prob(V(m, y[..., :k] / y[..., :k].sum(-1, keepdims=True))),
             f"RelaxedOneHotCategorical({kw}).log_prob", 1e-9, 1e-8)
        both(lambda m, t, q, kw=kw: m.RelaxedOneHotCategorical(t, **{kw: q}), [temp, pc],
             _rsample(noise, (2,)), f"RelaxedOneHotCategorical({kw}).rsample", 1e-9, 1e-8)
        count = np.where(r.random(bs) < 0.3, 0.0, 10.0 ** r.uniform(-1, 1, bs))
        nb = np.where(r.random(bs) < 0.3, 0.0, p) if kw == "probs" else p
        c = r.integers(0, 8, (2,) + bs).astype(float)
        for q in ("log_prob", "mean", "variance", "mode"):
            both(lambda m, a, b, kw=kw: m.NegativeBinomial(a, **{kw: b}), [count, nb],
                 (lambda m, d, c=c: d.log_prob(V(m, c))) if q == "log_prob" else _attr(q),
                 f"NegativeBinomial({kw}).{q}", 1e-9, 1e-8)
    df = 10.0 ** r.uniform(-1, 2, bs)
    both(lambda m, a, b: m.kl_divergence(m.Chi2(a), m.Chi2(b)), [df, np.sqrt(df) + 0.5],
         lambda m, t: t, "Chi2.kl", 1e-10, 1e-7)  # (digamma's gradient: torch's is 1e-9 off)


def _simplex(r, shape):
    a = r.random(shape) + 1e-3
    return a / a.sum(-1, keepdims=True)


def _square(shape):
    """`shape` with its last dim repeated (square matrices)."""
    return shape[:-1] + (shape[-1], shape[-1])


def _transforms(r):
    """(name, make(module, *params), params, domain draws(shape), codomain draws(shape),
    event dims)."""
    def real(s):
        return r.standard_normal(s) * 3

    def pos(s):
        return 10.0 ** r.uniform(-2, 2, s)

    loc, scale = r.standard_normal((3,)), r.choice([1.5, -2.0, 0.5], (3,)).astype(float)
    exponent = r.choice([2.0, -0.5, 0.7], (3,)).astype(float)
    ed = int(r.integers(0, 3))
    return [
        ("Exp", lambda m: m.ExpTransform(), [], real, pos, 0),
        ("Affine", lambda m, a, b: m.AffineTransform(a, b, event_dim=ed), [loc, scale], real,
         real, ed),
        ("AffineNumber", lambda m: m.AffineTransform(0.5, -2.0, event_dim=ed), [], real, real,
         ed),
        ("Sigmoid", lambda m: m.SigmoidTransform(), [], real, lambda s: r.random(s), 0),
        ("Tanh", lambda m: m.TanhTransform(), [], real, lambda s: r.uniform(-1, 1, s), 0),
        ("Softplus", lambda m: m.SoftplusTransform(), [], real, pos, 0),
        ("Abs", lambda m: m.AbsTransform(), [], real, pos, 0),
        ("Power", lambda m, e: m.PowerTransform(e), [exponent], pos, pos, 0),
        ("PowerNumber", lambda m: m.PowerTransform(-1.5), [], pos, pos, 0),
        ("Softmax", lambda m: m.SoftmaxTransform(), [], real, lambda s: _simplex(r, s), 1),
        ("StickBreaking", lambda m: m.StickBreakingTransform(), [], real,
         lambda s: _simplex(r, s), 1),
        ("LowerCholesky", lambda m: m.LowerCholeskyTransform(), [], lambda s: real(_square(s)),
         lambda s: np.tril(pos(_square(s))), 2),
        ("Reshape", lambda m: m.ReshapeTransform((3,), (3, 1)), [],
         lambda s: real(s[:-1] + (3,)), lambda s: real(s[:-1] + (3, 1)), 1),
        ("IndependentExp", lambda m: m.IndependentTransform(m.ExpTransform(), ed), [], real,
         pos, ed),
        ("Compose", lambda m, a, b: m.ComposeTransform([m.AffineTransform(a, b),
                                                        m.SigmoidTransform(),
                                                        m.AffineTransform(1.0, -2.0)]),
         [loc, scale], real, lambda s: r.uniform(-1, 1, s), 0),
        ("ComposeStickBreaking", lambda m: m.ComposeTransform([m.AffineTransform(1.0, 2.0),
                                                               m.StickBreakingTransform()]),
         [], real, lambda s: _simplex(r, s), 1),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_transforms_match_torch(seed):
    r = np.random.default_rng(seed)
    shape = [(3,), (2, 3), (3, 3), (2, 3, 3)][seed % 4]
    for name, make, params, domain, codomain, _ in _transforms(r):
        for inverse in (False, True):
            def tr(m, *p, make=make, inverse=inverse):
                t = make(TT if m is TD else OT, *p)
                return t.inv if inverse else t

            what = f"{name}{'.inv' if inverse else ''} seed {seed}"
            x = codomain(shape) if inverse else domain(shape)
            def meta(m, t):
                return (t.domain.event_dim, t.codomain.event_dim, bool(t.bijective),
                        tuple(t.forward_shape(shape)), tuple(t.inverse_shape(shape)))

            both(lambda m, *p: tr(m, *p), params, meta, f"{what}.meta")
            if name not in ("Abs", "Softmax", "LowerCholesky"):
                both(lambda m, *p: tr(m, *p), params, lambda m, t: t.sign * 1.0, f"{what}.sign")
            both(lambda m, v, *p: (tr(m, *p), v), [x] + params, lambda m, tv: tv[0](tv[1]),
                 f"{what}.call")
            both(lambda m, v, *p: (tr(m, *p), v), [x] + params,
                 lambda m, tv: tv[0].inv(tv[0](tv[1])), f"{what}.inv(call)", 1e-9, 1e-7,
                 1e-11)  # (the identity: parameters' gradients 0 to rounding)
            if name != "LowerCholesky":  # (torch's has no log_abs_det_jacobian)
                both(lambda m, v, *p: (tr(m, *p), v), [x] + params,
                     lambda m, tv: tv[0].log_abs_det_jacobian(tv[1], tv[0](tv[1])),
                     f"{what}.log_abs_det_jacobian", 1e-9, 1e-8)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("base", ["Normal", "IndependentNormal", "Uniform"])
def test_transformed_distributions_match_torch(base, seed, noise):
    r = np.random.default_rng(seed)
    bs = [(), (2,), (2, 1)][seed]
    loc, scale = r.standard_normal(bs + (3,)), 10.0 ** r.uniform(-1, 0.5, bs + (3,))

    def make_base(m, a, b):
        if base == "Normal":
            return m.Normal(a, b)
        return m.Independent(m.Normal(a, b), 1) if base == "IndependentNormal" else \
            m.Uniform(a, a + b)

    for name, make, params, *_ in _transforms(r):
        if name in ("LowerCholesky", "Power", "PowerNumber", "Reshape", "Abs") or \
                name.startswith("Affine") and base == "Uniform":
            continue

        def dist(m, a, b, *p, make=make):
            return m.TransformedDistribution(make_base(m, a, b), make(m.transforms, *p))

        what = f"TransformedDistribution({base}, {name}) seed {seed}"
        try:
            t = dist(TD, torch.tensor(loc), torch.tensor(scale), *map(torch.tensor, params))
            y = t.sample((2,)).numpy()
        except (ValueError, RuntimeError):  # (an event_dim the base cannot take: both refuse)
            with pytest.raises(ValueError):
                dist(D, Tensor(loc), Tensor(scale), *map(Tensor, params)).sample((2,))
            continue
        ps = [loc, scale] + params
        both(dist, ps, lambda m, d: (tuple(d.batch_shape), tuple(d.event_shape)), what)
        both(dist, ps, lambda m, d, y=y: d.log_prob(V(m, y)), f"{what}.log_prob", 1e-9, 1e-8)
        both(dist, ps, _rsample(noise, (2,)), f"{what}.rsample", 1e-9, 1e-8)
        both(dist, ps, lambda m, d, y=y: d.cdf(V(m, y)), f"{what}.cdf", 1e-9, 1e-8)
        u = r.random(y.shape)
        both(dist, ps, lambda m, d, u=u: d.icdf(V(m, u)), f"{what}.icdf", 1e-9, 1e-8)
        both(dist, ps, lambda m, d, y=y: d.expand((2,) + tuple(d.batch_shape)).log_prob(
            V(m, y)),
             f"{what}.expand", 1e-9, 1e-8)
        both(lambda m, a, b, c, *p: m.kl_divergence(dist(m, a, b, *p), dist(m, c, b * 2, *p)),
             [loc, scale, loc + 0.3] + params, lambda m, d: d, f"{what}.kl", 1e-9, 1e-8)


REFUSED = [  # (build(module, validate_args), query): both raise ValueError with validate_args
    (lambda m, v: m.Categorical(probs=torch.tensor([0.5, -0.1]) if m is TD else
                                Tensor([0.5, -0.1]), validate_args=v), lambda m, d: d.probs),
    (lambda m, v: m.Multinomial(3, probs=V(m, np.array([0.2, 0.8])), validate_args=v),
     lambda m, d: d.log_prob(V(m, np.array([2.0, 2.0])))),
    (lambda m, v: m.Multinomial(3, probs=V(m, np.array([0.2, 0.8])), validate_args=v),
     lambda m, d: d.log_prob(V(m, np.array([-1.0, 4.0])))),
    (lambda m, v: m.Dirichlet(V(m, np.array([1.0, -1.0])), validate_args=v),
     lambda m, d: d.mean),
    (lambda m, v: m.Dirichlet(V(m, np.array([1.5, 2.0])), validate_args=v),
     lambda m, d: d.log_prob(V(m, np.array([0.5, 0.6])))),
    (lambda m, v: m.MultivariateNormal(V(m, np.zeros(2)), V(m, np.array([[1.0, 2], [2, 1]])),
                                       validate_args=v), lambda m, d: d.loc),
    (lambda m, v: m.MultivariateNormal(V(m, np.zeros(2)), scale_tril=V(m, np.array(
        [[1.0, 0.5], [0, 1]])), validate_args=v), lambda m, d: d.entropy()),
    (lambda m, v: m.LowRankMultivariateNormal(V(m, np.zeros(2)), V(m, np.ones((2, 1))),
                                              V(m, np.array([1.0, -1])), validate_args=v),
     lambda m, d: d.mean),
    (lambda m, v: m.OneHotCategorical(V(m, np.array([0.2, 0.8])), validate_args=v),
     lambda m, d: d.log_prob(V(m, np.array([1.0, 1.0])))),
    (lambda m, v: m.LogisticNormal(V(m, np.zeros(2)), V(m, np.ones(2)), validate_args=v),
     lambda m, d: d.log_prob(V(m, np.array([0.5, 0.6, 0.1])))),
    (lambda m, v: m.RelaxedBernoulli(V(m, np.array(1.0)), V(m, np.array([0.3])),
                                     validate_args=v), lambda m, d: d.log_prob(V(m, [1.3]))),
    (lambda m, v: m.NegativeBinomial(V(m, np.array(2.0)), V(m, np.array(0.3)),
                                     validate_args=v), lambda m, d: d.log_prob(V(m, [0.5]))),
    (lambda m, v: m.TransformedDistribution(m.Normal(V(m, np.zeros(2)), 1.0),
                                            [m.transforms.ExpTransform()], validate_args=v),
     lambda m, d: d.log_prob(V(m, np.array([-1.0, 1.0])))),
    (lambda m, v: m.MixtureSameFamily(m.Categorical(logits=V(m, np.zeros(2))),
                                      m.Exponential(V(m, np.ones(2))), validate_args=v),
     lambda m, d: d.log_prob(V(m, np.array([-1.0])))),
]


@pytest.mark.parametrize("case", range(len(REFUSED)))
def test_validate_args_refusals_and_unvalidated_values_match_torch(case):
    build, query = REFUSED[case]
    with pytest.raises(ValueError):
        query(TD, build(TD, True))
    with pytest.raises(ValueError):
        query(D, build(D, True))
    try:
        want = query(TD, build(TD, False))
    except (ValueError, RuntimeError):
        return
    got = query(D, build(D, False))
    _close(got.data, want.detach().numpy(), 1e-10, f"case {case} unvalidated")
