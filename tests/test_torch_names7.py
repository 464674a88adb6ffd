"""torch.nn.functional's and torch.nn's further names: the functional forms of modules we had
(F.conv1d, the 1-D and adaptive pools, F.group_norm / instance_norm, F.dropout1d / dropout2d,
F.upsample), hardshrink / softshrink, rms_norm and nn.RMSNorm, pad's reflect / replicate /
circular modes and the padding layers, bilinear and nn.Bilinear, pdist, and the margin,
ranking, embedding, Poisson and Gaussian losses with their modules. Values (1e-12) and
gradients (1e-10) in float64 against torch 2.13 (skipped without it), torch state_dicts
loaded, one-line refusals, and checks that need no torch (NumPy's np.pad, channel masks, the
default eps, the deprecation warning, a replayed jit step)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import one_line, torch_or_skip

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

R = np.random.default_rng(7)




def _compare(ours, theirs, arrays, grad=None):
    """ours(*Tensors) against theirs(torch, *tensors): values to 1e-12, the gradients of a
    random upstream gradient to 1e-10 (NaN where torch's are)."""
    torch = torch_or_skip()
    grad = [np.asarray(a).dtype.kind == "f" for a in arrays] if grad is None else grad
    ts = [Tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]
    tt = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, tout = ours(*ts), theirs(torch, *tt)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-13)
    G = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(G)
    tout.backward(torch.tensor(G))
    for t, u in zip(ts, tt):
        if u.requires_grad:
            want = np.zeros(u.shape) if u.grad is None else u.grad.numpy()
            np.testing.assert_allclose(t.grad, want, rtol=1e-10, atol=1e-12)


X3 = R.standard_normal((2, 4, 9))
X4 = R.standard_normal((2, 4, 5, 6))
TIES = np.round(R.standard_normal((2, 3, 8)))  # ties everywhere: first-maximum gradients


# ---- the functional forms of the modules we had ------------------------------------------------
FUNCTIONAL = [
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, 2, 1, 2),
     lambda T, x, w, b: T.nn.functional.conv1d(x, w, b, 2, 1, 2),
     [X3, R.standard_normal((6, 4, 3)), R.standard_normal(6)]),
    ("conv1d groups, same", lambda x, w: F.conv1d(x, w, padding="same", groups=2),
     lambda T, x, w: T.nn.functional.conv1d(x, w, padding="same", groups=2),
     [X3, R.standard_normal((4, 2, 4))]),
    ("conv1d unbatched, valid", lambda x, w: F.conv1d(x, w, padding="valid"),
     lambda T, x, w: T.nn.functional.conv1d(x, w, padding="valid"),
     [X3[0], R.standard_normal((3, 4, 2))]),
    ("max_pool1d ties", lambda x: F.max_pool1d(x, 2), lambda T, x: T.nn.functional.max_pool1d(
        x, 2), [TIES]),
    ("max_pool1d 3, 2, 1", lambda x: F.max_pool1d(x, 3, 2, 1),
     lambda T, x: T.nn.functional.max_pool1d(x, 3, 2, 1), [X3]),
    ("avg_pool1d 3, 2, 1", lambda x: F.avg_pool1d(x, 3, 2, 1),
     lambda T, x: T.nn.functional.avg_pool1d(x, 3, 2, 1), [X3]),
    ("avg_pool1d unbatched", lambda x: F.avg_pool1d(x, (4,)),
     lambda T, x: T.nn.functional.avg_pool1d(x, (4,)), [X3[0]]),
    ("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 4),
     lambda T, x: T.nn.functional.adaptive_avg_pool1d(x, 4), [X3]),
    ("adaptive_max_pool1d ties", lambda x: F.adaptive_max_pool1d(x, 3),
     lambda T, x: T.nn.functional.adaptive_max_pool1d(x, 3), [TIES]),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, None)),
     lambda T, x: T.nn.functional.adaptive_avg_pool2d(x, (3, None)), [X4]),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, 4),
     lambda T, x: T.nn.functional.adaptive_max_pool2d(x, 4), [np.round(X4)]),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b, 1e-3),
     lambda T, x, w, b: T.nn.functional.group_norm(x, 2, w, b, 1e-3),
     [X4, R.standard_normal(4), R.standard_normal(4)]),
    ("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-3),
     lambda T, x, w, b: T.nn.functional.instance_norm(x, weight=w, bias=b, eps=1e-3),
     [X3, R.standard_normal(4), R.standard_normal(4)]),
    ("upsample bilinear", lambda x: F.upsample(x, (7, 9), mode="bilinear"),
     lambda T, x: T.nn.functional.interpolate(x, (7, 9), mode="bilinear"), [X4]),
]


