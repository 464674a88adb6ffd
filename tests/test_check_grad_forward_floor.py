"""check_grad's forward check against `ref`: to 1e-12 of each entry or of the output's largest
finite entry. A matrix function's small entries are exact only to round-off of its norm
(hypothesis found matrix_exp's -1.96 beside 8e4 off by 2.4e-12 relative: a false failure)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import optable
from tinygrad_dl.testing import check_grad


def test_matrix_exp_of_a_large_norm_matrix_passes():
    op = optable.BY_NAME["matrix_exp"]
    a = np.array([[1.0, -2, 0], [-2, 1, 0], [-2, -2, 0]])
    check_grad(op.test_call(), a, ref=op.ref, scale=4.0)


def _off(rel: float, at: int):
    """x * 2 with entry `at` moved by rel of the largest entry."""
    def ref(x):
        e = 2 * x
        e = e.copy()
        e.flat[at] += rel * np.max(np.abs(e[np.isfinite(e)]))
        return e
    return ref


def test_a_forward_off_by_more_than_round_off_of_the_largest_entry_fails():
    x = np.array([1e5, 1.0, -3.0])
    check_grad(lambda t: t * 2, x, ref=_off(5e-13, 1))  # round-off of 2e5: passes
    with pytest.raises(AssertionError, match="forward"):
        check_grad(lambda t: t * 2, x, ref=_off(1e-10, 1))


def test_an_infinite_entry_gives_no_infinite_floor():
    x = np.array([np.inf, 1.0, -3.0])
    with pytest.raises(AssertionError, match="forward"):
        check_grad(lambda t: t * 2, x, ref=lambda a: 2 * a + np.array([0, 1e-9, 0]))
