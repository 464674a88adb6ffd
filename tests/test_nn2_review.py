"""Review of the more-torch.nn names (functional/pooling_indices.py, functional/embedding_bags.py):
regressions for what a differential probe against torch 2.13 found."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl.nn as nn
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


# ---- max pools: a window of -inf beside the padding -----------------------------------------
@pytest.mark.parametrize("case", [
    (1, (2, 7), dict(kernel_size=2, stride=3, padding=1)),
    (1, (1, 2, 5), dict(kernel_size=3, stride=2, padding=1)),
    (2, (1, 2, 4, 4), dict(kernel_size=3, stride=2, padding=1)),
    (2, (2, 5, 4), dict(kernel_size=(3, 2), stride=1, padding=(1, 1))),
])
def test_max_pool_all_neg_inf_window_with_padding_gradient(case):
    # the real entries of a window all -inf tie with the -inf pad: torch's gradient goes to the
    # first real entry; the op sent it to a pad pixel (dropped: a zero gradient, no word)
    dims, shape, kw = case
    x = np.random.default_rng(0).standard_normal(shape).round(0)
    x[..., :3] = -np.inf
    ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = getattr(F, f"max_pool{dims}d")(ox, **kw), getattr(TF, f"max_pool{dims}d")(tx, **kw)
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(ref.shape))
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(ox.grad, tx.grad.numpy(), rtol=1e-12)
    mod = (nn.MaxPool1d if dims == 1 else nn.MaxPool2d)(**kw)
    ox2 = Tensor(x, requires_grad=True)
    mod(ox2).backward(g)
    np.testing.assert_allclose(ox2.grad, tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("fn, shape, kw", [
    ("max_pool1d", (1, 1, 1), dict(kernel_size=2, stride=2, padding=1, dilation=2,
                                   ceil_mode=True)),
    ("max_pool1d", (2, 1), dict(kernel_size=2, stride=3, padding=1, dilation=2, ceil_mode=True)),
    ("max_pool2d", (1, 1, 1, 3), dict(kernel_size=2, stride=(1, 3), padding=1, dilation=2)),
    ("max_pool2d", (2, 1, 6), dict(kernel_size=3, stride=(3, 1), padding=1, dilation=(2, 1),
                                   ceil_mode=True)),
])
@pytest.mark.parametrize("return_indices", [False, True])
def test_max_pool_window_of_padding_only_refused(fn, shape, kw, return_indices):
    # dilation spaces a window over the padding and past the input: no real position in it.
    # torch returns -inf with an index out of the plane (its backward writes out of bounds);
    # ours took position -1 (the input's last entry: a wrong value) or raised from numpy
    x = Tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape), requires_grad=True)
    with pytest.raises(ValueError, match=f"{fn}: a window .* holds only padding"):
        getattr(F, fn)(x, **kw, return_indices=return_indices)


# ---- max_unpool: negative output sizes --------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: F.max_unpool2d(Tensor(np.ones((1, 1, 1, 1))), Tensor(np.zeros((1, 1, 1, 1),
                                                                          np.int64)),
                           2, stride=5, output_size=(-2, -2)),
    lambda: F.max_unpool2d(Tensor(np.ones((1, 1, 1, 1))), Tensor(np.zeros((1, 1, 1, 1),
                                                                          np.int64)),
                           2, stride=5, output_size=(1, -1)),
    lambda: F.max_unpool1d(Tensor(np.ones((1, 1, 0))), Tensor(np.zeros((1, 1, 0), np.int64)),
                           2, stride=5),
    lambda: F.max_unpool1d(Tensor(np.ones((1, 1, 2))), Tensor(np.zeros((1, 1, 2), np.int64)),
                           2, stride=1, padding=3),
])
def test_max_unpool_negative_size_refused(call):
    # torch: "output_size must contain non-negative spatial dimensions"; ours failed in numpy
    # or Reshape with their words ("can only specify one unknown dimension")
    with pytest.raises(ValueError, match="max_unpool[12]d: the output size .* must not be "
                                         "negative"):
        call()


# ---- embedding_bag: inf / NaN rows named by padding_idx ---------------------------------------
def test_embedding_bag_max_every_entry_padding_no_nan():
    # every entry is padding_idx: zeros (torch's); the zero was rows * 0, NaN for an inf row
    w = np.array([[-0.0, 1.0, -np.inf], [np.nan, 2.0, 3.0]])
    for pad, inp in ((0, np.array([0])), (1, np.array([1, 1, 1]))):
        ow, tw = Tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
        off = np.array([0, 0, 1])
        out = F.embedding_bag(inp, ow, off, mode="max", padding_idx=pad)
        ref = TF.embedding_bag(torch.tensor(inp), tw, torch.tensor(off), mode="max",
                               padding_idx=pad)
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        out.backward(np.ones(out.shape))
        ref.backward(torch.ones(ref.shape, dtype=torch.float64))
        np.testing.assert_array_equal(ow.grad, tw.grad.numpy())


@pytest.mark.parametrize("row", [np.inf, -np.inf, np.nan])
def test_embedding_bag_per_sample_weights_grad_of_padding_entry(row):
    # a padding_idx entry adds nothing: its per-sample weight's gradient is 0 (torch's), not
    # g * its row (NaN for an inf or NaN row)
    w = np.array([[1.0, 2.0], [row, 0.5], [-1.0, 3.0]])
    inp, off = np.array([1, 0, 1, 2]), np.array([0, 2])
    psw = np.array([0.5, -1.0, 2.0, 0.25])
    ow, op = Tensor(w, requires_grad=True), Tensor(psw, requires_grad=True)
    tw, tp = torch.tensor(w, requires_grad=True), torch.tensor(psw, requires_grad=True)
    out = F.embedding_bag(inp, ow, off, mode="sum", per_sample_weights=op, padding_idx=1)
    ref = TF.embedding_bag(torch.tensor(inp), tw, torch.tensor(off), mode="sum",
                           per_sample_weights=tp, padding_idx=1)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    g = np.array([[1.0, -2.0], [0.5, 3.0]])
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(op.grad, tp.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ow.grad, tw.grad.numpy(), rtol=1e-12)
