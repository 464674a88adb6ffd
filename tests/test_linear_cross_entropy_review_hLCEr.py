"""Review of F.linear_cross_entropy's chunked op (helper hLCEr, commit 12b1534).

The chunked op's backward recomputes each block from what its forward kept, so whatever it
kept must be the forward's values: the class weight (a caller's array or a module's buffer,
rewritten in place before backward, gave the gradient of the new weights: torch's and the
reference path's are the forward's), and an unbatched input's own array (the op saved a
reshape's view of it, so a leaf on a view of another array stayed writable and backward
recomputed from the written values). Integer input and weight gave integer (truncated) losses;
a label outside [0, C) under "sum" or "none" was named by its block, as cross_entropy's.
Torch 2.13 (float64) is the oracle where it defines the case."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import (  # noqa: F401 (torch_float64: the fixture)
    grads_compared,
    one_line,
    outputs_compared,
    strict_replays_match,
    torch_float64,
)

import tinygrad_dl as tg
import tinygrad_dl.nn as nn
import tinygrad_dl.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
pytestmark = pytest.mark.usefixtures("torch_float64")
CHUNKED = nn.LinearCrossEntropyOptions(batch_chunk_size=2)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_class_weight_rewritten_before_backward(reduction, as_tensor):
    """The gradients are those of the weights the loss was computed with (torch's)."""
    rng = np.random.default_rng(20)
    x, W, w = rng.standard_normal((5, 3)), rng.standard_normal((4, 3)), rng.random(4) + 0.5
    t = np.array([0, 1, 2, 3, 0])
    tx = torch.tensor(x, requires_grad=True)
    want = TF.linear_cross_entropy(tx, torch.tensor(W), torch.tensor(t), weight=torch.tensor(w),
                                   reduction=reduction)
    mine = w.copy()
    weight = tg.Tensor(mine) if as_tensor else mine
    X = tg.Tensor(x, requires_grad=True)
    got = F.linear_cross_entropy(X, W, t, weight=weight, reduction=reduction, options=CHUNKED)
    mine[:] = 100.0  # (a class re-weighting between forward and backward)
    errs, tl, ol = outputs_compared(want, got, 1e-12)
    (tl.sum() if reduction == "none" else tl).backward()
    (ol.sum() if reduction == "none" else ol).backward()
    assert not errs + grads_compared([(tx, X)], 1e-12)


def test_module_weight_buffer_rewritten_before_backward():
    rng = np.random.default_rng(21)
    m = nn.LinearCrossEntropyLoss(3, 4, weight=rng.random(4) + 0.5, options=CHUNKED)
    x, t = rng.standard_normal((6, 3)), rng.integers(0, 4, 6)
    X = tg.Tensor(x, requires_grad=True)
    loss = m(X, t)
    X2 = tg.Tensor(x, requires_grad=True)
    m.options = None
    m(X2, t).backward()  # (the reference path, the same weights)
    m.weight[...] = 0.0
    loss.backward()
    np.testing.assert_allclose(X.grad, X2.grad, rtol=1e-12, atol=1e-15)


def test_unbatched_input_on_another_arrays_memory_stays_locked():
    """x's array is a row of `base`: a write into x before backward raises (as on the
    reference path), and the gradients are torch's."""
    rng = np.random.default_rng(22)
    base, W = rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    tx, tW = torch.tensor(base[1], requires_grad=True), torch.tensor(W, requires_grad=True)
    TF.linear_cross_entropy(tx, tW, torch.tensor(2)).backward()
    for options in (None, CHUNKED):
        X, Wt = tg.Tensor(base[1], requires_grad=True), tg.Tensor(W.copy(), requires_grad=True)
        assert np.shares_memory(X.data, base)
        loss = F.linear_cross_entropy(X, Wt, np.array(2), options=options)
        with pytest.raises(ValueError, match="read-only"):
            X.data[...] = 0.0
        loss.backward()
        assert not grads_compared([(tx, X), (tW, Wt)], 1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_integer_input_and_weight_give_float_losses(reduction):
    """As the reference path (linear, then cross_entropy, whose integer logits are float64):
    the chunked op's losses were integers (3 for 4.119; bool True for 1.386)."""
    rng = np.random.default_rng(23)
    x, W, t = rng.integers(-2, 3, (5, 3)), rng.integers(-2, 3, (4, 3)), np.array([0, 1, 2, 3, 0])
    for a, b in ((x, W), (x.astype(bool), W.astype(bool))):
        want = F.linear_cross_entropy(a, b, t, reduction=reduction)
        got = F.linear_cross_entropy(a, b, t, reduction=reduction, options=CHUNKED)
        assert got.dtype == want.dtype == np.float64
        np.testing.assert_allclose(got.data, want.data, rtol=1e-14)
        np.testing.assert_allclose(  # (and torch's float64 value of the float logits)
            want.data, TF.cross_entropy(torch.tensor(a @ b.T, dtype=torch.float64),
                                        torch.tensor(t), reduction=reduction).numpy(),
            rtol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("labels, words", [([0, 1, 2, -1, 0, 3], ("-1..3",)),
                                           ([0, 1, 2, 3, 9, 0], ("0..9",))])
def test_label_outside_the_classes_is_named_with_every_label(reduction, labels, words):
    x, W = tg.Tensor(np.ones((6, 3))), tg.Tensor(np.ones((4, 3)))
    with pytest.raises(ValueError) as e:
        F.linear_cross_entropy(x, W, np.array(labels), reduction=reduction, options=CHUNKED)
    one_line(e, "linear_cross_entropy", "[0, 4)", *words)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_unbatched_chunked_step_replays(reduction):
    """The author's open question: an unbatched step (the op reshapes the row itself) under a
    strict jit, its label per-step data, replays bit for bit as eagerly."""
    rng = np.random.default_rng(24)
    W = tg.Tensor(rng.standard_normal((5, 3)).astype(np.float32), requires_grad=True)
    w = rng.random(5) + 0.5

    def step(x):
        loss = F.linear_cross_entropy(x[:3], W, x[3].astype(np.int64), weight=w,
                                      ignore_index=1, reduction=reduction, options=CHUNKED)
        loss.sum().backward()
        return loss

    def draw():
        return tg.Tensor(np.concatenate([rng.standard_normal(3), rng.integers(0, 5, 1)])
                         .astype(np.float32))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        strict_replays_match(step, draw, W)
