"""A skeptic's review of the third distributions batch (transforms, TransformedDistribution,
the relaxed families): each test failed before its fix (torch 2.13, CPU, the oracle)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, jit
from tinygrad_dl import distributions as D
from tinygrad_dl.distributions import transforms as T
from tinygrad_dl.distributions.relaxed import LogitRelaxedBernoulli

torch = pytest.importorskip("torch")
TD = torch.distributions
TT = torch.distributions.transforms


def test_kl_of_transformed_distributions_under_jit_compares_each_calls_transforms():
    # the transforms' equality was read from tensor values in Python (unseen by jit): a step
    # recorded with equal transforms replayed the bases' KL for unequal ones, without a word
    w = Tensor(np.array([0.3, -0.2, 0.5]), requires_grad=True)

    def step(a, b):
        p = D.TransformedDistribution(D.Normal(w, 1.0), T.AffineTransform(0.0, a))
        q = D.TransformedDistribution(D.Normal(w * 2, 1.0), T.AffineTransform(0.0, b))
        k = D.kl_divergence(p, q).sum()
        k.backward()
        return k

    j = jit.jit(step)
    same = Tensor(np.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the step runs eagerly, with one warning
        for _ in range(3):
            w.grad = None
            j(same, Tensor(np.ones(3)))
        with pytest.raises(NotImplementedError, match="different transforms"):
            j(same, Tensor(np.full(3, 5.0)))
    assert j.replays == 0


def test_the_inverse_of_a_transform_takes_a_cache_as_torch():
    # _InverseTransform.with_cache raised NotImplementedError, so ComposeTransform(...,
    # cache_size=1) and IndependentTransform(..., cache_size=1) refused an inverse part
    assert repr(TT.ExpTransform().inv.with_cache(1)) == "_InverseTransform(ExpTransform())"
    t = T.ExpTransform().inv.with_cache(1)
    assert t._cache_size == 1 and t.inv._cache_size == 1 and isinstance(t.inv, T.ExpTransform)
    y = Tensor(np.array([0.5, 2.0]))
    x = t(y)
    assert t.inv(x) is y  # the cached pair
    c = T.ComposeTransform([T.ExpTransform().inv, T.AffineTransform(1.0, 2.0)], cache_size=1)
    tc = TT.ComposeTransform([TT.ExpTransform().inv, TT.AffineTransform(1.0, 2.0)],
                             cache_size=1)
    got, want = c(y), tc(torch.tensor(y.data))
    np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-15)
    assert c.inv(got) is y
    np.testing.assert_allclose(c.log_abs_det_jacobian(y, got).data,
                               tc.log_abs_det_jacobian(torch.tensor(y.data), want).numpy(),
                               rtol=1e-15)
    i = T.IndependentTransform(T.SigmoidTransform().inv, 1, cache_size=1)
    assert i.base_transform._cache_size == 1


@pytest.mark.parametrize("family", ["RelaxedBernoulli", "RelaxedOneHotCategorical",
                                    "LogitRelaxedBernoulli"])
def test_a_jitted_relaxed_step_with_a_number_temperature_replays(family):
    # a number temperature became np.asarray(t) inside the step: an array made by the step's
    # NumPy, which jit refuses as per-step data (the step ran eagerly, with a warning)
    w = Tensor(np.array([0.3, -0.2, 0.5]), requires_grad=True)
    cls = LogitRelaxedBernoulli if family == "LogitRelaxedBernoulli" else getattr(D, family)

    def step():
        s = cls(0.5, logits=w).rsample((4,))
        s.sum().backward()
        return s

    j = jit.jit(step)
    outs = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(5):
            w.grad = None
            tg.manual_seed(10 + i)
            outs.append((j().data.copy(), np.array(w.grad)))
    assert j.replays >= 3
    for i, (got, grad) in enumerate(outs):
        w.grad = None
        tg.manual_seed(10 + i)
        np.testing.assert_array_equal(got, step().data)
        np.testing.assert_array_equal(grad, np.array(w.grad))
    assert len({o[0].tobytes() for o in outs}) == len(outs)  # fresh draws


def test_relaxed_expand_keeps_the_temperature_as_torch():
    # the generic expand broadcast a batch-less distribution's 0-d temperature to the new
    # batch_shape: RelaxedOneHotCategorical(...).expand((2,)) then failed in rsample and
    # log_prob (scores (n, 2, K) divided by a (2,) temperature)
    probs = np.array([0.2, 0.3, 0.5])
    value = np.array([0.1, 0.6, 0.3])
    for es in [(2,), (4, 2)]:
        d = D.RelaxedOneHotCategorical(Tensor(np.array(0.7)), probs=Tensor(probs)).expand(es)
        td = TD.RelaxedOneHotCategorical(torch.tensor(0.7, dtype=torch.float64),
                                         probs=torch.tensor(probs)).expand(es)
        assert d.temperature.shape == () and d.rsample((3,)).shape == (3,) + es + (3,)
        np.testing.assert_allclose(d.log_prob(Tensor(value)).data,
                                   td.log_prob(torch.tensor(value)).numpy(), rtol=1e-12)
        b = LogitRelaxedBernoulli(0.7, logits=Tensor(np.array(0.3))).expand(es)
        assert b.temperature.shape == () and b.rsample((3,)).shape == (3,) + es


class _NegExp(D.TransformedDistribution):
    """-E for E exponential, its support less_than(bound) made afresh at each use."""

    def __init__(self, rate, bound):
        self.bound = bound
        super().__init__(D.Exponential(rate), T.AffineTransform(0.0, -1.0))

    @property
    def support(self):
        return D.constraints.less_than(self.bound)


def test_a_jitted_step_checking_a_less_than_support_replays_and_checks_each_value():
    # less_than was not a dataclass (equal only to itself, unlike greater_than): the Tap check
    # holding a fresh one made the two recordings differ, so the step never replayed
    assert D.constraints.less_than(0.0) == D.constraints.less_than(0.0)
    w = Tensor(np.array([0.3, 0.2]), requires_grad=True)

    def step(x):
        _NegExp(w.exp(), 0.0).log_prob(x).sum().backward()

    j = jit.jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            j(np.array([-1.0, -2.0]))
        assert j.replays == 2
        with pytest.raises(ValueError, match="within the support"):
            j(np.array([1.0, -2.0]))


def test_a_tensor_bound_support_is_not_replayed_stale():
    # a tensor bound's values are read by the check's message (repr): the step runs eagerly,
    # so a later call checks against its own bound (no stale replay)
    w = Tensor(np.array([0.3, 0.2]), requires_grad=True)

    def step(x, b):
        _NegExp(w.exp(), w * 0 + b).log_prob(x).sum().backward()

    j = jit.jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(4):
            j(np.array([-1.0, -2.0]), 0.0)
        with pytest.raises(ValueError, match="within the support"):
            j(np.array([-1.0, -2.0]), -1.5)
    assert j.replays == 0


@pytest.mark.parametrize("exponent", [2.0, -0.5, 3, 0.0])
def test_a_number_exponent_keeps_float32_values_float32_as_torch(exponent):
    # the number became a float64 0-d tensor, which promoted float32 draws, log_probs and
    # Jacobians to float64 (torch's exponent is a default-dtype tensor: float32 stays float32)
    x = np.array([0.5, 2.0, 3.0], np.float32)
    t, tt = T.PowerTransform(exponent), TT.PowerTransform(exponent)
    y, ty = t(Tensor(x)), tt(torch.tensor(x))
    ladj = t.log_abs_det_jacobian(Tensor(x), y)
    tladj = tt.log_abs_det_jacobian(torch.tensor(x), ty)
    for got, want in ((y, ty), (ladj, tladj), (t.inv(y), tt.inv(ty))):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-6)
    loc = np.array([0.1, -0.3], np.float32)
    d = D.TransformedDistribution(D.Normal(Tensor(loc), 1.0),
                                  [T.ExpTransform(), T.PowerTransform(exponent)])
    if exponent:
        td = TD.TransformedDistribution(TD.Normal(torch.tensor(loc), 1.0),
                                        [TT.ExpTransform(), TT.PowerTransform(exponent)])
        v = np.array([1.5, 0.7], np.float32)
        lp = d.log_prob(Tensor(v))
        assert lp.dtype == np.float32 and d.rsample((2,)).dtype == np.float32
        np.testing.assert_allclose(lp.data, td.log_prob(torch.tensor(v)).numpy(), rtol=1e-5)


def test_cdf_and_icdf_through_a_number_exponent_stay_float32_as_torch():
    # the float64 0-d sign of PowerTransform(-0.5) promoted float32 cdfs and icdfs to float64
    d = D.TransformedDistribution(D.Exponential(Tensor(np.ones(2, np.float32))),
                                  [T.PowerTransform(-0.5)])
    td = TD.TransformedDistribution(TD.Exponential(torch.ones(2)), [TT.PowerTransform(-0.5)])
    v = np.array([0.5, 2.0], np.float32)
    for got, want in ((d.cdf(Tensor(v)), td.cdf(torch.tensor(v))),
                      (d.icdf(Tensor(v / 3)), td.icdf(torch.tensor(v / 3)))):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-6)


# ---- a later review (distributions against torch 2.13, and torch.special) ----------------------


def test_polygamma_next_to_the_pole_at_zero_from_below_keeps_its_digits():
    # the pair (f - 1)^-s was formed as (1 - f) with f = x + 1 rounded: psi'(-1e-10) came out
    # 1.65e-7 off (9.9999983e19) and psi''(-1e-20) inf; torch's are right (the digamma gradient)
    x = np.array([-1e-10, -1e-20, -1e-7, -0.5])
    for n in (1, 2, 3):
        got = tg.special.polygamma(n, Tensor(x)).numpy()
        want = torch.special.polygamma(n, torch.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-8)
    w = Tensor(x, requires_grad=True)
    tg.special.digamma(w).sum().backward()
    np.testing.assert_allclose(np.asarray(w.grad)[:2], [1e20, 1e40], rtol=1e-14)


def test_special_round_refuses_a_non_int_decimals_and_gives_torchs_nan_past_1e308():
    # decimals=1.5 rounded to one decimal without a word (torch: TypeError); decimals=309
    # crashed with Python's OverflowError from 10.0 ** 309 (torch: NaN)
    x = np.array([1.23456, 123.5, 0.0, 1e30])
    for bad in (1.5, True):
        with pytest.raises(TypeError, match="decimals"):
            tg.special.round(Tensor(x), decimals=bad)
    for d in (309, -400, 2, -1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = tg.special.round(Tensor(x), decimals=d).numpy()
        np.testing.assert_array_equal(got, torch.special.round(torch.tensor(x), decimals=d).numpy())
