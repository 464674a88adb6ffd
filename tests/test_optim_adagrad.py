"""PyTorch's `optim.Adagrad` (a ported `torch.optim.Adagrad(params, lr=0.1)` was an
AttributeError): torch's update, eps outside the root, lr_decay, weight_decay,
initial_accumulator_value, maximize, checked against torch 2.13 where it is installed; the
course's `AdaGrad` (eps inside the root) stays as it was."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, optim

X0 = [np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([0.25, -0.75, 2.0])]


def _grads(step: int) -> list[np.ndarray]:
    rng = np.random.default_rng(step)
    return [rng.standard_normal(x.shape) for x in X0]


def _run_ours(opt_args: tuple, kwargs: dict, steps: int) -> list[np.ndarray]:
    ps = [Tensor(x.copy(), requires_grad=True) for x in X0]
    opt = optim.Adagrad(ps, *opt_args, **kwargs)
    for i in range(steps):
        for p, g in zip(ps, _grads(i)):
            p.grad = g
        opt.step()
    return [p.data for p in ps]


@pytest.mark.parametrize("args, kwargs", [
    ((0.1,), {"lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.2}),
    ((0.1, 0.05, 0.1, 0.2, 1e-3), {}),  # torch's positional order
    ((0.3,), {"weight_decay": 0.02, "maximize": True}),
    ((), {"maximize": True}),
    ((), {}),
])
def test_adagrad_matches_torch_step_for_step(args, kwargs):
    torch = pytest.importorskip("torch")
    steps = 7
    ours = _run_ours(args, kwargs, steps)
    ps = [torch.tensor(x.copy(), requires_grad=True) for x in X0]
    opt = torch.optim.Adagrad(ps, *args, foreach=False, **kwargs)
    for i in range(steps):
        for p, g in zip(ps, _grads(i)):
            p.grad = torch.tensor(g)
        opt.step()
    for a, p in zip(ours, ps):
        np.testing.assert_allclose(a, p.detach().numpy(), rtol=1e-12, atol=1e-15)


def test_adagrad_and_the_courses_adagrad_differ_as_documented():
    """One step from sum 0 with eps 0.25 and g = 3: PyTorch's theta - lr g / (sqrt(g^2) + eps),
    the course's theta - lr g / sqrt(g^2 + eps); and their defaults (lr 0.01, eps 1e-10 against
    the course's 0.1, 1e-8)."""
    pt, course = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    torch_style, course_style = optim.Adagrad([pt], lr=0.5, eps=0.25), optim.AdaGrad(
        [course], lr=0.5, eps=0.25)
    for p, o in ((pt, torch_style), (course, course_style)):
        p.grad = np.array([3.0])
        o.step()
    assert pt.data[0] == 1.0 - 0.5 * 3.0 / (3.0 + 0.25)
    assert course.data[0] == 1.0 - 0.5 * 3.0 / np.sqrt(9.0 + 0.25)
    hyper = optim.Adagrad([pt]).param_groups[0]
    assert (hyper["lr"], hyper["eps"], hyper["lr_decay"], hyper["weight_decay"]) == (
        0.01, 1e-10, 0.0, 0.0)
    assert (optim.AdaGrad([pt]).lr, optim.AdaGrad([pt]).param_groups[0]["eps"]) == (0.1, 1e-8)


def test_adagrad_state_dict_round_trip_continues_identically():
    kwargs = {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.5}
    p1 = Tensor(X0[1].copy(), requires_grad=True)
    o1 = optim.Adagrad([p1], **kwargs)
    for i in range(2):
        p1.grad = _grads(i)[1]
        o1.step()
    p2 = Tensor(p1.data.copy(), requires_grad=True)
    o2 = optim.Adagrad([p2], lr=0.5)  # the loaded group's hyperparameters replace these
    o2.load_state_dict(o1.state_dict())
    assert o2.state[0]["step"] == 2 and o2.param_groups[0]["lr_decay"] == 0.1
    for i in range(2, 4):
        for p, o in ((p1, o1), (p2, o2)):
            p.grad = _grads(i)[1]
            o.step()
    np.testing.assert_array_equal(p1.data, p2.data)
    with pytest.raises(ValueError, match="state dict is for Adagrad, not AdaGrad"):
        optim.AdaGrad([p2]).load_state_dict(o1.state_dict())


@pytest.mark.parametrize("kwargs, words", [
    ({"foreach": True}, r"Adagrad: foreach=True is not supported: .*leave foreach out"),
    ({"fused": True}, r"Adagrad: fused=True is not supported"),
    ({"differentiable": True}, r"Adagrad: differentiable=True is not supported"),
    ({"lr_decay": -0.1}, r"Adagrad: lr_decay must be a finite number >= 0, got -0.1"),
    ({"initial_accumulator_value": -1.0}, r"initial_accumulator_value must be"),
    ({"eps": -1e-10}, r"Adagrad: eps must be"),
    ({"weight_decay": float("nan")}, r"Adagrad: weight_decay must be"),
])
def test_adagrad_refuses_what_it_does_not_support_in_one_line(kwargs, words):
    with pytest.raises(ValueError, match=words) as e:
        optim.Adagrad([Tensor([1.0], requires_grad=True)], **kwargs)
    assert "\n" not in str(e.value)
