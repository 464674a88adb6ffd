"""Reshape's check of the new shape's items: exactly int or a NumPy integer type passes in C
(`ops.shape._INT_TYPES`), anything else through the item-by-item check as before: an int
subclass passes, a bool, a float or a string is refused in one line."""

from __future__ import annotations

import enum

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.ops.shape import Reshape


class Two(enum.IntEnum):
    N = 2


@pytest.mark.parametrize("shape", [(2, 3), (np.int64(2), 3), (np.int32(3), np.uint8(2)),
                                   (Two.N, 3), (-1,), (6, np.intc(1))], ids=repr)
def test_integer_items_reshape(shape):
    x = np.arange(6.0)
    ctx = Reshape()
    out = ctx.forward(x, shape=shape)
    assert out.tobytes() == x.reshape(shape).tobytes() and out.shape == x.reshape(shape).shape


@pytest.mark.parametrize("shape", [(True, 6), (2, 3.0), (np.float64(2), 3), ("2", 3),
                                   (np.bool_(True), 6)], ids=repr)
def test_other_items_are_refused_in_one_line(shape):
    with pytest.raises(TypeError, match=r"^reshape: the new shape must be integers, got "):
        Reshape().forward(np.arange(6.0), shape=shape)
    with pytest.raises(TypeError, match=r"^reshape: the new shape must be integers"):
        Tensor(np.arange(6.0)).reshape(*shape)
