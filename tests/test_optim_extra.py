"""PyTorch's Adadelta, Adamax, NAdam, RAdam, Rprop and ASGD: step for step against torch 2.13
in float64 (defaults, weight_decay, maximize, two parameter groups, each one's own options; an
optional oracle, skipped without torch), state_dict round trips, bad arguments refused in one
line where torch refuses them (and a few more), float32 kept, PyTorch's schedulers driving
them, and the base class's rules (a jitted step runs eagerly, a saved parameter is copied,
.grad is never written) holding for each."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tinygrad_dl import Tensor, optim
from tinygrad_dl.jit import jit
from tinygrad_dl.optim import lr_scheduler

NAMES = ("Adadelta", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD")

# a small least-squares problem per parameter: 0.5 ||A x - b||^2, gradient A^T (A x - b)
_RNG = np.random.default_rng(11)
X0 = [_RNG.standard_normal((3, 2)), _RNG.standard_normal(4)]
A = [_RNG.standard_normal((x.size, x.size)) for x in X0]
B = [_RNG.standard_normal(x.size) for x in X0]


def _grad(i: int, x: np.ndarray) -> np.ndarray:
    return (A[i].T @ (A[i] @ x.ravel() - B[i])).reshape(x.shape)


# per optimizer: its configurations beyond the defaults (weight_decay, maximize, its own options)
CONFIGS: dict[str, list[dict[str, Any]]] = {
    "Adadelta": [{}, {"weight_decay": 0.1}, {"maximize": True},
                 {"lr": 0.5, "rho": 0.5, "eps": 1e-3},
                 {"rho": 1.0, "weight_decay": 0.05, "maximize": True}],
    "Adamax": [{}, {"weight_decay": 0.1}, {"maximize": True},
               {"lr": 0.05, "betas": (0.5, 0.8), "eps": 1e-3},
               {"lr": 0.05, "betas": (0.0, 0.0), "weight_decay": 0.2, "maximize": True}],
    "NAdam": [{}, {"weight_decay": 0.1}, {"maximize": True},
              {"lr": 0.05, "momentum_decay": 0.05, "betas": (0.8, 0.99)},
              {"weight_decay": 0.1, "decoupled_weight_decay": True},
              {"lr": 0.05, "weight_decay": 0.2, "decoupled_weight_decay": True, "maximize": True}],
    "RAdam": [{}, {"weight_decay": 0.1}, {"maximize": True},
              {"lr": 0.05, "betas": (0.9, 0.9)},  # rho_t > 5 from the 6th step: rectified
              {"weight_decay": 0.1, "decoupled_weight_decay": True},
              {"lr": 0.05, "weight_decay": 0.2, "decoupled_weight_decay": True, "maximize": True}],
    "Rprop": [{}, {"maximize": True}, {"lr": 0.1, "etas": (0.3, 1.5)},
              {"lr": 0.2, "step_sizes": (1e-3, 0.25)}, {"step_sizes": (0.05, 0.05)}],
    "ASGD": [{}, {"weight_decay": 0.1}, {"maximize": True},
             {"lr": 0.1, "lambd": 0.1, "alpha": 0.5, "t0": 10},
             {"lr": 0.05, "t0": 0.0, "weight_decay": 0.1, "maximize": True}],
}
CASES = [(n, kw) for n in NAMES for kw in CONFIGS[n]]
# two groups: the second with another rate (and, where the optimizer has it, its own option)
GROUPS: dict[str, list[dict[str, Any]]] = {
    "Adadelta": [{"lr": 0.5}, {"lr": 2.0, "rho": 0.7}],
    "Adamax": [{"lr": 0.05}, {"lr": 0.01, "betas": (0.8, 0.9)}],
    "NAdam": [{"lr": 0.05}, {"lr": 0.01, "betas": (0.8, 0.9), "decoupled_weight_decay": True,
                             "weight_decay": 0.1}],
    "RAdam": [{"lr": 0.05}, {"lr": 0.01, "betas": (0.8, 0.9)}],
    "Rprop": [{"lr": 0.05}, {"lr": 0.3, "etas": (0.4, 1.3)}],
    "ASGD": [{"lr": 0.05}, {"lr": 0.01, "t0": 5.0}],
}


@pytest.fixture
def torch64() -> Any:
    """torch with float64 as its default dtype: torch keeps ASGD's eta and mu and NAdam's
    mu_product as tensors of the default dtype, which float32 would round (ours are floats)."""
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


def _params(ps: list[Any], groups: list[dict[str, Any]] | None) -> list[Any]:
    if groups is None:
        return ps
    return [{"params": [p], **g} for p, g in zip(ps, groups)]


def _compare(torch: Any, name: str, kwargs: dict[str, Any], groups: Any = None,
             steps: int = 32, sched: Any = None) -> tuple[Any, Any]:
    """Ours and torch's from the same parameters, the same gradients each step: equal to 1e-12
    after every step (and the rates too, under a scheduler)."""
    ours = [Tensor(x.copy(), requires_grad=True) for x in X0]
    theirs = [torch.tensor(x.copy(), requires_grad=True) for x in X0]
    opt = getattr(optim, name)(_params(ours, groups), **kwargs)
    topt = getattr(torch.optim, name)(_params(theirs, groups), foreach=False, **kwargs)
    s = ts = None
    if sched is not None:
        s, ts = sched(lr_scheduler, opt), sched(torch.optim.lr_scheduler, topt)
    for step in range(steps):
        for i, (p, q) in enumerate(zip(ours, theirs)):
            p.grad = _grad(i, p.data)
            q.grad = torch.tensor(p.grad.copy())
        opt.step()
        topt.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12, atol=1e-15,
                                       err_msg=f"{name} {kwargs} step {step}")
        if s is not None:
            s.step()
            ts.step()
            assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-15, abs=0)
    return opt, topt


@pytest.mark.parametrize("name, kwargs", CASES)
def test_steps_are_torchs_step_for_step(torch64: Any, name: str, kwargs: dict[str, Any]) -> None:
    opt, topt = _compare(torch64, name, kwargs)
    # the per-parameter state under torch's names (a ported opt.state read finds its keys),
    # with torch's values: ASGD's average ax, which no step reads, included
    for s, tp in zip(opt.state, topt.param_groups[0]["params"]):
        theirs = topt.state[tp]
        assert set(s) == set(theirs), name
        for k, v in s.items():
            np.testing.assert_allclose(v, theirs[k].numpy(), rtol=1e-12, atol=1e-15,
                                       err_msg=f"{name} state {k!r}")


@pytest.mark.parametrize("name", NAMES)
def test_two_groups_with_their_own_rates_are_torchs(torch64: Any, name: str) -> None:
    opt, _ = _compare(torch64, name, {}, groups=GROUPS[name])
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in GROUPS[name]]


def test_the_defaults_are_torchs(torch64: Any) -> None:
    """Every hyperparameter of a group built with no arguments is torch's default (torch's
    betas are our beta1 and beta2); lr 1.0 for Adadelta."""
    for name in NAMES:
        ours = getattr(optim, name)([Tensor(np.ones(2), requires_grad=True)]).param_groups[0]
        theirs = getattr(torch64.optim, name)([torch64.ones(2, requires_grad=True)]
                                              ).param_groups[0]
        if "betas" in theirs:
            assert (ours["beta1"], ours["beta2"]) == tuple(theirs["betas"]), name
        for k, v in ours.items():
            if k not in ("params", "beta1", "beta2"):
                assert v == theirs[k], (name, k)
    assert optim.Adadelta([Tensor(np.ones(2), requires_grad=True)]).lr == 1.0


# ---- schedulers drive them through param_groups[i]["lr"] -------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_step_lr_drives_each_one_as_torchs(torch64: Any, name: str) -> None:
    """StepLR halves every group's rate each 5 steps; the steps stay torch's (Rprop reads lr
    only at its first step, as torch's, so its steps do not change: also torch's)."""
    opt, _ = _compare(torch64, name, {}, groups=GROUPS[name], steps=16,
                      sched=lambda ls, o: ls.StepLR(o, step_size=5, gamma=0.5))
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] / 8 for g in GROUPS[name]]


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam"])
def test_one_cycle_cycles_beta1_as_torch_cycles_betas0(torch64: Any, name: str) -> None:
    opt, topt = _compare(torch64, name, {}, steps=20, sched=lambda ls, o: ls.OneCycleLR(
        o, max_lr=0.05, total_steps=25))
    assert opt.param_groups[0]["beta1"] == pytest.approx(topt.param_groups[0]["betas"][0],
                                                         rel=1e-14)


# ---- state_dict ----------------------------------------------------------------------------
ROUND_TRIP = {"Adadelta": {"lr": 0.5, "rho": 0.7, "weight_decay": 0.1},
              "Adamax": {"lr": 0.05, "betas": (0.8, 0.9), "maximize": True},
              "NAdam": {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
              "RAdam": {"lr": 0.05, "betas": (0.8, 0.9)},  # rectified from step 5 on
              "Rprop": {"lr": 0.2, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.5)},
              "ASGD": {"lr": 0.05, "lambd": 0.1, "t0": 4.0, "weight_decay": 0.1}}


def _run(opt: Any, ps: list[Tensor], steps: range) -> None:
    for _ in steps:
        for i, p in enumerate(ps):
            p.grad = _grad(i, p.data)
        opt.step()


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_resumes_identically(name: str) -> None:
    """Saved at step 7 (its groups through JSON, as a training checkpoint keeps them: tuples
    come back as lists), loaded into a fresh optimizer built with other hyperparameters, 12 more
    steps: bit for bit the uninterrupted run."""
    cls, kw = getattr(optim, name), ROUND_TRIP[name]
    ref = [Tensor(x.copy(), requires_grad=True) for x in X0]
    ref_opt = cls(_params(ref, [{}, {"lr": kw["lr"] / 2}]), **kw)
    _run(ref_opt, ref, range(19))

    ps = [Tensor(x.copy(), requires_grad=True) for x in X0]
    opt = cls(_params(ps, [{}, {"lr": kw["lr"] / 2}]), **kw)
    _run(opt, ps, range(7))
    at7 = [p.data.copy() for p in ps]
    sd = opt.state_dict()
    sd["param_groups"] = json.loads(json.dumps(sd["param_groups"]))
    saved = [{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
             for s in sd["state"]]
    _run(opt, ps, range(3))  # the saved state is a copy: later steps do not reach it
    for s, s0 in zip(sd["state"], saved):
        for k in s:
            np.testing.assert_array_equal(s[k], s0[k])

    ps2 = [Tensor(x, requires_grad=True) for x in at7]
    opt2 = cls(_params(ps2, [{}, {}]))  # the loaded groups' hyperparameters replace these
    opt2.load_state_dict(sd)
    assert [g["lr"] for g in opt2.param_groups] == [kw["lr"], kw["lr"] / 2]
    _run(opt2, ps2, range(12))
    for p, r in zip(ps2, ref):
        np.testing.assert_array_equal(p.data, r.data)


@pytest.mark.parametrize("name", NAMES)
def test_load_state_dict_checks_the_saved_groups(name: str) -> None:
    bad = {"Adadelta": ("rho", 1.5), "Adamax": ("beta1", 1.0), "NAdam": ("momentum_decay", -1),
           "RAdam": ("eps", -1.0), "Rprop": ("etas", (1.2, 0.5)), "ASGD": ("lambd", -0.1)}[name]
    p = Tensor(np.ones(2), requires_grad=True)
    sd = getattr(optim, name)([p]).state_dict()
    sd["param_groups"][0][bad[0]] = bad[1]
    opt = getattr(optim, name)([p])
    with pytest.raises(ValueError, match=rf"^{name}\.load_state_dict: parameter group 0: "
                                         rf"{bad[0]}") as e:
        opt.load_state_dict(sd)
    assert "\n" not in str(e.value)
    assert opt.param_groups[0].get(bad[0]) != bad[1]  # nothing written


# ---- bad arguments: one line, where torch refuses them (and a few it lets through) ----------
# (name, kwargs, our words, does torch 2.13 refuse it too)
BAD = [
    (n, {"lr": -1.0}, rf"^{n}: learning rate must be a finite number >= 0, got -1.0$", True)
    for n in NAMES
] + [
    (n, {"foreach": True}, rf"^{n}: foreach=True is not supported: .*leave foreach out$", False)
    for n in NAMES
] + [
    (n, {"differentiable": True}, rf"^{n}: differentiable=True is not supported", False)
    for n in NAMES
] + [
    (n, {"capturable": True}, rf"^{n}: capturable=True is not supported", False)
    for n in NAMES
] + [
    (n, {"weight_decay": -0.1}, rf"^{n}: weight_decay must be a finite number >= 0, got -0.1$",
     True) for n in ("Adadelta", "Adamax", "NAdam", "RAdam", "ASGD")
] + [
    (n, {"eps": -1e-8}, rf"^{n}: eps must be a finite number >= 0{' or inf' * (n != 'Adadelta')}"
     r", got -1e-08$", True)
    for n in ("Adadelta", "Adamax", "NAdam", "RAdam")
] + [
    (n, {"betas": (1.0, 0.999)}, rf"^{n}: beta1 must be in \[0, 1\), got 1.0$", True)
    for n in ("Adamax", "NAdam", "RAdam")
] + [
    (n, {"betas": (0.9, -0.5)}, rf"^{n}: beta2 must be in \[0, 1\), got -0.5$", True)
    for n in ("Adamax", "NAdam", "RAdam")
] + [
    ("Adamax", {"betas": 0.9}, r"^Adamax: betas must be a pair \(beta1, beta2\), got 0.9$",
     False),
    ("Adadelta", {"rho": 1.1}, r"^Adadelta: rho must be in \[0, 1\], got 1.1$", True),
    ("Adadelta", {"rho": -0.1}, r"^Adadelta: rho must be in \[0, 1\], got -0.1$", True),
    ("NAdam", {"momentum_decay": -1e-3},
     r"^NAdam: momentum_decay must be a finite number >= 0, got -0.001$", True),
    ("Rprop", {"etas": (1.2, 0.5)},
     r"^Rprop: etas must satisfy 0 < etaminus < 1 < etaplus, got \(1.2, 0.5\)$", True),
    ("Rprop", {"etas": (0.0, 1.2)}, r"^Rprop: etas must satisfy", True),
    ("Rprop", {"etas": (0.5, 1.0)}, r"^Rprop: etas must satisfy", True),
    ("Rprop", {"etas": 0.5}, r"^Rprop: etas must be a pair \(etaminus, etaplus\), got 0.5$",
     False),
    ("Rprop", {"step_sizes": (1.0, 0.1)},
     r"^Rprop: step_sizes must satisfy 0 <= min <= max, got \(1.0, 0.1\)$", False),
    ("Rprop", {"step_sizes": (-1e-6, 50)}, r"^Rprop: step_sizes must satisfy", False),
    ("ASGD", {"lambd": -1e-4}, r"^ASGD: lambd must be a finite number >= 0, got -0.0001$", False),
    ("ASGD", {"alpha": float("nan")}, r"^ASGD: alpha must be a finite number >= 0, got nan$",
     False),
    ("ASGD", {"t0": -1.0}, r"^ASGD: t0 must be a finite number >= 0, got -1.0$", False),
]


@pytest.mark.parametrize("name, kwargs, words, torch_refuses", BAD)
def test_bad_arguments_are_refused_in_one_line(name: str, kwargs: dict[str, Any], words: str,
                                               torch_refuses: bool) -> None:
    with pytest.raises(ValueError, match=words) as e:
        getattr(optim, name)([Tensor(np.ones(2), requires_grad=True)], **kwargs)
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match=words):  # the same check for a group added later
        getattr(optim, name)([{"params": [Tensor(np.ones(2), requires_grad=True)], **{
            k: v for k, v in kwargs.items()
            if k not in ("foreach", "differentiable", "capturable")}}],
            **{k: v for k, v in kwargs.items()
               if k in ("foreach", "differentiable", "capturable")})


@pytest.mark.parametrize("name, kwargs, words, torch_refuses",
                         [b for b in BAD if b[3]])
def test_torch_refuses_the_same_arguments(name: str, kwargs: dict[str, Any], words: str,
                                          torch_refuses: bool) -> None:
    """Each check marked as torch's is one torch 2.13 makes (a ValueError there too)."""
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("name, kwargs", [
    ("Adadelta", {"lr": 0.0, "rho": 0.0, "eps": 0.0, "weight_decay": 0.0}),
    ("Adadelta", {"rho": 1.0}),
    ("Adamax", {"betas": (0.0, 0.0), "eps": 0.0}),
    ("NAdam", {"momentum_decay": 0.0, "betas": [0.0, 0.5]}),
    ("RAdam", {"eps": 0.0, "betas": (0.999, 0.0)}),
    ("Rprop", {"etas": (1e-3, 1.001), "step_sizes": (0.0, 0.0)}),
    ("ASGD", {"lambd": 0.0, "alpha": 0.0, "t0": 0.0}),
])
def test_torchs_boundaries_are_accepted(name: str, kwargs: dict[str, Any]) -> None:
    p = Tensor(np.ones(2), requires_grad=True)
    opt = getattr(optim, name)([p], **kwargs, foreach=None)
    p.grad = np.array([0.5, -1.0])
    opt.step()
    assert np.isfinite(p.data).all()


