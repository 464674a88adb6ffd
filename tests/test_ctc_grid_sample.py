"""F.ctc_loss / nn.CTCLoss and F.affine_grid / F.grid_sample against torch 2.13 over random
configurations (float64: values 1e-12, gradients 1e-10; float32 kept and close), against
finite differences, and their one-line refusals."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_dl.nn as nn
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.optable.rows_ctc import ctc_nll_ref, grid_sample_ref
from tinygrad_dl.testing import check_grad

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _ctc_config(rng: np.random.Generator) -> tuple[np.ndarray, Any, np.ndarray, np.ndarray,
                                                    dict[str, Any]]:
    T, N, C, S = (int(v) for v in (rng.integers(1, 8), rng.integers(1, 4), rng.integers(2, 6),
                                   rng.integers(0, 5)))
    blank = int(rng.integers(0, C))
    z = rng.normal(size=(T, N, C))
    lp = z - np.log(np.exp(z).sum(-1, keepdims=True)) if rng.random() < 0.7 else z
    tl, il = rng.integers(0, S + 1, size=N), rng.integers(0, T + 1, size=N)
    labels = [c for c in range(C) if c != blank]
    tg = rng.choice(labels, size=(N, S)).astype(np.int64)
    if rng.random() < 0.3:  # concatenated
        tg = np.concatenate([tg[i, :tl[i]] for i in range(N)]).astype(np.int64)
    kw = dict(blank=blank, reduction=str(rng.choice(["none", "mean", "sum"])),
              zero_infinity=bool(rng.random() < 0.5))
    return lp, tg, il, tl, kw



@pytest.mark.parametrize("seed", range(4))
def test_ctc_loss_matches_torch_values_and_gradients(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(40):
        lp, tg, il, tl, kw = _ctc_config(rng)
        x, xt = Tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
        lengths = [(il, tl), (list(il), tuple(tl)), (torch.tensor(il), torch.tensor(tl))][
            int(rng.integers(0, 3))]
        with np.errstate(invalid="ignore"):  # (a mean or sum over inf losses and NaN)
            ours = F.ctc_loss(x, tg, *lengths, **kw)
        ref = TF.ctc_loss(xt, torch.tensor(tg), torch.tensor(il), torch.tensor(tl), **kw)
        np.testing.assert_allclose(ours.data, ref.detach().numpy(), rtol=1e-12, atol=1e-13)
        assert ours.shape == tuple(ref.shape)
        w = rng.normal(size=ref.shape)
        with np.errstate(invalid="ignore"):
            (ours * Tensor(w)).sum().backward()
        (ref * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_ctc_loss_matches_a_per_sequence_dp() -> None:
    rng = np.random.default_rng(11)
    for _ in range(20):
        lp, tg, il, tl, kw = _ctc_config(rng)
        if tg.ndim == 1:
            continue
        out = F.ctc_loss(Tensor(lp), tg, il, tl, blank=kw["blank"], reduction="none").data
        ref = [ctc_nll_ref(lp[:il[i], i], list(tg[i, :tl[i]]), kw["blank"])
               for i in range(lp.shape[1])]
        np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-12)


def test_ctc_loss_gradient_is_exact_through_log_softmax() -> None:
    rng = np.random.default_rng(3)
    tg, il, tl = np.array([[1, 1, 2], [2, 3, 0]]), [6, 5], [3, 2]
    check_grad(lambda z: F.ctc_loss(z.log_softmax(-1), tg, il, tl, reduction="sum"),
               rng.normal(size=(6, 2, 4)))
    # on raw log-probabilities the gradient is torch's formula, which is not the derivative
    z = rng.normal(size=(6, 2, 4))
    x = Tensor(z, requires_grad=True)
    F.ctc_loss(x, tg, il, tl, reduction="sum").backward()
    xt = torch.tensor(z, requires_grad=True)
    TF.ctc_loss(xt, torch.tensor(tg), il, tl, reduction="sum").backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_ctc_loss_impossible_alignments() -> None:
    lp = np.log(np.full((3, 2, 3), 1 / 3))
    tg, il, tl = np.array([[1, 1], [1, 2]]), [2, 2], [2, 2]
    for zi in (False, True):
        x, xt = Tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
        out = F.ctc_loss(x, tg, il, tl, reduction="none", zero_infinity=zi)
        ref = TF.ctc_loss(xt, torch.tensor(tg), il, tl, reduction="none", zero_infinity=zi)
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, equal_nan=True)
        # [1, 1] needs 3 steps: 2 is impossible (inf; NaN gradient on its 2 steps, or 0)
        assert np.isinf(out.data[0]) != zi and np.isfinite(out.data[1])
        assert np.isnan(x.grad[:2, 0]).all() != zi and not x.grad[2].any()


def test_ctc_loss_float32_unbatched_and_the_module() -> None:
    rng = np.random.default_rng(5)
    lp = np.log(rng.dirichlet(np.ones(4), size=(6, 3))).astype(np.float32)
    tg, il, tl = np.array([[1, 2, 3], [3, 3, 0], [2, 0, 0]]), [6, 5, 3], [3, 2, 1]
    x, xt = Tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
    out = nn.CTCLoss(reduction="mean")(x, tg, il, tl)
    ref = torch.nn.CTCLoss(reduction="mean")(xt, torch.tensor(tg), torch.tensor(il),
                                             torch.tensor(tl))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, ref.item(), rtol=1e-5)
    out.backward()
    ref.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-4, atol=1e-6)
    one = F.ctc_loss(Tensor(lp[:, 0].astype(np.float64)), np.array([1, 2, 3]), 6, 3,
                     reduction="none")
    assert one.shape == ()
    np.testing.assert_allclose(one.data, TF.ctc_loss(
        torch.tensor(lp[:, 0].astype(np.float64)), torch.tensor([1, 2, 3]), (6,), (3,),
        reduction="none").item(), rtol=1e-12)
    m = nn.CTCLoss(blank=3, zero_infinity=True)
    assert repr(m) == "CTCLoss(blank=3, reduction='mean', zero_infinity=True)"


@pytest.mark.parametrize("call, msg", [
    (lambda x: F.ctc_loss(x, [[1, 2]], [4], [2], blank=5), "blank must be in"),
    (lambda x: F.ctc_loss(x, [[1, 0]], [4], [2]), "equals blank"),
    (lambda x: F.ctc_loss(x, [[1, 4]], [4], [2]), r"labels must be in \[0, 3\)"),
    (lambda x: F.ctc_loss(x, [[1, 2]], [5], [2]), "input_lengths must be at most 4"),
    (lambda x: F.ctc_loss(x, [[1, 2]], [4], [3]), "target_lengths must be at most 2"),
    (lambda x: F.ctc_loss(x, [1, 2], [4], [3]), "target_lengths must be at most 2"),
    (lambda x: F.ctc_loss(x[None], [[1, 2]], [4], [2]), r"\(T, N, C\)"),
    (lambda x: F.ctc_loss(x, [[1.0, 2.0]], [4], [2]), "must hold integers"),
    (lambda x: nn.CTCLoss(reduction="avg")(x, [[1]], [4], [1]), "reduction must be"),
])
def test_ctc_loss_refusals_are_one_line(call: Any, msg: str) -> None:
    x = Tensor(np.log(np.full((4, 1, 3), 1 / 3)))
    with pytest.raises((ValueError, TypeError), match=msg) as e:
        call(x)
    assert "\n" not in str(e.value)


def _gs_config(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    d = 2 if rng.random() < 0.7 else 3
    mode = str(rng.choice(["bilinear", "nearest", "bicubic"] if d == 2
                          else ["bilinear", "nearest"]))
    kw = dict(mode=mode, padding_mode=str(rng.choice(["zeros", "border", "reflection"])),
              align_corners=[None, False, True][int(rng.integers(0, 3))])
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    x = rng.normal(size=(n, c) + tuple(int(v) for v in rng.integers(1, 5, size=d)))
    g = rng.uniform(-1.7, 1.7, size=(n,) + tuple(int(v) for v in rng.integers(1, 4, size=d))
                    + (d,))
    if rng.random() < 0.3:  # borders, corners and half-way points exactly
        g = rng.choice(np.array([-1.5, -1, -0.5, -0.25, 0, 0.25, 0.5, 1, 1.25]), size=g.shape)
    return x, g, kw


@pytest.mark.parametrize("seed", range(4))
def test_grid_sample_matches_torch_values_and_both_gradients(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for _ in range(40):
        x, g, kw = _gs_config(rng)
        xs = [Tensor(x, requires_grad=True), Tensor(g, requires_grad=True)]
        ts = [torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)]
        ours = F.grid_sample(*xs, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (torch's align_corners=None notice)
            ref = TF.grid_sample(*ts, **kw)
        np.testing.assert_allclose(ours.data, ref.detach().numpy(), rtol=1e-12, atol=1e-13)
        w = rng.normal(size=ref.shape)
        (ours * Tensor(w)).sum().backward()
        (ref * torch.tensor(w)).sum().backward()
        for a, t in zip(xs, ts):
            np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-10, atol=1e-10)
        if kw["mode"] == "nearest":
            assert not xs[1].grad.any()


def test_grid_sample_matches_the_pointwise_reference_and_finite_differences() -> None:
    rng = np.random.default_rng(8)
    for _ in range(15):
        x, g, kw = _gs_config(rng)
        kw["align_corners"] = bool(kw["align_corners"])
        np.testing.assert_allclose(F.grid_sample(x, g, **kw).data, grid_sample_ref(x, g, **kw),
                                   rtol=1e-12, atol=1e-13)
    x, g = rng.normal(size=(1, 2, 3, 4)), rng.uniform(-0.9, 0.9, size=(1, 2, 3, 2))
    for mode in ("bilinear", "bicubic"):
        for pad in ("zeros", "border", "reflection"):
            check_grad(lambda a, b, m=mode, p=pad: F.grid_sample(a, b, mode=m, padding_mode=p),
                       x, g)
    check_grad(lambda a, b: F.grid_sample(a, b, align_corners=True),
               rng.normal(size=(1, 1, 2, 3, 2)), rng.uniform(-0.9, 0.9, size=(1, 2, 1, 2, 3)))


def test_grid_sample_float32() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    g = rng.uniform(-1.1, 1.1, size=(2, 3, 2, 2)).astype(np.float32)
    for mode in ("bilinear", "nearest", "bicubic"):
        xs = [Tensor(x, requires_grad=True), Tensor(g, requires_grad=True)]
        ts = [torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)]
        ours = F.grid_sample(*xs, mode=mode, padding_mode="reflection", align_corners=False)
        ref = TF.grid_sample(*ts, mode=mode, padding_mode="reflection", align_corners=False)
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours.data, ref.detach().numpy(), rtol=1e-5, atol=1e-5)
        ours.sum().backward()
        ref.sum().backward()
        for a, t in zip(xs, ts):
            assert a.grad.dtype == np.float32
            np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_affine_grid_matches_torch_and_feeds_grid_sample() -> None:
    rng = np.random.default_rng(12)
    for i in range(30):
        d = 2 + i % 2
        size = (2, 1) + tuple(int(v) for v in rng.integers(1, 5, size=d))
        ac = [None, False, True][i % 3]
        th = rng.normal(size=(2, d, d + 1))
        a, t = Tensor(th, requires_grad=True), torch.tensor(th, requires_grad=True)
        ours = F.affine_grid(a, size, align_corners=ac)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = TF.affine_grid(t, size, align_corners=ac)
        np.testing.assert_allclose(ours.data, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
        img = rng.normal(size=size)
        out = F.grid_sample(img, ours, align_corners=ac)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rout = TF.grid_sample(torch.tensor(img), ref, align_corners=ac)
        np.testing.assert_allclose(out.data, rout.detach().numpy(), rtol=1e-12, atol=1e-13)
        out.sum().backward()
        rout.sum().backward()
        np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("call, msg", [
    (lambda: F.affine_grid(np.zeros((1, 2, 3)), (1, 1, 2, 2, 2)), "affine matrices of shape"),
    (lambda: F.affine_grid(np.zeros((1, 2, 3)), (1, 2, 3)), "size must be"),
    (lambda: F.affine_grid(np.zeros((1, 2, 3)), (1, 1, 2, 2), align_corners=1), "a bool"),
    (lambda: F.grid_sample(np.zeros((1, 1, 2, 2)), np.zeros((1, 2, 2, 3))), "grid must be"),
    (lambda: F.grid_sample(np.zeros((1, 1, 2, 2, 2)), np.zeros((1, 1, 1, 1, 3)),
                           mode="bicubic"), "bicubic interpolation only"),
    (lambda: F.grid_sample(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 2)), mode="linear"),
     "mode must be"),
    (lambda: F.grid_sample(np.zeros((1, 1, 0, 2)), np.zeros((1, 1, 1, 2))), "non-empty"),
])
def test_affine_grid_grid_sample_refusals_are_one_line(call: Any, msg: str) -> None:
    with pytest.raises((ValueError, TypeError), match=msg) as e:
        call()
    assert "\n" not in str(e.value)
