"""Review of comparisons with a number (d28b05b): a NumPy scalar beside a float tensor is read
as the Python number of its kind, as arithmetic reads it (docs/ops.md) and torch; a Python
complex is a Python number too (NumPy's weak scalar). Eagerly and inside a jit recording,
against torch."""

from __future__ import annotations

import operator
import warnings

import numpy as np
import pytest
from test_jit_compare import replays_as

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

OPS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]
CASES = [(np.float32([0.1, 0.2, np.nan]), np.float64(0.1)),
         (np.float16([0.1, 65504, -np.inf]), np.float64(0.1)),
         (np.float32([3e38, -1.0]), np.float64(1e300)),
         (np.float32([16777216.0, 3.0]), np.int64(2**24 + 1)),
         (np.float32([1.0, 0.0]), np.bool_(True)),
         (np.float32([0.1, 0.2]), np.float32(0.1))]


@pytest.mark.parametrize("a, v", CASES)
def test_a_numpy_scalar_beside_a_float_tensor_is_compared_as_torch_does(a, v):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (1e300 beside float32: no overflow warning)
        for op in OPS:
            want = op(torch.from_numpy(a), v).numpy()
            np.testing.assert_array_equal(op(tg.Tensor(a), v).data, want)
            np.testing.assert_array_equal(op(v, tg.Tensor(a)).data,
                                          op(v, torch.from_numpy(a)).numpy())
            replays_as(op, a, v, want)


def test_a_numpy_scalar_beside_an_integer_tensor_keeps_numpys_rule():
    """As arithmetic (`int32_t + np.int64(1)` is int64): compared as the number."""
    u8 = tg.Tensor(np.array([5, 250], np.uint8))
    assert (u8 < np.int64(300)).data.all() and not (u8 == np.int64(256)).data.any()


def test_a_python_complex_is_compared_as_itself():
    torch = pytest.importorskip("torch")
    a = np.float32([0.1, 0.2])
    for op in (operator.eq, operator.ne):
        want = op(torch.from_numpy(a), 0.1 + 0j).numpy()
        np.testing.assert_array_equal(op(tg.Tensor(a), 0.1 + 0j).data, want)
        np.testing.assert_array_equal(op(0.1 + 0j, tg.Tensor(a)).data, want)


def test_a_numpy_scalar_beside_an_integer_tensor_replays_in_a_jit():
    """It was a 0-d array made inside the step: strict jit refused it."""
    w = tg.Tensor(np.ones(4), requires_grad=True)

    def step(y):
        m = tg.Tensor(y) == np.int64(3)
        (w * m).sum().backward()
        return m
    got = jit(step, strict=True)
    for k in range(4):
        y = np.array([3, k, 3, 250], np.uint8)
        np.testing.assert_array_equal(got(y).data, y == np.int64(3))
    assert got.replays == 2