def test_a_group_key_torch_spells_betas_is_split_and_a_written_one_refused() -> None:
    p, q = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    opt = optim.NAdam([{"params": [p]}, {"params": [q], "betas": (0.5, 0.6)}])
    assert (opt.param_groups[1]["beta1"], opt.param_groups[1]["beta2"]) == (0.5, 0.6)
    opt.param_groups[0]["betas"] = (0.1, 0.2)
    p.grad = q.grad = np.ones(2)
    with pytest.raises(ValueError, match=r"\['betas'\] that NAdam does not use .*beta1"):
        opt.step()


# ---- dtypes and the base class's rules -------------------------------------------------------
@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[1]])
def test_float32_parameters_stay_float32(name: str, kwargs: dict[str, Any]) -> None:
    """Every step and every state array in float32, near the float64 run."""
    runs = {}
    for dt in (np.float32, np.float64):
        ps = [Tensor(x.astype(dt), requires_grad=True) for x in X0]
        opt = getattr(optim, name)(ps, **kwargs)
        for step in range(8):
            for i, p in enumerate(ps):
                p.grad = np.random.default_rng(step * 2 + i).standard_normal(
                    p.shape).astype(dt)
            opt.step()
        for p in ps:
            assert p.data.dtype == dt
        for s in opt.state:
            assert all(v.dtype == dt for v in s.values() if isinstance(v, np.ndarray)), s
        runs[dt] = [p.data for p in ps]
    for a, b in zip(runs[np.float32], runs[np.float64]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name, kwargs", CASES)
def test_grad_is_never_written_even_when_it_is_the_parameter(name: str,
                                                             kwargs: dict[str, Any]) -> None:
    """The gradient array is left as given; p.grad = p.data (one array) steps as a copy does:
    each update reads g before it moves theta."""
    p = Tensor(X0[0].copy(), requires_grad=True)
    q = Tensor(X0[0].copy(), requires_grad=True)
    opt, ref = getattr(optim, name)([p], **kwargs), getattr(optim, name)([q], **kwargs)
    for _ in range(4):
        g = q.data.copy()
        q.grad = g
        ref.step()
        np.testing.assert_array_equal(g, q.grad)
        assert q.grad is g
        p.grad = p.data
        opt.step()
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("name", NAMES)
def test_a_step_inside_a_jitted_function_runs_eagerly(name: str) -> None:
    w, ref = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    opt, ref_opt = (getattr(optim, name)([p], lr=0.1) for p in (w, ref))

    @jit
    def step(x: np.ndarray) -> None:
        (Tensor(x) * w * w).sum().backward()
        opt.step()

    with pytest.warns(RuntimeWarning, match=rf"cannot replay step: {name}\.step\(\) runs inside"):
        for i in range(3):
            x = np.full(3, i + 1.0)
            w.grad = ref.grad = None
            step(x)
            (Tensor(x) * ref * ref).sum().backward()
            ref_opt.step()
    np.testing.assert_array_equal(w.data, ref.data)


@pytest.mark.parametrize("name", NAMES)
def test_a_parameter_a_live_graph_saved_is_copied_first(name: str) -> None:
    w = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)  # (mul keeps w for x's grad)
    loss = (w * x).tanh().sum()  # tanh saves its output; mul saves w
    loss.backward(retain_graph=True)
    before = w.data
    saved = before.copy()
    getattr(optim, name)([w], lr=0.1).step()
    assert w.data is not before and np.array_equal(before, saved)  # the graph's copy kept
    assert not np.array_equal(w.data, saved)
    with pytest.raises(RuntimeError, match=rf"{name}\.step\(\)"):
        loss.backward()
    # a constant x: mul keeps only x (torch's rule), the step leaves that graph right and its
    # backward gives torch's gradient, x * (1 - tanh(w0 * x)**2) with the old w0
    w = Tensor(saved.copy(), requires_grad=True)
    loss = (w * x.detach()).tanh().sum()
    loss.backward(retain_graph=True)
    getattr(optim, name)([w], lr=0.1).step()
    w.grad = None
    loss.backward()
    x0 = x.data
    np.testing.assert_allclose(w.grad, x0 * (1 - np.tanh(saved * x0) ** 2), rtol=1e-14)


