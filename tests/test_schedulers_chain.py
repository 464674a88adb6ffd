"""optim.lr_scheduler's SequentialLR and ChainedScheduler against torch 2.13 (an optional
oracle: those tests skip without it) over 40 steps, step for step, including SequentialLR's
restart of the next scheduler at a milestone; by hand where torch is absent; their
state_dict round trips (a resumed copy goes on with the same rates) and their refusals."""

from __future__ import annotations

import copy
import importlib.util
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_dl import Tensor, optim
from tinygrad_dl.optim import lr_scheduler

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is an optional oracle")

Build = Callable[[Any, Any], Any]


def _ours_opt(lr: float = 0.1, groups: int = 1) -> optim.SGD:
    ps = [Tensor(np.zeros(2, dtype=np.float32), requires_grad=True) for _ in range(groups)]
    if groups == 1:
        return optim.SGD(ps, lr=lr)
    return optim.SGD([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(ps)], lr=lr)


def _ours(build: Build, steps: int = 40, groups: int = 1) -> list[list[float]]:
    opt = _ours_opt(groups=groups)
    s = build(lr_scheduler, opt)
    out = [s.get_last_lr()]
    for _ in range(steps):
        s.step()
        out.append(s.get_last_lr())
        assert out[-1] == [g["lr"] for g in opt.param_groups]
    return out


def _theirs(build: Build, steps: int = 40, groups: int = 1) -> list[list[float]]:
    import torch

    ps = [torch.zeros(2, requires_grad=True) for _ in range(groups)]
    if groups == 1:
        opt = torch.optim.SGD(ps, lr=0.1)
    else:
        opt = torch.optim.SGD([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(ps)],
                              lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = build(torch.optim.lr_scheduler, opt)
        out = [list(s.get_last_lr())]
        for _ in range(steps):
            opt.step()
            s.step()
            out.append(list(s.get_last_lr()))
    return out


COMBOS: dict[str, Build] = {
    "linear warm-up then cosine": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5),
            m.CosineAnnealingLR(o, T_max=30, eta_min=0.001)], milestones=[5]),
    "warm-up cut short then cosine": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.2, total_iters=10),
            m.CosineAnnealingLR(o, T_max=12)], milestones=[4]),
    "constant then exponential": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.1, total_iters=20), m.ExponentialLR(o, gamma=0.9)],
        milestones=[20]),
    "constant cut short then exponential": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=20), m.ExponentialLR(o, gamma=0.95)],
        milestones=[7]),
    "three: linear, multistep, step": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, 0.1, total_iters=8), m.MultiStepLR(o, [0, 3, 9], gamma=0.5),
            m.StepLR(o, 4, 0.5)], milestones=[4, 20]),
    "exponential then constant then polynomial": lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, 0.8), m.ConstantLR(o, 0.25, total_iters=3),
            m.PolynomialLR(o, total_iters=15, power=2.0)], milestones=[6, 12]),
    "lambda then multiplicative": lambda m, o: m.SequentialLR(
        o, [m.LambdaLR(o, lambda e: 1.0 / (e + 1)), m.MultiplicativeLR(o, lambda e: 0.97)],
        milestones=[10]),
    "warm-up then warm restarts": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, 0.1, total_iters=4),
            m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01)], milestones=[4]),
    "constant then one-cycle": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, 0.5, total_iters=3), m.OneCycleLR(o, max_lr=0.5, total_steps=50)],
        milestones=[3]),
    "cosine then cosine": lambda m, o: m.SequentialLR(
        o, [m.CosineAnnealingLR(o, T_max=6), m.CosineAnnealingLR(o, T_max=8, eta_min=0.02)],
        milestones=[9]),
    "exponential, constant (0 iters), multiplicative": lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, 0.5), m.ConstantLR(o, 0.5, total_iters=0),
            m.MultiplicativeLR(o, lambda e: 0.9)], milestones=[3, 6]),
    "a lone scheduler": lambda m, o: m.SequentialLR(o, [m.ExponentialLR(o, 0.9)], []),
    "chained constant + exponential": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.1, total_iters=20), m.ExponentialLR(o, gamma=0.9)]),
    "chained with optimizer=": lambda m, o: m.ChainedScheduler(
        [m.LinearLR(o, 0.5, total_iters=6), m.StepLR(o, 5, 0.5),
         m.CosineAnnealingLR(o, T_max=10)], optimizer=o),
    "chained sequential": lambda m, o: m.ChainedScheduler(
        [m.SequentialLR(o, [m.LinearLR(o, 0.1, total_iters=5),
                            m.ExponentialLR(o, 0.9)], [5]),
         m.MultiStepLR(o, [10, 25], gamma=0.3)]),
}


