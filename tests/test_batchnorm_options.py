"""BatchNorm's PyTorch switches: affine=False, bias=False, track_running_stats=False and
momentum=None (the cumulative average), compared with torch 2.13 (float64: values 1e-12,
gradients 1e-10). Before, each was refused with NotImplementedError (momentum=None with a
TypeError), LazyBatchNorm2d(affine=False)'s naming BatchNorm2d."""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(7)
OURS = {"gamma": "weight", "beta": "bias"}


def _close(ours, theirs, rtol=1e-12):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("affine,track,bias,momentum",
                         list(itertools.product((True, False), (True, False), (True, False),
                                                (0.1, None))))
def test_batchnorm1d_switches_as_torchs(affine, track, bias, momentum):
    kw = dict(eps=1e-5, momentum=momentum, affine=affine, track_running_stats=track, bias=bias)
    m, t = nn.BatchNorm1d(3, **kw), torch.nn.BatchNorm1d(3, **kw).double()
    assert sorted(OURS.get(k, k) for k in m.state_dict()) == sorted(t.state_dict())
    assert len(m.parameters()) == len(list(t.parameters()))
    assert (m.weight is None) == (t.weight is None) and (m.bias is None) == (t.bias is None)
    assert (m.running_mean is None) == (t.running_mean is None)
    for mode in ("train", "train", "train", "eval"):
        m.train(mode == "train"), t.train(mode == "train")
        a, w = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
        x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = m(x), t(tx)
        if mode == "train" or not track:  # (evaluation with running statistics: the course's
            _close(y.data, ty)  # biased running variance differs from torch's, documented)
        (y * tg.tensor(w)).sum().backward()
        (ty * torch.tensor(w)).sum().backward()
        if mode == "train" or not track:
            _close(x.grad, tx.grad, 1e-10)
        for p, tp in zip(m.parameters(), t.parameters()):
            if mode == "train":
                _close(p.grad, tp.grad, 1e-10)
            p.grad, tp.grad = None, None


def test_momentum_none_is_torchs_cumulative_average():
    m, t = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None).double()
    n = 6
    for i in range(5):
        a = RNG.normal(size=(n, 3)) * (i + 1) + i
        m(tg.tensor(a)), t(torch.tensor(a))
    _close(m.running_mean, t.running_mean, 1e-13)
    # the course's biased batch variance, averaged the same way: torch's times (n - 1) / n
    _close(m.running_var, t.running_var * (n - 1) / n, 1e-13)
    assert int(m.num_batches_tracked) == int(t.num_batches_tracked) == 5
    assert m.momentum is None and m.alpha is None
    m.momentum = 0.25  # torch's attribute, settable: alpha follows
    assert m.alpha == 0.75 and m.momentum == 0.25
    assert nn.BatchNorm1d(3, momentum=0.1).momentum == 0.1


@pytest.mark.parametrize("cls,tcls,shape", [
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (2, 3, 4, 5)),
    (nn.BatchNorm3d, torch.nn.BatchNorm3d, (2, 3, 2, 2, 3)),
    (nn.SyncBatchNorm, torch.nn.SyncBatchNorm, (2, 3, 4)),
    (nn.LazyBatchNorm2d, torch.nn.LazyBatchNorm2d, (2, 3, 4, 5)),
])
@pytest.mark.parametrize("kw", [dict(affine=False), dict(track_running_stats=False),
                                dict(bias=False)])
def test_image_layers_take_the_switches(cls, tcls, shape, kw):
    args = () if "Lazy" in cls.__name__ else (3,)
    m, t = cls(*args, eps=1e-5, **kw), tcls(*args, eps=1e-5, **kw).double()
    a = RNG.normal(size=shape)
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = m(x), t(tx)
    _close(y.data, ty, 1e-10)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    _close(x.grad, tx.grad, 1e-9)
    assert sorted(OURS.get(k, k) for k in m.state_dict()) == sorted(t.state_dict())


