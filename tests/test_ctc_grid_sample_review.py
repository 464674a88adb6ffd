"""Review of F.ctc_loss / F.affine_grid / F.grid_sample: a jitted spatial-transformer step
replays (affine_grid's base grid is a literal), affine_grid refuses a fractional size, nearest
reads NaN at a NaN position under border / reflection (as documented), ctc_loss refuses a
non-bool zero_infinity and ragged targets in one line; CTC's jit fallback is warned, never
stale."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl.nn as nn
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def test_jitted_affine_grid_step_replays_bit_identical() -> None:
    rng = np.random.default_rng(0)
    loc = nn.Linear(12, 6)

    def body(X: np.ndarray, ac: bool) -> Tensor:
        x = Tensor(X)
        theta = loc(x.reshape(2, -1)).reshape(2, 2, 3)
        g = F.affine_grid(theta, (2, 3, 2, 2), align_corners=ac)
        out = F.grid_sample(x, g, padding_mode="border", align_corners=ac)
        loss = (out ** 2).sum()
        loss.backward()
        return loss

    step = jit(body)
    calls = [(rng.normal(size=(2, 3, 2, 2)), ac) for ac in (False,) * 4 + (True,) * 4]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replay required (the base grid read as data warned)
        for X, ac in calls:
            loc.weight.grad = loc.bias.grad = None
            got = step(X, ac).data.copy()
            g = loc.weight.grad.copy()
            loc.weight.grad = loc.bias.grad = None
            want = body(X, ac).data
            assert np.array_equal(got, want) and np.array_equal(g, loc.weight.grad)


def test_affine_grid_refuses_a_fractional_size() -> None:
    theta = Tensor(np.zeros((2, 2, 3)))
    with pytest.raises(TypeError, match="affine_grid: size must be a sequence of ints"):
        F.affine_grid(theta, (2, 1, 4.5, 4))  # was truncated to 4 without a word
    assert F.affine_grid(theta, (2, 1, np.int64(4), 3)).shape == (2, 4, 3, 2)
    assert F.affine_grid(theta, torch.Size((2, 1, 4, 3))).shape == (2, 4, 3, 2)


@pytest.mark.parametrize("padding", ["border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample_nearest_reads_nan_at_a_nan_position(padding: str, align: bool) -> None:
    x = Tensor(np.arange(1.0, 10.0).reshape(1, 1, 3, 3), requires_grad=True)
    grid = np.zeros((1, 1, 3, 2))
    grid[0, 0, 0, 0] = np.nan  # NaN grid
    grid[0, 0, 1, 1] = np.inf if padding == "reflection" else 0.5  # reflected inf: NaN
    with np.errstate(invalid="ignore"):
        out = F.grid_sample(x, Tensor(grid), mode="nearest", padding_mode=padding,
                            align_corners=align)
    lost = [True, padding == "reflection", False]
    assert list(np.isnan(out.data[0, 0, 0])) == lost  # (read 0 before: neither NaN nor torch)
    assert out.data[0, 0, 0, 2] == 5.0
    for p in ("bilinear", "bicubic"):  # the modes it now agrees with
        with np.errstate(invalid="ignore"):
            assert np.isnan(F.grid_sample(x, Tensor(grid), mode=p, padding_mode=padding,
                                          align_corners=align).data[0, 0, 0, 0])
    out.sum().backward()
    assert np.isfinite(x.grad).all()  # the NaN tap is outside: no gradient to scatter


def test_grid_sample_nearest_nan_under_zeros_reads_0_as_torch() -> None:
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    grid = np.full((1, 1, 1, 2), np.nan)
    out = F.grid_sample(Tensor(x), Tensor(grid), mode="nearest", align_corners=False)
    ref = TF.grid_sample(torch.tensor(x), torch.tensor(grid), mode="nearest",
                         align_corners=False)
    np.testing.assert_array_equal(out.data, ref.numpy())


def _ctc_args() -> tuple[Tensor, np.ndarray, list[int], list[int]]:
    z = np.random.default_rng(1).normal(size=(6, 2, 4))
    return Tensor(z - np.log(np.exp(z).sum(-1, keepdims=True))), np.array([[1, 2], [3, 3]]), \
        [6, 5], [2, 2]


@pytest.mark.parametrize("flag", ["no", 1, None, np.float64(0.0)])
def test_ctc_loss_refuses_a_non_bool_zero_infinity(flag: object) -> None:
    with pytest.raises(TypeError, match="ctc_loss: zero_infinity must be a bool"):
        F.ctc_loss(*_ctc_args(), zero_infinity=flag)  # "no" was truthy: zero_infinity=True
    with pytest.raises(TypeError, match="CTCLoss: zero_infinity must be a bool"):
        nn.CTCLoss(zero_infinity=flag)
    assert F.ctc_loss(*_ctc_args(), zero_infinity=np.bool_(True)).shape == ()


def test_ctc_loss_ragged_targets_are_one_line() -> None:
    lp, _, il, tl = _ctc_args()
    with pytest.raises(ValueError, match="ctc_loss: targets must be a rectangular array"):
        F.ctc_loss(lp, [[1, 2], [3]], il, [2, 1])
    with pytest.raises(ValueError, match="ctc_loss: input_lengths must be a rectangular"):
        F.ctc_loss(lp, [[1, 2], [3, 1]], [[6], [5, 4]], tl)


def test_jitted_ctc_step_is_warned_eager_never_stale() -> None:
    rng = np.random.default_rng(2)
    T, N, C, S = 8, 3, 5, 4
    lin = nn.Linear(6, C)

    def body(X: np.ndarray, tg: np.ndarray, il: np.ndarray, tl: np.ndarray) -> Tensor:
        loss = F.ctc_loss(lin(Tensor(X)).log_softmax(-1), tg, il, tl, zero_infinity=True)
        loss.backward()
        return loss

    step = jit(body)
    tg, il, tl = rng.integers(1, C, size=(N, S)), np.array([8, 7, 6]), np.array([4, 3, 2])
    calls = [(rng.normal(size=(T, N, 6)), tg, il, tl) for _ in range(3)]  # equal targets
    calls += [(rng.normal(size=(T, N, 6)), rng.integers(1, C, size=(N, S)),
               rng.integers(1, T + 1, size=N), rng.integers(0, S + 1, size=N))
              for _ in range(4)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for args in calls:
            lin.weight.grad = lin.bias.grad = None
            got = step(*args).data.copy()
            g = lin.weight.grad.copy()
            lin.weight.grad = lin.bias.grad = None
            want = body(*args).data
            assert np.array_equal(got, want) and np.array_equal(g, lin.weight.grad)
    assert any("CTCLoss" in str(w.message) for w in caught)
