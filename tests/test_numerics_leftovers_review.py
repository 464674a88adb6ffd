"""Review of two numerics leftovers: check_grad's floor inside one multilinear op (a conv's
partial sums cancel to a small output, and their rounding showed as gradient error), and
binary_cross_entropy at probabilities of 0, 1 and float32's subnormals (against torch 2.13)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl import ops
from tinygrad_dl.testing import check_grad

torch = pytest.importorskip("torch")

# ---- check_grad inside one multilinear op ----------------------------------------------------
# optable's conv2d stride-2 case, (1, 1, 5, 5) * (2, 1, 3, 3) + (2,): draws like hypothesis'
# (values of about 3, tiny weights 1.1e-6 and 4e-7) found by a random search of that case.
# Output (0, 1, 0, 0) is 2.73 * -3 + ... = 0.43, its partial sums about 9x that: x[0, 0, 0, 1]'s
# gradient, 1.1e-6 * G = -1.44e-6, measured 1.5e-11 off, relative error 1.5e-7 over a floor
# sized by the outputs (0.43)
_X = np.array([[-3.0, -0.46788886757103176, 3.9999999999999998e-07, -2.6453391474644468, 1.0],
               [2.0, 0.9928448980340958, 2.0, -2.9999999999999996, 2.0018361873712198],
               [-2.9005134850236756, 2.946435386455441, 2.9999999999999996, 2.419057678200354,
                -1.0],
               [2.2250738585072014e-308, 0.0, 0.38804877753632105, -1.0, -1.0],
               [1.5, -1.0, 1.4891512434030663, 0.0, -2.0]]).reshape(1, 1, 5, 5)
_W = np.array([[1.1e-06, 0.0, 1.234990279140768, -1.0, -1.9862791874878027, 1.204449895963288,
                2.2250738585072014e-308, -0.10186143601345199, 1.1e-06],
               [2.7296108778299457, 1.1e-06, 1.213011904194337, 2.2250738585072014e-308, 1.5,
                -2.761682291660567, -2.982871611852971, 9.9999999999999995e-08, 1.0]]
              ).reshape(2, 1, 3, 3)
_B = np.array([1.0, 1.0])


def test_conv_partial_sums_rounding_is_within_the_floor():
    check_grad(lambda x, w, b: F.conv2d(x, w, b, stride=2), _X, _W, _B)


def test_conv_partial_sums_rounding_second_draw():
    # another draw of the same search: gradient 8.4e-8 measured 2.2e-11 off
    x = np.array([1.1e-06, -1.0, -1.42238783018189, -0.18697199429108302, -3.0,
                  5.960464477539063e-08, -2.9999999999999996, 0.7242618424966043,
                  0.3741800878155308, -2.727784973424356, 2.9999999999999996, -1.0, -2.0,
                  -0.7070319891135943, 2.9999999999999996, -0.31986393721158635, 2.0,
                  -1.8205184692980063, -2.6194669584693493, 0.5, 0.5, -2.9999999999999996, 3.0,
                  2.9999999999999996, -1.0]).reshape(1, 1, 5, 5)
    w = np.array([0.21892534469628355, 1.8508509600858245, 1.0, -2.5694561149188284, 3.0, 0.0,
                  2.9999999999999996, 2.9999999999999996, 0.5526609748368894, 2.0,
                  2.841421446079978, 2.907378021630108, 3.9999999999999998e-07, 2.0,
                  5.960464477539063e-08, -1.2786436147643985, 1.0, 2.9999999999999996]
                 ).reshape(2, 1, 3, 3)
    check_grad(lambda x, w, b: F.conv2d(x, w, b, stride=2), x, w, np.array([3.0, 2.2e-308]))


def test_matmul_partial_sums_rounding_is_within_the_floor():
    # the same in one matrix product: six products of about 8 cancel to 0.47, and y's 1.1e-6
    # makes x[0, 0]'s gradient 1.25e-6, measured 1.3e-11 off (relative error 1.3e-7)
    x = np.array([[2.940709248340359, 2.75739717781716, 2.7244657852090537, -2.956568092286121,
                   -2.9583850488533003, -2.9629611289249738]])
    y = np.array([[1.1e-06], [-1.3557096683176904], [-2.9574490283810024], [0.874325373449687],
                  [1.319456301052158], [-6.023674507053839]])
    check_grad(lambda a, b: a @ b, x, y)
    check_grad(lambda a, b: F.linear(a, b.T), x, y)  # the fused Linear: multilinear too


class _ConvOff(ops.Conv2d):  # multilinear, as Conv2d: its floor is the partial sums'
    def backward(ctx, g):
        return tuple(None if d is None else d * (1 + 1e-5) for d in super().backward(g))


class _MatMulOff(ops.MatMul):
    def backward(ctx, g):
        gx, gy = super().backward(g)
        return gx, gy * (1 + 1e-5)


def test_a_conv_backward_off_by_1e5_relative_still_fails():
    args = {"stride": (2, 2), "padding": ((0, 0), (0, 0))}
    assert _ConvOff.multilinear
    for x, w, b in [(_X, _W, _B), (np.random.default_rng(0).uniform(-3, 3, (1, 1, 5, 5)),
                                    np.random.default_rng(1).uniform(-3, 3, (2, 1, 3, 3)),
                                    np.random.default_rng(2).uniform(-3, 3, 2))]:
        with pytest.raises(AssertionError, match="max relative error"):
            check_grad(lambda *t: _ConvOff.apply(*t, **args), x, w, b)
        check_grad(lambda *t: ops.Conv2d.apply(*t, **args), x, w, b)  # the right one passes


def test_a_matmul_backward_off_by_1e5_relative_still_fails():
    x = np.array([[2.9, -2.9999999999999996, 3.0, 0.4], [1.0, 2.0, -1.0, 0.5]])  # (2 rows: an
    # array gradient of y, not one row's Outer term)
    y = np.array([[1.1e-06, 2.0], [2.9, 1.0], [2.9, -1.0], [1.0, 3.0]])
    with pytest.raises(AssertionError, match="input 1 .* max relative error"):
        check_grad(lambda a, b: _MatMulOff.apply(a, b), x, y)


def test_a_non_multilinear_op_keeps_the_outputs_floor():
    # x * y then a sum over a cancelling row, written as separate ops: no multilinear Function,
    # the products are heard as they are (their own magnitudes), and a wrong backward of 1e-5
    # relative on the products still fails
    class MulOff(ops.Mul):
        def backward(ctx, g):
            gx, gy = super().backward(g)
            return gx, None if gy is None else gy * (1 + 1e-5)

    assert not getattr(ops.Mul, "multilinear", False)
    x = np.array([2.9, -2.9999999999999996, 3.0, 0.4])
    y = np.array([1.1e-06, 2.9, 2.9, 1.0])
    with pytest.raises(AssertionError, match="input 1"):
        check_grad(lambda a, b: MulOff.apply(a, b).sum(), x, y)
    check_grad(lambda a, b: (a * b).sum(), x, y)


# ---- binary_cross_entropy against torch 2.13 at 0, 1 and float32's subnormals ---------------
_P = [0.0, 1e-45, 1e-40, 1e-38, 1 - 1e-7, 1.0, 1e-300, 1 - 1e-16, 1e-10, 0.5]
_Y = [0.0, 1.0, 0.3]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_values_and_gradients_are_torchs(dtype, reduction, weighted):
    # float32 p = 1e-40 (subnormal), y = 1: the gradient was -inf (torch: -4e11 for G = 0.4);
    # p = 0 with y = 1 had gradient 0 (torch: -1e12), p = 1e-300 in float64 0 but p = 1e-40
    # -4e39; -log(1 - p) lost p = 1e-10's digits (1e-6 relative) where torch takes log1p
    p = np.array([a for a in _P for _ in _Y], dtype)
    y = np.array([b for _ in _P for b in _Y], dtype)
    w = np.linspace(0.5, 2.0, p.size).astype(dtype) if weighted else None
    tp = torch.tensor(p, requires_grad=True)
    want = torch.nn.functional.binary_cross_entropy(
        tp, torch.tensor(y), weight=None if w is None else torch.tensor(w), reduction=reduction)
    G = (np.linspace(-1.0, 1.5, p.size) if reduction == "none" else np.array(1.3)).astype(dtype)
    want.backward(torch.tensor(G))
    x = tg.Tensor(p, requires_grad=True)
    got = F.binary_cross_entropy(x, tg.Tensor(y), weight=w, reduction=reduction)
    got.backward(tg.Tensor(G))
    assert got.dtype == dtype and x.grad.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=rtol, atol=0)
    assert np.isfinite(x.grad).all()
    # (gradients below 1e-29, float32 p = 1e-45 with y = 0, round differently by the order of
    # the weight's and the mean's products: torch fuses them into one expression)
    np.testing.assert_allclose(x.grad, tp.grad.numpy(), rtol=10 * rtol,
                               atol=1e-29 if dtype == np.float32 else 1e-300)


def test_bce_float32_subnormal_probability_gradient_is_finite():
    x = tg.Tensor(np.float32([1e-40]), requires_grad=True)
    F.binary_cross_entropy(x, tg.Tensor(np.float32([1.0]))).backward()
    t = torch.tensor([1e-40], requires_grad=True)
    torch.nn.functional.binary_cross_entropy(t, torch.tensor([1.0])).backward()
    assert np.isfinite(x.grad).all()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-6)


def test_bce_target_gradient_is_the_clamped_logs_difference():
    # deliberately not torch's -logit(p) (inf at p = 0 where the loss is 100 y): the
    # derivative of the value as computed; equal to torch's away from the clamp
    p = np.array([0.0, 1.0, 0.3, 0.9, 1e-45], np.float32)
    y = tg.Tensor(np.float32([1.0, 0.0, 0.5, 0.2, 0.3]), requires_grad=True)
    F.binary_cross_entropy(tg.Tensor(p), y, reduction="sum").backward()
    np.testing.assert_allclose(y.grad, [100.0, -100.0, np.log(0.7 / 0.3), np.log(0.1 / 0.9),
                                        100.0], rtol=1e-6)
    ty = torch.tensor([0.5, 0.2], requires_grad=True)
    torch.nn.functional.binary_cross_entropy(torch.tensor(p[2:4]), ty, reduction="sum").backward()
    np.testing.assert_allclose(y.grad[2:4], ty.grad.numpy(), rtol=1e-6)
