"""The optimizers' and schedulers' skeptic review against torch 2.13 (an optional oracle: those
tests skip without it). Found: a scheduler whose rates come from per-group lists made when it
was built (LambdaLR, MultiplicativeLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, and
CosineAnnealingLR's step just past its minimum) left a group added since by add_param_group at
its rate without a word (OneCycleLR: an IndexError), where torch's strict zips refuse it;
clip_grad_norm_ left a total norm within 1e-6 below max_norm unscaled, where torch scales by
max_norm / (norm + 1e-6) (a relative 5e-7 on the gradients); a set as a group's params was
taken in its arbitrary order (state is kept by position), where torch refuses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_dl import Tensor, optim
from tinygrad_dl.optim import lr_scheduler

# torch warns that its scheduler stepped before its optimizer: no optimizer steps here
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")

Build = Callable[[Any, Any], Any]

PER_GROUP: dict[str, Build] = {
    "LambdaLR": lambda M, o: M.LambdaLR(o, lambda e: 0.9 ** e),
    "MultiplicativeLR": lambda M, o: M.MultiplicativeLR(o, lambda e: 0.9),
    "CosineAnnealingWarmRestarts": lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=3),
    "CyclicLR": lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=2),
    "OneCycleLR": lambda M, o: M.OneCycleLR(o, 0.1, total_steps=20),
}


def _added_after(lib: str, build: Build, steps: int = 6) -> tuple[list[list[float]], str]:
    """Build the scheduler on a one-group SGD, step twice, add a group, step on: the rates
    after each step and the error's class name ('' if none)."""
    if lib == "ours":
        opt: Any = optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1, momentum=0.9)
        new: Any = Tensor(np.ones(2), requires_grad=True)
        mod: Any = lr_scheduler
    else:
        torch = pytest.importorskip("torch")
        opt = torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=0.1, momentum=0.9)
        new = torch.ones(2, requires_grad=True)
        mod = torch.optim.lr_scheduler
    s = build(mod, opt)
    s.step()
    s.step()
    opt.add_param_group({"params": [new], "lr": 0.3})
    rates: list[list[float]] = []
    try:
        for _ in range(steps):
            s.step()
            rates.append([float(g["lr"]) for g in opt.param_groups])
    except Exception as e:  # noqa: BLE001 (torch's class: ValueError from zip, or KeyError)
        return rates, type(e).__name__
    return rates, ""


@pytest.mark.parametrize("name", sorted(PER_GROUP))
def test_a_per_group_scheduler_refuses_a_group_added_since_it_was_built_as_torch(
        name: str) -> None:
    theirs, their_error = _added_after("torch", PER_GROUP[name])
    assert their_error and not theirs  # torch refuses the first step after add_param_group
    opt = optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1, momentum=0.9)
    s = PER_GROUP[name](lr_scheduler, opt)
    s.step()
    opt.add_param_group({"params": [Tensor(np.ones(2), requires_grad=True)], "lr": 0.3})
    before = [dict((k, v) for k, v in g.items() if k != "params") for g in opt.param_groups]
    epoch = s.last_epoch
    with pytest.raises(ValueError, match=rf"{name}\.step\(\): the optimizer has 2 parameter "
                                         r"groups, 1 when this scheduler was built"):
        s.step()
    # nothing moved: neither the rates nor the momenta (CyclicLR, OneCycleLR write them)
    assert [dict((k, v) for k, v in g.items() if k != "params")
            for g in opt.param_groups] == before
    assert s.last_epoch == epoch


def test_cosine_annealing_with_an_added_group_agrees_until_torch_refuses_then_refuses() -> None:
    build: Build = lambda M, o: M.CosineAnnealingLR(o, T_max=5)  # noqa: E731
    theirs, their_error = _added_after("torch", build)
    ours, our_error = _added_after("ours", build)
    assert their_error == "ValueError" and our_error == "ValueError"
    assert len(ours) == len(theirs) == 3  # the step just past the minimum reads base_lrs
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)


@pytest.mark.parametrize("build", [
    lambda M, o: M.StepLR(o, step_size=2, gamma=0.5),
    lambda M, o: M.ExponentialLR(o, 0.9),
    lambda M, o: M.LinearLR(o, total_iters=4),
    lambda M, o: M.PolynomialLR(o, total_iters=4),
])
def test_chainable_schedulers_go_on_with_an_added_group_as_torch(build: Build) -> None:
    theirs, their_error = _added_after("torch", build)
    ours, our_error = _added_after("ours", build)
    assert their_error == our_error == ""
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)


