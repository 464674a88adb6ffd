"""Losses, normalization layers and activations reviewed against torch 2.13: the findings."""

import numpy as np
import pytest

import tinygrad_dl.functional as F
import tinygrad_dl.nn as nn
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")
TF = torch.nn.functional


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_bce_log_is_clamped_at_minus_100_in_float32_too(dtype):
    # clamping p at exp(-100) (a float32 subnormal) gave log -99.983: a loss of 99.983, not 100
    # (float16: exp(-100) is 0, log(0) an inf loss)
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-44, 0.3], dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 1.0, 1.0], dtype)
    x = Tensor(p, requires_grad=True)
    loss = F.binary_cross_entropy(x, Tensor(y), reduction="none")
    want = TF.binary_cross_entropy(torch.tensor(p), torch.tensor(y), reduction="none").numpy()
    assert loss.dtype == dtype
    rtol = {np.float16: 1e-3, np.float32: 1e-6, np.float64: 1e-12}[dtype]
    np.testing.assert_allclose(loss.numpy(), want, rtol=rtol)
    assert loss.numpy()[0] == 100.0 and loss.numpy()[1] == 100.0
    loss.sum().backward()
    g = np.asarray(x.grad)
    # PyTorch's gradient (p - y) / max(p (1 - p), 1e-12) (was 0 where clamped): -1e12 and 1e12
    # at p = 0 and 1 (float16: +-inf, as PyTorch's; its 0 / 0 NaN at p = y = 0 is 0 here)
    tp = torch.tensor(p.astype(np.float32 if dtype == np.float16 else dtype), requires_grad=True)
    TF.binary_cross_entropy(tp, torch.tensor(y).to(tp.dtype), reduction="none").sum().backward()
    with np.errstate(over="ignore"):
        want = tp.grad.numpy().astype(dtype)
    np.testing.assert_allclose(g, want, rtol=rtol, atol=0)


def test_bce_module_float32_clamp():
    p = Tensor(np.float32([0.0, 0.25]))
    y = Tensor(np.float32([1.0, 0.0]))
    got = nn.BCELoss(reduction="sum")(p, y).numpy()
    want = torch.nn.BCELoss(reduction="sum")(torch.tensor([0.0, 0.25]), torch.tensor([1.0, 0.0]))
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("args", [((3, 4),), ((3, 4), 1e-5, False), ((4,), 1e-5, True, False),
                                  ((4,), 0.1, False, True)])
def test_layer_norm_repr_says_bias(args):
    assert repr(nn.LayerNorm(*args)) == repr(torch.nn.LayerNorm(*args))


@pytest.mark.parametrize("v", [-2.0, 0.0, 1e-13, 3.0])
@pytest.mark.parametrize("dim", [0, -1])
def test_normalize_and_softmin_of_a_0d_tensor(v, dim):
    for ours, theirs in [(F.normalize, TF.normalize), (F.softmin, TF.softmin)]:
        x = Tensor(np.array(v), requires_grad=True)
        out = ours(x, dim=dim)
        out.backward()
        t = torch.tensor(v, dtype=torch.float64, requires_grad=True)
        ref = theirs(t, dim=dim)
        ref.backward()
        assert out.shape == () and out.dtype == np.float64
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("fn", [F.normalize, F.softmin])
def test_0d_dim_out_of_range_is_one_line(fn):
    with pytest.raises(ValueError, match=r"dim 1 is out of range for a 0-D input"):
        fn(Tensor(np.array(1.0)), dim=1)
    with pytest.raises(TypeError, match="dim must be an int"):
        fn(Tensor(np.array(1.0)), dim=True)


def test_bce_losses_weights_are_buffers_as_torch():
    # they were plain attributes: a torch state dict of a model holding the loss did not load
    w, pw = np.array([0.5, 2.0, 1.0]), np.array([1.0, 2.0, 3.0])
    for ours, theirs in [(nn.BCELoss(weight=Tensor(w)), torch.nn.BCELoss(weight=torch.tensor(w))),
                         (nn.BCEWithLogitsLoss(weight=w, pos_weight=Tensor(pw)),
                          torch.nn.BCEWithLogitsLoss(weight=torch.tensor(w),
                                                     pos_weight=torch.tensor(pw)))]:
        want = theirs.state_dict()
        assert sorted(ours.state_dict()) == sorted(want)
        ours.load_state_dict({k: v.numpy() * 2 for k, v in want.items()})
        theirs.load_state_dict({k: v * 2 for k, v in want.items()})
        p = np.array([[0.2, 0.7, 0.9]])
        y = np.array([[1.0, 0.0, 1.0]])
        np.testing.assert_allclose(ours(Tensor(p), Tensor(y)).numpy(),
                                   theirs(torch.tensor(p), torch.tensor(y)).numpy(), rtol=1e-12)
    assert nn.BCELoss().state_dict() == {} and nn.BCEWithLogitsLoss().weight is None


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_mse_and_l1_take_torchs_weight(name, reduction):
    # torch 2.13's weight= (the input's shape; "mean" is sum(w loss) / sum(w)) was a TypeError
    rng = np.random.default_rng(0)
    x, y, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0, 2, (3, 4))
    ts = [Tensor(a, requires_grad=True) for a in (x, y, w)]
    rs = [torch.tensor(a, requires_grad=True) for a in (x, y, w)]
    out = getattr(F, name)(ts[0], ts[1], reduction=reduction, weight=ts[2])
    ref = getattr(TF, name)(rs[0], rs[1], reduction=reduction, weight=rs[2])
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
    up = rng.standard_normal(ref.shape)
    (out * Tensor(up)).sum().backward()
    (ref * torch.tensor(up)).sum().backward()
    for t, r in zip(ts, rs):
        np.testing.assert_allclose(np.asarray(t.grad), r.grad.numpy(), rtol=1e-10, atol=1e-15)
    with pytest.raises(ValueError, match=rf"{name}: weight must have the input's shape"):
        getattr(F, name)(ts[0], ts[1], weight=np.ones(4))
