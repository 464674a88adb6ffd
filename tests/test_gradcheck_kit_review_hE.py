"""The second review of the gradient-checking kit's notes and tuple outputs: f's rounding is
no corner, a float32 output among float64 ones is named as float32, check_grad hands back the
op's own outputs, and a layout failure names the op."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Function, Tensor
from tinygrad_dl.gradcheck import gradcheck
from tinygrad_dl.testing import check_grad

X = np.array([0.3, -1.2, 2.0])


class SquarePlusBig(Function):
    """x * x + 1e8, its backward 1% off: smooth, with f's rounding ~1e-8 at every value."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x + 1e8

    def backward(ctx, g):
        return g * 2 * ctx.saved[0] * 1.01


def test_rounding_of_a_large_f_is_not_called_a_corner() -> None:
    # the one-sided slopes' gap grew with f's rounding (~ulp(1e8) / s) and was read as a corner
    report = gradcheck(SquarePlusBig.apply, [Tensor(X, requires_grad=True)])
    assert not report.passed
    assert "corner" not in report.note


def test_a_float32_output_among_float64_ones_is_named_not_called_a_kink() -> None:
    def both(t: Tensor) -> tuple[Tensor, Tensor]:
        return t * 2, t.sin().astype(np.float32)

    report = gradcheck(both, [Tensor(X, requires_grad=True)])  # joined in float64, the
    assert not report.passed  # float32 rounding got a kink note
    assert report.note.startswith("f returned float32 for float64 inputs")
    with pytest.raises(AssertionError) as e:
        check_grad(both, X)
    assert "returned float32 for float64 inputs" in str(e.value)
    assert "kink" not in str(e.value) and "\n" not in str(e.value)


def test_check_grad_returns_the_ops_own_outputs() -> None:
    out = check_grad(lambda t: (t * 2, t.exp(), t.argmax()), X,
                     ref=lambda a: (a * 2, np.exp(a), np.argmax(a)))
    assert isinstance(out, tuple) and len(out) == 3  # (it returned their flattened join)
    np.testing.assert_array_equal(out[0].data, X * 2)
    assert out[2].data.dtype.kind == "i"
