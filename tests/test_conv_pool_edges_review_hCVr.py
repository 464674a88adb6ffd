"""Second review of the convolution and pooling edges hunt (hCV): its 1-tuple rule reached the
layers only partly. nn.Conv2d with a padding_mode other than "zeros" refused a 1-tuple stride or
dilation that torch's layer spreads (its "zeros" mode took them); nn.Conv2d/Conv3d with such a
mode and a 1-tuple padding, refused at construction before hCV, computed after it a padding of
every axis where torch's layer pads only the last axis of an unbatched Conv2d input and refuses
the rest (F.pad of one pair); and a 1-tuple of a tuple (`padding=((1, 1),)`, `stride=((2, 3),)`)
was unwrapped into a pair where torch refuses it. Then a seeded differential draw of the layers
(convs with every padding_mode, transposed convs, the max / avg / lp pools, max_unpool, fold,
unfold) with int / tuple / 1-tuple / list spellings against torch 2.13, and a jitted step with
the fixed layer and hCV's empty adaptive pools replaying bit for bit.

Left out of the draw: documented differences (the 1-tuple padding beside a padding_mode, refused;
max pools with a window of padding only) and torch's own faults (LPPool1d's tuple kernel)."""

import warnings

import numpy as np
import pytest
from oracle import one_line, step_records

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.nn import functional as F

torch = pytest.importorskip("torch")
TN, TF = torch.nn, torch.nn.functional
MODES = ("reflect", "replicate", "circular")


def _copy_params(ours, theirs, names):
    for name, t in zip(names, (theirs.weight, theirs.bias)):
        setattr(ours, name, tg.Tensor(t.detach().numpy().copy(), requires_grad=True))


def _check_layer(ours, theirs, names, x, g_seed=0):
    """ours(x) and theirs(x): values, the input's and the weight's gradients."""
    _copy_params(ours, theirs, names)
    tx = torch.tensor(x, requires_grad=True)
    ox = tg.Tensor(x.copy(), requires_grad=True)
    ty, oy = theirs(tx), ours(ox)
    assert tuple(oy.shape) == tuple(ty.shape)
    np.testing.assert_allclose(oy.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(g_seed).standard_normal(tuple(ty.shape))
    (ty * torch.tensor(g)).sum().backward()
    (oy * tg.Tensor(g)).sum().backward()
    np.testing.assert_allclose(np.asarray(ox.grad), tx.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(np.asarray(getattr(ours, names[0]).grad),
                               theirs.weight.grad.numpy(), rtol=1e-9, atol=1e-11)


# ---- named regressions ------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kw", [dict(stride=(2,), padding=1), dict(dilation=[2], padding=2),
                                dict(stride=[2], dilation=(2,), padding=(1, 2)),
                                dict(stride=(1,), padding="same")])
@pytest.mark.parametrize("batched", [True, False])
def test_conv2d_with_a_padding_mode_spreads_a_one_tuple_stride_and_dilation(mode, kw, batched):
    """Was: "Conv2d: stride must be an integer or a pair (rows, columns) ..., got (2,)" for every
    padding_mode but "zeros" (torch's layer hands them to F.conv2d, which spreads them)."""
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 7) if batched else (2, 6, 7))
    torch.manual_seed(0)
    theirs = TN.Conv2d(2, 3, 3, padding_mode=mode, **kw).double()
    _check_layer(nn.Conv2d(2, 3, 3, padding_mode=mode, **kw), theirs, ("W", "b"), x)


@pytest.mark.parametrize("layer, x", [("Conv2d", (1, 2, 5, 6)), ("Conv2d", (2, 5, 6)),
                                      ("Conv3d", (1, 2, 4, 5, 6)), ("Conv3d", (2, 4, 5, 6))])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding", [(1,), [2], (0,)])
