"""Second review of the numerics leftovers (check_grad's multilinear floor, the one-op
binary_cross_entropy): a subclass with its own forward inherited `multilinear`, and the loss
of a float32 probability against a float64 target came back float32."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl import ops
from tinygrad_dl.testing import check_grad

torch = pytest.importorskip("torch")


class _ExpMatMul(ops.MatMul):
    """exp(x @ y): a MatMul subclass whose own forward is not a sum of products."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        ctx.e = np.exp(x @ y)
        return ctx.e

    def backward(ctx, g):
        x, y = ctx.saved
        ge = g * ctx.e
        return ge @ y.T, x.T @ ge


class _ExpMatMulOff(_ExpMatMul):
    def backward(ctx, g):
        gx, gy = super().backward(g)
        gx = gx.copy()
        gx[0, 0] += 1e-9  # 1% of that element's gradient, 9.3e-8
        return gx, gy


# x @ y = 2.5e-6 (exp: 1), |x| @ |y| = 7.5 (exp: 1808): x[0, 0]'s gradient is 9.3e-8
_X = np.array([[2.5, -2.5, 2.5, -2.5]])
_Y = np.array([[1e-6], [1.0], [1.0], [1.0]])


def test_a_subclass_with_its_own_forward_does_not_inherit_multilinear():
    # the first review floored it at exp(|x| @ |y|) (1808), and the backward 1% off passed
    check_grad(lambda a, b: _ExpMatMul.apply(a, b), _X, _Y)  # the right one passes
    with pytest.raises(AssertionError, match=r"input 0 .* max relative error"):
        check_grad(lambda a, b: _ExpMatMulOff.apply(a, b), _X, _Y)


@pytest.mark.parametrize("pdt, ydt", [(np.float32, np.float64), (np.float16, np.float32)])
def test_bce_dtype_is_the_inputs_promoted_one(pdt, ydt):
    # float32 p against a float64 target Tensor was float64 before the one op (the
    # composition's, as mse_loss's and binary_cross_entropy_with_logits' still are); the op
    # gave float32
    p = np.array([0.2, 0.7, 0.0, 1.0], pdt)
    y = np.array([0.0, 1.0, 0.3, 1.0], ydt)
    x, t = tg.Tensor(p, requires_grad=True), tg.Tensor(y, requires_grad=True)
    loss = F.binary_cross_entropy(x, t, reduction="none")
    want = np.result_type(pdt, ydt)
    assert loss.dtype == want == F.mse_loss(x, t, reduction="none").dtype
    assert F.binary_cross_entropy_with_logits(x, t).dtype == want
    tp = torch.tensor(p.astype(np.float32))  # (torch refuses mixed dtypes: float32 for both)
    ref = torch.nn.functional.binary_cross_entropy(tp, torch.tensor(y.astype(np.float32)),
                                                   reduction="none")
    np.testing.assert_allclose(loss.data, ref.numpy(), rtol=1e-3 if np.float16 in (pdt, ydt)
                               else 1e-6)
    loss.sum().backward()
    assert x.grad.dtype == pdt and t.grad.dtype == ydt
