"""`Optimizer.step`'s group checks through their fast path (a group holding exactly its
defaults' keys and "params" passes without a set built; its params compared by identity in
C) and the slow one, and the step reading a GradArray gradient (as backward leaves it) as the
plain array it views: each refusal as before, the same update bit for bit in every
optimizer, `.grad` left as it was."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, optim
from tinygrad_dl.grad import GradArray


def _w(n: int = 3, dtype=np.float64) -> Tensor:
    return Tensor(np.linspace(-1.0, 1.0, n).astype(dtype), requires_grad=True)


def test_a_group_with_a_key_swapped_for_an_unknown_one_is_refused():
    """As many keys as a group should hold, one of them unknown (the fast path's count
    alone would pass it): refused, nothing updated."""
    a = _w()
    opt = optim.SGD([a], lr=0.1)
    g = opt.param_groups[0]
    del g["dampening"]
    g["amsgrad"] = True
    a.grad = np.ones(3)
    with pytest.raises(ValueError, match=r"parameter group 0 has key\(s\) \['amsgrad'\] that "
                                         r"SGD does not use"):
        opt.step()
    assert np.array_equal(a.data, np.linspace(-1.0, 1.0, 3))


def test_an_unknown_key_in_a_later_group_is_refused_before_any_update():
    a, b = _w(), _w()
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    opt.param_groups[1]["betas"] = (0.9, 0.99)
    a.grad, b.grad = np.ones(3), np.ones(3)
    with pytest.raises(ValueError, match=r"parameter group 1 has key\(s\) \['betas'\]"):
        opt.step()
    assert np.array_equal(a.data, np.linspace(-1.0, 1.0, 3))


def test_a_params_list_edited_in_place_or_a_group_appended_by_hand_is_refused():
    a, b = _w(), _w()
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = np.ones(3), np.ones(3)
    ps = opt.param_groups[0]["params"]
    ps[0], ps[1] = ps[1], ps[0]  # the same tensors, swapped: momentum would change hands
    with pytest.raises(RuntimeError, match="the parameters of its groups changed"):
        opt.step()
    ps[0], ps[1] = ps[1], ps[0]
    opt.param_groups[0]["params"] = list(ps)  # a new list of the same tensors: as before
    opt.step()
    opt.param_groups.append({**opt.param_groups[0], "params": [_w()]})
    with pytest.raises(RuntimeError, match="the parameters of its groups changed"):
        opt.step()


def test_a_scheduler_s_initial_lr_takes_the_slow_path_and_steps():
    a = _w()
    opt = optim.SGD([a], lr=0.1)
    optim.lr_scheduler.StepLR(opt, 2)  # PyTorch's "initial_lr", one key more
    a.grad = np.ones(3)
    opt.step()
    assert np.array_equal(a.data, np.linspace(-1.0, 1.0, 3) - np.multiply(np.ones(3), 0.1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("lr", [0.01, np.float64(0.01), np.float32(0.3)], ids=repr)
def test_sgd_s_course_step_on_a_gradarray_is_the_plain_array_s_step(dtype, lr):
    """theta -= lr g with .grad a GradArray (as backward leaves it) or a plain array: the
    same bits as the formula, .grad's type and values untouched, the parameter's array the
    same object (updated in place)."""
    rng = np.random.default_rng(5)
    data, grad = rng.standard_normal(40).astype(dtype), rng.standard_normal(40).astype(dtype)
    for view in (True, False):
        p = Tensor(data.copy(), requires_grad=True)
        p.grad = grad.copy().view(GradArray) if view else grad.copy()
        before, d = p.grad.copy(), p.data
        optim.SGD([p], lr=lr).step()
        want = data.copy()
        want -= np.multiply(grad, lr)
        assert p.data is d and p.data.dtype == want.dtype
        assert p.data.tobytes() == want.tobytes()
        assert type(p.grad) is (GradArray if view else np.ndarray)
        assert p.grad.tobytes() == before.tobytes()


OPTIMIZERS = {
    "SGD momentum wd": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    "SGD nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "AdaGrad (course)": lambda ps: optim.AdaGrad(ps, lr=0.1),
    "Adagrad (torch)": lambda ps: optim.Adagrad(ps, lr=0.1, weight_decay=0.01),
    "Adam": lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    "AdamW": lambda ps: optim.AdamW(ps, lr=0.01),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_optimizer_steps_a_gradarray_as_the_plain_array(name, dtype):
    """Three steps with .grad a GradArray and three with plain arrays of the same values:
    the same parameters and state bit for bit; each .grad keeps its type and values."""
    rng = np.random.default_rng(9)
    start = [rng.standard_normal(s).astype(dtype) for s in ((4, 3), (3,))]
    grads = [[rng.standard_normal(a.shape).astype(dtype) for a in start] for _ in range(3)]
    runs = []
    for view in (True, False):
        ps = [Tensor(a.copy(), requires_grad=True) for a in start]
        opt = OPTIMIZERS[name](ps)
        for gs in grads:
            for p, g in zip(ps, gs):
                p.grad = g.copy().view(GradArray) if view else g.copy()
            opt.step()
            for p, g in zip(ps, gs):
                assert type(p.grad) is (GradArray if view else np.ndarray)
                assert p.grad.tobytes() == g.tobytes()
        runs.append(([p.data.tobytes() for p in ps],
                     [sorted((k, np.asarray(v).tobytes()) for k, v in st.items())
                      for st in opt.state]))
    assert runs[0] == runs[1]
