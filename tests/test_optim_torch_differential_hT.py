"""Differential runs of tinygrad_dl.optim against torch 2.13's optimizers and schedulers (CPU,
float64): random valid hyperparameters from a seeded generator, the same gradients given to
both, parameters compared after every step to 1e-12 relative (1e-14 absolute: an element that
crosses zero keeps only the ulps of its neighbours). Each run also saves state_dict() mid-run
and continues from it (ours, and torch's converted), adds a param group mid-run, zeroes the
gradients both ways and edits a group's lr.

Deliberate differences (left as they are): a group's own Adagrad initial_accumulator_value is
ours (torch reads the constructor's for every group); Adam-family groups hold beta1, beta2
(torch's betas is split into them)."""

from __future__ import annotations

import copy
import warnings
from collections import Counter

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import optim as O

torch = pytest.importorskip("torch")

NAMES = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta", "RMSprop",
         "Rprop", "ASGD"]
BETAS = {"Adam", "AdamW", "Adamax", "NAdam", "RAdam"}
TORCH_ONLY = {"foreach", "fused", "capturable", "differentiable"}


@pytest.fixture(autouse=True)
def _torch_float64():
    """torch keeps its scalar state (NAdam's mu_product, ASGD's eta and mu, every step count)
    in its default dtype: float64 here, as ours, else a float32 mu_product is 1e-9 off."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def _sample(name: str, rng: np.random.Generator) -> dict:
    def u(a, b):
        return float(rng.uniform(a, b))

    def c(*xs):
        return xs[rng.integers(len(xs))]

    lr, wd, mx = u(1e-3, 0.3), c(0.0, u(0, 0.1)), bool(c(0, 1))
    eps = c(1e-8, u(1e-6, 1e-1))
    if name == "SGD":
        mom = c(0.0, u(0, 0.95))
        nest = bool(mom > 0 and rng.random() < 0.5)
        return dict(lr=lr, momentum=mom, dampening=0.0 if nest else c(0.0, u(0, 0.9)),
                    weight_decay=wd, nesterov=nest, maximize=mx)
    if name in BETAS:
        kw = dict(lr=lr, betas=(u(0, 0.99), u(0.5, 0.9999)), eps=eps, weight_decay=wd,
                  maximize=mx)
        if name in ("Adam", "AdamW"):
            kw["amsgrad"] = bool(c(0, 1))
        if name in ("Adam", "NAdam", "RAdam"):
            kw["decoupled_weight_decay"] = bool(c(0, 1))
        if name == "NAdam":
            kw["momentum_decay"] = c(4e-3, u(0, 0.1))
        return kw
    if name == "Adagrad":
        return dict(lr=lr, lr_decay=c(0.0, u(0, 0.5)), weight_decay=wd, maximize=mx,
                    initial_accumulator_value=c(0.0, u(0, 1)), eps=c(1e-10, u(1e-6, 0.1)))
    if name == "Adadelta":
        return dict(lr=u(0.1, 2), rho=u(0, 0.99), eps=c(1e-6, u(1e-8, 1e-2)),
                    weight_decay=wd, maximize=mx)
    if name == "RMSprop":
        return dict(lr=lr * 0.1, alpha=u(0.5, 0.999), eps=eps, weight_decay=wd,
                    momentum=c(0.0, u(0, 0.9)), centered=bool(c(0, 1)), maximize=mx)
    if name == "Rprop":
        return dict(lr=lr, etas=(u(0.1, 0.9), u(1.01, 2)),
                    step_sizes=(u(1e-7, 1e-3), u(0.5, 50)), maximize=mx)
    assert name == "ASGD"
    return dict(lr=lr, lambd=c(1e-4, u(0, 0.1)), alpha=u(0, 1.5),
                t0=c(1e6, float(rng.integers(0, 15))), weight_decay=wd, maximize=mx)


def _to_ours_sd(name: str, sd: dict) -> dict:
    """torch's optimizer state dict in this library's layout (positions, arrays, numbers)."""
    n = sum(len(g["params"]) for g in sd["param_groups"])
    groups = []
    for g in sd["param_groups"]:
        g = {k: v for k, v in g.items() if k not in TORCH_ONLY}
        if name in BETAS:
            g["beta1"], g["beta2"] = g.pop("betas")
        groups.append(g)

    # (torch's step, eta, mu, mu_product: 0-d tensors, loaded as 0-d arrays)
    state = [{k: v.detach().numpy().copy() for k, v in sd["state"].get(i, {}).items()}
             for i in range(n)]
    return {"type": name, "param_groups": groups, "state": state}


def _close(ours: list, theirs: list, what: str) -> None:
    for i, (a, b) in enumerate(zip(ours, theirs)):
        x, y = np.asarray(a.data), b.detach().numpy()
        assert x.shape == y.shape, what
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14, err_msg=f"{what} param {i}")


def _run_optimizer(name: str, seed: int, steps: int = 25) -> None:
    rng = np.random.default_rng(seed)
    kw0, kw1, kw2 = (_sample(name, rng) for _ in range(3))
    if name == "Adagrad":  # (documented difference: see the module's docstring)
        kw1["initial_accumulator_value"] = kw2["initial_accumulator_value"] = \
            kw0["initial_accumulator_value"]
    if name == "SGD":  # (nesterov needs momentum in the constructor only)
        kw1["nesterov"] = kw1["nesterov"] and kw1["momentum"] > 0
    arrays = [rng.standard_normal(()), rng.standard_normal((4, 3)).T,
              rng.standard_normal((2, 3, 2)), rng.standard_normal(5)]
    extra = rng.standard_normal((2, 2))
    OC, TC = getattr(O, name), getattr(torch.optim, name)

    def ours_opt(ps):
        return OC([{"params": ps[:2]}, {"params": ps[2:4], **kw1}], **kw0)

    tps = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    to = TC([{"params": tps[:2]}, {"params": tps[2:], **kw1}], **kw0)
    runs = []  # (params, optimizer, how it was made)
    ps = [tg.Tensor(a.copy(), requires_grad=True) for a in arrays]
    runs.append((ps, ours_opt(ps), "ours"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (params without a gradient)
        for step in range(steps):
            if step == 8:  # state_dict mid-run: ours' own, and torch's converted
                for sd, how in ((runs[0][1].state_dict(), "ours' state_dict"),
                                (_to_ours_sd(name, copy.deepcopy(to.state_dict())),
                                 "torch's state_dict")):
                    qs = [tg.Tensor(np.array(p.data, copy=True), requires_grad=True)
                          for p in runs[0][0]]
                    q = ours_opt(qs)
                    q.load_state_dict(sd)
                    runs.append((qs, q, how))
            if step == 12:  # a group added mid-run
                tps.append(torch.tensor(extra.copy(), requires_grad=True))
                to.add_param_group({"params": [tps[-1]], **kw2})
                for ps_, opt, _ in runs:
                    ps_.append(tg.Tensor(extra.copy(), requires_grad=True))
                    opt.add_param_group({"params": [ps_[-1]], **kw2})
            if step == 16:  # a rate edited in place
                for g in [to.param_groups[0]] + [opt.param_groups[0] for _, opt, _ in runs]:
                    g["lr"] *= 0.5
            # zero_grad both ways: set_to_none=False leaves zeros that are stepped with
            set_to_none = step % 4 != 1
            to.zero_grad(set_to_none=set_to_none)
            for _, opt, _ in runs:
                opt.zero_grad(set_to_none=set_to_none)
            for i, tp in enumerate(tps):
                if (i == 3 and step % 3 == 1) or (i == 1 and step % 4 in (1, 2)):
                    continue  # no gradient this step (None, or the zeros just left)
                g = rng.standard_normal(tuple(tp.shape))
                tp.grad = torch.tensor(g)
                for ps_, _, _ in runs:
                    ps_[i].grad = g.copy()
            to.step()
            for ps_, opt, how in runs:
                opt.step()
                _close(ps_, tps, f"{name} seed {seed} step {step} ({how})")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", range(4))
def test_optimizer_matches_torch(name: str, seed: int) -> None:
    _run_optimizer(name, seed)


# ---- LBFGS: closures over one NumPy loss, so both see the same numbers ----------------------

def _loss_and_grads(xs: list[np.ndarray], scale: list[np.ndarray]) -> tuple[float, list]:
    """A smooth non-quadratic loss of the parameters and its gradients (NumPy, for both)."""
    loss, grads = 0.0, []
    for x, c in zip(xs, scale):
        loss += float(np.sum(0.5 * c * x * x + 0.05 * x**4 + 0.3 * np.sin(3 * x)))
        grads.append(c * x + 0.2 * x**3 + 0.9 * np.cos(3 * x))
    return loss, grads


def _lbfgs_sd_to_ours(sd: dict, n_params: int) -> dict:
    """torch's LBFGS state dict (its state under the first parameter) in ours' layout."""
    def val(v):
        if isinstance(v, torch.Tensor):
            v = v.detach().numpy().copy()
            return v.item() if v.ndim == 0 else v
        if isinstance(v, list):
            return [val(x) for x in v]
        return v
    # ("al": the two-loop recursion's scratch, rewritten before it is read; not kept here)
    state = [{k: val(v) for k, v in sd["state"].get(i, {}).items() if k != "al"}
             for i in range(n_params)]
    groups = [{k: v for k, v in g.items() if k not in TORCH_ONLY} for g in sd["param_groups"]]
    return {"type": "LBFGS", "param_groups": groups, "state": state}


def _run_lbfgs(seed: int, steps: int = 12) -> None:
    rng = np.random.default_rng(seed)
    kw = dict(lr=float(rng.choice([1.0, rng.uniform(0.05, 1.0)])),
              max_iter=int(rng.integers(1, 6)), history_size=int(rng.integers(1, 6)),
              line_search_fn=[None, "strong_wolfe"][int(rng.integers(2))],
              tolerance_grad=float(rng.choice([1e-7, 1e-5])),
              tolerance_change=float(rng.choice([1e-9, 1e-6])))
    if rng.random() < 0.5:
        kw["max_eval"] = int(rng.integers(1, 10))
    arrays = [rng.standard_normal(()), rng.standard_normal((4, 3)).T, rng.standard_normal(5)]
    scale = [rng.uniform(0.5, 3, np.shape(a)) for a in arrays]
    tps = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    to = torch.optim.LBFGS(tps, **kw)

    def t_closure():
        to.zero_grad()
        loss, grads = _loss_and_grads([p.detach().numpy() for p in tps], scale)
        for p, g in zip(tps, grads):
            p.grad = torch.tensor(g)
        return torch.tensor(loss)

    def make(ps):
        opt = O.LBFGS(ps, **kw)

        def closure():
            opt.zero_grad()
            loss, grads = _loss_and_grads([np.asarray(p.data) for p in ps], scale)
            for p, g in zip(ps, grads):
                p.grad = g
            return loss
        return opt, closure

    ps = [tg.Tensor(a.copy(), requires_grad=True) for a in arrays]
    runs = [(ps, *make(ps), "ours")]
    for step in range(steps):
        if step == 5:  # state_dict mid-run: ours' own, and torch's converted
            for sd, how in ((runs[0][1].state_dict(), "ours' state_dict"),
                            (_lbfgs_sd_to_ours(copy.deepcopy(to.state_dict()), len(tps)),
                             "torch's state_dict")):
                qs = [tg.Tensor(np.array(p.data, copy=True), requires_grad=True)
                      for p in runs[0][0]]
                q, c = make(qs)
                q.load_state_dict(sd)
                runs.append((qs, q, c, how))
        lt = float(to.step(t_closure))
        for ps_, opt, closure, how in runs:
            lo = float(opt.step(closure))
            what = f"LBFGS {kw} seed {seed} step {step} ({how})"
            assert lo == pytest.approx(lt, rel=1e-12, abs=1e-14), what
            _close(ps_, tps, what)
            for k in ("func_evals", "n_iter"):
                assert opt.state[0][k] == to.state[tps[0]][k], (what, k)


@pytest.mark.parametrize("seed", range(6))
def test_lbfgs_matches_torch(seed: int) -> None:
    _run_lbfgs(seed)


# ---- schedulers: rates (and cycled momenta) over 60 steps, state_dict round trips -----------

L = O.lr_scheduler
TL = torch.optim.lr_scheduler


def _sched_args(kind: str, rng: np.random.Generator, n_groups: int) -> tuple[dict, str]:
    """Random valid arguments for scheduler `kind` (the same for both), and the optimizer
    ("SGD" with momentum, or "Adam": the key CyclicLR and OneCycleLR cycle)."""
    def u(a, b):
        return float(rng.uniform(a, b))

    def i(a, b):
        return int(rng.integers(a, b))
    opt = "SGD"
    if kind == "StepLR":
        kw = dict(step_size=i(1, 10), gamma=u(0.1, 1))
    elif kind == "MultiStepLR":
        kw = dict(milestones=sorted(int(x) for x in rng.integers(0, 50, i(1, 6))),
                  gamma=u(0.1, 1))
    elif kind == "ExponentialLR":
        kw = dict(gamma=u(0.8, 1))
    elif kind == "CosineAnnealingLR":
        kw = dict(T_max=i(1, 30), eta_min=float(rng.choice([0.0, u(0, 1e-3)])))
    elif kind == "CosineAnnealingWarmRestarts":
        kw = dict(T_0=i(1, 12), T_mult=i(1, 4), eta_min=float(rng.choice([0.0, u(0, 1e-3)])))
    elif kind == "CyclicLR":
        opt = ["SGD", "Adam"][i(0, 2)]
        # (the course's triangular schedule, and torch's others: step_size_down, the modes,
        # a scale_fn, fractional step sizes)
        kw = dict(base_lr=[u(1e-4, 1e-2) for _ in range(n_groups)], max_lr=u(0.02, 0.5),
                  step_size_up=i(1, 10), cycle_momentum=bool(i(0, 2)),
                  base_momentum=u(0.5, 0.8), max_momentum=u(0.8, 0.95))
        if rng.random() < 0.3:
            kw["step_size_down"] = kw["step_size_up"]
        elif rng.random() < 0.5:
            kw["step_size_down"] = [i(0, 10), u(0, 8)][i(0, 2)]
        if rng.random() < 0.2:
            kw["step_size_up"] = u(0.5, 8)
        kw["mode"] = ["triangular", "triangular2", "exp_range"][i(0, 3)]
        kw["gamma"] = u(0.9, 1.0)
        if rng.random() < 0.3:
            kw["scale_mode"] = ["cycle", "iterations"][i(0, 2)]
            if rng.random() < 0.5:
                kw["scale_fn"] = [_scale_half, _scale_harmonic][i(0, 2)]
    elif kind == "OneCycleLR":
        opt = ["SGD", "Adam"][i(0, 2)]
        kw = dict(max_lr=[u(0.05, 0.5) for _ in range(n_groups)], total_steps=61,
                  pct_start=u(0.05, 0.6), anneal_strategy=["cos", "linear"][i(0, 2)],
                  cycle_momentum=bool(i(0, 2)), base_momentum=u(0.5, 0.8),
                  max_momentum=u(0.8, 0.95), div_factor=u(2, 30),
                  final_div_factor=u(10, 1e4), three_phase=bool(i(0, 2)))
        if kw["three_phase"]:
            kw["pct_start"] = u(0.05, 0.45)
    elif kind == "LinearLR":
        kw = dict(start_factor=u(0.05, 1), end_factor=u(0, 1), total_iters=i(0, 30))
    elif kind == "ConstantLR":
        kw = dict(factor=u(0.05, 1), total_iters=i(0, 30))
    elif kind == "PolynomialLR":
        kw = dict(total_iters=i(0, 40), power=u(0, 3))
    else:
        raise KeyError(kind)
    return kw, opt


def _lambda(k: int):
    return [lambda e: 0.97 ** e, lambda e: 1.0 / (1 + 0.1 * e), lambda e: 0.9 + 0.01 * (e % 7),
            lambda e: 1.0 + 0.05 * (e % 3 == 0)][k]


def _make_scheds(kind: str, oo, to, rng, kw: dict):
    """(ours, torch's) scheduler of `kind`; the nested kinds built of random simple ones."""
    if kind in ("LambdaLR", "MultiplicativeLR"):
        ks = [int(x) for x in rng.integers(0, 4 if kind == "MultiplicativeLR" else 2,
                                           len(oo.param_groups))]
        f = [_lambda(k) for k in ks] if rng.random() < 0.5 else _lambda(ks[0])
        return getattr(L, kind)(oo, f), getattr(TL, kind)(to, f)
    if kind in ("SequentialLR", "ChainedScheduler"):
        parts = ["StepLR", "ExponentialLR", "LinearLR", "ConstantLR", "CosineAnnealingLR",
                 "MultiStepLR", "PolynomialLR"]
        chosen = [parts[int(x)] for x in rng.integers(0, len(parts), int(rng.integers(2, 4)))]
        subs = []
        for c in chosen:
            a = _sched_args(c, rng, len(oo.param_groups))[0]
            if c in ("LinearLR", "PolynomialLR"):  # (torch's restart at a milestone divides
                a["total_iters"] = max(a["total_iters"], 1)  # by total_iters: ours does not)
            subs.append((getattr(L, c)(oo, **a), getattr(TL, c)(to, **a)))
        ours, theirs = [s for s, _ in subs], [t for _, t in subs]
        if kind == "ChainedScheduler":
            return L.ChainedScheduler(ours, oo), TL.ChainedScheduler(theirs, to)
        ms = sorted(int(x) for x in rng.choice(np.arange(1, 40), len(subs) - 1, replace=False))
        return L.SequentialLR(oo, ours, ms), TL.SequentialLR(to, theirs, ms)
    return getattr(L, kind)(oo, **kw), getattr(TL, kind)(to, **kw)


def _cycled(opt) -> list:
    """Each group's momentum, or beta1 (ours' key; torch's betas[0])."""
    out = []
    for g in opt.param_groups:
        if "betas" in g:
            out.append(g["betas"][0])
        else:
            out.append(g.get("beta1", g.get("momentum")))
    return out


def _optimizers(which: str, lrs: list[float]):
    ps = [tg.Tensor(np.ones(2), requires_grad=True) for _ in lrs]
    tps = [torch.ones(2, requires_grad=True) for _ in lrs]
    if which == "SGD":
        oo = O.SGD([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], lr=0.1, momentum=0.9)
        to = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(tps, lrs)], lr=0.1,
                             momentum=0.9)
    else:
        oo = O.Adam([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], lr=0.1)
        to = torch.optim.Adam([{"params": [p], "lr": lr} for p, lr in zip(tps, lrs)], lr=0.1)
    return oo, to


