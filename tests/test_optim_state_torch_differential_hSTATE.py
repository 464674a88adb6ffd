"""States saved mid-run by this library's optimizers and schedulers, loaded into torch 2.13's
(ours -> torch: arrays as tensors, beta1/beta2 as betas, step as a tensor) and the reverse,
then both runs continued: parameters to 1e-12 (float64; float32 to 2e-5), rates and cycled
momenta to 1e-12. A scheduler's state goes into a torch scheduler built with ANOTHER
configuration of the same class: torch's load_state_dict only updates __dict__, so every key
torch reads must be in ours (torch -> torch restores the saved schedule the same way).

Left out: schedules held in functions (LambdaLR's lambdas, a plain scale_fn: neither library
saves them); OneCycleLR's max_lr/min_lr/momenta, which torch keeps in the optimizer's groups
and ours in the scheduler (docs/pytorch.md), so the torch side is built with the same ones;
SequentialLR/ChainedScheduler (their parts' states are the ones tested here); tg.save's
dict for a Counter (torch's MultiStepLR needs the Counter back for step(epoch)). torch ->
ours optimizers: tests/test_optim_torch_differential_hT.py."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from oracle import torch_float64  # noqa: F401 (the fixture)

import tinygrad_dl as tg
from tinygrad_dl import optim as O

torch = pytest.importorskip("torch")

L = O.lr_scheduler
# (torch's warning for a scheduler stepped without an optimizer step: only rates here)
pytestmark = [pytest.mark.filterwarnings("ignore:Detected call of:UserWarning"),
              pytest.mark.usefixtures("torch_float64")]


def _pair(lrs=(0.1,), adam=False):
    ps = [tg.Tensor(np.ones(2), requires_grad=True) for _ in lrs]
    tps = [torch.ones(2, requires_grad=True) for _ in lrs]
    if adam:
        return (O.Adam([{"params": [p], "lr": r} for p, r in zip(ps, lrs)]),
                torch.optim.Adam([{"params": [p], "lr": r} for p, r in zip(tps, lrs)]))
    return (O.SGD([{"params": [p], "lr": r} for p, r in zip(ps, lrs)], lr=0.1, momentum=0.9),
            torch.optim.SGD([{"params": [p], "lr": r} for p, r in zip(tps, lrs)], lr=0.1,
                            momentum=0.9))


def _rates(opt) -> list[float]:
    out = []
    for g in opt.param_groups:
        out += [g["lr"], g["betas"][0] if "betas" in g else g.get("beta1", g.get("momentum"))]
    return out


def _into_torch(ours, oo, tsched, to, m=8) -> None:
    """Load ours' state into the torch scheduler (and its groups' rates), step both m times."""
    tsched.load_state_dict(copy.deepcopy(ours.state_dict()))
    for a, b in zip(to.param_groups, oo.param_groups):
        a["lr"], a["initial_lr"] = b["lr"], b["initial_lr"]
        if "momentum" in b:
            a["momentum"] = b["momentum"]
        if "beta1" in b:
            a["betas"] = (b["beta1"], b["beta2"])
    for k in range(m):
        ours.step()
        tsched.step()
        np.testing.assert_allclose(_rates(to), _rates(oo), rtol=1e-12, err_msg=f"step {k}")


# ---- one named test per bug -------------------------------------------------------------------
def test_cyclic_lr_state_loads_into_a_torch_cyclic_lr_built_otherwise() -> None:
    """Before: torch's load_state_dict raised KeyError '_scale_fn_custom'; with it added by
    hand, torch went on along its own cycle (0.155 where the saved run has 0.0419): ours
    kept total_size, step_ratio, mode, gamma, max_lrs, scale_mode only inside _cycle."""
    oo, _ = _pair()
    s = L.CyclicLR(oo, 0.01, 0.1, step_size_up=3, step_size_down=5, mode="exp_range",
                   gamma=0.9)
    for _ in range(4):
        s.step()
    _, to = _pair()
    _into_torch(s, oo, torch.optim.lr_scheduler.CyclicLR(to, 0.02, 0.3, step_size_up=2), to)


@pytest.mark.parametrize("torch_strategy", ["cos", "linear"])
def test_one_cycle_linear_state_loads_into_torch_as_linear(torch_strategy) -> None:
    """Before: ours saved only anneal_strategy, torch reads _anneal_func_type: a "linear"
    state went on along the torch OneCycleLR's default "cos" without a word."""
    kw = dict(max_lr=0.2, total_steps=30, pct_start=0.4)
    oo, _ = _pair()
    s = L.OneCycleLR(oo, anneal_strategy="linear", **kw)
    for _ in range(5):
        s.step()
    _, to = _pair()
    _into_torch(s, oo, torch.optim.lr_scheduler.OneCycleLR(
        to, anneal_strategy=torch_strategy, **kw), to)


