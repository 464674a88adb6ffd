"""Guards of the masked-index and NumPy-writer refusals that no test reached (mutation testing,
helper hM): a masked array inside a tuple index (np.asarray of the tuple dropped its mask), a
value that requires grad given to a NumPy writer by keyword, np.sum's out= (the method's
refusal, not a write), and the np.put refusal's advice."""
import numpy as np
import pytest

import tinygrad_dl as tg

MASKED = np.ma.array([0, 1], mask=[0, 1])


@pytest.mark.parametrize("call", [lambda x: x.take((MASKED,)),
                                  lambda x: x.index_select(0, (MASKED,)),
                                  lambda x: x.repeat_interleave((MASKED,))],
                         ids=["take", "index_select", "repeat_interleave"])
def test_a_masked_array_inside_a_tuple_index_is_refused(call):
    with pytest.raises(TypeError, match="masked array, whose mask no op would honour"):
        call(tg.Tensor(np.arange(5.0)))


@pytest.mark.parametrize("write", [lambda d, w: np.copyto(d, src=w),
                                   lambda d, w: np.put(d, [0], v=w),
                                   lambda d, w: np.putmask(d, np.ones(3, bool), values=w)],
                         ids=["copyto", "put", "putmask"])
def test_a_value_that_requires_grad_given_by_keyword_is_refused(write):
    w = tg.Tensor(np.ones(3), requires_grad=True)
    d = tg.Tensor(np.zeros(3))
    with pytest.raises(RuntimeError, match="requires grad, written into a tensor"):
        write(d, w)
    assert d.data.tolist() == [0.0, 0.0, 0.0]


def test_np_sum_out_a_tensor_is_the_methods_refusal():
    t = tg.Tensor(np.zeros(()))
    with pytest.raises(ValueError, match=r"sum\(out=\.\.\.\): a tensor op makes a new tensor"):
        np.sum(tg.Tensor(np.arange(3.0)), out=t)
    assert t.data.tolist() == 0.0


def test_np_put_into_an_op_result_advises_the_out_of_place_put():
    h = tg.Tensor(np.zeros(3), requires_grad=True) + 1
    with pytest.raises(RuntimeError, match=r"write `x = x\.put\(index, v\)`"):
        np.put(h, [0], 5.0)
