"""Tests written against surviving mutants of tinygrad_dl.gradcheck (round 2): the verdict of a
check with several inputs is that of its worst input, floating constants reach f as float64,
and a function that differs under no_grad is told from a random one."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Function, Tensor, is_grad_enabled
from tinygrad_dl.gradcheck import gradcheck


class _MulWrongForFirst(Function):
    """x * y whose gradient for x is 10% too large (y's is right)."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    def backward(ctx, g):
        x, y = ctx.saved
        return 1.1 * y * g, x * g


def test_a_check_with_a_wrong_first_input_fails_whatever_the_last_input() -> None:
    x = Tensor(np.array([0.5, 1.5, -2.0]), requires_grad=True, name="x")
    y = Tensor(np.array([1.2, -0.7, 0.9]), requires_grad=True, name="y")
    report = gradcheck(lambda a, b: _MulWrongForFirst.apply(a, b), [x, y])
    rx, ry = report.inputs
    assert ry.max_rel_error < 1e-7 < rx.max_rel_error  # x is wrong, y is right
    assert report.max_rel_error == rx.max_rel_error
    assert report.worst is rx
    assert not report.passed and not report


def test_floating_constants_reach_f_as_float64() -> None:
    seen = []

    def f(c: Tensor, x: Tensor) -> Tensor:
        seen.append(c.data.dtype)
        return (c * x).sum()

    c = Tensor(np.array([0.1, 0.7, 1.3], dtype=np.float32))  # a constant: not checked
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    assert gradcheck(f, [c, x]).passed
    assert seen and set(seen) == {np.dtype(np.float64)}


def test_a_function_that_differs_under_no_grad_is_not_called_random() -> None:
    def f(x: Tensor) -> Tensor:
        return (x * (2.0 if is_grad_enabled() else 3.0)).sum()  # deterministic, mode-dependent

    with pytest.raises(ValueError, match="with and without no_grad"):
        gradcheck(f, [Tensor(np.array([1.0, 2.0]), requires_grad=True)])
