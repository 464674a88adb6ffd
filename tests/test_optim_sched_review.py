"""A second skeptic pass over the optimizers and schedulers against torch 2.13 (the oracle:
skipped without it), beyond test_optim_review.py. Found: a scheduler's load_state_dict took any
dict (another class's state, a state saved on another number of groups) without a word, as
torch's __dict__.update does, and SequentialLR / ChainedScheduler loaded their schedulers one
by one (a refused one left the others loaded); NumPy scalar hyperparameters in a parameter
group (np.float32(0.01) as its lr, betas, weight decay) made the step's scalar arithmetic
float32, a relative 1e-6..1e-8 off on float64 parameters; a tensor lr was refused as "must be
a finite number >= 0". The rest is checked right here: every optimizer and flag it takes over
20 steps on two groups (one with a gradient of None on some steps), LBFGS with its closure and
state_dict, every scheduler's rates and momenta over 30 epochs and resumed mid-run from both
state dicts, ReduceLROnPlateau's modes."""

from __future__ import annotations

import copy
import itertools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_dl import Tensor, optim
from tinygrad_dl.optim import lr_scheduler

torch = pytest.importorskip("torch")
TL = torch.optim.lr_scheduler

# torch warns that its scheduler stepped before its optimizer, and ours that a step found no
# gradient: neither matters to the numbers compared here
pytestmark = [pytest.mark.filterwarnings("ignore:Detected call of:UserWarning"),
              pytest.mark.filterwarnings("ignore::RuntimeWarning")]

SHAPES = [(3, 4), (5,), ()]


