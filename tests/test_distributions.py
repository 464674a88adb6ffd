"""tinygrad_dl.distributions against torch.distributions (torch 2.13, CPU, float64): values to
1e-12 and gradients to 1e-10 over random parameter sets, draws by their statistics and shapes,
validate_args's errors, and a jitted step that samples (each replay draws afresh)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, jit
from tinygrad_dl import distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

SEEDS = range(8)


def _close(got, want, rtol, what):
    want = want.detach().numpy() if hasattr(want, "detach") else np.asarray(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=rtol * 1e-2, err_msg=what)


def both(fn, *arrays, what=""):
    """fn(dist module, tensor module, *params) in tinygrad_dl and torch, on the same float64
    arrays (each requiring grad): values to 1e-12, gradients of a weighted sum to 1e-10."""
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    got, want = fn(D, tg, *ours), fn(TD, torch, *theirs)
    assert got.shape == tuple(want.shape), what
    _close(got.data, want, 1e-12, what)
    w = np.random.default_rng(1).standard_normal(got.shape)
    (got * Tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad), f"{what}: grad {k}"
        else:
            _close(a.grad, b.grad, 1e-10, f"{what}: grad of input {k}")


def _pos(rng, *shape):
    return rng.uniform(0.2, 3.0, shape)


def _probs(rng, *shape, zeros=False):
    p = rng.uniform(0.05, 1.0, shape)
    if zeros:
        p[..., 0] = 0.0
    return p


# ---- values and gradients ----------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_normal(seed):
    rng = np.random.default_rng(seed)
    loc, scale, x = rng.standard_normal((3, 1)), _pos(rng, 4), rng.standard_normal((2, 3, 4))
    u = rng.uniform(0.05, 0.95, (3, 4))
    both(lambda d, t, m, s, v: d.Normal(m, s).log_prob(v), loc, scale, x, what="log_prob")
    both(lambda d, t, m, s, v: d.Normal(m, s).cdf(v), loc, scale, x, what="cdf")
    both(lambda d, t, m, s, v: d.Normal(m, s).icdf(v), loc, scale, u, what="icdf")
    for attr in ("mean", "variance", "stddev", "mode"):
        both(lambda d, t, m, s, a=attr: getattr(d.Normal(m, s), a) * 1.0, loc, scale, what=attr)
    both(lambda d, t, m, s: d.Normal(m, s).entropy(), loc, scale, what="entropy")
    both(lambda d, t, m, s: d.Normal(m, s).perplexity(), loc, scale, what="perplexity")


@pytest.mark.parametrize("seed", SEEDS)
def test_uniform(seed):
    rng = np.random.default_rng(seed)
    low = rng.standard_normal(4)
    high = low + _pos(rng, 4)
    x = low + (high - low) * rng.uniform(0.01, 0.99, (5, 4))
    u = rng.uniform(0, 1, (5, 4))
    both(lambda d, t, a, b: d.Uniform(a, b).log_prob(t.tensor(x)), low, high, what="log_prob")
    both(lambda d, t, a, b, v: d.Uniform(a, b).cdf(v), low, high, x, what="cdf")
    both(lambda d, t, a, b, v: d.Uniform(a, b).icdf(v), low, high, u, what="icdf")
    for attr in ("mean", "variance", "stddev"):
        both(lambda d, t, a, b, at=attr: getattr(d.Uniform(a, b), at), low, high, what=attr)
    both(lambda d, t, a, b: d.Uniform(a, b).entropy(), low, high, what="entropy")
    out = D.Uniform(Tensor(low), Tensor(high), validate_args=False).log_prob(Tensor(high + 1))
    assert np.all(out.data == -np.inf)  # outside the support without validation: log 0


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("by", ["probs", "logits"])
def test_categorical(seed, by):
    rng = np.random.default_rng(seed)
    param = _probs(rng, 3, 5, zeros=seed % 2 == 1) if by == "probs" else \
        rng.standard_normal((3, 5)) * 3
    idx = rng.integers(0, 5, (7, 3))

    def cat(d, p):
        return d.Categorical(**{by: p})

    both(lambda d, t, p: cat(d, p).log_prob(t.tensor(idx)), param, what="log_prob")
    both(lambda d, t, p: cat(d, p).log_prob(t.tensor(idx[:, :1])), param, what="broadcast")
    both(lambda d, t, p: cat(d, p).entropy(), param, what="entropy")
    both(lambda d, t, p: cat(d, p).probs, param, what="probs")
    both(lambda d, t, p: cat(d, p).logits, param, what="logits")
    both(lambda d, t, p: cat(d, p[0]).log_prob(t.tensor(idx)), param, what="one row")
    ours, theirs = cat(D, Tensor(param)), cat(TD, torch.tensor(param))
    np.testing.assert_array_equal(ours.mode.data, theirs.mode.numpy())
    for attr in ("mean", "variance"):
        assert np.isnan(getattr(ours, attr).data).all()
        assert getattr(ours, attr).shape == tuple(getattr(theirs, attr).shape)
    for expand in (True, False):
        np.testing.assert_array_equal(ours.enumerate_support(expand).data,
                                      theirs.enumerate_support(expand).numpy())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("by", ["probs", "logits"])
def test_bernoulli(seed, by):
    rng = np.random.default_rng(seed)
    param = rng.uniform(0.01, 0.99, (2, 3)) if by == "probs" else rng.standard_normal((2, 3))
    x = rng.integers(0, 2, (4, 2, 3)).astype(np.float64)

    def ber(d, p):
        return d.Bernoulli(**{by: p})

    both(lambda d, t, p: ber(d, p).log_prob(t.tensor(x)), param, what="log_prob")
    both(lambda d, t, p: ber(d, p).entropy(), param, what="entropy")
    for attr in ("mean", "variance", "probs", "logits"):
        both(lambda d, t, p, a=attr: getattr(ber(d, p), a), param, what=attr)
    ours, theirs = ber(D, Tensor(param)), ber(TD, torch.tensor(param))
    np.testing.assert_array_equal(ours.enumerate_support().data,
                                  theirs.enumerate_support().numpy())
    np.testing.assert_array_equal(ours.mode.data, theirs.mode.numpy())


def test_bernoulli_edges_of_probs():
    p = np.array([0.0, 0.5, 1.0])
    for v in (0.0, 1.0):
        both(lambda d, t, q, v=v: d.Bernoulli(q).log_prob(t.full((3,), v, dtype=t.float64)),
             p, what=f"log_prob({v})")
    both(lambda d, t, q: d.Bernoulli(q).entropy(), p, what="entropy")
    np.testing.assert_array_equal(D.Bernoulli(Tensor(p)).mode.data,
                                  TD.Bernoulli(torch.tensor(p)).mode.numpy())


@pytest.mark.parametrize("seed", SEEDS[:4])
def test_one_hot_categorical_and_independent(seed):
    rng = np.random.default_rng(seed)
    p = _probs(rng, 2, 4)
    v = np.eye(4)[rng.integers(0, 4, (3, 2))]
    both(lambda d, t, q: d.OneHotCategorical(q).log_prob(t.tensor(v)), p, what="onehot lp")
    both(lambda d, t, q: d.OneHotCategorical(q).entropy(), p, what="onehot entropy")
    both(lambda d, t, q: d.OneHotCategorical(q).variance, p, what="onehot variance")
    ours, theirs = D.OneHotCategorical(Tensor(p)), TD.OneHotCategorical(torch.tensor(p))
    np.testing.assert_array_equal(ours.enumerate_support().data,
                                  theirs.enumerate_support().numpy())
    assert ours.event_shape == tuple(theirs.event_shape) == (4,)
    loc, scale, x = rng.standard_normal((2, 3)), _pos(rng, 2, 3), rng.standard_normal((5, 2, 3))
    both(lambda d, t, m, s, y: d.Independent(d.Normal(m, s), 1).log_prob(y), loc, scale, x,
         what="independent lp")
    both(lambda d, t, m, s: d.Independent(d.Normal(m, s), 2).entropy(), loc, scale,
         what="independent entropy")
    ind = D.Independent(D.Normal(Tensor(loc), Tensor(scale)), 1)
    assert (ind.batch_shape, ind.event_shape) == ((2,), (3,))


@pytest.mark.parametrize("seed", SEEDS)
def test_kl_divergence(seed):
    rng = np.random.default_rng(seed)
    kl = "kl_divergence"
    both(lambda d, t, a, b, c, e: getattr(d, kl)(d.Normal(a, b), d.Normal(c, e)),
         rng.standard_normal(4), _pos(rng, 4), rng.standard_normal(4), _pos(rng, 4),
         what="normal")
    zeros = seed % 2 == 1
    both(lambda d, t, p, q: getattr(d, kl)(d.Categorical(p), d.Categorical(q)),
         _probs(rng, 3, 4, zeros=zeros), _probs(rng, 3, 4), what="categorical")
    both(lambda d, t, p, q: getattr(d, kl)(d.Categorical(logits=p), d.Categorical(logits=q)),
         rng.standard_normal((3, 4)), rng.standard_normal(4), what="categorical logits")
    both(lambda d, t, p, q: getattr(d, kl)(d.OneHotCategorical(p), d.OneHotCategorical(q)),
         _probs(rng, 3, 4), _probs(rng, 3, 4), what="one-hot")
    both(lambda d, t, p, q: getattr(d, kl)(d.Bernoulli(p), d.Bernoulli(q)),
         rng.uniform(0.01, 0.99, 5), rng.uniform(0.01, 0.99, 5), what="bernoulli")
    both(lambda d, t, p, q: getattr(d, kl)(d.Bernoulli(logits=p), d.Bernoulli(logits=q)),
         rng.standard_normal(5), rng.standard_normal(5), what="bernoulli logits")
    lo = rng.standard_normal(4)
    hi = lo + _pos(rng, 4)
    both(lambda d, t, a, b: getattr(d, kl)(d.Uniform(a, b), d.Uniform(a - 0.5, b + 1)),
         lo, hi, what="uniform")
    both(lambda d, t, a, b, c, e: getattr(d, kl)(d.Independent(d.Normal(a, b), 1),
                                                 d.Independent(d.Normal(c, e), 1)),
         rng.standard_normal((2, 3)), _pos(rng, 2, 3), rng.standard_normal(3), _pos(rng, 3),
         what="independent")


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # (inf * -w: both sides)
def test_kl_infinite_and_zero_cases():
    """q gives 0 where p does not: inf; p gives 0: that term is 0 (torch's masks)."""
    p, q = np.array([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]]), np.array([0.2, 0.8, 0.0])
    kl = "kl_divergence"
    both(lambda d, t, a, b: getattr(d, kl)(d.Categorical(a), d.Categorical(b)), p, q,
         what="categorical")
    both(lambda d, t, a, b: getattr(d, kl)(d.Bernoulli(a), d.Bernoulli(b)),
         np.array([0.0, 1.0, 0.3, 0.3]), np.array([0.5, 0.5, 0.0, 1.0]), what="bernoulli")
    got = D.kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.5, 3.0))
    assert got.data == TD.kl_divergence(TD.Uniform(0.0, 2.0), TD.Uniform(0.5, 3.0)).item()


