"""More torch.nn / torch.nn.functional names against torch (float64: values 1e-12, gradients
1e-10): max pools with indices, dilation and ceil_mode, max_unpool, lp_pool, the in-place
activations, rrelu, the alpha dropouts, gumbel_softmax, local_response_norm, channel_shuffle,
the deprecated upsample names, the new pad layers and two losses. Random ops are compared by
their deterministic parts (evaluation, the form of each drawn value) and their statistics."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn as nn
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(7)


def agree(ours, theirs, *arrays, grads=True, value_rtol=1e-12):
    """ours(*Tensors) and theirs(*torch tensors): values, then gradients of a random upstream."""
    xs = [Tensor(a, requires_grad=grads) for a in arrays]
    ts = [torch.tensor(a, requires_grad=grads) for a in arrays]
    out, ref = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=value_rtol, atol=1e-14)
    assert out.data.shape == tuple(ref.shape) and out.dtype == np.dtype(str(ref.dtype)[6:])
    if grads:
        g = RNG.standard_normal(tuple(ref.shape))
        out.backward(g)
        ref.backward(torch.tensor(g))
        for x, t in zip(xs, ts):
            want = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
            got = np.zeros(x.shape) if x.grad is None else x.grad
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


# ---- max pools with indices -----------------------------------------------------------------
POOLS = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=2, dilation=2, ceil_mode=True),
         dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), dict(kernel_size=2, stride=1),
         dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1))]


@pytest.mark.parametrize("dims, shape", [(1, (2, 3, 9)), (1, (3, 8)), (2, (2, 3, 7, 6)),
                                         (2, (3, 5, 5))])
@pytest.mark.parametrize("kw", range(len(POOLS)))
@pytest.mark.parametrize("nan", [False, True])
def test_max_pool_with_indices(dims, shape, kw, nan):
    kw = dict(POOLS[kw])
    if dims == 1 and isinstance(kw["kernel_size"], tuple):
        kw = {k: v[0] for k, v in kw.items()}
    x = RNG.standard_normal(shape).round(1)  # (ties)
    if nan:
        x.flat[::5] = np.nan
        x.flat[1::7] = np.inf
    name = f"max_pool{dims}d"
    v, i = getattr(TF, name)(torch.tensor(x), return_indices=True, **kw)
    for fn in (getattr(F, name), getattr(F, name + "_with_indices")):
        V, Ii = fn(x, return_indices=True, **kw)
        assert Ii.dtype == np.int64
        np.testing.assert_array_equal(Ii.data, i.numpy())
        np.testing.assert_array_equal(V.data, v.numpy())
    agree(lambda t: getattr(F, name)(t, **kw), lambda t: getattr(TF, name)(t, **kw), x)
    agree(lambda t: getattr(F, name)(t, return_indices=True, **kw)[0],
          lambda t: getattr(TF, name)(t, return_indices=True, **kw)[0], x)
    module = getattr(nn, f"MaxPool{dims}d")(**kw, return_indices=True)
    tmod = getattr(torch.nn, f"MaxPool{dims}d")(**kw, return_indices=True)
    np.testing.assert_array_equal(module(x)[1].data, tmod(torch.tensor(x))[1].numpy())
    assert module.state_dict().keys() == tmod.state_dict().keys()


def test_max_pool_index_rules():
    """torch's kernel: the first maximum; the last NaN; a window of -inf names its first real
    position (not the padding); integer input keeps its dtype."""
    x = np.array([[[1.0, 1.0, -np.inf, -np.inf, 2.0, 2.0, np.nan, 0.0, np.nan]]])
    for k, s, p in ((2, 1, 0), (2, 1, 1), (3, 1, 1), (3, 3, 0)):
        v, i = TF.max_pool1d(torch.tensor(x), k, s, p, return_indices=True)
        V, Ii = F.max_pool1d(x, k, s, p, return_indices=True)
        np.testing.assert_array_equal(Ii.data, i.numpy())
        np.testing.assert_array_equal(V.data, v.numpy())
    xi = np.arange(16).reshape(1, 1, 4, 4)
    v, i = TF.max_pool2d(torch.tensor(xi), 2, return_indices=True)
    V, Ii = F.max_pool2d(xi, 2, return_indices=True)
    assert V.dtype == np.int64
    np.testing.assert_array_equal(V.data, v.numpy())
    np.testing.assert_array_equal(Ii.data, i.numpy())


@pytest.mark.parametrize("dims, shape, kw", [
    (1, (2, 3, 9), dict(kernel_size=2)), (1, (3, 8), dict(kernel_size=3, stride=3, padding=1)),
    (2, (2, 3, 8, 6), dict(kernel_size=2)), (2, (3, 6, 6), dict(kernel_size=3, stride=3,
                                                                 padding=1)),
    (2, (1, 2, 7, 5), dict(kernel_size=2, stride=2))])
def test_max_unpool(dims, shape, kw):
    x = RNG.standard_normal(shape)
    v, i = getattr(TF, f"max_pool{dims}d")(torch.tensor(x), return_indices=True, **kw)
    idx = i.numpy()
    pool = {k: kw[k] for k in kw}
    name = f"max_unpool{dims}d"
    out = shape[-dims:]  # the sizes the pool came from, and torch's default ones
    k, s, p = kw["kernel_size"], kw.get("stride", kw["kernel_size"]), kw.get("padding", 0)
    default = tuple((n - 1) * s + k - 2 * p for n in v.shape[-dims:])
    if idx.max() < np.prod(default):
        agree(lambda t: getattr(F, name)(t, Tensor(idx), **pool),
              lambda t: getattr(TF, name)(t, i, **pool), v.numpy())
    agree(lambda t: getattr(F, name)(t, Tensor(idx), output_size=out, **pool),
          lambda t: getattr(TF, name)(t, i, output_size=out, **pool), v.numpy())
    mod, tmod = getattr(nn, f"MaxUnpool{dims}d")(**pool), getattr(torch.nn,
                                                                  f"MaxUnpool{dims}d")(**pool)
    np.testing.assert_array_equal(mod(v.numpy(), Tensor(idx), out).data,
                                  tmod(v, i, out).numpy())
    assert mod.state_dict().keys() == tmod.state_dict().keys()


def test_max_unpool_duplicates_and_refusals():
    """Overlapping windows name one position twice: the value once, the gradient to both (as
    torch's scatter-and-gather); refusals in one line."""
    x = np.array([[[0.0, 3.0, 1.0, 0.5]]])
    v, i = TF.max_pool1d(torch.tensor(x), 2, 1, return_indices=True)
    agree(lambda t: F.max_unpool1d(t, Tensor(i.numpy()), 2, 1),
          lambda t: TF.max_unpool1d(t, i, 2, 1), v.numpy())
    bad = [(lambda: F.max_unpool1d(v.numpy(), Tensor(i.numpy() + 9), 2, 1), IndexError,
            "max_unpool1d: found an invalid max index 11"),
           (lambda: F.max_unpool1d(v.numpy(), Tensor(i.numpy().astype(np.int32)), 2, 1),
            TypeError, "indices must be int64"),
           (lambda: F.max_unpool1d(v.numpy(), Tensor(i.numpy()[..., :2]), 2, 1), ValueError,
            "do not match"),
           (lambda: F.max_unpool1d(v.numpy(), i.numpy(), 2, 1, output_size=(9,)), ValueError,
            "within the stride"),
           (lambda: F.max_pool2d(np.ones((1, 1, 1, 1)), 2, 1, dilation=2, return_indices=True),
            ValueError, "too small"),
           (lambda: F.max_pool1d(np.ones((1, 1, 4), bool), 2, return_indices=True), TypeError,
            "float or integer"),
           (lambda: F.max_pool1d(np.ones((1, 1, 4)), 2, padding=2, return_indices=True),
            ValueError, "max_pool1d: padding must be at most kernel_size // 2")]
    for call, kind, msg in bad:
        with pytest.raises(kind, match=msg) as e:
            call()
        assert "\n" not in str(e.value)


@pytest.mark.parametrize("p", [2.0, 3, 1.5, float("inf"), -float("inf")])
def test_lp_pool(p):
    x1, x2 = RNG.uniform(0.2, 2.0, (2, 3, 7)), RNG.uniform(0.2, 2.0, (2, 2, 5, 6))
    agree(lambda t: F.lp_pool1d(t, p, 3, 2), lambda t: TF.lp_pool1d(t, p, 3, 2), x1)
    agree(lambda t: F.lp_pool2d(t, p, (2, 3)), lambda t: TF.lp_pool2d(t, p, (2, 3)), x2)
    agree(lambda t: nn.LPPool2d(p, 2, 1)(t), lambda t: torch.nn.LPPool2d(p, 2, 1)(t), x2[0])
    agree(lambda t: nn.LPPool1d(p, 2)(t), lambda t: torch.nn.LPPool1d(p, 2)(t), x1)
    xs = RNG.standard_normal((1, 2, 6))  # negative values: torch's NaN where x^p is
    agree(lambda t: F.lp_pool1d(t, p, 2), lambda t: TF.lp_pool1d(t, p, 2), xs, grads=False)


# ---- in-place activations -------------------------------------------------------------------
INPLACE = [("relu_", ()), ("elu_", (0.7,)), ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.8)),
           ("threshold_", (0.1, -2.0)), ("selu_", ()), ("celu_", (1.3,)), ("rrelu_", (0.1, 0.3))]