def _sched_compare(oo, to, so, st, what: str) -> None:
    np.testing.assert_allclose(so.get_last_lr(), st.get_last_lr(), rtol=1e-12, atol=1e-300,
                               err_msg=f"{what}: get_last_lr()")
    np.testing.assert_allclose([g["lr"] for g in oo.param_groups],
                               [g["lr"] for g in to.param_groups], rtol=1e-12, atol=1e-300,
                               err_msg=f"{what}: the groups' lr")
    np.testing.assert_allclose(_cycled(oo), _cycled(to), rtol=1e-12,
                               err_msg=f"{what}: the groups' momentum or beta1")


def _run_scheduler(kind: str, seed: int, steps: int = 60) -> None:
    rng = np.random.default_rng(seed)
    lrs = [float(x) for x in rng.uniform(0.01, 0.5, int(rng.integers(1, 3)))]
    kw, which = (({}, "SGD") if kind in ("LambdaLR", "MultiplicativeLR", "SequentialLR",
                                         "ChainedScheduler")
                 else _sched_args(kind, rng, len(lrs)))
    oo, to = _optimizers(which, lrs)
    sched_rng = np.random.default_rng(seed + 1000)  # (both nested builds draw the same)
    so, st = _make_scheds(kind, oo, to, sched_rng, kw)
    what = f"{kind} seed {seed} {kw}"
    _sched_compare(oo, to, so, st, what + " at start")
    resumed = None
    for step in range(steps):
        if step == steps // 2 and kind not in ("LambdaLR", "MultiplicativeLR",
                                               "SequentialLR", "ChainedScheduler"):
            # a mid-run state_dict into a fresh optimizer and scheduler: ours', and torch's
            resumed = []
            for sd_o, sd_s in ((oo.state_dict(), so.state_dict()),
                               (None, st.state_dict())):
                o2, _ = _optimizers(which, lrs)
                s2 = getattr(L, kind)(o2, **kw)  # (then the states: its build sets rates)
                if sd_o is not None:
                    o2.load_state_dict(sd_o)
                else:
                    for g, tg_ in zip(o2.param_groups, to.param_groups):
                        g["lr"], g["initial_lr"] = tg_["lr"], tg_["initial_lr"]
                        if which == "SGD":
                            g["momentum"] = tg_["momentum"]
                        else:
                            g["beta1"], g["beta2"] = tg_["betas"]
                s2.load_state_dict(copy.deepcopy(sd_s))
                resumed.append((o2, s2))
        if kind == "CosineAnnealingWarmRestarts" and step % 5 == 4:
            epoch = step * 0.7 + float(rng.uniform(0, 1))  # a fractional epoch
            for s in [so, st] + [s for _, s in resumed or []]:
                s.step(epoch)
        else:
            st.step()
            try:
                for s in [so] + [s for _, s in resumed or []]:
                    s.step()
            except ValueError as e:  # (a chained cosine's recursion below 0: torch sets a
                # negative rate, which climbs the loss, or hands it to the next scheduler of
                # a chain; ours refuses it in one line)
                assert "learning rate must be a finite number >= 0" in str(e), what
                parts = getattr(st, "_schedulers", [st])
                assert min(min(p.get_last_lr()) for p in parts) < 0, what
                return
        _sched_compare(oo, to, so, st, f"{what} step {step}")
        for j, (o2, s2) in enumerate(resumed or []):
            _sched_compare(o2, to, s2, st, f"{what} step {step} (resumed {j})")