def test_registry_and_exports() -> None:
    for name in NAMES:
        cls = getattr(optim, name)
        assert optim.OPTIMIZERS[name.lower()] is cls and name in optim.__all__
        assert issubclass(cls, optim.Optimizer)


@pytest.mark.parametrize("name, key, value", [
    ("Adadelta", "eps", "1e-6"), ("Adadelta", "rho", None), ("Adadelta", "weight_decay", "0"),
    ("Adamax", "beta1", "0.9"), ("NAdam", "momentum_decay", "x"), ("RAdam", "eps", None),
    ("Rprop", "etas", ("0.5", "1.2")), ("Rprop", "step_sizes", ("0", "1")),
    ("ASGD", "t0", None), ("ASGD", "lambd", "0.1"), ("Adagrad", "lr_decay", "0"),
])
def test_a_group_added_with_a_non_number_is_refused_in_one_line(name: str, key: str,
                                                                 value: Any) -> None:
    """add_param_group skips the constructor's float(): a string or None where a number goes
    was a bare TypeError naming nothing (or, Rprop's etas, accepted and a NumPy ufunc error at
    the first step)."""
    p, q = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    opt = getattr(optim, name)([p])
    with pytest.raises(ValueError, match=rf"^{name}: {key} must be") as e:
        opt.add_param_group({"params": [q], key: value})
    assert "\n" not in str(e.value)
    p.grad = np.ones(2)
    opt.step()  # the refused group left nothing behind
    assert len(opt.param_groups) == 1 and len(opt.state) == 1


def test_a_nan_gradient_reaches_rprops_parameter() -> None:
    """torch's Rprop takes sign(NaN) as 0: the element keeps its value, the NaN unseen (and
    stored in prev). Here it shows in the parameter, as for every other optimizer (documented
    in docs/pytorch.md)."""
    p = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = optim.Rprop([p])
    p.grad = np.array([np.nan, 1.0])
    opt.step()
    assert np.isnan(p.data[0]) and p.data[1] == pytest.approx(1.99, abs=1e-15)
