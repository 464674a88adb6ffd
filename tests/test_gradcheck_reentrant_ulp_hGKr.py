"""gradcheck's reentrancy check compares the second backward's gradient itself with the first,
as torch's gradcheck does (max |difference| <= nondet_tol): added onto the first, a difference
under half an ulp of their sum rounded away, and a second backward one ulp off passed with
nondet_tol=0 (torch's fails it as "backward is not reentrant")."""

import numpy as np
import pytest

from tinygrad_dl import Function, Tensor
from tinygrad_dl.gradcheck import gradcheck


class UlpOffSecondTime(Function):  # the second and later backwards: one ulp above g
    def forward(ctx, x):
        ctx.calls = 0
        return x * 1.0

    def backward(ctx, g):
        ctx.calls += 1
        return g if ctx.calls == 1 else np.nextafter(g, np.inf)


@pytest.mark.parametrize("values", [[1.0], [0.5, -2.0]])
def test_a_second_backward_one_ulp_off_fails_with_nondet_tol_0(values):
    x = Tensor(np.array(values), requires_grad=True, name="x")
    report = gradcheck(UlpOffSecondTime.apply, [x], raise_exception=False)  # passed
    assert not report.passed
    assert str(report).splitlines()[0].startswith(
        "gradcheck FAILED for UlpOffSecondTime: x: a second backward gave another gradient")


def test_a_nondet_tol_above_one_ulp_lets_it_pass():
    x = Tensor(np.array([1.0]), requires_grad=True, name="x")
    assert gradcheck(UlpOffSecondTime.apply, [x], nondet_tol=1e-15).passed
    assert x.grad is None  # the caller's tensor is left as it was