def test_kl_registry():
    with pytest.raises(NotImplementedError, match="p type Normal and q type Uniform"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0))

    class MyNormal(D.Normal):
        pass

    assert D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0)).data == 0.5

    @D.register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return Tensor(7.0)

    try:
        assert D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0)).data == 7.0
        assert D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 1.0)).data == 0.5
    finally:
        D.kl.__dict__["_KL_REGISTRY"].pop((MyNormal, D.Normal))
    with pytest.raises(TypeError, match="Distribution subclass"):
        D.register_kl(int, D.Normal)


# ---- draws ------------------------------------------------------------------------------------
SHAPES = [((), ()), ((5,), ()), ((2, 3), ()), ((), (4,)), ((7,), (2, 3))]


@pytest.mark.parametrize(("sample_shape", "batch"), SHAPES)
def test_sample_shapes_and_dtypes_match_torch(sample_shape, batch):
    rng = np.random.default_rng(0)
    loc, scale = rng.standard_normal(batch), _pos(rng, *batch)
    p, lo = _probs(rng, *batch, 4), rng.standard_normal(batch)
    pairs = [(lambda d, t: d.Normal(t.tensor(loc), t.tensor(scale)), True),
             (lambda d, t: d.Uniform(t.tensor(lo), t.tensor(lo + 1)), True),
             (lambda d, t: d.Categorical(t.tensor(p)), False),
             (lambda d, t: d.OneHotCategorical(t.tensor(p)), False),
             (lambda d, t: d.Bernoulli(t.tensor(p[..., 0])), False),
             (lambda d, t: d.Independent(d.Normal(t.tensor(p), 1.0), 1), True)]
    for make, reparam in pairs:
        ours, theirs = make(D, tg), make(TD, torch)
        assert ours.batch_shape == tuple(theirs.batch_shape)
        assert ours.event_shape == tuple(theirs.event_shape)
        for method in ("sample", "rsample") if reparam else ("sample",):
            got = getattr(ours, method)(sample_shape)
            want = getattr(theirs, method)(sample_shape)
            assert got.shape == tuple(want.shape), (type(ours).__name__, method)
            assert str(got.dtype) == str(want.dtype).replace("torch.", ""), type(ours).__name__
            assert got.requires_grad is False
        assert ours.has_rsample == theirs.has_rsample