@pytest.mark.parametrize("name, ours, theirs, arrays", FUNCTIONAL, ids=[f[0] for f in FUNCTIONAL])
def test_the_functional_forms_match_torch(name, ours, theirs, arrays):
    _compare(ours, theirs, arrays)


def test_the_modules_and_their_functions_agree():
    """One home: each module's output is its function's, on the same arguments."""
    conv = nn.Conv1d(4, 6, 3, stride=2, padding=1, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(conv(Tensor(X3)).data,
                                  F.conv1d(X3, conv.weight, conv.bias, 2, 1).data)
    pairs = [(nn.MaxPool1d(3, 2, 1), lambda x: F.max_pool1d(x, 3, 2, 1)),
             (nn.AvgPool1d(2), lambda x: F.avg_pool1d(x, 2)),
             (nn.AdaptiveAvgPool1d(4), lambda x: F.adaptive_avg_pool1d(x, 4)),
             (nn.AdaptiveMaxPool1d(5), lambda x: F.adaptive_max_pool1d(x, 5))]
    for module, fn in pairs:
        np.testing.assert_array_equal(module(Tensor(X3)).data, fn(X3).data)
    gn = nn.GroupNorm(2, 4)
    gn.weight.data[:] = R.standard_normal(4)
    np.testing.assert_array_equal(gn(Tensor(X4)).data, F.group_norm(X4, 2, gn.weight,
                                                                    gn.bias).data)
    np.testing.assert_array_equal(nn.AdaptiveMaxPool2d((2, 3))(Tensor(X4)).data,
                                  F.adaptive_max_pool2d(X4, (2, 3)).data)


def test_instance_norm_running_statistics_move_as_torchs():
    torch = torch_or_skip()
    ours = nn.InstanceNorm1d(4, affine=True, track_running_stats=True, momentum=0.3)
    theirs = torch.nn.InstanceNorm1d(4, affine=True, track_running_stats=True, momentum=0.3)
    theirs = theirs.double()
    for _ in range(2):
        x = R.standard_normal((3, 4, 6)) * 2 + 1
        ours(Tensor(x))
        theirs(torch.tensor(x))
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    ours.eval()
    theirs.eval()
    x = R.standard_normal((4, 6))  # unbatched, evaluation: the running statistics
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-13)
    # F.instance_norm updates arrays given to it in place, as torch's buffers
    mean, var = np.zeros(4), np.ones(4)
    F.instance_norm(Tensor(X3), mean, var, momentum=0.5)
    tm, tv = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    torch.nn.functional.instance_norm(torch.tensor(X3), tm, tv, momentum=0.5)
    np.testing.assert_allclose(mean, tm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var, tv.numpy(), rtol=1e-12)


