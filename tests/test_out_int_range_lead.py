"""`out=` of an integer result into a narrower integer out: hO's torch.can_cast rule let
int64 -6 be written into a uint8 out as 250 without a word (torch wraps too); a value outside
out's dtype is refused in one line, as Tensor.copy_ refuses the cast, and values that fit are
written."""

import numpy as np
import pytest

import tinygrad_dl as tg


@pytest.mark.parametrize("out_dtype,values,bad", [
    (np.uint8, [-3, 100], -6), (np.uint8, [3, 200], 400), (np.int8, [100, 1], 200),
    (np.int16, [2**15 - 1, 0], 2**16 - 2), (np.uint32, [-1, 2], -2),
])
def test_out_of_range_integer_result_refused(out_dtype, values, bad):
    a = tg.tensor(np.array(values, dtype=np.int64))
    out = tg.zeros(2, dtype=out_dtype)
    with pytest.raises(OverflowError, match=rf"add\(out=\.\.\.\): the result holds {bad}, "
                       rf"outside out's dtype {np.dtype(out_dtype).name}") as e:
        tg.add(a, a, out=out)
    assert "\n" not in str(e.value)
    np.testing.assert_array_equal(out.numpy(), [0, 0])  # nothing written


def test_fitting_values_are_written():
    a = tg.tensor(np.array([3, 100], dtype=np.int64))
    out = tg.zeros(2, dtype=tg.uint8)
    assert tg.add(a, a, out=out) is out
    np.testing.assert_array_equal(out.numpy(), [6, 200])