def test_scalar_parameters_give_scalar_batch_and_float32_stays_float32():
    n = D.Normal(0.0, 1.0)
    assert n.batch_shape == () and n.sample().shape == () and n.sample((3,)).shape == (3,)
    assert n.sample().dtype == np.float64
    m = D.Normal(Tensor(np.zeros(2, np.float32)), 1.0)
    assert m.scale.dtype == np.float32 and m.rsample((4,)).dtype == np.float32
    assert m.log_prob(Tensor(np.ones(2, np.float32))).dtype == np.float32
    c = D.Categorical(logits=Tensor(np.zeros(3, np.float32)))
    assert c.sample((2,)).dtype == np.int64 and c.entropy().dtype == np.float32
    assert D.Bernoulli(Tensor(np.full(2, 0.5, np.float32))).sample().dtype == np.float32
    assert D.Normal(np.zeros(2), np.ones(2)).batch_shape == (2,)  # NumPy arrays are taken


def test_draw_statistics():
    tg.manual_seed(1)
    n = 10**5
    p = np.array([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]])
    s = D.Categorical(Tensor(p)).sample((n,)).data
    for row in range(2):
        freq = np.bincount(s[:, row], minlength=4) / n
        assert np.all(np.abs(freq - p[row]) <= 5 * np.sqrt(p[row] * (1 - p[row]) / n) + 1e-12)
    assert not np.any(s[:, 0] == 1)  # a category of probability 0 is never drawn
    logits = np.log(p[1:] + 0.1)
    s = D.Categorical(logits=Tensor(logits)).sample((n,)).data[:, 0]
    q = np.exp(logits[0]) / np.exp(logits[0]).sum()
    assert np.all(np.abs(np.bincount(s, minlength=4) / n - q) <= 5 * np.sqrt(q * (1 - q) / n))
    b = D.Bernoulli(Tensor([0.0, 0.3, 1.0])).sample((n,)).data
    assert set(np.unique(b)) <= {0.0, 1.0}
    assert b[:, 0].sum() == 0 and b[:, 2].sum() == n
    assert abs(b[:, 1].mean() - 0.3) <= 5 * np.sqrt(0.21 / n)
    x = D.Normal(Tensor([1.0, -2.0]), Tensor([0.5, 3.0])).sample((n,)).data
    assert np.all(np.abs(x.mean(0) - [1.0, -2.0]) <= 5 * np.array([0.5, 3.0]) / np.sqrt(n))
    assert np.all(np.abs(x.std(0) / [0.5, 3.0] - 1) <= 5 / np.sqrt(2 * n))
    u = D.Uniform(Tensor([-1.0]), Tensor([3.0])).sample((n,)).data
    assert u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) <= 5 * 4 / np.sqrt(12 * n)
    o = D.OneHotCategorical(Tensor(p[0])).sample((n,)).data
    assert np.all(o.sum(-1) == 1)
    assert np.all(np.abs(o.mean(0) - p[0]) <= 5 * np.sqrt(p[0] * (1 - p[0]) / n) + 1e-12)