def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest():
    x = np.ones((50, 8, 5))
    y = F.dropout1d(Tensor(x), 0.25, rng=np.random.default_rng(3)).data
    per_channel = y.reshape(50, 8, 5)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # each channel one value
    assert set(np.unique(per_channel)) == {0.0, 1 / 0.75}
    assert 0.15 < np.mean(per_channel[..., 0] == 0) < 0.35
    y2 = F.dropout2d(Tensor(np.ones((30, 6, 2, 3))), 0.5, rng=np.random.default_rng(4)).data
    assert np.all(y2.reshape(30, 6, -1).min(-1) == y2.reshape(30, 6, -1).max(-1))
    x4 = Tensor(np.ones((2, 3, 4, 4)))
    assert F.dropout2d(x4, 0.9, training=False) is x4
    with pytest.raises(ValueError) as e:
        nn.Dropout2d(0.5)(Tensor(np.ones((2, 3, 4))))
    one_line(e, "Dropout2d: expected input (N, C, H, W)", "use Dropout1d")
    with pytest.raises(ValueError) as e:
        F.dropout2d(Tensor(np.ones((2, 3, 4))))
    one_line(e, "dropout2d: expected input (N, C, H, W)", "use dropout1d")
    with pytest.raises(TypeError) as e:  # (in place: into a Tensor only, as torch)
        F.dropout1d(np.ones((2, 3)), 0.5, inplace=True)
    one_line(e, "F.dropout1d(inplace=True): expected a Tensor to write into")


def test_upsample_warns_as_torch_and_is_interpolate():
    x = Tensor(X4)
    with pytest.warns(UserWarning, match="nn.functional.upsample` is deprecated"):
        y = F.upsample(x, scale_factor=2)
    np.testing.assert_array_equal(y.data, F.interpolate(x, scale_factor=2).data)


def assert_replays_as_eager(step, w, shape):
    """step(X) (a backward into w.grad) jitted: no fallback to eager (it would warn), the same
    gradient bit for bit as the plain step over 4 batches, the last 2 of them replayed."""
    def grad(run, X):
        w.grad = None
        run(X)
        return np.array(w.grad)

    replayed = jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            X = R.standard_normal(shape)
            np.testing.assert_array_equal(grad(replayed, X), grad(step, X))
    assert replayed.replays == 2


def test_a_jitted_step_through_the_functional_forms_replays():
    """Their kinks are decided inside ops (max_pool2d, the shrink ops), not by comparison
    masks made in the step, so a recorded step replays."""
    w = Tensor(R.standard_normal((4, 4, 3)), requires_grad=True)

    def step(X):
        h = F.conv1d(Tensor(X), w, padding=1)
        h = F.hardshrink(F.group_norm(h, 2), 0.3) + F.softshrink(h, 0.2)
        h = F.max_pool1d(h, 2)
        F.rms_norm(F.adaptive_avg_pool1d(h, 3), 3).sum().backward()

    assert_replays_as_eager(step, w, (2, 4, 8))


# ---- hardshrink, softshrink, rms_norm ------------------------------------------------------------
SHRINK_X = np.concatenate([R.standard_normal(20), [0.5, -0.5, 0.0, 1.0, -1.0]])


@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
@pytest.mark.parametrize("lambd", [0.5, 1.0, 0.0])
def test_shrinks_match_torch_on_their_bounds(name, lambd):
    _compare(lambda x: getattr(F, name)(x, lambd),
             lambda T, x: getattr(T.nn.functional, name)(x, lambd), [SHRINK_X])
    module = getattr(nn, name.capitalize())(lambd)
    np.testing.assert_array_equal(module(Tensor(SHRINK_X)).data,
                                  getattr(F, name)(SHRINK_X, lambd).data)


def test_a_nan_passes_the_shrinks_gradient_on():
    """torch 2.13's scalar kernel passes it on, its vectorized one (full blocks of 8) gives 0:
    here always the formula's 1."""
    for fn in (F.hardshrink, F.softshrink):
        x = Tensor(np.full(9, np.nan), requires_grad=True)
        y = fn(x)
        y.sum().backward()
        assert np.isnan(y.data).all() and (x.grad == 1).all()
    with pytest.raises(ValueError) as e:
        nn.Softshrink(-0.5)
    one_line(e, "Softshrink: lambd must be >= 0")


