"""conv2d, max_pool2d, avg_pool2d with every option (groups, dilation, per-axis stride, per-side
padding, non-square kernels): forward against direct loop implementations, gradients against
finite differences in float64 (hypothesis), against PyTorch when installed; the layouts the fast
paths produce and accept; the layers; the argument errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.testing import arrays, check_float32, check_grad, distinct_arrays

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch not installed (optional oracle)")


def _torch():
    """torch, on one thread: its thread pool on a busy shared machine makes each tiny call
    take ~0.3 s instead of ~0.3 ms."""
    import torch

    torch.set_num_threads(1)
    return torch


# ---- the definitions, one output element at a time -----------------------------------------
def conv_loop(x, w, b, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    (sh, sw), (dh, dw) = stride, dilation
    xp = np.pad(x, ((0, 0), (0, 0), *pads))
    n, _, hp, wp = xp.shape
    f, cg, kh, kw = w.shape
    oh, ow = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, f, oh, ow))
    for o in range(f):
        g = o // (f // groups)  # filter o sees only its group's channels
        xs = xp[:, g * cg:(g + 1) * cg]
        for r in range(oh):
            for s in range(ow):
                patch = xs[:, :, r * sh:r * sh + dh * (kh - 1) + 1:dh,
                           s * sw:s * sw + dw * (kw - 1) + 1:dw]
                out[:, o, r, s] = (patch * w[o]).sum(axis=(1, 2, 3)) + (0 if b is None else b[o])
    return out


def pool_loop(x, kernel, stride, reduce, padding=(0, 0), fill=0.0):
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n, c, oh, ow))
    for r in range(oh):
        for s in range(ow):
            out[:, :, r, s] = reduce(x[:, :, r * sh:r * sh + kh, s * sw:s * sw + kw],
                                     axis=(2, 3))
    return out


def channel_major(a):
    """The same values laid out (C, N, H, W) in memory: how our conv's outputs are stored."""
    return np.ascontiguousarray(a.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)


# ---- strategies: every option, in each of its spellings ----------------------------------------
def pair(lo, hi):
    return st.tuples(st.integers(lo, hi), st.integers(lo, hi))


