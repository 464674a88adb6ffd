"""A skeptic's review of nn leftovers against torch 2.13: F.pad's crops to an empty axis in
"reflect" / "replicate" mode, BatchNorm1d of torch's (N, C, L) input (eager and under the
jit), binary_cross_entropy_with_logits at infinite logits. Each fix's test failed before it."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
R = np.random.default_rng(11)


# ---- F.pad: a crop to 0 entries beside an axis that keeps entries (torch: an empty tensor) ----
@pytest.mark.parametrize("mode, shape, pad", [
    ("reflect", (2, 3, 4), (0, 0, -2, -1)), ("replicate", (2, 3, 4), (1, 1, -2, -1)),
    ("reflect", (1, 2, 3, 4), (1, 1, -3, 0)), ("replicate", (1, 2, 3, 4, 5), (1, 1, 0, 0, -1, -2))])
def test_pad_crop_to_empty_axis_matches_torch(mode, shape, pad):
    x = R.normal(size=shape)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.pad(tx, pad, mode=mode)
    gx = Tensor(x, requires_grad=True)
    gy = F.pad(gx, pad=pad, mode=mode)
    assert tuple(gy.shape) == tuple(ty.shape) and 0 in gy.shape
    gy.sum().backward()
    assert gx.grad.shape == shape and not gx.grad.data.any()  # (torch's 3-D reflect: garbage)


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("shape, pad", [((2, 3), (-2, -1)), ((2, 3, 4), (-2, -2)),
                                        ((2, 3, 4), (0, 0, -5, 1)), ((2, 3, 4), (-2, -2, -3, 0))])
def test_pad_crop_torch_refuses_is_refused(mode, shape, pad):
    x = R.normal(size=shape)
    with pytest.raises(RuntimeError):
        torch.nn.functional.pad(torch.tensor(x), pad, mode=mode)
    with pytest.raises(ValueError, match=f"pad: mode '{mode}' with widths .* entries on dim"):
        F.pad(Tensor(x), pad=pad, mode=mode)


def test_pad_pair_hint_names_a_spelling_that_crops():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"pad=\(-2, -1\) for PyTorch's$") as e:
        F.pad(x, (-2, -1))
    assert F.pad(x, pad=(-2, -1)).shape == (2, 0)  # (the hint's spelling works)
    assert "\n" not in str(e.value)


# ---- BatchNorm1d of (N, C, L): statistics over N and L per channel, as torch's ---------------
@pytest.mark.parametrize("kw", [{}, dict(affine=False), dict(track_running_stats=False),
                                dict(momentum=None)])
@pytest.mark.parametrize("shape", [(4, 3, 5), (1, 3, 2), (2, 3, 1)])
def test_batchnorm1d_ncl_matches_torch(kw, shape):
    t = torch.nn.BatchNorm1d(3, eps=1e-5, **kw).double()
    m = nn.BatchNorm1d(3, eps=1e-5, **kw)
    for _ in range(2):  # training: outputs and gradients are torch's
        x, w = R.normal(size=shape) * 3 + 1, R.normal(size=shape)
        tx, gx = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
        ty, gy = t(tx), m(gx)
        (ty * torch.tensor(w)).sum().backward()
        (gy * Tensor(w)).sum().backward()
        assert gy.shape == shape and gy.data.flags.c_contiguous
        np.testing.assert_allclose(gy.data, ty.detach().numpy(), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(gx.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
        if m.gamma is not None:
            np.testing.assert_allclose(m.gamma.grad.data, t.weight.grad.numpy(), rtol=1e-10,
                                       atol=1e-12)
            np.testing.assert_allclose(m.beta.grad.data, t.bias.grad.numpy(), rtol=1e-10,
                                       atol=1e-12)
            m.gamma.grad = m.beta.grad = t.weight.grad = t.bias.grad = None
    if m.running_mean is not None:  # (the running mean: per channel over N * L values)
        assert int(m.num_batches_tracked) == int(t.num_batches_tracked) == 2
        m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    t.eval()
    m.eval()  # evaluation with torch's running statistics: torch's outputs
    x = R.normal(size=shape)
    np.testing.assert_allclose(m(Tensor(x)).data, t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-13)


def test_batchnorm1d_ncl_refusals_are_one_line():
    m = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"more than 1 value per channel .*\(1, 3, 1\)$"):
        m(Tensor(np.zeros((1, 3, 1))))
    with pytest.raises(ValueError, match=r"expected input \(n, 3\) or \(n, 3, L\), got "
                                         r"\(2, 4, 3\)$"):
        m(Tensor(np.zeros((2, 4, 3))))
    y = m(Tensor(np.zeros((0, 3, 4)), requires_grad=True))  # (empty: torch's empty output)
    assert y.shape == (0, 3, 4) and int(m.num_batches_tracked) == 0
    m.eval()
    assert m(Tensor(np.ones((1, 3, 1)))).shape == (1, 3, 1)  # (evaluation: one value is fine)


@pytest.mark.parametrize("kw", [{}, dict(momentum=None)])
def test_batchnorm1d_ncl_jitted_step_replays_bit_for_bit(kw):
    bn, lin = nn.BatchNorm1d(3, eps=1e-5, **kw), nn.Linear(4, 3)
    bn2, lin2 = copy.deepcopy(bn), copy.deepcopy(lin)
    w = Tensor(np.arange(30.0).reshape(2, 3, 5))

    @jit
    def step(X):
        out = bn(lin(tg.Tensor(X)).permute(0, 2, 1))
        loss = (out * out * w).sum()
        loss.backward()
        return loss

    for _ in range(5):
        a = R.normal(size=(2, 5, 4))
        lin.W.grad = lin2.W.grad = None
        loss = step(a)
        out2 = bn2(lin2(tg.Tensor(a)).permute(0, 2, 1))
        loss2 = (out2 * out2 * w).sum()
        loss2.backward()
        assert float(loss.data) == float(loss2.data)
        assert np.array_equal(lin.W.grad, lin2.W.grad)
        assert np.array_equal(bn.running_mean, bn2.running_mean)
        assert np.array_equal(bn.running_var, bn2.running_var)
    assert step.replays >= 2 and not step.fallbacks


# ---- binary_cross_entropy_with_logits at infinite logits: the limits (documented) -----------
def test_bce_with_logits_infinite_logits_are_the_limits():
    x = Tensor(np.array([-np.inf, -np.inf, np.inf, 3.0]), requires_grad=True)
    y = Tensor(np.array([1.0, 0.3, 0.3, 1.0]))
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_array_equal(loss.data[:3], [np.inf, np.inf, np.inf])  # (torch: NaN, NaN)
    xs = Tensor(np.array([0.5, -20.0]), requires_grad=True)
    F.binary_cross_entropy_with_logits(xs, Tensor(np.array([1.0, 0.3])), reduction="sum",
                                       pos_weight=Tensor(np.array([np.inf, np.inf]))).backward()
    np.testing.assert_array_equal(xs.grad.data, [-np.inf, -np.inf])  # (torch: NaN)