def test_draws_follow_manual_seed():
    tg.manual_seed(3)
    a = D.Normal(0.0, 1.0).sample((4,)).data, D.Categorical(Tensor([0.5, 0.5])).sample((9,)).data
    tg.manual_seed(3)
    b = D.Normal(0.0, 1.0).sample((4,)).data, D.Categorical(Tensor([0.5, 0.5])).sample((9,)).data
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_rsample_is_differentiable_in_loc_and_scale():
    loc = Tensor([0.5, -1.0], requires_grad=True)
    scale = Tensor([2.0, 0.5], requires_grad=True)
    x = D.Normal(loc, scale).rsample((3,))
    assert x.requires_grad
    x.sum().backward()
    eps = (x.data - loc.data) / scale.data
    np.testing.assert_allclose(loc.grad, [3.0, 3.0], rtol=1e-12)
    np.testing.assert_allclose(scale.grad, eps.sum(0), rtol=1e-12)
    lo, hi = Tensor(1.0, requires_grad=True), Tensor(4.0, requires_grad=True)
    y = D.Uniform(lo, hi).rsample((5,))
    y.sum().backward()
    r = (y.data - 1.0) / 3.0
    np.testing.assert_allclose([lo.grad, hi.grad], [(1 - r).sum(), r.sum()], rtol=1e-12)
    with pytest.raises(NotImplementedError, match="Categorical has no rsample"):
        D.Categorical(Tensor([0.5, 0.5])).rsample()


