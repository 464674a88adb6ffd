"""Mutation testing, round 3: the gradient kit's notes and its memory-layout check. A kink a
few percent off is still named; a corner is not blamed for an error far larger than its own
gap; an op with one scalar input but a large output gets its upstream gradient in another
layout too, and a float32 rounding in another layout only is caught."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Function
from tinygrad_dl.gradcheck import kink_note, numerical_grad
from tinygrad_dl.testing import check_grad


def _abs_sum(x: np.ndarray) -> float:
    return float(np.abs(x).sum())


def test_a_kink_that_moves_the_difference_by_a_few_percent_is_named() -> None:
    # abs at 1.5 h: the stencil's x - 2h crosses 0; 13/12 at h, 1 at h/10 (8% apart)
    x = np.array([1.5e-4])
    numeric = numerical_grad(_abs_sum, x)[0]
    assert numeric == pytest.approx(13 / 12)
    note = kink_note(_abs_sum, x, (0,), 1e-4, 1.0, numeric)
    assert note.startswith("finite differences at h=0.0001 and h=1e-05 disagree here"), note


def test_a_corner_is_not_blamed_for_an_error_far_beyond_its_gap() -> None:
    x = np.array([0.0])  # abs's corner: one-sided slopes -1 and 1, a gap of 2
    numeric = numerical_grad(_abs_sum, x)[0]
    assert "corner at this very point" in kink_note(_abs_sum, x, (0,), 1e-4, 1.0, numeric)
    assert kink_note(_abs_sum, x, (0,), 1e-4, 50.0, numeric) == ""  # (a backward 50 off)


_W = np.arange(6.0).reshape(2, 3) - 2.5


class _ScaleReadsUpstreamAsContiguous(Function):
    """A scalar x times a (2, 3) matrix, whose backward reads the upstream gradient's memory
    as if it were C-contiguous (right for a C-ordered one only)."""

    def forward(ctx, x):
        return x * _W

    def backward(ctx, g):
        g = np.asarray(g)
        flat = np.lib.stride_tricks.as_strided(g, shape=(g.size,), strides=(g.itemsize,))
        return np.asarray((flat * _W.reshape(-1)).sum())


def test_a_scalar_input_s_op_gets_its_upstream_gradient_in_another_layout() -> None:
    with pytest.raises(AssertionError, match="memory layout"):
        check_grad(_ScaleReadsUpstreamAsContiguous.apply, np.array(0.7))


class _TripleRoundsOtherLayouts(Function):
    """3 x whose backward goes through float32 for an upstream gradient that is not
    C-contiguous: right in C order, up to 6e-8 relative off in the others (1e-9 is the bound)."""

    def forward(ctx, x):
        return x * 3.0

    def backward(ctx, g):
        g = np.asarray(g)
        if not g.flags.c_contiguous:
            g = g.astype(np.float32).astype(np.float64)
        return 3.0 * g


def test_a_float32_rounding_in_another_layout_only_is_caught() -> None:
    with pytest.raises(AssertionError, match="memory layout"):
        check_grad(_TripleRoundsOtherLayouts.apply, np.array([[0.1, 1.3], [-2.7, 0.45]]))
