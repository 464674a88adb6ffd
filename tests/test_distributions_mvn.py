"""tinygrad_dl.distributions.MultivariateNormal against torch.distributions (torch 2.13, CPU,
float64): log_prob, entropy, moments, the three matrix parametrizations and KL to 1e-12, their
gradients in loc and the matrix given to 1e-10; draws by their statistics; validate_args's
errors; expand; a jitted step."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, jit
from tinygrad_dl import distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions


def _close(got, want, rtol, what):
    want = want.detach().numpy() if hasattr(want, "detach") else np.asarray(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=rtol * 1e-2, err_msg=what)


def both(fn, *arrays, what=""):
    """fn(dist module, *params) in tinygrad_dl and torch on the same float64 arrays (each
    requiring grad): values to 1e-12, gradients of a weighted sum to 1e-10."""
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    got, want = fn(D, *ours), fn(TD, *theirs)
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


def _spd(rng, *batch, n=3):
    a = rng.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(rng, *batch, n=3):
    return np.tril(rng.standard_normal(batch + (n, n)), -1) + np.eye(n) * rng.uniform(
        0.5, 2.0, batch + (n,))[..., None]


# (loc shape, matrix batch): loc's batch broadcast against the matrix's, both ways
SHAPES = [((3,), ()), ((2, 3), ()), ((3,), (2,)), ((4, 1, 3), (2,))]
KINDS = ["covariance_matrix", "precision_matrix", "scale_tril"]
METHODS = ["log_prob", "entropy", "mean", "mode", "variance", "stddev", "covariance_matrix",
           "precision_matrix", "scale_tril"]


def _matrix(rng, kind, batch):
    return _tril(rng, *batch) if kind == "scale_tril" else _spd(rng, *batch)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", METHODS)
def test_values_and_gradients_match_torch(method, kind, shapes, seed):
    rng = np.random.default_rng(seed)
    loc_shape, mbatch = shapes
    loc, m = rng.standard_normal(loc_shape), _matrix(rng, kind, mbatch)
    x = rng.standard_normal((2,) + loc_shape)

    def fn(d, loc, m):
        dist = d.MultivariateNormal(loc, **{kind: m})
        if method == "log_prob":
            t = tg if d is D else torch
            return dist.log_prob(t.tensor(x))
        return dist.entropy() if method == "entropy" else getattr(dist, method)

    both(fn, loc, m, what=f"{kind} {method}")


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("kinds", [("covariance_matrix", "scale_tril"),
                                   ("precision_matrix", "covariance_matrix"),
                                   ("scale_tril", "precision_matrix")])
def test_kl_divergence_matches_torch(kinds, seed):
    rng = np.random.default_rng(seed)
    kp, kq = kinds
    args = (rng.standard_normal((2, 3)), _matrix(rng, kp, ()), rng.standard_normal(3),
            _matrix(rng, kq, (2,)))
    both(lambda d, a, b, c, e: d.kl_divergence(d.MultivariateNormal(a, **{kp: b}),
                                               d.MultivariateNormal(c, **{kq: e})),
         *args, what=f"KL {kinds}")


def test_shapes_flags_and_draws():
    rng = np.random.default_rng(0)
    loc, cov = np.array([1.0, -2.0, 0.5]), _spd(rng)
    ours = D.MultivariateNormal(Tensor(loc), Tensor(cov))
    theirs = TD.MultivariateNormal(torch.tensor(loc), torch.tensor(cov))
    assert ours.has_rsample and theirs.has_rsample
    assert ours.batch_shape == () and ours.event_shape == (3,)
    for shape in [(), (5,), (2, 4)]:
        assert ours.sample(shape).shape == tuple(theirs.sample(shape).shape)
    tg.manual_seed(4)
    n = 40000
    x = ours.sample((n,)).data
    assert x.dtype == np.float64
    se = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(x.mean(0) - loc) <= 5 * se)
    emp = np.cov(x.T)
    sd = np.sqrt(np.outer(np.diag(cov), np.diag(cov)) + cov**2) / np.sqrt(n)
    assert np.all(np.abs(emp - cov) <= 6 * sd)
    f32 = D.MultivariateNormal(Tensor(loc.astype(np.float32)),
                               scale_tril=Tensor(np.eye(3, dtype=np.float32)))
    assert f32.rsample((2,)).dtype == np.float32
    assert f32.log_prob(f32.sample()).dtype == np.float32


def test_rsample_gradient():
    rng = np.random.default_rng(1)
    loc = Tensor(rng.standard_normal(3), requires_grad=True)
    low = Tensor(_tril(rng), requires_grad=True)
    x = D.MultivariateNormal(loc, scale_tril=low).rsample((4,))
    x.sum().backward()
    eps = np.linalg.solve(low.data, (x.data - loc.data).T).T  # the draws' standard normals
    np.testing.assert_allclose(loc.grad, np.full(3, 4.0), rtol=1e-12)
    np.testing.assert_allclose(low.grad, np.ones((3, 1)) * eps.sum(0)[None, :], rtol=1e-10)


BAD = [
    (lambda d, t: d.MultivariateNormal(t.zeros(2), t.eye(2), scale_tril=t.eye(2)),
     "exactly one", "Exactly one"),
    (lambda d, t: d.MultivariateNormal(t.zeros(2)), "exactly one", "Exactly one"),
    (lambda d, t: d.MultivariateNormal(t.tensor(0.0), t.eye(2)), "loc", "loc"),
    (lambda d, t: d.MultivariateNormal(t.zeros(2), t.zeros(2)), "two-dimensional",
     "two-dimensional"),
    (lambda d, t: d.MultivariateNormal(t.zeros(2), t.tensor([[1.0, 2.0], [2.0, 1.0]],
                                                            dtype=t.float64)),
     "covariance_matrix", "covariance_matrix"),
    (lambda d, t: d.MultivariateNormal(t.zeros(2), t.tensor([[1.0, 0.5], [0.0, 1.0]],
                                                            dtype=t.float64)),
     "covariance_matrix", "covariance_matrix"),
    (lambda d, t: d.MultivariateNormal(t.zeros(2), scale_tril=t.tensor(
        [[1.0, 0.5], [0.0, 1.0]], dtype=t.float64)), "scale_tril", "scale_tril"),
    (lambda d, t: d.MultivariateNormal(t.zeros(2), scale_tril=t.tensor(
        [[-1.0, 0.0], [0.0, 1.0]], dtype=t.float64)), "scale_tril", "scale_tril"),
    (lambda d, t: d.MultivariateNormal(t.zeros(2), precision_matrix=t.tensor(
        [[0.0, 0.0], [0.0, 1.0]], dtype=t.float64)), "precision_matrix", "precision_matrix"),
    (lambda d, t: d.MultivariateNormal(t.zeros(2), t.eye(2)).log_prob(
        t.tensor([0.0, float("nan")], dtype=t.float64)), "value", "value"),
    (lambda d, t: d.MultivariateNormal(t.zeros(2), t.eye(2)).log_prob(t.zeros(3)),
     "event_shape", "size"),
]


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("k", range(len(BAD)))
def test_invalid_parameters_and_values_raise_one_line_like_torch(k):
    make, word, torch_word = BAD[k]
    with pytest.raises((ValueError, RuntimeError), match=torch_word):
        make(TD, torch)
    with pytest.raises(ValueError) as e:
        make(D, tg)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("MultivariateNormal") and word in msg, msg


def test_kl_of_different_sizes_refuses():
    p = D.MultivariateNormal(Tensor(np.zeros(2)), Tensor(np.eye(2)))
    q = D.MultivariateNormal(Tensor(np.zeros(3)), Tensor(np.eye(3)))
    with pytest.raises(ValueError, match="different event shapes"):
        D.kl_divergence(p, q)


def test_expand_matches_torch():
    rng = np.random.default_rng(2)
    loc, low = rng.standard_normal(3), _tril(rng)
    ours = D.MultivariateNormal(Tensor(loc), scale_tril=Tensor(low)).expand((2, 4))
    theirs = TD.MultivariateNormal(torch.tensor(loc), scale_tril=torch.tensor(low)).expand(
        (2, 4))
    assert ours.batch_shape == tuple(theirs.batch_shape) == (2, 4)
    x = rng.standard_normal((5, 2, 4, 3))
    _close(ours.log_prob(Tensor(x)).data, theirs.log_prob(torch.tensor(x)), 1e-12, "log_prob")
    _close(ours.covariance_matrix.data, theirs.covariance_matrix, 1e-12, "cov")
    _close(ours.entropy().data, theirs.entropy(), 1e-12, "entropy")
    assert ours.sample((3,)).shape == (3, 2, 4, 3)


def test_a_jitted_step_draws_afresh_and_checks_at_each_replay():
    loc = Tensor(np.zeros(2), requires_grad=True)

    def step(cov):
        d = D.MultivariateNormal(loc, Tensor(cov))
        x = d.rsample((3,))
        (x.sum() + d.log_prob(x).sum()).backward()
        return x

    j = jit.jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outs = [j(np.eye(2)) for _ in range(4)]
    assert j.replays >= 2
    assert len({tuple(o.data.ravel()) for o in outs}) == 4
    with pytest.raises(ValueError, match="covariance_matrix"):
        j(np.array([[1.0, 2.0], [2.0, 1.0]]))
