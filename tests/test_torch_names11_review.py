"""A skeptic's review of the small PyTorch names (tests/test_torch_names11.py): each test
failed before its fix, compared with torch 2.13 where torch answers."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import detached

torch = pytest.importorskip("torch")


# ---- is_inference_mode_enabled: every way of entering inference_mode, as torch's -------------
@pytest.mark.parametrize("lib", ["torch", "tg"])
def test_inference_mode_as_a_decorator_and_around_a_generator(lib):
    m = torch if lib == "torch" else tg

    @m.inference_mode()
    def called():
        return m.is_inference_mode_enabled(), m.is_grad_enabled()

    @m.inference_mode
    def bare():
        return m.is_inference_mode_enabled()

    @m.inference_mode()
    def steps():
        yield m.is_inference_mode_enabled()
        yield m.is_inference_mode_enabled()

    assert called() == (True, False)
    assert bare() is True
    gen = steps()
    assert next(gen) is True
    assert not m.is_inference_mode_enabled()  # (the caller's mode between the steps)
    assert next(gen) is True
    assert not m.is_inference_mode_enabled()


@pytest.mark.parametrize("lib", ["torch", "tg"])
def test_inference_mode_false_turns_it_off_inside(lib):
    m = torch if lib == "torch" else tg
    with m.inference_mode():
        with m.inference_mode(False):
            assert not m.is_inference_mode_enabled()
            with m.inference_mode():
                assert m.is_inference_mode_enabled()
            assert not m.is_inference_mode_enabled()
        assert m.is_inference_mode_enabled()

        @m.inference_mode(False)
        def off():
            return m.is_inference_mode_enabled()

        assert off() is False and m.is_inference_mode_enabled()
    assert not m.is_inference_mode_enabled()


def test_inference_mode_left_by_an_exception_and_per_thread():
    im = tg.inference_mode()  # one object, entered again inside and by another thread
    seen = []
    with pytest.raises(ValueError), im:
        with im:
            t = threading.Thread(target=lambda: seen.append(tg.is_inference_mode_enabled()))
            t.start()
            t.join()
            raise ValueError
    assert seen == [False] and not tg.is_inference_mode_enabled() and tg.is_grad_enabled()


# ---- detach_ on an op's result that ops used before -------------------------------------------
def test_detach_in_place_after_an_op_used_it_refuses_that_ops_backward():
    # torch: z's graph keeps going to x (x.grad = 6); here it stopped at y (x.grad None)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * 3).sum()
    y.detach_()
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="detached in place"):
        z.backward()


def test_detach_in_place_keeps_its_uses():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.detach_() is y  # nothing used it yet: as torch's
    w = tg.tensor([1.0, 1.0], requires_grad=True)
    (y * w).sum().backward()  # an op made after: y is a constant there
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    assert x.grad is None
    # the RNN idiom: h.detach_() after backward (its graph freed) cuts nothing that lives
    h = x * 3
    (h * 2).sum().backward()
    h.detach_()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    (h * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [5.0, 10.0])
    key = id(y)
    assert key in detached.cut and id(h) not in detached.cut
    del y, h
    gc.collect()
    assert key not in detached.cut  # (forgotten with the tensor)


# ---- fill_diagonal_, addmm_, cumsum_/cumprod_, sum_to_size: torch's refusals and 0-d ----------
@pytest.mark.parametrize("value", [[3.0, 4.0], np.array([3.0]), "tensor2", "tensor1"])
def test_fill_diagonal_takes_a_number_only(value):
    # np.fill_diagonal cycled [3, 4] along the diagonal; torch refuses anything but a number
    if isinstance(value, str):
        value = tg.tensor([3.0, 4.0][: int(value[-1])])
    x = tg.zeros(2, 2)
    with pytest.raises(TypeError, match="fill_diagonal_: fill_value must be a number"):
        x.fill_diagonal_(value)
    assert not x.data.any()
    x.fill_diagonal_(tg.tensor(3.0))  # a 0-d tensor is a number, as torch's
    np.testing.assert_array_equal(x.data, np.diag([3.0, 3.0]))


def test_addmm_in_place_refuses_a_product_of_another_shape():
    with pytest.raises(RuntimeError):
        torch.zeros(3, 4).addmm_(torch.ones(3, 5), torch.ones(5, 1))
    x = tg.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"Tensor.addmm_: the result's shape \(3, 1\)"):
        x.addmm_(tg.ones(3, 5), tg.ones(5, 1))  # (it broadcast the (3, 1) product into x)
    assert not x.data.any()
    x.addmm_(np.ones((3, 5)), np.ones((5, 4)), beta=0.5)
    np.testing.assert_array_equal(x.data, np.full((3, 4), 5.0))


@pytest.mark.parametrize("name", ["cumsum_", "cumprod_"])
@pytest.mark.parametrize("dim", [0, -1])
def test_running_in_place_of_a_0d_tensor(name, dim):
    t = torch.tensor(2.5, dtype=torch.float64)
    x = tg.tensor(2.5)
    assert getattr(x, name)(dim) is x and getattr(t, name)(dim) is t
    assert x.shape == () and float(x.data) == t.item()
    with pytest.raises(ValueError, match=f"Tensor.{name}"):
        getattr(x, name)(1)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(tg.tensor(2.5, requires_grad=True), name)(0)


def test_sum_to_size_without_a_size():
    with pytest.raises(TypeError):
        torch.ones(2, 3).sum_to_size()
    with pytest.raises(TypeError, match="sum_to_size"):
        tg.ones(2, 3).sum_to_size()
    assert tg.ones(2, 3).sum_to_size(()).item() == 6.0  # () itself: the 0-d sum, as torch's