def test_a_one_tuple_padding_beside_a_padding_mode_is_refused_in_one_line(layer, x, mode,
                                                                          padding):
    """Was (after hCV): every axis padded, (1, 3, 5, 6) for Conv2d(2, 3, 3, padding=(1,),
    padding_mode="reflect"), where torch's layer refuses a batch ("Padding size 2 is not
    supported for 4D input tensor") and pads only W of an unbatched input ((3, 3, 6))."""
    xs = np.ones(x)
    try:  # torch: F.pad refuses, but for an unbatched Conv2d input, whose W alone it pads
        out = getattr(TN, layer)(2, 3, 3, padding=padding, padding_mode=mode).double()(
            torch.tensor(xs))
    except RuntimeError:
        assert layer == "Conv3d" or len(x) == 4
    else:
        assert layer == "Conv2d" and len(x) == 3
        assert tuple(out.shape) == (3, x[1] - 2, x[2] - 2 + 2 * padding[0])
    with pytest.raises(ValueError) as e:
        getattr(nn, layer)(2, 3, 3, padding=padding, padding_mode=mode)(tg.Tensor(xs))
    one_line(e, f"{layer}: padding={padding!r} with padding_mode={mode!r} is refused")


@pytest.mark.parametrize("layer", ["Conv2d", "Conv3d"])
def test_a_one_tuple_padding_with_zeros_is_spread_as_torch(layer):
    """"zeros" hands padding=(1,) to F.conv2d / F.conv3d, which spread it: unchanged."""
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 5, 6)[:5 if layer == "Conv3d" else 4])
    torch.manual_seed(0)
    names = ("W", "b") if layer == "Conv2d" else ("weight", "bias")
    _check_layer(getattr(nn, layer)(2, 3, 3, padding=(1,)),
                 getattr(TN, layer)(2, 3, 3, padding=(1,)).double(), names, x)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layer, x", [("Conv2d", (1, 2, 7, 8)), ("Conv3d", (1, 2, 5, 6, 7))])
@pytest.mark.parametrize("k, dil", [(3, 2), (2, 1)])
def test_same_with_a_one_tuple_dilation_beside_a_padding_mode_keeps_the_size(mode, layer, x,
                                                                             k, dil):
    """A documented difference: torch's layer pads one axis only there (its output is not
    'same'); ours pads every axis, as dilation=d (torch's own answer for it)."""
    xs = np.random.default_rng(3).standard_normal(x)
    torch.manual_seed(0)
    theirs = getattr(TN, layer)(2, 3, k, padding="same", dilation=dil,
                                padding_mode=mode).double()
    names = ("W", "b") if layer == "Conv2d" else ("weight", "bias")
    ours = getattr(nn, layer)(2, 3, k, padding="same", dilation=(dil,), padding_mode=mode)
    _check_layer(ours, theirs, names, xs)
    assert tuple(ours(tg.Tensor(xs)).shape[2:]) == x[2:]


_NESTED = [
    ("conv2d", (1, 2, 5, 6), (3, 2, 2, 2), dict(padding=((1, 1),))),
    ("conv2d", (1, 2, 5, 6), (3, 2, 2, 2), dict(stride=((2, 3),))),
    ("conv2d", (1, 2, 5, 6), (3, 2, 2, 2), dict(dilation=[[1, 2]])),
    ("conv3d", (1, 2, 4, 5, 6), (3, 2, 2, 2, 2), dict(stride=((1, 2, 1),))),
    ("conv3d", (1, 2, 4, 5, 6), (3, 2, 2, 2, 2), dict(padding=((1, 1, 1),))),
    ("conv_transpose2d", (1, 2, 3, 4), (2, 3, 2, 2), dict(stride=((2, 1),))),
    ("conv_transpose3d", (1, 2, 3, 3, 3), (2, 3, 2, 2, 2), dict(padding=((1, 0, 1),))),
    ("max_pool2d", (1, 2, 6, 6), None, dict(kernel_size=((2, 3),))),
    ("avg_pool2d", (1, 2, 6, 6), None, dict(kernel_size=2, stride=((1, 2),))),
    ("max_pool3d", (1, 2, 4, 4, 4), None, dict(kernel_size=((2, 2, 2),))),
    ("avg_pool3d", (1, 2, 4, 4, 4), None, dict(kernel_size=2, padding=((1, 1, 0),))),
]


