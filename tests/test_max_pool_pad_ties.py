"""A max pool's window whose real pixels all hold the pad's value (-inf; the smallest integer)
ties with the pad: torch sends its gradient to the window's first real pixel. The plain op
(`ops.MaxPool2d`, told the padding) decides that per call, so a jit replay recorded on data
without -inf gets it right on data with it (before: F.max_pool2d chose its path by looking at
the data, and a replay kept the plain op, whose first maximum was a pad pixel: the gradient
was dropped without a word)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, jit
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _data(rng: np.random.Generator, shape: tuple[int, ...], low: float) -> np.ndarray:
    x = rng.standard_normal(shape).round(1)
    x[rng.random(shape) < 0.6] = low  # whole windows of the pad's value, and partial ones
    if rng.random() < 0.5:
        x[..., : rng.integers(1, shape[-2] + 1), :] = low
    return x


@pytest.mark.parametrize("seed", range(40))
def test_padded_max_pool2d_ties_with_the_pad_as_torch(seed):
    rng = np.random.default_rng(seed)
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    p = (int(rng.integers(0, k[0] // 2 + 1)), int(rng.integers(0, k[1] // 2 + 1)))
    s = k if rng.random() < 0.4 else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    shape = (2, 3, int(rng.integers(max(k[0], 2), 7)), int(rng.integers(max(k[1], 2), 7)))
    x = _data(rng, shape, -np.inf)
    if rng.random() < 0.3:  # a conv's channel-major layout (the op keeps it)
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = F.max_pool2d(ox, k, s, p), TF.max_pool2d(tx, k, s, p)
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    g = rng.standard_normal(tuple(ref.shape))
    out.backward(g)
    ref.backward(torch.tensor(g))  # (overlapping windows: sums in another order, 1 ulp)
    np.testing.assert_allclose(ox.grad, tx.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_pool_ties_with_the_smallest_value_as_torch(dtype):
    low = np.iinfo(dtype).min
    x = np.array([[[[low, low, 3], [low, low, 2], [1, low, 2]]]], dtype=dtype)
    out = F.max_pool2d(Tensor(x), 2, 1, 1)
    ref = TF.max_pool2d(torch.tensor(x), 2, 1, 1)
    np.testing.assert_array_equal(out.data, ref.numpy())


def test_max_pool1d_with_padding_ties_as_torch():
    x = np.array([[[-np.inf, -np.inf, 1.0, -np.inf, -np.inf, -np.inf]]])
    ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.max_pool1d(ox, 3, 2, 1).sum().backward()
    TF.max_pool1d(tx, 3, 2, 1).sum().backward()
    np.testing.assert_array_equal(ox.grad, tx.grad.numpy())


@pytest.mark.parametrize("kernel, stride, padding", [(3, 2, 1), (2, 2, 1), ((3, 2), 1, (1, 1))])
def test_a_replay_recorded_without_inf_is_right_with_it(kernel, stride, padding):
    p = Tensor(np.zeros((1, 2, 4, 4)), requires_grad=True)

    @jit.jit
    def step(x):
        F.max_pool2d(p + x, kernel, stride, padding).sum().backward()

    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # it must replay, not fall back to eager
        for _ in range(3):
            p.grad = None
            step(x)
    x2 = x.copy()
    x2[..., :2, :] = -np.inf
    p.grad = None
    step(x2)
    tp = torch.tensor(np.zeros((1, 2, 4, 4)), requires_grad=True)
    TF.max_pool2d(tp + torch.tensor(x2), kernel, stride, padding).sum().backward()
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-13, atol=1e-15)