@needs_torch
@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("name", list(COMBOS))
def test_rates_match_torch(name: str, groups: int) -> None:
    ours, theirs = _ours(COMBOS[name], groups=groups), _theirs(COMBOS[name], groups=groups)
    assert len(ours) == 41
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


def test_by_hand_constant_then_exponential() -> None:  # torch's docstring example
    rates = [r[0] for r in _ours(COMBOS["constant then exponential"], steps=23)]
    assert all(math.isclose(r, 0.01) for r in rates[:20])
    assert [round(r, 10) for r in rates[20:]] == [0.1, 0.09, 0.081, 0.0729]


def test_by_hand_warmup_then_cosine() -> None:
    rates = [r[0] for r in _ours(COMBOS["linear warm-up then cosine"], steps=35)]
    np.testing.assert_allclose(rates[:5], [0.01, 0.028, 0.046, 0.064, 0.082])
    # the milestone restarts the cosine at base_lr, then it falls to eta_min over T_max
    want = [0.001 + 0.099 * (1 + math.cos(math.pi * t / 30)) / 2 for t in range(31)]
    np.testing.assert_allclose(rates[5:36], want, rtol=1e-10)


def test_by_hand_chained() -> None:
    rates = [r[0] for r in _ours(COMBOS["chained constant + exponential"], steps=22)]
    np.testing.assert_allclose(rates[:20], [0.01 * 0.9 ** t for t in range(20)], rtol=1e-12)
    np.testing.assert_allclose(rates[20:], [0.1 * 0.9 ** t for t in (20, 21, 22)], rtol=1e-12)


def test_built_sequential_resets_the_rates() -> None:
    opt = _ours_opt()
    a = lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=3)
    b = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)
    s = lr_scheduler.SequentialLR(opt, [a, b], milestones=[3])
    assert s.last_epoch == 0 and a.last_epoch == 0 and b.last_epoch == -1
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05) and s.get_last_lr() == [0.05]
    assert "SequentialLR" in lr_scheduler.__all__ and "ChainedScheduler" in lr_scheduler.__all__


@pytest.mark.parametrize("name", ["linear warm-up then cosine", "three: linear, multistep, step",
                                  "chained constant + exponential", "chained sequential"])
@pytest.mark.parametrize("cut", [3, 5, 17])
def test_state_dict_round_trip_resumes(name: str, cut: int) -> None:
    whole = _ours(COMBOS[name], steps=40)
    opt = _ours_opt()
    s = COMBOS[name](lr_scheduler, opt)
    for _ in range(cut):
        s.step()
    saved = copy.deepcopy(s.state_dict())
    opt_state = copy.deepcopy(opt.state_dict())
    assert isinstance(saved["_schedulers"], list)
    # a fresh optimizer and scheduler, loaded: the same rates from there on
    opt2 = _ours_opt()
    s2 = COMBOS[name](lr_scheduler, opt2)
    opt2.load_state_dict(opt_state)
    before = copy.deepcopy(saved)
    s2.load_state_dict(saved)
    assert saved == before  # the given dict is left as it was
    assert s2.get_last_lr() == whole[cut]
    resumed = [s2.get_last_lr()]
    for _ in range(40 - cut):
        s2.step()
        resumed.append(s2.get_last_lr())
    assert resumed == whole[cut:]


def _opt_and_two() -> tuple[Any, Any, Any]:
    opt = _ours_opt()
    return (opt, lr_scheduler.LinearLR(opt, 0.1, total_iters=5),
            lr_scheduler.ExponentialLR(opt, 0.9))