SCHEDULERS = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
              "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "LambdaLR",
              "MultiplicativeLR", "LinearLR", "ConstantLR", "PolynomialLR", "SequentialLR",
              "ChainedScheduler"]


@pytest.mark.parametrize("kind", SCHEDULERS)
def test_scheduler_matches_torch(kind: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch's "step() before optimizer.step()")
        for seed in range(4):
            _run_scheduler(kind, seed)


def _scale_half(x: float) -> float:
    return 0.5


def _scale_harmonic(x: float) -> float:
    return 1 / (1 + 0.1 * x)


@pytest.mark.parametrize("kw", [dict(mode="triangular2"), dict(mode="exp_range", gamma=0.99),
                                dict(step_size_down=3), dict(scale_fn=_scale_harmonic),
                                dict(scale_fn=_scale_harmonic, scale_mode="iterations"),
                                dict(step_size_up=2.5, step_size_down=0)])
def test_cyclic_lr_torch_modes_bit_for_bit(kw: dict) -> None:
    """torch's other CyclicLR schedules run torch's formula: every rate and momentum equal
    (they were refused in one line)."""
    opt = O.SGD([tg.Tensor(np.ones(2), requires_grad=True)], lr=0.1, momentum=0.9)
    topt = torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=0.1, momentum=0.9)
    kw = {"step_size_up": 5, **kw}
    ours, theirs = L.CyclicLR(opt, 0.01, 0.1, **kw), TL.CyclicLR(topt, 0.01, 0.1, **kw)
    for _ in range(40):
        assert opt.param_groups[0]["lr"] == topt.param_groups[0]["lr"]
        assert opt.param_groups[0]["momentum"] == topt.param_groups[0]["momentum"]
        ours.step()
        theirs.step()