def test_rms_norm_and_RMSNorm_match_torch_and_load_its_state_dict():
    torch = torch_or_skip()
    x = R.standard_normal((3, 4, 5))
    _compare(lambda x, w: F.rms_norm(x, (4, 5), w), lambda T, x, w: T.nn.functional.rms_norm(
        x, (4, 5), w), [x, R.standard_normal((4, 5))])
    _compare(lambda x: F.rms_norm(x, 5, eps=0.25), lambda T, x: T.nn.functional.rms_norm(
        x, (5,), eps=0.25), [x])
    theirs = torch.nn.RMSNorm((4, 5)).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(R.standard_normal((4, 5))))
    ours = nn.RMSNorm((4, 5))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert repr(ours).replace("(", "").replace(")", "") == \
        repr(theirs).replace("(", "").replace(")", "")
    _compare(ours, lambda T, x: theirs(x), [x])
    assert nn.RMSNorm(3, elementwise_affine=False).state_dict() == {}


def test_rms_norm_eps_none_is_the_dtypes_machine_epsilon():
    x = np.array([[1e-4, -2e-4, 3e-4]], dtype=np.float32)
    y = F.rms_norm(Tensor(x), 3).data
    ms = np.mean(x.astype(np.float64) ** 2) + np.finfo(np.float32).eps
    np.testing.assert_allclose(y, x / np.sqrt(ms), rtol=1e-6)
    assert y.dtype == np.float32
    with pytest.raises(ValueError) as e:
        F.rms_norm(Tensor(x), (2,))
    one_line(e, "rms_norm: normalized_shape (2,) must be the input's last dimensions", "(1, 3)")


# ---- pad's modes and the padding layers ----------------------------------------------------------
@pytest.mark.parametrize("mode, numpy_mode", [("reflect", "reflect"), ("replicate", "edge"),
                                              ("circular", "wrap"), ("edge", "edge"),
                                              ("wrap", "wrap")])
def test_pad_modes_are_numpys(mode, numpy_mode):
    widths = ((0, 0), (1, 2), (3, 0))
    x = R.standard_normal((2, 4, 5))
    np.testing.assert_array_equal(F.pad(Tensor(x), widths, mode=mode).data,
                                  np.pad(x, widths, mode=numpy_mode))
    # the gradient: each output adds into the entry it copies
    t = Tensor(x, requires_grad=True)
    F.pad(t, widths, mode=mode).sum().backward()
    assert t.grad.sum() == np.prod(np.pad(x, widths).shape)


PADS = [("ConstantPad1d", (2, -1), {"value": 1.5}, (2, 3, 6)),
        ("ConstantPad2d", (1, 0, -1, 2), {"value": -2.0}, (2, 3, 4, 5)),
        ("ReflectionPad1d", 3, {}, (3, 5)), ("ReflectionPad2d", (1, 2, 3, 0), {}, (2, 3, 4, 5)),
        ("ReplicationPad1d", (0, 4), {}, (2, 3, 6)),
        ("ReplicationPad2d", 2, {}, (3, 4, 5))]


@pytest.mark.parametrize("name, padding, kw, shape", PADS, ids=[p[0] for p in PADS])
def test_padding_layers_match_torch(name, padding, kw, shape):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, name)(padding, **kw), getattr(torch.nn, name)(padding, **kw)
    _compare(ours, lambda T, x: theirs(x), [R.standard_normal(shape)])
    assert repr(ours) == repr(theirs)


def test_padding_layers_refuse_in_one_line():
    with pytest.raises(ValueError) as e:
        nn.ReflectionPad2d((1, 2))
    one_line(e, "ReflectionPad2d: padding must be an integer or (left, right, top, bottom)")
    with pytest.raises(ValueError) as e:
        nn.ReflectionPad1d(4)(Tensor(np.ones((2, 3, 4))))
    one_line(e, "ReflectionPad1d: mode 'reflect' needs widths >= 0 and below the length", "(4, 4)")
    with pytest.raises(ValueError) as e:  # (a negative width crops, as torch's: not here)
        nn.ReplicationPad1d(-3)(Tensor(np.ones((2, 3, 4))))
    one_line(e, "ReplicationPad1d: ", "(-3, -3)")
    with pytest.raises(ValueError) as e:
        nn.ConstantPad2d(1, 0.0)(Tensor(np.ones(3)))
    one_line(e, "ConstantPad2d: expected input (N, C, H, W) or (C, H, W), got (3,)")