@pytest.fixture(autouse=True)
def _torch_in_float64() -> Any:
    """torch's scalar state (NAdam's mu_product, ASGD's eta and mu, a closure's loss) takes
    its default dtype: float32 would put torch, not us, a relative 1e-9 off float64."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(default)


def _grads(ws: list[np.ndarray], k: int) -> list[np.ndarray]:
    return [np.asarray(np.sin(w * (1 + 0.1 * k)) + 0.3 * w ** 3 - 0.5 + 0.1 * np.cos(3 * w))
            for w in ws]


def _trajectory(lib: str, name: str, kw: dict[str, Any], group: dict[str, Any],
                steps: int = 20) -> list[list[np.ndarray]]:
    """`steps` steps of optimizer `name` on two groups (the second with its own settings),
    the second parameter without a gradient every third step: the parameters after each."""
    init = [np.random.default_rng(0).standard_normal(s) for s in SHAPES]
    if lib == "ours":
        ps: list[Any] = [Tensor(x.copy(), requires_grad=True) for x in init]
        o = getattr(optim, name)([{"params": ps[:1]}, {"params": ps[1:], **group}], **kw)
    else:
        ps = [torch.tensor(x.copy(), requires_grad=True) for x in init]
        o = getattr(torch.optim, name)([{"params": ps[:1]}, {"params": ps[1:], **group}], **kw)

    def arr(p: Any) -> np.ndarray:
        return np.array(p.data if lib == "ours" else p.detach().numpy())

    out = []
    for k in range(steps):
        for i, (p, g) in enumerate(zip(ps, _grads([arr(p) for p in ps], k))):
            skip = i == 1 and k % 3 == 1
            p.grad = None if skip else g if lib == "ours" else torch.tensor(g)
        o.step()
        out.append([arr(p).copy() for p in ps])
    return out


# every flag each optimizer takes (SGD's dampening, nesterov and maximize and RMSprop's
# maximize: test_sgd_nesterov_bool_review)
def _grid(**axes: list[Any]) -> list[dict[str, Any]]:
    return [dict(zip(axes, v)) for v in itertools.product(*axes.values())]


CONFIGS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    *[("SGD", {"lr": 0.01, **c}, {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.2})
      for c in _grid(momentum=[0.0, 0.9], weight_decay=[0.0, 0.1])],
    *[("Adam", {"lr": 0.01, **c}, {"lr": 0.02, "betas": (0.5, 0.7), "weight_decay": 0.05})
      for c in _grid(amsgrad=[False, True], maximize=[False, True], weight_decay=[0.0, 0.1])],
    *[("AdamW", {"lr": 0.01, **c}, {"lr": 0.02, "betas": (0.5, 0.7), "amsgrad": True})
      for c in _grid(amsgrad=[False, True], maximize=[False, True])],
    *[("NAdam", {"lr": 0.01, "weight_decay": 0.1, **c}, {"lr": 0.02, "momentum_decay": 0.1})
      for c in _grid(momentum_decay=[4e-3, 0.1], decoupled_weight_decay=[False, True],
                     maximize=[False, True])],
    *[("RAdam", {"lr": 0.01, "weight_decay": 0.1, **c}, {"lr": 0.02, "betas": (0.5, 0.6)})
      for c in _grid(decoupled_weight_decay=[False, True], maximize=[False, True])],
    *[("Adamax", {"lr": 0.01, **c}, {"lr": 0.02, "eps": 1e-3})
      for c in _grid(weight_decay=[0.0, 0.1], maximize=[False, True])],
    # (a group's own initial_accumulator_value is documented as ours, not torch's: the
    # second group keeps the constructor's here)
    *[("Adagrad", {"lr": 0.01, **c}, {"lr": 0.02, "lr_decay": 0.2, "weight_decay": 0.1})
      for c in _grid(lr_decay=[0.0, 0.1], initial_accumulator_value=[0.0, 0.5],
                     maximize=[False, True])],
    *[("Adadelta", {"lr": 1.0, **c}, {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1})
      for c in _grid(rho=[0.9, 0.5], maximize=[False, True])],
    *[("RMSprop", {"lr": 0.01, **c}, {"lr": 0.02, "centered": True, "momentum": 0.9})
      for c in _grid(centered=[False, True], momentum=[0.0, 0.9], weight_decay=[0.0, 0.1])],
    *[("Rprop", {"lr": 0.01, **c}, {"lr": 0.02, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05)})
      for c in _grid(etas=[(0.5, 1.2), (0.3, 1.5)], maximize=[False, True])],
    *[("ASGD", {"lr": 0.01, **c}, {"lr": 0.02, "lambd": 0.1, "t0": 5.0, "alpha": 0.5})
      for c in _grid(t0=[1e6, 5.0], weight_decay=[0.0, 0.1], maximize=[False, True])],
]


@pytest.mark.parametrize("name,kw,group", CONFIGS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CONFIGS)])
def test_every_optimizer_and_flag_steps_two_groups_as_torch(
        name: str, kw: dict[str, Any], group: dict[str, Any]) -> None:
    ours, theirs = _trajectory("ours", name, kw, group), _trajectory("torch", name, kw, group)
    for a, b in zip(ours, theirs):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


F32 = np.float32
NUMPY_GROUPS = {
    "Adam": {"lr": F32(0.01), "betas": (F32(0.9), F32(0.99)), "weight_decay": F32(0.1),
             "eps": F32(1e-6)},
    "AdamW": {"lr": F32(0.01), "betas": (F32(0.9), F32(0.99)), "weight_decay": F32(0.1),
              "eps": F32(1e-6)},
    "NAdam": {"lr": F32(0.01), "momentum_decay": F32(0.004), "weight_decay": F32(0.1)},
    "Adamax": {"lr": F32(0.01), "weight_decay": F32(0.1)},
    "ASGD": {"lr": F32(0.01), "lambd": F32(0.01), "t0": F32(3.0)},
    "SGD": {"lr": F32(0.01), "momentum": F32(0.9), "weight_decay": F32(0.1)},
}


@pytest.mark.parametrize("name", sorted(NUMPY_GROUPS))
def test_numpy_scalar_hyperparameters_in_a_group_step_as_their_exact_values(name: str) -> None:
    """np.float32(0.01) as a group's lr (betas, weight decay...) is the number 0.00999999977...:
    the steps are torch's with that value as a Python float (they ran in float32 scalar
    arithmetic here: AdamW a relative 6e-6 off, NAdam 3e-8, ASGD 4e-8)."""
    group = NUMPY_GROUPS[name]
    exact = {k: tuple(float(x) for x in v) if isinstance(v, tuple) else float(v)
             for k, v in group.items()}
    ours = _trajectory("ours", name, {"lr": 0.5}, group, steps=15)
    theirs = _trajectory("torch", name, {"lr": 0.5}, exact, steps=15)
    for a, b in zip(ours, theirs):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)
    opt = getattr(optim, name)([{"params": [Tensor(np.ones(2), requires_grad=True)], **group}],
                               lr=0.5)
    assert all(type(v) in (float, int, bool, tuple) for k, v in opt.param_groups[0].items()
               if k != "params")


def test_a_tensor_lr_is_refused_in_one_line_that_says_so() -> None:
    p = Tensor(np.ones(2), requires_grad=True)
    for lr in (Tensor(np.array(0.01)), torch.tensor(0.01), np.array(0.01)):
        with pytest.raises(ValueError, match=r"^Adam: learning rate must be a number, got a "
                                             r"\w+ of shape \(\).*pass float\(lr\)$"):
            optim.Adam([p], lr=lr)
    for lr in (np.float64("nan"), np.float32(-1.0)):  # a NumPy scalar: the number's message
        with pytest.raises(ValueError, match=r"^Adam: learning rate must be a finite number "
                                             r">= 0, got np\.float"):
            optim.Adam([p], lr=lr)


# ---- LBFGS: the closure, its call count, the strong-Wolfe search, state_dict ---------------
_A = np.random.default_rng(1).standard_normal((7, 7))
_B = np.random.default_rng(2).standard_normal(7)


def _lbfgs(lib: str, kw: dict[str, Any], cut: int | None = None) -> list[tuple[float, int, Any]]:
    """Five LBFGS steps on a smooth non-convex loss of three parameters (the third never
    reached: its gradient stays None); with `cut`, a fresh optimizer loads the state_dict
    there. Each step's returned loss, the closure calls so far and the parameters."""
    x0 = [np.random.default_rng(3).standard_normal(s) for s in ((2, 2), (3,), (2,))]

    def build() -> tuple[list[Any], Any]:
        if lib == "ours":
            ps: list[Any] = [Tensor(x.copy(), requires_grad=True) for x in x0]
            return ps, optim.LBFGS(ps, **kw)
        ps = [torch.tensor(x.copy(), requires_grad=True) for x in x0]
        return ps, torch.optim.LBFGS(ps, **kw)

    def arr(p: Any) -> np.ndarray:
        return np.array(p.data if lib == "ours" else p.detach().numpy())

    ps, o = build()
    calls, out = [0], []
    for k in range(5):
        if k == cut:
            saved = copy.deepcopy(o.state_dict())
            fresh, o = build()
            for p, q in zip(fresh, ps):
                (p.data.__setitem__(Ellipsis, q.data) if lib == "ours"
                 else p.data.copy_(q.data))
            ps = fresh
            o.load_state_dict(saved)

        def closure(o: Any = o, ps: list[Any] = ps) -> Any:
            calls[0] += 1
            o.zero_grad()
            w = np.concatenate([arr(p).ravel() for p in ps[:2]])
            r = _A @ w - _B
            f = float(r @ r + np.cos(w).sum() + 0.1 * (w ** 4).sum())
            g = 2 * _A.T @ r - np.sin(w) + 0.4 * w ** 3
            for p, gi in zip(ps[:2], (g[:4].reshape(2, 2), g[4:])):
                p.grad = gi if lib == "ours" else torch.tensor(gi)
            return Tensor(np.array(f)) if lib == "ours" else torch.tensor(f)

        loss = o.step(closure)
        out.append((float(loss), calls[0], [arr(p).copy() for p in ps]))
    return out