@pytest.mark.parametrize("name", ["LambdaLR", "MultiplicativeLR"])
def test_lambda_state_of_plain_functions_loads_into_torch(name) -> None:
    """Before: no lr_lambdas entry for plain functions; torch pops it: KeyError."""
    def f(e):
        return 0.9 ** e if name == "LambdaLR" else 0.95
    oo, to = _pair()
    s = getattr(L, name)(oo, f)
    for _ in range(3):
        s.step()
    assert s.state_dict()["lr_lambdas"] == [None]
    _into_torch(s, oo, getattr(torch.optim.lr_scheduler, name)(to, f), to)


def test_multistep_state_loads_into_torch_with_its_milestone_counts() -> None:
    """Before: milestones saved as a list; torch's get_lr reads milestones[last_epoch] as the
    count: at step 2 of [2, 3, 40] the rate was 0.5 ** 40 = 9.1e-13 (the run's: 0.5), or an
    IndexError."""
    oo, to = _pair((1.0,))
    s = L.MultiStepLR(oo, [2, 3, 3, 40], gamma=0.5)
    s.step()
    _into_torch(s, oo, torch.optim.lr_scheduler.MultiStepLR(to, [5], gamma=0.9), to)
    assert oo.param_groups[0]["lr"] == 0.5 ** 3


def test_one_cycle_torch_state_that_cycles_momentum_is_refused_by_one_that_does_not() -> None:
    """Before: it loaded, and the next step() raised AttributeError 'max_momentums' (torch's
    state lacks the momenta ours keeps in the scheduler)."""
    oo, to = _pair()
    ts = torch.optim.lr_scheduler.OneCycleLR(to, 0.2, total_steps=20)
    ts.step()
    s = L.OneCycleLR(oo, 0.2, total_steps=20, cycle_momentum=False)
    with pytest.raises(ValueError, match=r"^OneCycleLR\.load_state_dict: the state's "
                                         r"cycle_momentum=True, this scheduler's is False"):
        s.load_state_dict(ts.state_dict())
    assert s.last_epoch == 0 and not s.cycle_momentum


def test_swalr_state_loads_into_torch_mid_anneal() -> None:
    """Before: torch's SWALR counts by _step_count, which ours left out: loaded mid-anneal it
    took the state as its first step and annealed again (0.0911 where the run has 0.0830)."""
    oo, to = _pair()
    s = O.swa_utils.SWALR(oo, swa_lr=0.05, anneal_epochs=5)
    for _ in range(2):
        s.step()
    to.param_groups[0]["swa_lr"] = 0.05  # (torch keeps swa_lr in the groups, as ours)
    _into_torch(s, oo, torch.optim.swa_utils.SWALR(to, swa_lr=0.05, anneal_epochs=5), to)


# ---- seeded sweeps ----------------------------------------------------------------------------
def _sched_kw(kind: str, rng) -> dict:
    u, i = rng.uniform, rng.integers
    if kind == "StepLR":
        return dict(step_size=int(i(1, 6)), gamma=float(u(0.3, 1)))
    if kind == "MultiStepLR":
        return dict(milestones=[int(x) for x in i(0, 20, int(i(1, 5)))], gamma=float(u(0.3, 1)))
    if kind == "CosineAnnealingWarmRestarts":
        return dict(T_0=int(i(1, 6)), T_mult=int(i(1, 3)), eta_min=float(u(0, 1e-3)))
    if kind == "CosineAnnealingLR":
        return dict(T_max=int(i(1, 20)), eta_min=float(u(0, 1e-3)))
    if kind == "LinearLR":
        return dict(start_factor=float(u(0.1, 1)), end_factor=float(u(0.1, 1)),
                    total_iters=int(i(1, 20)))
    if kind == "PolynomialLR":
        return dict(total_iters=int(i(1, 20)), power=float(u(0.5, 3)))
    kw = dict(base_lr=float(u(1e-3, 1e-2)), max_lr=float(u(0.05, 0.5)),
              step_size_up=int(i(1, 6)), mode=str(rng.choice(["triangular", "triangular2",
                                                               "exp_range"])),
              gamma=float(u(0.8, 1)), cycle_momentum=True)
    if rng.random() < 0.5:
        kw["step_size_down"] = float(u(1, 6))
    return kw


@pytest.mark.parametrize("seed", range(3))
def test_random_scheduler_states_load_into_torch_built_otherwise(seed: int) -> None:
    rng = np.random.default_rng(seed)
    kinds = ["StepLR", "MultiStepLR", "CosineAnnealingWarmRestarts", "CosineAnnealingLR",
             "LinearLR", "PolynomialLR", "CyclicLR", "OneCycleLR"]
    for kind in kinds * 4:
        adam = bool(rng.integers(2)) and kind in ("CyclicLR", "OneCycleLR")
        lrs = tuple(float(x) for x in rng.uniform(0.01, 0.5, int(rng.integers(1, 3))))
        oo, _ = _pair(lrs, adam)
        _, to = _pair(lrs, adam)
        if kind == "OneCycleLR":  # (max_lr and the momenta: in torch's groups, built the same)
            kw = dict(max_lr=float(rng.uniform(0.1, 0.5)), total_steps=40,
                      three_phase=bool(rng.integers(2)), pct_start=float(rng.uniform(0.1, 0.4)))
            s = L.OneCycleLR(oo, anneal_strategy=str(rng.choice(["cos", "linear"])), **kw)
            t = torch.optim.lr_scheduler.OneCycleLR(to, anneal_strategy="cos", **{
                **kw, "pct_start": 0.25, "three_phase": not kw["three_phase"]})
        else:
            s = getattr(L, kind)(oo, **_sched_kw(kind, rng))
            t = getattr(torch.optim.lr_scheduler, kind)(to, **_sched_kw(kind, rng))
        for _ in range(int(rng.integers(0, 15))):
            s.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # (torch's step-order warning)
            _into_torch(s, oo, t, to)