@pytest.mark.parametrize("name, args", INPLACE)
def test_inplace_activations(name, args):
    x = np.array([-2.0, -0.5, 0.0, 0.1, 0.7, 3.0, np.inf, -np.inf, np.nan])
    t, ours = torch.tensor(x), Tensor(x.copy())
    back = getattr(F, name)(ours, *args)
    getattr(TF, name)(t, *args)
    assert back is ours
    np.testing.assert_allclose(ours.data, t.numpy(), rtol=1e-12)
    leaf = Tensor(x.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match=f"F.{name}: a leaf Variable that requires grad"):
        getattr(F, name)(leaf, *args)
    with tg.no_grad():  # torch's too: a parameter may be written under no_grad
        getattr(F, name)(leaf, *args)
    np.testing.assert_allclose(leaf.data, t.numpy(), rtol=1e-12)
    # an op's result: recorded as torch records it (hINF; it was refused), the input returned
    w, tw = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    h, th = w * 2, tw * 2
    assert getattr(F, name)(h, *args) is h
    getattr(TF, name)(th, *args)
    np.testing.assert_allclose(h.data, th.detach().numpy(), rtol=1e-12)
    h.backward(np.linspace(-1, 1, x.size))
    th.backward(torch.tensor(np.linspace(-1, 1, x.size)))
    # (rtol: torch's celu_ backward reads alpha=1.3 as float32, 4e-8 off its own celu's)
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-7)