# ---- bilinear, pdist ----------------------------------------------------------------------------
def test_bilinear_matches_torch_and_loads_its_state_dict():
    torch = torch_or_skip()
    theirs = torch.nn.Bilinear(3, 4, 5).double()
    ours = nn.Bilinear(3, 4, 5, rng=np.random.default_rng(0))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert np.abs(ours.weight.data).max() <= 1 / np.sqrt(3)  # U(+-1/sqrt(in1_features))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    a, b = R.standard_normal((2, 6, 3)), R.standard_normal((2, 6, 4))
    _compare(ours, lambda T, x, y: theirs(x, y), [a, b])
    assert repr(ours) == repr(theirs)
    assert list(nn.Bilinear(2, 2, 2, bias=False).state_dict()) == ["weight"]
    with pytest.raises(ValueError) as e:
        ours(Tensor(a), Tensor(b[..., :3]))
    one_line(e, "bilinear: expected input1", "(2, 6, 3)", "(5, 3, 4)")


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, 0.0])
def test_pdist_matches_torch(p):
    x = R.standard_normal((6, 4))
    x[3] = x[1]  # a distance of 0: gradient 0
    _compare(lambda t: F.pdist(t, p), lambda T, t: T.nn.functional.pdist(t, p), [x])


def test_pdist_is_the_upper_triangle_of_the_distances_in_row_major_order():
    x = R.standard_normal((5, 3))
    i, j = np.triu_indices(5, 1)
    np.testing.assert_allclose(F.pdist(x).data, np.linalg.norm(x[i] - x[j], axis=1),
                               rtol=1e-14)
    assert F.pdist(x[:1]).shape == (0,)


