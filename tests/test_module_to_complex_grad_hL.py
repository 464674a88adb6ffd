"""Module.to(dtype) with a complex .grad (set by hand) on a real parameter cast it to real,
dropping the imaginary part with only NumPy's ComplexWarning (torch refuses such a .grad at
`p.grad = g`). Refused in one line naming the parameter, before any parameter is cast."""
import warnings

import numpy as np
import pytest

from tinygrad_dl import nn


def test_a_complex_grad_is_refused_and_nothing_is_cast():
    lin = nn.Linear(2, 2)
    lin.W.grad = np.ones((2, 2), complex) * (1 + 2j)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no ComplexWarning on the way)
        with pytest.raises(TypeError, match=r"^Linear.to\(\): the .grad of parameter 'W' is "
                           "complex128, the parameter float64: a complex gradient for a real "
                           "parameter"):
            lin.to(np.float32)
    assert lin.W.dtype == np.float64 and lin.b.dtype == np.float64
    assert lin.W.grad.dtype == np.complex128


def test_a_real_grad_is_cast_with_its_parameter():
    lin = nn.Linear(2, 2)
    lin.W.grad = np.ones((2, 2))
    lin.float()
    assert lin.W.dtype == np.float32 and lin.W.grad.dtype == np.float32
