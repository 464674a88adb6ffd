"""False passes of the gradient-checking kit for a backward right for one sign of the upstream
gradient only: the seeded upstream gradient of a one-element output is always positive (1.137),
and those of shapes (2,) and (3,) all negative, so `np.abs(g) * ...` (or `dx[g <= 0] = 0`
written for `dx[x <= 0] = 0`) passed check_grad and gradcheck on such ops. Both now also run
backward with -g, which must give exactly minus the gradient."""

import numpy as np
import pytest

from tinygrad_dl import Function, Tensor
from tinygrad_dl.gradcheck import GradcheckError, gradcheck
from tinygrad_dl.testing import check_grad, upstream


class CubeLossAbsG(Function):  # a scalar loss whose backward takes |g|
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.asarray((x ** 3).sum())

    def backward(ctx, g):
        (x,) = ctx.saved
        return np.abs(g) * 3 * x ** 2


class CubeLoss(Function):  # the same, right
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.asarray((x ** 3).sum())

    def backward(ctx, g):
        (x,) = ctx.saved
        return g * 3 * x ** 2


class SinMinusAbsG(Function):  # right only where g < 0
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    def backward(ctx, g):
        (x,) = ctx.saved
        return -np.abs(g) * np.cos(x)


class ReluMaskedByG(Function):  # the classic slip: the mask taken from g, not from x
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    def backward(ctx, g):
        dx = g.copy()
        dx[g <= 0] = 0
        return dx


class Relu(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    def backward(ctx, g):
        (x,) = ctx.saved
        return g * (x > 0)


def test_the_seeded_upstream_gradient_has_one_sign_for_small_outputs():
    # why the cases below passed: no sign of g was ever the other one
    assert (upstream(()) > 0).all() and (upstream((1, 1)) > 0).all()
    assert (upstream((2,)) < 0).all() and (upstream((3,)) < 0).all()


def test_check_grad_fails_a_scalar_loss_whose_backward_takes_abs_g():
    x = np.array([[0.3, -1.2], [0.8, 2.0]])
    with pytest.raises(AssertionError, match=r"CubeLossAbsG: input 0: backward\(-g\) is not "
                                             r"-backward\(g\)"):
        check_grad(CubeLossAbsG.apply, x)
    check_grad(CubeLoss.apply, x)  # the right one passes


@pytest.mark.parametrize("n", [2, 3])
def test_check_grad_fails_a_backward_right_for_negative_g_only(n):
    x = np.array([0.3, -1.2, 0.8])[:n]
    with pytest.raises(AssertionError, match="linear in the upstream gradient g"):
        check_grad(SinMinusAbsG.apply, x)


def test_check_grad_fails_relu_masked_by_g_where_g_is_all_negative():
    x = np.array([-0.3, -1.2])  # the gradient there is 0, and so is this backward's for g < 0
    with pytest.raises(AssertionError, match=r"ReluMaskedByG: input 0: backward\(-g\)"):
        check_grad(ReluMaskedByG.apply, x)
    check_grad(Relu.apply, x)
    check_grad(Relu.apply, np.array([-0.3, 1.2, 0.5]))


def test_gradcheck_fails_a_scalar_loss_whose_backward_takes_abs_g():
    x = Tensor(np.array([[0.3, -1.2], [0.8, 2.0]]), requires_grad=True, name="x")
    with pytest.raises(GradcheckError, match=r"gradcheck FAILED for CubeLossAbsG: x: "
                                             r"backward\(-g\) is not -backward\(g\)"):
        gradcheck(CubeLossAbsG.apply, [x], raise_exception=True)
    y = Tensor(np.array([0.3, -1.2]), requires_grad=True)  # output (2,): weights both < 0
    report = gradcheck(SinMinusAbsG.apply, [y])  # (a failed report, as a wrong gradient's)
    assert not report.passed and "linear in the upstream gradient" in str(report)
    assert gradcheck(CubeLoss.apply, [x]).passed
    assert x.grad is None  # the caller's tensor is left as it was


def test_a_wrong_gradient_is_still_named_by_the_finite_differences_first():
    # a backward both nonlinear in g and wrong for this g keeps its report / message
    x = np.array([0.3, -1.2, 0.8, 0.1])
    with pytest.raises(AssertionError, match=r"max relative error 1.000e\+00 > 1e-07 at \(1,\)"):
        check_grad(lambda t: SinMinusAbsG.apply(t), x)  # (g at (1,) is the positive one)
    report = gradcheck(SinMinusAbsG.apply, [Tensor(x, requires_grad=True)])
    assert not report.passed and report.max_rel_error == pytest.approx(1.0)
