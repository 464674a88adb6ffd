"""Tensor.from_result's paths that no test reached (mutation testing, helper hM): jit replay
of a subclass's unreduced op result (its __init__ not run, as eager's) and of a loss whose
forward gave a NumPy scalar (t.data a 0-d array), a hook's tensor (read-only: a write into it
raises, it may be another tensor's gradient), and the dtype refusals' branches: a big-endian
complex array (ValueError, byte order) and a one-element list of a big-endian array (read
as torch reads it)."""
import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit


class Counted(Tensor):
    """A subclass whose __init__ takes an argument an op result has no value for."""

    def __init__(self, data, note, **kw):
        super().__init__(data, **kw)
        self.note = note


def test_jit_replay_of_a_subclass_result_runs_no_init_as_eager():
    w = Counted(np.ones(3), "w")
    w.requires_grad = True

    def step(x):
        y = w * x
        y.sum().backward()
        return y, 1

    jitted = jit(step)
    for i in range(4):
        w.grad = None
        y, _ = jitted(np.arange(3.0) + i)
        assert type(y) is Counted and not hasattr(y, "note")
        assert y.data.tolist() == (np.arange(3.0) + i).tolist()
    assert jitted.replays >= 1


def test_jit_replay_of_a_scalar_loss_holds_a_0d_array():
    w = Tensor(np.ones((3, 4)), requires_grad=True)

    def step(x, t):
        loss = F.mse_loss(x @ w, t)
        loss.backward()
        return loss

    jitted = jit(step)
    for i in range(4):
        w.grad = None
        loss = jitted(np.full((2, 3), float(i)), np.zeros((2, 4)))
        assert type(loss.data) is np.ndarray and loss.shape == ()
        assert loss.item() == (3.0 * i) ** 2
    assert jitted.replays >= 1


@pytest.mark.parametrize("leaf", [True, False])
def test_a_hook_cannot_write_into_the_gradient_it_sees(leaf):
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    t = w if leaf else w * 3.0
    t.register_hook(lambda g: g.data.__setitem__(Ellipsis, 100.0))
    with pytest.raises(RuntimeError, match="wrote into the gradient it was given"):
        (t * t).sum().backward()


def test_a_big_endian_complex_array_is_refused_for_its_byte_order():
    with pytest.raises(ValueError, match=r"Tensor\(\): an array in non-native byte order "
                                         r"\(dtype '>c16'\)"):
        Tensor(np.array([1j], ">c16"))


@pytest.mark.parametrize("wrap", [list, tuple])
def test_a_one_element_list_of_a_big_endian_array_is_read(wrap):
    a = np.array([1.0, 2.0], ">f8")
    assert np.asarray(wrap([a])).dtype == ">f8"  # (two rows NumPy itself makes native)
    for make in (Tensor, tg.tensor, tg.as_tensor):
        t = make(wrap([a]))
        assert t.dtype == np.float64 and t.data.dtype.isnative
        assert t.numpy().tolist() == [[1.0, 2.0]]
