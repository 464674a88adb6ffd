"""Tests written against surviving mutants of the gradient checkers (tinygrad_dl.gradcheck,
tinygrad_dl.testing): each column and verdict is held to its definition with small hand-made
ops whose backward is wrong by a known amount, in one element or at one dtype."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Function, Tensor
from tinygrad_dl.gradcheck import (
    GradcheckReport,
    InputReport,
    compare_gradients,
    gradcheck,
)
from tinygrad_dl.nn import Module
from tinygrad_dl.testing import check_float32, check_grad, push_away


# ---- compare_gradients: each column is its own comparison --------------------------------------
class _CubeTwiceGrad(Function):
    """x**3 whose backward is twice the truth (6 x^2 g): autograd is wrong, numerical right."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    def backward(ctx, g):
        x = ctx.saved[0]
        return 6 * x * x * g


class _OneParam(Module):
    def __init__(self) -> None:
        super().__init__()
        self.W = Tensor(np.array([[0.5, -1.2, 2.0]]), requires_grad=True)

    def loss(self) -> Tensor:
        return _CubeTwiceGrad.apply(self.W).sum()


@pytest.mark.parametrize("hand_is", ["true", "autograd"])
def test_compare_gradients_columns_compare_what_they_name(hand_is: str) -> None:
    m = _OneParam()
    truth = 3 * m.W.data**2  # d sum(W^3) / dW, what the finite differences measure
    hand = truth if hand_is == "true" else 2 * truth  # 2x truth: equal to the wrong autograd
    (row,) = compare_gradients(m, m.loss, lambda: {"W": hand.copy()}).rows
    third = 1 / 3  # |2g - g| / (|2g| + |g|)
    assert row["autograd vs numerical"] == pytest.approx(third, rel=1e-8)
    if hand_is == "true":
        assert row["hand vs autograd"] == pytest.approx(third, rel=1e-12)
        assert row["hand vs numerical"] < 1e-9
    else:
        assert row["hand vs autograd"] < 1e-12  # the same values, up to rounding
        assert row["hand vs numerical"] == pytest.approx(third, rel=1e-8)


# ---- one wrong element of 100 -----------------------------------------------------------------
class _SquareOffAt(Function):
    """x**2 whose backward is off by a relative `rel` at the one element `at` (1-D inputs)."""

    at, rel = 37, 5e-6

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    def backward(ctx, g):
        gx = 2 * ctx.saved[0] * g
        gx[ctx.at] *= 1 + ctx.rel
        return gx


def _x100() -> np.ndarray:
    return np.random.default_rng(3).uniform(0.5, 2.0, 100)


def test_gradcheck_reports_the_max_error_of_one_wrong_element_of_100() -> None:
    report = gradcheck(lambda x: _SquareOffAt.apply(x), [Tensor(_x100(), requires_grad=True)],
                       tol=1e-7)
    assert not report.passed
    (r,) = report.inputs
    assert r.worst_index == (37,)
    # |g (1 + rel) - g| / (|g (1 + rel)| + |g|) = rel / (2 + rel): the max, not a mean over 100
    assert r.max_rel_error == pytest.approx(5e-6 / 2, rel=1e-3)
    assert report.max_rel_error == r.max_rel_error
    assert "max rel err 2.50" in str(report) and "FAILED" in str(report)


def test_check_grad_fails_on_one_wrong_element_of_100() -> None:
    with pytest.raises(AssertionError, match=r"max relative error 2\.50\de-06 > 1e-07 at \(37,\)"):
        check_grad(lambda t: _SquareOffAt.apply(t), _x100(), tol=1e-7)
    check_grad(lambda t: t * t, _x100(), tol=1e-7)  # the correct op passes


# ---- check_grad's finite-difference floor -----------------------------------------------------
class _Scale(Function):
    """1e-4 * x, whose backward is off by a relative `rel` (0: right)."""

    c, rel = 1e-4, 0.0

    def forward(ctx, x):
        return x * ctx.c

    def backward(ctx, g):
        return g * (ctx.c * (1 + ctx.rel))


class _ScaleOff(_Scale):
    rel = 1e-6


