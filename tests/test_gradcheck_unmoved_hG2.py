"""check_grad at an element whose perturbations by +-h and +-2h move no output: its numeric
derivative is exactly 0, and a true one below what h can resolve (a weight of 1e-11 into an
output of 14) failed against the floor of "at least 1" (1e-4); such an element is now floored
at the scale of all the outputs, and wrong gradients of a size h can resolve still fail."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_dl import Function, Tensor, no_grad
from tinygrad_dl import functional as F
from tinygrad_dl.testing import check_grad
from tinygrad_dl.testing.grad_check import upstream

H = 1e-4  # check_grad's step


def _moves_no_output(op, arrays, i, k) -> bool:
    """Whether arrays[i][k] +- h and +- 2h leave every output of op bit for bit as it was."""
    with no_grad():
        out0 = op(*[Tensor(a) for a in arrays]).data
        for d in (-2 * H, -H, H, 2 * H):
            moved = [a.copy() for a in arrays]
            moved[i][k] += d
            if not np.array_equal(op(*[Tensor(a) for a in moved]).data, out0):
                return False
    return True


# ---- the flake: tests/test_ops.py::test_gradient[conv3d], a dev-profile draw --------------
# The draw's inputs reduced to those that reach output (0, 0, 0, 2, 1) = 13.99 (the others
# multiply weights of 0): x[0, 0, 1, 2, 4] reaches it through the weight 7.16e-12 only, so its
# gradient is G * 7.16e-12 = 1.01e-11 exactly, and h moves that output by 7e-16 < ulp(14)
def _conv3d(x, w, b):
    return F.conv3d(x, w, b, stride=(2, 1, 2), dilation=(1, 2, 1), groups=2)


def _conv3d_draw():
    x = np.zeros((1, 4, 4, 3, 5))
    x[0, 0, 0, 2, 3], x[0, 0, 1, 2, 4] = -2.45906557, -1.65224277
    x[0, 1, 0, 2, 2], x[0, 1, 1, 2, 3] = 2.46190754, 0.697824465
    w = np.zeros((2, 2, 2, 1, 3))
    w[0, 0, 0, 0, 1], w[0, 0, 1, 0, 2] = -2.04986279, 7.16249896e-12
    w[0, 1, 0, 0, 0], w[0, 1, 1, 0, 1] = 3.0, 0.512642419
    return x, w, np.array([1.21017083, 0.0])


def test_the_conv3d_draw_passes():
    # failed: "input 0 (1, 4, 4, 3, 5): max relative error 1.012e-07 > 1e-07 at
    # (0, 0, 1, 2, 4): analytic 1.0118860352985882e-11, numeric 0.0"
    check_grad(_conv3d, *_conv3d_draw())


def test_the_conv3d_draw_is_what_the_fix_assumes():
    torch = pytest.importorskip("torch")
    x, w, b = _conv3d_draw()
    k = (0, 0, 1, 2, 4)
    assert _moves_no_output(_conv3d, [x, w, b], 0, k)
    t = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.conv3d(t, torch.tensor(w), torch.tensor(b), stride=(2, 1, 2),
                                     dilation=(1, 2, 1), groups=2)
    G = upstream(tuple(out.shape))
    out.backward(torch.tensor(G))
    assert t.grad[k].item() == G[0, 0, 0, 2, 1] * w[0, 0, 1, 0, 2]  # the one path, exactly
    assert 1e-11 < abs(t.grad[k].item()) < 2e-11  # over the old floor's 1e-4 * tol
    ours = Tensor(x, requires_grad=True)
    _conv3d(ours, Tensor(w), Tensor(b)).backward(G)
    np.testing.assert_allclose(ours.grad, t.grad.numpy(), rtol=1e-12, atol=0)


# ---- a minimal one: x @ w, x[0, 1]'s weight 1e-10 into an output of 1000 -----------------
X = np.array([[125.0, 0.75]])
W = np.array([[8.0], [1e-10]])


def _matmul(x, w):
    return x @ w


def test_a_tiny_weight_into_a_large_output_passes():
    assert _moves_no_output(_matmul, [X, W], 0, (0, 1))  # ulp(1000) = 1.1e-13 > 2h * 1e-10
    check_grad(_matmul, X, W)  # failed: analytic 1.14e-10 vs numeric 0.0, error 1.1e-6


class _TinyWeightWrong(Function):
    """x @ w whose backward gives x[0, 1] the gradient `BAD` (true: G * 1e-10)."""

    BAD = 1e-3

    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x @ w

    def backward(ctx, g):
        x, w = ctx.saved
        gx = g @ w.T
        gx[0, 1] = type(ctx).BAD
        return gx, x.T @ g


class _TinyWeightWrongByOne(_TinyWeightWrong):
    BAD = 1.0


class _TinyWeightDoubled(_TinyWeightWrong):
    def backward(ctx, g):
        x, w = ctx.saved
        return 2 * (g @ w.T), x.T @ g


@pytest.mark.parametrize("fn", [_TinyWeightWrong, _TinyWeightWrongByOne])
def test_a_wrong_gradient_at_the_unmoved_element_still_fails(fn):
    with pytest.raises(AssertionError, match=r"input 0 \(1, 2\).* at \(0, 1\)"):
        check_grad(fn.apply, X, W)


def test_a_backward_twice_too_large_still_fails():
    # the unmoved element passes (2.3e-10 is within its 1.1e-8), x[0, 0] does not
    with pytest.raises(AssertionError, match=r"input 0 \(1, 2\).* at \(0, 0\)"):
        check_grad(_TinyWeightDoubled.apply, X, W)


# ---- an element the op never reads: its true gradient is 0 --------------------------------
class _ReadsTheFirst(Function):
    """3 x[0] (x of shape (2,)), whose backward gives the unread x[1] the gradient `BAD`."""

    BAD = 1.0

    def forward(ctx, x):
        return np.full(4, 3.0 * x[0])

    def backward(ctx, g):
        return np.array([3.0 * g.sum(), type(ctx).BAD])


@pytest.mark.parametrize(("x0", "bad"), [(1.0, 1.0), (1.0, 1e-9), (400.0, 1e-6)])
def test_a_gradient_for_an_unread_element_still_fails(x0, bad):
    # the floor of an unmoved element is 1e-4 * sum |G o| over the outputs: 4 outputs of 3
    # (or 1200) hold it to |error| <= 8.9e-11 (or 3.6e-8)
    fn = type("ReadsTheFirst", (_ReadsTheFirst,), {"BAD": bad})
    with pytest.raises(AssertionError, match=r"input 0 \(2,\).* at \(1,\): analytic"):
        check_grad(fn.apply, np.array([x0, 0.5]))


def test_an_unread_element_with_gradient_zero_passes():
    fn = type("ReadsTheFirst", (_ReadsTheFirst,), {"BAD": 0.0})
    check_grad(fn.apply, np.array([400.0, 0.5]))


@settings(max_examples=25, deadline=None)
@given(big=st.floats(10.0, 1e4), tiny=st.floats(1e-13, 1e-10), x1=st.floats(-3.0, 3.0))
def test_tiny_weights_into_large_outputs_pass(big, tiny, x1):
    # moved or not at +-h, the right gradient passes
    check_grad(_matmul, np.array([[big, x1]]), np.array([[1.0], [tiny]]))