def test_inplace_dtypes():
    xi = Tensor(np.array([-2, 0, 3]))
    F.relu_(xi)
    np.testing.assert_array_equal(xi.data, [0, 0, 3])
    with pytest.raises(TypeError, match="F.elu_: "):
        F.elu_(Tensor(np.array([-2, 0, 3])))
    with pytest.raises(TypeError, match="F.relu_: expected a Tensor"):
        F.relu_(np.ones(3))


# ---- rrelu, alpha dropout, gumbel_softmax ---------------------------------------------------
def test_rrelu_eval_is_torchs():
    x = np.array([-2.0, -0.5, 0.0, 0.1, 3.0, np.nan])
    agree(lambda t: F.rrelu(t, 0.1, 0.4), lambda t: TF.rrelu(t, 0.1, 0.4), x)
    agree(lambda t: nn.RReLU(0.2, 0.3).eval()(t), lambda t: torch.nn.RReLU(0.2, 0.3).eval()(t), x)
    with pytest.raises(ValueError, match="rrelu: lower .* at most upper"):
        F.rrelu(x, 0.5, 0.1)


def test_rrelu_training_statistics():
    x = np.concatenate([-RNG.uniform(0.5, 2.0, 20000), RNG.uniform(0.0, 1.0, 100), [0.0]])
    t = Tensor(x, requires_grad=True)
    out = F.rrelu(t, 0.1, 0.3, training=True, rng=np.random.default_rng(0))
    out.sum().backward()
    slope = t.grad
    neg = x <= 0
    np.testing.assert_array_equal(slope[~neg], 1.0)
    assert ((slope[neg] >= 0.1) & (slope[neg] < 0.3)).all()
    np.testing.assert_allclose(out.data[neg], x[neg] * slope[neg], rtol=1e-15)
    assert abs(slope[neg].mean() - 0.2) < 0.003 and abs(slope[neg].std() - 0.2 / 12 ** 0.5) < 0.003
    torch_slopes = (TF.rrelu(torch.tensor(x[:20000]), 0.1, 0.3, training=True) / torch.tensor(
        x[:20000])).numpy()
    assert abs(torch_slopes.mean() - slope[:20000].mean()) < 0.005
    tg.manual_seed(3)  # the default generator
    a = F.rrelu(x, training=True).data
    tg.manual_seed(3)
    np.testing.assert_array_equal(F.rrelu(x, training=True).data, a)


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout(name, p=0.3):
    x = RNG.standard_normal((400, 50, 3))
    fn, tfn = getattr(F, name), getattr(TF, name)
    agree(lambda t: fn(t, p), lambda t: tfn(t, p), x)  # training=False by default: identity
    agree(lambda t: fn(t, 1.0, True), lambda t: tfn(t, 1.0, True),
          np.array([[1.0, np.inf], [np.nan, -2.0]]))
    t = Tensor(x, requires_grad=True)
    out = fn(t, p, True, rng=np.random.default_rng(1))
    out.sum().backward()
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    kept = t.grad != 0
    np.testing.assert_allclose(t.grad[kept], a, rtol=1e-15)
    np.testing.assert_allclose(out.data[kept], a * x[kept] + alpha * a * p, rtol=1e-12)
    np.testing.assert_allclose(out.data[~kept], -alpha * a * (1 - p), rtol=1e-12)
    if name == "feature_alpha_dropout":
        assert (kept == kept[:, :, :1]).all()
    assert abs(kept.mean() - (1 - p)) < 0.01
    ours = out.data
    theirs = tfn(torch.tensor(x), p, True).numpy()
    for stat in (np.mean, np.std):
        assert abs(stat(ours) - stat(theirs)) < 0.03
    assert abs(ours.mean()) < 0.03 and abs(ours.std() - 1) < 0.03  # SELU's fixed point kept
    mod = getattr(nn, name.title().replace("_", ""))(p)
    assert mod.eval()(x) is not None and np.array_equal(mod(x).data, x)
    with pytest.raises(ValueError, match=f"{name}: dropout probability"):
        fn(x, 1.5, True)


