"""F.conv_transpose1d/2d (one ConvTranspose2d op: conv2d's input gradient), F.unfold and F.fold
(the Unfold and Fold ops: conv2d's im2col and col2im), F.pixel_shuffle / pixel_unshuffle
(reshape and permute) and their nn modules. Values (1e-12) and gradients (1e-10) against
PyTorch in float64 when torch is installed; round trips, jit replay against eager and the
one-line refusals without it. (The op-table rows give each op its finite-difference and
float32 tests, the edge table its edge cases.)"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.ops import ConvTranspose2d as ConvTransposeOp

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch not installed (optional oracle)")
R = np.random.default_rng(5)


def _torch():
    import torch

    torch.set_num_threads(1)
    return torch


def against_torch(ours, theirs, arrays):
    """ours(*tensors) and theirs(*torch tensors) agree, and so do the gradients of every
    input under a random upstream gradient."""
    torch = _torch()
    ts = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    tts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = ours(*ts), theirs(*tts)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = R.standard_normal(out.shape)
    (out * Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    for i, (t, tt) in enumerate(zip(ts, tts)):
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"gradient of input {i}")
    return out


def one_line(excinfo, *words):
    msg = str(excinfo.value)
    assert "\n" not in msg, msg
    for w in words:
        assert w in msg, msg


# ---- conv_transpose2d / conv_transpose1d against torch ----------------------------------------
CT2 = [  # x shape, (C_out / groups, KH, KW), stride, padding, output_padding, groups, dilation,
    # bias
    ((2, 3, 4, 4), (2, 3, 3), 1, 0, 0, 1, 1, True),
    ((1, 2, 3, 5), (4, 2, 3), 2, 0, 1, 1, 1, True),  # output_padding > padding: zero rows
    ((2, 4, 3, 3), (1, 3, 3), 2, 1, 1, 2, 1, True),  # output_padding == padding
    ((3, 2, 2, 4), (3, 2, 3), (3, 2), (2, 1), (1, 0), 1, 1, False),  # padding > op, non-square
    ((1, 2, 4, 3), (2, 3, 2), 1, 1, 1, 1, 2, True),  # output_padding < dilation, stride 1
    ((2, 6, 3, 2), (2, 2, 2), (1, 3), (0, 2), (0, 2), 3, (2, 1), True),
    ((1, 1, 1, 1), (1, 1, 1), 1, 0, 0, 1, 1, True),  # 1x1 image and kernel
    ((2, 4, 3, 3), (3, 1, 1), 2, 0, 1, 4, 1, False),  # 1x1 kernel, depthwise-like groups
    ((1, 3, 5, 4), (2, 2, 2), 1, 2, 0, 1, 3, True),  # padding crops into the kernel's reach
    ((3, 5, 4), (2, 3, 2), 2, 1, 1, 1, 1, True),  # one image (C, H, W)
]


@needs_torch
@pytest.mark.parametrize("shape, wk, stride, padding, out_pad, groups, dilation, bias", CT2)
def test_conv_transpose2d_is_torchs(shape, wk, stride, padding, out_pad, groups, dilation, bias):
    torch = _torch()
    c_in = shape[-3]
    arrays = [R.standard_normal(shape), R.standard_normal((c_in,) + wk)]
    if bias:
        arrays.append(R.standard_normal(wk[0] * groups))
    out = against_torch(
        lambda *t: F.conv_transpose2d(*t, stride=stride, padding=padding,
                                      output_padding=out_pad, groups=groups, dilation=dilation),
        lambda *t: torch.nn.functional.conv_transpose2d(*t, stride=stride, padding=padding,
                                                        output_padding=out_pad, groups=groups,
                                                        dilation=dilation),
        arrays)
    assert ConvTransposeOp in _graph_ops(out)


CT1 = [  # x shape, (C_out / groups, K), stride, padding, output_padding, groups, dilation, bias
    ((2, 3, 5), (2, 3), 1, 0, 0, 1, 1, True),
    ((1, 4, 4), (3, 2), 3, 1, 2, 2, 1, True),
    ((2, 2, 6), (1, 4), 2, 2, 0, 2, 2, False),
    ((3, 4), (2, 3), (2,), (1,), (1,), 1, (1,), True),  # one sequence, torch's 1-tuples
    ((1, 1, 1), (1, 1), 1, 0, 0, 1, 1, True),
]


@needs_torch
@pytest.mark.parametrize("shape, wk, stride, padding, out_pad, groups, dilation, bias", CT1)
def test_conv_transpose1d_is_torchs(shape, wk, stride, padding, out_pad, groups, dilation, bias):
    torch = _torch()
    arrays = [R.standard_normal(shape), R.standard_normal((shape[-2],) + wk)]
    if bias:
        arrays.append(R.standard_normal(wk[0] * groups))
    against_torch(
        lambda *t: F.conv_transpose1d(*t, stride=stride, padding=padding,
                                      output_padding=out_pad, groups=groups, dilation=dilation),
        lambda *t: torch.nn.functional.conv_transpose1d(*t, stride=stride, padding=padding,
                                                        output_padding=out_pad, groups=groups,
                                                        dilation=dilation),
        arrays)


def _graph_ops(t):
    seen, stack, out = set(), [t], set()
    while stack:
        ctx = stack.pop()._ctx
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        out.add(type(ctx))
        stack.extend(ctx.parents)
    return out


def test_conv_transpose2d_is_the_input_gradient_of_conv2d():
    """<conv2d(y, w), x> = <y, conv_transpose2d(x, w)>: the adjoint, without torch. With
    stride 1, conv2d of the output_padding's longer image has extra outputs: x meets its first
    H x W."""
    for stride, padding, out_pad, dilation in ((2, 1, 1, 1), (1, 0, 1, 2), (3, 0, 2, 1)):
        x, w = R.standard_normal((2, 4, 3, 3)), R.standard_normal((4, 3, 2, 3))
        ct = F.conv_transpose2d(x, w, stride=stride, padding=padding, output_padding=out_pad,
                                dilation=dilation).data
        y = R.standard_normal(ct.shape)
        conv = F.conv2d(y, w, stride=stride, padding=padding, dilation=dilation).data
        assert conv.shape[2:] == x.shape[2:] or stride == 1
        conv = conv[:, :, :x.shape[2], :x.shape[3]]
        np.testing.assert_allclose((conv * x).sum(), (ct * y).sum(), rtol=1e-12)


def test_conv_transpose_keeps_float32_and_skips_unneeded_gradients():
    x = Tensor(R.standard_normal((2, 2, 3, 3)).astype(np.float32))
    w = Tensor(R.standard_normal((2, 3, 2, 2)).astype(np.float32), requires_grad=True)
    y = F.conv_transpose2d(x, w, stride=2)
    assert y.dtype == np.float32
    y.sum().backward()
    assert w.grad.dtype == np.float32 and x.grad is None


def _naive_conv_transpose2d(x, w, stride, dilation):
    """Every (input pixel, kernel offset) product added where it lands, nothing else: an inf
    weight reaches exactly the pixels its offset reaches (PyTorch's values)."""
    n, c_in, h, wd = x.shape
    _, c_out, kh, kw = w.shape
    y = np.zeros((n, c_out, (h - 1) * stride + dilation * (kh - 1) + 1,
                  (wd - 1) * stride + dilation * (kw - 1) + 1))
    for r in range(h):
        for c in range(wd):
            for i in range(kh):
                for j in range(kw):
                    y[:, :, r * stride + i * dilation, c * stride + j * dilation] += (
                        x[:, :, r, c] @ w[:, :, i, j])
    return y


@pytest.mark.parametrize("stride, dilation", [(1, 1), (1, 2), (2, 1)])
def test_a_non_finite_weight_gives_nan_and_inf_only_where_its_offset_reaches(stride, dilation):
    """The stride-1 path multiplies W by the zero columns that widen each row and added those
    products onto real pixels: 0 * inf put NaNs where torch's output is finite. The same path
    is conv2d's input gradient."""
    x = R.standard_normal((2, 2, 3, 4))
    for bad in (np.inf, -np.inf, np.nan):
        w = R.standard_normal((2, 3, 2, 3))
        w[1, 2, 0, 0] = bad
        with np.errstate(invalid="ignore"):
            got = F.conv_transpose2d(x, w, stride=stride, dilation=dilation).data
        np.testing.assert_allclose(got, _naive_conv_transpose2d(x, w, stride, dilation),
                                   rtol=1e-12, atol=1e-12)
        # conv2d's input gradient is the same transposed convolution of its upstream gradient
        xc = Tensor(R.standard_normal((2, 3) + got.shape[2:]), requires_grad=True)
        y = F.conv2d(xc, w, stride=stride, dilation=dilation)
        assert y.shape == x.shape
        with np.errstate(invalid="ignore"):
            (y * Tensor(x)).sum().backward()
        np.testing.assert_allclose(xc.grad, _naive_conv_transpose2d(x, w, stride, dilation),
                                   rtol=1e-12, atol=1e-12)


def test_a_conv_transpose_op_run_again_never_reads_stale_work_arrays():
    """jit replay runs one op object every step and reuses its work arrays: the same object
    run with another geometry of the same array sizes must not reuse stale ones."""
    x, w = R.standard_normal((2, 3, 4, 4)), R.standard_normal((3, 2, 3, 3))
    op = ConvTransposeOp()
    op.needs_input_grad = [True, True]
    for pad, opad in (((1, 1), (0, 0)), ((1, 1), (1, 1)), ((1, 1), (0, 0))):
        out = op.forward(x, w, stride=(2, 2), padding=pad, output_padding=opad)
        g = R.standard_normal(out.shape)
        got = op.backward(g)
        fresh = ConvTransposeOp()
        fresh.needs_input_grad = [True, True]
        np.testing.assert_array_equal(out, fresh.forward(x, w, stride=(2, 2), padding=pad,
                                                         output_padding=opad))
        for a, b in zip(got, fresh.backward(g)):
            np.testing.assert_array_equal(a, b)


# ---- unfold and fold ------------------------------------------------------------------------
PATCHES = [  # image shape, kernel_size, dilation, padding, stride
    ((2, 3, 5, 6), 2, 1, 0, 1),
    ((1, 2, 6, 5), (2, 3), 1, 1, 2),
    ((2, 1, 7, 7), 3, 2, (1, 2), (2, 1)),
    ((1, 2, 4, 4), (4, 1), 1, 0, (1, 3)),
    ((3, 4, 4), 2, 1, 1, 2),  # one image (C, H, W)
]


@needs_torch
@pytest.mark.parametrize("shape, k, d, p, s", PATCHES)
def test_unfold_and_fold_are_torchs(shape, k, d, p, s):
    torch = _torch()
    tf = torch.nn.functional
    cols = against_torch(lambda x: F.unfold(x, k, d, p, s), lambda x: tf.unfold(x, k, d, p, s),
                         [R.standard_normal(shape)])
    size = shape[-2:]
    against_torch(lambda c: F.fold(c, size, k, d, p, s), lambda c: tf.fold(c, size, k, d, p, s),
                  [R.standard_normal(cols.shape)])
    # fold(unfold(x)): each pixel times the number of blocks that read it, as torch's
    against_torch(lambda x: F.fold(F.unfold(x, k, d, p, s), size, k, d, p, s),
                  lambda x: tf.fold(tf.unfold(x, k, d, p, s), size, k, d, p, s),
                  [R.standard_normal(shape)])
    against_torch(lambda x: nn.Fold(size, k, d, p, s)(nn.Unfold(k, d, p, s)(x)),
                  lambda x: torch.nn.Fold(size, k, d, p, s)(torch.nn.Unfold(k, d, p, s)(x)),
                  [R.standard_normal(shape)])


def test_fold_of_unfold_counts_the_blocks_over_each_pixel():
    """Non-overlapping blocks tiling the image: fold(unfold(x)) is x; overlapping ones: x
    times how many blocks cover each pixel (fold(unfold(ones)))."""
    x = R.standard_normal((2, 3, 4, 6))
    np.testing.assert_array_equal(F.fold(F.unfold(x, 2, stride=2), (4, 6), 2, stride=2).data, x)
    count = F.fold(F.unfold(np.ones((1, 1, 4, 6)), 3), (4, 6), 3).data
    assert count[0, 0, 0, 0] == 1 and count[0, 0, 1, 2] == 6 and count.max() == 6
    np.testing.assert_allclose(F.fold(F.unfold(x, 3), (4, 6), 3).data, x * count, rtol=1e-12)


# ---- pixel_shuffle / pixel_unshuffle ---------------------------------------------------------
@pytest.mark.parametrize("shape, r", [((2, 8, 3, 2), 2), ((1, 9, 2, 2), 3), ((4, 3, 3), 1),
                                      ((2, 1, 4, 1, 3), 2)])
def test_pixel_shuffle_round_trips_exactly(shape, r):
    x = R.standard_normal(shape)
    up = F.pixel_shuffle(x, r)
    assert up.shape == shape[:-3] + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    np.testing.assert_array_equal(F.pixel_unshuffle(up, r).data, x)
    np.testing.assert_array_equal(nn.PixelShuffle(r)(nn.PixelUnshuffle(r)(up)).data, up.data)


@needs_torch
@pytest.mark.parametrize("shape, r", [((2, 8, 3, 2), 2), ((1, 9, 2, 2), 3), ((8, 1, 2), 2),
                                      ((2, 1, 4, 1, 3), 2)])
def test_pixel_shuffle_and_unshuffle_are_torchs(shape, r):
    torch = _torch()
    against_torch(lambda x: F.pixel_shuffle(x, r),
                  lambda x: torch.nn.functional.pixel_shuffle(x, r), [R.standard_normal(shape)])
    up = shape[:-3] + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    against_torch(lambda x: nn.PixelUnshuffle(r)(x), lambda x: torch.nn.PixelUnshuffle(r)(x),
                  [R.standard_normal(up)])
    assert repr(nn.PixelShuffle(r)) == repr(torch.nn.PixelShuffle(r))
    assert repr(nn.PixelUnshuffle(r)) == repr(torch.nn.PixelUnshuffle(r))


@pytest.mark.parametrize("fn, shape, r", [
    (F.pixel_shuffle, (1, 2, 3, 3), 1), (F.pixel_unshuffle, (1, 2, 3, 3), 1),
    (F.pixel_shuffle, (2, 8, 1, 1), 2),  # one pixel per channel: the permute moves nothing
    (F.pixel_unshuffle, (2, 1, 2, 2), 2), (F.pixel_shuffle, (2, 8, 3, 2), 2)])
def test_pixel_shuffle_never_returns_a_view_of_its_input(fn, shape, r):
    """torch's result is always new memory; where the permute moved nothing, the reshapes here
    gave a view of the input, so writing into the result changed the input."""
    x = Tensor(R.standard_normal(shape))
    before = x.data.copy()
    y = fn(x, r)
    y.add_(1.0)
    np.testing.assert_array_equal(x.data, before)
    np.testing.assert_array_equal(fn(x, r).data + 1.0, y.data)


# ---- the modules ------------------------------------------------------------------------------
MODULES = [  # dims, c_in, c_out, kernel_size, stride, padding, output_padding, groups, bias,
    # dilation, input shape
    (2, 3, 4, 3, 2, 1, 1, 1, True, 1, (2, 3, 4, 4)),
    (2, 4, 6, (2, 3), (1, 2), (0, 1), (0, 1), 2, False, (2, 1), (1, 4, 3, 5)),
    (2, 2, 2, 1, 1, 0, 0, 2, True, 1, (2, 3, 3)),
    (1, 4, 2, 3, 2, 1, 1, 2, True, 1, (2, 4, 5)),
    (1, 2, 3, (2,), (3,), (0,), (2,), 1, False, (2,), (2, 6)),
]


@needs_torch
@pytest.mark.parametrize("dims, c_in, c_out, k, s, p, op, groups, bias, d, shape", MODULES)
def test_conv_transpose_modules_load_torchs_state_dict(dims, c_in, c_out, k, s, p, op, groups,
                                                       bias, d, shape):
    torch = _torch()
    name = f"ConvTranspose{dims}d"
    theirs = getattr(torch.nn, name)(c_in, c_out, k, s, p, op, groups, bias, d,
                                     dtype=torch.float64)
    ours = getattr(nn, name)(c_in, c_out, k, s, p, op, groups, bias, d)
    sd = {key: v.numpy() for key, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(sd) == (["weight", "bias"] if bias else ["weight"])
    ours.load_state_dict(sd)  # PyTorch's keys and shapes, as they are
    assert repr(ours) == repr(theirs)
    x = R.standard_normal(shape)
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


@needs_torch
@pytest.mark.parametrize("size", [(7, 7), (8, 8), (8, 7), [2, 3, 7, 8]])
def test_conv_transpose2d_output_size_picks_torchs_output_padding(size):
    torch = _torch()
    theirs = torch.nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, dtype=torch.float64)
    ours = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = R.standard_normal((2, 4, 4, 4))
    want = theirs(torch.tensor(x), output_size=size).detach().numpy()
    got = ours(x, output_size=size)
    assert got.shape == want.shape == (2, 3) + tuple(size)[-2:]
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)