@pytest.mark.parametrize("kw, words", [
    (dict(mode="triangle"), "mode must be one of"),
    (dict(scale_fn=_scale_half, scale_mode="cycles"), "scale_mode must be 'cycle' or"),
    (dict(step_size_up=0, step_size_down=3), "step_size_up must be > 0"),
    (dict(step_size_down=-1), "step_size_up must be > 0 and step_size_down >= 0"),
    (dict(step_size_down=float("nan")), "step_size_down must be a finite number"),
    (dict(mode="exp_range", gamma=float("inf")), "gamma must be a finite number"),
    (dict(scale_fn=0.5), "scale_fn must be a function")])
def test_cyclic_lr_bad_settings_refused(kw: dict, words: str) -> None:
    """A misspelt mode or scale_mode (torch runs any scale_mode but 'cycle' as 'iterations'
    without a word), a step size torch divides by zero with, a non-finite gamma: one line."""
    opt = O.SGD([tg.Tensor(np.ones(2), requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises((ValueError, TypeError), match=f"CyclicLR: {words}"):
        L.CyclicLR(opt, 0.01, 0.1, **{"step_size_up": 5, **kw})


def _run_plateau(seed: int, steps: int = 60) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3))
    lrs = [float(x) for x in rng.uniform(0.01, 0.5, n)]
    kw = dict(mode=["min", "max"][int(rng.integers(2))], factor=float(rng.uniform(0.1, 0.9)),
              patience=int(rng.integers(0, 5)), threshold=float(rng.choice([1e-4, 0.05, 0.0])),
              threshold_mode=["rel", "abs"][int(rng.integers(2))],
              cooldown=int(rng.integers(0, 4)), eps=float(rng.choice([1e-8, 1e-3])))
    kw["min_lr"] = ([float(x) for x in rng.uniform(0, 0.01, n)] if rng.random() < 0.5
                    else float(rng.uniform(0, 0.01)))
    oo, to = _optimizers("SGD", lrs)
    so, st = L.ReduceLROnPlateau(oo, **kw), TL.ReduceLROnPlateau(to, **kw)
    # a metric with plateaus, improvements and ties (some steps repeat the last value)
    metrics = np.round(np.cumsum(rng.normal(0, 1, steps)) * (rng.random(steps) < 0.6), 2)
    resumed = None
    for step, m in enumerate(metrics):
        if step == steps // 2:
            o2, _ = _optimizers("SGD", lrs)
            s2 = L.ReduceLROnPlateau(o2, **kw)
            for g, g_t in zip(o2.param_groups, to.param_groups):
                g["lr"] = g_t["lr"]
            s2.load_state_dict(copy.deepcopy(st.state_dict()))  # (torch's)
            o3, _ = _optimizers("SGD", lrs)
            s3 = L.ReduceLROnPlateau(o3, **kw)
            o3.load_state_dict(oo.state_dict())
            s3.load_state_dict(so.state_dict())
            resumed = [(o2, s2), (o3, s3)]
        value = float(m) if step % 3 else torch.tensor(float(m))  # (a 0-d tensor too)
        st.step(value)
        for s in [so] + [s for _, s in resumed or []]:
            s.step(float(m))
        for o, s in [(oo, so)] + (resumed or []):
            what = f"ReduceLROnPlateau seed {seed} {kw} step {step}"
            np.testing.assert_allclose(s.get_last_lr(), st.get_last_lr(), rtol=1e-12,
                                       err_msg=what)
            np.testing.assert_allclose([g["lr"] for g in o.param_groups],
                                       [g["lr"] for g in to.param_groups], rtol=1e-12,
                                       err_msg=what)
            assert (s.num_bad_epochs, s.cooldown_counter) == (st.num_bad_epochs,
                                                              st.cooldown_counter), what


def test_reduce_lr_on_plateau_matches_torch() -> None:
    for seed in range(8):
        _run_plateau(seed)


def test_multistep_lr_loads_torchs_counter_milestones() -> None:
    """torch's MultiStepLR state holds its milestones as a Counter {step: times}: it loaded
    as it was and the next step() raised AttributeError ('Counter' has no 'count')."""
    oo, to = _optimizers("SGD", [0.1, 0.2])
    st = TL.MultiStepLR(to, milestones=[2, 4, 4, 7], gamma=0.5)
    so = L.MultiStepLR(oo, milestones=[1], gamma=0.5)
    so.load_state_dict(st.state_dict())
    assert so.milestones == [2, 4, 4, 7]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(9):
            so.step()
            st.step()
            np.testing.assert_allclose(so.get_last_lr(), st.get_last_lr(), rtol=1e-15)
    with pytest.raises(ValueError, match="MultiStepLR.load_state_dict: milestones must be"):
        so.load_state_dict({**so.state_dict(), "milestones": "2,4"})
    for bad in (10**12, 0):  # a count no state can justify (a list that long), or none
        with pytest.raises(ValueError, match=f"milestone 2 is counted {bad} times"):
            so.load_state_dict({**so.state_dict(), "milestones": Counter({2: bad})})
    assert so.milestones == [2, 4, 4, 7]  # (refused before anything changed)