# ---- validation ------------------------------------------------------------------------------
BAD = [
    ("Normal", lambda d, t: d.Normal(t.tensor([0.0]), t.tensor([0.0])), "scale"),
    ("Normal", lambda d, t: d.Normal(t.tensor([0.0]), t.tensor([-1.0])), "scale"),
    ("Normal", lambda d, t: d.Normal(t.tensor([float("nan")]), t.tensor([1.0])), "loc"),
    ("Normal", lambda d, t: d.Normal(t.tensor([0.0]), t.tensor([float("nan")])), "scale"),
    ("Categorical", lambda d, t: d.Categorical(t.tensor([0.5, -0.1, 0.6])), "probs"),
    ("Categorical", lambda d, t: d.Categorical(t.tensor([0.0, 0.0])), "probs"),
    ("Categorical", lambda d, t: d.Categorical(t.tensor([0.5, float("nan")])), "probs"),
    ("Categorical", lambda d, t: d.Categorical(logits=t.tensor([0.0, float("nan")])), "logits"),
    ("Categorical", lambda d, t: d.Categorical(logits=t.tensor([0.0, float("inf")])), "logits"),
    ("Bernoulli", lambda d, t: d.Bernoulli(t.tensor([1.5])), "probs"),
    ("Bernoulli", lambda d, t: d.Bernoulli(t.tensor([-0.1])), "probs"),
    ("Bernoulli", lambda d, t: d.Bernoulli(logits=t.tensor([float("nan")])), "logits"),
    ("Uniform", lambda d, t: d.Uniform(t.tensor([1.0]), t.tensor([1.0])), "low"),
    ("Uniform", lambda d, t: d.Uniform(t.tensor([float("nan")]), t.tensor([1.0])), "low"),
    ("OneHotCategorical", lambda d, t: d.OneHotCategorical(t.tensor([-1.0, 2.0])), "probs"),
    ("Normal", lambda d, t: d.Normal(0.0, 1.0).log_prob(t.tensor(float("nan"))), "value"),
    ("Categorical", lambda d, t: d.Categorical(t.tensor([0.5, 0.5])).log_prob(t.tensor(2)),
     "value"),
    ("Categorical", lambda d, t: d.Categorical(t.tensor([0.5, 0.5])).log_prob(t.tensor(-1)),
     "value"),
    ("Categorical", lambda d, t: d.Categorical(t.tensor([0.5, 0.5])).log_prob(t.tensor(0.5)),
     "value"),
    ("Bernoulli", lambda d, t: d.Bernoulli(0.3).log_prob(t.tensor(0.5)), "value"),
    ("Uniform", lambda d, t: d.Uniform(0.0, 1.0).log_prob(t.tensor(1.5)), "value"),
    ("OneHotCategorical",
     lambda d, t: d.OneHotCategorical(t.tensor([0.5, 0.5])).log_prob(t.tensor([1.0, 1.0])),
     "value"),
    ("Normal", lambda d, t: d.Normal(t.zeros(3), 1.0).log_prob(t.zeros(2)), "broadcastable"),
    ("OneHotCategorical",
     lambda d, t: d.OneHotCategorical(t.tensor([0.5, 0.5])).log_prob(t.zeros(3)), "event_shape"),
    ("Categorical", lambda d, t: d.Categorical(t.tensor([0.5, 0.5]), t.tensor([0.0, 0.0])),
     "not both"),
    ("Categorical", lambda d, t: d.Categorical(), "not both"),
    ("Bernoulli", lambda d, t: d.Bernoulli(), "not both"),
    ("Categorical", lambda d, t: d.Categorical(t.tensor(1.0)), "one-dimensional"),
    ("Independent", lambda d, t: d.Independent(d.Normal(t.zeros(2), 1.0), 2),
     "reinterpreted_batch_ndims"),
]


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # (NaN parameters)
@pytest.mark.parametrize(("name", "make", "word"), BAD, ids=[f"{b[0]}-{i}"
                                                            for i, b in enumerate(BAD)])
