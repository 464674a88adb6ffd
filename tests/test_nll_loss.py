"""F.nll_loss and nn.NLLLoss, PyTorch's (before: AttributeError), as one op that checks each
batch: labels in [0, K), and input that is log-probabilities (logits by mistake are refused)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn


def test_nll_loss_after_log_softmax_is_cross_entropy_and_refuses_logits():
    # before: F.nll_loss and nn.NLLLoss did not exist (AttributeError)
    from tinygrad_dl import functional as F
    z = np.random.default_rng(1).standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    x = Tensor(z, requires_grad=True)
    loss = nn.NLLLoss()(nn.LogSoftmax(dim=1)(x), y)
    loss.backward()
    u = Tensor(z, requires_grad=True)
    ce = F.cross_entropy(u, y)
    ce.backward()
    np.testing.assert_allclose(loss.item(), ce.item(), rtol=1e-15)
    np.testing.assert_allclose(x.grad, u.grad, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="not log-probabilities.*cross_entropy"):
        F.nll_loss(Tensor(z), y)  # logits by mistake: PyTorch gives a number that means nothing
    with pytest.raises(ValueError, match=r"labels must be in \[0, 4\)"):
        F.nll_loss(F.log_softmax(Tensor(z), dim=1), np.array([0, -1, 1, 1, 2]))


def test_a_replayed_step_checks_nll_losss_labels_on_every_batch():
    from tinygrad_dl import functional as F
    from tinygrad_dl.jit import jit
    w = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)

    @jit
    def step(X, y):
        F.nll_loss(F.log_softmax(Tensor(X) @ w, dim=1), y).backward()

    X = np.ones((2, 3))
    for _ in range(3):
        w.grad = None
        step(X, np.array([0, 3]))
    assert step.replays >= 1
    w.grad = None
    with pytest.raises(ValueError, match="labels must be in"):
        step(X, np.array([0, -1]))  # -1 would index the last class without a word
