"""Review of the normalization edges hunt (691c4ea) against torch 2.13 (CPU, float64).

Named regressions (each failed before its fix): a Lazy layer's channels set before its first
call (`lazy.num_features = 7`, `lazy.in_channels = 9`) overrode the input's (a crash after the
layer had half become its target, or a wrong in_channels), a read-only attribute set before it
left a half-built layer, a buffer (or an empty parameter or module) registered before it was
no longer registered (not saved); a state dict without num_batches_tracked loaded into a
momentum=None layer averaged the next batch 1/2 into it (torch's count 0 replaces them);
torch.group_norm's spelling (no F check) refused one sample of one value per group.
Also checked (passing before): the legacy count through nested prefixes, strict and assign,
InstanceNorm, and a Lazy layer's own settings through load_state_dict before its first call.
"""

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl import nn

torch = pytest.importorskip("torch")

A = np.random.default_rng(0).normal(size=(6, 3))
B = np.random.default_rng(1).normal(size=(6, 3)) * 2 + 1


@pytest.mark.parametrize("ours,theirs,name,shape", [
    (nn.LazyBatchNorm1d, torch.nn.LazyBatchNorm1d, "num_features", (4, 3)),
    (nn.LazyInstanceNorm2d, torch.nn.LazyInstanceNorm2d, "num_features", (2, 3, 4, 4)),
])
def test_lazy_norm_channels_set_before_the_first_call_are_the_inputs(ours, theirs, name,
                                                                       shape):
    a = np.random.default_rng(2).normal(size=shape)
    m, t = ours(eps=1e-5), theirs().double()
    setattr(m, name, 7)
    setattr(t, name, 7)
    y, ty = m(tg.tensor(a)), t(torch.tensor(a))
    assert getattr(m, name) == getattr(t, name) == 3
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_lazy_conv_transpose_in_channels_set_before_the_first_call_is_the_inputs():
    m, t = nn.LazyConvTranspose2d(2, 3), torch.nn.LazyConvTranspose2d(2, 3)
    m.in_channels = t.in_channels = 9
    y, ty = m(tg.tensor(np.ones((1, 3, 4, 4)))), t(torch.ones(1, 3, 4, 4))
    assert m.in_channels == t.in_channels == 3 and tuple(y.shape) == tuple(ty.shape)
    assert m.weight.shape == tuple(t.weight.shape)


def test_lazy_read_only_attribute_set_before_the_first_call_leaves_it_lazy():
    m = nn.LazyConv1d(2, 3)
    m.kernel_size = 5  # (Conv1d's kernel_size is read-only)
    with pytest.raises(AttributeError, match="LazyConv1d: 'kernel_size', set before the first "
                                             "call, cannot be set on the Conv1d"):
        m(tg.tensor(np.ones((1, 3, 7))))
    assert type(m) is nn.LazyConv1d
    del m.kernel_size
    assert tuple(m(tg.tensor(np.ones((1, 3, 7)))).shape) == (1, 2, 5)


def test_lazy_buffers_registered_before_the_first_call_stay_registered():
    m, t = nn.LazyBatchNorm1d(), torch.nn.LazyBatchNorm1d().double()
    for layer, arr in ((m, np.full(2, 4.0)), (t, torch.full((2,), 4.0))):
        layer.register_buffer("extra", arr)
        layer.register_buffer("scratch", arr * 0, persistent=False)
        layer.register_parameter("p", None)
        layer.add_module("sub", None)
    m(tg.tensor(A)), t(torch.tensor(A))
    assert list(m.state_dict()) == ["gamma", "beta", "running_mean", "running_var",
                                    "num_batches_tracked", "extra"]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert list(m._parameters) == ["gamma", "beta", "p"] and list(m._modules) == ["sub"]
    np.testing.assert_array_equal(m.state_dict()["extra"], [4.0, 4.0])


def test_lazy_settings_before_a_load_survive_it():
    m = nn.Sequential(nn.Linear(3, 3), nn.LazyBatchNorm1d())
    m[1].momentum, m[1].eps = None, 1e-5
    src = nn.BatchNorm1d(3)
    src(tg.tensor(A))
    m.load_state_dict({"0.W": np.eye(3), "0.b": np.zeros(3),
                       **{f"1.{k}": v for k, v in src.state_dict().items()}})
    assert type(m[1]) is nn.BatchNorm1d and (m[1].momentum, m[1].eps) == (None, 1e-5)


