"""A float index (a position computed by arithmetic: `x[t / 2]`) is refused in one line that
says how to mend it (`.long()`), for reads and writes alike; integer and bool indices are
untouched, and the refusal still names the op and the tensor's shape."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg


@pytest.mark.parametrize("index", [
    lambda: tg.tensor([1.0, 2.0]), lambda: tg.tensor(1.0), lambda: [1.0, 2.0],
    lambda: (slice(None), tg.tensor([0.0])), lambda: 1.5, lambda: np.float32(2.0),
    lambda: np.array([1.0], np.float32)])
def test_a_float_index_is_refused_with_the_cast_to_make(index):
    x = tg.arange(6.0).reshape(2, 3) if isinstance(index(), tuple) else tg.arange(5.0)
    with pytest.raises(IndexError) as e:
        x[index()]
    msg = str(e.value)
    assert "\n" not in msg and "getitem" in msg and str(x.shape) in msg and ".long()" in msg
    with pytest.raises(IndexError) as e:
        x[index()] = 1.0
    assert "\n" not in str(e.value) and ".long()" in str(e.value)


def test_other_refusals_do_not_suggest_a_cast():
    x = tg.arange(5.0)
    for bad in (tg.tensor([7]), (0, 0)):
        with pytest.raises(IndexError) as e:
            x[bad]
        assert ".long()" not in str(e.value)


def test_the_cast_it_names_works():
    x = tg.arange(5.0, requires_grad=True)
    i = tg.tensor([4.0, 1.0])
    y = x[i.long()]
    y.sum().backward()
    assert y.tolist() == [4.0, 1.0] and x.grad.tolist() == [0.0, 1.0, 0.0, 0.0, 1.0]
