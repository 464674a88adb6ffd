"""The convolution / pooling / resampling family reviewed against torch 2.13 (values rtol 1e-12,
gradients 1e-10, float64). Each test failed before its fix:
- F.conv2d and nn.Conv2d refused an unbatched (C, H, W) input that torch takes (conv1d,
  conv_transpose1d/2d and the pools took theirs);
- F.interpolate's 2-D "nearest" with a scale_factor read out == in and out == 2 in through the
  scale (width 2 by 2.25: sources [0, 0, 0, 1]) where torch's 2-D kernel reads them as i and
  i // 2 ([0, 0, 1, 1]): another picture without a word;
- "linear"/"bilinear" of an integer input cast the weights to the integer type (0 or 1): a
  silently wrong picture (torch refuses);
- recompute_scale_factor=True with an explicit size was accepted (torch raises)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _same(ours: Tensor, ref, xs: list[Tensor], txs: list) -> None:
    np.testing.assert_allclose(ours.data, ref.detach().numpy(), rtol=1e-12, atol=1e-13)
    g = np.random.default_rng(0).standard_normal(tuple(ref.shape))
    ours.backward(g)
    ref.backward(torch.tensor(g))
    for x, tx in zip(xs, txs):
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("padding, stride, groups", [(0, 1, 1), (1, 2, 2), ("same", 1, 4),
                                                     ((2, 0), (1, 2), 1), ("valid", 1, 2)])
def test_conv2d_takes_an_unbatched_input_as_torch(padding, stride, groups):
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((4, 5, 6)), rng.standard_normal((4, 4 // groups, 3, 2)), \
        rng.standard_normal(4)
    ts = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    rs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.conv2d(*ts, stride=stride, padding=padding, groups=groups)
    ref = TF.conv2d(*rs, stride=stride, padding=padding, groups=groups)
    assert tuple(out.shape) == tuple(ref.shape)
    _same(out, ref, ts, rs)


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv2d_module_takes_an_unbatched_input_as_torch(padding_mode):
    tm = torch.nn.Conv2d(2, 3, 3, padding=1, padding_mode=padding_mode, dtype=torch.float64)
    m = nn.Conv2d(2, 3, 3, padding=1, padding_mode=padding_mode)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((2, 4, 5))
    ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    _same(m(ox), tm(tx), [ox], [tx])


@pytest.mark.parametrize("shape, scale", [((1, 2, 1, 2), (1.0, 2.25)), ((2, 1, 2, 2), 2.25),
                                          ((1, 1, 3, 3), 2.05), ((1, 2, 4, 5), 1.1),
                                          ((1, 1, 3, 4), (1.3, 2.05)), ((1, 1, 5, 2), 0.7)])
def test_nearest_2d_reads_same_and_double_sizes_as_torch(shape, scale):
    x = np.random.default_rng(3).standard_normal(shape)
    ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = F.interpolate(ox, scale_factor=scale), TF.interpolate(tx, scale_factor=scale)
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    _same(out, ref, [ox], [tx])
    # the 1-D kernel has no such shortcut: the scale's rule there
    x1 = x.reshape(shape[0], shape[1], -1)
    s1 = scale if isinstance(scale, float) else scale[1]
    np.testing.assert_array_equal(F.interpolate(Tensor(x1), scale_factor=s1).data,
                                  TF.interpolate(torch.tensor(x1), scale_factor=s1).numpy())


@pytest.mark.parametrize("mode, shape", [("bilinear", (1, 1, 2, 4)), ("linear", (1, 1, 4))])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_linear_interpolation_of_integers_refuses(mode, shape, dtype):
    x = Tensor((np.arange(np.prod(shape)).reshape(shape) * 10).astype(dtype))
    with pytest.raises(TypeError, match="floating-point"):
        F.interpolate(x, scale_factor=2, mode=mode)


def test_recompute_scale_factor_with_a_size_raises_as_torch():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError):
        TF.interpolate(torch.tensor(x), size=3, recompute_scale_factor=True)
    with pytest.raises(ValueError, match="recompute_scale_factor"):
        F.interpolate(Tensor(x), size=3, recompute_scale_factor=True)


@pytest.mark.parametrize("n_in, n_out", [(14, 46), (26, 22), (21, 69), (28, 46), (26, 44)])
def test_nearest_2d_scale_is_a_float32_for_float64_as_torch(n_in, n_out):
    # torch's 2-D kernel reads in / out as a float32 for any input type (its 1-D kernel, in
    # the input's type: the same indices there before and after)
    x = np.arange(float(n_in)).reshape(1, 1, 1, n_in)
    out = F.interpolate(Tensor(x), size=(1, n_out)).data
    np.testing.assert_array_equal(out, TF.interpolate(torch.tensor(x), size=(1, n_out)).numpy())
    x1 = x.reshape(1, 1, n_in)
    np.testing.assert_array_equal(F.interpolate(Tensor(x1), size=n_out).data,
                                  TF.interpolate(torch.tensor(x1), size=n_out).numpy())


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("shape, scale", [((1, 2, 4), 1.01), ((2, 1, 3, 4), (1.01, 2.0)),
                                          ((1, 1, 5, 3), (1.5, 1.2)), ((1, 1, 3, 3), 1.1)])
def test_linear_axis_of_unchanged_size_is_copied_as_torch(shape, scale, align_corners):
    # torch's linear kernels copy an axis whose size the scale_factor leaves as it is (before:
    # the scale's half-pixel weights, [0, 0.985, 1.975, 2.965] for [0, 1, 2, 3] by 1.01)
    mode = "linear" if len(shape) == 3 else "bilinear"
    x = np.random.default_rng(4).standard_normal(shape)
    ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = F.interpolate(ox, scale_factor=scale, mode=mode, align_corners=align_corners)
    ref = TF.interpolate(tx, scale_factor=scale, mode=mode, align_corners=align_corners)
    assert out is not ox
    _same(out, ref, [ox], [tx])


@pytest.mark.parametrize("dims", [1, 2])
def test_adaptive_max_pool_return_indices_as_torch(dims):
    """adaptive_max_pool1d/2d(return_indices=True) and the modules' were refused in one line
    (the review's documented gap): torch's values, int64 indices and gradients now, over
    random shapes and output sizes with ties and NaN."""
    rng = np.random.default_rng(dims)
    f = F.adaptive_max_pool1d if dims == 1 else F.adaptive_max_pool2d
    tf = torch.nn.functional.adaptive_max_pool1d if dims == 1 else \
        torch.nn.functional.adaptive_max_pool2d
    for _ in range(40):
        batch = (2,) if rng.random() < 0.7 else ()
        a = rng.integers(-3, 4, size=batch + (3,) + tuple(rng.integers(1, 9, dims))).astype(
            np.float64)  # (small integers: ties)
        if rng.random() < 0.2:
            a.flat[rng.integers(a.size)] = np.nan
        size = int(rng.integers(1, 10)) if dims == 1 else (int(rng.integers(1, 10)), None)
        x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        (v, i), (tv, ti) = f(x, size, return_indices=True), tf(tx, size, return_indices=True)
        assert i.dtype == np.int64 and np.array_equal(i.data, ti.numpy())
        np.testing.assert_allclose(v.data, tv.detach().numpy(), rtol=0, equal_nan=True)
        g = rng.normal(size=v.shape)
        (v * Tensor(g)).sum().backward()
        (tv * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, equal_nan=True)
    m = (nn.AdaptiveMaxPool1d(3, True) if dims == 1 else
         nn.AdaptiveMaxPool2d((2, 3), return_indices=True))
    tm = (torch.nn.AdaptiveMaxPool1d(3, True) if dims == 1 else
          torch.nn.AdaptiveMaxPool2d((2, 3), return_indices=True))
    a = rng.normal(size=(2, 3) + (7,) * dims)
    assert np.array_equal(m(Tensor(a))[1].data, tm(torch.tensor(a))[1].numpy())
    assert repr(m) == repr(tm)