def test_sequential_lr_refuses_at_a_milestone_a_group_added_since() -> None:
    opt = optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1, momentum=0.9)
    first = lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
    second = lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=2)
    s = lr_scheduler.SequentialLR(opt, [first, second], milestones=[2])
    s.step()
    opt.add_param_group({"params": [Tensor(np.ones(2), requires_grad=True)], "lr": 0.3})
    momenta = [g["momentum"] for g in opt.param_groups]
    with pytest.raises(ValueError, match=r"CyclicLR\.step\(\): the optimizer has 2"):
        s.step()  # the milestone: CyclicLR restarts (it wrote group 0's momentum, not 1's)
    assert [g["momentum"] for g in opt.param_groups] == momenta
    assert s.last_epoch == 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("f", [0.9999995, 0.999999, 0.9999999999, 1.0, 1.0000001, 0.5, 3.0])
def test_clip_grad_norm_scales_as_torch_just_below_max_norm(dtype: type, f: float) -> None:
    torch = pytest.importorskip("torch")
    g = (np.array([0.6, 0.8]) * f).astype(dtype)
    ours = Tensor(np.zeros(2, dtype), requires_grad=True)
    ours.grad = g.copy()
    theirs = torch.zeros(2, dtype=torch.from_numpy(g).dtype, requires_grad=True)
    theirs.grad = torch.tensor(g.copy())
    optim.clip_grad_norm_([ours], 1.0)
    torch.nn.utils.clip_grad_norm_([theirs], 1.0)
    tol = 1e-15 if dtype == np.float64 else 1e-7
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=tol, atol=0)
    if f < 1 - 1e-6:  # well below max_norm: untouched, in both
        assert np.array_equal(ours.grad, g)


def test_a_set_of_parameters_in_a_group_is_refused_as_torch() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="ordered collections"):
        torch.optim.SGD([{"params": {torch.ones(2, requires_grad=True)}}], lr=0.1)
    a, b = (Tensor(np.ones(2), requires_grad=True) for _ in range(2))
    with pytest.raises(TypeError, match=r"SGD: optimizer parameters need to be organized in "
                                        r"ordered collections"):
        optim.SGD([{"params": {a, b}}], lr=0.1)
    opt = optim.Adam([a], lr=0.1)
    with pytest.raises(TypeError, match="Adam: .*ordered collections"):
        opt.add_param_group({"params": frozenset([b])})
    assert len(opt.param_groups) == 1 and len(opt.state) == 1


def test_add_param_group_takes_a_group_copied_from_a_scheduled_optimizer_as_torch() -> None:
    torch = pytest.importorskip("torch")
    x, y = (torch.ones(2, requires_grad=True) for _ in range(2))
    theirs = torch.optim.SGD([x], lr=0.1, momentum=0.9)
    torch.optim.lr_scheduler.StepLR(theirs, 1, 0.5).step()
    theirs.add_param_group({**{k: v for k, v in theirs.param_groups[0].items()
                               if k != "params"}, "params": [y]})
    a, b = (Tensor(np.ones(2), requires_grad=True) for _ in range(2))
    ours = optim.SGD([a], lr=0.1, momentum=0.9)
    lr_scheduler.StepLR(ours, 1, 0.5).step()
    ours.add_param_group({**{k: v for k, v in ours.param_groups[0].items() if k != "params"},
                          "params": [b]})  # (its initial_lr was refused as an unknown option)
    assert [g["initial_lr"] for g in ours.param_groups] == \
        [g["initial_lr"] for g in theirs.param_groups] == [0.1, 0.1]
    assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in theirs.param_groups]
    with pytest.raises(ValueError, match="SGD: learning rate must be a finite number >= 0"):
        ours.add_param_group({"params": [Tensor(np.ones(2), requires_grad=True)],
                              "initial_lr": float("nan")})
    assert len(ours.param_groups) == 2


def test_a_torch_optimizer_state_dict_is_refused_by_name():
    # (it said "state dict is for None, not SGD")
    w = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    torch_layout = {"state": {0: {"momentum_buffer": np.ones(2)}},
                    "param_groups": [{"lr": 0.1, "momentum": 0.9, "params": [0]}]}
    with pytest.raises(ValueError, match="SGD.load_state_dict: the dict has no 'type'.*PyTorch"):
        opt.load_state_dict(torch_layout)
    with pytest.raises(TypeError, match="SGD.load_state_dict: expected the dict"):
        opt.load_state_dict([1, 2])
