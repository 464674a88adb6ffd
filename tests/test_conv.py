"""conv2d, max_pool2d, avg_pool2d: forward against direct loop implementations, gradients
against finite differences (tinygrad_dl.testing), against PyTorch when installed; the layers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.testing import arrays, check_grad, distinct_arrays


def conv_loop(x, w, b, stride, padding):
    """The definition, one output element at a time."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for i in range(n):
        for o in range(f):
            for r in range(oh):
                for s in range(ow):
                    patch = xp[i, :, r * stride:r * stride + kh, s * stride:s * stride + kw]
                    out[i, o, r, s] = (patch * w[o]).sum() + (0 if b is None else b[o])
    return out


def pool_loop(x, k, stride, reduce, padding=0, fill=0.0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=fill)
    n, c, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((n, c, oh, ow))
    for r in range(oh):
        for s in range(ow):
            out[:, :, r, s] = reduce(x[:, :, r * stride:r * stride + k, s * stride:s * stride + k],
                                     axis=(2, 3))
    return out


@st.composite
def conv_case(draw):
    k, stride, padding = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(0, 2))
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h = draw(st.integers(max(1, k - 2 * padding), 5))
    w = draw(st.integers(max(1, k - 2 * padding), 5))
    bias = draw(st.booleans())
    x, wt = draw(arrays((n, c, h, w))), draw(arrays((f, c, k, k)))
    b = draw(arrays((f,))) if bias else None
    return x, wt, b, stride, padding


@given(conv_case())
def test_conv2d_matches_the_loop_and_finite_differences(case):
    x, w, b, stride, padding = case
    ref = conv_loop(x, w, b, stride, padding)
    if b is None:
        out = check_grad(lambda a, k: F.conv2d(a, k, stride=stride, padding=padding), x, w)
    else:
        out = check_grad(lambda a, k, c: F.conv2d(a, k, c, stride=stride, padding=padding),
                         x, w, b)
    np.testing.assert_allclose(out.data, ref, rtol=1e-12, atol=1e-12)


@st.composite
def pool_case(draw, values=distinct_arrays):
    k, stride = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    p = draw(st.integers(0, k // 2))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(max(1, k - 2 * p), 6)), draw(st.integers(max(1, k - 2 * p), 6))
    return draw(values((n, c, h, w))), k, stride, p


@given(pool_case())
def test_max_pool2d(case):
    x, k, stride, p = case  # distinct values: no ties, so the max is differentiable
    out = check_grad(lambda a: F.max_pool2d(a, k, stride, padding=p), x)
    np.testing.assert_array_equal(out.data, pool_loop(x, k, stride, np.max, p, -np.inf))


@given(pool_case(arrays))
def test_avg_pool2d(case):
    x, k, stride, p = case
    out = check_grad(lambda a: F.avg_pool2d(a, k, stride, padding=p), x)
    np.testing.assert_allclose(out.data, pool_loop(x, k, stride, np.mean, p), rtol=1e-12)


def test_pool_padding_is_checked():
    x = Tensor(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"max_pool2d: padding must be at most kernel // 2 = 1"):
        F.max_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match="avg_pool2d: padding must be an integer >= 0"):
        F.avg_pool2d(x, 2, padding=-1)
    assert "padding=1" in repr(nn.MaxPool2d(3, 1, padding=1))


def test_max_pool_ties_go_to_the_first_maximum_and_overlaps_accumulate():
    x = Tensor(np.zeros((1, 1, 2, 3)), requires_grad=True)
    F.max_pool2d(x, 2, stride=1).sum().backward()  # two windows, every value tied at 0
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 1, 0], [0, 0, 0]])


def test_conv_errors_are_one_line_and_name_the_shapes():
    x = Tensor(np.ones((1, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"conv2d expects .* got x \(1, 3, 4, 4\) and w"):
        F.conv2d(x, Tensor(np.ones((2, 2, 3, 3))))
    with pytest.raises(ValueError, match="kernel 5 is larger"):
        F.conv2d(x, Tensor(np.ones((2, 3, 5, 5))))
    with pytest.raises(ValueError, match="conv2d: stride must be an integer >= 1"):
        F.conv2d(x, Tensor(np.ones((2, 3, 3, 3))), stride=0)
    with pytest.raises(ValueError, match=r"max_pool2d expects x \(N, C, H, W\)"):
        F.max_pool2d(Tensor(np.ones((4, 4))))


def test_layers_build_a_convnet_with_named_parameters():
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(4 * 4 * 4, 10, rng=rng))
    x = Tensor(rng.standard_normal((2, 3, 8, 8)))
    out = net(x)
    assert out.shape == (2, 10)
    assert [n for n, _ in net.named_parameters()] == ["0.W", "0.b", "4.W", "4.b"]
    out.sum().backward()
    assert net[0].W.grad.shape == (4, 3, 3, 3) and "kernel=3" in repr(net)


@pytest.mark.slow
def test_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), \
        rng.standard_normal(4)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tconv = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1)
    tout = (torch.nn.functional.max_pool2d(tconv, 2, 1).sum()
            + torch.nn.functional.max_pool2d(tconv, 3, 2, padding=1).sum()
            + torch.nn.functional.avg_pool2d(tconv, 3, 1, padding=1).sum())
    tout.backward()
    X, Wt, B = (Tensor(a, requires_grad=True) for a in (x, w, b))
    conv = F.conv2d(X, Wt, B, stride=2, padding=1)
    out = (F.max_pool2d(conv, 2, 1).sum() + F.max_pool2d(conv, 3, 2, padding=1).sum()
           + F.avg_pool2d(conv, 3, 1, padding=1).sum())
    out.backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    for ours, theirs in ((X, tx), (Wt, tw), (B, tb)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