def test_gumbel_softmax():
    logits = np.log(np.array([0.1, 0.6, 0.3]))
    x = np.tile(logits, (20000, 1))
    soft = F.gumbel_softmax(x, tau=0.5, rng=np.random.default_rng(2))
    np.testing.assert_allclose(soft.data.sum(axis=-1), 1.0, rtol=1e-12)
    t = Tensor(x, requires_grad=True)
    hard = F.gumbel_softmax(t, hard=True, dim=1, rng=np.random.default_rng(2))
    assert set(np.unique(hard.data)) <= {0.0, 1.0} and (hard.data.sum(axis=1) == 1).all()
    freq = hard.data.mean(axis=0)
    np.testing.assert_allclose(freq, [0.1, 0.6, 0.3], atol=0.015)  # Gumbel-max: softmax(x)
    theirs = TF.gumbel_softmax(torch.tensor(x), hard=True).numpy().mean(axis=0)
    np.testing.assert_allclose(freq, theirs, atol=0.02)
    w = RNG.standard_normal(x.shape)  # straight through: the soft sample's gradient
    (hard * Tensor(w)).sum().backward()
    t2 = Tensor(x, requires_grad=True)
    (F.gumbel_softmax(t2, hard=False, dim=1, rng=np.random.default_rng(2)) * Tensor(w)
     ).sum().backward()
    np.testing.assert_allclose(t.grad, t2.grad, rtol=1e-12)