@pytest.mark.parametrize("kw", [{}, {"history_size": 3, "max_iter": 4},
                                {"line_search_fn": "strong_wolfe", "max_iter": 5},
                                {"line_search_fn": "strong_wolfe", "history_size": 2,
                                 "tolerance_change": 1e-3}, {"lr": 0.1, "max_iter": 3}],
                         ids=["default", "history3", "wolfe", "wolfe-h2-tol", "lr0.1"])
def test_lbfgs_closure_calls_and_steps_as_torch_and_resumes_exactly(kw: dict[str, Any]) -> None:
    ours, theirs = _lbfgs("ours", kw), _lbfgs("torch", kw)
    for (la, na, xa), (lb, nb, xb) in zip(ours, theirs):
        assert na == nb  # the same closure evaluations
        assert math.isclose(la, lb, rel_tol=1e-12)
        for x, y in zip(xa, xb):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    for cut in (1, 3):  # saved and loaded mid-run: the very numbers of the uninterrupted run
        resumed = _lbfgs("ours", kw, cut)
        assert [r[0] for r in resumed] == [r[0] for r in ours]
        for (_, _, xa), (_, _, xb) in zip(resumed, ours):
            assert all(np.array_equal(x, y) for x, y in zip(xa, xb))


# ---- schedulers: rates and momenta over 30 epochs, and resumed from the state dicts -------
Build = Callable[[Any, Any], Any]
SCHEDULERS: dict[str, Build] = {
    "StepLR": lambda M, o: M.StepLR(o, 3, gamma=0.5),
    "MultiStepLR": lambda M, o: M.MultiStepLR(o, [2, 5, 5, 11], gamma=0.3),
    "ExponentialLR": lambda M, o: M.ExponentialLR(o, 0.9),
    "LambdaLR": lambda M, o: M.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 / (e + 1)]),
    "MultiplicativeLR": lambda M, o: M.MultiplicativeLR(o, lambda e: 0.95),
    "ConstantLR": lambda M, o: M.ConstantLR(o, factor=0.3, total_iters=4),
    "LinearLR": lambda M, o: M.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=7),
    "PolynomialLR": lambda M, o: M.PolynomialLR(o, total_iters=12, power=0.5),
    "CosineAnnealingLR": lambda M, o: M.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda M, o: M.CosineAnnealingWarmRestarts(
        o, T_0=4, T_mult=2, eta_min=0.001),
    "CyclicLR": lambda M, o: M.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=3,
                                        base_momentum=0.7, max_momentum=0.95),
    "OneCycleLR": lambda M, o: M.OneCycleLR(o, [0.5, 0.2], total_steps=31,
                                            anneal_strategy="linear"),
    "OneCycleLR-three-phase": lambda M, o: M.OneCycleLR(
        o, 0.5, epochs=4, steps_per_epoch=8, three_phase=True, base_momentum=0.7,
        max_momentum=0.9),
    "SequentialLR": lambda M, o: M.SequentialLR(
        o, [M.ConstantLR(o, 0.5, total_iters=3), M.ExponentialLR(o, 0.9), M.StepLR(o, 4, 0.5)],
        milestones=[4, 12]),
    "ChainedScheduler": lambda M, o: M.ChainedScheduler(
        [M.StepLR(o, 4, 0.5), M.LinearLR(o, 0.3, total_iters=6), M.MultiStepLR(o, [3, 9])]),
}


