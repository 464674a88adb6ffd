"""check_grad's forward floor at its edges (mutation testing, helper hM): never below the old
absolute 1e-12 (outputs of tiny magnitude), and an empty output (no entry to take a max of)."""
import numpy as np
import pytest

from tinygrad_dl.testing.grad_check import check_grad


def test_tiny_outputs_keep_the_absolute_floor_of_1e_12():
    check_grad(lambda x: x * 1e-20 + 3e-13, [np.array([1.0, 2.0])], ref=lambda x: x * 1e-20)
    with pytest.raises(AssertionError, match="forward"):
        check_grad(lambda x: x * 1e-20 + 3e-12, [np.array([1.0, 2.0])],
                   ref=lambda x: x * 1e-20)


def test_an_empty_output_is_checked():
    check_grad(lambda x: x * 2.0, [np.zeros((0, 3))], ref=lambda x: x * 2.0)