# ---- local_response_norm, channel_shuffle, Softmax2d, resampling, padding ------------------
@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 6, 3, 4), (1, 4, 2, 3, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 6])
def test_local_response_norm(shape, size):
    x = RNG.standard_normal(shape)
    agree(lambda t: F.local_response_norm(t, size, 0.3, 0.6, 1.5),
          lambda t: TF.local_response_norm(t, size, 0.3, 0.6, 1.5), x)
    agree(lambda t: nn.LocalResponseNorm(size)(t),
          lambda t: torch.nn.LocalResponseNorm(size)(t), x)


def test_shuffles_softmax2d_upsampling_padding():
    x = RNG.standard_normal((2, 6, 3, 4))
    agree(lambda t: F.channel_shuffle(t, 3), lambda t: TF.channel_shuffle(t, 3), x)
    agree(lambda t: nn.ChannelShuffle(3)(t), lambda t: torch.nn.ChannelShuffle(3)(t), x[0])
    with pytest.raises(ValueError, match="channel_shuffle: the number of channels \\(6\\)"):
        F.channel_shuffle(x, 4)
    agree(lambda t: nn.Softmax2d()(t), lambda t: torch.nn.Softmax2d()(t), x)
    agree(lambda t: nn.Softmax2d()(t), lambda t: torch.nn.Softmax2d()(t), x[0])
    for ours, theirs, kw in ((F.upsample_nearest, TF.upsample_nearest, dict(scale_factor=2)),
                             (F.upsample_bilinear, TF.upsample_bilinear, dict(size=(5, 7)))):
        with pytest.warns(UserWarning, match="is deprecated. Use `nn.functional.interpolate`"):
            agree(lambda t, f=ours, k=kw: f(t, **k), lambda t, f=theirs, k=kw: f(t, **k), x)
    agree(lambda t: nn.UpsamplingNearest2d(scale_factor=3)(t),
          lambda t: torch.nn.UpsamplingNearest2d(scale_factor=3)(t), x)
    agree(lambda t: nn.UpsamplingBilinear2d((4, 9))(t),
          lambda t: torch.nn.UpsamplingBilinear2d((4, 9))(t), x)
    x3 = RNG.standard_normal((2, 3, 5))
    for ours, theirs, pad in ((nn.ZeroPad1d, torch.nn.ZeroPad1d, (2, -1)),
                              (nn.ZeroPad1d, torch.nn.ZeroPad1d, 3),
                              (nn.CircularPad1d, torch.nn.CircularPad1d, (2, 4)),
                              (nn.CircularPad2d, torch.nn.CircularPad2d, (1, 2, 3, 0))):
        xin = x if ours is nn.CircularPad2d else x3
        agree(lambda t, m=ours, w=pad: m(w)(t), lambda t, m=theirs, w=pad: m(w)(t), xin)
        assert repr(ours(pad)) == repr(theirs(pad))