# ---- the losses ---------------------------------------------------------------------------------
N6 = R.standard_normal(6)
SIGNS = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
LOSSES = [
    ("margin_ranking_loss", lambda a, b, y, r: F.margin_ranking_loss(a, b, y, 0.3, r),
     lambda T, a, b, y, r: T.nn.functional.margin_ranking_loss(a, b, y, 0.3, reduction=r),
     [N6, np.where(SIGNS > 0, N6 + 0.3, N6 - 0.3), SIGNS], None),  # every term on the kink
    ("hinge_embedding_loss", lambda x, y, r: F.hinge_embedding_loss(x, y, 1.5, r),
     lambda T, x, y, r: T.nn.functional.hinge_embedding_loss(x, y, 1.5, reduction=r),
     [np.array([1.5, 0.5, -0.3, 2.0, 1.0, 1.5]), SIGNS], [True, False]),
    ("soft_margin_loss", lambda x, y, r: F.soft_margin_loss(x, y, r),
     lambda T, x, y, r: T.nn.functional.soft_margin_loss(x, y, reduction=r), [N6, SIGNS],
     [True, False]),
    ("multilabel_soft_margin_loss", lambda x, y, w, r: F.multilabel_soft_margin_loss(
        x, y, w, r), lambda T, x, y, w, r: T.nn.functional.multilabel_soft_margin_loss(
        x, y, w, reduction=r), [R.standard_normal((4, 5)), (R.random((4, 5)) > 0.5) * 1.0,
                                R.random(5)], None),
    ("cosine_embedding_loss", lambda a, b, y, r: F.cosine_embedding_loss(a, b, y, 0.2, r),
     lambda T, a, b, y, r: T.nn.functional.cosine_embedding_loss(a, b, y, 0.2, reduction=r),
     [R.standard_normal((6, 3)), R.standard_normal((6, 3)), SIGNS], [True, True, False]),
    ("triplet_margin_loss", lambda a, p, n, r: F.triplet_margin_loss(a, p, n, 2.0, 3.0,
                                                                     swap=True, reduction=r),
     lambda T, a, p, n, r: T.nn.functional.triplet_margin_loss(a, p, n, 2.0, 3.0, swap=True,
                                                              reduction=r),
     [R.standard_normal((5, 3)), R.standard_normal((5, 3)), R.standard_normal((5, 3))], None),
    ("multi_margin_loss p=2", lambda x, t, w, r: F.multi_margin_loss(x, t, 2, 0.7, w, r),
     lambda T, x, t, w, r: T.nn.functional.multi_margin_loss(x, t, 2, 0.7, w, reduction=r),
     [R.standard_normal((5, 4)), np.array([0, 3, 2, 2, 1]), R.random(4)],
     [True, False, False]),
    ("poisson_nll_loss full", lambda x, t, r: F.poisson_nll_loss(x, t, False, True,
                                                                 reduction=r),
     lambda T, x, t, r: T.nn.functional.poisson_nll_loss(x, t, False, True, reduction=r),
     [R.random(6) + 0.1, np.array([0.0, 1.0, 1.5, 4.0, 0.5, 9.0])], [True, False]),
    ("gaussian_nll_loss", lambda x, t, v, r: F.gaussian_nll_loss(x, t, v, True, reduction=r),
     lambda T, x, t, v, r: T.nn.functional.gaussian_nll_loss(x, t, v, True, reduction=r),
     [R.standard_normal((4, 3)), R.standard_normal((4, 3)), R.random(4) + 1e-9], None),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, ours, theirs, arrays, grad", LOSSES, ids=[x[0] for x in LOSSES])
def test_the_losses_match_torch_in_every_reduction(name, ours, theirs, arrays, grad,
                                                   reduction):
    _compare(lambda *ts: ours(*ts, reduction), lambda T, *ts: theirs(T, *ts, reduction),
             arrays, grad)


LOSS_MODULES = [
    ("MarginRankingLoss", {"margin": 0.1}, 3), ("HingeEmbeddingLoss", {"margin": 0.5}, 2),
    ("SoftMarginLoss", {}, 2), ("MultiLabelSoftMarginLoss", {"reduction": "sum"}, 2),
    ("CosineEmbeddingLoss", {"margin": -0.2}, 3),
    ("TripletMarginLoss", {"margin": 0.5, "p": 1.0}, 3),
    ("MultiMarginLoss", {"p": 2}, 2), ("PoissonNLLLoss", {"full": True}, 2),
    ("GaussianNLLLoss", {"eps": 1e-3}, 3)]


def _loss_inputs(name):
    x = R.standard_normal((4, 3))
    if name in ("MarginRankingLoss",):
        return [x[:, 0], x[:, 1], np.array([1.0, -1, 1, -1])], [True, True, False]
    if name in ("HingeEmbeddingLoss", "SoftMarginLoss"):
        return [x, np.sign(R.standard_normal((4, 3)))], [True, False]
    if name == "MultiLabelSoftMarginLoss":
        return [x, (R.random((4, 3)) > 0.5) * 1.0], None
    if name == "CosineEmbeddingLoss":
        return [x, R.standard_normal((4, 3)), np.array([1.0, -1, 1, -1])], [True, True, False]
    if name == "TripletMarginLoss":
        return [x, R.standard_normal((4, 3)), R.standard_normal((4, 3))], None
    if name == "MultiMarginLoss":
        return [x, np.array([0, 2, 1, 1])], [True, False]
    if name == "PoissonNLLLoss":
        return [x, np.array([[0.0, 2.0, 3.0]] * 4)], None
    return [x, R.standard_normal((4, 3)), R.random((4, 1)) * 1e-3], None


@pytest.mark.parametrize("name, kw, n", LOSS_MODULES, ids=[m[0] for m in LOSS_MODULES])
def test_loss_modules_match_torchs(name, kw, n):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    arrays, grad = _loss_inputs(name)
    assert len(arrays) == n
    _compare(ours, lambda T, *ts: theirs(*ts), arrays, grad)


def test_class_weights_are_torchs_buffers():
    torch = torch_or_skip()
    w = np.array([0.5, 1.0, 2.0])
    for name in ("MultiLabelSoftMarginLoss", "MultiMarginLoss"):
        ours, theirs = getattr(nn, name)(weight=w), getattr(torch.nn, name)(
            weight=torch.tensor(w))
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
        ours.load_state_dict({"weight": np.array([1.0, 0.0, 3.0])})
        np.testing.assert_array_equal(ours.weight, [1.0, 0.0, 3.0])
        assert getattr(nn, name)().state_dict() == {}


def test_the_losses_refuse_bad_arguments_in_one_line():
    x = Tensor(R.standard_normal((4, 3)), requires_grad=True)
    cases = [
        (lambda: F.margin_ranking_loss(x, x, np.ones(4)), "margin_ranking_loss: input1 (4, 3)"),
        (lambda: F.hinge_embedding_loss(x, np.ones((4, 1))), "hinge_embedding_loss: input"),
        (lambda: F.soft_margin_loss(x, Tensor(np.ones((4, 3)), requires_grad=True)),
         "soft_margin_loss: the target requires grad"),
        (lambda: F.cosine_embedding_loss(x, x, np.ones((4, 3))),
         "cosine_embedding_loss: expected inputs (N, D) with target (N,)"),
        (lambda: F.triplet_margin_loss(x, x, x, margin=-1.0),
         "triplet_margin_loss: margin must be greater than 0"),
        (lambda: F.multi_margin_loss(x, np.array([0, 1, 2, 3])),
         "multi_margin_loss: labels must be in [0, 3)"),
        (lambda: F.multi_margin_loss(x, np.array([0, 1, 2, 2]), p=3),
         "multi_margin_loss: only p == 1 and p == 2"),
        (lambda: F.multi_margin_loss(x, np.array([0, 1, 2, 2]),
                                     weight=Tensor(np.ones(3), requires_grad=True)),
         "multi_margin_loss: weight requires grad"),
        (lambda: F.gaussian_nll_loss(x, x, -np.ones((4, 3))),
         "gaussian_nll_loss: var has negative"),
        (lambda: F.gaussian_nll_loss(x, x, np.ones((2, 3))),
         "gaussian_nll_loss: var of shape (2, 3) is of incorrect size for input (4, 3)"),
        (lambda: F.poisson_nll_loss(x, x, reduction="batchmean"),
         "poisson_nll_loss: reduction must be"),
        (lambda: nn.MarginRankingLoss(0.0, True), "MarginRankingLoss: size_average and reduce"),
        (lambda: nn.TripletMarginLoss(margin=0.0), "TripletMarginLoss: margin must be > 0"),
        (lambda: nn.MultiMarginLoss(p=3), "MultiMarginLoss: only p == 1 and p == 2"),
    ]
    for call, words in cases:
        with pytest.raises((ValueError, TypeError)) as e:
            call()
        one_line(e, words)


def test_gaussian_nll_loss_passes_the_gradient_through_the_clamp():
    """torch clamps var under no_grad: the value max(var, eps), the gradient var's own."""
    x, t = np.array([1.0, 2.0]), np.array([0.0, 0.0])
    v = Tensor(np.array([0.0, 1e-9]), requires_grad=True)
    loss = F.gaussian_nll_loss(x, t, v, eps=1e-6, reduction="sum")
    np.testing.assert_allclose(loss.data, (0.5 * (np.log(1e-6) + np.array([1.0, 4.0]) / 1e-6)
                                           ).sum(), rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(v.grad, 0.5 * (1 / 1e-6 - np.array([1.0, 4.0]) / 1e-12),
                               rtol=1e-12)


def test_soft_margin_loss_stays_finite_where_torchs_overflows():
    y = F.soft_margin_loss(np.array([-800.0]), np.array([1.0]))
    assert y.data == 800.0


# ---- review: crops, fresh results, replay, argument spellings ------------------------------------
@pytest.mark.parametrize("widths, shape", [((-1, 2), (5,)), ((1, -2, -1, 0), (2, 4, 5)),
                                           ((-2, -1, 0, 0, 1, -1), (2, 3, 4, 5)),
                                           ((0, 0, -1, -1), (1, 3, 4))])
def test_pad_constant_mode_crops_with_negative_widths_as_torch(widths, shape):
    """torch's F.pad crops a side given a negative width (constant mode), as ConstantPad1d/2d
    here do; F.pad refused it."""
    _compare(lambda t: F.pad(t, widths, value=1.5),
             lambda T, t: T.nn.functional.pad(t, widths, value=1.5), [R.standard_normal(shape)])


def test_pad_results_are_new_tensors_never_the_input_or_a_view_of_it():
    """torch's pads return fresh tensors (a crop too): writing into the result must not write
    into the input."""
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    results = [F.pad(x, (0, 0, 0, 0), mode="reflect"), F.pad(x, (0, 0, 0, 0), mode="circular"),
               F.pad(x, ((0, 0),) * 3, mode="replicate"), nn.ConstantPad1d(0, 1.0)(x),
               nn.ConstantPad1d((-1, 0), 1.0)(x), nn.ConstantPad2d((0, 0, -1, -1), 1.0)(x),
               nn.ReflectionPad1d(0)(x), nn.ReplicationPad2d(0)(x), nn.ZeroPad2d(0)(x),
               nn.ZeroPad2d((0, -1, 0, 0))(x)]
    for y in results:
        assert y is not x and not np.shares_memory(y.data, x.data)


def test_pad_modes_and_pdist_replay_under_jit():
    """Their indices come from shapes only (literals), so a recorded step replays."""
    w = Tensor(R.standard_normal((4, 4)), requires_grad=True)

    def step(X):
        h = (Tensor(X) @ w).reshape(1, 2, 2, 4)
        h = F.pad(h, (2, 1, 1, 0), mode="reflect") + F.pad(h, (2, 1, 1, 0), mode="circular") \
            + F.pad(h, (2, 1, 1, 0), mode="replicate")
        (h.pow(2).sum() + F.pdist(Tensor(X) @ w).sum()).backward()

    assert_replays_as_eager(step, w, (4, 4))


def test_pad_takes_torchs_value_zero_in_every_mode():
    """torch's F.pad(x, pad, mode="reflect", value=0) runs (only a nonzero value is refused)."""
    x = R.standard_normal((2, 3, 5))
    np.testing.assert_array_equal(F.pad(x, (1, 2, 0, 0), mode="reflect", value=0).data,
                                  F.pad(x, (1, 2, 0, 0), mode="reflect").data)
    with pytest.raises(ValueError) as e:
        F.pad(x, (1, 2, 0, 0), mode="reflect", value=1.0)
    one_line(e, "pad: mode 'reflect' takes no fill value")


def test_poisson_nll_loss_takes_eps_and_reduction_by_name_only():
    """torch's fifth positional is size_average (eps is the sixth): a positional number there
    must not become eps silently."""
    x, t = np.abs(R.standard_normal(4)), np.ones(4)
    with pytest.raises(TypeError):
        F.poisson_nll_loss(x, t, False, False, 0.5)


def test_the_margin_losses_name_no_wrong_position_for_reduction():
    a = np.ones(3)
    with pytest.raises(TypeError) as e:
        F.margin_ranking_loss(a, a, a, 0.0, None)  # torch's size_average position
    one_line(e, "margin_ranking_loss: reduction must be 'mean', 'sum' or 'none', got NoneType")
    assert "third" not in str(e.value)