def _opt(lib: str, kind: str) -> Any:
    mod = optim if lib == "ours" else torch.optim
    mk = ((lambda n: Tensor(np.ones(n), requires_grad=True)) if lib == "ours" else
          (lambda n: torch.ones(n, requires_grad=True)))
    groups = [{"params": [mk(2)]}, {"params": [mk(3)], "lr": 0.05}]
    return (mod.SGD(groups, lr=0.1, momentum=0.9) if kind == "SGD"
            else mod.Adam(groups, lr=0.1))


def _momenta(o: Any) -> list[float]:
    return [g["betas"][0] if "betas" in g else g.get("beta1", g.get("momentum"))
            for g in o.param_groups]


def _schedule(lib: str, name: str, kind: str, cut: int | None = None,
              n: int = 30) -> list[Any]:
    """n epochs (an optimizer step with gradients, then the scheduler's): after each, the
    rates, the momenta (beta1) and the parameters; with `cut`, a fresh optimizer and
    scheduler load both state dicts there (the scheduler first, as torch's docs build it)."""
    M = lr_scheduler if lib == "ours" else TL
    o = _opt(lib, kind)
    s = SCHEDULERS[name](M, o)
    out: list[Any] = []
    for k in range(n):
        if k == cut:
            saved = copy.deepcopy((o.state_dict(), s.state_dict()))
            fresh = _opt(lib, kind)
            s = SCHEDULERS[name](M, fresh)
            for g, old in zip(fresh.param_groups, o.param_groups):
                for p, q in zip(g["params"], old["params"]):
                    (p.data.__setitem__(Ellipsis, q.data) if lib == "ours"
                     else p.data.copy_(q.data))
            o = fresh
            o.load_state_dict(saved[0])
            s.load_state_dict(saved[1])
        for g in o.param_groups:
            for p in g["params"]:
                grad = np.sin(np.arange(p.shape[0]) + k) + 0.1 * k
                p.grad = grad if lib == "ours" else torch.tensor(grad)
        o.step()
        s.step()
        out.append((list(s.get_last_lr()), [g["lr"] for g in o.param_groups], _momenta(o),
                    [np.array(p.data if lib == "ours" else p.detach().numpy()).copy()
                     for g in o.param_groups for p in g["params"]]))
    return out


