"""AdamW (Adam with decoupled weight decay, amsgrad, maximize) and PyTorch's other schedulers
(CosineAnnealingLR, LinearLR, ConstantLR, MultiplicativeLR, PolynomialLR, OneCycleLR,
ReduceLROnPlateau, CosineAnnealingWarmRestarts) against torch 2.13 where it is installed (an
optional oracle: those tests skip without it), against their formulas by hand where it is not,
their state_dict round trips and their refusals of bad arguments."""

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
from tinygrad_dl.jit import jit
from tinygrad_dl.optim import lr_scheduler

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is an optional oracle")


def _torch() -> Any:
    import torch

    return torch


# ---- AdamW: a small linear model trained by ours and by torch from the same weights ---------
RNG = np.random.default_rng(7)
X = RNG.standard_normal((16, 5))
Y = RNG.standard_normal((16, 3))
W0 = RNG.standard_normal((5, 3))
B0 = RNG.standard_normal(3)


def _ours_model() -> tuple[Tensor, Tensor, Callable[[], Tensor]]:
    w, b = Tensor(W0.copy(), requires_grad=True), Tensor(B0.copy(), requires_grad=True)

    def loss() -> Tensor:
        d = Tensor(X) @ w + b - Tensor(Y)
        return (d * d).mean()
    return w, b, loss


def _torch_model() -> tuple[Any, Any, Callable[[], Any]]:
    torch = _torch()
    w = torch.tensor(W0.copy(), requires_grad=True)
    b = torch.tensor(B0.copy(), requires_grad=True)

    def loss() -> Any:
        d = torch.tensor(X) @ w + b - torch.tensor(Y)
        return (d * d).mean()
    return w, b, loss


def _train(lib: str, make: Callable[[Any, Any, Any], Any], steps: int,
           sched: Callable[[Any, Any], Any] | None = None) -> list[np.ndarray]:
    """Parameters after `steps` updates of make(optim_module, w, b) (and a scheduler stepped
    after each update), as float64 arrays."""
    w, b, loss = _ours_model() if lib == "tg" else _torch_model()
    mod = optim if lib == "tg" else _torch().optim
    opt = make(mod, w, b)
    s = None if sched is None else sched(lr_scheduler if lib == "tg" else mod.lr_scheduler, opt)
    for _ in range(steps):
        opt.zero_grad()
        loss().backward()
        opt.step()
        if s is not None:
            s.step()
    if lib == "tg":
        return [w.data.copy(), b.data.copy()]
    return [w.detach().numpy().copy(), b.detach().numpy().copy()]


def _two_groups(mod: Any, w: Any, b: Any, **kw: Any) -> Any:
    """AdamW with W in a group of its own settings and b in one with lr 0.02 and no decay."""
    wd = kw.pop("weight_decay")
    return mod.AdamW([{"params": [w], "weight_decay": wd},
                      {"params": [b], "lr": 0.02, "weight_decay": 0.0}], lr=0.05, **kw)


@needs_torch
@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adamw_trains_as_torch_adamw(amsgrad: bool, weight_decay: float, maximize: bool) -> None:
    def make(mod: Any, w: Any, b: Any) -> Any:
        kw = {"foreach": False} if mod is not optim else {}
        return _two_groups(mod, w, b, weight_decay=weight_decay, amsgrad=amsgrad,
                           maximize=maximize, betas=(0.8, 0.99), eps=1e-7, **kw)
    ours, theirs = _train("tg", make, 30), _train("torch", make, 30)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t, rtol=1e-12, atol=1e-12)
    assert not np.allclose(ours[0], W0)  # it trained


@needs_torch
def test_adamw_defaults_are_torchs() -> None:
    """AdamW(params) alone: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2."""
    ours = _train("tg", lambda m, w, b: m.AdamW([w, b]), 25)
    theirs = _train("torch", lambda m, w, b: m.AdamW([w, b]), 25)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t, rtol=1e-12, atol=1e-12)
    w = Tensor(np.ones(2), requires_grad=True)
    g = optim.AdamW([w]).param_groups[0]
    assert (g["lr"], g["beta1"], g["beta2"], g["eps"], g["weight_decay"], g["amsgrad"],
            g["maximize"]) == (1e-3, 0.9, 0.999, 1e-8, 1e-2, False, False)


@needs_torch
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("maximize", [False, True])
def test_adam_amsgrad_and_maximize_are_torchs(amsgrad: bool, maximize: bool) -> None:
    """The shared update: Adam's own L2 decay with amsgrad and maximize as torch's Adam."""
    def make(mod: Any, w: Any, b: Any) -> Any:
        kw = {"foreach": False} if mod is not optim else {}
        return mod.Adam([w, b], lr=0.05, weight_decay=0.1, amsgrad=amsgrad, maximize=maximize,
                        **kw)
    for a, t in zip(_train("tg", make, 30), _train("torch", make, 30)):
        np.testing.assert_allclose(a, t, rtol=1e-12, atol=1e-12)


