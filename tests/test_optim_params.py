"""What an optimizer and the clipping functions take as their parameters, each case a silent
wrong number before (found 2026-12-03 against torch.optim): one Tensor passed as params was
iterated row by row (no step reached it, no clip either), a parameter listed twice in a group
was stepped twice, a group's params list edited in place handed one parameter's state to
another, and float16 gradients overflowed clip_grad_norm_'s sum of squares (inf: not clipped)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, optim


def _w(shape=(2, 3), dtype=np.float64, name=None) -> Tensor:
    return Tensor(np.ones(shape, dtype=dtype), requires_grad=True, name=name)


@pytest.mark.parametrize("make", [lambda w: optim.SGD(w, lr=0.1), lambda w: optim.Adam(w),
                                  lambda w: optim.RMSprop(w, lr=0.1),
                                  lambda w: optim.AdaGrad(w)])
def test_one_tensor_as_params_is_refused(make):
    w = _w()
    with pytest.raises(TypeError, match=r"got one Tensor of shape \(2, 3\): pass \[w\]"):
        make(w)
    make([w])  # the list is fine


def test_a_parameter_twice_in_one_group_is_refused():
    w, b = _w(name="W"), _w((3,))
    with pytest.raises(ValueError, match="parameter W appears twice in one group"):
        optim.SGD([w, b, w], lr=0.1)
    with pytest.raises(ValueError, match=r"parameter \(3,\) appears twice"):
        optim.SGD([{"params": [b, b]}], lr=0.1)


def test_a_params_list_edited_in_place_is_refused_at_the_next_step():
    a, b = _w((2,)), _w((2,))
    opt = optim.SGD([a, b], lr=1.0, momentum=0.9)
    a.grad, b.grad = np.full(2, 100.0), np.ones(2)
    opt.step()
    opt.param_groups[0]["params"].remove(a)  # "freeze a": b would get a's momentum
    b.grad = np.ones(2)
    with pytest.raises(RuntimeError, match=r"SGD.step\(\): the parameters of its groups changed"):
        opt.step()
    np.testing.assert_array_equal(b.data, [0.0, 0.0])  # nothing was stepped
    opt.param_groups[0]["params"] = [a, b]  # the same list again: steps as before
    opt.step()
    np.testing.assert_array_equal(b.data, [-1.9, -1.9])
    opt.add_param_group({"params": [_w((1,))]})  # the way to add one
    with pytest.warns(RuntimeWarning, match="no gradient"):  # (the new one has none yet)
        opt.step()


def test_clip_functions_take_one_tensor_as_torch_does():
    w = _w()
    w.grad = np.full((2, 3), 3.0)
    total = optim.clip_grad_norm_(w, 1.0)
    assert total == pytest.approx(np.sqrt(6 * 9.0))
    np.testing.assert_allclose(np.sqrt((w.grad**2).sum()), 1.0, rtol=1e-5)
    w.grad = np.full((2, 3), 3.0)
    optim.clip_grad_value_(w, 1.0)
    np.testing.assert_array_equal(w.grad, np.ones((2, 3)))


def test_clip_grad_norm_counts_a_tensor_listed_twice_once():
    w = _w()
    w.grad = np.full((2, 3), 3.0)
    total = optim.clip_grad_norm_([w, w], 1.0)
    assert total == pytest.approx(np.sqrt(6 * 9.0))  # not sqrt(2) times it
    np.testing.assert_allclose(np.sqrt((w.grad**2).sum()), 1.0, rtol=1e-5)  # scaled once


def test_clip_grad_norm_of_float16_gradients_does_not_overflow():
    w = _w((4,), np.float16)
    w.grad = np.full(4, 300, np.float16)  # norm 600: a float16, but 4 * 300^2 is not
    total = optim.clip_grad_norm_([w], 1.0)
    assert total == 600.0
    np.testing.assert_allclose(w.grad.astype(np.float64), 0.5, rtol=1e-3)
    assert w.grad.dtype == np.float16


def test_a_deepcopied_optimizer_steps_its_own_copies():
    """The check above compares the groups with the tensors they were added with: a deepcopy
    (model and optimizer together, as in a checkpoint-by-copy loop) carries both along."""
    import copy
    a = _w((2,))
    opt = optim.SGD([a], lr=1.0, momentum=0.9)
    a2, opt2 = copy.deepcopy((a, opt))
    a2.grad = np.ones(2)
    opt2.step()
    np.testing.assert_array_equal(a2.data, [0.0, 0.0])
    np.testing.assert_array_equal(a.data, [1.0, 1.0])


def test_a_step_that_updates_nothing_warns_every_time():
    # before: `opt.zero_grad(); loss = f(w); opt.step()` (backward forgotten) trained nothing
    w = _w((3,))
    opt = optim.SGD([w], lr=0.1)
    before = w.data.copy()
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum()  # the loss, without backward()
        with pytest.warns(RuntimeWarning, match=r"no parameter has a gradient.*backward\(\)"):
            opt.step()
    np.testing.assert_array_equal(w.data, before)


def test_parameters_the_loss_never_reached_warn_once_and_frozen_ones_never():
    used, cut, frozen = _w((2,)), _w((2,)), _w((2,))
    frozen.requires_grad = False
    opt = optim.SGD([used, cut, frozen], lr=0.1)
    for i in range(2):
        opt.zero_grad()
        # np.dot on a tensor computes on its values: cut's graph ends here, without a word
        loss = (used * Tensor(np.dot(np.ones(2), cut.data))).sum()
        loss.backward()
        if i == 0:
            with pytest.warns(RuntimeWarning, match=r"1 of 2 parameters have no gradient.*"
                                                    r"np\.dot\(x, W\)"):
                opt.step()
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                opt.step()  # said once per optimizer


def test_ordinary_training_steps_do_not_warn():
    w = _w((2,))
    opt = optim.Adam([w], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for _ in range(3):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()


@pytest.mark.parametrize("edit", ["replace", "reverse"])
def test_a_params_list_edited_in_place_to_the_same_length_is_refused(edit):
    """The check compares each entry by identity (no Tensor == runs), not only the length."""
    a, b = _w((2,)), _w((2,))
    opt = optim.SGD([a, b], lr=1.0, momentum=0.9)
    a.grad, b.grad = np.full(2, 100.0), np.ones(2)
    opt.step()
    ps = opt.param_groups[0]["params"]
    if edit == "replace":
        ps[0] = _w((2,))
    else:
        ps.reverse()
    with pytest.raises(RuntimeError, match=r"the parameters of its groups changed"):
        opt.step()
