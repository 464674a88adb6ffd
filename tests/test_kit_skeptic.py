"""Wrong verdicts of the gradient-check kit found by a skeptical review (2026-12-03): each test
failed on the code before its fix. A NaN or infinite gradient passed check_grad (NaN is never
greater than tol) and gradcheck (when another input came first)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Function, Tensor
from tinygrad_dl.gradcheck import gradcheck
from tinygrad_dl.testing import check_grad


class NanAtZero(Function):
    """x * y whose gradient of y is NaN (or `bad`) at element 0."""

    bad = np.nan

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    def backward(ctx, g):
        x, y = ctx.saved
        gy = g * x
        gy[0] = ctx.bad
        return g * y, gy


class InfAtZero(NanAtZero):
    bad = np.inf


@pytest.mark.parametrize("op", [NanAtZero, InfAtZero], ids=["nan", "inf"])
def test_a_non_finite_gradient_fails_check_grad(op: type[Function]) -> None:
    with pytest.raises(AssertionError, match="input 1 .*backward returned a non-finite"):
        check_grad(op.apply, np.array([1.0, 2.0]), np.array([3.0, 4.0]))


def test_a_nan_gradient_of_the_second_input_fails_gradcheck() -> None:
    xs = [Tensor(np.array([1.0, 2.0]), requires_grad=True),
          Tensor(np.array([3.0, 4.0]), requires_grad=True)]
    report = gradcheck(NanAtZero.apply, xs)
    assert not report.passed and report.worst is report.inputs[1], str(report)
