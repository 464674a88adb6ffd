"""Random differential runs of optim.lr_scheduler against torch 2.13's schedulers (CPU,
float64): a seeded scheduler (every class, SequentialLR and ChainedScheduler of them), one to
three parameter groups with their own rates, SGD (with and without momentum), Adam, AdamW or
RMSprop, 0..60 steps with optimizer.step() between; every group's lr and momentum/beta1 and
get_last_lr() compared after every step, the parameters after training, and some runs resume
mid-way from a fresh scheduler loaded with state_dict().

Differences left as they are (docs/pytorch.md): a negative rate torch would write (OneCycleLR's
step past the end with linear annealing: 0 here; a ChainedScheduler's member pushing the rate
below 0: refused in one line), SequentialLR restarting a LinearLR(total_iters=0) (torch divides
by zero), two OneCycleLRs or a CyclicLR built after another scheduler on one optimizer (torch
shares their settings through the groups)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from oracle import torch_float64  # noqa: F401

import tinygrad_dl as tg
from tinygrad_dl import optim as O
from tinygrad_dl.jit import jit
from tinygrad_dl.optim import lr_scheduler as L

torch = pytest.importorskip("torch")
TL = torch.optim.lr_scheduler

LAMS = [lambda e: 0.95 ** e, lambda e: 1.0 / (e + 1), lambda e: 0.5 + 0.5 * math.cos(e),
        lambda e: 1.01]
PLAIN = ["StepLR", "MultiStepLR", "ExponentialLR", "LinearLR", "ConstantLR", "LambdaLR",
         "MultiplicativeLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts"]
ALL = PLAIN + ["CyclicLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR",
               "ChainedScheduler"]


# torch's default dtype float64 (oracle.torch_float64) and its "step() before
# optimizer.step()" warnings quiet
pytestmark = [pytest.mark.usefixtures("torch_float64"), pytest.mark.filterwarnings("ignore")]


def _optimizers(r: random.Random, lrs: list[float], kind: str) -> tuple:
    init = [np.random.default_rng(r.randint(0, 10**9)).standard_normal(3) for _ in lrs]
    tps = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    ops = [tg.Tensor(a.copy(), requires_grad=True) for a in init]
    kw = {"SGD": {"momentum": 0.9}, "RMSprop": {"momentum": 0.5}}.get(kind, {})
    cls = "SGD" if kind == "SGD0" else kind
    to = getattr(torch.optim, cls)([{"params": [p], "lr": lr} for p, lr in zip(tps, lrs)],
                                   lr=0.1, **kw)
    oo = getattr(O, cls)([{"params": [p], "lr": lr} for p, lr in zip(ops, lrs)], lr=0.1, **kw)
    return to, oo, tps, ops


def _kwargs(r: random.Random, c: str, n: int, kind: str) -> dict:
    def per(f):
        return [f() for _ in range(n)] if r.random() < 0.4 else f()
    if c == "StepLR":
        return {"step_size": r.randint(1, 7), "gamma": r.choice([0.1, 0.5, 0.9, 1.3])}
    if c == "MultiStepLR":  # (repeated milestones multiply twice)
        return {"milestones": sorted(r.choice([1, 2, 3, 3, 5, 8, 13]) for _ in
                                     range(r.randint(0, 5))), "gamma": r.choice([0.1, 0.77])}
    if c == "ExponentialLR":
        return {"gamma": r.choice([0.9, 0.99, 0.5, 1.0])}
    if c == "LinearLR":
        return {"start_factor": r.choice([1 / 3, 0.1, 1.0]), "end_factor": r.choice([1.0, 0.0,
                0.5]), "total_iters": r.randint(0, 12)}
    if c == "ConstantLR":
        return {"factor": r.choice([1 / 3, 0.5, 1.0]), "total_iters": r.randint(0, 12)}
    if c in ("LambdaLR", "MultiplicativeLR"):
        return {"lr_lambda": per(lambda: r.choice(LAMS))}
    if c == "PolynomialLR":
        return {"total_iters": r.randint(0, 15), "power": r.choice([1.0, 2.0, 0.5, 0.0])}
    if c == "CosineAnnealingLR":
        return {"T_max": r.randint(1, 12), "eta_min": r.choice([0.0, 1e-3, 0.05])}
    if c == "CosineAnnealingWarmRestarts":
        return {"T_0": r.randint(1, 8), "T_mult": r.randint(1, 3), "eta_min": r.choice([0, 1e-3])}
    cm = kind != "SGD0" and r.random() < 0.8
    if c == "CyclicLR":
        kw = {"base_lr": per(lambda: r.choice([1e-3, 0.01, 0.2])), "max_lr": per(
            lambda: r.choice([0.1, 1.0])), "step_size_up": r.randint(1, 8), "mode": r.choice(
            ["triangular", "triangular2", "exp_range"]), "gamma": r.choice([1.0, 0.9]),
            "cycle_momentum": cm}
        if r.random() < 0.5:
            kw["step_size_down"] = r.randint(1, 8)
        if cm:
            kw.update(base_momentum=per(lambda: r.choice([0.8, 0.7])),
                      max_momentum=per(lambda: r.choice([0.9, 0.95])))
        return kw
    if c == "OneCycleLR":
        kw = {"max_lr": per(lambda: r.choice([0.1, 1.0])), "anneal_strategy": r.choice(
            ["cos", "linear"]), "three_phase": r.random() < 0.4, "div_factor": r.choice(
            [25.0, 2.0]), "final_div_factor": r.choice([1e4, 1.0]), "pct_start": r.choice(
            [0.3, 0.1, 0.5, 1.0]), "cycle_momentum": cm}
        if r.random() < 0.5:
            kw["total_steps"] = r.randint(5, 60)
        else:
            kw.update(epochs=r.randint(1, 6), steps_per_epoch=r.randint(2, 10))
        if cm:
            kw.update(base_momentum=per(lambda: 0.85), max_momentum=per(lambda: 0.95))
        return kw
    if c == "ReduceLROnPlateau":
        return {"mode": r.choice(["min", "max"]), "factor": r.choice([0.1, 0.5]),
                "patience": r.randint(0, 4), "threshold": r.choice([1e-4, 0.0, 0.1]),
                "threshold_mode": r.choice(["rel", "abs"]), "cooldown": r.randint(0, 3),
                "min_lr": per(lambda: r.choice([0.0, 1e-3])), "eps": r.choice([1e-8, 0.01])}
    subs = [(s, _kwargs(r, s, n, kind)) for s in (r.choice(PLAIN) for _ in range(r.randint(1, 3)))]
    if c == "SequentialLR":
        return {"subs": subs, "milestones": sorted(r.sample(range(20), len(subs) - 1))}
    return {"subs": subs}


def _build(mod, opt, c: str, kw: dict):
    if c not in ("SequentialLR", "ChainedScheduler"):
        return getattr(mod, c)(opt, **kw)
    subs = [getattr(mod, s)(opt, **k) for s, k in kw["subs"]]
    if c == "SequentialLR":
        return mod.SequentialLR(opt, subs, milestones=kw["milestones"])
    return mod.ChainedScheduler(subs)


def _momentum(g: dict):
    return g["betas"][0] if "betas" in g else g.get("beta1", g.get("momentum"))


def _same(a, b) -> bool:
    return a == b or (a is not None and b is not None
                      and abs(a - b) <= 1e-12 * max(abs(a), abs(b)))


def _run(seed: int) -> str:
    """'' where ours follows torch; else the first difference."""
    r = random.Random(seed)
    lrs = [r.choice([0.1, 0.01, 0.5, 1.0]) for _ in range(r.randint(1, 3))]
    kind = r.choice(["SGD", "Adam", "AdamW", "RMSprop", "SGD0"])
    to, oo, tps, ops = _optimizers(r, lrs, kind)
    c = r.choice(ALL)
    kw = _kwargs(r, c, len(lrs), kind)
    built = []
    for mod, opt in ((TL, to), (L, oo)):
        try:
            built.append(_build(mod, opt, c, kw))
        except (ValueError, ZeroDivisionError) as e:  # (torch: a warm-up of no steps, 0 / 0)
            built.append(e)
    ts, os_ = built
    if isinstance(ts, Exception) or isinstance(os_, Exception):
        both = isinstance(ts, Exception) and isinstance(os_, Exception)
        return "" if both else f"{c} {kw}: torch {ts!r}, ours {os_!r} when built"
    n = r.randint(0, 60)
    metrics = [r.choice([1.0, 0.9, 0.95, 1.1, 0.5]) for _ in range(n)]
    resume_at = r.randint(0, n) if r.random() < 0.3 else None
    for i in range(n + 1):
        if c == "OneCycleLR" and any(g["lr"] < 0 for g in to.param_groups):
            assert all(g["lr"] == 0 for g in oo.param_groups)  # (documented: not negative)
            break
        for j, (a, b) in enumerate(zip(to.param_groups, oo.param_groups)):
            if not (_same(a["lr"], b["lr"]) and _same(_momentum(a), _momentum(b))):
                return f"{c} {kw} step {i} group {j}: torch {a['lr']!r}, ours {b['lr']!r}"
        if not all(map(_same, ts.get_last_lr(), os_.get_last_lr())):
            return f"{c} step {i}: get_last_lr {ts.get_last_lr()} {os_.get_last_lr()}"
        if i == n:
            break
        to.zero_grad()
        oo.zero_grad()
        sum(((p - 0.3) ** 2 * (k + 1)).sum() for k, p in enumerate(tps)).backward()
        sum(((p - 0.3) ** 2 * (k + 1)).sum() for k, p in enumerate(ops)).backward()
        to.step()
        oo.step()
        if resume_at == i:  # a fresh scheduler (it writes the groups), loaded, groups put back
            saved, groups = os_.state_dict(), [dict(g) for g in oo.param_groups]
            os_ = _build(L, oo, c, kw)
            os_.load_state_dict(saved)
            for g, old in zip(oo.param_groups, groups):
                g.update(old)
        errors = []
        for s in (ts, os_):
            try:
                s.step(metrics[i]) if c == "ReduceLROnPlateau" else s.step()
                errors.append(None)
            except (ValueError, ZeroDivisionError) as e:
                errors.append(e)
        if errors[0] is None and errors[1] is not None:
            negative = any(g["lr"] < 0 for g in to.param_groups) or c == "ChainedScheduler"
            if negative and "must be a finite number >= 0" in str(errors[1]):
                break  # (documented: a negative rate is refused)
            return f"{c} {kw} step {i}: torch computes, ours raises {errors[1]}"
        if errors[1] is None and errors[0] is not None:
            if isinstance(errors[0], ZeroDivisionError) and c == "SequentialLR":
                break  # (documented: a LinearLR(total_iters=0) restarted)
            return f"{c} {kw} step {i}: torch raises {errors[0]!r}, ours computes"
        if errors[0] is not None:
            break
    for p, q in zip(tps, ops):
        np.testing.assert_allclose(q.numpy(), p.detach().numpy(), rtol=1e-10, atol=1e-14)
    return ""


@pytest.mark.parametrize("block", range(8))
def test_random_scheduler_runs_follow_torch(block: int) -> None:
    bad = [m for m in (_run(1000 * block + s) for s in range(15)) if m]
    assert not bad, bad[:3]


@pytest.mark.slow
def test_more_random_scheduler_runs_follow_torch() -> None:
    bad = [m for m in (_run(s) for s in range(10000, 10400)) if m]
    assert not bad, bad[:3]


def test_warm_restarts_step_epoch_fractions_follow_torch() -> None:
    r = random.Random(7)
    for _ in range(60):
        t0, tm = r.randint(1, 6), r.randint(1, 3)
        to = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        oo = O.SGD([tg.Tensor(np.zeros(1), requires_grad=True)], lr=0.1)
        ts, os_ = TL.CosineAnnealingWarmRestarts(to, t0, tm, 1e-3), \
            L.CosineAnnealingWarmRestarts(oo, t0, tm, 1e-3)
        epoch = 0.0
        for _ in range(20):
            k = r.random()
            epoch += r.choice([0.25, 1 / 3, 0.5])
            arg = None if k < 0.3 else epoch if k < 0.7 else r.uniform(0, 60)
            ts.step(arg)
            os_.step(arg)
            assert _same(to.param_groups[0]["lr"], oo.param_groups[0]["lr"]), (t0, tm, arg)
            assert (ts.T_cur, ts.T_i, ts.last_epoch) == (os_.T_cur, os_.T_i, os_.last_epoch)


# ---- named regressions -----------------------------------------------------------------------
def _pair(momentum: float = 0.9):
    to = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=momentum)
    oo = O.SGD([tg.Tensor(np.zeros(2), requires_grad=True)], lr=0.1, momentum=momentum)
    return to, oo


def test_cyclic_lr_base_above_max_falls_and_rises_as_torchs() -> None:
    """Before: "CyclicLR: eta_min=0.2 must be <= eta_max=0.1" (the course's names); torch
    runs the inverted cycle 0.2 -> 0.1 -> 0.2, momentum 0.9 -> 0.8 -> 0.9 as usual."""
    to, oo = _pair()
    ts, os_ = (mod.CyclicLR(o, base_lr=0.2, max_lr=0.1, step_size_up=2) for mod, o in
               ((TL, to), (L, oo)))
    for _ in range(9):
        ts.step()
        os_.step()
        assert oo.param_groups[0]["lr"] == to.param_groups[0]["lr"]
        assert oo.param_groups[0]["momentum"] == to.param_groups[0]["momentum"]
    assert min(os_.get_last_lr()) >= 0.1


def test_cyclic_lr_bad_step_size_up_names_it() -> None:
    """Before: "CyclicLR: n_s must be a positive integer, got -2" (the course's name)."""
    with pytest.raises(ValueError, match=r"^CyclicLR: step_size_up must be > 0"):
        L.CyclicLR(_pair()[1], 0.01, 0.1, step_size_up=-2)


def test_one_cycle_pct_start_one_runs_its_steps_and_refuses_the_one_past() -> None:
    """Before: refused when built ("phase 2 ... zero steps long"); torch runs every one of the
    total_steps rates (a warm-up only) and divides by zero at the step past the end."""
    to, oo = _pair()
    ts, os_ = (mod.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.0) for mod, o in
               ((TL, to), (L, oo)))
    for _ in range(9):
        ts.step()
        os_.step()
        assert os_.get_last_lr() == ts.get_last_lr()
        assert oo.param_groups[0]["momentum"] == to.param_groups[0]["momentum"]
    assert os_.get_last_lr() == [0.1]
    with pytest.raises(ZeroDivisionError):
        ts.step()
    with pytest.raises(ValueError, match=r"^OneCycleLR: Tried to step 10 times: the last phase"):
        os_.step()
    assert os_.last_epoch == 9 and os_.get_last_lr() == [0.1]


def test_multistep_lr_refuses_a_fractional_milestone() -> None:
    """Before: int(1.5) = 1, the rate cut at step 1 without a word (torch's 1.5 never fires)."""
    with pytest.raises(ValueError, match=r"^MultiStepLR: milestones must be integers .* 1\.5$"):
        L.MultiStepLR(_pair()[1], [3, 1.5])
    s = L.MultiStepLR(_pair()[1], [2.0, np.int64(3)], gamma=0.5)  # integral values: kept
    s.step()
    s.step()
    assert s.milestones == [2, 3] and s.get_last_lr() == [0.05]


def test_multistep_lr_milestones_not_a_list_is_one_line() -> None:
    """Before: TypeError "'int' object is not iterable", naming no scheduler."""
    with pytest.raises(TypeError, match=r"^MultiStepLR: milestones must be a list of steps, "
                                        r"got int 5$"):
        L.MultiStepLR(_pair()[1], 5)


class _Warmup:
    """A callable object whose settings belong in the scheduler's state (torch saves them)."""

    def __init__(self, steps: int) -> None:
        self.steps = steps

    def __call__(self, epoch: int) -> float:
        return min(1.0, (epoch + 1) / self.steps)


@pytest.mark.parametrize("name", ["LambdaLR", "MultiplicativeLR"])
def test_lambda_schedulers_save_and_restore_a_callable_objects_settings(name: str) -> None:
    """Before: lr_lambdas were not saved; a scheduler resumed from the state kept its object's
    own settings (steps=100 here), so its rates left the saved run's without a word."""
    to, oo = _pair()
    ts, os_ = getattr(TL, name)(to, _Warmup(5)), getattr(L, name)(oo, _Warmup(5))
    for _ in range(2):
        ts.step()
        os_.step()
    saved = os_.state_dict()
    assert saved["lr_lambdas"] == [{"steps": 5}] == ts.state_dict()["lr_lambdas"]
    for state in (saved, ts.state_dict()):  # ours, and torch's
        fn = _Warmup(100)
        resumed = getattr(L, name)(_pair()[1], fn)
        resumed.load_state_dict(state)
        assert fn.steps == 5
        resumed.optimizer.param_groups[0]["lr"] = oo.param_groups[0]["lr"]
        resumed.step()  # step 3: factor 4 / 5 (of the rate, or of base_lr 0.1)
        start = oo.param_groups[0]["lr"] if name == "MultiplicativeLR" else 0.1
        assert resumed.get_last_lr() == [start * 0.8]
    saved["lr_lambdas"][0]["steps"] = 7  # the state keeps its own copy
    assert os_._fn[0].steps == 5 and os_.state_dict()["lr_lambdas"] == [{"steps": 5}]
    plain = getattr(L, name)(_pair()[1], lambda e: 0.5)
    # (plain functions: None, as torch's, whose load_state_dict pops the entry)
    assert plain.state_dict()["lr_lambdas"] == [None]
    plain.load_state_dict({**plain.state_dict(), "lr_lambdas": [None]})
    with pytest.raises(ValueError, match=rf"^{name}\.load_state_dict: the state's lr_lambdas"):
        plain.load_state_dict({**plain.state_dict(), "lr_lambdas": [None, None]})


def scheduled_run(use_jit: bool, make, opt_of, shapes: list, n: int, steps: int,
                  seed: int) -> tuple:
    """Least squares on parameters of `shapes` (a weight, then an optional bias) with the
    optimizer `opt_of(params)` and the scheduler `make(opt)` stepped after each optimizer step,
    the forward/backward jitted or not: the final parameters and the jit's replay count (the
    optimizer steps outside the jit with the rate the scheduler set since)."""
    rng = np.random.default_rng(seed)
    params = [tg.Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    opt = opt_of(params)
    sched = make(opt)
    x, y = rng.standard_normal((n, shapes[0][0])), rng.standard_normal((n, shapes[0][1]))

    def step(xt, yt):
        out = xt @ params[0]
        loss = (((out + params[1] if len(params) > 1 else out) - yt) ** 2).mean()
        loss.backward()
        return loss
    f = jit(step) if use_jit else step
    for _ in range(steps):
        opt.zero_grad()
        f(tg.Tensor(x), tg.Tensor(y))
        opt.step()
        sched.step()
    return [p.numpy().copy() for p in params], getattr(f, "replays", None)


def test_a_jitted_step_uses_each_scheduled_rate_bits_as_eager() -> None:
    """The recorded forward/backward replays; the optimizer steps outside it with the rate the
    scheduler set since: the parameters are eager's, bit for bit."""
    def adam(ps):
        return O.Adam([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}], lr=0.1)

    for make in (lambda o: L.OneCycleLR(o, 0.3, total_steps=12),
                 lambda o: L.CyclicLR(o, 0.01, 0.3, step_size_up=3, step_size_down=2)):
        eager, jitted = (scheduled_run(j, make, adam, [(4, 3), (3,)], 8, 12, 0)
                         for j in (False, True))
        assert jitted[1] == 10
        assert all(np.array_equal(a, b) for a, b in zip(eager[0], jitted[0]))


def test_chained_scheduler_restores_its_lambdas_objects_all_or_nothing() -> None:
    oo = _pair()[1]
    warm = _Warmup(4)
    chained = L.ChainedScheduler([L.ExponentialLR(oo, 0.9), L.LambdaLR(oo, warm)])
    chained.step()
    saved = chained.state_dict()
    assert saved["_schedulers"][1]["lr_lambdas"] == [{"steps": 4}]
    fresh_warm = _Warmup(100)
    fresh = L.ChainedScheduler([L.ExponentialLR(oo, 0.9), L.LambdaLR(oo, fresh_warm)])
    fresh.load_state_dict(saved)
    assert fresh_warm.steps == 4 and fresh.state_dict() == saved
    broken = {**saved, "_schedulers": [saved["_schedulers"][0],
                                       {**saved["_schedulers"][1], "lr_lambdas": "x"}]}
    other = L.ChainedScheduler([L.ExponentialLR(oo, 0.5), L.LambdaLR(oo, _Warmup(9))])
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"^LambdaLR\.load_state_dict: the state's lr_lambdas"):
        other.load_state_dict(broken)
    assert other.state_dict() == before  # (the ExponentialLR before it not loaded either)