def test_conv_transpose_module_init_is_torchs_uniform_over_its_fan_in():
    m = nn.ConvTranspose2d(8, 12, (3, 2), groups=2, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(12 // 2 * 3 * 2)  # PyTorch's fan-in of (C_in, C_out/groups, KH, KW)
    assert m.weight.shape == (8, 6, 3, 2) and m.bias.shape == (12,)
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.bias.data).max() <= bound
    assert m.weight.data.std() > 0.8 * bound / np.sqrt(3)  # U(-a, a) has std a / sqrt(3)
    assert np.abs(m.bias.data).max() > bound / 4  # drawn, not zeros
    he = nn.ConvTranspose1d(4, 4, 3, init="he", rng=np.random.default_rng(0))
    assert not he.bias.data.any() and he.weight.shape == (4, 4, 3)
    assert nn.ConvTranspose2d(2, 2, 3, dtype=np.float32).weight.dtype == np.float32


def test_conv_transpose_modules_refuse_bad_arguments_in_one_line():
    with pytest.raises(ValueError) as e:
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    one_line(e, "ConvTranspose2d: padding_mode='reflect'")
    with pytest.raises(ValueError) as e:
        nn.ConvTranspose2d(3, 4, 3, groups=2)
    one_line(e, "ConvTranspose2d: in_channels must be a positive multiple of groups=2")
    with pytest.raises(ValueError) as e:
        nn.ConvTranspose1d(2, 2, (3, 3))
    one_line(e, "ConvTranspose1d: kernel_size")
    m = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    with pytest.raises(ValueError) as e:
        m(np.ones((1, 4, 4, 4)), output_size=(10, 10))
    one_line(e, "ConvTranspose2d", "output size of (10, 10)", "(7, 7) to (8, 8)")
    with pytest.raises(ValueError) as e:
        m(np.ones((1, 4, 4, 4)), output_size=(8, 8, 8))
    one_line(e, "ConvTranspose2d", "output_size must have 2 or 4")
    with pytest.raises(ValueError) as e:
        m(np.ones((1, 3, 4, 4)))
    one_line(e, "conv_transpose2d", "(1, 3, 4, 4)", "(4, 3, 3, 3)")
    with pytest.raises(ValueError) as e:
        nn.ConvTranspose2d(2, 2, 3, stride=1, output_padding=1)(np.ones((1, 2, 3, 3)))
    one_line(e, "conv_transpose2d: output_padding (1, 1) must be smaller than either stride")


def test_functions_refuse_bad_shapes_in_one_line_naming_themselves():
    cases = [
        (lambda: F.conv_transpose2d(np.ones((1, 3, 2, 2)), np.ones((3, 1, 2, 2)), groups=2),
         "conv_transpose2d: groups=2 does not divide the 3 input channels"),
        (lambda: F.conv_transpose1d(np.ones((1, 2, 3)), np.ones((2, 1, 2, 2))),
         "conv_transpose1d expects input (N, C_in, L)"),
        (lambda: F.conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), dilation=0),
         "conv_transpose2d: dilation must be an integer >= 1"),
        (lambda: F.unfold(np.ones((1, 1, 2, 2)), 2, padding=-1),
         "unfold: padding must be an integer >= 0"),
        (lambda: F.fold(np.ones((1, 4, 3)), (3, 3), 2),
         "fold: input (1, 4, 3) has 3 blocks, but output_size (3, 3)"),
        (lambda: F.pixel_unshuffle(np.ones((1, 1, 4, 3)), 2),
         "pixel_unshuffle: the input (1, 1, 4, 3)'s height and width"),
    ]
    for call, words in cases:
        with pytest.raises(ValueError) as e:
            call()
        one_line(e, words)