@needs_torch
def test_adamw_float32_follows_torch() -> None:
    torch = _torch()
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal((4, 6)).astype(np.float32)
    p, t = Tensor(x0.copy(), requires_grad=True), torch.tensor(x0.copy(), requires_grad=True)
    ours = optim.AdamW([p], lr=0.01, weight_decay=0.05, amsgrad=True)
    theirs = torch.optim.AdamW([t], lr=0.01, weight_decay=0.05, amsgrad=True, foreach=False)
    for _ in range(20):
        g = rng.standard_normal((4, 6)).astype(np.float32)
        p.grad, t.grad = g.copy(), torch.tensor(g.copy())
        ours.step()
        theirs.step()
    assert p.data.dtype == np.float32
    np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=2e-6, atol=2e-6)


def test_adamw_one_step_by_hand_decays_before_the_moments() -> None:
    """theta (1 - lr wd) first, then Adam's step from g alone: the decay in neither moment
    (Adam's L2 would put wd theta into m and v: a different number)."""
    lr, wd, b1, b2, eps = 0.1, 0.5, 0.9, 0.999, 1e-8
    theta0, g = np.array([2.0, -1.0, 0.5]), np.array([0.3, 0.2, -4.0])
    p = Tensor(theta0.copy(), requires_grad=True)
    opt = optim.AdamW([p], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    theta, m, v = theta0.copy(), np.zeros(3), np.zeros(3)
    for t in (1, 2):
        p.grad = g.copy()
        opt.step()
        theta = theta * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(p.data, theta, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(opt.state[0]["exp_avg"], m, rtol=1e-15)  # g only: no wd theta
    adam = Tensor(theta0.copy(), requires_grad=True)
    o2 = optim.Adam([adam], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    for _ in (1, 2):
        adam.grad = g.copy()
        o2.step()
    assert np.abs(adam.data - p.data).max() > 1e-3  # the L2 kind is another optimizer


def test_amsgrad_divides_by_the_running_maximum_of_v() -> None:
    """A large gradient then small ones: v falls, its maximum stays, so the steps shrink."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p = Tensor(np.zeros(1), requires_grad=True)
    opt = optim.AdamW([p], lr=lr, weight_decay=0.0, amsgrad=True)
    theta, m, v, vmax = 0.0, 0.0, 0.0, 0.0
    for t, g in enumerate([10.0, 0.1, 0.1, -0.2], start=1):
        p.grad = np.array([g])
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        theta -= lr * (m / (1 - b1**t)) / (math.sqrt(vmax / (1 - b2**t)) + eps)
        np.testing.assert_allclose(p.data, [theta], rtol=1e-13)
    assert opt.state[0]["max_exp_avg_sq"][0] == pytest.approx(vmax, rel=1e-15)
    assert opt.state[0]["max_exp_avg_sq"][0] > opt.state[0]["exp_avg_sq"][0]


def test_maximize_climbs() -> None:
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.0, maximize=True)
    p.grad = np.array([2.0])  # d f / d theta > 0: maximizing f moves theta up
    opt.step()
    assert p.data[0] == pytest.approx(1.1, rel=1e-6)


def test_adamw_leaves_a_gradient_that_is_the_parameter_array_as_it_was() -> None:
    """p.grad = p.data (an alias): theta *= 1 - lr wd would also scale the gradient."""
    p, q = (Tensor(np.array([1.0, -2.0, 4.0]), requires_grad=True) for _ in range(2))
    p.grad, q.grad = p.data, p.data.copy()
    for w in (p, q):
        optim.AdamW([w], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_array_equal(p.data, q.data)


def test_adamw_takes_torchs_positional_betas_and_group_betas() -> None:
    a, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    opt = optim.AdamW([{"params": [a]}, {"params": [b], "betas": (0.5, 0.6)}], 0.01,
                      (0.8, 0.9), 1e-6, 0.2, True)
    g0, g1 = opt.param_groups
    assert (g0["beta1"], g0["beta2"], g0["eps"], g0["weight_decay"], g0["amsgrad"]) == (
        0.8, 0.9, 1e-6, 0.2, True)
    assert (g1["beta1"], g1["beta2"]) == (0.5, 0.6) and "betas" not in g1


def test_adamw_state_dict_round_trip_continues_identically() -> None:
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(3) for _ in range(6)]
    p1 = Tensor(np.ones(3), requires_grad=True)
    o1 = optim.AdamW([p1], lr=0.05, weight_decay=0.1, amsgrad=True)
    for g in grads[:3]:
        p1.grad = g.copy()
        o1.step()
    saved = copy.deepcopy(o1.state_dict())
    assert set(saved["state"][0]) == {"exp_avg", "exp_avg_sq", "step", "max_exp_avg_sq"}
    p2 = Tensor(p1.data.copy(), requires_grad=True)
    o2 = optim.AdamW([p2], lr=0.05, weight_decay=0.1, amsgrad=True)
    o2.load_state_dict(saved)
    for g in grads[3:]:
        for p, o in ((p1, o1), (p2, o2)):
            p.grad = g.copy()
            o.step()
    np.testing.assert_array_equal(p1.data, p2.data)
    with pytest.raises(ValueError, match="state dict is for Adam, not AdamW"):
        o2.load_state_dict(optim.Adam([p2]).state_dict())


def test_adamw_registry_and_exports() -> None:
    from tinygrad_dl.optim import AdamW

    assert optim.OPTIMIZERS["adamw"] is AdamW and "AdamW" in optim.__all__
    assert issubclass(AdamW, optim.Adam)  # one home for the Adam update
    assert AdamW._update is optim.Adam._update


@pytest.mark.parametrize("kw, match", [
    ({"foreach": True}, r"^AdamW: foreach=True is not supported"),
    ({"fused": True}, r"^AdamW: fused=True is not supported"),
    ({"betas": (1.0, 0.999)}, r"^AdamW: beta1 must be in \[0, 1\), got 1.0$"),
    ({"betas": (0.9, -0.1)}, r"^AdamW: beta2 must be in \[0, 1\), got -0.1$"),
    ({"betas": 0.9}, r"^AdamW: betas must be a pair"),
    ({"weight_decay": -0.1}, r"^AdamW: weight_decay must be a finite number >= 0"),
    ({"lr": -1.0}, r"^AdamW: learning rate must be a finite number >= 0"),
])
def test_adamw_bad_arguments_are_one_line(kw: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match) as e:
        optim.AdamW([Tensor(np.ones(2), requires_grad=True)], **kw)
    assert "\n" not in str(e.value)
    optim.AdamW([Tensor(np.ones(2), requires_grad=True)], foreach=False, fused=None)


def test_adamw_step_refuses_torchs_betas_written_into_a_group() -> None:
    a = Tensor(np.ones(3), requires_grad=True)
    opt = optim.AdamW([a])
    opt.param_groups[0]["betas"] = (0.0, 0.0)
    a.grad = np.ones(3)
    with pytest.raises(ValueError, match=r"AdamW's group keeps beta1 and beta2"):
        opt.step()


# ---- schedulers against torch: the rates (and OneCycleLR's momentum) step by step ----------
def _schedule(lib: str, make: Callable[[Any, Any], Any], steps: int, kind: str = "sgd",
              metrics: list[float] | None = None) -> np.ndarray:
    """[lr per group, momentum or beta1 per group] as construction set them, then after each
    of `steps` scheduler steps (steps + 1 rows); two groups, lr 0.1 and 0.2."""
    if lib == "tg":
        ps = [Tensor(np.zeros(2), requires_grad=True) for _ in range(2)]
        mod, ls = optim, lr_scheduler
    else:
        torch = _torch()
        ps = [torch.zeros(2, requires_grad=True) for _ in range(2)]
        mod, ls = torch.optim, torch.optim.lr_scheduler
    groups = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(ps)]
    opt = (mod.SGD(groups, lr=0.1, momentum=0.9) if kind == "sgd"
           else mod.AdamW(groups, lr=0.1))
    sched = make(ls, opt)

    def row() -> list[float]:
        if kind == "sgd":
            mom = [g["momentum"] for g in opt.param_groups]
        else:
            mom = [g["beta1"] if lib == "tg" else g["betas"][0] for g in opt.param_groups]
        return [g["lr"] for g in opt.param_groups] + mom

    rows = [row()]
    for k in range(steps):
        if lib != "tg":
            opt.step()  # (no gradients: nothing moves; torch's order, without its warning)
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[k])
        rows.append(row())
    return np.array(rows, dtype=np.float64)


SCHEDULES: dict[str, Callable[[Any, Any], Any]] = {
    "cosine": lambda ls, o: ls.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "cosine_odd": lambda ls, o: ls.CosineAnnealingLR(o, T_max=7),
    "linear": lambda ls, o: ls.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=12),
    "linear_defaults": lambda ls, o: ls.LinearLR(o),
    "linear_down": lambda ls, o: ls.LinearLR(o, start_factor=1.0, end_factor=0.0,
                                             total_iters=30),
    "constant": lambda ls, o: ls.ConstantLR(o, factor=0.3, total_iters=8),
    "constant_defaults": lambda ls, o: ls.ConstantLR(o),
    "multiplicative": lambda ls, o: ls.MultiplicativeLR(o, lambda e: 0.9 if e % 3 else 1.05),
    "multiplicative_two": lambda ls, o: ls.MultiplicativeLR(
        o, [lambda e: 0.95, lambda e: 1.0 - 0.01 * (e % 4)]),
    "polynomial": lambda ls, o: ls.PolynomialLR(o, total_iters=20, power=2.0),
    "polynomial_defaults": lambda ls, o: ls.PolynomialLR(o),
    "polynomial_root": lambda ls, o: ls.PolynomialLR(o, total_iters=40, power=0.5),
    "warm_restarts": lambda ls, o: ls.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2,
                                                                  eta_min=0.001),
    "warm_restarts_1": lambda ls, o: ls.CosineAnnealingWarmRestarts(o, T_0=7),
    "one_cycle": lambda ls, o: ls.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=60),
    "one_cycle_linear_3": lambda ls, o: ls.OneCycleLR(
        o, max_lr=1.0, epochs=6, steps_per_epoch=10, three_phase=True, pct_start=0.25,
        anneal_strategy="linear", base_momentum=0.8, max_momentum=[0.9, 0.99]),
    "one_cycle_no_momentum": lambda ls, o: ls.OneCycleLR(
        o, max_lr=0.5, total_steps=60, cycle_momentum=False, div_factor=10.0,
        final_div_factor=100.0),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_scheduler_matches_torch_step_by_step(name: str) -> None:
    # (one_cycle_linear_3's 60th step is past its end: its own test below)
    n = 59 if name == "one_cycle_linear_3" else 60
    ours, theirs = _schedule("tg", SCHEDULES[name], n), _schedule("torch", SCHEDULES[name], n)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert len({tuple(r) for r in ours[:, :2]}) > 1  # the rate moved


@needs_torch
@pytest.mark.parametrize("name", ["one_cycle", "one_cycle_linear_3"])
def test_one_cycle_cycles_adamws_beta1_as_torchs_betas(name: str) -> None:
    ours = _schedule("tg", SCHEDULES[name], 59, kind="adamw")
    theirs = _schedule("torch", SCHEDULES[name], 59, kind="adamw")
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert np.ptp(ours[:, 2]) > 0.05 and np.ptp(ours[:, 3]) > 0.05  # beta1 moved


@needs_torch
def test_adamw_with_one_cycle_trains_as_torch() -> None:
    """The schedule drives the optimizer: rates and beta1 both reach the update."""
    def make(mod: Any, w: Any, b: Any) -> Any:
        kw = {"foreach": False} if mod is not optim else {}
        return _two_groups(mod, w, b, weight_decay=0.1, **kw)

    def sched(ls: Any, o: Any) -> Any:
        return ls.OneCycleLR(o, max_lr=[0.1, 0.05], total_steps=40)
    for a, t in zip(_train("tg", make, 40, sched), _train("torch", make, 40, sched)):
        np.testing.assert_allclose(a, t, rtol=1e-12, atol=1e-12)


# a loss that improves, stalls (reductions after patience), improves during a cooldown, and
# stalls again: with patience 2 and cooldown 3 the rate drops at epochs 6, 12, 18, 22, 26, ...
PLATEAU_METRICS = ([1.0, 0.9, 0.8, 0.8, 0.81, 0.8, 0.79, 0.85, 0.9, 0.7, 0.7, 0.7, 0.7]
                   + [0.7] * 20 + [0.5 - 0.01 * k for k in range(12)] + [0.6] * 15)


def _plateau(ls: Any, o: Any) -> Any:
    return ls.ReduceLROnPlateau(o, patience=2, cooldown=3, factor=0.5, min_lr=[0.01, 0.02])


PLATEAUS: dict[str, tuple[Callable[[Any, Any], Any], list[float]]] = {
    "min_rel_cooldown": (_plateau, PLATEAU_METRICS),
    "max_abs": (lambda ls, o: ls.ReduceLROnPlateau(o, mode="max", threshold_mode="abs",
                                                   threshold=0.05, patience=1, cooldown=1,
                                                   factor=0.3), [-m for m in PLATEAU_METRICS]),
    "max_rel": (lambda ls, o: ls.ReduceLROnPlateau(o, mode="max", patience=0, eps=0.05),
                [-m for m in PLATEAU_METRICS]),
    "defaults": (lambda ls, o: ls.ReduceLROnPlateau(o), PLATEAU_METRICS),  # patience 10
}


@needs_torch
@pytest.mark.parametrize("name", sorted(PLATEAUS))
def test_reduce_lr_on_plateau_matches_torch(name: str) -> None:
    make, metrics = PLATEAUS[name]
    ours = _schedule("tg", make, len(metrics), metrics=metrics)
    theirs = _schedule("torch", make, len(metrics), metrics=metrics)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert ours[-1, 0] < ours[0, 0]  # it reduced


def test_reduce_lr_on_plateau_by_hand() -> None:
    """The drops of the scripted loss, counted by hand: 2 bad epochs are tolerated (patience),
    the 3rd reduces; the 3 epochs after a reduction count no bad epoch (cooldown); min_lr is
    each group's floor; a gain smaller than threshold (rel) is no improvement."""
    rows = _schedule("tg", _plateau, len(PLATEAU_METRICS), metrics=PLATEAU_METRICS)
    lr = rows[:, 0]  # row k: the rate after k steps (row 0: as built)
    drops = [k for k in range(1, len(lr)) if lr[k] < lr[k - 1]]
    # metric k sets row k + 1. Best 0.8 at k 2; k 3-5 are 3 bad epochs: reduced (row 6), a
    # cooldown over k 6-8 (0.79 is a new best, 0.85, 0.9 not counted); best 0.7 at k 9, bad
    # at k 10-12: reduced (row 13); cooldown k 13-15, bad k 16-18: reduced (row 19); ...
    assert drops[:4] == [6, 13, 19, 25]
    np.testing.assert_allclose(lr[[0, 6, 13, 19, 25]], [0.1, 0.05, 0.025, 0.0125, 0.01],
                               rtol=1e-15)  # (0.00625 is below group 0's min_lr 0.01)
    assert lr.min() == 0.01 and rows[:, 1].min() == 0.02  # min_lr per group
    sched = lr_scheduler.ReduceLROnPlateau(
        optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1), patience=0)
    sched.step(1.0)
    sched.step(1.0 - 1e-6)  # better by less than 1e-4 relative: a bad epoch, reduced
    assert sched.get_last_lr() == [pytest.approx(0.01)]
    sched.step(Tensor(np.array(0.5)))  # a 0-d Tensor, as torch's float(metrics)
    assert sched.best == 0.5 and sched.num_bad_epochs == 0


def test_scheduler_formulas_by_hand() -> None:
    """Without torch: the recursive (chainable) forms stay on their closed forms."""
    def lrs(make: Callable[[Any, Any], Any], n: int = 59) -> np.ndarray:
        return _schedule("tg", make, n)[:, 0]
    e = np.arange(60)
    np.testing.assert_allclose(lrs(SCHEDULES["cosine"]), 0.001 + (0.1 - 0.001) * (
        1 + np.cos(np.pi * e / 10)) / 2, rtol=1e-12)
    np.testing.assert_allclose(lrs(SCHEDULES["linear"]), 0.1 * (
        0.25 + (0.9 - 0.25) * np.minimum(e, 12) / 12), rtol=1e-12)
    np.testing.assert_allclose(lrs(SCHEDULES["polynomial"]), 0.1 * (
        1 - np.minimum(e, 20) / 20) ** 2, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(lrs(SCHEDULES["constant"]), 0.1 * np.where(e < 8, 0.3, 1.0),
                               rtol=1e-12)
    np.testing.assert_allclose(lrs(SCHEDULES["multiplicative"]), 0.1 * np.cumprod(
        [1.0] + [0.9 if k % 3 else 1.05 for k in range(1, 60)]), rtol=1e-12)
    # warm restarts, T_0 5, T_mult 2: periods 5, 10, 20, 40 starting at 0, 5, 15, 35
    t_cur = np.array([k if k < 5 else k - 5 if k < 15 else k - 15 if k < 35 else k - 35
                      for k in e])
    t_i = np.array([5 if k < 5 else 10 if k < 15 else 20 if k < 35 else 40 for k in e])
    np.testing.assert_allclose(lrs(SCHEDULES["warm_restarts"]), 0.001 + (0.1 - 0.001) * (
        1 + np.cos(np.pi * t_cur / t_i)) / 2, rtol=1e-12)
    one = _schedule("tg", SCHEDULES["one_cycle"], 60)
    assert one[0, 0] == pytest.approx(1.0 / 25) and one[0, 2] == 0.95
    peak = int(np.argmax(one[:, 0]))
    assert peak == 17 and one[peak, 0] == 1.0 and one[peak, 2] == 0.85  # 0.3 * 60 - 1
    assert one[59, 0] == pytest.approx(1.0 / 25 / 1e4, rel=1e-9)  # min_lr at the last step
    assert one[59, 2] == pytest.approx(0.95, rel=1e-12)  # and max_momentum
    # step 60, past the end (allowed, as torch's): the cosine comes back up, mirroring step 58
    assert one[60, 0] == pytest.approx(one[58, 0], rel=1e-9) and one[60, 0] > one[59, 0]


@needs_torch
def test_warm_restarts_step_to_an_epoch_as_torch() -> None:
    """step(epoch) with fractions of an epoch (once per batch), and back to an earlier one."""
    epochs = [k / 4 for k in range(60)] + [3, 26.5, 100, 0.25]
    for t_mult in (1, 2, 3):
        seen = []
        for lib in ("tg", "torch"):
            ls = lr_scheduler if lib == "tg" else _torch().optim.lr_scheduler
            p = (Tensor(np.zeros(1), requires_grad=True) if lib == "tg"
                 else _torch().zeros(1, requires_grad=True))
            opt = (optim if lib == "tg" else _torch().optim).SGD([p], lr=0.5)
            s = ls.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=t_mult, eta_min=0.01)
            rates = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for ep in epochs:
                    if lib != "tg":
                        opt.step()
                    s.step(ep)
                    rates.append((opt.param_groups[0]["lr"], s.T_cur, s.T_i, s.last_epoch))
                s.step()
                rates.append((opt.param_groups[0]["lr"], s.T_cur, s.T_i, s.last_epoch))
            seen.append(np.array(rates, dtype=np.float64))
        np.testing.assert_allclose(seen[0], seen[1], rtol=1e-12, atol=1e-15)


@needs_torch
def test_one_cycle_linear_past_the_end_is_zero_where_torch_goes_negative() -> None:
    """The step past the end (step total_steps, allowed as in torch) extrapolates linear
    annealing below 0 in torch; here the rate is 0 (a negative rate would ascend, and every
    later load of the optimizer's state would refuse it). Every earlier rate is torch's."""
    make = SCHEDULES["one_cycle_linear_3"]
    ours, theirs = _schedule("tg", make, 60), _schedule("torch", make, 60)
    np.testing.assert_allclose(ours[:60], theirs[:60], rtol=1e-12, atol=0)
    assert (theirs[60, :2] < 0).all() and (ours[60, :2] == 0).all()


# ---- state_dict round trips: a scheduler rebuilt and loaded mid-run resumes the sequence -----
ROUND_TRIP = {**{k: SCHEDULES[k] for k in (
    "cosine", "linear", "constant", "multiplicative", "polynomial", "warm_restarts",
    "one_cycle", "one_cycle_linear_3")}, "plateau": _plateau}


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
@pytest.mark.parametrize("kind", ["sgd", "adamw"])
def test_state_dict_round_trip_resumes_the_same_sequence(name: str, kind: str) -> None:
    make, cut, n = ROUND_TRIP[name], 13, 45
    metrics = PLATEAU_METRICS if name == "plateau" else None

    def build() -> tuple[Any, Any]:
        groups = [{"params": [Tensor(np.zeros(2), requires_grad=True)], "lr": 0.1 * (i + 1)}
                  for i in range(2)]
        opt = (optim.SGD(groups, lr=0.1, momentum=0.9) if kind == "sgd"
               else optim.AdamW(groups, lr=0.1))
        return opt, make(lr_scheduler, opt)

    def advance(opt: Any, s: Any, ks: range) -> list[list[float]]:
        key = "momentum" if kind == "sgd" else "beta1"
        out = []
        for k in ks:
            if metrics is None:
                s.step()
            else:
                s.step(metrics[k])
            out.append([g[x] for g in opt.param_groups for x in ("lr", key)])
        return out

    opt, s = build()
    whole = advance(opt, s, range(n))
    opt, s = build()
    advance(opt, s, range(cut))
    saved = copy.deepcopy((opt.state_dict(), s.state_dict()))  # as a checkpoint holds them
    opt2, s2 = build()  # a fresh run: the scheduler first, then both states loaded (torch's way)
    opt2.load_state_dict(saved[0])
    s2.load_state_dict(saved[1])
    assert s2.last_epoch == s.last_epoch and s2.get_last_lr() == s.get_last_lr()
    resumed = advance(opt2, s2, range(cut, n))
    assert resumed == whole[cut:]
    opt3, s3 = build()  # without the scheduler's state: another sequence (the test can fail)
    opt3.load_state_dict(saved[0])
    assert advance(opt3, s3, range(cut, n)) != whole[cut:]


def test_state_dicts_hold_no_optimizer_or_function() -> None:
    opt = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    sd = lr_scheduler.MultiplicativeLR(opt, lambda e: 0.5).state_dict()
    assert "optimizer" not in sd and not any(callable(v) for v in sd.values())
    assert "_fn" not in sd and sd["last_epoch"] == 0
    sd = lr_scheduler.ReduceLROnPlateau(opt).state_dict()
    assert sd["best"] == math.inf and sd["mode"] == "min" and "optimizer" not in sd


# ---- bad arguments: one line, naming the class and the argument ------------------------------
def _opt(kind: str = "sgd") -> Any:
    p = Tensor(np.zeros(1), requires_grad=True)
    return {"sgd": lambda: optim.SGD([p], lr=0.1, momentum=0.9),
            "adagrad": lambda: optim.Adagrad([p])}[kind]()


L = lr_scheduler
BAD: list[tuple[str, Callable[[], Any], str]] = [
    ("CosineAnnealingLR", lambda: L.CosineAnnealingLR(_opt(), T_max=0), "T_max"),
    ("CosineAnnealingLR", lambda: L.CosineAnnealingLR(_opt(), T_max=-5), "T_max"),
    ("CosineAnnealingLR", lambda: L.CosineAnnealingLR(_opt(), 10, eta_min=-1.0), "eta_min"),
    ("LinearLR", lambda: L.LinearLR(_opt(), start_factor=0), "start_factor"),
    ("LinearLR", lambda: L.LinearLR(_opt(), start_factor=1.5), "start_factor"),
    ("LinearLR", lambda: L.LinearLR(_opt(), end_factor=-0.1), "end_factor"),
    ("LinearLR", lambda: L.LinearLR(_opt(), total_iters=-1), "total_iters"),
    ("ConstantLR", lambda: L.ConstantLR(_opt(), factor=1.5), "factor"),
    ("ConstantLR", lambda: L.ConstantLR(_opt(), factor=-0.5), "factor"),
    ("ConstantLR", lambda: L.ConstantLR(_opt(), factor=0.0), "factor"),
    ("ConstantLR", lambda: L.ConstantLR(_opt(), total_iters=2.5), "total_iters"),
    ("PolynomialLR", lambda: L.PolynomialLR(_opt(), power=-1.0), "power"),
    ("PolynomialLR", lambda: L.PolynomialLR(_opt(), total_iters=-3), "total_iters"),
    ("OneCycleLR", lambda: L.OneCycleLR(_opt(), 1.0, total_steps=10, pct_start=1.5),
     "pct_start"),
    ("OneCycleLR", lambda: L.OneCycleLR(_opt(), 1.0, total_steps=10, pct_start=-0.1),
     "pct_start"),
    ("OneCycleLR", lambda: L.OneCycleLR(_opt(), 1.0, total_steps=10, pct_start=0.1),
     "pct_start"),  # a warm-up of zero steps: torch divides by zero
    ("OneCycleLR", lambda: [s.step() for s in [L.OneCycleLR(_opt(), 1.0, total_steps=10,
                                                           pct_start=1.0)] for _ in range(10)],
     "pct_start"),  # an annealing phase of zero steps: refused at the step past the end
    ("OneCycleLR", lambda: L.OneCycleLR(_opt(), 1.0, total_steps=0), "total_steps"),
    ("OneCycleLR", lambda: L.OneCycleLR(_opt(), 1.0, epochs=0, steps_per_epoch=3), "epochs"),
    ("OneCycleLR", lambda: L.OneCycleLR(_opt(), 1.0), "total_steps"),
    ("OneCycleLR", lambda: L.OneCycleLR(_opt(), 1.0, 10, anneal_strategy="exp"),
     "anneal_strategy"),
    ("OneCycleLR", lambda: L.OneCycleLR(_opt(), 1.0, 10, div_factor=0), "div_factor"),
    ("OneCycleLR", lambda: L.OneCycleLR(_opt(), [1.0, 2.0], 10), "max_lr"),
    ("OneCycleLR", lambda: L.OneCycleLR(_opt(), 1.0, 10, max_momentum=1.2), "max_momentum"),
    ("OneCycleLR", lambda: L.OneCycleLR(_opt("adagrad"), 1.0, 10), "cycle_momentum"),
    ("ReduceLROnPlateau", lambda: L.ReduceLROnPlateau(_opt(), mode="avg"), "mode"),
    ("ReduceLROnPlateau", lambda: L.ReduceLROnPlateau(_opt(), factor=1.0), "factor"),
    ("ReduceLROnPlateau", lambda: L.ReduceLROnPlateau(_opt(), factor=-0.1), "factor"),
    ("ReduceLROnPlateau", lambda: L.ReduceLROnPlateau(_opt(), threshold_mode="pct"),
     "threshold mode"),
    ("ReduceLROnPlateau", lambda: L.ReduceLROnPlateau(_opt(), min_lr=[0.1, 0.2]), "min_lrs"),
    ("ReduceLROnPlateau", lambda: L.ReduceLROnPlateau(_opt(), min_lr=-1), "min_lr"),
    ("ReduceLROnPlateau", lambda: L.ReduceLROnPlateau(_opt(), patience=-1), "patience"),
    ("CosineAnnealingWarmRestarts", lambda: L.CosineAnnealingWarmRestarts(_opt(), T_0=0), "T_0"),
    ("CosineAnnealingWarmRestarts", lambda: L.CosineAnnealingWarmRestarts(_opt(), T_0=2.5),
     "T_0"),
    ("CosineAnnealingWarmRestarts", lambda: L.CosineAnnealingWarmRestarts(_opt(), 5, T_mult=0),
     "T_mult"),
    ("CosineAnnealingWarmRestarts", lambda: L.CosineAnnealingWarmRestarts(_opt(), 5).step(-1),
     "epoch"),
]


@pytest.mark.parametrize("who, call, arg", BAD, ids=[f"{w}-{a}-{i}" for i, (w, _, a)
                                                      in enumerate(BAD)])
def test_bad_arguments_raise_one_line_naming_class_and_argument(who: str, call: Any,
                                                                 arg: str) -> None:
    with pytest.raises(ValueError) as e:
        call()
    msg = str(e.value)
    assert msg.startswith(f"{who}: ") and arg in msg and "\n" not in msg, msg


def test_torchs_wording_where_it_has_one() -> None:
    cases = [
        (lambda: L.ReduceLROnPlateau(_opt(), factor=2.0), "Factor should be < 1.0"),
        (lambda: L.ReduceLROnPlateau(_opt(), mode="avg"), "mode 'avg' is unknown!"),
        (lambda: L.OneCycleLR(_opt(), 1.0, 10, pct_start=2.0),
         "Expected float between 0 and 1 pct_start, but got 2.0"),
        (lambda: L.OneCycleLR(_opt(), 1.0),
         r"You must define either total_steps OR \(epochs AND steps_per_epoch\)"),
        (lambda: L.CosineAnnealingWarmRestarts(_opt(), 0),
         "Expected positive integer T_0, but got 0"),
        (lambda: L.LinearLR(_opt(), start_factor=0),
         "Starting multiplicative factor expected to be greater than 0 and less or equal to 1"),
        (lambda: L.ConstantLR(_opt(), factor=2),
         "Constant multiplicative factor expected to be between 0 and 1"),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match):
            call()
    with pytest.raises(TypeError, match="MultiplicativeLR: lr_lambda should be a function"):
        L.MultiplicativeLR(_opt(), 0.5)


def test_one_cycle_refuses_a_step_past_total_steps_and_changes_nothing() -> None:
    opt = _opt()
    s = L.OneCycleLR(opt, 1.0, total_steps=10)
    for _ in range(10):  # 10 steps after construction: the last one is allowed, as torch's
        s.step()
    before = (s.last_epoch, dict(opt.param_groups[0]), s.get_last_lr())
    with pytest.raises(ValueError, match=r"^OneCycleLR: Tried to step 11 times\. The specified "
                                         r"number of total steps is 10$"):
        s.step()
    assert (s.last_epoch, dict(opt.param_groups[0]), s.get_last_lr()) == before


def test_a_refused_one_cycle_leaves_the_optimizer_as_it_was() -> None:
    opt = _opt()
    before = dict(opt.param_groups[0])
    with pytest.raises(ValueError, match="max_momentum"):
        L.OneCycleLR(opt, 1.0, total_steps=10, max_momentum=[0.9, 0.95])
    with pytest.raises(ValueError, match="last_epoch"):
        L.OneCycleLR(opt, 1.0, total_steps=10, last_epoch=3)
    assert dict(opt.param_groups[0]) == before and "initial_lr" not in before


def test_reduce_lr_on_plateau_refuses_a_metric_that_is_not_one_number() -> None:
    s = L.ReduceLROnPlateau(_opt())
    with pytest.raises(TypeError, match=r"ReduceLROnPlateau.step\(metrics\): metrics must be "
                                        "one number"):
        s.step(np.array([1.0, 2.0]))
    assert s.last_epoch == 0
    with pytest.warns(UserWarning, match="epoch parameter"):  # (torch's, deprecated: hLEFT3)
        s.step(1.0, epoch=3)
    assert s.last_epoch == 3


def test_new_schedulers_are_exported_as_in_torch() -> None:
    names = ["ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "LinearLR",
             "MultiplicativeLR", "OneCycleLR", "PolynomialLR", "ReduceLROnPlateau"]
    for n in names:
        assert n in lr_scheduler.__all__ and issubclass(getattr(lr_scheduler, n),
                                                        lr_scheduler.LRScheduler)
    # optim.ConstantLR stays the course's callable schedule; torch's is lr_scheduler's
    assert optim.ConstantLR is not lr_scheduler.ConstantLR and optim.ConstantLR(0.1)(5) == 0.1


@pytest.mark.parametrize("make, step", [
    (lambda o: L.ReduceLROnPlateau(o), lambda s: s.step(1.0)),
    (lambda o: L.CosineAnnealingWarmRestarts(o, 3), lambda s: s.step()),
    (lambda o: L.OneCycleLR(o, 0.5, 100), lambda s: s.step()),
])
def test_a_scheduler_step_inside_a_jitted_function_runs_eagerly(make: Any, step: Any) -> None:
    """Replay would run none of the step's Python: the rates would stay where the recording
    left them. The overridden steps say so as the base class's does."""
    w = Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.5)
    s = make(opt)

    @jit
    def f(x: np.ndarray) -> None:
        (Tensor(x) * w).sum().backward()
        step(s)

    with pytest.warns(RuntimeWarning, match=r"cannot replay f: \w+\.step\(\) runs inside"):
        for _ in range(3):
            w.grad = None
            f(np.ones(3))
    assert s.last_epoch == 3


def test_step_names_a_grad_that_is_a_tensor():
    """Before: p.grad = some_tensor made step() fail inside NumPy ("operand 'Tensor' does not
    support ufuncs"), naming neither step nor .grad."""
    for make in (lambda ps: optim.SGD(ps, lr=0.1), lambda ps: optim.AdamW(ps)):
        p = Tensor(np.ones(3), requires_grad=True)
        p.grad = Tensor(np.ones(3))
        with pytest.raises(TypeError, match=r"\.step: the \.grad of parameter .* is a Tensor"):
            make([p]).step()