@pytest.mark.parametrize("name, x, w, kw", _NESTED)
def test_a_one_tuple_of_a_tuple_is_refused_as_torch(name, x, w, kw):
    """Was: ((1, 1),) unwrapped into the pair (1, 1) and computed (conv2d's padding=((1, 1),)
    gave (1, 3, 6, 7)); torch refuses it."""
    args = [np.ones(x)] + ([] if w is None else [np.ones(w)])
    with pytest.raises((TypeError, RuntimeError)):  # (torch's argument parser or its op)
        getattr(TF, name)(*map(torch.tensor, args), **kw)
    with pytest.raises(ValueError) as e:
        getattr(F, name)(*map(tg.Tensor, args), **kw)
    one_line(e, name)


@pytest.mark.parametrize("layer, kw", [("Conv2d", dict(stride=((2, 1),), padding_mode="reflect",
                                                       padding=1)),
                                       ("Conv3d", dict(dilation=((1, 2, 1),))),
                                       ("ConvTranspose2d", dict(stride=((2, 1),))),
                                       ("MaxPool2d", dict(stride=((2, 1),))),
                                       ("AvgPool3d", dict(padding=((1, 0, 1),)))])
def test_a_layer_refuses_a_one_tuple_of_a_tuple(layer, kw):
    pool = "Pool" in layer
    args = (2,) if pool else (2, 3, 2)
    x = np.ones((1, 2) + (5,) * (3 if "3d" in layer else 2))
    with pytest.raises((TypeError, RuntimeError, ValueError)):
        getattr(TN, layer)(*args, **kw).double()(torch.tensor(x))
    with pytest.raises(ValueError) as e:
        getattr(nn, layer)(*args, **kw)(tg.Tensor(x))
    one_line(e, layer[:-2] if pool else layer)


# ---- a seeded draw of the layers --------------------------------------------------------------
def _spell(r, v, d):
    c = int(r.integers(0, 5))
    return [int(v), (int(v),), [int(v)], (int(v),) * d,
            tuple(int(r.integers(max(0, v - 1), v + 2)) for _ in range(d))][c]


def _draw(r):
    kind = str(r.choice(["conv", "convT", "maxpool", "avgpool", "lppool", "unfold"]))
    d = 2 if kind == "unfold" else int(r.integers(1, 4))
    k = int(r.integers(1, 4))
    st = _spell(r, int(r.integers(1, 3)), d)
    if kind == "conv":
        mode = str(r.choice(("zeros",) + MODES))
        pad = int(r.integers(0, 3))
        padding = str(r.choice(["same", "valid"])) if r.random() < .2 else (
            pad if mode != "zeros" and d > 1 else _spell(r, pad, d))
        dil = int(r.integers(1, 3))  # ('same' beside a mode: an int, a documented difference)
        return f"Conv{d}d", (int(r.integers(1, 3)), 2), dict(
            kernel_size=_spell(r, k, d), stride=1 if padding == "same" else st, padding=padding,
            dilation=dil if padding == "same" and mode != "zeros" else _spell(r, dil, d),
            padding_mode=mode), d
    if kind == "convT":
        return f"ConvTranspose{d}d", (2, int(r.integers(1, 3))), dict(
            kernel_size=_spell(r, k, d), stride=st, padding=_spell(r, int(r.integers(0, 2)), d),
            output_padding=_spell(r, int(r.integers(0, 2)), d),
            dilation=_spell(r, int(r.integers(1, 3)), d)), d
    if kind == "maxpool":
        return f"MaxPool{d}d", (), dict(
            kernel_size=_spell(r, k, d), stride=st, padding=_spell(r, int(r.integers(0, 2)), d),
            dilation=_spell(r, int(r.integers(1, 3)), d), ceil_mode=bool(r.random() < .5)), d
    if kind == "avgpool":
        return f"AvgPool{d}d", (), dict(
            kernel_size=_spell(r, k, d), stride=st, padding=_spell(r, int(r.integers(0, 2)), d),
            ceil_mode=bool(r.random() < .5), count_include_pad=bool(r.random() < .5)), d
    if kind == "lppool":
        return f"LPPool{d}d", (float(r.choice([1.0, 2.0, 3.5])),), dict(
            kernel_size=k if d == 1 else _spell(r, k, d), stride=st,
            ceil_mode=bool(r.random() < .5)), d
    return "Unfold", (), dict(kernel_size=_spell(r, k, 2), stride=st,
                              dilation=_spell(r, int(r.integers(1, 3)), 2),
                              padding=_spell(r, int(r.integers(0, 2)), 2)), 2