def _assert_same(ours: list[Any], theirs: list[Any], exact: bool = False) -> None:
    for k, (a, b) in enumerate(zip(ours, theirs)):
        for u, v in zip(a[:3], b[:3]):
            for x, y in zip(u, v):
                assert (x == y) if exact else math.isclose(float(x), float(y), rel_tol=1e-12,
                                                           abs_tol=1e-15), (k, a[:3], b[:3])
        for x, y in zip(a[3], b[3]):
            if exact:
                assert np.array_equal(x, y), k
            else:
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_every_scheduler_sets_torchs_rates_and_momenta_and_resumes_exactly(
        name: str, kind: str) -> None:
    theirs = _schedule("torch", name, kind)
    ours = _schedule("ours", name, kind)
    _assert_same(ours, theirs)
    for cut in (1, 13):  # resumed from both state dicts: the uninterrupted run, bit for bit
        _assert_same(_schedule("ours", name, kind, cut), ours, exact=True)


@pytest.mark.parametrize("mode,threshold_mode,cooldown,min_lr,eps", [
    ("min", "rel", 0, 0.0, 1e-8), ("max", "abs", 2, [0.01, 0.02], 1e-2),
    ("min", "abs", 2, [0.01, 0.02], 1e-8), ("max", "rel", 0, 0.001, 1e-2)])
def test_reduce_lr_on_plateau_as_torch_and_resumed(mode: str, threshold_mode: str,
                                                   cooldown: int, min_lr: Any,
                                                   eps: float) -> None:
    kw = {"mode": mode, "threshold_mode": threshold_mode, "cooldown": cooldown,
          "min_lr": min_lr, "eps": eps, "factor": 0.5, "patience": 1, "threshold": 0.05}
    rng = np.random.default_rng(0)
    metrics = [*np.round(rng.standard_normal(20), 1), float("nan"), *[1.0] * 8,
               *np.linspace(1, 0.99, 8)]

    def run(lib: str, cut: int | None = None) -> list[Any]:
        M = lr_scheduler if lib == "ours" else TL
        o = _opt(lib, "SGD")
        s = M.ReduceLROnPlateau(o, **kw)
        out = []
        for k, m in enumerate(metrics):
            if k == cut:
                saved = copy.deepcopy((o.state_dict(), s.state_dict()))
                o = _opt(lib, "SGD")
                s = M.ReduceLROnPlateau(o, **kw)
                o.load_state_dict(saved[0])
                s.load_state_dict(saved[1])
            s.step(m)
            out.append(([g["lr"] for g in o.param_groups], list(s.get_last_lr()),
                        s.num_bad_epochs, s.cooldown_counter, float(s.best)))
        return out

    ours = run("ours")
    assert repr(ours) == repr(run("torch"))
    assert repr(run("ours", 17)) == repr(ours)


# ---- a scheduler's load_state_dict: only its own kind of state -----------------------------
def _sgd(groups: int = 1) -> Any:
    return optim.SGD([{"params": [Tensor(np.ones(2), requires_grad=True)]}
                      for _ in range(groups)], lr=0.1, momentum=0.9)