def _sample(name: str, rng) -> dict:
    c = rng.random() < 0.5
    lr, wd, mx = float(rng.uniform(1e-3, 0.1)), float(rng.choice([0.0, 0.01])), c
    return {
        "SGD": dict(lr=lr, momentum=0.9 * c, nesterov=c, weight_decay=wd, maximize=mx),
        "Adam": dict(lr=lr, amsgrad=c, weight_decay=wd, maximize=not mx),
        "AdamW": dict(lr=lr, amsgrad=not c, weight_decay=wd),
        "NAdam": dict(lr=lr, decoupled_weight_decay=c, weight_decay=wd),
        "RAdam": dict(lr=lr, decoupled_weight_decay=c, weight_decay=wd),
        "Adamax": dict(lr=lr, weight_decay=wd, maximize=mx),
        "Adagrad": dict(lr=lr, lr_decay=0.01 * c, weight_decay=wd),
        "Adadelta": dict(lr=1.0, rho=0.9, weight_decay=wd, maximize=mx),
        "RMSprop": dict(lr=lr * 0.1, momentum=0.5 * c, centered=not c, weight_decay=wd),
        "Rprop": dict(lr=lr, maximize=mx),
        "ASGD": dict(lr=lr, t0=float(rng.integers(0, 5)), weight_decay=wd),
    }[name]


def _to_torch(sd: dict) -> dict:
    groups = []
    for g in sd["param_groups"]:
        g = dict(g)
        if "beta1" in g:
            g["betas"] = (g.pop("beta1"), g.pop("beta2"))
        groups.append(g)
    state = {i: {k: torch.tensor(np.asarray(v)) for k, v in s.items()}
             for i, s in enumerate(sd["state"]) if s}
    return {"state": state, "param_groups": groups}


NAMES = ["SGD", "Adam", "AdamW", "NAdam", "RAdam", "Adamax", "Adagrad", "Adadelta", "RMSprop",
         "Rprop", "ASGD"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_optimizer_state_saved_with_tg_save_continues_in_torch(name, dtype, tmp_path) -> None:
    """Two groups of other sizes (0-d, transposed, size 0), one parameter without a gradient
    at some steps; ours' state after tg.save and tg.load, into torch: both runs agree."""
    rng = np.random.default_rng(NAMES.index(name))
    arrays = [a.astype(dtype) for a in (rng.standard_normal(()), rng.standard_normal((4, 3)).T,
                                        rng.standard_normal((2, 3)), np.zeros((0, 2)))]
    kw0, kw1 = _sample(name, rng), _sample(name, rng)
    if name == "SGD":
        kw1["nesterov"] = kw1["nesterov"] and kw1["momentum"] > 0
        kw0["nesterov"] = kw0["nesterov"] and kw0["momentum"] > 0
    ps = [tg.Tensor(a.copy(), requires_grad=True) for a in arrays]
    OC, TC = getattr(O, name), getattr(torch.optim, name)
    oo = OC([{"params": ps[:2]}, {"params": ps[2:], **kw1}], **kw0)

    def grads(step):
        return [None if i == 2 and step % 3 == 1 else rng.standard_normal(a.shape).astype(dtype)
                for i, a in enumerate(arrays)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for step in range(5):
            for p, g in zip(ps, grads(step)):
                p.grad = g
            oo.step()
        tg.save({"opt": oo.state_dict()}, tmp_path / "o.npz")
        sd = tg.load(tmp_path / "o.npz")["opt"]
        tps = [torch.tensor(np.array(p.data, copy=True), requires_grad=True) for p in ps]
        to = TC([{"params": tps[:2]}, {"params": tps[2:], **kw1}], **kw0)
        to.load_state_dict(_to_torch(sd))
        for step in range(5, 10):
            for p, tp, g in zip(ps, tps, grads(step)):
                p.grad = g
                tp.grad = None if g is None else torch.tensor(g.copy())
            oo.step()
            to.step()
    tol = 1e-12 if dtype == np.float64 else 2e-5
    for i, (p, tp) in enumerate(zip(ps, tps)):
        assert p.data.dtype == tp.detach().numpy().dtype == dtype
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=tol, atol=tol * 1e-2,
                                   err_msg=f"{name} param {i}")