def _run(seed):
    r = np.random.default_rng(seed)
    name, args, kw, d = _draw(r)
    batched = r.random() < .7
    x = r.standard_normal(((2, 2) if batched else (2,)) + tuple(
        int(r.integers(1, 7)) for _ in range(d)))
    if name.startswith("LP"):
        x = np.abs(x) + 0.1
    try:
        theirs = getattr(TN, name)(*args, **kw).double()
        ty = theirs(torch.tensor(x))
    except Exception:
        with pytest.raises((ValueError, TypeError, IndexError)) as e:
            getattr(nn, name)(*args, **kw)(tg.Tensor(x))
        one_line(e, "")
        return "refused"
    try:
        ours = getattr(nn, name)(*args, **kw)
    except ValueError as e:  # (only torch's max pool of a padding-only window: documented)
        assert "holds only padding" in str(e), (seed, name, kw, x.shape, str(e))
        return "documented"
    if name.startswith("Conv"):
        names = ("W", "b") if name in ("Conv1d", "Conv2d") else ("weight", "bias")
        _check_layer(ours, theirs, names, x, seed)
        return "computed"
    try:
        oy = ours(tg.Tensor(x))
    except ValueError as e:
        assert "holds only padding" in str(e), (seed, name, kw, x.shape, str(e))
        return "documented"
    assert tuple(oy.shape) == tuple(ty.shape), (seed, name, kw, x.shape)
    np.testing.assert_allclose(oy.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12,
                               err_msg=str((seed, name, kw, x.shape)))
    return "computed"


@pytest.mark.parametrize("block", range(4))
def test_the_layers_with_every_spelling_agree_with_torch(block):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seen = [_run(1000 * block + i) for i in range(150)]
    assert seen.count("computed") > 40  # (a draw that reaches the numbers)


# ---- jit --------------------------------------------------------------------------------------
def _steps(xs, use_jit, dtype):
    tg.manual_seed(0)
    conv = nn.Conv2d(3, 4, 3, stride=(2,), dilation=[1], padding=1, padding_mode="reflect",
                     dtype=dtype)

    def step(x):
        h = conv(x)
        c = F.avg_pool2d(h, (2,), ceil_mode=True, count_include_pad=False)
        empty = F.adaptive_avg_pool2d(h, (None, 0)).sum() + F.adaptive_max_pool2d(
            h, (0, 3), return_indices=True)[0].sum()
        (c.sum() + empty).backward()
        return c

    return step_records(step, xs, conv.W, use_jit)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_jitted_step_of_the_fixed_layer_and_empty_pools_replays_bit_for_bit(dtype):
    r = np.random.default_rng(5)
    xs = [tg.Tensor(r.standard_normal((2, 3, 9, 8)).astype(dtype)) for _ in range(4)]
    eager, _ = _steps(xs, False, dtype)
    jitted, f = _steps(xs, True, dtype)
    assert f.replays == len(xs) - 2
    assert jitted == eager
