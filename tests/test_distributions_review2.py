"""A skeptic's review of the second batch of tinygrad_dl.distributions, against torch 2.13: each
test failed before its fix. A jitted step that uses the families replays (warnings raised as
errors) and re-checks at every replay; LogNormal.cdf takes 0 as torch's; Multinomial refuses
a negative total_count as torch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, jit
from tinygrad_dl import distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions


def _replayed(step, calls, w):
    """Run the jitted `step` on each argument tuple with warnings as errors (so a step that
    cannot be replayed fails), each after clearing w's .grad; the outputs and w's grads."""
    j = jit.jit(step)
    outs, grads = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for args in calls:
            w.grad = None
            outs.append(j(*args))
            grads.append(np.array(w.grad))
    assert j.replays >= len(calls) - 2
    return j, outs, grads


def test_binomial_kl_count_check_runs_at_each_replay():
    # the check q.total_count <= p.total_count was a Python `if` on .data: it ran when the step
    # was recorded, and a replay with p's count below q's gave numbers where torch raises
    w = Tensor(np.array([0.3, -0.2]), requires_grad=True)

    def step(n):
        p = D.Binomial(Tensor(n), w.sigmoid())
        kl = D.kl_divergence(p, D.Binomial(3.0, Tensor([0.5, 0.5])))
        kl.sum().backward()
        return kl

    j, _, _ = _replayed(step, [(np.full(2, 3.0),)] * 4, w)
    w.grad = None
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        j(np.full(2, 2.0))
    with pytest.raises(NotImplementedError):
        TD.kl_divergence(TD.Binomial(torch.full((2,), 2.0), torch.full((2,), 0.5)),
                         TD.Binomial(torch.full((2,), 3.0), torch.full((2,), 0.5)))
    w.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(j(np.full(2, 4.0)).data).all()  # p's count above q's: inf, as torch's


@pytest.mark.parametrize("name", ["Multinomial", "MultinomialLogits", "MultinomialEntropy",
                                  "MVNPrecision", "CauchyMeanVariance", "Modes"])
def test_a_jitted_step_replays_and_matches_eager(name):
    # F.full / F.eye / F.zeros_like / F.arange arrays count as made from the step's data: a
    # step with Multinomial.sample or .entropy, a precision matrix, Cauchy's mean or variance
    # or Exponential's, HalfNormal's or Geometric's mode ran eagerly at every call, warning
    w = Tensor(np.array([0.3, -0.2, 0.1]), requires_grad=True)
    prec = Tensor(np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 2.0]]))

    def step(x):
        a = Tensor(x) * w
        if name == "Multinomial":
            d = D.Multinomial(5, a.exp() / a.exp().sum())
            s = d.sample((2,))
            out = d.log_prob(s).sum()
        elif name == "MultinomialLogits":
            d = D.Multinomial(5, logits=a)
            s = d.sample((3,))
            out = d.log_prob(s).sum()
        elif name == "MultinomialEntropy":
            d = D.Multinomial(4, logits=a)
            s = d.sample()
            out = d.entropy() + d.log_prob(s)
        elif name == "MVNPrecision":
            d = D.MultivariateNormal(a, precision_matrix=prec)
            s = d.rsample((2,))
            out = d.log_prob(s).sum() + s.sum() + d.entropy()
        elif name == "CauchyMeanVariance":
            d = D.Cauchy(a, a.exp())
            s = d.rsample()
            out = d.log_prob(s).sum() + d.mean.sum() + d.variance.sum()
        else:
            s = D.Exponential(a.exp()).rsample()
            out = (D.Exponential(a.exp()).mode.sum() + D.HalfNormal(a.exp()).mode.sum()
                   + D.Geometric(a.sigmoid()).mode.sum() + s.sum())
        out.backward()
        return s, out

    xs = [np.random.default_rng(i).standard_normal(3) for i in range(5)]
    tg.manual_seed(3)
    _, outs, grads = _replayed(step, [(x,) for x in xs], w)
    tg.manual_seed(3)
    for x, got, grad in zip(xs, outs, grads):
        w.grad = None
        want = step(x)
        for g, e in zip(got, want):
            np.testing.assert_array_equal(g.data, e.data)  # the same numbers, NaN included
        np.testing.assert_array_equal(grad, np.array(w.grad))
    assert len({o[0].data.tobytes() for o in outs}) == len(xs)  # drawn afresh at each call


def test_multinomial_sample_in_a_replay_draws_with_the_count():
    w = Tensor(np.zeros(3), requires_grad=True)

    def step(x):
        d = D.Multinomial(7, logits=Tensor(x) + w)
        s = d.sample((4,))
        d.log_prob(s).sum().backward()
        return s

    _, outs, _ = _replayed(step, [(np.array([0.0, 1.0, -1.0]),)] * 4, w)
    for s in outs:
        assert (s.data.sum(-1) == 7).all()


def test_lognormal_cdf_takes_zero_as_torch():
    # torch checks the base Normal's log(0) = -inf against the reals: cdf(0) is 0 (log_prob(0)
    # is refused as the support is positive); a negative value is refused by both
    d, t = D.LogNormal(0.5, 2.0), TD.LogNormal(torch.tensor(0.5), torch.tensor(2.0))
    x = np.array([0.0, 1.5])
    np.testing.assert_allclose(d.cdf(Tensor(x)).data, t.cdf(torch.tensor(x)).numpy(),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="LogNormal: expected value"):
        d.cdf(Tensor([-1.0]))
    with pytest.raises(ValueError):
        t.cdf(torch.tensor([-1.0]))
    with pytest.raises(ValueError, match="LogNormal: expected value"):
        d.log_prob(Tensor([0.0]))


def test_multinomial_negative_total_count_is_refused_as_torch():
    with pytest.raises(ValueError):
        TD.Multinomial(-1, torch.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match="Multinomial: expected total_count to be a "
                                         "non-negative int, got -1"):
        D.Multinomial(-1, Tensor([0.5, 0.5]))
    d = D.Multinomial(0, Tensor([0.5, 0.5]))  # zero draws: all-zero counts, as torch's log_prob
    assert (d.sample((3,)).data == 0).all()
    np.testing.assert_allclose(d.log_prob(Tensor([0.0, 0.0])).data,
                               TD.Multinomial(0, torch.tensor([0.5, 0.5]))
                               .log_prob(torch.tensor([0.0, 0.0])).numpy())


def test_binomial_mode_gradient_at_the_count_is_torch_clamps():
    # mode = min(floor((n + 1) p), n): for p in [n / (n + 1), 1) the two are equal, and
    # minimum gave half the gradient to total_count where torch's clamp(max=n) gives none
    n, p = np.array([4.0, 4.0, 4.0, 3.0]), np.array([0.8, 0.9, 1.0, 0.3])
    ours = [Tensor(n.copy(), requires_grad=True), Tensor(p.copy(), requires_grad=True)]
    theirs = [torch.tensor(n, requires_grad=True), torch.tensor(p, requires_grad=True)]
    got, want = D.Binomial(*ours).mode, TD.Binomial(*theirs).mode
    np.testing.assert_array_equal(got.data, want.detach().numpy())
    got.sum().backward()
    want.sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(np.asarray(o.grad), t.grad.numpy())