class _Scale:
    """A CyclicLR scale_fn object (torch saves its settings as "_scale_fn_custom")."""

    def __init__(self, gamma: float) -> None:
        self.gamma = gamma

    def __call__(self, x: float) -> float:
        return self.gamma ** x


def test_cyclic_lr_saves_and_restores_a_scale_fn_objects_settings() -> None:
    """Before: not saved; the resumed CyclicLR kept its own object's gamma (0.9, not 0.5)."""
    to, oo = _pair()
    ts = TL.CyclicLR(to, 0.01, 0.1, step_size_up=2, scale_fn=_Scale(0.5))
    os_ = L.CyclicLR(oo, 0.01, 0.1, step_size_up=2, scale_fn=_Scale(0.5))
    for _ in range(3):
        ts.step()
        os_.step()
    assert os_.state_dict()["_scale_fn_custom"] == {"gamma": 0.5}
    for state in (os_.state_dict(), ts.state_dict()):  # ours, and torch's
        fn = _Scale(0.9)
        resumed = L.CyclicLR(_pair()[1], 0.01, 0.1, step_size_up=2, scale_fn=fn)
        resumed.load_state_dict(state)
        assert fn.gamma == 0.5
        resumed.step()
        resumed.step()  # step 5: cycle 2 (scale 0.5 ** 2), half way up
        assert resumed.get_last_lr() == [pytest.approx(0.01 + 0.09 * 0.5 * 0.25, rel=1e-14)]
    with pytest.raises(ValueError, match=r"^CyclicLR\.load_state_dict: the state holds a "):
        L.CyclicLR(_pair()[1], 0.01, 0.1, step_size_up=2).load_state_dict(os_.state_dict())


def test_a_state_with_plain_functions_saves_with_tg_save(tmp_path) -> None:
    """(lead, porting hLR beside hSER) torch's None-per-plain-function entries made the
    states of LambdaLR, MultiplicativeLR and a CyclicLR with a scale_fn unsaveable by tg.save
    (a None is no array); they are left out, and the reloaded state resumes the same rates."""
    for make in (lambda o: L.LambdaLR(o, lambda e: 0.9 ** e),
                 lambda o: L.MultiplicativeLR(o, lambda e: 0.9),
                 lambda o: L.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 0.5,
                                      cycle_momentum=False)):
        s = make(_pair()[1])
        for _ in range(3):
            s.optimizer.step()
            s.step()
        tg.save(s.state_dict(), tmp_path / "s.pt")
        r = make(_pair()[1])
        r.load_state_dict(tg.load(tmp_path / "s.pt"))
        r.optimizer.param_groups[0]["lr"] = s.optimizer.param_groups[0]["lr"]
        for _ in range(3):
            s.step()
            r.step()
            assert r.get_last_lr() == s.get_last_lr()