# ---- losses ---------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss(reduction):
    x = RNG.standard_normal((5, 4)).round(1)
    y = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [-1, 1, 2, 0], [1, 1, -1, 0], [2, -1, -1, -1]])
    agree(lambda t: F.multilabel_margin_loss(t, y, reduction=reduction),
          lambda t: TF.multilabel_margin_loss(t, torch.tensor(y), reduction=reduction), x)
    agree(lambda t: nn.MultiLabelMarginLoss(reduction=reduction)(t, Tensor(y[0])),
          lambda t: torch.nn.MultiLabelMarginLoss(reduction=reduction)(t, torch.tensor(y[0])),
          x[0])
    x[0, 0] = x[0, 3] - 1  # a margin of exactly 0: torch's gradient 0 there
    agree(lambda t: F.multilabel_margin_loss(t, y, reduction=reduction),
          lambda t: TF.multilabel_margin_loss(t, torch.tensor(y), reduction=reduction), x)
    with pytest.raises(ValueError, match="target values must be in \\[-1, 4\\)"):
        F.multilabel_margin_loss(x, y + 2)
    with pytest.raises(TypeError, match="target must be int64"):
        F.multilabel_margin_loss(x, y.astype(np.int32))


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_triplet_margin_with_distance_loss(swap, reduction):
    a, p, n = (RNG.standard_normal((6, 3)) for _ in range(3))
    agree(lambda *t: F.triplet_margin_with_distance_loss(*t, swap=swap, reduction=reduction),
          lambda *t: TF.triplet_margin_with_distance_loss(*t, swap=swap, reduction=reduction),
          a, p, n)
    agree(lambda *t: nn.TripletMarginWithDistanceLoss(
        distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), margin=0.4, swap=swap,
        reduction=reduction)(*t),
          lambda *t: torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda u, v: 1 - TF.cosine_similarity(u, v), margin=0.4, swap=swap,
        reduction=reduction)(*t), a, p, n)
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_with_distance_loss(a, p, n, margin=0)


def test_modules_have_torchs_state_dicts():
    pairs = [(nn.RReLU(), torch.nn.RReLU()), (nn.AlphaDropout(), torch.nn.AlphaDropout()),
             (nn.LocalResponseNorm(2), torch.nn.LocalResponseNorm(2)),
             (nn.MaxPool2d(2, return_indices=True), torch.nn.MaxPool2d(2, return_indices=True)),
             (nn.MultiLabelMarginLoss(), torch.nn.MultiLabelMarginLoss())]
    for ours, theirs in pairs:
        assert list(ours.state_dict()) == list(theirs.state_dict()) == []
        ours.load_state_dict(theirs.state_dict())


# ---- embedding_bag --------------------------------------------------------------------------
EB_W = RNG.standard_normal((6, 3)).round(1)  # (ties for max)
EB_CASES = [  # (input, offsets, include_last_offset)
    (np.array([[1, 2, 4], [4, 3, 0], [5, 5, 5]]), None, False),
    (np.array([1, 2, 4, 5, 4, 3, 2, 0]), np.array([0, 2, 2, 5]), False),  # an empty bag
    (np.array([1, 2, 4, 5, 4, 3]), np.array([0, 3, 3, 6]), True),
    (np.array([], dtype=np.int64), np.array([0, 0]), False)]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("case", range(len(EB_CASES)))
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_embedding_bag(mode, case, padding_idx):
    idx, off, last = EB_CASES[case]
    toff = None if off is None else torch.tensor(off)
    agree(lambda w: F.embedding_bag(idx, w, off, mode=mode, include_last_offset=last,
                                    padding_idx=padding_idx),
          lambda w: TF.embedding_bag(torch.tensor(idx), w, toff, mode=mode,
                                     include_last_offset=last, padding_idx=padding_idx), EB_W)
    if mode == "sum":
        psw = RNG.standard_normal(idx.shape)
        agree(lambda w, p: F.embedding_bag(idx, w, off, mode=mode, per_sample_weights=p,
                                           include_last_offset=last, padding_idx=padding_idx),
              lambda w, p: TF.embedding_bag(torch.tensor(idx), w, toff, mode=mode,
                                            per_sample_weights=p, include_last_offset=last,
                                            padding_idx=padding_idx), EB_W, psw)
    ours = nn.EmbeddingBag(6, 3, mode=mode, include_last_offset=last, padding_idx=padding_idx)
    theirs = torch.nn.EmbeddingBag(6, 3, mode=mode, include_last_offset=last,
                                   padding_idx=padding_idx, dtype=torch.float64)
    ours.load_state_dict(theirs.state_dict())
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    np.testing.assert_allclose(ours(idx, off).data, theirs(torch.tensor(idx), toff).detach(
    ).numpy(), rtol=1e-12)