@st.composite
def conv_case(draw):
    """(x, w, b, kwargs for F.conv2d, the same options spelled out for conv_loop)."""
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    kh, kw = draw(pair(1, 3))
    stride, dilation = draw(pair(1, 2)), draw(pair(1, 2))
    pads = draw(st.tuples(pair(0, 2), pair(0, 2)))
    spelling = draw(st.sampled_from(["int", "pair", "sides"]))
    if spelling == "int":
        pads = ((pads[0][0],) * 2, (pads[0][0],) * 2)
        padding = pads[0][0]
    elif spelling == "pair":
        pads = ((pads[0][0],) * 2, (pads[1][0],) * 2)
        padding = (pads[0][0], pads[1][0])
    else:
        padding = pads
    n, c, f = draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)), \
        groups * draw(st.integers(1, 2))
    ekh, ekw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1  # the kernel's extent
    h = draw(st.integers(max(1, ekh - sum(pads[0])), 6))
    w = draw(st.integers(max(1, ekw - sum(pads[1])), 6))
    # conv2d refuses padding beyond the input's and the kernel's sides (it would only add zeros
    # to allocate): such a draw is no case (a (1, 1) input and kernel drew padding 2)
    assume(max(max(p) for p in pads) <= max(h, w, kh, kw))
    x, wt = draw(arrays((n, c, h, w))), draw(arrays((f, c // groups, kh, kw)))
    b = draw(arrays((f,))) if draw(st.booleans()) else None
    # the spellings: ints where both axes agree (PyTorch's habit), pairs otherwise
    kwargs = dict(stride=stride[0] if stride[0] == stride[1] else stride,
                  padding=padding, dilation=dilation, groups=groups)
    return x, wt, b, kwargs, dict(stride=stride, pads=pads, dilation=dilation, groups=groups)


@pytest.mark.slow
@given(conv_case())
def test_conv2d_matches_the_loop_and_finite_differences(case):
    x, w, b, kwargs, spelled = case
    ref = conv_loop(x, w, b, **spelled)
    if b is None:
        out = check_grad(lambda a, k: F.conv2d(a, k, **kwargs), x, w)
    else:
        out = check_grad(lambda a, k, c: F.conv2d(a, k, c, **kwargs), x, w, b)
    np.testing.assert_allclose(out.data, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.slow
@needs_torch
@given(conv_case())
def test_conv2d_matches_torch(case):
    torch = _torch()
    x, w, b, kwargs, spelled = case
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    (t, bo), (left, right) = spelled["pads"]
    # PyTorch's conv2d pads both sides alike: per-side padding is F.pad first
    tpad = torch.nn.functional.pad(tx, (left, right, t, bo))
    tout = torch.nn.functional.conv2d(tpad, tw, tb, stride=spelled["stride"],
                                      dilation=spelled["dilation"], groups=spelled["groups"])
    G = np.random.default_rng(0).standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(G))
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    B = None if b is None else Tensor(b, requires_grad=True)
    out = F.conv2d(X, W, B, **kwargs)
    out.backward(G)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    pairs = [(X, tx), (W, tw)] + ([] if b is None else [(B, tb)])
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@st.composite
def pool_case(draw, values=distinct_arrays):
    kernel, stride = draw(pair(1, 3)), draw(st.one_of(st.none(), pair(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h = draw(st.integers(max(1, kernel[0] - 2 * padding[0]), 7))
    w = draw(st.integers(max(1, kernel[1] - 2 * padding[1]), 7))
    x = draw(values((n, c, h, w)))
    if draw(st.booleans()):
        x = channel_major(x)
    return x, kernel, stride, padding


def spell(p):
    """A pair as PyTorch users write it: an int when both axes agree."""
    return p if p is None or p[0] != p[1] else p[0]


@pytest.mark.slow
@given(pool_case())
def test_max_pool2d(case):
    x, kernel, stride, padding = case  # distinct values: no ties, so the max is differentiable
    out = check_grad(lambda a: F.max_pool2d(a, spell(kernel), spell(stride), spell(padding)), x)
    ref = pool_loop(x, kernel, stride or kernel, np.max, padding, -np.inf)
    np.testing.assert_array_equal(out.data, ref)


@pytest.mark.slow
@given(pool_case(arrays))
def test_avg_pool2d(case):
    x, kernel, stride, padding = case
    out = check_grad(lambda a: F.avg_pool2d(a, spell(kernel), spell(stride), spell(padding)), x)
    np.testing.assert_allclose(out.data, pool_loop(x, kernel, stride or kernel, np.mean, padding),
                               rtol=1e-12)


@pytest.mark.slow
@needs_torch
@given(pool_case(), st.booleans())
def test_pools_match_torch(case, use_max):
    torch = _torch()
    x, kernel, stride, padding = case
    tx = torch.tensor(np.ascontiguousarray(x), requires_grad=True)
    tfn = torch.nn.functional.max_pool2d if use_max else torch.nn.functional.avg_pool2d
    tout = tfn(tx, kernel, stride, padding)
    G = np.random.default_rng(1).standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(G))
    X = Tensor(x, requires_grad=True)
    out = (F.max_pool2d if use_max else F.avg_pool2d)(X, kernel, stride, padding)
    out.backward(G)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


# ---- the fast paths' layouts and guards -------------------------------------------------------
def test_conv_output_layout_and_channel_major_inputs_give_the_same_numbers():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((3, 4, 6, 5)), rng.standard_normal((6, 2, 3, 3)), \
        rng.standard_normal(6)
    G = rng.standard_normal((3, 6, 6, 5))
    results = []
    for xa, Ga in ((x, G), (channel_major(x), channel_major(G)), (x[:, :, ::1], G.copy())):
        X, W, B = Tensor(xa, requires_grad=True), Tensor(w, requires_grad=True), \
            Tensor(b, requires_grad=True)
        out = F.conv2d(X, W, B, padding=1, groups=2)
        out.backward(Ga)
        results.append((out.data, X.grad, W.grad, B.grad))
    for other in results[1:]:
        for a, o in zip(results[0], other):
            np.testing.assert_array_equal(a, o)
    np.testing.assert_allclose(results[0][0], conv_loop(x, w, b, pads=((1, 1), (1, 1)), groups=2),
                               rtol=1e-12)


def test_max_pool_ties_go_to_the_first_maximum_and_overlaps_accumulate():
    x = Tensor(np.zeros((1, 1, 2, 3)), requires_grad=True)
    F.max_pool2d(x, 2, stride=1).sum().backward()  # two windows, every value tied at 0
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 1, 0], [0, 0, 0]])
    x = Tensor(np.array([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 3.0, 3.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()  # the non-overlapping fast path: first max per window
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 1, 1, 0], [0, 0, 0, 0]])


@pytest.mark.parametrize("kernel", [(2, 2), (2, 3), (3, 1), (1, 2)])
def test_pool_fast_path_agrees_with_the_general_path_on_ties_and_nan(kernel):
    """Windows that tile x take the separable fast path (x contiguous in NCHW or channel-
    major); a strided view of the same values takes the general one. Ties everywhere (values
    0..2, as after a ReLU) and NaNs: the same outputs and the same chosen maxima, bit for bit."""
    rng = np.random.default_rng(7)
    x = rng.integers(0, 3, (3, 2, 6, 6)).astype(np.float64)
    x[0, 0, :2, :3] = np.nan
    x[1, 1, 2, 2] = np.nan
    G = rng.standard_normal((3, 2, 6 // kernel[0], 6 // kernel[1]))
    general = np.pad(x, ((0, 0), (0, 0), (0, 0), (0, 1)))[..., :6]  # not contiguous
    for pool in (F.max_pool2d, F.avg_pool2d):
        results = []
        for xa, fast in ((general, False), (x, True), (channel_major(x), True)):
            X = Tensor(xa, requires_grad=True)
            out = pool(X, kernel)
            assert out._ctx.fast is fast
            out.backward(G)
            results.append((out.data, X.grad))
        for out, grad in results[1:]:
            np.testing.assert_allclose(out, results[0][0], rtol=1e-15)
            np.testing.assert_allclose(grad, results[0][1], rtol=1e-15)
        if HAS_TORCH:
            torch = _torch()
            tx = torch.tensor(x, requires_grad=True)
            tout = getattr(torch.nn.functional, pool.__name__)(tx, kernel)
            tout.backward(torch.tensor(G))
            np.testing.assert_allclose(results[1][0], tout.detach().numpy(), rtol=1e-15)
            np.testing.assert_allclose(results[1][1], tx.grad.numpy(), rtol=1e-15)


def test_max_pool_nan_propagates_and_takes_the_gradient_as_in_torch():
    x = np.arange(32, dtype=np.float64).reshape(1, 2, 4, 4)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan  # two NaNs in one window: the last one (torch's)
    x[0, 1, 3, 3] = np.nan
    for kernel, stride in ((2, 2), (3, 1)):
        X = Tensor(x, requires_grad=True)
        out = F.max_pool2d(X, kernel, stride)
        out.backward(np.ones(out.shape))
        nan_windows = np.isnan(out.data)
        assert nan_windows[0, 0, 0, 0] and nan_windows[0, 1, -1, -1]
        if kernel == 2:
            assert X.grad[0, 0, 1, 0] == 1 and X.grad[0, 0, 0, 1] == 0
        if HAS_TORCH:
            torch = _torch()
            tx = torch.tensor(x, requires_grad=True)
            tout = torch.nn.functional.max_pool2d(tx, kernel, stride)
            tout.backward(torch.ones_like(tout))
            np.testing.assert_array_equal(out.data, tout.detach().numpy())
            np.testing.assert_array_equal(X.grad, tx.grad.numpy())


def test_float32_stays_float32_with_every_option():
    rng = np.random.default_rng(4)
    x, w, b = rng.uniform(-1, 1, (2, 4, 7, 6)), rng.uniform(-1, 1, (4, 2, 2, 3)), \
        rng.uniform(-1, 1, 4)
    check_float32(lambda a, k, c: F.conv2d(a, k, c, stride=(2, 1), padding=((1, 0), (2, 1)),
                                           dilation=(1, 2), groups=2), x, w, b)
    check_float32(lambda a: F.max_pool2d(a, (2, 3), (1, 2), (1, 1)), x)
    check_float32(lambda a: F.avg_pool2d(a, (3, 2), 2, (1, 0)), x)
    out = F.conv2d(Tensor(x.astype(np.float32)), Tensor(w.astype(np.float32)),
                   Tensor(b), groups=2)  # a float64 bias does not promote the output
    assert out.dtype == np.float32


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_same_and_valid_padding_match_torch_spelling():
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((1, 2, 5, 6)), rng.standard_normal((3, 2, 2, 4))
    same = F.conv2d(x, w, padding="same", dilation=(2, 1))
    assert same.shape == (1, 3, 5, 6)
    # PyTorch's split: total d (k - 1); the odd pixel goes to the bottom / right
    np.testing.assert_allclose(same.data, conv_loop(x, w, None, pads=((1, 1), (1, 2)),
                                                    dilation=(2, 1)), rtol=1e-12)
    np.testing.assert_array_equal(F.conv2d(x, w, padding="valid").data, F.conv2d(x, w).data)
    if HAS_TORCH:
        torch = _torch()
        ref = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding="same",
                                         dilation=(2, 1))
        np.testing.assert_allclose(same.data, ref.numpy(), rtol=1e-12, atol=1e-12)


# ---- errors: one line, naming the op and the fix -----------------------------------------------
def test_conv_errors_are_one_line_and_name_the_shapes():
    x = Tensor(np.ones((1, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"conv2d expects .* got x \(1, 3, 4, 4\) and w"):
        F.conv2d(x, Tensor(np.ones((2, 2, 3, 3))))
    with pytest.raises(ValueError, match="kernel 5 is larger"):
        F.conv2d(x, Tensor(np.ones((2, 3, 5, 5))))
    with pytest.raises(ValueError, match="kernel 5 is larger"):  # a dilated 3x3 spans 5
        F.conv2d(x, Tensor(np.ones((2, 3, 3, 3))), dilation=2)
    with pytest.raises(ValueError, match="conv2d: stride must be an integer >= 1"):
        F.conv2d(x, Tensor(np.ones((2, 3, 3, 3))), stride=0)
    with pytest.raises(ValueError, match=r"conv2d: stride must be an integer or a pair"):
        F.conv2d(x, Tensor(np.ones((2, 3, 3, 3))), stride=(1, 1, 1))
    with pytest.raises(ValueError, match=r"w \(F, C / groups=2, KH, KW\)"):
        F.conv2d(x, Tensor(np.ones((2, 3, 3, 3))), groups=2)
    with pytest.raises(ValueError, match="3 filters do not split into 3 groups|do not split"):
        F.conv2d(Tensor(np.ones((1, 3, 4, 4))), Tensor(np.ones((4, 1, 3, 3))), groups=3)
    with pytest.raises(ValueError, match=r"is ambiguous: write \(\(top, bottom\), \(left, right"
                                         r"\)\) .* is \(\(3, 4\), \(1, 2\)\)"):
        F.conv2d(x, Tensor(np.ones((2, 3, 3, 3))), padding=(1, 2, 3, 4))
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        F.conv2d(x, Tensor(np.ones((2, 3, 3, 3))), padding="same", stride=2)
    with pytest.raises(ValueError, match="padding must be 'valid', 'same'"):
        F.conv2d(x, Tensor(np.ones((2, 3, 3, 3))), padding="full")
    with pytest.raises(ValueError, match=r"max_pool2d expects x \(N, C, H, W\)"):
        F.max_pool2d(Tensor(np.ones((4, 4))))


def test_pool_arguments_are_checked():
    x = Tensor(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"max_pool2d: padding must be at most kernel // 2 = 1"):
        F.max_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match=r"at most kernel // 2 = \(1, 0\) .* got \(0, 1\)"):
        F.max_pool2d(x, (3, 1), padding=(0, 1))
    with pytest.raises(ValueError, match="avg_pool2d: padding must be an integer >= 0"):
        F.avg_pool2d(x, 2, padding=-1)
    with pytest.raises(ValueError, match="give kernel or kernel_size"):
        F.max_pool2d(x, 2, kernel_size=2)
    with pytest.raises(ValueError, match="kernel 5 is larger"):
        F.avg_pool2d(x, (5, 1))
    assert F.max_pool2d(x, kernel_size=(2, 1)).shape == (1, 1, 2, 4)
    assert "padding=1" in repr(nn.MaxPool2d(3, 1, padding=1))


# ---- the layers -------------------------------------------------------------------------------
def test_layers_build_a_convnet_with_named_parameters():
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(4 * 4 * 4, 10, rng=rng))
    x = Tensor(rng.standard_normal((2, 3, 8, 8)))
    out = net(x)
    assert out.shape == (2, 10)
    assert [n for n, _ in net.named_parameters()] == ["0.W", "0.b", "4.W", "4.b"]
    out.sum().backward()
    assert net[0].W.grad.shape == (4, 3, 3, 3) and "kernel_size=(3, 3)" in repr(net)


def test_conv_and_pool_layers_take_pytorchs_arguments():
    rng = np.random.default_rng(6)
    conv = nn.Conv2d(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=(2, 1),
                     padding=(1, 0), dilation=(1, 2), groups=2, bias=False, rng=rng)
    assert conv.weight is conv.W and conv.bias is None and conv.W.shape == (6, 2, 3, 2)
    assert [n for n, _ in conv.named_parameters()] == ["W"]
    assert repr(conv) == ("Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), "
                          "dilation=(1, 2), groups=2, bias=False)")  # PyTorch's, word for word
    x = rng.standard_normal((2, 4, 7, 6))
    np.testing.assert_allclose(conv(Tensor(x)).data, conv_loop(
        x, conv.W.data, None, (2, 1), ((1, 1), (0, 0)), (1, 2), 2), rtol=1e-12)
    pool = nn.AvgPool2d(kernel_size=(1, 2))
    np.testing.assert_allclose(pool(Tensor(x)).data, pool_loop(x, (1, 2), (1, 2), np.mean),
                               rtol=1e-12)
    assert "AvgPool2d(kernel=(1, 2), stride=(1, 2))" in repr(pool)
    with pytest.raises(ValueError, match="Conv2d: in_channels must be a positive multiple of "
                                         "groups=2, got 3"):
        nn.Conv2d(3, 4, 3, groups=2)


@pytest.mark.parametrize("init,gain", [("he", 2.0), ("xavier", 1.0)])
@pytest.mark.parametrize("groups", [1, 4, 16])
def test_conv_init_std_counts_the_fan_in_of_one_group(init, gain, groups):
    """He/Xavier's fan-in is what one output channel sees: in_channels / groups * kh * kw (as
    PyTorch's kaiming init computes it from the weight's shape), not in_channels * kh * kw."""
    conv = nn.Conv2d(16, 128, 3, groups=groups, init=init, rng=np.random.default_rng(2))
    W = conv.W.data
    fan_in = 16 // groups * 3 * 3
    assert W.shape == (128, 16 // groups, 3, 3) and W[0].size == fan_in
    expected = np.sqrt(gain / fan_in)
    # >= 4608 draws: the sample std is within ~1% (3 sigma ~ 3%); the wrong fan-in is off by
    # a factor sqrt(groups)
    assert abs(W.std() / expected - 1) < 0.05, (W.std(), expected)
    assert abs(W.mean()) < 0.05 * expected


def test_an_op_object_run_again_never_reads_stale_work_arrays():
    """jit replay runs one Conv2d object every step, reusing its zero-bordered work arrays.
    The same object run with another geometry of the very same array sizes (the padding moved
    from one side to the other) must not reuse them: the stale pixels would sit where the new
    padding expects zeros."""
    from tinygrad_dl.ops import Conv2d

    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((4, 3, 3, 3))
    op = Conv2d()
    op.needs_input_grad = [True, True]
    for pads in (((1, 1), (1, 1)), ((2, 0), (0, 2)), ((1, 1), (1, 1))):
        out = op.forward(x, w, padding=pads)
        np.testing.assert_allclose(out, conv_loop(x, w, None, pads=pads), rtol=1e-12)
        G = rng.standard_normal(out.shape)
        dx, dw = op.backward(G)
        fresh = Conv2d()
        fresh.needs_input_grad = [True, True]
        fresh.forward(x, w, padding=pads)
        for a, b in zip((dx, dw), fresh.backward(G)):
            np.testing.assert_array_equal(a, b)