# ---- jit replay of a step with them equals eager ------------------------------------------
def _train(use_jit):
    """Four SGD steps through ConvTranspose2d (strided, output_padding past the padding), a
    stride-1 dilated conv_transpose2d (the flat-shift path), unfold/fold and pixel_shuffle."""
    rng = np.random.default_rng(0)
    up = nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1, rng=rng)
    w2 = Tensor(rng.standard_normal((4, 2, 2, 2)) * 0.3, requires_grad=True)
    params = [*up.parameters(), w2]

    def step(x, t):
        y = F.relu(up(x))  # (N, 4, 8, 8)
        y = F.conv_transpose2d(y, w2, padding=1, dilation=2, output_padding=1)  # (N, 2, 9, 9)
        y = F.fold(F.unfold(y, 3, padding=1), (9, 9), 3, padding=1)
        z = F.pixel_shuffle(y[:, :, :8, :8].reshape(-1, 8, 4, 4), 2)
        loss = ((z - t) ** 2).mean()
        loss.backward()
        return loss

    f = jit(step, strict=True) if use_jit else step
    data = np.random.default_rng(1)
    losses = []
    for _ in range(5):
        x, t = data.standard_normal((3, 3, 3, 3)), data.standard_normal((3, 2, 8, 8))
        for p in params:
            p.grad = None
        loss = f(x, t)
        losses.append(loss.data.copy())
        for p in params:
            p.data -= 0.05 * p.grad
    return losses, [p.data.copy() for p in params], f


def test_jit_replay_of_a_conv_transpose_step_is_bit_identical_to_eager():
    losses, params, _ = _train(False)
    losses_j, params_j, f = _train(True)
    assert f.replays >= 2
    for a, b in zip(losses, losses_j):
        assert np.array_equal(a, b)
    for a, b in zip(params, params_j):
        assert np.array_equal(a, b)