def test_a_scheduler_refuses_another_schedulers_state_in_one_line() -> None:
    o = _sgd()
    step = lr_scheduler.StepLR(o, 3)
    cosine = lr_scheduler.CosineAnnealingLR(o, T_max=5)
    before = cosine.state_dict()
    with pytest.raises(ValueError, match=r"^CosineAnnealingLR\.load_state_dict: the state's "
                                         r"keys do not match this scheduler's \(missing "
                                         r"\['T_max', 'eta_min'\], unexpected \['gamma', "
                                         r"'step_size'\]\)"):
        cosine.load_state_dict(step.state_dict())
    assert cosine.state_dict() == before and not hasattr(cosine, "step_size")
    # another configuration of one class: CyclicLR with cycle_momentum into one without
    # (it failed steps later, on the momentum function it never built)
    cyc = lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=3)
    plain = lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=3, cycle_momentum=False)
    with pytest.raises(ValueError, match=r"unexpected \['_key', 'base_momentums', "
                                         r"'max_momentums'\]"):
        plain.load_state_dict(cyc.state_dict())
    with pytest.raises(TypeError, match=r"^StepLR\.load_state_dict: expected the dict"):
        step.load_state_dict([("last_epoch", 3)])


def test_a_scheduler_refuses_a_state_saved_on_more_groups() -> None:
    one = lr_scheduler.CosineAnnealingLR(_sgd(1), T_max=5)
    two = lr_scheduler.CosineAnnealingLR(_sgd(2), T_max=5)
    with pytest.raises(ValueError, match=r"^CosineAnnealingLR\.load_state_dict: the state's "
                                         r"base_lrs has 2 entries, the optimizer 1 parameter "
                                         r"groups"):
        one.load_state_dict(two.state_dict())
    assert one.base_lrs == [0.1]
    # fewer: a state saved before add_param_group loads, and steps as the run saved would
    # (a chainable StepLR goes on; LambdaLR, by per-group lists, refuses its next step)
    lam = lr_scheduler.LambdaLR(_sgd(2), lambda e: 0.5)
    lam.load_state_dict(lr_scheduler.LambdaLR(_sgd(1), lambda e: 0.5).state_dict())
    with pytest.raises(ValueError, match=r"the optimizer has 2 parameter groups, 1 when"):
        lam.step()
    step = lr_scheduler.StepLR(_sgd(2), 1, 0.5)
    step.load_state_dict(lr_scheduler.StepLR(_sgd(1), 1, 0.5).state_dict())
    step.step()
    assert step.get_last_lr() == [0.05, 0.05]
    # a OneCycleLR saved on SGD (cycling momentum) into one on Adam (beta1): it wrote
    # "momentum" into Adam's groups, refused only by Adam's next step
    sgd = lr_scheduler.OneCycleLR(_sgd(), 0.1, total_steps=10)
    adam = lr_scheduler.OneCycleLR(optim.Adam([Tensor(np.ones(2), requires_grad=True)]), 0.1,
                                   total_steps=10)
    with pytest.raises(ValueError, match=r"^OneCycleLR\.load_state_dict: the state cycles the "
                                         r"groups' 'momentum', this Adam's is 'beta1'"):
        adam.load_state_dict(sgd.state_dict())


def _refused_whole(make: Any, o: Any, steps: int) -> None:
    """make(StepLR on o) stepped `steps` times, its state loaded into make(ExponentialLR on
    o): refused in one line naming the inner scheduler and its key, and nothing loaded."""
    src = make(lr_scheduler.StepLR(o, 2))
    for _ in range(steps):
        src.step()
    dst = make(lr_scheduler.ExponentialLR(o, 0.5))
    before = copy.deepcopy(dst.state_dict())
    with pytest.raises(ValueError, match=r"^ExponentialLR\.load_state_dict: .*unexpected "
                                         r"\['step_size'\]"):
        dst.load_state_dict(src.state_dict())
    assert dst.state_dict() == before


def test_sequential_and_chained_load_all_their_states_or_none() -> None:
    o = _sgd()

    def seq(second: Any) -> Any:
        return lr_scheduler.SequentialLR(o, [lr_scheduler.LinearLR(o, 0.1, total_iters=3),
                                             second], milestones=[3])

    _refused_whole(seq, o, 5)  # the LinearLR before the refused one is not loaded either
    chained = lr_scheduler.ChainedScheduler([lr_scheduler.ExponentialLR(o, 0.9),
                                             lr_scheduler.StepLR(o, 2)])
    other = lr_scheduler.ChainedScheduler([lr_scheduler.ExponentialLR(o, 0.9),
                                           lr_scheduler.ConstantLR(o, 0.5)])
    before = copy.deepcopy(other.state_dict())
    with pytest.raises(ValueError, match=r"^ConstantLR\.load_state_dict: "):
        other.load_state_dict(chained.state_dict())
    assert other.state_dict() == before


