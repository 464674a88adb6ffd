"""A NumPy masked array written into a tensor in place (t[i] = m, t.copy_(m), t += m): the
write read the values under the mask without a word, where Tensor(m), backward(m) and the
optimizer's .grad and state refuse it. Refused in one line naming the op, nothing written."""

import numpy as np
import pytest

import tinygrad_dl as tg

M = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])


def _setitem(y):
    y[:] = M


def _iadd(y):
    y += M


@pytest.mark.parametrize("write, op", [(_setitem, r"Tensor.__setitem__ \(t\[i\] = v\)"),
                                       (lambda y: y.copy_(M), "Tensor.copy_"),
                                       (_iadd, "Tensor.add_"),
                                       (lambda y: y.mul_(M), "Tensor.mul_")])
def test_an_inplace_write_of_a_masked_array_is_refused(write, op):
    y = tg.tensor([0.0, 0.0, 0.0])
    with pytest.raises(TypeError, match=rf"^{op}.*'s value is a masked array, whose mask no op "
                                        r"would honour; pass x\.filled\(value\)") as e:
        write(y)
    assert "\n" not in str(e.value)
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 0.0])


def test_filled_is_written():
    y = tg.tensor([0.0, 0.0, 0.0])
    y[:] = M.filled(0.0)
    y.copy_(tg.tensor(M.filled(5.0)))
    np.testing.assert_array_equal(y.data, [1.0, 5.0, 3.0])
