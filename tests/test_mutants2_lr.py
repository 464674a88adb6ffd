"""Tests written against surviving mutants of tinygrad_dl.optim.lr_scheduler (round 2): every
rate a scheduler sets is checked, CyclicLR starts each group at base_lr (base_lrs as PyTorch's),
get_last_lr hands out a copy, and one function or number given for several parameter groups
applies to every group."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, optim
from tinygrad_dl.optim.lr_scheduler import CyclicLR, LambdaLR, StepLR


def _params(n: int = 1) -> list[Tensor]:
    return [Tensor(np.zeros(2), requires_grad=True) for _ in range(n)]


def _two_groups(**kw: float) -> optim.SGD:
    a, b = _params(2)
    return optim.SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.2}], lr=0.1, **kw)


@pytest.mark.parametrize("bad", [-0.5, float("nan"), float("inf")])
def test_a_scheduler_refuses_a_rate_that_is_not_finite_and_non_negative(bad: float) -> None:
    opt = optim.SGD(_params(), lr=0.1)
    sched = LambdaLR(opt, lambda e: 1.0 if e == 0 else bad)
    with pytest.raises(ValueError, match="LambdaLR: learning rate must be a finite number"):
        sched.step()


def test_cyclic_lr_starts_every_group_at_base_lr_as_pytorch() -> None:
    opt = optim.SGD(_params(), lr=0.5, momentum=0.9)
    sched = CyclicLR(opt, 0.001, 0.01, step_size_up=4)
    # torch 2.13: base_lrs [0.001], initial_lr 0.001, lr 0.001
    assert sched.base_lrs == [0.001]
    assert opt.param_groups[0]["initial_lr"] == 0.001
    assert opt.param_groups[0]["lr"] == 0.001


def test_get_last_lr_is_a_copy() -> None:
    opt = optim.SGD(_params(), lr=0.1)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    sched.get_last_lr()[0] = 99.0
    assert sched.get_last_lr() == [0.1]
    sched.step()
    assert sched.get_last_lr() == [0.05]


def test_one_lambda_drives_every_parameter_group() -> None:
    opt = _two_groups()
    sched = LambdaLR(opt, lambda e: 0.5 ** e)
    sched.step()
    sched.step()
    assert [g["lr"] for g in opt.param_groups] == [0.025, 0.05]
    assert sched.get_last_lr() == [0.025, 0.05]


def test_one_cyclic_range_drives_every_parameter_group() -> None:
    opt = _two_groups(momentum=0.9)
    sched = CyclicLR(opt, 0.0, 1.0, step_size_up=2)
    sched.step()
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.5]
    # the momentum moves against the rate, in every group: 0.9 -> 0.85 half-way up
    assert [g["momentum"] for g in opt.param_groups] == pytest.approx([0.85, 0.85])


def test_step_lr_refuses_a_fractional_step_size() -> None:
    opt = optim.SGD(_params(), lr=0.1)
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive integer, got 1.5"):
        StepLR(opt, step_size=1.5)  # int(1.5) would silently decay every step