def test_embedding_bag_max_nan_and_refusals():
    w = np.array([[np.nan, 1.0], [2.0, np.nan], [-np.inf, 0.5], [3.0, 3.0]])
    for idx in ([[0, 1, 2, 3]], [[1, 0, 3, 2]], [[2, 3, 1, 0]], [[2, 2, 2, 2]]):
        agree(lambda t, i=idx: F.embedding_bag(np.array(i), t, mode="max"),
              lambda t, i=idx: TF.embedding_bag(torch.tensor(i), t, mode="max"), w)
    x = np.array([0, 1, 2])
    bad = [(lambda: F.embedding_bag(x, EB_W, np.array([1, 2])), "offsets must start at 0"),
           (lambda: F.embedding_bag(x[None], EB_W, np.array([0])), "offsets must be None"),
           (lambda: F.embedding_bag(x, EB_W), "offsets are needed"),
           (lambda: F.embedding_bag(x, EB_W, np.array([0]), mode="max",
                                    per_sample_weights=np.ones(3)), "only supported for mode"),
           (lambda: F.embedding_bag(x + 4, EB_W, np.array([0])), "embedding_bag: .*6"),
           (lambda: F.embedding_bag(x, EB_W, np.array([0]), mode="min"), "mode must be")]
    for call, msg in bad:
        with pytest.raises((ValueError, TypeError, IndexError), match=msg) as e:
            call()
        assert "\n" not in str(e.value)


# ---- LazyLinear -----------------------------------------------------------------------------
def test_lazy_linear():
    x = RNG.standard_normal((4, 5))
    theirs = torch.nn.LazyLinear(3, dtype=torch.float64)
    theirs(torch.tensor(x))
    ours = nn.LazyLinear(3)
    assert repr(ours) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    for read in (ours.state_dict, ours.parameters, nn.Sequential(ours, nn.ReLU()).state_dict):
        with pytest.raises(RuntimeError, match="LazyLinear: in_features is inferred at the first"
                           ) as e:
            read()
        assert "\n" not in str(e.value)
    twin = copy.deepcopy(ours)  # (an unsized one copies, and is sized on its own)
    assert twin(Tensor(x[:, :2])).shape == (4, 3) and type(ours) is nn.LazyLinear
    ours.load_state_dict(theirs.state_dict())  # torch's: loading sizes it
    assert type(ours) is nn.Linear and ours.in_features == 5
    agree(lambda t: ours(t), lambda t: theirs(t), x)
    fresh = nn.LazyLinear(2, bias=False, rng=np.random.default_rng(0))
    out = fresh(Tensor(x))
    assert out.shape == (4, 2) and isinstance(fresh, nn.Linear) and fresh.b is None
    ref = nn.Linear(5, 2, bias=False, rng=np.random.default_rng(0))  # the same draws
    np.testing.assert_array_equal(fresh.W.data, ref.W.data)
    assert list(fresh.state_dict()) == list(ref.state_dict())


def test_float32_sanity():
    """float32 in, float32 out and gradients, close to torch's float32."""
    x = RNG.uniform(0.1, 2.0, (2, 3, 6, 6)).astype(np.float32)
    calls = [(lambda F_, t: F_.max_pool2d(t, 3, 2, 1, ceil_mode=True, return_indices=True)[0]),
             (lambda F_, t: F_.lp_pool2d(t, 2.0, 2)),
             (lambda F_, t: F_.local_response_norm(t, 3)),
             (lambda F_, t: F_.multilabel_margin_loss(
                 t[0, 0], (torch.tensor if F_ is TF else np.array)(np.tile([0, 2, -1, 0, 0, 0],
                                                                           (6, 1))))),
             (lambda F_, t: F_.embedding_bag((torch.tensor if F_ is TF else np.array)(
                 np.array([[0, 1], [2, 5]])), t[0, 0], mode="max"))]
    for call in calls:
        ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = call(F, ours), call(TF, theirs)
        out.sum().backward()
        ref.sum().backward()
        assert out.dtype == np.float32 and ours.grad.dtype == np.float32
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-5, atol=1e-6)
