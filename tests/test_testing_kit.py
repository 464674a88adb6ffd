"""The gradient-check kit (`tinygrad_dl.testing.check_grad`) on deliberately wrong ops it let
pass before (found 2026-12-03): a backward that wrote into what forward saved (the output
changed, a second backward went wrong), a backward that read memory as C-ordered (hypothesis
draws C-ordered arrays only), an op keyword swallowed by check_grad's own `seed=`; and
`push_away`, which could land a value on a second kink."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Function
from tinygrad_dl import functional as F
from tinygrad_dl.testing import check_grad, push_away

X = np.array([[0.3, -1.2, 0.7], [1.1, 0.4, -0.9]])


class Exp(Function):
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        return grad * ctx.saved[0]


class ExpInPlace(Exp):
    # as if one of the library's ops, which the engine does not hold read-only while backward
    # runs (a user's op raises at the write: tests/test_user_op_guard.py), and keeping its
    # output as an attribute, which the write guard does not count as saved for the library's
    # ops (saved, the graph holds it read-only: ExpSavedInPlace): the kit must see it
    __module__ = "tinygrad_dl.a_fake_module"

    def forward(ctx, x):
        ctx.y = np.exp(x)
        return ctx.y

    def backward(ctx, grad):
        y = ctx.y
        y *= grad  # the output's own array: gradient right, output and graph corrupted
        return y


class ExpSavedInPlace(Exp):
    __module__ = "tinygrad_dl.a_fake_module"

    def backward(ctx, grad):
        y = ctx.saved[0]
        y *= grad  # read-only: the graph holds the result its op saved
        return y


class CubeCOrder(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    def backward(ctx, grad):
        out = np.zeros_like(grad)  # keeps grad's layout; ravel() of a non-C array is a copy
        out.ravel()[:] = (grad * 3 * ctx.saved[0] ** 2).ravel()
        return out


class Cube(CubeCOrder):
    def backward(ctx, grad):
        return grad * 3 * ctx.saved[0] ** 2


class Scaled(Function):
    def forward(ctx, x, seed=0):
        ctx.k = 1.0 + seed
        return x * ctx.k

    def backward(ctx, grad):
        return grad  # ignores its own factor: right only for seed=0


def test_a_backward_that_writes_what_forward_saved_fails():
    check_grad(Exp.apply, X, ref=np.exp)
    with pytest.raises(AssertionError, match="backward modified the op's output"):
        check_grad(ExpInPlace.apply, X, ref=np.exp)
    with pytest.raises(ValueError, match="read-only"):  # (before the guard: the kit's error)
        check_grad(ExpSavedInPlace.apply, X, ref=np.exp)


def test_a_backward_that_assumes_c_order_fails():
    check_grad(Cube.apply, X)
    with pytest.raises(AssertionError, match="another memory layout"):
        check_grad(CubeCOrder.apply, X)


def test_an_op_keyword_named_like_check_grads_own_is_refused():
    with pytest.raises(TypeError, match=r"seed= is check_grad's own argument, and Scaled.forward "
                                        r"takes it too"):
        check_grad(Scaled.apply, X, seed=5)
    with pytest.raises(AssertionError, match="relative error"):  # the way it names
        check_grad(lambda t: Scaled.apply(t, seed=5), X)


def test_push_away_keeps_every_value_off_every_point():
    out = push_away(np.array([0.05, 0.02, -0.2, 0.15, 0.5]), [0.1, 0.0], 0.1)
    for p in (0.0, 0.1):
        assert (np.abs(out - p) >= 0.1 - 1e-15).all(), out
    np.testing.assert_array_equal(out[[2, 4]], [-0.2, 0.5])  # far from both: unchanged
    np.testing.assert_array_equal(push_away(np.array([0.05, -0.05]), [0.0], 0.1), [0.1, -0.1])


def test_a_zero_gradient_through_many_moved_outputs_is_not_rounding_noise_over_the_floor():
    # found by hypothesis (tests/test_engine.py's random compositions, dev profile): y
    # broadcast into 18 outputs and centred away has gradient exactly 0; the numerical one was
    # -1.3e-11 of rounding from 18 outputs, against a floor sized by the largest output alone
    x = np.zeros((2, 3, 3))
    x[1, 2, 2] = 2.0

    def f(x, y):
        t = x + y + y + y
        return t - t.mean(axis=0, keepdims=True)

    check_grad(f, x, np.array([[1.0]]))


def test_a_zero_gradient_after_a_cancellation_is_not_the_rounding_of_what_was_cancelled():
    # found by hypothesis again (the same test, one more add): x + 4y reaches 6, centring
    # shrinks it to 1.9, and the rounding at 6 left a numeric -1.2e-11 for the exact 0 of y's
    # gradient, over a floor sized by the outputs alone: the results on the way count too
    x = np.zeros((2, 3, 3))
    x[1, 2, 2] = 2.0

    def f(x, y, W):
        t = x
        for _ in range(4):
            t = t + y
        return t - t.mean(axis=0, keepdims=True)

    check_grad(f, x, np.array([[1.0]]), np.zeros((3, 3)))


def test_a_rounding_step_inside_one_op_is_not_a_slope():
    # found by hypothesis (tests/test_conv.py, dev profile): a weight of 2.4e-146 makes the
    # product -2.4e-150 at x - h, which turns a rounding tie of 3 * -2.72 + 2 + 6, summed at 8
    # inside the one conv op: one ulp of 8 at every h, a numeric 1.3e-11 (1.3e-10 at h / 10)
    # for a gradient of 3e-146, over the floor of the output 0.16
    x = np.zeros((2, 4, 4, 2))
    x[1, 2, 0, 1], x[1, 3, 0, 1], x[1, 3, 2, 0] = -2.720315123941652, -2.0, -2.0
    w = np.zeros((4, 2, 2, 2))
    w[3, 0, 0, 0], w[3, 0, 0, 1], w[3, 1, 0, 1], w[3, 1, 1, 0] = (2.3786210667812466e-146,
                                                                  3.0, -1.0, -3.0)
    check_grad(lambda a, k: F.conv2d(a, k, dilation=(2, 1), groups=2), x, w)


def test_a_jump_is_still_a_failure_not_a_rounding_step():
    # f steps by 1 at x = 0 (a where on x > 0, gradient 0 by convention): its difference grows
    # as 1/h too, but the step is no rounding; the check fails and names the kink
    with pytest.raises(AssertionError, match="kink or a jump"):
        check_grad(lambda x: tg.where(x > 0, x * 0 + 1, x * 0) + x, np.array([0.0, 0.5]))


def test_the_floor_still_finds_a_small_error_on_a_broadcast_input():
    class OffMul(Function):  # y's gradient off by 1e-5 of itself
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        def backward(ctx, g):
            x, y = ctx.saved
            return g * y, (g * x).sum(axis=(0, 1, 2), keepdims=True) * (1 + 1e-5)

    x = np.random.default_rng(0).standard_normal((2, 3, 3))
    with pytest.raises(AssertionError, match="input 1"):
        check_grad(lambda x, y: OffMul.apply(x, y), x, np.array([[[0.7]]]))