def test_a_scheduler_loads_torchs_state_of_its_class_and_keeps_no_list_of_the_dict() -> None:
    t_opt = torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=0.1)
    theirs = TL.StepLR(t_opt, 3, gamma=0.5)
    for _ in range(4):
        t_opt.step()
        theirs.step()
    ours = lr_scheduler.StepLR(_sgd(), 3, gamma=0.5)
    saved = theirs.state_dict()  # (with torch's _step_count, _is_initial, ...: dropped)
    ours.load_state_dict(saved)
    assert ours.last_epoch == 4 and not hasattr(ours, "_step_count")
    saved["base_lrs"][0] = 7.0  # the dict edited after loading: the scheduler keeps its own
    assert ours.base_lrs == [0.1]
    # LambdaLR: torch's state holds lr_lambdas (None for a plain function): dropped too
    t_lam = TL.LambdaLR(t_opt, lambda e: 0.5 ** e)
    for _ in range(3):
        t_opt.step()
        t_lam.step()
    lam = lr_scheduler.LambdaLR(_sgd(), lambda e: 0.5 ** e)
    lam.load_state_dict(t_lam.state_dict())
    lam.step()
    t_lam.step()
    assert lam.get_last_lr() == t_lam.get_last_lr()


# ---- the optimizer's state_dict across classes and group sizes, zero_grad, groups ----------
def test_optimizer_state_dicts_of_another_class_or_group_sizes_are_refused() -> None:
    p, q = (Tensor(np.ones(n), requires_grad=True) for n in (3, 2))
    adam = optim.Adam([p, q], lr=0.1)
    p.grad, q.grad = np.ones(3), np.ones(2)
    adam.step()
    saved = adam.state_dict()
    with pytest.raises(ValueError, match="^state dict is for Adam, not AdamW$"):
        optim.AdamW([p, q]).load_state_dict(saved)
    with pytest.raises(ValueError, match="state dict has 1 parameter groups, optimizer has 2"):
        optim.Adam([{"params": [p]}, {"params": [q]}]).load_state_dict(saved)
    split = optim.Adam([{"params": [p]}, {"params": [q]}]).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.Adam([{"params": [p, q]}, {"params": [Tensor(np.ones(1), requires_grad=True)]}]
                   ).load_state_dict({**split, "state": [{}, {}, {}]})


def test_zero_grad_and_a_parameter_in_two_groups_as_torch() -> None:
    p = Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.full(3, 2.0)
    held = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and np.array_equal(p.grad, np.zeros(3))
    assert np.array_equal(held, np.zeros(3))  # zeroed in place, as torch's zero_()
    opt.zero_grad()
    assert p.grad is None
    t = torch.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match="more than one"):
        torch.optim.SGD([t], lr=0.1).add_param_group({"params": [t]})
    with pytest.raises(ValueError, match="appears in more than one group"):
        opt.add_param_group({"params": [p]})
    assert len(opt.param_groups) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a step with no gradient anywhere warns
        with pytest.raises(RuntimeWarning, match="no parameter has a gradient"):
            opt.step()


# ---- the second review of the load_state_dict checks ----------------------------------------
# They refused every key the fresh scheduler lacked or held beyond its own: an attribute a user
# set on a scheduler, one a user's subclass sets as it steps, a subclass's state_dict() entry
# its load_state_dict takes out (torch's LambdaLR pattern), PyTorch's own OneCycleLR and
# CyclicLR states (its spelling differs: they loaded and stepped as torch's before), an older
# torch's ReduceLROnPlateau state; and a ChainedScheduler holding a SequentialLR loaded its
# first schedulers before the nested one was refused. Only the keys the schedulers here keep
# are checked now; any other loads as an attribute, as torch's.
class _Warmup(lr_scheduler.LRScheduler):
    """A user's scheduler, as torch users write them: an attribute set in get_lr."""

    def __init__(self, opt: Any, n: int) -> None:
        self.n = n
        super().__init__(opt)

    def get_lr(self) -> list[float]:
        if self.last_epoch >= self.n:
            self.warm = True
        return [b * min(1.0, (self.last_epoch + 1) / self.n) for b in self.base_lrs]


