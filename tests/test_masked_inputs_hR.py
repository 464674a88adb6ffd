"""A NumPy masked array where data enters: tensor(), as_tensor(), backward's gradient, a .grad
set by hand (read by backward's accumulation and by step()) and a loaded optimizer state used
the values under the mask as if it were not there (torch.tensor and np.asarray drop it too),
without a word; each is refused in one line naming where it came in, as Tensor() was."""

import re

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.optim as O
from tinygrad_dl import Tensor

M = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])


def _leaf():
    return Tensor(np.ones(3), requires_grad=True)


@pytest.mark.parametrize("make, where", [(tg.tensor, "tensor()'s data"),
                                         (tg.as_tensor, "as_tensor()'s data"),
                                         (Tensor, "Tensor()'s data")])
def test_constructors_refuse_a_masked_array_naming_themselves(make, where):
    with pytest.raises(TypeError,
                       match=rf"^{re.escape(where)} is a masked array.*x\.filled\(value\)"):
        make(M)


def test_backward_gradient_masked_is_refused_as_backwards():
    x = _leaf()
    with pytest.raises(TypeError, match=r"^backward\(\)'s gradient is a masked array"):
        (x * 2).backward(M)
    assert x.grad is None


def test_grad_set_by_hand_masked_is_refused_by_backward_accumulation():
    x = _leaf()
    x.grad = M.copy()
    with pytest.raises(TypeError, match="^backward: the .grad set by hand is a masked array"):
        (x * 2).sum().backward()


@pytest.mark.parametrize("cls", [O.SGD, O.Adam])
def test_step_refuses_a_masked_grad_and_leaves_the_parameter(cls):
    x = _leaf()
    opt = cls([x], lr=0.1)
    x.grad = M.copy()
    with pytest.raises(TypeError, match=rf"^{cls.__name__}\.step\(\): the \.grad of parameter "
                                        r"\? is a masked array"):
        opt.step()
    np.testing.assert_array_equal(x.data, np.ones(3))


def test_load_state_dict_refuses_a_masked_state():
    x = _leaf()
    opt = O.Adam([x], lr=0.1)
    x.grad = np.ones(3)
    opt.step()
    sd = opt.state_dict()
    before = opt.state[0]["exp_avg"].copy()
    sd["state"][0]["exp_avg"] = np.ma.array(before, mask=[1, 0, 0])
    with pytest.raises(TypeError, match=r"^Adam\.load_state_dict: parameter 0's state "
                                        r"'exp_avg' is a masked array"):
        opt.load_state_dict(sd)
    np.testing.assert_array_equal(opt.state[0]["exp_avg"], before)


def test_plain_and_filled_arrays_still_enter():
    x = _leaf()
    (x * 2).backward(M.filled(0.0))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 6.0])
    np.testing.assert_array_equal(tg.tensor(M.filled(0.0)).data, [1.0, 0.0, 3.0])


def test_torch_oracle_drops_the_mask_silently():
    torch = pytest.importorskip("torch")
    assert torch.tensor(M).tolist() == [1.0, 2.0, 3.0]  # (the masked 2.0 read as data)
