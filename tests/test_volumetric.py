"""PyTorch's 3-D layers (functional/volumetric_conv.py, functional/pooling3d.py, F.dropout3d,
nn/volumetric.py) against torch over random geometries: values rtol 1e-12 and input / weight /
bias gradients 1e-10 in float64, float32 sanity, torch's state_dicts and reprs, and the one-line
refusals. (The op-table rows, optable/rows_3d.py, give each function its finite-difference
tests; the edge rows, testing/edge_table_3d.py, its edge cases.)"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F

R = np.random.default_rng(33)


@pytest.fixture
def torch():
    t = pytest.importorskip("torch")
    t.set_num_threads(1)
    return t


def against(torch, ours, theirs, arrays, rtol=1e-12, grad_rtol=1e-10):
    """ours(*Tensors) == theirs(*torch tensors), and every float input's gradient under a
    random upstream gradient; returns our output."""
    ts = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    tts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = ours(*ts), theirs(*tts)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=rtol)
    g = R.standard_normal(out.shape).astype(arrays[0].dtype)
    (out * Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    for t, tt in zip(ts, tts):
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=grad_rtol, atol=grad_rtol)
    return out


def _conv_geometry(rng):
    """Random conv3d arguments that torch accepts: (x shape, w shape, kwargs)."""
    g = int(rng.choice([1, 1, 2, 3]))
    cg, fg = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    k = tuple(int(v) for v in rng.integers(1, 4, 3))
    d = tuple(int(v) for v in rng.integers(1, 3, 3))
    kw = dict(groups=g, dilation=d)
    if rng.random() < 0.25:
        kw["padding"] = str(rng.choice(["same", "valid"]))
    else:
        kw["stride"] = tuple(int(v) for v in rng.integers(1, 4, 3))
        kw["padding"] = tuple(int(v) for v in rng.integers(0, 3, 3))
    pads = (0, 0, 0) if isinstance(kw["padding"], str) else kw["padding"]
    size = tuple(int(di * (ki - 1) + 1 - 2 * pi + rng.integers(0, 4)) for di, ki, pi
                 in zip(d, k, pads))
    size = tuple(max(s, 1) for s in size)
    lead = () if rng.random() < 0.2 else (int(rng.integers(1, 3)),)
    return lead + (cg * g,) + size, (fg * g, cg) + k, kw


@pytest.mark.parametrize("seed", range(12))
def test_conv3d_random_geometries_match_torch(torch, seed):
    rng = np.random.default_rng(seed)
    xs, ws, kw = _conv_geometry(rng)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])]
    against(torch, lambda x, w, b: F.conv3d(x, w, b, **kw),
            lambda x, w, b: torch.nn.functional.conv3d(x, w, b, **kw), arrays)
    if seed < 3:  # float32 sanity
        a32 = [a.astype(np.float32) for a in arrays]
        out = F.conv3d(*map(Tensor, a32), **kw)
        want = torch.nn.functional.conv3d(*map(torch.tensor, a32), **kw).numpy()
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.data, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", range(12))
def test_conv_transpose3d_random_geometries_match_torch(torch, seed):
    rng = np.random.default_rng(100 + seed)
    g = int(rng.choice([1, 2]))
    cin, cog = g * int(rng.integers(1, 3)), int(rng.integers(1, 3))
    k = tuple(int(v) for v in rng.integers(1, 4, 3))
    s = tuple(int(v) for v in rng.integers(1, 4, 3))
    d = tuple(int(v) for v in rng.integers(1, 3, 3))
    p = tuple(int(rng.integers(0, di * (ki - 1) // 2 + 1)) for di, ki in zip(d, k))
    op = tuple(int(rng.integers(0, max(si, di))) for si, di in zip(s, d))
    size = tuple(int(v) for v in rng.integers(1, 4, 3))
    lead = () if seed % 5 == 4 else (2,)
    kw = dict(stride=s, padding=p, output_padding=op, groups=g, dilation=d)
    arrays = [rng.standard_normal(lead + (cin,) + size), rng.standard_normal((cin, cog) + k),
              rng.standard_normal(cog * g)]
    against(torch, lambda x, w, b: F.conv_transpose3d(x, w, b, **kw),
            lambda x, w, b: torch.nn.functional.conv_transpose3d(x, w, b, **kw), arrays)


def test_conv3d_with_a_one_deep_kernel_is_conv2d_per_slice():
    x, w, b = R.standard_normal((2, 4, 3, 6, 5)), R.standard_normal((6, 2, 1, 3, 2)), \
        R.standard_normal(6)
    out = F.conv3d(x, w, b, stride=(1, 2, 1), padding=(0, 1, 1), groups=2).data
    for i in range(3):
        want = F.conv2d(x[:, :, i], w[:, :, 0], b, stride=(2, 1), padding=1, groups=2).data
        np.testing.assert_allclose(out[:, :, i], want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("seed", range(10))
def test_max_pool3d_random_options_match_torch_with_indices(torch, seed):
    rng = np.random.default_rng(200 + seed)
    k = tuple(int(v) for v in rng.integers(1, 4, 3))
    s = tuple(int(v) for v in rng.integers(1, 4, 3))
    p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
    d = tuple(int(v) for v in rng.integers(1, 3, 3))
    ceil = bool(rng.integers(0, 2))
    size = tuple(int(di * (ki - 1) + 1 + rng.integers(0, 4)) for di, ki in zip(d, k))
    x = rng.permutation(2 * 3 * int(np.prod(size))).reshape((2, 3) + size) / 7.0
    if seed % 3 == 0:
        x = np.round(x / 4)  # ties: the first maximum, as torch
    args = (k, s, p, d, ceil)
    against(torch, lambda t: F.max_pool3d(t, *args),
            lambda t: torch.nn.functional.max_pool3d(t, *args), [x])
    _, idx = F.max_pool3d(x, *args, return_indices=True)
    _, tidx = torch.nn.functional.max_pool3d(torch.tensor(x), *args, return_indices=True)
    np.testing.assert_array_equal(idx.data, tidx.numpy())


@pytest.mark.parametrize("seed", range(10))
def test_avg_pool3d_random_options_match_torch(torch, seed):
    rng = np.random.default_rng(300 + seed)
    k = tuple(int(v) for v in rng.integers(1, 4, 3))
    s = tuple(int(v) for v in rng.integers(1, 4, 3))
    p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
    size = tuple(int(ki + rng.integers(0, 4)) for ki in k)
    opts = dict(ceil_mode=bool(rng.integers(0, 2)), count_include_pad=bool(rng.integers(0, 2)),
                divisor_override=None if seed % 4 else int(rng.integers(1, 9)))
    lead = (3,) if seed % 5 == 1 else (2, 3)
    against(torch, lambda t: F.avg_pool3d(t, k, s, p, **opts),
            lambda t: torch.nn.functional.avg_pool3d(t, k, s, p, **opts),
            [rng.standard_normal(lead + size)])


@pytest.mark.parametrize("seed", range(8))
def test_adaptive_pools_match_torch(torch, seed):
    rng = np.random.default_rng(400 + seed)
    size = tuple(int(v) for v in rng.integers(1, 7, 3))
    out = tuple(None if rng.random() < 0.2 else int(rng.integers(1, 7)) for _ in range(3))
    x = rng.permutation(2 * 2 * int(np.prod(size))).reshape((2, 2) + size) / 5.0
    against(torch, lambda t: F.adaptive_avg_pool3d(t, out),
            lambda t: torch.nn.functional.adaptive_avg_pool3d(t, out), [x])
    against(torch, lambda t: F.adaptive_max_pool3d(t, out),
            lambda t: torch.nn.functional.adaptive_max_pool3d(t, out), [x])
    _, idx = F.adaptive_max_pool3d(x, out, return_indices=True)
    _, tidx = torch.nn.functional.adaptive_max_pool3d(torch.tensor(x), out, True)
    np.testing.assert_array_equal(idx.data, tidx.numpy())


@pytest.mark.parametrize("p, k, s, ceil", [(2.0, 2, None, False), (3, (2, 3, 2), 1, False),
                                           (1.5, 3, 2, True), (float("inf"), 2, 1, False)])
def test_lp_pool3d_matches_torch(torch, p, k, s, ceil):
    x = np.abs(R.standard_normal((2, 2, 5, 6, 5))) + 0.1
    against(torch, lambda t: F.lp_pool3d(t, p, k, s, ceil),
            lambda t: torch.nn.functional.lp_pool3d(t, p, k, s, ceil), [x])


@pytest.mark.parametrize("shape, size", [((2, 3, 4, 6, 6), None), ((2, 3, 5, 7, 6), (5, 7, 6)),
                                         ((3, 5, 6, 7), [5, 7, 7])])
def test_max_unpool3d_inverts_max_pool3d_as_torch(torch, shape, size):
    x = R.standard_normal(shape)
    vals, idx = F.max_pool3d(x, 2, return_indices=True)
    tv, tidx = torch.nn.functional.max_pool3d(torch.tensor(x), 2, return_indices=True)
    against(torch, lambda t: F.max_unpool3d(t, idx, 2, output_size=size),
            lambda t: torch.nn.functional.max_unpool3d(t, tidx, 2, output_size=size),
            [vals.data])


def test_dropout3d_drops_whole_channels():
    x = np.ones((4, 5, 2, 3, 2))
    y = F.dropout3d(x, 0.5, rng=np.random.default_rng(1)).data
    per = y.reshape(4, 5, -1)
    assert set(np.unique(per)) <= {0.0, 2.0} and (per.min(-1) == per.max(-1)).all()
    assert F.dropout3d(x[0], 0.5, rng=np.random.default_rng(1)).shape == x[0].shape
    np.testing.assert_array_equal(F.dropout3d(x, 0.5, training=False).data, x)
    np.testing.assert_array_equal(F.dropout3d(x, 1.0).data, 0 * x)
    m = nn.Dropout3d(0.25)
    assert repr(m) == "Dropout3d(p=0.25, inplace=False)"
    m.eval()
    np.testing.assert_array_equal(m(Tensor(x)).data, x)


# ---- modules ----------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding, stride, groups, bias", [
    (1, 1, 1, True), ((1, 0, 2), (2, 1, 1), 2, False), ("same", 1, 1, True)])
def test_conv3d_module_loads_torchs_state_dict_and_matches(torch, mode, padding, stride,
                                                           groups, bias):
    theirs = torch.nn.Conv3d(4, 6, (3, 2, 3), stride, padding, (1, 2, 1), groups, bias,
                             padding_mode=mode, dtype=torch.float64)
    ours = nn.Conv3d(4, 6, (3, 2, 3), stride, padding, (1, 2, 1), groups, bias,
                     padding_mode=mode)
    sd = {k: v.numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(sd)
    ours.load_state_dict(sd)
    assert repr(ours) == repr(theirs)
    x = R.standard_normal((2, 4, 5, 6, 5))
    t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(t), theirs(tt)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = R.standard_normal(out.shape)
    (out * Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (n, mine), (tn, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert n == tn
        np.testing.assert_allclose(mine.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv3d_init_is_torchs_kaiming_uniform_bound():
    m = nn.Conv3d(3, 8, (2, 3, 4), groups=1, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(3 * 2 * 3 * 4)
    assert m.weight.shape == (8, 3, 2, 3, 4) and m.bias.shape == (8,)
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.weight.data).max() > 0.9 * bound
    assert np.abs(m.bias.data).max() <= bound


def test_conv_transpose3d_module_matches_torch_with_output_size(torch):
    theirs = torch.nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, groups=2,
                                      dtype=torch.float64)
    ours = nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, groups=2)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    x = R.standard_normal((2, 4, 3, 4, 3))
    for size in (None, (6, 8, 6), (5, 7, 5)):
        want = theirs(torch.tensor(x), output_size=size).detach().numpy()
        np.testing.assert_allclose(ours(x, output_size=size).data, want, rtol=1e-12,
                                   atol=1e-12)


@pytest.mark.parametrize("name, args", [
    ("MaxPool3d", (2,)), ("MaxPool3d", ((2, 3, 2), 1, 1, 2, False, True)),
    ("AvgPool3d", (2,)), ("AvgPool3d", (3, 2, 1, True, False)),
    ("AvgPool3d", (2, 1, 0, False, True, 3)),
    ("AdaptiveAvgPool3d", ((2, None, 3),)), ("AdaptiveMaxPool3d", (2,)),
    ("LPPool3d", (2, 2)), ("LPPool3d", (3, (2, 2, 3), 1, True)),
    ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 2.5)), ("ConstantPad3d", ((-1, 0, 1, 1, 0, -1), 1.0)),
    ("ZeroPad3d", (1,)), ("ReflectionPad3d", ((1, 2, 0, 1, 2, 1),)),
    ("ReplicationPad3d", (2,)), ("CircularPad3d", ((1, 2, 0, 1, 2, 1),)),
    ("InstanceNorm3d", (3,)), ("InstanceNorm3d", (3, 1e-5, 0.1, True)),
])
def test_parameterless_and_affine_modules_match_torch(torch, name, args):
    theirs, ours = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
    if name == "InstanceNorm3d" and len(args) > 1:
        theirs = theirs.double()
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.uniform_(-1, 1)
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    x = R.standard_normal((2, 3, 5, 6, 5))
    if name == "LPPool3d":  # (a negative sum's root is NaN, in both)
        x = np.abs(x) + 0.1
    for shape in ((2, 3, 5, 6, 5), (3, 5, 6, 5)):
        against(torch, ours, theirs, [x.reshape(-1)[:int(np.prod(shape))].reshape(shape)])


def test_max_pool3d_and_unpool3d_modules_round_trip_as_torch(torch):
    pool, unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)
    tpool, tunpool = torch.nn.MaxPool3d(2, return_indices=True), torch.nn.MaxUnpool3d(2)
    assert repr(unpool) == repr(tunpool)
    x = R.standard_normal((2, 3, 4, 6, 5))
    v, i = pool(x)
    tv, ti = tpool(torch.tensor(x))
    np.testing.assert_array_equal(i.data, ti.numpy())
    got = unpool(v, i, output_size=x.shape)
    np.testing.assert_array_equal(got.data, tunpool(tv, ti, output_size=x.shape).numpy())
    v, i = nn.AdaptiveMaxPool3d((2, 3, 2), return_indices=True)(x)
    tv, ti = torch.nn.AdaptiveMaxPool3d((2, 3, 2), return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(i.data, ti.numpy())


def test_batch_norm3d_matches_torch_with_torchs_eps_and_loads_its_state(torch):
    theirs = torch.nn.BatchNorm3d(3, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    ours = nn.BatchNorm3d(3, eps=1e-5)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = R.standard_normal((2, 3, 3, 4, 2))
    against(torch, ours, theirs, [x])  # training: the batch statistics
    theirs.running_mean.uniform_(-1, 1)
    theirs.running_var.uniform_(0.5, 2)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.eval()
    theirs.eval()
    against(torch, ours, theirs, [x])


# ---- refusals: one line naming the function and the shapes ------------------------------------
X5, W5 = np.zeros((1, 2, 3, 4, 4)), np.zeros((3, 2, 2, 2, 2))


@pytest.mark.parametrize("call, words", [
    (lambda: F.conv3d(X5[0, 0], W5), "conv3d: expected input (N, 2, D, H, W)"),
    (lambda: F.conv3d(X5, W5[0]), "conv3d: weight must be"),
    (lambda: F.conv3d(X5, W5, dilation=4), "conv3d: the kernel (2, 2, 2)"),
    (lambda: F.conv3d(X5, W5, padding=-1), "conv3d: padding must be"),
    (lambda: F.conv3d(X5, W5, padding="same", stride=2), "conv3d: padding='same' needs"),
    (lambda: F.conv3d(X5, W5, np.zeros(2)), "conv3d: bias must have shape (3,)"),
    (lambda: F.conv3d(X5, np.zeros((3, 1, 2, 2, 2)), groups=2), "conv3d: groups=2 does not"),
    (lambda: F.conv_transpose3d(X5, W5), "conv_transpose3d: input (1, 2, 3, 4, 4)"),
    (lambda: F.conv_transpose3d(X5[0, 0], W5), "conv_transpose3d expects"),
    (lambda: F.conv_transpose3d(X5, np.zeros((2, 1, 2, 2, 2)), stride=2, output_padding=2),
     "conv_transpose3d: output_padding"),
    (lambda: F.max_pool3d(X5, 5), "max_pool3d: the output would be"),
    (lambda: F.max_pool3d(X5, 2, padding=2), "max_pool3d: padding must be at most half"),
    (lambda: F.max_pool3d(X5[0, 0], 2), "max_pool3d: expected input (N, C, D, H, W)"),
    (lambda: F.avg_pool3d(X5, 5), "avg_pool3d: kernel_size (5, 5, 5) is larger"),
    (lambda: F.avg_pool3d(X5, 2, padding=(0, 2, 0)), "avg_pool3d: padding must be at most"),
    (lambda: F.avg_pool3d(X5[0, 0], 2), "avg_pool3d: expected input"),
    (lambda: F.avg_pool3d(X5, 2, divisor_override=0), "avg_pool3d: divisor_override"),
    (lambda: F.adaptive_avg_pool3d(X5, (1, 2)), "adaptive_avg_pool3d: output_size must be"),
    (lambda: F.adaptive_max_pool3d(X5[0, 0], 2), "adaptive_max_pool3d: expected input"),
    (lambda: F.lp_pool3d(X5, 2, 5), "lp_pool3d: kernel_size (5, 5, 5) is larger"),
    (lambda: F.max_unpool3d(X5, np.zeros((1, 2, 3, 4, 3), np.int64), 2),
     "max_unpool3d: indices of shape"),
    (lambda: F.dropout3d(X5[0, 0], 0.5), "dropout3d: expected input"),
    (lambda: nn.Conv3d(2, 3, 2)(X5[0, 0]), "Conv3d(2, 3): expected input"),
    (lambda: nn.Conv3d(2, 3, 2, padding_mode="mirror"), "Conv3d: padding_mode must be"),
    (lambda: nn.BatchNorm3d(3)(X5), "BatchNorm3d(3): expected input (N, 3, D, H, W)"),
    (lambda: nn.ReflectionPad3d(4)(X5), "ReflectionPad3d:"),
    (lambda: nn.ConstantPad3d((1, 2), 0.0), "ConstantPad3d: padding must be"),
    (lambda: nn.InstanceNorm3d(2)(X5[0, 0]), "InstanceNorm3d: expected input (N, C, D, H, W)"),
])
def test_refusals_are_one_line_naming_the_function(call, words):
    with pytest.raises((ValueError, TypeError, IndexError)) as info:
        call()
    msg = str(info.value)
    assert msg.startswith(words) and "\n" not in msg, msg


# ---- lazy layers ------------------------------------------------------------------------------
@pytest.mark.parametrize("name, args, shape", [
    ("LazyConv1d", (4, 3), (2, 5, 7)), ("LazyConv2d", (4, 3), (2, 5, 6, 7)),
    ("LazyConv3d", (4, (2, 3, 2), 1, 1, 1, 1), (2, 6, 4, 5, 4)),
    ("LazyConv3d", (4, 3), (5, 4, 5, 4)),
    ("LazyConvTranspose1d", (4, 3, 2), (2, 5, 4)), ("LazyConvTranspose3d", (2, 2), (2, 3, 2, 3, 2)),
    ("LazyInstanceNorm1d", (), (2, 3, 5)), ("LazyInstanceNorm3d", (), (2, 3, 2, 3, 4)),
])
def test_lazy_layers_load_torchs_state_and_become_their_layer(torch, name, args, shape):
    theirs = getattr(torch.nn, name)(*args, dtype=torch.float64)
    ours = getattr(nn, name)(*args)
    if name != "LazyConv2d":  # (nn.Conv2d's repr and init are the course's)
        assert repr(ours) == repr(theirs)
    with pytest.raises(RuntimeError, match=f"{name}: the input's channels are inferred") as e:
        ours.state_dict()
    assert "\n" not in str(e.value)
    x = R.standard_normal(shape)
    theirs(torch.tensor(x))  # sized by its first call
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert type(ours).__name__ == type(theirs).__name__ == name.removeprefix("Lazy")
    against(torch, ours, theirs, [x])


def test_lazy_conv3d_draws_as_conv3d_and_keeps_hooks_and_mode():
    x = R.standard_normal((2, 5, 4, 4, 4))
    lazy = nn.LazyConv3d(4, 3, padding=1, rng=np.random.default_rng(0))
    seen = []
    lazy.register_forward_hook(lambda m, i, o: seen.append(o.shape))
    lazy.eval()
    out = lazy(x)
    ref = nn.Conv3d(5, 4, 3, padding=1, rng=np.random.default_rng(0))
    assert isinstance(lazy, nn.Conv3d) and not lazy.training and seen == [(2, 4, 4, 4, 4)]
    np.testing.assert_array_equal(lazy.weight.data, ref.weight.data)
    np.testing.assert_array_equal(out.data, ref(x).data)
    lazy(x)
    assert len(seen) == 2 and list(lazy.state_dict()) == ["weight", "bias"]


def test_lazy_batch_norm3d_becomes_batch_norm3d_and_refusals():
    import copy

    lazy = nn.LazyBatchNorm3d(eps=1e-5)
    twin = copy.deepcopy(lazy)
    x = R.standard_normal((2, 3, 2, 3, 2))
    want = nn.BatchNorm3d(3, eps=1e-5)(x).data
    np.testing.assert_array_equal(lazy(x).data, want)
    assert type(lazy) is nn.BatchNorm3d and type(twin) is nn.LazyBatchNorm3d
    for call, words in [(lambda: nn.LazyConv3d(4, 3)(x[0, 0]), "LazyConv3d: expected an input"),
                        (lambda: nn.LazyConv3d(4, 0), "Conv3d: kernel_size"),
                        (lambda: nn.LazyConv2d(4, 3, bogus=1), "LazyConv2d: got an unexpected"),
                        (lambda: list(nn.LazyInstanceNorm2d().parameters()),
                         "LazyInstanceNorm2d: the input's channels")]:
        with pytest.raises((ValueError, TypeError, RuntimeError)) as e:
            call()
        assert str(e.value).startswith(words) and "\n" not in str(e.value), str(e.value)