class _Noted(lr_scheduler.LambdaLR):
    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "note": "mine"}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        state = dict(state)
        assert state.pop("note") == "mine"
        super().load_state_dict(state)


def test_a_scheduler_loads_the_attributes_a_user_or_a_subclass_set_as_torchs() -> None:
    src = _Warmup(_sgd(), 3)
    for _ in range(4):
        src.step()
    dst = _Warmup(_sgd(), 3)
    dst.load_state_dict(src.state_dict())
    assert dst.warm and dst.last_epoch == 4 and dst.get_last_lr() == src.get_last_lr()
    step = lr_scheduler.StepLR(_sgd(), 2)
    step.tag = "run 1"
    step.step()
    again = lr_scheduler.StepLR(_sgd(), 2)
    again.load_state_dict(step.state_dict())
    assert again.tag == "run 1" and again.last_epoch == 1
    noted = _Noted(_sgd(), lambda e: 0.5)
    noted.step()
    other = _Noted(_sgd(), lambda e: 0.5)
    other.load_state_dict(noted.state_dict())
    assert other.last_epoch == 1
    # another scheduler's state is still refused (its keys are the schedulers' own)
    with pytest.raises(ValueError, match=r"^ExponentialLR\.load_state_dict: .*unexpected "
                                         r"\['step_size'\]"):
        lr_scheduler.ExponentialLR(_sgd(), 0.5).load_state_dict(step.state_dict())


@pytest.mark.parametrize("name", ["OneCycleLR", "CyclicLR"])
def test_torchs_onecycle_and_cyclic_states_load_and_step_as_torchs(name: str) -> None:
    def build(lib: Any, opt: Any) -> Any:
        if name == "OneCycleLR":
            return lib.OneCycleLR(opt, 1.0, total_steps=30)
        return lib.CyclicLR(opt, 0.01, 0.1, step_size_up=4)

    t_opt = torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=0.1, momentum=0.9)
    theirs = build(TL, t_opt)
    for _ in range(5):
        t_opt.step()
        theirs.step()
    o = _sgd()
    ours = build(lr_scheduler, o)
    ours.load_state_dict(theirs.state_dict())
    for _ in range(6):
        t_opt.step()
        theirs.step()
        ours.step()
        g, tg = o.param_groups[0], t_opt.param_groups[0]
        assert math.isclose(g["lr"], tg["lr"], rel_tol=1e-12)
        assert math.isclose(g["momentum"], tg["momentum"], rel_tol=1e-12)
    # torch's state of one on SGD into one on Adam (momentum cycled, not beta1): refused
    adam = build(lr_scheduler, optim.Adam([Tensor(np.ones(2), requires_grad=True)], lr=0.1))
    with pytest.raises(ValueError, match=r"the state cycles the groups' 'momentum', this "
                                         r"Adam's is 'beta1'"):
        adam.load_state_dict(theirs.state_dict())


def test_an_older_torchs_plateau_state_loads() -> None:
    ours = lr_scheduler.ReduceLROnPlateau(_sgd(), patience=1)
    old = {k: v for k, v in ours.state_dict().items() if k not in ("default_min_lr", "_last_lr")}
    old.update(verbose=False, best=0.5, num_bad_epochs=1, last_epoch=3)
    ours.load_state_dict(old)
    ours.step(0.9)  # a second bad epoch past patience 1: the rate is cut
    assert ours.best == 0.5 and math.isclose(ours.get_last_lr()[0], 0.01)


def test_a_chained_scheduler_holding_a_sequential_one_loads_all_its_states_or_none() -> None:
    o = _sgd()

    def chained(second: Any) -> Any:
        seq = lr_scheduler.SequentialLR(o, [lr_scheduler.LinearLR(o, 0.5, total_iters=2),
                                            second], milestones=[2])
        return lr_scheduler.ChainedScheduler([lr_scheduler.ExponentialLR(o, 0.9), seq])

    _refused_whole(chained, o, 3)  # nor the ExponentialLR before the refused one