@pytest.mark.parametrize("milestones, words", [
    ([5, 5], "strictly increasing"),
    ([8, 3], "strictly increasing"),
    ([-1, 3], "strictly increasing"),
    ([2.5, 3], "strictly increasing"),
    ([5], "one more than the number of milestone points"),
    ([2, 5, 9], "one more than the number of milestone points"),
])
def test_sequential_bad_milestones(milestones: list, words: str) -> None:
    opt, a, b = _opt_and_two()
    c = lr_scheduler.StepLR(opt, 3)
    with pytest.raises(ValueError, match="^SequentialLR") as e:
        lr_scheduler.SequentialLR(opt, [a, b, c], milestones=milestones)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_sequential_and_chained_refusals() -> None:
    opt, a, b = _opt_and_two()
    other = _ours_opt()
    c = lr_scheduler.ExponentialLR(other, 0.5)
    for make in (lambda: lr_scheduler.SequentialLR(opt, [a, c], [3]),
                 lambda: lr_scheduler.ChainedScheduler([a, c]),
                 lambda: lr_scheduler.ChainedScheduler([a, b], optimizer=other)):
        with pytest.raises(ValueError, match="expects all schedulers to belong to the same "
                                             "optimizer") as e:
            make()
        assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match="^SequentialLR expects at least one scheduler"):
        lr_scheduler.SequentialLR(opt, [], [])
    with pytest.raises(ValueError, match="^ChainedScheduler expects at least one scheduler"):
        lr_scheduler.ChainedScheduler([])
    plateau = lr_scheduler.ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lr_scheduler.SequentialLR(opt, [a, plateau], [3])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lr_scheduler.ChainedScheduler([plateau])
    with pytest.raises(TypeError, match="^SequentialLR: the scheduler at index 1"):
        lr_scheduler.SequentialLR(opt, [a, "cosine"], [3])
    with pytest.raises(TypeError, match="^ChainedScheduler: the scheduler at index 0"):
        lr_scheduler.ChainedScheduler([object()])
    with pytest.raises(TypeError, match="^SequentialLR: expected an optimizer"):
        lr_scheduler.SequentialLR(None, [a], [])
    with pytest.raises(ValueError, match="^SequentialLR: last_epoch=3"):
        lr_scheduler.SequentialLR(opt, [a, b], [3], last_epoch=3)
    chained = lr_scheduler.ChainedScheduler([a, b])
    with pytest.raises(ValueError, match="^SequentialLR: the scheduler at index 0 is a "
                                         "ChainedScheduler"):
        lr_scheduler.SequentialLR(opt, [chained, b], [3])
    s = lr_scheduler.SequentialLR(opt, [a, b], [3])
    with pytest.raises(ValueError, match="^SequentialLR.load_state_dict: the state holds 1"):
        s.load_state_dict({"last_epoch": 2, "_schedulers": [{}]})
    with pytest.raises(ValueError, match="^ChainedScheduler.load_state_dict: expected"):
        chained.load_state_dict({"_last_lr": [0.1]})
    assert s.last_epoch == 0  # a refused load changes nothing


# ---- review: schedulers stepped before SequentialLR is built; a refused chained step -----------
PRE_STEPPED: dict[str, Callable[[Any, Any], Any]] = {
    "exponential": lambda m, o: m.ExponentialLR(o, 0.5),
    "cosine": lambda m, o: m.CosineAnnealingLR(o, T_max=6),
    "linear": lambda m, o: m.LinearLR(o, 0.2, total_iters=5),
    "multiplicative": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.5),
    "polynomial": lambda m, o: m.PolynomialLR(o, total_iters=8),
    "step": lambda m, o: m.StepLR(o, 1, 0.5),
    "lambda": lambda m, o: m.LambdaLR(o, lambda e: 0.5 ** e),
    "constant": lambda m, o: m.ConstantLR(o, 0.5, total_iters=5),
}


def _stepped_then_sequential(first: str) -> Build:
    def build(m: Any, o: Any) -> Any:
        a, b = PRE_STEPPED[first](m, o), m.ExponentialLR(o, 0.9)
        for _ in range(3):  # the first scheduler already ran three steps
            a.step()
        return m.SequentialLR(o, [a, b], milestones=[5])
    return build


@needs_torch
@pytest.mark.parametrize("first", list(PRE_STEPPED))
def test_sequential_of_a_stepped_scheduler_matches_torch(first: str) -> None:
    # torch's first step of schedulers[0] inside SequentialLR is its "initial" step: the
    # chainable ones (exponential, cosine, linear past step 0, multiplicative, polynomial) keep
    # the reset rate there instead of multiplying it by one more factor
    build = _stepped_then_sequential(first)
    ours, theirs = _ours(build, steps=12), _theirs(build, steps=12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


def test_sequential_of_a_stepped_scheduler_by_hand() -> None:
    rates = [r[0] for r in _ours(_stepped_then_sequential("exponential"), steps=6)]
    np.testing.assert_allclose(rates, [0.1, 0.05, 0.025, 0.0125, 0.00625, 0.1, 0.09], rtol=1e-12)


def test_chained_refused_step_changes_nothing() -> None:
    opt = _ours_opt()
    a = lr_scheduler.ExponentialLR(opt, 0.5)
    b = lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=3, cycle_momentum=False)
    s = lr_scheduler.ChainedScheduler([a, b])
    for _ in range(3):
        s.step()
    before = (s.get_last_lr(), opt.param_groups[0]["lr"], a.last_epoch, b.last_epoch)
    with pytest.raises(ValueError, match="OneCycleLR: Tried to step 4 times"):
        s.step()  # OneCycleLR is past its end; ExponentialLR had already stepped
    assert (s.get_last_lr(), opt.param_groups[0]["lr"], a.last_epoch, b.last_epoch) == before