def test_convert_sync_batchnorm_keeps_no_running_stats():
    seq = nn.Sequential(nn.BatchNorm1d(3, affine=False, track_running_stats=False))
    s = nn.SyncBatchNorm.convert_sync_batchnorm(seq)
    assert s[0].running_mean is None and s[0].weight is None and s.state_dict() == {}
    bn = nn.BatchNorm1d(3, momentum=None)
    sync = nn.SyncBatchNorm.convert_sync_batchnorm(bn)
    assert sync.momentum is None and sync.running_mean is bn.running_mean


def test_torch_state_dict_of_affine_false_loads():
    t = torch.nn.BatchNorm1d(3, affine=False).double()
    t(torch.tensor(RNG.normal(size=(4, 3))))
    m = nn.BatchNorm1d(3, affine=False)
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    _close(m.running_mean, t.running_mean, 0)
    assert int(m.num_batches_tracked) == 1


@pytest.mark.parametrize("kw", [dict(affine=False), dict(bias=False),
                                dict(track_running_stats=False), dict(momentum=None)])
@pytest.mark.parametrize("training", [True, False])
def test_jitted_step_replays_bit_for_bit(kw, training):
    """A replayed step with each switch gives eager's numbers, the running statistics
    included, and a momentum changed between calls is used (not the recorded one)."""
    bn, lin = nn.BatchNorm1d(3, eps=1e-5, **kw), nn.Linear(4, 3)
    bn(lin(tg.Tensor(RNG.normal(size=(6, 4)))))  # running statistics to use in evaluation
    bn.train(training)
    bn2, lin2 = copy.deepcopy(bn), copy.deepcopy(lin)

    @jit
    def step(X):
        out = bn(lin(tg.Tensor(X)))
        loss = (out * out).sum()
        loss.backward()
        return loss

    for i in range(6):
        a = RNG.normal(size=(6, 4))
        lin.W.grad = lin2.W.grad = None
        loss = step(a)
        out2 = bn2(lin2(tg.Tensor(a)))
        loss2 = (out2 * out2).sum()
        loss2.backward()
        assert float(loss.data) == float(loss2.data) and np.array_equal(lin.W.grad, lin2.W.grad)
        if bn.running_mean is not None:
            assert np.array_equal(bn.running_mean, bn2.running_mean)
        if i == 3:
            bn.momentum = bn2.momentum = 0.5
    assert step.replays >= 2 and not step.fallbacks


def test_reset_running_stats_and_parameters():
    bn = nn.BatchNorm1d(3)
    bn(tg.tensor(RNG.normal(size=(4, 3))))
    held = bn.running_mean  # (torch resets in place: a reference sees the zeros)
    bn.gamma.data[...] = 3.0
    bn.reset_parameters()
    assert held is bn.running_mean and not held.any() and (bn.running_var == 1).all()
    assert int(bn.num_batches_tracked) == 0 and (bn.gamma.data == 1).all()
    # a live evaluation graph saved the running variance: its backward keeps the old values
    bn(tg.tensor(RNG.normal(size=(4, 3)) * 3))
    bn.eval()
    a = RNG.normal(size=(4, 3))
    x = tg.tensor(a, requires_grad=True)
    before = bn.running_var.copy()
    y = bn(x)
    bn.reset_running_stats()
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.broadcast_to(1 / np.sqrt(before + bn.eps), a.shape),
                               rtol=1e-14)
    assert (bn.running_var == 1).all() and bn.num_features == 3
    nn.BatchNorm1d(3, track_running_stats=False).reset_running_stats()  # (nothing to reset)


@pytest.mark.parametrize("kw", ["affine", "track_running_stats", "bias"])
def test_a_flag_that_is_not_a_bool_is_refused(kw):
    with pytest.raises(TypeError, match=f"BatchNorm2d: {kw} must be True or False") as e:
        nn.BatchNorm2d(3, **{kw: "False"})  # (a string: truthy, would have meant True)
    assert "\n" not in str(e.value)


def test_float32_constants_follow_the_input():
    bn = nn.BatchNorm1d(3, affine=False).float()
    y = bn(tg.tensor(RNG.normal(size=(4, 3)).astype(np.float32)))
    assert y.dtype == np.float32 and bn.running_mean.dtype == np.float32