def test_invalid_parameters_and_values_raise_one_line_like_torch(name, make, word):
    with pytest.raises(ValueError):
        make(TD, torch)
    with pytest.raises(ValueError) as e:
        make(D, tg)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(name) and word in msg, msg


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_validate_args_false_and_the_default_switch():
    d = D.Normal(0.0, -1.0, validate_args=False)  # as torch: not checked
    assert np.isnan(d.log_prob(Tensor(0.0)).data)
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(0.0, -1.0)
        D.Categorical(Tensor([0.5, 0.5])).log_prob(Tensor(0.5))
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="True or False"):
        D.Distribution.set_default_validate_args(None)
    with pytest.raises(ValueError, match="Categorical.sample: probs must be finite"):
        D.Categorical(Tensor([0.0, 0.0]), validate_args=False).sample()
    with pytest.raises(ValueError, match="do not broadcast"):
        D.Normal(Tensor(np.zeros(2)), Tensor(np.ones(3)))
    with pytest.raises(TypeError, match="sample_shape"):
        D.Normal(0.0, 1.0).sample((2.5,))


# ---- PyTorch's path and jit ----------------------------------------------------------------------
def test_torch_path():
    import tinygrad_dl as torch_like

    d = torch_like.distributions.Categorical(logits=torch_like.zeros(2, 3))
    assert d.sample().shape == (2,)
    assert torch_like.distributions.kl_divergence is D.kl_divergence
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"


def test_a_jitted_step_that_samples_draws_afresh_and_checks_at_each_replay():
    mu = Tensor(np.zeros(3), requires_grad=True)

    def step(s):
        x = D.Normal(mu, Tensor(s)).rsample()
        c = D.Categorical(logits=mu)
        a = c.sample((50,))
        (x.sum() + c.log_prob(a).sum()).backward()
        return x, a

    j = jit.jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outs = [j(np.ones(3)) for _ in range(4)]
    assert j.replays >= 2
    xs = {tuple(o[0].data) for o in outs}
    assert len(xs) == 4 and len({tuple(o[1].data) for o in outs}) == 4
    with pytest.raises(ValueError, match="parameter scale"):
        j(-np.ones(3))