def test_check_grad_floor_does_not_hide_an_error_in_a_small_gradient() -> None:
    # gradients ~1e-4, outputs ~1e-4: the floor is 1e-4, so an analytic gradient off by a
    # relative 1e-6 is an error of 5e-7 (a floor 100x higher read it as 1.5e-8 or less)
    x = np.array([0.7, -1.3, 1.1])
    check_grad(lambda t: _Scale.apply(t), x, tol=1e-7)
    with pytest.raises(AssertionError, match=r"max relative error 5\.000e-07 > 1e-07"):
        check_grad(lambda t: _ScaleOff.apply(t), x, tol=1e-7)


# ---- check_float32: its scales ----------------------------------------------------------------
class _Square32(Function):
    """x**2, right in float64; in float32 wrong by `grad_rel` in the gradient of element 7 or
    by `fwd_add` in the output of element 3."""

    grad_rel, fwd_add = 0.0, 0.0

    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = x * x
        if x.dtype == np.float32:
            out[3] += np.float32(ctx.fwd_add)
        return out

    def backward(ctx, g):
        gx = 2 * ctx.saved[0] * g
        if gx.dtype == np.float32:
            gx[7] *= np.float32(1 + ctx.grad_rel)
        return gx


class _GradOff32(_Square32):
    grad_rel = 0.01


class _FwdOff32(_Square32):
    fwd_add = 0.01


def test_check_float32_catches_a_float32_gradient_off_beyond_tol() -> None:
    x = np.linspace(1.0, 1.5, 100)  # 100 gradient entries of 1..4.5: their sum is ~250
    check_float32(lambda t: _Square32.apply(t), x)
    # off by 1% of an entry >= 0.22 of the largest: >= 2.2e-3 of it, over tol 1e-3
    with pytest.raises(AssertionError, match=r"input 0 \(100,\): float32 gradient off by "
                                             r".* > 1e-03 at \(7,\)"):
        check_float32(lambda t: _GradOff32.apply(t), x)


def test_check_float32_catches_a_float32_forward_off_beyond_tol() -> None:
    x = np.linspace(1.0, 1.5, 100)  # outputs 1..2.25: allowed about 3e-3 at each
    with pytest.raises(AssertionError, match="float32 forward"):
        check_float32(lambda t: _FwdOff32.apply(t), x)


# ---- gradcheck: a scalar output's values, the tolerance boundary ------------------------------
class _BumpSquare(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    def backward(ctx, g):
        gx = 2 * ctx.saved[0] * g
        gx[1, 2] += 0.5
        return gx


def test_gradcheck_of_a_scalar_output_reports_values_on_the_gradients_scale() -> None:
    W = np.random.default_rng(0).uniform(-2, 2, (2, 3))
    report = gradcheck(lambda w: _BumpSquare.apply(w).sum(), [Tensor(W, requires_grad=True)])
    worst = report.worst
    assert worst.worst_index == (1, 2)
    # d sum(W^2) / dW = 2 W, whatever random weight the check multiplied the output by
    assert worst.numeric == pytest.approx(2 * W[1, 2], rel=1e-8)
    ok = gradcheck(lambda w: (w * w).sum(), [Tensor(W, requires_grad=True)])
    assert ok.passed and ok.worst.analytic == pytest.approx(2 * W[ok.worst.worst_index],
                                                            rel=1e-12)
    assert ok.worst.numeric == pytest.approx(2 * W[ok.worst.worst_index], rel=1e-8)


def test_gradcheck_report_passes_an_error_exactly_at_tol() -> None:
    def report(err: float) -> GradcheckReport:
        return GradcheckReport(tol=1e-7, inputs=[InputReport("x", (1,), err, (0,), 1.0, 1.0)])

    assert report(1e-7).passed and "passed" in str(report(1e-7))
    assert not report(1.0000001e-7).passed


# ---- push_away: points closer than 2 margins make one zone ------------------------------------
def test_push_away_merges_close_points_into_one_zone() -> None:
    points, margin = [0.0, 0.15], 0.1  # one zone (-0.1, 0.25)
    got = push_away(np.array([0.04, 0.02, -0.05, 0.2, 0.13]), points, margin)
    np.testing.assert_allclose(got, [-0.1, -0.1, -0.1, 0.25, 0.25])
    grid = np.linspace(-0.3, 0.5, 161)
    out = push_away(grid, points, margin)
    dist = np.min(np.abs(out[:, None] - np.array(points)[None, :]), axis=1)
    assert (dist >= margin - 1e-12).all()
    # points 0.1 and 0 (the docstring's case): 0.02 goes to the zone's nearer edge, -0.1
    np.testing.assert_allclose(push_away(np.array([0.02]), [0.1, 0.0], 0.1), [-0.1])