def _legacy_torch(mom):
    src = torch.nn.BatchNorm1d(3).double()
    src(torch.tensor(A))
    return {k: v for k, v in src.state_dict().items() if k != "num_batches_tracked"}


@pytest.mark.parametrize("mom", [None, 0.1, 0.0, 1.0])
def test_state_dict_without_count_then_a_batch_as_torch(mom):
    """The next batch's running mean after loading a count-less state dict: torch's (its
    count, the layer's own 0: momentum=None replaces them; a momentum averages)."""
    sd = _legacy_torch(mom)
    t = torch.nn.BatchNorm1d(3, momentum=mom).double()
    t.load_state_dict(sd)
    m = nn.BatchNorm1d(3, momentum=mom, eps=1e-5)
    m.load_state_dict({k: v.numpy() for k, v in sd.items()})
    t(torch.tensor(B)), m(tg.tensor(B))
    np.testing.assert_allclose(m.running_mean, t.running_mean.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("assign", [False, True])
def test_state_dict_without_counts_nested_as_torch(strict, assign):
    def ours():
        return nn.Sequential(nn.Linear(3, 3), nn.Sequential(
            nn.BatchNorm1d(3, eps=1e-5), nn.InstanceNorm1d(3, affine=True,
                                                           track_running_stats=True)))

    t = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Sequential(
        torch.nn.BatchNorm1d(3), torch.nn.InstanceNorm1d(3, affine=True,
                                                         track_running_stats=True))).double()
    t[1][0](torch.tensor(A)), t[1][1](torch.tensor(A.T[None]))
    sd = {k: v.numpy().copy() for k, v in t.state_dict().items() if "num_batches" not in k}
    m = ours()
    keys = m.load_state_dict(sd, strict=strict, assign=assign)
    assert keys.missing_keys == [] and keys.unexpected_keys == []
    assert int(m[1][0].num_batches_tracked) == 1  # (averages into them: torch's momentum)
    assert int(m[1][1].num_batches_tracked) == 0  # (InstanceNorm: its own, torch's)
    assert m[1][0].num_batches_tracked.dtype == np.int64
    np.testing.assert_array_equal(m[1][0].running_mean, sd["1.0.running_mean"])


def test_torch_group_norm_spelling_computes_one_value_per_group():
    for shape, g in (((1, 2), 2), ((1, 3, 1), 3), ((1, 1, 1, 1), 1)):
        a = np.random.default_rng(3).normal(size=shape)
        w = np.arange(1.0, shape[1] + 1)
        x = tg.tensor(a, requires_grad=True)
        y = tg.group_norm(x, g, w, w / 2, 1e-5, True)
        tx = torch.tensor(a, requires_grad=True)
        ty = torch.group_norm(tx, g, torch.tensor(w), torch.tensor(w / 2), 1e-5, True)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
        y.sum().backward(), ty.sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-12)
        with pytest.raises(ValueError, match="group_norm: expected more than 1 value per group"):
            F.group_norm(tg.tensor(a), g)
        with pytest.raises(ValueError):
            torch.nn.functional.group_norm(torch.tensor(a), g)


@pytest.mark.parametrize("lazy", [False, True])
def test_conv3d_padding_set_after_construction_is_used_as_torchs(lazy):
    """Conv3d's forward read the padding worked out at construction: `m.padding = 1` (or a
    LazyConv3d's, set before its first call, which 691c4ea now carries over) was ignored."""
    x = np.random.default_rng(4).normal(size=(1, 2, 5, 5, 5))
    m = nn.LazyConv3d(3, 3) if lazy else nn.Conv3d(2, 3, 3)
    t = torch.nn.Conv3d(2, 3, 3).double()
    m.padding, t.padding = 1, (1, 1, 1)
    m(tg.tensor(x))
    with torch.no_grad():
        t.weight.copy_(torch.tensor(m.weight.data)), t.bias.copy_(torch.tensor(m.bias.data))
    y, ty = m(tg.tensor(x)).data, t(torch.tensor(x)).detach().numpy()
    assert y.shape == ty.shape == (1, 3, 5, 5, 5)
    np.testing.assert_allclose(y, ty, rtol=1e-10, atol=1e-12)
