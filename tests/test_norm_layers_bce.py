"""nn.LayerNorm / F.layer_norm and nn.BCELoss / F.binary_cross_entropy against torch (the op
table adds their finite-difference and edge rows); the skeptic's cases: a normalized_shape that
is not the input's trailing shape, a weight of another shape, a logit given as a probability
(on every batch of a replayed step too), a row of one constant value."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
R = np.random.default_rng(3)


@pytest.mark.parametrize("shape, norm", [((4, 5), 5), ((2, 3, 4), (3, 4)), ((2, 3, 4), (4,))])
@pytest.mark.parametrize("affine, bias", [(True, True), (True, False), (False, False)])
def test_layer_norm_module_is_torchs_values_and_gradients(shape, norm, affine, bias):
    x = R.standard_normal(shape)
    ours = nn.LayerNorm(norm, elementwise_affine=affine, bias=bias)
    theirs = torch.nn.LayerNorm(norm, elementwise_affine=affine, bias=bias, dtype=torch.float64)
    if affine:  # the same non-trivial affine parameters in both
        w = R.standard_normal(ours.weight.shape)
        ours.weight.data[...] = w
        theirs.weight.data[...] = torch.tensor(w)
    t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g = R.standard_normal(shape)
    out, tout = ours(t), theirs(tt)
    (out * Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)
    if affine:
        np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-10)
    assert (ours.bias is None) == (not (affine and bias))


def test_layer_norm_refuses_a_shape_that_is_not_the_trailing_one():
    with pytest.raises(ValueError, match=r"normalized_shape \(3,\) must be the input's last"):
        F.layer_norm(Tensor(np.ones((3, 4))), 3)
    with pytest.raises(ValueError, match=r"weight must have the normalized shape \(4,\)"):
        F.layer_norm(Tensor(np.ones((3, 4))), 4, np.ones(3))
    with pytest.raises(ValueError, match="eps must be > 0"):
        nn.LayerNorm(4, eps=0.0)


def test_layer_norm_of_a_constant_row_is_bias_with_finite_gradients():
    t = Tensor(np.full((2, 4), 3.0), requires_grad=True)
    ln = nn.LayerNorm(4)
    out = ln(t)
    np.testing.assert_array_equal(out.data, np.zeros((2, 4)))
    (out * Tensor(R.standard_normal((2, 4)))).sum().backward()
    assert np.isfinite(t.grad).all() and np.isfinite(ln.weight.grad).all()


def test_bce_loss_is_torchs_and_refuses_logits_in_every_replayed_batch():
    p, y = R.uniform(0.05, 0.95, (5, 3)), R.uniform(0.0, 1.0, (5, 3))
    w = R.uniform(0.5, 2.0, (5, 3))
    for reduction in ("mean", "sum", "none"):
        t, tt = Tensor(p, requires_grad=True), torch.tensor(p, requires_grad=True)
        out = nn.BCELoss(weight=w, reduction=reduction)(t, y)
        tout = torch.nn.BCELoss(weight=torch.tensor(w), reduction=reduction)(tt, torch.tensor(y))
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12)
    W = Tensor(R.standard_normal((3, 1)), requires_grad=True)
    loss_fn = nn.BCELoss()

    @jit
    def step(X, Y):
        loss_fn((Tensor(X) @ W).sigmoid().flatten(), Y).backward()

    for _ in range(3):
        W.grad = None
        step(R.standard_normal((4, 3)), np.array([0.0, 1.0, 1.0, 0.0]))
    assert step.replays == 1
    with pytest.raises(ValueError, match="probabilities in"):  # a replayed batch is checked
        step(np.full((4, 3), np.nan), np.ones(4))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold probabilities"):
        nn.BCELoss()(Tensor(R.standard_normal(4) * 3), np.ones(4))  # logits given by mistake
    with pytest.raises(ValueError, match="probabilities in"):
        F.binary_cross_entropy(Tensor([0.5, np.nan]), [1.0, 0.0])
    assert tg.nn.functional.binary_cross_entropy is F.binary_cross_entropy


def test_batch_norm_2d_is_torchs_in_training_and_the_courses_running_statistics():
    x = R.standard_normal((4, 3, 5, 6))
    g = R.standard_normal(x.shape)
    ours, theirs = nn.BatchNorm2d(3, eps=1e-5), torch.nn.BatchNorm2d(3, eps=1e-5,
                                                                     dtype=torch.float64)
    t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(t), theirs(tt)
    (out * Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.gamma.grad, theirs.weight.grad.numpy(), rtol=1e-10)
    # the course's running statistics (BatchNorm1d's): the first batch sets them, per channel,
    # the biased variance
    np.testing.assert_allclose(ours.running_mean, x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, x.var(axis=(0, 2, 3)), rtol=1e-12)
    ours.eval()
    want = (x - ours.running_mean[:, None, None]) / np.sqrt(ours.running_var[:, None, None] +
                                                            1e-5)
    np.testing.assert_allclose(ours(Tensor(x)).data, want, rtol=1e-12, atol=1e-13)
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\): expected input \(N, 3, H, W\)"):
        ours(Tensor(np.ones((4, 2, 5, 6))))
    with pytest.raises(ValueError, match="BatchNorm2d"):
        ours(Tensor(np.ones((4, 3))))
