"""A skeptic's review of tinygrad_dl.distributions against torch 2.13: each test failed before
its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, jit
from tinygrad_dl import distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

X0 = np.array([[0.3, -1.2, 2.0], [0.1, 0.5, -0.4]])


@pytest.mark.parametrize("name", ["Categorical", "OneHotCategorical", "Bernoulli"])
@pytest.mark.parametrize("user_no_grad", [True, False])
def test_probs_first_computed_under_no_grad_still_reach_the_logits(name, user_no_grad):
    # the RL idiom: `with no_grad(): a = d.sample()`, then log_prob and entropy. probs was
    # computed (and kept) under no_grad, off the graph: entropy's gradient was ~0 without a
    # word (Bernoulli.sample's own no_grad did it even without the user's); torch's
    # lazy_property computes it with grad enabled
    grads = []
    for M, mod, T in ((D, tg, Tensor), (TD, torch, torch.tensor)):
        x = T(X0.copy(), requires_grad=True)
        d = getattr(M, name)(logits=x)
        if user_no_grad:
            with mod.no_grad():
                d.sample()
        else:
            d.sample()
        a = {"Categorical": [2, 0], "OneHotCategorical": np.eye(3)[[2, 0]],
             "Bernoulli": (X0 > 0) * 1.0}[name]
        (d.entropy().sum() + 0.5 * d.log_prob(T(a)).sum()).backward()
        grads.append(np.asarray(x.grad.data if M is D else x.grad.numpy()))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-12)


def _replays(step, calls):
    """Run the jitted step on each call's arguments with warnings as errors: the outputs and
    the number of replays (a step that cannot be replayed warns and runs eagerly)."""
    j = jit.jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outs = [j(*args) for args in calls]
    return outs, j


def test_a_jitted_step_with_a_uniform_is_replayed_and_checks_each_call():
    # low < high and the support were checked with comparisons (arrays made by the step's
    # Python): the step never replayed (a warning, eager at every call)
    low = Tensor(np.zeros(3), requires_grad=True)

    def step(width, v):
        d = D.Uniform(low, low + Tensor(width))
        lp = d.log_prob(Tensor(v))
        x = d.rsample()
        (lp.sum() + x.sum()).backward()
        return lp, x

    calls = [(np.full(3, 1.0 + k), np.array([0.0, 0.5, 1.0 + k])) for k in range(4)]
    outs, j = _replays(step, calls)
    assert j.replays >= 2
    for (width, v), (lp, x) in zip(calls, outs):
        want = TD.Uniform(torch.zeros(3, dtype=torch.float64),
                          torch.tensor(width)).log_prob(torch.tensor(v))
        np.testing.assert_array_equal(lp.data, want.numpy())  # -inf at high, as torch's
        assert ((x.data >= 0) & (x.data < width)).all()
    assert len({tuple(x.data) for _, x in outs}) == 4
    with pytest.raises(ValueError, match="low must be less than high"):
        j(np.array([1.0, 0.0, 1.0]), np.zeros(3))
    with pytest.raises(ValueError, match="within the support"):
        j(np.ones(3), np.array([0.0, 2.0, 0.0]))


def test_a_jitted_step_with_one_hot_draws_and_modes_is_replayed():
    # one-hot rows, argmax and Bernoulli's mode came from comparisons / Tensor.argmax:
    # arrays made by the step's Python, the step never replayed
    w = Tensor(np.zeros(3), requires_grad=True)

    def step(logits):
        oh = D.OneHotCategorical(logits=w + Tensor(logits))
        a = oh.sample((20,))
        b = D.Bernoulli(logits=w + Tensor(logits))
        loss = oh.log_prob(a).sum() + (oh.mode * w).sum() + (b.mode * w).sum()
        loss = loss + (D.Categorical(logits=w + Tensor(logits)).mode * 1.0 * w).sum()
        loss.backward()
        return a, oh.mode, b.mode

    calls = [(np.eye(3)[k % 3] * 50 - 25,) for k in range(5)]
    outs, j = _replays(step, calls)
    assert j.replays >= 2
    for (logits,), (a, mode, bmode) in zip(calls, outs):
        k = int(np.argmax(logits))
        assert a.shape == (20, 3) and (a.data.argmax(-1) == k).all()
        np.testing.assert_array_equal(mode.data, np.eye(3)[k])
        np.testing.assert_array_equal(bmode.data, (logits > 0).astype(float))


def test_uniform_log_prob_broadcasts_and_keeps_low_dtype_as_torch():
    low, high = np.array([0.0, 1.0], np.float32), np.array([2.0, 1.5], np.float32)
    v = np.array([[0.0], [1.0], [1.5]])
    got = D.Uniform(Tensor(low), Tensor(high), validate_args=False).log_prob(Tensor(v))
    want = TD.Uniform(torch.tensor(low), torch.tensor(high), validate_args=False).log_prob(
        torch.tensor(v))
    assert got.shape == tuple(want.shape) and got.dtype == np.float32
    np.testing.assert_array_equal(got.data, want.numpy())
